#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages seatmux needs to build, test and boot its
# QEMU image, and to build and boot its OS image. Idempotent: packages
# already present are not fetched again.
# Daemons only the image runs (slapd, nslcd, udisksd) are not installed
# here but unpacked for it (tools/fetch-debs.sh); their libraries are.
set -eu

pkgs="
	gcc make meson ninja-build pkg-config
	libudev-dev libdrm-dev libevdev-dev libinput-dev libxkbcommon-dev
	libwayland-dev wayland-protocols libpixman-1-dev libinih-dev libseat-dev
	libevdi0-dev libpam0g-dev libssl-dev freerdp2-dev libxxhash-dev liblz4-dev
	libsystemd-dev libcairo2-dev libpng-dev libpango1.0-dev fonts-dejavu-core fontconfig
	clang-14 llvm-14 libclang-rt-14-dev libfuzzer-14-dev
	python3 qemu-system-x86 qemu-utils zstd lz4 cpio kmod socat openssl
	systemd libpam-systemd udev busybox-static dbus dbus-daemon dbus-system-bus-common polkitd
	scdoc libjson-c-dev greetd libmicrohttpd-dev libcurl4-openssl-dev libwslay-dev
	chromium chromium-driver python3-selenium
	debhelper lintian haproxy
	mmdebstrap ovmf dosfstools mtools
	cage libseat1 weston xkb-data
	libltdl7 libldap-2.5-0 libsasl2-2 libwrap0 libgssapi-krb5-2
	libblockdev2 libblockdev-fs2 libblockdev-loop2 libblockdev-part2 libblockdev-swap2
	libblockdev-utils2 libatasmart4 libudisks2-0
"

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
