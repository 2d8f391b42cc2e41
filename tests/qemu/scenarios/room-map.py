# SPDX-License-Identifier: MIT
"""Mapping stations by key press, and the mapping kept across a reboot.

Two virtio GPUs: head0 is seat0's, with kbd0 and mouse0; head1 makes seat1
(a udev rule for its card only) and has no keyboard. A USB hub hangs off
the xHCI controller, empty. /etc/udev/rules.d is on a disk
(room-map-rules.service), as on an installed system.

- `seatmuxctl map`: a teacher is refused; root gets head1's letter, A,
  shown large on head1 in the mapping colour while head0 carries on. Keys
  typed on kbd0 (a free keyboard: udev named no seat for it) are the
  broker's while mapping, not seat0's session's. Blocking seat1 meanwhile
  is a clear error. `map stop` gives everything back.
- A USB keyboard plugged into the hub (QMP device_add) offers mapping by
  itself: head1 shows A again, kbd0 stays seat0's. B typed on the new
  keyboard does nothing; A gives the hub to seat1 with loginctl's rule in
  /etc/udev/rules.d, seat1's session starts with the keyboard and gets
  its keys.
- Console mode (`seatmuxctl mode console`, administrators only): seat0
  takes every head and keyboard (seat1 goes, seat0's session starts again
  and opens head1 and the hub's keyboard), kept as a udev rule.
- The guest reboots (cleanly) with the keyboard still on the hub: still in
  console mode, seat0 has it all; back in station mode, seat1's session
  comes up with the hub's keyboard, and nothing offers mapping again.
- A USB sound card and a USB stick sit on the hub too after the reboot:
  with the hub, they are seat1's (udev's ID_SEAT), and logind gives the
  sound card to seat1's user (uaccess): station1 can open it, station0,
  at seat0, cannot; udisks2 mounts the stick for station1 from its
  session without a password and refuses station0.
"""

import json
import os
import re
import subprocess
import time

from harness import dev
from stations import COLOR, attempt, check_loop_never_waited, ctl, event_log, ready_pids, shows, wait_ready

TIMEOUT = 600
TEACHER = "station22"
KEY_X = 45

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=800, yres=600),
    dev("virtio-gpu-pci", id="head1", addr=0x09, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-mouse-pci", id="mouse0", addr=0x0c, display="head0"),
    dev("usb-hub", id="hub1", bus="usb0.0", port="1"),
]
# Where the keyboard goes on the hub: its second boot finds it there.
KBDH = dict(driver="usb-kbd", id="kbdh", bus="usb0.0", port="1.1", display="head1")
# A station's other USB devices, on the hub from the second boot on.
AUDIOH = dict(driver="usb-audio", id="audioh", bus="usb0.0", port="1.2", audiodev="au0")
STICKH = dict(driver="usb-storage", id="stickh", bus="usb0.0", port="1.3", drive="stick",
              removable=True)
HUB_ID = "usb-pci-0000_00_1f_0-usb-0_1"
RULE = "/etc/udev/rules.d/72-seat-%s.rules" % HUB_ID
RULE_TEXT = 'TAG=="seat", ENV{ID_FOR_SEAT}=="%s", ENV{ID_SEAT}="seat1"' % HUB_ID
CONSOLE_RULE = "/etc/udev/rules.d/72-zz-seatmux-console.rules"


def screens():
    from stations import scenario
    return scenario("_room_screens")


def hub_args(stick):
    """The sound card's (silent) backend and the stick's image."""
    return ["-audiodev", "none,id=au0",
            "-drive", "file=%s,format=raw,if=none,id=stick" % stick]


def opens(m, user, path):
    """Whether user can open path for reading (0), or the shell's error."""
    rc, out = m.run("su -s /bin/sh %s -c 'exec 3<%s' 2>&1" % (user, path))
    return rc == 0, out.strip()


