// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include "report.h"
#include "sipevent.h"
#include "suspects.h"
#include "testlib.h"

#define SEC	1000000000ull
#define SCANNER	"192.0.2.66"
#define PBX	"198.51.100.1"

static struct test_message msg;

/* text (a start line, then headers) sent from `from` to `to` at now_s. */
static void feed(struct suspect_table *t, const char *from, const char *to, const char *text,
		 __u64 now_s)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s\r\nContent-Length: 0\r\n\r\n", text);

	test_event(&msg, from, buf, (size_t)n);
	inet_pton(AF_INET, to, msg.rec.daddr.bytes);
	msg.rec.daddr.family = AF_INET;
	sip_event_build(&msg.ev, &msg.rec, &msg.msg);
	suspect_table_feed(t, &msg.ev, now_s * SEC);
}

/* A REGISTER (with credentials or not) from SCANNER to PBX, and the code
 * PBX answers it with; all with one Call-ID and CSeq, as svcrack sends them. */
static void guess(struct suspect_table *t, bool credentials, unsigned int code, __u64 now_s)
{
	char text[512];

	snprintf(text, sizeof(text), "REGISTER sip:pbx SIP/2.0\r\nCall-ID: crack@x\r\n"
		 "CSeq: 1 REGISTER\r\n%s", credentials ?
		 "Authorization: Digest username=\"100\", response=\"0\"" : "Max-Forwards: 70");
	feed(t, SCANNER, PBX, text, now_s);
	snprintf(text, sizeof(text), "SIP/2.0 %u No\r\nCall-ID: crack@x\r\nCSeq: 1 REGISTER", code);
	feed(t, PBX, SCANNER, text, now_s);
}

static struct suspect_stats stats_of(const struct suspect_table *t)
{
	struct suspect_stats s;

	suspect_table_stats(t, &s);
	return s;
}

static void scanner_user_agents_in_any_case(void)
{
	static const char *const scanners[] = {
		"friendly-scanner", "sipvicious 0.3.3", "SIPCLI/v1.8", "VaxSIPUserAgent/3.1",
		"sundayddr", "x FRIENDLY-SCANNER", "pplsip",
	};
	static const char *const others[] = {
		"", "Linphone/5.2", "Asterisk PBX 20.1", "SIPp", "friendly-scanne", "sip cli",
	};

	for (size_t i = 0; i < sizeof(scanners) / sizeof(scanners[0]); i++)
		CHECK(suspect_scanner_user_agent(scanners[i], strlen(scanners[i])));
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CHECK(!suspect_scanner_user_agent(others[i], strlen(others[i])));
}

static void scanner_flagged_at_its_first_request(void)
{
	struct suspect_table *t = suspect_table_new(0);
	const struct suspect_source *s;

	/* The Server header of a response is not the sender's User-Agent. */
	feed(t, PBX, SCANNER, "SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nServer: friendly-scanner", 1);
	CHECK_EQ(stats_of(t).entries, 0);
	feed(t, SCANNER, PBX, "OPTIONS sip:100@pbx SIP/2.0\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\n"
	     "User-Agent: friendly-scanner", 2);
	feed(t, SCANNER, PBX, "INVITE sip:101@pbx SIP/2.0\r\nCall-ID: b\r\nCSeq: 1 INVITE\r\n"
	     "User-Agent: friendly-scanner", 3);
	CHECK_EQ(stats_of(t).flagged, 1);
	CHECK_EQ(stats_of(t).events[SUSPECT_SCANNER_USER_AGENT], 2);
	CHECK_EQ(suspect_table_flagged(t, &s, 1), 1);
	CHECK_EQ(s->flagged, 1u << SUSPECT_SCANNER_USER_AGENT);
	CHECK_EQ(s->events[SUSPECT_SCANNER_USER_AGENT], 2);
	CHECK_STR(s->user_agent, "friendly-scanner");
	CHECK_EQ(s->first_seen_ns, 2 * SEC);
	CHECK_EQ(s->last_seen_ns, 3 * SEC);
	suspect_table_free(t);
}

