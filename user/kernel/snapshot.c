// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "sip_names.h"
#include "snapshot.h"

#define BATCH_ROWS	1024
#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's own "not supported", seen by batch ops */
#endif

/* Per-CPU values of a map, one __u64 per possible CPU. */
static __u64 *percpu_buffer(size_t rows, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	if (*ncpus <= 0)
		return NULL;
	return calloc(rows * (size_t)*ncpus, sizeof(__u64));
}

static __u64 sum_cpus(const __u64 *values, int ncpus)
{
	__u64 sum = 0;

	for (int cpu = 0; cpu < ncpus; cpu++)
		sum += values[cpu];
	return sum;
}

/* A per-CPU array of __u64 into out[0..n), summed over CPUs. */
static int read_percpu_array(int fd, __u64 *out, __u32 n)
{
	__u64 *values;
	int ncpus, err = 0;

	values = percpu_buffer(1, &ncpus);
	if (!values)
		return -ENOMEM;
	for (__u32 key = 0; key < n; key++) {
		if (bpf_map_lookup_elem(fd, &key, values)) {
			err = -errno;
			break;
		}
		out[key] = sum_cpus(values, ncpus);
	}
	free(values);
	return err;
}

/*
 * All entries of a per-CPU hash whose values are one __u64: keys into a
 * growing array of key_size-byte keys, sums into counts. Batch lookups
 * (one syscall per BATCH_ROWS entries); element by element where the
 * kernel has no batch support for the map.
 */
struct hash_dump {
	void *keys;
	__u64 *counts;
	size_t n, cap;
};

static int dump_reserve(struct hash_dump *d, size_t key_size, size_t more)
{
	size_t cap = d->cap ? d->cap : BATCH_ROWS;
	void *keys;
	__u64 *counts;

	if (d->n + more <= d->cap)
		return 0;
	while (cap < d->n + more)
		cap *= 2;
	keys = realloc(d->keys, cap * key_size);
	if (!keys)
		return -ENOMEM;
	d->keys = keys;
	counts = realloc(d->counts, cap * sizeof(*counts));
	if (!counts)
		return -ENOMEM;
	d->counts = counts;
	d->cap = cap;
	return 0;
}

static int dump_hash_batch(int fd, size_t key_size, struct hash_dump *d, __u64 *values,
			   int ncpus)
{
	__u8 batch_pos[64];	/* opaque cursor: at least the key size */
	bool first = true;
	int err;

	for (;;) {
		__u32 count = BATCH_ROWS;

		err = dump_reserve(d, key_size, BATCH_ROWS);
		if (err)
			return err;
		err = bpf_map_lookup_batch(fd, first ? NULL : batch_pos, batch_pos,
					   (__u8 *)d->keys + d->n * key_size, values,
					   &count, NULL);
		if (err && errno != ENOENT)
			return -errno;
		for (__u32 i = 0; i < count; i++)
			d->counts[d->n + i] = sum_cpus(values + (size_t)i * ncpus, ncpus);
		d->n += count;
		if (err)	/* ENOENT: that was the last batch */
			return 0;
		first = false;
	}
}

static int dump_hash_each(int fd, size_t key_size, struct hash_dump *d, __u64 *values,
			  int ncpus)
{
	__u8 key[64], next[64];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		int err = dump_reserve(d, key_size, 1);

		if (err)
			return err;
		memcpy(key, next, key_size);
		prev = key;
		/* Deleted between the two calls (LRU eviction): skip it. */
		if (bpf_map_lookup_elem(fd, key, values))
			continue;
		memcpy((__u8 *)d->keys + d->n * key_size, key, key_size);
		d->counts[d->n++] = sum_cpus(values, ncpus);
	}
	return errno == ENOENT ? 0 : -errno;
}

static int dump_hash(int fd, size_t key_size, struct hash_dump *d)
{
	__u64 *values;
	int ncpus, err;

	if (key_size > 64)
		return -EINVAL;
	values = percpu_buffer(BATCH_ROWS, &ncpus);
	if (!values)
		return -ENOMEM;
	err = dump_hash_batch(fd, key_size, d, values, ncpus);
	if (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) {
		d->n = 0;
		err = dump_hash_each(fd, key_size, d, values, ncpus);
	}
	free(values);
	return err;
}

