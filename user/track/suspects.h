/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Suspect sources: addresses that scan, guess passwords or flood, flagged
 * with a reason. Plain C, time passed in (ns, any monotonic origin).
 *
 * Reasons:
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
 *     auth_failures failures within SUSPECT_AUTH_WINDOW_NS: a UA whose
 *     cached nonce went stale, or a peer refused a destination now and
 *     then, stays below it.
 *   - user_enumeration: the users (the To URI's user part, else the
 *     Request-URI's) a source tried that turned out not to exist: a 404,
 *     484 or 604 back, or no answer at all to a request outside a dialog
 *     within 64*T1, counted only when an answer to that source was seen
 *     after the request was sent (so a host whose answers sipxdp cannot see
 *     never makes silence evidence) and no records were lost meanwhile.
 *     Against them, the users it tried that do exist: 180, 2xx, 3xx,
 *     401/407 (a challenge names a known user), 480, 486, 487, 600, 603.
 *     Both are distinct counts, estimated with a HyperLogLog of
 *     SUSPECT_HLL_REGISTERS registers each, per source, over a window of
 *     SUSPECT_USERS_WINDOW_NS; the source is flagged when at least `users`
 *     were not found and they are more than half of the users it tried. A
 *     carrier dialling thousands of numbers that answer, ring, or are busy
 *     never gets there; a source only enters the table at its first user
 *     not found, and only then are its found users counted.
 *   - request_flood: the requests a source sends, counted in the kernel per
 *     source and method (the `sources` map), at request_rate or more per
 *     second over one SUSPECT_WATCH_INTERVAL_NS. The table never walks that
 *     map: the request events it is fed pick the heaviest senders of each
 *     interval (Misra-Gries, SUSPECT_WATCH_SLOTS counters: a source with
 *     more than 1/(slots+1) of the interval's requests is always among
 *     them, however many spoofed ones pass by), and only those sources'
 *     rows, of the methods they were seen sending, are read through
 *     suspect_read_fn at the interval's end. The kernel's counts are exact
 *     where events are lost, which a flood makes likely.
 *
 * Sources come from packets and can be spoofed by the thousand, so every
 * table is bounded and ages:
 *   - a source not seen for SUSPECT_MAX_AGE_NS is dropped (expired);
 *   - a new source that finds the table full takes the place of the least
 *     recently seen unflagged one, else of the least recently seen flagged
 *     one (evicted): a flood of spoofed single failures only churns among
 *     the unflagged;
 *   - requests awaiting their answer are kept for 64*T1 at most,
 *     SUSPECT_PENDING_CAPACITY of them; when full the oldest goes, counted,
 *     and says nothing;
 *   - the flood watch is SUSPECT_WATCH_SLOTS counters, whatever comes.
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

#define SUSPECT_DEFAULT_CAPACITY	4096	/* sources; ~520 bytes each */
#define SUSPECT_MAX_CAPACITY		(1u << 20)
#define SUSPECT_MAX_AGE_NS		(3600ull * 1000000000ull)
#define SUSPECT_DEFAULT_AUTH_FAILURES	10	/* within SUSPECT_AUTH_WINDOW_NS */
#define SUSPECT_AUTH_WINDOW_NS		(60ull * 1000000000ull)
#define SUSPECT_DEFAULT_USERS		50	/* distinct users not found, within the window */
#define SUSPECT_USERS_WINDOW_NS		(600ull * 1000000000ull)
/* Requests a second from one source. SIPp placing 3,000 calls/s sends 9,000
 * (INVITE, ACK, BYE), and a proxy's busiest peer no more: twice that is a
 * flood. */
#define SUSPECT_DEFAULT_REQUEST_RATE	20000
#define SUSPECT_MAX_THRESHOLD		100000000u	/* any of the three */
#define SUSPECT_PENDING_CAPACITY	16384	/* requests awaiting an answer; ~100 bytes each */
#define SUSPECT_WATCH_SLOTS		64
#define SUSPECT_WATCH_INTERVAL_NS	1000000000ull
#define SUSPECT_HLL_BITS		7
#define SUSPECT_HLL_REGISTERS		(1u << SUSPECT_HLL_BITS)	/* 9 % error; within a few
									 * percent below ~300 */
#define SUSPECT_HEARD_SLOTS		4096	/* when an answer to an address (by hash) was last seen */
#define SUSPECT_CALL_ID_MAX		128
#define SUSPECT_USER_AGENT_MAX		64

enum suspect_reason {
	SUSPECT_SCANNER_USER_AGENT,
	SUSPECT_AUTH_FAILURES,
	SUSPECT_USER_ENUMERATION,
	SUSPECT_REQUEST_FLOOD,
	SUSPECT_REASONS,
};

/* "scanner_user_agent", "auth_failures", "user_enumeration", "request_flood". */
const char *suspect_reason_name(enum suspect_reason reason);

/* Whether a User-Agent value names a known scanner. */
bool suspect_scanner_user_agent(const char *value, size_t len);

/*
 * The kernel's count of requests of `method` from addr (its row of the
 * `sources` map, summed over CPUs; 0 when it has none) into *count. 0, or
 * -1 when it cannot be read (that source is not judged this interval).
 */
typedef int (*suspect_read_fn)(void *ctx, const struct sipxdp_addr *addr, __u8 method,
			       __u64 *count);

struct suspect_opts {
	size_t capacity;		/* sources; 0: SUSPECT_DEFAULT_CAPACITY */
	unsigned int auth_failures;	/* 0: SUSPECT_DEFAULT_AUTH_FAILURES */
	unsigned int users;		/* 0: SUSPECT_DEFAULT_USERS */
	unsigned int request_rate;	/* requests/s; 0: SUSPECT_DEFAULT_REQUEST_RATE */
	suspect_read_fn read_requests;	/* NULL: no request_flood */
	void *read_ctx;
	__u64 seed;			/* of the users' hash; 0: a random one */
};

struct suspect_source {
	struct sipxdp_addr addr;
	__u8 flagged;			/* bit (1 << reason) per reason it was flagged for */
	__u64 events[SUSPECT_REASONS];	/* evidence per reason: messages (auth failures,
					 * scanner requests), users not found, requests
					 * in the intervals over the rate */
	__u64 first_seen_ns, last_seen_ns;
	/* The window in which most users were not found: distinct users tried
	 * (found or not) and not found, estimated. */
	__u32 users_tried, users_not_found;
	__u64 request_rate;		/* the highest rate measured, requests/s; 0: never */
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
	__u64 events[SUSPECT_REASONS];	/* all evidence, per reason (as suspect_source) */
	__u64 pending_entries;		/* requests awaiting their answer */
	__u64 pending_capacity;
	__u64 pending_evicted;		/* dropped unanswered for a newer one: no evidence */
	__u64 watch_samples;		/* kernel rows read for the flood watch */
};

struct suspect_table;

/* NULL when out of memory. opts NULL: every default, no request_flood. */
struct suspect_table *suspect_table_new(const struct suspect_opts *opts);
void suspect_table_free(struct suspect_table *t);

/* Feeds one parsed message (any method). */
void suspect_table_feed(struct suspect_table *t, const struct sip_event *ev, __u64 now_ns);
/* Records were lost up to now_ns: a request pending then whose answer is
 * not seen is not evidence of anything. */
void suspect_table_gap(struct suspect_table *t, __u64 now_ns);
/* Drops the sources not seen for SUSPECT_MAX_AGE_NS, and ends the requests
 * that waited 64*T1 (unanswered ones may be users not found). */
void suspect_table_expire(struct suspect_table *t, __u64 now_ns);
/*
 * The flood watch's clock: once SUSPECT_WATCH_INTERVAL_NS has passed since
 * the interval began, reads the kernel's counts of its heaviest senders and
 * judges their rate since the last read, then starts the next interval.
 * now_ns is when the counts are read (the time the kernel counted up to),
 * not the time of the last event handled.
 */
void suspect_table_watch(struct suspect_table *t, __u64 now_ns);

void suspect_table_stats(const struct suspect_table *t, struct suspect_stats *out);
/* The flagged sources, least recently seen first, at most max into out;
 * valid until the next feed or expire. Returns how many were written. */
size_t suspect_table_flagged(const struct suspect_table *t, const struct suspect_source **out,
			     size_t max);

/* The thresholds in use (the defaults filled in). */
void suspect_table_thresholds(const struct suspect_table *t, struct suspect_opts *out);

#endif /* SIPXDP_SUSPECTS_H */
