# SPDX-License-Identifier: MIT
"""The room's D-Bus interface and seatmuxctl, authorized by polkit.

Two physical stations (two-stations' heads, rules and cage sessions),
with the image's system bus and polkit. seatmuxctl, run as root, as a
teacher (station22, group seatmux-teacher), as an administrator
(station23, seatmux-admin) and as an ordinary user (station21), lists
the stations and their sessions, shows one, and logs a station's user
off: the session ends and the seat's next one starts (a new pid drawing
on the head). Checked as a user would see it: what seatmuxctl prints,
its exit status, the D-Bus error, the pixels on the head. Then, on the
same guest, the screens the broker draws (_room_screens.py), and a
program a teacher launches into seat1's session: it opens on head1, runs
as station1 in the session's scope, and ends when seat1 is logged off.
"""

import base64
import json
import re
import time

from stations import attempt, check_loop_never_waited, ctl, event_log, logind_sessions, scenario, shows, wait_ready

TIMEOUT = 840
OVERLAYS = ["two-stations-overlay"]

TEACHER, ADMIN, PUPIL = "station22", "station23", "station21"


def devices():
    from stations import scenario
    return scenario("two-stations").DEVICES


def pids(m, seat):
    return re.findall(r"^ready pid=(\d+)", m.run("cat %s" % event_log(seat))[1], re.M)


def leader(m, seat):
    """The pid of seat's session (cage), as seatmuxd logged its start."""
    found = re.findall(r"%s: session started as \w+, pid (\d+)" % seat,
                       m.run("journalctl -t seatmuxd -o cat")[1])
    return found[-1] if found else None


