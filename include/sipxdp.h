/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by the BPF program (bpf/) and the agent (user/): map keys and
 * values, the event record, and the limits both sides must agree on.
 *
 * Per-CPU map values hold only __u64 fields, so user space can sum them
 * across CPUs without knowing their layout.
 */
#ifndef SIPXDP_H
#define SIPXDP_H

#include <linux/types.h>

/* Limits the kernel side enforces and user space relies on. */
#define SIPXDP_MAX_PORTS	16	/* --ports list length */
#define SIPXDP_CALLID_LEN	128	/* Call-ID bytes kept in an event */
#define SIPXDP_CONTACT_LEN	512	/* Contact bytes kept in an event */
#define SIPXDP_TAG_LEN		64	/* To-tag bytes kept in an event */
#define SIPXDP_SCAN_LEN		2048	/* payload bytes scanned per message */
#define SIPXDP_MAX_MSGS		16	/* SIP messages parsed per packet */
#define SIPXDP_MAX_LINES	96	/* header lines scanned per message */

/* Default map sizes; `sipxdp run` can change them before loading. */
#define SIPXDP_DEFAULT_SOURCES	  65536	/* (source, code) entries */
#define SIPXDP_DEFAULT_RESPONSES  4096	/* (direction, method, code) entries */
#define SIPXDP_DEFAULT_RINGBUF	  (1u << 20)	/* ~1400 events of slack */

/*
 * Packet and program counters, the index into the per-CPU `counters` array.
 * The first SIPXDP_RESULT_MAX entries classify every packet exactly once,
 * so their sum is the number of packets seen.
 */
enum sipxdp_counter {
	SIPXDP_RES_SIP = 0,	/* at least one SIP message counted */
	SIPXDP_RES_NOT_SIP,	/* not SIP, or SIP on a port not in --ports */
	SIPXDP_RES_TRUNCATED,	/* payload ends inside a SIP start line */
	SIPXDP_RES_MALFORMED,	/* SIP start line with a bad status code, bad IP header */
	SIPXDP_RES_FRAGMENT,	/* IPv4/IPv6 fragment other than the first */
	SIPXDP_RESULT_MAX,

	SIPXDP_CNT_MESSAGES = SIPXDP_RESULT_MAX, /* SIP messages (>= sip packets) */
	SIPXDP_CNT_EVENTS,		/* events written to the ring buffer */
	SIPXDP_CNT_EVENTS_LOST,		/* ring buffer full: event dropped */
	SIPXDP_CNT_FIELDS_CUT,		/* events with a field cut to its slot */
	SIPXDP_CNT_SOURCE_UPDATE_FAILED,	/* per-source map refused an entry */
	SIPXDP_CNT_RESPONSE_UPDATE_FAILED,	/* response map full */
	SIPXDP_CNT_SOURCE_INSERTS,	/* per-source entries created: less the entries
					 * there now, what the LRU evicted */
	SIPXDP_COUNTER_MAX,
};

/* Which way the packet went: XDP sees ingress, the TC program egress. */
enum sipxdp_direction {
	SIPXDP_DIR_INGRESS = 0,
	SIPXDP_DIR_EGRESS = 1,
	SIPXDP_DIR_MAX,
};

/*
 * SIP methods with a label of their own; anything else is OTHER. The order
 * is the index into `requests` and the names in user/sip_names.c.
 */
enum sipxdp_method {
	SIPXDP_M_UNKNOWN = 0,	/* no CSeq found (responses only) */
	SIPXDP_M_INVITE,
	SIPXDP_M_ACK,
	SIPXDP_M_BYE,
	SIPXDP_M_CANCEL,
	SIPXDP_M_REGISTER,
	SIPXDP_M_OPTIONS,
	SIPXDP_M_PRACK,
	SIPXDP_M_SUBSCRIBE,
	SIPXDP_M_NOTIFY,
	SIPXDP_M_PUBLISH,
	SIPXDP_M_INFO,
	SIPXDP_M_REFER,
	SIPXDP_M_MESSAGE,
	SIPXDP_M_UPDATE,
	SIPXDP_M_OTHER,
	SIPXDP_METHOD_MAX,
};

/* Key of `requests`: direction * SIPXDP_METHOD_MAX + method. */
#define SIPXDP_REQUEST_SLOTS	(SIPXDP_DIR_MAX * SIPXDP_METHOD_MAX)

