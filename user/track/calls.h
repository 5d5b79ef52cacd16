/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The call tracker: every event the program sends, into transactions per
 * hop and calls per peer, with RFC 6076's figures. Plain C, no clock: every
 * call takes the time (ns, any monotonic origin).
 *
 * - A hop is the unordered pair of IP addresses a message travels between
 *   (txtable.h: hop_equal); a proxy's two legs are two hops.
 * - INVITE 2xx and their ACKs: the ACK matcher (ackmatch.h), which the
 *   tracker owns and feeds.
 * - A call is an INVITE transaction (Call-ID, CSeq number, hop), counted
 *   once however often the INVITE is retransmitted. An INVITE with a To-tag
 *   is a re-INVITE inside a dialog: not a call attempt. Its peer is the
 *   remote end of the hop (the INVITE's source when it came in, "inbound";
 *   its destination when it went out, "outbound"), named by --peers, else
 *   "other". Its outcome is its first final response: answered 2xx,
 *   redirected 3xx, rejected 480 486 600 603, ineffective 408 500 503 504,
 *   cancelled 487, failed any other 4xx-6xx, unanswered when none came
 *   within 64*T1, unverified when none was seen but records were lost
 *   while it waited (call_tracker_gap: its response may be among them).
 *   An answered call is active until its BYE (either way, same Call-ID,
 *   same hop) and the BYE's 2xx, then completed; or it ends unseen: at a
 *   loss of records while it was active (events_lost: its BYE may be among
 *   them), or, when its RTP was still flowing then, once that RTP stops
 *   (events_lost too); when its learned RTP stopped both ways with no loss
 *   (no_media); or when it has been active --max-call-duration
 *   (max_duration). Delays:
 *   setup (INVITE to the first 18x or final: RFC 6076 SRD), answer (INVITE
 *   to 2xx), duration (2xx to BYE, for completed calls).
 * - Why calls end: the Reason headers (RFC 3326, sip_reason_cause) of the
 *   BYE that ends an active call, of the first CANCEL of a call in setup
 *   and of the final response that decides a call's outcome, per peer by
 *   protocol and cause: each value of each header counts once, and a
 *   retransmission finds its call decided. Who hung up: that BYE came from
 *   the address that sent the INVITE on its hop (caller), else from the one
 *   the INVITE went to (callee); addresses, not the interface's direction,
 *   so a mirror port that sees both as ingress tells them apart.
 * - Caller-ID attestation: each call's INVITE (re-INVITEs and
 *   retransmissions aside) by the attest of its Identity header and, where
 *   a verification service set one, its verstat (identity.h).
 * - CANCEL: counted per peer with its 200; the call's outcome is still the
 *   INVITE's final response (487 cancelled, or a 2xx that crossed it).
 * - OPTIONS and REGISTER, per (Call-ID, CSeq number, method, hop): sent,
 *   answered (any final response), unanswered (none within 64*T1),
 *   unverified (none seen, but records were lost while it waited), and
 *   the delay from the request to its first final response.
 * - A loss of records (call_tracker_gap) can have carried a message of any
 *   call, so it marks everything pending at the time: it never turns into
 *   a missing ACK, an unanswered call or request, nor a call up for ever.
 *
 * Every table is bounded. The call table, when full, drops a finished call
 * first, then the oldest active one (its BYE was likely missed), then the
 * oldest still in setup; the OPTIONS/REGISTER table a finished one, then
 * the oldest waiting. Dropping one not finished is counted (evicted).
 */
#ifndef SIPXDP_CALLS_H
#define SIPXDP_CALLS_H

#include <stddef.h>
#include <linux/types.h>
#include "ackmatch.h"
#include "event.h"
#include "identity.h"
#include "peers.h"
#include "sipxdp.h"

#define CALL_REMEMBER_NS	ACK_REMEMBER_NS	/* 64 * T1 */
#define CALL_DEFAULT_CAPACITY	32768		/* ~240 bytes each */
#define CALL_DEFAULT_MAX_DURATION_NS	(4ull * 3600 * 1000000000ull)	/* 4 h */
/* Bytes of a Call-ID a call or request keeps: longer ones are cut, and two
 * that differ only past the cut are the same key. */
