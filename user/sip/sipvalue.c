// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Header values (sipmsg.h): integers, comma-separated items, the URI and
 * the parameters of an item. An item's URI follows contact_split's rules
 * (redirects.h), so that the trackers can move to these without a change
 * of what they count. Every scan moves forward at each step, a quoted
 * string that never closes runs to the end of the span and no further.
 */
#include <string.h>
#include "sipmsg.h"
#include "sipscan.h"

size_t sip_skip_quoted(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;	/* quoted-pair: the next byte is taken as is */
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

bool sip_parse_uint(struct sip_span s, __u64 max, __u64 *out)
{
	__u64 v = 0;

	if (!s.len)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned int d = (unsigned char)s.p[i] - '0';

		/* v * 10 <= max holds before the second test: no wrap in either. */
		if (d > 9 || v > max / 10 || d > max - v * 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static struct sip_span trim_lws(const char *p, size_t len)
{
	while (len && sip_is_lws(*p)) {
		p++;
		len--;
	}
	while (len && sip_is_lws(p[len - 1]))
		len--;
	return (struct sip_span){ p, len };
}

/*
 * Where the URI of the item p[0, len) is (*uri, blanks around dropped) and
 * where its header parameters start (returned; len when there are none):
 * the first '<' outside quotes, before any ';', opens a name-addr whose
 * parameters follow its '>'; else the URI is bare, cut at its first ';'.
 * A name-addr the bytes end in runs to the end.
 */
static size_t split_item(const char *p, size_t len, struct sip_span *uri)
{
	size_t i = 0;

	while (i < len) {
		const char *close;

		switch (p[i]) {
		case '"':
			i = sip_skip_quoted(p, len, i);
			continue;
		case '<':
			close = memchr(p + i + 1, '>', len - i - 1);
			if (!close) {
				*uri = trim_lws(p + i + 1, len - i - 1);
				return len;
			}
			*uri = trim_lws(p + i + 1, (size_t)(close - (p + i + 1)));
			return (size_t)(close - p) + 1;
		case ';':
			*uri = trim_lws(p, i);
			return i;
		}
		i++;
	}
	*uri = trim_lws(p, len);
	return len;
}

/* The end of the item from value[i]: the first ',' outside quoted strings
 * and outside the name-addr's <...>. */
static size_t item_end(const char *p, size_t len, size_t i)
{
	bool past_uri = false;	/* a '<' after the name-addr or a ';' opens nothing */

	while (i < len && p[i] != ',') {
		const char *close;

		switch (p[i]) {
		case '"':
			i = sip_skip_quoted(p, len, i);
			continue;
		case '<':
			if (past_uri)
				break;
			past_uri = true;
			close = memchr(p + i + 1, '>', len - i - 1);
			i = close ? (size_t)(close - p) + 1 : len;
			continue;
		case ';':
			past_uri = true;
			break;
		}
		i++;
	}
	return i;
}

bool sip_next_item(struct sip_span value, size_t *pos, struct sip_span *item)
{
	size_t i = *pos;

	while (i < value.len) {
		size_t end = item_end(value.p, value.len, i);
		struct sip_span it = trim_lws(value.p + i, end - i);

		i = end < value.len ? end + 1 : value.len;
		if (it.len) {
			*item = it;
			*pos = i;
			return true;
		}
	}
	*pos = i;
	return false;
}

struct sip_span sip_item_uri(struct sip_span item)
{
	struct sip_span uri;

	split_item(item.p, item.len, &uri);
	return uri;
}

struct sip_span sip_uri_user(struct sip_span uri)
{
	struct sip_span none = { NULL, 0 }, user;
	const char *at, *colon;
	size_t scheme;

	if (uri.len >= 4 && sip_eq_nocase(uri.p, "tel:", 4)) {
		const char *semi = memchr(uri.p + 4, ';', uri.len - 4);

		user.p = uri.p + 4;
		user.len = semi ? (size_t)(semi - user.p) : uri.len - 4;
		return user;
	}
	if (uri.len >= 4 && sip_eq_nocase(uri.p, "sip:", 4))
		scheme = 4;
	else if (uri.len >= 5 && sip_eq_nocase(uri.p, "sips:", 5))
		scheme = 5;
	else
		return none;
	at = memchr(uri.p + scheme, '@', uri.len - scheme);
	if (!at)
		return none;
	user.p = uri.p + scheme;
	user.len = (size_t)(at - user.p);
	colon = memchr(user.p, ':', user.len);
	if (colon)
		user.len = (size_t)(colon - user.p);
	return user;
}

/* Bytes that end a parameter's name, or its token value ('>' too, as the
 * kernel's tag copy ends there). */
static bool ends_param_name(char c)
{
	return c == '=' || c == ';' || c == ',' || sip_is_lws(c);
}

static bool ends_param_value(char c)
{
	return c == ';' || c == ',' || c == '>' || sip_is_lws(c);
}

static size_t skip_lws(const char *p, size_t len, size_t i)
{
	while (i < len && sip_is_lws(p[i]))
		i++;
	return i;
}

bool sip_item_param(struct sip_span item, const char *name, struct sip_span *value)
{
	const char *p = item.p;
	size_t len = item.len, name_len = strlen(name), i;
	struct sip_span uri;

	i = split_item(p, len, &uri);
	while (i < len) {
		size_t name_start, value_start;
		bool match;

		if (p[i] == '"') {
			i = sip_skip_quoted(p, len, i);
			continue;
		}
		if (p[i++] != ';')
			continue;
		name_start = i = skip_lws(p, len, i);
		while (i < len && !ends_param_name(p[i]))
			i++;
		match = i - name_start == name_len;
		for (size_t k = 0; match && k < name_len; k++)
			match = sip_lower(p[name_start + k]) == sip_lower(name[k]);
		i = skip_lws(p, len, i);
		value_start = i;
		if (i < len && p[i] == '=') {
			value_start = i = skip_lws(p, len, i + 1);
			if (i < len && p[i] == '"')
				i = sip_skip_quoted(p, len, i);
			else
				while (i < len && !ends_param_value(p[i]))
					i++;
		}
		if (match) {
			*value = (struct sip_span){ p + value_start, i - value_start };
			return true;
		}
	}
	return false;
}

const char *sip_reason_protocol_name(enum sip_reason_protocol proto)
{
	return proto == SIP_REASON_Q850 ? "q850" : "sip";
}

unsigned int sip_reason_cause_min(enum sip_reason_protocol proto)
{
	return proto == SIP_REASON_Q850 ? SIP_REASON_Q850_MIN : SIP_REASON_SIP_MIN;
}

unsigned int sip_reason_cause_max(enum sip_reason_protocol proto)
{
	return proto == SIP_REASON_Q850 ? SIP_REASON_Q850_MAX : SIP_REASON_SIP_MAX;
}

bool sip_reason_cause(struct sip_span item, enum sip_reason_protocol *proto,
		      unsigned int *cause)
{
	struct sip_span token = sip_item_uri(item), value;
	__u64 n;

	if (token.len == 5 && sip_eq_nocase(token.p, "q.850", 5))
		*proto = SIP_REASON_Q850;
	else if (token.len == 3 && sip_eq_nocase(token.p, "sip", 3))
		*proto = SIP_REASON_SIP;
	else
		return false;
	if (!sip_item_param(item, "cause", &value) ||
	    !sip_parse_uint(value, sip_reason_cause_max(*proto), &n) ||
	    n < sip_reason_cause_min(*proto))
		return false;
	*cause = (unsigned int)n;
	return true;
}
