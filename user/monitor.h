/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's event side, shared by `run` and `replay`: drains the ring
 * buffer into the ACK matcher and the redirect table. The clock is the
 * caller's: `run` passes CLOCK_MONOTONIC (the clock of the events' ts_ns),
 * `replay` the capture's timestamps.
 */
#ifndef SIPXDP_MONITOR_H
#define SIPXDP_MONITOR_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "ackmatch.h"
#include "redirects.h"

struct monitor_opts {
	__u64 ack_timeout_ns;		/* 0: ACK_DEFAULT_TIMEOUT_NS */
	size_t ack_capacity;		/* 0: ACK_DEFAULT_CAPACITY */
	size_t max_redirect_targets;	/* 0: REDIRECT_DEFAULT_MAX_TARGETS */
};

struct monitor {
	struct ack_matcher *acks;
	struct redirect_table *redirects;
	struct ring_buffer *rb;
	__u64 now_ns;		/* replay: the current packet's time */
	bool use_event_time;	/* run: stamp each event with its own ts_ns */
	FILE *trace;		/* when set, one JSON line per event (replay --events) */
	__u64 ack_timeout_ns;
};

/* 0, or -1 with a message printed. */
int monitor_init(struct monitor *m, int events_fd, const struct monitor_opts *opts,
		 bool use_event_time);
void monitor_destroy(struct monitor *m);

/* Handles every event waiting in the ring buffer; -1 on error. */
int monitor_drain(struct monitor *m);

/* For poll(): readable when events wait. */
int monitor_fd(const struct monitor *m);

#endif /* SIPXDP_MONITOR_H */
