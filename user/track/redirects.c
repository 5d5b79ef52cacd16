// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "redirects.h"

#define NO_ENTRY	UINT32_MAX

/* What the table keeps beside each entry: its hash, and its place in the
 * recency list (oldest first), by entry index. */
struct entry_meta {
	__u64 hash;
	__u32 older, newer;	/* NO_ENTRY at the ends */
};

struct redirect_table {
	struct redirect_entry *entries;	/* first-seen order, but see remove_entry */
	struct entry_meta *meta;	/* meta[i] of entries[i] */
	size_t n, allocated, max;
	__u32 *slots;			/* entry index + 1; 0: empty */
	size_t slot_mask;
	__u32 oldest, newest;		/* the recency list: least recently seen first */
	__u64 seed;
	__u64 max_age_ns, evict_min_age_ns;
	__u64 overflow, evictions, expired;
};

struct redirect_table *redirect_table_new(size_t max_targets, __u64 max_age_ns)
{
	struct redirect_table *t;
	size_t n_slots = 16;

	if (!max_targets)
		max_targets = REDIRECT_DEFAULT_MAX_TARGETS;
	if (!max_age_ns)
		max_age_ns = REDIRECT_DEFAULT_MAX_AGE_NS;
	if (max_targets > UINT32_MAX / 4)
		return NULL;
	/* Load factor at most 1/2 keeps probe runs short. */
	while (n_slots < 2 * max_targets)
		n_slots *= 2;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->slots = calloc(n_slots, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->slot_mask = n_slots - 1;
	t->max = max_targets;
	t->oldest = t->newest = NO_ENTRY;
	t->max_age_ns = max_age_ns;
	t->evict_min_age_ns = max_age_ns < REDIRECT_EVICT_MIN_AGE_NS ? max_age_ns
								     : REDIRECT_EVICT_MIN_AGE_NS;
	t->seed = hash_seed(t);
	return t;
}

void redirect_table_free(struct redirect_table *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t->meta);
	free(t->slots);
	free(t);
}

static __u64 entry_hash(const struct redirect_table *t, const struct redirect_entry *e)
{
	__u64 h = hash_start(t->seed);

	h = hash_bytes(h, &e->code, sizeof(e->code));
	h = hash_bytes(h, &e->source, sizeof(e->source));
	h = hash_bytes(h, &e->target_cut, sizeof(e->target_cut));
	h = hash_bytes(h, e->target, e->target_len);
	return hash_finish(h);
}

static bool same_key(const struct redirect_entry *a, const struct redirect_entry *b)
{
	return a->code == b->code && a->target_cut == b->target_cut &&
	       a->target_len == b->target_len &&
	       memcmp(&a->source, &b->source, sizeof(a->source)) == 0 &&
	       memcmp(a->target, b->target, a->target_len) == 0;
}

/* Room for one more entry: the arrays grow by doubling up to max. */
static bool reserve_entry(struct redirect_table *t)
{
	struct redirect_entry *entries;
	struct entry_meta *meta;
	size_t want;

	if (t->n < t->allocated)
		return true;
	want = t->allocated ? t->allocated * 2 : 16;
	if (want > t->max)
		want = t->max;
	entries = realloc(t->entries, want * sizeof(*entries));
	if (!entries)
		return false;
	t->entries = entries;
	meta = realloc(t->meta, want * sizeof(*meta));
	if (!meta)
		return false;
	t->meta = meta;
	t->allocated = want;
	return true;
}

/* Time since an entry was last seen; 0 for one stamped after now_ns (events
 * of several CPUs do not arrive in time order). */
static __u64 idle_ns(const struct redirect_table *t, __u32 idx, __u64 now_ns)
{
	__u64 last = t->entries[idx].last_seen_ns;

	return now_ns > last ? now_ns - last : 0;
}

static void list_unlink(struct redirect_table *t, __u32 idx)
{
	struct entry_meta *m = &t->meta[idx];

	if (m->older != NO_ENTRY)
		t->meta[m->older].newer = m->newer;
	else
		t->oldest = m->newer;
	if (m->newer != NO_ENTRY)
		t->meta[m->newer].older = m->older;
	else
		t->newest = m->older;
}

static void list_push_newest(struct redirect_table *t, __u32 idx)
{
	t->meta[idx].older = t->newest;
	t->meta[idx].newer = NO_ENTRY;
	if (t->newest != NO_ENTRY)
		t->meta[t->newest].newer = idx;
	else
		t->oldest = idx;
	t->newest = idx;
}

/* The slot that holds entry idx. */
static size_t slot_of(const struct redirect_table *t, __u32 idx)
{
	size_t slot = t->meta[idx].hash & t->slot_mask;

	while (t->slots[slot] != idx + 1)
		slot = (slot + 1) & t->slot_mask;
	return slot;
}

/*
 * Takes entry idx out: its slot is emptied by shifting back the entries of
 * the probe run behind it (no tombstones, so probe runs stay short however
 * often entries come and go), and the last entry moves into its place, so
 * the array stays dense.
 */
