/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SIP scanning helpers over the per-CPU scratch window. BPF only.
 *
 * The payload is copied once into `struct scratch`; every read below uses an
 * index masked to the window's power-of-two size, so the verifier sees each
 * access in bounds without a packet-pointer check per byte. Bytes past the
 * valid length are stale (left from an earlier packet): callers compare
 * every position they use against the valid end.
 *
 * Word reads assume a little-endian host (x86-64, arm64).
 */
#ifndef SIPXDP_SIP_H
#define SIPXDP_SIP_H

#include <bpf/bpf_helpers.h>
#include "sipxdp.h"

#define WIN_LEN		4096	/* payload bytes copied per packet */
#define WIN_MASK	(WIN_LEN - 1)
#define WIN_SLACK	16	/* a word read at the last masked index stays inside */
#define NO_EOL		0xffffffffu
#define MAX_FOLDS	8	/* continuation lines followed per header */
#define MAX_PARAMS	16	/* header parameters looked at for a tag */
#define MAX_LWS_WORDS	32	/* blanks skipped or trimmed in a row: 256 bytes */
#define MAX_DIGITS	10	/* CSeq fits in 32 bits: at most 10 digits */

/* State of the header walk of one message. */
struct hdr_walk {
	__u64 content_length;	/* as written: compared, never added unchecked */
	__u32 pos;		/* start of the next header line */
	__u32 end;		/* scan limit for this message */
	__u32 body;		/* first body byte; 0 until the blank line */
	__u32 cseq;
	__u8 cseq_method;
	bool has_content_length;
	__u8 need;		/* NEED_*: the walk stops once none is left */
};

/*
 * What the walk over a message's headers must still find. Most messages
 * need two headers or none (a request other than ACK over UDP is counted by
 * its start line alone): the walk stops there instead of reading every line.
 */
#define NEED_CALL_ID	1u	/* the first Call-ID, into the event */
#define NEED_CSEQ	2u	/* the first CSeq: number and method */
#define NEED_CONTACT	4u	/* every Contact header: only the end of headers ends it */
#define NEED_BODY	8u	/* TCP: Content-Length and the body's start, for the next message */
#define NEED_TO_TAG	16u	/* the first To header's tag, into the event */

/* State of the walk over the messages of one packet. */
struct msg_walk {
	__u32 off;		/* start of the current message in the window */
	__u32 payload_off;	/* payload's offset in the packet */
	__u32 win_len;		/* valid bytes in s->buf */
	__u32 payload_len;	/* payload bytes in the packet (may exceed win_len) */
	__u8 direction;
	__u8 result;		/* enum sipxdp_counter of the packet */
	__u8 transport;		/* IPPROTO_UDP: one message per datagram */
};

struct scratch {
	__u8 buf[WIN_LEN + WIN_SLACK];
	struct sipxdp_event ev;
	/* A copy into ev.contact at a variable offset must be provably inside. */
	__u8 ev_slack[SIPXDP_CONTACT_LEN];
	struct msg_walk msg;
	struct hdr_walk hdr;
	/* Map keys live here, not on the stack: TC's second walk nests the
	 * message code one call deeper, and the stack all calls share has 512
	 * bytes. */
	struct sipxdp_source_key source_key;
	struct sipxdp_peer_key peer_key;
};

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
#define FOLD	0x2020202020202020ULL	/* ASCII letters to lower case */

/* Eight window bytes at i in one load (load_u64). */
static __always_inline __u64 load_word(const struct scratch *s, __u32 i)
{
	return load_u64(&s->buf[i & WIN_MASK]);
}

/* Eight bytes to dst in one store, as load_u64 loads (event fields are not aligned). */
static __always_inline void store_word(void *dst, __u64 w)
{
	asm volatile("*(u64 *)(%[p] + 0) = %[w]" : : [p] "r"(dst), [w] "r"(w) : "memory");
}

