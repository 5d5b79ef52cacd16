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

/* Padding header lines: 80 bytes each, 3200 in all. */
#define PAD_80 "X-Pad: 0123456789012345678901234567890123456789012345678901234567890123456789" CRLF
#define PAD_800 PAD_80 PAD_80 PAD_80 PAD_80 PAD_80 PAD_80 PAD_80 PAD_80 PAD_80 PAD_80
#define PAD_3200 PAD_800 PAD_800 PAD_800 PAD_800

#define CSEQ_200(num) \
	"SIP/2.0 200 OK" CRLF "Call-ID: n@x" CRLF "CSeq: " num " INVITE" CRLF CRLF

/* Headers with no empty line yet: a long message is made of them. */
#define INVITE_200_HEAD \
	"SIP/2.0 200 OK" CRLF "Call-ID: long@x" CRLF "CSeq: 1 INVITE" CRLF

/* A MESSAGE with a 150-byte body, its length written with leading zeros. */
#define BODY_150 \
	"0123456789012345678901234567890123456789012345678901234567890123456789012345" \
	"01234567890123456789012345678901234567890123456789012345678901234567890123"
#define BODY_150_MESSAGE \
	"MESSAGE sip:b@x SIP/2.0" CRLF "CSeq: 4 MESSAGE" CRLF \
	"Content-Length: 00000000150" CRLF CRLF BODY_150

/* A NOTIFY whose 274-byte body is a whole SIP response (RFC 3515). */
#define SIPFRAG \
	"SIP/2.0 200 OK" CRLF \
	"Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK776asdhds" CRLF \
	"To: <sip:carol@example.com>;tag=fr4g" CRLF \
	"From: <sip:bob@example.com>;tag=b0b" CRLF \
	"Call-ID: sipfrag-inner@example.com" CRLF \
	"CSeq: 1 INVITE" CRLF \
	"Contact: <sip:carol@192.0.2.44>" CRLF \
	"X-Fill: 012345678" CRLF \
	"Content-Length: 0" CRLF CRLF
#define NOTIFY_SIPFRAG \
	"NOTIFY sip:b@x SIP/2.0" CRLF "Event: refer" CRLF "CSeq: 5 NOTIFY" CRLF \
	"Content-Type: message/sipfrag;version=2.0" CRLF \
	"Content-Length: 0000000000274" CRLF CRLF SIPFRAG
_Static_assert(sizeof(BODY_150) - 1 == 150, "BODY_150 is 150 bytes");
_Static_assert(sizeof(SIPFRAG) - 1 == 274, "SIPFRAG is 274 bytes");

static const char rtp[] = "\x80\x00\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef"
			  "payload-bytes-of-an-rtp-packet";

/* A message the program counts and hands over: a response's status and
 * CSeq method (SIPXDP_M_UNKNOWN without a valid CSeq), or a request's
 * method (status 0). */
struct counted {
	__u16 status;
	__u8 method;
};

struct row {
	const char *name;
	struct pkt_spec pkt;
	int result;		/* enum sipxdp_counter of the packet */
	struct counted msgs[2];	/* in the order they come; { 0, 0 }: none */
	size_t second_at;	/* where the second message starts in the payload */
};

