/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SIP scanning helpers over the per-CPU scratch window. BPF only.
 *
 * Each message is copied once into `struct scratch`; every read below uses an
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

#define WIN_LEN		SIPXDP_MSG_MAX	/* message bytes copied, and handed over */
#define WIN_MASK	(WIN_LEN - 1)
#define WIN_SLACK	16	/* a word read at the last masked index stays inside */
#define NO_EOL		0xffffffffu
#define MAX_DIGITS	10	/* significant digits of a 32-bit value */
#define CHUNK_WORDS	4	/* steps of the header scan per bpf_loop call */
/* A step moves on 8 bytes, or to the next line that may matter, at least 2
 * bytes on (such a line is not empty): the window's every byte is reached. */
#define HEADER_CHUNKS	(WIN_LEN / 2 / CHUNK_WORDS + 1)

/*
 * What the scan of a message's header lines must find, and what it found.
 * Most messages need nothing: a request over UDP is counted by its start
 * line alone. A response needs its CSeq's method; a message over TCP its
 * Content-Length and where its body starts, to find the next message.
 */
#define NEED_CSEQ	1u	/* the first CSeq header's method */
#define NEED_LENGTH	2u	/* the first Content-Length */
#define NEED_BODY	4u	/* the empty line: where the body starts */

struct hdr_scan {
	__u64 content_length;
	__u32 pos;		/* the next word to look at */
	__u32 end;		/* valid bytes in the window */
	__u32 body;		/* first body byte; 0 until the empty line */
	__u8 cseq_method;	/* SIPXDP_M_UNKNOWN until a valid CSeq */
	__u8 need;		/* NEED_*: the scan stops once none is left */
	bool has_content_length;
};

/* State of the walk over the messages of one packet. */
struct msg_walk {
	__u32 off;		/* start of the current message in the payload */
	__u32 payload_off;	/* payload's offset in the packet */
	__u32 payload_len;	/* payload bytes in the packet */
	__u8 result;		/* enum sipxdp_counter of the packet */
	__u8 transport;		/* IPPROTO_UDP: one message per datagram */
};

/*
 * The per-CPU working memory. The record's header and the message's bytes
 * are one span (ev, then buf, with nothing between: sizeof(ev) is a
 * multiple of 8), so the record goes out in one bpf_ringbuf_output.
 */
struct scratch {
	struct sipxdp_event ev;
	__u8 buf[WIN_LEN + WIN_SLACK];
	struct msg_walk msg;
	struct hdr_scan hdr;
};

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
#define FOLD	0x2020202020202020ULL	/* ASCII letters to lower case */

