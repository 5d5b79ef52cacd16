// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sipxdp: counts SIP responses per source, peer, code and CSeq method, and
 * SIP requests per method and per source, and hands every SIP message it
 * counts to the agent as it came, in the ring buffer: the agent parses it. The kernel
 * reads a header only where its own counting needs one: a response's CSeq
 * method, and over TCP the Content-Length that says where the next message
 * of the segment starts.
 *
 * One parser serves the XDP (ingress) and TC (egress) entry points. It only
 * watches: XDP always returns XDP_PASS and TC always TC_ACT_UNSPEC, and no
 * packet byte is ever written.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "sipxdp.h"
#include "parsing.h"
#include "sip.h"
#include "rtp.h"

#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Bytes TC pulls into the head when the headers are not all in it: room for
 * two VLAN tags, IPv6 and TCP with options. */
#define TC_PULL_LEN	128

/* Set by the loader before load; the verifier prunes what they turn off. */
const volatile __u16 cfg_ports[SIPXDP_MAX_PORTS] = {};
const volatile __u32 cfg_nports = 0;	/* 0: SIP found by content on any port */
const volatile __u32 cfg_npeer_ranges = 0;	/* 0: every source is "other" */
/* Ring-buffer records wake the agent only once this many bytes wait (0: each). */
const volatile __u32 cfg_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPXDP_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPXDP_REQUEST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} requests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, SIPXDP_DEFAULT_RESPONSES);
	__type(key, struct sipxdp_response_key);
	__type(value, __u64);
} responses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, SIPXDP_DEFAULT_SOURCES);
	__type(key, struct sipxdp_source_key);
	__type(value, __u64);
} sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SIPXDP_DEFAULT_RINGBUF_MB << 20);
} events SEC(".maps");

/*
 * Sized by the loader from --peers. The ranges are filled afresh at each
 * start; the counters are pinned by the loader with a fingerprint of the
 * peers, and carry on across a restart with the same ones.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sipxdp_peer_key);
	__type(value, __u32);
} peer_ranges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPXDP_CLASSES);
	__type(key, __u32);
	__type(value, __u64);
} peer_responses SEC(".maps");

/* One window per CPU: too large for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		(*v)++;
}

enum hash_inc_result {
	HASH_REFUSED,	/* the map is full (a hash map) */
	HASH_COUNTED,	/* on an entry that was there */
	HASH_INSERTED,	/* on a new entry */
};

/* Lookup-or-insert for per-CPU hash counters. */
static __always_inline enum hash_inc_result hash_inc(void *map, const void *key)
{
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(map, key);
	if (v) {
		(*v)++;
		return HASH_COUNTED;
	}
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return HASH_INSERTED;
	/* -EEXIST: another CPU inserted it first; count on ours. */
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		return HASH_REFUSED;
	(*v)++;
	return HASH_COUNTED;
}

/*
 * The record of the message in s->buf: its header filled in, then header
 * and bytes out in one copy. `seq` counts, per CPU, every record tried, so
 * the agent sees a gap where one was lost. XDP and TC never run nested on
 * one CPU (TC egress runs with softirqs off), so the count needs no atomic.
 */
static __always_inline void emit(struct scratch *s, __u32 msg_len, __u32 len, __u8 method,
				 __u16 status)
{
	__u32 seq_idx = SIPXDP_CNT_EVENTS_TRIED;
	__u64 *seq = bpf_map_lookup_elem(&counters, &seq_idx), size, flags;

	if (!seq)
		return;
	s->ev.seq = ++*seq;
	s->ev.cpu = bpf_get_smp_processor_id();
	s->ev.ts_ns = bpf_ktime_get_ns();
	s->ev.msg_len = msg_len;
	s->ev.method = method;
	s->ev.status = status;
	s->ev.flags = 0;
	if (len > WIN_LEN)
		len = WIN_LEN;
	if (len < msg_len) {
		s->ev.flags = SIPXDP_EVF_CUT;
		count(SIPXDP_CNT_EVENTS_CUT);
	}
	s->ev.len = len;
	size = sizeof(s->ev) + len;
	barrier_var(size);
	if (size > sizeof(s->ev) + WIN_LEN)
		return;
	/*
	 * A wake-up per record costs more than the whole parse: the agent is
	 * woken only when a batch waits, and drains on its own tick too.
	 */
	flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, &s->ev, size, flags))
		count(SIPXDP_CNT_EVENTS_LOST);
	else
		count(SIPXDP_CNT_EVENTS);
}

