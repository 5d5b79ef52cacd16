// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SDP bodies, as the media tracker takes them out of offers and answers:
 * the input is the body, parsed by sdp_parse from a buffer its exact size
 * (ASan sees any read past it). A verdict is always given, and a valid
 * description keeps every promise of sdp.h: its bounds, an address for
 * every stream with a port, clocks in range, encodings terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fuzz.h"
#include "sdp.h"

static void check_stream(const struct sdp_stream *s, unsigned int n_mlines)
{
	REQUIRE(s->mline < n_mlines);
	REQUIRE(s->dir <= SDP_INACTIVE);
	REQUIRE(s->proto <= SDP_PROTO_UDP_TLS_RTP_SAVPF);
	REQUIRE(!s->port || s->addr.family == AF_INET || s->addr.family == AF_INET6);
	REQUIRE(s->n_formats <= SDP_MAX_FORMATS);
	REQUIRE(!s->formats_cut || s->n_formats == SDP_MAX_FORMATS);
	REQUIRE(s->proto != SDP_PROTO_OTHER || s->n_formats == 0);
	for (unsigned int i = 0; i < s->n_formats; i++) {
		const struct sdp_format *f = &s->formats[i];

		REQUIRE(f->pt <= 127);
		REQUIRE(f->clock <= SDP_CLOCK_MAX);
		REQUIRE(memchr(f->encoding, '\0', sizeof(f->encoding)));
		REQUIRE(f->codec == SDP_CODEC_OTHER || f->encoding[0]);
	}
	if (sdp_voice(s))
		REQUIRE(sdp_voice(s) >= s->formats && sdp_voice(s) < s->formats + s->n_formats);
	if (sdp_stream_live(s))
		REQUIRE(s->port && s->proto != SDP_PROTO_OTHER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp sdp;
	char *text = malloc(size ? size : 1);

	REQUIRE(text);
	memcpy(text, data, size);
	if (sdp_parse(text, size, &sdp) == SDP_INVALID) {
		REQUIRE(sdp.error && sdp.error[0]);
	} else {
		REQUIRE(!sdp.error);
		REQUIRE(sdp.n_audio <= SDP_MAX_AUDIO && sdp.n_audio <= sdp.n_mlines);
		REQUIRE(!sdp.audio_cut || sdp.n_audio == SDP_MAX_AUDIO);
		for (unsigned int i = 0; i < sdp.n_audio; i++) {
			check_stream(&sdp.audio[i], sdp.n_mlines);
			/* in m-line order */
			if (i)
				REQUIRE(sdp.audio[i].mline > sdp.audio[i - 1].mline);
		}
	}
	free(text);
	return 0;
}
