// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The XDP program's RTP figures for learned streams (bpf/rtp.h), packets
 * played with BPF_PROG_TEST_RUN: packets and bytes, RFC 3550 loss through
 * gaps, wraps, reordering, duplicates and an SSRC change, jitter, IPv6,
 * nothing for a stream not learned or while none is, exact counts from
 * several CPUs at once, and the map read whole as the agent reads it.
 */
#include <pthread.h>
#include <sched.h>
#include "core.h"
#include "harness.h"
#include "mediacopy.h"
#include "sipevent.h"
#include "sipxdp_media.h"

#define STREAM_ADDR	"192.0.2.20"
#define STREAM_PORT	4000
#define SSRC_A		0x11111111u
#define SSRC_B		0x22222222u
#define RTP_PAYLOAD	(12 + 160)	/* header and 20 ms of G.711 */

static struct harness h;
static int streams_fd;

static struct sipxdp_media_key key_of(const char *addr, unsigned short port)
{
	struct sipxdp_media_key k = { .port = htons(port) };

	k.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(k.family, addr, k.addr);
	return k;
}

/* A fresh stream at addr:port with this clock, and the switch on. */
static void learn(const char *addr, unsigned short port, __u32 clock)
{
	struct sipxdp_media_key k = key_of(addr, port);
	struct sipxdp_media_stream v = { .clock = clock };

	clear_hash(streams_fd);
	CHECK_EQ(bpf_map_update_elem(streams_fd, &k, &v, BPF_ANY), 0);
	h.skel->bss->media_streams_learned = 1;
}

static struct sipxdp_media_stream stream(const char *addr, unsigned short port)
{
	struct sipxdp_media_key k = key_of(addr, port);
	struct sipxdp_media_stream v = { 0 };

	CHECK_EQ(bpf_map_lookup_elem_flags(streams_fd, &k, &v, BPF_F_LOCK), 0);
	return v;
}

/* RFC 3550 A.3: expected - received over every SSRC, never below 0. */
static long long lost(const struct sipxdp_media_stream *v)
{
	long long expected = (long long)v->cycles + v->max_seq - v->base_seq + 1;
	long long now = expected - (long long)v->received;

	return (long long)v->lost_prior + (now > 0 ? now : 0);
}

/* One RTP packet (160 bytes of payload after the header) to addr:port. */
static void rtp(const char *addr, unsigned short port, __u16 seq, __u32 ts, __u32 ssrc)
{
	static unsigned char pkt[PKT_MAX];
	unsigned char payload[RTP_PAYLOAD];
	struct pkt_spec s = { .dst = addr, .dport = port, .sport = 5004, .ipv6 = !!strchr(addr, ':'),
			      .payload = payload, .payload_len = sizeof(payload) };
	size_t len;

	memset(payload, 0xd5, sizeof(payload));
	payload[0] = 0x80;
	payload[1] = 0;
	payload[2] = seq >> 8;
	payload[3] = seq & 0xff;
	*(__u32 *)(payload + 4) = htonl(ts);
	*(__u32 *)(payload + 8) = htonl(ssrc);
	len = pkt_build(&s, pkt);
	CHECK_EQ(harness_pass(&h, pkt, len), 1);
}

static void seqs(const __u16 *seq, size_t n, __u32 ssrc)
{
	for (size_t i = 0; i < n; i++)
		rtp(STREAM_ADDR, STREAM_PORT, seq[i], 160u * seq[i], ssrc);
}

#define SEQS(ssrc, ...) do {						\
	static const __u16 _s[] = { __VA_ARGS__ };			\
	seqs(_s, sizeof(_s) / sizeof(_s[0]), ssrc);			\
} while (0)

static void test_in_order(void)
{
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	SEQS(SSRC_A, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.packets, 10);
	CHECK_EQ(v.bytes, 10 * RTP_PAYLOAD);
	CHECK_EQ(v.received, 10);
	CHECK_EQ(lost(&v), 0);
	CHECK_EQ(v.ssrc, SSRC_A);
	CHECK(v.first_ns && v.last_ns >= v.first_ns);
	CHECK_EQ(v.jitter_samples, 10);
}

static void test_gaps_and_wrap(void)
{
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	SEQS(SSRC_A, 65533, 65534, 1, 2, 4);	/* 65535, 0 and 3 lost across the wrap */
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.cycles, 65536);
	CHECK_EQ(v.received, 5);
	CHECK_EQ(lost(&v), 3);
}

/* Reordered packets fill their gap; a duplicate never makes loss negative. */
static void test_reorder_and_duplicates(void)
{
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	SEQS(SSRC_A, 1, 3, 2, 3, 3, 4);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.packets, 6);
	CHECK_EQ(v.received, 6);
	CHECK_EQ(lost(&v), 0);
	CHECK_EQ(v.max_seq, 4);
}

