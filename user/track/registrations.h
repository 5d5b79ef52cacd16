/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Registrations: the bindings (AoR, Contact URI) a registrar granted, per
 * peer. Plain C, time passed in (ns, any monotonic origin).
 *
 * - A REGISTER (Call-ID, CSeq number, hop) waits for its final response in
 *   a table of its own, with its AoR (its To URI), its Contact URIs (the
 *   first REG_CONTACTS_PER_REGISTER) and the expiry each asked for. A
 *   retransmission finds it waiting; it is forgotten after 64*T1.
 * - Only a 2xx to it changes bindings, for every Contact URI it carried:
 *   alive for the expiry the 2xx granted, else the one it asked for; in
 *   each message the Contact's expires parameter wins over the Expires
 *   header; with neither, REG_DEFAULT_EXPIRES_S. A 2xx's Contact is the
 *   REGISTER's when their URIs are the same bytes. Granted 0 removes the
 *   binding; a "*" Contact removes every binding of the AoR at that peer.
 *   A challenge (401, 407) or a refusal changes nothing.
 * - The peer is the far end of the REGISTER's hop (peers.h), named by
 *   --peers, else "other".
 * - A binding ends when its expiry passes (registration_table_expire), at a
 *   removal, or when the table is full and a new binding needs its room:
 *   the one refreshed longest ago goes (evicted).
 *
 * AoRs and Contact URIs come from packets: kept as bytes, cut to
 * REG_URI_MAX (two that differ only past the cut are one binding), and
 * never a label: only per-peer counts leave this table.
 */
#ifndef SIPXDP_REGISTRATIONS_H
#define SIPXDP_REGISTRATIONS_H

#include <stddef.h>
#include <linux/types.h>
#include "event.h"
#include "peers.h"

#define REG_DEFAULT_CAPACITY		65536	/* bindings; ~300 bytes each */
#define REG_PENDING_CAPACITY		4096	/* REGISTERs awaiting their final response */
#define REG_URI_MAX			128
#define REG_CONTACTS_PER_REGISTER	8
#define REG_DEFAULT_EXPIRES_S		3600	/* RFC 3261 10.2.1.1 */

struct registration_stats {
	__u64 entries;		/* bindings alive */
	__u64 capacity;
	__u64 evicted;		/* bindings dropped for a new one: the table was full */
	__u64 pending_entries;	/* REGISTERs awaiting their final response */
	__u64 pending_capacity;
	__u64 pending_evicted;	/* REGISTERs dropped unanswered: that table was full */
};

struct registration_table;

/* capacity 0: REG_DEFAULT_CAPACITY. peers is not owned (NULL: every peer is
 * "other"). NULL when out of memory. */
struct registration_table *registration_table_new(const struct peer_map *peers,
						  size_t capacity);
void registration_table_free(struct registration_table *t);

/* Feeds one event (after expiring what ran out by now_ns); only REGISTERs
 * and the responses to them are used. */
void registration_table_feed(struct registration_table *t, const struct sip_event *ev,
			     __u64 now_ns);
/* Drops the bindings whose expiry passed by now_ns, and forgets the
 * REGISTERs that waited 64*T1. */
void registration_table_expire(struct registration_table *t, __u64 now_ns);

/* Peers are ids 0..count-1 (peers_name). */
unsigned int registration_table_peer_count(const struct registration_table *t);
/* Bindings alive of one peer; 0 for an id out of range. */
__u64 registration_table_active(const struct registration_table *t, unsigned int peer);
void registration_table_stats(const struct registration_table *t,
			      struct registration_stats *out);

#endif /* SIPXDP_REGISTRATIONS_H */
