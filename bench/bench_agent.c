// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent under load: `sipxdp run` on a veth in a private network
 * namespace, fed 20,000 events/s for 30 s by running the very program it
 * attached (found on the interface) with BPF_PROG_TEST_RUN: whole calls
 * (INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200: bench/workloads.h),
 * distinct Call-IDs, each message an event of its bytes for the agent to
 * parse. Reports the agent's CPU (per event too) and RSS and checks no
 * event was lost. Then fills 10,000 sources and 1,000 redirect targets
 * and times /metrics scrapes (the per-peer series of fixed number are
 * there already, mostly at 0: every peer has them from the first scrape).
 * Then fills the per-peer families of the PEERS peers of its --peers file
 * to their caps (every cause of both Reason protocols, every attest,
 * registrations, calls with SDP and RTP) and times the scrapes again.
 * Baseline in the same run: the agent idle.
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
#include "sipmsg.h"
#include "target_row.h"
#include "workloads.h"

#define EVENTS_PER_SECOND	20000
#define LOAD_SECONDS		30
#define TICK_NS			1000000ull	/* pace in 1 ms steps */
#define SOURCES			10000
#define TARGETS			1000
#define SCRAPES			21
#define LISTEN			"127.0.0.1:9361"
#define PEERS			20
/* Reason values a BYE carries: at most 17 bytes each, the BYE well within
 * what BPF_PROG_TEST_RUN takes for XDP (a page less headroom) */
#define CAUSES_PER_BYE		100
#define Q850_CAUSES		(SIP_REASON_Q850_MAX - SIP_REASON_Q850_MIN + 1)
#define CAUSES			(Q850_CAUSES + SIP_REASON_SIP_MAX - SIP_REASON_SIP_MIN + 1)
/* calls a peer: one BYE each, every cause of both protocols among them */
#define PEER_CALLS		((CAUSES + CAUSES_PER_BYE - 1) / CAUSES_PER_BYE)
#define PEER_REGISTERS		4
#define RTP_PACKETS		50	/* a stream, each way: 1 s of 20 ms packets */
#define UAS			"192.0.2.20"	/* the far end of every peer's calls */

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

/* Peer p's address, in its range of the --peers file. */
static const char *peer_addr(unsigned int p)
{
	static char addr[32];

	snprintf(addr, sizeof(addr), "172.16.%u.10", p);
	return addr;
}

/*
 * Message `step` of call n with its own media (wl_call_message_media)
 * between peer p (the UAC) and UAS, `extra` header lines (NULL: none)
 * added before its Content-Length.
 */
static int send_peer_step(int prog_fd, unsigned int p, unsigned int n, enum wl_call_step step,
			  const char *extra)
{
	char msg[4096], *cl;
	struct pkt_spec spec = { .payload = msg };
	size_t len = wl_call_message_media(msg, sizeof(msg), n, step, true);
	size_t k = extra ? strlen(extra) : 0;

	cl = strstr(msg, "Content-Length:");
	if (k && cl && len + k < sizeof(msg)) {
		memmove(cl + k, cl, msg + len + 1 - cl);
		memcpy(cl, extra, k);
		len += k;
	}
	spec.payload_len = len;
	spec.src = wl_call_from_uas(step) ? UAS : peer_addr(p);
	spec.dst = wl_call_from_uas(step) ? peer_addr(p) : UAS;
	return run_packet(prog_fd, &spec);
}

/* Cause i of the CAUSES, Q.850's first then SIP's, as a Reason value. */
static int reason_value(char *buf, size_t size, unsigned int i)
{
	return i < Q850_CAUSES ? snprintf(buf, size, "Q.850;cause=%u", SIP_REASON_Q850_MIN + i)
			       : snprintf(buf, size, "SIP;cause=%u",
					  SIP_REASON_SIP_MIN + i - Q850_CAUSES);
}

/*
 * Fills the per-peer families to their caps: PEER_CALLS calls from each
 * peer, set up with SDP (the INVITE with an Identity of each kind in turn,
 * so every attest has counts), RTP both ways once the agent has learned
 * their streams, then a BYE whose Reason values, CAUSES_PER_BYE a call,
 * give every cause of both protocols; and PEER_REGISTERS REGISTERs a peer
 * answered 200 with an Expires. The causes family only lists causes seen:
 * it is the one whose size the fill decides (PEERS * CAUSES series).
 */
