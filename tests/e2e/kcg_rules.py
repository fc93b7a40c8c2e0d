#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check a callgrind-format profile against KCacheGrind's loader rules.

KCacheGrind (libcore/cachegrindloader.cpp, TraceData::function) reads a
profile like this:
  * "fl=" sets the current file and the file of the functions that follow;
    "fi="/"fe=" set the current file only; "fn=" goes back to the "fl="
    file.
  * A function is created once per key (name, short name of its file,
    short name of its object), the file and object being the ones in force
    where it is first named: for "fn=" the "fl=" file and "ob=", for
    "cfn=" the "cfi=" file (else the current file, which may be an "fi="
    file) and the "cob=" object (else "ob=").
  * A compressed id "(N) name" is bound to the function created where it
    is defined; every later "fn=(N)" or "cfn=(N)" means that function,
    whatever file and object are in force there.

So a writer that reuses an id for another function (names compressed by
string: every "<module>", Python and C "main") makes KCacheGrind merge
them, and a writer that writes one function under several "fl=" files
makes several functions of it.  The rules checked, each a message:
  id:    every use of a function id means the function it was defined for
         (the key the file and object in force would give is the bound one);
  once:  no two function ids (or definitions) stand for one key, and no id
         is defined twice;
  file:  a C function (name and object) written under several "fl=" files
         is called ("cfn=") under each of them: a piece that nobody calls is
         code inlined from a header written as a function of its own (it
         should be under "fi="/"fe="), while static functions of one name
         in two files are two functions, each called (Python functions of
         one name in two files are two functions too).
  cfi:   a "cfn=" under an "fi="/"fe=" file other than the "fl=" one has
         its "cfi=": KCacheGrind takes the file in force for the callee's,
         speedscope (1.25) the "fl=" one, so only "cfi=" makes them agree.
The "file" rule holds for this project's writer, not for Callgrind's,
which names a function by the file of each block's first instruction.

Usage: kcg_rules.py [--rules id,once,file] FILE...   (exit 1 on a
violation, 2 on unreadable input).  cgcompare.py applies it to every
pyprofgrind profile it parses.
"""

import os
import re
import sys

ALL_RULES = ("id", "once", "file", "cfi")
COMPRESSED_RE = re.compile(r"^\((\d+)\)\s*(.*)$")


def short_name(name):
    """KCacheGrind's short name of a file or object: its last component."""
    return os.path.basename(name) if name else ""


