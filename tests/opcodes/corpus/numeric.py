# numeric.py: loops with integer and float arithmetic, local and global
# variable access (LOAD_FAST/STORE_FAST, LOAD_GLOBAL/STORE_GLOBAL), while
# and for loops, augmented assignment, comparisons, and one instruction
# with an argument above 255: in polynomial() the jump over the long
# expression spans more than 255 instructions, so an EXTENDED_ARG precedes
# it and executes on every iteration.  Deterministic; Python 2.7 and 3.6+.
#
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import print_function

SCALE = 3
MASK = 0xFFFF
hits = 0


def accumulate(n):
    global hits
    s = 0
    f = 0.5
    i = 0
    while i < n:
        s += i * SCALE - (i // 2)
        f = f * 0.75 + 0.25
        if i % 7 == 3:
            hits += 1
        i += 1
    return s, f


def polynomial(xs):
    acc = 0
    for x in xs:
        if x & 1:
            acc += (x * 1 + x * 2 + x * 3 + x * 4 + x * 5 + x * 6 + x * 7 + x * 8
                    + x * 9 + x * 10 + x * 11 + x * 12 + x * 13 + x * 14 + x * 15
                    + x * 16 + x * 17 + x * 18 + x * 19 + x * 20 + x * 21 + x * 22
                    + x * 23 + x * 24 + x * 25 + x * 26 + x * 27 + x * 28 + x * 29
                    + x * 30 + x * 31 + x * 32 + x * 33 + x * 34 + x * 35 + x * 36
                    + x * 37 + x * 38 + x * 39 + x * 40 + x * 41 + x * 42 + x * 43
                    + x * 44 + x * 45 + x * 46 + x * 47 + x * 48 + x * 49 + x * 50
                    + x * 51 + x * 52 + x * 53 + x * 54 + x * 55 + x * 56 + x * 57
                    + x * 58 + x * 59 + x * 60 + x * 61 + x * 62 + x * 63 + x * 64
                    + x * 65 + x * 66 + x * 67 + x * 68 + x * 69 + x * 70)
        else:
            acc -= x
        acc &= MASK
    return acc


def checksum(values):
    h = 17
    for v in values:
        h = (h * 31 + v) & MASK
    return h


def main():
    s, f = accumulate(3000)
    p = polynomial(range(400))
    c = checksum([i * i for i in range(1000)])
    print(s, round(f, 6), p, c, hits)


main()
