# nested.py: one instruction kind nested through a chain of different
# functions: level1's CALL runs level2, whose CALL runs level3, ... and
# level8's loop does nearly all the work.  Were an instruction one node
# shared by every function, its arcs from level1 ... level8 would each
# contain the loop, and the node's inclusive cost, added up over its
# callers, would be several times the whole run (as IMPORT_NAME was in an
# import chain).  Deterministic; Python 2.7 and 3.6+.
#
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import print_function


def level8(n):
    total = 0
    for i in range(n):
        total += i & 7
    return total


def level7(n):
    return level8(n) + 1


def level6(n):
    return level7(n) + 1


def level5(n):
    return level6(n) + 1


def level4(n):
    return level5(n) + 1


def level3(n):
    return level4(n) + 1


def level2(n):
    return level3(n) + 1


def level1(n):
    return level2(n) + 1


def main():
    print(level1(60000))


main()
