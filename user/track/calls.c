// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calls and OPTIONS/REGISTER transactions live in two txn_tables
 * (txtable.h), so no event allocates and expiry only looks at list heads.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "calls.h"
#include "txtable.h"

static const double setup_bounds[] = { 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32 };
static const double answer_bounds[] = { 0.5, 1, 2.5, 5, 10, 15, 20, 25, 32 };
static const double duration_bounds[] = { 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200 };
static const double request_delay_bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					       0.25, 0.5, 1, 2.5, 5, 10, 32 };
#define BOUNDS(a) { a, sizeof(a) / sizeof(a[0]) }
const struct call_hist_bounds call_setup_bounds = BOUNDS(setup_bounds);
const struct call_hist_bounds call_answer_bounds = BOUNDS(answer_bounds);
const struct call_hist_bounds call_duration_bounds = BOUNDS(duration_bounds);
const struct call_hist_bounds call_request_delay_bounds = BOUNDS(request_delay_bounds);
_Static_assert(sizeof(request_delay_bounds) / sizeof(double) <= CALL_HIST_MAX,
	       "histogram bounds fit CALL_HIST_MAX");

static const char *const outcome_names[CALL_OUTCOMES] = {
	[CALL_ANSWERED] = "answered",
	[CALL_REDIRECTED] = "redirected",
	[CALL_REJECTED] = "rejected",
	[CALL_INEFFECTIVE] = "ineffective",
	[CALL_CANCELLED] = "cancelled",
	[CALL_FAILED] = "failed",
	[CALL_UNANSWERED] = "unanswered",
	[CALL_UNVERIFIED] = "unverified",
};

static const char *const unseen_reason_names[CALL_UNSEEN_REASONS] = {
	[CALL_UNSEEN_EVENTS_LOST] = "events_lost",
	[CALL_UNSEEN_MAX_DURATION] = "max_duration",
	[CALL_UNSEEN_NO_MEDIA] = "no_media",
};

const char *call_side_name(enum call_side s)
{
	return s == CALL_CALLEE ? "callee" : "caller";
}

/* The slot of a cause in range: Q.850's first, then SIP's. */
static unsigned int cause_slot(enum sip_reason_protocol proto, unsigned int cause)
{
	if (proto == SIP_REASON_Q850)
		return cause - SIP_REASON_Q850_MIN;
	return SIP_REASON_Q850_MAX - SIP_REASON_Q850_MIN + 1 + cause - SIP_REASON_SIP_MIN;
}

__u64 call_cause_count(const struct call_peer_stats *p, enum sip_reason_protocol proto,
		       unsigned int cause)
{
	if (cause < sip_reason_cause_min(proto) || cause > sip_reason_cause_max(proto))
		return 0;
	return p->causes[cause_slot(proto, cause)];
}

/* Every cause in every Reason header of the message, under the call's peer. */
static void count_causes(struct call_peer_stats *p, const struct sip_event *ev)
{
	const struct sip_header *h = NULL;

	if (!ev->msg)
		return;
	while ((h = sip_find(ev->msg, SIP_H_REASON, h))) {
		struct sip_span item;
		size_t pos = 0;

		while (sip_next_item(h->value, &pos, &item)) {
			enum sip_reason_protocol proto;
			unsigned int cause;

			if (sip_reason_cause(item, &proto, &cause))
				p->causes[cause_slot(proto, cause)]++;
		}
	}
}

const char *call_outcome_name(enum call_outcome o)
{
	return o < CALL_OUTCOMES ? outcome_names[o] : "?";
}

const char *call_unseen_reason_name(enum call_unseen_reason r)
{
	return r < CALL_UNSEEN_REASONS ? unseen_reason_names[r] : "?";
}

const char *call_direction_name(enum call_direction d)
{
	return d == CALL_OUTBOUND ? "outbound" : "inbound";
}

/* RFC 6076: rejected ones reached the far end, which said no (SEER counts
 * them effective); ineffective ones never got there (ISA). */
