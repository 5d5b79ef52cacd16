/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The media_streams map read whole. The agent reads every live stream's
 * figures once a second: a lookup each was a syscall a stream (20,000
 * streams, 20,000 a second). Read whole, it is a syscall a batch of rows,
 * each row under its stream's lock (BPF_F_LOCK) as a lookup would have
 * it, and each stream is then found in the copy, sorted by key.
 */
#ifndef SIPXDP_MEDIACOPY_H
#define SIPXDP_MEDIACOPY_H

#include <stdbool.h>
#include <stddef.h>
#include "sipxdp_media.h"

struct media_copy_row {
	struct sipxdp_media_key key;
	struct sipxdp_media_stream value;
};

/* Zeroed at first; its rows are kept from one read to the next. */
struct media_copy {
	struct media_copy_row *rows;	/* sorted by key */
	size_t n, cap;
};

/* 0, or -errno (no batch reads on this map, out of memory): then the copy
 * is empty and the caller looks each stream up itself. */
int media_copy_read(struct media_copy *m, int media_streams_fd);
/* The stream's row, or NULL when the map had none for it. */
const struct sipxdp_media_stream *media_copy_find(const struct media_copy *m,
						  const struct sipxdp_media_key *key);
void media_copy_free(struct media_copy *m);

#endif /* SIPXDP_MEDIACOPY_H */
