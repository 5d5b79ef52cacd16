// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "escape.h"
#include "report.h"
#include "sip_names.h"

#define NCLASSES	SNAPSHOT_CLASSES
#define MAX_CODE	699
#define TEXT_MISSED_MAX	10	/* missed calls a screen shows; JSON has all */

static void json_classes(FILE *out, const __u64 classes[NCLASSES])
{
	fputc('{', out);
	for (int c = 0; c < NCLASSES; c++)
		fprintf(out, "%s\"%dxx\": %" PRIu64, c ? ", " : "", c + 1, (uint64_t)classes[c]);
	fputc('}', out);
}

static void format_time(FILE *out, __u64 ns, __s64 to_wall, bool json)
{
	time_t secs = (time_t)(((__s64)ns + to_wall) / 1000000000);
	struct tm tm;
	char buf[32];

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out, json ? "\"%s\"" : "%s", buf);
}

/*
 * Calls show() for each source the report lists: the sources_listed
 * busiest, or with 0 every one as the snapshot is walked. Returns the
 * number of source addresses in all, or -1 when out of memory.
 */
static long for_listed_sources(const struct snapshot *snap, unsigned int listed,
			       void (*show)(FILE *, const struct source_total *, size_t),
			       FILE *out)
{
	struct source_cursor cur = { 0 };
	struct source_total *top, t;
	size_t n_all = 0, n;

	if (!listed) {
		while (snapshot_next_source(snap, &cur, &t))
			show(out, &t, n_all++);
		return (long)n_all;
	}
	top = calloc(listed, sizeof(*top));
	if (!top)
		return -1;
	n = snapshot_top_sources(snap, -1, top, listed, &n_all);
	for (size_t i = 0; i < n; i++)
		show(out, &top[i], i);
	free(top);
	return (long)n_all;
}

static void json_source(FILE *out, const struct source_total *t, size_t i)
{
	char addr[ADDR_STR_LEN];

	fprintf(out, "%s\n  {\"addr\": \"%s\", \"responses\": ", i ? "," : "",
		format_addr(&t->addr, addr));
	json_classes(out, t->by_class);
	fputs(", \"codes\": {", out);
	for (size_t j = 0; j < t->n_rows; j++)
		fprintf(out, "%s\"%u\": %" PRIu64, j ? ", " : "", t->rows[j].code,
			(uint64_t)t->rows[j].count);
	fputs("}, \"requests\": {", out);
	for (size_t j = 0; j < t->n_requests; j++)
		fprintf(out, "%s\"%s\": %" PRIu64, j ? ", " : "", method_name(t->requests[j].code),
			(uint64_t)t->requests[j].count);
	fputs("}}", out);
}

static void json_counters(FILE *out, const struct snapshot *snap, unsigned int listed)
{
	__u64 classes[NCLASSES] = { 0 }, *codes;
	long n_sources;
	bool first;

	fprintf(out, "\"packets\": {\"seen\": %" PRIu64, (uint64_t)snapshot_packets_seen(snap));
	for (int r = 0; r < SIPXDP_RESULT_MAX; r++)
		fprintf(out, ", \"%s\": %" PRIu64,
			r == SIPXDP_RES_FRAGMENT ? "fragments" : result_name(r),
			(uint64_t)snap->counters[r]);
	fprintf(out, ", \"messages\": %" PRIu64 ", \"events\": %" PRIu64
		", \"events_lost\": %" PRIu64 ", \"events_cut\": %" PRIu64 "},\n",
		(uint64_t)snap->counters[SIPXDP_CNT_MESSAGES],
		(uint64_t)snap->counters[SIPXDP_CNT_EVENTS],
		(uint64_t)snap->counters[SIPXDP_CNT_EVENTS_LOST],
		(uint64_t)snap->counters[SIPXDP_CNT_EVENTS_CUT]);

	codes = calloc(MAX_CODE + 1, sizeof(*codes));
	if (codes)
		for (size_t i = 0; i < snap->n_responses; i++) {
			const struct response_row *row = &snap->responses[i];
			int c = class_index(row->code);

			if (c < 0)
				continue;
			classes[c] += row->count;
			codes[row->code] += row->count;
		}
	fputs("\"responses\": ", out);
	json_classes(out, classes);
	fputs(",\n\"codes\": {", out);
	first = true;
	for (int code = 100; codes && code <= MAX_CODE; code++) {
		if (!codes[code])
			continue;
		fprintf(out, "%s\"%d\": %" PRIu64, first ? "" : ", ", code, (uint64_t)codes[code]);
		first = false;
	}
	free(codes);
	fputs("},\n\"requests\": {", out);
	first = true;
	for (int m = 0; m < SIPXDP_METHOD_MAX; m++) {
		__u64 n = 0;

		for (int dir = 0; dir < SIPXDP_DIR_MAX; dir++)
			n += snap->requests[dir][m];
		if (!n)
			continue;
		fprintf(out, "%s\"%s\": %" PRIu64, first ? "" : ", ", method_name(m), (uint64_t)n);
		first = false;
	}
	fputs("},\n\"sources\": [", out);
	n_sources = for_listed_sources(snap, listed, json_source, out);
	/* sources_total: the addresses in all, of which "sources" lists the busiest */
	fprintf(out, "%s],\n\"sources_total\": %ld,\n\"maps\": {\"sources\": {\"entries\": %zu, "
		"\"capacity\": %u, \"update_failures\": %" PRIu64 "}, \"responses\": "
		"{\"entries\": %zu, \"capacity\": %u, \"update_failures\": %" PRIu64 "}}",
		n_sources > 0 ? "\n" : "", n_sources < 0 ? 0 : n_sources,
		snapshot_source_entries(snap),
		snap->sources_capacity,
		(uint64_t)snap->counters[SIPXDP_CNT_SOURCE_UPDATE_FAILED],
		snap->n_responses, snap->responses_capacity,
		(uint64_t)snap->counters[SIPXDP_CNT_RESPONSE_UPDATE_FAILED]);
}

