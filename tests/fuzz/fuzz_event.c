// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ring-buffer records as the agent drains them: each one handed to
 * core_handle_record (header checked, seq counted, bytes parsed, event fed
 * to the call tracker, its ACK matcher, the redirect table and the suspect
 * sources), on its own
 * time stamp, as the ring buffer's callback does. The input is a run of
 * records, each a little-endian 16-bit size and that many bytes (header,
 * then message), so the trackers' state carries across them:
 * retransmissions, matches, evictions from small tables, expiry on a clock
 * that jumps, gaps in a CPU's seq. The counts must add up after every
 * record, and each record's --events line must be one line of JSON naming
 * a known kind.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "core.h"

/* Small tables: full ones, evictions and overflow within a few records. */
#define FUZZ_ACK_CAPACITY	4
#define FUZZ_MAX_CALLS		4
#define FUZZ_MAX_TARGETS	4
#define FUZZ_TIMEOUT_NS		1000
#define FUZZ_MAX_SUSPECTS	4

static void check_matcher(const struct ack_matcher *m)
{
	const struct ack_missed *missed[ACK_DEFAULT_MISSED_KEEP + 1];
	struct ack_stats s;
	size_t n;

	ack_matcher_stats(m, &s);
	/* every transaction is pending, or matched, missing, unverified or
	 * evicted once */
	REQUIRE(s.invite_2xx == s.matched + s.missing + s.unverified + s.pending + s.evicted);
	REQUIRE(s.late <= s.missing);
	REQUIRE(s.pending <= s.table_entries && s.table_entries <= s.table_capacity);
	REQUIRE(s.table_capacity == FUZZ_ACK_CAPACITY);
	REQUIRE(s.delay_count == s.matched);
	for (int i = 1; i < ACK_DELAY_BUCKETS; i++)
		REQUIRE(s.delay_buckets[i - 1] <= s.delay_buckets[i]);
	REQUIRE(s.delay_buckets[ACK_DELAY_BUCKETS - 1] <= s.delay_count);
	n = ack_matcher_missed(m, missed, ACK_DEFAULT_MISSED_KEEP + 1);
	REQUIRE(n <= ACK_DEFAULT_MISSED_KEEP && n <= s.missing);
	for (size_t i = 0; i < n; i++)
		REQUIRE(strlen(missed[i]->call_id) <= ACK_CALL_ID_MAX);
}

static void check_calls(const struct call_tracker *t)
{
	struct call_stats s;

	call_tracker_stats(t, &s);
	REQUIRE(s.calls_entries <= s.calls_capacity && s.calls_capacity == FUZZ_MAX_CALLS);
	REQUIRE(s.requests_entries <= s.requests_capacity);
	for (unsigned int id = 0; id < call_tracker_peer_count(t); id++) {
		const struct call_peer_stats *p = call_tracker_peer(t, id);
		__u64 attempts = 0, outcomes = 0;

		for (int d = 0; d < CALL_DIRECTIONS; d++) {
			attempts += p->attempts[d];
			for (int o = 0; o < CALL_OUTCOMES; o++)
				outcomes += p->outcomes[d][o];
		}
		/* a call has one outcome at most; evicted ones have none */
		REQUIRE(outcomes <= attempts);
		REQUIRE(p->completed <= p->outcomes[CALL_INBOUND][CALL_ANSWERED] +
					p->outcomes[CALL_OUTBOUND][CALL_ANSWERED]);
		REQUIRE(p->cancels_answered <= p->cancels);
	}
}

/* The --events line: `{"time_ns": N, "kind": "K", ...}` and a line end. */
static void check_trace(const char *line, size_t len)
{
	static const char *const kinds[] = { "invite_2xx", "ack", "redirect", "request",
					     "response", "other" };
	static const char kind_key[] = "\"kind\": \"";
	const char *kind;
	bool known = false;

	REQUIRE(len >= 2 && line[0] == '{' && strcmp(line + len - 2, "}\n") == 0);
	/* the strings are escaped: no control character but the line end */
	for (size_t i = 0; i + 1 < len; i++)
		REQUIRE((unsigned char)line[i] >= 0x20);
	kind = strstr(line, kind_key);
	REQUIRE(kind);
	kind += strlen(kind_key);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		known |= strncmp(kind, kinds[i], strlen(kinds[i])) == 0 &&
			 kind[strlen(kinds[i])] == '"';
	if (!known)
		fprintf(stderr, "trace line: %s", line);
	REQUIRE(known);
}

