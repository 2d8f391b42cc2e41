# SPDX-License-Identifier: MIT
"""Two seatmux hosts in one dashboard.

Two guests, room1 and room2, each a room of two physical stations
(two-stations' heads and sessions) with its own seatmuxd, polkit and
seatmux-dashboard. room2's dashboard pin (seatmux-dashboard --pin, as an
administrator reads it) goes into room1's /etc/seatmux/dashboard.conf,
with room2's address as room1 reaches it (QEMU's guestfwd to room2's
port on the host). In headless Chromium, a teacher logs on at room1 only:
the page shows room1's stations and, under room2's heading, room2's, with
pictures (room2's compared with room2's own heads). room2's seat1 opened
large there comes picture by picture through room1, and room2's head1
says it is watched. Blocked from room1's
page, room2's seat1 shows the block screen on room2's head1 (room1's
head1 goes on), its card says so; unblocked, back. room2 powered off: its
heading says offline within seconds and offers a logon there (tried from
the page: room2 is not reached, said), and room1's stations go on (a block
of room1's seat1 from the same page still works). The protocol's rules
(pins, unknown and offline hosts, a session gone there, logging on there
again) are unit-tested with two dashboards on loopback
(tests/dashboard/test_hosts.py).
"""

import time

from stations import COLOR, attempt, scenario, wait_ready

TIMEOUT = 480
OVERLAYS = ["two-stations-overlay", "dashboard-overlay"]
TEACHER = "station22"

dash = scenario("dashboard")
screens = scenario("_room_screens")
own, showing, until = screens.own, screens.showing, screens.until


def ready(t, m):
    ok = attempt(lambda: (wait_ready(m, "seat0", timeout=150), wait_ready(m, "seat1", timeout=150)))
    if ok:
        m.setup_network()
    return t.check("%s: both stations' sessions run" % m.name, ok,
                   lambda: m.run("journalctl -t seatmuxd | tail -n 8")[1])


def run(t):
    devices = dash.devices()
    with t.machine(name="room2", devices=devices, hostfwd=[8443]) as b, \
            t.machine(name="room1", devices=devices, hostfwd=[8443],
                      guestfwd={8443: b.ports[8443]}) as a:
        for m in (b, a):
            m.wait_agent(timeout=150)
        if not (ready(t, b) and ready(t, a)):
            return
        # room2's dashboard makes its certificate at its first start.
        b.run("systemctl start seatmux-dashboard-session.socket seatmux-dashboard.service",
              check=True, timeout=60)
        rc, pin = b.run("seatmux-dashboard --pin")
        pin = pin.strip()
        if not t.check("room2's administrator reads its dashboard's pin (seatmux-dashboard --pin)",
                       rc == 0 and pin.startswith("sha256//") and len(pin) == 52, pin):
            return
        a.run("printf '[dashboard]\\nname = room1\\n\\n[host.room2]\\naddress = 10.0.2.100:8443\\n"
              "pin = %s\\n' > /etc/seatmux/dashboard.conf && systemctl start "
              "seatmux-dashboard.socket seatmux-dashboard-session.socket" % pin,
              check=True, timeout=60)
        try:
            driver = dash.browser()
        except Exception as e:  # noqa: BLE001 (reported as the check's reason)
            t.check("headless Chromium starts under Selenium", False,
                    "%s: %s" % (type(e).__name__, e))
            return
        try:
            steps(t, a, b, dash.Page(t, driver, "https://127.0.0.1:%d/" % a.ports[8443]))
        finally:
            driver.quit()


def heading(p, host):
    found = p.find('.host[data-host="%s"] .host-state' % host, 5)
    return found[0].text if found else None


def log_on_again(t, p):
    """room2 not reached: its heading offers a logon there; tried, the
    page says why it is not reached, and the password is not left in
    the page."""
    form = p.find('.host[data-host="room2"] form.host-logon', 10)
    said = None
    if form:
        field = form[0].find_element("css selector", "input[type=password]")
        field.send_keys(TEACHER)
        form[0].find_element("css selector", "button").click()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            said = p.d.find_element("id", "status").text
            if said.startswith("room2:"):
                break
            time.sleep(0.5)
    t.check("room2 offline: its heading offers to log on there again; from the page, the "
            "logon says room2 is not reached, and the password field is emptied",
            form and said and said.startswith("room2:") and "offline" in said and
            field.get_attribute("value") == "", (bool(form), said))


