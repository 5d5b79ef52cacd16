// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core.h"
#include "sipxdp_media.h"
#include "escape.h"
#include "log.h"
#include "sip_names.h"

/* ring_buffer__consume stops at a callback's negative return: this one
 * means the drain's budget is spent, not an error. */
#define DRAIN_BUDGET_SPENT	(-EAGAIN)

static const char *const parse_names[] = {
	[SIP_REQUEST] = "request",
	[SIP_RESPONSE] = "response",
	[SIP_NOT_SIP] = "not_sip",
	[SIP_TRUNCATED] = "truncated",
	[SIP_MALFORMED] = "malformed",
};

void core_trace_event(FILE *out, const struct sipxdp_event *rec, const struct sip_event *ev,
		      __u64 now)
{
	const struct sip_msg *m = ev->msg;
	struct sip_span contacts[CONTACT_MAX_URIS];
	char src[ADDR_STR_LEN], dst[ADDR_STR_LEN];
	size_t n = sip_contacts(m, contacts, CONTACT_MAX_URIS);

	fprintf(out, "{\"time_ns\": %llu, \"kind\": \"%s\", \"parse\": \"%s\", \"status\": %u, "
		"\"method\": \"%s\", \"cseq\": %u, \"flags\": %u, \"src\": \"%s:%u\", "
		"\"dst\": \"%s:%u\", \"cpu\": %u, \"seq\": %llu, \"len\": %u, \"msg_len\": %u, "
		"\"cut\": %s, \"call_id\": ", (unsigned long long)now,
		sip_event_kind_name(ev->kind),
		m->kind < sizeof(parse_names) / sizeof(parse_names[0]) ? parse_names[m->kind] : "?",
		ev->status, method_name(ev->method), ev->cseq, ev->flags,
		format_addr(&rec->saddr, src), rec->sport, format_addr(&rec->daddr, dst),
		rec->dport, rec->cpu, (unsigned long long)rec->seq, rec->len, rec->msg_len,
		rec->flags & SIPXDP_EVF_CUT ? "true" : "false");
	escape_json_string(out, ev->call_id, ev->call_id_len, SIPXDP_MSG_MAX);
	fputs(", \"to_tag\": ", out);
	escape_json_string(out, ev->to_tag, ev->to_tag_len, SIPXDP_MSG_MAX);
	fputs(", \"contacts\": [", out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		escape_json_string(out, contacts[i].p, contacts[i].len, SIPXDP_MSG_MAX);
	}
	fputs("]}\n", out);
}

/* The record's header, when its sizes add up and its CPU is one libbpf knows. */
static bool read_header(const struct core *c, const void *data, size_t size,
			struct sipxdp_event *rec)
{
	if (size < sizeof(*rec))
		return false;
	memcpy(rec, data, sizeof(*rec));
	return rec->len <= SIPXDP_MSG_MAX && size - sizeof(*rec) >= rec->len &&
	       rec->cpu < c->n_cpus;
}

/*
 * Counts the records lost since this CPU's last one (sipxdp.h: seq), and
 * tells the trackers, before this record is fed: any message of any call
 * may have been among them, up to now_ns (this record's time on the
 * trackers' clock).
 */
static void count_gap(struct core *c, const struct sipxdp_event *rec, __u64 now_ns)
{
	struct core_cpu_seq *last = &c->cpu_seq[rec->cpu];

	if (last->seq && rec->seq > last->seq + 1) {
		__u64 lost = rec->seq - last->seq - 1;

		c->records.gaps++;
		/* saturating: a count that wrapped would read as fewer lost */
		c->records.gap_records = c->records.gap_records + lost < lost ?
						 UINT64_MAX : c->records.gap_records + lost;
		c->records.last_gap_from_ns = last->ts_ns;
		c->records.last_gap_to_ns = rec->ts_ns;
		call_tracker_gap(c->calls, now_ns);
		suspect_table_gap(c->suspects, now_ns);
	}
	/* A seq that went back (the program was loaded again) starts over. */
	last->seq = rec->seq;
	last->ts_ns = rec->ts_ns;
}

