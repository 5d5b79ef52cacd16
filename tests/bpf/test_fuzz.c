// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Random and mutated packets through the real program (BPF_PROG_TEST_RUN):
 * every one must pass unchanged; packets that are not SIP must count
 * nothing; a response counted from a mutated SIP packet must have its
 * status line in the packet; and no mutated packet may count more SIP
 * messages than it has start lines, nor a UDP one more than one.
 *
 * The differential oracle: every record the kernel writes is parsed by the
 * agent's parser (user/sip/), which must read the message as the kernel
 * counted it (harness_disagreement), and a mutated packet whose headers
 * are intact must be, to the parser, what it was to the kernel (SIP,
 * truncated, malformed, not SIP). A disagreement is a bug on one side: the
 * test fails, and shows each kind once with the message that showed it.
 *
 * The generator is seeded (SIPXDP_FUZZ_SEED overrides it) so a failure can
 * be replayed; SIPXDP_FUZZ_PACKETS sets how many packets run (make bench
 * runs a million), half random, half mutated.
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

/* Each kind of disagreement between the kernel and the parser, by its reason. */
#define MAX_DISAGREEMENTS	32
static struct {
	const char *why;
	long count;
} disagreements[MAX_DISAGREEMENTS];
static int n_disagreements;

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

/* The bytes as a C string literal would write them, for the report. */
static void print_escaped(const char *what, const void *bytes, size_t len)
{
	const unsigned char *p = bytes;

	fprintf(stderr, "  %s (%zu bytes): \"", what, len);
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\r')
			fputs("\\r", stderr);
		else if (p[i] == '\n')
			fputs("\\n", stderr);
		else if (p[i] == '"' || p[i] == '\\')
			fprintf(stderr, "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], stderr);
		else
			fprintf(stderr, "\\x%02x\"\"", p[i]);
	}
	fputs("\"\n", stderr);
}

/* A disagreement: a failed check and shown the first time its kind comes
 * (then true, for the caller to add what it knows), counted after. */
static bool disagree(const char *why, const void *bytes, size_t len)
{
	bool first;
	int i;

	for (i = 0; i < n_disagreements; i++)
		if (disagreements[i].why == why)
			break;
	first = i == n_disagreements && n_disagreements < MAX_DISAGREEMENTS;
	if (first) {
		CHECK(!why);
		disagreements[n_disagreements++].why = why;
		fprintf(stderr, "kernel and parser disagree: %s\n", why);
		print_escaped("message", bytes, len);
	}
	if (i < MAX_DISAGREEMENTS)
		disagreements[i].count++;
	return first;
}

/* Every record of the last packet against the parser. */
static void check_records(void)
{
	int kept = h.n_events < HARNESS_MAX_EVENTS ? h.n_events : HARNESS_MAX_EVENTS;

	CHECK_EQ(h.bad_records, 0);
	CHECK_EQ(kept, h.n_events);
	for (int i = 0; i < kept; i++) {
		const struct harness_record *r = harness_record(&h, i);
		const char *why = harness_disagreement(r, i == h.n_events - 1);

		if (why && disagree(why, r->bytes, r->hdr.len))
			fprintf(stderr, "  record %d of %d: msg_len %u, status %u, method %u, "
				"transport %u\n", i + 1, h.n_events, r->hdr.msg_len, r->hdr.status,
				r->hdr.method, r->hdr.transport);
	}
}

/* The parser's verdict on a payload as the counter the kernel keeps for it. */
static int parser_result(const unsigned char *payload, size_t len)
{
	static struct sip_msg m;

	switch (sip_parse((const char *)payload, len, &m)) {
	case SIP_REQUEST:
	case SIP_RESPONSE:
		return SIPXDP_RES_SIP;
	case SIP_TRUNCATED:
		return SIPXDP_RES_TRUNCATED;
	case SIP_MALFORMED:
		return SIPXDP_RES_MALFORMED;
	default:
		return SIPXDP_RES_NOT_SIP;
	}
}