static const struct row rows[] = {
	/* Header values: any run of blanks, folded lines, trimmed at both ends. */
	{ "200 blanks around the value", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID:   \tblank-run@example.com \t " CRLF
	  "CSeq:            12 INVITE" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "200 folded Call-ID and CSeq", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID:" CRLF " folded@example.com" CRLF
	  "CSeq: 77" CRLF "\tINVITE" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "ACK compact Call-ID no blank", { .payload = "ACK sip:b@192.0.2.4 SIP/2.0" CRLF
	  "i:blank-run@example.com" CRLF "CSeq: 12 ACK" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_ACK } } },
	{ "302 Contact trimmed", { .payload = "SIP/2.0 302 Moved" CRLF
	  "Call-ID: t@x" CRLF "CSeq: 3 INVITE" CRLF
	  "Contact:  <sip:t@192.0.2.7>  \t" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 302, SIPXDP_M_INVITE } } },
	{ "200 CSeq past 32 bits", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID: big@x" CRLF "CSeq: 4294967297 INVITE" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_UNKNOWN } } },
	/* RFC 3261 18.3: bytes after a UDP message's body are not a message. */
	{ "udp 200 then 486 counts once", { .payload = "SIP/2.0 200 OK" CRLF
	  "Call-ID: u@x" CRLF "CSeq: 5 OPTIONS" CRLF "Content-Length: 0" CRLF CRLF
	  "SIP/2.0 486 Busy Here" CRLF "CSeq: 6 INVITE" CRLF "Content-Length: 0" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_OPTIONS } } },
	{ "200 INVITE ipv4", { .payload = INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "200 INVITE ipv6", { .ipv6 = true, .payload = INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "200 INVITE one vlan", { .vlans = 1, .payload = INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "200 INVITE qinq ipv6", { .vlans = 2, .ipv6 = true, .payload = INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "200 INVITE tcp with options", { .proto = IPPROTO_TCP, .tcp_opts = 12,
	  .payload = INVITE_200 }, .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "200 INVITE odd ports", { .sport = 53309, .dport = 57586, .payload = INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "301 ipv4", { .payload = REDIRECT("301", "Moved Permanently") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 301, SIPXDP_M_INVITE } } },
	{ "301 ipv6 two vlans", { .vlans = 2, .ipv6 = true,
	  .payload = REDIRECT("301", "Moved Permanently") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 301, SIPXDP_M_INVITE } } },
	{ "302 one vlan", { .vlans = 1, .payload = REDIRECT("302", "Moved Temporarily") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 302, SIPXDP_M_INVITE } } },
	{ "302 odd case, several contacts", { .payload = ODDCASE_302 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 302, SIPXDP_M_INVITE } } },
	{ "404 REGISTER", { .payload = RESPONSE("SIP/2.0 404 Not Found", "REGISTER") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 404, SIPXDP_M_REGISTER } } },
	{ "503 INVITE ipv6 vlan", { .vlans = 1, .ipv6 = true,
	  .payload = RESPONSE("SIP/2.0 503 Service Unavailable", "INVITE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 503, SIPXDP_M_INVITE } } },
	{ "200 BYE", { .payload = RESPONSE("SIP/2.0 200 OK", "BYE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_BYE } } },
	{ "200 SUBSCRIBE: no event", { .payload = RESPONSE("SIP/2.0 200 OK", "SUBSCRIBE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_SUBSCRIBE } } },
	{ "200 with empty reason", { .payload = RESPONSE("SIP/2.0 200", "OPTIONS") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_OPTIONS } } },
	{ "180 INVITE tcp", { .proto = IPPROTO_TCP,
	  .payload = RESPONSE("SIP/2.0 180 Ringing", "INVITE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 180, SIPXDP_M_INVITE } } },
	{ "603 INVITE", { .payload = RESPONSE("SIP/2.0 603 Decline", "INVITE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 603, SIPXDP_M_INVITE } } },
	{ "compact forms and blanks", { .payload = COMPACT_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "headers late in the message", { .payload = LATE_HEADERS_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "keep-alive CRLFs before a response (tcp)", { .proto = IPPROTO_TCP,
	  .payload = CRLF CRLF INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "INVITE request", { .payload = REQUEST("INVITE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_INVITE } } },
	{ "ACK request", { .payload = ACK_REQUEST },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_ACK } } },
	{ "ACK request ipv6 tcp", { .ipv6 = true, .proto = IPPROTO_TCP, .payload = ACK_REQUEST },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_ACK } } },
	{ "REGISTER request", { .payload = REQUEST("REGISTER") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_REGISTER } } },
	{ "BYE request", { .vlans = 1, .payload = REQUEST("BYE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_BYE } } },
	{ "OPTIONS request", { .ipv6 = true, .payload = REQUEST("OPTIONS") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_OPTIONS } } },
	{ "SUBSCRIBE request", { .payload = REQUEST("SUBSCRIBE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_SUBSCRIBE } } },
	/* A method sipxdp does not name is a request all the same: OTHER. */
	{ "unknown method", { .payload = REQUEST("FOOBAR") }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 0, SIPXDP_M_OTHER } } },
	{ "FOO request", { .payload = "FOO sip:x SIP/2.0" CRLF CRLF }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 0, SIPXDP_M_OTHER } } },
	{ "FOO request second in a tcp segment", { .proto = IPPROTO_TCP,
	  .payload = REQUEST("INVITE") "FOO sip:x SIP/2.0" CRLF CRLF }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 0, SIPXDP_M_INVITE }, { 0, SIPXDP_M_OTHER } },
	  .second_at = sizeof(REQUEST("INVITE")) - 1 },
	/* A request line that ends in SIP gone wrong is malformed, not ignored. */
	{ "OPTIONS in SIP/7.0", { .payload = "OPTIONS sip:x SIP/7.0" CRLF CRLF },
	  .result = SIPXDP_RES_MALFORMED },
	{ "request line blanks after SIP/2.0", { .payload = "OPTIONS sip:x SIP/2.0  " CRLF CRLF },
	  .result = SIPXDP_RES_MALFORMED },
	/* Numbers: any leading zeros; past 32 bits the header is invalid. */
	{ "200 CSeq with twenty leading zeros", { .payload = CSEQ_200("0000000000000000000035") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "200 CSeq 2^32", { .payload = CSEQ_200("4294967296") }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 200, SIPXDP_M_UNKNOWN } } },
	{ "200 CSeq 2^32 - 1", { .payload = CSEQ_200("4294967295") }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "tcp Content-Length with leading zeros finds the next", { .proto = IPPROTO_TCP,
	  .payload = BODY_150_MESSAGE INVITE_200 }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 0, SIPXDP_M_MESSAGE }, { 200, SIPXDP_M_INVITE } },
	  sizeof(BODY_150_MESSAGE) - 1 },
	{ "tcp Content-Length 2^32: no next message", { .proto = IPPROTO_TCP,
	  .payload = "SIP/2.0 180 Ringing" CRLF "CSeq: 1 INVITE" CRLF
		     "Content-Length: 4294967296" CRLF CRLF INVITE_200 }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 180, SIPXDP_M_INVITE } } },
	/* A message/sipfrag body is a SIP response's bytes, and not a message. */
	{ "tcp NOTIFY with a sipfrag body", { .proto = IPPROTO_TCP,
	  .payload = NOTIFY_SIPFRAG ACK_REQUEST }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 0, SIPXDP_M_NOTIFY }, { 0, SIPXDP_M_ACK } },
	  .second_at = sizeof(NOTIFY_SIPFRAG) - 1 },
	{ "udp NOTIFY with a sipfrag body", { .payload = NOTIFY_SIPFRAG }, .result = SIPXDP_RES_SIP,
	  .msgs = { { 0, SIPXDP_M_NOTIFY } } },
	{ "CSeq after 3 KB of headers", { .payload = "SIP/2.0 486 Busy Here" CRLF PAD_3200
	  "CSeq: 1 INVITE" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 486, SIPXDP_M_INVITE } } },
	{ "CSeq after 3 KB of headers (tcp)", { .proto = IPPROTO_TCP,
	  .payload = "SIP/2.0 486 Busy Here" CRLF PAD_3200 "CSeq: 1 INVITE" CRLF CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 486, SIPXDP_M_INVITE } } },
	{ "keep-alive CRLFs before a request", { .payload = CRLF CRLF CRLF REQUEST("BYE") },
	  .result = SIPXDP_RES_SIP, .msgs = { { 0, SIPXDP_M_BYE } } },
	/* Longer than an event carries: cut, and flagged. */
	{ "200 longer than an event", { .payload = INVITE_200_HEAD PAD_3200 PAD_3200 CRLF },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "HTTP request on 5060", { .proto = IPPROTO_TCP,
	  .payload = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" },
	  .result = SIPXDP_RES_NOT_SIP },
	{ "bad code 99", { .payload = RESPONSE("SIP/2.0 99 Odd", "INVITE") },
	  .result = SIPXDP_RES_MALFORMED },
	{ "bad code 700", { .payload = RESPONSE("SIP/2.0 700 Odd", "INVITE") },
	  .result = SIPXDP_RES_MALFORMED },
	{ "bad code 2x0", { .payload = RESPONSE("SIP/2.0 2x0 Odd", "INVITE") },
	  .result = SIPXDP_RES_MALFORMED },
	{ "bad code 0200", { .payload = RESPONSE("SIP/2.0 0200 OK", "INVITE") },
	  .result = SIPXDP_RES_MALFORMED },
	{ "non-SIP UDP on 5060", { .payload = "GET / HTTP/1.1" CRLF "Host: x" CRLF CRLF },
	  .result = SIPXDP_RES_NOT_SIP },
	{ "RTSP OPTIONS on 5060", { .payload = "OPTIONS rtsp://x/ RTSP/1.0" CRLF CRLF },
	  .result = SIPXDP_RES_NOT_SIP },
	{ "binary on 5060", { .payload = "\x00\x01\x02\x03\xff\xfe", .payload_len = 6 },
	  .result = SIPXDP_RES_NOT_SIP },
	{ "CRLF keep-alive", { .payload = CRLF CRLF }, .result = SIPXDP_RES_NOT_SIP },
	{ "RTP on another port", { .sport = 20000, .dport = 30000, .payload = rtp,
	  .payload_len = sizeof(rtp) - 1 }, .result = SIPXDP_RES_NOT_SIP },
	{ "ipv4 ihl < 5", { .ihl = 4, .payload = INVITE_200 }, .result = SIPXDP_RES_MALFORMED },
	{ "ipv4 first fragment", { .frag = 0x2000, .payload = INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "ipv4 later fragment", { .frag = 0x2000 | 185, .payload = INVITE_200 },
	  .result = SIPXDP_RES_FRAGMENT },
	{ "ipv4 last fragment", { .frag = 185, .payload = INVITE_200 },
	  .result = SIPXDP_RES_FRAGMENT },
	{ "ipv6 first fragment", { .ipv6 = true, .v6_frag = true, .v6_more = true,
	  .payload = INVITE_200 }, .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "ipv6 extension headers", { .ipv6 = true, .v6_exthdrs = true, .payload = INVITE_200 },
	  .result = SIPXDP_RES_SIP, .msgs = { { 200, SIPXDP_M_INVITE } } },
	{ "ipv6 extension headers, later fragment", { .ipv6 = true, .v6_exthdrs = true,
	  .v6_frag = true, .v6_frag_off = 100, .payload = INVITE_200 },
	  .result = SIPXDP_RES_FRAGMENT },
	{ "ipv6 later fragment", { .ipv6 = true, .v6_frag = true, .v6_frag_off = 185,
	  .payload = INVITE_200 }, .result = SIPXDP_RES_FRAGMENT },
};

/*
 * The records of one run against the messages the payload holds: the i-th
 * carries the payload's bytes from `at[i]` to `at[i + 1]` exactly (cut to
 * SIPXDP_MSG_MAX, and flagged), its CPU's seq one more than the last, and
 * the kernel's status and method, which the agent's parse must agree with.
 */
static void check_records(const char *payload, const size_t *at, const struct counted *want,
			  int n, int proto)
{
	CHECK_EQ(h.n_events, n);
	CHECK_EQ(h.bad_records, 0);
	for (int i = 0; i < n && i < h.n_events; i++) {
		const struct harness_record *r = harness_record(&h, i);
		const struct sipxdp_event *ev = &r->hdr;
		size_t msg_len = at[i + 1] - at[i];
		size_t len = msg_len < SIPXDP_MSG_MAX ? msg_len : SIPXDP_MSG_MAX;
		const char *why = harness_disagreement(r, i == n - 1);

		CHECK_EQ(ev->msg_len, msg_len);
		CHECK_EQ(ev->len, len);
		CHECK(memcmp(r->bytes, payload + at[i], len) == 0);
		CHECK_EQ(ev->flags, len < msg_len ? SIPXDP_EVF_CUT : 0);
		CHECK_EQ(ev->seq, i + 1);	/* the maps, seq's counter too, start empty */
		CHECK_EQ(ev->cpu, harness_record(&h, 0)->hdr.cpu);
		CHECK_EQ(ev->status, want[i].status);
		CHECK_EQ(ev->method, want[i].method);
		CHECK_EQ(ev->direction, SIPXDP_DIR_INGRESS);
		CHECK_EQ(ev->transport, proto);
		if (why)
			fprintf(stderr, "  record %d: %s\n", i, why);
		CHECK(!why);
	}
}

static void check_row(const struct row *r)
{
	unsigned char pkt[PKT_MAX];
	size_t len = pkt_build(&r->pkt, pkt);
	const char *payload = r->pkt.payload;
	size_t payload_len = r->pkt.payload_len ? r->pkt.payload_len : strlen(payload);
	size_t at[3] = { 0, payload_len, payload_len };
	int proto = r->pkt.proto ? r->pkt.proto : IPPROTO_UDP;
	struct run_out out;
	const struct snapshot *d = &out.delta;
	int n_msgs = 0, n_responses = 0, n_requests = 0;

	while (n_msgs < 2 && (r->msgs[n_msgs].status || r->msgs[n_msgs].method))
		n_msgs++;
	if (n_msgs == 2)
		at[1] = r->second_at;
	if (harness_run(&h, pkt, len, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK(out.verdict_ok);
	for (int res = 0; res < SIPXDP_RESULT_MAX; res++)
		CHECK_EQ(d->counters[res], res == r->result);
	CHECK_EQ(d->counters[SIPXDP_CNT_MESSAGES], n_msgs);
	CHECK_EQ(d->counters[SIPXDP_CNT_EVENTS], n_msgs);
	for (int i = 0; i < n_msgs; i++) {
		const struct counted *c = &r->msgs[i];

		if (!c->status) {
			n_requests++;
			CHECK(d->requests[SIPXDP_DIR_INGRESS][c->method] >= 1);
			/* per source: a row of the method, apart from the responses */
			CHECK(d->n_source_requests >= 1);
			for (size_t j = 0; j < d->n_source_requests; j++)
				CHECK(SIPXDP_SOURCE_IS_REQUEST(d->source_requests[j].code));
			continue;
		}
		n_responses++;
		CHECK_EQ(d->n_responses, 1);
		CHECK_EQ(d->responses[0].code, c->status);
		CHECK_EQ(d->responses[0].method, c->method);
		CHECK_EQ(d->responses[0].direction, SIPXDP_DIR_INGRESS);
		/* per source: the packet's IP source, with this code */
		CHECK_EQ(d->n_sources, 1);
		if (d->n_sources == 1) {
			struct sipxdp_addr want = { .family = r->pkt.ipv6 ? AF_INET6 : AF_INET };

			inet_pton(want.family, r->pkt.ipv6 ? "2001:db8::10" : "192.0.2.10",
				  want.bytes);
			CHECK(memcmp(&d->sources[0].addr, &want, sizeof(want)) == 0);
			CHECK_EQ(d->sources[0].code, c->status);
			CHECK_EQ(d->sources[0].count, 1);
		}
	}
	CHECK_EQ(delta_responses(d), n_responses);
	CHECK_EQ(delta_requests(d), n_requests);
	if (!n_responses)
		CHECK_EQ(d->n_sources, 0);	/* no request reads as a code */
	if (!n_requests)
		CHECK_EQ(d->n_source_requests, 0);
	check_records(payload, at, r->msgs, n_msgs, proto);
	for (int i = 0; i < n_msgs && i < h.n_events; i++) {
		const struct sipxdp_event *ev = &harness_record(&h, i)->hdr;

		CHECK_EQ(ev->sport, r->pkt.sport ? r->pkt.sport : 5060);
		CHECK_EQ(ev->dport, r->pkt.dport ? r->pkt.dport : 5060);
		CHECK_EQ(ev->saddr.family, r->pkt.ipv6 ? AF_INET6 : AF_INET);
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

#define RINGING_WITH_BODY \
	"SIP/2.0 180 Ringing" CRLF "Call-ID: one@x" CRLF "CSeq: 1 INVITE" CRLF \
	"Content-Length: 5" CRLF CRLF "hello"

/*
 * Two messages in one TCP segment: Content-Length finds the second, whose
 * record starts where the first one's body ends, keep-alives and all, and
 * whose parse starts at its status line.
 */
static void test_two_messages_in_one_segment(void)
{
	static const char two[] = RINGING_WITH_BODY
		CRLF CRLF	/* a keep-alive between the two */
		INVITE_200;
	static const size_t at[] = { sizeof(RINGING_WITH_BODY) - 1,
				     sizeof(RINGING_WITH_BODY) - 1 + 4, sizeof(two) - 1 };
	static const struct counted want[] = { { 180, SIPXDP_M_INVITE }, { 200, SIPXDP_M_INVITE } };
	struct run_out out;
	struct sip_msg m;

	if (run_payload(two, sizeof(two) - 1, IPPROTO_TCP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK(out.verdict_ok);
	CHECK_EQ(out.delta.counters[SIPXDP_RES_SIP], 1);
	CHECK_EQ(out.delta.counters[SIPXDP_CNT_MESSAGES], 2);
	CHECK_EQ(delta_code(&out.delta, 180), 1);
	CHECK_EQ(delta_code(&out.delta, 200), 1);
	check_records(two, (const size_t[]){ 0, at[0], at[2] }, want, 2, IPPROTO_TCP);
	if (h.n_events == 2) {
		CHECK_EQ(harness_parse(harness_record(&h, 1), &m), SIP_RESPONSE);
		CHECK_EQ(m.start, at[1] - at[0]);
		CHECK_EQ(m.status, 200);
	}
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
 * The To header's tag, which tells forks and hops apart, is the agent's to
 * read now: the record carries the whole message, and its parse finds the
 * tag after the name-addr (a tag inside <...> is a URI parameter), in any
 * case, with blanks around ';' and '=', in the compact form, or none.
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
		struct sip_msg m;
		struct sip_span tag = { NULL, 0 };
		int n = snprintf(msg, sizeof(msg), "SIP/2.0 180 Ringing" CRLF "%s" CRLF
				 "Call-ID: tags@x" CRLF "CSeq: 1 INVITE" CRLF CRLF, rows[i].to);
		bool found;

		if (run_payload(msg, n, IPPROTO_UDP, &out)) {
			CHECK(!"test run failed");
			return;
		}
		CHECK_EQ(h.n_events, 1);
		if (h.n_events == 1) {
			CHECK_EQ(harness_parse(harness_record(&h, 0), &m), SIP_RESPONSE);
			found = sip_to_tag(&m, &tag);
			if (found != !!rows[i].tag)
				fprintf(stderr, "  %s\n", rows[i].to);
			CHECK_EQ(found, !!rows[i].tag);
			CHECK(!rows[i].tag || (tag.len == strlen(rows[i].tag) &&
					       memcmp(tag.p, rows[i].tag, tag.len) == 0));
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

/* A long Call-ID and a long Contact come whole: no field is cut short of
 * SIPXDP_MSG_MAX any more. */
static void test_long_values_whole(void)
{
	char msg[2048], id[400], uri[700];
	struct sip_span uris[4];
	struct run_out out;
	struct sip_msg m;
	int n;

	memset(id, 'k', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	memset(uri, 'u', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	n = snprintf(msg, sizeof(msg), "SIP/2.0 301 Moved" CRLF "Call-ID: %s" CRLF
		     "CSeq: 8 INVITE" CRLF "Contact: <sip:%s@x>" CRLF "Contact: <sip:y@z>" CRLF
		     CRLF, id, uri);
	if (run_payload(msg, n, IPPROTO_UDP, &out)) {
		CHECK(!"test run failed");
		return;
	}
	CHECK_EQ(h.n_events, 1);
	CHECK_EQ(out.delta.counters[SIPXDP_CNT_EVENTS_CUT], 0);
	if (h.n_events == 1) {
		CHECK_EQ(harness_record(&h, 0)->hdr.len, n);
		CHECK_EQ(harness_record(&h, 0)->hdr.flags, 0);
		CHECK_EQ(harness_parse(harness_record(&h, 0), &m), SIP_RESPONSE);
		CHECK_EQ(sip_call_id(&m).len, sizeof(id) - 1);
		CHECK_EQ(sip_contacts(&m, uris, 4), 2);
		CHECK_EQ(uris[0].len, sizeof(uri) - 1 + strlen("sip:@x"));
	}
	snapshot_free(&out.delta);
}

/*
 * A 2xx whose CSeq line the packet ends in before its LF: counted, with no
 * CSeq method (its value could be cut anywhere: the parser leaves such a
 * line out, and the kernel must count what the agent will read), and
 * handed over all the same.
 */
static void test_header_cut_by_packet_end(void)
{
	static const char *const msgs[] = {
		"SIP/2.0 200 OK" CRLF "Call-ID: c@x" CRLF "CSeq: 1 INV",
		"SIP/2.0 200 OK" CRLF "Call-ID: c@x" CRLF "CSeq: 1 INVITE",
	};

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		struct counted want = { 200, SIPXDP_M_UNKNOWN };
		size_t len = strlen(msgs[i]);
		struct run_out out;

		if (run_payload(msgs[i], len, IPPROTO_UDP, &out)) {
			CHECK(!"test run failed");
			return;
		}
		CHECK_EQ(delta_code(&out.delta, 200), 1);
		CHECK_EQ(out.delta.responses[0].method, SIPXDP_M_UNKNOWN);
		check_records(msgs[i], (const size_t[]){ 0, len }, &want, 1, IPPROTO_UDP);
		snapshot_free(&out.delta);
	}
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

/* The request rows of one source address (IPv4 or IPv6) and method. */
static __u64 source_requests_of(const struct snapshot *d, const char *addr, __u8 method)
{
	struct sipxdp_addr want = { .family = strchr(addr, ':') ? AF_INET6 : AF_INET };
	const struct source_row *rows;
	size_t n;
	__u64 count = 0;

	inet_pton(want.family, addr, want.bytes);
	rows = snapshot_source_requests(d, &want, &n);
	for (size_t i = 0; i < n; i++)
		if (rows[i].code == method)
			count += rows[i].count;
	return count;
}

/*
 * Requests per source and method, counted in the per-source map beside the
 * responses (the method in the code's place, below 100): exact per source,
 * at egress too, and never in the responses' rows.
 */
static void test_requests_per_source_and_method(void)
{
	static const struct {
		const char *src;
		bool ipv6;
		const char *payload;
		int times;
	} sends[] = {
		{ "192.0.2.50", false, "INVITE sip:1000@pbx SIP/2.0" CRLF "CSeq: 1 INVITE" CRLF CRLF, 3 },
		{ "192.0.2.50", false, "REGISTER sip:pbx SIP/2.0" CRLF "CSeq: 1 REGISTER" CRLF CRLF, 2 },
		{ "192.0.2.50", false, "SIP/2.0 404 Not Found" CRLF "CSeq: 1 INVITE" CRLF CRLF, 1 },
		{ "2001:db8::50", true, "OPTIONS sip:pbx SIP/2.0" CRLF "CSeq: 1 OPTIONS" CRLF CRLF, 4 },
		{ "192.0.2.51", false, "FOO sip:pbx SIP/2.0" CRLF "CSeq: 1 FOO" CRLF CRLF, 1 },
	};
	unsigned char pkt[PKT_MAX], back[PKT_MAX + 64];
	struct snapshot d;

	harness_reset(&h);
	for (size_t i = 0; i < sizeof(sends) / sizeof(sends[0]); i++)
		for (int k = 0; k < sends[i].times; k++) {
			struct pkt_spec spec = { .src = sends[i].src, .ipv6 = sends[i].ipv6,
						 .payload = sends[i].payload };

			CHECK_EQ(harness_pass(&h, pkt, pkt_build(&spec, pkt)), 1);
		}
	{
		/* this host's own request, at egress: its source is this host */
		struct pkt_spec spec = { .src = "192.0.2.52", .payload = ACK_REQUEST };
		size_t len = pkt_build(&spec, pkt);
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = pkt, .data_size_in = len,
			    .data_out = back, .data_size_out = sizeof(back), .repeat = 1);

		CHECK_EQ(bpf_prog_test_run_opts(bpf_program__fd(h.skel->progs.sipxdp_tc), &run), 0);
	}
	ring_buffer__consume(h.rb);
	if (harness_read(&h, &d))
		return;
	CHECK_EQ(source_requests_of(&d, "192.0.2.50", SIPXDP_M_INVITE), 3);
	CHECK_EQ(source_requests_of(&d, "192.0.2.50", SIPXDP_M_REGISTER), 2);
	CHECK_EQ(source_requests_of(&d, "2001:db8::50", SIPXDP_M_OPTIONS), 4);
	CHECK_EQ(source_requests_of(&d, "192.0.2.51", SIPXDP_M_OTHER), 1);
	CHECK_EQ(source_requests_of(&d, "192.0.2.52", SIPXDP_M_ACK), 1);
	CHECK_EQ(d.n_source_requests, 5);
	/* the one response: its own row, the code as it was */
	CHECK_EQ(d.n_sources, 1);
	CHECK_EQ(d.sources[0].code, 404);
	CHECK_EQ(d.sources[0].count, 1);
	/* one row made per (source, code or method), whatever its kind */
	CHECK_EQ(d.counters[SIPXDP_CNT_SOURCE_INSERTS], 6);
	CHECK_EQ(d.counters[SIPXDP_CNT_SOURCE_UPDATE_FAILED], 0);
	CHECK_EQ(snapshot_source_entries(&d), 6);
	snapshot_free(&d);
}

/*
 * Requests from more sources than the map holds: the LRU evicts (requests
 * and responses share its bound), every row made is counted, so what was
 * evicted is inserts less entries, and no update fails.
 */
static void test_request_churn_counts_evictions(void)
{
	enum { SOURCES = 1000 };
	struct snapshot d;
	unsigned char pkt[PKT_MAX];
	char src[32];
	__u64 entries;

	harness_reset(&h);
	for (int i = 0; i < SOURCES; i++) {
		struct pkt_spec spec = { .src = src, .payload = i % 2 ?
			"REGISTER sip:pbx SIP/2.0" CRLF CRLF : "SIP/2.0 401 Unauthorized" CRLF CRLF };

		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		CHECK_EQ(harness_pass(&h, pkt, pkt_build(&spec, pkt)), 1);
	}
	if (harness_read(&h, &d))
		return;
	entries = snapshot_source_entries(&d);
	CHECK(entries <= SMALL_SOURCES);
	CHECK(entries >= SMALL_SOURCES / 4);
	CHECK_EQ(d.counters[SIPXDP_CNT_SOURCE_INSERTS], SOURCES);
	CHECK(d.counters[SIPXDP_CNT_SOURCE_INSERTS] - entries >= SOURCES - SMALL_SOURCES);
	CHECK_EQ(d.counters[SIPXDP_CNT_SOURCE_UPDATE_FAILED], 0);
	/* the totals lose nothing */
	CHECK_EQ(d.requests[SIPXDP_DIR_INGRESS][SIPXDP_M_REGISTER], SOURCES / 2);
	CHECK_EQ(delta_code(&d, 401), SOURCES / 2);
	/* the newest request is kept, as a request */
	CHECK_EQ(source_requests_of(&d, "198.18.3.250", SIPXDP_M_REGISTER), 1);
	for (size_t i = 0; i < d.n_sources; i++)
		CHECK_EQ(d.sources[i].code, 401);
	snapshot_free(&d);
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
		CHECK_EQ(harness_record(&h, 0)->hdr.direction, SIPXDP_DIR_EGRESS);
		CHECK_EQ(harness_record(&h, 0)->hdr.status, 200);
		CHECK_EQ(harness_record(&h, 1)->hdr.direction, SIPXDP_DIR_EGRESS);
		CHECK_EQ(harness_record(&h, 1)->hdr.method, SIPXDP_M_ACK);
		CHECK_EQ(harness_record(&h, 1)->hdr.len, strlen(ACK_REQUEST));
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
		TEST(test_long_values_whole),
		TEST(test_header_cut_by_packet_end),
		TEST(test_empty_payload),
		TEST(test_non_ip_frames),
		TEST(test_sources_at_their_limit),
		TEST(test_peer_counts_exact_under_churn),
		TEST(test_requests_per_source_and_method),
		TEST(test_request_churn_counts_evictions),
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
