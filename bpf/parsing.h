/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Ethernet/VLAN/IPv4/IPv6/UDP/TCP parsing with a cursor: one bounds check
 * per header, every loop bounded by a named constant. BPF only.
 */
#ifndef SIPXDP_PARSING_H
#define SIPXDP_PARSING_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "sipxdp.h"

#define MAX_VLAN_TAGS	 2	/* 802.1Q, and 802.1ad outer + 802.1Q inner */
#define MAX_IPV6_EXTHDRS 8	/* extension headers walked before giving up */
/*
 * Where an L4 header may start. The verifier keeps a packet pointer's range
 * only while its largest offset stays under 64 KiB: a bound this far below
 * leaves room for the L4 header and the TCP options read after it.
 */
#define MAX_L4_OFF	0x3fff

#define IP_MF		0x2000
#define IP_OFFSET	0x1fff
#define IP6_OFFSET	0xfff8	/* fragment offset bits of frag_off (network order) */

#ifndef AF_INET
#define AF_INET		2
#define AF_INET6	10
#endif

/* The packet's bounds from either context; is_xdp is a constant at each use. */
static __always_inline void *pkt_data(void *pkt_ctx, bool is_xdp)
{
	return is_xdp ? (void *)(long)((struct xdp_md *)pkt_ctx)->data :
			(void *)(long)((struct __sk_buff *)pkt_ctx)->data;
}

static __always_inline void *pkt_data_end(void *pkt_ctx, bool is_xdp)
{
	return is_xdp ? (void *)(long)((struct xdp_md *)pkt_ctx)->data_end :
			(void *)(long)((struct __sk_buff *)pkt_ctx)->data_end;
}

struct cursor {
	void *pos;
	void *end;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct ipv6_opt_hdr_min {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/*
 * What the L2..L4 walk found: the transport payload and the flow. Addresses
 * stay in the packet (l3) until the payload looks like SIP, so RTP does not
 * pay for copying them.
 */
struct flow {
	void *l3;		/* the IPv4 or IPv6 header */
	__u8 family;		/* AF_INET or AF_INET6 */
	__u16 sport;
	__u16 dport;
	__u8 proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	__u32 payload_off;	/* from the start of the packet */
	__u32 payload_len;	/* bytes of transport payload in this packet */
	bool first_byte_seen;	/* may_start_sip() passed on the linear head */
	bool head_word_seen;	/* the payload's first eight bytes are in head_word */
	__u64 head_word;
};

/*
 * Eight bytes at p in one load. clang splits a load it cannot prove aligned
 * into eight byte loads and seven shifts; the verifier allows unaligned
 * reads of packet and map memory where the CPU does (x86-64, arm64), so the
 * load is written out. volatile: it must stay after the copy that fills the
 * scratch window.
 */
static __always_inline __u64 load_u64(const void *p)
{
	__u64 w;

	asm volatile("%[w] = *(u64 *)(%[p] + 0)" : [w] "=r"(w) : [p] "r"(p));
	return w;
}

/*
 * The cheapest exit, taken before any length bookkeeping: a SIP message
 * starts with an upper-case method or "SIP/2.0" (any case), maybe after
 * CR and LF keep-alives. RTP starts with 0x80..0xbf, TLS with 0x14..0x17, STUN
 * with 0x00 or 0x01.
 */
static __always_inline bool may_start_sip(__u8 c)
{
	return (c >= 'A' && c <= 'Z') || c == 's' || c == '\r' || c == '\n';
}

/* Outcome of the L2..L4 walk, before any SIP is looked at. */
enum l4_verdict {
	L4_OK = 0,	/* flow filled in: UDP or TCP payload follows */
	L4_SKIP,	/* not IP, not UDP/TCP, or too short: not SIP */
	L4_FRAGMENT,	/* a non-first IP fragment */
	L4_MALFORMED,	/* an IP header that lies about itself (ihl < 5, ...) */
	L4_SHORT,	/* a header runs past the linear data (not SIP, unless
			 * TC pulls more of the skb into its head) */
};

static __always_inline __be16 parse_ethernet(struct cursor *c)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vlan;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return 0;
	c->pos = eth + 1;
	/* ethhdr is packed: through it clang reads h_proto a byte at a time */
	proto = *(__be16 *)((void *)eth + ETH_ALEN * 2);

#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vlan = c->pos;
		if ((void *)(vlan + 1) > c->end)
			return 0;
		c->pos = vlan + 1;
		proto = vlan->encap_proto;
	}
	return proto;
}

/* IPv4: returns the L4 protocol and the bytes the IP header says follow it. */
static __always_inline enum l4_verdict parse_ipv4(struct cursor *c, struct flow *f,
						  __u32 *l4_len)
{
	struct iphdr *ip = c->pos;
	__u32 hdr_len, tot_len;

	if ((void *)(ip + 1) > c->end)
		return L4_SHORT;
	if (ip->ihl < 5 || ip->version != 4)
		return L4_MALFORMED;
	hdr_len = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < hdr_len)
		return L4_MALFORMED;
	if (c->pos + hdr_len > c->end)
		return L4_SHORT;
	/* Later fragments carry no L4 header; the first one is parsed. */
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return L4_FRAGMENT;

	f->l3 = ip;
	f->family = AF_INET;
	f->proto = ip->protocol;
	*l4_len = tot_len - hdr_len;
	c->pos += hdr_len;
	return L4_OK;
}

