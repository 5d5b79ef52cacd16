// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The media tracker under any order of offers and answers: the input is a
 * script of SIP messages, each a few bytes (what it is, which way on which
 * hop, which call, its CSeq, its SDP), built into real message bytes, then
 * parsed and fed as the core feeds them. The SDP is drawn from a template
 * (port, direction, address, formats from the input) or is the input's
 * bytes themselves. After every message the tracker must keep media.h's
 * promises: no more streams than max_streams nor sessions than half of
 * it, a total that is the sum of every session's streams, and streams
 * that have somewhere to go. The figures read back are drawn from the
 * input too (any packets, loss and times, going back as well as forth):
 * the per-peer packets and lost never go down, a MOS stays in 1..4.5, and
 * no more calls get a verdict than streams ended.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include "fuzz.h"
#include "media.h"
#include "txtable.h"

#define FUZZ_CALLS		4	/* Call-IDs a script can use */
#define FUZZ_MAX_STREAMS	8	/* small, so eviction is reached often */
#define FUZZ_MAX_STEPS		64

static const char *const starts[] = {
	"INVITE sip:x SIP/2.0", "ACK sip:x SIP/2.0", "UPDATE sip:x SIP/2.0", "BYE sip:x SIP/2.0",
	"PRACK sip:x SIP/2.0", "SIP/2.0 100 Trying", "SIP/2.0 180 Ringing",
	"SIP/2.0 183 Progress", "SIP/2.0 200 OK", "SIP/2.0 488 Not Here", "SIP/2.0 487 Gone",
};
static const char *const cseq_methods[] = { "INVITE", "UPDATE", "ACK", "BYE", "PRACK" };
static const char *const dirs[] = { "", "a=sendonly\r\n", "a=recvonly\r\n", "a=inactive\r\n" };

/* The hop's two ends: three hosts, so a proxy's two legs share a Call-ID. */
static struct sipxdp_addr host(unsigned int i)
{
	return (struct sipxdp_addr){ .bytes = { 192, 0, 2, (__u8)(1 + i % 3) }, .family = AF_INET };
}

/* A message's bytes from the script at data (at least 6 bytes); returns its length. */
static size_t build(const uint8_t *d, const uint8_t *raw, size_t raw_len, char *out, size_t room)
{
	char body[1024];
	int n, body_len = 0;

	if (d[4] & 0x80) {
		body_len = (int)(raw_len < sizeof(body) ? raw_len : sizeof(body));
		memcpy(body, raw, (size_t)body_len);
	} else if (d[4] & 0x40) {
		body_len = snprintf(body, sizeof(body),
				    "v=0\r\nc=IN IP4 %s\r\nm=audio %u RTP/AVP %u 101\r\n"
				    "m=video 6000 RTP/AVP 96\r\nm=audio %u RTP/SAVP 8\r\n%s",
				    d[5] & 1 ? "0.0.0.0" : "10.0.0.1", d[5] & 2 ? 0 : 4000u + (d[5] >> 4),
				    d[4] & 0x20 ? 18u : 0u, d[5] & 4 ? 0 : 5000u, dirs[d[4] & 3]);
	}
	n = snprintf(out, room, "%s\r\nCall-ID: c%u\r\nCSeq: %u %s\r\nTo: <sip:x>%s\r\n",
		     starts[d[0] % (sizeof(starts) / sizeof(starts[0]))], d[2] % FUZZ_CALLS,
		     d[3] % 4, cseq_methods[(d[3] >> 2) % 5], d[0] & 0x80 ? ";tag=t" : "");
	if (body_len)
		n += snprintf(out + n, room - n, "Content-Type: application/sdp\r\n"
			      "Content-Length: %d\r\n\r\n", body_len);
	else
		n += snprintf(out + n, room - n, "\r\n");
	memcpy(out + n, body, (size_t)body_len);
	return (size_t)n + (size_t)body_len;
}

/* What the fake kernel map answers, set from each step's bytes. */
static struct media_figures figures;

static bool read_figures(void *ctx, const struct media_stream *s, struct media_figures *out)
{
	(void)ctx;
	*out = figures;
	/* a stream or another: some see RTP, some do not */
	if ((s->dst_port ^ figures.bytes) & 1)
		memset(out, 0, sizeof(*out));
	return true;
}

static __u64 last_packets[MEDIA_DIRECTIONS], last_lost[MEDIA_DIRECTIONS];

