// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
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

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void single(FILE *out, const char *name, const char *type, const char *help,
		   __u64 value)
{
	family(out, name, type, help);
	fprintf(out, "%s %llu\n", name, value);
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

static void write_traffic(FILE *out, const struct snapshot *snap)
{
	family(out, "sipxdp_packets_total", "counter",
	       "Packets seen, each classified once by its result.");
	for (unsigned int r = 0; r < SIPXDP_RESULT_MAX; r++)
		fprintf(out, "sipxdp_packets_total{result=\"%s\"} %llu\n", result_name(r),
			snap->counters[r]);

	family(out, "sipxdp_responses_total", "counter",
	       "SIP responses by direction, class, code and CSeq method.");
	for (size_t i = 0; i < snap->n_responses; i++) {
		const struct response_row *row = &snap->responses[i];
		const char *class = class_name(row->code);

		if (!class)
			continue;
		fprintf(out, "sipxdp_responses_total{direction=\"%s\",class=\"%s\",code=\"%u\","
			"method=\"%s\"} %llu\n", direction_name(row->direction), class,
			row->code, method_name(row->method), row->count);
	}

	family(out, "sipxdp_requests_total", "counter", "SIP requests by direction and method.");
	for (unsigned int d = 0; d < SIPXDP_DIR_MAX; d++)
		/* UNKNOWN is for responses without a CSeq: no request has it. */
		for (unsigned int m = SIPXDP_M_UNKNOWN + 1; m < SIPXDP_METHOD_MAX; m++)
			fprintf(out, "sipxdp_requests_total{direction=\"%s\",method=\"%s\"} %llu\n",
				direction_name(d), method_name(m), snap->requests[d][m]);
}

static void write_class_series(FILE *out, const char *name, const char *label,
			       const char *value, size_t max_in, const __u64 *by_class)
{
	for (int c = 0; c < N_CLASSES; c++) {
		fprintf(out, "%s{%s=\"", name, label);
		escape_label_value(out, value, strlen(value), max_in);
		fprintf(out, "\",class=\"%dxx\"} %llu\n", c + 1, by_class[c]);
	}
}

/* Exact per-peer counts, from the kernel's per-peer array (nothing evicts there). */
static void write_peers(FILE *out, const struct snapshot *snap, const struct peer_map *peers)
{
	family(out, "sipxdp_peer_responses_total", "counter",
	       "SIP responses by sending peer (--peers ranges, else other) and class.");
	for (size_t id = 0; id < snap->n_peers; id++)
		write_class_series(out, "sipxdp_peer_responses_total", "peer",
				   peers_name(peers, id), PEER_NAME_MAX,
				   &snap->peer_responses[id * SIPXDP_CLASSES]);
}

static void write_top_sources(FILE *out, const struct source_totals *st)
{
	char addr[ADDR_STR_LEN];

	family(out, "sipxdp_source_responses_total", "counter",
	       "SIP responses by source address and class, for the busiest sources only.");
	/* a source that only sent requests ranks last: it has no responses to show */
	for (size_t i = 0; i < st->n_top && st->top[i].total; i++) {
		write_class_series(out, "sipxdp_source_responses_total", "source",
				   format_addr(&st->top[i].addr, addr), sizeof(addr),
				   st->top[i].by_class);
	}
}

/* `{peer="NAME"` with more labels to come, or `{` alone without a peer. */
static void open_labels(FILE *out, const char *name, const char *peer)
{
	fprintf(out, "%s{", name);
	if (!peer)
		return;
	fputs("peer=\"", out);
	escape_label_value(out, peer, strlen(peer), PEER_NAME_MAX);
	fputc('"', out);
}

/* Only the limits --peers gives: the rules divide by them. */
static void write_peer_limits(FILE *out, const struct peer_map *peers)
{
	family(out, "sipxdp_peer_limit", "gauge",
	       "A peer's limits from --peers: calls up at once (max-calls) and call attempts "
	       "per second (max-cps).");
	for (unsigned int id = 1; id <= peers_name_count(peers); id++)
		for (int k = 0; k < PEER_LIMITS; k++) {
			unsigned int limit = peers_limit(peers, id, k);

			if (!limit)
				continue;
			open_labels(out, "sipxdp_peer_limit", peers_name(peers, id));
			fprintf(out, ",kind=\"%s\"} %u\n", peer_limit_name(k), limit);
		}
}

/* `{peer="NAME",more` or `{more`: the labels of a series, open. */
static void open_series(FILE *out, const char *name, const char *peer, const char *more)
{
	open_labels(out, name, peer);
	if (more)
		fprintf(out, "%s%s", peer ? "," : "", more);
}

/*
 * The series of one histogram, without its HELP/TYPE; peer NULL: no peer
 * label; more: further labels, written as they are (NULL: none).
 */
static void write_histogram(FILE *out, const char *name, const char *peer, const char *more,
			    const double *bounds, unsigned int n, const __u64 *buckets,
			    __u64 count, double sum)
{
	const char *sep = peer || more ? "," : "";
	char num[32], bucket[128];

	snprintf(bucket, sizeof(bucket), "%s_bucket", name);
	for (unsigned int i = 0; i < n; i++) {
		format_float(num, sizeof(num), bounds[i]);
		open_series(out, bucket, peer, more);
		fprintf(out, "%sle=\"%s\"} %llu\n", sep, num, buckets[i]);
	}
	open_series(out, bucket, peer, more);
	fprintf(out, "%sle=\"+Inf\"} %llu\n", sep, count);
	format_float(num, sizeof(num), sum);
	fprintf(out, "%s_sum", name);
	if (peer || more) {
		open_series(out, "", peer, more);
		fputc('}', out);
	}
	fprintf(out, " %s\n", num);
	fprintf(out, "%s_count", name);
	if (peer || more) {
		open_series(out, "", peer, more);
		fputc('}', out);
	}
	fprintf(out, " %llu\n", count);
}

static void write_call_histogram(FILE *out, const char *name, const char *peer,
				 const char *more, const struct call_hist_bounds *b,
				 const struct call_histogram *h)
{
	write_histogram(out, name, peer, more, b->v, b->n, h->buckets, h->count,
			h->sum_seconds);
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
static void write_ack_peer_family(FILE *out, const struct metrics_input *in,
				  const char *name, const char *help, size_t field,
				  __u64 total)
{
	family(out, name, "counter", help);
	if (!in->ack_matcher) {
		/* no per-peer counts to hand: all of it as "other" */
		fprintf(out, "%s{peer=\"other\"} %llu\n", name, total);
		return;
	}
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct ack_peer_stats *a = ack_matcher_peer_stats(in->ack_matcher, id);

		if (!a)
			continue;
		open_labels(out, name, peers_name(in->peers, id));
		fprintf(out, "} %llu\n", *(const __u64 *)((const char *)a + field));
	}
}

static void write_acks(FILE *out, const struct metrics_input *in)
{
	const struct ack_stats *acks = in->acks;

	write_ack_peer_family(out, in, "sipxdp_invite_2xx_total",
			      "INVITE 2xx transactions (distinct Call-ID, CSeq, To-tag and hop), "
			      "by peer.", offsetof(struct ack_peer_stats, invite_2xx),
			      acks->invite_2xx);
	write_ack_peer_family(out, in, "sipxdp_invite_2xx_retransmissions_total",
			      "Retransmitted 2xx of a known INVITE 2xx transaction, by peer.",
			      offsetof(struct ack_peer_stats, retransmissions),
			      acks->retransmissions);
	write_ack_peer_family(out, in, "sipxdp_ack_matched_total",
			      "INVITE 2xx transactions that got their ACK in time, by peer.",
			      offsetof(struct ack_peer_stats, matched), acks->matched);
	write_ack_peer_family(out, in, "sipxdp_ack_missing_total",
			      "INVITE 2xx transactions with no ACK within the timeout, by peer.",
			      offsetof(struct ack_peer_stats, missing), acks->missing);
	write_ack_peer_family(out, in, "sipxdp_ack_late_total",
			      "INVITE 2xx transactions reported missing whose ACK came "
			      "afterwards, by peer.", offsetof(struct ack_peer_stats, late),
			      acks->late);
	write_ack_peer_family(out, in, "sipxdp_ack_unverified_total",
			      "INVITE 2xx transactions with no ACK seen within the timeout while "
			      "ring-buffer records were lost: not known to be missing, by peer.",
			      offsetof(struct ack_peer_stats, unverified), acks->unverified);
	single(out, "sipxdp_invites_awaiting_ack", "gauge",
	       "INVITE 2xx transactions waiting for their ACK now.", acks->pending);

	family(out, "sipxdp_ack_delay_seconds", "histogram",
	       "Time from the first INVITE 2xx to its ACK.");
	write_histogram(out, "sipxdp_ack_delay_seconds", NULL, NULL, ack_delay_bounds,
			ACK_DELAY_BUCKETS, acks->delay_buckets, acks->delay_count,
			acks->delay_sum_seconds);

	single(out, "sipxdp_ack_evicted_total", "counter",
	       "INVITE 2xx transactions dropped because the ACK table was full.",
	       acks->evicted);
}

/* Only the causes seen: up to CALL_CAUSE_SLOTS series a peer. */
static void write_call_causes(FILE *out, const struct metrics_input *in)
{
	family(out, "sipxdp_call_end_causes_total", "counter",
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
				open_labels(out, "sipxdp_call_end_causes_total",
					    peers_name(in->peers, id));
				fprintf(out, ",protocol=\"%s\",cause=\"%u\"} %llu\n",
					sip_reason_protocol_name(proto), cause, n);
			}
	}
}

