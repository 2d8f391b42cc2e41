# SPDX-License-Identifier: MIT
"""seatmuxd restarted, SIGKILLed and crashed (SIGSEGV) under a full room.

One machine with every kind of station: two physical stations
(two-stations' virtio heads, keyboards and udev rules; cage with the test
client), two RDP stations (our FreeRDP client on the host) and one USB/IP
station (tests/usbip's emulator behind the station agent, TLS, reached by
guestfwd). Users: station0 and station1 on the heads, station2 over RDP
kept connected through the whole run, station3 over RDP connecting anew
after every round, station4 on the USB/IP station. Each types its own key.

Three rounds: `systemctl restart seatmuxd`, SIGKILL of its main pid (systemd
restarts it), SIGSEGV likewise; the README's test command runs the first
and the last (a crash), `tools/soak.sh restart` all three. After each, with a new seatmuxd running:
every session leader and every test client is the same process (pid and
start time) in the same scope, no session was started again, every station
still draws and takes its own keys only (the heads by screendumps and QEMU's
keyboards, the connected RDP client by the frames and keys of a client
poked with SIGUSR1, the reconnecting one by reaching the same session, the
USB/IP station by the emulator's decoded frames and its keyboard), and a
seat's socket still refuses another seat's user and another seat's devices.
Afterwards seat1's session is ended: the devices its user held through the
broker are revoked and no process of that user outside the seat's new
session holds its nodes. seatmuxd exited abnormally only as made to.

The deliberate SIGSEGV would make ASan report "SEGV on unknown address";
the overlay's drop-in lets ASan read handle_segv=0 from a file that exists
only while the seatmuxd to be crashed starts (see run()), so that report is
not made, and every other sanitizer report still fails the run.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from stations import SEATCLIENT, animating, attempt, logind_sessions, scenario, seat_color, shows

TIMEOUT = 1200
OVERLAYS = ["two-stations-overlay", "broker-restart-overlay"]
DEVICES = scenario("two-stations").DEVICES
EVENT = scenario("two-stations").EVENT
SOCK = {"seat0": "/run/seatmux/seat0.sock", "seat1": "/run/seatmux/seat1.sock"}
USERS = ("station0", "station1", "station2", "station3", "station4")
# Each station's own key, as evdev codes in its client's log: a b c d e.
KEY = {"station0": 30, "station1": 48, "station2": 46, "station3": 32, "station4": 18}
QCODE = {"station0": "a", "station1": "b"}
RDP_SCANCODE = {"station2": "0x2e", "station3": "0x20"}
USB_HID_KEY = 8                     # the HID usage of e
ASAN_FILE = "/run/seatmux-test/asan-seatmuxd.opts"

ROUNDS = [
    ("restart", "systemctl restart seatmuxd"),
    ("SIGKILL", "kill -KILL $(systemctl show -p MainPID --value seatmuxd)"),
    ("SIGSEGV", "kill -SEGV $(systemctl show -p MainPID --value seatmuxd)"),
]
# How seatmuxd's abnormal exits show in systemd's log, by round.
EXIT_STATUS = {"SIGKILL": "status=9/KILL", "SIGSEGV": "status=11/SEGV"}


def rounds():
    """All three with SEATMUX_RESTART_ROUNDS=all (tools/soak.sh restart);
    else the restart and the crash."""
    if os.environ.get("SEATMUX_RESTART_ROUNDS") == "all":
        return ROUNDS
    return [r for r in ROUNDS if r[0] != "SIGKILL"]


def events_path(user):
    return "/home/%s/events.log" % user


class Lingering:
    """seatmux-rdp-client kept connected for the whole run: it types its
    keys once it has 30 frames, then lingers; SIGUSR1 makes it log its
    frame count ("poked frames=N") and type its keys again."""

    def __init__(self, client_binary, port, user, size, tmp, keys):
        self.log = os.path.join(tmp, "%s-lingering.log" % user)
        argv = [client_binary, "--host", "127.0.0.1", "--port", str(port), "--user", user,
                "--password", user, "--size", size, "--timeout", "150", "--frames", "30",
                "--act-after", "30", "--keys", keys, "--linger", str(TIMEOUT), "--log", self.log]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def text(self):
        return open(self.log).read() if os.path.exists(self.log) else ""

    def connected(self):
        return self.proc.poll() is None and "disconnected" not in self.text()

    def pokes(self):
        return [int(n) for n in re.findall(r"^poked frames=(\d+)", self.text(), re.M)]

    def poke(self, timeout=20):
        """Frames so far, or None if the client did not answer."""
        before = len(self.pokes())
        if self.proc.poll() is not None:
            return None
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.pokes()
            if len(got) > before:
                return got[-1]
            if self.proc.poll() is not None:
                return None
            time.sleep(0.2)
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


# -- the guest's state, in one round trip --

STATE = r"""
echo "main $(systemctl show -p MainPID --value seatmuxd) $(systemctl is-active seatmuxd)"
journalctl -t seatmuxd -o cat | sed -n 's/^\([^ ]*\): session started as \([^,]*\), pid \([0-9]*\).*/start \1 \2 \3/p'
for u in %s; do
    f=/home/$u/events.log
    [ -f $f ] || continue
    awk -v u=$u '
        /^ready pid=/ { sub("pid=", "", $2); print "ready", u, $2 }
        /^key key=[0-9]+ state=pressed/ { sub("key=", "", $2); k[$2]++ }
        /^frame n=/ { n++ }
        END { for (c in k) print "key", u, c, k[c]; print "frames", u, n + 0 }' $f
