#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A checkpoint of the running guest and its restore, as the hypervisor
takes them, with and without stations, in one QEMU guest.

    bench/checkpoint.py --build BUILD_DIR [--runs R] [--stations N]

Boots the test image as a Hyper-V guest (the checkpoint scenario's
configuration: RDP stations and a USB/IP zero client, here unused) with a
qcow2 disk for the snapshots, and times QEMU's savevm and loadvm (HMP,
through QMP), each run a new snapshot, deleted after:

  idle       seatmuxd serving nobody: the guest's own cost;
  seatmux    N RDP stations connected (FreeRDP clients on the host, each a
             session of the test client animating), the clients left
             connected through the checkpoint; after the restore, the
             time until a client that connects again draws its kept
             session's first frame (as the client counts it);
  weston     the anchor, taken before seatmux's stations: Weston 10's
             RDP backend with one client connected, seatmuxd stopped;
             after the restore, a client's connect to its first frame.

Also the snapshot's size (its VM state, as QEMU lists it). Medians of R
runs. The guest is emulated (TCG): compare rows, not absolute times.
Prints figures, asserts nothing; exits 1 only if a measurement could not
be made.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "qemu"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import rdp as rdpbench  # noqa: E402

HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
SIZE = "1280x720"


class Failed(Exception):
    pass


def hmp(m, line):
    out = m.qmp("human-monitor-command", timeout=600, **{"command-line": line})
    if out.strip():
        raise Failed("%s: %s" % (line, out.strip()))


def vm_size(m, tag):
    """The snapshot's VM state size, as "info snapshots" prints it."""
    out = m.qmp("human-monitor-command", **{"command-line": "info snapshots"})
    for line in out.splitlines():
        fields = line.split()
        if tag in fields:
            found = re.search(r"\s([\d.]+ [KMGT]?i?B)\s", line)
            return found.group(1) if found else "?"
    return "?"


def checkpoint_runs(m, runs, name, after_restore=None):
    """savevm and loadvm of the guest as it is, R times: their times in
    ms, the last snapshot's size, and what after_restore measured."""
    saves, loads, extra, size = [], [], [], "?"
    for i in range(runs):
        tag = "%s%d" % (name, i)
        t0 = time.monotonic()
        hmp(m, "savevm " + tag)
        saves.append((time.monotonic() - t0) * 1000)
        size = vm_size(m, tag)
        t0 = time.monotonic()
        hmp(m, "loadvm " + tag)
        loads.append((time.monotonic() - t0) * 1000)
        if after_restore:
            extra.append(after_restore())
        hmp(m, "delvm " + tag)
    return saves, loads, extra, size


def client(build, port, user, tmp, extra):
    log = os.path.join(tmp, "rdp-%s-%d.log" % (user, time.monotonic_ns()))
    argv = [os.path.join(build, "tests", "rdp", "seatmux-rdp-client"), "--host", "127.0.0.1",
            "--port", str(port), "--user", user, "--password", user, "--size", SIZE,
            "--timeout", "300", "--log", log] + extra
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), log


def reconnect(build, port, user, tmp):
    """After the restore, the connection of before the checkpoint is the
    guest's no more: a client connects again (to the kept session, or to
    Weston's desktop), timed to its first frame."""
    def run():
        t0 = time.monotonic()
        p, log = client(build, port, user, tmp, ["--measure", "1", "--linger", "1"])
        p.wait(300)
        if not rdpbench.measured(log):
            raise Failed("no first frame after the restore: %s" % open(log).read()[-300:])
        return (time.monotonic() - t0) * 1000
    return run


def seatmux_row(m, build, runs, stations, tmp):
    port = m.ports[3389]
    users = ["station%d" % (5 + i) for i in range(stations)]
    # One at a time: seatmuxd takes a few logons from one address at once.
    held = []
    for u in users:
        held.append(client(build, port, u, tmp, ["--frames", "100000", "--timeout", "3000"])[0])
        m.wait_until("grep -q '^ready pid=' /home/%s/events.log 2>/dev/null" % u, 240,
                     interval=1)

    try:
        return checkpoint_runs(m, runs, "seatmux", reconnect(build, port, users[0], tmp))
    finally:
        for p in held:
            p.kill()
            p.wait()


def weston_row(m, build, runs, tmp):
    """Before seatmux's stations: the guest's memory holds no session of
    theirs yet (freed pages are saved too). seatmuxd is started again
    after."""
    port = m.ports[rdpbench.WESTON_PORT]
    m.run("systemctl stop seatmuxd", timeout=60)
    start = rdpbench.weston_workload(m, "weston-terminal")
    p, _ = client(build, port, "station0", tmp, ["--frames", "100000", "--timeout", "3000"])
    time.sleep(2)
    start()
    time.sleep(5)
    try:
        return checkpoint_runs(m, runs, "weston", reconnect(build, port, "station0", tmp))
    finally:
        p.kill()
        p.wait()
        m.run("killall -q weston weston-terminal; systemctl start seatmuxd; true", timeout=60)
        m.wait_until("[ $(journalctl -u seatmuxd | grep -c 'sink zygote pid [0-9]* ready') -ge 2 ]",
                     120)


def med(values):
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--stations", type=int, default=4)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="checkpointbench-")
    out = args.out or os.path.join(tmp, "images")
    image = os.path.join(out, "checkpoint")
    overlay = os.path.join(HERE, "..", "tests", "qemu", "scenarios", "checkpoint-overlay")
    subprocess.check_call([os.path.join(HERE, "..", "tests", "qemu", "build-image.sh"),
                           "--build", build, "--out", image, "--overlay", overlay],
                          stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    disk = os.path.join(tmp, "vmstate.qcow2")
    subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2", disk, "8G"])
    m = harness.Machine(image, tmp, name="checkpoint",
                        devices=[harness.dev("bochs-display", id="console", addr=0x08)],
                        smbios=HYPERV, hostfwd=[3389, rdpbench.WESTON_PORT], memory=2048,
                        timeout=3600,
                        extra_args=["-drive", "if=none,id=vmstate,format=qcow2,file=" + disk])
    print("# bench/checkpoint.py: savevm and loadvm of a running guest, %d runs, medians "
          "(ms); TCG guest: compare rows only" % args.runs, flush=True)
    try:
        m.start()
        m.wait_agent(timeout=120)
        m.setup_network()
        m.wait_until("journalctl -u seatmuxd | grep -q 'sink zygote pid [0-9]* ready'", 120)
        rows = [("idle (seatmuxd, no station)", checkpoint_runs(m, args.runs, "idle")),
                ("Weston RDP backend, 1 client", weston_row(m, build, args.runs, tmp)),
                ("seatmux, %d RDP stations" % args.stations,
                 seatmux_row(m, build, args.runs, args.stations, tmp))]
    except (Failed, harness.MachineError, subprocess.CalledProcessError,
            subprocess.TimeoutExpired) as e:
        print("bench/checkpoint.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        m.close()
    print("\n%-32s %10s %10s %12s %26s" % ("guest", "savevm ms", "loadvm ms", "VM state",
                                           "restore -> RDP frame ms"))
    for name, (saves, loads, extra, size) in rows:
        print("%-32s %10.0f %10.0f %12s %26s" % (name, med(saves), med(loads), size,
                                                 "%.0f" % med(extra) if extra else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
