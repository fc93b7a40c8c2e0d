# stack_signals.py: deep recursion, exception unwinding and a signal
# handler written in Python -- frames entered and left in unusual ways.
#   - descend() recurses 5000 frames deep (the recursion limit is raised
#     first): 5001 calls;
#   - fail_at_depth() raises at the bottom of 10 nested frames of its own;
#     the exception unwinds all 10 (one of them through a try/finally) to
#     catch_many(), which catches it, 20 times;
#   - on_usr1() is installed with signal.signal() and the process sends
#     itself SIGUSR1 with os.kill() 8 times; the interpreter calls the
#     handler (from C, at its next check for pending signals), which calls
#     handler_helper().  Each kill is followed by a Python call
#     (after_signal), so the handler's frames sit between ordinary ones.
# Every count is fixed, so the profile's call counts are exact.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import signal
import sys

DEPTH = 5000
UNWIND_FRAMES = 10
UNWINDS = 20
SIGNALS = 8


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


handled = []


def handler_helper(signum, index):
    acc = 0
    for i in range(50):
        acc = (acc * 31 + signum + index + i) % 65521
    return acc


def on_usr1(signum, frame):
    handled.append(handler_helper(signum, len(handled)))


def after_signal(i):
    return len(handled) * 10 + i


def send_signals(count):
    signal.signal(signal.SIGUSR1, on_usr1)
    checks = 0
    for i in range(count):
        os.kill(os.getpid(), signal.SIGUSR1)
        checks += after_signal(i)
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    return checks


def main():
    sys.setrecursionlimit(DEPTH + 200)
    depth = descend(DEPTH)
    caught, finally_runs = catch_many(UNWINDS)
    checks = send_signals(SIGNALS)
    sys.stdout.write("descended %d, caught %d, finally ran %d times, handled %d signals "
                     "(checksum %d, %d)\n" % (depth, caught, finally_runs, len(handled),
                                              sum(handled), checks))


main()
