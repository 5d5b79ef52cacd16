// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A program the verifier must refuse: it reads the packet unchecked. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int refused(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	/* volatile: the read must happen; there is no check against data_end */
	return *(volatile unsigned char *)(data + 20) ? XDP_PASS : XDP_PASS;
}
