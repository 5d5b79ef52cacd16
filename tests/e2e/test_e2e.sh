#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# End-to-end test of `sipxdp run`: SIP between tests/e2e/sipclient.py and
# Kamailio in two namespaces joined by a veth (tests/e2e/lib.sh), the agent
# on Kamailio's end, seeing requests come in (XDP) and replies go out (TC).
#   1. REGISTERs, INVITEs answered 200 (some ACKed, some not) and INVITEs
#      redirected with 301, over UDP and TCP: `stats`, `acks`, `redirects
#      --json` and /metrics report what the clients sent and received, and
#      promtool accepts /metrics. A second agent on the same pins is refused.
#   2. SIGTERM: the agent exits 0 and leaves nothing attached or loaded; its
#      maps stay pinned.
#   3. Restarted on the same pins: the counters carry on from where they
#      were, through more traffic (over IPv6).
#   4. `sipxdp unload`: nothing pinned, attached or loaded.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_e2e.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

ACK_TIMEOUT=2
SETTLE_SECONDS=$((ACK_TIMEOUT + 10))

# Client summaries: of every run (the BPF counters are cumulative), and of the
# runs since the agent started (its ACK matcher and redirect table are not).
ALL_RUNS=()
AGENT_RUNS=()

# sum_of PATH [SERVER] -- FILE...: the sum of a number over client summaries,
# those of the runs to SERVER only if given; missing counts as 0.
sum_of() {
	local path=$1 server='' file value total=0
	[ "$2" = -- ] || server=$2
	shift 2
	[ "${1:-}" != -- ] || shift
	for file in "$@"; do
		[ -z "$server" ] || [ "$(e2e_json "$file" server)" = "$server" ] || continue
		value=$(e2e_json "$file" "$path")
		[ "$value" = "(missing)" ] || total=$((total + value))
	done
	echo "$total"
}

# missed_calls FIELD FILE...: what `acks --json` must list in missed[*].FIELD
# (call_id, uas or uac) for the un-ACKed calls of these runs, as e2e_json prints it.
missed_calls() {
	python3 - "$@" <<'EOF'
import json, sys

field, files = sys.argv[1], sys.argv[2:]
values = []
for summary in (json.load(open(f)) for f in files):
    per_call = {"uas": summary["server"], "uac": summary["local"]}
    values += [per_call.get(field, call_id) for call_id in summary["unacked_call_ids"]]
print(json.dumps(sorted(values, key=json.dumps)))
EOF
}

# The Kamailio addresses the runs so far talked to.
servers() {
	local file
	for file in "${ALL_RUNS[@]}"; do
		e2e_json "$file" server
	done | sort -u
}

# traffic NAME CLIENT_ARGS...: runs the client; its summary in $E2E_TMP/NAME.json.
traffic() {
	local name=$1 summary=$E2E_TMP/$1.json rc=0
	shift
	e2e_client "$@" >"$summary" || rc=$?
	e2e_check "$name: client got every expected answer (errors: $(
		e2e_json "$summary" errors))" "$rc" 0
	e2e_check "$name: client saw Kamailio's 301 Contact" \
		"$(e2e_json "$summary" redirect_targets)" \
		"{\"$E2E_REDIRECT_TARGET\": $(e2e_json "$summary" calls.redirected)}"
	ALL_RUNS+=("$summary")
	AGENT_RUNS+=("$summary")
}

# The agent takes its events from a ring buffer: wait until it has seen every
# 2xx of the clients and the un-ACKed ones have timed out.
acks_settled() {
	local acks=$E2E_TMP/acks-poll.json
	e2e_sipxdp acks --json >"$acks" &&
		[ "$(e2e_json "$acks" invite_2xx)" = "$(sum_of calls.invite_2xx -- "${AGENT_RUNS[@]}")" ] &&
		[ "$(e2e_json "$acks" pending)" = 0 ]
}

