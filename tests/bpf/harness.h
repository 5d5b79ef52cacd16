/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Running packets through the real, loaded XDP program with
 * BPF_PROG_TEST_RUN: each run checks the verdict is XDP_PASS and the packet
 * came back unchanged, and returns what the run moved in the maps (the maps
 * are emptied before it) and the events it wrote.
 */
#ifndef SIPXDP_TESTS_HARNESS_H
#define SIPXDP_TESTS_HARNESS_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"
#include "packet.h"
#include "snapshot.h"
#include "testlib.h"

#define HARNESS_MAX_EVENTS	64

struct harness {
	struct sipxdp_bpf *skel;
	struct ring_buffer *rb;
	struct sipxdp_event events[HARNESS_MAX_EVENTS];
	int n_events;
	int prog_fd;
};

/* What one run did. */
struct run_out {
	int verdict_ok;		/* XDP_PASS and the packet unchanged */
	struct snapshot delta;	/* maps after the run (they start empty) */
};

static int harness_on_event(void *ctx, void *data, size_t size)
{
	struct harness *h = ctx;

	if (size > sizeof(struct sipxdp_event) || h->n_events >= HARNESS_MAX_EVENTS)
		return 0;
	memset(&h->events[h->n_events], 0, sizeof(struct sipxdp_event));
	memcpy(&h->events[h->n_events], data, size);
	/* the record is exactly as long as its Contact bytes say */
	CHECK_EQ(size, SIPXDP_EVENT_SIZE(h->events[h->n_events].call_id_len,
					 h->events[h->n_events].contact_len));
	h->n_events++;
	return 0;
}

/* Skips the whole program (exit 0 with a reason) when not root. */
static inline int harness_open(struct harness *h, const struct loader_opts *opts)
{
	memset(h, 0, sizeof(*h));
	if (geteuid() != 0) {
		printf("skipped: loading BPF programs needs root\n");
		exit(0);
	}
	log_route_libbpf();
	h->skel = loader_load(opts);
	if (!h->skel)
		return -1;
	if (loader_fill_peers(h->skel, opts->peers))
		return -1;
	h->prog_fd = bpf_program__fd(h->skel->progs.sipxdp_xdp);
	h->rb = ring_buffer__new(bpf_map__fd(h->skel->maps.events), harness_on_event, h, NULL);
	return h->rb ? 0 : -1;
}

static inline void harness_close(struct harness *h)
{
	ring_buffer__free(h->rb);
	sipxdp_bpf__destroy(h->skel);
}

static inline void clear_percpu_array(int fd, __u32 n)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *zeros = calloc(ncpus, sizeof(__u64));

	for (__u32 key = 0; key < n; key++)
		bpf_map_update_elem(fd, &key, zeros, BPF_ANY);
	free(zeros);
}

static inline void clear_hash(int fd)
{
	__u8 key[64];

	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		bpf_map_delete_elem(fd, key);
}

static inline void harness_reset(struct harness *h)
{
	clear_percpu_array(bpf_map__fd(h->skel->maps.counters), SIPXDP_COUNTER_MAX);
	clear_percpu_array(bpf_map__fd(h->skel->maps.requests), SIPXDP_REQUEST_SLOTS);
	clear_hash(bpf_map__fd(h->skel->maps.responses));
	clear_hash(bpf_map__fd(h->skel->maps.sources));
	clear_percpu_array(bpf_map__fd(h->skel->maps.peer_responses),
			   bpf_map__max_entries(h->skel->maps.peer_responses));
	ring_buffer__consume(h->rb);
	h->n_events = 0;
}

static inline int harness_read(struct harness *h, struct snapshot *snap)
{
	return snapshot_read(snap, bpf_map__fd(h->skel->maps.counters),
			     bpf_map__fd(h->skel->maps.requests),
			     bpf_map__fd(h->skel->maps.responses),
			     bpf_map__fd(h->skel->maps.sources)) ||
	       snapshot_read_peers(snap, bpf_map__fd(h->skel->maps.peer_responses));
}

/*
 * One packet through the program: 1 if it passed unchanged, 0 if not,
 * -1 if the test run itself failed (reported).
 */
static inline int harness_pass(struct harness *h, const void *pkt, size_t len)
{
	static unsigned char back[PKT_MAX + 64];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = back,
		.data_size_out = sizeof(back),
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(h->prog_fd, &opts)) {
		fprintf(stderr, "BPF_PROG_TEST_RUN (%zu bytes): %s\n", len, strerror(errno));
		return -1;
	}
	return opts.retval == XDP_PASS && opts.data_size_out == len &&
	       memcmp(back, pkt, len) == 0;
}

/* One packet through the program, from empty maps. */
static inline int harness_run(struct harness *h, const void *pkt, size_t len,
			      struct run_out *out)
{
	int passed;

	harness_reset(h);
	passed = harness_pass(h, pkt, len);
	if (passed < 0)
		return -1;
	out->verdict_ok = passed;
	ring_buffer__consume(h->rb);
	return harness_read(h, &out->delta);
}

/* Sum of the response rows with this code (all directions and methods). */
static inline __u64 delta_code(const struct snapshot *d, unsigned int code)
{
	__u64 n = 0;

	for (size_t i = 0; i < d->n_responses; i++)
		if (d->responses[i].code == code)
			n += d->responses[i].count;
	return n;
}

static inline __u64 delta_responses(const struct snapshot *d)
{
	__u64 n = 0;

	for (size_t i = 0; i < d->n_responses; i++)
		n += d->responses[i].count;
	return n;
}

static inline __u64 delta_requests(const struct snapshot *d)
{
	__u64 n = 0;

	for (int dir = 0; dir < SIPXDP_DIR_MAX; dir++)
		for (int m = 0; m < SIPXDP_METHOD_MAX; m++)
			n += d->requests[dir][m];
	return n;
}

#endif /* SIPXDP_TESTS_HARNESS_H */
