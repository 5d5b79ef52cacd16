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
#define MAX_WS		16	/* blanks skipped around a header's colon */
#define MAX_DIGITS	10	/* CSeq fits in 32 bits: at most 10 digits */

/* State of the header walk of one message. */
struct hdr_walk {
	__u32 pos;		/* start of the next header line */
	__u32 end;		/* scan limit for this message */
	__u32 body;		/* first body byte; 0 until the blank line */
	__u32 content_length;
	__u32 cseq;
	__u8 cseq_method;
	bool has_content_length;
	bool want_call_id;	/* copy Call-ID into the event */
	bool want_contact;	/* copy Contact values into the event */
};

/* State of the walk over the messages of one packet. */
struct msg_walk {
	__u32 off;		/* start of the current message in the window */
	__u32 win_len;		/* valid bytes in s->buf */
	__u32 payload_len;	/* payload bytes in the packet (may exceed win_len) */
	__u8 direction;
	__u8 result;		/* enum sipxdp_counter of the packet */
};

struct scratch {
	__u8 buf[WIN_LEN + WIN_SLACK];
	struct sipxdp_event ev;
	/* A copy into ev.contact at a variable offset must be provably inside. */
	__u8 ev_slack[SIPXDP_CONTACT_LEN];
	struct msg_walk msg;
	struct hdr_walk hdr;
};

typedef __u64 __attribute__((may_alias)) word_t;

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
#define FOLD	0x2020202020202020ULL	/* ASCII letters to lower case */

