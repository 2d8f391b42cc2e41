# SPDX-License-Identifier: MIT
"""Many virtual machines behind one address: two seatmux guests (Hyper-V's
identity, RDP stations only) behind Debian's HAProxy on the host, which
chooses a guest by the RDP cookie every client sends with its user name
(`balance rdp-cookie`, `hash-type consistent`; `persist rdp-cookie`,
which follows a session broker's token seatmux does not send, harms
nothing; README, "Many virtual machines behind one address").

Users logging on through HAProxy's one address spread over both guests;
each, disconnected and connecting again through it, lands on the same
guest and finds the same session (started once, its leader's pid the
same); with one guest powered off, HAProxy's health check takes it out,
a user of that guest gets a new session on the other, and the other
guest's users find theirs as before.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from stations import attempt, scenario


def wait_for(test, timeout):
    """Polls test() until it holds (True) or timeout seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True

TIMEOUT = 600
OVERLAYS = ["rdp-farm-overlay"]
USERS = ["station%d" % i for i in range(1, 7)]
ONCE = ["--frames", "1", "--linger", "2"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(port, guests):
    """HAProxy's manual's RDP farm: wait for the cookie, hash it."""
    servers = "".join("    server %s 127.0.0.1:%d check inter 1s fall 2 rise 2\n"
                      % (name, p) for name, p in guests)
    return ("global\n    log stdout format raw local0 info\n"
            "defaults\n    mode tcp\n    log global\n    option tcplog\n"
            "    timeout connect 5s\n    timeout client 10m\n    timeout server 10m\n"
            "frontend rdp\n    bind 127.0.0.1:%d\n"
            "    tcp-request inspect-delay 5s\n"
            "    tcp-request content accept if RDP_COOKIE\n"
            "    default_backend guests\n"
            "backend guests\n    balance rdp-cookie\n    hash-type consistent\n"
            "    persist rdp-cookie\n%s"
            % (port, servers))


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


def haproxy_says(path, text):
    with open(path, "rb") as f:
        return text.encode() in f.read()


def logons(m, user):
    """The stations user logged on to in guest m, oldest first."""
    out = m.run("journalctl -t seatmuxd -o cat")[1]
    return re.findall(r"rdp: %s logged on from \S+: (seat-rdp\d+)" % user, out)


def starts(m, user):
    """The pids of the sessions started as user in guest m."""
    out = m.run("journalctl -t seatmuxd -o cat")[1]
    return re.findall(r"session started as %s, pid (\d+)" % user, out)


def connect_all(hv, port, users, tmp):
    clients = [hv.Client(port, u, u, "640x480", tmp, ONCE) for u in users]
    return {u: c.join() for u, c in zip(users, clients)}


def placement(guests, users):
    """user -> the one guest each logged on at (None: none, or both)."""
    where = {}
    for u in users:
        seen = [(len(logons(m, u)), name) for name, m in guests.items()]
        seen = [s for s in seen if s[0]]
        where[u] = seen[0][1] if len(seen) == 1 else None
    return where


def run(t):
    hv = scenario("hyperv-rdp")
    tmp = tempfile.mkdtemp(prefix="rdp-farm-")
    kw = dict(devices=hv.DEVICES, smbios=hv.HYPERV, hostfwd=[3389])
    with t.machine(name="g1", **kw) as g1, t.machine(name="g2", **kw) as g2:
        guests = {"g1": g1, "g2": g2}
        for m in guests.values():
            m.wait_agent(timeout=120)
            m.setup_network()
        ok = all(attempt(lambda m=m: m.wait_until(
            "journalctl -t seatmuxd | grep -q 'rdp: listening'", 60)) for m in guests.values())
        if not t.check("both guests listen for RDP", ok):
            return
        if not t.check("HAProxy is installed", shutil.which("haproxy"),
                       "no haproxy: run tools/install-deps.sh"):
            return
        port = free_port()
        cfg = os.path.join(t.artifacts, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(haproxy_config(port, [(n, m.ports[3389]) for n, m in guests.items()]))
        logpath = os.path.join(t.artifacts, "haproxy.log")
        with open(logpath, "wb") as log:
            proxy = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=log,
                                     stderr=subprocess.STDOUT)
        try:
            run_farm(t, hv, guests, port, logpath, tmp)
        finally:
            proxy.terminate()
            try:
                proxy.wait(10)
            except subprocess.TimeoutExpired:
                proxy.kill()
                proxy.wait()


def run_farm(t, hv, guests, port, logpath, tmp):
    # Its servers start up (checked from then on): it is ready once bound.
    if not t.check("HAProxy listens on the one address",
                   wait_for(lambda: listening(port), 20)):
        return
    results = connect_all(hv, port, USERS, tmp)
    where = placement(guests, USERS)
    t.check("every user logs on through HAProxy's one address",
            all(rc == 0 for rc, _ in results.values()) and all(where.values()),
            (where, {u: r[0] for u, r in results.items()}))
    t.check("the users spread over both guests", set(where.values()) == {"g1", "g2"}, where)
    first = {u: starts(guests[g], u) for u, g in where.items() if g}

    results = connect_all(hv, port, USERS, tmp)
    again = placement(guests, USERS)
    same = all(where.values()) and all(
        again[u] == where[u] and len(logons(guests[where[u]], u)) == 2 and
        starts(guests[where[u]], u) == first[u] and len(first[u]) == 1 for u in USERS)
    t.check("each user, connecting again, lands on the same guest and the same session",
            same and all(rc == 0 for rc, _ in results.values()),
            (again, {u: starts(guests[g], u) for u, g in again.items() if g}))

    # g2 powered off: HAProxy's checks take it out; its users go to g1.
    moved = [u for u in USERS if where[u] == "g2"]
    kept = [u for u in USERS if where[u] == "g1"]
    if not moved or not kept:
        t.fail("a guest powered off sends its users to the other", where)
        return
    guests["g2"].kill()
    down = wait_for(lambda: haproxy_says(logpath, "Server guests/g2 is DOWN"), 30)
    if not t.check("HAProxy's health check takes g2, powered off, out", down):
        return
    rc, _ = connect_all(hv, port, moved[:1], tmp)[moved[0]]
    t.check("with g2 powered off, one of its users gets a session on g1",
            rc == 0 and len(logons(guests["g1"], moved[0])) == 1 and
            len(starts(guests["g1"], moved[0])) == 1, rc)
    rc, _ = connect_all(hv, port, kept[:1], tmp)[kept[0]]
    t.check("and g1's users find their sessions as before",
            rc == 0 and len(logons(guests["g1"], kept[0])) == 3 and
            starts(guests["g1"], kept[0]) == first[kept[0]], rc)
