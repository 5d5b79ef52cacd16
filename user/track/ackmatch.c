// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Transactions live in a pool allocated once (no allocation per event, so no
 * failure to handle at 20k events/s), found through a chained hash table,
 * and kept on intrusive lists in the order they time out, so expiry and
 * eviction only ever look at list heads.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "ackmatch.h"
#include "hash.h"

const double ack_delay_bounds[ACK_DELAY_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 32,
};

struct ack_node {
	struct ack_node *prev, *next;
};

enum ack_state {
	ACK_PENDING,
	ACK_MATCHED,
	ACK_MISSING,
	ACK_LATE,	/* missing, then its ACK came */
};

struct ack_txn {
	struct ack_txn *hash_next;	/* bucket chain, or the free list */
	struct ack_node timer;		/* on pending_list or done_list */
	__u64 hash;
	__u64 first_2xx_ns;
	__u64 done_ns;
	__u32 cseq;
	__u16 call_id_len;
	__u8 state;			/* enum ack_state */
	__u16 uas_port;
	__u16 uac_port;
	struct sipxdp_addr uas_addr;
	struct sipxdp_addr uac_addr;
	char call_id[SIPXDP_CALLID_LEN];
};

struct ack_matcher {
	__u64 timeout_ns;
	__u64 remember_ns;	/* a 2xx transaction is known this long after its first 2xx */
	size_t capacity;
	__u64 (*hash)(const char *call_id, size_t len);	/* NULL: seeded FNV-1a */
	__u64 seed;

	struct ack_txn **buckets;
	size_t bucket_mask;

	/* Entries past pool_used were never handed out; freed ones go on free_list. */
	struct ack_txn *pool;
	size_t pool_used;
	struct ack_txn *free_list;

	struct ack_node pending_list;	/* by first_2xx_ns */
	struct ack_node done_list;	/* by done_ns */
	size_t entries;
	size_t pending;

	struct ack_missed *missed;	/* ring of missed_keep */
	size_t missed_keep;
	size_t missed_count;
	size_t missed_next;		/* slot the next missed call goes to */

	struct ack_stats stats;		/* gauges filled on read */
};

#define txn_of(node, member) \
	((struct ack_txn *)((char *)(node) - offsetof(struct ack_txn, member)))

static void list_init(struct ack_node *head)
{
	head->prev = head;
	head->next = head;
}

