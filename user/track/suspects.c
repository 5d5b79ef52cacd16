// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two txn_tables (txtable.h): the sources, keyed by a hash of their address,
 * on one of two lists in the order they were last seen (unflagged, flagged),
 * so eviction and expiry look at list heads only; and the requests awaiting
 * their answer (those with credentials, and those outside a dialog that name
 * a user), keyed by a hash of their Call-ID, until 64*T1 after the last one.
 * Beside them, fixed arrays: the flood watch's counters, and when an answer
 * to each hash bucket of addresses was last seen.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ackmatch.h"
#include "hash.h"
#include "suspects.h"
#include "txtable.h"

enum { LIST_UNFLAGGED, LIST_FLAGGED };
enum { LIST_PENDING };

/* A HyperLogLog sketch, its harmonic sum and empty registers kept as it
 * changes, so an estimate costs no pass over the registers. */
struct hll {
	__u8 reg[SUSPECT_HLL_REGISTERS];
	__u16 zeros;
	double sum;			/* of 2^-reg[j] */
};

struct source_entry {
	struct txn_link link;
	struct suspect_source s;
	__u64 window_start_ns;		/* of the auth failures counted toward the flag */
	__u32 window_failures;
	/* the users tried in the window that began at users_start_ns */
	__u64 users_start_ns;
	bool users_open;		/* a window has begun */
	bool users_peak;		/* s.users_* are this window's */
	struct hll tried;		/* found or not */
	struct hll not_found;
};

#define PENDING_CREDENTIALS	(1u << 0)	/* the last copy carried credentials */
#define PENDING_ANSWERED	(1u << 1)	/* a response came, 100 Trying included */
#define PENDING_USER		(1u << 2)	/* outside a dialog, naming `user` */

/*
 * A request awaiting its answer, keyed by (Call-ID, CSeq number, requester):
 * its 401/407 is a failed guess when it carried credentials, and its
 * silence a user not found when it named one. The Call-ID is kept as its
 * 64-bit seeded hash only (link.hash).
 */
struct pending_request {
	struct txn_link link;
	struct sipxdp_addr requester;
	__u32 cseq;
	__u8 flags;
	__u64 user;			/* the user's hash, with PENDING_USER */
	__u64 first_ns, last_ns;
};

/* One counter of the flood watch (Misra-Gries), and the kernel's counts of
 * its source at the last read. */
struct watch_slot {
	struct sipxdp_addr addr;
	__u32 tag;			/* of the address's hash, to skip most compares */
	__u32 events;			/* request events this interval (less decrements) */
	__u16 methods;			/* bit per method seen since it took the slot */
	__u16 based;			/* bit per method whose count was read */
	bool used;
	bool kept;			/* heavy last interval: not free while quiet */
	__u64 base[SIPXDP_METHOD_MAX];
	__u64 base_ns;
};

struct suspect_table {
	struct txn_table sources;
	struct txn_table pending;
	struct suspect_opts opts;	/* defaults filled in */
	__u64 evicted, expired, pending_evicted, watch_samples;
	__u64 events[SUSPECT_REASONS];
	__u64 gap_ns;			/* the last loss of records */
	bool gap;
	__u64 user_seed;
	__u64 heard[SUSPECT_HEARD_SLOTS];	/* last answer to an address of this bucket */
	struct watch_slot watch[SUSPECT_WATCH_SLOTS];
	__u64 watch_start_ns;
	bool watch_started;
};

static const char *const reason_names[SUSPECT_REASONS] = {
	[SUSPECT_SCANNER_USER_AGENT] = "scanner_user_agent",
	[SUSPECT_AUTH_FAILURES] = "auth_failures",
	[SUSPECT_USER_ENUMERATION] = "user_enumeration",
	[SUSPECT_REQUEST_FLOOD] = "request_flood",
};

