// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fair floor for RTP: the least any classifier must do to tell RTP from
 * SIP. Reads Ethernet, IPv4 (with its variable header length), UDP and the
 * first payload byte, and counts the byte's top two bits (RTP's version)
 * into a per-CPU array. No VLAN, IPv6 or TCP: whatever sipxdp spends above
 * this is the price of what it handles more.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 5);	/* 0..3: first byte >> 6; 4: not IPv4/UDP */
	__type(key, __u32);
	__type(value, __u64);
} classes SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&classes, &idx);

	if (v)
		(*v)++;
}

SEC("xdp")
int xdp_classify(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;
	__u8 *first;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP || ip->ihl < 5)
		goto other;
	udp = (void *)ip + ip->ihl * 4;
	first = (void *)(udp + 1);
	if ((void *)(first + 1) > data_end)
		goto other;
	count(*first >> 6);
	return XDP_PASS;
other:
	count(4);
	return XDP_PASS;
}
