#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Unit tests for cgcompare.py, the profile comparator of the e2e tests.

They make sure the comparator can fail: hand-written Callgrind-format files
(taken from the format specification, then altered) must be parsed the same
whichever compression they use, and every kind of disagreement or malformed
input must be reported with the right exit status (1 = mismatch, 2 = bad
input) and, for bad input, the offending line number.  If Valgrind is
available (VG_IN_PLACE or `valgrind`), a real Callgrind profile of
recursion.c is also checked and then altered.

Run: python3 tests/e2e/test_cgcompare.py   (stdlib unittest only)
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CGCOMPARE = os.path.join(HERE, "cgcompare.py")

# The "Extended Example" of the Callgrind Format Specification (plus an object
# name and a second event column) ...
SPEC_EXAMPLE_PLAIN = """\
# callgrind format
events: Instructions Ir
ob=/bin/prog
fl=file1.c
fn=main
16 20 20
cfn=func1
calls=1 50
16 400 400
cfi=file2.c
cfn=func2
calls=3 20
16 400 400
fn=func1
51 100 100
cfi=file2.c
cfn=func2
calls=2 20
51 300 300
fl=file2.c
fn=func2
20 700 700
"""

# ... and the same data with name and subposition compression, instruction
# addresses in hex, a relative jump position, and totals:.
SPEC_EXAMPLE_COMPRESSED = """\
# callgrind format
version: 1
creator: hand-written
positions: instr line
events: Instructions Ir
summary: 820 820
ob=(1) /bin/prog
fl=(1) file1.c
fn=(1) main
0x1000 16 20 20
cfn=(2) func1
calls=1 +0x20 +34
* * 400 400
cfi=(2) file2.c
cfn=(3) func2
calls=3 0x3000 20
* * 400 400
fn=(2)
0x1020 51 60 60
+2 * 40 40
jcnd=1/2 -2 *
+2 *
jump=1 +4 +1
* *
cfi=(2)
cfn=(3)
calls=2 0x3000 20
* * 300 300
fl=(2)
fn=(3)
0x3000 20 700 700
totals: 820 820
"""


def run_cgcompare(*arguments):
    result = subprocess.run([sys.executable, CGCOMPARE] + list(arguments),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True)
    return result.returncode, result.stdout + result.stderr


class ProfileFilesTestCase(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="cgcompare-test.")

    def tearDown(self):
        shutil.rmtree(self.directory)

    def write(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, "w") as stream:
            stream.write(text)
        return path

    def assert_exit(self, expected_status, arguments, output_pattern=None):
        status, output = run_cgcompare(*arguments)
        self.assertEqual(status, expected_status, output)
        if output_pattern is not None:
            self.assertRegex(output, output_pattern)
        return output


class AgreementTests(ProfileFilesTestCase):
    def test_compressed_and_plain_spec_example_agree(self):
        plain = self.write("plain", SPEC_EXAMPLE_PLAIN)
        compressed = self.write("compressed", SPEC_EXAMPLE_COMPRESSED)
        self.assert_exit(0, ["--self-check", plain], r"total Ir 820")
        self.assert_exit(0, ["--self-check", compressed], r"total Ir 820")
        listing = self.assert_exit(0, ["--list-functions", compressed])
        self.assertEqual(listing.split("\n")[:3],
                         ["700 func2 [prog]", "100 func1 [prog]", "20 main [prog]"])
        output = self.assert_exit(0, ["--verbose", "--all-arcs", "--threshold", "0",
                                      plain, compressed])
        self.assertRegex(output, r"call +3 +3  main \[prog\] -> func2 \[prog\]")
        self.assertRegex(output, r"call +2 +2  func1 \[prog\] -> func2 \[prog\]")
        self.assertRegex(output, r"self +100 +100 +0\.000%  func1 \[prog\]")

    def test_recursion_contexts_and_hex_names_are_folded(self):
        contexts = self.write("contexts", """\
events: Ir
ob=/lib/libx.so
fn=(1) fib
1 10
cfn=(2) fib'2
calls=2 1
1 30
fn=(2)
1 25
cfn=(2)
calls=3 1
1 5
fn=(3) 0x00000000000010f0
1 7
cfn=(4) fib'2'main
calls=1 1
1 1
fn=(4)
1 1
""")
        folded = self.write("folded", """\
events: Ir
ob=/other/dir/libx.so
fn=fib
1 36
cfn=fib
calls=5 1
1 36
fn=0x10f0
1 7
cfn=fib
calls=1 1
1 1
""")
        self.assert_exit(0, ["--all-arcs", "--threshold", "0", contexts, folded])


