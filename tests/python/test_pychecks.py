#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Unit tests of pychecks.py (and of pyoracle.py's node names): every check
must pass on a consistent profile and fail on each kind of corruption.

    python3 tests/python/test_pychecks.py [-v]

Uses synthetic profiles and oracle files only (no Valgrind, no interpreter
other than the one running this); takes well under a second.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import pychecks  # noqa: E402
import pyoracle  # noqa: E402
import pytest_runner  # noqa: E402

SCRIPT = "/corpus/script.py"

# A consistent profile of script.py: <module> (line 1..3) calls f() 3 times
# from line 3; f (lines 5..6) calls the C function list_append 12000 times
# from line 6 and g() 2 times; the program's C root calls <module> once.
# Names are compressed as Callgrind does, positions are relative.
PROFILE = """# callgrind format
version: 1
creator: test
pid: 1
cmd: python3 script.py
part: 1
positions: line
events: Ir
summary: 100000

ob=(1) /usr/bin/python3.11
fl=(1) ???
fn=(1) main
0 1000
cob=(2) [Python 3.11]
cfi=(2) /corpus/script.py
cfn=(2) <module>
calls=1 1
0 99000

ob=(2)
fl=(2)
fn=(2)
1 100
+1 200
+1 300
cfn=(3) f
calls=3 5
* 98000
cob=(1)
cfi=(1)
cfn=(4) sorted
calls=1 0
3 400

fn=(3)
5 1000
+1 2000
cob=(1)
cfi=(1)
cfn=(5) list_append
calls=12000 0
* 90000
cfn=(6) g
calls=2 8
6 5000

fn=(6)
8 5000

ob=(1)
fl=(1)
fn=(5)
0 90000
fn=(4)
0 400

totals: 100000
"""

ORACLE = {
    "version": [3, 11, 7], "role": "main", "hook": "trace", "cwd": "/corpus",
    "argv": ["script.py"],
    "calls": [[SCRIPT, "<module>", 1, 1], [SCRIPT, "f", 5, 3], [SCRIPT, "g", 8, 2],
              ["/usr/lib/python3.11/os.py", "fspath", 10, 7]],
    "lines": [[SCRIPT, "<module>", 1, [1, 2, 3]], [SCRIPT, "f", 5, [5, 6]],
              [SCRIPT, "g", 8, [8]]],
}


class Files(object):
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="test_pychecks.")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as stream:
            stream.write(text)
        return path

    def profile(self, text=PROFILE, name="B.out.1"):
        return pychecks.load_detail(self.write(name, text))

    def oracle(self, data=ORACLE):
        return pychecks.OracleData(self.write("oracle.main.json", json.dumps(data)))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def replace_once(text, old, new):
    assert text.count(old) == 1, (old, text.count(old))
    return text.replace(old, new)


class CheckTestCase(unittest.TestCase):
    def setUp(self):
        self.files = Files()
        self.corpus = pychecks.CorpusFiles([SCRIPT])

    def tearDown(self):
        self.files.cleanup()

    def assertProblem(self, problems, *fragments):
        self.assertTrue(problems, "expected a problem mentioning %s" % (fragments,))
        text = "\n".join(problems)
        for fragment in fragments:
            self.assertIn(fragment, text)


class ParserTest(CheckTestCase):
    def test_nodes_lines_arcs(self):
        p = self.files.profile()
        module = ("[Python 3.11]", SCRIPT, "<module>")
        f = ("[Python 3.11]", SCRIPT, "f")
        self.assertEqual(p.total_ir, 100000)
        self.assertEqual(p.incoming_calls(module), 1)
        self.assertEqual(p.incoming_calls(f), 3)
        self.assertEqual(p.inclusive_ir(f), 98000)
        self.assertEqual(dict(p.line_ir[f]), {(SCRIPT, 5): 1000, (SCRIPT, 6): 2000})
        self.assertEqual(dict(p.line_ir[module]),
                         {(SCRIPT, 1): 100, (SCRIPT, 2): 200, (SCRIPT, 3): 300})
        # calls= from <module> at "*" = line 3 (the last cost line's)
        self.assertEqual(p.arcs[(module, SCRIPT, 3, f)], [3, 98000])
        self.assertEqual(p.arcs[(f, SCRIPT, 6, ("/usr/bin/python3.11", "???", "list_append"))],
                         [12000, 90000])
        self.assertEqual(p.python_nodes(), [module, f, ("[Python 3.11]", SCRIPT, "g")])

    def test_callee_file_defaults_to_current_file(self):
        # cfn=(3) f has no cfi=: it is in the caller's file
        p = self.files.profile()
        self.assertIn(("[Python 3.11]", SCRIPT, "f"), p.nodes)

    def test_malformed_profile_is_an_error(self):
        text = replace_once(PROFILE, "calls=3 5\n* 98000\n", "calls=3 5\n")
        with self.assertRaises(pychecks.cgcompare.FormatError):
            self.files.profile(text)

    def test_reference_summary(self):
        path = self.files.write("A.out.1", PROFILE)
        summary = pychecks.ReferenceSummary(path)
        self.assertEqual(summary.total_ir, 100000)
        self.assertIn("list_append", summary.function_names)
        self.assertEqual(pychecks.reference_role(summary, True), "main")
        self.assertEqual(pychecks.reference_role(summary, False), "child")
        waits = self.files.write("A.out.2", PROFILE.replace("(4) sorted", "(4) os_waitpid"))
        self.assertEqual(pychecks.reference_role(pychecks.ReferenceSummary(waits), False),
                         "parent")


