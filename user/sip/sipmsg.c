// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The start line, the header index and the body of a SIP message
 * (sipmsg.h). Lines are found with memchr, header names by a switch on
 * their first byte and length, as Kamailio's parse_hname2.c does: a 200 OK
 * with SDP is parsed in a few hundred nanoseconds.
 */
#include <string.h>
#include "sip_names.h"
#include "sipmsg.h"
#include "sipscan.h"

#define VERSION_LEN	8	/* "SIP/2.0 " or " SIP/2.0" */
#define STATUS_LINE_MIN	12	/* "SIP/2.0 NNN" and the byte after it */
#define CSEQ_MAX	0xffffffffu
#define CONTENT_LENGTH_MAX 0xffffffffu

/* What the 8 bytes " SIP/" DIGIT "." DIGIT at the end of a request line say. */
enum version {
	VERSION_NONE,
	VERSION_2_0,
	VERSION_OTHER,
};

static enum version version_at(const char *p)
{
	if (p[0] != ' ' || sip_lower(p[1]) != 's' || sip_lower(p[2]) != 'i' ||
	    sip_lower(p[3]) != 'p' || p[4] != '/' || !sip_is_digit(p[5]) || p[6] != '.' ||
	    !sip_is_digit(p[7]))
		return VERSION_NONE;
	return p[5] == '2' && p[7] == '0' ? VERSION_2_0 : VERSION_OTHER;
}

/* Whether p[0, n) (n <= 8) is as much of "SIP/2.0 " as there is, S I P in any case. */
static bool status_prefix(const char *p, size_t n)
{
	static const char version[VERSION_LEN] = "sip/2.0 ";

	for (size_t i = 0; i < n; i++)
		if ((i < 3 ? sip_lower(p[i]) : p[i]) != version[i])
			return false;
	return true;
}

/*
 * The method whose name p[0, n) starts with, followed by a byte that
 * end_ok accepts or, when at_end_ok, by the end of the bytes;
 * SIPXDP_M_OTHER otherwise. Names are case-sensitive (RFC 3261 7.1).
 */
static __u8 method_at(const char *p, size_t n, bool (*end_ok)(char), bool at_end_ok)
{
	__u8 candidates[2] = { SIPXDP_M_OTHER, SIPXDP_M_OTHER };

	if (!n)
		return SIPXDP_M_OTHER;
	switch (p[0]) {
	case 'A': candidates[0] = SIPXDP_M_ACK; break;
	case 'B': candidates[0] = SIPXDP_M_BYE; break;
	case 'C': candidates[0] = SIPXDP_M_CANCEL; break;
	case 'I': candidates[0] = SIPXDP_M_INVITE; candidates[1] = SIPXDP_M_INFO; break;
	case 'M': candidates[0] = SIPXDP_M_MESSAGE; break;
	case 'N': candidates[0] = SIPXDP_M_NOTIFY; break;
	case 'O': candidates[0] = SIPXDP_M_OPTIONS; break;
	case 'P': candidates[0] = SIPXDP_M_PRACK; candidates[1] = SIPXDP_M_PUBLISH; break;
	case 'R': candidates[0] = SIPXDP_M_REGISTER; candidates[1] = SIPXDP_M_REFER; break;
	case 'S': candidates[0] = SIPXDP_M_SUBSCRIBE; break;
	case 'U': candidates[0] = SIPXDP_M_UPDATE; break;
	default: return SIPXDP_M_OTHER;
	}
	for (size_t i = 0; i < 2 && candidates[i] != SIPXDP_M_OTHER; i++) {
		const char *name = method_name(candidates[i]);
		size_t len = strlen(name);

		if (len > n || memcmp(p, name, len) != 0)
			continue;
		if (len == n ? at_end_ok : end_ok(p[len]))
			return candidates[i];
	}
	return SIPXDP_M_OTHER;
}

static bool is_space(char c)
{
	return c == ' ';
}

/* "SIP/2.0 NNN" then SP or the line end; p[0, min(n, 8)) is known to match. */
static enum sip_kind status_line(const char *p, size_t n, struct sip_msg *m, size_t *eol)
{
	const char *lf, *line_end;

