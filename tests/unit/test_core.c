// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The core's handling of one ring-buffer record, without a kernel: reading
 * it (core_read_event) and its --events line (core_trace_event). Records
 * are trusted no more than the packets they came from.
 */
#include <stdbool.h>
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
		{ SIPXDP_EV_REQUEST, "\"kind\": \"request\"" },
		{ SIPXDP_EV_RESPONSE, "\"kind\": \"response\"" },
		{ SIPXDP_EV_KIND_MAX, "\"kind\": \"?\"" },
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

/* A record of size bytes holding ev's first size bytes. */
static bool read_record(const struct sipxdp_event *ev, size_t size, struct sipxdp_event *out)
{
	/* exactly size bytes, so a read past them is a heap overflow under ASan */
	void *record = malloc(size ? size : 1);
	bool ok;

	memcpy(record, ev, size < sizeof(*ev) ? size : sizeof(*ev));
	ok = core_read_event(record, size, out);
	free(record);
	return ok;
}

static void test_read_event_sizes(void)
{
	static const struct {
		size_t size;
		__u16 call_id_len;
		__u16 contact_len;
		bool ok;
	} rows[] = {
		{ SIPXDP_EVENT_SIZE(0, 0), 0, 0, true },
		{ SIPXDP_EVENT_SIZE(0, 0) - 1, 0, 0, false },	/* cut before Call-ID */
		/* without Contact bytes a record ends after its Call-ID's */
		{ SIPXDP_EVENT_SIZE(9, 0), 9, 0, true },
		{ SIPXDP_EVENT_SIZE(9, 0), 10, 0, false },	/* claims a byte it lacks */
		{ SIPXDP_EVENT_SIZE(9, 0), 8, 0, true },	/* a byte to spare */
		{ SIPXDP_EVENT_SIZE(SIPXDP_CALLID_LEN, 0), SIPXDP_CALLID_LEN + 1, 0, false },
		/* with them, after the Contact bytes, the whole Call-ID slot sent */
		{ SIPXDP_EVENT_SIZE(9, 5), 9, 5, true },
		{ SIPXDP_EVENT_SIZE(9, 5), 9, 6, false },
		{ SIPXDP_EVENT_SIZE(9, 0), 9, 5, false },	/* Contact bytes it lacks */
		{ SIPXDP_EVENT_SIZE(0, SIPXDP_CONTACT_LEN), 0, SIPXDP_CONTACT_LEN, true },
		{ sizeof(struct sipxdp_event), SIPXDP_CALLID_LEN, SIPXDP_CONTACT_LEN, true },
		/* found by fuzz_event: a whole-struct record passed with a
		 * contact_len past the field */
		{ sizeof(struct sipxdp_event), 0, SIPXDP_CONTACT_LEN + 1, false },
		{ sizeof(struct sipxdp_event) + 1, 0, 0, false },	/* larger than any */
		{ 0, 0, 0, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sipxdp_event ev = event_of_kind(SIPXDP_EV_REDIRECT), out;
		bool ok;

		memset(ev.contact, 'c', sizeof(ev.contact));
		memset(ev.call_id, 'i', sizeof(ev.call_id));
		ev.call_id_len = rows[i].call_id_len;
		ev.contact_len = rows[i].contact_len;
		ok = read_record(&ev, rows[i].size, &out);
		CHECK_EQ(ok, rows[i].ok);
		if (ok != rows[i].ok)
			fprintf(stderr, "  row %zu: size %zu, call_id_len %u, contact_len %u\n",
				i, rows[i].size, rows[i].call_id_len, rows[i].contact_len);
		if (ok && rows[i].size < sizeof(out)) {
			/* the bytes past the record read as zero */
			CHECK_EQ(out.contact_len, rows[i].contact_len);
			CHECK_EQ(((const char *)&out)[rows[i].size], 0);
		}
	}
}

TEST_MAIN("core",
	  TEST(test_read_event_sizes),
	  TEST(test_trace_kind_names))
