# SPDX-License-Identifier: MIT
"""Remote stations in a Hyper-V guest: a seat per RDP connection.

The guest has Hyper-V's DMI identity and a bochs head, which stays the
VM's console. seatmuxd listens for RDP (port 3389, forwarded from the
host); our FreeRDP test client connects from the host. Each logon is
checked through PAM; each user gets a station of their own (an evdi head
sized as the client asked, uinput keyboard and pointer, a seat made by
runtime udev rules) whose session runs the test client as that user, and
the sink (unprivileged) carries frames and input. Two users at once, keys
isolated; a wrong password gets nothing; garbage connections cost
nothing; a user reconnecting at another size finds the same session.
seatmuxd also listens on AF_VSOCK (Hyper-V's enhanced session); with no
Hyper-V host here, a relay in the guest carries a forwarded TCP port to
the vsock port through the kernel's vsock loopback.
"""

import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

from harness import Image, dev
from stations import LOOP_WAIT_MS, attempt, check_logind_session, loop_stalls, seat_color

TIMEOUT = 720
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
DEVICES = [dev("bochs-display", id="console", addr=0x08)]


def client_binary():
    return os.path.join(os.environ.get("SEATMUX_BUILD_DIR", "build"), "tests", "rdp",
                        "seatmux-rdp-client")


class Client:
    """seatmux-rdp-client on the host, in a thread of its own."""

    def __init__(self, port, user, password, size, tmp, extra=(), lifetime=180):
        self.log = os.path.join(tmp, "%s-%s.log" % (user, size))
        self.dump = os.path.join(tmp, "%s-%s.ppm" % (user, size))
        argv = [client_binary(), "--host", "127.0.0.1", "--port", str(port), "--user", user,
                "--password", password, "--size", size, "--timeout", "150",
                "--frames", "120", "--dump", self.dump, "--log", self.log] + list(extra)
        self.rc = None
        self.lifetime = lifetime    # seconds, then it is killed
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._wait)
        self.thread.start()

    def _wait(self):
        try:
            self.rc = self.proc.wait(self.lifetime)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()

    def join(self):
        self.thread.join()
        return self.rc, open(self.log).read() if os.path.exists(self.log) else ""

    def image(self):
        return Image.read_ppm(self.dump) if os.path.exists(self.dump) else None


def station_of(m, user):
    rc, out = m.run("journalctl -t seatmuxd | grep -o '%s logged on from .*: seat-rdp[0-9]*' | tail -n 1" % user)
    found = re.search(r"(seat-rdp\d+)", out)
    return found.group(1) if found else None


def events(m, user):
    return m.run("cat /home/%s/events.log 2>/dev/null" % user)[1]


def garbage(port):
    """Twenty connections that never make a session: random bytes, a TLS
    hello cut short, and ones that say nothing."""
    for i in range(20):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                if i % 3 == 0:
                    s.sendall(os.urandom(2048))
                elif i % 3 == 1:
                    s.sendall(b"\x03\x00\x00\x2b\x26\xe0\x00\x00\x00\x00\x00Cookie: mstshash=x\r\n"
                              b"\x01\x00\x08\x00\x01\x00\x00\x00\x16\x03\x01\x00\x05\x01")
                time.sleep(0.2)
        except OSError:
            pass


