/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The media tracker: the audio streams each call negotiated, from the SDP
 * offers and answers its messages carry (RFC 3264 with SIP, RFC 6337).
 * Plain C, no clock: every call takes the time (ns, any monotonic origin).
 *
 * - A session is a dialog on one hop: (Call-ID, hop), as calls.h keys
 *   calls; a proxy's two legs are two sessions, each with its own SDP.
 *   It starts at an INVITE without a To-tag.
 * - Offer and answer (a body whose Content-Type is application/sdp):
 *     the offer in an INVITE, the answer in a 18x or 2xx to it;
 *     an INVITE without SDP: the offer in its 2xx, the answer in the ACK;
 *     the offer in an UPDATE, the answer in its 2xx.
 *   The answer is from the other side of the hop, with the offer's CSeq
 *   number and method. A re-INVITE or UPDATE answered replaces the streams;
 *   one refused (a final response from 300) leaves them as they were; a
 *   final response from 300 to the INVITE that started the session, before
 *   any 2xx, ends it, early media and all. A BYE ends the session.
 *   Offers in PRACK and multipart bodies are not read; SDP that sdp_parse
 *   finds invalid is counted and changes nothing.
 * - The streams: for each audio m-line both SDPs have (MEDIA_MLINES at
 *   most, matched by position), one per direction: RTP to a side arrives
 *   at the address and port that side's SDP gave. A stream exists when
 *   the receiving side's m-line can carry media (sdp_stream_live: a port,
 *   RTP, an address that is not 0.0.0.0) and the sending side did not
 *   reject it (port 0). It is expected when the directions say RTP flows
 *   that way: the receiver's attribute is sendrecv or recvonly, the
 *   sender's sendrecv or sendonly. A held stream is there, not expected:
 *   hold never reads as one-way audio. The codec and clock of both
 *   directions are the answer's first voice format (sdp_voice): what the
 *   answerer chose from the offer.
 * - Bounded: at most max_streams streams (MEDIA_DEFAULT_MAX_STREAMS), in
 *   at most max_streams / 2 sessions. Room is made by dropping a session
 *   still negotiating first, then the one negotiated longest ago (its BYE
 *   was likely missed); what is dropped is counted (sessions_evicted,
 *   streams_evicted). A session still negotiating ends 64*T1 after its
 *   last message.
 */
#ifndef SIPXDP_MEDIA_H
#define SIPXDP_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "event.h"
#include "sdp.h"
#include "sipxdp.h"

#define MEDIA_DEFAULT_MAX_STREAMS	SIPXDP_DEFAULT_MEDIA_STREAMS
#define MEDIA_MIN_MAX_STREAMS		MEDIA_SESSION_STREAMS	/* one session's worth */
#define MEDIA_MLINES			2	/* audio m-lines a session keeps */
#define MEDIA_SESSION_STREAMS		(2 * MEDIA_MLINES)

struct media_stream {
	struct sipxdp_addr receiver;	/* the SIP side RTP goes to: its SDP gave dst */
	struct sipxdp_addr sender;
	struct sdp_addr dst;		/* where RTP arrives */
	__u16 dst_port;
	unsigned int mline;		/* the m-line's index in the SDP */
	enum sdp_proto proto;		/* the receiver's */
	enum sdp_codec codec;		/* the answer's voice */
	__u32 clock;			/* Hz; 0 when unknown */
	bool expected;			/* the directions say RTP flows this way */
};

/*
 * Where the streams go as they change (the kernel's media_streams map): a
 * stream is added when an answer gives it, removed when an answer takes it
 * away, its session ends or is evicted. A stream an answer keeps at the
 * same address and port is neither, so its figures carry on. Two sessions
 * that name the same address and port share what the sink keeps there:
 * the first to drop it removes it.
 */
struct media_sink {
	void (*add)(void *ctx, const struct media_stream *s);
	void (*remove)(void *ctx, const struct media_stream *s);
	void *ctx;
};

struct media_opts {
	size_t max_streams;		/* 0: MEDIA_DEFAULT_MAX_STREAMS; below
					 * MEDIA_MIN_MAX_STREAMS: that */
	struct media_sink sink;		/* NULL functions: none */
};

struct media_stats {
	__u64 offers;			/* retransmissions not counted again */
	__u64 answers;			/* offers answered (a 2xx after a 18x that
					 * answered is not another) */
	__u64 offers_refused;		/* a final response from 300 to the offer */
	__u64 sdp_invalid;		/* bodies sdp_parse refused */
	__u64 sessions_evicted;		/* dropped unfinished: the table was full */
	__u64 streams_evicted;		/* ... the streams they held */
	__u64 sessions;			/* now */
	__u64 streams;			/* now */
	__u64 max_streams;
};

struct media_tracker;

struct media_tracker *media_tracker_new(const struct media_opts *opts);
void media_tracker_free(struct media_tracker *t);

/* Feeds one event of any kind (after expiring what timed out by now_ns). */
void media_tracker_feed(struct media_tracker *t, const struct sip_event *ev, __u64 now_ns);
/* Ends the sessions still negotiating whose last message is 64*T1 old. */
void media_tracker_expire(struct media_tracker *t, __u64 now_ns);

/* The streams of the session (call_id, hop a-b): at most max into out;
 * returns how many were written. 0 when there is no such session. */
size_t media_tracker_streams(const struct media_tracker *t, const char *call_id, size_t len,
			     const struct sipxdp_addr *a, const struct sipxdp_addr *b,
			     struct media_stream *out, size_t max);

void media_tracker_stats(const struct media_tracker *t, struct media_stats *out);

#endif /* SIPXDP_MEDIA_H */
