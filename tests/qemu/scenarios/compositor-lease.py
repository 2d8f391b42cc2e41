# SPDX-License-Identifier: MIT
"""seatmux-compositor on DRM leases: one GPU, two stations.

The card and rules of one-gpu-two-seats (its second connector is seat1's),
with seatmux-compositor and the test client on both seats, and a keyboard
and a mouse per seat. Debian's cage cannot run on a lease (wlroots 0.15
reopens the card by path); ours uses the lease fd it gets from seatmuxd.
Input stays on its seat; unplugging seat0's monitor (the connector's
sysfs status, which the kernel turns into a real hotplug event) revokes
seat0's lease while seat1 draws on, and plugging it back gives seat0's
new session a new lease. A restart and a SIGKILL of seatmuxd keep both
leases (its master fd on the card is kept in systemd's store): the same
compositors draw on and read their own keys, and the revocation above
runs on the leases the restarted seatmuxd took back. A lease the card
still has after a crash but no client record claims is revoked (the
kernel then leases its holder nothing); a state file of a future version
makes seatmuxd start afresh, saying why, with new sessions.

Then the screens the broker draws, on leased connectors: seat1 blocked
shows the block on connector 2 while seat0 animates on connector 1 of
the same card, its name over the block and the block again after, keys
typed at seat1 meanwhile never arrive, and unblocked
seat1's compositor draws on its lease again and gets its keys; seat0
(the card's own seat, whose head is a lease too) shows its name on
connector 1 alone; seat1 projected on seat0 is read from connector 2
alone; a screenshot of each seat is its own connector's picture.
"""

import re
import time

from harness import dev
from stations import (COLOR, attempt, connector_status, event_log, log_lines, scenario, shows,
                      wait_ready)

TIMEOUT = 540
OVERLAYS = ["one-gpu-two-seats-overlay", "compositor-lease-overlay"]

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, max_outputs=2, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0", head=0),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head0", head=1),
    dev("virtio-mouse-pci", id="mouse0", addr=0x0c, display="head0", head=0),
    dev("virtio-mouse-pci", id="mouse1", addr=0x0d, display="head0", head=1),
]


def leases(m):
    return int(m.run("journalctl -t seatmuxd | grep -c 'a lease of its connectors'")[1].strip() or 0)


def count(m, seat, pattern):
    rc, out = m.run("grep -c '%s' %s 2>/dev/null || true" % (pattern, event_log(seat)))
    return int(out.strip() or 0)


def changing(m, head):
    """Whether the head's picture moves within 6 s. One look 1.5 s on
    could miss it: the bar crosses and comes back, and a compositor the
    guest holds up under TCG draws nothing for a while; a head that is
    still for 6 s is still."""
    a = m.screendump("head0", head)
    for _ in range(4):
        time.sleep(1.5)
        if a.pixels != m.screendump("head0", head).pixels:
            return True
    return False


def ready_pids(m):
    return [log_lines(m, seat, "ready pid=") for seat in ("seat0", "seat1")]


def main_pid(m):
    return m.run("systemctl show -p MainPID --value seatmuxd")[1].strip()


def until(m, head, test, timeout=30):
    """Screendumps of connector `head` until test(shot) holds."""
    end = time.time() + timeout
    while True:
        if test(m.screendump("head0", head)):
            return True
        if time.time() > end:
            return False
        time.sleep(1)


def near(seat, fraction=0.6):
    return lambda shot: shot.fraction_near(COLOR[seat], tolerance=24) > fraction


def screenshot_of(m, seat):
    """seatmuxctl screenshot of seat: the Image, or the error text."""
    from harness import Image
    import base64
    rc, out = m.run("seatmuxctl screenshot %s /tmp/shot.png 2>&1" % seat)
    if rc != 0:
        return out.strip()
    data = base64.b64decode(m.run("base64 /tmp/shot.png; rm -f /tmp/shot.png")[1])
    return Image.from_png(data)


