// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <endian.h>
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

/* Entries first..first+n-1 of a per-CPU array of __u64 into out[0..n), summed over CPUs. */
static int read_percpu_range(int fd, __u32 first, __u64 *out, __u32 n)
{
	__u64 *values;
	int ncpus, err = 0;

	values = percpu_buffer(1, &ncpus);
	if (!values)
		return -ENOMEM;
	for (__u32 i = 0; i < n; i++) {
		__u32 key = first + i;

		if (bpf_map_lookup_elem(fd, &key, values)) {
			err = -errno;
			break;
		}
		out[i] = sum_cpus(values, ncpus);
	}
	free(values);
	return err;
}

static int read_percpu_array(int fd, __u64 *out, __u32 n)
{
	return read_percpu_range(fd, 0, out, n);
}

int snapshot_read_counter(int counters_fd, __u32 key, __u64 *out)
{
	return read_percpu_range(counters_fd, key, out, 1);
}

/*
 * All entries of a per-CPU hash whose values are one __u64, BATCH_ROWS at a
 * time (one syscall per batch; element by element where the kernel has no
 * batch support for the map): each batch goes to emit, keys and per-CPU
 * sums, so that only one batch of keys is ever held beside the caller's
 * rows. The per-source map is large (65,536 entries by default): a dump
 * kept whole before being turned into rows would double a scrape's memory.
 */
typedef int (*dump_emit)(void *ctx, const void *keys, const __u64 *counts, size_t n);

struct hash_dump {
	int fd;
	size_t key_size;
	dump_emit emit;
	void *ctx;
	__u8 *keys;		/* BATCH_ROWS keys */
	__u64 *counts;		/* BATCH_ROWS sums */
	__u64 *values;		/* BATCH_ROWS x ncpus */
	int ncpus;
};

static int dump_hash_batch(struct hash_dump *d, bool *unsupported)
{
	__u8 batch_pos[64];	/* opaque cursor: at least the key size */
	bool first = true;
	int err;

	for (;;) {
		__u32 count = BATCH_ROWS;

		err = bpf_map_lookup_batch(d->fd, first ? NULL : batch_pos, batch_pos, d->keys,
					   d->values, &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			/* Before any batch went out, the element walk can start over. */
			*unsupported = first && (err == -EINVAL || err == -ENOTSUPP ||
						 err == -EOPNOTSUPP);
			return err;
		}
		for (__u32 i = 0; i < count; i++)
			d->counts[i] = sum_cpus(d->values + (size_t)i * d->ncpus, d->ncpus);
		if (count) {
			int e = d->emit(d->ctx, d->keys, d->counts, count);

			if (e)
				return e;
		}
		if (err)	/* ENOENT: that was the last batch */
			return 0;
		first = false;
	}
}

static int dump_hash_each(struct hash_dump *d)
{
	__u8 key[64], next[64];
	void *prev = NULL;
	size_t n = 0;
	int err;

	while (bpf_map_get_next_key(d->fd, prev, next) == 0) {
		memcpy(key, next, d->key_size);
		prev = key;
		/* Deleted between the two calls (LRU eviction): skip it. */
		if (bpf_map_lookup_elem(d->fd, key, d->values))
			continue;
		memcpy(d->keys + n * d->key_size, key, d->key_size);
		d->counts[n++] = sum_cpus(d->values, d->ncpus);
		if (n == BATCH_ROWS) {
			err = d->emit(d->ctx, d->keys, d->counts, n);
			if (err)
				return err;
			n = 0;
		}
	}
	if (errno != ENOENT)
		return -errno;
	return n ? d->emit(d->ctx, d->keys, d->counts, n) : 0;
}

static int dump_hash(int fd, size_t key_size, dump_emit emit, void *ctx)
{
	struct hash_dump d = { .fd = fd, .key_size = key_size, .emit = emit, .ctx = ctx };
	bool unsupported = false;
	int err = -ENOMEM;

	if (key_size > 64)
		return -EINVAL;
	d.values = percpu_buffer(BATCH_ROWS, &d.ncpus);
	d.keys = malloc(BATCH_ROWS * key_size);
	d.counts = malloc(BATCH_ROWS * sizeof(*d.counts));
	if (!d.values || !d.keys || !d.counts)
		goto cleanup;
	err = dump_hash_batch(&d, &unsupported);
	if (err && unsupported)
		err = dump_hash_each(&d);
cleanup:
	free(d.values);
	free(d.keys);
	free(d.counts);
	return err;
}

