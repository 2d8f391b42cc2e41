#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""seatmux-dashboard's HTTP rules, against a fake logon helper that
answers as seatmux-dashboard-session and seatmuxctl --serve would (the
real ones, with PAM, polkit and seatmuxd, run in the QEMU scenario
"dashboard"): sessions, cookies, CSRF, origins, limits, error statuses,
pictures sent only when they change, a broken bridge and idle expiry.

    test_http.py DASHBOARD PAGE_DIR
"""

import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import http.client

failed = 0


def png(w, h, rgb, depth=8):
    """A w x h picture of one colour, as PNG (RGB, 8 or 16 bits a sample)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    px = bytes(rgb) if depth == 8 else b"".join(bytes((c, c)) for c in rgb)
    row = b"\0" + px * w
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b""))


def png_size(data):
    import struct
    return struct.unpack(">II", data[16:24]) if data[:8] == b"\x89PNG\r\n\x1a\n" else None


def png_pixels(data):
    """(w, h, XRGB8888 rows: B, G, R, X bytes) of a PNG png() or
    test_stream.picture() made (8-bit RGB, no filter)."""
    import struct
    import zlib
    w, h = struct.unpack(">II", data[16:24])
    at, idat = 8, b""
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + n]
        at += 12 + n
    raw = zlib.decompress(idat)
    rgb = b"".join(raw[y * (1 + 3 * w) + 1:(y + 1) * (1 + 3 * w)] for y in range(h))
    out = bytearray(w * h * 4)
    out[0::4], out[1::4], out[2::4] = rgb[2::3], rgb[1::3], rgb[0::3]
    return w, h, bytes(out)


def sealed(data, seals=None):
    """data in a memfd, sealed as seatmuxd seals its pictures."""
    import fcntl
    fd = os.memfd_create("picture", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(fd, data)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW |
                fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL if seals is None else seals)
    return fd


def check(what, ok, detail=""):
    global failed
    print("%s %s%s" % ("PASS" if ok else "FAIL", what, "" if ok else " (%s)" % (detail,)),
          flush=True)
    failed += not ok


class FakeHelper:
    """A logon helper: password "good" logs on (user "boss" as admin, any
    other as teacher); then a seatmuxctl --serve with one station whose
    picture is self.picture, and a polkit that refuses teachers "rename"."""

    def __init__(self, path):
        self.picture = png(1280, 800, (200, 20, 20))
        self.delay = 0		# seconds a screenshot takes
        # A --raw picture's fd, as seatmuxctl passes it; or what a bridge
        # its user made may pass instead: "none", "unsealed", "short".
        self.raw = "sealed"
        self.more = []		# stations listed after seat1
        self.shows = ""		# seat1's listed picture (seatmuxd's Picture)
        self.refuse_all = False	# PAM here refuses every password
        self.logon_delay = 0	# seconds PAM takes
        self.requests = []
        self.rhosts = []
        self.conns = []
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(16)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            c, _ = self.sock.accept()
            self.conns.append(c)
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def reply(self, c, status=0, out=b"", err=b"", error="-"):
        c.sendall(b"%d %d %d %s\n" % (status, len(out), len(err), error.encode()) + out + err)

    def pixels(self, c):
        """seatmuxctl --raw screenshot ... -'s answer: the size, and the
        memfd on the answer's first line."""
        w, h, data = png_pixels(self.picture)
        out = json.dumps({"station": "seat1", "width": w, "height": h}).encode()
        if self.raw == "none":
            return self.reply(c, out=out)
        fd = sealed(data[:-4] if self.raw == "short" else data,
                    0 if self.raw == "unsealed" else None)
        try:
            socket.send_fds(c, [b"0 %d 0 -\n" % len(out) + out], [fd])
        finally:
            os.close(fd)

    def serve(self, c):
        buf = b""
        while buf.count(b"\0") < 3:
            d = c.recv(1)
            if not d:
                return
            buf += d
        user, password, rhost = buf.split(b"\0")[:3]
        self.rhosts.append(rhost)
        time.sleep(self.logon_delay)
        if password != b"good" or self.refuse_all:
            c.sendall(b"no wrong user name or password\n")
            return c.close()
        if user == b"pupil":
            c.sendall(b"no pupil is neither a teacher nor an administrator\n")
            return c.close()
        role = b"admin" if user == b"boss" else b"teacher"
        c.sendall(b"ok %s %s\n" % (user, role))
        for line in c.makefile("rb"):
            args = line.rstrip(b"\n").decode().split("\t")
            self.requests.append(args)
            if user == b"mallet":
                # A bridge its user made say more than seatmuxctl ever does.
                c.sendall(b"0 99999999999 0 -\n" + b"x" * 4096)
            elif args == ["list-stations"]:
                self.reply(c, out=json.dumps([{
                    "station": "seat1", "name": "Desk 1", "kind": "local", "user": "p1",
                    "session_pid": 7, "state": "running", "blocked": False,
                    "picture": self.shows}] + [{
                    "station": n, "name": n, "kind": "rdp", "user": "", "state": "greeter",
                    "blocked": False} for n in self.more] + [{
                    "station": "bad/id", "name": "x"}]).encode())
            elif "screenshot" in args and "--raw" in args and "seat9" not in args:
                time.sleep(self.delay)
                self.pixels(c)
            elif "screenshot" in args and "seat9" not in args:
                time.sleep(self.delay)
                self.reply(c, out=self.picture)
            elif args[0] in ("rename", "map", "mode") and role == b"teacher":
                self.reply(c, 1, err=b"seatmuxctl: seat1: not authorized\n",
                           error="org.freedesktop.DBus.Error.AccessDenied")
            elif "seat9" in args:
                self.reply(c, 1, err=b"seatmuxctl: seat9: no station 'seat9'\n",
                           error="org.seatmux.Error.NoSuchStation")
            else:
                self.reply(c)


