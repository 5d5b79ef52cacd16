// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Captures written here with libpcap (pcapng by hand), one per link type,
 * read back as Ethernet frames; then every capture in ../shared/captures
 * when it is there, against the packet counts in its expected.json.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "capture.h"
#include "testlib.h"

#define SHARED_DIR	"../shared/captures"
#define TS_SEC		1700000000ull
#define TS_NSEC		123456789ull

/* A directory under /tmp for one test's files, removed by tmp_remove(). */
struct tmp {
	char dir[64];
	char path[64 + 1 + 256];
};

static int tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/sipxdp-capture-XXXXXX");
	return mkdtemp(t->dir) != NULL;
}

static const char *tmp_file(struct tmp *t, const char *name)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	return t->path;
}

static void tmp_remove(struct tmp *t)
{
	struct dirent *de;
	DIR *d = opendir(t->dir);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(tmp_file(t, de->d_name));
	closedir(d);
	rmdir(t->dir);
}

struct packet {
	const __u8 *data;
	size_t len;
	__u64 ts_ns;
};

/* Writes packets in a nanosecond pcap of link type dlt; 0 on success. */
static int write_pcap(const char *path, int dlt, int snaplen, const struct packet *pkts,
		      size_t n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, snaplen,
							 PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;

	if (!p)
		return -1;
	d = pcap_dump_open(p, path);
	if (!d) {
		pcap_close(p);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = {
			.ts.tv_sec = (time_t)(pkts[i].ts_ns / 1000000000ull),
			.ts.tv_usec = (suseconds_t)(pkts[i].ts_ns % 1000000000ull),
			.caplen = (bpf_u_int32)pkts[i].len,
			.len = (bpf_u_int32)pkts[i].len,
		};

		pcap_dump((u_char *)d, &h, pkts[i].data);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The start of an IPv4 and an IPv6 header, then bytes to find again. */
static const __u8 ipv4_pkt[] = {
	0x45, 0x00, 0x00, 0x20, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	192, 0, 2, 1, 192, 0, 2, 2, 'S', 'I', 'P', '/', '2', '.', '0', ' ',
	'2', '0', '0', '\n',
};
static const __u8 ipv6_pkt[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'I', 'N', 'V', 'I', 'T', 'E', ' ', 's',
};
/* What an SLL v1 capture of VLAN 100 holds after its header. */
static const __u8 vlan_pkt[] = {
	0x00, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x14, 0xaa, 0xbb,
};
static const __u8 ipv5_pkt[] = { 0x50, 0x01, 0x02, 0x03 };

static const __u8 eth_hdr[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
};
/* packet type, ARPHRD_ETHER, address length 6, address, protocol */
static const __u8 sll_ipv4_hdr[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 8, 0 };
static const __u8 sll_ipv6_hdr[16] = { 0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd };
static const __u8 sll_vlan_hdr[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x81, 0 };
/* 802.2 LLC: a protocol value that is not an Ethernet type */
static const __u8 sll_llc_hdr[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0, 4 };
static const __u8 sll2_ipv6_hdr[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
					 2, 0, 0, 0, 0, 1, 0, 0 };
static const __u8 sll2_ipv4_hdr[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
					 2, 0, 0, 0, 0, 1, 0, 0 };
static const __u8 null_le_inet[4] = { 2, 0, 0, 0 };
static const __u8 null_be_inet[4] = { 0, 0, 0, 2 };
static const __u8 null_le_inet6_linux[4] = { 10, 0, 0, 0 };
static const __u8 null_be_inet6_macos[4] = { 0, 0, 0, 30 };
static const __u8 null_le_inet6_bsd[4] = { 24, 0, 0, 0 };
static const __u8 null_unknown[4] = { 7, 0, 0, 0 };
static const __u8 loop_inet[4] = { 0, 0, 0, 2 };
static const __u8 loop_inet6_freebsd[4] = { 0, 0, 0, 28 };
/* LOOP is big-endian only: a little-endian 2 is no family */
static const __u8 loop_le_inet[4] = { 2, 0, 0, 0 };

struct link_case {
	const char *what;
	int dlt;
	const char *dlt_name;
	const __u8 *hdr;	/* link header written before the payload */
	size_t hdr_len;
	const __u8 *payload;
	size_t payload_len;
	__u16 ethertype;	/* expected; the frame then holds the payload */
};

#define LINK_CASE(w, d, dn, h, p, et) \
	{ w, d, dn, h, sizeof(h), p, sizeof(p), et }
#define RAW_CASE(w, d, dn, p, et) \
	{ w, d, dn, NULL, 0, p, sizeof(p), et }

static const struct link_case link_cases[] = {
	LINK_CASE("sll ipv4", DLT_LINUX_SLL, "LINUX_SLL", sll_ipv4_hdr, ipv4_pkt, 0x0800),
	LINK_CASE("sll ipv6", DLT_LINUX_SLL, "LINUX_SLL", sll_ipv6_hdr, ipv6_pkt, 0x86dd),
	LINK_CASE("sll vlan", DLT_LINUX_SLL, "LINUX_SLL", sll_vlan_hdr, vlan_pkt, 0x8100),
	LINK_CASE("sll llc", DLT_LINUX_SLL, "LINUX_SLL", sll_llc_hdr, ipv4_pkt, 0),
	LINK_CASE("sll2 ipv6", DLT_LINUX_SLL2, "LINUX_SLL2", sll2_ipv6_hdr, ipv6_pkt,
		  0x86dd),
	LINK_CASE("sll2 ipv4", DLT_LINUX_SLL2, "LINUX_SLL2", sll2_ipv4_hdr, ipv4_pkt,
		  0x0800),
	LINK_CASE("null le inet", DLT_NULL, "NULL", null_le_inet, ipv4_pkt, 0x0800),
	LINK_CASE("null be inet", DLT_NULL, "NULL", null_be_inet, ipv4_pkt, 0x0800),
	LINK_CASE("null le inet6 linux", DLT_NULL, "NULL", null_le_inet6_linux, ipv6_pkt,
		  0x86dd),
	LINK_CASE("null be inet6 macos", DLT_NULL, "NULL", null_be_inet6_macos, ipv6_pkt,
		  0x86dd),
	LINK_CASE("null le inet6 bsd", DLT_NULL, "NULL", null_le_inet6_bsd, ipv6_pkt,
		  0x86dd),
	LINK_CASE("null unknown family", DLT_NULL, "NULL", null_unknown, ipv4_pkt, 0),
	LINK_CASE("loop inet", DLT_LOOP, "LOOP", loop_inet, ipv4_pkt, 0x0800),
	LINK_CASE("loop inet6", DLT_LOOP, "LOOP", loop_inet6_freebsd, ipv6_pkt, 0x86dd),
	LINK_CASE("loop little-endian", DLT_LOOP, "LOOP", loop_le_inet, ipv4_pkt, 0),
	RAW_CASE("raw ipv4", DLT_RAW, "RAW", ipv4_pkt, 0x0800),
	RAW_CASE("raw ipv6", DLT_RAW, "RAW", ipv6_pkt, 0x86dd),
	RAW_CASE("raw version 5", DLT_RAW, "RAW", ipv5_pkt, 0),
	RAW_CASE("ipv4", DLT_IPV4, "IPV4", ipv4_pkt, 0x0800),
	RAW_CASE("ipv6", DLT_IPV6, "IPV6", ipv6_pkt, 0x86dd),
};

/* Reads one packet; the frame must be a zero-MAC header + the payload. */
static void check_framed(struct capture *c, const struct link_case *lc, __u64 ts_ns)
{
	static const __u8 zero_macs[12];
	const __u8 *frame = NULL;
	char err[256] = "";
	__u64 ts = 0;
	__u32 len = 0;
	int ret = capture_next(c, &frame, &len, &ts, err, sizeof(err));

	CHECK_EQ(ret, 1);
	if (ret != 1) {
		fprintf(stderr, "  %s: %s\n", lc->what, err);
		return;
	}
	CHECK_EQ(len, 14 + lc->payload_len);
	CHECK_EQ(ts, ts_ns);
	CHECK(memcmp(frame, zero_macs, sizeof(zero_macs)) == 0);
	CHECK_EQ(frame[12] << 8 | frame[13], lc->ethertype);
	CHECK(len == 14 + lc->payload_len &&
	      memcmp(frame + 14, lc->payload, lc->payload_len) == 0);
	if (len != 14 + lc->payload_len || (frame[12] << 8 | frame[13]) != lc->ethertype)
		fprintf(stderr, "  in case \"%s\"\n", lc->what);
}

/* Every link type: two packets each, the second 1 ns after the first. */
static void test_link_types(void)
{
	struct tmp t;

	CHECK(tmp_make(&t));
	for (size_t i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		const struct link_case *lc = &link_cases[i];
		__u8 pkt[64];
		__u64 ts0 = TS_SEC * 1000000000ull + TS_NSEC;
		struct packet pkts[2] = {
			{ pkt, lc->hdr_len + lc->payload_len, ts0 },
			{ pkt, lc->hdr_len + lc->payload_len, ts0 + 1 },
		};
		const char *path = tmp_file(&t, "link.pcap");
		const __u8 *frame;
		char err[256] = "";
		struct capture *c;
		__u64 ts;
		__u32 len;

		if (lc->hdr_len)
			memcpy(pkt, lc->hdr, lc->hdr_len);
		memcpy(pkt + lc->hdr_len, lc->payload, lc->payload_len);
		CHECK_EQ(write_pcap(path, lc->dlt, 65535, pkts, 2), 0);
		c = capture_open(path, err, sizeof(err));
		CHECK(c != NULL);
		if (!c) {
			fprintf(stderr, "  %s: %s\n", lc->what, err);
			continue;
		}
		CHECK_STR(capture_linktype_name(c), lc->dlt_name);
		check_framed(c, lc, ts0);
		check_framed(c, lc, ts0 + 1);
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), 0);
		capture_close(c);
		unlink(path);
	}
	tmp_remove(&t);
}

