// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Random and mutated packets through the real program (BPF_PROG_TEST_RUN):
 * every one must pass unchanged; packets that are not SIP must count
 * nothing; a response counted from a mutated SIP packet must have its
 * status line in the packet; and no mutated packet may count more SIP
 * messages than it has start lines, nor a UDP one more than one. The
 * generator is seeded (SIPXDP_FUZZ_SEED overrides it) so a failure can be
 * replayed; SIPXDP_FUZZ_PACKETS sets how many packets run (make bench runs
 * a million), half random, half mutated.
 */
#include <ctype.h>
#include <stdint.h>
#include "harness.h"

/* Small enough for make test, also in a VM without acceleration. */
#define DEFAULT_PACKETS		120000
#define CHECKED_ONE_BY_ONE	3000	/* mutated packets whose maps are checked each */

static struct harness h;
static uint64_t rng_state;
static long random_packets, mutated_packets, checked_one_by_one;
/* The oracle's findings, shown once each kind, counted all the same. */
static long over_start_lines, udp_over_one;

static uint64_t rnd(void)
{
	/* xorshift64*: small, fast, reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/* Runs one packet; false (and a failed check) if it did not pass unchanged. */
static bool run_unchanged(const unsigned char *pkt, size_t len)
{
	int passed = harness_pass(&h, pkt, len);

	if (passed != 1) {
		fprintf(stderr, "packet of %zu bytes not passed unchanged\n", len);
		CHECK(!"packet not passed unchanged");
	}
	return passed == 1;
}

/* Does the packet hold "SIP/2.0" in any case? A SIP message cannot be without it. */
static bool mentions_sip(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 7 <= len; i++)
		if (toupper(p[i]) == 'S' && toupper(p[i + 1]) == 'I' &&
		    toupper(p[i + 2]) == 'P' && p[i + 3] == '/' && p[i + 4] == '2' &&
		    p[i + 5] == '.' && p[i + 6] == '0')
			return true;
	return false;
}

/* Does p hold "SIP/2.0" at i, with "SIP" in any case, as the program reads it? */
static bool sip_version_at(const unsigned char *p, size_t len, size_t i)
{
	return i + 7 <= len && toupper(p[i]) == 'S' && toupper(p[i + 1]) == 'I' &&
	       toupper(p[i + 2]) == 'P' && memcmp(p + i + 3, "/2.0", 4) == 0;
}

/*
 * An upper bound on the SIP messages the program can count in a packet:
 * each one has its own start line, a status line that begins "SIP/2.0 ", or
 * a request line whose line end comes right after " SIP/2.0" (and a CR).
 * Positions, not line starts: in a TCP segment Content-Length puts the next
 * message anywhere, and leading CRLFs are skipped. Counted over the whole
 * packet, as a damaged header can move where the program finds the payload.
 */
static unsigned int start_lines(const unsigned char *p, size_t len)
{
	unsigned int n = 0;

	for (size_t i = 0; i < len; i++) {
		if (sip_version_at(p, len, i) && i + 7 < len && p[i + 7] == ' ')
			n++;	/* a status line */
		if (p[i] == '\n') {
			size_t end = i > 0 && p[i - 1] == '\r' ? i - 1 : i;

			if (end >= 8 && p[end - 8] == ' ' && sip_version_at(p, len, end - 7))
				n++;	/* the end of a request line */
		}
	}
	return n;
}

/* Checks one packet's message count against the oracle; a failure is
 * shown the first time, then only counted (main prints the totals). */
static void check_messages(const unsigned char *pkt, size_t len, bool udp, __u64 messages)
{
	unsigned int bound = start_lines(pkt, len);

	if (messages > bound && !over_start_lines++) {
		fprintf(stderr, "%llu messages counted in a packet of %zu bytes "
			"with %u start lines\n", (unsigned long long)messages, len, bound);
		CHECK(messages <= bound);
	}
	if (udp && messages > 1 && !udp_over_one++) {
		fprintf(stderr, "%llu messages counted in one UDP datagram\n",
			(unsigned long long)messages);
		CHECK(messages <= 1);
	}
}

/*
 * SIPXDP_CNT_MESSAGES now, summed over the CPUs, into *sum: read after each
 * bulk packet for its delta, cheaper than harness_run's emptied maps.
 * False (and a failed check) when the map cannot be read.
 */
static bool messages_counted(__u64 *sum)
{
	static __u64 *values;
	static int ncpus;
	__u32 key = SIPXDP_CNT_MESSAGES;

	if (!values) {
		ncpus = libbpf_num_possible_cpus();
		values = ncpus > 0 ? calloc(ncpus, sizeof(*values)) : NULL;
	}
	if (!values || bpf_map_lookup_elem(bpf_map__fd(h.skel->maps.counters), &key, values)) {
		CHECK(!"reading the message counter failed");
		return false;
	}
	*sum = 0;
	for (int cpu = 0; cpu < ncpus; cpu++)
		*sum += values[cpu];
	return true;
}

