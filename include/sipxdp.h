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
#define SIPXDP_MSG_MAX		4096	/* message bytes an event carries at most */
#define SIPXDP_MAX_MSGS		16	/* SIP messages parsed per TCP segment */

/* Default map sizes; `sipxdp run` can change them before loading. */
#define SIPXDP_DEFAULT_SOURCES	  65536	/* (source, code or method) entries */
#define SIPXDP_DEFAULT_RESPONSES  4096	/* (direction, method, code) entries */
#define SIPXDP_DEFAULT_MEDIA_STREAMS 65536	/* --max-media-streams */
/*
 * --ring-buffer: MiB of events. Small enough that the ring's pages stay in
 * the TLB and its lines in a cache (a 16 MiB ring made a 1 KiB record cost
 * twice as much to write and to read), large enough for every message of
 * 3,000 calls/s through a proxy while the agent serves a scrape.
 */
#define SIPXDP_DEFAULT_RINGBUF_MB 4

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
	SIPXDP_CNT_EVENTS_CUT,		/* events carrying fewer bytes than their message */
	SIPXDP_CNT_SOURCE_UPDATE_FAILED,	/* per-source map refused an entry */
	SIPXDP_CNT_RESPONSE_UPDATE_FAILED,	/* response map full */
	SIPXDP_CNT_SOURCE_INSERTS,	/* per-source entries created: less the entries
					 * there now, what the LRU evicted */
	SIPXDP_CNT_EVENTS_TRIED,	/* events written or lost: on each CPU, the last
					 * event's `seq` */
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

/*
 * Key of `sources`: the messages one IP source address sent, per response
 * code and per request method, in one LRU map (so one bound, one insert
 * count and so one eviction count for both). `code` is a response's code,
 * 100..699, or a request's method (enum sipxdp_method, 1..SIPXDP_M_OTHER),
 * below SIPXDP_SOURCE_FIRST_CODE: no code is ever read as a method, nor a
 * method as a code.
 */
struct sipxdp_source_key {
	struct sipxdp_addr addr;
	__u16 code;		/* 100..699: a response code; 1..15: a request method */
	__u16 pad;
};

#define SIPXDP_SOURCE_FIRST_CODE	100
#define SIPXDP_SOURCE_IS_REQUEST(code)	((code) < SIPXDP_SOURCE_FIRST_CODE)

/* Key of `responses`: all responses by direction, CSeq method and code. */
struct sipxdp_response_key {
	__u16 code;		/* 100..699 */
	__u8 direction;		/* enum sipxdp_direction */
	__u8 method;		/* enum sipxdp_method, from CSeq */
};

/* Event flags. */
#define SIPXDP_EVF_CUT		(1u << 0)	/* the message is longer than the bytes carried */

/*
 * One ring-buffer record: this header, then `len` bytes of the SIP message
 * exactly as they came (from its start line; leading CRLF keep-alives
 * included), up to SIPXDP_MSG_MAX. Every SIP message the program counts is
 * handed over: the agent parses it (user/sip/) and keeps what it needs.
 *
 * `seq` numbers the records each CPU tried to write, from 1, whether the
 * ring had room or not: a gap between two records of one CPU is records
 * lost, between their two times. `method` and `status` are what the kernel
 * counted the message as, so that the agent's parse can be checked
 * against them.
 */
struct sipxdp_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) when parsed */
	__u64 seq;		/* per CPU: 1, 2, ... over every record tried */
	struct sipxdp_addr saddr;
	struct sipxdp_addr daddr;
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u32 cpu;		/* the CPU whose `seq` this is */
	__u32 msg_len;		/* the message's bytes in the packet: start line to the end of
				 * its body (TCP, with a Content-Length), else to the end of
				 * the payload; len < msg_len when cut */
	__u16 len;		/* bytes that follow this header */
	__u16 status;		/* a response's code; 0 for a request */
	__u8 method;		/* a request's method; a response's CSeq method, or
				 * SIPXDP_M_UNKNOWN without a valid CSeq */
	__u8 direction;		/* enum sipxdp_direction */
	__u8 transport;		/* IPPROTO_UDP or IPPROTO_TCP */
	__u8 flags;		/* SIPXDP_EVF_* */
	__u32 pad;
};

#endif /* SIPXDP_H */
