#!/usr/bin/env bash
# Runs each fuzzer for a bounded time (make fuzz) and prints one line per
# target: runs, runs/s, and whether it found anything, then the
# "N passed, N failed" line tests/run.sh sums. Exits non-zero when any
# target crashed, leaked or timed out; the input that did it is kept in
# BUILD_DIR/fuzz/artifacts/.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#   SECONDS 0: each target once over its seeds only (the smoke run of
#   make test).
set -uo pipefail

build=${1:-build}
seconds=${2:-30}
shift 2 || shift $#
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
fuzz="$build/fuzz"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for bin in "$fuzz"/fuzz_*; do
		[ -x "$bin" ] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')")
	done
fi

failed=()
passed=0
mkdir -p "$fuzz/artifacts"
for t in "${targets[@]}"; do
	bin="$fuzz/fuzz_$t"
	log="$fuzz/fuzz_$t.log"
	# Committed seeds (text) and generated ones (binary); libFuzzer adds what
	# it finds to the first directory, the working corpus, never to them.
	seeds=()
	for d in "tests/fuzz/corpus/$t" "$fuzz/seeds/$t"; do
		[ -d "$d" ] && seeds+=("$d")
	done
	# The SIP parser starts from RFC 4475's torture messages too: not in the
	# tree, found as tests/unit/test_rfc4475 finds them.
	if [ "$t" = sip ]; then
		rfc4475=${SIPXDP_RFC4475_DIR:-$(ls -d "$root"/../*/rfc4475 2>/dev/null | head -n 1)}
		[ -n "$rfc4475" ] && [ -d "$rfc4475" ] && seeds+=("$rfc4475")
	fi
	if [ "$seconds" -eq 0 ]; then
		# the seeds only, however large the working corpus has grown
		args=(-runs=0 "${seeds[@]}")
	else
		corpus="$fuzz/corpus/$t"
		mkdir -p "$corpus"
		args=(-max_total_time="$seconds" "$corpus" "${seeds[@]}")
	fi
	"$bin" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$fuzz/artifacts/$t-" "${args[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		found="nothing found"
		passed=$((passed + 1))
	else
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		found="FOUND (exit $rc): ${artifact:-see $log}"
		failed+=("$t")
		grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*REQUIRE failed)' "$log" |
			sed 's/^/    /'
	fi
	printf '%-10s %10s runs %8s runs/s  %s\n' "$t" "${runs:-?}" "${rate:-?}" "$found"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: found something in ${failed[*]} (logs in $fuzz/)"
fi
echo "$passed passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