static void write_call_identity(FILE *out, const struct metrics_input *in)
{
	family(out, "sipxdp_invite_identity_total", "counter",
	       "Calls by peer, direction and the attest claim of their INVITE's Identity "
	       "PASSporT (RFC 8588; not verified): A, B, C, none (no Identity header), "
	       "unreadable.");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int d = 0; d < CALL_DIRECTIONS; d++)
			for (int a = 0; a < SIP_ATTESTS; a++) {
				open_labels(out, "sipxdp_invite_identity_total",
					    peers_name(in->peers, id));
				fprintf(out, ",direction=\"%s\",attest=\"%s\"} %llu\n",
					call_direction_name(d), sip_attest_name(a),
					call_tracker_peer(in->calls, id)->attest[d][a]);
			}
	family(out, "sipxdp_invite_verstat_total", "counter",
	       "Calls whose INVITE carried a verstat (P-Asserted-Identity, else From), by "
	       "peer, direction and its value (the three of RFC 8224's practice, else other).");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int d = 0; d < CALL_DIRECTIONS; d++)
			for (int v = 0; v < SIP_VERSTATS; v++) {
				open_labels(out, "sipxdp_invite_verstat_total",
					    peers_name(in->peers, id));
				fprintf(out, ",direction=\"%s\",verstat=\"%s\"} %llu\n",
					call_direction_name(d), sip_verstat_name(v),
					call_tracker_peer(in->calls, id)->verstat[d][v]);
			}
}