class CallCountTest(CheckTestCase):
    def test_consistent(self):
        p, o = self.files.profile(), self.files.oracle()
        self.assertEqual(pychecks.check_call_counts(p, o, self.corpus), [])
        self.assertEqual(pychecks.check_cost_lines(p, o, self.corpus), [])
        self.assertEqual(pychecks.check_call_lines(p, o, self.corpus), [])
        self.assertEqual(pychecks.check_python_objects(p, self.corpus, "[Python 3.11]"), [])

    def test_changed_call_count(self):
        p = self.files.profile(replace_once(PROFILE, "calls=3 5", "calls=4 5"))
        self.assertProblem(pychecks.check_call_counts(p, self.files.oracle(), self.corpus),
                           "f in /corpus/script.py: expected 3 calls, got 4")

    def test_function_missing_from_profile(self):
        p = self.files.profile(PROFILE.replace("(6) g", "(6) h"))
        self.assertProblem(pychecks.check_call_counts(p, self.files.oracle(), self.corpus),
                           "g in /corpus/script.py: expected 2 calls, got: not in the profile",
                           "h in /corpus/script.py: expected 0 calls, got 2")

    def test_function_the_oracle_did_not_see(self):
        oracle = dict(ORACLE, calls=ORACLE["calls"][:2])
        p = self.files.profile()
        self.assertProblem(pychecks.check_call_counts(p, self.files.oracle(oracle), self.corpus),
                           "g in /corpus/script.py: expected 0 calls, got 2 (the oracle saw")

    def test_other_files_are_not_compared(self):
        # os.py's fspath is in the oracle but not in the profile: not a corpus file
        p, o = self.files.profile(), self.files.oracle()
        self.assertNotIn("fspath", "".join(pychecks.check_call_counts(p, o, self.corpus)))

    def test_wrong_object(self):
        p = self.files.profile(PROFILE.replace("[Python 3.11]", "[Python 3.10]"))
        self.assertProblem(pychecks.check_python_objects(p, self.corpus, "[Python 3.11]"),
                           "object [Python 3.10], expected [Python 3.11]")

    def test_relative_file_name(self):
        text = PROFILE.replace("cfi=(2) /corpus/script.py", "cfi=(2) script.py")
        p = self.files.profile(text)
        corpus = pychecks.CorpusFiles([SCRIPT, os.path.abspath("script.py")])
        self.assertProblem(pychecks.check_python_objects(p, corpus, "[Python 3.11]"),
                           "fl= is not an absolute path")

    def test_pseudo_files_are_compared(self):
        text = PROFILE.replace("/corpus/script.py", "<corpus:generated>")
        oracle = json.loads(json.dumps(ORACLE).replace(SCRIPT, "<corpus:generated>"))
        p = self.files.profile(text)
        self.assertEqual(pychecks.check_call_counts(p, self.files.oracle(oracle), self.corpus), [])
        oracle["calls"][1][3] = 5
        self.assertProblem(pychecks.check_call_counts(p, self.files.oracle(oracle), self.corpus),
                           "f in <corpus:generated>: expected 5 calls, got 3")


class LayoutMessageTest(unittest.TestCase):
    DWARFLESS = ("==1== pyprofgrind: /x/libpython3.13.so.1.0: no DWARF; CPython 3.13.0 "
                 "layout from its _Py_DebugOffsets: functions and lines, no opcodes")

    def test_dwarf_layout_says_nothing(self):
        self.assertEqual(pychecks.layout_message_problems(["==1== pyprofgrind-0.1"]), [])

    def test_fallback_without_expectation_is_a_problem(self):
        self.assertEqual(len(pychecks.layout_message_problems([self.DWARFLESS])), 1)

    def test_expected_message(self):
        self.assertEqual(pychecks.layout_message_problems(
            [self.DWARFLESS], r"layout from its _Py_DebugOffsets"), [])

    def test_expected_message_missing(self):
        problems = pychecks.layout_message_problems(
            ["==1== pyprofgrind: x: using the built-in CPython 3.13 layout"],
            r"layout from its _Py_DebugOffsets")
        self.assertEqual(len(problems), 1)
        self.assertIn("built-in", problems[0])