/*
 * The start line of a response: "SIP/2.0 NNN" then a blank or the line end.
 * Returns the code, 0 if this is not a response, or sets *res to
 * TRUNCATED (the line stops short) or MALFORMED (bad code).
 */
static __always_inline __u16 status_code(const struct scratch *s, __u32 off, __u32 avail,
					 __u8 *res)
{
	/* "SIP" is case-insensitive (RFC 3261 ABNF); fold its letters only. */
	const __u64 fold_sip = 0x202020;
	__u64 w = load_word(s, off) | fold_sip;
	__u8 c0, c1, c2, after;

	if (avail < 8) {
		if ((w & LOW_BYTES(avail)) != (lit("sip/2.0 ", 8) & LOW_BYTES(avail)))
			return 0;
		*res = SIPXDP_RES_TRUNCATED;
		return 0;
	}
	if (w != lit("sip/2.0 ", 8))
		return 0;
	c0 = load_byte(s, off + 8);
	c1 = load_byte(s, off + 9);
	c2 = load_byte(s, off + 10);
	after = load_byte(s, off + 11);
	if ((avail > 8 && !is_digit(c0)) || (avail > 9 && !is_digit(c1)) ||
	    (avail > 10 && !is_digit(c2)) ||
	    (avail > 11 && after != ' ' && after != '\r' && after != '\n')) {
		*res = SIPXDP_RES_MALFORMED;
		return 0;
	}
	if (avail < 12) {
		*res = SIPXDP_RES_TRUNCATED;
		return 0;
	}
	if (c0 < '1' || c0 > '6') {
		*res = SIPXDP_RES_MALFORMED;
		return 0;
	}
	return (c0 - '0') * 100 + (c1 - '0') * 10 + (c2 - '0');
}

/* " SIP/2.0" in the eight bytes that end at i (SIP in any case). */
static __always_inline bool ends_in_sip_2_0(const struct scratch *s, __u32 i)
{
	return (load_word(s, i - 8) | 0x20202000) == lit(" sip/2.0", 8);
}

/*
 * A request line, from its first byte (A..Z) to eol, its LF: a request
 * when it ends in " SIP/2.0"; malformed when it ends in another SIP
 * version, or in blanks after " SIP/2.0" (a peer that sends it misbehaves,
 * and an operator must see it); any other line is not SIP. Global: most
 * packets never get here, and the verifier checks it once.
 */
__attribute__((noinline)) int sip_request_line(const struct scratch *s, __u32 start, __u32 eol)
{
	__u32 end = eol, trimmed;
	__u64 w;

	if (!s)
		return SIPXDP_RES_NOT_SIP;
	if (end > start && load_byte(s, end - 1) == '\r')
		end--;
	if (end < start + 9)
		return SIPXDP_RES_NOT_SIP;
	if (end >= start + 12 && ends_in_sip_2_0(s, end))
		return SIPXDP_RES_SIP;
	w = load_word(s, end - 8) | 0x20202000;
	if (word_is(w, " sip/", 5) && is_digit(w >> 40) && ((w >> 48) & 0xff) == '.' &&
	    is_digit(w >> 56))
		return SIPXDP_RES_MALFORMED;	/* another version */
	trimmed = sip_skip_back(s, start, end, SKIP_BLANKS);
	if (trimmed < end && trimmed >= start + 9 && ends_in_sip_2_0(s, trimmed))
		return SIPXDP_RES_MALFORMED;
	return SIPXDP_RES_NOT_SIP;
}

/*
 * One header line that may matter, at ls: the empty line, CSeq or
 * Content-Length. Returns 1 when the scan is over. The first CSeq and the
 * first Content-Length are the ones read, valid or not, as the agent's
 * parser reads them.
 */
