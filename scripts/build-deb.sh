#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Builds the Debian package (make deb). dpkg-buildpackage writes its results
# into the parent of the source tree and cleans the tree it builds in, so it
# runs in an export of the working tree (the files git tracks or would add,
# as they are now) under OUT, and the .deb lands in OUT. The export has no
# .git: the version `sipxdp --version` prints is passed in SIPXDP_VERSION.
#
# Usage: scripts/build-deb.sh OUT      (make deb: build/deb)
set -euo pipefail

out=${1:?usage: $0 OUT}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in dpkg-buildpackage dh git tar; do
	command -v "$tool" >/dev/null || {
		echo "build-deb: $tool not found (scripts/install-deps.sh --deb)" >&2
		exit 1
	}
done

SIPXDP_VERSION=$(git describe --always --dirty)
export SIPXDP_VERSION
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/sipxdp
rm -rf "$src" "$out"/sipxdp_* "$out"/sipxdp-dbgsym_*
mkdir -p "$src"
# -z: any file name; files deleted but not yet committed are left out.
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -C "$src" -xf -

# -b: binary packages only; -us -uc: nothing to sign with here.
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (all of it in $out/build.log)" >&2
	exit 1
}
rm -rf "$src"
ls "$out"/sipxdp_*.deb
