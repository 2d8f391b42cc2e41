# SPDX-License-Identifier: MIT
"""The teacher's dashboard (seatmux-dashboard) against a real room.

Two physical stations (two-stations' heads and sessions), an RDP station
(our FreeRDP client on the host, station2) and a USB/IP station (the
emulator behind its agent, TLS, station4), seatmuxd's
D-Bus API and polkit; the dashboard's units as installed (socket
activation, the logon helper with the image's PAM stack), reached from
the host over HTTPS. First its API as any HTTP client sees it: wrong
passwords (slowed), a pupil refused, a teacher's logon, the stations and
their pictures (compared with QEMU's screendumps of the heads; the RDP
and USB/IP stations', still, not read again until blocked), what
polkit refuses a teacher, a forged request, an unknown station, a body
too large. Then the page in headless Chromium, driven by Selenium: the
teacher logs on, sees both stations' pictures, blocks seat1 with a
message (head1 shows the block screen, the card and its picture say so),
unblocks it, sends a message, projects seat0 onto seat1 and stops,
launches a command into seat1's session, opens seat1 large (head1
tells its user it is watched; watching sends nothing; taking control, typing and clicking on the picture reach
seat1's client through seatmuxd's keyboard and pointer on its seat, and
seat0's client gets nothing) and logs out; an administrator sees the
rename actions and the room's (console mode, and back) that a teacher does not. Taking control over HTTP first: input
before control, the station telling its user before the answer, the
control kept through a restart of seatmuxd (the same devices, a key
after it typed), bad events, the large picture (another session opening it: head1 says it is
watched; the watch kept through a restart, head1 not saying it again), release. Screenshots of
the page at each step are kept in the artifacts (PNG).
"""

import json
import os
import re
import shutil
import sys
import tempfile
import time

from harness import Image
from stations import (COLOR, PIDS, attempt, ctl, log_lines, picture_counts, scenario,
                      seat_color, wait_ready)
from webclient import DashboardClient

error_of = DashboardClient.error_of
screens = scenario("_room_screens")
blocked_prop, own, showing, until = (screens.blocked_prop, screens.own, screens.showing,
                                     screens.until)

TIMEOUT = 900
OVERLAYS = ["two-stations-overlay", "dashboard-overlay", "dashboard-room-overlay"]
TEACHER, ADMIN, PUPIL = "station22", "station23", "station21"


def devices():
    return scenario("two-stations").DEVICES


