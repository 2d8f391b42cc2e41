#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""USB-over-Ethernet stations: plain USB/IP against the secure transport.

    bench/usbip.py --build BUILD_DIR [--seconds N] [--runs R]

Boots the test image as a Hyper-V guest with bench/usbip-overlay: four
stations (plain and TLS, each with a small-damage and a full-screen
workload, bench/client.c at the station's 1024x768). One at a time, an
emulated station (tests/usbip's emulator, behind the station agent for
TLS) is made reachable through a byte-counting relay on the host, and:

  import ms       from the display adapter's import to the session's first
                  frame on the station (the client's pixels decoded);
  fps             frames the station decoded per second (udl ends a frame
                  with a short bulk transfer);
  KB/s            bytes on the wire, both ways, TLS records included;
  KB/frame        the same per frame.

Medians of R runs, and secure/plain ratios. The guest is emulated (TCG):
only the ratios mean something. Prints figures, asserts nothing; exits 1
only if a measurement could not be made.
"""

import argparse
import os
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
from stations import scenario  # noqa: E402

HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
STATIONS = [("plain-small", 3240), ("tls-small", 3241), ("plain-full", 3242), ("tls-full", 3243)]


class Relay:
    """A host port whose connections go to a target that can change (or be
    none: then they are closed), counting the bytes both ways."""

    def __init__(self):
        self.target = None
        self.bytes = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.target is None:
                c.close()
                continue
            try:
                t = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                c.close()
                continue
            t.settimeout(None)
            self.conns += [c, t]
            for a, b in ((c, t), (t, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a, b):
        try:
            while True:
                data = a.recv(262144)
                if not data:
                    break
                with self.lock:
                    self.bytes += len(data)
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.target = None
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        self.conns = []


def wait_for(fn, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(interval)
    return False


def run_once(m, usb, tmp, name, relay, seconds):
    emu = usb.Emulator(tmp, name)
    agent = None
    if name.startswith("tls"):
        agent = usb.Agent(tmp, name, emu, *usb_certs["station"], peer=usb_certs["seatmuxd"][0])
        time.sleep(0.3)
    relay.bytes = 0
    relay.target = agent.port if agent else emu.port
    try:
        if not wait_for(lambda: "1-1" in emu.attached(), 120, 0.01):
            return None
        t0 = time.monotonic()
        # The client's first frame: the head is no longer the compositor's
        # black (the client paints no black at its corner in either mode).
        if not wait_for(lambda: emu.cmd("pixel 0 0") not in ("ok 0x0000", ""), 120, 0.01):
            return None
        first_ms = (time.monotonic() - t0) * 1000
        time.sleep(3)
        s0, b0, c0 = emu.stats(), relay.bytes, time.monotonic()
        time.sleep(seconds)
        s1, b1, c1 = emu.stats(), relay.bytes, time.monotonic()
        frames = int(s1["frames"]) - int(s0["frames"])
        secs = c1 - c0
        return {"first_ms": first_ms, "fps": frames / secs, "bps": (b1 - b0) / secs,
                "bpf": (b1 - b0) / max(frames, 1)}
    finally:
        emu.cmd("drop")
        relay.cut()
        emu.stop()
        if agent:
            agent.stop()
        # grace = 0: the session ends once the station is gone.
        m.wait_until("journalctl -u seatmuxd | grep -c 'usbip: %s is gone' | "
                     "grep -qv '^0$'" % name, 60)
        time.sleep(2)


usb_certs = {}


def median(rows, key):
    vals = [r[key] for r in rows if r]
    return statistics.median(vals) if vals else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ["SEATMUX_BUILD_DIR"] = os.path.abspath(args.build)
    usb = scenario("usbip-station")
    tmp = tempfile.mkdtemp(prefix="bench-usbip-")
    for n in ("seatmuxd", "station"):
        usb_certs[n] = usb.make_cert(tmp, n)
    image = os.path.join(tmp, "image")
    subprocess.check_call([os.path.join(HERE, "..", "tests", "qemu", "build-image.sh"),
                           "--build", args.build, "--out", image, "--overlay",
                           os.path.join(HERE, "usbip-overlay")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    relays = {name: Relay() for name, _ in STATIONS}
    m = harness.Machine(image, tmp, name="bench-usbip",
                        devices=[harness.dev("bochs-display", id="console", addr=0x08)],
                        smbios=HYPERV, memory=2048, timeout=3600,
                        guestfwd={port: relays[name].port for name, port in STATIONS})
    results = {}
    try:
        m.start()
        m.wait_agent(timeout=120)
        m.setup_network()
        usb.install_certs(m, {"seatmuxd.pem": usb_certs["seatmuxd"][0],
                              "seatmuxd.key": usb_certs["seatmuxd"][1],
                              "station.pem": usb_certs["station"][0]})
        for name, _ in STATIONS:
            rows = [run_once(m, usb, tmp, name, relays[name], args.seconds)
                    for _ in range(args.runs)]
            if not any(rows):
                print("bench-usbip: %s: no measurement" % name, file=sys.stderr)
                return 1
            results[name] = {k: median(rows, k) for k in ("first_ms", "fps", "bps", "bpf")}
    finally:
        m.close()
    print("\nUSB/IP station at 1024x768, medians of %d runs of %d s (TCG guest)"
          % (args.runs, args.seconds))
    print("%-12s %10s %8s %10s %10s" % ("station", "import ms", "fps", "KB/s", "KB/frame"))
    for name, _ in STATIONS:
        r = results[name]
        print("%-12s %10.0f %8.2f %10.1f %10.2f" % (name, r["first_ms"], r["fps"],
                                                  r["bps"] / 1024, r["bpf"] / 1024))
    print("\nsecure / plain")
    for work in ("small", "full"):
        p, s = results["plain-" + work], results["tls-" + work]
        print("%-6s fps %.2f  KB/s %.2f  import %.2f" % (
            work, s["fps"] / p["fps"] if p["fps"] else float("nan"),
            s["bps"] / p["bps"] if p["bps"] else float("nan"),
            s["first_ms"] / p["first_ms"] if p["first_ms"] else float("nan")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