__attribute__((noinline)) int sip_header_line(struct scratch *s, __u32 ls)
{
	struct hdr_scan *h;
	__u32 v = 0, m;
	__u8 c, method;
	__s64 num;

	if (!s)
		return 1;
	h = &s->hdr;
	if (ls >= h->end)
		return 1;
	c = load_byte(s, ls);
	if (c == '\n' || (c == '\r' && ls + 1 < h->end && load_byte(s, ls + 1) == '\n')) {
		h->body = ls + (c == '\r') + 1;
		return 1;
	}
	switch (header_at(s, ls, h->end, &v)) {
	case HDR_CSEQ:
		if (!(h->need & NEED_CSEQ))
			break;
		h->need &= ~NEED_CSEQ;
		/* 1*DIGIT LWS Method */
		num = sip_parse_number(s, v, sip_skip(s, v, h->end, SKIP_ZEROS), h->end);
		if (num < 0)
			break;
		v = NUMBER_END(num);
		m = sip_skip_lws(s, v, h->end);
		if (m == v || m >= h->end)
			break;
		c = load_byte(s, m);
		if (c == '\n')
			break;	/* the header ends: no method */
		method = method_at(s, m, h->end, METHOD_END_LWS);
		/* a CSeq the bytes end in before its last line's LF is cut */
		if (sip_find_byte(s, m, h->end, '\n', 1) != NO_EOL)
			h->cseq_method = method;
		break;
	case HDR_CONTENT_LENGTH:
		if (!(h->need & NEED_LENGTH))
			break;
		h->need &= ~NEED_LENGTH;
		num = sip_parse_number(s, v, sip_skip(s, v, h->end, SKIP_ZEROS), h->end);
		if (num >= 0 && at_line_end(s, sip_skip_lws(s, NUMBER_END(num), h->end), h->end)) {
			h->content_length = NUMBER_VALUE(num);
			h->has_content_length = true;
		}
		break;
	default:
		break;
	}
	return h->need ? 0 : 1;
}

/*
 * CHUNK_WORDS steps of the header scan from h->pos. A line that may matter
 * starts after an LF with c or C (CSeq, Content-Length), l or L (its
 * compact form) or a line end (the empty line): each word is compared with
 * the one a byte further on, eight positions at a time, and only those
 * lines are read. Folded to lower case, CR reads as '-' and LF as '*':
 * lines starting with those are read too, and found to be neither.
 * Returns 1 when the scan is over.
 */
__attribute__((noinline)) int sip_header_chunk(struct scratch *s)
{
	struct hdr_scan *h;
	__u64 w, next, cand;
	__u32 p, i, ls;

	if (!s)
		return 1;
	h = &s->hdr;
	p = h->pos;
	for (i = 0; i < CHUNK_WORDS; i++) {
		if (p + 1 >= h->end)
			return 1;
		w = load_word(s, p);
		next = load_word(s, p + 1) | FOLD;
		cand = zero_bytes(w ^ (ONES * '\n')) &
		       (zero_bytes(next ^ (ONES * 'c')) | zero_bytes(next ^ (ONES * 'l')) |
			zero_bytes(next ^ (ONES * ('\r' | 0x20))) |
			zero_bytes(next ^ (ONES * ('\n' | 0x20))));
		if (!cand) {
			p += 8;
			continue;
		}
		ls = p + lowest_flag(cand) + 1;
		if (ls >= h->end || sip_header_line(s, ls))
			return 1;
		p = ls;
	}
	h->pos = p;
	return 0;
}

/*
 * The header scan's bpf_loop callback. Its state lives in the scratch map
 * value, unknown to the verifier, so the callback converges at once.
 * Deepest call chain, TC's: tc, walk, message, this, chunk, line, a skip
 * or a search, its step: eight frames, the verifier's most.
 */
static long header_chunk_cb(__u32 idx __attribute__((unused)), void *unused __attribute__((unused)))
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);

	/* a callback must return 0 or 1, provably */
	return s ? sip_header_chunk(s) & 1 : 1;
}

