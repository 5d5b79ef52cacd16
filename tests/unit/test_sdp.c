// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "sdp.h"
#include "sipmsg.h"
#include "testlib.h"

static struct sdp sdp;

static enum sdp_result parse(const char *text)
{
	return sdp_parse(text, strlen(text), &sdp);
}

static const char *addr_str(const struct sdp_addr *a)
{
	static char buf[INET6_ADDRSTRLEN];

	if (!a->family)
		return "(none)";
	return inet_ntop(a->family, a->addr, buf, sizeof(buf));
}

/* One audio stream as a test expects it: its first format's codec and
 * clock stand for the m-line's formats. */
struct stream_want {
	unsigned int mline;
	__u16 port;
	enum sdp_proto proto;
	enum sdp_dir dir;
	const char *addr;
	unsigned int n_formats;
	enum sdp_codec codec;
	__u32 clock;
};

struct valid_case {
	const char *name;
	const char *text;
	unsigned int n_mlines;
	unsigned int n_audio;
	struct stream_want want[2];
};

#define V0 "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"

static const struct valid_case valid_cases[] = {
	{ "g711 offer", V0 "c=IN IP4 192.0.2.10\r\nm=audio 49170 RTP/AVP 0 8 101\r\n"
	  "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n", 1, 1,
	  { { 0, 49170, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "192.0.2.10", 3, SDP_CODEC_PCMU, 8000 } } },
	{ "LF only, no last line end", "v=0\nc=IN IP4 192.0.2.10\nm=audio 4000 RTP/AVP 8", 1, 1,
	  { { 0, 4000, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "192.0.2.10", 1, SDP_CODEC_PCMA, 8000 } } },
	{ "media c= overrides the session's", V0 "c=IN IP4 192.0.2.10\r\n"
	  "m=audio 5000 RTP/AVP 18\r\nc=IN IP4 198.51.100.7\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "198.51.100.7", 1, SDP_CODEC_G729, 8000 } } },
	{ "IPv6, multicast ttl cut", V0 "c=IN IP6 2001:db8::5\r\nm=audio 5000 RTP/AVP 9\r\n"
	  "m=audio 5002 RTP/AVP 0\r\nc=IN IP4 233.252.0.1/127\r\n", 2, 2,
	  { { 0, 5000, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "2001:db8::5", 1, SDP_CODEC_G722, 8000 },
	    { 1, 5002, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "233.252.0.1", 1, SDP_CODEC_PCMU, 8000 } } },
	{ "session direction, media overrides", V0 "c=IN IP4 192.0.2.1\r\na=sendonly\r\n"
	  "m=audio 5000 RTP/AVP 0\r\nm=audio 5002 RTP/AVP 0\r\na=inactive\r\n", 2, 2,
	  { { 0, 5000, SDP_PROTO_RTP_AVP, SDP_SENDONLY, "192.0.2.1", 1, SDP_CODEC_PCMU, 8000 },
	    { 1, 5002, SDP_PROTO_RTP_AVP, SDP_INACTIVE, "192.0.2.1", 1, SDP_CODEC_PCMU, 8000 } } },
	{ "recvonly", V0 "m=audio 5000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\na=recvonly\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_RTP_AVP, SDP_RECVONLY, "192.0.2.1", 1, SDP_CODEC_PCMU, 8000 } } },
	{ "port 0 needs no address", V0 "m=audio 0 RTP/AVP 0\r\n", 1, 1,
	  { { 0, 0, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "(none)", 1, SDP_CODEC_PCMU, 8000 } } },
	{ "video and ICE ignored", V0 "c=IN IP4 192.0.2.1\r\n"
	  "m=video 6000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nc=IN IP4 bogus\r\n"
	  "m=audio 7000 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\n"
	  "a=candidate:1 1 udp 2130706431 192.0.2.1 7000 typ host\r\n"
	  "a=fingerprint:sha-256 AB:CD\r\na=setup:actpass\r\na=rtcp-mux\r\n", 2, 1,
	  { { 1, 7000, SDP_PROTO_UDP_TLS_RTP_SAVPF, SDP_SENDRECV, "192.0.2.1", 2, SDP_CODEC_OTHER, 48000 } } },
	{ "SAVP", V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/SAVP 8\r\n"
	  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_RTP_SAVP, SDP_SENDRECV, "192.0.2.1", 1, SDP_CODEC_PCMA, 8000 } } },
	{ "SAVPF", V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/SAVPF 0\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_RTP_SAVPF, SDP_SENDRECV, "192.0.2.1", 1, SDP_CODEC_PCMU, 8000 } } },
	{ "dynamic without rtpmap", V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP 96\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "192.0.2.1", 1, SDP_CODEC_OTHER, 0 } } },
	{ "rtpmap overrides a static, any case", V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP 0\r\n"
	  "a=rtpmap:0 pcmu/8000\r\na=rtpmap:5 nothere/8000\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "192.0.2.1", 1, SDP_CODEC_PCMU, 8000 } } },
	{ "not RTP: t38 under audio", V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 udptl t38\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_OTHER, SDP_SENDRECV, "192.0.2.1", 0, SDP_CODEC_OTHER, 0 } } },
	{ "port count", V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000/2 RTP/AVP 0\r\n", 1, 1,
	  { { 0, 5000, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "192.0.2.1", 1, SDP_CODEC_PCMU, 8000 } } },
	{ "blank lines skipped", "v=0\r\n\r\nc=IN IP4 192.0.2.1\r\n\r\nm=audio 65535 RTP/AVP 127\r\n\r\n", 1, 1,
	  { { 0, 65535, SDP_PROTO_RTP_AVP, SDP_SENDRECV, "192.0.2.1", 1, SDP_CODEC_OTHER, 0 } } },
	{ "no media", V0 "c=IN IP4 192.0.2.1\r\n", 0, 0, { { 0 } } },
};