class LineTest(CheckTestCase):
    def test_cost_on_line_not_executed(self):
        p = self.files.profile(replace_once(PROFILE, "+1 2000", "+2 2000"))
        self.assertProblem(pychecks.check_cost_lines(p, self.files.oracle(), self.corpus),
                           "f [[Python 3.11] /corpus/script.py]: 2000 Ir on line 7")

    def test_cost_on_line_zero(self):
        p = self.files.profile(replace_once(PROFILE, "1 100\n+1 200", "0 100\n+2 200"))
        self.assertProblem(pychecks.check_cost_lines(p, self.files.oracle(), self.corpus),
                           "100 Ir on line 0")

    def test_first_line_is_allowed(self):
        oracle = dict(ORACLE, lines=[[SCRIPT, "<module>", 1, [1, 2, 3]],   # f's line 5
                                     [SCRIPT, "f", 5, [6]], [SCRIPT, "g", 8, [8]]])  # never
        p = self.files.profile()
        self.assertEqual(pychecks.check_cost_lines(p, self.files.oracle(oracle), self.corpus), [])
        oracle["calls"][1][2] = 4                              # ... and is not f's first line
        self.assertProblem(pychecks.check_cost_lines(p, self.files.oracle(oracle), self.corpus),
                           "1000 Ir on line 5")

    def test_cost_on_a_line_of_another_function(self):
        # line 2 executed, but in <module>, not in f
        p = self.files.profile(replace_once(PROFILE, "5 1000\n+1 2000", "2 1000\n+4 2000"))
        self.assertProblem(pychecks.check_cost_lines(p, self.files.oracle(), self.corpus),
                           "f [[Python 3.11] /corpus/script.py]: 1000 Ir on line 2")

    def test_call_from_line_not_executed(self):
        text = replace_once(PROFILE, "cfn=(5) list_append\ncalls=12000 0\n* 90000",
                            "cfn=(5) list_append\ncalls=12000 0\n+4 90000")
        p = self.files.profile(text)
        self.assertProblem(pychecks.check_call_lines(p, self.files.oracle(), self.corpus),
                           "12000 call(s) to list_append from line 10, which never executed")


