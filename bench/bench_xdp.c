// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ns/packet of the XDP program through BPF_PROG_TEST_RUN with a large
 * `repeat`, beside an empty XDP_PASS program measured in the same run: the
 * machine is noisy, the ratio is what means something. Each figure is the
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
#include "xdp_pass.skel.h"

#define ROUNDS		7
#define BATCHES		20
#define REPEAT		20000	/* runs a batch: 20000 events fit the 4 MiB ring */

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

static void build_invite_200(struct workload *w)
{
	char msg[1200];
	int n = snprintf(msg, sizeof(msg),
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK776asdhds;received=192.0.2.20\r\n"
		"Record-Route: <sip:p1.example.com;lr>\r\n"
		"From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"To: \"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:bob@192.0.2.4:5060;transport=udp>\r\n"
		"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, UPDATE\r\n"
		"Supported: replaces, timer\r\n"
		"User-Agent: bench-uas/1.0\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %d\r\n\r\n%s", 389,
		"v=0\r\no=bob 2808844564 2808844564 IN IP4 192.0.2.4\r\ns=-\r\n"
		"c=IN IP4 192.0.2.4\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0 8 18 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\n"
		"a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\na=rtcp:49173\r\n"
		"a=ssrc:1234567890 cname:bench@example.com\r\n"
		"a=label:audio-main-stream-0123456789\r\n");
	struct pkt_spec spec = { .payload = msg, .payload_len = n };

	w->name = "INVITE 200 OK with event";
	w->len = pkt_build(&spec, w->pkt);
}

int main(void)
{
	static struct workload w[4];
	static const char rtp[] = "\x80\x00\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"01234567890123456789";
	static const char not_sip[] = "\x01\x01\x00\x48\x21\x12\xa4\x42 a STUN-like binding "
		"request that is not SIP, padded to a realistic size for a keepalive.";
	static const char resp_4xx[] =
		"SIP/2.0 486 Busy Here\r\n"
		"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK74bf9\r\n"
		"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n"
		"Call-ID: busy-call@example.com\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct pkt_spec rtp_spec = { .sport = 20000, .dport = 30000, .payload = rtp,
				     .payload_len = sizeof(rtp) - 1 };
	struct pkt_spec other_spec = { .payload = not_sip, .payload_len = sizeof(not_sip) - 1 };
	struct pkt_spec resp_spec = { .payload = resp_4xx };
	struct loader_opts opts = { 0 };
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
	w[0].len = pkt_build(&rtp_spec, w[0].pkt);
	w[1].name = "non-SIP UDP on 5060";
	w[1].len = pkt_build(&other_spec, w[1].pkt);
	w[2].name = "486 response";
	w[2].len = pkt_build(&resp_spec, w[2].pkt);
	build_invite_200(&w[3]);

	baseline = measure(bpf_program__fd(base->progs.xdp_pass), &w[0], NULL);
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
