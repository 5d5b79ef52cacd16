// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include "registrations.h"
#include "sipevent.h"
#include "testlib.h"

#define SEC 1000000000ull
#define UA "192.0.2.10"		/* in the "carrier" peer */
#define REGISTRAR "10.0.0.1"

static const char peers_text[] = "192.0.2.0/24 carrier\n";

struct fixture {
	struct peer_map *peers;
	struct registration_table *t;
	unsigned int carrier;
	struct test_message msg;
};

static void setup(struct fixture *f, size_t capacity)
{
	char err[128];

	f->peers = peers_parse(peers_text, "test", err, sizeof(err));
	CHECK(f->peers);
	f->t = registration_table_new(f->peers, capacity);
	CHECK(f->t);
	for (unsigned int id = 0; id <= peers_name_count(f->peers); id++)
		if (!strcmp(peers_name(f->peers, id), "carrier"))
			f->carrier = id;
	CHECK(f->carrier);
}

static void teardown(struct fixture *f)
{
	registration_table_free(f->t);
	peers_free(f->peers);
}

/* A message from `from` to `to` with the headers given (up to the empty line). */
static void feed(struct fixture *f, const char *from, const char *to, const char *start,
		 const char *cseq, const char *headers, __u64 now_ns)
{
	char text[2048];
	const struct sip_event *ev;

	snprintf(text, sizeof(text), "%s\r\nCall-ID: reg-%s@x\r\nCSeq: %s\r\n"
		 "To: <sip:alice@example.com>\r\n%s\r\n", start, cseq, cseq, headers);
	ev = test_event(&f->msg, from, text, strlen(text));
	inet_pton(AF_INET, to, f->msg.ev.daddr.bytes);
	f->msg.ev.daddr.family = AF_INET;
	registration_table_feed(f->t, ev, now_ns);
}

/* A REGISTER from the UA and the registrar's response `status` to it. */
static void exchange(struct fixture *f, const char *cseq, const char *request_headers,
		     const char *status, const char *response_headers, __u64 now_ns)
{
	feed(f, UA, REGISTRAR, "REGISTER sip:example.com SIP/2.0", cseq, request_headers,
	     now_ns);
	feed(f, REGISTRAR, UA, status, cseq, response_headers, now_ns + SEC / 100);
}

static __u64 active(const struct fixture *f)
{
	return registration_table_active(f->t, f->carrier);
}

static void granted_header_keeps_binding_till_expiry(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:alice@192.0.2.10:5060>\r\nExpires: 3600\r\n",
		 "SIP/2.0 200 OK", "Expires: 60\r\n", 0);
	CHECK_EQ(active(&f), 1);
	CHECK_EQ(registration_table_active(f.t, 0), 0);
	registration_table_expire(f.t, 59 * SEC);
	CHECK_EQ(active(&f), 1);
	/* the granted 60 s, not the 3600 asked for */
	registration_table_expire(f.t, 61 * SEC);
	CHECK_EQ(active(&f), 0);
	teardown(&f);
}

static void contact_param_wins_over_header(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:alice@192.0.2.10>\r\n", "SIP/2.0 200 OK",
		 "Contact: <sip:alice@192.0.2.10>;expires=30\r\nExpires: 600\r\n", 0);
	registration_table_expire(f.t, 29 * SEC);
	CHECK_EQ(active(&f), 1);
	registration_table_expire(f.t, 31 * SEC);
	CHECK_EQ(active(&f), 0);
	teardown(&f);
}

/* Nothing granted: the REGISTER's own Contact parameter, then its header, then 3600 s. */
static void requested_expiry_when_none_granted(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER",
		 "Contact: <sip:a@192.0.2.10>;expires=20, <sip:b@192.0.2.10>\r\nExpires: 40\r\n"
		 "Contact: <sip:c@192.0.2.10>\r\n", "SIP/2.0 200 OK", "", 0);
	CHECK_EQ(active(&f), 3);
	registration_table_expire(f.t, 21 * SEC);
	CHECK_EQ(active(&f), 2);
	registration_table_expire(f.t, 41 * SEC);
	CHECK_EQ(active(&f), 0);
	teardown(&f);

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:a@192.0.2.10>\r\n", "SIP/2.0 200 OK", "", 0);
	registration_table_expire(f.t, (REG_DEFAULT_EXPIRES_S - 1) * SEC);
	CHECK_EQ(active(&f), 1);
	registration_table_expire(f.t, (REG_DEFAULT_EXPIRES_S + 1) * SEC);
	CHECK_EQ(active(&f), 0);
	teardown(&f);
}