static void check_figures(const struct media_tracker *t, __u64 now)
{
	const struct media_peer_stats *p = media_tracker_peer(t, 0);
	static struct media_stream_view v[4 * MEDIA_MLINES + MEDIA_ENDED_KEEP];
	size_t n, live, verdicts = 0, streams = 0;

	REQUIRE(p && media_tracker_peer_count(t) == 1);
	for (int d = 0; d < MEDIA_DIRECTIONS; d++) {
		REQUIRE(p->packets[d] >= last_packets[d] && p->lost[d] >= last_lost[d]);
		last_packets[d] = p->packets[d];
		last_lost[d] = p->lost[d];
		for (int c = 0; c < MEDIA_CODECS; c++)
			streams += p->streams[d][c];
		REQUIRE(p->mos[d].count <= streams);
		REQUIRE(p->mos[d].count == 0 ||
			(p->mos[d].sum_seconds >= p->mos[d].count * 1.0 - 1e-9 &&
			 p->mos[d].sum_seconds <= p->mos[d].count * 4.5 + 1e-9));
	}
	for (int k = 0; k < MEDIA_VERDICTS; k++)
		verdicts += p->calls[k];
	REQUIRE(verdicts <= streams);
	n = media_tracker_view(t, now, v, sizeof(v) / sizeof(v[0]), &live);
	REQUIRE(n <= sizeof(v) / sizeof(v[0]) && live <= FUZZ_MAX_STREAMS);
	for (size_t i = 0; i < n; i++)
		REQUIRE(!v[i].fig.expected || (v[i].mos >= 1.0 && v[i].mos <= 4.5));
}

static bool either(const struct sipxdp_addr *r, const struct sipxdp_addr *x,
		   const struct sipxdp_addr *y)
{
	return addr_equal(r, x) || addr_equal(r, y);
}

static void check(const struct media_tracker *t)
{
	struct media_stream streams[4 * MEDIA_MLINES];
	struct media_stats st;
	__u64 sum = 0;
	char id[8];

	media_tracker_stats(t, &st);
	REQUIRE(st.max_streams == FUZZ_MAX_STREAMS);
	REQUIRE(st.streams <= st.max_streams);
	REQUIRE(st.sessions <= st.max_streams / 2);
	REQUIRE(st.answers <= st.offers);
	for (unsigned int c = 0; c < FUZZ_CALLS; c++) {
		snprintf(id, sizeof(id), "c%u", c);
		for (unsigned int a = 0; a < 3; a++) {
			for (unsigned int b = a + 1; b < 3; b++) {
				struct sipxdp_addr x = host(a), y = host(b);
				size_t n = media_tracker_streams(t, id, strlen(id), &x, &y,
								 streams, 4 * MEDIA_MLINES);

				REQUIRE(n <= 2 * MEDIA_MLINES);
				sum += n;
				for (size_t i = 0; i < n; i++) {
					REQUIRE(streams[i].dst_port && streams[i].dst.family);
					REQUIRE(either(&streams[i].receiver, &x, &y));
				}
			}
		}
	}
	REQUIRE(sum == st.streams);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media_opts opts = { .max_streams = FUZZ_MAX_STREAMS,
				   .one_way_after_ns = 5000000000ull,
				   .timeout_ns = 20000000000ull,
				   .sink = { .read = read_figures } };
	struct media_tracker *t = media_tracker_new(&opts);
	static struct test_buf {
		char bytes[SIPXDP_MSG_MAX + 2048];
		struct sip_msg msg;
	} b;
	__u64 now = 0;

	REQUIRE(t);
	memset(last_packets, 0, sizeof(last_packets));
	memset(last_lost, 0, sizeof(last_lost));
	/* Each step: 6 bytes, then a length byte and that many raw SDP bytes. */
	for (unsigned int step = 0; step < FUZZ_MAX_STEPS && size >= 7; step++) {
		struct sipxdp_event rec = { 0 };
		size_t raw_len = data[6] < size - 7 ? data[6] : size - 7;
		struct sip_event ev;
		size_t len = build(data, data + 7, raw_len, b.bytes, sizeof(b.bytes));

		rec.saddr = host(data[1]);
		rec.daddr = host(data[1] + 1 + ((data[1] >> 4) & 1));
		rec.len = (__u16)len;
		sip_parse(b.bytes, len, &b.msg);
		sip_event_build(&ev, &rec, &b.msg);
		now += (__u64)data[5] << 28;	/* up to ~68 s a step: expiry is reached */
		media_tracker_feed(t, &ev, now);
		figures.packets = data[3] * 37u;
		figures.bytes = data[1];
		figures.lost = data[2] & 0x0f;
		figures.expected = figures.packets + figures.lost;
		figures.jitter_ms = data[4] * 0.5;
		figures.first_ns = now - (now >> (data[5] & 7));
		figures.last_ns = (data[0] & 1) ? now : figures.first_ns;
		media_tracker_refresh(t, now);
		check(t);
		check_figures(t, now);
		data += 7 + raw_len;
		size -= 7 + raw_len;
	}
	media_tracker_free(t);
	return 0;
}
