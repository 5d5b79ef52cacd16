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
#include "agent_env.h"
#include "http.h"
#include "packet.h"

#define SPOOFED_SOURCES		300000
#define MAX_SOURCES		"65536"
#define SCRAPES			5
#define RSS_LIMIT_KIB		16384
#define LISTEN			"127.0.0.1:9362"

static struct agent_env env;

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
	/* A 1 MiB ring: what the agent maps of it counts in its RSS, and the
	 * figure is about what the agent allocates (the default 4 MiB ring
	 * adds 3 MiB of the kernel's memory, mapped). */
	static const char *const args[] = { "--per-source-metrics", "100",
					    "--max-sources", MAX_SOURCES,
					    "--ring-buffer", "1", NULL };
	char *body, *entries;
	int prog_fd, rc = 1;
	long peak;
	size_t len;

	if (argc < 2 || geteuid() != 0) {
		fprintf(stderr, "usage: bench_rss SIPXDP_BINARY (as root)\n");
		return 1;
	}
	if (agent_env_start(&env, "bench_rss", "sxdr", argv[1], LISTEN, args))
		return 1;
	prog_fd = env.prog_fd;
	if (scrape("/metrics", &len))
		goto out;
	printf("agent RSS idle, scraped: %ld KiB\n", agent_env_status_kib(&env, "VmRSS:"));

	for (unsigned int s = 0; s < SPOOFED_SOURCES; s++) {
		if (send_response(prog_fd, s)) {
			fprintf(stderr, "bench_rss: test run: %s\n", strerror(errno));
			goto out;
		}
	}
	printf("%d spoofed sources sent; agent RSS %ld KiB\n", SPOOFED_SOURCES,
	       agent_env_status_kib(&env, "VmRSS:"));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (scrape(paths[i], &len))
			goto out;
		printf("%-12s x%d: %8zu bytes; agent RSS %ld KiB, peak %ld KiB\n", paths[i],
		       SCRAPES, len, agent_env_status_kib(&env, "VmRSS:"), agent_env_status_kib(&env, "VmHWM:"));
	}
	if (http_get(LISTEN, "/metrics", &body, &len))
		goto out;
	entries = strstr(body, "sipxdp_map_entries{map=\"sources\"}");
	printf("%.*s\n", entries ? (int)strcspn(entries, "\n") : 9,
	       entries ? entries : "(missing)");
	free(body);
	peak = agent_env_status_kib(&env, "VmHWM:");
	printf("agent RSS peak with the map full and scraped: %ld KiB (limit %d KiB)\n", peak,
	       RSS_LIMIT_KIB);
	rc = peak > 0 && peak <= RSS_LIMIT_KIB ? 0 : 1;
	/* Every source, asked for: megabytes by design, shown, not held to the limit. */
	if (http_get(LISTEN, "/stats.json?sources=all", &body, &len))
		goto out;
	free(body);
	printf("/stats.json?sources=all: %zu bytes; agent RSS %ld KiB, peak %ld KiB\n", len,
	       agent_env_status_kib(&env, "VmRSS:"), agent_env_status_kib(&env, "VmHWM:"));
out:
	agent_env_stop(&env);
	return rc;
}
