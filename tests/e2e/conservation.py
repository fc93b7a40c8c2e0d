#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""conservation.py: checks that a callgrind-format profile keeps "calls in
= self + calls out" for every function that is called: the inclusive cost
of the arcs into a function equals its self cost plus the inclusive cost
of the arcs out of it (recursive arcs included on both sides).

Callgrind's profiles keep it, because each call adds its whole cost to its
arc; gprof2dot relies on it when it integrates cycles (it fails an
assertion otherwise).  pyprofgrind keeps it with --inclusive=every; by
default (--inclusive=outermost) a call into a function already running
adds no cost to its arc, so recursive functions break it, and no
inclusive cost exceeds the total instead.

Usage: conservation.py [--expect-broken] FILE...
Exit 0 if every FILE keeps it (with --expect-broken: if every FILE breaks
it somewhere), 1 otherwise, 2 on unreadable input.  Functions are folded
by base name (Callgrind's f'2 into f), which keeps the sums.
"""

import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgcompare  # noqa: E402


def broken_functions(profile):
    """[(function, calls in, self + calls out)] of the called functions of
    PROFILE (a cgcompare Profile) that do not keep the balance."""
    into, out_of = defaultdict(int), defaultdict(int)
    for (caller, callee), inclusive in profile.arc_inclusive_ir.items():
        into[callee] += inclusive
        out_of[caller] += inclusive
    broken = []
    for function in sorted(into):
        balance = profile.self_ir.get(function, 0) + out_of.get(function, 0)
        if into[function] != balance:
            broken.append((function, into[function], balance))
    return broken


def main(argv):
    expect_broken = "--expect-broken" in argv
    paths = [a for a in argv if a != "--expect-broken"]
    if not paths:
        print(__doc__.strip().splitlines()[-5], file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        try:
            profile = cgcompare.load_profile(path)
        except (OSError, cgcompare.FormatError) as exc:
            print("conservation.py: %s: %s" % (path, exc))
            return 2
        broken = broken_functions(profile)
        for function, into, balance in broken[:5]:
            print("conservation.py: %s: %s: calls in %d, self + calls out %d"
                  % (path, cgcompare.describe_function(function), into, balance))
        if bool(broken) != expect_broken:
            status = 1
            print("conservation.py: %s: %d function(s) out of balance, expected %s"
                  % (path, len(broken), "some" if expect_broken else "none"))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