static __always_inline __u8 load_byte(const struct scratch *s, __u32 i)
{
	return s->buf[i & WIN_MASK];
}

/* The first n (<= 8) bytes of a literal as a little-endian word; folds to a constant. */
static __always_inline __u64 lit(const char *str, int n)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (__u64)(__u8)str[i] << (8 * i);
	return v;
}

#define LOW_BYTES(n)	((n) >= 8 ? ~0ULL : (1ULL << (8 * (n))) - 1)

static __always_inline bool word_is(__u64 w, const char *str, int n)
{
	return (w & LOW_BYTES(n)) == lit(str, n);
}

static __always_inline bool is_digit(__u8 c)
{
	return (__u8)(c - '0') < 10;
}

static __always_inline bool is_blank(__u8 c)
{
	return c == ' ' || c == '\t';
}

/* Bytes of x that are zero, as their high bit: exact, no carry between bytes. */
static __always_inline __u64 zero_bytes(__u64 x)
{
	return ~(((x & ~HIGHS) + ~HIGHS) | x | ~HIGHS);
}

/* Index (0..7) of the lowest flagged byte of m (m != 0), by a multiply, not a loop. */
static __always_inline __u32 lowest_flag(__u64 m)
{
	return ((((m & -m) >> 7) * 0x0102030405060708ULL) >> 56) - 1;
}

/* Index of the first byte of pattern (one byte eight times) in [from, end),
 * or NO_EOL; eight bytes a step. */
static __always_inline __u32 find_byte(const struct scratch *s, __u32 from, __u32 end,
					__u64 pattern)
{
	__u32 i, p;
	__u64 m;

	for (i = 0; i < SIPXDP_SCAN_LEN / 8; i++) {
		p = from + i * 8;
		if (p >= end)
			return NO_EOL;
		m = zero_bytes(load_word(s, p) ^ pattern);
		if (m) {
			p += lowest_flag(m);
			return p < end ? p : NO_EOL;
		}
	}
	return NO_EOL;
}

/*
 * The same, as a global (not static) function: the verifier checks it once
 * on its own, and each caller goes on with one unknown return value instead
 * of one path per iteration that could have returned.
 */
__attribute__((noinline)) __u32 sip_find_byte(const struct scratch *s, __u32 from, __u32 end,
					      __u32 byte)
{
	return s ? find_byte(s, from, end, ONES * (byte & 0xff)) : NO_EOL;
}

/*
 * The method whose name starts the word w (its first eight bytes), and the
 * name's length in *len; SIPXDP_M_OTHER when it is none of the named ones.
 * Methods are case-sensitive (RFC 3261 7.1). SUBSCRIBE is known by its
 * first eight letters.
 */
static __always_inline __u8 method_of_word(__u64 w, __u8 *len)
{
	switch (w & 0xff) {
	case 'I':
		if (word_is(w, "INVITE", 6)) { *len = 6; return SIPXDP_M_INVITE; }
		if (word_is(w, "INFO", 4)) { *len = 4; return SIPXDP_M_INFO; }
		break;
	case 'A':
		if (word_is(w, "ACK", 3)) { *len = 3; return SIPXDP_M_ACK; }
		break;
	case 'B':
		if (word_is(w, "BYE", 3)) { *len = 3; return SIPXDP_M_BYE; }
		break;
	case 'C':
		if (word_is(w, "CANCEL", 6)) { *len = 6; return SIPXDP_M_CANCEL; }
		break;
	case 'R':
		if (word_is(w, "REGISTER", 8)) { *len = 8; return SIPXDP_M_REGISTER; }
		if (word_is(w, "REFER", 5)) { *len = 5; return SIPXDP_M_REFER; }
		break;
	case 'O':
		if (word_is(w, "OPTIONS", 7)) { *len = 7; return SIPXDP_M_OPTIONS; }
		break;
	case 'P':
		if (word_is(w, "PRACK", 5)) { *len = 5; return SIPXDP_M_PRACK; }
		if (word_is(w, "PUBLISH", 7)) { *len = 7; return SIPXDP_M_PUBLISH; }
		break;
	case 'S':
		if (word_is(w, "SUBSCRIB", 8)) { *len = 9; return SIPXDP_M_SUBSCRIBE; }
		break;
	case 'N':
		if (word_is(w, "NOTIFY", 6)) { *len = 6; return SIPXDP_M_NOTIFY; }
		break;
	case 'M':
		if (word_is(w, "MESSAGE", 7)) { *len = 7; return SIPXDP_M_MESSAGE; }
		break;
	case 'U':
		if (word_is(w, "UPDATE", 6)) { *len = 6; return SIPXDP_M_UPDATE; }
		break;
	}
	return SIPXDP_M_OTHER;
}