static void challenge_to_first_request_never_fails(void)
{
	struct suspect_table *t = suspect_table_new(0);

	for (int i = 0; i < 50; i++) {
		guess(t, false, 401, (__u64)i);
		guess(t, false, 407, (__u64)i);
	}
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 0);
	CHECK_EQ(stats_of(t).entries, 0);
	suspect_table_free(t);
}

/* svcrack: the challenge, then guesses on the same Call-ID and CSeq, each
 * 401 a failure; flagged at the SUSPECT_AUTH_FAILURES_MIN-th. */
static void failed_guesses_counted_per_message(void)
{
	struct suspect_table *t = suspect_table_new(0);
	const struct suspect_source *s;

	guess(t, false, 401, 0);
	for (int i = 1; i < SUSPECT_AUTH_FAILURES_MIN; i++)
		guess(t, true, 401, 1);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], SUSPECT_AUTH_FAILURES_MIN - 1);
	CHECK_EQ(stats_of(t).flagged, 0);
	guess(t, true, 401, 2);
	CHECK_EQ(stats_of(t).flagged, 1);
	CHECK_EQ(suspect_table_flagged(t, &s, 1), 1);
	CHECK_EQ(s->flagged, 1u << SUSPECT_AUTH_FAILURES);
	CHECK_EQ(s->events[SUSPECT_AUTH_FAILURES], SUSPECT_AUTH_FAILURES_MIN);
	CHECK_EQ(s->user_agent_len, 0);
	suspect_table_free(t);
}

static void forbidden_counts_whatever_the_request(void)
{
	struct suspect_table *t = suspect_table_new(0);

	for (int i = 0; i < SUSPECT_AUTH_FAILURES_MIN; i++)
		feed(t, PBX, SCANNER, "SIP/2.0 403 Forbidden\r\nCall-ID: f\r\nCSeq: 1 INVITE", 1);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], SUSPECT_AUTH_FAILURES_MIN);
	CHECK_EQ(stats_of(t).flagged, 1);
	suspect_table_free(t);
}

/* A 401 is a failed guess only for the request with credentials: same
 * Call-ID, CSeq and requester. */
static void challenge_of_another_request_not_a_failure(void)
{
	struct suspect_table *t = suspect_table_new(0);

	feed(t, SCANNER, PBX, "REGISTER sip:pbx SIP/2.0\r\nCall-ID: c\r\nCSeq: 2 REGISTER\r\n"
	     "Proxy-Authorization: Digest username=\"100\"", 1);
	feed(t, PBX, SCANNER, "SIP/2.0 407 Auth\r\nCall-ID: c\r\nCSeq: 3 REGISTER", 1);
	feed(t, PBX, SCANNER, "SIP/2.0 407 Auth\r\nCall-ID: d\r\nCSeq: 2 REGISTER", 1);
	feed(t, PBX, "203.0.113.9", "SIP/2.0 407 Auth\r\nCall-ID: c\r\nCSeq: 2 REGISTER", 1);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 0);
	feed(t, PBX, SCANNER, "SIP/2.0 407 Auth\r\nCall-ID: c\r\nCSeq: 2 REGISTER", 1);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 1);
	/* 64*T1 later the request is forgotten: a late 407 is no guess of it. */
	suspect_table_expire(t, 40 * SEC);
	feed(t, PBX, SCANNER, "SIP/2.0 407 Auth\r\nCall-ID: c\r\nCSeq: 2 REGISTER", 40);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 1);
	suspect_table_free(t);
}

/* A stale nonce now and then, over hours, is not a brute force. */
static void failures_spread_out_not_flagged(void)
{
	struct suspect_table *t = suspect_table_new(0);

	for (int i = 0; i < 3 * SUSPECT_AUTH_FAILURES_MIN; i++)
		guess(t, true, 401, (__u64)i * 61);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 3 * SUSPECT_AUTH_FAILURES_MIN);
	CHECK_EQ(stats_of(t).flagged, 0);
	suspect_table_free(t);
}

/* A flood of spoofed sources, one 403 each, churns among the unflagged:
 * the flagged scanner stays. */
