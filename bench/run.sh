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
# The verifier's figures on Debian 12's Linux 6.1 (qemu guest, make vmbench).
echo "== bench_verifier (Linux 6.1 guest)"
tests/vm/vmtest.sh --bench "$build"
