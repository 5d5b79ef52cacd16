#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The agent in a network namespace of its own, both ways of entering one:
#
#   ip netns exec NS sipxdp run     a new mount namespace with a fresh /sys and
#                                   no bpffs: the agent mounts one that only it
#                                   sees, and must warn; `stats` (from the host,
#                                   or under ip netns exec) must fail naming the
#                                   pin directory and this case.
#   nsenter --net=... sipxdp run    the host's mounts, so the host's bpffs: no
#                                   warning, and `stats` from the host finds it.
#
# Only the namespace's own loopback is watched. Ends with "N passed, N failed";
# exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_netns.sh [BUILD_DIR|SIPXDP]     (default: build)
set -uo pipefail
# e2e_wait_for only: this test makes its namespace itself (e2e_setup is not run)
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arg=${1:-build}
[ -d "$arg" ] && arg=$arg/sipxdp
bin=$(realpath "$arg")
ns=sipxdp-t-$$
pin_dir=/sys/fs/bpf/sipxdp-test-$$
# On the namespace's loopback. Not 9360: `stats` run from the host tries the
# agent's address in the host's namespace, where another agent may listen.
listen=127.0.0.1:$((20000 + $$ % 10000))
tmp=$(mktemp -d)
agent_pid=
agent_rc=
passed=0
failed=0

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# Processes first (the agent holds the namespace), then the pins and the
# namespace. Runs at every exit.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	agent_stop
	"$bin" unload --pin-dir "$pin_dir" >/dev/null 2>&1
	rm -rf "$pin_dir"
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check() {	# check NAME CMD...: CMD must succeed
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		log "FAIL $name"
	fi
}

# agent_start LOG ENTER...: runs the agent under ENTER (ip netns exec NS, or
# nsenter --net=...), which execs it, so that $! is the agent itself.
agent_start() {
	local out=$1
	shift
	"$@" "$bin" run -i lo --listen "$listen" --pin-dir "$pin_dir" 2>"$out" &
	agent_pid=$!
	if ! e2e_wait_for 30 grep -q "metrics on http://$listen" "$out"; then
		log "the agent did not start; its output:"
		sed 's/^/    /' "$out" >&2
		return 1
	fi
}

# Stops the agent with SIGINT, as Ctrl-C does (SIGKILL after 10 s), and sets
# agent_rc to its exit status. Not in $(...): a subshell cannot wait for it.
# Bash reaps its background jobs as they end, so kill -0 fails once the agent
# has exited, and wait still gives its status.
agent_stop() {
	[ -n "$agent_pid" ] || return 0
	kill -INT "$agent_pid" 2>/dev/null
	e2e_wait_for 10 agent_gone || kill -KILL "$agent_pid" 2>/dev/null
	wait "$agent_pid" 2>/dev/null
	agent_rc=$?
	agent_pid=
}
agent_gone() { ! kill -0 "$agent_pid" 2>/dev/null; }

# expect_output NAME FILE STRING...: FILE holds every STRING.
expect_output() {
	local name=$1 file=$2 s ok=1
	shift 2
	for s in "$@"; do
		grep -qF -- "$s" "$file" && continue
		ok=0
		log "FAIL $name: no '$s' in:"
		sed 's/^/    /' "$file" >&2
	done
	if [ "$ok" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
no_warning() { ! grep -q "warning:" "$1"; }
gone() { [ ! -e "$1" ]; }

[ "$(id -u)" -eq 0 ] || { log "needs root"; exit 1; }
[ -x "$bin" ] || { log "no binary at $bin"; exit 1; }
ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up || exit 1

# 1. ip netns exec: a private bpffs, said plainly.
if agent_start "$tmp/exec.err" ip netns exec "$ns"; then
	expect_output "ip netns exec: the agent warns" "$tmp/exec.err" \
		"warning: /sys/fs/bpf had no BPF filesystem" "mount namespace of" \
		"$pin_dir" "will not survive a restart" "nsenter --net=/run/netns/NS"
	ip netns exec "$ns" "$bin" stats --pin-dir "$pin_dir" >"$tmp/stats" 2>&1
	check "ip netns exec stats fails" [ $? -eq 1 ]
	expect_output "ip netns exec stats says why" "$tmp/stats" \
		"no sipxdp counters pinned in $pin_dir" "ip netns exec" "nsenter --net="
	"$bin" stats --pin-dir "$pin_dir" >"$tmp/stats" 2>&1
	check "host stats fails" [ $? -eq 1 ]
	expect_output "host stats says why" "$tmp/stats" \
		"no sipxdp counters pinned in $pin_dir" "ip netns exec" "nsenter --net="
	"$bin" acks --pin-dir "$pin_dir" >"$tmp/acks" 2>&1
	check "host acks fails" [ $? -eq 1 ]
	expect_output "host acks says why" "$tmp/acks" \
		"no sipxdp agent is running on $pin_dir" "ip netns exec"
else
	failed=$((failed + 1))
fi
agent_stop
check "ip netns exec agent exits 0 on SIGINT" [ "$agent_rc" = 0 ]
# Its bpffs went with its mount namespace: nothing of it on the host's.
check "nothing pinned on the host" gone "$pin_dir"

# 2. nsenter --net: the host's mounts, the host's bpffs.
if agent_start "$tmp/nsenter.err" nsenter "--net=/run/netns/$ns" --; then
	check "nsenter: no warning" no_warning "$tmp/nsenter.err"
	# From the host, the agent's HTTP address is another namespace's: stats
	# falls back on the pinned counters, which it finds.
	"$bin" stats --pin-dir "$pin_dir" >"$tmp/stats" 2>&1
	check "host stats finds the pins" [ $? -eq 0 ]
	expect_output "host stats shows counters" "$tmp/stats" "showing the pinned counters"
	nsenter "--net=/run/netns/$ns" -- "$bin" stats --pin-dir "$pin_dir" >"$tmp/stats" 2>&1
	check "nsenter stats asks the agent" [ $? -eq 0 ]
	nsenter "--net=/run/netns/$ns" -- "$bin" acks --pin-dir "$pin_dir" >"$tmp/acks" 2>&1
	check "nsenter acks asks the agent" [ $? -eq 0 ]
else
	failed=$((failed + 1))
fi
agent_stop
check "nsenter agent exits 0 on SIGINT" [ "$agent_rc" = 0 ]
"$bin" unload --pin-dir "$pin_dir" >"$tmp/unload" 2>&1
check "unload exits 0" [ $? -eq 0 ]
check "unload removes the pins" gone "$pin_dir"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