class TotalTest(CheckTestCase):
    def test_totals(self):
        a = pychecks.ReferenceSummary(self.files.write("A.out.1", PROFILE))
        self.assertEqual(pychecks.check_total(a, self.files.profile()), [])
        b = self.files.profile(replace_once(PROFILE, "0 1000\n", "0 1001\n").replace(
            "totals: 100000", "totals: 100001"))
        self.assertProblem(pychecks.check_total(a, b), "Callgrind 100000", "100001 (diff +1)")

    def test_signal_slack(self):
        a = pychecks.ReferenceSummary(self.files.write("A.out.1", PROFILE))
        slack = pychecks.SIGNAL_TIMING_SLACK_IR
        near = self.files.profile(replace_once(PROFILE, "0 1000\n", "0 %d\n" % (1000 + slack))
                                  .replace("totals: 100000", "totals: %d" % (100000 + slack)))
        self.assertEqual(pychecks.check_total(a, near, slack=slack), [])
        self.assertProblem(pychecks.check_total(a, near), "diff +%d" % slack)
        far = self.files.profile(replace_once(PROFILE, "0 1000\n", "0 %d\n" % (1001 + slack))
                                 .replace("totals: 100000", "totals: %d" % (100001 + slack)))
        self.assertProblem(pychecks.check_total(a, far, slack=slack), "diff +%d" % (slack + 1))

    def test_totals_line_must_match_costs(self):
        a = pychecks.ReferenceSummary(self.files.write("A.out.1", PROFILE))
        text = PROFILE.replace("totals: 100000", "totals: 100001")
        with self.assertRaises(pychecks.cgcompare.FormatError):
            self.files.profile(text)     # cgcompare's own consistency check
        del a

    def test_timing_dependent_total(self):
        sync = ("cob=(7) /lib/x86_64-linux-gnu/libc.so.6\ncfi=(1)\ncfn=(8) __lll_lock_wait\n"
                "calls=1 0\n0 %d\n")
        base = replace_once(PROFILE, "fn=(4)\n0 400\n", "fn=(4)\n0 400\n" + sync % 50
                            + "ob=(7)\nfn=(8)\n0 50\n")
        a_text = base.replace("totals: 100000", "totals: 100050").replace(
            "summary: 100000", "summary: 100050")
        b_text = a_text.replace("0 50\n", "0 70\n").replace("totals: 100050", "totals: 100070")
        a = pychecks.cgcompare.load_profile(self.files.write("A.out.1", a_text))
        b = self.files.profile(b_text)
        self.assertEqual(pychecks.check_total_without_timing(a, b)[0], [])
        # Within the thread-timing slack: accepted; one more: a failure.
        slack = pychecks.THREAD_TIMING_SLACK_IR
        c = self.files.profile(b_text.replace("fn=(4)\n0 400", "fn=(4)\n0 %d" % (400 + slack)).replace(
            "totals: 100070", "totals: %d" % (100070 + slack)))
        self.assertEqual(pychecks.check_total_without_timing(a, c)[0], [])
        d = self.files.profile(b_text.replace("fn=(4)\n0 400", "fn=(4)\n0 %d" % (401 + slack)).replace(
            "totals: 100070", "totals: %d" % (100071 + slack)))
        self.assertProblem(pychecks.check_total_without_timing(a, d)[0], "(diff +%d)" % (slack + 1))

    def test_fork_parent_total_without_proc_stat(self):
        stat = ("cob=(7) /x/libpython3.13.so.1.0\ncfi=(1)\ncfn=(8) warn_about_fork_with_threads\n"
                "calls=1 0\n0 %d\n")
        base = replace_once(PROFILE, "fn=(4)\n0 400\n", "fn=(4)\n0 400\n" + stat % 50
                            + "ob=(7)\nfn=(8)\n0 50\n")
        a_text = base.replace("totals: 100000", "totals: 100050").replace(
            "summary: 100000", "summary: 100050")
        # Two more digits in /proc/self/stat: 38 Ir more, in the parse only.
        b_text = a_text.replace("0 50\n", "0 88\n").replace("totals: 100050", "totals: 100088")
        a = pychecks.cgcompare.load_profile(self.files.write("A.out.1", a_text))
        problems, note = pychecks.check_total_without_proc_stat(a, self.files.profile(b_text))
        self.assertEqual(problems, [])
        self.assertIn("100088 = 100000 + 88", note)
        # One instruction elsewhere is a failure: no slack.
        c = self.files.profile(b_text.replace("fn=(4)\n0 400", "fn=(4)\n0 401").replace(
            "totals: 100088", "totals: 100089"))
        self.assertProblem(pychecks.check_total_without_proc_stat(a, c)[0], "(diff +1)")

    def test_proc_stat_readers(self):
        self.assertTrue(pychecks.matches_any(pychecks.PROC_STAT_READERS,
                                             "/x/libpython3.13.so.1.0",
                                             "warn_about_fork_with_threads"))
        self.assertFalse(pychecks.matches_any(pychecks.PROC_STAT_READERS,
                                              "/x/libpython3.13.so.1.0",
                                              "warn_about_fork_with_threads_and_more"))
        self.assertFalse(pychecks.is_timing_dependent("/x/libpython3.13.so.1.0",
                                                      "warn_about_fork_with_threads"))


