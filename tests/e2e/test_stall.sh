#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# An agent that stalls while calls go on: it never reports what it did not
# see. SIPp calls (tests/e2e/sipp/uac_talk.xml to uas_ring.xml: 1 s of
# ringing, the ACK one round trip after the 200, 2 s of talk) go from the
# cli namespace straight to the srv one, where `sipxdp run` watches with the
# smallest ring buffer (--ring-buffer 1). The agent is SIGSTOPped for 5 s,
# long enough for the ring to fill and events to be lost, then SIGCONTed;
# once every call has ended and the clock has run past the ACK timeout and
# 64*T1, the scrape must show: events lost (else the test proved nothing),
# every SIPp call completed (so every 2xx was ACKed and every INVITE
# answered), no ACK missing, no call unanswered, none still active, and
# some 2xx or calls unverified. Before sipxdp knew lost records for what
# they are, the same run reported missing ACKs, unanswered calls and calls
# active for good.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/e2e/test_stall.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
E2E_COUNT_FATAL=1

SCENARIOS=$E2E_LIB_DIR/sipp
RATE=200		# calls/s: about 1,200 records/s, 1 MiB of ring in ~2 s
CALLS=2400		# 12 s of calls
STALL_AFTER=3		# seconds into the calls
STALL=5
UAS_PORT=5060
UAC_PORT=5070
# After the last call: past 64*T1 (32 s) for an INVITE left waiting by the
# stall, and past the default ACK timeout (32 s too), with a margin.
SETTLE=36

e2e_setup "${1:-build}"
command -v sipp >/dev/null || e2e_die "sipp not found (scripts/install-deps.sh)"

uas_listening() { e2e_in_srv ss -Hlun "src $E2E_SRV_ADDR:$UAS_PORT" | grep -q .; }

# sipp_start NAME NS ARGS...: SIPp in the background, in a directory of its own.
sipp_start() {
	local name=$1 ns=$2 dir=$E2E_TMP/sipp-$1
	shift 2
	mkdir -p "$dir"
	(cd "$dir" && exec nsenter "--net=/run/netns/$ns" -- sipp -nostdin -trace_err \
		"$@" >"$E2E_TMP/sipp-$name.log" 2>&1) &
	E2E_BG_PIDS+=($!)
}

e2e_agent_start --ring-buffer 1
sipp_start uas "$E2E_SRV_NS" -sf "$SCENARIOS/uas_ring.xml" -i "$E2E_SRV_ADDR" -p "$UAS_PORT"
uas=${E2E_BG_PIDS[-1]}
e2e_wait_for 10 uas_listening || e2e_die "SIPp UAS not listening"
sipp_start uac "$E2E_CLI_NS" "$E2E_SRV_ADDR:$UAS_PORT" -sf "$SCENARIOS/uac_talk.xml" \
	-i "$E2E_CLI_ADDR" -p "$UAC_PORT" -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
uac=${E2E_BG_PIDS[-1]}

sleep "$STALL_AFTER"
kill -STOP "$E2E_AGENT_PID"
sleep "$STALL"
kill -CONT "$E2E_AGENT_PID"

rc=0
wait "$uac" || rc=$?
e2e_check "SIPp UAC: every call answered, ACKed and hung up (see sipp-uac.log)" "$rc" 0
sleep "$SETTLE"

e2e_in_srv curl -sf "http://$E2E_METRICS_ADDR/metrics" >"$E2E_TMP/metrics.txt"
metric() { e2e_metric "$E2E_TMP/metrics.txt" "$@"; }
positive() { [ "$1" != "(missing)" ] && [ "$1" -gt 0 ]; }

lost=$(metric sipxdp_events_lost_total)
e2e_check_cmd "events were lost during the stall (sipxdp_events_lost_total $lost)" positive "$lost"
e2e_check "2xx reported missing their ACK" "$(metric sipxdp_ack_missing_total)" 0
e2e_check "2xx reported late" "$(metric sipxdp_ack_late_total)" 0
e2e_check "calls reported unanswered" \
	"$(metric sipxdp_call_outcomes_total outcome=unanswered)" 0
e2e_check "calls still active" "$(metric sipxdp_calls_active)" 0
e2e_check "calls ended at --max-call-duration" \
	"$(metric sipxdp_calls_ended_unseen_total reason=max_duration)" 0
unverified=$(($(metric sipxdp_ack_unverified_total) +
	$(metric sipxdp_call_outcomes_total outcome=unverified)))
e2e_check_cmd "2xx or calls unverified ($unverified)" positive "$unverified"
ended=$(metric sipxdp_calls_ended_unseen_total reason=events_lost)
e2e_check_cmd "calls ended unseen at the loss ($ended)" positive "$ended"
# What was seen is still counted: the calls after the stall were completed.
completed=$(metric sipxdp_calls_completed_total)
e2e_check_cmd "calls completed ($completed)" positive "$completed"
# Every call the agent saw is accounted for, and only as what it can know:
# SIPp answered every one, so each seen INVITE ends answered or, when its
# 200 may have been among the lost records, unverified; and each answered
# one completed, or ended unseen at the loss.
attempts=$(metric sipxdp_call_attempts_total)
answered=$(metric sipxdp_call_outcomes_total outcome=answered)
e2e_check "calls seen = answered + unverified" "$attempts" \
	"$((answered + $(metric sipxdp_call_outcomes_total outcome=unverified)))"
e2e_check "answered = completed + ended unseen" "$answered" "$((completed + ended))"
e2e_check_cmd "calls seen ($attempts) at most those SIPp placed ($CALLS)" \
	test "$attempts" -le "$CALLS"

e2e_log "events lost $lost; 2xx unverified $(metric sipxdp_ack_unverified_total)," \
	"calls unverified $(metric sipxdp_call_outcomes_total outcome=unverified)," \
	"ended unseen $ended, completed $completed"
kill -TERM "$uas" 2>/dev/null || true
e2e_summary
