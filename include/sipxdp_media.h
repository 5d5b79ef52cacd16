/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The media_streams map's key and value, for both the BPF program
 * (bpf/rtp.h) and the agent. Apart from sipxdp.h: its value holds a
 * struct bpf_spin_lock, which needs <linux/bpf.h>, and that clashes with
 * libpcap's own bpf.h in the files that read captures.
 */
#ifndef SIPXDP_MEDIA_MAP_H
#define SIPXDP_MEDIA_MAP_H

#include <linux/types.h>
#include <linux/bpf.h>

/*
 * Key of `media_streams`: where an RTP stream the agent learned from SDP
 * arrives (the receiving side's c= and m= port). The agent installs it;
 * the program only measures what it finds there.
 */
struct sipxdp_media_key {
	__u8 addr[16];		/* IPv4 in the first 4 bytes, the rest zero */
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 pad;
	__u16 port;		/* network byte order */
};

/*
 * Value of `media_streams`: one stream's RTP figures, updated under its
 * lock by whichever CPU a packet arrives on, so they stay exact however
 * the packets are spread (RFC 3550 A.1, A.3, A.8, with no probation: the
 * stream is RTP because SDP said so). The agent sets clock and zeroes the
 * rest when it installs the stream.
 *   lost = lost_prior + (extended max - base_seq + 1) - received, each
 *          term of the SSRC it belongs to, never below 0 (a duplicate
 *          never makes loss negative);
 *   jitter_q4 is A.8's J in 1/16 of a timestamp unit; jitter_sum_q4 its
 *   value summed after each packet, so the mean jitter is
 *   jitter_sum_q4 / jitter_samples / 16 / clock seconds.
 */
struct sipxdp_media_stream {
	struct bpf_spin_lock lock;
	__u32 clock;		/* Hz, from rtpmap; 0: no jitter measured */
	__u64 packets;		/* every UDP datagram to the address and port */
	__u64 bytes;		/* their UDP payload bytes */
	__u64 first_ns;		/* bpf_ktime_get_ns() of the first and the last */
	__u64 last_ns;
	__u64 received;		/* RTP packets of the current SSRC */
	__u64 lost_prior;	/* expected - received of the SSRCs before it */
	__u64 jitter_q4;
	__u64 jitter_sum_q4;
	__u64 jitter_samples;
	__s64 transit;		/* arrival - RTP timestamp, in clock units */
	__u32 ssrc;
	__u32 ssrc_changes;
	__u32 base_seq;
	__u32 max_seq;		/* the highest sequence number, 16 bits */
	__u32 cycles;		/* sequence wraps, times 65536 */
	__u32 bad_seq;		/* A.1: a jump awaiting its next packet */
	__u32 not_rtp;		/* datagrams too short or not version 2 */
	__u32 started;		/* an RTP packet was seen: ssrc and the rest are set */
};

#endif /* SIPXDP_MEDIA_MAP_H */
