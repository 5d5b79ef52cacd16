// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The call tracker on tables of events built here, as the program would
 * send them, with the time passed in. The host watched is a proxy, P
 * (10.0.0.2), between a UAC (10.0.0.1, peer "uac-side") and a UAS
 * (192.0.2.3, peer "carrier"): what comes in is ingress (XDP), what it
 * sends egress (TC). Each test names the rule it checks and fails when
 * that rule is broken.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "calls.h"
#include "sip_names.h"
#include "testlib.h"

#define SEC	1000000000ull
#define MSEC	1000000ull
#define T0	(1000 * SEC)	/* an arbitrary monotonic origin */

#define UAC	ipv4(10, 0, 0, 1)
#define PROXY	ipv4(10, 0, 0, 2)
#define UAS	ipv4(192, 0, 2, 3)
#define IN	SIPXDP_DIR_INGRESS
#define OUT	SIPXDP_DIR_EGRESS

static const char peers_text[] = "10.0.0.1/32 uac-side\n192.0.2.0/24 carrier\n";

static struct sipxdp_addr ipv4(__u8 a, __u8 b, __u8 c, __u8 d)
{
	struct sipxdp_addr addr = { .bytes = { a, b, c, d }, .family = AF_INET };

	return addr;
}

/* One message from -> to; status 0 for a request; tag NULL for no To-tag. */
struct msg {
	__u8 method;
	__u16 status;
	struct sipxdp_addr from, to;
	__u8 direction;
	const char *call_id;
	__u32 cseq;
	const char *tag;
};

/* The parse ev.msg points to: one event is fed at a time. */
static struct sip_msg parsed;
static char raw[4096];

static struct sip_event event_of(const struct msg *m)
{
	struct sip_event ev;

	memset(&ev, 0, sizeof(ev));
	if (!m->status)
		ev.kind = m->method == SIPXDP_M_ACK ? SIP_EV_ACK : SIP_EV_REQUEST;
	else if (m->status >= 200 && m->status < 300 && m->method == SIPXDP_M_INVITE)
		ev.kind = SIP_EV_INVITE_2XX;
	else if (m->status >= 300 && m->status < 400)
		ev.kind = SIP_EV_REDIRECT;
	else
		ev.kind = SIP_EV_RESPONSE;
	ev.method = m->method;
	ev.status = m->status;
	ev.saddr = m->from;
	ev.daddr = m->to;
	ev.sport = ev.dport = 5060;
	ev.direction = m->direction;
	ev.transport = 17;
	ev.cseq = m->cseq;
	ev.call_id = m->call_id;
	ev.call_id_len = strlen(m->call_id);
	if (m->tag) {
		ev.to_tag = m->tag;
		ev.to_tag_len = strlen(m->tag);
	} else {
		ev.to_tag = "";		/* as sip_event_build leaves it: never NULL */
		ev.flags |= SIP_EVF_NO_TO_TAG;
	}
	return ev;
}

struct fixture {
	struct peer_map *peers;
	struct call_tracker *t;
	unsigned int uac_side, carrier, other;
};

/* The fixture with a tracker made with opts (their peers are the fixture's). */
static bool fixture_init_with(struct fixture *f, struct call_tracker_opts opts)
{
	char err[256];

	memset(f, 0, sizeof(*f));
	f->peers = peers_parse(peers_text, "test", err, sizeof(err));
	CHECK(f->peers);
	if (!f->peers)
		return false;
	opts.peers = f->peers;
	f->t = call_tracker_new(&opts);
	CHECK(f->t);
	if (!f->t) {
		peers_free(f->peers);
		return false;
	}
	for (unsigned int id = 0; id <= peers_name_count(f->peers); id++) {
		if (!strcmp(peers_name(f->peers, id), "uac-side"))
			f->uac_side = id;
		if (!strcmp(peers_name(f->peers, id), "carrier"))
			f->carrier = id;
	}
	f->other = 0;
	return true;
}

static bool fixture_init(struct fixture *f, size_t max_calls)
{
	return fixture_init_with(f, (struct call_tracker_opts){ .max_calls = max_calls });
}

static void fixture_free(struct fixture *f)
{
	call_tracker_free(f->t);
	peers_free(f->peers);
}

static void feed(struct fixture *f, __u64 now, struct msg m)
{
	struct sip_event ev = event_of(&m);

	call_tracker_feed(f->t, &ev, now);
}

/* The same with header lines the trackers read (Reason, ...) parsed into ev.msg. */
static void feed_headers(struct fixture *f, __u64 now, struct msg m, const char *headers)
{
	struct sip_event ev = event_of(&m);

	if (m.status)
		snprintf(raw, sizeof(raw), "SIP/2.0 %u X\r\n%s\r\n", m.status, headers);
	else
		snprintf(raw, sizeof(raw), "%s sip:x@y SIP/2.0\r\n%s\r\n",
			 method_name(m.method), headers);
	sip_parse(raw, strlen(raw), &parsed);
	ev.msg = &parsed;
	call_tracker_feed(f->t, &ev, now);
}

static struct ack_stats acks_of(const struct fixture *f)
{
	struct ack_stats s;

	ack_matcher_stats(call_tracker_acks(f->t), &s);
	return s;
}

static const struct call_peer_stats *peer(const struct fixture *f, unsigned int id)
{
	return call_tracker_peer(f->t, id);
}

static const struct ack_peer_stats *ack_peer(const struct fixture *f, unsigned int id)
{
	return ack_matcher_peer_stats(call_tracker_acks(f->t), id);
}