def run(t):
    tmp = tempfile.mkdtemp(prefix="rdp-")
    with t.machine(devices=DEVICES, smbios=HYPERV, hostfwd=[3389, 3391]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        # Before seatmuxd binds its vsock port: the loopback transport.
        m.run("modprobe vsock_loopback && systemctl restart seatmuxd", check=True, timeout=60)
        port = m.ports[3389]
        ok = attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'rdp: listening'", 30))
        if not t.check("seatmuxd listens for RDP in a Hyper-V guest", ok,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
            return
        t.check("the bochs console stays alone",
                "head left alone" in m.run("journalctl -t seatmuxd")[1])
        # The restarted seatmuxd's zygote: it says when its libraries are
        # loaded, and sinks are exec'd until then.
        t.check("the sink zygote tells seatmuxd's loop it is ready",
                attempt(lambda: m.wait_until(
                    "journalctl -t seatmuxd -o cat | awk '/rdp: listening on .* port 3389/ "
                    "{ r = 0 } /rdp: sink zygote pid [0-9]+ ready/ { r = 1 } END { exit !r }'",
                    60)), lambda: m.run("journalctl -t seatmuxd | grep zygote")[1])

        bad = Client(port, "station2", "not-the-password", "640x480", tmp)
        rc, out = bad.join()
        t.check("a wrong password is refused: server denied connection",
                rc == 2 and "refused error=0x00010007" in out, "rc %r: %s" % (rc, out))
        rc, out = m.run("journalctl -t seatmuxd")
        t.check("logged with the peer, and no seat or station made",
                "logon of 'station2' from" in out and "refused" in out and "seat-rdp" not in out,
                out[-400:])
        # A size no head can announce (EDID holds 4095 at most) is refused
        # before anything is made: a station that cannot be made once took
        # a number and a card for good.
        huge = Client(port, "station2", "station2", "4096x320", tmp)
        rc, out = huge.join()
        rc2, log = m.run("journalctl -t seatmuxd")
        t.check("a desktop size no head can have is refused, and no station is made",
                rc == 2 and "asked for a 4096x320 desktop" in log and "seat-rdp" not in log,
                "rc %r: %s | %s" % (rc, out[-200:], log[-400:]))

        a = Client(port, "station0", "station0", "640x480", tmp, ["--keys", "0x1e", "--act-after", "90"])
        # station1's client has a German keyboard: the key right of T is Z.
        b = Client(port, "station1", "station1", "800x600", tmp,
                   ["--keys", "0x15", "--act-after", "90", "--layout", "0x407"])
        (rca, outa), (rcb, outb) = a.join(), b.join()
        t.check("two users connect at once and get frames", rca == 0 and rcb == 0,
                "A rc %r: %s | B rc %r: %s" % (rca, outa[-200:], rcb, outb[-200:]))
        sa, sb = station_of(m, "station0"), station_of(m, "station1")
        t.check("each has a seat of their own", sa and sb and sa != sb, (sa, sb))
        # Opened through PAM: logind knows each RDP station's session.
        for user, seat in (("station0", sa), ("station1", sb)):
            if seat:
                check_logind_session(t, m, user, seat, "RDP")
        # A station's head, udev rules and input devices are made in child
        # jobs: meanwhile seatmuxd's loop serves every other seat.
        stalls = loop_stalls(m)
        t.check("making two stations at once kept seatmuxd's loop waiting in no callback",
                all(ms < LOOP_WAIT_MS for ms in stalls),
                "ms waiting of callbacks of 250 ms or more: %s" % stalls)
        # The test client moves a bar 1/16 of its width a frame, damaging
        # its old and new places only: frames (raw pieces here) are small
        # unless something on the way (compositor, evdi, sink) widens the
        # damage to the whole screen.
        for user, out in (("station0", outa), ("station1", outb)):
            f = re.search(r"^frames n=(\d+) small=(\d+)", out, re.M)
            t.check("%s's frames carry only what changed, not the whole screen" % user,
                    f and int(f.group(2)) * 4 >= int(f.group(1)) * 3, f and f.group(0))
        for user, seat, client, size in (("station0", sa, a, (640, 480)),
                                         ("station1", sb, b, (800, 600))):
            img = client.image()
            own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
            t.check("%s's frames show their own session's client at the size asked" % user,
                    img is not None and (img.width, img.height) == size and own > 0.8,
                    "%s %.0f%%" % (img and (img.width, img.height), own * 100))
        ea, eb = events(m, "station0"), events(m, "station1")
        t.check("keys typed by one reach only their own client",
                re.search(r"^key key=30 state=pressed", ea, re.M) and "key key=30" not in eb and
                re.search(r"^key key=21 state=pressed", eb, re.M) and "key key=21" not in ea,
                "A: %s | B: %s" % (ea[-200:], eb[-200:]))
        t.check("the client's keyboard layout is the session's (German: that key is z)",
                re.search(r"^key key=21 state=pressed sym=z$", eb, re.M) and
                re.search(r"^key key=30 state=pressed sym=a$", ea, re.M), eb[-300:])
        rc, out = m.run("journalctl -t seatmuxd | grep -o 'sink pid [0-9]* uid [0-9]*'")
        uids = [int(u) for u in re.findall(r"uid (\d+)", out)]
        t.check("each sink runs as an unprivileged uid of its own (seatmux's block)",
                len(uids) >= 3 and all(0x7f000000 <= u < 0x7ff00000 for u in uids) and len(set(uids[-2:])) == 2, out)
        # Both clients are gone: their sinks' cards are root's alone again
        # before any other sink may have them (the next could be another
        # user's).
        evdi = "ls -ln /dev/dri/ | grep ' card' | grep -v ' card0$'"
        attempt(lambda: m.wait_until("%s | awk '$3 != 0 || $4 != 0 || $1 != \"crw-------\" "
                                     "{ bad = 1 } END { exit bad || NR < 2 }'" % evdi, 20))
        rc, out = m.run(evdi)
        t.check("a card whose sink ended is root's again, mode 0600",
                len(out.splitlines()) >= 2 and
                all(l.split()[0] == "crw-------" and l.split()[2:4] == ["0", "0"]
                    for l in out.splitlines()), out)
        # Sinks are forked from the zygote (seatmuxd's child, as root),
        # not exec'd: their ends come to seatmuxd through their pidfds.
        rc, out = m.run("journalctl -t seatmuxd | grep -E 'sink zygote|sinks are exec|sink pid [0-9]+ ended'")
        # The last: seatmuxd was restarted after boot (vsock loopback).
        zygote = (re.findall(r"rdp: sink zygote pid (\d+)", out) or [None])[-1]
        rc, ps = m.run("ps -o pid,user,comm | awk '$3 == \"seatmux-rdp-sin\" { print $1, $2 }'")
        t.check("sinks come from the sink zygote, which alone runs as root",
                zygote and "sinks are exec" not in out and
                len(re.findall(r"sink pid \d+ ended", out)) >= 3 and
                ("%s root" % zygote) in ps and ps.count(" root") == 1,
                "%s | %s" % (out[-300:], ps))

        garbage(port)
        # Nobody is connected now: the sessions draw on all the same.
        before = [len(re.findall(r"^frame n=", events(m, u), re.M)) for u in ("station0", "station1")]
        time.sleep(6)
        after = [len(re.findall(r"^frame n=", events(m, u), re.M)) for u in ("station0", "station1")]
        t.check("twenty garbage connections later both sessions still draw, nobody connected",
                all(a_ > b_ for a_, b_ in zip(after, before)), "%s -> %s" % (before, after))

        pid = re.findall(r"^ready pid=(\d+)", events(m, "station0"), re.M)
        again = Client(port, "station0", "station0", "800x600", tmp)
        rc, out = again.join()
        img = again.image()
        ea = events(m, "station0")
        t.check("station0 reconnects at another size", rc == 0 and img is not None and
                (img.width, img.height) == (800, 600), "rc %r: %s" % (rc, out[-200:]))
        t.check("and finds the same session, resized",
                pid and re.findall(r"^ready pid=(\d+)", ea, re.M) == pid and
                "resize width=800 height=600" in ea, ea[-300:])
        t.check("on the same seat", station_of(m, "station0") == sa)
        takes_over(t, m, port, tmp, sa, pid)
        # Before any other logon: the slot to change hands is station1's,
        # free keep seconds after it left (at the start), and the next
        # user's to take.
        slot_changes_hands(t, m, port, tmp)

        rc, out = m.run("journalctl -t seatmuxd | grep 'rdp: listening on vsock port 3390'")
        t.check("seatmuxd listens on AF_VSOCK too", rc == 0, out)
        m.run("setsid /usr/libexec/seatmux/vsock-relay 3391 3390 >/run/relay.log 2>&1 </dev/null &",
              check=True)
        time.sleep(1)
        c = Client(m.ports[3391], "station3", "station3", "640x480", tmp)
        rc, out = c.join()
        seat = station_of(m, "station3")
        img = c.image()
        own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
        t.check("a client over AF_VSOCK logs on and gets a station of its own",
                rc == 0 and seat and own > 0.8 and
                "connection from vsock:1" in m.run("journalctl -t seatmuxd")[1],
                lambda: "rc %r %s %.0f%%: %s %s" % (rc, seat, own * 100, out[-150:],
                                            m.run("cat /run/relay.log")[1]))

        still_screen(t, m, port, tmp)
        logs_off(t, m, port, tmp)


def takes_over(t, m, port, tmp, seat, pid):
    """The same user again while a connection still holds the station (a
    client that crashed and came back before its sink noticed): the newer
    connection takes the station over, the older one is ended."""
    logons = "journalctl -t seatmuxd | grep -c 'station0 logged on from'"
    n = int(m.run(logons)[1].strip() or 0)
    first = Client(port, "station0", "station0", "800x600", tmp, ["--frames", "3", "--linger", "120"])
    ok = attempt(lambda: m.wait_until("[ $(%s) -gt %d ]" % (logons, n), 90, interval=1))
    t.check("station0 connects and stays connected", ok and first.rc is None, first.rc)
    second = Client(port, "station0", "station0", "640x480", tmp)
    rc, out = second.join()
    img = second.image()
    t.check("station0 logs on again while connected: the new connection gets the station",
            rc == 0 and img is not None and (img.width, img.height) == (640, 480) and
            img.fraction_near(seat_color(seat), 24) > 0.8,
            lambda: "rc %r: %s | %s" % (rc, out[-200:], m.run("journalctl -t seatmuxd | tail -n 6")[1]))
    ea = events(m, "station0")
    t.check("the same session on the same seat",
            re.findall(r"^ready pid=(\d+)", ea, re.M) == pid and station_of(m, "station0") == seat,
            ea[-200:])
    start = time.time()
    rc, out = first.join()
    t.check("and the older connection is ended, not left lingering",
            rc == 2 and "disconnected" in out and time.time() - start < 60,
            "rc %r after %.0f s: %s" % (rc, time.time() - start, out[-200:]))
    t.check("logged", "station0 logged on again from" in m.run("journalctl -t seatmuxd")[1])


def still_screen(t, m, port, tmp):
    """station4's client stops drawing after 30 frames. Reconnected once
    it is still, its sink puts the still screen away (compressed, pages
    given back); a client coming back from minimised asks for the whole
    screen, which must come back out of that store, pixel for pixel."""
    first = Client(port, "station4", "station4", "640x480", tmp, ["--frames", "1"])
    rc, out = first.join()
    still = rc == 0 and attempt(lambda: m.wait_until(
        "grep -q '^still n=' /home/station4/events.log", 60))
    if not t.check("station4's session draws 30 frames, then nothing", still,
                   lambda: "rc %r: %s | %s" % (rc, out[-200:], events(m, "station4")[-200:])):
        return
    c = Client(port, "station4", "station4", "640x480", tmp,
               ["--act-after", "1", "--frames", "2", "--suppress", "yes"])
    rc, out = c.join()
    seat = station_of(m, "station4")
    img = c.image()
    own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
    t.check("a client back from minimised gets the whole still screen again",
            rc == 0 and re.search(r"^suppressed frames=0$", out, re.M) and
            "refreshed yes" in out and own > 0.85,
            "rc %r %s %.0f%%: %s" % (rc, seat, own * 100, out[-200:]))
    pids = re.findall(r"seatmuxd\[(\d+)\]: seatmux-rdp-sink: station4 logged on",
                      m.run("journalctl -t seatmuxd")[1])
    line = "seatmuxd\\[%s\\]: seatmux-rdp-sink: still screen" % (pids[-1] if pids else "none")
    attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q '%s'" % line, 20))
    stats = re.search(r"still screen: (\d+) bands put away, (\d+) tiles restored",
                      m.run("journalctl -t seatmuxd | grep '%s'" % line)[1])
    # 640x480: 8 bands of 10 tiles, all of them put away and brought back.
    t.check("and it came out of the sink's store: every band put away, every tile restored",
            stats and int(stats.group(1)) >= 8 and int(stats.group(2)) >= 80,
            stats and stats.group(0))


def keyboards(m, seat):
    """The input devices (inputN) that are seat's keyboard now."""
    rc, out = m.run("grep -lx 'seatmux %s keyboard' /sys/class/input/input*/name" % seat)
    return re.findall(r"/(input\d+)/name", out)


def slot_changes_hands(t, m, port, tmp):
    """A station whose user did not come back within `keep` goes to the
    next user, with a keyboard and pointer of their own: the old uinput
    devices go, and an fd to them (an earlier sink's, or what it left
    running) is dead. station2 has had no station yet."""
    ended = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd | grep -q 'did not come back, session ended'", 90))
    before = {s: keyboards(m, s) for s in ("seat-rdp1", "seat-rdp2", "seat-rdp3", "seat-rdp4")}
    c = Client(port, "station2", "station2", "640x480", tmp,
               ["--keys", "0x1e", "--act-after", "60", "--frames", "90"])
    rc, out = c.join()
    seat = station_of(m, "station2")
    after = keyboards(m, seat) if seat else []
    t.check("a station left for good goes to the next user with a keyboard of their own, "
            "the old one gone",
            ended and rc == 0 and seat in before and len(before[seat]) == 1 and
            len(after) == 1 and after != before[seat],
            "rc %r %s: %s -> %s: %s" % (rc, seat, before, after, out[-200:]))
    t.check("and what they type reaches their own session",
            re.search(r"^key key=30 state=pressed", events(m, "station2"), re.M),
            lambda: events(m, "station2")[-300:])


def logs_off(t, m, port, tmp):
    """An RDP station seen through the room's interface (seatmuxctl, as
    root): its kind, user and the address its user is connected from; a
    log off ends its session and its connection, and the user's next
    logon starts a new session."""
    c = Client(port, "station5", "station5", "640x480", tmp, ["--frames", "3", "--linger", "120"])
    ok = attempt(lambda: m.wait_until(
        "grep -q '^ready pid=' /home/station5/events.log 2>/dev/null", 90, interval=1))
    seat = station_of(m, "station5")
    rc, out = m.run("seatmuxctl --json station-status %s 2>&1" % seat)
    try:
        js = json.loads(out)
    except ValueError:
        js = {}
    t.check("seatmuxctl shows an RDP station: kind, user, where its user connects from",
            ok and rc == 0 and js.get("kind") == "rdp" and js.get("user") == "station5" and
            js.get("state") == "running" and "10.0.2.2" in js.get("address", ""),
            "rc %r: %s" % (rc, out))
    pid = re.findall(r"^ready pid=(\d+)", events(m, "station5"), re.M)
    rc, out = m.run("seatmuxctl logoff %s 2>&1" % seat)
    start = time.time()
    crc, cout = c.join()
    t.check("logoff ends the RDP connection",
            rc == 0 and crc == 2 and "disconnected" in cout and time.time() - start < 60,
            "rc %r %s | client rc %r after %.0f s: %s" % (rc, out, crc, time.time() - start,
                                                        cout[-200:]))
    ok = attempt(lambda: m.wait_until(
        "seatmuxctl --json station-status %s | grep -q '\"state\":\"none\"'" % seat, 30))
    t.check("and its session: nobody is logged on there",
            ok and "station5 logged off" in m.run("journalctl -t seatmuxd")[1],
            lambda: m.run("seatmuxctl station-status %s 2>&1" % seat)[1])
    again = Client(port, "station5", "station5", "640x480", tmp, ["--frames", "3"])
    rc, out = again.join()
    now = re.findall(r"^ready pid=(\d+)", events(m, "station5"), re.M)
    t.check("the user's next logon starts a new session",
            rc == 0 and pid and now and now[-1] != pid[-1], "rc %r %s -> %s" % (rc, pid, now))
