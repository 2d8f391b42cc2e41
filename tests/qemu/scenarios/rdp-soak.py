# SPDX-License-Identifier: MIT
"""RDP logons and logoffs in a row (SEATMUX_SOAK_CYCLES, default 6; the
soak command runs 1000): every logon works, seatmuxd's fd count and
memory stay flat, evdi cards and station numbers do not grow past the
users at once, and a session that stays connected all along is never
lost (its pid unchanged, its frames going on). Figures go to the log.
"""

import os
import re
import subprocess
import tempfile
import threading
import time

from stations import attempt, scenario

CYCLES = int(os.environ.get("SEATMUX_SOAK_CYCLES", "6"))
# Logons at once (SEATMUX_SOAK_LANES, 1 to 3): each lane logs one user on
# and off in turn; the long soak runs three to fit in an hour or so.
LANES = max(1, min(3, int(os.environ.get("SEATMUX_SOAK_LANES", "1"))))
TIMEOUT = 300 + 20 * CYCLES
CYCLING = ("station0", "station1", "station2")


def figures(m):
    rc, out = m.run("p=$(systemctl show -p MainPID --value seatmuxd); ls /proc/$p/fd | wc -l; "
                    "awk '/^VmRSS:/ { print $2 }' /proc/$p/status; "
                    "ls /dev/dri | grep -c '^card'; "
                    "journalctl -t seatmuxd -o cat | grep -o 'seat-rdp[0-9]*' | sort -u | wc -l")
    fds, rss, cards, seats = (int(x) for x in out.split()[:4])
    # What the fds are, by kind ("socket", "pidfd", "/dev/dri/card1" ...).
    rc, kinds = m.run("p=$(systemctl show -p MainPID --value seatmuxd); "
                      "for f in /proc/$p/fd/*; do readlink $f; done | "
                      "sed 's/:\\[[0-9]*\\]//; s/^anon_inode://' | sort | uniq -c")
    return {"fds": fds, "rss_kb": rss, "cards": cards, "seats": seats, "kinds": kinds}


def frames(m, user):
    return len(re.findall(r"^frame n=", m.run("cat /home/%s/events.log" % user)[1], re.M))


def run(t):
    hv = scenario("hyperv-rdp")
    tmp = tempfile.mkdtemp(prefix="rdpsoak-")
    # Three lanes: up to four stations, their sinks and compositors (ASan
    # builds) and sinks still ending at once; 1 GiB ran out (the OOM
    # killer took the connection kept all along).
    with t.machine(devices=hv.DEVICES, smbios=hv.HYPERV, hostfwd=[3389],
                   timeout=TIMEOUT, memory=1024 if LANES == 1 else 2048) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        ok = attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'rdp: listening'", 30))
        if not t.check("seatmuxd listens for RDP", ok, lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1]):
            return
        soak(t, m, hv, tmp, CYCLES)


