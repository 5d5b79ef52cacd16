#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Runs sipxdp's BPF tests, or the verifier benchmark, in a Linux 6.1 guest:
# Debian 12's own kernel under qemu, booted from an initramfs this script
# packs (busybox, iproute2, bpftool, xdp-loader, the test binaries and their
# libraries). In the spirit of the kernel selftests' and libbpf-bootstrap's
# vmtest.sh; make vmtest and make vmbench call it.
#
#   tests/vm/vmtest.sh [--bench] BUILD_DIR
#
# The last line is the guest's summed "N passed, N failed" with its kernel
# (tests/run.sh sums it like any suite); exit status 1 on any failure, on a
# missing summary or when the guest runs out of time.
#
# Environment:
#   SIPXDP_VMTEST_CACHE    where the kernel is kept
#                          (default ${XDG_CACHE_HOME:-$HOME/.cache}/sipxdp-vmtest)
#   SIPXDP_VMTEST_ACCEL    auto (default: KVM if it boots the guest, else TCG),
#                          kvm or tcg
#   SIPXDP_VMTEST_TIMEOUT  seconds the whole guest may take (default 1200)
#   SIPXDP_VMTEST_MEM      guest memory in MiB (default 1024)
#   SIPXDP_VMTEST_SMP      guest CPUs (default 2: per-CPU maps are summed)
set -euo pipefail

mode="test"
if [ "${1:-}" = --bench ]; then
	mode=bench
	shift
fi
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
vm_dir=$root/tests/vm
cache=${SIPXDP_VMTEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/sipxdp-vmtest}
accel=${SIPXDP_VMTEST_ACCEL:-auto}
timeout_s=${SIPXDP_VMTEST_TIMEOUT:-1200}
mem=${SIPXDP_VMTEST_MEM:-1024}
smp=${SIPXDP_VMTEST_SMP:-2}
work=$build/vm			# the initramfs and the console log of the last run
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
# The modules the tests need that Debian builds as modules: veth for the
# attach test, sch_ingress (clsact) and cls_bpf for TC.
modules=(veth sch_ingress cls_bpf)

log() { printf 'vmtest: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

for tool in qemu-system-x86_64 busybox cpio apt-get dpkg xz ip tc bpftool xdp-loader; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh installs it)"
done
[ "$(uname -m)" = x86_64 ] || die "the guest is amd64: run on an x86_64 host"
mkdir -p "$cache" "$work"

# --- the kernel: the newest linux-image-6.1.0-N-amd64-unsigned apt knows ---

kernel_pkg() {
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' |
		cut -d' ' -f1 | sort -V | tail -n 1
}

# Copies the ELF kernel inside a bzImage out of it: under TCG a PVH boot of
# it skips the decompressor, some seconds of emulated work. Debian's 6.1 is
# xz; zstd and gzip are tried too, at every offset their magic appears.
extract_vmlinux() {
	local in=$1 out=$2 name magic off
	for name in xz zstd gzip; do
		case $name in
		xz) magic='\xfd7zXZ\x00' ;;
		zstd) magic='\x28\xb5\x2f\xfd' ;;
		gzip) magic='\x1f\x8b\x08' ;;
		esac
		command -v "$name" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1); do
			# trailing bytes after the stream make the tools complain: the
			# ELF magic decides
			tail -c +$((off + 1)) "$in" | case $name in
			xz) xz -dc --single-stream ;;
			zstd) zstd -dcq ;;
			gzip) gzip -dcq ;;
			esac >"$out" 2>/dev/null || true
			if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

# The module NAME, uncompressed, with the modules it depends on before it in
# "order" (a .ko's .modinfo section lists them as depends=a,b).
add_module() {
	local name=$1 src=$2 dst=$3 f dep
	[ -e "$dst/$name.ko" ] && return 0
	f=$(find "$src" -name "$name.ko" -o -name "$name.ko.xz" -o -name "$name.ko.zst" \
		-o -name "${name//_/-}.ko" -o -name "${name//_/-}.ko.xz" -o -name "${name//_/-}.ko.zst" |
		head -n 1)
	if [ -z "$f" ]; then
		grep -qE "/${name}\.ko$" "$src/modules.builtin" && return 0
		die "$name: neither a module nor built into the kernel"
	fi
	case $f in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -dcq "$f" ;;
	*) cat "$f" ;;
	esac >"$dst/$name.ko"
	for dep in $(tr '\0' '\n' <"$dst/$name.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$dep" "$src" "$dst"
	done
	echo "$name" >>"$dst/order"
}

