# SPDX-License-Identifier: MIT
"""Keys sent by an RDP client all at once reach the session complete and
in order.

One user, in a Hyper-V guest (as hyperv-rdp): our FreeRDP test client
sends BURST keys (pressed and released, a-z then 1-9 and 0 over and over)
as fast as it can once the first frame is in, over a fresh connection;
then, as soon as that connection's sink has gone, over a reconnection of
the same user to the same session, again at the first frame. The session's
test client logs every key it gets: all of them must be there, each
pressed then released, in the order sent.
"""

import os
import re
import signal
import subprocess
import tempfile
import time

from harness import dev
from stations import attempt

TIMEOUT = 420
BURST = 2000
# A fresh session's first frames may come before its client's window has
# the keyboard (keys typed then go to nobody, as on any desktop).
FRESH_ACT_AFTER = 60
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
DEVICES = [dev("bochs-display", id="console", addr=0x08)]
# The evdev codes of rdp-client's --burst keys, in its order.
PATTERN = [30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50,
           49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,
           2, 3, 4, 5, 6, 7, 8, 9, 10, 11]


def client_binary():
    return os.path.join(os.environ.get("SEATMUX_BUILD_DIR", "build"), "tests", "rdp",
                        "seatmux-rdp-client")


def connect(port, tmp, name, act_after):
    """The client, connected until it is stopped (at most 150 s)."""
    log = os.path.join(tmp, name + ".log")
    argv = [client_binary(), "--host", "127.0.0.1", "--port", str(port), "--user", "station0",
            "--password", "station0", "--size", "640x480", "--timeout", "150",
            "--act-after", str(act_after), "--frames", "1", "--burst", str(BURST), "--linger", "150",
            "--log", log]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), log


def stop(proc, log):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return open(log).read() if os.path.exists(log) else ""


def keys(m):
    out = m.run("grep '^key ' /home/station0/events.log 2>/dev/null", timeout=60)[1]
    return re.findall(r"^key key=(\d+) state=(pressed|released)", out, re.M)


def expected(n):
    return [(str(PATTERN[i % len(PATTERN)]), s) for i in range(n) for s in ("pressed", "released")]


def wait_keys(m, want, limit=120, quiet=20):
    """The keys logged once want are in, or nothing more came for quiet
    seconds, or limit seconds went."""
    end, last, since = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < end:
        got = keys(m)
        if len(got) >= want:
            return got
        if len(got) != last:
            last, since = len(got), time.monotonic()
        elif time.monotonic() - since > quiet:
            return got
        time.sleep(2)
    return keys(m)


def verdict(got, want):
    """None if got is want; else where they part."""
    if got == want:
        return None
    at = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
    return "%d of %d key events; the first wrong at %d: got %s, sent %s" % (
        len(got), len(want), at, got[at:at + 6], want[at:at + 6])


def sinks_ended(m):
    return len(re.findall(r"sink pid \d+ ended", m.run("journalctl -t seatmuxd")[1]))


def run(t):
    tmp = tempfile.mkdtemp(prefix="rdp-burst-")
    with t.machine(devices=DEVICES, smbios=HYPERV, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        ok = attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'rdp: listening'", 60))
        if not t.check("seatmuxd listens for RDP", ok,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
            return
        port = m.ports[3389]

        proc, log = connect(port, tmp, "fresh", FRESH_ACT_AFTER)
        ok = attempt(lambda: m.wait_until("grep -q '^key ' /home/station0/events.log", 120))
        got = wait_keys(m, 2 * BURST) if ok else keys(m)
        ended = sinks_ended(m)
        out = stop(proc, log)
        want = expected(BURST)
        t.check("%d keys sent at once over a fresh connection arrive, in order" % BURST,
                "burst n=%d" % BURST in out and verdict(got, want) is None,
                "%s | client: %s" % (verdict(got, want), out[-200:]))

        # Its quiet relative axes (they size evdev's buffers) leave the
        # station's keyboard a keyboard, and nothing else, to udev.
        rc, props = m.run("for d in /sys/class/input/event*; do grep -q 'seatmux .* keyboard' "
                          "$d/device/name && udevadm info -q property -n /dev/input/${d##*/}; "
                          "done")
        t.check("the station's keyboard is a keyboard to udev, not a pointer or a joystick",
                "ID_INPUT_KEYBOARD=1" in props and
                not re.search(r"ID_INPUT_(MOUSE|JOYSTICK|TOUCHPAD|TABLET|ACCELEROMETER|"
                              r"POINTINGSTICK|TOUCHSCREEN)=1", props), props)

        # Reconnect as soon as the first sink has gone (seatmuxd hands the
        # station to one connection at a time).
        attempt(lambda: m.wait_until(
            "[ $(journalctl -t seatmuxd | grep -c 'sink pid [0-9]* ended') -gt %d ]" % ended, 30))
        before = len(keys(m))
        proc, log = connect(port, tmp, "again", 1)
        got = wait_keys(m, before + 2 * BURST)[before:]
        out = stop(proc, log)
        t.check("and as many at the first frame of the same user's reconnection, in order",
                "burst n=%d" % BURST in out and verdict(got, want) is None,
                "%s | client: %s" % (verdict(got, want), out[-200:]))
        # For a failure: what the session's client logged, and its session's log.
        for name, path in (("events.log", "/home/station0/events.log"),
                           ("session.log", "/run/station0.session.log")):
            with open(os.path.join(t.artifacts, name), "w") as f:
                f.write(m.run("cat %s" % path, timeout=60)[1])