def check_hub_devices(t, m):
    """The hub's sound card and stick follow it to seat1; logind's ACL
    gives the card to seat1's user only."""
    card = m.run("ls /dev/snd 2>/dev/null | grep -m1 '^controlC'")[1].strip()
    disk = m.run("for d in /sys/block/sd*; do [ -e \"$d\" ] && echo ${d##*/}; done | head -n 1")[1]
    disk = disk.strip()
    seat_of = lambda node: m.run("udevadm info -q property -n %s | sed -n 's/^ID_SEAT=//p'"
                                 % node)[1].strip() or "seat0"
    t.check("the hub's sound card and stick are seat1's, with the hub",
            card and disk and seat_of("/dev/snd/" + card) == "seat1" and
            seat_of("/dev/" + disk) == "seat1",
            lambda: m.run("ls -l /dev/snd /sys/block; journalctl -k | grep -iE 'usb|snd|sd ' | tail -n 8")[1])
    if not card:
        return
    ok1 = attempt(lambda: m.wait_until("su -s /bin/sh station1 -c 'exec 3</dev/snd/%s'" % card,
                                       30, interval=1))
    ok0, why0 = opens(m, "station0", "/dev/snd/" + card)
    t.check("logind gives the sound card to seat1's user (uaccess): station1 opens it, "
            "station0 (at seat0) cannot", ok1 and not ok0 and "denied" in why0,
            lambda: (why0, m.run("ls -l /dev/snd/%s; loginctl seat-status seat1 | head -n 20" % card)[1]))
    if disk:
        check_stick_mount(t, m, "/dev/" + disk)


def in_session(m, seat, user, command):
    """command, run as user from inside seat's session (its scope, as a
    program the user started there), so that polkit sees that session."""
    pids = ready_pids(m, seat)
    return m.run("cg=$(sed -n 's/^0:://p' /proc/%d/cgroup) && echo $$ >/sys/fs/cgroup$cg/cgroup.procs "
                 "&& su -s /bin/sh %s -c '%s' 2>&1" % (pids[-1] if pids else 0, user, command),
                 timeout=60)


def check_stick_mount(t, m, node):
    """udisks2 (D-Bus, polkit) mounts the stick on seat1's hub for seat1's
    user, without asking: it is on their seat. station0, at seat0, would
    need an administrator (udisks' filesystem-mount-other-seat)."""
    mount = "udisksctl mount -b %s --no-user-interaction" % node
    rc0, out0 = in_session(m, "seat0", "station0", mount)
    t.check("udisks2 refuses station0 (at seat0) the stick on seat1's hub",
            rc0 != 0 and "Not authorized" in out0 and
            m.run("grep -q '^%s ' /proc/mounts" % node)[0] != 0, out0)
    rc1, out1 = in_session(m, "seat1", "station1", mount)
    t.check("and mounts it for station1, whose seat it is on (its own session, no password)",
            rc1 == 0 and "at /media/station1/PUPILSTICK" in out1 and
            m.run("grep -q '^%s /media/station1/PUPILSTICK ' /proc/mounts" % node)[0] == 0,
            lambda: (out1, m.run("journalctl -u udisks2 -u polkit --no-pager | tail -n 6")[1]))
    rc, out = in_session(m, "seat1", "station1", "udisksctl unmount -b %s --no-user-interaction"
                         % node)
    t.check("station1 unmounts it again", rc == 0, out)


def disk_args(path):
    return ["-drive", "file=%s,format=raw,if=none,id=rules" % path,
            "-device", "virtio-blk-pci,drive=rules,addr=0x10"]


def make_disk(path):
    """An empty ext4 filesystem: the guest's /etc/udev/rules.d."""
    with open(path, "wb") as f:
        f.truncate(16 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "rules", path], check=True)


def key_count(m, seat, code):
    rc, out = m.run("grep -c '^key key=%d state=pressed' %s 2>/dev/null || true"
                    % (code, event_log(seat)))
    return int(out.strip() or 0)


def x_reaches(m, seat, kbd, timeout=15):
    """Whether an x typed on kbd shows in seat's client within timeout."""
    before = key_count(m, seat, KEY_X)
    m.send_key(kbd, "x")
    return attempt(lambda: m.wait_until(
        "[ $(grep -c '^key key=%d state=pressed' %s) -gt %d ]" % (KEY_X, event_log(seat), before),
        timeout))


def mapping_shown(shot):
    return screens().showing("map")(shot)


def journal(m, pattern, n=10):
    return m.run("journalctl -t seatmuxd -o cat | grep -E '%s' | tail -n %d" % (pattern, n))[1]


