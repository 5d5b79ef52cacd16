/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's one SIP parser: pure functions over a byte span (the bytes an
 * event carries, or a test's), no allocation, no copy. Every span points
 * into the caller's buffer. Every byte is hostile: nothing here reads past
 * the span it was given, loops without bound, or trusts a length.
 *
 * The start line and the CSeq method follow the same rules as the kernel
 * program, which counted the message before handing it over (README,
 * "What counts as SIP"):
 *   - "SIP/2.0 NNN" (SIP in any case), NNN in 100..699, then SP or the
 *     line end: a response; other digits or a code outside: malformed;
 *   - "METHOD SP ... SP SIP/2.0" at the line's end (CR stripped), the
 *     first byte in A..Z: a request; a method sipxdp does not name is
 *     SIPXDP_M_OTHER; a line that ends in " SIP/" DIGIT "." DIGIT with
 *     another version, or in " SIP/2.0" then blanks: malformed; any other
 *     line: not SIP;
 *   - a start line with no line end in the bytes: truncated (when what
 *     there is could start a SIP start line), else not SIP;
 *   - CRLFs before the start line are skipped (keep-alives).
 * Header lines end at LF (a CR before it is dropped); a line that starts
 * with SP or HT continues the one before (folding). Header names match in
 * any case, compact forms included (i, m, f, t, v, l, c, e, k, s, o, r, u,
 * x, y, b). The headers end at an empty line; the body is Content-Length
 * bytes after it, cut to what the span holds. A last header line the span
 * ends in before its LF is not indexed: its value could be cut anywhere.
 * The start line and the header index are parsed for SIP_REQUEST and
 * SIP_RESPONSE only.
 * Integers are 1*DIGIT, leading zeros allowed; a value above its field's
 * maximum makes the header invalid: it never wraps.
 */
#ifndef SIPXDP_SIPMSG_H
#define SIPXDP_SIPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "sipxdp.h"

/* A span of the caller's buffer; len 0 when absent. */
struct sip_span {
	const char *p;
	size_t len;
};

/* What the start line says the message is. */
enum sip_kind {
	SIP_REQUEST,
	SIP_RESPONSE,
	SIP_NOT_SIP,
	SIP_TRUNCATED,
	SIP_MALFORMED,
};

/* Headers the agent reads; any other is SIP_H_OTHER. */
enum sip_hdr {
	SIP_H_OTHER = 0,
	SIP_H_CALL_ID,		/* i */
	SIP_H_CSEQ,
	SIP_H_FROM,		/* f */
	SIP_H_TO,		/* t */
	SIP_H_VIA,		/* v */
	SIP_H_CONTACT,		/* m */
	SIP_H_CONTENT_LENGTH,	/* l */
	SIP_H_CONTENT_TYPE,	/* c */
	SIP_H_EXPIRES,
	SIP_H_REASON,
	SIP_H_IDENTITY,		/* y */
	SIP_H_USER_AGENT,
	SIP_H_P_ASSERTED_IDENTITY,
	SIP_H_AUTHORIZATION,
	SIP_H_PROXY_AUTHORIZATION,
	SIP_H_MAX,
};

#define SIP_MAX_HEADERS	128	/* header lines indexed per message */

struct sip_header {
	enum sip_hdr id;
	struct sip_span name;	/* as written */
	struct sip_span value;	/* blanks around trimmed; folded lines kept as they came */
};

struct sip_msg {
	enum sip_kind kind;
	size_t start;			/* offset of the start line (after keep-alive CRLFs) */
	/* SIP_REQUEST */
	__u8 method;			/* enum sipxdp_method: SIPXDP_M_OTHER when not named */
	struct sip_span method_name;
	struct sip_span uri;
	/* SIP_RESPONSE */
	__u16 status;
	struct sip_span reason;
	/* SIP_REQUEST and SIP_RESPONSE */
	struct sip_header headers[SIP_MAX_HEADERS];
	unsigned int n_headers;
	bool headers_cut;		/* more header lines than SIP_MAX_HEADERS (not indexed) */
	bool headers_ended;		/* the empty line was in the bytes */
	bool has_content_length;	/* a valid Content-Length (the first one) */
	__u64 content_length;
	struct sip_span body;		/* after the empty line: Content-Length bytes, or the rest
					 * without one; cut to the bytes there are */
	bool body_cut;			/* fewer bytes than Content-Length */
};