def check_api(t, m, port):
    h = DashboardClient(port)
    start = time.monotonic()
    st, data = h.login(TEACHER, "wrong")
    t.check("a wrong password: 401 with the reason, slowed", st == 401 and
            "wrong user name or password" in error_of(data) and time.monotonic() - start >= 1,
            (st, data))
    rc, log = m.run("journalctl -o cat | grep 'pam_unix(seatmux-dashboard:auth): "
                    "authentication failure' | tail -n 1")
    t.check("PAM knows where the failed logon came from (PAM_RHOST: the host's address)",
            re.search(r"rhost=\S*10\.0\.2\.2\s+user=%s" % TEACHER, log), log)
    st, data = h.login(PUPIL, PUPIL)
    t.check("a pupil's right password: 403, neither a teacher nor an administrator",
            st == 403 and "neither a teacher nor an administrator" in error_of(data), (st, data))
    st, data = h.login(TEACHER, TEACHER)
    t.check("a teacher logs on with their own account (PAM)",
            st == 200 and json.loads(data)["role"] == "teacher" and
            json.loads(data)["user"] == TEACHER, (st, data))
    if st != 200:
        return None
    rc, out = m.run("for p in /proc/[0-9]*; do echo \"$(stat -c %U $p) $(tr '\\0' ' ' "
                    "<$p/cmdline)\"; done 2>/dev/null")
    ps = "\n".join(l for l in out.splitlines() if "dashboard" in l or "--serve" in l)
    t.check("the dashboard runs as seatmux-dashboard, the teacher's bridge as the teacher",
            re.search(r"^seatmux-dashboard /usr/bin/seatmux-dashboard", ps, re.M) and
            re.search(r"^%s seatmuxctl --serve" % TEACHER, ps, re.M), ps)
    rc, ids = m.run("for p in /proc/[0-9]*; do grep -q 'seatmuxctl.--serve' $p/cmdline "
                    "2>/dev/null && grep -E '^(Uid|Gid|Groups):' $p/status; done; "
                    "id -u %s; id -g %s; getent group seatmux-teacher" % ((TEACHER,) * 2))
    lines = ids.split("\n")
    want_uid, want_gid = (lines[3].strip(), lines[4].strip()) if len(lines) > 4 else ("?", "?")
    tgid = lines[5].split(":")[2] if len(lines) > 5 and lines[5].count(":") >= 2 else "?"
    t.check("the bridge holds the teacher's uid, gid and groups, nothing of root's",
            lines[0].split()[1:] == [want_uid] * 4 and lines[1].split()[1:] == [want_gid] * 4
            and tgid in lines[2].split()[1:] and "0" not in lines[2].split()[1:], ids)

    # A list takes pictures for a second at most: a few lists picture all.
    stations, end = {}, time.monotonic() + 60
    while time.monotonic() < end:
        st, _, data = h.req("GET", "/api/stations")
        stations = {s["id"]: s for s in json.loads(data)["stations"]} if st == 200 else {}
        if len(stations) == 4 and all(s["thumb"] > 0 for s in stations.values()):
            break
        time.sleep(1)
    remote = {s["kind"]: s for s in stations.values() if s["kind"] != "local"}
    t.check("every station listed, with its kind, its user and a picture: the two heads, "
            "the RDP station and the USB/IP station",
            sorted(s for s in stations if s.startswith("seat") and s[4:].isdigit()) ==
            ["seat0", "seat1"] and stations["seat1"]["user"] == "station1" and
            sorted(remote) == ["rdp", "usbip"] and remote["rdp"]["user"] == "station2" and
            remote["usbip"]["id"] == "seat-desk1" and remote["usbip"]["user"] == "station4" and
            all(s["thumb"] > 0 for s in stations.values()), (st, data))
    for kind, far in (("rdp", "the RDP client"), ("usbip", "the USB/IP station's screen")):
        one = remote.get(kind, {})
        st, hdr, png = h.req("GET", "/api/thumb?id=%s&v=%d" % (one.get("id"), one.get("thumb", 0)))
        img = Image.from_png(png) if st == 200 else None
        color = seat_color(one.get("id", "?"))
        t.check("the %s station's picture shows its client, as %s does: its colour, made small"
                % (kind, far), img is not None and img.fraction_near(color, 24) > 0.5 and
                img.width <= 384 and img.height <= 240,
                (st, img and (img.width, img.height, img.fraction_near(color, 24))))
    for kind, user in (("rdp", "station2"), ("usbip", "station4")):
        check_still_pictures(t, m, h, kind, remote.get(kind, {}).get("id"), user)
    for seat, head in (("seat0", "head0"), ("seat1", "head1")):
        v = stations.get(seat, {}).get("thumb", 0)
        st, hdr, png = h.req("GET", "/api/thumb?id=%s&v=%d" % (seat, v))
        img = Image.from_png(png) if st == 200 else None
        dump = m.screendump(head, 0)
        color = COLOR[seat]
        t.check("%s's picture is what %s shows (QEMU's screendump), made small: its colour, "
                "its proportions, at most 384x240" % (seat, head),
                img is not None and own(seat)(img) and img.width <= 384 and img.height <= 240 and
                abs(img.width / img.height - dump.width / dump.height) < 0.02 and
                abs(img.fraction_near(color, 24) - dump.fraction_near(color, 24)) < 0.1,
                (st, img and (img.width, img.height, img.fraction_near(color, 24)),
                 dump.fraction_near(color, 24)))

    st, _, data = h.action("block", "seat1", token=False)
    t.check("a forged action (no token): 403, and seat1 is not blocked",
            st == 403 and blocked_prop(m, "seat1") == "b false", (st, data))
    st, _, data = h.action("rename", "seat1", "Front")
    t.check("what polkit refuses a teacher (rename): 403 with its reason",
            st == 403 and "not authorized" in error_of(data), (st, data))
    st, _, data = h.req("POST", "/api/room", "op=mode-console")
    t.check("the room's mode, forced by a teacher: polkit refuses it (403, "
            "org.seatmux.administer), and the room stays in station mode",
            st == 403 and "not authorized" in error_of(data) and
            ctl(m, None, "mode")[1].strip() == "station", lambda: (st, data, ctl(m, None, "mode")))
    st, _, data = h.action("unblock", "seat9")
    t.check("an unknown station: 404", st == 404 and "seat9" in error_of(data), (st, data))
    st, _, data = h.action("block", "seat1", "x" * 9000)
    t.check("a body too large: 413, and seat1 is not blocked",
            st == 413 and blocked_prop(m, "seat1") == "b false", (st, data))
    st, _, data = h.action("unblock", "seat1")
    t.check("unblocking a station that is not blocked: 409 with seatmuxd's reason",
            st == 409 and "not blocked" in error_of(data), (st, data))
    check_control_api(t, m, h)
    st, _, _ = h.req("POST", "/api/logout")
    st2, _, _ = h.req("GET", "/api/me")
    t.check("logout ends the session", st == 204 and st2 == 401, (st, st2))
    return True


def picture(h, seat, timeout, test):
    """The listed version of seat's picture and the picture, once test(img)
    holds (or timeout: the last)."""
    end, got = time.monotonic() + timeout, (0, None)
    while True:
        st, _, data = h.req("GET", "/api/stations")
        one = {s["id"]: s for s in json.loads(data)["stations"]}.get(seat, {}) if st == 200 else {}
        st, _, png = h.req("GET", "/api/thumb?id=%s&v=%d" % (seat, one.get("thumb", 0)))
        got = (one.get("thumb", 0), Image.from_png(png) if st == 200 else None)
        if (got[1] and test(got[1])) or time.monotonic() > end:
            return got
        time.sleep(0.5)