class ViewTest(CheckTestCase):
    PYTHON_VIEW = """events: Ir
ob=(1) /usr/lib/ld-linux-x86-64.so.2
fl=(1) ???
fn=(1) 0x1ab70
0 1000
cob=(2) [Python 3.11]
cfi=(2) /corpus/script.py
cfn=(2) <module>
calls=1 1
0 9000
ob=(2)
fl=(2)
fn=(2)
1 9000
totals: 10000
"""

    def reference(self, total):
        return pychecks.ReferenceSummary(self.files.write(
            "A.out.1", "events: Ir\nfn=main\n0 %d\ntotals: %d\n" % (total, total)))

    def test_python_view(self):
        c = self.files.profile(self.PYTHON_VIEW)
        self.assertEqual(pychecks.check_python_view(self.reference(10000), c), [])
        self.assertProblem(pychecks.check_python_view(self.reference(10001), c), "diff -1")
        extra = self.PYTHON_VIEW.replace("totals: 10000", "ob=(3) /lib/libc.so.6\nfl=(1)\n"
                                         "fn=(3) signal_handler\n0 5\ntotals: 10005")
        self.assertProblem(pychecks.check_python_view(self.reference(10005),
                                                      self.files.profile(extra)),
                           "2 non-Python nodes", "signal_handler")
        called = self.PYTHON_VIEW.replace("1 9000\n", "1 9000\ncob=(1)\ncfi=(1)\ncfn=(1)\n"
                                          "calls=1 0\n1 0\n")
        self.assertProblem(pychecks.check_python_view(self.reference(10000),
                                                      self.files.profile(called)),
                           "is called (1 calls): not a root")

    # --python-view=python --toggle-collect=PyNumber_Remainder: only the
    # cost under that C function, charged to the calling Python line.
    TOGGLED = """events: Ir
ob=(1) /usr/lib/ld-linux-x86-64.so.2
fl=(1) ???
fn=(1) 0x1ab70
cob=(2) [Python 3.11]
cfi=(2) /corpus/script.py
cfn=(2) <module>
calls=1 1
0 700
ob=(2)
fl=(2)
fn=(2)
3 700
totals: 700
"""

    def test_python_view_toggle(self):
        check = pychecks.check_python_view_toggle
        c = self.files.profile(self.TOGGLED)
        self.assertEqual(check(self.reference(700), c, "PyNumber_Remainder"), [])
        self.assertProblem(check(self.reference(700), self.files.profile(
            self.TOGGLED.replace("700", "0")), "PyNumber_Remainder"), "diff -700")
        self.assertProblem(check(self.reference(0), self.files.profile(
            self.TOGGLED.replace("700", "0")), "PyNumber_Remainder"), "collected nothing")
        negative = self.TOGGLED.replace("calls=1 1\n0 700", "calls=1 1\n0 18446744073709551609")
        self.assertProblem(check(self.reference(700), self.files.profile(negative),
                                 "PyNumber_Remainder"), "more than the total 700")
        in_c = self.TOGGLED.replace("fn=(1) 0x1ab70\n", "fn=(1) 0x1ab70\n0 100\n").replace(
            "3 700\ntotals: 700", "3 600\ntotals: 700")
        self.assertProblem(check(self.reference(700), self.files.profile(in_c),
                                 "PyNumber_Remainder"), "100 Ir on non-Python node 0x1ab70")

    def test_no_python(self):
        a = pychecks.ReferenceSummary(self.files.write("A.out.1", PROFILE))
        d = self.files.profile(PROFILE.replace("[Python 3.11]", "/usr/bin/python3.11"))
        self.assertEqual(pychecks.check_no_python(a, d), [])
        self.assertProblem(pychecks.check_no_python(a, self.files.profile()),
                           "Python node(s) with --python=no")


class MarkerTest(CheckTestCase):
    def test_markers(self):
        p = self.files.profile()
        self.assertEqual(pychecks.check_markers(p, ["f", "g"], ["h"]), [])
        self.assertProblem(pychecks.check_markers(p, ["h"], []), "h has no cost and no calls")
        self.assertProblem(pychecks.check_markers(p, [], ["g"]),
                           "g has self cost 5000 and 2 calls, expected none")