class KcgRules:
    """Fed one line at a time (feed), then asked for its problems."""

    def __init__(self, path, rules=ALL_RULES, limit=20):
        self.path = path
        self.rules = set(rules)
        self.limit = limit
        self.problems = []
        self.n_problems = 0
        self.reset_part()

    def reset_part(self):
        # Ids are per part (KCacheGrind clears its tables at each part).
        self.tables = {"ob": {}, "fl": {}, "fn": {}}
        self.fn_key_of_id = {}        # id -> key bound at its definition
        self.ids_of_key = {}          # key -> first id (or None) naming it
        self.files_of_function = {}   # (name, object) -> {fl= file: first fn= line}
        self.callees = set()          # keys named by cfn=
        self.object = ""
        self.function_file = ""
        self.file = ""
        self.called_object = None
        self.called_file = None

    def problem(self, line_number, rule, message):
        self.n_problems += 1
        if len(self.problems) < self.limit:
            self.problems.append("%s:%d: %s: %s" % (self.path, line_number, rule, message))

    def resolve(self, space, value, line_number):
        """(name, id or None, defines) of a name field."""
        match = COMPRESSED_RE.match(value)
        if not match:
            return value, None, False
        ident, name = int(match.group(1)), match.group(2)
        table = self.tables[space]
        if name:
            return name, ident, True
        if ident not in table:
            self.problem(line_number, "id", "%s id (%d) used before it is defined"
                         % (space, ident))
            return "", ident, False
        return table[ident], ident, False

    def name_field(self, space, value, line_number):
        name, ident, defines = self.resolve(space, value, line_number)
        if defines:
            self.tables[space][ident] = name
        return name

    def function(self, value, file_name, object_name, line_number, where):
        name, ident, defines = self.resolve("fn", value, line_number)
        key = (name, short_name(file_name), short_name(object_name))
        if ident is None:
            self.note_key(key, None, line_number)
            return key
        if defines:
            if ident in self.fn_key_of_id and "once" in self.rules:
                self.problem(line_number, "once", "function id (%d) defined again (was %s, "
                             "now %s)" % (ident, describe(self.fn_key_of_id[ident]),
                                          describe(key)))
            self.tables["fn"][ident] = name
            self.fn_key_of_id[ident] = key
            self.note_key(key, ident, line_number)
            return key
        bound = self.fn_key_of_id.get(ident)
        if bound is None:
            return key
        if bound != key and "id" in self.rules:
            self.problem(line_number, "id", "%s(%d) means %s to KCacheGrind, but is written "
                         "where %s is meant" % (where, ident, describe(bound), describe(key)))
        return bound

    def note_key(self, key, ident, line_number):
        if key not in self.ids_of_key:
            self.ids_of_key[key] = ident
        elif ident is not None and self.ids_of_key[key] != ident and "once" in self.rules:
            self.problem(line_number, "once", "function %s has ids (%s) and (%d)"
                         % (describe(key), self.ids_of_key[key], ident))

    def feed(self, line_number, line):
        if line.startswith("part:") or line.startswith("thread:"):
            self.finish_part()
            self.reset_part()
            return
        if "=" not in line or line[0] in "0123456789+-*#":
            return
        key, value = line.split("=", 1)
        if key == "ob":
            self.object = self.name_field("ob", value, line_number)
        elif key == "fl":
            self.file = self.function_file = self.name_field("fl", value, line_number)
        elif key in ("fi", "fe"):
            self.file = self.name_field("fl", value, line_number)
        elif key == "fn":
            self.file = self.function_file
            fn_key = self.function(value, self.function_file, self.object, line_number, "fn=")
            # (A function id used for another function is the "id" rule's.)
            if fn_key[1] == short_name(self.function_file):
                files = self.files_of_function.setdefault((fn_key[0], fn_key[2]), {})
                files.setdefault(self.function_file, line_number)
            self.called_object = self.called_file = None
        elif key == "cob":
            self.called_object = self.name_field("ob", value, line_number)
        elif key in ("cfi", "cfl"):
            self.called_file = self.name_field("fl", value, line_number)
        elif key == "cfn":
            if (self.called_file is None and self.file != self.function_file
                    and "cfi" in self.rules):
                self.problem(line_number, "cfi", "cfn= without cfi= under fi=/fe= %s (fl= %s): "
                             "KCacheGrind and speedscope take different files for the callee"
                             % (self.file, self.function_file))
            callee = self.function(value,
                          self.called_file if self.called_file is not None else self.file,
                          self.called_object if self.called_object is not None
                          else self.object, line_number, "cfn=")
            self.callees.add(callee)
        elif key == "calls":
            # KCacheGrind forgets cob=/cfi= after the call's cost line.
            self.called_object = self.called_file = None
        elif key in ("jfi", "jfn"):
            pass

    def finish_part(self):
        """The rules that need a whole part read ("file")."""
        if "file" not in self.rules:
            return
        for (name, object_short), files in sorted(self.files_of_function.items()):
            if len(files) < 2 or object_short.startswith("[Python"):
                continue
            uncalled = sorted((line, f) for f, line in files.items()
                              if (name, short_name(f), object_short) not in self.callees)
            if uncalled:
                line, f = uncalled[0]
                self.problem(line, "file", "function '%s' of %s is written under several fl= "
                             "files (%s), and nothing calls it under %s: inlined code written "
                             "as a function of its own" % (name, object_short or "???",
                                                           ", ".join(sorted(files)), f))

    def finish(self):
        """Call at the end of the file."""
        self.finish_part()

    def report(self):
        lines = list(self.problems)
        if self.n_problems > len(self.problems):
            lines.append("%s: ... and %d more" % (self.path, self.n_problems - len(self.problems)))
        return lines


def describe(key):
    name, file_name, object_name = key
    return "'%s' (file %s, object %s)" % (name, file_name or "???", object_name or "???")


def check_file(path, rules=ALL_RULES):
    """The problems of PATH, as lines of text (none: it keeps the rules)."""
    checker = KcgRules(path, rules)
    with open(path, "r", encoding="utf-8", errors="surrogateescape") as stream:
        for line_number, line in enumerate(stream, 1):
            checker.feed(line_number, line.rstrip("\r\n"))
    checker.finish()
    return checker.report()


def main(argv):
    rules = ALL_RULES
    if argv[:1] == ["--rules"] and len(argv) > 1:
        rules = tuple(r for r in argv[1].split(",") if r)
        unknown = set(rules) - set(ALL_RULES)
        if unknown:
            print("kcg_rules: unknown rule(s) %s" % ", ".join(sorted(unknown)), file=sys.stderr)
            return 2
        argv = argv[2:]
    if not argv:
        print("usage: kcg_rules.py [--rules id,once,file] FILE...", file=sys.stderr)
        return 2
    status = 0
    for path in argv:
        try:
            problems = check_file(path, rules)
        except OSError as exc:
            print("kcg_rules: %s: %s" % (path, exc.strerror), file=sys.stderr)
            return 2
        for line in problems:
            print(line)
        if problems:
            status = 1
        else:
            print("%s: OK" % path)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
