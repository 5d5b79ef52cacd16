/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Events for the trackers' tests, made the way the core makes them: a
 * message's bytes, parsed (user/sip/), then sip_event_build with a record
 * header. Each lives in a struct test_message, valid until it is reused.
 */
#ifndef SIPXDP_TESTS_SIPEVENT_H
#define SIPXDP_TESTS_SIPEVENT_H

#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "event.h"
#include "sipmsg.h"

struct test_message {
	struct sipxdp_event rec;
	char bytes[SIPXDP_MSG_MAX];
	struct sip_msg msg;
	struct sip_event ev;
};

/* The event of text (len bytes, cut to SIPXDP_MSG_MAX) from source (IPv4 or IPv6). */
static inline const struct sip_event *test_event(struct test_message *t, const char *source,
						 const char *text, size_t len)
{
	memset(&t->rec, 0, sizeof(t->rec));
	t->rec.saddr.family = strchr(source, ':') ? AF_INET6 : AF_INET;
	inet_pton(t->rec.saddr.family, source, t->rec.saddr.bytes);
	t->rec.len = (__u16)(len < sizeof(t->bytes) ? len : sizeof(t->bytes));
	memcpy(t->bytes, text, t->rec.len);
	sip_parse(t->bytes, t->rec.len, &t->msg);
	sip_event_build(&t->ev, &t->rec, &t->msg);
	return &t->ev;
}

/* The event of a `code` response to an INVITE from source whose one Contact
 * header has the value contact (len bytes, any bytes). */
static inline const struct sip_event *test_response_with_contact(struct test_message *t,
								  __u16 code, const char *source,
								  const char *contact, size_t len)
{
	static char text[SIPXDP_MSG_MAX];
	int head = snprintf(text, sizeof(text), "SIP/2.0 %u Moved\r\nCall-ID: r@x\r\n"
			    "CSeq: 1 INVITE\r\nContact: ", code);
	size_t n = len < sizeof(text) - head - 4 ? len : sizeof(text) - head - 4;

	memcpy(text + head, contact, n);
	memcpy(text + head + n, "\r\n\r\n", 4);
	return test_event(t, source, text, head + n + 4);
}

/*
 * A ring-buffer record into out (room for the header and SIPXDP_MSG_MAX
 * bytes): *hdr with len set to text's length (cut to SIPXDP_MSG_MAX), then
 * text. Returns the record's size.
 */
static inline size_t test_record(void *out, const struct sipxdp_event *hdr, const char *text)
{
	struct sipxdp_event h = *hdr;
	size_t len = strlen(text);

	h.len = (__u16)(len < SIPXDP_MSG_MAX ? len : SIPXDP_MSG_MAX);
	if (!h.msg_len)
		h.msg_len = (__u32)len;
	memcpy(out, &h, sizeof(h));
	memcpy((char *)out + sizeof(h), text, h.len);
	return sizeof(h) + h.len;
}

#endif /* SIPXDP_TESTS_SIPEVENT_H */
