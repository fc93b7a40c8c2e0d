# SPDX-License-Identifier: GPL-2.0-or-later
"""pyoracle.py: what a Python program really calls and executes, per CPython.

    python[X.Y] pyoracle.py --out PREFIX [--hook trace|profile] -- SCRIPT [ARG...]

runs SCRIPT as __main__ (sys.argv = [SCRIPT, ARG...], sys.path[0] = SCRIPT's
directory) in the interpreter running this file, with a trace hook
installed in every thread (sys.settrace and threading.settrace), and writes
PREFIX.<role>.json: <role> is "main", or after os.fork() "parent" and
"child" (the child's counts start at the fork, as the child's profile
does).  The JSON object has
  "calls": [[file, node, firstlineno, count], ...]
      one row per code object that started or resumed a frame: count =
      number of 'call' events for it.  file is co_filename made absolute
      against the working directory (names like "<string>" stay as they
      are), node the profile-node name: co_qualname (3.11+) or co_name,
      plus ":FIRSTLINENO" for anonymous code ("<lambda>:12",
      "main.<locals>.<lambda>:30", "<genexpr>:7"; not "<module>");
  "lines": [[file, node, firstlineno, [line, ...]], ...]  per code object,
      every line that had a 'line' event in one of its frames;
  "codes": [[file, node, firstlineno, identity, count, [line, ...]], ...]
      the same per code identity: code objects of one file, node and
      first line that map their bytecode to other lines (exec'd or
      generated code, a module reloaded after an edit) are apart, those
      with the same lines (the same source compiled twice) together.
      identity is a digest of the bytecode's size and its (start, end,
      line) ranges from co_lines() (3.10+) or dis.findlinestarts(), the
      profile's rule for giving code its own node;
  "version", "role", "hook", "cwd", "argv".
The script's stdout and exit status are its own.

Why sys.settrace and not sys.setprofile: the 'call' events are the same
(the interpreter reports a frame start or resumption to both hooks at the
same point), but a profile hook also runs on 'c_return', and up to 3.10 a
Python signal handler that becomes due while a Python-level hook runs is
run inside the hook, where no events are reported: with sys.setprofile,
os.kill(os.getpid(), SIGUSR1) is followed by a handler call the profile
hook never sees.  A trace hook has no C-call events, so the handler runs in
the traced code.  --hook=profile counts with sys.setprofile instead (lines
still come from the trace hook), to compare the two.

Runs on Python 2.7 and 3.6+; standard library only.  Run it in a separate
process from any profiled run: tracing changes what the interpreter does.
"""

import dis
import hashlib
import json
import os
import sys
import threading

try:
    from thread import get_ident          # Python 2
except ImportError:
    from threading import get_ident

import atexit

try:
    import builtins
except ImportError:                       # Python 2
    import __builtin__ as builtins


THIS_FILE = None     # co_filename of this file, set by main()


def node_name(code):
    """The profile-node name of a code object (see the module docstring)."""
    name = getattr(code, "co_qualname", None) or code.co_name
    if (name.startswith("<") and name != "<module>") or name.endswith("<lambda>"):
        name = "%s:%d" % (name, code.co_firstlineno)
    return name


def line_ranges(code):
    """The (start, end, line) byte ranges of CODE's bytecode, touching
    ranges of one line merged, line 0 for none."""
    size = len(code.co_code)
    if hasattr(code, "co_lines"):
        raw = [(start, end, line or 0) for start, end, line in code.co_lines()]
    else:
        starts = list(dis.findlinestarts(code))
        raw = [(offset, starts[i + 1][0] if i + 1 < len(starts) else size, line)
               for i, (offset, line) in enumerate(starts)]
    ranges = []
    for start, end, line in raw:
        if end <= start:
            continue
        if ranges and ranges[-1][1] == start and ranges[-1][2] == line:
            ranges[-1] = (ranges[-1][0], end, line)
        else:
            ranges.append((start, end, line))
    return size, ranges


def code_identity(code):
    """A digest of what tells CODE apart from code of the same file, node
    name and first line: its size and line ranges."""
    text = repr(line_ranges(code)).encode("ascii")
    return hashlib.sha1(text).hexdigest()[:16]