static void valid(void)
{
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];

		if (parse(c->text) != SDP_OK) {
			fprintf(stderr, "%s: %s\n", c->name, sdp.error);
			CHECK(0);
			continue;
		}
		CHECK(sdp.error == NULL);
		CHECK_EQ(sdp.n_mlines, c->n_mlines);
		CHECK_EQ(sdp.n_audio, c->n_audio);
		for (unsigned int s = 0; s < c->n_audio && s < sdp.n_audio; s++) {
			const struct sdp_stream *got = &sdp.audio[s];
			const struct stream_want *w = &c->want[s];

			CHECK_EQ(got->mline, w->mline);
			CHECK_EQ(got->port, w->port);
			CHECK_EQ(got->proto, w->proto);
			CHECK_EQ(got->dir, w->dir);
			CHECK_STR(addr_str(&got->addr), w->addr);
			CHECK_EQ(got->n_formats, w->n_formats);
			if (w->n_formats) {
				CHECK_EQ(got->formats[0].codec, w->codec);
				CHECK_EQ(got->formats[0].clock, w->clock);
			}
		}
	}
}

struct invalid_case {
	const char *text;
	const char *error;
};

static const struct invalid_case invalid_cases[] = {
	{ "", "no line" },
	{ "\r\n\r\n", "no line" },
	{ "o=- 1 1 IN IP4 x\r\nv=0\r\n", "the first line not v=0" },
	{ "v=1\r\n", "the first line not v=0" },
	{ "v=00\r\n", "the first line not v=0" },
	{ "v=0\r\nhello\r\n", "a line not <type>=<value>" },
	{ "v=0\r\nM=audio 1 RTP/AVP 0\r\n", "a line not <type>=<value>" },
	{ "v=0\r\nx\r\n", "a line not <type>=<value>" },
	/* fields missing */
	{ V0 "m=audio 5000 RTP/AVP\r\n", "m=: a field is missing" },
	{ V0 "m=audio\r\n", "m=: a field is missing" },
	{ V0 "m=video 5000\r\n", "m=: a field is missing" },
	{ V0 "c=IN IP4\r\n", "c=: a field is missing" },
	{ V0 "c=IN IP4 1.2.3.4 x\r\n", "c=: more than three fields" },
	{ V0 "c=ATM IP4 1.2.3.4\r\n", "c=: network type not IN" },
	{ V0 "c=IN IPX 1.2.3.4\r\n", "c=: address type not IP4 or IP6" },
	{ V0 "c=IN IP4 host.example.com\r\n", "c=: address not a literal of its type" },
	{ V0 "c=IN IP4 2001:db8::1\r\n", "c=: address not a literal of its type" },
	{ V0 "c=IN IP6 192.0.2.1\r\n", "c=: address not a literal of its type" },
	{ V0 "c=IN IP4 /127\r\n", "c=: address not a literal of its type" },
	{ V0 "c=IN IP6 1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa\r\n",
	  "c=: address not a literal of its type" },
	/* numbers: leading zeros, too large, not digits */
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 05000 RTP/AVP 0\r\n", "m=: bad port" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 65536 RTP/AVP 0\r\n", "m=: bad port" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 99999999999999999999999 RTP/AVP 0\r\n", "m=: bad port" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio -1 RTP/AVP 0\r\n", "m=: bad port" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000/0 RTP/AVP 0\r\n", "m=: bad port count" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000/ RTP/AVP 0\r\n", "m=: bad port count" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 08\r\n", "m=: bad payload type" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 128\r\n", "m=: bad payload type" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0 x\r\n", "m=: bad payload type" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0\r\n",
	  "a=rtpmap: a field is missing" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:00 PCMU/8000\r\n",
	  "a=rtpmap: bad payload type" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n",
	  "a=rtpmap: no encoding/clock" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 /8000\r\n",
	  "a=rtpmap: no encoding/clock" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/08000\r\n",
	  "a=rtpmap: bad clock rate" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/0\r\n",
	  "a=rtpmap: bad clock rate" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/1000001\r\n",
	  "a=rtpmap: bad clock rate" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/\r\n",
	  "a=rtpmap: bad clock rate" },
	{ V0 "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000 x\r\n",
	  "a=rtpmap: more than two fields" },
	{ V0 "m=audio 5000 RTP/AVP 0\r\n", "an audio stream with a port and no c=" },
};

