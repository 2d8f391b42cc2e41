#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boots seatmux's OS image (image/build.sh) as a hypervisor would: QEMU
with OVMF (UEFI) from the image's qcow2 disk, with a Hyper-V identity
(the image's default configuration serves RDP stations there), and the
administrator's password given as a system credential (SMBIOS type 11),
as an administrator can in libvirt or Proxmox. Nothing is added to the
image: the test logs on as root on the serial console, as an
administrator would, and runs its commands there.

Checked: the disk boots to a login prompt; the first boot gave the
machine its own machine-id and host name and root the credential's
password; systemd is running with no failed unit; seatmuxd detected
Hyper-V and listens for RDP; evdi is the one dkms built for the image's
kernel. Then a user the administrator adds logs on over RDP with
Debian's FreeRDP (our test client): the session's frames arrive, its
keys reach the terminal (a file made by typing), logind lists the
session on its RDP seat, seatmuxd made its TLS key; a wrong password is
refused.

    tests/image/boot.py --image DIR --build BUILD_DIR

DIR holds seatmux.qcow2 and seatmux.vhdx (image/build.sh --out): the
VHDX must be the same disk block for block; the disk, used, is exported
as a VHDX and booted again as another VM. Output: PASS/FAIL lines, then
"N passed, M failed". The disk is used through a temporary overlay,
so the image stays as built. Artifacts (serial log, console transcript,
journal, screendump) are kept under
${SEATMUX_ARTIFACTS:-/tmp/seatmux-artifacts}/image-boot-<time>/ when a
check fails.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "qemu"))
import harness  # noqa: E402
from webclient import DashboardClient  # noqa: E402

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
TIMEOUT = 900
USER = "pupil"
# The shell reading the test's commands on the serial console (the
# harness's agent protocol): no echo, no line-length limit, no CR.
AGENT = ("stty -echo -icanon -onlcr; export TERM=dumb SYSTEMD_PAGER=cat SYSTEMD_COLORS=0; "
         "while IFS=' ' read -r t l p; do "
         "printf %s \"$p\" | base64 -d >/run/cmd.sh; "
         "timeout -s KILL \"$l\" sh /run/cmd.sh </dev/null 2>&1; "
         "echo \"@@SEATMUX-DONE $t $?\"; done")
# "touch rdpok" and Enter, as set 1 scancodes (the RDP client's --keys).
TOUCH_RDPOK = "0x14,0x18,0x16,0x2e,0x23,0x39,0x13,0x20,0x19,0x18,0x25,0x1c"


