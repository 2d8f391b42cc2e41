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
station0, read from one evdi head and painted on the other.
"""

import os
import re
import signal
import tempfile
import time

from stations import LOOP_WAIT_MS, attempt, loop_stalls, scenario, seat_color

BLOCK = (0x7a, 0x1c, 0x1c)     # SCREEN_BLOCK_COLOR, include/screen_proto.h
KEY_A = 30


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
                m.run("journalctl -t seatmuxd | grep -E 'screen|taken' | tail -n 6")[1])
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
                m.run("tail -n 6 /run/%s.session.log" % seat)[1])
        poke(clients[u])
        t.check("and keys typed at %s's client reach it again" % u,
                attempt(lambda: wait_for(lambda: keys(m, u) > before, 20)),
                "%d -> %d" % (before, keys(m, u)))
    project_over_rdp(t, m, clients, seats)
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
            m.run("journalctl -t seatmuxd | grep -E 'screen|shows|taken' | tail -n 6")[1])
    t.check("station0's own client still shows its session",
            poke_until(clients["station0"],
                       lambda img: img.fraction_near(seat_color(src), 24) > 0.8, timeout=15))
    rc, out = m.run("seatmuxctl unproject %s 2>&1" % src)
    t.check("unprojected, station1's client shows its own session again",
            rc == 0 and poke_until(clients["station1"],
                                   lambda img: img.fraction_near(seat_color(dst), 24) > 0.8),
            out + m.run("journalctl -t seatmuxd | tail -n 6")[1])


def wait_for(cond, timeout):
    end = time.time() + timeout
    while not cond():
        if time.time() > end:
            raise TimeoutError()
        time.sleep(0.5)

TIMEOUT = 420


def run(t):
    hv = scenario("hyperv-rdp")
    tmp = tempfile.mkdtemp(prefix="rdpany-")
    with t.machine(devices=hv.DEVICES, smbios=hv.HYPERV, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        port = m.ports[3389]
        ok = attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'rdp: listening'", 30))
        if not t.check("seatmuxd listens for RDP", ok, m.run("journalctl -t seatmuxd | tail -n 5")[1]):
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
                times[1] - times[0] >= 2.9, journal)
        stalls = loop_stalls(m)
        t.check("and seatmuxd's loop did not wait out the grace in a callback",
                all(ms < LOOP_WAIT_MS for ms in stalls),
                "ms off the CPU of callbacks of 250 ms or more: %s" % stalls)
