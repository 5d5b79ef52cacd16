// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Transactions live in a txn_table (txtable.h): a pool allocated once (no
 * allocation per event, so no failure to handle at 20k events/s), a chained
 * hash table of Call-IDs, and lists in the order they time out, so expiry
 * and eviction only ever look at list heads.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "ackmatch.h"
#include "txtable.h"

const double ack_delay_bounds[ACK_DELAY_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 32,
};

enum ack_state {
	ACK_PENDING,
	ACK_MATCHED,
	ACK_MISSING,
	ACK_LATE,	/* missing, then its ACK came */
	ACK_UNVERIFIED,	/* no ACK by the timeout, and records were lost meanwhile */
};

/* The table's lists: pending ones by first_2xx_ns, done ones by done_ns. */
enum { LIST_PENDING, LIST_DONE };

struct ack_txn {
	struct txn_link link;		/* first: the table's */
	__u64 first_2xx_ns;
	__u64 done_ns;
	__u32 cseq;
	unsigned int peer;
	__u16 call_id_len;
	__u16 to_tag_len;
	__u8 state;			/* enum ack_state */
	__u8 direction;			/* of the first 2xx */
	__u16 uas_port;
	__u16 uac_port;
	struct sipxdp_addr uas_addr;
	struct sipxdp_addr uac_addr;
	char call_id[ACK_CALL_ID_MAX];
	char to_tag[ACK_TO_TAG_MAX];
};

struct ack_matcher {
	__u64 timeout_ns;
	__u64 remember_ns;	/* a 2xx transaction is known this long after its first 2xx */
	struct txn_table table;
	/* The latest time records were lost up to, when any were: a
	 * transaction whose first 2xx came by then was pending across a loss. */
	bool records_lost;
	__u64 gap_to_ns;
	const struct peer_map *peers;
	unsigned int n_peers;
	struct ack_peer_stats *by_peer;	/* n_peers */

	struct ack_missed *missed;	/* ring of missed_keep */
	size_t missed_keep;
	size_t missed_count;
	size_t missed_next;		/* slot the next missed call goes to */

	struct ack_stats stats;		/* gauges filled on read */
};

/* Also false when the clock went backwards (events from several CPUs). */
static int time_is_up(const struct ack_matcher *m, __u64 since_ns, __u64 now_ns)
{
	return now_ns >= since_ns && now_ns - since_ns >= m->timeout_ns;
}

struct ack_matcher *ack_matcher_new(const struct ack_matcher_opts *opts)
{
	struct ack_matcher_opts o = opts ? *opts : (struct ack_matcher_opts){ 0 };
	struct ack_matcher *m;

	if (!o.capacity)
		o.capacity = ACK_DEFAULT_CAPACITY;
	if (!o.timeout_ns)
		o.timeout_ns = ACK_DEFAULT_TIMEOUT_NS;
	if (!o.missed_keep)
		o.missed_keep = ACK_DEFAULT_MISSED_KEEP;

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->timeout_ns = o.timeout_ns;
	m->remember_ns = o.timeout_ns > ACK_REMEMBER_NS ? o.timeout_ns : ACK_REMEMBER_NS;
	m->peers = o.peers;
	m->n_peers = peers_name_count(o.peers) + 1;
	m->missed_keep = o.missed_keep;
	m->by_peer = calloc(m->n_peers, sizeof(*m->by_peer));
	m->missed = calloc(o.missed_keep, sizeof(*m->missed));
	if (txn_table_init(&m->table, o.capacity, sizeof(struct ack_txn), o.hash) ||
	    !m->by_peer || !m->missed) {
		ack_matcher_free(m);
		return NULL;
	}
	return m;
}

void ack_matcher_free(struct ack_matcher *m)
{
	if (!m)
		return;
	txn_table_destroy(&m->table);
	free(m->by_peer);
	free(m->missed);
	free(m);
}

static bool same_call_id(const struct ack_txn *t, __u64 hash, const char *call_id,
			 __u16 len)
{
	return t->link.hash == hash && t->call_id_len == len &&
	       memcmp(t->call_id, call_id, len) == 0;
}

static bool same_hop(const struct ack_txn *t, const struct sip_event *ev)
{
	return hop_equal(&t->uas_addr, &t->uac_addr, &ev->saddr, &ev->daddr);
}

