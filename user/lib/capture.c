// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "capture.h"

#define ETH_HDR_LEN	14
#define ETH_TYPE_OFF	12	/* after two MAC addresses, left zero */
/* libpcap's own largest snaplen; a frame is cut to it. */
#define FRAME_MAX	(256u * 1024)

#define ETHERTYPE_NONE	0x0000	/* not IP: the XDP program counts it as not SIP */
#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86DD
#define ETHERTYPE_MIN	0x0600	/* below it SLL carries an 802.3 length or a pseudo-type */

#define SLL_HDR_LEN	16
#define SLL_PROTO_OFF	14
#define SLL2_HDR_LEN	20
#define SLL2_PROTO_OFF	0
#define NULL_HDR_LEN	4

struct capture {
	pcap_t *pcap;
	char *path;
	int dlt;
	unsigned long long packets;	/* read so far, to name the bad one */
	unsigned long long size;	/* of a regular file; 0 for a pipe */
	__u8 *frame;			/* made-up Ethernet header + payload */
	size_t frame_size;
};

static int link_type_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return 1;
	}
	return 0;
}

static const char *link_type_name(int dlt)
{
	const char *name = pcap_datalink_val_to_name(dlt);

	return name ? name : "unknown";
}

/* The size of the file a capture is read from; 0 when it is not a regular file. */
static unsigned long long file_size(pcap_t *pcap)
{
	FILE *f = pcap_file(pcap);
	struct stat st;

	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
		return 0;
	return (unsigned long long)st.st_size;
}

struct capture *capture_open(const char *path, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;
	int snaplen;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	c->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							   pcap_err);
	if (!c->pcap) {
		/* libpcap names the file itself when it could not open it */
		if (strstr(pcap_err, path))
			snprintf(err, errlen, "%s", pcap_err);
		else
			snprintf(err, errlen, "%s: %s", path, pcap_err);
		goto fail;
	}
	c->dlt = pcap_datalink(c->pcap);
	c->size = file_size(c->pcap);
	if (!link_type_supported(c->dlt)) {
		snprintf(err, errlen, "%s: link type %s (%d) is not supported", path,
			 link_type_name(c->dlt), c->dlt);
		goto fail;
	}
	c->path = strdup(path);
	if (!c->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (c->dlt != DLT_EN10MB) {
		snaplen = pcap_snapshot(c->pcap);
		if (snaplen < 0 || (size_t)snaplen > FRAME_MAX - ETH_HDR_LEN)
			snaplen = FRAME_MAX - ETH_HDR_LEN;
		c->frame_size = ETH_HDR_LEN + (size_t)snaplen;
		c->frame = malloc(c->frame_size);
		if (!c->frame) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
	}
	return c;
fail:
	capture_close(c);
	return NULL;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap);
	free(c->frame);
	free(c->path);
	free(c);
}

void capture_position(const struct capture *c, struct capture_position *pos)
{
	FILE *f = pcap_file(c->pcap);
	long off = f ? ftell(f) : -1;

	pos->packets = c->packets;
	pos->size = c->size;
	/* ftell counts what stdio has buffered, so it runs a little ahead */
	pos->offset = off < 0 ? 0 : (unsigned long long)off;
	if (pos->size && pos->offset > pos->size)
		pos->offset = pos->size;
}

const char *capture_linktype_name(const struct capture *c)
{
	return link_type_name(c->dlt);
}

static __u16 get_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* BSD address families: AF_INET everywhere; AF_INET6 differs by system. */
static __u16 ethertype_of_family(__u32 family)
{
	switch (family) {
	case 2:
		return ETHERTYPE_IPV4;
	case 10:	/* Linux */
	case 24:	/* NetBSD, OpenBSD */
	case 28:	/* FreeBSD */
	case 30:	/* macOS */
		return ETHERTYPE_IPV6;
	}
	return ETHERTYPE_NONE;
}

static __u16 ethertype_of_ip_version(const __u8 *ip, size_t len)
{
	if (len < 1)
		return ETHERTYPE_NONE;
	switch (ip[0] >> 4) {
	case 4:
		return ETHERTYPE_IPV4;
	case 6:
		return ETHERTYPE_IPV6;
	}
	return ETHERTYPE_NONE;
}

