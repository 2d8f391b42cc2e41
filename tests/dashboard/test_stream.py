#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The large view over a WebSocket (/api/stream), against a real
seatmux-dashboard and a fake logon helper (test_http.py's): the
handshake and who may make it, the first picture whole, nothing
sent while the picture stays, only the tiles that changed when it
changes, input taken as /api/input takes it (and refused alike), the
stream ended by a logout. The room in QEMU: the scenario "dashboard".

    test_stream.py DASHBOARD PAGE_DIR
"""

import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_http  # noqa: E402
from test_http import Browser, check, png_size  # noqa: E402
from test_hosts import Dashboard  # noqa: E402

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def picture(w, h, rgb, box=None, box_rgb=(0, 0, 0)):
    """A w x h PNG of one colour, with box (x, y, bw, bh) in another."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    rows = []
    for y in range(h):
        row = bytearray(bytes(rgb) * w)
        if box and box[1] <= y < box[1] + box[3]:
            row[box[0] * 3:(box[0] + box[2]) * 3] = bytes(box_rgb) * box[2]
        rows.append(b"\0" + bytes(row))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


class Socket:
    """A WebSocket client, enough for the test: the handshake, frames."""

    def __init__(self, port, path, cookie, origin=True, key=None, headers=""):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 10))
        self.key = key or base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port, "Upgrade: websocket",
                 "Connection: keep-alive, Upgrade", "Sec-WebSocket-Key: " + self.key,
                 "Sec-WebSocket-Version: 13"]
        if origin:
            lines.append("Origin: " + (origin if isinstance(origin, str) else
                                       "https://127.0.0.1:%d" % port))
        if cookie:
            lines.append("Cookie: " + cookie)
        self.s.sendall(("\r\n".join(lines) + "\r\n" + headers + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                break
            self.buf += d
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.head = head.decode(errors="replace")
        self.status = int(self.head.split()[1]) if self.head else 0

    def accepted(self):
        want = base64.b64encode(hashlib.sha1((self.key + GUID).encode()).digest()).decode()
        return self.status == 101 and ("Sec-WebSocket-Accept: " + want) in self.head

    def _read(self, n, deadline):
        while len(self.buf) < n:
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self, timeout):
        """(opcode, payload) of the next frame, or None within timeout."""
        deadline = time.monotonic() + timeout
        try:
            b0, b1 = self._read(2, deadline)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack(">H", self._read(2, deadline))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8, deadline))[0]
            return b0 & 0x0f, self._read(n, deadline)
        except (socket.timeout, ssl.SSLError, TimeoutError):
            return None

    def send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode]) + (bytes([0x80 | n]) if n < 126 else
                                          bytes([0x80 | 126]) + struct.pack(">H", n))
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def abandon(port, cookie, wait):
    """A handshake whose connection is reset at once: the server may not
    get to switch it. Nothing may be left behind (the sanitizer's leak
    check, at the dashboard's stop)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), 10)
    s = ctx.wrap_socket(raw)
    s.sendall(("GET /api/stream?id=seat1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\nOrigin: https://127.0.0.1:%d\r\nCookie: %s\r\n\r\n"
               % (port, base64.b64encode(os.urandom(16)).decode(), port, cookie)).encode())
    time.sleep(wait)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def tiles(payload):
    """A picture's change: (width, height, [(x, y, w, h, png)])."""
    w, h, n = struct.unpack("<HHH", payload[:6])
    at, out = 6, []
    for _ in range(n):
        x, y, tw, th, ln = struct.unpack("<HHHHI", payload[at:at + 12])
        out.append((x, y, tw, th, payload[at + 12:at + 12 + ln]))
        at += 12 + ln
    return w, h, out, at == len(payload)


def next_binary(ws, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = ws.recv(end - time.monotonic())
        if got is None or got[0] == 2:
            return got
    return None


def close_code(ws, timeout=10):
    """The status of the server's close frame, or None within timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = ws.recv(end - time.monotonic())
        if got and got[0] == 8:
            return struct.unpack(">H", got[1][:2])[0]
    return None


def picture_fds(pid):
    """The pictures' memfds the process holds."""
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("/memfd:picture"):
                out.append(fd)
        except OSError:
            pass
    return out


def hostile_bridges(d, b):
    """A bridge runs as its user, who may make it pass any fd for the
    pixels: none, one not sealed (it could change or shrink under the
    mapping: SIGBUS), one of the wrong size. Each is refused: a 502 said,
    the stream ended (1011), the fd closed, the session unharmed."""
    for mode, what in (("none", "no fd"), ("unsealed", "a memfd not sealed"),
                       ("short", "a memfd 4 bytes short of the picture")):
        d.helper.raw = mode
        ws = Socket(d.port, "/api/stream?id=seat1", b.cookie)
        said, closed, end = None, None, time.monotonic() + 20
        while closed is None and time.monotonic() < end:
            got = ws.recv(end - time.monotonic())
            if got and got[0] == 1:
                said = json.loads(got[1])
            elif got and got[0] == 8:
                closed = struct.unpack(">H", got[1][:2])[0]
        st, _, _ = b.req("GET", "/api/stations")
        check("a bridge passing %s for the pixels: a 502 said, the stream ended (1011), the "
              "fd closed, the session unharmed" % what,
              said and said.get("status") == 502 and closed == 1011 and st == 200 and
              not picture_fds(d.proc.pid), (said, closed, st, picture_fds(d.proc.pid)))
    d.helper.raw = "sealed"


def main():
    binary, page = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="dashboard-stream-")
    d = Dashboard(binary, page, tmp + "/d")
    d.helper.picture = picture(1280, 800, (30, 90, 200))
    try:
        run(d)
    finally:
        d.stop()
    print("%d failed" % test_http.failed)
    return 1 if test_http.failed else 0


