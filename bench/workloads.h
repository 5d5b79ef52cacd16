/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The packets the benchmarks play, built with tests/packet.h: the hot-cache
 * figures (bench_xdp) and the real receive path (bench_path) measure the
 * very same bytes.
 */
#ifndef SIPXDP_BENCH_WORKLOADS_H
#define SIPXDP_BENCH_WORKLOADS_H

#include <stdio.h>
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

/* An INVITE 200 OK with SDP (an event); call numbers the Call-ID and branch. */
static inline size_t wl_invite_200(unsigned char *pkt, unsigned int call)
{
	static const char sdp[] =
		"v=0\r\no=bob 2808844564 2808844564 IN IP4 192.0.2.4\r\ns=-\r\n"
		"c=IN IP4 192.0.2.4\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0 8 18 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\n"
		"a=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\na=rtcp:49173\r\n"
		"a=ssrc:1234567890 cname:bench@example.com\r\n"
		"a=label:audio-main-stream-0123456789\r\n";
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
		"Content-Length: %zu\r\n\r\n%s", call, call, sizeof(sdp) - 1, sdp);
	struct pkt_spec spec = { .payload = msg, .payload_len = n };

	return pkt_build(&spec, pkt);
}

#endif /* SIPXDP_BENCH_WORKLOADS_H */
