/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The packets the benchmarks play, built with tests/packet.h: the hot-cache
 * figures (bench_xdp) and the real receive path (bench_path) measure the
 * very same bytes.
 */
#ifndef SIPXDP_BENCH_WORKLOADS_H
#define SIPXDP_BENCH_WORKLOADS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "packet.h"

/* RTP, PCMU-sized payload, on ports no SIP uses. */
static inline size_t wl_rtp(unsigned char *pkt)
{
	static const char rtp[] = "\x80\x00\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"01234567890123456789";
	struct pkt_spec spec = { .sport = 20000, .dport = 30000, .payload = rtp,
				 .payload_len = sizeof(rtp) - 1 };

	return pkt_build(&spec, pkt);
}

/* A STUN-like keepalive on 5060: UDP on the SIP port that is not SIP. */
static inline size_t wl_not_sip(unsigned char *pkt)
{
	static const char not_sip[] = "\x01\x01\x00\x48\x21\x12\xa4\x42 a STUN-like binding "
		"request that is not SIP, padded to a realistic size for a keepalive.";
	struct pkt_spec spec = { .payload = not_sip, .payload_len = sizeof(not_sip) - 1 };

	return pkt_build(&spec, pkt);
}

/* A 486: counted per code and source, no event. */
static inline size_t wl_486(unsigned char *pkt)
{
	static const char resp[] =
		"SIP/2.0 486 Busy Here\r\n"
		"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK74bf9\r\n"
		"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n"
		"Call-ID: busy-call@example.com\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct pkt_spec spec = { .payload = resp };

	return pkt_build(&spec, pkt);
}

/* An audio offer or answer as softphones write them. */
static const char wl_sdp[] =
	"v=0\r\no=bob 2808844564 2808844564 IN IP4 192.0.2.4\r\ns=-\r\n"
	"c=IN IP4 192.0.2.4\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0 8 18 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\n"
	"a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\na=rtcp:49173\r\n"
	"a=ssrc:1234567890 cname:bench@example.com\r\n"
	"a=label:audio-main-stream-0123456789\r\n";

/* An INVITE 200 OK with SDP (an event); call numbers the Call-ID and branch. */
static inline size_t wl_invite_200(unsigned char *pkt, unsigned int call)
{
	char msg[1400];
	int n = snprintf(msg, sizeof(msg),
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK776a%08x;received=192.0.2.20\r\n"
		"Record-Route: <sip:p1.example.com;lr>\r\n"
		"From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"To: \"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
		"Call-ID: a84b4c76e66710-%08x@pc33.atlanta.example.com\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:bob@192.0.2.4:5060;transport=udp>\r\n"
		"Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, UPDATE\r\n"
		"Supported: replaces, timer\r\n"
		"User-Agent: bench-uas/1.0\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n%s", call, call, sizeof(wl_sdp) - 1, wl_sdp);
	struct pkt_spec spec = { .payload = msg, .payload_len = n };

	return pkt_build(&spec, pkt);
}

/* The messages of one call, in the order they go. */
enum wl_call_step {
	WL_INVITE,	/* with an SDP offer */
	WL_TRYING,
	WL_RINGING,
	WL_OK,		/* with an SDP answer */
	WL_ACK,
	WL_BYE,
	WL_BYE_OK,
	WL_CALL_STEPS,
};

/* Whether message `step` goes from the UAS (192.0.2.20) to the UAC (192.0.2.10). */
static inline bool wl_call_from_uas(enum wl_call_step step)
{
	return step == WL_TRYING || step == WL_RINGING || step == WL_OK || step == WL_BYE_OK;
}

/*
 * Message `step` of call `call` (its Call-ID and branches), as a UAC and a
 * UAS write them (RFC 3665 3.1), into msg (size bytes, 2048 are enough).
 * Returns its length.
 */
static inline size_t wl_call_message(char *msg, size_t size, unsigned int call,
				     enum wl_call_step step)
{
	static const char *const requests[WL_CALL_STEPS] = {
		[WL_INVITE] = "INVITE", [WL_ACK] = "ACK", [WL_BYE] = "BYE",
	};
	static const char *const responses[WL_CALL_STEPS] = {
		[WL_TRYING] = "100 Trying", [WL_RINGING] = "180 Ringing", [WL_OK] = "200 OK",
		[WL_BYE_OK] = "200 OK",
	};
	const char *cseq_method = step >= WL_BYE ? "BYE" : step == WL_ACK ? "ACK" : "INVITE";
	const char *body = step == WL_INVITE || step == WL_OK ? wl_sdp : "";
	bool tagged = step != WL_INVITE && step != WL_TRYING;
	/* a response carries its request's branch */
	int branch = requests[step] ? (int)step : step == WL_BYE_OK ? WL_BYE : WL_INVITE;
	int n;

	if (requests[step])
		n = snprintf(msg, size, "%s sip:bob@biloxi.example.com SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%08x-%d\r\n"
			     "Max-Forwards: 70\r\n", requests[step], call, branch);
	else
		n = snprintf(msg, size, "SIP/2.0 %s\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%08x-%d;"
			     "received=192.0.2.10\r\n", responses[step], call, branch);
	n += snprintf(msg + n, size - n,
		      "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		      "To: \"Bob\" <sip:bob@biloxi.example.com>%s\r\n"
		      "Call-ID: bench-%08x@pc33.atlanta.example.com\r\n"
		      "CSeq: %u %s\r\n", tagged ? ";tag=a6c85cf" : "", call,
		      step >= WL_BYE ? 2 : 1, cseq_method);
	if (step == WL_INVITE || step == WL_RINGING || step == WL_OK)
		n += snprintf(msg + n, size - n, "Contact: <sip:%s@192.0.2.%s:5060>\r\n",
			      step == WL_INVITE ? "alice" : "bob", step == WL_INVITE ? "10" : "20");
	if (*body)
		n += snprintf(msg + n, size - n, "Content-Type: application/sdp\r\n");
	n += snprintf(msg + n, size - n, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	return (size_t)n < size ? (size_t)n : size - 1;
}

#endif /* SIPXDP_BENCH_WORKLOADS_H */
