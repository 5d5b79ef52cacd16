# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# The end-to-end topology, shared by tests/e2e/test_*.sh and scripts/demo.sh:
#
#   netns $E2E_CLI_NS                       netns $E2E_SRV_NS
#   sipclient.py ── $E2E_CLI_IF ══ veth ══ $E2E_SRV_IF ── Kamailio, sipxdp run
#   $E2E_CLI_ADDR, $E2E_CLI_ADDR6            $E2E_SRV_ADDR, $E2E_SRV_ADDR6
#                                            (/metrics on its loopback)
#
# Every name carries the PID of the script, so parallel runs do not clash,
# and only addresses inside these namespaces are ever used. e2e_setup installs
# a trap that tears everything down on any exit. Commands run in a namespace
# through nsenter, not `ip netns exec`, which remounts /sys and so hides
# /sys/fs/bpf, where the agent pins its maps.
#
# Usage: source lib.sh; e2e_setup BUILD_DIR; e2e_kamailio_start; e2e_agent_start ...

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

E2E_SRV_NS=sxd-$$-srv
E2E_CLI_NS=sxd-$$-cli
E2E_SRV_IF=sxd-s$$		# interface names: at most 15 bytes
E2E_CLI_IF=sxd-c$$
E2E_SRV_ADDR=10.201.0.1
E2E_CLI_ADDR=10.201.0.2
E2E_PREFIX_LEN=24
E2E_SRV_ADDR6=fd00:5ad::1
E2E_CLI_ADDR6=fd00:5ad::2
E2E_PREFIX_LEN6=64
E2E_SIP_PORT=5060
E2E_METRICS_ADDR=127.0.0.1:9360	# in the srv namespace: no clash with the host's
# The Contact of Kamailio's 301: an address that is never sent to.
E2E_REDIRECT_TARGET="sip:moved@10.201.0.99:5080;transport=udp"
E2E_PIN_DIR=/sys/fs/bpf/sxd-test-$$

E2E_SIPXDP=			# the binary, set by e2e_setup
E2E_STDOUT=			# file descriptors: the script's stdout and stderr
E2E_STDERR=
E2E_TMP=			# scratch directory, removed at exit
E2E_AGENT_PID=
E2E_KAMAILIO_PID=
E2E_BG_PIDS=()			# other background processes (prometheus, ...)
E2E_EXTRA_NS=()			# more namespaces a test made (sxd-$$-NAME), deleted at exit
E2E_EXTRA_PIN_DIRS=()		# pin dirs of more agents (/sys/fs/bpf/sxd-test-NAME-$$), unloaded at exit
E2E_PASSED=0
E2E_FAILED=0
E2E_SUMMARIZED=0
E2E_COUNT_FATAL=0		# tests set 1: a fatal error is a failed check, summed up

e2e_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
e2e_die() { e2e_log "$*"; exit 1; }

# Background processes start as "${E2E_IN_SRV[@]}" CMD &, not through the
# functions, so that $! is the process itself (nsenter execs it), not a subshell.
E2E_IN_SRV=(nsenter "--net=/run/netns/$E2E_SRV_NS" --)
E2E_IN_CLI=(nsenter "--net=/run/netns/$E2E_CLI_NS" --)
e2e_in_srv() { "${E2E_IN_SRV[@]}" "$@"; }
e2e_in_cli() { "${E2E_IN_CLI[@]}" "$@"; }

# Waits up to $1 seconds for the command after it to succeed.
e2e_wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# Sends SIGTERM to a process of ours and waits up to 10 s for it; SIGKILL after.
e2e_stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	e2e_wait_for 10 e2e_pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

e2e_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# Runs at every exit: processes first (they hold the namespaces), then the
# pins, the namespaces (deleting one deletes its veth end and whatever was
# attached to it) and the scratch directory.
e2e_teardown() {
	local rc=$? pid ns dir
	# A subshell the signal interrupted: the script itself tears down.
	[ "$BASHPID" = "$$" ] || exit "$rc"
	trap - EXIT INT TERM
	set +e
	# A signal may land inside a redirected command (e2e_wait_for's):
	# report on the script's own stdout and stderr.
	exec 1>&"$E2E_STDOUT" 2>&"$E2E_STDERR"
	for pid in "${E2E_BG_PIDS[@]}" $E2E_AGENT_PID $E2E_KAMAILIO_PID; do
		e2e_stop_pid "$pid"
	done
	for dir in "$E2E_PIN_DIR" "${E2E_EXTRA_PIN_DIRS[@]}"; do
		[ -d "$dir" ] || continue
		[ -x "$E2E_SIPXDP" ] && "$E2E_SIPXDP" unload --pin-dir "$dir" >/dev/null 2>&1
		rm -rf "$dir"
	done
	ip netns del "$E2E_SRV_NS" 2>/dev/null
	ip netns del "$E2E_CLI_NS" 2>/dev/null
	for ns in "${E2E_EXTRA_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$E2E_TMP" ]; then
		[ "$rc" -ne 0 ] && e2e_dump_logs
		rm -rf "$E2E_TMP"
	fi
	if [ "$rc" -ne 0 ] && [ "$E2E_COUNT_FATAL" = 1 ] && [ "$E2E_SUMMARIZED" = 0 ]; then
		E2E_FAILED=$((E2E_FAILED + 1))
		e2e_summary
	fi
	exit "$rc"
}

