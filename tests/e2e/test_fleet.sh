#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Past one host: two sites, each a SIP host with its own sipxdp agent and its
# own Prometheus (Debian's), which evaluates rules/sipxdp.rules.yml and
# remote-writes everything, labelled by external_labels {host: a|b}, to a
# central Prometheus that only receives (--web.enable-remote-write-receiver,
# no scrape of its own). No aggregator of ours anywhere.
#
#   netns a-caller        netns a-host ($E2E_SRV_NS)                    netns central
#   SIPp UACs ── veth ══  SIPp UASs, sipxdp run, Prometheus a ── veth ══  Prometheus
#   $E2E_CLI_ADDR         $E2E_SRV_ADDR   (agent, Prometheus on lo)       (receiver)
#                                                                 ── veth ══
#   netns b-caller        netns b-host                                  /
#   SIPp UACs ── veth ══  SIPp UASs, sipxdp run, Prometheus b ─────────'
#
# Both agents name their caller "carrier" (--peers), so the central store
# holds two sipxdp:ser:ratio_rate5m{peer="carrier"} series that only the host
# label tells apart. Each site places its own mix of answered, busy (486) and
# moved (302) calls; the central SER of each host must be what SIPp counted:
# answered / (attempts - redirected).
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_fleet.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

# lib.sh's pair of namespaces is site a (its "srv" the host, its "cli" the
# caller); site b and the central namespace are this test's own. Addresses
# of their own, so that a run beside the other tests never meets theirs.
E2E_SRV_ADDR=10.203.1.1
E2E_CLI_ADDR=10.203.1.2
E2E_SRV_ADDR6=fd00:5af:1::1
E2E_CLI_ADDR6=fd00:5af:1::2
HOSTS=(a b)
PEER=carrier		# the far end's name on both hosts
SCENARIOS=$E2E_LIB_DIR/sipp
RULES=$(cd "$E2E_LIB_DIR/../.." && pwd)/rules/sipxdp.rules.yml
SITE_PROM=127.0.0.1:9090	# in each host's namespace, beside the agent
CENTRAL_PORT=9090
SETTLE_SECONDS=30

# Each site's topology and call mix (different, so that the SERs differ).
declare -A HOST_NS CALL_NS HOST_IF CALL_IF HOST_ADDR CALL_ADDR MGMT_IF CENTRAL_IF \
	MGMT_ADDR CENTRAL_ADDR PIN TARGET N_ANSWERED N_BUSY N_MOVED AGENT_PID
HOST_NS[a]=$E2E_SRV_NS CALL_NS[a]=$E2E_CLI_NS HOST_IF[a]=$E2E_SRV_IF CALL_IF[a]=$E2E_CLI_IF
HOST_ADDR[a]=$E2E_SRV_ADDR CALL_ADDR[a]=$E2E_CLI_ADDR PIN[a]=$E2E_PIN_DIR
HOST_NS[b]=sxd-$$-bhost CALL_NS[b]=sxd-$$-bcaller HOST_IF[b]=sxd-bh$$ CALL_IF[b]=sxd-bc$$
HOST_ADDR[b]=10.203.2.1 CALL_ADDR[b]=10.203.2.2 PIN[b]=/sys/fs/bpf/sxd-test-b-$$
CENTRAL_NS=sxd-$$-central
for h in "${HOSTS[@]}"; do
	# The management network: one veth from each host to the central namespace.
	MGMT_IF[$h]=sxd-m$h$$ CENTRAL_IF[$h]=sxd-x$h$$
done
MGMT_ADDR[a]=10.203.11.2 CENTRAL_ADDR[a]=10.203.11.1
MGMT_ADDR[b]=10.203.12.2 CENTRAL_ADDR[b]=10.203.12.1
# The Contact of each host's 302s: an address that is never sent to.
TARGET[a]=sip:elsewhere@10.203.1.99:5080 TARGET[b]=sip:elsewhere@10.203.2.99:5080
N_ANSWERED[a]=6 N_BUSY[a]=2 N_MOVED[a]=1	# SER 6/8
N_ANSWERED[b]=3 N_BUSY[b]=3 N_MOVED[b]=2	# SER 3/6