/* Ethernet frames come back byte for byte, the header included. */
static void test_ethernet_as_is(void)
{
	__u8 pkt[sizeof(eth_hdr) + sizeof(ipv4_pkt)];
	struct packet p = { pkt, sizeof(pkt), 5 * 1000000000ull + 7 };
	const __u8 *frame = NULL;
	char err[256] = "";
	struct capture *c;
	__u64 ts = 0;
	__u32 len = 0;
	struct tmp t;

	CHECK(tmp_make(&t));
	memcpy(pkt, eth_hdr, sizeof(eth_hdr));
	memcpy(pkt + sizeof(eth_hdr), ipv4_pkt, sizeof(ipv4_pkt));
	CHECK_EQ(write_pcap(tmp_file(&t, "eth.pcap"), DLT_EN10MB, 65535, &p, 1), 0);
	c = capture_open(t.path, err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		CHECK_STR(capture_linktype_name(c), "EN10MB");
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), 1);
		CHECK_EQ(len, sizeof(pkt));
		CHECK(len == sizeof(pkt) && memcmp(frame, pkt, sizeof(pkt)) == 0);
		CHECK_EQ(ts, 5 * 1000000000ull + 7);
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), 0);
		capture_close(c);
	}
	tmp_remove(&t);
}

/* How far a capture has been read: packets, bytes, and the file's size. */
static void test_position(void)
{
	struct packet pkts[3] = {
		{ ipv4_pkt, sizeof(ipv4_pkt), 1 },
		{ ipv6_pkt, sizeof(ipv6_pkt), 2 },
		{ ipv4_pkt, sizeof(ipv4_pkt), 3 },
	};
	struct capture_position pos = { 0 };
	const __u8 *frame;
	char err[256] = "";
	struct capture *c;
	struct stat st;
	__u64 ts;
	__u32 len;
	struct tmp t;

	CHECK(tmp_make(&t));
	CHECK_EQ(write_pcap(tmp_file(&t, "pos.pcap"), DLT_RAW, 65535, pkts, 3), 0);
	CHECK_EQ(stat(t.path, &st), 0);
	c = capture_open(t.path, err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		capture_position(c, &pos);
		CHECK_EQ(pos.packets, 0);
		CHECK_EQ(pos.size, (unsigned long long)st.st_size);
		CHECK(pos.offset <= pos.size);
		while (capture_next(c, &frame, &len, &ts, err, sizeof(err)) == 1)
			;
		capture_position(c, &pos);
		CHECK_EQ(pos.packets, 3);
		CHECK_EQ(pos.offset, pos.size);	/* all of it read */
		capture_close(c);
	}
	tmp_remove(&t);
}