#define INVITE	SIPXDP_M_INVITE
#define ACK	SIPXDP_M_ACK
#define BYE	SIPXDP_M_BYE
#define CANCEL	SIPXDP_M_CANCEL

/* The 200 and the ACK of one call through the proxy: in from the UAS, out to
 * the UAC; the ACK in from the UAC, out to the UAS. */
static void proxy_200(struct fixture *f, const char *cid, bool ack_to_uas)
{
	feed(f, T0, (struct msg){ INVITE, 200, UAS, PROXY, IN, cid, 1, "uas-tag" });
	feed(f, T0 + 1 * MSEC, (struct msg){ INVITE, 200, PROXY, UAC, OUT, cid, 1, "uas-tag" });
	feed(f, T0 + 20 * MSEC, (struct msg){ ACK, 0, UAC, PROXY, IN, cid, 1, "uas-tag" });
	if (ack_to_uas)
		feed(f, T0 + 21 * MSEC, (struct msg){ ACK, 0, PROXY, UAS, OUT, cid, 1, "uas-tag" });
}

/* Rule: a 2xx transaction is per hop; a relayed 2xx is no retransmission. */
static void proxy_two_hops_two_transactions(void)
{
	struct fixture f;
	struct ack_stats s;

	if (!fixture_init(&f, 0))
		return;
	proxy_200(&f, "proxied@uac", true);
	call_tracker_expire(f.t, T0 + 40 * SEC);
	s = acks_of(&f);
	CHECK_EQ(s.invite_2xx, 2);
	CHECK_EQ(s.matched, 2);
	CHECK_EQ(s.retransmissions, 0);
	CHECK_EQ(s.missing, 0);
	/* one on each hop, each under the peer at its far end */
	CHECK_EQ(ack_peer(&f, f.carrier)->matched, 1);
	CHECK_EQ(ack_peer(&f, f.uac_side)->matched, 1);
	fixture_free(&f);
}

/* Rule: an ACK completes the 2xx of its own hop only. */
static void ack_lost_on_one_hop(void)
{
	struct fixture f;
	const struct ack_missed *missed[4];
	struct ack_stats s;
	char a[16], b[16];

	if (!fixture_init(&f, 0))
		return;
	proxy_200(&f, "lost@uac", false);
	call_tracker_expire(f.t, T0 + 31 * SEC);
	CHECK_EQ(acks_of(&f).missing, 0);	/* not before the timeout */
	call_tracker_expire(f.t, T0 + 33 * SEC);
	s = acks_of(&f);
	CHECK_EQ(s.invite_2xx, 2);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.missing, 1);
	CHECK_EQ(ack_peer(&f, f.uac_side)->matched, 1);
	CHECK_EQ(ack_peer(&f, f.carrier)->missing, 1);
	CHECK_EQ(ack_matcher_missed(call_tracker_acks(f.t), missed, 4), 1);
	/* the missed call names its hop (the 2xx's sender first) and its peer */
	snprintf(a, sizeof(a), "%u.%u.%u.%u", missed[0]->uas_addr.bytes[0],
		 missed[0]->uas_addr.bytes[1], missed[0]->uas_addr.bytes[2],
		 missed[0]->uas_addr.bytes[3]);
	snprintf(b, sizeof(b), "%u.%u.%u.%u", missed[0]->uac_addr.bytes[0],
		 missed[0]->uac_addr.bytes[1], missed[0]->uac_addr.bytes[2],
		 missed[0]->uac_addr.bytes[3]);
	CHECK_STR(a, "192.0.2.3");
	CHECK_STR(b, "10.0.0.2");
	CHECK_STR(peers_name(f.peers, missed[0]->peer), "carrier");
	fixture_free(&f);
}

/* Rule: the same hop seen twice (a mirror port: both directions ingress) is
 * still one hop: the 2xx copy is a retransmission, the ACK matches. */
static void mirror_port_one_hop(void)
{
	struct fixture f;
	struct ack_stats s;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ INVITE, 200, UAS, UAC, IN, "mirror@x", 1, "t" });
	feed(&f, T0 + 500 * MSEC, (struct msg){ INVITE, 200, UAS, UAC, IN, "mirror@x", 1, "t" });
	feed(&f, T0 + 600 * MSEC, (struct msg){ ACK, 0, UAC, UAS, IN, "mirror@x", 1, "t" });
	s = acks_of(&f);
	CHECK_EQ(s.invite_2xx, 1);
	CHECK_EQ(s.retransmissions, 1);
	CHECK_EQ(s.matched, 1);
	fixture_free(&f);
}

/* Rule: the Reason of the BYE ending an active call, of the first CANCEL and
 * of the deciding final response count under the call's peer, each value
 * once; a retransmission, a cause out of range, the text: nothing. */
