#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The systemd unit (scripts/sipxdp.service) without systemd: this machine's
# PID 1 need not be systemd, so the unit's restrictions are rebuilt by hand
# around `sipxdp run` in the topology of tests/e2e/lib.sh:
#   CapabilityBoundingSet   setpriv --bounding-set (root keeps only those)
#   NoNewPrivileges         setpriv --no-new-privs
#   ProtectSystem=strict    every mount but /proc, /sys and /dev read-only
#   ProtectHome, PrivateTmp empty tmpfs on /home, /root and /tmp
# in a mount namespace of the agent's own. Then:
#   1. systemd-analyze verifies the unit, and its exposure stays at most 4.0.
#   2. Under all of it the agent attaches, serves /metrics and counts SIP.
#   3. With any one capability of the set less, it does not start: the set
#      is what it needs.
#   4. After a kill -9 on the kernel's netlink path for TC (as on Linux 6.1,
#      tests/e2e/no_tcx.c), ExecStopPost's `unload --detach-only` with the
#      unit's capabilities cannot find what was left, and with root's all
#      (the `+` of ExecStopPost) removes it.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_unit.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

UNIT=$E2E_LIB_DIR/../../scripts/sipxdp.service

e2e_setup "${1:-build}"
for tool in setpriv unshare systemd-analyze cc; do
	command -v "$tool" >/dev/null || e2e_die "$tool not found (scripts/install-deps.sh)"
done

# 1. The unit as installed, naming this build's binary.
sed "s|/usr/sbin/sipxdp|$E2E_SIPXDP|g" "$UNIT" >"$E2E_TMP/sipxdp.service"
e2e_check_cmd "systemd-analyze verify" \
	systemd-analyze verify --man=no "$E2E_TMP/sipxdp.service"
e2e_check_cmd "systemd-analyze security: exposure at most 4.0" \
	systemd-analyze security --offline=yes --threshold=40 --no-pager "$E2E_TMP/sipxdp.service"

# The capabilities of the unit, as setpriv names them: CAP_NET_ADMIN -> net_admin.
read -r -a CAPS <<<"$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr '[:upper:]' '[:lower:]' | sed 's/cap_//g')"
e2e_check "AmbientCapabilities= is CapabilityBoundingSet=" \
	"$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")" "$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")"

# "${SANDBOXED[@]}" +CAP,+CAP,... CMD...: CMD in the srv namespace under the
# unit's restrictions, with those capabilities. A command, not a function
# (a function in the background is a subshell), exec all the way: $! is
# CMD itself.
# shellcheck disable=SC2016 # expanded by the inner bash
SANDBOX='
	caps=$1; shift
	while read -r _ _ _ _ mp _; do
		case $mp in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
		mount -o remount,bind,ro "$mp"
	done < <(tac /proc/self/mountinfo)
	for d in /tmp /home /root; do mount -t tmpfs -o mode=0755 tmpfs "$d"; done
	exec setpriv --bounding-set=-all${caps:+,$caps} --inh-caps=-all --no-new-privs "$@"'
SANDBOXED=("${E2E_IN_SRV[@]}" unshare --mount --propagation slave -- bash -euc "$SANDBOX" _)
# The sandbox's empty /root and /home hide a checkout there (as in a fresh
# root): the binary is opened here and run by its descriptor, which /proc
# resolves whatever is mounted.
exec {sipxdp_fd}<"$E2E_SIPXDP"
SANDBOXED_SIPXDP=/proc/self/fd/$sipxdp_fd
plus_caps() { local IFS=,; printf '%s' "${*/#/+}"; }

# 2. The agent under the unit's restrictions.
"${SANDBOXED[@]}" "$(plus_caps "${CAPS[@]}")" "$SANDBOXED_SIPXDP" run -i "$E2E_SRV_IF" --pin-dir "$E2E_PIN_DIR" \
	--listen "$E2E_METRICS_ADDR" >>"$E2E_TMP/agent.log" 2>&1 &