static void challenge_and_refusal_bind_nothing(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:a@192.0.2.10>\r\n",
		 "SIP/2.0 401 Unauthorized", "", 0);
	exchange(&f, "2 REGISTER", "Contact: <sip:a@192.0.2.10>\r\n", "SIP/2.0 403 Forbidden",
		 "", SEC);
	/* a 2xx nobody asked for */
	feed(&f, REGISTRAR, UA, "SIP/2.0 200 OK", "9 REGISTER", "Contact: <sip:z@192.0.2.10>\r\n",
	     2 * SEC);
	CHECK_EQ(active(&f), 0);
	/* the one after the challenge binds */
	exchange(&f, "3 REGISTER", "Contact: <sip:a@192.0.2.10>\r\n", "SIP/2.0 200 OK", "",
		 3 * SEC);
	CHECK_EQ(active(&f), 1);
	teardown(&f);
}

static void refresh_extends_and_counts_once(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:a@192.0.2.10>;expires=60\r\n", "SIP/2.0 200 OK",
		 "", 0);
	/* its 2xx retransmitted, then a refresh half way */
	feed(&f, REGISTRAR, UA, "SIP/2.0 200 OK", "1 REGISTER", "", SEC);
	exchange(&f, "2 REGISTER", "Contact: <sip:a@192.0.2.10>;expires=60\r\n", "SIP/2.0 200 OK",
		 "", 30 * SEC);
	CHECK_EQ(active(&f), 1);
	registration_table_expire(f.t, 80 * SEC);
	CHECK_EQ(active(&f), 1);
	registration_table_expire(f.t, 91 * SEC);
	CHECK_EQ(active(&f), 0);
	teardown(&f);
}

static void expires_zero_and_star_remove(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:a@192.0.2.10>, <sip:b@192.0.2.10>\r\n",
		 "SIP/2.0 200 OK", "", 0);
	CHECK_EQ(active(&f), 2);
	exchange(&f, "2 REGISTER", "Contact: <sip:a@192.0.2.10>;expires=0\r\n", "SIP/2.0 200 OK",
		 "", SEC);
	CHECK_EQ(active(&f), 1);
	exchange(&f, "3 REGISTER", "Contact: <sip:a@192.0.2.10>\r\n", "SIP/2.0 200 OK",
		 "Contact: <sip:a@192.0.2.10>;expires=600\r\n", 2 * SEC);
	CHECK_EQ(active(&f), 2);
	/* the removal takes effect at its 2xx only */
	feed(&f, UA, REGISTRAR, "REGISTER sip:example.com SIP/2.0", "4 REGISTER",
	     "Contact: *\r\nExpires: 0\r\n", 3 * SEC);
	CHECK_EQ(active(&f), 2);
	feed(&f, REGISTRAR, UA, "SIP/2.0 200 OK", "4 REGISTER", "", 3 * SEC);
	CHECK_EQ(active(&f), 0);
	/* the registrar granted 0 to what was asked for an hour */
	exchange(&f, "5 REGISTER", "Contact: <sip:a@192.0.2.10>;expires=3600\r\n",
		 "SIP/2.0 200 OK", "Contact: <sip:a@192.0.2.10>;expires=0\r\n", 4 * SEC);
	CHECK_EQ(active(&f), 0);
	teardown(&f);
}

/* Broken and out-of-range values say nothing; 2^32-1 s is the most. */
static void malformed_expires(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:a@192.0.2.10>;expires=abc\r\nExpires: 10\r\n",
		 "SIP/2.0 200 OK", "Expires: 99999999999\r\n", 0);
	registration_table_expire(f.t, 11 * SEC);
	CHECK_EQ(active(&f), 0);
	exchange(&f, "2 REGISTER", "Contact: <sip:b@192.0.2.10>\r\n", "SIP/2.0 200 OK",
		 "Expires: 4294967295\r\n", 20 * SEC);
	registration_table_expire(f.t, 100000 * SEC);
	CHECK_EQ(active(&f), 1);
	teardown(&f);
}

