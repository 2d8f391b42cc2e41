#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's run command works from any folder and says what failed:
# tools/run.sh started from / boots the image (seat0's session draws on
# its head), and a build that cannot start prints
# why instead of exiting silently. Ends with "N passed, M failed".
#
#   tests/readme/run.sh OUT_DIR [BUILD_DIR]
#
# BUILD_DIR, a build of this tree made already (the test command's image
# build), spares a second compile of the whole tree.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: run.sh OUT_DIR [BUILD_DIR]}
build=${2:+--build $2}
passed=0
failed=0

check() {
	if [ "$2" = 0 ]; then
		echo "PASS readme: $1"
		passed=$((passed + 1))
	else
		echo "FAIL readme: $1 ($3)"
		failed=$((failed + 1))
	fi
}

mkdir -p "$out"
log=$out/run-from-root.log
qmp=$out/run/qmp.sock
rm -f "$qmp"
# Its own process group, so that the check can end all of it.
(cd / && exec setsid "$top/tools/run.sh" --headless --timeout 300 --out "$out/run" $build) \
	>"$log" 2>&1 &
runner=$!
status=
for _ in $(seq 1 120); do
	[ -S "$qmp" ] && status=$(python3 "$top/tools/qmp.py" "$qmp" query-status 2>/dev/null) &&
		break
	kill -0 "$runner" 2>/dev/null || break
	sleep 1
done
shot=$out/head0.ppm
rm -f "$shot"
# Booted: seat0's session draws on head0 at the guest's mode (QEMU's
# own "not initialized" picture is 640x480), in more than one colour.
drawn=
if echo "$status" | grep -q '"running"'; then
	for _ in $(seq 1 90); do
		python3 "$top/tools/qmp.py" "$qmp" screendump head0 "$shot" >/dev/null 2>&1 &&
			python3 -c 'import sys; f = open(sys.argv[1], "rb").read().split(b"\n", 3); d = f[3]; sys.exit(f[1] != b"1024 768" or len(set(d[i:i + 3] for i in range(0, len(d), 3 * 97))) < 2)' "$shot" &&
			drawn=1 && break
		kill -0 "$runner" 2>/dev/null || break
		sleep 2
	done
fi
[ -n "$drawn" ] && grep -q 'seatmux: booting two stations' "$log"
rc=$?
# dash's kill takes no "--": a negative pid follows the signal.
pgid=$(ps -o pgid= -p "$runner" 2>/dev/null | tr -d ' ')
[ -n "$pgid" ] && kill -TERM "-$pgid"
wait "$runner" 2>/dev/null
check "tools/run.sh started from / builds and boots the image (seat0 draws on head0)" \
	"$rc" "status '$status', log $log: $(tail -n 3 "$log" | tr '\n' ' ')"

# A build folder meson cannot set up: the reason is printed.
bad=$out/bad
rm -rf "$bad"
mkdir -p "$bad/build"
echo garbage >"$bad/build/meson-private"
(cd / && "$top/tools/run.sh" --headless --timeout 5 --out "$bad") >"$out/bad.log" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q 'run.sh: meson setup failed' "$out/bad.log"
check "a failing step says what failed" $? "exit $rc: $(tr '\n' ' ' <"$out/bad.log" | tail -c 300)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
