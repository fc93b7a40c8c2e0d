# codeids.py: code objects that share their file name, function name and
# first line but not their lines, as exec'd and generated code does: two
# different functions f, both compiled from "<corpus:generated>" with
# "def f" on line 1, and the first one compiled a second time, which gives
# a code object with the same lines.  The profile must give each set of
# lines its node (f and f#2), so that the longer f's cost lands on its own
# lines, and share one node between the two compilations of the same
# source.  Deterministic; Python 2.7 and 3.6+.
#
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import print_function

SHORT = (
    "def f(n):\n"
    "    return n + 1\n"
)

LONG = (
    "def f(n):\n"
    "    total = 0\n"
    "    for i in range(n):\n"
    "        if i % 3:\n"
    "            total += i * i\n"
    "        else:\n"
    "            total -= i\n"
    "    return total\n"
)


def compiled_f(source):
    namespace = {}
    exec(compile(source, "<corpus:generated>", "exec"), namespace)
    return namespace["f"]


def main():
    short = compiled_f(SHORT)
    long_ = compiled_f(LONG)
    again = compiled_f(SHORT)
    results = [short(i) for i in range(50)]
    results.append(long_(3000))
    results.append(again(7))
    print(sum(results), results[-2:])


main()
