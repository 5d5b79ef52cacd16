// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Hot cache: ns/packet of the XDP program through BPF_PROG_TEST_RUN with a
 * large `repeat` (the same packet again and again: a floor; bench_path
 * measures the real receive path), beside an empty XDP_PASS program
 * measured in the same run: the machine is noisy, the ratio is what means
 * something. Each figure is the
 * median of several rounds. Runs that write events drain the ring buffer
 * between batches, so every event is really written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"
#include "packet.h"
#include "workloads.h"
#include "xdp_pass.skel.h"

#define ROUNDS		7
#define BATCHES		20
/*
 * Runs a batch. Few batches: each BPF_PROG_TEST_RUN of an XDP program swaps
 * the kernel's XDP dispatcher twice, a synchronize_rcu() each. The events of
 * a batch (up to 1 KiB and its header each) stay below the ring buffer's
 * wake-up threshold (1/16 of RINGBUF), where the agent keeps it: past it
 * every event forces a wake-up.
 */
#define REPEAT		3000
#define RINGBUF		(64u << 20)

struct workload {
	const char *name;
	unsigned char pkt[PKT_MAX];
	size_t len;
};

static int drain(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

/* Median over ROUNDS of the mean ns per run over BATCHES x REPEAT runs. */
static double measure(int prog_fd, const struct workload *w, struct ring_buffer *rb)
{
	double rounds[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		double total = 0;

		for (int b = 0; b < BATCHES; b++) {
			LIBBPF_OPTS(bpf_test_run_opts, opts,
				.data_in = w->pkt,
				.data_size_in = w->len,
				.repeat = REPEAT,
			);

			if (bpf_prog_test_run_opts(prog_fd, &opts)) {
				fprintf(stderr, "%s: BPF_PROG_TEST_RUN: %s\n", w->name,
					strerror(errno));
				exit(1);
			}
			total += opts.duration;
			if (rb)
				ring_buffer__consume(rb);
		}
		rounds[r] = total / BATCHES;
	}
	/* insertion sort, then the middle one */
	for (int i = 1; i < ROUNDS; i++)
		for (int j = i; j > 0 && rounds[j] < rounds[j - 1]; j--) {
			double t = rounds[j];

			rounds[j] = rounds[j - 1];
			rounds[j - 1] = t;
		}
	return rounds[ROUNDS / 2];
}

int main(void)
{
	static struct workload w[4];
	struct loader_opts opts = { .ringbuf_bytes = RINGBUF, .wakeup_bytes = RINGBUF / 16 };
	struct sipxdp_bpf *skel;
	struct xdp_pass_bpf *base;
	struct ring_buffer *rb;
	double baseline, ns;
	int prog_fd;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_xdp: needs root to load BPF programs\n");
		return 1;
	}
	log_route_libbpf();
	skel = loader_load(&opts);
	base = xdp_pass_bpf__open_and_load();
	if (!skel || !base) {
		fprintf(stderr, "bench_xdp: loading the programs failed\n");
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), drain, NULL, NULL);
	prog_fd = bpf_program__fd(skel->progs.sipxdp_xdp);

	w[0].name = "RTP (UDP 20000->30000)";
	w[0].len = wl_rtp(w[0].pkt);
	w[1].name = "non-SIP UDP on 5060";
	w[1].len = wl_not_sip(w[1].pkt);
	w[2].name = "486 response";
	w[2].len = wl_486(w[2].pkt);
	w[3].name = "INVITE 200 OK with event";
	w[3].len = wl_invite_200(w[3].pkt, 0);

	baseline = measure(bpf_program__fd(base->progs.xdp_pass), &w[0], NULL);
	printf("hot cache: BPF_PROG_TEST_RUN, repeat %d, median of %d rounds\n", REPEAT, ROUNDS);
	printf("%-28s %6s %9s %9s\n", "workload", "bytes", "ns/pkt", "x empty");
	printf("%-28s %6zu %9.1f %9.2f\n", "empty XDP_PASS (baseline)", w[0].len, baseline, 1.0);
	for (int i = 0; i < 4; i++) {
		ns = measure(prog_fd, &w[i], i == 3 ? rb : NULL);
		printf("%-28s %6zu %9.1f %9.2f\n", w[i].name, w[i].len, ns, ns / baseline);
	}
	/* the baseline again: how much the machine drifted during the run */
	ns = measure(bpf_program__fd(base->progs.xdp_pass), &w[0], NULL);
	printf("%-28s %6zu %9.1f %9.2f\n", "empty XDP_PASS (again)", w[0].len, ns, ns / baseline);

	ring_buffer__free(rb);
	xdp_pass_bpf__destroy(base);
	sipxdp_bpf__destroy(skel);
	return 0;
}
