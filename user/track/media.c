// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sessions live in a txn_table (txtable.h), so no event allocates and
 * expiry and eviction only look at list heads. A session keeps each
 * side's last SDP that took part in an answered offer, and the offer
 * waiting for its answer; the streams are worked out from the two sides'
 * SDP when asked for, and counted when they change.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "calls.h"
#include "media.h"
#include "mos.h"
#include "txtable.h"

static const double jitter_bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1,
					0.25 };
static const double mos_bounds[] = { 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 3.6, 3.8, 4.0, 4.2, 4.3,
				     4.4, 4.5 };
const struct call_hist_bounds media_jitter_bounds = { jitter_bounds, 9 };
const struct call_hist_bounds media_mos_bounds = { mos_bounds, 13 };
_Static_assert(sizeof(jitter_bounds) == 9 * sizeof(double) &&
	       sizeof(mos_bounds) == 13 * sizeof(double) &&
	       sizeof(mos_bounds) / sizeof(double) <= CALL_HIST_MAX,
	       "histogram bounds fit CALL_HIST_MAX");

static const char *const verdict_names[] = {
	[MEDIA_TWO_WAY] = "two_way",
	[MEDIA_ONE_WAY] = "one_way",
	[MEDIA_NONE] = "none",
	[MEDIA_UNDECIDED] = "undecided",
};

const char *media_verdict_name(enum media_verdict v)
{
	return v <= MEDIA_UNDECIDED ? verdict_names[v] : "?";
}

const char *media_direction_name(enum media_direction d)
{
	return d == MEDIA_FROM_PEER ? "from_peer" : d == MEDIA_TO_PEER ? "to_peer" : "?";
}

/* The session table's lists: each in the order entries joined it. */
enum { SESSIONS_NEGOTIATING, SESSIONS_LIVE };

/* One audio m-line of one side's SDP, as the streams need it. */
struct media_mline {
	struct sdp_addr addr;
	__u16 port;
	__u8 index;		/* among all the SDP's m-lines */
	__u8 dir;		/* enum sdp_dir */
	__u8 proto;		/* enum sdp_proto */
	__u8 codec;		/* enum sdp_codec: its first voice format's */
	bool live;		/* sdp_stream_live */
	__u32 clock;
};

struct media_sdp {
	__u8 n;
	struct media_mline m[MEDIA_MLINES];
};

/* What the session waits for. */
enum offer_state {
	OFFER_NONE,
	OFFER_PENDING,		/* an offer waits for its answer */
	OFFER_IN_2XX,		/* an INVITE without SDP: its 2xx will offer */
};

/*
 * What the tracker keeps of one of a session's streams, in the order
 * session_streams gives them: the figures last read, and how much of them
 * the per-peer counters have.
 */
struct media_tracked {
	struct media_figures fig;
	__u64 counted_packets;
	__u64 counted_lost;
};

struct media_session {
	struct txn_link link;		/* first: the table's */
	__u64 last_ns;			/* its last message */
	__u64 negotiated_ns;		/* its last answered offer */
	__u64 flow_first_ns[2];		/* the first RTP to side i (sink clock) */
	__u64 last_rtp_ns;		/* the last RTP either way (sink clock) */
	unsigned int peer;		/* peers_name id of the hop's remote end */
	__u8 remote;			/* which side the peer is */
	bool got[2];			/* RTP reached side i */
	bool both_expected;		/* both ways expected, at some answer */
	__u32 offer_cseq;
	__u8 offer_method;		/* the answer's: INVITE, UPDATE, or ACK */
	__u8 offer_state;		/* enum offer_state */
	__u8 offerer;			/* 0: side a, 1: side b */
	bool confirmed;			/* a 2xx to an INVITE was seen */
	bool negotiated;		/* sdp[] holds an answered offer */
	bool offer_answered;		/* the pending offer was answered (in a 18x) */
	bool offer_in_18x;		/* the pending offer is a 18x's: a PRACK answers */
	__u16 call_id_len;
	unsigned int n_streams;		/* counted in the tracker's total */
	struct sipxdp_addr side[2];	/* side[0]: the first INVITE's sender */
	struct media_sdp offer;
	struct media_sdp sdp[2];	/* per side */
	struct media_tracked tr[MEDIA_SESSION_STREAMS];
	char call_id[CALL_CALL_ID_MAX];
};

/*
 * A place RTP arrives at, and how many streams of the sessions name it (a
 * proxy's two legs carry the same SDP): the sink holds one entry per
 * place, added by the first stream and removed by the last.
 */
