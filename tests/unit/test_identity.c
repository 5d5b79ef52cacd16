// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Caller-ID attestation read from crafted Identity, P-Asserted-Identity and
 * From headers, malformed ones included: every value maps to one of a fixed
 * set, whatever the bytes.
 */
#include <string.h>
#include "identity.h"
#include "testlib.h"

/* A SHAKEN PASSporT's JWS header, RFC 8588's example claims as payloads. */
#define JWS_HDR "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1Ijoi" \
		"aHR0cHM6Ly9jZXJ0LmV4YW1wbGUub3JnL3Bhc3Nwb3J0LnBlbSJ9"
/* {"attest":"A","dest":{"tn":["12155550131"]},"iat":1443208345,
 *  "orig":{"tn":"12155550121"},"origid":"123e4567-..."} */
#define PAYLOAD_A "eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMjE1NTU1MDEzMSJdfSwiaWF0IjoxNDQz" \
		  "MjA4MzQ1LCJvcmlnIjp7InRuIjoiMTIxNTU1NTAxMjEifSwib3JpZ2lkIjoiMTIzZTQ1NjctZTg5" \
		  "Yi0xMmQzLWE0NTYtNDI2NjU1NDQwMDAwIn0"
/* { "orig" : {"tn":"1", "attest":"A"} , "x":["attest",1] , "attest" : "B" } */
#define PAYLOAD_B "eyAib3JpZyIgOiB7InRuIjoiMSIsICJhdHRlc3QiOiJBIn0gLCAieCI6WyJhdHRlc3QiLDFd" \
		  "ICwgImF0dGVzdCIgOiAiQiIgfQ"
#define PAYLOAD_C "eyJhdHRlc3QiOiJDIn0"		/* {"attest":"C"} */
/* {"dest":{"tn":["1"]},"div":{"tn":"2"},"iat":1}: a div PASSporT, no attest */
#define PAYLOAD_DIV "eyJkZXN0Ijp7InRuIjpbIjEiXX0sImRpdiI6eyJ0biI6IjIifSwiaWF0IjoxfQ"
#define PAYLOAD_D "eyJhdHRlc3QiOiJEIn0"		/* {"attest":"D"} */
#define PAYLOAD_LOWER "eyJhdHRlc3QiOiJhIn0"	/* {"attest":"a"} */
/* {"k\"":"\"attest\":\"A","attest":"B"}: the escaped one is inside a string */
#define PAYLOAD_ESC "eyJrXCIiOiJcImF0dGVzdFwiOlwiQSIsImF0dGVzdCI6IkIifQ"
#define PAYLOAD_NESTED "eyJvcmlnIjp7ImF0dGVzdCI6IkEifX0"	/* {"orig":{"attest":"A"}} */
#define PAYLOAD_VALUE "eyJrIjoiYXR0ZXN0IiwieiI6IkEifQ"	/* {"k":"attest","z":"A"} */
#define SIG "sig_-0"
#define INFO ";info=<https://cert.example.org/passport.pem>;alg=ES256;ppt=\"shaken\""

static struct sip_span span(const char *s)
{
	return (struct sip_span){ s, strlen(s) };
}

static void base64url(void)
{
	unsigned char out[8];
	size_t n = 0;

	CHECK(sip_base64url_decode("TWFu", 4, out, sizeof(out), &n));
	CHECK_EQ(n, 3);
	CHECK(!memcmp(out, "Man", 3));
	CHECK(sip_base64url_decode("TWE", 3, out, sizeof(out), &n));
	CHECK_EQ(n, 2);
	CHECK(!memcmp(out, "Ma", 2));
	CHECK(sip_base64url_decode("-_8", 3, out, sizeof(out), &n));
	CHECK_EQ(out[0], 0xfb);
	CHECK_EQ(out[1], 0xff);
	CHECK(sip_base64url_decode("", 0, out, sizeof(out), &n));
	CHECK_EQ(n, 0);
	CHECK(!sip_base64url_decode("TWFu=", 5, out, sizeof(out), &n));	/* no padding */
	CHECK(!sip_base64url_decode("TW+u", 4, out, sizeof(out), &n));	/* base64, not url */
	CHECK(!sip_base64url_decode("TWFuT", 5, out, sizeof(out), &n));	/* 5 % 4 == 1 */
	CHECK(!sip_base64url_decode("TWF", 3, out, 1, &n));		/* past max */
	CHECK(!sip_base64url_decode("TWG", 3, out, sizeof(out), &n));	/* leftover bits */
}

