#!/usr/bin/env bash
# Installs every Debian 12 package that sipxdp's build, tests, benchmarks and
# Debian package need.
# Idempotent: does nothing when everything is present. Run as root (the Makefile
# calls it when a tool or header is missing).
set -euo pipefail

# Build: the compilers, bpftool for skeletons, and the libraries sipxdp links.
BUILD_PKGS=(make gcc clang llvm bpftool libbpf-dev libxdp-dev libelf-dev zlib1g-dev
            libpcap-dev libmicrohttpd-dev)
# Tests: namespaces and veth (iproute2), a real SIP server, a real Prometheus
# (and promtool), python3 for the SIP client and JSON checks (python3-yaml reads
# the rules for the dashboard's test), curl for scrapes,
# clang's sanitizer and libFuzzer runtimes for the fuzzers (only recommended
# by clang, so not installed with it here).
# The Linux 6.1 guest (make vmtest): qemu, busybox for its init, cpio for its
# initramfs, xz/zstd to unpack the kernel and modules, xdp-tools' xdp-loader
# and programs for the dispatcher test; strace holds a command mid-way in the
# unload test; sip-tester is SIPp, the UAC and UAS of the proxy and media tests;
# sipvicious (svmap, svwar, svcrack) is the scanner of the suspects test; systemd
# brings systemd-analyze, which checks the unit (tests/e2e/test_unit.sh);
# nftables makes the RTP loss of the media test (the kernels it runs on have
# no sch_netem), whose truth tshark (dumpcap) captures and analyses; procps's
# sysctl turns on forwarding in the media test's proxy namespace, and IPv6 off
# in bench_path's.
# Benchmarks (bench_path): tcpreplay plays packets into a veth; tshark is the
# CPU yardstick. man-db and groff-base check that the man page renders.
TEST_PKGS=(iproute2 kamailio prometheus python3 python3-yaml curl libclang-rt-dev
           qemu-system-x86 busybox-static cpio xz-utils zstd xdp-tools strace
           sip-tester sipvicious tcpreplay tshark nftables procps man-db groff-base
           systemd)

# The Debian package (make deb): debhelper and dpkg-dev build it (and
# dpkg-buildpackage checks for build-essential); its test
# (tests/deb/) installs it into a root that debootstrap makes.
DEB_PKGS=(build-essential debhelper dpkg-dev debootstrap)

# --build-only: the build; --deb: the build and the package; no option:
# everything, the tests included (make test runs the package's test too).
want=("${BUILD_PKGS[@]}")
case ${1:-} in
--build-only) ;;
--deb) want+=("${DEB_PKGS[@]}") ;;
"") want+=("${TEST_PKGS[@]}" "${DEB_PKGS[@]}") ;;
*)
	echo "usage: $0 [--build-only|--deb]" >&2
	exit 2
	;;
esac

missing=()
for pkg in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root: sudo $0" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services from these packages (prometheus, kamailio) must not start on install:
# the tests start their own instances on loopback and in namespaces.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
