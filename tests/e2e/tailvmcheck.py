#!/usr/bin/env python3
"""tailvmcheck.py: the checks of tailvm.test on the profiles of the
tail-calling model interpreter tailvm.c.

Given Callgrind's profile (A), pyprofgrind's profile with
--dispatch-handlers (C), C's folded stacks, and the counts the program
printed, it requires that
  * the program totals are equal (tailvm.test has cgcompare.py compare
    the other functions, --ignore-fn '^_TAIL_CALL_');
  * C has the handlers as one node, named by the pattern, whose self cost is
    the sum of the handlers' self costs in A (Callgrind's recursion suffixes
    folded), and no node of its own for any handler;
  * in C the node is called only by vm_run, once per run of the program,
    never by itself, and calls helper_mix and helper_fold exactly as often
    as the program says it did (so does A, summed over its handler nodes);
  * no arc of C costs more than the program total;
  * C's deepest stack is shallow (at most --max-depth frames), where a
    call per dispatch would nest as deep as one run's instruction count.
It prints the figures it compared, Callgrind's too, and exits 1 on any
failure.

SPDX-License-Identifier: GPL-2.0-or-later
"""

import argparse
import fnmatch
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgcompare  # noqa: E402


def read_counts(path):
    """The "name number" lines tailvm prints."""
    counts = {}
    with open(path) as f:
        for line in f:
            name, _, value = line.strip().partition(" ")
            counts[name] = int(value)
    return counts


def folded_depth_and_total(path):
    depth = total = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            depth = max(depth, stack.count(";") + 1)
            total += int(count)
    return depth, total


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("callgrind_profile")
    parser.add_argument("profile")
    parser.add_argument("folded")
    parser.add_argument("counts", help="the program's output")
    parser.add_argument("--pattern", default="_TAIL_CALL_*")
    parser.add_argument("--max-depth", type=int, default=32)
    args = parser.parse_args()

    a = cgcompare.load_profile(args.callgrind_profile)
    c = cgcompare.load_profile(args.profile)
    counts = read_counts(args.counts)
    failures = []

    def is_handler(key):
        return fnmatch.fnmatchcase(key[1], args.pattern) and key[1] != args.pattern

    group = [key for key in c.self_ir if key[1] == args.pattern]
    if len(group) != 1:
        failures.append("expected one node named %s in C, found %d"
                        % (args.pattern, len(group)))
        group = None
    else:
        group = group[0]
    print("totals: Callgrind %d, pyprofgrind %d" % (a.total_ir, c.total_ir))
    if a.total_ir != c.total_ir:
        failures.append("program totals differ: %d != %d" % (a.total_ir, c.total_ir))

    handlers_a = sum(ir for key, ir in a.self_ir.items() if is_handler(key))
    handlers_c = [key for key in c.self_ir if is_handler(key)]
    if handlers_c:
        failures.append("C has handler nodes of their own: %s"
                        % ", ".join(key[1] for key in handlers_c))
    if group is not None:
        print("handlers' self cost: Callgrind %d (%d nodes), pyprofgrind %d (one node)"
              % (handlers_a, sum(1 for key in a.self_ir if is_handler(key)),
                 c.self_ir[group]))
        if handlers_a != c.self_ir[group]:
            failures.append("the handlers cost %d in A, their node %d in C"
                            % (handlers_a, c.self_ir[group]))

    if group is not None:
        callers = {caller: calls for (caller, callee), calls in c.arc_calls.items()
                   if callee == group and calls > 0}
        expected = {("tailvm", "vm_run"): counts["vm_runs"]}
        print("calls into the handlers' node: %s" % {k[1]: v for k, v in callers.items()})
        if callers != expected:
            failures.append("the handlers' node is called %s, expected %s"
                            % (callers, expected))
        for helper in ("helper_mix", "helper_fold"):
            calls_c = c.arc_calls.get((group, ("tailvm", helper)), 0)
            calls_a = sum(calls for (caller, callee), calls in a.arc_calls.items()
                          if callee == ("tailvm", helper) and is_handler(caller))
            print("%s: printed %d, Callgrind %d, pyprofgrind %d"
                  % (helper, counts[helper], calls_a, calls_c))
            if calls_c != counts[helper]:
                failures.append("%s called %d times from the handlers in C, "
                                "the program says %d" % (helper, calls_c, counts[helper]))
            if calls_a != counts[helper]:
                failures.append("%s called %d times from the handlers in A, "
                                "the program says %d" % (helper, calls_a, counts[helper]))
    handler_arcs_a = sum(calls for (caller, callee), calls in a.arc_calls.items()
                         if is_handler(caller) and is_handler(callee))
    print("handler -> handler calls: Callgrind %d, pyprofgrind %d (dispatches: %d)"
          % (handler_arcs_a,
             sum(calls for (caller, callee), calls in c.arc_calls.items()
                 if caller == group and callee == group),
             counts["executed"] - counts["vm_runs"]))

    over = [(arc, ir) for arc, ir in c.arc_inclusive_ir.items() if ir > c.total_ir]
    if over:
        failures.append("arcs of C cost more than the total: %s" % over[:3])
    largest_a = max(a.arc_inclusive_ir.values())
    print("largest arc inclusive cost: Callgrind %d (%.1fx the total), pyprofgrind %d"
          % (largest_a, largest_a / a.total_ir, max(c.arc_inclusive_ir.values())))

    depth, folded_total = folded_depth_and_total(args.folded)
    print("deepest stack in the folded stacks: %d frames" % depth)
    if depth > args.max_depth:
        failures.append("a stack %d frames deep (at most %d expected)"
                        % (depth, args.max_depth))
    if folded_total != c.total_ir:
        failures.append("the folded stacks add up to %d, the profile to %d"
                        % (folded_total, c.total_ir))

    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