struct media_place {
	struct txn_link link;		/* first: the table's */
	struct sdp_addr dst;
	__u16 port;
	__u32 refs;
};

struct media_tracker {
	struct txn_table sessions;
	struct txn_table places;	/* never fuller than the streams */
	struct media_sink sink;
	media_stopped_fn stopped;
	void *stopped_ctx;
	const struct peer_map *peers;
	unsigned int n_peers;
	struct media_peer_stats *by_peer;
	size_t max_streams;
	__u64 one_way_after_ns;
	__u64 timeout_ns;
	__u64 refreshed_ns;
	struct media_stats stats;	/* gauges filled on read */
	struct media_stream_view ended[MEDIA_ENDED_KEEP];	/* a ring */
	size_t n_ended;			/* ever: ended[n_ended % KEEP] is next */
};

struct media_tracker *media_tracker_new(const struct media_opts *opts)
{
	struct media_tracker *t = calloc(1, sizeof(*t));
	size_t max = opts && opts->max_streams ? opts->max_streams : MEDIA_DEFAULT_MAX_STREAMS;

	if (!t)
		return NULL;
	t->max_streams = max < MEDIA_MIN_MAX_STREAMS ? MEDIA_MIN_MAX_STREAMS : max;
	t->one_way_after_ns = MEDIA_DEFAULT_ONE_WAY_AFTER_NS;
	t->timeout_ns = MEDIA_DEFAULT_TIMEOUT_NS;
	if (opts) {
		t->sink = opts->sink;
		t->stopped = opts->stopped;
		t->stopped_ctx = opts->stopped_ctx;
		t->peers = opts->peers;
		if (opts->one_way_after_ns)
			t->one_way_after_ns = opts->one_way_after_ns;
		if (opts->timeout_ns)
			t->timeout_ns = opts->timeout_ns;
	}
	t->n_peers = peers_name_count(t->peers) + 1;
	t->by_peer = calloc(t->n_peers, sizeof(*t->by_peer));
	if (!t->by_peer ||
	    txn_table_init(&t->sessions, t->max_streams / 2, sizeof(struct media_session), NULL) ||
	    txn_table_init(&t->places, t->max_streams, sizeof(struct media_place), NULL)) {
		media_tracker_free(t);
		return NULL;
	}
	return t;
}

void media_tracker_free(struct media_tracker *t)
{
	if (!t)
		return;
	txn_table_destroy(&t->sessions);
	txn_table_destroy(&t->places);
	free(t->by_peer);
	free(t);
}

/* ---- streams ---- */

static bool can_receive(__u8 dir)
{
	return dir == SDP_SENDRECV || dir == SDP_RECVONLY;
}

static bool can_send(__u8 dir)
{
	return dir == SDP_SENDRECV || dir == SDP_SENDONLY;
}

/* The m-line of sdp with this index, or NULL. */
static const struct media_mline *mline_of(const struct media_sdp *sdp, __u8 index)
{
	for (unsigned int i = 0; i < sdp->n; i++)
		if (sdp->m[i].index == index)
			return &sdp->m[i];
	return NULL;
}

/*
 * The streams of a session (media.h), into out when it is not NULL (at
 * most max); returns how many there are. The answer's codec is in both
 * sides' m-lines: negotiate copies it there.
 */
static size_t session_streams(const struct media_session *s, struct media_stream *out,
			      size_t max)
{
	size_t n = 0;

	if (!s->negotiated)
		return 0;
	for (unsigned int rx = 0; rx < 2; rx++) {
		const struct media_sdp *mine = &s->sdp[rx], *theirs = &s->sdp[!rx];

		for (unsigned int i = 0; i < mine->n; i++) {
			const struct media_mline *r = &mine->m[i];
			const struct media_mline *x = mline_of(theirs, r->index);
			struct media_stream *st;

			if (!r->live || !x || !x->port)
				continue;
			if (out && n < max) {
				st = &out[n];
				st->receiver = s->side[rx];
				st->sender = s->side[!rx];
				st->dst = r->addr;
				st->dst_port = r->port;
				st->src = x->addr;
				st->src_port = x->port;
				st->mline = r->index;
				st->proto = r->proto;
				st->codec = r->codec;
				st->clock = r->clock;
				st->expected = can_receive(r->dir) && can_send(x->dir);
			}
			n++;
		}
	}
	return n;
}

static bool same_place(const struct media_stream *a, const struct media_stream *b)
{
	return a->dst_port == b->dst_port && a->dst.family == b->dst.family &&
	       !memcmp(a->dst.addr, b->dst.addr, sizeof(a->dst.addr));
}

