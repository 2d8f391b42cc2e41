#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every seatmux test from a clean build: unit tests (with
# AddressSanitizer and UBSan), the parsers' fuzz targets for a short while,
# the kernel config checker's tests, and the whole-system scenarios booted
# under QEMU. Ends with "N passed, M failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
out=${SEATMUX_BUILD:-$top/build}
passed=0
failed=0

"$top/tools/install-deps.sh" || exit 2

# Adds the counts of a stage's closing "N passed, M failed" line.
tally() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		echo "test.sh: $2 printed no summary: counted as one failure" >&2
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
	failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# A stage's heading, with the seconds since the start (where CI's time
# goes: the whole run must stay well under its limit).
began=$(date +%s)
stage() {
	echo "== $1 (at $(($(date +%s) - began)) s)"
}

# One build serves the unit tests and the image the QEMU scenarios boot:
# ASan and UBSan in both, so that each scenario, stopping seatmuxd at its
# end, fails on any sanitizer report.
stage "the build (ASan + UBSan)"
rm -rf "$out/image"
built=0
if meson setup "$out/image" -Dwerror=true --prefix=/usr --sysconfdir=/etc \
	-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Dinstall-tests=true \
	>"$log" 2>&1 && ninja -C "$out/image" >>"$log" 2>&1; then
	built=1
else
	cat "$log"
	failed=$((failed + 1))
fi

# The Debian packages are built and checked in the background, on the
# CPU the other stages leave idle (SCHED_IDLE, idle I/O): a QEMU guest
# under TCG leaves much of the machine idle, and scheduled this way the
# package build takes no time from a guest's, whose checks time things.
# Then the OS image is built from them (image/build.sh: mmdebstrap from
# Debian's archive, dkms, the disk), the same way.
stage "Debian packages and the OS image (in the background until the scenarios end)"
pkglog=$out/package.log
imglog=$out/os-image.log
mkdir -p "$out"
rm -rf "$out/os-image"
(
	DEB_BUILD_OPTIONS=parallel=2 chrt --idle 0 ionice -c 3 \
		sh "$top/tools/package.sh" "$out/deb" >"$pkglog" 2>&1
	chrt --idle 0 ionice -c 3 \
		"$top/image/build.sh" --debs "$out/deb" --out "$out/os-image" >"$imglog" 2>&1
) &
pkgpid=$!

stage "unit tests (ASan + UBSan)"
if [ "$built" = 1 ]; then
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
		meson test -C "$out/image" --print-errorlogs >"$log" 2>&1
	grep -E '^ *[0-9]+/[0-9]+ ' "$log"
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log")
	bad=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log")
	[ "${bad:-1}" = 0 ] || grep -E 'FAIL|failed:|ERROR' "$log"
	echo "${ok:-0} passed, ${bad:-1} failed" >"$log"
	tally "$log" unit
fi

stage "fuzz targets (2 s each)"
rm -rf "$out/fuzz"
SEATMUX_FUZZ_BUILD="$out/fuzz" sh "$top/tools/fuzz.sh" 2 2>&1 | tee "$log"
tally "$log" fuzz

stage "kernel config checker"
sh "$top/tests/kconfig/run.sh" 2>&1 | tee "$log"
tally "$log" kconfig

stage "QEMU scenarios"
if [ "$built" = 1 ]; then
	# One guest at a time: two at once (SEATMUX_JOBS=2) take as long on
	# two cores, and checks that bound a loop's stalls fail under the load.
	python3 "$top/tests/qemu/run.py" --build "$out/image" --out "$out/image-out" \
		--jobs "${SEATMUX_JOBS:-1}" ${SEATMUX_SCENARIOS:-} 2>&1 | tee "$log"
	tally "$log" qemu
fi

stage "Debian packages"
wait "$pkgpid"
cat "$pkglog"
cp "$pkglog" "$log"
tally "$log" package

stage "the OS image, booted from its disk (OVMF)"
cat "$imglog"
if [ -f "$out/os-image/seatmux.qcow2" ] && [ "$built" = 1 ]; then
	python3 "$top/tests/image/boot.py" --image "$out/os-image" --build "$out/image" 2>&1 | tee "$log"
	tally "$log" os-image
else
	echo "test.sh: no OS image to boot (image/build.sh failed: $imglog)"
	failed=$((failed + 1))
fi

stage "the README's run command, from another folder"
sh "$top/tests/readme/run.sh" "$out/readme" "$out/image" 2>&1 | tee "$log"
tally "$log" readme

stage "end"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
