/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Caller-ID attestation (STIR/SHAKEN) as an INVITE carries it: the attest
 * claim of the PASSporT in its Identity header (RFC 8224, 8588) and the
 * verstat parameter a verification service set (P-Asserted-Identity, or
 * From). Pure functions over the parse (sipmsg.h): no allocation, every
 * scan bounded by its span. The signature is not verified: this says what
 * the caller's carrier claimed, not that the claim is genuine.
 */
#ifndef SIPXDP_IDENTITY_H
#define SIPXDP_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include "sipmsg.h"

enum sip_attest {
	SIP_ATTEST_A,
	SIP_ATTEST_B,
	SIP_ATTEST_C,
	SIP_ATTEST_NONE,	/* no Identity header */
	SIP_ATTEST_UNREADABLE,	/* Identity headers, none with an attest of A, B or C */
	SIP_ATTESTS,
};

enum sip_verstat {
	SIP_VERSTAT_PASSED,	/* TN-Validation-Passed */
	SIP_VERSTAT_FAILED,	/* TN-Validation-Failed */
	SIP_VERSTAT_NO_VALIDATION,	/* No-TN-Validation */
	SIP_VERSTAT_OTHER,	/* any other value */
	SIP_VERSTATS,
};

/* The longest PASSporT payload read, decoded; a longer one is unreadable. */
#define SIP_PASSPORT_PAYLOAD_MAX	2048

/* "A", "B", "C", "none", "unreadable". */
const char *sip_attest_name(enum sip_attest a);
/* "TN-Validation-Passed", "TN-Validation-Failed", "No-TN-Validation", "other". */
const char *sip_verstat_name(enum sip_verstat v);

/*
 * base64url without padding (RFC 7515 2): in[0, len) into out, at most max
 * bytes. False for a byte outside the alphabet, a length no encoding has
 * (len % 4 == 1), leftover bits not zero, or more than max bytes.
 */
bool sip_base64url_decode(const char *in, size_t len, unsigned char *out, size_t max,
			  size_t *out_len);

/* The attest claim of a JSON object's top level: "A", "B" or "C" exactly;
 * SIP_ATTEST_UNREADABLE otherwise (absent, another value, broken JSON). */
enum sip_attest sip_attest_claim(const unsigned char *json, size_t len);

/* The attest of one Identity header's value: a JWS compact serialization
 * "header.payload.signature", then ";info=..." parameters. */
enum sip_attest sip_identity_attest(struct sip_span value);

/* The message's attest: the first Identity header with A, B or C; else
 * unreadable when there is one, none when there is none. */
enum sip_attest sip_attest(const struct sip_msg *m);

/* The verstat parameter of the first P-Asserted-Identity URI that has one,
 * else of the From URI; false when none has one. */
bool sip_verstat(const struct sip_msg *m, enum sip_verstat *v);

#endif /* SIPXDP_IDENTITY_H */
