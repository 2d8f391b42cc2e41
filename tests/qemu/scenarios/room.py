# SPDX-License-Identifier: MIT
"""The room: every kind of station in one machine, run by a teacher.

On bare metal: seat0 is a whole GPU under Debian's cage; seat1 and seat2
share another GPU, each on its own connector by DRM lease, under
seatmux-compositor; an RDP user (a FreeRDP client on the host, kept
connected) and a USB-over-Ethernet zero client (tests/usbip's emulator
behind the station agent, TLS) have stations of their own. Each shows
its own client, and a key on a station's keyboard (a lease's, the RDP
client's) reaches that station only.

Then a teacher (station22, group seatmux-teacher) runs the room with
seatmuxctl, and each action is looked for where a user would see it: on
the physical heads' screendumps, in the RDP client's frames, in the
emulator's decoded udl frames, and in the sessions' event logs.
- identify: every station shows its name screen;
- a message on each station, put away by a key typed there;
- block every station with a message: each shows the block screen, and
  keys typed at each meanwhile never reach its session; unblocked, each
  session draws again and gets its keys;
- project seat0 (cage) on every other station: each shows seat0's
  picture, leases, evdi and udl heads alike; unprojected, each shows its
  own again;
- a screenshot of each station is its own head's picture.
"""

import os
import re
import signal
import tempfile
import time

from harness import dev
from stations import attempt, ctl, scenario, seat_color, wait_ready

TIMEOUT = 720
OVERLAYS = ["room-overlay"]
TEACHER = "station22"
DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=800, yres=600),
    dev("virtio-gpu-pci", id="head1", addr=0x09, max_outputs=2, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head1", head=0),
    dev("virtio-mouse-pci", id="mouse0", addr=0x0c, display="head0"),
    dev("virtio-mouse-pci", id="mouse1", addr=0x0d, display="head1", head=0),
    dev("virtio-keyboard-pci", id="kbd2", addr=0x0e, display="head1", head=1),
    dev("virtio-mouse-pci", id="mouse2", addr=0x0f, display="head1", head=1),
]
KEY_A = 30
SHARE = 0.5     # of a head's pixels in the colour looked for


def screen_colors():
    return scenario("_room_screens").SCREEN


def presses(m, user, key=KEY_A):
    rc, out = m.run("grep -c '^key key=%d state=pressed' /home/%s/events.log; true" % (key, user))
    return int(out.strip() or 0)


class Head:
    """A physical station: a connector of a QEMU display, a keyboard."""

    def __init__(self, m, seat, user, display, index, kbd):
        self.m, self.seat, self.user = m, seat, user
        self.display, self.index, self.kbd = display, index, kbd
        self.last = None    # the last screendump looked at

    def share(self, rgb):
        # One file a head, the last look kept: a look every second would
        # leave thousands.
        path = os.path.join(self.m.artifacts, "room-%s.ppm" % self.seat)
        self.last = self.m.screendump(self.display, self.index, path=path)
        return self.last.fraction_near(rgb, tolerance=24)

    def type(self):
        self.m.send_key(self.kbd, "a")


class Remote:
    """An RDP station, seen and typed at through its client, kept
    connected: SIGUSR1 makes it save its picture and type its keys (a)."""

    def __init__(self, m, seat, user, client):
        self.m, self.seat, self.user, self.client = m, seat, user, client

    def dumps(self):
        try:
            return open(self.client.log).read().count("dumped")
        except OSError:
            return 0

    def poke(self, timeout=10):
        n = self.dumps()
        self.client.proc.send_signal(signal.SIGUSR1)
        end = time.time() + timeout
        while self.dumps() <= n and time.time() < end:
            time.sleep(0.3)
        return self.client.image()

    def share(self, rgb):
        img = self.poke()
        return img.fraction_near(rgb, tolerance=24) if img else 0.0

    def type(self):
        self.poke()


class Desk:
    """A USB/IP station, seen through the emulator's decoded udl frames
    (RGB565) and typed at on its emulated HID keyboard."""

    def __init__(self, m, seat, user, emu):
        self.m, self.seat, self.user, self.emu = m, seat, user, emu

    def share(self, rgb):
        return self.emu.fraction_565(rgb)

    def type(self):
        self.emu.cmd("key 4")   # HID usage 4: a


def seen(stations, rgb_of, timeout):
    """The stations that showed rgb_of(station) within timeout, looked at
    by turns (a screen shown a few seconds is caught on each)."""
    found, end = {}, time.time() + timeout
    while len(found) < len(stations) and time.time() < end:
        for st in stations:
            if st.seat not in found:
                got = st.share(rgb_of(st))
                if got >= SHARE:
                    found[st.seat] = got
    return found


def missing(stations, found):
    return [st.seat for st in stations if st.seat not in found]


def journal(m, n=10):
    return m.run("journalctl -t seatmuxd | tail -n %d" % n)[1]


