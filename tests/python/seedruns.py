# SPDX-License-Identifier: GPL-2.0-or-later
"""seedruns.py: what the tests that profile examples/primes.py on the pyenv
builds share (reader_names.py, option_matrix.py, kcachegrind.py,
speedscope_callgrind.py): the tree's paths, the fixed environment, one
profiled run, callgrind_annotate's complaints about a file, the
interpreters to run, and how a test ends (its problems printed, its work
files kept on failure, its exit status).
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, HERE)
import pyenvs  # noqa: E402

TOP_SRCDIR = os.path.abspath(os.environ.get("top_srcdir", os.path.join(HERE, "..", "..")))
TOP_BUILDDIR = os.path.abspath(os.environ.get("top_builddir", TOP_SRCDIR))
VG_IN_PLACE = os.environ.get("VG_IN_PLACE", os.path.join(TOP_BUILDDIR, "vg-in-place"))
ENVIRONMENT = ["env", "-i", "PATH=/usr/bin:/bin", "LC_ALL=C", "PYTHONHASHSEED=0",
               "PYTHONDONTWRITEBYTECODE=1"]
# The newest pyenv build of each: the readers' pictures are of these two.
SEED_INTERPRETERS = (("py312", "3.12"), ("py27", "2.7"))


def work_dir(name):
    """$top_builddir/tests/python/build/NAME, made empty."""
    path = os.path.join(TOP_BUILDDIR, "tests", "python", "build", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def run_profile(out, interpreter, options, script_args, tool="pyprofgrind", commands=None):
    """Runs `primes.py SCRIPT_ARGS` (from the source tree) on INTERPRETER
    under TOOL with OPTIONS, writing OUT; returns OUT.  Raises RuntimeError
    naming the command if it fails.  COMMANDS, a list, gets the command."""
    command = ENVIRONMENT + [VG_IN_PLACE, "--tool=" + tool, "--%s-out-file=%s" % (tool, out)] \
        + options + [interpreter, "examples/primes.py"] + list(script_args)
    if commands is not None:
        commands.append("cd %s && %s" % (TOP_SRCDIR, " ".join(command)))
    result = subprocess.run(command, cwd=TOP_SRCDIR, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    if result.returncode != 0 or not os.path.exists(out):
        raise RuntimeError("%s failed (%s): %s" % (" ".join(command), result.returncode,
                                                   result.stderr[-400:]))
    return out


def annotate_problems(path):
    """What callgrind_annotate (Valgrind's own reader) says on standard
    error about PATH, or its failure: [] when it reads it cleanly."""
    if shutil.which("callgrind_annotate") is None:
        return []
    result = subprocess.run(["callgrind_annotate", path], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, universal_newlines=True)
    lines = result.stderr.splitlines()
    if result.returncode != 0:
        lines.append("exit status %d" % result.returncode)
    return ["callgrind_annotate: " + line for line in lines[:5]]


def seed_interpreters(test, versions=SEED_INTERPRETERS):
    """(tag, interpreter path) of the newest pyenv build of each of
    VERSIONS ((tag, "X.Y") pairs) that is here; says which are not."""
    for tag, version in versions:
        build = pyenvs.newest_build(version)
        if build is None:
            print("%s: %s: no pyenv build of %s, skipped" % (test, tag, version))
        else:
            yield tag, build[0]


# The profiles the tests with the real readers open (kcachegrind.py,
# speedscope_callgrind.py): both versions in one run, in each view, and the
# function whose figures they compare.
READER_SCRIPT_ARGS = ("20000", "1", "both")
READER_VIEWS = (("mixed", []), ("python", ["--python-view=python"]))
READER_FUNCTION = "primes:primes"


def check_reader_profiles(test, check, errors=()):
    """Profiles primes.py in each of READER_VIEWS on each seed interpreter
    and calls CHECK(tag, view name, profile path, work dir, problems) on
    each; a RuntimeError or one of ERRORS becomes a problem.  Returns the
    test's exit status (finish)."""
    work = work_dir(test)
    problems = []
    ran = 0
    for tag, interpreter in seed_interpreters(test):
        ran += 1
        for view_name, options in READER_VIEWS:
            out = os.path.join(work, "%s-%s.out" % (tag, view_name))
            try:
                run_profile(out, interpreter, options, READER_SCRIPT_ARGS)
                check(tag, view_name, out, work, problems)
            except (RuntimeError,) + tuple(errors) as exc:
                problems.append("%s %s view: %s" % (tag, view_name, exc))
    return finish(test, problems, ran, work)


def finish(test, problems, ran, work):
    """Prints TEST's verdict; returns its exit status (77 if no
    interpreter RAN).  Work files stay only after a failure."""
    if not ran:
        print("%s: SKIP: none of the interpreters it needs is under pyenv" % test)
        return 77
    for line in problems:
        print("%s: FAIL: %s" % (test, line))
    if problems:
        print("%s: work files in %s" % (test, work))
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("%s: PASS" % test)
    return 0