static void reasons_counted_once(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ INVITE, 0, UAS, PROXY, IN, "r1@x", 1, NULL });
	feed_headers(&f, T0 + 1 * MSEC,
		     (struct msg){ INVITE, 200, PROXY, UAS, OUT, "r1@x", 1, "t" },
		     "Reason: Q.850;cause=31\r\n");
	feed_headers(&f, T0 + 2 * SEC, (struct msg){ BYE, 0, UAS, PROXY, IN, "r1@x", 2, "t" },
		     "Reason: Q.850;cause=16;text=\"17\", SIP;cause=200\r\n"
		     "Reason: Q.850;cause=128\r\n");
	feed_headers(&f, T0 + 2500 * MSEC,
		     (struct msg){ BYE, 0, UAS, PROXY, IN, "r1@x", 2, "t" },
		     "Reason: Q.850;cause=16\r\n");
	/* a call cancelled: the CANCEL and its retransmission, then the 487 */
	feed(&f, T0, (struct msg){ INVITE, 0, UAS, PROXY, IN, "r2@x", 1, NULL });
	feed_headers(&f, T0 + 1 * SEC, (struct msg){ CANCEL, 0, UAS, PROXY, IN, "r2@x", 1, NULL },
		     "Reason: Q.850;cause=16\r\n");
	feed_headers(&f, T0 + 1500 * MSEC,
		     (struct msg){ CANCEL, 0, UAS, PROXY, IN, "r2@x", 1, NULL },
		     "Reason: Q.850;cause=16\r\n");
	feed_headers(&f, T0 + 2 * SEC, (struct msg){ INVITE, 487, PROXY, UAS, OUT, "r2@x", 1, "u" },
		     "Reason: SIP;cause=487\r\n");
	feed_headers(&f, T0 + 2100 * MSEC,
		     (struct msg){ INVITE, 487, PROXY, UAS, OUT, "r2@x", 1, "u" },
		     "Reason: SIP;cause=487\r\n");
	p = peer(&f, f.carrier);
	CHECK_EQ(call_cause_count(p, SIP_REASON_Q850, 16), 2);
	CHECK_EQ(call_cause_count(p, SIP_REASON_Q850, 17), 0);
	CHECK_EQ(call_cause_count(p, SIP_REASON_Q850, 31), 1);
	CHECK_EQ(call_cause_count(p, SIP_REASON_SIP, 200), 1);
	CHECK_EQ(call_cause_count(p, SIP_REASON_SIP, 487), 1);
	CHECK_EQ(call_cause_count(p, SIP_REASON_Q850, 128), 0);
	CHECK_EQ(call_cause_count(p, SIP_REASON_SIP, 99), 0);
	CHECK_EQ(call_cause_count(p, SIP_REASON_Q850, 127), 0);
	CHECK_EQ(call_cause_count(p, SIP_REASON_SIP, 699), 0);
	fixture_free(&f);
}

/* Rule: who hung up is judged by addresses: the BYE from the address that
 * sent the INVITE on its hop is the caller's, even when a mirror port sees
 * every message as ingress. */
static void ended_by_address_not_direction(void)
{
	struct fixture f;

	if (!fixture_init(&f, 0))
		return;
	/* mirrored: all ingress; the UAC called, the UAS hangs up */
	feed(&f, T0, (struct msg){ INVITE, 0, UAC, UAS, IN, "m1@x", 1, NULL });
	feed(&f, T0 + 1 * SEC, (struct msg){ INVITE, 200, UAS, UAC, IN, "m1@x", 1, "t" });
	feed(&f, T0 + 5 * SEC, (struct msg){ BYE, 0, UAS, UAC, IN, "m1@x", 1, "t" });
	/* mirrored: the UAC hangs up its own call */
	feed(&f, T0, (struct msg){ INVITE, 0, UAC, UAS, IN, "m2@x", 1, NULL });
	feed(&f, T0 + 1 * SEC, (struct msg){ INVITE, 200, UAS, UAC, IN, "m2@x", 1, "t" });
	feed(&f, T0 + 5 * SEC, (struct msg){ BYE, 0, UAC, UAS, IN, "m2@x", 2, "f" });
	feed(&f, T0 + 5100 * MSEC, (struct msg){ BYE, 0, UAC, UAS, IN, "m2@x", 2, "f" });
	/* the proxy called out: its BYE is the caller's though it goes out */
	feed(&f, T0, (struct msg){ INVITE, 0, PROXY, UAS, OUT, "m3@x", 1, NULL });
	feed(&f, T0 + 1 * SEC, (struct msg){ INVITE, 200, UAS, PROXY, IN, "m3@x", 1, "t" });
	feed(&f, T0 + 5 * SEC, (struct msg){ BYE, 0, PROXY, UAS, OUT, "m3@x", 2, "t" });
	CHECK_EQ(peer(&f, f.uac_side)->ended_by[CALL_CALLER], 1);
	CHECK_EQ(peer(&f, f.uac_side)->ended_by[CALL_CALLEE], 1);
	CHECK_EQ(peer(&f, f.carrier)->ended_by[CALL_CALLER], 1);
	CHECK_EQ(peer(&f, f.carrier)->ended_by[CALL_CALLEE], 0);
	CHECK_STR(call_side_name(CALL_CALLER), "caller");
	CHECK_STR(call_side_name(CALL_CALLEE), "callee");
	fixture_free(&f);
}

/* Rule: a call's INVITE counts by its attest and verstat once, per direction;
 * a retransmission or a re-INVITE does not. */
