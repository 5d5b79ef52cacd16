// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two txn_tables (txtable.h): the sources, keyed by a hash of their address,
 * on one of two lists in the order they were last seen (unflagged, flagged),
 * so eviction and expiry look at list heads only; and the requests that
 * carried credentials, keyed by Call-ID, until 64*T1 after the last one.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ackmatch.h"
#include "suspects.h"
#include "txtable.h"

enum { LIST_UNFLAGGED, LIST_FLAGGED };
enum { LIST_PENDING };

struct source_entry {
	struct txn_link link;
	struct suspect_source s;
	__u64 window_start_ns;		/* of the auth failures counted toward the flag */
	__u32 window_failures;
};

/* A request with credentials: its 401/407 is a failed guess. */
struct credentialed_request {
	struct txn_link link;
	struct sipxdp_addr requester;
	__u32 cseq;
	__u64 last_ns;
	char call_id[SUSPECT_CALL_ID_MAX];
	size_t call_id_len;
};

struct suspect_table {
	struct txn_table sources;
	struct txn_table pending;
	__u64 evicted, expired;
	__u64 events[SUSPECT_REASONS];
};

static const char *const reason_names[SUSPECT_REASONS] = {
	[SUSPECT_SCANNER_USER_AGENT] = "scanner_user_agent",
	[SUSPECT_AUTH_FAILURES] = "auth_failures",
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

bool suspect_scanner_user_agent(const char *value, size_t len)
{
	for (size_t i = 0; i < sizeof(scanner_names) / sizeof(scanner_names[0]); i++) {
		size_t n = strlen(scanner_names[i]);

		for (size_t at = 0; at + n <= len; at++)
			if (!strncasecmp(value + at, scanner_names[i], n))
				return true;
	}
	return false;
}

struct suspect_table *suspect_table_new(size_t capacity)
{
	struct suspect_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (txn_table_init(&t->sources, capacity ? capacity : SUSPECT_DEFAULT_CAPACITY,
			   sizeof(struct source_entry), NULL) |
	    txn_table_init(&t->pending, SUSPECT_PENDING_CAPACITY,
			   sizeof(struct credentialed_request), NULL)) {
		suspect_table_free(t);
		return NULL;
	}
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

/* The source's entry, made (and made room for) if it has none. */
static struct source_entry *source_get(struct suspect_table *t, const struct sipxdp_addr *addr,
				       __u64 now_ns)
{
	__u64 hash = txn_table_hash(&t->sources, (const char *)addr, sizeof(*addr));
	struct source_entry *e;

	for (struct txn_link *l = txn_table_chain(&t->sources, hash); l; l = l->hash_next) {
		e = (struct source_entry *)l;
		if (l->hash == hash && addr_equal(&e->s.addr, addr)) {
			txn_table_move(&t->sources, l, l->list);
			e->s.last_seen_ns = now_ns > e->s.last_seen_ns ? now_ns : e->s.last_seen_ns;
			return e;
		}
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
	if (++e->window_failures >= SUSPECT_AUTH_FAILURES_MIN)
		flag(t, e, SUSPECT_AUTH_FAILURES);
}

static struct credentialed_request *pending_find(const struct suspect_table *t, __u64 hash,
						 const struct sip_event *ev, size_t call_id_len,
						 const struct sipxdp_addr *requester)
{
	for (struct txn_link *l = txn_table_chain(&t->pending, hash); l; l = l->hash_next) {
		struct credentialed_request *r = (struct credentialed_request *)l;

		if (l->hash == hash && r->cseq == ev->cseq && r->call_id_len == call_id_len &&
		    !memcmp(r->call_id, ev->call_id, call_id_len) &&
		    addr_equal(&r->requester, requester))
			return r;
	}
	return NULL;
}

static void on_credentials(struct suspect_table *t, const struct sip_event *ev, __u64 hash,
			   size_t call_id_len, __u64 now_ns)
{
	struct credentialed_request *r = pending_find(t, hash, ev, call_id_len, &ev->saddr);

	if (!r) {
		if (txn_table_full(&t->pending))
			txn_table_remove(&t->pending, txn_table_oldest(&t->pending, LIST_PENDING));
		r = (struct credentialed_request *)txn_table_insert(&t->pending, hash,
								    LIST_PENDING);
		r->requester = ev->saddr;
		r->cseq = ev->cseq;
		memcpy(r->call_id, ev->call_id, call_id_len);
		r->call_id_len = call_id_len;
	} else {
		txn_table_move(&t->pending, &r->link, LIST_PENDING);
	}
	r->last_ns = now_ns;
}

void suspect_table_feed(struct suspect_table *t, const struct sip_event *ev, __u64 now_ns)
{
	const struct sip_msg *m = ev->msg;
	size_t call_id_len = sip_event_call_id_len(ev, SUSPECT_CALL_ID_MAX);
	bool keyed = call_id_len && !(ev->flags & SIP_EVF_NO_CSEQ);
	__u64 hash;

	if (!m || (m->kind != SIP_REQUEST && m->kind != SIP_RESPONSE))
		return;
	hash = txn_table_hash(&t->pending, ev->call_id, call_id_len);
	if (m->kind == SIP_REQUEST) {
		const struct sip_header *ua = sip_find(m, SIP_H_USER_AGENT, NULL);

		if (ua && suspect_scanner_user_agent(ua->value.p, ua->value.len))
			on_scanner(t, ev, ua->value, now_ns);
		if (keyed && (sip_find(m, SIP_H_AUTHORIZATION, NULL) ||
			      sip_find(m, SIP_H_PROXY_AUTHORIZATION, NULL)))
			on_credentials(t, ev, hash, call_id_len, now_ns);
		return;
	}
	if (ev->status == 403 ||
	    ((ev->status == 401 || ev->status == 407) && keyed &&
	     pending_find(t, hash, ev, call_id_len, &ev->daddr)))
		on_auth_failure(t, &ev->daddr, now_ns);
}

/* Time since then; 0 for a time after now_ns (events of several CPUs do
 * not arrive in time order). */
static __u64 since(__u64 then_ns, __u64 now_ns)
{
	return now_ns > then_ns ? now_ns - then_ns : 0;
}

void suspect_table_expire(struct suspect_table *t, __u64 now_ns)
{
	struct txn_link *l;

	while ((l = txn_table_oldest(&t->pending, LIST_PENDING)) &&
	       since(((struct credentialed_request *)l)->last_ns, now_ns) >= ACK_REMEMBER_NS)
		txn_table_remove(&t->pending, l);
	for (unsigned int list = LIST_UNFLAGGED; list <= LIST_FLAGGED; list++)
		while ((l = txn_table_oldest(&t->sources, list)) &&
		       since(((struct source_entry *)l)->s.last_seen_ns, now_ns) >=
			       SUSPECT_MAX_AGE_NS) {
			txn_table_remove(&t->sources, l);
			t->expired++;
		}
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
