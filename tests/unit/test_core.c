// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The core's handling of ring-buffer records, without a kernel: checking
 * them (core_handle_record), counting the ones lost between two of a CPU,
 * feeding what the parser read to the trackers, and the --events line
 * (core_trace_event). Records are trusted no more than the packets they
 * came from.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "core.h"
#include "sipevent.h"
#include "testlib.h"

#define SEC	1000000000ull
#define MSEC	1000000ull

static struct core core;
static char record[sizeof(struct sipxdp_event) + SIPXDP_MSG_MAX];

static bool core_start(void)
{
	struct core_opts opts = { 0 };
	bool ok = core_init(&core, NULL, &opts, CORE_CLOCK_EVENTS) == 0;

	CHECK(ok);
	return ok;
}

static struct sipxdp_event header(__u32 cpu, __u64 seq, __u64 ts_ns)
{
	return (struct sipxdp_event){
		.ts_ns = ts_ns,
		.seq = seq,
		.saddr = { .bytes = { 192, 0, 2, 1 }, .family = AF_INET },
		.daddr = { .bytes = { 192, 0, 2, 2 }, .family = AF_INET },
		.sport = 5060,
		.dport = 5080,
		.cpu = cpu,
		.transport = 17,
	};
}

/* Hands text over as CPU 0's record seq, at ts_ns, from UAC to UAS or back. */
static bool handle(const char *text, __u64 seq, __u64 ts_ns, bool from_uas)
{
	struct sipxdp_event h = header(0, seq, ts_ns);

	if (from_uas) {
		h.saddr = header(0, 0, 0).daddr;
		h.daddr = header(0, 0, 0).saddr;
	}
	return core_handle_record(&core, record, test_record(record, &h, text));
}