/* A packet of libpcap's largest snaplen: its frame is cut to 256 KiB. */
static void test_frame_bound(void)
{
	const size_t big = 256 * 1024;
	__u8 *pkt = calloc(1, big);
	struct packet p = { pkt, big, 1 };
	const __u8 *frame = NULL;
	char err[256] = "";
	struct capture *c;
	__u64 ts;
	__u32 len = 0;
	struct tmp t;

	CHECK(pkt != NULL);
	if (!pkt)
		return;
	CHECK(tmp_make(&t));
	pkt[0] = 0x45;
	pkt[big - 15] = 0xee;	/* the last byte that fits behind the header */
	CHECK_EQ(write_pcap(tmp_file(&t, "big.pcap"), DLT_RAW, (int)big, &p, 1), 0);
	c = capture_open(t.path, err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), 1);
		CHECK_EQ(len, big);
		CHECK(len == big && frame[14] == 0x45 && frame[big - 1] == 0xee);
		capture_close(c);
	}
	tmp_remove(&t);
	free(pkt);
}

static void test_not_a_capture(void)
{
	static const char text[] = "INVITE sip:bob@example.com SIP/2.0\r\nnot a capture\n";
	char err[256] = "";
	struct tmp t;

	CHECK(tmp_make(&t));
	CHECK_EQ(write_file(tmp_file(&t, "notes.txt"), text, sizeof(text) - 1), 0);
	CHECK(capture_open(t.path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, t.path) != NULL);
	CHECK(strlen(err) > strlen(t.path) + 2);

	/* missing file: libpcap's message names the path, once */
	err[0] = 0;
	CHECK(capture_open(tmp_file(&t, "missing.pcap"), err, sizeof(err)) == NULL);
	CHECK(strstr(err, t.path) != NULL);
	CHECK(strstr(strstr(err, t.path) + 1, t.path) == NULL);
	tmp_remove(&t);
}

