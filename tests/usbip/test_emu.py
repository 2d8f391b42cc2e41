#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The station emulator on a loopback port, spoken to as seatmuxd's link
and the kernel's vhci_hcd would: the device list, imports, control and
bulk transfers, reports typed through the control socket, unlinks,
garbage, a pulled cable and a refusing station.

usage: test_emu.py SEATMUX-STATION-EMU"""

import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emucontrol  # noqa: E402

VERSION = 0x0111
OP_REQ_DEVLIST, OP_REP_DEVLIST = 0x8005, 0x0005
OP_REQ_IMPORT, OP_REP_IMPORT = 0x8003, 0x0003
CMD_SUBMIT, CMD_UNLINK, RET_SUBMIT, RET_UNLINK = 1, 2, 3, 4
DIR_OUT, DIR_IN = 0, 1
EPIPE, ECONNRESET = 32, 104
RECORD = ">256s32sIIIHHHBBBBBB"


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def closed(s, timeout=5):
    """True if the peer closes the connection (reading whatever is left)."""
    s.settimeout(timeout)
    try:
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def parse_record(raw):
    f = struct.unpack(RECORD, raw)
    return {"busid": f[1].rstrip(b"\0").decode(), "busnum": f[2], "devnum": f[3],
            "speed": f[4], "vid": f[5], "pid": f[6], "config": f[11], "interfaces": f[13]}


class Emulator:
    def __init__(self, binary, tmp, name, extra=()):
        self.control = os.path.join(tmp, name + ".ctl")
        self.logpath = os.path.join(tmp, name + ".log")
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--control", self.control,
             "--name", name, "--serial", name] + list(extra),
            stdout=subprocess.DEVNULL, stderr=open(self.logpath, "w"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", self.log())
            if m:
                self.port = int(m.group(1))
                return
            assert self.proc.poll() is None, "emulator exited: " + self.log()
            time.sleep(0.05)
        raise AssertionError("emulator did not start: " + self.log())

    def log(self):
        with open(self.logpath) as f:
            return f.read()

    def cmd(self, line):
        return emucontrol.command(self.control, line)

    def stats(self):
        reply, values = emucontrol.stats(self.control)
        assert reply.startswith("ok "), reply
        return values

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def devlist(self):
        with self.connect() as s:
            s.sendall(struct.pack(">HHI", VERSION, OP_REQ_DEVLIST, 0))
            version, code, status = struct.unpack(">HHI", recv_exact(s, 8))
            assert (version, code, status) == (VERSION, OP_REP_DEVLIST, 0)
            (count,) = struct.unpack(">I", recv_exact(s, 4))
            devices = {}
            for _ in range(count):
                dev = parse_record(recv_exact(s, 312))
                dev["classes"] = [tuple(recv_exact(s, 4)[:3]) for _ in range(dev["interfaces"])]
                devices[dev["busid"]] = dev
            assert closed(s), "the device list's connection stays open"
        return devices

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class Import:
    """One imported device's connection, as vhci uses it."""

    def __init__(self, emu, busid):
        self.sock = emu.connect()
        self.sock.sendall(struct.pack(">HHI32s", VERSION, OP_REQ_IMPORT, 0, busid.encode()))
        version, code, self.status = struct.unpack(">HHI", recv_exact(self.sock, 8))
        assert (version, code) == (VERSION, OP_REP_IMPORT)
        self.record = parse_record(recv_exact(self.sock, 312)) if self.status == 0 else None
        self.devid = self.record and self.record["busnum"] << 16 | self.record["devnum"]
        self.seq = 0
        self.ins = set()

    def submit(self, ep, direction, length, setup=bytes(8), data=b""):
        self.seq += 1
        if direction == DIR_IN:
            self.ins.add(self.seq)
        self.sock.sendall(struct.pack(">IIIIIIiiii8s", CMD_SUBMIT, self.seq, self.devid,
                                      direction, ep, 0, length, 0, 0, 0, setup) + data)
        return self.seq

    def unlink(self, victim):
        self.seq += 1
        self.sock.sendall(struct.pack(">IIIIII24x", CMD_UNLINK, self.seq, self.devid, 0, 0,
                                      victim))
        return self.seq

    def reply(self, timeout=5):
        """(command, seqnum, status, data) of the next RET_."""
        self.sock.settimeout(timeout)
        head = recv_exact(self.sock, 48)
        command, seq, devid, direction, ep = struct.unpack(">IIIII", head[:20])
        status, actual, start, packets, errors = struct.unpack(">iiiii", head[20:40])
        assert (devid, direction, ep, start, packets, errors) == (0, 0, 0, 0, 0, 0), head
        data = b""
        if command == RET_SUBMIT and seq in self.ins:
            data = recv_exact(self.sock, actual)
        elif command == RET_SUBMIT:
            data = actual
        return command, seq, status, data

    def control(self, rtype, request, value, index, length, data=b""):
        """A control transfer's (status, data)."""
        setup = struct.pack("<BBHHH", rtype, request, value, index, length)
        direction = DIR_IN if rtype & 0x80 else DIR_OUT
        seq = self.submit(0, direction, length, setup, data)
        command, got, status, data = self.reply()
        assert (command, got) == (RET_SUBMIT, seq)
        return status, data

    def silent(self, timeout=0.3):
        self.sock.settimeout(timeout)
        try:
            return not self.sock.recv(1, socket.MSG_PEEK)
        except socket.timeout:
            return True


