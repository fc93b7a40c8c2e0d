# deepchains.py: long chains of frames that switch at every step: a chain
# of generators delegating with "yield from" (every value passes each of
# them going down and up again), a chain of coroutines awaiting each other
# driven by send(), and a plain recursion.  The profiler must follow every
# switch in O(1): the runner also requires its CPU time to stay within
# twice Callgrind's (speed-check below).  Deterministic; Python 3.6+.
#
# min-version: 3.6
# speed-check: 2.0
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys

DEPTH = 3000
VALUES = 150


def leaf(n):
    for i in range(n):
        yield i


def relay(depth, n):
    if depth == 0:
        yield from leaf(n)
    else:
        yield from relay(depth - 1, n)


class Tick(object):
    def __await__(self):
        yield "tick"


async def awaiting(depth, n):
    if depth == 0:
        total = 0
        for i in range(n):
            await Tick()
            total += i
        return total
    return await awaiting(depth - 1, n)


def drive(coroutine):
    ticks = 0
    try:
        while True:
            coroutine.send(None)
            ticks += 1
    except StopIteration as stop:
        return ticks, stop.value


def down(n):
    if n == 0:
        return 0
    return down(n - 1) + 1


def main():
    sys.setrecursionlimit(20000)
    print(sum(relay(DEPTH, VALUES)))
    print(drive(awaiting(DEPTH, VALUES)))
    print(sum(down(DEPTH * 2) for _ in range(5)))


main()