fetch_kernel() {
	local dir=$1 tmp kver
	tmp=$(mktemp -d "$cache/fetch.XXXXXX")
	# apt's _apt user writes the download, if it can enter the directory
	chmod 0755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	log "fetching $pkg $ver"
	(cd "$tmp" && apt-get download -q "$pkg=$ver") >&2 ||
		die "apt-get download $pkg=$ver failed"
	dpkg -x "$tmp"/*.deb "$tmp/root"
	kver=$(basename "$(ls -d "$tmp"/root/lib/modules/*)")
	mkdir -p "$tmp/out/modules"
	cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/out/vmlinuz"
	cp "$tmp/root/boot/config-$kver" "$tmp/out/config"
	echo "$kver" >"$tmp/out/release"
	if extract_vmlinux "$tmp/out/vmlinuz" "$tmp/out/vmlinux"; then
		log "vmlinux extracted from the bzImage ($(du -m "$tmp/out/vmlinux" | cut -f1) MiB)"
	else
		log "no vmlinux in the bzImage: booting the bzImage"
	fi
	for m in "${modules[@]}"; do
		add_module "$m" "$tmp/root/lib/modules/$kver" "$tmp/out/modules"
	done
	# another run may have fetched it meanwhile: its copy is as good
	mv -T "$tmp/out" "$dir" 2>/dev/null || [ -e "$dir/release" ] || die "cannot fill $dir"
	rm -rf "$tmp"
}

pkg=$(kernel_pkg)
if [ -z "$pkg" ]; then
	log "apt knows no linux-image-6.1.0-N-amd64-unsigned: apt-get update"
	apt-get update -qq >&2 || die "apt-get update failed"
	pkg=$(kernel_pkg)
fi
[ -n "$pkg" ] || die "apt knows no linux-image-6.1.0-N-amd64-unsigned (a Debian 12 source?)"
ver=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p' | head -n 1)
kdir=$cache/${pkg}_$ver
[ -d "$kdir" ] || fetch_kernel "$kdir"
kver=$(cat "$kdir/release")

# --- the initramfs ---

tree=$work/initramfs
rm -rf "$tree"
mkdir -p "$tree"/{bin,sbin,dev,proc,sys,run,tmp,vm,sipxdp/build/tests,sipxdp/build/bench}

# A dynamic binary and every library ldd names (the loader's path included).
add_bin() {
	local src=$1 dst=$2 libs lib
	install -D -m 0755 "$src" "$tree$dst"
	libs=$(ldd "$src" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }') ||
		die "ldd $src failed"
	for lib in $libs; do
		[ -e "$tree$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$tree$lib"
	done
}

busybox=$(command -v busybox)
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (install busybox-static)"
install -m 0755 "$busybox" "$tree/bin/busybox"
for t in ip tc bpftool xdp-loader; do
	add_bin "$(command -v "$t")" "/sbin/$t"
done
# libxdp's dispatcher and xdp-tools' own programs, where libxdp looks for them
bpf_objs=$(dirname "$(dpkg -L libxdp1 | grep '/bpf/xdp-dispatcher.o$' | head -n 1)")
[ -d "$bpf_objs" ] || bpf_objs=/usr/lib/$multiarch/bpf
[ -e "$bpf_objs/xdp-dispatcher.o" ] || die "no xdp-dispatcher.o (libxdp1) in $bpf_objs"
mkdir -p "$tree$bpf_objs"
cp "$bpf_objs"/*.o "$tree$bpf_objs/"

if [ "$mode" = bench ]; then
	bins=(bench/bench_verifier)
else
	bins=(sipxdp tests/test_parser tests/test_fuzz tests/test_rtp tests/test_refusal)
	add_bin "$build/vm/udpsend" /vm/udpsend
fi
for b in "${bins[@]}"; do
	[ -x "$build/$b" ] || die "$build/$b is not built (make vmtest builds it)"
	add_bin "$build/$b" "/sipxdp/build/$b"
done
for o in sipxdp.bpf.o refused.bpf.o xdp_pass.bpf.o; do
	[ -e "$build/$o" ] && cp "$build/$o" "$tree/sipxdp/build/"
done
install -m 0755 "$vm_dir/init" "$tree/init"
install -m 0755 "$vm_dir"/guest_*.sh "$tree/vm/"
cp "$kdir"/modules/* "$tree/vm/"
echo "$mode" >"$tree/vm/mode"
# uncompressed: the guest would unpack it emulated
(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$work/initramfs.cpio"

# --- the accelerator: KVM only where it boots this guest ---

kvm_boots() {
	local note
	note=$cache/kvm-$(uname -r)
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	if [ ! -e "$note" ]; then
		# a guest that powers off at once: KVM that opens but cannot run a
		# guest hangs or dies here (20 s), and the answer is kept per host kernel
		if timeout -k 5 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -smp 1 \
			-kernel "$boot_kernel" -initrd "$work/initramfs.cpio" \
			-append "console=ttyS0 panic=-1 quiet rdinit=/init sipxdp.probe=1" \
			-nographic -no-reboot -nic none </dev/null 2>&1 | grep -q 'vmtest-probe-ok'; then
			echo yes >"$note"
		else
			echo no >"$note"
		fi
	fi
	[ "$(cat "$note")" = yes ]
}

boot_kernel=$kdir/vmlinuz
[ -e "$kdir/vmlinux" ] && boot_kernel=$kdir/vmlinux
case $accel in
kvm) qemu_accel=(-accel kvm -cpu host) ;;
tcg) qemu_accel=(-accel tcg -cpu max) ;;
auto)
	if kvm_boots; then
		accel=kvm
		qemu_accel=(-accel kvm -cpu host)
	else
		accel=tcg
		qemu_accel=(-accel tcg -cpu max)
	fi
	;;
*) die "SIPXDP_VMTEST_ACCEL: '$accel' is not auto, kvm or tcg" ;;
esac

# --- the run ---

console=$work/console.log
run_guest() {
	local t0 st
	t0=$(date +%s.%N)
	set +e
	timeout -k 10 "$timeout_s" qemu-system-x86_64 "${qemu_accel[@]}" -m "$mem" -smp "$smp" \
		-kernel "$1" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init" \
		-nographic -no-reboot -nic none </dev/null 2>&1 | tr -d '\r' | tee "$console"
	st=${PIPESTATUS[0]}
	set -e
	log "guest ran $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (qemu exit $st)"
	return "$st"
}

log "Linux $kver ($pkg $ver), $accel, $(basename "$boot_kernel"), mode $mode"
rc=0
run_guest "$boot_kernel" || rc=$?
if [ "$rc" -ne 124 ] && [ "$boot_kernel" != "$kdir/vmlinuz" ] && grep -q 'PVH ELF Note' "$console"; then
	log "qemu cannot boot the vmlinux (no PVH entry): the bzImage"
	rc=0
	run_guest "$kdir/vmlinuz" || rc=$?
fi
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	die "the guest ran out of time (${timeout_s} s; SIPXDP_VMTEST_TIMEOUT); console in $console"
fi

# The guest's last word: "vmtest-result RELEASE PASSED FAILED".
result=$(grep -E '^vmtest-result ' "$console" | tail -n 1 || true)
[ -n "$result" ] || die "the guest printed no result (qemu exit $rc); console in $console"
read -r _ release passed failed <<<"$result"
if [ "$mode" = bench ]; then
	[ "$failed" -eq 0 ] || die "bench_verifier failed on Linux $release"
	exit 0
fi
echo "$passed passed, $failed failed on Linux $release ($accel guest)"
[ "$failed" -eq 0 ]
