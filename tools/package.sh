#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds seatmux's Debian packages (debian/, dpkg-buildpackage) from a copy
# of the tree's tracked files, checks them with lintian, and checks what
# they hold: the programs a user runs, at the version debian/changelog
# gives, and none of the test programs. Ends with "N passed, M failed".
#
#   tools/package.sh [OUT_DIR]
#
# OUT_DIR (default build/deb) gets the .deb files and the logs.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
passed=0
failed=0

check() {
	if [ "$2" = 0 ]; then
		echo "PASS package: $1"
		passed=$((passed + 1))
	else
		echo "FAIL package: $1 ($3)"
		failed=$((failed + 1))
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# What building and checking a package takes, beyond the test command's.
"$top/tools/install-deps.sh" || exit 2
for p in debhelper lintian; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' && continue
	[ "$(id -u)" -eq 0 ] || { echo "package.sh: $p is missing (run as root)" >&2; exit 2; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >&2 ||
		exit 2
done

rm -rf "$out"
mkdir -p "$out/src"
# The tracked files only: a build folder or a scratch file in the tree is
# no part of the package.
files=$out/files
(cd "$top" && git ls-files -z >"$files") ||
	{ check "the tree's files are listed" 1 "git ls-files failed in $top"; finish; }
(cd "$top" && xargs -0 cp -P --parents -t "$out/src" <"$files") ||
	{ check "the tree is copied" 1 "a tracked file is missing from the work tree"; finish; }
version=$(cd "$out/src" && dpkg-parsechangelog -S Version)
# What --version says: the upstream version, without epoch or revision.
upstream=${version#*:}
upstream=${upstream%-*}
(cd "$out/src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1
rc=$?
check "dpkg-buildpackage builds seatmux $version" "$rc" "$(tail -n 5 "$out/build.log" | tr '\n' ' ')"
[ "$rc" = 0 ] || finish
# dpkg-buildpackage leaves them beside the source folder: in OUT_DIR.
changes=$(ls "$out"/seatmux_"$version"_*.changes)

# Errors and warnings fail; what is overridden says why in
# debian/*.lintian-overrides.
lintian --pedantic --fail-on error,warning "$changes" >"$out/lintian.log" 2>&1
check "lintian finds no error and no warning" $? "$(grep -E '^[EW]:' "$out/lintian.log" | tr '\n' ' ')"

root=$out/root
for deb in "$out"/seatmux_"$version"_*.deb "$out"/seatmux-station-agent_"$version"_*.deb \
	"$out"/seatmux-dashboard_"$version"_*.deb; do
	dpkg-deb -x "$deb" "$root" || { check "$deb unpacks" 1 "dpkg-deb -x failed"; finish; }
done
bad=
for p in seatmuxd seatmuxctl seatmux-compositor seatmux-station-agent seatmux-dashboard; do
	v=$("$root/usr/bin/$p" --version 2>&1)
	[ "$v" = "$p $upstream" ] || bad="$bad $p: '$v';"
done
v=$("$root/usr/libexec/seatmux/seatmux-greeter" --version 2>&1)
[ "$v" = "seatmux-greeter $upstream" ] || bad="$bad seatmux-greeter: '$v';"
check "every program says the package's version" "$([ -z "$bad" ]; echo $?)" "$bad"
# The helpers seatmuxd runs, and nothing else (-Dinstall-tests=false).
helpers=$(ls "$root/usr/libexec/seatmux" | tr '\n' ' ')
want="seatmux-dashboard-session seatmux-greeter seatmux-rdp-sink seatmux-screen seatmux-session "
want="${want}seatmux-usbip-link "
check "no test or benchmark program is in a package: libexec has the helpers only" \
	"$([ "$helpers" = "$want" ]; echo $?)" "$helpers"
# dpkg refuses a file two packages ship.
twice=$(for deb in "$out"/seatmux*_"$version"_*.deb; do
	dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }'
done | sort | uniq -d | tr '\n' ' ')
check "no file is in two packages" "$([ -z "$twice" ]; echo $?)" "$twice"
finish
