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
	struct suspect_table *t = suspect_table_new(NULL);
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
	struct suspect_table *t = suspect_table_new(NULL);

	for (int i = 0; i < 50; i++) {
		guess(t, false, 401, (__u64)i);
		guess(t, false, 407, (__u64)i);
	}
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 0);
	CHECK_EQ(stats_of(t).entries, 0);
	suspect_table_free(t);
}

/* svcrack: the challenge, then guesses on the same Call-ID and CSeq, each
 * 401 a failure; flagged at the SUSPECT_DEFAULT_AUTH_FAILURES-th. */
static void failed_guesses_counted_per_message(void)
{
	struct suspect_table *t = suspect_table_new(NULL);
	const struct suspect_source *s;

	guess(t, false, 401, 0);
	for (int i = 1; i < SUSPECT_DEFAULT_AUTH_FAILURES; i++)
		guess(t, true, 401, 1);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], SUSPECT_DEFAULT_AUTH_FAILURES - 1);
	CHECK_EQ(stats_of(t).flagged, 0);
	guess(t, true, 401, 2);
	CHECK_EQ(stats_of(t).flagged, 1);
	CHECK_EQ(suspect_table_flagged(t, &s, 1), 1);
	CHECK_EQ(s->flagged, 1u << SUSPECT_AUTH_FAILURES);
	CHECK_EQ(s->events[SUSPECT_AUTH_FAILURES], SUSPECT_DEFAULT_AUTH_FAILURES);
	CHECK_EQ(s->user_agent_len, 0);
	suspect_table_free(t);
}

static void forbidden_counts_whatever_the_request(void)
{
	struct suspect_table *t = suspect_table_new(NULL);

	for (int i = 0; i < SUSPECT_DEFAULT_AUTH_FAILURES; i++)
		feed(t, PBX, SCANNER, "SIP/2.0 403 Forbidden\r\nCall-ID: f\r\nCSeq: 1 INVITE", 1);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], SUSPECT_DEFAULT_AUTH_FAILURES);
	CHECK_EQ(stats_of(t).flagged, 1);
	suspect_table_free(t);
}

/* A 401 is a failed guess only for the request with credentials: same
 * Call-ID, CSeq and requester. */
static void challenge_of_another_request_not_a_failure(void)
{
	struct suspect_table *t = suspect_table_new(NULL);

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
	struct suspect_table *t = suspect_table_new(NULL);

	for (int i = 0; i < 3 * SUSPECT_DEFAULT_AUTH_FAILURES; i++)
		guess(t, true, 401, (__u64)i * 61);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 3 * SUSPECT_DEFAULT_AUTH_FAILURES);
	CHECK_EQ(stats_of(t).flagged, 0);
	suspect_table_free(t);
}

/* A flood of spoofed sources, one 403 each, churns among the unflagged:
 * the flagged scanner stays. */
static void flood_does_not_push_out_flagged(void)
{
	struct suspect_table *t = suspect_table_new(&(struct suspect_opts){ .capacity = 4 });
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
	struct suspect_table *t = suspect_table_new(NULL);
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
	struct suspect_table *t = suspect_table_new(NULL);
	struct report r = { .suspects = t };
	char *buf = NULL;
	size_t size = 0;
	FILE *out;

	feed(t, SCANNER, PBX, "OPTIONS sip:pbx SIP/2.0\r\nUser-Agent: \"sipvicious\"\\x", 1);
	feed(t, PBX, "192.0.2.99", "SIP/2.0 403 Forbidden\r\nCSeq: 1 INVITE", 2);
	out = open_memstream(&buf, &size);
	report_suspects_json(out, &r);
	fclose(out);
	CHECK(strstr(buf, "{\"suspects\": [\n  {\"addr\": \"192.0.2.66\", "
			  "\"reasons\": [\"scanner_user_agent\"], \"events\": "
			  "{\"scanner_user_agent\": 1, \"auth_failures\": 0, "
			  "\"user_enumeration\": 0, \"request_flood\": 0}, "
			  "\"requests\": 0, \"requests_by_method\": {}, \"request_rate\": 0, "
			  "\"users_tried\": 0, \"users_not_found\": 0, \"auth_failures\": 0, "
			  "\"user_agent\": \"\\\"sipvicious\\\"\\\\x\", "
			  "\"first_seen\": \"1970-01-01T00:00:01Z\""));
	CHECK(!strstr(buf, "192.0.2.99"));
	CHECK(strstr(buf, "\n],\n\"events\": {\"scanner_user_agent\": 1, \"auth_failures\": 1, "
			  "\"user_enumeration\": 0, \"request_flood\": 0},\n"
			  "\"entries\": 2, \"capacity\": 4096, \"evicted\": 0, \"expired\": 0,\n"
			  "\"pending\": {\"entries\": 0, \"capacity\": 16384, \"evicted\": 0},\n"
			  "\"thresholds\": {\"auth_failures\": 10, \"users\": 50, "
			  "\"request_rate\": 20000}}\n"));
	free(buf);
	suspect_table_free(t);
}

