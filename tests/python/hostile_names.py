#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""hostile_names.py: names chosen by the profiled program must neither
forge records of the profile nor be lost.

    hostile_names.py --case injection|long-names --interp LABEL [--interp LABEL...]

Runs one small Python script (written below, for Python 2.7 and 3.x) under
pyprofgrind with each interpreter LABEL (see pytest_runner.py; absent ones
are skipped) and checks the profile:

injection: the script compiles code under the file name of the security
  review, "x\\ntotals: 1\\nfn=(1) injected_fn\\n0 99999999999999999999\\nx.py",
  renames functions to names holding newlines, a carriage return and a NUL,
  and runs with an argument holding a newline (the "cmd:" line).  No
  function "injected_fn" may appear, neither to cgcompare.py's parser nor to
  callgrind_annotate (which must not warn); the totals: line must equal the
  sum of the self costs and callgrind_annotate's program total; there must
  be one "cmd:" and one "totals:" line; and the names must appear escaped
  (backslash-n, backslash-r, backslash-x00: docs/security.md).
long-names: a module at a 634-character path, a function with a
  200-character CJK name, one with a 600-character qualified name (co_name
  before 3.11) and one differing from it in the last character only, and two
  CJK names of 3000 characters, too long to keep, differing in the last
  character only; and two functions renamed (qualified name from 3.11)
  one after the other and dropped, whose code objects likely share an
  address.  Each must be a node of its own (one call each) with its
  name whole, the too long ones cut at a character boundary with the
  "...[cut: N characters, hash H]" marker; no node may be "<unknown>".

Exit status: 0 pass, 1 fail, 77 skip (no interpreter).  On failure the
commands that reproduce it are printed and the work directory
($top_builddir/tests/python/build/hostile/CASE-LABEL.work) is kept.
Environment: top_builddir, VG_IN_PLACE, CALLGRIND_ANNOTATE, KEEP_WORK=1,
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
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import cgcompare  # noqa: E402
import pytest_runner  # noqa: E402

FIXED_ENVIRONMENT = pytest_runner.FIXED_ENVIRONMENT
INTERPRETER_OPTIONS = pytest_runner.INTERPRETER_OPTIONS
PROCESS_TIMEOUT = 600

HOSTILE_FILE = "x\ntotals: 1\nfn=(1) injected_fn\n0 99999999999999999999\nx.py"
HOSTILE_NAME = "g\nfn=(2) injected_fn\r\n0 99999999999999999999"
NUL_NAME = "nul\x00fn=(3) injected_fn"
HOSTILE_ARGUMENT = "arg\nfn=(1) injected_fn"

# Shared by both scripts: give a function's code another name (qualified
# name from 3.11, co_name before), on 2.7 and 3.x alike.  Names are written
# into the scripts as u'...' literals of ASCII escapes (2.7 reads a plain
# literal as bytes).
RENAME_HELPER = r'''
import sys, types

def renamed(function, name, qualname=None):
    code = function.__code__
    if sys.version_info[0] == 2:
        new_name = qualname or name
        if not isinstance(new_name, str):          # unicode: 2.7 wants bytes
            new_name = new_name.encode("utf-8")
        code = types.CodeType(code.co_argcount, code.co_nlocals, code.co_stacksize,
                              code.co_flags, code.co_code, code.co_consts, code.co_names,
                              code.co_varnames, code.co_filename, new_name,
                              code.co_firstlineno, code.co_lnotab, code.co_freevars,
                              code.co_cellvars)
    elif hasattr(code, "co_qualname"):
        code = code.replace(co_name=name, co_qualname=qualname or name)
    else:
        code = code.replace(co_name=qualname or name)
    function.__code__ = code
    return function
'''

INJECTION_SCRIPT = r'''# -*- coding: utf-8 -*-
# hostile_names.py's injection script (Python 2.7 and 3.8+)
''' + RENAME_HELPER + r'''
HOSTILE_FILE = %r
source = "def hostile_file_function():\n    return sum(range(10))\nhostile_file_function()\n"
exec(compile(source, HOSTILE_FILE, "exec"), {})

def g():
    return 1

def nul():
    return 2

renamed(g, %r)()
renamed(nul, %r)()
sys.stdout.write("done %%d\n" %% len(sys.argv))
''' % (HOSTILE_FILE, HOSTILE_NAME, NUL_NAME)

LONG_PATH_LENGTH = 634
CJK = u"\u51fd"
CJK_NAME = CJK * 200
QUALNAME = ("Q" * 99 + ".") * 5 + "q" * 99 + "a"        # 600 characters
QUALNAME_TWIN = QUALNAME[:-1] + "b"
TOO_LONG = CJK * 2999 + "a"                               # 8998 bytes of UTF-8
TOO_LONG_TWIN = TOO_LONG[:-1] + "b"

