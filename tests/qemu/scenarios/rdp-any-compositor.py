# SPDX-License-Identifier: MIT
"""Any libseat compositor on a remote station: one RDP user's session runs
in seatmux-compositor, another's under Debian's cage ([rdp.user.station1]),
each on its own evdi head in a Hyper-V guest, both showing their client.
A third session, left behind, ignores SIGTERM: seatmuxd kills it after
the grace without holding its loop.

The broker's screens on both kinds of compositor, over RDP: with both
users connected, a teacher blocks both stations; each RDP client then
shows the block screen seatmuxd paints on the evdi head, and keys typed
at the client no longer reach the session. Unblocked, each session draws
again and gets its keys. Then station0's screen is projected on
station1's: station1's RDP client shows what seatmux-compositor draws for
station0, read from one evdi head and painted on the other. Watched
(station0) or controlled (station1), each client's picture is framed by
its sink for as long as that lasts.

A connection without credentials gets a login screen over RDP ([rdp]
greeter: seatmux-greeter under seatmux-compositor on its own evdi head),
as does one whose password was wrong; typed at from the client, it logs
station3 on there, and that station is station3's. A login screen whose
connection goes ends with it.
"""

import os
import re
import shlex
import signal
import tempfile
import time

from stations import (LOOP_WAIT_MS, attempt, loop_stalls, rdp_login_screen, scenario,
                      seat_color)

BLOCK = (0x7a, 0x1c, 0x1c)     # SCREEN_BLOCK_COLOR, include/screen_proto.h
FRAME = (0xf0, 0xa0, 0x20)     # SCREEN_WATCHED_FRAME_COLOR
GREETER_BACKGROUND = (0x20, 0x30, 0x40)     # greeter/draw.h
KEY_A = 30
STATION3 = "0x1f,0x14,0x1e,0x14,0x17,0x18,0x31,0x04,0x1c"     # s t a t i o n 3 Enter


def dumps_in(log):
    try:
        return open(log).read().count("dumped")
    except OSError:
        return 0


def dumps(client):
    return dumps_in(client.log)


def poke(client, timeout=10):
    """The client saves what it shows now (and types its keys again)."""
    n = dumps(client)
    client.proc.send_signal(signal.SIGUSR1)
    end = time.time() + timeout
    while dumps(client) <= n and time.time() < end:
        time.sleep(0.3)
    return client.image()


def poke_until(client, test, timeout=45):
    """Pokes until the picture passes test: True, or False at timeout."""
    end = time.time() + timeout
    while time.time() < end:
        img = poke(client)
        if img and test(img):
            return True
        time.sleep(2)
    return False


def keys(m, user):
    rc, out = m.run("grep -c '^key key=%d state=pressed' /home/%s/events.log; true" % (KEY_A, user))
    return int(out.strip() or 0)


def screens_over_rdp(t, m, hv, port, tmp):
    users = ("station0", "station1")
    # The clients' logs go on from the first connections': count from here.
    base = {u: dumps_in(os.path.join(tmp, "%s-640x480.log" % u)) for u in users}
    clients = {u: hv.Client(port, u, u, "640x480", tmp, extra=["--keys", "0x1e", "--linger", "240"])
               for u in users}
    ok = all(attempt(lambda u=u, c=c: wait_for(lambda: dumps(c) > base[u], 120))
             for u, c in clients.items())
    if not t.check("both users connected again, kept connected", ok,
                   {u: open(c.log).read()[-200:] for u, c in clients.items()}):
        return
    seats = {u: hv.station_of(m, u) for u in users}
    rc, out = m.run("seatmuxctl --message 'Pens down' block %s %s 2>&1" % (seats["station0"],
                                                                         seats["station1"]))
    t.check("a teacher blocks both RDP stations", rc == 0, out)
    for u, how in (("station0", "seatmux-compositor"), ("station1", "cage")):
        before = keys(m, u)
        t.check("%s's RDP client shows the block screen (%s's seat taken)" % (u, how),
                poke_until(clients[u], lambda img: img.fraction_near(BLOCK, 8) > 0.6),
                lambda: m.run("journalctl -t seatmuxd | grep -E 'screen|taken' | tail -n 6")[1])
        poke(clients[u])
        time.sleep(3)
        t.check("keys typed at %s's client no longer reach the session" % u,
                keys(m, u) == before, "%d -> %d" % (before, keys(m, u)))
    rc, out = m.run("seatmuxctl unblock %s %s 2>&1" % (seats["station0"], seats["station1"]))
    t.check("a teacher unblocks both", rc == 0, out)
    for u, how in (("station0", "seatmux-compositor"), ("station1", "cage")):
        seat = seats[u]
        before = keys(m, u)
        t.check("%s's client shows their session again under %s" % (u, how),
                poke_until(clients[u], lambda img: img.fraction_near(seat_color(seat), 24) > 0.8),
                lambda: m.run("tail -n 6 /run/%s.session.log" % seat)[1])
        poke(clients[u])
        t.check("and keys typed at %s's client reach it again" % u,
                attempt(lambda: wait_for(lambda: keys(m, u) > before, 20)),
                "%d -> %d" % (before, keys(m, u)))
    project_over_rdp(t, m, clients, seats)
    watched_over_rdp(t, m, clients, seats)
    for c in clients.values():
        c.proc.terminate()
        c.join()


