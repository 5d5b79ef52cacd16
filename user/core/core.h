/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's core: what `run` and `replay` share. It owns the loaded
 * program's maps, the event drain (ring buffer into the call tracker, with
 * its ACK matcher, the redirect table and the registrations), the clock, the tick (drain,
 * then expire) and the view of everything the reports and /metrics are
 * made from. The drivers only feed it: `run` from interfaces, each event on
 * its own CLOCK_MONOTONIC time stamp; `replay` from a capture, on the
 * capture's clock.
 */
#ifndef SIPXDP_CORE_H
#define SIPXDP_CORE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "ackmatch.h"
#include "calls.h"
#include "event.h"
#include "loader.h"
#include "media.h"
#include "mediacopy.h"
#include "metrics.h"
#include "peers.h"
#include "redirects.h"
#include "registrations.h"
#include "report.h"
#include "sipmsg.h"
#include "snapshot.h"
#include "suspects.h"

/* Events handled per drain: a flood must not starve HTTP or the tick. */
#define CORE_DRAIN_BUDGET	8192

struct core_opts {
	__u64 ack_timeout_ns;		/* 0: ACK_DEFAULT_TIMEOUT_NS */
	size_t ack_capacity;		/* 0: ACK_DEFAULT_CAPACITY */
	size_t max_calls;		/* 0: CALL_DEFAULT_CAPACITY */
	__u64 max_call_duration_ns;	/* 0: CALL_DEFAULT_MAX_DURATION_NS */
	size_t max_media_streams;	/* 0: MEDIA_DEFAULT_MAX_STREAMS */
	__u64 one_way_after_ns;		/* 0: MEDIA_DEFAULT_ONE_WAY_AFTER_NS */
	__u64 media_timeout_ns;		/* 0: MEDIA_DEFAULT_TIMEOUT_NS */
	size_t max_redirect_targets;	/* 0: REDIRECT_DEFAULT_MAX_TARGETS */
	__u64 redirect_max_age_ns;	/* 0: REDIRECT_DEFAULT_MAX_AGE_NS */
	size_t max_registrations;	/* 0: REG_DEFAULT_CAPACITY */
	size_t max_suspects;		/* 0: SUSPECT_DEFAULT_CAPACITY */
	unsigned int suspect_auth_failures;	/* 0: SUSPECT_DEFAULT_AUTH_FAILURES */
	unsigned int suspect_users;		/* 0: SUSPECT_DEFAULT_USERS */
	unsigned int suspect_request_rate;	/* 0: SUSPECT_DEFAULT_REQUEST_RATE */
	unsigned int per_source_top_n;	/* /metrics: sipxdp_source_* series */
	struct peer_map *peers;		/* taken over by the core; NULL: all "other" */
};

/*
 * The records the core read, and those the kernel wrote that never came:
 * each CPU numbers the records it tries to write (sipxdp.h: seq), so a jump
 * between two records of one CPU is that many lost (the ring was full),
 * somewhere between their two times. A CPU's first record only starts its
 * count: what went before it is not known.
 */
struct core_records {
	__u64 handled;			/* records read, parsed and fed */
	__u64 invalid;			/* ignored: sizes that do not add up, or no such CPU */
	__u64 gaps;			/* jumps in a CPU's seq */
	__u64 gap_records;		/* records missing in those jumps */
	__u64 last_gap_from_ns;		/* the last jump: the time of the record before it */
	__u64 last_gap_to_ns;		/* ... and of the record after it (ts_ns) */
};

/* The last record of one CPU. */
struct core_cpu_seq {
	__u64 seq;			/* 0: none yet */
	__u64 ts_ns;
};

/* Whose clock times the events. */
enum core_clock {
	CORE_CLOCK_EVENTS,	/* each event's ts_ns (CLOCK_MONOTONIC): run */
	CORE_CLOCK_FED,		/* the time core_set_time gave last: replay */
};

