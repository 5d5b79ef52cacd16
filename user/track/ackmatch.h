/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Matching INVITE 2xx responses with their ACKs (RFC 3261 13.2.2.4, 13.3.1.4,
 * 17.1.1.3). Plain C, no clock: every call takes the time (ns, any monotonic
 * origin) so tests and replay are deterministic.
 *
 * A 2xx transaction is (Call-ID, CSeq number, To-tag, hop), the hop being
 * the unordered pair of IP addresses the 2xx went between: a proxy relays
 * one 2xx over two hops, which are two transactions, each to be ACKed on
 * its own hop (and a mirror port seeing both directions of a hop as
 * ingress still joins them); forked 2xx (other To-tags) each need their
 * own ACK. The ACK must carry the same Call-ID, CSeq number and To-tag and
 * travel the same hop, so the hop-by-hop ACK of a non-2xx final response
 * (its To-tag is the error response's) never completes a 2xx.
 *
 * A transaction is created by its first 2xx; further 2xx of it are
 * retransmissions. An ACK matches it while pending (delay into the
 * histogram). An ACK whose CSeq was cut off (SIP_EVF_NO_CSEQ: the header
 * is in the next TCP segment, or past the bytes its record carries)
 * matches the pending 2xx of its Call-ID on its hop: a dialog has one INVITE transaction in progress at a time (RFC 3261
 * 14.1); an ACK whose To-tag is missing, the one of its Call-ID, CSeq and
 * hop. When now - first_2xx >= timeout it is missing, and recorded among
 * the last missed calls; an ACK after that makes it `late`. When records
 * were lost (ack_matcher_gap) while it was pending, its ACK may have been
 * among them: at the timeout it is `unverified`, not missing, and an ACK
 * after that leaves it so (it was not late: it was not verified). Every
 * transaction stays in the table for 64*T1 after its first 2xx (or the
 * timeout, if longer), so the retransmissions its UAS sends for that long
 * are recognised, never counted as new calls, then goes. When the table is
 * full, the oldest done transaction makes room; when none is done, the
 * oldest pending one is evicted and counted (`evicted`: a call the matcher
 * lost track of).
 *
 * Counts are kept per peer too: the remote end of the 2xx's hop, its
 * source when it came in (XDP), its destination when it went out (TC),
 * named by --peers (peers.h), else "other".
 */
#ifndef SIPXDP_ACKMATCH_H
#define SIPXDP_ACKMATCH_H

#include <stddef.h>
#include <linux/types.h>
#include "event.h"
#include "peers.h"
#include "sipxdp.h"

#define ACK_REMEMBER_NS		(32ull * 1000000000ull)	/* 64 * T1 */
#define ACK_DEFAULT_TIMEOUT_NS	ACK_REMEMBER_NS
#define ACK_DEFAULT_CAPACITY	16384	/* ~250 bytes each when in use */
#define ACK_DEFAULT_MISSED_KEEP	100
/* Bytes of a Call-ID and of a To-tag a transaction keeps: longer ones are
 * cut, and two that differ only past the cut are the same key. */
#define ACK_CALL_ID_MAX		128
#define ACK_TO_TAG_MAX		64

/* Upper bounds (seconds) of the ACK delay histogram; +Inf is implied. */
#define ACK_DELAY_BUCKETS	12
extern const double ack_delay_bounds[ACK_DELAY_BUCKETS];

struct ack_stats {
	__u64 invite_2xx;	/* transactions: distinct (Call-ID, CSeq, To-tag, hop) */
	__u64 retransmissions;	/* further 2xx of a known transaction */
	__u64 matched;		/* got their ACK in time */
	__u64 missing;		/* no ACK within the timeout */
	__u64 late;		/* missing ones whose ACK came afterwards */
	__u64 unverified;	/* no ACK seen within the timeout, but records were lost */
	__u64 evicted;		/* pending ones dropped because the table was full */
	__u64 acks_unmatched;	/* ACKs with no pending 2xx (non-2xx ACKs, late ones) */
	__u64 pending;		/* waiting for their ACK now */
	__u64 table_entries;	/* pending + done, now */
	__u64 table_capacity;
	/* ACK delay: cumulative counts per bound, then the +Inf total */
	__u64 delay_buckets[ACK_DELAY_BUCKETS];
	__u64 delay_count;
	double delay_sum_seconds;
};

/* The same per peer (ack_matcher_peer_stats). */
struct ack_peer_stats {
	__u64 invite_2xx;
	__u64 retransmissions;
	__u64 matched;
	__u64 missing;
	__u64 late;
	__u64 unverified;
};

/* A call that missed its ACK: the 2xx's sender (UAS) and receiver (UAC),
 * the two ends of its hop. */
struct ack_missed {
	char call_id[ACK_CALL_ID_MAX + 1];	/* NUL-terminated, as received */
	__u32 cseq;
	unsigned int peer;			/* id: peers_name() */
	__u8 direction;				/* the 2xx's */
	struct sipxdp_addr uas_addr;
	struct sipxdp_addr uac_addr;
	__u16 uas_port;
	__u16 uac_port;
	__u64 first_2xx_ns;	/* time of the first 2xx */
	__u64 missing_ns;	/* time it was declared missing */
};

struct ack_matcher_opts {
	size_t capacity;	/* 0: ACK_DEFAULT_CAPACITY */
	__u64 timeout_ns;	/* 0: ACK_DEFAULT_TIMEOUT_NS */
	size_t missed_keep;	/* 0: ACK_DEFAULT_MISSED_KEEP */
	/* Hash of the Call-ID (not the CSeq: an ACK whose CSeq was cut off by
	 * the end of its TCP segment is found by Call-ID alone); NULL: the
	 * built-in one. Tests force collisions with it. */
	__u64 (*hash)(const char *call_id, size_t len);
	const struct peer_map *peers;	/* not owned; NULL: every peer is "other" */
};

struct ack_matcher;

struct ack_matcher *ack_matcher_new(const struct ack_matcher_opts *opts);
void ack_matcher_free(struct ack_matcher *m);

/*
 * Feeds one event: SIP_EV_INVITE_2XX and SIP_EV_ACK are used, other
 * kinds ignored. Events without a Call-ID or CSeq (flags) are ignored too.
 * Also expires what timed out by now_ns.
 */
void ack_matcher_feed(struct ack_matcher *m, const struct sip_event *ev, __u64 now_ns);

/* Declares missing every pending transaction whose time is up at now_ns. */
void ack_matcher_expire(struct ack_matcher *m, __u64 now_ns);

/*
 * Records were lost at some time up to to_ns: every transaction whose first
 * 2xx came by then and whose ACK is not seen ends unverified.
 */
void ack_matcher_gap(struct ack_matcher *m, __u64 to_ns);

void ack_matcher_stats(const struct ack_matcher *m, struct ack_stats *out);

/* Peers are ids 0..ack_matcher_peer_count()-1 (peers_name); NULL if out of range. */
unsigned int ack_matcher_peer_count(const struct ack_matcher *m);
const struct ack_peer_stats *ack_matcher_peer_stats(const struct ack_matcher *m,
						    unsigned int peer);

/* Pointers to the last missed calls, newest first, into out[0..max); returns
 * how many (<= missed_keep). Valid until the next feed or expire. */
size_t ack_matcher_missed(const struct ack_matcher *m, const struct ack_missed **out,
			  size_t max);

/* ACK delay percentile (0 < q < 1) in seconds from the histogram; 0 if empty. */
double ack_stats_delay_quantile(const struct ack_stats *s, double q);

#endif /* SIPXDP_ACKMATCH_H */