def lease_screens(t, m):
    """The broker's screens on the two leases of card0 (docstring)."""
    screens = scenario("_room_screens")
    diag = "journalctl -t seatmuxd | tail -n 12; tail -n 4 /run/seat*.session.log"
    rc, out = m.run("seatmuxctl --message 'Pens down' block seat1 2>&1")
    ok = rc == 0 and until(m, 1, screens.showing("block"))
    t.check("seat1 blocked: its leased connector shows the block screen", ok,
            lambda: out + m.run(diag)[1])
    t.check("while seat0, on the same card, animates on", changing(m, 0))
    shows(t, m.screendump("head0", 0), "seat0", "and connector 1 still shows seat0's client")
    # One painter after another on the blocked lease: each waits for the
    # last to be gone, which takes its framebuffers with it.
    rc, out = m.run("seatmuxctl identify seat1 2>&1")
    ok = rc == 0 and until(m, 1, screens.showing("identify"))
    t.check("the blocked lease shows its name over the block", ok, lambda: out + m.run(diag)[1])
    t.check("and the block again after", until(m, 1, screens.showing("block"), 40),
            lambda: m.run(diag)[1])
    typed = count(m, "seat1", "^key key=46 state=pressed")
    m.send_key("kbd1", "c")
    time.sleep(3)
    t.check("keys typed at the blocked station do not reach its session",
            count(m, "seat1", "^key key=46 state=pressed") == typed)
    rc, out = m.run("seatmuxctl unblock seat1 2>&1")
    ok = rc == 0 and until(m, 1, near("seat1"))
    t.check("unblocked, seat1's compositor draws on its lease again", ok, lambda: out + m.run(diag)[1])
    m.send_key("kbd1", "d")
    ok = attempt(lambda: m.wait_until("grep -q '^key key=32 state=pressed' %s"
                                      % event_log("seat1"), 20))
    t.check("and gets its keys, none typed while it was blocked",
            ok and count(m, "seat1", "^key key=46 state=pressed") == typed)

    rc, out = m.run("seatmuxctl identify seat0 2>&1")
    ok = rc == 0 and until(m, 0, screens.showing("identify"))
    t.check("seat0, the card's own seat, shows its name on connector 1", ok, lambda: out + m.run(diag)[1])
    shows(t, m.screendump("head0", 1), "seat1", "and connector 2 keeps seat1's client")
    t.check("seat0 draws again once its name has shown", until(m, 0, near("seat0"), 60))

    rc, out = m.run("seatmuxctl project seat1 seat0 2>&1")
    ok = rc == 0 and until(m, 0, near("seat1", 0.5))
    t.check("seat1 projected on seat0: connector 1 shows what connector 2 shows", ok,
            lambda: out + m.run(diag)[1])
    rc, out = m.run("seatmuxctl unproject seat1 2>&1")
    t.check("unprojected, seat0 draws on its own lease again",
            rc == 0 and until(m, 0, near("seat0")), lambda: out + m.run(diag)[1])

    for seat, other in (("seat0", "seat1"), ("seat1", "seat0")):
        img = screenshot_of(m, seat)
        ok = not isinstance(img, str) and near(seat)(img) and \
            img.fraction_near(COLOR[other], tolerance=24) < 0.01
        t.check("a screenshot of %s is its own connector's picture" % seat, ok,
                img if isinstance(img, str) else
                "%.0f%% own colour" % (img.fraction_near(COLOR[seat], tolerance=24) * 100))


