# SPDX-License-Identifier: MIT
"""Sessions that follow their user across stations of different kinds.

seat1 is a physical station (a virtio GPU, keyboard and mouse) whose login
screen is seatmux-greeter; the session it starts is the test client under
seatmux-compositor (roaming-overlay). station1 logs on there, then
disconnects (seatmuxctl disconnect, as that user): the session goes on
without the station, held by a dark virtual head, and the station shows
its greeter again. station1 then connects over RDP: the same session
(the same client process) comes to the RDP client's frames. Back at the
physical station's greeter, station1's logon brings the session back to
the head, its keyboard with it, and the RDP connection ends. An RDP
connection without credentials gets a login screen; station1's logon
typed there takes the connection to the session, in use at the head,
instead of starting one (the login screen's station ends). With
roaming = refuse, a logon elsewhere while the session is in use is
refused. At a USB/IP zero client's greeter (tests/usbip's emulator,
plain USB/IP, typed at through its HID keyboard), station1 logs on while
udev holds events and seatmuxd restarts: the move under way is undone
(the zero client back at its greeter, the session at the head). Then
station1's logon there brings
the session, in use at the head, to the zero client: its udl head shows
the client, its keyboard types into it, and the physical station shows
its greeter; a logon back at the head takes the session home and the
zero client's devices go back to a seat and greeter of their own. The
session's processes are the same throughout, logind keeps it on its
seat, and nobody else may disconnect it. Then station1 brings the
session to the zero client again and logs off there: each station's
devices are its own seat's again, each with its greeter. Last, seat0,
the console's seat (a keyboard of its own, devices without an ID_SEAT):
station1's session there, with its VT, takes seat1's devices when
station1 logs on at seat1, while seat0's own go to seat0-away and its
greeter; an RDP logon then takes the session to a station made for
seat0, seat1's devices going home; station1's logon at seat0-away brings
seat0's devices home to it and ends the connection.
"""

import os
import re
import shutil
import tempfile
import time

from harness import dev
from stations import (COLOR, attempt, check_logind_session, check_loop_never_waited, ctl,
                      log_lines, logind_sessions, rdp_login_screen, ready_pids, scenario,
                      wait_ready)

TIMEOUT = 480
DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=800, yres=600),
    dev("virtio-gpu-pci", id="head1", addr=0x09, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head1"),
    dev("virtio-mouse-pci", id="mouse1", addr=0x0d, display="head1"),
]
GREETER_BACKGROUND = (0x20, 0x30, 0x40)     # greeter/draw.h's
# seat1's greeter showing, ready for typing (its log's line).
SEAT1_GREETER = "shown at 800x600: station 'seat1', Keyboard: English (US)"
SEAT0_GREETER = "shown at 800x600: station 'seat0', Keyboard: English (US)"
KEY_A = 30
KEY_LEFTSHIFT = 42
# "station1" and Enter as the RDP client types them (scancodes).
STATION1 = "0x1f,0x14,0x1e,0x14,0x17,0x18,0x31,0x02,0x1c"
# HID usages the emulator's keyboard sends (USB HID usage tables, 0x07).
HID = {"s": 0x16, "t": 0x17, "a": 0x04, "i": 0x0c, "o": 0x12, "n": 0x11, "1": 0x1e,
       "\n": 0x28}


def journal(m):
    return m.run("journalctl -t seatmuxd -o cat")[1]


def times_asked(m, seat="seat1"):
    """How many times seat's greeter (wherever its devices are) asked
    station1 for a password."""
    return int(m.run("grep -c 'asks station1: Password:' /run/%s.session.log" % seat)[1]
               .strip() or 0)


def greeter_asks(m, n, timeout=60, seat="seat1"):
    """Waits until seat's greeter has asked station1 for a password n times."""
    return attempt(lambda: m.wait_until(
        "[ $(grep -c 'asks station1: Password:' /run/%s.session.log) -ge %d ]" % (seat, n),
        timeout, interval=0.5))


