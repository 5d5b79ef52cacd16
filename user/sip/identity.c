// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "identity.h"
#include "sipscan.h"

static const char *const attest_names[SIP_ATTESTS] = {
	[SIP_ATTEST_A] = "A",
	[SIP_ATTEST_B] = "B",
	[SIP_ATTEST_C] = "C",
	[SIP_ATTEST_NONE] = "none",
	[SIP_ATTEST_UNREADABLE] = "unreadable",
};

static const char *const verstat_names[SIP_VERSTATS] = {
	[SIP_VERSTAT_PASSED] = "TN-Validation-Passed",
	[SIP_VERSTAT_FAILED] = "TN-Validation-Failed",
	[SIP_VERSTAT_NO_VALIDATION] = "No-TN-Validation",
	[SIP_VERSTAT_OTHER] = "other",
};

const char *sip_attest_name(enum sip_attest a)
{
	return a < SIP_ATTESTS ? attest_names[a] : "?";
}

const char *sip_verstat_name(enum sip_verstat v)
{
	return v < SIP_VERSTATS ? verstat_names[v] : "?";
}

/* The 6 bits of a base64url byte; -1 outside the alphabet. */
static int base64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	return c == '_' ? 63 : -1;
}

bool sip_base64url_decode(const char *in, size_t len, unsigned char *out, size_t max,
			  size_t *out_len)
{
	unsigned int bits = 0, acc = 0;
	size_t n = 0;

	if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		int v = base64url_value(in[i]);

		if (v < 0)
			return false;
		acc = (acc << 6 | (unsigned int)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* the bits left over must be zero: one encoding per payload */
	if (acc & ((1u << bits) - 1))
		return false;
	*out_len = n;
	return true;
}

static size_t skip_json_blanks(const unsigned char *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/*
 * One pass: strings are skipped whole (their \-escapes too), and only a
 * string at depth 1 right after '{' or ',' is a key. No value is parsed
 * but the attest's.
 */
enum sip_attest sip_attest_claim(const unsigned char *p, size_t len)
{
	unsigned int depth = 0;
	bool key_next = false;

	for (size_t i = 0; i < len; i++) {
		size_t start;

		switch (p[i]) {
		case '"':
			start = ++i;
			while (i < len && p[i] != '"')
				i += p[i] == '\\' ? 2 : 1;
			if (i >= len)
				return SIP_ATTEST_UNREADABLE;
			if (depth == 1 && key_next && i - start == 6 &&
			    !memcmp(p + start, "attest", 6)) {
				size_t j = skip_json_blanks(p, len, i + 1);

				if (j >= len || p[j] != ':')
					return SIP_ATTEST_UNREADABLE;
				j = skip_json_blanks(p, len, j + 1);
				if (j + 2 < len && p[j] == '"' && p[j + 2] == '"' &&
				    p[j + 1] >= 'A' && p[j + 1] <= 'C')
					return SIP_ATTEST_A + (p[j + 1] - 'A');
				return SIP_ATTEST_UNREADABLE;
			}
			key_next = false;
			break;
		case '{':
		case '[':
			depth++;
			key_next = depth == 1 && p[i] == '{';
			break;
		case '}':
		case ']':
			if (!depth)
				return SIP_ATTEST_UNREADABLE;
			depth--;
			break;
		case ',':
			key_next = depth == 1;
			break;
		}
	}
	return SIP_ATTEST_UNREADABLE;
}

enum sip_attest sip_identity_attest(struct sip_span value)
{
	unsigned char payload[SIP_PASSPORT_PAYLOAD_MAX];
	const char *end = memchr(value.p, ';', value.len);
	size_t len = end ? (size_t)(end - value.p) : value.len, n;
	const char *dot1, *dot2;

	while (len && sip_is_lws(value.p[len - 1]))
		len--;
	dot1 = memchr(value.p, '.', len);
	if (!dot1)
		return SIP_ATTEST_UNREADABLE;
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - value.p));
	/* three parts, none empty, no fourth */
	if (!dot2 || dot1 == value.p || dot2 == dot1 + 1 || dot2 + 1 == value.p + len ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - value.p)))
		return SIP_ATTEST_UNREADABLE;
	if (!sip_base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), payload, sizeof(payload),
				  &n))
		return SIP_ATTEST_UNREADABLE;
	return sip_attest_claim(payload, n);
}

enum sip_attest sip_attest(const struct sip_msg *m)
{
	const struct sip_header *h = NULL;
	enum sip_attest a = SIP_ATTEST_NONE;

	while ((h = sip_find(m, SIP_H_IDENTITY, h))) {
		a = sip_identity_attest(h->value);
		if (a != SIP_ATTEST_UNREADABLE)
			return a;
	}
	return a;
}

/* A URI parameter (";name=value" before any '?' headers), name in any case. */
static bool uri_param(struct sip_span uri, const char *name, struct sip_span *value)
{
	size_t name_len = strlen(name), i = 0;
	const char *q = memchr(uri.p, '?', uri.len);
	size_t len = q ? (size_t)(q - uri.p) : uri.len;

	while (i < len) {
		const char *semi = memchr(uri.p + i, ';', len - i);
		size_t start, end;

		if (!semi)
			return false;
		start = (size_t)(semi - uri.p) + 1;
		end = start;
		while (end < len && uri.p[end] != ';')
			end++;
		if (end - start > name_len && uri.p[start + name_len] == '=' &&
		    sip_eq_nocase(uri.p + start, name, name_len)) {
			*value = (struct sip_span){ uri.p + start + name_len + 1,
						    end - start - name_len - 1 };
			return true;
		}
		i = end;
	}
	return false;
}

static enum sip_verstat verstat_of(struct sip_span v)
{
	static const char *const lower[SIP_VERSTAT_OTHER] = {
		[SIP_VERSTAT_PASSED] = "tn-validation-passed",
		[SIP_VERSTAT_FAILED] = "tn-validation-failed",
		[SIP_VERSTAT_NO_VALIDATION] = "no-tn-validation",
	};

	for (int k = 0; k < SIP_VERSTAT_OTHER; k++)
		if (v.len == strlen(lower[k]) && sip_eq_nocase(v.p, lower[k], v.len))
			return k;
	return SIP_VERSTAT_OTHER;
}

/* The verstat of the items of the headers with this id: in the URI of a
 * name-addr, or among a bare URI's parameters (sip_item_param's). */
static bool verstat_in(const struct sip_msg *m, enum sip_hdr id, enum sip_verstat *v)
{
	const struct sip_header *h = NULL;

	while ((h = sip_find(m, id, h))) {
		struct sip_span item, value;
		size_t pos = 0;

		while (sip_next_item(h->value, &pos, &item)) {
			if (uri_param(sip_item_uri(item), "verstat", &value) ||
			    sip_item_param(item, "verstat", &value)) {
				*v = verstat_of(value);
				return true;
			}
		}
	}
	return false;
}

bool sip_verstat(const struct sip_msg *m, enum sip_verstat *v)
{
	return verstat_in(m, SIP_H_P_ASSERTED_IDENTITY, v) || verstat_in(m, SIP_H_FROM, v);
}
