#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""seatmux-compositor's protocol surface on the headless output, played by
seatmux-protoclient and seatmux-testclient: keyboard focus and modifiers,
pointer enter/leave and the cursor, copy and paste, subsurfaces, the
viewporter, buffers held while shown (destroyed, truncated), presentation
feedback and a head changing size. Input and the
head's size come through the compositor's test-only --test-control FIFO
(there are no devices on the host); pixels through --dump-on-signal.

    test_protocol.py COMPOSITOR TESTCLIENT PROTOCLIENT
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless import Checks, Compositor, read, wait_for  # noqa: E402

W, H, HZ = 320, 240, 60
RED, GREEN, BLUE = (0xff, 0, 0), (0, 0xff, 0), (0, 0, 0xff)
WHITE, YELLOW, MAGENTA = (0xff, 0xff, 0xff), (0xff, 0xff, 0), (0xff, 0, 0xff)
SEAT2 = (0x20, 0x20, 0xff)      # tests/clients/seat-colors.h
KEY_LEFTSHIFT, KEY_A = 42, 30
check = Checks("protocol")


def step(proc, log, n):
    proc.stdin.write("step\n")
    proc.stdin.flush()
    return wait_for(lambda: "step n=%d" % n in read(log))


def near(img, x, y, rgb, tol=8):
    return all(abs(a - b) <= tol for a, b in zip(img.pixel(x, y), rgb))


def settle():
    time.sleep(0.3)     # a few refreshes: the frame is on screen


def test_keyboard_and_pointer(comp, testclient, proto):
    log = os.path.join(comp.tmp, "app.log")
    comp.clients.append(subprocess.Popen([testclient, "--seat", "seat2", "--log", log],
                                         env=comp.env))
    if not check("the application maps", wait_for(lambda: "ready pid=" in read(log)), read(log)):
        return
    check("it gets keyboard focus", wait_for(lambda: "keyboard_enter" in read(log)), read(log))
    comp.send("key %d 1" % KEY_LEFTSHIFT, "key %d 1" % KEY_A, "key %d 0" % KEY_A,
              "key %d 0" % KEY_LEFTSHIFT)
    ok = wait_for(lambda: "key key=30 state=pressed sym=A" in read(log))
    check("keys reach the focused client, shift applied by the client's xkb state", ok,
          read(log)[-400:])
    mods = re.findall(r"^modifiers depressed=(\d+)", read(log), re.M)
    check("modifiers follow: shift depressed, then released",
          "1" in mods and mods and mods[-1] == "0", mods)
    comp.send("motion 10 10")
    check("the pointer entering the head enters the client",
          wait_for(lambda: "pointer_enter x=10 y=10" in read(log)), read(log)[-300:])
    comp.send("motion 50 60", "button 272 1", "button 272 0", "axis 0 10")
    ok = wait_for(lambda: "button button=272 state=released" in read(log) and
                  "axis axis=0 value=10.00" in read(log))
    check("motion, buttons and scrolling reach it", ok and "motion x=50 y=60" in read(log),
          read(log)[-300:])
    settle()
    img = comp.shot()
    check("the compositor draws its arrow cursor at the pointer",
          near(img, 50, 60, (0, 0, 0)) and near(img, 51, 62, WHITE), img.pixel(51, 62))

    p, plog = comp.client([proto, "--mode", "cursor"], "cursor")
    check("a newer toplevel maps above", wait_for(lambda: "ready" in read(plog)), read(plog))
    check("and takes keyboard focus from the application",
          wait_for(lambda: "keyboard_leave" in read(log) and "keyboard_enter" in read(plog)),
          read(log)[-200:])
    check("the pointer leaves the one and enters the other",
          wait_for(lambda: "pointer_leave" in read(log) and "pointer_enter x=50 y=60" in read(plog)),
          read(plog))
    check("the client sets a cursor surface", wait_for(lambda: "cursor-set" in read(plog)), read(plog))
    comp.send("motion 100 100")
    settle()
    img = comp.shot()
    check("its cursor is drawn at the pointer less the hotspot",
          img.fraction_near(MAGENTA, 8, (92, 92, 16, 16)) > 0.95 and near(img, 110, 110, (0x80,) * 3),
          "%.2f" % img.fraction_near(MAGENTA, 8, (92, 92, 16, 16)))
    step(p, plog, 1)
    settle()
    img = comp.shot()
    check("set_cursor without a surface hides it",
          img.fraction_near(MAGENTA, 8, (92, 92, 16, 16)) == 0, img.pixel(100, 100))
    comp.send("key %d 1" % KEY_A, "key %d 0" % KEY_A)
    time.sleep(0.3)
    check("keys no longer reach the application below",
          len(re.findall(r"^key key=30 state=pressed", read(log), re.M)) == 1, read(log)[-200:])
    p.kill()
    p.wait()
    check("when the top client goes, focus returns to the application",
          wait_for(lambda: read(log).count("keyboard_enter") >= 2), read(log)[-200:])


