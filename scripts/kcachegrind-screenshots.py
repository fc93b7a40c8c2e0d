#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kcachegrind-screenshots.py: makes the KCacheGrind screenshots of the
README and docs/python.md from the build tree, so that they can be made
again whenever the profile changes.

Runs examples/primes.py (copied into a directory of its own, so that the
pictures show no path of the machine but that one) under the tool built
here (vg-in-place), opens each profile in the real KCacheGrind under
Xvfb on a chosen function and tabs (tests/python/kcgdriver.py), and
saves the screen as a small PNG (256 colours, not dithered):

  kcachegrind-mixed-3.12.png    the mixed view (default) of CPython 3.12:
                                primes:benchmark, its callee map and
                                call graph
  kcachegrind-python-3.12.png   --python-view=python on 3.12: the same
                                function, its callers and call graph
  kcachegrind-source-2.7.png    --python-view=python on CPython 2.7: the
                                source of primes.py at benchmark, whose
                                lines call primes (v1) and
                                primes_optimized (v2): the cost of each
                                version side by side (in the Python view
                                the lines list no C calls)

Usage: scripts/kcachegrind-screenshots.py [--outdir DIR] [--demo-dir DIR]
                                          [--cycle-detection on|off]
  --outdir    where the PNGs go (default docs/images)
  --demo-dir  the directory the programs run in (default
              $TMPDIR/pyprofgrind-demo); it shows in the source view
  --cycle-detection  KCacheGrind's "Cycle Detection" (toolbar) in the
              shots of the mixed view (default on, as KCacheGrind opens;
              before the mixed view's direct calls, the eval loop put
              primes.py's functions in one cycle, where KCacheGrind showed
              benchmark's inclusive cost as 0.00 %, and the shots were
              taken with it off)
Environment: top_builddir (default: this tree), PYTHON312, PYTHON27 (the
interpreters; default the newest pyenv builds).
Needs the Debian packages kcachegrind, xvfb, dbus-daemon, graphviz and
imagemagick, and a built tree (scripts/build.sh).  Prints each PNG's size
and what KCacheGrind showed of the selected function.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "python"))
import kcgdriver  # noqa: E402
import pyenvs  # noqa: E402

TOP_BUILDDIR = os.path.abspath(os.environ.get("top_builddir", TOP_SRCDIR))
VG_IN_PLACE = os.path.join(TOP_BUILDDIR, "vg-in-place")
ENVIRONMENT = ["env", "-i", "PATH=/usr/bin:/bin", "LC_ALL=C", "PYTHONHASHSEED=0",
               "PYTHONDONTWRITEBYTECODE=1"]
WIDTH, HEIGHT = 1280, 800

# (PNG name, interpreter version, tool options, function, top tab, bottom
# tab, options of the tab view, mixed view: --cycle-detection applies)
SHOTS = (
    ("kcachegrind-mixed-3.12.png", "3.12", [], "primes:benchmark",
     "CalleeMapView", "CallGraphView", {"TopSize": 45}, True),
    ("kcachegrind-python-3.12.png", "3.12", ["--python-view=python"], "primes:benchmark",
     "CallerView", "CallGraphView", {"TopSize": 25}, False),
    ("kcachegrind-source-2.7.png", "2.7", ["--python-view=python"], "primes:benchmark",
     "SourceView", "CallGraphView", {"TopSize": 70}, False),
)


def interpreter(version):
    explicit = os.environ.get("PYTHON" + version.replace(".", ""))
    if explicit:
        return explicit
    build = pyenvs.newest_build(version)
    if build is None:
        sys.exit("kcachegrind-screenshots: no CPython %s (pyenv, or set PYTHON%s)"
                 % (version, version.replace(".", "")))
    return build[0]


def main():
    parser = argparse.ArgumentParser(description="KCacheGrind screenshots for the docs")
    parser.add_argument("--outdir", default=os.path.join(TOP_SRCDIR, "docs", "images"))
    parser.add_argument("--demo-dir", default=os.path.join(tempfile.gettempdir(),
                                                           "pyprofgrind-demo"))
    parser.add_argument("--cycle-detection", choices=("on", "off"), default="on")
    args = parser.parse_args()
    missing = kcgdriver.missing_programs(screenshots=True) + \
        [p for p in ("convert",) if shutil.which(p) is None]
    if missing:
        sys.exit("kcachegrind-screenshots: no %s (Debian packages kcachegrind xvfb dbus-daemon "
                 "graphviz imagemagick)" % ", ".join(missing))
    if not os.access(VG_IN_PLACE, os.X_OK):
        sys.exit("kcachegrind-screenshots: no %s: build the tree first (scripts/build.sh)"
                 % VG_IN_PLACE)
    demo = os.path.abspath(args.demo_dir)
    shutil.rmtree(demo, ignore_errors=True)
    os.makedirs(demo)
    shutil.copy(os.path.join(TOP_SRCDIR, "examples", "primes.py"), demo)
    os.makedirs(args.outdir, exist_ok=True)
    for png, version, options, function, top, bottom, tab_options, mixed in SHOTS:
        out = os.path.join(demo, png.replace(".png", ".out"))
        command = ENVIRONMENT + [VG_IN_PLACE, "--tool=pyprofgrind",
                                 "--pyprofgrind-out-file=" + out] + options + \
            [interpreter(version), "primes.py", "20000", "1", "both"]
        subprocess.run(command, cwd=demo, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        raw = out + ".raw.png"
        view = kcgdriver.open_profile(out, out + ".kcg", function, top=top, bottom=bottom,
                                      width=WIDTH, height=HEIGHT, screenshot=raw,
                                      tab_options=tab_options,
                                      show_cycles=not mixed or args.cycle_detection == "on")
        target = os.path.join(args.outdir, png)
        subprocess.run(["convert", raw, "+dither", "-colors", "256", "-strip", "PNG8:" + target],
                       check=True)
        cycle, inclusive = view.nodes.get(function, (None, None))
        print("%s: %d bytes; KCacheGrind: %s inclusive %s%s; loader messages: %d"
              % (target, os.path.getsize(target), function, inclusive,
                 " in <cycle %d>" % cycle if cycle else "", len(view.loader_messages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