static void write_call_counters(FILE *out, const struct metrics_input *in)
{
	const struct call_tracker *t = in->calls;

	family(out, "sipxdp_call_attempts_total", "counter",
	       "INVITE transactions (calls) by peer and direction, retransmissions and "
	       "re-INVITEs excluded.");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct call_peer_stats *p = call_tracker_peer(t, id);

		for (int d = 0; d < CALL_DIRECTIONS; d++) {
			open_labels(out, "sipxdp_call_attempts_total", peers_name(in->peers, id));
			fprintf(out, ",direction=\"%s\"} %llu\n", call_direction_name(d),
				p->attempts[d]);
		}
	}
	family(out, "sipxdp_call_outcomes_total", "counter",
	       "Calls by peer, direction and outcome (RFC 6076: the first final response; "
	       "unanswered: none within 64*T1; unverified: none seen, but ring-buffer records "
	       "were lost meanwhile).");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		const struct call_peer_stats *p = call_tracker_peer(t, id);

		for (int d = 0; d < CALL_DIRECTIONS; d++)
			for (int o = 0; o < CALL_OUTCOMES; o++) {
				open_labels(out, "sipxdp_call_outcomes_total",
					    peers_name(in->peers, id));
				fprintf(out, ",direction=\"%s\",outcome=\"%s\"} %llu\n",
					call_direction_name(d), call_outcome_name(o),
					p->outcomes[d][o]);
			}
	}
	family(out, "sipxdp_calls_completed_total", "counter",
	       "Answered calls whose BYE got its 2xx, by peer.");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		open_labels(out, "sipxdp_calls_completed_total", peers_name(in->peers, id));
		fprintf(out, "} %llu\n", call_tracker_peer(t, id)->completed);
	}
	family(out, "sipxdp_calls_ended_unseen_total", "counter",
	       "Answered calls ended without their BYE and its 2xx seen, by peer and reason "
	       "(events_lost: ring-buffer records were lost while active; max_duration: "
	       "active for --max-call-duration; no_media: its RTP stopped both ways for "
	       "--media-timeout).");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int r = 0; r < CALL_UNSEEN_REASONS; r++) {
			open_labels(out, "sipxdp_calls_ended_unseen_total",
				    peers_name(in->peers, id));
			fprintf(out, ",reason=\"%s\"} %llu\n", call_unseen_reason_name(r),
				call_tracker_peer(t, id)->ended_unseen[r]);
		}
	family(out, "sipxdp_calls_ended_by_total", "counter",
	       "BYEs that ended an answered call, by peer and who sent them (caller: the "
	       "address that sent the INVITE on that hop; callee: the other).");
	for (unsigned int id = 0; id < peer_count(in); id++)
		for (int side = 0; side < CALL_SIDES; side++) {
			open_labels(out, "sipxdp_calls_ended_by_total", peers_name(in->peers, id));
			fprintf(out, ",side=\"%s\"} %llu\n", call_side_name(side),
				call_tracker_peer(t, id)->ended_by[side]);
		}
	write_call_causes(out, in);
	write_call_identity(out, in);
	family(out, "sipxdp_calls_active", "gauge",
	       "Answered calls not yet completed by a BYE and its 2xx nor ended unseen, by peer.");
	for (unsigned int id = 0; id < peer_count(in); id++) {
		open_labels(out, "sipxdp_calls_active", peers_name(in->peers, id));
		fprintf(out, "} %llu\n", call_tracker_peer(t, id)->active);
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

static void write_call_histograms(FILE *out, const struct metrics_input *in)
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

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family(out, fams[f].name, "histogram", fams[f].help);
		for (unsigned int id = 0; id < peer_count(in); id++)
			write_call_histogram(out, fams[f].name, peers_name(in->peers, id), NULL,
					     fams[f].bounds,
					     hist_of(call_tracker_peer(in->calls, id), fams[f].kind));
	}
}

