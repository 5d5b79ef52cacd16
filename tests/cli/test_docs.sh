#!/usr/bin/env bash
# The documentation against the binary, so that neither can drift:
#   - docs/sipxdp.8 renders without a warning from man or groff;
#   - each command's section of the man page names exactly the long options
#     its --help names, and the page names no option that no --help does;
#   - docs/metrics.md has a section for every metric family a live agent
#     writes and for no other, and the man page names each family;
#   - docs/json.md has a row for every key of the JSON documents and for no
#     other (the documents of three captures replayed, one with a call's RTP,
#     and of a live agent).
# The live agent runs on the loopback of a network namespace of its own.
# Usage (as root): test_docs.sh SIPXDP_BINARY [CAPTURES_DIR]
# CAPTURES_DIR: the reference captures (default: those test_cli.sh uses,
# beside the checkout).
set -uo pipefail

bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
beside=$(cd "$root/.." && pwd)
captures=${2:-"$beside/shared"/captures/pcaps}
man_page=$root/docs/sipxdp.8
tmp=$(mktemp -d)
ns=sxd-$$-doc
pin_dir=/sys/fs/bpf/sxd-doc-$$
agent_pid=
passed=0
failed=0

cleanup() {
	if [ -n "$agent_pid" ]; then
		kill -TERM "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	[ -d "$pin_dir" ] && "$bin" unload --pin-dir "$pin_dir" >/dev/null 2>&1
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s "$tmp/why" ] && sed 's/^/    /' "$tmp/why" | head -20
}
# check NAME COMMAND...: passes when COMMAND succeeds; its output says why not.
check() {
	local name=$1
	shift
	if "$@" >"$tmp/why" 2>&1; then
		pass
	else
		fail "$name"
	fi
	rm -f "$tmp/why"
}

# --- the man page renders cleanly
man_quiet() {
	local out
	out=$(MANWIDTH=80 man --warnings -l "$man_page" 2>&1 >/dev/null) || return 1
	[ -z "$out" ] || { echo "$out"; return 1; }
}
groff_quiet() {
	local out
	out=$(groff -man -ww -z "$man_page" 2>&1) || return 1
	[ -z "$out" ] || { echo "$out"; return 1; }
}
check "man --warnings -l docs/sipxdp.8 warns" man_quiet
check "groff -man -ww -z docs/sipxdp.8 warns" groff_quiet

# --- the options of the man page and of every --help are the same
commands=(run stats top acks calls media redirects suspects replay unload)
"$bin" --help >"$tmp/help-main.txt"
for cmd in "${commands[@]}"; do
	"$bin" "$cmd" --help >"$tmp/help-$cmd.txt"
done
options_agree() {
	python3 - "$man_page" "$tmp" "${commands[@]}" <<'EOF'
import re, sys

man_page, tmp, commands = sys.argv[1], sys.argv[2], sys.argv[3:]
option = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")


def man_text(src):
    """The page's text as a reader sees it: dashes and fonts undone."""
    src = src.replace("\\-", "-").replace("\\e", "\\")
    return re.sub(r"\\f[BIRP]|\\f\(..|\\f\[[^]]*\]", "", src)


sections, name = {}, None
for line in open(man_page):
    if line.startswith(".\\\""):
        continue
    m = re.match(r'\.SH\s+"?([^"\n]*)"?', line)
    if m:
        name = m.group(1).strip()
        continue
    sections.setdefault(name, []).append(man_text(line))
opts = {k: set(option.findall("".join(v))) for k, v in sections.items()}
everywhere = set().union(*opts.values())
bad = 0
in_help = set()
for cmd in commands:
    help_opts = set(option.findall(open(f"{tmp}/help-{cmd}.txt").read()))
    in_help |= help_opts
    section = f"THE {cmd.upper()} COMMAND"
    if section not in opts:
        print(f"the man page has no section {section!r}")
        bad = 1
        continue
    for o in sorted(help_opts - opts[section]):
        print(f"{cmd}: {o} is in `sipxdp {cmd} --help` but not in the man page's {section}")
        bad = 1
    for o in sorted(opts[section] - help_opts):
        print(f"{cmd}: {o} is in the man page's {section} but not in `sipxdp {cmd} --help`")
        bad = 1
main_opts = set(option.findall(open(f"{tmp}/help-main.txt").read()))
in_help |= main_opts
for o in sorted(main_opts - everywhere):
    print(f"{o} is in `sipxdp --help` but nowhere in the man page")
    bad = 1
for o in sorted(everywhere - in_help):
    print(f"{o} is in the man page but in no --help")
    bad = 1
sys.exit(bad)
EOF
}
check "the man page's options and those of the --help texts differ" options_agree

# --- a live agent, on the loopback of a namespace of its own
agent_up() {
	nsenter --net="/run/netns/$ns" curl -sf -o /dev/null http://127.0.0.1:9360/metrics
}
start_agent() {
	ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	printf '10.1.0.0/16 carrier-a\n2001:db8:5::/48 carrier-b\n' >"$tmp/peers"
	nsenter --net="/run/netns/$ns" "$bin" run -i lo --pin-dir "$pin_dir" \
		--listen 127.0.0.1:9360 --peers "$tmp/peers" --per-source-metrics 5 \
		>"$tmp/agent.log" 2>&1 &
	agent_pid=$!
	for _ in $(seq 100); do
		agent_up && return 0
		kill -0 "$agent_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$tmp/agent.log"
	return 1
}
fetch() {
	local path
	for path in metrics stats.json acks.json calls.json media.json redirects.json suspects.json; do
		nsenter --net="/run/netns/$ns" curl -sf "http://127.0.0.1:9360/$path" \
			>"$tmp/live-$path" || return 1
	done
}
if [ "$(id -u)" -ne 0 ]; then
	fail "needs root: the live agent's metrics and JSON cannot be checked"
