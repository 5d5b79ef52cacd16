// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "metrics.h"
#include "sipevent.h"
#include "testlib.h"

#define FFFD "\xef\xbf\xbd"
#define PROMTOOL "/usr/bin/promtool"
#define PEERS_TEXT "10.0.0.0/8 carrierA max-cps=25\n10.1.0.0/16 carrierB max-calls=100 max-cps=10\n" \
	"192.0.2.0/24 lab\n"

/* The exposition of in, as a string; NULL if metrics_write failed. */
static char *render(const struct metrics_input *in)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	int err;

	if (!out)
		return NULL;
	err = metrics_write(out, in);
	fclose(out);
	if (err) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Lines of text equal to line (whole lines only). */
static int count_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	int n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, line, len) == 0 && p[len] == '\n')
			n++;
	return n;
}

static int count_prefix(const char *text, const char *prefix)
{
	size_t len = strlen(prefix);
	int n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, len) == 0;
	return n;
}

#define HAS_LINE(text, line) CHECK_EQ(count_line(text, line), 1)

static struct sipxdp_addr addr_of(const char *text)
{
	struct sipxdp_addr a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	CHECK(inet_pton(a.family, text, a.bytes) == 1);
	return a;
}

/* The order snapshot_read leaves the sources in. */
static int compare_rows(const void *a, const void *b)
{
	const struct source_row *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	return c ? c : (int)x->code - (int)y->code;
}

static struct response_row fixture_responses[] = {
	{ .code = 100, .direction = SIPXDP_DIR_INGRESS, .method = SIPXDP_M_UNKNOWN, .count = 5 },
	{ .code = 200, .direction = SIPXDP_DIR_INGRESS, .method = SIPXDP_M_INVITE, .count = 10 },
	{ .code = 200, .direction = SIPXDP_DIR_EGRESS, .method = SIPXDP_M_INVITE, .count = 7 },
	{ .code = 301, .direction = SIPXDP_DIR_INGRESS, .method = SIPXDP_M_INVITE, .count = 3 },
	{ .code = 301, .direction = SIPXDP_DIR_EGRESS, .method = SIPXDP_M_OTHER, .count = 2 },
	{ .code = 302, .direction = SIPXDP_DIR_INGRESS, .method = SIPXDP_M_INVITE, .count = 4 },
	{ .code = 486, .direction = SIPXDP_DIR_INGRESS, .method = SIPXDP_M_INVITE, .count = 1 },
};

struct fixture {
	struct snapshot snap;
	struct source_row sources[8];
	struct ack_stats acks;
	struct redirect_table *redirects;
	struct peer_map *peers;
	__u64 peer_responses[4 * SIPXDP_CLASSES];	/* "other" and PEERS_TEXT's three */
	struct metrics_input in;
};

/* Sets the kernel's count for peer `name`, class `class` (1..6). */
static void set_peer_count(struct fixture *f, const char *name, int class, __u64 count)
{
	for (unsigned int id = 0; id <= peers_name_count(f->peers); id++)
		if (!strcmp(peers_name(f->peers, id), name))
			f->peer_responses[id * SIPXDP_CLASSES + class - 1] = count;
}

/* A `code` response from source with one Contact header, fed at now. */
static void feed_redirect_at(struct redirect_table *t, __u64 now, __u16 code, const char *source,
			     const char *contact, size_t contact_len)
{
	static struct test_message msg;

	redirect_table_feed(t, test_response_with_contact(&msg, code, source, contact, contact_len),
			    now);
}

static void feed_redirect(struct redirect_table *t, __u16 code, const char *source,
			  const char *contact, size_t contact_len)
{
	feed_redirect_at(t, 1, code, source, contact, contact_len);
}

