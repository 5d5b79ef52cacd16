// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stdlib.h>
#include "redirects.h"
#include "sipevent.h"
#include "testlib.h"

#define MAX_WANT 8

/*
 * The Contact URIs of a 3xx whose headers are `headers` (text up to the
 * empty line), as sip_contacts gives them, at most max, none empty;
 * checked against want, a NULL-terminated list. With max CONTACT_MAX_URIS, also what the table
 * keeps of them.
 */
static void check_contacts_of(const char *headers, size_t max, const char *const want[])
{
	static struct test_message t;
	char text[1024], got[128];
	struct sip_span uris[CONTACT_MAX_URIS];
	const struct sip_event *ev;
	size_t n, n_want = 0, kept = 0;

	snprintf(text, sizeof(text), "SIP/2.0 302 Moved\r\nCSeq: 1 INVITE\r\n%s", headers);
	ev = test_event(&t, "192.0.2.10", text, strlen(text));
	CHECK_EQ(ev->kind, SIP_EV_REDIRECT);
	while (want[n_want])
		n_want++;
	n = sip_contacts(ev->msg, uris, max);
	CHECK(n <= max);
	for (size_t i = 0; i < n; i++) {
		/* A span of the message's bytes, not a copy. */
		CHECK(uris[i].p >= t.bytes && uris[i].p + uris[i].len <= t.bytes + t.rec.len);
		CHECK(uris[i].len);
		snprintf(got, sizeof(got), "%.*s", (int)uris[i].len, uris[i].p);
		CHECK(kept < n_want);
		if (kept < n_want)
			CHECK_STR(got, want[kept]);
		kept++;
	}
	CHECK_EQ(kept, n_want);
	if (max == CONTACT_MAX_URIS) {
		struct redirect_table *table = redirect_table_new(0, 0);
		const struct redirect_entry *e;

		CHECK(table);
		if (!table)
			return;
		redirect_table_feed(table, ev, 1);
		e = redirect_table_entries(table, &n);
		CHECK_EQ(n, n_want);
		for (size_t i = 0; i < n && i < n_want; i++)
			CHECK_STR(e[i].target, want[i]);
		redirect_table_free(table);
	}
}

/* One Contact header of this value. */
static void check_contacts(const char *value, size_t max, const char *const want[])
{
	char headers[512];

	snprintf(headers, sizeof(headers), "Contact: %s\r\n\r\n", value);
	check_contacts_of(headers, max, want);
}

#define WANT(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })
#define CONTACTS(value, ...) check_contacts(value, CONTACT_MAX_URIS, WANT(__VA_ARGS__))

static void contacts_name_addr(void)
{
	CONTACTS("<sip:alice@192.0.2.20>", "sip:alice@192.0.2.20");
	CONTACTS("<sip:alice@192.0.2.20;transport=tcp>;expires=60;q=0.5",
		 "sip:alice@192.0.2.20;transport=tcp");
	CONTACTS("Alice <sip:alice@192.0.2.20>;q=1", "sip:alice@192.0.2.20");
	/* A comma inside <...> (URI headers) does not split. */
	CONTACTS("<sip:a@x?Subject=a,b>, <sip:b@y>", "sip:a@x?Subject=a,b", "sip:b@y");
	/*
	 * A Contact line cut by the end of the record's bytes (the message was
	 * longer than SIPXDP_MSG_MAX) gives no URI: the parser does not index a
	 * line without its LF, which could be cut anywhere, so no partial URI
	 * becomes a target of its own. The lines before it still count.
	 */
	check_contacts_of("Contact: <sip:alice@192.0.2", CONTACT_MAX_URIS, NONE);
	check_contacts_of("Contact: <sip:bob@192.0.2.30>\r\nContact: <sip:alice@192.0.2",
			  CONTACT_MAX_URIS, WANT("sip:bob@192.0.2.30"));
}

static void contacts_bare_uri(void)
{
	CONTACTS("sip:bob@192.0.2.30;transport=udp;expires=3600", "sip:bob@192.0.2.30");
	CONTACTS("sip:bob@192.0.2.30", "sip:bob@192.0.2.30");
	/* A '<' among the parameters is not a name-addr. */
	CONTACTS("sip:bob@x;p=<y>", "sip:bob@x");
	/* A quoted parameter value may hold a comma. */
	CONTACTS("sip:a@x;p=\"1,2\",sip:b@y", "sip:a@x", "sip:b@y");
}