bool core_handle_record(struct core *c, const void *data, size_t size)
{
	struct sipxdp_event rec;
	struct sip_event ev;
	__u64 now;

	if (!read_header(c, data, size, &rec)) {
		c->records.invalid++;
		return false;
	}
	c->records.handled++;
	now = c->clock == CORE_CLOCK_EVENTS ? rec.ts_ns : c->now_ns;
	count_gap(c, &rec, now);
	sip_parse((const char *)data + sizeof(rec), rec.len, &c->msg);
	sip_event_build(&ev, &rec, &c->msg);
	c->last_event_ns = now;
	if (c->trace)
		core_trace_event(c->trace, &rec, &ev, now);
	/* UPDATE and its responses are SIP_EV_OTHER, and carry SDP. */
	media_tracker_feed(c->media, &ev, now);
	/* any method: scanners probe with whatever they like */
	suspect_table_feed(c->suspects, &ev, now);
	if (ev.kind == SIP_EV_OTHER)
		return true;
	/* a 3xx to an INVITE is also a call's outcome */
	if (ev.kind == SIP_EV_REDIRECT)
		redirect_table_feed(c->redirects, &ev, now);
	registration_table_feed(c->registrations, &ev, now);
	call_tracker_feed(c->calls, &ev, now);
	return true;
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct core *c = ctx;

	core_handle_record(c, data, size);
	return ++c->drained < CORE_DRAIN_BUDGET ? 0 : DRAIN_BUDGET_SPENT;
}

/* The kernel's count of events the full ring could not take. 0, or -1 (printed). */
static int read_events_lost(const struct core *c, __u64 *out)
{
	int err = snapshot_read_counter(bpf_map__fd(c->skel->maps.counters),
					SIPXDP_CNT_EVENTS_LOST, out);

	if (err)
		pr_err("reading the lost events counter: %s\n", strerror(-err));
	return err ? -1 : 0;
}

void core_note_events_lost(struct core *c, __u64 events_lost, __u64 now_ns)
{
	if (events_lost > c->events_lost) {
		call_tracker_gap(c->calls, now_ns);
		suspect_table_gap(c->suspects, now_ns);
	}
	c->events_lost = events_lost;
}

static struct sipxdp_media_key media_key(const struct media_stream *s)
{
	struct sipxdp_media_key k = { .family = s->dst.family, .port = htons(s->dst_port) };

	memcpy(k.addr, s->dst.addr, sizeof(k.addr));
	return k;
}

/*
 * The media tracker's sink: the kernel's media_streams map, and the count
 * that lets packets reach it (media_streams_learned). The tracker adds a
 * place once however many sessions name it; one the map cannot take is
 * not counted: the tracker's bound is the map's size.
 */
static void media_map_add(void *ctx, const struct media_stream *s)
{
	struct core *c = ctx;
	struct sipxdp_media_key k = media_key(s);
	struct sipxdp_media_stream v = { .clock = s->clock };

	if (!bpf_map_update_elem(bpf_map__fd(c->skel->maps.media_streams), &k, &v, BPF_NOEXIST))
		c->skel->bss->media_streams_learned++;
}

/*
 * A stream's figures from its map value, read under its lock (BPF_F_LOCK)
 * so that they are of one moment. expected is what was received plus what
 * was lost: RTP packets of every SSRC (the datagrams less those that were
 * not RTP).
 */
static void media_figures_of(const struct sipxdp_media_stream *v, struct media_figures *out)
{
	__u64 expected = 0, lost;

	if (v->started)
		expected = (__u64)v->cycles + v->max_seq - v->base_seq + 1;
	lost = v->lost_prior + expected;
	lost = lost > v->received ? lost - v->received : 0;
	*out = (struct media_figures){
		.packets = v->packets,
		.bytes = v->bytes,
		.lost = lost,
		.expected = v->packets > v->not_rtp ? v->packets - v->not_rtp + lost : lost,
		.jitter_ms = v->jitter_samples && v->clock ?
			(double)v->jitter_sum_q4 / (double)v->jitter_samples / 16.0 /
			(double)v->clock * 1000.0 : 0,
		.first_ns = v->first_ns,
		.last_ns = v->last_ns,
	};
}

/* One stream fewer in the map: the program skips its lookup when none is. */
static void media_map_unlearned(struct core *c)
{
	if (c->skel->bss->media_streams_learned)
		c->skel->bss->media_streams_learned--;
}

/* Removed and read in one call (one syscall a stream that ends). */
static bool media_map_remove(void *ctx, const struct media_stream *s, struct media_figures *last)
{
	struct core *c = ctx;
	struct sipxdp_media_key k = media_key(s);
	struct sipxdp_media_stream v;

	if (bpf_map_lookup_and_delete_elem_flags(bpf_map__fd(c->skel->maps.media_streams), &k,
						 &v, BPF_F_LOCK))
		return false;
	media_map_unlearned(c);
	media_figures_of(&v, last);
	return true;
}

