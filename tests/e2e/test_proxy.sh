#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# sipxdp on a SIP proxy: Kamailio (tm, record-routing) relays calls between a
# SIPp UAC and SIPp UASs, and `sipxdp run` watches both of the proxy's veths:
#
#   netns uac ($E2E_CLI_NS)     netns proxy ($E2E_SRV_NS)                   netns uas
#   SIPp UACs ── veth ══ $E2E_SRV_IF  Kamailio, sipxdp run  $PRX_IF2 ══ veth ── SIPp UASs
#   $E2E_CLI_ADDR        $E2E_SRV_ADDR                      $PRX_ADDR2         $UAS_ADDR
#                        (/metrics and Prometheus on its loopback)
#
# Every message of a call crosses the proxy twice, once per hop; sipxdp must
# count each hop's INVITE 2xx as a transaction of its own (not as a
# retransmission), match each hop's ACK, and name each hop by its remote end
# (--peers: "uac", "uas"). The calls (tests/e2e/sipp/*.xml):
#   answered  INVITE 180 200 ACK ... BYE 200
#   no ACK    INVITE 180 200, then nothing: missing on both hops
#   busy      INVITE 486 ACK (hop by hop)
#   moved     INVITE 302 ACK (hop by hop)
# What SIPp counted (-trace_counts: every message sent, received,
# retransmitted) is what /metrics, `acks --json` and `calls --json` must say,
# and what a real Prometheus loaded with rules/sipxdp.rules.yml must compute.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_proxy.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

# lib.sh's pair of namespaces is the UAC's and the proxy's (its "srv"); the
# UAS side is this test's own.
e2e_proxy_names 10.202 fd00:5ae
PROM_ADDR=127.0.0.1:9090	# in the proxy namespace
SCENARIOS=$E2E_LIB_DIR/sipp
ACK_TIMEOUT=5

# The calls, and the UAS (port) each kind goes to (kamailio-proxy.cfg).
N_ANSWERED=12
N_NOACK=4
N_BUSY=4
N_MOVED=2
N_CALLS=$((N_ANSWERED + N_NOACK + N_BUSY + N_MOVED))
MOVED_TARGET="sip:elsewhere@10.202.2.99:5080"	# a 302's Contact, never sent to

# sipp_start NAME NS SIPP_ARGS...: lib.sh's, counting what SIPp sent and
# received (sipp_count), for 20 s at most.
sipp_start() {
	local name=$1 ns=$2
	shift 2
	e2e_sipp_start "$name" "$ns" -trace_counts -timeout 20s "$@"
}

# sipp_count NAME COLUMN: a column of the last line of SIPp NAME's counts
# file, e.g. 2_200_Recv; several COLUMNs are summed. SIPp names a column by
# the message's index in the scenario, its method or code and what happened.
sipp_count() {
	python3 - "$E2E_TMP/sipp-$1" "${@:2}" <<'PY'
import csv, glob, sys
d, cols = sys.argv[1], sys.argv[2:]
files = glob.glob(d + "/*_counts.csv")
if len(files) != 1:
    sys.exit("%s: %d counts files" % (d, len(files)))
rows = list(csv.DictReader(open(files[0]), delimiter=";"))
print(sum(int(rows[-1][c]) for c in cols))
PY
}

promtool_check() {
	promtool check metrics <"$1" >"$E2E_TMP/promtool.log" 2>&1 || {
		cat "$E2E_TMP/promtool.log" >&2
		return 1
	}
}

# prom_query QUERY: the value of a one-series instant query, "(none)" if it
# has no result, "(several)" if more than one series answered.
prom_query() {
	e2e_in_srv curl -sfG --data-urlencode "query=$1" "http://$PROM_ADDR/api/v1/query" |
		python3 -c 'import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(result[0]["value"][1] if len(result) == 1 else "(several)" if result else "(none)")'
}