def greeter_ready(m, n, timeout=90, seat="seat1"):
    """Whether the n-th greeter the station ran shows, with the station's
    name and its keyboard (typing before that would be lost)."""
    shown = SEAT1_GREETER if seat == "seat1" else SEAT0_GREETER
    return attempt(lambda: m.wait_until(
        "[ $(grep -c \"%s\" /run/%s.session.log) -ge %d ]" % (shown, seat, n), timeout,
        interval=1))


def greeter_logon(m, n, seat="seat1"):
    """Types station1's name and password at a physical station's greeter
    (seat1's, or seat0's), as a pupil would; n: how many times it asked
    before."""
    kbd = "kbd" + seat[len("seat"):]
    m.send_keys(kbd, list("station1") + ["ret"], hold=0.04)
    greeter_asks(m, n + 1, seat=seat)
    m.send_keys(kbd, list("station1") + ["ret"], hold=0.04)


def head_shows(m, rgb, fraction=0.5, tries=30, head="head1"):
    """Whether the head shows mostly rgb, within tries seconds."""
    frac = 0
    for _ in range(tries):
        shot = m.screendump(head, 0)
        frac = shot.fraction_near(rgb, 24) if shot else 0
        if frac > fraction:
            return True, frac
        time.sleep(1)
    return False, frac


def alive(m, pid):
    return m.run("kill -0 %d" % pid)[0] == 0


def same_session(m, pid, comp):
    """Whether station1's session is the one it was: its client (the
    newest to say ready) and its compositor, both alive."""
    return alive(m, pid) and compositor_pid(m) == comp and ready_pids(m, "seat1")[-1] == pid


def processes(m, pid, comp):
    """What same_session looked at, for a failure's report."""
    return (pid, comp, compositor_pid(m), ready_pids(m, "seat1"))


def key_reaches_session(m, press, timeout=30):
    """Whether the A key that press() types reaches station1's client."""
    before = len(log_lines(m, "seat1", "key key=%d state=pressed" % KEY_A))
    press()
    return attempt(lambda: m.wait_until(
        "[ $(grep -c '^key key=%d state=pressed' /home/station1/events.log) -gt %d ]"
        % (KEY_A, before), timeout, interval=0.5))


def compositor_pid(m):
    rc, out = m.run("ps -o pid,user,comm | awk '$2 == \"station1\" && "
                    "$3 ~ /^seatmux-compos/ { print $1 }'")
    pids = [int(p) for p in out.split() if p.isdigit()]
    return pids[0] if len(pids) == 1 else None


def logind_seats(m):
    return m.run("loginctl list-seats --no-legend")[1].split()


def log_on_at_head(t, m):
    if not t.check("seat1 shows its greeter, with the station's name", greeter_ready(m, 1),
                   lambda: m.run("tail -n 5 /run/seat1.session.log")[1]):
        return None
    greeter_logon(m, 0)
    ok = attempt(lambda: wait_ready(m, "seat1", timeout=120))
    shown, frac = head_shows(m, COLOR["seat1"])
    if not t.check("station1 logs on at seat1's greeter: its session draws on head1",
                   ok and shown, lambda: "%.0f%%: %s" % (frac * 100, journal(m)[-600:])):
        return None
    check_logind_session(t, m, "station1", "seat1", "at the head")
    return ready_pids(m, "seat1")[-1], compositor_pid(m)


