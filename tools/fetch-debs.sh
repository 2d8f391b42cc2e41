#!/bin/sh
# SPDX-License-Identifier: MIT
# Unpacks Debian packages into a cache outside the repository, without
# installing them, and prints the folder. For daemons the test image
# carries but this machine must not run or be configured by (slapd and
# nslcd: their maintainer scripts would start them and rewrite the host's
# PAM and NSS). Their shared libraries come from the host, like every
# other library of the image: tools/install-deps.sh installs those.
#
#   tools/fetch-debs.sh PACKAGE...
#
# The folder is named after the packages' candidate versions, so an apt
# update that changes one fetches anew.
set -eu

[ $# -gt 0 ] || { echo "usage: fetch-debs.sh PACKAGE..." >&2; exit 2; }
cache=${SEATMUX_CACHE:-/var/cache/seatmux}

# One apt-cache call: each loads the whole package cache.
versions() {
	apt-cache policy "$@" 2>/dev/null | awk -v n=$# '
		/^[^ ]/ { p = $1; sub(":$", "", p) }
		/^ *Candidate: / && $2 != "(none)" { print p "=" $2; found++ }
		END { exit found != n }'
}
if ! want=$(versions "$@"); then
	# A machine whose package lists were never fetched (or were cleaned).
	[ "$(id -u)" -eq 0 ] && apt-get update -qq >&2 || true
	want=$(versions "$@") || {
		echo "fetch-debs: no candidate for one of: $* (run apt-get update?)" >&2
		exit 1
	}
fi

key=$(echo "$want" | sha256sum | cut -c1-16)
dir=$cache/debs/$key
if [ -f "$dir/.complete" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache/debs"
tmp=$(mktemp -d "$cache/debs/.fetch.XXXXXX")
# apt downloads as _apt where that user exists.
chown _apt "$tmp" 2>/dev/null || true
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
(cd "$tmp" && apt-get download -qq $want >&2)
for f in "$tmp"/*.deb; do
	dpkg -x "$f" "$tmp/root"
done
echo "$want" >"$tmp/root/.packages"
rm -rf "$dir"
mv "$tmp/root" "$dir"
touch "$dir/.complete"
echo "$dir"