LONG_NAMES_SCRIPT = r'''# -*- coding: utf-8 -*-
# hostile_names.py's long-names script (Python 2.7 and 3.8+)
import os
''' + RENAME_HELPER + r'''
LONG_PATH_LENGTH = %d
here = os.getcwd()
directory = here
while len(directory) < LONG_PATH_LENGTH - 60:
    part = min(200, LONG_PATH_LENGTH - 60 - len(directory) - 1)
    directory = os.path.join(directory, "d" * max(part, 1))
    if not os.path.isdir(directory):
        os.makedirs(directory)
module_name = "m" * (LONG_PATH_LENGTH - len(directory) - 1 - len(".py"))
module_path = os.path.join(directory, module_name + ".py")
assert len(module_path) == LONG_PATH_LENGTH, len(module_path)
with open(module_path, "w") as stream:
    stream.write("def in_long_path():\n    return 1\n")
sys.path.insert(0, directory)
__import__(module_name).in_long_path()

def make():
    def function():
        return 3
    return function

# The functions are kept: a code object freed and another one made at its
# address, with its name at the address of the freed one's, would be taken
# for the same code (pyprofgrind caches nodes by those addresses).
kept = []
for name, qualname in [(u%s, None), (u"short", u%s), (u"short", u%s), (u%s, None),
                       (u%s, None)]:
    kept.append(renamed(make(), name, qualname))
    kept[-1]()
# Not kept: the second code object is likely made where the first was, with
# the same co_name, file and first line; only the qualified name (3.11+)
# tells them apart.
renamed(make(), "short", "dropped_one")()
renamed(make(), "short", "dropped_two")()
sys.stdout.write("done\n")
''' % ((LONG_PATH_LENGTH,) + tuple(ascii(name) for name in (
    CJK_NAME, QUALNAME, QUALNAME_TWIN, TOO_LONG, TOO_LONG_TWIN)))

CUT_MARKER_RE = re.compile(r"\.\.\.\[cut: (\d+) characters, hash [0-9a-f]{8}\]$")
ANNOTATE_COST_RE = re.compile(r"^\s*([0-9][0-9,.e+]*) +\(\s*[0-9.e+]+%\)\s+(.*)$")