def disconnect(t, m, pid, comp):
    rc, out, err = ctl(m, "station2", "disconnect seat1")
    t.check("another user may not disconnect station1's session, and it stays",
            rc != 0 and "not authorized" in err and "disconnects" not in journal(m),
            lambda: (rc, err, journal(m)[-400:]))
    rc, out, err = ctl(m, "station1", "disconnect seat1")
    t.check("station1 disconnects their own session (seatmuxctl disconnect)", rc == 0, err)
    moved = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"seat1: station1's session is at its rdp "
        "station now\"", 60, interval=1))
    shown, frac = head_shows(m, GREETER_BACKGROUND, tries=60)
    t.check("the physical station shows its greeter again, on a seat of its own, named for it",
            moved and shown and "seat1-away" in logind_seats(m) and greeter_ready(m, 2),
            lambda: "%s %.0f%% %s: %s %s" % (moved, frac * 100, logind_seats(m), m.run(
                "cat /run/udev/rules.d/73-seatmux-zz-roam.rules")[1], journal(m)[-600:]))
    # What is typed at the station now is the greeter's, not the session's.
    before = len(log_lines(m, "seat1", "key key=%d " % KEY_LEFTSHIFT))
    m.send_keys("kbd1", ["shift"], hold=0.05)
    time.sleep(3)
    t.check("the station's keyboard no longer reaches the session",
            len(log_lines(m, "seat1", "key key=%d " % KEY_LEFTSHIFT)) == before,
            lambda: log_lines(m, "seat1", "key")[-3:])
    t.check("the session goes on meanwhile: the same client and compositor",
            same_session(m, pid, comp),
            processes(m, pid, comp))
    s = logind_sessions(m).get("station1", {})
    t.check("logind keeps it on seat1, which has the session's virtual head now",
            s.get("Seat") == "seat1" and "seat1" in logind_seats(m), (s, logind_seats(m)))
    rc, out, err = ctl(m, "station1", "disconnect seat1")
    t.check("disconnecting it again says it is disconnected already",
            rc != 0 and "disconnected already" in err, err)
    # seatmuxd restarts while the session waits: the station made for it,
    # and where the station's devices went, are taken back.
    m.run("systemctl restart seatmuxd", timeout=60)
    up = attempt(lambda: m.wait_until("systemctl is-active -q seatmuxd", 60, interval=1))
    taken = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"rdp: seat1, station1's station (card[0-9]*), "
        "taken back\"", 30, interval=1))
    t.check("a restart of seatmuxd keeps the waiting session, held for its user",
            up and taken and alive(m, pid) and compositor_pid(m) == comp and
            "seat1-away" in logind_seats(m), lambda: journal(m)[-800:])


def over_rdp(t, m, tmp, pid, comp):
    hv = scenario("hyperv-rdp")
    c = hv.Client(m.ports[3389], "station1", "station1", "640x480", tmp,
                  ["--frames", "40", "--linger", "2"])
    rc, out = c.join()
    img = c.image()
    own = img.fraction_near(COLOR["seat1"], 24) if img else 0
    t.check("over RDP, station1 finds the session: the RDP client's frames are its client's",
            rc == 0 and own > 0.8, "rc %r %.0f%%: %s" % (rc, own * 100, out[-300:]))
    t.check("the same processes: no new session, the same client and compositor",
            same_session(m, pid, comp) and
            len(re.findall(r"session started as station1\b", journal(m))) == 1,
            processes(m, pid, comp))
    t.check("seatmuxd gave the session no station of its own over RDP (seat-rdpN)",
            not re.search(r"station1 logged on from .*: seat-rdp", journal(m)), lambda: journal(m)[-600:])


def back_at_head(t, m, tmp, pid, comp):
    # A client connected when the user comes back to the head loses the
    # session to it (roaming = take-over, the default).
    hv = scenario("hyperv-rdp")
    c = hv.Client(m.ports[3389], "station1", "station1", "640x480", tmp,
                  ["--frames", "100000", "--timeout", "150"], lifetime=150)
    connected = attempt(lambda: m.wait_until(
        "[ $(journalctl -t seatmuxd -o cat | grep -c 'station1 logged on from') -ge 2 ]", 60,
        interval=1))
    n = times_asked(m)
    greeter_logon(m, n)
    shown, frac = head_shows(m, COLOR["seat1"], tries=60)
    t.check("station1 logs on at the physical greeter: the session is back on head1",
            connected and shown, lambda: "%s %.0f%%: %s" % (connected, frac * 100, journal(m)[-800:]))
    rc, out = c.join()
    # Ended by seatmuxd, not killed by the test at the end of its life.
    t.check("and the RDP connection that had it ends", rc is not None and rc >= 0 and
            "station goes (the session has another station)" in journal(m), (rc, out[-300:]))
    t.check("still the same processes",
            same_session(m, pid, comp),
            processes(m, pid, comp))
    ok = key_reaches_session(m, lambda: m.send_keys("kbd1", ["a"], hold=0.05))
    t.check("the station's keyboard reaches the session again", ok,
            lambda: log_lines(m, "seat1", "key")[-3:])
    check_logind_session(t, m, "station1", "seat1", "back at the head")
    t.check("the greeter's seat for the station's devices is gone",
            attempt(lambda: m.wait_until("! loginctl list-seats --no-legend | grep -q away", 30,
                                         interval=1)), logind_seats(m))


