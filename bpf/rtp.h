/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * RTP of the streams the agent learned from SDP (sipxdp_media.h):
 * per stream, packets and bytes, RFC 3550 loss (A.1, A.3) and jitter
 * (A.8), under the stream's spin lock, so the figures stay exact whichever
 * CPUs its packets arrive on. Only the 12 bytes of the RTP header are
 * read: SRTP streams are measured the same.
 *
 * What it reads: untagged Ethernet, IPv4 without options and not a
 * fragment, or IPv6 with UDP as its first next header; the key is the
 * destination address and port. RTP that belongs to no learned stream
 * costs a hash lookup, and nothing while no stream is learned
 * (media_streams_learned).
 */
#ifndef SIPXDP_BPF_RTP_H
#define SIPXDP_BPF_RTP_H

#include "parsing.h"
#include "sipxdp_media.h"

#define RTP_HDR_LEN		12
#define RTP_SEQ_MOD		(1u << 16)
#define RTP_MAX_DROPOUT		3000	/* RFC 3550 A.1 */
#define RTP_MAX_MISORDER	100

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPXDP_DEFAULT_MEDIA_STREAMS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sipxdp_media_key);
	__type(value, struct sipxdp_media_stream);
} media_streams SEC(".maps");

/* Streams the agent installed; 0 keeps every packet off the lookup. */
volatile __u32 media_streams_learned;

struct rtp_header {
	__u32 seq;
	__u32 ts;
	__u32 ssrc;
};

/* A.1's init_seq, for the first packet of an SSRC. */
static __always_inline void rtp_init_seq(struct sipxdp_media_stream *st, __u32 seq)
{
	st->base_seq = seq;
	st->max_seq = seq;
	st->bad_seq = RTP_SEQ_MOD + 1;
	st->cycles = 0;
	st->received = 0;
}

/* Under the lock: one RTP packet of the stream, arrival in clock units. */
static __always_inline void rtp_update(struct sipxdp_media_stream *st,
				       const struct rtp_header *h, __u32 arrival)
{
	__s32 transit = (__s32)(arrival - h->ts), d;
	__u32 udelta;
	__u64 expected;

	if (!st->started || h->ssrc != st->ssrc) {
		/* A new source: the loss of the last one is kept (A.3). */
		if (st->started) {
			expected = (__u64)st->cycles + st->max_seq - st->base_seq + 1;
			if (expected > st->received)
				st->lost_prior += expected - st->received;
			st->ssrc_changes++;
		}
		st->started = 1;
		st->ssrc = h->ssrc;
		rtp_init_seq(st, h->seq);
		st->jitter_q4 = 0;
		d = 0;
	} else {
		udelta = (h->seq - st->max_seq) & (RTP_SEQ_MOD - 1);
		if (udelta < RTP_MAX_DROPOUT) {
			if (h->seq < st->max_seq)
				st->cycles += RTP_SEQ_MOD;
			st->max_seq = h->seq;
		} else if (udelta <= RTP_SEQ_MOD - RTP_MAX_MISORDER) {
			/* A large jump: believed when the next packet follows it. */
			if (h->seq != st->bad_seq) {
				st->bad_seq = (h->seq + 1) & (RTP_SEQ_MOD - 1);
				return;
			}
			rtp_init_seq(st, h->seq);
		}
		/* else a duplicate or a reordered packet: received, A.3 says */
		d = transit - (__s32)st->transit;
		if (d < 0)
			d = -d;
	}
	st->received++;
	if (!st->clock)
		return;		/* no rtpmap clock: no jitter */
	st->transit = transit;
	/* A.8: J += (|D| - J) / 16, J kept times 16 */
	st->jitter_q4 += (__u32)d - ((st->jitter_q4 + 8) >> 4);
	st->jitter_sum_q4 += st->jitter_q4;
	st->jitter_samples++;
}

/* The packet in [data, end): an Ethernet frame, XDP's or the linear head
 * of TC's skb (an RTP header past that head is counted in not_rtp). */
static __always_inline void rtp_measure(void *data, void *end)
{
	struct sipxdp_media_key key = {};
	struct sipxdp_media_stream *st;
	struct rtp_header h = {};
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 payload_len, arrival;
	bool rtp;
	__u8 *p;
	__u64 now;

	if ((void *)(eth + 1) > end)
		return;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || *(__u8 *)ip != 0x45 || ip->protocol != IPPROTO_UDP ||
		    (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			return;
		__builtin_memcpy(key.addr, &ip->daddr, 4);
		key.family = AF_INET;
		udp = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_UDP)
			return;
		__builtin_memcpy(key.addr, &ip6->daddr, 16);
		key.family = AF_INET6;
		udp = (void *)(ip6 + 1);
	} else {
		return;
	}
	if ((void *)(udp + 1) > end)
		return;
	key.port = udp->dest;
	st = bpf_map_lookup_elem(&media_streams, &key);
	if (!st)
		return;
	payload_len = bpf_ntohs(udp->len);
	payload_len = payload_len > sizeof(*udp) ? payload_len - sizeof(*udp) : 0;
	p = (void *)(udp + 1);
	rtp = (void *)(p + RTP_HDR_LEN) <= end && (p[0] >> 6) == 2;
	if (rtp) {
		h.seq = (__u32)p[2] << 8 | p[3];
		h.ts = bpf_ntohl(*(__u32 *)(p + 4));
		h.ssrc = bpf_ntohl(*(__u32 *)(p + 8));
	}
	now = bpf_ktime_get_ns();

	bpf_spin_lock(&st->lock);
	st->packets++;
	st->bytes += payload_len;
	if (!st->first_ns)
		st->first_ns = now;
	st->last_ns = now;
	/* The arrival in the stream's clock from its first packet: µs times
	 * Hz stays far from 64 bits for a call of any length. */
	arrival = (__u32)((now - st->first_ns) / 1000 * st->clock / 1000000);
	if (rtp)
		rtp_update(st, &h, arrival);
	else
		st->not_rtp++;
	bpf_spin_unlock(&st->lock);
}

/*
 * Global, so the verifier checks them once, apart from the SIP walk.
 * Always 0: measuring never changes what the program does with a packet.
 */
__attribute__((noinline)) int rtp_measure_xdp(struct xdp_md *ctx)
{
	if (ctx)
		rtp_measure((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return 0;
}

__attribute__((noinline)) int rtp_measure_tc(struct __sk_buff *skb)
{
	if (skb)
		rtp_measure((void *)(long)skb->data, (void *)(long)skb->data_end);
	return 0;
}

#endif /* SIPXDP_BPF_RTP_H */
