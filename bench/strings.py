# strings.py: string and dict heavy benchmark workload: splitting, joining,
# formatting, counting words in dicts.  Runs on Python 2.7 and 3.x.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
         "nu xi omicron pi rho sigma tau upsilon phi chi psi omega").split()


def make_text(n):
    return " ".join(WORDS[(i * 7) % len(WORDS)] + str(i % 13) for i in range(n))


def count_words(text):
    counts = {}
    for word in text.split():
        key = word.lower().strip("0123456789")
        counts[key] = counts.get(key, 0) + 1
    return counts


def report(counts):
    lines = ["%s=%d" % (k, counts[k]) for k in sorted(counts)]
    return ";".join(lines)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    text = make_text(n)
    out = ""
    for _ in range(5):
        out = report(count_words(text))
    sys.stdout.write("%d %d\n" % (len(out), len(text)))
