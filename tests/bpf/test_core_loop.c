// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's core over the real program and its real ring buffer: the
 * order of a tick (drain, then expire) and the drain's budget. Packets go
 * through BPF_PROG_TEST_RUN; the core consumes what the program wrote.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core.h"
#include "loader.h"
#include "log.h"
#include "packet.h"
#include "testlib.h"

#define CRLF "\r\n"
#define SEC_NS 1000000000ull

static const char invite_200[] =
	"SIP/2.0 200 OK" CRLF
	"To: <sip:b@x>;tag=t1" CRLF
	"Call-ID: loop-order@x" CRLF
	"CSeq: 1 INVITE" CRLF CRLF;
static const char ack[] =
	"ACK sip:b@x SIP/2.0" CRLF
	"To: <sip:b@x>;tag=t1" CRLF
	"Call-ID: loop-order@x" CRLF
	"CSeq: 1 ACK" CRLF CRLF;

static struct core core;

/* Runs the packet `repeat` times through the XDP program. */
static int run(const char *payload, __u32 repeat)
{
	struct pkt_spec spec = { .payload = payload };
	unsigned char pkt[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .repeat = repeat);

	opts.data_size_in = pkt_build(&spec, pkt);
	if (bpf_prog_test_run_opts(bpf_program__fd(core.skel->progs.sipxdp_xdp), &opts)) {
		fprintf(stderr, "BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A 2xx handled, its ACK still in the ring when the timeout has passed: the
 * tick drains before it expires, so the call is matched, never missing.
 * (Expiry first would declare it missing, then find its ACK late.)
 */
static void test_tick_drains_before_it_expires(void)
{
	struct core_view v;

	CHECK_EQ(run(invite_200, 1), 0);
	CHECK_EQ(core_drain(&core), 0);
	CHECK_EQ(run(ack, 1), 0);
	CHECK_EQ(core_tick(&core, core_monotonic_ns() + 2 * SEC_NS), 0);
	CHECK_EQ(core_view(&core, core_monotonic_ns() + 2 * SEC_NS, false, &v), 0);
	CHECK_EQ(v.acks.invite_2xx, 1);
	CHECK_EQ(v.acks.matched, 1);
	CHECK_EQ(v.acks.missing, 0);
	/* both records whole, one CPU's seq without a gap */
	CHECK_EQ(v.records.handled, 2);
	CHECK_EQ(v.records.invalid, 0);
	CHECK_EQ(v.records.gaps, 0);
	core_view_free(&v);
}

/* A flood waits in the ring: one drain handles a budget of it and says more
 * waits, so the loop gets back to HTTP and the timer in between. */
static void test_drain_has_a_budget(void)
{
	CHECK_EQ(run(ack, CORE_DRAIN_BUDGET + 100), 0);
	CHECK_EQ(core_drain(&core), 1);
	CHECK_EQ(core.drained, CORE_DRAIN_BUDGET);
	CHECK_EQ(core_drain(&core), 0);
	CHECK_EQ(core.drained, 100);
	CHECK_EQ(core.records.invalid, 0);
	CHECK_EQ(core.records.gap_records, 0);
}

static const char register_req[] =
	"REGISTER sip:pbx SIP/2.0" CRLF
	"To: <sip:1000@pbx>" CRLF
	"Call-ID: flood@x" CRLF
	"CSeq: 1 REGISTER" CRLF CRLF;

/*
 * request_flood from the kernel's per-source counts: the core reads the
 * flooder's row once a second, and the rate is the kernel's, exact however
 * many of its records the full ring lost.
 */
static void test_flood_judged_on_kernel_counts(void)
{
	const struct suspect_source *s = NULL;
	__u64 t0 = core_monotonic_ns() + 10 * SEC_NS;
	struct core_view v;

	while (core_drain(&core) == 1)
		;
	CHECK_EQ(run(register_req, 1000), 0);
	CHECK(core_tick(&core, t0) >= 0);	/* its first read: the base */
	CHECK_EQ(suspect_table_flagged(core.suspects, &s, 1), 0);
	/* more than the ring holds: records are lost, the count is not */
	CHECK_EQ(run(register_req, 120000), 0);
	CHECK(core_tick(&core, t0 + SEC_NS) >= 0);
	CHECK_EQ(core_view(&core, t0 + SEC_NS, true, &v), 0);
	CHECK(v.snap.counters[SIPXDP_CNT_EVENTS_LOST] > 0);
	CHECK_EQ(v.suspects.flagged, 1);
	CHECK_EQ(v.suspects.events[SUSPECT_REQUEST_FLOOD], 120000);
	CHECK_EQ(suspect_table_flagged(core.suspects, &s, 1), 1);
	if (s) {
		CHECK_EQ(s->flagged, 1u << SUSPECT_REQUEST_FLOOD);
		CHECK_EQ(s->request_rate, 120000);
	}
	/* its rows read once a second, never the map: REGISTER, and the ACK
	 * the test before sent from the same address */
	CHECK_EQ(v.suspects.watch_samples, 2 * 2);
	core_view_free(&v);
	while (core_drain(&core) == 1)
		;
}

int main(void)
{
	static const struct tl_test tests[] = {
		TEST(test_tick_drains_before_it_expires),
		TEST(test_drain_has_a_budget),
		TEST(test_flood_judged_on_kernel_counts),
	};
	/* room for the flood: records of the header and the ACK's bytes, under
	 * 200 bytes, a budget and then some */
	struct loader_opts lopts = { .ringbuf_bytes = 8u << 20 };
	struct core_opts copts = { .ack_timeout_ns = SEC_NS, .suspect_request_rate = 50000 };
	struct sipxdp_bpf *skel;
	int rc;

	if (geteuid() != 0) {
		printf("loading BPF programs needs root\n0 passed, 1 failed\n");
		return 1;
	}
	log_route_libbpf();
	skel = loader_load(&lopts);
	if (!skel || core_init(&core, skel, &copts, CORE_CLOCK_EVENTS)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	rc = tl_run("core_loop", tests, sizeof(tests) / sizeof(tests[0]));
	core_destroy(&core);
	return rc;
}