static void check_redirects(const struct redirect_table *t)
{
	const struct redirect_entry *e;
	size_t n;

	e = redirect_table_entries(t, &n);
	REQUIRE(n <= FUZZ_MAX_TARGETS);
	for (size_t i = 0; i < n; i++)
		REQUIRE(e[i].target_len > 0 && e[i].target_len <= REDIRECT_TARGET_MAX &&
			strlen(e[i].target) == e[i].target_len);
}

/* The suspect table at its bounds, its flagged sources among its entries,
 * each with a reason and no more evidence than the table counted. */
static void check_suspects(const struct suspect_table *t)
{
	const struct suspect_source *flagged[FUZZ_MAX_SUSPECTS + 1];
	struct suspect_stats s;
	size_t n;

	suspect_table_stats(t, &s);
	REQUIRE(s.capacity == FUZZ_MAX_SUSPECTS && s.entries <= s.capacity);
	REQUIRE(s.flagged <= s.entries);
	REQUIRE(s.pending_entries <= s.pending_capacity);
	n = suspect_table_flagged(t, flagged, FUZZ_MAX_SUSPECTS + 1);
	REQUIRE(n == s.flagged);
	for (size_t i = 0; i < n; i++) {
		REQUIRE(flagged[i]->flagged && flagged[i]->flagged < 1u << SUSPECT_REASONS);
		REQUIRE(flagged[i]->first_seen_ns <= flagged[i]->last_seen_ns);
		REQUIRE(strlen(flagged[i]->user_agent) == flagged[i]->user_agent_len);
		for (int k = 0; k < SUSPECT_REASONS; k++)
			REQUIRE(flagged[i]->events[k] <= s.events[k]);
		/* the reasons it has are the ones it has evidence of */
		for (int k = 0; k < SUSPECT_REASONS; k++)
			if (flagged[i]->flagged & (1u << k))
				REQUIRE(flagged[i]->events[k] > 0);
	}
}

static void check_records(const struct core_records *r, __u64 records)
{
	REQUIRE(r->handled + r->invalid == records);
	REQUIRE(r->gap_records >= r->gaps);
	REQUIRE(r->gaps <= r->handled);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core core;
	struct core_opts opts = {
		.ack_capacity = FUZZ_ACK_CAPACITY,
		.ack_timeout_ns = FUZZ_TIMEOUT_NS,
		.max_calls = FUZZ_MAX_CALLS,
		.max_redirect_targets = FUZZ_MAX_TARGETS,
		.max_suspects = FUZZ_MAX_SUSPECTS,
		/* low thresholds: a few records flag */
		.suspect_auth_failures = 2,
		.suspect_users = 2,
	};
	__u64 records = 0;

	REQUIRE(core_init(&core, NULL, &opts, CORE_CLOCK_EVENTS) == 0);
	while (size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8, trace_len = 0;
		char *line = NULL;
		void *record;
		bool handled;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		/* A copy the record's exact size: ASan sees a read past its end. */
		record = malloc(len ? len : 1);
		REQUIRE(record);
		memcpy(record, data, len);
		data += len;
		size -= len;
		core.trace = open_memstream(&line, &trace_len);
		REQUIRE(core.trace);
		handled = core_handle_record(&core, record, len);
		REQUIRE(fclose(core.trace) == 0);
		core.trace = NULL;
		records++;
		/* a line for each record handled, none for one ignored */
		if (handled)
			check_trace(line, trace_len);
		else
			REQUIRE(trace_len == 0);
		free(line);
		free(record);
		check_records(&core.records, records);
		check_matcher(core.acks);
		check_calls(core.calls);
		check_redirects(core.redirects);
		check_suspects(core.suspects);
	}
	/* the end of a replay: every timeout runs out */
	core_set_time(&core, core.last_event_ns);
	REQUIRE(core_finish(&core) == 0);
	check_matcher(core.acks);
	check_calls(core.calls);
	check_suspects(core.suspects);
	core_destroy(&core);
	return 0;
}
