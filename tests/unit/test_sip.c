// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdint.h>
#include <stdlib.h>
#include "sipmsg.h"
#include "testlib.h"

static struct sip_msg msg;

/* A span as a string, for CHECK_STR; "(none)" for a span with no bytes. */
static const char *str(struct sip_span s)
{
	static char buf[4][256];
	static unsigned int next;
	char *b = buf[next++ % 4];

	if (!s.p)
		return "(none)";
	snprintf(b, sizeof(buf[0]), "%.*s", (int)s.len, s.p);
	return b;
}

static enum sip_kind parse(const char *text)
{
	return sip_parse(text, strlen(text), &msg);
}

struct start_case {
	const char *bytes;
	enum sip_kind kind;
	__u8 method;		/* requests */
	__u16 status;		/* responses */
};

#define REQ(bytes, m)		{ bytes, SIP_REQUEST, SIPXDP_M_##m, 0 }
#define RESP(bytes, code)	{ bytes, SIP_RESPONSE, 0, code }
#define KIND(bytes, k)		{ bytes, SIP_##k, 0, 0 }

static const struct start_case start_cases[] = {
	REQ("INVITE sip:a@x SIP/2.0\r\n", INVITE),
	REQ("INVITE sip:a@x SIP/2.0\n", INVITE),
	REQ("INVITE sip:a@x sip/2.0\r\n", INVITE),	/* SIP in any case */
	REQ("INVITE sip:a@x SiP/2.0\r\n", INVITE),
	REQ("ACK sip:a@x SIP/2.0\r\n", ACK),
	REQ("BYE sip:a@x SIP/2.0\r\n", BYE),
	REQ("CANCEL sip:a@x SIP/2.0\r\n", CANCEL),
	REQ("REGISTER sip:x SIP/2.0\r\n", REGISTER),
	REQ("OPTIONS sip:x SIP/2.0\r\n", OPTIONS),
	REQ("PRACK sip:x SIP/2.0\r\n", PRACK),
	REQ("SUBSCRIBE sip:x SIP/2.0\r\n", SUBSCRIBE),
	REQ("NOTIFY sip:x SIP/2.0\r\n", NOTIFY),
	REQ("PUBLISH sip:x SIP/2.0\r\n", PUBLISH),
	REQ("INFO sip:x SIP/2.0\r\n", INFO),
	REQ("REFER sip:x SIP/2.0\r\n", REFER),
	REQ("MESSAGE sip:x SIP/2.0\r\n", MESSAGE),
	REQ("UPDATE sip:x SIP/2.0\r\n", UPDATE),
	/* Names sipxdp does not know, or known names not followed by SP. */
	REQ("NEWMETHOD sip:x SIP/2.0\r\n", OTHER),
	REQ("INVITEX sip:x SIP/2.0\r\n", OTHER),
	REQ("SUBSCRIB sip:x SIP/2.0\r\n", OTHER),
	REQ("INVITE\tsip:x SIP/2.0\r\n", OTHER),
	REQ("X sip:abc SIP/2.0\r\n", OTHER),
	/* Keep-alive CRLFs before the start line. */
	REQ("\r\n\r\n\nOPTIONS sip:x SIP/2.0\r\n", OPTIONS),
	/* The line ends at LF; only one CR is stripped. */
	KIND("INVITE sip:a@x SIP/2.0\r\r\n", NOT_SIP),
	/* Methods are case-sensitive; the first byte must be A..Z. */
	KIND("invite sip:a@x SIP/2.0\r\n", NOT_SIP),
	KIND("1NVITE sip:a@x SIP/2.0\r\n", NOT_SIP),
	/* Other versions, trailing blanks: SIP gone wrong. */
	KIND("INVITE sip:a@x SIP/7.0\r\n", MALFORMED),
	KIND("INVITE sip:a@x SIP/2.1\r\n", MALFORMED),
	KIND("XY SIP/3.0\r\n", MALFORMED),
	KIND("INVITE sip:a@x SIP/2.0 \r\n", MALFORMED),
	KIND("INVITE sip:a@x sip/2.0\t \t\r\n", MALFORMED),
	/* Lines that are not SIP at all. */
	KIND("GET / HTTP/1.1\r\n", NOT_SIP),
	KIND("INVITE sip:a@x SIP/20\r\n", NOT_SIP),
	KIND("A SIP/2.0\r\n", NOT_SIP),		/* under 12 bytes */
	KIND("INVITE sip:a@xSIP/2.0\r\n", NOT_SIP),
	KIND("hello\r\n", NOT_SIP),
	KIND("\r\n\r\n", NOT_SIP),
	KIND("", NOT_SIP),
	KIND("\x80INVITE sip:x SIP/2.0\r\n", NOT_SIP),
	/* No line end: truncated when a known method starts it. */
	{ "INVITE sip:a@x SIP/2.0", SIP_TRUNCATED, SIPXDP_M_INVITE, 0 },
	{ "ACK ", SIP_TRUNCATED, SIPXDP_M_ACK, 0 },
	KIND("INVITE", NOT_SIP),		/* no SP after the name yet */
	KIND("FOO sip:a@x SIP/2.0", NOT_SIP),
	/* Responses. */
	RESP("SIP/2.0 200 OK\r\n", 200),
	RESP("sip/2.0 180 Ringing\r\n", 180),
	RESP("SIP/2.0 100\r\n", 100),
	RESP("SIP/2.0 699\n", 699),
	RESP("SIP/2.0 302 \r\n", 302),
	RESP("\r\nSIP/2.0 486 Busy Here\r\n", 486),
	KIND("SIP/2.0 700 Nope\r\n", MALFORMED),
	KIND("SIP/2.0 099 Nope\r\n", MALFORMED),
	KIND("SIP/2.0 2x0 OK\r\n", MALFORMED),
	KIND("SIP/2.0 2000 OK\r\n", MALFORMED),
	KIND("SIP/2.0 20", TRUNCATED),
	KIND("SIP/2.0 2x", MALFORMED),
	KIND("SIP/2.0 ", TRUNCATED),
	KIND("SIP/2.0 200", TRUNCATED),
	KIND("SIP/2.0 900", TRUNCATED),		/* the code is judged once the byte after is there */
	KIND("SIP/2.0 200 OK", TRUNCATED),	/* no line end */
	KIND("SIP/2", TRUNCATED),
	KIND("s", TRUNCATED),
	KIND("\r\nSI", TRUNCATED),
	KIND("SIP/3.0 200 OK\r\n", NOT_SIP),
	KIND("SIP/2.0\t200 OK\r\n", NOT_SIP),
	KIND("SIPS", NOT_SIP),
};

