#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# sipxdp's media figures against the truth, with RTP from real UAs through a
# real path. SIPp UACs call SIPp UASs through Kamailio; their RTP (PCMA,
# 20 ms packets, both ways, SIPp's rtp_stream) goes straight between the
# UAs, routed through the proxy's namespace:
#
#   netns uac ($E2E_CLI_NS)         netns proxy ($E2E_SRV_NS)            netns uas
#   SIPp UACs ── veth ══ $E2E_SRV_IF  Kamailio, forwarding  $PRX_IF2 ══ veth ── SIPp UAS
#                        sipxdp run, dumpcap    [nft: 5 % of the RTP to alice, all to carol]
#   [nft: all of bob's and carol's RTP; dave's from 3 s in, both ways]
#
# sipxdp watches $E2E_SRV_IF only (on both veths it would count each RTP
# packet twice, leaving one and entering the other): its XDP program sees
# what the UACs send (from_peer), its TC egress program what they are sent
# (to_peer), and dumpcap captures the same interface as the truth. Each
# call plays 8 s of RTP both ways, from 100 ms after the ACK (the scenarios
# say why), and the callers hang up after it stopped. The losses are made
# before that interface, where neither sees the dropped packets:
#   alice's call   5 % of the RTP to alice dropped at random in the proxy's
#                  forward chain (nftables numgen), the other way clean;
#   bob's call     all of bob's RTP dropped as it leaves his namespace (a
#                  caller whose microphone never reaches the path): one way;
#   carol's call   all RTP dropped, both ways (media that a firewall
#                  blocks): none;
#   dave's call    clean, until all its RTP is dropped both ways 3 s in
#                  while the call stays up (a path that breaks): two_way,
#                  and with no RTP for --media-timeout the call ends unseen
#                  as no_media, before its BYE.
# tshark's RTP analysis of the capture (rtp_truth.py) is the truth: packets,
# payload bytes and lost exact per stream, mean jitter within 10 % or 0.5 ms,
# MOS within 0.05 of G.107 computed from tshark's loss and jitter (and lower
# in the lossy direction), alice's and dave's calls two_way, bob's one_way,
# carol's none, dave's ended no_media and the other three completed. sch_netem is not in the kernels this runs on: nftables makes the
# loss.
# Then erin calls a SIPp UAS of her own over IPv6, SIP and RTP, straight
# through the proxy's namespace (Kamailio's routes are IPv4), 5 % of the
# RTP to her dropped there too: her streams against a capture of their
# own, and her call two_way.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_media.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

NET6=fd00:5b0
e2e_proxy_names 10.204 "$NET6"
# the UAS side's IPv6 network, beside the UAC's ($NET6:1::/64)
PRX_ADDR6=$NET6:2::1
UAS_ADDR6=$NET6:2::2
SCENARIOS=$E2E_LIB_DIR/sipp
NFT_TABLE=sxd_media_$$

CALL_MS=8000		# RTP each way: 400 packets of 20 ms
LOSS_PCT=5		# of the RTP to alice
ONE_WAY_AFTER=2		# --one-way-after: well inside the call
MEDIA_TIMEOUT=2		# --media-timeout: dave's call ends 2 to 3 s after its RTP
DAVE_BREAK=3		# seconds into dave's call its RTP is dropped
# Where each caller's RTP arrives (SIPp's -mp): the nftables rules and the
# checks pick each call's streams by these.
ALICE_RTP=16000
BOB_RTP=17000
CAROL_RTP=15000
DAVE_RTP=19000
ERIN_RTP=20000
UAS_RTP=18000

# sipp_start NAME NS SIPP_ARGS...: lib.sh's, with the audio SIPp plays in
# its directory (the scenarios name it relative: rtp_stream takes no
# keyword) and the calls' length; a minute at most (the UAS takes four
# calls of 9 s).
sipp_start() {
	local name=$1 ns=$2
	shift 2
	mkdir -p "$E2E_TMP/sipp-$name"
	ln -s "$MEDIA_FILE" "$E2E_TMP/sipp-$name/silence.alaw"
	e2e_sipp_start "$name" "$ns" -timeout 60s -d "$CALL_MS" "$@"
}