/* A small snapshot with every kind of row, ACK stats and a redirect table. */
static bool fixture_init(struct fixture *f)
{
	static const struct {
		const char *addr;
		__u16 code;
		__u64 count;
	} rows[] = {
		{ "10.0.0.1", 200, 5 }, { "10.0.0.1", 486, 1 },		/* carrierA */
		{ "10.1.0.2", 200, 3 }, { "10.1.0.2", 302, 2 },		/* carrierB */
		{ "192.0.2.7", 180, 4 },				/* lab */
		{ "198.51.100.1", 503, 9 },				/* other */
		{ "2001:db8::1", 200, 20 },				/* other */
	};
	char err[256] = "";

	memset(f, 0, sizeof(*f));
	f->snap.counters[SIPXDP_RES_SIP] = 100;
	f->snap.counters[SIPXDP_RES_NOT_SIP] = 5000;
	f->snap.counters[SIPXDP_RES_TRUNCATED] = 1;
	f->snap.counters[SIPXDP_RES_MALFORMED] = 2;
	f->snap.counters[SIPXDP_RES_FRAGMENT] = 3;
	f->snap.counters[SIPXDP_CNT_EVENTS_LOST] = 7;
	f->snap.counters[SIPXDP_CNT_EVENTS_CUT] = 3;
	f->snap.counters[SIPXDP_CNT_SOURCE_UPDATE_FAILED] = 2;
	f->snap.counters[SIPXDP_CNT_RESPONSE_UPDATE_FAILED] = 1;
	f->snap.requests[SIPXDP_DIR_INGRESS][SIPXDP_M_INVITE] = 11;
	f->snap.requests[SIPXDP_DIR_EGRESS][SIPXDP_M_ACK] = 4;
	f->snap.responses = fixture_responses;
	f->snap.n_responses = sizeof(fixture_responses) / sizeof(fixture_responses[0]);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		f->sources[i].addr = addr_of(rows[i].addr);
		f->sources[i].code = rows[i].code;
		f->sources[i].count = rows[i].count;
	}
	f->snap.sources = f->sources;
	f->snap.n_sources = sizeof(rows) / sizeof(rows[0]);
	qsort(f->sources, f->snap.n_sources, sizeof(f->sources[0]), compare_rows);
	f->snap.responses_capacity = 4096;
	f->snap.sources_capacity = 65536;

	f->acks = (struct ack_stats){
		.invite_2xx = 12, .retransmissions = 3, .matched = 9, .missing = 2, .late = 1,
		.unverified = 4, .evicted = 1, .pending = 1, .table_entries = 15,
		.table_capacity = 65536,
		.delay_buckets = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9 },
		.delay_count = 9, .delay_sum_seconds = 3.5,
	};

	f->redirects = redirect_table_new(0, 0);
	f->peers = peers_parse(PEERS_TEXT, "test", err, sizeof(err));
	CHECK(f->redirects);
	CHECK(f->peers);
	if (!f->redirects || !f->peers) {
		fprintf(stderr, "fixture: %s\n", err);
		redirect_table_free(f->redirects);
		peers_free(f->peers);
		return false;
	}
	/* What the kernel counted per peer for the rows above. */
	set_peer_count(f, "carrierA", 2, 5);
	set_peer_count(f, "carrierA", 4, 1);
	set_peer_count(f, "carrierB", 2, 3);
	set_peer_count(f, "carrierB", 3, 2);
	set_peer_count(f, "lab", 1, 4);
	set_peer_count(f, "other", 5, 9);
	set_peer_count(f, "other", 2, 20);
	f->snap.peer_responses = f->peer_responses;
	f->snap.n_peers = peers_name_count(f->peers) + 1;
	feed_redirect(f->redirects, 302, "10.1.0.2", "<sip:alice@192.0.2.20>", 22);
	feed_redirect(f->redirects, 302, "10.1.0.2", "<sip:alice@192.0.2.20>", 22);
	feed_redirect(f->redirects, 302, "10.0.0.1", "sip:alice@192.0.2.20;q=1", 24);
	feed_redirect(f->redirects, 301, "10.0.0.1", "<sip:bob@x>, sip:carol@y", 24);

	f->in = (struct metrics_input){
		.snap = &f->snap, .acks = &f->acks, .redirects = f->redirects,
		.peers = f->peers, .per_source_top_n = 2, .version = "1.2.3-test",
		.http_refused = 5,
	};
	return true;
}

static void fixture_free(struct fixture *f)
{
	redirect_table_free(f->redirects);
	peers_free(f->peers);
}

static bool is_suffix(const char *s, size_t len, const char *suffix)
{
	return len == strlen(suffix) && strncmp(s, suffix, len) == 0;
}

/*
 * One HELP and one TYPE per family, before its samples; the samples of a
 * family together; the text ends with a newline. Returns the families.
 */
static int check_families(const char *text)
{
	char names[64][64], current[64] = "";
	int n = 0;

	CHECK(*text && text[strlen(text) - 1] == '\n');
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		char name[64] = "", type[16] = "";

		if (!end)
			break;
		if (strncmp(p, "# HELP ", 7) == 0) {
			CHECK(sscanf(p + 7, "%63s", name) == 1);
			for (int i = 0; i < n; i++)
				CHECK(strcmp(names[i], name) != 0);
			CHECK(n < 64);
			if (n < 64)
				strcpy(names[n++], name);
			strcpy(current, name);
			/* TYPE right after HELP, for the same name. */
			CHECK(sscanf(end + 1, "# TYPE %63s %15s", name, type) == 2);
			CHECK_STR(name, current);
			end = strchr(end + 1, '\n');
			if (!end)
				break;
		} else {
			size_t len = strcspn(p, "{ ");
			size_t cur = strlen(current);

			CHECK(*p != '#');
			/* A sample of the current family (a histogram's have suffixes). */
			CHECK(len >= cur && strncmp(p, current, cur) == 0 &&
			      (len == cur || is_suffix(p + cur, len - cur, "_bucket") ||
			       is_suffix(p + cur, len - cur, "_sum") ||
			       is_suffix(p + cur, len - cur, "_count")));
		}
		p = end + 1;
	}
	return n;
}