def escaped(text):
    """TEXT as pyprofgrind writes it (docs/security.md), for the few
    characters the scripts use."""
    return (text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\x00", "\\x00"))


class Run(object):
    def __init__(self, case, label, interpreter, environment, version, settings):
        self.case = case
        self.label = label
        self.interpreter = interpreter
        self.environment = FIXED_ENVIRONMENT + environment
        self.version = version
        self.settings = settings
        self.work = os.path.join(settings.top_builddir, "tests", "python", "build",
                                 "hostile", "%s-%s.work" % (case, label))
        self.src = os.path.join(self.work, "src")
        self.commands = []
        self.problems = []

    def run(self, name, command):
        self.commands.append("cd %s && %s" % (shlex.quote(self.src),
                                              " ".join(shlex.quote(c) for c in command)))
        with open(os.path.join(self.work, name + ".stdout"), "wb") as out, \
                open(os.path.join(self.work, name + ".stderr"), "wb") as err:
            try:
                status = subprocess.run(command, cwd=self.src, stdout=out, stderr=err,
                                        timeout=PROCESS_TIMEOUT).returncode
            except subprocess.TimeoutExpired:
                status = "timeout"
        with open(os.path.join(self.work, name + ".stdout"), "rb") as stream:
            stdout = stream.read().decode("utf-8", "replace")
        with open(os.path.join(self.work, name + ".stderr"), "rb") as stream:
            stderr = stream.read().decode("utf-8", "replace")
        return status, stdout, stderr

    def problem(self, text):
        self.problems.append(text)

    def execute(self):
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.src)
        script = "script.py"
        with open(os.path.join(self.src, script), "w", encoding="utf-8") as stream:
            stream.write(INJECTION_SCRIPT if self.case == "injection" else LONG_NAMES_SCRIPT)
        arguments = [HOSTILE_ARGUMENT] if self.case == "injection" else []
        self.profile = os.path.join(self.work, "B.out")
        status, stdout, _ = self.run("B", self.environment + [
            self.settings.vg_in_place, "--tool=pyprofgrind",
            "--log-file=" + os.path.join(self.work, "B.valgrind.log"),
            "--pyprofgrind-out-file=" + self.profile,
            self.interpreter] + INTERPRETER_OPTIONS + [script] + arguments)
        if status != 0 or not stdout.startswith("done"):
            self.problem("the run exited with %s and printed %r (see B.valgrind.log, "
                         "B.stderr)" % (status, stdout[-200:]))
            return
        if not os.path.exists(self.profile):
            self.problem("no profile %s written" % self.profile)
            return
        with open(self.profile, "rb") as stream:
            self.lines = stream.read().decode("utf-8", "surrogateescape").split("\n")
        try:
            self.parsed = cgcompare.load_profile(self.profile, strip_python_modules=True)
        except cgcompare.FormatError as exc:
            self.problem("cgcompare.py cannot parse the profile: %s" % exc)
            self.parsed = None
        if self.case == "injection":
            self.check_injection()
        elif self.parsed is not None:
            self.check_long_names()

    # -- what both cases need ------------------------------------------------

    def function_names(self):
        """{name: calls into it} of every function of the parsed profile."""
        names = {}
        for (_, name) in self.parsed.self_ir:
            names.setdefault(name, 0)
        for (_, (_, callee)), calls in self.parsed.arc_calls.items():
            names[callee] = names.get(callee, 0) + calls
        return names

    def file_names(self):
        """Every file name defined by fl=/fi=/fe=/cfi=/cfl= lines."""
        files = set()
        for line in self.lines:
            match = re.match(r"^(?:fl|fi|fe|cfi|cfl)=(?:\((\d+)\) ?)?(.*)$", line)
            if match and match.group(2):
                files.add(match.group(2))
        return files

    # -- injection -------------------------------------------------------------

    def check_injection(self):
        # The raw lines and callgrind_annotate are checked even when the
        # parser gave up: a failure then shows what each reader makes of it.
        self.check_injection_lines()
        self.check_annotate(self.parsed.totals_ir if self.parsed is not None
                            else self.totals_line_value())
        if self.parsed is None:
            return
        names = self.function_names()
        parsed = self.parsed
        if "injected_fn" in names:
            self.problem("cgcompare.py's parser sees a function 'injected_fn'")
        if parsed.totals_ir != parsed.self_ir_sum:
            self.problem("totals: %s differs from the sum of the self costs %d"
                         % (parsed.totals_ir, parsed.self_ir_sum))
        for name in (HOSTILE_NAME, NUL_NAME):
            if names.get(escaped(name)) != 1:
                self.problem("no function %s with one call (the parser sees %s)"
                             % (escaped(name), sorted(n for n in names if "injected" in n)))
        if not any(f.endswith("/" + escaped(HOSTILE_FILE)) for f in self.file_names()):
            self.problem("no file name ending in /%s" % escaped(HOSTILE_FILE))
        if names.get("hostile_file_function") != 1:
            self.problem("hostile_file_function (compiled under the hostile file name) "
                         "is not a function with one call")

    def totals_line_value(self):
        """The value of the last totals: line, None without one."""
        values = [l.split(":", 1)[1].strip() for l in self.lines if l.startswith("totals:")]
        return int(values[-1]) if values and values[-1].isdigit() else None

    def check_injection_lines(self):
        for key in ("cmd", "totals"):
            found = [l for l in self.lines if l.startswith(key + ":")]
            if len(found) != 1:
                self.problem("%d '%s:' lines: %s" % (len(found), key, found))
        cmd = [l for l in self.lines if l.startswith("cmd:")]
        if cmd and not cmd[0].endswith(" " + escaped(HOSTILE_ARGUMENT)):
            self.problem("the cmd: line does not end in the escaped argument: %r" % cmd[0])
        forged = [l for l in self.lines if l.startswith("fn=(1) injected_fn")
                  or l.startswith("0 99999999999999999999") or l == "totals: 1"]
        if forged:
            self.problem("forged lines in the profile: %r" % forged)

    def check_annotate(self, totals):
        status, stdout, stderr = self.run("annotate", [
            self.settings.callgrind_annotate, "--auto=no", "--threshold=100",
            self.profile])
        if status != 0:
            self.problem("callgrind_annotate exited with %s: %s" % (status, stderr[-300:]))
            return
        warnings = [l for l in (stderr + stdout).splitlines() if "WARNING" in l]
        if stderr.strip() or warnings:
            self.problem("callgrind_annotate complains: %s" % (stderr.strip() or warnings)[:600])
        program_total = None
        for line in stdout.splitlines():
            match = ANNOTATE_COST_RE.match(line)
            if not match:
                continue
            cost, what = match.group(1), match.group(2)
            if what == "PROGRAM TOTALS":
                program_total = int(cost.replace(",", ""))
                continue
            if "e+" in cost:
                self.problem("callgrind_annotate lists a cost of %s: %s" % (cost, line))
            function = re.sub(r" \[[^]]*\]$", "", what)
            if function == "injected_fn" or function.endswith(":injected_fn"):
                self.problem("callgrind_annotate lists a function injected_fn: %s" % line)
        if program_total != totals:
            self.problem("callgrind_annotate's PROGRAM TOTALS %s differ from totals: %s"
                         % (program_total, totals))
        if escaped(HOSTILE_NAME) not in stdout:
            self.problem("callgrind_annotate does not show %s" % escaped(HOSTILE_NAME))

    # -- long names ------------------------------------------------------------

    def python_length(self, name):
        """len() of NAME in the script's interpreter (2.7's str counts bytes)."""
        return len(name.encode("utf-8")) if self.version[0] == 2 else len(name)

    def check_long_names(self):
        names = self.function_names()
        if "<unknown>" in names:
            self.problem("a node <unknown> exists (%d call(s))" % names["<unknown>"])
        long_paths = [f for f in self.file_names()
                      if len(f) == LONG_PATH_LENGTH and f.endswith(".py")
                      and os.path.basename(f).startswith("m")]
        if len(long_paths) != 1:
            self.problem("no single file name of %d characters (the module); file names "
                         "longer than 300: %s" % (LONG_PATH_LENGTH, sorted(
                             "%s...(%d)" % (f[:40], len(f)) for f in self.file_names()
                             if len(f) > 300)))
        if names.get("in_long_path") != 1:
            self.problem("in_long_path (in the module at the long path) has %s call(s), "
                         "expected 1" % names.get("in_long_path"))
        for label, name in [("200-character CJK name", CJK_NAME),
                            ("600-character qualified name", QUALNAME),
                            ("600-character qualified name's twin", QUALNAME_TWIN),
                            ("first function renamed and dropped", "dropped_one"),
                            ("second function renamed and dropped", "dropped_two")]:
            if names.get(name) != 1:
                self.problem("the %s is not a node with one call (calls: %s)"
                             % (label, names.get(name)))
        cut = {}
        for name, calls in names.items():
            match = CUT_MARKER_RE.search(name)
            if match:
                cut[name] = (calls, int(match.group(1)), name[:match.start()])
        if len(cut) != 2:
            self.problem("%d cut names, expected 2 (the too long twins): %s"
                         % (len(cut), sorted("%s...(%d)" % (n[:20], len(n)) for n in cut)))
        for name, (calls, length, kept) in cut.items():
            if calls != 1:
                self.problem("cut name %s... has %d calls, expected 1" % (name[:20], calls))
            if length != self.python_length(TOO_LONG):
                self.problem("cut name %s... claims %d characters, expected %d"
                             % (name[:20], length, self.python_length(TOO_LONG)))
            if kept != CJK * len(kept) or not kept or len(kept.encode("utf-8")) > 4096:
                self.problem("the kept part of a cut name is not whole CJK characters "
                             "within 4096 bytes: %d characters, ends in %r"
                             % (len(kept), kept[-3:]))