static void test_unsupported_link_type(void)
{
	struct packet p = { ipv4_pkt, sizeof(ipv4_pkt), 0 };
	char err[256] = "";
	struct tmp t;

	CHECK(tmp_make(&t));
	CHECK_EQ(write_pcap(tmp_file(&t, "wifi.pcap"), DLT_IEEE802_11, 65535, &p, 1), 0);
	CHECK(capture_open(t.path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "IEEE802_11") != NULL);
	CHECK(strstr(err, t.path) != NULL);
	tmp_remove(&t);
}

/* Cut in the middle of the second packet's data: packet 1 reads, 2 fails. */
static void test_truncated_file(void)
{
	struct packet pkts[2] = {
		{ ipv4_pkt, sizeof(ipv4_pkt), 1 },
		{ ipv4_pkt, sizeof(ipv4_pkt), 2 },
	};
	const __u8 *frame;
	char err[256] = "";
	struct capture *c;
	__u64 ts;
	__u32 len;
	struct tmp t;

	CHECK(tmp_make(&t));
	CHECK_EQ(write_pcap(tmp_file(&t, "cut.pcap"), DLT_RAW, 65535, pkts, 2), 0);
	/* 24-byte file header, then 16 + 32 per packet; keep 10 bytes of the second */
	CHECK_EQ(truncate(t.path, 24 + 16 + sizeof(ipv4_pkt) + 16 + 10), 0);
	c = capture_open(t.path, err, sizeof(err));
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), 1);
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), -1);
		CHECK(strstr(err, t.path) != NULL);
		CHECK(strstr(err, "packet 2") != NULL);
		CHECK(strstr(err, "truncated") != NULL);
		capture_close(c);
	}
	tmp_remove(&t);
}

static void put32(__u8 **p, __u32 v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

static void put16(__u8 **p, __u16 v)
{
	memcpy(*p, &v, 2);
	*p += 2;
}

/*
 * A minimal pcapng in host byte order: SHB, an Ethernet IDB with if_tsresol
 * 9 (nanoseconds), one EPB holding `pkt`.
 */
static size_t make_pcapng(__u8 *out, const __u8 *pkt, __u32 len, __u64 ts_ns)
{
	__u32 padded = (len + 3) & ~3u;
	__u32 epb_len = 32 + padded;
	__u8 *p = out;

	put32(&p, 0x0A0D0D0A);		/* SHB */
	put32(&p, 28);
	put32(&p, 0x1A2B3C4D);
	put16(&p, 1);
	put16(&p, 0);
	put32(&p, 0xffffffff);		/* section length unknown */
	put32(&p, 0xffffffff);
	put32(&p, 28);

	put32(&p, 1);			/* IDB */
	put32(&p, 32);
	put16(&p, 1);			/* LINKTYPE_ETHERNET */
	put16(&p, 0);
	put32(&p, 65535);
	put16(&p, 9);			/* if_tsresol */
	put16(&p, 1);
	put32(&p, 9);			/* 10^-9, then 3 bytes of padding */
	put32(&p, 0);			/* opt_endofopt */
	put32(&p, 32);

	put32(&p, 6);			/* EPB */
	put32(&p, epb_len);
	put32(&p, 0);
	put32(&p, (__u32)(ts_ns >> 32));
	put32(&p, (__u32)ts_ns);
	put32(&p, len);
	put32(&p, len);
	memset(p, 0, padded);
	memcpy(p, pkt, len);
	p += padded;
	put32(&p, epb_len);
	return (size_t)(p - out);
}

static void test_pcapng(void)
{
	__u8 pkt[sizeof(eth_hdr) + sizeof(ipv6_pkt)];
	__u64 ts0 = TS_SEC * 1000000000ull + TS_NSEC;
	__u8 file[256];
	const __u8 *frame = NULL;
	char err[256] = "";
	struct capture *c;
	__u64 ts = 0;
	__u32 len = 0;
	struct tmp t;

	CHECK(tmp_make(&t));
	memcpy(pkt, eth_hdr, sizeof(eth_hdr));
	pkt[12] = 0x86;
	pkt[13] = 0xdd;
	memcpy(pkt + sizeof(eth_hdr), ipv6_pkt, sizeof(ipv6_pkt));
	CHECK_EQ(write_file(tmp_file(&t, "one.pcapng"), file,
			    make_pcapng(file, pkt, sizeof(pkt), ts0)), 0);
	c = capture_open(t.path, err, sizeof(err));
	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "  %s\n", err);
	} else {
		CHECK_STR(capture_linktype_name(c), "EN10MB");
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), 1);
		CHECK_EQ(len, sizeof(pkt));
		CHECK(len == sizeof(pkt) && memcmp(frame, pkt, sizeof(pkt)) == 0);
		CHECK_EQ(ts, ts0);
		CHECK_EQ(capture_next(c, &frame, &len, &ts, err, sizeof(err)), 0);
		capture_close(c);
	}
	tmp_remove(&t);
}

