// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two txn_tables: the REGISTERs awaiting their final response (keyed by
 * Call-ID, joined in request order, so expiry looks at the list head), and
 * the bindings (keyed by AoR, so a "*" finds every binding of its AoR in
 * one chain; in refresh order, so eviction takes the head). Bindings expire
 * each at its own time: a scan runs when the earliest expiry has passed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ackmatch.h"
#include "registrations.h"
#include "txtable.h"

#define REG_CALL_ID_MAX	128
#define NS_PER_S	1000000000ull

/* An expiry in seconds, as asked for or granted; has: one was given. */
struct reg_expiry {
	bool has;
	__u32 seconds;
};

struct reg_contact {
	char uri[REG_URI_MAX];
	__u8 uri_len;
	struct reg_expiry asked;	/* its expires parameter */
};

struct pending_register {
	struct txn_link link;		/* first: the table's */
	__u64 request_ns;
	__u32 cseq;
	unsigned int peer;
	struct sipxdp_addr a, b;	/* the hop */
	__u8 call_id_len;
	__u8 aor_len;
	__u8 n_contacts;
	bool star;			/* a "*" Contact: remove them all */
	struct reg_expiry asked;	/* its Expires header */
	char call_id[REG_CALL_ID_MAX];
	char aor[REG_URI_MAX];
	struct reg_contact contacts[REG_CONTACTS_PER_REGISTER];
};

struct binding {
	struct txn_link link;
	__u64 expires_ns;
	unsigned int peer;
	__u8 aor_len;
	__u8 contact_len;
	char aor[REG_URI_MAX];
	char contact[REG_URI_MAX];
};

/* Each table has one list. */
enum { REG_LIST };

struct registration_table {
	struct txn_table pending;
	struct txn_table bindings;
	const struct peer_map *peers;
	unsigned int n_peers;
	__u64 *active;			/* n_peers */
	__u64 next_expiry_ns;		/* no binding expires before; UINT64_MAX: none */
	__u64 evicted;
	__u64 pending_evicted;
};

struct registration_table *registration_table_new(const struct peer_map *peers,
						  size_t capacity)
{
	struct registration_table *t = calloc(1, sizeof(*t));
	int err = 0;

	if (!t)
		return NULL;
	t->peers = peers;
	t->n_peers = peers_name_count(peers) + 1;
	t->next_expiry_ns = UINT64_MAX;
	t->active = calloc(t->n_peers, sizeof(*t->active));
	err |= txn_table_init(&t->pending, REG_PENDING_CAPACITY,
			      sizeof(struct pending_register), NULL);
	err |= txn_table_init(&t->bindings, capacity ? capacity : REG_DEFAULT_CAPACITY,
			      sizeof(struct binding), NULL);
	if (err || !t->active) {
		registration_table_free(t);
		return NULL;
	}
	return t;
}

void registration_table_free(struct registration_table *t)
{
	if (!t)
		return;
	txn_table_destroy(&t->pending);
	txn_table_destroy(&t->bindings);
	free(t->active);
	free(t);
}

static __u8 cut(struct sip_span s, size_t max)
{
	return (__u8)(s.len > max ? max : s.len);
}

static bool same_bytes(const char *a, size_t a_len, struct sip_span b, size_t max)
{
	return a_len == cut(b, max) && !memcmp(a, b.p, a_len);
}

/* 1*DIGIT, at most 2^32-1 seconds: a larger or broken value says nothing. */
static struct reg_expiry expiry_of(struct sip_span value)
{
	__u64 v;

	if (!sip_parse_uint(value, UINT32_MAX, &v))
		return (struct reg_expiry){ 0 };
	return (struct reg_expiry){ .has = true, .seconds = (__u32)v };
}

static struct reg_expiry header_expiry(const struct sip_msg *m)
{
	const struct sip_header *h = sip_find(m, SIP_H_EXPIRES, NULL);

	return h ? expiry_of(h->value) : (struct reg_expiry){ 0 };
}

static struct reg_expiry param_expiry(struct sip_span item)
{
	struct sip_span v;

	return sip_item_param(item, "expires", &v) ? expiry_of(v) : (struct reg_expiry){ 0 };
}

/* ---- REGISTERs awaiting their final response ---- */

static struct pending_register *pending_find(const struct registration_table *t,
					     __u64 hash, const struct sip_event *ev,
					     size_t len)
{
	for (struct txn_link *l = txn_table_chain(&t->pending, hash); l; l = l->hash_next) {
		struct pending_register *p = (struct pending_register *)l;

		if (l->hash == hash && p->cseq == ev->cseq && p->call_id_len == len &&
		    !memcmp(p->call_id, ev->call_id, len) &&
		    hop_equal(&p->a, &p->b, &ev->saddr, &ev->daddr))
			return p;
	}
	return NULL;
}

