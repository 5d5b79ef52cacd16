// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include "metrics.h"
#include "sip_names.h"

#define N_CLASSES	SNAPSHOT_CLASSES
#define REDIRECT_CODES	100	/* 300..399 */

/* The busiest sources, bounded by per_source_top_n whatever the map holds. */
struct source_totals {
	struct source_total *top;
	size_t n_top;
};

/* The redirect entries of one (code, target label), summed over sources. */
struct target_series {
	__u16 code;
	size_t label_off;	/* into the labels buffer while it is written */
	const char *label;	/* escaped, NUL-terminated */
	__u64 count;
};

struct target_totals {
	struct target_series *v;
	size_t n;
	char *labels;
};

/*
 * The exposition is built a chunk at a time and handed to the FILE a chunk
 * at a time, each peer's label escaped once a scrape: not an fprintf per
 * series with its label escaped again, since a scrape at the per-peer
 * families' caps is 20,000 series (20 peers).
 */
#define TEXT_CHUNK	(64 * 1024)

struct text {
	FILE *out;
	char *buf;		/* TEXT_CHUNK bytes */
	size_t len;
	const char **peer_labels;	/* `peer="NAME"`, escaped, by peer id */
	unsigned int n_peer_labels;
	char *peer_label_text;	/* what peer_labels point into */
};

static void text_flush(struct text *t)
{
	fwrite(t->buf, 1, t->len, t->out);
	t->len = 0;
}

static void put_n(struct text *t, const char *s, size_t n)
{
	if (n > TEXT_CHUNK - t->len) {
		text_flush(t);
		if (n > TEXT_CHUNK) {
			fwrite(s, 1, n, t->out);
			return;
		}
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void put(struct text *t, const char *s)
{
	put_n(t, s, strlen(s));
}

static void put_u64(struct text *t, __u64 v)
{
	char digits[20];
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_n(t, digits + i, sizeof(digits) - i);
}

/* For the few lines of fixed number; the per-peer series use put(). */
__attribute__((format(printf, 2, 3)))
static void putf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, TEXT_CHUNK - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= TEXT_CHUNK - t->len) {
		/* did not fit: again at the start of an empty chunk */
		text_flush(t);
		va_start(ap, fmt);
		n = vsnprintf(t->buf, TEXT_CHUNK, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n >= TEXT_CHUNK)
			n = TEXT_CHUNK - 1;	/* no line of fixed number is this long */
	}
	t->len += (size_t)n;
}

/*
 * `peer="NAME"` for every peer id, escaped once a scrape: ids
 * 0..peers_name_count(), 0 being "other".
 */
static int text_init(struct text *t, FILE *out, const struct peer_map *peers)
{
	size_t size, *offsets;
	FILE *mem;

	memset(t, 0, sizeof(*t));
	t->out = out;
	t->n_peer_labels = peers_name_count(peers) + 1;
	t->buf = malloc(TEXT_CHUNK);
	t->peer_labels = calloc(t->n_peer_labels, sizeof(*t->peer_labels));
	offsets = calloc(t->n_peer_labels, sizeof(*offsets));
	mem = t->buf && t->peer_labels && offsets ?
	      open_memstream(&t->peer_label_text, &size) : NULL;
	if (!mem) {
		free(offsets);
		return -1;
	}
	for (unsigned int id = 0; id < t->n_peer_labels; id++) {
		const char *name = peers_name(peers, id);

		offsets[id] = (size_t)ftell(mem);
		fputs("peer=\"", mem);
		escape_label_value(mem, name, strlen(name), PEER_NAME_MAX);
		fputs("\"", mem);
		fputc('\0', mem);
	}
	if (fclose(mem)) {
		free(offsets);
		return -1;
	}
	for (unsigned int id = 0; id < t->n_peer_labels; id++)
		t->peer_labels[id] = t->peer_label_text + offsets[id];
	free(offsets);
	return 0;
}

static void text_free(struct text *t)
{
	free(t->buf);
	free(t->peer_labels);
	free(t->peer_label_text);
}

/* As peers_name(): an id out of range is "other". */
static const char *peer_label(const struct text *t, unsigned int id)
{
	return t->peer_labels[id < t->n_peer_labels ? id : 0];
}

