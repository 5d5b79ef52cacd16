/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Building test packets: Ethernet, up to two VLAN tags, IPv4 or IPv6 (with
 * an optional fragment header), UDP or TCP (with options), and a payload.
 * For the BPF tests, the fuzzer and the benchmarks.
 */
#ifndef SIPXDP_TESTS_PACKET_H
#define SIPXDP_TESTS_PACKET_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#define PKT_MAX	9000

struct pkt_spec {
	int vlans;		/* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	bool ipv6;
	int proto;		/* IPPROTO_UDP (default) or IPPROTO_TCP */
	const char *src;	/* default 192.0.2.10 / 2001:db8::10 */
	const char *dst;	/* default 192.0.2.20 / 2001:db8::20 */
	unsigned short sport;	/* default 5060 */
	unsigned short dport;	/* default 5060 */
	int ihl;		/* IPv4 header words; 0: 5 */
	unsigned short frag;	/* IPv4 flags + offset, host order (IP_MF | offset/8) */
	bool v6_frag;		/* add an IPv6 fragment header */
	unsigned short v6_frag_off;	/* its offset in 8-byte units */
	bool v6_more;		/* its M flag */
	bool v6_exthdrs;	/* hop-by-hop and destination options first */
	int tcp_opts;		/* TCP option bytes (a multiple of 4) */
	const void *payload;
	size_t payload_len;	/* 0: strlen(payload) */
};

/* Writes the packet into buf (PKT_MAX bytes); returns its length. */
static inline size_t pkt_build(const struct pkt_spec *s, unsigned char *buf)
{
	const char *payload = s->payload ? s->payload : "";
	size_t plen = s->payload_len ? s->payload_len : strlen(payload);
	int proto = s->proto ? s->proto : IPPROTO_UDP;
	size_t l4_hdr = proto == IPPROTO_TCP ? sizeof(struct tcphdr) + s->tcp_opts
					     : sizeof(struct udphdr);
	unsigned char *p = buf;
	struct ethhdr *eth = (void *)p;
	unsigned short ethertype = s->ipv6 ? ETH_P_IPV6 : ETH_P_IP;
	size_t l4_len = l4_hdr + plen;

	memset(buf, 0, PKT_MAX);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", ETH_ALEN);
	p += sizeof(*eth);
	if (s->vlans > 0) {
		unsigned short outer = s->vlans == 2 ? ETH_P_8021AD : ETH_P_8021Q;

		eth->h_proto = htons(outer);
		for (int i = 0; i < s->vlans; i++) {
			unsigned short *tag = (void *)p;

			tag[0] = htons(100 + i);	/* TCI: VLAN id */
			tag[1] = htons(i + 1 < s->vlans ? ETH_P_8021Q : ethertype);
			p += 4;
		}
	} else {
		eth->h_proto = htons(ethertype);
	}

	if (!s->ipv6) {
		struct iphdr *ip = (void *)p;
		int ihl = s->ihl ? s->ihl : 5;

		ip->version = 4;
		ip->ihl = ihl;
		ip->ttl = 64;
		ip->protocol = proto;
		ip->frag_off = htons(s->frag);
		inet_pton(AF_INET, s->src ? s->src : "192.0.2.10", &ip->saddr);
		inet_pton(AF_INET, s->dst ? s->dst : "192.0.2.20", &ip->daddr);
		/* an ihl below 5 still leaves a 20-byte header in the buffer */
		p += (ihl >= 5 ? ihl : 5) * 4;
		ip->tot_len = htons((p - (unsigned char *)ip) + l4_len);
	} else {
		struct ipv6hdr *ip6 = (void *)p;

		ip6->version = 6;
		ip6->hop_limit = 64;
		ip6->nexthdr = s->v6_exthdrs ? IPPROTO_HOPOPTS :
			       s->v6_frag ? IPPROTO_FRAGMENT : proto;
		inet_pton(AF_INET6, s->src ? s->src : "2001:db8::10", &ip6->saddr);
		inet_pton(AF_INET6, s->dst ? s->dst : "2001:db8::20", &ip6->daddr);
		p += sizeof(*ip6);
		if (s->v6_exthdrs) {
			/* hop-by-hop (8 bytes of PadN), then destination options (16) */
			p[0] = IPPROTO_DSTOPTS;
			p[1] = 0;
			p[2] = 1;
			p[3] = 4;
			p += 8;
			p[0] = s->v6_frag ? IPPROTO_FRAGMENT : proto;
			p[1] = 1;
			p[2] = 1;
			p[3] = 12;
			p += 16;
		}
		if (s->v6_frag) {
			p[0] = proto;
			*(unsigned short *)(p + 2) =
				htons((s->v6_frag_off << 3) | (s->v6_more ? 1 : 0));
			*(unsigned int *)(p + 4) = htonl(0x1234);
			p += 8;
		}
		ip6->payload_len = htons((p - (unsigned char *)(ip6 + 1)) + l4_len);
	}

	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)p;

		tcp->source = htons(s->sport ? s->sport : 5060);
		tcp->dest = htons(s->dport ? s->dport : 5060);
		tcp->doff = l4_hdr / 4;
		tcp->ack = 1;
		tcp->psh = 1;
		tcp->window = htons(512);
		for (int i = 0; i < s->tcp_opts; i++)
			p[sizeof(*tcp) + i] = 1;	/* NOP options */
	} else {
		struct udphdr *udp = (void *)p;

		udp->source = htons(s->sport ? s->sport : 5060);
		udp->dest = htons(s->dport ? s->dport : 5060);
		udp->len = htons(l4_len);
	}
	p += l4_hdr;
	memcpy(p, payload, plen);
	return (p - buf) + plen;
}

#endif /* SIPXDP_TESTS_PACKET_H */
