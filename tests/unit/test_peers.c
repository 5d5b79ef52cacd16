// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "peers.h"
#include "testlib.h"

static struct sipxdp_addr addr_of(const char *text)
{
	struct sipxdp_addr a = { 0 };

	a.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, text, a.bytes) != 1) {
		fprintf(stderr, "test address %s does not parse\n", text);
		a.family = 0;
	}
	return a;
}

static const char *lookup(const struct peer_map *m, const char *text)
{
	struct sipxdp_addr a = addr_of(text);

	return peers_lookup(m, &a);
}

static const char sample[] =
	"# carriers and customers\n"
	"\n"
	"10.0.0.0/8        internal\n"
	"10.20.0.0/16      customer-a   # a comment after the name\n"
	"10.20.30.0/24\tcustomer_a.pbx\n"
	"10.20.30.40       pbx:primary\r\n"
	"192.0.2.0/25      carrier-1\n"
	"   \t  \n"
	"192.0.2.128/25    carrier-2\n"
	"2001:db8::/32     v6-carrier\n"
	"2001:db8:1::/48   v6-customer\n"
	"2001:db8:1::5     v6-host\n"
	"::/0              v6-default";

static void test_longest_prefix(void)
{
	char err[256] = "";
	struct peer_map *m = peers_parse(sample, "sample", err, sizeof(err));

	CHECK(m != NULL);
	if (!m) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_STR(lookup(m, "10.1.2.3"), "internal");
	CHECK_STR(lookup(m, "10.20.1.1"), "customer-a");
	CHECK_STR(lookup(m, "10.20.30.1"), "customer_a.pbx");
	CHECK_STR(lookup(m, "10.20.30.40"), "pbx:primary");
	CHECK_STR(lookup(m, "10.20.30.41"), "customer_a.pbx");
	CHECK_STR(lookup(m, "192.0.2.127"), "carrier-1");
	CHECK_STR(lookup(m, "192.0.2.128"), "carrier-2");
	CHECK_STR(lookup(m, "192.0.3.1"), "other");
	CHECK_STR(lookup(m, "11.0.0.0"), "other");
	CHECK_STR(lookup(m, "2001:db8:2::1"), "v6-carrier");
	CHECK_STR(lookup(m, "2001:db8:1:ffff::1"), "v6-customer");
	CHECK_STR(lookup(m, "2001:db8:1::5"), "v6-host");
	CHECK_STR(lookup(m, "2001:db8:1::6"), "v6-customer");
	CHECK_STR(lookup(m, "fe80::1"), "v6-default");
	/* ::/0 is IPv6 only: 0.0.0.0 in the same bytes is still IPv4 */
	CHECK_STR(lookup(m, "0.0.0.1"), "other");
	peers_free(m);
}

static void test_other(void)
{
	struct sipxdp_addr unknown_family = { .bytes = { 10, 1, 2, 3 }, .family = 0 };
	char err[256] = "";
	struct peer_map *m = peers_parse("0.0.0.0/0 everyone\n", "t", err, sizeof(err));
	struct peer_map *empty = peers_parse("# nothing yet\n\n", "t", err, sizeof(err));

	CHECK(m != NULL);
	CHECK(empty != NULL);
	CHECK_STR(lookup(NULL, "10.1.2.3"), "other");
	CHECK_STR(lookup(NULL, "2001:db8::1"), "other");
	CHECK_STR(lookup(m, "203.0.113.9"), "everyone");
	CHECK_STR(lookup(m, "2001:db8::1"), "other");
	CHECK_STR(peers_lookup(m, &unknown_family), "other");
	CHECK_STR(lookup(empty, "10.1.2.3"), "other");
	peers_free(m);
	peers_free(empty);
	peers_free(NULL);
}

/* Bytes past an IPv4 address's first four do not change its match. */
static void test_ipv4_ignores_tail(void)
{
	char err[256] = "";
	struct peer_map *m = peers_parse("10.0.0.1 one\n", "t", err, sizeof(err));
	struct sipxdp_addr a = addr_of("10.0.0.1");

	CHECK(m != NULL);
	a.bytes[9] = 0x55;
	CHECK_STR(peers_lookup(m, &a), "one");
	peers_free(m);
}

struct bad_case {
	const char *text;
	const char *want;	/* substrings of the message, '|' separated */
};