def described(m):
    """Members of our interfaces in the installed introspection XML."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(m.run("cat /usr/share/dbus-1/interfaces/org.seatmux.Manager1.xml")[1])
    return sorted("%s.%s" % (i.get("name"), e.get("name"))
                  for i in root.iter("interface") for e in i if e.get("name"))


def offered(m):
    """Members of our interfaces on seatmuxd's manager, a station and a
    session."""
    found = set()
    session = re.search(r'"([^"]+)"', m.run(
        "busctl call org.seatmux.Manager1 /org/seatmux/Manager1 org.seatmux.Manager1 "
        "GetSession s %s" % leader(m, "seat0"))[1])
    for path in ("/org/seatmux/Manager1", "/org/seatmux/Manager1/station/seat0",
                 session.group(1) if session else "/"):
        rc, out = m.run("busctl introspect --list org.seatmux.Manager1 %s 2>&1" % path)
        iface = None
        for line in out.splitlines():
            f = line.split()
            if not f:
                continue
            if len(f) > 1 and f[1] == "interface":
                iface = f[0] if f[0].startswith("org.seatmux.") else None
            elif iface and f[0].startswith("."):
                found.add("%s%s" % (iface, f[0]))
    return sorted(found)


def run(t):
    with t.machine(devices=devices()) as m:
        m.wait_agent(timeout=90)
        ok = attempt(lambda: (wait_ready(m, "seat0", timeout=120),
                              wait_ready(m, "seat1", timeout=120)))
        if not t.check("both stations' sessions run", ok,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
            return
        ok = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd | grep -q 'org.seatmux.Manager1 offered on the system bus'", 60))
        if not t.check("seatmuxd offers org.seatmux.Manager1 on the system bus", ok,
                       lambda: m.run("journalctl -t seatmuxd | grep api:; systemctl status dbus | head")[1]):
            return

        # root: no polkit asked.
        rc, out, err = ctl(m, None, "list-stations")
        rows = {l.split()[0]: l.split() for l in out.splitlines()[1:] if l.strip() and
                not l.endswith("listed.")}
        t.check("root lists both stations: kind, user, session pid, state",
                rc == 0 and rows.get("seat0", [])[1:3] == ["local", "station0"] and
                rows.get("seat1", [])[1:3] == ["local", "station1"] and
                rows["seat0"][3] == leader(m, "seat0") and rows["seat1"][4] == "running" and
                "2 stations listed." in out, "rc %d: %s %s" % (rc, out, err))
        rc, out, err = ctl(m, None, "--json list-stations")
        try:
            js = json.loads(out)
        except ValueError:
            js = None
        t.check("--json gives the same as JSON, with each station's name and blocked state",
                rc == 0 and js and sorted(s["station"] for s in js) == ["seat0", "seat1"] and
                all(s["kind"] == "local" and s["state"] == "running" and
                    s["name"] == s["station"] and s["blocked"] is False for s in js),
                "rc %d: %s %s" % (rc, out, err))

        rc, out, err = ctl(m, None, "list-sessions")
        rows = {l.split()[2]: l.split() for l in out.splitlines()[1:] if l.strip() and
                not l.endswith("listed.")}
        t.check("list-sessions: each running session's pid, user, station",
                rc == 0 and rows.get("seat0", [])[:2] == [leader(m, "seat0"), "station0"] and
                rows.get("seat1", [])[:2] == [leader(m, "seat1"), "station1"] and
                "2 sessions listed." in out, "rc %d: %s %s" % (rc, out, err))

        old_session = check_sessions(t, m)

        # A teacher observes and controls through polkit's rules.
        rc, out, err = ctl(m, TEACHER, "station-status seat1")
        t.check("a teacher sees a station in full",
                rc == 0 and "Kind: local" in out and "User: station1 (1001)" in out and
                ("Session: %s (running)" % leader(m, "seat1")) in out,
                "rc %d: %s %s" % (rc, out, err))
        rc, out, err = ctl(m, TEACHER, "--json station-status seat1")
        t.check("and as JSON", rc == 0 and json.loads(out or "{}").get("uid") == 1001,
                "rc %d: %s %s" % (rc, out, err))

        # An ordinary user: not authorized, said in one line.
        for args in ("list-stations", "station-status seat0", "logoff seat0"):
            rc, out, err = ctl(m, PUPIL, args)
            t.check("an ordinary user may not %s: 'not authorized', exit 1" % args.split()[0],
                    rc == 1 and re.fullmatch(r"seatmuxctl: .*not authorized: org\.seatmux\.\w+",
                                             err) is not None,
                    "rc %d: %r %r" % (rc, out, err))
        # And every other command, each refused the same way, nothing done.
        wrong = []
        for args in ("list-sessions", "identify seat0", "message seat0 hello", "block seat0",
                     "unblock seat0", "project seat0 seat1", "unproject seat0",
                     "rename seat0 hall", "attach seat1 /dev/input/event0", "flush-devices",
                     "map", "mode console", "launch seat0 -- true", "watch seat0", "control seat0",
                     "input seat0 1:30:1,1:30:0"):
            rc, out, err = ctl(m, PUPIL, args)
            if rc != 1 or not re.fullmatch(r"seatmuxctl: .*not authorized: org\.seatmux\.\w+",
                                           err):
                wrong.append((args, rc, out, err))
        t.check("an ordinary user is refused every other command in one line, exit 1",
                not wrong, wrong)
        rc, out, err = ctl(m, None, "station-status seat9")
        t.check("an unknown station: a clear error, exit 1",
                rc == 1 and err == "seatmuxctl: seat9: no station 'seat9'", "rc %d: %r" % (rc, err))
        rc, out, err = ctl(m, None, "logoff")
        t.check("a missing argument: usage error, exit 2", rc == 2 and "takes 1 argument" in err,
                "rc %d: %r" % (rc, err))
        rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                        "org.seatmux.Manager1 LogOff u 7 2>&1")
        rc2, out2, _ = ctl(m, None, "list-stations")
        t.check("a malformed call gets a D-Bus error, and seatmuxd carries on",
                rc != 0 and "Invalid" in out and rc2 == 0 and "2 stations listed." in out2,
                out + out2)
        t.check("the installed interface description is what seatmuxd offers",
                described(m) == offered(m), (described(m), offered(m)))

        # Log off seat1 as the teacher: its session ends, the next starts.
        before = pids(m, "seat1")
        seat0 = pids(m, "seat0")
        m.run("busctl monitor --system "
              "--match \"type='signal',path_namespace='/org/seatmux/Manager1'\" "
              ">/run/monitor.log 2>&1 &")
        time.sleep(1)
        rc, out, err = ctl(m, TEACHER, "logoff seat1")
        t.check("a teacher logs station1 off", rc == 0, "rc %d: %s" % (rc, err))
        ok = attempt(lambda: wait_ready(m, "seat1", count=len(before) + 1, timeout=90))
        after = pids(m, "seat1")
        t.check("its session ended and the seat's next session started (a new pid)",
                ok and after[-1] != before[-1] and
                "logged off by request" in m.run("journalctl -t seatmuxd")[1],
                (before, after))
        time.sleep(2)
        shows(t, m.screendump("head1", 0), "seat1", "head1 shows seat1's new session")
        t.check("station0 was not touched", pids(m, "seat0") == seat0)
        t.check("the change was signalled (PropertiesChanged on seat1's object)",
                attempt(lambda: m.wait_until("grep -q 'station/seat1' /run/monitor.log", 20)),
                lambda: m.run("tail -c 600 /run/monitor.log")[1])
        new_session = leader(m, "seat1")
        log = m.run("cat /run/monitor.log")[1]
        t.check("and SessionRemoved named the old session, SessionNew the new one",
                re.search(r'Member=SessionRemoved[\s\S]*?STRING "%s"' % old_session, log) and
                re.search(r'Member=SessionNew[\s\S]*?STRING "%s"' % new_session, log),
                (old_session, new_session, log[-1500:]))
        m.run("pkill -f 'busctl monitor'")
        rc, out = get_session(m, None, old_session)
        t.check("the session logged off is no object any more",
                rc != 0 and "no session '%s'" % old_session in out, out)
        rc, out, err = ctl(m, ADMIN, "list-stations")
        t.check("an administrator lists the new session",
                rc == 0 and leader(m, "seat1") in out, "rc %d: %s %s" % (rc, out, err))
        check_rename(t, m)
        scenario("_room_screens").check(t, m)
        check_input(t, m)
        check_launch(t, m)
        check_attach(t, m)


def get_session(m, user, session_id):
    """GetSession(session_id) with busctl, as user (root if None)."""
    cmd = ("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 org.seatmux.Manager1 "
           "GetSession s '%s'" % session_id)
    if user:
        cmd = "su -s /bin/sh %s -c \"%s\"" % (user, cmd)
    return m.run(cmd + " 2>&1")


def check_sessions(t, m):
    """Each running session is an object of its own (org.seatmux.Session1),
    which its own user may look up and an ordinary user may not. Returns
    seat1's session id."""
    lead = leader(m, "seat1")
    rc, out = get_session(m, None, lead)
    found = re.search(r'^o "([^"]+)"', out.strip())
    props = {}
    for name in ("Id", "StationId", "User", "UID", "Leader", "State", "Kind", "Class",
                 "LogindSession"):
        r, got = m.run("busctl get-property org.seatmux.Manager1 %s org.seatmux.Session1 %s"
                       % (found.group(1) if found else "/", name))
        props[name] = got.strip()
    logind = logind_sessions(m).get("station1", {}).get("Id", "?")
    t.check("seat1's session is an object: its id, station, user, leader, state, class "
            "and logind's id for it",
            rc == 0 and found and props == {
                "Id": 's "%s"' % lead, "StationId": 's "seat1"', "User": 's "station1"',
                "UID": "u 1001", "Leader": "u %s" % lead, "State": 's "running"',
                "Kind": 's "local"', "Class": 's "user"',
                "LogindSession": 's "%s"' % logind}, "%s %s" % (out, props))
    rc2, out2 = get_session(m, "station1", lead)
    t.check("its own user may look it up", rc2 == 0 and found and found.group(1) in out2, out2)
    rc2, out2 = get_session(m, PUPIL, lead)
    # busctl says any AccessDenied error as "Access denied".
    t.check("an ordinary user may not: AccessDenied", rc2 != 0 and "Access denied" in out2, out2)
    bad = {}
    for session_id in ("999999", "0%s" % lead, "%s " % lead, "seat1", ""):
        rc2, out2 = get_session(m, None, session_id)
        if rc2 == 0 or "no session '%s'" % session_id not in out2:
            bad[session_id] = out2
    t.check("an unknown or misspelt session: org.seatmux.Error.NoSuchSession", not bad, bad)
    return lead


