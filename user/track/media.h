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
 *     the offer in an UPDATE or a PRACK, the answer in its 2xx;
 *     an INVITE without SDP and a 18x with SDP: the offer in the 18x, the
 *     answer in the PRACK (RFC 3262), or else in the ACK of a 2xx that
 *     offers again.
 *   The answer is from the other side of the hop, with the offer's CSeq
 *   number and method. A re-INVITE or UPDATE answered replaces the streams;
 *   one refused (a final response from 300) leaves them as they were; a
 *   final response from 300 to the INVITE that started the session, before
 *   any 2xx, ends it, early media and all. A BYE ends the session.
 *   The SDP is the body, or a multipart body's SDP part (sip_sdp_body).
 *   SDP that sdp_parse finds invalid is counted and changes nothing.
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
#include "calls.h"
#include "event.h"
#include "peers.h"
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
	__u16 src_port;			/* where it comes from, by the sender's SDP */
	struct sdp_addr src;		/* (symmetric RTP: where it receives) */
	unsigned int mline;		/* the m-line's index in the SDP */
	enum sdp_proto proto;		/* the receiver's */
	enum sdp_codec codec;		/* the answer's voice */
	__u32 clock;			/* Hz; 0 when unknown */
	bool expected;			/* the directions say RTP flows this way */
};

/*
 * What the kernel measured of one stream (sipxdp_media.h), as the tracker
 * reads it: packets and bytes of every datagram to the place; of the RTP
 * ones, expected (RFC 3550 A.3: extended highest - base + 1, summed over
 * the SSRCs) and lost (expected - received, never below 0); the mean of
 * the A.8 interarrival jitter over its packets; first and last packet on
 * the tracker's clock (0: none yet).
 */
struct media_figures {
	__u64 packets;
	__u64 bytes;
	__u64 expected;
	__u64 lost;
	double jitter_ms;
	__u64 first_ns;
	__u64 last_ns;
};

/*
 * Where the streams go as they change (the kernel's media_streams map): a
 * stream is added when an answer gives it, removed when an answer takes it
 * away, its session ends or is evicted; read before it is removed, and
 * whenever the tracker refreshes. A stream an answer keeps at the same
 * address and port is neither added nor removed, so its figures carry on.
 * Streams of several sessions that name the same address and port (a
 * proxy's two legs carry the same SDP) share what the sink keeps there:
 * the first adds it, the last removes it, and each reads its figures.
 */
struct media_sink {
	void (*add)(void *ctx, const struct media_stream *s);
	/* True when it handed the stream's last figures over as it removed
	 * it (into *last): then they are not read apart. */
	bool (*remove)(void *ctx, const struct media_stream *s, struct media_figures *last);
	/* False when the sink has no figures for it (none yet: zeros). */
	bool (*read)(void *ctx, const struct media_stream *s, struct media_figures *out);
	void *ctx;
	/* Optional, around the reads of every live stream once a second: a
	 * sink may take all its figures at once at the start, and answer the
	 * reads from them until the end. */
	void (*refresh_begin)(void *ctx);
	void (*refresh_end)(void *ctx);
};

/*
 * An answered call whose learned RTP stopped both ways (no packet either
 * way for media_timeout, while the streams are expected): the tracker ends
 * the session and tells the call tracker (call_tracker_media_stopped),
 * which ends the call unseen. Not called for the sessions the call tracker
 * ended itself (media_tracker_end).
 */
typedef void (*media_stopped_fn)(void *ctx, const char *call_id, size_t len,
				 const struct sipxdp_addr *a, const struct sipxdp_addr *b);

/* What media an answered call had, judged at its end (and shown live). */
enum media_verdict {
	MEDIA_TWO_WAY,		/* RTP both ways */
	MEDIA_ONE_WAY,		/* one way only, for one_way_after or more */
	MEDIA_NONE,		/* no RTP either way */
	MEDIA_VERDICTS,
	MEDIA_UNDECIDED = MEDIA_VERDICTS,	/* not (yet) one of them: not counted */
};

/* A stream seen from the call's peer (the remote end of its hop, calls.h). */
enum media_direction {
	MEDIA_FROM_PEER,
	MEDIA_TO_PEER,
	MEDIA_DIRECTIONS,
};

/* "two_way", "one_way", "none", "undecided"; "from_peer", "to_peer". */
const char *media_verdict_name(enum media_verdict v);
const char *media_direction_name(enum media_direction d);

#define MEDIA_DEFAULT_ONE_WAY_AFTER_NS	(5ull * 1000000000ull)
#define MEDIA_DEFAULT_TIMEOUT_NS	(60ull * 1000000000ull)
#define MEDIA_REFRESH_NS		1000000000ull	/* figures read once a second */
#define MEDIA_ENDED_KEEP		64		/* ended streams `media` shows */
#define MEDIA_CODECS			(SDP_CODEC_CN + 1)

