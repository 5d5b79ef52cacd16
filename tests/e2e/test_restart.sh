#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The per-peer counters across restarts of `sipxdp run --peers FILE`, with
# SIP between tests/e2e/sipclient.py and Kamailio (tests/e2e/lib.sh); the
# agent sees Kamailio's responses leave (TC egress), from the peer "kamailio".
#   1. REGISTERs: sipxdp_peer_responses_total{peer="kamailio",class="2xx"}
#      counts them.
#   2. Restarted with the same peers (the file's lines in another order):
#      the counter carries on, through more traffic, and nothing is logged.
#   3. Restarted with another range for the same name: the counter starts
#      from 0, one line of the log says so, while the other counters carry on.
#   4. `sipxdp unload`: nothing pinned.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_restart.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

RESET_LINE="sipxdp_peer_responses_total starts afresh"

e2e_setup "${1:-build}"
e2e_kamailio_start

peers=$E2E_TMP/peers
peers_reordered=$E2E_TMP/peers-reordered
peers_changed=$E2E_TMP/peers-changed
printf '%s\n' "$E2E_SRV_ADDR/32 kamailio" "$E2E_CLI_ADDR/32 client" >"$peers"
printf '%s\n' "$E2E_CLI_ADDR/32 client" "$E2E_SRV_ADDR/32 kamailio" >"$peers_reordered"
printf '%s\n' "${E2E_SRV_ADDR%.*}.0/31 kamailio" "$E2E_CLI_ADDR/32 client" >"$peers_changed"

# metric NAME [LABEL=VALUE...]: the agent's value now.
metric() {
	e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/metrics.txt"
	e2e_metric "$E2E_TMP/metrics.txt" "$@"
}
kamailio_2xx() { metric sipxdp_peer_responses_total peer=kamailio class=2xx; }
all_2xx() { metric sipxdp_responses_total class=2xx; }
reset_lines() { grep -c "$RESET_LINE" "$E2E_TMP/agent.log" || true; }

# registers N: N REGISTERs answered 200 by Kamailio.
registers() {
	local rc=0
	e2e_client --registers "$1" >"$E2E_TMP/client.json" || rc=$?
	e2e_check "$1 REGISTERs answered" "$rc" 0
}

# restart PEERS_FILE: SIGTERM, then the agent again with PEERS_FILE.
restart() {
	local rc=0
	e2e_agent_stop || rc=$?
	e2e_check "SIGTERM: agent exit status" "$rc" 0
	e2e_agent_start --peers "$1"
}

# 1. A fresh agent counts.
e2e_agent_start --peers "$peers"
registers 3
e2e_check "first run: kamailio 2xx" "$(kamailio_2xx)" 3
e2e_check "first run: no reset logged" "$(reset_lines)" 0

# 2. The same peers: the count carries on.
restart "$peers_reordered"
e2e_check "same peers: kamailio 2xx carried on" "$(kamailio_2xx)" 3
registers 2
e2e_check "same peers: kamailio 2xx counts on" "$(kamailio_2xx)" 5
e2e_check "same peers: no reset logged" "$(reset_lines)" 0
before=$(all_2xx)

# 3. Another range for kamailio: its counters start afresh, the others do not.
restart "$peers_changed"
e2e_check "changed peers: kamailio 2xx afresh" "$(kamailio_2xx)" 0
e2e_check "changed peers: one line logged" "$(reset_lines)" 1
e2e_check "changed peers: sipxdp_responses_total 2xx carried on" "$(all_2xx)" "$before"
registers 1
e2e_check "changed peers: kamailio 2xx counts from 0" "$(kamailio_2xx)" 1

# 4. unload removes the per-peer pins with the others.
rc=0
e2e_agent_stop || rc=$?
e2e_check "last SIGTERM: agent exit status" "$rc" 0
rc=0
e2e_sipxdp unload >"$E2E_TMP/unload.log" 2>&1 || rc=$?
e2e_check "unload: exit status" "$rc" 0
e2e_check "unload: pin dir" "$(test -e "$E2E_PIN_DIR" && echo present || echo removed)" removed

e2e_summary