# "ok" when every rule Prometheus loaded evaluated fine, else what failed.
prom_rule_health() {
	e2e_in_srv curl -sf "http://$PROM_ADDR/api/v1/rules" | python3 -c 'import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
bad = [(r["name"], r.get("lastError")) for g in groups for r in g["rules"] if r["health"] != "ok"]
n = sum(len(g["rules"]) for g in groups)
print("ok" if n and not bad else "%d rules, failing: %s" % (n, bad))'
}

prom_ready() { e2e_in_srv curl -sf -o /dev/null "http://$PROM_ADDR/-/ready"; }
prom_scraped() {
	[ "$(prom_query 'sipxdp_call_attempts_total{peer="uas",direction="outbound"}')" = 0 ] &&
		[ "$(prom_query 'sipxdp_call_attempts_total{peer="uac",direction="inbound"}')" = 0 ]
}

# near GOT WANT: equal to within a part in a million.
near() {
	python3 -c 'import sys; g, w = sys.argv[1:]
sys.exit(0 if g not in ("(none)", "(several)") and abs(float(g) - float(w)) <= 1e-6 * abs(float(w)) + 1e-12 else 1)' "$1" "$2"
}

uas_listening() {
	local port
	for port in 5060 5062 5064; do
		"${IN_UAS[@]}" ss -Hlun "src $UAS_ADDR:$port" | grep -q . || return 1
	done
}

e2e_setup "${1:-build}"
for tool in sipp prometheus promtool; do
	command -v "$tool" >/dev/null || e2e_die "$tool not found (scripts/install-deps.sh)"
done
e2e_proxy_topology_up
cat >"$E2E_TMP/peers" <<EOF2
# the remote end of each of the proxy's hops
$E2E_CLI_ADDR/32 uac
$UAS_ADDR/32 uas
EOF2
e2e_kamailio_proxy_start 32
e2e_agent_start -i "$PRX_IF2" --ack-timeout "$ACK_TIMEOUT" --peers "$E2E_TMP/peers"
e2e_check_cmd "agent attached to $PRX_IF2 too" \
	ip -n "$E2E_SRV_NS" link show dev "$PRX_IF2" | grep -q 'prog/xdp'

# One OPTIONS from each side (answered by the proxy): both peers are then
# listed in /metrics, every call series at 0.
sipp_start options-uac "$E2E_CLI_NS" "$E2E_SRV_ADDR:5060" -i "$E2E_CLI_ADDR" -p 5079 \
	-sf "$SCENARIOS/options.xml" -m 1
sipp_start options-uas "$UAS_NS" "$PRX_ADDR2:5060" -i "$UAS_ADDR" -p 5079 -sf "$SCENARIOS/options.xml" -m 1
e2e_sipp_wait options-uac
e2e_sipp_wait options-uas

# Prometheus with the project's rules, scraping and evaluating every second;
# the calls start once it holds the agent's series at 0.
cat >"$E2E_TMP/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $(cd "$E2E_LIB_DIR/../.." && pwd)/rules/sipxdp.rules.yml
scrape_configs:
  - job_name: sipxdp
    static_configs:
      - targets: ['$E2E_METRICS_ADDR']
EOF2
"${E2E_IN_SRV[@]}" prometheus --config.file="$E2E_TMP/prometheus.yml" \
	--storage.tsdb.path="$E2E_TMP/prometheus-data" --web.listen-address="$PROM_ADDR" \
	>"$E2E_TMP/prometheus.log" 2>&1 &
E2E_BG_PIDS+=($!)
e2e_wait_for 30 prom_ready || e2e_die "prometheus not ready after 30 s"
e2e_wait_for 20 prom_scraped || e2e_die "prometheus has not scraped the agent after 20 s: $(prom_query 'up') $(prom_query 'sipxdp_call_attempts_total{peer="uas",direction="outbound"}')"

# The UASs first, so that no INVITE finds a closed port.
sipp_start uas-answer "$UAS_NS" -sf "$SCENARIOS/uas_answer.xml" -i "$UAS_ADDR" -p 5060 \
	-m $((N_ANSWERED + N_NOACK))
