#!/bin/sh
# The README's run command works from any folder and says what failed:
# tools/run.sh started from / boots the image (QEMU answers on its QMP
# socket and a head can be dumped), and a build that cannot start prints
# why instead of exiting silently. Ends with "N passed, M failed".
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
qmp=$out/run/qmp.sock
rm -f "$qmp"
# Its own process group, so that the check can end all of it.
(cd / && exec setsid "$top/tools/run.sh" --headless --timeout 300 --out "$out/run") \
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
[ -n "$status" ] && python3 "$top/tools/qmp.py" "$qmp" screendump head0 "$shot" >/dev/null 2>&1
echo "$status" | grep -q '"running"' && [ -s "$shot" ] &&
	grep -q 'seatmux: booting two stations' "$log"
rc=$?
pgid=$(ps -o pgid= -p "$runner" 2>/dev/null | tr -d ' ')
[ -n "$pgid" ] && kill -TERM -- "-$pgid" 2>/dev/null
wait "$runner" 2>/dev/null
check "tools/run.sh started from / builds and boots the image (QEMU runs, a head can be seen)" \
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