def keys_reach(m, seat, kbd, before, timeout=30):
    """A key typed every few seconds until one reaches seat: the devices
    move after the call returns, as udev gets to them."""
    screens = scenario("_room_screens")
    end = time.time() + timeout
    while time.time() < end:
        if screens.key_reaches(m, seat, kbd, before, timeout=3):
            return True
    return False


def check_attach(t, m):
    """seat0's keyboard given to seat1 as loginctl attach gives it, then
    flush-devices: the rule file, and where the keys go."""
    screens = scenario("_room_screens")
    kbd0 = "/dev/input/by-path/pci-0000:00:0a.0-event-kbd"
    rule = "/etc/udev/rules.d/72-seat-input-pci-0000_00_0a_0.rules"
    rc, out, err = ctl(m, TEACHER, "attach seat1 " + kbd0)
    t.check("a teacher may not attach devices: 'not authorized: org.seatmux.administer'",
            rc == 1 and "not authorized: org.seatmux.administer" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, ADMIN, "attach 'seat 1' " + kbd0)
    t.check("a seat name logind would refuse: a clear error",
            rc == 1 and "'seat 1' is not a seat name" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, ADMIN, "attach seat1 /dev/null")
    t.check("a device that is no seat's: a clear error",
            rc == 1 and err == "seatmuxctl: /dev/null: '/dev/null' is nothing a seat can be given",
            "rc %d: %r" % (rc, err))
    ok = attempt(lambda: wait_ready(m, "seat1", timeout=120))
    k0, k1 = screens.keys(m, "seat0"), screens.keys(m, "seat1")
    rc, out, err = ctl(m, ADMIN, "attach seat1 " + kbd0)
    text = m.run("cat " + rule)[1].strip()
    t.check("an administrator attaches kbd0 to seat1: loginctl's rule, in its file",
            ok and rc == 0 and text == 'TAG=="seat", ENV{ID_FOR_SEAT}=="input-pci-0000_00_0a_0", '
                                       'ENV{ID_SEAT}="seat1"', "rc %d: %r %r" % (rc, err, text))
    t.check("kbd0's keys reach seat1's running session (its cage opened it)",
            keys_reach(m, "seat1", "kbd0", k1),
            lambda: m.run("journalctl -t seatmuxd | grep -E 'event|attach' | tail -n 8")[1])
    t.check("and no longer seat0's", screens.keys(m, "seat0") == k0,
            (k0, screens.keys(m, "seat0")))
    rc, out, err = ctl(m, ADMIN, "flush-devices")
    t.check("flush-devices removes the rule",
            rc == 0 and m.run("test -e " + rule)[0] != 0, "rc %d: %r" % (rc, err))
    t.check("kbd0's keys reach seat0's session again",
            keys_reach(m, "seat0", "kbd0", k0),
            lambda: m.run("journalctl -t seatmuxd | grep -E 'event|flush' | tail -n 8")[1])
    check_loop_never_waited(t, m, "attach and flush-devices (udev told in a child)")