def usbip_type(emu, text):
    emu.cmd("key " + " ".join(str(HID[c]) for c in text))


def zero_client_logon(m, emu):
    """Types station1's name and password at desk1's greeter; whether it
    asked for the password in between."""
    n = int(m.run("grep -c 'asks station1: Password:' /run/seat-desk1.session.log")[1].strip()
            or 0)
    usbip_type(emu, "station1\n")
    asked = attempt(lambda: m.wait_until(
        "[ $(grep -c 'asks station1: Password:' /run/seat-desk1.session.log) -gt %d ]" % n, 60,
        interval=0.5))
    usbip_type(emu, "station1\n")
    return asked


def restart_mid_move(t, m, usb, emu, pid):
    """seatmuxd restarts while the zero client's devices are on their way
    to the session (udev holds its events meanwhile): they go back to the
    zero client's own seat, and the session stays at the head."""
    shown = attempt(lambda: m.wait_until(
        "grep -q \"shown at .*station 'seat-desk1'\" /run/seat-desk1.session.log", 120,
        interval=1))
    m.run("udevadm control --stop-exec-queue", check=True)
    try:
        zero_client_logon(m, emu)
        moving = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd -o cat | grep -q \"seat1: station1's session waits for its "
            "usbip station\"", 60, interval=0.5))
        m.run("systemctl restart --no-block seatmuxd")
        back = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd -o cat | grep -q \"seat-desk1's devices were on their way "
            "when the last seatmuxd went: back to seat-desk1\"", 60, interval=0.5))
    finally:
        m.run("udevadm control --start-exec-queue")
    up = attempt(lambda: m.wait_until("systemctl is-active -q seatmuxd", 60, interval=1))
    got = usb.wait_color(emu, None, 90, rgb=GREETER_BACKGROUND)
    at_head, frac = head_shows(m, COLOR["seat1"], tries=30)
    t.check("seatmuxd restarted while the zero client's devices were on their way: they go "
            "back to its greeter, and the session stays at the head with its own station",
            shown and moving and back and up and got >= 0.5 and at_head and alive(m, pid) and
            "seat1-away" not in logind_seats(m),
            lambda: "%s %s %s %s %.0f%% %.0f%% %s: %s" % (shown, moving, back, up, got * 100, frac * 100,
                                                 logind_seats(m), journal(m)[-800:]))