/* Eight window bytes at i in one load (load_u64). */
static __always_inline __u64 load_word(const struct scratch *s, __u32 i)
{
	return load_u64(&s->buf[i & WIN_MASK]);
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

/*
 * Loops over the window are cut in two: a global function that does
 * STEP_WORDS words, and a global one that calls it until done, at most
 * WIN_LEN / STEP_BYTES times. Each is verified once, and the verifier walks
 * STEP_WORDS + WIN_LEN / STEP_BYTES steps, not WIN_LEN / 8: a loop over the
 * whole window in one function cost it 23,000 instructions.
 */
#define STEP_WORDS	8
#define STEP_BYTES	(STEP_WORDS * 8)
#define MAX_STEPS	(WIN_LEN / STEP_BYTES)

/*
 * The first byte of pattern (one byte eight times) in [from, from +
 * STEP_BYTES) and before end; NO_EOL when none, from + STEP_BYTES when
 * none but the span goes on. With skip_folds, a byte followed by SP or HT
 * is passed over: for an LF, the one that ends a header, not a folded
 * line of it (an LF at the last byte ends it).
 */
__attribute__((noinline)) __u32 find_step(const struct scratch *s, __u32 from, __u32 end,
					  __u64 pattern, __u32 skip_folds)
{
	/* all ones or none: arithmetic, not a branch per step */
	__u64 fold_mask = -(__u64)(skip_folds & 1), m, next, folds;
	__u32 i, p;

	if (!s)
		return NO_EOL;
	for (i = 0; i < STEP_WORDS; i++) {
		p = from + i * 8;
		if (p >= end)
			return NO_EOL;
		m = zero_bytes(load_word(s, p) ^ pattern);
		next = load_word(s, p + 1);
		folds = zero_bytes(next ^ (ONES * ' ')) | zero_bytes(next ^ (ONES * '\t'));
		/* the bytes after the last one are not the span's: no fold there */
		if (end - p <= 8)
			folds &= LOW_BYTES(end - p - 1);
		m &= ~(folds & fold_mask);
		if (m) {
			p += lowest_flag(m);
			return p < end ? p : NO_EOL;
		}
	}
	return from + STEP_BYTES;
}

/* Index of the first byte in [from, end), or NO_EOL; with skip_folds as
 * find_step. Eight bytes a step. */
__attribute__((noinline)) __u32 sip_find_byte(const struct scratch *s, __u32 from, __u32 end,
					      __u32 byte, __u32 skip_folds)
{
	__u64 pattern = ONES * (byte & 0xff);
	__u32 n, at;

	for (n = 0; n < MAX_STEPS + 1; n++) {
		at = find_step(s, from, end, pattern, skip_folds);
		if (at != from + STEP_BYTES)
			return at;
		from = at;
	}
	return NO_EOL;
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

/* What may end a method's name: at the start line only SP (RFC 3261 7.1);
 * in a CSeq value any blank or line end, or the end of the bytes. */
enum method_end {
	METHOD_END_SP,
	METHOD_END_LWS,
};

/*
 * The method whose name starts at i (before end); SIPXDP_M_OTHER when it is
 * none of the named ones, or the name runs on ("INVITEX").
 */
static __always_inline __u8 method_at(const struct scratch *s, __u32 i, __u32 end,
				      enum method_end ends)
{
	__u8 len = 0, m = method_of_word(load_word(s, i), &len), next;

	if (m == SIPXDP_M_OTHER)
		return m;
	if (m == SIPXDP_M_SUBSCRIBE && (i + 8 >= end || load_byte(s, i + 8) != 'E'))
		return SIPXDP_M_OTHER;
	if (i + len > end)
		return SIPXDP_M_OTHER;
	if (i + len == end)
		return ends == METHOD_END_LWS ? m : SIPXDP_M_OTHER;
	next = load_byte(s, i + len);
	if (next == ' ' || (ends == METHOD_END_LWS &&
			    (next == '\t' || next == '\r' || next == '\n')))
		return m;
	return SIPXDP_M_OTHER;
}

/*
 * The first eight payload bytes may start a SIP message: "SIP/2.0 " (any
 * case), an upper-case letter (a request: its line's end decides), or a
 * CR or LF (keep-alives before a start line). Checked on the packet before anything is copied.
 */
static __always_inline bool may_start_sip_word(__u64 w)
{
	__u8 c = w & 0xff;

	return (w | 0x202020) == lit("sip/2.0 ", 8) || c == '\r' || c == '\n' ||
	       (c >= 'A' && c <= 'Z');
}

/* Byte classes the skipping helpers pass over. */
#define SKIP_BLANKS	1u	/* SP, HT */
#define SKIP_LINE_ENDS	2u	/* CR, LF */
#define SKIP_ZEROS	4u	/* '0': leading zeros of a number */

/* Flags (high bit of each byte) of the bytes of w that are in none of the classes. */
static __always_inline __u64 outside_classes(__u64 w, __u32 classes)
{
	/* masks by arithmetic: a branch here doubles the verifier's paths per step */
	__u64 blank_mask = -(__u64)(classes & SKIP_BLANKS) & HIGHS;
	__u64 eol_mask = -(__u64)((classes & SKIP_LINE_ENDS) >> 1) & HIGHS;
	__u64 zero_mask = -(__u64)((classes & SKIP_ZEROS) >> 2) & HIGHS;
	__u64 in = ((zero_bytes(w ^ (ONES * ' ')) | zero_bytes(w ^ (ONES * '\t'))) & blank_mask) |
		   ((zero_bytes(w ^ (ONES * '\r')) | zero_bytes(w ^ (ONES * '\n'))) & eol_mask) |
		   (zero_bytes(w ^ (ONES * '0')) & zero_mask);

	return ~in & HIGHS;
}

/* Past the bytes of the classes from i, at most STEP_BYTES of them,
 * stopping at end. */
__attribute__((noinline)) __u32 skip_step(const struct scratch *s, __u32 i, __u32 end,
					  __u32 classes)
{
	__u32 n, step;
	__u64 other;

	if (!s)
		return end;
	for (step = 0; step < STEP_WORDS; step++) {
		if (i >= end)
			return end;
		other = outside_classes(load_word(s, i), classes);
		if (other) {
			n = i + lowest_flag(other);
			return n < end ? n : end;
		}
		i += 8;
	}
	return i < end ? i : end;
}

/* Past every byte of the classes from i, stopping at end. */
__attribute__((noinline)) __u32 sip_skip(const struct scratch *s, __u32 i, __u32 end,
					 __u32 classes)
{
	__u32 n, at;

	for (n = 0; n < MAX_STEPS + 1; n++) {
		at = skip_step(s, i, end, classes);
		if (at >= end || at < i + STEP_BYTES)
			return at;
		i = at;
	}
	return end;
}

/* Back from end over the bytes of the classes, at most STEP_BYTES of
 * them, stopping at start: the index just past the last byte that is not
 * in them, or where the step stopped. */
__attribute__((noinline)) __u32 skip_back_step(const struct scratch *s, __u32 start, __u32 end,
					       __u32 classes)
{
	__u32 step, n;
	__u64 keep;

	if (!s)
		return start;
	for (step = 0; step < STEP_WORDS; step++) {
		if (end <= start)
			return start;
		n = end - start;
		keep = outside_classes(load_word(s, end - 8), classes);
		if (n < 8) {
			/* bytes of the word before start are not the span's */
			keep &= ~LOW_BYTES(8 - n);
			return keep ? end - lowest_flag(__builtin_bswap64(keep)) : start;
		}
		if (keep)	/* byte-swapped, the last kept byte is the lowest flag */
			return end - lowest_flag(__builtin_bswap64(keep));
		end -= 8;
	}
	return end;
}

/* Back from end over every byte of the classes, stopping at start. */
__attribute__((noinline)) __u32 sip_skip_back(const struct scratch *s, __u32 start, __u32 end,
					      __u32 classes)
{
	__u32 n, at;

	for (n = 0; n < MAX_STEPS + 1; n++) {
		at = skip_back_step(s, start, end, classes);
		if (at <= start || at + STEP_BYTES > end)
			return at;
		end = at;
	}
	return start;
}

/*
 * Past linear white space from i, at most STEP_BYTES of it: blanks, CRs,
 * and an LF only where a blank follows it (a folded line, RFC 3261 7.3.1).
 * It stops at the LF that ends the header, so a value never runs on into
 * the next header line; the agent's parser skips the same bytes inside a
 * header's value.
 */
__attribute__((noinline)) __u32 lws_step(const struct scratch *s, __u32 i, __u32 end)
{
	__u64 w, next, in, other;
	__u32 n, step;

	if (!s)
		return end;
	for (step = 0; step < STEP_WORDS; step++) {
		if (i >= end)
			return end;
		w = load_word(s, i);
		next = load_word(s, i + 1);
		in = zero_bytes(w ^ (ONES * ' ')) | zero_bytes(w ^ (ONES * '\t')) |
		     zero_bytes(w ^ (ONES * '\r')) |
		     (zero_bytes(w ^ (ONES * '\n')) &
		      (zero_bytes(next ^ (ONES * ' ')) | zero_bytes(next ^ (ONES * '\t'))));
		other = ~in & HIGHS;
		if (other) {
			n = i + lowest_flag(other);
			return n < end ? n : end;
		}
		i += 8;
	}
	return i < end ? i : end;
}

/* Past every byte of linear white space from i, stopping at end. */
__attribute__((noinline)) __u32 sip_skip_lws(const struct scratch *s, __u32 i, __u32 end)
{
	__u32 n, at;

	for (n = 0; n < MAX_STEPS + 1; n++) {
		at = lws_step(s, i, end);
		if (at >= end || at < i + STEP_BYTES)
			return at;
		i = at;
	}
	return end;
}

/*
 * The end of the line at i: a CR then LF, or an LF. A line the bytes end
 * in before its LF is cut: what it says is not taken, by the kernel as by
 * the agent's parser.
 */
static __always_inline bool at_line_end(const struct scratch *s, __u32 i, __u32 end)
{
	__u8 c;

	if (i >= end)
		return false;
	c = load_byte(s, i);
	return c == '\n' || (c == '\r' && i + 1 < end && load_byte(s, i + 1) == '\n');
}

/*
 * A number at i whose leading zeros run to `digits` (the caller skips
 * them, one call frame up): then at most MAX_DIGITS digits whose value fits
 * in 32 bits, and no further digit. Returns the value, and in bits 32..
 * where the number ends; -1 when there is no digit, or the value is too
 * large: the header is then invalid, and the number is never read as a
 * smaller one. Branch-free for the verifier: the digit test is sign
 * arithmetic, "still in the number" a 0/1 factor.
 */
#define NUMBER_VALUE(r)	((__u32)(r))
#define NUMBER_END(r)	((__u32)((__u64)(r) >> 32))

__attribute__((noinline)) __s64 sip_parse_number(const struct scratch *s, __u32 i, __u32 digits_at,
						__u32 end)
{
	__u64 v = 0, in_number = 1, digits = 0;
	int n;

	if (!s)
		return -1;
	for (n = 0; n < MAX_DIGITS + 1; n++) {
		__u64 c = load_byte(s, digits_at + n);
		__u64 d = c - '0';
		/* 1 when '0' <= c <= '9' and the byte is before end, else 0 */
		__u64 digit = 1 ^ (((d | ('9' - c) | ((__u64)end - digits_at - n - 1)) >> 63) & 1);

		in_number &= digit;
		v += in_number * (v * 9 + d);
		digits += in_number;
	}
	if ((digits_at == i && !digits) || digits > MAX_DIGITS || v > 0xffffffffu)
		return -1;
	return (__s64)((__u64)(digits_at + digits) << 32 | v);
}

/* Headers the kernel reads. */
enum sip_header {
	HDR_OTHER = 0,
	HDR_CSEQ,
	HDR_CONTENT_LENGTH,
};

/*
 * Which header the line at i is, and where its name ends: CSeq, or
 * Content-Length and its compact form l, in any case, the name followed by
 * blanks and a colon. *value gets the value's first byte.
 */
static __always_inline enum sip_header header_at(const struct scratch *s, __u32 i,
						 __u32 end, __u32 *value)
{
	__u64 w = load_word(s, i) | FOLD;
	enum sip_header h;
	__u32 len, colon;

	if (word_is(w, "cseq", 4)) {
		h = HDR_CSEQ;
		len = 4;
	} else if (w == lit("content-", 8) && word_is(load_word(s, i + 8) | FOLD, "length", 6)) {
		h = HDR_CONTENT_LENGTH;
		len = 14;
	} else if ((w & 0xff) == 'l') {
		h = HDR_CONTENT_LENGTH;
		len = 1;
	} else {
		return HDR_OTHER;
	}
	colon = sip_skip(s, i + len, end, SKIP_BLANKS);
	if (colon >= end || load_byte(s, colon) != ':')
		return HDR_OTHER;
	*value = sip_skip_lws(s, colon + 1, end);
	return h;
}

#endif /* SIPXDP_SIP_H */