static void identity_per_call(void)
{
	static const char shaken_b[] = "Identity: eyJhbGciOiJFUzI1NiJ9."
		"eyJhdHRlc3QiOiJCIiwib3JpZyI6eyJ0biI6IjEifX0.c2ln;info=<https://x/c.pem>\r\n"
		"P-Asserted-Identity: <sip:+1@x;verstat=TN-Validation-Passed>\r\n";
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed_headers(&f, T0, (struct msg){ INVITE, 0, UAS, PROXY, IN, "i1@x", 1, NULL }, shaken_b);
	feed_headers(&f, T0 + 500 * MSEC, (struct msg){ INVITE, 0, UAS, PROXY, IN, "i1@x", 1, NULL },
		     shaken_b);
	feed_headers(&f, T0, (struct msg){ INVITE, 0, UAS, PROXY, IN, "i2@x", 1, "t" }, shaken_b);
	feed_headers(&f, T0, (struct msg){ INVITE, 0, PROXY, UAS, OUT, "i3@x", 1, NULL },
		     "From: <sip:a@x;verstat=Bogus>;tag=1\r\n");
	feed_headers(&f, T0, (struct msg){ INVITE, 0, PROXY, UAS, OUT, "i4@x", 1, NULL },
		     "Identity: not.a.jws\r\n");
	p = peer(&f, f.carrier);
	CHECK_EQ(p->attest[CALL_INBOUND][SIP_ATTEST_B], 1);
	CHECK_EQ(p->verstat[CALL_INBOUND][SIP_VERSTAT_PASSED], 1);
	CHECK_EQ(p->attest[CALL_OUTBOUND][SIP_ATTEST_NONE], 1);
	CHECK_EQ(p->attest[CALL_OUTBOUND][SIP_ATTEST_UNREADABLE], 1);
	CHECK_EQ(p->verstat[CALL_OUTBOUND][SIP_VERSTAT_OTHER], 1);
	CHECK_EQ(p->verstat[CALL_OUTBOUND][SIP_VERSTAT_PASSED], 0);
	fixture_free(&f);
}

/* Rule: forked 2xx (other To-tags) are transactions of their own. */
static void forked_2xx_each_need_an_ack(void)
{
	struct fixture f;
	struct ack_stats s;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ INVITE, 200, UAS, PROXY, IN, "fork@x", 1, "fork-a" });
	feed(&f, T0 + 5 * MSEC, (struct msg){ INVITE, 200, UAS, PROXY, IN, "fork@x", 1, "fork-b" });
	feed(&f, T0 + 30 * MSEC, (struct msg){ ACK, 0, PROXY, UAS, OUT, "fork@x", 1, "fork-a" });
	call_tracker_expire(f.t, T0 + 40 * SEC);
	s = acks_of(&f);
	CHECK_EQ(s.invite_2xx, 2);
	CHECK_EQ(s.retransmissions, 0);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.missing, 1);
	fixture_free(&f);
}

/* Rule: the hop-by-hop ACK of a 486 (same CSeq, the 486's To-tag) never
 * completes a pending 2xx of another fork. */
static void ack_of_486_does_not_complete_200(void)
{
	struct fixture f;
	struct ack_stats s;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ INVITE, 0, PROXY, UAS, OUT, "busy@x", 1, NULL });
	feed(&f, T0 + 10 * MSEC, (struct msg){ INVITE, 200, UAS, PROXY, IN, "busy@x", 1, "ok" });
	feed(&f, T0 + 11 * MSEC, (struct msg){ INVITE, 486, UAS, PROXY, IN, "busy@x", 1, "busy" });
	feed(&f, T0 + 12 * MSEC, (struct msg){ ACK, 0, PROXY, UAS, OUT, "busy@x", 1, "busy" });
	s = acks_of(&f);
	CHECK_EQ(s.matched, 0);
	CHECK_EQ(s.pending, 1);
	feed(&f, T0 + 50 * MSEC, (struct msg){ ACK, 0, PROXY, UAS, OUT, "busy@x", 1, "ok" });
	s = acks_of(&f);
	CHECK_EQ(s.matched, 1);
	CHECK_EQ(s.pending, 0);
	/* the call's outcome is its first final response: the 200 */
	CHECK_EQ(peer(&f, f.carrier)->outcomes[CALL_OUTBOUND][CALL_ANSWERED], 1);
	CHECK_EQ(peer(&f, f.carrier)->outcomes[CALL_OUTBOUND][CALL_REJECTED], 0);
	fixture_free(&f);
}

/* Rule: CANCEL, its 200 and the INVITE's 487: cancelled; setup delay from
 * the 180, not the 100. */
static void cancel_and_487_is_cancelled(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ INVITE, 0, UAC, PROXY, IN, "cancel@uac", 7, NULL });
	feed(&f, T0 + 5 * MSEC, (struct msg){ INVITE, 100, PROXY, UAC, OUT, "cancel@uac", 7, NULL });
	feed(&f, T0 + 200 * MSEC, (struct msg){ INVITE, 180, PROXY, UAC, OUT, "cancel@uac", 7, "r" });
	feed(&f, T0 + 3 * SEC, (struct msg){ CANCEL, 0, UAC, PROXY, IN, "cancel@uac", 7, NULL });
	feed(&f, T0 + 3 * SEC + MSEC, (struct msg){ CANCEL, 200, PROXY, UAC, OUT, "cancel@uac", 7,
						     "r" });
	feed(&f, T0 + 3 * SEC + 2 * MSEC, (struct msg){ INVITE, 487, PROXY, UAC, OUT, "cancel@uac",
							 7, "r" });
	p = peer(&f, f.uac_side);
	CHECK_EQ(p->attempts[CALL_INBOUND], 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_CANCELLED], 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_FAILED], 0);
	CHECK_EQ(p->cancels, 1);
	CHECK_EQ(p->cancels_answered, 1);
	CHECK_EQ(p->setup.count, 1);
	CHECK(p->setup.sum_seconds > 0.19 && p->setup.sum_seconds < 0.21);
	CHECK_EQ(p->answer.count, 0);
	CHECK_EQ(p->active, 0);
	fixture_free(&f);
}

/* Rule: no final response within 64*T1: unanswered, once; a retransmitted
 * INVITE is no new attempt. */
