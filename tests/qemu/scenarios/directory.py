# SPDX-License-Identifier: MIT
"""Accounts from a directory: OpenLDAP's slapd in the guest, Debian's
nslcd with libnss-ldapd and libpam-ldapd, and pam_mkhomedir
(directory-overlay). The accounts exist in the directory only.

An LDAP user logs on at a physical station's login screen (seatmux-greeter,
typed at over QMP) and another over RDP: each session is theirs (uid, a
logind session on the right seat) in a home made at that first logon from
/etc/skel. A wrong password and an account the directory has locked
(ppolicy's pwdAccountLockedTime) are refused at both (over RDP, the
connection gets the login screen instead). [rdp] group is a directory
group: a local account outside it is refused with its right password,
given to the client or typed at the RDP login screen. Looking accounts up
through the directory never holds seatmuxd's loop; with nslcd stopped
(lookups hang), a restart of seatmuxd takes both users' sessions back,
their accounts read from its state file, and a directory user's session
that ends is started again once the directory answers, the loop never
waiting on it meanwhile.
"""

import re
import tempfile
import time

from harness import dev
from stations import (attempt, check_logind_session, check_loop_never_waited, rdp_login_screen,
                      scenario, seat_color)

TIMEOUT = 420
DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-mouse-pci", id="mouse0", addr=0x0c, display="head0"),
]
STATION1 = "0x1f,0x14,0x1e,0x14,0x17,0x18,0x31,0x02,0x1c"     # s t a t i o n 1 Enter
USERS = {"ldappupil1": (5001, "pupil1pass"), "ldappupil2": (5002, "pupil2pass"),
         "ldaplocked": (5003, "lockedpass")}


def seatmuxd_log(m):
    return m.run("journalctl -t seatmuxd -o cat")[1]


def home(m, user):
    """'uid mode' of user's home, or '' while there is none."""
    return m.run("stat -c '%%u %%a' /home/%s 2>/dev/null" % user)[1].strip()


def asked(m, user, n, timeout=60):
    """Waits until seat0's greeter has asked user for a password n times."""
    return attempt(lambda: m.wait_until(
        "[ $(grep -c 'asks %s: Password:' /run/seat0.session.log) -ge %d ]" % (user, n),
        timeout, interval=0.5))


def greeter_logon(m, user, password):
    """Types user and password at seat0's greeter, as a pupil would."""
    before = m.run("grep -c 'asks %s: Password:' /run/seat0.session.log" % user)[1].strip()
    m.send_keys("kbd0", list(user) + ["ret"], hold=0.04)
    asked(m, user, int(before) + 1 if before.isdigit() else 1)
    m.send_keys("kbd0", list(password) + ["ret"], hold=0.04)


def greeter_back(m, user, n):
    """Once seat0's greeter asks user again (the n-th time), goes back to
    an empty user name: Escape cancels the logon, a second one clears the
    name."""
    asked(m, user, n)
    m.send_key("kbd0", "esc")
    time.sleep(1.5)
    m.send_key("kbd0", "esc")


def check_lookups(t, m):
    rc, out = m.run("getent passwd ldappupil1; grep -c '^ldappupil1:' /etc/passwd")
    t.check("a directory account resolves through NSS (nslcd) and is in no local file",
            out.startswith("ldappupil1:x:5001:5000:ldappupil1:/home/ldappupil1:/bin/sh") and
            out.strip().endswith("0"), out)
    rc, out = m.run("for u in ldaplocked:lockedpass ldappupil1:pupil1pass; do "
                    "ldapwhoami -x -H ldap://127.0.0.1/ -e ppolicy -w ${u#*:} "
                    "-D uid=${u%%:*},ou=people,dc=seatmux,dc=test 2>&1; done")
    t.check("the directory itself refuses ldaplocked's right password: Account locked",
            "Invalid credentials (49); Account locked" in out and
            "dn:uid=ldappupil1,ou=people" in out, out)
    t.check("no directory user has a home before logging on",
            all(home(m, u) == "" for u in USERS), [home(m, u) for u in USERS])


def refused_to_login_screen(m, user, why):
    """Whether seatmuxd refused user's password logon for why, giving the
    connection its login screen instead ([rdp] greeter)."""
    return attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -Eq \"logon of '%s' from [^ ]+ refused: %s; "
        "its login screen instead\"" % (user, why), 30, interval=1))