def listed_pictures(m):
    """Each station's picture id, as seatmuxctl --json lists it for the
    teacher (seatmuxd's Picture property; "" when none)."""
    rc, out, err = ctl(m, TEACHER, "--json list-stations")
    try:
        return {s["station"]: s.get("picture") for s in json.loads(out)}
    except ValueError:
        return {}


def check_still_pictures(t, m, h, kind, seat, user):
    """A remote station's head that shows the same costs the dashboard
    nothing: its helper says when it changes (an RDP sink sees every
    update of its head; a USB/IP link, what the station's display is
    sent), seatmuxd lists the same picture id while it does not, and
    the dashboard does not even ask for its picture. Then it changes
    (blocked: the broker draws on it): its picture is read anew, and
    again when it is unblocked."""
    if not seat:
        t.check("the %s station is listed" % kind, False)
        return
    what = {"rdp": "the RDP station", "usbip": "the USB/IP station"}[kind]
    color = seat_color(seat)
    # Its client draws 30 frames, then nothing; then one picture is read
    # (its helper told of the frames before it: perhaps after the
    # reading), the next one vouched for, and from then on its id holds.
    home = m.run("getent passwd %s | cut -d: -f6" % user)[1].strip()
    still = attempt(lambda: m.wait_until("grep -q '^still ' %s/events.log" % home, 30))
    base, end = picture_counts(m, seat), time.monotonic() + 30
    while picture_counts(m, seat)[0] <= base[0] and time.monotonic() < end:
        picture(h, seat, 0, lambda img: True)
    # Once the dashboard asked while seatmuxd listed the id it lists
    # still (the picture given again above), it asks no more. Two quiet
    # lists in a row, in case a last change was said late.
    before, quiet, end = picture_counts(m, seat), 0, time.monotonic() + 30
    while quiet < 2 and time.monotonic() < end:
        picture(h, seat, 0, lambda img: True)
        after = picture_counts(m, seat)
        quiet = quiet + 1 if after == before else 0
        before = after
    ids, versions = [listed_pictures(m)], set()
    for _ in range(2):
        versions.add(picture(h, seat, 0, lambda img: True)[0])
    ids.append(listed_pictures(m))
    after = picture_counts(m, seat)
    t.check("%s's head shows the same (its client still): seatmuxd lists one picture id for "
            "it throughout, and the dashboard's lists do not ask for its picture at all "
            "(its last one, the same version); a physical station's id is empty" % what,
            still and after == before and len(versions) == 1 and
            ids[0].get(seat) and ids[0].get(seat) == ids[1].get(seat) and
            ids[0].get("seat0") == "", (still, before, after, versions, ids))
    st, _, data = h.action("block", seat, "Eyes-front")
    block = screens.SCREEN["block"]
    v, img = picture(h, seat, 30, lambda img: img.fraction_near(block, 24) > 0.5)
    blocked = picture_counts(m, seat)
    t.check("%s blocked, it changes: its %s says so, its picture is read anew, a new version "
            "showing the block screen" % (what, {"rdp": "sink", "usbip": "link"}[kind]),
            st == 204 and img and
            img.fraction_near(block, 24) > 0.5 and v not in versions and
            blocked[1] > after[1] and blocked[2] > after[2],
            (st, v, versions, img and img.fraction_near(block, 24), after, blocked))
    st, _, data = h.action("unblock", seat)
    v2, img = picture(h, seat, 30, lambda img: img.fraction_near(color, 24) > 0.5)
    t.check("%s unblocked, its picture shows its client again, a new version" % what,
            st == 204 and img and img.fraction_near(color, 24) > 0.5 and v2 != v,
            (st, v, v2, img and img.fraction_near(color, 24)))


# seatmuxd's keyboard and pointer for a controller, as "NAME PHYS" lines.
CONTROL_DEVICES = ("for d in /sys/class/input/input*; do case \"$(cat $d/name)\" in "
                   "'seatmux control '*) echo \"$(cat $d/name) $(cat $d/phys)\";; esac; done")


# The kernel's names of those devices ("input17"): a device made again
# gets another.
CONTROL_INPUTS = ("for d in /sys/class/input/input*; do case \"$(cat $d/name)\" in "
                  "'seatmux control '*) echo ${d##*/};; esac; done")


def keys(m, seat):
    """The keys seat's client was told of, in order: (code, state)."""
    return [tuple(l.split()[1:3]) for l in log_lines(m, seat, "key key=")]