static bool placed_in(const struct media_stream *s, const struct media_stream *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (same_place(s, &set[i]))
			return true;
	return false;
}

/* ---- places ---- */

static __u64 place_hash(const struct media_tracker *t, const struct media_stream *st)
{
	char key[sizeof(st->dst) + sizeof(st->dst_port)];

	memcpy(key, &st->dst, sizeof(st->dst));
	memcpy(key + sizeof(st->dst), &st->dst_port, sizeof(st->dst_port));
	return txn_table_hash(&t->places, key, sizeof(key));
}

static struct media_place *place_find(const struct media_tracker *t,
				      const struct media_stream *st, __u64 hash)
{
	for (struct txn_link *l = txn_table_chain(&t->places, hash); l; l = l->hash_next) {
		struct media_place *p = (struct media_place *)l;

		if (l->hash == hash && p->port == st->dst_port && p->dst.family == st->dst.family &&
		    !memcmp(p->dst.addr, st->dst.addr, sizeof(p->dst.addr)))
			return p;
	}
	return NULL;
}

/* A stream starts at its place: the sink hears of the place's first. */
static void place_acquire(struct media_tracker *t, const struct media_stream *st)
{
	__u64 hash = place_hash(t, st);
	struct media_place *p = place_find(t, st, hash);

	if (p) {
		p->refs++;
		return;
	}
	if (txn_table_full(&t->places))
		return;		/* cannot be: there are never more places than streams */
	p = (struct media_place *)txn_table_insert(&t->places, hash, 0);
	p->dst = st->dst;
	p->port = st->dst_port;
	p->refs = 1;
	if (t->sink.add)
		t->sink.add(t->sink.ctx, st);
}

/* ... and leaves it: the sink hears of the place's last, and hands its
 * last figures over as it removes it (true: into *last). */
static bool place_release(struct media_tracker *t, const struct media_stream *st,
			  struct media_figures *last)
{
	struct media_place *p = place_find(t, st, place_hash(t, st));

	if (!p || --p->refs)
		return false;
	txn_table_remove(&t->places, &p->link);
	return t->sink.remove && t->sink.remove(t->sink.ctx, st, last);
}

/* Which side of the session a stream goes to. */
static unsigned int receiving_side(const struct media_session *s, const struct media_stream *st)
{
	return addr_equal(&st->receiver, &s->side[0]) ? 0 : 1;
}

static enum media_direction stream_direction(const struct media_session *s,
					     const struct media_stream *st)
{
	return receiving_side(s, st) == s->remote ? MEDIA_TO_PEER : MEDIA_FROM_PEER;
}

/*
 * The stream's figures as the sink gave them: the peer's packets and lost
 * follow (lost only up: a duplicate lowers it for a while), and so does
 * what the session knows of its RTP.
 */
static void stream_account(struct media_tracker *t, struct media_session *s,
			   const struct media_stream *st, struct media_tracked *tr,
			   const struct media_figures *figures)
{
	struct media_peer_stats *p = &t->by_peer[s->peer];
	enum media_direction d = stream_direction(s, st);
	unsigned int rx = receiving_side(s, st);
	struct media_figures fig = *figures;

	tr->fig = fig;
	if (fig.packets > tr->counted_packets) {
		p->packets[d] += fig.packets - tr->counted_packets;
		tr->counted_packets = fig.packets;
	}
	if (fig.lost > tr->counted_lost) {
		p->lost[d] += fig.lost - tr->counted_lost;
		tr->counted_lost = fig.lost;
	}
	if (!fig.packets)
		return;
	if (!s->got[rx] || fig.first_ns < s->flow_first_ns[rx])
		s->flow_first_ns[rx] = fig.first_ns;
	s->got[rx] = true;
	if (fig.last_ns > s->last_rtp_ns)
		s->last_rtp_ns = fig.last_ns;
}

/* The stream's figures as the sink has them now. */
static void stream_read(struct media_tracker *t, struct media_session *s,
			const struct media_stream *st, struct media_tracked *tr)
{
	struct media_figures fig = { 0 };

	if (t->sink.read && t->sink.read(t->sink.ctx, st, &fig))
		stream_account(t, s, st, tr, &fig);
}

/* A stream leaves its place: its last figures, handed over by the sink as
 * it removes the place's last stream (one call, not a read and a remove),
 * else read. */
static void stream_take(struct media_tracker *t, struct media_session *s,
			const struct media_stream *st, struct media_tracked *tr)
{
	struct media_figures last = { 0 };

	if (place_release(t, st, &last))
		stream_account(t, s, st, tr, &last);
	else
		stream_read(t, s, st, tr);
}

