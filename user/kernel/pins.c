// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "pins.h"
#include "log.h"

#define BPFFS_ROOT	"/sys/fs/bpf"

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* Whether dir is BPFFS_ROOT or a path under it. */
static bool under_bpffs_root(const char *dir)
{
	size_t n = strlen(BPFFS_ROOT);

	return !strncmp(dir, BPFFS_ROOT, n) && (dir[n] == '\0' || dir[n] == '/');
}

/* Whether process pid is known to be in a mount namespace other than ours. */
static bool other_mount_ns(pid_t pid)
{
	struct stat self, other;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat("/proc/self/ns/mnt", &self) || stat(path, &other))
		return false;	/* cannot tell (no ptrace access to pid) */
	return self.st_dev != other.st_dev || self.st_ino != other.st_ino;
}

/*
 * Whether this process's mount namespace is one that others do not share:
 * not its parent's (`ip netns exec` and `unshare -m` make one for the command
 * they exec) or not init's (a shell started under `ip netns exec`).
 */
static bool private_mount_ns(void)
{
	return other_mount_ns(getppid()) || other_mount_ns(1);
}

/*
 * Mounts bpffs on BPFFS_ROOT when nothing is mounted there, and says what
 * that means. A mount is seen only in the mount namespace it is made in (and
 * those it propagates to), and `ip netns exec` runs its command in a new one,
 * a slave of the host's, with a fresh /sys and no bpffs: the pins go into a
 * bpffs that no other command sees and that vanishes with the agent. Pinning
 * there silently would leave the operator with `sipxdp stats` answering that
 * no agent runs while one does.
 */
static int bpffs_mount(const char *dir)
{
	if (!under_bpffs_root(dir) || on_bpffs(BPFFS_ROOT))
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700")) {
		pr_err("mounting bpffs on %s: %s\n", BPFFS_ROOT, strerror(errno));
		return -1;
	}
	if (!private_mount_ns()) {
		pr_info("%s had no BPF filesystem: mounted one\n", BPFFS_ROOT);
		return 0;
	}
	pr_warn("%s had no BPF filesystem: sipxdp mounted one, in a mount namespace of\n"
		"  its own (as under `ip netns exec`, which remounts /sys). The maps it pins in\n"
		"  %s are private to this agent: sipxdp stats, top, acks, redirects and\n"
		"  unload run in another mount namespace will not see them, and they vanish when\n"
		"  the agent exits, so the counters will not survive a restart.\n"
		"  `nsenter --net=/run/netns/NS sipxdp run ...` runs in the network namespace NS\n"
		"  with the host's mounts, and so the host's %s.\n",
		BPFFS_ROOT, dir, BPFFS_ROOT);
	return 0;
}

const char *pin_dir_hint(const char *dir)
{
	if (!under_bpffs_root(dir))
		return "";
	if (!on_bpffs(BPFFS_ROOT))
		return "  " BPFFS_ROOT " has no BPF filesystem in this mount namespace (as under\n"
		       "  `ip netns exec`, which remounts /sys): run this command without it, or with\n"
		       "  `nsenter --net=/run/netns/NS`, which keeps the host's mounts. An agent started\n"
		       "  under `ip netns exec` pins into a bpffs private to it, which no other command\n"
		       "  sees: start it with `nsenter --net=/run/netns/NS sipxdp run ...` instead.\n";
	return "  If the agent was started under `ip netns exec`, its pins are in a bpffs private\n"
	       "  to it, which no other command sees: start it with\n"
	       "  `nsenter --net=/run/netns/NS sipxdp run ...` instead, which keeps the host's\n"
	       "  " BPFFS_ROOT ".\n";
}

