# SPDX-License-Identifier: MIT
"""What the compositor's host tests share: checks that count, polling,
and seatmux-compositor on its headless output with pixels read back
through its test-only --dump-on-signal (SIGUSR1 -> PPM) and, optionally,
input and mode changes written to its --test-control FIFO."""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
from harness import Image  # noqa: E402  (the PPM reader)

SOCKET = "wl-test"


class Checks:
    """PASS/FAIL lines under a name, counted for the closing summary."""

    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def __call__(self, what, ok, reason=""):
        if ok:
            self.passed += 1
            print("PASS %s: %s" % (self.name, what), flush=True)
        else:
            self.failed += 1
            print("FAIL %s: %s (%s)" % (self.name, what, " ".join(str(reason).split())[:300]),
                  flush=True)
        return ok

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def wait_for(cond, timeout=15, interval=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(interval)
    return False


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


class Compositor:
    """seatmux-compositor --headless WxH@HZ in tmp (its XDG_RUNTIME_DIR),
    running app after -- if given; control=True adds a FIFO for send()."""

    def __init__(self, binary, tmp, size, app=(), control=False):
        self.tmp = tmp
        self.dump = os.path.join(tmp, "head.ppm")
        self.env = dict(os.environ, XDG_RUNTIME_DIR=tmp, WAYLAND_DISPLAY=SOCKET)
        self.logpath = os.path.join(tmp, "compositor.log")
        self.log = open(self.logpath, "w")
        self.clients = []
        self.control = None
        argv = [binary, "--headless", size, "--socket", SOCKET, "--dump-on-signal", self.dump]
        if control:
            fifo = os.path.join(tmp, "control")
            os.mkfifo(fifo)
            argv += ["--test-control", fifo]
        if app:
            argv += ["--"] + list(app)
        self.proc = subprocess.Popen(argv, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        # Its signal handlers exist once it listens (SIGUSR1 kills before).
        if not wait_for(lambda: os.path.exists(os.path.join(tmp, SOCKET)), 10):
            raise RuntimeError("the compositor made no socket")
        if control:
            self.control = open(fifo, "w")

    def send(self, *lines):
        for line in lines:
            self.control.write(line + "\n")
        self.control.flush()
        time.sleep(0.1)

    def client(self, argv, name):
        """Starts a client logging to tmp/NAME.log, with a pipe on stdin."""
        log = os.path.join(self.tmp, name + ".log")
        p = subprocess.Popen(argv + ["--log", log], env=self.env, stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, text=True)
        self.clients.append(p)
        return p, log

    def shot(self):
        if os.path.exists(self.dump):
            os.unlink(self.dump)
        self.proc.send_signal(signal.SIGUSR1)
        if not wait_for(lambda: os.path.exists(self.dump), 5):
            raise RuntimeError("no dump")
        return Image.read_ppm(self.dump)

    def stop(self):
        """Ends the clients, then the compositor; its exit status, or None
        if it had to be killed."""
        for p in self.clients:
            if p.poll() is None:
                p.kill()
            p.wait()
        if self.control:
            self.control.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode
