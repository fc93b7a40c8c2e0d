# SPDX-License-Identifier: GPL-2.0-or-later
"""pychecks.py: the checks of pyprofgrind's Python profiles (library).

Reads callgrind-format files with tests/e2e/cgcompare.py's parser (extended
here to keep source files, lines and call sites), reads pyoracle.py's JSON,
and implements each check of pytest_runner.py as a function that returns a
list of problem descriptions (empty = pass).  No process is started here, so
test_pychecks.py can feed corrupted profiles to every check.

A node is (ob, fl, fn): object, file and function name as written in the
profile (fn with Callgrind's context suffixes "'2" folded away).  A Python
node has ob "[Python X.Y]" (or "[Python]", the tool's node for code it
could not read).  A Python node named "NAME#N" is the N-th code object of
NAME with the same first line but other lines (exec'd or generated code):
where the oracle counts by NAME, source_name() folds the suffix.
"""

import itertools
import json
import os
import re
import sys
from collections import defaultdict

_HERE = os.path.dirname(os.path.abspath(__file__))
for _candidate in (os.path.join(_HERE, "..", "e2e"),):
    if os.path.isfile(os.path.join(_candidate, "cgcompare.py")) and _candidate not in sys.path:
        sys.path.insert(0, _candidate)
sys.dont_write_bytecode = True
import cgcompare  # noqa: E402  (tests/e2e/cgcompare.py)

PYTHON_OBJECT_RE = re.compile(r"^\[Python(?: \d+\.\d+)?\]$")
TWIN_SUFFIX_RE = re.compile(r"#\d+$")
PSEUDO_CORPUS_PREFIX = "<corpus"   # file names the corpus gives compile()d code


def is_python_object(ob):
    return bool(ob) and PYTHON_OBJECT_RE.match(ob) is not None


def source_name(name):
    """NAME without the tool's "#N" that tells apart code objects of one
    name and first line ("f#2" -> "f")."""
    return TWIN_SUFFIX_RE.sub("", name)


def describe(node):
    ob, fl, fn = node
    return "%s [%s %s]" % (fn, ob, fl)


class ProfileDetail(object):
    """What the checks need from one profile, beyond cgcompare's Profile."""

    def __init__(self, path):
        self.path = path
        self.total_ir = None
        self.self_ir_sum = None
        self.nodes = set()                      # every node named in the file
        self.self_ir = defaultdict(int)         # node -> self Ir
        self.line_ir = defaultdict(lambda: defaultdict(int))  # node -> (file, line) -> Ir
        # (caller, call file, call line, callee) -> [calls, inclusive Ir]
        self.arcs = defaultdict(lambda: [0, 0])

    def incoming_calls(self, node):
        return sum(v[0] for (caller, _, _, callee), v in self.arcs.items() if callee == node)

    def inclusive_ir(self, node):
        """Inclusive Ir of NODE: the inclusive cost of the arcs into it from
        other nodes (a recursive arc adds nothing)."""
        return sum(v[1] for (caller, _, _, callee), v in self.arcs.items()
                   if callee == node and caller != node)

    def arc_inclusive(self):
        """{(caller, callee): inclusive Ir}, summed over call sites."""
        result = defaultdict(int)
        for (caller, _, _, callee), (_, inclusive) in self.arcs.items():
            result[(caller, callee)] += inclusive
        return result

    def python_nodes(self):
        return sorted(n for n in self.nodes if is_python_object(n[0]))

    def has_cost_or_calls(self, node):
        return self.self_ir.get(node, 0) > 0 or self.incoming_calls(node) > 0

    def functions_with_self_cost(self):
        return sorted(n for n, ir in self.self_ir.items() if ir > 0)


