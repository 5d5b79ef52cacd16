/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A point-in-time copy of the BPF counters, per-CPU values summed: what
 * `stats`, `replay` and /metrics all report from.
 */
#ifndef SIPXDP_SNAPSHOT_H
#define SIPXDP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "sipxdp.h"

/* Responses by direction, CSeq method and code (the `responses` map). */
struct response_row {
	__u16 code;
	__u8 direction;		/* enum sipxdp_direction */
	__u8 method;		/* enum sipxdp_method */
	__u64 count;
};

/*
 * One row of the `sources` map: responses from one source address with one
 * code, or requests from it with one method (sipxdp.h: the key's code
 * below SIPXDP_SOURCE_FIRST_CODE). The two kinds are read into arrays of
 * their own, so a method never reads as a code.
 */
struct source_row {
	struct sipxdp_addr addr;
	__u16 code;		/* in `sources`: 100..699; in `source_requests`: the method */
	__u64 count;
};

/*
 * The row arrays of a snapshot done with, for the next one to fill. The
 * per-source rows of a full map are megabytes: mapped afresh for each
 * scrape, they cost a page fault every 4 KiB (2.5 ms for 30,000 rows on a
 * virtual machine). Zeroed at first; snapshot_spare_free frees it.
 */
struct snapshot_spare {
	struct response_row *responses;
	struct source_row *sources, *requests;
	size_t responses_cap, sources_cap, requests_cap;	/* rows */
};

struct snapshot {
	__u64 counters[SIPXDP_COUNTER_MAX];	/* enum sipxdp_counter */
	__u64 requests[SIPXDP_DIR_MAX][SIPXDP_METHOD_MAX];
	struct response_row *responses;
	size_t n_responses;
	struct source_row *sources;		/* responses; sorted by address, then code */
	size_t n_sources;
	struct source_row *source_requests;	/* requests; sorted by address, then method */
	size_t n_source_requests;
	__u32 responses_capacity;		/* max_entries of the maps */
	__u32 sources_capacity;
	/* Responses per peer id (0 "other", then the --peers names) and class:
	 * peer_responses[id * SIPXDP_CLASSES + class - 1]; NULL when not read. */
	__u64 *peer_responses;
	size_t n_peers;
	struct snapshot_spare rows;	/* the arrays above, and the rows they hold */
};

#define SNAPSHOT_CLASSES	SIPXDP_CLASSES	/* 1xx..6xx */

/* The messages of one source address: its rows of `sources` folded. */
struct source_total {
	struct sipxdp_addr addr;
	const struct source_row *rows;	/* its responses, rows[0..n_rows) */
	size_t n_rows;
	const struct source_row *requests;	/* its requests, requests[0..n_requests) */
	size_t n_requests;
	const char *peer;		/* for callers that name peers; NULL here */
	__u64 by_class[SNAPSHOT_CLASSES];
	__u64 total;			/* responses */
	__u64 requests_total;
};

/* Where snapshot_next_source is: zeroed at first. */
struct source_cursor {
	size_t response, request;
};


/*
 * Reads every map of a loaded program. 0, or -errno with a message printed.
 * spare: row arrays to fill (taken from it), or NULL for new ones.
 */
int snapshot_read(struct snapshot *snap, int counters_fd, int requests_fd,
		  int responses_fd, int sources_fd, struct snapshot_spare *spare);
/* Sorts rows by address (as memcmp orders struct sipxdp_addr), then code. */
void snapshot_sort_sources(struct source_row *rows, size_t n);
/* One counter of the per-CPU `counters` array, summed. 0, or -errno. */
int snapshot_read_counter(int counters_fd, __u32 key, __u64 *out);
/* Adds the per-peer counters of a loaded program. 0, or -errno with a message. */
int snapshot_read_peers(struct snapshot *snap, int peer_responses_fd);
void snapshot_free(struct snapshot *snap);
/* snapshot_free, keeping its row arrays in *spare (whose own are freed);
 * a snapshot without them leaves *spare as it is. */
void snapshot_free_keeping(struct snapshot *snap, struct snapshot_spare *spare);
void snapshot_spare_free(struct snapshot_spare *spare);

/*
 * The totals of each source address in turn, in address order, with nothing
 * allocated: with *cur zeroed at first, each call folds the next address's
 * responses and requests into *out and moves *cur on; false after the last.
 * A map of 65,536 entries folded whole takes 5 MB, walked this way none.
 */
bool snapshot_next_source(const struct snapshot *snap, struct source_cursor *cur,
			  struct source_total *out);

/* The request rows of one address (by method), found in log time: *n of
 * them from the one returned; NULL with *n 0 when it has none. */
const struct source_row *snapshot_source_requests(const struct snapshot *snap,
						  const struct sipxdp_addr *addr, size_t *n);

/* Entries of the `sources` map read: response rows and request rows. */
static inline size_t snapshot_source_entries(const struct snapshot *snap)
{
	return snap->n_sources + snap->n_source_requests;
}

/*
 * The n busiest source addresses, by responses of class `by` (0..5) or of
 * all (-1), into out[0..n), busiest first (equal ones by requests, then by
 * address: a source that only sent requests ranks after every one that
 * answered); returns
 * how many were written. *n_addresses, when not NULL, gets how many
 * addresses there are in all. Memory: out only.
 */
size_t snapshot_top_sources(const struct snapshot *snap, int by, struct source_total *out,
			    size_t n, size_t *n_addresses);

/* Sum of the packet results: every packet seen. */
__u64 snapshot_packets_seen(const struct snapshot *snap);

#endif /* SIPXDP_SNAPSHOT_H */
