# SPDX-License-Identifier: MIT
"""Two physical stations on one machine, served by seatmuxd.

Two virtio GPUs, two keyboards and two mice; udev rules (two-stations-overlay)
give head1, kbd1 and mouse1 to seat1. seatmuxd runs Debian's cage with
seatmux-testclient on each seat, through Debian's libseat talking to our
sockets. Checks what a station user would notice: each head shows its own
seat's client, input goes only to its own seat, a session that dies comes
back, an unplugged keyboard and garbage on a socket hurt nobody.
"""

import re
import time

from harness import dev
from stations import (PIDS, SEATCLIENT, animating, attempt, check_logind_session, event_log,
                      frame_lines, log_lines, ready_pids, shows, wait_ready)

TIMEOUT = 420

DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=800, yres=600),
    dev("virtio-gpu-pci", id="head1", addr=0x09, xres=800, yres=600),
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head1"),
    dev("virtio-mouse-pci", id="mouse0", addr=0x0c, display="head0"),
    dev("virtio-mouse-pci", id="mouse1", addr=0x0d, display="head1"),
]
EVENT = {"kbd0": "/dev/input/by-path/pci-0000:00:0a.0-event-kbd",
         "kbd1": "/dev/input/by-path/pci-0000:00:0b.0-event-kbd",
         "mouse0": "/dev/input/by-path/pci-0000:00:0c.0-event-mouse",
         "mouse1": "/dev/input/by-path/pci-0000:00:0d.0-event-mouse"}

SOCK = {"seat0": "/run/seatmux/seat0.sock", "seat1": "/run/seatmux/seat1.sock"}
KEY_A = 30


def logind_alongside(t, m):
    """logind runs next to seatmuxd: it knows both seats and both sessions
    (opened through PAM), gives their users their runtime directories, and
    neither ACLs nor power-key watching on what seatmuxd hands out."""
    rc, out = m.run("loginctl list-seats --no-legend")
    t.check("logind knows both seats", set(out.split()) >= {"seat0", "seat1"}, out)
    s1 = {}
    for seat, user in (("seat0", "station0"), ("seat1", "station1")):
        s = check_logind_session(t, m, user, seat, "two-stations")
        if seat == "seat1":
            s1 = s
    rc, cage1 = m.run(PIDS % ("station1", "cage"))
    pid = (cage1.split() or ["0"])[0]
    rc, cgroup = m.run("cat /proc/%s/cgroup" % pid)
    t.check("seat1's compositor runs in logind's scope for the session",
            s1.get("Scope") and cgroup.strip().endswith("/" + s1["Scope"]), (cgroup, s1))
    rc, out = m.run("tr '\\0' '\\n' < /proc/%s/environ | grep -E '^XDG_(RUNTIME_DIR|SESSION_ID)='; "
                    "grep -c ' /run/user/1001 tmpfs ' /proc/mounts" % pid)
    t.check("its XDG_RUNTIME_DIR and XDG_SESSION_ID are logind's (a tmpfs of its own)",
            "XDG_RUNTIME_DIR=/run/user/1001" in out and "XDG_SESSION_ID=%s" % s1.get("Id") in out
            and out.split()[-1] == "1", out)
    # uaccess: logind gives seat0's user the render node, no card or keyboard.
    rc, out = m.run("%s acl /dev/dri/renderD128 /dev/dri/card0 /dev/dri/card1 %s %s"
                    % (SEATCLIENT, EVENT["kbd0"], EVENT["kbd1"]))
    acl = dict(line.split(" users=") for line in out.splitlines() if " users=" in line)
    t.check("logind's ACLs give seat0's user its render node (uaccess)",
            acl.get("/dev/dri/renderD128") == "1000", out)
    t.check("but no seat's card or input device: those are seatmuxd's to hand out",
            [acl.get(p) for p in ("/dev/dri/card0", "/dev/dri/card1", EVENT["kbd0"], EVENT["kbd1"])]
            == ["-"] * 4, out)
    rc, out = m.run("%s -u station1 direct /dev/dri/card1 %s" % (SEATCLIENT, EVENT["kbd1"]))
    t.check("seat1's user cannot open its own card or keyboard behind seatmuxd's back",
            out.count("error errno=13") == 2, out)
    # logind watches seat0's keyboard for the power key, not a station's.
    rc, out = m.run("for f in /proc/$(pidof systemd-logind)/fd/*; do readlink $f; done; "
                    "readlink -f %s; readlink -f %s" % (EVENT["kbd0"], EVENT["kbd1"]))
    lines = out.split()
    kbd0, kbd1 = (lines[-2], lines[-1]) if len(lines) >= 2 else ("?", "?")
    t.check("logind watches seat0's keyboard for the power key, not seat1's",
            kbd0 in lines[:-2] and kbd1 not in lines[:-2], out)


