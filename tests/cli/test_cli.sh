#!/usr/bin/env bash
# The command line's answers to bad input: a clear message on stderr and a
# non-zero exit, never a crash; and --help for every command.
# Usage: test_cli.sh SIPXDP_BINARY
set -uo pipefail

bin=$(realpath "$1")
captures=$(cd "$(dirname "$0")/../../.." && pwd)/shared/captures/pcaps
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# expect EXIT_CODE STDERR_PATTERN -- COMMAND...
expect() {
	local want_rc=$1 pattern=$2 rc
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && grep -qE -- "$pattern" "$tmp/err" "$tmp/out"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $* -> exit $rc (want $want_rc), output:"
		sed 's/^/    /' "$tmp/err" "$tmp/out" | head -5
	fi
}

for cmd in run stats top acks calls redirects replay unload; do
	expect 0 "Usage: sipxdp $cmd" -- "$bin" "$cmd" --help
done
expect 0 "Commands:" -- "$bin" --help
expect 1 "unknown command 'frobnicate'" -- "$bin" frobnicate
expect 1 "Usage: sipxdp COMMAND" -- "$bin"

printf 'this is not a capture\n' >"$tmp/text.pcap"
expect 1 "text.pcap" -- "$bin" replay "$tmp/text.pcap"
expect 1 "No such file|cannot open|does-not-exist" -- "$bin" replay "$tmp/does-not-exist.pcap"
expect 1 "replay takes one capture file" -- "$bin" replay
if [ -d "$captures" ]; then
	# a capture cut in the middle of a packet record
	head -c 5000 "$captures/sngrep_aaa.pcap" >"$tmp/cut.pcap"
	expect 1 "cut.pcap.*(truncated|packet)" -- "$bin" replay "$tmp/cut.pcap"
	# ... and still prints the figures of what it could read, before the error
	expect 1 "^packets +seen [1-9]" -- "$bin" replay "$tmp/cut.pcap"
	expect 1 '"packets": \{"seen": [1-9]' -- "$bin" replay --json "$tmp/cut.pcap"
	# progress on a terminal (script(1) gives replay a pty): the packets read
	# and the share of the file, then the line is wiped
	expect 0 "replay: [0-9]+ packets, 100% of [0-9.]+ MB" -- \
		script -qec "'$bin' replay '$captures/sngrep_aaa.pcap' >/dev/null" /dev/null
	# ... and none when stderr is not a terminal: stderr stays empty
	if "$bin" replay "$captures/sngrep_aaa.pcap" >/dev/null 2>"$tmp/err" && ! [ -s "$tmp/err" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: replay with stderr not a terminal wrote to it:"
		cat -v "$tmp/err" | head -5 | sed 's/^/    /'
	fi
else
	echo "FAIL: ../shared/captures not found: the cut-capture case needs one"
	failed=$((failed + 1))
fi

expect 1 "interface 'sxd-no-such-if0'" -- "$bin" run -i sxd-no-such-if0
expect 1 "--mode: 'fast' is not auto, native or generic" -- "$bin" run --mode fast
expect 1 "--ports: " -- "$bin" run --ports 5060,abc
expect 1 "--ports: " -- "$bin" replay --ports 70000 x.pcap
expect 1 "--ack-timeout: seconds from 1 to 86400" -- "$bin" run --ack-timeout 0
expect 1 "listen address 'nowhere'" -- "$bin" run -i lo --listen nowhere --pin-dir /sys/fs/bpf/sxd-cli-$$
rm -rf "/sys/fs/bpf/sxd-cli-$$"
printf '10.0.0.0/8 carrier-a\n192.0.2.0/33 broken\n' >"$tmp/peers"
expect 1 "peers:2" -- "$bin" run -i lo --peers "$tmp/peers" --pin-dir /sys/fs/bpf/sxd-cli-$$
expect 1 "no-such-file: No such file" -- "$bin" run -i lo --peers "$tmp/no-such-file" --pin-dir /sys/fs/bpf/sxd-cli-$$
expect 1 "no sipxdp counters pinned in /sys/fs/bpf/sxd-none" -- "$bin" stats --pin-dir /sys/fs/bpf/sxd-none
expect 1 "no sipxdp agent is running on /sys/fs/bpf/sxd-none" -- "$bin" acks --pin-dir /sys/fs/bpf/sxd-none
expect 1 "--by: one of 1xx" -- "$bin" top --by 9xx
expect 1 "--sources: from 1 to" -- "$bin" stats --sources 0
expect 1 "--sources and --all-sources go with stats" -- "$bin" acks --all-sources
expect 1 "--redirect-max-age: seconds from 1 to" -- "$bin" run --redirect-max-age 0
expect 1 "--redirect-max-age: seconds from 1 to" -- "$bin" replay --redirect-max-age 0 x.pcap
expect 0 "removed /sys/fs/bpf/sxd-none" -- "$bin" unload --pin-dir /sys/fs/bpf/sxd-none

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