static void unanswered_after_64_t1(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ INVITE, 0, PROXY, UAS, OUT, "silent@x", 1, NULL });
	feed(&f, T0 + 500 * MSEC, (struct msg){ INVITE, 0, PROXY, UAS, OUT, "silent@x", 1, NULL });
	feed(&f, T0 + 600 * MSEC, (struct msg){ INVITE, 100, UAS, PROXY, IN, "silent@x", 1, NULL });
	p = peer(&f, f.carrier);
	CHECK_EQ(p->attempts[CALL_OUTBOUND], 1);
	CHECK_EQ(p->attempts[CALL_INBOUND], 0);
	call_tracker_expire(f.t, T0 + 32 * SEC - 1);
	CHECK_EQ(p->outcomes[CALL_OUTBOUND][CALL_UNANSWERED], 0);
	call_tracker_expire(f.t, T0 + 32 * SEC);
	CHECK_EQ(p->outcomes[CALL_OUTBOUND][CALL_UNANSWERED], 1);
	call_tracker_expire(f.t, T0 + 100 * SEC);
	CHECK_EQ(p->outcomes[CALL_OUTBOUND][CALL_UNANSWERED], 1);
	CHECK_EQ(p->setup.count, 0);	/* a 100 is no 18x */
	fixture_free(&f);
}

/* Rule: OPTIONS answered (any final) with its delay; unanswered after 64*T1;
 * retransmissions are not counted again. */
static void options_answered_and_not(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ SIPXDP_M_OPTIONS, 0, PROXY, UAS, OUT, "ping1@p", 1, NULL });
	feed(&f, T0 + 10 * MSEC, (struct msg){ SIPXDP_M_OPTIONS, 200, UAS, PROXY, IN, "ping1@p", 1,
						"u" });
	feed(&f, T0 + 1 * SEC, (struct msg){ SIPXDP_M_OPTIONS, 0, PROXY, UAS, OUT, "ping2@p", 1,
					      NULL });
	feed(&f, T0 + 1500 * MSEC, (struct msg){ SIPXDP_M_OPTIONS, 0, PROXY, UAS, OUT, "ping2@p", 1,
						  NULL });
	p = peer(&f, f.carrier);
	CHECK_EQ(p->options.sent, 2);
	CHECK_EQ(p->options.answered, 1);
	CHECK_EQ(p->options.delay.count, 1);
	CHECK(p->options.delay.sum_seconds > 0.009 && p->options.delay.sum_seconds < 0.011);
	call_tracker_expire(f.t, T0 + 32 * SEC);
	CHECK_EQ(p->options.unanswered, 0);
	call_tracker_expire(f.t, T0 + 33 * SEC);
	CHECK_EQ(p->options.unanswered, 1);
	CHECK_EQ(p->registers.sent, 0);
	fixture_free(&f);
}

/* Rule: REGISTER per peer: a 401 challenge is an answer, a 100 is not; each
 * CSeq is a transaction of its own. */
static void register_challenged_then_ok(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ SIPXDP_M_REGISTER, 0, UAC, PROXY, IN, "reg@uac", 1, NULL });
	feed(&f, T0 + 1 * MSEC, (struct msg){ SIPXDP_M_REGISTER, 100, PROXY, UAC, OUT, "reg@uac", 1,
					       NULL });
	feed(&f, T0 + 2 * MSEC, (struct msg){ SIPXDP_M_REGISTER, 401, PROXY, UAC, OUT, "reg@uac", 1,
					       "p" });
	feed(&f, T0 + 20 * MSEC, (struct msg){ SIPXDP_M_REGISTER, 0, UAC, PROXY, IN, "reg@uac", 2,
						NULL });
	feed(&f, T0 + 25 * MSEC, (struct msg){ SIPXDP_M_REGISTER, 200, PROXY, UAC, OUT, "reg@uac", 2,
						"p" });
	call_tracker_expire(f.t, T0 + 60 * SEC);
	p = peer(&f, f.uac_side);
	CHECK_EQ(p->registers.sent, 2);
	CHECK_EQ(p->registers.answered, 2);
	CHECK_EQ(p->registers.unanswered, 0);
	CHECK_EQ(p->registers.delay.count, 2);
	/* 2 ms to the 401 (not 1 ms to the 100), 5 ms to the 200 */
	CHECK(p->registers.delay.sum_seconds > 0.0065 && p->registers.delay.sum_seconds < 0.0075);
	CHECK_EQ(p->options.sent, 0);
	fixture_free(&f);
}

/* One inbound call from the UAC, CSeq 1, with final response `status`. */
static void call_with(struct fixture *f, __u64 at, const char *cid, __u16 status)
{
	feed(f, at, (struct msg){ INVITE, 0, UAC, PROXY, IN, cid, 1, NULL });
	feed(f, at + 100 * MSEC, (struct msg){ INVITE, status, PROXY, UAC, OUT, cid, 1, "t" });
}

