/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hashing of bytes that came from packets, for the agent's tables: FNV-1a
 * from a secret per-table seed, so nobody can plan collisions that turn a
 * table into one long chain. Not cryptographic.
 */
#ifndef SIPXDP_HASH_H
#define SIPXDP_HASH_H

#include <stddef.h>
#include <linux/types.h>

/* A random seed (getrandom); the address of `salt` if none can be had. */
__u64 hash_seed(const void *salt);
/* The starting value of a hash with this seed. */
__u64 hash_start(__u64 seed);
/* Folds len bytes into h (FNV-1a). */
__u64 hash_bytes(__u64 h, const void *data, size_t len);
/* Mixes the high bits into the low ones, which pick the bucket. */
__u64 hash_finish(__u64 h);

#endif /* SIPXDP_HASH_H */
