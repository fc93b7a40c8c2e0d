#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest_runner.py: end-to-end tests of pyprofgrind's Python profiles.

    pytest_runner.py --interp LABEL [SCRIPT...]   run SCRIPTs (default: all) for
                                                  one interpreter; exit 0/1/77
    pytest_runner.py --require-any LABEL,LABEL... exit 1 unless one is present
    pytest_runner.py --list                       print the interpreters found
    pytest_runner.py --recheck --interp LABEL SCRIPT  check the kept files of an
                                                  earlier run again (KEEP_WORK=1)

LABEL is one of py27 py36 py37 py38 py39 py310 py311 py312 py313 (pyenv
builds, found under $PYENV_ROOT or `pyenv root` or ~/.pyenv) or debian311
(/usr/bin/python3.11, stripped, its detached debug info found by build-id)
or debian311d (/usr/bin/python3.11d, debug build), or debian313 and
debian313d (Debian 13's /usr/bin/python3.13 and python3.13d, the same
kinds: scripts/test-platforms.sh runs them in a Debian 13 chroot), or
debian314, debian314d, debian315, debian315d (Debian sid's python3.14 and
python3.15, release and debug builds, in a sid chroot), or one of the
interpreters without any DWARF: py313nodwarf (pyenv's 3.13 with a copy of
its libpython stripped of debug info and build-id, found through
LD_LIBRARY_PATH: the layout comes from _Py_DebugOffsets) and
debian311nodwarf (a copy of /usr/bin/python3.11 without its build-id: the
built-in 3.11 layout).  For these the tool's message naming the layout's
source is checked too.  SCRIPT is a corpus script name without .py (tests/python/corpus),
or "primes" (examples/primes.py, run as "primes.py 20000 1 v1" and "... v2").

For one interpreter and one script, in a fresh work directory (a copy of the
corpus is the working directory, the script is run by its relative name),
with the fixed environment `env -i PATH=/usr/bin:/bin LC_ALL=C
PYTHONHASHSEED=0` and the interpreter options -B -S, it runs the script
  natively (the expected stdout and exit status),
  under pyoracle.py (what the script calls and executes: the reference),
  under Callgrind (A.out.<pid>) and pyprofgrind (B.out.<pid>),
  for some scripts also under pyprofgrind --python-view=python (C.out.<pid>)
  and --python=no (D.out.<pid>),
and checks (see README.md): identical output and exit status; totals equal
Callgrind's; every Python node of the corpus files is in "[Python X.Y]"
with an absolute fl=; its call count equals the oracle's 'call' events
(and both know the same functions); its self cost and its call sites are
on lines that executed (or its first line); callgrind_annotate reads the
profile without warnings and annotates the script; the views; for primes
the share and append checks; for fork the per-process pairing.

Exit status: 0 pass, 1 fail, 77 skip (interpreter absent).  On failure the
commands that reproduce it are printed and the work directory is kept.

