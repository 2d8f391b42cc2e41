# SPDX-License-Identifier: MIT
"""Screens the broker draws: block, unblock, identify, a message and a
screenshot. Run by room-api on its guest (one boot for both: CI's time).

Two physical stations (two-stations' heads, rules and cage sessions) and
the image's system bus and polkit. A teacher (station22, group
seatmux-teacher) blocks seat1 with seatmuxctl: seatmuxd takes the seat
from its session as a VT switch does (cage lets go of its devices) and
paints the block screen on head1 itself; keys on seat1's keyboard stop
reaching seat1's client while seat0 carries on. The block holds across a
restart of seatmuxd and a restart of seat1's session; unblocked, the
same session (or the new one) draws again and gets its keys. Identify
shows every station's name; a message shows for its time. seat0 is
projected on seat1: head1 shows head0's pixels, live (a message on seat0
shows on head1 too), seat1's keys stop, and unproject gives seat1 back.
Checked on
the heads' pixels, in the clients' event logs, and in what seatmuxctl
and the bus say.
"""

import base64
import gzip
import json
import re
import threading
import time

from harness import Image
from stations import COLOR, attempt, ctl, event_log, log_lines, ready_pids, shows, wait_ready

TEACHER, PUPIL = "station22", "station21"
KEY_A = 30


def rgb(value):
    return ((value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff)


def _screen_colors():
    """The broker's screen colours, as include/screen_proto.h says."""
    import os
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "include",
                           "screen_proto.h")) as f:
        found = dict(re.findall(r"#define SCREEN_(\w+)_COLOR (0x[0-9a-f]{6})", f.read()))
    return {name.lower(): rgb(int(v, 16)) for name, v in found.items()}


SCREEN = _screen_colors()


def until(m, head, test, timeout=30):
    """Screendumps of head until test(shot) holds (True) or timeout (False)."""
    end = time.time() + timeout
    while True:
        shot = m.screendump(head, 0)
        if test(shot):
            return True
        if time.time() > end:
            return False
        time.sleep(1)


def seen_on(m, heads, test, timeout):
    """The heads on which test(shot) held at some time within timeout
    (a screen shown for a few seconds, looked for on all heads by turns)."""
    seen, end = set(), time.time() + timeout
    while seen != set(heads) and time.time() < end:
        for head in heads:
            if head not in seen and test(m.screendump(head, 0)):
                seen.add(head)
    return seen


def watched_while(m, head, call, timeout=15):
    """call()'s answer, and whether head said its station is watched
    meanwhile: looked for from before the call until timeout (the notice
    shows for a few seconds only)."""
    seen = []
    look = threading.Thread(target=lambda: seen.append(
        seen_on(m, (head,), showing("watched"), timeout)))
    look.start()
    try:
        answer = call()
    finally:
        look.join()
    return answer, seen == [{head}]


def showing(look):
    """A head showing the broker's screen `look`: its colour over most of
    it, and its text (white) somewhere."""
    return lambda shot: (shot.fraction_near(SCREEN[look], tolerance=8) > 0.6 and
                         shot.fraction_near((255, 255, 255), tolerance=24) > 0.002)


def own(seat):
    return lambda shot: shot.fraction_near(COLOR[seat], tolerance=24) > 0.6


def keys(m, seat):
    return len(log_lines(m, seat, "key key=%d state=pressed" % KEY_A))


def key_reaches(m, seat, kbd, before, timeout=20):
    m.send_key(kbd, "a")
    return attempt(lambda: m.wait_until(
        "[ $(grep -c '^key key=%d state=pressed' %s) -gt %d ]" % (KEY_A, event_log(seat), before),
        timeout))


def cage_pid(m, seat):
    found = re.findall(r"%s: session started as \w+, pid (\d+)" % seat,
                       m.run("journalctl -t seatmuxd -o cat")[1])
    return found[-1] if found else None


def blocked_prop(m, seat):
    rc, out = m.run("busctl get-property org.seatmux.Manager1 "
                    "/org/seatmux/Manager1/station/%s org.seatmux.Station1 Blocked" % seat)
    return out.strip()