static void list_add_tail(struct ack_node *head, struct ack_node *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

static void list_del(struct ack_node *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
}

static struct ack_node *list_first(const struct ack_node *head)
{
	return head->next == head ? NULL : head->next;
}

/* Of the Call-ID only: re-INVITEs of a dialog share a chain. Seeded: the
 * Call-IDs come from packets. */
static __u64 call_id_hash(const struct ack_matcher *m, const char *call_id, size_t len)
{
	if (m->hash)
		return m->hash(call_id, len);
	return hash_finish(hash_bytes(hash_start(m->seed), call_id, len));
}

/* Also false when the clock went backwards (events from several CPUs). */
static int time_is_up(const struct ack_matcher *m, __u64 since_ns, __u64 now_ns)
{
	return now_ns >= since_ns && now_ns - since_ns >= m->timeout_ns;
}

struct ack_matcher *ack_matcher_new(const struct ack_matcher_opts *opts)
{
	struct ack_matcher_opts o = opts ? *opts : (struct ack_matcher_opts){ 0 };
	struct ack_matcher *m;
	size_t nbuckets = 1;

	if (!o.capacity)
		o.capacity = ACK_DEFAULT_CAPACITY;
	if (!o.timeout_ns)
		o.timeout_ns = ACK_DEFAULT_TIMEOUT_NS;
	if (!o.missed_keep)
		o.missed_keep = ACK_DEFAULT_MISSED_KEEP;

	/* A power of two at least the capacity keeps chains about one long. */
	while (nbuckets < o.capacity) {
		if (nbuckets > SIZE_MAX / 2)
			return NULL;
		nbuckets <<= 1;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->timeout_ns = o.timeout_ns;
	m->remember_ns = o.timeout_ns > ACK_REMEMBER_NS ? o.timeout_ns : ACK_REMEMBER_NS;
	m->capacity = o.capacity;
	m->hash = o.hash;
	m->seed = hash_seed(m);
	m->missed_keep = o.missed_keep;
	m->bucket_mask = nbuckets - 1;
	list_init(&m->pending_list);
	list_init(&m->done_list);

	m->buckets = calloc(nbuckets, sizeof(*m->buckets));
	m->pool = calloc(o.capacity, sizeof(*m->pool));
	m->missed = calloc(o.missed_keep, sizeof(*m->missed));
	if (!m->buckets || !m->pool || !m->missed) {
		ack_matcher_free(m);
		return NULL;
	}
	return m;
}

void ack_matcher_free(struct ack_matcher *m)
{
	if (!m)
		return;
	free(m->buckets);
	free(m->pool);
	free(m->missed);
	free(m);
}

static struct ack_txn **bucket_of(const struct ack_matcher *m, __u64 hash)
{
	return &m->buckets[hash & m->bucket_mask];
}

static bool same_call_id(const struct ack_txn *t, __u64 hash, const char *call_id,
			 __u16 len)
{
	return t->hash == hash && t->call_id_len == len && memcmp(t->call_id, call_id, len) == 0;
}

static struct ack_txn *txn_find(const struct ack_matcher *m, __u64 hash,
				const char *call_id, __u16 len, __u32 cseq)
{
	for (struct ack_txn *t = *bucket_of(m, hash); t; t = t->hash_next)
		if (t->cseq == cseq && same_call_id(t, hash, call_id, len))
			return t;
	return NULL;
}

/* The pending transaction of a Call-ID, for an ACK that lost its CSeq. */
static struct ack_txn *txn_find_pending(const struct ack_matcher *m, __u64 hash,
					const char *call_id, __u16 len)
{
	for (struct ack_txn *t = *bucket_of(m, hash); t; t = t->hash_next)
		if (t->state == ACK_PENDING && same_call_id(t, hash, call_id, len))
			return t;
	return NULL;
}

static void txn_remove(struct ack_matcher *m, struct ack_txn *t)
{
	struct ack_txn **pp = bucket_of(m, t->hash);

	while (*pp != t)
		pp = &(*pp)->hash_next;
	*pp = t->hash_next;

	list_del(&t->timer);
	if (t->state == ACK_PENDING)
		m->pending--;
	m->entries--;

	t->hash_next = m->free_list;
	m->free_list = t;
}

static struct ack_txn *txn_alloc(struct ack_matcher *m)
{
	struct ack_txn *t = m->free_list;

	if (t)
		m->free_list = t->hash_next;
	else
		t = &m->pool[m->pool_used++];
	return t;
}

/* Moves a pending transaction to the done list; it stays there one timeout. */
static void txn_finish(struct ack_matcher *m, struct ack_txn *t, enum ack_state state,
		       __u64 now_ns)
{
	t->state = state;
	t->done_ns = now_ns;
	list_del(&t->timer);
	list_add_tail(&m->done_list, &t->timer);
	m->pending--;
}

static void record_missed(struct ack_matcher *m, const struct ack_txn *t, __u64 now_ns)
{
	struct ack_missed *r = &m->missed[m->missed_next];

	memcpy(r->call_id, t->call_id, t->call_id_len);
	r->call_id[t->call_id_len] = '\0';
	r->cseq = t->cseq;
	r->uas_addr = t->uas_addr;
	r->uac_addr = t->uac_addr;
	r->uas_port = t->uas_port;
	r->uac_port = t->uac_port;
	r->first_2xx_ns = t->first_2xx_ns;
	r->missing_ns = now_ns;

	m->missed_next = (m->missed_next + 1) % m->missed_keep;
	if (m->missed_count < m->missed_keep)
		m->missed_count++;
}

void ack_matcher_expire(struct ack_matcher *m, __u64 now_ns)
{
	struct ack_node *n;

	while ((n = list_first(&m->pending_list))) {
		struct ack_txn *t = txn_of(n, timer);

		if (!time_is_up(m, t->first_2xx_ns, now_ns))
			break;
		txn_finish(m, t, ACK_MISSING, now_ns);
		m->stats.missing++;
		record_missed(m, t, now_ns);
	}
	/*
	 * A done transaction is remembered for 64*T1 from its first 2xx (or the
	 * timeout, if longer): its UAS retransmits the 2xx for that long when no
	 * ACK comes, and each copy must stay a retransmission, never a new call
	 * reported missing again. The list is in done order, which differs from
	 * first-2xx order by at most one timeout: a later head only waits.
	 */
	while ((n = list_first(&m->done_list))) {
		struct ack_txn *t = txn_of(n, timer);

		if (now_ns < t->first_2xx_ns || now_ns - t->first_2xx_ns < m->remember_ns)
			break;
		txn_remove(m, t);
	}
}

static void on_invite_2xx(struct ack_matcher *m, const struct sipxdp_event *ev,
			  __u16 len, __u64 hash, __u64 now_ns)
{
	struct ack_txn *t = txn_find(m, hash, ev->call_id, len, ev->cseq);

	if (t) {
		m->stats.retransmissions++;
		return;
	}
	if (m->entries == m->capacity) {
		/* A done transaction only serves to recognise late retransmissions:
		 * it goes first. Evicting a pending one loses a call: counted. */
		struct ack_node *oldest = list_first(&m->done_list);

		if (!oldest) {
			oldest = list_first(&m->pending_list);
			m->stats.evicted++;
		}
		txn_remove(m, txn_of(oldest, timer));
	}

	t = txn_alloc(m);
	t->hash = hash;
	t->cseq = ev->cseq;
	t->call_id_len = len;
	memcpy(t->call_id, ev->call_id, len);
	t->state = ACK_PENDING;
	t->first_2xx_ns = now_ns;
	t->done_ns = 0;
	t->uas_addr = ev->saddr;
	t->uas_port = ev->sport;
	t->uac_addr = ev->daddr;
	t->uac_port = ev->dport;

	t->hash_next = *bucket_of(m, hash);
	*bucket_of(m, hash) = t;
	list_add_tail(&m->pending_list, &t->timer);
	m->entries++;
	m->pending++;
	m->stats.invite_2xx++;
}

static void record_delay(struct ack_stats *s, __u64 delay_ns)
{
	double seconds = (double)delay_ns / 1e9;

	for (int i = 0; i < ACK_DELAY_BUCKETS; i++) {
		if (seconds <= ack_delay_bounds[i])
			s->delay_buckets[i]++;
	}
	s->delay_count++;
	s->delay_sum_seconds += seconds;
}

static void on_ack(struct ack_matcher *m, const struct sipxdp_event *ev, __u16 len,
		   __u64 hash, __u64 now_ns)
{
	struct ack_txn *t = ev->flags & SIPXDP_EVF_NO_CSEQ ?
		txn_find_pending(m, hash, ev->call_id, len) :
		txn_find(m, hash, ev->call_id, len, ev->cseq);

	if (t && t->state == ACK_MISSING) {
		/* already reported missing: the call is late, not found again */
		t->state = ACK_LATE;
		m->stats.late++;
		return;
	}
	if (!t || t->state != ACK_PENDING) {
		m->stats.acks_unmatched++;
		return;
	}
	txn_finish(m, t, ACK_MATCHED, now_ns);
	m->stats.matched++;
	record_delay(&m->stats, now_ns >= t->first_2xx_ns ? now_ns - t->first_2xx_ns : 0);
}

void ack_matcher_feed(struct ack_matcher *m, const struct sipxdp_event *ev, __u64 now_ns)
{
	__u16 len = ev->call_id_len;
	__u64 hash;

	ack_matcher_expire(m, now_ns);

	if (ev->kind != SIPXDP_EV_INVITE_2XX && ev->kind != SIPXDP_EV_ACK)
		return;
	if ((ev->flags & SIPXDP_EVF_NO_CALLID) ||
	    (ev->kind == SIPXDP_EV_INVITE_2XX && (ev->flags & SIPXDP_EVF_NO_CSEQ)))
		return;
	/* The record is trusted no more than the packet it came from. */
	if (len > SIPXDP_CALLID_LEN)
		len = SIPXDP_CALLID_LEN;
	if (!len)
		return;

	hash = call_id_hash(m, ev->call_id, len);
	if (ev->kind == SIPXDP_EV_INVITE_2XX)
		on_invite_2xx(m, ev, len, hash, now_ns);
	else
		on_ack(m, ev, len, hash, now_ns);
}

void ack_matcher_stats(const struct ack_matcher *m, struct ack_stats *out)
{
	*out = m->stats;
	out->pending = m->pending;
	out->table_entries = m->entries;
	out->table_capacity = m->capacity;
}

size_t ack_matcher_missed(const struct ack_matcher *m, const struct ack_missed **out,
			  size_t max)
{
	size_t n = m->missed_count < max ? m->missed_count : max;

	for (size_t i = 0; i < n; i++)
		out[i] = &m->missed[(m->missed_next + m->missed_keep - 1 - i) %
				    m->missed_keep];
	return n;
}

/*
 * As Prometheus' histogram_quantile: find the bucket holding the rank, and
 * interpolate linearly inside it; the +Inf bucket answers its lower bound.
 */
double ack_stats_delay_quantile(const struct ack_stats *s, double q)
{
	double rank, lower = 0, below = 0;

	if (!s->delay_count || !(q > 0))
		return 0;
	if (q > 1)
		q = 1;
	rank = q * (double)s->delay_count;

	for (int i = 0; i < ACK_DELAY_BUCKETS; i++) {
		double cum = (double)s->delay_buckets[i];

		if (cum >= rank)
			return lower + (ack_delay_bounds[i] - lower) * (rank - below) /
				       (cum - below);
		lower = ack_delay_bounds[i];
		below = cum;
	}
	return ack_delay_bounds[ACK_DELAY_BUCKETS - 1];
}