class DetailParser(cgcompare.ProfileParser):
    """cgcompare's parser, also recording files, lines and call sites;
    Python functions by their qualified names (the module the profile puts
    before them checked and dropped)."""

    strip_python_modules = True

    def __init__(self, path):
        cgcompare.ProfileParser.__init__(self, path, require_ir=True)
        self.detail = ProfileDetail(path)
        self.inline_file = None      # fi=/fe= file, until the next fl=/fn=
        self.current_node = None     # node of the current ob/fl/fn
        self.current_is_python = False

    def source_file(self):
        return self.inline_file if self.inline_file is not None else (self.current["fl"] or "???")

    def line_of(self, position):
        kinds = self.subposition_kinds
        return position[kinds.index("line")] if "line" in kinds else 0

    def parse_name_spec(self, line):
        cgcompare.ProfileParser.parse_name_spec(self, line)
        key, value = cgcompare.NAME_SPEC_RE.match(line).groups()
        if key in ("fi", "fe"):
            self.inline_file = self.resolve_name("file", value)
        elif key in ("ob", "fl", "fn"):
            if key != "ob":
                self.inline_file = None
            if self.current["fn"] is not None:
                self.current_node = (self.current["ob"] or "???", self.current["fl"] or "???",
                                     cgcompare.base_function_name(self.current["fn"]))
                self.current_is_python = is_python_object(self.current["ob"])
                if key == "fn":
                    self.detail.nodes.add(self.current_node)

    def add_self_cost(self, costs):
        cgcompare.ProfileParser.add_self_cost(self, costs)
        if self.ir_column is None or not costs[self.ir_column]:
            return
        ir = costs[self.ir_column]
        self.detail.self_ir[self.current_node] += ir
        if self.current_is_python:    # lines are only looked at for Python nodes
            self.detail.line_ir[self.current_node][
                (self.source_file(), self.line_of(self.last_position))] += ir

    def parse_call_cost_line(self, line):
        # cgcompare's version plus the call site and the full callee node,
        # parsing the line once
        call_count, calls_line_number = self.pending_call_count
        self.pending_call_count = None
        tokens = line.split()
        if (not tokens or line.startswith("#") or "=" in tokens[0]
                or cgcompare.HEADER_RE.match(line)):
            raise self.error("calls= line %d is not followed by a cost line"
                             % calls_line_number)
        position, cost_tokens = self.parse_subpositions(tokens, "call cost line")
        costs = self.parse_costs(cost_tokens, "call cost line")
        target = self.pending_call_target
        self.pending_call_target = {}
        inclusive = costs[self.ir_column] if self.ir_column is not None else 0
        callee_object = target.get("cob", self.current["ob"])
        caller_key = cgcompare.function_key(self.current["ob"], self.current["fn"])
        callee_key = cgcompare.function_key(callee_object, target["cfn"])
        self.profile.arc_calls[(caller_key, callee_key)] += call_count
        self.profile.arc_inclusive_ir[(caller_key, callee_key)] += inclusive
        callee = (callee_object or "???", target.get("cfi", self.source_file()),
                  cgcompare.base_function_name(target["cfn"]))
        self.detail.nodes.add(callee)
        arc = self.detail.arcs[(self.current_node, self.source_file(),
                                self.line_of(position), callee)]
        arc[0] += call_count
        arc[1] += inclusive

    def parse(self):
        profile = cgcompare.ProfileParser.parse(self)
        self.detail.total_ir = profile.total_ir
        self.detail.self_ir_sum = profile.self_ir_sum
        return profile


def load_detail(path):
    """ProfileDetail of PATH; raises cgcompare.FormatError if malformed."""
    parser = DetailParser(path)
    parser.parse()
    return parser.detail


# -- oracle -------------------------------------------------------------------

def normalize_file(name):
    return name if name.startswith("<") else os.path.normpath(name)


class OracleData(object):
    def __init__(self, path):
        with open(path) as stream:
            data = json.load(stream)
        self.path = path
        self.role = data["role"]
        self.version = tuple(data["version"])
        self.calls = defaultdict(int)           # (file, node name) -> count
        self.first_lines = defaultdict(set)     # (file, node name) -> {co_firstlineno}
        for filename, name, first_line, count in data["calls"]:
            key = (normalize_file(filename), name)
            self.calls[key] += count
            self.first_lines[key].add(first_line)
        self.lines = defaultdict(set)           # (file, node name) -> executed lines
        for filename, name, _, lines in data["lines"]:
            self.lines[(normalize_file(filename), name)].update(lines)
        # (file, node name) -> {(first line, identity): [calls, executed lines]}
        self.codes = defaultdict(dict)
        for filename, name, first_line, identity, count, lines in data.get("codes", []):
            self.codes[(normalize_file(filename), name)][(first_line, identity)] = \
                [count, set(lines)]


class CorpusFiles(object):
    """Which profile files are compared: the given real files, and the
    pseudo files "<corpus...>" that corpus scripts compile generated code as."""

    def __init__(self, paths):
        self.paths = set(normalize_file(os.path.abspath(p)) for p in paths)

    def __contains__(self, name):
        if name.startswith(PSEUDO_CORPUS_PREFIX):
            return True
        return not name.startswith("<") and normalize_file(name) in self.paths


# -- checks (each returns a list of problems; empty = pass) ------------------

# tests/python/corpus/features.py sends itself SIGUSR1 with os.kill()
# eight times; where Valgrind delivers such a signal varies now and then
# between runs (on a loaded machine), also for Callgrind alone: two
# Callgrind runs of it on 3.12.1 in one directory gave 296,711,307 and
# 296,711,201 Ir, while three others in a row gave the same total.  Its
# totals are compared within this many Ir (observed: 106 and 3).
SIGNAL_TIMING_SLACK_IR = 256


def check_total(reference, candidate, what="total", slack=0):
    """Totals equal Callgrind's (within SLACK Ir) and the candidate's self
    costs add up to its own total, exactly."""
    problems = []
    if candidate.total_ir != candidate.self_ir_sum:
        problems.append("%s: totals: %d != sum of self costs %d"
                        % (candidate.path, candidate.total_ir, candidate.self_ir_sum))
    if abs(reference.total_ir - candidate.total_ir) > slack:
        problems.append("%s: Callgrind %d, %s %d (diff %+d)"
                        % (what, reference.total_ir, os.path.basename(candidate.path),
                           candidate.total_ir, candidate.total_ir - reference.total_ir))
    return problems


