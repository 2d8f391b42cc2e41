#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compares seatmux-compositor with Weston's headless pixman backend.

    bench/compositor.py --build BUILD_DIR [--seconds N]

For each workload of seatmux-bench-client (full: every pixel changes each
frame; small: a 64x64 square moves) it starts a fresh compositor at
1920x1080@60, runs the client against its socket and reads, between the
client's first frame and its last:

  fps             frame callbacks per second the client got
  cpu ms/frame    the compositor's utime+stime (/proc/PID/stat) / frames
  cpu %           the same over wall time, in percent of one core
  peak RSS MB     the compositor's VmHWM (/proc/PID/status) with the one
                  client connected, in MiB

It prints figures and asserts nothing: the targets are printed beside them
as information. Every process it starts is killed before it returns, and
every wait has a time limit.
"""

import argparse
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

WIDTH, HEIGHT, HZ = 1920, 1080, 60
WORKLOADS = ("full", "small")
RSS_TARGET_MB = 15
SOCKET_TIMEOUT = 10
STARTUP_TIMEOUT = 15
EXIT_TIMEOUT = 5
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name may hold spaces: fields count from after ')'.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_mb(pid):
    """VmHWM and today's RssAnon, RssFile, RssShmem of a process, in MiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "RssAnon", "RssFile", "RssShmem"):
                fields[key] = int(value.split()[0]) / 1024
    if len(fields) != 4:
        raise BenchError(f"no VmHWM or Rss* for pid {pid}")
    return fields


