#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks folded stacks (pyprofgrind --folded-stacks=yes) against profiles.

    foldedcheck.py [options] FOLDED PROFILE

FOLDED must be well-formed ("frame;frame;... COUNT" lines, frames not
empty), its counts must add up to PROFILE's total, and the counts of the
stacks ending in a function must add up to that function's self cost in
PROFILE, for every function (functions keyed by name, as cgcompare.py
folds them; a frame's text is its function's name, plus " [object]" or
" [object:file]" for C functions whose names are ambiguous and
" (file:line)" for Python functions).

Options:
  --callgrind A        the total must also equal Callgrind's profile A's
  --handler NAME       a signal handler: its self cost is the sum of the
                       frames NAME and "[signal handler]" (the handler's
                       own instructions are charged to the marker frame)
  --marker-ok TEXT     a marker frame that may carry cost of its own
                       (e.g. the folded-frames marker)
  --total-only          skip the per-function check

Exit status 0 when all holds, 1 otherwise (the problems are printed).
The functions are also a library for the tests (read_folded, frame_base).
"""
import argparse
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgcompare  # noqa: E402

PYTHON_FRAME = re.compile(r"^(.*) \((.*):(\d+)\)$")
SUFFIXED_FRAME = re.compile(r"^(.*) \[[^\[\]]*\]$")


class FoldedError(Exception):
    pass


def read_folded(path):
    """[(frames, count)] of a folded-stacks file; FoldedError if malformed."""
    stacks = []
    with open(path, "rb") as f:
        data = f.read()
    for number, raw in enumerate(data.split(b"\n"), 1):
        if raw == b"" and number == data.count(b"\n") + 1:
            break
        line = raw.decode("utf-8")
        stack, sep, count = line.rpartition(" ")
        if not sep or not count.isdigit() or not stack:
            raise FoldedError("%s:%d: not 'stack count': %r" % (path, number, line[:200]))
        frames = stack.split(";")
        if any(frame == "" for frame in frames):
            raise FoldedError("%s:%d: an empty frame" % (path, number))
        if any(ch in line for ch in "\r\t\0"):
            raise FoldedError("%s:%d: a control character" % (path, number))
        stacks.append((frames, int(count)))
    return stacks


def frame_base(frame):
    """The function name of a frame text."""
    match = PYTHON_FRAME.match(frame)
    if match:
        return match.group(1)
    match = SUFFIXED_FRAME.match(frame)
    if match and not frame.startswith("["):
        return match.group(1)
    return frame


def self_by_name(stacks):
    totals = collections.Counter()
    for frames, count in stacks:
        totals[cgcompare.base_function_name(frame_base(frames[-1]))] += count
    return totals


def check(folded_path, profile_path, callgrind_path=None, handlers=(), markers=(),
          total_only=False):
    problems = []
    try:
        stacks = read_folded(folded_path)
    except (FoldedError, UnicodeDecodeError) as e:
        return ["malformed: %s" % e], None
    total = sum(count for _, count in stacks)
    profile = cgcompare.load_profile(profile_path)
    if total != profile.total_ir:
        problems.append("folded total %d, profile total %d" % (total, profile.total_ir))
    if callgrind_path is not None:
        reference = cgcompare.load_profile(callgrind_path)
        if total != reference.total_ir:
            problems.append("folded total %d, Callgrind's total %d" % (total, reference.total_ir))
    if not total_only:
        folded = self_by_name(stacks)
        expected = collections.Counter()
        for (_, name), cost in profile.self_ir.items():
            expected[name] += cost
        for handler in handlers:
            folded[handler] += folded.pop("[signal handler]", 0)
        for marker in markers:
            folded.pop(marker, None)
        wrong = sorted(name for name in set(folded) | set(expected)
                       if folded[name] != expected[name])
        if markers:
            # The cost on a marker belongs to the functions it hides:
            # theirs may be smaller than the profile's, never larger.
            above = [n for n in wrong if folded[n] > expected[n]]
            if above:
                problems.append("self costs above the profile's: %s"
                                % ["%s: folded %d, profile %d" % (n, folded[n], expected[n])
                                   for n in above[:5]])
        elif wrong:
            problems.append("%d functions' self costs differ, e.g. %s"
                            % (len(wrong), ["%s: folded %d, profile %d"
                                            % (n, folded[n], expected[n]) for n in wrong[:5]]))
    return problems, (len(stacks), total)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folded")
    parser.add_argument("profile")
    parser.add_argument("--callgrind")
    parser.add_argument("--handler", action="append", default=[])
    parser.add_argument("--marker-ok", action="append", default=[])
    parser.add_argument("--total-only", action="store_true")
    args = parser.parse_args()
    problems, summary = check(args.folded, args.profile, args.callgrind, args.handler,
                              args.marker_ok, args.total_only)
    if problems:
        print("\n".join(problems))
        return 1
    print("%d stacks, total %d = the profile's%s; self costs of every function equal"
          % (summary[0], summary[1], " = Callgrind's" if args.callgrind else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
