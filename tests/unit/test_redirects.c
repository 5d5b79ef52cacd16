// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stdlib.h>
#include "redirects.h"
#include "testlib.h"

#define MAX_WANT 8

/* Splits value and checks the URIs against want, a NULL-terminated list. */
static void check_split(const char *value, size_t max, const char *const want[])
{
	struct contact_uri uris[MAX_WANT];
	size_t n = contact_split(value, strlen(value), uris, max), n_want = 0;
	char got[128];

	while (want[n_want])
		n_want++;
	CHECK_EQ(n, n_want);
	for (size_t i = 0; i < n && i < n_want; i++) {
		snprintf(got, sizeof(got), "%.*s", (int)uris[i].len, uris[i].start);
		CHECK_STR(got, want[i]);
		/* A span of the value, not a copy. */
		CHECK(uris[i].start >= value && uris[i].start + uris[i].len <= value + strlen(value));
	}
}

#define SPLIT(value, ...) check_split(value, MAX_WANT, (const char *const[]){ __VA_ARGS__, NULL })

static void split_name_addr(void)
{
	SPLIT("<sip:alice@192.0.2.20>", "sip:alice@192.0.2.20");
	SPLIT("<sip:alice@192.0.2.20;transport=tcp>;expires=60;q=0.5",
	      "sip:alice@192.0.2.20;transport=tcp");
	SPLIT("Alice <sip:alice@192.0.2.20>;q=1", "sip:alice@192.0.2.20");
	/* A comma inside <...> (URI headers) does not split. */
	SPLIT("<sip:a@x?Subject=a,b>, <sip:b@y>", "sip:a@x?Subject=a,b", "sip:b@y");
	/* Cut short by the kernel's slot: the URI runs to the end. */
	SPLIT("<sip:alice@192.0.2", "sip:alice@192.0.2");
}

static void split_bare_uri(void)
{
	SPLIT("sip:bob@192.0.2.30;transport=udp;expires=3600", "sip:bob@192.0.2.30");
	SPLIT("sip:bob@192.0.2.30", "sip:bob@192.0.2.30");
	/* A '<' among the parameters is not a name-addr. */
	SPLIT("sip:bob@x;p=<y>", "sip:bob@x");
	/* A quoted parameter value may hold a comma. */
	SPLIT("sip:a@x;p=\"1,2\",sip:b@y", "sip:a@x", "sip:b@y");
}

static void split_several(void)
{
	SPLIT("<sip:a@x>;q=0.9, sip:b@y;q=0.5,<tel:+15551234>",
	      "sip:a@x", "sip:b@y", "tel:+15551234");
	/* Several Contact headers, joined by ',' in the event. */
	SPLIT("<sip:a@x>,<sip:b@y>", "sip:a@x", "sip:b@y");
}

static void split_quoted_display_name(void)
{
	SPLIT("\"Doe, John <boss>\" <sip:john@x>;q=0.1, sip:k@y", "sip:john@x", "sip:k@y");
	/* An escaped quote does not end the display name. */
	SPLIT("\"a\\\",<b\" <sip:x@y>", "sip:x@y");
	SPLIT("\"\" <sip:x@y>", "sip:x@y");
}

static void split_star_blanks_empty(void)
{
	SPLIT("*", "*");
	SPLIT(" \t* \t", "*");
	SPLIT(" \t<sip:a@x> \t, \t sip:b@y \t;q=1", "sip:a@x", "sip:b@y");
	SPLIT("< sip:a@x >", "sip:a@x");
	SPLIT(",, ,\t,sip:a@x,,", "sip:a@x");
	SPLIT("<>, ;q=1, <sip:a@x>", "sip:a@x");
	check_split("", MAX_WANT, (const char *const[]){ NULL });
	check_split(" , ", MAX_WANT, (const char *const[]){ NULL });
}

static void split_stops_at_max(void)
{
	check_split("sip:1,sip:2,sip:3,sip:4,sip:5", 3,
		    (const char *const[]){ "sip:1", "sip:2", "sip:3", NULL });
	check_split("sip:1", 0, (const char *const[]){ NULL });
}