sipp_start uas-busy "$UAS_NS" -sf "$SCENARIOS/uas_busy.xml" -i "$UAS_ADDR" -p 5062 -m "$N_BUSY"
sipp_start uas-moved "$UAS_NS" -sf "$SCENARIOS/uas_moved.xml" -i "$UAS_ADDR" -p 5064 -m "$N_MOVED" \
	-key target "$MOVED_TARGET"
e2e_wait_for 10 uas_listening || e2e_die "SIPp UASs not listening"

# The callers, side by side (each at 10 calls a second).
UAC=("$E2E_SRV_ADDR:5060" -i "$E2E_CLI_ADDR" -r 10)
sipp_start uac-answered "$E2E_CLI_NS" "${UAC[@]}" -sf "$SCENARIOS/uac_answered.xml" -p 5070 \
	-s alice -m "$N_ANSWERED"
sipp_start uac-noack "$E2E_CLI_NS" "${UAC[@]}" -sf "$SCENARIOS/uac_noack.xml" -p 5071 \
	-s bob -m "$N_NOACK"
sipp_start uac-busy "$E2E_CLI_NS" "${UAC[@]}" -sf "$SCENARIOS/uac_rejected.xml" -p 5072 \
	-s busy -m "$N_BUSY"
sipp_start uac-moved "$E2E_CLI_NS" "${UAC[@]}" -sf "$SCENARIOS/uac_rejected.xml" -p 5073 \
	-s moved -m "$N_MOVED"
for name in uac-answered uac-noack uac-busy uac-moved uas-busy uas-moved; do
	e2e_sipp_wait "$name"
done
# The UAS fails the calls whose ACK never came, and only those.
e2e_sipp_wait uas-answer $((N_NOACK > 0))

# What SIPp counted. A packet is a message or one of its retransmissions.
uac() { sipp_count "uac-$1" "${@:2}"; }
uas() { sipp_count "uas-$1" "${@:2}"; }
ANSWERED=$(($(uac answered 3_200_Recv) + $(uac noack 3_200_Recv)))
NOACK=$(uac noack 3_200_Recv)
e2e_check "SIPp: the UAS saw the ACK of every ACKed call" \
	"$(uas answer 3_ACK_Recv)" "$(uac answered 4_ACK_Sent)"
e2e_check "SIPp: the UAS timed out on the unACKed calls' ACK" "$(uas answer 3_ACK_Timeout)" "$NOACK"
e2e_check "SIPp: calls as planned (answered, no ACK, busy, moved)" \
	"$(uac answered 3_200_Recv) $NOACK $(uac busy 3_486_Recv) $(uac moved 2_302_Recv)" \
	"$N_ANSWERED $N_NOACK $N_BUSY $N_MOVED"
ATTEMPTS_UAC=$(($(uac answered 0_INVITE_Sent) + $(uac noack 0_INVITE_Sent) +
	$(uac busy 0_INVITE_Sent) + $(uac moved 0_INVITE_Sent)))
ATTEMPTS_UAS=$(($(uas answer 0_INVITE_Recv) + $(uas busy 0_INVITE_Recv) + $(uas moved 0_INVITE_Recv)))
e2e_check "SIPp: every call placed and taken" "$ATTEMPTS_UAC $ATTEMPTS_UAS" "$N_CALLS $N_CALLS"
# Retransmitted 2xx of an INVITE as the UAS sent them and the UAC got them.
RETRANS_UAS=$(uas answer 2_200_Retrans)
RETRANS_UAC=$(($(uac answered 3_200_Retrans) + $(uac noack 3_200_Retrans)))

# The agent takes its events from a ring buffer and declares an ACK missing
# --ack-timeout after the 2xx: wait until it has every 2xx of both hops and
# nothing pending.
acks_settled() {
	e2e_sipxdp acks --json >"$E2E_TMP/acks.json" &&
		[ "$(e2e_json "$E2E_TMP/acks.json" invite_2xx)" = $((2 * ANSWERED)) ] &&
		[ "$(e2e_json "$E2E_TMP/acks.json" pending)" = 0 ]
}
e2e_wait_for $((ACK_TIMEOUT + 10)) acks_settled || e2e_log "ACKs not settled"
e2e_sipxdp acks --json >"$E2E_TMP/acks.json"
e2e_sipxdp calls --json >"$E2E_TMP/calls.json"
e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/metrics.txt"
M=$E2E_TMP/metrics.txt

