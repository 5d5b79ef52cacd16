/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The bounded table the trackers keep their transactions in (the INVITE
 * 2xx/ACK matcher, the calls, the OPTIONS/REGISTER transactions): a pool of
 * fixed-size entries allocated once, so no event ever allocates; a chained
 * hash table keyed by a seeded hash of the Call-ID (not of the rest of the
 * key: an ACK whose CSeq was cut off is found by Call-ID alone, a BYE finds
 * its call, whose CSeq differs); and a few intrusive lists, each in the
 * order entries joined it, so expiry and eviction only look at list heads.
 *
 * An entry starts with a struct txn_link; the table never looks past it.
 */
#ifndef SIPXDP_TXTABLE_H
#define SIPXDP_TXTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include "event.h"
#include "sipxdp.h"

#define TXN_LISTS	3	/* lists a table keeps; what each means is its user's */

struct txn_node {
	struct txn_node *prev, *next;
};

struct txn_link {
	struct txn_link *hash_next;	/* bucket chain, or the free list */
	struct txn_node node;		/* on one of the lists */
	__u64 hash;
	__u8 list;
};

/* Hash of a Call-ID; NULL in txn_table_init: seeded FNV-1a. Tests force
 * collisions with their own. */
typedef __u64 (*txn_hash_fn)(const char *call_id, size_t len);

struct txn_table {
	size_t capacity;
	size_t elem_size;
	size_t entries;
	size_t on_list[TXN_LISTS];
	txn_hash_fn hash;
	__u64 seed;
	struct txn_link **buckets;
	size_t bucket_mask;
	char *pool;		/* entries past pool_used were never handed out */
	size_t pool_used;
	struct txn_link *free_list;
	struct txn_node lists[TXN_LISTS];
};

/* 0, or -1 when out of memory (then txn_table_destroy is still safe). */
int txn_table_init(struct txn_table *t, size_t capacity, size_t elem_size, txn_hash_fn hash);
void txn_table_destroy(struct txn_table *t);

__u64 txn_table_hash(const struct txn_table *t, const char *call_id, size_t len);

/* The first entry of hash's chain; go on with ->hash_next and check ->hash. */
struct txn_link *txn_table_chain(const struct txn_table *t, __u64 hash);

static inline bool txn_table_full(const struct txn_table *t)
{
	return t->entries == t->capacity;
}

/* A zeroed entry on the tail of list; the table must not be full. */
struct txn_link *txn_table_insert(struct txn_table *t, __u64 hash, unsigned int list);
void txn_table_remove(struct txn_table *t, struct txn_link *l);
/* Moves l to the tail of list (also when already on it). */
void txn_table_move(struct txn_table *t, struct txn_link *l, unsigned int list);
/* The entry that joined list first, or NULL. */
struct txn_link *txn_table_oldest(const struct txn_table *t, unsigned int list);
/* The entry that joined l's list after l, or NULL. */
struct txn_link *txn_table_next(const struct txn_table *t, const struct txn_link *l);

/* The keys the trackers share. */

static inline bool addr_equal(const struct sipxdp_addr *a, const struct sipxdp_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

/* A hop is the unordered pair of addresses: a reply, a relayed copy seen on a
 * mirror port, and the message itself all travel the same hop. */
static inline bool hop_equal(const struct sipxdp_addr *a1, const struct sipxdp_addr *b1,
			     const struct sipxdp_addr *a2, const struct sipxdp_addr *b2)
{
	return (addr_equal(a1, a2) && addr_equal(b1, b2)) ||
	       (addr_equal(a1, b2) && addr_equal(b1, a2));
}

/* The far end of a message's hop, seen from this host: where it came from
 * when it came in (XDP), where it went when it went out (TC). */
static inline const struct sipxdp_addr *event_remote(const struct sip_event *ev)
{
	return ev->direction == SIPXDP_DIR_EGRESS ? &ev->daddr : &ev->saddr;
}

#endif /* SIPXDP_TXTABLE_H */