/* Random bytes after a plausible header stack, or none at all. */
static size_t random_packet(unsigned char *pkt)
{
	size_t len;

	if (rnd_below(4) == 0) {
		len = 14 + rnd_below(1500);
		for (size_t i = 0; i < len; i++)
			pkt[i] = rnd();
		return len;
	}
	{
		unsigned char payload[1400];
		struct pkt_spec spec = {
			.vlans = rnd_below(3),
			.ipv6 = rnd_below(2),
			.proto = rnd_below(2) ? IPPROTO_UDP : IPPROTO_TCP,
			.sport = rnd_below(3) ? 5060 : rnd(),
			.dport = rnd(),
			.payload = payload,
			.payload_len = 1 + rnd_below(sizeof(payload)),
		};

		for (size_t i = 0; i < spec.payload_len; i++)
			payload[i] = rnd_below(2) ? rnd() : 'A' + rnd_below(26);
		len = pkt_build(&spec, pkt);
	}
	/* sometimes damage the headers too */
	for (unsigned int n = rnd_below(3); n; n--)
		pkt[rnd_below(len)] = rnd();
	return len;
}

static const char *const seeds[] = {
	"SIP/2.0 200 OK\r\nCall-ID: a@b\r\nCSeq: 1 INVITE\r\nContact: <sip:x@y>\r\n"
	"Content-Length: 0\r\n\r\n",
	"SIP/2.0 301 Moved\r\ni: c\r\ncseq: 2 INVITE\r\nm: <sip:a@b>, sip:c@d;q=1\r\nl: 4\r\n\r\n"
	"abcdSIP/2.0 180 Ringing\r\nCSeq: 2 INVITE\r\n\r\n",
	"ACK sip:b@c SIP/2.0\r\nCall-ID: a@b\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
	"INVITE sip:b@c SIP/2.0\r\nVia: SIP/2.0/UDP x\r\nCall-ID: q\r\nCSeq: 9 INVITE\r\n\r\n",
	"SIP/2.0 486 Busy Here\r\nCSeq: 4 INVITE\r\nContent-Length: 10\r\n\r\n0123456789",
};

/*
 * A valid SIP packet, then flipped bytes, cuts, insertions or header damage.
 * *udp: it is UDP, headers undamaged, so the program reads it as UDP.
 */
static size_t mutated_packet(unsigned char *pkt, bool *udp)
{
	const char *seed = seeds[rnd_below(sizeof(seeds) / sizeof(seeds[0]))];
	unsigned char payload[1400];
	size_t plen = strlen(seed), len;
	struct pkt_spec spec = {
		.vlans = rnd_below(3),
		.ipv6 = rnd_below(2),
		.proto = rnd_below(2) ? IPPROTO_UDP : IPPROTO_TCP,
		.payload = payload,
	};

	memcpy(payload, seed, plen);
	for (unsigned int n = 1 + rnd_below(6); n; n--) {
		switch (rnd_below(4)) {
		case 0:	/* flip a byte */
			payload[rnd_below(plen)] = rnd();
			break;
		case 1:	/* cut */
			plen = 1 + rnd_below(plen);
			break;
		case 2:	/* insert a byte */
			if (plen < sizeof(payload)) {
				size_t at = rnd_below(plen);

				memmove(payload + at + 1, payload + at, plen - at);
				payload[at] = rnd_below(2) ? (unsigned char)rnd() :
							(unsigned char)"\r\n :\t0"[rnd_below(6)];
				plen++;
			}
			break;
		default: /* a digit in the status code */
			payload[8 + rnd_below(3)] = '0' + rnd_below(10);
			break;
		}
	}
	spec.payload_len = plen;
	len = pkt_build(&spec, pkt);
	*udp = spec.proto == IPPROTO_UDP;
	if (rnd_below(10) == 0) {
		size_t at = rnd_below(len);

		pkt[at] = rnd();	/* and sometimes a header byte */
		if (at < len - plen)
			*udp = false;
	}
	if (rnd_below(10) == 0)
		len = 14 + rnd_below(len - 13);	/* or the packet itself cut short */
	return len;
}

