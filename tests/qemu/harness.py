# SPDX-License-Identifier: MIT
"""QEMU test harness for seatmux whole-system scenarios.

Scenarios (tests/qemu/scenarios/<name>.py) get a `Scenario` from run.py and
boot one or more `Machine`s from it:

    def run(t):
        with t.machine(devices=[dev("virtio-gpu-pci", id="head0", addr=8)]) as m:
            m.wait_agent()
            rc, out = m.run("readlink /proc/1/exe")
            t.check("pid 1 is systemd", out.strip().endswith("/systemd"), out)

A Machine talks to the guest over three channels:
  ttyS0  the console, written by QEMU to <artifacts>/serial.log
         (wait_serial polls that file);
  ttyS1  the test control agent (image/rootfs/usr/lib/seatmux-test/agent.sh)
         through a unix socket chardev: run() sends a shell script and reads
         its output up to an end marker; the transcript is kept in
         <artifacts>/agent.log;
  QMP    a unix socket: screendump, input-send-event, device_add/del.

Every QEMU process is bounded: it runs under PR_SET_PDEATHSIG (dies with
the harness even on SIGKILL), a watchdog thread kills it at the machine's
deadline, close() kills it in a finally path, and run.py kills whatever is
left on SIGINT/SIGTERM/exit via kill_all().

Python standard library only.
"""

import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Kernel command line every machine gets. `quiet`/loglevel keep the serial
# console (slow under TCG) free of chatter, but the kernel's errors and
# show_status=error's unit failures still go there, which is what one wants
# to see in a failed run's log. A task stuck 30 s (the hung task detector's
# report is an error) is worth seeing in any run.
BASE_CMDLINE = ("console=ttyS0 quiet loglevel=4 systemd.show_status=error "
                "sysctl.kernel.hung_task_timeout_secs=30 panic=-1 seatmux.test=1")

AGENT_READY = b"@@SEATMUX-AGENT-READY"

_live = set()          # running Machines, for kill_all()
_live_lock = threading.Lock()


class MachineError(Exception):
    """The machine died, timed out or a channel misbehaved."""


def kill_all():
    """Kills every QEMU this process started (signal handlers, atexit)."""
    with _live_lock:
        machines = list(_live)
    for m in machines:
        m.kill()


def dev(driver, **props):
    """Builds a -device argument: dev("virtio-gpu-pci", id="head0", addr=8,
    max_outputs=2). Integers for addr become PCI slot numbers (addr=8 ->
    0x8); booleans become on/off. Fixed addresses keep udev's ID_PATH
    stable from run to run."""
    parts = [driver]
    for k, v in props.items():
        if isinstance(v, bool):
            v = "on" if v else "off"
        elif k == "addr" and isinstance(v, int):
            v = "0x%x" % v
        parts.append("%s=%s" % (k, v))
    return ",".join(parts)


def _qemu_escape(value):
    # QEMU option values are comma separated; a literal comma is doubled.
    return str(value).replace(",", ",,")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- images -----------------------------------------------------------------

