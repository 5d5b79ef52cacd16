// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's cost per event, in process, without a kernel: ring-buffer
 * records of whole calls (INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE,
 * 200: bench/workloads.h), 20,000 a second of their clock, handed to
 * core_handle_record as the ring buffer's callback does: header checked,
 * bytes parsed, event fed to the call tracker, its ACK matcher and the
 * redirect table. Then the parse alone (sip_parse and sip_event_build) over
 * the same records. Each round's calls are new to the trackers: a round
 * starts 64*T1 after the last, so the tables have forgotten them.
 *
 * Usage: bench_records (no root, no program)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "core.h"
#include "target_row.h"
#include "workloads.h"

#define CALLS		2000
#define ROUNDS		20
#define RECORDS		(CALLS * WL_CALL_STEPS)
#define EVENT_GAP_NS	50000ull	/* 20,000 events/s */
#define RECORD_MAX	(sizeof(struct sipxdp_event) + SIPXDP_MSG_MAX)

struct record {
	size_t size;
	char *bytes;	/* 8-byte aligned, as the ring buffer's */
};

static struct record records[RECORDS];
static struct core core;

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The records of CALLS calls, message after message, one call after another. */
static int build_records(void)
{
	char msg[2048];
	size_t i = 0;

	for (unsigned int call = 0; call < CALLS; call++) {
		for (int step = 0; step < WL_CALL_STEPS; step++, i++) {
			struct sipxdp_event h = {
				.seq = i + 1,
				.saddr = { .bytes = { 192, 0, 2, 10 }, .family = AF_INET },
				.daddr = { .bytes = { 192, 0, 2, 20 }, .family = AF_INET },
				.sport = 5060,
				.dport = 5060,
				.transport = 17,
			};

			h.len = (__u16)wl_call_message(msg, sizeof(msg), call, step);
			h.msg_len = h.len;
			if (wl_call_from_uas(step)) {
				h.saddr.bytes[3] = 20;
				h.daddr.bytes[3] = 10;
			}
			records[i].size = sizeof(h) + h.len;
			records[i].bytes = aligned_alloc(8, (records[i].size + 7) & ~7ul);
			if (!records[i].bytes)
				return -1;
			memcpy(records[i].bytes, &h, sizeof(h));
			memcpy(records[i].bytes + sizeof(h), msg, h.len);
		}
	}
	return 0;
}

/* Stamps the records of one round: the ring buffer's order, 20,000 a second. */
static void stamp_round(int round)
{
	__u64 start = (__u64)round * (RECORDS * EVENT_GAP_NS + 2 * CALL_REMEMBER_NS);

	for (size_t i = 0; i < RECORDS; i++) {
		struct sipxdp_event *h = (struct sipxdp_event *)records[i].bytes;

		h->ts_ns = start + i * EVENT_GAP_NS;
		h->seq = (__u64)round * RECORDS + i + 1;
	}
}

int main(void)
{
	static struct sip_msg msg;
	struct core_opts opts = { 0 };
	const struct call_peer_stats *p;
	__u64 handling_ns = 0, parse_ns = 0, t0;
	struct core_view view;
	struct sip_event ev;
	size_t bytes = 0;
	double per_event;
	char now[64];

	if (build_records() || core_init(&core, NULL, &opts, CORE_CLOCK_EVENTS)) {
		fprintf(stderr, "bench_records: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < RECORDS; i++)
		bytes += records[i].size - sizeof(struct sipxdp_event);
	for (int round = 0; round < ROUNDS; round++) {
		stamp_round(round);
		t0 = now_ns();
		for (size_t i = 0; i < RECORDS; i++)
			core_handle_record(&core, records[i].bytes, records[i].size);
		handling_ns += now_ns() - t0;
	}
	for (int round = 0; round < ROUNDS; round++) {
		t0 = now_ns();
		for (size_t i = 0; i < RECORDS; i++) {
			const struct sipxdp_event *h = (const void *)records[i].bytes;

			sip_parse(records[i].bytes + sizeof(*h), h->len, &msg);
			sip_event_build(&ev, h, &msg);
		}
		parse_ns += now_ns() - t0;
	}
	core_view(&core, (__u64)ROUNDS * (RECORDS * EVENT_GAP_NS + 2 * CALL_REMEMBER_NS), false,
		  &view);
	p = call_tracker_peer(core.calls, 0);
	printf("records: %d calls x %d messages x %d rounds, %zu message bytes a round "
	       "(%.0f a message)\n", CALLS, WL_CALL_STEPS, ROUNDS, bytes, (double)bytes / RECORDS);
	per_event = (double)handling_ns / ((double)RECORDS * ROUNDS);
	printf("agent per event, in process: %.0f ns handled (parse, event, trackers; "
	       "target <= 500 ns), %.0f ns the parse alone\n", per_event,
	       (double)parse_ns / ((double)RECORDS * ROUNDS));
	snprintf(now, sizeof(now), "%.0f ns (in process, no kernel)", per_event);
	target_row(ROW_AGENT_EVENT, "agent CPU per event, parse included", "333–1,113 ns", now,
		   "≤ 500 ns", per_event <= 500);
	printf("trackers: %llu ACKs matched, %llu calls completed, %llu records lost (gaps) "
	       "(every call is whole: %d)\n", (unsigned long long)view.acks.matched,
	       (unsigned long long)(p ? p->completed : 0),
	       (unsigned long long)view.records.gap_records, CALLS * ROUNDS);
	core_view_free(&view);
	core_destroy(&core);
	for (size_t i = 0; i < RECORDS; i++)
		free(records[i].bytes);
	return 0;
}
