// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SDP (sdp.h): one pass over the lines, the session's c= and direction
 * copied into each audio stream as its m-line starts (the session level
 * ends there), its own lines overriding them after.
 */
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "sdp.h"
#include "sipmsg.h"
#include "sipscan.h"

struct sdp_state {
	struct sdp *sdp;
	struct sdp_stream *stream;	/* the audio stream whose section this is; NULL
					 * at the session level or in another medium's */
	bool in_media;			/* past the first m= */
	struct sdp_addr session_addr;
	enum sdp_dir session_dir;
};

static enum sdp_result invalid(struct sdp *sdp, const char *why)
{
	sdp->error = why;
	return SDP_INVALID;
}

static bool span_is(struct sip_span s, const char *text)
{
	size_t n = strlen(text);

	return s.len == n && memcmp(s.p, text, n) == 0;
}

/* The next blank-separated field of s from *pos; false when none is left. */
static bool next_field(struct sip_span s, size_t *pos, struct sip_span *f)
{
	size_t i = *pos;

	while (i < s.len && sip_is_blank(s.p[i]))
		i++;
	if (i == s.len)
		return false;
	f->p = s.p + i;
	while (i < s.len && !sip_is_blank(s.p[i]))
		i++;
	f->len = (size_t)(s.p + i - f->p);
	*pos = i;
	return true;
}

/* s cut at its first c: *head before it, *rest after (len 0 when there is
 * no c). Returns whether there was one. */
static bool split_at(struct sip_span s, char c, struct sip_span *head, struct sip_span *rest)
{
	const char *at = memchr(s.p, c, s.len);

	if (!at) {
		*head = s;
		*rest = (struct sip_span){ s.p + s.len, 0 };
		return false;
	}
	*head = (struct sip_span){ s.p, (size_t)(at - s.p) };
	*rest = (struct sip_span){ at + 1, s.len - head->len - 1 };
	return true;
}

/* Digits without a leading zero ("0" itself is fine), at most max. */
static bool sdp_number(struct sip_span s, __u32 max, __u32 *out)
{
	__u64 v;

	if (s.len > 1 && s.p[0] == '0')
		return false;
	if (!sip_parse_uint(s, max, &v))
		return false;
	*out = (__u32)v;
	return true;
}

static const struct {
	const char *name;
	enum sdp_proto proto;
} protos[] = {
	{ "RTP/AVP", SDP_PROTO_RTP_AVP },
	{ "RTP/AVPF", SDP_PROTO_RTP_AVPF },
	{ "RTP/SAVP", SDP_PROTO_RTP_SAVP },
	{ "RTP/SAVPF", SDP_PROTO_RTP_SAVPF },
	{ "UDP/TLS/RTP/SAVPF", SDP_PROTO_UDP_TLS_RTP_SAVPF },
};

static const struct {
	const char *lower;	/* the encoding name, matched in any case */
	enum sdp_codec codec;
	const char *name;
} codecs[] = {
	{ "pcmu", SDP_CODEC_PCMU, "PCMU" },
	{ "pcma", SDP_CODEC_PCMA, "PCMA" },
	{ "g722", SDP_CODEC_G722, "G722" },
	{ "g729", SDP_CODEC_G729, "G729" },
	{ "telephone-event", SDP_CODEC_TELEPHONE_EVENT, "telephone-event" },
	{ "cn", SDP_CODEC_CN, "CN" },
};

static const char *const dir_names[] = {
	[SDP_SENDRECV] = "sendrecv",
	[SDP_SENDONLY] = "sendonly",
	[SDP_RECVONLY] = "recvonly",
	[SDP_INACTIVE] = "inactive",
};

/* RFC 3551 table 4: the audio payload types assigned a codec. */
static const struct {
	__u8 pt;
	__u32 clock;
	const char *encoding;
} statics[] = {
	{ 0, 8000, "PCMU" },
	{ 3, 8000, "GSM" },
	{ 4, 8000, "G723" },
	{ 5, 8000, "DVI4" },
	{ 6, 16000, "DVI4" },
	{ 7, 8000, "LPC" },
	{ 8, 8000, "PCMA" },
	{ 9, 8000, "G722" },	/* RFC 3551 4.5.2: its RTP clock is 8000 */
	{ 10, 44100, "L16" },
	{ 11, 44100, "L16" },
	{ 12, 8000, "QCELP" },
	{ 13, 8000, "CN" },
	{ 14, 90000, "MPA" },
	{ 15, 8000, "G728" },
	{ 16, 11025, "DVI4" },
	{ 17, 22050, "DVI4" },
	{ 18, 8000, "G729" },
};

static enum sdp_codec codec_of(struct sip_span encoding)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (encoding.len == strlen(codecs[i].lower) &&
		    sip_eq_nocase(encoding.p, codecs[i].lower, encoding.len))
			return codecs[i].codec;
	return SDP_CODEC_OTHER;
}

