#!/bin/sh
# install-deps.sh: installs, with apt-get, the Debian packages that building
# and testing pyprofgrind need and that this machine lacks.  Needs root (or
# sudo).  Safe to run again: it installs nothing that is already there.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
packages="gcc g++ make autoconf automake pkg-config valgrind check libdwarf-dev python3 python3.11 python3.11-dbg libc6-dbg binutils"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