static __always_inline bool ipv6_is_ext(__u8 next)
{
	return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
	       next == IPPROTO_DSTOPTS || next == IPPROTO_AH || next == IPPROTO_FRAGMENT;
}

/* The IPv6 extension-header walk, in offsets from the start of the packet. */
struct ipv6_ext_walk {
	__u32 off;		/* in: first extension header; out: the L4 header */
	__u32 remaining;	/* bytes the IPv6 header says follow */
	__u32 next;		/* in: its type; out: the L4 protocol */
};

/*
 * Walks extension headers up to the first that is not one. Global, so the
 * verifier checks it once: unrolled inline, every header's variable length
 * gave each later instruction of the program a state of its own (the walk
 * alone was most of the verifier's work). One per context type.
 */
static __always_inline enum l4_verdict ipv6_ext_walk(void *data, void *data_end,
						     struct ipv6_ext_walk *w)
{
	struct ipv6_opt_hdr_min *opt;
	struct ipv6_frag_hdr *frag;
	__u32 len;
	int i;

	/* Unrolled: 6.1's verifier refuses the loop clang makes of it, whose
	 * back edge is a fall-through into the loop head. */
#pragma unroll
	for (i = 0; i < MAX_IPV6_EXTHDRS; i++) {
		if (!ipv6_is_ext(w->next))
			return L4_OK;
		if (w->off > MAX_L4_OFF)
			return L4_SKIP;
		opt = data + w->off;
		if ((void *)(opt + 1) > data_end)
			return L4_SHORT;
		switch (w->next) {
		case IPPROTO_AH:
			len = (opt->hdrlen + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			frag = (void *)opt;
			if ((void *)(frag + 1) > data_end)
				return L4_SHORT;
			if (frag->frag_off & bpf_htons(IP6_OFFSET))
				return L4_FRAGMENT;
			len = sizeof(*frag);
			break;
		default:
			len = (opt->hdrlen + 1) * 8;
		}
		if (len > w->remaining)
			return L4_MALFORMED;
		w->remaining -= len;
		w->next = opt->nexthdr;
		w->off += len;
	}
	return ipv6_is_ext(w->next) ? L4_SKIP : L4_OK;
}

__attribute__((noinline)) int ipv6_ext_walk_xdp(struct xdp_md *ctx, struct ipv6_ext_walk *w)
{
	if (!w)
		return L4_SKIP;
	return ipv6_ext_walk((void *)(long)ctx->data, (void *)(long)ctx->data_end, w);
}

__attribute__((noinline)) int ipv6_ext_walk_tc(struct __sk_buff *skb, struct ipv6_ext_walk *w)
{
	if (!w)
		return L4_SKIP;
	return ipv6_ext_walk((void *)(long)skb->data, (void *)(long)skb->data_end, w);
}

/*
 * IPv6: UDP or TCP straight after the fixed header is walked inline (RTP's
 * path); extension headers go through the global walk.
 */
static __always_inline enum l4_verdict parse_ipv6(struct cursor *c, struct flow *f,
						  __u32 *l4_len, void *pkt_ctx, bool is_xdp)
{
	struct ipv6hdr *ip6 = c->pos;
	struct ipv6_ext_walk w;
	enum l4_verdict v;

	if ((void *)(ip6 + 1) > c->end)
		return L4_SHORT;
	if (ip6->version != 6)
		return L4_MALFORMED;
	f->l3 = ip6;
	f->family = AF_INET6;
	f->proto = ip6->nexthdr;
	*l4_len = bpf_ntohs(ip6->payload_len);
	c->pos = ip6 + 1;
	if (!ipv6_is_ext(f->proto))
		return L4_OK;

	w.off = (void *)(ip6 + 1) - pkt_data(pkt_ctx, is_xdp);
	w.remaining = *l4_len;
	w.next = f->proto;
	v = is_xdp ? ipv6_ext_walk_xdp(pkt_ctx, &w) : ipv6_ext_walk_tc(pkt_ctx, &w);
	/* Constants, not v: the verifier then knows the verdict on each path
	 * (through a copy of v it lost track of it, and walked paths that
	 * cannot be). */
	switch (v) {
	case L4_OK:
		break;
	case L4_FRAGMENT:
		return L4_FRAGMENT;
	case L4_MALFORMED:
		return L4_MALFORMED;
	case L4_SHORT:
		return L4_SHORT;
	default:
		return L4_SKIP;
	}
	/* bounded well under 64 KiB, so the L4 reads after it keep a range */
	if (w.off > MAX_L4_OFF)
		return L4_SKIP;
	c->pos = pkt_data(pkt_ctx, is_xdp) + w.off;
	c->end = pkt_data_end(pkt_ctx, is_xdp);
	f->proto = w.next;
	*l4_len = w.remaining;
	return L4_OK;
}

/*
 * The payload's first bytes where the linear head holds them: false when
 * the first byte already says "not SIP" (RTP's exit). The first eight are
 * kept in the flow for the check before the copy.
 */
static __always_inline bool look_at_first_bytes(struct flow *f, const __u8 *first, void *end)
{
	if ((void *)(first + 1) > end)
		return true;	/* in the skb's paged data: loaded later */
	if (!may_start_sip(*first))
		return false;
	f->first_byte_seen = true;
	if ((void *)(first + 8) <= end) {
		f->head_word = load_u64(first);
		f->head_word_seen = true;
	}
	return true;
}

/*
 * UDP or TCP after the IP header: fills ports and the payload span. The
 * payload length is what the headers claim, cut to what the packet holds
 * (a first fragment claims more than it carries; Ethernet padding adds
 * bytes that are not payload).
 */
static __always_inline enum l4_verdict parse_l4(struct cursor *c, void *data,
						struct flow *f, __u32 l4_len,
						__u32 pkt_len)
{
	__u32 off, claimed, hdr_len;
	__u8 *first;

	f->first_byte_seen = false;
	f->head_word_seen = false;
	if (f->proto == IPPROTO_UDP) {
		struct udphdr *udp = c->pos;

		if ((void *)(udp + 1) > c->end)
			return L4_SHORT;
		first = (void *)(udp + 1);
		if (!look_at_first_bytes(f, first, c->end))
			return L4_SKIP;
		f->sport = bpf_ntohs(udp->source);
		f->dport = bpf_ntohs(udp->dest);
		claimed = bpf_ntohs(udp->len);
		if (claimed < sizeof(*udp))
			return L4_MALFORMED;
		claimed -= sizeof(*udp);
		hdr_len = sizeof(*udp);
	} else if (f->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = c->pos;

		if ((void *)(tcp + 1) > c->end)
			return L4_SHORT;
		f->sport = bpf_ntohs(tcp->source);
		f->dport = bpf_ntohs(tcp->dest);
		/* Options are skipped whole: doff counts 32-bit words. */
		hdr_len = tcp->doff * 4;
		if (hdr_len < sizeof(*tcp) || hdr_len > l4_len)
			return L4_MALFORMED;
		first = (void *)tcp + hdr_len;
		if (!look_at_first_bytes(f, first, c->end))
			return L4_SKIP;
		claimed = l4_len - hdr_len;
	} else {
		return L4_SKIP;
	}

	off = (__u32)(c->pos - data) + hdr_len;
	if (off >= pkt_len)
		return L4_SKIP;
	if (claimed > l4_len)
		claimed = l4_len;
	if (claimed > pkt_len - off)
		claimed = pkt_len - off;
	f->payload_off = off;
	f->payload_len = claimed;
	return claimed ? L4_OK : L4_SKIP;
}

/* Copies the flow's addresses out of the packet; false if they are not in it. */
static __always_inline bool flow_addresses(const struct flow *f, void *data_end,
					   struct sipxdp_addr *saddr,
					   struct sipxdp_addr *daddr)
{
	__builtin_memset(saddr, 0, sizeof(*saddr));
	__builtin_memset(daddr, 0, sizeof(*daddr));
	saddr->family = f->family;
	daddr->family = f->family;
	if (f->family == AF_INET) {
		struct iphdr *ip = f->l3;

		if ((void *)(ip + 1) > data_end)
			return false;
		__builtin_memcpy(saddr->bytes, &ip->saddr, 4);
		__builtin_memcpy(daddr->bytes, &ip->daddr, 4);
	} else {
		struct ipv6hdr *ip6 = f->l3;

		if ((void *)(ip6 + 1) > data_end)
			return false;
		__builtin_memcpy(saddr->bytes, &ip6->saddr, 16);
		__builtin_memcpy(daddr->bytes, &ip6->daddr, 16);
	}
	return true;
}

/* The whole L2..L4 walk over the packet's linear head. */
static __always_inline enum l4_verdict parse_to_payload(void *pkt_ctx, bool is_xdp,
							__u32 pkt_len, struct flow *f)
{
	void *data = pkt_data(pkt_ctx, is_xdp);
	void *data_end = pkt_data_end(pkt_ctx, is_xdp);
	struct cursor c = { .pos = data, .end = data_end };
	enum l4_verdict v;
	__u32 l4_len = 0;
	__be16 proto;

	proto = parse_ethernet(&c);
	if (proto == bpf_htons(ETH_P_IP))
		v = parse_ipv4(&c, f, &l4_len);
	else if (proto == bpf_htons(ETH_P_IPV6))
		v = parse_ipv6(&c, f, &l4_len, pkt_ctx, is_xdp);
	else
		return L4_SKIP;
	if (v != L4_OK)
		return v;
	/* the IPv6 walk may have re-read the packet's bounds */
	return parse_l4(&c, pkt_data(pkt_ctx, is_xdp), f, l4_len, pkt_len);
}

#endif /* SIPXDP_PARSING_H */
