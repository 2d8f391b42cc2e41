# SPDX-License-Identifier: MIT
"""USB-over-Ethernet zero clients in a Hyper-V guest.

Each station is tests/usbip's emulator on the host: a DisplayLink adapter,
a HID keyboard and a HID mouse served over USB/IP. The guest reaches them
through QEMU's guestfwd at 10.0.2.100. desk1 is behind the station agent
(TLS, each side pinning the other's certificate) and also offers a USB
stick nobody declared; desk2 speaks plain USB/IP, declared so; desk3's
agent presents a certificate other than the one seatmuxd pins. desk2's
keyboard and mouse are allowed by serial number, desk1's only by vendor
and product.

seatmuxd imports each station's devices through vhci_hcd, the kernel makes
a udl card and evdev nodes of them, runtime udev rules make them the
station's seat, and the seat's session (the test client) draws on the
station's head: the emulator decodes the udl stream, and the pixels are
checked in RGB565. Keys and pointer motion sent by the emulator reach that
client only. Blocked, desk2's head shows the block screen, and its
pictures are given again unread while it stands still (its link relays
the display's plain connection and says when it is sent anything); once
unblocked they are read anew. A station pulled off the network and back
within the grace time finds the same session; one that stays away has
its session ended.

A returning station's head is lit some seconds after seatmuxd says it is
up: the kernel makes the udl card, the session's compositor opens it and
reads its connector (udl reads the EDID over the network on every look,
128 control requests), then sets the mode; under TCG that took 6 to 10 s,
and tens of seconds on a loaded host. The emulator's picture is blanked
while the station is away, so the return is judged by the client's colour
painted after it (up to 60 s), then by frames going on, not by a picture
left from before.

Then, on the same guest, CI's few cycles of usbip-soak (tools/soak.sh usbip
runs the long one: desk1 dropped and back, fds and memory flat) and its
reload (SIGHUP adds a station and ends one taken out of the
configuration).
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "usbip"))
import emucontrol  # noqa: E402
from harness import dev  # noqa: E402
from stations import (attempt, check_loop_never_waited, picture_counts, scenario,  # noqa: E402
                      seat_color)

TIMEOUT = 480
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
DEVICES = [dev("bochs-display", id="console", addr=0x08)]
CERTS = "/etc/seatmux/usbip"


def build_dir():
    return os.environ.get("SEATMUX_BUILD_DIR", "build")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(folder, name):
    """A self-signed EC pair: folder/name.pem and folder/name.key."""
    cert, key = os.path.join(folder, name + ".pem"), os.path.join(folder, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "30", "-subj", "/CN=" + name], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Emulator:
    """tests/usbip's station emulator on a loopback port, driven through
    its control socket."""

    def __init__(self, tmp, name, extra=()):
        self.port = free_port()
        self.control = os.path.join(tmp, name + ".ctl")
        self.log = os.path.join(tmp, name + "-emu.log")
        if os.path.exists(self.control):
            os.unlink(self.control)     # an earlier emulator's
        self.proc = subprocess.Popen(
            [os.path.join(build_dir(), "tests", "usbip", "seatmux-station-emu"),
             "--listen", "127.0.0.1:%d" % self.port, "--control", self.control,
             "--name", name, "--serial", name] + list(extra),
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        # Bound before it listens: ready once a connection is taken.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(self.control)
                    break
                except OSError:
                    time.sleep(0.05)

    def cmd(self, line):
        return emucontrol.command(self.control, line)

    def stats(self):
        return emucontrol.stats(self.control)[1]

    def attached(self):
        return [b for b in self.stats().get("attached", "").split(",") if b]

    def fraction_565(self, rgb, step=8):
        """The share of sampled pixels equal to rgb as RGB565 (within one
        step of each channel's quantisation)."""
        want = ((rgb[0] >> 3) << 11) | ((rgb[1] >> 2) << 5) | (rgb[2] >> 3)
        path = self.control + ".ppm"
        reply = self.cmd("dump " + path)
        m = re.match(r"ok (\d+)x(\d+)", reply)
        if not m:
            return 0.0
        w, h = int(m.group(1)), int(m.group(2))
        data = open(path, "rb").read()
        pixels = data[len(data) - w * h * 3:]
        hits = total = 0
        for y in range(0, h, step):
            for x in range(0, w, step):
                r, g, b = pixels[(y * w + x) * 3:(y * w + x) * 3 + 3]
                got = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
                total += 1
                hits += got == want
        return hits / total if total else 0.0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Agent:
    """seatmux-station-agent in front of an emulator."""

    def __init__(self, tmp, name, emulator, cert, key, peer):
        self.port = free_port()
        self.log = os.path.join(tmp, name + "-agent.log")
        self.proc = subprocess.Popen(
            [os.path.join(build_dir(), "drivers", "seatmux-station-agent"),
             "--listen", "127.0.0.1:%d" % self.port, "--cert", cert, "--key", key,
             "--peer", peer, "--usbipd", "127.0.0.1:%d" % emulator.port],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def install_certs(m, files):
    """Puts PEM files into the guest (seatmuxd's key 0600)."""
    m.run("mkdir -p %s && chmod 700 %s" % (CERTS, CERTS), check=True)
    for name, path in files.items():
        text = open(path).read()
        m.run("cat > %s/%s <<'EOF'\n%sEOF\nchmod 600 %s/%s" % (CERTS, name, text, CERTS, name),
              check=True)


class Desk:
    """desk1 for a room's scenario: its emulator behind its agent (TLS,
    the certificates made here), reached by guestfwd at port 3241 of
    10.0.2.100; install() puts seatmuxd's side into the guest, stop()
    ends both and keeps their logs in the artifacts."""

    def __init__(self, tmp):
        self.certs = {n: make_cert(tmp, n) for n in ("seatmuxd", "desk1")}
        self.emu = Emulator(tmp, "desk1")
        self.agent = Agent(tmp, "desk1", self.emu, *self.certs["desk1"],
                           peer=self.certs["seatmuxd"][0])
        self.guestfwd = {3241: self.agent.port}

    def install(self, m):
        install_certs(m, {"seatmuxd.pem": self.certs["seatmuxd"][0],
                          "seatmuxd.key": self.certs["seatmuxd"][1],
                          "desk1.pem": self.certs["desk1"][0]})

    def stop(self, artifacts):
        self.agent.stop()
        self.emu.stop()
        for log in (self.emu.log, self.agent.log):
            if os.path.exists(log):
                shutil.copy(log, artifacts)


def journal(m):
    return m.run("journalctl -t seatmuxd")[1]


def events(m, user):
    return m.run("cat /home/%s/events.log 2>/dev/null" % user)[1]


def wait_journal(m, pattern, timeout):
    return attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q '%s'" % pattern,
                                        timeout, interval=1))