class PrimesTest(CheckTestCase):
    V1 = PROFILE.replace("(3) f", "(3) primes").replace("calls=3 5", "calls=1 5")
    V2 = V1.replace("(3) primes", "(3) primes_optimized").replace("calls=12000 0",
                                                                 "calls=10 0")
    SOURCE = "\n".join(["import sys", "", "main()", "", "def primes(n):",
                        "    s.append(n)", "", "def g():"]) + "\n"

    def check(self, v1=V1, v2=V2, reference=None):
        profiles = {"v1": self.files.profile(v1, "v1"), "v2": self.files.profile(v2, "v2")}
        return pychecks.check_primes(profiles, SCRIPT, reference, self.SOURCE)

    def test_consistent(self):
        problems, notes = self.check()
        self.assertEqual(problems, [])
        self.assertIn("from primes (v1) 12000 (12000 to *append*)", "\n".join(notes))

    def test_share(self):
        v1 = replace_once(self.V1, "calls=1 5\n* 98000", "calls=1 5\n* 49000")
        self.assertProblem(self.check(v1=v1)[0], "primes carries 49.5%")

    def test_fewer_appends_in_v1(self):
        v2 = self.V1.replace("(3) primes", "(3) primes_optimized")
        self.assertProblem(self.check(v2=v2)[0], "expected v1 > v2")

    def test_too_few_appends(self):
        v1 = self.V1.replace("calls=12000 0", "calls=9999 0")
        many = pychecks.ReferenceSummary(self.files.write("A.v1", PROFILE))
        self.assertProblem(self.check(v1=v1, reference=many)[0],
                           "expected >= 10000 (Callgrind counts 12000")
        few = pychecks.ReferenceSummary(self.files.write("A.v1b", PROFILE.replace(
            "calls=12000 0", "calls=9999 0")))
        problems, notes = self.check(v1=v1, reference=few)
        self.assertEqual(problems, [])
        self.assertIn("UNSUPPORTED: v1 >= 10000", "\n".join(notes))

    def test_no_named_appends_at_all(self):
        # a stripped interpreter: neither version calls a named *append*
        v1 = self.V1.replace("(5) list_append", "(5) realloc")
        v2 = self.V2.replace("(5) list_append", "(5) realloc")
        few = pychecks.ReferenceSummary(self.files.write("A.v1c", PROFILE.replace(
            "(5) list_append", "(5) PyList_Append").replace("calls=12000 0", "calls=900 0")))
        problems, notes = self.check(v1=v1, v2=v2, reference=few)
        self.assertEqual(problems, [])
        self.assertIn("UNSUPPORTED: v1 > v2 calls into list appending not applicable",
                      "\n".join(notes))
        many = pychecks.ReferenceSummary(self.files.write("A.v1d", PROFILE))
        self.assertProblem(self.check(v1=v1, v2=v2, reference=many)[0], "expected v1 > v2")

    def test_appends_through_a_c_function(self):
        # primes calls call_function, which calls listappend, from its
        # ".append(" line 6 (counted) and from line 5 (not counted), and
        # g() from line 6 (a Python function: not counted)
        v1 = self.V1.replace("(5) list_append", "(5) call_function")
        v1 = replace_once(v1, "5 1000\n", "5 1000\ncob=(1)\ncfi=(1)\ncfn=(5) call_function\ncalls=7 0\n5 0\n")
        v1 = replace_once(v1, "fn=(5)\n0 90000\n", "fn=(5)\n0 90000\ncfn=(10) listappend\n"
                          "calls=20000 0\n0 0\n")
        profile = self.files.profile(v1, "v1c")
        node = pychecks.find_python_node(profile, SCRIPT, "primes")
        source = dict(enumerate(self.SOURCE.splitlines(), 1))
        self.assertEqual(pychecks.append_calls_from(profile, node, source), (0, 12000))


class CycleTest(unittest.TestCase):
    """call_cycles finds the strongly connected components KCacheGrind
    collapses; the seed check and the view comparison use it."""

    PY = "[Python 3.12]"
    LIB = "libpython3.12.so.1.0"
    FILE = "/corpus/primes.py"

    def node(self, name, python=True):
        return (self.PY, self.FILE, name) if python else (self.LIB, "call.c", name)

    def profile(self, arcs):
        profile = pychecks.ProfileDetail("mixed.out")
        for caller, callee, calls, inclusive in arcs:
            profile.nodes.update((caller, callee))
            profile.arcs[(caller, caller[1], 1, callee)] = [calls, inclusive]
        return profile

    def machinery_graph(self, hub_calls):
        """benchmark -> primes directly; with HUB_CALLS, also primes ->
        PyObject_Vectorcall -> benchmark, the hub closing a cycle."""
        arcs = [(self.node("<module>"), self.node("benchmark"), 1, 900),
                (self.node("benchmark"), self.node("primes"), 2, 600),
                (self.node("primes"), self.node("list_append", False), 50, 80),
                (self.node("primes"), self.node("primes"), 3, 0)]
        if hub_calls:
            arcs += [(self.node("primes"), self.node("PyObject_Vectorcall", False),
                      hub_calls, 10),
                     (self.node("PyObject_Vectorcall", False), self.node("benchmark"),
                      hub_calls, 10)]
        return self.profile(arcs)

    def test_components(self):
        a, b, c, d, e = (self.node(n) for n in "abcde")
        profile = self.profile([(a, b, 1, 1), (b, c, 1, 1), (c, a, 1, 1), (d, d, 5, 0),
                                (c, e, 1, 1), (e, d, 1, 1)])
        self.assertEqual(pychecks.call_cycles(profile), [{a, b, c}])

    def test_arcs_without_calls_make_no_cycle(self):
        a, b = self.node("a"), self.node("b")
        self.assertEqual(pychecks.call_cycles(self.profile([(a, b, 1, 1), (b, a, 0, 5)])), [])

    def test_deep_graph(self):
        chain = [self.node("f%d" % i) for i in range(5000)]
        arcs = [(x, y, 1, 1) for x, y in zip(chain, chain[1:])] + [(chain[-1], chain[0], 1, 1)]
        self.assertEqual(pychecks.call_cycles(self.profile(arcs)), [set(chain)])

    def test_seed_outside_cycles(self):
        self.assertEqual(pychecks.check_seed_outside_cycles(self.machinery_graph(0),
                                                            self.FILE), [])
        problems = pychecks.check_seed_outside_cycles(self.machinery_graph(1), self.FILE)
        self.assertEqual(len(problems), 1)
        self.assertIn("benchmark, primes in a call cycle of 3 nodes", problems[0])
        self.assertIn("PyObject_Vectorcall", problems[0])

    def test_views_agree(self):
        mixed = self.machinery_graph(0)
        view = self.profile([(self.node("<module>"), self.node("benchmark"), 1, 900),
                             (self.node("benchmark"), self.node("primes"), 2, 600),
                             (self.node("primes"), self.node("primes"), 3, 0)])
        self.assertEqual(pychecks.check_views_agree(mixed, view, self.FILE), [])
        view.arcs[(self.node("benchmark"), self.FILE, 1, self.node("primes"))] = [2, 599]
        problems = pychecks.check_views_agree(mixed, view, self.FILE)
        self.assertEqual(len(problems), 1)
        self.assertIn("primes: inclusive Ir 600 in the mixed view", problems[0])