class Oracle(object):
    def __init__(self, prefix, hook):
        self.prefix = prefix
        self.hook = hook
        self.cwd = os.getcwd()
        self.role = "main"
        self.dumped = False
        self.reset()

    def reset(self):
        # Per thread: {thread ident: {code: count}} and {ident: set((file, line))}.
        # Each thread only ever updates its own dict, so a thread switch
        # inside a hook cannot lose an update.
        self.calls_by_thread, self.lines_by_thread = {}, {}

    # -- hooks ----------------------------------------------------------------

    def thread_tables(self):
        ident = get_ident()
        return (self.calls_by_thread.setdefault(ident, {}),
                self.lines_by_thread.setdefault(ident, set()))

    def make_hooks(self):
        tables = self.thread_tables

        def local_trace(frame, event, arg):
            if event == "line":
                tables()[1].add((frame.f_code, frame.f_lineno))
            return local_trace

        def count_call(frame):
            calls = tables()[0]
            code = frame.f_code
            calls[code] = calls.get(code, 0) + 1

        # This file's own functions (the fork and _exit wrappers) are
        # neither counted nor traced.
        own_file = THIS_FILE

        if self.hook == "trace":
            def global_trace(frame, event, arg):
                if frame.f_code.co_filename == own_file:
                    return None
                if event == "call":
                    count_call(frame)
                return local_trace
            return global_trace, None

        def global_trace_lines(frame, event, arg):
            if frame.f_code.co_filename == own_file:
                return None
            return local_trace

        def profile(frame, event, arg):
            if event == "call" and frame.f_code.co_filename != own_file:
                count_call(frame)
        return global_trace_lines, profile

    def install(self):
        trace, profile = self.make_hooks()
        threading.settrace(trace)
        sys.settrace(trace)
        if profile is not None:
            threading.setprofile(profile)
            sys.setprofile(profile)

    def uninstall(self):
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)
        threading.setprofile(None)

    # -- processes ------------------------------------------------------------

    def wrap_process_functions(self):
        real_fork = os.fork
        real_exit = os._exit
        oracle = self

        def fork():
            pid = real_fork()
            if pid == 0:
                oracle.role = "child"
                oracle.reset()
                # The frames active at the fork go on running in the child:
                # the lines they are in are executed there too.
                lines = oracle.thread_tables()[1]
                frame = sys._getframe(1)
                while frame is not None:
                    lines.add((frame.f_code, frame.f_lineno))
                    frame = frame.f_back
            else:
                oracle.role = "parent"
            return pid

        def _exit(status):
            oracle.dump()
            real_exit(status)

        os.fork = fork
        os._exit = _exit

    # -- output ---------------------------------------------------------------

    def absolute(self, filename):
        if filename.startswith("<") or os.path.isabs(filename):
            return filename
        return os.path.join(self.cwd, filename)

    def dump(self):
        if self.dumped:
            return
        self.uninstall()
        self.dumped = True
        calls, codes = {}, {}
        for table in list(self.calls_by_thread.values()):
            for code, count in list(table.items()):
                key = (self.absolute(code.co_filename), node_name(code), code.co_firstlineno)
                calls[key] = calls.get(key, 0) + count
                entry = codes.setdefault(key + (code_identity(code),), [0, set()])
                entry[0] += count
        lines = {}
        for table in list(self.lines_by_thread.values()):
            for code, line in table:
                if line is not None:
                    key = (self.absolute(code.co_filename), node_name(code), code.co_firstlineno)
                    lines.setdefault(key, set()).add(line)
                    entry = codes.setdefault(key + (code_identity(code),), [0, set()])
                    entry[1].add(line)
        result = {
            "version": list(sys.version_info[:3]),
            "role": self.role,
            "hook": self.hook,
            "cwd": self.cwd,
            "argv": sys.argv,
            "calls": [[f, n, first, count] for (f, n, first), count in sorted(calls.items())],
            "lines": [[f, n, first, sorted(ls)] for (f, n, first), ls in sorted(lines.items())],
            "codes": [[f, n, first, ident, count, sorted(ls)]
                      for (f, n, first, ident), (count, ls) in sorted(codes.items())],
        }
        path = "%s.%s.json" % (self.prefix, self.role)
        with open(path + ".tmp", "w") as stream:
            json.dump(result, stream, indent=0, sort_keys=True)
        os.rename(path + ".tmp", path)


def parse_arguments(argv):
    usage = "usage: pyoracle.py --out PREFIX [--hook trace|profile] -- SCRIPT [ARG...]"
    prefix, hook = None, "trace"
    while argv and argv[0] != "--":
        option = argv.pop(0)
        if option == "--out" and argv:
            prefix = argv.pop(0)
        elif option == "--hook" and argv and argv[0] in ("trace", "profile"):
            hook = argv.pop(0)
        else:
            sys.exit(usage)
    if not argv or prefix is None or len(argv) < 2:
        sys.exit(usage)
    return os.path.abspath(prefix), hook, argv[1], argv[2:]


def main():
    global THIS_FILE
    THIS_FILE = main.__code__.co_filename
    prefix, hook, script, script_args = parse_arguments(sys.argv[1:])
    oracle = Oracle(prefix, hook)
    oracle.wrap_process_functions()
    atexit.register(oracle.dump)

    sys.argv = [script] + script_args
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    main_module = type(sys)("__main__")
    main_module.__file__ = script
    main_module.__builtins__ = builtins
    # Keep this module alive (Python 2 clears the globals of a module that
    # is freed, and atexit runs oracle.dump after __main__ was replaced).
    sys.modules["__pyoracle__"] = sys.modules["__main__"]
    sys.modules["__main__"] = main_module
    with open(script, "rb") as stream:
        source = stream.read()
    # dont_inherit: this file's __future__ imports must not leak into SCRIPT.
    code = compile(source, script, "exec", 0, True)
    namespace = main_module.__dict__
    oracle.install()
    exec(code, namespace)
    oracle.uninstall()


if __name__ == "__main__":
    main()
