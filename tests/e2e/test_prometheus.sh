#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A real Prometheus (the Debian package) scrapes `sipxdp run` on the srv
# namespace's loopback every second while tests/e2e/sipclient.py calls
# Kamailio (the topology of tests/e2e/lib.sh). Prometheus' HTTP API must then
# give sipxdp_ack_missing_total and the per-source series of Kamailio's
# address with the values the client's calls imply.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_prometheus.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

ACK_TIMEOUT=2
PROM_ADDR=127.0.0.1:9090	# in the srv namespace
SETTLE_SECONDS=30

# prom_query QUERY: the value of a one-series instant query, "(none)" if it
# has no result, "(several)" if more than one series answered.
prom_query() {
	e2e_in_srv curl -sfG --data-urlencode "query=$1" "http://$PROM_ADDR/api/v1/query" |
		python3 -c 'import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(result[0]["value"][1] if len(result) == 1 else "(several)" if result else "(none)")'
}

# The queries and what each must give, set once the client has run.
QUERIES=()
WANT=()

prom_settled() {
	local i
	for i in "${!QUERIES[@]}"; do
		[ "$(prom_query "${QUERIES[i]}")" = "${WANT[i]}" ] || return 1
	done
}

prom_ready() { e2e_in_srv curl -sf -o /dev/null "http://$PROM_ADDR/-/ready"; }

e2e_setup "${1:-build}"
command -v prometheus >/dev/null || e2e_die "prometheus not found (scripts/install-deps.sh)"
e2e_kamailio_start
e2e_agent_start --ack-timeout "$ACK_TIMEOUT" --per-source-metrics 10

cat >"$E2E_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sipxdp
    static_configs:
      - targets: ['$E2E_METRICS_ADDR']
EOF
"${E2E_IN_SRV[@]}" prometheus --config.file="$E2E_TMP/prometheus.yml" \
	--storage.tsdb.path="$E2E_TMP/prometheus-data" --web.listen-address="$PROM_ADDR" \
	>"$E2E_TMP/prometheus.log" 2>&1 &
E2E_BG_PIDS+=($!)
e2e_wait_for 30 prom_ready || e2e_die "prometheus not ready after 30 s"

rc=0
e2e_client --registers 2 --invites 4 --acks 1 --byes --redirects 1 >"$E2E_TMP/client.json" || rc=$?
e2e_check "client got every expected answer" "$rc" 0

QUERIES=(
	'up{job="sipxdp"}'
	'sum(sipxdp_ack_missing_total)'
	'sum(sipxdp_ack_matched_total)'
	"sipxdp_source_responses_total{source=\"$E2E_SRV_ADDR\",class=\"2xx\"}"
	"sipxdp_source_responses_total{source=\"$E2E_SRV_ADDR\",class=\"3xx\"}"
	'sum(sipxdp_requests_total{method="INVITE"})'
)
WANT=(
	1
	"$(e2e_json "$E2E_TMP/client.json" calls.unacked)"
	"$(e2e_json "$E2E_TMP/client.json" calls.acked)"
	"$(e2e_json "$E2E_TMP/client.json" received_classes.2xx)"
	"$(e2e_json "$E2E_TMP/client.json" received_classes.3xx)"
	"$(e2e_json "$E2E_TMP/client.json" sent.INVITE)"
)
e2e_wait_for "$SETTLE_SECONDS" prom_settled ||
	e2e_log "Prometheus did not report the expected values within $SETTLE_SECONDS s"
for i in "${!QUERIES[@]}"; do
	e2e_check "Prometheus: ${QUERIES[i]}" "$(prom_query "${QUERIES[i]}")" "${WANT[i]}"
done

e2e_summary