/* The exact per-peer count, where the per-source LRU map may evict. */
static __always_inline void count_peer_response(const struct sipxdp_addr *src, __u16 code)
{
	struct sipxdp_peer_key key = { .prefix_len = 128 };
	__u32 peer = 0, slot, *id;
	__u64 *v;

	if (cfg_npeer_ranges) {
		if (src->family == AF_INET) {
			key.addr[10] = 0xff;
			key.addr[11] = 0xff;
			__builtin_memcpy(&key.addr[12], src->bytes, 4);
		} else {
			__builtin_memcpy(key.addr, src->bytes, 16);
		}
		id = bpf_map_lookup_elem(&peer_ranges, &key);
		if (id)
			peer = *id;
	}
	slot = peer * SIPXDP_CLASSES + code / 100 - 1;
	v = bpf_map_lookup_elem(&peer_responses, &slot);
	if (v)
		(*v)++;
}

static __always_inline void count_response(struct scratch *s, __u16 code, __u8 method)
{
	struct sipxdp_response_key rk = {
		.code = code,
		.direction = s->ev.direction,
		.method = method,
	};

	if (hash_inc(&responses, &rk) == HASH_REFUSED)
		count(SIPXDP_CNT_RESPONSE_UPDATE_FAILED);
	count_peer_response(&s->ev.saddr, code);
}

/*
 * The per-source row of a message: a response's code, or a request's
 * method (below 100, sipxdp.h), in the one LRU map, so requests and
 * responses share its bound, its insert count and so its evictions.
 * One call site for both kinds, after the branch, is a shape the 6.1
 * verifier forced: a hash_inc inlined in each branch took sipxdp_tc to
 * 30,492 processed instructions (over the 30,000 budget); this one left it
 * at 29,703, 160 fewer than with responses alone counted in their branch.
 */
static __always_inline void count_source(struct scratch *s, __u16 code)
{
	struct sipxdp_source_key sk = { .code = code };

	__builtin_memcpy(&sk.addr, &s->ev.saddr, sizeof(sk.addr));
	switch (hash_inc(&sources, &sk)) {
	case HASH_REFUSED:
		count(SIPXDP_CNT_SOURCE_UPDATE_FAILED);
		break;
	case HASH_INSERTED:
		count(SIPXDP_CNT_SOURCE_INSERTS);
		break;
	case HASH_COUNTED:
		break;
	}
}

/*
 * The SIP message at s->msg.off of the packet: copied into the window,
 * its start line read, counted, its headers scanned where a counter or the
 * walk needs them, and handed over. Returns 1 to stop (no further message,
 * or this one was not SIP). One global function per context type (the
 * copy helpers differ), each verified once; the scratch window is looked up
 * here, not passed in, because 6.1 takes a map value but not a global
 * function's memory argument as a map key.
 */