static bool same_to_tag(const struct ack_txn *t, const struct sip_event *ev, __u16 tag_len)
{
	return t->to_tag_len == tag_len && memcmp(t->to_tag, ev->to_tag, tag_len) == 0;
}

#define txn_first(m, hash) ((struct ack_txn *)txn_table_chain(&(m)->table, hash))
#define txn_next(t) ((struct ack_txn *)(t)->link.hash_next)

/* The transaction of a 2xx: the same Call-ID, CSeq, To-tag and hop. */
static struct ack_txn *txn_find(const struct ack_matcher *m, const struct sip_event *ev,
				__u16 len, __u64 hash)
{
	__u16 tag_len = sip_event_to_tag_len(ev, ACK_TO_TAG_MAX);

	for (struct ack_txn *t = txn_first(m, hash); t; t = txn_next(t))
		if (t->cseq == ev->cseq && same_call_id(t, hash, ev->call_id, len) &&
		    same_to_tag(t, ev, tag_len) && same_hop(t, ev))
			return t;
	return NULL;
}

/*
 * The transaction an ACK completes. What the ACK lost to the end of its TCP
 * segment is left out of the key: without its CSeq, the pending 2xx of its
 * Call-ID on its hop (one INVITE transaction at a time per dialog); without
 * its To-tag, the oldest of its Call-ID and CSeq on its hop still pending.
 * A hop-by-hop ACK of an error response carries that response's To-tag, so
 * it never gets here without one.
 */
static struct ack_txn *txn_find_for_ack(const struct ack_matcher *m,
					const struct sip_event *ev, __u16 len, __u64 hash)
{
	bool no_cseq = ev->flags & SIP_EVF_NO_CSEQ;
	bool no_tag = ev->flags & SIP_EVF_NO_TO_TAG;
	__u16 tag_len = sip_event_to_tag_len(ev, ACK_TO_TAG_MAX);
	struct ack_txn *found = NULL;

	if (!no_cseq && !no_tag)
		return txn_find(m, ev, len, hash);
	for (struct ack_txn *t = txn_first(m, hash); t; t = txn_next(t)) {
		if (t->state != ACK_PENDING || !same_call_id(t, hash, ev->call_id, len) ||
		    !same_hop(t, ev) || (!no_cseq && t->cseq != ev->cseq) ||
		    (!no_tag && !same_to_tag(t, ev, tag_len)))
			continue;
		if (!found || t->first_2xx_ns < found->first_2xx_ns)
			found = t;
	}
	return found;
}

/* Moves a pending transaction to the done list; it stays there one timeout. */
static void txn_finish(struct ack_matcher *m, struct ack_txn *t, enum ack_state state,
		       __u64 now_ns)
{
	t->state = state;
	t->done_ns = now_ns;
	txn_table_move(&m->table, &t->link, LIST_DONE);
}

static void record_missed(struct ack_matcher *m, const struct ack_txn *t, __u64 now_ns)
{
	struct ack_missed *r = &m->missed[m->missed_next];

	memcpy(r->call_id, t->call_id, t->call_id_len);
	r->call_id[t->call_id_len] = '\0';
	r->cseq = t->cseq;
	r->peer = t->peer;
	r->direction = t->direction;
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
	struct ack_txn *t;

	while ((t = (struct ack_txn *)txn_table_oldest(&m->table, LIST_PENDING))) {
		if (!time_is_up(m, t->first_2xx_ns, now_ns))
			break;
		if (m->records_lost && t->first_2xx_ns <= m->gap_to_ns) {
			txn_finish(m, t, ACK_UNVERIFIED, now_ns);
			m->stats.unverified++;
			m->by_peer[t->peer].unverified++;
			continue;
		}
		txn_finish(m, t, ACK_MISSING, now_ns);
		m->stats.missing++;
		m->by_peer[t->peer].missing++;
		record_missed(m, t, now_ns);
	}
	/*
	 * A done transaction is remembered for 64*T1 from its first 2xx (or the
	 * timeout, if longer): its UAS retransmits the 2xx for that long when no
	 * ACK comes, and each copy must stay a retransmission, never a new call
	 * reported missing again. The list is in done order, which differs from
	 * first-2xx order by at most one timeout: a later head only waits.
	 */
	while ((t = (struct ack_txn *)txn_table_oldest(&m->table, LIST_DONE))) {
		if (now_ns < t->first_2xx_ns || now_ns - t->first_2xx_ns < m->remember_ns)
			break;
		txn_table_remove(&m->table, &t->link);
	}
}

