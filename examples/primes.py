# primes.py: the benchmark of the article this project grew from (a sieve
# of Eratosthenes written two ways), runnable on Python 2.7 and 3.x.
#
#   python primes.py [N] [REPEAT] [v1|v2|both]
#
# v1 builds its candidate list with append() in a loop; v2 (the article's
# optimised version) builds it with range() and a comprehension.  The
# defaults profile in well under a minute under Valgrind.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys


def primes(n):
    if n == 2:
        return [2]
    elif n < 2:
        return []
    s = []
    for i in range(3, n + 1):
        if i % 2 != 0:
            s.append(i)
    mroot = n ** 0.5
    half = (n + 1) // 2 - 1
    i = 0
    m = 3
    while m <= mroot:
        if s[i]:
            j = (m * m - 3) // 2
            s[j] = 0
            while j < half:
                s[j] = 0
                j += m
        i = i + 1
        m = 2 * i + 3
    l = [2]
    for x in s:
        if x:
            l.append(x)
    return l


def primes_optimized(n):
    if n == 2:
        return [2]
    elif n < 2:
        return []
    s = list(range(3, n + 1, 2))
    mroot = n ** 0.5
    half = (n + 1) // 2 - 1
    i = 0
    m = 3
    while m <= mroot:
        if s[i]:
            j = (m * m - 3) // 2
            s[j] = 0
            while j < half:
                s[j] = 0
                j += m
        i = i + 1
        m = 2 * i + 3
    return [2] + [x for x in s if x]


def benchmark(n, repeat, which):
    count = 0
    for _ in range(repeat):
        if which in ("v1", "both"):
            count = len(primes(n))
        if which in ("v2", "both"):
            count = len(primes_optimized(n))
    return count


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    which = sys.argv[3] if len(sys.argv) > 3 else "both"
    if which not in ("v1", "v2", "both"):
        sys.stderr.write("primes.py: the third argument must be v1, v2 or both\n")
        sys.exit(2)
    sys.stdout.write("%d primes below %d\n" % (benchmark(n, repeat, which), n))
