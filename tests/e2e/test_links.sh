#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What stays attached when the agent dies. `sipxdp run` on the srv veth of
# tests/e2e/lib.sh's topology (no SIP needed), then:
#   1. SIGKILL: XDP is a bpf_link and TC egress a tcx link, both of the
#      agent's programs, and the log says so; once the agent is dead nothing
#      is attached (ip link, tc, bpftool net and link) and its programs are
#      freed; `unload --detach-only` finds nothing to detach. Before the
#      kill, a second agent of another pin dir on the same interface is
#      refused, pins nothing and removes none of the first one's links.
#   2. SIGTERM, in generic XDP mode: exit 0, nothing attached or loaded.
#   3. A kernel without tcx (6.1-6.5), made of this one by a preload that
#      answers tcx with EINVAL as 6.1 does (tests/e2e/no_tcx.c): TC egress is
#      a cls_bpf filter through netlink. SIGKILL leaves the filter (XDP, a
#      link, goes); the next `run` removes it; after another SIGKILL `unload`
#      removes it and the pins; SIGTERM leaves nothing.
# On a kernel without tcx, 1 and 2 expect what 3 does (the suite says so).
# Not covered: libxdp's dispatcher, which sipxdp only joins where one runs
# already (libxdp 1.3's dispatcher does not load on every kernel).
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_links.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

AGENT_LOG=			# set after e2e_setup
NO_TCX_SO=
AGENT_RC=

# bpf_objects progs|maps|links: the programs that use the maps pinned in
# the test's pin dir (id and name), the ids of those maps, or the links of
# those programs (type and program id; bpftool 7.1 names tcx links "11").
bpf_objects() {
	python3 - "$1" "$E2E_PIN_DIR" <<'EOF'
import json, os, subprocess, sys


def bpftool(*args):
    run = subprocess.run(["bpftool", "-j", *args], capture_output=True, text=True)
    return json.loads(run.stdout) if run.returncode == 0 and run.stdout.strip() else None


what, pin_dir = sys.argv[1:]
map_ids = set()
for root, _, files in os.walk(pin_dir):
    for name in files:
        if found := bpftool("map", "show", "pinned", os.path.join(root, name)):
            map_ids.add(found["id"])
progs = {p["id"]: p.get("name", "?") for p in bpftool("prog", "show") or []
         if set(p.get("map_ids", [])) & map_ids}
if what == "maps":
    print(" ".join(map(str, sorted(map_ids))))
elif what == "progs":
    for prog_id in sorted(progs):
        print(prog_id, progs[prog_id])
else:
    kinds = {"11": "tcx"}
    for link in bpftool("link", "show") or []:
        if link.get("prog_id") in progs:
            kind = str(link.get("type"))
            print(kinds.get(kind, kind), progs[link["prog_id"]])
EOF
}

no_progs() { [ -z "$(bpf_objects progs)" ]; }

# The names of the programs of ours still loaded, on one line.
prog_names() { bpf_objects progs | cut -d' ' -f2 | tr '\n' ' ' | sed 's/ $//'; }
only_tc_loaded() { [ "$(prog_names)" = sipxdp_tc ]; }