class MismatchTests(ProfileFilesTestCase):
    def profile(self, name, main_ir=1000, helper_ir=300, tiny_ir=1, helper_calls=3,
                tiny_calls=1, totals=True):
        total = main_ir + helper_ir + tiny_ir
        return self.write(name, """\
events: Ir
ob=/bin/prog
fn=main
10 %d
cfn=helper
calls=%d 20
10 %d
cfn=tiny
calls=%d 30
10 %d
fn=helper
20 %d
fn=tiny
30 %d
%s""" % (main_ir, helper_calls, helper_ir, tiny_calls, tiny_ir, helper_ir, tiny_ir,
         "totals: %d\n" % total if totals else ""))

    def test_identical_profiles_agree(self):
        self.assert_exit(0, [self.profile("a"), self.profile("b", totals=False)], r"^OK|\nOK")

    def test_self_cost_beyond_tolerance_is_reported(self):
        output = self.assert_exit(1, [self.profile("a"), self.profile("b", main_ir=990,
                                                                     helper_ir=310)],
                                  r"helper \[prog\]")
        self.assertIn("3.333%", output)
        self.assertNotIn("program total Ir", output)  # both total 1301
        self.assertRegex(output, r"max self deviation 3\.333% \(helper")

    def test_self_cost_within_tolerance_passes(self):
        a = self.profile("a", main_ir=100000, helper_ir=50000)
        b = self.profile("b", main_ir=99800, helper_ir=50200)
        self.assert_exit(0, [a, b])  # deviations 0.2% and 0.4%, default tolerance 0.5%
        self.assert_exit(1, ["--tolerance", "0.3", a, b], r"helper \[prog\]")

    def test_program_total_difference_is_reported(self):
        self.assert_exit(1, [self.profile("a"), self.profile("b", tiny_ir=2)],
                         r"program total Ir: A=1301 B=1302 \(diff \+1\)")

    def test_call_count_difference_is_reported(self):
        self.assert_exit(1, [self.profile("a"), self.profile("b", helper_calls=4)],
                         r"3 +4  main \[prog\] -> helper \[prog\]")

    def test_arcs_to_cheap_callees_only_checked_with_all_arcs(self):
        a, b = self.profile("a"), self.profile("b", tiny_calls=2)
        self.assert_exit(0, [a, b])
        self.assert_exit(1, ["--all-arcs", a, b], r"main \[prog\] -> tiny \[prog\]")

    def test_threshold_option(self):
        a, b = self.profile("a"), self.profile("b", tiny_ir=0, main_ir=1001)
        self.assert_exit(0, [a, b])  # tiny: 1 Ir < 0.1% of 1301
        self.assert_exit(1, ["--threshold", "0", a, b], r"tiny \[prog\]")

    def test_ignore_fn_excludes_function_and_its_arcs(self):
        a, b = self.profile("a"), self.profile("b", main_ir=990, helper_ir=310, helper_calls=9)
        self.assert_exit(1, ["--ignore-fn", "^help", a, b], r"main \[prog\]")
        self.assert_exit(0, ["--ignore-fn", "^(main|helper)$", a, b])

    def test_function_missing_from_one_profile(self):
        a = self.profile("a")
        b = self.write("b", "events: Ir\nob=/bin/prog\nfn=main\n10 1301\ntotals: 1301\n")
        self.assert_exit(1, [a, b], r"300 +0 +100\.000%  helper \[prog\]")
        self.assert_exit(1, [b, a], r"0 +300 +inf  helper \[prog\]")

    def test_expectations(self):
        a, b = self.profile("a"), self.profile("b")
        self.assert_exit(0, ["--expect-present", "help.*", "--expect-absent", "nothing", a, b])
        self.assert_exit(1, ["--expect-present", "absent_fn", a, b],
                         r"no function matching 'absent_fn'")
        self.assert_exit(1, ["--expect-absent", "tiny", a, b], r"'tiny \[prog\]' should have no")


