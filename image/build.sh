#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds seatmux's OS image: a UEFI-bootable GPT disk (an EFI system
# partition with systemd-boot, and an ext4 root) with Debian 12, systemd,
# udev, logind, dbus and polkit, seatmuxd as the seat manager and evdi
# built by dkms for the image's kernel. Written as qcow2 (QEMU, libvirt)
# and VHDX (a Hyper-V generation 2 virtual machine).
#
#   image/build.sh --debs DIR --out DIR [--mirror URL]
#
# The mirror defaults to $SEATMUX_IMAGE_MIRROR, else deb.debian.org.
#
# DIR given to --debs holds seatmux's packages (tools/package.sh makes
# them); the rest comes from Debian's archive through mmdebstrap. The
# disk is assembled without mounting anything: mkfs.ext4 -d fills the
# root file system from a folder, mtools the EFI partition, and
# systemd-repart lays both into the partition table.
#
# Downloaded packages are kept in $SEATMUX_CACHE/image/apt (default
# /var/cache/seatmux), so a second build downloads only what changed.
# Prints "image: built in S s" and the sizes at the end.
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")" && pwd)
cache=${SEATMUX_CACHE:-/var/cache/seatmux}/image/apt

die() { echo "image: $*" >&2; exit 1; }
note() { echo "image: $*" >&2; }

usage() {
	echo "usage: $0 --debs DIR --out DIR [--mirror URL]"
}

debs= out=
mirror=${SEATMUX_IMAGE_MIRROR:-http://deb.debian.org/debian}
while [ $# -gt 0 ]; do
	case $1 in
	--debs) debs=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--mirror) mirror=${2%/}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$debs" ] && [ -n "$out" ] || { usage >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap's root mode, root-owned files)"
seatmux_deb=$(ls "$debs"/seatmux_*_amd64.deb 2>/dev/null | head -n 1)
[ -n "$seatmux_deb" ] || die "no seatmux_*_amd64.deb in $debs (tools/package.sh makes it)"
seatmux_deb=$(realpath "$seatmux_deb")
# The teacher's dashboard comes with the image, not enabled.
dashboard_deb=$(ls "$debs"/seatmux-dashboard_*_amd64.deb 2>/dev/null | head -n 1)
[ -n "$dashboard_deb" ] || die "no seatmux-dashboard_*_amd64.deb in $debs (tools/package.sh makes it)"
dashboard_deb=$(realpath "$dashboard_deb")

for tool in mmdebstrap systemd-repart mkfs.ext4 mkfs.vfat mcopy qemu-img; do
	command -v "$tool" >/dev/null || die "$tool is missing (tools/install-deps.sh installs it)"
done

t0=$(date +%s)
mkdir -p "$out" "$cache"
# Absolute: systemd-repart takes CopyBlocks= paths only so (a relative
# one left the partitions empty, a disk of 21 MiB).
out=$(cd "$out" && pwd)
# One build at a time uses the apt cache.
exec 9>"$cache/.lock"
flock 9
work=$(mktemp -d "$out/.work.XXXXXX")
# --one-file-system: a killed mmdebstrap may leave its mounts (the
# packages' folder among them) in the root.
trap 'rm -rf --one-file-system "$work"' EXIT
root=$work/root

# What a seat manager in a VM or on bare metal needs, from Debian. evdi
# is built by dkms against the image's kernel headers, as on any Debian
# machine, so a kernel update rebuilds it.
packages=(
	systemd-sysv udev dbus libpam-systemd polkitd systemd-boot-efi
	linux-image-amd64 linux-headers-amd64 initramfs-tools zstd
	dkms evdi-dkms
	cage foot weston fonts-dejavu-core
	hyperv-daemons
	systemd-resolved e2fsprogs dosfstools iproute2 less nano busybox
)
include=$(IFS=,; echo "${packages[*]}")

