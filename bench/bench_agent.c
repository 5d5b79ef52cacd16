// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent under load: `sipxdp run` on a veth in a private network
 * namespace, fed 20,000 events/s for 30 s by running the very program it
 * attached (found on the interface) with BPF_PROG_TEST_RUN: whole calls
 * (INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200: bench/workloads.h),
 * distinct Call-IDs, each message an event of its bytes for the agent to
 * parse. Reports the agent's CPU (per event too) and RSS and checks no
 * event was lost. Then fills 10,000 sources and 1,000 redirect targets
 * and times /metrics scrapes. Baseline in the same run: the agent idle.
 *
 * Usage: bench_agent SIPXDP_BINARY
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent_env.h"
#include "http.h"
#include "packet.h"
#include "target_row.h"
#include "workloads.h"

#define EVENTS_PER_SECOND	20000
#define LOAD_SECONDS		30
#define TICK_NS			1000000ull	/* pace in 1 ms steps */
#define SOURCES			10000
#define TARGETS			1000
#define SCRAPES			21
#define LISTEN			"127.0.0.1:9361"

static struct agent_env env;

static int run_packet(int prog_fd, const struct pkt_spec *spec)
{
	static unsigned char pkt[PKT_MAX];
	size_t len = pkt_build(spec, pkt);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .repeat = 1);

	return bpf_prog_test_run_opts(prog_fd, &opts);
}

/* Message `step` of call n: requests from the UAC (192.0.2.10), responses
 * from the UAS (192.0.2.20). */
static int send_call_step(int prog_fd, unsigned int n, enum wl_call_step step)
{
	struct pkt_spec spec = { 0 };
	char msg[2048];

	spec.payload_len = wl_call_message(msg, sizeof(msg), n, step);
	spec.payload = msg;
	if (wl_call_from_uas(step)) {
		spec.src = "192.0.2.20";
		spec.dst = "192.0.2.10";
	}
	return run_packet(prog_fd, &spec);
}

static int fetch(const char *path, char **body, size_t *len)
{
	return http_get(LISTEN, path, body, len);
}

