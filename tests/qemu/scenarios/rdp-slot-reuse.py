# SPDX-License-Identifier: MIT
"""A remote station's slot changes hands: nothing of the first user's
session reaches the next user's devices.

station0 logs on over RDP and, from inside its session, leaves a setsid
loop that keeps connecting to the seat's socket with a seatd-protocol
client and asking for the seat's keyboard and card (what a pupil could
leave behind). station0 disconnects; once its station is no longer kept,
its session ends, and with it every process of the session (the loop
too: the session's scope is ended whole, not only its process group).
The socket then admits nobody of station0's. station1 logs on, gets the
same slot, and types: no key of station1's reaches any process of
station0's, and no process of station0's holds station1's keyboard or
card.

A user given /dev/uinput makes a keyboard named for station2's station:
udev seats it there by its name, seatmuxd refuses it, and its keys never
reach station2's client.

Then a few cycles of rdp-soak on the same guest (tools/soak.sh rdp runs
the long one): logons and logoffs in a row, with flat fds and memory.
"""

import os
import re
import signal
import tempfile
import time

from stations import attempt, scenario

TIMEOUT = 480
SEATCLIENT = "/usr/libexec/seatmux/seatclient"
SINK = "/usr/libexec/seatmux/vhead-sink"

# The seat's keyboard or card, found anew each time: a new user's devices
# may be new nodes.
FIND = """find_node() {
    for n in $2; do
        p=$(udevadm info -q property -n "$n" 2>/dev/null)
        echo "$p" | grep -qx "ID_SEAT=$1" && echo "$p" | grep -qx "$3" && { echo "$n"; return; }
    done
}
"""

ORPHAN = FIND + """
echo $$ > /tmp/orphan.pid
while :; do
    k=$(find_node %(seat)s '/dev/input/event*' ID_INPUT_KEYBOARD=1)
    [ -n "$k" ] && %(client)s -u station0 hold %(sock)s "$k" 600 >>/tmp/orphan-kbd.out 2>&1
    sleep 1
done &
echo $! >> /tmp/orphan.pid
while :; do
    for c in /dev/dri/card*; do
        udevadm info -q property -n "$c" | grep -qx "ID_SEAT=%(seat)s" || continue
        %(client)s -u station0 hold %(sock)s "$c" 600 >>/tmp/orphan-card.out 2>&1
    done
    sleep 1
done
"""


def lingering(client, timeout):
    """Whether client says it lingers (its frames in) within timeout."""
    end = time.monotonic() + timeout
    while client.rc is None and time.monotonic() < end:
        if os.path.exists(client.log) and "lingering" in open(client.log).read():
            return True
        time.sleep(0.5)
    return False


def session_leader(m, seat, user):
    out = m.run("journalctl -t seatmuxd -o cat | grep '%s: session started as %s, pid'" % (seat, user))[1]
    found = re.findall(r"pid (\d+)", out)
    return int(found[-1]) if found else None


def holders(m, uid, seat):
    """Device nodes of the seat held open by any process of uid."""
    rc, out = m.run(FIND + """
for p in /proc/[0-9]*; do
    [ "$(stat -c %%u $p 2>/dev/null)" = %d ] || continue
    ls -l $p/fd 2>/dev/null | grep -oE '/dev/(input/event|dri/card)[0-9]+'
done | sort -u | while read n; do
    udevadm info -q property -n "$n" | grep -qx "ID_SEAT=%s" && echo "$n"
done
""" % (uid, seat))
    return out.split()