/* promtool check metrics must accept text; skipped, saying why, without it. */
static void check_promtool(const char *text)
{
	FILE *p;
	int status;

	if (access(PROMTOOL, X_OK) != 0) {
		printf("skip promtool check: %s not found (Debian package prometheus)\n",
		       PROMTOOL);
		return;
	}
	p = popen(PROMTOOL " check metrics", "w");
	CHECK(p);
	if (!p)
		return;
	fputs(text, p);
	status = pclose(p);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void traffic_families(void)
{
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		HAS_LINE(text, "sipxdp_packets_total{result=\"sip\"} 100");
		HAS_LINE(text, "sipxdp_packets_total{result=\"not_sip\"} 5000");
		HAS_LINE(text, "sipxdp_packets_total{result=\"fragment\"} 3");
		HAS_LINE(text, "sipxdp_responses_total{direction=\"egress\",class=\"2xx\","
			 "code=\"200\",method=\"INVITE\"} 7");
		HAS_LINE(text, "sipxdp_responses_total{direction=\"ingress\",class=\"1xx\","
			 "code=\"100\",method=\"UNKNOWN\"} 5");
		CHECK_EQ(count_prefix(text, "sipxdp_responses_total{"), 7);
		HAS_LINE(text, "sipxdp_requests_total{direction=\"ingress\",method=\"INVITE\"} 11");
		HAS_LINE(text, "sipxdp_requests_total{direction=\"egress\",method=\"ACK\"} 4");
		HAS_LINE(text, "sipxdp_requests_total{direction=\"egress\",method=\"BYE\"} 0");
		HAS_LINE(text, "sipxdp_events_lost_total 7");
		HAS_LINE(text, "sipxdp_events_cut_total 3");
		HAS_LINE(text, "sipxdp_map_update_failures_total{map=\"sources\"} 2");
		HAS_LINE(text, "sipxdp_map_update_failures_total{map=\"responses\"} 1");
		HAS_LINE(text, "sipxdp_map_entries{map=\"sources\"} 7");
		HAS_LINE(text, "sipxdp_map_entries{map=\"responses\"} 7");
		HAS_LINE(text, "sipxdp_map_capacity{map=\"sources\"} 65536");
		HAS_LINE(text, "sipxdp_map_capacity{map=\"responses\"} 4096");
		HAS_LINE(text, "sipxdp_http_refused_total 5");
		HAS_LINE(text, "sipxdp_build_info{version=\"1.2.3-test\"} 1");
		HAS_LINE(text, "# TYPE sipxdp_packets_total counter");
		HAS_LINE(text, "# TYPE sipxdp_map_entries gauge");
	}
	free(text);
	fixture_free(&f);
}

static void help_and_type_once_per_family(void)
{
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		/* Every family, with every option on. */
		CHECK_EQ(check_families(text), 27);
		check_promtool(text);
	}
	free(text);

	/* Only the always-present ones with ACKs, redirects and sources off. */
	f.in.acks = NULL;
	f.in.redirects = NULL;
	f.in.per_source_top_n = 0;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		CHECK_EQ(check_families(text), 13);
		CHECK(!strstr(text, "sipxdp_ack"));
		CHECK(!strstr(text, "sipxdp_invite"));
		CHECK(!strstr(text, "redirect"));
		CHECK(!strstr(text, "sipxdp_source_"));
		check_promtool(text);
	}
	free(text);
	fixture_free(&f);
}

/* The kernel's per-peer counts, named: ids in name order, 0 is "other". */
static void peers_named_from_kernel_counts(void)
{
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		HAS_LINE(text, "sipxdp_peer_responses_total{peer=\"carrierA\",class=\"2xx\"} 5");
		HAS_LINE(text, "sipxdp_peer_responses_total{peer=\"carrierA\",class=\"4xx\"} 1");
		HAS_LINE(text, "sipxdp_peer_responses_total{peer=\"carrierB\",class=\"3xx\"} 2");
		HAS_LINE(text, "sipxdp_peer_responses_total{peer=\"lab\",class=\"1xx\"} 4");
		HAS_LINE(text, "sipxdp_peer_responses_total{peer=\"other\",class=\"2xx\"} 20");
		HAS_LINE(text, "sipxdp_peer_responses_total{peer=\"other\",class=\"5xx\"} 9");
		CHECK_EQ(count_prefix(text, "sipxdp_peer_responses_total{"), 4 * 6);
		/* Only the limits the file gives. */
		HAS_LINE(text, "sipxdp_peer_limit{peer=\"carrierA\",kind=\"cps\"} 25");
		HAS_LINE(text, "sipxdp_peer_limit{peer=\"carrierB\",kind=\"calls\"} 100");
		HAS_LINE(text, "sipxdp_peer_limit{peer=\"carrierB\",kind=\"cps\"} 10");
		CHECK_EQ(count_prefix(text, "sipxdp_peer_limit{"), 3);
	}
	free(text);

	/* No peers file: the kernel keeps one row, "other". */
	f.in.peers = NULL;
	f.snap.n_peers = 1;
	f.peer_responses[1] = 28;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		HAS_LINE(text, "sipxdp_peer_responses_total{peer=\"other\",class=\"2xx\"} 28");
		CHECK_EQ(count_prefix(text, "sipxdp_peer_responses_total{"), 6);
		CHECK_EQ(count_prefix(text, "sipxdp_peer_limit{"), 0);
	}
	free(text);
	fixture_free(&f);
}

