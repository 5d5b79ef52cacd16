// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The core's handling of one ring-buffer record, without a kernel: reading
 * it (core_read_event) and its --events line (core_trace_event). Records
 * are trusted no more than the packets they came from.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include "core.h"
#include "testlib.h"

static struct sipxdp_event event_of_kind(__u8 kind)
{
	struct sipxdp_event ev = {
		.ts_ns = 7,
		.saddr = { .bytes = { 192, 0, 2, 1 }, .family = AF_INET },
		.daddr = { .bytes = { 192, 0, 2, 2 }, .family = AF_INET },
		.kind = kind,
		.call_id_len = 3,
		.call_id = "a@b",
	};

	return ev;
}

/* The --events line of ev, NUL-terminated; free() it. */
static char *trace_line(const struct sipxdp_event *ev)
{
	char *line = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&line, &len);

	if (!out)
		return NULL;
	core_trace_event(out, ev, ev->ts_ns);
	fclose(out);
	return line;
}

static void test_trace_kind_names(void)
{
	static const struct {
		__u8 kind;
		const char *want;
	} rows[] = {
		{ SIPXDP_EV_INVITE_2XX, "\"kind\": \"invite_2xx\"" },
		{ SIPXDP_EV_ACK, "\"kind\": \"ack\"" },
		{ SIPXDP_EV_REDIRECT, "\"kind\": \"redirect\"" },
		/* found by fuzz_event: kind 0 is below the table's first name,
		 * and printed "(null)" through a NULL %s */
		{ 0, "\"kind\": \"?\"" },
		{ SIPXDP_EV_REDIRECT + 1, "\"kind\": \"?\"" },
		{ 255, "\"kind\": \"?\"" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sipxdp_event ev = event_of_kind(rows[i].kind);
		char *line = trace_line(&ev);

		CHECK(line && strstr(line, rows[i].want));
		if (line && !strstr(line, rows[i].want))
			fprintf(stderr, "  kind %u: %s", rows[i].kind, line);
		free(line);
	}
}

TEST_MAIN("core",
	  TEST(test_trace_kind_names))