def run(t):
    hv = scenario("hyperv-rdp")
    tmp = tempfile.mkdtemp(prefix="rdpslot-")
    with t.machine(devices=hv.DEVICES, smbios=hv.HYPERV, hostfwd=[3389]) as m:
        m.wait_agent(timeout=90)
        m.setup_network()
        port = m.ports[3389]
        ok = attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'rdp: listening'", 30))
        if not t.check("seatmuxd listens for RDP", ok, lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1]):
            return

        a = hv.Client(port, "station0", "station0", "640x480", tmp, ["--frames", "30", "--linger", "25"])
        ok = attempt(lambda: m.wait_until(
            "grep -q '^ready pid=' /home/station0/events.log 2>/dev/null", 120, interval=1))
        seat = hv.station_of(m, "station0")
        leader = session_leader(m, seat, "station0") if seat else None
        if not t.check("station0 logs on and its session runs", ok and seat and leader,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1]):
            a.join()
            return
        sock = "/run/seatmux/%s.sock" % seat
        # The loop starts inside the session: in its cgroup (its scope),
        # then out of its process group.
        m.run("printf '%%s' %s > /tmp/orphan.sh" % sh_quote(ORPHAN % {
            "seat": seat, "sock": sock, "client": SEATCLIENT}), check=True)
        m.run("cg=$(sed -n 's/^0:://p' /proc/%d/cgroup); "
              "sh -c \"echo \\$\\$ > /sys/fs/cgroup$cg/cgroup.procs; exec setsid sh /tmp/orphan.sh\" "
              "</dev/null >/dev/null 2>&1 &" % leader, check=True)
        held = attempt(lambda: m.wait_until("grep -q ' ok id=' /tmp/orphan-kbd.out", 30))
        t.check("a process station0's session left behind holds the seat's keyboard meanwhile",
                held, lambda: m.run("cat /tmp/orphan-kbd.out /tmp/orphan-card.out 2>&1 | tail -n 5")[1])
        # Its frames in, it lingers until told it is done.
        if held and lingering(a, 90):
            a.proc.send_signal(signal.SIGINT)
        rca, outa = a.join()
        t.check("station0's client got frames and disconnected", rca == 0, outa[-200:])

        ended = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd | grep -q '%s: station0 did not come back, session ended'" % seat,
            40))
        t.check("station0's session ends once its station is no longer kept", ended,
                lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])
        pids = m.run("cat /tmp/orphan.pid")[1].split()
        gone = attempt(lambda: m.wait_until(
            " && ".join("! kill -0 %s 2>/dev/null" % p for p in pids) or "false", 15))
        t.check("every process of the session ended with it, the setsid loop too",
                pids and gone, lambda: m.run("ps -o pid,user,args | grep -v ' \\[' | tail -n 20")[1])
        rc, out = m.run("%s -u station0 ping %s" % (SEATCLIENT, sock))
        t.check("the seat's socket admits station0 no more", out.strip() == "ping closed", out)

        # Only now: a loop still running could take the next user's devices.
        time.sleep(2)
        b = hv.Client(port, "station1", "station1", "640x480", tmp, ["--keys", "0x15,0x1e,0x30",
                                                                  "--act-after", "60"])
        rcb, outb = b.join()
        t.check("station1 logs on and gets frames", rcb == 0, outb[-200:])
        t.check("station1 gets the slot station0 had", hv.station_of(m, "station1") == seat,
                (hv.station_of(m, "station1"), seat))
        eb = hv.events(m, "station1")
        t.check("station1's keys reach station1's client",
                re.search(r"^key key=21 state=pressed", eb, re.M) and
                re.search(r"^key key=48 state=pressed", eb, re.M), eb[-300:])
        spied = m.run("cat /tmp/orphan-kbd.out 2>/dev/null")[1]
        t.check("no key of station1's reached any process of station0's",
                not re.search(r"^key ", spied, re.M), spied[-300:])
        held = holders(m, 1000, seat)
        t.check("no process of station0's holds the seat's keyboard or card", held == [], held)
        rc, out = m.run("%s -u station0 open %s %s" % (
            SEATCLIENT, sock, " ".join(m.run(FIND + "find_node %s '/dev/input/event* /dev/dri/card*' "
                                                    "ID_SEAT=%s" % (seat, seat))[1].split()) or
            "/dev/input/event0"))
        t.check("station0 asking for the seat's devices is refused at the door",
                "closed" in out and " ok id=" not in out, out)
        rc, out = m.run("journalctl -t seatmuxd | grep -c 'refused connection from uid 1000' || true")
        t.check("and the refusals are logged", int(out.strip() or 0) >= 1, out)

        check_forged(t, m, hv, port, tmp)
        # A short soak: one round to warm, three logons measured (the
        # guest has had six already); tools/soak.sh rdp runs 1000.
        scenario("rdp-soak").soak(t, m, hv, tmp, 3, warm=1)


def check_forged(t, m, hv, port, tmp):
    """A user given /dev/uinput (Debian's steam-devices gives it to the
    console's user) makes a keyboard named for another user's station, as
    seatmuxd names a station's: udev's rules seat it there by that name,
    and seatmuxd refuses it: no key of it reaches that station's client."""
    c = hv.Client(port, "station2", "station2", "640x480", tmp, ["--frames", "5", "--linger", "60"])
    mode = "600"
    try:
        ok = attempt(lambda: m.wait_until(
            "grep -q '^ready pid=' /home/station2/events.log 2>/dev/null", 120, interval=1))
        seat = hv.station_of(m, "station2")
        if not t.check("station2 logs on (the station a forged keyboard is named for)", ok and seat,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1]):
            return
        mode = m.run("stat -c %a /dev/uinput")[1].strip() or "600"
        m.run("chmod 0666 /dev/uinput && rm -f /tmp/forge.log && "
              "su -s /bin/sh station0 -c 'setsid %s --input-only --name %s --size 640x480 "
              "--log /tmp/forge.log </dev/null >/dev/null 2>&1 &'" % (SINK, seat), check=True)
        made = attempt(lambda: m.wait_until("grep -q '^input keyboard=' /tmp/forge.log", 20))
        node = re.search(r"keyboard=(/dev/input/event\d+)", m.run("cat /tmp/forge.log")[1] or "")
        node = node.group(1) if node else "/dev/input/none"
        rc, props = m.run("udevadm info -q property -n %s" % node)
        t.check("station0 makes a keyboard named for station2's station, and udev seats it there",
                made and "ID_SEAT=%s\n" % seat in props + "\n", props[-300:])
        ev = node.rsplit("/", 1)[-1]
        refused = attempt(lambda: m.wait_until(
            "journalctl -t seatmuxd -o cat | grep -q '^%s: refused: .*another program made'" % ev, 20))
        t.check("seatmuxd refuses it: a station takes virtual input from seatmuxd only", refused,
                lambda: m.run("journalctl -t seatmuxd -o cat | grep -E '%s|refused' | tail -n 5" % ev)[1])
        keys = len(re.findall(r"^key ", hv.events(m, "station2"), re.M))
        m.run("killall -USR2 vhead-sink", check=True)
        typed = attempt(lambda: m.wait_until("grep -q '^typed' /tmp/forge.log", 10))
        time.sleep(3)
        after = hv.events(m, "station2")
        handed = m.run("journalctl -t seatmuxd -o cat | grep '%s handed to' || true" % node)[1]
        t.check("no key of it reaches station2's client, nor is it handed to the session",
                typed and len(re.findall(r"^key ", after, re.M)) == keys and not handed.strip(),
                "typed=%s keys %d -> %d %s" % (typed, keys, len(re.findall(r"^key ", after, re.M)),
                                               handed[-200:]))
    finally:
        m.run("killall vhead-sink; chmod %s /dev/uinput; true" % mode)
        c.proc.kill()
        c.join()


def sh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"
