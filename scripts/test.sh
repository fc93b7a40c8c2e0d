#!/bin/sh
# test.sh: the Quick start's second command, and what CI runs.  Installs
# missing dependencies, builds, and runs every test (make check): unit tests
# of the pure modules and end-to-end comparisons against Callgrind.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
cd "$(dirname "$0")/.."
scripts/build.sh
make -j2 check