static void json_peer_name(FILE *out, const struct report *r, unsigned int id)
{
	const char *name = peers_name(r->peers, id);

	escape_json_string(out, name, strlen(name), PEER_NAME_MAX);
}

/* Per peer: the 2xx transactions of the peers that sent or got one. */
static void json_ack_peers(FILE *out, const struct report *r)
{
	const struct ack_matcher *m = r->ack_matcher;
	bool first = true;

	fputs(", \"peers\": [", out);
	for (unsigned int id = 0; m && id < ack_matcher_peer_count(m); id++) {
		const struct ack_peer_stats *p = ack_matcher_peer_stats(m, id);

		if (!p->invite_2xx)
			continue;
		fprintf(out, "%s\n  {\"peer\": ", first ? "" : ",");
		json_peer_name(out, r, id);
		fprintf(out, ", \"invite_2xx\": %" PRIu64 ", \"retransmissions\": %" PRIu64
			", \"matched\": %" PRIu64 ", \"missing\": %" PRIu64 ", \"late\": %" PRIu64
			", \"unverified\": %" PRIu64 "}", (uint64_t)p->invite_2xx,
			(uint64_t)p->retransmissions, (uint64_t)p->matched, (uint64_t)p->missing,
			(uint64_t)p->late, (uint64_t)p->unverified);
		first = false;
	}
	fprintf(out, "%s]", first ? "" : "\n");
}

static __u64 call_attempts(const struct call_peer_stats *p)
{
	return p->attempts[CALL_INBOUND] + p->attempts[CALL_OUTBOUND];
}

static __u64 call_outcome(const struct call_peer_stats *p, enum call_outcome o)
{
	return p->outcomes[CALL_INBOUND][o] + p->outcomes[CALL_OUTBOUND][o];
}

/* RFC 6076 ratios (0 when the denominator is). */
struct call_ratios {
	double ser, seer, isa, scr;
};

/*
 * Calls whose outcome was not seen (unverified) are left out of every
 * ratio, numerator and denominator alike, as rules/sipxdp.rules.yml does;
 * SCR also leaves out answered calls whose end was lost with records.
 */
static struct call_ratios ratios_of(const struct call_peer_stats *p)
{
	double attempts = (double)call_attempts(p) - (double)call_outcome(p, CALL_UNVERIFIED);
	double unredirected = attempts - (double)call_outcome(p, CALL_REDIRECTED);
	double scr_attempts = attempts - (double)p->ended_unseen[CALL_UNSEEN_EVENTS_LOST];
	double answered = (double)call_outcome(p, CALL_ANSWERED);
	struct call_ratios q = { 0 };

	if (unredirected > 0) {
		q.ser = answered / unredirected;
		q.seer = (answered + (double)call_outcome(p, CALL_REJECTED)) / unredirected;
	}
	if (attempts > 0) {
		q.isa = (double)call_outcome(p, CALL_INEFFECTIVE) / attempts;
	}
	if (scr_attempts > 0)
		q.scr = (double)p->completed / scr_attempts;
	return q;
}

/* The causes seen, by protocol then cause. */
static void json_call_causes(FILE *out, const struct call_peer_stats *p)
{
	const char *sep = "";

	fputs(", \"causes\": [", out);
	for (int proto = 0; proto < SIP_REASON_PROTOCOLS; proto++) {
		for (unsigned int cause = sip_reason_cause_min(proto);
		     cause <= sip_reason_cause_max(proto); cause++) {
			__u64 n = call_cause_count(p, proto, cause);

			if (!n)
				continue;
			fprintf(out, "%s{\"protocol\": \"%s\", \"cause\": %u, \"count\": %" PRIu64 "}",
				sep, sip_reason_protocol_name(proto), cause, (uint64_t)n);
			sep = ", ";
		}
	}
	fputc(']', out);
}

/* The attest and verstat of calls, both directions summed. */
static void json_call_identity(FILE *out, const struct call_peer_stats *p)
{
	fputs(", \"identity\": {", out);
	for (int a = 0; a < SIP_ATTESTS; a++)
		fprintf(out, "%s\"%s\": %" PRIu64, a ? ", " : "", sip_attest_name(a),
			(uint64_t)(p->attest[CALL_INBOUND][a] + p->attest[CALL_OUTBOUND][a]));
	fputs("}, \"verstat\": {", out);
	for (int v = 0; v < SIP_VERSTATS; v++)
		fprintf(out, "%s\"%s\": %" PRIu64, v ? ", " : "", sip_verstat_name(v),
			(uint64_t)(p->verstat[CALL_INBOUND][v] + p->verstat[CALL_OUTBOUND][v]));
	fputc('}', out);
}

/* Answered calls by what media they had, at their end. */
static void json_call_media(FILE *out, const struct media_peer_stats *m)
{
	fputs(", \"media\": {", out);
	for (int v = 0; v < MEDIA_VERDICTS; v++)
		fprintf(out, "%s\"%s\": %" PRIu64, v ? ", " : "", media_verdict_name(v),
			(uint64_t)(m ? m->calls[v] : 0));
	fputc('}', out);
}