/* The estimated MOS of a stream with RTP (mos.h); G.711 with PLC. */
static double stream_mos(const struct media_stream *st, const struct media_figures *fig)
{
	struct mos_input in = {
		.codec = st->codec,
		.plc = true,
		.loss_pct = fig->expected ? 100.0 * (double)fig->lost / (double)fig->expected : 0,
		.burst_r = 1,
		.jitter_ms = fig->jitter_ms,
	};

	return mos_estimate(&in);
}

/*
 * What media the session's call had by now: none of it is known without a
 * sink to read (a replay reads none), nor when the answers never expected
 * RTP both ways (hold, announcements). One way only counts once it has
 * lasted one_way_after since its first packet.
 */
static enum media_verdict session_verdict(const struct media_tracker *t,
					  const struct media_session *s, __u64 now_ns)
{
	unsigned int flowing;

	if (!t->sink.read || !s->both_expected)
		return MEDIA_UNDECIDED;
	if (s->got[0] && s->got[1])
		return MEDIA_TWO_WAY;
	if (!s->got[0] && !s->got[1])
		return MEDIA_NONE;
	flowing = s->got[0] ? 0 : 1;
	return now_ns >= s->flow_first_ns[flowing] &&
	       now_ns - s->flow_first_ns[flowing] >= t->one_way_after_ns ? MEDIA_ONE_WAY :
									MEDIA_UNDECIDED;
}

static void view_of(struct media_stream_view *v, const struct media_tracker *t,
		    const struct media_session *s, const struct media_stream *st,
		    const struct media_tracked *tr, __u64 now_ns, bool live)
{
	v->st = *st;
	v->fig = tr->fig;
	v->mos = tr->fig.expected ? stream_mos(st, &tr->fig) : 0;
	v->peer = s->peer;
	v->direction = stream_direction(s, st);
	v->call_media = session_verdict(t, s, now_ns);
	v->live = live;
	v->call_id_len = s->call_id_len;
	memcpy(v->call_id, s->call_id, s->call_id_len);
}

/* A stream that left its place (stream_take) ends: counted once for its
 * peer, and kept among the ended ones. */
static void stream_close(struct media_tracker *t, struct media_session *s,
			 const struct media_stream *st, const struct media_tracked *tr,
			 __u64 now_ns)
{
	struct media_peer_stats *p = &t->by_peer[s->peer];
	enum media_direction d = stream_direction(s, st);

	if (t->sink.read) {
		p->streams[d][st->codec < MEDIA_CODECS ? st->codec : SDP_CODEC_OTHER]++;
		if (tr->fig.expected) {
			call_histogram_observe(&p->jitter[d], &media_jitter_bounds,
					       tr->fig.jitter_ms / 1000.0);
			call_histogram_observe(&p->mos[d], &media_mos_bounds,
					       stream_mos(st, &tr->fig));
		}
	}
	view_of(&t->ended[t->n_ended++ % MEDIA_ENDED_KEEP], t, s, st, tr, now_ns, false);
}

/*
 * The session's streams change from before (in tr's order) to after: the
 * ones that went end, the ones that came are added to the sink with no
 * figures, and the ones kept at the same place keep theirs.
 */
static void streams_change(struct media_tracker *t, struct media_session *s,
			   const struct media_stream *before, size_t n_before,
			   const struct media_stream *after, size_t n_after, __u64 now_ns)
{
	struct media_tracked next[MEDIA_SESSION_STREAMS] = { 0 };
	bool expected[2] = { false, false };

	for (size_t i = 0; i < n_before; i++)
		if (!placed_in(&before[i], after, n_after)) {
			stream_take(t, s, &before[i], &s->tr[i]);
			stream_close(t, s, &before[i], &s->tr[i], now_ns);
		}
	for (size_t j = 0; j < n_after; j++) {
		size_t i;

		for (i = 0; i < n_before && !same_place(&after[j], &before[i]); i++)
			;
		if (i < n_before)
			next[j] = s->tr[i];
		else
			place_acquire(t, &after[j]);
		if (after[j].expected)
			expected[receiving_side(s, &after[j])] = true;
	}
	memcpy(s->tr, next, sizeof(next));
	if (expected[0] && expected[1])
		s->both_expected = true;
}

/* The session leaves the table: its streams read and ended, its call's
 * verdict counted when it was answered. */