static void top_sources_capped(void)
{
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		/* The two busiest: 2001:db8::1 (20) and 198.51.100.1 (9). */
		CHECK_EQ(count_prefix(text, "sipxdp_source_responses_total{"), 2 * 6);
		HAS_LINE(text, "sipxdp_source_responses_total{source=\"2001:db8::1\",class=\"2xx\"} 20");
		HAS_LINE(text, "sipxdp_source_responses_total{source=\"198.51.100.1\",class=\"5xx\"} 9");
		HAS_LINE(text, "sipxdp_source_responses_total{source=\"198.51.100.1\",class=\"1xx\"} 0");
		CHECK(!strstr(text, "source=\"10.0.0.1\""));
	}
	free(text);

	/* More than there are: every source, once. */
	f.in.per_source_top_n = 100;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		CHECK_EQ(count_prefix(text, "sipxdp_source_responses_total{"), 5 * 6);
		HAS_LINE(text, "sipxdp_source_responses_total{source=\"10.0.0.1\",class=\"2xx\"} 5");
		HAS_LINE(text, "sipxdp_source_responses_total{source=\"10.0.0.1\",class=\"4xx\"} 1");
	}
	free(text);

	f.in.per_source_top_n = 0;
	text = render(&f.in);
	CHECK(text && !strstr(text, "sipxdp_source_responses_total"));
	free(text);
	fixture_free(&f);
}

static void ack_families(void)
{
	struct fixture f;
	char *text, line[128];

	if (!fixture_init(&f))
		return;
	text = render(&f.in);
	CHECK(text);
	if (!text)
		goto out;
	HAS_LINE(text, "sipxdp_invite_2xx_total{peer=\"other\"} 12");
	HAS_LINE(text, "sipxdp_invite_2xx_retransmissions_total{peer=\"other\"} 3");
	HAS_LINE(text, "sipxdp_ack_matched_total{peer=\"other\"} 9");
	HAS_LINE(text, "sipxdp_ack_missing_total{peer=\"other\"} 2");
	HAS_LINE(text, "sipxdp_ack_late_total{peer=\"other\"} 1");
	HAS_LINE(text, "sipxdp_ack_unverified_total{peer=\"other\"} 4");
	HAS_LINE(text, "sipxdp_ack_evicted_total 1");
	HAS_LINE(text, "sipxdp_invites_awaiting_ack 1");
	HAS_LINE(text, "# TYPE sipxdp_invites_awaiting_ack gauge");
	HAS_LINE(text, "# TYPE sipxdp_ack_delay_seconds histogram");
	HAS_LINE(text, "sipxdp_ack_delay_seconds_bucket{le=\"+Inf\"} 9");
	HAS_LINE(text, "sipxdp_ack_delay_seconds_sum 3.5");
	HAS_LINE(text, "sipxdp_ack_delay_seconds_count 9");
	HAS_LINE(text, "sipxdp_map_entries{map=\"ack_table\"} 15");
	HAS_LINE(text, "sipxdp_map_capacity{map=\"ack_table\"} 65536");
	CHECK_EQ(count_prefix(text, "sipxdp_ack_delay_seconds_bucket{"), ACK_DELAY_BUCKETS + 1);
	/* Bounds written as Prometheus does: the short form ("0.005", "1"), in order. */
	for (int i = 0; i < ACK_DELAY_BUCKETS; i++) {
		snprintf(line, sizeof(line), "sipxdp_ack_delay_seconds_bucket{le=\"%g\"} %llu",
			 ack_delay_bounds[i], f.acks.delay_buckets[i]);
		HAS_LINE(text, line);
	}
	f.acks.delay_sum_seconds = 0.1 + 0.2;	/* needs all 17 digits to read back */
	free(text);
	text = render(&f.in);
	CHECK(text);
	if (text)
		HAS_LINE(text, "sipxdp_ack_delay_seconds_sum 0.30000000000000004");
out:
	free(text);
	fixture_free(&f);
}

