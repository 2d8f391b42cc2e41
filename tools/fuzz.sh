#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets of tests/fuzz (clang-14, ASan + UBSan) and
# runs each for SECONDS (default 600) on a copy of its seed corpus. Any
# crash, leak, sanitizer report or broken check fails the target; its
# input is kept under the work directory printed at the start. Prints per
# target its execs/s, total execs, coverage (libFuzzer's cov: edges) and
# seconds taken, and ends with "N passed, M failed".
#
#   tools/fuzz.sh [SECONDS]
#
# SEATMUX_FUZZ_BUILD: the build directory (default build/fuzz), made if
# absent. SEATMUX_FUZZ_TARGETS: which targets (default all: protocol
# control link_proto ...). SEATMUX_FUZZ_JOBS: targets at once (default:
# the cores).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
secs=${1:-600}
build=${SEATMUX_FUZZ_BUILD:-$top/build/fuzz}
case $secs in
'' | *[!0-9]*)
	echo "usage: tools/fuzz.sh [SECONDS]" >&2
	exit 2
	;;
esac

if [ ! -f "$build/build.ninja" ]; then
	mkdir -p "$(dirname "$build")"
	CC=clang-14 meson setup "$build" -Dfuzz=true -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false >"$build.setup.log" 2>&1 ||
		{ cat "$build.setup.log"; echo "0 passed, 1 failed"; exit 1; }
	rm -f "$build.setup.log"
fi
if ! ninja -C "$build" fuzz >/dev/null; then
	ninja -C "$build" fuzz
	echo "0 passed, 1 failed"
	exit 1
fi

targets=${SEATMUX_FUZZ_TARGETS:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')}
# Each target runs on one core: as many at once as there are cores.
jobs=${SEATMUX_FUZZ_JOBS:-$(nproc)}
work=$(mktemp -d /tmp/seatmux-fuzz.XXXXXX)
echo "fuzz: ${secs} s a target, $jobs at once, work in $work"

# One target's run; its line of the table goes to $work/$1/line, and
# "ok" or what failed to $work/$1/result.
run_one() {
	t=$1
	mkdir -p "$work/$t/corpus" "$work/$t/found"
	# New inputs go to the copy: the committed seeds stay as they are.
	cp tests/fuzz/corpus/"$t"/* "$work/$t/corpus/"
	start=$(date +%s)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/$t/found/" \
		"$work/$t/corpus" >"$work/$t/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t/log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$work/$t/log" | tail -n 1 | cut -d' ' -f2)
	if [ "$rc" -eq 0 ] && [ -z "$(ls "$work/$t/found")" ] &&
		! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|broken:' \
			"$work/$t/log"; then
		result=ok
	else
		result="FAILED (exit $rc): $work/$t/log"
	fi
	echo "$result" >"$work/$t/result"
	printf '%-12s %10s %12s %6s %5s  %s\n' "$t" "${rate:-?}" "${execs:-?}" "${cov:-?}" \
		"$took" "$result" >"$work/$t/line"
}

running=0
for t in $targets; do
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

passed=0
failed=0
printf '%-12s %10s %12s %6s %5s  %s\n' target execs/s execs cov secs result
for t in $targets; do
	cat "$work/$t/line" 2>/dev/null || echo "$t: no result"
	if [ "$(cat "$work/$t/result" 2>/dev/null)" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		grep -E 'ERROR:|runtime error:|broken:|SUMMARY:|Test unit written' "$work/$t/log" |
			head -n 5 | sed 's/^/    /'
	fi
done
[ "$failed" -eq 0 ] && rm -rf "$work"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
