# make_linetables.py: writes the line-table test data of pyprofgrind's
# pg_linetable unit test.  Run by each interpreter (2.7, 3.6-3.13), it
# compiles one fixed corpus of small functions and, for every code object,
# records the raw line table and the lines the interpreter itself reports:
# co_lines() from 3.10 on, dis.findlinestarts() before.  The C decoders are
# then checked against the interpreters, not against our reading of them.
#
#   $(pyenv prefix 3.11.7)/bin/python3.11 make_linetables.py [OUTPUT]
#
# writes linetables-3.11.txt next to this script unless OUTPUT is given.
# Output, one record per code object:
#   code <path> <format> <firstlineno> <codesize> <table hex, '-' if empty>
#   range <start> <end> <line>     byte ranges with one line (-1: none)
#   at <offset> <line>             one per instruction start
#   end
#
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import print_function

import binascii
import dis
import opcode
import os
import sys
import types

# Big enough that one line step or one bytecode step needs several pairs in
# every format (> 255 for the unsigned bytes, > 127 for the signed ones).
BLANK_GAP = 150
HUGE_GAP = 300
WIDE_LINE_ITEMS = 200
MANY_NAMES = 300


def blank_lines(count):
    return "\n" * count


def corpus_source():
    """The source compiled by every interpreter: the same lines for all."""
    parts = []
    parts.append('''\
def straight(a, b):
    c = a + b
    d = c * 2
    return d


def loop(items):
    total = 0
    for item in items:
        if item > 2:
            total += item
        else:
            total -= 1
    while total > 100:
        total //= 2
    return total


def gaps(a):
    b = a + 1
''')
    parts.append(blank_lines(BLANK_GAP))
    parts.append('''\
    c = b + 2
''')
    parts.append(blank_lines(BLANK_GAP))
    parts.append('''\
    return c


def long_function(a):
    x = a
''')
    parts.append(blank_lines(HUGE_GAP))
    parts.append('''\
    y = x + 1
''')
    # One line with far more than 255 bytes of bytecode, columns >= 128.
    parts.append('    wide = [' + ', '.join(['a'] * WIDE_LINE_ITEMS) + ']\n')
    # More than 256 names: EXTENDED_ARG prefixes.
    parts.append('    names = [' + ', '.join(
        'g%d' % i for i in range(MANY_NAMES)) + ']\n')
    for i in range(40):
        parts.append('    y = y + %d\n' % i)
    parts.append(blank_lines(HUGE_GAP))
    parts.append('''\
    return (y, wide, names)


def negative(f, a, b):
    x = f(
        a,
        b,
    )
    y = f(
        a,
''')
    # The call goes back HUGE_GAP lines to its first line (3.8+).
    parts.append(blank_lines(HUGE_GAP))
    parts.append('''\
        b)
    return (x +
            y)


square = lambda v: v * v


def comprehensions(items):
    doubled = [i * 2 for i in items]
    keyed = {i: i for i in items}
    unique = set(i for i in items if i)
    return doubled, keyed, unique


def guarded(f):
    try:
        r = f()
    except ValueError as e:
        r = str(e)
    except Exception:
        r = None
    finally:
        f = None
    return r


def outer(n):
    k = n + 1

    def inner(m):
        return m + k
    return inner


def generator(n):
    i = 0
    while i < n:
        yield i
        i += 1


def with_block(lock):
    with lock:
        value = 1
    return value


class Thing(object):
    attr = 1

    def method(self):
        return self.attr
''')
    return "".join(parts)


def table_format():
    version = sys.version_info[:2]
    if version < (3, 0):
        return "lnotab-unsigned"
    if version < (3, 10):
        return "lnotab-signed"
    if version < (3, 11):
        return "linetable-310"
    return "locations-311"


def raw_table(code):
    if sys.version_info[:2] >= (3, 10):
        return code.co_linetable
    return code.co_lnotab


def instruction_starts(code):
    if sys.version_info[0] >= 3:
        return [instr.offset for instr in dis.get_instructions(code)]
    # 2.7 has no get_instructions: opcodes with an argument take 3 bytes.
    starts = []
    offset = 0
    raw = code.co_code
    while offset < len(raw):
        starts.append(offset)
        op = ord(raw[offset])
        offset += 3 if op >= opcode.HAVE_ARGUMENT else 1
    return starts


def line_ranges(code):
    """[(start, end, line)] as the interpreter reports them."""
    if sys.version_info[:2] >= (3, 10):
        return [(start, end, -1 if line is None else line)
                for start, end, line in code.co_lines()]
    starts = list(dis.findlinestarts(code))
    ranges = []
    for index, (start, line) in enumerate(starts):
        if index + 1 < len(starts):
            end = starts[index + 1][0]
        else:
            end = len(code.co_code)
        ranges.append((start, end, line))
    return ranges


def line_of(ranges, offset):
    for start, end, line in ranges:
        if start <= offset < end:
            return line
    return -1


def code_objects(code, path):
    yield path, code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            for item in code_objects(const, path + "/" + const.co_name):
                yield item


def write_records(out):
    version = "%d.%d.%d" % sys.version_info[:3]
    module = compile(corpus_source(), "linetable_corpus.py", "exec")
    fmt = table_format()
    out.write("# line tables written by make_linetables.py\n")
    out.write("python %s\n" % version)
    for path, code in code_objects(module, module.co_name):
        table = raw_table(code)
        hex_table = binascii.hexlify(table).decode("ascii") or "-"
        out.write("code %s %s %d %d %s\n" % (
            path, fmt, code.co_firstlineno, len(code.co_code), hex_table))
        ranges = line_ranges(code)
        for start, end, line in ranges:
            out.write("range %d %d %d\n" % (start, end, line))
        for offset in instruction_starts(code):
            out.write("at %d %d\n" % (offset, line_of(ranges, offset)))
        out.write("end\n")


def main():
    if len(sys.argv) > 1:
        output = sys.argv[1]
    else:
        output = os.path.join(
            os.path.dirname(os.path.abspath(__file__)),
            "linetables-%d.%d.txt" % sys.version_info[:2])
    with open(output, "w") as out:
        write_records(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