# snapshot NAME: stats, acks, redirects and /metrics into $E2E_TMP/NAME-*.
snapshot() {
	e2e_wait_for "$SETTLE_SECONDS" acks_settled ||
		e2e_log "$1: ACKs not settled after $SETTLE_SECONDS s"
	e2e_sipxdp stats --json >"$E2E_TMP/$1-stats.json"
	e2e_sipxdp acks --json >"$E2E_TMP/$1-acks.json"
	e2e_sipxdp redirects --json >"$E2E_TMP/$1-redirects.json"
	e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/$1-metrics.txt"
}

# check_counters LABEL STATS_JSON: the BPF counters against every run.
check_counters() {
	local label=$1 stats=$2 method class code server want
	for method in REGISTER INVITE ACK BYE; do
		e2e_check "$label: requests $method" "$(e2e_json "$stats" "requests.$method")" \
			"$(sum_of "sent.$method" -- "${ALL_RUNS[@]}")"
	done
	for class in 2xx 3xx; do
		e2e_check "$label: responses $class" "$(e2e_json "$stats" "responses.$class")" \
			"$(sum_of "received_classes.$class" -- "${ALL_RUNS[@]}")"
	done
	for code in 200 301; do
		e2e_check "$label: codes $code" "$(e2e_json "$stats" "codes.$code")" \
			"$(sum_of "received.$code" -- "${ALL_RUNS[@]}")"
	done
	e2e_check "$label: SIP packets" "$(e2e_json "$stats" packets.sip)" \
		"$(($(sum_of sent_total -- "${ALL_RUNS[@]}") + $(sum_of received_total -- "${ALL_RUNS[@]}")))"
	e2e_check "$label: malformed+truncated packets" \
		"$(e2e_json "$stats" packets.malformed)+$(e2e_json "$stats" packets.truncated)" "0+0"
	for server in $(servers); do
		e2e_check "$label: source $server 2xx" \
			"$(e2e_json "$stats" "sources[addr=$server].responses.2xx")" \
			"$(sum_of received_classes.2xx "$server" "${ALL_RUNS[@]}")"
		e2e_check "$label: source $server 301" \
			"$(e2e_json "$stats" "sources[addr=$server].codes.301")" \
			"$(sum_of received.301 "$server" "${ALL_RUNS[@]}")"
	done
	# The client sent requests only: its source entry has no response, and
	# its requests by method, counted per source in the kernel too, are
	# what it sent over IPv4.
	e2e_check "$label: the client's source entry has no response" \
		"$(e2e_json "$stats" "sources[addr=$E2E_CLI_ADDR].codes")" "{}"
	for method in REGISTER INVITE ACK BYE; do
		want=$(sum_of "sent.$method" "$E2E_SRV_ADDR" -- "${ALL_RUNS[@]}")
		[ "$want" != 0 ] || want="(missing)"
		e2e_check "$label: the client's $method requests per source" \
			"$(e2e_json "$stats" "sources[addr=$E2E_CLI_ADDR].requests.$method")" "$want"
	done
}

# check_acks LABEL ACKS_JSON: the ACK matcher against this agent's runs.
check_acks() {
	local label=$1 acks=$2 field
	e2e_check "$label: acks invite_2xx" "$(e2e_json "$acks" invite_2xx)" \
		"$(sum_of calls.invite_2xx -- "${AGENT_RUNS[@]}")"
	e2e_check "$label: acks matched" "$(e2e_json "$acks" matched)" \
		"$(sum_of calls.acked -- "${AGENT_RUNS[@]}")"
	e2e_check "$label: acks missing" "$(e2e_json "$acks" missing)" \
		"$(sum_of calls.unacked -- "${AGENT_RUNS[@]}")"
	e2e_check "$label: acks pending" "$(e2e_json "$acks" pending)" 0
	for field in call_id uas uac; do
		e2e_check "$label: missed calls' $field" "$(e2e_json "$acks" "missed[*].$field")" \
			"$(missed_calls "$field" "${AGENT_RUNS[@]}")"
	done
}