/* A jump past MAX_DROPOUT is believed when the next packet follows it. */
static void test_restart(void)
{
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	SEQS(SSRC_A, 1, 2, 30000);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.received, 2);
	CHECK_EQ(v.bad_seq, 30001);
	SEQS(SSRC_A, 30001, 30002);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.base_seq, 30001);
	CHECK_EQ(v.received, 2);
	CHECK_EQ(lost(&v), 0);
	CHECK_EQ(v.packets, 5);
}

/* A new SSRC starts its own count; the loss of the last one is kept. */
static void test_ssrc_change(void)
{
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	SEQS(SSRC_A, 10, 11, 13, 14);
	SEQS(SSRC_B, 500, 501, 503);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.ssrc, SSRC_B);
	CHECK_EQ(v.ssrc_changes, 1);
	CHECK_EQ(v.lost_prior, 1);
	CHECK_EQ(lost(&v), 2);
	CHECK_EQ(v.packets, 7);
}

/* Timestamps 200 ms apart sent at once: |D| = 1600 each, J climbs to it. */
static void test_jitter(void)
{
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	for (__u16 i = 0; i < 20; i++)
		rtp(STREAM_ADDR, STREAM_PORT, i, 1600u * i, SSRC_A);
	v = stream(STREAM_ADDR, STREAM_PORT);
	/* 1600 (1 - (15/16)^19) = 1167, less what the run's own time took off */
	CHECK(v.jitter_q4 / 16 > 1000 && v.jitter_q4 / 16 <= 1600);
	CHECK_EQ(v.jitter_samples, 20);

	/* timestamps that follow the clock: no jitter to speak of */
	learn(STREAM_ADDR, STREAM_PORT, 8000);
	for (__u16 i = 0; i < 20; i++)
		rtp(STREAM_ADDR, STREAM_PORT, i, 0, SSRC_A);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK(v.jitter_q4 / 16 < 50);

	/* no clock: no jitter */
	learn(STREAM_ADDR, STREAM_PORT, 0);
	for (__u16 i = 0; i < 5; i++)
		rtp(STREAM_ADDR, STREAM_PORT, i, 1600u * i, SSRC_A);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.received, 5);
	CHECK_EQ(v.jitter_samples, 0);
}

static void test_ipv6_and_not_rtp(void)
{
	static unsigned char pkt[PKT_MAX];
	struct pkt_spec s = { .ipv6 = true, .dst = "2001:db8::20", .dport = 6000,
			      .payload = "\x00\x01short", .payload_len = 7 };
	struct sipxdp_media_stream v;

	learn("2001:db8::20", 6000, 48000);
	rtp("2001:db8::20", 6000, 7, 960, SSRC_A);
	rtp("2001:db8::20", 6000, 8, 1920, SSRC_A);
	CHECK_EQ(harness_pass(&h, pkt, pkt_build(&s, pkt)), 1);
	v = stream("2001:db8::20", 6000);
	CHECK_EQ(v.packets, 3);
	CHECK_EQ(v.received, 2);
	CHECK_EQ(v.not_rtp, 1);
	CHECK_EQ(v.bytes, 2 * RTP_PAYLOAD + 7);
}

/* Another port, another address, or the switch off: nothing measured. */
static void test_not_learned(void)
{
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	rtp(STREAM_ADDR, STREAM_PORT + 2, 1, 160, SSRC_A);
	rtp("192.0.2.21", STREAM_PORT, 1, 160, SSRC_A);
	h.skel->bss->media_streams_learned = 0;
	rtp(STREAM_ADDR, STREAM_PORT, 1, 160, SSRC_A);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.packets, 0);
	CHECK_EQ(v.started, 0);
}

/* The egress program measures RTP this host sends, the same way. */
static void test_tc_egress(void)
{
	int prog_fd = h.prog_fd;
	struct sipxdp_media_stream v;

	learn(STREAM_ADDR, STREAM_PORT, 8000);
	h.prog_fd = bpf_program__fd(h.skel->progs.sipxdp_tc);
	for (__u16 seq = 1; seq <= 4; seq++) {
		unsigned char pkt[PKT_MAX], back[PKT_MAX + 64];
		unsigned char payload[RTP_PAYLOAD] = { 0x80, 0, 0, (__u8)(seq == 3 ? 9 : seq) };
		struct pkt_spec s = { .dst = STREAM_ADDR, .dport = STREAM_PORT,
				      .payload = payload, .payload_len = sizeof(payload) };
		size_t len = pkt_build(&s, pkt);
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = pkt, .data_size_in = len,
			    .data_out = back, .data_size_out = sizeof(back), .repeat = 1);

		CHECK_EQ(bpf_prog_test_run_opts(h.prog_fd, &run), 0);
		CHECK_EQ((int)run.retval, -1);	/* TC_ACT_UNSPEC */
	}
	h.prog_fd = prog_fd;
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.packets, 4);
	CHECK_EQ(v.received, 4);
	CHECK_EQ(v.max_seq, 9);
	CHECK_EQ(lost(&v), 5);		/* 1 2 9 4: 3, 5, 6, 7 and 8 missing */
}