static void json_call_list(FILE *out, const struct report *r)
{
	bool first = true;

	fputc('[', out);
	for (unsigned int id = 0; id < call_tracker_peer_count(r->calls); id++) {
		const struct call_peer_stats *p = call_tracker_peer(r->calls, id);
		struct call_ratios q = ratios_of(p);

		if (!call_attempts(p))
			continue;
		fprintf(out, "%s\n  {\"peer\": ", first ? "" : ",");
		json_peer_name(out, r, id);
		fprintf(out, ", \"attempts\": %" PRIu64, (uint64_t)call_attempts(p));
		for (int o = 0; o < CALL_OUTCOMES; o++)
			fprintf(out, ", \"%s\": %" PRIu64, call_outcome_name(o),
				(uint64_t)call_outcome(p, o));
		fputs(", \"ended_unseen\": {", out);
		for (int u = 0; u < CALL_UNSEEN_REASONS; u++)
			fprintf(out, "%s\"%s\": %" PRIu64, u ? ", " : "", call_unseen_reason_name(u),
				(uint64_t)p->ended_unseen[u]);
		fputc('}', out);
		fprintf(out, ", \"completed\": %" PRIu64 ", \"active\": %" PRIu64
			", \"inbound\": %" PRIu64 ", \"outbound\": %" PRIu64
			", \"cancels\": %" PRIu64 ", \"cancels_answered\": %" PRIu64
			", \"ser\": %.4f, \"seer\": %.4f, \"isa\": %.4f, \"scr\": %.4f"
			", \"setup_delay_seconds\": {\"p50\": %.6f, \"p90\": %.6f}"
			", \"answer_delay_seconds\": {\"p50\": %.6f, \"p90\": %.6f}"
			", \"duration_seconds\": {\"p50\": %.3f, \"p90\": %.3f}",
			(uint64_t)p->completed, (uint64_t)p->active,
			(uint64_t)p->attempts[CALL_INBOUND], (uint64_t)p->attempts[CALL_OUTBOUND],
			(uint64_t)p->cancels, (uint64_t)p->cancels_answered,
			q.ser, q.seer, q.isa, q.scr,
			call_histogram_quantile(&p->setup, &call_setup_bounds, 0.5),
			call_histogram_quantile(&p->setup, &call_setup_bounds, 0.9),
			call_histogram_quantile(&p->answer, &call_answer_bounds, 0.5),
			call_histogram_quantile(&p->answer, &call_answer_bounds, 0.9),
			call_histogram_quantile(&p->duration, &call_duration_bounds, 0.5),
			call_histogram_quantile(&p->duration, &call_duration_bounds, 0.9));
		fprintf(out, ", \"ended_by\": {\"%s\": %" PRIu64 ", \"%s\": %" PRIu64 "}",
			call_side_name(CALL_CALLER), (uint64_t)p->ended_by[CALL_CALLER],
			call_side_name(CALL_CALLEE), (uint64_t)p->ended_by[CALL_CALLEE]);
		json_call_causes(out, p);
		json_call_identity(out, p);
		if (r->media)
			json_call_media(out, media_tracker_peer(r->media, id));
		fputc('}', out);
		first = false;
	}
	fprintf(out, "%s]", first ? "" : "\n");
}

/* OPTIONS (options) or REGISTER (registers) per peer. */
static void json_request_list(FILE *out, const struct report *r, bool options)
{
	bool first = true;

	fputc('[', out);
	for (unsigned int id = 0; id < call_tracker_peer_count(r->calls); id++) {
		const struct call_peer_stats *p = call_tracker_peer(r->calls, id);
		const struct request_peer_stats *q = options ? &p->options : &p->registers;

		if (!q->sent)
			continue;
		fprintf(out, "%s\n  {\"peer\": ", first ? "" : ",");
		json_peer_name(out, r, id);
		fprintf(out, ", \"sent\": %" PRIu64 ", \"answered\": %" PRIu64
			", \"unanswered\": %" PRIu64 ", \"unverified\": %" PRIu64
			", \"delay_seconds\": {\"p50\": %.6f, \"p90\": %.6f}}", (uint64_t)q->sent,
			(uint64_t)q->answered, (uint64_t)q->unanswered, (uint64_t)q->unverified,
			call_histogram_quantile(&q->delay, &call_request_delay_bounds, 0.5),
			call_histogram_quantile(&q->delay, &call_request_delay_bounds, 0.9));
		first = false;
	}
	fprintf(out, "%s]", first ? "" : "\n");
}

/* "calls", "options" and "registers" keys, with sep before the first. */
/* Every peer, as the metric: a peer's registrations all expiring shows as 0. */
static void json_registrations(FILE *out, const struct report *r)
{
	const struct registration_table *t = r->registrations;

	fputs(",\n\"registrations\": [", out);
	for (unsigned int id = 0; id < registration_table_peer_count(t); id++) {
		fprintf(out, "%s\n  {\"peer\": ", id ? "," : "");
		json_peer_name(out, r, id);
		fprintf(out, ", \"active\": %" PRIu64 "}", (uint64_t)registration_table_active(t, id));
	}
	fputs("\n]", out);
}

static void json_calls_keys(FILE *out, const struct report *r, const char *sep)
{
	struct call_stats st;

	call_tracker_stats(r->calls, &st);
	fprintf(out, "%s\"calls\": ", sep);
	json_call_list(out, r);
	fputs(",\n\"options\": ", out);
	json_request_list(out, r, true);
	fputs(",\n\"registers\": ", out);
	json_request_list(out, r, false);
	fprintf(out, ",\n\"call_table\": {\"calls\": %" PRIu64 ", \"capacity\": %" PRIu64
		", \"evicted\": %" PRIu64 ", \"requests\": %" PRIu64
		", \"requests_evicted\": %" PRIu64 ", \"reinvites\": %" PRIu64 "}",
		(uint64_t)st.calls_entries, (uint64_t)st.calls_capacity,
		(uint64_t)st.calls_evicted, (uint64_t)st.requests_entries,
		(uint64_t)st.requests_evicted, (uint64_t)st.reinvites);
	if (r->registrations)
		json_registrations(out, r);
}