def held_by_cage(m, seat, name):
    """How many fds seat's compositor (cage, as seat's user) holds to the
    event node of the input device called name (from seatmuxd), as text."""
    pid = (m.run(PIDS % ("station" + seat[len("seat"):], "cage"))[1].split() or ["none"])[0]
    rc, out = m.run("for d in /sys/class/input/event*; do [ \"$(cat $d/device/name)\" = '%s' ] "
                    "&& ev=/dev/input/${d##*/}; done; ls -l /proc/%s/fd | grep -c \" $ev$\""
                    % (name, pid))
    return out.strip()


def clicks(m, seat):
    return len(log_lines(m, seat, "button button=272 state=pressed"))


def clicked(m, seat, before, timeout=20):
    """Whether seat's client got a left click after its first `before`."""
    return attempt(lambda: m.wait_until(
        "[ $(grep -c '^button button=272 state=pressed' /home/station%s/events.log) -gt %d ]"
        % (seat[len("seat"):], before), timeout))


def typed(m, seat, before, want, timeout=20):
    """Whether seat's client was told of the keys want (pressed, in
    order) after its first `before` key lines; and what it got."""
    end = time.monotonic() + timeout
    while True:
        got = [k for k, state in keys(m, seat)[before:] if state == "state=pressed"]
        if got == ["key=%d" % k for k in want] or time.monotonic() > end:
            return got == ["key=%d" % k for k in want], got
        time.sleep(0.5)


def click_at(m, h, seat, x, y):
    """A left click sent over HTTP at (x, y) of 0..65535: its status and
    reason, whether seat's client got the button, and its last motion."""
    c = clicks(m, seat)
    st, _, data = h.req("POST", "/api/input", "id=%s&events=3:0:%d,3:1:%d,0:0:0,1:272:1,"
                        "1:272:0" % (seat, x, y))
    return st, data, clicked(m, seat, c), log_lines(m, seat, "motion ")[-1:]


def while_watching(m, head, call):
    """call()'s answer (a tuple), and whether head said it is watched."""
    answer, seen = screens.watched_while(m, head, call)
    return tuple(answer) + (seen,)