# Thread synchronization primitives: with several threads, how often their
# slow paths run (a mutex found locked, a semaphore already posted, a
# parking-lot wait that spins or parks) depends on how the threads' system
# calls interleave in real time, also under Callgrind: Callgrind's own
# totals of tests/python/corpus/threads.py differ between runs by a few
# hundred Ir, all of it inside these functions (checked over repeated runs
# on 3.11 and 3.13: without the inclusive cost of the calls into them, the
# total is the same each time).
# (object basename regex, function regex)
TIMING_DEPENDENT = [
    (re.compile(r"^libc\.so\.6$"),
     re.compile(r"futex|lll_lock|mutex|cond|sem_|cancel|cleanup_p(op|ush)")),
    # 3.13's own locks (PyMutex, PyEvent, the parking lot, its semaphores)
    (re.compile(r"^(libpython3\.\d+\.so|python3)"),
     re.compile(r"^(_?PyEvent_|_?PyMutex_|_PySemaphore_|_PyParkingLot_|"
                r"PyThread_acquire_lock_timed$)")),
]

# From 3.12 the parent of os.fork() counts its threads by parsing
# /proc/self/stat (warn_about_fork_with_threads, in 3.14's debug build its
# own get_number_of_os_threads: fread, then strtok_r over
# the first 20 fields): the digits of its pid, of its and its waited-for
# children's page faults and CPU times change how many instructions that
# takes, 19 Ir a digit on 3.13.  That differs between two Callgrind runs
# of the same program too (a parent forking 8 times: 44145223, 44145185,
# 44145166 Ir), never in the rest of the parent's total, which is compared
# exactly (with pyprofgrind, with and without Python attribution).
PROC_STAT_READERS = [
    (re.compile(r"^(libpython3\.\d+\.so|python3)"),
     re.compile(r"^(warn_about_fork_with_threads|get_number_of_os_threads)$")),
]


# From 3.14 the interpreter finds its main thread's stack at start-up
# (_Py_InitializeRecursionLimits) with glibc's pthread_getattr_np, which
# reads /proc/self/maps line by line with sscanf up to the stack's line.
# Those lines include the Valgrind tool's own mappings, so a Callgrind and
# a pyprofgrind client parse different files: 62 and 61 lines, 2,102 Ir,
# for Debian sid's python3.14 under Valgrind 3.27.1.  Totals are compared
# less that call on both sides (MapsAdjustedReference).
MAPS_READERS = [
    (re.compile(r"^libc\.so\.6$"), re.compile(r"^pthread_getattr_np(@|$)")),
]


def matches_any(table, object_name, function_name):
    base = os.path.basename(object_name or "")
    return any(o.search(base) and f.search(function_name) for o, f in table)


def is_timing_dependent(object_name, function_name):
    return matches_any(TIMING_DEPENDENT, object_name, function_name)


def calls_into_ir(arc_inclusive, table):
    """Inclusive Ir of the calls into the functions of TABLE from functions
    not in it.  ARC_INCLUSIVE: {(caller, callee): Ir}, caller and callee
    tuples whose first element is the object and last the function name
    (cgcompare's Profile.arc_inclusive_ir; ProfileDetail.arc_inclusive())."""
    return sum(ir for (caller, callee), ir in arc_inclusive.items()
               if matches_any(table, callee[0], callee[-1])
               and not matches_any(table, caller[0], caller[-1]))


def check_total_without_proc_stat(reference, candidate):
    """check_total for a forking parent: the totals less the inclusive cost
    of the calls into PROC_STAT_READERS must be equal, exactly.  REFERENCE
    is a cgcompare Profile, CANDIDATE a ProfileDetail.  Returns (problems,
    note)."""
    problems = []
    if candidate.total_ir != candidate.self_ir_sum:
        problems.append("%s: totals: %d != sum of self costs %d"
                        % (candidate.path, candidate.total_ir, candidate.self_ir_sum))
    a_stat = calls_into_ir(reference.arc_inclusive_ir, PROC_STAT_READERS)
    b_stat = calls_into_ir(candidate.arc_inclusive(), PROC_STAT_READERS)
    a_rest, b_rest = reference.total_ir - a_stat, candidate.total_ir - b_stat
    if a_rest != b_rest:
        problems.append("total less the /proc/self/stat parse: Callgrind %d, %s %d (diff %+d)"
                        % (a_rest, os.path.basename(candidate.path), b_rest, b_rest - a_rest))
    note = ("total compared exactly without 3.12+'s thread count after fork, whose cost "
            "depends on the digits in /proc/self/stat: Callgrind %d = %d + %d, pyprofgrind "
            "%d = %d + %d" % (reference.total_ir, a_rest, a_stat, candidate.total_ir,
                              b_rest, b_stat))
    return problems, note