/* now_ns, in ns, of the messages the helpers below feed */
static void feed_ns(struct suspect_table *t, const char *from, const char *to, const char *text,
		    __u64 now_ns)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s\r\nContent-Length: 0\r\n\r\n", text);

	test_event(&msg, from, buf, (size_t)n);
	inet_pton(strchr(to, ':') ? AF_INET6 : AF_INET, to, msg.rec.daddr.bytes);
	msg.rec.daddr.family = strchr(to, ':') ? AF_INET6 : AF_INET;
	sip_event_build(&msg.ev, &msg.rec, &msg.msg);
	suspect_table_feed(t, &msg.ev, now_ns);
}

/*
 * `from` tries `user` with a request outside a dialog (its own Call-ID),
 * and PBX answers `code` (0: not at all), both at now_ns.
 */
static void try_user(struct suspect_table *t, const char *from, const char *method,
		     const char *user, unsigned int code, __u64 now_ns)
{
	char text[512];

	snprintf(text, sizeof(text), "%s sip:%s@pbx SIP/2.0\r\nCall-ID: %s-%s@x\r\n"
		 "CSeq: 1 %s\r\nTo: <sip:%s@pbx>\r\nFrom: <sip:x@y>;tag=1", method, user,
		 from, user, method, user);
	feed_ns(t, from, PBX, text, now_ns);
	if (!code)
		return;
	snprintf(text, sizeof(text), "SIP/2.0 %u Answer\r\nCall-ID: %s-%s@x\r\nCSeq: 1 %s\r\n"
		 "To: <sip:%s@pbx>;tag=2\r\nFrom: <sip:x@y>;tag=1", code, from, user, method, user);
	feed_ns(t, PBX, from, text, now_ns);
}

/* n INVITEs from the scanner to users u0.. that nothing answers (yet). */
static void try_unanswered_users(struct suspect_table *t, int n, __u64 now_ns)
{
	char user[16];

	for (int i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		try_user(t, SCANNER, "INVITE", user, 0, now_ns);
	}
}

static const struct suspect_source *flagged_one(const struct suspect_table *t)
{
	const struct suspect_source *s = NULL;

	return suspect_table_flagged(t, &s, 1) == 1 ? s : NULL;
}

static void enumeration_flagged_with(struct suspect_table *t);

/* svwar: REGISTERs to a range of extensions, a 404 for each one that is not
 * there, a challenge for the few that are. */
static void enumeration_flagged(void)
{
	for (__u64 seed = 1; seed <= 20; seed++) {
		struct suspect_table *t = suspect_table_new(&(struct suspect_opts){ .seed = seed });

		enumeration_flagged_with(t);
		suspect_table_free(t);
	}
}

/* With each of a few seeds of the users' hash: the estimates are within
 * what 128 registers promise. */
static void enumeration_flagged_with(struct suspect_table *t)
{
	const struct suspect_source *s;
	char user[16];

	for (int i = 0; i < 200; i++) {
		snprintf(user, sizeof(user), "%d", 1990 + i);
		try_user(t, SCANNER, "REGISTER", user, i < 10 ? 401 : 404, (__u64)i * SEC / 100);
		if (i == 39)
			CHECK_EQ(stats_of(t).flagged, 0);	/* 30 not found */
	}
	s = flagged_one(t);
	CHECK(s);
	if (s) {
		CHECK_EQ(s->flagged, 1u << SUSPECT_USER_ENUMERATION);
		CHECK_EQ(s->events[SUSPECT_USER_ENUMERATION], 190);
		/* HyperLogLog of 64 registers: within a quarter */
		CHECK(s->users_not_found >= 160 && s->users_not_found <= 220);
		CHECK(s->users_tried == s->users_not_found);	/* the same users */
	}
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 190);
	CHECK_EQ(stats_of(t).events[SUSPECT_AUTH_FAILURES], 0);
	/* the same users again are no more users */
	for (int i = 10; i < 200; i++) {
		snprintf(user, sizeof(user), "%d", 1990 + i);
		try_user(t, SCANNER, "OPTIONS", user, 404, 3 * SEC);
	}
	s = flagged_one(t);
	CHECK(s && s->users_not_found <= 240);
}