static void start_lines(void)
{
	for (size_t i = 0; i < sizeof(start_cases) / sizeof(start_cases[0]); i++) {
		const struct start_case *c = &start_cases[i];
		enum sip_kind kind = parse(c->bytes);

		if (kind != c->kind)
			fprintf(stderr, "start line %zu: \"%s\"\n", i, c->bytes);
		CHECK_EQ(kind, c->kind);
		if (c->kind == SIP_REQUEST || (c->kind == SIP_TRUNCATED && c->method))
			CHECK_EQ(msg.method, c->method);
		if (c->kind == SIP_RESPONSE)
			CHECK_EQ(msg.status, c->status);
	}
}

static void start_line_spans(void)
{
	CHECK_EQ(parse("\r\n\r\nINVITE sip:bob@x;transport=tcp SIP/2.0\r\n\r\n"), SIP_REQUEST);
	CHECK_EQ(msg.start, 4);
	CHECK_STR(str(msg.method_name), "INVITE");
	CHECK_STR(str(msg.uri), "sip:bob@x;transport=tcp");
	CHECK(msg.headers_ended);
	CHECK_EQ(msg.n_headers, 0);

	/* uri: between the first SP and the last one. */
	CHECK_EQ(parse("FOO  sip:x  SIP/2.0\r\n"), SIP_REQUEST);
	CHECK_STR(str(msg.method_name), "FOO");
	CHECK_STR(str(msg.uri), " sip:x ");
	CHECK_EQ(parse("NOSPACE SIP/2.0\r\n"), SIP_REQUEST);
	CHECK_STR(str(msg.method_name), "NOSPACE");
	CHECK_EQ(msg.uri.len, 0);

	CHECK_EQ(parse("SIP/2.0 183 Session Progress\r\n"), SIP_RESPONSE);
	CHECK_STR(str(msg.reason), "Session Progress");
	CHECK_EQ(parse("SIP/2.0 200\r\n"), SIP_RESPONSE);
	CHECK_EQ(msg.reason.len, 0);
	CHECK_EQ(parse("SIP/2.0 200 \n"), SIP_RESPONSE);
	CHECK_EQ(msg.reason.len, 0);
}

