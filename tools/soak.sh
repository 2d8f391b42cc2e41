#!/bin/sh
# The long soak: 1000 RDP logons and logoffs in a row in the QEMU guest
# (tests/qemu/scenarios/rdp-soak.py; the README's test command runs 12).
#
#   tools/soak.sh [CYCLES]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${SEATMUX_BUILD:-$top/build}/soak
"$top/tools/install-deps.sh"
if [ ! -f "$out/build/build.ninja" ]; then
	meson setup "$out/build" "$top" -Dwerror=true --prefix=/usr --sysconfdir=/etc \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined
fi
ninja -C "$out/build"
SEATMUX_SOAK_CYCLES=${1:-1000} exec python3 "$top/tests/qemu/run.py" \
	--build "$out/build" --out "$out/image-out" rdp-soak