def screenshot(m, user, seat, fit=None):
    """seatmuxctl screenshot as user (made small to fit "WxH" if fit):
    (status, stderr, Image or None)."""
    rc, out, err = ctl(m, user, ("--fit %s " % fit if fit else "") +
                       "screenshot %s /tmp/shot.png" % seat)
    if rc != 0:
        return rc, err, None
    data = base64.b64decode(m.run("base64 /tmp/shot.png; rm -f /tmp/shot.png")[1])
    return rc, err, Image.from_png(data)


def raw_screenshot(m, user, seat, fit=None):
    """seatmuxctl --raw screenshot (Pixels): (status, stderr, the size
    --json said, Image of the XRGB8888 rows or None)."""
    rc, out, err = ctl(m, user, ("--fit %s " % fit if fit else "") +
                       "--raw --json screenshot %s /tmp/shot.raw" % seat)
    if rc != 0:
        return rc, err, None, None
    size = json.loads(out)
    # Compressed for the serial line (a head of one colour: 1.9 MB raw
    # took 17 s as base64), and removed in the same round trip.
    data = gzip.decompress(base64.b64decode(
        m.run("gzip -c /tmp/shot.raw | base64; rm -f /tmp/shot.raw")[1]))
    w, h = size["width"], size["height"]
    if len(data) != w * h * 4:
        return rc, "%d bytes for %dx%d" % (len(data), w, h), (w, h), None
    rgb = bytearray(w * h * 3)
    rgb[0::3], rgb[1::3], rgb[2::3] = data[2::4], data[1::4], data[0::4]
    return rc, err, (w, h), Image(w, h, bytes(rgb))


def check_raw(t, m, small):
    """Pixels: the thumbnail's picture not encoded."""
    rc, err, size, img = raw_screenshot(m, TEACHER, "seat0", "200x100")
    t.check("its pixels (--raw, Pixels): 133x100 XRGB8888 rows, nothing else, the same "
            "picture as the PNG thumbnail",
            rc == 0 and size == (133, 100) and img is not None and small is not None and
            alike(img, small) > 0.85, "rc %d %r %s: %s" % (
                rc, err, size, img and small and alike(img, small)))
    rc, err, size, img = raw_screenshot(m, TEACHER, "seat0")
    t.check("without --fit, the head's own size (800x600) in its colour",
            rc == 0 and size == (800, 600) and img is not None and
            img.fraction_near(COLOR["seat0"], tolerance=24) > 0.6, "rc %d %r %s" % (rc, err, size))
    rc, err, _, _ = raw_screenshot(m, PUPIL, "seat0", "200x100")
    t.check("nor may an ordinary user take those: 'not authorized', exit 1",
            rc == 1 and "not authorized: org.seatmux.observe" in err, "rc %d: %r" % (rc, err))