/* Flagged at the threshold, whatever the method and however the user is
 * written: the To user, else the Request-URI's. */
static void enumeration_at_the_threshold(void)
{
	/* a fixed seed: five users in five registers (an estimate is one) */
	struct suspect_table *t = suspect_table_new(&(struct suspect_opts){ .users = 5,
									   .seed = 1 });
	char text[256];

	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "INVITE sip:10%d@pbx SIP/2.0\r\nCall-ID: e%d\r\n"
			 "CSeq: 1 INVITE\r\nTo: <sip:pbx>", i, i);
		feed(t, SCANNER, PBX, text, 1);
		snprintf(text, sizeof(text), "SIP/2.0 484 Incomplete\r\nCall-ID: e%d\r\n"
			 "CSeq: 1 INVITE\r\nTo: <sip:pbx>;tag=x", i);
		feed(t, PBX, SCANNER, text, 1);
	}
	CHECK_EQ(stats_of(t).flagged, 0);
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 4);
	try_user(t, SCANNER, "MESSAGE", "+15551234", 604, 2 * SEC);
	CHECK_EQ(stats_of(t).flagged, 1);
	CHECK(flagged_one(t) && flagged_one(t)->users_not_found == 5);
	suspect_table_free(t);
}

/* A carrier dialling thousands of distinct numbers: answered, busy, away,
 * and one in twenty unallocated (404). Many not found, but a twentieth of
 * those tried: never enumeration. Nor SIPp's distinct numbers, all answered. */
static void carrier_dialling_not_enumeration(void)
{
	static const unsigned int codes[] = { 200, 180, 486, 480, 487, 603, 200, 200, 183, 200 };
	struct suspect_table *t = suspect_table_new(NULL);
	char number[32];

	for (int i = 0; i < 3000; i++) {
		snprintf(number, sizeof(number), "+4930%07d", i);
		try_user(t, "203.0.113.20", "INVITE", number, i % 20 == 7 ? 404 : codes[i % 10],
			 (__u64)i * SEC / 300);
		snprintf(number, sizeof(number), "+4940%07d", i);
		try_user(t, "203.0.113.30", "INVITE", number, 200, (__u64)i * SEC / 300);
	}
	CHECK_EQ(stats_of(t).flagged, 0);
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 150);
	/* only the carrier with numbers not found is watched at all */
	CHECK_EQ(stats_of(t).entries, 1);
	suspect_table_free(t);
}

/* A registrar's UAs, all behind one address, re-registering through their
 * challenges: every user exists, no request with credentials fails. */
static void registrar_challenges_not_suspect(void)
{
	struct suspect_table *t = suspect_table_new(NULL);
	char text[512];

	for (int round = 0; round < 3; round++)
		for (int ua = 0; ua < 1000; ua++) {
			__u64 now = (__u64)round * 60 * SEC + (__u64)ua * SEC / 100;

			snprintf(text, sizeof(text), "REGISTER sip:pbx SIP/2.0\r\nCall-ID: r%d@ua\r\n"
				 "CSeq: %d REGISTER\r\nTo: <sip:%d@pbx>", ua, 2 * round + 1,
				 1000 + ua);
			feed_ns(t, "198.51.100.7", PBX, text, now);
			snprintf(text, sizeof(text), "SIP/2.0 401 Unauthorized\r\nCall-ID: r%d@ua\r\n"
				 "CSeq: %d REGISTER\r\nTo: <sip:%d@pbx>;tag=a", ua, 2 * round + 1,
				 1000 + ua);
			feed_ns(t, PBX, "198.51.100.7", text, now);
			snprintf(text, sizeof(text), "REGISTER sip:pbx SIP/2.0\r\nCall-ID: r%d@ua\r\n"
				 "CSeq: %d REGISTER\r\nTo: <sip:%d@pbx>\r\n"
				 "Authorization: Digest username=\"%d\"", ua, 2 * round + 2, 1000 + ua,
				 1000 + ua);
			feed_ns(t, "198.51.100.7", PBX, text, now);
			snprintf(text, sizeof(text), "SIP/2.0 200 OK\r\nCall-ID: r%d@ua\r\n"
				 "CSeq: %d REGISTER\r\nTo: <sip:%d@pbx>;tag=a", ua, 2 * round + 2,
				 1000 + ua);
			feed_ns(t, PBX, "198.51.100.7", text, now);
		}
	suspect_table_expire(t, 400 * SEC);
	CHECK_EQ(stats_of(t).entries, 0);
	for (int k = 0; k < SUSPECT_REASONS; k++)
		CHECK_EQ(stats_of(t).events[k], 0);
	suspect_table_free(t);
}