done
""" % " ".join(USERS)


def state(m):
    out = m.run(STATE, timeout=30)[1]
    s = {"main": None, "active": False, "starts": [], "ready": {u: [] for u in USERS},
         "keys": {u: {} for u in USERS}, "frames": {u: 0 for u in USERS}}
    for line in out.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "main" and len(f) >= 3:
            s["main"] = int(f[1]) if f[1].isdigit() else None
            s["active"] = f[2] == "active"
        elif f[0] == "start" and len(f) == 4:
            s["starts"].append((f[1], f[2], int(f[3])))
        elif f[0] == "ready" and len(f) == 3 and f[1] in s["ready"]:
            s["ready"][f[1]].append(int(f[2]))
        elif f[0] == "key" and len(f) == 4 and f[1] in s["keys"]:
            s["keys"][f[1]][int(f[2])] = int(f[3])
        elif f[0] == "frames" and len(f) == 3 and f[1] in s["frames"]:
            s["frames"][f[1]] = int(f[2])
    return s


def leaders(s):
    """user -> (seat, pid) of their latest session."""
    found = {}
    for seat, user, pid in s["starts"]:
        found[user] = (seat, pid)
    return found


def processes(m, pids):
    """pid -> (start time, cgroup) of the ones alive."""
    if not pids:
        return {}
    out = m.run("for p in %s; do [ -r /proc/$p/stat ] || continue; "
                "echo \"$p $(awk '{ print $22 }' /proc/$p/stat) $(sed -n 's/^0:://p' /proc/$p/cgroup)\"; "
                "done" % " ".join(str(p) for p in sorted(set(pids))))[1]
    alive = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[0].isdigit():
            alive[int(f[0])] = (f[1], f[2])
    return alive


def crossed_keys(s):
    """(user, key) of every key one station typed that reached another."""
    return [(u, k) for u in USERS for k in s["keys"][u]
            if k in KEY.values() and k != KEY[u]]


def wait_own_keys(m, before, timeout=40):
    """Waits until each user's own key count passed what before says."""
    cond = " && ".join(
        "[ $(grep -c '^key key=%d state=pressed' %s 2>/dev/null || echo 0) -gt %d ]"
        % (KEY[u], events_path(u), before["keys"][u].get(KEY[u], 0)) for u in USERS)
    return attempt(lambda: m.wait_until(cond, timeout, interval=1))


