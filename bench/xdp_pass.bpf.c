// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The benchmarks' baseline: an XDP program that does nothing but pass. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