static void contacts_several(void)
{
	CONTACTS("<sip:a@x>;q=0.9, sip:b@y;q=0.5,<tel:+15551234>",
		 "sip:a@x", "sip:b@y", "tel:+15551234");
	/* Several Contact headers, in order, the compact form too. */
	check_contacts_of("Contact: <sip:a@x>\r\nTo: <sip:t@z>\r\nm: <sip:b@y>, sip:c@z\r\n\r\n",
			  CONTACT_MAX_URIS, WANT("sip:a@x", "sip:b@y", "sip:c@z"));
}

static void contacts_quoted_display_name(void)
{
	CONTACTS("\"Doe, John <boss>\" <sip:john@x>;q=0.1, sip:k@y", "sip:john@x", "sip:k@y");
	/* An escaped quote does not end the display name. */
	CONTACTS("\"a\\\",<b\" <sip:x@y>", "sip:x@y");
	CONTACTS("\"\" <sip:x@y>", "sip:x@y");
}

static void contacts_star_blanks_empty(void)
{
	CONTACTS("*", "*");
	CONTACTS(" \t* \t", "*");
	CONTACTS(" \t<sip:a@x> \t, \t sip:b@y \t;q=1", "sip:a@x", "sip:b@y");
	CONTACTS("< sip:a@x >", "sip:a@x");
	CONTACTS(",, ,\t,sip:a@x,,", "sip:a@x");
	CONTACTS("<>, ;q=1, <sip:a@x>", "sip:a@x");
	check_contacts("", CONTACT_MAX_URIS, NONE);
	check_contacts(" , ", CONTACT_MAX_URIS, NONE);
	/* No Contact header at all. */
	check_contacts_of("\r\n", CONTACT_MAX_URIS, NONE);
}

static void contacts_stop_at_max(void)
{
	char value[512];
	int len = 0;

	check_contacts("sip:1,sip:2,sip:3,sip:4,sip:5", 3, WANT("sip:1", "sip:2", "sip:3"));
	check_contacts("sip:1", 0, NONE);
	/* The table takes the first CONTACT_MAX_URIS of a message. */
	for (int i = 0; i < CONTACT_MAX_URIS + 3; i++)
		len += snprintf(value + len, sizeof(value) - len, "%ssip:%d", i ? "," : "", i);
	{
		static struct test_message t;
		struct redirect_table *table = redirect_table_new(0, 0);
		const struct redirect_entry *e;
		size_t n;

		CHECK(table);
		if (!table)
			return;
		redirect_table_feed(table, test_response_with_contact(&t, 302, "192.0.2.10",
								      value, (size_t)len), 1);
		e = redirect_table_entries(table, &n);
		CHECK_EQ(n, CONTACT_MAX_URIS);
		if (n == CONTACT_MAX_URIS)
			CHECK_STR(e[n - 1].target, "sip:31");
		redirect_table_free(table);
	}
}

/* The event of a `status` response from source with Contact value contact. */
static const struct sip_event *redirect_event(__u16 status, const char *source,
					      const char *contact)
{
	static struct test_message t;

	return test_response_with_contact(&t, status, source, contact, strlen(contact));
}

static bool entry_is(const struct redirect_entry *e, __u16 code, const char *source,
		     const char *target, __u64 count)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, e->source.bytes, addr, sizeof(addr));
	return e->code == code && strcmp(addr, source) == 0 && strcmp(e->target, target) == 0 &&
	       e->target_len == strlen(target) && !e->target_cut && e->count == count;
}

static void table_counts_and_last_seen(void)
{
	struct redirect_table *t = redirect_table_new(0, 0);
	const struct sip_event *ev = redirect_event(302, "192.0.2.10",
						    "<sip:alice@192.0.2.20>;q=1");
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	CHECK_EQ(redirect_table_capacity(t), REDIRECT_DEFAULT_MAX_TARGETS);
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 0);
	redirect_table_feed(t, ev, 1000);
	redirect_table_feed(t, ev, 2000);
	redirect_table_feed(t, ev, 5000);
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 1);
	CHECK(entry_is(&e[0], 302, "192.0.2.10", "sip:alice@192.0.2.20", 3));
	CHECK_EQ(e[0].last_seen_ns, 5000);
	CHECK_EQ(redirect_table_overflow(t), 0);
	redirect_table_free(t);
}

