# oo.py: object-oriented benchmark workload: many small method calls,
# attribute access, properties and inheritance.  Runs on Python 2.7 and 3.x.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import sys


class Vector(object):
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def scale(self, k):
        return Vector(self.x * k, self.y * k)

    @property
    def norm2(self):
        return self.x * self.x + self.y * self.y


class Particle(object):
    def __init__(self, pos, vel):
        self.pos = pos
        self.vel = vel

    def step(self, dt):
        self.pos = self.pos.add(self.vel.scale(dt))

    def energy(self):
        return 0.5 * self.vel.norm2


class HeavyParticle(Particle):
    def energy(self):
        return 2 * Particle.energy(self)


def simulate(n, steps):
    particles = [(HeavyParticle if i % 3 == 0 else Particle)(Vector(i, -i), Vector(1, 0.5))
                 for i in range(n)]
    total = 0.0
    for _ in range(steps):
        for p in particles:
            p.step(0.01)
            total += p.energy()
    return total


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sys.stdout.write("%.3f\n" % simulate(n, 20))
