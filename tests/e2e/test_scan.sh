#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Suspect sources end to end: Debian's sipvicious (svmap, svwar, svcrack)
# against Kamailio as a registrar that tells known users from unknown ones
# (kamailio-scan.cfg), each tool from an address of its own, while SIPp
# places a carrier's calls to distinct numbers and registers phones through
# their digest challenges from two more, and `sipxdp run` watches with its
# default thresholds. Checks:
#   - each scanner is flagged within 10 s of starting, with the reasons it
#     earns: scanner_user_agent for all three (friendly-scanner), and
#     user_enumeration for svwar, auth_failures for svcrack;
#   - SIPp's calls and registrations, and Kamailio itself, flag nothing;
#   - `suspects --json` gives the kernel's request counts of each scanner;
#   - request_flood, with the agent started again with a low threshold:
#     SIPp's OPTIONS at 2,000/s from one more address are flagged on the
#     kernel's per-source counts within 10 s, and only that.
# Usage: tests/e2e/test_scan.sh BUILD_DIR|SIPXDP   (root; about 40 s)
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
E2E_COUNT_FATAL=1

for tool in sipp svmap svwar svcrack; do
	command -v "$tool" >/dev/null || e2e_die "$tool not found (scripts/install-deps.sh)"
done

SCENARIOS=$E2E_LIB_DIR/sipp
# one source address each, on the client's veth
SVMAP_ADDR=10.201.0.8
SVWAR_ADDR=10.201.0.3
SVCRACK_ADDR=10.201.0.4
CALLS_ADDR=10.201.0.5
PHONES_ADDR=10.201.0.6
FLOOD_ADDR=10.201.0.7
FLAG_WITHIN=10			# seconds, from a tool's start
CALLS_RATE=300			# calls/s, for CALLS_N calls
CALLS_N=4500
PHONES_RATE=100			# registrations/s (4 messages each)
PHONES_N=1500
FLOOD_THRESHOLD=1000		# requests/s, the second agent's
FLOOD_RATE=2000			# SIPp's OPTIONS/s

declare -A SIPP_PIDS
# sipp_start NAME ADDR SIPP_ARGS...: SIPp from ADDR in the client namespace,
# in the background, in a directory of its own under $E2E_TMP.
sipp_start() {
	local name=$1 addr=$2 dir=$E2E_TMP/sipp-$1
	shift 2
	mkdir -p "$dir"
	(cd "$dir" && exec "${E2E_IN_CLI[@]}" sipp -nostdin -trace_err -timeout 40s \
		-timeout_error -i "$addr" "$E2E_SRV_ADDR:$E2E_SIP_PORT" "$@" \
		>"$E2E_TMP/sipp-$name.log" 2>&1) &
	SIPP_PIDS[$name]=$!
	E2E_BG_PIDS+=($!)
}

sipp_wait() {
	local rc=0
	wait "${SIPP_PIDS[$1]}" || rc=$?
	e2e_check "SIPp $1: exit status (see sipp-$1.log)" "$rc" 0
}

scan_listening() {
	e2e_in_srv ss -Hlun "src $E2E_SRV_ADDR:$E2E_SIP_PORT" | grep -q .
}

# suspects_now FILE: `sipxdp suspects --json` into FILE.
suspects_now() {
	e2e_sipxdp suspects --json >"$1.tmp" && mv "$1.tmp" "$1"
}

# reasons_of FILE ADDR: the reasons ADDR is flagged for, sorted, comma-separated.
reasons_of() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
found = [s for s in doc["suspects"] if s["addr"] == sys.argv[2]]
print(",".join(sorted(found[0]["reasons"])) if found else "(none)")
EOF
}

