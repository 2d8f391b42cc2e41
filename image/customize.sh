#!/bin/sh
# SPDX-License-Identifier: MIT
# mmdebstrap's customize hook for image/build.sh: ROOT is the image's root
# folder with every package installed. Adds image/rootfs, enables what
# the image runs, and leaves out everything that must differ between
# machines, which the first boot makes.
#
#   image/customize.sh ROOT
set -eu

root=${1:?usage: customize.sh ROOT}
here=$(cd "$(dirname "$0")" && pwd)

# Owned by root, modes from the umask: cp -a would give the image's /,
# /etc and /usr the checkout's owner and modes.
umask 022
cp -R --no-preserve=all "$here/rootfs/." "$root/"
chmod 0755 "$root/usr/local/sbin"/seatmux-image-* \
	"$root/etc/initramfs-tools/scripts/local-bottom/seatmux-protect" \
	"$root/etc/initramfs-tools/scripts/local-bottom/seatmux-identity" \
	"$root/etc/kernel/postinst.d/zz-seatmux-esp" "$root/etc/initramfs/post-update.d/seatmux-esp"
# Disk protection's overlay and an imported copy's new identity are set
# up in the initramfs (local-bottom).
echo overlay >>"$root/etc/initramfs-tools/modules"
chroot "$root" update-initramfs -u -k all

cat >"$root/etc/fstab" <<'FSTAB'
# seatmux OS image: partitions by their GPT labels (image/build.sh).
PARTLABEL=seatmux-root	/		ext4	errors=remount-ro	0 1
PARTLABEL=esp		/boot/efi	vfat	umask=0077,nofail	0 2
FSTAB
mkdir -p "$root/boot/efi"

# A display manager's place: seatmuxd is the seat manager. Networking by
# systemd-networkd; the first-boot unit before anything logs anyone on.
chroot "$root" systemctl enable seatmuxd.service systemd-networkd.service \
	systemd-resolved.service seatmux-image-firstboot.service
chroot "$root" systemctl set-default multi-user.target

# Unique to each machine, so not in the image: the machine-id (empty:
# systemd makes one at first boot and ConditionFirstBoot= holds), the
# host name, root's password (locked until the first boot sets one) and
# any key. seatmuxd makes its RDP TLS key on first use.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/etc/hostname"
# mmdebstrap copied the build machine's resolver in: names come from
# DHCP through systemd-resolved instead.
ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/var/lib/seatmux" "$root/etc/ssh"/ssh_host_*
chroot "$root" usermod -p '!' root
# The journal persists (an administrator reads last boot's).
mkdir -p "$root/var/log/journal"
# The downloaded packages went back to the build's cache (sync-out).
rm -f "$root"/var/cache/apt/archives/*.deb