/* Parses buf[0, len) into *m. Returns m->kind. */
enum sip_kind sip_parse(const char *buf, size_t len, struct sip_msg *m);

/* The first header with this id after `after` (NULL: from the first). */
const struct sip_header *sip_find(const struct sip_msg *m, enum sip_hdr id,
				  const struct sip_header *after);

/* 1*DIGIT, leading zeros allowed, the whole span: false when empty, not all
 * digits, or above max. */
bool sip_parse_uint(struct sip_span s, __u64 max, __u64 *out);

/* The first CSeq header: "1*DIGIT LWS method", the LWS and the method
 * required; the number at most 0xffffffff. False (and nothing written)
 * when absent or invalid; a second CSeq is never read. *method is
 * SIPXDP_M_OTHER for a method sipxdp does not name: the token must be the
 * name, then LWS or the value's end. Requests and responses alike. */
bool sip_cseq(const struct sip_msg *m, __u32 *num, __u8 *method);

/* The first Call-ID's value; len 0 when there is none. */
struct sip_span sip_call_id(const struct sip_msg *m);

/*
 * Comma-separated items of a header value (Contact, Via, Reason, ...): a
 * comma inside a quoted string (with its \-escapes) or inside <...> does
 * not split; LWS around an item (blanks, and the line ends of a folded
 * value) is dropped; empty items are skipped.
 * *pos starts at 0. False when no item is left.
 */
bool sip_next_item(struct sip_span value, size_t *pos, struct sip_span *item);

/* The URI of a name-addr or addr-spec item: inside <...>, or a bare URI cut
 * at its first ';' (its parameters are the header's); "*" as is. */
struct sip_span sip_item_uri(struct sip_span item);

/*
 * A header parameter of an item (after the URI: after '>' for a name-addr,
 * after the URI's first ';' for a bare one), name matched in any case,
 * blanks around ';' and '=' allowed. *value is the token or the quoted
 * string (quotes kept); len 0 for a parameter with no value. False when
 * absent.
 */
bool sip_item_param(struct sip_span item, const char *name, struct sip_span *value);

/* The protocols of a Reason header (RFC 3326) whose causes are counted. */
enum sip_reason_protocol {
	SIP_REASON_Q850,	/* "Q.850": ITU-T Q.850 cause values 1..127 */
	SIP_REASON_SIP,		/* "SIP": a status code 100..699 */
	SIP_REASON_PROTOCOLS,
};

#define SIP_REASON_Q850_MIN	1
#define SIP_REASON_Q850_MAX	127
#define SIP_REASON_SIP_MIN	100
#define SIP_REASON_SIP_MAX	699

/* "q850", "sip". */
const char *sip_reason_protocol_name(enum sip_reason_protocol proto);
/* The range of a protocol's causes. */
unsigned int sip_reason_cause_min(enum sip_reason_protocol proto);
unsigned int sip_reason_cause_max(enum sip_reason_protocol proto);

/*
 * The cause of one reason-value (an item of a Reason header, sip_next_item):
 * its protocol token (any case) and its cause parameter, 1*DIGIT within
 * the protocol's range. False for another protocol, no cause, or a cause
 * out of range: such a value says nothing that can be counted. The text
 * parameter is never read.
 */
bool sip_reason_cause(struct sip_span item, enum sip_reason_protocol *proto,
		      unsigned int *cause);

/*
 * The user part of a URI: for sip: and sips: (in any case) the bytes between
 * the scheme and the first '@', its password (after a ':') left out, and
 * none without an '@'; for tel: (RFC 3966) the number, up to its first ';'.
 * len 0 for any other scheme, or none.
 */
struct sip_span sip_uri_user(struct sip_span uri);

/* The user of the first To header's URI; len 0 when there is none. */
struct sip_span sip_to_user(const struct sip_msg *m);

/* The tag parameter of the first To (or From) header; false when none, or
 * when it has no value. */
bool sip_to_tag(const struct sip_msg *m, struct sip_span *tag);
bool sip_from_tag(const struct sip_msg *m, struct sip_span *tag);

/* The URIs of every Contact header, in order, several per header; at most
 * max into out. Empty URIs ("<>") are skipped, as contact_split does.
 * Returns how many were written. */
size_t sip_contacts(const struct sip_msg *m, struct sip_span *out, size_t max);

#endif /* SIPXDP_SIPMSG_H */