static void table_distinct_by_code_source_target(void)
{
	struct redirect_table *t = redirect_table_new(0, 0);
	static const struct {
		__u16 status;
		const char *source, *contact;
	} evs[] = {
		{ 301, "192.0.2.10", "<sip:a@x>" },
		{ 302, "192.0.2.10", "<sip:a@x>" },
		{ 301, "192.0.2.11", "<sip:a@x>" },
		{ 301, "192.0.2.10", "<sip:b@x>" },
		{ 301, "192.0.2.10", "sip:a@x;q=1" },	/* the first again */
		{ 305, "192.0.2.12", "<sip:c@x>, sip:d@x" },
	};
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		redirect_table_feed(t, redirect_event(evs[i].status, evs[i].source,
						      evs[i].contact), 100 * (i + 1));
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 6);
	if (n == 6) {
		/* First-seen order. */
		CHECK(entry_is(&e[0], 301, "192.0.2.10", "sip:a@x", 2));
		CHECK_EQ(e[0].last_seen_ns, 500);
		CHECK(entry_is(&e[1], 302, "192.0.2.10", "sip:a@x", 1));
		CHECK(entry_is(&e[2], 301, "192.0.2.11", "sip:a@x", 1));
		CHECK(entry_is(&e[3], 301, "192.0.2.10", "sip:b@x", 1));
		CHECK(entry_is(&e[4], 305, "192.0.2.12", "sip:c@x", 1));
		CHECK(entry_is(&e[5], 305, "192.0.2.12", "sip:d@x", 1));
		CHECK_EQ(e[5].last_seen_ns, 600);
	}
	redirect_table_free(t);
}

static void table_cuts_long_targets(void)
{
	struct redirect_table *t = redirect_table_new(0, 0);
	char contact[REDIRECT_TARGET_MAX + 100];
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	/* A 300-byte URI, then one of exactly REDIRECT_TARGET_MAX bytes. */
	memset(contact, 'a', sizeof(contact));
	memcpy(contact, "<sip:", 5);
	strcpy(contact + 1 + 300, ">");
	redirect_table_feed(t, redirect_event(302, "192.0.2.10", contact), 1);
	strcpy(contact + 1 + REDIRECT_TARGET_MAX, ">");
	redirect_table_feed(t, redirect_event(302, "192.0.2.10", contact), 2);

	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 2);
	if (n == 2) {
		CHECK(e[0].target_cut);
		CHECK_EQ(e[0].target_len, REDIRECT_TARGET_MAX);
		CHECK_EQ(strlen(e[0].target), REDIRECT_TARGET_MAX);
		CHECK(memcmp(e[0].target, contact + 1, REDIRECT_TARGET_MAX) == 0);
		CHECK(!e[1].target_cut);
		CHECK_EQ(e[1].target_len, REDIRECT_TARGET_MAX);
		CHECK(memcmp(e[0].target, e[1].target, REDIRECT_TARGET_MAX) == 0);
	}

	/* A URI as long as the message's bytes allow is held to the limit. */
	{
		static char huge[SIPXDP_MSG_MAX + 1000];
		static struct test_message msg;

		memset(huge, 'b', sizeof(huge));
		redirect_table_feed(t, test_response_with_contact(&msg, 302, "192.0.2.10", huge,
								  sizeof(huge)), 3);
	}
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 3);
	if (n == 3)
		CHECK(e[2].target_cut && e[2].target_len == REDIRECT_TARGET_MAX);
	redirect_table_free(t);
}

static void table_nul_kept_out_of_target(void)
{
	struct redirect_table *t = redirect_table_new(0, 0);
	static struct test_message msg;
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	redirect_table_feed(t, test_response_with_contact(&msg, 302, "192.0.2.10", "<sip\0a@x>", 9),
			    1);
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 1);
	if (n == 1) {
		CHECK_EQ(e[0].target_len, 7);
		CHECK_EQ(strlen(e[0].target), 7);
		CHECK(memcmp(e[0].target, "sip\xff" "a@x", 7) == 0);
	}
	redirect_table_free(t);
}