static void invalid(void)
{
	for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		if (parse(c->text) != SDP_INVALID) {
			fprintf(stderr, "invalid case %zu parsed\n", i);
			CHECK(0);
			continue;
		}
		CHECK_STR(sdp.error, c->error);
	}
}

/* A NUL inside an address does not end it where inet_pton would. */
static void nul_in_address(void)
{
	static const char text[] = V0 "c=IN IP4 1.2.3.4\0\r\n";

	CHECK_EQ(sdp_parse(text, sizeof(text) - 1, &sdp), SDP_INVALID);
	CHECK_STR(sdp.error, "c=: address not a literal of its type");
}

/* A line of SDP_LINE_MAX bytes is read; one byte more is invalid. */
static void line_length(void)
{
	size_t head = strlen("v=0\r\na=");
	size_t len = head + SDP_LINE_MAX;
	char *text = malloc(len + 1);

	memcpy(text, "v=0\r\na=", head);
	memset(text + head, 'x', SDP_LINE_MAX - 2);
	CHECK_EQ(sdp_parse(text, head + SDP_LINE_MAX - 2, &sdp), SDP_OK);
	text[head + SDP_LINE_MAX - 2] = 'x';
	text[head + SDP_LINE_MAX - 1] = 'x';
	CHECK_EQ(sdp_parse(text, len, &sdp), SDP_INVALID);
	CHECK_STR(sdp.error, "a line longer than SDP_LINE_MAX");
	free(text);
}

