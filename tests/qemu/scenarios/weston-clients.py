# SPDX-License-Identifier: MIT
"""Debian's weston-simple-shm renders on a seatmux station.

One head, one keyboard; seatmuxd runs cage with weston-simple-shm (an
animated shm client of Weston's) as station0. The head's pixels must show
the client and change over time.
"""

import time

from harness import dev

TIMEOUT = 240

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=640, yres=480),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
]


def distinct_colors(shot, step=7):
    return len({shot.pixel(x, y) for y in range(0, shot.height, step)
                for x in range(0, shot.width, step)})


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        try:
            m.wait_until("ps -o user,comm | grep -q '^station0 *weston-simple'", 90, interval=1)
            started = True
        except Exception as e:
            started = False
        t.check("weston-simple-shm runs as station0 in the seat's session", started,
                lambda: m.run("tail -n 5 /run/seat0.session.log")[1])
        # Wait for it to draw: a blank head has one colour.
        deadline = time.monotonic() + 60
        shot = m.screendump("head0", 0)
        while distinct_colors(shot) < 8 and time.monotonic() < deadline:
            time.sleep(2)
            shot = m.screendump("head0", 0)
        t.check("the head shows weston-simple-shm's gradient", distinct_colors(shot) >= 8,
                "%d distinct colours" % distinct_colors(shot))
        time.sleep(1.5)
        later = m.screendump("head0", 0)
        changed = sum(1 for y in range(0, shot.height, 5) for x in range(0, shot.width, 5)
                      if shot.pixel(x, y) != later.pixel(x, y))
        t.check("its pixels change over time", changed > 100, "%d sampled pixels changed" % changed)
