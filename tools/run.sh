#!/bin/sh
# SPDX-License-Identifier: MIT
# Boots the seatmux OS image under QEMU with seatmuxd as the seat manager
# and two stations (data/demo/): each a virtio GPU head, a keyboard and a
# mouse, running a terminal under cage as its own user.
#
#   tools/run.sh [--headless] [--hyperv [--rdp-port PORT]] [--out DIR]
#                [--build DIR] [--memory MB] [--timeout SECONDS]
#
# --build uses a meson build folder of this tree made already (a test or
# developer build, with --prefix=/usr) instead of making OUT/build.
# --hyperv boots it as a Hyper-V guest instead (data/demo-hyperv/): its
# head is the VM's console, and stations are RDP connections to
# 127.0.0.1:PORT (default 3389), a terminal for each user who logs on.
# With a display (DISPLAY or WAYLAND_DISPLAY set) QEMU opens a window; each
# station's input devices are bound to its own head's console, so typing in
# head1's view types on seat1. Headless, the QMP socket and serial log are
# printed together with the command that screendumps a station.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/run
build=
headless=
hyperv=
rdp_port=3389
memory=1024
timeout=0

while [ $# -gt 0 ]; do
	case $1 in
	--headless) headless=1; shift ;;
	--hyperv) hyperv=1; shift ;;
	--rdp-port) rdp_port=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--build) build=${2:?}; shift 2 ;;
	--memory) memory=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
if [ -z "$headless" ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	headless=1
fi

"$top/tools/install-deps.sh"
if [ -z "$headless" ] && ! dpkg-query -W qemu-system-gui >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-gui
fi

# Says what failed, with the end of its log, instead of exiting silently.
step() {
	what=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 && return 0
	echo "run.sh: $what failed (log: $log):" >&2
	tail -n 20 "$log" >&2
	exit 1
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -n "$build" ] || build=$out/build
mkdir -p "$build"
build=$(cd "$build" && pwd)
if [ ! -f "$build/build.ninja" ]; then
	# The source tree is named: run.sh may be started from any folder.
	step "meson setup" "$out/meson-setup.log" \
		meson setup "$build" "$top" --prefix=/usr --sysconfdir=/etc
fi
step "the build" "$out/build.log" ninja -C "$build"
demo=$top/data/demo
[ -z "$hyperv" ] || demo=$top/data/demo-hyperv
step "the image build" "$out/build-image.log" \
	"$top/tests/qemu/build-image.sh" --build "$build" --out "$out/image" --overlay "$demo"

qmp=$out/qmp.sock
serial=$out/serial.log
rm -f "$qmp"
if [ -n "$headless" ]; then
	display="-display none"
else
	display="-display gtk"
fi

set -- qemu-system-x86_64 -accel tcg -m "$memory" -smp 2 -nodefaults -no-user-config \
	-vga none $display -no-reboot \
	-kernel "$out/image/vmlinux" -initrd "$out/image/initramfs.img" \
	-append "console=ttyS0 quiet loglevel=3 systemd.show_status=error panic=-1" \
	-qmp "unix:$qmp,server=on,wait=off" -serial "file:$serial"

if [ -n "$hyperv" ]; then
	cat <<MSG
seatmux: booting a Hyper-V guest whose stations are RDP connections.
  serial log:  $serial
  connect:     any RDP client to 127.0.0.1:$rdp_port, e.g.
                 xfreerdp /v:127.0.0.1:$rdp_port /u:station0 /p:station0 /cert:ignore
               (TLS with a certificate the guest made; allow ~30 s for seatmuxd)
  users:       station0 to station3 (password: the user name)
  stop:        Ctrl-C here (or close the QEMU window)
MSG
	set -- "$@" \
		-smbios "type=1,manufacturer=Microsoft Corporation,product=Virtual Machine" \
		-device bochs-display,id=console,addr=0x08 \
		-netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$rdp_port-:3389" \
		-device virtio-net-pci,netdev=net0,addr=0x1e
else
	cat <<MSG
seatmux: booting two stations under QEMU (TCG: allow ~30 s for both to show).
  serial log:  $serial
  QMP socket:  $qmp
  see a station:  $top/tools/qmp.py $qmp screendump head0 seat0.png
                  $top/tools/qmp.py $qmp screendump head1 seat1.png
  type on seat1:  $top/tools/qmp.py $qmp type head1 'echo hello from seat1\n'
  users:          station0 and station1 (password: the user name)
  stop:           Ctrl-C here (or close the QEMU window)
MSG
	set -- "$@" \
		-device virtio-gpu-pci,id=head0,addr=0x08,xres=1024,yres=768 \
		-device virtio-gpu-pci,id=head1,addr=0x09,xres=1024,yres=768 \
		-device virtio-keyboard-pci,id=kbd0,addr=0x0a,display=head0 \
		-device virtio-keyboard-pci,id=kbd1,addr=0x0b,display=head1 \
		-device virtio-tablet-pci,id=mouse0,addr=0x0c,display=head0 \
		-device virtio-tablet-pci,id=mouse1,addr=0x0d,display=head1
fi
if [ "$timeout" -gt 0 ]; then
	exec timeout --foreground -s TERM "$timeout" "$@"
fi
exec "$@"