static void test_record_sizes(void)
{
	const size_t hdr = sizeof(struct sipxdp_event);
	static const char text[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
	__u64 handled = 0, invalid = 0;

	if (!core_start())
		return;
	const struct {
		size_t size;
		__u16 len;
		__u32 cpu;
		bool ok;
	} rows[] = {
		{ hdr, 0, 0, true },			/* no bytes: not SIP, still read */
		{ hdr - 1, 0, 0, false },		/* cut inside the header */
		{ 0, 0, 0, false },
		{ hdr + 10, 10, 0, true },
		{ hdr + 10, 11, 0, false },		/* claims a byte it lacks */
		{ hdr + 10, 9, 0, true },		/* a byte to spare */
		{ hdr + SIPXDP_MSG_MAX, SIPXDP_MSG_MAX, 0, true },
		/* more than the kernel ever sends, even with the bytes there */
		{ hdr + SIPXDP_MSG_MAX + 1, SIPXDP_MSG_MAX + 1, 0, false },
		{ hdr + 65535, 65535, 0, false },
		/* a CPU libbpf does not know */
		{ hdr, 0, core.n_cpus, false },
		{ hdr, 0, UINT32_MAX, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sipxdp_event h = header(rows[i].cpu, i + 1, 7);
		/* exactly size bytes, so a read past them is a heap overflow under ASan */
		char *bytes = malloc(rows[i].size ? rows[i].size : 1);
		bool ok;

		h.len = rows[i].len;
		memset(bytes, 'x', rows[i].size);
		memcpy(bytes, &h, rows[i].size < hdr ? rows[i].size : hdr);
		if (rows[i].size > hdr)
			memcpy(bytes + hdr, text, rows[i].size - hdr < sizeof(text) - 1 ?
						  rows[i].size - hdr : sizeof(text) - 1);
		ok = core_handle_record(&core, bytes, rows[i].size);
		CHECK_EQ(ok, rows[i].ok);
		if (ok != rows[i].ok)
			fprintf(stderr, "  row %zu: size %zu, len %u, cpu %u\n", i, rows[i].size,
				rows[i].len, rows[i].cpu);
		handled += ok;
		invalid += !ok;
		free(bytes);
	}
	CHECK_EQ(core.records.handled, handled);
	CHECK_EQ(core.records.invalid, invalid);
	core_destroy(&core);
}

/* Records of two CPUs, with a few missing from each: counted per CPU. */
static void test_seq_gaps(void)
{
	static const struct {
		__u32 cpu;
		__u64 seq, ts_ns;
	} rows[] = {
		{ 0, 1, 100 },
		{ 0, 2, 200 },
		{ 1, 40, 250 },		/* CPU 1's first: what went before is not known */
		{ 0, 5, 300 },		/* 3 and 4 lost, between 200 and 300 */
		{ 1, 41, 350 },
		{ 0, 6, 400 },
		{ 1, 45, 500 },		/* 42..44 lost, between 350 and 500 */
		{ 0, 1, 600 },		/* the program loaded again: starts over */
		{ 0, 2, 700 },
	};
	struct core_view view;

	if (!core_start())
		return;
	CHECK(core.n_cpus >= 2);
	for (size_t i = 0; core.n_cpus >= 2 && i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sipxdp_event h = header(rows[i].cpu, rows[i].seq, rows[i].ts_ns);

		CHECK(core_handle_record(&core, record, test_record(record, &h, "")));
		if (i == 3) {
			CHECK_EQ(core.records.gaps, 1);
			CHECK_EQ(core.records.gap_records, 2);
			CHECK_EQ(core.records.last_gap_from_ns, 200);
			CHECK_EQ(core.records.last_gap_to_ns, 300);
		}
	}
	CHECK(core_view(&core, 1000, false, &view) == 0);
	CHECK_EQ(view.records.handled, 9);
	CHECK_EQ(view.records.invalid, 0);
	CHECK_EQ(view.records.gaps, 2);
	CHECK_EQ(view.records.gap_records, 5);
	CHECK_EQ(view.records.last_gap_from_ns, 350);
	CHECK_EQ(view.records.last_gap_to_ns, 500);
	core_view_free(&view);
	core_destroy(&core);
}

/* A whole call, a 3xx and a message the trackers do not take, as records. */
static void test_records_feed_trackers(void)
{
	static const char invite[] =
		"INVITE sip:b@192.0.2.2 SIP/2.0\r\nCall-ID: call-1@a\r\n"
		"To: <sip:b@192.0.2.2>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char ringing[] =
		"SIP/2.0 180 Ringing\r\nCall-ID: call-1@a\r\nTo: <sip:b@192.0.2.2>;tag=t1\r\n"
		"CSeq: 1 INVITE\r\n\r\n";
	static const char ok[] =
		"SIP/2.0 200 OK\r\ni: call-1@a\r\nt: <sip:b@192.0.2.2>;tag=t1\r\nCSeq: 1 INVITE\r\n"
		"\r\n";
	static const char ack[] =
		"ACK sip:b@192.0.2.2 SIP/2.0\r\nCall-ID: call-1@a\r\nTo: <sip:b@192.0.2.2>;tag=t1\r\n"
		"CSeq: 1 ACK\r\n\r\n";
	static const char bye[] =
		"BYE sip:b@192.0.2.2 SIP/2.0\r\nCall-ID: call-1@a\r\nTo: <sip:b@192.0.2.2>;tag=t1\r\n"
		"CSeq: 2 BYE\r\n\r\n";
	static const char bye_ok[] =
		"SIP/2.0 200 OK\r\nCall-ID: call-1@a\r\nTo: <sip:b@192.0.2.2>;tag=t1\r\n"
		"CSeq: 2 BYE\r\n\r\n";
	static const char moved[] =
		"SIP/2.0 302 Moved\r\nCall-ID: r@a\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:elsewhere@192.0.2.9>\r\n\r\n";
	/* a 2xx the kernel hands over too, which no tracker reads */
	static const char notify_ok[] =
		"SIP/2.0 200 OK\r\nCall-ID: call-1@a\r\nTo: <sip:b@192.0.2.2>;tag=t1\r\n"
		"CSeq: 3 NOTIFY\r\n\r\n";
	const struct call_peer_stats *p;
	const struct redirect_entry *e;
	struct core_view view;
	size_t n;

	if (!core_start())
		return;
	CHECK(handle(invite, 1, 1 * SEC, false));
	CHECK(handle(ringing, 2, 1 * SEC + 100 * MSEC, true));
	CHECK(handle(ok, 3, 2 * SEC, true));
	CHECK(handle(ack, 4, 2 * SEC + 20 * MSEC, false));
	CHECK(handle(notify_ok, 5, 3 * SEC, true));
	CHECK(handle(bye, 6, 10 * SEC, false));
	CHECK(handle(bye_ok, 7, 10 * SEC + 10 * MSEC, true));
	CHECK(handle(moved, 8, 11 * SEC, true));
	CHECK(core_view(&core, 12 * SEC, false, &view) == 0);
	CHECK_EQ(view.acks.invite_2xx, 1);
	CHECK_EQ(view.acks.matched, 1);
	CHECK_EQ(view.acks.retransmissions, 0);	/* the NOTIFY's 200 is no INVITE 2xx */
	p = call_tracker_peer(core.calls, 0);
	CHECK(p);
	if (p) {
		CHECK_EQ(p->attempts[CALL_INBOUND], 1);
		CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_ANSWERED], 1);
		CHECK_EQ(p->completed, 1);
		CHECK_EQ(p->setup.count, 1);
	}
	e = redirect_table_entries(core.redirects, &n);
	CHECK_EQ(n, 1);
	if (n == 1) {
		CHECK_STR(e[0].target, "sip:elsewhere@192.0.2.9");
		CHECK_EQ(e[0].code, 302);
	}
	CHECK_EQ(view.records.handled, 8);
	core_view_free(&view);
	core_destroy(&core);
}

