# SPDX-License-Identifier: GPL-2.0-or-later
"""opcode_oracle.py: which bytecode instructions Python programs execute.

    pythonX.Y opcode_oracle.py [--out FILE.json] -- SCRIPT...

runs each SCRIPT in turn as __main__ (a fresh module each, compiled from
its absolute path; sys.path[0] = the directory of this file, which the
runner makes the directory of the scripts too) in the interpreter running
this file.  Without --out that is all: the runner uses this mode for the
native, Callgrind and pyprofgrind runs, so that one interpreter start-up
(the bulk of a Valgrind run) serves all scripts.  With --out (3.7+:
frame.f_trace_opcodes), a sys.settrace hook asks for 'opcode' events in
every frame of the SCRIPTs' files and FILE.json is written:
  "opcodes": [[file, node, firstlineno, line, opname, count], ...]
      'opcode' events per code object and line (0 for instructions without
      a line, as in exception-handler cleanup on 3.10+).  opname is
      dis.opname[co_code[f_lasti]]; on 3.11+ co_code holds the base
      (unspecialised, uninstrumented) instructions, so these are counts of
      base instructions, and tracing itself keeps the interpreter from
      specialising (3.11 deoptimises every traced instruction, 3.12+ runs
      instrumented code);
  "follow": [[file, node, firstlineno, line, opname, next_opname, count], ...]
      the same events split by the instruction that follows in the code
      (the next one that is not a CACHE entry): what a specialised form
      that also executes its successor skips;
  "preceded": [[file, node, firstlineno, opname, previous_opname, count], ...]
      the 'opcode' events per instruction and the instruction before it in
      the code (CACHE entries skipped; "-" for the first): 3.14+'s
      POP_JUMP_IF_* jump over the NOT_TAKEN after them when untraced;
  "after_extended_arg": [[file, node, firstlineno, opname, count], ...]
      for every 'opcode' event at an EXTENDED_ARG, the instruction it
      prefixes (the first one after the EXTENDED_ARG chain).  The
      interpreter dispatches that instruction from EXTENDED_ARG's handler;
      up to 3.11 it reports no 'opcode' event for it;
  "extended_arg_chain": [[file, node, firstlineno, count], ...]
      EXTENDED_ARGs following another EXTENDED_ARG (none in the corpus);
  "calls": [[file, node, firstlineno, count], ...]  'call' events (frame
      starts and resumptions) per code object;
  "starts": [[file, node, firstlineno, count], ...]  the 'call' events at
      the RESUME that ends the prologue (3.11+), i.e. frame starts, not
      resumptions of a generator;
  "prologue": [[file, node, firstlineno, opname, count], ...]  3.11+: the
      instructions before the RESUME that ends it: the first RESUME, or in
      code with a RETURN_GENERATOR the first RESUME after that (3.15's
      generator expressions start with RESUME, LOAD_FAST, GET_ITER,
      RETURN_GENERATOR, POP_TOP, RESUME); MAKE_CELL, COPY_FREE_VARS,
      RETURN_GENERATOR, POP_TOP..., which run once per frame start and are
      never traced;
  "static": [[file, node, firstlineno, line, opname, count], ...]  every
      instruction of every traced code object (CACHE entries left out), by
      line (0: no line): where an instruction kind can be charged;
  "version": sys.version_info[:3].
file is co_filename (absolute); node is the profile-node name: co_qualname
(3.11+) or co_name, plus ":FIRSTLINENO" for names starting with "<" (not
"<module>") and names ending in "<lambda>".  Only code of the SCRIPTs'
files is traced and counted.  Run it in a separate process from any
profiled run: tracing changes what the interpreter does.  Standard library
only; the plain mode also runs on Python 2.7 and 3.6.
"""

import dis
import json
import os
import sys

try:
    import builtins
except ImportError:                      # Python 2
    import __builtin__ as builtins

EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]
CACHE = dis.opmap.get("CACHE", -1)
RESUME = dis.opmap.get("RESUME", -1)