#define RESPONSE_200 "SIP/2.0 200 OK\r\n"

static void compact_forms_and_any_case(void)
{
	static const struct {
		const char *name;
		enum sip_hdr id;
	} names[] = {
		{ "i", SIP_H_CALL_ID }, { "Call-ID", SIP_H_CALL_ID }, { "CALL-id", SIP_H_CALL_ID },
		{ "CSeq", SIP_H_CSEQ }, { "cseq", SIP_H_CSEQ },
		{ "f", SIP_H_FROM }, { "From", SIP_H_FROM }, { "t", SIP_H_TO }, { "TO", SIP_H_TO },
		{ "v", SIP_H_VIA }, { "vIA", SIP_H_VIA }, { "m", SIP_H_CONTACT },
		{ "Contact", SIP_H_CONTACT }, { "l", SIP_H_CONTENT_LENGTH },
		{ "content-LENGTH", SIP_H_CONTENT_LENGTH }, { "c", SIP_H_CONTENT_TYPE },
		{ "Content-Type", SIP_H_CONTENT_TYPE }, { "Expires", SIP_H_EXPIRES },
		{ "Reason", SIP_H_REASON }, { "y", SIP_H_IDENTITY }, { "Identity", SIP_H_IDENTITY },
		{ "User-Agent", SIP_H_USER_AGENT },
		{ "P-Asserted-Identity", SIP_H_P_ASSERTED_IDENTITY },
		{ "Authorization", SIP_H_AUTHORIZATION },
		{ "Proxy-Authorization", SIP_H_PROXY_AUTHORIZATION },
		/* Compact forms of headers sipxdp does not name, and near misses. */
		{ "e", SIP_H_OTHER }, { "k", SIP_H_OTHER }, { "s", SIP_H_OTHER },
		{ "o", SIP_H_OTHER }, { "r", SIP_H_OTHER }, { "u", SIP_H_OTHER },
		{ "x", SIP_H_OTHER }, { "b", SIP_H_OTHER }, { "Tos", SIP_H_OTHER },
		{ "Call-IDs", SIP_H_OTHER }, { "Call_ID", SIP_H_OTHER }, { "Content", SIP_H_OTHER },
		{ "Max-Forwards", SIP_H_OTHER }, { "Call\rID", SIP_H_OTHER },
	};
	char text[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), RESPONSE_200 "%s: value\r\n\r\n", names[i].name);
		CHECK_EQ(parse(text), SIP_RESPONSE);
		CHECK_EQ(msg.n_headers, 1);
		if (msg.headers[0].id != names[i].id)
			fprintf(stderr, "header name \"%s\"\n", names[i].name);
		CHECK_EQ(msg.headers[0].id, names[i].id);
		CHECK_STR(str(msg.headers[0].name), names[i].name);
		CHECK_STR(str(msg.headers[0].value), "value");
	}
}

static void blanks_folding_and_lines(void)
{
	const char *text = RESPONSE_200
		"Call-ID \t:  \t abc@x \t \r\n"
		"To:\r\n <sip:b@y>\r\n\t;tag=42\r\n"
		"not a header\r\n"
		"Bad Name: x\r\n"
		": no name\r\n"
		"Subject:\r\n"
		"Via: SIP/2.0/UDP x\n"			/* LF alone ends a line too */
		"\r\n"
		"body";

	CHECK_EQ(parse(text), SIP_RESPONSE);
	CHECK_EQ(msg.n_headers, 4);
	CHECK_STR(str(msg.headers[0].name), "Call-ID");
	CHECK_STR(str(sip_call_id(&msg)), "abc@x");
	/* Continuation lines stay inside the value, as they came. */
	CHECK_STR(str(msg.headers[1].value), "<sip:b@y>\r\n\t;tag=42");
	CHECK_EQ(msg.headers[2].value.len, 0);
	CHECK_STR(str(msg.headers[2].name), "Subject");
	CHECK_EQ(msg.headers[3].id, SIP_H_VIA);
	CHECK(msg.headers_ended);
	CHECK_STR(str(msg.body), "body");
	CHECK(!msg.has_content_length);

	/* Headers without their empty line; a last line cut before its LF is not indexed. */
	CHECK_EQ(parse(RESPONSE_200 "i: a\r\nCSeq: 1 INV"), SIP_RESPONSE);
	CHECK_EQ(msg.n_headers, 1);
	CHECK(!msg.headers_ended);
	CHECK_EQ(msg.body.len, 0);
	/* Nor is a header whose continuation line is cut. */
	CHECK_EQ(parse(RESPONSE_200 "i: a\r\n b"), SIP_RESPONSE);
	CHECK_EQ(msg.n_headers, 0);
	/* A blank line right after the start line is not a header. */
	CHECK_EQ(parse(RESPONSE_200 " i: a\r\nl: 0\r\n\r\n"), SIP_RESPONSE);
	CHECK_EQ(msg.n_headers, 1);
	CHECK_EQ(msg.headers[0].id, SIP_H_CONTENT_LENGTH);
}