class MapsAdjustedReference(object):
    """Callgrind's profile (a ReferenceSummary) with its total moved by what
    parsing /proc/self/maps (MAPS_READERS) cost the pyprofgrind client more,
    so that totals of the same tool's runs compare with it exactly."""

    def __init__(self, reference, delta):
        self._reference = reference
        self.delta = delta
        self.total_ir = reference.total_ir + delta

    def __getattr__(self, name):
        return getattr(self._reference, name)

    def full(self):
        return MapsAdjustedReference(self._reference.full(), self.delta)


def maps_adjusted_reference(reference, candidate):
    """(REFERENCE or its MapsAdjustedReference, note or None) for comparing
    totals with CANDIDATE (a ProfileDetail with C nodes, the mixed view)."""
    if not any("pthread_getattr_np" in name for name in reference.function_names):
        return reference, None
    a_maps = calls_into_ir(reference.full().arc_inclusive_ir, MAPS_READERS)
    b_maps = calls_into_ir(candidate.arc_inclusive(), MAPS_READERS)
    if a_maps == b_maps:
        return reference, None
    note = ("totals compared less the /proc/self/maps parse of pthread_getattr_np "
            "(3.14+ start-up), whose cost follows the tool's own mappings: Callgrind %d Ir, "
            "pyprofgrind %d (%+d)" % (a_maps, b_maps, b_maps - a_maps))
    return MapsAdjustedReference(reference, b_maps - a_maps), note


def timing_dependent_ir(arc_inclusive):
    """Inclusive Ir of the calls into synchronization functions from other
    functions.  ARC_INCLUSIVE: {(caller, callee): Ir}, caller and callee
    tuples whose first element is the object and last the function name
    (cgcompare's Profile.arc_inclusive_ir; ProfileDetail.arc_inclusive())."""
    return calls_into_ir(arc_inclusive, TIMING_DEPENDENT)


THREAD_TIMING_SLACK_IR = 256


def check_total_without_timing(reference, candidate):
    """check_total for a multi-threaded program: the totals less the
    inclusive cost of the calls into thread synchronization functions must
    be equal.  REFERENCE is a cgcompare Profile, CANDIDATE a ProfileDetail.
    Returns (problems, note)."""
    problems = []
    if candidate.total_ir != candidate.self_ir_sum:
        problems.append("%s: totals: %d != sum of self costs %d"
                        % (candidate.path, candidate.total_ir, candidate.self_ir_sum))
    a_sync = timing_dependent_ir(reference.arc_inclusive_ir)
    b_sync = timing_dependent_ir(candidate.arc_inclusive())
    a_rest, b_rest = reference.total_ir - a_sync, candidate.total_ir - b_sync
    # Which thread reaches a blocking system call first still moves a few
    # instructions between runs (seen: +1 Ir on 3.6 and 3.7 under a loaded
    # machine, +50 on 3.7 with a load average of 10 on two cores; three
    # Callgrind runs of threads.py on Debian sid's 3.15 (glibc 2.41): 172 Ir
    # apart, and pyprofgrind -131 and -161 on 3.15 and 3.14), so up to 256
    # are allowed; anything more is a failure.
    if abs(a_rest - b_rest) > THREAD_TIMING_SLACK_IR:
        problems.append("total less thread synchronization: Callgrind %d, %s %d (diff %+d)"
                        % (a_rest, os.path.basename(candidate.path), b_rest, b_rest - a_rest))
    note = ("total compared without the calls into thread synchronization functions "
            "(their cost depends on timing): Callgrind %d = %d + %d, pyprofgrind "
            "%d = %d + %d" % (reference.total_ir, a_rest, a_sync, candidate.total_ir,
                              b_rest, b_sync))
    return problems, note


def corpus_python_nodes(profile, corpus):
    return [n for n in profile.python_nodes() if n[1] in corpus]


def check_python_objects(profile, corpus, expected_ob):
    """Every Python node of a corpus file is in object EXPECTED_OB
    ("[Python X.Y]"), and every Python node has an absolute fl= (or a
    pseudo file name like "<frozen ...>")."""
    problems = []
    for node in corpus_python_nodes(profile, corpus):
        if node[0] != expected_ob:
            problems.append("%s: object %s, expected %s" % (describe(node), node[0], expected_ob))
    for node in profile.python_nodes():     # any file: a relative one is in no corpus
        if not node[1].startswith("<") and not os.path.isabs(node[1]):
            problems.append("%s: fl= is not an absolute path" % describe(node))
    return problems


def check_call_counts(profile, oracle, corpus):
    """Call count of every corpus Python node (sum of its incoming arcs) ==
    the oracle's 'call' events, and the two know the same functions."""
    expected = dict((k, v) for k, v in oracle.calls.items() if k[0] in corpus)
    got = defaultdict(int)
    present = set()
    for node in corpus_python_nodes(profile, corpus):
        key = (normalize_file(node[1]), source_name(node[2]))
        present.add(key)
        got[key] += profile.incoming_calls(node)
    problems = []
    for key in sorted(set(expected) | present):
        filename, name = key
        want = expected.get(key, 0)
        if key not in present:
            problems.append("%s in %s: expected %d calls, got: not in the profile"
                            % (name, filename, want))
        elif got[key] != want:
            problems.append("%s in %s: expected %d calls, got %d%s"
                            % (name, filename, want, got[key],
                               "" if key in expected else " (the oracle saw no call)"))
    return problems


