#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""From credentials to the user's first frame, in one QEMU guest.

    bench/logon.py --build BUILD_DIR [--runs R]

Boots the test image on bare metal (bench/logon-overlay): seat0, a virtio
GPU with its keyboard, shows seatmux-greeter; seatmuxd serves RDP too.
Each logon runs the test client in seatmux-compositor; its first frame is
its "ready" line (its first commit), read in the guest the moment it is
written (a shell loop there, so that the agent's round trip is not in the
figure), timed on the host:

  physical   seat0's greeter: from the Enter after the password (QMP) to
             the session's first frame; logged off between runs.
  rdp        a FreeRDP client (tests/rdp/seatmux-rdp-client, 1280x720) with
             a saved password, a user a run (each gets a new station): from
             starting it (TCP connect, TLS, PAM, a station made: an evdi
             head, udev's rules, uinput devices) to the session's first
             frame; and, as the client counts it, from the connect to its
             first frame.
  rdp-login  the same client without credentials: from the Enter after the
             password typed at the login screen to the session's first
             frame.
  haproxy    Debian's HAProxy on the host in front of the guest, configured as
             the rdp-farm scenario's (balance rdp-cookie, health checks): a
             user reconnecting to their kept session, directly and through
             HAProxy in turn, from the connect to the client's first frame
             as the client counts it; the difference is HAProxy's cost.
  weston     the anchor: Weston 10's RDP backend in the same guest, the same
             client: from the connect to its first frame (its kiosk
             desktop, which runs already: nothing is logged on or made),
             as the client counts it; the rows timed on the host include
             the agent's answer (tens of ms).

Medians of R runs, in ms. The guest is emulated (TCG): only ratios mean
something. Prints figures, asserts nothing; exits 1 only if a measurement
could not be made.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qemu"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import rdp as rdpbench  # noqa: E402
import stations  # noqa: E402

SIZE = "1280x720"
# Set 1 scancodes of what the RDP client types.
SCANCODES = dict(zip("1234567890", range(2, 12)))
SCANCODES.update(zip("qwertyuiop", range(16, 26)))
SCANCODES.update(zip("asdfghjkl", range(30, 39)))
SCANCODES.update(zip("zxcvbnm", range(44, 51)))
ENTER = 0x1c


class Failed(Exception):
    pass


def keys(text):
    return ",".join("0x%x" % SCANCODES[c] for c in text) + ",0x%x" % ENTER


def count_loop(pattern, path, count, timeout, interval):
    """A guest shell loop until path has count lines matching pattern (a
    missing file has none): exit 0, or 1 at timeout."""
    return ("end=$(( $(date +%%s) + %d )); while n=$(grep -c %s %s 2>/dev/null); "
            "[ \"${n:-0}\" -lt %d ]; do [ $(date +%%s) -ge $end ] && exit 1; sleep %s; done"
            % (timeout, pattern, path, count, interval))


def ready_count(m, user):
    rc, out = m.run("grep -c '^ready pid=' /home/%s/events.log 2>/dev/null; true" % user)
    return int(out.strip() or 0)


def until_ready(m, user, count, timeout=180):
    """Returns once user's client has written its count-th ready line
    (the loop runs in the guest: polled there every 10 ms)."""
    rc, out = m.run(count_loop("'^ready pid='", "/home/%s/events.log" % user, count, timeout,
                               0.01), timeout=timeout + 30)
    if rc:
        raise Failed("%s's session drew no first frame within %d s" % (user, timeout))


def until_log(m, path, pattern, count, timeout=120):
    rc, out = m.run(count_loop("'%s'" % pattern, path, count, timeout, 0.05),
                    timeout=timeout + 30)
    if rc:
        raise Failed("%s: no '%s' within %d s" % (path, pattern, timeout))


def physical(m, runs):
    """seat0's greeter, typed at over QMP."""
    times = []
    for i in range(runs):
        # Once a greeter: it says so when it has its keymap.
        until_log(m, "/run/seat0.session.log", "shown at .*English", i + 1)
        m.send_keys("kbd0", list("station0") + ["ret"], hold=0.03)
        until_log(m, "/run/seat0.session.log", "asks station0: Password:", i + 1)
        before = ready_count(m, "station0")
        m.send_keys("kbd0", list("station0"), hold=0.03)
        t0 = time.monotonic()
        m.send_key("kbd0", "ret", 0.03)
        until_ready(m, "station0", before + 1)
        times.append((time.monotonic() - t0) * 1000)
        m.run("seatmuxctl logoff seat0", timeout=60)
    return times


def rdp_client(build, port, user, tmp, extra):
    log = os.path.join(tmp, "rdp-%s-%d.log" % (user or "login", time.monotonic_ns()))
    argv = [os.path.join(build, "tests", "rdp", "seatmux-rdp-client"), "--host", "127.0.0.1",
            "--port", str(port), "--user", user, "--password", user, "--size", SIZE,
            "--timeout", "150", "--log", log] + extra
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), log