enum call_outcome call_outcome_of(unsigned int status)
{
	switch (status) {
	case 480: case 486: case 600: case 603:
		return CALL_REJECTED;
	case 408: case 500: case 503: case 504:
		return CALL_INEFFECTIVE;
	case 487:
		return CALL_CANCELLED;
	}
	if (status >= 200 && status < 300)
		return CALL_ANSWERED;
	if (status >= 300 && status < 400)
		return CALL_REDIRECTED;
	return CALL_FAILED;
}

enum call_state {
	CALL_SETUP,	/* INVITE seen, no final response yet */
	CALL_ACTIVE,	/* answered */
	CALL_BYE,	/* answered, BYE seen, waiting for its 2xx */
	CALL_FINISHED,	/* a final other than 2xx, or completed */
};

/* The call table's lists: each in the order entries joined it. */
enum { CALLS_SETUP, CALLS_ACTIVE, CALLS_DONE };

struct call {
	struct txn_link link;		/* first: the table's */
	__u64 invite_ns;
	__u64 answer_ns;
	__u64 bye_ns;
	__u64 forget_ns;		/* CALLS_DONE: leaves the table then */
	__u32 cseq;
	__u32 bye_cseq;
	unsigned int peer;
	__u16 call_id_len;
	__u8 state;			/* enum call_state */
	__u8 direction;			/* enum call_direction */
	bool setup_timed;		/* setup delay recorded */
	bool cancel_seen;
	bool cancel_answered;
	bool lost_while_active;		/* records were lost; its media kept it up */
	struct sipxdp_addr a, b;	/* the hop */
	char call_id[CALL_CALL_ID_MAX];
};

/* The OPTIONS/REGISTER table's lists. */
enum { REQS_PENDING, REQS_DONE };

struct request_txn {
	struct txn_link link;
	__u64 request_ns;
	__u32 cseq;
	unsigned int peer;
	__u16 call_id_len;
	__u8 method;
	bool answered;
	struct sipxdp_addr a, b;
	char call_id[CALL_CALL_ID_MAX];
};

struct call_tracker {
	struct ack_matcher *acks;
	struct txn_table calls;
	struct txn_table requests;
	const struct peer_map *peers;
	unsigned int n_peers;
	struct call_peer_stats *by_peer;	/* n_peers */
	struct call_stats stats;		/* gauges filled on read */
	__u64 max_call_duration_ns;
	struct call_media_hooks media;
	/* The latest time records were lost up to, when any were: what began
	 * by then and waits still was waiting across a loss. */
	bool records_lost;
	__u64 gap_to_ns;
};

struct call_tracker *call_tracker_new(const struct call_tracker_opts *opts)
{
	struct call_tracker_opts o = opts ? *opts : (struct call_tracker_opts){ 0 };
	struct call_tracker *t = calloc(1, sizeof(*t));
	int err = 0;

	if (!t)
		return NULL;
	if (!o.max_calls)
		o.max_calls = CALL_DEFAULT_CAPACITY;
	t->max_call_duration_ns = o.max_call_duration_ns ? o.max_call_duration_ns :
							   CALL_DEFAULT_MAX_DURATION_NS;
	t->media = o.media;
	o.acks.peers = o.peers;
	t->peers = o.peers;
	t->n_peers = peers_name_count(o.peers) + 1;
	t->by_peer = calloc(t->n_peers, sizeof(*t->by_peer));
	t->acks = ack_matcher_new(&o.acks);
	err |= txn_table_init(&t->calls, o.max_calls, sizeof(struct call), o.acks.hash);
	err |= txn_table_init(&t->requests, o.max_calls, sizeof(struct request_txn),
			      o.acks.hash);
	if (err || !t->by_peer || !t->acks) {
		call_tracker_free(t);
		return NULL;
	}
	return t;
}

void call_tracker_free(struct call_tracker *t)
{
	if (!t)
		return;
	ack_matcher_free(t->acks);
	txn_table_destroy(&t->calls);
	txn_table_destroy(&t->requests);
	free(t->by_peer);
	free(t);
}