static void table_overflow_when_full(void)
{
	struct redirect_table *t = redirect_table_new(3, 0);
	const struct sip_event *ev;
	const struct redirect_entry *e;
	char contact[32];
	size_t n;

	CHECK(t);
	if (!t)
		return;
	CHECK_EQ(redirect_table_capacity(t), 3);
	for (int i = 0; i < 5; i++) {
		snprintf(contact, sizeof(contact), "<sip:%d@x>", i);
		ev = redirect_event(302, "192.0.2.10", contact);
		redirect_table_feed(t, ev, (__u64)i);
	}
	/* Known targets still count when full; new ones overflow each time. */
	ev = redirect_event(302, "192.0.2.10", "<sip:0@x>, <sip:4@x>");
	redirect_table_feed(t, ev, 10);
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 3);
	CHECK_EQ(redirect_table_overflow(t), 3);
	if (n == 3) {
		CHECK(entry_is(&e[0], 302, "192.0.2.10", "sip:0@x", 2));
		CHECK_EQ(e[0].last_seen_ns, 10);
		CHECK(entry_is(&e[2], 302, "192.0.2.10", "sip:2@x", 1));
	}
	redirect_table_free(t);
}

static void table_ignores_other_events(void)
{
	struct redirect_table *t = redirect_table_new(0, 0);
	struct sip_event ev = *redirect_event(200, "192.0.2.10", "<sip:a@x>");
	size_t n;

	CHECK(t);
	if (!t)
		return;
	ev.kind = SIP_EV_INVITE_2XX;
	redirect_table_feed(t, &ev, 1);
	ev.kind = SIP_EV_ACK;
	ev.status = 0;
	redirect_table_feed(t, &ev, 2);
	redirect_table_entries(t, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(redirect_table_overflow(t), 0);
	redirect_table_free(t);
}

/* A full table of 1,000 targets fed many times: every event finds its entry. */
static void table_many_targets(void)
{
	struct redirect_table *t = redirect_table_new(1000, 0);
	const struct redirect_entry *e;
	const struct sip_event *ev;
	char contact[64];
	size_t n, wrong = 0;

	CHECK(t);
	if (!t)
		return;
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 1000; i++) {
			snprintf(contact, sizeof(contact), "<sip:user%d@192.0.2.%d>", i, i % 256);
			ev = redirect_event(302, "192.0.2.10", contact);
			redirect_table_feed(t, ev, (__u64)round);
		}
	}
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 1000);
	CHECK_EQ(redirect_table_overflow(t), 0);
	for (size_t i = 0; i < n; i++)
		wrong += e[i].count != 100 || e[i].last_seen_ns != 99;
	CHECK_EQ(wrong, 0);
	if (n == 1000)
		CHECK_STR(e[999].target, "sip:user999@192.0.2.231");
	redirect_table_free(t);
}

#define SEC	1000000000ull

/* Feeds target "<sip:NAME@x>" from 192.0.2.10 at now. */
static void feed_target(struct redirect_table *t, const char *name, __u64 now)
{
	char contact[64];
	const struct sip_event *ev;

	snprintf(contact, sizeof(contact), "<sip:%s@x>", name);
	ev = redirect_event(302, "192.0.2.10", contact);
	redirect_table_feed(t, ev, now);
}

/* The count of target "sip:NAME@x"; 0 if not in the table. */
static __u64 count_of(const struct redirect_table *t, const char *name)
{
	const struct redirect_entry *e;
	char target[64];
	size_t n;

	snprintf(target, sizeof(target), "sip:%s@x", name);
	e = redirect_table_entries(t, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].target, target))
			return e[i].count;
	return 0;
}