def read_edid(dev):
    """All 128 requests sent before any answer is read, as a burst."""
    setup = [struct.pack("<BBHHH", 0xc0, 0x02, i << 8, 0xa1, 2) for i in range(128)]
    first = dev.seq + 1
    for s in setup:
        dev.submit(0, DIR_IN, 2, s)
    edid = b""
    for i in range(128):
        command, seq, status, data = dev.reply()
        assert (command, seq, status, len(data), data[0]) == (RET_SUBMIT, first + i, 0, 2, 0)
        edid += data[1:]
    return edid


def test_display(emu):
    dev = Import(emu, "1-1")
    assert dev.status == 0 and dev.record["busid"] == "1-1"
    assert (dev.record["vid"], dev.record["speed"], dev.record["interfaces"]) == (0x17e9, 3, 1)
    assert Import(emu, "1-1").status == 1, "a second import of a live device"
    assert Import(emu, "9-9").status == 1, "an unknown busid"

    status, desc = dev.control(0x80, 0x06, 0x0100, 0, 18)
    assert status == 0 and len(desc) == 18 and desc[:2] == b"\x12\x01"
    assert struct.unpack("<HH", desc[8:12]) == (0x17e9, 0x4006)
    status, desc = dev.control(0x80, 0x06, 0x0200, 0, 9)
    assert status == 0 and len(desc) == 9
    status, config = dev.control(0x80, 0x06, 0x0200, 0, struct.unpack("<H", desc[2:4])[0])
    assert status == 0 and bytes(config[14:17]) == b"\xff\x00\x00", config.hex()
    status, serial = dev.control(0x80, 0x06, 0x0303, 0x0409, 255)
    assert status == 0 and serial[2::2].decode() == "emu-display", serial
    status, vendor = dev.control(0x80, 0x06, 0x5f00, 0, 256)
    assert status == 0 and vendor[:8] == bytes([12, 0x5f, 1, 0, 10, 0, 2, 4]), vendor.hex()
    assert dev.control(0x40, 0x12, 0, 0, 16, bytes(16)) == (0, 16)
    assert dev.control(0x00, 0x09, 1, 0, 0) == (0, 0)
    assert dev.control(0xc0, 0x77, 0, 0, 4) == (-EPIPE, b""), "an unknown request stalls"

    edid = read_edid(dev)
    assert edid[:8] == bytes([0, 255, 255, 255, 255, 255, 255, 0]), edid.hex()
    assert sum(edid) % 256 == 0, "EDID checksum"
    assert (edid[56] | (edid[58] >> 4) << 8, edid[59] | (edid[61] >> 4) << 8) == (1024, 768)

    # Mode registers, a 10x5 red rectangle at (100, 50) as a raw pixel and
    # 9 repeats a row, three different pixels at (200, 60), AF padding.
    regs = [(0xff, 0), (0x0f, 4), (0x10, 0), (0x17, 3), (0x18, 0), (0xff, 0xff)]
    stream = b"".join(bytes([0xaf, 0x20, r, v]) for r, v in regs)
    for y in range(50, 55):
        stream += bytes([0xaf, 0x6b]) + (2 * (y * 1024 + 100)).to_bytes(3, "big")
        stream += bytes([10, 1, 0xf8, 0x00, 9])
    stream += bytes([0xaf, 0x6b]) + (2 * (60 * 1024 + 200)).to_bytes(3, "big")
    stream += bytes([3, 3]) + struct.pack(">HHH", 0x001f, 0x07e0, 0xffff) + b"\xaf" * 7
    seq = dev.submit(1, DIR_OUT, len(stream), data=stream)
    assert dev.reply() == (RET_SUBMIT, seq, 0, len(stream))

    expect = {(100, 50): 0xf800, (109, 54): 0xf800, (105, 52): 0xf800, (110, 54): 0,
              (99, 50): 0, (100, 55): 0, (200, 60): 0x001f, (201, 60): 0x07e0,
              (202, 60): 0xffff, (203, 60): 0}
    for (x, y), px in expect.items():
        assert emu.cmd("pixel %d %d" % (x, y)) == "ok 0x%04x" % px, (x, y)
    assert emu.cmd("pixel 1024 0").startswith("error")
    path = emu.control + ".ppm"
    assert emu.cmd("dump " + path) == "ok 1024x768"
    with open(path, "rb") as f:
        ppm = f.read()
    header = b"P6\n1024 768\n255\n"
    assert ppm.startswith(header) and len(ppm) == len(header) + 1024 * 768 * 3
    at = lambda x, y: len(header) + 3 * (y * 1024 + x)
    pixel = lambda x, y: tuple(ppm[at(x, y):at(x, y) + 3])
    assert pixel(100, 50) == (255, 0, 0) and pixel(201, 60) == (0, 255, 0)
    assert pixel(200, 60) == (0, 0, 255) and pixel(110, 50) == (0, 0, 0)
    stats = emu.stats()
    assert (stats["frames"], stats["bytes"]) == ("1", str(len(stream))), stats
    assert (stats["width"], stats["height"], stats["attached"]) == ("1024", "768", "1-1"), stats
    assert emu.cmd("blank") == "ok"
    assert emu.cmd("pixel 100 50") == "ok 0x0000" and emu.cmd("pixel 201 60") == "ok 0x0000"
    assert emu.stats()["frames"] == "1", "blank is no frame"
    return dev