/* A full table drops the binding refreshed longest ago, and counts it. */
static void full_table_evicts_least_recently_refreshed(void)
{
	struct fixture f = { 0 };
	struct registration_stats st;
	char contact[64], cseq[32];

	setup(&f, 4);
	for (unsigned int i = 0; i < 6; i++) {
		snprintf(contact, sizeof(contact), "Contact: <sip:u%u@192.0.2.10>\r\n", i);
		snprintf(cseq, sizeof(cseq), "%u REGISTER", i + 1);
		exchange(&f, cseq, contact, "SIP/2.0 200 OK", "", i * SEC);
	}
	registration_table_stats(f.t, &st);
	CHECK_EQ(active(&f), 4);
	CHECK_EQ(st.entries, 4);
	CHECK_EQ(st.capacity, 4);
	CHECK_EQ(st.evicted, 2);
	CHECK_EQ(st.pending_entries, 0);
	CHECK_EQ(st.pending_capacity, REG_PENDING_CAPACITY);
	teardown(&f);
}

/* REGISTERs never answered are forgotten after 64*T1; a full pending table drops the oldest. */
static void unanswered_registers_are_forgotten(void)
{
	struct fixture f = { 0 };
	struct registration_stats st;
	char cseq[32];

	setup(&f, 0);
	for (unsigned int i = 0; i < REG_PENDING_CAPACITY + 3; i++) {
		snprintf(cseq, sizeof(cseq), "%u REGISTER", i + 1);
		feed(&f, UA, REGISTRAR, "REGISTER sip:example.com SIP/2.0", cseq,
		     "Contact: <sip:a@192.0.2.10>\r\n", 0);
	}
	registration_table_stats(f.t, &st);
	CHECK_EQ(st.pending_entries, REG_PENDING_CAPACITY);
	CHECK_EQ(st.pending_evicted, 3);
	registration_table_expire(f.t, 33 * SEC);
	registration_table_stats(f.t, &st);
	CHECK_EQ(st.pending_entries, 0);
	/* its 2xx too late binds nothing */
	feed(&f, REGISTRAR, UA, "SIP/2.0 200 OK", "5 REGISTER", "", 34 * SEC);
	CHECK_EQ(active(&f), 0);
	teardown(&f);
}

/* Same AoR and Contact from another peer is another binding. */
static void bindings_are_per_peer(void)
{
	struct fixture f = { 0 };

	setup(&f, 0);
	exchange(&f, "1 REGISTER", "Contact: <sip:a@192.0.2.10>\r\n", "SIP/2.0 200 OK", "", 0);
	feed(&f, "198.51.100.7", REGISTRAR, "REGISTER sip:example.com SIP/2.0", "1 REGISTER",
	     "Contact: <sip:a@192.0.2.10>\r\n", SEC);
	feed(&f, REGISTRAR, "198.51.100.7", "SIP/2.0 200 OK", "1 REGISTER", "", SEC);
	CHECK_EQ(active(&f), 1);
	CHECK_EQ(registration_table_active(f.t, 0), 1);
	/* a "*" from one peer leaves the other's */
	feed(&f, "198.51.100.7", REGISTRAR, "REGISTER sip:example.com SIP/2.0", "2 REGISTER",
	     "Contact: *\r\nExpires: 0\r\n", 2 * SEC);
	feed(&f, REGISTRAR, "198.51.100.7", "SIP/2.0 200 OK", "2 REGISTER", "", 2 * SEC);
	CHECK_EQ(active(&f), 1);
	CHECK_EQ(registration_table_active(f.t, 0), 0);
	CHECK_EQ(registration_table_active(f.t, 99), 0);
	teardown(&f);
}

TEST_MAIN("registrations",
	  TEST(granted_header_keeps_binding_till_expiry),
	  TEST(contact_param_wins_over_header),
	  TEST(requested_expiry_when_none_granted),
	  TEST(challenge_and_refusal_bind_nothing),
	  TEST(refresh_extends_and_counts_once),
	  TEST(expires_zero_and_star_remove),
	  TEST(malformed_expires),
	  TEST(full_table_evicts_least_recently_refreshed),
	  TEST(unanswered_registers_are_forgotten),
	  TEST(bindings_are_per_peer))