# On failure, the logs of what ran: the reason is usually in there.
e2e_dump_logs() {
	local f
	for f in "$E2E_TMP"/*.log; do
		[ -s "$f" ] || continue
		printf '%s: --- last lines of %s ---\n' "${0##*/}" "${f##*/}" >&2
		tail -n 30 "$f" >&2
	done
}

# e2e_setup BUILD: checks the tools, installs the trap, builds the topology.
# BUILD is the build directory or the sipxdp binary in it (tests/run.sh's way).
e2e_setup() {
	local build=${1:?usage: e2e_setup BUILD_DIR|SIPXDP} tool
	[ "$(id -u)" -eq 0 ] || e2e_die "needs root (namespaces, BPF)"
	for tool in ip tc nsenter bpftool python3 curl kamailio; do
		command -v "$tool" >/dev/null || e2e_die "$tool not found (scripts/install-deps.sh)"
	done
	[ -d "$build" ] && build=$build/sipxdp
	[ -x "$build" ] || e2e_die "$build not built (make)"
	E2E_SIPXDP=$(realpath "$build")
	exec {E2E_STDOUT}>&1 {E2E_STDERR}>&2
	trap e2e_teardown EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	E2E_TMP=$(mktemp -d "/tmp/sxd-$$.XXXXXX")
	e2e_reap_stale
	e2e_topology_up
}