static void several_headers_and_find(void)
{
	const char *text = RESPONSE_200
		"Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b;branch=z9hG4bK2\r\n"
		"v: SIP/2.0/UDP c\r\n"
		"Contact: <sip:a@x>;q=0.9, \"Doe, John\" <sip:j@x>\r\n"
		"Max-Forwards: 70\r\n"
		"m: sip:b@y;expires=60, *\r\n"
		"\r\n";
	const struct sip_header *h;
	struct sip_span uris[8], item;
	size_t n = 0, pos = 0;
	const char *want[] = { "sip:a@x", "sip:j@x", "sip:b@y", "*" };

	CHECK_EQ(parse(text), SIP_RESPONSE);
	CHECK_EQ(msg.n_headers, 5);
	for (h = sip_find(&msg, SIP_H_VIA, NULL); h; h = sip_find(&msg, SIP_H_VIA, h)) {
		pos = 0;
		while (sip_next_item(h->value, &pos, &item))
			n++;
	}
	CHECK_EQ(n, 3);
	CHECK(!sip_find(&msg, SIP_H_CSEQ, NULL));
	n = sip_contacts(&msg, uris, 8);
	CHECK_EQ(n, 4);
	for (size_t i = 0; i < n && i < 4; i++)
		CHECK_STR(str(uris[i]), want[i]);
	CHECK_EQ(sip_contacts(&msg, uris, 2), 2);
	CHECK_EQ(sip_contacts(&msg, uris, 0), 0);
}

static void too_many_headers(void)
{
	static char text[16384];
	size_t at = (size_t)snprintf(text, sizeof(text), RESPONSE_200);

	for (int i = 0; i < SIP_MAX_HEADERS + 10; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "X-H%d: %d\r\n", i, i);
	snprintf(text + at, sizeof(text) - at, "Content-Length: 2\r\n\r\nabcd");
	CHECK_EQ(parse(text), SIP_RESPONSE);
	CHECK_EQ(msg.n_headers, SIP_MAX_HEADERS);
	CHECK(msg.headers_cut);
	/* The headers past the index still end, and their Content-Length counts. */
	CHECK(msg.headers_ended);
	CHECK(msg.has_content_length);
	CHECK_STR(str(msg.body), "ab");
}

struct item_case {
	const char *value;
	const char *items[5];	/* NULL-terminated */
	const char *uris[5];
};