/*
 * Per-peer response counters, where nothing evicts: `peer_ranges`, a
 * longest-prefix-match trie of the --peers ranges, gives a source's peer id
 * (1.., 0 when in none: "other"), and `peer_responses`, an array, counts at
 * id * SIPXDP_CLASSES + class - 1 (classes 1xx..6xx).
 */
#define SIPXDP_CLASSES		6
#define SIPXDP_MAX_PEERS	4096	/* distinct peer names, and ranges */

/* Key of `peer_ranges`: IPv6, or IPv4 as ::ffff:a.b.c.d with 96 added to
 * its prefix length, so one trie holds both. */
struct sipxdp_peer_key {
	__u32 prefix_len;
	__u8 addr[16];
};

/* An IPv4 or IPv6 address; IPv4 sits in the first 4 bytes, the rest zero. */
struct sipxdp_addr {
	__u8 bytes[16];
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 pad[3];
};

/* Key of `sources`: responses sent by one IP source address, per code. */
struct sipxdp_source_key {
	struct sipxdp_addr addr;
	__u16 code;		/* 100..699 */
	__u16 pad;
};

/* Key of `responses`: all responses by direction, CSeq method and code. */
struct sipxdp_response_key {
	__u16 code;		/* 100..699 */
	__u8 direction;		/* enum sipxdp_direction */
	__u8 method;		/* enum sipxdp_method, from CSeq */
};

/* What an event reports. */
enum sipxdp_event_kind {
	SIPXDP_EV_INVITE_2XX = 1,	/* 2xx response whose CSeq method is INVITE */
	SIPXDP_EV_ACK,			/* ACK request */
	SIPXDP_EV_REDIRECT,		/* 3xx response */
	SIPXDP_EV_REQUEST,		/* INVITE, BYE, CANCEL, OPTIONS or REGISTER request */
	SIPXDP_EV_RESPONSE,		/* any other response whose CSeq method is one of
					 * those (INVITE's 1xx and 4xx-6xx, all of BYE's...) */
	SIPXDP_EV_KIND_MAX,
};

/* Event flags: a field did not fit its slot or was not found. */
#define SIPXDP_EVF_CALLID_CUT	(1u << 0)
#define SIPXDP_EVF_CONTACT_CUT	(1u << 1)
#define SIPXDP_EVF_NO_CALLID	(1u << 2)
#define SIPXDP_EVF_NO_CSEQ	(1u << 3)
#define SIPXDP_EVF_TAG_CUT	(1u << 4)
#define SIPXDP_EVF_NO_TO_TAG	(1u << 5)	/* no To header, or one without a tag */

/*
 * One ring-buffer record: a message the agent must see in full. Strings are
 * not NUL-terminated; their *_len says how many bytes are valid.
 * `contact` holds the values of every Contact header of the message, in
 * order, joined by ','; user space splits them into URIs. A record is
 * SIPXDP_EVENT_SIZE bytes: shorter than the struct.
 */
struct sipxdp_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() when parsed */
	struct sipxdp_addr saddr;
	struct sipxdp_addr daddr;
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u8 kind;		/* enum sipxdp_event_kind */
	__u8 direction;		/* enum sipxdp_direction */
	__u8 method;		/* a request's method, a response's CSeq method */
	__u8 flags;		/* SIPXDP_EVF_* */
	__u16 status;		/* response code, 0 for requests */
	__u16 transport;	/* IPPROTO_UDP or IPPROTO_TCP */
	__u32 cseq;		/* CSeq number */
	__u16 call_id_len;
	__u16 contact_len;
	__u16 to_tag_len;
	__u16 pad;
	char to_tag[SIPXDP_TAG_LEN];	/* the To header's tag parameter */
	char call_id[SIPXDP_CALLID_LEN];
	char contact[SIPXDP_CONTACT_LEN];
};

/*
 * Bytes of a record: one with Contact bytes (a 3xx) ends after them, one
 * without after its Call-ID's, so most events do not carry the empty end
 * of the Call-ID slot across CPUs.
 */
#define SIPXDP_EVENT_SIZE(call_id_len, contact_len)				\
	((contact_len) ? __builtin_offsetof(struct sipxdp_event, contact) + (contact_len) : \
			 __builtin_offsetof(struct sipxdp_event, call_id) + (call_id_len))

#endif /* SIPXDP_H */
