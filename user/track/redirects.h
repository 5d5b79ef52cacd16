/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The targets of 3xx responses: every Contact URI with its code and the
 * source that sent it, a count and the last time seen. Contact URIs are
 * attacker-controlled: kept as seen (bytes, not interpreted), cut to
 * REDIRECT_TARGET_MAX bytes, and at most max_targets distinct entries are
 * kept. Plain C, time passed in.
 *
 * The table ages, so that what filled it once does not hold it for good:
 *   - an entry not seen for max_age_ns is dropped (expired), by
 *     redirect_table_expire or, when the table is full, by the feed that
 *     needs its room;
 *   - a new URI that finds the table full takes the place of the least
 *     recently seen entry if that one has not been seen for
 *     REDIRECT_EVICT_MIN_AGE_NS (or max_age_ns, if shorter): it is evicted;
 *   - otherwise the new URI is not kept and counts as overflow.
 * So a flood of distinct (spoofed) targets cannot push out the targets that
 * are in use: everything seen within the last minute stays, and the flood
 * shows as overflow. What the flood left behind makes room again after a
 * minute without it, and is gone after max_age_ns whatever comes.
 */
#ifndef SIPXDP_REDIRECTS_H
#define SIPXDP_REDIRECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "event.h"
#include "sipxdp.h"

#define REDIRECT_TARGET_MAX		256
#define REDIRECT_DEFAULT_MAX_TARGETS	1000
#define REDIRECT_DEFAULT_MAX_AGE_NS	(3600ull * 1000000000ull)
#define REDIRECT_EVICT_MIN_AGE_NS	(60ull * 1000000000ull)
#define CONTACT_MAX_URIS		32	/* URIs taken from one message */

struct redirect_entry {
	__u16 code;
	struct sipxdp_addr source;
	char target[REDIRECT_TARGET_MAX + 1];	/* NUL-terminated; may hold any byte but NUL */
	size_t target_len;
	bool target_cut;	/* the URI was longer than REDIRECT_TARGET_MAX */
	__u64 count;
	__u64 last_seen_ns;
};

struct redirect_table;

/* max_targets 0: REDIRECT_DEFAULT_MAX_TARGETS; max_age_ns 0:
 * REDIRECT_DEFAULT_MAX_AGE_NS. NULL when out of memory or too large. */
struct redirect_table *redirect_table_new(size_t max_targets, __u64 max_age_ns);
void redirect_table_free(struct redirect_table *t);

/* Feeds one event; only SIP_EV_REDIRECT is used. One entry per URI of its
 * Contact headers (sip_contacts: the first CONTACT_MAX_URIS). */
void redirect_table_feed(struct redirect_table *t, const struct sip_event *ev,
			 __u64 now_ns);

/* Drops the entries not seen for max_age_ns by now_ns. */
void redirect_table_expire(struct redirect_table *t, __u64 now_ns);

/* Entries in first-seen order, except that a dropped entry's place goes to
 * the last one; *n gets their number. Valid until the next feed or expire. */
const struct redirect_entry *redirect_table_entries(const struct redirect_table *t,
						    size_t *n);
/* URIs not kept because the table was full of entries seen too recently. */
__u64 redirect_table_overflow(const struct redirect_table *t);
/* Entries dropped to make room for a new URI. */
__u64 redirect_table_evictions(const struct redirect_table *t);
/* Entries dropped because they were not seen for max_age_ns. */
__u64 redirect_table_expired(const struct redirect_table *t);
size_t redirect_table_capacity(const struct redirect_table *t);
__u64 redirect_table_max_age_ns(const struct redirect_table *t);

#endif /* SIPXDP_REDIRECTS_H */
