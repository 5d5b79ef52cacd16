# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# The agent alone on a veth pair in the Linux 6.1 guest: XDP counts the SIP
# that comes in, TC egress the SIP that goes out, and after SIGTERM neither
# program, nor a link, nor the clsact filter is left.
. "${VM_DIR:-/vm}/guest_lib.sh"

veth_setup || { echo "veth setup failed"; echo "0 passed, 1 failed"; exit 1; }
ids=
if check "sipxdp run attaches to veth0" agent_start; then
	grep 'veth0: ' /tmp/agent.log | sed 's/^/  | /'
	ids=$(sipxdp_prog_ids)
	check "its XDP and TC programs are loaded (ids $(echo $ids))" [ "$(echo $ids | wc -w)" -eq 2 ]
	# Linux 6.1 has XDP links (5.9) but not tcx (6.6): one link, XDP's
	check "a bpf_link holds one of them" has_link_to $ids
	check "XDP attached to veth0" has_xdp
	check "a TC egress filter on veth0" has_tc_egress
	check "sent a 200 into veth0" send_ingress
	check "sent a 486 out of veth0" send_egress
	check "XDP counted the 200 as ingress" wait_for 10 seen_metric ingress 200 OPTIONS
	check "TC counted the 486 as egress" wait_for 10 seen_metric egress 486 INVITE
	check "stats --json counts the 200" stats_code 200
	check "stats --json counts the 486" stats_code 486
	check "SIGTERM: the agent exits 0" agent_stop
fi
check "no XDP program left on veth0" no_xdp
check "no TC egress filter left on veth0" no_tc_egress
check "no sipxdp program left (bpftool prog show)" no_sipxdp_prog
check "no link left to sipxdp's programs (bpftool link show)" no_link_to $ids
[ -z "$AGENT_PID" ] || kill -KILL "$AGENT_PID" 2>/dev/null
$SIPXDP unload --pin-dir "$PIN_DIR" >/dev/null 2>&1
veth_teardown
summary
