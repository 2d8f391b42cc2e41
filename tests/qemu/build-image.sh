#!/bin/bash
# SPDX-License-Identifier: MIT
# Builds the seatmux test OS image: OUT/vmlinux and OUT/initramfs.img.
#
#   build-image.sh [--build BUILD_DIR] --out OUT_DIR [--overlay DIR]...
#
# The image is one initramfs that systemd 252 runs as PID 1 (no root switch):
# Debian's systemd/udev, dbus and polkit, busybox for the shell and small tools, the kernel
# modules seat tests need, cage/libseat/weston clients with their libraries,
# test users station0..23 and a test control agent on /dev/ttyS1.
#
# It is assembled in two parts so that rebuilding after a code change takes
# seconds:
#   base   everything taken from the host's Debian packages and the kernel;
#          cached under $SEATMUX_CACHE/image/base-<key>, where the key covers
#          every installed package version, the kernel and this builder's
#          own files, so an apt upgrade or an edit here rebuilds it.
#   layer  what `meson install` puts in a staging folder (plus the shared
#          libraries it needs that the base lacks), then each --overlay.
# Each part is its own compressed cpio archive, the base's made once with
# it; the image is the two concatenated, which the kernel unpacks in
# order, a layer's file replacing the base's (as an early microcode
# archive goes before an initramfs). Only the small layer is archived and
# compressed for each image.
#
# Environment: SEATMUX_CACHE (default /var/cache/seatmux),
# SEATMUX_INITRAMFS_COMPRESS (lz4, the default, zstd or none): how both
# parts are compressed. Under TCG the kernel's unpacking is a good part of
# every boot: zstd's 4.3 s (92 MiB of 250) was mostly its decompression,
# which lz4 does several times faster for a third more to load.
# SEATMUX_ZSTD_LEVEL (default 3; the kernel cannot use --long/--ultra).
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
data=$repo/data
cache=${SEATMUX_CACHE:-/var/cache/seatmux}
zlevel=${SEATMUX_ZSTD_LEVEL:-3}
compress=${SEATMUX_INITRAMFS_COMPRESS:-lz4}

die() { echo "build-image: $*" >&2; exit 1; }
note() { echo "build-image: $*" >&2; }
case $compress in
lz4 | zstd | none) ;;
*) die "SEATMUX_INITRAMFS_COMPRESS=$compress: lz4, zstd or none" ;;
esac

usage() {
	echo "usage: $0 [--build BUILD_DIR] --out OUT_DIR [--overlay DIR]..."
}

