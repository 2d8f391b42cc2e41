# SPDX-License-Identifier: MIT
"""What station scenarios share: the seat colours seatmux-testclient paints
(read from tests/clients/seat-colors.h, the one source of truth), its event
logs, and small polling helpers. Scenarios import it like harness."""

import os
import re
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SEATCLIENT = "/usr/libexec/seatmux/seatclient"
TESTCLIENT = "/usr/libexec/seatmux/seatmux-testclient"

# busybox has no pgrep: pids of a user's processes by command name.
PIDS = "ps -o pid,user,comm | awk '$2 == \"%s\" && $3 == \"%s\" { print $1 }'"


def _seat_colors():
    path = os.path.join(HERE, "..", "clients", "seat-colors.h")
    with open(path) as f:
        found = re.findall(r'X\("(seat\d+)", 0x([0-9a-fA-F]{6})\)', f.read())
    return {seat: tuple(int(hexrgb[i:i + 2], 16) for i in (0, 2, 4)) for seat, hexrgb in found}


COLOR = _seat_colors()


# Between seatmuxctl's output and its errors in ctl()'s one round trip.
CTL_ERR_MARK = "\n@@seatmuxctl-stderr@@\n"


def ctl(m, user, args, timeout=60):
    """seatmuxctl ARGS as user (root if None): (status, stdout, stderr)."""
    import shlex
    cmd = "seatmuxctl " + args
    if user:
        cmd = "su -s /bin/sh %s -c %s" % (user, shlex.quote(cmd))
    rc, out = m.run("%s 2>/run/ctl.err; rc=$?; printf '%s'; cat /run/ctl.err; exit $rc"
                    % (cmd, CTL_ERR_MARK.replace("\n", "\\n")), timeout=timeout)
    out, mark, err = out.rpartition(CTL_ERR_MARK)
    if not mark:	# killed before the mark (timeout): all of it is its output
        out, err = err, ""
    return rc, out, err.strip()


def event_log(seat):
    """Where the overlays' session commands make the client log (the
    seat's user's home: seatN runs as stationN)."""
    return "/home/station%s/events.log" % seat[len("seat"):]


def attempt(fn):
    """True if fn() returns without raising (a wait that may time out)."""
    try:
        fn()
        return True
    except Exception:
        return False


def ready_pids(m, seat):
    """pids of every 'ready' line the seat's client logged, oldest first."""
    rc, out = m.run("cat %s 2>/dev/null" % event_log(seat))
    return [int(p) for p in re.findall(r"^ready pid=(\d+)", out, re.M)]


def wait_ready(m, seat, count=1, timeout=120):
    m.wait_until("[ $(grep -c '^ready pid=' %s 2>/dev/null || echo 0) -ge %d ]"
                 % (event_log(seat), count), timeout, interval=1)


def log_lines(m, seat, prefix):
    rc, out = m.run("grep '^%s' %s 2>/dev/null" % (prefix, event_log(seat)))
    return out.splitlines()


def frame_lines(m, seat):
    rc, out = m.run("grep -c '^frame' %s 2>/dev/null || true" % event_log(seat))
    return int(out.strip() or 0)


def shows(t, shot, seat, what, others=("seat0", "seat1")):
    """Checks that the head shows `seat`'s colour over most of it and no
    other seat's colour anywhere."""
    own = shot.fraction_near(COLOR[seat], tolerance=24)
    foreign = {o: shot.fraction_near(COLOR[o], tolerance=24) for o in others if o != seat}
    return t.check(what, own > 0.6 and all(f < 0.01 for f in foreign.values()),
                   "%.0f%% %s colour, others %s" % (own * 100, seat,
                                                    {o: "%.1f%%" % (f * 100) for o, f in foreign.items()}))


def animating(t, m, head, what, gap=1.5, tries=3):
    """Some change between screendumps gap apart, in up to tries gaps (a
    loaded TCG host may leave a client without a frame for a while)."""
    a = m.screendump(head, 0)
    for _ in range(tries):
        time.sleep(gap)
        b = m.screendump(head, 0)
        if a.pixels != b.pixels:
            return t.check(what, True)
        a = b
    return t.check(what, False, "%d screendumps %.1f s apart are identical" % (tries + 1, gap))


def connector_status(m, pci, connector, value):
    """Writes the kernel's connector status override ("off", "on",
    "detect"), as when a monitor is unplugged or plugged in; connector like
    "Virtual-1", or "*" for a card with one connector. Drivers that poll
    their connectors (bochs) send the hotplug uevent themselves; virtio-gpu
    waits for the host, so the card's change event is announced with
    udevadm trigger, which is what udev would pass on."""
    m.run("for f in /sys/bus/pci/devices/%s/drm/card*/card*-%s/status; do "
          "echo %s > $f || exit 1; done; "
          "udevadm trigger --action=change /sys/bus/pci/devices/%s/drm/card*"
          % (pci, connector, value, pci), check=True)


