#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The RDP path end to end on the host: drivers/rdp/sink (in
rdp-sink-harness, which paints a pattern instead of taking a virtual
head's frames, and knows one account instead of asking the broker) against
seatmux-rdp-client, which is libfreerdp2's client with software decoding.
TLS with a certificate made by broker/tls_cert, logon refused and
accepted, frames decoded to the pattern, keys (plain and extended
scancodes) and clicks arriving as evdev codes, garbage survived.

    test_rdp.py HARNESS CLIENT
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compositor"))
from headless import Checks, read, wait_for  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
from harness import Image, free_port  # noqa: E402

USER, PASSWORD = "alice", "correct horse"
RED, BLUE = (0xff, 0, 0), (0, 0, 0xff)
check = Checks("rdp")


def client(binary, port, tmp, password, name, *extra):
    log = os.path.join(tmp, name + ".log")
    argv = [binary, "--host", "127.0.0.1", "--port", str(port), "--user", USER,
            "--password", password, "--size", "320x240", "--timeout", "30", "--log", log]
    p = subprocess.run(argv + list(extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)
    return p.returncode, read(log)


def main():
    harness_bin, client_bin = sys.argv[1:3]
    tmp = tempfile.mkdtemp(prefix="smrdp-")
    os.chmod(tmp, 0o700)
    tls = os.path.join(tmp, "tls")
    os.mkdir(tls, 0o700)
    hlog = os.path.join(tmp, "harness.log")
    port = free_port()
    harness = subprocess.Popen([harness_bin, "--port", str(port), "--tls-dir", tls, "--user", USER,
                                "--password", PASSWORD, "--log", hlog],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not check("the sink listens", wait_for(lambda: "listening" in read(hlog), 10), read(hlog)):
            return check.summary()
        check("its TLS key was generated 0600", os.stat(os.path.join(tls, "key.pem")).st_mode & 0o777 == 0o600)

        rc, out = client(client_bin, port, tmp, "wrong", "wrong")
        check("a wrong password is refused with \"server denied connection\", no frames",
              rc == 2 and "refused error=0x00010007" in out and "frames" not in out,
              "rc %d: %s" % (rc, out))
        check("and the sink refused it at logon", "result=refused" in read(hlog),
              read(hlog))
        rc, out = client(client_bin, port, tmp, "", "empty")
        check("no password offered is refused too",
              rc == 2 and "refused error=0x00010007" in out, "rc %d: %s" % (rc, out))

        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(os.urandom(4096))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x0b\x00\x00")
        check("garbage and a truncated handshake cost only their connections",
              wait_for(lambda: read(hlog).count("closed") >= 4, 15), read(hlog)[-300:])

        dump = os.path.join(tmp, "frame.ppm")
        rc, out = client(client_bin, port, tmp, PASSWORD, "good", "--frames", "30", "--dump", dump,
                         "--layout", "0x407", "--unicode", "Z@", "--sync-caps", "yes",
                         "--keys", "0x1e,0x148", "--click", "200,120")
        check("the right password connects at the requested size",
              rc == 0 and "connected width=320 height=240" in out, "rc %d: %s" % (rc, out))
        n = re.findall(r"^frames n=(\d+)", out, re.M)
        check("frames arrive", n and int(n[-1]) >= 30, out)
        if os.path.exists(dump):
            img = Image.read_ppm(dump)
            left = img.fraction_near(RED, 8, (0, 0, 160, 240))
            right = img.fraction_near(BLUE, 8, (160, 0, 160, 240))
            check("the decoded frame is the sink's pattern (raw surface bits, right way up)",
                  (img.width, img.height) == (320, 240) and left > 0.95 and right > 0.95,
                  "%dx%d %.2f %.2f" % (img.width, img.height, left, right))
        else:
            check("the client saved a frame", False, out)
        log = read(hlog)
        check("logon accepted for the right password", "logon user=alice layout=0x407 result=accepted" in log,
              log)
        check("a plain scancode arrives as its evdev key (0x1e: KEY_A)",
              "key code=30 down=1" in log and "key code=30 down=0" in log, log[-400:])
        check("an extended scancode too (E0 0x48: KEY_UP)", "key code=103 down=1" in log, log[-400:])
        keys = re.findall(r"^key code=(\d+) down=(\d)", log, re.M)
        seq = [(int(c), int(d)) for c, d in keys]
        check("a character is typed with the keys of the client's layout (German Z: Shift+Y key)",
              [(42, 1), (21, 1), (21, 0), (42, 0)] in [seq[i:i + 4] for i in range(len(seq))], seq)
        check("and a third-level one with AltGr (German @: AltGr+Q)",
              [(100, 1), (16, 1), (16, 0), (100, 0)] in [seq[i:i + 4] for i in range(len(seq))], seq)
        check("the client's Caps Lock is matched by one press of it, once",
              seq.count((58, 1)) == 1 and seq.count((58, 0)) == 1, seq)
        check("a click arrives as motion and BTN_LEFT at its place",
              "motion x=200 y=120" in log and "button code=272 down=1" in log and
              "button code=272 down=0" in log, log[-400:])
        rc, out = client(client_bin, port, tmp, PASSWORD, "suppress", "--frames", "60",
                         "--act-after", "20", "--suppress", "yes")
        got = re.findall(r"^suppressed frames=(\d+)", out, re.M)
        more = re.findall(r"^frames n=(\d+)", out, re.M)
        check("a minimised client (output suppressed) gets no frames until it asks again",
              rc == 0 and got == ["0"] and more and int(more[-1]) >= 60, "rc %d: %s" % (rc, out))
        # NSCodec is not used (encode.c): Debian's client drops the
        # connection at an NSCodec bitmap anywhere but the top left.
        for codec, name in (("nsc", "raw"), ("rfx", "RemoteFX")):
            dump = os.path.join(tmp, codec + ".ppm")
            seen = len(read(hlog))
            rc, out = client(client_bin, port, tmp, PASSWORD, codec, "--frames", "30",
                             "--dump", dump, "--codec", codec)
            img = Image.read_ppm(dump) if os.path.exists(dump) else None
            left = img.fraction_near(RED, 24, (8, 8, 144, 224)) if img else 0
            right = img.fraction_near(BLUE, 24, (168, 8, 144, 224)) if img else 0
            check("a client offering %s gets its frames in %s, decoded to the pattern, "
                  "all 30 of them" % (codec, name),
                  rc == 0 and "codec=%s" % name in read(hlog)[seen:] and left > 0.95 and
                  right > 0.95, "rc %d, %.2f %.2f, %s" % (rc, left, right, read(hlog)[seen:]))
        check("raw pixels for a client that offers no codec", "codec=raw" in read(hlog), read(hlog)[-300:])
        check("the sink is still serving", harness.poll() is None)
    finally:
        harness.kill()
        harness.wait()
        if check.failed:
            print(read(hlog)[-1500:])
        shutil.rmtree(tmp, ignore_errors=True)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