static int fill_peers(int prog_fd)
{
	static const char *const identity[] = {
		"Identity: eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIiwib3JpZyI6eyJ0biI6IjEifX0.c2ln;"
		"info=<https://cert.example.com/c.pem>\r\n"
		"P-Asserted-Identity: <sip:+15551234567@x;verstat=TN-Validation-Passed>\r\n",
		"Identity: eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJCIiwib3JpZyI6eyJ0biI6IjEifX0.c2ln;"
		"info=<https://cert.example.com/c.pem>\r\n"
		"P-Asserted-Identity: <sip:+15551234567@x;verstat=TN-Validation-Failed>\r\n",
		"Identity: eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJDIiwib3JpZyI6eyJ0biI6IjEifX0.c2ln;"
		"info=<https://cert.example.com/c.pem>\r\n"
		"P-Asserted-Identity: <sip:+15551234567@x;verstat=No-TN-Validation>\r\n",
		"Identity: not.a.jws\r\n",	/* unreadable */
		NULL,				/* none */
	};
	static const enum wl_call_step setup[] = { WL_INVITE, WL_OK, WL_ACK };
	unsigned char pkt[PKT_MAX];
	char reason[CAUSES_PER_BYE * 20 + 16], msg[1024];
	int err = 0;

	for (unsigned int p = 0; p < PEERS; p++) {
		for (unsigned int c = 0; c < PEER_CALLS; c++)
			for (size_t s = 0; s < sizeof(setup) / sizeof(setup[0]); s++)
				err |= send_peer_step(prog_fd, p, p * PEER_CALLS + c, setup[s],
						      setup[s] == WL_INVITE ? identity[c % 5] : NULL);
		for (unsigned int r = 0; r < PEER_REGISTERS; r++) {
			struct pkt_spec spec = { .payload = msg };
			char dialog[512];

			snprintf(dialog, sizeof(dialog),
				 "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKreg%u-%u\r\n"
				 "From: <sip:user%u-%u@example.com>;tag=r%u\r\n"
				 "To: <sip:user%u-%u@example.com>\r\n"
				 "Call-ID: reg-%u-%u@bench\r\nCSeq: 1 REGISTER\r\n"
				 "Contact: <sip:user%u-%u@%s:5060>",
				 peer_addr(p), p, r, p, r, r, p, r, p, r, p, r, peer_addr(p));
			snprintf(msg, sizeof(msg), "REGISTER sip:example.com SIP/2.0\r\n%s\r\n"
				 "Expires: 3600\r\nContent-Length: 0\r\n\r\n", dialog);
			spec.src = peer_addr(p);
			spec.dst = UAS;
			err |= run_packet(prog_fd, &spec);
			snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\n%s;expires=3600\r\n"
				 "Content-Length: 0\r\n\r\n", dialog);
			spec.src = UAS;
			spec.dst = peer_addr(p);
			err |= run_packet(prog_fd, &spec);
		}
		usleep(5000);	/* paced, so the ring buffer loses nothing */
	}
	usleep(500000);		/* the agent learns the streams from the SDP */
	for (unsigned int n = 0; n < PEERS * PEER_CALLS; n++)
		for (unsigned int seq = 0; seq < RTP_PACKETS; seq++)
			for (int side = 0; side < 2; side++) {
				size_t len = wl_media_rtp(pkt, n, side, seq);
				LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
					    .data_size_in = len, .repeat = 1);

				err |= bpf_prog_test_run_opts(prog_fd, &opts);
			}
	for (unsigned int p = 0; p < PEERS; p++) {
		for (unsigned int c = 0; c < PEER_CALLS; c++) {
			int len = snprintf(reason, sizeof(reason), "Reason: ");

			for (unsigned int i = c * CAUSES_PER_BYE;
			     i < CAUSES && i < (c + 1) * CAUSES_PER_BYE; i++) {
				len += snprintf(reason + len, sizeof(reason) - len, "%s",
						i > c * CAUSES_PER_BYE ? ", " : "");
				len += reason_value(reason + len, sizeof(reason) - len, i);
			}
			snprintf(reason + len, sizeof(reason) - len, "\r\n");
			err |= send_peer_step(prog_fd, p, p * PEER_CALLS + c, WL_BYE, reason);
			err |= send_peer_step(prog_fd, p, p * PEER_CALLS + c, WL_BYE_OK, NULL);
		}
		usleep(5000);
	}
	usleep(500000);		/* the agent reads the last of them */
	return err;
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