/* The whole of a small file in memory, NUL-terminated; NULL if unreadable. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		text = malloc((size_t)size + 1);
		if (text && fread(text, 1, (size_t)size, f) == (size_t)size) {
			text[size] = 0;
		} else {
			free(text);
			text = NULL;
		}
	}
	fclose(f);
	return text;
}

/* The "packets" figure of one file in expected.json, or -1. */
static long expected_packets(const char *json, const char *file)
{
	char key[300];
	const char *at;

	snprintf(key, sizeof(key), "\"%s\": {", file);
	at = strstr(json, key);
	if (!at)
		return -1;
	at = strstr(at, "\"packets\":");
	return at ? strtol(at + strlen("\"packets\":"), NULL, 10) : -1;
}

/* Every shared capture opens, reads to its end and has tshark's count. */
static void test_shared_captures(void)
{
	DIR *d = opendir(SHARED_DIR "/pcaps");
	char *json;
	struct dirent *de;
	int files = 0;

	/* they come with every checkout's CI: missing, the test fails */
	CHECK(d != NULL);
	if (!d) {
		fprintf(stderr, "%s/pcaps: %s\n", SHARED_DIR, strerror(errno));
		return;
	}
	json = read_text(SHARED_DIR "/expected.json");
	CHECK(json != NULL);
	while (json && (de = readdir(d))) {
		char path[512], err[512] = "";
		long packets = 0, untyped = 0, want;
		const __u8 *frame;
		struct capture *c;
		__u64 ts;
		__u32 len;
		int ret;

		if (de->d_name[0] == '.')
			continue;
		files++;
		snprintf(path, sizeof(path), SHARED_DIR "/pcaps/%s", de->d_name);
		c = capture_open(path, err, sizeof(err));
		CHECK(c != NULL);
		if (!c) {
			fprintf(stderr, "  %s\n", err);
			continue;
		}
		while ((ret = capture_next(c, &frame, &len, &ts, err, sizeof(err))) == 1) {
			packets++;
			if (len < 14 || (frame[12] << 8 | frame[13]) == 0)
				untyped++;
		}
		CHECK_EQ(ret, 0);
		want = expected_packets(json, de->d_name);
		CHECK_EQ(packets, want);
		/* every packet, cooked and loopback ones too, gets an Ethernet type */
		CHECK_EQ(untyped, 0);
		if (ret != 0 || packets != want)
			fprintf(stderr, "  %s: %s\n", de->d_name, err);
		capture_close(c);
	}
	CHECK(files > 0);
	free(json);
	closedir(d);
}

TEST_MAIN("capture",
	  TEST(test_link_types),
	  TEST(test_ethernet_as_is),
	  TEST(test_frame_bound),
	  TEST(test_position),
	  TEST(test_not_a_capture),
	  TEST(test_unsupported_link_type),
	  TEST(test_truncated_file),
	  TEST(test_pcapng),
	  TEST(test_shared_captures));