def check_screenshots(t, m):
    rc, err, img = screenshot(m, TEACHER, "seat0")
    dump = m.screendump("head0", 0)
    t.check("a teacher's screenshot of seat0 is a PNG of what head0 shows",
            rc == 0 and img and (img.width, img.height) == (800, 600) and
            img.fraction_near(COLOR["seat0"], tolerance=24) > 0.6,
            "rc %d %r: %s" % (rc, err, img and img.fraction_near(COLOR["seat0"], tolerance=24)))
    # Seconds apart, the client's moving bar aside: the same picture.
    t.check("the same picture as QEMU's screendump of head0",
            img is not None and alike(img, dump) > 0.85, img and alike(img, dump))
    rc, err, small = screenshot(m, TEACHER, "seat0", "200x100")
    t.check("a thumbnail of seat0 (--fit 200x100): 133x100, the head's aspect, its colour",
            rc == 0 and small and (small.width, small.height) == (133, 100) and
            small.fraction_near(COLOR["seat0"], tolerance=24) > 0.6,
            "rc %d %r: %s" % (rc, err, small and (small.width, small.height)))
    check_raw(t, m, small)
    rc, err, big = screenshot(m, TEACHER, "seat0", "1600x1600")
    t.check("never enlarged: --fit 1600x1600 is the head's 800x600",
            rc == 0 and big and (big.width, big.height) == (800, 600), "rc %d %r" % (rc, err))
    rc, err, _ = screenshot(m, TEACHER, "seat0", "8x8")
    t.check("a box too small: InvalidArgs, said", rc == 1 and "16 to 4096" in err,
            "rc %d: %r" % (rc, err))
    rc, err, img = screenshot(m, PUPIL, "seat0")
    t.check("an ordinary user may not take one: 'not authorized', exit 1",
            rc == 1 and "not authorized: org.seatmux.observe" in err, "rc %d: %r" % (rc, err))
    rc, err, img = screenshot(m, "station1", "seat1")
    t.check("a session's own user may take one of its own station",
            rc == 0 and img and img.fraction_near(COLOR["seat1"], tolerance=24) > 0.6,
            "rc %d: %r" % (rc, err))
    rc, err, img = screenshot(m, "station1", "seat0")
    t.check("but not of another's: 'not authorized', exit 1",
            rc == 1 and "not authorized: org.seatmux.observe" in err, "rc %d: %r" % (rc, err))
    rc, err, img = screenshot(m, TEACHER, "seat9")
    t.check("a screenshot of no station: a clear error",
            rc == 1 and err == "seatmuxctl: seat9: no station 'seat9'", "rc %d: %r" % (rc, err))


def alike(a, b, tolerance=12):
    """The fraction of sampled pixels two same-sized shots agree on."""
    if (a.width, a.height) != (b.width, b.height):
        return 0.0
    same = total = 0
    for y in range(0, a.height, 5):
        for x in range(0, a.width, 7):
            total += 1
            same += all(abs(p - q) <= tolerance for p, q in zip(a.pixel(x, y), b.pixel(x, y)))
    return same / max(1, total)


def projected_prop(m, seat):
    rc, out = m.run("busctl get-property org.seatmux.Manager1 "
                    "/org/seatmux/Manager1/station/%s org.seatmux.Station1 ProjectedFrom" % seat)
    return out.strip()


