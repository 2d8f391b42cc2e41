"""Any libseat compositor on a remote station: one RDP user's session runs
in seatmux-compositor, another's under Debian's cage ([rdp.user.station1]),
each on its own evdi head in a Hyper-V guest, both showing their client.
"""

import re
import tempfile

from stations import attempt, scenario, seat_color

TIMEOUT = 420


def run(t):
    hv = scenario("hyperv-rdp")
    tmp = tempfile.mkdtemp(prefix="rdpany-")
    with t.machine(devices=hv.DEVICES, smbios=hv.HYPERV, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        port = m.ports[3389]
        ok = attempt(lambda: m.wait_until("journalctl -u seatmuxd | grep -q 'rdp: listening'", 30))
        if not t.check("seatmuxd listens for RDP", ok, m.run("journalctl -u seatmuxd | tail -n 5")[1]):
            return
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
        # (cage ends when its only output goes, so it is no longer running
        # once the client has disconnected: its session log tells.)
        log0 = m.run("cat /run/%s.session.log" % hv.station_of(m, "station0"))[1]
        log1 = m.run("cat /run/%s.session.log" % hv.station_of(m, "station1"))[1]
        t.check("the sessions ran seatmux-compositor and cage, as configured per user",
                "seatmux-compositor:" in log0 and "seatmux-compositor:" not in log1 and
                re.search(r"^ready pid=", m.run("cat /home/station1/events.log")[1], re.M),
                log1[-300:])