/* The inputs of SER, SEER, ISA and SCR for a small mix of calls. */
static void kpi_inputs_for_a_mix(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	call_with(&f, T0, "done@uac", 200);
	feed(&f, T0 + 150 * MSEC, (struct msg){ ACK, 0, UAC, PROXY, IN, "done@uac", 1, "t" });
	/* a re-INVITE (To-tag) inside the dialog is no call attempt */
	feed(&f, T0 + 5 * SEC, (struct msg){ INVITE, 0, UAC, PROXY, IN, "done@uac", 2, "t" });
	feed(&f, T0 + 5 * SEC + MSEC, (struct msg){ INVITE, 200, PROXY, UAC, OUT, "done@uac", 2,
						     "t" });
	feed(&f, T0 + 60 * SEC, (struct msg){ BYE, 0, PROXY, UAC, OUT, "done@uac", 3, "t" });
	feed(&f, T0 + 60 * SEC + MSEC, (struct msg){ BYE, 200, UAC, PROXY, IN, "done@uac", 3, "t" });
	call_with(&f, T0 + 1 * SEC, "up@uac", 200);		/* answered, still active */
	call_with(&f, T0 + 2 * SEC, "busy@uac", 486);		/* rejected */
	call_with(&f, T0 + 3 * SEC, "decline@uac", 603);	/* rejected */
	call_with(&f, T0 + 4 * SEC, "down@uac", 503);		/* ineffective */
	call_with(&f, T0 + 5 * SEC, "moved@uac", 302);		/* redirected */
	call_with(&f, T0 + 6 * SEC, "nope@uac", 404);		/* failed */
	call_tracker_expire(f.t, T0 + 100 * SEC);

	p = peer(&f, f.uac_side);
	CHECK_EQ(p->attempts[CALL_INBOUND], 7);
	CHECK_EQ(p->attempts[CALL_OUTBOUND], 0);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_ANSWERED], 2);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_REJECTED], 2);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_INEFFECTIVE], 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_REDIRECTED], 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_FAILED], 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_UNANSWERED], 0);
	CHECK_EQ(p->completed, 1);
	CHECK_EQ(p->active, 1);
	CHECK_EQ(p->answer.count, 2);
	CHECK_EQ(p->setup.count, 7);
	CHECK_EQ(p->duration.count, 1);
	/* 2xx at T0+100ms, BYE at T0+60s */
	CHECK(p->duration.sum_seconds > 59.89 && p->duration.sum_seconds < 59.91);
	/* nothing counted under the other peers */
	CHECK_EQ(peer(&f, f.carrier)->attempts[CALL_INBOUND], 0);
	CHECK_EQ(peer(&f, f.other)->attempts[CALL_INBOUND], 0);
	fixture_free(&f);
}

/* Rule: the outcome table of RFC 6076. */
static void outcome_of_codes(void)
{
	CHECK_EQ(call_outcome_of(200), CALL_ANSWERED);
	CHECK_EQ(call_outcome_of(302), CALL_REDIRECTED);
	CHECK_EQ(call_outcome_of(480), CALL_REJECTED);
	CHECK_EQ(call_outcome_of(486), CALL_REJECTED);
	CHECK_EQ(call_outcome_of(600), CALL_REJECTED);
	CHECK_EQ(call_outcome_of(603), CALL_REJECTED);
	CHECK_EQ(call_outcome_of(408), CALL_INEFFECTIVE);
	CHECK_EQ(call_outcome_of(500), CALL_INEFFECTIVE);
	CHECK_EQ(call_outcome_of(503), CALL_INEFFECTIVE);
	CHECK_EQ(call_outcome_of(504), CALL_INEFFECTIVE);
	CHECK_EQ(call_outcome_of(487), CALL_CANCELLED);
	CHECK_EQ(call_outcome_of(404), CALL_FAILED);
	CHECK_EQ(call_outcome_of(488), CALL_FAILED);
	CHECK_EQ(call_outcome_of(606), CALL_FAILED);
}

/* Rule: a BYE whose 2xx never comes (here a 481) leaves the call, not
 * completed, and takes it off the active gauge after 64*T1. */
static void bye_without_2xx_not_completed(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	call_with(&f, T0, "byeless@uac", 200);
	feed(&f, T0 + 10 * SEC, (struct msg){ BYE, 0, UAC, PROXY, IN, "byeless@uac", 2, "t" });
	feed(&f, T0 + 10 * SEC + MSEC, (struct msg){ BYE, 481, PROXY, UAC, OUT, "byeless@uac", 2,
						      "t" });
	p = peer(&f, f.uac_side);
	CHECK_EQ(p->active, 1);
	call_tracker_expire(f.t, T0 + 43 * SEC);
	CHECK_EQ(p->active, 0);
	CHECK_EQ(p->completed, 0);
	fixture_free(&f);
}

/* Rule: an INVITE waiting for its final response across a loss of records
 * is unverified, not unanswered; one after the loss is unanswered as ever,
 * and one answered after the loss is answered. */
static void invite_across_gap_unverified(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ INVITE, 0, UAC, PROXY, IN, "across@uac", 1, NULL });
	feed(&f, T0, (struct msg){ INVITE, 0, UAC, PROXY, IN, "answered@uac", 1, NULL });
	call_tracker_gap(f.t, T0 + 1 * SEC);
	feed(&f, T0 + 2 * SEC, (struct msg){ INVITE, 486, PROXY, UAC, OUT, "answered@uac", 1,
					      "t" });
	feed(&f, T0 + 2 * SEC, (struct msg){ INVITE, 0, UAC, PROXY, IN, "after@uac", 1, NULL });
	call_tracker_expire(f.t, T0 + 40 * SEC);
	p = peer(&f, f.uac_side);
	CHECK_EQ(p->attempts[CALL_INBOUND], 3);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_UNVERIFIED], 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_UNANSWERED], 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_REJECTED], 1);
	CHECK_STR(call_outcome_name(CALL_UNVERIFIED), "unverified");
	fixture_free(&f);
}

/* Rule: OPTIONS and REGISTER waiting across a loss are unverified; one
 * answered after it is answered; one sent after it unanswered. */
