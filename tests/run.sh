#!/usr/bin/env bash
# Runs every test suite of sipxdp and sums their closing "N passed, N failed"
# lines into one. Usage: tests/run.sh BUILD_DIR (make test calls it).
# A suite that exits non-zero, or prints no summary, counts as one failure.
set -uo pipefail

build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
total_pass=0
total_fail=0
failed_suites=()

run_suite() {
	local name=$1
	shift
	local log rc summary start=$SECONDS
	log=$(mktemp)
	printf '== %s\n' "$name"
	"$@" >"$log" 2>&1
	rc=$?
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$summary" ]; then
		cat "$log"
		failed_suites+=("$name")
	else
		grep -E '^(FAIL|skipped|note)' "$log" || true
	fi
	if [ -n "$summary" ]; then
		printf '   %s (%d s)\n' "$summary" $((SECONDS - start))
		total_pass=$((total_pass + $(echo "$summary" | cut -d' ' -f1)))
		total_fail=$((total_fail + $(echo "$summary" | cut -d' ' -f3)))
	fi
	# A suite that printed no summary (one that skipped, say) ran nothing:
	# it fails, whatever its exit code.
	if [ -z "$summary" ] || { [ "$rc" -ne 0 ] && [ "$(echo "$summary" | cut -d' ' -f3)" = 0 ]; }; then
		total_fail=$((total_fail + 1))
	fi
	rm -f "$log"
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] && run_suite "$(basename "$t")" "$t"
done
run_suite replay_captures python3 tests/replay/test_captures.py "$build/sipxdp"
run_suite replay_rfc4475 python3 tests/replay/test_rfc4475.py "$build/sipxdp"
# The fuzzers over their seeds only, with their sanitizers: a second or so
# (make fuzz is the long run).
if ls "$build"/fuzz/fuzz_* >/dev/null 2>&1; then
	run_suite fuzz_smoke tests/fuzz/run.sh "$build" 0
fi
for t in tests/cli/test_*.sh tests/rules/test_*.sh tests/e2e/test_*.sh tests/deb/test_*.sh; do
	[ -x "$t" ] && run_suite "$(basename "$t" .sh)" "$t" "$build/sipxdp"
done
# The BPF and attach tests again, in Debian 12's Linux 6.1 under qemu: its
# summary names the guest's kernel.
run_suite vmtest_linux61 tests/vm/vmtest.sh "$build"

echo
if [ ${#failed_suites[@]} -gt 0 ]; then
	echo "failed suites: ${failed_suites[*]}"
fi
echo "every suite ran in ${SECONDS} s"
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