def run(t):
    usb = scenario("usbip-station")
    hv = scenario("hyperv-rdp")
    tmp = tempfile.mkdtemp(prefix="room-")
    certs = {n: usb.make_cert(tmp, n) for n in ("seatmuxd", "desk1")}
    emu = usb.Emulator(tmp, "desk1")
    agent = usb.Agent(tmp, "desk1", emu, *certs["desk1"], peer=certs["seatmuxd"][0])
    client = None
    try:
        with t.machine(devices=DEVICES, hostfwd=[3389], guestfwd={3241: agent.port}) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            usb.install_certs(m, {"seatmuxd.pem": certs["seatmuxd"][0],
                                  "seatmuxd.key": certs["seatmuxd"][1],
                                  "desk1.pem": certs["desk1"][0]})
            ok = attempt(lambda: [wait_ready(m, s, timeout=150) for s in ("seat0", "seat1", "seat2")])
            if not t.check("three physical stations start: cage on a GPU, two on its leases", ok,
                           lambda: journal(m) + m.run("tail -n 3 /run/seat*.session.log")[1]):
                return
            ok = usb.wait_journal(m, "usbip: desk1 is up", 120)
            client = hv.Client(m.ports[3389], "station3", "station3", "640x480", tmp,
                               ["--keys", "0x1e", "--linger", "600"], lifetime=700)
            remote = Remote(m, None, "station3", client)
            ok = ok and attempt(lambda: m.wait_until(
                "journalctl -t seatmuxd | grep -q 'station3 logged on from'", 120, interval=1))
            end = time.time() + 120
            while ok and remote.dumps() == 0 and time.time() < end:
                time.sleep(1)
            remote.seat = hv.station_of(m, "station3")
            if not t.check("an RDP user and a USB/IP station join them", ok and remote.seat and
                           remote.dumps() > 0, lambda: journal(m) + open(client.log).read()[-300:]
                           if os.path.exists(client.log) else journal(m)):
                return
            room = [Head(m, "seat0", "station0", "head0", 0, "kbd0"),
                    Head(m, "seat1", "station1", "head1", 0, "kbd1"),
                    Head(m, "seat2", "station2", "head1", 1, "kbd2"),
                    remote,
                    Desk(m, "seat-desk1", "station4", emu)]
            own = seen(room, lambda st: seat_color(st.seat), 120)
            t.check("each of the five stations shows its own client", not missing(room, own),
                    "not: %s" % missing(room, own))
            m.send_key("kbd2", "b")
            ok = attempt(lambda: m.wait_until(
                "grep -q '^key key=48 state=pressed' /home/station2/events.log", 30, interval=1))
            others = {st.user: presses(m, st.user, 48) for st in room if st.seat != "seat2"}
            t.check("a key on seat2's keyboard (a lease's station) reaches seat2 only",
                    ok and not any(others.values()), others)
            remote.type()
            ok = attempt(lambda: m.wait_until(
                "grep -q '^key key=%d state=pressed' /home/station3/events.log" % KEY_A, 30,
                interval=1))
            others = {st.user: presses(m, st.user) for st in room if st is not remote}
            t.check("a key from the RDP client reaches its station only",
                    ok and not any(others.values()), others)
            identify(t, m, room)
            message(t, m, room)
            block(t, m, room)
            project(t, m, room)
            screenshots(t, m, room)
    finally:
        if client:
            client.proc.terminate()
            client.join()
        agent.stop()
        emu.stop()


def reference(m, look, width, height, title, body):
    """The picture the painter draws for a request, drawn in the guest
    (tests/tools/screen-ref: the guest's fonts)."""
    import base64
    import shlex
    from harness import Image
    # Its stderr apart: what the sanitizers say at exit is no PNG.
    rc, out = m.run("/usr/libexec/seatmux/screen-ref %s %d %d %s %s >/run/ref.png "
                    "2>/run/ref.err && base64 /run/ref.png" % (
                        look, width, height, shlex.quote(title), shlex.quote(body)))
    return Image.from_png(base64.b64decode(out)) if rc == 0 else None


def text_agreement(a, b):
    """Of the pixels that are text (white) in either picture, the share
    that is text in both: 1.0 for the same words drawn alike."""
    if not a or not b or (a.width, a.height) != (b.width, b.height):
        return 0.0
    same = total = 0
    for y in range(0, a.height, 3):
        for x in range(0, a.width, 3):
            ta, tb = min(a.pixel(x, y)) > 200, min(b.pixel(x, y)) > 200
            if ta or tb:
                total += 1
                same += ta == tb
    return same / max(1, total)


def identify_names(t, m, room):
    """Each head showed its own station's name and place ("Station N of
    M", N its place in name order), not another's: compared with what
    the painter draws for its own request and for a neighbour's."""
    import json
    ids = sorted((s["station"] for s in json.loads(ctl(m, None, "--json list-stations")[1])),
                 key=lambda i: i.encode())
    heads = [st for st in room if isinstance(st, Head)]
    wrong = {}
    for i, st in enumerate(heads):
        other = heads[(i + 1) % len(heads)].seat
        shot = st.last
        refs = [reference(m, "identify", shot.width, shot.height, seat,
                          "Station %d of %d" % (ids.index(seat) + 1, len(ids)))
                for seat in (st.seat, other)]
        own, neighbour = (text_agreement(shot, r) for r in refs)
        if own < 0.97 or own - neighbour < 0.05:
            wrong[st.seat] = "own %.3f, %s's %.3f" % (own, other, neighbour)
    t.check("each head's name screen is its own station's name and place", not wrong, wrong)