# check_redirects LABEL REDIRECTS_JSON: the redirect table against this
# agent's runs: one target per Kamailio address.
check_redirects() {
	local label=$1 redirects=$2 server
	for server in $(servers); do
		[ "$(sum_of calls.redirected "$server" "${AGENT_RUNS[@]}")" -gt 0 ] || continue
		e2e_check "$label: redirect from $server: target" \
			"$(e2e_json "$redirects" "redirects[source=$server].target")" \
			"$E2E_REDIRECT_TARGET"
		e2e_check "$label: redirect from $server: code" \
			"$(e2e_json "$redirects" "redirects[source=$server].code")" 301
		e2e_check "$label: redirect from $server: count" \
			"$(e2e_json "$redirects" "redirects[source=$server].count")" \
			"$(sum_of calls.redirected "$server" "${AGENT_RUNS[@]}")"
	done
	e2e_check "$label: redirect overflow" "$(e2e_json "$redirects" overflow)" 0
}

# check_metrics LABEL METRICS: /metrics against the runs.
check_metrics() {
	local label=$1 metrics=$2 server
	e2e_check "$label: sipxdp_ack_missing_total" \
		"$(e2e_metric "$metrics" sipxdp_ack_missing_total)" \
		"$(sum_of calls.unacked -- "${AGENT_RUNS[@]}")"
	e2e_check "$label: sipxdp_ack_matched_total" \
		"$(e2e_metric "$metrics" sipxdp_ack_matched_total)" \
		"$(sum_of calls.acked -- "${AGENT_RUNS[@]}")"
	e2e_check "$label: sipxdp_invite_2xx_total" \
		"$(e2e_metric "$metrics" sipxdp_invite_2xx_total)" \
		"$(sum_of calls.invite_2xx -- "${AGENT_RUNS[@]}")"
	e2e_check "$label: sipxdp_invites_awaiting_ack" \
		"$(e2e_metric "$metrics" sipxdp_invites_awaiting_ack)" 0
	e2e_check "$label: sipxdp_redirect_target_responses_total" \
		"$(e2e_metric "$metrics" sipxdp_redirect_target_responses_total code=301 \
			target="$E2E_REDIRECT_TARGET")" \
		"$(sum_of calls.redirected -- "${AGENT_RUNS[@]}")"
	e2e_check "$label: sipxdp_requests_total ingress INVITE" \
		"$(e2e_metric "$metrics" sipxdp_requests_total direction=ingress method=INVITE)" \
		"$(sum_of sent.INVITE -- "${ALL_RUNS[@]}")"
	e2e_check "$label: sipxdp_responses_total egress 2xx" \
		"$(e2e_metric "$metrics" sipxdp_responses_total direction=egress class=2xx)" \
		"$(sum_of received_classes.2xx -- "${ALL_RUNS[@]}")"
	e2e_check "$label: sipxdp_responses_total 301 INVITE" \
		"$(e2e_metric "$metrics" sipxdp_responses_total code=301 method=INVITE)" \
		"$(sum_of received.301 -- "${ALL_RUNS[@]}")"
	for server in $(servers); do
		e2e_check "$label: sipxdp_source_responses_total $server 2xx" \
			"$(e2e_metric "$metrics" sipxdp_source_responses_total source="$server" \
				class=2xx)" \
			"$(sum_of received_classes.2xx "$server" "${ALL_RUNS[@]}")"
	done
	e2e_check_cmd "$label: promtool check metrics" promtool_check "$metrics"
}

promtool_check() {
	promtool check metrics <"$1" >"$E2E_TMP/promtool.log" 2>&1 || {
		cat "$E2E_TMP/promtool.log" >&2
		return 1
	}
}

# check_all LABEL: a snapshot, checked whole.
check_all() {
	snapshot "$1"
	check_counters "$1" "$E2E_TMP/$1-stats.json"
	check_acks "$1" "$E2E_TMP/$1-acks.json"
	check_redirects "$1" "$E2E_TMP/$1-redirects.json"
	check_metrics "$1" "$E2E_TMP/$1-metrics.txt"
}

