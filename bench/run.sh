#!/usr/bin/env bash
# Runs every benchmark (make bench), then prints the performance issue's
# table: each figure beside the issue's before figure and its target, from
# the rows the benchmarks print (bench/target_row.h). Usage: bench/run.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/sipxdp-bench.XXXXXX)

run_benchmarks() {
	for b in "$build"/bench/bench_*; do
		[ -x "$b" ] || continue
		echo "== $(basename "$b")"
		case $(basename "$b") in
		bench_verifier) "$b" "$build/sipxdp.bpf.o" ;;	# takes the object, not the agent
		*) "$b" "$build/sipxdp" ;;
		esac
	done
	echo "== bench_proxy"
	bench/bench_proxy.sh "$build"
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
}

# The verifier's row: the largest program's processed instructions on each
# kernel bench_verifier ran on (this host's, the 6.1 guest's), from their
# "verifier on Linux RELEASE, OBJECT:" blocks; its place is ROW_VERIFIER's.
verifier_row() {
	row=$(awk '/^[ \t]+ROW_/ { n++ } /^[ \t]+ROW_VERIFIER/ { print n; exit }' bench/target_row.h)
	awk -v row="$row" '
	     /^verifier on Linux / { release = $4; sub(/,$/, "", release); order[++n] = release }
	     / processed [0-9]+ insns/ {
		for (i = 1; i < NF; i++)
			if ($i == "processed" && $(i + 1) + 0 > most[release])
				most[release] = $(i + 1) + 0
	     }
	     END {
		met = n > 0
		for (k = 1; k <= n; k++) {
			now = now (k > 1 ? ", " : "") order[k] ": " most[order[k]]
			if (most[order[k]] > 30000)
				met = 0
		}
		printf "target|%d|verifier, processed instructions, largest program (6.1 and current)|", row
		printf "67k–84k|%s|≤ 30,000|%s\n", n ? now : "(no figure)", met ? "met" : "MISSED"
	     }' "$log"
}

# The table, whatever way the run ends: the rows of the benchmarks that ran.
print_table() {
	echo
	echo "== the issue's figures (before: as the issue gives them; now: this run)"
	echo "| figure | before | now | target | |"
	echo "|---|---|---|---|---|"
	{
		grep '^target|' "$log" || true
		verifier_row
	} | sort -t'|' -k2,2n -s |
		awk -F'|' '{ printf "| %s | %s | %s | %s | %s |\n", $3, $4, $5, $6, $7 }'
	rm -f "$log"
}

trap print_table EXIT
run_benchmarks | tee "$log"
