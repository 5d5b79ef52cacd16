// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "ackmatch.h"
#include "testlib.h"

#define SEC	1000000000ull
#define MSEC	1000000ull
#define T0	(1000 * SEC)	/* an arbitrary monotonic origin */

static struct sipxdp_addr ipv4(__u8 a, __u8 b, __u8 c, __u8 d)
{
	struct sipxdp_addr addr = { .bytes = { a, b, c, d }, .family = AF_INET };

	return addr;
}

/* A 2xx goes UAS (192.0.2.1:5060) -> UAC (198.51.100.2:5080); an ACK the other way. */
static struct sip_event event(__u8 kind, const char *call_id, __u32 cseq)
{
	struct sip_event ev;
	int is_2xx = kind == SIP_EV_INVITE_2XX;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.saddr = is_2xx ? ipv4(192, 0, 2, 1) : ipv4(198, 51, 100, 2);
	ev.daddr = is_2xx ? ipv4(198, 51, 100, 2) : ipv4(192, 0, 2, 1);
	ev.sport = is_2xx ? 5060 : 5080;
	ev.dport = is_2xx ? 5080 : 5060;
	ev.method = is_2xx ? SIPXDP_M_INVITE : SIPXDP_M_ACK;
	ev.status = is_2xx ? 200 : 0;
	ev.transport = 17;
	ev.cseq = cseq;
	ev.call_id = call_id;
	ev.call_id_len = strlen(call_id);
	return ev;
}

static void feed(struct ack_matcher *m, __u8 kind, const char *call_id, __u32 cseq,
		 __u64 now_ns)
{
	struct sip_event ev = event(kind, call_id, cseq);

	ack_matcher_feed(m, &ev, now_ns);
}

static struct ack_matcher *matcher(size_t capacity, __u64 timeout_ns, size_t missed_keep)
{
	struct ack_matcher_opts opts = {
		.capacity = capacity,
		.timeout_ns = timeout_ns,
		.missed_keep = missed_keep,
	};

	return ack_matcher_new(&opts);
}

static struct ack_stats stats_of(const struct ack_matcher *m)
{
	struct ack_stats s;

	ack_matcher_stats(m, &s);
	return s;
}

static void test_defaults(void)
{
	struct ack_matcher *m = ack_matcher_new(NULL);
	struct ack_stats s;

	CHECK(m);
	if (!m)
		return;
	s = stats_of(m);
	CHECK_EQ(s.table_capacity, ACK_DEFAULT_CAPACITY);
	CHECK_EQ(s.table_entries, 0);
	/* Still pending 1 ns before the default 32 s. */
	feed(m, SIP_EV_INVITE_2XX, "d@x", 1, T0);
	ack_matcher_expire(m, T0 + ACK_DEFAULT_TIMEOUT_NS - 1);
	CHECK_EQ(stats_of(m).pending, 1);
	ack_matcher_expire(m, T0 + ACK_DEFAULT_TIMEOUT_NS);
	CHECK_EQ(stats_of(m).missing, 1);
	ack_matcher_free(m);
}

static void test_matched_delay_bucket(void)
{
	struct ack_matcher *m = matcher(16, 32 * SEC, 4);
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "a@host", 1, T0);
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 1);
	CHECK_EQ(s.pending, 1);
	CHECK_EQ(s.table_entries, 1);

	/* 30 ms: above 0.025, within 0.05 (index 3); buckets are cumulative. */
	feed(m, SIP_EV_ACK, "a@host", 1, T0 + 30 * MSEC);
	s = stats_of(m);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.pending, 0);
	CHECK_EQ(s.acks_unmatched, 0);
	CHECK_EQ(s.delay_count, 1);
	CHECK(fabs(s.delay_sum_seconds - 0.030) < 1e-12);
	for (int i = 0; i < ACK_DELAY_BUCKETS; i++)
		CHECK_EQ(s.delay_buckets[i], i >= 3 ? 1 : 0);
	CHECK(fabs(ack_stats_delay_quantile(&s, 0.5) - 0.0375) < 1e-12);

	/* A delay right on a bound belongs to that bucket (le). */
	feed(m, SIP_EV_INVITE_2XX, "b@host", 1, T0 + SEC);
	feed(m, SIP_EV_ACK, "b@host", 1, T0 + SEC + 5 * MSEC);
	s = stats_of(m);
	CHECK_EQ(s.delay_buckets[0], 1);
	CHECK_EQ(s.delay_buckets[3], 2);

	/* Over 32 s only +Inf (delay_count) sees it. */
	ack_matcher_free(m);
	m = matcher(16, 60 * SEC, 4);
	feed(m, SIP_EV_INVITE_2XX, "c@host", 1, T0);
	feed(m, SIP_EV_ACK, "c@host", 1, T0 + 40 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.delay_buckets[ACK_DELAY_BUCKETS - 1], 0);
	CHECK_EQ(s.delay_count, 1);
	ack_matcher_free(m);
}