def name_prop(m, seat):
    return m.run("busctl get-property org.seatmux.Manager1 /org/seatmux/Manager1/station/%s "
                 "org.seatmux.Station1 Name" % seat)[1].strip()


def check_rename(t, m):
    """An administrator renames a station; a teacher may not; the name
    is kept across a restart of seatmuxd; "" gives the id back."""
    rc, out, err = ctl(m, TEACHER, "rename seat1 'Front row'")
    t.check("a teacher may not rename: 'not authorized: org.seatmux.administer', exit 1",
            rc == 1 and "not authorized: org.seatmux.administer" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, ADMIN, "rename seat1 'Front row, left'")
    rc2, out2, _ = ctl(m, TEACHER, "station-status seat1")
    t.check("an administrator renames seat1: its Name, its id unchanged",
            rc == 0 and name_prop(m, "seat1") == 's "Front row, left"' and
            "Name: Front row, left" in out2 and out2.startswith("seat1\n"),
            "rc %d: %r %r" % (rc, err, out2))
    rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                    "org.seatmux.Manager1 Rename ss seat1 \"$(printf 'a\\tb')\" 2>&1")
    t.check("a name with a control character gets InvalidArgs, the name stays",
            rc != 0 and "control characters" in out and
            name_prop(m, "seat1") == 's "Front row, left"', out)
    m.run("systemctl restart seatmuxd", timeout=60)
    ok = attempt(lambda: m.wait_until(
        "busctl get-property org.seatmux.Manager1 /org/seatmux/Manager1/station/seat1 "
        "org.seatmux.Station1 Name 2>/dev/null | grep -q 'Front row'", 60))
    t.check("the name is kept across a restart of seatmuxd (in /var/lib/seatmux/names)",
            ok and name_prop(m, "seat1") == 's "Front row, left"' and
            "name seat1 Front%20row,%20left" in m.run("cat /var/lib/seatmux/names")[1],
            lambda: m.run("cat /var/lib/seatmux/names; journalctl -t seatmuxd | tail -n 5")[1])
    rc, out, err = ctl(m, ADMIN, "rename seat1 ''")
    t.check("renamed to '': seat1 goes by its id again",
            rc == 0 and name_prop(m, "seat1") == 's "seat1"', "rc %d: %r" % (rc, err))