static void options_across_gap_unverified(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	feed(&f, T0, (struct msg){ SIPXDP_M_OPTIONS, 0, PROXY, UAS, OUT, "lost@p", 1, NULL });
	feed(&f, T0, (struct msg){ SIPXDP_M_OPTIONS, 0, PROXY, UAS, OUT, "late@p", 1, NULL });
	feed(&f, T0, (struct msg){ SIPXDP_M_REGISTER, 0, PROXY, UAS, OUT, "reg@p", 1, NULL });
	call_tracker_gap(f.t, T0 + 1 * SEC);
	feed(&f, T0 + 2 * SEC, (struct msg){ SIPXDP_M_OPTIONS, 200, UAS, PROXY, IN, "late@p", 1,
					      "u" });
	feed(&f, T0 + 2 * SEC, (struct msg){ SIPXDP_M_OPTIONS, 0, PROXY, UAS, OUT, "after@p", 1,
					      NULL });
	call_tracker_expire(f.t, T0 + 40 * SEC);
	p = peer(&f, f.carrier);
	CHECK_EQ(p->options.sent, 3);
	CHECK_EQ(p->options.answered, 1);
	CHECK_EQ(p->options.unverified, 1);
	CHECK_EQ(p->options.unanswered, 1);
	CHECK_EQ(p->registers.unverified, 1);
	CHECK_EQ(p->registers.unanswered, 0);
	fixture_free(&f);
}

/* Rule: a call active across a loss ends there, unseen (events_lost): its
 * BYE may have been lost; a BYE seen later completes nothing. A call
 * answered after the loss, or completed before it, is not touched. */
static void active_call_ends_at_gap(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	call_with(&f, T0, "done@uac", 200);
	feed(&f, T0 + 1 * SEC, (struct msg){ BYE, 0, UAC, PROXY, IN, "done@uac", 2, "t" });
	feed(&f, T0 + 1 * SEC, (struct msg){ BYE, 200, PROXY, UAC, OUT, "done@uac", 2, "t" });
	call_with(&f, T0, "across@uac", 200);
	p = peer(&f, f.uac_side);
	CHECK_EQ(p->active, 1);
	call_tracker_gap(f.t, T0 + 2 * SEC);
	CHECK_EQ(p->active, 0);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 1);
	call_with(&f, T0 + 3 * SEC, "after@uac", 200);
	feed(&f, T0 + 4 * SEC, (struct msg){ BYE, 0, UAC, PROXY, IN, "across@uac", 2, "t" });
	feed(&f, T0 + 4 * SEC, (struct msg){ BYE, 200, PROXY, UAC, OUT, "across@uac", 2, "t" });
	CHECK_EQ(p->active, 1);
	CHECK_EQ(p->completed, 1);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_ANSWERED], 3);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 1);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_MAX_DURATION], 0);
	CHECK_STR(call_unseen_reason_name(CALL_UNSEEN_EVENTS_LOST), "events_lost");
	fixture_free(&f);
}

/* Rule: a call whose BYE was seen but whose BYE 2xx may have been among
 * lost records ends unseen too (events_lost), once it has waited for that
 * 2xx, not silently: every answered call ends completed or unseen, or is
 * still active. */
static void bye_across_gap_ends_unseen(void)
{
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init(&f, 0))
		return;
	call_with(&f, T0, "lost2xx@uac", 200);
	call_with(&f, T0, "late2xx@uac", 200);
	feed(&f, T0 + 1 * SEC, (struct msg){ BYE, 0, UAC, PROXY, IN, "lost2xx@uac", 2, "t" });
	feed(&f, T0 + 1 * SEC, (struct msg){ BYE, 0, UAC, PROXY, IN, "late2xx@uac", 2, "t" });
	p = peer(&f, f.uac_side);
	call_tracker_gap(f.t, T0 + 2 * SEC);
	/* the one whose 2xx comes after the loss completes */
	feed(&f, T0 + 3 * SEC, (struct msg){ BYE, 200, PROXY, UAC, OUT, "late2xx@uac", 2, "t" });
	CHECK_EQ(p->completed, 1);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 0);
	/* the other waits out 64*T1 for it, then ends unseen */
	call_tracker_expire(f.t, T0 + 1 * SEC + CALL_REMEMBER_NS);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 1);
	CHECK_EQ(p->active, 0);
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_ANSWERED],
		 p->completed + p->ended_unseen[CALL_UNSEEN_EVENTS_LOST] + p->active);
	fixture_free(&f);
}

/* Rule: an answered call whose end is never seen ends after
 * --max-call-duration active (max_duration), not before. */
static void max_duration_ends_call(void)
{
	struct call_tracker_opts opts = { .max_call_duration_ns = 10 * SEC };
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init_with(&f, opts))
		return;
	call_with(&f, T0, "long@uac", 200);	/* answered at T0 + 100 ms */
	p = peer(&f, f.uac_side);
	call_tracker_expire(f.t, T0 + 10 * SEC + 99 * MSEC);
	CHECK_EQ(p->active, 1);
	call_tracker_expire(f.t, T0 + 10 * SEC + 100 * MSEC);
	CHECK_EQ(p->active, 0);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_MAX_DURATION], 1);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 0);
	CHECK_EQ(p->completed, 0);
	CHECK_STR(call_unseen_reason_name(CALL_UNSEEN_MAX_DURATION), "max_duration");
	fixture_free(&f);
}

/* The media tracker as the hooks see it: which dialogs' RTP flows, and
 * which calls the call tracker ended itself. */
static bool media_flows;	/* for every call but "silent@uac" */
static char media_ended_log[128];