# 1. The packet counters: what came in (XDP) is what one side sent, what
# went out (TC) what the other side received. Requests enter from the UAC
# and leave to the UAS; responses the other way round.
e2e_check "requests ingress INVITE" "$(e2e_metric "$M" sipxdp_requests_total direction=ingress method=INVITE)" \
	$((ATTEMPTS_UAC + $(uac answered 0_INVITE_Retrans) + $(uac noack 0_INVITE_Retrans) +
		$(uac busy 0_INVITE_Retrans) + $(uac moved 0_INVITE_Retrans)))
e2e_check "requests egress INVITE" "$(e2e_metric "$M" sipxdp_requests_total direction=egress method=INVITE)" \
	$((ATTEMPTS_UAS + $(uas answer 0_INVITE_Retrans) + $(uas busy 0_INVITE_Retrans) +
		$(uas moved 0_INVITE_Retrans)))
e2e_check "requests ingress ACK" "$(e2e_metric "$M" sipxdp_requests_total direction=ingress method=ACK)" \
	$(($(uac answered 4_ACK_Sent 4_ACK_Retrans) + $(uac busy 4_ACK_Sent) + $(uac moved 4_ACK_Sent)))
e2e_check "requests egress ACK" "$(e2e_metric "$M" sipxdp_requests_total direction=egress method=ACK)" \
	$(($(uas answer 3_ACK_Recv 3_ACK_Retrans) + $(uas busy 2_ACK_Recv) + $(uas moved 2_ACK_Recv)))
e2e_check "requests ingress BYE" "$(e2e_metric "$M" sipxdp_requests_total direction=ingress method=BYE)" \
	"$(uac answered 6_BYE_Sent 6_BYE_Retrans)"
e2e_check "requests egress BYE" "$(e2e_metric "$M" sipxdp_requests_total direction=egress method=BYE)" \
	"$(uas answer 4_BYE_Recv 4_BYE_Retrans)"
# Responses by code and method: ingress from the UAS, egress to the UAC.
e2e_check "responses ingress 180 INVITE" "$(e2e_metric "$M" sipxdp_responses_total direction=ingress code=180 method=INVITE)" \
	"$(uas answer 1_180_Sent 1_180_Retrans)"
e2e_check "responses ingress 200 INVITE" "$(e2e_metric "$M" sipxdp_responses_total direction=ingress code=200 method=INVITE)" \
	"$(uas answer 2_200_Sent 2_200_Retrans)"
e2e_check "responses ingress 200 BYE" "$(e2e_metric "$M" sipxdp_responses_total direction=ingress code=200 method=BYE)" \
	"$(uas answer 5_200_Sent 5_200_Retrans)"
e2e_check "responses ingress 486" "$(e2e_metric "$M" sipxdp_responses_total direction=ingress code=486 method=INVITE)" \
	"$(uas busy 1_486_Sent 1_486_Retrans)"
e2e_check "responses ingress 302" "$(e2e_metric "$M" sipxdp_responses_total direction=ingress code=302 method=INVITE)" \
	"$(uas moved 1_302_Sent 1_302_Retrans)"
UAC_100=$(($(uac answered 1_100_Recv 1_100_Retrans) + $(uac noack 1_100_Recv 1_100_Retrans) +
	$(uac busy 1_100_Recv 1_100_Retrans) + $(uac moved 1_100_Recv 1_100_Retrans)))
UAC_180=$(($(uac answered 2_180_Recv 2_180_Retrans) + $(uac noack 2_180_Recv 2_180_Retrans)))
UAC_200=$((ANSWERED + RETRANS_UAC))
e2e_check "responses egress 100 INVITE (the proxy's own)" \
	"$(e2e_metric "$M" sipxdp_responses_total direction=egress code=100 method=INVITE)" "$UAC_100"