static void session_remove(struct media_tracker *t, struct media_session *s, bool evicted,
			   __u64 now_ns)
{
	struct media_stream gone[MEDIA_SESSION_STREAMS];
	size_t n = session_streams(s, gone, MEDIA_SESSION_STREAMS);
	enum media_verdict v;

	for (size_t i = 0; i < n; i++)
		stream_take(t, s, &gone[i], &s->tr[i]);
	/* all read before the verdict, and each stream's view carries it */
	v = session_verdict(t, s, now_ns);
	if (s->confirmed && v != MEDIA_UNDECIDED)
		t->by_peer[s->peer].calls[v]++;
	for (size_t i = 0; i < n; i++)
		stream_close(t, s, &gone[i], &s->tr[i], now_ns);
	if (evicted) {
		t->stats.sessions_evicted++;
		t->stats.streams_evicted += s->n_streams;
	}
	t->stats.streams -= s->n_streams;
	txn_table_remove(&t->sessions, &s->link);
}

/* The session that joined list first, other than keep; NULL when none. */
static struct media_session *oldest_other(const struct media_tracker *t, unsigned int list,
					  const struct media_session *keep)
{
	for (struct txn_link *l = txn_table_oldest(&t->sessions, list); l;
	     l = txn_table_next(&t->sessions, l))
		if ((struct media_session *)l != keep)
			return (struct media_session *)l;
	return NULL;
}

/* The oldest session still negotiating, else the oldest live one, other
 * than keep (NULL when there is none). */
static struct media_session *eviction_victim(const struct media_tracker *t,
					     const struct media_session *keep)
{
	struct media_session *s = oldest_other(t, SESSIONS_NEGOTIATING, keep);

	return s ? s : oldest_other(t, SESSIONS_LIVE, keep);
}

/* s's streams changed: the total follows, within max_streams. */
static void session_recount(struct media_tracker *t, struct media_session *s, __u64 now_ns)
{
	size_t n = session_streams(s, NULL, 0);
	struct media_session *victim;

	t->stats.streams = t->stats.streams - s->n_streams + n;
	s->n_streams = (unsigned int)n;
	while (t->stats.streams > t->max_streams && (victim = eviction_victim(t, s)))
		session_remove(t, victim, true, now_ns);
}

/* ---- offer and answer ---- */

static void keep_sdp(struct media_sdp *out, const struct sdp *sdp)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < sdp->n_audio && out->n < MEDIA_MLINES; i++) {
		const struct sdp_stream *s = &sdp->audio[i];
		const struct sdp_format *voice = sdp_voice(s);
		struct media_mline *m = &out->m[out->n++];

		m->addr = s->addr;
		m->port = s->port;
		m->index = (__u8)(s->mline > UINT8_MAX ? UINT8_MAX : s->mline);
		m->dir = (__u8)s->dir;
		m->proto = (__u8)s->proto;
		m->live = sdp_stream_live(s);
		m->codec = voice ? (__u8)voice->codec : SDP_CODEC_OTHER;
		m->clock = voice ? voice->clock : 0;
	}
}

/* The answer from side `answerer` to the session's offer: both sides' SDP
 * replaced, the answer's codec on both. */
static void negotiate(struct media_tracker *t, struct media_session *s, unsigned int answerer,
		      const struct media_sdp *answer, __u64 now_ns)
{
	struct media_stream before[MEDIA_SESSION_STREAMS], after[MEDIA_SESSION_STREAMS];
	size_t n_before = session_streams(s, before, MEDIA_SESSION_STREAMS);

	s->sdp[!answerer] = s->offer;
	s->sdp[answerer] = *answer;
	for (unsigned int i = 0; i < s->sdp[!answerer].n; i++) {
		struct media_mline *o = &s->sdp[!answerer].m[i];
		const struct media_mline *a = mline_of(answer, o->index);

		o->codec = a ? a->codec : SDP_CODEC_OTHER;
		o->clock = a ? a->clock : 0;
	}
	s->negotiated = true;
	if (!s->offer_answered)
		t->stats.answers++;
	s->offer_answered = true;
	txn_table_move(&t->sessions, &s->link, SESSIONS_LIVE);
	/* others evicted first: their streams leave before these come */
	s->negotiated_ns = now_ns;
	session_recount(t, s, now_ns);
	streams_change(t, s, before, n_before, after,
		       session_streams(s, after, MEDIA_SESSION_STREAMS), now_ns);
}

