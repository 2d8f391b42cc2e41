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
           version changed;
  still    the same page, the stations' clients stopped (SIGSTOP): their
           heads show the same, their sinks say nothing changed, and
           seatmuxd gives their last pictures again without reading.

Figures per phase: CPU seconds a second of seatmuxd (with its
screenshot children), seatmux-dashboard and the teacher's bridge
(seatmuxctl --serve), bytes a second to the
browser, pictures a second, and the list's round trip (median, p95).
The difference between the phases is what the page costs; Debian has no
dashboard of its own to set beside it.

Then take control: station0 (whose session is seatmux-testclient
--key-recolour: each key press turns its whole screen to the colour's
complement) is connected last, its RDP client timing --echo keys (from a
key sent to the middle of its screen changing: the pupil's own latency,
the anchor). Then a teacher's headless Chromium (the real page) opens
station0 large, takes control and types the same key, timing from the
browser's keydown to the changed pixels drawn on the page's canvas
(over the WebSocket). Both with the other stations drawing.

And where one picture of the large view spends its time: seatmuxctl's
own start, a screenshot through seatmuxctl as root and as the teacher
(D-Bus, polkit, seatmuxd's child reading the head and encoding it), its
pixels not encoded (--raw, what the large view's stream takes), and the
dashboard's /api/view (the teacher's bridge, the dashboard's decode
and encode), each timed ten times.

Under TCG only the proportions mean something. Prints figures, asserts
nothing; exits 1 only if a measurement could not be made.
"""

import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qemu"))
import harness  # noqa: E402
from stations import ctl, scenario  # noqa: E402
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


# station0 draws what it is typed; the others draw the density's client.
LATENCY_SESSION = ("\n[rdp.user.station0]\napplication = /usr/libexec/seatmux/seatmux-testclient "
                   "--key-recolour --still-after 1\n")
ECHOES = 20


def latency_station(m):
    """station0's own session, before any client: seatmuxd restarted to
    read it."""
    m.run("printf '%s' >> /etc/seatmux/seatmux.conf && systemctl restart seatmuxd" %
          LATENCY_SESSION, check=True, timeout=60)
    m.wait_until("journalctl -u seatmuxd --since=-60s | grep -q 'sink zygote pid [0-9]* ready'",
                 90)


def echo_client(build, port, log):
    argv = [os.path.join(build, "tests", "rdp", "seatmux-rdp-client"), "--host", "127.0.0.1",
            "--port", str(port), "--user", "station0", "--password", "station0", "--size",
            "1280x800", "--codec", "rfx", "--echo", str(ECHOES), "--linger", "900",
            "--timeout", "120", "--log", log]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# Installed in the page: a keydown on the large view starts a clock and
# notes the colour that key makes (the complement of the middle pixel
# shown then); the first message drawn after it (data-messages changes
# once a message is drawn) whose middle pixel is that colour stops it.
# Looking for that colour, not for any change, keeps a key whose pixels
# came late from being counted as the next key's; taking it from what is
# shown at the key, not from the count of keys, keeps one lost key from
# making every later one wait for the wrong colour.
WATCH_KEYS = """
const c = document.getElementById('view-screen');
const g = c.getContext('2d');
window.benchMiddle = () => Array.from(g.getImageData(c.width >> 1, c.height >> 1, 1, 1).data);
window.benchEchoes = [];
window.benchWant = null;
let t0 = null;
c.addEventListener('keydown', () => {
	window.benchWant = window.benchMiddle().slice(0, 3).map((x) => 255 - x);
	t0 = performance.now();
}, true);
new MutationObserver(() => {
	const m = window.benchMiddle(), w = window.benchWant;
	if (t0 !== null && w && [0, 1, 2].every((i) => Math.abs(m[i] - w[i]) <= 8)) {
		window.benchEchoes.push(performance.now() - t0);
		t0 = null;
	}
}).observe(c, { attributes: true, attributeFilter: ['data-messages'] });
"""


def station_of(h, user):
    st, _, body = h.req("GET", "/api/stations")
    return next((s["id"] for s in json.loads(body)["stations"] if s.get("user") == user),
                None) if st == 200 else None


def browser_echoes(port, station):
    """The teacher's page in control of station: ECHOES keys, each timed
    from keydown to its pixels on the canvas. [ms], or None and why."""
    dash = scenario("dashboard")
    driver = dash.browser()	# puts Debian's selenium on the path
    from selenium.webdriver.common.action_chains import ActionChains
    try:
        p = dash.Page(None, driver, "https://127.0.0.1:%d/" % port)
        p.login("station22")
        card = p.card(station)
        if not card:
            return None, "%s is not on the page" % station
        card[0].find_element("css selector", "button.open").click()
        canvas = p.find("#view-screen", 30)
        end = time.monotonic() + 60
        while canvas and time.monotonic() < end and not driver.execute_script(
                "return +arguments[0].dataset.messages > 0", canvas[0]):
            time.sleep(0.3)
        driver.find_element("id", "view-only").click()
        if not p.find("#view-dialog.is-controlled", 30):
            return None, "control was not taken: " + driver.find_element("id", "view-status").text
        driver.execute_script(WATCH_KEYS)
        driver.execute_script("arguments[0].focus()", canvas[0])
        # The notice that the station is watched goes first: the keys
        # start once the middle has stood still for 2 s.
        still, last, end = 0, None, time.monotonic() + 60
        while still < 8 and time.monotonic() < end:
            now = driver.execute_script("return window.benchMiddle()")
            still = still + 1 if now == last else 0
            last = now
            time.sleep(0.25)
        # One key at a time, the next once the last one's colour is in
        # (or 15 s went).
        for i in range(ECHOES):
            done = len(driver.execute_script("return window.benchEchoes"))
            ActionChains(driver).send_keys("a").perform()
            end = time.monotonic() + 15
            while time.monotonic() < end and len(
                    driver.execute_script("return window.benchEchoes")) <= done:
                time.sleep(0.02)
            time.sleep(0.5)
        return driver.execute_script("return window.benchEchoes"), None
    finally:
        driver.quit()


# A command's wall time in the guest, PICTURES times, in ms ("fail" for
# one that failed). busybox's date has no %N: /proc/uptime's hundredths.
PICTURES = 10
TIME_LOOP = ("i=0; while [ $i -lt %d ]; do i=$((i + 1)); read a x </proc/uptime; "
             "%s >/dev/null 2>&1 || echo fail; read b x </proc/uptime; "
             "echo $(( (${b%%.*}${b#*.} - ${a%%.*}${a#*.}) * 10 )); done")


def guest_times(m, user, cmd):
    import shlex
    loop = TIME_LOOP % (PICTURES, cmd)
    if user:
        loop = "su -s /bin/sh %s -c %s" % (user, shlex.quote(loop))
    rc, out = m.run(loop, timeout=600)
    words = out.split()
    return [int(x) for x in words if x.isdigit()], words.count("fail")


def picture_path(m, h, station):
    """Where one picture of the large view spends its time, step by step
    from seatmuxd's end to the page's: each row holds the ones above it."""
    shot = "seatmuxctl --fit 1280x800 screenshot %s -" % station
    rows = [("seatmuxctl --version (a process's start)", guest_times(m, None,
                                                                 "seatmuxctl --version")),
            ("seatmuxctl screenshot, as root", guest_times(m, None, shot)),
            ("the same as the teacher (polkit's rules)", guest_times(m, "station22", shot)),
            ("the teacher's, --raw (Pixels: not encoded)",
             guest_times(m, "station22", shot.replace("screenshot", "--raw screenshot")))]
    ms, lost, why = [], 0, set()
    for _ in range(PICTURES):
        t0 = time.monotonic()
        st, _, body = h.req("GET", "/api/view?id=" + station)
        if st == 200:
            ms.append((time.monotonic() - t0) * 1000)
        else:
            lost += 1
            why.add("%d %s" % (st, body[:120]))
    rows.append(("GET /api/view (dashboard, teacher's bridge)", (ms, lost)))
    print("\none picture of station0 for the large view (1280x800), ms (%d each)" % PICTURES)
    print("%-42s %7s %7s %7s %5s" % ("path", "p50", "p95", "max", "lost"))
    for name, (t, n) in rows:
        print("%-42s %s" % (name, spread(t, n)))
    for w in sorted(why):
        print("# /api/view answered " + w)


def rdp_echoes(log):
    with open(log) as f:
        text = f.read()
    return [float(x) for x in re.findall(r"echo ms=([\d.]+)", text)], text.count("echo lost")


def spread(ms, lost):
    if not ms:
        return "%7s %7s %7s %5d" % ("-", "-", "-", lost)
    p = sorted(ms)
    return "%7.0f %7.0f %7.0f %5d" % (statistics.median(p), p[min(len(p) - 1, int(0.95 * len(p)))],
                                      p[-1], lost)


def take_control(build, m, h, log):
    """Both latencies, printed side by side; 0, or 1 if one was not made."""
    proc = echo_client(build, m.ports[3389], log)
    end = time.monotonic() + 300
    while time.monotonic() < end and proc.poll() is None and not (
            os.path.exists(log) and "echoed" in open(log).read()):
        time.sleep(0.5)
    try:
        rdp_ms, rdp_lost = rdp_echoes(log) if os.path.exists(log) else ([], 0)
        station = station_of(h, "station0")
        page_ms, why = (browser_echoes(m.ports[8443], station) if station else
                        (None, "station0 has no station in the list"))
        if station:
            picture_path(m, h, station)
    finally:
        proc.kill()
    print("\ntake control: a key to its changed pixels, ms (%d keys)" % ECHOES)
    print("%-42s %7s %7s %7s %5s" % ("path", "p50", "p95", "max", "lost"))
    print("%-42s %s" % ("station0's own RDP client (the anchor)", spread(rdp_ms, rdp_lost)))
    print("%-42s %s" % ("teacher's browser, in control (WebSocket)",
                        spread(page_ms or [], ECHOES - len(page_ms or []))))
    if why:
        print("# the page: " + why)
    if not rdp_ms:
        print("# station0's client: " + (open(log).read()[-400:] if os.path.exists(log) else
                                         "no log"))
    return 0 if rdp_ms and page_ms else 1


BENCH_CLIENT = "/usr/libexec/seatmux/seatmux-bench-client"


def signal_clients(m, sig):
    """SIG to every station's client (the guest has no pkill): by the
    command line, the script's own shell left out."""
    rc, out = m.run("n=0; for p in /proc/[0-9]*; do i=${p#/proc/}; [ \"$i\" = $$ ] && continue; "
                    "case \"$(tr '\\0' ' ' 2>/dev/null < $p/cmdline)\" in %s*) "
                    "kill -%s $i && n=$((n+1));; esac; done; echo $n" % (BENCH_CLIENT, sig))
    last = out.strip().split("\n")[-1]
    return int(last) if last.isdigit() else 0


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
    ap.add_argument("--stations", type=int, default=8, help="RDP stations drawing (1 to 23), station0 apart")
    ap.add_argument("--seconds", type=int, default=30)
    args = ap.parse_args()
    rdp = rdp_bench()
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="dashboard-bench-")
    out = os.path.join(tempfile.gettempdir(), "seatmux-bench")
    m = boot(rdp, build, out, tmp)
    procs = []
    try:
        latency_station(m)
        users = ["station%d" % i for i in range(1, 1 + max(1, min(args.stations, rdp.USERS - 1)))]
        logs = [os.path.join(tmp, "%s.log" % u) for u in users]
        linger = 3 * args.seconds + 600	# and the take-control phase
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
        for phase in ("closed", "open", "still"):
            if phase == "still":	# their last frames go first
                stopped = signal_clients(m, "STOP")
                time.sleep(2)
                print("# still: %d clients stopped" % stopped)
            c0, t0 = cpu(m, pids), time.monotonic()
            if phase != "closed":
                sent, pictures, trips = page(h, args.seconds)
            else:
                time.sleep(args.seconds)
                sent, pictures, trips = 0, 0, []
            c1, dt = cpu(m, pids), time.monotonic() - t0
            if phase == "still":
                signal_clients(m, "CONT")
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
        return take_control(build, m, h, os.path.join(tmp, "station0-echo.log"))
    finally:
        for p in procs:
            p.kill()
        m.kill()


if __name__ == "__main__":
    sys.exit(main())
