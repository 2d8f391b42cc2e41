#!/bin/sh
# The README's run command works from any folder and says what failed:
# tools/run.sh started from / boots the image (QEMU is still running when
# its time runs out), and a build that cannot start prints why instead of
# exiting silently. Ends with "N passed, M failed".
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: run.sh OUT_DIR}
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
(cd / && "$top/tools/run.sh" --headless --timeout 40 --out "$out/run") >"$log" 2>&1
rc=$?
# timeout(1) ends QEMU with 124: it booted and ran until then.
[ "$rc" = 124 ] && grep -q 'seatmux: booting two stations' "$log" &&
	[ -s "$out/run/serial.log" ]
check "tools/run.sh started from / builds and boots the image" $? \
	"exit $rc, log $log: $(tail -n 3 "$log" | tr '\n' ' ')"

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