#define CPU_RUNS	20000

struct cpu_run {
	int cpu;
	int ok;
	unsigned char pkt[PKT_MAX];
	size_t len;
};

/* CPU_RUNS of one packet, pinned to one CPU. */
static void *run_on_cpu(void *arg)
{
	struct cpu_run *r = arg;
	cpu_set_t set;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r->pkt, .data_size_in = r->len,
		    .repeat = CPU_RUNS);

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->ok = sched_setaffinity(0, sizeof(set), &set) == 0 &&
		bpf_prog_test_run_opts(h.prog_fd, &opts) == 0;
	return NULL;
}

/* Every CPU hammers the one stream at once: not a packet lost to a race. */
static void test_exact_across_cpus(void)
{
	int n = libbpf_num_possible_cpus(), online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	unsigned char payload[RTP_PAYLOAD] = { 0x80, 0, 0, 1 };
	struct pkt_spec s = { .dst = STREAM_ADDR, .dport = STREAM_PORT,
			      .payload = payload, .payload_len = sizeof(payload) };
	struct cpu_run *runs;
	pthread_t *threads;
	struct sipxdp_media_stream v;
	int cpus = online < n ? online : n;

	if (cpus > 8)
		cpus = 8;
	runs = calloc(cpus, sizeof(*runs));
	threads = calloc(cpus, sizeof(*threads));
	learn(STREAM_ADDR, STREAM_PORT, 8000);
	for (int i = 0; i < cpus; i++) {
		runs[i].cpu = i;
		runs[i].len = pkt_build(&s, runs[i].pkt);
		pthread_create(&threads[i], NULL, run_on_cpu, &runs[i]);
	}
	for (int i = 0; i < cpus; i++) {
		pthread_join(threads[i], NULL);
		CHECK(runs[i].ok);
	}
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.packets, (__u64)cpus * CPU_RUNS);
	CHECK_EQ(v.received, (__u64)cpus * CPU_RUNS);	/* the same seq: duplicates */
	free(runs);
	free(threads);
}

/*
 * The map read whole (media_copy_read: batches, under each stream's lock)
 * gives every stream as a lookup of its own does, over more streams than
 * a batch holds, and none it does not have.
 */
static void test_copy_matches_lookups(void)
{
	struct media_copy copy = { 0 };
	struct sipxdp_media_key missing = key_of("198.51.100.1", 9);
	char addr[INET6_ADDRSTRLEN];
	int n = 600;

	clear_hash(streams_fd);
	for (int i = 0; i < n; i++) {
		struct sipxdp_media_stream v = { .clock = 8000 };
		struct sipxdp_media_key k;

		/* a sixth of them IPv6 */
		snprintf(addr, sizeof(addr), i % 6 ? "192.0.2.%d" : "2001:db8::%x", i % 200 + 1);
		k = key_of(addr, (unsigned short)(4000 + i));
		CHECK_EQ(bpf_map_update_elem(streams_fd, &k, &v, BPF_NOEXIST), 0);
	}
	h.skel->bss->media_streams_learned = n;
	for (__u16 seq = 1; seq <= 5; seq++)
		rtp("192.0.2.2", 4001, seq == 3 ? 4 : seq, 160u * seq, SSRC_A);	/* 3 never, 4 twice */
	rtp("2001:db8::1", 4000, 7, 0, SSRC_B);

	CHECK_EQ(media_copy_read(&copy, streams_fd), 0);
	CHECK_EQ(copy.n, (size_t)n);
	for (size_t i = 0; i < copy.n; i++) {
		const struct sipxdp_media_stream *found = media_copy_find(&copy, &copy.rows[i].key);
		struct sipxdp_media_stream v;

		CHECK_EQ(bpf_map_lookup_elem_flags(streams_fd, &copy.rows[i].key, &v, BPF_F_LOCK),
			 0);
		CHECK(found && !memcmp(found, &v, sizeof(v)));
	}
	{
		struct sipxdp_media_key k = key_of("192.0.2.2", 4001);
		const struct sipxdp_media_stream *v = media_copy_find(&copy, &k);

		CHECK(v && v->packets == 5 && v->received == 5 && v->max_seq == 5);
		k = key_of("2001:db8::1", 4000);
		v = media_copy_find(&copy, &k);
		CHECK(v && v->packets == 1 && v->ssrc == SSRC_B);
	}
	CHECK(!media_copy_find(&copy, &missing));

	/* read again: the rows are reused, the figures are new */
	rtp("192.0.2.2", 4001, 6, 160u * 6, SSRC_A);
	CHECK_EQ(media_copy_read(&copy, streams_fd), 0);
	CHECK_EQ(copy.n, (size_t)n);
	{
		struct sipxdp_media_key k = key_of("192.0.2.2", 4001);
		const struct sipxdp_media_stream *v = media_copy_find(&copy, &k);

		CHECK(v && v->packets == 6);
	}
	media_copy_free(&copy);
	clear_hash(streams_fd);
}

