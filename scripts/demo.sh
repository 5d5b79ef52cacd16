#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `make demo`: sipxdp at work without touching a real interface. The
# end-to-end test's topology (tests/e2e/lib.sh): Kamailio and `sipxdp run` in
# one network namespace, a SIP client in another, a veth between them. For a
# minute two clients register, place calls (some never ACKed) and are
# redirected, over IPv4 and IPv6, while `sipxdp stats --watch` shows the
# counters live. Then the final counts, and everything is torn down:
# namespaces, processes, pinned maps.
#
# Usage (as root): scripts/demo.sh [BUILD_DIR]     (default: build)
#   DEMO_SECONDS=N   run for N seconds instead of 60
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/..
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e/lib.sh"

DURATION=${DEMO_SECONDS:-60}
ACK_TIMEOUT=5

e2e_setup "${1:-build}"
e2e_kamailio_start
e2e_agent_start --ack-timeout "$ACK_TIMEOUT" --per-source-metrics 10

cat <<EOF
sipxdp is watching $E2E_SRV_IF in network namespace $E2E_SRV_NS, where Kamailio
answers on $E2E_SRV_ADDR and [$E2E_SRV_ADDR6] port $E2E_SIP_PORT; clients in
$E2E_CLI_NS call it for $DURATION s (un-ACKed 200s count as missing after ${ACK_TIMEOUT} s).

Prometheus metrics: http://$E2E_METRICS_ADDR/metrics inside that namespace. From
another terminal, while this runs:
  nsenter --net=/run/netns/$E2E_SRV_NS -- curl -s http://$E2E_METRICS_ADDR/metrics
  nsenter --net=/run/netns/$E2E_SRV_NS -- $E2E_SIPXDP acks --pin-dir $E2E_PIN_DIR

The live view (sipxdp stats --watch) starts in 5 s, for $DURATION s.
EOF
sleep 5

# IPv4, every second: a REGISTER, three calls ACKed and hung up, a redirect.
"${E2E_CLIENT[@]}" --duration "$DURATION" --interval 1 --registers 1 --invites 3 --acks 3 \
	--byes --redirects 1 >"$E2E_TMP/client.json" 2>"$E2E_TMP/client.log" &
E2E_BG_PIDS+=($!)
# IPv6, every 5 seconds: a REGISTER, two calls of which one is never ACKed, a redirect.
"${E2E_CLIENT6[@]}" --duration "$DURATION" --interval 5 --registers 1 --invites 2 --acks 1 \
	--byes --redirects 1 >"$E2E_TMP/client6.json" 2>"$E2E_TMP/client6.log" &
E2E_BG_PIDS+=($!)

rc=0
timeout "$DURATION" "${E2E_IN_SRV[@]}" "$E2E_SIPXDP" stats --watch --pin-dir "$E2E_PIN_DIR" ||
	rc=$?
# timeout's 124 is the minute being over.
[ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || e2e_die "sipxdp stats --watch failed ($rc)"

echo
echo "Traffic over; the last un-ACKed calls time out in ${ACK_TIMEOUT} s. Then, finally:"
sleep "$((ACK_TIMEOUT + 1))"
e2e_sipxdp stats
echo
echo "Tearing down $E2E_SRV_NS and $E2E_CLI_NS."
