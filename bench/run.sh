#!/usr/bin/env bash
# Runs every benchmark (make bench). Usage: bench/run.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
for b in "$build"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	case $(basename "$b") in
	bench_verifier) "$b" "$build/sipxdp.bpf.o" ;;	# takes the object, not the agent
	*) "$b" "$build/sipxdp" ;;
	esac
done
# The BPF fuzz test at a million packets (make test runs 120,000): the
# oracle gets a deeper search than make test has time for, and the
# figure is how fast mutated packets go through the program and checks.
test_fuzz="$build/tests/test_fuzz"
if [ -x "$test_fuzz" ]; then
	packets=${SIPXDP_FUZZ_PACKETS:-1000000}
	echo "== bpf_fuzz ($packets packets)"
	start=$(date +%s%N)
	SIPXDP_FUZZ_PACKETS=$packets "$test_fuzz"
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	echo "bpf_fuzz: $packets packets in ${elapsed_ms} ms" \
		"($((packets * 1000 / (elapsed_ms > 0 ? elapsed_ms : 1))) packets/s)"
fi
# The verifier's figures on Debian 12's Linux 6.1 (qemu guest, make vmbench).
echo "== bench_verifier (Linux 6.1 guest)"
tests/vm/vmtest.sh --bench "$build"