void call_histogram_observe(struct call_histogram *h, const struct call_hist_bounds *b,
			    double v)
{
	for (unsigned int i = 0; i < b->n; i++)
		if (v <= b->v[i])
			h->buckets[i]++;
	h->count++;
	h->sum_seconds += v;
}

static void record(struct call_histogram *h, const struct call_hist_bounds *b,
		   __u64 from_ns, __u64 to_ns)
{
	/* Events from several CPUs can come a little out of order. */
	call_histogram_observe(h, b, to_ns > from_ns ? (double)(to_ns - from_ns) / 1e9 : 0);
}

static bool is_up(__u64 since_ns, __u64 now_ns)
{
	return now_ns >= since_ns && now_ns - since_ns >= CALL_REMEMBER_NS;
}

/* What began at since_ns and waits still may have lost its answer. */
static bool waited_across_gap(const struct call_tracker *t, __u64 since_ns)
{
	return t->records_lost && since_ns <= t->gap_to_ns;
}

static unsigned int peer_of(const struct call_tracker *t, const struct sip_event *ev)
{
	unsigned int id = peers_lookup_id(t->peers, event_remote(ev));

	return id < t->n_peers ? id : 0;
}

/* ---- calls ---- */

#define call_first(t, hash) ((struct call *)txn_table_chain(&(t)->calls, hash))
#define call_next(c) ((struct call *)(c)->link.hash_next)

/* Whether c is of the dialog (call_id, hop a-b). */
static bool call_of_dialog(const struct call *c, __u64 hash, const char *call_id, __u16 len,
			   const struct sipxdp_addr *a, const struct sipxdp_addr *b)
{
	return c->link.hash == hash && c->call_id_len == len && !memcmp(c->call_id, call_id, len) &&
	       hop_equal(&c->a, &c->b, a, b);
}

static bool call_is(const struct call *c, __u64 hash, const struct sip_event *ev,
		    __u16 len)
{
	return call_of_dialog(c, hash, ev->call_id, len, &ev->saddr, &ev->daddr);
}

/* The call of an INVITE transaction: Call-ID, CSeq and hop. */
static struct call *call_find(const struct call_tracker *t, __u64 hash,
			      const struct sip_event *ev, __u16 len)
{
	for (struct call *c = call_first(t, hash); c; c = call_next(c))
		if (c->cseq == ev->cseq && call_is(c, hash, ev, len))
			return c;
	return NULL;
}

/* The call in a given state of a dialog's message (a BYE: its CSeq differs). */
static struct call *call_find_in_state(const struct call_tracker *t, __u64 hash,
				       const struct sip_event *ev, __u16 len,
				       enum call_state state)
{
	for (struct call *c = call_first(t, hash); c; c = call_next(c))
		if (c->state == state && call_is(c, hash, ev, len))
			return c;
	return NULL;
}

/* An active call leaves the gauge: completed, or dropped. */
static void call_deactivate(struct call_tracker *t, struct call *c)
{
	struct call_peer_stats *p = &t->by_peer[c->peer];

	if ((c->state == CALL_ACTIVE || c->state == CALL_BYE) && p->active)
		p->active--;
}

static void call_done(struct call_tracker *t, struct call *c, enum call_state state,
		      __u64 forget_ns)
{
	c->state = state;
	c->forget_ns = forget_ns;
	txn_table_move(&t->calls, &c->link, CALLS_DONE);
}

/* An active call whose BYE and its 2xx were not seen ends, finished: a BYE
 * seen afterwards finds no active call to complete. Its media ends with it,
 * unless the media tracker is the one that ended it (tell_media false). */
static void call_end_unseen(struct call_tracker *t, struct call *c,
			    enum call_unseen_reason reason, bool tell_media, __u64 now_ns)
{
	t->by_peer[c->peer].ended_unseen[reason]++;
	if (tell_media && t->media.ended)
		t->media.ended(t->media.ctx, c->call_id, c->call_id_len, &c->a, &c->b, now_ns);
	call_deactivate(t, c);
	/* kept for 64*T1 from the INVITE, as any finished call */
	call_done(t, c, CALL_FINISHED, c->invite_ns + CALL_REMEMBER_NS);
}