def check_input(t, m):
    """seatmuxctl input on its own takes control of seat1, sends the keys
    once seat1's user was told and seat1's session holds seatmuxd's
    keyboard, and lets go."""
    screens = scenario("_room_screens")
    log = event_log("seat1")
    before = int(m.run("grep -c '^key key=' %s || true" % log)[1].strip() or 0)
    # In the background, to watch head1 meanwhile: a new taker is
    # announced before its keys go.
    m.run("rm -f /run/input.rc; (su -s /bin/sh %s -c 'seatmuxctl input seat1 "
          "1:30:1,1:30:0,1:48:1,1:48:0' >/run/input.out 2>&1; echo $? >/run/input.rc) &"
          % TEACHER)
    told = screens.seen_on(m, ("head1",), screens.showing("watched"), timeout=15)
    done = attempt(lambda: m.wait_until("[ -s /run/input.rc ]", 30))
    rc = int(m.run("cat /run/input.rc")[1].strip() or -1) if done else -1
    out = err = m.run("cat /run/input.out")[1]
    t.check("control taken: head1 tells seat1's user first (watched and controlled)",
            told == {"head1"}, lambda: m.run("journalctl -t seatmuxd -o cat | grep seat1 | tail -n 5")[1])
    ok = attempt(lambda: m.wait_until("[ $(grep -c '^key key=' %s) -ge %d ]" % (log, before + 4),
                                      20))
    got = m.run("grep '^key key=' %s | tail -n +%d" % (log, before + 1))[1].strip().split("\n")
    t.check("seatmuxctl input: a, b pressed and released reach seat1's client, none lost "
            "to a keyboard its session had not opened yet",
            rc == 0 and ok and [l.split()[1:3] for l in got] ==
            [["key=30", "state=pressed"], ["key=30", "state=released"],
             ["key=48", "state=pressed"], ["key=48", "state=released"]],
            "rc %d: %r %r %r" % (rc, out, err, got))
    gone = attempt(lambda: m.wait_until(
        "! grep -qx 'seatmux control keyboard' /sys/class/input/input*/name", 20))
    t.check("and lets go after: seatmuxd's keyboard is gone", gone, "")

    # A teacher's bridge holds shift down; the administrator takes over:
    # shift goes up before the administrator's key. Then the bridge
    # leaves the bus without letting go: the control goes with it.
    m.run("rm -f /run/bridge.out; (printf 'control\\tseat1\\ninput\\tseat1\\t1:42:1\\n'; "
          "sleep 15) | su -s /bin/sh %s -c 'seatmuxctl --serve' >/run/bridge.out 2>&1 &" % TEACHER)
    held = attempt(lambda: m.wait_until("grep -q '^key key=42 state=pressed' %s" % log, 20))
    before = int(m.run("grep -c '^key key=' %s || true" % log)[1].strip() or 0)
    rc, out, err = ctl(m, ADMIN, "input seat1 1:30:1,1:30:0")
    ok = attempt(lambda: m.wait_until("[ $(grep -c '^key key=' %s) -ge %d ]" % (log, before + 3),
                                      20))
    got = [l.split()[1:3] for l in m.run("grep '^key key=' %s | tail -n +%d"
                                         % (log, before + 1))[1].strip().split("\n")]
    t.check("another takes over: the shift the first held goes up before the new one's a",
            held and rc == 0 and ok and got[:3] == [["key=42", "state=released"],
                                                    ["key=30", "state=pressed"],
                                                    ["key=30", "state=released"]],
            "held %s rc %d %r: %r" % (held, rc, err, got))
    m.run("(printf 'control\\tseat1\\n'; sleep 1) | su -s /bin/sh %s -c 'seatmuxctl --serve' "
          ">/dev/null 2>&1" % TEACHER, timeout=30)
    gone = attempt(lambda: m.wait_until(
        "! grep -qx 'seatmux control keyboard' /sys/class/input/input*/name", 10))
    t.check("a controller that leaves the bus without letting go: the control goes with it",
            gone, lambda: m.run("journalctl -t seatmuxd -o cat | grep 'control:' | tail -n 3")[1])
    check_controller_pictures(t, m)
    rc, out, err = ctl(m, TEACHER, "watch seat1")
    seen = screens.seen_on(m, ("head1",), screens.showing("watched"), timeout=15)
    back = screens.until(m, "head1", screens.own("seat1"), timeout=20)
    t.check("watch: head1 tells seat1's user the screen is watched, then shows the session "
            "again; head0 stays seat0's",
            rc == 0 and seen == {"head1"} and back and
            screens.own("seat0")(m.screendump("head0", 0)), "rc %d %r seen %s back %s"
            % (rc, err, seen, back))
    rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                    "org.seatmux.Manager1 SendInput 'sa(qqi)' seat1 1 1 30 1 2>&1")
    t.check("SendInput without TakeControl: NotControlled", rc != 0 and "take control first"
            in out, out)
    rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                    "org.seatmux.Manager1 SendInput 'sa(qqi)' seat1 257 %s 2>&1"
                    % " ".join(["1 30 1"] * 257))
    t.check("SendInput of 257 events: InvalidArgs, at most 256", rc != 0 and
            "at most 256 events" in out, out)
    rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                    "org.seatmux.Manager1 SendInput 'sa(qqi)' seat1 2 1 30 1 1 116 1 2>&1")
    t.check("SendInput with the power key: InvalidArgs naming it (event 1, code 116)",
            rc != 0 and "event 1 (type 1, code 116" in out, out)
    rc, out = m.run("cat /proc/sys/kernel/sysrq")
    t.check("the kernel's SysRq keys are off (60-seatmux-sysrq.conf): no keyboard reboots "
            "the machine", out.strip() == "0", out)


