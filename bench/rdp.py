#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""RDP stations against Weston 10's RDP backend, in one QEMU guest.

    bench/rdp.py --build BUILD_DIR [--seconds N] [--runs R] [--density 1,4,8,16,24]

Boots the test image (tests/qemu) as a Hyper-V guest with the RDP ports
forwarded, and measures with the same client (tests/rdp/seatmux-rdp-client,
RemoteFX offered, 1920x1080) on the host:

  workloads  1 weston-terminal printing `yes` full screen, 2 weston-simple-shm,
             3 a 64x64 region changing every frame (bench/client.c small),
             4 idle (a terminal doing nothing);
  servers    a seatmux RDP station per workload ([rdp.user.*] in
             bench/rdp-overlay), and `weston --backend=rdp-backend.so
             --shell=kiosk-shell.so` with the workload as its only client;
  figures    client frames per second, time from TCP connect to the first
             frame, bytes received per second and per frame (a relay on the
             host counts them), server CPU seconds per frame (seatmuxd, the
             sink and the station's compositor; weston), server peak RSS;
             medians of R runs and the ratios seatmux/weston.

Then density: N stations at once (bench/rdp-density-overlay), each with
workload 3 and its own connection: aggregate frames per second, p95 of
the per-seat frame interval (from per-seat fps), total server CPU and RSS.
The guest is emulated (TCG): only the ratios mean something. Prints
figures, asserts nothing; exits 1 only if a measurement could not be made.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qemu"))
import harness  # noqa: E402

HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
WORKLOADS = [
    ("terminal-yes", "station0", "weston-terminal --shell=/usr/local/bin/yes-shell"),
    # WAYLAND_DEBUG=client logs each request: its wl_surface.commit lines
    # are the frames the client drew, its own rate under either server.
    ("simple-shm", "station1", "env WAYLAND_DEBUG=client weston-simple-shm"),
    ("small-64", "station2",
     "/usr/libexec/seatmux/seatmux-bench-client --mode small --seconds 3600 --progress"),
    ("idle", "station3", "weston-terminal"),
    # Every line different: scrolling changes every tile, the case where
    # the sink's tile comparison saves nothing.
    ("terminal-seq", "station4", "weston-terminal --shell=/usr/local/bin/seq-shell"),
]
SIZE = "1920x1080"
USERS = 24                  # tests/qemu/build-image.sh's station0..23
WESTON_PORT = 3392
# Clients stay connected this long after measuring: the server side is
# read meanwhile (a station's sink ends with its connection).
LINGER = 8
# At 24 stations the last first frame comes over a minute after the first
# (heads are made one at a time): the first must still be there then.
DENSITY_LINGER = 150


class Relay:
    """127.0.0.1:port -> target, counting the bytes that come back."""

    def __init__(self, target):
        self.target = target
        self.down = 0
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(c, s, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(s, c, True), daemon=True).start()

    def _pipe(self, a, b, count):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                if count:
                    self.down += len(d)
                b.sendall(d)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.srv.close()


def client(build, port, user, seconds, log, linger=None):
    argv = [os.path.join(build, "tests", "rdp", "seatmux-rdp-client"), "--host", "127.0.0.1",
            "--port", str(port), "--user", user, "--password", user, "--size", SIZE,
            "--codec", "rfx", "--measure", str(seconds), "--linger", str(linger or LINGER),
            "--timeout", "120", "--log", log]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measured(log):
    with open(log) as f:
        m = re.findall(r"measured frames=(\d+) seconds=([\d.]+) first_frame_ms=(\d+)", f.read())
    if not m:
        return None
    frames, secs, first = m[-1]
    return int(frames), float(secs), int(first)


def cpu_and_rss(m, pids):
    """utime+stime in seconds, VmHWM and Pss (now) in MB, summed over pids.

    VmHWM counts every page a process maps, shared or not: libraries
    (file pages, in this image's RAM root: shmem) and a client's buffers
    count in full in each process. Pss shares each page among the
    processes mapping it, so a sum of Pss counts it once."""
    if not pids:
        return 0.0, 0.0, 0.0
    rc, out = m.run("for p in %s; do s=$(cut -d' ' -f14,15 /proc/$p/stat 2>/dev/null) || continue; "
                    "h=$(awk '/^VmHWM/ {print $2}' /proc/$p/status 2>/dev/null); "
                    "q=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null); "
                    "echo R $s $h $q; done" % " ".join(str(p) for p in pids), timeout=180)
    # Only whole lines: a process may end mid-reading.
    rows = [l.split()[1:] for l in out.splitlines() if l.startswith("R ")]
    rows = [[int(x) for x in r] for r in rows if len(r) == 4 and all(x.isdigit() for x in r)]
    return (sum(r[0] + r[1] for r in rows) / 100.0, sum(r[2] for r in rows) / 1024.0,
            sum(r[3] for r in rows) / 1024.0)


def pss_by_kind(m, groups):
    """Pss (MB) of each group of processes, split as smaps_rollup splits it:
    anonymous (heaps, the sink's copy of the head), file (libraries) and
    shmem (dumb buffers, clients' wl_shm pools)."""
    out = {}
    for name, pids in groups.items():
        rc, text = m.run("for p in %s; do awk '/^Pss_(Anon|File|Shmem):/ {print $1, $2}' "
                         "/proc/$p/smaps_rollup 2>/dev/null; done" % " ".join(str(p) for p in pids),
                         timeout=180)
        kinds = {"anon": 0, "file": 0, "shmem": 0}
        for kind, kb in re.findall(r"^Pss_(Anon|File|Shmem): (\d+)$", text, re.M):
            kinds[kind.lower()] += int(kb) / 1024.0
        out[name] = kinds
    return out


def pids_of(m, pattern):
    rc, out = m.run("ps -o pid,user,comm | awk '%s { print $1 }'" % pattern)
    return [int(p) for p in out.split()]


def drawn(m, log):
    """The Wayland client's own count of frames in the newest of the logs
    `log` names: (frames, seconds), or None. seatmux-bench-client
    --progress prints "progress frames=N t=T" (monotonic); any other
    client runs under WAYLAND_DEBUG=client, and its wl_surface.commit
    requests are counted, timed by the guest's uptime."""
    rc, out = m.run("f=$(ls -t %s 2>/dev/null | head -n 1); [ -n \"$f\" ] || exit 0; "
                    "p=$(grep -h '^progress ' \"$f\" | tail -n 1); "
                    "[ -n \"$p\" ] && echo \"$p\" || echo progress "
                    "frames=$(grep -c -- '-> wl_surface@[0-9]*[.]commit()' \"$f\") "
                    "t=$(cut -d' ' -f1 /proc/uptime)" % log)
    found = re.search(r"frames=(\d+) t=([\d.]+)", out)
    if not found or int(found.group(1)) == 0:
        return None
    return int(found.group(1)), float(found.group(2))


def run_once(m, build, port, user, seconds, tmp, server_pids, before_start=None,
             client_log=None):
    relay = Relay(port)
    log = os.path.join(tmp, "c-%s-%d.log" % (user, time.monotonic_ns()))
    p = client(build, relay.port, user, seconds, log)
    if before_start:
        time.sleep(5)       # connected first: kiosk-shell shows only then
        before_start()
    # From the first frame on, for both servers: a seatmux station starts
    # its session at logon, Weston's runs already; neither start counts.
    wait_first_frame(log, p, 150)
    cpu0, _, _ = cpu_and_rss(m, flat(server_pids()))
    drawn0 = drawn(m, client_log) if client_log else None
    bytes0 = relay.down
    wait_measured([log], [p], seconds + 150)
    groups = server_pids()
    cpu1, rss, pss = cpu_and_rss(m, flat(groups))
    drawn1 = drawn(m, client_log) if client_log else None
    rss_by = {name: cpu_and_rss(m, pids)[1] for name, pids in groups.items()}
    p.wait(LINGER + 30)
    relay.close()
    res = measured(log)
    if not res:
        return None
    frames, secs, first = res
    own = float("nan")
    if drawn0 and drawn1 and drawn1[1] > drawn0[1]:
        own = (drawn1[0] - drawn0[0]) / (drawn1[1] - drawn0[1])
    return {"fps": frames / secs if secs else 0, "first_ms": first, "own_fps": own,
            "bps": (relay.down - bytes0) / max(secs, 0.001),
            "bpf": (relay.down - bytes0) / max(frames, 1),
            "cpu_pf": (cpu1 - cpu0) / max(frames, 1), "rss": rss, "pss": pss, "rss_by": rss_by}


def wait_first_frame(log, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(log) and "first frame" in open(log).read():
            return
        time.sleep(0.05)


def wait_measured(logs, procs, timeout):
    """Until every client measured (or ended), while they linger."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(p.poll() is not None or os.path.exists(lg) and measured(lg)
               for lg, p in zip(logs, procs)):
            return
        time.sleep(0.2)


def flat(groups):
    return [p for pids in groups.values() for p in pids]


def median(rows, key):
    vals = [r[key] for r in rows if r]
    return statistics.median(vals) if vals else float("nan")


def medians(rows, keys):
    out = {k: median(rows, k) for k in keys}
    names = next((r["rss_by"].keys() for r in rows if r), [])
    out["rss_by"] = {n: median([r["rss_by"] for r in rows if r], n) for n in names}
    return out


def boot(build, out, overlay, tmp, forwards, memory=2048):
    image = os.path.join(out, os.path.basename(overlay))
    subprocess.check_call([os.path.join(HERE, "..", "tests", "qemu", "build-image.sh"),
                           "--build", build, "--out", image, "--overlay", overlay],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    m = harness.Machine(image, tmp, name=os.path.basename(overlay),
                        devices=[harness.dev("bochs-display", id="console", addr=0x08)],
                        smbios=HYPERV, hostfwd=forwards, memory=memory, timeout=3600)
    m.start()
    m.wait_agent(timeout=120)
    m.setup_network()
    m.wait_until("journalctl -u seatmuxd | grep -q 'rdp: listening'", 60)
    # Sinks are exec'd until the zygote has loaded its libraries: the
    # first station would not be one as a running system makes it.
    m.wait_until("journalctl -u seatmuxd | grep -q 'sink zygote pid [0-9]* ready'", 90)
    return m


def seatmux_pids(m, user):
    return lambda: {"seatmuxd": pids_of(m, '$3 == "seatmuxd"'),
                    "sink": pids_of(m, '$3 == "seatmux-rdp-sin"'),
                    "compositor": pids_of(m, '$2 == "%s" && $3 == "seatmux-composi"' % user)}


def weston_workload(m, command):
    """Weston's RDP backend with one client; started anew for each run."""
    # By name (busybox: killall; a pattern would match this script too),
    # and the port free again before the next Weston binds it.
    m.run("for c in weston weston-terminal weston-simple-shm seatmux-bench-client yes; do "
          "killall -q $c; done; for i in $(seq 50); do pidof weston >/dev/null || break; "
          "sleep 0.2; done; rm -rf /run/wb; mkdir -m 700 /run/wb; "
          "XDG_RUNTIME_DIR=/run/wb setsid weston --backend=rdp-backend.so --shell=kiosk-shell.so "
          "--port=%d --width=1920 --height=1080 --socket=wb "
          "--rdp-tls-cert=/var/lib/seatmux/cert.pem --rdp-tls-key=/var/lib/seatmux/key.pem "
          ">/run/weston.log 2>&1 </dev/null &" % WESTON_PORT)
    m.wait_until("[ -S /run/wb/wb ]", 30)

    def start_client():
        # kiosk-shell shows nothing started while nobody is connected.
        m.run("XDG_RUNTIME_DIR=/run/wb WAYLAND_DISPLAY=wb setsid %s >/run/wclient.log 2>&1 "
              "</dev/null &" % command)
    return start_client


def table(title, rows):
    print("\n" + title)
    print("%-14s %-8s %8s %10s %12s %10s %14s %9s %9s" % (
        "workload", "server", "fps", "first ms", "KB/s", "KB/frame", "cpu ms/frame", "RSS MB",
        "PSS MB"))
    for name, server, r in rows:
        print("%-14s %-8s %8.2f %10.0f %12.1f %10.2f %14.2f %9.1f %9.1f" % (
            name, server, r["fps"], r["first_ms"], r["bps"] / 1024, r["bpf"] / 1024,
            r["cpu_pf"] * 1000, r["rss"], r["pss"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--density", default="1,4,8,16,24", help="'' for none")
    ap.add_argument("--only", default=None, help="workloads to run, comma-separated")
    ap.add_argument("--density-only", action="store_true",
                    help="skip the workloads against Weston")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="rdpbench-")
    out = args.out or os.path.join(tmp, "images")
    print("# bench/rdp.py: %s, RemoteFX offered, %d s x %d runs, medians; TCG guest: "
          "compare ratios only" % (SIZE, args.seconds, args.runs), flush=True)
    if not args.density_only:
        workloads(args, build, out, tmp)
    return density(args, build, out, tmp) if args.density else 0


def workloads(args, build, out, tmp):
    chosen = [w for w in WORKLOADS if not args.only or w[0] in args.only.split(",")]
    results = []
    m = boot(build, out, os.path.join(HERE, "rdp-overlay"), tmp, [3389, WESTON_PORT])
    keys = ("fps", "first_ms", "bps", "bpf", "cpu_pf", "rss", "pss", "own_fps")
    try:
        # seatmux first, each station ending a second after its client
        # (keep = 1); then Weston alone, seatmuxd stopped.
        for name, user, command in chosen:
            ours = [run_once(m, build, m.ports[3389], user, args.seconds, tmp,
                             seatmux_pids(m, user), client_log="/run/*.session.log")
                    for _ in range(args.runs)]
            results.append((name, "seatmux", medians(ours, keys)))
            print("# seatmux %s done" % name, flush=True)
        m.run("systemctl stop seatmuxd", timeout=60)
        for name, user, command in chosen:
            theirs = []
            for _ in range(args.runs):
                start = weston_workload(m, command)
                theirs.append(run_once(m, build, m.ports[WESTON_PORT], user, args.seconds, tmp,
                                       lambda: {"weston": pids_of(m, '$3 == "weston"')},
                                       start, client_log="/run/wclient.log"))
            results.append((name, "weston", medians(theirs, keys)))
            print("# weston %s done" % name, flush=True)
    finally:
        m.kill()
    results.sort(key=lambda r: [w[0] for w in WORKLOADS].index(r[0]))
    table("Workloads (medians)", results)
    print("\nPeak RSS by process, MB (medians)")
    for name, server, r in results:
        print("%-14s %-8s %s" % (name, server, "  ".join(
            "%s %.1f" % (k, v) for k, v in r["rss_by"].items())))
    print("\nThe Wayland client's own frames a second (its progress lines, or its")
    print("wl_surface.commit requests), and the share of them the RDP client got")
    for name, server, r in results:
        if r["own_fps"] == r["own_fps"]:
            print("%-14s %-8s drew %6.2f fps, %5.2f of them delivered" % (
                name, server, r["own_fps"], r["fps"] / r["own_fps"] if r["own_fps"] else 0))
    print("\nseatmux/weston     fps   cpu/frame   bytes/frame   RSS    PSS")
    for name, _, _ in WORKLOADS:
        o = dict((s, r) for n, s, r in results if n == name)
        if "seatmux" in o and "weston" in o:
            a, b = o["seatmux"], o["weston"]
            print("%-14s %8.2f %10.2f %13.2f %6.2f %6.2f" % (
                name, a["fps"] / b["fps"] if b["fps"] else float("nan"),
                a["cpu_pf"] / b["cpu_pf"] if b["cpu_pf"] else float("nan"),
                a["bpf"] / b["bpf"] if b["bpf"] else float("nan"),
                a["rss"] / b["rss"] if b["rss"] else float("nan"),
                a["pss"] / b["pss"] if b["pss"] else float("nan")))


def density(args, build, out, tmp):
    print("\nDensity: N stations at once, each with the 64x64 client")
    print("%3s %9s %10s %16s %14s %12s %12s %13s" % (
        "N", "measured", "fps total", "p95 interval ms", "cpu s/s total", "RSS MB", "PSS MB",
        "PSS MB/seat"))
    # 24 stations of 1920x1080 (shadow, two dumb buffers and evdi's copy
    # each) need more than the default guest's memory.
    m = boot(build, out, os.path.join(HERE, "rdp-density-overlay"), tmp, [3389], memory=6144)
    try:
        for n in [int(x) for x in args.density.split(",")]:
            users = ["station%d" % i for i in range(min(n, USERS))]
            logs = [os.path.join(tmp, "d%d-%s.log" % (n, u)) for u in users]
            allp = lambda: pids_of(m, '$3 == "seatmuxd" || $3 == "seatmux-rdp-sin" || $3 == "seatmux-composi"')
            cpu0, _, _ = cpu_and_rss(m, allp())
            t0 = time.monotonic()
            # Lingering until the last client of the step has measured.
            procs = [client(build, m.ports[3389], u, args.seconds, lg, DENSITY_LINGER)
                     for u, lg in zip(users, logs)]
            wait_measured(logs, procs, args.seconds + 150)
            cpu1, rss, pss = cpu_and_rss(m, allp())
            # Sinks (not the zygote, root's) still connected at the reading.
            alive = len(pids_of(m, '$3 == "seatmux-rdp-sin" && $2 != "root"'))
            kinds = pss_by_kind(m, {"seatmuxd": pids_of(m, '$3 == "seatmuxd"'),
                                    "sink": pids_of(m, '$3 == "seatmux-rdp-sin"'),
                                    "compositor": pids_of(m, '$3 == "seatmux-composi"')})
            # The total from the same reading as its parts (a reading of 72
            # processes' smaps under TCG is slow: the agent's default 30 s
            # cut one short before).
            pss = sum(sum(k.values()) for k in kinds.values())
            for p in procs:
                p.wait(DENSITY_LINGER + 30)
            per = [r for r in (measured(lg) for lg in logs) if r]
            fps = [f / s for f, s, _ in per if s]
            intervals = sorted(1000.0 / x for x in fps if x > 0)
            p95 = intervals[min(len(intervals) - 1, int(0.95 * len(intervals)))] if intervals else float("nan")
            # seatmuxd's account of the step, for when clients were refused.
            rc, journal = m.run("journalctl -u seatmuxd -o short-monotonic --no-pager", timeout=60)
            with open(os.path.join(tmp, "d%d-seatmuxd.journal" % n), "w") as f:
                f.write(journal)
            print("%3d %9d %10.2f %16.1f %14.2f %12.1f %12.1f %13.1f" % (
                len(users), len(per), sum(fps), p95, (cpu1 - cpu0) / (time.monotonic() - t0), rss,
                pss, pss / max(len(users), 1)), flush=True)
            print("    %d sinks at the reading; PSS a seat, MB: " % alive + " | ".join(
                "%s anon %.1f file %.1f shmem %.1f" % (
                    name, k["anon"] / len(users), k["file"] / len(users), k["shmem"] / len(users))
                for name, k in kinds.items()), flush=True)
            time.sleep(25)      # the stations end (keep = 20) before the next step
    finally:
        m.kill()
    print("# density is bounded by the image's %d test users (station0-%d)." % (USERS, USERS - 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