def allowed_lines(oracle, node):
    """The lines NODE's self cost and calls may be on: those the oracle saw
    execute in frames of its code objects, and their first lines."""
    key = (normalize_file(node[1]), source_name(node[2]))
    return oracle.lines.get(key, set()) | oracle.first_lines.get(key, set())


def check_cost_lines(profile, oracle, corpus):
    """Every line of a corpus Python node with self cost is a line the oracle
    saw execute in that function, or the node's first line (co_firstlineno)."""
    problems = []
    for node in corpus_python_nodes(profile, corpus):
        allowed = allowed_lines(oracle, node)
        for (filename, line), ir in sorted(profile.line_ir.get(node, {}).items()):
            if ir <= 0:
                continue
            if normalize_file(filename) != normalize_file(node[1]):
                problems.append("%s: %d Ir charged to %s:%d, another file"
                                % (describe(node), ir, filename, line))
            elif line not in allowed:
                first = sorted(oracle.first_lines.get((normalize_file(node[1]),
                                                       source_name(node[2])), []))
                problems.append("%s: %d Ir on line %d, which never executed in it "
                                "(and is not its first line %s)"
                                % (describe(node), ir, line,
                                   "/".join(str(x) for x in first) or "(unknown: the oracle "
                                   "saw no call)"))
    return problems


def check_call_lines(profile, oracle, corpus):
    """Every call arc from a corpus Python node leaves from a line the oracle
    saw execute (or the node's first line)."""
    problems = []
    corpus_nodes = set(corpus_python_nodes(profile, corpus))
    for (caller, filename, line, callee), (calls, _) in sorted(profile.arcs.items()):
        if caller not in corpus_nodes or calls == 0:
            continue
        if normalize_file(filename) != normalize_file(caller[1]):
            problems.append("%s: call to %s from %s:%d, another file"
                            % (describe(caller), callee[2], filename, line))
        elif line not in allowed_lines(oracle, caller):
            problems.append("%s: %d call(s) to %s from line %d, which never executed in it"
                            % (describe(caller), calls, callee[2], line))
    return problems


def check_markers(profile, present=(), absent=()):
    """Python functions (by name) that must have cost or calls, or neither."""
    problems = []
    by_name = defaultdict(list)
    for node in profile.python_nodes():
        by_name[source_name(node[2])].append(node)
    for name in present:
        if not any(profile.has_cost_or_calls(n) for n in by_name.get(name, [])):
            problems.append("%s: Python function %s has no cost and no calls, expected some"
                            % (profile.path, name))
    for name in absent:
        for node in by_name.get(name, []):
            if profile.has_cost_or_calls(node):
                problems.append("%s: Python function %s has self cost %d and %d calls, "
                                "expected none" % (profile.path, name,
                                                   profile.self_ir.get(node, 0),
                                                   profile.incoming_calls(node)))
    return problems


MAX_MATCHED_TWINS = 7


def check_code_identities(profile, oracle, corpus):
    """Code objects of one file, name and first line with other lines are
    other nodes: for every corpus function the oracle saw with one first
    line, the profile has one node per code identity the oracle saw
    (NAME, NAME#2, ...), and they match one to one: each node's call count
    is its code objects' 'call' events, and its cost lines are lines they
    executed (or the first line).  (Functions seen with several first
    lines are left out: their nodes print alike and are summed.)"""
    problems = []
    nodes = defaultdict(list)
    for node in corpus_python_nodes(profile, corpus):
        nodes[(normalize_file(node[1]), source_name(node[2]))].append(node)
    for key, identities in sorted(oracle.codes.items()):
        if key[0] not in corpus or len(set(first for first, _ in identities)) != 1:
            continue
        first = next(iter(identities))[0]
        found = sorted(nodes.get(key, []))
        if len(found) != len(identities):
            problems.append("%s in %s (first line %d): the oracle saw %d code object(s) with "
                            "different lines, the profile has %d node(s)%s"
                            % (key[1], key[0], first, len(identities), len(found),
                               ": " + ", ".join(n[2] for n in found) if found else ""))
            continue
        if len(found) < 2:
            continue
        if len(found) > MAX_MATCHED_TWINS:
            problems.append("%s in %s: %d code identities, more than this check matches"
                            % (key[1], key[0], len(found)))
            continue

        def fits(node, identity):
            calls, lines = identities[identity]
            costed = set(line for (_, line), ir in profile.line_ir.get(node, {}).items() if ir > 0)
            return profile.incoming_calls(node) == calls and costed <= lines | set([first])

        order = sorted(identities)
        if not any(all(fits(node, identity) for node, identity in zip(found, permutation))
                   for permutation in itertools.permutations(order)):
            problems.append("%s in %s (first line %d): nodes %s do not match the %d code "
                            "identities one to one (calls, cost lines): profile %s; oracle %s"
                            % (key[1], key[0], first, ", ".join(n[2] for n in found),
                               len(order),
                               "; ".join("%s %d calls, lines %s" % (
                                   n[2], profile.incoming_calls(n),
                                   sorted(set(l for (_, l), ir in profile.line_ir.get(n, {}).items()
                                              if ir > 0))) for n in found),
                               "; ".join("%d calls, lines %s" % (identities[i][0],
                                                                 sorted(identities[i][1]))
                                         for i in order)))
    return problems