# A callback of seatmuxd's loop that spent this long off the CPU and not
# runnable was waiting on something (a child, udev, the disk). Its time
# on the CPU, and runnable but not run (a guest busy with a udev storm, a
# descheduled vCPU), is not held against it: under TCG a batch of udev
# events has held the loop for 1.8 s, nearly all of it on the CPU as the
# guest counts it.
LOOP_WAIT_MS = 500


def loop_stalls(m):
    """The ms spent waiting (off the CPU, not runnable) by each callback
    seatmuxd logged as having held its loop."""
    out = m.run("journalctl -t seatmuxd | grep 'held the loop' || true")[1]
    return [int(x) for x in re.findall(r"held the loop for \d+ ms, \d+ of them off the CPU "
                                       r"\((\d+) waiting", out)]


def check_loop_never_waited(t, m, what):
    """Checks that no callback of seatmuxd's loop so far waited (udev,
    children): what names what the scenario did meanwhile."""
    stalls = loop_stalls(m)
    return t.check("%s kept seatmuxd's loop waiting in no callback" % what,
                   all(ms < LOOP_WAIT_MS for ms in stalls),
                   "ms waiting of callbacks of 250 ms or more: %s" % stalls)


def picture_counts(m, seat):
    """seatmuxd's pictures of seat so far (its debug lines): (given again
    unread, read anew, read anew as its helper said it changed)."""
    rc, out = m.run("journalctl -t seatmuxd -o cat | grep -E 'screenshot: %s( |:)'" % seat)
    return (out.count("its last picture again"), out.count("a new picture"),
            out.count("changed since its last picture"))


def seat_color(seat):
    """The colour seatmux-testclient paints for any seat name, as
    tests/clients/pattern.c picks it: the table, else FNV-1a into it."""
    if seat in COLOR:
        return COLOR[seat]
    h = 0x811c9dc5
    for c in seat.encode():
        h = ((h ^ c) * 0x01000193) & 0xffffffff
    palette = [COLOR["seat%d" % i] for i in range(len(COLOR))]
    return palette[h % len(palette)]


def scenario(name):
    """Another scenario's module, for what it defines (devices, clients)."""
    import importlib.util
    path = os.path.join(HERE, "scenarios", name + ".py")
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def rdp_login_screen(m, timeout=90):
    """The newest RDP login screen (an 800x600 client's): its seat (None
    if none came within timeout), its session log, and whether its
    greeter shows with its keyboard (typing before that would be lost)."""
    came = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd -o cat | grep -Eq 'seat-rdp[0-9]+: a login screen for'",
        timeout, interval=1))
    found = re.findall(r"(seat-rdp\d+): a login screen for",
                       m.run("journalctl -t seatmuxd -o cat")[1])
    if not came or not found:
        return None, "/dev/null", False
    seat = found[-1]
    log = "/run/%s.session.log" % seat
    shown = attempt(lambda: m.wait_until(
        "grep -q \"shown at 800x600: station '%s', Keyboard: [A-Z]\" %s" % (seat, log), timeout,
        interval=1))
    return seat, log, shown


def logind_sessions(m):
    """logind's sessions, {user: {property: value}} (loginctl, with the
    properties a seat's session is registered with)."""
    rc, out = m.run("loginctl list-sessions --no-legend 2>&1")
    found = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3 or not fields[0].isalnum():
            continue
        rc, props = m.run("loginctl show-session %s -p Id -p Seat -p Class -p Type -p State "
                          "-p Service -p Leader -p Remote -p Scope -p Active" % fields[0])
        found[fields[2]] = dict(p.split("=", 1) for p in props.splitlines() if "=" in p)
    return found


def check_logind_session(t, m, user, seat, what):
    """user's session is logind's on seat: registered by pam_systemd
    (service seatmux), a wayland user session, active, whose scope holds
    the session's processes."""
    s = logind_sessions(m).get(user, {})
    ok = (s.get("Seat") == seat and s.get("Class") == "user" and s.get("Type") == "wayland"
          and s.get("State") == "active" and s.get("Service") == "seatmux")
    t.check("%s: loginctl shows %s's session on %s (user, wayland, active, service seatmux)"
            % (what, user, seat), ok, s or m.run("loginctl list-sessions; journalctl -b "
                                                 "-u systemd-logind --no-pager | tail -5")[1])
    return s
