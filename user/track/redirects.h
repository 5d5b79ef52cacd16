/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The targets of 3xx responses: every Contact URI with its code and the
 * source that sent it, a count and the last time seen. Contact URIs are
 * attacker-controlled: kept as seen (bytes, not interpreted), cut to
 * REDIRECT_TARGET_MAX bytes, and at most max_targets distinct entries are
 * kept; the rest are counted as overflow. Plain C, time passed in.
 */
#ifndef SIPXDP_REDIRECTS_H
#define SIPXDP_REDIRECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "sipxdp.h"

#define REDIRECT_TARGET_MAX		256
#define REDIRECT_DEFAULT_MAX_TARGETS	1000
#define CONTACT_MAX_URIS		32	/* URIs taken from one message */

/* One URI inside a Contact value: a span of the value, not a copy. */
struct contact_uri {
	const char *start;
	size_t len;
};

/*
 * Splits Contact header values (several headers joined by ',') into URIs:
 * commas inside <...> or a quoted display name do not split; a URI is the
 * part inside <...>, or a bare URI cut at its first ';' (RFC 3261 20.10:
 * those are header parameters), or "*"; blanks around are dropped; empty
 * items are skipped. Returns the number of URIs written (<= max).
 */
size_t contact_split(const char *value, size_t len, struct contact_uri *out, size_t max);

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

struct redirect_table *redirect_table_new(size_t max_targets);	/* 0: default */
void redirect_table_free(struct redirect_table *t);

/* Feeds one event; only SIPXDP_EV_REDIRECT is used. One entry per URI. */
void redirect_table_feed(struct redirect_table *t, const struct sipxdp_event *ev,
			 __u64 now_ns);

/* Entries in first-seen order; *n gets their number. Valid until the next feed. */
const struct redirect_entry *redirect_table_entries(const struct redirect_table *t,
						    size_t *n);
/* URIs not kept because the table was full. */
__u64 redirect_table_overflow(const struct redirect_table *t);
size_t redirect_table_capacity(const struct redirect_table *t);

#endif /* SIPXDP_REDIRECTS_H */
