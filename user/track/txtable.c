// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "txtable.h"

#define link_of(n) ((struct txn_link *)((char *)(n) - offsetof(struct txn_link, node)))

int txn_table_init(struct txn_table *t, size_t capacity, size_t elem_size, txn_hash_fn hash)
{
	size_t nbuckets = 1;

	memset(t, 0, sizeof(*t));
	/* A power of two at least the capacity keeps chains about one long. */
	while (nbuckets < capacity) {
		if (nbuckets > SIZE_MAX / 2)
			return -1;
		nbuckets <<= 1;
	}
	t->capacity = capacity;
	t->elem_size = elem_size;
	t->hash = hash;
	t->seed = hash_seed(t);
	t->bucket_mask = nbuckets - 1;
	for (int i = 0; i < TXN_LISTS; i++)
		t->lists[i].prev = t->lists[i].next = &t->lists[i];
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	t->pool = calloc(capacity ? capacity : 1, elem_size);
	return t->buckets && t->pool ? 0 : -1;
}

void txn_table_destroy(struct txn_table *t)
{
	free(t->buckets);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

/* Seeded: the Call-IDs come from packets. */
__u64 txn_table_hash(const struct txn_table *t, const char *call_id, size_t len)
{
	if (t->hash)
		return t->hash(call_id, len);
	return hash_finish(hash_bytes(hash_start(t->seed), call_id, len));
}

struct txn_link *txn_table_chain(const struct txn_table *t, __u64 hash)
{
	return t->buckets[hash & t->bucket_mask];
}

static void node_del(struct txn_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

static void node_add_tail(struct txn_node *head, struct txn_node *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

struct txn_link *txn_table_insert(struct txn_table *t, __u64 hash, unsigned int list)
{
	struct txn_link *l = t->free_list;
	struct txn_link **bucket = &t->buckets[hash & t->bucket_mask];

	if (l)
		t->free_list = l->hash_next;
	else
		l = (struct txn_link *)(t->pool + t->pool_used++ * t->elem_size);
	memset(l, 0, t->elem_size);
	l->hash = hash;
	l->list = list;
	l->hash_next = *bucket;
	*bucket = l;
	node_add_tail(&t->lists[list], &l->node);
	t->on_list[list]++;
	t->entries++;
	return l;
}

void txn_table_remove(struct txn_table *t, struct txn_link *l)
{
	struct txn_link **pp = &t->buckets[l->hash & t->bucket_mask];

	while (*pp != l)
		pp = &(*pp)->hash_next;
	*pp = l->hash_next;
	node_del(&l->node);
	t->on_list[l->list]--;
	t->entries--;
	l->hash_next = t->free_list;
	t->free_list = l;
}

void txn_table_move(struct txn_table *t, struct txn_link *l, unsigned int list)
{
	node_del(&l->node);
	t->on_list[l->list]--;
	l->list = list;
	node_add_tail(&t->lists[list], &l->node);
	t->on_list[list]++;
}

struct txn_link *txn_table_oldest(const struct txn_table *t, unsigned int list)
{
	const struct txn_node *head = &t->lists[list];

	return head->next == head ? NULL : link_of(head->next);
}

struct txn_link *txn_table_next(const struct txn_table *t, const struct txn_link *l)
{
	return l->node.next == &t->lists[l->list] ? NULL : link_of(l->node.next);
}