class DiskMachine(harness.Machine):
    """A guest booted by OVMF from a disk; its first serial port is the
    console where the test logs on (and, once logged on, the harness's
    command channel: run() works as with the test image's agent)."""

    def __init__(self, disk, vars_file, artifacts, credentials, hostfwd, name="image",
                 **kwargs):
        super().__init__(None, artifacts, name=name, hostfwd=hostfwd, **kwargs)
        self.disk, self.vars_file = disk, vars_file
        self.disk_format = "vhdx" if disk.endswith(".vhdx") else "qcow2"
        self.credentials = credentials
        self.uuid = str(uuid.uuid4())
        self.mac = "52:54:00:%02x:%02x:%02x" % tuple(secrets.token_bytes(3))

    def _command_line(self):
        d = self._sockdir
        fwd = []
        for guest in self.hostfwd:
            host = harness.free_port()
            self.ports[guest] = host
            fwd.append("hostfwd=tcp:127.0.0.1:%d-:%d" % (host, guest))
        args = ["qemu-system-x86_64", "-accel", "tcg", "-machine", "q35",
                "-m", str(self.memory), "-smp", str(self.smp), "-uuid", self.uuid,
                "-nodefaults", "-no-user-config", "-display", "none",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
                "-drive", "if=pflash,format=raw,unit=1,file=" + self.vars_file,
                "-drive", "if=none,id=disk,format=%s,file=%s" % (self.disk_format, self.disk),
                "-device", "virtio-blk-pci,drive=disk",
                "-device", "VGA,id=console",
                "-chardev", "socket,id=qmp,path=%s/qmp,server=on,wait=off" % d,
                "-mon", "chardev=qmp,mode=control",
                "-chardev", "socket,id=agent,path=%s/agent,server=on,wait=off,logfile=%s"
                % (d, self.serial_log),
                "-serial", "chardev:agent",
                "-smbios", "type=1," + ",".join(
                    "%s=%s" % (k, harness._qemu_escape(v)) for k, v in self.smbios.items()),
                "-netdev", "user,id=net0,restrict=on," + ",".join(fwd),
                "-device", "virtio-net-pci,netdev=net0,mac=" + self.mac]
        for name, value in self.credentials.items():
            args += ["-smbios", "type=11,value=io.systemd.credential:%s=%s"
                     % (name, harness._qemu_escape(value))]
        return args

    def start(self):
        # The console is drained all the time: a guest whose serial port
        # is not read stalls in the kernel's console writes (10 ms a
        # character) and never shows its login prompt.
        self._pending = []
        self._arrived = threading.Event()
        super().start()
        threading.Thread(target=self._drain, args=(self._agent,), daemon=True).start()
        return self

    def _drain(self, sock):
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            self._pending.append(chunk or None)
            self._arrived.set()
            if not chunk:
                return

    def _agent_recv(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError()
        self._arrived.wait(min(remaining, 0.5))
        self._arrived.clear()
        while self._pending:
            chunk = self._pending.pop(0)
            if chunk is None:
                self._check_alive()
                raise harness.MachineError("console closed")
            self._agent_buf += chunk
        self._check_alive()

    def type(self, text):
        self._note("typed %r" % (text if "Password" not in text else "***"))
        self._agent.sendall(text.encode())

    def login(self, password, timeout, since=0):
        """Logs root on at the serial getty and starts the command shell."""
        self.wait_serial("login: ", timeout, since=since)
        mark = self.serial_mark()
        self.type("root\n")
        self.wait_serial("Password: ", 30, since=mark)
        mark = self.serial_mark()
        self._agent.sendall((password + "\n").encode())
        self.wait_serial("# ", 60, since=mark)
        self.type(AGENT + "\n")
        return self.run("echo ready", 30)[1].strip().endswith("ready")


class Client:
    """seatmux-rdp-client (FreeRDP 2) on the host, in a thread."""

    def __init__(self, build, port, user, password, tmp, extra=(), lifetime=200, tag=""):
        self.log = os.path.join(tmp, "rdp-%s%s.log" % (user, tag))
        self.dump = os.path.join(tmp, "rdp-%s%s.ppm" % (user, tag))
        argv = [os.path.join(build, "tests", "rdp", "seatmux-rdp-client"),
                "--host", "127.0.0.1", "--port", str(port), "--user", user,
                "--password", password, "--size", "1024x768", "--timeout", "180",
                "--dump", self.dump, "--log", self.log] + list(extra)
        self.rc = None
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._wait, args=(lifetime,))
        self.thread.start()

    def _wait(self, lifetime):
        try:
            self.rc = self.proc.wait(lifetime)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()

    def text(self):
        return open(self.log).read() if os.path.exists(self.log) else ""

    def join(self):
        self.thread.join()
        return self.rc, self.text()


def first_boot(t, m):
    """What the first boot made, and what runs."""
    ident = m.out("cat /etc/machine-id; hostname; getent shadow root | cut -d: -f2 | cut -c1")
    lines = ident.split()
    t.check("the first boot made a machine-id of its own (the image has none)",
            len(lines) == 3 and re.fullmatch(r"[0-9a-f]{32}", lines[0]), ident)
    t.check("and a host name from it (seatmux-XXXXXX)",
            len(lines) == 3 and lines[1] == "seatmux-" + lines[0][:6], ident)
    rc, out = m.run("journalctl -b -u seatmux-image-firstboot -o cat")
    t.check("root's password came from the system credential", "set from a credential" in out, out)

    rc, state = m.run("systemctl is-system-running --wait", 180)
    rc, failed = m.run("systemctl --failed --no-legend --plain")
    t.check("systemd is running, no unit failed", state.strip() == "running" and not failed.strip(),
            "%s: %s" % (state.strip(), failed.strip()))
    rc, out = m.run("systemctl is-active seatmuxd systemd-logind dbus systemd-networkd")
    t.check("seatmuxd, logind, dbus and networkd are active", out.split() == ["active"] * 4, out)
    rc, out = m.run("journalctl -b -t seatmuxd -o cat | head -n 40")
    t.check("seatmuxd found itself in Hyper-V and serves RDP",
            re.search(r"hyper-?v", out, re.I) and "3389" in out, out[-600:])
    rc, out = m.run("modinfo -n evdi; ls /var/lib/dkms/evdi/*/*/x86_64/module/ 2>&1; uname -r")
    t.check("evdi is the module dkms built for the image's kernel",
            "/updates/dkms/evdi.ko" in out and "evdi.ko" in out.split("\n", 1)[1], out)


