#!/bin/sh
# SPDX-License-Identifier: MIT
# Tests of kconfig/check-kconfig: against the Debian kernel the OS image
# boots, and against configs with options taken away. Ends with
# "N passed, M failed".
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
check=$top/kconfig/check-kconfig
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

result() {
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "PASS kconfig: $2"
	else
		failed=$((failed + 1))
		echo "FAIL kconfig: $2"
		sed 's/^/    /' "$tmp/out"
	fi
}

# expect STATUS PATTERN WHAT -- ARGS...: check-kconfig ARGS exits STATUS
# and prints a line matching PATTERN ("" for no pattern).
expect() {
	status=$1 pattern=$2 what=$3
	shift 4
	"$check" "$@" >"$tmp/out" 2>&1
	rc=$?
	ok=1
	if [ "$rc" = "$status" ]; then
		if [ -z "$pattern" ] || grep -Eq -- "$pattern" "$tmp/out"; then
			ok=0
		fi
	else
		echo "exit status $rc, want $status" >>"$tmp/out"
	fi
	result $ok "$what"
}

kdir=$(sh "$top/tools/fetch-kernel.sh") || { echo "FAIL kconfig: cannot fetch Debian's kernel"; echo "0 passed, 1 failed"; exit 1; }
debian=$(ls "$kdir"/boot/config-* | head -n 1)

expect 0 ', 0 mandatory and 0 optional problems' \
	"Debian's kernel ($(basename "$debian")) has every option" -- "$debian"

grep -v '^CONFIG_INPUT_EVDEV=' "$debian" >"$tmp/no-evdev"
expect 1 '^mandatory CONFIG_INPUT_EVDEV: is missing' \
	"a config without evdev fails and names it" -- "$tmp/no-evdev"

sed 's/^CONFIG_UNIX=y$/CONFIG_UNIX=m/' "$debian" >"$tmp/unix-module"
expect 1 '^mandatory CONFIG_UNIX: is a module, must be built in' \
	"a built-in option turned into a module is reported" -- "$tmp/unix-module"

sed 's/^CONFIG_DRM=m$/# CONFIG_DRM is not set/' "$debian" >"$tmp/no-drm"
expect 1 '^mandatory CONFIG_DRM: is missing' \
	"'# CONFIG_DRM is not set' counts as missing" -- "$tmp/no-drm"

grep -v '^CONFIG_DRM_UDL=' "$debian" >"$tmp/no-udl"
expect 0 '^optional  CONFIG_DRM_UDL: is missing' \
	"a missing optional option is reported but passes" -- "$tmp/no-udl"

gzip -c "$tmp/no-evdev" >"$tmp/no-evdev.gz"
expect 1 '^mandatory CONFIG_INPUT_EVDEV: is missing' \
	"a gzipped config is read" -- "$tmp/no-evdev.gz"
gzip -c "$debian" >"$tmp/debian.gz"
expect 0 ', 0 mandatory' "a gzipped good config passes" -- "$tmp/debian.gz"

expect 2 'cannot read kernel config' \
	"a missing file is a usage error with a message" -- "$tmp/does-not-exist"
echo "hello" >"$tmp/not-a-config"
expect 2 'does not look like a kernel config' \
	"a file that is no config is refused" -- "$tmp/not-a-config"
expect 2 'usage' "an unknown option is a usage error" -- --frobnicate

printf 'CONFIG_FOO=y  # mandatory: test\n# CONFIG_BAR is not set  # mandatory: must stay off\nCONFIG_HZ=250  # optional: exact values\n' >"$tmp/fragment"
printf 'CONFIG_FOO=y\nCONFIG_BAR=y\nCONFIG_HZ=1000\n' >"$tmp/bar-on"
expect 1 '^mandatory CONFIG_BAR: is set \(y\), must be off' \
	"an option that must be off is reported when set" -- --fragment "$tmp/fragment" "$tmp/bar-on"
expect 1 '^optional  CONFIG_HZ: is 1000, want 250' \
	"a value must match exactly" -- --fragment "$tmp/fragment" "$tmp/bar-on"
printf 'CONFIG_FOO=y\n' >"$tmp/foo-only"
expect 0 '' "with --quiet only the summary is printed" -- --quiet --fragment "$tmp/fragment" "$tmp/foo-only"
lines=$(wc -l <"$tmp/out")
result $([ "$lines" = 1 ]; echo $?) "--quiet prints only the summary line (got $lines)"

printf 'CONFIG_FOO=y\n' >"$tmp/bad-fragment"
expect 2 'has no "# mandatory:" or "# optional:" note' \
	"a fragment line without a level is refused" -- --fragment "$tmp/bad-fragment" "$debian"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