static void family(struct text *t, const char *name, const char *type, const char *help)
{
	putf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void single(struct text *t, const char *name, const char *type, const char *help,
		   __u64 value)
{
	family(t, name, type, help);
	putf(t, "%s %llu\n", name, value);
}

/*
 * The shortest text that reads back as v, in the form Go's strconv 'g' and
 * so Prometheus give it: "0.005", "1", "2.5", "1e-05", "+Inf".
 */
static void format_float(char *buf, size_t size, double v)
{
	int prec;

	if (isinf(v)) {
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* Go switches to an exponent from 1e6 on, as %.6g does; zeros are dropped. */
	if (prec < 6)
		snprintf(buf, size, "%.6g", v);
	else if (prec == 17)
		snprintf(buf, size, "%.17g", v);
}

/* The top_n busiest sources (a heap of top_n: a full map folded whole
 * would take megabytes on every scrape). */
static int top_sources(struct source_totals *st, const struct snapshot *snap,
		       unsigned int top_n)
{
	if (!top_n)
		return 0;
	st->top = calloc(top_n, sizeof(*st->top));
	if (!st->top)
		return -1;
	st->n_top = snapshot_top_sources(snap, -1, st->top, top_n, NULL);
	return 0;
}

static int compare_targets(const void *a, const void *b)
{
	const struct target_series *x = a, *y = b;

	if (x->code != y->code)
		return (int)x->code - (int)y->code;
	return strcmp(x->label, y->label);
}

/*
 * One series per (code, escaped target). Grouped by the escaped text, not
 * the bytes: escaping maps different bytes to one text (any invalid byte is
 * U+FFFD), and two series with the same labels would break the scrape.
 */
static int group_targets(struct target_totals *tt, const struct redirect_table *table)
{
	size_t n, labels_size, kept = 0;
	const struct redirect_entry *e = redirect_table_entries(table, &n);
	FILE *mem;

	tt->n = 0;
	tt->v = calloc(n ? n : 1, sizeof(*tt->v));
	if (!tt->v)
		return -1;
	mem = open_memstream(&tt->labels, &labels_size);
	if (!mem)
		return -1;
	for (size_t i = 0; i < n; i++) {
		tt->v[i].code = e[i].code;
		tt->v[i].count = e[i].count;
		tt->v[i].label_off = (size_t)ftell(mem);
		escape_label_value(mem, e[i].target, e[i].target_len, LABEL_VALUE_MAX);
		/* Cut when recorded: marked as escaping marks its own cuts. */
		if (e[i].target_cut && e[i].target_len <= LABEL_VALUE_MAX)
			fputs("...", mem);
		fputc('\0', mem);
	}
	if (fclose(mem))
		return -1;
	for (size_t i = 0; i < n; i++)
		tt->v[i].label = tt->labels + tt->v[i].label_off;
	qsort(tt->v, n, sizeof(*tt->v), compare_targets);
	for (size_t i = 0; i < n; i++) {
		if (kept && compare_targets(&tt->v[kept - 1], &tt->v[i]) == 0)
			tt->v[kept - 1].count += tt->v[i].count;
		else
			tt->v[kept++] = tt->v[i];
	}
	tt->n = kept;
	return 0;
}

static void write_traffic(struct text *t, const struct snapshot *snap)
{
	family(t, "sipxdp_packets_total", "counter",
	       "Packets seen, each classified once by its result.");
	for (unsigned int r = 0; r < SIPXDP_RESULT_MAX; r++)
		putf(t, "sipxdp_packets_total{result=\"%s\"} %llu\n", result_name(r),
		     snap->counters[r]);

	family(t, "sipxdp_responses_total", "counter",
	       "SIP responses by direction, class, code and CSeq method.");
	for (size_t i = 0; i < snap->n_responses; i++) {
		const struct response_row *row = &snap->responses[i];
		const char *class = class_name(row->code);

		if (!class)
			continue;
		putf(t, "sipxdp_responses_total{direction=\"%s\",class=\"%s\",code=\"%u\","
		     "method=\"%s\"} %llu\n", direction_name(row->direction), class,
		     row->code, method_name(row->method), row->count);
	}

	family(t, "sipxdp_requests_total", "counter", "SIP requests by direction and method.");
	for (unsigned int d = 0; d < SIPXDP_DIR_MAX; d++)
		/* UNKNOWN is for responses without a CSeq: no request has it. */
		for (unsigned int m = SIPXDP_M_UNKNOWN + 1; m < SIPXDP_METHOD_MAX; m++)
			putf(t, "sipxdp_requests_total{direction=\"%s\",method=\"%s\"} %llu\n",
			     direction_name(d), method_name(m), snap->requests[d][m]);
}

/* `name{labels` with more labels to come; labels NULL: `name{` alone. */
static void open_labels(struct text *t, const char *name, const char *labels)
{
	put(t, name);
	put_n(t, "{", 1);
	if (labels)
		put(t, labels);
}

/* ` value` and the end of the line, after the labels' `}`. */
static void end_series(struct text *t, __u64 value)
{
	put_n(t, "} ", 2);
	put_u64(t, value);
	put_n(t, "\n", 1);
}

/* `,label="value"` */
static void put_label(struct text *t, const char *label, const char *value)
{
	put_n(t, ",", 1);
	put(t, label);
	put_n(t, "=\"", 2);
	put(t, value);
	put_n(t, "\"", 1);
}

/* A series per class; labels: its first label, written as it is. */
static void write_class_series(struct text *t, const char *name, const char *labels,
			       const __u64 *by_class)
{
	static const char *const classes[N_CLASSES] = { "1xx", "2xx", "3xx", "4xx", "5xx", "6xx" };

	for (int c = 0; c < N_CLASSES; c++) {
		open_labels(t, name, labels);
		put_label(t, "class", classes[c]);
		end_series(t, by_class[c]);
	}
}

/* Exact per-peer counts, from the kernel's per-peer array (nothing evicts there). */
static void write_peers(struct text *t, const struct snapshot *snap)
{
	family(t, "sipxdp_peer_responses_total", "counter",
	       "SIP responses by sending peer (--peers ranges, else other) and class.");
	for (size_t id = 0; id < snap->n_peers; id++)
		write_class_series(t, "sipxdp_peer_responses_total", peer_label(t, id),
				   &snap->peer_responses[id * SIPXDP_CLASSES]);
}

static void write_top_sources(struct text *t, const struct source_totals *st)
{
	char addr[ADDR_STR_LEN], labels[sizeof("source=\"\"") + ADDR_STR_LEN];

	family(t, "sipxdp_source_responses_total", "counter",
	       "SIP responses by source address and class, for the busiest sources only.");
	/* a source that only sent requests ranks last: it has no responses to show */
	for (size_t i = 0; i < st->n_top && st->top[i].total; i++) {
		/* an address as inet_ntop writes it: nothing there to escape */
		snprintf(labels, sizeof(labels), "source=\"%s\"",
			 format_addr(&st->top[i].addr, addr));
		write_class_series(t, "sipxdp_source_responses_total", labels,
				   st->top[i].by_class);
	}
}

/* Only the limits --peers gives: the rules divide by them. */
static void write_peer_limits(struct text *t, const struct peer_map *peers)
{
	family(t, "sipxdp_peer_limit", "gauge",
	       "A peer's limits from --peers: calls up at once (max-calls) and call attempts "
	       "per second (max-cps).");
	for (unsigned int id = 1; id <= peers_name_count(peers); id++)
		for (int k = 0; k < PEER_LIMITS; k++) {
			unsigned int limit = peers_limit(peers, id, k);

			if (!limit)
				continue;
			open_labels(t, "sipxdp_peer_limit", peer_label(t, id));
			put_label(t, "kind", peer_limit_name(k));
			end_series(t, limit);
		}
}

/* A histogram's bounds as their `le` values, formatted once for all its series. */
struct bound_texts {
	char v[CALL_HIST_MAX][32];
	unsigned int n;
};

_Static_assert(ACK_DELAY_BUCKETS <= CALL_HIST_MAX, "bound_texts holds every histogram");

static void format_bounds(struct bound_texts *b, const double *bounds, unsigned int n)
{
	b->n = n;
	for (unsigned int i = 0; i < n; i++)
		format_float(b->v[i], sizeof(b->v[i]), bounds[i]);
}

/* `name{labels` or `name{more` or `name{labels,more`, open; `name{` without either. */
static void open_series(struct text *t, const char *name, const char *labels,
			const char *more)
{
	open_labels(t, name, labels);
	if (more) {
		if (labels)
			put_n(t, ",", 1);
		put(t, more);
	}
}

/* A histogram's `name_sum` or `name_count` line: no braces when it has no labels. */
static void put_sum_or_count(struct text *t, const char *name, const char *suffix,
			     const char *labels, const char *more, const char *value)
{
	put(t, name);
	put(t, suffix);
	if (labels || more) {
		open_series(t, "", labels, more);
		put_n(t, "}", 1);
	}
	put_n(t, " ", 1);
	put(t, value);
	put_n(t, "\n", 1);
}

/*
 * The series of one histogram, without its HELP/TYPE; labels NULL: no
 * peer label; more: further labels, written as they are (NULL: none).
 */
static void write_histogram(struct text *t, const char *name, const char *labels,
			    const char *more, const struct bound_texts *bounds,
			    const __u64 *buckets, __u64 count, double sum)
{
	const char *sep = labels || more ? "," : "";
	char num[32], bucket[128];

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (unsigned int i = 0; i < bounds->n; i++) {
		open_series(t, bucket, labels, more);
		put(t, sep);
		put_n(t, "le=\"", 4);
		put(t, bounds->v[i]);
		put_n(t, "\"", 1);
		end_series(t, buckets[i]);
	}
	open_series(t, bucket, labels, more);
	put(t, sep);
	put_n(t, "le=\"+Inf\"", 9);
	end_series(t, count);
	format_float(num, sizeof(num), sum);
	put_sum_or_count(t, name, "_sum", labels, more, num);
	snprintf(num, sizeof(num), "%llu", count);
	put_sum_or_count(t, name, "_count", labels, more, num);
}

/*
 * Every peer has its series from the first scrape, at 0 until something is
 * counted: a counter that first appears at a value makes rate(), and every
 * ratio recorded from it, wrong for that peer's first minutes. The peers
 * file bounds them.
 */
static unsigned int peer_count(const struct metrics_input *in)
{
	if (in->calls)
		return call_tracker_peer_count(in->calls);
	return in->ack_matcher ? ack_matcher_peer_count(in->ack_matcher) : 1;
}

/* A counter family per peer, from a field of struct ack_peer_stats. */
static void write_ack_peer_family(struct text *t, const struct metrics_input *in,
				  const char *name, const char *help, size_t field,
				  __u64 total)
{
	family(t, name, "counter", help);
	if (!in->ack_matcher) {
		/* no per-peer counts to hand: all of it as "other" */
		putf(t, "%s{peer=\"other\"} %llu\n", name, total);
		return;
	}
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct ack_peer_stats *a = ack_matcher_peer_stats(in->ack_matcher, id);

		if (!a)
			continue;
		open_labels(t, name, peer_label(t, id));
		end_series(t, *(const __u64 *)((const char *)a + field));
	}
}

static void write_acks(struct text *t, const struct metrics_input *in)
{
	const struct ack_stats *acks = in->acks;
	struct bound_texts bounds;

	write_ack_peer_family(t, in, "sipxdp_invite_2xx_total",
			      "INVITE 2xx transactions (distinct Call-ID, CSeq, To-tag and hop), "
			      "by peer.", offsetof(struct ack_peer_stats, invite_2xx),
			      acks->invite_2xx);
	write_ack_peer_family(t, in, "sipxdp_invite_2xx_retransmissions_total",
			      "Retransmitted 2xx of a known INVITE 2xx transaction, by peer.",
			      offsetof(struct ack_peer_stats, retransmissions),
			      acks->retransmissions);
	write_ack_peer_family(t, in, "sipxdp_ack_matched_total",
			      "INVITE 2xx transactions that got their ACK in time, by peer.",
			      offsetof(struct ack_peer_stats, matched), acks->matched);
	write_ack_peer_family(t, in, "sipxdp_ack_missing_total",
			      "INVITE 2xx transactions with no ACK within the timeout, by peer.",
			      offsetof(struct ack_peer_stats, missing), acks->missing);
	write_ack_peer_family(t, in, "sipxdp_ack_late_total",
			      "INVITE 2xx transactions reported missing whose ACK came "
			      "afterwards, by peer.", offsetof(struct ack_peer_stats, late),
			      acks->late);
	write_ack_peer_family(t, in, "sipxdp_ack_unverified_total",
			      "INVITE 2xx transactions with no ACK seen within the timeout while "
			      "ring-buffer records were lost: not known to be missing, by peer.",
			      offsetof(struct ack_peer_stats, unverified), acks->unverified);
	single(t, "sipxdp_invites_awaiting_ack", "gauge",
	       "INVITE 2xx transactions waiting for their ACK now.", acks->pending);

	family(t, "sipxdp_ack_delay_seconds", "histogram",
	       "Time from the first INVITE 2xx to its ACK.");
	format_bounds(&bounds, ack_delay_bounds, ACK_DELAY_BUCKETS);
	write_histogram(t, "sipxdp_ack_delay_seconds", NULL, NULL, &bounds, acks->delay_buckets,
			acks->delay_count, acks->delay_sum_seconds);

	single(t, "sipxdp_ack_evicted_total", "counter",
	       "INVITE 2xx transactions dropped because the ACK table was full.",
	       acks->evicted);
}

/* Only the causes seen: up to CALL_CAUSE_SLOTS series a peer. */
static void write_call_causes(struct text *t, const struct metrics_input *in)
{
	family(t, "sipxdp_call_end_causes_total", "counter",
	       "Reason header values (RFC 3326) of the BYE ending an answered call, the CANCEL "
	       "of a call in setup and the final response deciding a call, by peer, protocol "
	       "and cause (q850 1..127, sip 100..699; others are not counted).");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct call_peer_stats *p = call_tracker_peer(in->calls, id);

		for (int proto = 0; proto < SIP_REASON_PROTOCOLS; proto++)
			for (unsigned int cause = sip_reason_cause_min(proto);
			     cause <= sip_reason_cause_max(proto); cause++) {
				__u64 n = call_cause_count(p, proto, cause);

				if (!n)
					continue;
				open_labels(t, "sipxdp_call_end_causes_total", peer_label(t, id));
				put_label(t, "protocol", sip_reason_protocol_name(proto));
				put_n(t, ",cause=\"", 8);
				put_u64(t, cause);
				put_n(t, "\"", 1);
				end_series(t, n);
			}
	}
}

