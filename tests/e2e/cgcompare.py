#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare two Callgrind-format profiles, or check one for consistency.

pyprofgrind's end-to-end tests run a program under Callgrind (file A, the
reference) and under pyprofgrind (file B) and use this script to check that
the two agree on the Ir event:
  * program total Ir: equal, and equal to the sum of self costs in each file;
  * self cost per function (recursion/caller contexts like "fib'2" folded
    into the base name, keyed by name and object basename): within a
    relative tolerance for every function above a cost threshold;
  * call counts per caller -> callee arc (summed over call sites and
    folded contexts): equal.
With --self-check FILE it only validates one file: names defined before
use, every calls= line followed by a cost line, totals == sum of self costs.
With --list-functions FILE it prints each function's folded self Ir.

Every pyprofgrind profile parsed (its "creator:" names pyprofgrind) is also
held to KCacheGrind's loader rules (kcg_rules.py: each function id names
one function, each function under one file); a violation is a FormatError.
The test suites all parse through this module, so every profile they write
is checked (CGCOMPARE_KCG_RULES=no in the environment turns it off, to
read profiles of older versions).

The parser follows the "Callgrind Format Specification" of the Valgrind
manual, plus what Callgrind 3.x actually writes (jcnd=N/M, jfi=/jfn=).
Relative subpositions (+N, -N, *) are resolved against the last regular
cost line, as Callgrind's writer does; call/jump target and source lines do
not move that reference point.

