#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Several hosts in one dashboard (dashboard.conf), with two real
seatmux-dashboards on loopback, each behind a fake logon helper
(test_http.py's): A lists B as room2 and room5 (the right pin), room3
(B again, pinned to another key) and room4 (nothing listening). A teacher's logon at
A logs on at B with the same account; A's stations come with each host's
group and state; B's station's picture, actions and large view go to B
through A and come back; an unknown host, one offline or untrusted, a
host name too long: clear errors, nothing sent anywhere else; B's session
gone or B itself gone: said for room2, A's own stations go on at once.
The room in QEMU (two guests, Chromium) is the scenario "dashboard-hosts".

    test_hosts.py DASHBOARD PAGE_DIR
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_http  # noqa: E402
from test_http import Browser, FakeHelper, check, png, png_size  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cert(folder):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", folder + "/key.pem", "-out",
                    folder + "/cert.pem", "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)


class Dashboard:
    def __init__(self, binary, page, folder, hosts=None):
        self.binary, self.page, self.folder = binary, page, folder
        os.makedirs(folder, exist_ok=True)
        cert(folder)
        self.helper = FakeHelper(folder + "/helper.sock")
        self.port = free_port()
        self.conf = folder + "/dashboard.conf"
        with open(self.conf, "w") as f:
            f.write(hosts or "")
        self.log = open(folder + "/dashboard.log", "w+")
        self.start()

    def argv(self, *more):
        return [self.binary, "--listen", str(self.port), "--cert", self.folder + "/cert.pem",
                "--key", self.folder + "/key.pem", "--page", self.page, "--helper",
                self.folder + "/helper.sock", "--idle", "60", "--hosts", self.conf] + list(more)

    def start(self):
        self.proc = subprocess.Popen(self.argv(), stderr=self.log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.1)

    def pin(self):
        return subprocess.run(self.argv("--pin"), capture_output=True, text=True).stdout.strip()

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(20)
        self.log.seek(0)
        text = self.log.read()
        check("%s stops cleanly on SIGTERM, no sanitizer report" % os.path.basename(self.folder),
              rc == 0 and "Sanitizer" not in text, "rc %s: %s" % (rc, text[-2000:]))
        return text


def stations(b):
    st, _, data = b.req("GET", "/api/stations")
    return st, (json.loads(data) if st == 200 else data)


def host(data, name):
    return next((h for h in data.get("hosts", []) if h.get("name") == name), {})


def main():
    binary, page = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="dashboard-hosts-")
    b = Dashboard(binary, page, tmp + "/b")
    b.helper.picture = png(640, 400, (20, 160, 40))
    pin = b.pin()
    check("--pin prints the certificate's public key's pin, curl's form",
          pin.startswith("sha256//") and len(pin) == 52, pin)
    wrong = "sha256//" + "A" * 43 + "="
    a = Dashboard(binary, page, tmp + "/a", (
        "[dashboard]\nname = room1\n\n"
        "[host.room2]\naddress = 127.0.0.1:%d\npin = %s\n\n"
        "[host.room3]\naddress = 127.0.0.1:%d\npin = %s\n\n"
        "[host.room4]\naddress = 127.0.0.1:%d\npin = %s\n\n"
        "[host.room5]\naddress = 127.0.0.1:%d\npin = %s\n" % (b.port, pin, b.port, wrong,
                                                           free_port(), pin, b.port, pin)))
    try:
        run(a, b)
    finally:
        if b.proc.poll() is None:
            b.stop()
        text = a.stop()
        check("A logged each host's logon", "host room2: online" in text and
              "host room3: untrusted" in text and "host room4: offline" in text and
              "host room5: online" in text, text[-800:])
    print("%d failed" % test_http.failed)
    return 1 if test_http.failed else 0


