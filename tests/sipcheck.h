/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What sipmsg.h promises of any parse, whatever the bytes: every accessor
 * called, every span inside the bytes given, every count and number within
 * its limits. The unit tests CHECK it on real messages, the fuzz target
 * REQUIREs it on anything.
 */
#ifndef SIPXDP_TESTS_SIPCHECK_H
#define SIPXDP_TESTS_SIPCHECK_H

#include <stdint.h>
#include "sipmsg.h"

/* Whether s lies in [lo, hi). A span with no bytes may point anywhere. */
static inline bool sipcheck_inside(struct sip_span s, const char *lo, const char *hi)
{
	return !s.len || (s.p >= lo && s.p <= hi && s.len <= (size_t)(hi - s.p));
}

static inline bool sipcheck_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool sipcheck_trimmed(struct sip_span s)
{
	return !s.len || (!sipcheck_lws(s.p[0]) && !sipcheck_lws(s.p[s.len - 1]));
}

#define SIPCHECK(cond) do { if (!(cond)) return #cond; } while (0)

/* The items of one header value, their URIs and a few parameters. */
static inline const char *sipcheck_items(struct sip_span value)
{
	static const char *const params[] = { "tag", "branch", "q", "expires", "" };
	struct sip_span item, v;
	size_t pos = 0, prev = 0, n = 0;

	while (sip_next_item(value, &pos, &item)) {
		SIPCHECK(pos > prev && pos <= value.len);
		SIPCHECK(++n <= value.len);
		SIPCHECK(item.len && sipcheck_trimmed(item));
		SIPCHECK(sipcheck_inside(item, value.p + prev, value.p + pos));
		SIPCHECK(sipcheck_inside(sip_item_uri(item), item.p, item.p + item.len));
		SIPCHECK(sipcheck_trimmed(sip_item_uri(item)));
		for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			if (sip_item_param(item, params[i], &v))
				SIPCHECK(sipcheck_inside(v, item.p, item.p + item.len));
		prev = pos;
	}
	SIPCHECK(pos == value.len);
	return NULL;
}

/* NULL when m, parsed from buf[0, len), keeps every promise; else the broken one. */
static inline const char *sipcheck(const char *buf, size_t len, const struct sip_msg *m)
{
	const char *end = buf + len, *why;
	struct sip_span s, uris[8];
	size_t n_by_id[SIP_H_MAX] = { 0 }, n_found;
	__u32 num;
	__u8 method = SIPXDP_METHOD_MAX;

	SIPCHECK(m->start <= len);
	SIPCHECK(m->kind <= SIP_MALFORMED);
	if (m->kind == SIP_RESPONSE) {
		SIPCHECK(m->status >= 100 && m->status <= 699);
		SIPCHECK(sipcheck_inside(m->reason, buf + m->start, end));
	}
	if (m->kind == SIP_REQUEST) {
		SIPCHECK(m->method > SIPXDP_M_UNKNOWN && m->method <= SIPXDP_M_OTHER);
		SIPCHECK(m->method_name.len && m->method_name.p == buf + m->start);
		SIPCHECK(sipcheck_inside(m->method_name, buf, end));
		SIPCHECK(sipcheck_inside(m->uri, buf + m->start, end));
	}
	if (m->kind != SIP_REQUEST && m->kind != SIP_RESPONSE)
		SIPCHECK(!m->n_headers && !m->body.len && !m->headers_ended);
	SIPCHECK(m->n_headers <= SIP_MAX_HEADERS);
	SIPCHECK(!m->headers_cut || m->n_headers == SIP_MAX_HEADERS);
	for (unsigned int i = 0; i < m->n_headers; i++) {
		const struct sip_header *h = &m->headers[i];

		SIPCHECK(h->id < SIP_H_MAX);
		n_by_id[h->id]++;
		SIPCHECK(h->name.len && sipcheck_inside(h->name, buf + m->start, end));
		SIPCHECK(sipcheck_inside(h->value, h->name.p + h->name.len, end));
		SIPCHECK(sipcheck_trimmed(h->value));
		if (i)
			SIPCHECK(h->name.p > m->headers[i - 1].value.p);
		why = sipcheck_items(h->value);
		if (why)
			return why;
	}
	for (int id = 0; id < SIP_H_MAX; id++) {
		const struct sip_header *h = NULL;

		n_found = 0;
		while ((h = sip_find(m, (enum sip_hdr)id, h))) {
			SIPCHECK(h->id == (enum sip_hdr)id && ++n_found <= m->n_headers);
		}
		SIPCHECK(n_found == n_by_id[id]);
	}
	SIPCHECK(m->content_length <= 0xffffffffu);
	SIPCHECK(m->has_content_length || !m->content_length);
	SIPCHECK(sipcheck_inside(m->body, buf + m->start, end));
	if (m->body.len)
		SIPCHECK(m->headers_ended);
	if (m->body_cut)
		SIPCHECK(m->has_content_length && m->body.len < m->content_length &&
			 m->body.p + m->body.len == end);
	else if (m->has_content_length && m->headers_ended)
		SIPCHECK(m->body.len == m->content_length);
	if (sip_cseq(m, &num, &method))
		SIPCHECK(method > SIPXDP_M_UNKNOWN && method <= SIPXDP_M_OTHER);
	else
		SIPCHECK(method == SIPXDP_METHOD_MAX);	/* nothing written */
	s = sip_call_id(m);
	SIPCHECK(sipcheck_inside(s, buf, end) && (s.len || !n_by_id[SIP_H_CALL_ID] ||
						 !sip_find(m, SIP_H_CALL_ID, NULL)->value.len));
	if (sip_to_tag(m, &s))
		SIPCHECK(s.len && sipcheck_inside(s, buf, end));
	if (sip_from_tag(m, &s))
		SIPCHECK(s.len && sipcheck_inside(s, buf, end));
	n_found = sip_contacts(m, uris, 8);
	SIPCHECK(n_found <= 8);
	for (size_t i = 0; i < n_found; i++)
		SIPCHECK(uris[i].len && sipcheck_trimmed(uris[i]) &&
			 sipcheck_inside(uris[i], buf, end));
	SIPCHECK(sip_contacts(m, uris, 1) == (n_found ? 1 : 0));
	return NULL;
}

#undef SIPCHECK

#endif /* SIPXDP_TESTS_SIPCHECK_H */
