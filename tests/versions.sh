#!/bin/sh
# SPDX-License-Identifier: MIT
# versions.sh VERSION PROGRAM...: each PROGRAM --version prints its name
# and VERSION, the version meson.build gives the project.
version=$1
shift
bad=0
for p in "$@"; do
	want="$(basename "$p") $version"
	got=$("$p" --version 2>&1)
	if [ "$got" != "$want" ]; then
		echo "FAIL $p --version: '$got', not '$want'"
		bad=1
	else
		echo "PASS $want"
	fi
done
exit $bad
