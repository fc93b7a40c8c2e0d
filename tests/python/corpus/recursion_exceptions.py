# recursion_exceptions.py: deep recursion and exception unwinding.
#   - descend() recurses 5000 frames deep (the recursion limit is raised
#     first) and is entered that way three times: 3 * 5001 calls;
#   - fail_at_depth() raises at the bottom of 10 nested frames of its own;
#     the exception unwinds all 10 (one of them through a try/finally) to
#     catch_many(), which catches it, 20 times.
# Every count is fixed, so the profile's call counts are exact.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys

DEPTH = 5000
DESCENTS = 3
UNWIND_FRAMES = 10
UNWINDS = 20


def descend(n):
    if n == 0:
        return 0
    return descend(n - 1) + 1


class DepthError(Exception):
    pass


def fail_at_depth(n, trail):
    if n == 0:
        raise DepthError("bottom reached")
    if n == 5:
        try:
            return fail_at_depth(n - 1, trail)
        finally:
            trail.append(n)
    return fail_at_depth(n - 1, trail)


def catch_many(times):
    caught = 0
    trail = []
    for _ in range(times):
        try:
            # frames n = 9 .. 0: ten frames of fail_at_depth unwind
            fail_at_depth(UNWIND_FRAMES - 1, trail)
        except DepthError:
            caught += 1
    return caught, len(trail)


def main():
    sys.setrecursionlimit(DEPTH + 200)
    total = 0
    for _ in range(DESCENTS):
        total += descend(DEPTH)
    caught, finally_runs = catch_many(UNWINDS)
    sys.stdout.write("descended %d, caught %d, finally ran %d times\n"
                     % (total, caught, finally_runs))


main()