# Background processes start as nsenter ... CMD &, not through in_ns, so
# that $! is the process itself (nsenter execs it), the one the trap stops.
in_ns() { nsenter "--net=/run/netns/$1" -- "${@:2}"; }

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth between two namespaces, /24 each
# end, up.
link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$4" addr add "$6/24" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
	e2e_wait_for 10 link_up "$1" "$2" "$4" "$5" || e2e_die "$2/$5 did not come up"
}
link_up() {
	ip -n "$1" link show dev "$2" | grep -q 'state UP' &&
		ip -n "$3" link show dev "$4" | grep -q 'state UP'
}

fleet_topology_up() {
	local ns h
	for ns in "${HOST_NS[b]}" "${CALL_NS[b]}" "$CENTRAL_NS"; do
		ip netns add "$ns"
		E2E_EXTRA_NS+=("$ns")
		ip -n "$ns" link set lo up
	done
	link "${HOST_NS[b]}" "${HOST_IF[b]}" "${HOST_ADDR[b]}" \
		"${CALL_NS[b]}" "${CALL_IF[b]}" "${CALL_ADDR[b]}"
	for h in "${HOSTS[@]}"; do
		link "${HOST_NS[$h]}" "${MGMT_IF[$h]}" "${MGMT_ADDR[$h]}" \
			"$CENTRAL_NS" "${CENTRAL_IF[$h]}" "${CENTRAL_ADDR[$h]}"
	done
}

# agent_start HOST: `sipxdp run` on the host's SIP veth only (not on the
# management one), its caller named $PEER; returns once attached and serving.
agent_start() {
	local h=$1
	printf '# the caller of host %s\n%s/32 %s\n' "$h" "${CALL_ADDR[$h]}" "$PEER" >"$E2E_TMP/peers-$h"
	[ "${PIN[$h]}" = "$E2E_PIN_DIR" ] || E2E_EXTRA_PIN_DIRS+=("${PIN[$h]}")
	nsenter "--net=/run/netns/${HOST_NS[$h]}" -- "$E2E_SIPXDP" run -i "${HOST_IF[$h]}" --pin-dir "${PIN[$h]}" \
		--listen "$E2E_METRICS_ADDR" --peers "$E2E_TMP/peers-$h" \
		>"$E2E_TMP/agent-$h.log" 2>&1 &
	AGENT_PID[$h]=$!
	E2E_BG_PIDS+=($!)
	e2e_wait_for 15 agent_ready "$h" || e2e_die "sipxdp run on host $h not attached and serving"
}
agent_ready() {
	kill -0 "${AGENT_PID[$1]}" &&
		ip -n "${HOST_NS[$1]}" link show dev "${HOST_IF[$1]}" | grep -q 'prog/xdp' &&
		in_ns "${HOST_NS[$1]}" curl -sf -o /dev/null "http://$E2E_METRICS_ADDR/metrics"
}

# prom_start NAME NS ADDR CONFIG [ARGS...]: Prometheus in a namespace.
prom_start() {
	nsenter "--net=/run/netns/$2" -- prometheus --config.file="$4" --storage.tsdb.path="$E2E_TMP/prom-$1-data" \
		--web.listen-address="$3" "${@:5}" >"$E2E_TMP/prometheus-$1.log" 2>&1 &
	E2E_BG_PIDS+=($!)
}
prom_ready() { in_ns "$1" curl -sf -o /dev/null "http://$2/-/ready"; }

# prom_get NS ADDR QUERY: an instant query's result as "LABELS=VALUE" lines,
# LABELS the series' labels but __name__, sorted; "(none)" if empty.
prom_get() {
	in_ns "$1" curl -sfG --data-urlencode "query=$3" "http://$2/api/v1/query" |
		python3 -c 'import json, sys
res = json.load(sys.stdin)["data"]["result"]
lines = sorted(",".join("%s=%s" % kv for kv in sorted(r["metric"].items()) if kv[0] != "__name__")
               + "=" + r["value"][1] for r in res)
print("\n".join(lines) if lines else "(none)")'
}
site_query() { prom_get "${HOST_NS[$1]}" "$SITE_PROM" "$2"; }
central_query() { prom_get "$CENTRAL_NS" "127.0.0.1:$CENTRAL_PORT" "$1"; }

