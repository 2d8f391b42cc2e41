# SPDX-License-Identifier: MIT
"""Simple KMS heads driven by our own KMS layer (drivers/drm/kms).

Two bochs-display heads (dumb buffers only: Debian's cage cannot use them;
one driven atomically, one through the legacy API) and one virtio-gpu head,
each its own seat. seatmuxd runs kms-paint on each
seat: it opens its card through libseat and seatmuxd, fills the head with
the seat's colour and moves a square, presenting damage rectangles only.
"""

import re
import time

from harness import dev
from stations import COLOR, PIDS, attempt

TIMEOUT = 240

DEVICES = [
    dev("bochs-display", id="head0", addr=0x08),
    dev("bochs-display", id="head1", addr=0x09),
    dev("virtio-gpu-pci", id="head2", addr=0x0a, xres=800, yres=600),
]
SEATS = {"seat0": "head0", "seat1": "head1", "seat2": "head2"}


def kms_log(seat):
    return "/home/station%s/kms.log" % seat[len("seat"):]


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        for seat in SEATS:
            ok = attempt(lambda: m.wait_until("grep -q '^head ' %s" % kms_log(seat), 60))
            t.check("%s: kms-paint lights its head" % seat, ok,
                    lambda: m.run("cat %s; tail -n 5 /run/%s.session.log" % (kms_log(seat), seat))[1])
        time.sleep(3)
        for seat, head in SEATS.items():
            rc, out = m.run("grep '^head ' %s | tail -n 1" % kms_log(seat))
            print("# %s: %s" % (t.name, out.strip()), flush=True)
            shot = m.screendump(head, 0)
            own = shot.fraction_near(COLOR[seat], tolerance=24)
            others = max(shot.fraction_near(COLOR[s], tolerance=24) for s in SEATS if s != seat)
            t.check("%s shows %s's colour and no other seat's" % (head, seat),
                    own > 0.8 and others < 0.01,
                    "%.0f%% own, %.1f%% other" % (own * 100, others * 100))
            black = shot.count_near((0, 0, 0), tolerance=8)
            t.check("%s: one 48x48 square, no trail (damage repaired in both buffers)" % head,
                    48 * 48 <= black <= 2 * 48 * 48, "%d black pixels" % black)
            later = m.screendump(head, 0)
            t.check("%s: the square moves (presented damage reaches the head)" % head,
                    shot.pixels != later.pixels, "two screendumps are identical")
        rc, out = m.run("grep -h '^head ' %s %s" % (kms_log("seat0"), kms_log("seat1")))
        t.check("seat0 took the atomic path, seat1 (--legacy) the legacy one",
                out.split("\n")[0].endswith("path=atomic") and
                out.split("\n")[1].endswith("path=legacy"), out)
        rc, out = m.run("grep -h '^flip ' %s | tail -n 3" % " ".join(kms_log(s) for s in SEATS))
        t.check("page flips pace the painting", re.search(r"flip head=\S+ n=\d+", out) is not None, out)

        # A killed session comes back and lights the head again.
        rc, pids = m.run(PIDS % ("station1", "kms-paint"))
        m.run("kill -KILL %s; true" % " ".join(pids.split()))
        ok = attempt(lambda: m.wait_until("[ $(grep -c '^head ' %s) -ge 2 ]" % kms_log("seat1"), 60))
        t.check("seat1's killed kms-paint is restarted and takes its head again", ok,
                lambda: m.run("cat %s" % kms_log("seat1"))[1])
        time.sleep(2)
        own = m.screendump("head1", 0).fraction_near(COLOR["seat1"], tolerance=24)
        t.check("head1 shows seat1 again", own > 0.8, "%.0f%%" % (own * 100))
