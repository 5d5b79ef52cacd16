/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Opening, configuring and loading the BPF object. */
#ifndef SIPXDP_LOADER_H
#define SIPXDP_LOADER_H

#include <stdbool.h>
#include <linux/types.h>
#include "sipxdp.h"
#include "peers.h"
#include "sipxdp.skel.h"

struct loader_opts {
	__u16 ports[SIPXDP_MAX_PORTS];	/* host order; nports == 0: any port */
	unsigned int nports;
	unsigned int max_sources;	/* 0: SIPXDP_DEFAULT_SOURCES */
	unsigned int ringbuf_bytes;	/* 0: SIPXDP_DEFAULT_RINGBUF_MB MiB */
	unsigned int max_media_streams;	/* 0: SIPXDP_DEFAULT_MEDIA_STREAMS */
	unsigned int wakeup_bytes;	/* records that wake the consumer; 0: a sixteenth of
					 * the ring, at most 64 KiB */
	const char *pin_dir;		/* maps pinned here; NULL: not pinned */
	const struct peer_map *peers;	/* sizes the per-peer maps; NULL: none */
	bool with_egress;		/* load the TC egress program too */
};

/*
 * Opens the object and configures it (ports, map sizes, pins, egress) without
 * loading it, for loader_load_opened or a loader of its own (libxdp). NULL
 * on error, reported.
 * Its programs log into a buffer only a refusal fills (loader_capture_log).
 */
struct sipxdp_bpf *loader_open(const struct loader_opts *opts);

/*
 * After the program is attached: the fingerprint of the --peers ranges and
 * names beside the per-peer counters pinned in pin_dir, so that a restart
 * with the same peers carries them on (loader_open unpins them when the
 * fingerprint differs). 0, or -1 with a message.
 */
int loader_pin_peers(const char *pin_dir, const struct peer_map *peers);

/* Gives every program of obj the verifier log buffer; -1 with a message. */
int loader_capture_log(struct bpf_object *obj);
/* After a failed load: prints the end of the verifier's log (all with -v). */
void loader_refused(struct bpf_object *obj);
/* Releases the verifier log buffer; call after a successful load. */
void loader_loaded(struct bpf_object *obj);

/* Loads what loader_open opened; a refusal prints the verifier log's end.
 * 0, or -1 with a message. */
int loader_load_opened(struct sipxdp_bpf *skel);
/* After load: the --peers ranges into the program's trie. 0, or -1 with a message. */
int loader_fill_peers(struct sipxdp_bpf *skel, const struct peer_map *peers);

/* loader_open and load in one: for replay and tests. */
struct sipxdp_bpf *loader_load(const struct loader_opts *opts);

/* Parses "any" or "5060,5070" into opts->ports; -1 with a message if bad. */
int loader_parse_ports(const char *arg, struct loader_opts *opts);

#endif /* SIPXDP_LOADER_H */