build= out=
overlays=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=${2:?}; shift 2 ;;
	--build=*) build=${1#*=}; shift ;;
	--out) out=${2:?}; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	--overlay) overlays+=("${2:?}"); shift 2 ;;
	--overlay=*) overlays+=("${1#*=}"); shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { usage >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "must run as root (the image needs root-owned files and device-free chown)"
for o in "${overlays[@]}"; do [ -d "$o" ] || die "overlay $o is not a folder"; done
if [ -n "$build" ]; then
	[ -f "$build/build.ninja" ] || die "$build is not a meson build folder"
fi

t0=$(date +%s.%N)

# --- inputs of the base -----------------------------------------------------

kdir=$(sh "$repo/tools/fetch-kernel.sh")
kver=$(ls "$kdir/lib/modules")
[ -n "$kver" ] || die "no kernel modules in $kdir"
# evdi (virtual heads) is built for that kernel, as dkms would on a target.
evdi=$(sh "$repo/tools/fetch-evdi.sh" "$kver") || die "cannot build evdi for $kver"
# Daemons unpacked but not installed here (their maintainer scripts would
# start them and rewrite this machine's PAM and NSS): a directory server
# and its client side, which the directory scenario's overlay turns on,
# and udisks2, which D-Bus starts when a station's user mounts a stick.
unpacked=$(sh "$repo/tools/fetch-debs.sh" slapd nslcd libnss-ldapd libpam-ldapd ldap-utils \
	udisks2) || die "cannot fetch the packages the image unpacks"
# Of those, what the image uses (patterns, matched in that folder).
unpacked_files=(
	usr/libexec/udisks2/udisksd usr/bin/udisksctl etc/udisks2/udisks2.conf
	usr/share/dbus-1/system-services/org.freedesktop.UDisks2.service
	usr/share/dbus-1/system.d/org.freedesktop.UDisks2.conf
	usr/share/polkit-1/actions/org.freedesktop.UDisks2.policy
	lib/systemd/system/udisks2.service lib/udev/rules.d/80-udisks2.rules
	usr/sbin/slapd 'usr/lib/x86_64-linux-gnu/libslapi-2.5.so.0*'
	'usr/lib/ldap/back_mdb*.so*' 'usr/lib/ldap/ppolicy*.so*'
	etc/ldap/schema/{core,cosine,nis,inetorgperson}.schema
	usr/sbin/nslcd lib/x86_64-linux-gnu/libnss_ldap.so.2
	lib/x86_64-linux-gnu/security/pam_ldap.so
	usr/bin/ldapsearch usr/bin/ldapmodify usr/bin/ldapwhoami
)

# Packages copied whole (minus documentation and the like). Libraries they
# link are found by ldd, so only packages whose files are data, dlopen'd or
# executables need naming here.
pkgs=(
	systemd libsystemd-shared udev kmod
	cage libseat1 libwlroots10 weston libweston-10-0 libevdi0
	xkb-data libinput-bin libwacom-common
	libpam-modules libpam-modules-bin libpam-systemd greetd
	fontconfig-config fonts-dejavu-core
	dbus dbus-daemon dbus-system-bus-common polkitd
	libblockdev2 libblockdev-fs2 libblockdev-loop2 libblockdev-part2 libblockdev-swap2
	libblockdev-utils2	# udisksd's plugins (dlopen'd) and their configuration
)
missing=
for p in "${pkgs[@]}" busybox-static base-files; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] || die "missing host packages:$missing (run tools/install-deps.sh)"
command -v fc-cache >/dev/null || die "no fc-cache (run tools/install-deps.sh)"

# Kernel modules the image carries; dependencies (modules.dep, softdeps)
# are added below. Module names may use - or _.
modules=(
	virtio_pci virtio_gpu virtio_input virtio_console virtio_net
	bochs udl hyperv_drm
	evdev uinput
	usbhid hid_generic xhci_pci xhci_hcd ehci_pci ehci_hcd uhci_hcd ohci_pci
	vhci_hcd usbip_host
	hyperv_keyboard hid_hyperv
	drm drm_kms_helper usbcore	# what evdi (added below) needs
	vsock vsock_loopback		# RDP over AF_VSOCK, tested within the guest
	virtio_blk ext4 crc32c_generic	# a disk for what must outlive a reboot (room-map)
	snd_usb_audio usb_storage sd_mod	# a station hub's sound card and stick (room-map)
)
# Loaded at boot whether or not hardware asks for them: devices that have
# no modalias (uinput, vhci) and the virtio drivers, so that the first
# devices exist as early as possible. Everything else (bochs, udl, usb,
# hyperv) is loaded by udev from the device's modalias.
modules_load=(evdev uinput vhci_hcd virtio_pci virtio_gpu virtio_input evdi)

key=$(
	{
		echo "kernel $kdir"
		echo "evdi $(sha256sum <"$evdi")"
		echo "unpacked $unpacked"
		echo "compress $compress $zlevel"
		dpkg-query -W -f='${Package} ${Version} ${Architecture}\n' | LC_ALL=C sort
		cd "$here" && find build-image.sh image -type f -print0 | LC_ALL=C sort -z |
			xargs -0 sha256sum
		cat "$data/sysusers/seatmux.conf" "$data/sysusers/seatmux-dashboard.conf" \
		    "$data/tmpfiles/seatmux.conf"
		find "$here/image" -type f -perm -u+x -printf '%P x\n' | LC_ALL=C sort
	} | sha256sum | cut -c1-16
)
basedir=$cache/image/base-$key

# --- helpers ----------------------------------------------------------------