def check_project(t, m):
    """seat0's screen on seat1: live, input stopped at seat1, then back."""
    rc, out, err = ctl(m, TEACHER, "project seat0 seat0")
    t.check("projecting a station onto itself: a clear error, and nothing is projected",
            rc == 1 and err == "seatmuxctl: project: 'seat0' cannot be projected onto itself"
            and projected_prop(m, "seat0") == 's ""' and own("seat0")(m.screendump("head0", 0)),
            "rc %d: %r %s" % (rc, err, projected_prop(m, "seat0")))
    rc, out, err = ctl(m, TEACHER, "project seat0")
    t.check("project with neither targets nor --all: usage error, exit 2",
            rc == 2 and "either DST... or --all" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, TEACHER, "project seat0 seat1 seat9")
    time.sleep(2)
    t.check("with one target unknown: a clear error, and nothing is projected",
            rc == 1 and err == "seatmuxctl: project: no station 'seat9'" and
            projected_prop(m, "seat1") == 's ""' and own("seat1")(m.screendump("head1", 0)),
            "rc %d: %r %s" % (rc, err, projected_prop(m, "seat1")))
    rc, out, err = ctl(m, PUPIL, "project seat0 seat1")
    t.check("an ordinary user may not project: 'not authorized', exit 1",
            rc == 1 and "not authorized: org.seatmux.control" in err, "rc %d: %r" % (rc, err))

    k0, k1 = keys(m, "seat0"), keys(m, "seat1")
    rc, out, err = ctl(m, TEACHER, "--all project seat0")
    t.check("a teacher projects seat0 on every other station",
            rc == 0 and out.strip() == "seat0 shown on 1 station.", "rc %d: %r %r" % (rc, out, err))
    t.check("head1 shows seat0's screen", until(m, "head1", own("seat0")),
            lambda: m.run("journalctl -t seatmuxd | tail -n 12")[1])
    a, b = m.screendump("head0", 0), m.screendump("head1", 0)
    # The client's moving bar is elsewhere a moment later: most, not all.
    t.check("the same picture (heads of one size: no scaling)", alike(a, b) > 0.85, alike(a, b))
    t.check("seat1 says what it shows on the bus", projected_prop(m, "seat1") == 's "seat0"',
            projected_prop(m, "seat1"))
    t.check("a key on seat1's keyboard does not reach seat1's session while it shows seat0",
            not key_reaches(m, "seat1", "kbd1", k1, timeout=5), keys(m, "seat1"))
    t.check("seat0 carries on: its keys reach its session", key_reaches(m, "seat0", "kbd0", k0),
            keys(m, "seat0"))
    rc, out, err = ctl(m, TEACHER, "--timeout 8 message seat0 'Look at this'")
    t.check("live: a message on seat0 shows on head1 too",
            rc == 0 and until(m, "head0", showing("message"), timeout=15) and
            until(m, "head1", showing("message"), timeout=10),
            lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])
    t.check("and when it goes, head1 shows seat0's session again",
            until(m, "head1", own("seat0"), timeout=30))

    # seat1 projected on seat0 now: seat1 is a source, so it stops being
    # a target; no mirror of a mirror.
    rc, out, err = ctl(m, TEACHER, "project seat1 seat0")
    t.check("projecting the target back onto its source swaps them: head0 shows seat1's own",
            rc == 0 and until(m, "head0", own("seat1"), timeout=30) and
            until(m, "head1", own("seat1"), timeout=30) and
            projected_prop(m, "seat1") == 's ""' and projected_prop(m, "seat0") == 's "seat1"',
            "rc %d: %r %s %s" % (rc, err, projected_prop(m, "seat0"), projected_prop(m, "seat1")))
    rc, out, err = ctl(m, TEACHER, "unproject")
    t.check("unproject: both heads show their own sessions again",
            rc == 0 and until(m, "head1", own("seat1"), timeout=30) and
            until(m, "head0", own("seat0"), timeout=30),
            "rc %d: %r" % (rc, err))
    k1 = keys(m, "seat1")
    t.check("and seat1's keys reach it again", key_reaches(m, "seat1", "kbd1", k1),
            keys(m, "seat1"))
    rc, out, err = ctl(m, TEACHER, "unproject")
    t.check("unproject with nothing projected: a clear error",
            rc == 1 and err == "seatmuxctl: unproject: nothing is projected",
            "rc %d: %r" % (rc, err))
    t.check("the painter said what the projection cost",
            "frames drawn" in m.run("journalctl -t seatmuxd -t seatmux-screen | "
                                    "grep 'projected seat0'")[1],
            lambda: m.run("journalctl | grep 'seatmux-screen' | tail -n 5")[1])


