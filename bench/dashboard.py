#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What the teacher's dashboard costs, with N RDP stations drawing.

    bench/dashboard.py --build BUILD_DIR [--stations N] [--seconds S]

Boots the test image as a Hyper-V guest (bench/rdp-density-overlay: every
station runs the 64x64 client, whose picture changes every frame), and
connects N RDP clients from the host (tests/rdp/seatmux-rdp-client,
1920x1080). Then, for S seconds each:

  closed   nobody has the page open: the stations alone;
  open     a teacher's page (this script, as dashboard.js does it): the
           station list once a second, each picture fetched when its
           version changed.

Figures per phase: CPU seconds a second of seatmuxd (with its
screenshot children), seatmux-dashboard and the teacher's bridge
(seatmuxctl --serve), bytes a second to the
browser, pictures a second, and the list's round trip (median, p95).
The difference between the phases is what the page costs; Debian has no
dashboard of its own to set beside it. Under TCG only the proportions
mean something. Prints figures, asserts nothing; exits 1 only if a
measurement could not be made.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qemu"))
import harness  # noqa: E402
from stations import ctl  # noqa: E402
from webclient import DashboardClient  # noqa: E402


def rdp_bench():
    """bench/rdp.py, for its client, readings and guest setup."""
    spec = importlib.util.spec_from_file_location("bench_rdp", os.path.join(HERE, "rdp.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def boot(rdp, build, out, tmp):
    """The density guest, with the dashboard's test drop-in (ASan's leak
    check needs ptrace at exit), RDP and HTTPS forwarded."""
    image = os.path.join(out, "dashboard-bench")
    subprocess.check_call([os.path.join(HERE, "..", "tests", "qemu", "build-image.sh"),
                           "--build", build, "--out", image,
                           "--overlay", os.path.join(HERE, "rdp-density-overlay"),
                           "--overlay", os.path.join(HERE, "..", "tests", "qemu", "scenarios",
                                                     "dashboard-overlay")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    m = harness.Machine(image, tmp, name="dashboard-bench",
                        devices=[harness.dev("bochs-display", id="console", addr=0x08)],
                        smbios=rdp.HYPERV, hostfwd=[3389, 8443], memory=6144, timeout=3600)
    m.start()
    m.wait_agent(timeout=120)
    m.setup_network()
    m.wait_until("journalctl -u seatmuxd | grep -q 'sink zygote pid [0-9]* ready'", 90)
    return m


def groups(rdp, m):
    return {"seatmuxd": rdp.pids_of(m, '$3 == "seatmuxd"'),
            "dashboard": rdp.pids_of(m, '$3 == "seatmux-dashboa"'),
            "bridge": rdp.pids_of(m, '$3 == "seatmuxctl"')}


def cpu(m, pids):
    """CPU seconds of each group, with their children's that have ended
    (seatmuxd encodes each screenshot in a child)."""
    out = {}
    for name, p in pids.items():
        rc, text = m.run("for p in %s; do cut -d' ' -f14-17 /proc/$p/stat 2>/dev/null; done"
                         % " ".join(str(x) for x in p))
        out[name] = sum(int(x) for line in text.splitlines() for x in line.split()
                        if x.isdigit()) / 100.0
    return out


def page(h, seconds):
    """A page open for `seconds`: (bytes, pictures, list round trips in ms)."""
    seen, sent, pictures, trips = {}, 0, 0, []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        st, hdr, body = h.req("GET", "/api/stations")
        trips.append((time.monotonic() - t0) * 1000)
        sent += len(body)
        for s in json.loads(body)["stations"] if st == 200 else []:
            if s["thumb"] and seen.get(s["id"]) != s["thumb"]:
                st, hdr, png = h.req("GET", "/api/thumb?id=%s&v=%d" % (s["id"], s["thumb"]))
                sent += len(png)
                pictures += st == 200
                seen[s["id"]] = s["thumb"]
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
    return sent, pictures, trips


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--build", required=True)
    ap.add_argument("--stations", type=int, default=8, help="RDP stations (1 to 24)")
    ap.add_argument("--seconds", type=int, default=30)
    args = ap.parse_args()
    rdp = rdp_bench()
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="dashboard-bench-")
    out = os.path.join(tempfile.gettempdir(), "seatmux-bench")
    m = boot(rdp, build, out, tmp)
    procs = []
    try:
        users = ["station%d" % i for i in range(max(1, min(args.stations, rdp.USERS)))]
        logs = [os.path.join(tmp, "%s.log" % u) for u in users]
        linger = 3 * args.seconds + 120
        procs = [rdp.client(build, m.ports[3389], u, 5, lg, linger) for u, lg in zip(users, logs)]
        rdp.wait_measured(logs, procs, 300)
        drawing = sum(1 for lg in logs if rdp.measured(lg))
        m.run("systemctl start seatmux-dashboard.socket seatmux-dashboard-session.socket",
              check=True, timeout=60)
        h = DashboardClient(m.ports[8443])
        st, data = h.login("station22", "station22")
        if st != 200:
            print("bench: the teacher could not log on: %s %s" % (st, data[:200]))
            return 1
        pids = groups(rdp, m)
        print("%d RDP stations drawing (of %d); %d s a phase" % (drawing, len(users),
                                                                 args.seconds))
        print("%-7s %14s %15s %12s %12s %12s %14s" % (
            "phase", "seatmuxd cpu/s", "dashboard cpu/s", "bridge cpu/s", "KB/s sent",
            "pictures/s", "list ms p50/p95"))
        for phase in ("closed", "open"):
            c0, t0 = cpu(m, pids), time.monotonic()
            if phase == "open":
                sent, pictures, trips = page(h, args.seconds)
            else:
                time.sleep(args.seconds)
                sent, pictures, trips = 0, 0, []
            c1, dt = cpu(m, pids), time.monotonic() - t0
            p = sorted(trips)
            lat = ("%.0f/%.0f" % (statistics.median(p), p[min(len(p) - 1, int(0.95 * len(p)))])
                   if p else "-")
            print("%-7s %14.3f %15.3f %12.3f %12.1f %12.2f %14s" % (
                phase, (c1["seatmuxd"] - c0["seatmuxd"]) / dt,
                (c1["dashboard"] - c0["dashboard"]) / dt, (c1["bridge"] - c0["bridge"]) / dt,
                sent / 1024 / dt, pictures / dt, lat), flush=True)
            if phase == "open" and not pictures:
                st, _, body = h.req("GET", "/api/stations")
                first = (json.loads(body).get("stations") or [{}])[0] if st == 200 else {}
                rc, out, err = ctl(m, "station22", "screenshot %s /tmp/bench.png" %
                                   first.get("id", "?"))
                print("# no picture came: the list said %s %s; seatmuxctl screenshot as the "
                      "teacher: %s %s" % (st, body[:300], rc, err))
                print("# " + m.run("journalctl -o cat -u seatmux-dashboard -u "
                                   "'seatmux-dashboard-session@*' -u dbus | tail -n 15")[1]
                      .replace("\n", "\n# "))
        return 0
    finally:
        for p in procs:
            p.kill()
        m.kill()


if __name__ == "__main__":
    sys.exit(main())
