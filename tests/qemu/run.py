#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs seatmux's QEMU scenarios.

    tests/qemu/run.py [--build BUILD_DIR] [--out OUT_DIR] [--no-build]
                      [--keep] [--jobs N] [--list] [SCENARIO...]

A scenario is tests/qemu/scenarios/<name>.py defining:

    def run(t):          # t is a harness.Scenario
        ...              # t.machine(...), t.check(...)
    TIMEOUT = 150        # optional: hard bound in seconds (default 180)
    OVERLAYS = ["x"]     # optional: folders (relative to scenarios/) copied
                         # over the image root; default: <name>-overlay/
                         # if it exists

Without SCENARIO arguments every scenario runs, in name order, but for the
long soaks (*-soak): they run only when named (tools/soak.sh), and a
few of their cycles run inside other scenarios (rdp-slot-reuse,
usbip-station). The image is
(re)built first with build-image.sh (seconds when its base is cached):
OUT_DIR/base for scenarios without overlays, OUT_DIR/<name> for the others.

With --jobs N, N scenarios run at once, each in a run.py of its own, the
longest (by TIMEOUT) first; a scenario's lines are printed together when
it ends. Only for machines with cores to spare: on two cores, two guests
under TCG take as long as one after the other, and the checks that bound
seatmuxd's loop stalls fail under the load.

Output: one line per check, "PASS name: check" or "FAIL name: check
(reason)", a scenario that raises adds one FAIL line, and the last line is
"N passed, M failed". Exit status 1 if anything failed. Failed scenarios
keep their artifacts (serial log, agent transcript, journal, screendumps)
under ${SEATMUX_ARTIFACTS:-/tmp/seatmux-artifacts}/<name>-<time>/.
"""

import argparse
import atexit
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

SCENARIOS = os.path.join(HERE, "scenarios")
DEFAULT_TIMEOUT = 180


class ScenarioTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise ScenarioTimeout("scenario exceeded its time limit")


def on_terminate(signum, frame):
    # Kill the guests first: the rest of the unwinding may take a while.
    harness.kill_all()
    for proc in _lanes:
        proc.send_signal(signal.SIGTERM)
    raise KeyboardInterrupt("signal %d" % signum)


def available():
    return sorted(f[:-3] for f in os.listdir(SCENARIOS)
                  if f.endswith(".py") and not f.startswith("_"))


def load(name):
    path = os.path.join(SCENARIOS, name + ".py")
    spec = importlib.util.spec_from_file_location("scenario_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def overlays_of(name, mod):
    dirs = getattr(mod, "OVERLAYS", None)
    if dirs is None:
        default = os.path.join(SCENARIOS, name + "-overlay")
        dirs = [default] if os.path.isdir(default) else []
    return [d if os.path.isabs(d) else os.path.join(SCENARIOS, d) for d in dirs]


def build_image(args, out, overlays, log):
    cmd = [os.path.join(HERE, "build-image.sh"), "--out", out]
    if args.build:
        cmd += ["--build", args.build]
    for o in overlays:
        cmd += ["--overlay", o]
    t0 = time.monotonic()
    with open(log, "a") as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT)
    if rc != 0:
        with open(log) as f:
            tail = f.read()[-400:]
        raise RuntimeError("build-image.sh failed (%d): %s" % (rc, tail))
    return time.monotonic() - t0


def installs_tests(build):
    """Whether the meson build installs the test programs (the option
    install-tests), as the scenarios' image needs."""
    try:
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            options = json.load(f)
    except (OSError, ValueError):
        return True     # not set up yet: build-image.sh says what failed
    return any(o["name"] == "install-tests" and o["value"] for o in options)