# What the tool says when an interpreter's layout is not read from DWARF,
# or cannot be had at all.
NOT_FROM_DWARF = re.compile(r"no layout from DWARF|_Py_DebugOffsets|profiling it as C only"
                            r"|cannot read this interpreter")


def layout_message_problems(lines, expected=None):
    """The tool's log LINES must say where the layout came from: a line
    matching the regular expression EXPECTED if given; else (DWARF) no line
    that names another source or a failure."""
    if expected is None:
        return ["the layout does not come from DWARF: %s" % line.strip()
                for line in lines if NOT_FROM_DWARF.search(line)]
    if any(re.search(expected, line) for line in lines):
        return []
    return ["no message matching /%s/ about the layout's source; the tool said: %s"
            % (expected, " | ".join(line.strip() for line in lines) or "nothing")]


def check_python_view(reference, profile, slack=0):
    """--python-view=python: same total (within SLACK Ir); every node with
    self cost is a Python node except at most one non-Python root (a node
    nothing calls), and no other non-Python node is named at all."""
    problems = check_total(reference, profile, "total (--python-view=python)", slack)
    others = sorted(n for n in profile.nodes if not is_python_object(n[0]))
    if len(others) > 1:
        problems.append("%s: %d non-Python nodes, at most one (the root) allowed: %s%s"
                        % (profile.path, len(others), ", ".join(describe(n) for n in others[:5]),
                           " ..." if len(others) > 5 else ""))
    for node in others:
        if profile.incoming_calls(node) > 0:
            problems.append("%s: non-Python node %s is called (%d calls): not a root"
                            % (profile.path, describe(node), profile.incoming_calls(node)))
    if not profile.python_nodes():
        problems.append("%s: no Python node at all" % profile.path)
    return problems


def check_python_view_toggle(reference, profile, function):
    """--python-view=python --toggle-collect=FUNCTION (a C function): the
    same total as Callgrind with the same toggle, which must have collected
    something; the cost is on Python nodes only (the view charges C cost
    to the Python lines calling it); no arc costs more than the total (an
    arc whose cost went negative while collection was off is written as a
    huge unsigned number)."""
    what = "total (--python-view=python --toggle-collect=%s)" % function
    problems = check_total(reference, profile, what)
    if not reference.total_ir:
        problems.append("Callgrind --toggle-collect=%s collected nothing: the check "
                        "exercises nothing" % function)
    for node, ir in sorted(profile.self_ir.items()):
        if ir and not is_python_object(node[0]):
            problems.append("%s: %d Ir on non-Python node %s" % (profile.path, ir,
                                                                  describe(node)))
    for (caller, _, line, callee), (_, inclusive) in sorted(profile.arcs.items()):
        if inclusive > profile.total_ir:
            problems.append("%s: %s -> %s at line %d costs %d, more than the total %d"
                            % (profile.path, caller[2], callee[2], line, inclusive,
                               profile.total_ir))
    return problems


def check_no_python(reference, profile):
    """--python=no: same total, and not a single Python node."""
    problems = check_total(reference, profile, "total (--python=no)")
    python = profile.python_nodes()
    if python:
        problems.append("%s: %d Python node(s) with --python=no, e.g. %s"
                        % (profile.path, len(python), describe(python[0])))
    return problems


def is_append(node):
    return "append" in node[2].lower()


APPEND_SEARCH_DEPTH = 4


def append_calls_from(profile, node, source_lines):
    """(to *append*, total) calls into list appending made by NODE: "to
    *append*" counts the arcs from NODE to functions named *append*;
    "total" also the arcs that leave from a line of NODE whose source calls
    .append( (SOURCE_LINES: {line number: text}) to a C function from which
    a function named *append* is called (at most APPEND_SEARCH_DEPTH C
    functions down).  The eval loop does not call list.append's C function
    itself: 2.7 call_function, 3.6-3.9 _PyCFunction_FastCall*, 3.10
    method_vectorcall_O come in between, so the arcs from the Python node
    on a ".append(" line go to those."""
    outgoing = defaultdict(set)
    for (caller, _, _, callee), (calls, _) in profile.arcs.items():
        if calls:
            outgoing[caller].add(callee)
    leads = {}

    def leads_to_append(c_node, depth):
        key = (c_node, depth)
        if key not in leads:
            leads[key] = False      # cycles
            leads[key] = any(is_append(callee) or (
                depth > 1 and not is_python_object(callee[0])
                and leads_to_append(callee, depth - 1)) for callee in outgoing[c_node])
        return leads[key]

    to_append = total = 0
    for (caller, _, line, callee), (calls, _) in profile.arcs.items():
        if caller != node:
            continue
        if is_append(callee):
            to_append += calls
            total += calls
        elif (".append(" in source_lines.get(line, "") and not is_python_object(callee[0])
              and leads_to_append(callee, APPEND_SEARCH_DEPTH - 1)):
            total += calls
    return to_append, total