E2E_AGENT_PID=$!
e2e_wait_for 15 e2e_agent_ready || e2e_die "sipxdp run under the unit's restrictions did not start"
e2e_check "sandboxed agent's bounding set" \
	"$(grep CapBnd /proc/$E2E_AGENT_PID/status | cut -f2)" \
	"$(setpriv --bounding-set=-all,"$(plus_caps "${CAPS[@]}")" grep CapBnd /proc/self/status | cut -f2)"
e2e_check "sandboxed agent has no_new_privs" "$(grep NoNewPrivs /proc/$E2E_AGENT_PID/status | cut -f2)" 1
e2e_kamailio_start
rc=0
e2e_client --registers 2 >"$E2E_TMP/client.json" || rc=$?
e2e_check "client got every expected answer" "$rc" 0
counted() {
	e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/metrics.txt" &&
		[ "$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_requests_total method=REGISTER)" = 2 ]
}
e2e_wait_for 10 counted || true
e2e_check "sandboxed agent counted the REGISTERs" \
	"$(e2e_metric "$E2E_TMP/metrics.txt" sipxdp_requests_total method=REGISTER)" 2
rc=0
e2e_agent_stop || rc=$?
e2e_check "sandboxed agent exits 0 on SIGTERM" "$rc" 0

# 3. One capability less: no agent.
for drop in "${CAPS[@]}"; do
	fewer=()
	for c in "${CAPS[@]}"; do [ "$c" = "$drop" ] || fewer+=("$c"); done
	rc=0
	timeout 20 "${SANDBOXED[@]}" "$(plus_caps "${fewer[@]}")" "$SANDBOXED_SIPXDP" run -i "$E2E_SRV_IF" --pin-dir "$E2E_PIN_DIR" \
		--listen "$E2E_METRICS_ADDR" >"$E2E_TMP/without-$drop.log" 2>&1 || rc=$?
	e2e_check "without $drop: sipxdp run fails" "$([ "$rc" != 0 ] && [ "$rc" != 124 ] && echo failed)" failed
	e2e_check "without $drop: nothing attached" "$(e2e_xdp_attached && echo attached || echo none)" none
done

# 4. A crash on the netlink path, and ExecStopPost's cleanup.
cc -shared -fPIC -o "$E2E_TMP/no_tcx.so" "$E2E_LIB_DIR/no_tcx.c" -ldl
tc_left() { tc -n "$E2E_SRV_NS" filter show dev "$E2E_SRV_IF" egress | grep -c bpf || true; }
# The sandbox hides /tmp, and $E2E_TMP with it: the preload is opened here
# and named by its descriptor, which /proc resolves whatever is mounted.
exec {preload}<"$E2E_TMP/no_tcx.so"
"${SANDBOXED[@]}" "$(plus_caps "${CAPS[@]}")" env LD_PRELOAD="/proc/self/fd/$preload" "$SANDBOXED_SIPXDP" run \
	-i "$E2E_SRV_IF" --pin-dir "$E2E_PIN_DIR" --listen "$E2E_METRICS_ADDR" >>"$E2E_TMP/agent.log" 2>&1 &
E2E_AGENT_PID=$!
e2e_wait_for 15 e2e_agent_ready || e2e_die "sipxdp run (netlink TC) did not start"
kill -KILL "$E2E_AGENT_PID"
wait "$E2E_AGENT_PID" || true
E2E_AGENT_PID=
exec {preload}<&-
e2e_check "kill -9 left the TC program (netlink)" "$([ "$(tc_left)" -gt 0 ] && echo left)" left
"${SANDBOXED[@]}" "$(plus_caps "${CAPS[@]}")" "$SANDBOXED_SIPXDP" unload --detach-only --pin-dir "$E2E_PIN_DIR" \
	>>"$E2E_TMP/unload.log" 2>&1 || true
e2e_check "unload --detach-only with the unit's capabilities: still there" \
	"$([ "$(tc_left)" -gt 0 ] && echo left)" left
e2e_sipxdp unload --detach-only >>"$E2E_TMP/unload.log" 2>&1
e2e_check "unload --detach-only as root (ExecStopPost=+): TC program gone" "$(tc_left)" 0
e2e_check "unload --detach-only as root: XDP gone" "$(e2e_xdp_attached && echo attached || echo none)" none

e2e_summary