uas_listening() { "${IN_UAS[@]}" ss -Hlun "src $UAS_ADDR:5060" | grep -q .; }
uas6_listening() { "${IN_UAS[@]}" ss -Hlun "src [$UAS_ADDR6]:5060" | grep -q .; }

# dumpcap has opened the interface once it says so on stderr.
capturing() { grep -q 'Capturing on' "$E2E_TMP/dumpcap.log"; }

e2e_setup "${1:-build}"
for tool in sipp tshark dumpcap nft; do
	command -v "$tool" >/dev/null || e2e_die "$tool not found (scripts/install-deps.sh)"
done
e2e_proxy_topology_up
# The RTP goes UA to UA through the proxy's namespace, routed.
e2e_in_srv sysctl -qw net.ipv4.ip_forward=1
ip -n "$E2E_CLI_NS" route add "${PRX_ADDR2%.*}.0/24" via "$E2E_SRV_ADDR"
ip -n "$UAS_NS" route add "${E2E_CLI_ADDR%.*}.0/24" via "$PRX_ADDR2"
ip -n "$E2E_SRV_NS" addr add "$PRX_ADDR6/64" dev "$PRX_IF2" nodad
ip -n "$UAS_NS" addr add "$UAS_ADDR6/64" dev "$UAS_IF" nodad
e2e_in_srv sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$E2E_CLI_NS" -6 route add "$NET6:2::/64" via "$E2E_SRV_ADDR6"
ip -n "$UAS_NS" -6 route add "$NET6:1::/64" via "$PRX_ADDR6"

# One second of PCMA silence, which SIPp loops for the length of the call.
MEDIA_FILE=$E2E_TMP/silence.alaw
python3 -c 'import sys; sys.stdout.buffer.write(b"\xd5" * 8000)' >"$MEDIA_FILE"

# The losses, in tables of this test's own (the namespaces go at exit, and
# the tables with them).
e2e_in_srv nft -f - <<EOF
table ip $NFT_TABLE {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip daddr $E2E_CLI_ADDR udp dport $ALICE_RTP-$((ALICE_RTP + 999)) numgen random mod 100 < $LOSS_PCT counter drop comment "to alice"
		ip daddr $E2E_CLI_ADDR udp dport $CAROL_RTP-$((CAROL_RTP + 999)) counter drop comment "to carol"
	}
}
EOF
e2e_in_srv nft -f - <<EOF
table ip6 $NFT_TABLE {
	chain forward {
		type filter hook forward priority 0; policy accept;
		ip6 daddr $E2E_CLI_ADDR6 udp dport $ERIN_RTP-$((ERIN_RTP + 999)) numgen random mod 100 < $LOSS_PCT counter drop comment "to erin"
	}
}
EOF
e2e_in_cli nft -f - <<EOF
table ip $NFT_TABLE {
	chain output {
		type filter hook output priority 0; policy accept;
		ip saddr $E2E_CLI_ADDR udp sport $BOB_RTP-$((BOB_RTP + 999)) counter drop comment "from bob"
		ip saddr $E2E_CLI_ADDR udp sport $CAROL_RTP-$((CAROL_RTP + 999)) counter drop comment "from carol"
	}
}
EOF

e2e_kamailio_proxy_start 32
cat >"$E2E_TMP/peers" <<EOF
# the remote end of the proxy's hop on the watched interface
$E2E_CLI_ADDR/32 uac
$E2E_CLI_ADDR6/128 uac6
EOF
e2e_agent_start --peers "$E2E_TMP/peers" --one-way-after "$ONE_WAY_AFTER" \
	--media-timeout "$MEDIA_TIMEOUT"

# capture_start FILE: the truth, every UDP datagram of the watched
# interface both ways, into FILE until capture_stop.
capture_start() {
	: >"$E2E_TMP/dumpcap.log"
	"${E2E_IN_SRV[@]}" dumpcap -q -i "$E2E_SRV_IF" -f udp -w "$1" \
		>"$E2E_TMP/dumpcap.log" 2>&1 &
	DUMPCAP_PID=$!
	E2E_BG_PIDS+=("$DUMPCAP_PID")
	e2e_wait_for 10 capturing || e2e_die "dumpcap not capturing after 10 s"
}
capture_stop() { e2e_stop_pid "$DUMPCAP_PID"; }
capture_start "$E2E_TMP/media.pcapng"