def test_copy_paste(comp, proto):
    src, slog = comp.client([proto, "--mode", "copy", "--text", "seatmux says hi"], "copy")
    check("the copying client sets the selection when it has focus",
          wait_for(lambda: "selection-set" in read(slog)), read(slog))
    dst, dlog = comp.client([proto, "--mode", "paste"], "paste")
    ok = wait_for(lambda: "pasted text=" in read(dlog))
    check("a client gaining focus is offered the selection's types",
          "offer mime=text/plain;charset=utf-8" in read(dlog) and "offer mime=text/plain\n" in read(dlog),
          read(dlog))
    check("and pastes the text, sent by the copying client through the compositor",
          ok and "pasted text=seatmux says hi" in read(dlog) and "sent mime=" in read(slog),
          read(dlog) + " / " + read(slog))
    src.kill()
    src.wait()
    check("the selection ends with its client", wait_for(lambda: "selection none" in read(dlog)),
          read(dlog))


def test_subsurfaces(comp, proto):
    p, log = comp.client([proto, "--mode", "subsurface"], "sub")
    if not check("a toplevel with two subsurfaces maps", wait_for(lambda: "ready" in read(log)), read(log)):
        return
    settle()
    a = comp.shot()
    check("the parent and the child above it are drawn, the child in its place",
          near(a, 5, 5, RED) and a.fraction_near(GREEN, 8, (20, 20, 40, 40)) > 0.99,
          "%s %s" % (a.pixel(5, 5), a.pixel(30, 30)))
    check("a child placed below the parent is hidden by it",
          a.fraction_near(BLUE, 8, (60, 60, 20, 20)) == 0, a.pixel(70, 70))
    step(p, log, 1)
    settle()
    check("a synchronized child's commit waits for its parent's",
          comp.shot().fraction_near(GREEN, 8, (20, 20, 40, 40)) > 0.99, "it showed at once")
    step(p, log, 2)
    settle()
    check("and shows with the parent's commit",
          comp.shot().fraction_near(YELLOW, 8, (20, 20, 40, 40)) > 0.99, "")
    step(p, log, 3)
    settle()
    check("a desynchronized child shows at its own commit",
          comp.shot().fraction_near(MAGENTA, 8, (20, 20, 40, 40)) > 0.99, "")
    step(p, log, 4)
    settle()
    b = comp.shot()
    check("a new position applies with the parent's commit and the old place is repainted",
          b.fraction_near(MAGENTA, 8, (100, 20, 40, 40)) > 0.99 and near(b, 30, 30, RED),
          "%s %s" % (b.pixel(110, 30), b.pixel(30, 30)))
    p.kill()
    p.wait()


