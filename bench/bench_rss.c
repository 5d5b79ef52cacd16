// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's memory with its per-source map full and scraped: `sipxdp run`
 * on a veth in a private network namespace, SPOOFED_SOURCES distinct source
 * addresses each answering 200 (run through the very program it attached,
 * with BPF_PROG_TEST_RUN), so the LRU map holds its 65,536 (source, code)
 * entries; then /metrics (with --per-source-metrics), /stats.json and
 * /stats.txt, SCRAPES times each. Prints VmRSS after each step and the peak
 * (VmHWM); exits 1 when the peak is over RSS_LIMIT_KIB. Then, for the
 * figure only, /stats.json?sources=all (every source listed).
 *
 * Usage: bench_rss SIPXDP_BINARY
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "http.h"
#include "packet.h"

#define SPOOFED_SOURCES		300000
#define MAX_SOURCES		"65536"
#define SCRAPES			5
#define RSS_LIMIT_KIB		16384
#define LISTEN			"127.0.0.1:9362"

static char netns[64], pin_dir[96];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_rss: '%s' failed\n", cmd);
}

static void teardown(void)
{
	sh("ip netns del %s 2>/dev/null; rm -rf %s", netns, pin_dir);
}

static long status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			sscanf(line + strlen(field) + 1, "%ld", &kib);
	fclose(f);
	return kib;
}

/* A 200 from one of the spoofed sources, 10.0.0.0/8 counted up. */
static int send_response(int prog_fd, unsigned int source)
{
	static unsigned char pkt[PKT_MAX];
	static const char msg[] = "SIP/2.0 200 OK\r\nCall-ID: rss\r\nCSeq: 1 OPTIONS\r\n\r\n";
	char src[32];
	struct pkt_spec spec = { .src = src, .payload = msg };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .repeat = 1);

	snprintf(src, sizeof(src), "10.%u.%u.%u", (source >> 16) & 255, (source >> 8) & 255,
		 source & 255);
	opts.data_size_in = pkt_build(&spec, pkt);
	return bpf_prog_test_run_opts(prog_fd, &opts);
}

/* GETs path SCRAPES times; the size of the last answer in *len. */
static int scrape(const char *path, size_t *len)
{
	char *body;

	for (int i = 0; i < SCRAPES; i++) {
		if (http_get(LISTEN, path, &body, len))
			return -1;
		free(body);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const paths[] = { "/metrics", "/stats.json", "/stats.txt" };
	char nspath[128], *body, *entries;
	__u32 prog_id = 0;
	int prog_fd, ns_fd, rc = 1;
	long peak;
	size_t len;
	pid_t agent;

	if (argc < 2 || geteuid() != 0) {
		fprintf(stderr, "usage: bench_rss SIPXDP_BINARY (as root)\n");
		return 1;
	}
	snprintf(netns, sizeof(netns), "sxdr-%d", getpid());
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/sxdr-%d", getpid());
	sh("ip netns add %s && ip -n %s link add sxdr0 type veth peer name sxdr1 && "
	   "ip -n %s link set sxdr0 up && ip -n %s link set sxdr1 up && ip -n %s link set lo up",
	   netns, netns, netns, netns, netns);
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", netns);
	ns_fd = open(nspath, O_RDONLY);
	if (ns_fd < 0 || setns(ns_fd, CLONE_NEWNET)) {
		fprintf(stderr, "bench_rss: entering %s: %s\n", netns, strerror(errno));
		teardown();
		return 1;
	}
	agent = fork();
	if (agent == 0) {
		execl(argv[1], argv[1], "run", "-i", "sxdr0", "--no-egress", "--pin-dir", pin_dir,
		      "--listen", LISTEN, "--per-source-metrics", "100",
		      "--max-sources", MAX_SOURCES, (char *)NULL);
		_exit(127);
	}
	sleep(2);
	if (bpf_xdp_query_id(if_nametoindex("sxdr0"), 0, &prog_id) || !prog_id ||
	    (prog_fd = bpf_prog_get_fd_by_id(prog_id)) < 0) {
		fprintf(stderr, "bench_rss: no XDP program on sxdr0 (did the agent start?)\n");
		goto out;
	}
	if (scrape("/metrics", &len))
		goto out;
	printf("agent RSS idle, scraped: %ld KiB\n", status_kib(agent, "VmRSS:"));

	for (unsigned int s = 0; s < SPOOFED_SOURCES; s++) {
		if (send_response(prog_fd, s)) {
			fprintf(stderr, "bench_rss: test run: %s\n", strerror(errno));
			goto out;
		}
	}
	printf("%d spoofed sources sent; agent RSS %ld KiB\n", SPOOFED_SOURCES,
	       status_kib(agent, "VmRSS:"));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (scrape(paths[i], &len))
			goto out;
		printf("%-12s x%d: %8zu bytes; agent RSS %ld KiB, peak %ld KiB\n", paths[i],
		       SCRAPES, len, status_kib(agent, "VmRSS:"), status_kib(agent, "VmHWM:"));
	}
	if (http_get(LISTEN, "/metrics", &body, &len))
		goto out;
	entries = strstr(body, "sipxdp_map_entries{map=\"sources\"}");
	printf("%.*s\n", entries ? (int)strcspn(entries, "\n") : 9,
	       entries ? entries : "(missing)");
	free(body);
	peak = status_kib(agent, "VmHWM:");
	printf("agent RSS peak with the map full and scraped: %ld KiB (limit %d KiB)\n", peak,
	       RSS_LIMIT_KIB);
	rc = peak > 0 && peak <= RSS_LIMIT_KIB ? 0 : 1;
	/* Every source, asked for: megabytes by design, shown, not held to the limit. */
	if (http_get(LISTEN, "/stats.json?sources=all", &body, &len))
		goto out;
	free(body);
	printf("/stats.json?sources=all: %zu bytes; agent RSS %ld KiB, peak %ld KiB\n", len,
	       status_kib(agent, "VmRSS:"), status_kib(agent, "VmHWM:"));
out:
	kill(agent, SIGTERM);
	waitpid(agent, NULL, 0);
	teardown();
	return rc;
}
