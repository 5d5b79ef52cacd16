// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `--peers FILE` text: peers_parse on the input (as peers_load hands it
 * over: NUL-terminated, cut at a NUL), then peers_lookup on fixed addresses
 * and on addresses taken from the input. A parse either fails with a
 * message or gives a map whose names are short, valid label values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fuzz.h"
#include "peers.h"

static void check_name(const char *name)
{
	size_t len;

	REQUIRE(name);
	len = strlen(name);
	REQUIRE(len > 0 && len < PEER_NAME_MAX);
}

static void lookup(const struct peer_map *m, int family, const void *bytes, size_t n)
{
	struct sipxdp_addr a = { .family = (__u8)family };

	memcpy(a.bytes, bytes, n < sizeof(a.bytes) ? n : sizeof(a.bytes));
	check_name(peers_lookup(m, &a));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u8 fixed[][16] = {
		{ 0 },
		{ 10, 1, 2, 3 },
		{ 192, 0, 2, 1 },
		{ 255, 255, 255, 255 },
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	char *text = malloc(size + 1);
	char err[256];
	struct peer_map *m;

	REQUIRE(text);
	memcpy(text, data, size);
	text[size] = 0;
	err[0] = 0;
	m = peers_parse(text, "fuzz", err, sizeof(err));
	if (!m) {
		/* every refusal says why */
		REQUIRE(strncmp(err, "fuzz", 4) == 0);
	} else {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
			lookup(m, AF_INET, fixed[i], 16);
			lookup(m, AF_INET6, fixed[i], 16);
		}
		/* the input's own bytes as addresses hit its ranges now and then */
		for (size_t off = 0; off < size && off < 64; off += 16) {
			lookup(m, AF_INET, data + off, size - off);
			lookup(m, AF_INET6, data + off, size - off);
		}
		lookup(m, 0, fixed[1], 16);	/* neither family: "other" */
	}
	/* an error message of no room at all must not be written either */
	peers_free(peers_parse(text, "fuzz", err, 0));
	peers_free(m);
	free(text);
	return 0;
}