def steps(t, a, b, p):
    p.login(TEACHER)
    cards = p.find('.station[data-station="room2/seat1"] img.thumb', 90)
    p.shot("two-hosts")
    state = heading(p, "room2")
    offered = p.find('.host[data-host="room2"] form.host-logon', 2, gone=True) != []
    t.check("a teacher logged on at room1 sees room1's stations and, under room2's heading "
            "(online, no logon offered), room2's", cards and state == "online" and
            not offered and p.card("seat0") and p.card("seat1") and p.card("room2/seat0"),
            (state, offered, len(cards)))
    # room2's picture is room2's head's: its colour at the same place.
    head = b.screendump("head1", 0)
    want = head.pixel(head.width // 4, head.height // 2)
    pic = p.thumb_shows("room2/seat1", want)
    t.check("room2's seat1's picture in room1's page matches room2's head1", pic is True,
            (pic, want))
    p.card("room2/seat1")[0].find_element("css selector", "input.select").click()
    p.d.find_element("id", "act-block").click()
    p.dialog("Eyes to the front")
    ok = until(b, "head1", showing("block"), 60)
    badge = p.find('.station[data-station="room2/seat1"] .blocked', 30)
    p.shot("room2-blocked")
    t.check("Block of room2's seat1 from room1's page: room2's head1 shows the block screen, "
            "its card says so, and room1's head1 goes on",
            ok and badge and own("seat1")(a.screendump("head1", 0)), (ok, bool(badge)))
    p.d.find_element("id", "act-unblock").click()
    ok = until(b, "head1", own("seat1"), 60)
    gone = p.find('.station[data-station="room2/seat1"] .blocked', 30, gone=True) == []
    t.check("Unblock: room2's head1 shows its session again, the badge goes", ok and gone,
            (ok, gone))
    # room2's seat1 opened large in room1's page: picture by picture
    # through room1, and room2's head1 says it is watched.
    def open_large():
        p.card("room2/seat1")[0].find_element("css selector", "button.open").click()
        return p.find("#view-screen", 30)

    canvas, told = screens.watched_while(b, "head1", open_large, timeout=20)
    shown = ("const c = arguments[0]; if (!(+c.dataset.messages > 0)) return null;"
             "const d = c.getContext('2d').getImageData(c.width >> 2, c.height >> 1, 1, 1).data;"
             "return {stream: c.dataset.stream, rgb: [d[0], d[1], d[2]]};")
    got, end = None, time.monotonic() + 40
    while canvas and time.monotonic() < end:
        got = p.d.execute_script(shown, canvas[0])
        if got and all(abs(x - y) <= 24 for x, y in zip(got["rgb"], want)):
            break
        time.sleep(0.5)
    p.shot("room2-large")
    t.check("room2's seat1 opened large from room1's page: its pictures come through room1, "
            "and room2's head1 says it is watched",
            told and got and got["stream"] == "pictures" and
            all(abs(x - y) <= 24 for x, y in zip(got["rgb"], want)), (told, got, want))
    p.d.find_element("id", "view-close").click()
    rc, log = b.run("journalctl -u seatmux-dashboard -o cat")
    t.check("room2's dashboard did it for the teacher's own session there",
            "%s logged on from" % TEACHER in log and
            "%s: block seat1: done" % TEACHER in log, log[-400:])

    # room2 goes; room1 carries on.
    p.d.find_element("id", "select-none").click()
    b.kill()
    start = time.monotonic()
    end = start + 60
    while heading(p, "room2") == "online" and time.monotonic() < end:
        time.sleep(0.5)
    state = heading(p, "room2")
    p.shot("room2-offline")
    t.check("room2 powered off: its heading says offline (%.0f s)" % (time.monotonic() - start),
            state and state.startswith("offline"), state)
    log_on_again(t, p)
    p.card("seat1")[0].find_element("css selector", "input.select").click()
    p.d.find_element("id", "act-block").click()
    p.dialog("Still here")
    ok = until(a, "head1", showing("block"), 60)
    pic = p.thumb_shows("seat1", screens.SCREEN["block"])
    t.check("and room1's stations go on: a block of its seat1 from the page works, its "
            "picture follows", ok and pic is True, (ok, pic))
    p.d.find_element("id", "act-unblock").click()
    t.check("unblocked", until(a, "head1", own("seat1"), 60), "")