def wait_main(m, old, timeout=90):
    """seatmuxd active again under a main pid other than old: that pid."""
    rc, out = m.run("end=$(( $(date +%%s) + %d )); while :; do "
                    "p=$(systemctl show -p MainPID --value seatmuxd); "
                    "[ \"$p\" != 0 ] && [ \"$p\" != %d ] && systemctl is-active -q seatmuxd && "
                    "{ echo $p; exit 0; }; [ $(date +%%s) -ge $end ] && exit 1; sleep 0.5; done"
                    % (timeout, old), timeout + 10)
    return int(out.strip()) if rc == 0 and out.strip().isdigit() else None


def run(t):
    hv = scenario("hyperv-rdp")
    usb = scenario("usbip-station")
    tmp = tempfile.mkdtemp(prefix="restart-")
    desk = usb.Desk(tmp)
    emu = desk.emu
    linger = None
    try:
        with t.machine(devices=DEVICES, hostfwd=[3389], guestfwd=desk.guestfwd,
                       memory=2048) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            desk.install(m)
            linger = bring_up(t, m, hv, usb, emu, tmp)
            print("# %s: every station up %.0f s after QEMU started"
                  % (t.name, time.monotonic() - m.started_at), flush=True)
            if not linger:
                return
            hold_a = "/tmp/hold-before.out"
            m.run("%s -u station1 hold %s %s 3000 >%s 2>&1 &" % (SEATCLIENT, SOCK["seat1"],
                                                               EVENT["kbd1"], hold_a))
            t.check("station1 holds seat1's keyboard through the broker before the rounds",
                    attempt(lambda: m.wait_until("grep -q ' ok id=' %s" % hold_a, 20)),
                    lambda: m.run("cat %s" % hold_a)[1])

            done = rounds()
            for i, (name, command) in enumerate(done):
                # The seatmuxd started after this round is the one the
                # next crashes: its ASan reads handle_segv=0.
                crash_next = i + 1 < len(done) and done[i + 1][0] == "SIGSEGV"
                if crash_next:
                    m.run("mkdir -p /run/seatmux-test && echo handle_segv=0 > %s" % ASAN_FILE,
                          check=True)
                ok = one_round(t, m, hv, emu, linger, tmp, name, command)
                if crash_next:
                    m.run("rm -f %s" % ASAN_FILE, check=True)
                if not ok:
                    return

            exits = m.run("journalctl -b -u seatmuxd.service -o cat | "
                          "grep -E 'Main process exited|code=(dumped|killed)' || true")[1]
            lines = [l for l in exits.splitlines() if "Main process exited" in l]
            want = [EXIT_STATUS[n] for n, _ in done if n in EXIT_STATUS]
            t.check("seatmuxd exited abnormally only when killed on purpose (%s)" %
                    ", ".join(n for n, _ in done if n in EXIT_STATUS),
                    len(lines) == len(want) and all(w in l for w, l in zip(want, lines)),
                    exits[-600:])

            revocation(t, m, hold_a)
    finally:
        if linger:
            linger.stop()
            shutil.copy(linger.log, t.artifacts)
        desk.stop(t.artifacts)