def test_keyboard(emu):
    kbd = Import(emu, "1-2")
    assert kbd.status == 0 and (kbd.record["vid"], kbd.record["pid"]) == (0x1209, 0x5301)
    status, report = kbd.control(0x81, 0x06, 0x2200, 0, 256)
    assert status == 0 and report[:4] == b"\x05\x01\x09\x06", report.hex()
    assert kbd.control(0x21, 0x0a, 0, 0, 0) == (0, 0)
    assert kbd.control(0x21, 0x09, 0x0200, 0, 1, b"\x02") == (0, 1)

    held = kbd.submit(1, DIR_IN, 8)
    assert kbd.silent(), "an interrupt IN without a report is answered"
    assert emu.cmd("key 4") == "ok"
    assert kbd.reply() == (RET_SUBMIT, held, 0, bytes([0, 0, 4, 0, 0, 0, 0, 0]))
    seq = kbd.submit(1, DIR_IN, 8)
    assert kbd.reply() == (RET_SUBMIT, seq, 0, bytes(8)), "the release"

    # An unlinked request is answered by RET_UNLINK alone, and the next
    # report goes to the next request.
    victim = kbd.submit(1, DIR_IN, 8)
    unlink = kbd.unlink(victim)
    assert kbd.reply() == (RET_UNLINK, unlink, -ECONNRESET, b"")
    assert emu.cmd("key 225 5") == "ok"
    for want in ([2, 0, 0], [0, 0, 0], [0, 0, 5], [0, 0, 0]):
        seq = kbd.submit(1, DIR_IN, 8)
        assert kbd.reply() == (RET_SUBMIT, seq, 0, bytes(want + [0] * 5))
    unlink = kbd.unlink(seq)
    assert kbd.reply() == (RET_UNLINK, unlink, 0, b""), "unlink of a completed request"
    unlink = kbd.unlink(9999)
    assert kbd.reply() == (RET_UNLINK, unlink, 0, b""), "unlink of an unknown request"
    assert kbd.silent()
    for bad in ("key", "key 256", "key x", "button 4", "bogus", "refuse maybe"):
        assert emu.cmd(bad).startswith("error"), bad
    return kbd


def test_mouse(emu):
    mouse = Import(emu, "1-3")
    assert mouse.status == 0 and mouse.record["pid"] == 0x5302
    assert emu.cmd("move 300 -5") == "ok" and emu.cmd("button 2") == "ok"
    assert emu.cmd("wheel -1") == "ok"
    reports = []
    for _ in range(6):
        seq = mouse.submit(1, DIR_IN, 4)
        command, got, status, data = mouse.reply()
        assert (command, got, status, len(data)) == (RET_SUBMIT, seq, 0, 4)
        reports.append(struct.unpack("Bbbb", data))
    assert sum(r[1] for r in reports) == 300 and sum(r[2] for r in reports) == -5
    assert all(-127 <= r[1] <= 127 for r in reports[:3]), reports
    assert reports[3:] == [(2, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, -1)], reports
    assert emu.cmd("move 99999 0").startswith("error")
    return mouse


