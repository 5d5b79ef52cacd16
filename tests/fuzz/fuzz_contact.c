// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Contact values from 3xx responses, as the kernel hands them over: split
 * into URIs by contact_split, then fed to the redirect table in an event
 * whose contact bytes are the input. The URIs must be non-empty spans of
 * the value without blanks around them, and the table's entries must keep
 * the limits redirects.h promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fuzz.h"
#include "redirects.h"

/* Small, so the full table and its overflow count are reached often. */
#define FUZZ_MAX_TARGETS	4

static void check_split(const char *value, size_t len)
{
	/* Through a copy the exact size of the input, so ASan sees any read past it. */
	char *copy = malloc(len ? len : 1);
	struct contact_uri uris[CONTACT_MAX_URIS];
	size_t n;

	REQUIRE(copy);
	memcpy(copy, value, len);
	n = contact_split(copy, len, uris, CONTACT_MAX_URIS);
	REQUIRE(n <= CONTACT_MAX_URIS);
	for (size_t i = 0; i < n; i++) {
		const struct contact_uri *u = &uris[i];

		REQUIRE(u->len > 0);
		REQUIRE(u->start >= copy && u->start + u->len <= copy + len);
		REQUIRE(u->start[0] != ' ' && u->start[0] != '\t');
		REQUIRE(u->start[u->len - 1] != ' ' && u->start[u->len - 1] != '\t');
		/* In order, and not overlapping: each comes from its own item. */
		if (i)
			REQUIRE(u->start >= uris[i - 1].start + uris[i - 1].len);
	}
	/* max bounds the output whatever the input */
	REQUIRE(contact_split(copy, len, uris, 1) <= 1);
	free(copy);
}

static void check_table(const uint8_t *data, size_t size)
{
	static struct sipxdp_event ev;
	struct redirect_table *t = redirect_table_new(FUZZ_MAX_TARGETS, 0);
	const struct redirect_entry *e;
	size_t n, n_first;

	REQUIRE(t);
	memset(&ev, 0, sizeof(ev));
	ev.kind = SIPXDP_EV_REDIRECT;
	ev.status = 302;
	ev.saddr.family = AF_INET;
	ev.contact_len = (__u16)(size < SIPXDP_CONTACT_LEN ? size : SIPXDP_CONTACT_LEN);
	memcpy(ev.contact, data, ev.contact_len);
	/* Twice: the second feed must find every entry again, not add any. */
	redirect_table_feed(t, &ev, 1);
	redirect_table_entries(t, &n_first);
	redirect_table_feed(t, &ev, 2);
	e = redirect_table_entries(t, &n);
	REQUIRE(n == n_first);
	REQUIRE(n <= FUZZ_MAX_TARGETS);
	for (size_t i = 0; i < n; i++) {
		REQUIRE(e[i].target_len > 0 && e[i].target_len <= REDIRECT_TARGET_MAX);
		REQUIRE(strlen(e[i].target) == e[i].target_len);
		REQUIRE(e[i].code == 302);
		REQUIRE(e[i].count >= 2 && e[i].last_seen_ns == 2);
	}
	redirect_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_split((const char *)data, size);
	check_table(data, size);
	return 0;
}