def serve_replies(data):
    """seatmuxctl --serve's answers: [(status, out, err, error)]."""
    out = []
    while data:
        head, _, data = data.partition(b"\n")
        f = head.decode(errors="replace").split(" ")
        if len(f) != 4:
            break
        n, e = int(f[1]), int(f[2])
        out.append((int(f[0]), data[:n], data[n:n + e].decode(errors="replace"), f[3]))
        data = data[n + e:]
    return out


def check_controller_pictures(t, m):
    """The connection that holds control of a station takes its pictures
    without asking polkit each time, as its input goes; for any other
    station, or without control, polkit judges. Shown with polkit
    stopped (and masked, so the bus cannot start it) once control is
    held: seat1's picture still comes, seat0's is refused."""
    shot = "--fit\\t64x40\\tscreenshot\\t%s\\t-\\n"
    # Each step waits for the last one's answer (8 and 5 s at most): the
    # control's reply, then seat0's refusal, the last of the two pictures.
    wait = "i=0; while ! %s && [ $i -lt %d ]; do sleep 0.1; i=$((i+1)); done; "
    m.run("rm -f /run/pics.out; (printf 'control\\tseat1\\n'; " +
          wait % ("[ -s /run/pics.out ]", 80) +
          "systemctl mask --runtime --now polkit >/dev/null 2>&1; sleep 1; "
          "printf %%b '%s'; printf %%b '%s'; " % (shot % "seat1", shot % "seat0") +
          wait % ("grep -aq 'not authorized' /run/pics.out", 50) +
          "printf 'release\\tseat1\\n'; sleep 1) | "
          "su -s /bin/sh %s -c 'seatmuxctl --serve' >/run/pics.out 2>/dev/null" % TEACHER,
          timeout=60)
    got = serve_replies(base64.b64decode(m.run("base64 /run/pics.out")[1]))
    m.run("systemctl unmask --runtime polkit; systemctl start polkit", timeout=60)
    rc, out, err = ctl(m, TEACHER, "list-stations")
    polkit = m.run("systemctl is-active polkit")[1].strip()
    t.check("polkit stopped, the controller's connection still gets its station's pictures; "
            "another station's is refused (polkit judges those); polkit back after",
            len(got) == 4 and got[0][0] == 0 and got[1][0] == 0 and
            got[1][1][:8] == b"\x89PNG\r\n\x1a\n" and got[2][0] == 1 and
            "not authorized" in got[2][2] and got[3][0] == 0 and rc == 0 and polkit == "active",
            "%s; list %d %r; polkit %s" % ([(g[0], g[1][:8], g[2], g[3]) for g in got], rc,
                                           err, polkit))


