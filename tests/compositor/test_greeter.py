#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""seatmux-greeter under seatmux-compositor's headless head, against a
scripted greetd peer (the real one, seatmuxd's, is tested in the QEMU
scenario `greeter`): keys typed through the compositor's test control
become the requests of greetd's IPC in order, the screen says what
happened (its colours read back from the head), a wrong password is
asked again, and the greeter exits 0 once its session started.

    test_greeter.py COMPOSITOR GREETER
"""

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless import Checks, Compositor, wait_for  # noqa: E402

W, H = 640, 480
BACKGROUND = (0x20, 0x30, 0x40)     # greeter/draw.h
ERROR = (0xff, 0x60, 0x60)
check = Checks("greeter")

# evdev codes of the keys typed.
KEYS = {c: k for c, k in zip("qwertyuiop", range(16, 26))}
KEYS.update({c: k for c, k in zip("asdfghjkl", range(30, 39))})
KEYS.update({c: k for c, k in zip("zxcvbnm", range(44, 51))})
KEYS.update({"1": 2, "2": 3, "3": 4})
ENTER, BACKSPACE = 28, 14
ASKS = "asks pupil1: Password:"

PROMPT = {"type": "auth_message", "auth_message_type": "secret", "auth_message": "Password:"}
OK = {"type": "success"}
WRONG = {"type": "error", "error_type": "auth_error", "description": "wrong"}


class Peer(threading.Thread):
    """greetd's side: each request read is recorded and answered from the
    script by its type (create_session, post..., start_session, cancel)."""

    def __init__(self, path, script):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.script, self.requests, self.closed = script, [], False

    def run(self):
        conn, _ = self.sock.accept()
        while True:
            head = conn.recv(4, socket.MSG_WAITALL)
            if len(head) < 4:
                self.closed = True
                return
            (n,) = struct.unpack("=I", head)
            req = json.loads(conn.recv(n, socket.MSG_WAITALL))
            self.requests.append(req)
            reply = json.dumps(self.script.pop(0) if self.script else OK).encode()
            conn.sendall(struct.pack("=I", len(reply)) + reply)


def type_text(comp, text):
    for c in text:
        comp.send("key %d 1" % KEYS[c], "key %d 0" % KEYS[c])


def press(comp, code):
    comp.send("key %d 1" % code, "key %d 0" % code)


def main():
    compositor, greeter = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "greetd.sock")
        # The first password is wrong; the retry is answered; the session starts.
        peer = Peer(path, [PROMPT, WRONG, OK, PROMPT, OK, OK])
        peer.start()
        comp = Compositor(compositor, tmp, "%dx%d@60" % (W, H), control=True)
        log = open(os.path.join(tmp, "greeter.log"), "w+")
        env = dict(comp.env, GREETD_SOCK=path, XDG_SEAT="seat7")
        proc = subprocess.Popen([greeter, "--cmd", "cage -- foot", "--env", "A=b",
                                 "--station", "Front row 1"],
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            run(comp, peer, proc, log)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            rc = comp.stop()
        check("the compositor ends cleanly", rc == 0, rc)
    return check.summary()


def logged(log):
    log.seek(0)
    return log.read()


def run(comp, peer, proc, log):
    shown = "shown at %dx%d: station 'Front row 1', Keyboard: English (US)" % (W, H)
    ok = wait_for(lambda: shown in logged(log), 20)
    check("the greeter shows itself full screen, with the station's name and the layout",
          ok, logged(log))
    shot = comp.shot()
    check("its background fills the head", shot.fraction_near(BACKGROUND, 4) > 0.5,
          "%.2f" % shot.fraction_near(BACKGROUND, 4))
    # Two stray letters, then Backspace held: it repeats (the
    # compositor's repeat_info: 600 ms, then 25 a second), taking both.
    type_text(comp, "zz")
    comp.send("key %d 1" % BACKSPACE)
    time.sleep(1.5)
    comp.send("key %d 0" % BACKSPACE)
    type_text(comp, "pupil1")
    press(comp, ENTER)
    ok = wait_for(lambda: len(peer.requests) >= 1)
    check("a held Backspace repeats; Enter sends create_session with the typed name",
          ok and peer.requests[0] == {"type": "create_session", "username": "pupil1"},
          peer.requests)
    check("and the greeter shows the prompt it was sent",
          wait_for(lambda: logged(log).count(ASKS) == 1), logged(log))
    type_text(comp, "bad")
    press(comp, ENTER)
    ok = wait_for(lambda: len(peer.requests) >= 4)
    check("the answer goes as post_auth_message_response; the failure is cancelled and "
          "the same user asked again",
          ok and peer.requests[1:4] == [
              {"type": "post_auth_message_response", "response": "bad"},
              {"type": "cancel_session"},
              {"type": "create_session", "username": "pupil1"}], peer.requests)
    ok = wait_for(lambda: comp.shot().count_near(ERROR, 40) > 10, 5)
    check("the screen says the password was wrong, in the error colour", ok)
    wait_for(lambda: logged(log).count(ASKS) == 2)
    type_text(comp, "right")
    press(comp, ENTER)
    ok = wait_for(lambda: len(peer.requests) >= 6)
    check("the right answer, then start_session with --cmd and --env",
          ok and peer.requests[4:6] == [
              {"type": "post_auth_message_response", "response": "right"},
              {"type": "start_session", "cmd": ["cage -- foot"], "env": ["A=b"]}],
          peer.requests)
    try:
        rc = proc.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    check("once the session started the greeter exits 0", rc == 0, logged(log))
    check("and says whose session it was", "pupil1's session started" in logged(log),
          logged(log))


if __name__ == "__main__":
    sys.exit(main())
