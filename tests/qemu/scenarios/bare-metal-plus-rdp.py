"""Physical stations and an RDP station side by side, on bare metal.

two-stations' machine (two virtio GPUs, keyboards and mice, seat1 by udev
rules), not a VM console: physical heads are stations. RDP is turned on
in the configuration; a third user connects over RDP. The physical
stations go on showing and taking input as before, the remote one gets a
seat of its own, and no input crosses between the three.
"""

import re
import tempfile
import time

from stations import animating, attempt, event_log, scenario, seat_color, shows, wait_ready

TIMEOUT = 420
OVERLAYS = ["two-stations-overlay", "bare-metal-plus-rdp-overlay"]
DEVICES = scenario("two-stations").DEVICES


def run(t):
    Client = scenario("hyperv-rdp").Client
    tmp = tempfile.mkdtemp(prefix="bmrdp-")
    with t.machine(devices=DEVICES, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        ok = attempt(lambda: (wait_ready(m, "seat0"), wait_ready(m, "seat1")))
        if not t.check("both physical seats' clients start under cage", ok,
                       m.run("journalctl -t seatmuxd | tail -n 5")[1]):
            return
        rc, out = m.run("journalctl -t seatmuxd")
        t.check("on bare metal the heads are stations and RDP listens as configured",
                "physical heads: stations" in out and "rdp: listening" in out, out[-400:])

        c = Client(m.ports[3389], "station2", "station2", "640x480", tmp,
                   ["--keys", "0x30", "--act-after", "90"])
        rc, log = c.join()
        seat = re.search(r"station2 logged on from .*: (seat-rdp\d+)",
                         m.run("journalctl -t seatmuxd")[1])
        seat = seat.group(1) if seat else None
        img = c.image()
        own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
        t.check("the RDP user gets a station of their own beside them",
                rc == 0 and seat and own > 0.8, "rc %r %s %.0f%%: %s" % (rc, seat, own * 100, log[-200:]))

        time.sleep(1)
        shows(t, m.screendump("head0", 0), "seat0", "head0 still shows seat0's client")
        shows(t, m.screendump("head1", 0), "seat1", "head1 still shows seat1's client")
        animating(t, m, "head0", "and seat0's head animates")
        m.send_key("kbd1", "a")
        ok = attempt(lambda: m.wait_until("grep -q '^key key=30 state=pressed' %s"
                                          % event_log("seat1"), 20))
        e0 = m.run("cat %s" % event_log("seat0"))[1]
        e1 = m.run("cat %s" % event_log("seat1"))[1]
        e2 = m.run("cat /home/station2/events.log 2>/dev/null")[1]
        t.check("a key on seat1's keyboard reaches seat1 only", ok and "key key=30" not in e0 and
                "key key=30" not in e2, e2[-200:])
        t.check("a key from the RDP client reaches its station only",
                re.search(r"^key key=48 state=pressed", e2, re.M) and "key key=48" not in e0 and
                "key key=48" not in e1, e2[-300:])
