#!/bin/sh
# SPDX-License-Identifier: MIT
# spdx.sh SOURCE_ROOT: every source file (C, Python, shell, meson) names
# its licence in its first three lines, as LICENSE gives it.
cd "$1" || exit 2
missing=$(find . \( -path './build*' -o -path ./.git -o -path ./tests/fuzz/corpus \) -prune -o \
	-type f \( -name '*.c' -o -name '*.h' -o -name '*.py' -o -name '*.sh' -o \
	-name meson.build \) -print | LC_ALL=C sort | while read -r f; do
	head -n 3 "$f" | grep -q 'SPDX-License-Identifier: MIT' || echo "$f"
done)
if [ -n "$missing" ]; then
	echo "no SPDX-License-Identifier in:"
	echo "$missing"
	exit 1
fi
echo "every source file names its licence"
