/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the agent benchmarks share: `sipxdp run` on one end of a veth in a
 * network namespace of their own (entered by the bench itself too, so it
 * can find the program the agent attached and run it), its /proc figures,
 * and the teardown.
 */
#ifndef SIPXDP_BENCH_AGENT_ENV_H
#define SIPXDP_BENCH_AGENT_ENV_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct agent_env {
	const char *bench;	/* the benchmark's name, in messages */
	char netns[64];
	char pin_dir[96];
	char ifname[IF_NAMESIZE];
	pid_t pid;		/* the agent */
	int prog_fd;		/* the XDP program it attached */
};

static void agent_env_sh(const struct agent_env *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void agent_env_sh(const struct agent_env *e, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: '%s' failed\n", e->bench, cmd);
}

/* The monotonic clock in ns, which the benchmarks pace and time by. */
static inline __u64 agent_env_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A field of /proc/PID/status in KiB (VmRSS:, VmHWM:); -1 if unreadable. */
static long agent_env_status_kib(const struct agent_env *e, const char *field)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", e->pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			sscanf(line + strlen(field) + 1, "%ld", &kib);
	fclose(f);
	return kib;
}

/* utime + stime of the agent, in clock ticks (sysconf(_SC_CLK_TCK) a second). */
static inline unsigned long long agent_env_cpu_ticks(const struct agent_env *e)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", e->pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* fields after the name: state is 3rd; utime 14th, stime 15th */
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			&ut, &st) != 2)
		return 0;
	return ut + st;
}

static void agent_env_stop(struct agent_env *e)
{
	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		waitpid(e->pid, NULL, 0);
		e->pid = 0;
	}
	if (e->prog_fd >= 0)
		close(e->prog_fd);
	e->prog_fd = -1;
	agent_env_sh(e, "ip netns del %s 2>/dev/null; rm -rf %s", e->netns, e->pin_dir);
}

/*
 * Makes namespace PREFIX-PID with a veth PREFIX0/PREFIX1, enters it, and
 * starts `sipxdp run -i PREFIX0 --no-egress --pin-dir ... --listen LISTEN`
 * plus args (NULL-terminated) on it. 0 once its XDP program is attached and
 * open in e->prog_fd; -1 with a message, everything torn down.
 */
static int agent_env_start(struct agent_env *e, const char *bench, const char *prefix,
			   const char *sipxdp, const char *listen, const char *const *args)
{
	const char *argv[32] = { sipxdp, "run", "-i", e->ifname, "--no-egress",
				 "--pin-dir", e->pin_dir, "--listen", listen };
	int argc = 9, ns_fd;
	char nspath[128];
	__u32 prog_id = 0;

	memset(e, 0, sizeof(*e));
	e->bench = bench;
	e->prog_fd = -1;
	snprintf(e->netns, sizeof(e->netns), "%s-%d", prefix, getpid());
	snprintf(e->pin_dir, sizeof(e->pin_dir), "/sys/fs/bpf/%s-%d", prefix, getpid());
	snprintf(e->ifname, sizeof(e->ifname), "%s0", prefix);
	agent_env_sh(e, "ip netns add %s && ip -n %s link add %s0 type veth peer name %s1 && "
		     "ip -n %s link set %s0 up && ip -n %s link set %s1 up && ip -n %s link set lo up",
		     e->netns, e->netns, prefix, prefix, e->netns, prefix, e->netns, prefix, e->netns);
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", e->netns);
	ns_fd = open(nspath, O_RDONLY);
	if (ns_fd < 0 || setns(ns_fd, CLONE_NEWNET)) {
		fprintf(stderr, "%s: entering %s: %s\n", bench, e->netns, strerror(errno));
		goto fail;
	}
	close(ns_fd);
	for (; args && *args && argc < 31; args++)
		argv[argc++] = *args;
	argv[argc] = NULL;
	e->pid = fork();
	if (e->pid == 0) {
		execv(sipxdp, (char *const *)argv);
		_exit(127);
	}
	/* attached once its XDP program is on the interface */
	for (int i = 0; i < 100 && !prog_id; i++) {
		usleep(100000);
		if (bpf_xdp_query_id(if_nametoindex(e->ifname), 0, &prog_id))
			prog_id = 0;
	}
	e->prog_fd = prog_id ? bpf_prog_get_fd_by_id(prog_id) : -1;
	if (e->prog_fd < 0) {
		fprintf(stderr, "%s: no XDP program on %s (did the agent start?)\n", bench,
			e->ifname);
		goto fail;
	}
	return 0;
fail:
	agent_env_stop(e);
	return -1;
}

#endif /* SIPXDP_BENCH_AGENT_ENV_H */
