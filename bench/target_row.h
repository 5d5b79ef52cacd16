/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A row of the performance issue's table, as every benchmark prints it and
 * bench/run.sh gathers them into the table at the end of make bench:
 *
 *   target|ROW|FIGURE|BEFORE|NOW|TARGET|VERDICT
 *
 * ROW is the row's place in the table (run.sh sorts by it), BEFORE
 * the issue's own figure, printed as it stands there. bench/bench_proxy.sh
 * prints the same format with printf.
 */
#ifndef SIPXDP_BENCH_TARGET_ROW_H
#define SIPXDP_BENCH_TARGET_ROW_H

#include <stdbool.h>
#include <stdio.h>

enum target_row {
	ROW_INVITE = 1,		/* INVITE 200 OK with its event, 50k pps */
	ROW_MIX,		/* call mix, 50k pps */
	ROW_PROXY_COLD,		/* call mix at 300 calls/s through a proxy (cold) */
	ROW_AGENT_EVENT,	/* agent CPU per event, parse included */
	ROW_TSHARK,		/* kernel + agent CPU per SIP packet against tshark */
	ROW_RTP,		/* RTP of no learned stream, none learned, against the classifier */
	ROW_RTP_UNLEARNED,	/* ... of no learned stream, 10,000 learned */
	ROW_RTP_LEARNED,	/* ... of a learned stream */
	ROW_RTP_SCALE,		/* 20,000 streams learned from SDP, the agent running */
	ROW_VERIFIER,		/* processed instructions, largest program (bench/run.sh) */
	ROW_LOST,		/* events lost at 3,000 calls/s */
	ROW_SCRAPE_PEERS,	/* /metrics with the per-peer families at their caps */
	ROW_FLOOD_UNFLAGGED,	/* SIPp at 3,000 calls/s flags no source (bench_proxy.sh) */
};

static inline void target_row(enum target_row row, const char *figure, const char *before,
			      const char *now, const char *target, bool met)
{
	printf("target|%d|%s|%s|%s|%s|%s\n", row, figure, before, now, target,
	       met ? "met" : "MISSED");
}

#endif /* SIPXDP_BENCH_TARGET_ROW_H */