# What a run killed too hard for its trap (SIGKILL) left: the namespaces and
# pins named after a process that is gone (the PID ends a pin dir's name).
e2e_reap_stale() {
	local name pid
	for name in $(ip netns list | grep -oE '^sxd-[0-9]+-[a-z]+'); do
		pid=${name#sxd-}
		pid=${pid%-*}
		kill -0 "$pid" 2>/dev/null || ip netns del "$name"
	done
	for name in /sys/fs/bpf/sxd-test-*; do
		[ -d "$name" ] || continue
		kill -0 "${name##*-}" 2>/dev/null && continue
		"$E2E_SIPXDP" unload --pin-dir "$name" >/dev/null 2>&1 || rm -rf "$name"
	done
}

e2e_topology_up() {
	ip netns add "$E2E_SRV_NS"
	ip netns add "$E2E_CLI_NS"
	# Created straight into the namespaces: the names never meet the host's.
	ip link add "$E2E_SRV_IF" netns "$E2E_SRV_NS" type veth \
		peer name "$E2E_CLI_IF" netns "$E2E_CLI_NS"
	ip -n "$E2E_SRV_NS" addr add "$E2E_SRV_ADDR/$E2E_PREFIX_LEN" dev "$E2E_SRV_IF"
	ip -n "$E2E_CLI_NS" addr add "$E2E_CLI_ADDR/$E2E_PREFIX_LEN" dev "$E2E_CLI_IF"
	# nodad: usable at once, not after duplicate address detection.
	ip -n "$E2E_SRV_NS" addr add "$E2E_SRV_ADDR6/$E2E_PREFIX_LEN6" dev "$E2E_SRV_IF" nodad
	ip -n "$E2E_CLI_NS" addr add "$E2E_CLI_ADDR6/$E2E_PREFIX_LEN6" dev "$E2E_CLI_IF" nodad
	ip -n "$E2E_SRV_NS" link set lo up
	ip -n "$E2E_CLI_NS" link set lo up
	ip -n "$E2E_SRV_NS" link set "$E2E_SRV_IF" up
	ip -n "$E2E_CLI_NS" link set "$E2E_CLI_IF" up
	e2e_wait_for 10 e2e_veth_up || e2e_die "$E2E_SRV_IF/$E2E_CLI_IF did not come up"
}

e2e_veth_up() {
	ip -n "$E2E_SRV_NS" link show dev "$E2E_SRV_IF" | grep -q 'state UP' &&
		ip -n "$E2E_CLI_NS" link show dev "$E2E_CLI_IF" | grep -q 'state UP'
}

e2e_kamailio_listening() {
	e2e_in_srv ss -Hlun "src $E2E_SRV_ADDR:$E2E_SIP_PORT" | grep -q . &&
		e2e_in_srv ss -Hlun "src [$E2E_SRV_ADDR6]:$E2E_SIP_PORT" | grep -q .
}

# e2e_kamailio_run CFG SHM_MB READY KAMAILIO_ARGS...: Kamailio in the srv
# namespace, in the foreground (-DD), with config CFG (beside this file) and
# SHM_MB of shared memory, logging to $E2E_TMP/kamailio.log, with its pid
# file and runtime files in $E2E_TMP; it waits until the command READY says
# it listens.
e2e_kamailio_run() {
	local cfg=$1 shm=$2 ready=$3 rundir=$E2E_TMP/kamailio
	shift 3
	mkdir -p "$rundir"
	"${E2E_IN_SRV[@]}" kamailio -DD -E -f "$E2E_LIB_DIR/$cfg" \
		-P "$rundir/kamailio.pid" -Y "$rundir" -m "$shm" -M 8 "$@" \
		>"$E2E_TMP/kamailio.log" 2>&1 &
	E2E_KAMAILIO_PID=$!
	e2e_wait_for 10 "$ready" || e2e_die "kamailio did not start"
}

e2e_kamailio_start() {
	e2e_kamailio_run kamailio.cfg 32 e2e_kamailio_listening \
		-l "udp:$E2E_SRV_ADDR:$E2E_SIP_PORT" -l "tcp:$E2E_SRV_ADDR:$E2E_SIP_PORT" \
		-l "udp:[$E2E_SRV_ADDR6]:$E2E_SIP_PORT" -l "tcp:[$E2E_SRV_ADDR6]:$E2E_SIP_PORT" \
		-A "REDIRECT_TARGET=\"$E2E_REDIRECT_TARGET\""
}

# The proxy topology (test_proxy.sh, test_media.sh, bench/bench_proxy.sh):
# lib.sh's pair of namespaces is the UAC's and the proxy's ("srv"); a third,
# $UAS_NS, holds the UAS behind a second veth of the proxy's.
#
# e2e_proxy_names NET NET6: its names, and addresses on networks of the
# caller's own (NET.1.0/24 the UAC's hop, NET.2.0/24 the UAS's, NET6:1::/64),
# so that a run beside the other tests and benches never meets theirs;
# IN_UAS runs a command in the UAS's namespace.
e2e_proxy_names() {
	E2E_SRV_ADDR=$1.1.1
	E2E_CLI_ADDR=$1.1.2
	E2E_SRV_ADDR6=$2:1::1
	E2E_CLI_ADDR6=$2:1::2
	UAS_NS=sxd-$$-uas
	PRX_IF2=sxd-p$$
	UAS_IF=sxd-u$$
	PRX_ADDR2=$1.2.1
	UAS_ADDR=$1.2.2
	# shellcheck disable=SC2034 # for the scripts that call it
	IN_UAS=(nsenter "--net=/run/netns/$UAS_NS" --)
}

e2e_proxy_topology_up() {
	ip netns add "$UAS_NS"
	E2E_EXTRA_NS+=("$UAS_NS")
	ip link add "$PRX_IF2" netns "$E2E_SRV_NS" type veth peer name "$UAS_IF" netns "$UAS_NS"
	ip -n "$E2E_SRV_NS" addr add "$PRX_ADDR2/24" dev "$PRX_IF2"
	ip -n "$UAS_NS" addr add "$UAS_ADDR/24" dev "$UAS_IF"
	ip -n "$UAS_NS" link set lo up
	ip -n "$E2E_SRV_NS" link set "$PRX_IF2" up
	ip -n "$UAS_NS" link set "$UAS_IF" up
	e2e_wait_for 10 e2e_proxy_veth_up || e2e_die "$PRX_IF2/$UAS_IF did not come up"
}

e2e_proxy_veth_up() {
	ip -n "$E2E_SRV_NS" link show dev "$PRX_IF2" | grep -q 'state UP' &&
		ip -n "$UAS_NS" link show dev "$UAS_IF" | grep -q 'state UP'
}

e2e_proxy_listening() {
	e2e_in_srv ss -Hlun "src $E2E_SRV_ADDR:5060" | grep -q . &&
		e2e_in_srv ss -Hlun "src $PRX_ADDR2:5060" | grep -q .
}

# e2e_kamailio_proxy_start SHM_MB: Kamailio as the stateful proxy between
# the two (kamailio-proxy.cfg), with SHM_MB of shared memory for its
# transactions.
e2e_kamailio_proxy_start() {
	e2e_kamailio_run kamailio-proxy.cfg "$1" e2e_proxy_listening \
		-l "udp:$E2E_SRV_ADDR:5060" -l "udp:$PRX_ADDR2:5060" -A "UAS_ADDR=\"$UAS_ADDR\""
}

e2e_metrics_up() {
	e2e_in_srv curl -sf -o /dev/null "http://$E2E_METRICS_ADDR/metrics"
}

e2e_xdp_attached() {
	ip -n "$E2E_SRV_NS" link show dev "$E2E_SRV_IF" | grep -q 'prog/xdp'
}

# e2e_agent_start [ARGS...]: `sipxdp run` on the srv veth, on the test's own
# pin dir, logging to $E2E_TMP/agent.log; returns once attached and serving.
e2e_agent_start() {
	"${E2E_IN_SRV[@]}" "$E2E_SIPXDP" run -i "$E2E_SRV_IF" --pin-dir "$E2E_PIN_DIR" \
		--listen "$E2E_METRICS_ADDR" "$@" >>"$E2E_TMP/agent.log" 2>&1 &
	E2E_AGENT_PID=$!
	if ! e2e_wait_for 15 e2e_agent_ready; then
		kill -0 "$E2E_AGENT_PID" 2>/dev/null || e2e_die "sipxdp run exited"
		e2e_die "sipxdp run not attached and serving /metrics after 15 s"
	fi
}

e2e_agent_ready() {
	kill -0 "$E2E_AGENT_PID" && e2e_xdp_attached && e2e_metrics_up
}

# SIGTERM to the agent; returns its exit status.
e2e_agent_stop() {
	local pid=$E2E_AGENT_PID rc=0
	E2E_AGENT_PID=
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	return "$rc"
}

# e2e_sipxdp ARGS...: a CLI command on the test's pin dir, in the srv namespace.
e2e_sipxdp() {
	local cmd=$1
	shift
	e2e_in_srv "$E2E_SIPXDP" "$cmd" --pin-dir "$E2E_PIN_DIR" "$@"
}

# tests/e2e/sipclient.py in the cli namespace, to Kamailio over IPv4 or IPv6;
# more arguments follow (see its --help).
E2E_CLIENT=("${E2E_IN_CLI[@]}" python3 "$E2E_LIB_DIR/sipclient.py" --port "$E2E_SIP_PORT"
	--server "$E2E_SRV_ADDR" --local "$E2E_CLI_ADDR")
E2E_CLIENT6=("${E2E_IN_CLI[@]}" python3 "$E2E_LIB_DIR/sipclient.py" --port "$E2E_SIP_PORT"
	--server "$E2E_SRV_ADDR6" --local "$E2E_CLI_ADDR6")

# e2e_client [-6] ARGS...: the client in the foreground, its JSON summary on stdout.
e2e_client() {
	if [ "${1:-}" = -6 ]; then
		shift
		"${E2E_CLIENT6[@]}" "$@"
	else
		"${E2E_CLIENT[@]}" "$@"
	fi
}

# e2e_sipp_start NAME NS SIPP_ARGS...: SIPp in the background in network
# namespace NS, in a directory of its own, $E2E_TMP/sipp-NAME (its
# -trace_counts and -trace_err files land there), logging to
# $E2E_TMP/sipp-NAME.log; its pid in E2E_SIPP_PIDS[NAME]. -nostdin: no
# terminal here; -timeout_error: a run stopped by the caller's global
# -timeout (there so that nothing outlives a broken run) fails.
declare -A E2E_SIPP_PIDS
e2e_sipp_start() {
	local name=$1 ns=$2 dir=$E2E_TMP/sipp-$1
	shift 2
	mkdir -p "$dir"
	(cd "$dir" && exec nsenter "--net=/run/netns/$ns" -- sipp -nostdin -trace_err \
		-timeout_error "$@" >"$E2E_TMP/sipp-$name.log" 2>&1) &
	E2E_SIPP_PIDS[$name]=$!
	E2E_BG_PIDS+=($!)
}

# e2e_sipp_wait NAME [RC]: its exit status must be RC: 0 (the default) when
# every call went as its scenario says, 1 when some failed (SIPp counts a
# call that timed out waiting, even into an ontimeout label, as failed).
e2e_sipp_wait() {
	local rc=0
	wait "${E2E_SIPP_PIDS[$1]}" || rc=$?
	e2e_check "SIPp $1: exit status (see sipp-$1.log)" "$rc" "${2:-0}"
}

# e2e_json FILE PATH: a value of a JSON document. PATH is dot-separated keys;
# [key=value] picks the element of a list whose key has that value, [*] takes
# every element (the rest of the path applies to each, the results sorted):
#   e2e_json stats.json 'sources[addr=10.201.0.1].codes.200'
#   e2e_json acks.json 'missed[*].call_id'
# Prints numbers and strings as they are, lists and objects as sorted JSON,
# and "(missing)" when the path leads nowhere.
e2e_json() {
	python3 - "$1" "$2" <<'EOF'
import json, re, sys

MISSING = object()


def walk(doc, parts):
    if not parts:
        return doc
    part, rest = parts[0], parts[1:]
    if part == "[*]":
        if not isinstance(doc, list):
            return MISSING
        found = (walk(e, rest) for e in doc)
        return sorted((f for f in found if f is not MISSING), key=json.dumps)
    if part.startswith("["):
        key, _, want = part[1:-1].partition("=")
        found = [e for e in doc if isinstance(e, dict) and str(e.get(key)) == want] \
            if isinstance(doc, list) else []
        return walk(found[0], rest) if len(found) == 1 else MISSING
    if isinstance(doc, dict) and part in doc:
        return walk(doc[part], rest)
    return MISSING


value = walk(json.load(open(sys.argv[1])), re.findall(r"\[[^\]]*\]|[^.\[\]]+", sys.argv[2]))
if value is MISSING:
    print("(missing)")
elif isinstance(value, (int, str)) and not isinstance(value, bool):
    print(value)
else:
    print(json.dumps(value, sort_keys=True))
EOF
}

# e2e_metric FILE NAME [LABEL=VALUE...]: the sum of the samples of NAME in a
# Prometheus text exposition whose labels include all those given; "(missing)"
# when no sample matches. Integral values print as integers.
e2e_metric() {
	python3 - "$@" <<'EOF'
import re, sys

path, name, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
unescape = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
total, found = 0.0, False
for line in open(path):
    m = sample.match(line.strip())
    if not m or m.group(1) != name:
        continue
    labels = {k: re.sub(r'\\[\\"n]', lambda e: unescape[e.group(0)], v)
              for k, v in label.findall(m.group(2) or "")}
    if all(labels.get(k) == v for k, v in want.items()):
        total += float(m.group(3))
        found = True
print(("%d" % total if total == int(total) else repr(total)) if found else "(missing)")
EOF
}

# e2e_check NAME ACTUAL EXPECTED: one check, counted; says what differed.
e2e_check() {
	if [ "$2" = "$3" ]; then
		E2E_PASSED=$((E2E_PASSED + 1))
	else
		E2E_FAILED=$((E2E_FAILED + 1))
		e2e_log "FAIL $1: got '$2', expected '$3'"
	fi
}

# e2e_check_cmd NAME CMD...: a check that CMD succeeds.
e2e_check_cmd() {
	local name=$1
	shift
	if "$@"; then
		E2E_PASSED=$((E2E_PASSED + 1))
	else
		E2E_FAILED=$((E2E_FAILED + 1))
		e2e_log "FAIL $name: '$*' failed"
	fi
}

# The last line of every test script; the exit status follows the checks.
e2e_summary() {
	E2E_SUMMARIZED=1
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
	[ "$E2E_FAILED" -eq 0 ]
}

# e2e_maps_gone ID...: none of these BPF maps exists any more.
e2e_maps_gone() {
	local id
	for id in "$@"; do
		! bpftool map show id "$id" >/dev/null 2>&1 || return 1
	done
}

# What is attached to the srv veth: XDP, TC filters, and bpftool's view of both.
e2e_attachments() {
	ip -n "$E2E_SRV_NS" -d link show dev "$E2E_SRV_IF" | grep -o 'prog/xdp.*' || true
	tc -n "$E2E_SRV_NS" filter show dev "$E2E_SRV_IF" egress
	tc -n "$E2E_SRV_NS" filter show dev "$E2E_SRV_IF" ingress
	e2e_in_srv bpftool -j net show dev "$E2E_SRV_IF" | python3 -c 'import json, sys
for dev in json.load(sys.stdin):
    for kind in ("xdp", "tc", "tcx"):
        for prog in dev.get(kind, []):
            print(kind, json.dumps(prog, sort_keys=True))'
}
