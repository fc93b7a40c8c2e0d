#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""reader_names.py: the profile of examples/primes.py reads the same in
readers that identify functions differently (docs/python.md, "Names and
the readers").

For each of CPython 3.12 and 2.7 (the newest pyenv builds; a missing one
is skipped, both missing: exit 77), runs `primes.py 20000 1 v1` under
pyprofgrind and checks:
  * KCacheGrind's loader rules (kcg_rules.py, through cgcompare.py's
    parser): an id per function, one file per function;
  * gprof2dot's: no two functions of the profile have one name except C
    functions that Callgrind names alike too (strlen of ld.so and libc):
    every Python function's name is "MODULE:QUALNAME" with the module of
    its file, and differs from every other function's;
  * no Python function calls an unnamed function of no object (2.7's
    libpython calls PyNumber_Remainder through a ".plt.got" stub);
  * --toggle-collect=benchmark, =primes:benchmark (module and qualified
    name) and =primes.py:benchmark (file and qualified name) collect the
    same, more than nothing and less than the whole run; =nosuch.py:benchmark
    collects nothing.
Exit status 0 pass, 1 fail, 77 skip.  Work files: $top_builddir/tests/
python/build/reader_names/ (kept on failure).
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import cgcompare  # noqa: E402
import seedruns  # noqa: E402

TEST = "reader_names"
SCRIPT_ARGS = ("20000", "1", "v1")
FN_RE = re.compile(r"^c?fn=(?:\((\d+)\))? ?(.*)$")


def run_profile(work, tag, interpreter, options):
    return seedruns.run_profile(os.path.join(work, "%s.out" % tag), interpreter, options,
                                SCRIPT_ARGS)


def functions_of(path):
    """{(object, file, name)} of every function named in PATH (fn= and cfn=)."""
    tables = {"ob": {}, "fl": {}, "fn": {}}
    space = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl",
             "fn": "fn", "cfn": "fn"}
    current = {}
    functions = set()
    with open(path, errors="surrogateescape") as stream:
        for line in stream:
            match = re.match(r"^(ob|fl|fi|fe|fn|cob|cfi|cfn)=(?:\((\d+)\))? ?(.*)$",
                             line.rstrip("\n"))
            if not match:
                if line.startswith("calls="):
                    current.pop("cob", None)
                    current.pop("cfi", None)
                continue
            key, ident, name = match.groups()
            if ident is not None:
                if name:
                    tables[space[key]][ident] = name
                else:
                    name = tables[space[key]][ident]
            if key == "fl":
                current["fi"] = name
            if key in ("fi", "fe"):
                current["fi"] = name
                continue
            current[key] = name
            if key == "fn":
                current["fi"] = current.get("fl")
                functions.add((current.get("ob"), current.get("fl"), name))
            elif key == "cfn":
                functions.add((current.get("cob", current.get("ob")),
                               current.get("cfi", current.get("fi")), name))
    return functions


def check(work, tag, interpreter, problems):
    out = run_profile(work, tag, interpreter, [])
    try:
        profile = cgcompare.load_profile(out)       # kcg_rules: a FormatError
    except cgcompare.FormatError as exc:
        problems.append("%s: %s" % (tag, exc))
        return
    functions = functions_of(out)
    python = {f for f in functions if f[0] and cgcompare.PYTHON_OBJECT_RE.match(f[0])
              and f[2] != "<unknown>"}
    c_names = {f[2] for f in functions - python}
    by_name = {}
    for f in python:
        by_name.setdefault(f[2], []).append(f)
        module, qualname = cgcompare.split_python_name(f[2])
        if module is None or module != cgcompare.python_module_of(f[1]):
            problems.append("%s: Python function %r of %s does not start with its module %r"
                            % (tag, f[2], f[1], cgcompare.python_module_of(f[1])))
        if f[2] in c_names:
            problems.append("%s: Python function %r has a C function's name" % (tag, f[2]))
    for name, same in sorted(by_name.items()):
        if len({f[1] for f in same}) > 1:
            problems.append("%s: Python functions of different files named %r: %s"
                            % (tag, name, sorted(f[1] for f in same)))
    for expected in ("primes:primes", "primes:benchmark", "primes:<module>"):
        if expected not in by_name:
            problems.append("%s: no Python function %r" % (tag, expected))
    for (caller, callee), calls in sorted(profile.arc_calls.items()):
        if (cgcompare.PYTHON_OBJECT_RE.match(caller[0]) and callee[0] == "???"
                and cgcompare.HEX_NAME_RE.match(callee[1])):
            problems.append("%s: %s calls %s (%d calls), a stub of no object"
                            % (tag, caller[1], cgcompare.describe_function(callee), calls))
    totals = []
    patterns = ("benchmark", "primes:benchmark", "primes.py:benchmark", "nosuch.py:benchmark")
    for pattern in patterns:
        toggled = cgcompare.load_profile(run_profile(
            work, "%s-toggle-%s" % (tag, pattern.replace(":", "_")), interpreter,
            ["--toggle-collect=" + pattern]))
        totals.append(toggled.total_ir)
    if len(set(totals[:3])) != 1 or not 0 < totals[0] < profile.total_ir or totals[3] != 0:
        problems.append("%s: --toggle-collect=%s collect %s (whole run %d; expected the first "
                        "three equal, the last 0)" % (tag, ", =".join(patterns),
                                                     ", ".join(map(str, totals)), profile.total_ir))
    print("%s: %d functions, %d Python; toggled total %d of %d"
          % (tag, len(functions), len(python), totals[0], profile.total_ir))


def main():
    work = seedruns.work_dir(TEST)
    problems = []
    ran = 0
    for tag, interpreter in seedruns.seed_interpreters(TEST):
        ran += 1
        try:
            check(work, tag, interpreter, problems)
        except RuntimeError as exc:
            problems.append("%s: %s" % (tag, exc))
    return seedruns.finish(TEST, problems, ran, work)


if __name__ == "__main__":
    sys.exit(main())
