# SPDX-License-Identifier: MIT
"""A checkpoint of the running guest, and its restore, as the
hypervisor's tools take them (QEMU's savevm and loadvm, into a qcow2
disk that holds nothing else).

The guest serves an RDP station (station1's, a client on the host) and a
USB/IP zero client (the emulator, station2's auto-logon session). After
the checkpoint both sessions end (a logoff, the zero client's session
killed), and new ones would start; the restore brings back the guest as
it was: a client that connects again gets station1's session of the
checkpoint (the same process, no new session), and the zero client's
udl head shows station2's session of the checkpoint. The times the
checkpoint and the restore took are printed.
"""

import os
import re
import signal
import subprocess
import tempfile
import time

from stations import attempt, ctl, ready_pids, scenario, seat_color

TIMEOUT = 420
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}


def journal(m):
    return m.run("journalctl -t seatmuxd -o cat")[1]


def hmp(m, line, timeout=300):
    """An HMP command through QMP (savevm and loadvm have no QMP twin
    that is not a job); its output, which is empty when it worked."""
    return m.qmp("human-monitor-command", timeout=timeout, **{"command-line": line})


def rdp_session(t, m, hv, tmp):
    """station1 connects over RDP: its station, and its session's pid."""
    c = hv.Client(m.ports[3389], "station1", "station1", "640x480", tmp,
                  ["--frames", "20", "--linger", "1"])
    rc, out = c.join()
    seat = hv.station_of(m, "station1")
    img = c.image()
    own = img.fraction_near(seat_color(seat), 24) if img and seat else 0
    pids = ready_pids(m, "seat1")   # /home/station1/events.log
    if not t.check("station1's RDP client shows its session", rc == 0 and own > 0.8 and pids,
                   "rc %r %s %.0f%%: %s" % (rc, seat, own * 100, out[-300:])):
        return None, None
    return seat, pids[-1]


def frames_flow(emu, timeout):
    """Whether the emulator's udl head gets frames, within timeout s."""
    first = int(emu.stats().get("frames", 0))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1)
        if int(emu.stats().get("frames", 0)) > first + 10:
            return True
    return False


def relays(port):
    """QEMU's guestfwd relays (socat, one per guest connection) to host
    port `port`: (pid, start time) each, so that a pid reused since is
    told apart. glib spawns them through an intermediate child, so they
    are init's children, not QEMU's: the port, unique to this emulator,
    tells them apart."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read().rsplit(")", 1)[1].split()
            started = stat[19]
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if argv[0].endswith(b"socat") and ("TCP:127.0.0.1:%d" % port).encode() in argv:
            found.append((int(pid), started))
    return found


def run(t):
    tmp = tempfile.mkdtemp(prefix="checkpoint-")
    disk = os.path.join(tmp, "vmstate.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", disk, "4G"], check=True)
    hv, usb = scenario("hyperv-rdp"), scenario("usbip-station")
    emu = usb.Emulator(tmp, "desk1")
    try:
        with t.machine(devices=hv.DEVICES, smbios=HYPERV, hostfwd=[3389],
                       guestfwd={3240: emu.port}, memory=1536,
                       extra_args=["-drive", "if=none,id=vmstate,format=qcow2,file=" + disk]) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            desk = usb.wait_color(emu, "seat-desk1", 120)
            desk_pids = ready_pids(m, "seat2")   # /home/station2/events.log
            if not t.check("the zero client shows station2's session", desk >= 0.5 and desk_pids,
                           lambda: "%.0f%%: %s" % (desk * 100, journal(m)[-600:])):
                return
            seat, pid = rdp_session(t, m, hv, tmp)
            if not seat:
                return
            desk_pid = desk_pids[-1]

            start = time.monotonic()
            out = hmp(m, "savevm checkpoint1")
            saved = time.monotonic() - start
            if not t.check("the hypervisor checkpoints the running guest", out.strip() == "",
                           out):
                return
            print("# checkpoint: savevm took %.1f s" % saved, flush=True)
            # After the checkpoint, both sessions end.
            rc, _, err = ctl(m, None, "logoff " + seat)
            m.run("kill -KILL %d" % desk_pid)
            gone = attempt(lambda: m.wait_until(
                "! kill -0 %d 2>/dev/null && ! kill -0 %d 2>/dev/null" % (pid, desk_pid), 60,
                interval=1))
            t.check("after the checkpoint, both sessions end", rc == 0 and gone, err)

            # The zero client's connection of before the restore: on a real
            # network the station's end is reset once the restored guest's
            # stale connection speaks (or its keepalive fails), and the
            # station's usbipd lets its devices go. QEMU's guestfwd relay
            # keeps its host end open instead, and the emulator would hold
            # the old import for ever: the relay is closed as the network
            # would.
            stale = relays(emu.port)
            start = time.monotonic()
            out = hmp(m, "loadvm checkpoint1")
            restored = time.monotonic() - start
            still = relays(emu.port)
            for relay in stale:
                if relay in still:
                    try:
                        os.kill(relay[0], signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            t.check("the hypervisor restores the checkpoint", out.strip() == "", out)
            print("# checkpoint: loadvm took %.1f s" % restored, flush=True)
            back = attempt(lambda: m.wait_until(
                "kill -0 %d && kill -0 %d" % (pid, desk_pid), 60, interval=1))
            t.check("the guest is the checkpoint's: both sessions' processes are back", back,
                    lambda: m.run("ps -o pid,user,comm | grep station")[1])

            # The client's connection of before is gone: it connects again.
            c = hv.Client(m.ports[3389], "station1", "station1", "640x480", tmp,
                          ["--frames", "20", "--linger", "1"])
            rc, out = c.join()
            img = c.image()
            own = img.fraction_near(seat_color(seat), 24) if img else 0
            log = journal(m)
            t.check("station1 connects again after the restore and gets the session of the "
                    "checkpoint", rc == 0 and own > 0.8 and ready_pids(m, "seat1")[-1] == pid and
                    len(re.findall(r"session started as station1\b", log)) == 1,
                    "rc %r %.0f%% %s: %s" % (rc, own * 100, ready_pids(m, "seat1"), log[-800:]))
            # Its last frame shows the same colour whether or not any came
            # since: frames must keep coming (the client's bar moves).
            desk = usb.wait_color(emu, "seat-desk1", 120)
            live = frames_flow(emu, 90)
            t.check("the zero client shows station2's session of the checkpoint again, live",
                    desk >= 0.5 and live and ready_pids(m, "seat2")[-1] == desk_pid and
                    m.run("kill -0 %d" % desk_pid)[0] == 0,
                    lambda: "%.0f%% %s %s: %s" % (desk * 100, live, ready_pids(m, "seat2"),
                                          journal(m)[-800:]))
            t.check_sanitizers(m)
    finally:
        emu.stop()
