# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=sh
#
# What the guest's attach tests share (busybox sh, in the Linux 6.1 guest of
# tests/vm/vmtest.sh): checks with a closing "N passed, N failed", the veth
# pair, the agent, SIP sent both ways and what must be gone after it.
#
#   root netns: veth0 10.11.0.1 (the agent watches it) == veth1 10.11.0.2: netns peer

# busybox sh runs its own applets before PATH: ip and tc are iproute2's
# (busybox ip cannot make a veth pair)
ip() { /sbin/ip "$@"; }
tc() { /sbin/tc "$@"; }

VM_DIR=${VM_DIR:-/vm}		# where the initramfs has these scripts and udpsend
SIPXDP=build/sipxdp
PIN_DIR=/sys/fs/bpf/sipxdp
# shellcheck disable=SC2034 # libxdp's and xdp-tools' objects, for guest_dispatcher.sh
BPF_OBJS=$(dirname "$(ls /usr/lib/*/bpf/xdp-dispatcher.o)")
IN_PEER="nsenter --net=/run/netns/peer"
PASSED=0
FAILED=0
AGENT_PID=

# check DESC CMD...: CMD's status, counted and named
check() {
	desc=$1
	shift
	if "$@"; then
		PASSED=$((PASSED + 1))
		echo "ok: $desc"
		return 0
	fi
	FAILED=$((FAILED + 1))
	echo "FAIL: $desc"
	return 1
}

summary() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

# wait_for SECS CMD...: until CMD succeeds, or fails after SECS seconds.
wait_for() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 1
		n=$((n - 1))
	done
	return 1
}

veth_setup() {
	ip netns add peer &&
		ip link add veth0 type veth peer name veth1 &&
		ip link set veth1 netns peer &&
		ip addr add 10.11.0.1/24 dev veth0 &&
		ip link set veth0 up &&
		$IN_PEER /sbin/ip link set lo up &&
		$IN_PEER /sbin/ip addr add 10.11.0.2/24 dev veth1 &&
		$IN_PEER /sbin/ip link set veth1 up
}

veth_teardown() {
	ip link del veth0 2>/dev/null
	ip netns del peer 2>/dev/null
	true
}

agent_running() { kill -0 "$AGENT_PID" 2>/dev/null; }
agent_ready() { grep -q 'metrics on http' /tmp/agent.log || ! agent_running; }

# agent_start ARGS...: starts `sipxdp run -i veth0 ARGS` and waits until it
# serves metrics (the programs load under emulation: minutes) or dies.
agent_start() {
	$SIPXDP run -i veth0 --listen 127.0.0.1:9360 --pin-dir "$PIN_DIR" "$@" >/tmp/agent.log 2>&1 &
	AGENT_PID=$!
	wait_for 600 agent_ready
	if agent_running && grep -q 'metrics on http' /tmp/agent.log; then
		return 0
	fi
	echo "the agent did not start; its log (without libbpf's debug lines):"
	agent_log
	return 1
}

agent_log() { grep -v 'libbpf: libbpf: ' /tmp/agent.log | sed 's/^/  | /'; }

# agent_stop: SIGTERM, and its exit status must be 0.
agent_stop() {
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID"
	rc=$?
	AGENT_PID=
	[ "$rc" -eq 0 ] || { echo "the agent exited $rc; its log:"; agent_log; }
	[ "$rc" -eq 0 ]
}

crlf() { printf '%s\r\n' "$@"; }

# A 200 to OPTIONS from the peer into veth0: XDP's to see.
send_ingress() {
	crlf 'SIP/2.0 200 OK' 'Via: SIP/2.0/UDP 10.11.0.1:5060;branch=z9hG4bKvm1' \
		'Call-ID: ingress@vmtest' 'CSeq: 1 OPTIONS' 'Content-Length: 0' '' |
		$IN_PEER "$VM_DIR/udpsend" 10.11.0.1 5060 5060
}

# A 486 to INVITE out of veth0: TC egress's to see.
send_egress() {
	crlf 'SIP/2.0 486 Busy Here' 'Via: SIP/2.0/UDP 10.11.0.2:5060;branch=z9hG4bKvm2' \
		'Call-ID: egress@vmtest' 'CSeq: 1 INVITE' 'Content-Length: 0' '' |
		"$VM_DIR/udpsend" 10.11.0.2 5060 5060
}

metrics() { wget -q -O - http://127.0.0.1:9360/metrics 2>/dev/null; }
# seen_metric DIRECTION CODE METHOD: the agent counted that response once
seen_metric() {
	metrics | grep -q "^sipxdp_responses_total{direction=\"$1\",class=\"[0-9]xx\",code=\"$2\",method=\"$3\"} 1$"
}
# stats_code CODE: `sipxdp stats --json` counts CODE once
stats_code() {
	$SIPXDP stats --json --pin-dir "$PIN_DIR" >/tmp/stats.json &&
		grep '^"codes": ' /tmp/stats.json | grep -q "\"$1\": 1[,}]"
}

no_xdp() { ! ip link show veth0 | grep -q xdp; }
has_xdp() { ip link show veth0 | grep -q xdp; }
has_tc_egress() { [ -n "$(tc filter show dev veth0 egress)" ]; }
no_tc_egress() { [ -z "$(tc filter show dev veth0 egress)" ]; }
no_sipxdp_prog() { ! bpftool prog show | grep -q 'name sipxdp_'; }
# bpftool link show names a link's program by id only ("ID: TYPE  prog PROG_ID"):
# the ids of sipxdp's programs are taken while the agent runs.
sipxdp_prog_ids() { bpftool prog show | sed -n 's/^\([0-9]*\): .* name sipxdp_.*/\1/p'; }
# has_link_to IDS...: a bpf_link holds one of these programs
has_link_to() {
	for id in "$@"; do
		bpftool link show | grep -qw "prog $id" && return 0
	done
	return 1
}
no_link_to() { ! has_link_to "$@"; }