static void set_encoding(struct sdp_format *f, struct sip_span encoding)
{
	size_t n = encoding.len > SDP_ENCODING_MAX ? SDP_ENCODING_MAX : encoding.len;

	memcpy(f->encoding, encoding.p, n);
	f->encoding[n] = '\0';
	f->codec = codec_of(encoding);
}

bool sdp_static(__u8 pt, struct sdp_format *f)
{
	for (size_t i = 0; i < sizeof(statics) / sizeof(statics[0]); i++) {
		const char *name = statics[i].encoding;

		if (statics[i].pt != pt)
			continue;
		f->pt = pt;
		f->clock = statics[i].clock;
		set_encoding(f, (struct sip_span){ name, strlen(name) });
		return true;
	}
	return false;
}

const struct sdp_format *sdp_voice(const struct sdp_stream *s)
{
	for (unsigned int i = 0; i < s->n_formats; i++) {
		enum sdp_codec c = s->formats[i].codec;

		if (c != SDP_CODEC_TELEPHONE_EVENT && c != SDP_CODEC_CN)
			return &s->formats[i];
	}
	return NULL;
}

bool sdp_stream_live(const struct sdp_stream *s)
{
	static const __u8 zero[16];

	if (!s->port || s->proto == SDP_PROTO_OTHER || !s->addr.family)
		return false;
	return !(s->addr.family == AF_INET && memcmp(s->addr.addr, zero, 4) == 0);
}

const char *sdp_dir_name(enum sdp_dir d)
{
	return (unsigned int)d < sizeof(dir_names) / sizeof(dir_names[0]) ? dir_names[d] : "?";
}

const char *sdp_proto_name(enum sdp_proto p)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == p)
			return protos[i].name;
	return "other";
}

const char *sdp_codec_name(enum sdp_codec c)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (codecs[i].codec == c)
			return codecs[i].name;
	return "other";
}

/* c=IN IP4 <address>[/ttl[/n]] or c=IN IP6 <address>[/n]. */
static enum sdp_result parse_connection(struct sdp *sdp, struct sip_span v, struct sdp_addr *out)
{
	struct sip_span net, type, addr, extra, rest;
	char text[INET6_ADDRSTRLEN];
	size_t pos = 0;
	int family;

	if (!next_field(v, &pos, &net) || !next_field(v, &pos, &type) ||
	    !next_field(v, &pos, &addr))
		return invalid(sdp, "c=: a field is missing");
	if (next_field(v, &pos, &extra))
		return invalid(sdp, "c=: more than three fields");
	if (!span_is(net, "IN"))
		return invalid(sdp, "c=: network type not IN");
	if (span_is(type, "IP4"))
		family = AF_INET;
	else if (span_is(type, "IP6"))
		family = AF_INET6;
	else
		return invalid(sdp, "c=: address type not IP4 or IP6");
	split_at(addr, '/', &addr, &rest);
	/* inet_pton reads a C string: a NUL inside must not end it early. */
	if (!addr.len || addr.len >= sizeof(text) || memchr(addr.p, '\0', addr.len))
		return invalid(sdp, "c=: address not a literal of its type");
	memcpy(text, addr.p, addr.len);
	text[addr.len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(family, text, out->addr) != 1)
		return invalid(sdp, "c=: address not a literal of its type");
	out->family = (__u8)family;
	return SDP_OK;
}