/* Lower case; matched anywhere in the User-Agent, in any case. */
static const char *const scanner_names[] = {
	"friendly-scanner", "sipcli", "sipvicious", "vaxsipuseragent", "sundayddr",
	"sip-scan", "sipsak", "iwar", "pplsip",
};

const char *suspect_reason_name(enum suspect_reason reason)
{
	return reason < SUSPECT_REASONS ? reason_names[reason] : "?";
}

/*
 * Every request with a User-Agent comes here: the value is folded to lower
 * case once, a window at a time, and each name searched with memmem (a
 * strncasecmp at every position for every name cost a microsecond for a
 * long User-Agent). Windows overlap by the longest name less one, so a
 * name across their border is found.
 */
#define UA_WINDOW	256
#define UA_NAME_MAX	32	/* longer than any scanner name */

bool suspect_scanner_user_agent(const char *value, size_t len)
{
	char lower[UA_WINDOW];
	size_t at = 0;

	for (;;) {
		size_t n = len - at < UA_WINDOW ? len - at : UA_WINDOW;

		for (size_t i = 0; i < n; i++)
			lower[i] = value[at + i] >= 'A' && value[at + i] <= 'Z' ?
				   (char)(value[at + i] | 0x20) : value[at + i];
		for (size_t i = 0; i < sizeof(scanner_names) / sizeof(scanner_names[0]); i++)
			if (memmem(lower, n, scanner_names[i], strlen(scanner_names[i])))
				return true;
		if (at + n >= len)
			return false;
		at += n - (UA_NAME_MAX - 1);
	}
}

struct suspect_table *suspect_table_new(const struct suspect_opts *opts)
{
	struct suspect_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (opts)
		t->opts = *opts;
	if (!t->opts.capacity)
		t->opts.capacity = SUSPECT_DEFAULT_CAPACITY;
	if (!t->opts.auth_failures)
		t->opts.auth_failures = SUSPECT_DEFAULT_AUTH_FAILURES;
	if (!t->opts.users)
		t->opts.users = SUSPECT_DEFAULT_USERS;
	if (!t->opts.request_rate)
		t->opts.request_rate = SUSPECT_DEFAULT_REQUEST_RATE;
	if (txn_table_init(&t->sources, t->opts.capacity, sizeof(struct source_entry), NULL) |
	    txn_table_init(&t->pending, SUSPECT_PENDING_CAPACITY, sizeof(struct pending_request),
			   NULL)) {
		suspect_table_free(t);
		return NULL;
	}
	t->user_seed = t->opts.seed ? t->opts.seed : hash_seed(t);
	return t;
}

void suspect_table_free(struct suspect_table *t)
{
	if (!t)
		return;
	txn_table_destroy(&t->sources);
	txn_table_destroy(&t->pending);
	free(t);
}

void suspect_table_thresholds(const struct suspect_table *t, struct suspect_opts *out)
{
	*out = t->opts;
}

/* Time since then; 0 for a time after now_ns (events of several CPUs do
 * not arrive in time order). */
static __u64 since(__u64 then_ns, __u64 now_ns)
{
	return now_ns > then_ns ? now_ns - then_ns : 0;
}

static __u64 addr_hash(const struct suspect_table *t, const struct sipxdp_addr *addr)
{
	return txn_table_hash(&t->sources, (const char *)addr, sizeof(*addr));
}

static __u64 mix64(__u64 x);

/* A cheaper hash of an address, for what is looked at on every message (the
 * flood watch's tags, the answers heard): collisions there only cost a
 * compare, or let an unanswered request count where an answer to another
 * address was seen. Seeded all the same. */
static __u64 addr_mix(const struct suspect_table *t, const struct sipxdp_addr *addr)
{
	__u64 lo, hi;

	memcpy(&lo, addr->bytes, sizeof(lo));
	memcpy(&hi, addr->bytes + 8, sizeof(hi));
	return mix64(lo ^ t->user_seed) ^ mix64(hi + addr->family);
}

