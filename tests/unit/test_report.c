// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-source table of the reports: the busiest sources only unless all
 * are asked for, with how many there are in all, so that a flood of spoofed
 * addresses does not make a report of megabytes; and the ranking the table
 * and `top` share (snapshot_top_sources).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include "report.h"
#include "sipevent.h"
#include "snapshot.h"
#include "testlib.h"

#define N_ADDRS	1000

/* N_ADDRS addresses 10.0.x.y, address a answering 200 (a % 37 + 1) times and
 * 486 once (so two rows each), sorted as snapshot_read leaves them. */
struct fixture {
	struct snapshot snap;
	struct source_row rows[2 * N_ADDRS];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	for (unsigned int a = 0; a < N_ADDRS; a++) {
		struct sipxdp_addr addr = { .family = AF_INET };

		addr.bytes[0] = 10;
		addr.bytes[2] = (__u8)(a >> 8);
		addr.bytes[3] = (__u8)a;
		f->rows[2 * a] = (struct source_row){ addr, 200, a % 37 + 1 };
		f->rows[2 * a + 1] = (struct source_row){ addr, 486, 1 };
	}
	f->snap.sources = f->rows;
	f->snap.n_sources = 2 * N_ADDRS;
	f->snap.sources_capacity = 65536;
	f->snap.responses_capacity = 4096;
}

static char *render(const struct report *r, bool json)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	if (!out)
		return NULL;
	(json ? report_json : report_text)(out, r);
	fclose(out);
	return buf;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Address a answers 200 a % 37 + 1 times: the busiest are a = 36, 73, 110,
 * ... (37 + 1 responses of 200 plus one 486), lowest address first. */
static void json_lists_the_busiest(void)
{
	struct fixture f;
	struct report r = { .snap = &f.snap, .sources_listed = REPORT_DEFAULT_SOURCES };
	char *text;

	fixture_init(&f);
	text = render(&r, true);
	CHECK(text);
	if (!text)
		return;
	CHECK_EQ(count_of(text, "{\"addr\": "), REPORT_DEFAULT_SOURCES);
	CHECK(strstr(text, "\"sources_total\": 1000,"));
	CHECK(strstr(text, "\"maps\": {\"sources\": {\"entries\": 2000, \"capacity\": 65536"));
	/* busiest first, ties by address */
	CHECK(strstr(text, "\"sources\": [\n  {\"addr\": \"10.0.0.36\", \"responses\": "
			   "{\"1xx\": 0, \"2xx\": 37, \"3xx\": 0, \"4xx\": 1, \"5xx\": 0, "
			   "\"6xx\": 0}, \"codes\": {\"200\": 37, \"486\": 1}, \"requests\": {}},\n  "
			   "{\"addr\": \"10.0.0.73\""));
	CHECK(!strstr(text, "\"10.0.0.35\""));
	free(text);
}

static void json_lists_all_when_asked(void)
{
	struct fixture f;
	struct report r = { .snap = &f.snap, .sources_listed = 0 };
	char *text;

	fixture_init(&f);
	text = render(&r, true);
	CHECK(text);
	if (!text)
		return;
	CHECK_EQ(count_of(text, "{\"addr\": "), N_ADDRS);
	CHECK(strstr(text, "\"sources_total\": 1000,"));
	/* in address order */
	CHECK(strstr(text, "\"sources\": [\n  {\"addr\": \"10.0.0.0\""));
	free(text);
}

static void json_no_sources(void)
{
	struct fixture f;
	struct report r = { .snap = &f.snap, .sources_listed = REPORT_DEFAULT_SOURCES };
	char *text;

	fixture_init(&f);
	f.snap.n_sources = 0;
	text = render(&r, true);
	CHECK(text);
	if (text)
		CHECK(strstr(text, "\"sources\": [],\n\"sources_total\": 0,\n"));
	free(text);
}

static void text_lists_the_busiest(void)
{
	struct fixture f;
	struct report r = { .snap = &f.snap, .sources_listed = 5 };
	char *text;

	fixture_init(&f);
	text = render(&r, false);
	CHECK(text);
	if (!text)
		return;
	CHECK_EQ(count_of(text, "\n10.0."), 5);
	CHECK(strstr(text, "\n10.0.0.36 "));
	CHECK(strstr(text, "(the 5 busiest of 1000 sources: --all-sources lists every one)\n"));
	free(text);
	r.sources_listed = 0;
	text = render(&r, false);
	CHECK(text);
	if (text) {
		CHECK_EQ(count_of(text, "\n10.0."), N_ADDRS);
		CHECK(!strstr(text, "busiest"));
	}
	free(text);
}