# Debian 12 has merged /usr: /bin, /sbin, /lib, /lib64 are symlinks into
# /usr. The image has the same symlinks, so every path put into it must use
# the /usr spelling: a directory called lib/ in an archive would replace
# the lib -> usr/lib symlink when the kernel unpacks it.
canon_sed=
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		t=$(readlink "/$d")
		t=/${t#/}
		canon_sed="$canon_sed;s|^/$d/|$t/|"
	fi
done
canon() { sed -e "${canon_sed#;}"; }

# Folds a staged tree's top-level bin/ sbin/ lib*/ into usr/ (see canon).
merge_usr() {
	local r=$1 d t
	for d in bin sbin lib lib32 lib64 libx32; do
		[ -d "$r/$d" ] && [ ! -L "$r/$d" ] || continue
		[ -L "/$d" ] || continue
		t=$(readlink "/$d"); t=${t#/}
		mkdir -p "$r/$t"
		cp -a "$r/$d/." "$r/$t/"
		rm -rf "${r:?}/$d"
	done
}

# Prints the shared libraries (host paths, /usr spelling) that the ELF
# files under folder $1 need, including the dynamic loader. The loader's
# --list gives the whole transitive closure, resolved the way the host
# resolves it (the image copies the host's libraries, so that is right).
# It is run directly rather than through ldd, which costs ten times more
# per file; static executables and scripts just fail and are ignored.
# Run that way it does not list itself, hence the explicit loader path.
# Libraries in the tree itself are searched first (the directory's slapd
# needs its own libslapi), else the loader stops at the first it cannot
# find and lists none.
needed_libs() {
	local r=$1 loader=/lib64/ld-linux-x86-64.so.2 own
	own=$(cd "$r" && pwd -P)/usr/lib/x86_64-linux-gnu
	{ echo "	$loader (0x0)"; cd "$r" && find . -type f \( -perm -u+x -o -name '*.so' -o -name '*.so.*' \) -print0 |
		xargs -0 -r -n 1 -P 4 "$loader" --library-path "$own" --list 2>/dev/null || true; } |
		sed -n -e 's|.*=> \(/[^ ]*\) (0x.*|\1|p' -e 's|^[[:space:]]*\(/[^ ]*\) (0x.*|\1|p' |
		canon | LC_ALL=C sort -u |
		# A library found through a RUNPATH of $ORIGIN (weston's) resolves
		# inside the scanned tree itself: it is already there.
		awk -v tree="$(cd "$r" && pwd -P)/" 'index($0, tree) != 1'
}

# Copies into root $2 the libraries that the files under $1 need and
# neither $2 nor the root $3 under it (default: none) has, from the host.
add_libs() {
	local scan=$1 r=$2 under=${3:-$2} lib
	while read -r lib; do
		[ -e "$r$lib" ] || [ -L "$r$lib" ] || [ -e "$under$lib" ] || [ -L "$under$lib" ] &&
			continue
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done < <(needed_libs "$scan")
}

# --- base -------------------------------------------------------------------

build_base() {
	local root=$1 f p g

	mkdir -p "$root"
	# Merged-/usr symlinks and the usual top-level folders.
	for d in bin sbin lib lib32 lib64 libx32; do
		if [ -L "/$d" ]; then
			mkdir -p "$root/$(readlink "/$d")"
			ln -s "$(readlink "/$d")" "$root/$d"
		fi
	done
	mkdir -p "$root"/{dev,proc,sys,run,mnt,root,home,etc,tmp,var/{lib,log,cache,spool,tmp}}
	chmod 1777 "$root/tmp" "$root/var/tmp"
	chmod 0700 "$root/root"
	ln -s ../run "$root/var/run"
	ln -s ../run/lock "$root/var/lock"

	# Package files. Generators are left out except the debug one (it
	# honours systemd.mask=/systemd.wants= on the kernel command line): the
	# getty generator would start a login on the serial console and the
	# others look for disks this image does not have. hwdb sources are left
	# out too: without a compiled hwdb.bin udev simply skips hwdb lookups,
	# and nothing seat-related depends on them.
	dpkg -L "${pkgs[@]}" | canon | LC_ALL=C sort -u |
		grep -Ev '^/usr/share/(doc|doc-base|man|info|locale|lintian|bash-completion|zsh|fish|bug|menu|gtk-doc|apport)/' |
		grep -Ev '^/usr/include/|^/usr/lib/systemd/(user|user-generators|user-environment-generators|catalog|network|portable|ntp-units.d|repart)/' |
		grep -v '^/[^/]*$' |
		grep -Ev '^/usr/lib/tmpfiles.d/systemd-(network|nologin).conf|^/usr/lib/udev/hwdb.d/|^/etc/(init.d|rc[0-6S].d|kernel)/|^/usr/lib/kernel/' |
		while read -r f; do
			# Folders come along with the files in them.
			[ -d "$f" ] && [ ! -L "$f" ] && continue
			[ -e "$f" ] || [ -L "$f" ] || continue
			printf '%s\n' "$f"
		done >"$root.files"
	grep -v '^/usr/lib/systemd/system-generators/' "$root.files" >"$root.files2" || true
	grep -x '/usr/lib/systemd/system-generators/systemd-debug-generator' "$root.files" >>"$root.files2" || true
	cpio -pdm --quiet "$root" <"$root.files2"
	rm -f "$root.files" "$root.files2"
	cp -a /usr/lib/os-release "$root/usr/lib/os-release"
	ln -sf ../usr/lib/os-release "$root/etc/os-release"

	# busybox provides the shell and coreutils-style commands, without
	# shadowing a real binary copied above.
	cp /bin/busybox "$root/usr/bin/busybox"
	for f in $(/bin/busybox --list-full | sed 's|^|/|' | canon); do
		[ -e "$root$f" ] || [ -L "$root$f" ] && continue
		[ -e "$root/usr/bin/${f##*/}" ] || [ -e "$root/usr/sbin/${f##*/}" ] && continue
		mkdir -p "$root$(dirname "$f")"
		ln -s /usr/bin/busybox "$root$f"
	done
	# PID 1 and the power commands (systemd-sysv is not copied: it would
	# bring nothing else).
	ln -sf usr/lib/systemd/systemd "$root/init"
	ln -sf ../lib/systemd/systemd "$root/usr/sbin/init"
	for f in poweroff reboot halt shutdown; do
		ln -sf ../bin/systemctl "$root/usr/sbin/$f"
	done

	# The unpacked packages' files (slapadd is slapd under another name).
	# shellcheck disable=SC2068
	(cd "$unpacked" && ls -d ${unpacked_files[@]}) | while read -r f; do
		p=$(echo "/$f" | canon)
		mkdir -p "$root$(dirname "$p")"
		cp -a "$unpacked/$f" "$root$p"
	done
	ln -s slapd "$root/usr/sbin/slapadd"
	# glibc's getent: busybox is static and sees no NSS module but files.
	cp /usr/bin/getent "$root/usr/bin/getent"

	add_libs "$root" "$root"
	# The fonts' cache, made once here: without it every program drawing
	# text (seatmux-screen, weston's clients) reads every font at start
	# and finds no writable place for a cache.
	fc-cache --sysroot "$root" -s >/dev/null 2>&1 || die "fc-cache failed"

	# Kernel modules with their dependencies, then a fresh modules.dep.
	local mdir=$kdir/lib/modules/$kver want
	mkdir -p "$root/usr/lib/modules/$kver"
	want=$(printf '%s\n' "${modules[@]}" | tr - _)
	awk -v want="$want" '
		BEGIN { n = split(want, w, "\n"); for (i = 1; i <= n; i++) wanted[w[i]] = 1 }
		FNR == NR {            # modules.softdep: "softdep mod pre: a b post: c"
			if ($1 == "softdep") { sm = $2; gsub("-", "_", sm)
				for (i = 3; i <= NF; i++) if ($i !~ /:$/) soft[sm] = soft[sm] " " $i }
			next }
		{                      # modules.dep: "path: dep dep"
			p = $1; sub(":$", "", p); m = p; sub(".*/", "", m); sub("\\.ko.*", "", m)
			gsub("-", "_", m); path[m] = p; deps[m] = ""
			for (i = 2; i <= NF; i++) deps[m] = deps[m] " " $i
		}
		END {
			# Softdeps name modules, which may have their own deps: iterate.
			do { changed = 0
				for (m in wanted) { k = split(soft[m], s, " ")
					for (i = 1; i <= k; i++) { t = s[i]; gsub("-", "_", t)
						if ((t in path) && !(t in wanted)) { wanted[t] = 1; changed = 1 } } }
			} while (changed)
			for (m in wanted) {
				if (!(m in path)) { print "MISSING " m; continue }
				print path[m]; k = split(deps[m], d, " ")
				for (i = 1; i <= k; i++) print d[i]
			}
		}' "$mdir/modules.softdep" "$mdir/modules.dep" | LC_ALL=C sort -u >"$root.mods"
	if grep '^MISSING' "$root.mods" >&2; then
		note "kernel modules above are neither in modules.dep nor builtin-checked"
		grep -v '^MISSING' "$root.mods" >"$root.mods2"; mv "$root.mods2" "$root.mods"
	fi
	(cd "$mdir" && cpio -pdm --quiet "$root/usr/lib/modules/$kver" <"$root.mods")
	rm -f "$root.mods"
	cp "$mdir"/modules.{order,builtin,builtin.modinfo} "$root/usr/lib/modules/$kver/"
	mkdir -p "$root/usr/lib/modules/$kver/updates"
	cp "$evdi" "$root/usr/lib/modules/$kver/updates/evdi.ko"
	depmod -b "$root" "$kver"
	mkdir -p "$root/etc/modules-load.d"
	printf '%s\n' "# seatmux test image: see tests/qemu/build-image.sh" "${modules_load[@]}" \
		>"$root/etc/modules-load.d/seatmux.conf"

	# Users: root and 24 station users (enough for the RDP density
	# benchmark's 24 seats) with their own group and home.
	# Station passwords equal their names (for tests that log in, e.g.
	# over RDP); root has none.
	{
		echo "root:x:0:0:root:/root:/bin/sh"
		for i in $(seq 0 23); do
			echo "station$i:x:$((1000 + i)):$((1000 + i)):station $i:/home/station$i:/bin/sh"
		done
		echo "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"
		# The system bus and polkit, for seatmuxd's room interface.
		echo "messagebus:x:100:102::/nonexistent:/usr/sbin/nologin"
		echo "polkitd:x:996:996:polkit:/nonexistent:/usr/sbin/nologin"
	} >"$root/etc/passwd"
	{
		echo "root:x:0:"
		# Groups udev rules and systemd refer to, with the host's numbers.
		for g in adm tty disk lp kmem dialout cdrom floppy tape audio video input render kvm sgx plugdev utmp users systemd-journal; do
			grep "^$g:" /etc/group | cut -d: -f1-3 | sed 's/$/:/'
		done
		for i in $(seq 0 23); do echo "station$i:x:$((1000 + i)):"; done
		echo "nogroup:x:65534:"
		echo "messagebus:x:102:"
		echo "polkitd:x:996:"
	} >"$root/etc/group"
	{
		echo "root::19000:0:99999:7:::"
		for i in $(seq 0 23); do
			h=$(python3 -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], "$6$seatmux$"))' "station$i")
			echo "station$i:$h:19000:0:99999:7:::"
		done
		echo "nobody:*:19000:0:99999:7:::"
	} >"$root/etc/shadow"
	chmod 0600 "$root/etc/shadow"
	for i in $(seq 0 23); do
		install -d -m 0700 -o $((1000 + i)) -g $((1000 + i)) "$root/home/station$i"
	done
	# seatmux's own accounts and folders from its sysusers.d and
	# tmpfiles.d files, as its package makes them; then the room's roles
	# for two test users: station23 is an administrator, station22 a
	# teacher (data/polkit/50-seatmux.rules).
	cat "$data/sysusers/seatmux.conf" "$data/sysusers/seatmux-dashboard.conf" |
		systemd-sysusers --root="$root" - >/dev/null ||
		die "systemd-sysusers failed on data/sysusers/"
	printf 'u nslcd - "nslcd (the directory scenario)" /run/nslcd\nm station23 seatmux-admin\nm station22 seatmux-teacher\n' |
		systemd-sysusers --root="$root" - >/dev/null || die "systemd-sysusers failed"
	systemd-tmpfiles --root="$root" --create - <"$data/tmpfiles/seatmux.conf" ||
		die "systemd-tmpfiles failed on data/tmpfiles/seatmux.conf"
	cat >"$root/etc/nsswitch.conf" <<-'EOF'
	passwd: files
	group: files
	shadow: files
	hosts: files
	networks: files
	protocols: files
	services: files
	EOF
	mkdir -p "$root/etc/pam.d"
	# Permissive on purpose for a test image, but passwords are still
	# checked (pam_unix) so that authentication tests mean something.
	cat >"$root/etc/pam.d/other" <<-'EOF'
	auth     required pam_unix.so nullok
	account  required pam_permit.so
	password required pam_deny.so
	session  required pam_permit.so
	EOF
	# What Debian's pam-auth-update writes (libpam-runtime), for the
	# services that include it (seatmux's): pam_systemd registers sessions
	# with logind.
	printf 'auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\tpam_deny.so\nauth\trequired\tpam_permit.so\n' \
		>"$root/etc/pam.d/common-auth"
	printf 'account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\naccount\trequisite\tpam_deny.so\naccount\trequired\tpam_permit.so\n' \
		>"$root/etc/pam.d/common-account"
	printf 'session\t[default=1]\tpam_permit.so\nsession\trequisite\tpam_deny.so\nsession\trequired\tpam_permit.so\nsession\trequired\tpam_unix.so\nsession\toptional\tpam_systemd.so\n' \
		>"$root/etc/pam.d/common-session"
	printf 'password\trequired\tpam_deny.so\n' >"$root/etc/pam.d/common-password"
	echo seatmux-test >"$root/etc/hostname"
	printf '127.0.0.1 localhost\n::1 localhost\n127.0.1.1 seatmux-test\n' >"$root/etc/hosts"
	: >"$root/etc/machine-id"  # systemd fills in a transient one at boot
	: >"$root/etc/fstab"
	cat >"$root/etc/profile" <<-'EOF'
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	EOF

	# systemd: boot to multi-user.target as a normal system (no
	# /etc/initrd-release), keep the journal in memory and bounded.
	local sd=$root/etc/systemd/system
	mkdir -p "$sd" "$root/etc/systemd/journald.conf.d"
	ln -sf /usr/lib/systemd/system/multi-user.target "$sd/default.target"
	printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\nForwardToConsole=no\n' \
		>"$root/etc/systemd/journald.conf.d/seatmux.conf"
	mkdir -p "$sd/sysinit.target.wants" "$sd/sockets.target.wants" "$sd/multi-user.target.wants"
	for u in systemd-journald.service systemd-udevd.service systemd-udev-trigger.service \
		systemd-modules-load.service systemd-tmpfiles-setup.service \
		systemd-tmpfiles-setup-dev.service kmod-static-nodes.service; do
		ln -sf "/usr/lib/systemd/system/$u" "$sd/sysinit.target.wants/$u"
	done
	# The system bus starts when first used (seatmuxd offers its room
	# interface there), polkit when the bus first asks for it.
	for u in systemd-journald.socket systemd-journald-dev-log.socket \
		systemd-udevd-control.socket systemd-udevd-kernel.socket dbus.socket; do
		ln -sf "/usr/lib/systemd/system/$u" "$sd/sockets.target.wants/$u"
	done
	# Masked: need dbus, disks, a persistent /etc or /var, or filesystems
	# the kernel would have to load modules for; each costs boot time under
	# TCG and some would fail.
	for u in user@.service \
		modprobe@.service getty.target getty-static.service \
		systemd-ask-password-wall.path systemd-ask-password-console.path \
		systemd-update-utmp.service \
		systemd-update-utmp-runlevel.service systemd-remount-fs.service \
		systemd-firstboot.service systemd-hwdb-update.service \
		systemd-journal-catalog-update.service ldconfig.service \
		systemd-sysusers.service systemd-machine-id-commit.service \
		systemd-random-seed.service systemd-binfmt.service \
		systemd-pstore.service systemd-repart.service \
		systemd-pcrphase.service systemd-pcrphase-sysinit.service \
		systemd-boot-update.service systemd-journald-audit.socket \
		systemd-initctl.socket systemd-tmpfiles-clean.timer \
		dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount \
		sys-kernel-tracing.mount sys-fs-fuse-connections.mount \
		sys-kernel-config.mount proc-sys-fs-binfmt_misc.automount \
		cryptsetup.target integritysetup.target veritysetup.target \
		remote-cryptsetup.target remote-veritysetup.target; do
		ln -sf /dev/null "$sd/$u"
	done
	# logind runs alongside seatmuxd, as on any Debian desktop: it tracks
	# seats and the sessions pam_systemd registers, and makes each user's
	# XDG_RUNTIME_DIR (user-runtime-dir@). user@.service (a systemd --user
	# for every station's user) stays masked: seconds of TCG per logon,
	# and nothing here uses it.
	for u in systemd-logind.service systemd-user-sessions.service; do
		ln -sf "/usr/lib/systemd/system/$u" "$sd/multi-user.target.wants/$u"
	done
	# seatmuxd, when the build provides it, starts after udev has settled
	# so that its first enumeration sees every coldplugged device.
	mkdir -p "$sd/seatmuxd.service.d"
	printf '[Unit]\nWants=systemd-udev-settle.service\nAfter=systemd-udev-settle.service\n' \
		>"$sd/seatmuxd.service.d/10-seatmux-image.conf"

	# The builder's own files: the test control agent and its unit.
	cp -a "$here/image/rootfs/." "$root/"
	ln -sf /usr/lib/systemd/system/seatmux-test-agent.service \
		"$sd/multi-user.target.wants/seatmux-test-agent.service"
	ln -sf /usr/lib/systemd/system/seatmux-test-bootwatch.service \
		"$sd/sysinit.target.wants/seatmux-test-bootwatch.service"
	add_libs "$here/image/rootfs" "$root"

	chown -R 0:0 "$root/etc" "$root/usr"
}