/*
 * Requests nobody answers, each to another user: users not found once they
 * waited 64*T1, but only where an answer to that source was seen after
 * them (so answers to it are not out of sight) and no records were lost
 * meanwhile.
 */
static void unanswered_users(void)
{
	struct suspect_opts opts = { .users = 5 };
	struct suspect_table *t = suspect_table_new(&opts);
	char user[16];

	try_unanswered_users(t, 8, 1 * SEC);
	/* an answer to another request of the scanner, after them */
	try_user(t, SCANNER, "OPTIONS", "known", 200, 2 * SEC);
	suspect_table_expire(t, 20 * SEC);
	CHECK_EQ(stats_of(t).pending_entries, 8);	/* the answered one is done */
	CHECK_EQ(stats_of(t).flagged, 0);
	suspect_table_expire(t, 40 * SEC);
	CHECK_EQ(stats_of(t).pending_entries, 0);
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 8);
	CHECK_EQ(stats_of(t).flagged, 1);
	suspect_table_free(t);

	/* nothing ever answers that source (this host's answers are out of
	 * sight, say --no-egress): its silence says nothing */
	t = suspect_table_new(&opts);
	try_unanswered_users(t, 8, 1 * SEC);
	suspect_table_expire(t, 40 * SEC);
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 0);
	CHECK_EQ(stats_of(t).entries, 0);
	suspect_table_free(t);

	/* records lost while they waited: their answers may have been among them */
	t = suspect_table_new(&opts);
	try_unanswered_users(t, 8, 1 * SEC);
	suspect_table_gap(t, 3 * SEC);
	try_user(t, SCANNER, "OPTIONS", "known", 200, 4 * SEC);
	suspect_table_expire(t, 40 * SEC);
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 0);
	/* answered late, or with a 100 Trying only: answered all the same */
	for (int i = 0; i < 8; i++) {
		snprintf(user, sizeof(user), "v%d", i);
		try_user(t, SCANNER, "INVITE", user, i % 2 ? 100 : 0, 50 * SEC);
		if (!(i % 2))
			try_user(t, SCANNER, "INVITE", user, 486, 60 * SEC);
	}
	suspect_table_expire(t, 100 * SEC);
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 0);
	suspect_table_free(t);
}

/* Users not found far apart: each window of ten minutes starts afresh. */
static void enumeration_window(void)
{
	struct suspect_table *t = suspect_table_new(&(struct suspect_opts){ .users = 20 });
	char user[16];

	for (int i = 0; i < 60; i++) {
		snprintf(user, sizeof(user), "w%d", i);
		/* 15 in each window */
		try_user(t, SCANNER, "REGISTER", user, 404, (__u64)(i / 15) * 601 * SEC);
	}
	CHECK_EQ(stats_of(t).flagged, 0);
	CHECK_EQ(stats_of(t).events[SUSPECT_USER_ENUMERATION], 60);
	suspect_table_free(t);
}

/* What the kernel counted per (source, method), as the core reads it. */
struct fake_kernel {
	struct sipxdp_addr addr[4];
	__u64 count[4][SIPXDP_METHOD_MAX];
	int n;
	int reads;
	bool broken;
};

static int fake_read(void *ctx, const struct sipxdp_addr *addr, __u8 method, __u64 *count)
{
	struct fake_kernel *k = ctx;

	k->reads++;
	*count = 0;
	if (k->broken)
		return -1;
	for (int i = 0; i < k->n; i++)
		if (!memcmp(&k->addr[i], addr, sizeof(*addr)))
			*count = k->count[i][method];
	return 0;
}

static int fake_source(struct fake_kernel *k, const char *addr)
{
	inet_pton(AF_INET, addr, k->addr[k->n].bytes);
	k->addr[k->n].family = AF_INET;
	return k->n++;
}

/* A request event from `from` (no answer needed: the watch only counts). */
static void request_from(struct suspect_table *t, const char *from, const char *method,
			 __u64 now_ns)
{
	char text[256];

	snprintf(text, sizeof(text), "%s sip:x@pbx SIP/2.0\r\nCall-ID: f@x\r\nCSeq: 1 %s",
		 method, method);
	feed_ns(t, from, PBX, text, now_ns);
}