/* A call tracker on f's peers, fed *ev: an INVITE from carrierB (10.1.0.2)
 * at 1 s, which the caller goes on from. NULL (checked) on failure. */
static struct call_tracker *tracker_with_invite(const struct fixture *f, struct sip_event *ev)
{
	struct call_tracker_opts opts = { .peers = f->peers };
	struct call_tracker *t = call_tracker_new(&opts);

	CHECK(t);
	*ev = (struct sip_event){ .kind = SIP_EV_REQUEST, .method = SIPXDP_M_INVITE,
				  .direction = SIPXDP_DIR_INGRESS, .cseq = 1,
				  .flags = SIP_EVF_NO_TO_TAG, .call_id = "c@x", .call_id_len = 3 };
	ev->saddr = (struct sipxdp_addr){ .bytes = { 10, 1, 0, 2 }, .family = AF_INET };
	ev->daddr = (struct sipxdp_addr){ .bytes = { 198, 51, 100, 1 }, .family = AF_INET };
	if (t)
		call_tracker_feed(t, ev, 1000000000ull);
	return t;
}

/* The call tracker's families from real events: per peer, HELP/TYPE once,
 * accepted by promtool. */
static void call_families(void)
{
	static const char bye[] = "BYE sip:a@10.1.0.2 SIP/2.0\r\n"
		"Reason: Q.850;cause=16;text=\"Normal\", SIP;cause=200, Q.850;cause=0\r\n\r\n";
	static struct sip_msg bye_msg;
	struct fixture f;
	struct call_tracker *t;
	struct call_stats cs;
	char *text = NULL;
	struct sip_event ev;

	if (!fixture_init(&f))
		return;
	t = tracker_with_invite(&f, &ev);
	if (!t)
		goto out;
	ev.kind = SIP_EV_INVITE_2XX;
	ev.status = 200;
	ev.direction = SIPXDP_DIR_EGRESS;
	ev.flags = 0;
	ev.to_tag = "x";
	ev.to_tag_len = 1;
	ev.daddr = ev.saddr;
	ev.saddr = (struct sipxdp_addr){ .bytes = { 198, 51, 100, 1 }, .family = AF_INET };
	call_tracker_feed(t, &ev, 1100000000ull);
	/* the callee hangs up, with a Reason */
	sip_parse(bye, strlen(bye), &bye_msg);
	ev.kind = SIP_EV_REQUEST;
	ev.method = SIPXDP_M_BYE;
	ev.status = 0;
	ev.cseq = 2;
	ev.direction = SIPXDP_DIR_INGRESS;
	ev.msg = &bye_msg;
	call_tracker_feed(t, &ev, 2100000000ull);
	call_tracker_stats(t, &cs);
	f.in.calls = t;
	f.in.call_stats = &cs;
	f.in.ack_matcher = call_tracker_acks(t);
	text = render(&f.in);
	CHECK(text);
	if (!text)
		goto out;
	HAS_LINE(text, "sipxdp_call_attempts_total{peer=\"carrierB\",direction=\"inbound\"} 1");
	HAS_LINE(text, "sipxdp_call_outcomes_total{peer=\"carrierB\",direction=\"inbound\","
		 "outcome=\"answered\"} 1");
	HAS_LINE(text, "sipxdp_calls_active{peer=\"carrierB\"} 1");
	HAS_LINE(text, "sipxdp_calls_ended_by_total{peer=\"carrierB\",side=\"callee\"} 1");
	HAS_LINE(text, "sipxdp_calls_ended_by_total{peer=\"carrierB\",side=\"caller\"} 0");
	HAS_LINE(text, "sipxdp_call_end_causes_total{peer=\"carrierB\",protocol=\"q850\","
		 "cause=\"16\"} 1");
	HAS_LINE(text, "sipxdp_call_end_causes_total{peer=\"carrierB\",protocol=\"sip\","
		 "cause=\"200\"} 1");
	CHECK(!strstr(text, "Normal"));		/* the text never becomes a label */
	CHECK(!strstr(text, "cause=\"0\""));	/* nor a cause out of range */
	HAS_LINE(text, "# TYPE sipxdp_call_end_causes_total counter");
	HAS_LINE(text, "sipxdp_invite_identity_total{peer=\"carrierB\",direction=\"inbound\","
		 "attest=\"none\"} 0");	/* the INVITE had no parse to read */
	HAS_LINE(text, "sipxdp_invite_identity_total{peer=\"lab\",direction=\"outbound\","
		 "attest=\"unreadable\"} 0");
	HAS_LINE(text, "sipxdp_invite_verstat_total{peer=\"lab\",direction=\"inbound\","
		 "verstat=\"TN-Validation-Passed\"} 0");
	HAS_LINE(text, "sipxdp_invite_verstat_total{peer=\"other\",direction=\"outbound\","
		 "verstat=\"other\"} 0");
	HAS_LINE(text, "sipxdp_invite_2xx_total{peer=\"carrierB\"} 1");
	HAS_LINE(text, "sipxdp_invite_2xx_total{peer=\"other\"} 0");
	HAS_LINE(text, "sipxdp_call_answer_delay_seconds_count{peer=\"carrierB\"} 1");
	HAS_LINE(text, "sipxdp_call_answer_delay_seconds_bucket{peer=\"carrierB\",le=\"+Inf\"} 1");
	HAS_LINE(text, "sipxdp_options_total{peer=\"other\",outcome=\"unanswered\"} 0");
	HAS_LINE(text, "sipxdp_map_evictions_total{map=\"calls\"} 0");
	HAS_LINE(text, "# TYPE sipxdp_call_setup_delay_seconds histogram");
	HAS_LINE(text, "# TYPE sipxdp_calls_active gauge");
	HAS_LINE(text, "# TYPE sipxdp_register_delay_seconds histogram");
	/* a peer with nothing counted yet has its series, at 0, so rate() is
	 * right from the first scrape */
	HAS_LINE(text, "sipxdp_call_attempts_total{peer=\"lab\",direction=\"inbound\"} 0");
	HAS_LINE(text, "sipxdp_calls_completed_total{peer=\"lab\"} 0");
	HAS_LINE(text, "sipxdp_ack_missing_total{peer=\"lab\"} 0");
	check_promtool(text);
out:
	free(text);
	call_tracker_free(t);
	fixture_free(&f);
}

