#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cpython_tests.py: CPython's own test modules under pyprofgrind.

Runs a handful of CPython's test modules (JSON with its deep-nesting
recursion tests, generators, exceptions, context managers, sys.settrace,
thread-local data, an asyncio subset) once natively and once under
`valgrind --tool=pyprofgrind`, each with `-m test -v` so that unittest
names every test case and its outcome, and compares the outcomes case by
case.  The tool must not change what the interpreter does: a case that
passes natively must pass under the tool, and one that fails or is skipped
natively must do the same.  Each run under the tool must also leave a
profile that pyprofgrind-report reads.

    tests/cpython/cpython_tests.py [--build DIR] [--modules M,M...] [INTERPRETER...]

INTERPRETER: a pyenv minor version (2.7, 3.12, ...: its newest build) or
the path of an interpreter binary; by default 2.7, 3.12 and the newest
3.x pyenv has.  DIR: the built tree (default: this script's tree), whose
vg-in-place runs the tool.  Prints one line per (interpreter, module):
same / DIFFERENT (with the cases that differ and the command to reproduce)
and the wall times; exits 1 if any differs.  This takes minutes per
interpreter (everything under Valgrind is 20-50x slower), so it is not part
of `make check`: run it before a release (docs/security.md).
"""

import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "python"))
import pyenvs  # noqa: E402  (the suites' pyenv finder)

MODULES_3 = ["test_json", "test_generators", "test_exceptions", "test_contextlib",
             "test_sys_settrace", "test_threading_local", "test_asyncio.test_locks"]
MODULES_2 = ["test_json", "test_generators", "test_exceptions", "test_contextlib",
             "test_sys_settrace", "test_threading_local"]
# "name (module.Class[.name]) ... outcome" as unittest -v prints it; an
# outcome may follow other output on the same line.
CASE = re.compile(r"^(test\w*) \(([\w.]+)\)(?: \.\.\. |.*\.\.\. )(ok|FAIL|ERROR|skipped|expected failure|unexpected success)")
CASE_START = re.compile(r"^(test\w*) \(([\w.]+)\)(?: \.\.\. |.*\.\.\. )")
OUTCOME_ALONE = re.compile(r"^(ok|FAIL|ERROR|skipped|expected failure|unexpected success)\b")
# 2.7's doctest-based modules: "doctest (module) ... 293 tests with zero failures".
DOCTEST = re.compile(r"^doctest \(([\w.]+)\) \.\.\. (.*)$")
ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1"}


def interpreter_path(spec):
    if os.path.sep in spec:
        return spec
    found = pyenvs.newest_build(spec)
    return found[0] if found else None


def newest_minor():
    """The newest 3.Y pyenv has, as "3.Y"."""
    for minor in range(30, 5, -1):
        if pyenvs.newest_build("3.%d" % minor):
            return "3.%d" % minor
    return None


def outcomes(text):
    """Case -> outcome, from a -v run's output (2.7 and 3.x forms).  A case
    whose line ends before its outcome (a slow-callback warning of asyncio's
    debug mode printed after "... ", which is likelier under Valgrind) takes
    the next line that is an outcome alone."""
    result = {}
    pending = None
    for line in text.splitlines():
        match = CASE.match(line)
        if match:
            result["%s (%s)" % (match.group(1), match.group(2))] = match.group(3)
            pending = None
            continue
        match = CASE_START.match(line)
        if match:
            pending = "%s (%s)" % (match.group(1), match.group(2))
            continue
        match = OUTCOME_ALONE.match(line)
        if match and pending is not None:
            result[pending] = match.group(1)
            pending = None
            continue
        match = DOCTEST.match(line)
        if match:
            result["doctest (%s)" % match.group(1)] = match.group(2)
    return result


def run(command, env, timeout):
    start = time.time()
    try:
        proc = subprocess.run(command, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
        text = proc.stdout.decode("utf-8", "replace")
        status = proc.returncode
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode("utf-8", "replace")
        status = "timeout after %d s" % timeout
    return status, text, time.time() - start


def main(argv):
    build = TOP
    modules = None
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--build" and i + 1 < len(argv):
            build = os.path.abspath(argv[i + 1])
            i += 2
        elif argv[i] == "--modules" and i + 1 < len(argv):
            modules = argv[i + 1].split(",")
            i += 2
        else:
            args.append(argv[i])
            i += 1
    specs = args or [v for v in ["2.7", "3.12", newest_minor()] if v]
    report = os.path.join(build, "report", "pyprofgrind-report")
    vg = os.path.join(build, "vg-in-place")
    work = tempfile.mkdtemp(prefix="cpython-tests.")
    env = dict(ENVIRONMENT, HOME=work)
    differing = 0
    for spec in specs:
        python = interpreter_path(spec)
        if python is None or not os.path.exists(python):
            print("%s: not installed, skipped" % spec)
            continue
        major = subprocess.run([python, "-c", "import sys; print(sys.version_info[0])"],
                               stdout=subprocess.PIPE).stdout.strip()
        runner = ["-m", "test.regrtest"] if major == b"2" else ["-m", "test"]
        for module in modules or (MODULES_2 if major == b"2" else MODULES_3):
            test_command = [python] + runner + ["-v", module]
            status_n, text_n, seconds_n = run(test_command, env, 600)
            out = os.path.join(work, "%s.%s.out" % (os.path.basename(python), module))
            # Valgrind's own messages go to a file: on the test's output
            # they could split a case's line.
            tool_command = [vg, "--tool=pyprofgrind", "--log-file=%s.vg.%%p" % out,
                            "--pyprofgrind-out-file=" + out] + test_command
            status_t, text_t, seconds_t = run(tool_command, env, 3600)
            native, tool = outcomes(text_n), outcomes(text_t)
            problems = []
            if not native:
                problems.append("no test cases found in the native run's output")
            for case in sorted(set(native) | set(tool)):
                if native.get(case) != tool.get(case):
                    problems.append("%s: %s natively, %s under the tool"
                                    % (case, native.get(case, "absent"), tool.get(case, "absent")))
            if status_n != status_t:
                problems.append("exit status %s natively, %s under the tool" % (status_n, status_t))
            if isinstance(status_t, int):
                profiles = [f for f in os.listdir(work)
                            if f.startswith(os.path.basename(out)) and ".vg." not in f]
                for profile in profiles:
                    check = subprocess.run([report, "--top", "1", os.path.join(work, profile)],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                    if check.returncode != 0:
                        problems.append("pyprofgrind-report cannot read %s: %s"
                                        % (profile, check.stderr.decode().strip()))
                if not profiles:
                    problems.append("no profile written")
            verdict = "same" if not problems else "DIFFERENT"
            print("%-8s %-26s %-9s %4d cases  native %6.1f s  tool %7.1f s (%.0fx)"
                  % (spec, module, verdict, len(native), seconds_n, seconds_t,
                     seconds_t / max(seconds_n, 0.01)))
            sys.stdout.flush()
            if problems:
                differing += 1
                for problem in problems[:10]:
                    print("    " + problem)
                print("    reproduce: cd %s && env -i %s %s" % (
                    work, " ".join("%s=%s" % kv for kv in sorted(env.items())),
                    " ".join(tool_command)))
    if differing:
        print("%d module run(s) differ; work files in %s" % (differing, work))
        return 1
    print("all modules gave the same outcomes under the tool")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