static void test_retransmitted_2xx(void)
{
	struct ack_matcher *m = matcher(16, SEC, 4);
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "r@host", 7, T0);
	/* A retransmission while pending, after the ACK, after missing. */
	feed(m, SIP_EV_INVITE_2XX, "r@host", 7, T0 + 500 * MSEC);
	feed(m, SIP_EV_ACK, "r@host", 7, T0 + 600 * MSEC);
	feed(m, SIP_EV_INVITE_2XX, "r@host", 7, T0 + 700 * MSEC);
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 1);
	CHECK_EQ(s.retransmissions, 2);
	CHECK_EQ(s.matched, 1);
	/* The delay runs from the first 2xx, not the retransmission. */
	CHECK(fabs(s.delay_sum_seconds - 0.6) < 1e-12);

	feed(m, SIP_EV_INVITE_2XX, "lost@host", 7, T0 + 2 * SEC);
	ack_matcher_expire(m, T0 + 3 * SEC);
	feed(m, SIP_EV_INVITE_2XX, "lost@host", 7, T0 + 3 * SEC + 1);
	s = stats_of(m);
	CHECK_EQ(s.missing, 1);
	CHECK_EQ(s.invite_2xx, 2);
	CHECK_EQ(s.retransmissions, 3);
	CHECK_EQ(s.pending, 0);
	ack_matcher_free(m);
}

/*
 * An unACKed 2xx is retransmitted by its UAS for 64*T1 (T1 doubling to T2,
 * RFC 3261 13.3.1.4). With a timeout shorter than that it is one
 * transaction and one missing call, however many copies come; its ACK
 * after the timeout makes it late, not matched.
 */
static void test_missing_counted_once_while_retransmitted(void)
{
	struct ack_matcher *m = matcher(16, 5 * SEC, 4);
	__u64 at = 0, gap = 500 * MSEC;
	struct ack_stats s;
	int copies = 0;

	while (at < 31500 * MSEC) {
		feed(m, SIP_EV_INVITE_2XX, "unacked@host", 3, T0 + at);
		ack_matcher_expire(m, T0 + at + gap / 2);
		copies++;
		at += gap;
		gap = gap * 2 > 4 * SEC ? 4 * SEC : gap * 2;
	}
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 1);
	CHECK_EQ(s.missing, 1);
	CHECK_EQ(s.retransmissions, copies - 1);
	feed(m, SIP_EV_ACK, "unacked@host", 3, T0 + 31 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.late, 1);
	CHECK_EQ(s.matched, 0);
	/* past 64*T1 it is forgotten: the same Call-ID and CSeq is new again */
	ack_matcher_expire(m, T0 + 33 * SEC);
	feed(m, SIP_EV_INVITE_2XX, "unacked@host", 3, T0 + 33 * SEC);
	CHECK_EQ(stats_of(m).invite_2xx, 2);
	ack_matcher_free(m);
}