def identify(t, m, room):
    rc, out, err = ctl(m, TEACHER, "identify")
    color = screen_colors()["identify"]
    found = seen(room, lambda st: color, 40) if rc == 0 else {}
    t.check("identify: every station shows its name screen (physical, lease, RDP, USB/IP)",
            not missing(room, found), lambda: "rc %d %s; not: %s | %s" % (rc, err, missing(room, found),
                                                                 journal(m)))
    if not missing(room, found):
        identify_names(t, m, room)
    back = seen(room, lambda st: seat_color(st.seat), 90)
    t.check("and each shows its own session again after", not missing(room, back),
            "not: %s" % missing(room, back))


def message(t, m, room):
    """A message on each station, put away by a key typed there: at a
    lease's keyboard, the RDP client's, the USB/IP station's."""
    wrong = []
    for st in room:
        rc, out, err = ctl(m, TEACHER, "--timeout 300 message %s 'Hands up, please.'" % st.seat)
        if rc:
            wrong.append((st.seat, rc, err))
    color = screen_colors()["message"]
    found = seen(room, lambda st: color, 60) if not wrong else {}
    t.check("message: every station shows it (physical, lease, RDP, USB/IP)",
            not missing(room, found), lambda: "%s; not: %s | %s" % (wrong, missing(room, found),
                                                           journal(m)))
    time.sleep(2)   # presses in a message's first 1.5 s do not count
    for st in room:
        st.type()
    back = seen(room, lambda st: seat_color(st.seat), 90)
    t.check("and a key at each station puts it away, long before its time",
            not missing(room, back), lambda: "not: %s | %s" % (missing(room, back), journal(m)))


def block(t, m, room):
    seats = " ".join(st.seat for st in room)
    before = {st.user: presses(m, st.user) for st in room}
    rc, out, err = ctl(m, TEACHER, "--message 'Eyes to the front, please.' block %s" % seats)
    color = screen_colors()["block"]
    found = seen(room, lambda st: color, 90) if rc == 0 else {}
    t.check("block: every station shows the block screen", not missing(room, found),
            lambda: "rc %d %s; not: %s | %s" % (rc, err, missing(room, found), journal(m)))
    for st in room:
        st.type()
    time.sleep(4)
    after = {st.user: presses(m, st.user) for st in room}
    t.check("keys typed at every blocked station reach no session", after == before,
            "%s -> %s" % (before, after))
    rc, out, err = ctl(m, TEACHER, "unblock %s" % seats)
    back = seen(room, lambda st: seat_color(st.seat), 120) if rc == 0 else {}
    t.check("unblocked, every station's session draws again", not missing(room, back),
            lambda: "rc %d %s; not: %s | %s" % (rc, err, missing(room, back), journal(m)))
    for st in room:
        st.type()
    ok = attempt(lambda: m.wait_until(" && ".join(
        "[ $(grep -c '^key key=%d state=pressed' /home/%s/events.log) -gt %d ]"
        % (KEY_A, st.user, after[st.user]) for st in room), 40, interval=1))
    t.check("and every session gets its keys again", ok,
            {st.user: presses(m, st.user) for st in room})


def project(t, m, room):
    src = room[0]
    targets = room[1:]
    rc, out, err = ctl(m, TEACHER, "--all project %s" % src.seat)
    found = seen(targets, lambda st: seat_color(src.seat), 90) if rc == 0 else {}
    t.check("seat0 (cage) projected on every other station: each shows its picture",
            not missing(targets, found), lambda: "rc %d %s %s; not: %s | %s"
            % (rc, out, err, missing(targets, found), journal(m)))
    t.check("and seat0 itself still shows its own", src.share(seat_color(src.seat)) >= SHARE)
    rc, out, err = ctl(m, TEACHER, "unproject %s" % src.seat)
    back = seen(targets, lambda st: seat_color(st.seat), 120) if rc == 0 else {}
    t.check("unprojected, each shows its own session again", not missing(targets, back),
            "rc %d %s; not: %s" % (rc, err, missing(targets, back)))


def screenshots(t, m, room):
    import base64
    from harness import Image
    wrong = {}
    for st in room:
        rc, out, err = ctl(m, TEACHER, "screenshot %s /tmp/shot.png" % st.seat)
        if rc != 0:
            wrong[st.seat] = err
            continue
        img = Image.from_png(base64.b64decode(m.run("base64 /tmp/shot.png; rm -f /tmp/shot.png")[1]))
        got = img.fraction_near(seat_color(st.seat), tolerance=24)
        foreign = [o.seat for o in room if o.seat != st.seat and
                   seat_color(o.seat) != seat_color(st.seat) and
                   img.fraction_near(seat_color(o.seat), tolerance=24) > 0.01]
        if got < SHARE or foreign:
            wrong[st.seat] = "%.0f%% own colour, also %s" % (got * 100, foreign)
    t.check("a screenshot of each station is its own head's picture", not wrong, wrong)
