# make_debug_offsets.py: writes the _Py_DebugOffsets test data of
# pyprofgrind's pg_pydebugoffsets unit test.  Run by a CPython 3.13+ (a
# shared libpython or, like Debian's, one executable), it copies the table
# at the start of its own _PyRuntime (the bytes an out-of-process reader sees) as hex, so that the
# decoder is checked against what an interpreter holds in memory, not
# against our reading of the header.
#
#   $(pyenv prefix 3.13.0)/bin/python3.13 make_debug_offsets.py [OUTPUT]
#
# writes debug-offsets-3.13.txt next to this script unless OUTPUT is given.
# The table of 3.13 is 584 bytes, of 3.14 760, of 3.15 888; what follows it in _PyRuntime is run-time
# state (pointers), so only the table is written.

import ctypes
import os
import sys

TABLE_BYTES = {(3, 13): 584, (3, 14): 760, (3, 15): 888}


def main():
    size = TABLE_BYTES.get(sys.version_info[:2])
    if size is None:
        sys.exit("make_debug_offsets.py: no table size known for Python %d.%d"
                 % sys.version_info[:2])
    runtime = ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime")
    table = ctypes.string_at(ctypes.addressof(runtime), size)
    if table[:8] != b"xdebugpy":
        sys.exit("make_debug_offsets.py: _PyRuntime does not start with the cookie")
    here = os.path.dirname(os.path.abspath(__file__))
    output = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "debug-offsets-%d.%d.txt" % sys.version_info[:2])
    with open(output, "w") as stream:
        stream.write("# _Py_DebugOffsets of CPython %s (%d bytes, hex, 32 per line)\n"
                     % (sys.version.split()[0], size))
        for start in range(0, size, 32):
            stream.write(table[start:start + 32].hex() + "\n")


main()