static void write_call_identity(struct text *t, const struct metrics_input *in)
{
	family(t, "sipxdp_invite_identity_total", "counter",
	       "Calls by peer, direction and the attest claim of their INVITE's Identity "
	       "PASSporT (RFC 8588; not verified): A, B, C, none (no Identity header), "
	       "unreadable.");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int d = 0; d < CALL_DIRECTIONS; d++)
			for (int a = 0; a < SIP_ATTESTS; a++) {
				open_labels(t, "sipxdp_invite_identity_total", peer_label(t, id));
				put_label(t, "direction", call_direction_name(d));
				put_label(t, "attest", sip_attest_name(a));
				end_series(t, call_tracker_peer(in->calls, id)->attest[d][a]);
			}
	family(t, "sipxdp_invite_verstat_total", "counter",
	       "Calls whose INVITE carried a verstat (P-Asserted-Identity, else From), by "
	       "peer, direction and its value (the three of RFC 8224's practice, else other).");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int d = 0; d < CALL_DIRECTIONS; d++)
			for (int v = 0; v < SIP_VERSTATS; v++) {
				open_labels(t, "sipxdp_invite_verstat_total", peer_label(t, id));
				put_label(t, "direction", call_direction_name(d));
				put_label(t, "verstat", sip_verstat_name(v));
				end_series(t, call_tracker_peer(in->calls, id)->verstat[d][v]);
			}
}

