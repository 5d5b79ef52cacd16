#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The Grafana dashboard (dashboards/sipxdp.json) against a real agent: the
# topology of tests/e2e/lib.sh, `sipxdp run` with a --peers file, a few calls
# (answered, unACKed, redirected) and REGISTERs from tests/e2e/sipclient.py,
# then one scrape of /metrics. tests/e2e/dashboard_metrics.py then finds in
# it every metric that a panel or a template variable queries (through the
# recording rules of rules/sipxdp.rules.yml for the sipxdp:... names), with
# the labels the queries match on. The peer has limits and the BYEs carry a
# Reason header, so that the trunk and cause panels have samples to check;
# a family with none yet must still pass, named as unchecked. The dashboard must be valid JSON, take its
# Prometheus from the `datasource` variable, and have the `instance` and
# `peer` variables; and the checker must refuse copies of the dashboard that
# name a metric the agent does not write, a rule that is not recorded, or a
# label the metric does not have.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_dashboard.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

ROOT=$(cd "$E2E_LIB_DIR/../.." && pwd)
DASHBOARD=$ROOT/dashboards/sipxdp.json
RULES=$ROOT/rules/sipxdp.rules.yml
CHECKER=$E2E_LIB_DIR/dashboard_metrics.py
ACK_TIMEOUT=1

e2e_setup "${1:-build}"
python3 -c 'import yaml' 2>/dev/null || e2e_die "python3-yaml not found (scripts/install-deps.sh)"

e2e_check_cmd "dashboard is valid JSON" python3 -m json.tool "$DASHBOARD" /dev/null

# The dashboard's own shape: its datasource and variables, every panel on
# the variable's Prometheus.
shape=$(python3 - "$DASHBOARD" <<'EOF'
import json, sys

dash = json.load(open(sys.argv[1]))
variables = {v["name"]: v for v in dash["templating"]["list"]}
print("datasource", variables.get("datasource", {}).get("type"),
      variables.get("datasource", {}).get("query"))
for name in ("instance", "peer"):
    query = variables.get(name, {}).get("query", {})
    query = query.get("query", "") if isinstance(query, dict) else query
    print(name, query.startswith("label_values(") and query.rstrip(")").endswith(", " + name))
panels, off = 0, []
def walk(ps):
    global panels
    for p in ps:
        if p.get("type") != "row":
            panels += 1
            if p.get("datasource", {}).get("uid") != "${datasource}" or any(
                    t.get("datasource", {}).get("uid") != "${datasource}" for t in p.get("targets", [])):
                off.append(p.get("title"))
        walk(p.get("panels", []))
walk(dash["panels"])
print("panels", panels, "off-datasource", off)
EOF
)
e2e_check "datasource variable" "$(sed -n 1p <<<"$shape")" "datasource datasource prometheus"
e2e_check "instance variable from label_values" "$(sed -n 2p <<<"$shape")" "instance True"
e2e_check "peer variable from label_values" "$(sed -n 3p <<<"$shape")" "peer True"
e2e_check "panels on \${datasource}" "$(sed -n 4p <<<"$shape" | sed 's/panels [0-9]* //')" "off-datasource []"

cat >"$E2E_TMP/peers" <<EOF
$E2E_CLI_ADDR/32 uac max-calls=10 max-cps=5
EOF
e2e_kamailio_start
e2e_agent_start --ack-timeout "$ACK_TIMEOUT" --peers "$E2E_TMP/peers"
rc=0
e2e_client --registers 1 --invites 3 --acks 1 --byes --reason 'Q.850;cause=16' --redirects 1 \
	>"$E2E_TMP/client.json" || rc=$?
e2e_check "client got every expected answer" "$rc" 0

# The unACKed 200s are reported once --ack-timeout has passed and the agent
# has ticked: wait for them, so every ACK series has a sample to show.
unacked=$(e2e_json "$E2E_TMP/client.json" calls.unacked)
scrape_has_missing() {
	e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/metrics.txt" &&
		[ "$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_ack_missing_total peer=uac)" = "$unacked" ]
}
e2e_wait_for $((ACK_TIMEOUT + 10)) scrape_has_missing ||
	e2e_log "sipxdp_ack_missing_total{peer=\"uac\"} is not $unacked after $((ACK_TIMEOUT + 10)) s"
e2e_check "missing ACKs scraped" "$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_ack_missing_total peer=uac)" "$unacked"
e2e_check "redirect target scraped" \
	"$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_redirect_target_responses_total code=301)" \
	"$(e2e_json "$E2E_TMP/client.json" received_classes.3xx)"
e2e_check "Reason cause scraped" \
	"$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_call_end_causes_total peer=uac protocol=q850 cause=16)" \
	"$(e2e_json "$E2E_TMP/client.json" calls.acked)"
e2e_check "trunk limits scraped" \
	"$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_peer_limit peer=uac kind=calls) $(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_peer_limit peer=uac kind=cps)" \
	"10 5"

rc=0
out=$(python3 "$CHECKER" "$DASHBOARD" "$RULES" "$E2E_TMP/metrics.txt") || rc=$?
printf '%s\n' "$out" >&2
e2e_check "every metric of the dashboard is in the scrape" "$rc" 0

# The checker itself: each of these copies must be refused, naming what is
# wrong. sed changes one query of the dashboard.
refused() {
	local what=$1 edit=$2 expect=$3 copy=$E2E_TMP/broken.json out rc=0
	sed "$edit" "$DASHBOARD" >"$copy"
	cmp -s "$copy" "$DASHBOARD" && { e2e_check "$what: the edit changed the dashboard" same different; return; }
	out=$(python3 "$CHECKER" "$copy" "$RULES" "$E2E_TMP/metrics.txt") || rc=$?
	e2e_check "$what: refused" "$rc" 1
	e2e_check "$what: named" "$(grep -c -- "$expect" <<<"$out")" 1
}
refused "a metric the agent does not write" \
	's/sipxdp_ack_missing_total/sipxdp_acks_missing_total/' "sipxdp_acks_missing_total is not in the scrape"
refused "a metric without the sipxdp_ prefix" \
	's/sipxdp_events_lost_total{/events_lost_total{/' "events_lost_total is not in the scrape"
refused "a rule that is not recorded" \
	's/sipxdp:ser:ratio_rate5m/sipxdp:ser:ratio_rate1m/' "sipxdp:ser:ratio_rate1m is not recorded"
# shellcheck disable=SC2016 # the dashboard's own $instance and $peer
refused "a label the metric does not have" \
	's/sipxdp_map_evictions_total{instance=~\\"$instance\\"}/sipxdp_map_evictions_total{peer=~\\"$peer\\"}/' \
	"sipxdp_map_evictions_total has no label peer"

# A family declared with no sample yet (an agent that has seen no Reason
# header): accepted, and named as unchecked (among others, if the agent has
# more families without a sample).
grep -v '^sipxdp_call_end_causes_total{' "$E2E_TMP/metrics.txt" >"$E2E_TMP/no-causes.txt"
rc=0
out=$(python3 "$CHECKER" "$DASHBOARD" "$RULES" "$E2E_TMP/no-causes.txt") || rc=$?
e2e_check "a family with no sample yet: accepted" "$rc" 0
e2e_check "a family with no sample yet: named unchecked" \
	"$(grep -cE -- "labels unchecked: (.*, )?sipxdp_call_end_causes_total(,|$)" <<<"$out")" 1
refused "invalid JSON" 's/"panels": \[/"panels": [,/' "not valid JSON"

e2e_summary