# The UAS takes the calls one after the other: SIPp's UAS answers every
# call with the same RTP port, and two calls at once would share a stream
# (sipxdp keys a stream by where it arrives). Each caller has RTP ports of
# its own, which the nftables rules pick.
sipp_start uas "$UAS_NS" -sf "$SCENARIOS/uas_media.xml" -i "$UAS_ADDR" -p 5060 -mi "$UAS_ADDR" \
	-mp "$UAS_RTP" -m 4
e2e_wait_for 10 uas_listening || e2e_die "SIPp UAS not listening"
UAC=("$E2E_SRV_ADDR:5060" -i "$E2E_CLI_ADDR" -mi "$E2E_CLI_ADDR" -sf "$SCENARIOS/uac_media.xml" -m 1)
sipp_start alice "$E2E_CLI_NS" "${UAC[@]}" -p 5070 -s alice -mp "$ALICE_RTP"
e2e_sipp_wait alice
sipp_start bob "$E2E_CLI_NS" "${UAC[@]}" -p 5071 -s bob -mp "$BOB_RTP"
e2e_sipp_wait bob
sipp_start carol "$E2E_CLI_NS" "${UAC[@]}" -p 5072 -s carol -mp "$CAROL_RTP"
e2e_sipp_wait carol
sipp_start dave "$E2E_CLI_NS" "${UAC[@]}" -p 5073 -s dave -mp "$DAVE_RTP"
sleep "$DAVE_BREAK"
e2e_in_srv nft add rule ip "$NFT_TABLE" forward ip daddr "$E2E_CLI_ADDR" udp dport \
	"$DAVE_RTP-$((DAVE_RTP + 999))" counter drop comment '"to dave"'
e2e_in_cli nft add rule ip "$NFT_TABLE" output ip saddr "$E2E_CLI_ADDR" udp sport \
	"$DAVE_RTP-$((DAVE_RTP + 999))" counter drop comment '"from dave"'
e2e_sipp_wait dave
e2e_sipp_wait uas

# The calls ended: the agent has them once it lists all three as ended.
media_settled() {
	e2e_sipxdp media --json >"$E2E_TMP/media.json" &&
		python3 - "$E2E_TMP/media.json" <<'EOF'
import json, sys
streams = json.load(open(sys.argv[1]))["media"]
calls = {s["call_id"] for s in streams}
sys.exit(0 if len(calls) == 4 and all(s["state"] == "ended" for s in streams) else 1)
EOF
}
e2e_wait_for 10 media_settled || e2e_log "media: the four calls not all ended after 10 s"
e2e_sipxdp media --json >"$E2E_TMP/media.json"
e2e_sipxdp calls --json >"$E2E_TMP/calls.json"
e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/metrics.txt"
capture_stop
python3 "$E2E_LIB_DIR/rtp_truth.py" "$E2E_TMP/media.pcapng" >"$E2E_TMP/truth.json"

# 1. The path did what it was set to: the capture holds alice's and dave's
# two streams and the one to bob, none from bob, none of carol's; only the
# stream to alice lost packets (400 at 5 %: none lost would happen once in
# 10^9 runs), and each nftables rule dropped what the capture misses.
# nft_dropped COMMENT CMD...: the packets the rule of this test's table with
# that comment dropped, in the namespace CMD enters.
nft_dropped() {
	"${@:2}" nft -j list table ip "$NFT_TABLE" | python3 -c 'import json, sys
print(sum(x["counter"]["packets"] for e in json.load(sys.stdin)["nftables"]
          if e.get("rule", {}).get("comment") == sys.argv[1]
          for x in e["rule"]["expr"] if "counter" in x))' "$1"
}
truth() { e2e_json "$E2E_TMP/truth.json" "$1"; }
e2e_check "capture: RTP streams (to, from) alice and dave, and to bob" \
	"$(truth 'streams[*].dst_port')" "[$ALICE_RTP, $BOB_RTP, $UAS_RTP, $UAS_RTP, $DAVE_RTP]"