def rdp(t, m, build, tmp):
    port = m.ports[3389]
    m.out("useradd -m -s /bin/bash %s && echo '%s:%s-pw' | chpasswd" % (USER, USER, USER))
    rc, out = m.run("echo $(( $(date +%s) - $(cut -d. -f1 /proc/uptime) )) "
                    "$(stat -c '%Y %a' /var/lib/seatmux/key.pem)")
    f = out.split()
    t.check("seatmuxd made its RDP TLS key on this machine (none in the image), "
            "readable by root only",
            len(f) == 3 and int(f[1]) >= int(f[0]) and f[2] in ("600", "400"), out)

    bad = Client(build, port, USER, "wrong", tmp, lifetime=120, tag="-wrong")
    rc, log = bad.join()
    t.check("a wrong password is refused", rc == 2 and "refused" in log, "rc %s: %s" % (rc, log[-300:]))

    c = Client(build, port, USER, USER + "-pw", tmp, lifetime=240,
               extra=["--frames", "1", "--linger", "200", "--poke-keys", TOUCH_RDPOK])
    ok = harness_wait(lambda: "connected width=1024 height=768" in c.text(), 120)
    t.check("the user connects over RDP at the size asked for", ok, c.text()[-300:])
    ok = ok and harness_wait(
        lambda: m.run("pgrep -u %s -x foot" % USER)[0] == 0, 120)
    t.check("their station's terminal (foot in seatmux-compositor) runs as the user", ok,
            m.run("ps -eo user,pid,args | grep -E 'foot|seatmux-compositor' | grep -v grep")[1])
    # The shell in the terminal, then a moment for its prompt.
    harness_wait(lambda: m.run("pgrep -u %s -x bash" % USER)[0] == 0, 60)
    time.sleep(1)
    c.proc.send_signal(10)   # SIGUSR1, once lingering: type the keys, dump the picture
    harness_wait(lambda: "poked" in c.text(), 30)
    ok = harness_wait(lambda: m.run("[ -f /home/%s/rdpok ]" % USER)[0] == 0, 60)
    t.check("keys typed in the RDP client reach the shell in the terminal", ok,
            m.run("ls -la /home/%s" % USER)[1])
    owner = m.run("stat -c %%U /home/%s/rdpok" % USER)[1].strip()
    t.check("the file is the user's", owner == USER, owner)
    img = harness.Image.read_ppm(c.dump) if os.path.exists(c.dump) else None
    dark = img.fraction_near((0x11, 0x11, 0x11), 8) if img else 0
    t.check("the client's frames show the terminal (foot's background, #111111)",
            img is not None and (img.width, img.height) == (1024, 768) and dark > 0.5,
            "%s, %.0f%% near #111111" % (img and (img.width, img.height), dark * 100))
    rc, out = m.run("loginctl list-sessions --no-legend; "
                    "for s in $(loginctl list-sessions --no-legend | awk '{print $1}'); do "
                    "loginctl show-session $s -p Name -p Seat -p Class -p State; done")
    t.check("logind lists the user's session on an RDP seat",
            re.search(r"Name=%s\nSeat=seat-rdp\d+\nClass=user\nState=active" % USER, out), out)
    c.proc.terminate()
    c.join()