def run_one(args, name, built, art_root, keep):
    """Runs one scenario in this process: (passed, failed, interrupted)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    artifacts = os.path.join(art_root, "%s-%s" % (name, stamp))
    os.makedirs(artifacts, exist_ok=True)
    t = None
    interrupted = False
    began = time.monotonic()
    try:
        mod = load(name)
        image = ensure_image(args, name, mod, built, artifacts)
        timeout = getattr(mod, "TIMEOUT", DEFAULT_TIMEOUT)
        t = harness.Scenario(name, image, artifacts, time.monotonic() + timeout)
        # The machines' watchdogs fire at the deadline; the alarm, a bit
        # later, also stops scenario code stuck outside a machine call.
        signal.alarm(int(timeout) + 20)
        try:
            mod.run(t)
        finally:
            signal.alarm(0)
        if t.passed + t.failed == 0:
            t.fail("scenario", "ran no checks")
    except KeyboardInterrupt as e:
        interrupted = True
        t = t or harness.Scenario(name, None, artifacts, 0)
        t.fail("scenario", "interrupted (%s)" % e)
    except Exception as e:
        t = t or harness.Scenario(name, None, artifacts, 0)
        with open(os.path.join(artifacts, "traceback.txt"), "w") as f:
            traceback.print_exc(file=f)
        t.fail("scenario", "%s: %s" % (type(e).__name__, e))
    finally:
        harness.kill_all()
    # Where CI's time goes, a line a scenario, image build included.
    print("# %s: took %.0f s" % (name, time.monotonic() - began), flush=True)
    if t.failed:
        print("# %s: artifacts kept in %s" % (name, artifacts), flush=True)
    elif not keep:
        shutil.rmtree(artifacts, ignore_errors=True)
    return t.passed, t.failed, interrupted


def ensure_image(args, name, mod, built, artifacts):
    """The scenario's image folder, built unless it is already (this run,
    or before with --no-build)."""
    overlays = overlays_of(name, mod)
    image = os.path.join(args.out, name if overlays else "base")
    have = all(os.path.exists(os.path.join(image, f)) for f in ("vmlinux", "initramfs.img"))
    if image not in built and not (args.no_build and have):
        secs = build_image(args, image, overlays, os.path.join(artifacts, "build-image.log"))
        print("# %s: image %s built in %.1fs" % (name, image, secs), flush=True)
        built.add(image)
    return image


_lanes = []             # running lane processes, for on_terminate()


def run_lanes(args, names, art_root):
    """Runs the scenarios `args.jobs` at a time, each in a child run.py on
    an image this process built: (passed, failed, interrupted)."""
    order = sorted(names, key=lambda n: -getattr(load(n), "TIMEOUT", DEFAULT_TIMEOUT))
    built = set()
    passed = failed = 0
    lanes = {}
    while order or lanes:
        while order and len(lanes) < args.jobs:
            name = order.pop(0)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            logdir = os.path.join(art_root, "%s-%s" % (name, stamp))
            os.makedirs(logdir, exist_ok=True)
            try:
                ensure_image(args, name, load(name), built, logdir)
            except Exception as e:
                print("FAIL %s: scenario (%s: %s)" % (name, type(e).__name__, e), flush=True)
                print("# %s: artifacts kept in %s" % (name, logdir), flush=True)
                failed += 1
                continue
            shutil.rmtree(logdir, ignore_errors=True)
            out = tempfile.TemporaryFile()
            cmd = [sys.executable, os.path.abspath(__file__), "--no-build", "--out", args.out,
                   name] + (["--build", args.build] if args.build else []) + \
                (["--keep"] if args.keep else [])
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
            _lanes.append(proc)
            lanes[proc] = (out, name)
        ended = [proc for proc in lanes if proc.poll() is not None]
        if not ended:
            time.sleep(0.5)
            continue
        proc = ended[0]
        out, name = lanes.pop(proc)
        _lanes.remove(proc)
        out.seek(0)
        lines = out.read().decode(errors="replace").splitlines()
        out.close()
        tally = lines.pop() if lines and " passed, " in lines[-1] else ""
        print("\n".join(lines), flush=True)
        try:
            p, f = (int(w) for w in tally.replace(",", "").split()[::2])
        except ValueError:
            print("FAIL %s: scenario (its run.py ended without a tally)" % name, flush=True)
            p, f = 0, 1
        passed += p
        failed += f
    return passed, failed, False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    ap.add_argument("--build", help="meson build folder whose install goes into the image")
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "seatmux-image"),
                    help="where images are written (default: %(default)s)")
    ap.add_argument("--no-build", action="store_true",
                    help="use the images already in --out")
    ap.add_argument("--keep", action="store_true",
                    help="keep artifacts of passing scenarios too")
    ap.add_argument("--jobs", type=int, default=1, metavar="N",
                    help="scenarios run at once (default: %(default)s)")
    ap.add_argument("--list", action="store_true", help="list scenarios and exit")
    args = ap.parse_args()

    names = args.scenarios or [n for n in available() if not n.endswith("-soak")]
    if args.list:
        print("\n".join(available()))
        return 0
    unknown = [n for n in names if n not in available()]
    if unknown:
        ap.error("unknown scenario(s): %s (have: %s)" % (", ".join(unknown), ", ".join(available())))

    signal.signal(signal.SIGTERM, on_terminate)
    signal.signal(signal.SIGINT, on_terminate)
    signal.signal(signal.SIGHUP, on_terminate)
    signal.signal(signal.SIGALRM, on_alarm)
    atexit.register(harness.kill_all)

    if args.build and not installs_tests(args.build):
        ap.error("%s does not install the test programs the scenarios run: "
                 "meson configure %s -Dinstall-tests=true" % (args.build, args.build))
    # Scenarios that run a host-side client (RDP) find it in the build.
    if args.build:
        os.environ["SEATMUX_BUILD_DIR"] = os.path.abspath(args.build)
    art_root = os.environ.get("SEATMUX_ARTIFACTS", "/tmp/seatmux-artifacts")
    keep = args.keep or os.environ.get("SEATMUX_KEEP_ARTIFACTS") == "1"
    passed = failed = 0
    built = set()

    if args.jobs > 1 and len(names) > 1:
        passed, failed, interrupted = run_lanes(args, names, art_root)
    else:
        for name in names:
            p, f, interrupted = run_one(args, name, built, art_root, keep)
            passed += p
            failed += f
            if interrupted:
                break

    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed or interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