def bring_up(t, m, hv, usb, emu, tmp):
    """Every station up, each having drawn and typed once; returns the
    lingering RDP client, or None after a failed check."""
    port = m.ports[3389]
    ok = attempt(lambda: m.wait_until(
        "grep -q '^ready pid=' %s && grep -q '^ready pid=' %s && "
        "journalctl -t seatmuxd | grep -q 'rdp: listening'"
        % (events_path("station0"), events_path("station1")), 150, interval=1))
    if not t.check("both physical seats' clients start under cage, and RDP listens", ok,
                   lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
        return None
    linger = Lingering(hv.client_binary(), port, "station2", "640x480", tmp,
                       RDP_SCANCODE["station2"])
    c = hv.Client(port, "station3", "station3", "640x480", tmp,
                  ["--keys", RDP_SCANCODE["station3"], "--act-after", "20", "--frames", "30"])
    rc3, out3 = c.join()
    up = usb.wait_journal(m, "usbip: desk1 is up", 120)
    got = usb.wait_color(emu, "seat-desk1", 120) if up else 0
    emu.cmd("key %d" % USB_HID_KEY)
    for kbd, user in (("kbd0", "station0"), ("kbd1", "station1")):
        m.send_key(kbd, QCODE[user])
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and "frames n=" not in linger.text():
        if linger.proc.poll() is not None:
            break
        time.sleep(1)
    t.check("station2's RDP client connects, gets 30 frames and stays connected",
            linger.connected() and "frames n=" in linger.text(), linger.text()[-300:])
    t.check("station3's RDP client connects and gets frames", rc3 == 0, out3[-200:])
    t.check("the USB/IP station comes up beside them and shows its client", got >= 0.5,
            lambda: "%.0f%%: %s" % (got * 100, m.run("journalctl -t seatmuxd | grep usbip | tail -n 5")[1]))
    typed = wait_own_keys(m, {"keys": {u: {} for u in USERS}}, 60)
    s = state(m)
    lead = leaders(s)
    seats = {u: lead.get(u, (None, None))[0] for u in USERS}
    t.check("five sessions on five seats (two heads, two RDP, one USB/IP)",
            len(set(seats.values()) - {None}) == 5 and seats["station0"] == "seat0" and
            seats["station1"] == "seat1" and seats["station4"] == "seat-desk1" and
            all((seats[u] or "").startswith("seat-rdp") for u in ("station2", "station3")),
            seats)
    t.check("every station's own key reaches its own client, and no other",
            typed and not crossed_keys(s), "keys %s" % s["keys"])
    img = c.image()
    own = img.fraction_near(seat_color(seats["station3"]), 24) if img and seats["station3"] else 0
    t.check("station3's frames show its own client", own > 0.8, "%.0f%%" % (own * 100))
    return linger


def one_round(t, m, hv, emu, linger, tmp, name, command):
    """Does one thing to seatmuxd and checks that the room did not notice.
    False when seatmuxd did not come back (nothing else to check)."""
    before = state(m)
    lead = leaders(before)
    seats = {u: lead[u][0] for u in USERS if u in lead}
    pids = {u: lead[u][1] for u in USERS if u in lead}
    clients = {u: before["ready"][u][-1] for u in USERS if before["ready"][u]}
    procs = processes(m, list(pids.values()) + list(clients.values()))
    logind_before = logind_sessions(m)
    old_main = before["main"] or 0

    t0 = time.monotonic()
    rc, out = m.run(command, timeout=90)
    new_main = wait_main(m, old_main)
    took = time.monotonic() - t0
    print("# %s: %s: seatmuxd %s -> %s, active again in %.1f s"
          % (t.name, name, old_main, new_main, took), flush=True)
    if not t.check("%s: seatmuxd is active again under a new main pid" % name,
                   new_main is not None,
                   lambda: "%s -> %s: %s %s" % (old_main, new_main, out.strip()[-200:],
                                        m.run("systemctl status seatmuxd --no-pager | tail -n 6")[1])):
        return False

    # The heads: still drawn, each showing its own client, each keyboard
    # typing into its own seat.
    time.sleep(2)
    for head, seat in (("head0", "seat0"), ("head1", "seat1")):
        animating(t, m, head, "%s: %s still animates" % (name, head))
        shows(t, m.screendump(head, 0), seat, "%s: %s still shows %s's client" % (name, head, seat))
    for kbd, user in (("kbd0", "station0"), ("kbd1", "station1")):
        m.send_key(kbd, QCODE[user])

    # The RDP client kept connected: frames still coming, keys typed again.
    first = linger.poke()
    time.sleep(3)
    second = linger.poke()
    t.check("%s: station2's RDP client stayed connected and still gets frames" % name,
            linger.connected() and first is not None and second is not None and second > first,
            "frames %s then %s: %s" % (first, second, linger.text()[-200:]))

    # The USB/IP station: the emulator decodes new frames; its key.
    f0 = int(emu.stats().get("frames", "0"))
    time.sleep(3)
    f1 = int(emu.stats().get("frames", "0"))
    t.check("%s: the USB/IP station's head is still drawn on" % name, f1 > f0,
            "emulator frames %d -> %d" % (f0, f1))
    emu.cmd("key %d" % USB_HID_KEY)

    # A new RDP connection of station3's finds its session as it was.
    # (A reconnection takes seconds: 60 s bounds a run where it hangs.)
    c = hv.Client(m.ports[3389], "station3", "station3", "640x480", tmp,
                  ["--keys", RDP_SCANCODE["station3"], "--act-after", "20", "--frames", "30",
                   "--timeout", "60"])
    rc3, out3 = c.join()
    seat3 = hv.station_of(m, "station3")
    img = c.image()
    own = img.fraction_near(seat_color(seats.get("station3", "")), 24) if img else 0
    t.check("%s: station3 connects again to the same station and sees its client" % name,
            rc3 == 0 and seat3 == seats.get("station3") and own > 0.8,
            "rc %r %s (was %s) %.0f%%: %s" % (rc3, seat3, seats.get("station3"), own * 100,
                                              out3[-200:]))

    typed = wait_own_keys(m, before)
    after = state(m)
    t.check("%s: every station's key still reaches its own client" % name, typed,
            "before %s after %s" % (before["keys"], after["keys"]))
    t.check("%s: and no other" % name, not crossed_keys(after), crossed_keys(after))
    t.check("%s: every client still draws" % name,
            all(after["frames"][u] > before["frames"][u] for u in USERS),
            "frame lines %s -> %s" % (before["frames"], after["frames"]))

    # The same processes: no session started again, every leader and
    # every client the same process (start time too) in the same scope.
    again = [x for x in after["starts"] if x not in before["starts"]]
    t.check("%s: no session was started again" % name, not again, again)
    now = processes(m, list(pids.values()) + list(clients.values()))
    changed = {p: (procs.get(p), now.get(p)) for p in procs if now.get(p) != procs.get(p)}
    # logind's sessions, side by side with seatmuxd's through its restart:
    # the same ones, led by the same leaders, in whose scopes they run.
    logind_after = logind_sessions(m)
    same = {u: (logind_before.get(u, {}).get(k), logind_after.get(u, {}).get(k))
            for u in pids for k in ("Id", "Leader", "Seat", "State")}
    t.check("%s: logind's sessions are the same, led by the same leaders, still active" % name,
            len(pids) == 5 and all(a == b and a for a, b in same.values())
            and all(logind_after[u].get("Leader") == str(pids[u])
                    and logind_after[u].get("State") == "active" for u in pids),
            (logind_before, logind_after))
    scoped = all(procs.get(pids[u], ("", ""))[1].endswith("/" + logind_after.get(u, {}).get("Scope", "?"))
                 for u in pids)
    t.check("%s: every session leader is the same process, alive in logind's scope for it" % name,
            len(pids) == 5 and scoped and all(pids[u] in now and pids[u] not in changed
                                              for u in pids),
            "leaders %s; changed %s" % (pids, changed))
    t.check("%s: every test client is the same process, alive" % name,
            len(clients) == 5 and all(after["ready"][u][-1:] == [clients[u]] for u in clients)
            and all(clients[u] in now and clients[u] not in changed for u in clients),
            "clients %s -> %s; changed %s" % (clients, {u: after["ready"][u] for u in USERS},
                                              changed))

    # The doors: another seat's user and another seat's devices.
    out = m.run("%s -u station0 ping %s; %s -u station0 open %s %s"
                % (SEATCLIENT, SOCK["seat1"], SEATCLIENT, SOCK["seat0"], EVENT["kbd1"]))[1]
    t.check("%s: seat0's user is refused at seat1's socket" % name,
            out.startswith("ping closed"), out)
    t.check("%s: seat0's user asking seat0's socket for seat1's keyboard gets EPERM" % name,
            "%s error errno=1 " % EVENT["kbd1"] in out, out)
    print("# %s: %s: round and its checks took %.0f s" % (t.name, name, time.monotonic() - t0),
          flush=True)
    return True


def revocation(t, m, hold_a):
    """seat1's session ended: what its user held through the broker is
    revoked, and only the seat's next session holds its nodes."""
    s = state(m)
    seat1, leader = leaders(s).get("station1", (None, None))
    client = (s["ready"]["station1"] or [None])[-1]
    t.check("a keyboard held since before the rounds is still station1's after them",
            "revoked" not in m.run("cat %s" % hold_a)[1], lambda: m.run("cat %s" % hold_a)[1])
    hold_b = "/tmp/hold-after.out"
    m.run("%s -u station1 hold %s %s 600 >%s 2>&1 &" % (SEATCLIENT, SOCK["seat1"], EVENT["kbd1"],
                                                      hold_b))
    held = attempt(lambda: m.wait_until("grep -q ' ok id=' %s" % hold_b, 20))
    t.check("after the rounds station1 holds seat1's keyboard through the new seatmuxd", held,
            lambda: m.run("cat %s" % hold_b)[1])
    if not (seat1 == "seat1" and leader):
        t.fail("seat1's session ends and its devices are revoked", "no seat1 session leader")
        return
    # The ended session's scope: seatmuxd's own until pam_systemd has
    # opened its session, logind's session-N.scope after.
    ended_scope = m.run("sed -n 's/^0:://p' /proc/%d/cgroup" % leader)[1].strip()
    m.run("kill -KILL %d" % leader)
    revoked = attempt(lambda: m.wait_until("grep -q '^revoked' %s && grep -q '^revoked' %s"
                                           % (hold_a, hold_b), 30))
    t.check("seat1's session ended: every device station1 held through the broker is revoked",
            revoked, lambda: m.run("tail -n 3 %s %s" % (hold_a, hold_b))[1])
    gone = attempt(lambda: m.wait_until("! kill -0 %d 2>/dev/null && ! kill -0 %s 2>/dev/null"
                                        % (leader, client or 0), 20))
    t.check("the ended session's leader and client are gone", gone,
            lambda: m.run("ps -o pid,user,args | grep station1")[1])
    # Whatever still holds seat1's nodes as station1 is the seat's next
    # session (it is restarted), in a scope of its own: seatmuxd's, or
    # logind's once PAM has opened it, which may be within the 2 s.
    time.sleep(2)
    rc, out = m.run(r"""
for p in /proc/[0-9]*; do
    [ "$(stat -c %u $p 2>/dev/null)" = 1001 ] || continue
    for n in $(ls -l $p/fd 2>/dev/null | grep -oE '/dev/(input/event|dri/card)[0-9]+' | sort -u); do
        udevadm info -q property -n $n | grep -qx ID_SEAT=seat1 &&
            echo "${p#/proc/} $n $(sed -n 's/^0:://p' $p/cgroup)"
    done
done; true""", timeout=60)
    bad = [l for l in out.splitlines()
           if not re.search(r"(/seatmux-seat1-\d+|/session-\w+)\.scope$", l) or
           l.endswith("/seatmux-seat1-%d.scope" % leader) or
           (ended_scope and l.split()[-1] == ended_scope)]
    t.check("no process of station1 outside seat1's next session holds seat1's nodes",
            not bad, bad or out)