static void offer(struct media_tracker *t, struct media_session *s, unsigned int offerer,
		  const struct media_sdp *sdp, __u32 cseq, __u8 answer_method)
{
	bool again = s->offer_state == OFFER_PENDING && s->offerer == offerer &&
		     s->offer_cseq == cseq && s->offer_method == answer_method;

	if (!again) {
		t->stats.offers++;
		s->offer_answered = false;
	}
	s->offer = *sdp;
	s->offerer = (__u8)offerer;
	s->offer_cseq = cseq;
	s->offer_method = answer_method;
	s->offer_state = OFFER_PENDING;
	s->offer_in_18x = false;
}

/* Whether the message answers the pending offer: from the other side, in
 * the offer's transaction; or, for an offer in a reliable 18x, the next
 * PRACK (RFC 3262 5), which has a CSeq of its own. */
static bool answers(const struct media_session *s, unsigned int from, const struct sip_event *ev,
		    __u8 method)
{
	return s->offer_state == OFFER_PENDING && from != s->offerer &&
	       s->offer_method == method && (s->offer_in_18x || s->offer_cseq == ev->cseq);
}

/* ---- sessions ---- */

#define session_first(t, hash) ((struct media_session *)txn_table_chain(&(t)->sessions, hash))
#define session_next(s) ((struct media_session *)(s)->link.hash_next)

static struct media_session *session_find(const struct media_tracker *t, __u64 hash,
					  const char *call_id, __u16 len,
					  const struct sipxdp_addr *a, const struct sipxdp_addr *b)
{
	for (struct media_session *s = session_first(t, hash); s; s = session_next(s))
		if (s->link.hash == hash && s->call_id_len == len &&
		    !memcmp(s->call_id, call_id, len) && hop_equal(&s->side[0], &s->side[1], a, b))
			return s;
	return NULL;
}

static struct media_session *session_new(struct media_tracker *t, const struct sip_event *ev,
					 __u64 hash, __u16 len, __u64 now_ns)
{
	struct media_session *s;

	if (txn_table_full(&t->sessions))
		session_remove(t, eviction_victim(t, NULL), true, now_ns);
	s = (struct media_session *)txn_table_insert(&t->sessions, hash, SESSIONS_NEGOTIATING);
	s->side[0] = ev->saddr;
	s->side[1] = ev->daddr;
	s->peer = peers_lookup_id(t->peers, event_remote(ev));
	if (s->peer >= t->n_peers)
		s->peer = 0;
	s->remote = event_remote(ev) == &ev->saddr ? 0 : 1;
	s->call_id_len = len;
	memcpy(s->call_id, ev->call_id, len);
	return s;
}

/* Whether the message has an SDP body: 1 valid (into *out), 0 none, -1
 * invalid (counted). */
static int message_sdp(struct media_tracker *t, const struct sip_event *ev, struct media_sdp *out)
{
	static struct sdp sdp;	/* large: not on the stack; the agent has one thread */
	struct sip_span body;

	if (!ev->msg || !sip_sdp_body(ev->msg, &body))
		return 0;
	if (sdp_parse(body.p, body.len, &sdp) != SDP_OK) {
		t->stats.sdp_invalid++;
		return -1;
	}
	keep_sdp(out, &sdp);
	return 1;
}

static void on_request(struct media_tracker *t, struct media_session *s, unsigned int from,
		       const struct sip_event *ev, int has_sdp, const struct media_sdp *sdp,
		       __u64 now_ns)
{
	switch (ev->method) {
	case SIPXDP_M_INVITE:
		if (has_sdp > 0)
			offer(t, s, from, sdp, ev->cseq, SIPXDP_M_INVITE);
		else if (!has_sdp) {
			s->offer_state = OFFER_IN_2XX;
			s->offer_cseq = ev->cseq;
		}
		break;
	case SIPXDP_M_UPDATE:
		if (has_sdp > 0)
			offer(t, s, from, sdp, ev->cseq, SIPXDP_M_UPDATE);
		break;
	case SIPXDP_M_PRACK:
		/* the answer to a reliable 18x's offer, or an offer of its own,
		 * answered in the PRACK's 2xx (RFC 3262 5) */
		if (has_sdp > 0 && answers(s, from, ev, SIPXDP_M_PRACK)) {
			s->offer_state = OFFER_NONE;
			negotiate(t, s, from, sdp, now_ns);
		} else if (has_sdp > 0) {
			offer(t, s, from, sdp, ev->cseq, SIPXDP_M_PRACK);
		}
		break;
	case SIPXDP_M_ACK:
		if (has_sdp > 0 && answers(s, from, ev, SIPXDP_M_ACK)) {
			s->offer_state = OFFER_NONE;
			negotiate(t, s, from, sdp, now_ns);
		}
		break;
	case SIPXDP_M_BYE:
		session_remove(t, s, false, now_ns);
		break;
	}
}