static const struct item_case item_cases[] = {
	{ "<sip:a@x>", { "<sip:a@x>" }, { "sip:a@x" } },
	{ " \t<sip:a@x> \t, \t sip:b@y \t;q=1", { "<sip:a@x>", "sip:b@y \t;q=1" },
	  { "sip:a@x", "sip:b@y" } },
	/* Commas inside quotes, inside <...>, in a quoted parameter value. */
	{ "\"Doe, John <boss>\" <sip:john@x>;q=0.1, sip:k@y",
	  { "\"Doe, John <boss>\" <sip:john@x>;q=0.1", "sip:k@y" }, { "sip:john@x", "sip:k@y" } },
	{ "<sip:a@x?Subject=a,b>, <sip:b@y>", { "<sip:a@x?Subject=a,b>", "<sip:b@y>" },
	  { "sip:a@x?Subject=a,b", "sip:b@y" } },
	{ "sip:a@x;p=\"1,2\",sip:b@y", { "sip:a@x;p=\"1,2\"", "sip:b@y" }, { "sip:a@x", "sip:b@y" } },
	/* Escaped quotes and backslashes do not end a quoted string. */
	{ "\"a\\\",<b\" <sip:x@y>", { "\"a\\\",<b\" <sip:x@y>" }, { "sip:x@y" } },
	{ "\"a\\\\\" <sip:x@y>, <sip:z>", { "\"a\\\\\" <sip:x@y>", "<sip:z>" },
	  { "sip:x@y", "sip:z" } },
	/* A '<' among a bare URI's parameters is not a name-addr. */
	{ "sip:bob@x;p=<y,z>", { "sip:bob@x;p=<y", "z>" }, { "sip:bob@x", "z>" } },
	{ "*", { "*" }, { "*" } },
	{ ",, ,\t,sip:a@x,,", { "sip:a@x" }, { "sip:a@x" } },
	{ "<>, ;q=1", { "<>", ";q=1" }, { "", "" } },
	{ "< sip:a@x >", { "< sip:a@x >" }, { "sip:a@x" } },
	/* Cut short: the URI runs to the end; an open quote takes the rest. */
	{ "<sip:alice@192.0.2", { "<sip:alice@192.0.2" }, { "sip:alice@192.0.2" } },
	{ "\"open, <sip:a@x>, sip:b", { "\"open, <sip:a@x>, sip:b" }, { "\"open, <sip:a@x>, sip:b" } },
	/* A folded value: line ends are blanks too. */
	{ "<sip:a@x>,\r\n sip:b@y", { "<sip:a@x>", "sip:b@y" }, { "sip:a@x", "sip:b@y" } },
	{ "", { NULL }, { NULL } },
};

static void items_and_uris(void)
{
	for (size_t c = 0; c < sizeof(item_cases) / sizeof(item_cases[0]); c++) {
		const struct item_case *ic = &item_cases[c];
		struct sip_span value = { ic->value, strlen(ic->value) }, item;
		size_t pos = 0, n = 0;

		while (sip_next_item(value, &pos, &item)) {
			CHECK(item.p >= value.p && item.p + item.len <= value.p + value.len);
			CHECK(n < 4 && ic->items[n]);
			if (n >= 4 || !ic->items[n])
				break;
			CHECK_STR(str(item), ic->items[n]);
			CHECK_STR(str(sip_item_uri(item)), ic->uris[n]);
			n++;
		}
		CHECK(!ic->items[n]);
		CHECK_EQ(pos, value.len);
		CHECK(!sip_next_item(value, &pos, &item));
	}
}

static void params(void)
{
	struct sip_span v;
	struct sip_span item = { "\"A;tag=no\" <sip:a@x;tag=uri> ; TAG = \"q;\\\"\" ;lr;x=1", 0 };

	item.len = strlen(item.p);
	CHECK(sip_item_param(item, "tag", &v));
	CHECK_STR(str(v), "\"q;\\\"\"");
	CHECK(sip_item_param(item, "lr", &v));
	CHECK_EQ(v.len, 0);
	CHECK(sip_item_param(item, "X", &v));
	CHECK_STR(str(v), "1");
	CHECK(!sip_item_param(item, "transport", &v));
	CHECK(!sip_item_param(item, "ta", &v));

	item.p = "sip:a@x;transport=tcp;expires=60";
	item.len = strlen(item.p);
	CHECK(sip_item_param(item, "expires", &v));
	CHECK_STR(str(v), "60");
	CHECK(sip_item_param(item, "transport", &v));	/* a bare URI's parameters are the header's */
	CHECK_STR(str(v), "tcp");
	item.p = "<sip:a@x;expires=1";			/* no '>': no header parameters */
	item.len = strlen(item.p);
	CHECK(!sip_item_param(item, "expires", &v));
}

/* RFC 3326: each reason-value counts by its protocol and cause; a cause
 * outside its range, a missing one, another protocol: nothing. */
