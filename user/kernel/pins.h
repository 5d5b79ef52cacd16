/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What ties the agent, its pinned maps and the CLI together: the pin
 * directory (bpffs), its lock (one agent per directory), the agent's
 * address published as a pinned map beside the counters, and the removal
 * of the attachments (user/attach.h) a dead agent left behind.
 */
#ifndef SIPXDP_PINS_H
#define SIPXDP_PINS_H

#include <stdbool.h>
#include <linux/types.h>

#define AGENT_INFO_PIN		"agent"
#define AGENT_LISTEN_MAX	64
#define TC_HANDLE		0x5adu	/* our egress filter's handle and priority */
#define TC_PRIORITY		0x5ad
#define AGENT_MAX_IFACES	16

/* The agent as the CLI finds it (value of the pinned "agent" map). */
struct agent_info {
	__u32 pid;
	char listen[AGENT_LISTEN_MAX];
	/* where it attaches: what `unload` detaches after a crash */
	__u32 n_ifindexes;
	__u32 ifindexes[AGENT_MAX_IFACES];
};

/* Mounts bpffs on /sys/fs/bpf if dir is under it and nothing is mounted
 * there (with a warning when the mount is private to this process's mount
 * namespace), creates dir, takes its lock. Returns the lock fd, or -1 with
 * a message (another agent holds it). */
int pin_dir_lock(const char *dir);
/* Lines to add to "no agent/no pins in dir": why an agent that runs may not
 * be seen (`ip netns exec`), and what to do instead. "" if not relevant. */
const char *pin_dir_hint(const char *dir);
/* Removes every pin in dir, then dir. 0, or -1 with a message. */
int pin_dir_remove(const char *dir);

/* Pins a new one-entry array holding value at path (replacing what was
 * there); returns its fd, or -1 with a message. */
int pin_value(const char *path, const char *name, const void *value, __u32 size);
/* The value of the one-entry array pinned at path, if it is size bytes;
 * -1 if there is none such. */
int pinned_value(const char *path, void *out, __u32 size);

/* Publishes this agent in dir before it attaches anything; returns the map
 * fd, or -1 with a message. */
int agent_publish(const char *dir, const char *listen, const __u32 *ifindexes,
		  unsigned int n);
void agent_withdraw(const char *dir, int fd);
/* The record of dir's agent, alive or not; -1 if there is none. */
int agent_record(const char *dir, struct agent_info *out);
/* The live agent of dir; -1 (with a message naming what is wrong if report). */
int agent_lookup(const char *dir, struct agent_info *out, bool report);

/* Detaches the sipxdp programs of pin directory dir from an interface (a
 * crashed agent's leftovers): what goes through netlink or libxdp's
 * dispatcher, bpf_links die with their agent. A program is dir's when it
 * counts into the map pinned there: another agent's, of another pin
 * directory, stays. Returns how many were found, or -errno (with a
 * message) when a program could not be looked at. */
int detach_leftovers(int ifindex, const char *dir);

#endif /* SIPXDP_PINS_H */
