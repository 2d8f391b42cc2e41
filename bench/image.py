#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The OS image: its build and its boot, against the test initramfs.

    bench/image.py --build BUILD_DIR --debs DEB_DIR [--runs R] [--out DIR]

Builds the image (image/build.sh) and prints its time and sizes; the
build keeps Debian's packages in its apt cache, so a second run gives
the warm figure (the first fetches them). Then boots it R times as a new
Hyper-V generation 2 VM would (OVMF, the qcow2 disk through an overlay,
so every run is a first boot) and times QEMU's start to RDP-ready: the
first RDP logon that seatmuxd answers (a wrong password, refused: the
listener, the sink and PAM are up). The same for the test initramfs the
scenarios boot (hyperv-rdp's configuration: kernel and initramfs given
to QEMU, no firmware, no disk). Medians. The guest is emulated (TCG):
compare rows, not absolute times. Prints figures, asserts nothing; exits
1 only if a measurement could not be made.
"""

import argparse
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(TOP, "tests", "qemu"))
import harness  # noqa: E402

HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}


def boot_module():
    spec = importlib.util.spec_from_file_location(
        "image_boot", os.path.join(TOP, "tests", "image", "boot.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def rdp_ready(build, port, started, timeout=600):
    """Seconds from `started` to the first refused logon on port."""
    client = os.path.join(build, "tests", "rdp", "seatmux-rdp-client")
    deadline = started + timeout
    while time.monotonic() < deadline:
        out = subprocess.run([client, "--host", "127.0.0.1", "--port", str(port), "--user",
                              "nobody-here", "--password", "wrong", "--size", "640x480",
                              "--timeout", "20"], capture_output=True, text=True)
        if "refused" in out.stdout + out.stderr:
            return time.monotonic() - started
        time.sleep(1)
    raise harness.MachineError("no RDP answer within %d s" % timeout)


def disk_boot(boot, build, image, tmp):
    disk = os.path.join(tmp, "disk.qcow2")
    subprocess.check_call(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                           os.path.abspath(os.path.join(image, "seatmux.qcow2")), disk])
    vars_file = os.path.join(tmp, "OVMF_VARS.fd")
    shutil.copy(boot.OVMF_VARS, vars_file)
    m = boot.DiskMachine(disk, vars_file, tmp,
                         {"passwd.plaintext-password.root": "bench-only-1"},
                         hostfwd=[3389], smbios=HYPERV, memory=2048, timeout=900)
    try:
        m.start()
        return rdp_ready(build, m.ports[3389], m.started_at)
    finally:
        m.close()
        os.unlink(disk)


def initramfs_boot(build, image, tmp):
    m = harness.Machine(image, tmp, name="initramfs",
                        devices=[harness.dev("bochs-display", id="console", addr=0x08)],
                        smbios=HYPERV, hostfwd=[3389], memory=2048, timeout=900)
    try:
        m.start()
        # The test initramfs has no DHCP client: the harness's agent sets
        # the address the scenarios' guests use (hyperv-rdp does the same).
        m.wait_agent(timeout=300)
        m.setup_network()
        return rdp_ready(build, m.ports[3389], m.started_at)
    finally:
        m.close()


def build_image(debs, out):
    t0 = time.monotonic()
    p = subprocess.run([os.path.join(TOP, "image", "build.sh"), "--debs", debs, "--out", out],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise harness.MachineError("image/build.sh failed: %s" % p.stderr[-500:])
    sizes = dict(re.findall(r"(seatmux\.\w+): (\d+ MiB on disk)", p.stderr))
    used = re.search(r"root (\d+ MiB) used", p.stderr)
    return time.monotonic() - t0, sizes, used.group(1) if used else "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--debs", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="imagebench-")
    out = args.out or os.path.join(tmp, "os-image")
    print("# bench/image.py: the OS image's build and boot, %d boots each, medians; "
          "TCG guest: compare rows only" % args.runs, flush=True)
    try:
        took, sizes, used = build_image(args.debs, out)
        initramfs = os.path.join(tmp, "initramfs")
        subprocess.check_call([os.path.join(TOP, "tests", "qemu", "build-image.sh"), "--build",
                               build, "--out", initramfs, "--overlay",
                               os.path.join(TOP, "tests", "qemu", "scenarios",
                                            "hyperv-rdp-overlay")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        boot = boot_module()
        disk = [disk_boot(boot, build, out, tmp) for _ in range(args.runs)]
        ram = [initramfs_boot(build, initramfs, tmp) for _ in range(args.runs)]
    except (harness.MachineError, subprocess.CalledProcessError, OSError) as e:
        print("bench/image.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        harness.kill_all()
    print("\nimage build: %.0f s; root file system %s used; %s" %
          (took, used, ", ".join("%s %s" % kv for kv in sorted(sizes.items()))))
    print("%-44s %22s" % ("boot (QEMU start -> RDP logon answered)", "median s (runs)"))
    for name, values in (("OS image: OVMF, systemd-boot, disk, first boot", disk),
                         ("test initramfs: kernel + initramfs, no firmware", ram)):
        print("%-44s %8.1f (%s)" % (name, statistics.median(values),
                                    " ".join("%.1f" % v for v in values)))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