/* sipxdp_options_* or sipxdp_register_*: outcomes, then the delay. */
static void write_requests(FILE *out, const struct metrics_input *in, bool options)
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

	family(out, total, "counter", options ?
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
			open_labels(out, total, peers_name(in->peers, id));
			fprintf(out, ",outcome=\"%s\"} %llu\n", outcomes[o].name,
				*(const __u64 *)((const char *)r + outcomes[o].field));
		}
	}
	family(out, delay, "histogram", options ?
	       "OPTIONS to its first final response, by peer." :
	       "REGISTER to its first final response, by peer.");
	for (unsigned int id = 0; id < peer_count(in); id++)
		write_call_histogram(out, delay, peers_name(in->peers, id), NULL,
				     &call_request_delay_bounds,
				     hist_of(call_tracker_peer(in->calls, id),
					     options ? HIST_OPTIONS : HIST_REGISTER));
}

static void write_calls(FILE *out, const struct metrics_input *in)
{
	write_call_counters(out, in);
	write_call_histograms(out, in);
	write_requests(out, in, true);
	write_requests(out, in, false);
}

/* A counter of struct media_peer_stats, a __u64 per direction at offset,
 * per peer and direction. */
static void write_media_counter(FILE *out, const struct metrics_input *in, const char *name,
				const char *help, size_t offset)
{
	family(out, name, "counter", help);
	for (unsigned int id = 0; id < media_tracker_peer_count(in->media); id++)
		for (int d = 0; d < MEDIA_DIRECTIONS; d++) {
			const char *p = (const char *)media_tracker_peer(in->media, id) + offset;

			open_labels(out, name, peers_name(in->peers, id));
			fprintf(out, ",direction=\"%s\"} %llu\n", media_direction_name(d),
				((const __u64 *)p)[d]);
		}
}

/* The same for a histogram, a struct call_histogram per direction. */
static void write_media_histogram(FILE *out, const struct metrics_input *in, const char *name,
				  const char *help, const struct call_hist_bounds *b,
				  size_t offset)
{
	char dir[48];

	family(out, name, "histogram", help);
	for (unsigned int id = 0; id < media_tracker_peer_count(in->media); id++)
		for (int d = 0; d < MEDIA_DIRECTIONS; d++) {
			const char *p = (const char *)media_tracker_peer(in->media, id) + offset;

			snprintf(dir, sizeof(dir), "direction=\"%s\"", media_direction_name(d));
			write_call_histogram(out, name, peers_name(in->peers, id), dir, b,
					     &((const struct call_histogram *)p)[d]);
		}
}