static void on_response(struct media_tracker *t, struct media_session *s, unsigned int from,
			const struct sip_event *ev, int has_sdp, const struct media_sdp *sdp,
			__u64 now_ns)
{
	bool final = ev->status >= 200;

	if (ev->status >= 300) {
		if (s->offer_state != OFFER_NONE && s->offer_cseq == ev->cseq) {
			s->offer_state = OFFER_NONE;
			t->stats.offers_refused++;
		}
		/* the INVITE that started the session failed: no dialog, no media */
		if (ev->method == SIPXDP_M_INVITE && !s->confirmed)
			session_remove(t, s, false, now_ns);
		return;
	}
	if (ev->status < 180)
		return;		/* 100 Trying and 101: no dialog, no answer */
	if (ev->method == SIPXDP_M_INVITE && final)
		s->confirmed = true;
	if (has_sdp > 0 && answers(s, from, ev, ev->method)) {
		/* a 2xx after an answering 18x answers the same offer again */
		if (final)
			s->offer_state = OFFER_NONE;
		negotiate(t, s, from, sdp, now_ns);
	} else if (has_sdp > 0 && ev->method == SIPXDP_M_INVITE && s->offer_cseq == ev->cseq &&
		   (s->offer_state == OFFER_IN_2XX ||
		    (s->offer_state == OFFER_PENDING && s->offer_in_18x))) {
		/* An INVITE without SDP: the first 18x with SDP offers, answered
		 * in the PRACK; or the 2xx does (also after an unreliable 18x
		 * that offered, which no PRACK answers), answered in the ACK. */
		offer(t, s, from, sdp, ev->cseq, final ? SIPXDP_M_ACK : SIPXDP_M_PRACK);
		s->offer_in_18x = !final;
	} else if (final && s->offer_cseq == ev->cseq && s->offer_method == ev->method) {
		s->offer_state = OFFER_NONE;	/* answered in a reliable 18x already */
	}
}

void media_tracker_expire(struct media_tracker *t, __u64 now_ns)
{
	struct txn_link *l;

	while ((l = txn_table_oldest(&t->sessions, SESSIONS_NEGOTIATING))) {
		struct media_session *s = (struct media_session *)l;

		if (now_ns < s->last_ns || now_ns - s->last_ns < CALL_REMEMBER_NS)
			break;
		session_remove(t, s, false, now_ns);
	}
}

void media_tracker_feed(struct media_tracker *t, const struct sip_event *ev, __u64 now_ns)
{
	__u16 len = sip_event_call_id_len(ev, CALL_CALL_ID_MAX);
	bool request = ev->msg && ev->msg->kind == SIP_REQUEST;
	struct media_session *s;
	struct media_sdp sdp;
	unsigned int from;
	int has_sdp;
	__u64 hash;

	media_tracker_expire(t, now_ns);
	if (!len || (ev->flags & SIP_EVF_NO_CSEQ) || !ev->msg ||
	    (ev->msg->kind != SIP_REQUEST && ev->msg->kind != SIP_RESPONSE))
		return;
	hash = txn_table_hash(&t->sessions, ev->call_id, len);
	s = session_find(t, hash, ev->call_id, len, &ev->saddr, &ev->daddr);
	if (!s) {
		if (!request || ev->method != SIPXDP_M_INVITE || sip_event_to_tag_len(ev, 1))
			return;		/* sessions start at an initial INVITE */
		s = session_new(t, ev, hash, len, now_ns);
	}
	/* Negotiating ones expire in the order of their last message. */
	s->last_ns = now_ns;
	if (!s->negotiated)
		txn_table_move(&t->sessions, &s->link, SESSIONS_NEGOTIATING);
	from = addr_equal(&ev->saddr, &s->side[0]) ? 0 : 1;
	has_sdp = message_sdp(t, ev, &sdp);
	if (request)
		on_request(t, s, from, ev, has_sdp, &sdp, now_ns);
	else
		on_response(t, s, from, ev, has_sdp, &sdp, now_ns);
}

static struct media_session *session_of(const struct media_tracker *t, const char *call_id,
					 size_t len, const struct sipxdp_addr *a,
					 const struct sipxdp_addr *b)
{
	__u16 n = (__u16)(len > CALL_CALL_ID_MAX ? CALL_CALL_ID_MAX : len);

	return session_find(t, txn_table_hash(&t->sessions, call_id, n), call_id, n, a, b);
}

