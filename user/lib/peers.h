/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `--peers FILE`: names for address ranges, so per-peer metrics have bounded
 * labels. One "CIDR NAME [max-calls=N] [max-cps=N]" a line (IPv4 or IPv6;
 * '#' starts a comment); the longest prefix wins; an address in no range is
 * "other". The limits are the peer's (its carrier's concurrent calls and
 * call attempts per second), whichever of its lines gives them; two lines
 * of one name that give a limit different values are an error.
 */
#ifndef SIPXDP_PEERS_H
#define SIPXDP_PEERS_H

#include <stddef.h>
#include "sipxdp.h"

#define PEER_NAME_MAX	64
#define PEERS_MAX	4096
#define PEER_LIMIT_MAX	10000000u

/* What a peer's limit bounds. */
enum peer_limit_kind {
	PEER_LIMIT_CALLS,	/* max-calls: calls up at once */
	PEER_LIMIT_CPS,		/* max-cps: call attempts per second */
	PEER_LIMITS,
};

struct peer_map;

/* NULL with a message in err naming the file and line. */
struct peer_map *peers_load(const char *path, char *err, size_t errlen);
/* The same from text in memory (tests); `origin` names it in messages. */
struct peer_map *peers_parse(const char *text, const char *origin, char *err, size_t errlen);
void peers_free(struct peer_map *p);

/* The peer's name, or "other"; p may be NULL (no file: everything is "other"). */
const char *peers_lookup(const struct peer_map *p, const struct sipxdp_addr *addr);
/* The same as an id (see peers_name): 0 for "other". */
unsigned int peers_lookup_id(const struct peer_map *p, const struct sipxdp_addr *addr);

/*
 * Peers by number, for the kernel's per-peer counters: the distinct names
 * are ids 1..peers_name_count() in name order, and id 0 is "other".
 */
unsigned int peers_name_count(const struct peer_map *p);
/* The name of id; "other" for 0 or an id out of range. p may be NULL. */
const char *peers_name(const struct peer_map *p, unsigned int id);

/* "calls", "cps". */
const char *peer_limit_name(enum peer_limit_kind kind);
/* The limit of peer id (peers_name); 0 when it has none. p may be NULL. */
unsigned int peers_limit(const struct peer_map *p, unsigned int id, enum peer_limit_kind kind);

/* The ranges, i in 0..peers_range_count(): fills addr (host bits zero) and
 * *prefix_len, returns the id of the range's name. */
unsigned int peers_range_count(const struct peer_map *p);
unsigned int peers_range(const struct peer_map *p, unsigned int i, struct sipxdp_addr *addr,
			 unsigned int *prefix_len);

#endif /* SIPXDP_PEERS_H */
