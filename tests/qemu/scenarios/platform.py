# SPDX-License-Identifier: MIT
"""seatmuxd knows where it runs, and says so; configuration mistakes are
reported with file and line and stop nothing else.

The guest carries Hyper-V's DMI identity, as QEMU can present it
(-smbios type=1), and two emulated heads (virtio-gpu and bochs); seatmuxd
must detect Hyper-V and build no station on those heads, saying why for
each. physical-heads = yes overrides that, the platform can be
overridden too, and a broken configuration is refused.
"""

from harness import dev
from stations import attempt

TIMEOUT = 180
HYPERV = {"manufacturer": "Microsoft Corporation", "product": "Virtual Machine"}
DEVICES = [dev("virtio-gpu-pci", id="head0", addr=0x08), dev("bochs-display", id="head1", addr=0x09)]
CONF = "/etc/seatmux/seatmux.conf"


def journal_has(m, text):
    rc, out = m.run("journalctl -b -t seatmuxd --no-pager | grep -F -- '%s'" % text)
    return rc == 0


def active(m):
    rc, out = m.run("for i in $(seq 40); do systemctl is-active -q seatmuxd && exit 0; "
                    "systemctl is-failed -q seatmuxd && exit 1; sleep 0.5; done; exit 1", timeout=30)
    return rc == 0


def run(t):
    with t.machine(devices=DEVICES, smbios=HYPERV) as m:
        m.wait_agent(timeout=90)
        rc, out = m.run("seatmuxd --detect-platform")
        t.check("seatmuxd --detect-platform says hyperv", out.strip().startswith("hyperv ("), out)
        t.check("seatmuxd comes up", active(m))
        t.check("seatmuxd logs the detected platform at start",
                journal_has(m, "platform: hyperv (cpuid"), lambda: m.run("journalctl -t seatmuxd | head")[1])
        rc, out = m.run("journalctl -b -t seatmuxd --no-pager")
        left = [l for l in out.splitlines() if "head left alone" in l]
        t.check("under Hyper-V both emulated heads are left alone, each with the reason",
                len(left) == 2 and all("physical heads are no stations on hyperv" in l for l in left),
                out[-600:])
        t.check("and no seat is built on them", "seat up" not in out, out[-300:])

        m.run("mkdir -p /etc/seatmux && printf '[broker]\\nphysical-heads = yes\\n' > %s && "
              "systemctl restart seatmuxd" % CONF, check=True)
        t.check("physical-heads = yes makes them stations again",
                active(m) and attempt(lambda: m.wait_until("journalctl -b -t seatmuxd --no-pager | "
                                                           "grep -q 'seat0: seat up'", 20)),
                lambda: m.run("journalctl -t seatmuxd | tail -n 5")[1])

        m.run("mkdir -p /etc/seatmux && printf '[broker]\\nplatform = bare-metal\\n' > %s && "
              "systemctl restart seatmuxd" % CONF, check=True)
        t.check("the configuration overrides the platform",
                active(m) and journal_has(m, "platform: bare-metal, as configured"))

        m.run("printf '[broker]\\nplatform = bare-metal\\n\\n[seat.seat0]\\nusr = station0\\n' > %s" % CONF)
        rc, out = m.run("seatmuxd --check-config")
        t.check("--check-config names file and line of a mistake",
                rc == 1 and "%s:5: unknown key 'usr' in a seat section" % CONF in out, out)
        m.run("systemctl restart seatmuxd; true", timeout=30)
        t.check("seatmuxd refuses to start with a broken configuration", not active(m))
        rc, out = m.run("sleep 3; systemctl show -p Result -p NRestarts seatmuxd")
        t.check("and is not restarted in a loop (EX_CONFIG)",
                "Result=exit-code" in out and "NRestarts=0" in out, out)
        t.check("the journal tells why", journal_has(m, "%s:5: unknown key" % CONF))
        m.run("rm %s && systemctl reset-failed seatmuxd; systemctl start seatmuxd; true" % CONF, timeout=30)
        t.check("fixed, it starts again", active(m))