#define CALL_CALL_ID_MAX	128

enum call_outcome {
	CALL_ANSWERED,
	CALL_REDIRECTED,
	CALL_REJECTED,
	CALL_INEFFECTIVE,
	CALL_CANCELLED,
	CALL_FAILED,
	CALL_UNANSWERED,
	CALL_UNVERIFIED,
	CALL_OUTCOMES,
};

/* Why an answered call ended without its BYE and the BYE's 2xx being seen. */
enum call_unseen_reason {
	CALL_UNSEEN_EVENTS_LOST,	/* records were lost while it was active */
	CALL_UNSEEN_MAX_DURATION,	/* active for --max-call-duration */
	CALL_UNSEEN_NO_MEDIA,		/* its RTP stopped both ways (media.h) */
	CALL_UNSEEN_REASONS,
};

enum call_direction {
	CALL_INBOUND,	/* the INVITE came in (XDP) */
	CALL_OUTBOUND,	/* the INVITE went out (TC) */
	CALL_DIRECTIONS,
};

/* Who sent the BYE that ended an active call. */
enum call_side {
	CALL_CALLER,	/* the INVITE's source on that hop */
	CALL_CALLEE,
	CALL_SIDES,
};

/* Per peer, a counter for every cause of every protocol in range. */
#define CALL_CAUSE_SLOTS	((SIP_REASON_Q850_MAX - SIP_REASON_Q850_MIN + 1) + \
				 (SIP_REASON_SIP_MAX - SIP_REASON_SIP_MIN + 1))

/* "caller", "callee". */
const char *call_side_name(enum call_side s);
/* "answered", ...; "events_lost", "max_duration", "no_media"; "inbound", "outbound". */
const char *call_outcome_name(enum call_outcome o);
const char *call_unseen_reason_name(enum call_unseen_reason r);
const char *call_direction_name(enum call_direction d);
/* The outcome of a final response (200..699). */
enum call_outcome call_outcome_of(unsigned int status);

/* A histogram over fixed upper bounds (seconds; +Inf implied). */
#define CALL_HIST_MAX	16
struct call_histogram {
	__u64 buckets[CALL_HIST_MAX];	/* cumulative, per bound */
	__u64 count;
	double sum_seconds;
};

struct call_hist_bounds {
	const double *v;
	unsigned int n;
};
/* One sample v (in the bounds' unit) into h. */
void call_histogram_observe(struct call_histogram *h, const struct call_hist_bounds *b,
			    double v);
/* Quantile q (0 < q < 1) in seconds, as Prometheus' histogram_quantile; 0 if empty. */
double call_histogram_quantile(const struct call_histogram *h, const struct call_hist_bounds *b,
			       double q);

extern const struct call_hist_bounds call_setup_bounds, call_answer_bounds,
	call_duration_bounds, call_request_delay_bounds;

/* OPTIONS or REGISTER of one peer. */
struct request_peer_stats {
	__u64 sent;		/* transactions, retransmissions excluded */
	__u64 answered;
	__u64 unanswered;
	__u64 unverified;	/* none seen, but records were lost meanwhile */
	struct call_histogram delay;	/* call_request_delay_bounds */
};

struct call_peer_stats {
	__u64 attempts[CALL_DIRECTIONS];
	__u64 outcomes[CALL_DIRECTIONS][CALL_OUTCOMES];
	__u64 completed;
	__u64 ended_unseen[CALL_UNSEEN_REASONS];	/* answered, end not seen */
	__u64 active;		/* answered, not yet ended nor dropped: now */
	__u64 cancels;		/* CANCEL transactions of a call in setup */
	__u64 cancels_answered;	/* ... that got their 200 */
	__u64 ended_by[CALL_SIDES];	/* BYEs that ended an active call */
	__u64 attest[CALL_DIRECTIONS][SIP_ATTESTS];	/* calls by their INVITE's attest */
	__u64 verstat[CALL_DIRECTIONS][SIP_VERSTATS];	/* ... that carried a verstat */
	__u64 causes[CALL_CAUSE_SLOTS];	/* read with call_cause_count */
	struct call_histogram setup;	/* call_setup_bounds */
	struct call_histogram answer;	/* call_answer_bounds */
	struct call_histogram duration;	/* call_duration_bounds */
	struct request_peer_stats options;
	struct request_peer_stats registers;
};

