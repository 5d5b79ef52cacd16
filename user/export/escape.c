// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include "escape.h"

#define REPLACEMENT_CHAR	"\xef\xbf\xbd"	/* U+FFFD in UTF-8 */
#define CUT_MARK		"..."

/*
 * Returns how many bytes of s (n > 0 available) the character at s takes,
 * and whether it is valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). An invalid sequence takes its longest valid
 * prefix, at least one byte, so it becomes one U+FFFD (Unicode's "maximal
 * subpart" practice) and the next character is not swallowed.
 */
static size_t utf8_char(const unsigned char *s, size_t n, bool *valid)
{
	unsigned char lo = 0x80, hi = 0xbf;	/* range of the second byte */
	size_t need, i;

	*valid = false;
	if (s[0] < 0x80) {
		*valid = true;
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates U+D800..U+DFFF */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 1;	/* continuation byte, C0, C1, F5..FF */
	}
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	*valid = true;
	return need;
}

/* The replacement for an ASCII byte in one output format, NULL to keep it. */
typedef const char *(*ascii_escape_fn)(unsigned char c, char buf[8]);

/*
 * Writes in[0..len) as valid UTF-8, escaping ASCII through esc. Runs of
 * bytes kept as they are go out in one fwrite.
 */
static void write_escaped(FILE *out, const char *in, size_t len, size_t max_in,
			  ascii_escape_fn esc)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t limit = len < max_in ? len : max_in;
	size_t pos = 0, run = 0;
	char buf[8];

	while (pos < limit) {
		const char *rep = NULL;
		bool valid;
		/* Decoded against the whole input: a character across max_in is cut. */
		size_t n = utf8_char(s + pos, len - pos, &valid);

		if (pos + n > limit)
			break;
		if (!valid || s[pos] == '\0')
			rep = REPLACEMENT_CHAR;
		else if (s[pos] < 0x80)
			rep = esc(s[pos], buf);
		if (rep) {
			fwrite(s + run, 1, pos - run, out);
			fputs(rep, out);
			run = pos + n;
		}
		pos += n;
	}
	fwrite(s + run, 1, pos - run, out);
	if (pos < len)
		fputs(CUT_MARK, out);
}

static const char *label_escape(unsigned char c, char buf[8])
{
	(void)buf;
	switch (c) {
	case '\\':
		return "\\\\";
	case '"':
		return "\\\"";
	case '\n':
		return "\\n";
	default:
		return NULL;
	}
}

/* JSON escapes what a label value does, and every other control character. */
static const char *json_escape(unsigned char c, char buf[8])
{
	const char *common = label_escape(c, buf);

	if (common)
		return common;
	switch (c) {
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		if (c >= 0x20)
			return NULL;
		snprintf(buf, 8, "\\u%04x", c);
		return buf;
	}
}

void escape_label_value(FILE *out, const char *in, size_t len, size_t max_in)
{
	write_escaped(out, in, len, max_in, label_escape);
}

void escape_json_string(FILE *out, const char *in, size_t len, size_t max_in)
{
	fputc('"', out);
	write_escaped(out, in, len, max_in, json_escape);
	fputc('"', out);
}