static void test_missing_at_timeout(void)
{
	struct ack_matcher *m = matcher(16, SEC, 4);
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "m@host", 1, T0);
	ack_matcher_expire(m, T0 + SEC - 1);
	s = stats_of(m);
	CHECK_EQ(s.missing, 0);
	CHECK_EQ(s.pending, 1);

	ack_matcher_expire(m, T0 + SEC);
	s = stats_of(m);
	CHECK_EQ(s.missing, 1);
	CHECK_EQ(s.pending, 0);
	CHECK_EQ(s.table_entries, 1);

	/* Too late: the call stays missing, is late too, no delay sample. */
	feed(m, SIP_EV_ACK, "m@host", 1, T0 + SEC + 1);
	s = stats_of(m);
	CHECK_EQ(s.matched, 0);
	CHECK_EQ(s.late, 1);
	CHECK_EQ(s.acks_unmatched, 0);
	CHECK_EQ(s.missing, 1);
	CHECK_EQ(s.delay_count, 0);
	/* its retransmitted ACK is late once only */
	feed(m, SIP_EV_ACK, "m@host", 1, T0 + SEC + 2);
	CHECK_EQ(stats_of(m).late, 1);
	CHECK_EQ(stats_of(m).acks_unmatched, 1);

	/* An ACK arriving exactly at the timeout is too late as well. */
	feed(m, SIP_EV_INVITE_2XX, "n@host", 1, T0 + 2 * SEC);
	feed(m, SIP_EV_ACK, "n@host", 1, T0 + 3 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.matched, 0);
	CHECK_EQ(s.missing, 2);
	CHECK_EQ(s.late, 2);
	ack_matcher_free(m);
}

/*
 * Rule: records lost while a 2xx waited may have held its ACK: with no ACK
 * seen afterwards it ends unverified, never missing; an ACK seen after the
 * loss still matches; a 2xx after the loss, or done before it, is judged
 * as ever; an ACK after the timeout leaves an unverified one so, not late.
 */
static void test_gap_leaves_pending_unverified(void)
{
	struct ack_matcher *m = matcher(16, SEC, 4);
	const struct ack_missed *missed[4];
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "before@host", 1, T0);
	feed(m, SIP_EV_ACK, "before@host", 1, T0 + 10);
	feed(m, SIP_EV_INVITE_2XX, "across@host", 1, T0 + 20);
	feed(m, SIP_EV_INVITE_2XX, "acked-after@host", 1, T0 + 30);
	ack_matcher_gap(m, T0 + 100);
	feed(m, SIP_EV_ACK, "acked-after@host", 1, T0 + 200);
	feed(m, SIP_EV_INVITE_2XX, "after@host", 1, T0 + 300);
	ack_matcher_expire(m, T0 + 2 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.matched, 2);
	CHECK_EQ(s.unverified, 1);
	CHECK_EQ(s.missing, 1);		/* after@host: nothing was lost meanwhile */
	CHECK_EQ(s.pending, 0);
	CHECK_EQ(ack_matcher_peer_stats(m, 0)->unverified, 1);
	CHECK_EQ(ack_matcher_missed(m, missed, 4), 1);
	CHECK_STR(missed[0]->call_id, "after@host");

	feed(m, SIP_EV_ACK, "across@host", 1, T0 + 3 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.unverified, 1);
	CHECK_EQ(s.late, 0);
	CHECK_EQ(s.acks_unmatched, 0);
	CHECK_EQ(s.matched, 2);
	ack_matcher_free(m);
}

static void test_unmatched_acks(void)
{
	struct ack_matcher *m = matcher(16, SEC, 4);
	struct ack_stats s;

	feed(m, SIP_EV_ACK, "nobody@host", 1, T0);	/* ACK of a non-2xx */
	feed(m, SIP_EV_INVITE_2XX, "u@host", 1, T0);
	feed(m, SIP_EV_ACK, "u@host", 1, T0 + MSEC);
	feed(m, SIP_EV_ACK, "u@host", 1, T0 + 2 * MSEC);	/* retransmitted ACK */
	s = stats_of(m);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.acks_unmatched, 2);
	CHECK_EQ(s.delay_count, 1);
	CHECK_EQ(s.table_entries, 1);
	ack_matcher_free(m);
}

