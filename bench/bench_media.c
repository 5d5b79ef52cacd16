// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The media issue's scale: 10,000 concurrent calls, 20,000 streams, with
 * the agent running. `sipxdp run` on one end of a veth learns the calls
 * from their SDP (INVITE, 200 OK, ACK of each, played into the other end),
 * then RTP of every stream is played in, round robin, each in sequence.
 * After it, each stream's figures are read from the kernel's map: every
 * packet sent must be counted, in sequence, and no loss: the sender lost
 * none.
 *
 * The packet player is this bench: crafted frames through an AF_PACKET
 * socket with sendmmsg, paced per batch. The issue asks 50 packets/s a
 * stream (1 M pkt/s); this machine has 2 vCPUs for the sender, the XDP
 * program and the agent together, so RTP_RATE is what the sender
 * sustains here. The achieved rate is printed beside the issue's, with the
 * agent's CPU and RSS while it holds the streams. The machine is shared:
 * ROUNDS passes over the same streams (their sequence carries on), the
 * median and spread across them.
 *
 * Usage: bench_media SIPXDP_BINARY (as root)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent_env.h"
#include "http.h"
#include "media_map.h"
#include "packet.h"
#include "target_row.h"
#include "workloads.h"

#define CALLS		WL_MEDIA_CALLS_MAX	/* 10,000 calls */
#define STREAMS		(2 * CALLS)
#define SIP_RATE	20000	/* pkt/s of the calls' setup: the agent parses each */
#ifndef RTP_RATE
#define RTP_RATE	400000	/* pkt/s of RTP: what the sender sustains here (~475k at most) */
#endif
#ifndef RTP_PER_STREAM
#define RTP_PER_STREAM	50	/* packets a stream and round */
#endif
#ifndef ROUNDS
#define ROUNDS		3
#endif
#define ISSUE_RATE	(STREAMS * 50)	/* 50 pkt/s a stream */
#define BATCH		64	/* frames a sendmmsg */
#define RTP_HDR_OFF	(ETH_HLEN + 20 + 8)	/* IPv4 without options, UDP */
#define LISTEN		"127.0.0.1:9363"

static struct agent_env env;

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and (max - min) / median in percent of v[0..n). */
static double median_spread(const double *v, int n, double *spread)
{
	double s[ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), compare_double);
	*spread = s[n / 2] > 0 ? 100 * (s[n - 1] - s[0]) / s[n / 2] : 0;
	return s[n / 2];
}

/* Frame i of a play, in a buffer it keeps until the next call (or in frames[]). */
typedef size_t (*frame_fn)(unsigned long i, unsigned char **frame);

/*
 * Plays frames 0..total-1 through fd at rate pkt/s: a batch, then a sleep
 * until the next batch is due; a sender that falls behind sends without
 * sleeping, and the achieved rate says so. Returns the achieved rate, or
 * -1 when a send failed.
 */
static double play(int fd, unsigned long total, unsigned long rate, frame_fn frame)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	__u64 start = agent_env_now_ns();

	for (unsigned long i = 0; i < total;) {
		unsigned int n = total - i < BATCH ? total - i : BATCH, done = 0;
		__u64 due = start + i * 1000000000ull / rate;
		struct timespec ts = { due / 1000000000ull, due % 1000000000ull };

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		memset(msgs, 0, sizeof(msgs));
		for (unsigned int k = 0; k < n; k++) {
			unsigned char *f;

			iov[k].iov_len = frame(i + k, &f);
			iov[k].iov_base = f;
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		while (done < n) {
			int sent = sendmmsg(fd, msgs + done, n - done, 0);

			if (sent < 0 && errno != ENOBUFS && errno != EINTR) {
				fprintf(stderr, "bench_media: sendmmsg: %s\n", strerror(errno));
				return -1;
			}
			done += sent > 0 ? sent : 0;
		}
		i += n;
	}
	return total * 1e9 / (agent_env_now_ns() - start);
}

