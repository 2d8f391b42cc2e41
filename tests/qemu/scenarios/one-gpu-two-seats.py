# SPDX-License-Identifier: MIT
"""One graphics card, two seats: a connector each, by DRM lease.

One virtio GPU with two outputs; a udev rule gives its second connector
(and the second keyboard) to seat1. seatmuxd keeps DRM master on the card
and answers each seat's request for it with a lease holding only that
seat's connector, a CRTC and its primary plane. kms-paint (our KMS layer)
draws each seat's colour on its lease; ending seat1's session revokes its
lease while seat0 draws on, and the next session gets a new lease. Last,
the udev rule is replaced by the configuration's `connector =` key, with
the same outcome.
"""

import re
import time

from harness import dev
from stations import COLOR, PIDS, SEATCLIENT, animating, attempt

TIMEOUT = 240

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, max_outputs=2, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0", head=0),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head0", head=1),
]
KBD1 = "/dev/input/by-path/pci-0000:00:0b.0-event-kbd"


def kms_log(seat):
    return "/home/station%s/kms.log" % seat[len("seat"):]


def heads(m, seat):
    rc, out = m.run("grep '^head ' %s 2>/dev/null" % kms_log(seat))
    return out.splitlines()


def shows(t, shot, seat, what):
    other = "seat1" if seat == "seat0" else "seat0"
    own = shot.fraction_near(COLOR[seat], tolerance=24)
    foreign = shot.fraction_near(COLOR[other], tolerance=24)
    t.check(what, own > 0.8 and foreign < 0.01,
            "%.0f%% own colour, %.1f%% the other seat's" % (own * 100, foreign * 100))


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        ok = attempt(lambda: m.wait_until("grep -q '^head ' %s && grep -q '^head ' %s"
                                          % (kms_log("seat0"), kms_log("seat1")), 60))
        if not t.check("each seat lights a head on its lease", ok,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 12")[1]):
            return
        rc, out = m.run("journalctl -t seatmuxd | grep -c 'a lease of its connectors'")
        t.check("both seats got the card as a lease, not the card", out.strip() == "2", out)
        rc, out = m.run("journalctl -t seatmuxd | grep -E 'lease [0-9]+ to'")
        t.check("each lease holds one connector, a CRTC and a plane",
                len(re.findall(r"1 connector\(s\), 3 objects", out)) == 2, out)
        h0, h1 = heads(m, "seat0"), heads(m, "seat1")
        t.check("seat0 sees only connector Virtual-1 through its lease",
                len(h0) == 1 and "connector=Virtual-1" in h0[0], h0)
        t.check("seat1 sees only connector Virtual-2 through its lease",
                len(h1) == 1 and "connector=Virtual-2" in h1[0], h1)
        time.sleep(2)
        shows(t, m.screendump("head0", 0), "seat0", "connector 1 (head 0) shows seat0")
        shows(t, m.screendump("head0", 1), "seat1", "connector 2 (head 1) shows seat1")

        rc, out = m.run("%s -u station0 open /run/seatmux/seat0.sock %s" % (SEATCLIENT, KBD1))
        t.check("seat0 asking for seat1's keyboard gets EPERM", "error errno=1 " in out, out)
        rc, out = m.run("%s -u station1 open /run/seatmux/seat1.sock /dev/dri/card0" % SEATCLIENT)
        t.check("seat1's connector, leased to its session, is not leased twice (EBUSY)",
                "card0 error errno=16 " in out, out)

        rc, pids = m.run(PIDS % ("station1", "kms-paint"))
        revoked_before = m.run("journalctl -t seatmuxd | grep -c 'revoked' || true")[1].strip()
        m.run("kill -KILL %s; true" % " ".join(pids.split()))
        ok = attempt(lambda: m.wait_until(
            "[ $(journalctl -t seatmuxd | grep -c 'revoked') -gt %s ]" % revoked_before, 20))
        t.check("ending seat1's session revokes its lease", ok,
                lambda: m.run("journalctl -t seatmuxd | tail -n 6")[1])
        animating(t, m, "head0", "seat0 keeps drawing meanwhile")
        ok = attempt(lambda: m.wait_until("[ $(grep -c '^head ' %s) -ge 2 ]" % kms_log("seat1"), 60))
        t.check("seat1's next session gets a new lease and lights its head", ok,
                lambda: m.run("journalctl -t seatmuxd | grep lease | tail -n 4")[1])
        time.sleep(2)
        shows(t, m.screendump("head0", 1), "seat1", "head 1 shows seat1 again")

        # The same split from the configuration instead of udev.
        heads_before = len(heads(m, "seat1"))
        m.run("systemctl stop seatmuxd && sed -i '/Virtual-2/d' /etc/udev/rules.d/72-seat1.rules && "
              "udevadm control --reload && udevadm trigger --action=change --settle "
              "/sys/class/drm/card0-Virtual-2", check=True, timeout=40)
        rc, out = m.run("udevadm info -q property /sys/class/drm/card0-Virtual-2 | grep ID_SEAT")
        t.check("without the rule, udev no longer gives the connector to seat1", rc != 0, out)
        m.run("printf '\\n[seat.seat1]\\nconnector = 0000:00:08.0/Virtual-2\\n' >> "
              "/etc/seatmux/seatmux.conf && systemctl start seatmuxd", check=True, timeout=40)
        ok = attempt(lambda: m.wait_until("[ $(grep -c '^head ' %s) -gt %d ]"
                                          % (kms_log("seat1"), heads_before), 60))
        t.check("with connector = in seatmux.conf, seat1 gets its lease again", ok,
                lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])
        h1 = heads(m, "seat1")
        t.check("and again only connector Virtual-2", h1 and "connector=Virtual-2" in h1[-1], h1[-1:])
        time.sleep(2)
        shows(t, m.screendump("head0", 1), "seat1", "head 1 shows seat1 (configured split)")
        shows(t, m.screendump("head0", 0), "seat0", "head 0 shows seat0 (configured split)")
