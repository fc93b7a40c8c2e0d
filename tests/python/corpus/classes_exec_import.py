# classes_exec_import.py: code that is not an ordinary function defined at
# the top of this file.
#   - class bodies (each runs once as its own code object), a nested class,
#     methods, an overriding method with the same name as the method it
#     overrides (one node before 3.11, where nodes are named by co_name),
#     a class decorator;
#   - an imported module, helper_geometry.py next to this file (its module
#     body, class body and functions);
#   - exec of generated code: source text built at run time and compiled
#     with the file name "<corpus:generated>" defines gen_func_0 ..
#     gen_func_5 and gen_dispatch, which are then called 40 times.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys

import helper_geometry

GENERATED_FUNCTIONS = 6
GENERATED_CALLS = 40


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


def use_shapes():
    shapes = [Square(s) if s % 2 else Triangle(s) for s in range(1, 21)]
    descriptions = [shape.describe() for shape in shapes]
    corners = sum(Square.Corner().degrees() for _ in range(5))
    return len(descriptions), descriptions[-1], corners, Square.registered


def main():
    count, last, corners, registered = use_shapes()
    imported = sum(helper_geometry.scaled_area(w, 2) for w in range(10))
    generated = run_generated()
    sys.stdout.write("shapes %d %s %d %s, imported %d %d, generated %d\n"
                     % (count, last, corners, registered, imported,
                        sum(helper_geometry.TABLE), generated))


main()