def run(a, b):
    bad = Browser(a.port)
    st, _, _ = bad.login("alice", "bad")
    check("a wrong password at A: no other host is asked", st == 401 and not b.helper.rhosts,
          (st, b.helper.rhosts))
    t = Browser(a.port)
    st, _, data = t.login("alice", "good")
    check("the teacher logs on at A, and with the same account at B (room2 and room5)",
          st == 200 and len(b.helper.rhosts) == 2, (st, data, b.helper.rhosts))
    st, data = stations(t)
    ok = st == 200 and data.get("self") == "room1"
    r2, r3, r4 = host(data, "room2"), host(data, "room3"), host(data, "room4")
    check("A's stations, then room2's as B lists them, online", ok and
          [s["id"] for s in data["stations"]] == ["seat1"] and r2.get("state") == "online" and
          [s["id"] for s in r2.get("stations", [])] == ["seat1"] and
          r2["stations"][0]["name"] == "Desk 1" and r2["stations"][0]["thumb"] > 0, data)
    check("room3 shows another key than its pin: untrusted, nothing sent to it",
          r3.get("state") == "untrusted" and not r3.get("stations") and
          "not the one pinned" in r3.get("why", ""), r3)
    check("room4 does not answer: offline", r4.get("state") == "offline" and
          not r4.get("stations"), r4)

    # Each of B's sessions takes 3 s to list its station (its picture):
    # asked one after the other, the list would take 6 s.
    b.helper.delay = 3
    start = time.monotonic()
    st, data = stations(t)
    took = time.monotonic() - start
    b.helper.delay = 0
    check("the hosts are asked at once: two slow ones cost the time of one (%.1f s)" % took,
          st == 200 and took < 5.5 and
          all(host(data, n).get("state") == "online" and host(data, n).get("stations")
              for n in ("room2", "room5")), data)

    st, h, pic = t.req("GET", "/api/thumb?id=seat1&host=room2&v=1")
    check("room2's station's picture comes from B, through A",
          st == 200 and h.get("Content-Type") == "image/png" and png_size(pic) and
          pic != t.req("GET", "/api/thumb?id=seat1&v=1")[2], (st, h))
    before_a, before_b = len(a.helper.requests), len(b.helper.requests)
    st, _, data = t.req("POST", "/api/action", "op=identify&id=seat1&host=room2")
    check("an action on room2's station is B's: done there, not at A",
          st == 204 and ["identify", "seat1"] in b.helper.requests[before_b:] and
          not any(r[0] == "identify" for r in a.helper.requests[before_a:]), (st, data))
    st, _, data = t.req("POST", "/api/action", "op=rename&id=seat1&host=room2&text=x")
    check("B's polkit judges the teacher there: its refusal comes back (403)", st == 403 and
          b"not authorized" in data, (st, data))
    st, h, pic = t.req("GET", "/api/view?id=seat1&host=room2&f=1")
    check("the large view of room2's station comes from B", st == 200 and
          h.get("Content-Type") == "image/png" and png_size(pic), (st, h))
    st, _, _ = t.req("POST", "/api/action", "op=identify&id=seat1&host=room2", token=False)
    check("without A's token: 403 at A, nothing sent to B", st == 403, st)

    before_a, before_b = len(a.helper.requests), len(b.helper.requests)
    for body, want, what in (
            ("op=identify&id=seat1&host=room9", 404, "an unknown host: 404"),
            ("op=identify&id=seat1&host=" + "r" * 40, 404, "a host name too long: 404, not A's"),
            ("op=identify&id=seat1&host=room4", 502, "an offline host: 502, said"),
            ("op=identify&id=seat1&host=room3", 502, "an untrusted host: 502, said")):
        st, _, data = t.req("POST", "/api/action", body)
        check(what, st == want and json.loads(data).get("error"), (st, data))
    st, _, data = t.req("GET", "/api/stations?host=room2")
    st2, _, _ = t.req("GET", "/api/me?host=room2")
    check("only pictures, views, input and actions go to another host (404)",
          st == 404 and st2 == 404, (st, st2, data))
    check("none of these reached A's or B's seatmuxd",
          len(a.helper.requests) == before_a and len(b.helper.requests) == before_b,
          (a.helper.requests[before_a:], b.helper.requests[before_b:]))

    # B restarts: its sessions are gone; then B goes for good.
    b.stop()
    b.start()
    st, data = stations(t)
    r2 = host(data, "room2") if st == 200 else {}
    check("B restarted: room2's session there is gone, said (log on again)",
          r2.get("state") == "logged-out" and "log on again" in r2.get("why", ""), data)
    st, _, data = t.req("POST", "/api/action", "op=identify&id=seat1&host=room2")
    check("an action for room2 then: 502, not A's 401", st == 502, (st, data))
    log_on_again(t, a, b)
    b.stop()
    t2 = Browser(a.port)
    t2.login("alice", "good")
    start = time.monotonic()
    st, data = stations(t2)
    took = time.monotonic() - start
    check("B gone: room2 offline, and A's own stations still there",
          st == 200 and host(data, "room2").get("state") == "offline" and
          [s["id"] for s in data["stations"]] == ["seat1"], data)
    start = time.monotonic()
    st, data = stations(t2)
    check("asked again within 10 s, the offline hosts keep nobody waiting (%.1f s)" %
          (time.monotonic() - start), st == 200 and time.monotonic() - start < 2, took)
    # B back: room2, not reached at t2's logon, is reached by logging on
    # there from the page, without logging out here.
    b.start()
    st, _, data = t2.req("POST", "/api/host-logon", "name=room2&password=good")
    st2, data2 = stations(t2)
    r2 = host(data2, "room2") if st2 == 200 else {}
    check("room2, offline at t2's logon and back: a logon there from the page reaches it",
          st == 204 and r2.get("state") == "online" and
          [s["id"] for s in r2.get("stations", [])] == ["seat1"], (st, data, data2))
    st, _, _ = t2.req("POST", "/api/logout", "")
    check("a logout at A", st == 204, st)