/* The setup of the calls: INVITE, 200 OK, ACK of each, with its own SDP. */
static size_t sip_frame(unsigned long i, unsigned char **frame)
{
	static const enum wl_call_step steps[] = { WL_INVITE, WL_OK, WL_ACK };
	/* a buffer each frame of a batch: sendmmsg reads them all at once */
	static unsigned char pkts[BATCH][PKT_MAX];

	*frame = pkts[i % BATCH];
	return wl_media_call_packet(pkts[i % BATCH], i / 3, steps[i % 3]);
}

/* RTP: the streams' frames, built once; each send patches in its sequence and timestamp. */
static unsigned char (*rtp_frames)[256];
static size_t rtp_len;
static unsigned long rtp_first;	/* the frame number sequence 0 is at */

static size_t rtp_frame(unsigned long i, unsigned char **frame)
{
	unsigned long n = rtp_first + i;
	unsigned char *f = rtp_frames[n % STREAMS], *rtp = f + RTP_HDR_OFF;
	/* the timestamp steps as the stream's packets are paced (8 kHz), so
	 * the jitter measured is the sender's and the path's */
	__u32 seq = n / STREAMS, ts = seq * (8000ull * STREAMS / RTP_RATE);

	/* a batch never holds one stream twice: BATCH < STREAMS */
	rtp[2] = seq >> 8;
	rtp[3] = seq;
	for (int k = 0; k < 4; k++)
		rtp[4 + k] = ts >> (24 - 8 * k);
	*frame = f;
	return rtp_len;
}

static unsigned long map_entries(int fd)
{
	struct sipxdp_media_key k, next;
	unsigned long n = 0;

	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, &next); prev = &k, n++)
		k = next;
	return n;
}

/* run_time_ns and run_cnt of the agent's XDP program (BPF_ENABLE_STATS on). */
static int prog_stats(__u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(env.prog_fd, &info, &len))
		return -1;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

/* What the kernel counted of every stream, against what was sent. */
struct tally {
	unsigned long missing;		/* streams not in the map */
	unsigned long inexact;		/* packets, sequence or SSRC not as sent */
	unsigned long long packets;	/* summed over the streams */
	unsigned long long lost;	/* RFC 3550 A.3, summed */
	double jitter_ms;		/* mean over the streams */
};

static void tally(int fd, unsigned long per_stream, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int s = 0; s < STREAMS; s++) {
		struct sipxdp_media_key k = wl_media_key(s / 2, s % 2);
		struct sipxdp_media_stream v;
		long long expected, lost;

		if (bpf_map_lookup_elem_flags(fd, &k, &v, BPF_F_LOCK)) {
			t->missing++;
			continue;
		}
		expected = (long long)v.cycles + v.max_seq - v.base_seq + 1;
		lost = (long long)v.lost_prior + expected - (long long)v.received;
		t->lost += lost > 0 ? lost : 0;
		t->packets += v.packets;
		if (v.packets != per_stream || v.received != per_stream || v.base_seq != 0 ||
		    v.cycles + v.max_seq != per_stream - 1 || v.ssrc_changes || v.not_rtp)
			t->inexact++;
		if (v.jitter_samples && v.clock)
			t->jitter_ms += 1e3 * v.jitter_sum_q4 / v.jitter_samples / 16 / v.clock /
					STREAMS;
	}
}