class Image:
    """A screendump: width, height and packed RGB bytes."""

    def __init__(self, width, height, pixels):
        self.width, self.height, self.pixels = width, height, pixels

    @classmethod
    def from_png(cls, data):
        """An 8-bit RGB or RGBA PNG (what Cairo writes), decoded here: its
        chunks, zlib, and the five row filters."""
        import struct
        import zlib
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("not a PNG")
        pos, idat, head = 8, b"", None
        while pos < len(data):
            n, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + n]
            if kind == b"IHDR":
                head = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat += body
            pos += 12 + n
        w, h, depth, ctype = head[0], head[1], head[2], head[3]
        if depth != 8 or ctype not in (2, 6) or head[6] != 0:
            raise ValueError("PNG kind %s not read here" % (head,))
        bpp = 3 if ctype == 2 else 4
        raw, stride = zlib.decompress(idat), w * bpp
        out, prev = bytearray(), bytearray(stride)
        for y in range(h):
            f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                if f == 1:
                    row[i] = (row[i] + a) & 0xff
                elif f == 2:
                    row[i] = (row[i] + b) & 0xff
                elif f == 3:
                    row[i] = (row[i] + (a + b) // 2) & 0xff
                elif f == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
            out += row if bpp == 3 else bytes(v for i, v in enumerate(row) if i % 4 != 3)
            prev = row
        return cls(w, h, bytes(out))

    @classmethod
    def read_ppm(cls, path):
        with open(path, "rb") as f:
            data = f.read()
        # Header: P6 <ws> width <ws> height <ws> maxval <one ws> pixels;
        # comments start with # and run to the end of the line.
        fields, pos = [], 0
        while len(fields) < 4:
            while data[pos:pos + 1].isspace():
                pos += 1
            if data[pos:pos + 1] == b"#":
                pos = data.index(b"\n", pos) + 1
                continue
            end = pos
            while not data[end:end + 1].isspace():
                end += 1
            fields.append(data[pos:end])
            pos = end
        pos += 1
        if fields[0] != b"P6" or int(fields[3]) != 255:
            raise ValueError("%s: not an 8-bit binary PPM" % path)
        w, h = int(fields[1]), int(fields[2])
        pixels = data[pos:pos + 3 * w * h]
        if len(pixels) != 3 * w * h:
            raise ValueError("%s: truncated PPM" % path)
        return cls(w, h, pixels)

    def pixel(self, x, y):
        i = 3 * (y * self.width + x)
        return tuple(self.pixels[i:i + 3])

    def _region(self, region):
        x, y, w, h = region if region else (0, 0, self.width, self.height)
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        return x0, y0, x1, y1

    def count_near(self, rgb, tolerance=16, region=None):
        """Pixels within `tolerance` (per channel) of `rgb`, optionally
        inside region=(x, y, w, h)."""
        x0, y0, x1, y1 = self._region(region)
        r, g, b = rgb
        n = 0
        px = self.pixels
        for y in range(y0, y1):
            row = px[3 * (y * self.width + x0):3 * (y * self.width + x1)]
            for i in range(0, len(row), 3):
                if (abs(row[i] - r) <= tolerance and abs(row[i + 1] - g) <= tolerance
                        and abs(row[i + 2] - b) <= tolerance):
                    n += 1
        return n

    def fraction_near(self, rgb, tolerance=16, region=None):
        x0, y0, x1, y1 = self._region(region)
        total = max(1, (x1 - x0) * (y1 - y0))
        return self.count_near(rgb, tolerance, region) / total

    def mean(self, region=None):
        x0, y0, x1, y1 = self._region(region)
        sums, n = [0, 0, 0], 0
        for y in range(y0, y1):
            row = self.pixels[3 * (y * self.width + x0):3 * (y * self.width + x1)]
            for c in range(3):
                sums[c] += sum(row[c::3])
            n += x1 - x0
        return tuple(s / max(1, n) for s in sums)


# --- the machine ------------------------------------------------------------

# Where the guest finds the host's services forwarded by guestfwd.
GUESTFWD_ADDR = "10.0.2.100"

class Machine:
    """One QEMU guest booted from the seatmux test image.

    image: folder with vmlinux and initramfs.img (build-image.sh --out).
    devices: -device arguments (see dev()); a USB controller is added when
      a usb-* device is listed without one, or when usb=True.
    append: extra kernel command line. smbios: dict for -smbios type=1
      (e.g. manufacturer="Microsoft Corporation", product="Virtual Machine").
    hostfwd: guest TCP ports to forward from 127.0.0.1 (user networking,
      restrict=on: the guest reaches nothing but these forwards);
      self.ports maps guest port -> host port afterwards.
    guestfwd: {guest port: host port}: the guest's connections to
      GUESTFWD_ADDR:port reach 127.0.0.1:host port on the host (each one
      relayed by its own socat), and nothing else of the host.
    timeout: hard bound in seconds from start(); QEMU is killed then.
    """

    USB_CONTROLLERS = ("qemu-xhci", "nec-usb-xhci", "usb-ehci", "ich9-usb",
                       "piix3-usb-uhci", "piix4-usb-uhci", "pci-ohci")

    def __init__(self, image, artifacts, name="machine", devices=(),
                 append="", smbios=None, hostfwd=(), memory=1024, smp=2,
                 timeout=180, usb=False, extra_args=(), guestfwd=None):
        self.image = image
        self.name = name
        self.artifacts = artifacts
        self.devices = list(devices)
        self.append = append
        self.smbios = smbios
        self.hostfwd = list(hostfwd)
        self.guestfwd = dict(guestfwd or {})
        self.ports = {}
        self.memory, self.smp = memory, smp
        self.timeout = timeout
        self.usb = usb
        self.extra_args = list(extra_args)
        self.proc = None
        self.events = []          # QMP events seen so far
        self.serial_log = os.path.join(artifacts, "%s-serial.log" % name)
        self._agent_log = None
        self._agent = self._qmp = None
        self._agent_buf = b""
        self._qmp_buf = b""
        self._sockdir = None
        self._watchdog_stop = threading.Event()
        self.watchdog_fired = False
        self._shots = 0
        self.started_at = None
        self.failing = lambda: False   # set by Scenario.machine()
        self.on_exit = None            # likewise: the sanitizer check

    # -- lifecycle --

    def _command_line(self):
        d = self._sockdir
        args = ["qemu-system-x86_64", "-accel", "tcg", "-m", str(self.memory),
                "-smp", str(self.smp), "-nodefaults", "-no-user-config",
                "-vga", "none", "-display", "none", "-no-reboot",
                "-kernel", os.path.join(self.image, "vmlinux"),
                "-initrd", os.path.join(self.image, "initramfs.img"),
                "-append", (BASE_CMDLINE + " " + self.append).strip(),
                # QMP first: it must exist before anything else waits.
                "-chardev", "socket,id=qmp,path=%s/qmp,server=on,wait=off" % d,
                "-mon", "chardev=qmp,mode=control",
                "-serial", "file:%s" % self.serial_log,
                "-chardev", "socket,id=agent,path=%s/agent,server=on,wait=off" % d,
                "-serial", "chardev:agent"]
        if self.smbios:
            args += ["-smbios", "type=1," + ",".join(
                "%s=%s" % (k, _qemu_escape(v)) for k, v in self.smbios.items())]
        if self.hostfwd or self.guestfwd:
            fwd = []
            for guest in self.hostfwd:
                host = free_port()
                self.ports[guest] = host
                fwd.append("hostfwd=tcp:127.0.0.1:%d-:%d" % (host, guest))
            for guest, host in self.guestfwd.items():
                fwd.append("guestfwd=tcp:%s:%d-cmd:socat - TCP:127.0.0.1:%d" %
                           (GUESTFWD_ADDR, guest, host))
            args += ["-netdev", "user,id=net0,restrict=on," + ",".join(fwd),
                     "-device", "virtio-net-pci,netdev=net0,addr=0x1e"]
        drivers = [d_.split(",")[0] for d_ in self.devices]
        wants_usb = self.usb or any(x.startswith("usb-") for x in drivers)
        has_ctrl = any(x.startswith(self.USB_CONTROLLERS) for x in drivers)
        if wants_usb and not has_ctrl:
            args += ["-device", "qemu-xhci,id=usb0,addr=0x1f"]
        for d_ in self.devices:
            args += ["-device", d_]
        return args + self.extra_args

    def start(self):
        os.makedirs(self.artifacts, exist_ok=True)
        # Unix socket paths are limited to 108 bytes: keep them short and
        # out of the (possibly long) artifact path.
        self._sockdir = tempfile.mkdtemp(prefix="smq-")
        self._agent_log = open(os.path.join(self.artifacts, "%s-agent.log" % self.name),
                               "a", encoding="utf-8", errors="replace")
        cmd = self._command_line()
        with open(os.path.join(self.artifacts, "%s-qemu-cmdline.txt" % self.name), "w") as f:
            f.write(" ".join(cmd) + "\n")
        # setpriv --pdeathsig: QEMU gets SIGKILL when the harness dies,
        # even by SIGKILL, so no run can leave a stray guest behind.
        if shutil.which("setpriv"):
            cmd = ["setpriv", "--pdeathsig", "KILL", "--"] + cmd
        qlog = open(os.path.join(self.artifacts, "%s-qemu.log" % self.name), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        qlog.close()
        self.started_at = time.monotonic()
        with _live_lock:
            _live.add(self)
        threading.Thread(target=self._watchdog, daemon=True).start()
        try:
            self._qmp = self._connect("qmp")
            self._agent = self._connect("agent")
            greeting = self._qmp_read_message(10)
            if "QMP" not in greeting:
                raise MachineError("unexpected QMP greeting %r" % greeting)
            self.qmp("qmp_capabilities")
        except BaseException:
            self.close()
            raise
        return self

    def _connect(self, what):
        path = os.path.join(self._sockdir, what)
        deadline = time.monotonic() + 10
        while True:
            self._check_alive()
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                return s
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise MachineError("cannot connect to QEMU's %s socket" % what)
                time.sleep(0.05)

    def _watchdog(self):
        if not self._watchdog_stop.wait(self.timeout):
            self.watchdog_fired = True
            self._note("watchdog: machine exceeded %.0fs, killing QEMU" % self.timeout)
            self.kill()

    def _check_alive(self):
        if self.proc is None or self.proc.poll() is not None:
            why = "killed by the watchdog" if self.watchdog_fired else "exited"
            rc = self.proc.returncode if self.proc else None
            raise MachineError("QEMU %s (status %s); see %s" % (why, rc, self.artifacts))

    def remaining(self):
        """Seconds left before the watchdog fires."""
        return self.timeout - (time.monotonic() - self.started_at)

    def kill(self):
        """Kills QEMU's process group at once; safe to call repeatedly and
        from any thread or signal handler."""
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass

    def close(self):
        """Stops the machine (hard: the image keeps nothing worth a clean
        shutdown) and releases its sockets."""
        self._watchdog_stop.set()
        self.kill()
        for s in (self._qmp, self._agent):
            if s is not None:
                s.close()
        self._qmp = self._agent = None
        if self._agent_log:
            self._agent_log.close()
            self._agent_log = None
        if self._sockdir:
            shutil.rmtree(self._sockdir, ignore_errors=True)
            self._sockdir = None
        with _live_lock:
            _live.discard(self)

    def collect_diagnostics(self):
        """Saves the guest's journal and unit states next to the serial log
        (best effort: used when a scenario failed)."""
        try:
            if self.proc and self.proc.poll() is None and self._agent is not None:
                rc, out = self.run("journalctl -b --no-pager -o short-monotonic; "
                                   "echo; systemctl --no-pager list-units --all; "
                                   "for f in /run/*.session.log; do [ -f $f ] || continue; "
                                   "echo; echo \"== $f (last 60 distinct lines)\"; "
                                   "tail -n 2000 $f | uniq | tail -n 60; done",
                                   timeout=min(90, max(5, self.remaining() - 2)))
                with open(os.path.join(self.artifacts, "%s-journal.txt" % self.name), "w") as f:
                    f.write(out)
        except Exception as e:  # diagnostics must never mask the real failure
            self._note("could not collect the journal: %s" % e)

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self.on_exit is not None:
            self.on_exit(self)
        if exc_type is not None or self.failing():
            self.collect_diagnostics()
        self.close()
        return False

    def _note(self, text):
        if self._agent_log:
            try:
                self._agent_log.write("## %s\n" % text)
                self._agent_log.flush()
            except ValueError:
                pass

    # -- serial console --

    def serial_mark(self):
        """Current length of the console log: pass it as `since` to only
        match what the guest prints from now on."""
        try:
            return os.path.getsize(self.serial_log)
        except OSError:
            return 0

    def serial_text(self, since=0):
        try:
            with open(self.serial_log, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_serial(self, marker, timeout=60, since=0):
        """Waits until `marker` appears on ttyS0 (after byte offset
        `since`); returns the console text up to and including it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.serial_text(since)
            i = text.find(marker)
            if i >= 0:
                return text[:i + len(marker)]
            self._check_alive()
            if time.monotonic() > deadline:
                raise MachineError("%r not seen on the console within %ss" % (marker, timeout))
            time.sleep(0.1)

    # -- test control agent --

    def _agent_recv(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self._agent.settimeout(min(remaining, 0.5))
        try:
            chunk = self._agent.recv(65536)
        except socket.timeout:
            self._check_alive()
            return
        if not chunk:
            self._check_alive()
            raise MachineError("agent channel closed")
        self._agent_buf += chunk

    def _boot_state(self):
        """What is known of a boot that brought no agent up, for the error:
        the console's verdict (bootwatch.sh prints what the boot waits for
        there), QEMU's run state; the vCPUs' registers go to a file (where
        a kernel spins, when not even the boot watch ran)."""
        text = self.serial_text()
        if AGENT_READY.decode()[2:] in text:
            said = "the console has the agent's ready line: its channel lost it"
        elif "@@SEATMUX-BOOTWATCH" in text:
            said = "the boot watch says what the boot waits for in %s" % self.serial_log
        elif text.strip():
            said = "the console: %r" % text.strip()[-300:]
        else:
            said = "nothing on the console: not even the boot watch ran"
        try:
            status = self.qmp("query-status", timeout=5).get("status")
            regs = self.qmp("human-monitor-command", timeout=10,
                            **{"command-line": "info registers -a"})
            with open(os.path.join(self.artifacts, "%s-registers.txt" % self.name), "w") as f:
                f.write(regs)
            rips = re.findall(r"RIP=([0-9a-f]+)", regs)
            return "%s; QEMU %s, RIP %s" % (said, status, " ".join(rips))
        except (MachineError, OSError) as e:
            return "%s; QMP: %s" % (said, e)

    def wait_agent(self, timeout=90):
        """Waits for the agent's ready line on ttyS1 (it starts once udev
        has settled). Returns the seconds since QEMU started."""
        deadline = time.monotonic() + timeout
        while AGENT_READY not in self._agent_buf:
            try:
                self._agent_recv(deadline)
            except socket.timeout:
                raise MachineError("agent not ready within %ss (%s)" %
                                   (timeout, self._boot_state()))
        i = self._agent_buf.index(AGENT_READY)
        nl = self._agent_buf.find(b"\n", i)
        self._agent_buf = self._agent_buf[nl + 1:] if nl >= 0 else b""
        elapsed = time.monotonic() - self.started_at
        self._note("agent ready after %.1fs" % elapsed)
        return elapsed

    def run(self, script, timeout=30, check=False):
        """Runs a shell script (sh, as root) in the guest; returns
        (status, combined output). The guest kills the script after
        `timeout` seconds (status 137). Background processes must redirect
        their output: what they print after the script ends is lost.
        check=True raises MachineError on a non-zero status."""
        token = secrets.token_hex(6)
        limit = max(1, int(timeout))
        payload = base64.b64encode(script.encode()).decode()
        self._note("$ " + script.replace("\n", "\n$ "))
        self._agent.sendall(("%s %d %s\n" % (token, limit, payload)).encode())
        end = ("@@SEATMUX-DONE %s " % token).encode()
        deadline = time.monotonic() + limit + 15
        while True:
            i = self._agent_buf.find(end)
            if i >= 0:
                nl = self._agent_buf.find(b"\n", i)
                if nl >= 0:
                    break
            try:
                self._agent_recv(deadline)
            except socket.timeout:
                raise MachineError("agent gave no answer to %r within %ss" % (script, limit + 15))
        out = self._agent_buf[:i].decode("utf-8", "replace")
        rc = int(self._agent_buf[i + len(end):nl].strip() or 255)
        self._agent_buf = self._agent_buf[nl + 1:]
        if self._agent_log:
            self._agent_log.write(out + "## status %d\n" % rc)
            self._agent_log.flush()
        if check and rc != 0:
            raise MachineError("%r failed with status %d: %s" % (script, rc, out.strip()[-500:]))
        return rc, out

    def out(self, script, timeout=30):
        """run() that must succeed; returns its output stripped."""
        return self.run(script, timeout, check=True)[1].strip()

    def wait_until(self, script, timeout=30, interval=0.5):
        """Re-runs `script` until it exits 0; returns its output. Polling
        happens in the guest so it costs one round trip, not many."""
        loop = ("end=$(( $(date +%%s) + %d )); while :; do ( %s ) && exit 0; "
                "[ $(date +%%s) -ge $end ] && exit 1; sleep %s; done"
                % (timeout, script, interval))
        rc, out = self.run(loop, timeout + 5)
        if rc != 0:
            raise MachineError("condition %r not met within %ss: %s"
                               % (script, timeout, out.strip()[-500:]))
        return out

    # -- QMP --

    def _qmp_read_message(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self._qmp_buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MachineError("QMP timed out")
            self._qmp.settimeout(min(remaining, 0.5))
            try:
                chunk = self._qmp.recv(65536)
            except socket.timeout:
                self._check_alive()
                continue
            if not chunk:
                self._check_alive()
                raise MachineError("QMP channel closed")
            self._qmp_buf += chunk
        line, self._qmp_buf = self._qmp_buf.split(b"\n", 1)
        msg = json.loads(line)
        if "event" in msg:
            self.events.append(msg)
        return msg

    def qmp(self, command, timeout=30, **arguments):
        """Runs a QMP command; returns its "return" value, raises
        MachineError with QEMU's description on "error"."""
        req = {"execute": command}
        if arguments:
            req["arguments"] = arguments
        self._qmp.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._qmp_read_message(timeout)
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise MachineError("QMP %s: %s" % (command, msg["error"].get("desc")))

    def wait_event(self, name, timeout=30, match=None):
        """Waits for a QMP event (also one that already arrived and was not
        consumed); returns it and removes it from self.events."""
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if ev["event"] == name and (match is None or match(ev.get("data", {}))):
                    self.events.remove(ev)
                    return ev
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MachineError("QMP event %s not seen within %ss" % (name, timeout))
            try:
                self._qmp_read_message(remaining)
            except MachineError:
                if time.monotonic() >= deadline:
                    raise MachineError("QMP event %s not seen within %ss" % (name, timeout))
                raise

    # -- screens --

    def screendump(self, device=None, head=None, path=None):
        """Saves what `device` (a display's id) shows on `head` as PPM in
        the artifacts folder (or `path`) and returns it as an Image."""
        if path is None:
            self._shots += 1
            path = os.path.join(self.artifacts, "%s-shot%02d-%s-%s.ppm"
                                % (self.name, self._shots, device or "default", head or 0))
        args = {"filename": os.path.abspath(path)}
        if device is not None:
            args["device"] = device
        if head is not None:
            args["head"] = head
        self.qmp("screendump", **args)
        return Image.read_ppm(path)

    # -- input --
    #
    # QEMU 7.2's input-send-event does not name an input device: its
    # `device`/`head` name a display console, and the event goes to the
    # input device bound to that console with the device's display=/head=
    # properties (failing that, to whichever unbound device was used last).
    # So to reach one keyboard, give it display=<gpu id> (and head=) and the
    # helpers below translate its id into that console.

    INPUT_DRIVERS = ("kbd", "keyboard", "mouse", "tablet", "input")

    def _device_props(self, id):
        for d_ in self.devices:
            parts = d_.split(",")
            props = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
            props["driver"] = parts[0]
            if props.get("id") == id:
                return props
        return None

    def _input_target(self, device):
        props = self._device_props(device) if device is not None else None
        if props is None:
            return {"device": device} if device is not None else {}
        if "display" in props:
            return {"device": props["display"], "head": int(str(props.get("head", 0)), 0)}
        if any(w in props["driver"] for w in self.INPUT_DRIVERS):
            raise MachineError(
                "input device %s has no display= property: QEMU routes "
                "input-send-event by display console, so bind it with "
                "display=<gpu id>[,head=N]" % device)
        return {"device": device}   # a display id given directly

    def input_events(self, device, events):
        """Sends QMP input events to input device `device` (by its id, via
        its display binding) or to a display console id; None sends them to
        QEMU's default routing."""
        args = {"events": events}
        args.update(self._input_target(device))
        self.qmp("input-send-event", **args)

    def send_key(self, device, qcode, hold=0.05):
        """Presses and releases one key (QEMU qcode, e.g. "a", "ret",
        "ctrl") on input device `device` (its id)."""
        key = {"type": "qcode", "data": qcode}
        self.input_events(device, [{"type": "key", "data": {"down": True, "key": key}}])
        time.sleep(hold)
        self.input_events(device, [{"type": "key", "data": {"down": False, "key": key}}])

    def send_keys(self, device, qcodes, hold=0.05):
        for q in qcodes:
            self.send_key(device, q, hold)

    def move_rel(self, device, dx, dy):
        self.input_events(device, [
            {"type": "rel", "data": {"axis": "x", "value": int(dx)}},
            {"type": "rel", "data": {"axis": "y", "value": int(dy)}}])

    def move_abs(self, device, x, y):
        """Absolute position in QEMU's 0..32767 range (tablet devices)."""
        self.input_events(device, [
            {"type": "abs", "data": {"axis": "x", "value": int(x)}},
            {"type": "abs", "data": {"axis": "y", "value": int(y)}}])

    def click(self, device, button="left", hold=0.05):
        self.input_events(device, [{"type": "btn", "data": {"down": True, "button": button}}])
        time.sleep(hold)
        self.input_events(device, [{"type": "btn", "data": {"down": False, "button": button}}])

    # -- hotplug --

    def device_add(self, **props):
        """device_add(driver="virtio-keyboard-pci", id="kbd2", addr="0x12")."""
        if "driver" not in props:
            raise ValueError("device_add needs driver=")
        # Remembered like the boot devices, for the input helpers.
        self.devices.append(",".join(
            [str(props["driver"])] + ["%s=%s" % (k, v) for k, v in props.items() if k != "driver"]))
        self.qmp("device_add", **{k: (("on" if v else "off") if isinstance(v, bool) else v)
                                  for k, v in props.items()})

    def device_del(self, id, timeout=30):
        """Unplugs a device and waits for QEMU's DEVICE_DELETED (for PCI
        devices that needs the guest's cooperation, ACPI hotplug)."""
        self.qmp("device_del", id=id)
        self.wait_event("DEVICE_DELETED", timeout, match=lambda d: d.get("device") == id)
        self.devices = [d_ for d_ in self.devices if ("id=%s" % id) not in d_.split(",")]

    # -- networking --

    def setup_network(self):
        """Configures the guest's user-networking interface (10.0.2.15) so
        that hostfwd ports reach guest services. Only with hostfwd."""
        self.run("for n in /sys/class/net/*; do n=${n##*/}; [ $n = lo ] && continue; "
                 "ip link set $n up && ip addr add 10.0.2.15/24 dev $n && "
                 "ip route add default via 10.0.2.2 && exit 0; done; exit 1",
                 check=True)


# --- scenarios --------------------------------------------------------------

SANITIZER_CHECK = r"""
grep -q libasan.so /usr/bin/seatmuxd || { echo unsanitized; exit 0; }
systemctl stop seatmuxd.service
found=$( (journalctl -b --no-pager -u 'seatmux*'; journalctl -b --no-pager -t seatmuxd;
	cat /run/*.session.log 2>/dev/null) |
	grep -E -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:|status=23' | head -n 40)
[ -z "$found" ] || { echo "$found"; exit 1; }
"""


class Scenario:
    """What run.py hands a scenario's run(t): checks, machines, artifacts.

    t.check(name, ok, reason) records one assertion and prints
    "PASS <scenario>: <name>" or "FAIL <scenario>: <name> (<reason>)".
    t.machine(**kwargs) makes a Machine bounded by the scenario's deadline.
    """

    def __init__(self, name, image, artifacts, deadline):
        self.name = name
        self.image = image
        self.artifacts = artifacts
        self.deadline = deadline      # time.monotonic() value
        self.passed = 0
        self.failed = 0
        self._machines = 0

    def check(self, what, ok, reason=""):
        """reason: what a failure says; a callable is called only then
        (a look into the guest costs a round trip each)."""
        ok = bool(ok)
        if ok:
            self.passed += 1
            print("PASS %s: %s" % (self.name, what), flush=True)
        else:
            self.failed += 1
            if callable(reason):
                try:
                    reason = reason()
                except Exception as e:  # the machine may be gone
                    reason = "its reason could not be read: %r" % e
            reason = " ".join(str(reason).split())[:300] or "false"
            print("FAIL %s: %s (%s)" % (self.name, what, reason), flush=True)
        return ok

    def check_eq(self, what, got, want):
        return self.check(what, got == want, "got %r, want %r" % (got, want))

    def fail(self, what, reason):
        return self.check(what, False, reason)

    def remaining(self):
        return self.deadline - time.monotonic()

    def machine(self, name=None, **kwargs):
        self._machines += 1
        if name is None:
            name = "m%d" % self._machines if self._machines > 1 else "m"
        kwargs.setdefault("timeout", max(5, self.remaining()))
        kwargs["timeout"] = min(kwargs["timeout"], max(5, self.remaining()))
        m = Machine(self.image, self.artifacts, name=name, **kwargs)
        # A failed check (not only an exception) makes the machine save the
        # guest's journal before it is stopped.
        m.failing = lambda: self.failed > 0
        m.on_exit = self.check_sanitizers
        return m

    def check_sanitizers(self, m):
        """When the image's seatmuxd was built with ASan/UBSan: stop it (so
        LeakSanitizer runs at its exit) and fail on any sanitizer report
        from it or from the sessions' logs. Nothing is checked otherwise."""
        if m.proc is None or m.proc.poll() is not None:
            return
        try:
            rc, out = m.run(SANITIZER_CHECK, timeout=min(120, max(5, m.remaining() - 2)))
        except MachineError as e:
            self.fail("no sanitizer reports", e)
            return
        if out.strip() != "unsanitized":
            self.check("no sanitizer reports (seatmuxd stopped cleanly)", rc == 0, out[-600:])
