#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run_opcode_test.py: end-to-end tests of pyprofgrind's opcode nodes.

    run_opcode_test.py --interp LABEL [SCRIPT...]   one interpreter; exit 0/1/77
    run_opcode_test.py --require-any LABEL,...      exit 1 unless one is present
    run_opcode_test.py --list                       the interpreters found
    run_opcode_test.py --recheck --interp LABEL [SCRIPT...]
                                 check the files an earlier run kept (KEEP_WORK=1)
                                 again; runs nothing but callgrind_annotate

LABEL is py37 ... py313 (pyenv builds: the real bin/pythonX.Y of the newest
X.Y.* under $PYENV_ROOT, `pyenv root` or ~/.pyenv), or debian314, debian315
(Debian sid's /usr/bin/python3.14 and python3.15, with their -dbg debug
info: scripts/test-platforms.sh's sid chroot).  SCRIPT is a corpus
script name without .py (tests/opcodes/corpus); by default all.

In $builddir/LABEL/ (default $top_builddir/tests/opcodes/build/LABEL/) the
corpus and opcode_oracle.py are copied to src/, the working directory of
every run, which holds nothing else.  One process runs all the scripts
(opcode_oracle.py -- flow.py nested.py numeric.py objects.py recursion.py): start-up
is most of the cost of a run under Valgrind.  Every run uses
`env -i PATH=/usr/bin:/bin LC_ALL=C PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1`
and `python -B -S`.  The runs:
  native   the scripts' output;
  oracle   opcode_oracle.py --out oracle.json: 'opcode' events of a traced run;
  A        Callgrind;
  Y        pyprofgrind --python-opcodes=yes;
  B        pyprofgrind --python-opcodes=base (3.11+ only: nothing to fold before).
and the checks, per corpus script (README.md gives the reasons):
  output   every run exits 0 and prints what the native run printed;
  total    Y's and B's totals equal Callgrind's (and their self-cost sums;
           3.14+: both less the /proc/self/maps parse, T1 in RULES);
  annotate callgrind_annotate --auto=yes reads Y and B without a warning;
  costs    for every Python function F of the script, in Y and B:
           inclusive(F) (arcs into F from other nodes) ==
           self(F) + inclusive cost of the arcs from F to other nodes;
  opcodes  per function and instruction, the executions the profile shows
           (Y up to 3.10, B from 3.11) against what the oracle saw, with the
           version rules below (RULES);
  lines    every arc from such a function to an opcode node (B from 3.11,
           else Y) is at a line where the function has an instruction of
           that base kind (by its line table or the traced run's f_lineno),
           or has one without a line;
  fold     3.11+: Y's arcs to opcode nodes, folded by the inspector's
           opcode_base lines, equal B's arcs: same calls, same inclusive cost,
           per caller node, line and base instruction (whole profile).
  bound    in Y and B, no call of an opcode node costs more than the whole
           run: each arc's inclusive cost, and the sum over the lines of
           one caller, is at most the total (a recursion is counted once;
           recursion.py recurses 300 deep through CALL).
The costs check is not applied to recursion.py (NO_COSTS_CHECK says why).

Exit status: 0 pass, 1 fail, 77 skip (interpreter, inspector or
callgrind_annotate absent).  On failure the commands that reproduce it are
printed and the work directory is kept.

Environment: top_builddir, VG_IN_PLACE, builddir, CALLGRIND_ANNOTATE,
INSPECT (the pyprofgrind-inspect binary), KEEP_WORK=1, VERBOSE=1 (list every
E6 re-dispatch), PYENV_ROOT.
"""

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import cgcompare  # noqa: E402  (tests/e2e/cgcompare.py: the profile parser)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import pyenvs  # noqa: E402  (tests/python/pyenvs.py: where the pyenv builds are)
import pychecks  # noqa: E402  (tests/python/pychecks.py: MAPS_READERS, calls_into_ir)

CORPUS_DIR = os.path.join(HERE, "corpus")
ORACLE = os.path.join(HERE, "opcode_oracle.py")
FIXED_ENVIRONMENT = ["env", "-i", "PATH=/usr/bin:/bin", "LC_ALL=C", "PYTHONHASHSEED=0",
                     "PYTHONDONTWRITEBYTECODE=1"]
INTERPRETER_OPTIONS = ["-B", "-S"]
PROCESS_TIMEOUT = 900
VERBOSE = os.environ.get("VERBOSE", "0") == "1"
RUN_WIDE = "all scripts"     # where the checks of a whole run report

# Scripts whose functions do not satisfy the costs relation, and why.
NO_COSTS_CHECK = {
    "recursion": "a recursive function's instructions count its recursion once, in the "
                 "outermost CALL, and again in the nested levels' own instructions, so "
                 "the arcs out of it add up to more than its inclusive cost",
}
LABELS = ["py37", "py38", "py39", "py310", "py311", "py312", "py313",
          "debian314", "debian315"]

# Labels of distribution interpreters (run in scripts/test-platforms.sh's
# chroots): label -> the executable, which holds the interpreter.
SYSTEM_INTERPRETERS = {
    "debian314": "/usr/bin/python3.14",
    "debian315": "/usr/bin/python3.15",
}


# =============================================================================
# RULES: how an instruction's executions (the oracle) show in the profile.
#
# The oracle counts the 'opcode' events of a traced run (base instructions
# from co_code).  The profile counts, per function and opcode node, how often
# the eval loop entered that instruction's handler (its TARGET_ label).  The
# two agree exactly except for the cases below, each of which is turned into
# an exact relation or, where the number is not observable, a bound.  The
# README gives the details and the interpreter code behind each.
#
#  E1 (3.7-3.11) EXTENDED_ARG's handler dispatches the instruction it
#     prefixes itself, without a trace event: expected[op] += the oracle's
#     "after_extended_arg" count of op.  (3.12+ traces it.)
#  E2 (3.7, 3.8) instructions sharing one handler (stacked TARGET labels)
#     are one opcode node, named after one of them: compared as a group
#     (SHARED_HANDLERS, plus any labels at one address in the layout).
#  E3 (3.11+) RESUME gets a 'call' event, never an 'opcode' event:
#     expected[RESUME] = the oracle's 'call' events.
#  E4 (3.11+) the instructions before the first RESUME (MAKE_CELL,
#     COPY_FREE_VARS, RETURN_GENERATOR, POP_TOP) are never traced and run
#     once per frame start: expected[op] += starts x (number in the
#     prologue).  (RETURN_GENERATOR runs when the generator is created, the
#     'call' event when it first runs; the corpus starts every generator.)
#  E5 (3.11+) specialised instructions that execute their successor in the
#     same dispatch (SKIPS): the successor is not dispatched, tracing
#     (which runs base instructions) dispatches it.  Exact relation, with
#     Y's counts of the specialised forms:
#         B[op] + sum(Y[S] for each S whose skipped successor is op) == expected[op]
#     (3.12-3.14's list.append form skips the POP_TOP after it, 3.15's does
#     not: SKIPPING_FORMS)
#  E6 (3.11+) specialisable instructions: when the adaptive counter fires,
#     the interpreter specialises and dispatches the same instruction again
#     (DISPATCH_SAME_OPARG), and on 3.11 a failed guard ("miss") dispatches
#     the base instruction again: two handler entries for one execution.
#     How often that happens is not observable (tracing does not
#     specialise), so for these families only a bound is asserted:
#         expected[X] <= B'[X] <= expected[X] + Y[unspecialised forms of X]
#     (B' = B after E5; every extra dispatch pairs with a distinct dispatch
#     of X itself, or X_ADAPTIVE on 3.11, that attempted or received it).
#  E7 (3.12+) a generator driven by FOR_ITER_GEN returns into the loop's
#     END_FOR (3.13: END_FOR and the POP_TOP after it; 3.14+: END_FOR,
#     whose POP_ITER runs in both); traced, FOR_ITER is not specialised and
#     jumps past them: 0 <= B'[END_FOR] - expected <= Y[FOR_ITER_GEN]
#     (3.13: the same excess for END_FOR and POP_TOP).  GENERATOR_RETURN_OPS.
#  E8 (3.14+) a POP_JUMP_IF_* that does not jump skips the NOT_TAKEN after
#     it untraced (its instrumented form, which tracing runs, falls
#     through to it): expected[NOT_TAKEN] -= the oracle's NOT_TAKEN events
#     preceded by such a jump.  SKIPPED_UNTRACED.
# Everything else: B'[op] (Y[op] up to 3.10) == expected[op], exactly.
# Run-wide, T1 (3.14+): totals are compared less the /proc/self/maps parse
# of glibc's pthread_getattr_np at start-up, whose cost follows the Valgrind
# tool's own mappings (as tests/python does).  TOTAL_EXCLUSIONS.
# =============================================================================

SHARED_HANDLERS = {
    # ceval.c stacks TARGET(SETUP_LOOP) TARGET(SETUP_EXCEPT) TARGET(SETUP_FINALLY)
    # on one handler (3.7), and the three BUILD_*_UNPACK (3.7, 3.8); the DWARF
    # does not always have all of the stacked labels.
    (3, 7): [("SETUP_LOOP", "SETUP_EXCEPT", "SETUP_FINALLY"),
             ("BUILD_LIST_UNPACK", "BUILD_TUPLE_UNPACK", "BUILD_TUPLE_UNPACK_WITH_CALL")],
    (3, 8): [("BUILD_LIST_UNPACK", "BUILD_TUPLE_UNPACK", "BUILD_TUPLE_UNPACK_WITH_CALL")],
}

# E7: the instructions a generator driven by FOR_ITER_GEN returns into, per
# version: the loop's END_FOR, and on 3.13 the POP_TOP after it (3.14 put
# POP_ITER there, which the exhausted FOR_ITER of a traced run jumps to as
# well).
GENERATOR_RETURN_OPS = {
    (3, 12): ("END_FOR",),
    (3, 13): ("END_FOR", "POP_TOP"),
    (3, 14): ("END_FOR",),
    (3, 15): ("END_FOR",),
}

# E8: {version: {instruction: the instructions before it that jump over it
# when untraced}}.  3.14's _POP_JUMP_IF_FALSE/_TRUE end in
# JUMPBY(flag ? oparg : next_instr->op.code == NOT_TAKEN): falling through
# skips the NOT_TAKEN (in Debian's 3.14.10, the handler compares the next
# code unit with 28, NOT_TAKEN); the instrumented forms tracing runs fall
# through onto it, and it reports an 'opcode' event.
POP_JUMPS = ("POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE",
             "POP_JUMP_IF_NOT_NONE")
SKIPPED_UNTRACED = {
    (3, 14): {"NOT_TAKEN": POP_JUMPS},
    (3, 15): {"NOT_TAKEN": POP_JUMPS},
}

# T1: {version: [(object regex, function regex)]} whose calls (inclusive)
# are left out of both totals: from 3.14 the interpreter finds its main
# thread's stack at start-up with glibc's pthread_getattr_np, which parses
# /proc/self/maps, where the tool's own mappings are listed: Callgrind's
# and pyprofgrind's clients parse different files (2,107 Ir apart for
# Debian sid's 3.14, 53 for 3.15).
TOTAL_EXCLUSIONS = {
    (3, 14): pychecks.MAPS_READERS,
    (3, 15): pychecks.MAPS_READERS,
}

# E5 from 3.12: {version: {specialised form: the base instructions after it
# that it executes itself}}.  list.append's specialised CALL also runs the
# POP_TOP after it (3.14's CALL_LIST_APPEND advances next_instr by 10
# bytes, the CALL, its three cache entries and the POP_TOP, before it
# dispatches); 3.15's advances by 8 and the POP_TOP is dispatched.
SKIPPING_FORMS = {
    (3, 12): {"CALL_NO_KW_LIST_APPEND": ("POP_TOP",)},
    (3, 13): {"CALL_LIST_APPEND": ("POP_TOP",)},
    (3, 14): {"CALL_LIST_APPEND": ("POP_TOP",)},
    (3, 15): {},
}

# 3.11 PRECALL specialisations that do not skip CALL (all other PRECALL_*
# make the call themselves and jump over CALL: SKIP_CALL()).
PRECALL_KEEPS_CALL = {"PRECALL_ADAPTIVE", "PRECALL_BOUND_METHOD", "PRECALL_PYFUNC"}
FOLLOWER = "<the next instruction>"


def skipped_by(name, version):
    """Base instructions a specialised instruction NAME executes after its own
    (E5), in order; FOLLOWER = whatever instruction follows it in the code."""
    if version < (3, 11):
        return []
    if "__" in name:                  # LOAD_FAST__LOAD_FAST ... (3.11, 3.12)
        return [name.split("__", 1)[1]]
    if version == (3, 11):
        if re.match(r"^COMPARE_OP_(FLOAT|INT|STR)_JUMP$", name):
            return [FOLLOWER]         # the POP_JUMP_* after the COMPARE_OP
        if name == "PRECALL_NO_KW_LIST_APPEND":
            return ["CALL", "POP_TOP"]
        if name.startswith("PRECALL_") and name not in PRECALL_KEEPS_CALL:
            return ["CALL"]
    return list(SKIPPING_FORMS.get(version, {}).get(name, ()))


def adaptive_families(opcode_base, version):
    """{base X: unspecialised forms of X} for the specialisable families (E6)."""
    members = defaultdict(set)
    for name, base in opcode_base.items():
        members[base].add(name)
    families = {}
    for base, names in members.items():
        if base == "RESUME":
            continue
        if version == (3, 11):
            adaptive = [n for n in names if n.endswith("_ADAPTIVE")]
            if adaptive:
                families[base] = set([base] + adaptive)
        elif any("__" not in n for n in names):
            families[base] = {base}
    return families


# -- profiles ------------------------------------------------------------------

def is_opcode_object(ob):
    return ob.endswith(" opcodes]")


def opcode_kind(callee, caller):
    """An opcode node is one per calling function and instruction, named
    "OPNAME in FUNCTION" under the function's file: (ob, "", OPNAME), the
    instruction kind the checks count, and a problem if the name or file
    do not say whose it is."""
    name, sep, function = callee[2].partition(" in ")
    function = cgcompare.split_python_name(function)[1]   # "MODULE:QUALNAME"
    problem = None
    if not sep or " " in name:
        problem = "opcode node %r is not named 'INSTRUCTION in FUNCTION'" % callee[2]
    elif caller is not None and (function != caller[2] or callee[1] != caller[1]):
        problem = ("opcode node %r (file %s) called from %r (file %s): not its function's"
                   % (callee[2], callee[1], caller[2], caller[1]))
    return (callee[0], "", name), problem


class DetailParser(cgcompare.ProfileParser):
    """cgcompare's parser, also keeping nodes as (ob, fl, fn), self costs per
    node and arcs per (caller, callee, call line); Python functions by
    their qualified names (the module before them checked and dropped);
    opcode nodes as instruction kinds (opcode_kind), with their own
    inclusive costs summed over all callers in node_incoming."""

    strip_python_modules = True

    def __init__(self, path):
        super().__init__(path)
        self.node_self = defaultdict(int)
        self.arcs = defaultdict(lambda: [0, 0])    # (caller, callee, line) -> [calls, incl]
        self.node_incoming = defaultdict(int)      # opcode node as written -> inclusive
        self.naming_problems = []

    def node(self):
        node = (self.current["ob"], self.current["fl"],
                cgcompare.base_function_name(self.current["fn"]))
        if is_opcode_object(node[0]):
            node = opcode_kind(node, None)[0]
        return node

    def add_self_cost(self, costs):
        super().add_self_cost(costs)
        if any(costs) and self.ir_column is not None:
            self.node_self[self.node()] += costs[self.ir_column]

    def parse_call_cost_line(self, line):
        target = dict(self.pending_call_target)
        caller = self.node()
        calls = self.pending_call_count[0]
        super().parse_call_cost_line(line)          # validates the line
        position, cost_tokens = self.parse_subpositions(line.split(), "call cost line")
        costs = self.parse_costs(cost_tokens, "call cost line")
        kinds = self.subposition_kinds
        line_number = position[kinds.index("line")] if "line" in kinds else 0
        callee = (target.get("cob", self.current["ob"]),
                  target.get("cfi", self.current["fl"]),
                  cgcompare.base_function_name(target["cfn"]))
        inclusive = costs[self.ir_column] if self.ir_column is not None else 0
        if is_opcode_object(callee[0]):
            self.node_incoming[callee] += inclusive
            callee, problem = opcode_kind(callee, caller)
            if problem and len(self.naming_problems) < 10:
                self.naming_problems.append(problem)
        arc = self.arcs[(caller, callee, line_number)]
        arc[0] += calls
        arc[1] += inclusive


class Profile(object):
    def __init__(self, path):
        parser = DetailParser(path)
        summary = parser.parse()
        self.path = path
        self.total_ir = summary.total_ir
        self.self_ir_sum = summary.self_ir_sum
        self.node_self = parser.node_self
        self.arcs = parser.arcs
        self.node_incoming = parser.node_incoming
        self.naming_problems = parser.naming_problems

    def opcode_calls(self, py_object, opcode_object, filename):
        """{function: {opcode: calls}} of the arcs from FILENAME's Python nodes
        to opcode nodes; and the same per line: {(function, line, opcode): calls}."""
        totals = defaultdict(lambda: defaultdict(int))
        by_line = defaultdict(int)
        for (caller, callee, line), (calls, _) in self.arcs.items():
            if caller[0] == py_object and caller[1] == filename and callee[0] == opcode_object:
                totals[caller[2]][callee[2]] += calls
                by_line[(caller[2], line, callee[2])] += calls
        return totals, by_line


def load_profile(path):
    try:
        return Profile(path), None
    except cgcompare.FormatError as exc:
        return None, "malformed profile: %s" % exc


# -- the oracle ------------------------------------------------------------------

class OracleData(object):
    """opcode_oracle.py's JSON, keyed by (file, node) -- several code objects
    with one node name (methods named alike before 3.11, comprehensions of
    one function on 3.11) are one profile node, so their counts are summed
    -- except for what is per code object (starts x prologue, E4)."""

    def __init__(self, path):
        with open(path) as stream:
            data = json.load(stream)
        self.version = tuple(data["version"][:2])
        self.traced = defaultdict(lambda: defaultdict(int))     # (file, node) -> {op: n}
        self.follow = defaultdict(lambda: defaultdict(int))     # (file, node, line, op) -> {next: n}
        self.after_ext = defaultdict(lambda: defaultdict(int))  # (file, node) -> {op: n}
        self.preceded = defaultdict(lambda: defaultdict(int))   # (file, node) -> {(op, prev): n}
        self.calls = defaultdict(int)                           # (file, node) -> n
        self.starts = defaultdict(int)                          # (file, node, first) -> n
        self.prologue = defaultdict(lambda: defaultdict(int))   # (file, node, first) -> {op: n}
        self.firstlines = defaultdict(set)                      # (file, node) -> {first}
        self.static = defaultdict(set)                          # (file, node, line) -> {op}
        self.ext_chain = 0
        for f, node, first, line, op, n in data["static"]:
            self.static[(f, node, line)].add(op)
        self.dynamic = defaultdict(set)                         # (file, node, line) -> {op}
        for f, node, first, line, op, n in data["opcodes"]:
            self.dynamic[(f, node, line)].add(op)
            self.firstlines[(f, node)].add(first)
            self.traced[(f, node)][op] += n
        for f, node, first, line, op, following, n in data["follow"]:
            self.follow[(f, node, line, op)][following] += n
        for f, node, first, op, previous, n in data.get("preceded", []):
            self.preceded[(f, node)][(op, previous)] += n
        for f, node, first, op, n in data["after_extended_arg"]:
            self.after_ext[(f, node)][op] += n
        for f, node, first, n in data["calls"]:
            self.firstlines[(f, node)].add(first)
            self.calls[(f, node)] += n
        for f, node, first, n in data["starts"]:
            self.starts[(f, node, first)] += n
        for f, node, first, op, n in data["prologue"]:
            self.prologue[(f, node, first)][op] += n
        for row in data["extended_arg_chain"]:
            self.ext_chain += row[-1]

    def functions(self, filename):
        return set(node for f, node in self.firstlines if f == filename)


# -- checks (pure functions: problems as lists of strings) -------------------------

def arc_inclusive(profile):
    """{(caller, callee): inclusive Ir} of PROFILE's arcs, lines summed."""
    result = defaultdict(int)
    for (caller, callee, _), (_, inclusive) in profile.arcs.items():
        result[(caller, callee)] += inclusive
    return result


def check_total(reference, candidate, tag, exclusions=()):
    """CANDIDATE's total against its self costs and against Callgrind's
    (REFERENCE), less the calls into EXCLUSIONS on each side (T1).
    Returns (problems, note or None)."""
    problems, note = [], None
    if candidate.total_ir != candidate.self_ir_sum:
        problems.append("%s: totals: %d != sum of self costs %d"
                        % (tag, candidate.total_ir, candidate.self_ir_sum))
    a_out = pychecks.calls_into_ir(arc_inclusive(reference), exclusions) if exclusions else 0
    b_out = pychecks.calls_into_ir(arc_inclusive(candidate), exclusions) if exclusions else 0
    if candidate.total_ir - b_out != reference.total_ir - a_out:
        problems.append("%s: total %d, Callgrind %d (diff %+d)%s"
                        % (tag, candidate.total_ir - b_out, reference.total_ir - a_out,
                           candidate.total_ir - b_out - reference.total_ir + a_out,
                           " less the T1 calls (%d and %d Ir)" % (b_out, a_out)
                           if exclusions else ""))
    if a_out != b_out:
        note = ("T1 %s: totals compared less the /proc/self/maps parse at start-up: "
                "Callgrind %d Ir, pyprofgrind %d (%+d)" % (tag, a_out, b_out, b_out - a_out))
    return problems, note


def check_costs(profile, py_object, filename, tag):
    """inclusive(F) == self(F) + inclusive cost of the arcs out of F, for
    every Python node F of FILENAME (self-arcs left out on both sides)."""
    problems = []
    incoming = defaultdict(int)
    outgoing = defaultdict(int)
    nodes = set()
    for (caller, callee, _), (_, inclusive) in profile.arcs.items():
        if caller == callee:
            continue
        if callee[0] == py_object and callee[1] == filename:
            incoming[callee] += inclusive
            nodes.add(callee)
        if caller[0] == py_object and caller[1] == filename:
            outgoing[caller] += inclusive
            nodes.add(caller)
    for node in profile.node_self:
        if node[0] == py_object and node[1] == filename:
            nodes.add(node)
    if not nodes:
        problems.append("%s: no Python node of %s" % (tag, filename))
    for node in sorted(nodes):
        own = profile.node_self.get(node, 0)
        if incoming[node] != own + outgoing[node]:
            problems.append("%s: %s: inclusive (arcs in) %d != self %d + arcs out %d (diff %+d)"
                            % (tag, node[2], incoming[node], own, outgoing[node],
                               incoming[node] - own - outgoing[node]))
    return problems


def check_bound(profile, opcode_object, tag):
    """No opcode node (its arcs from all callers added up), no arc into
    one, and no caller's sum of them over its lines, has an inclusive cost
    above the profile's total; and every opcode node is its caller's."""
    problems = ["%s: %s" % (tag, text) for text in profile.naming_problems]
    for node, inclusive in sorted(profile.node_incoming.items()):
        if inclusive > profile.total_ir:
            problems.append("%s: opcode node %s (%s): inclusive, all callers, %d > total %d "
                            "(%.2fx)" % (tag, node[2], node[1], inclusive, profile.total_ir,
                                         float(inclusive) / max(profile.total_ir, 1)))
    per_caller = defaultdict(int)
    for (caller, callee, line), (_, inclusive) in sorted(profile.arcs.items()):
        if callee[0] != opcode_object:
            continue
        per_caller[(caller, callee)] += inclusive
        if inclusive > profile.total_ir:
            problems.append("%s: %s -> %s at line %d: inclusive %d > total %d (%.2fx)"
                            % (tag, caller[2], callee[2], line, inclusive, profile.total_ir,
                               float(inclusive) / max(profile.total_ir, 1)))
    for (caller, callee), inclusive in sorted(per_caller.items()):
        if inclusive > profile.total_ir:
            problems.append("%s: %s -> %s, all lines: inclusive %d > total %d (%.2fx)"
                            % (tag, caller[2], callee[2], inclusive, profile.total_ir,
                               float(inclusive) / max(profile.total_ir, 1)))
    return problems


def check_fold(yes, base, opcode_base, opcode_object):
    """Y's arcs to opcode nodes folded by opcode_base == B's, per caller node,
    line and base instruction: calls and inclusive cost."""
    problems = []
    for profile in (yes, base):
        folded = defaultdict(lambda: [0, 0])
        for (caller, callee, line), (calls, inclusive) in profile.arcs.items():
            if callee[0] == opcode_object:
                name = opcode_base.get(callee[2], callee[2]) if profile is yes else callee[2]
                entry = folded[(caller, line, name)]
                entry[0] += calls
                entry[1] += inclusive
        if profile is yes:
            folded_yes = folded
        else:
            folded_base = folded
    for key in sorted(set(folded_yes) | set(folded_base)):
        y, b = folded_yes.get(key, [0, 0]), folded_base.get(key, [0, 0])
        if y != b:
            caller, line, name = key
            problems.append("%s line %d -> %s: yes folded: %d calls %d Ir, base: %d calls %d Ir"
                            % (caller[2], line, name, y[0], y[1], b[0], b[1]))
    for name in sorted(set(k[2] for k in folded_base)):
        if name in opcode_base:
            problems.append("base profile has a specialised opcode node %s" % name)
    return problems


def layout_groups(labels, version):
    """{opcode: group name} for instructions sharing a handler (E2)."""
    groups = [set(g) for g in SHARED_HANDLERS.get(version, [])]
    by_address = defaultdict(set)
    for name, address in labels:
        if name.startswith("TARGET_"):
            by_address[address].add(name[len("TARGET_"):])
    groups.extend(names for names in by_address.values() if len(names) > 1)
    merged = []
    for group in groups:                      # union of overlapping groups
        for other in [m for m in merged if m & group]:
            merged.remove(other)
            group = group | other
        merged.append(group)
    result = {}
    for group in merged:
        for name in group:
            result[name] = "|".join(sorted(group))
    return result


def expected_counts(oracle, filename, function, version):
    """{opcode: executions} the oracle implies for FUNCTION (E1, E3, E4), and
    {opcode: [text]} saying which rules contributed."""
    key = (filename, function)
    expected = defaultdict(int, oracle.traced.get(key, {}))
    notes = defaultdict(list)
    if version <= (3, 11):                                          # E1
        for op, n in oracle.after_ext.get(key, {}).items():
            expected[op] += n
            notes[op].append("E1 +%d after EXTENDED_ARG" % n)
    if version >= (3, 11):
        calls = oracle.calls.get(key, 0)                            # E3
        if calls:
            expected["RESUME"] += calls
            notes["RESUME"].append("E3 = %d 'call' events" % calls)
        for first in sorted(oracle.firstlines.get(key, ())):        # E4
            starts = oracle.starts.get((filename, function, first), 0)
            for op, n in oracle.prologue.get((filename, function, first), {}).items():
                if starts:
                    expected[op] += n * starts
                    notes[op].append("E4 +%d prologue x %d starts" % (n, starts))
    for op, jumps in SKIPPED_UNTRACED.get(version, {}).items():          # E8
        n = sum(oracle.preceded.get(key, {}).get((op, jump), 0) for jump in jumps)
        if n:
            expected[op] -= n
            notes[op].append("E8 -%d skipped untraced by the jump before it" % n)
    return expected, notes


def skipped_counts(y_lines, oracle, filename, function, version, opcode_base):
    """E5: ({op: dispatches of specialised forms that executed op as their
    successor}, [(candidate ops, n)] where the successor is one of several
    instructions (a line with two COMPARE_OPs followed by different jumps),
    [problems])."""
    skipped, pools, problems = defaultdict(int), [], []
    for (fn, line, name), n in sorted(y_lines.items()):
        if fn != function or n == 0:
            continue
        for op in skipped_by(name, version):
            if op == FOLLOWER:
                base_name = opcode_base.get(name, name)
                following = oracle.follow.get((filename, function, line, base_name), {})
                if not following:
                    # Charged to a line without such an instruction (the
                    # lines check reports that): any of the function's.
                    following = set()
                    for (f, fn, _, op), nexts in oracle.follow.items():
                        if f == filename and fn == function and op == base_name:
                            following.update(nexts)
                candidates = sorted(following)
                if not candidates:
                    problems.append("%s line %d: %s x%d, but the oracle saw no %s in the "
                                    "function" % (function, line, name, n, base_name))
                elif len(candidates) == 1:
                    skipped[candidates[0]] += n
                else:
                    pools.append((frozenset(candidates), n))
            else:
                skipped[op] += n
    return skipped, pools, problems


def check_opcodes(oracle, yes, base, filename, version, opcode_base, labels, tag):
    """The opcode check of one script (see RULES).  Returns (problems, notes)."""
    problems, report = [], []
    py_object = "[Python %d.%d]" % version
    opcode_object = "[Python %d.%d opcodes]" % version
    y_counts, y_lines = yes.opcode_calls(py_object, opcode_object, filename)
    if version >= (3, 11):
        b_counts, _ = base.opcode_calls(py_object, opcode_object, filename)
    else:
        b_counts = y_counts
    groups = layout_groups(labels, version) if version < (3, 11) else {}
    families = adaptive_families(opcode_base, version) if version >= (3, 11) else {}
    e6 = [0, 0]
    functions = sorted(oracle.functions(filename) | set(b_counts) | set(y_counts))
    for function in functions:
        expected, notes = expected_counts(oracle, filename, function, version)
        profile = defaultdict(int, b_counts.get(function, {}))
        skipped, pools, texts = skipped_counts(y_lines, oracle, filename, function, version,
                                               opcode_base)
        problems.extend("%s: %s" % (tag, text) for text in texts)
        for op, n in skipped.items():
            profile[op] += n
            notes[op].append("E5 profile +%d skipped by specialised forms" % n)
        pooled = defaultdict(int)
        for candidates, n in pools:
            for op in candidates:
                pooled[op] += n
        if groups:                                                   # E2
            grouped = [defaultdict(int), defaultdict(int), defaultdict(list)]
            for op, n in profile.items():
                grouped[0][groups.get(op, op)] += n
            for op, n in expected.items():
                grouped[1][groups.get(op, op)] += n
            for op, text in notes.items():
                grouped[2][groups.get(op, op)].extend(text)
            for name in set(grouped[0]) | set(grouped[1]):
                if "|" in name:
                    grouped[2][name].append("E2 one handler")
            profile, expected, notes = grouped
        # E7: each return into END_FOR ends one run of a for loop of FUNCTION
        # over a generator; every such run began with a GET_ITER in it or,
        # for a generator expression's loop over its argument, with a frame
        # start.
        loops = expected.get("GET_ITER", 0) + sum(
            oracle.starts.get((filename, function, first), 0)
            for first in oracle.firstlines.get((filename, function), ()))
        gen_returns = min(y_counts.get(function, {}).get("FOR_ITER_GEN", 0), loops)
        e7_ops = GENERATOR_RETURN_OPS.get(version, ())
        excess_e7 = {}
        for op in sorted(set(profile) | set(expected) | set(pooled)):
            p, e = profile.get(op, 0), expected.get(op, 0)
            why = "; ".join(notes.get(op, []))
            row = ("%s: %s: %s: profile %d, oracle %d%s"
                   % (tag, function, op, p, e, " (%s)" % why if why else ""))
            if op in families:                                       # E6
                allowance = sum(y_counts.get(function, {}).get(n, 0) for n in families[op])
                if not e <= p <= e + allowance:
                    problems.append(row + ": E6 bound %d..%d (dispatches of %s: %d) violated"
                                    % (e, e + allowance, "/".join(sorted(families[op])),
                                       allowance))
                elif p != e:
                    e6[0] += 1
                    e6[1] += p - e
                    if VERBOSE:
                        report.append("E6 %s: %s %s: +%d re-dispatches (bound %d)"
                                      % (tag, function, op, p - e, allowance))
                continue
            if op in pooled:                                         # E5, ambiguous
                if not p <= e <= p + pooled[op]:
                    problems.append(row + ": E5 bound: %d..%d with %d skipped by "
                                    "specialised forms at lines where it is one of several "
                                    "successors" % (p, p + pooled[op], pooled[op]))
                continue
            if op in e7_ops and p != e:                              # E7
                if not e <= p <= e + gen_returns:
                    problems.append(row + ": E7 bound %d..%d (FOR_ITER_GEN dispatches, "
                                    "loops started: at most %d) violated"
                                    % (e, e + gen_returns, gen_returns))
                else:
                    excess_e7[op] = p - e
                    report.append("E7 %s: %s %s: +%d generator return(s) into the loop"
                                  % (tag, function, op, p - e))
                continue
            if p != e:
                problems.append(row)
        # E5, ambiguous: each set of candidate successors adds up exactly.
        for candidates in set(c for c, _ in pools):
            members = set(candidates)
            for other, _ in pools:           # candidates sharing a pool are one set
                if other & members:
                    members |= other
            n = sum(k for c, k in pools if c & members)
            p = sum(profile.get(op, 0) for op in members)
            e = sum(expected.get(op, 0) for op in members)
            if p + n != e:
                problems.append("%s: %s: %s: profile %d + %d skipped (successor not known) "
                                "!= oracle %d" % (tag, function, "+".join(sorted(members)),
                                                  p, n, e))
        if len(e7_ops) == 2 and excess_e7 and \
                excess_e7.get("END_FOR", 0) != excess_e7.get("POP_TOP", 0):
            problems.append("%s: %s: E7: END_FOR excess %d != POP_TOP excess %d"
                            % (tag, function, excess_e7.get("END_FOR", 0),
                               excess_e7.get("POP_TOP", 0)))
    if e6[0]:
        report.append("E6 %s: %d (function, instruction) pairs with re-dispatches, +%d in "
                      "all, each within its bound%s" % (tag, e6[0], e6[1], "" if VERBOSE
                                                        else " (VERBOSE=1 lists them)"))
    if oracle.ext_chain:
        problems.append("corpus: %s: %d chained EXTENDED_ARGs (E1 assumes single ones)"
                        % (tag, oracle.ext_chain))
    return problems, report


def check_lines(oracle, profile, filename, version, opcode_base, labels, tag):
    """Every arc from a Python function of FILENAME to an opcode node is at a
    line where an instruction of that (base) kind is: by the code's line
    table, or by the traced run's f_lineno (up to 3.9 an instruction reached
    by a forward jump into the middle of a line's code keeps the line of
    the jump: no 'line' event), or one without a line (3.10+; the tool
    charges it to the line it follows)."""
    problems = []
    py_object = "[Python %d.%d]" % version
    opcode_object = "[Python %d.%d opcodes]" % version
    groups = layout_groups(labels, version) if version < (3, 11) else {}
    _, by_line = profile.opcode_calls(py_object, opcode_object, filename)
    for (function, line, name), n in sorted(by_line.items()):
        op = opcode_base.get(name, name)
        op = groups.get(op, op)
        allowed = set(groups.get(o, o) for o in
                      oracle.static.get((filename, function, line), set())
                      | oracle.static.get((filename, function, 0), set())
                      | oracle.dynamic.get((filename, function, line), set()))
        if n and op not in allowed:
            where = sorted(set(l for table in (oracle.static, oracle.dynamic)
                               for (f, fn, l), ops in table.items()
                               if f == filename and fn == function and l
                               and op in set(groups.get(o, o) for o in ops)))
            problems.append("%s: %s line %d -> %s (%d calls): no %s at that line in the "
                            "function's code (%s)"
                            % (tag, function, line, name, n, op,
                               "it has at lines %s" % ", ".join(map(str, where)) if where
                               else "none in the function" if (filename, function) in
                               oracle.firstlines else "the oracle knows no such function"))
    return problems


def annotate_problems(status, stdout, stderr, tag):
    problems = []
    banners = [line for line in stdout.splitlines()
               if line.startswith("@@ WARNING") or line.startswith("WARNING")]
    if stderr.strip() or banners:
        problems.append("%s: callgrind_annotate complains: %s"
                        % (tag, (stderr.strip() + " " + " ".join(banners))[:600]))
    if status != 0:
        problems.append("%s: callgrind_annotate exits %d" % (tag, status))
    return problems


# -- interpreters --------------------------------------------------------------------

def find_interpreter(label):
    """(binary, libpython-or-binary, (major, minor), description) or (None, why)."""
    if label in SYSTEM_INTERPRETERS:
        binary = SYSTEM_INTERPRETERS[label]
        where = re.search(r"python(\d+\.\d+)$", binary).group(1)
        if not pyenvs.is_elf(binary):
            return None, "%s is absent" % binary
        prefix = None
    else:
        where = "%s.%s" % (label[2], label[3:])
        found = pyenvs.newest_build(where)
        if found is None:
            return None, "no pyenv build of Python %s" % where
        binary, prefix = found
    try:
        result = subprocess.run(FIXED_ENVIRONMENT + [binary] + INTERPRETER_OPTIONS + [
            "-c", "import sys; sys.stdout.write('%d.%d.%d' % sys.version_info[:3])"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
            timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, "%s does not run: %s" % (binary, exc)
    if result.returncode != 0 or not result.stdout.startswith(where + "."):
        return None, "%s does not run as Python %s" % (binary, where)
    libraries = sorted(glob.glob(os.path.join(prefix, "lib", "libpython%s*.so.1.0" % where))) \
        if prefix else []
    library = libraries[0] if libraries else binary
    version = tuple(int(x) for x in where.split("."))
    return (binary, library, version, "%s (Python %s)" % (binary, result.stdout)), None


# -- one interpreter -------------------------------------------------------------------

class Failure(Exception):
    pass


class Settings(object):
    def __init__(self):
        top = os.environ.get("top_builddir") or os.path.join(HERE, "..", "..")
        self.top_builddir = os.path.abspath(top)
        self.builddir = os.path.abspath(os.environ.get("builddir") or os.path.join(
            self.top_builddir, "tests", "opcodes", "build"))
        vg = os.environ.get("VG_IN_PLACE") or os.path.join(self.top_builddir, "vg-in-place")
        self.vg_in_place = os.path.abspath(vg) if "/" in vg else (shutil.which(vg) or vg)
        self.callgrind_annotate = os.environ.get("CALLGRIND_ANNOTATE") or "callgrind_annotate"
        self.inspect = os.environ.get("INSPECT") or os.path.join(
            self.top_builddir, "inspect", "pyprofgrind-inspect")
        self.keep_work = os.environ.get("KEEP_WORK", "0") == "1"
        self.recheck = False


class InterpreterRun(object):
    def __init__(self, settings, label, found, scripts):
        self.settings = settings
        self.label = label
        self.binary, self.library, self.version, self.description = found
        self.scripts = scripts
        self.work = os.path.join(settings.builddir, label)
        self.src = os.path.join(self.work, "src")
        self.commands = []
        self.problems = defaultdict(list)      # script -> [(check, text)]
        self.checks_run = defaultdict(list)
        self.reports = []

    def log(self, text):
        print("%s: %s" % (self.label, text))
        sys.stdout.flush()

    def run(self, name, command):
        """Run COMMAND in src/; stdout/stderr/status to the work directory."""
        self.commands.append("cd %s && %s" % (shlex.quote(self.src),
                                              " ".join(shlex.quote(c) for c in command)))
        paths = [os.path.join(self.work, name + suffix) for suffix in
                 (".stdout", ".stderr", ".status")]
        if not (self.settings.recheck and not name.startswith("annotate")):
            with open(paths[0], "wb") as out, open(paths[1], "wb") as err:
                try:
                    status = subprocess.run(command, cwd=self.src, stdout=out, stderr=err,
                                            timeout=PROCESS_TIMEOUT).returncode
                except subprocess.TimeoutExpired:
                    raise Failure("%s: timed out after %d s" % (name, PROCESS_TIMEOUT))
            with open(paths[2], "w") as stream:
                stream.write("%d\n" % status)
        try:
            with open(paths[2]) as stream:
                status = int(stream.read())
            with open(paths[0], "rb") as stream:
                stdout = stream.read()
            with open(paths[1], "rb") as stream:
                stderr = stream.read()
        except (OSError, ValueError):
            raise Failure("--recheck: no %s.* from an earlier run in %s" % (name, self.work))
        return status, stdout, stderr

    def tail(self, data, lines=12):
        text = data.decode("utf-8", "replace").splitlines()
        return "\n".join("    " + line for line in text[-lines:])

    def script_paths(self):
        return [os.path.join(self.src, s + ".py") for s in self.scripts]

    def python_command(self, oracle_out=None):
        driver = [os.path.join(self.src, "opcode_oracle.py")]
        if oracle_out:
            driver += ["--out", oracle_out]
        return [self.binary] + INTERPRETER_OPTIONS + driver + ["--"] + self.script_paths()

    def prepare(self):
        if self.settings.recheck:
            if not os.path.isdir(self.src):
                raise Failure("--recheck: no %s (run with KEEP_WORK=1 first)" % self.src)
            return
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.src)
        shutil.copyfile(ORACLE, os.path.join(self.src, "opcode_oracle.py"))
        for script in self.scripts:
            shutil.copyfile(os.path.join(CORPUS_DIR, script + ".py"),
                            os.path.join(self.src, script + ".py"))

    def add(self, check, problems, script=RUN_WIDE):
        self.checks_run[script].append(check)
        for text in problems:
            self.problems[script].append((check, text))

    def execute(self):
        self.prepare()
        status, native, stderr = self.run("native", FIXED_ENVIRONMENT + self.python_command())
        if status != 0:
            raise Failure("the scripts fail natively (exit %d):\n%s" % (status, self.tail(stderr)))
        oracle_path = os.path.join(self.work, "oracle.json")
        status, stdout, stderr = self.run("oracle", FIXED_ENVIRONMENT
                                          + self.python_command(oracle_path))
        if status != 0 or stdout != native:
            raise Failure("opcode_oracle.py exits %d or prints other output than the native "
                          "run:\n%s" % (status, self.tail(stderr)))
        oracle = OracleData(oracle_path)

        layout = self.layout()
        sides = [("A", "callgrind", []), ("Y", "pyprofgrind", ["--python-opcodes=yes"])]
        if self.version >= (3, 11):
            sides.append(("B", "pyprofgrind", ["--python-opcodes=base"]))
        profiles, output_problems = {}, []
        for side, tool, options in sides:
            out_file = os.path.join(self.work, side + ".out")
            status, stdout, stderr = self.run(side, FIXED_ENVIRONMENT + [
                self.settings.vg_in_place, "--tool=" + tool] + options
                + ["--%s-out-file=%s" % (tool, out_file)] + self.python_command())
            if status != 0:
                raise Failure("%s run (%s %s) exits %d:\n%s"
                              % (side, tool, " ".join(options), status, self.tail(stderr)))
            if stdout != native:
                output_problems.append("%s run prints other output than the native run" % side)
            profile, error = load_profile(out_file)
            if profile is None:
                raise Failure("%s: %s" % (side, error))
            profiles[side] = profile
        self.add("output", output_problems)
        self.check_all(oracle, profiles, layout)

    def layout(self):
        """(opcode_base {name: base}, labels [(name, address)]) from the inspector."""
        status, stdout, stderr = self.run("layout", [self.settings.inspect, "--layout",
                                                     self.library])
        if status != 0:
            raise Failure("%s --layout %s exits %d:\n%s" % (
                self.settings.inspect, self.library, status, self.tail(stderr)))
        opcode_base, labels = {}, []
        for line in stdout.decode("utf-8", "replace").splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[0] == "opcode_base":
                opcode_base[fields[1]] = fields[2]
            elif len(fields) == 3 and fields[0] == "label":
                labels.append((fields[1], fields[2]))
        if self.version >= (3, 11) and not opcode_base:
            raise Failure("the inspector gives no opcode_base lines for %s" % self.library)
        return opcode_base, labels

    def check_all(self, oracle, profiles, layout):
        opcode_base, labels = layout
        py_object = "[Python %d.%d]" % self.version
        opcode_object = "[Python %d.%d opcodes]" % self.version
        pyprofgrind_sides = [s for s in ("Y", "B") if s in profiles]
        problems = []
        for side in pyprofgrind_sides:
            found, note = check_total(profiles["A"], profiles[side], side,
                                      TOTAL_EXCLUSIONS.get(self.version, ()))
            problems += found
            if note:
                self.reports.append(note)
        self.add("total", problems)
        for side in pyprofgrind_sides:
            path = profiles[side].path
            base = os.path.basename(path)
            status, stdout, stderr = self.run("annotate." + base, [
                self.settings.callgrind_annotate, "--auto=yes", "--threshold=100", path])
            self.add("annotate", annotate_problems(status, stdout.decode("utf-8", "replace"),
                                                   stderr.decode("utf-8", "replace"), side))
        if "B" in profiles:
            self.add("fold", check_fold(profiles["Y"], profiles["B"], opcode_base,
                                        opcode_object))
        problems = []
        for side in pyprofgrind_sides:
            problems += check_bound(profiles[side], opcode_object, side)
        self.add("bound", problems)
        for script, path in zip(self.scripts, self.script_paths()):
            tag = "%s/%s" % (self.label, script)
            if script in NO_COSTS_CHECK:
                self.reports.append("%s: costs not checked: %s" % (script, NO_COSTS_CHECK[script]))
            else:
                problems = []
                for side in pyprofgrind_sides:
                    problems += check_costs(profiles[side], py_object, path, side)
                self.add("costs", problems, script)
            problems, report = check_opcodes(oracle, profiles["Y"], profiles.get("B"), path,
                                             self.version, opcode_base, labels, tag)
            self.add("opcodes", problems, script)
            main_profile = profiles["B"] if "B" in profiles else profiles["Y"]
            self.add("lines", check_lines(oracle, main_profile, path, self.version,
                                          opcode_base, labels, tag), script)
            self.reports.extend(report)


def cpu_seconds():
    times = os.times()
    return times[0] + times[1] + times[2] + times[3]


def run_interpreter(label, scripts, recheck=False):
    settings = Settings()
    settings.recheck = recheck
    found, why = find_interpreter(label)
    if found is None:
        print("%s: SKIP: %s" % (label, why))
        return 77
    for tool, what in ((settings.callgrind_annotate, "callgrind_annotate"),
                       (settings.inspect, "inspector (pyprofgrind-inspect; set INSPECT)")):
        if shutil.which(tool) is None:
            print("%s: SKIP: no %s: %s" % (label, what, tool))
            return 77
    if not os.access(settings.vg_in_place, os.X_OK):
        print("%s: FAIL: Valgrind launcher %s not found (set VG_IN_PLACE)"
              % (label, settings.vg_in_place))
        return 1
    start = cpu_seconds()
    run = InterpreterRun(settings, label, found, scripts)
    run.log("exercising %s; libpython %s" % (run.description, run.library))
    setup_failure = None
    try:
        run.execute()
    except Failure as exc:
        setup_failure = str(exc)
    for line in run.reports:
        run.log("note: " + line)
    failed = 0
    if setup_failure:
        failed = 1
        run.log("FAIL (setup): " + setup_failure)
    for script in [RUN_WIDE] + scripts:
        problems = run.problems.get(script, [])
        checks = ", ".join(sorted(set(run.checks_run.get(script, [])))) or "none"
        if problems:
            failed += 1
            run.log("%s: FAIL (%d problem(s); checks run: %s)" % (script, len(problems), checks))
            for check, text in problems:
                print("  [%s] %s" % (check, text))
        elif not setup_failure:
            run.log("%s: PASS (%s)" % (script, checks))
    if failed:
        print("  --- to reproduce (work files are in %s):" % run.work)
        for command in run.commands:
            print("  " + command)
    elif not settings.keep_work and not recheck:
        shutil.rmtree(run.work, ignore_errors=True)
    run.log("%s; %.1f s CPU" % ("FAIL" if failed else "PASS", cpu_seconds() - start))
    return 1 if failed else 0


def require_any(labels):
    found = []
    for label in LABELS:
        result, why = find_interpreter(label)
        print("%-6s %s" % (label, result[3] if result else "absent: " + why))
        if result and label in labels:
            found.append(label)
    if not found:
        print("FAIL: none of %s is available: the opcode tests of the specialising "
              "interpreters exercise nothing" % ", ".join(labels))
        return 1
    print("PASS: available: %s" % ", ".join(found))
    return 0


def corpus_scripts():
    return sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(CORPUS_DIR, "*.py")))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interp", choices=LABELS)
    parser.add_argument("--require-any", metavar="LABELS")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--recheck", action="store_true")
    parser.add_argument("scripts", nargs="*", metavar="SCRIPT")
    options = parser.parse_args(argv)
    if options.list:
        require_any(LABELS)
        return 0
    if options.require_any:
        return require_any(options.require_any.split(","))
    if not options.interp:
        parser.error("need --interp LABEL, --require-any or --list")
    known = corpus_scripts()
    for script in options.scripts:
        if script not in known:
            parser.error("unknown script %s (known: %s)" % (script, " ".join(known)))
    return run_interpreter(options.interp, options.scripts or known, options.recheck)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