static void test_table_full_evicts_oldest(void)
{
	struct ack_matcher *m = matcher(3, 10 * SEC, 4);
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "1@host", 1, T0 + 1);
	feed(m, SIP_EV_INVITE_2XX, "2@host", 1, T0 + 2);
	feed(m, SIP_EV_ACK, "2@host", 1, T0 + 3);	/* done: still takes room */
	feed(m, SIP_EV_INVITE_2XX, "3@host", 1, T0 + 4);
	s = stats_of(m);
	CHECK_EQ(s.table_entries, 3);
	CHECK_EQ(s.evicted, 0);

	/* Full: the done "2" makes room first, and that loses no call. */
	feed(m, SIP_EV_INVITE_2XX, "4@host", 1, T0 + 5);
	s = stats_of(m);
	CHECK_EQ(s.evicted, 0);
	CHECK_EQ(s.table_entries, 3);
	CHECK_EQ(s.table_capacity, 3);
	CHECK_EQ(s.pending, 3);

	/* Full of pending ones: the oldest pending "1" is evicted and counted. */
	feed(m, SIP_EV_INVITE_2XX, "5@host", 1, T0 + 6);
	s = stats_of(m);
	CHECK_EQ(s.evicted, 1);
	CHECK_EQ(s.pending, 3);
	CHECK_EQ(s.missing, 0);		/* an evicted pending one is not missing */

	/* "1" is gone; "3", "4" and "5" are still there. */
	feed(m, SIP_EV_ACK, "1@host", 1, T0 + 7);
	feed(m, SIP_EV_ACK, "3@host", 1, T0 + 8);
	feed(m, SIP_EV_ACK, "4@host", 1, T0 + 9);
	s = stats_of(m);
	CHECK_EQ(s.acks_unmatched, 1);
	CHECK_EQ(s.matched, 3);		/* "2" before, "3" and "4" now */

	/* The evicted done "2": its retransmission is news again. */
	feed(m, SIP_EV_INVITE_2XX, "2@host", 1, T0 + 10);
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 6);
	CHECK_EQ(s.retransmissions, 0);
	CHECK_EQ(s.evicted, 1);		/* room came from the done "3" */

	/* Nothing evicted is declared missing later. */
	ack_matcher_expire(m, T0 + 100 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.missing, 2);			/* "5" and the second "2" */
	ack_matcher_free(m);
}

static __u64 constant_hash(const char *call_id, size_t len)
{
	(void)call_id;
	(void)len;
	return 42;
}

static void test_hash_collisions(void)
{
	struct ack_matcher_opts opts = {
		.capacity = 8,
		.timeout_ns = SEC,
		.hash = constant_hash,
	};
	struct ack_matcher *m = ack_matcher_new(&opts);
	struct ack_stats s;

	/* Different bytes, a prefix, the same bytes with another CSeq. */
	feed(m, SIP_EV_INVITE_2XX, "abc", 1, T0);
	feed(m, SIP_EV_INVITE_2XX, "abd", 1, T0 + 1);
	feed(m, SIP_EV_INVITE_2XX, "ab", 1, T0 + 2);
	feed(m, SIP_EV_INVITE_2XX, "abc", 2, T0 + 3);
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 4);
	CHECK_EQ(s.retransmissions, 0);
	CHECK_EQ(s.pending, 4);

	feed(m, SIP_EV_ACK, "abd", 1, T0 + 10 * MSEC);
	feed(m, SIP_EV_ACK, "abd", 1, T0 + 11 * MSEC);
	feed(m, SIP_EV_INVITE_2XX, "ab", 1, T0 + 12 * MSEC);
	s = stats_of(m);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.acks_unmatched, 1);
	CHECK_EQ(s.retransmissions, 1);
	CHECK_EQ(s.pending, 3);

	/* Removing from the middle of the chain keeps the others findable. */
	ack_matcher_expire(m, T0 + SEC + 5 * MSEC);	/* the 3 pending: missing */
	s = stats_of(m);
	CHECK_EQ(s.missing, 3);
	CHECK_EQ(s.table_entries, 4);
	/* 64*T1 after their first 2xx: "abc" 1 and "abd" (chain middle) go */
	ack_matcher_expire(m, T0 + 32 * SEC + 1);
	CHECK_EQ(stats_of(m).table_entries, 2);
	feed(m, SIP_EV_INVITE_2XX, "abc", 2, T0 + 32 * SEC + 1);
	feed(m, SIP_EV_INVITE_2XX, "ab", 1, T0 + 32 * SEC + 1);
	feed(m, SIP_EV_INVITE_2XX, "abd", 1, T0 + 32 * SEC + 1);
	s = stats_of(m);
	CHECK_EQ(s.retransmissions, 3);
	CHECK_EQ(s.invite_2xx, 5);
	ack_matcher_free(m);
}