class AnnotateOutputTest(unittest.TestCase):
    TEXT = "\n".join([
        "-- Auto-annotated source: script.py", pytest_runner.RULE, "Ir", "",
        "  .           import os", "400 (40.00%)  x = 1", " 51 ( 0.00%)  y = 2",
        "200 (20.00%)  => ???:helper_c (5x)", pytest_runner.RULE, "Ir", pytest_runner.RULE,
        "700 (70.00%)  events annotated"])

    def test_counts_annotated_lines(self):
        self.assertEqual(pytest_runner.annotated_cost_lines(self.TEXT, "/w/src/script.py",
                                                            "/w/src"), 2)
        self.assertIsNone(pytest_runner.annotated_cost_lines(self.TEXT, "/w/src/other.py",
                                                             "/w/src"))
        no_costs = self.TEXT.replace("400 (40.00%)", "  .         ").replace(
            " 51 ( 0.00%)", "  .         ")
        self.assertEqual(pytest_runner.annotated_cost_lines(no_costs, "/w/src/script.py",
                                                            "/w/src"), 0)


# PROFILE with a second code object of g (first line 8 too, other lines):
# f calls g twice and g#2 once; g#2 costs 3000 on lines 8 to 10 (taken
# from list_append's self cost, so that the total stays the same).
TWIN_PROFILE = replace_once(PROFILE, """cfn=(6) g
calls=2 8
6 5000

fn=(6)
8 5000
""", """cfn=(6) g
calls=2 8
6 5000
cfn=(7) g#2
calls=1 8
6 3000

fn=(6)
8 5000

fn=(7)
8 1000
+1 1000
+1 1000
""").replace("fn=(5)\n0 90000", "fn=(5)\n0 87000")
TWIN_ORACLE = dict(ORACLE, calls=[[SCRIPT, "<module>", 1, 1], [SCRIPT, "f", 5, 3],
                                  [SCRIPT, "g", 8, 3]],
                   lines=[[SCRIPT, "<module>", 1, [1, 2, 3]], [SCRIPT, "f", 5, [5, 6]],
                          [SCRIPT, "g", 8, [8, 9, 10]]],
                   codes=[[SCRIPT, "g", 8, "0123456789abcdef", 2, [8]],
                          [SCRIPT, "g", 8, "fedcba9876543210", 1, [8, 9, 10]]])


class CodeIdentityTest(CheckTestCase):
    def test_consistent(self):
        p, o = self.files.profile(TWIN_PROFILE), self.files.oracle(TWIN_ORACLE)
        self.assertEqual(pychecks.check_code_identities(p, o, self.corpus), [])
        # "g#2" is g for the checks that count by name
        self.assertEqual(pychecks.check_call_counts(p, o, self.corpus), [])
        self.assertEqual(pychecks.check_cost_lines(p, o, self.corpus), [])

    def test_one_node_for_two_code_objects(self):
        merged = replace_once(replace_once(TWIN_PROFILE, "cfn=(7) g#2\ncalls=1 8",
                                           "cfn=(6)\ncalls=1 8"), "fn=(7)\n", "fn=(6)\n")
        problems = pychecks.check_code_identities(self.files.profile(merged),
                                                  self.files.oracle(TWIN_ORACLE), self.corpus)
        self.assertProblem(problems, "g in /corpus/script.py (first line 8): the oracle saw 2 "
                           "code object(s) with different lines, the profile has 1 node(s): g")

    def test_costs_on_the_other_code_objects_lines(self):
        # g (2 calls, only line 8 executed) with cost on line 9
        text = replace_once(TWIN_PROFILE, "fn=(6)\n8 5000", "fn=(6)\n8 4000\n+1 1000")
        problems = pychecks.check_code_identities(self.files.profile(text),
                                                  self.files.oracle(TWIN_ORACLE), self.corpus)
        self.assertProblem(problems, "do not match the 2 code identities one to one")

    def test_calls_swapped(self):
        text = replace_once(replace_once(TWIN_PROFILE, "calls=2 8", "calls=1 8"),
                            "calls=1 8\n6 3000", "calls=2 8\n6 3000")
        problems = pychecks.check_code_identities(self.files.profile(text),
                                                  self.files.oracle(TWIN_ORACLE), self.corpus)
        self.assertProblem(problems, "do not match")

    def test_source_name(self):
        self.assertEqual(pychecks.source_name("C.f#12"), "C.f")
        self.assertEqual(pychecks.source_name("<lambda>:3"), "<lambda>:3")


