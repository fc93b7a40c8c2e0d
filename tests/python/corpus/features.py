# features.py: the single-threaded, single-process part of the corpus, one
# section per feature (one file, so that the interpreter starts only once
# per profiled run: start-up costs more than all of this).
#   - deep recursion: descend() recurses 5000 frames deep (the recursion
#     limit is raised first): 5001 calls;
#   - exceptions: fail_at_depth() raises at the bottom of 10 nested frames
#     of its own; the exception unwinds all 10 (one of them through a
#     try/finally) to catch_many(), which catches it, 20 times;
#   - a signal handler written in Python: on_usr1() is installed with
#     signal.signal() and the process sends itself SIGUSR1 with os.kill()
#     8 times; the interpreter calls the handler (from C, at its next check
#     for pending signals), which calls handler_helper().  Each kill is
#     followed by a Python call (after_signal);
#   - generators resumed many times: countdown() is iterated to the end
#     (201 resumptions counting the final StopIteration), running_total()
#     is driven with send() and closed early (close() resumes it once more);
#   - comprehensions: list, dict and set comprehensions and generator
#     expressions, at module level and inside a function (separate code
#     objects up to 3.11, inlined into the enclosing function from 3.12;
#     Python 2's list comprehensions never had their own);
#   - lambdas, on different lines of this file and inside callables()
#     (named <lambda>:LINE, and callables.<locals>.<lambda>:LINE on 3.11+);
#   - C calling back into Python: sorted() with key=sort_key and with a
#     key lambda, map() with a lambda;
#   - class bodies (each runs once as its own code object), a nested class,
#     methods, an overriding method with the same name as the one it
#     overrides (one node before 3.11, where nodes are named by co_name),
#     a class decorator;
#   - an imported module, helper_geometry.py next to this file (its module
#     body, class body and functions);
#   - exec of generated code: source text built at run time and compiled
#     with the file name "<corpus:generated>" defines gen_func_0 ..
#     gen_func_5 and gen_dispatch, which are then called 30 times;
#   - asyncio coroutines (Python 3.7+ only: helper_coroutines.py, imported
#     only there, as Python 2 cannot even compile it).
# Every count is fixed, so the profile's call counts are exact.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import signal
import sys

import helper_geometry

GENERATED_FUNCTIONS = 6
GENERATED_CALLS = 30


# -- deep recursion, exceptions, a signal handler ------------------------------

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


# -- generators, comprehensions, lambdas, callbacks from C --------------------

def countdown(n):
    while n > 0:
        yield n
        n -= 1


def running_total():
    total = 0
    try:
        while True:
            value = yield total
            total += value
    except GeneratorExit:
        pass


def drive_generators():
    summed = 0
    for value in countdown(200):
        summed += value
    totals = running_total()
    next(totals)
    last = 0
    for i in range(80):
        last = totals.send(i)
    totals.close()
    return summed, last


add_one = lambda x: x + 1
double = lambda x: x * 2
negate = lambda x: -x


def sort_key(item):
    return (item * 7919) % 1009


def comprehensions(n):
    squares = [x * x for x in range(n)]
    residues = {x % 11 for x in range(n)}
    lookup = dict((x, x % 7) for x in range(n // 2))
    by_square = {x: x * x for x in range(n // 3)}
    odd_sum = sum(x for x in range(n) if x % 2)
    return len(squares) + len(residues) + len(lookup) + len(by_square) + odd_sum


def callables():
    summed, last = drive_generators()
    data = [(i * 37) % 1000 for i in range(250)]
    by_key = sorted(data, key=sort_key)
    descending = sorted(data, key=lambda value: (-value, value % 3))
    mapped = list(map(lambda v: double(add_one(v)), range(100)))
    signs = [negate(v) for v in range(40)]
    module_level = [y for y in MODULE_SQUARES if y % 3 == 0]
    return ("generators %d %d, sorted %d %d, mapped %d, signs %d, comprehensions %d, "
            "module %d %d" % (summed, last, by_key[0], descending[0], sum(mapped), sum(signs),
                              comprehensions(150), len(module_level), MODULE_GENEXP_SUM))


# -- classes, an imported module, generated code -------------------------------

def register(cls):
    cls.registered = True
    return cls


class Shape(object):
    sides = 0

    def __init__(self, size):
        self.size = size

    def area(self):
        return 0

    def describe(self):
        return "%s:%d:%d" % (type(self).__name__, self.sides, self.area())


@register
class Square(Shape):
    sides = 4

    def area(self):
        return self.size * self.size

    class Corner(object):
        angle = 90

        def degrees(self):
            return self.angle


class Triangle(Shape):
    sides = 3

    def area(self):
        return self.size * self.size // 2


def generated_source(count):
    lines = []
    for i in range(count):
        lines.append("def gen_func_%d(x):" % i)
        lines.append("    return x * %d + %d" % (i + 1, i))
    lines.append("def gen_dispatch(x):")
    lines.append("    total = 0")
    for i in range(count):
        lines.append("    total += gen_func_%d(x)" % i)
    lines.append("    return total")
    return "\n".join(lines) + "\n"


def run_generated():
    namespace = {}
    code = compile(generated_source(GENERATED_FUNCTIONS), "<corpus:generated>", "exec")
    exec(code, namespace)
    dispatch = namespace["gen_dispatch"]
    return sum(dispatch(x) for x in range(GENERATED_CALLS))


def use_classes():
    shapes = [Square(s) if s % 2 else Triangle(s) for s in range(1, 21)]
    descriptions = [shape.describe() for shape in shapes]
    corners = sum(Square.Corner().degrees() for _ in range(5))
    imported = sum(helper_geometry.scaled_area(w, 2) for w in range(10))
    return ("shapes %d %s %d %s, imported %d %d, generated %d"
            % (len(descriptions), descriptions[-1], corners, Square.registered, imported,
               sum(helper_geometry.TABLE), run_generated()))


def stack_and_signals():
    sys.setrecursionlimit(DEPTH + 200)
    depth = descend(DEPTH)
    caught, finally_runs = catch_many(UNWINDS)
    checks = send_signals(SIGNALS)
    return ("descended %d, caught %d, finally ran %d times, handled %d signals "
            "(checksum %d, %d)" % (depth, caught, finally_runs, len(handled),
                                   sum(handled), checks))


def coroutines():
    if sys.version_info < (3, 7):
        return "coroutines: not on Python %d.%d" % sys.version_info[:2]
    import helper_coroutines
    return helper_coroutines.run()


def main():
    sys.stdout.write(stack_and_signals() + "\n")
    sys.stdout.write(callables() + "\n")
    sys.stdout.write(use_classes() + "\n")
    sys.stdout.write(coroutines() + "\n")


MODULE_SQUARES = [x * x for x in range(60)]
MODULE_GENEXP_SUM = sum(x * 3 for x in range(70))
main()
