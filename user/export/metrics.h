/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus text exposition (format 0.0.4) of everything sipxdp knows:
 * the metric families of docs/metrics.md, one HELP and TYPE each, per-CPU
 * values already summed in the snapshot, label values from packets escaped
 * and cut (escape.h).
 */
#ifndef SIPXDP_METRICS_H
#define SIPXDP_METRICS_H

#include <stdio.h>
#include "ackmatch.h"
#include "calls.h"
#include "peers.h"
#include "media.h"
#include "redirects.h"
#include "registrations.h"
#include "suspects.h"
#include "snapshot.h"

struct metrics_input {
	const struct snapshot *snap;
	const struct ack_stats *acks;		/* NULL: ACK families left out */
	const struct ack_matcher *ack_matcher;	/* its per-peer counts; with acks */
	const struct call_tracker *calls;	/* NULL: call families left out */
	const struct call_stats *call_stats;	/* with calls */
	const struct media_stats *media_stats;	/* NULL: no media_streams table */
	const struct media_tracker *media;	/* NULL: media families left out */
	const struct redirect_table *redirects;	/* NULL: redirect families left out */
	const struct registration_table *registrations;	/* NULL: registration families left out */
	const struct registration_stats *registration_stats;	/* with registrations */
	const struct suspect_stats *suspects;	/* NULL: suspect families left out */
	const struct peer_map *peers;		/* NULL: every peer is "other" */
	unsigned int per_source_top_n;		/* 0: no sipxdp_source_* series */
	__u64 source_evictions;			/* rows the per-source LRU map evicted */
	__u64 http_refused;			/* connections over the HTTP server's limit */
	const char *version;			/* sipxdp_build_info{version} */
};

/* Writes the whole exposition; 0, or -1 if out failed. */
int metrics_write(FILE *out, const struct metrics_input *in);

#endif /* SIPXDP_METRICS_H */