/* What a loss of records leaves unverified, or ends unseen, per peer. */
static void unverified_families(void)
{
	struct fixture f;
	struct call_tracker *t;
	char *text = NULL;
	struct sip_event ev;

	if (!fixture_init(&f))
		return;
	t = tracker_with_invite(&f, &ev);	/* a call, never answered */
	if (!t)
		goto out;
	ev.method = SIPXDP_M_OPTIONS;
	call_tracker_feed(t, &ev, 1000000000ull);	/* never answered either */
	ev.call_id = "d@x";
	ev.method = SIPXDP_M_INVITE;
	call_tracker_feed(t, &ev, 1000000000ull);
	ev.kind = SIP_EV_INVITE_2XX;			/* answered, so active */
	ev.status = 200;
	ev.flags = 0;
	ev.to_tag = "x";
	ev.to_tag_len = 1;
	call_tracker_feed(t, &ev, 1100000000ull);
	call_tracker_gap(t, 2000000000ull);
	call_tracker_expire(t, 60000000000ull);
	f.in.calls = t;
	f.in.ack_matcher = call_tracker_acks(t);
	text = render(&f.in);
	CHECK(text);
	if (!text)
		goto out;
	HAS_LINE(text, "sipxdp_call_outcomes_total{peer=\"carrierB\",direction=\"inbound\","
		 "outcome=\"unverified\"} 1");
	HAS_LINE(text, "sipxdp_call_outcomes_total{peer=\"carrierB\",direction=\"inbound\","
		 "outcome=\"unanswered\"} 0");
	HAS_LINE(text, "sipxdp_options_total{peer=\"carrierB\",outcome=\"unverified\"} 1");
	HAS_LINE(text, "sipxdp_options_total{peer=\"carrierB\",outcome=\"unanswered\"} 0");
	HAS_LINE(text, "sipxdp_register_total{peer=\"lab\",outcome=\"unverified\"} 0");
	HAS_LINE(text, "sipxdp_ack_unverified_total{peer=\"carrierB\"} 1");
	HAS_LINE(text, "sipxdp_ack_missing_total{peer=\"carrierB\"} 0");
	HAS_LINE(text, "sipxdp_calls_ended_unseen_total{peer=\"carrierB\","
		 "reason=\"events_lost\"} 1");
	HAS_LINE(text, "sipxdp_calls_ended_unseen_total{peer=\"carrierB\","
		 "reason=\"max_duration\"} 0");
	HAS_LINE(text, "sipxdp_calls_ended_unseen_total{peer=\"lab\",reason=\"events_lost\"} 0");
	HAS_LINE(text, "sipxdp_calls_active{peer=\"carrierB\"} 0");
	HAS_LINE(text, "# TYPE sipxdp_calls_ended_unseen_total counter");
	HAS_LINE(text, "# TYPE sipxdp_ack_unverified_total counter");
	check_promtool(text);
out:
	free(text);
	call_tracker_free(t);
	fixture_free(&f);
}