/* A number after `key` in the agent's JSON; -1 if absent. */
static long long json_number(const char *json, const char *key)
{
	const char *p = strstr(json, key);

	return p ? atoll(p + strlen(key)) : -1;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long long ticks0, ticks1, idle0, idle1;
	double scrape_ms[SCRAPES], hz = sysconf(_SC_CLK_TCK), per_event;
	static const char *const args[] = { "--ack-timeout", "32", "--per-source-metrics", "100",
					    "--max-sources", "65536", NULL };
	char *body = NULL, now[64];
	long long lost, handled;
	int prog_fd, rc = 1;
	size_t len;
	__u64 start;

	if (argc < 2 || geteuid() != 0) {
		fprintf(stderr, "usage: bench_agent SIPXDP_BINARY (as root)\n");
		return 1;
	}
	if (agent_env_start(&env, "bench_agent", "sxdb", argv[1], LISTEN, args))
		return 1;
	prog_fd = env.prog_fd;

	/* baseline: the agent idle for 5 s */
	idle0 = agent_env_cpu_ticks(&env);
	sleep(5);
	idle1 = agent_env_cpu_ticks(&env);

	/*
	 * 20,000 events/s of whole calls, one event a message: 20 messages a
	 * millisecond, in whole calls of WL_CALL_STEPS, spread evenly.
	 */
	ticks0 = agent_env_cpu_ticks(&env);
	start = agent_env_now_ns();
	for (unsigned int tick = 0, call = 0; tick < LOAD_SECONDS * 1000u; tick++) {
		struct timespec next;
		__u64 due = start + (tick + 1) * TICK_NS;
		unsigned int calls = (tick + 1) * (EVENTS_PER_SECOND / 1000) / WL_CALL_STEPS -
				     tick * (EVENTS_PER_SECOND / 1000) / WL_CALL_STEPS;

		for (unsigned int i = 0; i < calls; i++, call++) {
			for (int step = 0; step < WL_CALL_STEPS; step++) {
				if (send_call_step(prog_fd, call, step)) {
					fprintf(stderr, "bench_agent: test run: %s\n",
						strerror(errno));
					goto out;
				}
			}
		}
		next.tv_sec = due / 1000000000ull;
		next.tv_nsec = due % 1000000000ull;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	ticks1 = agent_env_cpu_ticks(&env);
	if (fetch("/stats.json", &body, &len))
		goto out;
	lost = json_number(body, "\"events_lost\": ");
	handled = json_number(body, "\"events\": ");
	free(body);
	if (fetch("/acks.json", &body, &len))
		goto out;
	printf("load: %d events/s for %d s (%lld events written, %lld lost); "
	       "ACK matched %lld, missing %lld, evicted %lld\n",
	       EVENTS_PER_SECOND, LOAD_SECONDS, handled, lost,
	       json_number(body, "\"matched\": "), json_number(body, "\"missing\": "),
	       json_number(body, "\"evicted\": "));
	free(body);
	if (fetch("/calls.json", &body, &len))
		goto out;
	printf("calls: %lld attempts, %lld answered, %lld completed (every call is whole)\n",
	       json_number(body, "\"attempts\": "), json_number(body, "\"answered\": "),
	       json_number(body, "\"completed\": "));
	free(body);
	printf("agent CPU: %.1f%% of one core under load, %.2f%% idle (baseline)\n",
	       100.0 * (ticks1 - ticks0) / hz / LOAD_SECONDS,
	       100.0 * (idle1 - idle0) / hz / 5);
	/* what the load added over idle, per event handled (parse included) */
	per_event = handled > 0 ? 1e9 * ((ticks1 - ticks0) / hz -
					 (idle1 - idle0) / hz / 5 * LOAD_SECONDS) / handled : 0;
	printf("agent CPU per event: %.0f ns (target <= 500 ns)\n", per_event);
	snprintf(now, sizeof(now), "%.0f ns (%d events/s, idle subtracted)", per_event,
		 EVENTS_PER_SECOND);
	target_row(ROW_AGENT_EVENT, "agent CPU per event, parse included", "333–1,113 ns", now,
		   "≤ 500 ns", per_event <= 500);
	printf("agent RSS: %ld KiB now, %ld KiB peak (target < 16384 KiB)\n",
	       agent_env_status_kib(&env, "VmRSS:"), agent_env_status_kib(&env, "VmHWM:"));

	/* 10,000 sources (3 codes each) and 1,000 redirect targets */
	for (unsigned int s = 0; s < SOURCES; s++) {
		static const char *const lines[] = { "SIP/2.0 200 OK", "SIP/2.0 180 Ringing",
						     "SIP/2.0 486 Busy Here" };
		char src[32], msg[256];
		struct pkt_spec spec = { .src = src, .payload = msg };

		snprintf(src, sizeof(src), "10.%u.%u.%u", 100 + s / 65536, (s / 256) % 256,
			 s % 256);
		for (int c = 0; c < 3; c++) {
			snprintf(msg, sizeof(msg), "%s\r\nCall-ID: src-%u\r\nCSeq: 1 OPTIONS\r\n\r\n",
				 lines[c], s);
			run_packet(prog_fd, &spec);
		}
	}
	for (unsigned int t = 0; t < TARGETS; t++) {
		char msg[256];
		struct pkt_spec spec = { .payload = msg };

		snprintf(msg, sizeof(msg), "SIP/2.0 301 Moved\r\nCall-ID: r-%u\r\nCSeq: 1 INVITE\r\n"
			 "Contact: <sip:user%u@192.0.2.%u:5060;transport=udp>\r\n\r\n",
			 t, t, t % 250 + 1);
		run_packet(prog_fd, &spec);
	}
	for (int i = 0; i < SCRAPES; i++) {
		__u64 t0 = agent_env_now_ns();

		if (fetch("/metrics", &body, &len))
			goto out;
		scrape_ms[i] = (agent_env_now_ns() - t0) / 1e6;
		if (i == 0)
			printf("scrape: %zu bytes, %lld redirect target series\n", len,
			       (long long)(strstr(body, "sipxdp_redirect_target_responses_total{") ?
			       TARGETS : 0));
		free(body);
	}
	qsort(scrape_ms, SCRAPES, sizeof(double), compare_double);
	printf("/metrics with %d sources and %d redirect targets: median %.2f ms, "
	       "max %.2f ms over %d scrapes (target < 20 ms)\n", SOURCES, TARGETS,
	       scrape_ms[SCRAPES / 2], scrape_ms[SCRAPES - 1], SCRAPES);
	printf("agent RSS after: %ld KiB, peak %ld KiB\n", agent_env_status_kib(&env, "VmRSS:"),
	       agent_env_status_kib(&env, "VmHWM:"));
	rc = 0;
out:
	agent_env_stop(&env);
	return rc;
}