# A compressed cpio archive of folder $1, the same for the same tree. The
# kernel takes lz4's legacy frames only (-l).
archive() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc --quiet --reproducible |
		case $compress in
		lz4) lz4 -q -l -c ;;
		zstd) zstd -q -T0 -"$zlevel" -c ;;
		none) cat ;;
		esac)
}

# The kernel of bzImage $1, uncompressed, as an ELF file on stdout. QEMU
# boots it straight at its PVH entry point (CONFIG_PVH): no firmware's
# real-mode loader and no decompressing the kernel under TCG, which took
# some 5 s of every boot (Debian's kernel is xz-compressed). The payload
# is found as extract-vmlinux finds it: at its format's magic.
extract_vmlinux() {
	python3 - "$1" <<'PY'
import lzma, sys, zlib
data = open(sys.argv[1], "rb").read()

def whole(d, b):
    """What d unpacks of b, if its stream ends there (not cut short)."""
    out = d.decompress(b)
    return out if d.eof else b""


unpackers = ((b"\xfd7zXZ\x00", lambda b: whole(lzma.LZMADecompressor(), b)),
             (b"\x1f\x8b\x08", lambda b: whole(zlib.decompressobj(31), b)))
for magic, unpack in unpackers:
    at = data.find(magic)
    while at >= 0:
        try:
            elf = unpack(data[at:])
        except (lzma.LZMAError, zlib.error):
            elf = b""
        if elf[:4] == b"\x7fELF":
            sys.stdout.buffer.write(elf)
            sys.exit(0)
        at = data.find(magic, at + 1)
sys.exit("no xz or gzip kernel in " + sys.argv[1])
PY
}

