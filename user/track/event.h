/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the trackers are fed: one SIP message as the agent parsed it out of
 * a ring-buffer record (user/sip/), with the keys every tracker matches on
 * read once. The spans point into the record's bytes, and msg into the
 * caller's parse: both are valid for the one feed they are passed to.
 */
#ifndef SIPXDP_EVENT_H
#define SIPXDP_EVENT_H

#include <stddef.h>
#include <linux/types.h>
#include "sipmsg.h"
#include "sipxdp.h"

/* What a message is to the trackers; decided by sip_event_build. */
enum sip_event_kind {
	SIP_EV_OTHER = 0,	/* parsed, not for the trackers (nor a SIP message at all) */
	SIP_EV_INVITE_2XX,	/* a 2xx whose CSeq method is INVITE */
	SIP_EV_ACK,
	SIP_EV_REDIRECT,	/* any 3xx */
	SIP_EV_REQUEST,		/* INVITE, BYE, CANCEL, OPTIONS, REGISTER */
	SIP_EV_RESPONSE,	/* another response whose CSeq method is one of those */
	SIP_EV_KIND_MAX,
};

/* What the message lacks: the trackers leave out what they cannot key on. */
#define SIP_EVF_NO_CALLID	(1u << 0)
#define SIP_EVF_NO_CSEQ		(1u << 1)	/* no valid CSeq (cut off, or broken) */
#define SIP_EVF_NO_TO_TAG	(1u << 2)	/* no To header, or one without a tag */

struct sip_event {
	struct sipxdp_addr saddr;
	struct sipxdp_addr daddr;
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u8 direction;		/* enum sipxdp_direction */
	__u8 transport;		/* IPPROTO_UDP or IPPROTO_TCP */
	__u8 kind;		/* enum sip_event_kind */
	__u8 method;		/* a request's method; a response's CSeq method, or
				 * SIPXDP_M_UNKNOWN without a valid CSeq */
	__u16 status;		/* a response's code; 0 for a request */
	__u8 flags;		/* SIP_EVF_* */
	__u32 cseq;		/* the CSeq number; 0 with SIP_EVF_NO_CSEQ */
	const char *call_id;	/* the whole value: each table cuts it to its own limit;
				 * "" when there is none, never NULL */
	size_t call_id_len;
	const char *to_tag;
	size_t to_tag_len;
	const struct sip_msg *msg;	/* the rest (Contact, ...); NULL when not parsed */
};

/* The event of a record's header and the parse of its bytes. */
void sip_event_build(struct sip_event *ev, const struct sipxdp_event *rec,
		     const struct sip_msg *msg);

/* "invite_2xx", ..., "other". */
const char *sip_event_kind_name(unsigned int kind);

/* The Call-ID's bytes a table keeps, at most max; 0 when there is none. */
static inline size_t sip_event_call_id_len(const struct sip_event *ev, size_t max)
{
	if (ev->flags & SIP_EVF_NO_CALLID)
		return 0;
	return ev->call_id_len > max ? max : ev->call_id_len;
}

/* The To-tag's bytes a table keeps, at most max; 0 when there is none. */
static inline size_t sip_event_to_tag_len(const struct sip_event *ev, size_t max)
{
	if (ev->flags & SIP_EVF_NO_TO_TAG)
		return 0;
	return ev->to_tag_len > max ? max : ev->to_tag_len;
}

#endif /* SIPXDP_EVENT_H */