static void write_call_counters(struct text *t, const struct metrics_input *in)
{
	const struct call_tracker *tr = in->calls;

	family(t, "sipxdp_call_attempts_total", "counter",
	       "INVITE transactions (calls) by peer and direction, retransmissions and "
	       "re-INVITEs excluded.");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct call_peer_stats *p = call_tracker_peer(tr, id);

		for (int d = 0; d < CALL_DIRECTIONS; d++) {
			open_labels(t, "sipxdp_call_attempts_total", peer_label(t, id));
			put_label(t, "direction", call_direction_name(d));
			end_series(t, p->attempts[d]);
		}
	}
	family(t, "sipxdp_call_outcomes_total", "counter",
	       "Calls by peer, direction and outcome (RFC 6076: the first final response; "
	       "unanswered: none within 64*T1; unverified: none seen, but ring-buffer records "
	       "were lost meanwhile).");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct call_peer_stats *p = call_tracker_peer(tr, id);

		for (int d = 0; d < CALL_DIRECTIONS; d++)
			for (int o = 0; o < CALL_OUTCOMES; o++) {
				open_labels(t, "sipxdp_call_outcomes_total", peer_label(t, id));
				put_label(t, "direction", call_direction_name(d));
				put_label(t, "outcome", call_outcome_name(o));
				end_series(t, p->outcomes[d][o]);
			}
	}
	family(t, "sipxdp_calls_completed_total", "counter",
	       "Answered calls whose BYE got its 2xx, by peer.");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		open_labels(t, "sipxdp_calls_completed_total", peer_label(t, id));
		end_series(t, call_tracker_peer(tr, id)->completed);
	}
	family(t, "sipxdp_calls_ended_unseen_total", "counter",
	       "Answered calls ended without their BYE and its 2xx seen, by peer and reason "
	       "(events_lost: ring-buffer records were lost while active; max_duration: "
	       "active for --max-call-duration; no_media: its RTP stopped both ways for "
	       "--media-timeout).");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int r = 0; r < CALL_UNSEEN_REASONS; r++) {
			open_labels(t, "sipxdp_calls_ended_unseen_total", peer_label(t, id));
			put_label(t, "reason", call_unseen_reason_name(r));
			end_series(t, call_tracker_peer(tr, id)->ended_unseen[r]);
		}
	family(t, "sipxdp_calls_ended_by_total", "counter",
	       "BYEs that ended an answered call, by peer and who sent them (caller: the "
	       "address that sent the INVITE on that hop; callee: the other).");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int side = 0; side < CALL_SIDES; side++) {
			open_labels(t, "sipxdp_calls_ended_by_total", peer_label(t, id));
			put_label(t, "side", call_side_name(side));
			end_series(t, call_tracker_peer(tr, id)->ended_by[side]);
		}
	write_call_causes(t, in);
	write_call_identity(t, in);
	family(t, "sipxdp_calls_active", "gauge",
	       "Answered calls not yet completed by a BYE and its 2xx nor ended unseen, by peer.");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		open_labels(t, "sipxdp_calls_active", peer_label(t, id));
		end_series(t, call_tracker_peer(tr, id)->active);
	}
}