static bool hook_flowing(void *ctx, const char *call_id, size_t len, const struct sipxdp_addr *a,
			 const struct sipxdp_addr *b, __u64 now_ns)
{
	(void)ctx, (void)a, (void)b, (void)now_ns;
	return media_flows && !(len == 10 && !memcmp(call_id, "silent@uac", len));
}

static void hook_ended(void *ctx, const char *call_id, size_t len, const struct sipxdp_addr *a,
		       const struct sipxdp_addr *b, __u64 now_ns)
{
	size_t n = strlen(media_ended_log);

	(void)ctx, (void)a, (void)b, (void)now_ns;
	snprintf(media_ended_log + n, sizeof(media_ended_log) - n, "%s%.*s", n ? " " : "",
		 (int)len, call_id);
}

/* Rule: a loss of records does not end a call whose RTP still flows; it
 * ends when that RTP stops (events_lost, the loss made its BYE unknowable),
 * or at its BYE. A call whose RTP stops with no loss ends no_media. The
 * media of the calls ended at the loss is told to end too. */
static void media_keeps_call_across_gap(void)
{
	struct call_tracker_opts opts = { .media = { hook_flowing, hook_ended, NULL } };
	struct sipxdp_addr uac, proxy;
	struct fixture f;
	const struct call_peer_stats *p;

	if (!fixture_init_with(&f, opts))
		return;
	media_ended_log[0] = '\0';
	media_flows = true;
	call_with(&f, T0, "talking@uac", 200);
	call_with(&f, T0, "silent@uac", 200);
	call_with(&f, T0, "byes@uac", 200);
	p = peer(&f, f.uac_side);
	call_tracker_gap(f.t, T0 + 2 * SEC);
	CHECK_EQ(p->active, 2);
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 1);
	CHECK_STR(media_ended_log, "silent@uac");
	/* the BYE of one that stayed up completes it */
	media_flows = false;
	uac = UAC;
	proxy = PROXY;
	feed(&f, T0 + 3 * SEC, (struct msg){ BYE, 0, UAC, PROXY, IN, "byes@uac", 2, "t" });
	feed(&f, T0 + 3 * SEC, (struct msg){ BYE, 200, PROXY, UAC, OUT, "byes@uac", 2, "t" });
	CHECK_EQ(p->completed, 1);
	/* the other's RTP stops: it ended unseen, its BYE maybe lost */
	CHECK(call_tracker_media_stopped(f.t, "talking@uac", 11, &proxy, &uac));
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_EVENTS_LOST], 2);
	CHECK(!call_tracker_media_stopped(f.t, "talking@uac", 11, &proxy, &uac));
	/* with no loss while it was up: no_media; the media tracker is not told */
	call_with(&f, T0 + 4 * SEC, "quiet@uac", 200);
	CHECK(!call_tracker_media_stopped(f.t, "quiet@uac", 9, &proxy, &proxy));	/* another hop */
	CHECK(call_tracker_media_stopped(f.t, "quiet@uac", 9, &uac, &proxy));
	CHECK_EQ(p->ended_unseen[CALL_UNSEEN_NO_MEDIA], 1);
	CHECK_EQ(p->active, 0);
	CHECK_STR(media_ended_log, "silent@uac");
	CHECK_EQ(p->outcomes[CALL_INBOUND][CALL_ANSWERED],
		 p->completed + p->ended_unseen[CALL_UNSEEN_EVENTS_LOST] +
		 p->ended_unseen[CALL_UNSEEN_NO_MEDIA] + p->active);
	CHECK_STR(call_unseen_reason_name(CALL_UNSEEN_NO_MEDIA), "no_media");
	fixture_free(&f);
}

/* Rule: the call table is bounded; what is dropped unfinished is counted. */
static void call_table_bounded(void)
{
	struct fixture f;
	struct call_stats s;
	char cid[32];

	if (!fixture_init(&f, 16))
		return;
	for (int i = 0; i < 17; i++) {
		snprintf(cid, sizeof(cid), "flood-%d@x", i);
		feed(&f, T0 + i * MSEC, (struct msg){ INVITE, 0, UAC, PROXY, IN, cid, 1, NULL });
	}
	call_tracker_stats(f.t, &s);
	CHECK_EQ(s.calls_capacity, 16);
	CHECK_EQ(s.calls_entries, 16);
	CHECK_EQ(s.calls_evicted, 1);
	CHECK_EQ(peer(&f, f.uac_side)->attempts[CALL_INBOUND], 17);
	fixture_free(&f);
}

TEST_MAIN("calls",
	  TEST(proxy_two_hops_two_transactions),
	  TEST(ack_lost_on_one_hop),
	  TEST(mirror_port_one_hop),
	  TEST(reasons_counted_once),
	  TEST(ended_by_address_not_direction),
	  TEST(identity_per_call),
	  TEST(forked_2xx_each_need_an_ack),
	  TEST(ack_of_486_does_not_complete_200),
	  TEST(cancel_and_487_is_cancelled),
	  TEST(unanswered_after_64_t1),
	  TEST(options_answered_and_not),
	  TEST(register_challenged_then_ok),
	  TEST(kpi_inputs_for_a_mix),
	  TEST(outcome_of_codes),
	  TEST(bye_without_2xx_not_completed),
	  TEST(invite_across_gap_unverified),
	  TEST(options_across_gap_unverified),
	  TEST(active_call_ends_at_gap),
	  TEST(bye_across_gap_ends_unseen),
	  TEST(max_duration_ends_call),
	  TEST(media_keeps_call_across_gap),
	  TEST(call_table_bounded))
