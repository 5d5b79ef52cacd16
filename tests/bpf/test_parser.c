// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Table-driven tests of the XDP program on crafted packets: every row is a
 * packet and what it must move in the maps and the event it must write.
 * Every run also checks XDP_PASS and that the packet came back unchanged.
 */
#include <arpa/inet.h>
#include "harness.h"
#include "sip_names.h"

/*
 * The program every test runs but the port list's, loaded once in main: the
 * verifier's work is the slow part of a load (minutes in the emulated Linux
 * 6.1 guest of make vmtest), and map sizes, which these tests shrink to reach
 * the limits, don't change what it checks. The TC egress program comes too.
 */
static struct harness h;
static struct peer_map *test_peers;

#define TEST_PEERS "198.18.0.0/15 churn\n2001:db8:5::/48 v6lab\n192.0.2.0/24 lab\n"
#define SMALL_SOURCES	128		/* the per-source LRU map's entries */
#define SMALL_RINGBUF	(4096 * 4)	/* the event ring buffer's bytes */

#define CRLF "\r\n"

#define INVITE_200 \
	"SIP/2.0 200 OK" CRLF \
	"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK776asdhds" CRLF \
	"From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf" CRLF \
	"To: Alice <sip:alice@atlanta.example.com>;tag=1928301774" CRLF \
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com" CRLF \
	"CSeq: 314159 INVITE" CRLF \
	"Contact: <sip:bob@192.0.2.4>" CRLF \
	"Content-Length: 0" CRLF CRLF

#define REDIRECT(code, reason) \
	"SIP/2.0 " code " " reason CRLF \
	"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKnashds8" CRLF \
	"To: <sip:moved@example.com>;tag=8321234356" CRLF \
	"From: <sip:alice@example.com>;tag=9fxced76sl" CRLF \
	"Call-ID: 3848276298220188511@atlanta.example.com" CRLF \
	"CSeq: 1 INVITE" CRLF \
	"Contact: <sip:moved@192.0.2.99:5080;transport=udp>;q=0.7" CRLF \
	"Content-Length: 0" CRLF CRLF

#define RESPONSE(line, method) \
	line CRLF \
	"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK74bf9" CRLF \
	"To: <sip:bob@example.com>;tag=resp-tag" CRLF \
	"Call-ID: resp-" method "@example.com" CRLF \
	"CSeq: 7 " method CRLF \
	"Content-Length: 0" CRLF CRLF

#define REQUEST(method) \
	method " sip:bob@example.com SIP/2.0" CRLF \
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9" CRLF \
	"Max-Forwards: 70" CRLF \
	"Call-ID: req-" method "@example.com" CRLF \
	"CSeq: 2 " method CRLF \
	"Content-Length: 0" CRLF CRLF

/* Compact forms, odd case and blanks around the colon. */
#define COMPACT_200 \
	"SIP/2.0 200 OK" CRLF \
	"v: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK1" CRLF \
	"f: <sip:a@example.com>;tag=1" CRLF \
	"t: <sip:b@example.com>;tag=2" CRLF \
	"i:compact-call@example.com" CRLF \
	"cSeQ \t:\t 42 INVITE" CRLF \
	"m: <sip:b@192.0.2.4>" CRLF \
	"l: 0" CRLF CRLF

#define ODDCASE_302 \
	"sip/2.0 302 Moved Temporarily" CRLF \
	"CALL-ID\t: odd-case@example.com" CRLF \
	"cseq:9 INVITE" CRLF \
	"CONTACT :  <sip:a@192.0.2.31>, \"Bob, Jr\" <sip:b@192.0.2.32;x=1>" CRLF \
	"m: sip:c@192.0.2.33;transport=tcp" CRLF \
	"content-length:0" CRLF CRLF

#define ACK_REQUEST \
	"ACK sip:bob@192.0.2.4 SIP/2.0" CRLF \
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds9" CRLF \
	"Max-Forwards: 70" CRLF \
	"To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf" CRLF \
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774" CRLF \
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com" CRLF \
	"CSeq: 314159 ACK" CRLF \
	"Content-Length: 0" CRLF CRLF

/* Headers after a long run of others: found well past the first few hundred bytes. */
#define LATE_HEADERS_200 \
	"SIP/2.0 200 OK" CRLF \
	"X-Pad-1: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-2: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-3: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-4: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-5: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-6: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-7: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-8: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-9: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-10: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-11: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-12: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-13: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-14: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-15: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-16: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-17: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"X-Pad-18: " "0123456789012345678901234567890123456789012345678901234567890123456789" CRLF \
	"Call-ID: late@example.com" CRLF \
	"CSeq: 5 INVITE" CRLF CRLF

static const char rtp[] = "\x80\x00\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef"
			  "payload-bytes-of-an-rtp-packet";

struct row {
	const char *name;
	struct pkt_spec pkt;
	int result;		/* enum sipxdp_counter of the packet */
	int messages;		/* SIP messages counted */
	unsigned int code;	/* response code counted, 0: none */
	int cseq_method;	/* its CSeq method */
	int request;		/* request method counted, 0: none */
	int event;		/* event kind written, 0: none */
	const char *call_id;
	unsigned int cseq;
	const char *contact;	/* the event's raw Contact bytes */
};

