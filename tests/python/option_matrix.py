#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""option_matrix.py: every combination of the Python options a user can
pick gives sane numbers on the same run.

examples/primes.py 5000 1 v1 runs under pyprofgrind once per combination
of --python-view (mixed, python), --python-calls (direct, full),
--python-opcodes (no, yes, base) and a collection toggle (none, a Python
function by file and qualified name, a C function), on CPython 3.12; on
2.7 a smaller set (no opcode nodes).  Callgrind runs the same script
without a toggle and with the C function's.  Each profile must:
  * parse, and keep KCacheGrind's loader rules (cgcompare.py applies
    kcg_rules.py);
  * have self costs that add up to its "totals:", and no arc whose
    inclusive cost is above the total (an unsigned underflow while
    collection is off shows as a number near 2^64);
and within one toggle, all combinations must agree:
  * on the total, which equals Callgrind's where Callgrind can toggle the
    same way (no toggle, or the C function);
  * on the calls into primes() and its inclusive cost (the view, the call
    machinery and opcode nodes move cost between C and Python nodes below
    and above it, never across its frame);
and the Python function's toggle collects more than nothing and less than
the whole run.
Exit status 0 pass, 1 fail, 77 skip (neither interpreter under pyenv).
Work files: $top_builddir/tests/python/build/option_matrix/ (kept on
failure, with the command of each run in commands.txt).
"""

import itertools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import cgcompare  # noqa: E402
import pychecks  # noqa: E402
import seedruns  # noqa: E402

TEST = "option_matrix"
SCRIPT_ARGS = ("5000", "1", "v1")
PRIMES_FILE = os.path.join(seedruns.TOP_SRCDIR, "examples", "primes.py")

# toggle name -> options (None: no toggle); "c" is one Callgrind can do too
TOGGLES = {"none": [], "python": ["--toggle-collect=primes.py:primes"],
           "c": ["--toggle-collect=PyNumber_Remainder"]}


def combinations(with_opcodes):
    """(name, options, toggle) of every run of one interpreter."""
    opcodes = ("no", "yes", "base") if with_opcodes else ("no",)
    for view, calls, opcode, toggle in itertools.product(
            ("mixed", "python"), ("direct", "full"), opcodes, sorted(TOGGLES)):
        if view == "python" and calls == "full" and opcode != "no":
            continue        # the Python view has no C nodes to keep
        name = "%s-%s-op%s-t%s" % (view, calls, opcode, toggle)
        yield name, ["--python-view=" + view, "--python-calls=" + calls,
                     "--python-opcodes=" + opcode] + TOGGLES[toggle], toggle


def run(work, tag, name, tool, interpreter, options, commands):
    return seedruns.run_profile(os.path.join(work, "%s-%s.out" % (tag, name)), interpreter,
                                options, SCRIPT_ARGS, tool=tool, commands=commands)


def sanity(tag, name, path, problems):
    """Parses PATH; returns its ProfileDetail or None."""
    try:
        cgcompare.load_profile(path)                # kcg_rules, format
        detail = pychecks.load_detail(path)
    except cgcompare.FormatError as exc:
        problems.append("%s %s: %s" % (tag, name, exc))
        return None
    total = detail.total_ir
    if detail.self_ir_sum != total:
        problems.append("%s %s: self costs add up to %d, totals: %d"
                        % (tag, name, detail.self_ir_sum, total))
    for (caller, _, line, callee), (_, inclusive) in sorted(detail.arcs.items()):
        if inclusive > total:
            problems.append("%s %s: %s -> %s at line %d costs %d, more than the total %d"
                            % (tag, name, caller[2], callee[2], line, inclusive, total))
            break
    return detail


def primes_figures(detail):
    node = pychecks.find_python_node(detail, PRIMES_FILE, "primes")
    if node is None:
        return (0, 0)
    return (detail.incoming_calls(node), detail.inclusive_ir(node))


def check(work, tag, interpreter, with_opcodes, problems, commands):
    reference = {}
    for toggle in ("none", "c"):
        path = run(work, tag, "callgrind-t" + toggle, "callgrind", interpreter, TOGGLES[toggle],
                   commands)
        reference[toggle] = cgcompare.load_profile(path).total_ir
    groups = {}
    count = 0
    for name, options, toggle in combinations(with_opcodes):
        detail = sanity(tag, name, run(work, tag, name, "pyprofgrind", interpreter, options,
                                       commands), problems)
        count += 1
        if detail is not None:
            groups.setdefault(toggle, []).append((name, detail.total_ir, primes_figures(detail)))
    for toggle, runs in sorted(groups.items()):
        totals = sorted(set(total for _, total, _ in runs))
        if len(totals) != 1:
            problems.append("%s toggle %s: the combinations disagree on the total: %s"
                            % (tag, toggle, ", ".join("%s %d" % (n, t) for n, t, _ in runs)))
        if toggle in reference and totals[0] != reference[toggle]:
            problems.append("%s toggle %s: total %d, Callgrind %d" % (tag, toggle, totals[0],
                                                                      reference[toggle]))
        figures = sorted(set(f for _, _, f in runs))
        if len(figures) != 1:
            problems.append("%s toggle %s: the combinations disagree on primes()'s (calls, "
                            "inclusive): %s" % (tag, toggle, ", ".join(
                                "%s %s" % (n, f) for n, _, f in runs)))
        elif figures[0][0] != 1:
            problems.append("%s toggle %s: primes() called %d times, expected 1"
                            % (tag, toggle, figures[0][0]))
    python_total = groups.get("python", [("", 0, None)])[0][1]
    if not 0 < python_total < reference["none"]:
        problems.append("%s: --toggle-collect=primes.py:primes collects %d of %d"
                        % (tag, python_total, reference["none"]))
    print("option_matrix: %s: %d combinations; totals: none %d, C toggle %d, Python toggle %d"
          % (tag, count, reference["none"], reference["c"], python_total))


def main():
    work = seedruns.work_dir(TEST)
    problems, commands = [], []
    ran = 0
    for tag, interpreter in seedruns.seed_interpreters(TEST):
        ran += 1
        try:
            check(work, tag, interpreter, tag == "py312", problems, commands)
        except RuntimeError as exc:
            problems.append("%s: %s" % (tag, exc))
    if problems:
        with open(os.path.join(work, "commands.txt"), "w") as stream:
            stream.write("\n".join(commands) + "\n")
        print("option_matrix: the command of each run is in %s"
              % os.path.join(work, "commands.txt"))
    return seedruns.finish(TEST, problems, ran, work)


if __name__ == "__main__":
    sys.exit(main())