def check_launch(t, m):
    """A program launched into seat1's session opens on head1, as
    station1, in the session's scope; logging off ends it too."""
    screens = scenario("_room_screens")
    client = "/usr/libexec/seatmux/seatmux-testclient --seat seat0 --log /tmp/launched.log"
    rc, out, err = ctl(m, TEACHER, "launch seat1 -- " + client)
    pid = out.strip()
    if not t.check("a teacher launches a program in seat1's session: its pid printed",
                   rc == 0 and pid.isdigit(), "rc %d: %r %r" % (rc, out, err)):
        return
    t.check("it opens on head1, over the session's own client (cage shows the newest)",
            screens.until(m, "head1", screens.own("seat0"), timeout=30),
            lambda: m.run("tail -n 5 /run/seat1.session.log")[1])
    status = m.run("cat /proc/%s/status" % pid)[1]
    t.check("it runs as seat1's user (station1, 1001)",
            re.search(r"^Uid:\s+1001\s", status, re.M) is not None, status[:300])
    cg = m.run("cat /proc/%s/cgroup" % pid)[1].strip()
    lead = m.run("cat /proc/%s/cgroup" % leader(m, "seat1"))[1].strip()
    t.check("in the session's scope (logind's)", cg == lead and "/session-" in cg, (cg, lead))
    env = m.run("tr '\\0' '\\n' </proc/%s/environ" % pid)[1]
    t.check("with the session's Wayland display and environment",
            re.search(r"^WAYLAND_DISPLAY=wayland-\d+$", env, re.M) is not None and
            "XDG_SEAT=seat1" in env and "HOME=/home/station1" in env, env)

    rc, out, err = ctl(m, TEACHER, "launch seat1 ls -a")
    t.check("a command without '--' before it: usage error, exit 2 (its -a is not ours)",
            rc == 2 and "launch takes ID -- COMMAND" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, PUPIL, "launch seat1 -- /bin/true")
    t.check("an ordinary user may not launch: 'not authorized', exit 1",
            rc == 1 and "not authorized: org.seatmux.control" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, TEACHER, "launch seat9 -- /bin/true")
    t.check("launching on an unknown station: a clear error",
            rc == 1 and err == "seatmuxctl: seat9: no station 'seat9'", "rc %d: %r" % (rc, err))
    rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                    "org.seatmux.Manager1 Launch sas seat1 0 2>&1")
    t.check("an empty command line gets InvalidArgs", rc != 0 and "1 to 64 words" in out, out)

    rc, out, err = ctl(m, TEACHER, "logoff seat1")
    gone = attempt(lambda: m.wait_until("! kill -0 %s 2>/dev/null" % pid, 30))
    t.check("logging seat1 off ends the launched program with the session", rc == 0 and gone,
            lambda: m.run("ps -o pid,user,cmd -p %s" % pid)[1])