Exit status: 0 = files agree (or the file is consistent), 1 = mismatch,
2 = malformed or internally inconsistent input, or bad usage.
Only the Python 3 standard library is used (works with Python >= 3.7).
"""

import argparse
import math
import os
import re
import sys
from collections import defaultdict

import kcg_rules

# Position-spec keys and the name table ("id space") each one uses.  Callgrind
# and KCachegrind share ids between a key and its called/jump variants.
NAME_TABLE_OF_KEY = {
    "ob": "object", "cob": "object",
    "fl": "file", "fi": "file", "fe": "file",
    "cfi": "file", "cfl": "file", "jfi": "file",
    "fn": "function", "cfn": "function", "jfn": "function",
}
KNOWN_SUBPOSITIONS = ("instr", "bb", "line")
HEADER_KEYS = {"version", "creator", "pid", "cmd", "part", "thread", "desc",
               "positions", "events", "event", "summary", "totals"}

NAME_SPEC_RE = re.compile(r"^([a-z]+)=(.*)$")
COMPRESSED_NAME_RE = re.compile(r"^\((\d+)\)\s*(.*)$")
HEADER_RE = re.compile(r"^([a-z]+):(.*)$")
NUMBER_RE = re.compile(r"^(?:0[xX][0-9a-fA-F]+|[0-9]+)$")
SUBPOSITION_RE = re.compile(r"^(?:\*|[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+))$")
HEX_NAME_RE = re.compile(r"^0[xX]([0-9a-fA-F]+)$")


class FormatError(Exception):
    """Malformed or internally inconsistent profile; names file and line."""

    def __init__(self, path, line_number, message):
        where = "%s:%d" % (path, line_number) if line_number else path
        super().__init__("%s: %s" % (where, message))


def parse_number(text):
    """Parse a decimal or 0x-hex Number of the format; None if not one."""
    if not NUMBER_RE.match(text):
        return None
    return int(text, 16) if text[:2] in ("0x", "0X") else int(text)


def base_function_name(raw_name):
    """Fold Callgrind context suffixes: "fib'2" and "f'caller'caller2" -> base.

    Names of code without symbols ("0x0000000000001080") are normalized to
    lowercase hex without leading zeros, so different zero-padding matches.
    """
    name = raw_name.split("'", 1)[0]
    hex_match = HEX_NAME_RE.match(name)
    if hex_match:
        name = "0x%x" % int(hex_match.group(1), 16)
    return name


PYTHON_OBJECT_RE = re.compile(r"^\[Python(?: \d+\.\d+)?\]$")
MAX_PACKAGE_DEPTH = 32


def python_module_of(path):
    """The module part pyprofgrind gives the Python functions of source file
    PATH (pg_python.c, module_of): the file's name less its ".py..."
    extension, after the enclosing package directories (those holding an
    __init__.py; an __init__.py is its package); "<frozen M>" is M, other
    pseudo-files are their own module; ':' becomes '_'."""
    if path.startswith("<"):
        if path.startswith("<frozen ") and path.endswith(">") and len(path) > 9:
            module = path[8:-1]
        else:
            module = path
        return module.replace(":", "_")
    directory, base = path.rsplit("/", 1) if "/" in path else ("", path)
    dot = base.rfind(".")
    stem = base[:dot] if dot > 0 and base[dot:].startswith(".py") else base
    parts = [] if stem == "__init__" else [stem]
    while (len(parts) < MAX_PACKAGE_DEPTH and directory
           and os.path.exists(directory + "/__init__.py")):
        directory, component = directory.rsplit("/", 1) if "/" in directory else ("", directory)
        parts.insert(0, component)
    return ".".join(parts or [stem]).replace(":", "_")


def split_python_name(name):
    """(module, qualified name) of a Python node's name "MODULE:QUALNAME";
    (None, NAME) for a name without a module (such as "<unknown>")."""
    module, colon, rest = name.partition(":")
    if not colon or not module or not rest:
        return None, name
    return module, rest


def function_key(object_name, raw_function_name):
    object_base = os.path.basename(object_name) if object_name else "???"
    return (object_base, base_function_name(raw_function_name))


def describe_function(key):
    return "%s [%s]" % (key[1], key[0])


class Profile:
    """The Ir data of one Callgrind-format file, folded by base function name."""

    def __init__(self, path):
        self.path = path
        self.events = None
        self.self_ir = defaultdict(int)        # function key -> self Ir
        self.arc_calls = defaultdict(int)      # (caller key, callee key) -> calls
        self.arc_inclusive_ir = defaultdict(int)
        self.totals_ir = None                  # sum of all "totals:" lines
        self.summary_ir = None
        self.self_ir_sum = 0
        self.cost_line_count = 0

    @property
    def total_ir(self):
        """Program total: totals: if given, else summary:, else sum of self costs.

        Callgrind's summary: is not always reliable (it can wrap around after
        CALLGRIND_ZERO_STATS), so totals: is preferred.
        """
        if self.totals_ir is not None:
            return self.totals_ir
        if self.summary_ir is not None:
            return self.summary_ir
        return self.self_ir_sum


class ProfileParser:
    """Line-by-line parser; raises FormatError naming the offending line.

    With strip_python_modules set (a subclass's attribute), the names of
    Python functions (object "[Python X.Y]") that start with the module of
    their file ("MODULE:", python_module_of) are kept without it: the test
    suites compare qualified names with what the interpreter says, so a
    wrong module makes a name no check expects.  Opcode nodes ("[Python
    X.Y opcodes]") are left alone.
    """

    strip_python_modules = False

    def __init__(self, path, require_ir=True):
        self.path = path
        self.require_ir = require_ir
        self.profile = Profile(path)
        self.names = {"object": {}, "file": {}, "function": {}}
        self.subposition_kinds = ["line"]
        self.last_position = [0]
        self.events = None
        self.ir_column = None
        self.current = {"ob": None, "fl": None, "fn": None}
        self.inline_file = None                # fi=/fe= file until the next fl=/fn=
        self.pending_call_target = {}          # cob / cfi / cfn for next calls=
        self.pending_jump_target = {}          # jfi / jfn for next jump=/jcnd=
        self.pending_call_count = None         # set while a calls= awaits its cost line
        self.pending_jump_line = None          # set while a jump awaits its source line
        self.costs_since_totals = None
        self.line_number = 0
        self.kcg = None                        # KcgRules, for pyprofgrind's profiles

    def error(self, message, line_number=None):
        return FormatError(self.path, self.line_number if line_number is None
                           else line_number, message)

    # -- parsing ------------------------------------------------------------

    def parse(self):
        try:
            stream = open(self.path, "r", encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise FormatError(self.path, 0, "cannot open: %s" % exc.strerror)
        with stream:
            for self.line_number, raw_line in enumerate(stream, 1):
                line = raw_line.rstrip("\r\n")
                self.parse_line(line)
                if self.kcg is not None:
                    self.kcg.feed(self.line_number, line)
                elif (line.startswith("creator:") and "pyprofgrind" in line
                      and os.environ.get("CGCOMPARE_KCG_RULES") != "no"):
                    self.kcg = kcg_rules.KcgRules(self.path)
        self.line_number += 1
        if self.kcg is not None:
            self.kcg.finish()
        if self.kcg is not None and self.kcg.n_problems:
            raise self.error("KCacheGrind would read this profile wrong:\n  "
                             + "\n  ".join(self.kcg.report()), 0)
        if self.pending_call_count is not None:
            raise self.error("calls= line at end of file is not followed by a cost line",
                             self.pending_call_count[1])
        if self.pending_jump_line is not None:
            raise self.error("jump line at end of file is not followed by a position line",
                             self.pending_jump_line)
        if self.events is None:
            raise self.error("no 'events:' header line", 0)
        if self.require_ir and self.ir_column is None:
            raise self.error("no Ir event in 'events: %s'" % " ".join(self.events), 0)
        if self.costs_since_totals is not None and self.profile.totals_ir is not None:
            if any(self.costs_since_totals):
                raise self.error("cost lines after the last 'totals:' line are not "
                                 "covered by any totals (self cost %s)"
                                 % self.costs_since_totals, 0)
        self.profile.events = self.events
        return self.profile

    def parse_line(self, line):
        if self.pending_call_count is not None:
            self.parse_call_cost_line(line)
            return
        if self.pending_jump_line is not None:
            self.parse_jump_source_line(line)
            return
        if not line.strip() or line.startswith("#"):
            return
        if line.startswith("calls="):
            self.parse_calls_line(line)
        elif line.startswith("jump=") or line.startswith("jcnd="):
            self.parse_jump_line(line)
        elif line.startswith("ln="):
            pass  # debugging output of --dump-bbs=yes; carries no cost
        elif NAME_SPEC_RE.match(line):
            self.parse_name_spec(line)
        elif HEADER_RE.match(line):
            self.parse_header(line)
        else:
            self.parse_cost_line(line)

    def parse_header(self, line):
        key, value = HEADER_RE.match(line).groups()
        value = value.strip()
        if key not in HEADER_KEYS:
            raise self.error("unknown header line '%s:'" % key)
        if key == "positions":
            kinds = value.split() or ["line"]
            ordered = [k for k in KNOWN_SUBPOSITIONS if k in kinds]
            if kinds != ordered or len(set(kinds)) != len(kinds):
                raise self.error("bad 'positions:' value '%s' (allowed: instr bb line, "
                                 "in this order)" % value)
            self.subposition_kinds = kinds
            self.last_position = [0] * len(kinds)
        elif key == "events":
            events = value.split()
            if not events:
                raise self.error("empty 'events:' line")
            if self.events is not None and events != self.events:
                raise self.error("'events:' changes from '%s' to '%s' (not supported)"
                                 % (" ".join(self.events), value))
            self.events = events
            self.ir_column = events.index("Ir") if "Ir" in events else None
            if self.costs_since_totals is None:
                self.costs_since_totals = [0] * len(events)
        elif key in ("summary", "totals"):
            costs = self.parse_costs(value.split(), key + ":")
            if key == "summary":
                if self.ir_column is not None:
                    self.profile.summary_ir = (self.profile.summary_ir or 0) + costs[self.ir_column]
            else:
                if costs != self.costs_since_totals:
                    raise self.error("'totals: %s' differs from the sum of the self "
                                     "costs above it: %s" % (value, " ".join(
                                         str(c) for c in self.costs_since_totals)))
                self.costs_since_totals = [0] * len(self.events)
                if self.ir_column is not None:
                    self.profile.totals_ir = (self.profile.totals_ir or 0) + costs[self.ir_column]

    def parse_costs(self, tokens, what):
        if self.events is None:
            raise self.error("%s before the 'events:' header line" % what)
        if len(tokens) > len(self.events):
            raise self.error("%s has %d costs but 'events:' names only %d event(s)"
                             % (what, len(tokens), len(self.events)))
        costs = []
        for token in tokens:
            value = parse_number(token)
            if value is None:
                raise self.error("bad cost '%s' in %s" % (token, what))
            costs.append(value)
        return costs + [0] * (len(self.events) - len(costs))

    def parse_name_spec(self, line):
        key, value = NAME_SPEC_RE.match(line).groups()
        if key not in NAME_TABLE_OF_KEY:
            raise self.error("unknown position specification '%s='" % key)
        name = self.resolve_name(NAME_TABLE_OF_KEY[key], value)
        if key in ("fi", "fe"):
            self.inline_file = name
        elif key in ("fl", "fn"):
            self.inline_file = None
        if self.strip_python_modules and key in ("fn", "cfn"):
            if key == "fn":
                ob, fl = self.current["ob"], self.current["fl"]
            else:
                ob = self.pending_call_target.get("cob", self.current["ob"])
                fl = self.pending_call_target.get(
                    "cfi", self.inline_file if self.inline_file is not None else self.current["fl"])
            name = self.without_python_module(ob, fl, name)
        if key in ("ob", "fl", "fn"):
            self.current[key] = name
            if key == "fn":
                self.pending_call_target = {}
                self.pending_jump_target = {}
        elif key in ("cob", "cfi", "cfl", "cfn"):
            self.pending_call_target["cfi" if key == "cfl" else key] = name
        elif key in ("jfi", "jfn"):
            self.pending_jump_target[key] = name
        # fi= / fe= switch the source file of inlined code only: no effect on keys.

    def without_python_module(self, ob, fl, name):
        if not ob or PYTHON_OBJECT_RE.match(ob) is None:
            return name
        module, qualname = split_python_name(name)
        if module is None or module != python_module_of(fl or "???"):
            return name      # then it matches no qualified name the suites expect
        return qualname

    def resolve_name(self, table_name, value):
        table = self.names[table_name]
        compressed = COMPRESSED_NAME_RE.match(value)
        if not compressed:
            return value
        name_id, name = int(compressed.group(1)), compressed.group(2)
        if name:
            previous = table.get(name_id)
            if previous is not None and previous != name:
                raise self.error("%s id (%d) redefined from '%s' to '%s'"
                                 % (table_name, name_id, previous, name))
            table[name_id] = name
            return name
        if name_id not in table:
            raise self.error("%s id (%d) used before it is defined" % (table_name, name_id))
        return table[name_id]

    def parse_subpositions(self, tokens, what):
        """Resolve len(positions) subposition tokens against the last cost line."""
        count = len(self.subposition_kinds)
        if len(tokens) < count:
            raise self.error("%s needs %d subposition(s) (%s), got %d"
                             % (what, count, " ".join(self.subposition_kinds), len(tokens)))
        resolved = []
        for index, token in enumerate(tokens[:count]):
            if not SUBPOSITION_RE.match(token):
                raise self.error("bad subposition '%s' in %s" % (token, what))
            if token == "*":
                value = self.last_position[index]
            elif token[0] in "+-":
                magnitude = parse_number(token[1:])
                value = self.last_position[index] + (magnitude if token[0] == "+" else -magnitude)
            else:
                value = parse_number(token)
            if value < 0:
                raise self.error("subposition '%s' in %s resolves to negative %s %d"
                                 % (token, what, self.subposition_kinds[index], value))
            resolved.append(value)
        return resolved, tokens[count:]

    def parse_cost_line(self, line):
        tokens = line.split()
        position, cost_tokens = self.parse_subpositions(tokens, "cost line")
        costs = self.parse_costs(cost_tokens, "cost line")
        self.last_position = position
        self.add_self_cost(costs)

    def add_self_cost(self, costs):
        if not any(costs):
            return
        if self.current["fn"] is None:
            raise self.error("cost line before any 'fn=' line")
        self.profile.cost_line_count += 1
        for index, cost in enumerate(costs):
            self.costs_since_totals[index] += cost
        if self.ir_column is not None:
            ir = costs[self.ir_column]
            self.profile.self_ir[function_key(self.current["ob"], self.current["fn"])] += ir
            self.profile.self_ir_sum += ir

    def parse_calls_line(self, line):
        tokens = line[len("calls="):].split()
        if not tokens:
            raise self.error("empty calls= line")
        call_count = parse_number(tokens[0])
        if call_count is None:
            raise self.error("bad call count '%s' in calls= line" % tokens[0])
        _, rest = self.parse_subpositions(tokens[1:], "calls= target position")
        if rest:
            raise self.error("unexpected '%s' after calls= target position" % " ".join(rest))
        if self.current["fn"] is None:
            raise self.error("calls= line before any 'fn=' line")
        if "cfn" not in self.pending_call_target:
            raise self.error("calls= line without a preceding 'cfn=' line")
        self.pending_call_count = (call_count, self.line_number)

    def parse_call_cost_line(self, line):
        call_count, calls_line_number = self.pending_call_count
        self.pending_call_count = None
        tokens = line.split()
        if (not tokens or line.startswith("#") or "=" in tokens[0]
                or HEADER_RE.match(line)):
            raise self.error("calls= line %d is not followed by a cost line"
                             % calls_line_number)
        _, cost_tokens = self.parse_subpositions(tokens, "call cost line")
        costs = self.parse_costs(cost_tokens, "call cost line")
        caller = function_key(self.current["ob"], self.current["fn"])
        callee = function_key(self.pending_call_target.get("cob", self.current["ob"]),
                              self.pending_call_target["cfn"])
        self.pending_call_target = {}
        arc = (caller, callee)
        self.profile.arc_calls[arc] += call_count
        if self.ir_column is not None:
            self.profile.arc_inclusive_ir[arc] += costs[self.ir_column]

    def parse_jump_line(self, line):
        key, value = line.split("=", 1)
        tokens = value.replace("/", " ").split() if key == "jcnd" else value.split()
        counts_needed = 2 if key == "jcnd" else 1
        for token in tokens[:counts_needed]:
            if parse_number(token) is None:
                raise self.error("bad count '%s' in %s= line" % (token, key))
        if len(tokens) < counts_needed:
            raise self.error("%s= line lacks its count(s)" % key)
        _, rest = self.parse_subpositions(tokens[counts_needed:], key + "= target position")
        if rest:
            raise self.error("unexpected '%s' after %s= target position" % (" ".join(rest), key))
        self.pending_jump_target = {}
        self.pending_jump_line = self.line_number

    def parse_jump_source_line(self, line):
        jump_line_number = self.pending_jump_line
        self.pending_jump_line = None
        tokens = line.split()
        if not tokens or "=" in tokens[0] or line.startswith("#") or HEADER_RE.match(line):
            raise self.error("jump line %d is not followed by a position line"
                             % jump_line_number)
        _, cost_tokens = self.parse_subpositions(tokens, "jump source position")
        if any(self.parse_costs(cost_tokens, "jump source position")):
            raise self.error("jump source position line carries costs")


def load_profile(path, require_ir=True, strip_python_modules=False):
    parser = ProfileParser(path, require_ir)
    parser.strip_python_modules = strip_python_modules
    return parser.parse()


# -- comparison ----------------------------------------------------------------

def relative_deviation(reference, candidate):
    if reference == candidate:
        return 0.0
    if reference == 0:
        return math.inf
    return abs(candidate - reference) / reference


def format_percent(fraction):
    return "inf" if math.isinf(fraction) else "%.3f%%" % (100.0 * fraction)


class Comparison:
    """Compares profile B against reference profile A and collects the report."""

    def __init__(self, reference, candidate, options):
        self.a = reference
        self.b = candidate
        self.options = options
        self.ignore_patterns = [re.compile(p) for p in options.ignore_fn]
        self.only_patterns = [re.compile(p) for p in options.only_fn]
        # Smallest self cost (in whole Ir) that gets compared.
        self.threshold_ir = math.ceil(options.threshold / 100.0 * max(reference.total_ir, 0))
        self.mismatches = []   # (section, text) rows to print
        self.compared_rows = []
        self.max_deviation = (0.0, None)
        self.functions_compared = 0
        self.arcs_compared = 0

    def is_ignored(self, key):
        if self.only_patterns and not any(p.fullmatch(key[1]) for p in self.only_patterns):
            return True
        return any(p.search(key[1]) for p in self.ignore_patterns)

    def passes_threshold(self, key):
        return max(self.a.self_ir.get(key, 0), self.b.self_ir.get(key, 0)) >= self.threshold_ir

    def fold_plt_stubs(self):
        """Charge A's PLT stubs to their callers where B does.

        Callgrind (A) charges only ".plt" stubs to their callers; pyprofgrind
        (B) also charges ".plt.got" and ".plt.sec" stubs, which Callgrind
        lists as unnamed functions of no object ("0x109040 [???]").  A
        function of A so named, absent from B, that calls one function, is
        such a stub: its self cost goes to its callers and its callers call
        its callee, in proportion to their calls.  Returns the stubs folded.
        """
        a, b = self.a, self.b
        present_in_b = set(b.self_ir) | {k for arc in b.arc_calls for k in arc}
        candidates = {k for k in set(a.self_ir) | {k for arc in a.arc_calls for k in arc}
                      if k[0] == "???" and HEX_NAME_RE.match(k[1]) and k not in present_in_b}
        folded = []
        for stub in sorted(candidates):
            callers = {arc[0]: n for arc, n in a.arc_calls.items() if arc[1] == stub and n}
            callees = {arc[1]: n for arc, n in a.arc_calls.items() if arc[0] == stub}
            if len(callees) != 1 or not callers or stub in callers:
                continue
            (callee, callee_calls), = callees.items()
            inclusive = a.arc_inclusive_ir.get((stub, callee), 0)
            total_calls = sum(callers.values())
            self_ir = a.self_ir.pop(stub, 0)
            for caller, n in callers.items():
                a.self_ir[caller] += self_ir * n // total_calls
                a.arc_calls[(caller, callee)] += callee_calls * n // total_calls
                a.arc_inclusive_ir[(caller, callee)] += inclusive * n // total_calls
                a.arc_inclusive_ir.pop((caller, stub), None)
                del a.arc_calls[(caller, stub)]
            del a.arc_calls[(stub, callee)]
            a.arc_inclusive_ir.pop((stub, callee), None)
            folded.append(stub)
        return folded

    def run(self):
        for stub in self.fold_plt_stubs():
            self.compared_rows.append("PLT stub of A charged to its callers: %s"
                                      % describe_function(stub))
        self.compare_totals()
        self.compare_self_costs()
        self.compare_arcs()
        self.check_expectations()
        return not self.mismatches

    def compare_totals(self):
        for profile in (self.a, self.b):
            if profile.total_ir != profile.self_ir_sum:
                self.mismatches.append(("total", "%s: program total Ir %d != sum of self "
                                        "costs %d" % (profile.path, profile.total_ir,
                                                      profile.self_ir_sum)))
        row = "program total Ir: A=%d B=%d" % (self.a.total_ir, self.b.total_ir)
        if self.a.total_ir != self.b.total_ir and not self.only_patterns:
            self.mismatches.append(("total", row + " (diff %+d)"
                                    % (self.b.total_ir - self.a.total_ir)))
        self.compared_rows.append(row)

    def compare_self_costs(self):
        keys = sorted(set(self.a.self_ir) | set(self.b.self_ir),
                      key=lambda k: (-max(self.a.self_ir.get(k, 0), self.b.self_ir.get(k, 0)), k))
        for key in keys:
            if self.is_ignored(key) or not self.passes_threshold(key):
                continue
            a_ir, b_ir = self.a.self_ir.get(key, 0), self.b.self_ir.get(key, 0)
            deviation = relative_deviation(a_ir, b_ir)
            self.functions_compared += 1
            if deviation > self.max_deviation[0] or self.max_deviation[1] is None:
                self.max_deviation = (deviation, key)
            row = "%12d %12d %9s  %s" % (a_ir, b_ir, format_percent(deviation),
                                         describe_function(key))
            self.compared_rows.append("self " + row)
            if deviation > self.options.tolerance / 100.0:
                self.mismatches.append(("self", row))

    def compare_arcs(self):
        arcs = sorted(set(self.a.arc_calls) | set(self.b.arc_calls))
        for arc in arcs:
            caller, callee = arc
            if self.is_ignored(caller) or self.is_ignored(callee):
                continue
            if not self.options.all_arcs and not self.passes_threshold(callee):
                continue
            a_calls, b_calls = self.a.arc_calls.get(arc, 0), self.b.arc_calls.get(arc, 0)
            self.arcs_compared += 1
            row = "%12d %12d  %s -> %s" % (a_calls, b_calls, describe_function(caller),
                                           describe_function(callee))
            self.compared_rows.append("call " + row)
            if a_calls != b_calls:
                self.mismatches.append(("call", row))

    def check_expectations(self):
        for pattern in self.options.expect_absent_in_b:
            regex = re.compile(pattern)
            for k, ir in sorted(self.b.self_ir.items()):
                if ir > 0 and regex.fullmatch(k[1]):
                    self.mismatches.append(("expect", "%s: '%s' should have no cost but "
                                            "has %d Ir" % (self.b.path, describe_function(k), ir)))
        for profile in (self.a, self.b):
            for pattern in self.options.expect_present:
                regex = re.compile(pattern)
                if not any(regex.fullmatch(k[1]) and ir > 0 for k, ir in profile.self_ir.items()):
                    self.mismatches.append(("expect", "%s: no function matching '%s' has "
                                            "self cost" % (profile.path, pattern)))
            for pattern in self.options.expect_absent:
                regex = re.compile(pattern)
                costly = sorted(describe_function(k) for k, ir in profile.self_ir.items()
                                if ir > 0 and regex.fullmatch(k[1]))
                called = sorted(describe_function(arc[1]) for arc, calls
                                in profile.arc_calls.items()
                                if regex.fullmatch(arc[1][1]) and
                                (calls > 0 or profile.arc_inclusive_ir.get(arc, 0) > 0))
                for name in sorted(set(costly + called)):
                    self.mismatches.append(("expect", "%s: '%s' should have no cost or "
                                            "calls but has" % (profile.path, name)))

    def report(self, out):
        print("cgcompare: A=%s" % self.a.path, file=out)
        print("           B=%s" % self.b.path, file=out)
        if self.options.verbose:
            print("compared (A, B, deviation / calls A, calls B):", file=out)
            for row in self.compared_rows:
                print("  " + row, file=out)
        headings = {
            "total": "program totals:",
            "self": "self cost mismatches (tolerance %s%%, threshold %s%% = %d Ir):\n"
                    "  %12s %12s %9s  %s" % (self.options.tolerance, self.options.threshold,
                                             self.threshold_ir, "A self Ir", "B self Ir",
                                             "deviation", "function [object]"),
            "call": "call count mismatches:\n  %12s %12s  %s" % ("A calls", "B calls",
                                                              "caller -> callee"),
            "expect": "expectation failures:",
        }
        for section in ("total", "self", "call", "expect"):
            rows = [text for kind, text in self.mismatches if kind == section]
            if rows:
                print(headings[section], file=out)
                for row in rows:
                    print("  " + row, file=out)
        deviation, key = self.max_deviation
        print("%s: total Ir A=%d B=%d; %d functions compared, max self deviation %s%s; "
              "%d arcs compared; %d mismatch(es)"
              % ("MISMATCH" if self.mismatches else "OK", self.a.total_ir, self.b.total_ir,
                 self.functions_compared, format_percent(deviation),
                 " (%s)" % describe_function(key) if key else "", self.arcs_compared,
                 len(self.mismatches)), file=out)


def self_check(path):
    profile = load_profile(path, require_ir=False)
    print("%s: OK: %d functions with self cost, %d cost lines, %d call arcs%s"
          % (path, len(profile.self_ir), profile.cost_line_count, len(profile.arc_calls),
             ", total Ir %d" % profile.total_ir if "Ir" in profile.events else ""))


def list_functions(path):
    """Print "self-Ir base-name [object]" for every function with self cost."""
    profile = load_profile(path)
    for key, ir in sorted(profile.self_ir.items(), key=lambda item: (-item[1], item[0])):
        if ir > 0:
            print("%d %s" % (ir, describe_function(key)))


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Compare two Callgrind-format profiles on the Ir event "
                    "(A = reference, e.g. Callgrind; B = candidate), or check one file.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="profiles A and B")
    parser.add_argument("--self-check", metavar="FILE",
                        help="only check FILE's internal consistency")
    parser.add_argument("--list-functions", metavar="FILE",
                        help="print the self Ir of every function in FILE, "
                             "contexts folded (used to tell processes apart)")
    parser.add_argument("--tolerance", type=float, default=0.5, metavar="PERCENT",
                        help="allowed relative self-cost deviation (default 0.5)")
    parser.add_argument("--threshold", type=float, default=0.1, metavar="PERCENT",
                        help="compare functions whose self cost is at least this "
                             "share of A's total (default 0.1)")
    parser.add_argument("--all-arcs", action="store_true",
                        help="compare call counts of all arcs, not only arcs to "
                             "functions above the threshold")
    parser.add_argument("--ignore-fn", action="append", default=[], metavar="REGEX",
                        help="exclude functions whose base name matches REGEX "
                             "(re.search) from self-cost and arc checks; repeatable")
    parser.add_argument("--expect-present", action="append", default=[], metavar="REGEX",
                        help="require, in both files, a function whose base name fully "
                             "matches REGEX with self cost > 0; repeatable")
    parser.add_argument("--expect-absent", action="append", default=[], metavar="REGEX",
                        help="require, in both files, that no function whose base name "
                             "fully matches REGEX has self cost or incoming calls; repeatable")
    parser.add_argument("--only-fn", action="append", default=[], metavar="REGEX",
                        help="compare only functions whose base name fully matches REGEX "
                             "(and arcs between them); program totals may then differ; "
                             "repeatable")
    parser.add_argument("--expect-absent-in-b", action="append", default=[], metavar="REGEX",
                        help="require that no function of B whose base name fully matches "
                             "REGEX has self cost (A may have it); repeatable")
    parser.add_argument("--verbose", action="store_true", help="print everything compared")
    options = parser.parse_args(argv)
    single_file_modes = [m for m in (options.self_check, options.list_functions) if m]
    if len(single_file_modes) > 1 or (single_file_modes and options.files):
        parser.error("--self-check and --list-functions take exactly one file "
                     "and no other files")
    if not single_file_modes and len(options.files) != 2:
        parser.error("need two files A B, or --self-check FILE")
    for pattern in (options.ignore_fn + options.expect_present + options.expect_absent
                    + options.only_fn + options.expect_absent_in_b):
        try:
            re.compile(pattern)
        except re.error as exc:
            parser.error("bad regular expression '%s': %s" % (pattern, exc))
    return options


def main(argv):
    options = parse_arguments(argv)
    try:
        if options.self_check is not None:
            self_check(options.self_check)
            return 0
        if options.list_functions is not None:
            list_functions(options.list_functions)
            return 0
        reference = load_profile(options.files[0])
        candidate = load_profile(options.files[1])
    except FormatError as exc:
        print("cgcompare: error: %s" % exc, file=sys.stderr)
        return 2
    comparison = Comparison(reference, candidate, options)
    agree = comparison.run()
    comparison.report(sys.stdout)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
