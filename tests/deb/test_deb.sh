#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The Debian package on a Debian 12 that has never seen the project: builds
# it (scripts/build-deb.sh, what make deb runs), installs it with apt into a
# minimal bookworm root (debootstrap --variant=minbase, nothing else), so apt
# must find every library its Depends name, and there runs
#   sipxdp --version                  the version the tree was built at
#   sipxdp replay CAPTURE --json      the same JSON as the build's binary
# (replay loads the BPF program: the root gets /proc, /sys and a bpffs of its
# own). The files it must install are checked too (dh_compress gzips the
# man page and the larger docs).
#
# The root is made once and kept as a tarball in BUILD/deb-root (debootstrap
# takes a minute or two); every run unpacks a fresh copy. The capture is one
# of the project's captures (the shared folder beside the checkout, as
# tests/replay/test_captures.py finds them), copied into the root for the run.
# Ends with "N passed, N failed"; exits 1 if a check failed.
#
# Usage (as root): tests/deb/test_deb.sh [BUILD_DIR|SIPXDP]     (default: build)
set -euo pipefail

root_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-build}
# tests/run.sh passes the binary: the build directory is where it lives.
[ -f "$build" ] && build=$(dirname "$build")
mkdir -p "$build"
build=$(cd "$build" && pwd)
shared_dir=$(dirname "$root_dir")/shared
capture=$shared_dir/captures/pcaps/sngrep_aaa.pcap
cache=$build/deb-root
tarball=$cache/bookworm-minbase.tar
passed=0
failed=0
work=

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() {
	log "$*"
	failed=$((failed + 1))
	echo "$passed passed, $failed failed"
	exit 1
}
check() {
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		log "FAIL $1: got '$2', expected '$3'"
	fi
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts, BPF)"
for tool in debootstrap dpkg-buildpackage git chroot unshare tar flock python3; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh)"
done
[ -f "$capture" ] || die "capture $capture missing (the captures live beside the project)"

cleanup() {
	local rc=$?
	# The mounts live in the unshare's mount namespace and die with it;
	# --one-file-system keeps rm off anything still mounted, whatever happened.
	[ -n "$work" ] && rm -rf --one-file-system "$work"
	exit "$rc"
}
trap cleanup EXIT

# The archive debootstrap fetches from: the host's bookworm source, the
# one apt here already reaches.
mirror() {
	awk 'BEGIN { RS = ""; FS = "\n" }
	     /Suites:[^\n]*bookworm( |\n|$)/ && /Types:[^\n]*deb/ {
	        for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, " "); print u[1]; exit }
	     }' /etc/apt/sources.list.d/debian.sources 2>/dev/null
}

prepare_root() {
	local dir=$cache/bookworm-minbase uri
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	[ -s "$tarball" ] && return 0
	uri=$(mirror)
	[ -n "$uri" ] || die "no bookworm archive in /etc/apt/sources.list.d/debian.sources"
	log "debootstrap --variant=minbase bookworm from $uri (once; kept in $tarball)"
	rm -rf --one-file-system "$dir"
	# Its own mount namespace: the /proc and /sys debootstrap mounts in the
	# target cannot outlive it.
	unshare --mount --propagation private -- \
		debootstrap --variant=minbase bookworm "$dir" "$uri" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$cache/debootstrap.log" >&2; die "debootstrap failed"; }
	# As a fresh install: no package lists, no downloaded packages.
	find "$dir/var/cache/apt" "$dir/var/lib/apt/lists" -type f -delete
	tar -C "$dir" -cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
	rm -rf --one-file-system "$dir"
}

start=$SECONDS
# What scripts/build-deb.sh stamps the binary with.
version=$(git -C "$root_dir" describe --always --dirty)
deb=$("$root_dir/scripts/build-deb.sh" "$build/deb") || die "the package did not build"
log "built $(basename "$deb") in $((SECONDS - start)) s"
prepare_root
log "root ready at $((SECONDS - start)) s"

