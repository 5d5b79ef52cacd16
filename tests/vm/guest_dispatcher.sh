# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# libxdp's dispatcher on Linux 6.1: xdp-tools' allow-all filter is loaded on
# veth0 first (xdp-loader, as another tool would), then the agent joins it.
# Both must run on each packet (the kernel's run_cnt of the filter grows, the
# agent counts), and the agent's exit must leave the filter attached. What
# libxdp says about the dispatcher is printed whatever happens.
. "${VM_DIR:-/vm}/guest_lib.sh"

OTHER=xdpfilt_alw_all	# program name, and object under $BPF_OBJS
# run_cnt of the other program (bpftool shows it with kernel.bpf_stats_enabled)
other_runs() {
	bpftool prog show name "$OTHER" 2>/dev/null | sed -n 's/.*run_cnt \([0-9]*\).*/\1/p' | head -n 1
}
other_attached() { xdp-loader status veth0 2>/dev/null | grep -q "$OTHER"; }
other_ran() { [ "$(other_runs)" -gt "${1:-0}" ] 2>/dev/null; }
sipxdp_in_dispatcher() { xdp-loader status veth0 | grep -q sipxdp_xdp; }

veth_setup || { echo "veth setup failed"; echo "0 passed, 1 failed"; exit 1; }
echo 1 >/proc/sys/kernel/bpf_stats_enabled

echo "xdp-loader load veth0 $OTHER.o:"
xdp-loader load -v veth0 "$BPF_OBJS/$OTHER.o" >/tmp/loader.log 2>&1
rc=$?
sed 's/^/  | /' /tmp/loader.log
check "xdp-loader loads $OTHER on veth0" [ "$rc" -eq 0 ]
echo "xdp-loader status veth0:"
xdp-loader status veth0 2>&1 | sed 's/^/  | /'
check "$OTHER sits in libxdp's dispatcher" sh -c 'xdp-loader status veth0 | grep -q xdp_dispatcher'

if check "sipxdp run joins it" agent_start -v; then
	echo "xdp-loader status veth0, both attached:"
	xdp-loader status veth0 2>&1 | sed 's/^/  | /'
	check "the dispatcher holds sipxdp_xdp too" sipxdp_in_dispatcher
	check "and still $OTHER" other_attached
	before=$(other_runs)
	check "sent a 200 into veth0" send_ingress
	check "the agent counted it (XDP, ingress)" wait_for 10 seen_metric ingress 200 OPTIONS
	check "$OTHER ran on it too (run_cnt ${before:-?} -> $(other_runs))" other_ran "${before:-0}"
	check "SIGTERM: the agent exits 0" agent_stop
	check "$OTHER is still attached after the agent left" other_attached
	check "and runs (XDP on veth0)" has_xdp
	echo "xdp-loader status veth0, the agent gone:"
	xdp-loader status veth0 2>&1 | sed 's/^/  | /'
	echo "what libxdp said in the agent:"
	grep -e 'libxdp: libxdp: ' -e 'sipxdp: error' -e 'sipxdp: warn' /tmp/agent.log |
		grep -v -e 'Duplicated fd' -e 'Looking for' -e 'Loading XDP program from' \
			-e DATASEC -e 'lock' | sed 's/^/  | /'
fi
[ -z "$AGENT_PID" ] || kill -KILL "$AGENT_PID" 2>/dev/null
check "no sipxdp program left (bpftool prog show)" no_sipxdp_prog
check "no TC egress filter left on veth0" no_tc_egress
xdp-loader unload veth0 --all >/dev/null 2>&1
check "xdp-loader unload --all leaves veth0 without XDP" no_xdp
$SIPXDP unload --pin-dir "$PIN_DIR" >/dev/null 2>&1
veth_teardown
summary
