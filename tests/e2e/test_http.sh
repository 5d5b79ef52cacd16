#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The agent's HTTP server against clients that hold connections and send
# nothing, or next to nothing. The agent runs on the srv veth of
# tests/e2e/lib.sh and serves on its address there; the cli namespace has
# two addresses:
#   HOLD_ADDR   (the cli veth's own) opens a slow client (a GET one byte a
#               second, never finished), then N connections that send
#               nothing (tests/e2e/http_hold.py), and scrapes too, as a
#               local Prometheus shares 127.0.0.1 with every local client;
#   OTHER_ADDR  a second address on the same veth: another scraper.
# The agent starts with a soft RLIMIT_NOFILE of START_NOFILE, too few for
# the connections: it raises it. For N in IDLE_COUNTS:
#   1. /metrics from HOLD_ADDR and from OTHER_ADDR answer within
#      ANSWER_MAX_SECONDS while the N are held;
#   2. the idle ones are all closed within HTTP_IDLE_SECONDS (+ slack), none
#      was refused, and /metrics answers again;
#   3. the slow client, which a byte a second keeps from the idle timeout,
#      is closed by the agent once its connection is
#      HTTP_CONNECTION_MAX_SECONDS old;
#   4. the agent's open file descriptors come back to what they were.
# Then the agent restarts with a hard RLIMIT_NOFILE of LOW_NOFILE: it warns
# that it holds fewer connections, and the ones held over that limit are
# counted in sipxdp_http_refused_total.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_http.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

IDLE_COUNTS="120 1000"
# http_header NAME: a number #defined in user/export/http.h
http_header() {
	sed -n "s/^#define $1[[:space:]]*\([0-9]*\)u*\$/\1/p" "$E2E_LIB_DIR/../../user/export/http.h"
}
HTTP_IDLE_SECONDS=$(http_header HTTP_IDLE_SECONDS)
HTTP_CONNECTION_MAX_SECONDS=$(http_header HTTP_CONNECTION_MAX_SECONDS)
HTTP_CONNECTION_LIMIT=$(http_header HTTP_CONNECTION_LIMIT)
CLOSE_SLACK_SECONDS=3		# the agent's loop runs libmicrohttpd at least this often
ANSWER_MAX_SECONDS=1		# "at once", on a 2-core machine running other tests
START_NOFILE=256		# the agent's soft limit at start: below 1,000 connections
LOW_NOFILE=512			# the hard limit of the last start: below HTTP_CONNECTION_LIMIT
LOW_HELD=500			# connections held against it
HOLD_ADDR=10.201.0.2		# $E2E_CLI_ADDR
OTHER_ADDR=10.201.0.3
HTTP_PORT=9360

e2e_setup "${1:-build}"
if [ -z "$HTTP_IDLE_SECONDS" ] || [ -z "$HTTP_CONNECTION_MAX_SECONDS" ] ||
	[ -z "$HTTP_CONNECTION_LIMIT" ]; then
	e2e_die "cannot read the limits in user/export/http.h"
fi
[ "$HOLD_ADDR" = "$E2E_CLI_ADDR" ] || e2e_die "HOLD_ADDR is not lib.sh's client address"
ip -n "$E2E_CLI_NS" addr add "$OTHER_ADDR/$E2E_PREFIX_LEN" dev "$E2E_CLI_IF"
E2E_METRICS_ADDR=$E2E_SRV_ADDR:$HTTP_PORT	# on the veth, reached from the cli namespace
ulimit -S -n "$START_NOFILE"
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
	e2e_log "/metrics from $1: $took s"
	[ "$took" != fail ] && python3 -c "import sys; sys.exit(not $took < $ANSWER_MAX_SECONDS)"
}

# refused: the agent's sipxdp_http_refused_total.
refused() {
	e2e_in_cli curl -sf --max-time 5 "http://$E2E_METRICS_ADDR/metrics" |
		sed -n 's/^sipxdp_http_refused_total \([0-9]*\)$/\1/p'
}

agent_fds() { find "/proc/$E2E_AGENT_PID/fd" -mindepth 1 | wc -l; }
agent_nofile() { awk '/^Max open files/ { print $4 }' "/proc/$E2E_AGENT_PID/limits"; }

