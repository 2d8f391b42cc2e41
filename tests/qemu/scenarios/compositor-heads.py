# SPDX-License-Identifier: MIT
"""seatmux-compositor on simple KMS heads, where Debian's cage cannot go.

Two bochs-display heads (no PRIME import: wlroots 0.15 refuses them; one
driven atomically, one through the legacy API) and a virtio-gpu head, each
its own seat (simple-heads' udev rules). seatmuxd runs seatmux-compositor
with the test client on each: every head shows its own seat's client,
animating, keys and pointer motion reach only their own seat's client,
a killed client is brought back by the compositor, seat2's configured
mode is the one on its head, and unplugging and replugging seat0's monitor
(the connector's sysfs status: a real hotplug event) turns seat0's head off
and on again with the client still there.
"""

import time

from harness import dev
from stations import (COLOR, PIDS, attempt, animating, connector_status, event_log,
                      ready_pids, wait_ready)

TIMEOUT = 300
OVERLAYS = ["simple-heads-overlay", "compositor-heads-overlay"]

DEVICES = [
    dev("bochs-display", id="head0", addr=0x08),
    dev("bochs-display", id="head1", addr=0x09),
    dev("virtio-gpu-pci", id="head2", addr=0x0a, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0b, display="head0"),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0c, display="head1"),
    dev("virtio-mouse-pci", id="mouse2", addr=0x0d, display="head2"),
]
SEATS = {"seat0": "head0", "seat1": "head1", "seat2": "head2"}


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        for seat in SEATS:
            ok = attempt(lambda: wait_ready(m, seat, timeout=90))
            t.check("%s: the client runs in seatmux-compositor" % seat, ok,
                    lambda: m.run("tail -n 5 /run/%s.session.log" % seat)[1])
        rc, out = m.run("grep -h '(atomic)\\|(legacy)' /run/seat*.session.log")
        print("# %s: %s" % (t.name, " | ".join(out.split("\n"))), flush=True)
        t.check("seat1's compositor took the legacy path", "(legacy)" in m.run(
            "cat /run/seat1.session.log")[1], out)
        time.sleep(2)
        shot = m.screendump("head2", 0)
        t.check("seat2's head runs in its configured mode, 640x480",
                (shot.width, shot.height) == (640, 480), "%dx%d" % (shot.width, shot.height))
        rc, out = m.run("grep -h '^resize\\|^ready' %s" % event_log("seat2"))
        t.check("and its client was configured to that size", "width=640 height=480" in out, out)
        for seat, head in SEATS.items():
            shot = m.screendump(head, 0)
            own = shot.fraction_near(COLOR[seat], tolerance=24)
            others = max(shot.fraction_near(COLOR[s], tolerance=24) for s in SEATS if s != seat)
            t.check("%s shows %s's client over the whole head" % (head, seat),
                    own > 0.85 and others < 0.01,
                    "%.0f%% own, %.1f%% other (%dx%d)" % (own * 100, others * 100,
                                                          shot.width, shot.height))
            animating(t, m, head, "%s animates (frames paced by page flips)" % head)

        # Input through libinput, devices opened through libseat/seatmuxd.
        m.send_key("kbd1", "a")
        ok = attempt(lambda: m.wait_until("grep -q '^key key=30 state=pressed' %s"
                                          % event_log("seat1"), 20))
        t.check("a key on seat1's keyboard reaches seat1's client", ok,
                lambda: m.run("grep -v '^frame' %s | tail -n 5" % event_log("seat1"))[1])
        rc, out = m.run("grep -c '^key key=' %s %s || true" % (event_log("seat0"), event_log("seat2")))
        t.check("and no other seat's client", all(l.endswith(":0") for l in out.split()), out)
        m.send_key("kbd0", "shift")
        m.send_keys("kbd0", ["b"])
        ok = attempt(lambda: m.wait_until("grep -q '^key key=48 state=pressed' %s"
                                          % event_log("seat0"), 20))
        t.check("seat0's keyboard types into seat0's client", ok)
        for _ in range(3):
            m.move_rel("mouse2", 30, 20)
        ok = attempt(lambda: m.wait_until("grep -q '^motion' %s" % event_log("seat2"), 20))
        t.check("seat2's mouse moves the pointer over seat2's client", ok,
                lambda: m.run("grep -v '^frame' %s | tail -n 5" % event_log("seat2"))[1])

        pid = ready_pids(m, "seat0")[-1]
        m.run("kill -KILL %d" % pid)
        ok = attempt(lambda: wait_ready(m, "seat0", count=2, timeout=60))
        rc, comp = m.run(PIDS % ("station0", "seatmux-composi"))
        t.check("a killed client is restarted by the compositor, which stays",
                ok and comp.strip(), lambda: m.run("tail -n 5 /run/seat0.session.log")[1])
        time.sleep(2)
        own = m.screendump("head0", 0).fraction_near(COLOR["seat0"], tolerance=24)
        t.check("head0 shows seat0's client again", own > 0.85, "%.0f%%" % (own * 100))

        # Hotplug: seat0's monitor goes and comes back.
        connector_status(m, "0000:00:08.0", "*", "off")
        ok = attempt(lambda: m.wait_until("grep -q 'disconnected' /run/seat0.session.log", 20))
        t.check("the compositor sees seat0's monitor unplugged", ok,
                lambda: m.run("tail -n 3 /run/seat0.session.log")[1])
        connector_status(m, "0000:00:08.0", "*", "detect")
        ok = attempt(lambda: m.wait_until("grep -q 'connected, ' /run/seat0.session.log", 20))
        t.check("and plugged back, lights the head again", ok,
                lambda: m.run("tail -n 3 /run/seat0.session.log")[1])
        time.sleep(2)
        own = m.screendump("head0", 0).fraction_near(COLOR["seat0"], tolerance=24)
        t.check("head0 shows seat0's client after the replug", own > 0.85, "%.0f%%" % (own * 100))
        animating(t, m, "head0", "and it animates again")