static struct source_entry *source_find(const struct suspect_table *t,
					const struct sipxdp_addr *addr, __u64 hash)
{
	for (struct txn_link *l = txn_table_chain(&t->sources, hash); l; l = l->hash_next) {
		struct source_entry *e = (struct source_entry *)l;

		if (l->hash == hash && addr_equal(&e->s.addr, addr))
			return e;
	}
	return NULL;
}

/* The source's entry, seen now: made (and made room for) if it has none. */
static struct source_entry *source_get(struct suspect_table *t, const struct sipxdp_addr *addr,
				       __u64 now_ns)
{
	__u64 hash = addr_hash(t, addr);
	struct source_entry *e = source_find(t, addr, hash);

	if (e) {
		txn_table_move(&t->sources, &e->link, e->link.list);
		e->s.last_seen_ns = now_ns > e->s.last_seen_ns ? now_ns : e->s.last_seen_ns;
		return e;
	}
	if (txn_table_full(&t->sources)) {
		struct txn_link *victim = txn_table_oldest(&t->sources, LIST_UNFLAGGED);

		if (!victim)
			victim = txn_table_oldest(&t->sources, LIST_FLAGGED);
		txn_table_remove(&t->sources, victim);
		t->evicted++;
	}
	e = (struct source_entry *)txn_table_insert(&t->sources, hash, LIST_UNFLAGGED);
	e->s.addr = *addr;
	e->s.first_seen_ns = e->s.last_seen_ns = now_ns;
	return e;
}

static void flag(struct suspect_table *t, struct source_entry *e, enum suspect_reason reason)
{
	e->s.flagged |= 1u << reason;
	if (e->link.list != LIST_FLAGGED)
		txn_table_move(&t->sources, &e->link, LIST_FLAGGED);
}

static void on_scanner(struct suspect_table *t, const struct sip_event *ev,
		       struct sip_span user_agent, __u64 now_ns)
{
	struct source_entry *e = source_get(t, &ev->saddr, now_ns);
	size_t len = user_agent.len < SUSPECT_USER_AGENT_MAX ? user_agent.len
							      : SUSPECT_USER_AGENT_MAX;

	t->events[SUSPECT_SCANNER_USER_AGENT]++;
	e->s.events[SUSPECT_SCANNER_USER_AGENT]++;
	memcpy(e->s.user_agent, user_agent.p, len);
	e->s.user_agent[len] = '\0';
	/* A NUL would end the C string early: shown as U+FFFD, like 0xff. */
	for (size_t i = 0; i < len; i++)
		if (!e->s.user_agent[i])
			e->s.user_agent[i] = (char)0xff;
	e->s.user_agent_len = len;
	flag(t, e, SUSPECT_SCANNER_USER_AGENT);
}

static void on_auth_failure(struct suspect_table *t, const struct sipxdp_addr *requester,
			    __u64 now_ns)
{
	struct source_entry *e = source_get(t, requester, now_ns);

	t->events[SUSPECT_AUTH_FAILURES]++;
	e->s.events[SUSPECT_AUTH_FAILURES]++;
	if (!e->window_failures || now_ns - e->window_start_ns >= SUSPECT_AUTH_WINDOW_NS) {
		e->window_start_ns = now_ns;
		e->window_failures = 0;
	}
	if (++e->window_failures >= t->opts.auth_failures)
		flag(t, e, SUSPECT_AUTH_FAILURES);
}

/*
 * HyperLogLog (Flajolet et al. 2007) with SUSPECT_HLL_REGISTERS one-byte
 * registers: the first SUSPECT_HLL_BITS bits of a user's hash pick a
 * register, which keeps the most leading zeros (plus one) seen in the rest.
 * Below 2.5 registers' worth the estimate is linear counting of the empty
 * ones, exact to a few percent there, which is where the threshold sits.
 */
