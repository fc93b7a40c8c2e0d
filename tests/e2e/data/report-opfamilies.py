# report-opfamilies.py: the workload of tests/e2e/report.test's opfold
# part, profiled with --python-opcodes=yes under CPython 3.11 and later.
# A few thousand iterations of code whose instructions those interpreters
# specialise (attribute loads and stores, calls, arithmetic, comparisons,
# subscripts, globals, unpacking, iteration), then, from 3.12 on, a short
# run with sys.monitoring events on, which executes the INSTRUMENTED_
# forms of calls, returns and branches.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y


class Box:
    def __init__(self, width):
        self.width = width

    def area(self):
        return self.width * self.width

    @property
    def double(self):
        return self.width * 2


SCALE = 3


def work(n):
    total = 0
    ratio = 0.5
    points = [Point(i, i + 1) for i in range(8)]
    boxes = [Box(i) for i in range(8)]
    table = {"a": 1, "b": 2}
    names = ["p", "q"]
    text = ""
    for i in range(n):
        point = points[i % 8]
        box = boxes[i & 7]
        total += point.x + point.y * SCALE
        total += box.area() + len(names)
        low, high = point.x, point.y
        if low < high and i != 3:
            total -= 1
        ratio = ratio * 1.000001 + 0.1
        text = names[0] + "x"
        total += table["a"]
        box.width = i & 7
        total += box.double
    return total, round(ratio, 3), text


def monitored(n):
    """Runs work(N) with call, return and branch events on (3.12+)."""
    monitoring = sys.monitoring
    tool = monitoring.PROFILER_ID
    events = monitoring.events
    seen = [0]

    def count(*args):
        seen[0] += 1

    monitoring.use_tool_id(tool, "report.test")
    for event in (events.CALL, events.PY_RETURN, events.BRANCH):
        monitoring.register_callback(tool, event, count)
    monitoring.set_events(tool, events.CALL | events.PY_RETURN | events.BRANCH)
    try:
        result = work(n)
    finally:
        monitoring.set_events(tool, 0)
        monitoring.free_tool_id(tool)
    return result, seen[0] > 0


print(work(3000))
if hasattr(sys, "monitoring"):
    print(monitored(40))