static __always_inline int sip_message(void *pkt_ctx, bool is_xdp)
{
	__u32 zero = 0, len, left, start, eol, msg_len;
	__u8 res = SIPXDP_RES_NOT_SIP, method = 0;
	struct scratch *s;
	struct msg_walk *m;
	struct hdr_scan *h;
	__u16 code;
	__u64 next;

	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return 1;
	m = &s->msg;
	h = &s->hdr;
	if (m->off >= m->payload_len)
		return 1;
	left = m->payload_len - m->off;
	/*
	 * 1 <= len <= WIN_LEN, in a form every verifier can read off the
	 * register passed to the helper: 6.1 learns no lower bound from a
	 * "len != 0" test (what clang makes of "len < 1"), but it does from
	 * an AND and an ADD.
	 */
	len = left < WIN_LEN ? left : WIN_LEN;
	len = ((len - 1) & WIN_MASK) + 1;
	barrier_var(len);
	if (is_xdp ? bpf_xdp_load_bytes(pkt_ctx, m->payload_off + m->off, s->buf, len) :
		     bpf_skb_load_bytes(pkt_ctx, m->payload_off + m->off, s->buf, len))
		goto not_counted;

	start = sip_skip(s, 0, len, SKIP_LINE_ENDS);
	if (start >= len)
		goto not_counted;	/* keep-alive CRLFs only */
	code = status_code(s, start, len - start, &res);
	if (!code) {
		if (res != SIPXDP_RES_NOT_SIP)
			goto not_counted;
		if (load_byte(s, start) < 'A' || load_byte(s, start) > 'Z')
			goto not_counted;
		method = method_at(s, start, len, METHOD_END_SP);
	}
	eol = sip_find_byte(s, start, len, '\n', 0);
	if (eol == NO_EOL) {
		/* A start line cut short: a known method or a status line. */
		if (code || method != SIPXDP_M_OTHER)
			res = SIPXDP_RES_TRUNCATED;
		goto not_counted;
	}
	if (!code) {
		res = sip_request_line(s, start, eol);
		if (res != SIPXDP_RES_SIP)
			goto not_counted;
	}

	h->need = (code ? NEED_CSEQ : 0) |
		  (m->transport == IPPROTO_TCP ? NEED_LENGTH | NEED_BODY : 0);
	h->pos = eol;
	h->end = len;
	h->body = 0;
	h->cseq_method = SIPXDP_M_UNKNOWN;
	h->content_length = 0;
	h->has_content_length = false;
	if (h->need)
		bpf_loop(HEADER_CHUNKS, header_chunk_cb, NULL, 0);

	if (code) {
		count_response(s, code, h->cseq_method);
		method = h->cseq_method;
	} else {
		__u32 slot = s->ev.direction * SIPXDP_METHOD_MAX + method;
		__u64 *v = bpf_map_lookup_elem(&requests, &slot);

		if (v)
			(*v)++;
	}
	count_source(s, code ? code : method);
	count(SIPXDP_CNT_MESSAGES);
	m->result = SIPXDP_RES_SIP;

	/*
	 * UDP carries one message per datagram: bytes after its body are
	 * discarded (RFC 3261 18.3). In a TCP segment, Content-Length says
	 * where the next message starts; it is compared with the bytes left,
	 * never added unchecked, so no value can bring the walk back onto a
	 * message already counted.
	 */
	next = 0;
	msg_len = left;
	if (m->transport == IPPROTO_TCP && h->body && h->has_content_length &&
	    h->content_length < left - h->body) {
		next = h->body + h->content_length;
		msg_len = next;
	}
	emit(s, msg_len, len < msg_len ? len : msg_len, method, code);
	if (!next)
		return 1;
	m->off += next;
	return 0;

not_counted:
	/* Only the first message decides a packet's result. */
	if (m->off == 0)
		m->result = res;
	return 1;
}

__attribute__((noinline)) int sip_message_xdp(struct xdp_md *xdp)
{
	return xdp ? sip_message(xdp, true) : 1;
}

__attribute__((noinline)) int sip_message_tc(struct __sk_buff *skb)
{
	return skb ? sip_message(skb, false) : 1;
}

static __always_inline bool port_selected(const struct flow *f)
{
	int i;

	if (!cfg_nports)
		return true;
#pragma unroll
	for (i = 0; i < SIPXDP_MAX_PORTS; i++) {
		if ((__u32)i >= cfg_nports)
			break;
		if (cfg_ports[i] == f->sport || cfg_ports[i] == f->dport)
			return true;
	}
	return false;
}

/*
 * The parser shared by both entry points. `is_xdp` is a constant in each
 * caller, so only one family of load helpers stays in each program.
 */
/* What sipxdp_handle did with the packet. */
enum handle_result {
	HANDLE_COUNTED,
	HANDLE_PULL,	/* TC: the headers run past the skb's head; nothing counted */
};