def rdp(m, build, port, runs, tmp):
    """A saved password: connect to the session's first frame."""
    times, client_first = [], []
    for i in range(runs):
        user = "station%d" % (5 + i)
        before = ready_count(m, user)
        t0 = time.monotonic()
        p, log = rdp_client(build, port, user, tmp, ["--measure", "1", "--linger", "3"])
        until_ready(m, user, before + 1)
        times.append((time.monotonic() - t0) * 1000)
        p.wait(60)
        res = rdpbench.measured(log)
        if res:
            client_first.append(res[2])
    return times, client_first


def login_screens(m):
    rc, out = m.run("journalctl -t seatmuxd -o cat | sed -n "
                    "'s/^rdp: \\(seat-rdp[0-9]*\\): a login screen for .*/\\1/p'")
    return out.split()


def shown_counts(m):
    """How many greeters each RDP seat's log has seen so far."""
    rc, out = m.run("grep -cH 'shown at .*English' /run/seat-rdp*.session.log 2>/dev/null; true")
    return {k: int(v) for k, v in (line.rsplit(":", 1) for line in out.split() if ":" in line)}


def login_screen(m, seen, shown, timeout=120):
    """The seat of the login screen after the first seen ones, once its
    greeter (a new one in that seat's log) shows."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        seats = login_screens(m)
        if len(seats) > seen:
            path = "/run/%s.session.log" % seats[seen]
            if shown_counts(m).get(path, 0) > shown.get(path, 0):
                return seats[seen]
        time.sleep(0.5)
    raise Failed("no login screen over RDP within %d s" % timeout)


def rdp_login(m, build, port, runs, tmp):
    """No credentials: the login screen, typed at from the client."""
    times = []
    screens = len(login_screens(m))
    for i in range(runs):
        user = "station%d" % (10 + i)
        shown = shown_counts(m)
        p, log = rdp_client(build, port, "", tmp, ["--frames", "1", "--poke-keys", keys(user),
                                                   "--linger", "120"])
        try:
            seat = login_screen(m, screens, shown)
            screens += 1
            p.send_signal(signal.SIGUSR1)     # the user name
            until_log(m, "/run/%s.session.log" % seat, "asks %s: Password:" % user, 1)
            before = ready_count(m, user)
            t0 = time.monotonic()
            p.send_signal(signal.SIGUSR1)     # the password (the same word)
            until_ready(m, user, before + 1)
            times.append((time.monotonic() - t0) * 1000)
        finally:
            p.terminate()
            p.wait(30)
    return times


def through_haproxy(m, build, port, runs, tmp):
    """Reconnections of one user to their kept session, directly and
    through HAProxy in turn: connect -> the client's first frame."""
    farm = stations.scenario("rdp-farm")
    front = farm.free_port()
    cfg = os.path.join(tmp, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(farm.haproxy_config(front, [("guest", port)]))
    log = open(os.path.join(tmp, "haproxy.log"), "w")
    try:
        proxy = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=log,
                                 stderr=subprocess.STDOUT)
    except OSError as e:
        log.close()
        raise Failed("HAProxy cannot run (apt-get install haproxy): %s" % e)
    direct, proxied = [], []
    try:
        if not farm.wait_for(lambda: farm.listening(front), 10):
            raise Failed("HAProxy did not listen")
        user = "station23"
        before = ready_count(m, user)
        p, _ = rdp_client(build, port, user, tmp, ["--frames", "1", "--linger", "1"])
        until_ready(m, user, before + 1)     # the session, made, then kept
        p.wait(180)
        for _ in range(runs):
            for dest, out in ((port, direct), (front, proxied)):
                p, clog = rdp_client(build, dest, user, tmp, ["--measure", "1", "--linger", "1"])
                p.wait(180)
                res = rdpbench.measured(clog)
                if not res:
                    raise Failed("no first frame %s HAProxy" %
                                 ("through" if dest == front else "without"))
                out.append(res[2])
    finally:
        proxy.kill()
        proxy.wait()
        log.close()
    return direct, proxied