/* A message of call cid, CSeq cseq: a request (status 0) or a response. */
static bool handle_msg(const char *method, unsigned int status, const char *cid,
		       unsigned int cseq, __u64 seq, __u64 ts_ns)
{
	char text[512];

	if (status)
		snprintf(text, sizeof(text), "SIP/2.0 %u X\r\nCall-ID: %s\r\n"
			 "To: <sip:b@192.0.2.2>;tag=t1\r\nCSeq: %u %s\r\n\r\n", status, cid,
			 cseq, method);
	else
		snprintf(text, sizeof(text), "%s sip:b@192.0.2.2 SIP/2.0\r\nCall-ID: %s\r\n"
			 "To: <sip:b@192.0.2.2>%s\r\nCSeq: %u %s\r\n\r\n", method, cid,
			 strcmp(method, "INVITE") && strcmp(method, "OPTIONS") ? ";tag=t1" : "",
			 cseq, method);
	return handle(text, seq, ts_ns, status != 0);
}

/*
 * Rule: records lost on a CPU (its seq jumps) may have held any call's
 * messages: what waited across the loss and is not seen completed after
 * it ends unverified (2xx awaiting an ACK, INVITE awaiting a final, OPTIONS
 * awaiting an answer), an active call ends unseen (events_lost); a call
 * done before the loss, and an OPTIONS after it, are judged as ever.
 */
static void test_gap_ends_pending_as_unverified(void)
{
	const struct call_peer_stats *p;
	struct core_view view;

	if (!core_start())
		return;
	CHECK(handle_msg("INVITE", 0, "done@a", 1, 1, 1 * SEC));
	CHECK(handle_msg("INVITE", 200, "done@a", 1, 2, 1 * SEC + 100 * MSEC));
	CHECK(handle_msg("ACK", 0, "done@a", 1, 3, 1 * SEC + 120 * MSEC));
	CHECK(handle_msg("BYE", 0, "done@a", 2, 4, 1 * SEC + 500 * MSEC));
	CHECK(handle_msg("BYE", 200, "done@a", 2, 5, 1 * SEC + 510 * MSEC));
	CHECK(handle_msg("INVITE", 0, "acked@a", 1, 6, 2 * SEC));
	CHECK(handle_msg("INVITE", 200, "acked@a", 1, 7, 2 * SEC + 500 * MSEC));
	CHECK(handle_msg("INVITE", 0, "ringing@a", 1, 8, 2 * SEC + 600 * MSEC));
	CHECK(handle_msg("OPTIONS", 0, "ping@a", 1, 9, 2 * SEC + 700 * MSEC));
	/* 10..19 lost: the ACK, a final response, a 200 to the OPTIONS, a BYE... */
	CHECK(handle_msg("OPTIONS", 0, "ping2@a", 1, 20, 4 * SEC));
	CHECK(handle_msg("OPTIONS", 200, "ping2@a", 1, 21, 4 * SEC + 10 * MSEC));
	CHECK_EQ(core.records.gaps, 1);
	CHECK(core_view(&core, 60 * SEC, false, &view) == 0);
	CHECK_EQ(view.acks.matched, 1);
	CHECK_EQ(view.acks.unverified, 1);
	CHECK_EQ(view.acks.missing, 0);
	CHECK_EQ(view.n_missed, 0);
	p = call_tracker_peer(core.calls, 0);
	CHECK(p);
	if (p) {
		CHECK_EQ(p->attempts[CALL_INBOUND], 3);
		CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_ANSWERED], 2);
		CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_UNVERIFIED], 1);
		CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_UNANSWERED], 0);
		CHECK_EQ(p->completed, 1);
		CHECK_EQ(p->active, 0);
		CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 1);
		CHECK_EQ(p->options.sent, 2);
		CHECK_EQ(p->options.answered, 1);
		CHECK_EQ(p->options.unverified, 1);
		CHECK_EQ(p->options.unanswered, 0);
	}
	core_view_free(&view);
	core_destroy(&core);
}

