# SPDX-License-Identifier: MIT
"""A login screen on a physical station, greetd's way.

seat0 has no user of its own: its greeter is Debian's agreety in a
terminal under cage (greeter-overlay), run as seatmux-greeter, talking
greetd's IPC to seatmuxd's socket for the seat. The test types a user name
and password at the station's keyboard (QMP), as a pupil would, and
checks: the greeter is logind's greeter session; nobody but the greeter's
user may use the socket; malformed requests get an error; no session
starts without authentication; wrong passwords are refused and slowed;
the right one starts the user's session on the seat (logind's, theirs),
which a seatmuxd restart keeps; logging off brings the greeter back.

seat1's login screen is the project's own, seatmux-greeter under
seatmux-compositor. Typed at, it says on the head when a password was
wrong and asks again; the right one starts station1's session; it shows
the station's name in the room, which seatmuxctl rename changes.
"""

import json
import re
import shlex
import time

from harness import dev
from stations import (COLOR, SEATCLIENT, attempt, check_logind_session, ctl, logind_sessions,
                      ready_pids, wait_ready)

TIMEOUT = 540

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-mouse-pci", id="mouse0", addr=0x0c, display="head0"),
    dev("virtio-gpu-pci", id="head1", addr=0x09, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head1"),
]
# greeter/draw.h's colours.
GREETER_BACKGROUND = (0x20, 0x30, 0x40)
GREETER_ERROR = (0xff, 0x60, 0x60)
SOCK = "/run/seatmux/seat0.greetd.sock"


def in_greeter(m, argv):
    """argv (a list), run in the greeter's session (its scope), as a
    greeter started there would be: the greetd socket takes only such
    peers."""
    found = re.findall(r"seat0: session started as seatmux-greeter, pid (\d+)",
                       m.run("journalctl -t seatmuxd -o cat")[1])
    return ("cg=$(sed -n 's/^0:://p' /proc/%s/cgroup); export cg; "
            "sh -c 'echo $$ > /sys/fs/cgroup$cg/cgroup.procs; exec \"$@\"' sh %s"
            % (found[-1] if found else "0", " ".join(shlex.quote(a) for a in argv)))


def greetd(m, user, *requests, inside=True):
    """Replies (parsed, or "closed") to requests sent as user on SOCK, from
    the greeter's session (or, inside=False, from outside it)."""
    argv = [SEATCLIENT, "-u", user, "greetd", SOCK] + [json.dumps(r) for r in requests]
    cmd = in_greeter(m, argv) if inside else " ".join(shlex.quote(a) for a in argv)
    rc, out = m.run(cmd, timeout=90)
    replies = []
    for line in out.splitlines():
        try:
            replies.append(json.loads(line))
        except ValueError:
            replies.append(line.strip())
    return replies


def own_color(shot):
    return shot.fraction_near(COLOR["seat0"], 24) if shot else 0


def greeter_runs(m, timeout=120, program="agreety"):
    return attempt(lambda: m.wait_until(
        "ps -o user,comm | grep -q '^seatmux- *%s'" % program, timeout, interval=1))


def type_line(m, text, kbd="kbd0"):
    m.send_keys(kbd, list(text) + ["ret"], hold=0.04)


def greeter_shown(m, station, timeout=60):
    """Whether seat1's greeter said it shows station's name, full screen
    with the compositor's keyboard layout."""
    return attempt(lambda: m.wait_until(
        "grep -q \"shown at 800x600: station '%s', Keyboard: English (US)\" "
        "/run/seat1.session.log" % station, timeout, interval=1))


def greeter_session(m, seat):
    """logind's properties of the greeter's session on seat ({}: none)."""
    rc, out = m.run("loginctl list-sessions --no-legend")
    for f in (line.split() for line in out.splitlines()):
        if len(f) > 3 and f[2] == "seatmux-greeter" and f[3] == seat:
            rc, props = m.run("loginctl show-session %s -p Seat -p Class -p Service" % f[0])
            return dict(p.split("=", 1) for p in props.splitlines() if "=" in p)
    return {}


def asked(m, n, timeout=30):
    """Waits until seat1's greeter has asked station1 for a password n
    times (its log says when a prompt is shown)."""
    return attempt(lambda: m.wait_until(
        "[ $(grep -c 'asks station1: Password:' /run/seat1.session.log) -ge %d ]" % n, timeout,
        interval=0.5))