static void flood_does_not_push_out_flagged(void)
{
	struct suspect_table *t = suspect_table_new(4);
	const struct suspect_source *s[4];
	char addr[32];

	feed(t, SCANNER, PBX, "OPTIONS sip:pbx SIP/2.0\r\nUser-Agent: sipvicious", 1);
	for (int i = 0; i < 1000; i++) {
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 250, i % 250 + 1);
		feed(t, PBX, addr, "SIP/2.0 403 Forbidden\r\nCSeq: 1 INVITE", 2);
	}
	CHECK_EQ(stats_of(t).entries, 4);
	CHECK_EQ(stats_of(t).evicted, 1000 - 3);
	CHECK_EQ(suspect_table_flagged(t, s, 4), 1);
	CHECK_EQ(s[0]->events[SUSPECT_SCANNER_USER_AGENT], 1);
	suspect_table_free(t);
}

static void sources_age_out(void)
{
	struct suspect_table *t = suspect_table_new(0);
	__u64 age_s = SUSPECT_MAX_AGE_NS / SEC;

	feed(t, SCANNER, PBX, "OPTIONS sip:pbx SIP/2.0\r\nUser-Agent: sipcli", 10);
	feed(t, PBX, SCANNER, "SIP/2.0 403 Forbidden\r\nCSeq: 1 INVITE", 15);
	feed(t, "192.0.2.67", PBX, "OPTIONS sip:pbx SIP/2.0\r\nUser-Agent: sipcli", 20);
	suspect_table_expire(t, (15 + age_s) * SEC);
	CHECK_EQ(stats_of(t).entries, 1);
	CHECK_EQ(stats_of(t).expired, 1);
	suspect_table_expire(t, (20 + age_s) * SEC);
	CHECK_EQ(stats_of(t).entries, 0);
	CHECK_EQ(stats_of(t).expired, 2);
	/* What was counted stays counted. */
	CHECK_EQ(stats_of(t).events[SUSPECT_SCANNER_USER_AGENT], 2);
	suspect_table_free(t);
}

/* `suspects --json`: the flagged source with its reasons and counts, its
 * User-Agent escaped; the unflagged one only in the table's counts. */
static void json_document(void)
{
	struct suspect_table *t = suspect_table_new(0);
	struct report r = { .suspects = t };
	char *buf = NULL;
	size_t size = 0;
	FILE *out;

	feed(t, SCANNER, PBX, "OPTIONS sip:pbx SIP/2.0\r\nUser-Agent: \"sipvicious\"\\x", 1);
	feed(t, PBX, "192.0.2.99", "SIP/2.0 403 Forbidden\r\nCSeq: 1 INVITE", 2);
	out = open_memstream(&buf, &size);
	report_suspects_json(out, &r);
	fclose(out);
	CHECK(strstr(buf, "{\"suspects\": [\n  {\"source\": \"192.0.2.66\", "
			  "\"reasons\": [\"scanner_user_agent\"], \"events\": "
			  "{\"scanner_user_agent\": 1, \"auth_failures\": 0}, "
			  "\"user_agent\": \"\\\"sipvicious\\\"\\\\x\", "
			  "\"first_seen\": \"1970-01-01T00:00:01Z\""));
	CHECK(!strstr(buf, "192.0.2.99"));
	CHECK(strstr(buf, "\n],\n\"events\": {\"scanner_user_agent\": 1, \"auth_failures\": 1},\n"
			  "\"entries\": 2, \"capacity\": 4096, \"evicted\": 0, \"expired\": 0}\n"));
	free(buf);
	suspect_table_free(t);
}

TEST_MAIN("suspects",
	  TEST(scanner_user_agents_in_any_case),
	  TEST(scanner_flagged_at_its_first_request),
	  TEST(challenge_to_first_request_never_fails),
	  TEST(failed_guesses_counted_per_message),
	  TEST(forbidden_counts_whatever_the_request),
	  TEST(challenge_of_another_request_not_a_failure),
	  TEST(failures_spread_out_not_flagged),
	  TEST(flood_does_not_push_out_flagged),
	  TEST(sources_age_out),
	  TEST(json_document))