/* Rule: with no seq gap shown (the ring stayed full, then nothing came), a
 * rise of the kernel's lost events count is the loss: what waits ends
 * unverified. A loss before anything waited, or no rise, ends nothing. */
static void test_events_lost_count_rise(void)
{
	const struct call_peer_stats *p;
	struct core_view view;

	if (!core_start())
		return;
	core_note_events_lost(&core, 40, 1 * SEC);
	CHECK(handle_msg("INVITE", 0, "quiet@a", 1, 1, 2 * SEC));
	CHECK(handle_msg("INVITE", 200, "quiet@a", 1, 2, 2 * SEC + 500 * MSEC));
	CHECK(handle_msg("OPTIONS", 0, "ping@a", 1, 3, 2 * SEC + 600 * MSEC));
	core_note_events_lost(&core, 40, 3 * SEC);
	p = call_tracker_peer(core.calls, 0);
	CHECK(p && p->active == 1);
	core_note_events_lost(&core, 45, 4 * SEC);
	CHECK(p && p->active == 0);
	CHECK(core_view(&core, 60 * SEC, false, &view) == 0);
	CHECK_EQ(view.acks.unverified, 1);
	CHECK_EQ(view.acks.missing, 0);
	if (p) {
		CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 1);
		CHECK_EQ(p->options.unverified, 1);
		CHECK_EQ(p->options.unanswered, 0);
	}
	core_view_free(&view);
	core_destroy(&core);
}

/* The --events line of text, NUL-terminated; free() it. */
static char *trace_line(const struct sipxdp_event *h, const char *text)
{
	char *line = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&line, &len);

	if (!out)
		return NULL;
	core.trace = out;
	core_handle_record(&core, record, test_record(record, h, text));
	core.trace = NULL;
	fclose(out);
	return line;
}

static void check_trace(const struct sipxdp_event *h, const char *text, const char *const want[])
{
	char *line = trace_line(h, text);

	CHECK(line);
	for (size_t i = 0; line && want[i]; i++) {
		CHECK(strstr(line, want[i]));
		if (!strstr(line, want[i]))
			fprintf(stderr, "  no %s in: %s", want[i], line);
	}
	CHECK(line && strchr(line, '\n') == line + strlen(line) - 1);
	free(line);
}

#define TRACE(h, text, ...) check_trace(h, text, (const char *const[]){ __VA_ARGS__, NULL })

static void test_trace_lines(void)
{
	struct sipxdp_event h = header(1, 77, 5 * SEC);

	if (!core_start())
		return;
	TRACE(&h, "SIP/2.0 200 OK\r\nCall-ID: a@b\r\nTo: <sip:x>;tag=9z\r\nCSeq: 4 INVITE\r\n\r\n",
	      "\"time_ns\": 5000000000,", "\"kind\": \"invite_2xx\"", "\"parse\": \"response\"",
	      "\"status\": 200,", "\"method\": \"INVITE\"", "\"cseq\": 4,", "\"flags\": 0,",
	      "\"src\": \"192.0.2.1:5060\"", "\"dst\": \"192.0.2.2:5080\"", "\"cpu\": 1,",
	      "\"seq\": 77,", "\"cut\": false", "\"call_id\": \"a@b\"", "\"to_tag\": \"9z\"",
	      "\"contacts\": []");
	TRACE(&h, "ACK sip:x SIP/2.0\r\nCall-ID: a@b\r\n\r\n", "\"kind\": \"ack\"",
	      "\"parse\": \"request\"", "\"status\": 0,", "\"method\": \"ACK\"", "\"cseq\": 0,",
	      "\"to_tag\": \"\"");
	TRACE(&h, "SIP/2.0 302 Moved\r\nCSeq: 1 INVITE\r\nContact: <sip:a@x>, \"q\\\"\" <sip:b@y>"
	      "\r\n\r\n", "\"kind\": \"redirect\"", "\"contacts\": [\"sip:a@x\", \"sip:b@y\"]");
	TRACE(&h, "REGISTER sip:x SIP/2.0\r\nCSeq: 1 REGISTER\r\n\r\n", "\"kind\": \"request\"");
	TRACE(&h, "SIP/2.0 486 Busy\r\nCSeq: 1 INVITE\r\n\r\n", "\"kind\": \"response\"");
	/* parsed, not for the trackers */
	TRACE(&h, "SUBSCRIBE sip:x SIP/2.0\r\nCSeq: 1 SUBSCRIBE\r\n\r\n", "\"kind\": \"other\"",
	      "\"method\": \"SUBSCRIBE\"");
	TRACE(&h, "SIP/2.0 200 OK\r\nCSeq: 1 PUBLISH\r\n\r\n", "\"kind\": \"other\"",
	      "\"method\": \"PUBLISH\"");
	TRACE(&h, "SIP/2.0 200 OK\r\n\r\n", "\"kind\": \"other\"", "\"method\": \"UNKNOWN\"",
	      "\"flags\": 7,");
	TRACE(&h, "SIP/2.0 2", "\"kind\": \"other\"", "\"parse\": \"truncated\"");
	TRACE(&h, "SIP/2.0 700 Huh\r\n\r\n", "\"kind\": \"other\"", "\"parse\": \"malformed\"");
	TRACE(&h, "GET / HTTP/1.1\r\n\r\n", "\"kind\": \"other\"", "\"parse\": \"not_sip\"");
	/* what came from the packet is escaped: one line of JSON whatever it holds */
	TRACE(&h, "BYE sip:x SIP/2.0\r\nCall-ID: \"\\\x01\xff\r\n\r\n",
	      "\"call_id\": \"\\\"\\\\\\u0001\xef\xbf\xbd\"");
	/* the record's own fields */
	h.flags = SIPXDP_EVF_CUT;
	h.msg_len = 9000;
	TRACE(&h, "INVITE sip:x SIP/2.0\r\nCSeq: 1 INVITE\r\n", "\"cut\": true",
	      "\"msg_len\": 9000,", "\"len\": 38,");
	core_destroy(&core);
}

