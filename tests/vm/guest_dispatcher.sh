# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# libxdp's dispatcher on Linux 6.1: xdp-tools' allow-all filter is loaded on
# veth0 first (xdp-loader, as another tool would), then the agent joins it.
# Both must run on each packet (the filter's own packet count grows, the
# agent counts), and the agent's exit must leave the filter attached. What
# libxdp says about the dispatcher is printed whatever happens.
. "${VM_DIR:-/vm}/guest_lib.sh"

OTHER=xdpfilt_alw_all	# program name, and object under $BPF_OBJS
# Packets the other program saw: xdp-filter's programs count every verdict in
# xdp_stats_map (the kernel's run_cnt is no help: a dispatcher's component
# runs as part of the dispatcher, which gets the count).
other_packets() {
	bpftool map dump name xdp_stats_map 2>/dev/null |
		grep -o '"rx_packets": [0-9]*' | awk '{ n += $2 } END { print n + 0 }'
}
other_attached() { xdp-loader status veth0 2>/dev/null | grep -q "$OTHER"; }
other_ran() { [ "$(other_packets)" -gt "$1" ]; }
sipxdp_in_dispatcher() { xdp-loader status veth0 | grep -q sipxdp_xdp; }

veth_setup || { echo "veth setup failed"; echo "0 passed, 1 failed"; exit 1; }
ids=

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
	ids=$(sipxdp_prog_ids)
	check "libxdp links it to the dispatcher (freplace link)" has_link_to $ids
	check "and still $OTHER" other_attached
	before=$(other_packets)
	check "sent a 200 into veth0" send_ingress
	check "the agent counted it (XDP, ingress)" wait_for 10 seen_metric ingress 200 OPTIONS
	check "$OTHER ran on it too (xdp_stats_map: $before -> $(other_packets) packets)" \
		other_ran "$before"
	check "SIGTERM: the agent exits 0" agent_stop
	check "$OTHER is still attached after the agent left" other_attached
	check "and runs (XDP on veth0)" has_xdp
	echo "xdp-loader status veth0, the agent gone:"
	xdp-loader status veth0 2>&1 | sed 's/^/  | /'
	echo "what libxdp said in the agent:"
	grep -e 'ompatib' -e 'Generating multi-prog' -e 'Attached prog' -e 'Loaded [0-9]* programs' \
		-e 'Falling back' -e 'ailed' -e 'sipxdp: error' -e 'sipxdp: warn' -e 'veth0: ' /tmp/agent.log |
		sed 's/^/  | /'
fi
[ -z "$AGENT_PID" ] || kill -KILL "$AGENT_PID" 2>/dev/null
check "no sipxdp program left (bpftool prog show)" no_sipxdp_prog
check "no link left to sipxdp's programs" no_link_to $ids
check "no TC egress filter left on veth0" no_tc_egress
xdp-loader unload veth0 --all >/dev/null 2>&1
check "xdp-loader unload --all leaves veth0 without XDP" no_xdp
$SIPXDP unload --pin-dir "$PIN_DIR" >/dev/null 2>&1
veth_teardown
summary