struct core {
	struct sipxdp_bpf *skel;	/* the loaded program and its maps */
	struct ring_buffer *rb;
	struct call_tracker *calls;	/* calls, OPTIONS/REGISTER, and the ACK matcher */
	const struct ack_matcher *acks;	/* the tracker's */
	struct media_tracker *media;	/* the streams SDP negotiated */
	struct redirect_table *redirects;
	struct registration_table *registrations;
	struct suspect_table *suspects;
	struct peer_map *peers;
	unsigned int per_source_top_n;
	__u64 ack_timeout_ns;
	enum core_clock clock;
	__u64 now_ns;			/* CORE_CLOCK_FED: the current time */
	size_t drained;			/* events handled in this drain */
	__u64 last_event_ns;		/* time of the last event handled */
	__u64 source_evictions;		/* the most /metrics has shown: it never drops */
	__u64 events_lost;		/* the kernel's count at the last tick */
	FILE *trace;			/* when set, one JSON line per event */
	struct core_records records;
	struct core_cpu_seq *cpu_seq;	/* n_cpus */
	unsigned int n_cpus;
	struct sip_msg msg;		/* the parse of the record being handled */
	__u64 *percpu;			/* n_cpus values: one per-CPU row read */
	struct snapshot_spare snapshot_rows;	/* the last view's, for the next */
	struct media_copy media_copy;	/* the media map, read whole once a second */
	bool media_copied;		/* media_copy is the map's now: reads use it */
};

/* Everything a report or a scrape shows, taken at one time. */
struct core_view {
	__u64 now_ns;			/* when it was taken */
	struct snapshot snap;
	struct snapshot_spare *keep_rows;	/* where snap's row arrays go back */
	struct ack_stats acks;
	struct call_stats calls;
	struct media_stats media;
	struct registration_stats registrations;
	struct suspect_stats suspects;
	struct core_records records;
	const struct ack_missed *missed[ACK_DEFAULT_MISSED_KEEP];	/* newest first */
	size_t n_missed;
};

/*
 * Takes over skel (loaded: its ring buffer must exist) and opts->peers,
 * also on failure. skel NULL: no program, so no maps nor ring buffer, and
 * records come only through core_handle_record (tests, fuzzing). 0, or -1
 * with a message printed.
 */
int core_init(struct core *c, struct sipxdp_bpf *skel, const struct core_opts *opts,
	      enum core_clock clock);
void core_destroy(struct core *c);

/*
 * One ring-buffer record as the kernel wrote it, size bytes at data (any
 * alignment): its header is checked (size at least the header, len at most
 * SIPXDP_MSG_MAX and within size, a CPU libbpf knows), its seq counted, its
 * bytes parsed, and the event fed to the trackers when it is one of theirs.
 * False when it was ignored (counted in records.invalid).
 */
bool core_handle_record(struct core *c, const void *data, size_t size);

/* One record as the JSON line `replay --events` writes, timed now: what the
 * parser read (ev and ev->msg) beside the record's header. */
void core_trace_event(FILE *out, const struct sipxdp_event *rec, const struct sip_event *ev,
		      __u64 now);

/* For poll(): readable when a batch of events waits. */
int core_fd(const struct core *c);

/* Handles up to CORE_DRAIN_BUDGET waiting events: 0 when none is left,
 * 1 when more wait, -1 on error (printed). */
int core_drain(struct core *c);

/* The tick: drains what waits (one budget), notes a rise of the kernel's
 * lost events count, lets the suspects' flood watch read the kernel's
 * per-source request counts (once a second, at now_ns: when they were
 * read), then expires what timed out by now_ns, in that order:
 * an ACK still in the ring must not leave its 2xx missing, a lost one must
 * leave it unverified, and a 3xx still there must not see its target aged
 * out. The call tracker (ACKs, calls, OPTIONS/REGISTER) first, then
 * the media tracker (and, once a second, its streams' figures read from
 * the kernel), then redirect targets and registrations. Returns
 * core_drain's 0, 1 (more wait) or -1. */
int core_tick(struct core *c, __u64 now_ns);

/*
 * The kernel's count of lost events (SIPXDP_CNT_EVENTS_LOST) at now_ns: a
 * rise since the last one is a loss of records up to now_ns, which the
 * trackers are told of (call_tracker_gap). core_tick reads it itself.
 */
void core_note_events_lost(struct core *c, __u64 events_lost, __u64 now_ns);

/* CORE_CLOCK_FED: the time of what is fed next. */
void core_set_time(struct core *c, __u64 now_ns);

/* Replay's end: drains, then lets the clock run past every timeout. */
int core_finish(struct core *c);

/* The agent's clock, the one its events are stamped with (CLOCK_MONOTONIC). */
__u64 core_monotonic_ns(void);

/* Ticks at now_ns, then reads the trackers, and the maps when with_maps
 * (and there is a program), into v. 0, or -1 with a message; core_view_free in both cases. */
int core_view(struct core *c, __u64 now_ns, bool with_maps, struct core_view *v);
void core_view_free(struct core_view *v);

/* What the reports and the exposition take from a view. */
struct report core_report(const struct core *c, const struct core_view *v);
struct metrics_input core_metrics(struct core *c, const struct core_view *v);

#endif /* SIPXDP_CORE_H */
