// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sipxdp: counts SIP responses per source, peer and code, SIP requests per
 * method, and hands the agent, as events, the messages its call tracker and
 * redirect table need: INVITE, ACK, BYE, CANCEL, OPTIONS and REGISTER
 * requests, every response to them, and every 3xx.
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
	__uint(max_entries, SIPXDP_DEFAULT_RINGBUF);
} events SEC(".maps");

/* Sized by the loader from --peers; not pinned: their layout follows the file. */
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
 * How the verifier's work stays small (about the same on 6.1 and on kernels
 * that verify callbacks as loops, 6.8+):
 * - the walks over the messages of a packet and the header lines of a
 *   message are bpf_loop callbacks, whose state lives in the scratch map
 *   value: values read from map memory are unknown to the verifier, so a
 *   callback converges after one pass;
 * - each callback only calls a global (non-static) function, and every
 *   helper with a loop is global too: the verifier checks a global function
 *   once, on its own, and each caller goes on with one unknown return value
 *   instead of every path the function could take. (A static function or a
 *   callback is verified again for every state it is reached with.)
 * Global functions take the scratch window as a pointer that may be NULL
 * (the verifier's assumption), return a scalar, and are noinline.
 */
struct loop_ctx {
	struct scratch *s;
};

/*
 * Field copies move 8 bytes a step from the window into the event: offsets
 * the verifier knows per step, and no helper (bpf_probe_read_kernel would do
 * it in one call, but kernel lockdown forbids it to networking programs).
 * The last word may carry bytes past the value: *len says what is valid, at
 * most cap (a constant at each use); cut_flag marks a value cut to it.
 */
static __always_inline void copy_field(struct scratch *s, char *dst, __u16 *len, __u32 cap,
				       __u8 cut_flag, __u32 from, __u32 to)
{
	__u32 n = to - from, i;

	if (n > cap) {
		n = cap;
		s->ev.flags |= cut_flag;
	}
	for (i = 0; i < cap / 8 && i * 8 < n; i++)
		store_word(&dst[i * 8], load_word(s, from + i * 8));
	*len = n;
}

__attribute__((noinline)) int copy_call_id(struct scratch *s, __u32 from, __u32 to)
{
	if (!s)
		return 0;
	copy_field(s, s->ev.call_id, &s->ev.call_id_len, SIPXDP_CALLID_LEN,
		   SIPXDP_EVF_CALLID_CUT, from, to);
	s->ev.flags &= ~SIPXDP_EVF_NO_CALLID;
	return 0;
}

/* The To header's tag, for the call tracker: forks and hops are told apart by it. */
__attribute__((noinline)) int copy_to_tag(struct scratch *s, __u32 from, __u32 to)
{
	if (!s)
		return 0;
	copy_field(s, s->ev.to_tag, &s->ev.to_tag_len, SIPXDP_TAG_LEN, SIPXDP_EVF_TAG_CUT,
		   from, to);
	s->ev.flags &= ~SIPXDP_EVF_NO_TO_TAG;
	return 0;
}

/* Contact values of every Contact header, appended and joined by ','. */
__attribute__((noinline)) int append_contact(struct scratch *s, __u32 from, __u32 to)
{
	__u32 at, len = to - from, room, i;

	if (!s)
		return 0;
	at = s->ev.contact_len;
	if (at >= SIPXDP_CONTACT_LEN - 1) {
		s->ev.flags |= SIPXDP_EVF_CONTACT_CUT;
		return 0;
	}
	if (at)
		s->ev.contact[at++ & (SIPXDP_CONTACT_LEN - 1)] = ',';
	room = SIPXDP_CONTACT_LEN - at;
	if (len > room) {
		len = room;
		s->ev.flags |= SIPXDP_EVF_CONTACT_CUT;
	}
	/* at + len <= SIPXDP_CONTACT_LEN: the mask never wraps; a last word
	 * past the slot lands in ev_slack. */
	for (i = 0; i < SIPXDP_CONTACT_LEN / 8 && i * 8 < len; i++)
		store_word(&s->ev.contact[(at + i * 8) & (SIPXDP_CONTACT_LEN - 1)],
			   load_word(s, from + i * 8));
	s->ev.contact_len = at + len;
	return 0;
}

/*
 * One header line (with its continuation lines) of the message in s->hdr.
 * Returns 1 when the walk is over: the blank line before the body, or a
 * line cut by the end of the scan.
 */
__attribute__((noinline)) int sip_header_line(struct scratch *s)
{
	struct hdr_walk *h;
	__u32 pos, eol, name_end, v;
	__u64 num;
	__u8 c;
	bool ok;

	if (!s)
		return 1;
	h = &s->hdr;
	pos = h->pos;
	if (pos >= h->end)
		return 1;
	c = load_byte(s, pos);
	if (c == '\n' || (c == '\r' && pos + 1 < h->end && load_byte(s, pos + 1) == '\n')) {
		h->body = pos + (c == '\r') + 1;
		return 1;
	}
	eol = sip_line_end(s, pos, h->end);
	if (eol == NO_EOL)
		return 1;	/* header cut by the end of the packet: not found */
	h->pos = eol + 1;

	switch (header_at(s, pos, &name_end)) {
	case HDR_CALL_ID:
		if (!(h->need & NEED_CALL_ID))
			break;
		v = value_start(s, name_end, eol);
		if (v == NO_EOL)
			break;
		copy_call_id(s, v, sip_trim_end(s, v, eol));
		h->need &= ~NEED_CALL_ID;
		break;
	case HDR_CSEQ:
		if (!(h->need & NEED_CSEQ))
			break;
		v = value_start(s, name_end, eol);
		if (v == NO_EOL)
			break;
		num = parse_uint(s, &v, eol, &ok);
		if (!ok || num > 0xffffffffu)
			break;
		h->cseq = num;
		v = sip_skip(s, v, eol, SKIP_BLANKS | SKIP_LINE_ENDS);
		h->cseq_method = method_at(s, v, h->end);
		h->need &= ~NEED_CSEQ;
		break;
	case HDR_TO:
		if (!(h->need & NEED_TO_TAG))
			break;
		v = value_start(s, name_end, eol);
		if (v != NO_EOL)
			v = find_tag(s, v, eol);
		if (v != NO_EOL)
			copy_to_tag(s, v, sip_token_end(s, v, eol));
		h->need &= ~NEED_TO_TAG;	/* the first To header, tag or not */
		break;
	case HDR_CONTACT:
		if (!(h->need & NEED_CONTACT))
			break;
		v = value_start(s, name_end, eol);
		if (v != NO_EOL)
			append_contact(s, v, sip_trim_end(s, v, eol));
		break;
	case HDR_CONTENT_LENGTH:
		if (!(h->need & NEED_BODY))
			break;
		v = value_start(s, name_end, eol);
		if (v == NO_EOL)
			break;
		h->content_length = parse_uint(s, &v, eol, &ok);
		h->has_content_length = ok;
		break;
	default:
		break;
	}
	return h->need ? 0 : 1;
}

static long header_line_cb(__u32 idx __attribute__((unused)), struct loop_ctx *ctx)
{
	/* a callback must return 0 or 1, provably */
	return sip_header_line(ctx->s) & 1;
}

static __always_inline void emit(struct scratch *s, __u8 kind, __u8 method,
				 __u16 status, const struct hdr_walk *h)
{
	__u64 size, flags;

	s->ev.kind = kind;
	s->ev.method = method;
	s->ev.status = status;
	s->ev.cseq = h->cseq;
	if (h->cseq_method == SIPXDP_M_UNKNOWN)
		s->ev.flags |= SIPXDP_EVF_NO_CSEQ;
	if (s->ev.flags & (SIPXDP_EVF_CALLID_CUT | SIPXDP_EVF_CONTACT_CUT | SIPXDP_EVF_TAG_CUT))
		count(SIPXDP_CNT_FIELDS_CUT);
	s->ev.ts_ns = bpf_ktime_get_ns();
	/* Only the bytes in use go out: most events end after their Call-ID. */
	size = SIPXDP_EVENT_SIZE(s->ev.call_id_len, s->ev.contact_len);
	barrier_var(size);
	if (size > sizeof(s->ev))
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

/* The requests whose transactions the call tracker follows (ACK apart). */
static __always_inline bool tracked_method(__u8 method)
{
	return method == SIPXDP_M_INVITE || method == SIPXDP_M_BYE || method == SIPXDP_M_CANCEL ||
	       method == SIPXDP_M_OPTIONS || method == SIPXDP_M_REGISTER;
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

/* The exact per-peer count, where the per-source LRU map may evict. */
static __always_inline void count_peer_response(struct scratch *s, __u16 code)
{
	struct sipxdp_peer_key *key = &s->peer_key;
	const struct sipxdp_addr *src = &s->ev.saddr;
	__u32 peer = 0, slot, *id;
	__u64 *v;

	if (cfg_npeer_ranges) {
		__builtin_memset(key, 0, sizeof(*key));
		key->prefix_len = 128;
		if (src->family == AF_INET) {
			key->addr[10] = 0xff;
			key->addr[11] = 0xff;
			__builtin_memcpy(&key->addr[12], src->bytes, 4);
		} else {
			__builtin_memcpy(key->addr, src->bytes, 16);
		}
		id = bpf_map_lookup_elem(&peer_ranges, key);
		if (id)
			peer = *id;
	}
	slot = peer * SIPXDP_CLASSES + code / 100 - 1;
	v = bpf_map_lookup_elem(&peer_responses, &slot);
	if (v)
		(*v)++;
}

/*
 * One SIP message of the packet in s->msg: start line, headers, counters,
 * event. Returns 1 to stop (no further message, or this one was not SIP).
 * Inlined into its bpf_loop callback, the one place that calls it: the
 * global sip_payload_* reach that loop once, and a global function here
 * would be one call frame too many for TC's second walk (the verifier
 * allows eight, counted through callbacks).
 */
static __always_inline int sip_message(struct scratch *s, __u32 idx)
{
	struct loop_ctx ctx = { .s = s };
	struct msg_walk *m;
	struct hdr_walk *h;
	__u32 off, avail, end, eol;
	__u8 res = SIPXDP_RES_NOT_SIP, method = 0;
	__u16 code;

	if (!s)
		return 1;
	m = &s->msg;
	h = &s->hdr;
	off = sip_skip(s, m->off, m->win_len, SKIP_LINE_ENDS);
	if (off >= m->win_len)
		goto not_counted;	/* keep-alive CRLFs only */
	avail = m->win_len - off;
	end = avail > SIPXDP_SCAN_LEN ? off + SIPXDP_SCAN_LEN : m->win_len;

	code = status_code(s, off, avail, &res);
	if (!code) {
		if (res != SIPXDP_RES_NOT_SIP)
			goto not_counted;
		method = method_at(s, off, off + avail);
		if (method == SIPXDP_M_OTHER &&
		    (load_byte(s, off) < 'A' || load_byte(s, off) > 'Z'))
			goto not_counted;
	}

	eol = sip_find_byte(s, off, end, '\n');
	if (eol == NO_EOL) {
		/* A start line cut short: a known method or a status line. */
		if (code || method != SIPXDP_M_OTHER)
			res = SIPXDP_RES_TRUNCATED;
		goto not_counted;
	}
	if (!code) {
		/* A request line ends in " SIP/2.0", after "METHOD SP uri". */
		__u32 line_end = eol;

		if (line_end > off && load_byte(s, line_end - 1) == '\r')
			line_end--;
		if (line_end < off + 12 ||
		    (load_word(s, line_end - 8) | 0x20202000) != lit(" sip/2.0", 8))
			goto not_counted;
	}

	/* Headers. */
	s->ev.flags = SIPXDP_EVF_NO_CALLID | SIPXDP_EVF_NO_TO_TAG;
	s->ev.call_id_len = 0;
	s->ev.to_tag_len = 0;
	s->ev.contact_len = 0;
	h->pos = eol + 1;
	h->end = end;
	h->body = 0;
	h->cseq = 0;
	h->cseq_method = SIPXDP_M_UNKNOWN;
	h->content_length = 0;
	h->has_content_length = false;
	h->need = m->transport == IPPROTO_TCP ? NEED_BODY : 0;
	/* The call tracker's messages: each response (its CSeq says whether
	 * it is one), and the requests it follows. */
	if (code || method == SIPXDP_M_ACK || tracked_method(method))
		h->need |= NEED_CALL_ID | NEED_CSEQ | NEED_TO_TAG;
	if (code >= 300 && code < 400)
		h->need |= NEED_CONTACT;
	if (h->need)
		bpf_loop(SIPXDP_MAX_LINES, header_line_cb, &ctx, 0);

	if (code) {
		struct sipxdp_source_key *sk = &s->source_key;
		struct sipxdp_response_key rk = {
			.code = code,
			.direction = m->direction,
			.method = h->cseq_method,
		};

		if (hash_inc(&responses, &rk) == HASH_REFUSED)
			count(SIPXDP_CNT_RESPONSE_UPDATE_FAILED);
		__builtin_memcpy(&sk->addr, &s->ev.saddr, sizeof(sk->addr));
		sk->code = code;
		sk->pad = 0;
		switch (hash_inc(&sources, sk)) {
		case HASH_REFUSED:
			count(SIPXDP_CNT_SOURCE_UPDATE_FAILED);
			break;
		case HASH_INSERTED:
			count(SIPXDP_CNT_SOURCE_INSERTS);
			break;
		case HASH_COUNTED:
			break;
		}
		count_peer_response(s, code);
		if (code >= 200 && code < 300 && h->cseq_method == SIPXDP_M_INVITE)
			emit(s, SIPXDP_EV_INVITE_2XX, h->cseq_method, code, h);
		else if (code >= 300 && code < 400)
			emit(s, SIPXDP_EV_REDIRECT, h->cseq_method, code, h);
		else if (tracked_method(h->cseq_method))
			emit(s, SIPXDP_EV_RESPONSE, h->cseq_method, code, h);
	} else {
		__u32 slot = m->direction * SIPXDP_METHOD_MAX + method;
		__u64 *v = bpf_map_lookup_elem(&requests, &slot);

		if (v)
			(*v)++;
		if (method == SIPXDP_M_ACK)
			emit(s, SIPXDP_EV_ACK, method, 0, h);
		else if (tracked_method(method))
			emit(s, SIPXDP_EV_REQUEST, method, 0, h);
	}
	count(SIPXDP_CNT_MESSAGES);
	m->result = SIPXDP_RES_SIP;

	/*
	 * UDP carries one message per datagram: bytes after its body are
	 * discarded (RFC 3261 18.3). In a TCP segment, Content-Length says
	 * where the next message starts; it is compared with the bytes left,
	 * never added unchecked, so no value can bring the walk back onto a
	 * message already counted.
	 */
	if (m->transport != IPPROTO_TCP || !h->body || !h->has_content_length ||
	    h->body >= m->payload_len || h->content_length >= m->payload_len - h->body)
		return 1;
	m->off = h->body + h->content_length;
	return m->off < m->win_len ? 0 : 1;

not_counted:
	/* Only the first message decides a packet's result. */
	if (idx == 0)
		m->result = res;
	return 1;
}

static long sip_message_cb(__u32 idx, void *unused __attribute__((unused)))
{
	__u32 zero = 0;
	/*
	 * The window looked up again rather than passed in: through a global
	 * function's argument it is plain memory to the verifier, which 6.1
	 * does not take as a map key, and the keys live in it (sip.h).
	 */
	struct scratch *s = bpf_map_lookup_elem(&scratch_map, &zero);

	return s ? sip_message(s, idx) & 1 : 1;
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
 * The payload of a packet that may be SIP, described in s->msg: copied once
 * into the window, then walked message by message. One global function per
 * context type (the helpers that copy differ), each verified once: every
 * path of the L2..L4 walk ends in the same call.
 */
static __always_inline int sip_payload(void *pkt_ctx, struct scratch *s, bool is_xdp)
{
	__u64 len;
	long err;

	/*
	 * 1 <= len <= WIN_LEN, in a form every verifier can read off the
	 * register passed to the helper: 6.1 learns no lower bound from a
	 * "len != 0" test (what clang makes of "len < 1"), but it does from
	 * an AND and an ADD. parse_to_payload never returns an empty payload.
	 */
	len = s->msg.payload_len < WIN_LEN ? s->msg.payload_len : WIN_LEN;
	len = ((len - 1) & WIN_MASK) + 1;
	barrier_var(len);
	err = is_xdp ? bpf_xdp_load_bytes(pkt_ctx, s->msg.payload_off, s->buf, len) :
		       bpf_skb_load_bytes(pkt_ctx, s->msg.payload_off, s->buf, len);
	if (err)
		return SIPXDP_RES_NOT_SIP;
	s->msg.off = 0;
	s->msg.win_len = len;
	s->msg.result = SIPXDP_RES_NOT_SIP;
	bpf_loop(SIPXDP_MAX_MSGS, sip_message_cb, NULL, 0);
	return s->msg.result;
}

__attribute__((noinline)) int sip_payload_xdp(struct xdp_md *xdp, struct scratch *s)
{
	return s ? sip_payload(xdp, s, true) : SIPXDP_RES_NOT_SIP;
}

__attribute__((noinline)) int sip_payload_tc(struct __sk_buff *skb, struct scratch *s)
{
	return s ? sip_payload(skb, s, false) : SIPXDP_RES_NOT_SIP;
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
	__u32 zero = 0;
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
	s->msg.payload_off = f.payload_off;
	s->msg.payload_len = f.payload_len;
	s->msg.direction = direction;
	s->msg.transport = f.proto;
	count(is_xdp ? sip_payload_xdp(pkt_ctx, s) : sip_payload_tc(pkt_ctx, s));
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
	if (plain_udp_not_sip(ctx)) {
		count(SIPXDP_RES_NOT_SIP);
		return XDP_PASS;
	}
	/* the whole frame, fragments included (the payload copy reads them) */
	sipxdp_handle(ctx, bpf_xdp_get_buff_len(ctx), true, SIPXDP_DIR_INGRESS, false);
	return XDP_PASS;
}

/*
 * The walk again, once more of the skb is in its head. Global, so the
 * verifier checks this copy on its own: inlined beside the first, clang
 * shared registers between the two in ways the verifier could not follow.
 */
__attribute__((noinline)) int sipxdp_tc_pulled(struct __sk_buff *skb)
{
	sipxdp_handle(skb, skb->len, false, SIPXDP_DIR_EGRESS, false);
	return 0;
}

/*
 * Egress: the replies this host sends itself, which XDP never sees. An
 * skb's linear head may end inside the headers (GSO, some drivers): only
 * then is more pulled in and the walk done again. A pull on every
 * non-linear skb would cost each of them a copy.
 */
SEC("tc")
int sipxdp_tc(struct __sk_buff *skb)
{
	if (sipxdp_handle(skb, skb->len, false, SIPXDP_DIR_EGRESS, true) == HANDLE_PULL) {
		bpf_skb_pull_data(skb, skb->len < TC_PULL_LEN ? skb->len : TC_PULL_LEN);
		sipxdp_tc_pulled(skb);
	}
	return TC_ACT_UNSPEC;
}