def dashboard(t, m):
    """The teacher's dashboard the image carries: enabled by the
    administrator, a teacher logs on from the host and sees the pupil's
    RDP station."""
    m.out("useradd -m -G seatmux-teacher teacher && echo 'teacher:teacher-pw' | chpasswd && "
          "systemctl enable --now seatmux-dashboard.socket seatmux-dashboard-session.socket")
    h = DashboardClient(m.ports[8443])
    try:
        st, data = h.login("teacher", "teacher-pw")
        st2, _, body = h.req("GET", "/api/stations") if st == 200 else (st, None, b"{}")
    except OSError as e:
        st, data, st2, body = e, b"", None, b"{}"
    stations = json.loads(body or b"{}").get("stations", []) if st2 == 200 else []
    t.check("the dashboard, once enabled: a teacher logs on over HTTPS and sees the pupil's "
            "RDP station", st == 200 and any(s["kind"] == "rdp" and s["user"] == USER
                                              for s in stations),
            "%s %s %s %s" % (st, data[:200], st2, body[:300]))


def reboot(t, m, password):
    """Reboots the guest and logs on again; the seconds it took."""
    mark = m.serial_mark()
    start = time.monotonic()
    m.run("systemctl --no-block reboot")
    try:
        ok = m.login(password, 300, since=mark)
        m.wait_until("findmnt /boot/efi", 60)   # nofail: it may come after the prompt
    except harness.MachineError as e:
        ok = False
        print("# image-boot: %s" % e)
    t.check("it reboots, and root logs on again", ok)
    return time.monotonic() - start if ok else None


ESP_SUMS = "sha256sum /boot/efi/vmlinuz /boot/efi/initrd.img /boot/vmlinuz-$(uname -r) " \
    "/boot/initrd.img-$(uname -r) | cut -d' ' -f1"


def esp_update(t, m):
    """A new kernel, or an initramfs made anew (a kernel update, dkms),
    reaches the EFI partition, which boots /vmlinuz and /initrd.img: the
    hooks run as Debian's kernel postinst and update-initramfs run them,
    onto a scratch partition mounted over the EFI partition's place
    (mkinitramfs itself takes over five minutes under TCG)."""
    hooks = (("the kernel's postinst hook", "--regex '^zz-seatmux' --arg=$v --arg=/boot/vmlinuz-$v "
              "/etc/kernel/postinst.d"),
             ("update-initramfs's post-update hook", "--arg=$v --arg=/boot/initrd.img-$v "
              "/etc/initramfs/post-update.d"))
    for what, args in hooks:
        rc, out = m.run("v=$(uname -r); mount -t tmpfs -o mode=0700 seatmux-esp /boot/efi && "
                        "run-parts %s 2>&1; %s; umount /boot/efi" % (args, ESP_SUMS), timeout=120)
        sums = out.split()[-4:]
        t.check("%s puts the newest kernel and its initramfs on the EFI partition" % what,
                rc == 0 and "the EFI partition now boots" in out and len(sums) == 4 and
                sums[0] == sums[2] and sums[1] == sums[3], out[-300:])


def protection(t, m, password):
    """Disk protection: on, a reboot, writes; off, a reboot: forgotten,
    but for the kept homes."""
    def status():
        return m.run("seatmux-image-protect status")[1].strip()

    t.check_eq("protection is off in a new image", status(),
               "protection: off now, off from the next boot")
    rc, out = m.run("seatmux-image-protect on")
    t.check("seatmux-image-protect on: from the next boot",
            rc == 0 and out.strip() == "protection: off now, on from the next boot", out)
    took = reboot(t, m, password)
    if took is None:
        return
    print("# image-boot: a reboot to a protected disk took %.0f s" % took)
    t.check_eq("the machine runs protected", status(), "protection: on now, on from the next boot")
    t.check_eq("its root is the overlay", m.run("findmnt -n -o FSTYPE /")[1].strip(), "overlay")
    sums = m.run(ESP_SUMS)[1].split()
    rc, out = m.run("seatmux-image-esp-update $(uname -r) 2>&1")
    t.check("protected, a kernel update leaves the EFI partition alone (the root's modules "
            "would be forgotten)", rc == 0 and "the disk is protected" in out and
            m.run(ESP_SUMS)[1].split() == sums, (out, sums))
    rc, out = m.run("echo forgotten >/etc/seatmux-test-written && "
                    "echo kept >/home/%s/kept && chown %s /home/%s/kept && "
                    "useradd -m visitor && seatmux-image-protect off" % (USER, USER, USER))
    t.check("root writes to /etc, a user's home and the user database while protected; "
            "protection off from the next boot",
            rc == 0 and "protection: on now, off from the next boot" in out, out)
    # The next boot, back in maintenance, is the disk's boot as a new VM
    # (imported(), then forgotten()): one boot fewer.