void ack_matcher_gap(struct ack_matcher *m, __u64 to_ns)
{
	if (!m->records_lost || to_ns > m->gap_to_ns)
		m->gap_to_ns = to_ns;
	m->records_lost = true;
}

static void on_invite_2xx(struct ack_matcher *m, const struct sip_event *ev,
			  __u16 len, __u64 hash, __u64 now_ns)
{
	struct ack_txn *t = txn_find(m, ev, len, hash);
	__u16 tag_len = sip_event_to_tag_len(ev, ACK_TO_TAG_MAX);

	if (t) {
		m->stats.retransmissions++;
		m->by_peer[t->peer].retransmissions++;
		return;
	}
	if (txn_table_full(&m->table)) {
		/* A done transaction only serves to recognise late retransmissions:
		 * it goes first. Evicting a pending one loses a call: counted. */
		struct txn_link *oldest = txn_table_oldest(&m->table, LIST_DONE);

		if (!oldest) {
			oldest = txn_table_oldest(&m->table, LIST_PENDING);
			m->stats.evicted++;
		}
		txn_table_remove(&m->table, oldest);
	}

	t = (struct ack_txn *)txn_table_insert(&m->table, hash, LIST_PENDING);
	t->cseq = ev->cseq;
	t->call_id_len = len;
	memcpy(t->call_id, ev->call_id, len);
	t->to_tag_len = tag_len;
	memcpy(t->to_tag, ev->to_tag, tag_len);
	t->state = ACK_PENDING;
	t->first_2xx_ns = now_ns;
	t->direction = ev->direction;
	t->peer = peers_lookup_id(m->peers, event_remote(ev));
	if (t->peer >= m->n_peers)
		t->peer = 0;
	t->uas_addr = ev->saddr;
	t->uas_port = ev->sport;
	t->uac_addr = ev->daddr;
	t->uac_port = ev->dport;
	m->stats.invite_2xx++;
	m->by_peer[t->peer].invite_2xx++;
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

static void on_ack(struct ack_matcher *m, const struct sip_event *ev, __u16 len,
		   __u64 hash, __u64 now_ns)
{
	struct ack_txn *t = txn_find_for_ack(m, ev, len, hash);

	if (t && t->state == ACK_MISSING) {
		/* already reported missing: the call is late, not found again */
		t->state = ACK_LATE;
		m->stats.late++;
		m->by_peer[t->peer].late++;
		return;
	}
	if (t && t->state == ACK_UNVERIFIED)
		return;		/* not late: it was never declared missing */
	if (!t || t->state != ACK_PENDING) {
		m->stats.acks_unmatched++;
		return;
	}
	txn_finish(m, t, ACK_MATCHED, now_ns);
	m->stats.matched++;
	m->by_peer[t->peer].matched++;
	record_delay(&m->stats, now_ns >= t->first_2xx_ns ? now_ns - t->first_2xx_ns : 0);
}

void ack_matcher_feed(struct ack_matcher *m, const struct sip_event *ev, __u64 now_ns)
{
	__u16 len = sip_event_call_id_len(ev, ACK_CALL_ID_MAX);
	__u64 hash;

	ack_matcher_expire(m, now_ns);

	if (ev->kind != SIP_EV_INVITE_2XX && ev->kind != SIP_EV_ACK)
		return;
	if (ev->kind == SIP_EV_INVITE_2XX && (ev->flags & SIP_EVF_NO_CSEQ))
		return;
	if (!len)
		return;

	hash = txn_table_hash(&m->table, ev->call_id, len);
	if (ev->kind == SIP_EV_INVITE_2XX)
		on_invite_2xx(m, ev, len, hash, now_ns);
	else
		on_ack(m, ev, len, hash, now_ns);
}

void ack_matcher_stats(const struct ack_matcher *m, struct ack_stats *out)
{
	*out = m->stats;
	out->pending = m->table.on_list[LIST_PENDING];
	out->table_entries = m->table.entries;
	out->table_capacity = m->table.capacity;
}

unsigned int ack_matcher_peer_count(const struct ack_matcher *m)
{
	return m->n_peers;
}

const struct ack_peer_stats *ack_matcher_peer_stats(const struct ack_matcher *m,
						    unsigned int peer)
{
	return peer < m->n_peers ? &m->by_peer[peer] : NULL;
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