def at_zero_client(t, m, usb, emu, pid, comp):
    """station1, whose session is at head1, logs on at desk1's greeter."""
    up = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q 'usbip: desk1 is up'", 120, interval=1))
    shown = attempt(lambda: m.wait_until(
        "grep -q \"shown at .*station 'seat-desk1'\" /run/seat-desk1.session.log", 120,
        interval=1))
    got = usb.wait_color(emu, None, 60, rgb=GREETER_BACKGROUND)
    if not t.check("the USB/IP zero client desk1 shows its own greeter on its udl head",
                   up and shown and got >= 0.5, lambda: "%s %s %.0f%%: %s" % (
                       up, shown, got * 100,
                       m.run("tail -n 5 /run/seat-desk1.session.log")[1])):
        return False
    asked = zero_client_logon(m, emu)
    moved = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"seat1: station1's session is at its usbip "
        "station now\"", 90, interval=1))
    got = usb.wait_color(emu, "seat1", 90)
    t.check("station1 logs on at the zero client: the session in use at head1 comes to its "
            "udl head (take-over)", asked and moved and got >= 0.5,
            lambda: "%s %s %.0f%%: %s" % (asked, moved, got * 100, journal(m)[-800:]))
    t.check("the same processes: the same client and compositor, no new session",
            same_session(m, pid, comp) and
            len(re.findall(r"session started as station1\b", journal(m))) == 1,
            processes(m, pid, comp))
    shown, frac = head_shows(m, GREETER_BACKGROUND, tries=60)
    t.check("and the physical station shows its greeter, on a seat of its own",
            shown and "seat1-away" in logind_seats(m),
            "%.0f%% %s" % (frac * 100, logind_seats(m)))
    ok = key_reaches_session(m, lambda: usbip_type(emu, "a"))
    t.check("the zero client's keyboard types into the session", ok,
            lambda: log_lines(m, "seat1", "key")[-3:])
    check_logind_session(t, m, "station1", "seat1", "at the zero client")
    return True


def home_from_zero_client(t, m, usb, emu, pid, comp):
    """station1 logs on at the head again: the session comes home and the
    zero client's devices go back to its own seat and greeter."""
    n = times_asked(m)
    greeter_logon(m, n)
    shown, frac = head_shows(m, COLOR["seat1"], tries=60)
    t.check("station1 logs on at head1's greeter: the session is back on head1",
            shown and alive(m, pid) and compositor_pid(m) == comp,
            lambda: "%.0f%%: %s" % (frac * 100, journal(m)[-800:]))
    got = usb.wait_color(emu, None, 90, rgb=GREETER_BACKGROUND)
    seats = logind_seats(m)
    t.check("and the zero client shows its greeter again, on its own seat",
            got >= 0.5 and "seat-desk1" in seats and "seat1-away" not in seats,
            lambda: "%.0f%% %s: %s" % (got * 100, seats, m.run(
                "cat /run/udev/rules.d/73-seatmux-zz-roam.rules")[1]))


def login_screen_over_rdp(t, m, tmp, pid, comp):
    """No credentials: the login screen, where station1 logs on while
    their session is at head1: the connection goes to that session."""
    hv, rac = scenario("hyperv-rdp"), scenario("rdp-any-compositor")
    c = hv.Client(m.ports[3389], "", "", "800x600", tmp,
                  ["--frames", "1", "--poke-keys", STATION1, "--linger", "200"], lifetime=200)
    try:
        seat, log, shown = rdp_login_screen(m)
        if not t.check("an RDP connection without credentials gets a login screen", shown,
                       lambda: journal(m)[-400:]):
            return
        rac.poke(c)
        asked = attempt(lambda: m.wait_until("grep -q 'asks station1: Password:' %s" % log, 30,
                                             interval=0.5))
        rac.poke(c)
        went = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd -o cat | grep -q '%s: station1 logged on at its login "
            "screen: the connection goes to their session on seat1'" % seat, 60, interval=1))
        drawn = went and rac.peek_until(
            c, lambda img: img.fraction_near(COLOR["seat1"], 24) > 0.8, 90)
        t.check("station1's logon there takes the connection to the session in use at head1: "
                "the client shows it", asked and drawn, lambda: "%s %s %s: %s" % (
                    asked, went, drawn, journal(m)[-800:]))
        t.check("the same processes, and no session started at the login screen's station",
                same_session(m, pid, comp) and
                len(re.findall(r"session started as station1\b", journal(m))) == 1,
                processes(m, pid, comp))
        shown, frac = head_shows(m, GREETER_BACKGROUND, tries=60)
        t.check("head1 shows its greeter, and the login screen's station ends",
                shown and attempt(lambda: m.wait_until(
                    "journalctl -t seatmuxd -o cat | grep -q '%s: its login screen, with nobody "
                    "connected, ended'" % seat, 30, interval=1)),
                lambda: "%.0f%%: %s" % (frac * 100, journal(m)[-600:]))
    finally:
        c.proc.terminate()
        c.join()
    # What follows wants the session at the head again.
    n = times_asked(m)
    greeter_logon(m, n)
    shown, frac = head_shows(m, COLOR["seat1"], tries=60)
    t.check("and station1's logon at head1 brings it back there", shown and alive(m, pid),
            lambda: "%.0f%%: %s" % (frac * 100, journal(m)[-400:]))