/* Room for one more call (the table is full). */
static void calls_make_room(struct call_tracker *t)
{
	struct txn_link *l = txn_table_oldest(&t->calls, CALLS_DONE);
	struct call *c;

	if (!l)
		l = txn_table_oldest(&t->calls, CALLS_ACTIVE);
	if (!l)
		l = txn_table_oldest(&t->calls, CALLS_SETUP);
	c = (struct call *)l;
	if (c->state != CALL_FINISHED)
		t->stats.calls_evicted++;
	call_deactivate(t, c);
	txn_table_remove(&t->calls, l);
}

/* The caller-ID attestation of a call's INVITE. */
static void count_identity(struct call_peer_stats *p, enum call_direction d,
			   const struct sip_event *ev)
{
	enum sip_verstat v;

	if (!ev->msg)
		return;
	p->attest[d][sip_attest(ev->msg)]++;
	if (sip_verstat(ev->msg, &v))
		p->verstat[d][v]++;
}

static void on_invite(struct call_tracker *t, const struct sip_event *ev, __u16 len,
		      __u64 hash, __u64 now_ns)
{
	struct call *c;

	if (sip_event_to_tag_len(ev, SIZE_MAX)) {
		t->stats.reinvites++;	/* inside a dialog: not a new call */
		return;
	}
	if (call_find(t, hash, ev, len))
		return;			/* retransmitted */
	if (txn_table_full(&t->calls))
		calls_make_room(t);
	c = (struct call *)txn_table_insert(&t->calls, hash, CALLS_SETUP);
	c->invite_ns = now_ns;
	c->cseq = ev->cseq;
	c->peer = peer_of(t, ev);
	c->direction = ev->direction == SIPXDP_DIR_EGRESS ? CALL_OUTBOUND : CALL_INBOUND;
	c->state = CALL_SETUP;
	c->a = ev->saddr;
	c->b = ev->daddr;
	c->call_id_len = len;
	memcpy(c->call_id, ev->call_id, len);
	t->by_peer[c->peer].attempts[c->direction]++;
	count_identity(&t->by_peer[c->peer], c->direction, ev);
}

static void on_invite_response(struct call_tracker *t, const struct sip_event *ev,
			       __u16 len, __u64 hash, __u64 now_ns)
{
	struct call *c = call_find(t, hash, ev, len);
	struct call_peer_stats *p;
	enum call_outcome outcome;

	if (!c || c->state != CALL_SETUP)
		return;		/* not seen from its INVITE, or decided already */
	p = &t->by_peer[c->peer];
	if (ev->status < 200) {
		if (ev->status >= 180 && ev->status < 190 && !c->setup_timed) {
			record(&p->setup, &call_setup_bounds, c->invite_ns, now_ns);
			c->setup_timed = true;
		}
		return;
	}
	if (!c->setup_timed) {
		record(&p->setup, &call_setup_bounds, c->invite_ns, now_ns);
		c->setup_timed = true;
	}
	outcome = call_outcome_of(ev->status);
	p->outcomes[c->direction][outcome]++;
	count_causes(p, ev);
	if (outcome != CALL_ANSWERED) {
		/* kept for 64*T1 from the INVITE: its retransmissions stay known */
		call_done(t, c, CALL_FINISHED, c->invite_ns + CALL_REMEMBER_NS);
		return;
	}
	record(&p->answer, &call_answer_bounds, c->invite_ns, now_ns);
	c->answer_ns = now_ns;
	c->state = CALL_ACTIVE;
	txn_table_move(&t->calls, &c->link, CALLS_ACTIVE);
	p->active++;
}