class HeaderTest(unittest.TestCase):
    def test_speed_and_min_version(self):
        files = Files()
        try:
            path = files.write("s.py", "# s.py: a test\n#\n# min-version: 3.6\n"
                                       "# speed-check: 2.5\nimport os\n# speed-check: 9\n")
            self.assertEqual(pytest_runner.min_version_of(path), (3, 6))
            self.assertEqual(pytest_runner.speed_ratio_of(path), 2.5)
            plain = files.write("p.py", "import os\n")
            self.assertIsNone(pytest_runner.speed_ratio_of(plain))
            self.assertIsNone(pytest_runner.min_version_of(plain))
        finally:
            files.cleanup()


class OracleNameTest(unittest.TestCase):
    def test_node_names(self):
        namespace = {}
        exec(compile("def f():\n    return lambda: 1\n"
                     "g = lambda: 2\n"
                     "def gen():\n    return (x for x in ())\n", "/x.py", "exec"), namespace)
        inner = namespace["f"]().__code__
        qualified = sys.version_info >= (3, 11)
        self.assertEqual(pyoracle.node_name(namespace["f"].__code__), "f")
        self.assertEqual(pyoracle.node_name(inner),
                         "f.<locals>.<lambda>:2" if qualified else "<lambda>:2")
        self.assertEqual(pyoracle.node_name(namespace["g"].__code__), "<lambda>:3")
        genexpr = namespace["gen"]().gi_code
        self.assertEqual(pyoracle.node_name(genexpr),
                         "gen.<locals>.<genexpr>" if qualified else "<genexpr>:5")
        module = compile("x = 1\n", "/x.py", "exec")
        self.assertEqual(pyoracle.node_name(module), "<module>")

    def test_code_identity(self):
        def f_of(source):
            namespace = {}
            exec(compile(source, "<gen>", "exec"), namespace)
            return namespace["f"].__code__
        short = f_of("def f(n):\n    return n\n")
        again = f_of("def f(n):\n    return n\n")
        longer = f_of("def f(n):\n    n += 1\n    return n\n")
        self.assertEqual(pyoracle.code_identity(short), pyoracle.code_identity(again))
        self.assertNotEqual(pyoracle.code_identity(short), pyoracle.code_identity(longer))
        size, ranges = pyoracle.line_ranges(longer)
        self.assertEqual(size, len(longer.co_code))
        self.assertEqual(sorted(set(line for _, _, line in ranges) - set([0])), [1, 2, 3])


class OracleRunTest(unittest.TestCase):
    """pyoracle.py on a tiny script: counts generator resumptions, follows
    a fork, writes one file per process."""

    def test_counts_and_fork(self):
        directory = tempfile.mkdtemp(prefix="test_pyoracle.")
        try:
            with open(os.path.join(directory, "s.py"), "w") as stream:
                stream.write("import os, sys\n"
                             "def gen():\n    yield 1\n    yield 2\n"
                             "def child():\n    return sum(gen())\n"
                             "pid = os.fork()\n"
                             "if pid == 0:\n    child()\n    os._exit(0)\n"
                             "os.waitpid(pid, 0)\n")
            subprocess.check_call([sys.executable, "-B", "-S", os.path.join(HERE, "pyoracle.py"),
                                   "--out", "o", "--", "s.py"], cwd=directory)
            parent = pychecks.OracleData(os.path.join(directory, "o.parent.json"))
            child = pychecks.OracleData(os.path.join(directory, "o.child.json"))
            script = os.path.join(directory, "s.py")
            self.assertEqual(parent.calls[(script, "<module>")], 1)
            self.assertNotIn((script, "child"), parent.calls)
            self.assertEqual(child.calls[(script, "child")], 1)
            self.assertEqual(child.calls[(script, "gen")], 3)      # start + 2 resumptions
            self.assertNotIn((script, "<module>"), child.calls)   # started before the fork
            self.assertIn(7, child.lines[(script, "<module>")])   # the line of the fork
        finally:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