def refused(t, m, tmp, pid):
    """roaming = refuse (read again on SIGHUP): a logon over RDP while the
    session is in use at the head is refused, and the session stays."""
    m.run("sed -i 's/^log-level = debug$/&\\nroaming = refuse/' /etc/seatmux/seatmux.conf && "
          "kill -HUP $(systemctl show -p MainPID --value seatmuxd)")
    read = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q 'roaming follow it'", 30, interval=1))
    hv = scenario("hyperv-rdp")
    rc, out = hv.Client(m.ports[3389], "station1", "station1", "640x480", tmp,
                        ["--frames", "1", "--linger", "2"]).join()
    t.check("roaming = refuse: station1's RDP logon is refused while the head has the session",
            read and rc != 0 and "roaming = refuse" in journal(m) and
            re.search(r"logon of 'station1' from \S+ refused: your session is in use at another "
                      r"station", journal(m)), lambda: (rc, out[-300:], journal(m)[-400:]))
    shown, frac = head_shows(m, COLOR["seat1"], tries=5)
    t.check("and the session stays at the head, the same client", shown and alive(m, pid) and
            ready_pids(m, "seat1")[-1] == pid, "%.0f%%" % (frac * 100))
    # take-over again for what follows
    m.run("sed -i '/^roaming = refuse$/d' /etc/seatmux/seatmux.conf && "
          "kill -HUP $(systemctl show -p MainPID --value seatmuxd)")
    attempt(lambda: m.wait_until(
        "[ $(journalctl -t seatmuxd -o cat | grep -c 'roaming follow it') -ge 2 ]", 30,
        interval=1))


def log_off_at_zero_client(t, m, usb, emu, pid):
    """station1 brings the session to the zero client once more and logs
    off there: each station is its own seat again, with its own greeter."""
    zero_client_logon(m, emu)
    moved = attempt(lambda: m.wait_until(
        "[ $(journalctl -t seatmuxd -o cat | grep -c \"seat1: station1's session is at its usbip "
        "station now\") -ge 2 ]", 90, interval=1))
    got = usb.wait_color(emu, "seat1", 90)
    if not t.check("station1 brings the session to the zero client again", moved and got >= 0.5,
                   lambda: "%s %.0f%%: %s" % (moved, got * 100, journal(m)[-600:])):
        return
    greeters = int(m.run("grep -c \"%s\" /run/seat1.session.log" % SEAT1_GREETER)[1].strip()
                   or 0)
    rc, out, err = ctl(m, None, "logoff seat1")
    got = usb.wait_color(emu, None, 90, rgb=GREETER_BACKGROUND)
    home = attempt(lambda: m.wait_until(
        "loginctl list-seats --no-legend | grep -qw seat-desk1 && "
        "loginctl list-seats --no-legend | grep -qw seat1 && "
        "! loginctl list-seats --no-legend | grep -q away", 60, interval=1))
    t.check("logged off there, the session ends and the zero client shows its greeter on its "
            "own seat", rc == 0 and got >= 0.5 and home and not alive(m, pid),
            lambda: "rc %d %s %.0f%% %s: %s" % (rc, err, got * 100, logind_seats(m), journal(m)[-600:]))
    t.check("and the physical station's devices are seat1's again, its greeter there",
            greeter_ready(m, greeters + 1) and head_shows(m, GREETER_BACKGROUND, tries=30)[0],
            lambda: m.run("tail -n 5 /run/seat1.session.log; cat "
                  "/run/udev/rules.d/73-seatmux-zz-roam.rules 2>&1")[1])