class PltStubTests(ProfileFilesTestCase):
    """A ".plt.sec"/".plt.got" stub, an unnamed function of no object in
    Callgrind's profile (A), is charged to its caller where pyprofgrind's
    (B) has no such function, and only then."""

    A_WITH_STUB = ("events: Ir\nob=prog\nfl=a.c\nfn=main\n1 10\n"
                   "cob=???\ncfn=0x0000000000109080\ncalls=4 0\n2 24\n"
                   "ob=???\nfl=???\nfn=0x0000000000109080\n0 4\n"
                   "cob=libc.so.6\ncfn=strlen\ncalls=4 0\n0 20\n"
                   "ob=libc.so.6\nfl=s.c\nfn=strlen\n1 20\n")
    B_WITHOUT = ("events: Ir\nob=prog\nfl=a.c\nfn=main\n1 14\n"
                 "cob=libc.so.6\ncfn=strlen\ncalls=4 0\n2 20\n"
                 "ob=libc.so.6\nfl=s.c\nfn=strlen\n1 20\n")

    def test_stub_missing_from_b_is_folded(self):
        a = self.write("a", self.A_WITH_STUB)
        b = self.write("b", self.B_WITHOUT)
        output = self.assert_exit(0, ["--all-arcs", "--threshold", "0", "--tolerance", "0",
                                      "--verbose", a, b])
        self.assertIn("PLT stub of A charged to its callers: 0x109080 [???]", output)

    def test_stub_present_in_b_is_compared(self):
        a = self.write("a", self.A_WITH_STUB)
        self.assert_exit(0, ["--all-arcs", "--threshold", "0", "--tolerance", "0", a, a])
        b = self.write("b", self.B_WITHOUT.replace("cob=libc.so.6\ncfn=strlen\ncalls=4 0\n2 20\n",
                                                   "cob=libc.so.6\ncfn=strlen\ncalls=3 0\n2 20\n"))
        self.assert_exit(1, ["--all-arcs", "--threshold", "0", "--tolerance", "0", a, b],
                         r"main \[prog\] -> strlen \[libc.so.6\]")


class MalformedInputTests(ProfileFilesTestCase):
    def assert_rejected(self, text, line_number, message_pattern):
        path = self.write("bad", text)
        pattern = r"%s:%d: .*%s" % (re.escape(path), line_number, message_pattern)
        self.assert_exit(2, ["--self-check", path], pattern)
        self.assert_exit(2, [path, path], pattern)

    def test_totals_must_equal_sum_of_self_costs(self):
        self.assert_rejected("events: Ir\nfn=a\n1 5\n2 6\ntotals: 12\n", 5, "differs from")

    def test_name_id_used_before_definition(self):
        self.assert_rejected("events: Ir\nfn=(1) a\n1 5\ncfn=(2)\ncalls=1 1\n1 3\n", 4,
                             r"function id \(2\) used before")

    def test_name_id_redefined(self):
        self.assert_rejected("events: Ir\nfn=(1) a\nfn=(1) b\n", 3, "redefined")

    def test_calls_without_cost_line(self):
        self.assert_rejected("events: Ir\nfn=a\ncfn=b\ncalls=1 1\nfn=b\n1 3\n", 5,
                             "calls= line 4 is not followed by a cost line")

    def test_calls_at_end_of_file(self):
        self.assert_rejected("events: Ir\nfn=a\ncfn=b\ncalls=1 1\n", 4, "end of file")

    def test_calls_without_cfn(self):
        self.assert_rejected("events: Ir\nfn=a\ncalls=1 1\n1 3\n", 3, "without a preceding 'cfn='")

    def test_too_many_costs(self):
        self.assert_rejected("events: Ir\nfn=a\n1 5 6\n", 3, "2 costs")

    def test_bad_subposition(self):
        self.assert_rejected("positions: instr line\nevents: Ir\nfn=a\n0x10 +x 5\n", 4,
                             "bad subposition")

    def test_negative_relative_position(self):
        self.assert_rejected("events: Ir\nfn=a\n3 5\n-4 1\n", 4, "negative")

    def test_cost_before_events(self):
        self.assert_rejected("fn=a\n1 5\n", 2, "before the 'events:'")

    def test_cost_before_fn(self):
        self.assert_rejected("events: Ir\n1 5\n", 2, "before any 'fn='")

    def test_unknown_line(self):
        self.assert_rejected("events: Ir\nfn=a\nbogus: 1\n", 3, "unknown header")

    def test_missing_ir_event_only_matters_when_comparing(self):
        path = self.write("no-ir", "events: Dr\nfn=a\n1 5\n")
        self.assert_exit(0, ["--self-check", path])
        self.assert_exit(2, [path, path], "no Ir event")


