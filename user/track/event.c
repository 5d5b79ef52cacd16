// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <string.h>
#include "event.h"

static const char *const kind_names[SIP_EV_KIND_MAX] = {
	[SIP_EV_OTHER] = "other",
	[SIP_EV_INVITE_2XX] = "invite_2xx",
	[SIP_EV_ACK] = "ack",
	[SIP_EV_REDIRECT] = "redirect",
	[SIP_EV_REQUEST] = "request",
	[SIP_EV_RESPONSE] = "response",
};

const char *sip_event_kind_name(unsigned int kind)
{
	return kind < SIP_EV_KIND_MAX ? kind_names[kind] : "?";
}

/* The methods whose transactions the call tracker follows (calls.h). */
static bool tracked_method(__u8 method)
{
	switch (method) {
	case SIPXDP_M_INVITE:
	case SIPXDP_M_BYE:
	case SIPXDP_M_CANCEL:
	case SIPXDP_M_OPTIONS:
	case SIPXDP_M_REGISTER:
		return true;
	}
	return false;
}

static __u8 request_kind(__u8 method)
{
	if (method == SIPXDP_M_ACK)
		return SIP_EV_ACK;
	return tracked_method(method) ? SIP_EV_REQUEST : SIP_EV_OTHER;
}

static __u8 response_kind(__u16 status, __u8 cseq_method)
{
	if (status >= 200 && status < 300 && cseq_method == SIPXDP_M_INVITE)
		return SIP_EV_INVITE_2XX;
	if (status >= 300 && status < 400)
		return SIP_EV_REDIRECT;
	return tracked_method(cseq_method) ? SIP_EV_RESPONSE : SIP_EV_OTHER;
}

void sip_event_build(struct sip_event *ev, const struct sipxdp_event *rec,
		     const struct sip_msg *msg)
{
	struct sip_span call_id, tag;
	__u8 cseq_method = SIPXDP_M_UNKNOWN;

	memset(ev, 0, sizeof(*ev));
	ev->saddr = rec->saddr;
	ev->daddr = rec->daddr;
	ev->sport = rec->sport;
	ev->dport = rec->dport;
	ev->direction = rec->direction;
	ev->transport = rec->transport;
	ev->flags = SIP_EVF_NO_CALLID | SIP_EVF_NO_CSEQ | SIP_EVF_NO_TO_TAG;
	ev->call_id = ev->to_tag = "";
	ev->msg = msg;
	if (msg->kind != SIP_REQUEST && msg->kind != SIP_RESPONSE)
		return;		/* SIP_EV_OTHER, nothing read */

	if (sip_cseq(msg, &ev->cseq, &cseq_method))
		ev->flags &= ~SIP_EVF_NO_CSEQ;
	call_id = sip_call_id(msg);
	if (call_id.len) {
		ev->call_id = call_id.p;
		ev->call_id_len = call_id.len;
		ev->flags &= ~SIP_EVF_NO_CALLID;
	}
	if (sip_to_tag(msg, &tag)) {
		ev->to_tag = tag.p;
		ev->to_tag_len = tag.len;
		ev->flags &= ~SIP_EVF_NO_TO_TAG;
	}
	if (msg->kind == SIP_REQUEST) {
		ev->method = msg->method;
		ev->kind = request_kind(msg->method);
	} else {
		ev->status = msg->status;
		ev->method = cseq_method;
		ev->kind = response_kind(msg->status, cseq_method);
	}
}