/* A target not seen for the max age is dropped; one seen since stays. */
static void table_expires_after_max_age(void)
{
	struct redirect_table *t = redirect_table_new(10, 100 * SEC);
	size_t n;

	CHECK(t);
	if (!t)
		return;
	CHECK_EQ(redirect_table_max_age_ns(t), 100 * SEC);
	feed_target(t, "a", 0);
	feed_target(t, "b", 10 * SEC);
	feed_target(t, "c", 20 * SEC);
	feed_target(t, "a", 50 * SEC);	/* seen again: its age starts over */
	redirect_table_expire(t, 109 * SEC);
	redirect_table_entries(t, &n);
	CHECK_EQ(n, 3);
	redirect_table_expire(t, 110 * SEC);	/* b: 100 s without it */
	redirect_table_entries(t, &n);
	CHECK_EQ(n, 2);
	CHECK_EQ(count_of(t, "b"), 0);
	CHECK_EQ(count_of(t, "a"), 2);
	CHECK_EQ(count_of(t, "c"), 1);
	CHECK_EQ(redirect_table_expired(t), 1);
	/* The ones left are still found: fed again, they count on. */
	feed_target(t, "c", 111 * SEC);
	CHECK_EQ(count_of(t, "c"), 2);
	redirect_table_expire(t, 150 * SEC);	/* a: 100 s since 50 s */
	CHECK_EQ(count_of(t, "a"), 0);
	CHECK_EQ(count_of(t, "c"), 2);
	/* b comes back as a new entry. */
	feed_target(t, "b", 151 * SEC);
	CHECK_EQ(count_of(t, "b"), 1);
	redirect_table_expire(t, 1000 * SEC);
	redirect_table_entries(t, &n);
	CHECK_EQ(n, 0);
	CHECK_EQ(redirect_table_expired(t), 4);
	CHECK_EQ(redirect_table_evictions(t), 0);
	CHECK_EQ(redirect_table_overflow(t), 0);
	/* A time before an entry's (events of several CPUs): not expired. */
	feed_target(t, "d", 2000 * SEC);
	redirect_table_expire(t, 1999 * SEC);
	CHECK_EQ(count_of(t, "d"), 1);
	redirect_table_free(t);
}

/*
 * Full: the least recently seen entry makes room once it has not been seen
 * for REDIRECT_EVICT_MIN_AGE_NS; recently seen ones never do (overflow). The
 * table that was once full takes new targets again: it used not to.
 */
static void table_full_evicts_least_recently_seen(void)
{
	struct redirect_table *t = redirect_table_new(3, 0);
	__u64 min_age = REDIRECT_EVICT_MIN_AGE_NS;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	feed_target(t, "a", 0);
	feed_target(t, "b", 1 * SEC);
	feed_target(t, "c", 2 * SEC);
	feed_target(t, "a", 3 * SEC);	/* b is now the least recently seen */
	/* All seen within the minute: the newcomer is overflow. */
	feed_target(t, "d", min_age);
	CHECK_EQ(count_of(t, "d"), 0);
	CHECK_EQ(redirect_table_overflow(t), 1);
	CHECK_EQ(redirect_table_evictions(t), 0);
	/* b idle for a minute: it makes room for d. */
	feed_target(t, "d", 1 * SEC + min_age);
	CHECK_EQ(count_of(t, "b"), 0);
	CHECK_EQ(count_of(t, "d"), 1);
	CHECK_EQ(count_of(t, "a"), 2);
	CHECK_EQ(count_of(t, "c"), 1);
	CHECK_EQ(redirect_table_evictions(t), 1);
	/* Next the least recently seen is c (2 s), then a (3 s), then d. */
	feed_target(t, "e", 3 * SEC + min_age);
	CHECK_EQ(count_of(t, "c"), 0);
	CHECK_EQ(count_of(t, "a"), 2);
	feed_target(t, "f", 3 * SEC + min_age);
	CHECK_EQ(count_of(t, "a"), 0);
	CHECK_EQ(count_of(t, "f"), 1);
	feed_target(t, "g", 3 * SEC + min_age);	/* d: seen 2 s ago */
	CHECK_EQ(count_of(t, "g"), 0);
	CHECK_EQ(redirect_table_overflow(t), 2);
	CHECK_EQ(redirect_table_evictions(t), 3);
	CHECK_EQ(redirect_table_expired(t), 0);
	redirect_table_entries(t, &n);
	CHECK_EQ(n, 3);
	/* An entry past the max age makes room as an expiry, not an eviction. */
	feed_target(t, "h", 10 * SEC + min_age + REDIRECT_DEFAULT_MAX_AGE_NS);
	CHECK_EQ(count_of(t, "h"), 1);
	CHECK_EQ(redirect_table_expired(t), 1);
	CHECK_EQ(redirect_table_evictions(t), 3);
	redirect_table_free(t);
}

/* The max age caps the eviction age: a table aging out in 10 s does not
 * hold entries a minute against newcomers. */
