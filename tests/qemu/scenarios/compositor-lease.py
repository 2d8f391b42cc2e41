"""seatmux-compositor on DRM leases: one GPU, two stations.

The card and rules of one-gpu-two-seats (its second connector is seat1's),
with seatmux-compositor and the test client on both seats. Debian's cage
cannot run on a lease (wlroots 0.15 reopens the card by path); ours uses
the lease fd it gets from seatmuxd.
"""

import time

from harness import dev
from stations import attempt, animating, shows, wait_ready

TIMEOUT = 240
OVERLAYS = ["one-gpu-two-seats-overlay", "compositor-lease-overlay"]

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, max_outputs=2, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0", head=0),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head0", head=1),
]


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        ok = attempt(lambda: (wait_ready(m, "seat0", timeout=90), wait_ready(m, "seat1", timeout=90)))
        if not t.check("a compositor runs on each seat's lease", ok,
                       m.run("journalctl -u seatmuxd | tail -n 8; tail -n 5 /run/seat*.session.log")[1]):
            return
        rc, out = m.run("journalctl -u seatmuxd | grep -c 'a lease of its connectors'")
        t.check("both compositors got leases of the one card", out.strip() == "2", out)
        time.sleep(2)
        shows(t, m.screendump("head0", 0), "seat0", "connector 1 shows seat0's client")
        shows(t, m.screendump("head0", 1), "seat1", "connector 2 shows seat1's client")
        animating(t, m, "head0", "connector 1 animates")
