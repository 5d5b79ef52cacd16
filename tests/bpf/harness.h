/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Running packets through the real, loaded XDP program with
 * BPF_PROG_TEST_RUN: each run checks the verdict is XDP_PASS and the packet
 * came back unchanged, and returns what the run moved in the maps (the maps
 * are emptied before it) and the records it wrote, each kept whole: the
 * header and the message's bytes.
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
#include "sipmsg.h"
#include "snapshot.h"
#include "testlib.h"

#define HARNESS_MAX_EVENTS	64
#define HARNESS_MAX_CPUS	1024

/* One ring-buffer record as the program wrote it. */
struct harness_record {
	struct sipxdp_event hdr;
	char bytes[SIPXDP_MSG_MAX];	/* hdr.len of them */
};

struct harness {
	struct sipxdp_bpf *skel;
	struct ring_buffer *rb;
	struct harness_record *records;	/* HARNESS_MAX_EVENTS, the first kept */
	int n_events;			/* records read since the last reset */
	int bad_records;		/* records whose size is not header + len */
	__u64 seq_gaps;			/* records missing between two of one CPU */
	__u64 last_seq[HARNESS_MAX_CPUS];	/* per CPU, 0: none read yet */
	int prog_fd;
};

/* What one run did. */
struct run_out {
	int verdict_ok;		/* XDP_PASS and the packet unchanged */
	struct snapshot delta;	/* maps after the run (they start empty) */
};

/*
 * Keeps the record: the header and its bytes, which must be exactly the
 * rest of it. A jump in a CPU's seq is counted, not judged here: a full
 * ring loses records on purpose, and the tests that expect none check it.
 */
static int harness_on_event(void *ctx, void *data, size_t size)
{
	struct harness *h = ctx;
	const struct sipxdp_event *ev = data;
	struct harness_record *r;

	if (size < sizeof(*ev) || ev->len > SIPXDP_MSG_MAX || size != sizeof(*ev) + ev->len ||
	    ev->cpu >= HARNESS_MAX_CPUS) {
		fprintf(stderr, "record of %zu bytes does not add up\n", size);
		h->bad_records++;
		return 0;
	}
	if (h->last_seq[ev->cpu] && ev->seq != h->last_seq[ev->cpu] + 1)
		h->seq_gaps += ev->seq - h->last_seq[ev->cpu] - 1;
	h->last_seq[ev->cpu] = ev->seq;
	if (h->n_events < HARNESS_MAX_EVENTS) {
		r = &h->records[h->n_events];
		r->hdr = *ev;
		memcpy(r->bytes, ev + 1, ev->len);
	}
	h->n_events++;
	return 0;
}

/* The i-th record read since the last reset; NULL past those kept. */
static inline const struct harness_record *harness_record(const struct harness *h, int i)
{
	return i >= 0 && i < h->n_events && i < HARNESS_MAX_EVENTS ? &h->records[i] : NULL;
}

/* The agent's parse of a record's bytes, as the core does it. */
static inline enum sip_kind harness_parse(const struct harness_record *r, struct sip_msg *m)
{
	return sip_parse(r->bytes, r->hdr.len, m);
}

/*
 * The differential oracle on one record: the agent's parser (user/sip/)
 * must read the message as the kernel counted it. `last` says whether it
 * is the last record of its packet (the kernel ends a message at the end
 * of the payload only there). NULL when they agree, else what differs.
 */
static inline const char *harness_disagreement(const struct harness_record *r, bool last)
{
	static struct sip_msg m;
	const struct sipxdp_event *ev = &r->hdr;
	enum sip_kind kind = harness_parse(r, &m);
	__u32 want_len = ev->msg_len < SIPXDP_MSG_MAX ? ev->msg_len : SIPXDP_MSG_MAX;
	__u32 num;
	__u8 method;

	if (ev->len != want_len)
		return "len is not min(msg_len, SIPXDP_MSG_MAX)";
	if (!!(ev->flags & SIPXDP_EVF_CUT) != (ev->len < ev->msg_len))
		return "the CUT flag does not say len < msg_len";
	if (ev->status) {
		if (kind != SIP_RESPONSE)
			return "kernel counted a response, the parser reads no response";
		if (m.status != ev->status)
			return "response status differs";
		if (!sip_cseq(&m, &num, &method))
			method = SIPXDP_M_UNKNOWN;
		if (method != ev->method)
			return method == SIPXDP_M_UNKNOWN || ev->method == SIPXDP_M_UNKNOWN ?
			       "a valid CSeq for one side only" : "CSeq method differs";
	} else {
		if (kind != SIP_REQUEST)
			return "kernel counted a request, the parser reads no request";
		if (m.method != ev->method)
			return "request method differs";
	}
	if (ev->transport == IPPROTO_TCP) {
		bool framed = m.has_content_length && m.headers_ended;
		__u64 end = framed ? (__u64)(m.body.p - r->bytes) + m.content_length : 0;

		/* Content-Length ends the message, or the payload does, before it
		 * ends: then nothing follows in the segment. */
		if (framed && ev->msg_len != end && (!last || ev->msg_len > end))
			return "msg_len is not where Content-Length ends the message";
		if (!framed && !last && ev->len == ev->msg_len)
			return "the kernel found a next message, the parser no Content-Length";
	}
	return NULL;
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
	h->records = calloc(HARNESS_MAX_EVENTS, sizeof(*h->records));
	if (!h->records)
		return -1;
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
	free(h->records);
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

/* Forgets the records read: the next run's are the only ones kept. */
static inline void harness_forget_records(struct harness *h)
{
	h->n_events = 0;
	h->bad_records = 0;
}

/*
 * Empty maps, and no record left in the ring. The counters restart every
 * CPU's seq at 1, so the seqs seen before are forgotten too.
 */
static inline void harness_reset(struct harness *h)
{
	ring_buffer__consume(h->rb);
	clear_percpu_array(bpf_map__fd(h->skel->maps.counters), SIPXDP_COUNTER_MAX);
	clear_percpu_array(bpf_map__fd(h->skel->maps.requests), SIPXDP_REQUEST_SLOTS);
	clear_hash(bpf_map__fd(h->skel->maps.responses));
	clear_hash(bpf_map__fd(h->skel->maps.sources));
	clear_percpu_array(bpf_map__fd(h->skel->maps.peer_responses),
			   bpf_map__max_entries(h->skel->maps.peer_responses));
	harness_forget_records(h);
	h->seq_gaps = 0;
	memset(h->last_seq, 0, sizeof(h->last_seq));
}
static inline int harness_read(struct harness *h, struct snapshot *snap)
{
	return snapshot_read(snap, bpf_map__fd(h->skel->maps.counters),
			     bpf_map__fd(h->skel->maps.requests),
			     bpf_map__fd(h->skel->maps.responses),
			     bpf_map__fd(h->skel->maps.sources), NULL) ||
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
