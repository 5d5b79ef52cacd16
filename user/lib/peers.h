/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `--peers FILE`: names for address ranges, so per-peer metrics have bounded
 * labels. One "CIDR NAME" a line (IPv4 or IPv6; '#' starts a comment); the
 * longest prefix wins; an address in no range is "other".
 */
#ifndef SIPXDP_PEERS_H
#define SIPXDP_PEERS_H

#include <stddef.h>
#include "sipxdp.h"

#define PEER_NAME_MAX	64
#define PEERS_MAX	4096

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

/* The ranges, i in 0..peers_range_count(): fills addr (host bits zero) and
 * *prefix_len, returns the id of the range's name. */
unsigned int peers_range_count(const struct peer_map *p);
unsigned int peers_range(const struct peer_map *p, unsigned int i, struct sipxdp_addr *addr,
			 unsigned int *prefix_len);

#endif /* SIPXDP_PEERS_H */