static __u64 mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static void hll_clear(struct hll *h)
{
	memset(h->reg, 0, sizeof(h->reg));
	h->zeros = SUSPECT_HLL_REGISTERS;
	h->sum = SUSPECT_HLL_REGISTERS;
}

static void hll_add(struct hll *h, __u64 hash)
{
	unsigned int idx = (unsigned int)(hash >> (64 - SUSPECT_HLL_BITS));
	__u64 rest = hash << SUSPECT_HLL_BITS;
	__u8 rank = rest ? (__u8)(__builtin_clzll(rest) + 1) : 64 - SUSPECT_HLL_BITS + 1;

	if (rank <= h->reg[idx])
		return;
	h->zeros -= !h->reg[idx];
	h->sum += ldexp(1.0, -(int)rank) - ldexp(1.0, -(int)h->reg[idx]);
	h->reg[idx] = rank;
}

static __u32 hll_estimate(const struct hll *h)
{
	const double m = SUSPECT_HLL_REGISTERS, alpha = 0.7213 / (1 + 1.079 / m);
	double e = alpha * m * m / h->sum;

	if (e <= 2.5 * m && h->zeros)
		e = m * log(m / h->zeros);
	return e >= 4e9 ? 4000000000u : (__u32)(e + 0.5);
}

/* The hash of a user as it was tried: the table's own seed, so nobody can
 * pick users that pile into one register. */
static __u64 user_hash(const struct suspect_table *t, struct sip_span user)
{
	return mix64(hash_bytes(hash_start(t->user_seed), user.p, user.len));
}

/*
 * One user addr tried: not found (the entry is made if need be), or found
 * (for a source already in the table, its entry e: found users alone are
 * no suspicion). Flagged when at least `users` were not found in the window
 * and they are more than half of those tried.
 */
static void note_user(struct suspect_table *t, struct source_entry *e,
		      const struct sipxdp_addr *addr, __u64 user, bool not_found, __u64 now_ns)
{
	__u32 tried, missing;

	if (not_found) {
		e = source_get(t, addr, now_ns);
		t->events[SUSPECT_USER_ENUMERATION]++;
		e->s.events[SUSPECT_USER_ENUMERATION]++;
	}
	if (!e->users_open || since(e->users_start_ns, now_ns) >= SUSPECT_USERS_WINDOW_NS) {
		hll_clear(&e->tried);
		hll_clear(&e->not_found);
		e->users_start_ns = now_ns;
		e->users_open = true;
		e->users_peak = false;
	}
	hll_add(&e->tried, user);
	if (not_found)
		hll_add(&e->not_found, user);
	/* registers of a subset never exceed the set's: missing <= tried */
	tried = hll_estimate(&e->tried);
	missing = hll_estimate(&e->not_found);
	if (missing >= e->s.users_not_found) {
		e->s.users_not_found = missing;
		e->users_peak = true;
	}
	if (e->users_peak)
		e->s.users_tried = tried;
	if (not_found && missing >= t->opts.users && 2ull * missing > tried)
		flag(t, e, SUSPECT_USER_ENUMERATION);
}

/* What a response says of the user its request tried. */
enum user_verdict { USER_UNKNOWN, USER_FOUND, USER_NOT_FOUND };

static enum user_verdict user_verdict(__u16 status)
{
	switch (status) {
	case 404:	/* Not Found */
	case 484:	/* Address Incomplete */
	case 604:	/* Does Not Exist Anywhere */
		return USER_NOT_FOUND;
	case 180: case 401: case 407: case 480: case 486: case 487: case 600: case 603:
		return USER_FOUND;
	}
	return status >= 200 && status < 400 ? USER_FOUND : USER_UNKNOWN;
}

static size_t heard_slot(__u64 addr_hash)
{
	return addr_hash & (SUSPECT_HEARD_SLOTS - 1);
}

