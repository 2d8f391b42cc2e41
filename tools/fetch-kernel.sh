#!/bin/sh
# SPDX-License-Identifier: MIT
# Unpacks Debian's current amd64 kernel package (the one linux-image-amd64
# depends on) into a cache outside the repository and prints its folder.
# The folder holds boot/vmlinuz-*, boot/config-* and lib/modules/<version>
# with modules.dep regenerated. Nothing is installed on the host.
set -eu

cache=${SEATMUX_CACHE:-/var/cache/seatmux}
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1
}
pkg=$(resolve)
if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
	# A machine whose package lists were never fetched (or were cleaned).
	apt-get update -qq >&2 || true
	pkg=$(resolve)
fi
if [ -z "$pkg" ]; then
	echo "fetch-kernel: cannot resolve linux-image-amd64 (run apt-get update?)" >&2
	exit 1
fi

dir=$cache/kernel/$pkg
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache/kernel"
tmp=$(mktemp -d "$cache/kernel/.fetch.XXXXXX")
chmod 755 "$tmp"  # apt downloads as _apt
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "$pkg" >&2)
dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/root"
kver=$(ls "$tmp/root/lib/modules")
depmod -b "$tmp/root" "$kver"
rm -rf "$dir"
mv "$tmp/root" "$dir"
touch "$dir/.complete"
echo "$dir"
