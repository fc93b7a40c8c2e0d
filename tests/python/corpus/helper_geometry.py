# helper_geometry.py: imported by features.py (not run on its own):
# module-level code, a class and functions of an imported module.
#
# SPDX-License-Identifier: GPL-2.0-or-later

UNIT = 3


class Rectangle(object):
    def __init__(self, width, height):
        self.width = width
        self.height = height

    def area(self):
        return self.width * self.height


def scaled_area(width, height):
    return Rectangle(width * UNIT, height * UNIT).area()


TABLE = [scaled_area(w, w + 1) for w in range(5)]