/* A SIP message from -> to, with an SDP body sending RTP to media:port. */
static void sip(struct core *c, const char *start, const char *cseq, const char *from,
		const char *to, const char *media, unsigned short port)
{
	static char text[1024], record[sizeof(struct sipxdp_event) + SIPXDP_MSG_MAX];
	struct sipxdp_event hdr = { .saddr.family = AF_INET, .daddr.family = AF_INET,
				    .transport = IPPROTO_UDP, .seq = 0 };
	char body[256];
	int n = 0;

	if (media)
		n = snprintf(body, sizeof(body), "v=0\r\nc=IN IP4 %s\r\nm=audio %u RTP/AVP 0\r\n",
			     media, port);
	/* the INVITE starts the dialog: no To-tag yet */
	snprintf(text, sizeof(text), "%s\r\nCall-ID: k@x\r\nCSeq: %s\r\nTo: <sip:b@x>%s\r\n"
		 "%sContent-Length: %d\r\n\r\n%s", start, cseq,
		 strncmp(start, "INVITE", 6) ? ";tag=t" : "",
		 media ? "Content-Type: application/sdp\r\n" : "", n, media ? body : "");
	inet_pton(AF_INET, from, hdr.saddr.bytes);
	inet_pton(AF_INET, to, hdr.daddr.bytes);
	CHECK(core_handle_record(c, record, test_record(record, &hdr, text)));
}

/* The agent learns the streams from SDP and the program measures them;
 * the call's end takes them out. */
static void test_agent_installs_streams(void)
{
	struct loader_opts lopts = { .ringbuf_bytes = 1 << 20, .max_media_streams = 64 };
	struct core_opts copts = { .max_media_streams = 64 };
	struct sipxdp_media_stream v;
	struct harness saved = h;
	struct core c;
	int fd;

	if (core_init(&c, loader_load(&lopts), &copts, CORE_CLOCK_FED)) {
		CHECK(0);
		return;
	}
	fd = bpf_map__fd(c.skel->maps.media_streams);
	CHECK_EQ(bpf_map__max_entries(c.skel->maps.media_streams), 64);
	sip(&c, "INVITE sip:b@x SIP/2.0", "1 INVITE", "192.0.2.10", "192.0.2.20", "192.0.2.10", 4000);
	sip(&c, "SIP/2.0 200 OK", "1 INVITE", "192.0.2.20", "192.0.2.10", STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(c.skel->bss->media_streams_learned, 2);

	/* the packets through this core's program */
	h.prog_fd = bpf_program__fd(c.skel->progs.sipxdp_xdp);
	streams_fd = fd;
	SEQS(SSRC_A, 1, 2, 3);
	v = stream(STREAM_ADDR, STREAM_PORT);
	CHECK_EQ(v.packets, 3);
	CHECK_EQ(v.clock, 8000);

	sip(&c, "BYE sip:a@x SIP/2.0", "2 BYE", "192.0.2.20", "192.0.2.10", NULL, 0);
	CHECK_EQ(c.skel->bss->media_streams_learned, 0);
	{
		struct sipxdp_media_key k = key_of(STREAM_ADDR, STREAM_PORT);

		CHECK(bpf_map_lookup_elem_flags(fd, &k, &v, BPF_F_LOCK) != 0);
	}
	core_destroy(&c);
	h = saved;
	streams_fd = bpf_map__fd(h.skel->maps.media_streams);
}

int main(void)
{
	static const struct tl_test tests[] = {
		TEST(test_in_order),
		TEST(test_gaps_and_wrap),
		TEST(test_reorder_and_duplicates),
		TEST(test_restart),
		TEST(test_ssrc_change),
		TEST(test_jitter),
		TEST(test_ipv6_and_not_rtp),
		TEST(test_not_learned),
		TEST(test_exact_across_cpus),
		TEST(test_tc_egress),
		TEST(test_copy_matches_lookups),
		TEST(test_agent_installs_streams),
	};
	struct loader_opts opts = { .ringbuf_bytes = 1 << 20, .with_egress = true };
	int rc;

	if (harness_open(&h, &opts)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	streams_fd = bpf_map__fd(h.skel->maps.media_streams);
	rc = tl_run("bpf_rtp", tests, sizeof(tests) / sizeof(tests[0]));
	harness_close(&h);
	return rc;
}