static void json_acks(FILE *out, const struct report *r)
{
	const struct ack_stats *a = r->acks;

	fprintf(out, "{\"invite_2xx\": %" PRIu64 ", \"retransmissions\": %" PRIu64
		", \"matched\": %" PRIu64 ", \"missing\": %" PRIu64 ", \"late\": %" PRIu64
		", \"unverified\": %" PRIu64 ", \"pending\": %" PRIu64 ", \"evicted\": %" PRIu64
		", \"acks_unmatched\": %" PRIu64,
		(uint64_t)a->invite_2xx, (uint64_t)a->retransmissions, (uint64_t)a->matched,
		(uint64_t)a->missing, (uint64_t)a->late, (uint64_t)a->unverified,
		(uint64_t)a->pending,
		(uint64_t)a->evicted, (uint64_t)a->acks_unmatched);
	fprintf(out, ", \"delay_seconds\": {\"p50\": %.6f, \"p90\": %.6f, \"p99\": %.6f}",
		ack_stats_delay_quantile(a, 0.5), ack_stats_delay_quantile(a, 0.9),
		ack_stats_delay_quantile(a, 0.99));
	json_ack_peers(out, r);
	fputs(", \"missed\": [", out);
	for (size_t i = 0; i < r->n_missed; i++) {
		const struct ack_missed *m = r->missed[i];
		char uas[ADDR_STR_LEN], uac[ADDR_STR_LEN];

		fprintf(out, "%s\n  {\"call_id\": ", i ? "," : "");
		escape_json_string(out, m->call_id, strlen(m->call_id), ACK_CALL_ID_MAX);
		fprintf(out, ", \"cseq\": %u, \"uas\": \"%s\", \"uas_port\": %u, "
			"\"uac\": \"%s\", \"uac_port\": %u, \"hop\": [\"%s\", \"%s\"], "
			"\"direction\": \"%s\", \"peer\": ", m->cseq,
			format_addr(&m->uas_addr, uas), m->uas_port,
			format_addr(&m->uac_addr, uac), m->uac_port, uas, uac,
			direction_name(m->direction));
		json_peer_name(out, r, m->peer);
		fputs(", \"time\": ", out);
		format_time(out, m->first_2xx_ns, r->clock_to_wall_ns, true);
		fputc('}', out);
	}
	fprintf(out, "%s]}", r->n_missed ? "\n" : "");
}

static void json_redirect_list(FILE *out, const struct report *r)
{
	size_t n;
	const struct redirect_entry *entries = redirect_table_entries(r->redirects, &n);

	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		const struct redirect_entry *e = &entries[i];
		char src[ADDR_STR_LEN];

		fprintf(out, "%s\n  {\"code\": %u, \"target\": ", i ? "," : "", e->code);
		escape_json_string(out, e->target, e->target_len, REDIRECT_TARGET_MAX);
		fprintf(out, ", \"target_cut\": %s, \"source\": \"%s\", \"count\": %" PRIu64
			", \"last_seen\": ", e->target_cut ? "true" : "false",
			format_addr(&e->source, src), (uint64_t)e->count);
		format_time(out, e->last_seen_ns, r->clock_to_wall_ns, true);
		fputc('}', out);
	}
	fprintf(out, "%s]", n ? "\n" : "");
}

/* The streams `media` shows into *list (free it); how many; *live how
 * many are live in all (more than shown past REPORT_MEDIA_LIVE). */
static size_t media_streams_shown(const struct report *r, struct media_stream_view **list,
				  size_t *live)
{
	size_t max = REPORT_MEDIA_LIVE + MEDIA_ENDED_KEEP;

	*list = calloc(max, sizeof(**list));
	*live = 0;
	if (!*list)
		return 0;
	return media_tracker_view(r->media, r->now_ns, *list, max, live);
}

static const char *format_sdp_addr(const struct sdp_addr *a, char buf[ADDR_STR_LEN])
{
	struct sipxdp_addr x = { .family = a->family };

	memcpy(x.bytes, a->addr, sizeof(x.bytes));
	return format_addr(&x, buf);
}

/* The media list and its table's figures: keys of the document they are in. */
static void json_media_keys(FILE *out, const struct report *r)
{
	struct media_stream_view *v;
	struct media_stats st;
	size_t live, n = media_streams_shown(r, &v, &live);

	media_tracker_stats(r->media, &st);
	fputs("\"media\": [", out);
	for (size_t i = 0; i < n; i++) {
		char src[ADDR_STR_LEN], dst[ADDR_STR_LEN];

		fprintf(out, "%s\n  {\"call_id\": ", i ? "," : "");
		escape_json_string(out, v[i].call_id, v[i].call_id_len, CALL_CALL_ID_MAX);
		fputs(", \"peer\": ", out);
		json_peer_name(out, r, v[i].peer);
		fprintf(out, ", \"direction\": \"%s\", \"src\": \"%s\", \"src_port\": %u"
			", \"dst\": \"%s\", \"dst_port\": %u, \"codec\": \"%s\", \"clock\": %u"
			", \"expected\": %s, \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
			", \"rtp_expected\": %" PRIu64 ", \"lost\": %" PRIu64
			", \"jitter_ms\": %.3f, \"mos\": ",
			media_direction_name(v[i].direction), format_sdp_addr(&v[i].st.src, src),
			v[i].st.src_port, format_sdp_addr(&v[i].st.dst, dst), v[i].st.dst_port,
			sdp_codec_name(v[i].st.codec), v[i].st.clock,
			v[i].st.expected ? "true" : "false", (uint64_t)v[i].fig.packets,
			(uint64_t)v[i].fig.bytes, (uint64_t)v[i].fig.expected,
			(uint64_t)v[i].fig.lost, v[i].fig.jitter_ms);
		if (v[i].fig.expected)
			fprintf(out, "%.2f", v[i].mos);
		else
			fputs("null", out);
		fprintf(out, ", \"state\": \"%s\", \"call_media\": \"%s\"}",
			v[i].live ? "live" : "ended", media_verdict_name(v[i].call_media));
	}
	fprintf(out, "%s],\n\"media_table\": {\"live_streams\": %zu, \"streams\": %" PRIu64
		", \"capacity\": %" PRIu64 ", \"evicted\": %" PRIu64 ", \"stopped\": %" PRIu64
		"}", n ? "\n" : "", live, (uint64_t)st.streams, (uint64_t)st.max_streams,
		(uint64_t)st.streams_evicted, (uint64_t)st.stopped);
	free(v);
}