# Every path under $1, with its type, mode, owner, size and link target.
manifest() {
	(cd "$1" && find . -mindepth 1 -printf '%M %u:%g %s %P %l\n' | LC_ALL=C sort -k4)
}

mkdir -p "$cache/image"
exec 9>"$cache/image/.lock"
flock 9
if [ ! -f "$basedir/.complete" ]; then
	note "building base image $key (cached for later builds)"
	rm -rf "$basedir"
	tmpbase=$(mktemp -d "$cache/image/.base.XXXXXX")
	trap 'rm -rf "$tmpbase"' EXIT
	build_base "$tmpbase/root"
	archive "$tmpbase/root" >"$tmpbase/base.cpio"
	extract_vmlinux "$kdir/boot/vmlinuz-$kver" >"$tmpbase/vmlinux" ||
		die "cannot extract vmlinux from $kdir/boot/vmlinuz-$kver"
	manifest "$tmpbase/root" >"$tmpbase/base-manifest.txt"
	mv "$tmpbase" "$basedir"
	trap - EXIT
	touch "$basedir/.complete"
	# Older bases only take disk space.
	find "$cache/image" -mindepth 1 -maxdepth 1 -name 'base-*' ! -path "$basedir" -exec rm -rf {} +
fi
# Readers hold the lock shared while they read the base, so a builder of
# a newer base cannot prune it from under them.
flock -s 9