# A pyprofgrind profile written the old way: names compressed by string, so
# one id for C "main" and Python "main" (site.py), one for the "<module>"s
# of two files, and a C function split over its file and a header's fl=.
KCG_OLD_STYLE = """\
# callgrind format
version: 1
creator: pyprofgrind-0.1
positions: line
events: Ir
ob=(1) /usr/bin/python3.12
fl=(1) Programs/python.c
fn=(1) main
15 10
cob=(2) [Python 3.12]
cfi=(2) /usr/lib/python3.12/site.py
cfn=(2) <module>
calls=1 1
16 100
ob=(2)
fl=(2)
fn=(2)
1 20
cfn=(1)
calls=1 600
3 50
fn=(1)
600 30
fl=(3) /usr/lib/python3.12/os.py
fn=(2)
1 40
ob=(1)
fl=(4) Modules/gcmodule.c
fn=(3) gc_collect_main
1200 5
fl=(5) Include/object.h
fn=(3)
600 7
totals: 112
"""

# The same profile as pyprofgrind writes it now: an id per function
# (object, file, name), the header's lines under fi=/fe=.
KCG_NEW_STYLE = """\
# callgrind format
version: 1
creator: pyprofgrind-0.1
positions: line
events: Ir
ob=(1) /usr/bin/python3.12
fl=(1) Programs/python.c
fn=(1) main
15 10
cob=(2) [Python 3.12]
cfi=(2) /usr/lib/python3.12/site.py
cfn=(2) site.<module>
calls=1 1
16 100
ob=(2)
fl=(2)
fn=(2)
1 20
cfn=(3) site.main
calls=1 600
3 50
fn=(3)
600 30
fl=(3) /usr/lib/python3.12/os.py
fn=(4) os.<module>
1 40
ob=(1)
fl=(4) Modules/gcmodule.c
fn=(5) gc_collect_main
1200 5
fi=(5) Include/object.h
600 7
fe=(4)
cfi=(6) Objects/object.c
cfn=(6) _Py_Dealloc
calls=1 10
1201 9
totals: 112
"""