/* The flagged sources into *list (free it); how many, or 0 with *list NULL. */
static size_t flagged_sources(const struct report *r, struct suspect_stats *stats,
			      const struct suspect_source ***list)
{
	const struct suspect_source **sources;

	suspect_table_stats(r->suspects, stats);
	sources = calloc(stats->flagged ? stats->flagged : 1, sizeof(*sources));
	*list = sources;
	if (!sources)
		return 0;
	return suspect_table_flagged(r->suspects, sources, stats->flagged);
}

/* The requests the kernel counts from addr now, in all and by method (the
 * per-source map's rows of it: the LRU may have evicted older ones); 0
 * without the counters. */
static __u64 suspect_requests(const struct report *r, const struct sipxdp_addr *addr,
			      const struct source_row **rows, size_t *n)
{
	__u64 total = 0;

	*rows = NULL;
	*n = 0;
	if (!r->snap)
		return 0;
	*rows = snapshot_source_requests(r->snap, addr, n);
	for (size_t i = 0; i < *n; i++)
		total += (*rows)[i].count;
	return total;
}

/* The flagged sources, a JSON array; their table's figures in *stats. */
static void json_suspect_list(FILE *out, const struct report *r, struct suspect_stats *stats)
{
	const struct suspect_source **sources;
	size_t n = flagged_sources(r, stats, &sources);

	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		const struct suspect_source *s = sources[i];
		const struct source_row *rows;
		char addr[ADDR_STR_LEN];
		const char *sep = "";
		size_t n_rows;
		__u64 requests = suspect_requests(r, &s->addr, &rows, &n_rows);

		fprintf(out, "%s\n  {\"addr\": \"%s\", \"reasons\": [", i ? "," : "",
			format_addr(&s->addr, addr));
		for (int k = 0; k < SUSPECT_REASONS; k++)
			if (s->flagged & (1u << k)) {
				fprintf(out, "%s\"%s\"", sep, suspect_reason_name(k));
				sep = ", ";
			}
		fputs("], \"events\": {", out);
		for (int k = 0; k < SUSPECT_REASONS; k++)
			fprintf(out, "%s\"%s\": %" PRIu64, k ? ", " : "", suspect_reason_name(k),
				(uint64_t)s->events[k]);
		fprintf(out, "}, \"requests\": %" PRIu64 ", \"requests_by_method\": {",
			(uint64_t)requests);
		for (size_t j = 0; j < n_rows; j++)
			fprintf(out, "%s\"%s\": %" PRIu64, j ? ", " : "", method_name(rows[j].code),
				(uint64_t)rows[j].count);
		fprintf(out, "}, \"request_rate\": %" PRIu64 ", \"users_tried\": %u, "
			"\"users_not_found\": %u, \"auth_failures\": %" PRIu64 ", \"user_agent\": ",
			(uint64_t)s->request_rate, s->users_tried, s->users_not_found,
			(uint64_t)s->events[SUSPECT_AUTH_FAILURES]);
		escape_json_string(out, s->user_agent, s->user_agent_len, SUSPECT_USER_AGENT_MAX);
		fputs(", \"first_seen\": ", out);
		format_time(out, s->first_seen_ns, r->clock_to_wall_ns, true);
		fputs(", \"last_seen\": ", out);
		format_time(out, s->last_seen_ns, r->clock_to_wall_ns, true);
		fputc('}', out);
	}
	fprintf(out, "%s]", n ? "\n" : "");
	free(sources);
}

void report_media_json(FILE *out, const struct report *r)
{
	fputc('{', out);
	json_media_keys(out, r);
	fputs("}\n", out);
}

void report_json(FILE *out, const struct report *r)
{
	const char *sep = "";

	fputs("{\n", out);
	if (r->snap) {
		json_counters(out, r->snap, r->sources_listed);
		sep = ",\n";
	}
	if (r->acks) {
		fprintf(out, "%s\"acks\": ", sep);
		json_acks(out, r);
		sep = ",\n";
	}
	if (r->calls) {
		json_calls_keys(out, r, sep);
		sep = ",\n";
	}
	if (r->media) {
		fputs(sep, out);
		json_media_keys(out, r);
		sep = ",\n";
	}
	if (r->redirects) {
		fprintf(out, "%s\"redirects\": ", sep);
		json_redirect_list(out, r);
		fprintf(out, ",\n\"redirects_overflow\": %" PRIu64 ", \"redirects_evicted\": %" PRIu64
			", \"redirects_expired\": %" PRIu64,
			(uint64_t)redirect_table_overflow(r->redirects),
			(uint64_t)redirect_table_evictions(r->redirects),
			(uint64_t)redirect_table_expired(r->redirects));
		sep = ",\n";
	}
	if (r->suspects) {
		struct suspect_stats stats;

		fprintf(out, "%s\"suspects\": ", sep);
		json_suspect_list(out, r, &stats);
	}
	fputs("\n}\n", out);
}

void report_acks_json(FILE *out, const struct report *r)
{
	json_acks(out, r);
	fputc('\n', out);
}

void report_calls_json(FILE *out, const struct report *r)
{
	fputs("{\n", out);
	json_calls_keys(out, r, "");
	fputs("\n}\n", out);
}