static const struct bad_case bad_cases[] = {
	{ "10.0.0.0/8 a\n10.0.0/8 b\n", "t:2: bad CIDR \"10.0.0/8\"" },
	{ "hello world\n", "t:1: bad CIDR \"hello\"" },
	{ "# c\n1.2.3.4.5 x\n", "t:2: bad CIDR" },
	{ "2001:db8::zz/32 x\n", "t:1: bad CIDR" },
	{ "fe80::1%eth0 x\n", "t:1: bad CIDR" },
	{ "\n\n10.0.0.0/33 x\n", "t:3: bad prefix length \"33\"|0 to 32" },
	{ "10.0.0.0/ x\n", "t:1: bad prefix length" },
	{ "10.0.0.0/-1 x\n", "t:1: bad prefix length" },
	{ "10.0.0.0/8x x\n", "t:1: bad prefix length" },
	{ "10.0.0.0/0008 x\n", "t:1: bad prefix length" },
	{ "2001:db8::/129 x\n", "t:1: bad prefix length \"129\"|0 to 128" },
	{ "10.1.0.0/8 x\n", "t:1: bad CIDR \"10.1.0.0/8\"|past /8" },
	{ "2001:db8::1/64 x\n", "t:1: bad CIDR|past /64" },
	{ "10.0.0.0/8\n", "t:1: bad name" },
	{ "10.0.0.0/8 # name commented out\n", "t:1: bad name" },
	{ "10.0.0.0/8 peer\"1\n", "t:1: bad name \"peer\"1\"" },
	{ "10.0.0.0/8 peer{a}\n", "t:1: bad name" },
	{ "10.0.0.0/8 caf\xc3\xa9\n", "t:1: bad name" },
	{ "10.0.0.0/8 "
	  "a123456789012345678901234567890123456789012345678901234567890123\n",
	  "t:1: bad name" },
	{ "10.0.0.0/8 two words\n", "t:1: unexpected \"words\"|max-calls=N, max-cps=N" },
	{ "10.0.0.0/8 a max-call=5\n", "t:1: unexpected \"max-call=5\"" },
	{ "10.0.0.0/8 a max-calls\n", "t:1: unexpected \"max-calls\"" },
	{ "\n10.0.0.0/8 a max-calls=\n", "t:2: bad \"max-calls=\"|1 to 10000000" },
	{ "10.0.0.0/8 a max-calls=0\n", "t:1: bad \"max-calls=0\"" },
	{ "10.0.0.0/8 a max-cps=-1\n", "t:1: bad \"max-cps=-1\"" },
	{ "10.0.0.0/8 a max-cps=+1\n", "t:1: bad \"max-cps=+1\"" },
	{ "10.0.0.0/8 a max-cps=1x\n", "t:1: bad \"max-cps=1x\"" },
	{ "10.0.0.0/8 a max-cps=10000001\n", "t:1: bad \"max-cps=10000001\"" },
	{ "10.0.0.0/8 a max-cps=99999999999999999999\n", "t:1: bad \"max-cps=9999" },
	{ "10.0.0.0/8 a max-calls=5 max-calls=5\n", "t:1: max-calls given twice" },
	{ "10.0.0.0/8 a max-calls=5\n# x\n10.9.0.0/16 a max-calls=6\n",
	  "t:3: max-calls=6 for a|line 1 gives max-calls=5" },
	{ "10.9.0.0/16 a max-cps=6\n10.0.0.0/8 a max-cps=5\n",
	  "t:2: max-cps=5 for a|line 1 gives max-cps=6" },
	{ "10.0.0.0/8 a\n10.1.0.0/16 b\n10.0.0.0/8 c\n",
	  "t:3: duplicate CIDR 10.0.0.0/8|line 1" },
	{ "2001:db8::/32 a\n2001:0db8:0000::/32 b\n", "t:2: duplicate CIDR 2001:db8::/32" },
	{ "10.0.0.1 a\n10.0.0.1/32 b\n", "t:2: duplicate CIDR 10.0.0.1/32" },
	/* the earliest repeat is named, whatever the sort order */
	{ "10.1.0.0/16 a\n10.9.0.0/16 b\n10.9.0.0/16 c\n10.1.0.0/16 d\n",
	  "t:3: duplicate CIDR 10.9.0.0/16|line 2" },
};

static int has_all(const char *msg, const char *want)
{
	char copy[256];

	snprintf(copy, sizeof(copy), "%s", want);
	for (char *part = strtok(copy, "|"); part; part = strtok(NULL, "|"))
		if (!strstr(msg, part))
			return 0;
	return 1;
}

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char err[256] = "";
		struct peer_map *m = peers_parse(bad_cases[i].text, "t", err, sizeof(err));

		CHECK(m == NULL);
		CHECK(has_all(err, bad_cases[i].want));
		if (m || !has_all(err, bad_cases[i].want))
			fprintf(stderr, "  case %zu: got \"%s\", want \"%s\"\n", i, err,
				bad_cases[i].want);
		peers_free(m);
	}
}