BLOCK = (0x7a, 0x1c, 0x1c)     # SCREEN_BLOCK_COLOR, include/screen_proto.h


def wait_color(emu, seat, timeout, share=0.5, rgb=None):
    deadline = time.monotonic() + timeout
    got = 0.0
    while time.monotonic() < deadline:
        got = emu.fraction_565(rgb or seat_color(seat))
        if got >= share:
            break
        time.sleep(1)
    return got


def stations(tmp, certs):
    """desk1 (TLS, with an undeclared USB stick), desk2 (plain), desk3
    (TLS with the wrong certificate)."""
    e1 = Emulator(tmp, "desk1", ["--extra", "storage"])
    a1 = Agent(tmp, "desk1", e1, *certs["desk1"], peer=certs["seatmuxd"][0])
    e2 = Emulator(tmp, "desk2")
    e3 = Emulator(tmp, "desk3")
    a3 = Agent(tmp, "desk3", e3, *certs["intruder"], peer=certs["seatmuxd"][0])
    return e1, a1, e2, e3, a3


def run(t):
    tmp = tempfile.mkdtemp(prefix="usbip-")
    certs = {n: make_cert(tmp, n) for n in ("seatmuxd", "desk1", "desk3", "intruder")}
    procs = stations(tmp, certs)
    e1, a1, e2, e3, a3 = procs
    fwd = {3241: a1.port, 3240: e2.port, 3243: a3.port}
    try:
        with t.machine(devices=DEVICES, smbios=HYPERV, guestfwd=fwd) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            install_certs(m, {"seatmuxd.pem": certs["seatmuxd"][0],
                              "seatmuxd.key": certs["seatmuxd"][1],
                              "desk1.pem": certs["desk1"][0], "desk3.pem": certs["desk3"][0]})
            check_stations(t, m, e1, e2, e3)
            check_return(t, m, e1)
            check_expiry(t, m, e2)
            soak, st = scenario("usbip-soak"), scenario("usbip-station")
            soak.soak(t, m, st, e1, soak.CYCLES)
            soak.reload(t, m, st)
    finally:
        for p in procs:
            p.stop()
        for p in procs:
            for log in (getattr(p, "log", None),):
                if log and os.path.exists(log):
                    shutil.copy(log, t.artifacts)