static struct sipxdp_event redirect_event(__u16 status, const char *source, const char *contact)
{
	struct sipxdp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = SIPXDP_EV_REDIRECT;
	ev.status = status;
	ev.saddr.family = AF_INET;
	inet_pton(AF_INET, source, ev.saddr.bytes);
	ev.contact_len = (__u16)strlen(contact);
	memcpy(ev.contact, contact, ev.contact_len);
	return ev;
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
	struct sipxdp_event ev = redirect_event(302, "192.0.2.10", "<sip:alice@192.0.2.20>;q=1");
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	CHECK_EQ(redirect_table_capacity(t), REDIRECT_DEFAULT_MAX_TARGETS);
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 0);
	redirect_table_feed(t, &ev, 1000);
	redirect_table_feed(t, &ev, 2000);
	redirect_table_feed(t, &ev, 5000);
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
	struct sipxdp_event evs[] = {
		redirect_event(301, "192.0.2.10", "<sip:a@x>"),
		redirect_event(302, "192.0.2.10", "<sip:a@x>"),
		redirect_event(301, "192.0.2.11", "<sip:a@x>"),
		redirect_event(301, "192.0.2.10", "<sip:b@x>"),
		redirect_event(301, "192.0.2.10", "sip:a@x;q=1"),	/* the first again */
		redirect_event(305, "192.0.2.12", "<sip:c@x>, sip:d@x"),
	};
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		redirect_table_feed(t, &evs[i], 100 * (i + 1));
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
	char contact[SIPXDP_CONTACT_LEN + 1];
	struct sipxdp_event ev;
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	/* A 300-byte URI, then one of exactly REDIRECT_TARGET_MAX bytes. */
	memset(contact, 'a', sizeof(contact));
	memcpy(contact, "<sip:", 5);
	strcpy(contact + 1 + 300, ">");
	ev = redirect_event(302, "192.0.2.10", contact);
	redirect_table_feed(t, &ev, 1);
	strcpy(contact + 1 + REDIRECT_TARGET_MAX, ">");
	ev = redirect_event(302, "192.0.2.10", contact);
	redirect_table_feed(t, &ev, 2);

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

	/* A contact_len beyond the slot is held to it. */
	memset(&ev.contact, 'b', sizeof(ev.contact));
	ev.contact_len = 60000;
	redirect_table_feed(t, &ev, 3);
	e = redirect_table_entries(t, &n);
	CHECK_EQ(n, 3);
	if (n == 3)
		CHECK(e[2].target_cut && e[2].target_len == REDIRECT_TARGET_MAX);
	redirect_table_free(t);
}

static void table_nul_kept_out_of_target(void)
{
	struct redirect_table *t = redirect_table_new(0, 0);
	struct sipxdp_event ev = redirect_event(302, "192.0.2.10", "<sip:a@x>");
	const struct redirect_entry *e;
	size_t n;

	CHECK(t);
	if (!t)
		return;
	ev.contact[4] = '\0';	/* <sip\0a@x> */
	redirect_table_feed(t, &ev, 1);
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
	struct sipxdp_event ev;
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
		redirect_table_feed(t, &ev, (__u64)i);
	}
	/* Known targets still count when full; new ones overflow each time. */
	ev = redirect_event(302, "192.0.2.10", "<sip:0@x>, <sip:4@x>");
	redirect_table_feed(t, &ev, 10);
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
	struct sipxdp_event ev = redirect_event(200, "192.0.2.10", "<sip:a@x>");
	size_t n;

	CHECK(t);
	if (!t)
		return;
	ev.kind = SIPXDP_EV_INVITE_2XX;
	redirect_table_feed(t, &ev, 1);
	ev.kind = SIPXDP_EV_ACK;
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
	struct sipxdp_event ev;
	char contact[64];
	size_t n, wrong = 0;

	CHECK(t);
	if (!t)
		return;
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 1000; i++) {
			snprintf(contact, sizeof(contact), "<sip:user%d@192.0.2.%d>", i, i % 256);
			ev = redirect_event(302, "192.0.2.10", contact);
			redirect_table_feed(t, &ev, (__u64)round);
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
	struct sipxdp_event ev;

	snprintf(contact, sizeof(contact), "<sip:%s@x>", name);
	ev = redirect_event(302, "192.0.2.10", contact);
	redirect_table_feed(t, &ev, now);
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
	  TEST(split_name_addr),
	  TEST(split_bare_uri),
	  TEST(split_several),
	  TEST(split_quoted_display_name),
	  TEST(split_star_blanks_empty),
	  TEST(split_stops_at_max),
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