def project_over_rdp(t, m, clients, seats):
    """station0's screen (seatmux-compositor, evdi) on station1's (cage):
    read from one evdi head's scanout, painted on the other's."""
    src, dst = seats["station0"], seats["station1"]
    rc, out = m.run("seatmuxctl project %s %s 2>&1" % (src, dst))
    t.check("a teacher projects station0's RDP station on station1's", rc == 0, out)
    t.check("station1's RDP client shows station0's session (seatmux-compositor's picture)",
            poke_until(clients["station1"],
                       lambda img: img.fraction_near(seat_color(src), 24) > 0.8),
            lambda: m.run("journalctl -t seatmuxd | grep -E 'screen|shows|taken' | tail -n 6")[1])
    t.check("station0's own client still shows its session",
            poke_until(clients["station0"],
                       lambda img: img.fraction_near(seat_color(src), 24) > 0.8, timeout=15))
    rc, out = m.run("seatmuxctl unproject %s 2>&1" % src)
    t.check("unprojected, station1's client shows its own session again",
            rc == 0 and poke_until(clients["station1"],
                                   lambda img: img.fraction_near(seat_color(dst), 24) > 0.8),
            lambda: out + m.run("journalctl -t seatmuxd | tail -n 6")[1])


def framed(img):
    """Whether a client's picture has the watched frame all round it."""
    w, h = img.width, img.height
    return all(img.fraction_near(FRAME, 40, r) > 0.8
               for r in ((0, 0, w, 3), (0, h - 3, w, 3), (0, 0, 3, h), (w - 3, 0, 3, h)))