def restart_keeps_leases(t, m, name, command):
    pids, old = ready_pids(m), main_pid(m)
    m.run(command)
    ok = attempt(lambda: m.wait_until(
        "p=$(systemctl show -p MainPID --value seatmuxd); [ \"$p\" != 0 ] && [ \"$p\" != %s ] "
        "&& systemctl is-active -q seatmuxd" % old, 60, interval=0.5))
    ok = ok and attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd | grep -c 'DRM master and 2 lease(s) taken back' | "
        "grep -qx %d" % (1 + ("SIGKILL" in name)), 30))
    if not t.check("%s: seatmuxd takes back its master fd and both leases" % name, ok,
                   lambda: m.run("journalctl -t seatmuxd | tail -n 12")[1]):
        return
    time.sleep(2)
    t.check("%s: both sessions kept, not restarted" % name, ready_pids(m) == pids,
            (pids, ready_pids(m)))
    t.check("%s: connector 1 still animates" % name, changing(m, 0))
    t.check("%s: connector 2 still animates" % name, changing(m, 1))
    before = count(m, "seat0", "^key key=19 ")
    m.send_key("kbd0", "r")
    ok = attempt(lambda: m.wait_until("[ $(grep -c '^key key=19 state=pressed' %s) -gt %d ]"
                                      % (event_log("seat0"), before // 2), 20))
    t.check("%s: seat0's keys still reach seat0's compositor, not seat1's" % name,
            ok and count(m, "seat1", "^key key=19 ") == 0)


def compositor_pid(m, user):
    return m.run("ps -o pid,user,comm | awk '$2 == \"%s\" && $3 ~ /^seatmux-compos/ "
                 "{ print $1 }' | head -n 1" % user)[1].strip()


def leased_objects(m, pid):
    """What the kernel leases to pid now: the objects of each lease it
    holds (tests/tools/lease-objects)."""
    out = m.run("/usr/libexec/seatmux/lease-objects %s" % pid)[1]
    return [int(n) for n in re.findall(r"^fd \d+: (\d+) objects$", out, re.M)]


def forgotten_lease(t, m):
    """A lease seatmuxd takes back from the card after a crash but that no
    client of its records claims (the record of seat1's lease lost) is
    revoked: no process keeps a connector seatmuxd does not know it gave."""
    pid, old = compositor_pid(m, "station1"), main_pid(m)
    held = leased_objects(m, pid) if pid else []
    if not t.check("seat1's compositor holds a lease of its connector (the kernel says)",
                   any(n > 0 for n in held), "pid %r: %s" % (pid, held)):
        return
    # Stopped, so that it writes nothing more; the record of the lease fd
    # it handed seat1 taken out; then killed: systemd starts it again.
    m.run("kill -STOP %s && awk '!($1 == \"device\" && $2 == \"seat1\" && $7 != \"0\")' "
          "/run/seatmux/state >/run/seatmux/state.new && mv /run/seatmux/state.new "
          "/run/seatmux/state; kill -KILL %s" % (old, old))
    ok = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd | grep -q 'was taken back by no client: revoked'", 60))
    t.check("restarted without the record, seatmuxd revokes the lease nobody claims", ok,
            lambda: m.run("journalctl -t seatmuxd | tail -n 12")[1])
    held = leased_objects(m, pid)
    t.check("the kernel leases seat1's old compositor nothing any more",
            ok and not any(n > 0 for n in held), held)
    t.check("seat0's lease was not touched",
            any(n > 0 for n in leased_objects(m, compositor_pid(m, "station0"))) and
            changing(m, 0))


def unreadable_state(t, m):
    """A state file of another version: seatmuxd starts afresh, says why,
    and every seat gets a new session."""
    before, old = ready_pids(m), main_pid(m)
    m.run("kill -STOP %s && printf 'seatmux-state 99\\n' >/run/seatmux/state; kill -KILL %s"
          % (old, old))
    ok = attempt(lambda: m.wait_until(
        "p=$(systemctl show -p MainPID --value seatmuxd); [ \"$p\" != 0 ] && [ \"$p\" != %s ] "
        "&& systemctl is-active -q seatmuxd" % old, 60, interval=0.5))
    said = m.run("journalctl -t seatmuxd | grep 'restart: .*a version this seatmuxd "
                 "does not know.*: starting afresh' | tail -n 1")[1]
    t.check("a state file of a future version: seatmuxd starts afresh and says why",
            ok and said.strip() != "", lambda: m.run("journalctl -t seatmuxd | tail -n 10")[1])
    ok = attempt(lambda: (wait_ready(m, "seat0", count=len(before[0]) + 1, timeout=90),
                          wait_ready(m, "seat1", count=len(before[1]) + 1, timeout=90)))
    t.check("and both seats get new sessions, drawing on their connectors",
            ok and until(m, 0, lambda img: img.fraction_near(COLOR["seat0"], tolerance=24) > 0.5)
            and until(m, 1, lambda img: img.fraction_near(COLOR["seat1"], tolerance=24) > 0.5),
            lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        ok = attempt(lambda: (wait_ready(m, "seat0", timeout=90), wait_ready(m, "seat1", timeout=90)))
        if not t.check("a compositor runs on each seat's lease", ok,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 8; tail -n 5 /run/seat*.session.log")[1]):
            return
        t.check("both compositors got leases of the one card", leases(m) == 2, leases(m))
        time.sleep(2)
        shows(t, m.screendump("head0", 0), "seat0", "connector 1 shows seat0's client")
        shows(t, m.screendump("head0", 1), "seat1", "connector 2 shows seat1's client")
        t.check("connector 1 animates", changing(m, 0))

        # Input isolation, as in two-stations, on one card.
        m.send_key("kbd1", "a")
        ok = attempt(lambda: m.wait_until("grep -q '^key key=30 state=pressed' %s"
                                          % event_log("seat1"), 20))
        t.check("seat1's keyboard reaches seat1's client", ok)
        t.check("and not seat0's", count(m, "seat0", "^key key=") == 0)
        m.send_key("kbd0", "b")
        ok = attempt(lambda: m.wait_until("grep -q '^key key=48 state=pressed' %s"
                                          % event_log("seat0"), 20))
        t.check("seat0's keyboard reaches seat0's client, not seat1's",
                ok and count(m, "seat1", "^key key=48") == 0)
        for _ in range(3):
            m.move_rel("mouse1", 25, 15)
        ok = attempt(lambda: m.wait_until("grep -q '^motion' %s" % event_log("seat1"), 20))
        t.check("seat1's mouse moves seat1's pointer only",
                ok and count(m, "seat0", "^motion") == 0,
                lambda: m.run("grep -v '^frame' %s | tail -n 3" % event_log("seat1"))[1])

        restart_keeps_leases(t, m, "restart", "systemctl restart seatmuxd")
        restart_keeps_leases(t, m, "SIGKILL",
                             "kill -KILL $(systemctl show -p MainPID --value seatmuxd)")

        # seat0's monitor goes away: its lease is revoked, seat1 draws on.
        connector_status(m, "0000:00:08.0", "Virtual-1", "off")
        ok = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd | grep -q 'disconnected, revoking'", 30))
        t.check("unplugging seat0's monitor revokes seat0's lease", ok,
                lambda: m.run("journalctl -t seatmuxd | tail -n 6; tail -n 5 /run/seat*.session.log; "
                      "ps -o pid,user,vsz,rss,comm; cat /sys/class/drm/card0-Virtual-1/status")[1])
        t.check("seat1 keeps drawing on the same card", changing(m, 1))
        before = leases(m)
        connector_status(m, "0000:00:08.0", "Virtual-1", "detect")
        ok = attempt(lambda: wait_ready(m, "seat0", count=2, timeout=90))
        t.check("plugged back, seat0's new session runs with a new lease",
                ok and leases(m) > before,
                lambda: m.run("tail -n 4 /run/seat0.session.log; journalctl -t seatmuxd | tail -n 4")[1])
        time.sleep(2)
        shows(t, m.screendump("head0", 0), "seat0", "connector 1 shows seat0's client again")
        revoked = re.findall(r".*seat1.*revok.*", m.run("journalctl -t seatmuxd")[1])
        t.check("and seat1's lease was never touched", not revoked, revoked)
        t.check("and seat1 still animates", changing(m, 1))
        lease_screens(t, m)
        forgotten_lease(t, m)
        unreadable_state(t, m)