static void test_same_callid_other_cseq(void)
{
	struct ack_matcher *m = matcher(16, SEC, 4);
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "x@host", 1, T0);
	feed(m, SIP_EV_INVITE_2XX, "x@host", 2, T0 + MSEC);	/* re-INVITE */
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 2);
	CHECK_EQ(s.retransmissions, 0);

	feed(m, SIP_EV_ACK, "x@host", 2, T0 + 2 * MSEC);
	feed(m, SIP_EV_ACK, "x@host", 3, T0 + 3 * MSEC);
	s = stats_of(m);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.pending, 1);
	CHECK_EQ(s.acks_unmatched, 1);

	ack_matcher_expire(m, T0 + SEC);
	s = stats_of(m);
	CHECK_EQ(s.missing, 1);
	ack_matcher_free(m);
}

static void test_missed_ring(void)
{
	struct ack_matcher *m = matcher(16, SEC, 3);
	const struct ack_missed *missed[8];
	char call_id[32];
	size_t n;

	CHECK_EQ(ack_matcher_missed(m, missed, 8), 0);
	for (int i = 0; i < 5; i++) {
		struct sip_event ev;

		snprintf(call_id, sizeof(call_id), "missed-%d@host", i);
		ev = event(SIP_EV_INVITE_2XX, call_id, 100 + i);
		ev.saddr = ipv4(192, 0, 2, 10 + i);
		ev.sport = 5060 + i;
		ack_matcher_feed(m, &ev, T0 + i * MSEC);
	}
	ack_matcher_expire(m, T0 + 2 * SEC);
	CHECK_EQ(stats_of(m).missing, 5);

	n = ack_matcher_missed(m, missed, 8);
	CHECK_EQ(n, 3);
	for (size_t k = 0; k < n; k++) {
		int i = 4 - (int)k;	/* newest first */

		snprintf(call_id, sizeof(call_id), "missed-%d@host", i);
		CHECK_STR(missed[k]->call_id, call_id);
		CHECK_EQ(missed[k]->cseq, 100 + i);
		CHECK_EQ(missed[k]->uas_addr.family, AF_INET);
		CHECK_EQ(missed[k]->uas_addr.bytes[3], 10 + i);
		CHECK_EQ(missed[k]->uas_port, 5060 + i);
		CHECK_EQ(missed[k]->uac_addr.bytes[0], 198);
		CHECK_EQ(missed[k]->uac_addr.bytes[3], 2);
		CHECK_EQ(missed[k]->uac_port, 5080);
		CHECK_EQ(missed[k]->first_2xx_ns, T0 + i * MSEC);
		CHECK_EQ(missed[k]->missing_ns, T0 + 2 * SEC);
	}

	n = ack_matcher_missed(m, missed, 2);
	CHECK_EQ(n, 2);
	CHECK_STR(missed[0]->call_id, "missed-4@host");
	CHECK_STR(missed[1]->call_id, "missed-3@host");
	ack_matcher_free(m);
}

static void test_missed_call_id_full_length(void)
{
	struct ack_matcher *m = matcher(16, SEC, 2);
	const struct ack_missed *missed[2];
	char call_id[ACK_CALL_ID_MAX + 50 + 1];
	struct sip_event ev;

	/* A Call-ID longer than the table keeps is cut to ACK_CALL_ID_MAX bytes. */
	memset(call_id, 'z', sizeof(call_id) - 1);
	call_id[sizeof(call_id) - 1] = '\0';
	ev = event(SIP_EV_INVITE_2XX, call_id, 1);
	ack_matcher_feed(m, &ev, T0);
	ack_matcher_expire(m, T0 + SEC);
	CHECK_EQ(ack_matcher_missed(m, missed, 2), 1);
	CHECK_EQ(strlen(missed[0]->call_id), ACK_CALL_ID_MAX);
	CHECK(!memcmp(missed[0]->call_id, call_id, ACK_CALL_ID_MAX));
	ack_matcher_free(m);
}