def node_name(code):
    name = getattr(code, "co_qualname", None) or code.co_name
    if (name.startswith("<") and name != "<module>") or name.endswith("<lambda>"):
        name = "%s:%d" % (name, code.co_firstlineno)
    return name


RETURN_GENERATOR = dis.opmap.get("RETURN_GENERATOR", -1)


def first_resume(co_code):
    """Offset of the RESUME that ends the prologue (3.11+), or None: the
    first RESUME, or where the code has a RETURN_GENERATOR, the first one
    after it (3.15's generator expressions run a RESUME, LOAD_FAST and
    GET_ITER before their RETURN_GENERATOR, untraced, and their first
    'call' event is at the RESUME after it)."""
    start = 0
    for offset in range(0, len(co_code), 2):
        if co_code[offset] == RETURN_GENERATOR:
            start = offset
            break
    for offset in range(start, len(co_code), 2):
        if co_code[offset] == RESUME:
            return offset
    return None


def lines_of(code):
    """{offset: line (0 if none)} of CODE's instructions."""
    lines = {}
    if hasattr(code, "co_lines"):                 # 3.10+
        for start, end, line in code.co_lines():
            for offset in range(start, end, 2):
                lines[offset] = line or 0
        return lines
    starts = dict(dis.findlinestarts(code))
    line = 0
    for offset in range(0, len(code.co_code), 2):
        line = starts.get(offset, line)
        lines[offset] = line
    return lines


def previous_instruction(co_code, offset):
    """Opcode of the instruction before the one at OFFSET (CACHE entries
    skipped), or None."""
    at = offset - 2
    while at >= 0 and co_code[at] == CACHE:
        at -= 2
    return co_code[at] if at >= 0 else None


def next_instruction(co_code, offset):
    """Opcode of the instruction after the one at OFFSET (CACHE entries skipped)."""
    at = offset + 2
    while at < len(co_code) and co_code[at] == CACHE:
        at += 2
    return co_code[at] if at < len(co_code) else None


class Oracle(object):
    def __init__(self, traced_files):
        self.traced_files = traced_files
        self.sites = {}          # (code, f_lasti, line) -> count of 'opcode' events
        self.after_ext = {}      # (code, opcode) -> count
        self.ext_chain = {}      # code -> count
        self.calls = {}          # code -> count
        self.starts = {}         # code -> count
        self.raw = {}            # code -> co_code as a bytearray (read once)

    def hooks(self):
        sites, calls, starts, raw = self.sites, self.calls, self.starts, self.raw
        after_ext, ext_chain = self.after_ext, self.ext_chain
        traced_files = self.traced_files

        def code_bytes(code):
            co_code = raw.get(code)
            if co_code is None:
                co_code = raw[code] = bytearray(code.co_code)
            return co_code

        def local_trace(frame, event, arg):
            if event == "opcode":
                code = frame.f_code
                lasti = frame.f_lasti
                key = (code, lasti, frame.f_lineno or 0)
                sites[key] = sites.get(key, 0) + 1
                co_code = code_bytes(code)
                if co_code[lasti] == EXTENDED_ARG:
                    at = lasti + 2
                    while co_code[at] == EXTENDED_ARG:
                        ext_chain[code] = ext_chain.get(code, 0) + 1
                        at += 2
                    key = (code, co_code[at])
                    after_ext[key] = after_ext.get(key, 0) + 1
            return local_trace

        def global_trace(frame, event, arg):
            code = frame.f_code
            if code.co_filename not in traced_files:
                return None
            if event == "call":
                calls[code] = calls.get(code, 0) + 1
                if frame.f_lasti >= 0 and frame.f_lasti == first_resume(code_bytes(code)):
                    starts[code] = starts.get(code, 0) + 1
            # f_trace first: 3.13 instruments the code object for opcode
            # events when f_trace_opcodes is set only if the frame already
            # has a local trace function (which the return value of this
            # hook would set only afterwards).
            frame.f_trace = local_trace
            frame.f_trace_lines = False
            frame.f_trace_opcodes = True
            return local_trace

        return global_trace

    def result(self):
        def ident(code):
            return [code.co_filename, node_name(code), code.co_firstlineno]

        opcodes, follow, prologue, preceded = {}, {}, {}, {}
        for (code, lasti, line), n in self.sites.items():
            co_code = self.raw[code]
            name = dis.opname[co_code[lasti]]
            key = tuple(ident(code) + [line, name])
            opcodes[key] = opcodes.get(key, 0) + n
            previous = previous_instruction(co_code, lasti)
            pkey = tuple(ident(code) + [name, "-" if previous is None
                                        else dis.opname[previous]])
            preceded[pkey] = preceded.get(pkey, 0) + n
            following = next_instruction(co_code, lasti)
            key += ("-" if following is None else dis.opname[following],)
            follow[key] = follow.get(key, 0) + n
        static = {}
        for code, co_code in self.raw.items():
            lines = lines_of(code)
            for offset in range(0, len(co_code), 2):
                if co_code[offset] != CACHE:
                    key = tuple(ident(code) + [lines.get(offset, 0),
                                               dis.opname[co_code[offset]]])
                    static[key] = static.get(key, 0) + 1
            end = first_resume(co_code)
            for offset in range(0, end or 0, 2):
                if co_code[offset] != CACHE:
                    key = tuple(ident(code) + [dis.opname[co_code[offset]]])
                    prologue[key] = prologue.get(key, 0) + 1
        return {
            "version": list(sys.version_info[:3]),
            "opcodes": sorted(list(k) + [n] for k, n in opcodes.items()),
            "follow": sorted(list(k) + [n] for k, n in follow.items()),
            "preceded": sorted(list(k) + [n] for k, n in preceded.items()),
            "after_extended_arg": sorted(ident(c) + [dis.opname[op], n]
                                         for (c, op), n in self.after_ext.items()),
            "extended_arg_chain": sorted(ident(c) + [n] for c, n in self.ext_chain.items()),
            "calls": sorted(ident(c) + [n] for c, n in self.calls.items()),
            "starts": sorted(ident(c) + [n] for c, n in self.starts.items()),
            "prologue": sorted(list(k) + [n] for k, n in prologue.items()),
            "static": sorted(list(k) + [n] for k, n in static.items()),
        }