/* The AoR and the Contacts of a REGISTER, with the expiry each asked for. */
static void read_register(struct pending_register *p, const struct sip_msg *m)
{
	const struct sip_header *h = sip_find(m, SIP_H_TO, NULL);
	struct sip_span item;
	size_t pos = 0;

	if (h && sip_next_item(h->value, &pos, &item)) {
		struct sip_span aor = sip_item_uri(item);

		p->aor_len = cut(aor, REG_URI_MAX);
		memcpy(p->aor, aor.p, p->aor_len);
	}
	p->asked = header_expiry(m);
	for (h = sip_find(m, SIP_H_CONTACT, NULL); h; h = sip_find(m, SIP_H_CONTACT, h)) {
		for (pos = 0; sip_next_item(h->value, &pos, &item);) {
			struct sip_span uri = sip_item_uri(item);
			struct reg_contact *c;

			if (uri.len == 1 && uri.p[0] == '*') {
				p->star = true;
				continue;
			}
			if (!uri.len || p->n_contacts == REG_CONTACTS_PER_REGISTER)
				continue;
			c = &p->contacts[p->n_contacts++];
			c->uri_len = cut(uri, REG_URI_MAX);
			memcpy(c->uri, uri.p, c->uri_len);
			c->asked = param_expiry(item);
		}
	}
}

static void on_register(struct registration_table *t, const struct sip_event *ev,
			size_t len, __u64 hash, __u64 now_ns)
{
	struct pending_register *p;

	if (pending_find(t, hash, ev, len))
		return;		/* retransmitted */
	if (txn_table_full(&t->pending)) {
		txn_table_remove(&t->pending, txn_table_oldest(&t->pending, REG_LIST));
		t->pending_evicted++;
	}
	p = (struct pending_register *)txn_table_insert(&t->pending, hash, REG_LIST);
	p->request_ns = now_ns;
	p->cseq = ev->cseq;
	p->peer = peers_lookup_id(t->peers, event_remote(ev));
	if (p->peer >= t->n_peers)
		p->peer = 0;
	p->a = ev->saddr;
	p->b = ev->daddr;
	p->call_id_len = (__u8)len;
	memcpy(p->call_id, ev->call_id, len);
	read_register(p, ev->msg);
}

/* ---- bindings ---- */

static void binding_remove(struct registration_table *t, struct binding *b)
{
	t->active[b->peer]--;
	txn_table_remove(&t->bindings, &b->link);
}

static struct binding *binding_find(const struct registration_table *t, __u64 hash,
				    const struct pending_register *p,
				    const struct reg_contact *c)
{
	for (struct txn_link *l = txn_table_chain(&t->bindings, hash); l; l = l->hash_next) {
		struct binding *b = (struct binding *)l;

		if (l->hash == hash && b->peer == p->peer && b->aor_len == p->aor_len &&
		    !memcmp(b->aor, p->aor, p->aor_len) && b->contact_len == c->uri_len &&
		    !memcmp(b->contact, c->uri, c->uri_len))
			return b;
	}
	return NULL;
}

static void remove_aor(struct registration_table *t, __u64 hash,
		       const struct pending_register *p)
{
	struct txn_link *l = txn_table_chain(&t->bindings, hash), *next;

	for (; l; l = next) {
		struct binding *b = (struct binding *)l;

		next = l->hash_next;
		if (l->hash == hash && b->peer == p->peer && b->aor_len == p->aor_len &&
		    !memcmp(b->aor, p->aor, p->aor_len))
			binding_remove(t, b);
	}
}

/* The expiry the 2xx granted a Contact: its own Contact's parameter, else
 * its Expires header. */
static struct reg_expiry granted_expiry(const struct sip_msg *m, const struct reg_contact *c,
					struct reg_expiry header)
{
	struct sip_span item;

	for (const struct sip_header *h = sip_find(m, SIP_H_CONTACT, NULL); h;
	     h = sip_find(m, SIP_H_CONTACT, h))
		for (size_t pos = 0; sip_next_item(h->value, &pos, &item);) {
			struct reg_expiry e;

			if (!same_bytes(c->uri, c->uri_len, sip_item_uri(item), REG_URI_MAX))
				continue;
			e = param_expiry(item);
			if (e.has)
				return e;
		}
	return header;
}