# flagged_for ADDR REASONS: ADDR is flagged for every reason of REASONS
# (comma-separated) now.
flagged_for() {
	local have want
	suspects_now "$E2E_TMP/suspects.json" || return 1
	have=$(reasons_of "$E2E_TMP/suspects.json" "$1")
	for want in ${2//,/ }; do
		[[ ",$have," == *",$want,"* ]] || return 1
	done
}

# wait_flagged NAME ADDR REASONS START: waits up to FLAG_WITHIN s from START
# (an epoch time with fractions) for it; records the seconds it took.
declare -A FLAGGED_AFTER
wait_flagged() {
	local name=$1 addr=$2 reasons=$3 start=$4 now
	while ! flagged_for "$addr" "$reasons"; do
		now=$(date +%s.%N)
		if python3 -c "import sys; sys.exit(not ($now - $start > $FLAG_WITHIN))"; then
			e2e_check "$name ($addr) flagged for $reasons within ${FLAG_WITHIN} s" \
				"$(reasons_of "$E2E_TMP/suspects.json" "$addr")" "$reasons"
			return
		fi
		sleep 0.2
	done
	FLAGGED_AFTER[$name]=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $start))")
	E2E_PASSED=$((E2E_PASSED + 1))
	e2e_log "$name ($addr): flagged for $(reasons_of "$E2E_TMP/suspects.json" "$addr")" \
		"after ${FLAGGED_AFTER[$name]} s"
}

# The client side as a bridge: the veth to the server is a port of it, and
# so is a veth from each tool's own namespace (sipvicious 0.3.3's svwar and
# svcrack do not bind to -b's address), so every source crosses the one
# interface the agent watches. SIPp binds to its -i, on the bridge itself.
bridge_up() {
	local addr
	ip -n "$E2E_CLI_NS" link add br0 type bridge
	ip -n "$E2E_CLI_NS" addr flush dev "$E2E_CLI_IF"
	ip -n "$E2E_CLI_NS" link set "$E2E_CLI_IF" master br0
	ip -n "$E2E_CLI_NS" link set br0 up
	for addr in "$E2E_CLI_ADDR" "$CALLS_ADDR" "$PHONES_ADDR" "$FLOOD_ADDR"; do
		ip -n "$E2E_CLI_NS" addr add "$addr/$E2E_PREFIX_LEN" dev br0
	done
}

# tool_ns_up NAME ADDR: namespace sxd-PID-NAME with ADDR, on the bridge.
tool_ns_up() {
	local ns=sxd-$$-$1
	ip netns add "$ns"
	E2E_EXTRA_NS+=("$ns")
	ip link add "v-$1" netns "$E2E_CLI_NS" type veth peer name eth0 netns "$ns"
	ip -n "$E2E_CLI_NS" link set "v-$1" master br0
	ip -n "$E2E_CLI_NS" link set "v-$1" up
	ip -n "$ns" addr add "$2/$E2E_PREFIX_LEN" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
}

# in_tool NAME CMD...: CMD in that namespace.
in_tool() {
	local ns=sxd-$$-$1
	shift
	nsenter "--net=/run/netns/$ns" -- "$@"
}