static void table_short_max_age_caps_eviction_age(void)
{
	struct redirect_table *t = redirect_table_new(1, 10 * SEC);

	CHECK(t);
	if (!t)
		return;
	feed_target(t, "a", 0);
	feed_target(t, "b", 9 * SEC);
	CHECK_EQ(redirect_table_overflow(t), 1);
	feed_target(t, "b", 10 * SEC);
	CHECK_EQ(count_of(t, "b"), 1);
	CHECK_EQ(count_of(t, "a"), 0);
	CHECK_EQ(redirect_table_expired(t), 1);
	redirect_table_free(t);
}

/*
 * Many targets coming and going through a small table, against a plain
 * model (an array scanned in full): the hash table's removals must keep
 * every entry findable, and the recency order must pick what the model does.
 */
struct model_entry {
	unsigned int id;
	__u64 count, last_seen, touched;
};

static void table_churn_matches_model(void)
{
	enum { CAP = 40, IDS = 120, STEPS = 30000 };
	const __u64 max_age = 300 * SEC;
	struct redirect_table *t = redirect_table_new(CAP, max_age);
	struct model_entry model[CAP];
	size_t n_model = 0, n, mismatches = 0;
	__u64 now = 0, touch = 0, overflow = 0, evictions = 0, expired = 0;
	unsigned int rng = 12345;
	char name[16];

	CHECK(t);
	if (!t)
		return;
	for (int step = 0; step < STEPS; step++) {
		unsigned int id;
		size_t i;

		/* Mostly bursts (ms apart), now and then a long pause. */
		rng = rng * 1103515245u + 12345u;
		now += (rng >> 16) % 64 ? (rng >> 16) % 1000 * 1000000ull
					: (rng >> 16) % 400 * SEC;
		if (step % 97 == 0) {
			redirect_table_expire(t, now);
			for (i = 0; i < n_model;) {
				if (now - model[i].last_seen >= max_age) {
					model[i] = model[--n_model];
					expired++;
				} else {
					i++;
				}
			}
			continue;
		}
		rng = rng * 1103515245u + 12345u;
		id = (rng >> 16) % IDS;
		snprintf(name, sizeof(name), "u%u", id);
		feed_target(t, name, now);
		for (i = 0; i < n_model && model[i].id != id; i++)
			;
		if (i < n_model) {
			model[i].count++;
			model[i].last_seen = now;
			model[i].touched = ++touch;
			continue;
		}
		if (n_model == CAP) {
			size_t old = 0;

			for (size_t j = 1; j < n_model; j++)
				if (model[j].touched < model[old].touched)
					old = j;
			if (now - model[old].last_seen >= max_age) {
				expired++;
			} else if (now - model[old].last_seen >= REDIRECT_EVICT_MIN_AGE_NS) {
				evictions++;
			} else {
				overflow++;
				continue;
			}
			model[old] = model[--n_model];
		}
		model[n_model++] = (struct model_entry){ id, 1, now, ++touch };
	}
	redirect_table_entries(t, &n);
	CHECK_EQ(n, n_model);
	for (size_t i = 0; i < n_model; i++) {
		snprintf(name, sizeof(name), "u%u", model[i].id);
		mismatches += count_of(t, name) != model[i].count;
	}
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(redirect_table_overflow(t), overflow);
	CHECK_EQ(redirect_table_evictions(t), evictions);
	CHECK_EQ(redirect_table_expired(t), expired);
	/* Each kind happened, or the test proves less than it says. */
	CHECK(overflow && evictions && expired);
	redirect_table_free(t);
}

TEST_MAIN("redirects",
	  TEST(contacts_name_addr),
	  TEST(contacts_bare_uri),
	  TEST(contacts_several),
	  TEST(contacts_quoted_display_name),
	  TEST(contacts_star_blanks_empty),
	  TEST(contacts_stop_at_max),
	  TEST(table_counts_and_last_seen),
	  TEST(table_distinct_by_code_source_target),
	  TEST(table_cuts_long_targets),
	  TEST(table_nul_kept_out_of_target),
	  TEST(table_overflow_when_full),
	  TEST(table_ignores_other_events),
	  TEST(table_many_targets),
	  TEST(table_expires_after_max_age),
	  TEST(table_full_evicts_least_recently_seen),
	  TEST(table_short_max_age_caps_eviction_age),
	  TEST(table_churn_matches_model))