# --- layer and final image --------------------------------------------------

work=$(mktemp -d "$cache/image/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
layer=$work/layer
mkdir -p "$layer"

if [ -n "$build" ]; then
	prefix=$(meson introspect --buildoptions "$build" 2>/dev/null |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))' 2>/dev/null || true)
	[ "$prefix" = /usr ] || note "warning: $build has prefix '$prefix', not /usr: udev will not find its rules"
	meson install -C "$build" --destdir "$layer" --quiet >"$work/meson-install.log" 2>&1 ||
		{ cat "$work/meson-install.log" >&2; die "meson install failed"; }
	merge_usr "$layer"
fi
for o in "${overlays[@]}"; do
	cp -a "$o/." "$layer/"
	merge_usr "$layer"
done

add_libs "$layer" "$layer" "$basedir/root"
for u in usr/lib/systemd/system/seatmuxd.service etc/systemd/system/seatmuxd.service; do
	if [ -e "$layer/$u" ] || [ -e "$basedir/root/$u" ]; then
		mkdir -p "$layer/etc/systemd/system/multi-user.target.wants"
		ln -sf /usr/lib/systemd/system/seatmuxd.service \
			"$layer/etc/systemd/system/multi-user.target.wants/seatmuxd.service"
		# A unit installed under /etc wins over /usr/lib anyway.
		break
	fi