def check_stations(t, m, e1, e2, e3):
    ok = wait_journal(m, "usbip: desk1 is up", 120) and wait_journal(m, "usbip: desk2 is up", 60)
    if not t.check("both good stations come up in a Hyper-V guest", ok,
                   lambda: m.run("journalctl -t seatmuxd | grep usbip | tail -n 12")[1]):
        return
    out = journal(m)
    t.check("the bochs console stays alone", "head left alone" in out)
    t.check("desk1's display adapter, keyboard and mouse are imported, not its USB stick",
            sorted(e1.stats().get("imported", "").split(",")) == ["1-1", "1-2", "1-3"] and
            re.search(r"desk1: not imported: 1-4 1209:5303: storage", out),
            "%s | %s" % (e1.stats(), out[-300:]))
    t.check("plain USB/IP is used for desk2 with a warning",
            "desk2 uses plain USB/IP: unauthenticated" in out, out[-300:])
    t.check("desk3, presenting another certificate, gets nothing attached",
            e3.stats().get("imported", "") == "" and "seat-desk3" not in
            m.run("ls /run/seatmux")[1] and
            re.search(r"usbip-link\[desk3\].*(certificate|verify)", out),
            lambda: "%s | %s" % (e3.stats(), m.run("journalctl -t seatmuxd | grep desk3 | tail -n 4")[1]))
    rc, rules = m.run("cat /run/udev/rules.d/73-seatmux-usbip.rules")
    t.check("the stations' vhci ports are their seats, and their devices' homes, in udev's "
            "rules", all(rules.count('ENV{%s}="%s"' % (key, seat)) == 6
                         for key in ("ID_SEAT", "SEATMUX_HOME_SEAT")
                         for seat in ("seat-desk1", "seat-desk2")), rules)

    for emu, seat in ((e1, "seat-desk1"), (e2, "seat-desk2")):
        got = wait_color(emu, seat, 120)
        t.check("%s's head (decoded from the udl stream) shows its own client" % seat,
                got >= 0.5, "%.0f%% of RGB565 %s" % (got * 100, seat_color(seat)))
    drawn_on(t, m, e1, "station0", "and seat-desk1's head animates")

    e1.cmd("key 4")
    e2.cmd("key 5")
    ok = attempt(lambda: m.wait_until(
        "grep -q '^key key=30 state=pressed' /home/station0/events.log && "
        "grep -q '^key key=48 state=pressed' /home/station1/events.log", 30, interval=1))
    a, b = events(m, "station0"), events(m, "station1")
    t.check("each station's keys reach its own client and no other",
            ok and "key key=48" not in a and "key key=30" not in b,
            "A: %s | B: %s" % (a[-200:], b[-200:]))
    before = len(re.findall(r"^motion ", a, re.M))
    for _ in range(5):
        e1.cmd("move 20 10")
    ok = attempt(lambda: m.wait_until(
        "[ $(grep -c '^motion ' /home/station0/events.log) -gt %d ]" % before, 30, interval=1))
    t.check("the station's mouse moves its own client's pointer only",
            ok and not re.search(r"^motion ", events(m, "station1"), re.M),
            lambda: events(m, "station0")[-200:])
    check_block(t, m, e2)


def check_block(t, m, e2):
    """The broker's block screen on a udl head, and the station's keys cut off."""
    rc, out = m.run("seatmuxctl --message 'Pens down' block seat-desk2 2>&1")
    got = wait_color(e2, None, 90, rgb=BLOCK)
    t.check("blocked, seat-desk2's udl head shows the block screen seatmuxd paints",
            rc == 0 and got >= 0.5, lambda: "rc %d %s: %.0f%% | %s" % (
                rc, out, got * 100, m.run("journalctl -t seatmuxd | grep desk2 | tail -n 5")[1]))
    before = events(m, "station1").count("key key=48 state=pressed")
    e2.cmd("key 5")
    time.sleep(4)
    t.check("and the station's keys no longer reach its session",
            events(m, "station1").count("key key=48 state=pressed") == before,
            lambda: events(m, "station1")[-200:])
    # The block screen stands still: desk2's link, which relays its
    # display's plain connection, says nothing was sent to it. The first
    # picture is read (the link saw the screen drawn), the next one
    # vouched for, and given again from then on.
    base = picture_counts(m, "seat-desk2")
    for _ in range(8):
        m.run("seatmuxctl screenshot seat-desk2 /tmp/desk2.png")
        still = picture_counts(m, "seat-desk2")
        if still[0] > base[0]:
            break
    t.check("blocked, seat-desk2's head shows the same: its link (plain USB/IP, its display "
            "relayed) vouches for it, and its picture is given again unread",
            still[0] > base[0] and still[1] > base[1], (base, still))
    rc, out = m.run("seatmuxctl unblock seat-desk2 2>&1")
    got = wait_color(e2, "seat-desk2", 90)
    t.check("unblocked, the station's own client shows on its head again",
            rc == 0 and got >= 0.5, "rc %d %s: %.0f%%" % (rc, out, got * 100))
    m.run("seatmuxctl screenshot seat-desk2 /tmp/desk2.png")
    drawn = picture_counts(m, "seat-desk2")
    t.check("and its link says it changed: its next picture is read anew, not given again",
            drawn[2] > still[2] and drawn[1] > still[1] and drawn[0] == still[0],
            (still, drawn))
    e2.cmd("key 5")
    ok = attempt(lambda: m.wait_until(
        "[ $(grep -c '^key key=48 state=pressed' /home/station1/events.log) -gt %d ]" % before,
        30, interval=1))
    t.check("and its keys reach its session again", ok, lambda: events(m, "station1")[-200:])