/* Which histogram of a peer's call figures. */
enum call_hist_kind { HIST_SETUP, HIST_ANSWER, HIST_DURATION, HIST_OPTIONS, HIST_REGISTER };

static const struct call_histogram *hist_of(const struct call_peer_stats *p,
					    enum call_hist_kind k)
{
	switch (k) {
	case HIST_SETUP:
		return &p->setup;
	case HIST_ANSWER:
		return &p->answer;
	case HIST_DURATION:
		return &p->duration;
	case HIST_OPTIONS:
		return &p->options.delay;
	default:
		return &p->registers.delay;
	}
}

static void write_call_histogram(struct text *t, const char *name, const char *labels,
				 const char *more, const struct bound_texts *bounds,
				 const struct call_histogram *h)
{
	write_histogram(t, name, labels, more, bounds, h->buckets, h->count, h->sum_seconds);
}

static void write_call_histograms(struct text *t, const struct metrics_input *in)
{
	static const struct {
		const char *name;
		const char *help;
		enum call_hist_kind kind;
		const struct call_hist_bounds *bounds;
	} fams[] = {
		{ "sipxdp_call_setup_delay_seconds",
		  "INVITE to the first 18x or final response (RFC 6076 SRD), by peer.",
		  HIST_SETUP, &call_setup_bounds },
		{ "sipxdp_call_answer_delay_seconds", "INVITE to its 2xx, by peer.",
		  HIST_ANSWER, &call_answer_bounds },
		{ "sipxdp_call_duration_seconds", "2xx to BYE of completed calls, by peer.",
		  HIST_DURATION, &call_duration_bounds },
	};
	struct bound_texts bounds;

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family(t, fams[f].name, "histogram", fams[f].help);
		format_bounds(&bounds, fams[f].bounds->v, fams[f].bounds->n);
		for (unsigned int id = 0; id < peer_count(in); id++)
			write_call_histogram(t, fams[f].name, peer_label(t, id), NULL, &bounds,
					     hist_of(call_tracker_peer(in->calls, id), fams[f].kind));
	}
}

/* sipxdp_options_* or sipxdp_register_*: outcomes, then the delay. */
static void write_requests(struct text *t, const struct metrics_input *in, bool options)
{
	const char *total = options ? "sipxdp_options_total" : "sipxdp_register_total";
	const char *delay = options ? "sipxdp_options_rtt_seconds" :
				      "sipxdp_register_delay_seconds";

	const struct {
		const char *name;
		size_t field;
	} outcomes[] = {
		{ "answered", offsetof(struct request_peer_stats, answered) },
		{ "unanswered", offsetof(struct request_peer_stats, unanswered) },
		{ "unverified", offsetof(struct request_peer_stats, unverified) },
	};
	struct bound_texts bounds;

	family(t, total, "counter", options ?
	       "OPTIONS transactions by peer and outcome (answered: any final response; "
	       "unanswered: none within 64*T1; unverified: none seen, but ring-buffer records "
	       "were lost meanwhile)." :
	       "REGISTER transactions by peer and outcome (answered: any final response; "
	       "unanswered: none within 64*T1; unverified: none seen, but ring-buffer records "
	       "were lost meanwhile).");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct call_peer_stats *p = call_tracker_peer(in->calls, id);
		const struct request_peer_stats *r = options ? &p->options : &p->registers;

		for (size_t o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++) {
			open_labels(t, total, peer_label(t, id));
			put_label(t, "outcome", outcomes[o].name);
			end_series(t, *(const __u64 *)((const char *)r + outcomes[o].field));
		}
	}
	family(t, delay, "histogram", options ?
	       "OPTIONS to its first final response, by peer." :
	       "REGISTER to its first final response, by peer.");
	format_bounds(&bounds, call_request_delay_bounds.v, call_request_delay_bounds.n);
	for (unsigned int id = 0; id < peer_count(in); id++)
		write_call_histogram(t, delay, peer_label(t, id), NULL, &bounds,
				     hist_of(call_tracker_peer(in->calls, id),
					     options ? HIST_OPTIONS : HIST_REGISTER));
}