static void on_bye(struct call_tracker *t, const struct sip_event *ev, __u16 len,
		   __u64 hash, __u64 now_ns)
{
	struct call *c = call_find_in_state(t, hash, ev, len, CALL_ACTIVE);

	if (!c)
		return;		/* a retransmitted BYE finds its call in CALL_BYE */
	c->bye_ns = now_ns;
	c->bye_cseq = ev->cseq;
	/* c->a sent the INVITE on this hop */
	t->by_peer[c->peer].ended_by[addr_equal(&ev->saddr, &c->a) ? CALL_CALLER :
								    CALL_CALLEE]++;
	count_causes(&t->by_peer[c->peer], ev);
	/* no 2xx within 64*T1 of the BYE: it leaves, not completed */
	call_done(t, c, CALL_BYE, now_ns + CALL_REMEMBER_NS);
}

static void on_bye_response(struct call_tracker *t, const struct sip_event *ev, __u16 len,
			    __u64 hash)
{
	struct call *c = call_find_in_state(t, hash, ev, len, CALL_BYE);
	struct call_peer_stats *p;

	if (!c || c->bye_cseq != ev->cseq || ev->status < 200 || ev->status >= 300)
		return;
	p = &t->by_peer[c->peer];
	call_deactivate(t, c);
	c->state = CALL_FINISHED;	/* stays until forget_ns: retransmitted 2xx */
	p->completed++;
	record(&p->duration, &call_duration_bounds, c->answer_ns, c->bye_ns);
}

static void on_cancel(struct call_tracker *t, const struct sip_event *ev, __u16 len,
		      __u64 hash, bool response)
{
	struct call *c = call_find(t, hash, ev, len);

	if (!c)
		return;
	if (!response) {
		if (c->state == CALL_SETUP && !c->cancel_seen) {
			c->cancel_seen = true;
			t->by_peer[c->peer].cancels++;
			count_causes(&t->by_peer[c->peer], ev);
		}
	} else if (c->cancel_seen && !c->cancel_answered && ev->status >= 200 &&
		   ev->status < 300) {
		c->cancel_answered = true;
		t->by_peer[c->peer].cancels_answered++;
	}
}

static void calls_expire(struct call_tracker *t, __u64 now_ns)
{
	struct txn_link *l;

	while ((l = txn_table_oldest(&t->calls, CALLS_SETUP))) {
		struct call *c = (struct call *)l;

		if (!is_up(c->invite_ns, now_ns))
			break;
		/* Timer B: no final response within 64*T1 (RFC 3261 17.1.1.2) */
		t->by_peer[c->peer].outcomes[c->direction][waited_across_gap(t, c->invite_ns) ?
							  CALL_UNVERIFIED : CALL_UNANSWERED]++;
		txn_table_remove(&t->calls, l);
	}
	/* In the order they were answered. */
	while ((l = txn_table_oldest(&t->calls, CALLS_ACTIVE))) {
		struct call *c = (struct call *)l;

		if (now_ns < c->answer_ns || now_ns - c->answer_ns < t->max_call_duration_ns)
			break;
		call_end_unseen(t, c, CALL_UNSEEN_MAX_DURATION, true, now_ns);
	}
	/* In the order they finished, which differs from forget_ns's by at
	 * most 64*T1: a later head only waits. */
	while ((l = txn_table_oldest(&t->calls, CALLS_DONE))) {
		struct call *c = (struct call *)l;

		if (now_ns < c->forget_ns)
			break;
		/* A BYE that never got its 2xx: when records were lost since the
		 * BYE, the 2xx may have been among them, and the call's end was
		 * not seen (it is not completed either way). */
		if (c->state == CALL_BYE && t->records_lost && t->gap_to_ns >= c->bye_ns)
			t->by_peer[c->peer].ended_unseen[CALL_UNSEEN_EVENTS_LOST]++;
		call_deactivate(t, c);
		txn_table_remove(&t->calls, l);
	}
}

/* ---- OPTIONS and REGISTER ---- */

static struct request_peer_stats *request_stats(struct call_tracker *t, unsigned int peer,
						__u8 method)
{
	struct call_peer_stats *p = &t->by_peer[peer];

	return method == SIPXDP_M_OPTIONS ? &p->options : &p->registers;
}