elif start_agent && fetch; then
	pass
else
	fail "no live agent to read the metrics and JSON of (agent log above)"
fi

# --- docs/metrics.md and the man page name every family, and only those
metrics_agree() {
	python3 - "$tmp/live-metrics" "$root/docs/metrics.md" "$man_page" <<'EOF'
import re, sys

scrape, doc, man_page = sys.argv[1:]
families, samples = set(), set()
for line in open(scrape):
    m = re.match(r"# TYPE (\S+) (\S+)", line)
    if m:
        families.add(m.group(1))
    elif line.strip() and not line.startswith("#"):
        samples.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
if len(families) < 30:
    print(f"the scrape has only {len(families)} families: not a full agent")
    sys.exit(1)
names = re.compile(r"sipxdp_[a-z0-9_]*[a-z0-9]")
text = open(doc).read()
headings = set(re.findall(r"^### `(sipxdp_[a-z0-9_]+)`", text, re.M))
bad = 0
for f in sorted(families - headings):
    print(f"docs/metrics.md has no section for {f}")
    bad = 1
for f in sorted(headings - families):
    print(f"docs/metrics.md has a section for {f}, which the agent does not write")
    bad = 1
for f in sorted(set(names.findall(text)) - families - samples):
    print(f"docs/metrics.md names {f}, which the agent does not write")
    bad = 1
man = open(man_page).read()
section = man[man.index(".SH METRICS"):]
section = section[:section.index("\n.SH", 1)]
in_man = set(names.findall(section))
for f in sorted(families - in_man):
    print(f"the man page's METRICS does not name {f}")
    bad = 1
for f in sorted(set(names.findall(man)) - families - samples):
    print(f"the man page names {f}, which the agent does not write")
    bad = 1
sys.exit(bad)
EOF
}
if [ -s "$tmp/live-metrics" ]; then
	check "docs/metrics.md or the man page and the live scrape's families differ" metrics_agree
fi

# --- docs/json.md has a row for every key, and only for those
replays=()
for f in local_kamailio_sipp_lo.pcapng heplify_sip_ipv4_tcp_fragmented.pcap heplify_rtp_rtcp_sip_ipv4_udp.pcap; do
	if [ -f "$captures/$f" ] && "$bin" replay --json "$captures/$f" >"$tmp/replay-$f.json" 2>/dev/null; then
		replays+=("$tmp/replay-$f.json")
	else
		fail "replay --json $captures/$f: the JSON keys need these captures"
	fi
done
json_agree() {
	python3 - "$root/docs/json.md" "$tmp" "${replays[@]}" <<'EOF'
import json, re, sys

doc, tmp, replays = sys.argv[1], sys.argv[2], sys.argv[3:]
VARYING = {"codes": "CODE", "requests": "METHOD"}


def paths(value, prefix=""):
    """Every key path of a document: lists as [], varying keys by name."""
    out = set()
    if isinstance(value, dict):
        last = prefix.rsplit(".", 1)[-1]
        for k, v in value.items():
            key = VARYING.get(last, k)
            p = f"{prefix}.{key}" if prefix else key
            out.add(p)
            out |= paths(v, p)
    elif isinstance(value, list):
        for e in value:
            if isinstance(e, (dict, list)):
                out |= paths(e, prefix + "[]")
    return out


# The documented paths of each "## `COMMAND --json`" section.
documented, section = {}, None
for line in open(doc):
    m = re.match(r"## `(\w+) --json`", line)
    if m:
        section = m.group(1)
        documented[section] = set()
        continue
    if line.startswith("## "):
        section = None
    m = re.match(r"\| `([^`]+)` \|", line)
    if section and m:
        documented[section].add(m.group(1))


def load(name):
    return json.load(open(f"{tmp}/live-{name}.json"))


stats = set()
for f in replays:
    stats |= paths(json.load(open(f)))
stats |= paths(load("stats"))
acks = {p[len("acks."):] for p in stats if p.startswith("acks.")}
stats = {p for p in stats if not p.startswith("acks.")}
want = {
    "stats": stats,
    "acks": acks | paths(load("acks")),
    "calls": set(load("calls")),
    "media": set(load("media")),
    "redirects": set(load("redirects")),
    "suspects": set(load("suspects")),
}
bad = 0
for name, keys in want.items():
    have = documented.get(name, set())
    for p in sorted(keys - have):
        print(f"docs/json.md, `{name} --json`: no row for {p}")
        bad = 1
    for p in sorted(have - keys):
        print(f"docs/json.md, `{name} --json`: a row for {p}, which is not in the document")
        bad = 1
sys.exit(bad)
EOF
}
if [ ${#replays[@]} -eq 3 ] && [ -s "$tmp/live-stats.json" ]; then
	check "docs/json.md and the JSON documents' keys differ" json_agree
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