e2e_check "responses egress 180 INVITE" "$(e2e_metric "$M" sipxdp_responses_total direction=egress code=180 method=INVITE)" "$UAC_180"
e2e_check "responses egress 200 INVITE" "$(e2e_metric "$M" sipxdp_responses_total direction=egress code=200 method=INVITE)" "$UAC_200"
e2e_check "responses egress 200 BYE" "$(e2e_metric "$M" sipxdp_responses_total direction=egress code=200 method=BYE)" \
	"$(uac answered 7_200_Recv 7_200_Retrans)"
e2e_check "responses egress 486" "$(e2e_metric "$M" sipxdp_responses_total direction=egress code=486 method=INVITE)" \
	"$(uac busy 3_486_Recv 3_486_Retrans)"
e2e_check "responses egress 302" "$(e2e_metric "$M" sipxdp_responses_total direction=egress code=302 method=INVITE)" \
	"$(uac moved 2_302_Recv 2_302_Retrans)"

# Per sending peer: the UAS's responses are "uas", the proxy's own address
# is in no range ("other": what it relays and its 100s and OPTIONS 200s),
# the UAC sends none.
e2e_check "peer_responses uas 1xx" "$(e2e_metric "$M" sipxdp_peer_responses_total peer=uas class=1xx)" \
	"$(uas answer 1_180_Sent 1_180_Retrans)"
e2e_check "peer_responses uas 2xx" "$(e2e_metric "$M" sipxdp_peer_responses_total peer=uas class=2xx)" \
	"$(uas answer 2_200_Sent 2_200_Retrans 5_200_Sent 5_200_Retrans)"
e2e_check "peer_responses uas 3xx" "$(e2e_metric "$M" sipxdp_peer_responses_total peer=uas class=3xx)" \
	"$(uas moved 1_302_Sent 1_302_Retrans)"
e2e_check "peer_responses uas 4xx" "$(e2e_metric "$M" sipxdp_peer_responses_total peer=uas class=4xx)" \
	"$(uas busy 1_486_Sent 1_486_Retrans)"
e2e_check "peer_responses uac (sends none)" "$(e2e_metric "$M" sipxdp_peer_responses_total peer=uac)" 0
e2e_check "peer_responses other 1xx (the proxy)" "$(e2e_metric "$M" sipxdp_peer_responses_total peer=other class=1xx)" \
	$((UAC_100 + UAC_180))
e2e_check "peer_responses other 2xx (the proxy)" "$(e2e_metric "$M" sipxdp_peer_responses_total peer=other class=2xx)" \
	$((UAC_200 + $(uac answered 7_200_Recv 7_200_Retrans) + $(sipp_count options-uac 1_200_Recv 1_200_Retrans) +
		$(sipp_count options-uas 1_200_Recv 1_200_Retrans)))

# 2. ACKs per hop: each answered call is one INVITE 2xx transaction on each
# hop, never a retransmission of the other; matched on both hops when the
# UAC ACKed, missing on both when it did not.
for peer in uac uas; do
	if [ "$peer" = uac ]; then retrans=$RETRANS_UAC; else retrans=$RETRANS_UAS; fi
	e2e_check "invite_2xx_total{peer=$peer}" "$(e2e_metric "$M" sipxdp_invite_2xx_total "peer=$peer")" "$ANSWERED"
	e2e_check "invite_2xx_retransmissions_total{peer=$peer}" \
		"$(e2e_metric "$M" sipxdp_invite_2xx_retransmissions_total "peer=$peer")" "$retrans"
	e2e_check "ack_matched_total{peer=$peer}" "$(e2e_metric "$M" sipxdp_ack_matched_total "peer=$peer")" \
		"$(uac answered 4_ACK_Sent)"
	e2e_check "ack_missing_total{peer=$peer}" "$(e2e_metric "$M" sipxdp_ack_missing_total "peer=$peer")" "$NOACK"
	e2e_check "ack_late_total{peer=$peer}" "$(e2e_metric "$M" sipxdp_ack_late_total "peer=$peer")" 0
	e2e_check "acks --json peers[$peer]" \
		"$(e2e_json "$E2E_TMP/acks.json" "peers[peer=$peer].invite_2xx") $(e2e_json "$E2E_TMP/acks.json" "peers[peer=$peer].matched") $(e2e_json "$E2E_TMP/acks.json" "peers[peer=$peer].missing")" \
		"$ANSWERED $(uac answered 4_ACK_Sent) $NOACK"