def append_calls_anywhere(reference):
    """Calls to functions named *append* in a cgcompare Profile."""
    return sum(calls for (caller, callee), calls in reference.arc_calls.items()
               if "append" in callee[1].lower())


def find_python_node(profile, filename, name):
    wanted = normalize_file(filename)
    nodes = [n for n in profile.python_nodes()
             if normalize_file(n[1]) == wanted and n[2] == name]
    return nodes[0] if nodes else None


PRIMES_FUNCTION = {"v1": "primes", "v2": "primes_optimized"}
MIN_V1_APPEND_CALLS = 10000


def check_primes(profiles, primes_file, callgrind_v1=None, source_text=None):
    """profiles: {"v1": ProfileDetail, "v2": ProfileDetail} of examples/primes.py.

    Returns (problems, notes).  For each run, the primes function of the run
    carries > 50% of the inclusive cost of primes.py's <module> (the program
    proper, without interpreter start-up and shutdown); v1's primes() makes
    more calls into list appending than v2's primes_optimized(), at least
    10000 (append_calls_from's "total") -- unless Callgrind's profile of the v1 run (CALLGRIND_V1)
    shows fewer than that many calls to *append* functions in the whole
    program (an interpreter that runs list.append inline), which is said in
    a note."""
    problems, notes = [], []
    append_calls = {}
    if source_text is None:
        with open(primes_file) as stream:
            source_text = stream.read()
    source_lines = dict(enumerate(source_text.splitlines(), 1))
    for run in ("v1", "v2"):
        profile = profiles[run]
        name = PRIMES_FUNCTION[run]
        node = find_python_node(profile, primes_file, name)
        module = find_python_node(profile, primes_file, "<module>")
        if node is None or module is None:
            problems.append("%s: %s: no Python node %s%s in %s" % (
                run, profile.path, name if node is None else "",
                " <module>" if module is None else "", primes_file))
            continue
        inclusive, module_inclusive = profile.inclusive_ir(node), profile.inclusive_ir(module)
        share = float(inclusive) / module_inclusive if module_inclusive else 0.0
        notes.append("%s: %s inclusive %d Ir = %.1f%% of <module> (%d Ir), %.1f%% of the "
                     "total %d Ir" % (run, name, inclusive, 100 * share, module_inclusive,
                                      100.0 * inclusive / max(profile.total_ir, 1),
                                      profile.total_ir))
        if not share > 0.5:
            problems.append("%s: %s carries %.1f%% (%d of %d Ir) of primes.py's inclusive "
                            "cost, expected > 50%%" % (run, name, 100 * share, inclusive,
                                                       module_inclusive))
        append_calls[run] = append_calls_from(profile, node, source_lines)
    if len(append_calls) == 2:
        (v1_direct, v1), (v2_direct, v2) = append_calls["v1"], append_calls["v2"]
        notes.append("calls into list appending (to *append* functions, or from a "
                     "'.append(' line): from primes (v1) %d (%d to *append*), from "
                     "primes_optimized (v2) %d (%d to *append*)" % (v1, v1_direct, v2, v2_direct))
        everywhere = append_calls_anywhere(callgrind_v1.full()) if callgrind_v1 else None
        if v1 == v2 == 0 and everywhere is not None and everywhere < MIN_V1_APPEND_CALLS:
            # A stripped interpreter appends inline and grows lists in
            # functions without a symbol, which are charged to the Python
            # line that runs them: no call has a name to see.
            notes.append("UNSUPPORTED: v1 > v2 calls into list appending not applicable: "
                         "neither makes a call to a named *append* function, and Callgrind "
                         "counts only %d in the whole v1 run (list.append runs inline, "
                         "without symbols for its helpers)" % everywhere)
        elif not v1 > v2:
            problems.append("primes (v1) makes %d calls into list appending, "
                            "primes_optimized (v2) %d: expected v1 > v2" % (v1, v2))
        if v1 < MIN_V1_APPEND_CALLS:
            if everywhere is not None and everywhere < MIN_V1_APPEND_CALLS:
                notes.append("UNSUPPORTED: v1 >= %d calls to *append* not applicable: "
                             "Callgrind counts only %d calls to functions named *append* "
                             "in the whole v1 run (this interpreter appends to lists "
                             "inline: the specialized CALL instruction for list.append)"
                             % (MIN_V1_APPEND_CALLS, everywhere))
            else:
                problems.append("primes (v1) makes %d calls into list appending, expected "
                                ">= %d%s" % (v1, MIN_V1_APPEND_CALLS,
                                             "" if everywhere is None else
                                             " (Callgrind counts %d in the whole run)"
                                             % everywhere))
    return problems, notes