def forgotten(t, m):
    """After protection was switched off: the disk is the root again, and
    what was written while protected is gone but for the kept homes."""
    t.check_eq("back to maintenance: the disk itself is the root",
               (m.run("seatmux-image-protect status")[1].strip(),
                m.run("findmnt -n -o FSTYPE /")[1].strip()),
               ("protection: off now, off from the next boot", "ext4"))
    rc, out = m.run("ls /etc/seatmux-test-written; id visitor; cat /home/%s/kept; id -un %s"
                    % (USER, USER))
    t.check("what was written while protected is gone, but the kept home's file is there "
            "(and what maintenance wrote before: the user)",
            "No such file" in out and "no such user" in out and
            out.strip().endswith("kept\n%s" % USER), out)


def harness_wait(pred, timeout, interval=1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return False


def identity(m):
    """machine-id, host name and the RDP certificate's digest."""
    out = m.run("cat /etc/machine-id; hostname; sha256sum </var/lib/seatmux/cert.pem")[1].split()
    return out[:3]


def shipped_vhdx(t, image):
    """The VHDX is what Hyper-V imports; the tests boot the qcow2. Both
    must be the same disk, block for block."""
    qcow2, vhdx = (os.path.join(image, "seatmux." + f) for f in ("qcow2", "vhdx"))
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", vhdx],
                                     capture_output=True, text=True).stdout or "{}")
    with open(vhdx, "rb") as f:
        magic = f.read(8)
    size = info.get("virtual-size", 0)
    t.check("seatmux.vhdx is a VHDX (its signature, qemu-img's reading) whose size is whole "
            "sectors, as the format wants", magic == b"vhdxfile" and
            info.get("format") == "vhdx" and size > 0 and size % 512 == 0,
            "%r %s" % (magic, info))
    r = subprocess.run(["qemu-img", "compare", "-f", "qcow2", "-F", "vhdx", qcow2, vhdx],
                       capture_output=True, text=True)
    t.check("and it holds the same disk as seatmux.qcow2, block for block",
            r.returncode == 0, (r.stdout + r.stderr).strip())


def export_vhdx(disk, tmp):
    """The disk as Hyper-V's export writes it: a dynamic VHDX copy."""
    out = os.path.join(tmp, "exported.vhdx")
    subprocess.run(["qemu-img", "convert", "-O", "vhdx", "-o", "subformat=dynamic", disk, out],
                   check=True)
    return out