done
e2e_check "acks --json invite_2xx (two hops)" "$(e2e_json "$E2E_TMP/acks.json" invite_2xx)" $((2 * ANSWERED))
e2e_check "acks --json retransmissions" "$(e2e_json "$E2E_TMP/acks.json" retransmissions)" \
	$((RETRANS_UAS + RETRANS_UAC))
e2e_check "acks --json pending" "$(e2e_json "$E2E_TMP/acks.json" pending)" 0
e2e_check "acks --json missed: each unACKed call once per hop" \
	"$(e2e_json "$E2E_TMP/acks.json" 'missed[*].peer')" \
	"$(python3 -c 'import json, sys; n = int(sys.argv[1]); print(json.dumps(sorted(["uac"] * n + ["uas"] * n)))' "$NOACK")"

# 3. Calls per peer, one hop each: what SIPp's callers placed and its callees
# took, outcome by outcome.
check_calls() {
	local peer=$1 attempts=$2 answered=$3 rejected=$4 redirected=$5 completed=$6 c=$E2E_TMP/calls.json
	e2e_check "call_attempts_total{peer=$peer}" "$(e2e_metric "$M" sipxdp_call_attempts_total "peer=$peer")" "$attempts"
	e2e_check "calls --json $peer attempts" "$(e2e_json "$c" "calls[peer=$peer].attempts")" "$attempts"
	for outcome in answered rejected redirected ineffective cancelled failed unanswered unverified; do
		local want=0
		case $outcome in
		answered) want=$answered ;; rejected) want=$rejected ;; redirected) want=$redirected ;;
		esac
		e2e_check "call_outcomes_total{peer=$peer,outcome=$outcome}" \
			"$(e2e_metric "$M" sipxdp_call_outcomes_total peer=$peer "outcome=$outcome")" "$want"
		e2e_check "calls --json $peer $outcome" "$(e2e_json "$c" "calls[peer=$peer].$outcome")" "$want"
	done
	e2e_check "calls_completed_total{peer=$peer}" "$(e2e_metric "$M" sipxdp_calls_completed_total "peer=$peer")" "$completed"
	e2e_check "calls_active{peer=$peer} (answered, never hung up)" \
		"$(e2e_metric "$M" sipxdp_calls_active "peer=$peer")" $((answered - completed))
	e2e_check "call_answer_delay_seconds_count{peer=$peer}" \
		"$(e2e_metric "$M" sipxdp_call_answer_delay_seconds_count "peer=$peer")" "$answered"
	e2e_check "call_duration_seconds_count{peer=$peer}" \
		"$(e2e_metric "$M" sipxdp_call_duration_seconds_count "peer=$peer")" "$completed"
}
check_calls uac "$ATTEMPTS_UAC" "$ANSWERED" "$(uac busy 3_486_Recv)" "$(uac moved 2_302_Recv)" \
	"$(uac answered 7_200_Recv)"
check_calls uas "$ATTEMPTS_UAS" "$(uas answer 2_200_Sent)" "$(uas busy 1_486_Sent)" \
	"$(uas moved 1_302_Sent)" "$(uas answer 5_200_Sent)"
e2e_check "call_attempts_total{peer=uac,direction=inbound}" \
	"$(e2e_metric "$M" sipxdp_call_attempts_total peer=uac direction=inbound)" "$ATTEMPTS_UAC"
e2e_check "call_attempts_total{peer=uas,direction=outbound}" \
	"$(e2e_metric "$M" sipxdp_call_attempts_total peer=uas direction=outbound)" "$ATTEMPTS_UAS"