struct media_opts {
	size_t max_streams;		/* 0: MEDIA_DEFAULT_MAX_STREAMS; below
					 * MEDIA_MIN_MAX_STREAMS: that */
	__u64 one_way_after_ns;		/* 0: MEDIA_DEFAULT_ONE_WAY_AFTER_NS */
	__u64 timeout_ns;		/* 0: MEDIA_DEFAULT_TIMEOUT_NS */
	const struct peer_map *peers;	/* not owned; NULL: every peer is "other" */
	struct media_sink sink;		/* NULL functions: none */
	media_stopped_fn stopped;	/* NULL: none */
	void *stopped_ctx;
};

/*
 * Per peer: streams counted at their end (one sample each), packets and
 * lost as they are read (lost never goes down: a duplicate can lower
 * expected - received for a while), and answered calls by their verdict.
 */
struct media_peer_stats {
	__u64 calls[MEDIA_VERDICTS];
	__u64 streams[MEDIA_DIRECTIONS][MEDIA_CODECS];
	__u64 packets[MEDIA_DIRECTIONS];
	__u64 lost[MEDIA_DIRECTIONS];
	struct call_histogram jitter[MEDIA_DIRECTIONS];	/* media_jitter_bounds */
	struct call_histogram mos[MEDIA_DIRECTIONS];	/* media_mos_bounds; sum in MOS */
};

extern const struct call_hist_bounds media_jitter_bounds, media_mos_bounds;

struct media_stats {
	__u64 offers;			/* retransmissions not counted again */
	__u64 answers;			/* offers answered (a 2xx after a 18x that
					 * answered is not another) */
	__u64 offers_refused;		/* a final response from 300 to the offer */
	__u64 sdp_invalid;		/* bodies sdp_parse refused */
	__u64 sessions_evicted;		/* dropped unfinished: the table was full */
	__u64 streams_evicted;		/* ... the streams they held */
	__u64 stopped;			/* sessions ended: RTP stopped both ways */
	__u64 sessions;			/* now */
	__u64 streams;			/* now */
	__u64 max_streams;
};

/* One stream as `sipxdp media` shows it. */
struct media_stream_view {
	struct media_stream st;
	struct media_figures fig;
	double mos;			/* when fig.expected */
	unsigned int peer;		/* peers_name id */
	enum media_direction direction;
	enum media_verdict call_media;	/* its call's, so far or at its end */
	bool live;
	__u16 call_id_len;
	char call_id[CALL_CALL_ID_MAX];
};

struct media_tracker;

struct media_tracker *media_tracker_new(const struct media_opts *opts);
void media_tracker_free(struct media_tracker *t);

/* Feeds one event of any kind (after expiring what timed out by now_ns). */
void media_tracker_feed(struct media_tracker *t, const struct sip_event *ev, __u64 now_ns);
/* Ends the sessions still negotiating whose last message is 64*T1 old. */
void media_tracker_expire(struct media_tracker *t, __u64 now_ns);
/*
 * Reads every stream's figures from the sink when MEDIA_REFRESH_NS has
 * passed since the last time: the per-peer packets
 * and lost, and the sessions whose RTP stopped (media_stopped_fn).
 */
void media_tracker_refresh(struct media_tracker *t, __u64 now_ns);
/* The call tracker ended the call of the session (call_id, hop a-b)
 * without its BYE: the session ends too, its streams read and counted. */
void media_tracker_end(struct media_tracker *t, const char *call_id, size_t len,
		       const struct sipxdp_addr *a, const struct sipxdp_addr *b, __u64 now_ns);
/* Whether the session's RTP flows: a packet either way within the media
 * timeout of now_ns, as last refreshed. */
bool media_tracker_flowing(const struct media_tracker *t, const char *call_id, size_t len,
			   const struct sipxdp_addr *a, const struct sipxdp_addr *b, __u64 now_ns);

/* The streams of the session (call_id, hop a-b): at most max into out;
 * returns how many were written. 0 when there is no such session. */
size_t media_tracker_streams(const struct media_tracker *t, const char *call_id, size_t len,
			     const struct sipxdp_addr *a, const struct sipxdp_addr *b,
			     struct media_stream *out, size_t max);
/* Live streams (the sessions negotiated longest ago first), then the last
 * MEDIA_ENDED_KEEP that ended (newest first): at most max into out;
 * returns how many were written; *live_total is how many are live. */
size_t media_tracker_view(const struct media_tracker *t, __u64 now_ns,
			  struct media_stream_view *out, size_t max, size_t *live_total);

/* Peers are ids 0..count-1 (peers_name). */
unsigned int media_tracker_peer_count(const struct media_tracker *t);
const struct media_peer_stats *media_tracker_peer(const struct media_tracker *t,
						  unsigned int peer);
void media_tracker_stats(const struct media_tracker *t, struct media_stats *out);

#endif /* SIPXDP_MEDIA_H */