/*
 * request_flood: the kernel's counts of the sources the events name, read
 * once a second. The rate is the kernel's, however few of its requests
 * came as events (the ring was full); one second over the threshold flags.
 */
static void flood_from_kernel_counts(void)
{
	struct fake_kernel k = { 0 };
	struct suspect_opts opts = { .request_rate = 1000, .read_requests = fake_read,
				     .read_ctx = &k };
	struct suspect_table *t = suspect_table_new(&opts);
	int flooder = fake_source(&k, "192.0.2.70"), busy = fake_source(&k, "192.0.2.71");
	const struct suspect_source *s;

	suspect_table_watch(t, 0);
	for (int sec = 1; sec <= 4; sec++) {
		/* a few events of each: the kernel saw far more */
		for (int i = 0; i < 5; i++) {
			request_from(t, "192.0.2.70", "INVITE", (__u64)sec * SEC - SEC / 2);
			request_from(t, "192.0.2.71", "OPTIONS", (__u64)sec * SEC - SEC / 2);
		}
		k.count[flooder][SIPXDP_M_INVITE] += sec >= 3 ? 1500 : 500;
		k.count[busy][SIPXDP_M_OPTIONS] += 900;
		suspect_table_watch(t, (__u64)sec * SEC);
		if (sec == 2)
			CHECK_EQ(stats_of(t).flagged, 0);
	}
	s = flagged_one(t);
	CHECK(s);
	if (s) {
		CHECK(!memcmp(&s->addr, &k.addr[flooder], sizeof(s->addr)));
		CHECK_EQ(s->flagged, 1u << SUSPECT_REQUEST_FLOOD);
		CHECK_EQ(s->request_rate, 1500);
		CHECK_EQ(s->events[SUSPECT_REQUEST_FLOOD], 3000);	/* seconds 3 and 4 */
	}
	CHECK_EQ(stats_of(t).flagged, 1);
	/* two methods read a second at most: never the whole map */
	CHECK(k.reads <= 4 * 2);
	/* a row the LRU evicted and made again counts from zero */
	k.count[busy][SIPXDP_M_OPTIONS] = 100;
	request_from(t, "192.0.2.71", "OPTIONS", 5 * SEC - 1);
	suspect_table_watch(t, 5 * SEC);
	CHECK_EQ(stats_of(t).flagged, 1);
	suspect_table_free(t);
}

/* Spoofed sources by the ten thousand, one request each, around a real
 * flooder with a few percent of the events: the watch keeps it. */
static void flood_found_among_spoofed(void)
{
	struct fake_kernel k = { 0 };
	struct suspect_opts opts = { .request_rate = 5000, .read_requests = fake_read,
				     .read_ctx = &k };
	struct suspect_table *t = suspect_table_new(&opts);
	int flooder = fake_source(&k, "192.0.2.80");
	char addr[32];

	suspect_table_watch(t, 0);
	for (int sec = 1; sec <= 3; sec++) {
		for (int i = 0; i < 20000; i++) {
			__u64 now = (__u64)(sec - 1) * SEC + (__u64)i * (SEC / 20000);

			snprintf(addr, sizeof(addr), "10.%d.%d.%d", sec, i / 250, i % 250 + 1);
			request_from(t, addr, "INVITE", now);
			if (i % 30 == 0)
				request_from(t, "192.0.2.80", "REGISTER", now);
		}
		k.count[flooder][SIPXDP_M_REGISTER] += 8000;
		suspect_table_watch(t, (__u64)sec * SEC);
	}
	CHECK_EQ(stats_of(t).flagged, 1);
	CHECK(flagged_one(t) && flagged_one(t)->request_rate == 8000);
	/* the watch is fixed-size: the table holds only what was flagged */
	CHECK_EQ(stats_of(t).entries, 1);
	suspect_table_free(t);

	/* a kernel that cannot be read judges nobody */
	k.broken = true;
	t = suspect_table_new(&opts);
	suspect_table_watch(t, 0);
	for (int sec = 1; sec <= 3; sec++) {
		request_from(t, "192.0.2.80", "REGISTER", (__u64)sec * SEC - 1);
		suspect_table_watch(t, (__u64)sec * SEC);
	}
	CHECK_EQ(stats_of(t).flagged, 0);
	suspect_table_free(t);
}

