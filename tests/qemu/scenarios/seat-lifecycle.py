# SPDX-License-Identifier: MIT
"""A seat's life: devices revoked with its session, hotplug, losing its head.

Same stations as two-stations (its overlay is reused). Checks that a
device held by a seat's process dies with the seat's session, that a
keyboard hot-plugged for seat1 types into seat1's client, that unplugging
seat1's only GPU ends the seat and its session while seat0 draws on, and
that plugging a GPU back brings seat1 back with a new session.
"""

import time

from harness import dev
from stations import (COLOR, PIDS, SEATCLIENT, attempt, event_log, frame_lines,
                      ready_pids, wait_ready)

TIMEOUT = 420
OVERLAYS = ["two-stations-overlay", "seat-lifecycle-overlay"]

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=800, yres=600),
    dev("virtio-gpu-pci", id="head1", addr=0x09, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head1"),
]
KBD1 = "/dev/input/by-path/pci-0000:00:0b.0-event-kbd"
SOCK1 = "/run/seatmux/seat1.sock"


def ready_count(m, seat):
    return len(ready_pids(m, seat))


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        ok = attempt(lambda: (wait_ready(m, "seat0"), wait_ready(m, "seat1")))
        if not t.check("both stations come up", ok, lambda: m.run("journalctl -t seatmuxd | tail -5")[1]):
            return

        # A device a session process holds is revoked when the session ends.
        m.run("%s -u station1 hold %s %s 90 >/tmp/hold.out 2>&1 &" % (SEATCLIENT, SOCK1, KBD1))
        held = attempt(lambda: m.wait_until("grep -q ' ok id=' /tmp/hold.out", 20))
        t.check("station1 holds seat1's keyboard through the broker", held,
                lambda: m.run("cat /tmp/hold.out")[1])
        rc, cage1 = m.run(PIDS % ("station1", "cage"))
        m.run("kill -KILL %s; true" % " ".join(cage1.split()))
        revoked = attempt(lambda: m.wait_until("grep -q '^revoked' /tmp/hold.out", 20))
        t.check("the keyboard is revoked when seat1's session ends", revoked,
                lambda: m.run("cat /tmp/hold.out")[1])
        ok = attempt(lambda: wait_ready(m, "seat1", 2))
        t.check("seat1's session comes back", ok)

        # Hotplug: a new keyboard for seat1 types into seat1's client.
        m.device_add(driver="virtio-keyboard-pci", id="kbd2", addr="0x0e", display="head1")
        ok = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd | grep -q 'evdev event[0-9]* on seat1: keyboard'"
            " && [ -e /dev/input/by-path/pci-0000:00:0e.0-event-kbd ]", 30))
        t.check("a hot-plugged keyboard is registered on seat1", ok,
                lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1])
        node = m.run("readlink -f /dev/input/by-path/pci-0000:00:0e.0-event-kbd")[1].strip()
        ok = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd | grep -q 'seat1: %s handed to pid'" % node, 30))
        t.check("seat1's cage opens the new keyboard through the broker", ok,
                lambda: m.run("journalctl -t seatmuxd | tail -n 5; tail -n 400 /run/seat1.session.log | uniq | tail")[1])
        m.device_del("kbd1", timeout=30)
        m.send_key("kbd2", "b")
        ok = attempt(lambda: m.wait_until("grep -q '^key key=48 state=pressed' %s" % event_log("seat1"), 20))
        t.check("the hot-plugged keyboard types into seat1's client", ok,
                lambda: m.run("grep '^key' %s | tail -n 3" % event_log("seat1"))[1])
        rc, out = m.run("grep -c '^key key=48' %s || true" % event_log("seat0"))
        t.check("seat0's client got nothing of it", out.strip() == "0", out)

        # Losing its only head ends seat1 and its session; seat0 goes on.
        # QEMU cannot hot-unplug a virtio GPU, so the head leaves the seat
        # the way an administrator moves it: a udev rule and a change event.
        frames0 = frame_lines(m, "seat0")
        m.run("mkdir -p /run/udev/rules.d && echo 'TAG==\"seat\", ENV{ID_FOR_SEAT}==\"drm-pci-0000_00_09_0\", "
              "ENV{ID_SEAT}=\"seat2\"' > /run/udev/rules.d/72-seatmux-move.rules && "
              "udevadm control --reload && udevadm trigger --action=change --settle "
              "/sys/bus/pci/devices/0000:00:09.0/drm/card*", check=True)
        ok = attempt(lambda: m.wait_until("[ ! -e %s ]" % SOCK1, 30))
        t.check("seat1 ends when its only GPU leaves it (socket removed)", ok,
                lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])
        ok = attempt(lambda: m.wait_until("[ -z \"$(%s)\" ]" % (PIDS % ("station1", "cage")), 30))
        t.check("seat1's session is stopped", ok, lambda: m.run("ps -o pid,user,comm")[1][-400:])
        rc, out = m.run("journalctl -t seatmuxd | grep -c 'seat1: lost its last head' || true")
        t.check("the broker says why", out.strip() == "1", out)
        ok = attempt(lambda: m.wait_until("[ -S /run/seatmux/seat2.sock ]", 30))
        t.check("the GPU makes a seat2 (a socket, no session configured)", ok,
                lambda: m.run("ls /run/seatmux")[1])
        time.sleep(2)
        t.check("seat0 keeps drawing", frame_lines(m, "seat0") > frames0,
                "frame lines stayed at %d" % frames0)

        # Given back, the GPU brings seat1 back with a new session.
        before = ready_count(m, "seat1")
        m.run("rm /run/udev/rules.d/72-seatmux-move.rules && udevadm control --reload && "
              "udevadm trigger --action=change --settle /sys/bus/pci/devices/0000:00:09.0/drm/card*",
              check=True)
        ok = attempt(lambda: wait_ready(m, "seat1", before + 1, timeout=120))
        t.check("seat1 returns with a new session", ok, lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])
        rc, out = m.run("ls /run/seatmux")
        t.check("seat2 is gone again", "seat2" not in out, out)
        if ok:
            time.sleep(2)
            shot = m.screendump("head1", 0)
            own = shot.fraction_near(COLOR["seat1"], tolerance=24)
            t.check("head1 shows seat1's client again", own > 0.6, "%.0f%% seat1 colour" % (own * 100))
