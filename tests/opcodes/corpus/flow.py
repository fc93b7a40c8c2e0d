# flow.py: comprehensions (list, set and dict comprehensions, generator
# expressions; separate code objects up to 3.11, inlined from 3.12 except
# the generator expressions), a generator function iterated by a for loop
# and by sum(), a closure reading a variable of its enclosing function,
# lambdas called by sorted(), and exceptions raised and caught (by type,
# with "as", with finally, and one raised by the interpreter: KeyError,
# ZeroDivisionError).  Deterministic; Python 2.7 and 3.6+.
#
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import print_function


def squares(limit):
    n = 0
    while n < limit:
        yield n * n
        n += 1


def comprehensions(n):
    evens = [i for i in range(n) if i % 2 == 0]
    residues = {i % 17 for i in evens}
    table = {i: i * 3 for i in range(0, n, 5)}
    total = sum(x + 1 for x in evens if x % 3)
    return len(evens), len(residues), len(table), total


def make_offsetter(offset):
    def offsetter(value):
        return value + offset
    return offsetter


def lookups(keys, table):
    found = missing = 0
    for k in keys:
        try:
            found += table[k]
        except KeyError:
            missing += 1
    return found, missing


def divide_all(pairs):
    results = []
    errors = 0
    for a, b in pairs:
        try:
            results.append(a // b)
        except ZeroDivisionError as exc:
            errors += len(exc.args)
        finally:
            results.append(0)
    return sum(results), errors


class ValidationError(Exception):
    pass


def validate(values):
    bad = 0
    for v in values:
        try:
            if v % 11 == 0:
                raise ValidationError(v)
        except ValidationError:
            bad += 1
    return bad


def main():
    total = 0
    for sq in squares(600):
        total += sq
    total += sum(squares(300))
    shift = make_offsetter(7)
    shifted = [shift(i) for i in range(500)]
    words = ["w%d" % (i * 7 % 101) for i in range(300)]
    ordered = sorted(words, key=lambda w: (len(w), w))
    table = dict((i, i * 2) for i in range(0, 400, 3))
    print(total, comprehensions(1200), shifted[-1], ordered[:3],
          lookups(range(400), table), divide_all([(i, i % 4) for i in range(300)]),
          validate(range(500)))


main()