/* Linux cooked capture: its protocol field is an Ethernet type from 0x0600 on. */
static size_t sll_header(const __u8 *pkt, size_t len, size_t hdr_len, size_t proto_off,
			 __u16 *ethertype)
{
	__u16 proto;

	if (len < hdr_len)
		return 0;
	proto = get_be16(pkt + proto_off);
	if (proto >= ETHERTYPE_MIN)
		*ethertype = proto;
	return hdr_len;
}

/*
 * The link header's length and the Ethernet type of what follows it. A
 * packet too short for its link header keeps all its bytes, typed NONE.
 */
static size_t link_header(int dlt, const __u8 *pkt, size_t len, __u16 *ethertype)
{
	__u32 le, be;

	*ethertype = ETHERTYPE_NONE;
	switch (dlt) {
	case DLT_LINUX_SLL:
		return sll_header(pkt, len, SLL_HDR_LEN, SLL_PROTO_OFF, ethertype);
	case DLT_LINUX_SLL2:
		return sll_header(pkt, len, SLL2_HDR_LEN, SLL2_PROTO_OFF, ethertype);
	case DLT_NULL:
	case DLT_LOOP:
		if (len < NULL_HDR_LEN)
			return 0;
		be = (__u32)pkt[0] << 24 | (__u32)pkt[1] << 16 | pkt[2] << 8 | pkt[3];
		le = (__u32)pkt[3] << 24 | (__u32)pkt[2] << 16 | pkt[1] << 8 | pkt[0];
		*ethertype = ethertype_of_family(be);
		/* NULL is in the capturing host's byte order, LOOP always big-endian */
		if (*ethertype == ETHERTYPE_NONE && dlt == DLT_NULL)
			*ethertype = ethertype_of_family(le);
		return NULL_HDR_LEN;
	default:	/* DLT_RAW, DLT_IPV4, DLT_IPV6 */
		*ethertype = ethertype_of_ip_version(pkt, len);
		return 0;
	}
}

static int make_frame(struct capture *c, const __u8 *pkt, size_t caplen, const __u8 **frame,
		      __u32 *len, char *err, size_t errlen)
{
	__u16 ethertype;
	size_t hdr = link_header(c->dlt, pkt, caplen, &ethertype);
	size_t payload = caplen - hdr;
	size_t need;
	__u8 *grown;

	if (payload > FRAME_MAX - ETH_HDR_LEN)
		payload = FRAME_MAX - ETH_HDR_LEN;
	need = ETH_HDR_LEN + payload;
	if (need > c->frame_size) {
		/* libpcap keeps caplen within the snaplen; safety need not rely on it */
		grown = realloc(c->frame, need);
		if (!grown) {
			snprintf(err, errlen, "%s: packet %llu: out of memory", c->path,
				 c->packets);
			return -1;
		}
		c->frame = grown;
		c->frame_size = need;
	}
	memset(c->frame, 0, ETH_TYPE_OFF);
	c->frame[ETH_TYPE_OFF] = ethertype >> 8;
	c->frame[ETH_TYPE_OFF + 1] = ethertype & 0xff;
	memcpy(c->frame + ETH_HDR_LEN, pkt + hdr, payload);
	*frame = c->frame;
	*len = (__u32)need;
	return 1;
}

int capture_next(struct capture *c, const __u8 **frame, __u32 *len, __u64 *ts_ns,
		 char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *pkt;
	int ret;

	ret = pcap_next_ex(c->pcap, &h, &pkt);
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1) {
		snprintf(err, errlen, "%s: packet %llu: %s", c->path, c->packets + 1,
			 pcap_geterr(c->pcap));
		return -1;
	}
	c->packets++;
	/* opened with nanosecond precision: tv_usec holds nanoseconds */
	*ts_ns = (__u64)h->ts.tv_sec * 1000000000ull + (__u64)h->ts.tv_usec;
	if (c->dlt == DLT_EN10MB) {
		*frame = pkt;
		*len = h->caplen < FRAME_MAX ? h->caplen : FRAME_MAX;
		return 1;
	}
	return make_frame(c, pkt, h->caplen, frame, len, err, errlen);
}