/* The kernel's result for an intact packet against the parser's for its payload. */
static void check_result(const struct snapshot *d, const unsigned char *payload, size_t len)
{
	static const char *const why[SIPXDP_RESULT_MAX] = {
		[SIPXDP_RES_SIP] = "the packet: SIP to the parser, not to the kernel",
		[SIPXDP_RES_NOT_SIP] = "the packet: not SIP to the parser, but to the kernel",
		[SIPXDP_RES_TRUNCATED] = "the packet: truncated to the parser, not to the kernel",
		[SIPXDP_RES_MALFORMED] = "the packet: malformed to the parser, not to the kernel",
	};
	int want = parser_result(payload, len);

	if (d->counters[want] != 1 && disagree(why[want], payload, len))
		for (int res = 0; res < SIPXDP_RESULT_MAX; res++)
			if (d->counters[res])
				fprintf(stderr, "  kernel result %d, parser %d\n", res, want);
}

/* Messages counted, records written and lost: every message has its record. */
static void check_totals(const struct snapshot *d, __u64 records_read)
{
	CHECK_EQ(d->counters[SIPXDP_CNT_MESSAGES],
		 d->counters[SIPXDP_CNT_EVENTS] + d->counters[SIPXDP_CNT_EVENTS_LOST]);
	CHECK_EQ(d->counters[SIPXDP_CNT_EVENTS], records_read);
	CHECK_EQ(d->counters[SIPXDP_CNT_MESSAGES], delta_responses(d) + delta_requests(d));
	CHECK_EQ(h.seq_gaps, 0);
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

/*
 * SIP messages to mutate, chosen to make the hard cases likely: numbers
 * with long runs of leading zeros and at 2^32, folded headers, blanks
 * before colons, compact forms, header names in any case, a CSeq late in
 * the headers, methods sipxdp does not name, other versions, and TCP
 * segments of several messages (a sipfrag body among them).
 */
static const char *const seeds[] = {
	"SIP/2.0 200 OK\r\nCall-ID: a@b\r\nCSeq: 1 INVITE\r\nContact: <sip:x@y>\r\n"
	"Content-Length: 0\r\n\r\n",
	"SIP/2.0 301 Moved\r\ni: c\r\ncseq: 2 INVITE\r\nm: <sip:a@b>, sip:c@d;q=1\r\nl: 4\r\n\r\n"
	"abcdSIP/2.0 180 Ringing\r\nCSeq: 2 INVITE\r\n\r\n",
	"ACK sip:b@c SIP/2.0\r\nCall-ID: a@b\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
	"INVITE sip:b@c SIP/2.0\r\nVia: SIP/2.0/UDP x\r\nCall-ID: q\r\nCSeq: 9 INVITE\r\n\r\n",
	"SIP/2.0 486 Busy Here\r\nCSeq: 4 INVITE\r\nContent-Length: 10\r\n\r\n0123456789",
	"SIP/2.0 183 Progress\r\nCSeq: 000000000000000000007 PRACK\r\n"
	"Content-Length: 0000000000003\r\n\r\nabcSIP/2.0 200 OK\r\nCSeq: 00000000000 BYE\r\n\r\n",
	"SIP/2.0 200 OK\r\nCSeq: 4294967296 INVITE\r\nl: 4294967295\r\n\r\n",
	"SIP/2.0 200 OK\r\nCSeq: 4294967295 INVITE\r\ncontent-length: 4294967296\r\n\r\n"
	"SIP/2.0 180 Ringing\r\nCSeq: 1 INVITE\r\n\r\n",
	"SIP/2.0 180 Ringing\r\nCSeq:\r\n 12\r\n\tINVITE\r\nContent-Length\r\n : 2\r\n\r\nxy"
	"BYE sip:a@b SIP/2.0\r\nCSeq: 2 BYE\r\n\r\n",
	"SIP/2.0 404 Not Found\r\nCSEQ \t :\t 3 REGISTER\r\nCONTENT-LENGTH :0\r\n\r\n"
	"OPTIONS sip:x SIP/2.0\r\ncSeQ: 3 OPTIONS\r\nL:0\r\n\r\n",
	"SIP/2.0 500 Oops\r\nv: SIP/2.0/TCP h\r\nf: <sip:a@b>;tag=1\r\nt: <sip:c@d>\r\n"
	"i: z@q\r\nX-A: 0123456789012345678901234567890123456789\r\n"
	"X-B: 0123456789012345678901234567890123456789\r\n"
	"X-C: 0123456789012345678901234567890123456789\r\nCSeq: 5 SUBSCRIBE\r\nl: 0\r\n\r\n",
	"FOO sip:x SIP/2.0\r\nCSeq: 1 FOO\r\nContent-Length: 0\r\n\r\n"
	"OPTIONS sip:x SIP/7.0\r\nCSeq: 2 OPTIONS\r\n\r\n",
	"\r\n\r\nNOTIFY sip:b@x SIP/2.0\r\nCSeq: 5 NOTIFY\r\nc: message/sipfrag\r\n"
	"Content-Length: 0000000000038\r\n\r\nSIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\n"
	"SUBSCRIBE sip:y SIP/2.0  \r\n\r\n",
	"SIP/2.0 200 OK\r\nCSeq: 1 INVITEX\r\nContent-Length: 0\r\n\r\n"
	"UPDATE sip:z SIP/2.0\r\nCSeq: 7 UPDATE\r\n\r\n",
};

/* Byte runs a mutation inserts: the pieces of the hard cases. */
static const char *const tokens[] = {
	"0000000000", "00000000000000000000", "4294967296", "4294967295", "\r\n ", "\r\n\t",
	" :", "\t:", "\r\n\r\n", "\r\n", "CSeq: 1 INVITE\r\n", "l: 5\r\n", "Content-Length: ",
	"SIP/2.0 ", " SIP/2.0", "SIP/2.0 200 OK\r\n", "INVITE ", "FOO ", " SIP/7.0", "  ",
};

/* A mutated packet, and its payload when its headers are intact. */
struct mutated {
	size_t len;
	bool intact;		/* headers undamaged and the packet not cut */
	int proto;
	const unsigned char *payload;	/* intact: in the packet */
	size_t payload_len;
};

/* A seed's payload, damaged by 1..6 mutations; returns its length. */
static size_t mutate(unsigned char *payload, size_t room)
{
	const char *seed = seeds[rnd_below(sizeof(seeds) / sizeof(seeds[0]))];
	size_t plen = strlen(seed);

	memcpy(payload, seed, plen);
	for (unsigned int n = 1 + rnd_below(6); n; n--) {
		size_t at = rnd_below(plen);

		switch (rnd_below(7)) {
		case 0:	/* flip a byte */
			payload[at] = rnd();
			break;
		case 1:	/* cut */
			plen = 1 + rnd_below(plen);
			break;
		case 2:	/* insert a byte */
			if (plen < room) {
				memmove(payload + at + 1, payload + at, plen - at);
				payload[at] = rnd_below(2) ? (unsigned char)rnd() :
							(unsigned char)"\r\n :\t0"[rnd_below(6)];
				plen++;
			}
			break;
		case 3:	/* insert a token */
		{
			const char *t = tokens[rnd_below(sizeof(tokens) / sizeof(tokens[0]))];
			size_t tlen = strlen(t);

			if (plen + tlen <= room) {
				memmove(payload + at + tlen, payload + at, plen - at);
				memcpy(payload + at, t, tlen);
				plen += tlen;
			}
			break;
		}
		case 4:	/* a letter's case */
			if (isalpha(payload[at]))
				payload[at] ^= 0x20;
			break;
		case 5:	/* the payload again after itself: messages in a row */
			if (2 * plen <= room) {
				memcpy(payload + plen, payload, plen);
				plen *= 2;
			}
			break;
		default: /* a digit in the status code */
			if (plen > 10)
				payload[8 + rnd_below(3)] = '0' + rnd_below(10);
			break;
		}
	}
	return plen;
}

/* A valid SIP packet, then its payload mutated, and sometimes its headers. */
static struct mutated mutated_packet(unsigned char *pkt)
{
	static unsigned char payload[1400];
	struct pkt_spec spec = {
		.vlans = rnd_below(3),
		.ipv6 = rnd_below(2),
		.proto = rnd_below(2) ? IPPROTO_UDP : IPPROTO_TCP,
		.payload = payload,
	};
	struct mutated out = { .intact = true };

	spec.payload_len = mutate(payload, sizeof(payload));
	out.len = pkt_build(&spec, pkt);
	out.proto = spec.proto;
	out.payload_len = spec.payload_len;
	out.payload = pkt + out.len - out.payload_len;
	if (rnd_below(10) == 0) {
		size_t at = rnd_below(out.len);

		pkt[at] = rnd();	/* and sometimes a header byte */
		if (at < out.len - out.payload_len)
			out.intact = false;
	}
	if (rnd_below(10) == 0) {
		out.len = 14 + rnd_below(out.len - 13);	/* or the packet itself cut short */
		out.intact = false;
	}
	return out;
}

/*
 * Random packets: those that do not mention SIP/2.0 count nothing and
 * write no record; the few that do by chance go through the oracle too.
 */
static void test_random_packets(void)
{
	static unsigned char pkt[PKT_MAX];
	struct snapshot d;
	__u64 records = 0;
	int sip_like = 0;

	harness_reset(&h);
	for (long i = 0; i < random_packets; i++) {
		size_t len = random_packet(pkt);
		bool mentions = mentions_sip(pkt, len);

		sip_like += mentions;
		harness_forget_records(&h);
		if (!run_unchanged(pkt, len))
			return;
		ring_buffer__consume(h.rb);
		if (!mentions)
			CHECK_EQ(h.n_events, 0);
		check_records();
		records += h.n_events;
	}
	if (harness_read(&h, &d)) {
		CHECK(!"reading the maps failed");
		return;
	}
	check_totals(&d, records);
	CHECK_EQ(snapshot_packets_seen(&d), random_packets);
	printf("random: %d of %ld packets mention SIP/2.0, %llu records\n", sip_like,
	       random_packets, (unsigned long long)records);
	snapshot_free(&d);
}

static void test_mutated_packets(void)
{
	static unsigned char pkt[PKT_MAX];
	struct snapshot d;
	__u64 messages, before, records = 0;

	/* first, one by one: a counted response's status line is in the packet,
	 * and an intact packet is to the kernel what its payload is to the parser */
	for (long i = 0; i < checked_one_by_one; i++) {
		struct run_out out;
		struct mutated p = mutated_packet(pkt);

		if (harness_run(&h, pkt, p.len, &out)) {
			CHECK(!"test run failed");
			return;
		}
		CHECK(out.verdict_ok);
		for (size_t r = 0; r < out.delta.n_responses; r++) {
			char line[16];
			bool found = false;

			snprintf(line, sizeof(line), "/2.0 %u", out.delta.responses[r].code);
			for (size_t j = 0; j + strlen(line) <= p.len && !found; j++)
				found = memcmp(pkt + j, line, strlen(line)) == 0;
			if (!found)
				fprintf(stderr, "counted code %u not in the packet\n",
					out.delta.responses[r].code);
			CHECK(found);
		}
		if (delta_responses(&out.delta) + delta_requests(&out.delta))
			CHECK(mentions_sip(pkt, p.len));
		check_messages(pkt, p.len, p.intact && p.proto == IPPROTO_UDP,
			       out.delta.counters[SIPXDP_CNT_MESSAGES]);
		check_records();
		check_totals(&out.delta, h.n_events);
		if (p.intact)
			check_result(&out.delta, p.payload, p.payload_len);
		snapshot_free(&out.delta);
	}
	/* then the rest in bulk: each packet's records through the oracle, the
	 * message counter read after each for its bound, the totals at the end */
	harness_reset(&h);
	if (!messages_counted(&before))
		return;
	for (long i = checked_one_by_one; i < mutated_packets; i++) {
		struct mutated p = mutated_packet(pkt);

		harness_forget_records(&h);
		if (!run_unchanged(pkt, p.len))
			return;
		if (!messages_counted(&messages))
			return;
		check_messages(pkt, p.len, p.intact && p.proto == IPPROTO_UDP, messages - before);
		before = messages;
		ring_buffer__consume(h.rb);
		check_records();
		records += h.n_events;
	}
	if (harness_read(&h, &d)) {
		CHECK(!"reading the maps failed");
		return;
	}
	CHECK_EQ(snapshot_packets_seen(&d), mutated_packets - checked_one_by_one);
	CHECK(d.counters[SIPXDP_CNT_MESSAGES] >= d.counters[SIPXDP_RES_SIP]);
	CHECK_EQ(d.counters[SIPXDP_CNT_EVENTS_LOST], 0);
	check_totals(&d, records);
	snapshot_free(&d);
}

int main(void)
{
	static const struct tl_test tests[] = {
		TEST(test_random_packets),
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
	for (int i = 0; i < n_disagreements; i++)
		printf("disagreement: %s: %ld times\n", disagreements[i].why,
		       disagreements[i].count);
	harness_close(&h);
	return rc;
}