# status_first KEY, status_last KEY: KEY of the holder's first, last status line.
status_first() { head -n 1 "$status" | python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
status_last() { tail -n 1 "$status" | python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
idle_all_closed() { [ "$(status_last idle_open)" = 0 ]; }
slow_closed() { [ "$(status_last slow_open)" = False ]; }
holder_reporting() { [ -s "$status" ]; }
fds_back() { [ "$(agent_fds)" -le "$fds_before" ]; }

# hold N SECONDS: http_hold.py from HOLD_ADDR with N idle connections, in
# the background ($holder), reporting to $status; returns once they are made.
hold() {
	status=$E2E_TMP/hold-$1.jsonl
	: >"$status"
	"${E2E_IN_CLI[@]}" python3 "$E2E_LIB_DIR/http_hold.py" --server "$E2E_SRV_ADDR" \
		--port "$HTTP_PORT" --local "$HOLD_ADDR" --idle "$1" --seconds "$2" \
		--status "$status" >>"$E2E_TMP/hold.log" 2>&1 &
	holder=$!
	E2E_BG_PIDS+=("$holder")
	e2e_wait_for 20 holder_reporting || e2e_die "http_hold.py --idle $1 did not start"
}

e2e_check_cmd "/metrics answers before the test" answered_at_once "$HOLD_ADDR"
e2e_check_cmd "the agent raised its soft RLIMIT_NOFILE from $START_NOFILE ($(agent_nofile))" \
	test "$(agent_nofile)" -gt "$HTTP_CONNECTION_LIMIT"
fds_before=$(agent_fds)

for idle in $IDLE_COUNTS; do
	hold "$idle" $((HTTP_CONNECTION_MAX_SECONDS + HTTP_IDLE_SECONDS + 5))
	e2e_check "$idle idle: all made" "$(status_first connected)" "$idle"
	for i in 1 2 3; do
		e2e_check_cmd "$idle idle: /metrics from their own address $HOLD_ADDR at once ($i)" \
			answered_at_once "$HOLD_ADDR"
	done
	e2e_check_cmd "$idle idle: /metrics from $OTHER_ADDR at once" answered_at_once "$OTHER_ADDR"
	held_fds=$(agent_fds)
	# the holder's status after the scrapes: they were all open during them
	e2e_check "$idle idle: still all open after the scrapes" "$(status_last idle_open)" "$idle"
	e2e_check_cmd "$idle idle: all closed by the agent within $HTTP_IDLE_SECONDS + $CLOSE_SLACK_SECONDS s" \
		e2e_wait_for $((HTTP_IDLE_SECONDS + CLOSE_SLACK_SECONDS)) idle_all_closed
	e2e_check "$idle idle: none refused" "$(refused)" 0
	e2e_check_cmd "$idle idle: /metrics from $HOLD_ADDR once they closed" \
		answered_at_once "$HOLD_ADDR"
	e2e_wait_for $((HTTP_CONNECTION_MAX_SECONDS + CLOSE_SLACK_SECONDS)) slow_closed || true
	e2e_check "$idle idle: slow client closed by the agent (it sent $(status_last slow_bytes) bytes)" \
		"$(status_last slow_open)" False
	e2e_stop_pid "$holder"
	# The holder's own sockets close with it: the agent sees them go.
	e2e_check_cmd "$idle idle: agent's fds back to $fds_before" e2e_wait_for 5 fds_back
	e2e_log "$idle idle: agent fds $fds_before before, $held_fds held, $(agent_fds) after"
done

# Fewer descriptors than the limit needs: a lower limit, and what is over it counted.
e2e_agent_stop
ulimit -n "$LOW_NOFILE"
e2e_agent_start --no-egress
e2e_check_cmd "with a hard RLIMIT_NOFILE of $LOW_NOFILE the agent says it holds fewer connections" \
	grep -q "HTTP connections limited to" "$E2E_TMP/agent.log"
hold "$LOW_HELD" $((HTTP_IDLE_SECONDS + 5))
e2e_check_cmd "$LOW_HELD held: all closed by the agent within $HTTP_IDLE_SECONDS + $CLOSE_SLACK_SECONDS s" \
	e2e_wait_for $((HTTP_IDLE_SECONDS + CLOSE_SLACK_SECONDS)) idle_all_closed
low_refused=$(refused)
e2e_check_cmd "$LOW_HELD held: the ones over the limit counted in sipxdp_http_refused_total ($low_refused)" \
	test "${low_refused:-0}" -gt 0
e2e_stop_pid "$holder"

e2e_summary
