/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading captures (pcap and pcapng, through libpcap) as Ethernet frames,
 * for `sipxdp replay`: the XDP program expects Ethernet, so Linux cooked
 * (SLL v1/v2), BSD loopback (NULL/LOOP) and raw IP packets get an Ethernet
 * header made from their protocol field.
 */
#ifndef SIPXDP_CAPTURE_H
#define SIPXDP_CAPTURE_H

#include <stddef.h>
#include <linux/types.h>

struct capture;

/* NULL with a message in err (not a capture, unreadable, unknown link type). */
struct capture *capture_open(const char *path, char *err, size_t errlen);

/*
 * The next packet as an Ethernet frame, valid until the next call. Returns
 * 1 with a frame, 0 at the end, -1 on error with a message in err (a file
 * cut short). Packets of a protocol that cannot be framed (not IPv4/IPv6)
 * are returned as-is with an Ethernet type of 0, so they still count.
 */
int capture_next(struct capture *c, const __u8 **frame, __u32 *len, __u64 *ts_ns,
		 char *err, size_t errlen);

void capture_close(struct capture *c);

/* How far a capture has been read, for a progress line. */
struct capture_position {
	unsigned long long packets;	/* packets read so far */
	unsigned long long offset;	/* bytes of the file read so far */
	unsigned long long size;	/* the file's size; 0 when not known (a pipe) */
};

void capture_position(const struct capture *c, struct capture_position *pos);

/* The link type's name, for messages ("EN10MB", "LINUX_SLL", ...). */
const char *capture_linktype_name(const struct capture *c);

#endif /* SIPXDP_CAPTURE_H */