	for (size_t i = VERSION_LEN; i < VERSION_LEN + 3 && i < n; i++)
		if (!sip_is_digit(p[i]))
			return SIP_MALFORMED;
	if (n < STATUS_LINE_MIN)
		return SIP_TRUNCATED;	/* what there is could still be a status line */
	if (p[11] != ' ' && p[11] != '\r' && p[11] != '\n')
		return SIP_MALFORMED;
	if (p[VERSION_LEN] < '1' || p[VERSION_LEN] > '6')
		return SIP_MALFORMED;
	lf = memchr(p + 11, '\n', n - 11);
	if (!lf)
		return SIP_TRUNCATED;
	line_end = lf > p + 11 && lf[-1] == '\r' ? lf - 1 : lf;
	m->status = (__u16)((p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0'));
	if (p[11] == ' ')
		m->reason = (struct sip_span){ p + 12, (size_t)(line_end - (p + 12)) };
	*eol = (size_t)(lf - p);
	return SIP_RESPONSE;
}

/*
 * "METHOD SP uri SP SIP/2.0" (p[0] in A..Z). The line ends at the first LF,
 * one CR before it stripped. A line that ends in another version, or in
 * " SIP/2.0" then blanks, is SIP gone wrong: malformed; any other line is
 * not SIP.
 */
static enum sip_kind request_line(const char *p, size_t n, struct sip_msg *m, size_t *eol)
{
	const char *lf = memchr(p, '\n', n), *first_sp;
	size_t len, trimmed, last_sp;

	m->method = method_at(p, n, is_space, false);
	if (!lf)
		return m->method == SIPXDP_M_OTHER ? SIP_NOT_SIP : SIP_TRUNCATED;
	len = (size_t)(lf - p);
	if (len && p[len - 1] == '\r')
		len--;
	if (len < STATUS_LINE_MIN || version_at(p + len - VERSION_LEN) != VERSION_2_0) {
		trimmed = len;
		while (trimmed && sip_is_blank(p[trimmed - 1]))
			trimmed--;
		if ((trimmed < len && trimmed >= VERSION_LEN &&
		     version_at(p + trimmed - VERSION_LEN) == VERSION_2_0) ||
		    (len >= VERSION_LEN && version_at(p + len - VERSION_LEN) == VERSION_OTHER))
			return SIP_MALFORMED;
		return SIP_NOT_SIP;
	}
	last_sp = len - VERSION_LEN;
	first_sp = memchr(p, ' ', len);	/* found: at last_sp if nowhere before */
	m->method_name = (struct sip_span){ p, (size_t)(first_sp - p) };
	m->uri = (struct sip_span){ first_sp + 1, 0 };
	if (first_sp < p + last_sp)
		m->uri.len = last_sp - (size_t)(first_sp + 1 - p);
	*eol = (size_t)(lf - p);
	return SIP_REQUEST;
}

#define NAME_IS(s, n, lower) ((n) == sizeof(lower) - 1 && sip_eq_nocase(s, lower, n))

/* The header a name is, compact forms included; SIP_H_OTHER for the rest
 * (the compact e, k, s, o, r, u, x and b among them). */
static enum sip_hdr header_id(const char *s, size_t n)
{
	switch (sip_lower(s[0])) {
	case 'a':
		return NAME_IS(s, n, "authorization") ? SIP_H_AUTHORIZATION : SIP_H_OTHER;
	case 'c':
		if (n == 1)
			return SIP_H_CONTENT_TYPE;
		if (NAME_IS(s, n, "call-id"))
			return SIP_H_CALL_ID;
		if (NAME_IS(s, n, "contact"))
			return SIP_H_CONTACT;
		if (NAME_IS(s, n, "cseq"))
			return SIP_H_CSEQ;
		if (NAME_IS(s, n, "content-length"))
			return SIP_H_CONTENT_LENGTH;
		return NAME_IS(s, n, "content-type") ? SIP_H_CONTENT_TYPE : SIP_H_OTHER;
	case 'e':
		return NAME_IS(s, n, "expires") ? SIP_H_EXPIRES : SIP_H_OTHER;
	case 'f':
		return n == 1 || NAME_IS(s, n, "from") ? SIP_H_FROM : SIP_H_OTHER;
	case 'i':
		return n == 1 ? SIP_H_CALL_ID :
		       NAME_IS(s, n, "identity") ? SIP_H_IDENTITY : SIP_H_OTHER;
	case 'l':
		return n == 1 ? SIP_H_CONTENT_LENGTH : SIP_H_OTHER;
	case 'm':
		return n == 1 ? SIP_H_CONTACT : SIP_H_OTHER;
	case 'p':
		if (NAME_IS(s, n, "p-asserted-identity"))
			return SIP_H_P_ASSERTED_IDENTITY;
		return NAME_IS(s, n, "proxy-authorization") ? SIP_H_PROXY_AUTHORIZATION :
							      SIP_H_OTHER;
	case 'r':
		return NAME_IS(s, n, "reason") ? SIP_H_REASON : SIP_H_OTHER;
	case 't':
		return n == 1 || NAME_IS(s, n, "to") ? SIP_H_TO : SIP_H_OTHER;
	case 'u':
		return NAME_IS(s, n, "user-agent") ? SIP_H_USER_AGENT : SIP_H_OTHER;
	case 'v':
		return n == 1 || NAME_IS(s, n, "via") ? SIP_H_VIA : SIP_H_OTHER;
	case 'y':
		return n == 1 ? SIP_H_IDENTITY : SIP_H_OTHER;
	}
	return SIP_H_OTHER;
}

/*
 * The header in line[0, n) (its continuation lines included, the last LF
 * not): the name up to blanks then ':', the value trimmed of LWS around.
 * False for a line with no name and colon: not a header.
 */
static bool header_at(const char *line, size_t n, struct sip_header *h)
{
	size_t i = 0, name_len, end = n;

	while (i < n && line[i] != ':' && !sip_is_blank(line[i]))
		i++;
	name_len = i;
	while (i < n && sip_is_blank(line[i]))
		i++;
	if (!name_len || i == n || line[i] != ':')
		return false;
	for (i++; i < n && sip_is_lws(line[i]); i++)
		;
	while (end > i && sip_is_lws(line[end - 1]))
		end--;
	h->id = header_id(line, name_len);
	h->name = (struct sip_span){ line, name_len };
	h->value = (struct sip_span){ line + i, end - i };
	return true;
}

/* The body after the empty line that ends at buf[pos - 1]. */
static void find_body(const char *buf, size_t len, size_t pos, struct sip_msg *m)
{
	size_t rest = len - pos;

	m->headers_ended = true;
	m->body = (struct sip_span){ buf + pos, rest };
	if (m->has_content_length && m->content_length <= rest)
		m->body.len = (size_t)m->content_length;
	m->body_cut = m->has_content_length && m->content_length > rest;
}

/*
 * The header lines from buf[pos] to the empty line. A line the bytes end
 * in before its LF is not indexed: its value could be cut anywhere (a
 * Content-Length of 1 from 120), and the headers did not end.
 */
static void parse_headers(const char *buf, size_t len, size_t pos, struct sip_msg *m)
{
	bool content_length_seen = false;

	while (pos < len) {
		const char *lf = memchr(buf + pos, '\n', len - pos);
		struct sip_header h;
		size_t end;

		if (!lf)
			return;
		end = (size_t)(lf - buf);
		if (end == pos || (end == pos + 1 && buf[pos] == '\r')) {
			find_body(buf, len, end + 1, m);
			return;
		}
		/* Folding: a line that starts with a blank belongs to this one. */
		while (end + 1 < len && sip_is_blank(buf[end + 1])) {
			lf = memchr(buf + end + 1, '\n', len - end - 1);
			if (!lf)
				return;
			end = (size_t)(lf - buf);
		}
		if (header_at(buf + pos, end - pos, &h)) {
			if (h.id == SIP_H_CONTENT_LENGTH && !content_length_seen) {
				content_length_seen = true;
				m->has_content_length = sip_parse_uint(h.value, CONTENT_LENGTH_MAX,
									&m->content_length);
			}
			if (m->n_headers < SIP_MAX_HEADERS)
				m->headers[m->n_headers++] = h;
			else
				m->headers_cut = true;
		}
		pos = end + 1;
	}
}

enum sip_kind sip_parse(const char *buf, size_t len, struct sip_msg *m)
{
	size_t start = 0, eol = 0;
	const char *p;
	size_t n;

	/* Not the header array: what n_headers does not count is never read. */
	m->method = SIPXDP_M_OTHER;
	m->method_name = m->uri = m->reason = m->body = (struct sip_span){ NULL, 0 };
	m->status = 0;
	m->n_headers = 0;
	m->headers_cut = m->headers_ended = m->has_content_length = m->body_cut = false;
	m->content_length = 0;

	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	m->start = start;
	p = buf + start;
	n = len - start;
	if (!n)
		m->kind = SIP_NOT_SIP;
	else if (status_prefix(p, n < VERSION_LEN ? n : VERSION_LEN))
		m->kind = n < VERSION_LEN ? SIP_TRUNCATED : status_line(p, n, m, &eol);
	else if (p[0] >= 'A' && p[0] <= 'Z')
		m->kind = request_line(p, n, m, &eol);
	else
		m->kind = SIP_NOT_SIP;
	if (m->kind == SIP_REQUEST || m->kind == SIP_RESPONSE)
		parse_headers(buf, len, start + eol + 1, m);
	return m->kind;
}

const struct sip_header *sip_find(const struct sip_msg *m, enum sip_hdr id,
				  const struct sip_header *after)
{
	size_t i = after ? (size_t)(after - m->headers) + 1 : 0;

	for (; i < m->n_headers; i++)
		if (m->headers[i].id == id)
			return &m->headers[i];
	return NULL;
}

bool sip_cseq(const struct sip_msg *m, __u32 *num, __u8 *method)
{
	const struct sip_header *h = sip_find(m, SIP_H_CSEQ, NULL);
	struct sip_span v;
	size_t digits = 0, i;
	__u64 n;

	if (!h)
		return false;
	v = h->value;
	while (digits < v.len && sip_is_digit(v.p[digits]))
		digits++;
	if (!sip_parse_uint((struct sip_span){ v.p, digits }, CSEQ_MAX, &n))
		return false;
	for (i = digits; i < v.len && sip_is_lws(v.p[i]); i++)
		;
	/* 1*DIGIT LWS Method: the blank and the method are not optional */
	if (i == digits || i == v.len)
		return false;
	*num = (__u32)n;
	*method = method_at(v.p + i, v.len - i, sip_is_lws, true);
	return true;
}

struct sip_span sip_call_id(const struct sip_msg *m)
{
	const struct sip_header *h = sip_find(m, SIP_H_CALL_ID, NULL);

	return h ? h->value : (struct sip_span){ NULL, 0 };
}

/* The tag of the first header with this id; an empty tag is none. */
static bool first_tag(const struct sip_msg *m, enum sip_hdr id, struct sip_span *tag)
{
	const struct sip_header *h = sip_find(m, id, NULL);
	struct sip_span v;

	if (!h || !sip_item_param(h->value, "tag", &v) || !v.len)
		return false;
	*tag = v;
	return true;
}

struct sip_span sip_to_user(const struct sip_msg *m)
{
	const struct sip_header *h = sip_find(m, SIP_H_TO, NULL);
	struct sip_span item, none = { NULL, 0 };
	size_t pos = 0;

	if (!h || !sip_next_item(h->value, &pos, &item))
		return none;
	return sip_uri_user(sip_item_uri(item));
}

bool sip_to_tag(const struct sip_msg *m, struct sip_span *tag)
{
	return first_tag(m, SIP_H_TO, tag);
}

bool sip_from_tag(const struct sip_msg *m, struct sip_span *tag)
{
	return first_tag(m, SIP_H_FROM, tag);
}

size_t sip_contacts(const struct sip_msg *m, struct sip_span *out, size_t max)
{
	const struct sip_header *h = NULL;
	size_t n = 0;

	while (n < max && (h = sip_find(m, SIP_H_CONTACT, h))) {
		struct sip_span item;
		size_t pos = 0;

		while (n < max && sip_next_item(h->value, &pos, &item)) {
			struct sip_span uri = sip_item_uri(item);

			if (uri.len)
				out[n++] = uri;
		}
	}
	return n;
}