e2e_check "no call counted for peer other" "$(e2e_metric "$M" sipxdp_call_attempts_total peer=other)" 0
for peer in uac uas; do
	e2e_check "options_total{peer=$peer,outcome=answered}" \
		"$(e2e_metric "$M" sipxdp_options_total "peer=$peer" outcome=answered)" \
		"$(sipp_count options-$peer 1_200_Recv)"
done
e2e_check_cmd "promtool check metrics" promtool_check "$M"

# 4. Prometheus with rules/sipxdp.rules.yml, scraping since before the first
# call: its recorded ratios for the UAS's hop are SIPp's counts divided.
SER_WANT=$(python3 -c 'import sys; a, t, r = map(int, sys.argv[1:]); print(a / (t - r))' \
	"$(uas answer 2_200_Sent)" "$ATTEMPTS_UAS" "$(uas moved 1_302_Sent)")
ASR_WANT=$(python3 -c 'import sys; a, t = map(int, sys.argv[1:]); print(a / t)' \
	"$(uas answer 2_200_Sent)" "$ATTEMPTS_UAS")
SEER_WANT=$(python3 -c 'import sys; a, j, t, r = map(int, sys.argv[1:]); print((a + j) / (t - r))' \
	"$(uas answer 2_200_Sent)" "$(uas busy 1_486_Sent)" "$ATTEMPTS_UAS" "$(uas moved 1_302_Sent)")
SCR_WANT=$(python3 -c 'import sys; c, t = map(int, sys.argv[1:]); print(c / t)' \
	"$(uas answer 5_200_Sent)" "$ATTEMPTS_UAS")
RATIOS=(ser asr seer scr)
declare -A RATIO_WANT=([ser]=$SER_WANT [asr]=$ASR_WANT [seer]=$SEER_WANT [scr]=$SCR_WANT)
# Every series was born at 0 before the first call (Prometheus scraped the
# agent before any traffic), so rate()'s extrapolation scales numerator and
# denominator alike: the ratios are exact, to rounding.
ratios_settled() {
	local r
	for r in "${RATIOS[@]}"; do
		near "$(prom_query "sipxdp:$r:ratio_rate5m{peer=\"uas\"}")" "${RATIO_WANT[$r]}" || return 1
	done
	[ "$(prom_query 'sipxdp_calls_completed_total{peer="uas"}')" = "$(uas answer 5_200_Sent)" ]
}
e2e_wait_for 20 ratios_settled || e2e_log "Prometheus: ratios not as expected within 20 s"
for r in "${RATIOS[@]}"; do
	got=$(prom_query "sipxdp:$r:ratio_rate5m{peer=\"uas\"}")
	e2e_check_cmd "Prometheus: sipxdp:$r:ratio_rate5m{peer=uas} = ${RATIO_WANT[$r]} (got $got)" \
		near "$got" "${RATIO_WANT[$r]}"
done
e2e_check "Prometheus: SER the same on the UAC's hop" \
	"$(near "$(prom_query 'sipxdp:ser:ratio_rate5m{peer="uac"}')" "$SER_WANT" && echo same)" same
e2e_check "Prometheus: ISA of a hop with no ineffective call" \
	"$(prom_query 'sipxdp:isa:ratio_rate5m{peer="uas"}')" 0
e2e_check "Prometheus: no ratio for the idle peer other" \
	"$(prom_query 'sipxdp:ser:ratio_rate5m{peer="other"}')" "(none)"
e2e_check "Prometheus: every rule evaluates without error" "$(prom_rule_health)" ok
# Missing ACKs on both hops: the alert is pending (its 5 minutes have not run).
e2e_check "Prometheus: SipxdpAckMissing pending for" \
	"$(prom_query 'sort_desc(count by (alertstate) (ALERTS{alertname="SipxdpAckMissing"}))') $(
		prom_query 'count(ALERTS{alertname="SipxdpAckMissing",alertstate="pending",peer=~"uac|uas"})')" "2 2"
e2e_check "Prometheus: SipxdpSerLow not active at SER $SER_WANT" \
	"$(prom_query 'ALERTS{alertname="SipxdpSerLow"}')" "(none)"

e2e_summary
