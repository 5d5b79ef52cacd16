/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Suspect sources: addresses that scan or guess passwords, flagged with a
 * reason. Plain C, time passed in (ns, any monotonic origin).
 *
 * Reasons, judged per message:
 *   - scanner_user_agent: a request whose User-Agent contains, in any case,
 *     one of a fixed list of scanner names (sipvicious's friendly-scanner,
 *     sipcli, VaxSIPUserAgent, sundayddr, ...). The request's source is
 *     flagged at once: no tool a site runs calls itself that.
 *   - auth_failures: a 403, or a 401/407 to a request that already carried
 *     Authorization or Proxy-Authorization (same Call-ID, CSeq number and
 *     requester: sipvicious's svcrack sends every guess with one Call-ID and
 *     CSeq, so each of its 401s counts). The challenge to a request without
 *     credentials is digest authentication at work, never a failure. The
 *     source is the response's destination, the requester. It is flagged at
 *     SUSPECT_AUTH_FAILURES_MIN failures within SUSPECT_AUTH_WINDOW_NS: a UA
 *     whose cached nonce went stale, or a peer refused a destination now
 *     and then, stays below it.
 *
 * Sources come from packets and can be spoofed by the thousand, so the
 * table is bounded (capacity sources) and ages:
 *   - a source not seen for SUSPECT_MAX_AGE_NS is dropped (expired);
 *   - a new source that finds the table full takes the place of the least
 *     recently seen unflagged one (one with failures below the threshold),
 *     else of the least recently seen flagged one (evicted): a flood of
 *     spoofed single failures only churns among the unflagged.
 * Counts of events leave the table only per reason; addresses only in the
 * report, never as a label.
 */
#ifndef SIPXDP_SUSPECTS_H
#define SIPXDP_SUSPECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "event.h"
#include "sipxdp.h"

#define SUSPECT_DEFAULT_CAPACITY	4096	/* sources; ~120 bytes each */
#define SUSPECT_MAX_CAPACITY		(1u << 20)
#define SUSPECT_MAX_AGE_NS		(3600ull * 1000000000ull)
#define SUSPECT_AUTH_FAILURES_MIN	10
#define SUSPECT_AUTH_WINDOW_NS		(60ull * 1000000000ull)
#define SUSPECT_PENDING_CAPACITY	4096	/* requests with credentials awaiting an answer */
#define SUSPECT_CALL_ID_MAX		128
#define SUSPECT_USER_AGENT_MAX		64

enum suspect_reason {
	SUSPECT_SCANNER_USER_AGENT,
	SUSPECT_AUTH_FAILURES,
	SUSPECT_REASONS,
};

/* "scanner_user_agent", "auth_failures". */
const char *suspect_reason_name(enum suspect_reason reason);

/* Whether a User-Agent value names a known scanner. */
bool suspect_scanner_user_agent(const char *value, size_t len);

struct suspect_source {
	struct sipxdp_addr addr;
	__u8 flagged;			/* bit (1 << reason) per reason it was flagged for */
	__u64 events[SUSPECT_REASONS];	/* messages that were evidence, per reason */
	__u64 first_seen_ns, last_seen_ns;
	char user_agent[SUSPECT_USER_AGENT_MAX + 1];	/* the last scanner User-Agent, cut;
							 * NUL-terminated, any byte but NUL */
	size_t user_agent_len;
};

struct suspect_stats {
	__u64 flagged;			/* sources flagged now */
	__u64 entries;			/* sources in the table, flagged or not */
	__u64 capacity;
	__u64 evicted;			/* sources dropped for a new one: the table was full */
	__u64 expired;			/* sources dropped: not seen for SUSPECT_MAX_AGE_NS */
	__u64 events[SUSPECT_REASONS];	/* every message that was evidence, per reason */
};

struct suspect_table;

/* capacity 0: SUSPECT_DEFAULT_CAPACITY. NULL when out of memory. */
struct suspect_table *suspect_table_new(size_t capacity);
void suspect_table_free(struct suspect_table *t);

/* Feeds one parsed message (any method). */
void suspect_table_feed(struct suspect_table *t, const struct sip_event *ev, __u64 now_ns);
/* Drops the sources not seen for SUSPECT_MAX_AGE_NS, and forgets the
 * requests with credentials that waited 64*T1. */
void suspect_table_expire(struct suspect_table *t, __u64 now_ns);

void suspect_table_stats(const struct suspect_table *t, struct suspect_stats *out);
/* The flagged sources, least recently seen first, at most max into out;
 * valid until the next feed or expire. Returns how many were written. */
size_t suspect_table_flagged(const struct suspect_table *t, const struct suspect_source **out,
			     size_t max);

#endif /* SIPXDP_SUSPECTS_H */