static void write_calls(struct text *t, const struct metrics_input *in)
{
	write_call_counters(t, in);
	write_call_histograms(t, in);
	write_requests(t, in, true);
	write_requests(t, in, false);
}

/* A counter of struct media_peer_stats, a __u64 per direction at offset,
 * per peer and direction. */
static void write_media_counter(struct text *t, const struct metrics_input *in,
				const char *name, const char *help, size_t offset)
{
	family(t, name, "counter", help);
	for (unsigned int id = 0; id < media_tracker_peer_count(in->media); id++)
		for (int d = 0; d < MEDIA_DIRECTIONS; d++) {
			const char *p = (const char *)media_tracker_peer(in->media, id) + offset;

			open_labels(t, name, peer_label(t, id));
			put_label(t, "direction", media_direction_name(d));
			end_series(t, ((const __u64 *)p)[d]);
		}
}

/* The same for a histogram, a struct call_histogram per direction. */
static void write_media_histogram(struct text *t, const struct metrics_input *in,
				  const char *name, const char *help,
				  const struct call_hist_bounds *b, size_t offset)
{
	struct bound_texts bounds;
	char dir[48];

	family(t, name, "histogram", help);
	format_bounds(&bounds, b->v, b->n);
	for (unsigned int id = 0; id < media_tracker_peer_count(in->media); id++)
		for (int d = 0; d < MEDIA_DIRECTIONS; d++) {
			const char *p = (const char *)media_tracker_peer(in->media, id) + offset;

			snprintf(dir, sizeof(dir), "direction=\"%s\"", media_direction_name(d));
			write_call_histogram(t, name, peer_label(t, id), dir, &bounds,
					     &((const struct call_histogram *)p)[d]);
		}
}

/* The media families, per peer and direction (media.h). */
static void write_media(struct text *t, const struct metrics_input *in)
{
	const struct media_tracker *tr = in->media;
	unsigned int n = media_tracker_peer_count(tr);

	family(t, "sipxdp_calls_media_total", "counter",
	       "Answered calls at their end by the RTP their learned streams had: two_way, "
	       "one_way (one way only for --one-way-after), none. Calls with no stream "
	       "learned, or never expecting audio both ways, are not counted.");
	for (unsigned int id = 0; id < n; id++)
		for (int v = 0; v < MEDIA_VERDICTS; v++) {
			open_labels(t, "sipxdp_calls_media_total", peer_label(t, id));
			put_label(t, "media", media_verdict_name(v));
			end_series(t, media_tracker_peer(tr, id)->calls[v]);
		}
	family(t, "sipxdp_media_streams_total", "counter",
	       "Audio streams learned from SDP, counted when they end, by peer, direction "
	       "seen from the peer, and the codec the answer chose.");
	for (unsigned int id = 0; id < n; id++)
		for (int d = 0; d < MEDIA_DIRECTIONS; d++)
			for (int c = 0; c < MEDIA_CODECS; c++) {
				/* never a stream's voice (sdp_voice): no series */
				if (c == SDP_CODEC_TELEPHONE_EVENT || c == SDP_CODEC_CN)
					continue;
				open_labels(t, "sipxdp_media_streams_total", peer_label(t, id));
				put_label(t, "direction", media_direction_name(d));
				put_label(t, "codec", sdp_codec_name(c));
				end_series(t, media_tracker_peer(tr, id)->streams[d][c]);
			}
	write_media_counter(t, in, "sipxdp_media_packets_total",
			    "Packets to the learned streams' addresses and ports, by peer and "
			    "direction.", offsetof(struct media_peer_stats, packets));
	write_media_counter(t, in, "sipxdp_media_packets_lost_total",
			    "RTP packets of the learned streams lost (RFC 3550: expected less "
			    "received), by peer and direction.",
			    offsetof(struct media_peer_stats, lost));
	write_media_histogram(t, in, "sipxdp_media_jitter_seconds",
			      "The mean interarrival jitter (RFC 3550 A.8) of each ended stream "
			      "with RTP, by peer and direction.", &media_jitter_bounds,
			      offsetof(struct media_peer_stats, jitter));
	write_media_histogram(t, in, "sipxdp_media_mos",
			      "The MOS the ITU-T G.107 E-model estimates from its loss and "
			      "jitter, of each ended stream with RTP, by peer and direction.",
			      &media_mos_bounds, offsetof(struct media_peer_stats, mos));
}