/* Limits are per name, from whichever of its lines gives them. */
static void test_peer_limits(void)
{
	static const char text[] = "10.0.0.0/8 carrier-a max-calls=300 max-cps=30 # trunk\n"
				   "10.9.0.0/16 carrier-a max-cps=030\n"
				   "192.0.2.0/24 carrier-b max-cps=10000000\n"
				   "198.51.100.0/24 lab\n";
	char err[256] = "";
	struct peer_map *m = peers_parse(text, "t", err, sizeof(err));
	unsigned int a = 0, b = 0, lab = 0;

	CHECK(m);
	if (!m) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	for (unsigned int id = 1; id <= peers_name_count(m); id++) {
		if (!strcmp(peers_name(m, id), "carrier-a"))
			a = id;
		if (!strcmp(peers_name(m, id), "carrier-b"))
			b = id;
		if (!strcmp(peers_name(m, id), "lab"))
			lab = id;
	}
	CHECK(a && b && lab);
	CHECK_EQ(peers_limit(m, a, PEER_LIMIT_CALLS), 300);
	CHECK_EQ(peers_limit(m, a, PEER_LIMIT_CPS), 30);
	CHECK_EQ(peers_limit(m, b, PEER_LIMIT_CALLS), 0);
	CHECK_EQ(peers_limit(m, b, PEER_LIMIT_CPS), PEER_LIMIT_MAX);
	CHECK_EQ(peers_limit(m, lab, PEER_LIMIT_CALLS), 0);
	CHECK_EQ(peers_limit(m, lab, PEER_LIMIT_CPS), 0);
	/* "other", an id out of range, no file */
	CHECK_EQ(peers_limit(m, 0, PEER_LIMIT_CALLS), 0);
	CHECK_EQ(peers_limit(m, 99, PEER_LIMIT_CPS), 0);
	CHECK_EQ(peers_limit(NULL, 1, PEER_LIMIT_CPS), 0);
	CHECK_STR(peer_limit_name(PEER_LIMIT_CALLS), "calls");
	CHECK_STR(peer_limit_name(PEER_LIMIT_CPS), "cps");
	peers_free(m);
}

static void test_name_limits(void)
{
	char text[128], err[256] = "";
	char name[PEER_NAME_MAX];
	struct peer_map *m;

	/* the longest name that fits: PEER_NAME_MAX - 1 characters */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	name[0] = 'A';
	name[1] = '_';
	name[2] = '.';
	name[3] = ':';
	name[4] = '-';
	name[5] = '9';
	snprintf(text, sizeof(text), "198.51.100.0/24 %s\n", name);
	m = peers_parse(text, "t", err, sizeof(err));
	CHECK(m != NULL);
	CHECK_STR(lookup(m, "198.51.100.7"), name);
	peers_free(m);
}

/* 10.x.y.0/24 for PEERS_MAX values of (x, y), with a name each. */
static char *many_entries(unsigned int n)
{
	char *text = malloc((size_t)n * 40 + 1), *p = text;

	if (!text)
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		p += sprintf(p, "10.%u.%u.0/24 p%u\n", i / 256, i % 256, i);
	*p = 0;
	return text;
}

static void test_many_entries(void)
{
	char *text = many_entries(PEERS_MAX), *more = many_entries(PEERS_MAX + 1);
	char err[256] = "", want[32], addr[32];
	struct peer_map *m;
	int wrong = 0;

	CHECK(text && more);
	if (!text || !more)
		goto out;
	m = peers_parse(text, "t", err, sizeof(err));
	CHECK(m != NULL);
	for (unsigned int i = 0; m && i < PEERS_MAX; i++) {
		snprintf(addr, sizeof(addr), "10.%u.%u.%u", i / 256, i % 256, i % 251);
		snprintf(want, sizeof(want), "p%u", i);
		wrong += strcmp(lookup(m, addr), want) != 0;
	}
	CHECK_EQ(wrong, 0);
	CHECK_STR(lookup(m, "10.16.0.1"), "other");
	peers_free(m);

	CHECK(peers_parse(more, "t", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "t:4097: too many entries") != NULL);
out:
	free(text);
	free(more);
}

static void test_load(void)
{
	char dir[] = "/tmp/sipxdp-peers-XXXXXX", path[64], err[256] = "", want[96];
	struct peer_map *m;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/peers.txt", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("# from a file\n203.0.113.0/24 lab\n203.0.113.5/32 lab bad\n", f);
		fclose(f);
	}
	CHECK(peers_load(path, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "%s:3: unexpected \"bad\"", path);
	CHECK(strstr(err, want) != NULL);

	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("203.0.113.0/24 lab\n", f);
		fclose(f);
	}
	m = peers_load(path, err, sizeof(err));
	CHECK(m != NULL);
	CHECK_STR(lookup(m, "203.0.113.200"), "lab");
	peers_free(m);

	unlink(path);
	CHECK(peers_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, path) != NULL);
	CHECK(strstr(err, "No such file") != NULL);
	rmdir(dir);
}

TEST_MAIN("peers",
	  TEST(test_longest_prefix),
	  TEST(test_other),
	  TEST(test_ipv4_ignores_tail),
	  TEST(test_errors),
	  TEST(test_peer_limits),
	  TEST(test_name_limits),
	  TEST(test_many_entries),
	  TEST(test_load));