void report_redirects_json(FILE *out, const struct report *r)
{
	fputs("{\"redirects\": ", out);
	json_redirect_list(out, r);
	fprintf(out, ",\n\"overflow\": %" PRIu64 ", \"evicted\": %" PRIu64 ", \"expired\": %" PRIu64
		"}\n", (uint64_t)redirect_table_overflow(r->redirects),
		(uint64_t)redirect_table_evictions(r->redirects),
		(uint64_t)redirect_table_expired(r->redirects));
}

static void text_source(FILE *out, const struct source_total *t, size_t i)
{
	char addr[ADDR_STR_LEN];

	(void)i;
	fprintf(out, "%-40s", format_addr(&t->addr, addr));
	for (int c = 0; c < NCLASSES; c++)
		fprintf(out, " %8" PRIu64, (uint64_t)t->by_class[c]);
	fprintf(out, " %9" PRIu64 "\n", (uint64_t)t->requests_total);
}

static void text_counters(FILE *out, const struct snapshot *snap, unsigned int listed)
{
	__u64 classes[NCLASSES] = { 0 };
	long n_sources;

	fprintf(out, "packets   seen %" PRIu64, (uint64_t)snapshot_packets_seen(snap));
	for (int r = 0; r < SIPXDP_RESULT_MAX; r++)
		fprintf(out, "  %s %" PRIu64, result_name(r), (uint64_t)snap->counters[r]);
	fprintf(out, "\nevents    written %" PRIu64 "  lost %" PRIu64 "\n",
		(uint64_t)snap->counters[SIPXDP_CNT_EVENTS],
		(uint64_t)snap->counters[SIPXDP_CNT_EVENTS_LOST]);
	for (size_t i = 0; i < snap->n_responses; i++) {
		int c = class_index(snap->responses[i].code);

		if (c >= 0)
			classes[c] += snap->responses[i].count;
	}
	fputs("responses", out);
	for (int c = 0; c < NCLASSES; c++)
		fprintf(out, "  %dxx %" PRIu64, c + 1, (uint64_t)classes[c]);
	fputs("\nrequests ", out);
	for (int m = 0; m < SIPXDP_METHOD_MAX; m++) {
		__u64 n = snap->requests[SIPXDP_DIR_INGRESS][m] + snap->requests[SIPXDP_DIR_EGRESS][m];

		if (n)
			fprintf(out, "  %s %" PRIu64, method_name(m), (uint64_t)n);
	}
	fprintf(out, "\n\n%-40s %8s %8s %8s %8s %8s %8s %9s\n", "source", "1xx", "2xx", "3xx",
		"4xx", "5xx", "6xx", "requests");
	n_sources = for_listed_sources(snap, listed, text_source, out);
	if (listed && n_sources > listed)
		fprintf(out, "(the %u busiest of %ld sources: --all-sources lists every one)\n",
			listed, n_sources);
	fprintf(out, "(%zu of %u per-source entries in use)\n", snapshot_source_entries(snap),
		snap->sources_capacity);
}

static void text_acks(FILE *out, const struct report *r)
{
	const struct ack_stats *a = r->acks;

	fprintf(out, "\nINVITE 2xx/ACK: invite_2xx %" PRIu64 "  matched %" PRIu64
		"  missing %" PRIu64 "  late %" PRIu64 "  unverified %" PRIu64 "  pending %" PRIu64
		"  retransmissions %" PRIu64 "\n",
		(uint64_t)a->invite_2xx, (uint64_t)a->matched, (uint64_t)a->missing,
		(uint64_t)a->late, (uint64_t)a->unverified, (uint64_t)a->pending,
		(uint64_t)a->retransmissions);
	fprintf(out, "ACK delay: p50 %.3fs  p90 %.3fs  p99 %.3fs\n",
		ack_stats_delay_quantile(a, 0.5), ack_stats_delay_quantile(a, 0.9),
		ack_stats_delay_quantile(a, 0.99));
	for (size_t i = 0; i < r->n_missed && i < TEXT_MISSED_MAX; i++) {
		const struct ack_missed *m = r->missed[i];
		char uas[ADDR_STR_LEN], uac[ADDR_STR_LEN];

		fputs("  missed ", out);
		format_time(out, m->first_2xx_ns, r->clock_to_wall_ns, false);
		/* the hop as the 2xx went: its sender (UAS) first */
		fprintf(out, "  hop %s <-> %s  2xx %s  peer %s  cseq %u  call-id ",
			format_addr(&m->uas_addr, uas), format_addr(&m->uac_addr, uac),
			direction_name(m->direction), peers_name(r->peers, m->peer), m->cseq);
		/* JSON escaping keeps a hostile Call-ID on one printable line */
		escape_json_string(out, m->call_id, strlen(m->call_id), ACK_CALL_ID_MAX);
		fputc('\n', out);
	}
	if (r->n_missed > TEXT_MISSED_MAX)
		fprintf(out, "  (%zu more: sipxdp acks --json lists them all)\n",
			r->n_missed - TEXT_MISSED_MAX);
}

/* Who hung up and the Reason causes, per peer with a call. */
static void text_call_ends(FILE *out, const struct report *r)
{
	fprintf(out, "\n%-20s %8s %8s  %s\n", "peer", "by_callr", "by_calle",
		"causes (protocol:cause count)");
	for (unsigned int id = 0; id < call_tracker_peer_count(r->calls); id++) {
		const struct call_peer_stats *p = call_tracker_peer(r->calls, id);

		if (!call_attempts(p))
			continue;
		fprintf(out, "%-20.20s %8" PRIu64 " %8" PRIu64 " ", peers_name(r->peers, id),
			(uint64_t)p->ended_by[CALL_CALLER], (uint64_t)p->ended_by[CALL_CALLEE]);
		for (int proto = 0; proto < SIP_REASON_PROTOCOLS; proto++)
			for (unsigned int cause = sip_reason_cause_min(proto);
			     cause <= sip_reason_cause_max(proto); cause++) {
				__u64 n = call_cause_count(p, proto, cause);

				if (n)
					fprintf(out, " %s:%u %" PRIu64,
						sip_reason_protocol_name(proto), cause, (uint64_t)n);
			}
		fputc('\n', out);
	}
}

