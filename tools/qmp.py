#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends one QMP command to a running QEMU and prints the answer.

    tools/qmp.py SOCKET screendump HEAD_ID FILE.png    save a station's screen
    tools/qmp.py SOCKET type HEAD_ID 'text'            type on that station
    tools/qmp.py SOCKET COMMAND ['{"json": "arguments"}']
"""

import json
import os
import socket
import sys


def call(path, command, arguments):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())                      # greeting
    for cmd, args in (("qmp_capabilities", {}), (command, arguments)):
        f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                break
    return reply


QCODES = {" ": "spc", "\n": "ret", ".": "dot", ",": "comma", "-": "minus",
          "/": "slash", "=": "equal", ";": "semicolon"}


def type_text(path, head, text):
    """Key presses for letters, digits and a little punctuation; a
    literal \\n (as typed in a shell) is Enter."""
    text = text.replace("\\n", "\n")
    for ch in text:
        code = QCODES.get(ch, ch.lower())
        shift = ch.isupper()
        for down in (True, False):
            keys = [{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": c}}}
                    for c in (["shift", code] if shift else [code])]
            reply = call(path, "input-send-event", {"device": head, "events": keys})
            if "error" in reply:
                print(json.dumps(reply))
                return 1
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, command = argv[1], argv[2]
    if command == "type" and len(argv) == 5:
        return type_text(path, argv[3], argv[4])
    if command == "screendump":
        if len(argv) != 5:
            print(__doc__.strip(), file=sys.stderr)
            return 2
        args = {"device": argv[3], "filename": os.path.abspath(argv[4]),
                "format": "png" if argv[4].endswith(".png") else "ppm"}
    else:
        args = json.loads(argv[3]) if len(argv) > 3 else {}
    reply = call(path, command, args)
    print(json.dumps(reply))
    return 1 if "error" in reply else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