/* The thresholds are the options' (the flags of `run`). */
static void thresholds_from_options(void)
{
	struct suspect_table *t = suspect_table_new(&(struct suspect_opts){ .auth_failures = 3 });
	struct suspect_opts th;

	guess(t, true, 401, 1);
	guess(t, true, 401, 1);
	CHECK_EQ(stats_of(t).flagged, 0);
	guess(t, true, 401, 1);
	CHECK_EQ(stats_of(t).flagged, 1);
	suspect_table_thresholds(t, &th);
	CHECK_EQ(th.auth_failures, 3);
	CHECK_EQ(th.users, SUSPECT_DEFAULT_USERS);
	CHECK_EQ(th.request_rate, SUSPECT_DEFAULT_REQUEST_RATE);
	CHECK_EQ(th.capacity, SUSPECT_DEFAULT_CAPACITY);
	suspect_table_free(t);
}

/* Spoofed sources and Call-IDs cannot grow the agent: both tables stay at
 * their bounds and count what they drop. */
static void bounded_under_spoofing(void)
{
	struct suspect_table *t = suspect_table_new(&(struct suspect_opts){ .capacity = 64 });
	char addr[32], user[16];

	for (int i = 0; i < 20000; i++) {
		snprintf(addr, sizeof(addr), "10.9.%d.%d", i / 250, i % 250 + 1);
		snprintf(user, sizeof(user), "s%d", i);
		try_user(t, addr, "OPTIONS", user, 0, (__u64)i * 1000);
	}
	CHECK_EQ(stats_of(t).pending_entries, SUSPECT_PENDING_CAPACITY);
	CHECK_EQ(stats_of(t).pending_evicted, 20000 - SUSPECT_PENDING_CAPACITY);
	CHECK_EQ(stats_of(t).entries, 0);
	for (int i = 0; i < 10000; i++) {
		snprintf(addr, sizeof(addr), "10.8.%d.%d", i / 250, i % 250 + 1);
		snprintf(user, sizeof(user), "s%d", i);
		try_user(t, addr, "OPTIONS", user, 404, SEC + (__u64)i * 1000);
	}
	CHECK_EQ(stats_of(t).entries, 64);
	CHECK_EQ(stats_of(t).evicted, 10000 - 64);
	/* answered: done with at once (each took the room of an older one) */
	CHECK_EQ(stats_of(t).pending_entries, SUSPECT_PENDING_CAPACITY - 1);
	suspect_table_free(t);
}

/* `suspects --json` with the kernel's counters: the requests of a flagged
 * source from its rows of the per-source map. */
static void json_requests_from_counters(void)
{
	struct suspect_table *t = suspect_table_new(NULL);
	struct source_row rows[3];
	struct snapshot snap = { .source_requests = rows, .n_source_requests = 3 };
	struct report r = { .suspects = t, .snap = &snap };
	char *buf = NULL;
	size_t size = 0;
	FILE *out;

	memset(rows, 0, sizeof(rows));
	inet_pton(AF_INET, "192.0.2.1", rows[0].addr.bytes);
	inet_pton(AF_INET, SCANNER, rows[1].addr.bytes);
	inet_pton(AF_INET, SCANNER, rows[2].addr.bytes);
	for (int i = 0; i < 3; i++)
		rows[i].addr.family = AF_INET;
	rows[0].code = SIPXDP_M_INVITE, rows[0].count = 5;
	rows[1].code = SIPXDP_M_REGISTER, rows[1].count = 202;
	rows[2].code = SIPXDP_M_OPTIONS, rows[2].count = 3;
	feed(t, SCANNER, PBX, "OPTIONS sip:pbx SIP/2.0\r\nUser-Agent: friendly-scanner", 1);
	out = open_memstream(&buf, &size);
	report_suspects_json(out, &r);
	fclose(out);
	CHECK(strstr(buf, "\"requests\": 205, \"requests_by_method\": {\"REGISTER\": 202, "
			  "\"OPTIONS\": 3}"));
	free(buf);
	suspect_table_free(t);
}

TEST_MAIN("suspects",
	  TEST(enumeration_flagged),
	  TEST(enumeration_at_the_threshold),
	  TEST(carrier_dialling_not_enumeration),
	  TEST(registrar_challenges_not_suspect),
	  TEST(unanswered_users),
	  TEST(enumeration_window),
	  TEST(flood_from_kernel_counts),
	  TEST(flood_found_among_spoofed),
	  TEST(thresholds_from_options),
	  TEST(bounded_under_spoofing),
	  TEST(json_requests_from_counters),
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