/*
 * The method whose name starts at i, followed by a blank or line end before
 * `end`; SIPXDP_M_OTHER when it is none of the named ones.
 */
static __always_inline __u8 method_at(const struct scratch *s, __u32 i, __u32 end)
{
	__u8 len = 0, m = method_of_word(load_word(s, i), &len);

	if (m == SIPXDP_M_OTHER)
		return m;
	if (m == SIPXDP_M_SUBSCRIBE && load_byte(s, i + 8) != 'E')
		return SIPXDP_M_OTHER;
	/* "INVITEX" is another method: the name must end here. */
	if (i + len >= end)
		return SIPXDP_M_OTHER;
	switch (load_byte(s, i + len)) {
	case ' ': case '\t': case '\r': case '\n':
		return m;
	}
	return SIPXDP_M_OTHER;
}

/*
 * The first eight payload bytes may start a SIP message: "SIP/2.0 " (any
 * case), a known method and a space, or a CRLF keep-alive. Checked on the
 * packet before anything is copied: a TCP or UDP payload that only starts
 * with a capital letter stops here.
 */
static __always_inline bool may_start_sip_word(__u64 w)
{
	__u8 len = 0;

	if ((w | 0x202020) == lit("sip/2.0 ", 8) || (w & 0xff) == '\r')
		return true;
	if (method_of_word(w, &len) == SIPXDP_M_OTHER)
		return false;
	return len >= 8 || ((w >> (8 * len)) & 0xff) == ' ';
}

/* Headers the parser extracts. */
enum sip_header {
	HDR_OTHER = 0,
	HDR_CALL_ID,
	HDR_CSEQ,
	HDR_CONTACT,
	HDR_CONTENT_LENGTH,
	HDR_TO,
};

/*
 * Which header a line starting at i is, and where its name ends. Names are
 * case-insensitive; compact forms i, m, l and t count; a blank or the colon
 * must follow the name.
 */
static __always_inline enum sip_header header_at(const struct scratch *s, __u32 i,
						 __u32 *name_end)
{
	__u64 w = load_word(s, i) | FOLD;
	enum sip_header h;
	__u32 len;
	__u8 next;

	switch (w & 0xff) {
	case 'c':
		if (word_is(w, "call-id", 7)) { h = HDR_CALL_ID; len = 7; break; }
		if (word_is(w, "cseq", 4)) { h = HDR_CSEQ; len = 4; break; }
		if (word_is(w, "contact", 7)) { h = HDR_CONTACT; len = 7; break; }
		if (w == lit("content-", 8) &&
		    word_is(load_word(s, i + 8) | FOLD, "length", 6)) {
			h = HDR_CONTENT_LENGTH; len = 14; break;
		}
		return HDR_OTHER;
	case 't':
		if (word_is(w, "to", 2) && (load_byte(s, i + 2) == ':' || is_blank(load_byte(s, i + 2)))) {
			h = HDR_TO; len = 2; break;
		}
		h = HDR_TO; len = 1; break;
	case 'i': h = HDR_CALL_ID; len = 1; break;
	case 'm': h = HDR_CONTACT; len = 1; break;
	case 'l': h = HDR_CONTENT_LENGTH; len = 1; break;
	default:
		return HDR_OTHER;
	}
	next = load_byte(s, i + len);
	if (next != ':' && !is_blank(next))
		return HDR_OTHER;
	*name_end = i + len;
	return h;
}

