// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Any bytes as a SIP message: sip_parse, then every accessor, and what
 * sipmsg.h promises of them (tests/sipcheck.h): every span inside the
 * input, the body within the bytes, a response's status in 100..699, ...
 * The input is also read as a header value on its own (items, URIs,
 * parameters) and as an integer. Its SDP, when it has some (a multipart
 * body's part too), lies within its body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../sipcheck.h"
#include "fuzz.h"
#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg m;
	/* Through a copy the exact size of the input, so ASan sees any read past it. */
	char *copy = malloc(size ? size : 1);
	struct sip_span whole = { copy, size };
	struct sip_span sdp;
	const char *broken;
	__u64 v;

	REQUIRE(copy);
	memcpy(copy, data, size);
	sip_parse(copy, size, &m);
	broken = sipcheck(copy, size, &m);
	if (broken) {
		fprintf(stderr, "broken promise: %s\n", broken);
		abort();
	}
	if (sip_sdp_body(&m, &sdp))
		REQUIRE(sdp.len && sdp.p >= m.body.p && sdp.len <= m.body.len &&
			(size_t)(sdp.p - m.body.p) <= m.body.len - sdp.len);
	broken = sipcheck_items(whole);
	if (broken) {
		fprintf(stderr, "broken promise (items): %s\n", broken);
		abort();
	}
	/* The limit from the first byte: small ones meet their edge often. */
	if (sip_parse_uint(whole, size ? (__u64)data[0] * 1000 : 0, &v))
		REQUIRE(v <= (__u64)data[0] * 1000);
	free(copy);
	return 0;
}
