"""Any libseat compositor on a remote station: one RDP user's session runs
in seatmux-compositor, another's under Debian's cage ([rdp.user.station1]),
each on its own evdi head in a Hyper-V guest, both showing their client.
"""

import importlib.util
import os
import re
import tempfile

from harness import dev
from stations import seat_color

TIMEOUT = 420
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
DEVICES = [dev("bochs-display", id="console", addr=0x08)]


def rdp_client():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hyperv-rdp.py")
    spec = importlib.util.spec_from_file_location("hyperv_rdp", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(t):
    hv = rdp_client()
    tmp = tempfile.mkdtemp(prefix="rdpany-")
    with t.machine(devices=DEVICES, smbios=HYPERV, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        port = m.ports[3389]
        a = hv.Client(port, "station0", "station0", "640x480", tmp)
        b = hv.Client(port, "station1", "station1", "640x480", tmp)
        (rca, outa), (rcb, outb) = a.join(), b.join()
        for user, client, rc, out, how in (("station0", a, rca, outa, "seatmux-compositor"),
                                           ("station1", b, rcb, outb, "cage")):
            seat = hv.station_of(m, user)
            img = client.image()
            own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
            t.check("%s's station shows their client under %s" % (user, how),
                    rc == 0 and own > 0.8,
                    "rc %r, %s %.0f%%: %s | %s" % (rc, seat, own * 100, out[-150:],
                                                    m.run("tail -n 4 /run/%s.session.log" % seat)[1]))
        rc, out = m.run("ps -o user,comm | grep -E 'cage|seatmux-composi' || true")
        t.check("the two compositors are cage and seatmux-compositor, as their users",
                re.search(r"station1\s+cage", out) and re.search(r"station0\s+seatmux-composi", out),
                out)