/* The bounds: formats and audio m-lines past them are counted, not kept. */
static void bounds(void)
{
	char text[1024] = V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP";

	for (int pt = 96; pt < 96 + SDP_MAX_FORMATS + 2; pt++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), " %d", pt);
	strcat(text, "\r\n");
	for (int i = 1; i < SDP_MAX_AUDIO + 2; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "m=audio %d RTP/AVP 0\r\n", 5000 + 2 * i);
	CHECK_EQ(parse(text), SDP_OK);
	CHECK_EQ(sdp.audio[0].n_formats, SDP_MAX_FORMATS);
	CHECK(sdp.audio[0].formats_cut);
	CHECK_EQ(sdp.n_audio, SDP_MAX_AUDIO);
	CHECK(sdp.audio_cut);
	CHECK_EQ(sdp.n_mlines, SDP_MAX_AUDIO + 2);
	/* every byte cut off the end still gives a verdict, read in bounds */
	for (size_t n = 0; n <= strlen(text); n++) {
		char *copy = malloc(n ? n : 1);

		memcpy(copy, text, n);
		sdp_parse(copy, n, &sdp);
		free(copy);
	}
}

static void statics_and_voice(void)
{
	struct sdp_format f;

	CHECK(sdp_static(0, &f));
	CHECK_STR(f.encoding, "PCMU");
	CHECK_EQ(f.clock, 8000);
	CHECK(sdp_static(8, &f) && f.codec == SDP_CODEC_PCMA && f.clock == 8000);
	CHECK(sdp_static(9, &f) && f.codec == SDP_CODEC_G722 && f.clock == 8000);
	CHECK(sdp_static(18, &f) && f.codec == SDP_CODEC_G729 && f.clock == 8000);
	CHECK(sdp_static(13, &f) && f.codec == SDP_CODEC_CN);
	CHECK(sdp_static(10, &f) && f.clock == 44100);
	CHECK(!sdp_static(2, &f));
	CHECK(!sdp_static(96, &f));

	CHECK_EQ(parse(V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP 101 13 18\r\n"
		       "a=rtpmap:101 telephone-event/8000\r\n"), SDP_OK);
	CHECK(sdp_voice(&sdp.audio[0]) == &sdp.audio[0].formats[2]);
	CHECK_EQ(parse(V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP 101\r\n"
		       "a=rtpmap:101 telephone-event/8000\r\n"), SDP_OK);
	CHECK(sdp_voice(&sdp.audio[0]) == NULL);
	CHECK_STR(sdp_codec_name(SDP_CODEC_G722), "G722");
	CHECK_STR(sdp_codec_name(SDP_CODEC_OTHER), "other");
	CHECK_STR(sdp_proto_name(SDP_PROTO_RTP_SAVPF), "RTP/SAVPF");
	CHECK_STR(sdp_dir_name(SDP_RECVONLY), "recvonly");
}

