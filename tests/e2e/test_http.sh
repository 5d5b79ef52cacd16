#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The agent's HTTP server against clients that hold connections and send
# nothing, or next to nothing. The agent runs on the srv veth of
# tests/e2e/lib.sh and serves on its address there; the cli namespace has
# two addresses:
#   HOLD_ADDR   (the cli veth's own) opens a slow client (a GET one byte a
#               second, never finished), then IDLE_CONNECTIONS connections
#               that send nothing (tests/e2e/http_hold.py);
#   OTHER_ADDR  a second address on the same veth: a scraper.
# Checks, in ROUNDS rounds:
#   1. /metrics from OTHER_ADDR answers at once while they are held;
#   2. no more than HTTP_PER_IP_LIMIT of them are ever served at once, and
#      the idle ones are all closed within HTTP_IDLE_SECONDS (+ slack);
#   3. /metrics from HOLD_ADDR answers again once they are closed;
#   4. the agent's open file descriptors come back to what they were.
# The slow client is only reported: libmicrohttpd's timeout counts from the
# last byte, so a byte a second keeps its connection (one of HOLD_ADDR's).
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_http.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

IDLE_CONNECTIONS=120
ROUNDS=${ROUNDS:-2}
# user/export/http.h
HTTP_IDLE_SECONDS=$(sed -n 's/^#define HTTP_IDLE_SECONDS[[:space:]]*\([0-9]*\)u.*/\1/p' \
	"$E2E_LIB_DIR/../../user/export/http.h")
HTTP_PER_IP_LIMIT=$(sed -n 's/^#define HTTP_PER_IP_LIMIT[[:space:]]*\([0-9]*\)u.*/\1/p' \
	"$E2E_LIB_DIR/../../user/export/http.h")
CLOSE_SLACK_SECONDS=3		# the agent's loop runs libmicrohttpd at least this often
ANSWER_MAX_SECONDS=1		# "at once", on a shared 2-core machine
HOLD_ADDR=10.201.0.2		# $E2E_CLI_ADDR
OTHER_ADDR=10.201.0.3
HTTP_PORT=9360

e2e_setup "${1:-build}"
[ "$HOLD_ADDR" = "$E2E_CLI_ADDR" ] || e2e_die "HOLD_ADDR is not lib.sh's client address"
ip -n "$E2E_CLI_NS" addr add "$OTHER_ADDR/$E2E_PREFIX_LEN" dev "$E2E_CLI_IF"
E2E_METRICS_ADDR=$E2E_SRV_ADDR:$HTTP_PORT	# on the veth, reached from the cli namespace
e2e_agent_start --no-egress

# scrape_time FROM: seconds a /metrics from address FROM took; "fail" if none came.
scrape_time() {
	local took
	took=$(e2e_in_cli curl -sf -o /dev/null --interface "$1" --max-time 5 \
		-w '%{time_total}' "http://$E2E_METRICS_ADDR/metrics") || took=fail
	echo "$took"
}

# answered_at_once FROM: /metrics from FROM within ANSWER_MAX_SECONDS.
answered_at_once() {
	local took
	took=$(scrape_time "$1")
	[ "$took" != fail ] && python3 -c "import sys; sys.exit(not $took < $ANSWER_MAX_SECONDS)"
}

agent_fds() { find "/proc/$E2E_AGENT_PID/fd" -mindepth 1 | wc -l; }

# status_last KEY: KEY of the holder's last status line.
status_last() { tail -n 1 "$status" | python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
# status_max KEY: the largest KEY over its status lines after the first.
status_max() {
	tail -n +2 "$status" | python3 -c "
import json, sys
print(max(json.loads(line)['$1'] for line in sys.stdin))"
}
idle_all_closed() { [ "$(status_last idle_open)" = 0 ]; }
holder_reporting() { [ "$(wc -l <"$status")" -ge 3 ]; }
fds_back() { [ "$(agent_fds)" -le "$fds_before" ]; }

e2e_check_cmd "/metrics answers before the test" answered_at_once "$OTHER_ADDR"
fds_before=$(agent_fds)

for round in $(seq "$ROUNDS"); do
	status=$E2E_TMP/hold-$round.jsonl
	: >"$status"
	"${E2E_IN_CLI[@]}" python3 "$E2E_LIB_DIR/http_hold.py" --server "$E2E_SRV_ADDR" \
		--port "$HTTP_PORT" --local "$HOLD_ADDR" --idle "$IDLE_CONNECTIONS" \
		--seconds $((HTTP_IDLE_SECONDS * 3)) --status "$status" \
		>>"$E2E_TMP/hold.log" 2>&1 &
	holder=$!
	E2E_BG_PIDS+=("$holder")
	e2e_wait_for 10 holder_reporting ||
		e2e_die "round $round: http_hold.py did not start"
	e2e_check "round $round: all $IDLE_CONNECTIONS idle connections made" \
		"$(head -n 1 "$status" | python3 -c "import json, sys; print(json.load(sys.stdin)['connected'])")" \
		"$IDLE_CONNECTIONS"
	for i in 1 2 3; do
		e2e_check_cmd "round $round: /metrics from $OTHER_ADDR at once while held ($i)" \
			answered_at_once "$OTHER_ADDR"
	done
	held_fds=$(agent_fds)
	e2e_check_cmd "round $round: agent holds at most $HTTP_PER_IP_LIMIT connections of $HOLD_ADDR ($held_fds fds, $fds_before before)" \
		test "$held_fds" -le $((fds_before + HTTP_PER_IP_LIMIT))
	e2e_check_cmd "round $round: idle connections all closed within $HTTP_IDLE_SECONDS + $CLOSE_SLACK_SECONDS s" \
		e2e_wait_for $((HTTP_IDLE_SECONDS + CLOSE_SLACK_SECONDS)) idle_all_closed
	e2e_check_cmd "round $round: /metrics from $HOLD_ADDR again once they closed" \
		answered_at_once "$HOLD_ADDR"
	e2e_check_cmd "round $round: /metrics from $OTHER_ADDR still" answered_at_once "$OTHER_ADDR"
	slow_kept=$(status_last slow_open)
	e2e_stop_pid "$holder"
	e2e_log "round $round: slow client still open at the end: $slow_kept" \
		"(bytes sent: $(status_last slow_bytes))"
	# The holder's own sockets close with it: the agent sees them go.
	e2e_check_cmd "round $round: agent's fds back to $fds_before" \
		e2e_wait_for 5 fds_back
	e2e_log "round $round: idle connections open at most $(status_max idle_open);" \
		"agent fds $fds_before before, $held_fds held, $(agent_fds) after"
done

e2e_summary
