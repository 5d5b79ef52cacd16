#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `sipxdp unload` and the pin directory's lock, on the srv veth of
# tests/e2e/lib.sh (no SIP traffic):
#   1. While an agent runs on the directory, unload refuses, exits 1 and
#      detaches and removes nothing.
#   2. An agent that starts while an unload is under way must not lose its
#      pins to it: unload holds the lock from before it reads the dead
#      agent's record until the pins are gone, so the new agent is refused
#      (and may start after). strace holds unload's first bpf() call for
#      UNLOAD_DELAY_S, after it took the lock: the window in which an unload
#      that let go of the lock early would read the new agent's record and
#      remove its pins.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_unload.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

UNLOAD_DELAY_S=3

command -v strace >/dev/null || e2e_die "strace not found (scripts/install-deps.sh)"
e2e_setup "${1:-build}"

stats_answers() { e2e_sipxdp stats --json >/dev/null 2>&1; }

# 1. A live agent: unload refuses and leaves it whole.
e2e_agent_start
rc=0
e2e_sipxdp unload >"$E2E_TMP/unload1.log" 2>&1 || rc=$?
e2e_check "unload while an agent runs: exit status" "$rc" 1
e2e_check_cmd "unload while an agent runs: says the agent holds the directory" \
	grep -q "already runs on $E2E_PIN_DIR" "$E2E_TMP/unload1.log"
e2e_check_cmd "unload while an agent runs: XDP still attached" e2e_xdp_attached
e2e_check_cmd "unload while an agent runs: agent record still pinned" \
	test -e "$E2E_PIN_DIR/agent"
e2e_check_cmd "unload while an agent runs: stats still answered by the agent" \
	stats_answers
e2e_agent_stop || e2e_check "agent exit status after SIGTERM" "$?" 0

# 2. An agent starting during an unload (the counters the first one left
# are what unload removes).
e2e_check_cmd "counters left pinned by the stopped agent" test -e "$E2E_PIN_DIR/counters"
e2e_in_srv strace -f -o /dev/null -e trace=bpf \
	-e inject=bpf:delay_enter=$((UNLOAD_DELAY_S * 1000000)):when=1 \
	"$E2E_SIPXDP" unload --pin-dir "$E2E_PIN_DIR" >"$E2E_TMP/unload2.log" 2>&1 &
unload_pid=$!
E2E_BG_PIDS+=("$unload_pid")
sleep 1		# unload is inside the held bpf() call by now
"${E2E_IN_SRV[@]}" "$E2E_SIPXDP" run -i "$E2E_SRV_IF" --pin-dir "$E2E_PIN_DIR" \
	--listen "$E2E_METRICS_ADDR" >"$E2E_TMP/agent2.log" 2>&1 &
E2E_AGENT_PID=$!
rc=0
wait "$unload_pid" || rc=$?
e2e_check "unload during an agent's start: exit status" "$rc" 0
# Give the agent time to attach if it was let in.
e2e_wait_for 5 e2e_agent_ready || true
if kill -0 "$E2E_AGENT_PID" 2>/dev/null; then
	# Let in: then unload must have left it alone.
	e2e_check_cmd "an agent that started during unload keeps its record" \
		test -e "$E2E_PIN_DIR/agent"
	e2e_check_cmd "an agent that started during unload keeps its counters" \
		test -e "$E2E_PIN_DIR/counters"
	e2e_check_cmd "an agent that started during unload is found by stats" \
		stats_answers
else
	e2e_check_cmd "the agent starting during unload was refused by the lock" \
		grep -q "another sipxdp agent holds $E2E_PIN_DIR" "$E2E_TMP/agent2.log"
	E2E_AGENT_PID=
	e2e_check_cmd "unload removed the pin directory" test ! -e "$E2E_PIN_DIR"
	# And with unload done, an agent starts.
	e2e_agent_start
	e2e_check_cmd "an agent starts after unload" test -e "$E2E_PIN_DIR/agent"
fi
e2e_agent_stop || e2e_check "agent exit status after SIGTERM" "$?" 0

e2e_summary
