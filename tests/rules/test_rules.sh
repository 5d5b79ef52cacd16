#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The Prometheus rules of rules/sipxdp.rules.yml: `promtool check rules`,
# then `promtool test rules` on every tests/rules/*_test.yml. So that these
# tests can be seen to fail, each is then run again against copies of the
# rules with one deliberate mistake (a mutation) and must fail there.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage: tests/rules/test_rules.sh [ANYTHING]   (tests/run.sh passes the
# sipxdp binary, which the rules do not need)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
rules=$root/rules/sipxdp.rules.yml
passed=0
failed=0

command -v promtool >/dev/null || {
	echo "${0##*/}: promtool not found (scripts/install-deps.sh installs prometheus)" >&2
	echo "0 passed, 1 failed"
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {
	local name=$1 log=$tmp/log
	shift
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name" >&2
		cat "$log" >&2
	fi
}

check "promtool check rules" promtool check rules "$rules"
tests=("$here"/*_test.yml)
for t in "${tests[@]}"; do
	check "promtool test rules ${t##*/}" promtool test rules "$t"
done

# mutant NAME FROM TO: the tests against a copy of the rules with the exact
# text FROM replaced by TO (which must be there) must fail.
mutant() {
	local name=$1 dir=$tmp/mutant
	rm -rf "$dir"
	mkdir -p "$dir/rules" "$dir/tests/rules"
	cp "${tests[@]}" "$dir/tests/rules/"
	python3 - "$rules" "$dir/rules/sipxdp.rules.yml" "$2" "$3" <<'PY' || return 1
import sys
src, dst, old, new = sys.argv[1:]
text = open(src).read()
if old not in text:
    sys.exit("mutation target not found: " + old)
open(dst, "w").write(text.replace(old, new, 1))
PY
	! promtool test rules "$dir"/tests/rules/*_test.yml >/dev/null 2>&1
}

check "mutant caught: cause 16 counted abnormal" mutant causes-normal \
	'cause!~"16|17|19|31"' 'cause!~"17|19|31"'
check "mutant caught: abnormal causes with no fallback to 0" mutant causes-zero \
	'or sipxdp:call_end_causes_q850:rate5m * 0' 'or vector(0)'
check "mutant caught: abnormal causes alert without its volume floor" mutant causes-floor \
	'sipxdp:call_end_causes_q850:rate5m * 300 >= 10' 'sipxdp:call_end_causes_q850:rate5m * 300 >= 0'
check "mutant caught: SER that ignores redirections" mutant ser-redirected \
	'{outcome="redirected"}' '{outcome="none"}'
check "mutant caught: SER divided without the > 0 guard (NaN)" mutant ser-nan \
	'/ (sipxdp:call_attempts_not_redirected:rate5m > 0)' '/ sipxdp:call_attempts_not_redirected:rate5m'
check "mutant caught: NER without rejected" mutant ner-rejected \
	'{outcome=~"answered|rejected"})
           or sipxdp:call_attempts_verified:rate5m * 0)' \
	'{outcome="answered"})
           or sipxdp:call_attempts_verified:rate5m * 0)'
check "mutant caught: SCR with no fallback to 0" mutant scr-zero \
	'(sipxdp:calls_completed:rate5m or sipxdp:call_attempts_end_seen:rate5m * 0)' \
	'sipxdp:calls_completed:rate5m'
check "mutant caught: ratios that count unverified calls" mutant unverified-counted \
	'{outcome="unverified"}' '{outcome="none"}'
check "mutant caught: SCR that counts calls whose end was lost" mutant scr-events-lost \
	'{reason="events_lost"}' '{reason="none"}'
check "mutant caught: missing ACKs paging at once" mutant ack-for \
	'> 0
        for: 5m' '> 0
        for: 0m'
check "mutant caught: unanswered OPTIONS alerting while others are answered" mutant options-unless \
	'unless on (instance, peer)' 'or on (instance, peer)'
check "mutant caught: SER drop compared with no history" mutant ser-offset \
	'offset 1h' 'offset 1m'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