def check_control_api(t, m, h):
    """Taking control of seat1 over HTTP: seatmuxd's keyboard and pointer
    on its seat, in its session; events checked; release."""
    k0, k1 = len(keys(m, "seat0")), len(keys(m, "seat1"))
    st, _, data = h.req("POST", "/api/input", "id=seat1&events=1:30:1,1:30:0")
    time.sleep(1)
    t.check("input before taking control: 409 with seatmuxd's reason, nothing typed",
            st == 409 and "take control first" in error_of(data) and
            len(keys(m, "seat1")) == k1, (st, data))
    st, _, data, told = while_watching(m, "head1", lambda: h.action("control", "seat1"))
    t.check("Take control: head1 tells seat1's user first, and the answer comes after",
            told, (st, data))
    devs = m.run(CONTROL_DEVICES)[1].split("\n")
    held = [held_by_cage(m, seat, "seatmux control " + what)
            for seat in ("seat1", "seat0") for what in ("keyboard", "pointer")]
    t.check("Take control of seat1: seatmuxd's keyboard and pointer, on seat1 (their phys), "
            "held by seat1's compositor (not seat0's) when the answer comes",
            st == 204 and sorted(d for d in devs if d) == ["seatmux control keyboard seat1",
                                                           "seatmux control pointer seat1"]
            and held == ["1", "1", "0", "0"], (st, data, devs, held))
    st, _, data = h.req("POST", "/api/input", "id=seat1&events=1:30:1,1:30:0,1:48:1,1:48:0")
    ok, got = typed(m, "seat1", k1, [30, 48])
    t.check("keys sent reach seat1's client in order (a, b), and seat0's client gets none",
            st == 204 and ok and len(keys(m, "seat0")) == k0, (st, data, got))
    check_control_restart(t, m, h)
    st, data, ok, motion = click_at(m, h, "seat1", 32768, 16384)
    t.check("a click at (0.5, 0.25) of the screen: seat1's client gets the button there "
            "(400, 150 on its 800x600 head)",
            st == 204 and ok and motion and
            re.search(r"x=(399|400|401) y=(149|150|151)$", motion[0]), (st, data, motion))
    # A screen of the broker's (identify) takes seat1 and gives it back:
    # cage reopens its devices and, woken by seatmuxd with no input at
    # all, reads the re-additions, so seat1's client gets its pointer back
    # (without the nudge it would only at the first input, which is then
    # lost), and the first click after lands.
    caps = len(log_lines(m, "seat1", "capabilities pointer=1"))
    m.run("seatmuxctl identify seat1")
    back = until(m, "head1", own("seat1"), timeout=30) and attempt(lambda: m.wait_until(
        "[ $(grep -c '^capabilities pointer=1' /home/station1/events.log) -gt %d ]" % caps,
        20))
    st, data, ok, motion = click_at(m, h, "seat1", 16384, 49152)
    t.check("after identify gave seat1 back, its client gets its pointer back with no input, "
            "and the first click lands: at (200, 450)", back and st == 204 and ok and motion and
            re.search(r"x=(199|200|201) y=(449|450|451)$", motion[0]),
            lambda: (back, st, data, motion, m.run("journalctl -t seatmuxd -o cat | grep seat1 | "
                                           "tail -n 4")[1]))
    k1 = len(keys(m, "seat1"))
    for events, why in (("1:9999:1", "no key of ours"), ("1:30:2", "autorepeat"),
                        ("1:116:1", "the power key, the machine's"),
                        ("3:0:70000", "off the screen"), ("1:30:1,abc", "not events"),
                        (",".join(["1:30:1"] * 300), "more than 256")):
        st, _, data = h.req("POST", "/api/input", "id=seat1&events=" + events)
        t.check("bad input (%s): 400 with the reason" % why, st == 400, (st, data))
    time.sleep(1)	# what any of them sent would have arrived by now
    t.check("and none of them typed anything", len(keys(m, "seat1")) == k1,
            keys(m, "seat1")[k1:])
    st, _, data = h.action("release", "seat1")
    gone = attempt(lambda: m.wait_until("[ -z \"$(%s)\" ]" % CONTROL_DEVICES, 20))
    st2, _, data2 = h.req("POST", "/api/input", "id=seat1&events=1:30:1,1:30:0")
    t.check("Release: the keyboard and pointer go, and input is refused again (409)",
            st == 204 and gone and st2 == 409, (st, data, st2, data2))
    # Another session opens seat1 large: its user is told (Watch). (Not
    # while a control of it is held: seat1 is watched then already.)
    v = DashboardClient(h.port)
    v.login(TEACHER, TEACHER)
    st, hdr, png, told = while_watching(m, "head1", lambda: v.req("GET", "/api/view?id=seat1"))
    end = time.monotonic() + 20
    img = Image.from_png(png) if st == 200 else None
    while st == 200 and not own("seat1")(img) and time.monotonic() < end:
        time.sleep(0.5)	# its picture may be the notice: the station shows it
        st, hdr, png = v.req("GET", "/api/view?id=seat1")
        img = Image.from_png(png) if st == 200 else None
    t.check("seat1 opened large by another teacher's session: head1 says it is watched; its "
            "picture is the head's own, 800x600 (no larger than 1280x800), in its colour",
            told and img is not None and (img.width, img.height) == (800, 600) and
            own("seat1")(img), (st, told, img and (img.width, img.height)))
    # seatmuxd restarts while seat1 is watched (held anew just before, as
    # a viewer's Watch every 4 s does; called here, not through the page,
    # which asks at most every 4 s): the watch is kept, the time away not
    # counted, and seat1's user is not told again at the next Watch.
    def announced():
        return m.run("journalctl -t seatmuxd -o cat | grep -c 'seat1: watched from afar'")[1]
    ctl(m, TEACHER, "watch seat1")
    t0 = time.monotonic()
    up = restart_seatmuxd(m)
    gap, before = time.monotonic() - t0, announced()
    answer, told = screens.watched_while(m, "head1", lambda: ctl(m, TEACHER, "watch seat1"),
                                         timeout=8)
    kept = m.run("journalctl -t seatmuxd -o cat | grep -c 'restart: seat1 is still watched'")[1]
    t.check("seatmuxd restarted while seat1 is watched: the watch is taken back, and seat1's "
            "user is not told again at the next Watch (%.0f s after the last)" % gap,
            up and answer[0] == 0 and kept.strip() not in ("", "0") and not told and
            announced() == before, (up, answer, kept, told, before, announced()))


def restart_seatmuxd(m):
    """systemctl restart seatmuxd: whether the next one is up, ready once
    the room's interface answers (its name is asked for after READY=1)."""
    main = m.run("systemctl show -p MainPID --value seatmuxd")[1].strip()
    m.run("systemctl restart seatmuxd", timeout=90)
    return attempt(lambda: m.wait_until(
        "p=$(systemctl show -p MainPID --value seatmuxd); [ \"$p\" != 0 ] && "
        "[ \"$p\" != %s ] && seatmuxctl mode >/dev/null 2>&1" % (main or 0), 60))


def check_control_restart(t, m, h):
    """seatmuxd restarted while seat1 is controlled: the control is the
    same (its devices never unplugged, its session holding them) and still
    the taker's, whose next key arrives."""
    before = m.run(CONTROL_INPUTS)[1].split()
    up = restart_seatmuxd(m)
    after = m.run(CONTROL_INPUTS)[1].split()
    held = [held_by_cage(m, "seat1", "seatmux control " + w) for w in ("keyboard", "pointer")]
    # The new seatmuxd took them back as its own: not refused as another
    # program's devices while udev listed them.
    doubts = m.run("journalctl -t seatmuxd -o cat | grep -E 'refused: \"seatmux control|"
                   "control.*cannot be taken back|control record .* not valid'")[1].strip()
    k = len(keys(m, "seat1"))
    st, _, data = h.req("POST", "/api/input", "id=seat1&events=1:46:1,1:46:0")
    ok, got = typed(m, "seat1", k, [46])
    t.check("seatmuxd restarted while seat1 is controlled: the same keyboard and pointer "
            "(never unplugged), held by seat1's compositor, and still the taker's: a key "
            "sent after reaches seat1's client",
            up and len(before) == 2 and after == before and held == ["1", "1"] and
            not doubts and st == 204 and ok, (up, before, after, held, doubts, st, data, got))