static void write_redirects(struct text *t, const struct snapshot *snap,
			    const struct redirect_table *table,
			    const struct target_totals *tt)
{
	__u64 by_code[REDIRECT_CODES] = { 0 };
	bool seen[REDIRECT_CODES] = { false };

	for (size_t i = 0; i < snap->n_responses; i++) {
		const struct response_row *row = &snap->responses[i];

		if (row->code < 300 || row->code >= 300 + REDIRECT_CODES)
			continue;
		by_code[row->code - 300] += row->count;
		seen[row->code - 300] = true;
	}
	family(t, "sipxdp_redirects_total", "counter", "SIP 3xx responses by code.");
	for (int c = 0; c < REDIRECT_CODES; c++)
		if (seen[c])
			putf(t, "sipxdp_redirects_total{code=\"%d\"} %llu\n", 300 + c,
			     by_code[c]);

	family(t, "sipxdp_redirect_target_responses_total", "counter",
	       "Contact URIs of 3xx responses by code and target (escaped, cut).");
	for (size_t i = 0; i < tt->n; i++) {
		put(t, "sipxdp_redirect_target_responses_total{code=\"");
		put_u64(t, tt->v[i].code);
		put_n(t, "\"", 1);
		put_label(t, "target", tt->v[i].label);
		end_series(t, tt->v[i].count);
	}

	single(t, "sipxdp_redirect_targets_overflow_total", "counter",
	       "3xx Contact URIs not kept because the target table was full.",
	       redirect_table_overflow(table));
	single(t, "sipxdp_redirect_targets_expired_total", "counter",
	       "3xx targets dropped because they were not seen for --redirect-max-age.",
	       redirect_table_expired(table));
}

static void write_registrations(struct text *t, const struct registration_table *r)
{
	family(t, "sipxdp_registrations_active", "gauge",
	       "Bindings (AoR, Contact) a registrar granted that have not expired nor been "
	       "removed, by peer.");
	for (unsigned int id = 0; id < registration_table_peer_count(r); id++) {
		open_labels(t, "sipxdp_registrations_active", peer_label(t, id));
		end_series(t, registration_table_active(r, id));
	}
}

static void write_suspects(struct text *t, const struct suspect_stats *s)
{
	single(t, "sipxdp_suspect_sources", "gauge",
	       "Sources flagged as suspect now (sipxdp suspects lists them).", s->flagged);
	family(t, "sipxdp_suspect_events_total", "counter",
	       "Evidence against a source, by reason: requests with a scanner's User-Agent, "
	       "authentication failures (a 403, or a 401/407 to a request with credentials), "
	       "users not found (a 404, 484 or 604, or no answer), and requests counted in "
	       "the kernel while a source's rate was over the flood threshold.");
	for (int r = 0; r < SUSPECT_REASONS; r++)
		putf(t, "sipxdp_suspect_events_total{reason=\"%s\"} %llu\n",
		     suspect_reason_name(r), s->events[r]);
}