e2e_check "capture: nothing from bob" "$(truth "streams[src_port=$BOB_RTP]")" "(missing)"
e2e_check "capture: nothing from or to carol" \
	"$(truth "streams[src_port=$CAROL_RTP]") $(truth "streams[dst_port=$CAROL_RTP]")" "(missing) (missing)"
e2e_check "capture: lost in the clean streams" \
	"$(truth "streams[src_port=$ALICE_RTP].lost") $(truth "streams[dst_port=$BOB_RTP].lost")" "0 0"
ALICE_LOST=$(truth "streams[dst_port=$ALICE_RTP].lost")
e2e_check_cmd "capture: alice lost some RTP ($ALICE_LOST)" [ "$ALICE_LOST" -gt 0 ]
# A drop at either end of the stream is no gap RTP can see: at least that many.
DROPPED=$(nft_dropped "to alice" "${E2E_IN_SRV[@]}")
e2e_check_cmd "nft dropped to alice ($DROPPED) >= lost ($ALICE_LOST)" [ "$DROPPED" -ge "$ALICE_LOST" ]
for rule in "from bob" "from carol" "from dave"; do
	DROPPED=$(nft_dropped "$rule" "${E2E_IN_CLI[@]}")
	e2e_check_cmd "nft dropped RTP $rule ($DROPPED)" [ "$DROPPED" -gt 0 ]
done
for rule in "to carol" "to dave"; do
	DROPPED=$(nft_dropped "$rule" "${E2E_IN_SRV[@]}")
	e2e_check_cmd "nft dropped RTP $rule ($DROPPED)" [ "$DROPPED" -gt 0 ]
done

# 2. Each stream as sipxdp measured it against tshark's, and each call's
# verdict.
# media_compare TRUTH MEDIA CLI WHO:RTP_PORT:VERDICT...: one line per check
# (name, got, expected) for the calls of these callers, each known by the
# port its RTP arrives at on CLI, the callers' address.
media_compare() {
	python3 - "$@" <<'PY'
import json, sys

truth = json.load(open(sys.argv[1]))["streams"]
media = json.load(open(sys.argv[2]))["media"]
cli = sys.argv[3]
callers = [arg.split(":") for arg in sys.argv[4:]]
ports = {who: int(port) for who, port, _ in callers}
want_verdict = {who: verdict for who, _, verdict in callers}


def check(name, got, want):
    print("%s\t%s\t%s" % (name, got, want))


def near(got, want, rel, absolute):
    return got is not None and abs(got - want) <= max(rel * abs(want), absolute)


# A call is known by where its caller's RTP arrives (the to_peer stream's port).
calls = {}
for who, port in ports.items():
    ids = {s["call_id"] for s in media if s["direction"] == "to_peer" and s["dst_port"] == port}
    check("%s: one call with a stream to port %d" % (who, port), len(ids), 1)
    calls[who] = ids.pop() if len(ids) == 1 else None
# The stream of a call in a direction: the truth's, sipxdp's.
mos = {}
for who, call_id in calls.items():
    streams = [s for s in media if s["call_id"] == call_id]
    check("%s: streams (directions)" % who, sorted(s["direction"] for s in streams),
          ["from_peer", "to_peer"])
    for direction in ("from_peer", "to_peer"):
        got = [s for s in streams if s["direction"] == direction]
        if len(got) != 1:
            continue
        got, name = got[0], "%s %s" % (who, direction)
        if direction == "to_peer":
            want = [t for t in truth if t["dst"] == cli and t["dst_port"] == ports[who]]
        else:
            want = [t for t in truth if t["src"] == cli and t["src_port"] == ports[who]]
        check(name + ": call_media", got["call_media"], want_verdict[who])
        check(name + ": state", got["state"], "ended")
        check(name + ": codec, clock", "%s %s" % (got["codec"], got["clock"]), "PCMA 8000")
        # Both SDPs say sendrecv: media is expected both ways, whatever came.
        check(name + ": expected", got["expected"], True)
        if not want:
            # A blocked direction: learned from SDP, not one packet seen.
            check(name + ": packets, lost, mos (none arrived)",
                  "%s %s %s" % (got["packets"], got["lost"], got["mos"]), "0 0 None")
            continue
        want = want[0]
        check(name + ": dst, dst_port", "%s %s" % (got["dst"], got["dst_port"]),
              "%s %s" % (want["dst"], want["dst_port"]))
        # src is where the sending side's SDP says it is (symmetric RTP):
        # the UA's, also on this hop, whose far side is the proxy.
        check(name + ": src, src_port", "%s %s" % (got["src"], got["src_port"]),
              "%s %s" % (want["src"], want["src_port"]))
        check(name + ": packets", got["packets"], want["packets"])
        check(name + ": bytes", got["bytes"], want["bytes"])
        check(name + ": lost", got["lost"], want["lost"])
        check(name + ": rtp_expected", got["rtp_expected"], want["expected"])
        check(name + ": jitter_ms %s, tshark's mean %s (10 %% or 0.5 ms)"
              % (got["jitter_ms"], want["mean_jitter_ms"]),
              near(got["jitter_ms"], want["mean_jitter_ms"], 0.10, 0.5), True)
        check(name + ": mos %s, G.107 of tshark's loss and jitter %s (0.05)"
              % (got["mos"], want["mos"]), near(got["mos"], want["mos"], 0, 0.05), True)
        mos[(who, direction)] = got["mos"]
if ("alice", "to_peer") in mos and ("alice", "from_peer") in mos:
    check("alice: mos lower with loss (to_peer %s, from_peer %s)"
          % (mos[("alice", "to_peer")], mos[("alice", "from_peer")]),
          mos[("alice", "to_peer")] < mos[("alice", "from_peer")], True)
PY
}
# check_media TRUTH MEDIA CLI CALLERS...: media_compare's lines as checks.
check_media() {
	local rc=0 name got want
	media_compare "$@" >"$E2E_TMP/compare.tsv" || rc=$?
	e2e_check "media --json: compared with the capture (exit status)" "$rc" 0
	while IFS=$'\t' read -r name got want; do
		e2e_check "media --json: $name" "$got" "$want"
	done <"$E2E_TMP/compare.tsv"
}
check_media "$E2E_TMP/truth.json" "$E2E_TMP/media.json" "$E2E_CLI_ADDR" \
	"alice:$ALICE_RTP:two_way" "bob:$BOB_RTP:one_way" "carol:$CAROL_RTP:none" \
	"dave:$DAVE_RTP:two_way"