static int compare_sources(const void *a, const void *b)
{
	const struct source_row *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	return c ? c : (int)x->code - (int)y->code;
}

static __u32 map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

int snapshot_read(struct snapshot *snap, int counters_fd, int requests_fd,
		  int responses_fd, int sources_fd)
{
	struct hash_dump responses = {}, sources = {};
	int err;

	memset(snap, 0, sizeof(*snap));
	err = read_percpu_array(counters_fd, snap->counters, SIPXDP_COUNTER_MAX);
	if (!err)
		err = read_percpu_array(requests_fd, &snap->requests[0][0],
					SIPXDP_REQUEST_SLOTS);
	if (!err)
		err = dump_hash(responses_fd, sizeof(struct sipxdp_response_key), &responses);
	if (!err)
		err = dump_hash(sources_fd, sizeof(struct sipxdp_source_key), &sources);
	if (err) {
		pr_err("reading the BPF maps: %s\n", strerror(-err));
		goto out;
	}

	snap->responses = calloc(responses.n ? responses.n : 1, sizeof(*snap->responses));
	snap->sources = calloc(sources.n ? sources.n : 1, sizeof(*snap->sources));
	if (!snap->responses || !snap->sources) {
		err = -ENOMEM;
		pr_err("reading the BPF maps: %s\n", strerror(ENOMEM));
		snapshot_free(snap);
		goto out;
	}
	for (size_t i = 0; i < responses.n; i++) {
		const struct sipxdp_response_key *k =
			(const struct sipxdp_response_key *)responses.keys + i;

		snap->responses[i] = (struct response_row){
			.code = k->code, .direction = k->direction,
			.method = k->method, .count = responses.counts[i],
		};
	}
	snap->n_responses = responses.n;
	for (size_t i = 0; i < sources.n; i++) {
		const struct sipxdp_source_key *k =
			(const struct sipxdp_source_key *)sources.keys + i;

		snap->sources[i] = (struct source_row){
			.addr = k->addr, .code = k->code, .count = sources.counts[i],
		};
	}
	snap->n_sources = sources.n;
	qsort(snap->sources, snap->n_sources, sizeof(*snap->sources), compare_sources);
	snap->responses_capacity = map_capacity(responses_fd);
	snap->sources_capacity = map_capacity(sources_fd);
out:
	free(responses.keys);
	free(responses.counts);
	free(sources.keys);
	free(sources.counts);
	return err;
}

int snapshot_read_peers(struct snapshot *snap, int peer_responses_fd)
{
	__u32 slots = map_capacity(peer_responses_fd);
	int err;

	snap->peer_responses = calloc(slots ? slots : 1, sizeof(*snap->peer_responses));
	if (!snap->peer_responses) {
		pr_err("reading the per-peer counters: %s\n", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = read_percpu_array(peer_responses_fd, snap->peer_responses, slots);
	if (err) {
		pr_err("reading the per-peer counters: %s\n", strerror(-err));
		return err;
	}
	snap->n_peers = slots / SIPXDP_CLASSES;
	return 0;
}

void snapshot_free(struct snapshot *snap)
{
	free(snap->responses);
	free(snap->sources);
	free(snap->peer_responses);
	snap->responses = NULL;
	snap->sources = NULL;
	snap->peer_responses = NULL;
	snap->n_responses = snap->n_sources = snap->n_peers = 0;
}

__u64 snapshot_packets_seen(const struct snapshot *snap)
{
	__u64 seen = 0;

	for (int r = 0; r < SIPXDP_RESULT_MAX; r++)
		seen += snap->counters[r];
	return seen;
}

struct source_total *snapshot_fold_sources(const struct snapshot *snap, size_t *n)
{
	struct source_total *t = calloc(snap->n_sources ? snap->n_sources : 1, sizeof(*t));
	size_t count = 0;

	if (!t)
		return NULL;
	for (size_t i = 0; i < snap->n_sources; i++) {
		const struct source_row *row = &snap->sources[i];
		int c = class_index(row->code);

		/* rows are sorted by address: a new address starts a new total */
		if (!count || memcmp(&t[count - 1].rows->addr, &row->addr, sizeof(row->addr)))
			t[count++].rows = row;
		t[count - 1].n_rows++;
		if (c < 0)
			continue;
		t[count - 1].by_class[c] += row->count;
		t[count - 1].total += row->count;
	}
	*n = count;
	return t;
}