static void redirect_families(void)
{
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		/* From the responses rows, all directions and methods. */
		HAS_LINE(text, "sipxdp_redirects_total{code=\"301\"} 5");
		HAS_LINE(text, "sipxdp_redirects_total{code=\"302\"} 4");
		CHECK_EQ(count_prefix(text, "sipxdp_redirects_total{"), 2);
		/* From the table, summed over the two sources. */
		HAS_LINE(text, "sipxdp_redirect_target_responses_total{code=\"302\","
			 "target=\"sip:alice@192.0.2.20\"} 3");
		HAS_LINE(text, "sipxdp_redirect_target_responses_total{code=\"301\","
			 "target=\"sip:bob@x\"} 1");
		HAS_LINE(text, "sipxdp_redirect_target_responses_total{code=\"301\","
			 "target=\"sip:carol@y\"} 1");
		CHECK_EQ(count_prefix(text, "sipxdp_redirect_target_responses_total{"), 3);
		HAS_LINE(text, "sipxdp_redirect_targets_overflow_total 0");
		HAS_LINE(text, "sipxdp_map_entries{map=\"redirect_targets\"} 4");
		HAS_LINE(text, "sipxdp_map_capacity{map=\"redirect_targets\"} 1000");
		HAS_LINE(text, "sipxdp_map_evictions_total{map=\"redirect_targets\"} 0");
		HAS_LINE(text, "sipxdp_redirect_targets_expired_total 0");
	}
	free(text);
	fixture_free(&f);
}

/* A REGISTER from a lab phone and the registrar's 2xx binding two Contacts. */
static void registration_families(void)
{
	static const char request[] = "REGISTER sip:x SIP/2.0\r\nCall-ID: r1\r\n"
		"CSeq: 1 REGISTER\r\nTo: <sip:alice@x>\r\n"
		"Contact: <sip:alice@192.0.2.9>, <sip:alice@192.0.2.9;transport=tcp>\r\n\r\n";
	static const char ok[] = "SIP/2.0 200 OK\r\nCall-ID: r1\r\nCSeq: 1 REGISTER\r\n"
		"Expires: 60\r\n\r\n";
	struct registration_table *reg;
	struct registration_stats st;
	struct test_message m;
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	reg = registration_table_new(f.peers, 4);
	CHECK(reg);
	if (!reg) {
		fixture_free(&f);
		return;
	}
	registration_table_feed(reg, test_event(&m, "192.0.2.9", request, strlen(request)), 1);
	registration_table_feed(reg, test_event(&m, "192.0.2.9", ok, strlen(ok)), 2);
	registration_table_stats(reg, &st);
	f.in.registrations = reg;
	f.in.registration_stats = &st;
	text = render(&f.in);
	CHECK(text);
	if (text) {
		HAS_LINE(text, "sipxdp_registrations_active{peer=\"lab\"} 2");
		HAS_LINE(text, "sipxdp_registrations_active{peer=\"other\"} 0");
		CHECK_EQ(count_prefix(text, "sipxdp_registrations_active{"), 4);
		HAS_LINE(text, "sipxdp_map_entries{map=\"registrations\"} 2");
		HAS_LINE(text, "sipxdp_map_capacity{map=\"registrations\"} 4");
		HAS_LINE(text, "sipxdp_map_evictions_total{map=\"registrations\"} 0");
		HAS_LINE(text, "sipxdp_map_entries{map=\"registers_pending\"} 0");
		check_promtool(text);
	}
	free(text);
	registration_table_free(reg);
	fixture_free(&f);
}

#define NS	1000000000ull

/* A full table: a target idle for a minute makes room (an eviction); one
 * idle for the max age is dropped (expired). */
static void redirect_evictions_and_expiry(void)
{
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	redirect_table_free(f.redirects);
	f.redirects = redirect_table_new(1, 120 * NS);
	f.in.redirects = f.redirects;
	CHECK(f.redirects);
	if (!f.redirects)
		goto out;
	feed_redirect_at(f.redirects, 0, 302, "192.0.2.1", "<sip:a@x>", 9);
	feed_redirect_at(f.redirects, 61 * NS, 302, "192.0.2.1", "<sip:b@x>", 9);
	redirect_table_expire(f.redirects, 181 * NS);
	text = render(&f.in);
	CHECK(text);
	if (text) {
		HAS_LINE(text, "sipxdp_map_evictions_total{map=\"redirect_targets\"} 1");
		HAS_LINE(text, "sipxdp_redirect_targets_expired_total 1");
		HAS_LINE(text, "sipxdp_map_entries{map=\"redirect_targets\"} 0");
		check_promtool(text);
	}
	free(text);
out:
	fixture_free(&f);
}