# 3. The calls and /metrics: the same figures, per peer.
e2e_check "calls --json: uac media" "$(e2e_json "$E2E_TMP/calls.json" 'calls[peer=uac].media')" \
	'{"none": 1, "one_way": 1, "two_way": 2}'
e2e_check "calls --json: uac completed, and ended unseen" \
	"$(e2e_json "$E2E_TMP/calls.json" 'calls[peer=uac].completed') $(e2e_json "$E2E_TMP/calls.json" 'calls[peer=uac].ended_unseen')" \
	'3 {"events_lost": 0, "max_duration": 0, "no_media": 1}'
M=$E2E_TMP/metrics.txt
# sum_truth DIRECTION FIELD: the sum of a figure over the capture's streams
# that go that way; FIELD "": how many there are.
sum_truth() {
	python3 - "$E2E_TMP/truth.json" "$E2E_CLI_ADDR" "$1" "$2" <<'PY'
import json, sys
truth, cli, direction, field = json.load(open(sys.argv[1]))["streams"], *sys.argv[2:]
side = "dst" if direction == "to_peer" else "src"
print(round(sum(t[field] if field else 1 for t in truth if t[side] == cli), 4))
PY
}
for direction in from_peer to_peer; do
	e2e_check "media_packets_total{peer=uac,direction=$direction}" \
		"$(e2e_metric "$M" sipxdp_media_packets_total peer=uac "direction=$direction")" \
		"$(sum_truth "$direction" packets)"
	e2e_check "media_packets_lost_total{peer=uac,direction=$direction}" \
		"$(e2e_metric "$M" sipxdp_media_packets_lost_total peer=uac "direction=$direction")" \
		"$(sum_truth "$direction" lost)"
