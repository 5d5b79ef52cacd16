// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdlib.h>
#include "escape.h"
#include "testlib.h"

#define FFFD "\xef\xbf\xbd"

typedef void (*escape_fn)(FILE *out, const char *in, size_t len, size_t max_in);

/* What fn writes, as a string (the tests' inputs never make it write a NUL). */
static char *render(escape_fn fn, const char *in, size_t len, size_t max_in)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	if (!out)
		return NULL;
	fn(out, in, len, max_in);
	fclose(out);
	return buf;
}

static void check_escape(escape_fn fn, const char *in, size_t len, size_t max_in,
			 const char *want)
{
	char *got = render(fn, in, len, max_in);

	CHECK_STR(got, want);
	free(got);
}

#define LABEL(in, want) check_escape(escape_label_value, in, sizeof(in) - 1, 256, want)
#define JSON(in, want) check_escape(escape_json_string, in, sizeof(in) - 1, 256, want)

/*
 * Strict UTF-8 by code point, not by byte ranges as escape.c checks it:
 * shortest form, no surrogates, nothing above U+10FFFF, no NUL.
 */
static bool valid_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	static const unsigned int min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };

	for (size_t i = 0; i < len;) {
		unsigned int cp, n;

		if (s[i] == 0)
			return false;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = s[i] & 0x07;
		} else {
			return false;
		}
		if (i + n > len)
			return false;
		for (unsigned int k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

static void label_escapes_the_three(void)
{
	LABEL("plain", "plain");
	LABEL("a\"b", "a\\\"b");
	LABEL("a\\b", "a\\\\b");
	LABEL("a\nb", "a\\nb");
	LABEL("\"\\\n", "\\\"\\\\\\n");
	/* The format has no other escapes: tab, CR and DEL stay as they are. */
	LABEL("a\tb\rc\x7f", "a\tb\rc\x7f");
	LABEL("", "");
}

static void nul_becomes_replacement(void)
{
	LABEL("a\0b", "a" FFFD "b");
	LABEL("\0", FFFD);
	JSON("a\0b", "\"a" FFFD "b\"");
}

static void long_uri_cut_to_bound(void)
{
	static char uri[4096];
	char want[256 + 4], *got;

	memcpy(uri, "sip:", 4);
	for (size_t i = 4; i < sizeof(uri); i++)
		uri[i] = (char)('a' + i % 26);
	memcpy(want, uri, 256);
	strcpy(want + 256, "...");

	got = render(escape_label_value, uri, sizeof(uri), 256);
	CHECK_STR(got, want);
	CHECK_EQ(got ? strlen(got) : 0, 259);
	free(got);

	/* Exactly at the bound is not a cut. */
	want[256] = '\0';
	check_escape(escape_label_value, uri, 256, 256, want);

	/* The bound counts input bytes, not output: escapes may make it longer. */
	memset(uri, '"', 300);
	got = render(escape_label_value, uri, 300, 100);
	CHECK_EQ(got ? strlen(got) : 0, 200 + 3);
	CHECK(got && strcmp(got + 200, "...") == 0);
	free(got);
}

static void cut_on_character_boundary(void)
{
	char in[258], want[256 + 6];

	/* A 2-byte character across the bound is left out whole, not split. */
	memset(in, 'x', 255);
	memcpy(in + 255, "\xc3\xa9z", 3);
	memcpy(want, in, 255);
	strcpy(want + 255, "...");
	check_escape(escape_label_value, in, 258, 256, want);

	/* One byte more and it fits. */
	strcpy(want + 255, "\xc3\xa9...");
	check_escape(escape_label_value, in, 258, 257, want);

	/* An invalid sequence across the bound is cut the same way. */
	memcpy(in + 255, "\xe2\x82z", 3);
	strcpy(want + 255, "...");
	check_escape(escape_label_value, in, 258, 256, want);
}

static void invalid_utf8_replaced(void)
{
	/* One U+FFFD per maximal subpart (Unicode 3.9, table 3-8). */
	LABEL("a\x80z", "a" FFFD "z");			/* lone continuation */
	LABEL("a\xc0\xafz", "a" FFFD FFFD "z");		/* overlong '/' */
	LABEL("a\xc1\xbfz", "a" FFFD FFFD "z");		/* overlong, C1 lead */
	LABEL("a\xe0\x80\xafz", "a" FFFD FFFD FFFD "z");	/* overlong 3-byte */
	LABEL("a\xf0\x80\x80\xafz", "a" FFFD FFFD FFFD FFFD "z");	/* overlong 4-byte */
	LABEL("a\xed\xa0\x80z", "a" FFFD FFFD FFFD "z");	/* surrogate U+D800 */
	LABEL("a\xed\xbf\xbfz", "a" FFFD FFFD FFFD "z");	/* surrogate U+DFFF */
	LABEL("a\xf4\x90\x80\x80z", "a" FFFD FFFD FFFD FFFD "z");	/* above U+10FFFF */
	LABEL("a\xf5\xfe\xffz", "a" FFFD FFFD FFFD "z");	/* never in UTF-8 */
	LABEL("a\xe2\x82z", "a" FFFD "z");		/* truncated, then ASCII */
	LABEL("a\xe2\x82", "a" FFFD);			/* truncated at the end */
	LABEL("a\xf0\x9f\x98", "a" FFFD);		/* truncated 4-byte */
	LABEL("\xc3\xe9", FFFD FFFD);			/* lead, then a bad lead */
	JSON("\xff\"", "\"" FFFD "\\\"\"");
}

static void valid_multibyte_kept(void)
{
	/* é, €, U+FFFD itself, U+10FFFF, 😀, and the edges of the ranges */
	static const char ok[] = "\xc3\xa9\xe2\x82\xac\xef\xbf\xbd\xf4\x8f\xbf\xbf"
				 "\xf0\x9f\x98\x80\xc2\x80\xe0\xa0\x80\xed\x9f\xbf"
				 "\xee\x80\x80\xf0\x90\x80\x80";

	LABEL(ok, ok);
	JSON(ok, "\"" "\xc3\xa9\xe2\x82\xac\xef\xbf\xbd\xf4\x8f\xbf\xbf"
	     "\xf0\x9f\x98\x80\xc2\x80\xe0\xa0\x80\xed\x9f\xbf"
	     "\xee\x80\x80\xf0\x90\x80\x80" "\"");
}

static void json_escapes(void)
{
	JSON("sip:alice@192.0.2.20", "\"sip:alice@192.0.2.20\"");
	JSON("a\"b\\c", "\"a\\\"b\\\\c\"");
	JSON("\n\r\t", "\"\\n\\r\\t\"");
	JSON("\x01\x08\x0c\x1b\x1f", "\"\\u0001\\u0008\\u000c\\u001b\\u001f\"");
	JSON("\x7f ~", "\"\x7f ~\"");
	JSON("", "\"\"");
	/* The cut mark goes inside the quotes. */
	check_escape(escape_json_string, "abcdef", 6, 3, "\"abc...\"");
	check_escape(escape_json_string, "abc", 3, 3, "\"abc\"");
}

/* Whatever the bytes, the output is valid UTF-8 and holds no raw newline. */
static void random_bytes_give_valid_utf8(void)
{
	unsigned int seed = 12345;
	char in[64];

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(round % 64);
		char *label, *json;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly high bytes and controls, where the bugs would be. */
			in[i] = (char)(((seed >> 16) & 0xff) | (round & 1 ? 0x80 : 0));
		}
		label = render(escape_label_value, in, len, 1 + round % 70);
		json = render(escape_json_string, in, len, 1 + round % 70);
		CHECK(label && valid_utf8(label, strlen(label)) && !strchr(label, '\n'));
		CHECK(json && valid_utf8(json, strlen(json)) && !strchr(json, '\n'));
		free(label);
		free(json);
		if (tl_checks_failed)
			break;
	}
}

TEST_MAIN("escape",
	  TEST(label_escapes_the_three),
	  TEST(nul_becomes_replacement),
	  TEST(long_uri_cut_to_bound),
	  TEST(cut_on_character_boundary),
	  TEST(invalid_utf8_replaced),
	  TEST(valid_multibyte_kept),
	  TEST(json_escapes),
	  TEST(random_bytes_give_valid_utf8))