def stop(proc):
    """Ends a process we started: SIGTERM, then SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=EXIT_TIMEOUT)


def log_tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class LineReader:
    """Reads a child's stdout line by line, each line with a time limit."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(proc.stdout, selectors.EVENT_READ)

    def readline(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                raise BenchError(f"client said nothing for {timeout:.0f} s")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise BenchError(f"client exited with status {self.proc.wait(EXIT_TIMEOUT)}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")

    def close(self):
        self.sel.close()


def wait_socket(path, proc, log):
    deadline = time.monotonic() + SOCKET_TIMEOUT
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise BenchError(f"compositor exited with status {proc.returncode}:\n{log_tail(log)}")
        if time.monotonic() > deadline:
            raise BenchError(f"no socket {path} after {SOCKET_TIMEOUT} s:\n{log_tail(log)}")
        time.sleep(0.05)


def seatmux_command(build, runtime, socket):
    return [os.path.join(build, "compositor", "seatmux-compositor"),
            "--headless", f"{WIDTH}x{HEIGHT}@{HZ}", "--socket", socket]


# No animations: they would spend CPU on frames the client did not ask for.
# No panel: a fullscreen toplevel hides it anyway.
WESTON_INI = """\
[core]
idle-time=0

[shell]
startup-animation=none
animation=none
close-animation=none
focus-animation=none
panel-position=none
locking=false
"""


def weston_command(build, runtime, socket):
    # Weston 10's headless backend renders nothing unless told: --use-pixman
    # makes it composite with pixman, as seatmux does. The desktop shell,
    # because kiosk-shell in 10.0.1 shows a toplevel only once it has
    # activated it on a seat, and the headless backend has no seat: the
    # client would never get a frame.
    ini = os.path.join(runtime, "weston.ini")
    with open(ini, "w") as f:
        f.write(WESTON_INI)
    return ["weston", "--backend=headless-backend.so", "--use-pixman",
            f"--width={WIDTH}", f"--height={HEIGHT}", "--shell=desktop-shell.so",
            f"--socket={socket}", f"--config={ini}"]


COMPOSITORS = (("seatmux", seatmux_command), ("weston", weston_command))


def run_one(args, runtime, name, command, workload):
    """One fresh compositor, one client run: the figures as a dict."""
    socket = f"bench-{name}-{workload}"
    log = os.path.join(runtime, socket + ".log")
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("DISPLAY", None)
    comp = client = reader = None
    try:
        with open(log, "w") as logf:
            comp = subprocess.Popen(command(args.build, runtime, socket), env=env,
                                    stdin=subprocess.DEVNULL, stdout=logf,
                                    stderr=subprocess.STDOUT)
        wait_socket(os.path.join(runtime, socket), comp, log)
        client = subprocess.Popen(
            [args.client, "--mode", workload, "--seconds", str(args.seconds)],
            env=dict(env, WAYLAND_DISPLAY=socket), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE)
        reader = LineReader(client)
        line = reader.readline(STARTUP_TIMEOUT)
        if not line.startswith("first-frame"):
            raise BenchError(f"unexpected client line: {line}")
        cpu0 = cpu_seconds(comp.pid)
        line = reader.readline(args.seconds + STARTUP_TIMEOUT)
        # Read before the client goes: the peak with one client connected.
        cpu1 = cpu_seconds(comp.pid)
        mem = memory_mb(comp.pid)
        fields = dict(kv.split("=", 1) for kv in line.split())
        frames, seconds = int(fields["frames"]), float(fields["seconds"])
        if client.wait(timeout=EXIT_TIMEOUT) != 0:
            raise BenchError(f"client exited with status {client.returncode}")
        if comp.poll() is not None:
            raise BenchError(f"compositor died:\n{log_tail(log)}")
        return {
            "frames": frames,
            "fps": frames / seconds if seconds > 0 else 0.0,
            "cpu_ms": (cpu1 - cpu0) * 1000 / frames if frames else float("nan"),
            "cpu_pct": (cpu1 - cpu0) * 100 / seconds if seconds > 0 else 0.0,
            "rss_mb": mem["VmHWM"],
            "anon_mb": mem["RssAnon"],
            "file_mb": mem["RssFile"],
            "shmem_mb": mem["RssShmem"],
        }
    except (BenchError, KeyError, ValueError, subprocess.TimeoutExpired, OSError) as e:
        raise BenchError(f"{name} {workload}: {e}") from None
    finally:
        if reader:
            reader.close()
        stop(client)
        stop(comp)
        if client and client.stdout:
            client.stdout.close()


def weston_missing():
    """Why Weston cannot be measured, or None."""
    if not shutil.which("weston"):
        return "weston is not installed (apt-get install -y --no-install-recommends weston)"
    out = subprocess.run(["weston", "--version"], capture_output=True, text=True,
                         timeout=EXIT_TIMEOUT).stdout.strip()
    print(f"# {out}: headless-backend.so --use-pixman, desktop-shell.so")
    return None


def ratio(a, b):
    return a / b if b else float("nan")


def print_table(results):
    print(f"{'workload':<9} {'compositor':<10} {'fps':>6} {'cpu ms/frame':>13} "
          f"{'cpu %':>6} {'peak RSS MB':>12}   {'anon+file+shmem MB':>18}")
    for (workload, name), r in results.items():
        if r is None:
            print(f"{workload:<9} {name:<10} {'failed':>6}")
            continue
        split = f"{r['anon_mb']:.1f}+{r['file_mb']:.1f}+{r['shmem_mb']:.1f}"
        print(f"{workload:<9} {name:<10} {r['fps']:>6.1f} {r['cpu_ms']:>13.3f} "
              f"{r['cpu_pct']:>6.1f} {r['rss_mb']:>12.1f}   {split:>18}")


def print_ratios(results):
    print()
    print("seatmux/weston   fps ratio   cpu/frame ratio   "
          "target: fps >= weston at cpu/frame <= weston")
    for workload in WORKLOADS:
        ours = results.get((workload, "seatmux"))
        theirs = results.get((workload, "weston"))
        if not ours or not theirs:
            print(f"{workload:<16} (no pair to compare)")
            continue
        fps = ratio(ours["fps"], theirs["fps"])
        cpu = ratio(ours["cpu_ms"], theirs["cpu_ms"])
        met = "met" if fps >= 1 and cpu <= 1 else "not met"
        print(f"{workload:<16} {fps:>9.2f}   {cpu:>15.2f}   {met}")
    print("# fps follows each headless backend's stand-in for vblank, not CPU: seatmux"
          " refreshes every\n# 16.67 ms like a head, weston repaints"
          " 16 ms + (16.7 - 7) ms apart (~39 fps); compare cpu ms/frame.")
    peaks = [r["rss_mb"] for (w, n), r in results.items() if n == "seatmux" and r]
    if peaks:
        peak = max(peaks)
        met = "met" if peak < RSS_TARGET_MB else "not met"
        print(f"seatmux peak RSS with one client: {peak:.1f} MB "
              f"(target: under {RSS_TARGET_MB} MB: {met})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--build", required=True, help="meson build directory")
    parser.add_argument("--seconds", type=float, default=20,
                        help="client run per measurement (default 20)")
    args = parser.parse_args()
    # Progress and errors (stderr) in the order they happened.
    sys.stdout.reconfigure(line_buffering=True)
    args.build = os.path.abspath(args.build)
    args.client = os.path.join(args.build, "bench", "seatmux-bench-client")
    for path in (args.client, seatmux_command(args.build, "", "")[0]):
        if not os.access(path, os.X_OK):
            sys.exit(f"compositor.py: {path} missing: build first (ninja -C {args.build})")

    compositors = list(COMPOSITORS)
    why = weston_missing()
    if why:
        print(f"# WESTON NOT MEASURED: {why}; seatmux figures only")
        compositors = compositors[:1]
    print(f"# {WIDTH}x{HEIGHT}@{HZ} headless, {args.seconds:g} s per run, "
          f"{os.cpu_count()} CPUs, a fresh compositor per run")

    results = {}
    failed = False
    runtime = tempfile.mkdtemp(prefix="seatmux-bench-")
    os.chmod(runtime, 0o700)
    # SIGTERM (a killed ninja, a timeout) must still run the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for workload in WORKLOADS:
            for name, command in compositors:
                try:
                    results[(workload, name)] = run_one(args, runtime, name,
                                                        command, workload)
                except BenchError as e:
                    print(f"# {e}", file=sys.stderr)
                    results[(workload, name)] = None
                    failed = True
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    print_table(results)
    print_ratios(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