def run(t):
    with t.machine(devices=DEVICES) as m:
        m.wait_agent(timeout=90)
        # Type=notify: active only once every seat socket listens.
        rc, out = m.run("for i in $(seq 60); do systemctl is-active -q seatmuxd && exit 0; "
                        "sleep 0.5; done; systemctl is-active seatmuxd", timeout=40)
        t.check("seatmuxd.service becomes active", rc == 0,
                lambda: out.strip() + m.run("journalctl -b -t seatmuxd --no-pager | tail -n 20")[1])
        rc, out = m.run("ls %s %s" % (SOCK["seat0"], SOCK["seat1"]))
        t.check("one socket per seat", rc == 0, out)

        ok = attempt(lambda: (wait_ready(m, "seat0"), wait_ready(m, "seat1")))
        if not t.check("both seats' clients start under cage", ok,
                       lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1]):
            return
        pid0 = ready_pids(m, "seat0")[-1]
        pid1 = ready_pids(m, "seat1")[-1]
        time.sleep(2)   # a few frames after the first

        shows(t, m.screendump("head0", 0), "seat0", "head0 shows seat0's client")
        shows(t, m.screendump("head1", 0), "seat1", "head1 shows seat1's client")
        animating(t, m, "head1", "seat1's head animates")

        rc, out = m.run("%s kdmode /dev/tty1" % SEATCLIENT)
        t.check("the VT stays off seat0 (graphics mode, keyboard off)",
                out.strip() == "display=graphics keyboard=off", out)

        # Input isolation: a key on kbd1 reaches only seat1's client.
        m.send_key("kbd1", "a")
        got = attempt(lambda: m.wait_until("grep -q '^key key=%d state=pressed' %s"
                                           % (KEY_A, event_log("seat1")), 20))
        t.check("a key sent to kbd1 reaches seat1's client", got, lambda: log_lines(m, "seat1", "key key=")[-3:])
        t.check("seat0's client got no key", not log_lines(m, "seat0", "key key="),
                lambda: log_lines(m, "seat0", "key key=")[-3:])

        # Pointer motion on mouse0 reaches only seat0's client.
        motion1_before = len(log_lines(m, "seat1", "motion"))
        for _ in range(3):
            m.move_rel("mouse0", 40, 25)
            time.sleep(0.2)
        got = attempt(lambda: m.wait_until("grep -q '^motion' %s" % event_log("seat0"), 20))
        t.check("pointer motion on mouse0 reaches seat0's client", got)
        t.check("seat1's client saw no motion from mouse0",
                len(log_lines(m, "seat1", "motion")) == motion1_before,
                lambda: log_lines(m, "seat1", "motion")[-3:])

        # The broker's own checks, through the raw protocol as the seat's user.
        rc, out = m.run("%s -u station0 open %s %s %s /etc/shadow /dev/dri/../input/../dri/card1 "
                        "/root/.nothing-here /dev/input/event99"
                        % (SEATCLIENT, SOCK["seat0"], EVENT["kbd0"], EVENT["kbd1"]))
        t.check("seat0's user may open seat0's keyboard",
                re.search(r"event-kbd ok id=\d+", out) is not None, out)
        t.check("seat0's user asking for seat1's keyboard gets EPERM",
                "%s error errno=1 " % EVENT["kbd1"] in out, out)
        t.check("a path that is no seat device gets EPERM",
                "/etc/shadow error errno=1 " in out, out)
        t.check("seat1's card reached through a twisted path gets EPERM",
                "card1 error errno=1 " in out, out)
        t.check("a missing path outside /dev tells nothing (EPERM, not ENOENT)",
                "/root/.nothing-here error errno=1 " in out, out)
        t.check("a vanished device node gets ENOENT",
                "/dev/input/event99 error errno=2 " in out, out)
        rc, out = m.run("%s -u station1 ping %s" % (SEATCLIENT, SOCK["seat0"]))
        t.check("seat1's user cannot use seat0's socket", out.strip() == "ping closed", out)

        logind_alongside(t, m)

        # Garbage on a socket costs that connection only.
        rc, out = m.run("%s -u station0 garbage %s 4096 7; %s -u station0 raw %s 3 ffff2f6465762f6e756c6c00"
                        % (SEATCLIENT, SOCK["seat0"], SEATCLIENT, SOCK["seat0"]))
        t.check("garbage and a lying length are refused with a closed connection",
                out.split() == ["garbage", "closed", "raw", "closed"], out)
        rc, out = m.run("%s -u station0 raw %s 99" % (SEATCLIENT, SOCK["seat0"]))
        t.check("an unknown opcode gets an error reply", "error errno=95" in out, out)
        rc, out = m.run("%s -u station0 ping %s" % (SEATCLIENT, SOCK["seat0"]))
        t.check("the broker keeps serving after garbage", out.strip() == "pong", out)
        f0 = frame_lines(m, "seat0")
        animating(t, m, "head0", "seat0 keeps drawing after garbage on its socket")

        # Kill seat1's session: it comes back, seat0 does not notice.
        rc, cage1 = m.run(PIDS % ("station1", "cage"))
        t.check("seat1's cage runs as station1", cage1.split(), cage1)
        m.run("kill -KILL %s; true" % " ".join(cage1.split()))
        restarted = (attempt(lambda: wait_ready(m, "seat1", count=2, timeout=90))
                     and ready_pids(m, "seat1")[-1] != pid1)
        t.check("seat1's killed session is restarted", restarted, ready_pids(m, "seat1"))
        t.check("seat0's client kept running meanwhile",
                ready_pids(m, "seat0") == [pid0] and frame_lines(m, "seat0") > f0,
                "pids %s frames %d -> %d" % (ready_pids(m, "seat0"), f0, frame_lines(m, "seat0")))
        time.sleep(2)
        shows(t, m.screendump("head1", 0), "seat1", "head1 shows seat1's restarted client")

        # Unplug seat1's keyboard: survived, seat1 keeps drawing.
        m.device_del("kbd1", timeout=30)
        time.sleep(2)
        rc, out = m.run("systemctl is-active seatmuxd.service")
        t.check("seatmuxd survives kbd1's removal", out.strip() == "active", out)
        animating(t, m, "head1", "seat1 keeps drawing without its keyboard")
        shows(t, m.screendump("head1", 0), "seat1", "head1 still shows seat1 after the unplug")

        # Clean shutdown: sessions stopped, devices revoked, VT restored.
        m.run("systemctl stop seatmuxd.service", timeout=30)
        rc, out = m.run("ps -o pid,comm | grep -E ' (cage|seatmux-testcli)$'; true")
        t.check("stopping seatmuxd ends every session", not out.strip(), out)
        rc, out = m.run("%s kdmode /dev/tty1" % SEATCLIENT)
        t.check("stopping seatmuxd gives the VT back", out.strip().startswith("display=text")
                and "keyboard=off" not in out, out)
        rc, out = m.run("ls /run/seatmux/ 2>/dev/null")
        t.check("stopping seatmuxd removes the seat sockets", ".sock" not in out, out)