static void bind(struct registration_table *t, __u64 hash, const struct pending_register *p,
		 const struct reg_contact *c, __u64 expires_ns)
{
	struct binding *b = binding_find(t, hash, p, c);

	if (!b) {
		if (txn_table_full(&t->bindings)) {
			binding_remove(t, (struct binding *)txn_table_oldest(&t->bindings,
									     REG_LIST));
			t->evicted++;
		}
		b = (struct binding *)txn_table_insert(&t->bindings, hash, REG_LIST);
		b->peer = p->peer;
		b->aor_len = p->aor_len;
		memcpy(b->aor, p->aor, p->aor_len);
		b->contact_len = c->uri_len;
		memcpy(b->contact, c->uri, c->uri_len);
		t->active[b->peer]++;
	} else {
		txn_table_move(&t->bindings, &b->link, REG_LIST);
	}
	b->expires_ns = expires_ns;
	if (expires_ns < t->next_expiry_ns)
		t->next_expiry_ns = expires_ns;
}

/* What a REGISTER asked for, as its 2xx granted it. */
static void apply_2xx(struct registration_table *t, const struct pending_register *p,
		      const struct sip_msg *m, __u64 now_ns)
{
	__u64 hash = txn_table_hash(&t->bindings, p->aor, p->aor_len);
	struct reg_expiry granted_header = header_expiry(m);

	if (p->star)
		remove_aor(t, hash, p);
	for (unsigned int i = 0; i < p->n_contacts; i++) {
		const struct reg_contact *c = &p->contacts[i];
		struct reg_expiry e = granted_expiry(m, c, granted_header);
		struct binding *b;

		if (!e.has)
			e = c->asked.has ? c->asked : p->asked;
		if (!e.has)
			e = (struct reg_expiry){ .has = true, .seconds = REG_DEFAULT_EXPIRES_S };
		if (e.seconds) {
			bind(t, hash, p, c, now_ns + e.seconds * NS_PER_S);
			continue;
		}
		b = binding_find(t, hash, p, c);
		if (b)
			binding_remove(t, b);
	}
}

static void on_response(struct registration_table *t, const struct sip_event *ev,
			size_t len, __u64 hash, __u64 now_ns)
{
	struct pending_register *p = pending_find(t, hash, ev, len);

	if (!p || ev->status < 200)
		return;
	if (ev->status < 300 && ev->msg)
		apply_2xx(t, p, ev->msg, now_ns);
	txn_table_remove(&t->pending, &p->link);
}

void registration_table_expire(struct registration_table *t, __u64 now_ns)
{
	struct txn_link *l, *next;

	while ((l = txn_table_oldest(&t->pending, REG_LIST))) {
		__u64 request_ns = ((struct pending_register *)l)->request_ns;

		if (now_ns < request_ns || now_ns - request_ns < ACK_REMEMBER_NS)
			break;
		txn_table_remove(&t->pending, l);
	}
	if (now_ns < t->next_expiry_ns)
		return;
	t->next_expiry_ns = UINT64_MAX;
	for (l = txn_table_oldest(&t->bindings, REG_LIST); l; l = next) {
		struct binding *b = (struct binding *)l;

		next = txn_table_next(&t->bindings, l);
		if (b->expires_ns <= now_ns)
			binding_remove(t, b);
		else if (b->expires_ns < t->next_expiry_ns)
			t->next_expiry_ns = b->expires_ns;
	}
}

void registration_table_feed(struct registration_table *t, const struct sip_event *ev,
			     __u64 now_ns)
{
	size_t len = sip_event_call_id_len(ev, REG_CALL_ID_MAX);
	__u64 hash;

	registration_table_expire(t, now_ns);
	if (ev->method != SIPXDP_M_REGISTER || !len || (ev->flags & SIP_EVF_NO_CSEQ) || !ev->msg)
		return;
	hash = txn_table_hash(&t->pending, ev->call_id, len);
	if (ev->kind == SIP_EV_REQUEST)
		on_register(t, ev, len, hash, now_ns);
	else
		on_response(t, ev, len, hash, now_ns);
}

unsigned int registration_table_peer_count(const struct registration_table *t)
{
	return t->n_peers;
}

__u64 registration_table_active(const struct registration_table *t, unsigned int peer)
{
	return peer < t->n_peers ? t->active[peer] : 0;
}

void registration_table_stats(const struct registration_table *t,
			      struct registration_stats *out)
{
	*out = (struct registration_stats){
		.entries = t->bindings.entries,
		.capacity = t->bindings.capacity,
		.evicted = t->evicted,
		.pending_entries = t->pending.entries,
		.pending_capacity = t->pending.capacity,
		.pending_evicted = t->pending_evicted,
	};
}
