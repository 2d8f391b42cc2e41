# SPDX-License-Identifier: MIT
"""A raw Wayland client for protocol-error tests: it sends what a well
behaved library never would. Python standard library only."""

import os
import socket
import struct


class RawClient:
    def __init__(self, runtime_dir, display):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(os.path.join(runtime_dir, display))
        self.next_id = 2        # 1 is wl_display
        self.buf = b""

    def new_id(self):
        self.next_id += 1
        return self.next_id - 1

    def send(self, obj, opcode, payload=b""):
        size = 8 + len(payload)
        self.sock.sendall(struct.pack("<IHH", obj, opcode, size) + payload)

    def events(self):
        """Reads until the server closes or a timeout; yields
        (object, opcode, payload)."""
        try:
            while True:
                while len(self.buf) >= 8:
                    obj, opcode, size = struct.unpack_from("<IHH", self.buf)
                    if len(self.buf) < size:
                        break
                    payload, self.buf = self.buf[8:size], self.buf[size:]
                    yield obj, opcode, payload
                data = self.sock.recv(65536)
                if not data:
                    return
                self.buf += data
        except (socket.timeout, ConnectionResetError):
            return


def string(s):
    b = s.encode() + b"\0"
    return struct.pack("<I", len(b)) + b + b"\0" * (-len(b) % 4)


def read_string(payload, offset):
    n, = struct.unpack_from("<I", payload, offset)
    s = payload[offset + 4:offset + 4 + n - 1].decode()
    return s, offset + 4 + n + (-n % 4)