/* Byte classes the skipping helpers pass over. */
#define SKIP_BLANKS	1u	/* SP, HT */
#define SKIP_LINE_ENDS	2u	/* CR, LF */

/* Flags (high bit of each byte) of the bytes of w that are in none of the classes. */
static __always_inline __u64 outside_classes(__u64 w, __u32 classes)
{
	/* masks by arithmetic: a branch here doubles the verifier's paths per step */
	__u64 blank_mask = -(__u64)(classes & SKIP_BLANKS) & HIGHS;
	__u64 eol_mask = -(__u64)((classes & SKIP_LINE_ENDS) >> 1) & HIGHS;
	__u64 in = ((zero_bytes(w ^ (ONES * ' ')) | zero_bytes(w ^ (ONES * '\t'))) & blank_mask) |
		   ((zero_bytes(w ^ (ONES * '\r')) | zero_bytes(w ^ (ONES * '\n'))) & eol_mask);

	return ~in & HIGHS;
}

/*
 * Past every byte of the classes from i, stopping at end: a run of up to
 * MAX_LWS_WORDS words (RFC 3261 LWS; longer runs leave the header unread),
 * eight bytes a step. Global, so verified once: each
 * caller sees one unknown return value, not a path per step.
 */
__attribute__((noinline)) __u32 sip_skip(const struct scratch *s, __u32 i, __u32 end,
					 __u32 classes)
{
	__u32 n, step;
	__u64 other;

	if (!s)
		return end;
	for (step = 0; step < MAX_LWS_WORDS; step++) {
		if (i >= end)
			return end;
		other = outside_classes(load_word(s, i), classes);
		n = other ? lowest_flag(other) : 8;
		if (n < 8)
			return i + n < end ? i + n : end;
		i += 8;
	}
	return end;
}

/*
 * The end of the value in [start, end) without its trailing blanks and line
 * ends, eight bytes a step from the back. Global, verified once.
 */
__attribute__((noinline)) __u32 sip_trim_end(const struct scratch *s, __u32 start,
					     __u32 end)
{
	__u32 step, n;
	__u64 keep;

	if (!s)
		return start;
	for (step = 0; step < MAX_LWS_WORDS; step++) {
		if (end <= start)
			return start;
		n = end - start;
		keep = outside_classes(load_word(s, end - 8), SKIP_BLANKS | SKIP_LINE_ENDS);
		/* bytes of the word before start are not the value's */
		if (n < 8)
			keep &= ~LOW_BYTES(8 - n);
		if (keep)	/* byte-swapped, the last kept byte is the lowest flag */
			return end - lowest_flag(__builtin_bswap64(keep));
		end = n < 8 ? start : end - 8;
	}
	return start;
}

/*
 * The '\n' that ends the header line starting at from, following folded
 * continuation lines (a line end then SP or HT, RFC 3261 7.3.1) up to
 * MAX_FOLDS of them; NO_EOL if the line is cut by end. Inlined into the
 * global header-line function, its only caller, to save a call frame.
 */
static __always_inline __u32 sip_line_end(const struct scratch *s, __u32 from, __u32 end)
{
	/* The first line end inline: a call and its return on every header
	 * line cost more than the search (the return goes through a thunk on
	 * CPUs with retbleed mitigations). Continuation lines are rare. */
	__u32 eol = find_byte(s, from, end, ONES * '\n'), n;

	for (n = 0; n < MAX_FOLDS; n++) {
		if (eol == NO_EOL || eol + 1 >= end || !is_blank(load_byte(s, eol + 1)))
			return eol;
		eol = sip_find_byte(s, eol + 1, end, '\n');
	}
	return eol;
}

