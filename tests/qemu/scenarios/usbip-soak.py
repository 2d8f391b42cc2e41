# SPDX-License-Identifier: MIT
"""A USB/IP station dropped off the network and back, again and again
(SEATMUX_SOAK_CYCLES, default 3; tools/soak.sh usbip runs 200): every
return comes up with the same session (its pid unchanged, its frames going
on), seatmuxd's fd count and memory stay flat, and the vhci ports and
cards in use do not grow. Figures go to the log.
"""

import os
import re
import tempfile
import time

from stations import attempt, scenario

CYCLES = int(os.environ.get("SEATMUX_SOAK_CYCLES", "3"))
TIMEOUT = 300 + 40 * CYCLES


def figures(m):
    rc, out = m.run("p=$(systemctl show -p MainPID --value seatmuxd); ls /proc/$p/fd | wc -l; "
                    "awk '/^VmRSS:/ { print $2 }' /proc/$p/status; "
                    "ls /dev/dri | grep -c '^card'; "
                    "awk '$1 == \"hs\" && $3 == \"006\"' /sys/devices/platform/vhci_hcd.0/status | wc -l")
    fds, rss, cards, ports = (int(x) for x in out.split()[:4])
    return {"fds": fds, "rss_kb": rss, "cards": cards, "ports": ports}


def run(t):
    st = scenario("usbip-station")
    tmp = tempfile.mkdtemp(prefix="usbipsoak-")
    certs = {n: st.make_cert(tmp, n) for n in ("seatmuxd", "desk1")}
    e1 = st.Emulator(tmp, "desk1")
    a1 = st.Agent(tmp, "desk1", e1, *certs["desk1"], peer=certs["seatmuxd"][0])
    try:
        with t.machine(devices=st.DEVICES, smbios=st.HYPERV, guestfwd={3241: a1.port},
                       timeout=TIMEOUT) as m:
            m.wait_agent(timeout=90)
            m.setup_network()
            st.install_certs(m, {"seatmuxd.pem": certs["seatmuxd"][0],
                                 "seatmuxd.key": certs["seatmuxd"][1],
                                 "desk1.pem": certs["desk1"][0]})
            soak(t, m, st, e1, CYCLES)
            reload(t, m, st)
    finally:
        a1.stop()
        e1.stop()


def count(m, pattern):
    return int(m.run("journalctl -t seatmuxd -o cat | grep -c '%s' || true" % pattern)[1]
               .strip() or 0)


GONE = "desk1 is gone; its session is kept"
UP = "desk1 is up: .*its session resumed"


def cycle(m, e1, gone, up):
    """desk1 away until seatmuxd says so (its gone-th time in the
    journal), then back until it is up (its up-th)."""
    e1.cmd("refuse on")
    e1.cmd("drop")
    if not attempt(lambda: m.wait_until(
            "[ $(journalctl -t seatmuxd -o cat | grep -c '%s') -ge %d ]" % (GONE, gone),
            60, interval=1)):
        return False
    e1.cmd("refuse off")
    return attempt(lambda: m.wait_until(
        "[ $(journalctl -t seatmuxd -o cat | grep -c '%s') -ge %d ]" % (UP, up),
        90, interval=1))