static struct pending_request *pending_find(const struct suspect_table *t, __u64 hash,
					    __u32 cseq, const struct sipxdp_addr *requester)
{
	for (struct txn_link *l = txn_table_chain(&t->pending, hash); l; l = l->hash_next) {
		struct pending_request *r = (struct pending_request *)l;

		if (l->hash == hash && r->cseq == cseq && addr_equal(&r->requester, requester))
			return r;
	}
	return NULL;
}

static void pending_note(struct suspect_table *t, const struct sip_event *ev, __u64 hash,
			 bool credentials, const __u64 *user, __u64 now_ns)
{
	struct pending_request *r = pending_find(t, hash, ev->cseq, &ev->saddr);

	if (!r) {
		if (txn_table_full(&t->pending)) {
			txn_table_remove(&t->pending, txn_table_oldest(&t->pending, LIST_PENDING));
			t->pending_evicted++;
		}
		r = (struct pending_request *)txn_table_insert(&t->pending, hash, LIST_PENDING);
		r->requester = ev->saddr;
		r->cseq = ev->cseq;
		r->first_ns = now_ns;
	} else {
		txn_table_move(&t->pending, &r->link, LIST_PENDING);
	}
	r->flags = (r->flags & ~PENDING_CREDENTIALS) | (credentials ? PENDING_CREDENTIALS : 0);
	if (user) {
		r->flags |= PENDING_USER;
		r->user = *user;
	}
	r->last_ns = now_ns > r->last_ns ? now_ns : r->last_ns;
}

/* A request event for the flood watch: its source's counter, a free one,
 * or every counter one less (the new source and one of each cancel out). */
static void watch_note(struct suspect_table *t, const struct sipxdp_addr *addr, __u8 method)
{
	__u32 tag = (__u32)addr_mix(t, addr);
	__u16 bit = (__u16)(1u << (method & (SIPXDP_METHOD_MAX - 1)));
	struct watch_slot *free_slot = NULL;

	if (!t->opts.read_requests)
		return;	/* nothing to judge a rate with */
	for (unsigned int i = 0; i < SUSPECT_WATCH_SLOTS; i++) {
		struct watch_slot *w = &t->watch[i];

		if (w->used && w->tag == tag && addr_equal(&w->addr, addr)) {
			w->events++;
			w->methods |= bit;
			return;
		}
		if (!free_slot && (!w->used || (!w->events && !w->kept)))
			free_slot = w;
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->addr = *addr;
		free_slot->tag = tag;
		free_slot->events = 1;
		free_slot->methods = bit;
		free_slot->used = true;
		return;
	}
	for (unsigned int i = 0; i < SUSPECT_WATCH_SLOTS; i++)
		if (t->watch[i].events)
			t->watch[i].events--;
}