static void test_random_packets_count_nothing(void)
{
	static unsigned char pkt[PKT_MAX];
	struct snapshot d;
	int sip_like = 0;

	harness_reset(&h);
	for (long i = 0; i < random_packets; i++) {
		size_t len = random_packet(pkt);

		if (mentions_sip(pkt, len)) {
			sip_like++;	/* possible only by chance; not this test's business */
			continue;
		}
		if (!run_unchanged(pkt, len))
			return;
	}
	ring_buffer__consume(h.rb);
	if (harness_read(&h, &d)) {
		CHECK(!"reading the maps failed");
		return;
	}
	CHECK_EQ(delta_responses(&d), 0);
	CHECK_EQ(delta_requests(&d), 0);
	CHECK_EQ(d.counters[SIPXDP_CNT_MESSAGES], 0);
	CHECK_EQ(h.n_events, 0);
	CHECK_EQ(snapshot_packets_seen(&d), random_packets - sip_like);
	snapshot_free(&d);
}

static void test_mutated_packets(void)
{
	static unsigned char pkt[PKT_MAX];
	struct snapshot d;
	__u64 messages, before;
	bool udp;

	/* first, one by one: a counted response's status line is in the packet */
	for (long i = 0; i < checked_one_by_one; i++) {
		struct run_out out;
		size_t len = mutated_packet(pkt, &udp);

		if (harness_run(&h, pkt, len, &out)) {
			CHECK(!"test run failed");
			return;
		}
		CHECK(out.verdict_ok);
		for (size_t r = 0; r < out.delta.n_responses; r++) {
			char line[16];
			bool found = false;

			snprintf(line, sizeof(line), "/2.0 %u", out.delta.responses[r].code);
			for (size_t j = 0; j + strlen(line) <= len && !found; j++)
				found = memcmp(pkt + j, line, strlen(line)) == 0;
			if (!found)
				fprintf(stderr, "counted code %u not in the packet\n",
					out.delta.responses[r].code);
			CHECK(found);
		}
		if (delta_responses(&out.delta) + delta_requests(&out.delta))
			CHECK(mentions_sip(pkt, len));
		check_messages(pkt, len, udp, out.delta.counters[SIPXDP_CNT_MESSAGES]);
		snapshot_free(&out.delta);
	}
	/* then the rest in bulk: passed unchanged, the message counter read after
	 * each packet for the oracle, and the maps stay consistent */
	harness_reset(&h);
	if (!messages_counted(&before))
		return;
	for (long i = checked_one_by_one; i < mutated_packets; i++) {
		size_t len = mutated_packet(pkt, &udp);

		if (!run_unchanged(pkt, len))
			return;
		if (!messages_counted(&messages))
			return;
		check_messages(pkt, len, udp, messages - before);
		before = messages;
		if (h.n_events >= HARNESS_MAX_EVENTS / 2)
			h.n_events = 0;	/* only the ring buffer's health matters here */
		ring_buffer__consume(h.rb);
	}
	if (harness_read(&h, &d)) {
		CHECK(!"reading the maps failed");
		return;
	}
	CHECK_EQ(snapshot_packets_seen(&d), mutated_packets - checked_one_by_one);
	CHECK(d.counters[SIPXDP_CNT_MESSAGES] >= d.counters[SIPXDP_RES_SIP]);
	CHECK_EQ(d.counters[SIPXDP_CNT_EVENTS_LOST], 0);
	snapshot_free(&d);
}

int main(void)
{
	static const struct tl_test tests[] = {
		TEST(test_random_packets_count_nothing),
		TEST(test_mutated_packets),
	};
	struct loader_opts opts = { 0 };
	const char *seed = getenv("SIPXDP_FUZZ_SEED");
	const char *packets = getenv("SIPXDP_FUZZ_PACKETS");
	long total = packets ? strtol(packets, NULL, 0) : DEFAULT_PACKETS;
	int rc;

	if (total < 2) {
		printf("SIPXDP_FUZZ_PACKETS=%s: at least 2\n0 passed, 1 failed\n", packets);
		return 1;
	}
	random_packets = total / 2;
	mutated_packets = total - random_packets;
	checked_one_by_one = mutated_packets < CHECKED_ONE_BY_ONE ? mutated_packets :
								    CHECKED_ONE_BY_ONE;
	rng_state = seed ? strtoull(seed, NULL, 0) : 0x5ad5ad5ad5ad5adULL;
	if (!rng_state)
		rng_state = 1;
	printf("seed 0x%llx (SIPXDP_FUZZ_SEED replays it); %ld random, %ld mutated packets\n",
	       (unsigned long long)rng_state, random_packets, mutated_packets);
	if (harness_open(&h, &opts)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	rc = tl_run("bpf_fuzz", tests, sizeof(tests) / sizeof(tests[0]));
	if (over_start_lines || udp_over_one)
		printf("oracle: %ld packets over their start lines, %ld UDP over one message\n",
		       over_start_lines, udp_over_one);
	harness_close(&h);
	return rc;
}