int pin_dir_lock(const char *dir)
{
	struct agent_info other;
	int fd;

	if (bpffs_mount(dir))
		return -1;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pr_err("creating the pin directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (!on_bpffs(dir)) {
		pr_err("%s is not on a BPF filesystem (bpffs): maps cannot be pinned there\n",
		       dir);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("opening %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK && agent_lookup(dir, &other, false) == 0)
			pr_err("another sipxdp agent (pid %u, metrics on %s) already runs on %s\n",
			       other.pid, other.listen, dir);
		else
			pr_err("another sipxdp agent holds %s (%s)\n", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int pin_dir_remove(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[512];
	int err = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		pr_err("opening %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path)) {
			pr_err("removing %s: %s\n", path, strerror(errno));
			err = -1;
		}
	}
	closedir(d);
	if (!err && rmdir(dir)) {
		pr_err("removing %s: %s\n", dir, strerror(errno));
		err = -1;
	}
	return err;
}

int pin_value(const char *path, const char *name, const void *value, __u32 size)
{
	__u32 zero = 0;
	int fd;

	unlink(path);	/* a crashed agent's, or another version's */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(zero), size, 1, NULL);
	if (fd < 0 || bpf_map_update_elem(fd, &zero, value, BPF_ANY) || bpf_obj_pin(fd, path)) {
		pr_err("pinning %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int pinned_value(const char *path, void *out, __u32 size)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info), zero = 0;
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return -1;
	/* A value pinned by another version may not be this size: a lookup
	 * writes the map's value size, whatever the buffer. */
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len) ||
	      info.type != BPF_MAP_TYPE_ARRAY || info.value_size != size ||
	      bpf_map_lookup_elem(fd, &zero, out);
	close(fd);
	return err ? -1 : 0;
}

int agent_publish(const char *dir, const char *listen, const __u32 *ifindexes,
		  unsigned int n)
{
	struct agent_info info = { .pid = getpid() };
	char path[512];

	snprintf(info.listen, sizeof(info.listen), "%s", listen);
	info.n_ifindexes = n < AGENT_MAX_IFACES ? n : AGENT_MAX_IFACES;
	memcpy(info.ifindexes, ifindexes, info.n_ifindexes * sizeof(*ifindexes));
	snprintf(path, sizeof(path), "%s/%s", dir, AGENT_INFO_PIN);
	return pin_value(path, "sipxdp_agent", &info, sizeof(info));
}

void agent_withdraw(const char *dir, int fd)
{
	char path[512];

	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, AGENT_INFO_PIN);
	unlink(path);
	close(fd);
}

int agent_record(const char *dir, struct agent_info *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, AGENT_INFO_PIN);
	if (pinned_value(path, out, sizeof(*out)))
		return -1;
	out->listen[sizeof(out->listen) - 1] = '\0';
	if (out->n_ifindexes > AGENT_MAX_IFACES)
		out->n_ifindexes = AGENT_MAX_IFACES;
	return 0;
}

int agent_lookup(const char *dir, struct agent_info *out, bool report)
{
	if (agent_record(dir, out)) {
		if (report)
			pr_err("no sipxdp agent is running on %s (start one with `sipxdp run`)\n%s",
			       dir, pin_dir_hint(dir));
		return -1;
	}
	if (kill(out->pid, 0) && errno == ESRCH) {
		if (report)
			pr_err("the sipxdp agent of %s (pid %u) is gone; "
			       "`sipxdp unload` cleans up\n", dir, out->pid);
		return -1;
	}
	return 0;
}

/* The id of the map pinned as dir/counters; 0 when there is none. */
static __u32 pinned_counters_id(const char *dir)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/counters", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/*
 * Whether program prog_id counts into the map map_id: a sipxdp program of
 * this pin directory, and not one of another agent's (programs of one name
 * run for every pin directory; only their maps tell them apart). 1 or 0;
 * -errno with a message when the program cannot be looked at (opening
 * another process's program by id needs CAP_SYS_ADMIN).
 */
static int prog_uses_map(__u32 prog_id, __u32 map_id)
{
	__u32 map_ids[64], len;
	struct bpf_prog_info info;
	bool found = false;
	int fd;

	if (!prog_id || !map_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0) {
		int err = -errno;

		if (err == -ENOENT)
			return 0;	/* gone meanwhile */
		pr_err("cannot tell whether program %u is this pin directory's: %s%s\n", prog_id,
		       strerror(-err), err == -EPERM ? " (it takes CAP_SYS_ADMIN)" : "");
		return err;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		for (__u32 i = 0; i < info.nr_map_ids && i < sizeof(map_ids) / sizeof(map_ids[0]); i++)
			found |= map_ids[i] == map_id;
	}
	close(fd);
	return found ? 1 : 0;
}

static int detach_xdp_leftovers(int ifindex, __u32 counters_id)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog;
	int found = 0, ours;

	if (!mp || libxdp_get_error(mp))
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		ours = prog ? prog_uses_map(xdp_program__id(prog), counters_id) : 0;
		if (ours < 0)
			found = ours;
		else if (ours && !xdp_multiprog__detach(mp))
			found++;
		goto out;
	}
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
	     prog = xdp_multiprog__next_prog(prog, mp)) {
		ours = prog_uses_map(xdp_program__id(prog), counters_id);
		if (ours < 0) {
			found = ours;
			goto out;
		}
		if (ours && xdp_program__detach(prog, ifindex, xdp_multiprog__attach_mode(mp), 0) == 0)
			found++;
	}
out:
	xdp_multiprog__close(mp);
	return found;
}

int detach_leftovers(int ifindex, const char *dir)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	__u32 counters_id = pinned_counters_id(dir);
	int found, ours;

	/* Without this directory's pinned counters nothing can be told ours. */
	if (!counters_id)
		return 0;
	found = detach_xdp_leftovers(ifindex, counters_id);
	if (found < 0)
		return found;
	if (bpf_tc_query(&hook, &tc) == 0) {
		ours = prog_uses_map(tc.prog_id, counters_id);
		if (ours < 0)
			return ours;
		/* bpf_tc_detach takes the handle and priority alone */
		tc.prog_id = 0;
		tc.prog_fd = 0;
		tc.flags = 0;
		if (ours && bpf_tc_detach(&hook, &tc) == 0)
			found++;
	}
	return found;
}
