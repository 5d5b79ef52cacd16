// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pins.h"
#include "attach.h"
#include "loader.h"
#include "log.h"

/*
 * BPF_TCX_EGRESS of Linux 6.6's enum bpf_attach_type. Debian 12's uapi
 * headers (Linux 6.1) stop before it, and libbpf 1.1 has no tcx API; the
 * value is kernel ABI, so spelling it out is safe. A kernel without tcx
 * answers EINVAL (an attach type no program type takes).
 */
#define SIPXDP_BPF_TCX_EGRESS	47

void attach_init(struct attachment *at, const char *name, int ifindex)
{
	memset(at, 0, sizeof(*at));
	snprintf(at->name, sizeof(at->name), "%s", name);
	at->ifindex = ifindex;
	at->xdp_link = at->tc_link = -1;
}

enum xdp_occupant attach_xdp_occupant(int ifindex, __u32 *prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xdp_multiprog *mp;
	bool dispatcher;

	if (bpf_xdp_query(ifindex, 0, &q) || q.attach_mode == XDP_ATTACHED_NONE)
		return XDP_FREE;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	dispatcher = mp && !libxdp_get_error(mp) && !xdp_multiprog__is_legacy(mp) &&
		     xdp_multiprog__main_prog(mp);
	xdp_multiprog__close(mp);
	if (dispatcher)
		return XDP_DISPATCHER;
	*prog_id = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id :
		   q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
	return XDP_OTHER;
}

static const char *mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_NATIVE ? "native" : mode == XDP_MODE_SKB ? "generic" : "auto";
}

/* libbpf 1.1's bpf_program__attach_xdp() takes no mode flags: the link by hand. */
static int xdp_link_create(int prog_fd, int ifindex, __u32 flags)
{
	DECLARE_LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);

	return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
}

int attach_xdp_link(struct attachment *at, int prog_fd, enum xdp_attach_mode mode)
{
	int fd, native_err = 0;

	if (mode == XDP_MODE_SKB) {
		fd = xdp_link_create(prog_fd, at->ifindex, XDP_FLAGS_SKB_MODE);
	} else {
		fd = xdp_link_create(prog_fd, at->ifindex, XDP_FLAGS_DRV_MODE);
		/* auto: generic where the driver has no native XDP (or refuses it) */
		if (fd < 0 && mode == XDP_MODE_UNSPEC) {
			native_err = fd;
			pr_debug("%s: native XDP: %s; trying generic\n", at->name,
				 strerror(-native_err));
			fd = xdp_link_create(prog_fd, at->ifindex, XDP_FLAGS_SKB_MODE);
		}
	}
	if (fd < 0) {
		if (native_err)
			pr_err("%s: attaching XDP through a bpf_link: native: %s; generic: %s%s\n",
			       at->name, strerror(-native_err), strerror(-fd),
			       fd == -EEXIST || fd == -EBUSY ?
			       " (another XDP program is attached?)" : "");
		else
			pr_err("%s: attaching XDP through a bpf_link (%s mode): %s%s\n", at->name,
			       mode_name(mode), strerror(-fd),
			       fd == -EEXIST || fd == -EBUSY ?
			       " (another XDP program is attached?)" : "");
		return fd;
	}
	at->xdp = ATTACH_LINK;
	at->xdp_link = fd;
	at->xdp_generic = mode == XDP_MODE_SKB || native_err;
	return 0;
}

int attach_xdp_libxdp(struct attachment *at, struct xdp_program *prog,
		      enum xdp_attach_mode mode)
{
	int err = xdp_program__attach(prog, at->ifindex, mode, 0);

	if (err) {
		pr_err("%s: attaching XDP through libxdp (%s mode): %s\n", at->name,
		       mode_name(mode), strerror(-err));
		return err;
	}
	at->xdp = ATTACH_LIBXDP;
	at->xdp_generic = xdp_program__is_attached(prog, at->ifindex) == XDP_MODE_SKB;
	return 0;
}

static int attach_tc_netlink(struct attachment *at, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = at->ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = TC_HANDLE, .priority = TC_PRIORITY,
			    .prog_fd = prog_fd);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		pr_err("%s: creating the clsact qdisc: %s\n", at->name, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &tc);
	if (err) {
		pr_err("%s: attaching TC egress (cls_bpf through netlink): %s\n", at->name,
		       strerror(-err));
		return err;
	}
	at->tc = ATTACH_NETLINK;
	return 0;
}

int attach_tc_egress(struct attachment *at, int prog_fd)
{
	/* The kernel takes a SCHED_CLS program for tcx whatever its expected
	 * attach type: SEC("tc") needs nothing set before load. */
	int fd = bpf_link_create(prog_fd, at->ifindex,
				 (enum bpf_attach_type)SIPXDP_BPF_TCX_EGRESS, NULL);

	if (fd >= 0) {
		at->tc = ATTACH_LINK;
		at->tc_link = fd;
		return 0;
	}
	if (fd != -EINVAL && fd != -EOPNOTSUPP) {
		pr_err("%s: attaching TC egress through tcx: %s\n", at->name, strerror(-fd));
		return fd;
	}
	pr_debug("%s: no tcx in this kernel (%s): TC egress through netlink\n", at->name,
		 strerror(-fd));
	return attach_tc_netlink(at, prog_fd);
}

