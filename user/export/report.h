/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reports of `stats`, `acks`, `redirects` and `replay`, as text for
 * people and as JSON (its keys: docs/json.md).
 */
#ifndef SIPXDP_REPORT_H
#define SIPXDP_REPORT_H

#include <stdio.h>
#include "ackmatch.h"
#include "calls.h"
#include "media.h"
#include "peers.h"
#include "redirects.h"
#include "registrations.h"
#include "snapshot.h"
#include "suspects.h"

/* The sources `stats` lists unless told otherwise: a flood of spoofed
 * addresses must not make a report of megabytes. */
#define REPORT_DEFAULT_SOURCES	20
/* The live streams `media` lists at most, those negotiated longest ago
 * first (the ended ones come after them: MEDIA_ENDED_KEEP). */
#define REPORT_MEDIA_LIVE	1000

struct report {
	const struct snapshot *snap;		/* NULL: counters left out */
	/* The per-source table: the n busiest sources, busiest first; 0: every
	 * source, in address order (nothing to rank, so nothing to hold). */
	unsigned int sources_listed;
	const struct ack_stats *acks;		/* NULL: ACK section left out */
	const struct ack_matcher *ack_matcher;	/* per-peer ACK counts; NULL: none */
	const struct call_tracker *calls;	/* NULL: calls and options left out */
	const struct peer_map *peers;		/* names of peer ids; NULL: "other" */
	const struct ack_missed *const *missed;	/* newest first */
	size_t n_missed;
	const struct redirect_table *redirects;	/* NULL: redirect section left out */
	/* Shown with the calls; NULL: registrations left out. */
	const struct registration_table *registrations;
	/* Shown only by the suspects documents, which need it. */
	const struct suspect_table *suspects;
	/* The media document, and calls[].media; NULL: left out. */
	const struct media_tracker *media;
	__u64 now_ns;				/* the media verdicts' time */
	/* Added to event times to print wall-clock time: the agent's clock is
	 * CLOCK_MONOTONIC; a capture's is wall-clock already (0). */
	__s64 clock_to_wall_ns;
};

void report_json(FILE *out, const struct report *r);
void report_text(FILE *out, const struct report *r);

/* The `acks --json`, `calls --json` and `redirects --json` documents. */
void report_acks_json(FILE *out, const struct report *r);
void report_calls_json(FILE *out, const struct report *r);
void report_redirects_json(FILE *out, const struct report *r);

/* `suspects --json` and its text: the flagged sources, least recently seen
 * first, and the table's counts. */
void report_suspects_json(FILE *out, const struct report *r);
void report_suspects_text(FILE *out, const struct report *r);

/* `media --json` and its text: the live streams and the last ended ones,
 * with their figures, MOS and their call's media so far. */
void report_media_json(FILE *out, const struct report *r);
void report_media_text(FILE *out, const struct report *r);

/* `top`: the n sources with the most responses of class `by` (0..5), or of all (-1). */
void report_top(FILE *out, const struct snapshot *snap, int by, unsigned int n);

#endif /* SIPXDP_REPORT_H */