static void reason_causes(void)
{
	static const struct {
		const char *value;
		int proto[4];	/* -1: the item gives no cause */
		unsigned int cause[4];
		int n;
	} cases[] = {
		{ "Q.850;cause=16;text=\"Normal call clearing\"", { SIP_REASON_Q850 }, { 16 }, 1 },
		{ "q.850 ; CAUSE = 0127", { SIP_REASON_Q850 }, { 127 }, 1 },
		{ "SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=31",
		  { SIP_REASON_SIP, SIP_REASON_Q850 }, { 200, 31 }, 2 },
		{ "Q.850;cause=0, Q.850;cause=128, SIP;cause=99, SIP;cause=700",
		  { -1, -1, -1, -1 }, { 0 }, 4 },
		{ "Q.850;text=\"cause=16\", Q.850;cause=\"16\", Q.850;cause=1x, Q.850;cause=",
		  { -1, -1, -1, -1 }, { 0 }, 4 },
		{ "X.int;cause=16, Q.8500;cause=16, SIPS;cause=200", { -1, -1, -1 }, { 0 }, 3 },
		{ "Q.850;cause=99999999999999999999999", { -1 }, { 0 }, 1 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct sip_span value = { cases[c].value, strlen(cases[c].value) }, item;
		size_t pos = 0;
		int n = 0;

		while (sip_next_item(value, &pos, &item)) {
			enum sip_reason_protocol proto;
			unsigned int cause = 0;
			bool found = sip_reason_cause(item, &proto, &cause);

			CHECK(n < 4);
			if (n >= 4)
				break;
			CHECK_EQ(found, cases[c].proto[n] >= 0);
			if (found && cases[c].proto[n] >= 0) {
				CHECK_EQ(proto, cases[c].proto[n]);
				CHECK_EQ(cause, cases[c].cause[n]);
			}
			n++;
		}
		CHECK_EQ(n, cases[c].n);
	}
	CHECK_STR(sip_reason_protocol_name(SIP_REASON_Q850), "q850");
	CHECK_STR(sip_reason_protocol_name(SIP_REASON_SIP), "sip");
}

static void to_and_from_tags(void)
{
	struct sip_span tag;

	CHECK_EQ(parse(RESPONSE_200 "To: \"B;tag=x\" <sip:b@y;tag=uri>;foo=1 ; Tag = abc \r\n"
		       "f: <sip:a@x>;tag=9fxced76sl\r\nt: <sip:c@z>;tag=second\r\n\r\n"),
		 SIP_RESPONSE);
	CHECK(sip_to_tag(&msg, &tag));
	CHECK_STR(str(tag), "abc");
	CHECK(sip_from_tag(&msg, &tag));
	CHECK_STR(str(tag), "9fxced76sl");
	/* The first To decides: a second one's tag is not taken. */
	CHECK_EQ(parse(RESPONSE_200 "To: <sip:b@y;tag=uri>\r\nTo: <sip:b@y>;tag=2\r\n\r\n"),
		 SIP_RESPONSE);
	CHECK(!sip_to_tag(&msg, &tag));
	CHECK(!sip_from_tag(&msg, &tag));
	CHECK_EQ(parse(RESPONSE_200 "To: sip:b@y;tag=bare\r\n\r\n"), SIP_RESPONSE);
	CHECK(sip_to_tag(&msg, &tag));
	CHECK_STR(str(tag), "bare");
	CHECK_EQ(parse(RESPONSE_200 "To: <sip:b@y>;tag=\r\n\r\n"), SIP_RESPONSE);
	CHECK(!sip_to_tag(&msg, &tag));
}

/* The user part of a URI, and of the first To: what the suspect table
 * counts as the user a request tried. */
static void uri_users(void)
{
	static const struct {
		const char *uri, *user;
	} cases[] = {
		{ "sip:1000@pbx", "1000" },
		{ "SIPS:alice@example.com:5061", "alice" },
		{ "sip:bob:secret@host", "bob" },
		{ "sip:+4930123;npdi@gw", "+4930123;npdi" },
		{ "tel:+15551234;phone-context=x", "+15551234" },
		{ "TEL:911", "911" },
		{ "sip:pbx.example.com", "(none)" },
		{ "sip:@host", "" },	/* empty: no user either */
		{ "http://x@y", "(none)" },
		{ "sip", "(none)" },
		{ "", "(none)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_span uri = { cases[i].uri, strlen(cases[i].uri) };

		CHECK_STR(str(sip_uri_user(uri)), cases[i].user);
	}
	CHECK_EQ(parse(RESPONSE_200 "t: \"A, B\" <sip:2001@pbx;user=phone>;tag=1\r\n"
		       "To: <sip:other@pbx>\r\n\r\n"), SIP_RESPONSE);
	CHECK_STR(str(sip_to_user(&msg)), "2001");
	CHECK_EQ(parse(RESPONSE_200 "To: sip:pbx\r\n\r\n"), SIP_RESPONSE);
	CHECK_EQ(sip_to_user(&msg).len, 0);
	CHECK_EQ(parse(RESPONSE_200 "\r\n"), SIP_RESPONSE);
	CHECK_EQ(sip_to_user(&msg).len, 0);
}

struct cseq_case {
	const char *value;
	bool ok;
	__u32 num;
	__u8 method;
};

static const struct cseq_case cseq_cases[] = {
	{ "1 INVITE", true, 1, SIPXDP_M_INVITE },
	{ "4294967295 BYE", true, 0xffffffffu, SIPXDP_M_BYE },
	{ "00000000000000000035 ACK", true, 35, SIPXDP_M_ACK },
	{ "4294967296 INVITE", false, 0, 0 },		/* one above the max */
	{ "99999999999999999999999 INVITE", false, 0, 0 },
	{ "-1 INVITE", false, 0, 0 },
	{ "INVITE", false, 0, 0 },
	{ "7 \t\r\n INVITE", true, 7, SIPXDP_M_INVITE },
	{ "7\tSUBSCRIBE", true, 7, SIPXDP_M_SUBSCRIBE },
	{ "7 INVITEX", true, 7, SIPXDP_M_OTHER },
	{ "7 invite", true, 7, SIPXDP_M_OTHER },
	{ "7 NEWMETHOD", true, 7, SIPXDP_M_OTHER },
	{ "7 INVITE extra", true, 7, SIPXDP_M_INVITE },
	{ "7", false, 0, 0 },				/* no method */
	{ "7   ", false, 0, 0 },
	{ "7INVITE", false, 0, 0 },			/* no LWS */
	{ "4x INVITE", false, 0, 0 },
};

static void cseq(void)
{
	char text[256];
	__u32 num;
	__u8 method;

	for (size_t i = 0; i < sizeof(cseq_cases) / sizeof(cseq_cases[0]); i++) {
		const struct cseq_case *c = &cseq_cases[i];

		snprintf(text, sizeof(text), RESPONSE_200 "CSeq: %s\r\n\r\n", c->value);
		CHECK_EQ(parse(text), SIP_RESPONSE);
		num = 12345;
		method = 99;
		CHECK_EQ(sip_cseq(&msg, &num, &method), c->ok);
		CHECK_EQ(num, c->ok ? c->num : 12345);
		CHECK_EQ(method, c->ok ? c->method : 99);
	}
	/* The first CSeq decides, valid or not. */
	CHECK_EQ(parse(RESPONSE_200 "CSeq: x INVITE\r\nCSeq: 2 BYE\r\n\r\n"), SIP_RESPONSE);
	CHECK(!sip_cseq(&msg, &num, &method));
	CHECK_EQ(parse(RESPONSE_200 "Via: x\r\n\r\n"), SIP_RESPONSE);
	CHECK(!sip_cseq(&msg, &num, &method));
}

static void uints(void)
{
	__u64 v = 7;

	CHECK(sip_parse_uint((struct sip_span){ "00000000000000000035", 20 }, 0xffffffff, &v));
	CHECK_EQ(v, 35);
	CHECK(sip_parse_uint((struct sip_span){ "4294967295", 10 }, 0xffffffff, &v));
	CHECK_EQ(v, 0xffffffffu);
	v = 7;
	CHECK(!sip_parse_uint((struct sip_span){ "4294967296", 10 }, 0xffffffff, &v));
	CHECK(!sip_parse_uint((struct sip_span){ "18446744073709551615", 20 }, 0xffffffff, &v));
	CHECK(!sip_parse_uint((struct sip_span){ "18446744073709551616", 20 }, UINT64_MAX, &v));
	CHECK(!sip_parse_uint((struct sip_span){ "", 0 }, 10, &v));
	CHECK(!sip_parse_uint((struct sip_span){ "1 ", 2 }, 10, &v));
	CHECK(!sip_parse_uint((struct sip_span){ "+1", 2 }, 10, &v));
	CHECK(!sip_parse_uint((struct sip_span){ "5", 1 }, 0, &v));
	CHECK(!sip_parse_uint((struct sip_span){ "11", 2 }, 10, &v));
	CHECK_EQ(v, 7);	/* nothing written when invalid */
	CHECK(sip_parse_uint((struct sip_span){ "18446744073709551615", 20 }, UINT64_MAX, &v));
	CHECK(v == UINT64_MAX);
	CHECK(sip_parse_uint((struct sip_span){ "0", 1 }, 0, &v));
	CHECK_EQ(v, 0);
}

struct body_case {
	const char *after_start;	/* headers, empty line, body */
	bool has_cl;
	__u64 cl;
	const char *body;
	bool cut;
};

static const struct body_case body_cases[] = {
	{ "Content-Length: 4\r\n\r\nabcdef", true, 4, "abcd", false },
	{ "l: 6\r\n\r\nabcdef", true, 6, "abcdef", false },
	{ "l: 0\r\n\r\nabcdef", true, 0, "", false },
	{ "Content-Length: 10\r\n\r\nabcdef", true, 10, "abcdef", true },	/* cut */
	{ "Via: x\r\n\r\nabcdef", false, 0, "abcdef", false },			/* absent */
	{ "Content-Length: -1\r\n\r\nabcdef", false, 0, "abcdef", false },	/* invalid */
	{ "Content-Length: 4294967296\r\n\r\nabcdef", false, 0, "abcdef", false },
	{ "Content-Length: 4294967295\r\n\r\nabcdef", true, 0xffffffffu, "abcdef", true },
	{ "Content-Length: 00000000000000000003\r\n\r\nabcdef", true, 3, "abc", false },
	{ "Content-Length: 3 4\r\n\r\nabcdef", false, 0, "abcdef", false },
	/* The first Content-Length decides, valid or not. */
	{ "l: 2\r\nContent-Length: 4\r\n\r\nabcdef", true, 2, "ab", false },
	{ "l: x\r\nContent-Length: 4\r\n\r\nabcdef", false, 0, "abcdef", false },
	{ "l: 2\n\nabcdef", true, 2, "ab", false },
	{ "l: 2\r\n\r\n", true, 2, "", true },
};

static void bodies(void)
{
	char text[256];

	for (size_t i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		const struct body_case *c = &body_cases[i];

		snprintf(text, sizeof(text), RESPONSE_200 "%s", c->after_start);
		CHECK_EQ(parse(text), SIP_RESPONSE);
		CHECK(msg.headers_ended);
		CHECK_EQ(msg.has_content_length, c->has_cl);
		if (c->has_cl)
			CHECK_EQ(msg.content_length, c->cl);
		CHECK_STR(str(msg.body), c->body);
		CHECK_EQ(msg.body_cut, c->cut);
	}
	/* No empty line: no body. */
	CHECK_EQ(parse(RESPONSE_200 "l: 2\r\n"), SIP_RESPONSE);
	CHECK(!msg.headers_ended);
	CHECK_EQ(msg.body.len, 0);
	CHECK(!msg.body_cut);
}

/* 4 KiB of quotes, balanced or not, in a Contact: linear, and inside the bytes. */
static void contact_of_quotes(void)
{
	static const char tails[][8] = { "", "\"", "\\", "\\\"" };
	size_t qlen = 4096, head = strlen(RESPONSE_200 "Contact: ");

	for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		size_t tail = strlen(tails[t]), len = head + qlen + tail + 2;
		char *text = malloc(len);
		struct sip_span uris[4];
		size_t n;

		CHECK(text);
		if (!text)
			return;
		memcpy(text, RESPONSE_200 "Contact: ", head);
		memset(text + head, '"', qlen);
		memcpy(text + head + qlen, tails[t], tail);
		memcpy(text + len - 2, "\r\n", 2);
		CHECK_EQ(sip_parse(text, len, &msg), SIP_RESPONSE);
		CHECK_EQ(msg.n_headers, 1);
		CHECK_EQ(msg.headers[0].value.len, qlen + tail);
		n = sip_contacts(&msg, uris, 4);
		CHECK(n <= 1);
		for (size_t i = 0; i < n; i++)
			CHECK(uris[i].p >= text && uris[i].p + uris[i].len <= text + len);
		free(text);
	}
}

TEST_MAIN("sip",
	  TEST(start_lines),
	  TEST(start_line_spans),
	  TEST(compact_forms_and_any_case),
	  TEST(blanks_folding_and_lines),
	  TEST(several_headers_and_find),
	  TEST(too_many_headers),
	  TEST(items_and_uris),
	  TEST(params),
	  TEST(reason_causes),
	  TEST(to_and_from_tags),
	  TEST(uri_users),
	  TEST(cseq),
	  TEST(uints),
	  TEST(bodies),
	  TEST(contact_of_quotes))