def browser():
    """Headless Chromium through Selenium (Debian's chromium,
    chromium-driver and python3-selenium)."""
    sys.path.append("/usr/lib/python3/dist-packages")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
              "--ignore-certificate-errors", "--disable-dev-shm-usage"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


class Page:
    def __init__(self, t, driver, url):
        self.t, self.d, self.url = t, driver, url
        self.shots = 0

    def find(self, css, timeout=30, gone=False):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By
        end = time.monotonic() + timeout
        while True:
            try:
                found = [e for e in self.d.find_elements(By.CSS_SELECTOR, css)
                         if e.is_displayed()]
            except StaleElementReferenceException:
                # The page drew the grid anew between the finding and
                # the asking (it does at every change): ask again.
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
                continue
            if bool(found) != gone or time.monotonic() > end:
                return found
            time.sleep(0.3)

    def shot(self, what):
        """The page as a PNG in the artifacts, one per step."""
        self.shots += 1
        self.d.save_screenshot(os.path.join(self.t.artifacts, "page-%02d-%s.png" %
                                            (self.shots, what)))

    def login(self, user):
        self.d.get(self.url)
        self.find("#login")[0]
        self.d.find_element("id", "user").send_keys(user)
        self.d.find_element("id", "password").send_keys(user)
        self.d.find_element("id", "login-button").click()
        return self.find("#dashboard .station img.thumb", 60)

    def thumb_rgb(self, seat):
        """The colour at the middle of the left half of seat's picture, as
        the browser has it (drawn onto a canvas), or None."""
        return self.d.execute_script(
            "const i = document.querySelector('.station[data-station=\"' + arguments[0] +"
            " '\"] img.thumb');"
            "if (!i || !i.complete || !i.naturalWidth) return null;"
            "const c = document.createElement('canvas');"
            "c.width = i.naturalWidth; c.height = i.naturalHeight;"
            "const g = c.getContext('2d'); g.drawImage(i, 0, 0);"
            "const d = g.getImageData(c.width >> 2, c.height >> 1, 1, 1).data;"
            "return [d[0], d[1], d[2]];", seat)

    def thumb_shows(self, seat, rgb, timeout=30, tolerance=24):
        end = time.monotonic() + timeout
        while True:
            got = self.thumb_rgb(seat)
            if got and all(abs(a - b) <= tolerance for a, b in zip(got, rgb)):
                return True
            if time.monotonic() > end:
                return got
            time.sleep(0.5)

    def card(self, seat):
        return self.find('.station[data-station="%s"]' % seat)

    def dialog(self, text):
        self.find("#text-dialog")[0]
        self.d.find_element("id", "dialog-text").send_keys(text)
        self.d.find_element("id", "dialog-ok").click()


def check_page(t, m, port):
    try:
        driver = browser()
    except Exception as e:  # noqa: BLE001 (reported as the check's reason)
        t.check("headless Chromium starts under Selenium", False, "%s: %s" % (type(e).__name__, e))
        return
    try:
        page_steps(t, m, Page(t, driver, "https://127.0.0.1:%d/" % port))
    finally:
        driver.quit()