def run(d):
    b = Browser(d.port)
    ws = Socket(d.port, "/api/stream?id=seat1", None)
    check("no session: no stream (401)", ws.status == 401, ws.head[:80])
    b.login("alice", "good")
    for what, kw, want in (
            ("without an Origin (no page's): 403", dict(origin=False), 403),
            ("from another site's page: 403", dict(origin="https://evil.example"), 403),
            ("a key that is no 16 bytes: 400", dict(key="c2hvcnQ="), 400)):
        ws = Socket(d.port, "/api/stream?id=seat1", b.cookie, **kw)
        check("a WebSocket " + what, ws.status == want, ws.head[:80])
    ws = Socket(d.port, "/api/stream?id=no/such", b.cookie)
    check("a WebSocket for no station's id: 400", ws.status == 400, ws.head[:80])

    before = len(d.helper.requests)
    opened = time.monotonic()
    ws = Socket(d.port, "/api/stream?id=seat1", b.cookie)
    check("the large view's WebSocket: 101, the key answered (RFC 6455)", ws.accepted(),
          ws.head[:300])
    got = next_binary(ws, 20)
    w, h, first, whole = tiles(got[1]) if got else (0, 0, [], False)
    area = sum(t[2] * t[3] for t in first)
    check("the first picture comes whole: 1280x800, its tiles joined into one PNG of its size",
          got and whole and (w, h) == (1280, 800) and area == 1280 * 800 and
          len(first) == 1 and all(png_size(t[4]) == (t[2], t[3]) for t in first),
          (w, h, len(first), area))
    check("opening it told the station's user it is watched (Watch), once",
          [r for r in d.helper.requests[before:] if r[0] == "watch"] == [["watch", "seat1"]],
          d.helper.requests[before:][:4])
    shots = sum("screenshot" in r for r in d.helper.requests)
    quiet = next_binary(ws, 2)
    again = sum("screenshot" in r for r in d.helper.requests)
    check("the picture unchanged: nothing sent, while it is looked at again and again",
          quiet is None and again > shots + 2, (quiet and len(quiet[1]), shots, again))
    d.helper.picture = picture(1280, 800, (30, 90, 200), (300, 300, 100, 100))
    got = next_binary(ws, 20)
    w, h, changed, whole = tiles(got[1]) if got else (0, 0, [], False)
    check("a box drawn: only the 9 tiles it touches are sent, as one 192x192 piece",
          got and whole and [t[:4] for t in changed] == [(256, 256, 192, 192)] and
          png_size(changed[0][4]) == (192, 192), [t[:4] for t in changed])
    # seatmuxd holds a station watched 12 s a Watch: an open view renews it.
    end = time.monotonic() + 10
    watches = []
    while len(watches) < 2 and time.monotonic() < end:
        watches = [r for r in d.helper.requests[before:] if r[0] == "watch"]
        time.sleep(0.2)
    check("while it stays open, seatmuxd is told again that seat1 is watched, every 4 s",
          len(watches) == 2 and 4 <= time.monotonic() - opened, watches)

    ws.send(1, b"1:30:1,0:0:0,1:30:0,0:0:0")
    end = time.monotonic() + 10
    while ["input", "seat1", "1:30:1,0:0:0,1:30:0,0:0:0"] not in d.helper.requests and \
            time.monotonic() < end:
        time.sleep(0.1)
    check("input on the socket goes to the station as /api/input's",
          ["input", "seat1", "1:30:1,0:0:0,1:30:0,0:0:0"] in d.helper.requests,
          d.helper.requests[-3:])
    ws.send(1, b"rm -rf /")
    text = None
    end = time.monotonic() + 10
    while text is None and time.monotonic() < end:
        got = ws.recv(end - time.monotonic())
        if got and got[0] == 1:
            text = json.loads(got[1])
    check("input that is not events: a 400 said on the socket, nothing sent",
          text and text.get("status") == 400 and
          not any(r[:2] == ["input", "seat1"] and "rm" in r[2] for r in d.helper.requests), text)
    ws.send(2, b"\x00\x01")
    closed = close_code(ws)
    check("a binary message from the browser: closed (1003)", closed == 1003, closed)
    check("the pictures are asked for as pixels fitted by seatmuxd (--fit 1280x800 --raw): "
          "nothing to decode", ["--fit", "1280x800", "--raw", "screenshot", "seat1", "-"] in
          d.helper.requests, [r for r in d.helper.requests if "screenshot" in r][-1:])
    hostile_bridges(d, b)

    ws = Socket(d.port, "/api/stream?id=seat1", b.cookie)
    next_binary(ws, 20)
    b.req("POST", "/api/logout", "")
    closed = close_code(ws)
    check("a logout ends the stream (1008)", closed == 1008, closed)

    # Left open: the dashboard's stop ends it (main's d.stop() checks).
    b.login("alice", "good")
    # Handshakes reset at every moment from before the server answers
    # them to after it has switched them: nothing left behind (the
    # sanitizer at the stop), and the next stream is served.
    for i in range(120):
        abandon(d.port, b.cookie, i * 0.0005)
    ws = Socket(d.port, "/api/stream?id=seat1", b.cookie)
    check("another stream, left open while the dashboard stops", next_binary(ws, 20), "")


if __name__ == "__main__":
    sys.exit(main())