static void attest_claims(void)
{
	static const struct {
		const char *value;
		enum sip_attest want;
	} cases[] = {
		{ JWS_HDR "." PAYLOAD_A "." SIG INFO, SIP_ATTEST_A },
		{ JWS_HDR "." PAYLOAD_B "." SIG, SIP_ATTEST_B },
		{ JWS_HDR "." PAYLOAD_C "." SIG " ; info=<x>", SIP_ATTEST_C },
		{ JWS_HDR "." PAYLOAD_ESC "." SIG INFO, SIP_ATTEST_B },
		{ JWS_HDR "." PAYLOAD_DIV "." SIG INFO, SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_D "." SIG, SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_LOWER "." SIG, SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_NESTED "." SIG, SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_VALUE "." SIG, SIP_ATTEST_UNREADABLE },
		{ JWS_HDR ".." SIG, SIP_ATTEST_UNREADABLE },
		{ "." PAYLOAD_A "." SIG, SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_A ".", SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_A "." SIG ".x", SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_A, SIP_ATTEST_UNREADABLE },
		{ JWS_HDR "." PAYLOAD_A "=." SIG, SIP_ATTEST_UNREADABLE },
		/* RFC 4474's Identity: a quoted base64 signature */
		{ "\"ZYNBbHC00VMZr2kZt6VmCvPonWJMGvQTBDqghoWeLxJfzB2a1pxAr3VgrB0SsSAa\"",
		  SIP_ATTEST_UNREADABLE },
		{ "", SIP_ATTEST_UNREADABLE },
		{ "a.b.c", SIP_ATTEST_UNREADABLE },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		enum sip_attest got = sip_identity_attest(span(cases[c].value));

		if (got != cases[c].want)
			fprintf(stderr, "case %zu: %s\n", c, cases[c].value);
		CHECK_EQ(got, cases[c].want);
	}
	/* a JSON string never closed, a '}' too many */
	CHECK_EQ(sip_attest_claim((const unsigned char *)"{\"attest", 8), SIP_ATTEST_UNREADABLE);
	CHECK_EQ(sip_attest_claim((const unsigned char *)"}{\"attest\":\"A\"}", 15),
		 SIP_ATTEST_UNREADABLE);
	CHECK_EQ(sip_attest_claim((const unsigned char *)"{\"attest\":\"A", 12),
		 SIP_ATTEST_UNREADABLE);
	CHECK_STR(sip_attest_name(SIP_ATTEST_A), "A");
	CHECK_STR(sip_attest_name(SIP_ATTEST_UNREADABLE), "unreadable");
}

static enum sip_attest attest_of(const char *headers)
{
	static char buf[4096];
	struct sip_msg m;

	snprintf(buf, sizeof(buf), "INVITE sip:b@x SIP/2.0\r\n%s\r\n", headers);
	sip_parse(buf, strlen(buf), &m);
	return sip_attest(&m);
}

/* The first Identity with A, B or C counts: a div PASSporT beside a
 * shaken one does not hide it. */
static void message_attest(void)
{
	CHECK_EQ(attest_of("From: <sip:a@x>\r\n"), SIP_ATTEST_NONE);
	CHECK_EQ(attest_of("Identity: " JWS_HDR "." PAYLOAD_DIV "." SIG INFO "\r\n"
			   "y: " JWS_HDR "." PAYLOAD_C "." SIG INFO "\r\n"), SIP_ATTEST_C);
	CHECK_EQ(attest_of("Identity: " JWS_HDR "." PAYLOAD_DIV "." SIG INFO "\r\n"),
		 SIP_ATTEST_UNREADABLE);
	CHECK_EQ(attest_of("Identity: " JWS_HDR ".\r\n " PAYLOAD_A "." SIG "\r\n"),
		 SIP_ATTEST_UNREADABLE);	/* folded inside: not base64url */
}

static bool verstat_of(const char *headers, enum sip_verstat *v)
{
	static char buf[4096];
	struct sip_msg m;

	snprintf(buf, sizeof(buf), "INVITE sip:b@x SIP/2.0\r\n%s\r\n", headers);
	sip_parse(buf, strlen(buf), &m);
	return sip_verstat(&m, v);
}

static void verstats(void)
{
	enum sip_verstat v = SIP_VERSTATS;

	CHECK(verstat_of("P-Asserted-Identity: \"A\" <sip:+12155550121@x;user=phone;"
			 "verstat=TN-Validation-Passed>\r\n", &v));
	CHECK_EQ(v, SIP_VERSTAT_PASSED);
	CHECK(verstat_of("P-Asserted-Identity: <sip:a@x>, tel:+12155550121;verstat=No-TN-Validation\r\n"
			 "From: <sip:a@x;verstat=TN-Validation-Passed>;tag=1\r\n", &v));
	CHECK_EQ(v, SIP_VERSTAT_NO_VALIDATION);
	CHECK(verstat_of("P-Asserted-Identity: <sip:a@x>\r\n"
			 "From: <sip:+1@x;VERSTAT=tn-validation-failed?h=1>;tag=1\r\n", &v));
	CHECK_EQ(v, SIP_VERSTAT_FAILED);
	CHECK(verstat_of("From: <tel:+1;verstat=\"a\\u0000\\ud83d\">;tag=1\r\n", &v));
	CHECK_EQ(v, SIP_VERSTAT_OTHER);
	CHECK(verstat_of("From: <tel:+1;verstat=>;tag=1\r\n", &v));
	CHECK_EQ(v, SIP_VERSTAT_OTHER);
	CHECK(!verstat_of("From: <sip:a@x;verstatx=TN-Validation-Passed;user=phone>;tag=1\r\n"
			  "P-Asserted-Identity: <sip:a@x?verstat=TN-Validation-Passed>\r\n", &v));
	CHECK(!verstat_of("To: <sip:a@x;verstat=TN-Validation-Passed>\r\n", &v));
	CHECK_STR(sip_verstat_name(SIP_VERSTAT_NO_VALIDATION), "No-TN-Validation");
	CHECK_STR(sip_verstat_name(SIP_VERSTAT_OTHER), "other");
}

TEST_MAIN("identity",
	  TEST(base64url),
	  TEST(attest_claims),
	  TEST(message_attest),
	  TEST(verstats))