def log_on_again(t, a, b):
    """room2's session at B is gone: the teacher logs on there again from
    the page (/api/host-logon), with the account of this session, whose
    password A checks first."""
    before, here = len(b.helper.rhosts), len(a.helper.rhosts)
    st, _, data = t.req("POST", "/api/host-logon", "name=room2&password=bad")
    st2, listed = stations(t)
    check("logging on again at room2 with a password that is not the teacher's here: 403 "
          "(not A's 401: this session goes on), checked at A, nothing sent to B",
          st == 403 and b"wrong" in data and st2 == 200 and
          len(a.helper.rhosts) == here + 1 and len(b.helper.rhosts) == before,
          (st, data, st2, a.helper.rhosts, b.helper.rhosts))
    b.helper.refuse_all = True
    st, _, data = t.req("POST", "/api/host-logon", "name=room2&password=good")
    b.helper.refuse_all = False
    st2, listed = stations(t)
    check("B refuses what A accepted: 403 with B's refusal; room2 refused, this session on",
          st == 403 and b"refused" in data and st2 == 200 and
          host(listed, "room2").get("state") == "refused", (st, data, st2, listed))
    before = len(b.helper.rhosts)
    st, _, data = t.req("POST", "/api/host-logon", "name=room2&password=good", token=False)
    check("without A's token: 403, nothing sent to B",
          st == 403 and len(b.helper.rhosts) == before, (st, data, b.helper.rhosts))
    for body, want, what in (("name=room9&password=good", 404, "an unknown host: 404"),
                             ("name=room3&password=good", 409,
                              "an untrusted host (another key than its pin): 409"),
                             ("name=room2", 400, "no password: 400"),
                             ("name=" + "r" * 40 + "&password=good", 400, "a name too long: 400")):
        st, _, data = t.req("POST", "/api/host-logon", body)
        check("logging on again: " + what + ", nothing sent to B",
              st == want and json.loads(data).get("error") and
              len(b.helper.rhosts) == before, (st, data))
    # B takes 3 s to log the teacher on: meanwhile A's list does not wait.
    b.helper.logon_delay = 3
    got = {}
    th = threading.Thread(target=lambda: got.update(
        r=t.req("POST", "/api/host-logon", "name=room2&password=good")))
    th.start()
    time.sleep(1.0)
    start = time.monotonic()
    st2, listed = stations(t)
    took = time.monotonic() - start
    th.join()
    b.helper.logon_delay = 0
    check("while room2's logon takes 3 s, A's list answers at once (%.1f s)" % took,
          st2 == 200 and took < 1.2, (st2, took))
    st2, listed = stations(t)
    r2 = host(listed, "room2") if st2 == 200 else {}
    check("logging on again at room2: 204, room2 online with its station, the same account",
          got.get("r", (0,))[0] == 204 and r2.get("state") == "online" and
          [s["id"] for s in r2.get("stations", [])] == ["seat1"] and
          len(b.helper.rhosts) == before + 1, (got.get("r"), listed))
    st, _, data = t.req("POST", "/api/host-logon", "name=room2&password=good")
    check("and again while it is online: 409, nothing checked or sent",
          st == 409 and len(b.helper.rhosts) == before + 1, (st, data))


if __name__ == "__main__":
    sys.exit(main())