def call_cycles(profile):
    """The strongly connected components of PROFILE's call graph (arcs that
    made calls) with more than one node, as sets: the cycles KCacheGrind's
    cycle detection (on by default) collapses into one "<cycle N>" node,
    whose members then show only their cost from outside the cycle.  A
    node calling itself is no cycle there.  Tarjan's algorithm, iterative
    (the graph of an interpreter's start-up is thousands of nodes deep)."""
    graph = defaultdict(set)
    for (caller, _, _, callee), (calls, _) in profile.arcs.items():
        if calls and caller != callee:
            graph[caller].add(callee)
            graph.setdefault(callee, set())
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(graph[root])))]
        while work:
            node, callees = work[-1]
            for callee in callees:
                if callee not in index:
                    index[callee] = low[callee] = len(index)
                    stack.append(callee)
                    on_stack.add(callee)
                    work.append((callee, iter(sorted(graph[callee]))))
                    break
                if callee in on_stack:
                    low[node] = min(low[node], index[callee])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(component)
    return cycles


PRIMES_SEED_FUNCTIONS = ("<module>", "benchmark", "primes", "primes_optimized")


def check_seed_outside_cycles(profile, primes_file):
    """The mixed view (--python-calls=direct) of primes.py puts none of the
    seed's Python functions into a call cycle: in KCacheGrind they would
    show the cost of the cycle's entry, not their own (44.8% for primes
    where it is 63.5%, when the interpreter's call machinery was nodes)."""
    wanted = normalize_file(primes_file)
    problems = []
    for component in call_cycles(profile):
        seed = sorted(n[2] for n in component if is_python_object(n[0])
                      and normalize_file(n[1]) == wanted and n[2] in PRIMES_SEED_FUNCTIONS)
        if seed:
            others = sorted(describe(n) for n in component if n[2] not in seed)
            problems.append("%s: %s in a call cycle of %d nodes with %s%s"
                            % (profile.path, ", ".join(seed), len(component),
                               ", ".join(others[:6]), " ..." if len(others) > 6 else ""))
    return problems


def check_views_agree(mixed, python_view, primes_file):
    """Each seed function of primes.py has the same inclusive cost and call
    count in the mixed view as in the Python view of the same run: folding
    the call machinery into the arcs moves no cost across Python frames."""
    problems = []
    for name in PRIMES_SEED_FUNCTIONS:
        a, b = find_python_node(mixed, primes_file, name), find_python_node(python_view,
                                                                           primes_file, name)
        if a is None or b is None:
            continue
        for what, get in (("inclusive Ir", lambda p, n: p.inclusive_ir(n)),
                          ("calls", lambda p, n: p.incoming_calls(n))):
            if get(mixed, a) != get(python_view, b):
                problems.append("%s: %s %d in the mixed view (%s), %d in the Python view (%s)"
                                % (name, what, get(mixed, a), mixed.path,
                                   get(python_view, b), python_view.path))
    return problems


class ReferenceSummary(object):
    """The little the checks need from Callgrind's profile (A), read fast:
    its total, and the names of its functions.  The full parse
    (cgcompare.load_profile) is done only when needed (full())."""

    def __init__(self, path):
        self.path = path
        self.total_ir = None
        self.self_ir_sum = None
        names = set()
        totals = 0
        events = None
        with open(path, errors="surrogateescape") as stream:
            for line in stream:
                if line.startswith("events:"):
                    events = line.split()[1:]
                elif line.startswith("totals:") and events and "Ir" in events:
                    values = line.split()[1:]
                    index = events.index("Ir")
                    totals += int(values[index]) if index < len(values) else 0
                    self.total_ir = totals
                elif line.startswith("fn=") or line.startswith("cfn="):
                    name = line.split("=", 1)[1]
                    if name.startswith("("):
                        name = name.split(")", 1)[1]
                    names.add(name.strip())
        if self.total_ir is None:
            raise cgcompare.FormatError(path, 0, "no 'totals:' line with an Ir cost")
        self.self_ir_sum = self.total_ir    # Callgrind is the reference: trusted
        self.function_names = names
        self._full = None

    def full(self):
        if self._full is None:
            self._full = cgcompare.load_profile(self.path)
        return self._full


def reference_role(summary, single_process):
    """process_role() for a ReferenceSummary: only the parent ever calls
    waitpid()."""
    if single_process:
        return "main"
    return "parent" if any("waitpid" in n for n in summary.function_names) else "child"


def process_role(profile, single_process):
    """"main" for a program with one process, else "parent" if a function
    named *waitpid* has self cost (only the parent waits), else "child"."""
    if single_process:
        return "main"
    for node, ir in profile.self_ir.items():
        if ir > 0 and "waitpid" in node[2]:
            return "parent"
    return "child"