/* The media families, per peer and direction (media.h). */
static void write_media(FILE *out, const struct metrics_input *in)
{
	const struct media_tracker *t = in->media;
	unsigned int n = media_tracker_peer_count(t);

	family(out, "sipxdp_calls_media_total", "counter",
	       "Answered calls at their end by the RTP their learned streams had: two_way, "
	       "one_way (one way only for --one-way-after), none. Calls with no stream "
	       "learned, or never expecting audio both ways, are not counted.");
	for (unsigned int id = 0; id < n; id++)
		for (int v = 0; v < MEDIA_VERDICTS; v++) {
			open_labels(out, "sipxdp_calls_media_total", peers_name(in->peers, id));
			fprintf(out, ",media=\"%s\"} %llu\n", media_verdict_name(v),
				media_tracker_peer(t, id)->calls[v]);
		}
	family(out, "sipxdp_media_streams_total", "counter",
	       "Audio streams learned from SDP, counted when they end, by peer, direction "
	       "seen from the peer, and the codec the answer chose.");
	for (unsigned int id = 0; id < n; id++)
		for (int d = 0; d < MEDIA_DIRECTIONS; d++)
			for (int c = 0; c < MEDIA_CODECS; c++) {
				/* never a stream's voice (sdp_voice): no series */
				if (c == SDP_CODEC_TELEPHONE_EVENT || c == SDP_CODEC_CN)
					continue;
				open_labels(out, "sipxdp_media_streams_total",
					    peers_name(in->peers, id));
				fprintf(out, ",direction=\"%s\",codec=\"%s\"} %llu\n",
					media_direction_name(d), sdp_codec_name(c),
					media_tracker_peer(t, id)->streams[d][c]);
			}
	write_media_counter(out, in, "sipxdp_media_packets_total",
			    "Packets to the learned streams' addresses and ports, by peer and "
			    "direction.", offsetof(struct media_peer_stats, packets));
	write_media_counter(out, in, "sipxdp_media_packets_lost_total",
			    "RTP packets of the learned streams lost (RFC 3550: expected less "
			    "received), by peer and direction.",
			    offsetof(struct media_peer_stats, lost));
	write_media_histogram(out, in, "sipxdp_media_jitter_seconds",
			      "The mean interarrival jitter (RFC 3550 A.8) of each ended stream "
			      "with RTP, by peer and direction.", &media_jitter_bounds,
			      offsetof(struct media_peer_stats, jitter));
	write_media_histogram(out, in, "sipxdp_media_mos",
			      "The MOS the ITU-T G.107 E-model estimates from its loss and "
			      "jitter, of each ended stream with RTP, by peer and direction.",
			      &media_mos_bounds, offsetof(struct media_peer_stats, mos));
}

static void write_redirects(FILE *out, const struct snapshot *snap,
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
	family(out, "sipxdp_redirects_total", "counter", "SIP 3xx responses by code.");
	for (int c = 0; c < REDIRECT_CODES; c++)
		if (seen[c])
			fprintf(out, "sipxdp_redirects_total{code=\"%d\"} %llu\n", 300 + c,
				by_code[c]);

	family(out, "sipxdp_redirect_target_responses_total", "counter",
	       "Contact URIs of 3xx responses by code and target (escaped, cut).");
	for (size_t i = 0; i < tt->n; i++)
		fprintf(out, "sipxdp_redirect_target_responses_total{code=\"%u\",target=\"%s\"} "
			"%llu\n", tt->v[i].code, tt->v[i].label, tt->v[i].count);

	single(out, "sipxdp_redirect_targets_overflow_total", "counter",
	       "3xx Contact URIs not kept because the target table was full.",
	       redirect_table_overflow(table));
	single(out, "sipxdp_redirect_targets_expired_total", "counter",
	       "3xx targets dropped because they were not seen for --redirect-max-age.",
	       redirect_table_expired(table));
}

static void write_registrations(FILE *out, const struct registration_table *t,
				const struct peer_map *peers)
{
	family(out, "sipxdp_registrations_active", "gauge",
	       "Bindings (AoR, Contact) a registrar granted that have not expired nor been "
	       "removed, by peer.");
	for (unsigned int id = 0; id < registration_table_peer_count(t); id++) {
		open_labels(out, "sipxdp_registrations_active", peers_name(peers, id));
		fprintf(out, "} %llu\n", registration_table_active(t, id));
	}
}

