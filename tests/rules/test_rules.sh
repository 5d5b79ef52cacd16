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
	local name=$1 dir=$tmp/mutant-$1
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

# mutant_check NAME ARGS...: check, in the background, as many at once as
# there are CPUs (each mutant runs every test file: one after the other they
# took a minute and a half); mutants_done sums them up.
mutants=0
mutant_check() {
	local name=$1
	shift
	while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do
		wait -n || true
	done
	mutants=$((mutants + 1))
	(
		if "$@" >"$tmp/mutant.$mutants.log" 2>&1; then
			echo pass
		else
			echo "FAIL $name"
			cat "$tmp/mutant.$mutants.log"
		fi
	) >"$tmp/mutant.$mutants.result" &
}
mutants_done() {
	wait
	for ((i = 1; i <= mutants; i++)); do
		if [ "$(head -n 1 "$tmp/mutant.$i.result")" = pass ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			cat "$tmp/mutant.$i.result" >&2
		fi
	done
}

mutant_check "mutant caught: cause 16 counted abnormal" mutant causes-normal \
	'cause!~"16|17|19|31"' 'cause!~"17|19|31"'
mutant_check "mutant caught: abnormal causes with no fallback to 0" mutant causes-zero \
	'or sipxdp:call_end_causes_q850:rate5m * 0' 'or vector(0)'
mutant_check "mutant caught: abnormal causes alert without its volume floor" mutant causes-floor \
	'sipxdp:call_end_causes_q850:rate5m * 300 >= 10' 'sipxdp:call_end_causes_q850:rate5m * 300 >= 0'
mutant_check "mutant caught: SER that ignores redirections" mutant ser-redirected \
	'{outcome="redirected"}' '{outcome="none"}'
mutant_check "mutant caught: SER divided without the > 0 guard (NaN)" mutant ser-nan \
	'/ (sipxdp:call_attempts_not_redirected:rate5m > 0)' '/ sipxdp:call_attempts_not_redirected:rate5m'
mutant_check "mutant caught: NER without rejected" mutant ner-rejected \
	'{outcome=~"answered|rejected"})
           or sipxdp:call_attempts_verified:rate5m * 0)' \
	'{outcome="answered"})
           or sipxdp:call_attempts_verified:rate5m * 0)'
mutant_check "mutant caught: SCR with no fallback to 0" mutant scr-zero \
	'(sipxdp:calls_completed:rate5m or sipxdp:call_attempts_end_seen:rate5m * 0)' \
	'sipxdp:calls_completed:rate5m'
mutant_check "mutant caught: ratios that count unverified calls" mutant unverified-counted \
	'{outcome="unverified"}' '{outcome="none"}'
mutant_check "mutant caught: SCR that counts calls whose end was lost" mutant scr-events-lost \
	'{reason="events_lost"}' '{reason="none"}'
mutant_check "mutant caught: missing ACKs paging at once" mutant ack-for \
	'> 0
        for: 5m' '> 0
        for: 0m'
mutant_check "mutant caught: unanswered OPTIONS alerting while others are answered" mutant options-unless \
	'unless on (instance, peer)' 'or on (instance, peer)'
mutant_check "mutant caught: SER drop compared with no history" mutant ser-offset \
	'offset 1h' 'offset 1m'

mutant_check "mutant caught: a trunk's calls taken from one instance, not summed" mutant trunk-calls-sum \
	'sum by (peer) (sipxdp_calls_active)' 'max by (peer) (sipxdp_calls_active)'
mutant_check "mutant caught: a trunk's limit summed over the instances exporting it" mutant trunk-limit-max \
	'max by (peer) (sipxdp_peer_limit{kind="calls"})' 'sum by (peer) (sipxdp_peer_limit{kind="calls"})'
mutant_check "mutant caught: CPS utilization flattened over 5 minutes" mutant trunk-cps-window \
	'rate(sipxdp_call_attempts_total[1m])' 'rate(sipxdp_call_attempts_total[5m])'
mutant_check "mutant caught: a trunk exactly at its max-calls not critical" mutant trunk-at-limit \
	'sipxdp:peer_calls:utilization >= 1' 'sipxdp:peer_calls:utilization > 1'
mutant_check "mutant caught: a trunk exactly at 80 % of its max-cps not warned of" mutant trunk-near-limit \
	'sipxdp:peer_cps:utilization_rate1m >= 0.8' 'sipxdp:peer_cps:utilization_rate1m > 0.8'