def soak(t, m, st, e1, cycles):
    """The soak proper, on a guest with desk1 up (also the end of
    usbip-station, which runs CI's few cycles)."""
    ok = st.wait_journal(m, "usbip: desk1 is up", 120) and \
        st.wait_color(e1, "seat-desk1", 120) >= 0.5
    if not t.check("desk1 comes up and shows its client", ok,
                   lambda: m.run("journalctl -t seatmuxd | grep usbip | tail -n 8")[1]):
        return
    pids = re.findall(r"^ready pid=(\d+)", st.events(m, "station0"), re.M)
    gone, up = count(m, GONE), count(m, UP)
    first = cycle(m, e1, gone + 1, up + 1)     # the first return warms what a return uses
    time.sleep(3)
    before = figures(m)
    start = time.monotonic()
    done = 1 if first else 0
    mid = None
    for n in range(2, cycles + 1):
        if not cycle(m, e1, gone + n, up + n):
            break
        done = n
        if n == cycles // 2 and cycles >= 50:
            mid = figures(m)
        if n % 25 == 0:
            print("# %s: %d returns, %s" % (t.name, n, figures(m)), flush=True)
    took = time.monotonic() - start
    time.sleep(3)
    after = figures(m)
    print("# %s: %d drops and returns (%d after the first) in %.0f s; seatmuxd fds %d -> %d, "
          "RSS %d -> %d kB, cards %d -> %d, vhci ports in use %d -> %d" %
          (t.name, done, max(done - 1, 0), took, before["fds"], after["fds"], before["rss_kb"],
           after["rss_kb"], before["cards"], after["cards"], before["ports"], after["ports"]),
          flush=True)
    t.check("every drop and return works (%d)" % cycles, done == cycles,
            lambda: m.run("journalctl -t seatmuxd | grep desk1 | tail -n 6")[1])
    after_events = st.events(m, "station0")
    t.check("the same session all along: its pid unchanged",
            pids and re.findall(r"^ready pid=(\d+)", after_events, re.M) == pids,
            "%s -> %s" % (pids, re.findall(r"^ready pid=(\d+)", after_events, re.M)))
    got = st.wait_color(e1, "seat-desk1", 60)
    t.check("and it is on the station's head after the last return", got >= 0.5,
            "%.0f%%" % (got * 100))
    st.drawn_on(t, m, e1, "station0", "and the head is drawn on")
    # A leak stays; something a return opened that is still ending goes.
    # Seen once in CI: 38 -> 40 after three returns, none of the run's
    # changes near USB/IP, what they were not seen. So a count above the
    # first is said with what seatmuxd holds, and looked at again for up
    # to 10 s.
    fds, end = after["fds"], time.monotonic() + 10
    fd_list = ("ls -l /proc/$(systemctl show -p MainPID --value seatmuxd)/fd | "
               "awk 'NF > 2 { print $(NF - 2) \"=\" $NF }'")
    if fds > before["fds"]:
        print("# %s: seatmuxd held %d fds, then: %s" % (
            t.name, fds, " ".join(m.run(fd_list)[1].split())), flush=True)
    while fds > before["fds"] and time.monotonic() < end:
        time.sleep(1)
        fds = figures(m)["fds"]
    held = "" if fds <= before["fds"] else m.run(fd_list)[1]
    t.check("seatmuxd's fd count stays flat", fds <= before["fds"],
            (before, after, fds, held[-1500:]))
    # A few pages of allocator slack, not growth with the cycles. A long
    # run is judged over its second half: ASan's quarantine (the image's
    # build, 8 MB: tests/sanitizer/defaults.c) fills over the first tens of
    # returns, then stays. A short run (CI's three) cannot tell that
    # filling from growth: it is allowed the quarantine on top (it varied
    # from 1.5 to 2.4 MB over two returns), and still catches a leak of
    # megabytes a return; the long run judges the rest.
    base = mid or before
    slack = 2048 if mid else 2048 + 8192
    t.check("seatmuxd's memory stays flat", after["rss_kb"] <= base["rss_kb"] + slack,
            (before, mid, after))
    t.check("cards and vhci ports in use do not grow",
            after["cards"] <= before["cards"] and after["ports"] <= before["ports"],
            (before, after))


def link_pids(m):
    """desk1's link: the pid seatmuxd last started it with, if it still
    runs (other stations' links, retrying a station that is away, come
    and go)."""
    pids = re.findall(r"usbip: desk1: link pid (\d+) started",
                      m.run("journalctl -t seatmuxd -o cat")[1])
    alive = pids and m.run("test -d /proc/%s" % pids[-1])[0] == 0
    return pids[-1:] if alive else []


def reload(t, m, st):
    """SIGHUP: a station added appears, one removed goes, the one left
    alone is not touched."""
    pids = re.findall(r"^ready pid=(\d+)", st.events(m, "station0"), re.M)
    links = link_pids(m)
    m.run("printf '\\n[station.desk9]\\naddress = 10.0.2.100\\nport = 3249\\npeer = "
          "/etc/seatmux/usbip/desk1.pem\\n' >> /etc/seatmux/seatmux.conf && "
          "systemctl kill -s HUP seatmuxd", check=True)
    added = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd | grep -q 'usbip: desk9 is new in the configuration' && "
        "journalctl -t seatmuxd | grep -q 'usbip-link\\[desk9\\]'", 40, interval=1))
    t.check("a station added to the configuration is reached after SIGHUP", added,
            lambda: m.run("journalctl -t seatmuxd | grep -E 'reload|desk9' | tail -n 5")[1])
    t.check("the station left alone is not touched: same session, same link",
            re.findall(r"^ready pid=(\d+)", st.events(m, "station0"), re.M) == pids and
            links and links == link_pids(m), (pids, links, link_pids(m)))
    m.run("sed -i '/^\\[station.desk1\\]/,/^input/d' /etc/seatmux/seatmux.conf && "
          "systemctl kill -s HUP seatmuxd", check=True)
    gone = attempt(lambda: m.wait_until(
        "journalctl -t seatmuxd | grep -q 'desk1 is no longer in the configuration: ended' && "
        "! pgrep -u station0 -f seatmux-testclient", 60, interval=1))
    t.check("a station removed from the configuration ends, its session with it", gone,
            lambda: m.run("journalctl -t seatmuxd | grep -E 'desk1|seat-desk1' | tail -n 5")[1])