work=$(mktemp -d "$cache/run.XXXXXX")
chroot_dir=$work/root
mkdir "$chroot_dir"
tar -C "$chroot_dir" -xf "$tarball"
cp "$deb" "$chroot_dir/root/"
cp "$capture" "$chroot_dir/root/capture.pcap"
# Name resolution and the archive as the host reaches them; the host's apt
# Acquire settings (a proxy, the date checks a snapshot archive needs).
cp -L /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
cp /etc/apt/sources.list.d/debian.sources "$chroot_dir/etc/apt/sources.list.d/"
rm -f "$chroot_dir/etc/apt/sources.list"
apt-config dump | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date)' \
	>"$chroot_dir/etc/apt/apt.conf.d/90host" || rm -f "$chroot_dir/etc/apt/apt.conf.d/90host"

cat >"$chroot_dir/root/inside.sh" <<EOF
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ./$(basename "$deb") >/root/apt.log 2>&1 ||
	{ tail -n 20 /root/apt.log; exit 1; }
sipxdp --version >/root/version.txt
sipxdp replay /root/capture.pcap --json >/root/replay.json
dpkg -L sipxdp >/root/files.txt
dpkg-query -W -f='\${Depends}\n' sipxdp >/root/depends.txt
EOF

# /proc for the loader, /sys for bpffs to mount on, /dev for /dev/null; a
# bpffs of the run's own, as on a machine that just booted. All of it in a
# mount namespace of its own, gone with it.
inside_rc=0
# shellcheck disable=SC2016 # the script's own $1 and $r, expanded inside
unshare --mount --propagation private -- bash -euc '
	r=$1
	mount -t proc proc "$r/proc"
	mount --rbind /sys "$r/sys"
	mount --rbind /dev "$r/dev"
	mount -t bpf -o mode=0700 bpf "$r/sys/fs/bpf"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root chroot "$r" /bin/bash -c "cd /root && bash /root/inside.sh"
' _ "$chroot_dir" || inside_rc=$?
check "install and run in the fresh root" "$inside_rc" 0
log "installed and ran at $((SECONDS - start)) s"
[ "$inside_rc" = 0 ] || die "the commands in the root failed"

check "sipxdp --version" "$(cat "$chroot_dir/root/version.txt")" "sipxdp $version"
check "replay --json: same as the build's binary" \
	"$(cat "$chroot_dir/root/replay.json")" "$("$build/sipxdp" replay "$capture" --json)"
check "replay counted SIP" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"]["sip"] > 0)' \
		"$chroot_dir/root/replay.json")" True
# What dpkg-shlibdeps found, apt installed: the libraries the binary links.
check "Depends names libbpf1 and libxdp1" \
	"$(grep -o 'libbpf1\|libxdp1' "$chroot_dir/root/depends.txt" | sort | tr '\n' ' ')" "libbpf1 libxdp1 "
want=(/usr/sbin/sipxdp /lib/systemd/system/sipxdp.service /etc/default/sipxdp
	/usr/share/man/man8/sipxdp.8.gz /usr/share/doc/sipxdp/metrics.md.gz
	/usr/share/sipxdp/rules/sipxdp.rules.yml /usr/share/sipxdp/dashboards/sipxdp.json)
for f in "${want[@]}"; do
	check "installs $f" "$(grep -cxF "$f" "$chroot_dir/root/files.txt")" 1
done
check "unit runs /usr/sbin/sipxdp" \
	"$(grep -c '^Exec[A-Za-z]*=+\{0,1\}/usr/sbin/sipxdp ' "$chroot_dir/lib/systemd/system/sipxdp.service")" 2
check "dashboard as in the tree" \
	"$(cmp -s "$root_dir/dashboards/sipxdp.json" "$chroot_dir/usr/share/sipxdp/dashboards/sipxdp.json" && echo same)" same

log "done in $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