void attach_report(const struct attachment *at)
{
	const char *xdp_via = "bpf_link", *tc_via;
	struct xdp_multiprog *mp;

	if (at->xdp == ATTACH_LIBXDP) {
		mp = xdp_multiprog__get_from_ifindex(at->ifindex);
		xdp_via = !mp || libxdp_get_error(mp) || xdp_multiprog__is_legacy(mp) ?
			  "libxdp, netlink" : "libxdp dispatcher";
		xdp_multiprog__close(mp);
	}
	tc_via = at->tc == ATTACH_LINK ? "tcx (bpf_link)" :
		 at->tc == ATTACH_NETLINK ? "cls_bpf (netlink)" : "off";
	pr_info("%s: XDP %s (%s), TC egress %s\n", at->name,
		at->xdp_generic ? "generic" : "native", xdp_via, tc_via);
}

void attach_remove(struct attachment *at, struct xdp_program *prog,
		   enum xdp_attach_mode mode)
{
	int err;

	/* A link goes when its last fd closes: here, as when the agent dies. */
	if (at->xdp == ATTACH_LINK) {
		close(at->xdp_link);
	} else if (at->xdp == ATTACH_LIBXDP) {
		err = xdp_program__detach(prog, at->ifindex, mode, 0);
		if (err)
			pr_warn("%s: detaching XDP: %s\n", at->name, strerror(-err));
	}
	if (at->tc == ATTACH_LINK) {
		close(at->tc_link);
	} else if (at->tc == ATTACH_NETLINK) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = at->ifindex,
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = TC_HANDLE,
				    .priority = TC_PRIORITY);

		err = bpf_tc_detach(&hook, &tc);
		if (err)
			pr_warn("%s: detaching TC egress: %s\n", at->name, strerror(-err));
	}
	at->xdp = at->tc = ATTACH_NONE;
	at->xdp_link = at->tc_link = -1;
}

/*
 * XDP goes through a bpf_link of ours, which the kernel removes when the
 * agent exits however it exits, unless an interface already runs libxdp's
 * dispatcher: then sipxdp joins it through libxdp, which loads the object
 * itself (the program becomes an extension of the dispatcher). One load
 * serves every interface, so one such interface sends them all through
 * libxdp. TC egress goes through tcx where the kernel has it (6.6+).
 */
int attach_set_attach(struct attach_set *set, struct sipxdp_bpf *skel, bool egress)
{
	struct bpf_object *obj = skel->obj;
	bool libxdp = false;
	__u32 other = 0;
	int err;

	/* Leftovers go first: what stays on an interface decides the way. */
	for (int i = 0; i < set->n_ifaces; i++) {
		struct attachment *at = &set->ifaces[i];
		int left = detach_leftovers(at->ifindex, set->pin_dir);

		if (left < 0)
			pr_warn("%s: a previous agent's leftovers may stay attached\n", at->name);
		else if (left)
			pr_warn("%s: removed %d program(s) a previous agent left attached\n",
				at->name, left);
		switch (attach_xdp_occupant(at->ifindex, &other)) {
		case XDP_FREE:
			break;
		case XDP_DISPATCHER:
			pr_debug("%s: libxdp's dispatcher runs there: XDP through libxdp\n",
				 at->name);
			libxdp = true;
			break;
		case XDP_OTHER:
			/* Refused before loading: a load would pin fresh maps. */
			pr_err("%s: another XDP program (id %u) is attached; sipxdp shares an "
			       "interface only through libxdp's dispatcher\n", at->name, other);
			return -1;
		}
	}
	if (libxdp) {
		set->xdp = xdp_program__from_bpf_obj(obj, "xdp");
		err = libxdp_get_error(set->xdp);
		if (err) {
			set->xdp = NULL;
			pr_err("preparing the XDP program for libxdp: %s\n", strerror(-err));
			return -1;
		}
	} else if (loader_load_opened(skel)) {
		return -1;
	}
	for (int i = 0; i < set->n_ifaces; i++) {
		struct attachment *at = &set->ifaces[i];

		if (libxdp) {
			/* The first attach loads the object: a refusal has a verifier log. */
			err = attach_xdp_libxdp(at, set->xdp, set->mode);
			if (err) {
				loader_refused(obj);
				return -1;
			}
			if (i == 0)
				loader_loaded(obj);
		} else if (attach_xdp_link(at, bpf_program__fd(skel->progs.sipxdp_xdp),
					   set->mode)) {
			return -1;
		}
		if (egress && attach_tc_egress(at, bpf_program__fd(skel->progs.sipxdp_tc)))
			return -1;
		attach_report(at);
	}
	return 0;
}

void attach_set_remove(struct attach_set *set)
{
	for (int i = 0; i < set->n_ifaces; i++)
		attach_remove(&set->ifaces[i], set->xdp, set->mode);
	xdp_program__close(set->xdp);
	set->xdp = NULL;
}