done
chown -R 0:0 "$layer"

mkdir -p "$out"
archive "$layer" | cat "$basedir/base.cpio" - >"$out/.initramfs.img.tmp"
mv "$out/.initramfs.img.tmp" "$out/initramfs.img"
# A link, not a copy: 63 MiB in every scenario's image otherwise. (mv
# would refuse a link to the file already there.)
rm -f "$out/vmlinux" "$out/vmlinuz"	# vmlinuz: an older build's
ln "$basedir/vmlinux" "$out/vmlinux" 2>/dev/null || cp "$basedir/vmlinux" "$out/vmlinux"
# The layer's paths over the base's, as the kernel unpacks them.
manifest "$layer" >"$work/layer-manifest.txt"
awk 'NR == FNR { path[$4] = 1; print; next } !($4 in path)' "$work/layer-manifest.txt" \
	"$basedir/base-manifest.txt" | LC_ALL=C sort -k4 >"$out/image-manifest.txt"
flock -u 9
echo "$kver" >"$out/kernel-version"

t1=$(date +%s.%N)
note "$(printf '%s: %s, %s in %.1f s' "$out/initramfs.img" \
	"$(du -h "$out/initramfs.img" | cut -f1)" "base $key" "$(awk "BEGIN{print $t1 - $t0}")")"