# Both sites hold the agent's call series at 0 before the first call, so
# rate()'s extrapolation scales SER's numerator and denominator alike.
sites_scraped() {
	local h
	for h in "${HOSTS[@]}"; do
		[ "$(site_query "$h" "sipxdp_call_attempts_total{peer=\"$PEER\",direction=\"inbound\"}")" = \
			"direction=inbound,instance=$E2E_METRICS_ADDR,job=sipxdp,peer=$PEER=0" ] || return 1
	done
}

# near GOT WANT: equal to within a part in a million.
near() {
	python3 -c 'import sys; g, w = sys.argv[1:]
sys.exit(0 if abs(float(g) - float(w)) <= 1e-6 * abs(float(w)) + 1e-12 else 1)' "$1" "$2" 2>/dev/null
}

# SIPp, as in test_proxy.sh: sipp_start NAME NS SIPP_ARGS... is lib.sh's,
# counting what SIPp sent and received (sipp_count), for 20 s at most.
sipp_start() {
	local name=$1 ns=$2
	shift 2
	e2e_sipp_start "$name" "$ns" -trace_counts -timeout 20s "$@"
}
# sipp_count NAME COLUMN...: the sum of those columns of the last line of
# SIPp NAME's counts file (e.g. 3_200_Recv: message 3 of the scenario).
sipp_count() {
	python3 - "$E2E_TMP/sipp-$1" "${@:2}" <<'PY'
import csv, glob, sys
d, cols = sys.argv[1], sys.argv[2:]
files = glob.glob(d + "/*_counts.csv")
if len(files) != 1:
    sys.exit("%s: %d counts files" % (d, len(files)))
rows = list(csv.DictReader(open(files[0]), delimiter=";"))
print(sum(int(rows[-1][c]) for c in cols))
PY
}
uas_listening() {
	local port
	for port in 5060 5062 5064; do
		in_ns "${HOST_NS[$1]}" ss -Hlun "src ${HOST_ADDR[$1]}:$port" | grep -q . || return 1
	done
}

e2e_setup "${1:-build}"
for tool in sipp prometheus; do
	command -v "$tool" >/dev/null || e2e_die "$tool not found (scripts/install-deps.sh)"
done
fleet_topology_up

# The central store: receives remote writes, scrapes nothing.
cat >"$E2E_TMP/prometheus-central.yml" <<EOF
global:
  evaluation_interval: 1s
EOF
prom_start central "$CENTRAL_NS" "0.0.0.0:$CENTRAL_PORT" "$E2E_TMP/prometheus-central.yml" \
	--web.enable-remote-write-receiver

# Each site: its agent and a Prometheus beside it that scrapes it, records
# the shipped rules and writes everything on to the central store. The
# queue settings are for a test that waits on delivery, not for production.
for h in "${HOSTS[@]}"; do
	agent_start "$h"
	cat >"$E2E_TMP/prometheus-$h.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels:
    host: $h
rule_files:
  - $RULES
scrape_configs:
  - job_name: sipxdp
    static_configs:
      - targets: ['$E2E_METRICS_ADDR']
remote_write:
  - url: http://${CENTRAL_ADDR[$h]}:$CENTRAL_PORT/api/v1/write
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 1s
EOF
	# The trap may stop the central store first: a site then gives up
	# flushing to it after a second, not the default minute.
	prom_start "$h" "${HOST_NS[$h]}" "$SITE_PROM" "$E2E_TMP/prometheus-$h.yml" \
		--storage.remote.flush-deadline=1s
done
e2e_wait_for 30 prom_ready "$CENTRAL_NS" "127.0.0.1:$CENTRAL_PORT" ||
	e2e_die "central prometheus not ready after 30 s"
for h in "${HOSTS[@]}"; do
	e2e_wait_for 30 prom_ready "${HOST_NS[$h]}" "$SITE_PROM" ||
		e2e_die "prometheus of host $h not ready after 30 s"
done
e2e_wait_for 20 sites_scraped || e2e_die "the sites' Prometheus have not scraped their agents after 20 s"

# The calls of both sites at once: on each host a UAS per outcome (the
# caller picks one by port), the callers at 10 calls a second.
for h in "${HOSTS[@]}"; do
	sipp_start "$h-uas-answer" "${HOST_NS[$h]}" -sf "$SCENARIOS/uas_answer.xml" \
		-i "${HOST_ADDR[$h]}" -p 5060 -m "${N_ANSWERED[$h]}"
	sipp_start "$h-uas-busy" "${HOST_NS[$h]}" -sf "$SCENARIOS/uas_busy.xml" \
		-i "${HOST_ADDR[$h]}" -p 5062 -m "${N_BUSY[$h]}"
	sipp_start "$h-uas-moved" "${HOST_NS[$h]}" -sf "$SCENARIOS/uas_moved.xml" \
		-i "${HOST_ADDR[$h]}" -p 5064 -m "${N_MOVED[$h]}" -key target "${TARGET[$h]}"
done
for h in "${HOSTS[@]}"; do
	e2e_wait_for 10 uas_listening "$h" || e2e_die "SIPp UASs of host $h not listening"
	uac=(-i "${CALL_ADDR[$h]}" -r 10)
	sipp_start "$h-uac-answered" "${CALL_NS[$h]}" "${HOST_ADDR[$h]}:5060" "${uac[@]}" -p 5070 \
		-sf "$SCENARIOS/uac_answered.xml" -s alice -m "${N_ANSWERED[$h]}"
	sipp_start "$h-uac-busy" "${CALL_NS[$h]}" "${HOST_ADDR[$h]}:5062" "${uac[@]}" -p 5072 \
		-sf "$SCENARIOS/uac_rejected.xml" -s busy -m "${N_BUSY[$h]}"
	sipp_start "$h-uac-moved" "${CALL_NS[$h]}" "${HOST_ADDR[$h]}:5064" "${uac[@]}" -p 5074 \
		-sf "$SCENARIOS/uac_rejected.xml" -s moved -m "${N_MOVED[$h]}"
done
for h in "${HOSTS[@]}"; do
	for name in uac-answered uac-busy uac-moved uas-answer uas-busy uas-moved; do
		e2e_sipp_wait "$h-$name"
	done
done

# What SIPp counted, per host, and the SER it implies.
declare -A ATTEMPTS ANSWERED REJECTED REDIRECTED SER_WANT
for h in "${HOSTS[@]}"; do
	ATTEMPTS[$h]=$(sipp_count "$h-uac-answered" 0_INVITE_Sent)
	ATTEMPTS[$h]=$((ATTEMPTS[$h] + $(sipp_count "$h-uac-busy" 0_INVITE_Sent) +
		$(sipp_count "$h-uac-moved" 0_INVITE_Sent)))
	ANSWERED[$h]=$(sipp_count "$h-uac-answered" 3_200_Recv)
	REJECTED[$h]=$(sipp_count "$h-uac-busy" 3_486_Recv)
	REDIRECTED[$h]=$(sipp_count "$h-uac-moved" 2_302_Recv)
	e2e_check "host $h: SIPp calls as planned (answered, busy, moved)" \
		"${ANSWERED[$h]} ${REJECTED[$h]} ${REDIRECTED[$h]}" "${N_ANSWERED[$h]} ${N_BUSY[$h]} ${N_MOVED[$h]}"
	e2e_check "host $h: every call placed was taken" "${ATTEMPTS[$h]}" \
		$(($(sipp_count "$h-uas-answer" 0_INVITE_Recv) + $(sipp_count "$h-uas-busy" 0_INVITE_Recv) +
			$(sipp_count "$h-uas-moved" 0_INVITE_Recv)))
	SER_WANT[$h]=$(python3 -c 'import sys; a, t, r = map(int, sys.argv[1:]); print(a / (t - r))' \
		"${ANSWERED[$h]}" "${ATTEMPTS[$h]}" "${REDIRECTED[$h]}")
done
# Without this the central query could not show that host tells them apart.
e2e_check_cmd "the two hosts' SERs differ (${SER_WANT[a]}, ${SER_WANT[b]})" \
	[ "${SER_WANT[a]}" != "${SER_WANT[b]}" ]

# 1. Each agent counted its own host's calls (the per-host figures the
# central store must then keep apart).
for h in "${HOSTS[@]}"; do
	M=$E2E_TMP/metrics-$h.txt
	in_ns "${HOST_NS[$h]}" curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$M"
	e2e_check "host $h: call_attempts_total{peer=$PEER,direction=inbound}" \
		"$(e2e_metric "$M" sipxdp_call_attempts_total "peer=$PEER" direction=inbound)" "${ATTEMPTS[$h]}"
	for outcome in answered rejected redirected; do
		case $outcome in
		answered) want=${ANSWERED[$h]} ;; rejected) want=${REJECTED[$h]} ;; redirected) want=${REDIRECTED[$h]} ;;
		esac
		e2e_check "host $h: call_outcomes_total{peer=$PEER,outcome=$outcome}" \
			"$(e2e_metric "$M" sipxdp_call_outcomes_total "peer=$PEER" "outcome=$outcome")" "$want"
	done
