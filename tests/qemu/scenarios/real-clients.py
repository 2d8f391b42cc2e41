# SPDX-License-Identifier: MIT
"""Debian's Weston clients in seatmux-compositor on a bochs head.

weston-terminal is the seat's application: it draws, and keys typed on the
seat's keyboard (QMP -> virtio keyboard -> libinput through libseat) reach
it and change the head. Then weston-simple-damage replaces it and animates.
"""

import time

from harness import dev
from stations import PIDS, attempt

TIMEOUT = 240

DEVICES = [
    dev("bochs-display", id="head0", addr=0x08),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0b, display="head0"),
]


def colours(shot, step=9):
    return len({shot.pixel(x, y) for y in range(0, shot.height, step)
                for x in range(0, shot.width, step)})


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        ok = attempt(lambda: m.wait_until("[ -n \"$(%s)\" ]" % (PIDS % ("station0", "weston-terminal")), 60))
        t.check("weston-terminal runs in the seat's seatmux-compositor", ok,
                lambda: m.run("tail -n 5 /run/seat0.session.log")[1])
        time.sleep(5)
        before = m.screendump("head0", 0)
        t.check("weston-terminal draws on the head", colours(before) >= 2,
                "%d colours" % colours(before))
        # Text is what differs from the background colour: typing a command
        # and its output adds two lines of it (a blinking cursor adds none).
        bg = before.pixel(before.width - 5, before.height - 5)
        ink_before = before.width * before.height - before.count_near(bg, tolerance=8)
        m.send_keys("kbd0", ["e", "c", "h", "o", "spc", "s", "e", "a", "t", "m", "u", "x", "ret"])
        ink_after = ink_before
        for _ in range(20):
            time.sleep(1)
            after = m.screendump("head0", 0)
            ink_after = after.width * after.height - after.count_near(bg, tolerance=8)
            if ink_after > ink_before + 300:
                break
        t.check("keys typed on the seat's keyboard reach the focused terminal",
                ink_after > ink_before + 300,
                "text pixels %d -> %d" % (ink_before, ink_after))

        m.run("sed -i 's/^application = .*/application = weston-simple-damage/' "
              "/etc/seatmux/seatmux.conf && systemctl restart seatmuxd", check=True, timeout=40)
        ok = attempt(lambda: m.wait_until("[ -n \"$(%s)\" ]" % (PIDS % ("station0", "weston-simple-d")), 60))
        t.check("weston-simple-damage runs in seatmux-compositor", ok)
        time.sleep(3)
        a = m.screendump("head0", 0)
        time.sleep(1.5)
        b = m.screendump("head0", 0)
        t.check("weston-simple-damage animates on the head", a.pixels != b.pixels and colours(a) >= 2,
                "%d colours, identical=%s" % (colours(a), a.pixels == b.pixels))
