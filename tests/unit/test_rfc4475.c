// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * RFC 4475's 49 torture messages, byte for byte, through sip_parse and
 * every accessor. Each row says what the RFC says of its message (valid,
 * invalid, or valid but to be refused for what it means) and what sipxdp
 * must make of it. sipxdp judges the start line only (the kernel's rule):
 * a message the RFC calls invalid is still counted when its start line is
 * well formed, and each such row says so.
 *
 * The messages are not part of the tree (their licence is the RFC's): the
 * directory is SIPXDP_RFC4475_DIR, or else a directory rfc4475 beside the
 * checkout. Missing, the test fails: CI always has it.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include "sipcheck.h"
#include "sipmsg.h"
#include "testlib.h"

#define NO_CL	-1	/* no valid Content-Length */

struct torture {
	const char *file;
	const char *section;
	enum sip_kind kind;
	__u8 method;		/* requests */
	__u16 status;		/* responses */
	bool cseq_ok;
	__u32 cseq;
	__u8 cseq_method;
	const char *call_id;	/* "" when none */
	const char *to_tag;	/* NULL when none */
	size_t contacts;
	long long content_length;
	size_t body;
	bool body_cut;
	bool headers_ended;
};

#define REQ(m)		SIP_REQUEST, SIPXDP_M_##m, 0
#define RESP(code)	SIP_RESPONSE, 0, code
#define KIND(k)		SIP_##k, 0, 0
#define CSEQ(n, m)	true, n, SIPXDP_M_##m
#define NO_CSEQ		false, 0, 0

static const struct torture tortures[] = {
	/* 3.1.1 Valid messages. */
	{ "wsinv", "3.1.1.1", REQ(INVITE), CSEQ(9, INVITE), "wsinv.ndaksdj@192.0.2.1",
	  "1918181833n", 1, 150, 150, false, true },
	/* Valid, but its method starts with '!': not a start line sipxdp counts
	 * (the kernel's rule: a request's first byte is A..Z). */
	{ "intmeth", "3.1.1.2", KIND(NOT_SIP), NO_CSEQ, "", NULL, 0, NO_CL, 0, false, false },
	{ "esc01", "3.1.1.3", REQ(INVITE), CSEQ(234234, INVITE),
	  "esc01.239409asdfakjkn23onasd0-3234", NULL, 1, 150, 150, false, true },
	{ "escnull", "3.1.1.4", REQ(REGISTER), CSEQ(14398234, REGISTER),
	  "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", NULL, 2, 0, 0, false, true },
	/* RE%47IST%45R is a method of its own, not REGISTER. */
	{ "esc02", "3.1.1.5", REQ(OTHER), CSEQ(29344, OTHER),
	  "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", NULL, 2, 0, 0, false, true },
	{ "lwsdisp", "3.1.1.6", REQ(OPTIONS), CSEQ(60, OPTIONS),
	  "lwsdisp.1234abcd@funky.example.com", NULL, 0, 0, 0, false, true },
	{ "longreq", "3.1.1.7", REQ(INVITE), CSEQ(3882340, INVITE),
	  "longreq.onereallyreallyreallyreallyreallyreallyreallyreally", NULL, 1, 150, 150,
	  false, true },
	/* The bytes after Content-Length (a second request) are not this
	 * message's, nor counted again: the body ends where they start. */
	{ "dblreq", "3.1.1.8", REQ(REGISTER), CSEQ(8, REGISTER),
	  "dblreq.0ha0isndaksdj99sdfafnl3lk233412", NULL, 1, 0, 0, false, true },
	{ "semiuri", "3.1.1.9", REQ(OPTIONS), CSEQ(8, OPTIONS), "semiuri.0ha0isndaksdj", NULL,
	  0, 0, 0, false, true },
	{ "transports", "3.1.1.10", REQ(OPTIONS), CSEQ(60, OPTIONS),
	  "transports.kijh4akdnaqjkwendsasfdj", NULL, 0, 0, 0, false, true },
	{ "mpart01", "3.1.1.11", REQ(MESSAGE), CSEQ(1, MESSAGE),
	  "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", NULL, 1, 553, 553, false, true },
	{ "unreason", "3.1.1.12", RESP(200), CSEQ(35, INVITE),
	  "unreason.1234ksdfak3j2erwedfsASdf", "2229", 1, 154, 154, false, true },
	{ "noreason", "3.1.1.13", RESP(100), CSEQ(35, INVITE),
	  "noreason.asndj203insdf99223ndf", "902jndnke3", 1, 0, 0, false, true },

	/* 3.1.2 Invalid messages. */
	/* Invalid (Via and Contact with extra separators); its start line counts. */
	{ "badinv01", "3.1.2.1", REQ(INVITE), CSEQ(8, INVITE),
	  "badinv01.0ha0isndaksdjasdf3234nas", NULL, 1, 152, 152, false, true },
	/* Invalid (Content-Length 9999 past the end); counted, its body cut. */
	{ "clerr", "3.1.2.2", REQ(INVITE), CSEQ(8, INVITE), "clerr.0ha0isndaksdjweiafasdk3", NULL,
	  1, 9999, 154, true, true },
	/* Invalid (Content-Length -999); counted, the body is what follows. */
	{ "ncl", "3.1.2.3", REQ(INVITE), CSEQ(0, INVITE), "ncl.0ha0isndaksdj2193423r542w35", NULL,
	  1, NO_CL, 152, false, true },
	/* Invalid (CSeq 2^65, Max-Forwards, Expires too large); counted, CSeq refused. */
	{ "scalar02", "3.1.2.4", REQ(REGISTER), NO_CSEQ, "scalar02.23o0pd9vanlq3wnrlnewofjas9ui32",
	  NULL, 1, 0, 0, false, true },
	/* Invalid (CSeq too large); the response is counted, with no CSeq method. */
	{ "scalarlg", "3.1.2.5", RESP(503), NO_CSEQ, "scalarlg.noase0of0234hn2qofoaf0232aewf2394r",
	  NULL, 0, 0, 0, false, true },
	/* Invalid (a To display name's quote never closes): counted; that To has no tag. */
	{ "quotbal", "3.1.2.6", REQ(INVITE), CSEQ(8, INVITE), "quotbal.aksdj", NULL, 1, 152, 152,
	  false, true },
	/* Invalid (<> around the Request-URI); the start line still ends in SIP/2.0: counted. */
	{ "ltgtruri", "3.1.2.7", REQ(INVITE), CSEQ(1, INVITE), "ltgtruri.1@192.0.2.5", NULL, 1,
	  159, 159, false, true },
	/* Invalid (LWS inside the Request-URI); counted, the URI runs to the last SP. */
	{ "lwsruri", "3.1.2.8", REQ(INVITE), CSEQ(2130706432, INVITE),
	  "lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423", "3xfe-9921883-z9f", 1, 159, 159,
	  false, true },
	/* Invalid (two SPs between the elements); counted. */
	{ "lwsstart", "3.1.2.9", REQ(INVITE), CSEQ(1893884, INVITE),
	  "lwsstart.dfknq234oi243099adsdfnawe3@example.com", NULL, 1, 150, 150, false, true },
	/* Invalid (blanks after SIP/2.0): malformed, as the RFC says. */
	{ "trws", "3.1.2.10", KIND(MALFORMED), NO_CSEQ, "", NULL, 0, NO_CL, 0, false, false },
	/* Invalid (escaped headers in the Request-URI); counted. */
	{ "escruri", "3.1.2.11", REQ(INVITE), CSEQ(149209342, INVITE),
	  "escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5", NULL, 1, 150, 150, false, true },
	/* Invalid (Date's time zone); counted. */
	{ "baddate", "3.1.2.12", REQ(INVITE), CSEQ(1392934, INVITE),
	  "baddate.239423mnsadf3j23lj42--sedfnm234", NULL, 1, 150, 150, false, true },
	/* Invalid (a Contact URI with '?' outside <>): counted; the URI is the bare one, whole. */
	{ "regbadct", "3.1.2.13", REQ(REGISTER), CSEQ(1, REGISTER),
	  "regbadct.k345asrl3fdbv@10.0.0.1", NULL, 1, 0, 0, false, true },
	/* Invalid (blanks inside <...> of To and From); counted. */
	{ "badaspec", "3.1.2.14", REQ(OPTIONS), CSEQ(3923239, OPTIONS),
	  "badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3", NULL, 0, 0, 0, false, true },
	/* Invalid (a display name with a comma, unquoted); counted. The file ends
	 * after "l: 0" with no empty line: the headers never end. */
	{ "baddn", "3.1.2.15", REQ(OPTIONS), CSEQ(3923239, OPTIONS), "baddn.31415@c.example.com",
	  NULL, 0, 0, 0, false, false },
	/* Invalid (SIP/7.0): malformed, as the RFC says. */
	{ "badvers", "3.1.2.16", KIND(MALFORMED), NO_CSEQ, "", NULL, 0, NO_CL, 0, false, false },
	/* Invalid (OPTIONS with an INVITE CSeq); counted, each read as it says. */
	{ "mismatch01", "3.1.2.17", REQ(OPTIONS), CSEQ(8, INVITE), "mismatch01.dj0234sxdfl3", NULL,
	  0, 0, 0, false, true },
	/* Invalid (NEWMETHOD with an INVITE CSeq); counted as OTHER. */
	{ "mismatch02", "3.1.2.18", REQ(OTHER), CSEQ(8, INVITE), "mismatch02.dj0234sxdfl3", NULL, 1,
	  138, 138, false, true },
	/* Invalid (code 4294967301): malformed, as the RFC says. */
	{ "bigcode", "3.1.2.19", KIND(MALFORMED), NO_CSEQ, "", NULL, 0, NO_CL, 0, false, false },

	/* 3.2 Transaction layer: valid syntax, no branch to match on. */
	{ "badbranch", "3.2.1", REQ(OPTIONS), CSEQ(8, OPTIONS),
	  "badbranch.sadonfo23i420jv0as0derf3j3n", NULL, 0, 0, 0, false, true },

	/* 3.3 Application layer: valid syntax, refused for what they mean; sipxdp
	 * counts them all. */
	/* No Call-ID, From or To. */
	{ "insuf", "3.3.1", REQ(INVITE), CSEQ(193942, INVITE), "", NULL, 0, 152, 152, false, true },
	{ "unkscm", "3.3.2", REQ(OPTIONS), CSEQ(3923423, OPTIONS),
	  "unkscm.nasdfasser0q239nwsdfasdkl34", NULL, 0, 0, 0, false, true },
	{ "novelsc", "3.3.3", REQ(OPTIONS), CSEQ(3923423, OPTIONS),
	  "novelsc.asdfasser0q239nwsdfasdkl34", NULL, 0, 0, 0, false, true },
	{ "unksm2", "3.3.4", REQ(REGISTER), CSEQ(234902, REGISTER),
	  "unksm2.daksdj@hyphenated-host.example.com", NULL, 1, 0, 0, false, true },
	{ "bext01", "3.3.5", REQ(OPTIONS), CSEQ(8, OPTIONS), "bext01.0ha0isndaksdj", NULL, 0, 0, 0,
	  false, true },
	{ "invut", "3.3.6", REQ(INVITE), CSEQ(235448, INVITE), "invut.0ha0isndaksdjadsfij34n23d",
	  NULL, 1, 40, 40, false, true },
	{ "regaut01", "3.3.7", REQ(REGISTER), CSEQ(9338, REGISTER), "regaut01.0ha0isndaksdj", NULL,
	  0, 0, 0, false, true },
	/* Two CSeq (5 and 59), two Call-ID, two Contact: the first CSeq and Call-ID count. */
	{ "multi01", "3.3.8", REQ(INVITE), CSEQ(5, INVITE), "multi01.98asdh@192.0.2.1", NULL, 2,
	  154, 154, false, true },
	/* Content-Length 13 then 5: the first decides. */
	{ "mcl01", "3.3.9", REQ(OPTIONS), CSEQ(15932, OPTIONS), "mcl01.fhn2323orihawfdoa3o4r52o3irsdf",
	  NULL, 0, 13, 13, false, true },
	{ "bcast", "3.3.10", RESP(200), CSEQ(35, INVITE), "bcast.0384840201234ksdfak3j2erwedfsASdf",
	  "2229", 1, 154, 154, false, true },
	{ "zeromf", "3.3.11", REQ(OPTIONS), CSEQ(39234321, OPTIONS),
	  "zeromf.jfasdlfnm2o2l43r5u0asdfas", NULL, 0, 0, 0, false, true },
	{ "cparam01", "3.3.12", REQ(REGISTER), CSEQ(2, REGISTER), "cparam01.70710@saturn.example.com",
	  NULL, 1, 0, 0, false, true },
	{ "cparam02", "3.3.13", REQ(REGISTER), CSEQ(3, REGISTER), "cparam02.70710@saturn.example.com",
	  NULL, 1, 0, 0, false, true },
	{ "regescrt", "3.3.14", REQ(REGISTER), CSEQ(14398234, REGISTER),
	  "regescrt.k345asrl3fdbv@192.0.2.1", NULL, 1, 0, 0, false, true },
	{ "sdp01", "3.3.15", REQ(INVITE), CSEQ(8, INVITE), "sdp01.ndaksdj9342dasdd", NULL, 1, 150,
	  150, false, true },

	/* 3.4 Backward compatibility: valid RFC 2543 syntax; no Content-Length,
	 * so the body is the rest of the datagram. */
	{ "inv2543", "3.4.1", REQ(INVITE), CSEQ(56, INVITE), "inv2543.1717@ift.client.example.com",
	  NULL, 0, NO_CL, 105, false, true },
};

/* Contact URIs and To-tags the rows above count, where the rule is the point. */
static const struct {
	const char *file;
	const char *uris[2];
} contact_uris[] = {
	{ "cparam01", { "sip:+19725552222@gw1.example.net" } },		/* bare: ;unknownparam is the header's */
	{ "cparam02", { "sip:+19725552222@gw1.example.net;unknownparam" } },	/* inside <> */
	{ "unksm2", { "name:John_Smith" } },
	{ "esc02", { "sip:alias1@host1.example.com", "sip:alias3@host3.example.com" } },
	{ "escnull", { "sip:%00@host5.example.com", "sip:%00%00@host5.example.com" } },
	{ "regbadct", { "sip:user@example.com?Route=%3Csip:sip.example.com%3E" } },
};

static char dir[PATH_MAX];

/* SIPXDP_RFC4475_DIR, or a directory rfc4475 beside the checkout (the tree
 * this binary was built in: BUILD/tests/test_rfc4475). */
static bool find_dir(void)
{
	const char *env = getenv("SIPXDP_RFC4475_DIR");
	char exe[PATH_MAX], pattern[PATH_MAX + 32];
	glob_t g;
	ssize_t n;

	if (env) {
		snprintf(dir, sizeof(dir), "%s", env);
		snprintf(pattern, sizeof(pattern), "%s/wsinv.dat", dir);
		return access(pattern, R_OK) == 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	snprintf(pattern, sizeof(pattern), "%s/../../../*/rfc4475/wsinv.dat", dirname(exe));
	if (glob(pattern, 0, NULL, &g) != 0)
		return false;
	snprintf(dir, sizeof(dir), "%s", dirname(g.gl_pathv[0]));
	globfree(&g);
	return true;
}

/* The file's bytes in a buffer of exactly their size, so ASan would see a
 * read past them. NULL (and a message) when it cannot be read. */
static char *load(const char *file, size_t *len)
{
	char path[PATH_MAX + 64];
	FILE *f;
	char *buf;
	long size;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, file);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static void check_one(const struct torture *t, const char *buf, size_t len)
{
	static struct sip_msg m;
	struct sip_span s, uris[8];
	const char *broken;
	__u32 num = 0;
	__u8 method = 0;
	char got[128];

	CHECK_EQ(sip_parse(buf, len, &m), t->kind);
	if (t->kind == SIP_REQUEST)
		CHECK_EQ(m.method, t->method);
	if (t->kind == SIP_RESPONSE)
		CHECK_EQ(m.status, t->status);
	broken = sipcheck(buf, len, &m);
	if (broken)
		fprintf(stderr, "%s: %s\n", t->file, broken);
	CHECK(!broken);

	CHECK_EQ(sip_cseq(&m, &num, &method), t->cseq_ok);
	if (t->cseq_ok) {
		CHECK_EQ(num, t->cseq);
		CHECK_EQ(method, t->cseq_method);
	}
	s = sip_call_id(&m);
	snprintf(got, sizeof(got), "%.*s", (int)s.len, s.p);
	/* longreq's Call-ID is longer than got: its start is compared. */
	CHECK(strncmp(got, t->call_id, strlen(t->call_id)) == 0 && (*t->call_id || !s.len));
	CHECK_EQ(sip_to_tag(&m, &s), t->to_tag != NULL);
	if (t->to_tag) {
		snprintf(got, sizeof(got), "%.*s", (int)s.len, s.p);
		CHECK_STR(got, t->to_tag);
	}
	CHECK_EQ(sip_contacts(&m, uris, 8), t->contacts);
	CHECK_EQ(m.has_content_length, t->content_length != NO_CL);
	if (t->content_length != NO_CL)
		CHECK_EQ(m.content_length, t->content_length);
	CHECK_EQ(m.body.len, t->body);
	CHECK_EQ(m.body_cut, t->body_cut);
	CHECK_EQ(m.headers_ended, t->headers_ended);
	for (size_t i = 0; i < sizeof(contact_uris) / sizeof(contact_uris[0]); i++) {
		if (strcmp(contact_uris[i].file, t->file) != 0)
			continue;
		for (size_t u = 0; u < 2 && contact_uris[i].uris[u]; u++) {
			snprintf(got, sizeof(got), "%.*s", (int)uris[u].len, uris[u].p);
			CHECK_STR(got, contact_uris[i].uris[u]);
		}
	}
}

static void torture_messages(void)
{
	size_t n = sizeof(tortures) / sizeof(tortures[0]);

	CHECK_EQ(n, 49);
	if (!find_dir()) {
		fprintf(stderr, "FAIL: the RFC 4475 messages are missing: set SIPXDP_RFC4475_DIR "
			"to their directory (the 49 .dat files), or put it beside the checkout "
			"as rfc4475/\n");
		CHECK(!"RFC 4475 directory found");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct torture *t = &tortures[i];
		int before = tl_checks_failed;
		size_t len;
		char *buf = load(t->file, &len);

		CHECK(buf);
		if (!buf)
			continue;
		check_one(t, buf, len);
		if (tl_checks_failed != before)
			fprintf(stderr, "  in %s.dat (RFC 4475 %s)\n", t->file, t->section);
		free(buf);
	}
}

/* Every message cut at every length: every promise kept on each prefix, and
 * a known method's request, cut past its name and SP, is truncated, never
 * taken for something else. */
static void torture_prefixes(void)
{
	static struct sip_msg m;

	if (!find_dir())
		return;	/* torture_messages said so */
	for (size_t i = 0; i < sizeof(tortures) / sizeof(tortures[0]); i++) {
		size_t len;
		char *buf = load(tortures[i].file, &len);
		const char *sp;

		if (!buf)
			continue;
		sp = memchr(buf, ' ', len);
		for (size_t cut = 0; cut <= len; cut++) {
			char *copy = malloc(cut ? cut : 1);
			const char *broken;

			CHECK(copy);
			if (!copy)
				break;
			memcpy(copy, buf, cut);
			sip_parse(copy, cut, &m);
			broken = sipcheck(copy, cut, &m);
			if (broken)
				fprintf(stderr, "%s.dat cut at %zu: %s\n", tortures[i].file, cut,
					broken);
			CHECK(!broken);
			if (tortures[i].kind == SIP_REQUEST && tortures[i].method != SIPXDP_M_OTHER &&
			    sp && cut > (size_t)(sp - buf))
				CHECK(m.kind == SIP_REQUEST || m.kind == SIP_TRUNCATED);
			free(copy);
		}
		free(buf);
	}
}

TEST_MAIN("rfc4475",
	  TEST(torture_messages),
	  TEST(torture_prefixes))
