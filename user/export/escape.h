/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Escaping of values that came from packets, for the Prometheus text format
 * and for JSON. Both write valid UTF-8 whatever the input: invalid bytes
 * and NUL become U+FFFD; the input is cut at max_in bytes (on a character
 * boundary) and a cut is marked with "..." at the end.
 */
#ifndef SIPXDP_ESCAPE_H
#define SIPXDP_ESCAPE_H

#include <stdio.h>
#include <stddef.h>

#define LABEL_VALUE_MAX	256	/* input bytes kept in a label value */

/* A label value: \ " and newline escaped (the exposition format's three). */
void escape_label_value(FILE *out, const char *in, size_t len, size_t max_in);

/* A JSON string with its quotes: " \ and control characters escaped. */
void escape_json_string(FILE *out, const char *in, size_t len, size_t max_in);

#endif /* SIPXDP_ESCAPE_H */