static void remove_entry(struct redirect_table *t, __u32 idx)
{
	size_t hole = slot_of(t, idx), j = hole;
	__u32 last = (__u32)(t->n - 1);

	for (;;) {
		size_t home;

		j = (j + 1) & t->slot_mask;
		if (!t->slots[j])
			break;
		home = t->meta[t->slots[j] - 1].hash & t->slot_mask;
		/* An entry whose home lies after the hole, up to j, stays. */
		if (((j - home) & t->slot_mask) < ((j - hole) & t->slot_mask))
			continue;
		t->slots[hole] = t->slots[j];
		hole = j;
	}
	t->slots[hole] = 0;
	list_unlink(t, idx);
	if (idx != last) {
		struct entry_meta *m;

		t->slots[slot_of(t, last)] = idx + 1;
		t->entries[idx] = t->entries[last];
		t->meta[idx] = t->meta[last];
		m = &t->meta[idx];
		if (m->older != NO_ENTRY)
			t->meta[m->older].newer = idx;
		else
			t->oldest = idx;
		if (m->newer != NO_ENTRY)
			t->meta[m->newer].older = idx;
		else
			t->newest = idx;
	}
	t->n--;
}

/* With the table full: drops the least recently seen entry if the policy in
 * redirects.h lets it go. Whether there is room now. */
static bool make_room(struct redirect_table *t, __u64 now_ns)
{
	__u64 idle;

	if (t->oldest == NO_ENTRY)
		return false;
	idle = idle_ns(t, t->oldest, now_ns);
	if (idle >= t->max_age_ns)
		t->expired++;
	else if (idle >= t->evict_min_age_ns)
		t->evictions++;
	else
		return false;
	remove_entry(t, t->oldest);
	return true;
}

static void record(struct redirect_table *t, const struct redirect_entry *key,
		   __u64 now_ns)
{
	__u64 h = entry_hash(t, key);
	size_t slot = h & t->slot_mask;
	struct redirect_entry *e;
	__u32 idx;

	for (; t->slots[slot]; slot = (slot + 1) & t->slot_mask) {
		idx = t->slots[slot] - 1;
		if (t->meta[idx].hash == h && same_key(&t->entries[idx], key)) {
			e = &t->entries[idx];
			e->count++;
			if (now_ns > e->last_seen_ns)
				e->last_seen_ns = now_ns;
			list_unlink(t, idx);
			list_push_newest(t, idx);
			return;
		}
	}
	/* Out of memory counts as full: the URI is not kept either way. */
	if ((t->n >= t->max && !make_room(t, now_ns)) || !reserve_entry(t)) {
		t->overflow++;
		return;
	}
	/* A removal may have shifted the probe run: find the free slot again. */
	for (slot = h & t->slot_mask; t->slots[slot]; slot = (slot + 1) & t->slot_mask)
		;
	idx = (__u32)t->n++;
	e = &t->entries[idx];
	*e = *key;
	e->count = 1;
	e->last_seen_ns = now_ns;
	t->meta[idx].hash = h;
	list_push_newest(t, idx);
	t->slots[slot] = idx + 1;
}

void redirect_table_expire(struct redirect_table *t, __u64 now_ns)
{
	while (t->oldest != NO_ENTRY && idle_ns(t, t->oldest, now_ns) >= t->max_age_ns) {
		remove_entry(t, t->oldest);
		t->expired++;
	}
}

void redirect_table_feed(struct redirect_table *t, const struct sip_event *ev,
			 __u64 now_ns)
{
	struct sip_span uris[CONTACT_MAX_URIS];
	struct redirect_entry key;
	size_t n;

	if (ev->kind != SIP_EV_REDIRECT || !ev->msg)
		return;
	n = sip_contacts(ev->msg, uris, CONTACT_MAX_URIS);
	memset(&key, 0, sizeof(key));
	key.code = ev->status;
	key.source = ev->saddr;
	for (size_t i = 0; i < n; i++) {
		key.target_cut = uris[i].len > REDIRECT_TARGET_MAX;
		key.target_len = key.target_cut ? REDIRECT_TARGET_MAX : uris[i].len;
		memcpy(key.target, uris[i].p, key.target_len);
		key.target[key.target_len] = '\0';
		/*
		 * A NUL would end the C string early. 0xff is never valid UTF-8,
		 * so escaping shows it as U+FFFD just as it would a NUL.
		 */
		for (size_t j = 0; j < key.target_len; j++)
			if (key.target[j] == '\0')
				key.target[j] = (char)0xff;
		record(t, &key, now_ns);
	}
}

const struct redirect_entry *redirect_table_entries(const struct redirect_table *t,
						    size_t *n)
{
	*n = t->n;
	return t->entries;
}

__u64 redirect_table_overflow(const struct redirect_table *t)
{
	return t->overflow;
}

__u64 redirect_table_evictions(const struct redirect_table *t)
{
	return t->evictions;
}

__u64 redirect_table_expired(const struct redirect_table *t)
{
	return t->expired;
}

__u64 redirect_table_max_age_ns(const struct redirect_table *t)
{
	return t->max_age_ns;
}

size_t redirect_table_capacity(const struct redirect_table *t)
{
	return t->max;
}