KBD0_EVENT = "/dev/input/by-path/pci-0000:00:0a.0-event-kbd"
KBD1_EVENT = "/dev/input/by-path/pci-0000:00:0b.0-event-kbd"


def power_keys(m):
    """Whether logind watches kbd0 and kbd1 for a power key now (udev's
    current power-switch tag). The image has no ACPI button driver: the
    power button's own rule goes untested here."""
    return tuple(m.run("udevadm info -q property -n %s | grep -q '^CURRENT_TAGS=.*:power-switch:'"
                       % node)[0] == 0 for node in (KBD0_EVENT, KBD1_EVENT))


def seat0_roams(t, m, tmp):
    """seat0, the console's seat, is a station like the others: a session
    there (with the VT seatmuxd keeps in graphics mode) takes seat1's
    devices, and seat0's own devices, whose home 73-seatmux-zy-seat0-home
    gives them, go to a seat of their own and back."""
    if not t.check("seat0 shows its greeter, with the station's name",
                   greeter_ready(m, 1, seat="seat0"),
                   lambda: m.run("tail -n 5 /run/seat0.session.log")[1]):
        return
    # seat0's card and keyboard; the RDP stations' evdi cards, which
    # passed through seat0 (no ID_SEAT) before their rules claimed them.
    homes = m.run(
        "home() { udevadm info -q property -p \"$1\" | sed -n 's/^SEATMUX_HOME_SEAT=//p'; }; "
        "echo card0=$(home /class/drm/card0) "
        "kbd0=$(home $(dirname $(udevadm info -q path -n %s))); "
        "for c in /sys/devices/platform/evdi.*/drm/card*; do echo evdi=$(home ${c#/sys}); done"
        % KBD0_EVENT)[1].split()
    t.check("seat0's own card and keyboard have seat0 as their home, evdi cards none",
            homes[:2] == ["card0=seat0", "kbd0=seat0"] and len(homes) > 2 and
            all(h == "evdi=" for h in homes[2:]), homes)
    before = len(ready_pids(m, "seat1"))
    greeter_logon(m, times_asked(m, "seat0"), seat="seat0")
    ok = attempt(lambda: wait_ready(m, "seat1", count=before + 1, timeout=120))
    shown, frac = head_shows(m, COLOR["seat0"], head="head0")
    if not t.check("station1 logs on at seat0's greeter: its session draws on head0",
                   ok and shown, lambda: "%.0f%%: %s" % (frac * 100, journal(m)[-600:])):
        return
    check_logind_session(t, m, "station1", "seat0", "at seat0, with its VT")
    t.check_eq("power keys: seat0's keyboard is the machine's, seat1's a pupil's",
               power_keys(m), (True, False))
    pid, comp = ready_pids(m, "seat1")[-1], compositor_pid(m)
    greeter_logon(m, times_asked(m))
    moved = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"seat0: station1's session is at its physical "
        "station now\"", 90, interval=1))
    shown, frac = head_shows(m, COLOR["seat0"], tries=60)
    t.check("station1 logs on at seat1: the session at seat0 comes to head1 (take-over)",
            moved and shown, lambda: "%s %.0f%%: %s" % (moved, frac * 100, journal(m)[-800:]))
    away, frac = head_shows(m, GREETER_BACKGROUND, tries=60, head="head0")
    t.check("and seat0's own devices go to a seat of their own, seat0-away, with seat0's "
            "greeter", away and "seat0-away" in logind_seats(m) and
            greeter_ready(m, 2, seat="seat0"),
            lambda: "%.0f%% %s: %s" % (frac * 100, logind_seats(m), m.run(
                "cat /run/udev/rules.d/73-seatmux-zz-roam.rules")[1]))
    t.check("the same processes: no new session",
            same_session(m, pid, comp),
            processes(m, pid, comp))
    ok = key_reaches_session(m, lambda: m.send_keys("kbd1", ["a"], hold=0.05))
    t.check("seat1's keyboard types into the session at seat0", ok,
            lambda: log_lines(m, "seat1", "key")[-3:])
    check_logind_session(t, m, "station1", "seat0", "seat1's devices at seat0")
    t.check_eq("seat1's keyboard at seat0 is still a pupil's (no power key), seat0's at "
               "seat0-away too", power_keys(m), (False, False))
    # Over RDP: a station made for seat0 (its evdi card passes through
    # seat0 unclaimed, then its rule seats it there).
    hv = scenario("hyperv-rdp")
    # Its 40th frame dumped, it lingers until seatmuxd ends it (exit 2).
    c = hv.Client(m.ports[3389], "station1", "station1", "640x480", tmp,
                  ["--frames", "40", "--linger", "150", "--timeout", "150"], lifetime=150)
    moved = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -q \"seat0: station1's session is at its rdp "
        "station now\"", 90, interval=1))
    back = attempt(lambda: m.wait_until(
        "loginctl list-seats --no-legend | grep -qw seat1 && "
        "! loginctl list-seats --no-legend | grep -q seat1-away", 60, interval=1))
    t.check("over RDP, station1 takes the session at seat0 to the client, and seat1's "
            "devices go back to a seat and greeter of their own", moved and back and
            head_shows(m, GREETER_BACKGROUND, tries=60)[0] and alive(m, pid),
            lambda: "%s %s %s: %s" % (moved, back, logind_seats(m), journal(m)[-800:]))
    greeter_logon(m, times_asked(m, "seat0"), seat="seat0")
    home, frac = head_shows(m, COLOR["seat0"], tries=60, head="head0")
    rc, out = c.join()
    img = c.image()
    own = img.fraction_near(COLOR["seat0"], 24) if img else 0
    t.check("the RDP client showed the session until station1's logon at seat0-away took it "
            "home to head0, with seat0's own devices", home and own > 0.8 and
            rc == 2 and "disconnected" in out and alive(m, pid) and compositor_pid(m) == comp and
            attempt(lambda: m.wait_until(
                "! loginctl list-seats --no-legend | grep -q away", 60, interval=1)),
            lambda: "%.0f%% %.0f%% rc %r %s: %s" % (frac * 100, own * 100, rc, logind_seats(m),
                                           journal(m)[-800:]))
    ok = key_reaches_session(m, lambda: m.send_keys("kbd0", ["a"], hold=0.05))
    t.check("seat0's keyboard types into it again", ok, lambda: log_lines(m, "seat1", "key")[-3:])
    t.check_eq("home again, seat0's keyboard is the machine's again", power_keys(m),
               (True, False))