def page_steps(t, m, p):
    thumbs = p.login(TEACHER)
    p.shot("logged-on")
    end = time.monotonic() + 60
    while len(thumbs) < 4 and time.monotonic() < end:
        time.sleep(1)
        thumbs = p.find("#dashboard .station img.thumb", 5)
    t.check("the teacher logs on in the page and sees every station's picture (two heads, "
            "RDP, USB/IP)",
            len(thumbs) == 4 and all(p.d.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth > 0", i)
                for i in thumbs), len(thumbs))
    t.check("the page offers a teacher no rename, and none of the room's actions",
            not p.find("button.rename", 2) and not p.find("#room-map", 1), "")
    card = p.card("seat1")
    card[0].find_element("css selector", "input.select").click()
    p.d.find_element("id", "act-block").click()
    p.dialog("Eyes to the front")
    ok = until(m, "head1", showing("block"), 60)
    badge = p.find('.station[data-station="seat1"] .blocked', 30)
    t.check("Block from the page: head1 shows the block screen, the card says blocked",
            ok and badge and blocked_prop(m, "seat1") == "b true" and
            own("seat0")(m.screendump("head0", 0)), (ok, bool(badge), blocked_prop(m, "seat1")))
    pic = p.thumb_shows("seat1", screens.SCREEN["block"])
    p.shot("blocked")
    t.check("and seat1's picture in the page changes to the block screen", pic is True, pic)
    p.d.find_element("id", "act-unblock").click()
    ok = until(m, "head1", own("seat1"), 60)
    gone = p.find('.station[data-station="seat1"] .blocked', 30, gone=True) == []
    pic = p.thumb_shows("seat1", COLOR["seat1"])
    p.shot("unblocked")
    t.check("Unblock: head1 shows seat1's session again, the badge goes, and so does its "
            "picture in the page",
            ok and gone and pic is True and blocked_prop(m, "seat1") == "b false",
            (ok, gone, pic))
    # seat0 on seat1: seat1 selected, seat0 the card in hand.
    p.d.find_element("id", "select-none").click()
    p.card("seat1")[0].find_element("css selector", "input.select").click()
    p.card("seat0")[0].find_element("css selector", "img.thumb").click()
    p.d.find_element("id", "act-project").click()
    p.find("#confirm-dialog")[0]
    p.d.find_element("id", "confirm-ok").click()
    ok = until(m, "head1", own("seat0"), 60)
    p.shot("projected")
    t.check("Project from the page: head1 shows seat0's screen", ok, "")
    p.d.find_element("id", "select-none").click()
    p.card("seat0")[0].find_element("css selector", "img.thumb").click()
    p.d.find_element("id", "act-unproject").click()
    ok = until(m, "head1", own("seat1"), 60)
    t.check("Stop projecting: head1 shows seat1's session again", ok, "")
    # A command launched into seat1's session runs there, as its user.
    m.run("rm -f /tmp/launched")
    p.card("seat1")[0].find_element("css selector", "img.thumb").click()
    p.d.find_element("id", "act-launch").click()
    p.dialog("touch /tmp/launched")
    ok = attempt(lambda: m.wait_until("[ -e /tmp/launched ]", 30))
    owner = m.run("stat -c %U /tmp/launched")[1].strip()
    t.check("Launch from the page: the command runs in seat1's session, as its user",
            ok and owner == "station1", (ok, owner))
    page_control(t, m, p)
    # Last: a message shows for 30 s.
    p.card("seat1")[0].find_element("css selector", "img.thumb").click()
    p.d.find_element("id", "act-message").click()
    p.dialog("Five minutes left")
    ok = until(m, "head1", showing("message"), 60)
    p.shot("message")
    t.check("Message from the page: head1 shows it", ok, "")
    p.d.find_element("id", "logout").click()
    back = p.find("#login", 30)
    p.shot("logged-out")
    t.check("Log out: back to the logon form", back, "")
    p.login(ADMIN)
    renames = p.find("button.rename", 30)
    p.shot("administrator")
    t.check("an administrator's page offers rename on each station, and the room's actions",
            len(renames) == 4 and p.find("#room-mode-console", 5), len(renames))
    # Console mode from the page: seat0 takes both heads; then back.
    p.d.find_element("id", "room-mode-console").click()
    p.find("#confirm-dialog", 10)[0]
    p.d.find_element("id", "confirm-ok").click()
    gone = p.find('.station[data-station="seat1"]', 60, gone=True) == []
    mode = ctl(m, None, "mode")[1].strip()
    p.shot("console-mode")
    t.check("Console mode from the administrator's page: the room says console, and the "
            "page shows seat0 alone (seat1 is gone)", gone and mode == "console" and
            p.card("seat0"), lambda: (mode, m.run("journalctl -t seatmuxd | tail -n 8")[1]))
    p.d.find_element("id", "room-mode-station").click()
    p.find("#confirm-dialog", 10)[0]
    p.d.find_element("id", "confirm-ok").click()
    back = (p.find('.station[data-station="seat1"]', 90) and
            until(m, "head1", own("seat1"), 120))
    t.check("Station mode again: seat1 is back in the page, and head1 shows its session",
            back and ctl(m, None, "mode")[1].strip() == "station",
            lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])