done
# One stream ended each way per call, with packets or not; the histograms
# have a sample per stream that had packets, the MOS histogram's sum that of
# the streams' G.107 scores.
for direction in from_peer to_peer; do
	e2e_check "media_streams_total{peer=uac,direction=$direction,codec=PCMA}" \
		"$(e2e_metric "$M" sipxdp_media_streams_total peer=uac "direction=$direction" codec=PCMA)" 4
	e2e_check "media_jitter_seconds_count{peer=uac,direction=$direction}" \
		"$(e2e_metric "$M" sipxdp_media_jitter_seconds_count peer=uac "direction=$direction")" \
		"$(sum_truth "$direction" "")"
	count=$(sum_truth "$direction" "")
	got=$(e2e_metric "$M" sipxdp_media_mos_sum peer=uac "direction=$direction")
	want=$(sum_truth "$direction" mos)
	e2e_check "media_mos_sum{peer=uac,direction=$direction} $got, G.107 of tshark's $want (0.05 a stream)" \
		"$(python3 -c 'import sys; g, w, n = sys.argv[1:]
print(g != "(missing)" and abs(float(g) - float(w)) <= 0.05 * int(n))' "$got" "$want" "$count")" True
done
for media in two_way:2 one_way:1 none:1; do
	e2e_check "calls_media_total{peer=uac,media=${media%:*}}" \
		"$(e2e_metric "$M" sipxdp_calls_media_total peer=uac "media=${media%:*}")" "${media#*:}"
done
e2e_check "calls_ended_unseen_total{peer=uac,reason=no_media}" \
	"$(e2e_metric "$M" sipxdp_calls_ended_unseen_total peer=uac reason=no_media)" 1

# 4. IPv6: erin's call, SIP and RTP, to a UAS of her own, on a clean path.
capture_start "$E2E_TMP/media6.pcapng"
sipp_start uas6 "$UAS_NS" -sf "$SCENARIOS/uas_media.xml" -i "$UAS_ADDR6" -p 5060 \
	-mi "$UAS_ADDR6" -mp "$UAS_RTP" -m 1
e2e_wait_for 10 uas6_listening || e2e_die "SIPp UAS (IPv6) not listening"
sipp_start erin "$E2E_CLI_NS" "[$UAS_ADDR6]:5060" -i "$E2E_CLI_ADDR6" -mi "$E2E_CLI_ADDR6" \
	-sf "$SCENARIOS/uac_media.xml" -m 1 -p 5074 -s erin -mp "$ERIN_RTP"
e2e_sipp_wait erin
e2e_sipp_wait uas6
erin_ended() {
	e2e_sipxdp media --json >"$E2E_TMP/media6.json" &&
		python3 - "$E2E_TMP/media6.json" "$E2E_CLI_ADDR6" <<'EOF'
import json, sys
streams = [s for s in json.load(open(sys.argv[1]))["media"]
           if sys.argv[2] in (s["src"], s["dst"])]
sys.exit(0 if len(streams) == 2 and all(s["state"] == "ended" for s in streams) else 1)
EOF
}
e2e_wait_for 10 erin_ended || e2e_log "media: erin's call not ended after 10 s"
e2e_sipxdp media --json >"$E2E_TMP/media6.json"
e2e_sipxdp calls --json >"$E2E_TMP/calls6.json"
capture_stop
python3 "$E2E_LIB_DIR/rtp_truth.py" "$E2E_TMP/media6.pcapng" >"$E2E_TMP/truth6.json"
e2e_check "capture (IPv6): erin's two streams" \
	"$(e2e_json "$E2E_TMP/truth6.json" 'streams[*].dst_port')" "[$UAS_RTP, $ERIN_RTP]"
e2e_check "capture (IPv6): lost from erin" \
	"$(e2e_json "$E2E_TMP/truth6.json" "streams[src_port=$ERIN_RTP].lost")" 0
ERIN_LOST=$(e2e_json "$E2E_TMP/truth6.json" "streams[dst_port=$ERIN_RTP].lost")
e2e_check_cmd "capture (IPv6): erin lost some RTP ($ERIN_LOST)" [ "$ERIN_LOST" -gt 0 ]
check_media "$E2E_TMP/truth6.json" "$E2E_TMP/media6.json" "$E2E_CLI_ADDR6" \
	"erin:$ERIN_RTP:two_way"
e2e_check "calls --json: uac6 media" "$(e2e_json "$E2E_TMP/calls6.json" 'calls[peer=uac6].media')" \
	'{"none": 0, "one_way": 0, "two_way": 1}'

e2e_summary
