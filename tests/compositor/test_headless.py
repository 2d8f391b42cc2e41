#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""seatmux-compositor on its headless output, with real clients: our
seatmux-testclient and Debian's weston-simple-shm. Pixels are read back
through the compositor's test-only --dump-on-signal (SIGUSR1 -> PPM).

    test_headless.py COMPOSITOR TESTCLIENT
"""

import os
import re
import shutil
import signal
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless import Checks, Compositor, read, wait_for  # noqa: E402
from wlraw import RawClient, read_string, string  # noqa: E402

W, H, HZ = 320, 240, 60
SEAT2 = (0x20, 0x20, 0xff)      # tests/clients/seat-colors.h
check = Checks("compositor")
events = read


def frames(path):
    found = re.findall(r"^frame n=(\d+)", events(path), re.M)
    return int(found[-1]) if found else 0


def test_testclient(binary, client, tmp):
    log = os.path.join(tmp, "events.log")
    comp = Compositor(binary, tmp, "%dx%d@%d" % (W, H, HZ),
                      # At the compositor's pace: that pace is tested here.
                      app=[client, "--seat", "seat2", "--log", log, "--fps", "0"])
    try:
        ok = wait_for(lambda: "ready pid=" in events(log))
        if not check("a client's xdg toplevel is configured and maps", ok, events(log)):
            return
        sizes = re.findall(r"(?:ready pid=\d+ seat=\S+|resize) width=(\d+) height=(\d+)", events(log))
        check("the toplevel is configured to the head's size", sizes and sizes[-1] == (str(W), str(H)),
              sizes)
        time.sleep(0.5)
        a = comp.shot()
        check("the head shows the client's shm pixels", (a.width, a.height) == (W, H) and
              a.fraction_near(SEAT2, 8) > 0.85, "%.2f" % a.fraction_near(SEAT2, 8))
        f0 = frames(log)
        time.sleep(2)
        f1 = frames(log)
        check("frame callbacks arrive", f1 > f0, (f0, f1))
        check("frame callbacks follow the head's rate, not a free-running loop",
              f1 - f0 <= 2 * HZ * 1.3 + 60, "%d frames in 2 s at %d Hz" % (f1 - f0, HZ))
        b = comp.shot()
        changed = sum(1 for i in range(0, len(a.pixels), 3) if a.pixels[i:i + 3] != b.pixels[i:i + 3])
        check("damage of a small region changes only that region",
              0 < changed < 0.2 * W * H, "%d of %d pixels changed" % (changed, W * H))

        ok, why = protocol_error(tmp)
        check("a client acking a configure never sent gets xdg_surface.invalid_serial", ok, why)
        f2 = frames(log)
        time.sleep(1)
        check("the other client is unaffected", comp.proc.poll() is None and frames(log) > f2,
              "frames %d -> %d" % (f2, frames(log)))

        pid = int(re.findall(r"^ready pid=(\d+)", events(log), re.M)[-1])
        os.kill(pid, signal.SIGKILL)
        ok = wait_for(lambda: len(re.findall(r"^ready pid=", events(log), re.M)) >= 2)
        check("a client killed mid-frame leaves the compositor running",
              comp.proc.poll() is None, "compositor exited")
        check("and the station's application is started again", ok, events(log)[-300:])
        time.sleep(0.5)
        c = comp.shot()
        check("the restarted client is on screen", c.fraction_near(SEAT2, 8) > 0.85,
              "%.2f" % c.fraction_near(SEAT2, 8))
    finally:
        rc = comp.stop()
    check("SIGTERM ends the compositor cleanly", rc == 0, "exit status %r" % rc)


def protocol_error(tmp):
    """ack_configure of a serial never sent: xdg_surface.error
    invalid_serial (4) on that object, then the connection closes."""
    c = RawClient(tmp, "wl-test")
    registry = c.new_id()
    c.send(1, 1, struct.pack("<I", registry))           # wl_display.get_registry
    c.send(1, 0, struct.pack("<I", c.new_id()))         # wl_display.sync
    globals_ = {}
    for obj, opcode, payload in c.events():
        if obj == registry and opcode == 0:
            name, = struct.unpack_from("<I", payload)
            iface, _ = read_string(payload, 4)
            globals_[iface] = name
        elif obj != registry:
            break                                      # the sync callback
    comp, wm = c.new_id(), c.new_id()
    c.send(registry, 0, struct.pack("<I", globals_["wl_compositor"]) + string("wl_compositor") +
           struct.pack("<II", 4, comp))
    c.send(registry, 0, struct.pack("<I", globals_["xdg_wm_base"]) + string("xdg_wm_base") +
           struct.pack("<II", 1, wm))
    surf, xs, tl = c.new_id(), c.new_id(), c.new_id()
    c.send(comp, 0, struct.pack("<I", surf))           # create_surface
    c.send(wm, 2, struct.pack("<II", xs, surf))        # get_xdg_surface
    c.send(xs, 1, struct.pack("<I", tl))               # get_toplevel
    c.send(surf, 6)                                    # commit
    c.send(xs, 4, struct.pack("<I", 0x7fffffff))       # ack_configure(bogus)
    for obj, opcode, payload in c.events():
        if obj == 1 and opcode == 0:                   # wl_display.error
            eobj, code = struct.unpack_from("<II", payload)
            msg, _ = read_string(payload, 8)
            return eobj == xs and code == 4, "object %d code %d: %s" % (eobj, code, msg)
    return False, "no error event"


def test_weston_simple_shm(binary, tmp):
    exe = shutil.which("weston-simple-shm")
    if not check("weston-simple-shm is installed", exe is not None, "missing"):
        return
    comp = Compositor(binary, tmp, "%dx%d@%d" % (W, H, HZ), app=[exe])
    try:
        def colours():
            s = comp.shot()
            return len({s.pixel(x, y) for y in range(0, H, 7) for x in range(0, W, 7)})
        ok = wait_for(lambda: colours() >= 8, 20)
        check("Debian's weston-simple-shm renders", ok, "%d colours" % colours())
        a = comp.shot()
        time.sleep(1)
        b = comp.shot()
        check("and animates", a.pixels != b.pixels, "identical")
    finally:
        comp.stop()


def main():
    binary, client = sys.argv[1], sys.argv[2]
    for test in (lambda tmp: test_testclient(binary, client, tmp),
                 lambda tmp: test_weston_simple_shm(binary, tmp)):
        tmp = tempfile.mkdtemp(prefix="smc-")
        os.chmod(tmp, 0o700)
        try:
            test(tmp)
        except Exception as e:
            check("test ran", False, e)
            with open(os.path.join(tmp, "compositor.log")) as f:
                print(f.read()[-2000:])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