/* The ranking against a full sort, by total and by one class. */
static void top_sources_ranks_like_a_sort(void)
{
	struct fixture f;
	struct source_total top[50], t;
	struct source_cursor cur = { 0 };
	size_t n_all = 0, n, wrong = 0;
	__u64 prev = ~0ull;

	fixture_init(&f);
	n = snapshot_top_sources(&f.snap, -1, top, 50, &n_all);
	CHECK_EQ(n, 50);
	CHECK_EQ(n_all, N_ADDRS);
	for (size_t i = 0; i < n; i++) {
		wrong += top[i].total > prev;
		prev = top[i].total;
	}
	CHECK_EQ(wrong, 0);
	/* a % 37 == 36 for a = 36, 73, ..., 998: 27 addresses with 38 */
	CHECK_EQ(top[0].total, 38);
	CHECK_EQ(top[26].total, 38);
	CHECK_EQ(top[27].total, 37);
	CHECK_EQ(top[49].total, 37);
	CHECK_EQ(top[0].n_rows, 2);
	/* by 4xx: every address has 1, so the lowest addresses win */
	n = snapshot_top_sources(&f.snap, 3, top, 3, NULL);
	CHECK_EQ(n, 3);
	CHECK_EQ(top[0].addr.bytes[3], 0);
	CHECK_EQ(top[2].addr.bytes[3], 2);
	/* more asked for than there are */
	f.snap.n_sources = 6;
	n = snapshot_top_sources(&f.snap, -1, top, 50, &n_all);
	CHECK_EQ(n, 3);
	CHECK_EQ(n_all, 3);
	CHECK_EQ(top[0].addr.bytes[3], 2);
	/* the walk */
	n = 0;
	while (snapshot_next_source(&f.snap, &cur, &t))
		n += t.n_rows == 2 && t.by_class[3] == 1;
	CHECK_EQ(n, 3);
}

/*
 * Requests share the per-source map with responses (a method below 100 in
 * the code's place): they are read apart, never shown as a code, walked
 * with the responses of the same address, and a source that only sent
 * requests is listed with them and ranks after every source that answered.
 */
static void requests_beside_responses(void)
{
	struct fixture f;
	struct source_row req[3];
	struct report r = { .snap = &f.snap, .sources_listed = 0 };
	struct source_cursor cur = { 0 };
	struct source_total t, top[3];
	const struct source_row *rows;
	size_t n;
	char *text;

	fixture_init(&f);
	f.snap.n_sources = 4;		/* 10.0.0.0 and 10.0.0.1 */
	req[0] = (struct source_row){ f.rows[0].addr, SIPXDP_M_INVITE, 7 };
	req[1] = (struct source_row){ f.rows[0].addr, SIPXDP_M_REGISTER, 2 };
	req[2] = (struct source_row){ f.rows[0].addr, SIPXDP_M_ACK, 1 };
	req[2].addr.bytes[3] = 9;	/* 10.0.0.9: requests only */
	f.snap.source_requests = req;
	f.snap.n_source_requests = 3;
	CHECK_EQ(snapshot_source_entries(&f.snap), 7);
	CHECK(snapshot_next_source(&f.snap, &cur, &t));
	CHECK_EQ(t.addr.bytes[3], 0);
	CHECK_EQ(t.n_rows, 2);
	CHECK_EQ(t.total, 2);
	CHECK_EQ(t.n_requests, 2);
	CHECK_EQ(t.requests_total, 9);
	CHECK(snapshot_next_source(&f.snap, &cur, &t));
	CHECK_EQ(t.addr.bytes[3], 1);
	CHECK_EQ(t.n_requests, 0);
	CHECK(snapshot_next_source(&f.snap, &cur, &t));
	CHECK_EQ(t.addr.bytes[3], 9);
	CHECK_EQ(t.n_rows, 0);
	CHECK_EQ(t.total, 0);
	CHECK_EQ(t.requests_total, 1);
	CHECK(!snapshot_next_source(&f.snap, &cur, &t));
	/* 10.0.0.1 answered 3 times, 10.0.0.0 twice, 10.0.0.9 never */
	CHECK_EQ(snapshot_top_sources(&f.snap, -1, top, 3, NULL), 3);
	CHECK_EQ(top[0].addr.bytes[3], 1);
	CHECK_EQ(top[1].addr.bytes[3], 0);
	CHECK_EQ(top[2].addr.bytes[3], 9);
	rows = snapshot_source_requests(&f.snap, &f.rows[0].addr, &n);
	CHECK_EQ(n, 2);
	CHECK(rows == &req[0]);
	rows = snapshot_source_requests(&f.snap, &f.rows[2].addr, &n);
	CHECK_EQ(n, 0);
	CHECK(!rows);
	text = render(&r, true);
	CHECK(text);
	if (text) {
		CHECK(strstr(text, "\"codes\": {\"200\": 1, \"486\": 1}, "
				   "\"requests\": {\"INVITE\": 7, \"REGISTER\": 2}}"));
		CHECK(strstr(text, "{\"addr\": \"10.0.0.9\", \"responses\": {\"1xx\": 0, "
				   "\"2xx\": 0, \"3xx\": 0, \"4xx\": 0, \"5xx\": 0, \"6xx\": 0}, "
				   "\"codes\": {}, \"requests\": {\"ACK\": 1}}"));
		CHECK(strstr(text, "\"sources_total\": 3,"));
		CHECK(strstr(text, "\"maps\": {\"sources\": {\"entries\": 7,"));
		/* no method ever reads as a code */
		CHECK(!strstr(text, "\"1\": ") && !strstr(text, "\"5\": "));
	}
	free(text);
}