def run(t):
    tmp = tempfile.mkdtemp(prefix="roaming-")
    usb = scenario("usbip-station")
    emu = usb.Emulator(tmp, "desk1")
    try:
        with t.machine(devices=DEVICES, hostfwd=[3389], guestfwd={3240: emu.port},
                       memory=2048) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            found = log_on_at_head(t, m)
            if not found:
                return
            pid, comp = found
            t.check("one compositor of station1's runs", comp is not None,
                    lambda: m.run("ps -o pid,user,comm")[1])
            disconnect(t, m, pid, comp)
            over_rdp(t, m, tmp, pid, comp)
            back_at_head(t, m, tmp, pid, comp)
            login_screen_over_rdp(t, m, tmp, pid, comp)
            refused(t, m, tmp, pid)
            restart_mid_move(t, m, usb, emu, pid)
            if at_zero_client(t, m, usb, emu, pid, comp):
                home_from_zero_client(t, m, usb, emu, pid, comp)
                log_off_at_zero_client(t, m, usb, emu, pid)
            seat0_roams(t, m, tmp)
            check_loop_never_waited(t, m, "moving a session between stations")
            t.check_sanitizers(m)
    finally:
        emu.stop()
        if os.path.exists(emu.log):
            shutil.copy(emu.log, t.artifacts)