mutant_check "mutant caught: suspect sources paging for an hour after the attack" mutant suspects-live \
	'sum by (instance) (sipxdp_suspect_sources) > 0
          and on (instance)' 'sum by (instance) (sipxdp_suspect_sources) > 0
          or on (instance)'
mutant_check "mutant caught: suspect sources paging with none flagged" mutant suspects-flagged \
	'sum by (instance) (sipxdp_suspect_sources) > 0' 'sum by (instance) (sipxdp_suspect_sources) >= 0'
mutant_check "mutant caught: RTP loss over the packets received, not expected" mutant loss-received \
	'/ (sipxdp:media_packets_expected:rate5m > 0)' '/ (sipxdp:media_packets:rate5m > 0)'
mutant_check "mutant caught: RTP loss divided without the > 0 guard (NaN)" mutant loss-nan \
	'/ (sipxdp:media_packets_expected:rate5m > 0)' '/ sipxdp:media_packets_expected:rate5m'
mutant_check "mutant caught: RTP loss with no fallback to 0" mutant loss-zero \
	'(sipxdp:media_packets_lost:rate5m or sipxdp:media_packets_expected:rate5m * 0)' \
	'sipxdp:media_packets_lost:rate5m'
mutant_check "mutant caught: RTP packets taken from one instance, not summed" mutant media-sum \
	'sum by (peer, direction) (rate(sipxdp_media_packets_total[5m]))' \
	'max by (peer, direction) (rate(sipxdp_media_packets_total[5m]))'
mutant_check "mutant caught: the MOS 10th percentile taken at another quantile" mutant mos-p10 \
	'histogram_quantile(0.1,' 'histogram_quantile(0.05,'
mutant_check "mutant caught: a MOS quantile of a peer with no stream (NaN)" mutant mos-nan \
	'rate(sipxdp_media_mos_bucket[15m])))
          and on (peer, direction) sipxdp:media_mos_count:rate15m > 0' \
	'rate(sipxdp_media_mos_bucket[15m])))'
mutant_check "mutant caught: MOS quantiles with the directions mixed" mutant mos-direction \
	'sum by (peer, direction, le)' 'sum by (peer, le)'
mutant_check "mutant caught: one-way share counting silent calls as one-way" mutant one-way-none \
	'{media="one_way"}' '{media="none"}'
mutant_check "mutant caught: one-way share leaving out calls with no media" mutant one-way-judged \
	'sum by (peer) (sipxdp:calls_media:rate15m)' \
	'sum by (peer) (sipxdp:calls_media:rate15m{media=~"two_way|one_way"})'
mutant_check "mutant caught: one-way share with no fallback to 0" mutant one-way-zero \
	'or sipxdp:calls_media_judged:rate15m * 0' 'or vector(0)'
mutant_check "mutant caught: low MOS judged by the median" mutant mos-alert-median \
	'{quantile="0.1"} < 3.5' '{quantile="0.5"} < 3.5'
mutant_check "mutant caught: low MOS paging for a few streams" mutant mos-alert-floor \
	'sipxdp:media_mos_count:rate15m * 900 >= 20' 'sipxdp:media_mos_count:rate15m * 900 >= 0'
mutant_check "mutant caught: low MOS paging at once" mutant mos-alert-for \
	'>= 20
        for: 10m' '>= 20
        for: 0m'
mutant_check "mutant caught: RTP loss paging only past 5 %" mutant loss-alert-threshold \
	'ratio_rate5m > 0.02' 'ratio_rate5m > 0.05'
mutant_check "mutant caught: RTP loss paging for a few streams" mutant loss-alert-floor \
	'sipxdp:media_packets_expected:rate5m >= 500' 'sipxdp:media_packets_expected:rate5m >= 0'
mutant_check "mutant caught: one-way alert on a share that is not rising" mutant one-way-rise \
	'> 2 * avg_over_time' '> 0 * avg_over_time'
mutant_check "mutant caught: one-way alert on a small share" mutant one-way-floor \
	'sipxdp:calls_one_way:ratio_rate15m > 0.05' 'sipxdp:calls_one_way:ratio_rate15m > 0'
mutant_check "mutant caught: one-way alert paging for a few calls" mutant one-way-volume \
	'sipxdp:calls_media_judged:rate15m * 900 >= 20' 'sipxdp:calls_media_judged:rate15m * 900 >= 0'
mutants_done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