def check_rdp(t, m, tmp):
    hv = scenario("hyperv-rdp")
    port = m.ports[3389]
    once = ["--frames", "1", "--linger", "3"]
    rc, out = hv.Client(port, "ldappupil2", "wrongpass", "640x480", tmp, once).join()
    t.check("RDP: a directory user's wrong password is refused (the login screen instead)",
            rc == 0 and refused_to_login_screen(m, "ldappupil2", "wrong user name or password"),
            "rc %r: %s" % (rc, out[-200:]))
    rc, out = hv.Client(port, "ldaplocked", USERS["ldaplocked"][1], "640x480", tmp, once).join()
    t.check("RDP: an account the directory locked is refused, its right password "
            "notwithstanding", rc == 0 and
            refused_to_login_screen(m, "ldaplocked", "wrong user name or password") and
            "session started as ldaplocked" not in seatmuxd_log(m) and
            home(m, "ldaplocked") == "", "rc %r: %s" % (rc, out[-200:]))
    # The right password of an account that may not log on: refused
    # outright, no login screen.
    rc, out = hv.Client(port, "station1", "station1", "640x480", tmp, once).join()
    t.check("RDP: a local account outside the directory's group ([rdp] group) is refused",
            rc == 2 and re.search(r"logon of 'station1' from \S+ refused: not in the allowed "
                                  r"group$", seatmuxd_log(m), re.M),
            "rc %r: %s" % (rc, out[-200:]))
    check_login_screen_group(t, m, hv, port, tmp)
    c = hv.Client(port, "ldappupil2", USERS["ldappupil2"][1], "640x480", tmp)
    rc, out = c.join()
    seat = hv.station_of(m, "ldappupil2")
    img = c.image()
    own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
    t.check("RDP: a directory user logs on and gets frames of their own session",
            rc == 0 and seat and own > 0.8, "rc %r %s %.0f%%: %s" % (rc, seat, own * 100,
                                                                  out[-200:]))
    if seat:
        check_logind_session(t, m, "ldappupil2", seat, "RDP, directory user")
    check_session_is_theirs(t, m, "ldappupil2", "RDP")


def check_login_screen_group(t, m, hv, port, tmp):
    """[rdp] group holds at the RDP login screen too: station1, whose
    password is right, typed there is refused as a wrong password is,
    and no session of theirs starts."""
    rac = scenario("rdp-any-compositor")
    c = hv.Client(port, "", "", "800x600", tmp,
                  extra=["--frames", "1", "--poke-keys", STATION1, "--linger", "120"])
    try:
        seat, log, shown = rdp_login_screen(m)
        if not t.check("RDP: a connection without credentials gets the login screen", shown,
                       seatmuxd_log(m)[-400:]):
            return
        rac.poke(c)
        asked_pw = attempt(lambda: m.wait_until("grep -q 'asks station1: Password:' %s" % log,
                                                30, interval=0.5))
        rac.poke(c)
        refused = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd -o cat | grep -q \"%s: greeter: logon of 'station1' "
            "refused: not in the allowed group\"" % seat, 60, interval=1))
        t.check("RDP login screen: station1, outside [rdp] group, is refused with the right "
                "password", asked_pw and refused and
                "station1 logged on at its login screen" not in seatmuxd_log(m),
                lambda: (m.run("tail -n 5 %s" % log)[1], seatmuxd_log(m)[-400:]))
    finally:
        c.proc.terminate()
        c.join()


def check_session_is_theirs(t, m, user, where):
    uid = USERS[user][0]
    t.check("%s: %s's home was made at the first logon, theirs, mode 0700, from /etc/skel"
            % (where, user), home(m, user) == "%d 700" % uid and
            m.run("test -f /home/%s/.profile" % user)[0] == 0, home(m, user))
    ok = attempt(lambda: m.wait_until("grep -q '^ready pid=' /home/%s/events.log" % user, 60))
    rc, pid = m.run("sed -n 's/^ready pid=\\([0-9]*\\).*/\\1/p' /home/%s/events.log | tail -n 1"
                    % user)
    rc, owner = m.run("stat -c %%u /proc/%s" % (pid.strip() or "0"))
    t.check("%s: the session's client runs as %s (uid %d)" % (where, user, uid),
            ok and owner.strip() == str(uid), (pid, owner))


