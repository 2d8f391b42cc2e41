#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The screens the broker draws, in one QEMU guest (tests/qemu's image).

    bench/screens.py --build BUILD_DIR [--seconds N] [--runs R] [--targets 1,4,8]

Nine 1920x1080 virtio-gpu heads, each a seat
(bench/screens-overlay): seat0 runs the bench client's moving square under cage,
the projection's source; the others seatmux-compositor with nothing to show.

  latency     from the D-Bus call (busctl in the guest) to the painter's
              "shown" line (both on the guest's clock), and to the pixels
              (QMP screendumps of the head until it shows the screen's
              colour, on the host's clock: a screendump takes a while, so
              this is an upper bound): Block, Identify, SendMessage.
              Anchor: giving the seat back (Unblock) until the session's
              picture is back, the same way, which is what a VT switch
              back costs a compositor. The same on an RDP station (a
              FreeRDP client on the host, seatmux-rdp-client, connected
              as station20 at 1280x720): its pixels are the client's
              frames, read by asking it for a picture until it shows.
  project     seat0 on 1, 4 and 8 stations for N seconds: frames drawn a
              second and CPU ms a drawn frame per target (each painter's
              own report), and the painters' CPU in all. Anchor: what the
              same frames cost cage on seat0 (its CPU ms a frame of the
              bench client over the same seconds).
  screenshot  seatmuxctl screenshot of a 1920x1080 head (D-Bus call, read
              back, PNG), wall time in the guest. Anchor: QEMU reading the
              same head out (a QMP screendump, no encoding), on the host.

Medians of R runs. The guest is emulated (TCG): ratios and orders of
magnitude mean something, absolute figures do not. Prints figures,
asserts nothing; exits 1 only if a measurement could not be made.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qemu"))
import harness  # noqa: E402

HEADS = 9
BUS = "busctl call org.seatmux.Manager1 /org/seatmux/Manager1 org.seatmux.Manager1 "
CLK_TCK = 100           # the guest's kernel: CONFIG_HZ-independent USER_HZ


def colour(name):
    """A screen's background, as include/screen_proto.h says."""
    with open(os.path.join(HERE, "..", "include", "screen_proto.h")) as f:
        value = int(re.search(r"#define SCREEN_%s_COLOR (0x[0-9a-f]{6})" % name, f.read()).group(1),
                    16)
    return ((value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff)


class Failed(Exception):
    pass


def boot(build, out, tmp):
    overlay = os.path.join(HERE, "screens-overlay")
    image = os.path.join(out, "screens-overlay")
    subprocess.check_call([os.path.join(HERE, "..", "tests", "qemu", "build-image.sh"),
                           "--build", build, "--out", image, "--overlay", overlay],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    heads = [harness.dev("virtio-gpu-pci", id="head%d" % i, addr=0x10 + i, xres=1920,
                         yres=1080) for i in range(HEADS)]
    m = harness.Machine(image, tmp, name="screens", devices=heads, memory=3072, timeout=3600,
                        hostfwd=[3389])
    m.start()
    m.wait_agent(timeout=180)
    m.setup_network()
    try:
        m.wait_until("[ $(journalctl -t seatmuxd | grep -c 'session started') -ge %d ]" % HEADS,
                     240)
        m.wait_until("grep -q '^progress' /run/seat0.session.log", 240)
    except harness.MachineError:
        print(m.run("tail -n 20 /run/seat0.session.log; journalctl -t seatmuxd | tail -n 30")[1],
              file=sys.stderr)
        raise
    m.wait_until("journalctl -t seatmuxd | grep -q 'org.seatmux.Manager1 offered'", 60)
    return m


def guest_now(m):
    """The guest's clock now, in µs, as the journal tells it (busybox's
    date has no %N): a marker line, read back."""
    mark = "mark-%f" % time.time()
    m.run("echo %s | systemd-cat -t screens-bench" % mark)
    end = time.time() + 10
    while time.time() < end:
        for line in m.run("journalctl -o short-unix -t screens-bench")[1].splitlines():
            if line.endswith(mark):
                return float(line.split()[0])
        time.sleep(0.2)
    raise Failed("the journal did not take a marker")


def shown_after(m, t0, timeout=60):
    """The guest time of the first painter "shown" line after t0."""
    end = time.time() + timeout
    while time.time() < end:
        out = m.run("journalctl -o short-unix -t seatmuxd --since @%d | "
                    "grep 'seatmux-screen: shown on'" % int(t0))[1]
        for line in out.splitlines():
            ts = float(line.split()[0])
            if ts > t0:
                return ts
        time.sleep(0.5)
    raise Failed("no painter said it showed a screen")


def near(img, rgb):
    return img.fraction_near(rgb, tolerance=8) > 0.5


def pixels_after(m, head, test, start, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if test(m.screendump(head, 0)):
            return time.time() - start
    raise Failed("%s never showed what was asked" % head)


def one_latency(m, call, head, test, seen=None):
    """(to shown, to pixels) of call; seen(test, start) looks for the
    pixels (a head's screendumps unless said)."""
    seen = seen or (lambda test, start: pixels_after(m, head, test, start))
    t0 = guest_now(m)
    start = time.time()
    rc, out = m.run(BUS + call)
    if rc != 0:
        raise Failed("%s: %s" % (call, out))
    pixels = seen(test, start)
    return shown_after(m, t0) - t0, pixels


def back_to_session(m, head, start):
    """Until head shows no broker screen: the session's picture again."""
    screens = [colour(n) for n in ("BLOCK", "IDENTIFY", "MESSAGE")]
    return pixels_after(m, head, lambda img: not any(near(img, c) for c in screens), start)


def latencies(m, runs):
    rows = {"Block": [], "Identify": [], "SendMessage": [], "Unblock (anchor)": []}
    for _ in range(runs):
        rows["Block"].append(one_latency(m, "Block ss seat1 'Eyes front'", "head1",
                                         lambda img: near(img, colour("BLOCK"))))
        start = time.time()
        m.run(BUS + "Unblock s seat1")
        rows["Unblock (anchor)"].append((None, back_to_session(m, "head1", start)))
        rows["Identify"].append(one_latency(m, "Identify as 1 seat1", "head1",
                                            lambda img: near(img, colour("IDENTIFY"))))
        back_to_session(m, "head1", time.time())
        rows["SendMessage"].append(one_latency(m, "SendMessage ssu seat1 'Save now' 2", "head1",
                                               lambda img: near(img, colour("MESSAGE"))))
        back_to_session(m, "head1", time.time())
    return rows


class RdpClient:
    """seatmux-rdp-client kept connected: SIGUSR1 makes it save its
    picture again."""

    def __init__(self, build, port, tmp):
        self.dump = os.path.join(tmp, "rdp.ppm")
        self.log = os.path.join(tmp, "rdp.log")
        self.proc = subprocess.Popen(
            [os.path.join(build, "tests", "rdp", "seatmux-rdp-client"), "--host", "127.0.0.1",
             "--port", str(port), "--user", "station20", "--password", "station20",
             "--size", "1280x720", "--frames", "1", "--timeout", "300", "--linger", "3600",
             "--dump", self.dump, "--log", self.log],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def dumps(self):
        try:
            return open(self.log).read().count("dumped")
        except OSError:
            return 0

    def picture(self):
        n = self.dumps()
        self.proc.send_signal(signal.SIGUSR1)
        end = time.time() + 10
        while self.dumps() <= n and time.time() < end:
            time.sleep(0.05)
        return harness.Image.read_ppm(self.dump) if os.path.exists(self.dump) else None

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def rdp_station(m, client, timeout=300):
    """The RDP station's seat, once its client has its first picture."""
    end = time.time() + timeout
    while time.time() < end:
        found = re.search(r"station20 logged on from .*: (seat-rdp\d+)",
                          m.run("journalctl -t seatmuxd")[1])
        if found and client.dumps():
            return found.group(1)
        if client.proc.poll() is not None:
            break
        time.sleep(1)
    raise Failed("the RDP client got no station: %s" %
                 (open(client.log).read()[-300:] if os.path.exists(client.log) else "no log"))


def client_after(client, test, start, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        img = client.picture()
        if img and test(img):
            return time.time() - start
    raise Failed("the RDP client never showed what was asked")


def rdp_latencies(m, client, seat, runs):
    screens = [colour(n) for n in ("BLOCK", "IDENTIFY", "MESSAGE")]
    back = lambda img: not any(near(img, c) for c in screens)   # noqa: E731
    rows = {"Block": [], "Identify": [], "Unblock (anchor)": []}
    at_client = lambda test, start: client_after(client, test, start)   # noqa: E731
    for _ in range(runs):
        rows["Block"].append(one_latency(m, "Block ss %s 'Eyes front'" % seat, None,
                                         lambda img: near(img, colour("BLOCK")), at_client))
        start = time.time()
        m.run(BUS + "Unblock s %s" % seat)
        rows["Unblock (anchor)"].append((None, client_after(client, back, start)))
        rows["Identify"].append(one_latency(m, "Identify as 1 %s" % seat, None,
                                            lambda img: near(img, colour("IDENTIFY")),
                                            at_client))
        client_after(client, back, time.time())
    return rows


def cpu_ticks(m, pid):
    f = m.run("cat /proc/%s/stat" % pid)[1].rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def source_frames(m):
    found = re.findall(r"^progress frames=(\d+)", m.run("cat /run/seat0.session.log")[1], re.M)
    return int(found[-1]) if found else 0


REPORT = re.compile(r"projected seat0 on \d+ heads?: (\d+) frames drawn, (\d+) unchanged "
                    r"in ([\d.]+) s, ([\d.]+) ms CPU a drawn frame")


def project(m, targets, seconds):
    cage = m.run("pidof cage")[1].split()[0]     # seat0 alone runs cage
    t0 = guest_now(m)
    names = " ".join("seat%d" % i for i in range(1, targets + 1))
    rc, out = m.run("seatmuxctl project seat0 %s" % names)
    if rc != 0:
        raise Failed("project: " + out)
    time.sleep(3)     # the painters start
    c0, f0, w0 = cpu_ticks(m, cage), source_frames(m), time.time()
    time.sleep(seconds)
    c1, f1, w1 = cpu_ticks(m, cage), source_frames(m), time.time()
    m.run("seatmuxctl unproject")
    end = time.time() + 60
    reports = []
    while len(reports) < targets and time.time() < end:
        time.sleep(1)
        log = m.run("journalctl -o short-unix -t seatmuxd --since @%d" % int(t0))[1]
        reports = [tuple(float(x) for x in r) for r in REPORT.findall(log)]
    if len(reports) < targets:
        raise Failed("%d of %d painters reported" % (len(reports), targets))
    frames = max(1, f1 - f0)
    return {
        "fps": statistics.mean(d / t for d, _, t, _ in reports),
        "cpu_ms": statistics.mean(c for _, _, _, c in reports),
        "cpu_pct": sum(d * c for d, _, _, c in reports) / max(t for _, _, t, _ in reports) / 10,
        "unchanged": statistics.mean(u / t for _, u, t, _ in reports),
        "source_fps": frames / (w1 - w0),
        "cage_ms": (c1 - c0) * 1000.0 / CLK_TCK / frames,
    }


def screenshots(m, runs):
    ours, qemu = [], []
    for _ in range(runs):
        t0 = guest_now(m)
        rc, out = m.run("seatmuxctl screenshot seat0 /tmp/s.png")
        if rc != 0:
            raise Failed("screenshot: " + out)
        ours.append(guest_now(m) - t0)    # a marker's cost included
        start = time.time()
        m.screendump("head0", 0)
        qemu.append(time.time() - start)
    return ours, qemu


def ms(v):
    return "%8.0f" % (v * 1000) if v is not None else "%8s" % "-"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def print_latencies(rows, what="seat1 (1920x1080, seatmux-compositor)"):
    print("\nCall to screen, %s, median ms" % what)
    print("%-18s %10s %10s" % ("call", "to shown", "to pixels"))
    for name, values in rows.items():
        print("%-18s %10s %10s" % (name, ms(median(v[0] for v in values)).strip(),
                                   ms(median(v[1] for v in values)).strip()))


def print_project(results):
    print("\nProject seat0 (1920x1080, moving square) for its frames, per target painter")
    print("%-8s %10s %14s %12s %12s %12s %14s" % ("targets", "fps", "cpu ms/frame", "cpu % all",
                                                 "unchanged/s", "source fps",
                                                 "cage ms/frame"))
    for n, r in results:
        print("%-8d %10.1f %14.2f %12.1f %12.1f %12.1f %14.2f" % (
            n, r["fps"], r["cpu_ms"], r["cpu_pct"], r["unchanged"], r["source_fps"],
            r["cage_ms"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--targets", default="1,4,8")
    args = ap.parse_args()
    targets = [int(n) for n in args.targets.split(",")]
    if max(targets) >= HEADS:
        ap.error("at most %d targets" % (HEADS - 1))
    out = tempfile.mkdtemp(prefix="seatmux-bench-screens-")
    m = None
    try:
        m = boot(os.path.abspath(args.build), out, out)
        print_latencies(latencies(m, args.runs))
        client = RdpClient(os.path.abspath(args.build), m.ports[3389], out)
        try:
            seat = rdp_station(m, client)
            print_latencies(rdp_latencies(m, client, seat, args.runs),
                            "%s (1280x720, an RDP client's frames)" % seat)
        finally:
            client.close()
        print_project([(n, project(m, n, args.seconds)) for n in targets])
        ours, qemu = screenshots(m, args.runs)
        print("\nScreenshot of a 1920x1080 head, median ms")
        print("%-28s %8s" % ("seatmuxctl screenshot (PNG)", ms(median(ours)).strip()))
        print("%-28s %8s" % ("anchor: QMP screendump", ms(median(qemu)).strip()))
        return 0
    except (Failed, harness.MachineError, subprocess.CalledProcessError) as e:
        print("bench/screens.py: %s (logs in %s)" % (e, out), file=sys.stderr)
        return 1
    finally:
        if m:
            m.close()


if __name__ == "__main__":
    sys.exit(main())