class Settings(object):
    def __init__(self):
        top = os.environ.get("top_builddir") or os.path.join(HERE, "..", "..")
        self.top_builddir = os.path.abspath(top)
        vg = os.environ.get("VG_IN_PLACE") or os.path.join(self.top_builddir, "vg-in-place")
        self.vg_in_place = os.path.abspath(vg) if "/" in vg else (
            shutil.which(vg, path="/usr/bin:/bin") or vg)
        self.callgrind_annotate = os.environ.get("CALLGRIND_ANNOTATE") or "callgrind_annotate"
        self.keep_work = os.environ.get("KEEP_WORK", "0") == "1"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", required=True, choices=["injection", "long-names"])
    parser.add_argument("--interp", action="append", required=True,
                        choices=[l for l, _ in pytest_runner.INTERPRETERS])
    options = parser.parse_args(argv)
    settings = Settings()
    name = "hostile_names[%s]" % options.case
    if shutil.which(settings.callgrind_annotate) is None:
        print("%s: SKIP: no %s" % (name, settings.callgrind_annotate))
        return 77
    if not os.access(settings.vg_in_place, os.X_OK):
        print("%s: FAIL: Valgrind launcher %s not found (set VG_IN_PLACE)"
              % (name, settings.vg_in_place))
        return 1
    ran = failed = 0
    for label in options.interp:
        path, description, environment = pytest_runner.find_interpreter(label)
        if path is None:
            print("%s/%s: SKIP: %s" % (name, label, description))
            continue
        version_text = description.split("(Python ")[1].split(")")[0].split(",")[0]
        version = tuple(int(x) for x in version_text.split(".")[:2])
        run = Run(options.case, label, path, environment, version, settings)
        run.execute()
        ran += 1
        if run.problems:
            failed += 1
            print("%s/%s: FAIL with %s" % (name, label, description))
            for text in run.problems:
                print("  " + text)
            print("  --- to reproduce (work files are in %s):" % run.work)
            for command in run.commands:
                print("  " + command)
        else:
            print("%s/%s: PASS with %s" % (name, label, description))
            if not settings.keep_work:
                shutil.rmtree(run.work, ignore_errors=True)
    if ran == 0:
        print("%s: SKIP: none of %s is available" % (name, ", ".join(options.interp)))
        return 77
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