/* The refresh starts: the map read whole into c->media_copy, or nothing
 * (then each read is a lookup of its own). */
static void media_map_copy_all(void *ctx)
{
	struct core *c = ctx;

	c->media_copied = !media_copy_read(&c->media_copy,
					   bpf_map__fd(c->skel->maps.media_streams));
}

static void media_map_copy_done(void *ctx)
{
	struct core *c = ctx;

	c->media_copied = false;
}

/*
 * A replay's remove: unread. The kernel times a stream's packets by its own
 * clock, not the capture's, and a replay plays them back to back: their
 * jitter, and when they stopped, would be the replay's, not the capture's.
 * A replay learns the streams, but the agent measures none of them, and
 * its calls get no media verdict.
 */
static bool media_map_forget(void *ctx, const struct media_stream *s, struct media_figures *last)
{
	struct core *c = ctx;
	struct sipxdp_media_key k = media_key(s);

	(void)last;
	if (!bpf_map_delete_elem(bpf_map__fd(c->skel->maps.media_streams), &k))
		media_map_unlearned(c);
	return false;
}

static bool media_map_read(void *ctx, const struct media_stream *s, struct media_figures *out)
{
	struct core *c = ctx;
	struct sipxdp_media_key k = media_key(s);
	const struct sipxdp_media_stream *copied;
	struct sipxdp_media_stream v;

	if (c->media_copied) {
		copied = media_copy_find(&c->media_copy, &k);
		if (!copied)
			return false;
		media_figures_of(copied, out);
		return true;
	}
	if (bpf_map_lookup_elem_flags(bpf_map__fd(c->skel->maps.media_streams), &k, &v,
				      BPF_F_LOCK))
		return false;
	media_figures_of(&v, out);
	return true;
}

/* The media tracker and the call tracker, each told of what the other
 * decides (calls.h: call_media_hooks; media.h: media_stopped_fn). */
static void media_stopped(void *ctx, const char *call_id, size_t len,
			  const struct sipxdp_addr *a, const struct sipxdp_addr *b)
{
	struct core *c = ctx;

	call_tracker_media_stopped(c->calls, call_id, len, a, b);
}

static bool call_media_flowing(void *ctx, const char *call_id, size_t len,
			       const struct sipxdp_addr *a, const struct sipxdp_addr *b,
			       __u64 now_ns)
{
	struct core *c = ctx;

	return media_tracker_flowing(c->media, call_id, len, a, b, now_ns);
}

static void call_media_ended(void *ctx, const char *call_id, size_t len,
			     const struct sipxdp_addr *a, const struct sipxdp_addr *b, __u64 now_ns)
{
	struct core *c = ctx;

	media_tracker_end(c->media, call_id, len, a, b, now_ns);
}

/*
 * The suspects' flood watch reads the kernel's count of one (source,
 * method) row of the per-source map: one lookup, summed over CPUs, for
 * each source the watch picked, never a walk of the map.
 */
static int read_source_requests(void *ctx, const struct sipxdp_addr *addr, __u8 method,
				__u64 *count)
{
	struct core *c = ctx;
	struct sipxdp_source_key key = { .addr = *addr, .code = method };

	*count = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.sources), &key, c->percpu))
		return errno == ENOENT ? 0 : -1;	/* none: never counted, or evicted */
	for (unsigned int cpu = 0; cpu < c->n_cpus; cpu++)
		*count += c->percpu[cpu];
	return 0;
}

int core_init(struct core *c, struct sipxdp_bpf *skel, const struct core_opts *opts,
	      enum core_clock clock)
{
	struct suspect_opts suspect_opts = {
		.capacity = opts->max_suspects,
		.auth_failures = opts->suspect_auth_failures,
		.users = opts->suspect_users,
		.request_rate = opts->suspect_request_rate,
		.read_requests = skel ? read_source_requests : NULL,
		.read_ctx = c,
	};
	/* the kernel's clock is the agent's: not in a replay (media_map_forget) */
	bool measured = skel && clock == CORE_CLOCK_EVENTS;
	struct media_opts media_opts = {
		.max_streams = opts->max_media_streams,
		.one_way_after_ns = opts->one_way_after_ns,
		.timeout_ns = opts->media_timeout_ns,
		.peers = opts->peers,
		.sink = {
			.add = skel ? media_map_add : NULL,
			.remove = !skel ? NULL : measured ? media_map_remove : media_map_forget,
			.read = measured ? media_map_read : NULL,
			.ctx = c,
			.refresh_begin = measured ? media_map_copy_all : NULL,
			.refresh_end = measured ? media_map_copy_done : NULL,
		},
		.stopped = media_stopped,
		.stopped_ctx = c,
	};
	int n_cpus = libbpf_num_possible_cpus();
	struct call_tracker_opts call_opts = {
		.max_calls = opts->max_calls,
		.acks = { .capacity = opts->ack_capacity, .timeout_ns = opts->ack_timeout_ns },
		.max_call_duration_ns = opts->max_call_duration_ns,
		.peers = opts->peers,
		.media = { call_media_flowing, call_media_ended, c },
	};