/* How many Reason values of a peer's calls gave this cause; 0 out of range. */
__u64 call_cause_count(const struct call_peer_stats *p, enum sip_reason_protocol proto,
		       unsigned int cause);

struct call_stats {
	__u64 reinvites;	/* INVITEs with a To-tag: not calls */
	__u64 calls_evicted;	/* calls dropped unfinished: the table was full */
	__u64 calls_entries;
	__u64 calls_capacity;
	__u64 requests_evicted;	/* OPTIONS/REGISTER dropped unanswered */
	__u64 requests_entries;
	__u64 requests_capacity;
};

/*
 * The media tracker, as the call tracker needs it (media.h): whether a
 * dialog's RTP flows (a loss of records then ends it only once its RTP
 * stops), and the calls it ends unseen itself, whose media ends too.
 */
struct call_media_hooks {
	bool (*flowing)(void *ctx, const char *call_id, size_t len, const struct sipxdp_addr *a,
			const struct sipxdp_addr *b, __u64 now_ns);
	void (*ended)(void *ctx, const char *call_id, size_t len, const struct sipxdp_addr *a,
		      const struct sipxdp_addr *b, __u64 now_ns);
	void *ctx;
};

struct call_tracker_opts {
	size_t max_calls;	/* calls, and OPTIONS/REGISTER transactions; 0: default */
	__u64 max_call_duration_ns;	/* 0: CALL_DEFAULT_MAX_DURATION_NS */
	struct ack_matcher_opts acks;	/* its .peers is set from peers */
	const struct peer_map *peers;	/* not owned; NULL: every peer is "other" */
	struct call_media_hooks media;	/* NULL functions: none */
};

struct call_tracker;

struct call_tracker *call_tracker_new(const struct call_tracker_opts *opts);
void call_tracker_free(struct call_tracker *t);

/* Feeds one event of any kind (after expiring what timed out by now_ns). */
void call_tracker_feed(struct call_tracker *t, const struct sip_event *ev, __u64 now_ns);
/* Expires what timed out by now_ns: ACKs, calls, OPTIONS/REGISTER. */
void call_tracker_expire(struct call_tracker *t, __u64 now_ns);
/*
 * Records were lost at some time up to to_ns (a jump in a CPU's seq, or the
 * kernel's count of lost events rising). They may have carried any call's
 * messages: the 2xx awaiting an ACK, the calls awaiting a final response
 * and the OPTIONS/REGISTER awaiting a response that began by to_ns end
 * unverified when what they wait for is not seen afterwards; the calls
 * answered by to_ns and still active end now, unseen (events_lost), except
 * those whose RTP still flows (call_media_hooks): they stay active until
 * their BYE, or until their RTP stops (call_tracker_media_stopped).
 */
void call_tracker_gap(struct call_tracker *t, __u64 to_ns);

/*
 * The RTP of the dialog (call_id, hop a-b) stopped both ways: its active
 * call ends unseen, as events_lost when records were lost while it was up,
 * else no_media. False when it has no active call.
 */
bool call_tracker_media_stopped(struct call_tracker *t, const char *call_id, size_t len,
				const struct sipxdp_addr *a, const struct sipxdp_addr *b);

/* The ACK matcher it feeds, to read. */
const struct ack_matcher *call_tracker_acks(const struct call_tracker *t);

/* Peers are ids 0..count-1 (peers_name). */
unsigned int call_tracker_peer_count(const struct call_tracker *t);
const struct call_peer_stats *call_tracker_peer(const struct call_tracker *t,
						unsigned int peer);
void call_tracker_stats(const struct call_tracker *t, struct call_stats *out);

#endif /* SIPXDP_CALLS_H */
