"""A room of both kinds in one Hyper-V guest: two RDP stations and one
USB-over-Ethernet station (tests/usbip's emulator behind the station
agent, TLS). Each gets a seat and a session of its own, each shows its own
client, and no key crosses from one to another."""

import re
import tempfile

from harness import dev
from stations import attempt, scenario, seat_color

TIMEOUT = 420
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
DEVICES = [dev("bochs-display", id="console", addr=0x08)]


def run(t):
    usb = scenario("usbip-station")
    Client = scenario("hyperv-rdp").Client
    tmp = tempfile.mkdtemp(prefix="room-")
    certs = {n: usb.make_cert(tmp, n) for n in ("seatmuxd", "desk1")}
    emu = usb.Emulator(tmp, "desk1")
    agent = usb.Agent(tmp, "desk1", emu, *certs["desk1"], peer=certs["seatmuxd"][0])
    try:
        with t.machine(devices=DEVICES, smbios=HYPERV, hostfwd=[3389],
                       guestfwd={3241: agent.port}) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            usb.install_certs(m, {"seatmuxd.pem": certs["seatmuxd"][0],
                                  "seatmuxd.key": certs["seatmuxd"][1],
                                  "desk1.pem": certs["desk1"][0]})
            ok = usb.wait_journal(m, "usbip: desk1 is up", 120)
            if not t.check("the USB/IP station comes up beside RDP", ok,
                           m.run("journalctl -t seatmuxd | tail -n 8")[1]):
                return
            # Both remote users type once their clients have drawn; the
            # station's keyboard types at the same time.
            a = Client(m.ports[3389], "station0", "station0", "640x480", tmp,
                       ["--keys", "0x1e", "--act-after", "90"])
            b = Client(m.ports[3389], "station1", "station1", "800x600", tmp,
                       ["--keys", "0x30", "--act-after", "90"])
            got = usb.wait_color(emu, "seat-desk1", 120)
            emu.cmd("key 6")
            (rca, outa), (rcb, outb) = a.join(), b.join()
            t.check("two RDP users connect and get frames", rca == 0 and rcb == 0,
                    "A %r: %s | B %r: %s" % (rca, outa[-150:], rcb, outb[-150:]))
            t.check("the USB/IP station's head shows its own client", got >= 0.5,
                    "%.0f%%" % (got * 100))
            out = usb.journal(m)
            seats = [re.search(r"%s logged on from .*: (seat-rdp\d+)" % u, out) for u in
                     ("station0", "station1")]
            seats = [s.group(1) if s else None for s in seats]
            for client, seat in zip((a, b), seats):
                img = client.image()
                own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
                t.check("%s shows its own client" % seat, own > 0.8, "%.0f%%" % (own * 100))
            ok = attempt(lambda: m.wait_until(
                "grep -q '^key key=46 state=pressed' /home/station2/events.log", 30, 1))
            e = [usb.events(m, u) for u in ("station0", "station1", "station2")]
            keys = [set(re.findall(r"^key key=(\d+) state=pressed", x, re.M)) for x in e]
            mine = ("30", "48", "46")
            crossed = [k for i, got in enumerate(keys) for k in got & set(mine) if k != mine[i]]
            t.check("each station's keys reach its own session only",
                    ok and all(mine[i] in keys[i] for i in range(3)) and not crossed, keys)
            t.check("three sessions, three seats", len(set(seats + ["seat-desk1"])) == 3, seats)
    finally:
        agent.stop()
        emu.stop()