size_t media_tracker_streams(const struct media_tracker *t, const char *call_id, size_t len,
			     const struct sipxdp_addr *a, const struct sipxdp_addr *b,
			     struct media_stream *out, size_t max)
{
	const struct media_session *s = session_of(t, call_id, len, a, b);
	size_t all;

	if (!s)
		return 0;
	all = session_streams(s, out, max);
	return all < max ? all : max;
}

void media_tracker_refresh(struct media_tracker *t, __u64 now_ns)
{
	struct media_stream sts[MEDIA_SESSION_STREAMS];
	struct txn_link *l, *next;

	if (!t->sink.read || (t->refreshed_ns && now_ns >= t->refreshed_ns &&
			      now_ns - t->refreshed_ns < MEDIA_REFRESH_NS))
		return;
	t->refreshed_ns = now_ns;
	if (!txn_table_oldest(&t->sessions, SESSIONS_LIVE))
		return;
	if (t->sink.refresh_begin)
		t->sink.refresh_begin(t->sink.ctx);
	for (l = txn_table_oldest(&t->sessions, SESSIONS_LIVE); l; l = next) {
		struct media_session *s = (struct media_session *)l;
		size_t n = session_streams(s, sts, MEDIA_SESSION_STREAMS);
		bool expected = false;
		__u64 since;

		next = txn_table_next(&t->sessions, l);
		for (size_t i = 0; i < n; i++) {
			stream_read(t, s, &sts[i], &s->tr[i]);
			expected |= sts[i].expected;
		}
		/* Stopped: it flowed, and nothing came either way since, while
		 * the answers expect RTP (a call on hold may well be silent). */
		since = s->last_rtp_ns > s->negotiated_ns ? s->last_rtp_ns : s->negotiated_ns;
		if (!s->confirmed || !expected || !s->last_rtp_ns || now_ns < since ||
		    now_ns - since < t->timeout_ns)
			continue;
		t->stats.stopped++;
		if (t->stopped)
			t->stopped(t->stopped_ctx, s->call_id, s->call_id_len, &s->side[0],
				   &s->side[1]);
		session_remove(t, s, false, now_ns);
	}
	if (t->sink.refresh_end)
		t->sink.refresh_end(t->sink.ctx);
}

void media_tracker_end(struct media_tracker *t, const char *call_id, size_t len,
		       const struct sipxdp_addr *a, const struct sipxdp_addr *b, __u64 now_ns)
{
	struct media_session *s = session_of(t, call_id, len, a, b);

	if (s)
		session_remove(t, s, false, now_ns);
}

bool media_tracker_flowing(const struct media_tracker *t, const char *call_id, size_t len,
			   const struct sipxdp_addr *a, const struct sipxdp_addr *b, __u64 now_ns)
{
	const struct media_session *s = session_of(t, call_id, len, a, b);

	return s && s->last_rtp_ns &&
	       (now_ns < s->last_rtp_ns || now_ns - s->last_rtp_ns < t->timeout_ns);
}

size_t media_tracker_view(const struct media_tracker *t, __u64 now_ns,
			  struct media_stream_view *out, size_t max, size_t *live_total)
{
	struct media_stream sts[MEDIA_SESSION_STREAMS];
	size_t n = 0, live = 0, ended;

	for (struct txn_link *l = txn_table_oldest(&t->sessions, SESSIONS_LIVE); l;
	     l = txn_table_next(&t->sessions, l)) {
		const struct media_session *s = (const struct media_session *)l;
		size_t k = session_streams(s, sts, MEDIA_SESSION_STREAMS);

		for (size_t i = 0; i < k; i++, live++)
			if (n < max)
				view_of(&out[n++], t, s, &sts[i], &s->tr[i], now_ns, true);
	}
	ended = t->n_ended < MEDIA_ENDED_KEEP ? t->n_ended : MEDIA_ENDED_KEEP;
	for (size_t i = 1; i <= ended && n < max; i++)
		out[n++] = t->ended[(t->n_ended - i) % MEDIA_ENDED_KEEP];
	if (live_total)
		*live_total = live;
	return n;
}

unsigned int media_tracker_peer_count(const struct media_tracker *t)
{
	return t->n_peers;
}

const struct media_peer_stats *media_tracker_peer(const struct media_tracker *t,
						  unsigned int peer)
{
	return peer < t->n_peers ? &t->by_peer[peer] : NULL;
}

void media_tracker_stats(const struct media_tracker *t, struct media_stats *out)
{
	*out = t->stats;
	out->sessions = t->sessions.entries;
	out->max_streams = t->max_streams;
}
