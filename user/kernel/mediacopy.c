// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "mediacopy.h"

#define MEDIA_COPY_BATCH	256	/* rows a syscall */

static int compare_rows(const void *a, const void *b)
{
	const struct media_copy_row *x = a, *y = b;

	/* the key has no implicit padding: its bytes are the kernel's hash key */
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static int reserve(struct media_copy *m, size_t more)
{
	size_t cap = m->cap ? m->cap : MEDIA_COPY_BATCH;
	struct media_copy_row *rows;

	if (m->n + more <= m->cap)
		return 0;
	while (cap < m->n + more)
		cap *= 2;
	rows = realloc(m->rows, cap * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	m->rows = rows;
	m->cap = cap;
	return 0;
}

int media_copy_read(struct media_copy *m, int media_streams_fd)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_F_LOCK);
	struct sipxdp_media_key keys[MEDIA_COPY_BATCH], pos;
	struct sipxdp_media_stream *values;
	bool first = true;
	int err;

	m->n = 0;
	values = malloc(MEDIA_COPY_BATCH * sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (;;) {
		__u32 count = MEDIA_COPY_BATCH;

		err = bpf_map_lookup_batch(media_streams_fd, first ? NULL : &pos, &pos, keys,
					   values, &count, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		if (reserve(m, count)) {
			err = -ENOMEM;
			break;
		}
		for (__u32 i = 0; i < count; i++)
			m->rows[m->n++] = (struct media_copy_row){ keys[i], values[i] };
		if (err) {	/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		first = false;
	}
	free(values);
	if (err) {
		m->n = 0;
		return err;
	}
	qsort(m->rows, m->n, sizeof(*m->rows), compare_rows);
	return 0;
}

const struct sipxdp_media_stream *media_copy_find(const struct media_copy *m,
						  const struct sipxdp_media_key *key)
{
	struct media_copy_row want = { .key = *key };
	const struct media_copy_row *row;

	row = m->n ? bsearch(&want, m->rows, m->n, sizeof(want), compare_rows) : NULL;
	return row ? &row->value : NULL;
}

void media_copy_free(struct media_copy *m)
{
	free(m->rows);
	memset(m, 0, sizeof(*m));
}