static __always_inline __u64 load_word(const struct scratch *s, __u32 i)
{
	return *(const word_t *)&s->buf[i & WIN_MASK];
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

/*
 * Index of the first '\n' in [from, end), or NO_EOL; eight bytes a step.
 * A global (not static) function: the verifier checks it once on its own,
 * and each caller goes on with one unknown return value instead of one path
 * per iteration that could have returned.
 */
__attribute__((noinline)) __u32 sip_find_eol(const struct scratch *s, __u32 from, __u32 end)
{
	__u32 i, p;
	__u64 m;

	if (!s)
		return NO_EOL;
	for (i = 0; i < SIPXDP_SCAN_LEN / 8; i++) {
		p = from + i * 8;
		if (p >= end)
			return NO_EOL;
		m = zero_bytes(load_word(s, p) ^ (ONES * '\n'));
		if (m) {
			p += lowest_flag(m);
			return p < end ? p : NO_EOL;
		}
	}
	return NO_EOL;
}

/*
 * The method whose name starts at i, followed by a blank or line end before
 * `end`; SIPXDP_M_OTHER when it is none of the named ones. Methods are
 * case-sensitive (RFC 3261 7.1).
 */
static __always_inline __u8 method_at(const struct scratch *s, __u32 i, __u32 end)
{
	__u64 w = load_word(s, i);
	__u8 len, m;

	switch (w & 0xff) {
	case 'I':
		if (word_is(w, "INVITE", 6)) { m = SIPXDP_M_INVITE; len = 6; break; }
		if (word_is(w, "INFO", 4)) { m = SIPXDP_M_INFO; len = 4; break; }
		return SIPXDP_M_OTHER;
	case 'A':
		if (word_is(w, "ACK", 3)) { m = SIPXDP_M_ACK; len = 3; break; }
		return SIPXDP_M_OTHER;
	case 'B':
		if (word_is(w, "BYE", 3)) { m = SIPXDP_M_BYE; len = 3; break; }
		return SIPXDP_M_OTHER;
	case 'C':
		if (word_is(w, "CANCEL", 6)) { m = SIPXDP_M_CANCEL; len = 6; break; }
		return SIPXDP_M_OTHER;
	case 'R':
		if (word_is(w, "REGISTER", 8)) { m = SIPXDP_M_REGISTER; len = 8; break; }
		if (word_is(w, "REFER", 5)) { m = SIPXDP_M_REFER; len = 5; break; }
		return SIPXDP_M_OTHER;
	case 'O':
		if (word_is(w, "OPTIONS", 7)) { m = SIPXDP_M_OPTIONS; len = 7; break; }
		return SIPXDP_M_OTHER;
	case 'P':
		if (word_is(w, "PRACK", 5)) { m = SIPXDP_M_PRACK; len = 5; break; }
		if (word_is(w, "PUBLISH", 7)) { m = SIPXDP_M_PUBLISH; len = 7; break; }
		return SIPXDP_M_OTHER;
	case 'S':
		if (word_is(w, "SUBSCRIB", 8) && load_byte(s, i + 8) == 'E') {
			m = SIPXDP_M_SUBSCRIBE; len = 9; break;
		}
		return SIPXDP_M_OTHER;
	case 'N':
		if (word_is(w, "NOTIFY", 6)) { m = SIPXDP_M_NOTIFY; len = 6; break; }
		return SIPXDP_M_OTHER;
	case 'M':
		if (word_is(w, "MESSAGE", 7)) { m = SIPXDP_M_MESSAGE; len = 7; break; }
		return SIPXDP_M_OTHER;
	case 'U':
		if (word_is(w, "UPDATE", 6)) { m = SIPXDP_M_UPDATE; len = 6; break; }
		return SIPXDP_M_OTHER;
	default:
		return SIPXDP_M_OTHER;
	}
	/* "INVITEX" is another method: the name must end here. */
	if (i + len >= end)
		return SIPXDP_M_OTHER;
	switch (load_byte(s, i + len)) {
	case ' ': case '\t': case '\r': case '\n':
		return m;
	}
	return SIPXDP_M_OTHER;
}

/* Headers the parser extracts. */
enum sip_header {
	HDR_OTHER = 0,
	HDR_CALL_ID,
	HDR_CSEQ,
	HDR_CONTACT,
	HDR_CONTENT_LENGTH,
};

/*
 * Which header a line starting at i is, and where its name ends. Names are
 * case-insensitive; compact forms i, m and l count; a blank or the colon
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

/*
 * Past up to 8 bytes that are a or b at i, stopping at end. Branch-free: a
 * data-dependent loop here would fork the verifier's paths once per byte.
 */
static __always_inline __u32 skip_either(const struct scratch *s, __u32 i, __u32 end,
					 __u8 a, __u8 b)
{
	__u64 w = load_word(s, i);
	__u64 other = ~(zero_bytes(w ^ (ONES * a)) | zero_bytes(w ^ (ONES * b))) & HIGHS;
	__u32 n = other ? lowest_flag(other) : 8;

	return i + n < end ? i + n : end;
}

static __always_inline __u32 skip_blanks(const struct scratch *s, __u32 i, __u32 end)
{
	return skip_either(s, i, end, ' ', '\t');
}

/* CRLFs before a start line are ignored (RFC 3261 7.5; RFC 5626 keep-alives). */
static __always_inline __u32 skip_line_ends(const struct scratch *s, __u32 i, __u32 end)
{
	return skip_either(s, i, end, '\r', '\n');
}

/* Past the blanks, the colon and the blanks after a header name; NO_EOL if no colon. */
static __always_inline __u32 value_start(const struct scratch *s, __u32 i, __u32 end)
{
	i = skip_blanks(s, i, end);
	if (i >= end || load_byte(s, i) != ':')
		return NO_EOL;
	return skip_blanks(s, i + 1, end);
}

/*
 * End of a header value ending at the '\n' at eol: the CR is dropped. Other
 * trailing blanks stay (rare; the agent trims them): a loop here would
 * multiply the paths the verifier walks through every header line.
 */
static __always_inline __u32 value_end(const struct scratch *s, __u32 start, __u32 eol)
{
	if (eol > start && load_byte(s, eol - 1) == '\r')
		eol--;
	return eol;
}

/*
 * A decimal number of at most MAX_DIGITS digits at *i, which moves past
 * them; *ok false when there is none. Branch-free for the verifier: the
 * digit test is sign arithmetic, and "still in the number" a 0/1 factor.
 */
static __always_inline __u32 parse_uint(const struct scratch *s, __u32 *i, __u32 end,
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