/* Past the blanks, the colon and the LWS after a header name; NO_EOL if no colon. */
static __always_inline __u32 value_start(const struct scratch *s, __u32 i, __u32 end)
{
	i = sip_skip(s, i, end, SKIP_BLANKS | SKIP_LINE_ENDS);
	if (i >= end || load_byte(s, i) != ':')
		return NO_EOL;
	return sip_skip(s, i + 1, end, SKIP_BLANKS | SKIP_LINE_ENDS);
}

/*
 * The end of the token at i: the first byte that ends a header parameter's
 * value (';', ',', '>', a blank or a line end), or end. Global, verified once.
 */
__attribute__((noinline)) __u32 sip_token_end(const struct scratch *s, __u32 i, __u32 end)
{
	__u32 step, n;
	__u64 w, stop;

	if (!s)
		return end;
	for (step = 0; step < SIPXDP_TAG_LEN / 8 + 1; step++) {
		if (i >= end)
			return end;
		w = load_word(s, i);
		stop = zero_bytes(w ^ (ONES * ';')) | zero_bytes(w ^ (ONES * ',')) |
		       zero_bytes(w ^ (ONES * '>')) | (~outside_classes(w, SKIP_BLANKS | SKIP_LINE_ENDS) & HIGHS);
		if (stop) {
			n = lowest_flag(stop);
			return i + n < end ? i + n : end;
		}
		i += 8;
	}
	return i < end ? i : end;	/* longer than a tag slot: cut there */
}

/*
 * Where the tag parameter's value starts in the To value [v, end): after the
 * name-addr's '>' (a ";tag" inside <...> is a URI parameter), the first
 * ";tag=" with any blanks around ';' and '='. NO_EOL when there is none.
 * Inlined into the one global caller: a call frame of its own would be one
 * too many.
 */
static __always_inline __u32 find_tag(const struct scratch *s, __u32 v, __u32 end)
{
	__u32 p = sip_find_byte(s, v, end, '>'), n;

	p = p == NO_EOL ? v : p + 1;
	for (n = 0; n < MAX_PARAMS; n++) {
		p = sip_find_byte(s, p, end, ';');
		if (p == NO_EOL)
			return NO_EOL;
		p = sip_skip(s, p + 1, end, SKIP_BLANKS);
		if (p + 3 < end && word_is(load_word(s, p) | FOLD, "tag", 3)) {
			__u32 eq = sip_skip(s, p + 3, end, SKIP_BLANKS);

			if (eq < end && load_byte(s, eq) == '=')
				return sip_skip(s, eq + 1, end, SKIP_BLANKS);
		}
	}
	return NO_EOL;
}

/*
 * A decimal number of at most MAX_DIGITS digits at *i, which moves past
 * them; *ok false when there is none. Branch-free for the verifier: the
 * digit test is sign arithmetic, and "still in the number" a 0/1 factor.
 * Ten digits can exceed 32 bits: the caller compares, never truncates.
 */
static __always_inline __u64 parse_uint(const struct scratch *s, __u32 *i, __u32 end,
					bool *ok)
{
	__u64 v = 0, in_number = 1, digits = 0;
	int n;

	for (n = 0; n < MAX_DIGITS; n++) {
		__u64 c = load_byte(s, *i + n);
		__u64 d = c - '0';
		/* 1 when '0' <= c <= '9' and the byte is before end, else 0 */
		__u64 digit = 1 ^ (((d | ('9' - c) | ((__u64)end - *i - n - 1)) >> 63) & 1);

		in_number &= digit;
		v += in_number * (v * 9 + d);
		digits += in_number;
	}
	*i += digits;
	*ok = digits != 0;
	return v;
}

#endif /* SIPXDP_SIP_H */