static void write_agent(struct text *t, const struct metrics_input *in)
{
	const struct suspect_stats *sus = in->suspects;
	const struct registration_stats *reg = in->registration_stats;
	const struct snapshot *snap = in->snap;
	size_t n_targets = 0;
	const char *version = in->version ? in->version : "unknown";

	if (in->redirects)
		redirect_table_entries(in->redirects, &n_targets);

	single(t, "sipxdp_events_lost_total", "counter",
	       "Events dropped because the ring buffer was full.",
	       snap->counters[SIPXDP_CNT_EVENTS_LOST]);
	single(t, "sipxdp_events_cut_total", "counter",
	       "Events carrying fewer bytes than their message.",
	       snap->counters[SIPXDP_CNT_EVENTS_CUT]);
	family(t, "sipxdp_map_update_failures_total", "counter",
	       "Responses the kernel could not count per source or per code: the map refused.");
	putf(t, "sipxdp_map_update_failures_total{map=\"sources\"} %llu\n",
		snap->counters[SIPXDP_CNT_SOURCE_UPDATE_FAILED]);
	putf(t, "sipxdp_map_update_failures_total{map=\"responses\"} %llu\n",
		snap->counters[SIPXDP_CNT_RESPONSE_UPDATE_FAILED]);

	family(t, "sipxdp_map_evictions_total", "counter",
	       "Entries a full table dropped to make room: per-source rows the kernel's LRU "
	       "evicted, ACK transactions, calls and OPTIONS/REGISTER transactions the agent "
	       "lost track of, audio streams SDP negotiated, idle 3xx targets, registrations, "
	       "REGISTERs awaiting their answer, suspect sources and the requests the suspect "
	       "table awaited an answer to.");
	putf(t, "sipxdp_map_evictions_total{map=\"sources\"} %llu\n", in->source_evictions);
	if (in->acks)
		putf(t, "sipxdp_map_evictions_total{map=\"ack_table\"} %llu\n",
			in->acks->evicted);
	if (in->call_stats)
		putf(t, "sipxdp_map_evictions_total{map=\"calls\"} %llu\n"
			"sipxdp_map_evictions_total{map=\"requests\"} %llu\n",
			in->call_stats->calls_evicted, in->call_stats->requests_evicted);
	if (in->media_stats)
		putf(t, "sipxdp_map_evictions_total{map=\"media_streams\"} %llu\n",
			in->media_stats->streams_evicted);
	if (in->redirects)
		putf(t, "sipxdp_map_evictions_total{map=\"redirect_targets\"} %llu\n",
			redirect_table_evictions(in->redirects));
	if (reg)
		putf(t, "sipxdp_map_evictions_total{map=\"registrations\"} %llu\n"
			"sipxdp_map_evictions_total{map=\"registers_pending\"} %llu\n",
			reg->evicted, reg->pending_evicted);
	if (sus)
		putf(t, "sipxdp_map_evictions_total{map=\"suspects\"} %llu\n"
			"sipxdp_map_evictions_total{map=\"suspect_requests\"} %llu\n",
			sus->evicted, sus->pending_evicted);

	family(t, "sipxdp_map_entries", "gauge", "Entries in use in each table.");
	putf(t, "sipxdp_map_entries{map=\"sources\"} %zu\n", snapshot_source_entries(snap));
	putf(t, "sipxdp_map_entries{map=\"responses\"} %zu\n", snap->n_responses);
	if (in->acks)
		putf(t, "sipxdp_map_entries{map=\"ack_table\"} %llu\n",
			in->acks->table_entries);
	if (in->call_stats)
		putf(t, "sipxdp_map_entries{map=\"calls\"} %llu\n"
			"sipxdp_map_entries{map=\"requests\"} %llu\n",
			in->call_stats->calls_entries, in->call_stats->requests_entries);
	if (in->media_stats)
		putf(t, "sipxdp_map_entries{map=\"media_streams\"} %llu\n",
			in->media_stats->streams);
	if (in->redirects)
		putf(t, "sipxdp_map_entries{map=\"redirect_targets\"} %zu\n", n_targets);
	if (reg)
		putf(t, "sipxdp_map_entries{map=\"registrations\"} %llu\n"
			"sipxdp_map_entries{map=\"registers_pending\"} %llu\n",
			reg->entries, reg->pending_entries);
	if (sus)
		putf(t, "sipxdp_map_entries{map=\"suspects\"} %llu\n"
			"sipxdp_map_entries{map=\"suspect_requests\"} %llu\n",
			sus->entries, sus->pending_entries);

	family(t, "sipxdp_map_capacity", "gauge", "Entries each table can hold.");
	putf(t, "sipxdp_map_capacity{map=\"sources\"} %u\n", snap->sources_capacity);
	putf(t, "sipxdp_map_capacity{map=\"responses\"} %u\n", snap->responses_capacity);
	if (in->acks)
		putf(t, "sipxdp_map_capacity{map=\"ack_table\"} %llu\n",
			in->acks->table_capacity);
	if (in->call_stats)
		putf(t, "sipxdp_map_capacity{map=\"calls\"} %llu\n"
			"sipxdp_map_capacity{map=\"requests\"} %llu\n",
			in->call_stats->calls_capacity, in->call_stats->requests_capacity);
	if (in->media_stats)
		putf(t, "sipxdp_map_capacity{map=\"media_streams\"} %llu\n",
			in->media_stats->max_streams);
	if (in->redirects)
		putf(t, "sipxdp_map_capacity{map=\"redirect_targets\"} %zu\n",
			redirect_table_capacity(in->redirects));
	if (reg)
		putf(t, "sipxdp_map_capacity{map=\"registrations\"} %llu\n"
			"sipxdp_map_capacity{map=\"registers_pending\"} %llu\n",
			reg->capacity, reg->pending_capacity);
	if (sus)
		putf(t, "sipxdp_map_capacity{map=\"suspects\"} %llu\n"
			"sipxdp_map_capacity{map=\"suspect_requests\"} %llu\n",
			sus->capacity, sus->pending_capacity);

	single(t, "sipxdp_http_refused_total", "counter",
	       "HTTP connections closed at once because the agent's connection limit was reached.",
	       in->http_refused);

	family(t, "sipxdp_build_info", "gauge", "Always 1; the version is in the label.");
	put(t, "sipxdp_build_info{version=\"");
	text_flush(t);
	escape_label_value(t->out, version, strlen(version), LABEL_VALUE_MAX);
	put(t, "\"} 1\n");
}

int metrics_write(FILE *out, const struct metrics_input *in)
{
	struct source_totals sources = { 0 };
	struct target_totals targets = { 0 };
	struct text t;
	int err = -1;

	/* Everything that allocates first: on failure nothing is written. */
	if (text_init(&t, out, in->peers))
		goto cleanup;
	if (top_sources(&sources, in->snap, in->per_source_top_n))
		goto cleanup;
	if (in->redirects && group_targets(&targets, in->redirects))
		goto cleanup;

	write_traffic(&t, in->snap);
	write_peers(&t, in->snap);
	write_peer_limits(&t, in->peers);
	if (in->per_source_top_n)
		write_top_sources(&t, &sources);
	if (in->acks)
		write_acks(&t, in);
	if (in->calls)
		write_calls(&t, in);
	if (in->media)
		write_media(&t, in);
	if (in->redirects)
		write_redirects(&t, in->snap, in->redirects, &targets);
	if (in->registrations)
		write_registrations(&t, in->registrations);
	if (in->suspects)
		write_suspects(&t, in->suspects);
	write_agent(&t, in);
	text_flush(&t);
	err = fflush(out) || ferror(out) ? -1 : 0;
cleanup:
	text_free(&t);
	free(sources.top);
	free(targets.v);
	free(targets.labels);
	return err;
}
