// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Contact values of 3xx responses, as the redirect table takes them: the
 * input is the value (or values, and more header lines, when it holds line
 * ends) of a Contact header in a 302, parsed by the agent's parser, split
 * into URIs by sip_contacts, then fed to the redirect table. The URIs must
 * be spans of the message without blanks around them, in order, and the
 * table's entries must keep the limits redirects.h promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fuzz.h"
#include "event.h"
#include "redirects.h"

/* Small, so the full table and its overflow count are reached often. */
#define FUZZ_MAX_TARGETS	4

static const char head[] = "SIP/2.0 302 Moved\r\nCSeq: 1 INVITE\r\nContact: ";
static const char tail[] = "\r\n\r\n";

static void check_contacts(const struct sip_msg *m, const char *text, size_t len)
{
	struct sip_span uris[CONTACT_MAX_URIS];
	size_t n = sip_contacts(m, uris, CONTACT_MAX_URIS);

	REQUIRE(n <= CONTACT_MAX_URIS);
	for (size_t i = 0; i < n; i++) {
		const struct sip_span *u = &uris[i];

		REQUIRE(u->len > 0);
		REQUIRE(u->p >= text && u->p + u->len <= text + len);
		REQUIRE(u->p[0] != ' ' && u->p[0] != '\t');
		REQUIRE(u->p[u->len - 1] != ' ' && u->p[u->len - 1] != '\t');
		/* In order: each comes from its own item, or a later header. */
		if (i)
			REQUIRE(u->p >= uris[i - 1].p + uris[i - 1].len);
	}
	/* max bounds the output whatever the input */
	REQUIRE(sip_contacts(m, uris, 1) <= 1);
}

static void check_table(const struct sip_event *ev)
{
	struct redirect_table *t = redirect_table_new(FUZZ_MAX_TARGETS, 0);
	const struct redirect_entry *e;
	size_t n, n_first;

	REQUIRE(t);
	/* Twice: the second feed must find every entry again, not add any. */
	redirect_table_feed(t, ev, 1);
	redirect_table_entries(t, &n_first);
	redirect_table_feed(t, ev, 2);
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
	static struct sip_msg msg;
	struct sipxdp_event rec = { .saddr.family = AF_INET };
	struct sip_event ev;
	size_t len;
	char *text;

	if (size > SIPXDP_MSG_MAX - sizeof(head) - sizeof(tail))
		size = SIPXDP_MSG_MAX - sizeof(head) - sizeof(tail);
	len = sizeof(head) - 1 + size + sizeof(tail) - 1;
	/* The message in a buffer its exact size, so ASan sees any read past it. */
	text = malloc(len);
	REQUIRE(text);
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, data, size);
	memcpy(text + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
	rec.len = (__u16)len;
	REQUIRE(sip_parse(text, len, &msg) == SIP_RESPONSE);
	sip_event_build(&ev, &rec, &msg);
	REQUIRE(ev.kind == SIP_EV_REDIRECT && ev.status == 302);
	check_contacts(&msg, text, len);
	check_table(&ev);
	free(text);
	return 0;
}