def run_scripts(scripts, oracle):
    """Run each script as __main__ in a fresh module; tracing if ORACLE."""
    real_main = sys.modules["__main__"]
    for script in scripts:
        main_module = type(sys)("__main__")
        main_module.__file__ = script
        main_module.__builtins__ = builtins
        sys.modules["__main__"] = main_module
        sys.argv = [script]
        with open(script, "rb") as stream:
            source = stream.read()
        # dont_inherit: this file's future features must not leak into SCRIPT.
        code = compile(source, script, "exec", 0, True)
        if oracle is not None:
            sys.settrace(oracle.hooks())
        try:
            exec(code, main_module.__dict__)
        finally:
            sys.settrace(None)
            sys.modules["__main__"] = real_main
        sys.stdout.flush()


def main(argv):
    usage = "usage: opcode_oracle.py [--out FILE.json] -- SCRIPT..."
    out = None
    if len(argv) >= 2 and argv[0] == "--out":
        out = os.path.abspath(argv[1])
        argv = argv[2:]
    if not argv or argv[0] != "--" or len(argv) < 2:
        sys.exit(usage)
    scripts = [os.path.abspath(s) for s in argv[1:]]
    oracle = None
    if out is not None:
        if sys.version_info < (3, 7):
            sys.exit("opcode_oracle.py: --out needs Python 3.7+ (frame.f_trace_opcodes)")
        oracle = Oracle(set(scripts))
        # 3.12+ implements settrace with sys.monitoring and enables
        # INSTRUCTION events only once some frame has asked for opcodes:
        # ask before installing the hook.
        sys._getframe().f_trace_opcodes = True
        sys._getframe().f_trace_opcodes = False
    try:
        run_scripts(scripts, oracle)
    finally:
        if oracle is not None:
            with open(out + ".tmp", "w") as stream:
                json.dump(oracle.result(), stream, indent=0, sort_keys=True)
            os.rename(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv[1:])