static __always_inline enum handle_result sipxdp_handle(void *pkt_ctx, __u32 pkt_len,
							bool is_xdp, __u8 direction,
							bool may_pull)
{
	enum l4_verdict v;
	struct flow f;
	struct scratch *s;
	__u32 zero = 0, i;
	__u8 first;

	v = parse_to_payload(pkt_ctx, is_xdp, pkt_len, &f);
	if (v == L4_SHORT && may_pull)
		return HANDLE_PULL;
	switch (v) {
	case L4_OK:
		break;
	case L4_FRAGMENT:
		count(SIPXDP_RES_FRAGMENT);
		return HANDLE_COUNTED;
	case L4_MALFORMED:
		count(SIPXDP_RES_MALFORMED);
		return HANDLE_COUNTED;
	default:
		count(SIPXDP_RES_NOT_SIP);
		return HANDLE_COUNTED;
	}

	if (!port_selected(&f) || (f.head_word_seen && !may_start_sip_word(f.head_word)))
		goto not_sip;
	/* The first byte was out of the linear head (TC, XDP frags): load it. */
	if (!f.first_byte_seen &&
	    ((is_xdp ? bpf_xdp_load_bytes(pkt_ctx, f.payload_off, &first, 1) :
		       bpf_skb_load_bytes(pkt_ctx, f.payload_off, &first, 1)) ||
	     !may_start_sip(first)))
		goto not_sip;

	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s || !flow_addresses(&f, pkt_data_end(pkt_ctx, is_xdp), &s->ev.saddr, &s->ev.daddr))
		goto not_sip;
	s->ev.sport = f.sport;
	s->ev.dport = f.dport;
	s->ev.transport = f.proto;
	s->ev.direction = direction;
	s->ev.pad = 0;
	s->msg.off = 0;
	s->msg.payload_off = f.payload_off;
	s->msg.payload_len = f.payload_len;
	s->msg.transport = f.proto;
	s->msg.result = SIPXDP_RES_NOT_SIP;
	for (i = 0; i < SIPXDP_MAX_MSGS; i++)
		if (is_xdp ? sip_message_xdp(pkt_ctx) : sip_message_tc(pkt_ctx))
			break;
	count(s->msg.result);
	return HANDLE_COUNTED;

not_sip:
	count(SIPXDP_RES_NOT_SIP);
	return HANDLE_COUNTED;
}

/*
 * RTP's exit, before the general walk: untagged IPv4 without options, not a
 * later fragment, UDP, and a first payload byte no SIP message starts with.
 * The walk would come to the same verdict (not SIP) on these; anything
 * else takes it.
 */
static __always_inline bool plain_udp_not_sip(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u8 *first = (void *)(ip + 1) + sizeof(struct udphdr);

	if ((void *)(first + 1) > end)
		return false;
	return ((struct ethhdr *)data)->h_proto == bpf_htons(ETH_P_IP) &&
	       *(__u8 *)ip == 0x45 && ip->protocol == IPPROTO_UDP &&
	       !(ip->frag_off & bpf_htons(IP_OFFSET)) && bpf_ntohs(ip->tot_len) >= sizeof(*ip) &&
	       !may_start_sip(*first);
}

SEC("xdp")
int sipxdp_xdp(struct xdp_md *ctx)
{
	if (media_streams_learned)
		rtp_measure_xdp(ctx);
	if (plain_udp_not_sip(ctx)) {
		count(SIPXDP_RES_NOT_SIP);
		return XDP_PASS;
	}
	/* the whole frame, fragments included (the payload copy reads them) */
	sipxdp_handle(ctx, bpf_xdp_get_buff_len(ctx), true, SIPXDP_DIR_INGRESS, false);
	return XDP_PASS;
}

/*
 * TC's walk, global so the verifier checks it once for both calls below.
 * HANDLE_PULL: the headers run past the skb's head, nothing was counted.
 */
__attribute__((noinline)) int sipxdp_tc_walk(struct __sk_buff *skb)
{
	if (!skb)
		return HANDLE_COUNTED;
	return sipxdp_handle(skb, skb->len, false, SIPXDP_DIR_EGRESS, true);
}

/*
 * Egress: the replies this host sends itself, which XDP never sees. An
 * skb's linear head may end inside the headers (GSO, some drivers): only
 * then is more pulled in and the walk done again; headers still past the
 * head after that are not SIP the program can read. A pull on every
 * non-linear skb would cost each of them a copy.
 */
SEC("tc")
int sipxdp_tc(struct __sk_buff *skb)
{
	if (media_streams_learned)
		rtp_measure_tc(skb);
	if (sipxdp_tc_walk(skb) == HANDLE_PULL) {
		bpf_skb_pull_data(skb, skb->len < TC_PULL_LEN ? skb->len : TC_PULL_LEN);
		if (sipxdp_tc_walk(skb) == HANDLE_PULL)
			count(SIPXDP_RES_NOT_SIP);
	}
	return TC_ACT_UNSPEC;
}