Environment: top_builddir, VG_IN_PLACE, builddir [$top_builddir/tests/python/build],
CALLGRIND_ANNOTATE, KEEP_WORK=1, B_OPTIONS (extra options for the
pyprofgrind runs), TOOL_B (tool of the B run [pyprofgrind]; "callgrind"
runs the harness against Callgrind, whose profiles have no Python nodes),
PYENV_ROOT.
"""

import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import pychecks  # noqa: E402
import pyenvs  # noqa: E402

CORPUS_DIR = os.path.join(HERE, "corpus")
ORACLE = os.path.join(HERE, "pyoracle.py")
FIXED_ENVIRONMENT = ["env", "-i", "PATH=/usr/bin:/bin", "LC_ALL=C", "PYTHONHASHSEED=0"]
INTERPRETER_OPTIONS = ["-B", "-S"]
PROCESS_TIMEOUT = 900

# label -> ("pyenv", "X.Y") or ("system", path); the *-nodwarf kinds are
# copies without DWARF made in the build directory (see above)
INTERPRETERS = [
    ("py27", ("pyenv", "2.7")), ("py36", ("pyenv", "3.6")), ("py37", ("pyenv", "3.7")),
    ("py38", ("pyenv", "3.8")), ("py39", ("pyenv", "3.9")), ("py310", ("pyenv", "3.10")),
    ("py311", ("pyenv", "3.11")), ("py312", ("pyenv", "3.12")), ("py313", ("pyenv", "3.13")),
    ("debian311", ("system", "/usr/bin/python3.11")),
    ("debian311d", ("system", "/usr/bin/python3.11d")),
    ("debian313", ("system", "/usr/bin/python3.13")),
    ("debian313d", ("system", "/usr/bin/python3.13d")),
    ("debian314", ("system", "/usr/bin/python3.14")),
    ("debian314d", ("system", "/usr/bin/python3.14d")),
    ("debian315", ("system", "/usr/bin/python3.15")),
    ("debian315d", ("system", "/usr/bin/python3.15d")),
    ("py313nodwarf", ("pyenv-nodwarf", "3.13")),
    ("debian311nodwarf", ("system-nodwarf", "/usr/bin/python3.11")),
    ("debian314jit", ("system-jit", "/usr/bin/python3.14")),
    ("debian315jit", ("system-jit", "/usr/bin/python3.15")),
]

# What the tool must say about where it found the layout (a line of its
# log), for the interpreters whose layout does not come from DWARF.
LAYOUT_MESSAGES = {
    "py313nodwarf": r"no DWARF; CPython 3\.13\.\d+ layout from its _Py_DebugOffsets",
    "debian311nodwarf": r"using the built-in CPython 3\.11 layout",
}

# Extra pyprofgrind runs (they cost a whole run each, so only one of each
# per interpreter): (test, run) -> views.  "python-view":
# --python-view=python; "python-no": --python=no; "python-view-toggle":
# --python-view=python --toggle-collect=TOGGLE_FUNCTION, and Callgrind with
# the same toggle (E) as its reference.
VIEW_RUNS = {
    ("features", ""): ["python-view"],
    ("primes", "v2"): ["python-no", "python-view"],
    ("primes", "v1"): ["python-view-toggle"],
}

# A C function every interpreter calls from primes.py's "i % 2" (2.7's
# BINARY_MODULO, 3.x's BINARY_MODULO or BINARY_OP), exported by all.
TOGGLE_FUNCTION = "PyNumber_Remainder"

# Tests whose total may differ from Callgrind's by a few Ir because of
# where a self-sent signal is delivered (pychecks.SIGNAL_TIMING_SLACK_IR).
SIGNAL_SLACK = {"features": pychecks.SIGNAL_TIMING_SLACK_IR}

# Tests whose total depends on thread timing in glibc's synchronization
# functions (see pychecks.timing_dependent_ir).
TIMING_DEPENDENT_TESTS = {"threads"}

# Tests whose parent forks: its total is compared exactly but for 3.12+'s
# parse of /proc/self/stat (see pychecks.PROC_STAT_READERS).
FORKING_TESTS = {"fork"}

# Functions that must / must not have cost or calls in one process's
# profile: test -> role -> (present, absent).
PROCESS_MARKERS = {
    "fork": {
        "parent": (["parent_after_fork", "before_fork_work"], ["child_after_fork"]),
        "child": (["child_after_fork"], ["parent_after_fork", "before_fork_work"]),
    },
}

# Checks that cannot pass for a reason outside pyprofgrind:
# (label or "*", test or "*", check) -> reason.  Each use is printed.
UNSUPPORTED = {
    ("py27", "threads", "total"):
        "Python 2.7 releases the GIL around every lock acquire, even an uncontended "
        "one (threading takes _active_limbo_lock when a thread starts and ends), so "
        "which thread runs next is decided by a race and the interpreter's own work "
        "differs from run to run: four Callgrind runs of threads.py gave four totals "
        "(38563769 .. 38564087 without the synchronization functions)",
}
# glibc 2.41 (Debian 13) names each new thread's stack with its thread id
# written in decimal (start_thread -> name_stack_maps -> snprintf), so the
# total depends on the digits of the 8 threads' ids, which differ between
# the Callgrind and the pyprofgrind run: measured in a Debian 13 chroot,
# threads.py less synchronization, Callgrind at pid 21 54850350 and 54850327,
# pyprofgrind at pid 180 54851233 and 54851287 (+883, +960); in the system's
# PID space (5-digit pids) Callgrind alone gave 54851583 and 54852063.
for _label in ("debian313", "debian313d"):
    UNSUPPORTED[(_label, "threads", "total")] = (
        "glibc 2.41 writes each new thread's id into its stack's name as decimal "
        "text, so the total depends on how many digits the threads' ids have in "
        "each run (Callgrind at pid 21: 54850350, pyprofgrind at pid 180: 54851233 "
        "without the synchronization functions), and varies by hundreds of Ir "
        "between two Callgrind runs")
# Debian sid (glibc 2.43) too, where the cause was not traced: three
# Callgrind runs of threads.py on 3.15 gave 55929967, 55929853 and
# 55929795 without the synchronization functions; pyprofgrind was 131
# (3.15), 161 and 325 (3.14) below Callgrind.
for _label in ("debian314", "debian314d", "debian314jit",
               "debian315", "debian315d", "debian315jit"):
    UNSUPPORTED[(_label, "threads", "total")] = (
        "with Debian sid's glibc 2.43 the total moves between runs outside the "
        "synchronization functions (as with Debian 13's 2.41, which writes thread "
        "ids into the client): three Callgrind runs of threads.py on 3.15 spread "
        "over 172 Ir, and pyprofgrind runs fell 131 to 325 Ir below Callgrind's")

PRIMES_ARGS = {"v1": ["20000", "1", "v1"], "v2": ["20000", "1", "v2"]}


# -- interpreters -------------------------------------------------------------

def strip_copy(source, target, strip_debug):
    """TARGET: a copy of SOURCE without build-id (and without DWARF)."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    command = ["objcopy", "--remove-section=.note.gnu.build-id"]
    if strip_debug:
        command.append("--strip-debug")
    try:
        done = subprocess.run(command + [source, target + ".tmp"], stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        return "%s failed: %s" % (" ".join(command), exc)
    if done.returncode != 0:
        return "%s %s failed: %s" % (" ".join(command), source, done.stderr.strip()[-200:])
    os.rename(target + ".tmp", target)
    return None


def find_interpreter(label, builddir=None):
    """(path, description, environment) of LABEL's real interpreter binary,
    or (None, why, None); environment: what the runs add to
    FIXED_ENVIRONMENT.  The *-nodwarf copies are made under BUILDDIR."""
    kind, where = dict(INTERPRETERS)[label]
    # The *-jit kinds run with the JIT on (Debian builds it in, off by
    # default).
    environment = ["PYTHON_JIT=1"] if kind.endswith("-jit") else []
    if kind.startswith("pyenv"):
        found = pyenvs.newest_build(where)
        if found is None:
            return None, "no pyenv build of Python %s" % where, None
        path = found[0]
    else:
        path = where
        if not pyenvs.is_elf(path):
            return None, "%s is absent (or not an executable file)" % where, None
    if kind.endswith("-nodwarf") and builddir is not None:
        copies = os.path.join(builddir, label, "nodwarf")
        if kind == "pyenv-nodwarf":
            library = "libpython%s.so.1.0" % where
            source = os.path.join(os.path.dirname(os.path.dirname(path)), "lib", library)
            why = strip_copy(source, os.path.join(copies, library), True)
            environment = ["LD_LIBRARY_PATH=" + copies]
        else:
            copy = os.path.join(copies, os.path.basename(path))
            why = strip_copy(path, copy, False)
            path = copy
        if why:
            return None, why, None
    try:
        version = subprocess.run(
            FIXED_ENVIRONMENT + environment + [path] + INTERPRETER_OPTIONS + ["-c",
                "import sys; sys.stdout.write('%d.%d.%d %d' % (sys.version_info[:3] + "
                "(hasattr(sys, 'gettotalrefcount'),)))"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
            timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, "%s does not run: %s" % (path, exc), None
    if version.returncode != 0:
        return None, "%s does not run: %s" % (path, version.stderr.strip()[-200:]), None
    full, debug = version.stdout.split()
    expected = where if kind.startswith("pyenv") else \
        re.search(r"python(\d+\.\d+)d?$", where).group(1)
    if not (full + ".").startswith(expected + "."):
        return None, "%s is Python %s, not %s" % (path, full, expected), None
    description = "%s (Python %s%s)" % (path, full, ", debug build" if debug == "1" else "")
    if environment:
        description += " with " + " ".join(environment)
    return path, description, environment


# -- tests ----------------------------------------------------------------------

def corpus_tests():
    names = []
    for path in sorted(glob.glob(os.path.join(CORPUS_DIR, "*.py"))):
        name = os.path.basename(path)[:-3]
        if not name.startswith("helper_"):
            names.append(name)
    return names + ["primes"]


def header_value(path, key):
    """The value of a "# KEY: VALUE" line in PATH's header comment, or None."""
    with open(path) as stream:
        for line in stream:
            match = re.match(r"^#\s*%s:\s*(\S+)\s*$" % re.escape(key), line)
            if match:
                return match.group(1)
            if line.strip() and not line.startswith("#"):
                break
    return None


def min_version_of(path):
    value = header_value(path, "min-version")
    match = re.match(r"^(\d+)\.(\d+)$", value or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def speed_ratio_of(path):
    """A script's "# speed-check: RATIO": pyprofgrind's CPU time must stay
    within RATIO times Callgrind's on it; None if it has none."""
    value = header_value(path, "speed-check")
    return float(value) if value else None


def source_of(test):
    if test == "primes":
        return os.path.normpath(os.path.join(HERE, "..", "..", "examples", "primes.py"))
    return os.path.join(CORPUS_DIR, test + ".py")


def unsupported(label, test, check):
    for key in ((label, test, check), (label, "*", check), ("*", test, check), ("*", "*", check)):
        if key in UNSUPPORTED:
            return UNSUPPORTED[key]
    return None


class Failure(Exception):
    pass


class TestRun(object):
    """One interpreter, one test: runs everything and collects problems."""

    def __init__(self, settings, label, interpreter, environment, version, test):
        self.settings = settings
        self.label = label
        self.interpreter = interpreter
        self.environment = FIXED_ENVIRONMENT + environment
        self.version = version            # (major, minor)
        self.test = test
        self.work = os.path.join(settings.builddir, label, test + ".work")
        # The programs run in src/, which holds nothing but the corpus: the
        # interpreter lists its script's directory when it imports, so any
        # other file there (a profile, a log) would change the counts.
        self.src = os.path.join(self.work, "src")
        self.commands = []
        self.cpu = {}                     # run name -> CPU seconds it took
        self.problems = []                # (check, text)
        self.notes = []
        self.checks_run = []

    # -- helpers ----------------------------------------------------------

    def log(self, text):
        print("%s/%s: %s" % (self.label, self.test, text))
        sys.stdout.flush()

    def run(self, name, command):
        """Run COMMAND in src/, stdout/stderr to work/NAME.stdout/.stderr."""
        self.commands.append("cd %s && %s" % (shlex.quote(self.src),
                                              " ".join(shlex.quote(c) for c in command)))
        out_path = os.path.join(self.work, name + ".stdout")
        err_path = os.path.join(self.work, name + ".stderr")
        status_path = os.path.join(self.work, name + ".status")
        if self.settings.recheck and not name.startswith("annotate"):
            # --recheck: the files of an earlier run are checked again
            try:
                with open(status_path) as stream:
                    status = int(stream.read())
            except (OSError, ValueError):
                raise Failure("--recheck: no %s from an earlier run" % status_path)
        else:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                before = os.times()
                try:
                    status = subprocess.run(command, cwd=self.src, stdout=out, stderr=err,
                                            timeout=PROCESS_TIMEOUT).returncode
                except subprocess.TimeoutExpired:
                    raise Failure("%s: timed out after %d s" % (name, PROCESS_TIMEOUT))
                after = os.times()
                # The runs are one after the other: the children's times
                # grow by this run's only.
                self.cpu[name] = (after[2] + after[3]) - (before[2] + before[3])
            with open(status_path, "w") as stream:
                stream.write("%d\n" % status)
        with open(out_path, "rb") as stream:
            stdout = stream.read()
        return status, stdout

    def stderr_tail(self, name, lines=15, suffix=".stderr"):
        try:
            with open(os.path.join(self.work, name + suffix), errors="replace") as stream:
                text = stream.read().splitlines()
        except OSError:
            return ""
        return "\n".join("    " + line for line in text[-lines:])

    def script_command(self, script_args):
        return [self.interpreter] + INTERPRETER_OPTIONS + [self.script_name] + script_args

    def valgrind_command(self, tool, side, options, script_args):
        # Valgrind's own messages go to a log file, not to the program's
        # stderr: Python asks where its stderr stands (lseek) when it starts,
        # and a position past 256 (Callgrind's banner is longer than
        # pyprofgrind's, and both grow with the digits of the pid) costs it
        # an int object more -- 259 Ir more on Debian's 3.11, 3947 on its
        # debug build.
        return (self.environment + [self.settings.vg_in_place, "--tool=" + tool] + options
                + ["--log-file=%s" % os.path.join(self.work, side + ".valgrind.log"),
                   "--%s-out-file=%s" % (tool, os.path.join(self.work, side + ".out.%p"))]
                + self.script_command(script_args))

    def problem(self, check, text):
        self.problems.append((check, text))

    def check(self, check, problems, where=""):
        """Record the result of one check (a list of problems)."""
        reason = unsupported(self.label, self.test, check)
        if reason:
            self.notes.append("UNSUPPORTED %s%s: %s (%d problem(s) not counted)"
                              % (check, where, reason, len(problems)))
            return
        self.checks_run.append(check + where)
        for text in problems:
            self.problem(check + where, text)

    def profiles_of(self, side):
        """{pid: path} of SIDE.out.<pid>."""
        result = {}
        for path in glob.glob(os.path.join(self.work, side + ".out.*")):
            suffix = path[len(os.path.join(self.work, side + ".out.")):]
            if suffix.isdigit():
                result[int(suffix)] = path
        return result

    def load_roles(self, side, reference=False):
        """{role: ProfileDetail} of SIDE's profiles (ReferenceSummary for
        Callgrind's, REFERENCE)."""
        paths = self.profiles_of(side)
        if not paths:
            raise Failure("%s: no profile %s.out.<pid> written (see %s.valgrind.log)\n%s"
                          % (side, side, side, self.stderr_tail(side, suffix=".valgrind.log")))
        roles = {}
        for pid, path in sorted(paths.items()):
            try:
                if reference:
                    profile = pychecks.ReferenceSummary(path)
                    role = pychecks.reference_role(profile, len(paths) == 1)
                else:
                    profile = pychecks.load_detail(path)
                    role = pychecks.process_role(profile, len(paths) == 1)
            except pychecks.cgcompare.FormatError as exc:
                raise Failure("%s: malformed profile: %s" % (side, exc))
            if role in roles:
                raise Failure("%s: two profiles look like the %s process: %s and %s"
                              % (side, role, roles[role].path, path))
            roles[role] = profile
        return roles

    def load_oracle(self, prefix):
        result = {}
        for path in glob.glob(prefix + ".*.json"):
            data = pychecks.OracleData(path)
            result[data.role] = data
        if not result:
            raise Failure("oracle: wrote no %s.<role>.json\n%s"
                          % (prefix, self.stderr_tail(os.path.basename(prefix))))
        return result

    # -- the test ---------------------------------------------------------

    def prepare(self):
        if self.settings.recheck:
            if not os.path.isdir(self.src):
                raise Failure("--recheck: no work directory %s (run with KEEP_WORK=1 first)"
                              % self.work)
            sources = [os.path.join(self.src, n) for n in os.listdir(self.src)]
            self.corpus = pychecks.CorpusFiles(sources)
            self.script_name = os.path.basename(source_of(self.test))
            self.script_path = os.path.join(self.src, self.script_name)
            return
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.src)
        sources = glob.glob(os.path.join(CORPUS_DIR, "*.py"))
        if self.test == "primes":
            sources.append(source_of("primes"))
        copied = []
        for source in sources:
            target = os.path.join(self.src, os.path.basename(source))
            shutil.copyfile(source, target)
            copied.append(target)
        self.corpus = pychecks.CorpusFiles(copied)
        self.script_name = os.path.basename(source_of(self.test))
        self.script_path = os.path.join(self.src, self.script_name)

    def execute(self):
        self.prepare()
        runs = {"v1": PRIMES_ARGS["v1"], "v2": PRIMES_ARGS["v2"]} if self.test == "primes" \
            else {"": []}
        results = {}
        for run, args in sorted(runs.items()):
            results[run] = self.execute_run(run, args)
        if self.test == "primes":
            self.check_primes(results)

    def execute_run(self, run, script_args):
        tag = ("." + run) if run else ""
        where = ("[%s]" % run) if run else ""
        status, native_stdout = self.run("native" + tag, self.environment
                                         + self.script_command(script_args))
        if status != 0:
            raise Failure("the script fails natively (exit %d):\n%s"
                          % (status, self.stderr_tail("native" + tag)))

        prefix = os.path.join(self.work, "oracle" + tag)
        status, stdout = self.run("oracle" + tag, self.environment + [
            self.interpreter] + INTERPRETER_OPTIONS + [ORACLE, "--out", prefix, "--",
                                                       self.script_name] + script_args)
        if status != 0 or stdout != native_stdout:
            raise Failure("the script under pyoracle.py exits %d / prints other output "
                          "than natively:\n%s" % (status, self.stderr_tail("oracle" + tag)))
        oracle = self.load_oracle(prefix)

        sides = [("A", "callgrind", []),
                 ("B", self.settings.tool_b, self.settings.b_options)]
        views = VIEW_RUNS.get((self.test, run), [])
        if "python-view" in views:
            sides.append(("C", "pyprofgrind", ["--python-view=python"] + self.settings.b_options))
        if "python-no" in views:
            sides.append(("D", "pyprofgrind", ["--python=no"] + self.settings.b_options))
        if "python-view-toggle" in views:
            toggle = ["--toggle-collect=" + TOGGLE_FUNCTION]
            sides.append(("E", "callgrind", toggle))
            sides.append(("F", "pyprofgrind", ["--python-view=python"] + toggle
                          + self.settings.b_options))
        profiles = {}
        for side, tool, options in sides:
            status, stdout = self.run(side + tag, self.valgrind_command(
                tool, side + tag, options, script_args))
            problems = []
            if status != 0:
                problems.append("%s run (%s %s) exits %d, natively 0:\n%s\n%s"
                                % (side, tool, " ".join(options), status,
                                   self.stderr_tail(side + tag),
                                   self.stderr_tail(side + tag, suffix=".valgrind.log")))
            elif stdout != native_stdout:
                problems.append("%s run (%s) prints other output than the native run "
                                "(%s.stdout, native%s.stdout)" % (side, tool, side + tag, tag))
            self.check("exit-and-output", problems, where + "[%s]" % side)
            if tool == "pyprofgrind":
                # the tool's own messages (e.g. an interpreter it profiles as
                # C only) go with the results, so that nothing is silent
                said = []
                for line in self.stderr_tail(side + tag, 10 ** 6,
                                             suffix=".valgrind.log").splitlines():
                    if "pyprofgrind:" in line and not re.match(r"^\s*==\d+==", line):
                        self.notes.append("%s%s says: %s" % (side, tag, line.strip()))
                    if "pyprofgrind:" in line:
                        said.append(line)
                if status == 0 and "--python=no" not in options:
                    self.check("layout-source", pychecks.layout_message_problems(
                        said, LAYOUT_MESSAGES.get(self.label)), where + "[%s]" % side)
            if status == 0:
                profiles[side] = self.load_roles(side + tag, reference=(side in ("A", "E")))
            elif side in ("A", "B"):
                raise Failure("cannot compare without the %s profile" % side)

        ratio = speed_ratio_of(self.script_path)
        if ratio is not None:
            self.check_speed(ratio, tag)
        roles_a, roles_b = sorted(profiles["A"]), sorted(profiles["B"])
        if roles_a != roles_b or sorted(oracle) != roles_a:
            raise Failure("processes differ: Callgrind %s, pyprofgrind %s, oracle %s"
                          % (roles_a, roles_b, sorted(oracle)))
        expected_ob = "[Python %d.%d]" % self.version
        for role in roles_a:
            a, b, orc = profiles["A"][role], profiles["B"][role], oracle[role]
            at = where + ("[%s]" % role if role != "main" else "")
            # (A child's profile starts at the fork, after the start-up.)
            a, note = pychecks.maps_adjusted_reference(a, b) if role != "child" else (a, None)
            if note:
                self.notes.append("%s%s" % (role + ": " if role != "main" else "", note))
                if role == "main":
                    profiles["A"]["main"] = a
            if role == "child":
                # The child's profile starts at the fork (docs/using.md),
                # Callgrind's repeats the parent's costs before it.
                problems = []
                if not 0 < b.total_ir < a.total_ir:
                    problems.append("child: pyprofgrind total %d, Callgrind %d: expected "
                                    "0 < pyprofgrind < Callgrind (Callgrind's child profile "
                                    "includes the parent's costs before the fork)"
                                    % (b.total_ir, a.total_ir))
                self.notes.append("child%s: totals not compared for equality: the child's "
                                  "pyprofgrind profile starts at the fork (%d Ir), "
                                  "Callgrind's includes the parent's pre-fork cost (%d Ir)"
                                  % (where, b.total_ir, a.total_ir))
                self.check("total", problems, at)
            elif self.test in TIMING_DEPENDENT_TESTS:
                problems, note = pychecks.check_total_without_timing(a.full(), b)
                self.notes.append(note)
                self.check("total", problems, at)
            elif self.test in FORKING_TESTS:
                problems, note = pychecks.check_total_without_proc_stat(a.full(), b)
                self.notes.append(note)
                self.check("total", problems, at)
            else:
                slack = SIGNAL_SLACK.get(self.test, 0)
                if slack and a.total_ir != b.total_ir:
                    self.notes.append("total within %d Ir of Callgrind's (signal delivery "
                                      "varies): Callgrind %d, pyprofgrind %d"
                                      % (slack, a.total_ir, b.total_ir))
                self.check("total", pychecks.check_total(a, b, slack=slack), at)
            self.check("objects", pychecks.check_python_objects(b, self.corpus, expected_ob), at)
            self.check("calls", pychecks.check_call_counts(b, orc, self.corpus), at)
            self.check("lines", pychecks.check_cost_lines(b, orc, self.corpus), at)
            self.check("call-lines", pychecks.check_call_lines(b, orc, self.corpus), at)
            self.check("code-identity", pychecks.check_code_identities(b, orc, self.corpus), at)
            markers = PROCESS_MARKERS.get(self.test, {}).get(role)
            if markers:
                self.check("markers", pychecks.check_markers(b, *markers), at)
            self.check("annotate", self.annotate(b.path), at)
        if "C" in profiles:
            self.check("python-view", pychecks.check_python_view(
                profiles["A"]["main"], profiles["C"]["main"],
                SIGNAL_SLACK.get(self.test, 0)), where)
        if "D" in profiles:
            self.check("python-no", pychecks.check_no_python(
                profiles["A"]["main"], profiles["D"]["main"]), where)
        if "E" in profiles and "F" in profiles:
            self.check("python-view-toggle", pychecks.check_python_view_toggle(
                profiles["E"]["main"], profiles["F"]["main"], TOGGLE_FUNCTION), where)
        return profiles

    def check_speed(self, ratio, tag):
        """pyprofgrind's run (B) takes at most RATIO times the CPU time of
        Callgrind's (A) on the same script: deep chains of frames must
        not make each frame switch slower (the CPU time of a process, not
        the wall time, which other work on the machine stretches)."""
        a, b = self.cpu.get("A" + tag), self.cpu.get("B" + tag)
        if a is None or b is None:
            self.notes.append("speed not checked: no CPU times (--recheck)")
            return
        self.notes.append("speed: pyprofgrind %.2f s CPU, Callgrind %.2f s (%.2fx, at most "
                          "%.1fx allowed)" % (b, a, b / max(a, 0.01), ratio))
        problems = []
        if b > ratio * a:
            problems.append("pyprofgrind took %.2f s of CPU, Callgrind %.2f s: %.2fx, more "
                            "than %.1fx" % (b, a, b / max(a, 0.01), ratio))
        self.check("speed", problems)

    def annotate(self, profile_path):
        """callgrind_annotate reads the profile without warnings; with
        --auto=yes it prints annotated lines (with costs) of the script."""
        problems = []
        base = os.path.basename(profile_path)
        annotate = self.settings.callgrind_annotate
        # One run does both: a warning about the file is the same with and
        # without --auto=yes (which only adds the annotated sources).
        status, stdout = self.run("annotate." + base,
                                  [annotate, "--auto=yes", "--threshold=100", profile_path])
        text = stdout.decode("utf-8", "replace")
        with open(os.path.join(self.work, "annotate.%s.stderr" % base), "rb") as stream:
            errors = stream.read().decode("utf-8", "replace").strip()
        # Its warnings go to stderr (perl's too), except the banner about
        # costs on lines past the end of a file ("@@ WARNING @@ ...").
        banners = [l for l in text.splitlines() if l.startswith("@@ WARNING")
                   or l.startswith("WARNING")]
        if errors or banners:
            problems.append("callgrind_annotate %s complains: %s"
                            % (base, (errors + " " + " ".join(banners))[:600]))
        text = stdout.decode("utf-8", "replace")
        if status != 0:
            problems.append("callgrind_annotate --auto=yes %s: exit %d" % (base, status))
        else:
            costed = annotated_cost_lines(text, self.script_path, self.src)
            if costed is None:
                problems.append("callgrind_annotate --auto=yes %s does not annotate %s"
                                % (base, self.script_path))
            elif costed == 0:
                problems.append("callgrind_annotate --auto=yes %s: no line of %s has a cost"
                                % (base, self.script_name))
        return problems

    def check_primes(self, results):
        profiles = dict((run, results[run]["B"]["main"]) for run in ("v1", "v2"))
        problems, notes = pychecks.check_primes(profiles, self.script_path,
                                                results["v1"]["A"]["main"])
        self.notes.extend(notes)
        self.check("primes", problems)
        problems = []
        for run in ("v1", "v2"):
            problems += pychecks.check_seed_outside_cycles(results[run]["B"]["main"],
                                                           self.script_path)
        self.check("no-cycles", problems)
        if "C" in results["v2"]:
            self.check("views-agree", pychecks.check_views_agree(
                results["v2"]["B"]["main"], results["v2"]["C"]["main"], self.script_path))


RULE = "-" * 80
COST_LINE_RE = re.compile(r"^\s*[0-9][0-9,]* \(\s*[0-9.]+%\)  (?!=> )")


def annotated_cost_lines(text, path, cwd):
    """Number of source lines with a cost in callgrind_annotate's annotation
    of PATH (named absolutely, or relative to CWD as callgrind_annotate
    prints files below its working directory), None if PATH is not
    annotated."""
    headers = ["-- Auto-annotated source: " + path,
               "-- Auto-annotated source: " + os.path.relpath(path, cwd)]
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line in headers:
            break
    else:
        return None
    costed = 0
    for line in lines[index + 2:]:      # after the header and its rule
        if line == RULE:
            break
        if COST_LINE_RE.match(line):
            costed += 1
    return costed


class Settings(object):
    def __init__(self):
        top = os.environ.get("top_builddir") or os.path.join(HERE, "..", "..")
        self.top_builddir = os.path.abspath(top)
        self.builddir = os.path.abspath(os.environ.get("builddir")
                                        or os.path.join(self.top_builddir, "tests", "python",
                                                        "build"))
        vg = os.environ.get("VG_IN_PLACE") or os.path.join(self.top_builddir, "vg-in-place")
        if "/" in vg:
            vg = os.path.abspath(vg)
        else:
            vg = shutil.which(vg, path="/usr/bin:/bin") or vg
        self.vg_in_place = vg
        self.callgrind_annotate = os.environ.get("CALLGRIND_ANNOTATE") or "callgrind_annotate"
        self.b_options = shlex.split(os.environ.get("B_OPTIONS", ""))
        # TOOL_B=callgrind: harness self-test (profile B without Python nodes).
        self.tool_b = os.environ.get("TOOL_B") or "pyprofgrind"
        self.keep_work = os.environ.get("KEEP_WORK", "0") == "1"
        self.recheck = False


def cpu_seconds():
    times = os.times()
    return times[0] + times[1] + times[2] + times[3]


def run_interpreter(label, tests, recheck=False):
    settings = Settings()
    settings.recheck = recheck
    path, description, environment = find_interpreter(label, settings.builddir)
    if path is None:
        print("%s: SKIP: %s" % (label, description))
        return 77
    if shutil.which(settings.callgrind_annotate) is None:
        print("%s: SKIP: no %s" % (label, settings.callgrind_annotate))
        return 77
    if not os.access(settings.vg_in_place, os.X_OK):
        print("%s: FAIL: Valgrind launcher %s not found (set VG_IN_PLACE)"
              % (label, settings.vg_in_place))
        return 1
    version_text = description.split("(Python ")[1].split(")")[0].split(",")[0]
    version = tuple(int(x) for x in version_text.split(".")[:2])
    print("%s: exercising %s" % (label, description))
    failures = 0
    start_cpu = cpu_seconds()
    for test in tests:
        minimum = min_version_of(source_of(test)) if test != "primes" else None
        if minimum and version < minimum:
            print("%s/%s: not run: needs Python %d.%d (min-version header)"
                  % (label, test, minimum[0], minimum[1]))
            continue
        test_cpu = cpu_seconds()
        run = TestRun(settings, label, path, environment, version, test)
        try:
            run.execute()
        except Failure as exc:
            run.problem("setup", str(exc))
        for note in run.notes:
            run.log("note: " + note)
        cpu = cpu_seconds() - test_cpu
        if run.problems:
            failures += 1
            run.log("FAIL (%d problem(s), %.1f s CPU; checks passed or run: %s)"
                    % (len(run.problems), cpu, ", ".join(run.checks_run) or "none"))
            for check, text in run.problems:
                for index, line in enumerate(text.splitlines()):
                    print(("  [%s] " % check if index == 0 else "    ") + line)
            print("  --- to reproduce (work files are in %s):" % run.work)
            for command in run.commands:
                print("  " + command)
        else:
            run.log("PASS (%s; %.1f s CPU)" % (", ".join(run.checks_run), cpu))
            if not settings.keep_work and not settings.recheck:
                shutil.rmtree(run.work, ignore_errors=True)
    times = os.times()
    print("%s: %s, %d test(s) failed; %.1f s CPU in all (%.1f s in this runner, the rest "
          "in the programs it ran)" % (label, "FAIL" if failures else "PASS", failures,
                                       cpu_seconds() - start_cpu, times[0] + times[1]))
    return 1 if failures else 0


def list_interpreters():
    """Print every interpreter label with what was found; returns the labels present."""
    present = []
    for label, _ in INTERPRETERS:
        path, description, _ = find_interpreter(label)
        print("%-10s %s" % (label, description if path else "absent: " + description))
        if path:
            present.append(label)
    return present


def require_any(labels):
    found = [label for label in list_interpreters() if label in labels]
    if not found:
        print("FAIL: none of %s is available: the Python tests exercise nothing that "
              "matters" % ", ".join(labels))
        return 1
    print("PASS: available: %s" % ", ".join(found))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interp", metavar="LABEL", choices=[l for l, _ in INTERPRETERS])
    parser.add_argument("--require-any", metavar="LABELS")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--recheck", action="store_true",
                        help="check the files kept (KEEP_WORK=1) by an earlier run again, "
                             "without running anything but callgrind_annotate")
    parser.add_argument("tests", nargs="*", metavar="SCRIPT")
    options = parser.parse_args(argv)
    if options.list:
        list_interpreters()
        return 0
    if options.require_any:
        return require_any(options.require_any.split(","))
    if not options.interp:
        parser.error("need --interp LABEL, --require-any or --list")
    known = corpus_tests()
    for test in options.tests:
        if test not in known:
            parser.error("unknown test %s (known: %s)" % (test, " ".join(known)))
    return run_interpreter(options.interp, options.tests or known, options.recheck)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