# bpf_objects progs|maps: the programs that use the maps pinned in the test's
# pin dir (and are not pinned themselves), or the ids of those maps.
bpf_objects() {
	python3 - "$1" "$E2E_PIN_DIR" <<'EOF'
import json, os, subprocess, sys


def bpftool(*args):
    run = subprocess.run(["bpftool", "-j", *args], capture_output=True, text=True)
    return json.loads(run.stdout) if run.returncode == 0 and run.stdout.strip() else None


what, pin_dir = sys.argv[1:]
map_ids, pinned_progs = set(), set()
for root, _, files in os.walk(pin_dir):
    for name in files:
        path = os.path.join(root, name)
        if found := bpftool("map", "show", "pinned", path):
            map_ids.add(found["id"])
        elif found := bpftool("prog", "show", "pinned", path):
            pinned_progs.add(found["id"])
if what == "maps":
    print(" ".join(map(str, sorted(map_ids))))
else:
    for prog in bpftool("prog", "show") or []:
        if set(prog.get("map_ids", [])) & map_ids and prog["id"] not in pinned_progs:
            print(prog["id"], prog.get("name", "?"))
EOF
}

no_unpinned_progs() { [ -z "$(bpf_objects progs)" ]; }

check_detached() {
	local label=$1 left=''
	e2e_check "$label: nothing attached to $E2E_SRV_IF" "$(e2e_attachments)" ""
	# A program is freed a moment after its last reference goes.
	e2e_wait_for 5 no_unpinned_progs || left=$(bpf_objects progs)
	e2e_check "$label: programs left loaded" "$left" ""
}

e2e_setup "${1:-build}"
e2e_kamailio_start

# 1. Traffic over UDP and TCP to a fresh agent.
e2e_agent_start --ack-timeout "$ACK_TIMEOUT" --per-source-metrics 10
traffic udp --registers 3 --invites 5 --acks 3 --byes --redirects 2
traffic tcp --tcp --registers 1 --invites 3 --acks 1 --byes --redirects 1
check_all run1

rc=0
timeout 10 "${E2E_IN_SRV[@]}" "$E2E_SIPXDP" run -i "$E2E_SRV_IF" --pin-dir "$E2E_PIN_DIR" \
	--listen 127.0.0.1:9361 >"$E2E_TMP/second-agent.log" 2>&1 || rc=$?
e2e_check "a second agent on the same pin dir: refused" \
	"$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo refused || echo "exit status $rc")" refused
e2e_check_cmd "the first agent: still attached and serving" e2e_agent_ready

# 2. Stop: nothing left attached or loaded, the maps still pinned.
e2e_check "while running: programs using the pinned maps (XDP, TC)" \
	"$(bpf_objects progs | wc -l)" 2
rc=0
e2e_agent_stop || rc=$?
e2e_check "SIGTERM: agent exit status" "$rc" 0
check_detached "after SIGTERM"
e2e_check_cmd "after SIGTERM: maps still pinned" test -n "$(find "$E2E_PIN_DIR" -type f)"

# 3. Restart on the same pins: the counters carry on, through IPv6 traffic.
e2e_agent_start --ack-timeout "$ACK_TIMEOUT" --per-source-metrics 10
AGENT_RUNS=()
e2e_sipxdp stats --json >"$E2E_TMP/restart-stats.json"
check_counters "restarted" "$E2E_TMP/restart-stats.json"
traffic ipv6 -6 --registers 2 --invites 4 --acks 1 --redirects 3
check_all run2

# 4. Stop and unload: nothing attached, pinned or loaded.
map_ids=$(bpf_objects maps)
rc=0
e2e_agent_stop || rc=$?
e2e_check "second SIGTERM: agent exit status" "$rc" 0
rc=0
e2e_sipxdp unload >"$E2E_TMP/unload.log" 2>&1 || rc=$?
e2e_check "unload: exit status" "$rc" 0
e2e_check "unload: pin dir" "$(test -e "$E2E_PIN_DIR" && echo present || echo removed)" removed
check_detached "after unload"
e2e_check_cmd "before unload: pinned maps found" test -n "$map_ids"
# shellcheck disable=SC2086 # a list of ids
e2e_check_cmd "after unload: the pinned maps are freed ($map_ids)" e2e_wait_for 5 e2e_maps_gone $map_ids

e2e_summary
