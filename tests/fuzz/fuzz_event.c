// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ring-buffer records as the agent drains them: each one read by
 * core_read_event, then fed, on its own time stamp, to the redirect table
 * (3xx) or the ACK matcher (the rest), as core.c's handle_event does. The
 * input is a run of records, each a little-endian 16-bit size and that many
 * bytes, so the matcher's state carries across them: retransmissions,
 * matches, evictions from a small table, expiry on a clock that jumps.
 * The matcher's counts must add up after every record, and each record's
 * --events line must be one line of JSON naming a known kind.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "ackmatch.h"
#include "core.h"
#include "redirects.h"

/* Small tables: full ones, evictions and overflow within a few records. */
#define FUZZ_ACK_CAPACITY	4
#define FUZZ_MISSED_KEEP	3
#define FUZZ_MAX_TARGETS	4
#define FUZZ_TIMEOUT_NS		1000

static void check_matcher(const struct ack_matcher *m)
{
	const struct ack_missed *missed[FUZZ_MISSED_KEEP + 1];
	struct ack_stats s;
	size_t n;

	ack_matcher_stats(m, &s);
	/* every transaction is pending, or matched, missing or evicted once */
	REQUIRE(s.invite_2xx == s.matched + s.missing + s.pending + s.evicted);
	REQUIRE(s.late <= s.missing);
	REQUIRE(s.pending <= s.table_entries && s.table_entries <= s.table_capacity);
	REQUIRE(s.table_capacity == FUZZ_ACK_CAPACITY);
	REQUIRE(s.delay_count == s.matched);
	for (int i = 1; i < ACK_DELAY_BUCKETS; i++)
		REQUIRE(s.delay_buckets[i - 1] <= s.delay_buckets[i]);
	REQUIRE(s.delay_buckets[ACK_DELAY_BUCKETS - 1] <= s.delay_count);
	n = ack_matcher_missed(m, missed, FUZZ_MISSED_KEEP + 1);
	REQUIRE(n <= FUZZ_MISSED_KEEP && n <= s.missing);
	for (size_t i = 0; i < n; i++)
		REQUIRE(strlen(missed[i]->call_id) <= SIPXDP_CALLID_LEN);
}

/* The --events line of ev: `{"time_ns": N, "kind": "K", ...}` and a line end. */
static void check_trace(const struct sipxdp_event *ev)
{
	static const char *const kinds[] = { "invite_2xx", "ack", "redirect", "?" };
	static const char kind_key[] = "\"kind\": \"";
	char *line = NULL, *kind;
	size_t len = 0;
	FILE *out = open_memstream(&line, &len);
	bool known = false;

	REQUIRE(out);
	core_trace_event(out, ev, ev->ts_ns);
	REQUIRE(fclose(out) == 0);
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
	free(line);
}

static void check_redirects(const struct redirect_table *t)
{
	const struct redirect_entry *e;
	size_t n;

	e = redirect_table_entries(t, &n);
	REQUIRE(n <= FUZZ_MAX_TARGETS);
	for (size_t i = 0; i < n; i++)
		REQUIRE(e[i].target_len <= REDIRECT_TARGET_MAX &&
			strlen(e[i].target) == e[i].target_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ack_matcher_opts opts = {
		.capacity = FUZZ_ACK_CAPACITY,
		.timeout_ns = FUZZ_TIMEOUT_NS,
		.missed_keep = FUZZ_MISSED_KEEP,
	};
	struct ack_matcher *acks = ack_matcher_new(&opts);
	struct redirect_table *redirects = redirect_table_new(FUZZ_MAX_TARGETS, 0);
	__u64 last_ns = 0;

	REQUIRE(acks && redirects);
	while (size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		struct sipxdp_event ev;
		void *record;

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
		if (core_read_event(record, len, &ev)) {
			REQUIRE(len >= SIPXDP_EVENT_SIZE(ev.call_id_len, ev.contact_len));
			REQUIRE(ev.call_id_len <= SIPXDP_CALLID_LEN);
			/* no more Contact bytes than the field holds (sipxdp.h) */
			REQUIRE(ev.contact_len <= SIPXDP_CONTACT_LEN);
			check_trace(&ev);
			if (ev.kind == SIPXDP_EV_REDIRECT)
				redirect_table_feed(redirects, &ev, ev.ts_ns);
			else
				ack_matcher_feed(acks, &ev, ev.ts_ns);
			last_ns = ev.ts_ns;
			check_matcher(acks);
			check_redirects(redirects);
		}
		free(record);
	}
	/* the end of a replay: every timeout runs out */
	ack_matcher_expire(acks, last_ns + FUZZ_TIMEOUT_NS + ACK_REMEMBER_NS);
	check_matcher(acks);
	ack_matcher_free(acks);
	redirect_table_free(redirects);
	return 0;
}