def check_greeter(t, m):
    ok = attempt(lambda: m.wait_until(
        "grep -q \"shown at 800x600: station 'seat0', Keyboard: [A-Z]\" "
        "/run/seat0.session.log", 120))
    if not t.check("seat0 shows seatmux-greeter", ok,
                   lambda: m.run("tail -n 8 /run/seat0.session.log")[1]):
        return
    greeter_logon(m, "ldappupil1", "wrongpass")
    ok = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"seat0: greeter: logon of 'ldappupil1' "
        "refused\"", 30, interval=1))
    t.check("greeter: a directory user's wrong password is refused", ok,
            seatmuxd_log(m)[-400:])
    greeter_back(m, "ldappupil1", 2)
    greeter_logon(m, "ldaplocked", USERS["ldaplocked"][1])
    ok = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"seat0: greeter: logon of 'ldaplocked' "
        "refused\"", 30, interval=1))
    t.check("greeter: an account the directory locked is refused", ok and home(m, "ldaplocked")
            == "", seatmuxd_log(m)[-400:])
    greeter_back(m, "ldaplocked", 2)
    greeter_logon(m, "ldappupil1", USERS["ldappupil1"][1])
    ok = attempt(lambda: m.wait_until("grep -q '^ready pid=' /home/ldappupil1/events.log", 120))
    if not t.check("greeter: a directory user's password starts their session on seat0", ok,
                   lambda: m.run("tail -n 10 /run/seat0.session.log")[1] + seatmuxd_log(m)[-400:]):
        return
    shot = m.screendump("head0", 0)
    own = shot.fraction_near(seat_color("seat0"), 24) if shot else 0
    t.check("head0 shows their session's client", own > 0.5, "%.0f%%" % (own * 100))
    check_logind_session(t, m, "ldappupil1", "seat0", "greeter, directory user")
    check_session_is_theirs(t, m, "ldappupil1", "greeter")


def check_directory_down(t, m):
    """A directory that stops answering holds no station: seatmuxd
    restarts and takes both directory users' sessions back from its state
    file (each with its account), looking nobody up; and a directory
    user's session that ends is started again once the directory answers,
    the loop serving everyone else meanwhile."""
    pid = m.run("sed -n 's/^ready pid=\\([0-9]*\\).*/\\1/p' /home/ldappupil1/events.log "
                "| tail -n 1")[1].strip()
    # nslcd stopped: every lookup through it waits, as on a directory
    # that is slow to answer (slapd stopped, nslcd would soon fail them
    # at once instead).
    m.run("kill -STOP $(pidof nslcd)")
    try:
        rc, out = m.run("timeout 5 getent passwd ldappupil1; echo rc=$?", timeout=30)
        # Killed by timeout: 124 (coreutils) or 143, busybox's SIGTERM.
        t.check("nslcd stopped: looking a directory user up hangs",
                re.search(r"rc=(124|143)$", out.strip()), out)
        m.run("systemctl restart seatmuxd", timeout=120)
        back = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd -o cat | grep -Eq 'seat0: session pid [0-9]+ \\(uid 5001\\) "
            "taken back' && journalctl -t seatmuxd -o cat | grep -Eq "
            "'seat-rdp[0-9]+: session pid [0-9]+ \\(uid 5002\\) taken back'", 20))
        t.check("with the directory silent, a restart takes both directory users' sessions "
                "back", back and pid and m.run("kill -0 %s" % pid)[0] == 0,
                seatmuxd_log(m)[-600:])
        # ldappupil2's session ends: it is started again as its user,
        # whose account the directory does not give now.
        leader = re.findall(r"seat-rdp\d+: session pid (\d+) \(uid 5002\) taken back",
                            seatmuxd_log(m))
        before = len(re.findall(r"session started as ldappupil2,", seatmuxd_log(m)))
        if not leader:
            t.fail("a directory user's session ends with the directory silent",
                   "ldappupil2's session was not taken back")
            return
        m.run("kill -KILL %s" % leader[-1])
        time.sleep(8)
        started = len(re.findall(r"session started as ldappupil2,", seatmuxd_log(m)))
        t.check("while the directory is silent, that session waits for its account",
                started == before, seatmuxd_log(m)[-600:])
    finally:
        m.run("kill -CONT $(pidof nslcd)")
    again = attempt(lambda: m.wait_until(
        "[ $(journalctl -t seatmuxd -o cat | grep -c 'session started as ldappupil2,') -gt %d ]"
        % before, 90, interval=1))
    t.check("once the directory answers again, that session starts", again,
            seatmuxd_log(m)[-600:])
    # Only now: a callback held by a lookup is logged when it returns.
    check_loop_never_waited(t, m, "a restart and a session's start with the directory silent")


def run(t):
    tmp = tempfile.mkdtemp(prefix="directory-")
    with t.machine(devices=DEVICES, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        ok = attempt(lambda: m.wait_until(
            "systemctl is-active -q slapd nslcd && getent passwd ldappupil1 >/dev/null", 60))
        if not t.check("slapd and nslcd run in the guest", ok,
                       lambda: m.run("systemctl status slapd nslcd --no-pager | tail -n 20")[1]):
            return
        check_lookups(t, m)
        check_rdp(t, m, tmp)
        check_greeter(t, m)
        check_loop_never_waited(t, m, "looking directory users up")
        check_directory_down(t, m)