def imported(t, disk, vars_file, password, before):
    """The same disk as a new VM (a new UUID and MAC address, as Hyper-V's
    import as a copy makes), booted from the VHDX the export wrote: it
    takes a new identity in its initramfs, boots once, and comes up
    healthy with what the original kept."""
    m = DiskMachine(disk, vars_file, t.artifacts, {}, hostfwd=[3389], smbios=HYPERV,
                    memory=2048, name="imported", timeout=max(5, t.remaining()))
    m.failing = lambda: t.failed > 0
    with m:
        try:
            ok = m.login(password, 300)
        except harness.MachineError as e:
            t.fail("the disk imported as a new VM boots to a login prompt", e)
            return
        boots = m.serial_text().count("BdsDxe: starting")
        t.check("the disk exported as a VHDX and imported as a new VM boots once (no reboot), "
                "and root logs on with the password set before", ok and boots == 1,
                "%d boots" % boots)
        rc, out = m.run("journalctl -b | grep 'seatmux-identity: '")
        t.check("its initramfs gave it the new identity, before systemd started",
                "a new virtual machine (" in out and ("-> %s)" % m.uuid) in out, out)
        now = identity(m)
        want = m.uuid.replace("-", "")
        t.check("it has a new identity: the machine-id from the new UUID, a host name from it, "
                "a new TLS key", len(now) == 3 and now[0] == want and now[1] == "seatmux-" +
                want[:6] and now[0] != before[0] and now[2] != before[2],
                "before %s, now %s, uuid %s" % (before, now, m.uuid))
        forgotten(t, m)
        rc, out = m.run("cat /var/lib/seatmux-image/imports")
        t.check("the import is on record (/var/lib/seatmux-image/imports)",
                out.strip().endswith("-> " + m.uuid), out)
        rc, state = m.run("systemctl is-system-running --wait", 180)
        rc, failed = m.run("systemctl --failed --no-legend --plain")
        t.check("it comes up healthy: systemd running, no unit failed, seatmuxd active, "
                "the users of before kept",
                state.strip() == "running" and not failed.strip() and
                m.run("systemctl is-active seatmuxd")[1].strip() == "active" and
                m.run("id -un %s" % USER)[1].strip() == USER,
                "%s: %s" % (state.strip(), failed.strip()))
        if t.failed:
            m.collect_diagnostics()


def run(t, image, build, tmp):
    shipped_vhdx(t, image)
    disk = os.path.join(tmp, "disk.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    os.path.abspath(os.path.join(image, "seatmux.qcow2")), disk], check=True)
    vars_file = os.path.join(tmp, "OVMF_VARS.fd")
    shutil.copy(OVMF_VARS, vars_file)
    password = secrets.token_urlsafe(12)
    m = DiskMachine(disk, vars_file, t.artifacts, {"passwd.plaintext-password.root": password},
                    hostfwd=[3389, 8443], smbios=HYPERV, memory=2048, timeout=max(5, t.remaining()))
    m.failing = lambda: t.failed > 0
    with m:
        t0 = time.monotonic()
        try:
            ok = m.login(password, 300)
        except harness.MachineError as e:
            ok = False
            t.fail("the disk boots (OVMF, systemd-boot) to a login prompt", e)
            m.screendump("console", path=os.path.join(t.artifacts, "console.png"))
            return
        t.check("the disk boots (OVMF, systemd-boot) to a login prompt, and root logs on"
                " with the credential's password", ok)
        print("# image-boot: logged on %.0f s after QEMU started" % (time.monotonic() - t0))
        first_boot(t, m)
        rdp(t, m, build, tmp)
        dashboard(t, m)
        esp_update(t, m)
        before = identity(m)
        if t.failed:
            m.collect_diagnostics()
        protection(t, m, password)
        if t.failed:
            m.collect_diagnostics()
        m.run("systemctl --no-block poweroff")
        try:
            m.proc.wait(90)
        except subprocess.TimeoutExpired:
            pass
        t.check("it powers off when asked", m.proc.poll() is not None)
    exported = export_vhdx(disk, tmp)
    os.unlink(disk)
    imported(t, exported, vars_file, password, before)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--build", required=True)
    args = ap.parse_args()
    base = os.environ.get("SEATMUX_ARTIFACTS", "/tmp/seatmux-artifacts")
    artifacts = os.path.join(base, "image-boot-" + time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(artifacts, exist_ok=True)
    t = harness.Scenario("image-boot", None, artifacts, time.monotonic() + TIMEOUT)
    tmp = tempfile.mkdtemp(prefix="image-boot-")
    start = time.monotonic()
    try:
        run(t, args.image, args.build, tmp)
    except Exception as e:  # a broken step is one failure, reported
        t.fail("scenario", "%s: %s" % (type(e).__name__, e))
    finally:
        harness.kill_all()
        shutil.rmtree(tmp, ignore_errors=True)
    print("# image-boot: took %.0f s" % (time.monotonic() - start))
    if t.failed:
        print("# image-boot: artifacts kept in %s" % artifacts)
    else:
        shutil.rmtree(artifacts, ignore_errors=True)
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
