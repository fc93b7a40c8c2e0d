#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kcachegrind.py: the real KCacheGrind reads the profiles of examples/
primes.py as pyprofgrind wrote them.

For each of CPython 3.12 and 2.7 (the newest pyenv builds; a missing one
is skipped) and each view (mixed, --python-view=python), runs `primes.py
20000 1 both` under pyprofgrind, opens the profile in KCacheGrind under
Xvfb on the function primes:primes with its call graph shown
(kcgdriver.py says how), and checks what KCacheGrind computed against the
profile as the project's parser reads it (tests/e2e/cgcompare.py):
  * KCacheGrind's loader printed no warning or error (nor did
    callgrind_annotate, when it is there);
  * it found primes:primes by that name;
  * primes:primes is in no cycle of KCacheGrind's cycle detection, and its
    inclusive cost there is the one the profile's calls give it;
  * every call into or out of primes:primes that KCacheGrind's graph shows
    has the cost and call count of the profile's calls between those
    functions.
The mixed view is also opened with KCacheGrind's cycle detection off
(the toolbar's "Cycle Detection"), where the same must hold.  (Before the
mixed view's direct calls, the eval loop both called Python functions and
was reached from them, and KCacheGrind put the run's Python functions in
one cycle, where it showed primes:primes with 20,257,605 Ir instead of
20,348,735 on 3.12.)

Exit status 0 pass, 1 fail, 77 skip (no kcachegrind, Xvfb, dbus-daemon or
dot; no interpreter).  Work files: $top_builddir/tests/python/build/
kcachegrind/ (kept on failure, with KCacheGrind's standard error and the
graph it laid out).
"""

import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import cgcompare  # noqa: E402
import kcgdriver  # noqa: E402
import seedruns  # noqa: E402

TEST = "kcachegrind"
FUNCTION = seedruns.READER_FUNCTION


def calls_of(profile, name):
    """(inclusive, callers, callees) of the function NAME in PROFILE:
    callers and callees map the other function's name to [cost, calls],
    summed over objects; inclusive is the cost of the calls into it from
    other functions."""
    callers = collections.defaultdict(lambda: [0, 0])
    callees = collections.defaultdict(lambda: [0, 0])
    for (caller, callee), calls in profile.arc_calls.items():
        cost = profile.arc_inclusive_ir[(caller, callee)]
        if caller[1] == name and callee[1] != name:
            callees[callee[1]][0] += cost
            callees[callee[1]][1] += calls
        elif callee[1] == name and caller[1] != name:
            callers[caller[1]][0] += cost
            callers[caller[1]][1] += calls
    return sum(c for c, _ in callers.values()), callers, callees


def compare_calls(what, view, callers, callees, problems):
    """Compares the calls into and out of FUNCTION that VIEW's graph shows
    with the profile's; returns how many it compared."""
    compared = 0
    for (caller, callee), (cost, calls) in sorted(view.edges.items()):
        if caller == FUNCTION and callee in callees:
            ours = callees[callee]
        elif callee == FUNCTION and caller in callers:
            ours = callers[caller]
        elif FUNCTION in (caller, callee) and "<cycle" not in caller + callee:
            problems.append("%s: KCacheGrind shows a call %s -> %s (%d, %dx) the profile does "
                            "not have" % (what, caller, callee, cost, calls))
            continue
        else:
            continue
        compared += 1
        if [cost, calls] != ours:
            problems.append("%s: call %s -> %s: KCacheGrind %d Ir %dx, the profile %d Ir %dx"
                            % (what, caller, callee, cost, calls, ours[0], ours[1]))
    if compared == 0:
        problems.append("%s: KCacheGrind's graph shows no call into or out of %s to compare"
                        % (what, FUNCTION))
    return compared


def check(tag, view_name, profile_path, work, problems):
    what = "%s %s view" % (tag, view_name)
    profile = cgcompare.load_profile(profile_path)
    problems.extend("%s: %s" % (what, line) for line in seedruns.annotate_problems(profile_path))
    inclusive, callers, callees = calls_of(profile, FUNCTION)
    # As KCacheGrind opens by default (cycle detection on), then, for the
    # mixed view, with cycle detection off.
    runs = [("", True)] + ([(" (cycle detection off)", False)] if view_name == "mixed" else [])
    for how, show_cycles in runs:
        kcg_work = os.path.join(os.path.dirname(profile_path), "%s-%s%s.kcg" % (
            tag, view_name, "" if show_cycles else "-nocycles"))
        view = kcgdriver.open_profile(profile_path, kcg_work, FUNCTION, show_cycles=show_cycles)
        for line in view.loader_messages:
            problems.append("%s: KCacheGrind's loader: %s" % (what, line))
        if FUNCTION not in view.nodes:
            problems.append("%s%s: KCacheGrind's call graph has no %s (it selected %s)"
                            % (what, how, FUNCTION, view.selected))
            continue
        cycle, kcg_inclusive = view.nodes[FUNCTION]
        compared = 0
        if cycle is None:
            if kcg_inclusive != inclusive:
                problems.append("%s%s: KCacheGrind's inclusive cost of %s is %d, the profile's %d"
                                % (what, how, FUNCTION, kcg_inclusive, inclusive))
            compared = compare_calls(what + how, view, callers, callees, problems)
        elif not show_cycles:
            problems.append("%s%s: KCacheGrind still puts %s in <cycle %d>"
                            % (what, how, FUNCTION, cycle))
        else:
            problems.append("%s: KCacheGrind puts %s in <cycle %d> (inclusive %d there, %d by "
                            "the profile's calls)" % (what, FUNCTION, cycle, kcg_inclusive,
                                                      inclusive))
        print("kcachegrind: %s%s: %s %s, inclusive %d (profile %d); %d calls compared"
              % (what, how, FUNCTION, "in <cycle %d>" % cycle if cycle else "in no cycle",
                 kcg_inclusive, inclusive, compared))


def main():
    missing = kcgdriver.missing_programs()
    if missing:
        print("kcachegrind: SKIP: no %s (Debian packages kcachegrind xvfb dbus-daemon graphviz; "
              "scripts/install-deps.sh --readers)" % ", ".join(missing))
        return 77
    return seedruns.check_reader_profiles(TEST, check,
                                          (kcgdriver.KcgError, cgcompare.FormatError))


if __name__ == "__main__":
    sys.exit(main())