note "root file system (mmdebstrap, Debian 12)"
# The apt cache is synced in and out, as mmdebstrap's manual shows; the
# seatmux package goes in through the file-mirror-automount hook, which
# makes its path visible inside the chroot.
mmdebstrap --mode=root --variant=important --components=main \
	--include="$include" --include="$seatmux_deb" --include="$dashboard_deb" \
	--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
	--skip=download/empty --skip=essential/unlink \
	--setup-hook="mkdir -p \"\$1\"/var/cache/apt/archives/" \
	--setup-hook="sync-in '$cache' /var/cache/apt/archives/" \
	--customize-hook="sync-out /var/cache/apt/archives '$cache'" \
	--customize-hook="'$here/customize.sh' \"\$1\"" \
	bookworm "$root" "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
	"deb ${mirror%/debian}/debian-security bookworm-security main" \
	>"$work/mmdebstrap.log" 2>&1 ||
	{ tail -n 40 "$work/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
rm -f "$cache"/lock "$cache"/partial/* 2>/dev/null || true

kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
[ -n "$kver" ] || die "no kernel in the image"
ls "$root/lib/modules/$kver"/updates/dkms/evdi.ko* >/dev/null 2>&1 ||
	die "dkms did not build evdi for $kver"

note "EFI system partition (systemd-boot, kernel $kver)"
esp=$work/esp
mkdir -p "$esp/EFI/BOOT" "$esp/loader/entries"
cp "$root/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$esp/EFI/BOOT/BOOTX64.EFI"
cp "$root/boot/vmlinuz-$kver" "$esp/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$esp/initrd.img"
# Two entries: the disk as it is (maintenance), and protected (its
# changes kept in memory, forgotten at reboot). seatmux-image-protect
# sets which one is the default; the menu (a key held at boot) offers
# both.
# No editor: with Secure Boot off, a kernel command line typed at the
# menu (init=/bin/sh) would be root for anyone at the console.
printf 'default seatmux.conf\ntimeout 0\neditor no\n' >"$esp/loader/loader.conf"
# tty0 last: the VM's screen (Hyper-V's VM connection) is /dev/console,
# where the first boot asks for the administrator's password; ttyS0 gets
# the kernel's messages and a login prompt too.
options="root=PARTLABEL=seatmux-root ro console=ttyS0,115200 console=tty0 quiet"
cat >"$esp/loader/entries/seatmux.conf" <<EOF
title seatmux (Debian 12, $kver)
linux /vmlinuz
initrd /initrd.img
options $options
EOF
cat >"$esp/loader/entries/seatmux-protected.conf" <<EOF
title seatmux, disk protected (Debian 12, $kver)
linux /vmlinuz
initrd /initrd.img
options $options seatmux.protect=1
EOF
esp_kib=$(( ($(du -sk "$esp" | cut -f1) + 32768) / 1024 * 1024 ))
mkfs.vfat -n ESP -C "$work/esp.img" "$esp_kib" >/dev/null
mcopy -s -i "$work/esp.img" "$esp"/* ::

note "root partition (ext4, filled from the folder)"
rm -rf "$root/boot"/vmlinuz-* "$root/boot"/initrd.img-* 2>/dev/null || true
cp "$esp/vmlinuz" "$root/boot/vmlinuz-$kver"
cp "$esp/initrd.img" "$root/boot/initrd.img-$kver"
used_mib=$(( $(du -sxm "$root" | cut -f1) ))
# Room for the journal, users' homes and an update: the disk's free
# space is sparse in qcow2 and dynamic VHDX, so it costs nothing unused.
root_mib=$(( used_mib + used_mib / 2 + 1024 ))
mkfs.ext4 -q -L seatmux-root -d "$root" "$work/root.img" "${root_mib}M"

note "disk (GPT: systemd-repart)"
mkdir -p "$work/repart.d"
cat >"$work/repart.d/10-esp.conf" <<EOF
[Partition]
Type=esp
Label=esp
CopyBlocks=$work/esp.img
EOF
cat >"$work/repart.d/20-root.conf" <<EOF
[Partition]
Type=root
Label=seatmux-root
CopyBlocks=$work/root.img
EOF
systemd-repart --empty=create --size=auto --definitions="$work/repart.d" \
	--dry-run=no --no-pager "$work/disk.raw" >"$work/repart.log" 2>&1 ||
	{ cat "$work/repart.log" >&2; die "systemd-repart failed"; }

# A disk smaller than its root file system lost a partition's blocks.
[ "$(stat -c %s "$work/disk.raw")" -gt "$(stat -c %s "$work/root.img")" ] ||
	{ cat "$work/repart.log" >&2; die "the disk is smaller than its root file system"; }
qemu-img convert -O qcow2 "$work/disk.raw" "$out/seatmux.qcow2.tmp"
qemu-img convert -O vhdx -o subformat=dynamic "$work/disk.raw" "$out/seatmux.vhdx.tmp"
mv "$out/seatmux.qcow2.tmp" "$out/seatmux.qcow2"
mv "$out/seatmux.vhdx.tmp" "$out/seatmux.vhdx"
cp "$work/mmdebstrap.log" "$out/mmdebstrap.log"

note "built in $(( $(date +%s) - t0 )) s: kernel $kver, root $used_mib MiB used of $root_mib MiB"
for f in seatmux.qcow2 seatmux.vhdx; do
	note "$f: $(du -m "$out/$f" | cut -f1) MiB on disk," \
		"$(qemu-img info --output=json "$out/$f" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p' |
		awk '{ printf "%d MiB", $1 / 1048576 }') virtual"
done