static struct request_txn *request_find(const struct call_tracker *t, __u64 hash,
					const struct sip_event *ev, __u16 len)
{
	for (struct request_txn *r = (struct request_txn *)txn_table_chain(&t->requests, hash);
	     r; r = (struct request_txn *)r->link.hash_next)
		if (r->link.hash == hash && r->cseq == ev->cseq && r->method == ev->method &&
		    r->call_id_len == len && !memcmp(r->call_id, ev->call_id, len) &&
		    hop_equal(&r->a, &r->b, &ev->saddr, &ev->daddr))
			return r;
	return NULL;
}

static void on_request(struct call_tracker *t, const struct sip_event *ev, __u16 len,
		       __u64 hash, __u64 now_ns)
{
	struct request_txn *r;

	if (request_find(t, hash, ev, len))
		return;		/* retransmitted */
	if (txn_table_full(&t->requests)) {
		struct txn_link *l = txn_table_oldest(&t->requests, REQS_DONE);

		if (!l) {
			l = txn_table_oldest(&t->requests, REQS_PENDING);
			t->stats.requests_evicted++;
		}
		txn_table_remove(&t->requests, l);
	}
	r = (struct request_txn *)txn_table_insert(&t->requests, hash, REQS_PENDING);
	r->request_ns = now_ns;
	r->cseq = ev->cseq;
	r->method = ev->method;
	r->peer = peer_of(t, ev);
	r->a = ev->saddr;
	r->b = ev->daddr;
	r->call_id_len = len;
	memcpy(r->call_id, ev->call_id, len);
	request_stats(t, r->peer, r->method)->sent++;
}

static void on_request_response(struct call_tracker *t, const struct sip_event *ev,
				__u16 len, __u64 hash, __u64 now_ns)
{
	struct request_txn *r = request_find(t, hash, ev, len);
	struct request_peer_stats *s;

	if (!r || r->answered || ev->status < 200)
		return;
	s = request_stats(t, r->peer, r->method);
	s->answered++;
	record(&s->delay, &call_request_delay_bounds, r->request_ns, now_ns);
	r->answered = true;
	/* kept till 64*T1 from the request: a retransmitted one stays known */
	txn_table_move(&t->requests, &r->link, REQS_DONE);
}

static void requests_expire(struct call_tracker *t, __u64 now_ns)
{
	struct txn_link *l;

	while ((l = txn_table_oldest(&t->requests, REQS_PENDING))) {
		struct request_txn *r = (struct request_txn *)l;
		struct request_peer_stats *s = request_stats(t, r->peer, r->method);

		if (!is_up(r->request_ns, now_ns))
			break;
		if (waited_across_gap(t, r->request_ns))
			s->unverified++;
		else
			s->unanswered++;
		txn_table_remove(&t->requests, l);
	}
	while ((l = txn_table_oldest(&t->requests, REQS_DONE))) {
		struct request_txn *r = (struct request_txn *)l;

		if (!is_up(r->request_ns, now_ns))
			break;
		txn_table_remove(&t->requests, l);
	}
}

/* ---- the tracker ---- */

void call_tracker_expire(struct call_tracker *t, __u64 now_ns)
{
	ack_matcher_expire(t->acks, now_ns);
	calls_expire(t, now_ns);
	requests_expire(t, now_ns);
}

void call_tracker_gap(struct call_tracker *t, __u64 to_ns)
{
	struct txn_link *l, *next;

	ack_matcher_gap(t->acks, to_ns);
	if (!t->records_lost || to_ns > t->gap_to_ns)
		t->gap_to_ns = to_ns;
	t->records_lost = true;
	/* Answer order, but events of several CPUs come a little out of it:
	 * the whole list is looked at. */
	for (l = txn_table_oldest(&t->calls, CALLS_ACTIVE); l; l = next) {
		struct call *c = (struct call *)l;

		next = txn_table_next(&t->calls, l);
		if (c->answer_ns > to_ns)
			continue;
		/* RTP still flowing says the call is up: it ends when that
		 * stops, or at its BYE if that comes after all. */
		if (t->media.flowing &&
		    t->media.flowing(t->media.ctx, c->call_id, c->call_id_len, &c->a, &c->b, to_ns))
			c->lost_while_active = true;
		else
			call_end_unseen(t, c, CALL_UNSEEN_EVENTS_LOST, true, to_ns);
	}
}

