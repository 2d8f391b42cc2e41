#!/bin/sh
# SPDX-License-Identifier: MIT
# The long soaks in the QEMU guest (the README's test command runs a few
# cycles of each):
#   rdp      1000 RDP logons and logoffs in a row (tests/qemu/scenarios/rdp-soak.py)
#   usbip    200 drops and returns of a USB/IP station (usbip-soak.py)
#   restart  seatmuxd restarted, SIGKILLed and SIGSEGVed under a full room
#            (broker-restart.py; the test command leaves out the SIGKILL)
#
#   tools/soak.sh [rdp|usbip|restart] [CYCLES]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
kind=rdp
case ${1:-} in
rdp | usbip | restart)
	kind=$1
	shift
	;;
esac
case $kind in
rdp) cycles=${1:-1000} ;;
usbip) cycles=${1:-200} ;;
restart) cycles=1 ;;
esac
out=${SEATMUX_BUILD:-$top/build}/soak
"$top/tools/install-deps.sh"
if [ ! -f "$out/build/build.ninja" ]; then
	meson setup "$out/build" "$top" -Dwerror=true --prefix=/usr --sysconfdir=/etc \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Dinstall-tests=true
fi
ninja -C "$out/build"
if [ "$kind" = restart ]; then
	SEATMUX_RESTART_ROUNDS=all exec python3 "$top/tests/qemu/run.py" \
		--build "$out/build" --out "$out/image-out" broker-restart
fi
SEATMUX_SOAK_CYCLES=$cycles exec python3 "$top/tests/qemu/run.py" \
	--build "$out/build" --out "$out/image-out" "$kind-soak"