def check_still(b, helper):
    """A station seatmuxd lists as showing what it showed when its
    picture was taken is not asked for again; another id, or none, is."""
    def lists(n):
        asked, thumbs = 0, set()
        for _ in range(n):
            before = len(helper.requests)
            st, _, data = b.req("GET", "/api/stations")
            thumbs.add(json.loads(data)["stations"][0]["thumb"] if st == 200 else None)
            asked += sum("screenshot" in r for r in helper.requests[before:])
        return asked, thumbs

    helper.shows = "00000000000000aa"
    first = lists(1)
    helper.picture = png(1280, 800, (200, 200, 20))	# seatmuxd's word holds
    still = lists(3)
    check("a station listed with the picture id it had when its picture was taken: "
          "asked for once, then not, its version kept", first[0] == 1 and still[0] == 0 and
          still[1] == first[1], (first, still))
    helper.shows = "00000000000000bb"
    moved = lists(2)
    check("another id: asked for once more, a new version",
          moved[0] == 1 and len(moved[1]) == 1 and moved[1] != still[1], (still, moved))
    for shows, what in (("", "no id"), ("g" * 16, "an id that is not hexadecimal"),
                        ("a" * 17, "an id longer than any seatmuxd gives")):
        helper.shows = shows
        check("%s: asked for at every list" % what, lists(3)[0] == 3)
    # Not kept cut short either: its first 16 digits then are another id.
    helper.shows = "a" * 16
    check("an id of its first 16 digits after it: asked for", lists(1)[0] == 1)
    helper.shows = ""


class Browser:
    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.csrf = None
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE

    def req(self, method, path, body=None, headers=None, token=True):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        if method == "POST":
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
            if token and self.csrf:
                h["X-CSRF-Token"] = self.csrf
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def login(self, user, password):
        status, h, data = self.req("POST", "/api/login", "user=%s&password=%s" % (user, password))
        if status == 200:
            self.cookie = h["Set-Cookie"].split(";")[0]
            self.csrf = json.loads(data)["csrf"]
        return status, h, data


