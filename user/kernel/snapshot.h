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

/* Responses from one source address with one code (the `sources` map). */
struct source_row {
	struct sipxdp_addr addr;
	__u16 code;
	__u64 count;
};

struct snapshot {
	__u64 counters[SIPXDP_COUNTER_MAX];	/* enum sipxdp_counter */
	__u64 requests[SIPXDP_DIR_MAX][SIPXDP_METHOD_MAX];
	struct response_row *responses;
	size_t n_responses;
	struct source_row *sources;		/* sorted by address, then code */
	size_t n_sources;
	__u32 responses_capacity;		/* max_entries of the maps */
	__u32 sources_capacity;
	/* Responses per peer id (0 "other", then the --peers names) and class:
	 * peer_responses[id * SIPXDP_CLASSES + class - 1]; NULL when not read. */
	__u64 *peer_responses;
	size_t n_peers;
};

#define SNAPSHOT_CLASSES	SIPXDP_CLASSES	/* 1xx..6xx */

/* The responses of one source address: its rows of `sources` folded. */
struct source_total {
	const struct source_row *rows;	/* its rows, rows[0..n_rows) */
	size_t n_rows;
	const char *peer;		/* for callers that name peers; NULL here */
	__u64 by_class[SNAPSHOT_CLASSES];
	__u64 total;
};


/* Reads every map of a loaded program. 0, or -errno with a message printed. */
int snapshot_read(struct snapshot *snap, int counters_fd, int requests_fd,
		  int responses_fd, int sources_fd);
/* Sorts rows by address (as memcmp orders struct sipxdp_addr), then code. */
void snapshot_sort_sources(struct source_row *rows, size_t n);
/* One counter of the per-CPU `counters` array, summed. 0, or -errno. */
int snapshot_read_counter(int counters_fd, __u32 key, __u64 *out);
/* Adds the per-peer counters of a loaded program. 0, or -errno with a message. */
int snapshot_read_peers(struct snapshot *snap, int peer_responses_fd);
void snapshot_free(struct snapshot *snap);

/* One total per source address, in address order; *n gets how many.
 * NULL when out of memory. The caller frees it. */
struct source_total *snapshot_fold_sources(const struct snapshot *snap, size_t *n);

/*
 * The same totals one address at a time, with nothing allocated: with *pos
 * 0 at first, each call folds the next address into *out and moves *pos on;
 * false after the last. A map of 65,536 entries folded whole takes 5 MB,
 * walked this way none.
 */
bool snapshot_next_source(const struct snapshot *snap, size_t *pos, struct source_total *out);

/*
 * The n busiest source addresses, by responses of class `by` (0..5) or of
 * all (-1), into out[0..n), busiest first (equal ones by address); returns
 * how many were written. *n_addresses, when not NULL, gets how many
 * addresses there are in all. Memory: out only.
 */
size_t snapshot_top_sources(const struct snapshot *snap, int by, struct source_total *out,
			    size_t n, size_t *n_addresses);

/* Sum of the packet results: every packet seen. */
__u64 snapshot_packets_seen(const struct snapshot *snap);

#endif /* SIPXDP_SNAPSHOT_H */