# The names of the programs on the veth's TC egress, through netlink.
tc_egress_progs() {
	tc -n "$E2E_SRV_NS" filter show dev "$E2E_SRV_IF" egress |
		sed -n 's/.* name \(sipxdp_[a-z]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# agent [--no-tcx] [RUN ARGS...]: a fresh agent, its log alone in $AGENT_LOG
# (e2e_agent_start appends); --no-tcx: with the preload of tests/e2e/no_tcx.c.
agent() {
	: >"$AGENT_LOG"
	if [ "${1:-}" = --no-tcx ]; then
		shift
		LD_PRELOAD=$NO_TCX_SO e2e_agent_start "$@"
	else
		e2e_agent_start "$@"
	fi
}

# kill_agent SIGNAL: sends it, waits; the exit status in $AGENT_RC.
kill_agent() {
	local pid=$E2E_AGENT_PID
	E2E_AGENT_PID=
	AGENT_RC=0
	kill "-$1" "$pid"
	# (bash would report a job killed by a signal on stderr)
	{ wait "$pid" || AGENT_RC=$?; } 2>/dev/null
}

# The way the agent said it attached: "XDP native (bpf_link), TC egress ...".
attached_as() {
	sed -n 's/^sipxdp: info: [^:]*: \(XDP .*\)$/\1/p' "$AGENT_LOG"
}

# check_gone LABEL: nothing attached to the veth, no program of ours loaded.
check_gone() {
	local label=$1 left=''
	e2e_check "$label: nothing attached to $E2E_SRV_IF" "$(e2e_attachments)" ""
	# A program is freed a moment after its last reference goes.
	e2e_wait_for 5 no_progs || left=$(bpf_objects progs)
	e2e_check "$label: programs left loaded" "$left" ""
	e2e_check "$label: links left" "$(bpf_objects links)" ""
}

e2e_setup "${1:-build}"
AGENT_LOG=$E2E_TMP/agent.log
NO_TCX_SO=$E2E_TMP/no_tcx.so
"${CC:-cc}" -shared -fPIC -Wall -Wextra -Werror -o "$NO_TCX_SO" \
	"$E2E_LIB_DIR/no_tcx.c" -ldl || e2e_die "building the no-tcx preload"

# 1. Links, then SIGKILL.
agent --mode auto
way=$(attached_as)
case $way in
*"TC egress tcx (bpf_link)") tcx=1 ;;
*"TC egress cls_bpf (netlink)")
	tcx=0
	echo "note: this kernel has no tcx: TC egress goes through netlink in 1 and 2"
	;;
*) e2e_die "the agent did not say how it attached: '$way'" ;;
esac
e2e_check "XDP: through a bpf_link" "${way%%,*}" "XDP native (bpf_link)"
if [ "$tcx" = 1 ]; then
	e2e_check "running: the agent's links" "$(bpf_objects links | sort)" \
		"$(printf 'tcx sipxdp_tc\nxdp sipxdp_xdp')"
	e2e_check "running: no TC filter (tcx is no filter)" "$(tc_egress_progs)" ""
else
	e2e_check "running: the agent's links" "$(bpf_objects links)" "xdp sipxdp_xdp"
	e2e_check "running: TC egress filter" "$(tc_egress_progs)" "sipxdp_tc"
fi
e2e_check_cmd "running: XDP on $E2E_SRV_IF" e2e_xdp_attached

# A second agent, of another pin dir, on the same interface: refused before
# it loads anything, and the first one's links are not its leftovers.
links=$(bpf_objects links | sort)
other_pins=/sys/fs/bpf/sxd-other-$$
rc=0
timeout 10 "${E2E_IN_SRV[@]}" "$E2E_SIPXDP" run -i "$E2E_SRV_IF" --pin-dir "$other_pins" \
	--listen 127.0.0.1:9361 >"$E2E_TMP/second-agent.log" 2>&1 || rc=$?
e2e_check "another pin dir's agent on $E2E_SRV_IF: refused" \
	"$([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo refused || echo "exit status $rc")" refused
e2e_check "another pin dir's agent: says why" \
	"$(grep -c 'another XDP program (id [0-9]*) is attached' "$E2E_TMP/second-agent.log")" 1
e2e_check "another pin dir's agent: left no pins" \
	"$(test -e "$other_pins" && echo present || echo none)" none
[ ! -e "$other_pins" ] || "$E2E_SIPXDP" unload --pin-dir "$other_pins" >/dev/null 2>&1
e2e_check "another pin dir's agent: the first one's links stay" "$(bpf_objects links | sort)" \
	"$links"
kill_agent KILL
e2e_check "SIGKILL: agent exit status" "$AGENT_RC" 137
if [ "$tcx" = 1 ]; then
	check_gone "after SIGKILL"
	rc=0
	e2e_sipxdp unload --detach-only >"$E2E_TMP/unload.log" 2>&1 || rc=$?
	e2e_check "after SIGKILL: unload --detach-only exit status" "$rc" 0
	e2e_check "after SIGKILL: unload --detach-only detached" \
		"$(grep -o 'detached [0-9]* program(s)' "$E2E_TMP/unload.log")" \
		"detached 0 program(s)"
else
	e2e_check "after SIGKILL: TC egress filter left" "$(tc_egress_progs)" "sipxdp_tc"
	e2e_sipxdp unload --detach-only >"$E2E_TMP/unload.log" 2>&1 || true
	check_gone "after SIGKILL and unload --detach-only"
fi
e2e_check_cmd "after SIGKILL: maps still pinned" test -n "$(find "$E2E_PIN_DIR" -type f)"