/* Lines of the scrape that start with `prefix`: series, or one family's. */
static long count_lines(const char *body, const char *prefix)
{
	long n = 0;

	for (const char *l = body; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "")
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

/*
 * What SCRAPES scrapes of /metrics took, sorted, in ms; the first's body
 * in *first (the caller frees it). The agent's CPU per scrape in *cpu_ms:
 * the wall time on a shared machine includes waiting for a CPU.
 */
static int time_scrapes(double *ms, char **first, size_t *len, double *cpu_ms)
{
	unsigned long long ticks = agent_env_cpu_ticks(&env);

	for (int i = 0; i < SCRAPES; i++) {
		__u64 t0 = agent_env_now_ns();
		char *body;

		if (fetch("/metrics", &body, len))
			return -1;
		ms[i] = (agent_env_now_ns() - t0) / 1e6;
		if (i == 0)
			*first = body;
		else
			free(body);
	}
	qsort(ms, SCRAPES, sizeof(double), compare_double);
	*cpu_ms = 1e3 * (agent_env_cpu_ticks(&env) - ticks) / sysconf(_SC_CLK_TCK) / SCRAPES;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long ticks0, ticks1, idle0, idle1;
	double scrape_ms[SCRAPES], hz = sysconf(_SC_CLK_TCK), per_event;
	char *body = NULL, now[64], peers[64], figure[160];
	const char *args[] = { "--ack-timeout", "32", "--per-source-metrics", "100",
			       "--max-sources", "65536", "--peers", peers, NULL };
	long long lost, handled;
	long series, causes;
	double cpu_ms;
	int prog_fd, rc = 1;
	size_t len;
	__u64 start;
	FILE *f;

	if (argc < 2 || geteuid() != 0) {
		fprintf(stderr, "usage: bench_agent SIPXDP_BINARY (as root)\n");
		return 1;
	}
	/* PEERS peers, each with both limits: sipxdp_peer_limit at its cap too */
	snprintf(peers, sizeof(peers), "/tmp/bench_agent-peers-%d", getpid());
	f = fopen(peers, "w");
	if (!f)
		return 1;
	for (unsigned int p = 0; p < PEERS; p++)
		fprintf(f, "172.16.%u.0/24 carrier-%02u max-calls=%u max-cps=%u\n", p, p,
			100 * (p + 1), 10 * (p + 1));
	fclose(f);
	if (agent_env_start(&env, "bench_agent", "sxdb", argv[1], LISTEN, args)) {
		unlink(peers);
		return 1;
	}
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
	if (time_scrapes(scrape_ms, &body, &len, &cpu_ms))
		goto out;
	printf("scrape: %zu bytes, %lld redirect target series\n", len,
	       (long long)(strstr(body, "sipxdp_redirect_target_responses_total{") ? TARGETS : 0));
	free(body);
	printf("/metrics with %d sources and %d redirect targets: median %.2f ms, "
	       "max %.2f ms over %d scrapes (target < 20 ms)\n", SOURCES, TARGETS,
	       scrape_ms[SCRAPES / 2], scrape_ms[SCRAPES - 1], SCRAPES);
	printf("agent CPU: %.1f ms a scrape\n", cpu_ms);

	/* the same, with the per-peer families at their caps as well */
	if (fill_peers(prog_fd)) {
		fprintf(stderr, "bench_agent: test run: %s\n", strerror(errno));
		goto out;
	}
	if (time_scrapes(scrape_ms, &body, &len, &cpu_ms))
		goto out;
	series = count_lines(body, "sipxdp_");
	causes = count_lines(body, "sipxdp_call_end_causes_total{");
	free(body);
	printf("scrape: %zu bytes, %ld series, %ld of them sipxdp_call_end_causes_total "
	       "(cap %d peers x %d causes)\n", len, series, causes, PEERS, CAUSES);
	printf("/metrics with %d peers at their caps, %d sources and %d redirect targets: "
	       "median %.2f ms, max %.2f ms over %d scrapes (target < 20 ms); agent CPU "
	       "%.1f ms a scrape\n", PEERS, SOURCES, TARGETS, scrape_ms[SCRAPES / 2],
	       scrape_ms[SCRAPES - 1], SCRAPES, cpu_ms);
	snprintf(now, sizeof(now), "%.2f ms median, %.2f ms max (%zu KiB)",
		 scrape_ms[SCRAPES / 2], scrape_ms[SCRAPES - 1], len / 1024);
	snprintf(figure, sizeof(figure),
		 "/metrics with the per-peer families at their caps (%d peers, %ld series)",
		 PEERS, series);
	/* met only if the fill reached the cap: every cause of every peer */
	target_row(ROW_SCRAPE_PEERS, figure, "—", now, "< 20 ms (median)",
		   causes == (long)PEERS * CAUSES && scrape_ms[SCRAPES / 2] < 20);
	printf("agent RSS after: %ld KiB, peak %ld KiB\n", agent_env_status_kib(&env, "VmRSS:"),
	       agent_env_status_kib(&env, "VmHWM:"));
	rc = 0;
out:
	agent_env_stop(&env);
	unlink(peers);
	return rc;
}