	memset(c, 0, sizeof(*c));
	c->skel = skel;
	c->peers = opts->peers;
	c->per_source_top_n = opts->per_source_top_n;
	c->clock = clock;
	c->ack_timeout_ns = opts->ack_timeout_ns ? opts->ack_timeout_ns : ACK_DEFAULT_TIMEOUT_NS;
	c->calls = call_tracker_new(&call_opts);
	c->acks = c->calls ? call_tracker_acks(c->calls) : NULL;
	c->media = media_tracker_new(&media_opts);
	c->redirects = redirect_table_new(opts->max_redirect_targets, opts->redirect_max_age_ns);
	c->registrations = registration_table_new(opts->peers, opts->max_registrations);
	c->suspects = suspect_table_new(&suspect_opts);
	if (n_cpus < 0) {
		pr_err("counting the CPUs: %s\n", strerror(-n_cpus));
		goto fail;
	}
	c->n_cpus = (unsigned int)n_cpus;
	c->cpu_seq = calloc(c->n_cpus, sizeof(*c->cpu_seq));
	c->percpu = calloc(c->n_cpus, sizeof(*c->percpu));
	if (!c->calls || !c->media || !c->redirects || !c->registrations || !c->suspects ||
	    !c->cpu_seq || !c->percpu) {
		pr_err("allocating the call, ACK, media, redirect, registration and suspect "
		       "tables: %s\n", strerror(ENOMEM));
		goto fail;
	}
	if (!skel)
		return 0;
	if (loader_fill_peers(skel, c->peers))
		goto fail;
	/* Pinned counters carry a previous agent's losses: only a rise counts. */
	if (read_events_lost(c, &c->events_lost))
		goto fail;
	c->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_record, c, NULL);
	if (!c->rb) {
		pr_err("opening the event ring buffer: %s\n", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	core_destroy(c);
	return -1;
}

void core_destroy(struct core *c)
{
	ring_buffer__free(c->rb);
	call_tracker_free(c->calls);
	media_tracker_free(c->media);
	redirect_table_free(c->redirects);
	registration_table_free(c->registrations);
	suspect_table_free(c->suspects);
	free(c->cpu_seq);
	free(c->percpu);
	snapshot_spare_free(&c->snapshot_rows);
	media_copy_free(&c->media_copy);
	peers_free(c->peers);
	sipxdp_bpf__destroy(c->skel);
	memset(c, 0, sizeof(*c));
}

int core_fd(const struct core *c)
{
	return ring_buffer__epoll_fd(c->rb);
}

int core_drain(struct core *c)
{
	int n;

	c->drained = 0;
	if (!c->rb)
		return 0;	/* no program: nothing to drain */
	n = ring_buffer__consume(c->rb);
	/* replay: the kernel counted every packet up to the capture's now */
	if (c->clock == CORE_CLOCK_FED)
		suspect_table_watch(c->suspects, c->now_ns);
	if (n == DRAIN_BUDGET_SPENT)
		return 1;
	if (n < 0) {
		pr_err("reading events: %s\n", strerror(-n));
		return -1;
	}
	return 0;
}

int core_tick(struct core *c, __u64 now_ns)
{
	int more = core_drain(c);
	__u64 events_lost;

	if (more < 0)
		return -1;
	/* A loss no later record of its CPU has shown yet (the ring stayed
	 * full, or that CPU went quiet) still ends what waited across it. */
	if (c->skel) {
		if (read_events_lost(c, &events_lost))
			return -1;
		core_note_events_lost(c, events_lost, now_ns);
	}
	/* the kernel's counts are read now: a rate over real time, not over
	 * the events' times, which lag behind under a flood */
	if (c->clock == CORE_CLOCK_EVENTS)
		suspect_table_watch(c->suspects, now_ns);
	/* Under a flood the budget leaves events in the ring: expire only up
	 * to the last one handled, so no ACK still waiting there leaves its
	 * 2xx missing. */
	if (more && c->last_event_ns < now_ns)
		now_ns = c->last_event_ns;
	call_tracker_expire(c->calls, now_ns);
	media_tracker_expire(c->media, now_ns);
	media_tracker_refresh(c->media, now_ns);
	redirect_table_expire(c->redirects, now_ns);
	registration_table_expire(c->registrations, now_ns);
	suspect_table_expire(c->suspects, now_ns);
	return more;
}

void core_set_time(struct core *c, __u64 now_ns)
{
	c->now_ns = now_ns;
}

int core_finish(struct core *c)
{
	int more;

	while ((more = core_drain(c)) == 1)
		;
	if (more < 0)
		return -1;
	/* past the ACK timeout and 64*T1: unanswered calls and requests too */
	call_tracker_expire(c->calls, c->now_ns + (c->ack_timeout_ns > CALL_REMEMBER_NS ?
						   c->ack_timeout_ns : CALL_REMEMBER_NS));
	/* requests still unanswered 64*T1 on: users not found */
	suspect_table_expire(c->suspects, c->now_ns + CALL_REMEMBER_NS);
	return 0;
}

__u64 core_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int core_view(struct core *c, __u64 now_ns, bool with_maps, struct core_view *v)
{
	struct sipxdp_bpf *skel = c->skel;

	memset(v, 0, sizeof(*v));
	v->now_ns = now_ns;
	v->keep_rows = &c->snapshot_rows;
	if (core_tick(c, now_ns) < 0)
		return -1;
	if (with_maps && skel &&
	    (snapshot_read(&v->snap, bpf_map__fd(skel->maps.counters),
			   bpf_map__fd(skel->maps.requests), bpf_map__fd(skel->maps.responses),
			   bpf_map__fd(skel->maps.sources), &c->snapshot_rows) ||
	     snapshot_read_peers(&v->snap, bpf_map__fd(skel->maps.peer_responses))))
		return -1;
	ack_matcher_stats(c->acks, &v->acks);
	call_tracker_stats(c->calls, &v->calls);
	media_tracker_stats(c->media, &v->media);
	registration_table_stats(c->registrations, &v->registrations);
	suspect_table_stats(c->suspects, &v->suspects);
	v->records = c->records;
	v->n_missed = ack_matcher_missed(c->acks, v->missed, ACK_DEFAULT_MISSED_KEEP);
	return 0;
}

void core_view_free(struct core_view *v)
{
	if (v->keep_rows)
		snapshot_free_keeping(&v->snap, v->keep_rows);
	else
		snapshot_free(&v->snap);
}

struct report core_report(const struct core *c, const struct core_view *v)
{
	return (struct report){
		.media = c->media,
		.now_ns = v->now_ns,
		.snap = &v->snap,
		.acks = &v->acks,
		.ack_matcher = c->acks,
		.calls = c->calls,
		.peers = c->peers,
		.missed = v->missed,
		.n_missed = v->n_missed,
		.redirects = c->redirects,
		.registrations = c->registrations,
		.suspects = c->suspects,
	};
}

/*
 * Rows the per-source LRU map evicted: the rows it created less those in it
 * now. The two are read one after the other while the program runs, so a
 * row created between them could make the figure dip: it is kept monotonic.
 */
static __u64 source_evictions(struct core *c, const struct snapshot *snap)
{
	__u64 inserts = snap->counters[SIPXDP_CNT_SOURCE_INSERTS];
	__u64 entries = snapshot_source_entries(snap);
	__u64 evicted = inserts > entries ? inserts - entries : 0;

	if (evicted > c->source_evictions)
		c->source_evictions = evicted;
	return c->source_evictions;
}

struct metrics_input core_metrics(struct core *c, const struct core_view *v)
{
	return (struct metrics_input){
		.source_evictions = source_evictions(c, &v->snap),
		.snap = &v->snap,
		.acks = &v->acks,
		.ack_matcher = c->acks,
		.calls = c->calls,
		.call_stats = &v->calls,
		.media_stats = &v->media,
		.media = c->media,
		.redirects = c->redirects,
		.registrations = c->registrations,
		.registration_stats = &v->registrations,
		.suspects = &v->suspects,
		.peers = c->peers,
		.per_source_top_n = c->per_source_top_n,
		.version = SIPXDP_VERSION,
	};
}