static void test_ignored_events(void)
{
	struct ack_matcher *m = matcher(16, SEC, 4);
	struct sip_event ev;
	struct ack_stats s;

	ev = event(SIP_EV_INVITE_2XX, "i@host", 1);
	ev.flags = SIP_EVF_NO_CALLID;
	ack_matcher_feed(m, &ev, T0);
	ev = event(SIP_EV_INVITE_2XX, "j@host", 1);
	ev.flags = SIP_EVF_NO_CSEQ;
	ack_matcher_feed(m, &ev, T0);
	ev = event(SIP_EV_ACK, "i@host", 1);
	ev.flags = SIP_EVF_NO_CALLID;
	ack_matcher_feed(m, &ev, T0);
	feed(m, SIP_EV_INVITE_2XX, "", 1, T0);
	feed(m, SIP_EV_REDIRECT, "k@host", 1, T0);
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 0);
	CHECK_EQ(s.acks_unmatched, 0);
	CHECK_EQ(s.table_entries, 0);

	/* An ignored event still moves the clock. */
	feed(m, SIP_EV_INVITE_2XX, "k@host", 1, T0);
	ev = event(SIP_EV_ACK, "k@host", 1);
	ev.flags = SIP_EVF_NO_CALLID;
	ack_matcher_feed(m, &ev, T0 + SEC);
	s = stats_of(m);
	CHECK_EQ(s.missing, 1);
	CHECK_EQ(s.matched, 0);
	CHECK_EQ(s.acks_unmatched, 0);
	ack_matcher_free(m);
}

/* An ACK whose CSeq is in the next TCP segment matches its Call-ID's pending 2xx. */
static void test_ack_without_cseq(void)
{
	struct ack_matcher_opts opts = { .capacity = 16, .timeout_ns = SEC,
					 .hash = constant_hash };
	struct ack_matcher *m = ack_matcher_new(&opts);
	struct sip_event ev;
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "cut@host", 7, T0);
	feed(m, SIP_EV_INVITE_2XX, "other@host", 7, T0);
	ev = event(SIP_EV_ACK, "cut@host", 0);
	ev.flags = SIP_EVF_NO_CSEQ;
	ack_matcher_feed(m, &ev, T0 + 10 * MSEC);
	s = stats_of(m);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.pending, 1);		/* "other@host" still waits */
	/* a second one finds no pending transaction left */
	ack_matcher_feed(m, &ev, T0 + 20 * MSEC);
	CHECK_EQ(stats_of(m).acks_unmatched, 1);
	ack_matcher_expire(m, T0 + SEC);
	s = stats_of(m);
	CHECK_EQ(s.missing, 1);
	ack_matcher_free(m);
}

static void test_done_cleanup(void)
{
	struct ack_matcher *m = matcher(16, SEC, 4);
	struct ack_stats s;

	feed(m, SIP_EV_INVITE_2XX, "done@host", 1, T0);
	feed(m, SIP_EV_ACK, "done@host", 1, T0 + 100 * MSEC);
	feed(m, SIP_EV_INVITE_2XX, "miss@host", 1, T0 + 200 * MSEC);
	ack_matcher_expire(m, T0 + 32 * SEC - 1);
	s = stats_of(m);
	CHECK_EQ(s.table_entries, 2);
	CHECK_EQ(s.missing, 1);		/* declared at 1.2 s, still known */

	/* Each goes 64*T1 after its first 2xx, whatever the timeout. */
	ack_matcher_expire(m, T0 + 32 * SEC);
	CHECK_EQ(stats_of(m).table_entries, 1);
	ack_matcher_expire(m, T0 + 32200 * MSEC - 1);
	CHECK_EQ(stats_of(m).table_entries, 1);
	ack_matcher_expire(m, T0 + 32200 * MSEC);
	CHECK_EQ(stats_of(m).table_entries, 0);

	/* Once gone, a 2xx of the same key starts a new transaction. */
	feed(m, SIP_EV_INVITE_2XX, "done@host", 1, T0 + 33 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, 3);
	CHECK_EQ(s.retransmissions, 0);
	CHECK_EQ(s.pending, 1);
	ack_matcher_free(m);
}

/*
 * Many transactions through a small table. A call every 3 ms, each known
 * for 64*T1: far more than fit, so done ones make room (pending ones, the
 * last second's ~333, always fit) and every call still ends matched or
 * missing.
 */
