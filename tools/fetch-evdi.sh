#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds Debian's evdi module (evdi-dkms, the virtual heads of RDP and
# USB/IP stations) for the kernel fetch-kernel.sh unpacked, as dkms would
# on the target, and prints the path of evdi.ko. Cached outside the
# repository; the kernel's headers package is installed on this machine
# (idempotently) because a module is built against them.
#
# One change is made to the source: evdi 1.12 allows at most 16 devices
# (EVDI_DEVICE_COUNT_MAX), so 16 RDP stations a machine; the image's
# module allows 64, the most DRM card minors there are. A machine with
# Debian's own module serves 16 remote stations and seatmuxd says so when
# a 17th is refused.
#
#   tools/fetch-evdi.sh KERNEL_VERSION
set -eu

kver=${1:?usage: fetch-evdi.sh KERNEL_VERSION}
cache=${SEATMUX_CACHE:-/var/cache/seatmux}
max=64
out=$cache/evdi/$kver-max$max
if [ -f "$out/.complete" ]; then
	echo "$out/evdi.ko"
	exit 0
fi

headers=/usr/src/linux-headers-$kver
if [ ! -f "$headers/Makefile" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "fetch-evdi: linux-headers-$kver is missing (run as root)" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"linux-headers-$kver" >&2
fi

mkdir -p "$cache/evdi"
tmp=$(mktemp -d "$cache/evdi/.build.XXXXXX")
chmod 755 "$tmp"  # apt downloads as _apt
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq evdi-dkms >&2)
dpkg -x "$tmp"/evdi-dkms_*.deb "$tmp/root"
src=$(ls -d "$tmp"/root/usr/src/evdi-*)
grep -q '^#define EVDI_DEVICE_COUNT_MAX 16$' "$src/evdi_platform_drv.c" || {
	echo "fetch-evdi: evdi's device limit is not where 1.12 has it" >&2
	exit 1
}
sed -i "s/^#define EVDI_DEVICE_COUNT_MAX 16$/#define EVDI_DEVICE_COUNT_MAX $max/" \
	"$src/evdi_platform_drv.c"
make -s -C "$headers" M="$src" modules >&2
strip --strip-debug "$src/evdi.ko"
rm -rf "$out"
mkdir -p "$out"
cp "$src/evdi.ko" "$out/evdi.ko"
touch "$out/.complete"
echo "$out/evdi.ko"
