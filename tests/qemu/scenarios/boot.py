# SPDX-License-Identifier: MIT
"""The image boots under TCG and gives seat-ready devices.

Proves the foundation the broker scenarios stand on: systemd is PID 1,
udev runs with Debian's seat rules, virtio GPUs and input devices become
DRM cards and event nodes, an overlay udev rule moves devices to seat1,
QMP screendump/input/unplug reach the right devices.
"""

import base64
import struct
import time

from harness import dev

TIMEOUT = 120
# Uses boot-overlay/ (72-seat1.rules) by the <name>-overlay convention.

HEAD0_SIZE = (1024, 768)
DEVICES = [
    dev("virtio-gpu-pci", id="head0", addr=0x08, xres=HEAD0_SIZE[0], yres=HEAD0_SIZE[1]),
    dev("virtio-gpu-pci", id="head1", addr=0x09, max_outputs=2),
    # display= binds each input device to a console: that is how QMP's
    # input-send-event picks one device (see harness.Machine.input_events).
    dev("virtio-keyboard-pci", id="kbd0", addr=0x0a, display="head0"),
    dev("virtio-keyboard-pci", id="kbd1", addr=0x0b, display="head1"),
    dev("virtio-mouse-pci", id="mouse0", addr=0x0c, display="head0"),
    dev("virtio-mouse-pci", id="mouse1", addr=0x0d, display="head1"),
]
CARD = {"head0": "/dev/dri/by-path/pci-0000:00:08.0-card",
        "head1": "/dev/dri/by-path/pci-0000:00:09.0-card"}
EVENT = {"kbd0": "/dev/input/by-path/pci-0000:00:0a.0-event-kbd",
         "kbd1": "/dev/input/by-path/pci-0000:00:0b.0-event-kbd",
         "mouse0": "/dev/input/by-path/pci-0000:00:0c.0-event-mouse",
         "mouse1": "/dev/input/by-path/pci-0000:00:0d.0-event-mouse"}

EV_KEY, KEY_A = 1, 30
INPUT_EVENT = struct.Struct("qqHHi")   # struct input_event on x86_64


def udev_props(m, node):
    """udevadm info's E: lines as a dict (TAGS included)."""
    rc, out = m.run("udevadm info --query=all --name=%s" % node)
    props = {}
    for line in out.splitlines():
        if line.startswith("E: ") and "=" in line:
            k, v = line[3:].split("=", 1)
            props[k] = v
    return props


def tags(props):
    return set(filter(None, props.get("TAGS", "").split(":")))


def read_events(m, path):
    rc, out = m.run("base64 %s 2>/dev/null" % path)
    data = base64.b64decode("".join(out.split()) or b"")
    n = len(data) // INPUT_EVENT.size
    return [INPUT_EVENT.unpack_from(data, i * INPUT_EVENT.size)[2:] for i in range(n)]