def session_framed(seat, want=True):
    """A test: the client shows seat's session, framed or not."""
    return lambda img: (framed(img) == want and
                        img.fraction_near(seat_color(seat), 24,
                                          (img.width // 4, img.height // 4,
                                           img.width // 2, img.height // 2)) > 0.8)


def watched_over_rdp(t, m, clients, seats):
    """Watched, an RDP station's picture is framed all the while, by its
    sink, under either compositor: station0's while a teacher's watching
    is renewed (Watch holds 12 s a call), station1's while a control of
    it is held. Each frame goes when its watching ends."""
    s0, s1 = seats["station0"], seats["station1"]
    told = "control: %s: watched from afar" % s0
    t0 = time.monotonic()
    rc, out = m.run("seatmuxctl watch %s 2>&1; (printf 'control\\t%s\\n'; sleep 14) | "
                    "seatmuxctl --serve >/dev/null 2>&1 &" % (s0, s1))
    ok = [peek_until(clients[u], session_framed(seats[u]), 30) for u in ("station0", "station1")]
    t.check("watched (station0, seatmux-compositor) or controlled (station1, cage): each RDP "
            "client shows its session framed", rc == 0 and all(ok),
            lambda: (ok, out, m.run("journalctl -t seatmuxd | grep -E 'watch|control' | tail -n 4")[1]))
    time.sleep(max(0, t0 + 10 - time.monotonic()))
    m.run("seatmuxctl watch %s" % s0)
    # Its first 12 s are over, and the 2 s tick that would end them.
    time.sleep(max(0, t0 + 15 - time.monotonic()))
    still0 = peek_until(clients["station0"], session_framed(s0), 5)
    late = time.monotonic() - t0
    gone1 = peek_until(clients["station1"], session_framed(s1, False), 30)
    n = m.run("journalctl -t seatmuxd -o cat | grep -c %s" % shlex.quote(told))[1].strip()
    t.check("station0's frame, watched again before its 12 s were up, stays past them "
            "(%.0f s), and its user is not told again; the control let go, station1's goes"
            % late, still0 and late > 14 and n == "1" and gone1, (still0, late, n, gone1))
    gone0 = peek_until(clients["station0"], session_framed(s0, False), 30)
    t.check("nobody watches station0 any more: its frame goes",
            gone0 and time.monotonic() - t0 > 20, time.monotonic() - t0)


def journal_has(m, pattern, timeout):
    return attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -Eq %s" % shlex.quote(pattern), timeout,
        interval=1))


def peek_until(client, test, timeout=45):
    """As poke_until, but the client types nothing (SIGUSR2)."""
    end = time.time() + timeout
    while time.time() < end:
        n = dumps(client)
        client.proc.send_signal(signal.SIGUSR2)
        wait_end = time.time() + 10
        while dumps(client) <= n and time.time() < wait_end:
            time.sleep(0.3)
        img = client.image()
        if img and test(img):
            return True
        time.sleep(2)
    return False


def login_screen_over_rdp(t, m, hv, port, tmp):
    """No credentials: the login screen over RDP, and a logon typed at it."""
    c = hv.Client(port, "", "", "800x600", tmp,
                  extra=["--frames", "1", "--poke-keys", STATION3, "--linger", "240"])
    seat, log, shown = rdp_login_screen(m)
    if not t.check("a connection without credentials gets a station with a login screen",
                   seat is not None, lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
        c.proc.terminate()
        c.join()
        return
    t.check("its session is seatmux-greeter, as the greeter's account (logind's greeter)",
            shown and "greeter" in m.run("loginctl list-sessions --no-legend | grep %s | "
                                         "awk '{print $1}' | xargs -r -n1 loginctl show-session "
                                         "-p Class --value" % seat)[1],
            lambda: m.run("tail -n 5 %s; loginctl list-sessions" % log)[1])
    t.check("the RDP client shows the login screen",
            peek_until(c, lambda img: img.fraction_near(GREETER_BACKGROUND, 8) > 0.5))
    # The user name; the greeter asks for the password; then the password.
    poke(c)
    asked = attempt(lambda: m.wait_until("grep -q 'asks station3: Password:' %s" % log, 30,
                                         interval=0.5))
    t.check("the user name typed at the client: the greeter asks for station3's password",
            asked, lambda: m.run("tail -n 5 %s" % log)[1])
    poke(c)
    ok = journal_has(m, "rdp: %s: station3 logged on at its login screen" % seat, 60)
    t.check("the password typed at the client logs station3 on there", ok,
            lambda: m.run("journalctl -t seatmuxd | tail -n 10")[1])
    t.check("and the client shows station3's session on that station",
            ok and peek_until(c, lambda img: img.fraction_near(seat_color(seat), 24) > 0.8, 90),
            lambda: m.run("tail -n 5 %s" % log)[1])
    s = hv_logind(m, "station3")
    t.check("station3's session is logind's, on that seat", s.get("Seat") == seat and
            s.get("Class") == "user", s)
    ready = m.run("grep -c '^ready pid=' /home/station3/events.log")[1].strip()
    c.proc.terminate()
    c.join()

    # The station is station3's now: their password finds it, session and all.
    again = hv.Client(port, "station3", "station3", "800x600", tmp)
    rc, out = again.join()
    img = again.image()
    t.check("station3 reconnecting with their password finds that station and session",
            rc == 0 and hv.station_of(m, "station3") == seat and img and
            img.fraction_near(seat_color(seat), 24) > 0.8 and
            m.run("grep -c '^ready pid=' /home/station3/events.log")[1].strip() == ready,
            "rc %r, %s: %s" % (rc, hv.station_of(m, "station3"), out[-200:]))

    # A wrong password: the login screen instead of a refusal.
    bad = hv.Client(port, "station4", "not-the-password", "640x480", tmp,
                    extra=["--frames", "1", "--linger", "5"])
    rc, out = bad.join()
    t.check("a wrong password gets the login screen instead of a refusal",
            rc == 0 and journal_has(m, "logon of 'station4' from .* its login screen instead", 30),
            "rc %r: %s" % (rc, out[-200:]))
    t.check("and its login screen ends with its connection",
            journal_has(m, "seat-rdp[0-9]+: its login screen's connection ended", 60) and
            journal_has(m, "seat-rdp[0-9]+: its login screen, with nobody connected, ended", 30),
            lambda: m.run("journalctl -t seatmuxd | tail -n 6")[1])


def hv_logind(m, user):
    rc, out = m.run("loginctl list-sessions --no-legend | awk '$3 == \"%s\" {print $1}' | "
                    "tail -n 1 | xargs -r loginctl show-session -p Seat -p Class" % user)
    return dict(p.split("=", 1) for p in out.splitlines() if "=" in p)


def wait_for(cond, timeout):
    end = time.time() + timeout
    while not cond():
        if time.time() > end:
            raise TimeoutError()
        time.sleep(0.5)

TIMEOUT = 600


def run(t):
    hv = scenario("hyperv-rdp")
    tmp = tempfile.mkdtemp(prefix="rdpany-")
    with t.machine(devices=hv.DEVICES, smbios=hv.HYPERV, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        port = m.ports[3389]
        ok = attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'rdp: listening'", 30))
        if not t.check("seatmuxd listens for RDP", ok, lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1]):
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
                    lambda: "rc %r, %s %.0f%%: %s | %s" % (rc, seat, own * 100, out[-150:],
                                                    m.run("tail -n 4 /run/%s.session.log" % seat)[1]))
        screens_over_rdp(t, m, hv, port, tmp)
        # (cage ends when its only output goes, so it is no longer running
        # once the client has disconnected: its session log tells.)
        log0 = m.run("cat /run/%s.session.log" % hv.station_of(m, "station0"))[1]
        log1 = m.run("cat /run/%s.session.log" % hv.station_of(m, "station1"))[1]
        t.check("the sessions ran seatmux-compositor and cage, as configured per user",
                "seatmux-compositor:" in log0 and "seatmux-compositor:" not in log1 and
                re.search(r"^ready pid=", m.run("cat /home/station1/events.log")[1], re.M),
                log1[-300:])

        # station2's session leader ignores SIGTERM: 10 s after its client
        # goes, seatmuxd asks it to stop and kills it 3 s later, from a
        # timer, while its loop goes on.
        c = hv.Client(port, "station2", "station2", "640x480", tmp)
        rc, out = c.join()
        seat = hv.station_of(m, "station2")
        t.check("a third station logs on", rc == 0 and seat, "rc %r: %s" % (rc, out[-200:]))
        killed = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd | grep -q '%s: session pid [0-9]* ignored SIGTERM, killing'"
            % seat, 60)) if seat else False
        # The seat may have been station1's before (a kept slot changes hands).
        rc, journal = m.run("journalctl -t seatmuxd -o short-monotonic | grep '%s: ' | "
                            "grep -E 'stopping session|ignored SIGTERM|session killed' | "
                            "tail -n 3" % seat)
        times = [float(x) for x in re.findall(r"^\[\s*([\d.]+)\]", journal, re.M)]
        t.check("a session that ignores SIGTERM is killed after the 3 s grace",
                killed and "session killed by signal 9" in journal and len(times) == 3 and
                times[1] - times[0] >= 2.9, lambda: journal)
        login_screen_over_rdp(t, m, hv, port, tmp)
        stalls = loop_stalls(m)
        t.check("and seatmuxd's loop did not wait out the grace in a callback",
                all(ms < LOOP_WAIT_MS for ms in stalls),
                "ms waiting of callbacks of 250 ms or more: %s" % stalls)