def test_viewport(comp, proto):
    p, log = comp.client([proto, "--mode", "viewport"], "vp")
    if not check("a 20x20 buffer with a viewport maps", wait_for(lambda: "ready" in read(log)), read(log)):
        return
    settle()
    a = comp.shot()
    q = [(RED, (0, 0)), (GREEN, (W // 2, 0)), (BLUE, (0, H // 2)), (WHITE, (W // 2, H // 2))]
    fr = [a.fraction_near(c, 16, (x + 8, y + 8, W // 2 - 16, H // 2 - 16)) for c, (x, y) in q]
    check("the destination size scales it to the whole head", min(fr) > 0.95, fr)
    step(p, log, 1)
    settle()
    check("a source rectangle crops it (one quadrant fills the head)",
          comp.shot().fraction_near(WHITE, 16) > 0.95, "")
    p.kill()
    p.wait()
    for mode, iface, code, what in (
            ("viewport-bad-dest", "wp_viewport", 0, "a zero destination size is bad_value"),
            ("viewport-exists", "wp_viewporter", 0, "a second viewport is viewport_exists"),
            ("viewport-out-of-buffer", "wp_viewport", 2,
             "a source outside the buffer is out_of_buffer")):
        p, log = comp.client([proto, "--mode", mode], mode)
        ok = wait_for(lambda: "error interface=" in read(log))
        check(what, ok and "error interface=%s code=%d" % (iface, code) in read(log), read(log))
        p.wait(5)
    check("the compositor survives the clients it disconnected", comp.proc.poll() is None, "")


def test_held_buffers(comp, proto):
    p, log = comp.client([proto, "--mode", "held"], "held")
    if not check("a toplevel maps", wait_for(lambda: "ready" in read(log)), read(log)):
        return
    settle()
    check("its buffer is shown", comp.shot().fraction_near(RED, 8) > 0.95, "")
    check("and held, not given back, while shown", "released" not in read(log), read(log))
    step(p, log, 1)
    ok = wait_for(lambda: "released colour=ff0000" in read(log))
    check("a buffer replacing it is shown, and the first goes back", ok, read(log))
    settle()
    check("the new one shows", comp.shot().fraction_near(GREEN, 8) > 0.95, "")
    step(p, log, 2)
    settle()
    check("a buffer destroyed while shown still shows, repainted",
          comp.shot().fraction_near(GREEN, 8) > 0.95, "")
    p.stdin.write("step\n")
    p.stdin.flush()
    # libwayland posts wl_shm.error.invalid_fd (2) on the buffer.
    ok = wait_for(lambda: "error interface=wl_buffer code=2" in read(log))
    check("a client that truncates a shown buffer's memory is disconnected (wl_shm error)",
          ok, read(log))
    check("and the compositor lives on", comp.proc.poll() is None, "")
    p.kill()
    p.wait()


def test_presentation(comp, proto):
    p, log = comp.client([proto, "--mode", "presentation"], "pres")
    ok = wait_for(lambda: len(re.findall(r"^presented ", read(log), re.M)) >= 30)
    p.kill()
    p.wait()
    lines = re.findall(r"^presented sec=(\d+) nsec=(\d+) refresh=(\d+) seq=(\d+) flags=(\d+)",
                       read(log), re.M)
    if not check("feedback of every frame says presented", ok, read(log)[-300:]):
        return
    t = [int(s) * 10**9 + int(n) for s, n, _, _, _ in lines]
    seq = [int(q) for _, _, _, q, _ in lines]
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    check("times are CLOCK_MONOTONIC flip times, increasing",
          all(b > a for a, b in zip(t, t[1:])) and 0 < now - t[-1] < 10 * 10**9,
          t[:3])
    check("sequence numbers of the head's refreshes increase",
          all(b > a for a, b in zip(seq, seq[1:])), seq[:5])
    check("refresh is the head's period", all(int(r) == 10**9 // HZ for _, _, r, _, _ in lines),
          lines[0])
    check("flags say vsync, hardware clock and completion",
          all(int(f) == 0x7 for *_, f in lines), lines[0])
    check("sync_output names the client's wl_output", "sync_output" in read(log), "")
    check("frames are paced by the head: no two flips closer than half a period",
          min(b - a for a, b in zip(t, t[1:])) >= 10**9 // HZ // 2,
          min(b - a for a, b in zip(t, t[1:])))


def test_resize(comp, testclient):
    log = os.path.join(comp.tmp, "app.log")
    comp.clients.append(subprocess.Popen([testclient, "--seat", "seat2", "--log", log],
                                         env=comp.env))
    if not check("the application maps", wait_for(lambda: "ready pid=" in read(log)), read(log)):
        return
    comp.send("resize 400 300")
    ok = wait_for(lambda: "resize width=400 height=300" in read(log))
    check("a head changing mode configures the toplevel to the new size", ok, read(log)[-300:])
    settle()
    img = comp.shot()
    check("and the client fills the new head", (img.width, img.height) == (400, 300) and
          img.fraction_near(SEAT2, 8) > 0.85, "%dx%d %.2f" % (img.width, img.height,
                                                             img.fraction_near(SEAT2, 8)))


def main():
    binary, testclient, proto = sys.argv[1:4]
    tests = (
        ("keyboard and pointer", lambda c: test_keyboard_and_pointer(c, testclient, proto)),
        ("copy and paste", lambda c: test_copy_paste(c, proto)),
        ("subsurfaces", lambda c: test_subsurfaces(c, proto)),
        ("viewporter", lambda c: test_viewport(c, proto)),
        ("held buffers", lambda c: test_held_buffers(c, proto)),
        ("presentation", lambda c: test_presentation(c, proto)),
        ("resize", lambda c: test_resize(c, testclient)),
    )
    for name, test in tests:
        tmp = tempfile.mkdtemp(prefix="smp-")
        os.chmod(tmp, 0o700)
        comp = None
        try:
            comp = Compositor(binary, tmp, "%dx%d@%d" % (W, H, HZ), control=True)
            test(comp)
        except Exception as e:
            check("%s ran" % name, False, e)
        finally:
            rc = comp.stop() if comp else None
            check("%s: the compositor ends cleanly" % name, rc == 0, "exit status %r" % rc)
            if check.failed:
                print(read(os.path.join(tmp, "compositor.log"))[-1500:])
            shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
