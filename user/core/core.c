// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "core.h"
#include "escape.h"
#include "log.h"
#include "sip_names.h"

/* ring_buffer__consume stops at a callback's negative return: this one
 * means the drain's budget is spent, not an error. */
#define DRAIN_BUDGET_SPENT	(-EAGAIN)

static const char *const kind_names[] = {
	[SIPXDP_EV_INVITE_2XX] = "invite_2xx",
	[SIPXDP_EV_ACK] = "ack",
	[SIPXDP_EV_REDIRECT] = "redirect",
	[SIPXDP_EV_REQUEST] = "request",
	[SIPXDP_EV_RESPONSE] = "response",
};

void core_trace_event(FILE *out, const struct sipxdp_event *ev, __u64 now)
{
	/* The record is trusted no more than the packet: kind 0 is inside
	 * the table's range but has no name, and %s must not get a NULL. */
	const char *kind = ev->kind >= SIPXDP_EV_INVITE_2XX && ev->kind < SIPXDP_EV_KIND_MAX ?
				   kind_names[ev->kind] : "?";
	char src[ADDR_STR_LEN], dst[ADDR_STR_LEN];

	fprintf(out, "{\"time_ns\": %llu, \"kind\": \"%s\", \"status\": %u, "
		"\"method\": \"%s\", \"cseq\": %u, \"flags\": %u, \"src\": \"%s:%u\", "
		"\"dst\": \"%s:%u\", \"call_id\": ", (unsigned long long)now,
		kind, ev->status,
		method_name(ev->method), ev->cseq, ev->flags, format_addr(&ev->saddr, src),
		ev->sport, format_addr(&ev->daddr, dst), ev->dport);
	escape_json_string(out, ev->call_id, ev->call_id_len, SIPXDP_CALLID_LEN);
	fputs(", \"to_tag\": ", out);
	escape_json_string(out, ev->to_tag, ev->to_tag_len, SIPXDP_TAG_LEN);
	fputs(", \"contact\": ", out);
	escape_json_string(out, ev->contact, ev->contact_len, SIPXDP_CONTACT_LEN);
	fputs("}\n", out);
}

bool core_read_event(const void *data, size_t size, struct sipxdp_event *ev)
{
	/* Records are shorter than the struct (SIPXDP_EVENT_SIZE): copy into a
	 * whole, zeroed one, and believe no length the record has no bytes for. */
	if (size < SIPXDP_EVENT_SIZE(0, 0) || size > sizeof(*ev))
		return false;
	memcpy(ev, data, size);
	memset((char *)ev + size, 0, sizeof(*ev) - size);
	if (ev->call_id_len > SIPXDP_CALLID_LEN || ev->contact_len > SIPXDP_CONTACT_LEN)
		return false;
	return size >= SIPXDP_EVENT_SIZE(ev->call_id_len, ev->contact_len);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct core *c = ctx;
	struct sipxdp_event ev;
	__u64 now;

	if (core_read_event(data, size, &ev)) {
		now = c->clock == CORE_CLOCK_EVENTS ? ev.ts_ns : c->now_ns;
		c->last_event_ns = now;
		if (c->trace)
			core_trace_event(c->trace, &ev, now);
		/* a 3xx to an INVITE is also a call's outcome */
		if (ev.kind == SIPXDP_EV_REDIRECT)
			redirect_table_feed(c->redirects, &ev, now);
		call_tracker_feed(c->calls, &ev, now);
	}
	return ++c->drained < CORE_DRAIN_BUDGET ? 0 : DRAIN_BUDGET_SPENT;
}

int core_init(struct core *c, struct sipxdp_bpf *skel, const struct core_opts *opts,
	      enum core_clock clock)
{
	struct call_tracker_opts call_opts = {
		.max_calls = opts->max_calls,
		.acks = { .capacity = opts->ack_capacity, .timeout_ns = opts->ack_timeout_ns },
		.peers = opts->peers,
	};

	memset(c, 0, sizeof(*c));
	c->skel = skel;
	c->peers = opts->peers;
	c->per_source_top_n = opts->per_source_top_n;
	c->clock = clock;
	c->ack_timeout_ns = opts->ack_timeout_ns ? opts->ack_timeout_ns : ACK_DEFAULT_TIMEOUT_NS;
	c->calls = call_tracker_new(&call_opts);
	c->acks = c->calls ? call_tracker_acks(c->calls) : NULL;
	c->redirects = redirect_table_new(opts->max_redirect_targets, opts->redirect_max_age_ns);
	if (!c->calls || !c->redirects) {
		pr_err("allocating the call, ACK and redirect tables: %s\n", strerror(ENOMEM));
		goto fail;
	}
	if (loader_fill_peers(skel, c->peers))
		goto fail;
	c->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, c, NULL);
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
	redirect_table_free(c->redirects);
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
	n = ring_buffer__consume(c->rb);
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

	if (more < 0)
		return -1;
	/* Under a flood the budget leaves events in the ring: expire only up
	 * to the last one handled, so no ACK still waiting there leaves its
	 * 2xx missing. */
	if (more && c->last_event_ns < now_ns)
		now_ns = c->last_event_ns;
	call_tracker_expire(c->calls, now_ns);
	redirect_table_expire(c->redirects, now_ns);
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
	if (core_tick(c, now_ns) < 0)
		return -1;
	if (with_maps &&
	    (snapshot_read(&v->snap, bpf_map__fd(skel->maps.counters),
			   bpf_map__fd(skel->maps.requests), bpf_map__fd(skel->maps.responses),
			   bpf_map__fd(skel->maps.sources)) ||
	     snapshot_read_peers(&v->snap, bpf_map__fd(skel->maps.peer_responses))))
		return -1;
	ack_matcher_stats(c->acks, &v->acks);
	call_tracker_stats(c->calls, &v->calls);
	v->n_missed = ack_matcher_missed(c->acks, v->missed, ACK_DEFAULT_MISSED_KEEP);
	return 0;
}

void core_view_free(struct core_view *v)
{
	snapshot_free(&v->snap);
}

struct report core_report(const struct core *c, const struct core_view *v)
{
	return (struct report){
		.snap = &v->snap,
		.acks = &v->acks,
		.ack_matcher = c->acks,
		.calls = c->calls,
		.peers = c->peers,
		.missed = v->missed,
		.n_missed = v->n_missed,
		.redirects = c->redirects,
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
	__u64 evicted = inserts > snap->n_sources ? inserts - snap->n_sources : 0;

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
		.redirects = c->redirects,
		.peers = c->peers,
		.per_source_top_n = c->per_source_top_n,
		.version = SIPXDP_VERSION,
	};
}
