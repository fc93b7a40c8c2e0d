#!/bin/sh
# build.sh: installs missing build dependencies, then configures and builds
# the tree (autogen.sh, configure, make).  Reuses an existing configuration.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"