/* Hold: the RFC 2543 address 0.0.0.0, port 0 and non-RTP carry no media. */
static void live(void)
{
	CHECK_EQ(parse(V0 "c=IN IP4 0.0.0.0\r\nm=audio 5000 RTP/AVP 0\r\n"), SDP_OK);
	CHECK(!sdp_stream_live(&sdp.audio[0]));
	CHECK_EQ(parse(V0 "c=IN IP4 192.0.2.1\r\nm=audio 0 RTP/AVP 0\r\n"), SDP_OK);
	CHECK(!sdp_stream_live(&sdp.audio[0]));
	CHECK_EQ(parse(V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 udptl t38\r\n"), SDP_OK);
	CHECK(!sdp_stream_live(&sdp.audio[0]));
	CHECK_EQ(parse(V0 "c=IN IP6 ::\r\nm=audio 5000 RTP/AVP 0\r\n"), SDP_OK);
	CHECK(sdp_stream_live(&sdp.audio[0]));
	CHECK_EQ(parse(V0 "c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP 0\r\na=inactive\r\n"), SDP_OK);
	CHECK(sdp_stream_live(&sdp.audio[0]));	/* held, not dead: the direction says so */
}

/* The SDP of a message: its body, or the SDP part of a multipart body. */
static void sdp_of_message(void)
{
	static const struct {
		const char *name;
		const char *content_type;	/* the header line, CRLF added */
		const char *body;
		const char *sdp;		/* NULL: none */
	} cases[] = {
		{ "plain", "Content-Type: application/sdp", "v=0\r\n", "v=0\r\n" },
		{ "any case, parameter", "c: Application/SDP;charset=x", "v=0\r\n", "v=0\r\n" },
		{ "not sdp", "Content-Type: application/sdpx", "v=0\r\n", NULL },
		{ "SIP-I: SDP then ISUP",
		  "Content-Type: multipart/mixed;boundary=unique-boundary-1",
		  "--unique-boundary-1\r\nContent-Type: application/SDP\r\n\r\nv=0\r\nm=audio 4000 "
		  "RTP/AVP 8\r\n\r\n--unique-boundary-1\r\nContent-Type: application/ISUP;"
		  "version=itu-t92+\r\n\r\n\x01\x00\x49\r\n--unique-boundary-1--\r\n",
		  "v=0\r\nm=audio 4000 RTP/AVP 8\r\n" },
		{ "quoted boundary, preamble, SDP second",
		  "Content-Type: Multipart/Mixed ; boundary=\"b 1\"",
		  "preamble\r\n--b 1\r\ncontent-type:text/plain\r\n\r\nhi\r\n--b 1\r\n"
		  "Content-Type :application/sdp\r\nContent-Disposition: session\r\n\r\nv=0\r\n"
		  "\r\n--b 1--", "v=0\r\n" },
		{ "no SDP part", "Content-Type: multipart/mixed;boundary=x",
		  "--x\r\nContent-Type: application/isup\r\n\r\nab\r\n--x--\r\n", NULL },
		{ "a boundary inside a line is not a delimiter",
		  "Content-Type: multipart/mixed;boundary=x",
		  "--x\r\nContent-Type: application/sdp\r\n\r\nv=0 --x\r\n--x--", "v=0 --x" },
		{ "cut short: the part runs to the end", "Content-Type: multipart/mixed;boundary=x",
		  "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=au", "v=0\r\nm=au" },
		{ "part without an empty line", "Content-Type: multipart/mixed;boundary=x",
		  "--x\r\nContent-Type: application/sdp\r\nv=0", NULL },
		{ "no boundary", "Content-Type: multipart/mixed", "--x\r\n", NULL },
		{ "boundary over 70 bytes", "Content-Type: multipart/mixed;boundary="
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  "--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
		  "Content-Type: application/sdp\r\n\r\nv=0", NULL },
		{ "close delimiter first", "Content-Type: multipart/mixed;boundary=x",
		  "--x--\r\n--x\r\nContent-Type: application/sdp\r\n\r\nv=0", NULL },
		{ "empty body", "Content-Type: application/sdp", "", NULL },
	};
	static char buf[2048];
	struct sip_msg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_span out = { 0 };
		bool got;
		int n = snprintf(buf, sizeof(buf), "INVITE sip:b@x SIP/2.0\r\nCall-ID: 1\r\n"
				 "CSeq: 1 INVITE\r\n%s\r\nContent-Length: %zu\r\n\r\n%s",
				 cases[i].content_type, strlen(cases[i].body), cases[i].body);

		sip_parse(buf, (size_t)n, &m);
		got = sip_sdp_body(&m, &out);
		if (!cases[i].sdp) {
			if (got)
				fprintf(stderr, "case '%s': found SDP\n", cases[i].name);
			CHECK(!got);
			continue;
		}
		if (!got || out.len != strlen(cases[i].sdp) || memcmp(out.p, cases[i].sdp, out.len))
			fprintf(stderr, "case '%s': got %d '%.*s'\n", cases[i].name, got,
				(int)out.len, out.p);
		CHECK(got && out.len == strlen(cases[i].sdp) && !memcmp(out.p, cases[i].sdp, out.len));
	}
}

TEST_MAIN("sdp",
	  TEST(valid),
	  TEST(invalid),
	  TEST(nul_in_address),
	  TEST(line_length),
	  TEST(bounds),
	  TEST(statics_and_voice),
	  TEST(live),
	  TEST(sdp_of_message))