static void text_registrations(FILE *out, const struct report *r)
{
	const struct registration_table *t = r->registrations;
	struct registration_stats st;

	registration_table_stats(t, &st);
	fprintf(out, "\nregistrations: %" PRIu64 " of %" PRIu64 " (evicted %" PRIu64 ")\n",
		(uint64_t)st.entries, (uint64_t)st.capacity, (uint64_t)st.evicted);
	for (unsigned int id = 0; id < registration_table_peer_count(t); id++)
		if (registration_table_active(t, id))
			fprintf(out, "  %-20.20s %8" PRIu64 "\n", peers_name(r->peers, id),
				(uint64_t)registration_table_active(t, id));
}

static void text_calls(FILE *out, const struct report *r)
{
	fprintf(out, "\ncalls (RFC 6076; per peer, both directions)\n%-20s %8s %8s %6s %6s %6s "
		"%6s %6s %6s %6s %8s %6s %6s %5s %5s %5s %5s %8s %8s\n", "peer", "attempts",
		"answered", "redir", "reject", "ineff", "cancel", "failed", "unans", "unver",
		"complete", "active", "unseen", "SER", "SEER", "ISA", "SCR", "setup50", "answer50");
	for (unsigned int id = 0; id < call_tracker_peer_count(r->calls); id++) {
		const struct call_peer_stats *p = call_tracker_peer(r->calls, id);
		struct call_ratios q = ratios_of(p);

		if (!call_attempts(p))
			continue;
		fprintf(out, "%-20.20s %8" PRIu64 " %8" PRIu64, peers_name(r->peers, id),
			(uint64_t)call_attempts(p), (uint64_t)call_outcome(p, CALL_ANSWERED));
		for (int o = CALL_REDIRECTED; o < CALL_OUTCOMES; o++)
			fprintf(out, " %6" PRIu64, (uint64_t)call_outcome(p, o));
		fprintf(out, " %8" PRIu64 " %6" PRIu64 " %6" PRIu64
			" %5.2f %5.2f %5.2f %5.2f %7.3fs %7.3fs\n",
			(uint64_t)p->completed, (uint64_t)p->active,
			(uint64_t)(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST] +
				   p->ended_unseen[CALL_UNSEEN_MAX_DURATION]), q.ser, q.seer, q.isa,
			q.scr, call_histogram_quantile(&p->setup, &call_setup_bounds, 0.5),
			call_histogram_quantile(&p->answer, &call_answer_bounds, 0.5));
	}
	text_call_ends(out, r);
	fprintf(out, "\n%-20s %-8s %8s %8s %10s %10s %10s\n", "peer", "request", "sent",
		"answered", "unanswered", "unverified", "delay p50");
	for (unsigned int id = 0; id < call_tracker_peer_count(r->calls); id++) {
		const struct call_peer_stats *p = call_tracker_peer(r->calls, id);

		for (int k = 0; k < 2; k++) {
			const struct request_peer_stats *q = k ? &p->registers : &p->options;

			if (!q->sent)
				continue;
			fprintf(out, "%-20.20s %-8s %8" PRIu64 " %8" PRIu64 " %10" PRIu64
				" %10" PRIu64 " %9.4fs\n", peers_name(r->peers, id),
				k ? "REGISTER" : "OPTIONS", (uint64_t)q->sent, (uint64_t)q->answered, (uint64_t)q->unanswered,
				(uint64_t)q->unverified,
				call_histogram_quantile(&q->delay, &call_request_delay_bounds, 0.5));
		}
	}
	if (r->registrations)
		text_registrations(out, r);
}

static void text_redirects(FILE *out, const struct report *r)
{
	size_t n;
	const struct redirect_entry *entries = redirect_table_entries(r->redirects, &n);

	fprintf(out, "\nredirect targets: %zu (overflow %" PRIu64 ", evicted %" PRIu64
		", expired %" PRIu64 ")\n", n, (uint64_t)redirect_table_overflow(r->redirects),
		(uint64_t)redirect_table_evictions(r->redirects),
		(uint64_t)redirect_table_expired(r->redirects));
	for (size_t i = 0; i < n; i++) {
		const struct redirect_entry *e = &entries[i];
		char src[ADDR_STR_LEN];

		fprintf(out, "  %u  %-20s %8" PRIu64 "  ", e->code, format_addr(&e->source, src),
			(uint64_t)e->count);
		escape_json_string(out, e->target, e->target_len, REDIRECT_TARGET_MAX);
		fputc('\n', out);
	}
}

void report_text(FILE *out, const struct report *r)
{
	if (r->snap)
		text_counters(out, r->snap, r->sources_listed);
	if (r->acks)
		text_acks(out, r);
	if (r->calls)
		text_calls(out, r);
	if (r->redirects)
		text_redirects(out, r);
}

void report_suspects_json(FILE *out, const struct report *r)
{
	struct suspect_stats stats;
	struct suspect_opts th;

	fputs("{\"suspects\": ", out);
	json_suspect_list(out, r, &stats);
	fputs(",\n\"events\": {", out);
	for (int k = 0; k < SUSPECT_REASONS; k++)
		fprintf(out, "%s\"%s\": %" PRIu64, k ? ", " : "", suspect_reason_name(k),
			(uint64_t)stats.events[k]);
	fprintf(out, "},\n\"entries\": %" PRIu64 ", \"capacity\": %" PRIu64 ", \"evicted\": %" PRIu64
		", \"expired\": %" PRIu64 ",\n\"pending\": {\"entries\": %" PRIu64 ", \"capacity\": %"
		PRIu64 ", \"evicted\": %" PRIu64 "}", (uint64_t)stats.entries,
		(uint64_t)stats.capacity, (uint64_t)stats.evicted, (uint64_t)stats.expired,
		(uint64_t)stats.pending_entries, (uint64_t)stats.pending_capacity,
		(uint64_t)stats.pending_evicted);
	suspect_table_thresholds(r->suspects, &th);
	fprintf(out, ",\n\"thresholds\": {\"auth_failures\": %u, \"users\": %u, "
		"\"request_rate\": %u}}\n", th.auth_failures, th.users, th.request_rate);
}