static void hostile_contact_one_valid_line(void)
{
	/* Quote, backslash, newline (a folded line), NUL, invalid UTF-8, then far
	 * past the bound. */
	static const char head[] = "<sip:\"q\\b\n x\0\xff\xc0\xaf";
	char contact[2 * REDIRECT_TARGET_MAX], want[1024];
	size_t head_len = sizeof(head) - 1, uri_head = head_len - 1;
	struct fixture f;
	char *text;

	if (!fixture_init(&f))
		return;
	memcpy(contact, head, head_len);
	memset(contact + head_len, 'a', sizeof(contact) - head_len - 1);
	contact[sizeof(contact) - 1] = '>';
	feed_redirect(f.redirects, 399, "192.0.2.66", contact, sizeof(contact));
	/* Two other bytes that both escape to U+FFFD: one series, not two alike. */
	feed_redirect(f.redirects, 399, "192.0.2.66", "<\xfe>", 3);
	feed_redirect(f.redirects, 399, "192.0.2.67", "<\xfd>", 3);

	snprintf(want, sizeof(want), "sipxdp_redirect_target_responses_total{code=\"399\","
		 "target=\"sip:\\\"q\\\\b\\n x" FFFD FFFD FFFD FFFD "%.*s...\"} 1",
		 (int)(REDIRECT_TARGET_MAX - uri_head), contact + head_len);
	text = render(&f.in);
	CHECK(text);
	if (text) {
		HAS_LINE(text, want);
		HAS_LINE(text, "sipxdp_redirect_target_responses_total{code=\"399\","
			 "target=\"" FFFD "\"} 2");
		CHECK_EQ(count_prefix(text, "sipxdp_redirect_target_responses_total{code=\"399\""),
			 2);
		CHECK_EQ(check_families(text), 27);
		check_promtool(text);
	}
	free(text);
	fixture_free(&f);
}

static void write_error_reported(void)
{
	struct fixture f;
	char buf[64];
	FILE *out;

	if (!fixture_init(&f))
		return;
	out = fmemopen(buf, sizeof(buf), "w");
	CHECK(out);
	if (out) {
		CHECK_EQ(metrics_write(out, &f.in), -1);
		fclose(out);
	}
	fixture_free(&f);
}

/* 10,000 sources (30,000 rows) and 1,000 targets: a scrape stays fast. */
static void large_scrape(void)
{
	const size_t n_addrs = 10000, n_rows = 3 * n_addrs;
	static const __u16 codes[3] = { 200, 302, 503 };
	struct source_row *rows = calloc(n_rows, sizeof(*rows));
	struct fixture f;
	char contact[64], *text = NULL;

	CHECK(rows);
	if (!rows || !fixture_init(&f)) {
		free(rows);
		return;
	}
	for (size_t i = 0; i < n_rows; i++) {
		size_t a = i / 3;

		rows[i].addr.family = AF_INET;
		rows[i].addr.bytes[0] = 10;
		rows[i].addr.bytes[1] = (__u8)(a >> 16);
		rows[i].addr.bytes[2] = (__u8)(a >> 8);
		rows[i].addr.bytes[3] = (__u8)a;
		rows[i].code = codes[i % 3];
		rows[i].count = a + 1;	/* 10.0.39.15 (a = 9999) is the busiest */
	}
	/* A table of its own, to fill to exactly its 1,000 targets. */
	redirect_table_free(f.redirects);
	f.redirects = redirect_table_new(1000, 0);
	f.in.redirects = f.redirects;
	CHECK(f.redirects);
	for (int i = 0; f.redirects && i < 1000; i++) {
		int len = snprintf(contact, sizeof(contact), "<sip:user%d@198.51.100.%d>", i,
				   i % 256);

		feed_redirect(f.redirects, 302, "192.0.2.1", contact, (size_t)len);
	}
	f.snap.sources = rows;
	f.snap.n_sources = n_rows;
	f.in.per_source_top_n = 50;

	/* Its time is measured by bench/bench_agent, not asserted here. */
	text = render(&f.in);
	CHECK(text);
	if (text) {
		CHECK_EQ(count_prefix(text, "sipxdp_source_responses_total{"), 50 * 6);
		HAS_LINE(text, "sipxdp_source_responses_total{source=\"10.0.39.15\",class=\"5xx\"} "
			 "10000");
		CHECK_EQ(count_prefix(text, "sipxdp_redirect_target_responses_total{"), 1000);
		HAS_LINE(text, "sipxdp_redirect_targets_overflow_total 0");
		CHECK_EQ(check_families(text), 27);
	}
	free(text);
	free(rows);
	fixture_free(&f);
}

TEST_MAIN("metrics",
	  TEST(traffic_families),
	  TEST(help_and_type_once_per_family),
	  TEST(peers_named_from_kernel_counts),
	  TEST(top_sources_capped),
	  TEST(ack_families),
	  TEST(call_families),
	  TEST(registration_families),
	  TEST(unverified_families),
	  TEST(redirect_families),
	  TEST(redirect_evictions_and_expiry),
	  TEST(hostile_contact_one_valid_line),
	  TEST(write_error_reported),
	  TEST(large_scrape))
