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

/*
 * The media of call n in the RTP workloads: each side gives its own
 * address in c= and a port of its own a call, as phones and SBCs do. RTP
 * to the UAC arrives at 192.0.2.10:WL_MEDIA_UAC_PORT + 2n, RTP to the UAS
 * at 192.0.2.20:WL_MEDIA_UAS_PORT + 2n; wl_rtp's port 30000 is neither.
 */
#define WL_MEDIA_UAC_PORT	10000
#define WL_MEDIA_UAS_PORT	40000
#define WL_MEDIA_CALLS_MAX	10000	/* the ports stay below 65536 */
#define WL_RTP_PAYLOAD		160	/* PCMU, 20 ms at 8 kHz */

/* An RTP packet (version 2, PCMU) from src:sport to dst:dport. */
static inline size_t wl_rtp_packet(unsigned char *pkt, const char *src, unsigned short sport,
				   const char *dst, unsigned short dport, unsigned short seq,
				   unsigned int ts, unsigned int ssrc)
{
	unsigned char rtp[12 + WL_RTP_PAYLOAD];
	struct pkt_spec spec = { .src = src, .dst = dst, .sport = sport, .dport = dport,
				 .payload = rtp, .payload_len = sizeof(rtp) };

	rtp[0] = 0x80;
	rtp[1] = 0;
	rtp[2] = seq >> 8;
	rtp[3] = seq & 0xff;
	for (int i = 0; i < 4; i++) {
		rtp[4 + i] = ts >> (24 - 8 * i);
		rtp[8 + i] = ssrc >> (24 - 8 * i);
	}
	for (int i = 0; i < WL_RTP_PAYLOAD; i++)
		rtp[12 + i] = '0' + i % 10;
	return pkt_build(&spec, pkt);
}

/* RTP, PCMU-sized payload, on ports no SIP uses and no workload's SDP names. */
static inline size_t wl_rtp(unsigned char *pkt)
{
	return wl_rtp_packet(pkt, NULL, 20000, NULL, 30000, 0x1234, 0xa0, 0xdeadbeef);
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

/* An audio offer or answer as softphones write them, its media at addr:port. */
static inline int wl_sdp(char *buf, size_t size, const char *addr, unsigned int port)
{
	return snprintf(buf, size,
		"v=0\r\no=bob 2808844564 2808844564 IN IP4 %s\r\ns=-\r\n"
		"c=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0 8 18 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\n"
		"a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\na=rtcp:%u\r\n"
		"a=ssrc:1234567890 cname:bench@example.com\r\n"
		"a=label:audio-main-stream-0123456789\r\n", addr, addr, port, port + 1);
}

#define WL_SDP_ADDR	"192.0.2.4"	/* where the SIP workloads' SDP puts the media */
#define WL_SDP_PORT	49172

/* An INVITE 200 OK with SDP (an event); call numbers the Call-ID and branch. */
static inline size_t wl_invite_200(unsigned char *pkt, unsigned int call)
{
	char msg[1400], sdp[600];
	int len = wl_sdp(sdp, sizeof(sdp), WL_SDP_ADDR, WL_SDP_PORT);
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
		"Content-Length: %d\r\n\r\n%s", call, call, len, sdp);
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
 * The SDP of every call names WL_SDP_ADDR, or with own_media the call's
 * own media (WL_MEDIA_UAC_PORT): call below WL_MEDIA_CALLS_MAX then.
 * Returns its length.
 */
static inline size_t wl_call_message_media(char *msg, size_t size, unsigned int call,
					   enum wl_call_step step, bool own_media)
{
	static const char *const requests[WL_CALL_STEPS] = {
		[WL_INVITE] = "INVITE", [WL_ACK] = "ACK", [WL_BYE] = "BYE",
	};
	static const char *const responses[WL_CALL_STEPS] = {
		[WL_TRYING] = "100 Trying", [WL_RINGING] = "180 Ringing", [WL_OK] = "200 OK",
		[WL_BYE_OK] = "200 OK",
	};
	const char *cseq_method = step >= WL_BYE ? "BYE" : step == WL_ACK ? "ACK" : "INVITE";
	bool tagged = step != WL_INVITE && step != WL_TRYING;
	/* a response carries its request's branch */
	int branch = requests[step] ? (int)step : step == WL_BYE_OK ? WL_BYE : WL_INVITE;
	char body[600] = "";
	int n;

	if (step == WL_INVITE || step == WL_OK) {
		if (!own_media)
			wl_sdp(body, sizeof(body), WL_SDP_ADDR, WL_SDP_PORT);
		else if (step == WL_INVITE)
			wl_sdp(body, sizeof(body), "192.0.2.10", WL_MEDIA_UAC_PORT + 2 * call);
		else
			wl_sdp(body, sizeof(body), "192.0.2.20", WL_MEDIA_UAS_PORT + 2 * call);
	}
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

static inline size_t wl_call_message(char *msg, size_t size, unsigned int call,
				     enum wl_call_step step)
{
	return wl_call_message_media(msg, size, call, step, false);
}

/*
 * Message `step` of call n with its own media (wl_call_message_media), as
 * the packet the UAC or the UAS sends. The call's setup with SDP is
 * WL_INVITE, WL_OK, WL_ACK. Returns the packet's length.
 */
static inline size_t wl_media_call_packet(unsigned char *pkt, unsigned int call,
					  enum wl_call_step step)
{
	char msg[2048];
	struct pkt_spec spec = { .payload = msg };

	spec.payload_len = wl_call_message_media(msg, sizeof(msg), call, step, true);
	if (wl_call_from_uas(step)) {
		spec.src = "192.0.2.20";
		spec.dst = "192.0.2.10";
	}
	return pkt_build(&spec, pkt);
}

/*
 * Packet `seq` of the stream to the UAC (side 0) or the UAS (1) of call n,
 * PCMU every 20 ms of its clock; each stream has an SSRC of its own.
 */
static inline size_t wl_media_rtp(unsigned char *pkt, unsigned int call, int side,
				  unsigned int seq)
{
	unsigned short uac = WL_MEDIA_UAC_PORT + 2 * call, uas = WL_MEDIA_UAS_PORT + 2 * call;

	return side ? wl_rtp_packet(pkt, "192.0.2.10", uac, "192.0.2.20", uas, seq,
				    seq * WL_RTP_PAYLOAD, 0x10000000u + 2 * call + 1)
		    : wl_rtp_packet(pkt, "192.0.2.20", uas, "192.0.2.10", uac, seq,
				    seq * WL_RTP_PAYLOAD, 0x10000000u + 2 * call);
}

#endif /* SIPXDP_BENCH_WORKLOADS_H */