def main():
    dashboard, page = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="dashboard-test-")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp + "/key.pem", "-out",
                    tmp + "/cert.pem", "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    helper = FakeHelper(tmp + "/helper.sock")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp + "/dashboard.log", "w+")
    proc = subprocess.Popen([dashboard, "--listen", str(port), "--cert", tmp + "/cert.pem",
                             "--key", tmp + "/key.pem", "--page", page, "--helper",
                             tmp + "/helper.sock", "--idle", "3", "--hosts",
                             tmp + "/none.conf"], stderr=log)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        run(Browser(port), helper, port)
    finally:
        proc.terminate()
        rc = proc.wait(20)
        log.seek(0)
        text = log.read()
        check("the dashboard stops cleanly on SIGTERM, no sanitizer report",
              rc == 0 and "Sanitizer" not in text, "rc %s: %s" % (rc, text[-2000:]))
    print("%d failed" % failed)
    return 1 if failed else 0


def run(b, helper, port):
    st, h, data = b.req("GET", "/")
    check("the page is served, with a strict content security policy",
          st == 200 and b"<html" in data and "script-src 'self'" in
          h.get("Content-Security-Policy", "") and h.get("X-Content-Type-Options") == "nosniff",
          (st, h))
    st, _, _ = b.req("GET", "/api/me")
    check("no session: 401", st == 401, st)
    st, _, data = b.req("GET", "/api/stations")
    check("no session, no stations: 401", st == 401, st)

    t0 = time.monotonic()
    st, _, data = b.login("alice", "bad")
    check("a wrong password: 401, said, and slowed (1 s)",
          st == 401 and b"wrong user name or password" in data and time.monotonic() - t0 >= 1,
          (st, data))
    st, _, data = b.login("pupil", "good")
    check("a user in neither role: 403", st == 403 and b"neither" in data, (st, data))
    st, _, data = b.req("POST", "/api/login", "user=alice")
    check("a logon without a password: 400", st == 400, (st, data))

    st, h, data = b.login("alice", "good")
    cookie = h.get("Set-Cookie", "")
    check("the helper is told where the logon comes from (PAM_RHOST)",
          helper.rhosts[-1] in (b"::ffff:127.0.0.1", b"127.0.0.1"), helper.rhosts[-1:])
    check("alice logs on as a teacher; the cookie is Secure, HttpOnly, SameSite=Strict",
          st == 200 and json.loads(data)["role"] == "teacher" and "Secure" in cookie and
          "HttpOnly" in cookie and "SameSite=Strict" in cookie, (st, cookie, data))
    st, _, data = b.req("GET", "/api/stations")
    js = json.loads(data) if st == 200 else {}
    one = js.get("stations", [{}])
    check("the stations, as seatmuxctl listed them; an id no seat has is left out",
          st == 200 and len(one) == 1 and one[0]["id"] == "seat1" and
          one[0]["name"] == "Desk 1" and one[0]["thumb"] == 1, (st, data))
    st, h, data = b.req("GET", "/api/thumb?id=seat1&v=1")
    check("the station's picture, made small: a 1280x800 screen is a 384x240 PNG",
          st == 200 and png_size(data) == (384, 240) and h.get("Content-Type") == "image/png"
          and len(data) < len(helper.picture), (st, h, png_size(data)))
    check("the pictures are asked for made small by seatmuxd (seatmuxctl --fit 384x240)",
          ["--fit", "384x240", "screenshot", "seat1", "-"] in helper.requests,
          [r for r in helper.requests if "screenshot" in r][-1:])
    st, _, data = b.req("GET", "/api/stations")
    check("an unchanged picture keeps its version", json.loads(data)["stations"][0]["thumb"] == 1,
          data)
    helper.picture = png(1280, 800, (20, 200, 20))
    st, _, data = b.req("GET", "/api/stations")
    check("a changed picture gets a new one", json.loads(data)["stations"][0]["thumb"] == 2, data)
    check_still(b, helper)
    for w, h, depth, want in ((8192, 1, 8, True), (8193, 1, 8, False),
                              (4096, 4096, 8, False), (64, 40, 16, False)):
        helper.picture = png(w, h, (20, 20, 200), depth)
        st, _, data = b.req("GET", "/api/stations")
        got = st == 200 and json.loads(data)["stations"][0]["thumb"] > 0
        check("a %dx%d picture of %d-bit samples is %s" % (
            w, h, depth, "made small" if want else "refused before it is decoded: no picture"),
            got == want, data)
    # Six stations whose pictures take 0.5 s each: a list takes pictures
    # for about a second, round robin from where the last one stopped,
    # and answers; one after another, the lists reach every station.
    helper.more = ["desk%d" % i for i in range(2, 7)]
    helper.picture = png(1280, 800, (200, 20, 20))
    helper.delay = 0.5
    took, seen, listed = [], {}, 0
    for _ in range(4):
        start = time.monotonic()
        st, _, data = b.req("GET", "/api/stations")
        took.append(round(time.monotonic() - start, 1))
        got = json.loads(data)["stations"] if st == 200 else []
        listed = len(got)
        seen.update((one["id"], one["thumb"]) for one in got if one["thumb"])
    helper.delay, helper.more = 0, []
    check("slow pictures: each list takes them for about a second, not 3 s for all; "
          "four lists picture all six stations (%s s)" % took,
          listed == 6 and max(took) < 2.2 and len(seen) == 6, (took, seen))
    helper.picture = png(1280, 800, (20, 200, 20))

    st, _, data = b.req("POST", "/api/action", "op=block&id=seat1", token=False)
    check("an action without the session's token: 403, and nothing reaches seatmuxd",
          st == 403 and not any("block" in r for r in helper.requests), (st, data))
    saved, b.csrf = b.csrf, "0" * 64
    st, _, _ = b.req("POST", "/api/action", "op=block&id=seat1")
    b.csrf = saved
    check("an action with a forged token: 403", st == 403, st)
    st, _, _ = b.req("POST", "/api/action", "op=block&id=seat1",
                     headers={"Origin": "https://elsewhere.example"})
    check("an action from another site's page: 403", st == 403, st)
    st, _, _ = b.req("POST", "/api/action", "op=block&id=seat1&text=Eyes+front%21")
    check("block with a message: 204, seatmuxctl --message TEXT block ID",
          st == 204 and helper.requests[-1] == ["--message", "Eyes front!", "block", "seat1"],
          (st, helper.requests[-1:]))
    st, _, _ = b.req("POST", "/api/action", "op=message&id=seat1&text=-v")
    check("a message that looks like an option is still the message",
          st == 204 and helper.requests[-1] == ["message", "seat1", "-v"], (st, helper.requests[-1:]))
    for body, want in (("op=project&id=seat1&text=seat2,seat3", ["project", "seat1", "seat2", "seat3"]),
                       ("op=project&id=seat1", ["--all", "project", "seat1"]),
                       ("op=unproject&id=seat1", ["unproject", "seat1"]),
                       ("op=launch&id=seat1&text=foot+--title+Lesson",
                        ["launch", "seat1", "--", "foot", "--title", "Lesson"])):
        st, _, data = b.req("POST", "/api/action", body)
        check("%s: 204, seatmuxctl %s" % (body, " ".join(want)),
              st == 204 and helper.requests[-1] == want, (st, data, helper.requests[-1:]))
    for body, why in (("op=format&id=seat1", "an unknown action"),
                      ("op=project&id=seat1&text=--", "a projection's target '--'"),
                      ("op=project&id=seat1&text=seat2,,seat3", "a projection's empty target"),
                      ("op=project&id=seat1&text=seat2,../x", "a projection's bad target"),
                      ("op=launch&id=seat1&text=foot++x", "a command with an empty word"),
                      ("op=launch&id=seat1", "a launch without a command"),
                      ("op=launch&id=seat1&text=" + "+".join(["w"] * 17), "a command of 17 words"),
                      ("op=block&id=../etc", "a station id no seat has"),
                      ("op=message&id=seat1&text=a%0Ab", "a text with a line break"),
                      ("op=message&id=seat1&text=%FF", "a text that is not UTF-8"),
                      ("op=message&id=seat1", "a message without text"),
                      ("op=block&id=seat1&id=seat2", "a field given twice")):
        n = len(helper.requests)
        st, _, data = b.req("POST", "/api/action", body)
        check("%s: 400, said, nothing sent" % why,
              st == 400 and json.loads(data)["error"] and len(helper.requests) == n, (st, data))
    for op in ("control", "release"):
        st, _, data = b.req("POST", "/api/action", "op=%s&id=seat1" % op)
        check("%s: 204, seatmuxctl %s seat1" % (op, op),
              st == 204 and helper.requests[-1] == [op, "seat1"], (st, data, helper.requests[-1:]))
    st, _, data = b.req("POST", "/api/input", "id=seat1&events=1:30:1,1:30:0,3:0:65535,2:8:-1")
    check("input: 204, seatmuxctl input seat1 EVENTS, passed on as sent",
          st == 204 and helper.requests[-1] == ["input", "seat1", "1:30:1,1:30:0,3:0:65535,2:8:-1"],
          (st, data, helper.requests[-1:]))
    st, _, data = b.req("POST", "/api/input", "id=seat1&events=1:30:1", token=False)
    check("input without the session's token: 403", st == 403, (st, data))
    for body, why in (("id=seat1", "no events"), ("id=seat1&events=", "empty events"),
                      ("id=seat1&events=1:30:1%09x", "a tab in the events"),
                      ("id=seat1&events=1+:30:1", "a space in the events"),
                      ("id=seat1&events=" + "1:30:1," * 600 + "1:30:0", "events of 4 KiB or more"),
                      ("id=-x&events=1:30:1", "a station id no seat has"),
                      ("events=1:30:1", "no station")):
        n = len(helper.requests)
        st, _, data = b.req("POST", "/api/input", body)
        check("input with %s: 400, said, nothing sent" % why,
              st == 400 and json.loads(data)["error"] and len(helper.requests) == n, (st, data))
    st, h, data = b.req("GET", "/api/view?id=seat1")
    check("a station opened large: its picture fitted to 1280x800, not kept",
          st == 200 and png_size(data) == (1280, 800) and h.get("Content-Type") == "image/png" and
          h.get("Cache-Control") == "no-store" and
          helper.requests[-1] == ["--fit", "1280x800", "screenshot", "seat1", "-"],
          (st, h, png_size(data)))
    helper.picture = png(3840, 1200, (20, 200, 20))
    st, h, data = b.req("GET", "/api/view?id=seat1")
    check("a wider screen opened large keeps its proportions: 1280x400",
          st == 200 and png_size(data) == (1280, 400), (st, png_size(data)))
    helper.picture = png(8193, 1, (20, 200, 20))
    st, h, data = b.req("GET", "/api/view?id=seat1")
    check("a picture larger than any head, opened large: 502, said", st == 502 and
          b"no picture" in data, (st, data))
    helper.picture = png(1280, 800, (20, 200, 20))
    st, _, data = b.req("GET", "/api/view?id=seat9")
    check("an unknown station opened large: 404", st == 404 and b"seat9" in data, (st, data))
    st, _, data = b.req("GET", "/api/view?id=../x")
    check("a bad station id opened large: 400", st == 400, (st, data))
    st, _, data = b.req("POST", "/api/action", "op=rename&id=seat1&text=Front")
    check("what polkit refuses a teacher (rename): 403 with its reason",
          st == 403 and b"not authorized" in data, (st, data))
    st, _, data = b.req("POST", "/api/action", "op=unblock&id=seat9")
    check("an unknown station: 404", st == 404 and b"seat9" in data, (st, data))
    st, _, data = b.req("POST", "/api/action", "op=block&id=seat1&text=" + "a" * 9000)
    check("a request larger than 8 KiB: 413", st == 413, (st, data))
    def chunked(chunks, end):
        c = http.client.HTTPSConnection("127.0.0.1", b.port, context=b.ctx, timeout=30)
        c.putrequest("POST", "/api/action")
        c.putheader("Cookie", b.cookie)
        c.putheader("X-CSRF-Token", b.csrf)
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        try:
            for _ in range(chunks):
                c.send(b"1000\r\n" + b"a" * 4096 + b"\r\n")
            if end:
                c.send(b"0\r\n\r\n")
            return c.getresponse().status
        except (ConnectionError, http.client.RemoteDisconnected, ssl.SSLError) as e:
            return "closed: " + type(e).__name__
        except OSError as e:
            return type(e).__name__
        finally:
            c.close()
    st = chunked(4, True)
    check("a chunked body larger than 8 KiB: 413", st == 413, st)
    t0 = time.monotonic()
    st = chunked(40, False)
    check("one that goes on and on: the connection is closed after 64 KiB, at once",
          str(st).startswith("closed: ") and time.monotonic() - t0 < 10, st)
    st, _, data = b.req("POST", "/api/login", "user=a%0Ab&password=x")
    check("a user name with a line break: 400 before PAM or the log see it", st == 400,
          (st, data))
    st, _, _ = b.req("DELETE", "/api/me")
    check("another method: 405", st == 405, st)
    st, _, data = b.req("GET", "/api/me")
    check("the session still works after all that", st == 200, (st, data))

    boss = Browser(port)
    st, _, data = boss.login("boss", "good")
    st2, _, _ = boss.req("POST", "/api/action", "op=rename&id=seat1&text=Front")
    check("an administrator may rename", st == 200 and json.loads(data)["role"] == "admin" and
          st2 == 204, (st, st2))
    # The room's own actions: an administrator's, judged by polkit.
    before = len(helper.requests)
    st, _, data = b.req("POST", "/api/room", "op=mode-console")
    check("a teacher forcing the room's mode: polkit's refusal comes back (403)",
          st == 403 and b"not authorized" in data, (st, data))
    st, _, _ = boss.req("POST", "/api/room", "op=mode-console", token=False)
    check("the room's mode without the session's token: 403, nothing sent", st == 403 and
          ["mode", "console"] not in helper.requests[before + 1:], st)
    sent = []
    for op, want in (("map", ["map"]), ("map-stop", ["map", "stop"]),
                     ("mode-console", ["mode", "console"]), ("mode-station", ["mode", "station"])):
        n = len(helper.requests)
        st, _, _ = boss.req("POST", "/api/room", "op=" + op)
        sent.append((st, helper.requests[n:]))
    check("an administrator maps the room, stops, and switches its mode both ways",
          [x[0] for x in sent] == [204] * 4 and [x[1] for x in sent] ==
          [[["map"]], [["map", "stop"]], [["mode", "console"]], [["mode", "station"]]], sent)
    n = len(helper.requests)
    st, _, data = boss.req("POST", "/api/room", "op=mode-x")
    st2, _, _ = boss.req("POST", "/api/room", "op=map&host=room9")
    check("a room action that is none: 400, nothing sent; for a host not listed: 404",
          st == 400 and st2 == 404 and len(helper.requests) == n, (st, data, st2))
    st, _, _ = boss.req("POST", "/api/logout")
    st2, _, _ = boss.req("GET", "/api/me")
    check("logout: 204, then the cookie is worth nothing", st == 204 and st2 == 401, (st, st2))

    evil = Browser(port)
    evil.login("mallet", "good")
    st, _, _ = evil.req("GET", "/api/stations")
    st2, _, _ = evil.req("GET", "/api/me")
    check("a bridge that says it sends 100 GB: 502, the session ends, nothing allocated",
          st == 502 and st2 == 401, (st, st2))

    for c in list(helper.conns):
        try:
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    st, _, data = b.req("GET", "/api/stations")
    st2, _, _ = b.req("GET", "/api/me")
    check("a broken bridge: 502, and the session ends", st == 502 and st2 == 401, (st, st2))

    st, _, _ = b.login("alice", "good")
    time.sleep(4.5)
    st2, _, _ = b.req("GET", "/api/me")
    check("a session idle longer than --idle expires", st == 200 and st2 == 401, (st, st2))

    late = Browser(port)
    codes = [late.login("mallory", "bad")[0] for _ in range(6)]
    check("failed logons from one address: slowed, then 429", codes[-1] == 429, codes)


if __name__ == "__main__":
    sys.exit(main())
