// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include "calls.h"
#include "media.h"
#include "sipevent.h"
#include "testlib.h"
#include "txtable.h"

#define A	"192.0.2.1"	/* the caller's SIP address */
#define B	"192.0.2.2"	/* the callee's */
#define P	"192.0.2.3"	/* a proxy: its leg to B is another hop */

static struct media_tracker *mt;
static struct test_message tm;
static __u64 now;

/* An SDP body: audio at addr:port, direction dir ("" for none), formats fmts. */
static const char *sdp(const char *addr, unsigned int port, const char *fmts, const char *dir)
{
	static char buf[2][512];
	static unsigned int next;
	char *b = buf[next++ % 2];

	snprintf(b, sizeof(buf[0]), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		 "m=audio %u RTP/AVP %s\r\na=rtpmap:101 telephone-event/8000\r\n%s%s",
		 addr, addr, port, fmts, dir, *dir ? "\r\n" : "");
	return b;
}

/*
 * Feeds the message from -> to: start line, Call-ID, CSeq ("1 INVITE"),
 * a To-tag when tag is not NULL, and body as application/sdp when it is
 * not NULL. Time moves on by a millisecond.
 */
static void feed(const char *from, const char *to, const char *start, const char *call_id,
		 const char *cseq, const char *tag, const char *body)
{
	static char text[SIPXDP_MSG_MAX];
	struct sip_event *ev;
	int n;

	n = snprintf(text, sizeof(text), "%s\r\nCall-ID: %s\r\nCSeq: %s\r\nTo: <sip:b@x>%s%s\r\n",
		     start, call_id, cseq, tag ? ";tag=" : "", tag ? tag : "");
	if (body)
		n += snprintf(text + n, sizeof(text) - n, "Content-Type: application/sdp\r\n"
			      "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	else
		n += snprintf(text + n, sizeof(text) - n, "Content-Length: 0\r\n\r\n");
	ev = (struct sip_event *)test_event(&tm, from, text, (size_t)n);
	ev->daddr.family = AF_INET;
	inet_pton(AF_INET, to, ev->daddr.bytes);
	now += 1000000;
	media_tracker_feed(mt, ev, now);
}

static struct sipxdp_addr ip(const char *text)
{
	struct sipxdp_addr a = { .family = AF_INET };

	inet_pton(AF_INET, text, a.bytes);
	return a;
}

static struct media_stream got[8];

/* The streams of call_id on the hop a-b, into got. */
static size_t streams(const char *call_id, const char *a, const char *b)
{
	struct sipxdp_addr x = ip(a), y = ip(b);

	memset(got, 0, sizeof(got));
	return media_tracker_streams(mt, call_id, strlen(call_id), &x, &y, got, 8);
}

/* The stream got[i] goes to receiver at dst:port, expected or not. */
static void check_stream(size_t i, const char *receiver, const char *dst, unsigned int port,
			 bool expected)
{
	char text[INET6_ADDRSTRLEN];
	struct sipxdp_addr r = ip(receiver);

	CHECK(addr_equal(&got[i].receiver, &r));
	CHECK_EQ(got[i].dst.family, AF_INET);
	inet_ntop(AF_INET, got[i].dst.addr, text, sizeof(text));
	CHECK_STR(text, dst);
	CHECK_EQ(got[i].dst_port, port);
	CHECK_EQ(got[i].expected, expected);
}

static void setup(size_t max_streams)
{
	struct media_opts o = { .max_streams = max_streams };

	media_tracker_free(mt);
	mt = media_tracker_new(&o);
	now = 0;
}

static struct media_stats stats(void)
{
	struct media_stats s;

	media_tracker_stats(mt, &s);
	return s;
}

/* A call A -> B: the offer in the INVITE, the answer in the 200. */
static void call(const char *id, const char *a_media, const char *b_media)
{
	feed(A, B, "INVITE sip:b@x SIP/2.0", id, "1 INVITE", NULL, sdp(a_media, 4000, "0 8 101", ""));
	feed(B, A, "SIP/2.0 180 Ringing", id, "1 INVITE", "t", NULL);
	feed(B, A, "SIP/2.0 200 OK", id, "1 INVITE", "t", sdp(b_media, 5000, "8 101", ""));
	feed(A, B, "ACK sip:b@x SIP/2.0", id, "1 ACK", "t", NULL);
}

static void offer_in_invite(void)
{
	setup(0);
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0 8 101", ""));
	CHECK_EQ(streams("c1", A, B), 0);
	feed(B, A, "SIP/2.0 200 OK", "c1", "1 INVITE", "t", sdp("10.0.0.2", 5000, "8 101", ""));
	/* the hop either way round */
	CHECK_EQ(streams("c1", B, A), 2);
	check_stream(0, A, "10.0.0.1", 4000, true);
	check_stream(1, B, "10.0.0.2", 5000, true);
	/* the answer's codec both ways: the offer's first was PCMU */
	CHECK_EQ(got[0].codec, SDP_CODEC_PCMA);
	CHECK_EQ(got[1].codec, SDP_CODEC_PCMA);
	CHECK_EQ(got[0].clock, 8000);
	CHECK_EQ(got[0].proto, SDP_PROTO_RTP_AVP);
	CHECK_EQ(stats().offers, 1);
	CHECK_EQ(stats().answers, 1);
	CHECK_EQ(stats().streams, 2);
	CHECK_EQ(stats().sessions, 1);
	/* BYE: gone */
	feed(B, A, "BYE sip:a@x SIP/2.0", "c1", "1 BYE", "t", NULL);
	CHECK_EQ(streams("c1", A, B), 0);
	CHECK_EQ(stats().streams, 0);
	CHECK_EQ(stats().sessions, 0);
	CHECK_EQ(stats().sessions_evicted, 0);
}

/* Early media: the answer in a 183; the 487 of a cancelled call ends it. */
static void early_media(void)
{
	setup(0);
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	feed(B, A, "SIP/2.0 183 Session Progress", "c1", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	feed(B, A, "SIP/2.0 487 Request Terminated", "c1", "1 INVITE", "t", NULL);
	CHECK_EQ(streams("c1", A, B), 0);
	CHECK_EQ(stats().sessions, 0);
	CHECK_EQ(stats().streams, 0);

	/* a 2xx after the 183 answers the same offer */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c2", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	feed(B, A, "SIP/2.0 183 Session Progress", "c2", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	feed(B, A, "SIP/2.0 200 OK", "c2", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	CHECK_EQ(streams("c2", A, B), 2);
	CHECK_EQ(stats().streams, 2);
	/* one offer, one answer each: the 2xx repeats the 183's */
	CHECK_EQ(stats().offers, 2);
	CHECK_EQ(stats().answers, 2);
}

/* An INVITE without SDP: the offer in the 2xx, the answer in the ACK. */
static void offer_in_2xx(void)
{
	setup(0);
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, NULL);
	feed(B, A, "SIP/2.0 200 OK", "c1", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0 18", ""));
	CHECK_EQ(streams("c1", A, B), 0);
	CHECK_EQ(stats().offers, 1);
	/* an ACK from the offerer's side answers nothing */
	feed(B, A, "ACK sip:a@x SIP/2.0", "c1", "1 ACK", "t", sdp("10.0.0.9", 9000, "0", ""));
	CHECK_EQ(streams("c1", A, B), 0);
	feed(A, B, "ACK sip:b@x SIP/2.0", "c1", "1 ACK", "t", sdp("10.0.0.1", 4000, "18", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(0, A, "10.0.0.1", 4000, true);
	check_stream(1, B, "10.0.0.2", 5000, true);
	CHECK_EQ(got[1].codec, SDP_CODEC_G729);
}

/* RFC 3262: the offer in a reliable 18x answered in the PRACK; an offer in
 * a PRACK answered in its 2xx; an unreliable 18x's offer that no PRACK
 * answers leaves the 2xx to offer again, answered in the ACK. */
static void prack(void)
{
	setup(0);
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, NULL);
	feed(B, A, "SIP/2.0 183 Session Progress", "c1", "1 INVITE", "t", sdp("10.0.0.2", 5000, "8", ""));
	CHECK_EQ(streams("c1", A, B), 0);
	feed(A, B, "PRACK sip:b@x SIP/2.0", "c1", "2 PRACK", "t", sdp("10.0.0.1", 4000, "8", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(0, A, "10.0.0.1", 4000, true);
	/* the PRACK's 2xx and the INVITE's 2xx without SDP change nothing */
	feed(B, A, "SIP/2.0 200 OK", "c1", "2 PRACK", "t", NULL);
	feed(B, A, "SIP/2.0 200 OK", "c1", "1 INVITE", "t", NULL);
	CHECK_EQ(streams("c1", A, B), 2);
	CHECK_EQ(stats().answers, 1);

	/* a second PRACK carrying a new offer, answered in its 2xx */
	feed(A, B, "PRACK sip:b@x SIP/2.0", "c1", "3 PRACK", "t", sdp("10.0.0.1", 4002, "8", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(0, A, "10.0.0.1", 4000, true);
	feed(B, A, "SIP/2.0 200 OK", "c1", "3 PRACK", "t", sdp("10.0.0.2", 5000, "8", ""));
	streams("c1", A, B);
	check_stream(0, A, "10.0.0.1", 4002, true);

	/* an unreliable 18x offered; the 2xx offers again, the ACK answers */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c2", "1 INVITE", NULL, NULL);
	feed(B, A, "SIP/2.0 183 Session Progress", "c2", "1 INVITE", "t", sdp("10.0.0.2", 5000, "8", ""));
	feed(B, A, "SIP/2.0 200 OK", "c2", "1 INVITE", "t", sdp("10.0.0.2", 5000, "8", ""));
	feed(A, B, "ACK sip:b@x SIP/2.0", "c2", "1 ACK", "t", sdp("10.0.0.1", 4000, "8", ""));
	CHECK_EQ(streams("c2", A, B), 2);
}

/* A re-INVITE answered moves the streams; one refused leaves them. */
static void reinvite_and_update(void)
{
	setup(0);
	call("c1", "10.0.0.1", "10.0.0.2");
	feed(B, A, "INVITE sip:a@x SIP/2.0", "c1", "1 INVITE", "t", sdp("10.0.0.22", 6000, "0", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(1, B, "10.0.0.2", 5000, true);	/* not before the answer */
	feed(A, B, "SIP/2.0 200 OK", "c1", "1 INVITE", "t", sdp("10.0.0.1", 4000, "0", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(0, A, "10.0.0.1", 4000, true);
	check_stream(1, B, "10.0.0.22", 6000, true);

	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "2 INVITE", "t", sdp("10.0.0.11", 7000, "0", ""));
	feed(B, A, "SIP/2.0 488 Not Acceptable Here", "c1", "2 INVITE", "t", NULL);
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(0, A, "10.0.0.1", 4000, true);
	CHECK_EQ(stats().offers_refused, 1);

	feed(A, B, "UPDATE sip:b@x SIP/2.0", "c1", "3 UPDATE", "t", sdp("10.0.0.12", 7002, "0", ""));
	feed(B, A, "SIP/2.0 200 OK", "c1", "3 UPDATE", "t", sdp("10.0.0.22", 6000, "0", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(0, A, "10.0.0.12", 7002, true);
	CHECK_EQ(stats().streams, 2);
	CHECK_EQ(stats().answers, 3);
}

/* Hold is never one-way: the streams are there, not expected. */
static void hold(void)
{
	setup(0);
	call("c1", "10.0.0.1", "10.0.0.2");
	/* A holds: sendonly, B answers recvonly. Only A -> B flows. */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "2 INVITE", "t", sdp("10.0.0.1", 4000, "0", "a=sendonly"));
	feed(B, A, "SIP/2.0 200 OK", "c1", "2 INVITE", "t", sdp("10.0.0.2", 5000, "0", "a=recvonly"));
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(0, A, "10.0.0.1", 4000, false);
	check_stream(1, B, "10.0.0.2", 5000, true);
	/* inactive: nothing flows */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "3 INVITE", "t", sdp("10.0.0.1", 4000, "0", "a=inactive"));
	feed(B, A, "SIP/2.0 200 OK", "c1", "3 INVITE", "t", sdp("10.0.0.2", 5000, "0", "a=inactive"));
	CHECK_EQ(streams("c1", A, B), 2);
	CHECK(!got[0].expected && !got[1].expected);
	/* RFC 2543 hold: c=0.0.0.0, no stream to A */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "4 INVITE", "t", sdp("0.0.0.0", 4000, "0", ""));
	feed(B, A, "SIP/2.0 200 OK", "c1", "4 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	CHECK_EQ(streams("c1", A, B), 1);
	check_stream(0, B, "10.0.0.2", 5000, true);
	/* the answer rejects the stream: port 0, none either way */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "5 INVITE", "t", sdp("10.0.0.1", 4000, "0", ""));
	feed(B, A, "SIP/2.0 200 OK", "c1", "5 INVITE", "t", sdp("10.0.0.2", 0, "0", ""));
	CHECK_EQ(streams("c1", A, B), 0);
	CHECK_EQ(stats().streams, 0);
	/* resumed */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "6 INVITE", "t", sdp("10.0.0.1", 4000, "0", "a=sendrecv"));
	feed(B, A, "SIP/2.0 200 OK", "c1", "6 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	CHECK_EQ(streams("c1", A, B), 2);
	CHECK(got[0].expected && got[1].expected);
	CHECK_EQ(stats().streams, 2);
}

/* Audio, video, audio: two audio streams each way, matched by position. */
static void several_mlines(void)
{
	static const char offer[] = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n"
		"m=video 4002 RTP/AVP 96\r\nm=audio 4004 RTP/SAVP 8\r\n";
	static const char answer[] = "v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\n"
		"m=video 0 RTP/AVP 96\r\nm=audio 5004 RTP/SAVP 8\r\n";

	setup(0);
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, offer);
	feed(B, A, "SIP/2.0 200 OK", "c1", "1 INVITE", "t", answer);
	CHECK_EQ(streams("c1", A, B), 4);
	check_stream(1, A, "10.0.0.1", 4004, true);
	CHECK_EQ(got[1].mline, 2);
	CHECK_EQ(got[1].proto, SDP_PROTO_RTP_SAVP);
	CHECK_EQ(got[1].codec, SDP_CODEC_PCMA);
	check_stream(3, B, "10.0.0.2", 5004, true);
}

/* Invalid SDP changes nothing; a message of another dialog finds none. */
static void invalid_and_unknown(void)
{
	setup(0);
	call("c1", "10.0.0.1", "10.0.0.2");
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "2 INVITE", "t", "v=0\r\nm=audio 05000 RTP/AVP 0\r\n");
	feed(B, A, "SIP/2.0 200 OK", "c1", "2 INVITE", "t", sdp("10.0.0.2", 6000, "0", ""));
	CHECK_EQ(stats().sdp_invalid, 1);
	CHECK_EQ(streams("c1", A, B), 2);
	check_stream(1, B, "10.0.0.2", 5000, true);
	/* no initial INVITE seen: no session */
	feed(B, A, "SIP/2.0 200 OK", "c9", "1 INVITE", "t", sdp("10.0.0.2", 6000, "0", ""));
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c8", "2 INVITE", "t", sdp("10.0.0.2", 6000, "0", ""));
	CHECK_EQ(stats().sessions, 1);
}

/* The same Call-ID on a proxy's two legs: two sessions. */
static void two_hops(void)
{
	setup(0);
	feed(A, P, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	feed(P, B, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, sdp("10.0.0.3", 4100, "0", ""));
	feed(B, P, "SIP/2.0 200 OK", "c1", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	CHECK_EQ(streams("c1", P, B), 2);
	CHECK_EQ(streams("c1", A, P), 0);
	feed(P, A, "SIP/2.0 200 OK", "c1", "1 INVITE", "t", sdp("10.0.0.3", 5100, "0", ""));
	CHECK_EQ(streams("c1", A, P), 2);
	check_stream(1, P, "10.0.0.3", 5100, true);
	CHECK_EQ(stats().sessions, 2);
	CHECK_EQ(stats().streams, 4);
}

/* At most max_streams: the oldest negotiated session goes, counted. */
static void bounded(void)
{
	char id[16];

	setup(1);	/* raised to MEDIA_MIN_MAX_STREAMS: two sessions */
	CHECK_EQ(stats().max_streams, MEDIA_MIN_MAX_STREAMS);
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "b%d", i);
		call(id, "10.0.0.1", "10.0.0.2");
		CHECK(stats().streams <= MEDIA_MIN_MAX_STREAMS);
	}
	CHECK_EQ(stats().sessions, 2);
	CHECK_EQ(stats().streams, 4);
	CHECK_EQ(stats().sessions_evicted, 3);
	CHECK_EQ(stats().streams_evicted, 6);
	CHECK_EQ(streams("b0", A, B), 0);
	CHECK_EQ(streams("b4", A, B), 2);
	/* a new call evicts a negotiated one to start, and still fits */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "n1", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	CHECK_EQ(stats().sessions_evicted, 4);
	CHECK_EQ(streams("b4", A, B), 2);
	/* a session still negotiating goes before a negotiated one */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "n2", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	CHECK_EQ(streams("b4", A, B), 2);
	CHECK_EQ(stats().streams_evicted, 8);
	CHECK_EQ(stats().sessions_evicted, 5);
}

/* A session still negotiating ends 64*T1 after its last message. */
static void expiry(void)
{
	setup(0);
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	call("c2", "10.0.0.1", "10.0.0.2");
	media_tracker_expire(mt, now + CALL_REMEMBER_NS - 10000000);
	CHECK_EQ(stats().sessions, 2);
	media_tracker_expire(mt, now + CALL_REMEMBER_NS);
	CHECK_EQ(stats().sessions, 1);	/* the negotiated one stays */
	CHECK_EQ(streams("c2", A, B), 2);
	CHECK_EQ(stats().sessions_evicted, 0);
}

/* What the sink was told: "+port" for an add, "-port" for a remove. */
static char sink_log[256];

static void sink_note(char sign, const struct media_stream *st)
{
	size_t n = strlen(sink_log);

	snprintf(sink_log + n, sizeof(sink_log) - n, "%s%c%u", n ? " " : "", sign, st->dst_port);
}

static void sink_add(void *ctx, const struct media_stream *st)
{
	CHECK(ctx == sink_log);
	sink_note('+', st);
}

static bool sink_remove(void *ctx, const struct media_stream *st, struct media_figures *last)
{
	CHECK(ctx == sink_log);
	CHECK(last);
	sink_note('-', st);
	return false;	/* no figures: the tracker reads them (with no read: none) */
}

static void setup_with_sink(size_t max_streams)
{
	struct media_opts o = { .max_streams = max_streams,
				.sink = { .add = sink_add, .remove = sink_remove, .ctx = sink_log } };

	media_tracker_free(mt);
	mt = media_tracker_new(&o);
	now = 0;
	sink_log[0] = '\0';
}

/* The sink hears of every stream that comes and goes, and only those. */
static void sink(void)
{
	setup_with_sink(0);
	call("c1", "10.0.0.1", "10.0.0.2");
	CHECK_STR(sink_log, "+4000 +5000");
	/* a session refresh at the same places: nothing moves */
	sink_log[0] = '\0';
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "2 INVITE", "t", sdp("10.0.0.1", 4000, "0", ""));
	feed(B, A, "SIP/2.0 200 OK", "c1", "2 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	CHECK_STR(sink_log, "");
	/* B moves: its old place goes, the new one comes */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "3 INVITE", "t", sdp("10.0.0.1", 4000, "0", ""));
	feed(B, A, "SIP/2.0 200 OK", "c1", "3 INVITE", "t", sdp("10.0.0.2", 5002, "0", ""));
	CHECK_STR(sink_log, "-5000 +5002");
	/* held the RFC 2543 way: the stream to A goes */
	sink_log[0] = '\0';
	feed(A, B, "INVITE sip:b@x SIP/2.0", "c1", "4 INVITE", "t", sdp("0.0.0.0", 4000, "0", ""));
	feed(B, A, "SIP/2.0 200 OK", "c1", "4 INVITE", "t", sdp("10.0.0.2", 5002, "0", ""));
	CHECK_STR(sink_log, "-4000");
	/* BYE: the rest */
	sink_log[0] = '\0';
	feed(B, A, "BYE sip:a@x SIP/2.0", "c1", "5 BYE", "t", NULL);
	CHECK_STR(sink_log, "-5002");

	/* a proxy's two legs carrying the same SDP: one place each, added by
	 * the first leg's answer, removed after the last leg's BYE */
	setup_with_sink(0);
	feed(A, P, "INVITE sip:b@x SIP/2.0", "p1", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	feed(P, B, "INVITE sip:b@x SIP/2.0", "p1", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	feed(B, P, "SIP/2.0 200 OK", "p1", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	feed(P, A, "SIP/2.0 200 OK", "p1", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	CHECK_STR(sink_log, "+4000 +5000");
	CHECK_EQ(stats().streams, 4);
	feed(B, P, "BYE sip:a@x SIP/2.0", "p1", "2 BYE", "t", NULL);
	CHECK_STR(sink_log, "+4000 +5000");
	feed(P, A, "BYE sip:a@x SIP/2.0", "p1", "2 BYE", "t", NULL);
	CHECK_STR(sink_log, "+4000 +5000 -4000 -5000");

	/* eviction: the oldest session's streams leave before the new ones come */
	setup_with_sink(MEDIA_MIN_MAX_STREAMS);
	call("e1", "10.0.0.1", "10.0.0.2");
	call("e2", "10.0.0.3", "10.0.0.4");
	sink_log[0] = '\0';
	call("e3", "10.0.0.5", "10.0.0.6");
	CHECK_STR(sink_log, "-4000 -5000 +4000 +5000");
	CHECK_EQ(stats().streams_evicted, 2);
}

/* ---- figures read back ---- */

/* What the fake kernel map holds, by port: 4000 is A's, 5000 B's. */
static struct media_figures fig_a, fig_b;
static char stopped_log[128];

static bool fig_read(void *ctx, const struct media_stream *st, struct media_figures *out)
{
	(void)ctx;
	*out = st->dst_port == 4000 ? fig_a : fig_b;
	return true;
}

static void on_stopped(void *ctx, const char *call_id, size_t len, const struct sipxdp_addr *a,
		       const struct sipxdp_addr *b)
{
	size_t n = strlen(stopped_log);

	CHECK(ctx == stopped_log);
	CHECK(a && b);
	snprintf(stopped_log + n, sizeof(stopped_log) - n, "%s%.*s", n ? " " : "", (int)len,
		 call_id);
}

static void setup_with_figures(void)
{
	struct media_opts o = { .sink = { .read = fig_read },
				.one_way_after_ns = 5000000000ull,
				.timeout_ns = 60000000000ull,
				.stopped = on_stopped, .stopped_ctx = stopped_log };

	media_tracker_free(mt);
	mt = media_tracker_new(&o);
	now = 1000000000ull;
	memset(&fig_a, 0, sizeof(fig_a));
	memset(&fig_b, 0, sizeof(fig_b));
	stopped_log[0] = '\0';
}

/* RTP of n packets, lost of them lost, from first to last (ns). */
static struct media_figures rtp(__u64 n, __u64 lost, __u64 first, __u64 last)
{
	return (struct media_figures){ .packets = n, .bytes = n * 172, .expected = n + lost,
				       .lost = lost, .jitter_ms = 2.0, .first_ns = first,
				       .last_ns = last };
}

static const struct media_peer_stats *other(void)
{
	return media_tracker_peer(mt, 0);
}

static void bye(const char *id)
{
	feed(A, B, "BYE sip:b@x SIP/2.0", id, "2 BYE", "t", NULL);
}

/* Verdicts at the end of answered calls, from the figures read then. */
static void verdicts(void)
{
	setup_with_figures();
	/* both ways: two_way; the figures are read at the BYE, with no refresh */
	call("v1", "10.0.0.1", "10.0.0.2");
	fig_a = rtp(500, 0, now, now + 10000000000ull);
	fig_b = rtp(480, 20, now, now + 10000000000ull);
	now += 10000000000ull;
	bye("v1");
	CHECK_EQ(other()->calls[MEDIA_TWO_WAY], 1);
	/* the INVITE came in from A: A is the peer; 4000 is A's, so to_peer */
	CHECK_EQ(other()->packets[MEDIA_TO_PEER], 500);
	CHECK_EQ(other()->packets[MEDIA_FROM_PEER], 480);
	CHECK_EQ(other()->lost[MEDIA_FROM_PEER], 20);
	CHECK_EQ(other()->streams[MEDIA_FROM_PEER][SDP_CODEC_PCMA], 1);
	CHECK_EQ(other()->streams[MEDIA_TO_PEER][SDP_CODEC_PCMA], 1);
	CHECK_EQ(other()->mos[MEDIA_FROM_PEER].count, 1);
	CHECK_EQ(other()->jitter[MEDIA_TO_PEER].count, 1);
	/* 4 % loss scores below no loss, as G.107 says */
	CHECK(other()->mos[MEDIA_FROM_PEER].sum_seconds < other()->mos[MEDIA_TO_PEER].sum_seconds);

	/* one way for 6 s from its first packet: one_way */
	memset(&fig_b, 0, sizeof(fig_b));
	call("v2", "10.0.0.1", "10.0.0.2");
	fig_a = rtp(300, 0, now, now + 6000000000ull);
	now += 6000000000ull;
	bye("v2");
	CHECK_EQ(other()->calls[MEDIA_ONE_WAY], 1);

	/* one way for 2 s only: not judged, not counted */
	call("v3", "10.0.0.1", "10.0.0.2");
	fig_a = rtp(100, 0, now, now + 2000000000ull);
	now += 2000000000ull;
	bye("v3");
	CHECK_EQ(other()->calls[MEDIA_ONE_WAY], 1);
	CHECK_EQ(other()->calls[MEDIA_TWO_WAY], 1);

	/* no RTP either way: none; the streams count, with no MOS sample */
	memset(&fig_a, 0, sizeof(fig_a));
	call("v4", "10.0.0.1", "10.0.0.2");
	now += 3000000000ull;
	bye("v4");
	CHECK_EQ(other()->calls[MEDIA_NONE], 1);
	CHECK_EQ(other()->streams[MEDIA_TO_PEER][SDP_CODEC_PCMA], 4);
	CHECK_EQ(other()->mos[MEDIA_TO_PEER].count, 3);

	/* on hold from the start: never both ways expected, never judged */
	feed(A, B, "INVITE sip:b@x SIP/2.0", "v5", "1 INVITE", NULL,
	     sdp("10.0.0.1", 4000, "0", "a=sendonly"));
	feed(B, A, "SIP/2.0 200 OK", "v5", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", "a=recvonly"));
	fig_b = rtp(300, 0, now, now + 9000000000ull);
	now += 9000000000ull;
	bye("v5");
	CHECK_EQ(other()->calls[MEDIA_ONE_WAY] + other()->calls[MEDIA_NONE] +
		 other()->calls[MEDIA_TWO_WAY], 3);

	/* a call never answered is not judged */
	memset(&fig_b, 0, sizeof(fig_b));
	feed(A, B, "INVITE sip:b@x SIP/2.0", "v6", "1 INVITE", NULL, sdp("10.0.0.1", 4000, "0", ""));
	feed(B, A, "SIP/2.0 183 Session Progress", "v6", "1 INVITE", "t", sdp("10.0.0.2", 5000, "0", ""));
	feed(B, A, "SIP/2.0 486 Busy Here", "v6", "1 INVITE", "t", NULL);
	CHECK_EQ(other()->calls[MEDIA_NONE], 1);
}

/* Without figures (a replay sees no RTP) nothing is judged. */
static void no_figures_no_verdict(void)
{
	setup(0);
	call("n1", "10.0.0.1", "10.0.0.2");
	now += 10000000000ull;
	bye("n1");
	for (int v = 0; v < MEDIA_VERDICTS; v++)
		CHECK_EQ(other()->calls[v], 0);
	CHECK_EQ(other()->streams[MEDIA_TO_PEER][SDP_CODEC_PCMA], 0);
}

/* Lost only goes up, whatever a duplicate does to expected - received. */
static void lost_is_monotonic(void)
{
	setup_with_figures();
	call("m1", "10.0.0.1", "10.0.0.2");
	fig_b = rtp(100, 5, now, now);
	media_tracker_refresh(mt, now);
	CHECK_EQ(other()->lost[MEDIA_FROM_PEER], 5);
	fig_b = rtp(103, 3, now, now + MEDIA_REFRESH_NS);
	now += MEDIA_REFRESH_NS;
	media_tracker_refresh(mt, now);
	CHECK_EQ(other()->lost[MEDIA_FROM_PEER], 5);
	CHECK_EQ(other()->packets[MEDIA_FROM_PEER], 103);
	fig_b = rtp(110, 7, now, now + MEDIA_REFRESH_NS);
	/* within a second of the last read: not read again */
	media_tracker_refresh(mt, now + MEDIA_REFRESH_NS / 2);
	CHECK_EQ(other()->lost[MEDIA_FROM_PEER], 5);
	now += MEDIA_REFRESH_NS;
	media_tracker_refresh(mt, now);
	CHECK_EQ(other()->lost[MEDIA_FROM_PEER], 7);
	CHECK_EQ(other()->packets[MEDIA_FROM_PEER], 110);
}

/* RTP that flowed and stopped both ways for the timeout ends the session,
 * and the call tracker is told; a silent call on hold, or one whose RTP
 * never came, is not ended. */
static void media_stops(void)
{
	__u64 t0;

	setup_with_figures();
	call("s1", "10.0.0.1", "10.0.0.2");
	t0 = now;
	fig_a = rtp(100, 0, t0, t0 + 2000000000ull);
	fig_b = rtp(100, 0, t0, t0 + 2000000000ull);
	now = t0 + 2000000000ull;
	media_tracker_refresh(mt, now);
	{
		struct sipxdp_addr a = ip(A), b = ip(B), p = ip(P);

		CHECK(!media_tracker_flowing(mt, "s1", 2, &a, &p, now));	/* another hop */
		CHECK(media_tracker_flowing(mt, "s1", 2, &b, &a, now));
		now = t0 + 2000000000ull + 59000000000ull;
		media_tracker_refresh(mt, now);
		CHECK_STR(stopped_log, "");
		CHECK(media_tracker_flowing(mt, "s1", 2, &a, &b, now));
		now = t0 + 2000000000ull + 61000000000ull;
		CHECK(!media_tracker_flowing(mt, "s1", 2, &a, &b, now));
		media_tracker_refresh(mt, now);
		CHECK_STR(stopped_log, "s1");
		CHECK_EQ(streams("s1", A, B), 0);
		CHECK_EQ(stats().stopped, 1);
		CHECK_EQ(other()->calls[MEDIA_TWO_WAY], 1);
	}

	/* no RTP ever: not stopped (it may go another way than this host) */
	memset(&fig_a, 0, sizeof(fig_a));
	memset(&fig_b, 0, sizeof(fig_b));
	call("s2", "10.0.0.1", "10.0.0.2");
	now += 120000000000ull;
	media_tracker_refresh(mt, now);
	CHECK_STR(stopped_log, "s1");
	CHECK_EQ(streams("s2", A, B), 2);

	/* put on hold after RTP flowed: silence is not the call's end */
	fig_a = rtp(100, 0, now, now + 1000000000ull);
	fig_b = rtp(100, 0, now, now + 1000000000ull);
	now += 1000000000ull;
	media_tracker_refresh(mt, now);
	feed(A, B, "INVITE sip:b@x SIP/2.0", "s2", "2 INVITE", "t", sdp("10.0.0.1", 4000, "0", "a=inactive"));
	feed(B, A, "SIP/2.0 200 OK", "s2", "2 INVITE", "t", sdp("10.0.0.2", 5000, "0", "a=inactive"));
	now += 120000000000ull;
	media_tracker_refresh(mt, now);
	CHECK_STR(stopped_log, "s1");

	/* the call tracker ended it (its BYE lost, say): the session goes */
	{
		struct sipxdp_addr a = ip(A), b = ip(B);

		media_tracker_end(mt, "s2", 2, &a, &b, now);
	}
	CHECK_EQ(streams("s2", A, B), 0);
	CHECK_EQ(other()->calls[MEDIA_TWO_WAY], 2);
}

/* What `media` lists: the live streams, then the ended ones, newest first. */
static void view(void)
{
	struct media_stream_view v[8];
	size_t live = 0, n;

	setup_with_figures();
	call("w1", "10.0.0.1", "10.0.0.2");
	fig_a = rtp(50, 0, now, now);
	media_tracker_refresh(mt, now);
	n = media_tracker_view(mt, now, v, 8, &live);
	CHECK_EQ(n, 2);
	CHECK_EQ(live, 2);
	CHECK(v[0].live && v[1].live);
	/* RTP one way for no time yet: too soon to say */
	CHECK_EQ(v[0].call_media, MEDIA_UNDECIDED);
	bye("w1");
	call("w2", "10.0.0.1", "10.0.0.2");
	n = media_tracker_view(mt, now, v, 8, &live);
	CHECK_EQ(n, 4);
	CHECK_EQ(live, 2);
	CHECK(!v[2].live && !v[3].live);
	CHECK(!memcmp(v[2].call_id, "w1", 2));
	CHECK_EQ(v[3].fig.packets + v[2].fig.packets, 50);
	/* a stream with RTP has a MOS; G.711 with no loss and 2 ms jitter */
	CHECK(v[2].fig.packets ? v[2].mos > 4.3 : v[3].mos > 4.3);
	/* bounded by max */
	CHECK_EQ(media_tracker_view(mt, now, v, 3, &live), 3);
}

static void teardown(void)
{
	media_tracker_free(mt);
	mt = NULL;
}

TEST_MAIN("media",
	  TEST(offer_in_invite),
	  TEST(early_media),
	  TEST(offer_in_2xx),
	  TEST(prack),
	  TEST(reinvite_and_update),
	  TEST(hold),
	  TEST(several_mlines),
	  TEST(invalid_and_unknown),
	  TEST(verdicts),
	  TEST(no_figures_no_verdict),
	  TEST(lost_is_monotonic),
	  TEST(media_stops),
	  TEST(view),
	  TEST(two_hops),
	  TEST(bounded),
	  TEST(expiry),
	  TEST(sink),
	  TEST(teardown))
