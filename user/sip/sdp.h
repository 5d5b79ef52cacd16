/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SDP (RFC 4566) as offers and answers carry it (RFC 3264): what the media
 * tracker needs to know where each audio stream's RTP arrives and how to
 * score it. A pure function over a byte span (a SIP message's body, or a
 * test's), no allocation; the result holds copies and spans of the span.
 * Every byte is hostile: nothing reads past the span, every loop moves
 * forward, and a description that breaks a rule below is SDP_INVALID with
 * the rule it broke in sdp->error, never a half-read stream.
 *
 * Lines: "<type>=<value>", type a..z, ending at LF (one CR before it
 * dropped; the last line may end at the span's end); an empty line is
 * skipped; a line longer than SDP_LINE_MAX is invalid. The first line is
 * "v=0". The lines sipxdp does not read (o, s, t, b, k, i, ...) are not
 * checked beyond that, nor required: peers that leave out s= still have
 * media.
 *
 * Read at the session level (before the first m=) and in each audio
 * m-line's section, the media level taking over from the session's:
 *   - c=IN IP4 <address>[/ttl[/n]] and c=IN IP6 <address>[/n]: the address
 *     must be a literal of its family (sipxdp cannot resolve a name, and
 *     will not guess);
 *   - a=sendrecv, a=sendonly, a=recvonly, a=inactive (sendrecv when none).
 * Read in an audio section only:
 *   - m=audio <port>[/<count>] <proto> <fmt> ...: the port 0..65535 (0: the
 *     stream is rejected or disabled), proto one of enum sdp_proto, at
 *     least one format; an RTP proto's formats are payload types 0..127;
 *   - a=rtpmap:<pt> <encoding>/<clock>[/<channels>] of one of the m-line's
 *     payload types; the clock 1..SDP_CLOCK_MAX. A static payload type
 *     without an rtpmap takes RFC 3551's encoding and clock (sdp_static);
 *     a dynamic one without an rtpmap has none (clock 0, SDP_CODEC_OTHER).
 * An audio stream whose port is not 0 must have an address (its own c= or
 * the session's), as RFC 4566 5.7 requires.
 * Numbers are digits only, without a leading zero ("0" itself is fine),
 * and not above their field's maximum: "08" or "65536" as a port is
 * invalid, never read as 8 or wrapped.
 * Other media (video, application, image, ...) count in n_mlines, so that
 * an answer's m-lines can be matched to the offer's by position (RFC 3264
 * 6), and their lines are not read. Every other attribute (candidate,
 * crypto, fingerprint, ptime, fmtp, ...) is skipped without error.
 */
#ifndef SIPXDP_SDP_H
#define SIPXDP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "sipmsg.h"

#define SDP_LINE_MAX		1024	/* bytes of one line, its line end excluded */
#define SDP_MAX_AUDIO		4	/* audio m-lines kept; more set audio_cut */
#define SDP_MAX_FORMATS		16	/* formats kept per m-line; more set formats_cut */
#define SDP_CLOCK_MAX		1000000	/* Hz: no audio clock runs faster */
#define SDP_ENCODING_MAX	15	/* bytes of an encoding name kept */

enum sdp_result {
	SDP_OK,
	SDP_INVALID,
};

enum sdp_dir {
	SDP_SENDRECV,
	SDP_SENDONLY,
	SDP_RECVONLY,
	SDP_INACTIVE,
};

enum sdp_proto {
	SDP_PROTO_OTHER,	/* not RTP sipxdp can read (udptl, TCP/RTP/AVP, ...) */
	SDP_PROTO_RTP_AVP,
	SDP_PROTO_RTP_AVPF,
	SDP_PROTO_RTP_SAVP,
	SDP_PROTO_RTP_SAVPF,
	SDP_PROTO_UDP_TLS_RTP_SAVPF,
};

/* Codecs the MOS estimate knows an impairment for (mos.h). */
enum sdp_codec {
	SDP_CODEC_OTHER,
	SDP_CODEC_PCMU,
	SDP_CODEC_PCMA,
	SDP_CODEC_G722,
	SDP_CODEC_G729,
	SDP_CODEC_TELEPHONE_EVENT,	/* RFC 4733 DTMF: never the stream's voice */
	SDP_CODEC_CN,			/* comfort noise */
};

struct sdp_addr {
	__u8 family;		/* AF_INET, AF_INET6; 0 when none */
	__u8 addr[16];		/* network byte order; IPv4 in the first 4 bytes */
};

struct sdp_format {
	__u8 pt;			/* payload type */
	enum sdp_codec codec;
	__u32 clock;			/* Hz; 0 when unknown */
	char encoding[SDP_ENCODING_MAX + 1];	/* as written, cut; "" when unknown */
};

struct sdp_stream {
	unsigned int mline;		/* its index among all m-lines, from 0 */
	__u16 port;			/* 0: rejected or disabled */
	enum sdp_proto proto;
	enum sdp_dir dir;		/* its own, else the session's, else sendrecv */
	struct sdp_addr addr;		/* its own c=, else the session's */
	unsigned int n_formats;
	bool formats_cut;
	struct sdp_format formats[SDP_MAX_FORMATS];	/* in the m-line's order: preference */
};

struct sdp {
	const char *error;		/* SDP_INVALID: the rule broken; NULL when valid */
	unsigned int n_mlines;		/* every m-line, audio or not */
	unsigned int n_audio;
	bool audio_cut;			/* more audio m-lines than SDP_MAX_AUDIO */
	struct sdp_stream audio[SDP_MAX_AUDIO];
};

/* Parses buf[0, len) into *sdp; returns SDP_INVALID with sdp->error set
 * when a rule above is broken. */
enum sdp_result sdp_parse(const char *buf, size_t len, struct sdp *sdp);

/*
 * The message's SDP into *out: its body when the first Content-Type is
 * application/sdp (in any case, parameters allowed), or the first part of
 * a multipart/mixed, alternative or related body (RFC 2046, as SIP-I's
 * SDP with ISUP, RFC 3204) whose Content-Type is. False when there is none
 * (an empty body, no such part, a boundary missing or over 70 bytes).
 */
bool sip_sdp_body(const struct sip_msg *m, struct sip_span *out);

/*
 * RFC 3551's static payload type pt: its codec, encoding and clock (G.722
 * at 8000: its RTP clock, not its sampling rate). False for a dynamic or
 * unassigned one.
 */
bool sdp_static(__u8 pt, struct sdp_format *f);

/* The stream's voice: the first format that is neither telephone-event
 * nor comfort noise; NULL when there is none. */
const struct sdp_format *sdp_voice(const struct sdp_stream *s);

/* Whether the stream can carry media at all: a port, RTP, and an address
 * that is not the RFC 2543 hold address 0.0.0.0 (RFC 3264 8.4). */
bool sdp_stream_live(const struct sdp_stream *s);

/* "sendrecv", ...; "RTP/AVP", ...; "PCMU", ..., "other". */
const char *sdp_dir_name(enum sdp_dir d);
const char *sdp_proto_name(enum sdp_proto p);
const char *sdp_codec_name(enum sdp_codec c);

#endif /* SIPXDP_SDP_H */
