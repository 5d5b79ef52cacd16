/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Byte classes and scanning steps the SIP parser's two files share. */
#ifndef SIPXDP_SIPSCAN_H
#define SIPXDP_SIPSCAN_H

#include <stdbool.h>
#include <stddef.h>

static inline bool sip_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Blanks and line ends: what a folded value may hold between its words. */
static inline bool sip_is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool sip_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A..Z to a..z, every other byte as is: "|= 0x20" would also take CR for '-'. */
static inline char sip_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

/* Whether s[0, n) is lower[0, n) in any case; lower holds no capital. */
static inline bool sip_eq_nocase(const char *s, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sip_lower(s[i]) != lower[i])
			return false;
	return true;
}

/* The index just past the quoted string that starts at s[i] ('"'), its
 * \-escapes taken whole; len when it is not closed. */
size_t sip_skip_quoted(const char *s, size_t len, size_t i);

#endif /* SIPXDP_SIPSCAN_H */
