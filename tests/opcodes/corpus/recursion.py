# recursion.py: recursive Python functions, which the other scripts have
# none of: a function calling itself 300 deep from one call site, with a
# loop at each level (counted again at every level, its nested calls would
# add up to several times the whole run), two functions calling each other
# (even/odd), and one calling itself from two call sites (fib).  An
# instruction's inclusive cost must count such a recursion once: the CALL
# of the outermost rec() already contains every nested rec() and its
# CALLs.  Deterministic; Python 2.7 and 3.6+.
#
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import print_function


def rec(n):
    if n == 0:
        return 0
    work = 0
    for i in range(40):
        work += i * n
    return rec(n - 1) + work % 7


def even(n):
    return True if n == 0 else odd(n - 1)


def odd(n):
    return False if n == 0 else even(n - 1)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    total = 0
    for _ in range(3):
        total += rec(300)
    print(total, even(200), odd(151), fib(14))


main()