static const struct row rows[] = {
	/* Header values: any run of blanks, folded lines, trimmed at both ends. */
	{ "200 blanks around the value", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID:   \tblank-run@example.com \t " CRLF
	  "CSeq:            12 INVITE" CRLF CRLF }, SIPXDP_RES_SIP, 1, 200,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX, "blank-run@example.com", 12, "" },
	{ "200 folded Call-ID and CSeq", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID:" CRLF " folded@example.com" CRLF
	  "CSeq: 77" CRLF "\tINVITE" CRLF CRLF }, SIPXDP_RES_SIP, 1, 200,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX, "folded@example.com", 77, "" },
	{ "ACK compact Call-ID no blank", { .payload = "ACK sip:b@192.0.2.4 SIP/2.0" CRLF
	  "i:blank-run@example.com" CRLF "CSeq: 12 ACK" CRLF CRLF }, SIPXDP_RES_SIP, 1, 0,
	  0, SIPXDP_M_ACK, SIPXDP_EV_ACK, "blank-run@example.com", 12, "" },
	{ "302 Contact trimmed", { .payload = "SIP/2.0 302 Moved" CRLF
	  "Call-ID: t@x" CRLF "CSeq: 3 INVITE" CRLF
	  "Contact:  <sip:t@192.0.2.7>  \t" CRLF CRLF }, SIPXDP_RES_SIP, 1, 302,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_REDIRECT, "t@x", 3, "<sip:t@192.0.2.7>" },
	{ "200 CSeq past 32 bits", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID: big@x" CRLF "CSeq: 4294967297 INVITE" CRLF CRLF }, SIPXDP_RES_SIP, 1,
	  200, SIPXDP_M_UNKNOWN, 0, 0, NULL, 0, NULL },
	/* RFC 3261 18.3: bytes after a UDP message's body are not a message. */
	{ "udp 200 then 486 counts once", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID: u@x" CRLF "CSeq: 5 OPTIONS" CRLF "Content-Length: 0" CRLF CRLF
	  "SIP/2.0 486 Busy Here" CRLF "CSeq: 6 INVITE" CRLF "Content-Length: 0" CRLF CRLF },
	  SIPXDP_RES_SIP, 1, 200, SIPXDP_M_OPTIONS, 0, SIPXDP_EV_RESPONSE, "u@x", 5, "" },
	{ "200 INVITE ipv4", { .payload = INVITE_200 }, SIPXDP_RES_SIP, 1, 200,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "200 INVITE ipv6", { .ipv6 = true, .payload = INVITE_200 }, SIPXDP_RES_SIP, 1, 200,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "200 INVITE one vlan", { .vlans = 1, .payload = INVITE_200 }, SIPXDP_RES_SIP, 1, 200,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "200 INVITE qinq ipv6", { .vlans = 2, .ipv6 = true, .payload = INVITE_200 },
	  SIPXDP_RES_SIP, 1, 200, SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "200 INVITE tcp with options", { .proto = IPPROTO_TCP, .tcp_opts = 12,
	  .payload = INVITE_200 }, SIPXDP_RES_SIP, 1, 200, SIPXDP_M_INVITE, 0,
	  SIPXDP_EV_INVITE_2XX, "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "200 INVITE odd ports", { .sport = 53309, .dport = 57586, .payload = INVITE_200 },
	  SIPXDP_RES_SIP, 1, 200, SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "301 ipv4", { .payload = REDIRECT("301", "Moved Permanently") }, SIPXDP_RES_SIP, 1,
	  301, SIPXDP_M_INVITE, 0, SIPXDP_EV_REDIRECT,
	  "3848276298220188511@atlanta.example.com", 1,
	  "<sip:moved@192.0.2.99:5080;transport=udp>;q=0.7" },
	{ "301 ipv6 two vlans", { .vlans = 2, .ipv6 = true,
	  .payload = REDIRECT("301", "Moved Permanently") }, SIPXDP_RES_SIP, 1, 301,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_REDIRECT, "3848276298220188511@atlanta.example.com", 1,
	  "<sip:moved@192.0.2.99:5080;transport=udp>;q=0.7" },
	{ "302 one vlan", { .vlans = 1, .payload = REDIRECT("302", "Moved Temporarily") },
	  SIPXDP_RES_SIP, 1, 302, SIPXDP_M_INVITE, 0, SIPXDP_EV_REDIRECT,
	  "3848276298220188511@atlanta.example.com", 1,
	  "<sip:moved@192.0.2.99:5080;transport=udp>;q=0.7" },
	{ "302 odd case, several contacts", { .payload = ODDCASE_302 }, SIPXDP_RES_SIP, 1, 302,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_REDIRECT, "odd-case@example.com", 9,
	  "<sip:a@192.0.2.31>, \"Bob, Jr\" <sip:b@192.0.2.32;x=1>,"
	  "sip:c@192.0.2.33;transport=tcp" },
	{ "404 REGISTER", { .payload = RESPONSE("SIP/2.0 404 Not Found", "REGISTER") },
	  SIPXDP_RES_SIP, 1, 404, SIPXDP_M_REGISTER, 0, SIPXDP_EV_RESPONSE,
	  "resp-REGISTER@example.com", 7, "" },
	{ "503 INVITE ipv6 vlan", { .vlans = 1, .ipv6 = true,
	  .payload = RESPONSE("SIP/2.0 503 Service Unavailable", "INVITE") }, SIPXDP_RES_SIP,
	  1, 503, SIPXDP_M_INVITE, 0, SIPXDP_EV_RESPONSE, "resp-INVITE@example.com", 7, "" },
	{ "200 BYE", { .payload = RESPONSE("SIP/2.0 200 OK", "BYE") }, SIPXDP_RES_SIP,
	  1, 200, SIPXDP_M_BYE, 0, SIPXDP_EV_RESPONSE, "resp-BYE@example.com", 7, "" },
	{ "200 SUBSCRIBE: no event", { .payload = RESPONSE("SIP/2.0 200 OK", "SUBSCRIBE") },
	  SIPXDP_RES_SIP, 1, 200, SIPXDP_M_SUBSCRIBE, 0, 0, NULL, 0, NULL },
	{ "200 with empty reason", { .payload = RESPONSE("SIP/2.0 200", "OPTIONS") },
	  SIPXDP_RES_SIP, 1, 200, SIPXDP_M_OPTIONS, 0, SIPXDP_EV_RESPONSE,
	  "resp-OPTIONS@example.com", 7, "" },
	{ "180 INVITE tcp", { .proto = IPPROTO_TCP,
	  .payload = RESPONSE("SIP/2.0 180 Ringing", "INVITE") }, SIPXDP_RES_SIP, 1, 180,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_RESPONSE, "resp-INVITE@example.com", 7, "" },
	{ "603 INVITE", { .payload = RESPONSE("SIP/2.0 603 Decline", "INVITE") },
	  SIPXDP_RES_SIP, 1, 603, SIPXDP_M_INVITE, 0, SIPXDP_EV_RESPONSE,
	  "resp-INVITE@example.com", 7, "" },
	{ "compact forms and blanks", { .payload = COMPACT_200 }, SIPXDP_RES_SIP, 1, 200,
	  SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX, "compact-call@example.com", 42, "" },
	{ "headers late in the message", { .payload = LATE_HEADERS_200 }, SIPXDP_RES_SIP, 1,
	  200, SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX, "late@example.com", 5, "" },
	{ "keep-alive CRLFs before a response (tcp)", { .proto = IPPROTO_TCP,
	  .payload = CRLF CRLF INVITE_200 }, SIPXDP_RES_SIP, 1, 200, SIPXDP_M_INVITE, 0,
	  SIPXDP_EV_INVITE_2XX, "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "INVITE request", { .payload = REQUEST("INVITE") }, SIPXDP_RES_SIP, 1, 0, 0,
	  SIPXDP_M_INVITE, SIPXDP_EV_REQUEST, "req-INVITE@example.com", 2, "" },
	{ "ACK request", { .payload = ACK_REQUEST }, SIPXDP_RES_SIP, 1, 0, 0, SIPXDP_M_ACK,
	  SIPXDP_EV_ACK, "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "ACK request ipv6 tcp", { .ipv6 = true, .proto = IPPROTO_TCP, .payload = ACK_REQUEST },
	  SIPXDP_RES_SIP, 1, 0, 0, SIPXDP_M_ACK, SIPXDP_EV_ACK,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "REGISTER request", { .payload = REQUEST("REGISTER") }, SIPXDP_RES_SIP, 1, 0, 0,
	  SIPXDP_M_REGISTER, SIPXDP_EV_REQUEST, "req-REGISTER@example.com", 2, "" },
	{ "BYE request", { .vlans = 1, .payload = REQUEST("BYE") }, SIPXDP_RES_SIP, 1, 0, 0,
	  SIPXDP_M_BYE, SIPXDP_EV_REQUEST, "req-BYE@example.com", 2, "" },
	{ "OPTIONS request", { .ipv6 = true, .payload = REQUEST("OPTIONS") }, SIPXDP_RES_SIP, 1,
	  0, 0, SIPXDP_M_OPTIONS, SIPXDP_EV_REQUEST, "req-OPTIONS@example.com", 2, "" },
	{ "SUBSCRIBE request", { .payload = REQUEST("SUBSCRIBE") }, SIPXDP_RES_SIP, 1, 0, 0,
	  SIPXDP_M_SUBSCRIBE, 0, NULL, 0, NULL },
	/* A payload is copied only when it starts with a known method or
	 * "SIP/2.0 ": an extension method is not SIP to the program. */
	{ "unknown method", { .payload = REQUEST("FOOBAR") }, SIPXDP_RES_NOT_SIP, 0, 0, 0,
	  0, 0, NULL, 0, NULL },
	{ "HTTP request on 5060", { .proto = IPPROTO_TCP,
	  .payload = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" },
	  SIPXDP_RES_NOT_SIP, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "bad code 99", { .payload = RESPONSE("SIP/2.0 99 Odd", "INVITE") },
	  SIPXDP_RES_MALFORMED, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "bad code 700", { .payload = RESPONSE("SIP/2.0 700 Odd", "INVITE") },
	  SIPXDP_RES_MALFORMED, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "bad code 2x0", { .payload = RESPONSE("SIP/2.0 2x0 Odd", "INVITE") },
	  SIPXDP_RES_MALFORMED, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "bad code 0200", { .payload = RESPONSE("SIP/2.0 0200 OK", "INVITE") },
	  SIPXDP_RES_MALFORMED, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "non-SIP UDP on 5060", { .payload = "GET / HTTP/1.1" CRLF "Host: x" CRLF CRLF },
	  SIPXDP_RES_NOT_SIP, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "RTSP OPTIONS on 5060", { .payload = "OPTIONS rtsp://x/ RTSP/1.0" CRLF CRLF },
	  SIPXDP_RES_NOT_SIP, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "binary on 5060", { .payload = "\x00\x01\x02\x03\xff\xfe", .payload_len = 6 },
	  SIPXDP_RES_NOT_SIP, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "CRLF keep-alive", { .payload = CRLF CRLF }, SIPXDP_RES_NOT_SIP, 0, 0, 0, 0, 0,
	  NULL, 0, NULL },
	{ "RTP on another port", { .sport = 20000, .dport = 30000, .payload = rtp,
	  .payload_len = sizeof(rtp) - 1 }, SIPXDP_RES_NOT_SIP, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "ipv4 ihl < 5", { .ihl = 4, .payload = INVITE_200 }, SIPXDP_RES_MALFORMED, 0, 0, 0,
	  0, 0, NULL, 0, NULL },
	{ "ipv4 first fragment", { .frag = 0x2000, .payload = INVITE_200 }, SIPXDP_RES_SIP, 1,
	  200, SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "ipv4 later fragment", { .frag = 0x2000 | 185, .payload = INVITE_200 },
	  SIPXDP_RES_FRAGMENT, 0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "ipv4 last fragment", { .frag = 185, .payload = INVITE_200 }, SIPXDP_RES_FRAGMENT, 0,
	  0, 0, 0, 0, NULL, 0, NULL },
	{ "ipv6 first fragment", { .ipv6 = true, .v6_frag = true, .v6_more = true,
	  .payload = INVITE_200 }, SIPXDP_RES_SIP, 1, 200, SIPXDP_M_INVITE, 0,
	  SIPXDP_EV_INVITE_2XX, "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "ipv6 extension headers", { .ipv6 = true, .v6_exthdrs = true, .payload = INVITE_200 },
	  SIPXDP_RES_SIP, 1, 200, SIPXDP_M_INVITE, 0, SIPXDP_EV_INVITE_2XX,
	  "a84b4c76e66710@pc33.atlanta.example.com", 314159, "" },
	{ "ipv6 extension headers, later fragment", { .ipv6 = true, .v6_exthdrs = true,
	  .v6_frag = true, .v6_frag_off = 100, .payload = INVITE_200 }, SIPXDP_RES_FRAGMENT,
	  0, 0, 0, 0, 0, NULL, 0, NULL },
	{ "ipv6 later fragment", { .ipv6 = true, .v6_frag = true, .v6_frag_off = 185,
	  .payload = INVITE_200 }, SIPXDP_RES_FRAGMENT, 0, 0, 0, 0, 0, NULL, 0, NULL },
};

