# generators_lambdas.py: code objects that are resumed, anonymous, or
# called back from C.
#   - generators resumed many times: countdown() is iterated to the end
#     (301 resumptions counting the final StopIteration), running_total() is
#     driven with send() and closed early (close() resumes it once more);
#   - comprehensions: list, dict and set comprehensions and generator
#     expressions, at module level and inside a function (separate code
#     objects up to 3.11, inlined into the enclosing function from 3.12;
#     Python 2's list comprehension never had its own);
#   - lambdas, on different lines of this file and one inside a function
#     (named <lambda>:LINE, main.<locals>.<lambda>:LINE on 3.11+);
#   - C calling back into Python: sorted() with key=sort_key and with a
#     key lambda, map() with a lambda.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys


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
    for value in countdown(300):
        summed += value
    totals = running_total()
    next(totals)
    last = 0
    for i in range(120):
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


def main():
    summed, last = drive_generators()
    data = [(i * 37) % 1000 for i in range(400)]
    by_key = sorted(data, key=sort_key)
    descending = sorted(data, key=lambda value: (-value, value % 3))
    mapped = list(map(lambda v: double(add_one(v)), range(150)))
    signs = [negate(v) for v in range(40)]
    module_level = [y for y in MODULE_SQUARES if y % 3 == 0]
    sys.stdout.write("generators %d %d, sorted %d %d, mapped %d, signs %d, "
                     "comprehensions %d, module %d %d\n"
                     % (summed, last, by_key[0], descending[0], sum(mapped),
                        sum(signs), comprehensions(240), len(module_level),
                        MODULE_GENEXP_SUM))


MODULE_SQUARES = [x * x for x in range(60)]
MODULE_GENEXP_SUM = sum(x * 3 for x in range(70))
main()