class KcgRulesTests(ProfileFilesTestCase):
    """kcg_rules.py, and cgcompare holding pyprofgrind's profiles to it."""

    KCG_RULES = os.path.join(HERE, "kcg_rules.py")

    def run_rules(self, path):
        result = subprocess.run([sys.executable, self.KCG_RULES, path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True)
        return result.returncode, result.stdout + result.stderr

    def test_old_style_profile_fails_every_rule(self):
        path = self.write("old", KCG_OLD_STYLE)
        status, output = self.run_rules(path)
        self.assertEqual(status, 1, output)
        # C main's id used for Python main of site.py: KCacheGrind merges them.
        self.assertRegex(output, r":19: id: cfn=\(1\) means 'main' \(file python.c, "
                                 r"object python3.12\).*'main' \(file site.py")
        self.assertRegex(output, r":22: id: fn=\(1\)")
        # The <module> of os.py under the id of site.py's.
        self.assertRegex(output, r":25: id: fn=\(2\) means '<module>' \(file site.py")
        # gc_collect_main under its file and under a header's fl=.
        self.assertRegex(output, r":32: id: fn=\(3\) means 'gc_collect_main' \(file "
                                 r"gcmodule.c.*'gc_collect_main' \(file object.h")
        # Without compression, the header's piece is a function nobody calls.
        plain = self.write("old-plain", "# callgrind format\ncreator: pyprofgrind-0.1\n"
                           "events: Ir\nob=python3.12\nfl=Modules/gcmodule.c\n"
                           "fn=gc_collect_main\n1200 5\nfl=Include/object.h\n"
                           "fn=gc_collect_main\n600 7\nfl=Modules/gcmodule.c\nfn=collect\n"
                           "1 1\ncfn=gc_collect_main\ncalls=1 1200\n2 12\ntotals: 13\n")
        status, output = self.run_rules(plain)
        self.assertEqual(status, 1, output)
        self.assertRegex(output, r":9: file: function 'gc_collect_main' of python3.12 is "
                                 r"written under several fl= files \(Include/object.h, "
                                 r"Modules/gcmodule.c\), and nothing calls it under "
                                 r"Include/object.h")
        self.assert_exit(2, ["--self-check", path], r"KCacheGrind would read this profile wrong")

    def test_new_style_profile_keeps_the_rules(self):
        path = self.write("new", KCG_NEW_STYLE)
        status, output = self.run_rules(path)
        self.assertEqual(status, 0, output)
        self.assert_exit(0, ["--self-check", path], r"total Ir 112")

    def test_callee_under_fi_needs_its_file(self):
        # Without cfi=, KCacheGrind takes the fi= file for the callee's.
        text = KCG_NEW_STYLE.replace("fe=(4)\ncfi=(6) Objects/object.c\n",
                                     "cfi=(6) Objects/object.c\n")
        text = text.replace("cfn=(6) _Py_Dealloc\ncalls=1 10\n1201 9\n",
                            "cfn=(6) _Py_Dealloc\ncalls=1 10\n1201 9\n"
                            "cfn=(6)\ncalls=1 10\n1201 9\n")
        path = self.write("fi", text)
        status, output = self.run_rules(path)
        self.assertEqual(status, 1, output)
        self.assertRegex(output, r"id: cfn=\(6\) means '_Py_Dealloc' \(file object.c.*"
                                 r"'_Py_Dealloc' \(file object.h")
        self.assertRegex(output, r"cfi: cfn= without cfi= under fi=/fe= Include/object.h")

    def test_static_functions_of_one_name_in_two_files(self):
        # get_integer of unicode_format.h (included into unicodeobject.c)
        # and of formatter_unicode.c: two functions, each called.
        text = KCG_NEW_STYLE.replace("totals: 112\n", "") + (
            "fl=(7) Objects/stringlib/unicode_format.h\nfn=(7) get_integer\n10 1\n"
            "fl=(8) Python/formatter_unicode.c\nfn=(8) get_integer\n20 1\n"
            "fl=(4)\nfn=(5)\ncfi=(7)\ncfn=(7)\ncalls=1 10\n1202 1\n"
            "cfi=(8)\ncfn=(8)\ncalls=1 20\n1203 1\ntotals: 114\n")
        path = self.write("static", text)
        status, output = self.run_rules(path)
        self.assertEqual(status, 0, output)
        uncalled = self.write("uncalled", text.replace("cfi=(8)\ncfn=(8)\ncalls=1 20\n1203 1\n", ""))
        status, output = self.run_rules(uncalled)
        self.assertEqual(status, 1, output)
        self.assertRegex(output, r"file: function 'get_integer' of python3.12 .* nothing calls "
                                 r"it under Python/formatter_unicode.c")

    def test_two_ids_for_one_function(self):
        text = KCG_NEW_STYLE.replace("fn=(4) os.<module>", "fn=(4) site.<module>")
        text = text.replace("fl=(3) /usr/lib/python3.12/os.py\n", "")
        path = self.write("twice", text)
        status, output = self.run_rules(path)
        self.assertEqual(status, 1, output)
        self.assertRegex(output, r"once: function 'site.<module>' .* has ids \(2\) and \(4\)")

    def test_other_writers_are_not_held_to_the_rules(self):
        path = self.write("callgrind", KCG_OLD_STYLE.replace("pyprofgrind-0.1", "callgrind-3.19.0"))
        self.assert_exit(0, ["--self-check", path], r"total Ir 112")


def find_valgrind():
    launcher = os.environ.get("VG_IN_PLACE") or shutil.which("valgrind")
    return launcher if launcher and shutil.which(launcher) else None


@unittest.skipUnless(find_valgrind() and shutil.which(os.environ.get("CC", "gcc")),
                     "needs Valgrind and a C compiler")
class RealCallgrindProfileTests(ProfileFilesTestCase):
    """Alter a real Callgrind profile of recursion.c and expect failures."""

    def setUp(self):
        super().setUp()
        executable = os.path.join(self.directory, "recursion")
        subprocess.run([os.environ.get("CC", "gcc"), "-g", "-O0", "-o", executable,
                        os.path.join(HERE, "recursion.c")], check=True)
        self.profile = os.path.join(self.directory, "callgrind.out")
        subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", find_valgrind(), "--tool=callgrind",
                        "--callgrind-out-file=" + self.profile, executable],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(self.profile) as stream:
            self.lines = stream.read().split("\n")

    def altered_copy(self, edit):
        lines = list(self.lines)
        edit(lines)
        return self.write("altered", "\n".join(lines))

    @staticmethod
    def names_line(lines, key, function_name):
        """Index of the first "key=" line naming function_name, by id or name."""
        ids = [m.group(1) for m in (re.match(r"c?fn=\((\d+)\) (.*)$", line) for line in lines)
               if m and m.group(2) == function_name]
        spellings = {"%s=%s" % (key, function_name)} | {
            "%s=(%s)" % (key, ids[0]), "%s=(%s) %s" % (key, ids[0], function_name)} if ids else set()
        return next(i for i, line in enumerate(lines) if line in spellings)

    def first_cost_line_of(self, lines, function_name):
        """Index of the first self-cost line of function_name."""
        index = self.names_line(lines, "fn", function_name)
        return next(i for i in range(index + 1, len(lines))
                    if re.match(r"[0-9+*-]", lines[i]) and not lines[i - 1].startswith("calls="))

    def add_to_cost(self, lines, index, amount):
        position, cost = lines[index].split()[:2]
        lines[index] = "%s %d" % (position, int(cost) + amount)

    def test_profile_agrees_with_itself(self):
        self.assert_exit(0, ["--self-check", self.profile])
        self.assert_exit(0, ["--all-arcs", self.profile, self.profile],
                         r"functions compared, max self deviation 0\.000% \(fib \[recursion\]\)")

    def test_moved_self_cost_is_detected(self):
        def move_cost(lines):  # walk'2 loses what fib'2 gains: totals stay right
            self.add_to_cost(lines, self.first_cost_line_of(lines, "fib'2"), 5000)
            self.add_to_cost(lines, self.first_cost_line_of(lines, "walk'2"), -5000)
        altered = self.altered_copy(move_cost)
        self.assert_exit(0, ["--self-check", altered])
        output = self.assert_exit(1, [self.profile, altered], r"fib \[recursion\]")
        self.assertRegex(output, r"walk \[recursion\]")
        self.assertNotIn("program total", output)

    def test_changed_call_count_is_detected(self):
        def change_calls(lines):
            index = self.names_line(lines, "cfn", "fib'2")
            calls = next(i for i in range(index, len(lines)) if lines[i].startswith("calls="))
            count, rest = lines[calls][len("calls="):].split(" ", 1)
            lines[calls] = "calls=%d %s" % (int(count) + 1, rest)
        self.assert_exit(1, [self.profile, self.altered_copy(change_calls)],
                         r"-> fib \[recursion\]")

    def test_unadjusted_totals_are_rejected(self):
        def change_cost(lines):
            self.add_to_cost(lines, self.first_cost_line_of(lines, "main"), 1)
        self.assert_exit(2, [self.profile, self.altered_copy(change_cost)],
                         r"'totals: \d+' differs from the sum")


if __name__ == "__main__":
    unittest.main(verbosity=2)