def error_shown(m, tries=10):
    """Whether head1 shows text in the greeter's error colour."""
    for _ in range(tries):
        shot = m.screendump("head1", 0)
        if shot and shot.count_near(GREETER_ERROR, 40) > 10:
            return True
        time.sleep(1)
    return False


def check_own_greeter(t, m):
    """seat1: seatmux-greeter, typed at on its own keyboard."""
    ok = greeter_runs(m, program="seatmux-greeter") and greeter_shown(m, "seat1")
    if not t.check("seat1 shows seatmux-greeter, with the station's name and keyboard layout",
                   ok, lambda: m.run("tail -n 8 /run/seat1.session.log")[1]):
        return
    shot = m.screendump("head1", 0)
    frac = shot.fraction_near(GREETER_BACKGROUND, 8) if shot else 0
    t.check("its login screen fills head1", frac > 0.5, "%.0f%%" % (frac * 100))
    t.check("logind has a greeter session on each seat",
            all(greeter_session(m, seat).get("Class") == "greeter" for seat in ("seat0", "seat1")),
            lambda: m.run("loginctl list-sessions --no-legend")[1])
    type_line(m, "station1", "kbd1")
    asked(m, 1)
    type_line(m, "wrong", "kbd1")
    ok = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"seat1: greeter: logon of 'station1' refused\"",
        30, interval=1))
    t.check("a wrong password typed at seat1 is refused", ok,
            lambda: m.run("journalctl -t seatmuxd | tail -n 6")[1])
    t.check("and the head says so, in the error colour", error_shown(m))
    asked(m, 2)     # the same user is asked again, after seatmuxd's delay
    type_line(m, "station1", "kbd1")
    ok = attempt(lambda: wait_ready(m, "seat1", timeout=120))
    if not t.check("the right password starts station1's session on seat1", ok,
                   lambda: m.run("tail -n 10 /run/seat1.session.log; journalctl -t seatmuxd | "
                         "tail -n 10")[1]):
        return
    check_logind_session(t, m, "station1", "seat1", "seatmux-greeter")
    t.check("seatmux-greeter is gone from seat1",
            not greeter_runs(m, timeout=2, program="seatmux-greeter"),
            lambda: m.run("ps -o user,comm | grep seatmux-")[1])
    rc, out, err = ctl(m, None, "rename seat1 'Back row 3'")
    rc2, out, err2 = ctl(m, None, "logoff seat1")
    t.check("renamed and logged off, seat1's greeter comes back with its new name",
            rc == 0 and rc2 == 0 and greeter_runs(m, program="seatmux-greeter") and
            greeter_shown(m, "Back row 3"), lambda: (err, err2, m.run("tail -n 4 /run/seat1.session.log")[1]))


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        ok = greeter_runs(m)
        if not t.check("seat0 shows its greeter: agreety in a terminal, as seatmux-greeter", ok,
                       lambda: m.run("tail -n 8 /run/seat0.session.log; journalctl -t seatmuxd | "
                             "tail -n 8")[1]):
            return
        s = greeter_session(m, "seat0")
        t.check("logind has it as seat0's greeter session",
                s.get("Seat") == "seat0" and s.get("Class") == "greeter" and
                s.get("Service") == "seatmux", s)
        rc, out = m.run("busctl call org.seatmux.Manager1 /org/seatmux/Manager1 "
                        "org.seatmux.Manager1 ListSessions")
        path = re.search(r'"seat0" "(/[^"]+)"', out)
        rc, cls = m.run("busctl get-property org.seatmux.Manager1 %s org.seatmux.Session1 Class"
                        % (path.group(1) if path else "/"))
        t.check("seatmuxd's Session1 says it is a greeter", cls.strip() == 's "greeter"',
                (out, cls))
        shot = m.screendump("head0", 0)
        t.check("the head shows the terminal, not a user's session", own_color(shot) < 0.2,
                "%.0f%% seat0 colour" % (own_color(shot) * 100))

        # The socket: the greeter's user only.
        r = greetd(m, "station0", {"type": "create_session", "username": "station0"})
        t.check("a user who is not the greeter's is refused at the greetd socket",
                r == ["closed"], r)
        r = greetd(m, "seatmux-greeter", {"type": "create_session", "username": "station0"},
                   inside=False)
        t.check("so is the greeter's account from outside the seat's greeter session "
                "(another seat's greeter)", r == ["closed"], r)
        # Malformed and out-of-order requests: errors, the connection lives.
        r = greetd(m, "seatmux-greeter", "not json", {"type": "lock_session"},
                   {"type": "create_session"}, {"type": "start_session", "cmd": ["sh"]},
                   {"type": "post_auth_message_response", "response": "x"},
                   {"type": "cancel_session"})
        kinds = [x.get("type") if isinstance(x, dict) else x for x in r]
        t.check("malformed requests get an error each, and the connection serves on",
                kinds == ["error"] * 5 + ["success"], r)
        t.check("a greeter cannot start a session without authenticating",
                len(r) > 3 and isinstance(r[3], dict) and
                "nobody authenticated" in r[3].get("description", ""),
                r[3:4])
        rc, out = m.run(in_greeter(m, [SEATCLIENT, "-u", "seatmux-greeter", "greetd-raw", SOCK,
                                       "ffffff7f"]))
        t.check("a request longer than any greetd request is refused and closed",
                "request too long" in out, out)

        # Wrong passwords: refused as auth errors, each waited out longer.
        wrong = [{"type": "create_session", "username": "station0"},
                 {"type": "post_auth_message_response", "response": "wrong"}]
        r = greetd(m, "seatmux-greeter", *(wrong * 3))
        t.check("the answer is asked for as a secret",
                isinstance(r[0], dict) and r[0].get("auth_message_type") == "secret", r[:1])
        t.check("three wrong passwords are refused (auth_error)",
                [x.get("error_type") if isinstance(x, dict) else x for x in r[1::2]]
                == ["auth_error"] * 3, r)
        rc, log = m.run("journalctl -t seatmuxd -o cat | grep 'greeter: logon of'")
        waits = [int(x) for x in re.findall(r"waits (\d+) ms", log)]
        t.check("and logged, each refusal waited out longer (1 s, 2 s, 4 s)",
                waits[-3:] == [1000, 2000, 4000], log[-400:])

        # The pupil types at the station: the session is theirs.
        type_line(m, "station0")
        time.sleep(3)
        type_line(m, "station0")
        ok = attempt(lambda: wait_ready(m, "seat0", timeout=120))
        if not t.check("typed at the station, the right password starts station0's session", ok,
                       lambda: m.run("tail -n 10 /run/seat0.session.log; journalctl -t seatmuxd | "
                             "tail -n 10")[1]):
            return
        time.sleep(2)
        shot = m.screendump("head0", 0)
        t.check("the head shows station0's client", own_color(shot) > 0.5,
                "%.0f%%" % (own_color(shot) * 100))
        check_logind_session(t, m, "station0", "seat0", "greeter")
        t.check("the greeter is gone", not greeter_runs(m, timeout=2),
                lambda: m.run("ps -o user,comm | grep seatmux-")[1])
        pid = ready_pids(m, "seat0")[-1]

        # A restart of seatmuxd keeps the user's session, as theirs.
        m.run("systemctl restart seatmuxd", timeout=60)
        m.wait_until("systemctl is-active -q seatmuxd", 60, interval=1)
        time.sleep(3)
        t.check("a seatmuxd restart keeps station0's session (the same client, alive)",
                ready_pids(m, "seat0")[-1] == pid and
                m.run("kill -0 %d" % pid)[0] == 0 and not greeter_runs(m, timeout=2),
                lambda: (ready_pids(m, "seat0"), m.run("journalctl -t seatmuxd | tail -n 6")[1]))

        # Logging off brings the greeter back.
        rc, out, err = ctl(m, None, "logoff seat0")
        t.check("seatmuxctl logoff seat0", rc == 0, err)
        t.check("after the session, the greeter comes back", greeter_runs(m),
                lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])
        t.check("logind has the greeter again, and station0 no more",
                greeter_session(m, "seat0").get("Class") == "greeter" and
                "station0" not in logind_sessions(m), logind_sessions(m))
        check_own_greeter(t, m)
        t.check_sanitizers(m)