static void add_format(struct sdp_stream *s, __u8 pt)
{
	struct sdp_format *f;

	if (s->n_formats == SDP_MAX_FORMATS) {
		s->formats_cut = true;
		return;
	}
	f = &s->formats[s->n_formats++];
	memset(f, 0, sizeof(*f));
	if (!sdp_static(pt, f))
		f->pt = pt;
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... */
static enum sdp_result parse_media(struct sdp_state *st, struct sip_span v)
{
	struct sdp *sdp = st->sdp;
	struct sip_span media, port, count, proto, fmt;
	struct sdp_stream *s;
	size_t pos = 0;
	__u32 n;

	st->in_media = true;
	st->stream = NULL;
	if (!next_field(v, &pos, &media) || !next_field(v, &pos, &port) ||
	    !next_field(v, &pos, &proto) || !next_field(v, &pos, &fmt))
		return invalid(sdp, "m=: a field is missing");
	sdp->n_mlines++;
	if (!span_is(media, "audio"))
		return SDP_OK;
	if (sdp->n_audio == SDP_MAX_AUDIO) {
		sdp->audio_cut = true;
		return SDP_OK;
	}
	s = &sdp->audio[sdp->n_audio++];
	memset(s, 0, sizeof(*s));
	s->mline = sdp->n_mlines - 1;
	s->addr = st->session_addr;
	s->dir = st->session_dir;
	if (split_at(port, '/', &port, &count) && (!sdp_number(count, 65535, &n) || !n))
		return invalid(sdp, "m=: bad port count");
	if (!sdp_number(port, 65535, &n))
		return invalid(sdp, "m=: bad port");
	s->port = (__u16)n;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (span_is(proto, protos[i].name))
			s->proto = protos[i].proto;
	st->stream = s;
	if (s->proto == SDP_PROTO_OTHER)
		return SDP_OK;	/* its formats are not payload types */
	do {
		if (!sdp_number(fmt, 127, &n))
			return invalid(sdp, "m=: bad payload type");
		add_format(s, (__u8)n);
	} while (next_field(v, &pos, &fmt));
	return SDP_OK;
}

/* rtpmap:<pt> <encoding>/<clock>[/<channels>], v after the colon. */
static enum sdp_result parse_rtpmap(struct sdp_state *st, struct sip_span v)
{
	struct sdp *sdp = st->sdp;
	struct sip_span pt, map, encoding, clock, rest, extra;
	size_t pos = 0;
	__u32 n, hz;

	if (!next_field(v, &pos, &pt) || !next_field(v, &pos, &map))
		return invalid(sdp, "a=rtpmap: a field is missing");
	if (next_field(v, &pos, &extra))
		return invalid(sdp, "a=rtpmap: more than two fields");
	if (!sdp_number(pt, 127, &n))
		return invalid(sdp, "a=rtpmap: bad payload type");
	if (!split_at(map, '/', &encoding, &rest) || !encoding.len)
		return invalid(sdp, "a=rtpmap: no encoding/clock");
	split_at(rest, '/', &clock, &rest);
	if (!sdp_number(clock, SDP_CLOCK_MAX, &hz) || !hz)
		return invalid(sdp, "a=rtpmap: bad clock rate");
	/* An rtpmap of a payload type the m-line does not list maps nothing. */
	for (unsigned int i = 0; i < st->stream->n_formats; i++) {
		struct sdp_format *f = &st->stream->formats[i];

		if (f->pt != n)
			continue;
		f->clock = hz;
		set_encoding(f, encoding);
	}
	return SDP_OK;
}

static enum sdp_result parse_attribute(struct sdp_state *st, struct sip_span v)
{
	enum sdp_dir *dir = st->stream ? &st->stream->dir : &st->session_dir;
	static const char rtpmap[] = "rtpmap:";

	if (st->in_media && !st->stream)
		return SDP_OK;	/* another medium's */
	for (size_t d = 0; d < sizeof(dir_names) / sizeof(dir_names[0]); d++) {
		if (span_is(v, dir_names[d])) {
			*dir = (enum sdp_dir)d;
			return SDP_OK;
		}
	}
	if (st->stream && st->stream->proto != SDP_PROTO_OTHER &&
	    v.len >= sizeof(rtpmap) - 1 && memcmp(v.p, rtpmap, sizeof(rtpmap) - 1) == 0)
		return parse_rtpmap(st, (struct sip_span){ v.p + sizeof(rtpmap) - 1,
							   v.len - (sizeof(rtpmap) - 1) });
	return SDP_OK;
}

static enum sdp_result parse_line(struct sdp_state *st, char type, struct sip_span v)
{
	switch (type) {
	case 'm':
		return parse_media(st, v);
	case 'c':
		if (st->stream)
			return parse_connection(st->sdp, v, &st->stream->addr);
		if (!st->in_media)
			return parse_connection(st->sdp, v, &st->session_addr);
		return SDP_OK;
	case 'a':
		return parse_attribute(st, v);
	default:
		return SDP_OK;
	}
}

/* Whether a Content-Type value is the media type type (lower case): in any
 * case, followed by its end, a parameter or blanks. */
static bool content_type_is(struct sip_span v, const char *type)
{
	size_t n = strlen(type);

	if (v.len < n || !sip_eq_nocase(v.p, type, n))
		return false;
	return v.len == n || v.p[n] == ';' || sip_is_lws(v.p[n]);
}

/* Where the delimiter "--boundary" starts a line of body at or after from;
 * body.len when there is none. */
static size_t find_delimiter(struct sip_span body, struct sip_span boundary, size_t from)
{
	for (size_t i = from; i + 2 + boundary.len <= body.len; i++) {
		if (i && body.p[i - 1] != '\n')
			continue;
		if (body.p[i] == '-' && body.p[i + 1] == '-' &&
		    !memcmp(body.p + i + 2, boundary.p, boundary.len))
			return i;
	}
	return body.len;
}

/* The Content-Type of a part's headers [p, p + len), which end at an empty
 * line; *content is what follows it. False when it has none. */
static bool part_headers(struct sip_span part, struct sip_span *type, struct sip_span *content)
{
	static const char name[] = "content-type";
	size_t pos = 0;
	bool found = false;

	while (pos < part.len) {
		const char *lf = memchr(part.p + pos, '\n', part.len - pos);
		size_t end = lf ? (size_t)(lf - part.p) : part.len, n = end - pos, i;
		const char *line = part.p + pos;

		pos = lf ? end + 1 : part.len;
		if (n && line[n - 1] == '\r')
			n--;
		if (!n) {
			*content = (struct sip_span){ part.p + pos, part.len - pos };
			return found;
		}
		if (n <= sizeof(name) - 1 || !sip_eq_nocase(line, name, sizeof(name) - 1))
			continue;
		for (i = sizeof(name) - 1; i < n && sip_is_blank(line[i]); i++)
			;
		if (i == n || line[i] != ':')
			continue;
		for (i++; i < n && sip_is_blank(line[i]); i++)
			;
		*type = (struct sip_span){ line + i, n - i };
		found = true;
	}
	return false;	/* no empty line: no content */
}

/*
 * The application/sdp part of a multipart body (RFC 2046 5.1): parts
 * between lines that start with "--" and the boundary, the CRLF before a
 * delimiter being the delimiter's; the close delimiter ("--" after the
 * boundary) or the end of what was carried ends the search.
 */
static bool multipart_sdp(struct sip_span body, struct sip_span boundary, struct sip_span *out)
{
	size_t at = find_delimiter(body, boundary, 0);

	while (at < body.len) {
		size_t after = at + 2 + boundary.len, next, end;
		struct sip_span part, type = { 0 }, content = { 0 };
		const char *lf;

		if (after + 1 < body.len && body.p[after] == '-' && body.p[after + 1] == '-')
			return false;
		lf = memchr(body.p + after, '\n', body.len - after);
		if (!lf)
			return false;
		after = (size_t)(lf - body.p) + 1;
		next = find_delimiter(body, boundary, after);
		end = next;
		if (end < body.len && end > after && body.p[end - 1] == '\n')
			end -= end - 1 > after && body.p[end - 2] == '\r' ? 2 : 1;
		part = (struct sip_span){ body.p + after, end - after };
		if (part_headers(part, &type, &content) && content_type_is(type, "application/sdp")) {
			*out = content;
			return content.len > 0;
		}
		at = next;
	}
	return false;
}

bool sip_sdp_body(const struct sip_msg *m, struct sip_span *out)
{
	const struct sip_header *h = sip_find(m, SIP_H_CONTENT_TYPE, NULL);
	struct sip_span boundary;

	if (!m->body.len || !h)
		return false;
	if (content_type_is(h->value, "application/sdp")) {
		*out = m->body;
		return true;
	}
	if (!content_type_is(h->value, "multipart/mixed") &&
	    !content_type_is(h->value, "multipart/alternative") &&
	    !content_type_is(h->value, "multipart/related"))
		return false;
	if (!sip_item_param(h->value, "boundary", &boundary))
		return false;
	if (boundary.len >= 2 && boundary.p[0] == '"' && boundary.p[boundary.len - 1] == '"') {
		boundary.p++;
		boundary.len -= 2;
	}
	/* RFC 2046: 1 to 70 characters */
	if (!boundary.len || boundary.len > 70)
		return false;
	return multipart_sdp(m->body, boundary, out);
}

enum sdp_result sdp_parse(const char *buf, size_t len, struct sdp *sdp)
{
	struct sdp_state st = { .sdp = sdp, .session_dir = SDP_SENDRECV };
	bool first = true;
	size_t pos = 0;

	memset(sdp, 0, sizeof(*sdp));
	while (pos < len) {
		const char *lf = memchr(buf + pos, '\n', len - pos);
		size_t end = lf ? (size_t)(lf - buf) : len;
		struct sip_span line = { buf + pos, end - pos };
		enum sdp_result r;

		pos = lf ? end + 1 : len;
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		if (!line.len)
			continue;
		if (line.len > SDP_LINE_MAX)
			return invalid(sdp, "a line longer than SDP_LINE_MAX");
		if (line.len < 2 || line.p[0] < 'a' || line.p[0] > 'z' || line.p[1] != '=')
			return invalid(sdp, "a line not <type>=<value>");
		if (first && !(line.len == 3 && memcmp(line.p, "v=0", 3) == 0))
			return invalid(sdp, "the first line not v=0");
		first = false;
		r = parse_line(&st, line.p[0], (struct sip_span){ line.p + 2, line.len - 2 });
		if (r != SDP_OK)
			return r;
	}
	if (first)
		return invalid(sdp, "no line");
	for (unsigned int i = 0; i < sdp->n_audio; i++)
		if (sdp->audio[i].port && !sdp->audio[i].addr.family)
			return invalid(sdp, "an audio stream with a port and no c=");
	return SDP_OK;
}