# An OPTIONS from the tool's namespace that Kamailio answers (before the
# agent starts: no evidence of anything).
tool_reaches_server() {
	in_tool "$1" python3 - "$E2E_SRV_ADDR" "$E2E_SIP_PORT" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
s.connect((sys.argv[1], int(sys.argv[2])))
me = s.getsockname()
s.send(("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKprobe\r\n"
        "From: <sip:probe@%s>;tag=p\r\nTo: <sip:%s>\r\nCall-ID: probe@%s\r\n"
        "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        % (sys.argv[1], me[0], me[1], me[0], sys.argv[1], me[0])).encode())
sys.exit(0 if s.recv(2048).startswith(b"SIP/2.0 200") else 1)
EOF
}

e2e_setup "${1:-build}"
bridge_up
tool_ns_up svmap "$SVMAP_ADDR"
tool_ns_up svwar "$SVWAR_ADDR"
tool_ns_up svcrack "$SVCRACK_ADDR"
seq 1000 1099 | sed '1i SEQUENTIAL' >"$E2E_TMP/phones.csv"
e2e_kamailio_run kamailio-scan.cfg 64 scan_listening -l "udp:$E2E_SRV_ADDR:$E2E_SIP_PORT"
for tool in svmap svwar svcrack; do
	e2e_wait_for 10 tool_reaches_server "$tool" || e2e_die "$tool's namespace: no way to the server"
done
e2e_agent_start

# The legitimate load, all along the scans.
sipp_start calls "$CALLS_ADDR" -sf "$SCENARIOS/uac_numbers.xml" -r "$CALLS_RATE" \
	-m "$CALLS_N" -l 2000
sipp_start phones "$PHONES_ADDR" -sf "$SCENARIOS/register_auth.xml" \
	-inf "$E2E_TMP/phones.csv" -r "$PHONES_RATE" -m "$PHONES_N"
sleep 1

# svmap: an OPTIONS sweep of the server.
start=$(date +%s.%N)
in_tool svmap svmap "$E2E_SRV_ADDR" >"$E2E_TMP/svmap.log" 2>&1 ||
	e2e_log "svmap exited $?"
wait_flagged svmap "$SVMAP_ADDR" scanner_user_agent "$start"

# svwar: REGISTERs to extensions 1990..2189: ten exist (401), the rest 404.
start=$(date +%s.%N)
in_tool svwar svwar -e1990-2189 "$E2E_SRV_ADDR" \
	>"$E2E_TMP/svwar.log" 2>&1 &
E2E_BG_PIDS+=($!)
wait_flagged svwar "$SVWAR_ADDR" scanner_user_agent,user_enumeration "$start"

# svcrack: 200 passwords for 1000, each a REGISTER with credentials and a 401.
start=$(date +%s.%N)
in_tool svcrack svcrack -u 1000 -r 1-200 "$E2E_SRV_ADDR" \
	>"$E2E_TMP/svcrack.log" 2>&1 &
E2E_BG_PIDS+=($!)
wait_flagged svcrack "$SVCRACK_ADDR" auth_failures,scanner_user_agent "$start"

sipp_wait calls
sipp_wait phones
suspects_now "$E2E_TMP/suspects.json"
python3 - "$E2E_TMP/suspects.json" <<'EOF' >&2
import json, sys
for s in json.load(open(sys.argv[1]))["suspects"]:
    print("test_scan.sh: suspect %s: %s; requests %s %s, users not found %s of %s tried, "
          "auth failures %s, User-Agent %s" % (s["addr"], ",".join(s["reasons"]), s["requests"],
          s["requests_by_method"], s["users_not_found"], s["users_tried"], s["auth_failures"],
          s["user_agent"]))
EOF
e2e_check "svmap: its reasons" "$(reasons_of "$E2E_TMP/suspects.json" "$SVMAP_ADDR")" \
	scanner_user_agent
e2e_check "svwar: its reasons" "$(reasons_of "$E2E_TMP/suspects.json" "$SVWAR_ADDR")" \
	scanner_user_agent,user_enumeration
e2e_check "svcrack: its reasons" "$(reasons_of "$E2E_TMP/suspects.json" "$SVCRACK_ADDR")" \
	auth_failures,scanner_user_agent
e2e_check "SIPp's calls to distinct numbers: not flagged" \
	"$(reasons_of "$E2E_TMP/suspects.json" "$CALLS_ADDR")" "(none)"
e2e_check "SIPp's phones through their challenges: not flagged" \
	"$(reasons_of "$E2E_TMP/suspects.json" "$PHONES_ADDR")" "(none)"
e2e_check "Kamailio: not flagged" "$(reasons_of "$E2E_TMP/suspects.json" "$E2E_SRV_ADDR")" \
	"(none)"
e2e_check "three sources flagged" "$(e2e_json "$E2E_TMP/suspects.json" 'suspects[*].addr' |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" 3
# the evidence: svwar's users not found, svcrack's failures, the kernel's requests
check_at_least() {
	e2e_check_cmd "$1 ($2 >= $3)" test "$2" -ge "$3"
}
check_at_least "svwar: users not found" \
	"$(e2e_json "$E2E_TMP/suspects.json" "suspects[addr=$SVWAR_ADDR].users_not_found")" 50
check_at_least "svcrack: auth failures" \
	"$(e2e_json "$E2E_TMP/suspects.json" "suspects[addr=$SVCRACK_ADDR].auth_failures")" 10
check_at_least "svwar: REGISTERs counted in the kernel" \
	"$(e2e_json "$E2E_TMP/suspects.json" \
		"suspects[addr=$SVWAR_ADDR].requests_by_method.REGISTER")" 150
check_at_least "svmap: OPTIONS counted in the kernel" \
	"$(e2e_json "$E2E_TMP/suspects.json" \
		"suspects[addr=$SVMAP_ADDR].requests_by_method.OPTIONS")" 1
# the responses per source stay responses: the requests are their own
e2e_sipxdp stats --json --all-sources >"$E2E_TMP/stats.json"
check_at_least "stats: Kamailio's 404s by code" \
	"$(e2e_json "$E2E_TMP/stats.json" "sources[addr=$E2E_SRV_ADDR].codes.404")" 150
e2e_check "stats: no code below 100" "$(python3 - "$E2E_TMP/stats.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
print(sorted(c for s in doc["sources"] for c in s["codes"] if int(c) < 100))
EOF
)" "[]"
check_at_least "stats: the calls' INVITEs per source" \
	"$(e2e_json "$E2E_TMP/stats.json" "sources[addr=$CALLS_ADDR].requests.INVITE")" "$CALLS_N"

# request_flood, on a threshold the test can reach: the agent again, with it.
e2e_agent_stop || true
e2e_agent_start --suspect-request-rate "$FLOOD_THRESHOLD"
start=$(date +%s.%N)
sipp_start flood "$FLOOD_ADDR" -sf "$SCENARIOS/options.xml" -r "$FLOOD_RATE" \
	-m $((FLOOD_RATE * 5))
wait_flagged flood "$FLOOD_ADDR" request_flood "$start"
sipp_wait flood
suspects_now "$E2E_TMP/suspects.json"
e2e_check "flood: its reasons" "$(reasons_of "$E2E_TMP/suspects.json" "$FLOOD_ADDR")" \
	request_flood
e2e_log "flood: $(e2e_json "$E2E_TMP/suspects.json" "suspects[addr=$FLOOD_ADDR].request_rate")" \
	"requests/s measured, $(e2e_json "$E2E_TMP/suspects.json" \
		"suspects[addr=$FLOOD_ADDR].requests") counted in the kernel"
check_at_least "flood: the rate measured" \
	"$(e2e_json "$E2E_TMP/suspects.json" "suspects[addr=$FLOOD_ADDR].request_rate")" \
	"$FLOOD_THRESHOLD"
e2e_sipxdp suspects >"$E2E_TMP/suspects.txt"
e2e_check_cmd "suspects (text) lists the flooder" grep -q "^$FLOOD_ADDR " "$E2E_TMP/suspects.txt"
e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/metrics.txt"
check_at_least "sipxdp_suspect_events_total{reason=request_flood}" \
	"$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_suspect_events_total reason=request_flood)" \
	"$FLOOD_THRESHOLD"
e2e_log "time to flag: svmap ${FLAGGED_AFTER[svmap]:-?} s, svwar ${FLAGGED_AFTER[svwar]:-?} s," \
	"svcrack ${FLAGGED_AFTER[svcrack]:-?} s, flood ${FLAGGED_AFTER[flood]:-?} s"
e2e_summary