bool call_tracker_media_stopped(struct call_tracker *t, const char *call_id, size_t len,
				const struct sipxdp_addr *a, const struct sipxdp_addr *b)
{
	__u16 n = (__u16)(len > CALL_CALL_ID_MAX ? CALL_CALL_ID_MAX : len);
	__u64 hash = txn_table_hash(&t->calls, call_id, n);

	for (struct call *c = call_first(t, hash); c; c = call_next(c))
		if (c->state == CALL_ACTIVE && call_of_dialog(c, hash, call_id, n, a, b)) {
			call_end_unseen(t, c, c->lost_while_active ? CALL_UNSEEN_EVENTS_LOST :
								    CALL_UNSEEN_NO_MEDIA, false, 0);
			return true;
		}
	return false;
}

void call_tracker_feed(struct call_tracker *t, const struct sip_event *ev, __u64 now_ns)
{
	__u16 len = sip_event_call_id_len(ev, CALL_CALL_ID_MAX);
	bool request = ev->kind == SIP_EV_REQUEST;
	__u64 hash;

	call_tracker_expire(t, now_ns);
	ack_matcher_feed(t->acks, ev, now_ns);
	/* Without a Call-ID or a CSeq no transaction can be told apart. */
	if (!len || (ev->flags & SIP_EVF_NO_CSEQ))
		return;
	if (!request && ev->kind != SIP_EV_RESPONSE && ev->kind != SIP_EV_INVITE_2XX &&
	    ev->kind != SIP_EV_REDIRECT)
		return;
	hash = txn_table_hash(&t->calls, ev->call_id, len);
	switch (ev->method) {
	case SIPXDP_M_INVITE:
		if (request)
			on_invite(t, ev, len, hash, now_ns);
		else
			on_invite_response(t, ev, len, hash, now_ns);
		break;
	case SIPXDP_M_BYE:
		if (request)
			on_bye(t, ev, len, hash, now_ns);
		else
			on_bye_response(t, ev, len, hash);
		break;
	case SIPXDP_M_CANCEL:
		on_cancel(t, ev, len, hash, !request);
		break;
	case SIPXDP_M_OPTIONS:
	case SIPXDP_M_REGISTER:
		/* the requests table hashes with its own seed */
		hash = txn_table_hash(&t->requests, ev->call_id, len);
		if (request)
			on_request(t, ev, len, hash, now_ns);
		else
			on_request_response(t, ev, len, hash, now_ns);
		break;
	}
}

const struct ack_matcher *call_tracker_acks(const struct call_tracker *t)
{
	return t->acks;
}

unsigned int call_tracker_peer_count(const struct call_tracker *t)
{
	return t->n_peers;
}

const struct call_peer_stats *call_tracker_peer(const struct call_tracker *t,
						unsigned int peer)
{
	return peer < t->n_peers ? &t->by_peer[peer] : NULL;
}

void call_tracker_stats(const struct call_tracker *t, struct call_stats *out)
{
	*out = t->stats;
	out->calls_entries = t->calls.entries;
	out->calls_capacity = t->calls.capacity;
	out->requests_entries = t->requests.entries;
	out->requests_capacity = t->requests.capacity;
}

/* Linear inside the bucket holding the rank; the +Inf bucket answers its lower bound. */
double call_histogram_quantile(const struct call_histogram *h, const struct call_hist_bounds *b,
			       double q)
{
	double rank, lower = 0, below = 0;

	if (!h->count || !(q > 0))
		return 0;
	if (q > 1)
		q = 1;
	rank = q * (double)h->count;
	for (unsigned int i = 0; i < b->n; i++) {
		double cum = (double)h->buckets[i];

		if (cum >= rank)
			return lower + (b->v[i] - lower) * (rank - below) / (cum - below);
		lower = b->v[i];
		below = cum;
	}
	return b->n ? b->v[b->n - 1] : 0;
}