static void check_row(const struct row *r)
{
	unsigned char pkt[PKT_MAX];
	size_t len = pkt_build(&r->pkt, pkt);
	struct run_out out;
	const struct snapshot *d = &out.delta;

	if (harness_run(&h, pkt, len, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK(out.verdict_ok);
	for (int res = 0; res < SIPXDP_RESULT_MAX; res++)
		CHECK_EQ(d->counters[res], res == r->result);
	CHECK_EQ(d->counters[SIPXDP_CNT_MESSAGES], r->messages);
	CHECK_EQ(delta_responses(d), r->code ? 1 : 0);
	if (r->code) {
		CHECK_EQ(d->n_responses, 1);
		CHECK_EQ(d->responses[0].code, r->code);
		CHECK_EQ(d->responses[0].method, r->cseq_method);
		CHECK_EQ(d->responses[0].direction, SIPXDP_DIR_INGRESS);
		/* per source: the packet's IP source, with this code */
		CHECK_EQ(d->n_sources, 1);
		if (d->n_sources == 1) {
			struct sipxdp_addr want = { .family = r->pkt.ipv6 ? AF_INET6 : AF_INET };

			inet_pton(want.family, r->pkt.ipv6 ? "2001:db8::10" : "192.0.2.10",
				  want.bytes);
			CHECK(memcmp(&d->sources[0].addr, &want, sizeof(want)) == 0);
			CHECK_EQ(d->sources[0].code, r->code);
			CHECK_EQ(d->sources[0].count, 1);
		}
	}
	CHECK_EQ(delta_requests(d), r->request ? 1 : 0);
	if (r->request)
		CHECK_EQ(d->requests[SIPXDP_DIR_INGRESS][r->request], 1);
	CHECK_EQ(h.n_events, r->event ? 1 : 0);
	if (r->event && h.n_events == 1) {
		const struct sipxdp_event *ev = &h.events[0];

		CHECK_EQ(ev->kind, r->event);
		CHECK_EQ(ev->status, r->code);
		CHECK_EQ(ev->cseq, r->cseq);
		/* the To-tag has rows of its own (test_to_tags) */
		CHECK_EQ(ev->flags & ~SIPXDP_EVF_NO_TO_TAG, 0);
		CHECK_EQ(ev->call_id_len, strlen(r->call_id));
		CHECK(memcmp(ev->call_id, r->call_id, ev->call_id_len) == 0);
		CHECK_EQ(ev->contact_len, strlen(r->contact));
		CHECK(memcmp(ev->contact, r->contact, ev->contact_len) == 0);
		CHECK_EQ(ev->sport, r->pkt.sport ? r->pkt.sport : 5060);
		CHECK_EQ(ev->transport, r->pkt.proto ? r->pkt.proto : IPPROTO_UDP);
	}
	snapshot_free(&out.delta);
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int before = tl_checks_failed;

		check_row(&rows[i]);
		if (tl_checks_failed != before)
			fprintf(stderr, "  ^ in row \"%s\"\n", rows[i].name);
	}
}

/* Runs a payload over UDP 5060 / IPv4 and returns the delta in *out. */
static int run_payload(const char *payload, size_t len, int proto, struct run_out *out)
{
	struct pkt_spec spec = { .proto = proto, .payload = payload, .payload_len = len };
	unsigned char pkt[PKT_MAX];
	size_t n;

	/* pkt_build takes 0 as "strlen": an empty payload is built by hand */
	spec.payload_len = len ? len : 0;
	spec.payload = len ? payload : "";
	n = pkt_build(&spec, pkt);
	return harness_run(&h, pkt, n, out);
}

/* A status line cut at every byte: truncated, never a wrong code. */
static void test_status_line_cut_everywhere(void)
{
	static const char line[] = "SIP/2.0 200 OK\r\n";

	for (size_t cut = 1; cut < sizeof(line) - 1; cut++) {
		struct run_out out;

		if (run_payload(line, cut, IPPROTO_UDP, &out)) {
			CHECK(!"test run failed");
			return;
		}
		CHECK(out.verdict_ok);
		if (out.delta.counters[SIPXDP_RES_TRUNCATED] != 1)
			fprintf(stderr, "  cut at %zu bytes\n", cut);
		CHECK_EQ(out.delta.counters[SIPXDP_RES_TRUNCATED], 1);
		CHECK_EQ(delta_responses(&out.delta), 0);
		CHECK_EQ(h.n_events, 0);
		snapshot_free(&out.delta);
	}
}

/* A request line cut after its method: truncated as well. */
static void test_request_line_cut(void)
{
	static const char line[] = "INVITE sip:bob@example.com SIP/2.0\r\n";

	for (size_t cut = sizeof("INVITE ") - 1; cut < sizeof(line) - 1; cut++) {
		struct run_out out;

		if (run_payload(line, cut, IPPROTO_UDP, &out)) {
			CHECK(!"test run failed");
			return;
		}
		CHECK_EQ(out.delta.counters[SIPXDP_RES_TRUNCATED], 1);
		CHECK_EQ(delta_requests(&out.delta), 0);
		snapshot_free(&out.delta);
	}
}

/* Two messages in one TCP segment: Content-Length finds the second. */
static void test_two_messages_in_one_segment(void)
{
	static const char two[] =
		"SIP/2.0 180 Ringing" CRLF "Call-ID: one@x" CRLF "CSeq: 1 INVITE" CRLF
		"Content-Length: 5" CRLF CRLF "hello"
		CRLF CRLF	/* a keep-alive between the two */
		INVITE_200;
	struct run_out out;

	if (run_payload(two, sizeof(two) - 1, IPPROTO_TCP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK(out.verdict_ok);
	CHECK_EQ(out.delta.counters[SIPXDP_RES_SIP], 1);
	CHECK_EQ(out.delta.counters[SIPXDP_CNT_MESSAGES], 2);
	CHECK_EQ(delta_code(&out.delta, 180), 1);
	CHECK_EQ(delta_code(&out.delta, 200), 1);
	CHECK_EQ(h.n_events, 2);
	CHECK_EQ(h.events[0].kind, SIPXDP_EV_RESPONSE);
	CHECK_EQ(h.events[0].status, 180);
	CHECK_EQ(h.events[1].cseq, 314159);
	snapshot_free(&out.delta);
}

/*
 * A Content-Length that would wrap the walk back onto the message's own
 * start (2^32 minus its header length) counts the message once; so does
 * any length past the bytes left, and one of more than 32 bits.
 */
static void test_content_length_cannot_recount(void)
{
	static const char head[] = "SIP/2.0 200 OK" CRLF "Call-ID: wrap@x" CRLF
				   "CSeq: 9 INVITE" CRLF "Content-Length: ";
	const unsigned long long lengths[] = { 0, 1, 2, 1000, 65536, 4294967295ull,
					       99999999999ull };
	char msg[256];

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		unsigned long long cl = lengths[i];
		struct run_out out;
		int n;

		/* find the header length first, then aim the wrap at offset 0 */
		n = snprintf(msg, sizeof(msg), "%s%010llu" CRLF CRLF, head, 0ull);
		if (!cl)
			cl = (1ull << 32) - (unsigned long long)n;
		n = snprintf(msg, sizeof(msg), "%s%010llu" CRLF CRLF, head, cl);
		if (run_payload(msg, n, IPPROTO_TCP, &out)) {
			CHECK(!"test run failed");
			return;
		}
		if (out.delta.counters[SIPXDP_CNT_MESSAGES] != 1)
			fprintf(stderr, "  Content-Length %llu\n", cl);
		CHECK_EQ(out.delta.counters[SIPXDP_CNT_MESSAGES], 1);
		CHECK_EQ(delta_code(&out.delta, 200), 1);
		CHECK_EQ(h.n_events, 1);
		snapshot_free(&out.delta);
	}
}

/*
 * The To header's tag, which tells forks and hops apart: after the
 * name-addr (a tag inside <...> is a URI parameter), any case, blanks
 * around ';' and '=', the compact form, and none at all.
 */
static void test_to_tags(void)
{
	static const struct {
		const char *to;
		const char *tag;	/* NULL: none */
	} rows[] = {
		{ "To: <sip:bob@b.example>;tag=a6c85cf", "a6c85cf" },
		{ "To: \"Bob\" <sip:bob@b.example>;x=1;tag=9fx;y=2", "9fx" },
		{ "t: sip:bob@b.example;TAG=up", "up" },
		{ "To: <sip:bob@b.example;tag=inside>", NULL },
		{ "To: <sip:bob@b.example;tag=inside>;tag=outside", "outside" },
		{ "To: <sip:bob@b.example> ; tag = spaced ", "spaced" },
		{ "To: <sip:bob@b.example>", NULL },
		{ "To: <sip:bob@b.example>;tagx=1", NULL },
	};
	char msg[512];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct run_out out;
		int n = snprintf(msg, sizeof(msg), "SIP/2.0 180 Ringing" CRLF "%s" CRLF
				 "Call-ID: tags@x" CRLF "CSeq: 1 INVITE" CRLF CRLF, rows[i].to);

		if (run_payload(msg, n, IPPROTO_UDP, &out)) {
			CHECK(!"test run failed");
			return;
		}
		CHECK_EQ(h.n_events, 1);
		if (h.n_events == 1) {
			const struct sipxdp_event *ev = &h.events[0];
			size_t want = rows[i].tag ? strlen(rows[i].tag) : 0;

			if (ev->to_tag_len != want)
				fprintf(stderr, "  %s\n", rows[i].to);
			CHECK_EQ(ev->to_tag_len, want);
			CHECK(!rows[i].tag || memcmp(ev->to_tag, rows[i].tag, want) == 0);
			CHECK_EQ(!!(ev->flags & SIPXDP_EVF_NO_TO_TAG), !rows[i].tag);
		}
		snapshot_free(&out.delta);
	}
}

/* A body shorter than its Content-Length (a first fragment) still counts once. */
static void test_body_cut_short(void)
{
	static const char msg[] = "SIP/2.0 200 OK" CRLF "CSeq: 3 OPTIONS" CRLF
				  "Content-Length: 900" CRLF CRLF "v=0" CRLF;
	struct run_out out;

	if (run_payload(msg, sizeof(msg) - 1, IPPROTO_UDP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK_EQ(out.delta.counters[SIPXDP_CNT_MESSAGES], 1);
	CHECK_EQ(delta_code(&out.delta, 200), 1);
	snapshot_free(&out.delta);
}

/* A Call-ID longer than its slot is cut and flagged, never overrun. */
static void test_long_call_id_cut(void)
{
	char msg[1024], id[400];
	struct run_out out;
	int n;

	memset(id, 'k', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	n = snprintf(msg, sizeof(msg), "SIP/2.0 200 OK" CRLF "Call-ID: %s" CRLF
		     "CSeq: 8 INVITE" CRLF CRLF, id);
	if (run_payload(msg, n, IPPROTO_UDP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK_EQ(h.n_events, 1);
	CHECK_EQ(h.events[0].call_id_len, SIPXDP_CALLID_LEN);
	CHECK(h.events[0].flags & SIPXDP_EVF_CALLID_CUT);
	CHECK_EQ(out.delta.counters[SIPXDP_CNT_FIELDS_CUT], 1);
	snapshot_free(&out.delta);
}

/* Contact values past the slot are cut and flagged. */
static void test_long_contact_cut(void)
{
	char msg[4096], uri[700];
	struct run_out out;
	int n;

	memset(uri, 'u', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	n = snprintf(msg, sizeof(msg), "SIP/2.0 301 Moved" CRLF "Call-ID: c@x" CRLF
		     "CSeq: 8 INVITE" CRLF "Contact: <sip:%s@x>" CRLF "Contact: <sip:y@z>" CRLF
		     CRLF, uri);
	if (run_payload(msg, n, IPPROTO_UDP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK_EQ(h.n_events, 1);
	CHECK_EQ(h.events[0].contact_len, SIPXDP_CONTACT_LEN);
	CHECK(h.events[0].flags & SIPXDP_EVF_CONTACT_CUT);
	snapshot_free(&out.delta);
}

/* A 2xx whose CSeq is cut off by the end of the packet: counted, no event. */
static void test_header_cut_by_packet_end(void)
{
	static const char msg[] = "SIP/2.0 200 OK" CRLF "Call-ID: c@x" CRLF "CSeq: 1 INV";
	struct run_out out;

	if (run_payload(msg, sizeof(msg) - 1, IPPROTO_UDP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK_EQ(delta_code(&out.delta, 200), 1);
	CHECK_EQ(out.delta.responses[0].method, SIPXDP_M_UNKNOWN);
	CHECK_EQ(h.n_events, 0);
	snapshot_free(&out.delta);
}

/* An empty UDP payload is not SIP. */
static void test_empty_payload(void)
{
	struct run_out out;

	if (run_payload("", 0, IPPROTO_UDP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK_EQ(out.delta.counters[SIPXDP_RES_NOT_SIP], 1);
	snapshot_free(&out.delta);
}

/* Non-IP and too-short frames are not SIP and pass unchanged. */
static void test_non_ip_frames(void)
{
	unsigned char arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 };
	unsigned char runt[14] = { 0 };
	struct run_out out;

	if (harness_run(&h, arp, sizeof(arp), &out) == 0) {
		CHECK(out.verdict_ok);
		CHECK_EQ(out.delta.counters[SIPXDP_RES_NOT_SIP], 1);
		snapshot_free(&out.delta);
	}
	if (harness_run(&h, runt, sizeof(runt), &out) == 0) {
		CHECK(out.verdict_ok);
		CHECK_EQ(out.delta.counters[SIPXDP_RES_NOT_SIP], 1);
		snapshot_free(&out.delta);
	}
}

/*
 * The per-source LRU map at its limit: more sources than entries evict old
 * ones (an LRU hash may do so before it is full, per CPU), never fail an
 * update, and keep the newest.
 */
static void test_sources_at_their_limit(void)
{
	enum { LIMIT = SMALL_SOURCES, SOURCES = 1000 };
	struct snapshot d;
	unsigned char pkt[PKT_MAX];
	char src[32];
	bool newest_kept = false;

	harness_reset(&h);
	for (int i = 0; i < SOURCES; i++) {
		struct pkt_spec spec = { .src = src, .payload = "SIP/2.0 200 OK\r\n\r\n" };

		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		CHECK_EQ(harness_pass(&h, pkt, pkt_build(&spec, pkt)), 1);
	}
	if (harness_read(&h, &d) == 0) {
		CHECK(d.n_sources <= LIMIT);
		CHECK(d.n_sources >= LIMIT / 4);
		CHECK_EQ(d.sources_capacity, LIMIT);
		CHECK_EQ(d.counters[SIPXDP_CNT_SOURCE_UPDATE_FAILED], 0);
		CHECK_EQ(delta_code(&d, 200), SOURCES);	/* the totals lose nothing */
		for (size_t i = 0; i < d.n_sources; i++) {
			char want[ADDR_STR_LEN], got[ADDR_STR_LEN];

			snprintf(want, sizeof(want), "198.18.%d.%d", (SOURCES - 1) / 250,
				 (SOURCES - 1) % 250 + 1);
			newest_kept |= !strcmp(format_addr(&d.sources[i].addr, got), want);
		}
		CHECK(newest_kept);
		/* every row the LRU made is either there or evicted */
		CHECK_EQ(d.counters[SIPXDP_CNT_SOURCE_INSERTS], SOURCES);
		snapshot_free(&d);
	}
}

/*
 * Per-peer counts come from the --peers trie and an array, not from the
 * per-source LRU map: exact however much it churns. IPv4 and IPv6 ranges
 * share the trie; a source in none is "other" (id 0).
 */
static void test_peer_counts_exact_under_churn(void)
{
	enum { SOURCES = 3000 };
	struct snapshot d;
	unsigned char pkt[PKT_MAX];
	char src[64];
	unsigned int churn_id = 0, v6_id = 0;

	for (unsigned int id = 1; id <= peers_name_count(test_peers); id++) {
		churn_id = !strcmp(peers_name(test_peers, id), "churn") ? id : churn_id;
		v6_id = !strcmp(peers_name(test_peers, id), "v6lab") ? id : v6_id;
	}
	harness_reset(&h);
	for (int i = 0; i < SOURCES; i++) {
		struct pkt_spec spec = { .src = src, .payload = "SIP/2.0 200 OK\r\n\r\n" };

		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		CHECK_EQ(harness_pass(&h, pkt, pkt_build(&spec, pkt)), 1);
	}
	{
		struct pkt_spec v6 = { .ipv6 = true, .src = "2001:db8:5::9",
				       .payload = "SIP/2.0 486 Busy Here\r\n\r\n" };
		struct pkt_spec none = { .src = "203.0.113.5",
					 .payload = "SIP/2.0 503 Unavailable\r\n\r\n" };

		CHECK_EQ(harness_pass(&h, pkt, pkt_build(&v6, pkt)), 1);
		CHECK_EQ(harness_pass(&h, pkt, pkt_build(&none, pkt)), 1);
	}
	CHECK(churn_id && v6_id);
	if (harness_read(&h, &d) == 0) {
		CHECK(d.n_sources <= SMALL_SOURCES);
		CHECK_EQ(d.n_peers, peers_name_count(test_peers) + 1);
		CHECK_EQ(d.peer_responses[churn_id * SIPXDP_CLASSES + 1], SOURCES);
		CHECK_EQ(d.peer_responses[v6_id * SIPXDP_CLASSES + 3], 1);
		CHECK_EQ(d.peer_responses[0 * SIPXDP_CLASSES + 4], 1);	/* other, 5xx */
		CHECK_EQ(d.counters[SIPXDP_CNT_SOURCE_INSERTS], SOURCES + 2);
		snapshot_free(&d);
	}
}

/*
 * --ports restricts SIP to a list: the same message elsewhere is not SIP.
 * The one load of its own: the ports are constants the verifier prunes on.
 */
static void test_port_list(void)
{
	struct loader_opts opts = { .ports = { 5060, 5080 }, .nports = 2 };
	struct harness ported;
	struct snapshot d;
	unsigned char pkt[PKT_MAX];
	const unsigned short ports[][2] = { { 5060, 40000 }, { 40000, 5080 }, { 5070, 40000 } };

	if (harness_open(&ported, &opts)) {
		CHECK(!"loading with a port list failed");
		return;
	}
	harness_reset(&ported);
	for (size_t i = 0; i < 3; i++) {
		struct pkt_spec spec = { .sport = ports[i][0], .dport = ports[i][1],
					 .payload = INVITE_200 };

		CHECK_EQ(harness_pass(&ported, pkt, pkt_build(&spec, pkt)), 1);
	}
	if (harness_read(&ported, &d) == 0) {
		CHECK_EQ(d.counters[SIPXDP_RES_SIP], 2);	/* 5060 and 5080 */
		CHECK_EQ(d.counters[SIPXDP_RES_NOT_SIP], 1);	/* 5070 */
		CHECK_EQ(delta_code(&d, 200), 2);
		snapshot_free(&d);
	}
	harness_close(&ported);
}

/* A ring buffer nobody reads fills up: further events are counted as lost. */
static void test_lost_events_counted(void)
{
	struct snapshot d;
	unsigned char pkt[PKT_MAX];
	struct pkt_spec spec = { .payload = ACK_REQUEST };
	size_t len = pkt_build(&spec, pkt);

	harness_reset(&h);
	for (int i = 0; i < 200; i++)
		CHECK_EQ(harness_pass(&h, pkt, len), 1);
	if (harness_read(&h, &d) == 0) {
		CHECK(d.counters[SIPXDP_CNT_EVENTS] > 0);
		CHECK(d.counters[SIPXDP_CNT_EVENTS_LOST] > 0);
		CHECK_EQ(d.counters[SIPXDP_CNT_EVENTS] + d.counters[SIPXDP_CNT_EVENTS_LOST], 200);
		CHECK_EQ(d.requests[SIPXDP_DIR_INGRESS][SIPXDP_M_ACK], 200);	/* counted all the same */
		snapshot_free(&d);
	}
	harness_reset(&h);	/* the events it left in the ring */
}

/* The TC egress program: the same parser, counted as egress, TC_ACT_UNSPEC. */
static void test_tc_egress(void)
{
	struct snapshot d;
	unsigned char pkt[PKT_MAX], back[PKT_MAX + 64];
	const struct pkt_spec specs[] = {
		{ .payload = INVITE_200 },
		{ .ipv6 = true, .proto = IPPROTO_TCP, .payload = ACK_REQUEST },
		{ .sport = 20000, .dport = 30000, .payload = rtp, .payload_len = sizeof(rtp) - 1 },
	};

	harness_reset(&h);
	for (size_t i = 0; i <= sizeof(specs) / sizeof(specs[0]); i++) {
		/* last: a frame cut inside its TCP header, which takes TC's pull
		 * and second walk, and still counts once */
		size_t len = i < sizeof(specs) / sizeof(specs[0]) ? pkt_build(&specs[i], pkt) :
			     pkt_build(&specs[1], pkt) - strlen(ACK_REQUEST) - 10;
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = pkt, .data_size_in = len,
			    .data_out = back, .data_size_out = sizeof(back), .repeat = 1);

		CHECK_EQ(bpf_prog_test_run_opts(bpf_program__fd(h.skel->progs.sipxdp_tc), &run), 0);
		CHECK_EQ((int)run.retval, -1);	/* TC_ACT_UNSPEC: the next filter decides */
		CHECK_EQ(run.data_size_out, len);
		CHECK(memcmp(back, pkt, len) == 0);
	}
	ring_buffer__consume(h.rb);
	if (harness_read(&h, &d) == 0) {
		CHECK_EQ(d.counters[SIPXDP_RES_SIP], 2);
		CHECK_EQ(d.counters[SIPXDP_RES_NOT_SIP], 2);
		CHECK_EQ(snapshot_packets_seen(&d), 4);
		CHECK_EQ(d.n_responses, 1);
		CHECK_EQ(d.responses[0].direction, SIPXDP_DIR_EGRESS);
		CHECK_EQ(d.requests[SIPXDP_DIR_EGRESS][SIPXDP_M_ACK], 1);
		CHECK_EQ(d.requests[SIPXDP_DIR_INGRESS][SIPXDP_M_ACK], 0);
		CHECK_EQ(h.n_events, 2);
		CHECK_EQ(h.events[0].direction, SIPXDP_DIR_EGRESS);
		CHECK_EQ(h.events[1].kind, SIPXDP_EV_ACK);
		snapshot_free(&d);
	}
}

int main(void)
{
	static const struct tl_test tests[] = {
		TEST(test_table),
		TEST(test_status_line_cut_everywhere),
		TEST(test_request_line_cut),
		TEST(test_two_messages_in_one_segment),
		TEST(test_content_length_cannot_recount),
		TEST(test_to_tags),
		TEST(test_body_cut_short),
		TEST(test_long_call_id_cut),
		TEST(test_long_contact_cut),
		TEST(test_header_cut_by_packet_end),
		TEST(test_empty_payload),
		TEST(test_non_ip_frames),
		TEST(test_sources_at_their_limit),
		TEST(test_peer_counts_exact_under_churn),
		TEST(test_port_list),
		TEST(test_lost_events_counted),
		TEST(test_tc_egress),
	};
	struct loader_opts opts = { .max_sources = SMALL_SOURCES, .ringbuf_bytes = SMALL_RINGBUF,
				    .with_egress = true };
	char err[256];
	int rc;

	test_peers = peers_parse(TEST_PEERS, "test", err, sizeof(err));
	opts.peers = test_peers;
	if (!test_peers || harness_open(&h, &opts)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	rc = tl_run("bpf_parser", tests, sizeof(tests) / sizeof(tests[0]));
	harness_close(&h);
	peers_free(test_peers);
	return rc;
}