/* Rows of one map, in an array sized to the map's max_entries up front:
 * grown only if the map has more (it cannot, but a count is no promise). */
struct row_array {
	void *rows;
	size_t n, cap, row_size;
};

static int rows_reserve(struct row_array *a, size_t more)
{
	size_t cap = a->cap ? a->cap : BATCH_ROWS;
	void *rows;

	if (a->n + more <= a->cap)
		return 0;
	while (cap < a->n + more)
		cap *= 2;
	rows = realloc(a->rows, cap * a->row_size);
	if (!rows)
		return -ENOMEM;
	a->rows = rows;
	a->cap = cap;
	return 0;
}

static int emit_response_rows(void *ctx, const void *keys, const __u64 *counts, size_t n)
{
	struct row_array *a = ctx;
	const struct sipxdp_response_key *k = keys;
	struct response_row *rows;

	if (rows_reserve(a, n))
		return -ENOMEM;
	rows = (struct response_row *)a->rows + a->n;
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct response_row){
			.code = k[i].code, .direction = k[i].direction,
			.method = k[i].method, .count = counts[i],
		};
	a->n += n;
	return 0;
}

/* The two arrays the `sources` map is read into: responses and requests. */
struct source_arrays {
	struct row_array responses, requests;
};

static int emit_source_rows(void *ctx, const void *keys, const __u64 *counts, size_t n)
{
	struct source_arrays *a = ctx;
	const struct sipxdp_source_key *k = keys;

	for (size_t i = 0; i < n; i++) {
		struct row_array *to = SIPXDP_SOURCE_IS_REQUEST(k[i].code) ? &a->requests
									    : &a->responses;

		if (rows_reserve(to, 1))
			return -ENOMEM;
		((struct source_row *)to->rows)[to->n++] = (struct source_row){
			.addr = k[i].addr, .code = k[i].code, .count = counts[i],
		};
	}
	return 0;
}