def test_garbage(emu, display, kbd):
    display.sock.sendall(struct.pack(">IIIII28x", 0x99, 1, 0, 0, 0))
    assert closed(display.sock), "garbage leaves the connection open"
    seq = kbd.submit(1, DIR_IN, 8)
    assert emu.cmd("key 6") == "ok"
    assert kbd.reply() == (RET_SUBMIT, seq, 0, bytes([0, 0, 6, 0, 0, 0, 0, 0]))
    seq = kbd.submit(1, DIR_IN, 8)
    assert kbd.reply() == (RET_SUBMIT, seq, 0, bytes(8))
    assert emu.stats()["attached"] == "1-2,1-3"

    again = Import(emu, "1-1")
    assert again.status == 0, "a device is free again once its connection closed"
    again.sock.sendall(struct.pack(">IIIIIIiiii8s", CMD_SUBMIT, 1, 0, DIR_OUT, 1, 0,
                                   0x7fffffff, 0, 0, 0, bytes(8)))
    assert closed(again.sock), "an oversized transfer is refused"
    with emu.connect() as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert closed(s)
    assert emu.log().count("bad input") == 3, emu.log()


def test_storage(emu):
    stick = Import(emu, "1-4")
    assert stick.status == 0 and stick.record["pid"] == 0x5303
    status, desc = stick.control(0x80, 0x06, 0x0100, 0, 18)
    assert status == 0 and len(desc) == 18
    seq = stick.submit(2, DIR_OUT, 31, data=bytes(31))
    assert stick.reply() == (RET_SUBMIT, seq, -EPIPE, 0)
    assert "1-4" in emu.stats()["imported"].split(",")
    return stick


def test_cable(emu, conns):
    assert emu.cmd("refuse on") == "ok" and emu.cmd("drop") == "ok"
    for c in conns:
        assert closed(c.sock), "drop leaves a connection open"
    stats = emu.stats()
    assert stats["attached"] == "" and stats["imported"] == "1-1,1-2,1-3,1-4", stats
    with emu.connect() as s:
        assert closed(s, 2), "a refusing station keeps a connection"
    assert emu.cmd("refuse off") == "ok"
    assert Import(emu, "1-2").status == 0


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        plain = Emulator(binary, tmp, "plain", ["--mode", "1280x1024"])
        emu = Emulator(binary, tmp, "emu", ["--extra", "storage"])
        try:
            devices = plain.devlist()
            assert sorted(devices) == ["1-1", "1-2", "1-3"], devices
            edid = read_edid(Import(plain, "1-1"))
            assert (edid[56] | (edid[58] >> 4) << 8, sum(edid) % 256) == (1280, 0)

            devices = emu.devlist()
            assert sorted(devices) == ["1-1", "1-2", "1-3", "1-4"], devices
            assert [devices[b]["classes"] for b in sorted(devices)] == [
                [(0xff, 0, 0)], [(3, 1, 1)], [(3, 1, 2)], [(8, 6, 0x50)]], devices
            assert [devices[b]["speed"] for b in sorted(devices)] == [3, 2, 2, 3]
            assert len({devices[b]["devnum"] for b in devices}) == 4

            display = test_display(emu)
            kbd = test_keyboard(emu)
            mouse = test_mouse(emu)
            test_garbage(emu, display, kbd)
            stick = test_storage(emu)
            test_cable(emu, [kbd, mouse, stick])
            log = emu.log()
            for line in ("1-1: imported, 17e9:4006 display", "import of 1-1 refused",
                         "stalled control request c0 77", "drop: 3 connections closed"):
                assert line in log, line + " not in " + log
            assert emu.cmd("quit") == "ok" and plain.cmd("quit") == "ok"
            assert emu.proc.wait(10) == 0 and plain.proc.wait(10) == 0, emu.log()
            assert not os.path.exists(emu.control)
        except BaseException:
            sys.stderr.write("--- emulator log ---\n" + emu.log())
            raise
        finally:
            plain.stop()
            emu.stop()
    print("ok")


if __name__ == "__main__":
    main()