static void write_suspects(FILE *out, const struct suspect_stats *s)
{
	single(out, "sipxdp_suspect_sources", "gauge",
	       "Sources flagged as suspect now (sipxdp suspects lists them).", s->flagged);
	family(out, "sipxdp_suspect_events_total", "counter",
	       "Evidence against a source, by reason: requests with a scanner's User-Agent, "
	       "authentication failures (a 403, or a 401/407 to a request with credentials), "
	       "users not found (a 404, 484 or 604, or no answer), and requests counted in "
	       "the kernel while a source's rate was over the flood threshold.");
	for (int r = 0; r < SUSPECT_REASONS; r++)
		fprintf(out, "sipxdp_suspect_events_total{reason=\"%s\"} %llu\n",
			suspect_reason_name(r), s->events[r]);
}

static void write_agent(FILE *out, const struct metrics_input *in)
{
	const struct suspect_stats *sus = in->suspects;
	const struct registration_stats *reg = in->registration_stats;
	const struct snapshot *snap = in->snap;
	size_t n_targets = 0;
	const char *version = in->version ? in->version : "unknown";

	if (in->redirects)
		redirect_table_entries(in->redirects, &n_targets);

	single(out, "sipxdp_events_lost_total", "counter",
	       "Events dropped because the ring buffer was full.",
	       snap->counters[SIPXDP_CNT_EVENTS_LOST]);
	single(out, "sipxdp_events_cut_total", "counter",
	       "Events carrying fewer bytes than their message.",
	       snap->counters[SIPXDP_CNT_EVENTS_CUT]);
	family(out, "sipxdp_map_update_failures_total", "counter",
	       "Responses the kernel could not count per source or per code: the map refused.");
	fprintf(out, "sipxdp_map_update_failures_total{map=\"sources\"} %llu\n",
		snap->counters[SIPXDP_CNT_SOURCE_UPDATE_FAILED]);
	fprintf(out, "sipxdp_map_update_failures_total{map=\"responses\"} %llu\n",
		snap->counters[SIPXDP_CNT_RESPONSE_UPDATE_FAILED]);

	family(out, "sipxdp_map_evictions_total", "counter",
	       "Entries a full table dropped to make room: per-source rows the kernel's LRU "
	       "evicted, ACK transactions, calls and OPTIONS/REGISTER transactions the agent "
	       "lost track of, audio streams SDP negotiated, idle 3xx targets, registrations, "
	       "REGISTERs awaiting their answer, suspect sources and the requests the suspect "
	       "table awaited an answer to.");
	fprintf(out, "sipxdp_map_evictions_total{map=\"sources\"} %llu\n", in->source_evictions);
	if (in->acks)
		fprintf(out, "sipxdp_map_evictions_total{map=\"ack_table\"} %llu\n",
			in->acks->evicted);
	if (in->call_stats)
		fprintf(out, "sipxdp_map_evictions_total{map=\"calls\"} %llu\n"
			"sipxdp_map_evictions_total{map=\"requests\"} %llu\n",
			in->call_stats->calls_evicted, in->call_stats->requests_evicted);
	if (in->media_stats)
		fprintf(out, "sipxdp_map_evictions_total{map=\"media_streams\"} %llu\n",
			in->media_stats->streams_evicted);
	if (in->redirects)
		fprintf(out, "sipxdp_map_evictions_total{map=\"redirect_targets\"} %llu\n",
			redirect_table_evictions(in->redirects));
	if (reg)
		fprintf(out, "sipxdp_map_evictions_total{map=\"registrations\"} %llu\n"
			"sipxdp_map_evictions_total{map=\"registers_pending\"} %llu\n",
			reg->evicted, reg->pending_evicted);
	if (sus)
		fprintf(out, "sipxdp_map_evictions_total{map=\"suspects\"} %llu\n"
			"sipxdp_map_evictions_total{map=\"suspect_requests\"} %llu\n",
			sus->evicted, sus->pending_evicted);

	family(out, "sipxdp_map_entries", "gauge", "Entries in use in each table.");
	fprintf(out, "sipxdp_map_entries{map=\"sources\"} %zu\n", snapshot_source_entries(snap));
	fprintf(out, "sipxdp_map_entries{map=\"responses\"} %zu\n", snap->n_responses);
	if (in->acks)
		fprintf(out, "sipxdp_map_entries{map=\"ack_table\"} %llu\n",
			in->acks->table_entries);
	if (in->call_stats)
		fprintf(out, "sipxdp_map_entries{map=\"calls\"} %llu\n"
			"sipxdp_map_entries{map=\"requests\"} %llu\n",
			in->call_stats->calls_entries, in->call_stats->requests_entries);
	if (in->media_stats)
		fprintf(out, "sipxdp_map_entries{map=\"media_streams\"} %llu\n",
			in->media_stats->streams);
	if (in->redirects)
		fprintf(out, "sipxdp_map_entries{map=\"redirect_targets\"} %zu\n", n_targets);
	if (reg)
		fprintf(out, "sipxdp_map_entries{map=\"registrations\"} %llu\n"
			"sipxdp_map_entries{map=\"registers_pending\"} %llu\n",
			reg->entries, reg->pending_entries);
	if (sus)
		fprintf(out, "sipxdp_map_entries{map=\"suspects\"} %llu\n"
			"sipxdp_map_entries{map=\"suspect_requests\"} %llu\n",
			sus->entries, sus->pending_entries);

	family(out, "sipxdp_map_capacity", "gauge", "Entries each table can hold.");
	fprintf(out, "sipxdp_map_capacity{map=\"sources\"} %u\n", snap->sources_capacity);
	fprintf(out, "sipxdp_map_capacity{map=\"responses\"} %u\n", snap->responses_capacity);
	if (in->acks)
		fprintf(out, "sipxdp_map_capacity{map=\"ack_table\"} %llu\n",
			in->acks->table_capacity);
	if (in->call_stats)
		fprintf(out, "sipxdp_map_capacity{map=\"calls\"} %llu\n"
			"sipxdp_map_capacity{map=\"requests\"} %llu\n",
			in->call_stats->calls_capacity, in->call_stats->requests_capacity);
	if (in->media_stats)
		fprintf(out, "sipxdp_map_capacity{map=\"media_streams\"} %llu\n",
			in->media_stats->max_streams);
	if (in->redirects)
		fprintf(out, "sipxdp_map_capacity{map=\"redirect_targets\"} %zu\n",
			redirect_table_capacity(in->redirects));
	if (reg)
		fprintf(out, "sipxdp_map_capacity{map=\"registrations\"} %llu\n"
			"sipxdp_map_capacity{map=\"registers_pending\"} %llu\n",
			reg->capacity, reg->pending_capacity);
	if (sus)
		fprintf(out, "sipxdp_map_capacity{map=\"suspects\"} %llu\n"
			"sipxdp_map_capacity{map=\"suspect_requests\"} %llu\n",
			sus->capacity, sus->pending_capacity);

	single(out, "sipxdp_http_refused_total", "counter",
	       "HTTP connections closed at once because the agent's connection limit was reached.",
	       in->http_refused);

	family(out, "sipxdp_build_info", "gauge", "Always 1; the version is in the label.");
	fputs("sipxdp_build_info{version=\"", out);
	escape_label_value(out, version, strlen(version), LABEL_VALUE_MAX);
	fputs("\"} 1\n", out);
}

int metrics_write(FILE *out, const struct metrics_input *in)
{
	struct source_totals sources = { 0 };
	struct target_totals targets = { 0 };
	int err = -1;

	/* Everything that allocates first: on failure nothing is written. */
	if (top_sources(&sources, in->snap, in->per_source_top_n))
		goto cleanup;
	if (in->redirects && group_targets(&targets, in->redirects))
		goto cleanup;

	write_traffic(out, in->snap);
	write_peers(out, in->snap, in->peers);
	write_peer_limits(out, in->peers);
	if (in->per_source_top_n)
		write_top_sources(out, &sources);
	if (in->acks)
		write_acks(out, in);
	if (in->calls)
		write_calls(out, in);
	if (in->media)
		write_media(out, in);
	if (in->redirects)
		write_redirects(out, in->snap, in->redirects, &targets);
	if (in->registrations)
		write_registrations(out, in->registrations, in->peers);
	if (in->suspects)
		write_suspects(out, in->suspects);
	write_agent(out, in);
	err = fflush(out) || ferror(out) ? -1 : 0;
cleanup:
	free(sources.top);
	free(targets.v);
	free(targets.labels);
	return err;
}