def check(t, m):
    ok = attempt(lambda: (wait_ready(m, "seat0", timeout=120),
                          wait_ready(m, "seat1", timeout=120)))
    ok = ok and attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd | grep -q 'org.seatmux.Manager1 offered'", 60))
    if not t.check("both stations' sessions run, the room's interface is offered", ok,
                   lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
        return
    time.sleep(2)
    shows(t, m.screendump("head1", 0), "seat1", "head1 shows seat1's client")
    cage1 = cage_pid(m, "seat1")
    check_screenshots(t, m)

    # A pupil may not block; unknown stations and bad arguments are errors.
    rc, out, err = ctl(m, PUPIL, "block seat1")
    t.check("an ordinary user may not block: 'not authorized', exit 1",
            rc == 1 and re.fullmatch(r"seatmuxctl: seat1: .*not authorized: "
                                     r"org\.seatmux\.control", err) is not None,
            "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, TEACHER, "unblock seat1")
    t.check("unblocking a station that is not blocked: a clear error",
            rc == 1 and err == "seatmuxctl: seat1: 'seat1' is not blocked", "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, TEACHER, "block seat9")
    t.check("blocking an unknown station: a clear error",
            rc == 1 and err == "seatmuxctl: seat9: no station 'seat9'", "rc %d: %r" % (rc, err))
    rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                    "org.seatmux.Manager1 Block ss seat1 %s 2>&1" % ("x" * 2000))
    t.check("a message too long gets InvalidArgs, and nothing is blocked",
            rc != 0 and "at most 1023 bytes" in out and blocked_prop(m, "seat1") == "b false",
            out + blocked_prop(m, "seat1"))
    m.run("dd if=/dev/zero bs=1024 count=1024 2>/dev/null | tr '\\000' x > /run/big.txt")
    rc, out, err = ctl(m, TEACHER, "--message - block seat1 < /run/big.txt")
    t.check("a 1 MB message (from standard input) gets a clear error, and nothing is blocked",
            rc == 1 and err == "seatmuxctl: seat1: a text of at most 1023 bytes and 1 to 3600 "
            "seconds" and blocked_prop(m, "seat1") == "b false" and
            m.run("stat -c %s /run/big.txt")[1].strip() == "1048576",
            "rc %d: %r %s" % (rc, err[:200], blocked_prop(m, "seat1")))
    m.run("printf 'caf\\351 \\377' > /run/bad-utf8.txt")
    rc, out, err = ctl(m, TEACHER, "message seat1 - < /run/bad-utf8.txt")
    t.check("a message that is not UTF-8 is refused in one line, before anything is sent",
            rc == 1 and err == "seatmuxctl: the message is not UTF-8 text" and
            "its message" not in m.run("journalctl -t seatmuxd | tail -n 3")[1],
            "rc %r: %r" % (rc, err))

    # Block seat1: the block screen on head1, keys stop, seat0 unaffected.
    k0, k1 = keys(m, "seat0"), keys(m, "seat1")
    rc, out, err = ctl(m, TEACHER, "--message 'Eyes to the front, please.' block seat1")
    t.check("a teacher blocks seat1", rc == 0, "rc %d: %s" % (rc, err))
    t.check("head1 shows the block screen with its message",
            until(m, "head1", showing("block")),
            lambda: m.run("journalctl -t seatmuxd | tail -n 12")[1])
    shows(t, m.screendump("head0", 0), "seat0", "head0 still shows seat0's client")
    t.check("the station says it is blocked on the bus", blocked_prop(m, "seat1") == "b true",
            blocked_prop(m, "seat1"))
    rc, err, img = screenshot(m, TEACHER, "seat1")
    t.check("a screenshot of the blocked station shows the block screen",
            rc == 0 and img and showing("block")(img), "rc %d %r" % (rc, err))
    t.check("a key on seat1's keyboard no longer reaches seat1's session",
            not key_reaches(m, "seat1", "kbd1", k1, timeout=5), keys(m, "seat1"))
    t.check("seat0's keys still reach seat0's session", key_reaches(m, "seat0", "kbd0", k0),
            keys(m, "seat0"))
    t.check("seat1's session runs on while blocked (the same cage)",
            cage_pid(m, "seat1") == cage1 and
            m.run("kill -0 %s" % cage1)[0] == 0, (cage1, cage_pid(m, "seat1")))

    # Across a restart of seatmuxd.
    m.run("systemctl restart seatmuxd", timeout=60)
    ok = attempt(lambda: m.wait_until("systemctl is-active -q seatmuxd", 30))
    time.sleep(2)
    t.check("after a restart of seatmuxd, head1 still shows the block screen",
            ok and until(m, "head1", showing("block")),
            lambda: m.run("journalctl -t seatmuxd | tail -n 12")[1])
    k1 = keys(m, "seat1")
    t.check("and seat1's keys still do not reach its session",
            not key_reaches(m, "seat1", "kbd1", k1, timeout=5), keys(m, "seat1"))
    t.check("seat1's session was kept across the restart",
            m.run("kill -0 %s" % cage1)[0] == 0, cage1)

    # Unblock: the same session gets its devices back and draws again.
    rc, out, err = ctl(m, TEACHER, "unblock seat1")
    t.check("a teacher unblocks seat1", rc == 0, "rc %d: %s" % (rc, err))
    t.check("head1 shows seat1's client again", until(m, "head1", own("seat1")),
            lambda: m.run("journalctl -t seatmuxd | tail -n 12")[1])
    t.check("seat1's keys reach its session again", key_reaches(m, "seat1", "kbd1", k1),
            lambda: log_lines(m, "seat1", "key")[-3:])
    t.check("the same session as before the block",
            cage_pid(m, "seat1") == cage1 and m.run("kill -0 %s" % cage1)[0] == 0,
            (cage1, cage_pid(m, "seat1")))
    t.check("the station says it is not blocked", blocked_prop(m, "seat1") == "b false",
            blocked_prop(m, "seat1"))

    # A block holds across the station's session restarting.
    rc, out, err = ctl(m, TEACHER, "--message 'Back in five' block seat1")
    ok = rc == 0 and until(m, "head1", showing("block"))
    before = len(ready_pids(m, "seat1"))
    rc, out, err = ctl(m, TEACHER, "logoff seat1")
    time.sleep(8)
    t.check("blocked, seat1's session restarted, head1 still shows the block screen",
            ok and rc == 0 and until(m, "head1", showing("block")) and
            cage_pid(m, "seat1") != cage1,
            lambda: m.run("journalctl -t seatmuxd | tail -n 15")[1])
    rc, out, err = ctl(m, TEACHER, "unblock seat1")
    t.check("unblocked, seat1's new session starts drawing",
            rc == 0 and attempt(lambda: wait_ready(m, "seat1", count=before + 1, timeout=90))
            and until(m, "head1", own("seat1"), timeout=60),
            lambda: m.run("journalctl -t seatmuxd | tail -n 15")[1])

    # Identify: every station shows its name, then its session again.
    rc, out, err = ctl(m, TEACHER, "identify")
    seen = seen_on(m, ("head0", "head1"), showing("identify"), timeout=15)
    t.check("identify shows each station's name on its head",
            rc == 0 and seen == {"head0", "head1"}, "rc %d: %s; seen on %s" % (rc, err, seen))
    t.check("and after a few seconds each head shows its session again",
            until(m, "head0", own("seat0"), timeout=30) and
            until(m, "head1", own("seat1"), timeout=30))

    # A message for one station, for its time.
    rc, out, err = ctl(m, TEACHER, "--timeout 4 message seat0 'Save your work now'")
    t.check("a message shows on seat0's head only",
            rc == 0 and until(m, "head0", showing("message"), timeout=10) and
            own("seat1")(m.screendump("head1", 0)), "rc %d: %s" % (rc, err))
    t.check("and goes after its time", until(m, "head0", own("seat0"), timeout=30))
    rc, out, err = ctl(m, TEACHER, "--timeout 600 message seat1 'Raise your hand'")
    ok = rc == 0 and until(m, "head1", showing("message"), timeout=10)
    time.sleep(2)
    m.send_key("kbd1", "a")
    t.check("a message is put away by a key at the station, long before its time",
            ok and until(m, "head1", own("seat1"), timeout=20),
            lambda: m.run("journalctl -t seatmuxd | grep seat1 | tail -n 4")[1])
    rc, out, err = ctl(m, TEACHER, "--timeout 600 message seat0 'Look at the board'")
    ok = rc == 0 and until(m, "head0", showing("message"), timeout=10)
    time.sleep(2)
    m.click("mouse0")
    t.check("and by a click there",
            ok and until(m, "head0", own("seat0"), timeout=20),
            lambda: m.run("journalctl -t seatmuxd | grep seat0 | tail -n 4")[1])
    rc, out, err = ctl(m, TEACHER, "--timeout 0 message seat0 hi")
    t.check("a timeout out of range: usage error, exit 2",
            rc == 2 and "--timeout takes 1 to 3600 seconds" in err, "rc %d: %r" % (rc, err))
    check_project(t, m)
    rc, out = m.run("journalctl -t seatmuxd | grep -c 'ERROR: AddressSanitizer'; true")
    t.check("no sanitizer report from seatmuxd", out.strip() == "0", out)