def run(t):
    with t.machine(devices=DEVICES) as m:
        ready = m.wait_agent(timeout=90)
        print("# %s: agent ready %.1fs after QEMU started" % (t.name, ready), flush=True)

        rc, out = m.run("readlink /proc/1/exe")
        t.check("PID 1 is systemd", out.strip() in ("/usr/lib/systemd/systemd", "/lib/systemd/systemd"),
                out.strip())
        rc, out = m.run("systemctl is-active systemd-udevd.service")
        t.check("systemd-udevd is running", rc == 0 and out.strip() == "active", out.strip())
        rc, out = m.run("systemctl is-system-running")
        t.check("no unit failed", out.strip() in ("running", "starting"),
                lambda: out.strip() + " " + m.run("systemctl --failed --no-legend --plain")[1])

        rc, out = m.run("ls /dev/dri")
        cards = sorted(w for w in out.split() if w.startswith("card"))
        t.check_eq("two virtio-gpu devices give card0 and card1", cards, ["card0", "card1"])
        rc, out = m.run("for n in %s; do [ -c \"$n\" ] || echo missing $n; done"
                        % " ".join(EVENT[k] for k in sorted(EVENT)))
        t.check("two keyboards and two mice give event nodes", rc == 0 and not out.strip(), out)

        card0 = udev_props(m, CARD["head0"])
        t.check("DRM card tagged seat and master-of-seat",
                {"seat", "master-of-seat"} <= tags(card0), card0.get("TAGS"))
        card1 = udev_props(m, CARD["head1"])
        t.check_eq("overlay rule puts the second GPU on seat1", card1.get("ID_SEAT"), "seat1")
        t.check("first GPU stays on seat0 (no ID_SEAT)", card0.get("ID_SEAT") in (None, "seat0"),
                card0.get("ID_SEAT"))
        # The rule matches the input device (71-seat.rules tags inputN, not
        # eventN): look at the node's parent.
        rc, out = m.run("p=$(udevadm info -q path -n %s); udevadm info -q property -p ${p%%/*}"
                        % EVENT["kbd1"])
        t.check("overlay rule puts the second keyboard on seat1", "ID_SEAT=seat1" in out.split(),
                out.strip()[-200:])
        kbd1 = udev_props(m, EVENT["kbd1"])
        t.check("kbd1's event node inherits ID_SEAT=seat1 (73-seat-late IMPORT{parent})",
                kbd1.get("ID_SEAT") == "seat1" and "seat1" in tags(kbd1),
                "ID_SEAT=%s TAGS=%s" % (kbd1.get("ID_SEAT"), kbd1.get("TAGS")))

        shot = m.screendump("head0", 0)
        t.check_eq("screendump of head0 has the configured size",
                   (shot.width, shot.height), HEAD0_SIZE)

        # Key input targeted at kbd1 must reach kbd1's node and not kbd0's.
        # Readers are bounded (timeout + count) and must have the nodes
        # open before the key is sent.
        m.run("rm -f /tmp/kbd0.bin /tmp/kbd1.bin; "
              "timeout 20 dd if=%s of=/tmp/kbd0.bin bs=24 count=4 >/dev/null 2>&1 & "
              "timeout 20 dd if=%s of=/tmp/kbd1.bin bs=24 count=4 >/dev/null 2>&1 & "
              "true" % (EVENT["kbd0"], EVENT["kbd1"]))
        m.wait_until("[ $(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c /dev/input/event) -ge 2 ]", 10)
        m.send_key("kbd1", "a")
        m.wait_until("[ $(wc -c < /tmp/kbd1.bin) -ge 96 ]", 10)
        events = read_events(m, "/tmp/kbd1.bin")
        t.check("input-send-event to kbd1 arrives on its event node",
                (EV_KEY, KEY_A, 1) in events and (EV_KEY, KEY_A, 0) in events, events)
        rc, out = m.run("wc -c < /tmp/kbd0.bin")
        t.check("kbd0 saw nothing of it", out.strip() == "0", "%s bytes" % out.strip())
        m.run("kill $(pidof dd) 2>/dev/null; true")

        # Unplug: QEMU reports DEVICE_DELETED once the guest released the
        # device; its event node must then be gone.
        rc, node = m.run("readlink -f %s" % EVENT["mouse1"])
        node = node.strip()
        t0 = time.monotonic()
        m.device_del("mouse1", timeout=30)
        rc, out = m.run("for i in $(seq 50); do [ -e %s ] || [ -e %s ] || exit 0; sleep 0.2; done; "
                        "ls -l %s %s; exit 1" % (node, EVENT["mouse1"], node, EVENT["mouse1"]))
        t.check("device_del of mouse1 removes its event node (%s)" % node, rc == 0, out)
        rc, out = m.run("[ -c %s ]" % EVENT["mouse0"])
        t.check("mouse0's event node is still there", rc == 0, "gone")
        print("# %s: unplug took %.1fs" % (t.name, time.monotonic() - t0), flush=True)