/* The big-endian number in 8 bytes: compares as memcmp orders them. */
static __u64 be64_at(const __u8 *p)
{
	__u64 v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

/* -1, 0 or 1 as x sorts before, with or after y: in memcmp's order. */
static int addr_order(const struct sipxdp_addr *x, const struct sipxdp_addr *y)
{
	__u64 a = be64_at(x->bytes), b = be64_at(y->bytes);

	if (a == b) {
		a = be64_at(x->bytes + 8);
		b = be64_at(y->bytes + 8);
	}
	if (a == b) {
		a = x->family;
		b = y->family;
	}
	return a < b ? -1 : a > b;
}

/* Whether x sorts before y: by address (in memcmp's order), then code. */
static bool source_before(const struct source_row *x, const struct source_row *y)
{
	int o = addr_order(&x->addr, &y->addr);

	return o ? o < 0 : x->code < y->code;
}

static void swap_sources(struct source_row *x, struct source_row *y)
{
	struct source_row tmp = *x;

	*x = *y;
	*y = tmp;
}

#define SORT_SMALL	16	/* below this many rows, insertion sort */

/*
 * Quicksort (median of three, Hoare's partition, the loop on the larger
 * side so the stack stays log n deep), comparing inline: qsort's call
 * through a pointer to memcmp for each of the half million comparisons of
 * 30,000 rows, and the megabyte it allocates to merge them, were a third of
 * a scrape.
 */
void snapshot_sort_sources(struct source_row *rows, size_t n)
{
	while (n > SORT_SMALL) {
		struct source_row *mid = rows + n / 2, *last = rows + n - 1, pivot;
		size_t i = 0, j = n - 1;

		if (source_before(mid, rows))
			swap_sources(mid, rows);
		if (source_before(last, mid)) {
			swap_sources(last, mid);
			if (source_before(mid, rows))
				swap_sources(mid, rows);
		}
		pivot = *mid;
		/* rows[0] <= pivot <= rows[n - 1] stop both scans within the array */
		for (;;) {
			while (source_before(&rows[i], &pivot))
				i++;
			while (source_before(&pivot, &rows[j]))
				j--;
			if (i >= j)
				break;
			swap_sources(&rows[i++], &rows[j--]);
		}
		/* rows[0..j] <= pivot <= rows[j + 1..n) */
		if (j + 1 < n - (j + 1)) {
			snapshot_sort_sources(rows, j + 1);
			rows += j + 1;
			n -= j + 1;
		} else {
			snapshot_sort_sources(rows + j + 1, n - (j + 1));
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct source_row row = rows[i];
		size_t k = i;

		for (; k && source_before(&row, &rows[k - 1]); k--)
			rows[k] = rows[k - 1];
		rows[k] = row;
	}
}

static __u32 map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

int snapshot_read(struct snapshot *snap, int counters_fd, int requests_fd,
		  int responses_fd, int sources_fd, struct snapshot_spare *spare)
{
	struct snapshot_spare none = { 0 }, *from = spare ? spare : &none;
	struct row_array responses = {
		.rows = from->responses, .cap = from->responses_cap,
		.row_size = sizeof(struct response_row),
	};
	struct source_arrays sources = {
		.responses = { .rows = from->sources, .cap = from->sources_cap,
			       .row_size = sizeof(struct source_row) },
		.requests = { .rows = from->requests, .cap = from->requests_cap,
			      .row_size = sizeof(struct source_row) },
	};
	int err;

	memset(from, 0, sizeof(*from));	/* the arrays are this snapshot's now */
	memset(snap, 0, sizeof(*snap));
	snap->responses_capacity = map_capacity(responses_fd);
	snap->sources_capacity = map_capacity(sources_fd);
	/* Most rows of a full map are responses: requests grow as they come. */
	err = rows_reserve(&responses, snap->responses_capacity ? snap->responses_capacity : 1);
	if (!err)
		err = rows_reserve(&sources.responses,
				   snap->sources_capacity ? snap->sources_capacity : 1);
	if (!err)
		err = read_percpu_array(counters_fd, snap->counters, SIPXDP_COUNTER_MAX);
	if (!err)
		err = read_percpu_array(requests_fd, &snap->requests[0][0],
					SIPXDP_REQUEST_SLOTS);
	if (!err)
		err = dump_hash(responses_fd, sizeof(struct sipxdp_response_key),
				emit_response_rows, &responses);
	if (!err)
		err = dump_hash(sources_fd, sizeof(struct sipxdp_source_key), emit_source_rows,
				&sources);
	if (err) {
		pr_err("reading the BPF maps: %s\n", strerror(-err));
		free(responses.rows);
		free(sources.responses.rows);
		free(sources.requests.rows);
		snap->responses_capacity = snap->sources_capacity = 0;
		return err;
	}
	snap->responses = responses.rows;
	snap->n_responses = responses.n;
	snap->sources = sources.responses.rows;
	snap->n_sources = sources.responses.n;
	snap->source_requests = sources.requests.rows;
	snap->n_source_requests = sources.requests.n;
	snap->rows = (struct snapshot_spare){
		.responses = responses.rows, .responses_cap = responses.cap,
		.sources = sources.responses.rows, .sources_cap = sources.responses.cap,
		.requests = sources.requests.rows, .requests_cap = sources.requests.cap,
	};
	snapshot_sort_sources(snap->sources, snap->n_sources);
	snapshot_sort_sources(snap->source_requests, snap->n_source_requests);
	return 0;
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

void snapshot_spare_free(struct snapshot_spare *spare)
{
	free(spare->responses);
	free(spare->sources);
	free(spare->requests);
	memset(spare, 0, sizeof(*spare));
}

void snapshot_free_keeping(struct snapshot *snap, struct snapshot_spare *spare)
{
	/* a snapshot that read no map leaves the spare as it was */
	if (snap->rows.responses || snap->rows.sources || snap->rows.requests) {
		snapshot_spare_free(spare);
		*spare = snap->rows;
	}
	memset(&snap->rows, 0, sizeof(snap->rows));
	free(snap->peer_responses);
	snap->responses = NULL;
	snap->sources = NULL;
	snap->source_requests = NULL;
	snap->peer_responses = NULL;
	snap->n_responses = snap->n_sources = snap->n_source_requests = snap->n_peers = 0;
}

void snapshot_free(struct snapshot *snap)
{
	struct snapshot_spare rows = { 0 };

	snapshot_free_keeping(snap, &rows);
	snapshot_spare_free(&rows);
}

__u64 snapshot_packets_seen(const struct snapshot *snap)
{
	__u64 seen = 0;

	for (int r = 0; r < SIPXDP_RESULT_MAX; r++)
		seen += snap->counters[r];
	return seen;
}

/* Whether row i of rows[0..n) is one of addr's: rows are sorted by address. */
static bool row_of(const struct source_row *rows, size_t n, size_t i,
		   const struct sipxdp_addr *addr)
{
	return i < n && !addr_order(&rows[i].addr, addr);
}

bool snapshot_next_source(const struct snapshot *snap, struct source_cursor *cur,
			  struct source_total *out)
{
	const struct source_row *resp = cur->response < snap->n_sources ?
					&snap->sources[cur->response] : NULL;
	const struct source_row *req = cur->request < snap->n_source_requests ?
				       &snap->source_requests[cur->request] : NULL;

	if (!resp && !req)
		return false;
	memset(out, 0, sizeof(*out));
	/* the lower address of the two heads: both arrays are in address order */
	out->addr = resp && (!req || addr_order(&resp->addr, &req->addr) <= 0) ? resp->addr
										 : req->addr;
	out->rows = resp;
	for (; row_of(snap->sources, snap->n_sources, cur->response, &out->addr);
	     cur->response++) {
		const struct source_row *row = &snap->sources[cur->response];
		int c = class_index(row->code);

		out->n_rows++;
		if (c < 0)
			continue;
		out->by_class[c] += row->count;
		out->total += row->count;
	}
	out->requests = req;
	for (; row_of(snap->source_requests, snap->n_source_requests, cur->request, &out->addr);
	     cur->request++) {
		out->n_requests++;
		out->requests_total += snap->source_requests[cur->request].count;
	}
	return true;
}

const struct source_row *snapshot_source_requests(const struct snapshot *snap,
						  const struct sipxdp_addr *addr, size_t *n)
{
	size_t lo = 0, hi = snap->n_source_requests, end;

	/* the first row not before addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr_order(&snap->source_requests[mid].addr, addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < snap->n_source_requests &&
		       !addr_order(&snap->source_requests[end].addr, addr); end++)
		;
	*n = end - lo;
	return *n ? &snap->source_requests[lo] : NULL;
}

static __u64 rank_key(const struct source_total *t, int by)
{
	return by < 0 ? t->total : t->by_class[by];
}

/* Whether a ranks before b: more responses, or as many and more requests,
 * or as many of both and a lower address. */
static bool ranks_before(const struct source_total *a, const struct source_total *b, int by)
{
	__u64 x = rank_key(a, by), y = rank_key(b, by);

	if (x != y)
		return x > y;
	if (a->requests_total != b->requests_total)
		return a->requests_total > b->requests_total;
	return addr_order(&a->addr, &b->addr) < 0;
}

/* heap[0] is the one that ranks last: the one a better address replaces. */
static void sift_down(struct source_total *heap, size_t n, size_t i, int by)
{
	for (;;) {
		size_t worst = i, l = 2 * i + 1, r = l + 1;
		struct source_total tmp;

		if (l < n && ranks_before(&heap[worst], &heap[l], by))
			worst = l;
		if (r < n && ranks_before(&heap[worst], &heap[r], by))
			worst = r;
		if (worst == i)
			return;
		tmp = heap[i];
		heap[i] = heap[worst];
		heap[worst] = tmp;
		i = worst;
	}
}

static void sift_up(struct source_total *heap, size_t i, int by)
{
	while (i) {
		size_t parent = (i - 1) / 2;
		struct source_total tmp;

		if (!ranks_before(&heap[parent], &heap[i], by))
			return;
		tmp = heap[i];
		heap[i] = heap[parent];
		heap[parent] = tmp;
		i = parent;
	}
}

size_t snapshot_top_sources(const struct snapshot *snap, int by, struct source_total *out,
			    size_t n, size_t *n_addresses)
{
	struct source_cursor cur = { 0 };
	struct source_total t;
	size_t kept = 0, seen = 0;

	while (snapshot_next_source(snap, &cur, &t)) {
		seen++;
		if (!n)
			continue;
		if (kept < n) {
			out[kept] = t;
			sift_up(out, kept++, by);
		} else if (ranks_before(&t, &out[0], by)) {
			out[0] = t;
			sift_down(out, kept, 0, by);
		}
	}
	/* Heap order to rank order: the last-ranked goes to the back, each time. */
	for (size_t end = kept; end > 1; end--) {
		struct source_total tmp = out[0];

		out[0] = out[end - 1];
		out[end - 1] = tmp;
		sift_down(out, end - 1, 0, by);
	}
	if (n_addresses)
		*n_addresses = seen;
	return kept;
}
