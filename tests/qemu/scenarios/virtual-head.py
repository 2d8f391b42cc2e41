# SPDX-License-Identifier: MIT
"""A station on a virtual head, in a Hyper-V guest.

The guest has Hyper-V's DMI identity and a bochs head, which seatmuxd
leaves alone (a VM's console is no station). A virtual head is opened the
way RDP and USB/IP stations will open theirs: an evdi device (Debian's
evdi-dkms, built for the image's kernel) connected as a monitor whose EDID
announces the requested size (drivers/vhead). Here nothing carries the
pixels away yet: tests/tools/vhead-sink takes the frames and dumps them,
and makes the station's virtual keyboard and pointer (uinput, as
drivers/vhead/vinput makes them). seatmuxd must see the evdi card as a
virtual head and build seat0 on it; the seat's session (seatmux-compositor
with the test client) must pick the EDID's size, the frames taken from
evdi must show seat0's client, and keys and clicks on the virtual devices
must reach that client.
"""

import base64
import os
import re
import tempfile
import time

from harness import Image, dev
from stations import COLOR, attempt, event_log, wait_ready

TIMEOUT = 300
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
DEVICES = [dev("bochs-display", id="console", addr=0x08)]
SINK = "/usr/libexec/seatmux/vhead-sink"
W, H = 640, 480


def fetch_ppm(m, path):
    rc, out = m.run("base64 %s" % path, timeout=60)
    if rc != 0:
        raise RuntimeError("cannot read %s: %s" % (path, out[-200:]))
    with tempfile.NamedTemporaryFile(suffix=".ppm", delete=False) as f:
        f.write(base64.b64decode(out))
    try:
        return Image.read_ppm(f.name)
    finally:
        os.unlink(f.name)


def run(t):
    with t.machine(devices=DEVICES, smbios=HYPERV) as m:
        m.wait_agent(timeout=90)
        t.check("the bochs console is left alone under Hyper-V",
                attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'head left alone'", 30)),
                lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1])
        t.check("evdi is loaded", m.run("grep -q '^evdi ' /proc/modules")[0] == 0,
                lambda: m.run("dmesg | grep -i evdi | tail -n 5")[1])

        m.run("setsid %s --size %dx%d --name station-1 --input --log /run/vhead.log --dump /run/vhead.ppm "
              ">/run/vhead.out 2>&1 < /dev/null &" % (SINK, W, H), check=True)
        ok = attempt(lambda: m.wait_until("grep -q '^card path=/dev/dri/card' /run/vhead.log", 30))
        if not t.check("a virtual head opens as a DRM card", ok,
                       lambda: m.run("cat /run/vhead.log /run/vhead.out; dmesg | tail -n 5")[1]):
            return
        card = re.search(r"card path=/dev/dri/(card\d+)", m.run("cat /run/vhead.log")[1]).group(1)
        ok = attempt(lambda: wait_ready(m, "seat0", timeout=120))
        t.check("seatmuxd builds seat0 on the virtual head and runs its session", ok,
                lambda: m.run("journalctl -t seatmuxd | tail -n 8; tail -n 5 /run/seat0.session.log")[1])
        rc, out = m.run("journalctl -t seatmuxd | grep '%s'" % card)
        t.check("the virtual head is not left alone", "left alone" not in out and card in out, out)
        rc, out = m.run("journalctl -t seatmuxd | grep 'a head left alone' || true")
        t.check("the session never got the console's card", out.strip() == "" and
                "/dev/dri/%s" % card in m.run("cat /run/seat0.session.log")[1],
                lambda: out + m.run("head -n 3 /run/seat0.session.log")[1])
        rc, out = m.run("cat /sys/class/drm/%s-*/status; head -n 1 /sys/class/drm/%s-*/modes"
                        % (card, card))
        t.check("its connector is connected, the EDID's %dx%d the preferred mode" % (W, H),
                out.split() == ["connected", "%dx%d" % (W, H)], out)

        rc, out = m.run("grep -h '^ready\\|^resize' %s" % event_log("seat0"))
        t.check("the session's client fills the requested size",
                "width=%d height=%d" % (W, H) in out, out)
        ok = attempt(lambda: m.wait_until("grep -q '^frames n=' /run/vhead.log", 60))
        t.check("the sink takes frames from the virtual head", ok and
                "mode width=%d height=%d" % (W, H) in m.run("cat /run/vhead.log")[1],
                lambda: m.run("cat /run/vhead.log")[1])
        time.sleep(2)
        m.run("rm -f /run/vhead.ppm; pkill -USR1 -f vhead-sink || killall -USR1 vhead-sink",
              check=True)
        ok = attempt(lambda: m.wait_until("[ -s /run/vhead.ppm ]", 20))
        if not t.check("the sink dumps the newest frame", ok, lambda: m.run("cat /run/vhead.out")[1]):
            return
        img = fetch_ppm(m, "/run/vhead.ppm")
        own = img.fraction_near(COLOR["seat0"], tolerance=24)
        t.check("the frames show seat0's client over the whole head",
                (img.width, img.height) == (W, H) and own > 0.85,
                "%dx%d, %.0f%% seat0's colour" % (img.width, img.height, own * 100))

        # The virtual keyboard and pointer.
        rc, log = m.run("cat /run/vhead.log")
        nodes = re.findall(r"input keyboard=(\S+) pointer=(\S+)", log)
        if not t.check("the virtual keyboard and pointer exist", bool(nodes), log):
            return
        ok = attempt(lambda: m.wait_until("journalctl -t seatmuxd | grep -q 'seat0: %s handed' && "
                                          "journalctl -t seatmuxd | grep -q 'seat0: %s handed'"
                                          % nodes[0], 20))
        t.check("seatmuxd hands both to seat0's session", ok,
                lambda: m.run("journalctl -t seatmuxd | grep handed")[1])
        m.run("killall -USR2 vhead-sink", check=True)
        ok = attempt(lambda: m.wait_until("grep -q '^key key=30 state=pressed' %s" % event_log("seat0"), 20))
        t.check("a key on the virtual keyboard reaches seat0's client", ok,
                lambda: m.run("grep -v '^frame' %s | tail -n 6" % event_log("seat0"))[1])
        rc, out = m.run("grep -v '^frame' %s" % event_log("seat0"))
        t.check("the absolute pointer moves to the middle and clicks there",
                re.search(r"^(pointer_enter|motion) x=%d y=%d" % (W // 2, H // 2), out, re.M) and
                "button button=272 state=pressed" in out, out[-300:])
        m.run("killall vhead-sink; true")