# 2. SIGTERM, generic mode: the mode flags reach the link.
agent --mode generic
e2e_check "generic: XDP through a bpf_link" "$(attached_as | sed 's/,.*//')" \
	"XDP generic (bpf_link)"
e2e_check_cmd "generic: ip link says xdpgeneric" \
	bash -c "ip -n '$E2E_SRV_NS' -d link show dev '$E2E_SRV_IF' | grep -q 'xdpgeneric'"
kill_agent TERM
e2e_check "SIGTERM: agent exit status" "$AGENT_RC" 0
check_gone "after SIGTERM"

# 3. No tcx: TC egress through netlink, which outlives a killed agent.
agent --no-tcx --mode auto
e2e_check "no tcx: how it attached" "$(attached_as)" \
	"XDP native (bpf_link), TC egress cls_bpf (netlink)"
e2e_check "no tcx, running: TC egress filter" "$(tc_egress_progs)" "sipxdp_tc"
e2e_check "no tcx, running: the agent's links" "$(bpf_objects links)" "xdp sipxdp_xdp"
kill_agent KILL
e2e_check "no tcx, SIGKILL: agent exit status" "$AGENT_RC" 137
e2e_check "no tcx, after SIGKILL: XDP gone" \
	"$(ip -n "$E2E_SRV_NS" -d link show dev "$E2E_SRV_IF" | grep -o 'prog/xdp' || true)" ""
e2e_check "no tcx, after SIGKILL: TC egress filter left" "$(tc_egress_progs)" "sipxdp_tc"
e2e_wait_for 5 only_tc_loaded || true
e2e_check "no tcx, after SIGKILL: programs still loaded" "$(prog_names)" sipxdp_tc

# An agent of another pin dir is no heir: the filter counts into the first
# one's pinned maps, so it is not this one's leftover to remove (its own TC
# attach then finds the place taken, and it says so).
rc=0
LD_PRELOAD=$NO_TCX_SO timeout 10 "${E2E_IN_SRV[@]}" "$E2E_SIPXDP" run -i "$E2E_SRV_IF" \
	--pin-dir "$other_pins" --listen 127.0.0.1:9361 >"$E2E_TMP/other-agent.log" 2>&1 || rc=$?
e2e_check "no tcx, another pin dir's agent: removed nothing" \
	"$(grep -c 'a previous agent left attached' "$E2E_TMP/other-agent.log")" 0
e2e_check "no tcx, another pin dir's agent: the first one's filter stays" \
	"$(tc_egress_progs)" "sipxdp_tc"
[ ! -e "$other_pins" ] || "$E2E_SIPXDP" unload --pin-dir "$other_pins" >/dev/null 2>&1
e2e_check "no tcx, another pin dir's unload: the first one's filter stays" \
	"$(tc_egress_progs)" "sipxdp_tc"

agent --no-tcx --mode auto
e2e_check "no tcx, next run: removed the leftover" \
	"$(grep -c 'removed 1 program(s) a previous agent left attached' "$AGENT_LOG")" 1
e2e_check "no tcx, next run: one TC egress filter" "$(tc_egress_progs)" "sipxdp_tc"
kill_agent KILL
e2e_check "no tcx, second SIGKILL: agent exit status" "$AGENT_RC" 137
map_ids=$(bpf_objects maps)
rc=0
e2e_sipxdp unload >"$E2E_TMP/unload.log" 2>&1 || rc=$?
e2e_check "no tcx, unload: exit status" "$rc" 0
e2e_check "no tcx, unload: detached" \
	"$(grep -o 'detached [0-9]* program(s)' "$E2E_TMP/unload.log")" "detached 1 program(s)"
e2e_check "no tcx, unload: pin dir" \
	"$(test -e "$E2E_PIN_DIR" && echo present || echo removed)" removed
e2e_check "no tcx, unload: nothing attached to $E2E_SRV_IF" "$(e2e_attachments)" ""
e2e_check_cmd "no tcx, before unload: pinned maps found" test -n "$map_ids"
# shellcheck disable=SC2086 # a list of ids
e2e_check_cmd "no tcx, unload: the maps are freed ($map_ids)" e2e_wait_for 5 e2e_maps_gone $map_ids

agent --no-tcx --mode auto
kill_agent TERM
e2e_check "no tcx, SIGTERM: agent exit status" "$AGENT_RC" 0
check_gone "no tcx, after SIGTERM"

e2e_summary