static void top_report_lists_n(void)
{
	struct fixture f;
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	fixture_init(&f);
	CHECK(out);
	if (!out)
		return;
	report_top(out, &f.snap, -1, 3);
	fclose(out);
	CHECK_EQ(count_of(buf, "\n10.0."), 3);
	CHECK(strstr(buf, "\n10.0.0.36 "));
	free(buf);
}

/* A message of a call between 10.0.0.1 and 10.0.0.2, from source to the other. */
static void feed_text(struct call_tracker *t, const char *source, const char *text,
		      __u64 now_ns)
{
	static struct test_message m;
	struct sip_event ev = *test_event(&m, source, text, strlen(text));

	inet_pton(AF_INET, strcmp(source, "10.0.0.1") ? "10.0.0.1" : "10.0.0.2", ev.daddr.bytes);
	ev.daddr.family = AF_INET;
	call_tracker_feed(t, &ev, now_ns);
}

/* calls[]: the causes seen, by protocol then cause, who hung up, the identity. */
static void json_calls_causes(void)
{
	struct call_tracker *t = call_tracker_new(NULL);
	struct report r = { .calls = t };
	char *text;

	CHECK(t);
	if (!t)
		return;
	feed_text(t, "10.0.0.1", "INVITE sip:b@x SIP/2.0\r\nCall-ID: c@x\r\nCSeq: 1 INVITE\r\n"
		  "To: <sip:b@x>\r\nFrom: <sip:a@x;verstat=TN-Validation-Failed>;tag=f\r\n\r\n",
		  1000000000ull);
	feed_text(t, "10.0.0.2", "SIP/2.0 200 OK\r\nCall-ID: c@x\r\nCSeq: 1 INVITE\r\n"
		  "To: <sip:b@x>;tag=t\r\n\r\n", 1100000000ull);
	feed_text(t, "10.0.0.1", "BYE sip:b@x SIP/2.0\r\nCall-ID: c@x\r\nCSeq: 2 BYE\r\n"
		  "To: <sip:b@x>;tag=t\r\n"
		  "Reason: SIP;cause=480, Q.850;cause=16;text=\"bye\", Q.850;cause=16\r\n\r\n",
		  2000000000ull);
	text = render(&r, true);
	CHECK(text);
	if (text) {
		CHECK(strstr(text, "\"ended_by\": {\"caller\": 1, \"callee\": 0}"));
		CHECK(strstr(text, "\"causes\": [{\"protocol\": \"q850\", \"cause\": 16, "
				   "\"count\": 2}, {\"protocol\": \"sip\", \"cause\": 480, "
				   "\"count\": 1}]"));
		CHECK(strstr(text, "\"identity\": {\"A\": 0, \"B\": 0, \"C\": 0, \"none\": 1, "
				   "\"unreadable\": 0}"));
		CHECK(strstr(text, "\"verstat\": {\"TN-Validation-Passed\": 0, "
				   "\"TN-Validation-Failed\": 1, \"No-TN-Validation\": 0, "
				   "\"other\": 0}"));
	}
	free(text);
	call_tracker_free(t);
}

TEST_MAIN("report",
	  TEST(json_calls_causes),
	  TEST(json_lists_the_busiest),
	  TEST(json_lists_all_when_asked),
	  TEST(json_no_sources),
	  TEST(text_lists_the_busiest),
	  TEST(top_sources_ranks_like_a_sort),
	  TEST(requests_beside_responses),
	  TEST(top_report_lists_n))
