# objects.py: attribute access and method calls on instances: instance
# attributes in __dict__ and in __slots__, class attributes, a property,
# a method overridden in a subclass that calls the base class's version
# (super() with arguments, as in Python 2), bound methods stored and
# called later, attribute stores, and a C method (list.append) called on
# an instance attribute.  Deterministic; Python 2.7 and 3.6+.
#
# SPDX-License-Identifier: GPL-2.0-or-later
from __future__ import print_function


class Vector(object):
    dims = 2

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    @property
    def norm1(self):
        return abs(self.x) + abs(self.y)

    def scale(self, k):
        self.x *= k
        self.y *= k
        return self


class Vector3(Vector):
    dims = 3

    def __init__(self, x, y, z):
        super(Vector3, self).__init__(x, y)
        self.z = z

    def dot(self, other):
        return super(Vector3, self).dot(other) + self.z * other.z


class Counter(object):
    __slots__ = ("count", "log")

    def __init__(self):
        self.count = 0
        self.log = []

    def bump(self, amount):
        self.count += amount
        if self.count % 50 == 0:
            self.log.append(self.count)


def walk(steps):
    position = Vector(0, 0)
    step = Vector(1, 2)
    counter = Counter()
    bump = counter.bump
    total = 0
    for i in range(steps):
        position = position.add(step)
        total += position.dot(step) + step.norm1 * Vector.dims
        bump(1)
    return total, counter.count, len(counter.log)


def volumes(n):
    a = Vector3(1, 2, 3)
    total = 0
    for i in range(n):
        b = Vector3(i, i + 1, i + 2)
        total += a.dot(b) + b.dims
        b.scale(2)
        total += b.x
    return total


print(walk(1500), volumes(800))