void suspect_table_feed(struct suspect_table *t, const struct sip_event *ev, __u64 now_ns)
{
	const struct sip_msg *m = ev->msg;
	size_t call_id_len = sip_event_call_id_len(ev, SUSPECT_CALL_ID_MAX);
	bool keyed = call_id_len && !(ev->flags & SIP_EVF_NO_CSEQ);
	struct pending_request *r = NULL;
	struct source_entry *e = NULL;
	enum user_verdict verdict;
	struct sip_span user;
	__u64 hash, uh, ah;

	if (!m || (m->kind != SIP_REQUEST && m->kind != SIP_RESPONSE))
		return;
	hash = txn_table_hash(&t->pending, ev->call_id, call_id_len);
	if (m->kind == SIP_REQUEST) {
		const struct sip_header *ua = sip_find(m, SIP_H_USER_AGENT, NULL);
		bool credentials = sip_find(m, SIP_H_AUTHORIZATION, NULL) ||
				   sip_find(m, SIP_H_PROXY_AUTHORIZATION, NULL);
		/* a request that starts something (no To-tag) and is answered:
		 * not an ACK, nor a CANCEL, whose answer says nothing of the user */
		bool opens = (ev->flags & SIP_EVF_NO_TO_TAG) && m->method != SIPXDP_M_ACK &&
			     m->method != SIPXDP_M_CANCEL;

		watch_note(t, &ev->saddr, m->method);
		if (ua && suspect_scanner_user_agent(ua->value.p, ua->value.len))
			on_scanner(t, ev, ua->value, now_ns);
		if (!keyed)
			return;
		user = sip_to_user(m);
		if (!user.len)
			user = sip_uri_user(m->uri);
		uh = user.len ? user_hash(t, user) : 0;
		if (credentials || (opens && user.len))
			pending_note(t, ev, hash, credentials, opens && user.len ? &uh : NULL,
				     now_ns);
		return;
	}

	/* A response: its destination is the requester. Any answer to it shows
	 * that answers to that address can be seen. */
	ah = addr_mix(t, &ev->daddr);
	if (now_ns > t->heard[heard_slot(ah)])
		t->heard[heard_slot(ah)] = now_ns;
	if (keyed)
		r = pending_find(t, hash, ev->cseq, &ev->daddr);
	if (r)
		r->flags |= PENDING_ANSWERED;
	if (ev->status == 403 ||
	    ((ev->status == 401 || ev->status == 407) && r && (r->flags & PENDING_CREDENTIALS)))
		on_auth_failure(t, &ev->daddr, now_ns);
	verdict = user_verdict(ev->status);
	/* a user found counts only for a source in the table: most have none */
	if (verdict == USER_FOUND)
		e = source_find(t, &ev->daddr, addr_hash(t, &ev->daddr));
	if (verdict == USER_NOT_FOUND || (verdict == USER_FOUND && e)) {
		/* a response carries its request's To */
		user = sip_to_user(m);
		if (user.len)
			note_user(t, e, &ev->daddr, user_hash(t, user),
				  verdict == USER_NOT_FOUND, now_ns);
		else if (r && (r->flags & PENDING_USER))
			note_user(t, e, &ev->daddr, r->user, verdict == USER_NOT_FOUND, now_ns);
	}
	/* Answered for good: only one with credentials waits on, for the next
	 * guess on the same Call-ID and CSeq. */
	if (r && ev->status >= 200 && !(r->flags & PENDING_CREDENTIALS))
		txn_table_remove(&t->pending, &r->link);
}

void suspect_table_gap(struct suspect_table *t, __u64 now_ns)
{
	if (!t->gap || now_ns > t->gap_ns)
		t->gap_ns = now_ns;
	t->gap = true;
}

/*
 * A request that waited 64*T1 for an answer. Unanswered, naming a user,
 * with no records lost since it was sent, and with an answer to its source
 * seen after it (so answers to that source are not out of sight): its user
 * was not found.
 */
static void pending_end(struct suspect_table *t, struct pending_request *r, __u64 now_ns)
{
	__u64 heard = t->heard[heard_slot(addr_mix(t, &r->requester))];

	if ((r->flags & (PENDING_ANSWERED | PENDING_USER)) == PENDING_USER &&
	    !(t->gap && t->gap_ns >= r->first_ns) && heard > r->first_ns)
		note_user(t, NULL, &r->requester, r->user, true, now_ns);
	txn_table_remove(&t->pending, &r->link);
}

void suspect_table_expire(struct suspect_table *t, __u64 now_ns)
{
	struct txn_link *l;

	while ((l = txn_table_oldest(&t->pending, LIST_PENDING)) &&
	       since(((struct pending_request *)l)->last_ns, now_ns) >= ACK_REMEMBER_NS)
		pending_end(t, (struct pending_request *)l, now_ns);
	for (unsigned int list = LIST_UNFLAGGED; list <= LIST_FLAGGED; list++)
		while ((l = txn_table_oldest(&t->sources, list)) &&
		       since(((struct source_entry *)l)->s.last_seen_ns, now_ns) >=
			       SUSPECT_MAX_AGE_NS) {
			txn_table_remove(&t->sources, l);
			t->expired++;
		}
}