def check_explicit_map(t, m):
    rc, out, err = ctl(m, TEACHER, "map")
    t.check("a teacher may not map: 'not authorized: org.seatmux.administer'",
            rc == 1 and "not authorized: org.seatmux.administer" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, None, "map")
    t.check("root maps: head1, the one head without a keyboard, gets A",
            rc == 0 and out.splitlines()[:1] == ["seat1 shows A"] and "1 head waits" in out,
            "rc %d: %r %r" % (rc, out, err))
    t.check("head1 shows its letter, large, in the mapping colour",
            screens().until(m, "head1", mapping_shown, timeout=40),
            lambda: journal(m, "map|screen"))
    shows(t, m.screendump("head0", 0), "seat0", "head0 still shows seat0's session")
    t.check("kbd0 (no seat named for it: free) types to the broker, not seat0's session",
            not x_reaches(m, "seat0", "kbd0", timeout=8), lambda: journal(m, "map"))
    rc, out, err = ctl(m, None, "block seat1")
    t.check("blocking seat1 while it is mapped: a clear error, exit 1",
            rc == 1 and "'seat1' is being mapped" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, None, "map")
    t.check("map again while mapping: the same letter", rc == 0 and "seat1 shows A" in out,
            "rc %d: %r %r" % (rc, out, err))
    rc, out, err = ctl(m, None, "map stop")
    t.check("map stop", rc == 0, "rc %d: %r" % (rc, err))
    t.check("head1 no longer shows a letter",
            screens().until(m, "head1", lambda s: not mapping_shown(s), timeout=30))
    t.check("kbd0 types into seat0's session again", x_reaches(m, "seat0", "kbd0"),
            lambda: journal(m, "map"))
    rc, out, err = ctl(m, None, "map stop")
    t.check("map stop with nothing mapped: a clear error",
            rc == 1 and err == "seatmuxctl: map stop: no station is being mapped",
            "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, None, "map now")
    t.check("map with a stray word: a usage error, exit 2",
            rc == 2 and "map takes nothing or stop" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, None, "--timeout 0 map")
    t.check("a mapping of 0 seconds: a usage error", rc == 2, "rc %d: %r" % (rc, err))


def check_plugged_keyboard(t, m):
    m.device_add(**KBDH)
    t.check("a keyboard plugged into the hub offers mapping: head1 shows A",
            screens().until(m, "head1", mapping_shown, timeout=60),
            lambda: journal(m, "map: |USB Keyboard") +
            m.run("dmesg | grep -iE 'usb|input' | tail -n 8")[1])
    t.check("kbd0 is not taken by an offer: seat0's session gets its keys",
            x_reaches(m, "seat0", "kbd0"), lambda: journal(m, "map"))
    m.send_key("kbdh", "b")
    time.sleep(3)
    t.check("B, no head's letter, maps nothing",
            m.run("ls /etc/udev/rules.d/72-seat-*.rules 2>/dev/null")[1].strip() == "" and
            mapping_shown(m.screendump("head1", 0)), lambda: journal(m, "map"))
    m.send_key("kbdh", "a")
    ok = attempt(lambda: m.wait_until("test -s %s" % RULE, 30))
    text = m.run("cat %s" % RULE)[1].strip()
    t.check("A gives the hub to seat1: loginctl's rule in its file",
            ok and text == RULE_TEXT, lambda: "%r %s" % (text, journal(m, "map|attach")))
    ok = attempt(lambda: wait_ready(m, "seat1", timeout=120))
    t.check("seat1's session starts with the keyboard", ok,
            lambda: journal(m, "seat1|map", 15) + m.run("tail -n 5 /run/seat1.session.log")[1])
    if ok:
        time.sleep(2)
        shows(t, m.screendump("head1", 0), "seat1", "head1 shows seat1's session")
        t.check("the keyboard's keys reach seat1's session", x_reaches(m, "seat1", "kbdh"))
    rc, out, err = ctl(m, None, "station-status seat1")
    t.check("station-status lists seat1's devices: its head, connector with mode, keyboard",
            rc == 0 and re.search(r"Devices: /dev/dri/card1 \(head: 1 connectors: "
                                  r"Virtual-\d\(connected\)\)", out) and
            re.search(r"card1-Virtual-\d \(connector: connector Virtual-\d "
                      r"\(connected, 800x600\)\)", out) and
            '(input: keyboard "QEMU QEMU USB Keyboard")' in out, "rc %d: %s %r" % (rc, out, err))
    rc, out, err = ctl(m, None, "--json station-status seat1")
    try:
        devs = json.loads(out).get("devices", [])
    except ValueError:
        devs = []
    t.check("and as JSON", rc == 0 and
            any(d["node"] == "/dev/dri/card1" and d["kind"] == "head" for d in devs) and
            any(d["kind"] == "input" and "USB Keyboard" in d["description"] for d in devs), out)
    t.check("mapping ended: no head waits",
            "map: no head waits for a keyboard" in journal(m, "map: "), lambda: journal(m, "map"))


def stations(m):
    rc, out, err = ctl(m, None, "list-stations")
    return sorted(l.split()[0] for l in out.splitlines()[1:] if l.strip() and
                  not l.endswith("listed."))


def card1_seat(m):
    return m.run("udevadm info -q property /dev/dri/card1 | grep ^ID_SEAT=")[1].strip()


def seat0_has_card1(m, since):
    """seat0's session (started after `since` lines of the journal) was
    handed head1's card."""
    out = m.run("journalctl -t seatmuxd -o cat | tail -n +%d | "
                "grep -c 'seat0: /dev/dri/card1 handed to pid' || true" % (since + 1))[1]
    return int(out.strip() or 0) > 0


def journal_lines(m):
    return int(m.run("journalctl -t seatmuxd -o cat | wc -l")[1].strip() or 0)


def check_console_mode(t, m):
    rc, out, err = ctl(m, None, "mode")
    t.check("the room is in station mode", rc == 0 and out.strip() == "station",
            "rc %d: %r %r" % (rc, out, err))
    rc, out, err = ctl(m, TEACHER, "mode console")
    t.check("a teacher may not switch modes",
            rc == 1 and "not authorized: org.seatmux.administer" in err, "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, None, "mode kiosk")
    t.check("a mode that is none: a usage error", rc == 2 and "station or console" in err,
            "rc %d: %r" % (rc, err))
    rc, out, err = ctl(m, None, "block seat1")
    rc2, out2, err2 = ctl(m, None, "mode console")
    t.check("console mode is refused while a station it would take away is blocked",
            rc == 0 and rc2 == 1 and "'seat1' is blocked: unblock it before console mode" in err2,
            "rc %d %d: %r %r" % (rc, rc2, err, err2))
    rc, out, err = ctl(m, None, "unblock seat1")
    since, ready0 = journal_lines(m), len(ready_pids(m, "seat0"))
    m.run("busctl monitor --system "
          "--match \"type='signal',path_namespace='/org/seatmux/Manager1'\" "
          ">/run/monitor.log 2>&1 &")
    time.sleep(1)
    rc, out, err = ctl(m, None, "mode console")
    t.check("console mode", rc == 0 and out.strip() == "console", "rc %d: %r %r" % (rc, out, err))
    t.check("kept as a udev rule", m.run("test -s " + CONSOLE_RULE)[0] == 0)
    ok = attempt(lambda: m.wait_until(
        "[ \"$(seatmuxctl list-stations | awk 'NR > 1 && NF > 3 { print $1 }')\" = seat0 ]", 60))
    t.check("seat1 is gone: seat0 is the only station", ok, stations(m))
    log = m.run("pkill -f 'busctl monitor'; cat /run/monitor.log")[1]
    t.check("signalled: Mode changed, and StationRemoved for seat1",
            re.search(r'Member=PropertiesChanged[\s\S]*?STRING "Mode"', log) and
            re.search(r'Member=StationRemoved[\s\S]*?STRING "seat1"', log), log[-1500:])
    t.check("udev agrees: head1's card is seat0's", card1_seat(m) == "ID_SEAT=seat0",
            card1_seat(m))
    ok = attempt(lambda: wait_ready(m, "seat0", count=ready0 + 1, timeout=120))
    t.check("seat0's session starts again and opens head1's card",
            ok and attempt(lambda: m.wait_until(
                "journalctl -t seatmuxd -o cat | tail -n +%d | "
                "grep -q 'seat0: /dev/dri/card1 handed to pid'" % (since + 1), 60)),
            lambda: journal(m, "seat0|mode", 12))
    t.check("the hub's keyboard types into seat0's session", x_reaches(m, "seat0", "kbdh", 30),
            lambda: journal(m, "event3|seat0", 8))


def reboot(t, m):
    """A clean reboot: seatmuxd stopped (sanitizers read), filesystems
    unmounted; QEMU runs with -no-reboot, so it ends."""
    if t.failed:
        m.collect_diagnostics()     # the reboot ends the machine
    t.check_sanitizers(m)
    try:
        m.run("systemctl reboot", timeout=10)
    except Exception:
        pass
    try:
        m.proc.wait(120)
        return True
    except subprocess.TimeoutExpired:
        return False


def run(t):
    disk = os.path.join(t.artifacts, "rules-disk.img")
    make_disk(disk)
    with t.machine(devices=DEVICES, extra_args=disk_args(disk)) as m:
        m.wait_agent(timeout=90)
        ok = attempt(lambda: wait_ready(m, "seat0", timeout=120))
        if not t.check("seat0's session runs", ok, lambda: journal(m, ".", 10)):
            return
        t.check("/etc/udev/rules.d is the disk's",
                m.run("grep -q ' /etc/udev/rules.d ext4 ' /proc/mounts")[0] == 0,
                lambda: m.run("cat /proc/mounts; systemctl status room-map-rules")[1])
        check_explicit_map(t, m)
        check_plugged_keyboard(t, m)
        check_console_mode(t, m)
        check_loop_never_waited(t, m, "mapping, a rule written, console and station mode")
        if not t.check("the guest reboots cleanly", reboot(t, m)):
            return
    stick = os.path.join(t.artifacts, "stick.img")
    with open(stick, "wb") as f:
        f.truncate(8 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "PUPILSTICK", stick], check=True)
    with t.machine(name="after-reboot", devices=DEVICES + [dev(**KBDH), dev(**AUDIOH),
                                                           dev(**STICKH)],
                   extra_args=disk_args(disk) + hub_args(stick)) as m:
        m.wait_agent(timeout=90)
        t.check("after the reboot the rule is still there",
                m.run("cat %s" % RULE)[1].strip() == RULE_TEXT, lambda: m.run("ls -l /etc/udev/rules.d")[1])
        ok = attempt(lambda: wait_ready(m, "seat0", timeout=150))
        rc, out, err = ctl(m, None, "mode")
        t.check("after the reboot the room is still in console mode",
                ok and out.strip() == "console" and stations(m) == ["seat0"],
                "%r %r %s" % (out, err, stations(m)))
        t.check("seat0's session has head1's card and the hub's keyboard",
                seat0_has_card1(m, 0) and x_reaches(m, "seat0", "kbdh", 30),
                lambda: journal(m, "seat0", 12))
        since = journal_lines(m)
        rc, out, err = ctl(m, None, "mode station")
        t.check("station mode again", rc == 0 and out.strip() == "station" and
                m.run("test -e " + CONSOLE_RULE)[0] != 0, "rc %d: %r %r" % (rc, out, err))
        ok = attempt(lambda: wait_ready(m, "seat1", timeout=150))
        t.check("seat1's session runs with the hub's keyboard, as mapped", ok,
                lambda: journal(m, "seat1|event", 15))
        if ok:
            t.check("and gets its keys", x_reaches(m, "seat1", "kbdh", 30))
        # seat0's session restarts on the heads it has left; a key typed
        # before its new compositor holds the keyboard reaches nobody.
        ok = attempt(lambda: wait_ready(m, "seat0", count=2, timeout=120))
        t.check("seat0's session started again without head1's card",
                ok and not seat0_has_card1(m, since), lambda: journal(m, "seat0", 12))
        if ok:
            t.check("and kbd0's keys still go to seat0", x_reaches(m, "seat0", "kbd0", 30))
        check_hub_devices(t, m)
        check_loop_never_waited(t, m, "station mode after the reboot")
        t.check("nothing offers mapping after the reboot",
                "map: " not in journal(m, "map: "), lambda: journal(m, "map"))