done

# 2. The central store: the recorded SER of both hosts, told apart by host
# alone (the rules drop instance and job; the peer name is the same), each
# what its host's calls imply.
ser_series() { central_query "sipxdp:ser:ratio_rate5m{peer=\"$PEER\"}"; }
ser_of() { ser_series | sed -n "s/^host=$1,peer=$PEER=//p"; }
central_settled() {
	local h
	for h in "${HOSTS[@]}"; do
		near "$(ser_of "$h")" "${SER_WANT[$h]}" || return 1
	done
}
e2e_wait_for "$SETTLE_SECONDS" central_settled ||
	e2e_log "central: SERs not as expected within $SETTLE_SECONDS s: $(ser_series | tr '\n' ' ')"
e2e_check "central: sipxdp:ser:ratio_rate5m{peer=$PEER} series by their labels" \
	"$(ser_series | sed 's/=[^=]*$//' | tr '\n' ' ')" "host=a,peer=$PEER host=b,peer=$PEER "
for h in "${HOSTS[@]}"; do
	got=$(ser_of "$h")
	e2e_check_cmd "central: sipxdp:ser:ratio_rate5m{host=$h,peer=$PEER} = ${SER_WANT[$h]} (got ${got:-none})" \
		near "${got:-nan}" "${SER_WANT[$h]}"
	# The raw counters travel too, with the site's labels and the host's.
	e2e_check "central: sipxdp_call_attempts_total{host=$h,peer=$PEER}" \
		"$(central_query "sipxdp_call_attempts_total{host=\"$h\",peer=\"$PEER\",direction=\"inbound\"}")" \
		"direction=inbound,host=$h,instance=$E2E_METRICS_ADDR,job=sipxdp,peer=$PEER=${ATTEMPTS[$h]}"
	# Every series of the agent that names the peer reached the central store.
	e2e_check "central: as many sipxdp_* series with peer=$PEER for host $h as its agent exports" \
		"$(central_query "count({__name__=~\"sipxdp_.+\",host=\"$h\",peer=\"$PEER\"})" | sed 's/.*=//')" \
		"$(grep -c "^sipxdp_[a-z0-9_]*{[^}]*peer=\"$PEER\"" "$E2E_TMP/metrics-$h.txt")"
done
# The central Prometheus only receives: it has no target of its own, and
# every sample it holds came from a site, with that site's host label.
e2e_check "central: no scrape target of its own" \
	"$(in_ns "$CENTRAL_NS" curl -sf "http://127.0.0.1:$CENTRAL_PORT/api/v1/targets" |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)["data"]["activeTargets"]))')" 0
e2e_check "central: every up series is a site's" \
	"$(central_query 'up' | tr '\n' ' ')" \
	"host=a,instance=$E2E_METRICS_ADDR,job=sipxdp=1 host=b,instance=$E2E_METRICS_ADDR,job=sipxdp=1 "

# What one agent adds to the central store (README, "Past one host").
for h in "${HOSTS[@]}"; do
	echo "note: host $h's agent exports $(grep -c '^sipxdp_' "$E2E_TMP/metrics-$h.txt") series," \
		"$(grep -c "^sipxdp_[a-z0-9_]*{[^}]*peer=\"$PEER\"" "$E2E_TMP/metrics-$h.txt") of them per peer" \
		"(peer=$PEER; peer=other has as many), $(grep -c '^sipxdp_responses_total{' "$E2E_TMP/metrics-$h.txt") sipxdp_responses_total"
done
e2e_summary