static void on_flood(struct suspect_table *t, const struct sipxdp_addr *addr, __u64 requests,
		     __u64 rate, __u64 now_ns)
{
	struct source_entry *e = source_get(t, addr, now_ns);

	t->events[SUSPECT_REQUEST_FLOOD] += requests;
	e->s.events[SUSPECT_REQUEST_FLOOD] += requests;
	if (rate > e->s.request_rate)
		e->s.request_rate = rate;
	flag(t, e, SUSPECT_REQUEST_FLOOD);
}

/*
 * One counter's source at the interval's end: the kernel's count of each
 * method it was seen sending, less the last read (a count below it is a row
 * the LRU evicted and made again: all of it is new), over the time since.
 */
static void watch_sample(struct suspect_table *t, struct watch_slot *w, __u64 now_ns)
{
	__u64 counts[SIPXDP_METHOD_MAX], delta = 0, rate;
	bool measured = false;
	double secs;

	for (unsigned int m = 0; m < SIPXDP_METHOD_MAX; m++) {
		if (!(w->methods & (1u << m)))
			continue;
		if (t->opts.read_requests(t->opts.read_ctx, &w->addr, (__u8)m, &counts[m])) {
			w->based = 0;	/* judged again from the next read */
			return;
		}
		t->watch_samples++;
	}
	for (unsigned int m = 0; m < SIPXDP_METHOD_MAX; m++) {
		if (!(w->methods & (1u << m)))
			continue;
		if (w->based & (1u << m)) {
			delta += counts[m] >= w->base[m] ? counts[m] - w->base[m] : counts[m];
			measured = true;
		}
		w->base[m] = counts[m];
		w->based |= (__u16)(1u << m);
	}
	secs = (double)since(w->base_ns, now_ns) / 1e9;
	w->base_ns = now_ns;
	if (!measured || secs <= 0)
		return;
	rate = (__u64)((double)delta / secs);
	if (rate >= t->opts.request_rate)
		on_flood(t, &w->addr, delta, rate, now_ns);
}

void suspect_table_watch(struct suspect_table *t, __u64 now_ns)
{
	if (!t->opts.read_requests)
		return;
	if (!t->watch_started) {
		t->watch_start_ns = now_ns;
		t->watch_started = true;
		return;
	}
	if (since(t->watch_start_ns, now_ns) < SUSPECT_WATCH_INTERVAL_NS)
		return;
	for (unsigned int i = 0; i < SUSPECT_WATCH_SLOTS; i++) {
		struct watch_slot *w = &t->watch[i];

		if (!w->used || (!w->events && !w->kept))
			continue;
		watch_sample(t, w, now_ns);
		/* A tenth of the rate in events: its counter stays through a
		 * quiet start of the next interval, so its rate is measured
		 * against this read, whatever spoofed sources pass by. */
		w->kept = (__u64)w->events * 10 >= t->opts.request_rate;
		w->events = 0;
	}
	t->watch_start_ns = now_ns;
}

void suspect_table_stats(const struct suspect_table *t, struct suspect_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->flagged = t->sources.on_list[LIST_FLAGGED];
	out->entries = t->sources.entries;
	out->capacity = t->sources.capacity;
	out->evicted = t->evicted;
	out->expired = t->expired;
	memcpy(out->events, t->events, sizeof(out->events));
	out->pending_entries = t->pending.entries;
	out->pending_capacity = t->pending.capacity;
	out->pending_evicted = t->pending_evicted;
	out->watch_samples = t->watch_samples;
}

size_t suspect_table_flagged(const struct suspect_table *t, const struct suspect_source **out,
			     size_t max)
{
	size_t n = 0;

	for (struct txn_link *l = txn_table_oldest(&t->sources, LIST_FLAGGED); l && n < max;
	     l = txn_table_next(&t->sources, l))
		out[n++] = &((struct source_entry *)l)->s;
	return n;
}