/* SDP in an INVITE and its 2xx, then in an UPDATE (an event no other
 * tracker reads) and its 2xx: the media tracker is fed them all. */
static void test_records_feed_media(void)
{
	static const char invite[] =
		"INVITE sip:b@192.0.2.2 SIP/2.0\r\nCall-ID: m@a\r\nTo: <sip:b@192.0.2.2>\r\n"
		"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 60\r\n\r\n"
		"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n";
	static const char ok[] =
		"SIP/2.0 200 OK\r\nCall-ID: m@a\r\nTo: <sip:b@192.0.2.2>;tag=t\r\n"
		"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 48\r\n\r\n"
		"v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\n";
	static const char update[] =
		"UPDATE sip:b@192.0.2.2 SIP/2.0\r\nCall-ID: m@a\r\nTo: <sip:b@192.0.2.2>;tag=t\r\n"
		"CSeq: 2 UPDATE\r\nContent-Type: application/sdp\r\nContent-Length: 48\r\n\r\n"
		"v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4002 RTP/AVP 0\r\n";
	static const char update_ok[] =
		"SIP/2.0 200 OK\r\nCall-ID: m@a\r\nTo: <sip:b@192.0.2.2>;tag=t\r\n"
		"CSeq: 2 UPDATE\r\nContent-Type: application/sdp\r\nContent-Length: 48\r\n\r\n"
		"v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\n";
	struct sipxdp_event h = header(0, 0, 0);
	struct media_stream streams[4];
	struct core_view view;

	if (!core_start())
		return;
	CHECK(handle(invite, 1, 1 * SEC, false));
	CHECK(handle(ok, 2, 2 * SEC, true));
	CHECK(handle(update, 3, 3 * SEC, false));
	CHECK(handle(update_ok, 4, 3 * SEC + 10 * MSEC, true));
	CHECK(core_view(&core, 4 * SEC, false, &view) == 0);
	CHECK_EQ(view.media.offers, 2);
	CHECK_EQ(view.media.answers, 2);
	CHECK_EQ(view.media.streams, 2);
	CHECK_EQ(view.media.max_streams, MEDIA_DEFAULT_MAX_STREAMS);
	CHECK_EQ(media_tracker_streams(core.media, "m@a", 3, &h.saddr, &h.daddr, streams, 4), 2);
	CHECK_EQ(streams[0].dst_port, 4002);
	core_view_free(&view);
	core_destroy(&core);
}

TEST_MAIN("core",
	  TEST(test_record_sizes),
	  TEST(test_seq_gaps),
	  TEST(test_records_feed_trackers),
	  TEST(test_records_feed_media),
	  TEST(test_gap_ends_pending_as_unverified),
	  TEST(test_events_lost_count_rise),
	  TEST(test_trace_lines))