static int packet_socket(const char *ifname)
{
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = if_nametoindex(ifname) };
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	if (fd < 0 || !a.sll_ifindex || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "bench_media: a packet socket on %s: %s\n", ifname,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static long long agent_number(const char *path, const char *key)
{
	char *body = NULL;
	size_t len;
	long long n = -1;
	const char *p;

	if (http_get(LISTEN, path, &body, &len))
		return -1;
	p = strstr(body, key);
	if (p)
		n = atoll(p + strlen(key));
	free(body);
	return n;
}

int main(int argc, char **argv)
{
	double hz = sysconf(_SC_CLK_TCK), rate[ROUNDS], cpu[ROUNDS], rss[ROUNDS], ns[ROUNDS];
	double learn_rate, learn_cpu, sp_rate, sp_cpu, sp_rss, sp_ns, m_rate, m_cpu, m_rss, m_ns;
	unsigned long long t0, t1, entries;
	long rss_idle, rss_learned;
	int fd = -1, map_fd = -1, stats_fd = -1, rc = 1;
	char peer[IF_NAMESIZE + 1], now[160];
	long long lost_events;
	struct tally t;
	__u64 start;
	bool exact;

	if (argc < 2 || geteuid() != 0) {
		fprintf(stderr, "usage: bench_media SIPXDP_BINARY (as root)\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (agent_env_start(&env, "bench_media", "sxm", argv[1], LISTEN, NULL))
		return 1;
	/* the veth's other end: the agent's is sxm0 */
	snprintf(peer, sizeof(peer), "%.*s1", (int)strlen(env.ifname) - 1, env.ifname);
	fd = packet_socket(peer);
	map_fd = media_map_fd(env.prog_fd);
	rtp_frames = calloc(STREAMS, sizeof(*rtp_frames));
	if (fd < 0 || map_fd < 0 || !rtp_frames) {
		fprintf(stderr, "bench_media: %s\n", map_fd < 0 ? "the agent's media_streams map "
			"was not found" : "setting up the sender failed");
		goto out;
	}
	for (unsigned int s = 0; s < STREAMS; s++) {
		static unsigned char pkt[PKT_MAX];

		rtp_len = wl_media_rtp(pkt, s / 2, s % 2, 0);
		memcpy(rtp_frames[s], pkt, rtp_len);
	}
	sleep(1);
	rss_idle = agent_env_status_kib(&env, "VmRSS:");

	/* the calls' setup: the agent learns the streams from SDP */
	t0 = agent_env_cpu_ticks(&env);
	start = agent_env_now_ns();
	learn_rate = play(fd, 3ul * CALLS, SIP_RATE, sip_frame);
	for (int i = 0; i < 200 && (entries = map_entries(map_fd)) < STREAMS; i++)
		usleep(50000);
	t1 = agent_env_cpu_ticks(&env);
	learn_cpu = (t1 - t0) / hz;
	lost_events = agent_number("/stats.json", "\"events_lost\": ");
	rss_learned = agent_env_status_kib(&env, "VmRSS:");
	printf("setup: %d calls (INVITE, 200 OK with SDP, ACK) at %.0f pkt/s in %.1f s: "
	       "%llu streams in the kernel map, agent said %lld; events lost %lld; "
	       "agent CPU %.2f s (%.1f µs a call)\n", CALLS, learn_rate,
	       (agent_env_now_ns() - start) / 1e9, entries,
	       agent_number("/metrics", "sipxdp_map_entries{map=\"media_streams\"} "), lost_events,
	       learn_cpu, 1e6 * learn_cpu / CALLS);
	if (learn_rate < 0 || entries != STREAMS || lost_events != 0) {
		fprintf(stderr, "bench_media: the agent did not learn the %d streams\n", STREAMS);
		goto out;
	}

	/* RTP of every stream, ROUNDS passes, the sequence carrying on */
	/* the program's run time counted while this fd is open */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	for (int r = 0; r < ROUNDS; r++) {
		__u64 began, ns0 = 0, cnt0 = 0, ns1 = 0, cnt1 = 0;

		rtp_first = (unsigned long)r * RTP_PER_STREAM * STREAMS;
		t0 = agent_env_cpu_ticks(&env);
		began = agent_env_now_ns();
		prog_stats(&ns0, &cnt0);
		rate[r] = play(fd, (unsigned long)RTP_PER_STREAM * STREAMS, RTP_RATE, rtp_frame);
		prog_stats(&ns1, &cnt1);
		t1 = agent_env_cpu_ticks(&env);
		ns[r] = stats_fd >= 0 && cnt1 > cnt0 ? (double)(ns1 - ns0) / (cnt1 - cnt0) : 0;
		if (rate[r] < 0)
			goto out;
		cpu[r] = 100.0 * (t1 - t0) / hz / ((agent_env_now_ns() - began) / 1e9);
		rss[r] = agent_env_status_kib(&env, "VmRSS:") / 1024.0;
		printf("round %d: %lu RTP packets at %.0f pkt/s (asked %d); XDP %.1f ns/run; "
		       "agent %.1f%% CPU, RSS %.1f MiB\n", r + 1,
		       (unsigned long)RTP_PER_STREAM * STREAMS, rate[r], RTP_RATE, ns[r], cpu[r],
		       rss[r]);
	}
	usleep(200000);
	tally(map_fd, (unsigned long)RTP_PER_STREAM * ROUNDS, &t);
	m_rate = median_spread(rate, ROUNDS, &sp_rate);
	m_cpu = median_spread(cpu, ROUNDS, &sp_cpu);
	m_rss = median_spread(rss, ROUNDS, &sp_rss);
	m_ns = median_spread(ns, ROUNDS, &sp_ns);
	exact = !t.missing && !t.inexact && !t.lost &&
		t.packets == (unsigned long long)RTP_PER_STREAM * ROUNDS * STREAMS;
	printf("\nkernel, per stream after %d rounds: %llu packets counted of %lu sent, "
	       "%lu streams missing, %lu inexact (packets, sequence, SSRC), lost %llu "
	       "(the sender lost none), mean jitter %.2f ms\n", ROUNDS, t.packets,
	       (unsigned long)RTP_PER_STREAM * ROUNDS * STREAMS, t.missing, t.inexact, t.lost,
	       t.jitter_ms);
	printf("agent RSS: %.1f MiB idle, %.1f MiB with %d streams learned; under RTP %.1f MiB "
	       "(median of %d rounds, spread %.0f%%)\n", rss_idle / 1024.0, rss_learned / 1024.0,
	       STREAMS, m_rss, ROUNDS, sp_rss);
	printf("RTP rate: median %.0f pkt/s (spread %.0f%%), %.1f%% of the issue's %d; agent CPU "
	       "%.1f%% of a core (spread %.0f%%); XDP %.1f ns/run, every packet a learned stream's, "
	       "round robin over %d (spread %.0f%%)\n\n", m_rate, sp_rate,
	       100.0 * m_rate / ISSUE_RATE, ISSUE_RATE, m_cpu, sp_cpu, m_ns, STREAMS, sp_ns);
	snprintf(now, sizeof(now), "%d streams learned from SDP, %llu RTP packets: lost %llu, "
		 "%lu streams inexact", STREAMS, t.packets, t.lost, t.inexact + t.missing);
	target_row(ROW_RTP_SCALE, "scale: no loss counted that was not there", "—", now,
		   "lost 0, every stream exact", exact);
	snprintf(now, sizeof(now), "%.0f pkt/s played (%.0f%% of it; 2 vCPUs); agent %.1f%% "
		 "CPU, RSS %.1f MiB", m_rate, 100.0 * m_rate / ISSUE_RATE, m_cpu, m_rss);
	target_row(ROW_RTP_SCALE, "scale: 10,000 calls, 20,000 streams at 50 pkt/s each", "—", now,
		   "1,000,000 pkt/s, agent CPU and RSS reported", m_rate >= ISSUE_RATE);
	rc = exact ? 0 : 1;
out:
	if (fd >= 0)
		close(fd);
	if (map_fd >= 0)
		close(map_fd);
	if (stats_fd >= 0)
		close(stats_fd);
	free(rtp_frames);
	agent_env_stop(&env);
	return rc;
}
