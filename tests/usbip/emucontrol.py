# SPDX-License-Identifier: MIT
"""The station emulator's control socket (station-emu.c): a line sent, a
line back. Used by the host's emulator test and the QEMU scenarios."""

import socket


def command(path, line, timeout=10):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(line.encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.decode().strip()


def stats(path):
    """The reply of "stats" and its key=value pairs."""
    reply = command(path, "stats")
    return reply, dict(kv.split("=", 1) for kv in reply.split()[1:] if "=" in kv)