def page_control(t, m, p):
    """seat1 opened large: watching sends nothing; with View only off,
    keys typed and a click on the picture reach seat1's session."""
    from selenium.webdriver.common.action_chains import ActionChains
    k0, k1 = len(keys(m, "seat0")), len(keys(m, "seat1"))
    c1 = clicks(m, "seat1")
    def open_large():
        p.card("seat1")[0].find_element("css selector", "button.open").click()
        return p.find("#view-screen", 30)

    img, told = screens.watched_while(m, "head1", open_large)
    shown = "const c = arguments[0]; return Number(c.dataset.messages) > 0 && c.width;"
    big = p.d.execute_script(shown, img[0]) if img else None
    end = time.monotonic() + 30
    while img and not big and time.monotonic() < end:
        time.sleep(0.5)
        big = p.d.execute_script(shown, img[0])
    ActionChains(p.d).click(img[0]).send_keys("ab").perform() if img else None
    time.sleep(3)
    p.shot("watching")
    t.check("seat1 opened large in the page: head1 says it is watched; the picture is the "
            "head's size; watching, typed keys and a click reach nobody",
            told and big == 800 and len(keys(m, "seat1")) == k1 and clicks(m, "seat1") == c1 and
            not m.run(CONTROL_DEVICES)[1],
            (big, keys(m, "seat1")[k1:]))
    # Over the WebSocket, damage only: seat1's client moves a bar across
    # its colour, so once its notice is over, a picture sends the few
    # tiles the bar crossed.
    def streamed():
        return p.d.execute_script(
            "const c = arguments[0], g = c.getContext('2d');"
            "const d = g.getImageData(c.width >> 2, c.height >> 1, 1, 1).data;"
            "return {stream: c.dataset.stream, messages: +c.dataset.messages, "
            "first: +c.dataset.areaFirst, fewest: +c.dataset.areaFewest, "
            "rgb: [d[0], d[1], d[2]]};", img[0]) if img else {}

    def fine(ds):
        return (ds.get("stream") == "websocket" and 0 < ds.get("fewest", 0) < ds.get("first", 0)
                and all(abs(a - b) <= 24 for a, b in zip(ds.get("rgb", ()), COLOR["seat1"])))
    ds, end = streamed(), time.monotonic() + 30
    while not fine(ds) and time.monotonic() < end:
        time.sleep(0.5)
        ds = streamed()
    t.check("the large view streams over a WebSocket: the picture is seat1's client, and after "
            "the first picture whole, only the tiles that changed come", fine(ds), ds)
    p.d.find_element("id", "view-only").click()
    ok = attempt(lambda: m.wait_until("[ -n \"$(%s)\" ]" % CONTROL_DEVICES, 20))
    end = time.monotonic() + 20
    while "In control" not in p.d.find_element("id", "view-status").text and \
            time.monotonic() < end:
        time.sleep(0.3)
    ActionChains(p.d).click(img[0]).send_keys("ab").perform()
    typed_ok, got = typed(m, "seat1", k1, [30, 48])
    click = clicked(m, "seat1", c1)
    p.shot("in-control")
    if not (typed_ok and click):	# what seat1's client was told, for the log
        print("# dashboard: seat1's client: " + " | ".join(
            m.run("grep -v ^frame /home/station1/events.log | tail -n 24")[1].split("\n")))
    t.check("View only off: the page takes control; a and b typed and a click on the picture "
            "reach seat1's client, and seat0's gets nothing",
            ok and typed_ok and click and len(keys(m, "seat0")) == k0, (ok, got, click))
    p.d.find_element("id", "view-close").click()
    gone = attempt(lambda: m.wait_until("[ -z \"$(%s)\" ]" % CONTROL_DEVICES, 20))
    t.check("Close: control is let go (the keyboard and pointer go)", gone,
            lambda: m.run(CONTROL_DEVICES)[1])


def run(t):
    hv = scenario("hyperv-rdp")
    usb = scenario("usbip-station")
    tmp = tempfile.mkdtemp(prefix="dashboard-")
    desk = usb.Desk(tmp)
    rdp = None
    try:
        with t.machine(devices=devices(), hostfwd=[8443, 3389], guestfwd=desk.guestfwd,
                       memory=2048) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            desk.install(m)
            ok = attempt(lambda: (wait_ready(m, "seat0", timeout=120),
                                  wait_ready(m, "seat1", timeout=120)))
            if not t.check("both physical stations' sessions run", ok,
                           lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
                return
            rdp = scenario("broker-restart").Lingering(hv.client_binary(), m.ports[3389],
                                                       "station2", "640x480", tmp, "0x2e")
            up = usb.wait_journal(m, "usbip: desk1 is up", 120)
            drawn = usb.wait_color(desk.emu, "seat-desk1", 120) if up else 0
            end = time.monotonic() + 150
            while time.monotonic() < end and "frames n=" not in rdp.text() and rdp.connected():
                time.sleep(1)
            if not t.check("the RDP station (our FreeRDP client, station2) and the USB/IP "
                           "station (the emulator behind its agent) are up and drawn",
                           "frames n=" in rdp.text() and rdp.connected() and drawn >= 0.5,
                           (rdp.text()[-300:], drawn)):
                return
            m.run("systemctl start seatmux-dashboard.socket seatmux-dashboard-session.socket",
                  check=True, timeout=60)
            port = m.ports[8443]
            if check_api(t, m, port):
                check_page(t, m, port)
            rc, log = m.run("journalctl -u seatmux-dashboard -u 'seatmux-dashboard-session@*' "
                            "-o cat")
            t.check("the dashboard logged the logons, refusals and actions",
                    "logon of %s from" % TEACHER in log and "%s: block seat1: done" % TEACHER in
                    log, log[-600:])
            m.run("systemctl stop seatmux-dashboard.service")
            t.check_sanitizers(m)
    finally:
        if rdp:
            rdp.stop()
            shutil.copy(rdp.log, t.artifacts)
        desk.stop(t.artifacts)