def weston(m, build, port, runs, tmp):
    """Weston's RDP backend: connect to the client's first frame."""
    firsts = []
    for _ in range(runs):
        start = rdpbench.weston_workload(m, "weston-terminal")
        p, log = rdp_client(build, port, "station0", tmp, ["--measure", "1", "--linger", "1"])
        time.sleep(2)
        start()
        p.wait(180)
        res = rdpbench.measured(log)
        if not res:
            raise Failed("Weston's RDP backend gave no first frame")
        firsts.append(res[2])
    m.run("killall -q weston; true")
    return firsts


def med(values):
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="logonbench-")
    out = args.out or os.path.join(tmp, "images")
    overlay = os.path.join(HERE, "logon-overlay")
    image = os.path.join(out, "logon")
    subprocess.check_call([os.path.join(HERE, "..", "tests", "qemu", "build-image.sh"),
                           "--build", build, "--out", image, "--overlay", overlay],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    devices = [harness.dev("virtio-gpu-pci", id="head0", addr=0x08, xres=1280, yres=720),
               harness.dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0")]
    m = harness.Machine(image, tmp, name="logon", devices=devices,
                        hostfwd=[3389, rdpbench.WESTON_PORT], memory=2048, timeout=3600)
    print("# bench/logon.py: credentials to the first frame, %d runs, medians (ms); TCG "
          "guest: compare ratios only" % args.runs, flush=True)
    try:
        m.start()
        m.wait_agent(timeout=120)
        m.setup_network()
        m.wait_until("journalctl -u seatmuxd | grep -q 'sink zygote pid [0-9]* ready'", 120)
        # First, while the guest runs no other session: each the others
        # leave running (animating, under TCG) slows what follows.
        direct, proxied = through_haproxy(m, build, m.ports[3389], args.runs, tmp)
        phys = physical(m, args.runs)
        auto, client_first = rdp(m, build, m.ports[3389], args.runs, tmp)
        login = rdp_login(m, build, m.ports[3389], args.runs, tmp)
        anchor = weston(m, build, m.ports[rdpbench.WESTON_PORT], args.runs, tmp)
    except (Failed, harness.MachineError, subprocess.CalledProcessError,
            subprocess.TimeoutExpired) as e:
        print("bench/logon.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        m.close()
    if not (phys and auto and client_first and login and direct and proxied and anchor):
        print("bench/logon.py: a path gave no figure", file=sys.stderr)
        return 1
    w = med(anchor)
    print("\n%-44s %10s %12s" % ("path", "ms", "x Weston"))
    for name, v in (("physical: greeter Enter -> first frame", med(phys)),
                    ("rdp: connect -> session's first frame", med(auto)),
                    ("rdp: connect -> client's first frame", med(client_first)),
                    ("rdp-login: Enter -> first frame", med(login)),
                    ("rdp again: connect -> client's first frame", med(direct)),
                    ("  the same through HAProxy", med(proxied)),
                    ("weston rdp: connect -> client's first frame", w)):
        print("%-44s %10.0f %12.2f" % (name, v, v / w if w else float("nan")))
    print("%-44s %10.0f" % ("HAProxy's cost (through - direct)", med(proxied) - med(direct)))
    print("# rdp again, each run (ms): direct %s; through HAProxy %s" %
          (" ".join("%.0f" % v for v in direct), " ".join("%.0f" % v for v in proxied)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