def soak(t, m, hv, tmp, cycles, warm=2):
    """The soak proper, on a guest whose seatmuxd listens for RDP (also
    the end of rdp-slot-reuse, which runs CI's few cycles): warm rounds of
    every cycling user first, then cycles logons."""
    port = m.ports[3389]
    # station3 stays connected through the whole soak.
    # (Not hv.Client: that one is ended after 180 s.)
    stay = subprocess.Popen([hv.client_binary(), "--host", "127.0.0.1", "--port", str(port),
                             "--user", "station3", "--password", "station3",
                             "--size", "640x480", "--frames", "10", "--linger", str(TIMEOUT),
                             "--timeout", str(TIMEOUT), "--log", os.path.join(tmp, "stay.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ok = attempt(lambda: m.wait_until(
            "grep -q '^ready pid=' /home/station3/events.log 2>/dev/null", 120, interval=1))
        pid3 = re.findall(r"^ready pid=(\d+)", m.run("cat /home/station3/events.log")[1], re.M)
        t.check("station3 logs on and stays", ok and pid3, lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1])

        def cycle(i):
            user = CYCLING[i % len(CYCLING)]
            c = hv.Client(port, user, user, "640x480", tmp, ["--frames", "3"])
            rc, out = c.join()
            return rc, out

        # Rounds first, as many at once as later: the caches, pools and
        # stations every later logon reuses.
        def warm_up(k):
            for i in range(k, len(CYCLING) * warm, LANES):
                cycle(i)

        lanes = [threading.Thread(target=warm_up, args=(k,)) for k in range(LANES)]
        for th in lanes:
            th.start()
        for th in lanes:
            th.join()
        time.sleep(3)
        before = figures(m)
        failed = []
        done = [0]
        lock = threading.Lock()
        start = time.time()

        def lane(k):
            for i in range(k, cycles, LANES):
                rc, out = cycle(i)
                with lock:
                    if rc != 0:
                        failed.append((i, rc, out[-120:]))
                        if len(failed) == 1:
                            # What went wrong, while it is fresh.
                            print("# %s: logon %d failed (rc %d): %s\n%s"
                                  % (t.name, i, rc, out[-200:], m.run(
                                      "journalctl -u seatmuxd -t seatmuxd -o short-monotonic "
                                      "| tail -n 80", timeout=60)[1]), flush=True)
                    done[0] += 1
                    if done[0] % 100 == 0:
                        f = figures(m)
                        print("# %s: %d of %d logons, %.0f s, %d failed; fds %d, RSS %d kB, "
                              "cards %d" % (t.name, done[0], cycles, time.time() - start, len(failed),
                                            f["fds"], f["rss_kb"], f["cards"]), flush=True)

        lanes = [threading.Thread(target=lane, args=(k,)) for k in range(LANES)]
        for th in lanes:
            th.start()
        for th in lanes:
            th.join()
        elapsed = time.time() - start
        # The last stations' keep (2 s, here and in rdp-slot-reuse) and
        # their sessions' stop (3 s at most) run out.
        time.sleep(10)
        after = figures(m)
        print("# %s: %d logons (%d at once) in %.0f s; seatmuxd fds %d -> %d, RSS %d -> %d kB, "
              "cards %d -> %d, station seats %d -> %d"
              % (t.name, cycles, LANES, elapsed, before["fds"], after["fds"], before["rss_kb"], after["rss_kb"],
                 before["cards"], after["cards"], before["seats"], after["seats"]), flush=True)
        t.check("every logon of the soak works", not failed, failed[:3])
        t.check("seatmuxd's fd count stays flat", after["fds"] <= before["fds"] + 2,
                "%d -> %d\nbefore:\n%s\nafter:\n%s" % (before["fds"], after["fds"],
                                                     before["kinds"], after["kinds"]))
        # ASan's quarantine (8 MB in these builds) fills first: allow it.
        t.check("seatmuxd's memory stays flat", after["rss_kb"] <= before["rss_kb"] + 12 * 1024,
                (before["rss_kb"], after["rss_kb"]))
        t.check("evdi cards do not grow past the users at once",
                after["cards"] <= before["cards"], (before["cards"], after["cards"]))
        t.check("station numbers do not grow past the users at once",
                after["seats"] <= len(CYCLING) + 1, after["seats"])
        # The client logs every 60th frame: under the soak's load, a
        # TCG guest may take seconds for 60. Going on, at any rate.
        f1 = frames(m, "station3")
        going = attempt(lambda: m.wait_until(
            "[ $(grep -c '^frame n=' /home/station3/events.log) -gt %d ]" % f1, 30,
            interval=1))
        f2 = frames(m, "station3")
        pid_now = re.findall(r"^ready pid=(\d+)", m.run("cat /home/station3/events.log")[1], re.M)
        t.check("the session connected all along is not lost: same pid, frames going on",
                pid3 and pid_now == pid3 and going, (pid3, pid_now, f1, f2))
        t.check("and its connection too", stay.poll() is None,
                open(os.path.join(tmp, "stay.log")).read()[-300:])
    finally:
        stay.kill()
        stay.wait()
