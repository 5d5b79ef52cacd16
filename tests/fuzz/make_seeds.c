// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes the binary seed inputs of the fuzzers that read binary input,
 * under DIR/capture/ and DIR/event/ (the text ones are committed in
 * tests/fuzz/corpus/). Generated rather than committed so they follow
 * struct sipxdp_event (a record's header) and libpcap's file format.
 * Usage: make_seeds DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <pcap/pcap.h>
#include "sipxdp.h"

static const char *dir;

static const char *path_of(const char *sub, const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return path;
}

static void make_dir(const char *sub)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* A UDP/IPv4 SIP response, without a link header. */
static const __u8 ipv4_sip[] = {
	0x45, 0x00, 0x00, 0x2b, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	192, 0, 2, 1, 192, 0, 2, 2,
	0x13, 0xc4, 0x13, 0xc4, 0x00, 0x17, 0x00, 0x00,
	'S', 'I', 'P', '/', '2', '.', '0', ' ', '2', '0', '0', ' ', 'O', 'K', '\r', '\n',
};
static const __u8 eth_ipv4[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
static const __u8 sll_ipv4[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00 };
static const __u8 null_inet[4] = { 2, 0, 0, 0 };

/* One pcap of two packets: link header + ipv4_sip, then a cut copy. */
static void write_pcap(const char *name, int dlt, const __u8 *hdr, size_t hdr_len)
{
	__u8 pkt[64];
	pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, 65535,
							 PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = p ? pcap_dump_open(p, path_of("capture", name)) : NULL;
	struct pcap_pkthdr h = { .ts.tv_sec = 1700000000, .ts.tv_usec = 5 };

	if (!d) {
		fprintf(stderr, "%s: %s\n", name, p ? pcap_geterr(p) : "pcap_open_dead");
		exit(1);
	}
	if (hdr_len)
		memcpy(pkt, hdr, hdr_len);
	memcpy(pkt + hdr_len, ipv4_sip, sizeof(ipv4_sip));
	h.caplen = h.len = (bpf_u_int32)(hdr_len + sizeof(ipv4_sip));
	pcap_dump((u_char *)d, &h, pkt);
	h.ts.tv_usec++;
	h.caplen = (bpf_u_int32)(hdr_len / 2);
	pcap_dump((u_char *)d, &h, pkt);
	pcap_dump_close(d);
	pcap_close(p);
}

static __u8 *put32(__u8 *p, __u32 v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static __u8 *put16(__u8 *p, __u16 v)
{
	memcpy(p, &v, 2);
	return p + 2;
}

/* pcapng, by hand (libpcap writes only pcap): SHB, IDB (Ethernet), one EPB. */
static void write_pcapng(void)
{
	__u8 file[256], *p = file;
	size_t len = sizeof(eth_ipv4) + sizeof(ipv4_sip), padded = (len + 3) & ~3u;

	p = put32(p, 0x0a0d0d0a);
	p = put32(p, 28);
	p = put32(p, 0x1a2b3c4d);
	p = put16(p, 1);
	p = put16(p, 0);
	p = put32(p, 0xffffffff);	/* section length unknown */
	p = put32(p, 0xffffffff);
	p = put32(p, 28);
	p = put32(p, 1);		/* IDB */
	p = put32(p, 20);
	p = put16(p, DLT_EN10MB);
	p = put16(p, 0);
	p = put32(p, 65535);
	p = put32(p, 20);
	p = put32(p, 6);		/* EPB */
	p = put32(p, (__u32)(32 + padded));
	p = put32(p, 0);		/* interface */
	p = put32(p, 0);		/* time stamp, high and low */
	p = put32(p, 1000);
	p = put32(p, (__u32)len);
	p = put32(p, (__u32)len);
	memset(p, 0, padded);
	memcpy(p, eth_ipv4, sizeof(eth_ipv4));
	memcpy(p + sizeof(eth_ipv4), ipv4_sip, sizeof(ipv4_sip));
	p += padded;
	p = put32(p, (__u32)(32 + padded));
	write_file(path_of("capture", "ethernet.pcapng"), file, (size_t)(p - file));
}

/* Appends one record, as fuzz_event reads them: 16-bit size, then the
 * header and the message's bytes. */
static size_t add_record(__u8 *out, __u64 seq, __u64 ts_ns, int from_uas, const char *text)
{
	struct sipxdp_event h = {
		.ts_ns = ts_ns,
		.seq = seq,
		.saddr = { .bytes = { 192, 0, 2, 1 }, .family = AF_INET },
		.daddr = { .bytes = { 192, 0, 2, 2 }, .family = AF_INET },
		.sport = 5060,
		.dport = 5060,
		.len = (__u16)strlen(text),
		.msg_len = (__u32)strlen(text),
		.transport = 17,
	};
	size_t size = sizeof(h) + h.len;

	if (from_uas) {
		h.saddr.bytes[3] = 2;
		h.daddr.bytes[3] = 1;
	}
	out[0] = size & 0xff;
	out[1] = size >> 8;
	memcpy(out + 2, &h, sizeof(h));
	memcpy(out + 2 + sizeof(h), text, h.len);
	return 2 + size;
}

static void write_events(void)
{
	static __u8 buf[16 * (sizeof(struct sipxdp_event) + 256)];
	static const char ok[] = "SIP/2.0 200 OK\r\nCall-ID: a@b\r\nTo: <sip:b@x>;tag=1\r\n"
				 "CSeq: 1 INVITE\r\n\r\n";
	static const char moved[] = "SIP/2.0 302 Moved\r\nCall-ID: r@b\r\nCSeq: 2 INVITE\r\n"
				    "Contact: \"Doe, J\" <sip:a@x>;q=0.5, sip:b@y;expires=60\r\n\r\n";
	size_t n = 0;

	/* one record of each kind the trackers take */
	n = add_record(buf, 1, 100, 1, ok);
	write_file(path_of("event", "invite_2xx.bin"), buf, n);
	n = add_record(buf, 1, 100, 1, moved);
	write_file(path_of("event", "redirect.bin"), buf, n);

	/*
	 * A call: INVITE, 180, 2xx, its retransmission, its ACK, BYE and its
	 * 200; then one whose 2xx goes missing, its ACK late and without a
	 * CSeq, and a record lost between (seq 10 to 12).
	 */
	n = 0;
	n += add_record(buf + n, 1, 50, 0, "INVITE sip:b@x SIP/2.0\r\nCall-ID: a@b\r\n"
			"To: <sip:b@x>\r\nCSeq: 1 INVITE\r\n\r\n");
	n += add_record(buf + n, 2, 60, 1, "SIP/2.0 180 Ringing\r\nCall-ID: a@b\r\n"
			"To: <sip:b@x>;tag=1\r\nCSeq: 1 INVITE\r\n\r\n");
	n += add_record(buf + n, 3, 100, 1, ok);
	n += add_record(buf + n, 4, 200, 1, ok);
	n += add_record(buf + n, 5, 300, 0, "ACK sip:b@x SIP/2.0\r\nCall-ID: a@b\r\n"
			"To: <sip:b@x>;tag=1\r\nCSeq: 1 ACK\r\n\r\n");
	n += add_record(buf + n, 6, 350, 0, "BYE sip:b@x SIP/2.0\r\nCall-ID: a@b\r\n"
			"To: <sip:b@x>;tag=1\r\nCSeq: 2 BYE\r\n\r\n");
	n += add_record(buf + n, 7, 360, 1, "SIP/2.0 200 OK\r\nCall-ID: a@b\r\n"
			"To: <sip:b@x>;tag=1\r\nCSeq: 2 BYE\r\n\r\n");
	n += add_record(buf + n, 10, 400, 1, "SIP/2.0 200 OK\r\nCall-ID: m@b\r\n"
			"To: <sip:b@x>;tag=2\r\nCSeq: 7 INVITE\r\n\r\n");
	n += add_record(buf + n, 12, 5000, 0, "ACK sip:b@x SIP/2.0\r\nCall-ID: m@b\r\n"
			"To: <sip:b@x>;tag=2\r\n");
	write_file(path_of("event", "calls.bin"), buf, n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	make_dir("capture");
	make_dir("event");
	write_pcap("ethernet.pcap", DLT_EN10MB, eth_ipv4, sizeof(eth_ipv4));
	write_pcap("sll.pcap", DLT_LINUX_SLL, sll_ipv4, sizeof(sll_ipv4));
	write_pcap("null.pcap", DLT_NULL, null_inet, sizeof(null_inet));
	write_pcap("raw.pcap", DLT_RAW, NULL, 0);
	write_pcapng();
	write_events();
	return 0;
}