def drawn_on(t, m, emu, user, what):
    """The station's decoded frames go on while its client draws."""
    f0 = int(emu.stats().get("frames", "0"))
    c0 = len(re.findall(r"^frame n=", events(m, user), re.M))
    time.sleep(3)
    f1 = int(emu.stats().get("frames", "0"))
    c1 = len(re.findall(r"^frame n=", events(m, user), re.M))
    t.check(what, f1 > f0, "station frames %d -> %d, client frames %d -> %d" % (f0, f1, c0, c1))


def check_return(t, m, e1):
    """desk1 pulled off the network and back within the grace time."""
    pids = re.findall(r"^ready pid=(\d+)", events(m, "station0"), re.M)
    e1.cmd("refuse on")
    e1.cmd("drop")
    ok = wait_journal(m, "desk1 is gone; its session is kept for 45 s", 30)
    rc, out = m.run("journalctl -t seatmuxd | grep -c 'seat-desk1: lost its head'")
    t.check("a station that drops off loses its devices, its session kept",
            ok and e1.attached() == [] and out.strip() != "0",
            lambda: m.run("journalctl -t seatmuxd | grep desk1 | tail -n 5")[1])
    frames = len(re.findall(r"^frame n=", events(m, "station0"), re.M))
    # What the adapter showed goes: only a repaint after the return counts.
    e1.cmd("blank")
    time.sleep(8)
    e1.cmd("refuse off")
    ok = wait_journal(m, "desk1 is up: .*its session resumed", 60)
    shown = int(e1.stats().get("frames", "0"))
    after = events(m, "station0")
    t.check("back within the grace time: the same session (pid and counter go on)",
            ok and re.findall(r"^ready pid=(\d+)", after, re.M) == pids and
            len(re.findall(r"^frame n=", after, re.M)) > frames,
            "%s -> %s" % (pids, re.findall(r"^ready pid=(\d+)", after, re.M)))
    # Only the session paints its colour (the kernel's fbdev helper sends
    # a few frames of its own when the card comes).
    start = time.monotonic()
    got = wait_color(e1, "seat-desk1", 60)
    print("# %s: desk1's head shows its client %s after it was up" %
          (t.name, "%.1f s" % (time.monotonic() - start) if got >= 0.5 else "never, in 60 s"),
          flush=True)
    t.check("on the station's head again", got >= 0.5, "%.0f%%, %s frames after the return" %
            (got * 100, int(e1.stats().get("frames", "0")) - shown))
    drawn_on(t, m, e1, "station0", "and the head is drawn on")


def check_expiry(t, m, e2):
    """desk2 gone for good: its session ends after the grace time."""
    e2.cmd("refuse on")
    e2.cmd("drop")
    ok = wait_journal(m, "desk2 is gone; its session is kept", 30)
    alive = m.run("ps -o user,comm | grep -c 'station1 .*seatmux-'")[1].strip()
    ended = wait_journal(m, "desk2 did not come back within 45 s: its session on seat-desk2 ended",
                         60)
    time.sleep(3)
    left = m.run("ps -o user,comm | grep 'station1 .*seatmux-' || true")[1].strip()
    t.check("a station that never comes back has its session ended after the grace time",
            ok and ended and alive != "0" and left == "",
            "%s %s alive=%s left=%r" % (ok, ended, alive, left))
    check_loop_never_waited(t, m, "attaching, dropping and taking back a station's devices")