static void test_many_transactions(void)
{
	enum { CAPACITY = 384, CALLS = 5000 };
	struct ack_matcher *m = matcher(CAPACITY, SEC, 16);
	const struct ack_missed *missed[16];
	char call_id[32];
	struct ack_stats s;
	__u64 now = T0;

	for (int i = 0; i < CALLS; i++) {
		now += 3 * MSEC;
		snprintf(call_id, sizeof(call_id), "%08x@many",
			 (unsigned int)i * 2654435761u);
		feed(m, SIP_EV_INVITE_2XX, call_id, i % 7, now);
		if (i % 3 == 0)
			feed(m, SIP_EV_INVITE_2XX, call_id, i % 7, now + 1);
		if (i % 4 != 0)
			feed(m, SIP_EV_ACK, call_id, i % 7, now + 2 * MSEC);
		CHECK(stats_of(m).table_entries <= CAPACITY);
	}
	ack_matcher_expire(m, now + 10 * SEC);
	s = stats_of(m);
	CHECK_EQ(s.invite_2xx, CALLS);
	CHECK_EQ(s.retransmissions, (CALLS + 2) / 3);
	CHECK_EQ(s.matched, CALLS - (CALLS + 3) / 4);
	CHECK_EQ(s.missing, (CALLS + 3) / 4);
	CHECK_EQ(s.acks_unmatched, 0);
	CHECK_EQ(s.evicted, 0);		/* done ones made room: no call was lost */
	CHECK_EQ(s.delay_count, s.matched);
	CHECK_EQ(s.delay_buckets[0], s.matched);	/* every delay is 2 ms */
	CHECK_EQ(s.pending, 0);
	CHECK_EQ(ack_matcher_missed(m, missed, 16), 16);
	/* The last ones go 64*T1 after their first 2xx. */
	ack_matcher_expire(m, now + 33 * SEC);
	CHECK_EQ(stats_of(m).table_entries, 0);

	/* The table works again once emptied. */
	feed(m, SIP_EV_INVITE_2XX, "again@many", 1, now + 34 * SEC);
	feed(m, SIP_EV_ACK, "again@many", 1, now + 34 * SEC + MSEC);
	CHECK_EQ(stats_of(m).matched, s.matched + 1);
	ack_matcher_free(m);
}

static void test_quantile(void)
{
	struct ack_stats s;

	memset(&s, 0, sizeof(s));
	CHECK(ack_stats_delay_quantile(&s, 0.5) == 0);

	/* 10 samples: 4 in (0, 0.005], 4 in (0.05, 0.1], 2 above 32 s. */
	for (int i = 0; i < ACK_DELAY_BUCKETS; i++)
		s.delay_buckets[i] = i == 0 ? 4 : i < 4 ? 4 : 8;
	s.delay_count = 10;
	CHECK(fabs(ack_stats_delay_quantile(&s, 0.2) - 0.0025) < 1e-12);
	CHECK(fabs(ack_stats_delay_quantile(&s, 0.4) - 0.005) < 1e-12);
	CHECK(fabs(ack_stats_delay_quantile(&s, 0.6) - 0.075) < 1e-12);
	CHECK(fabs(ack_stats_delay_quantile(&s, 0.8) - 0.1) < 1e-12);
	/* In the +Inf bucket the answer is the highest finite bound. */
	CHECK(ack_stats_delay_quantile(&s, 0.99) == 32);
	CHECK(ack_stats_delay_quantile(&s, 0) == 0);
}

TEST_MAIN("ackmatch",
	  TEST(test_defaults),
	  TEST(test_matched_delay_bucket),
	  TEST(test_retransmitted_2xx),
	  TEST(test_missing_counted_once_while_retransmitted),
	  TEST(test_missing_at_timeout),
	  TEST(test_gap_leaves_pending_unverified),
	  TEST(test_unmatched_acks),
	  TEST(test_table_full_evicts_oldest),
	  TEST(test_hash_collisions),
	  TEST(test_ack_without_cseq),
	  TEST(test_same_callid_other_cseq),
	  TEST(test_missed_ring),
	  TEST(test_missed_call_id_full_length),
	  TEST(test_ignored_events),
	  TEST(test_done_cleanup),
	  TEST(test_many_transactions),
	  TEST(test_quantile))
