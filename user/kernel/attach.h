/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attaching the XDP and TC egress programs to one interface, and detaching
 * them. Where the kernel offers it, each goes through a bpf_link that only
 * this process holds, so the kernel detaches it when the process exits, a
 * kill -9 included:
 *   XDP        a BPF_LINK_TYPE_XDP link (Linux 5.9+), unless the interface
 *              already runs libxdp's dispatcher: then through libxdp, which
 *              pins what it attaches (it outlives the agent);
 *   TC egress  a tcx link (Linux 6.6+), else a cls_bpf filter on a clsact
 *              qdisc through netlink (it outlives the agent).
 * What outlives the agent, `sipxdp unload` and the next `run` remove
 * (detach_leftovers in agent.h).
 */
#ifndef SIPXDP_ATTACH_H
#define SIPXDP_ATTACH_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>
#include <xdp/libxdp.h>
#include "pins.h"

enum attach_via {
	ATTACH_NONE,
	ATTACH_LINK,	/* a bpf_link whose only fd is ours */
	ATTACH_LIBXDP,	/* libxdp: its dispatcher, pinned, or netlink */
	ATTACH_NETLINK,	/* a cls_bpf filter (TC_HANDLE, TC_PRIORITY) */
};

struct attachment {
	char name[IF_NAMESIZE];
	int ifindex;
	enum attach_via xdp, tc;
	bool xdp_generic;	/* XDP runs in generic (skb) mode */
	int xdp_link, tc_link;	/* link fds with ATTACH_LINK, else -1 */
};

/* Fills in an attachment of nothing to ifindex. */
void attach_init(struct attachment *at, const char *name, int ifindex);

/* What runs on an interface's XDP hook now. */
enum xdp_occupant {
	XDP_FREE,
	XDP_DISPATCHER,		/* libxdp's: other XDP programs share it */
	XDP_OTHER,		/* a program alone: nothing else can attach */
};

/* What runs on ifindex's XDP hook; with XDP_OTHER, its id in *prog_id. */
enum xdp_occupant attach_xdp_occupant(int ifindex, __u32 *prog_id);

/* XDP through a bpf_link; mode XDP_MODE_UNSPEC tries native, then generic.
 * 0, or a negative errno with a message. */
int attach_xdp_link(struct attachment *at, int prog_fd, enum xdp_attach_mode mode);
/* XDP through libxdp (which loads the object on the first call). 0, or a
 * negative errno with a message. */
int attach_xdp_libxdp(struct attachment *at, struct xdp_program *prog,
		      enum xdp_attach_mode mode);
/* TC egress through tcx, or through netlink where the kernel has no tcx. 0,
 * or a negative errno with a message. */
int attach_tc_egress(struct attachment *at, int prog_fd);

/* Logs at info level how the interface is watched. */
void attach_report(const struct attachment *at);

/* Detaches whatever attach_* attached (prog: the libxdp program, if any). */
void attach_remove(struct attachment *at, struct xdp_program *prog,
		   enum xdp_attach_mode mode);

struct sipxdp_bpf;

/* Every interface the agent watches, and how XDP went on them. */
struct attach_set {
	struct attachment ifaces[AGENT_MAX_IFACES];
	int n_ifaces;
	enum xdp_attach_mode mode;
	struct xdp_program *xdp;	/* only where libxdp attaches XDP */
};

/*
 * Removes a previous agent's leftovers, loads the opened skel (or has
 * libxdp load it, where an interface runs its dispatcher), then attaches
 * XDP and, with egress, TC egress to every interface. 0, or -1 with a
 * message; what was attached stays recorded for attach_set_remove.
 */
int attach_set_attach(struct attach_set *set, struct sipxdp_bpf *skel, bool egress);
/* Detaches everything attach_set_attach attached, and closes libxdp's program. */
void attach_set_remove(struct attach_set *set);

#endif /* SIPXDP_ATTACH_H */