void report_suspects_text(FILE *out, const struct report *r)
{
	const struct suspect_source **sources;
	struct suspect_stats stats;
	size_t n = flagged_sources(r, &stats, &sources);

	fprintf(out, "suspect sources: %zu (watched %" PRIu64 " of %" PRIu64 ", evicted %" PRIu64
		", expired %" PRIu64 ")\n", n, (uint64_t)stats.entries, (uint64_t)stats.capacity,
		(uint64_t)stats.evicted, (uint64_t)stats.expired);
	for (int k = 0; k < SUSPECT_REASONS; k++)
		fprintf(out, "  %-20s %10" PRIu64 " events\n", suspect_reason_name(k),
			(uint64_t)stats.events[k]);
	if (n)
		fprintf(out, "\n%-40s %-9s %10s %8s %7s %9s  %-20s  %s\n", "source", "reasons",
			"requests", "req/s", "users", "auth_fail", "last seen", "user agent");
	for (size_t i = 0; i < n; i++) {
		const struct suspect_source *s = sources[i];
		const struct source_row *rows;
		char addr[ADDR_STR_LEN], reasons[SUSPECT_REASONS + 1] = "";
		size_t n_rows, k;
		__u64 requests = suspect_requests(r, &s->addr, &rows, &n_rows);

		/* one letter a reason: S(canner), A(uth), U(sers), F(lood) */
		for (k = 0; k < SUSPECT_REASONS; k++)
			reasons[k] = s->flagged & (1u << k) ? "SAUF"[k] : '-';
		reasons[k] = '\0';
		fprintf(out, "%-40s %-9s %10" PRIu64 " %8" PRIu64 " %7u %9" PRIu64 "  ",
			format_addr(&s->addr, addr), reasons, (uint64_t)requests,
			(uint64_t)s->request_rate, s->users_not_found,
			(uint64_t)s->events[SUSPECT_AUTH_FAILURES]);
		format_time(out, s->last_seen_ns, r->clock_to_wall_ns, false);
		fputs("  ", out);
		escape_json_string(out, s->user_agent, s->user_agent_len, SUSPECT_USER_AGENT_MAX);
		fputc('\n', out);
	}
	if (n)
		fputs("(reasons: S scanner_user_agent, A auth_failures, U user_enumeration, "
		      "F request_flood; users: distinct users not found)\n", out);
	free(sources);
}

void report_media_text(FILE *out, const struct report *r)
{
	struct media_stream_view *v;
	struct media_stats st;
	size_t live, n = media_streams_shown(r, &v, &live);

	media_tracker_stats(r->media, &st);
	fprintf(out, "media streams: %zu live (of %" PRIu64 " at most; %" PRIu64 " evicted), "
		"%" PRIu64 " calls ended when their RTP stopped\n", live,
		(uint64_t)st.max_streams, (uint64_t)st.streams_evicted, (uint64_t)st.stopped);
	if (n)
		fprintf(out, "\n%-5s %-16s %-9s %-24s %-6s %9s %7s %9s %4s  %-9s  %s\n", "state",
			"peer", "direction", "to", "codec", "packets", "lost", "jitter_ms",
			"mos", "call", "call-id");
	for (size_t i = 0; i < n; i++) {
		char dst[ADDR_STR_LEN], to[ADDR_STR_LEN + 8];

		snprintf(to, sizeof(to), "%s:%u", format_sdp_addr(&v[i].st.dst, dst),
			 v[i].st.dst_port);
		fprintf(out, "%-5s %-16.16s %-9s %-24s %-6s %9" PRIu64 " %7" PRIu64 " %9.2f ",
			v[i].live ? "live" : "ended", peers_name(r->peers, v[i].peer),
			media_direction_name(v[i].direction), to, sdp_codec_name(v[i].st.codec),
			(uint64_t)v[i].fig.packets, (uint64_t)v[i].fig.lost, v[i].fig.jitter_ms);
		if (v[i].fig.expected)
			fprintf(out, "%4.2f", v[i].mos);
		else
			fputs("   -", out);
		fprintf(out, "  %-9s  ", media_verdict_name(v[i].call_media));
		escape_json_string(out, v[i].call_id, v[i].call_id_len, CALL_CALL_ID_MAX);
		fputc('\n', out);
	}
	if (live > REPORT_MEDIA_LIVE)
		fprintf(out, "(%zu more live streams not shown)\n", live - REPORT_MEDIA_LIVE);
	free(v);
}

void report_top(FILE *out, const struct snapshot *snap, int by, unsigned int n)
{
	struct source_total *top = calloc(n ? n : 1, sizeof(*top));
	size_t shown;

	if (!top)
		return;
	shown = snapshot_top_sources(snap, by, top, n, NULL);
	fprintf(out, "%-40s %10s %8s %8s %8s %8s %8s %8s\n", "source", "total", "1xx", "2xx",
		"3xx", "4xx", "5xx", "6xx");
	for (size_t i = 0; i < shown; i++) {
		char addr[ADDR_STR_LEN];

		fprintf(out, "%-40s %10" PRIu64, format_addr(&top[i].addr, addr),
			(uint64_t)top[i].total);
		for (int c = 0; c < NCLASSES; c++)
			fprintf(out, " %8" PRIu64, (uint64_t)top[i].by_class[c]);
		fputc('\n', out);
	}
	free(top);
}
