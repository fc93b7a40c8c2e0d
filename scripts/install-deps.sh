#!/bin/sh
# install-deps.sh: installs, with apt-get, the Debian packages that building
# and testing pyprofgrind need and that this machine lacks.  Needs root (or
# sudo).  Safe to run again: it installs nothing that is already there.
# With --platforms, also debootstrap for scripts/test-platforms.sh.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
packages="gcc g++ make autoconf automake pkg-config valgrind check libdwarf-dev python3 python3.11 python3.11-dbg libc6-dbg binutils clang"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
updated=no

install_missing() {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "install-deps: installing:$missing"
  if [ $updated = no ]; then
    $sudo apt-get update -qq
    updated=yes
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
}

install_missing $packages
# --platforms: also what scripts/test-platforms.sh needs on the host.
[ "${1:-}" = --platforms ] && install_missing debootstrap util-linux
# The fuzz targets (tests/fuzz) need clang's libFuzzer and sanitizer
# runtimes, which Debian ships apart from clang, in a package named after
# clang's major version (bookworm: clang 14, libclang-rt-14-dev).
clang_major=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n 1)
[ -n "$clang_major" ] && install_missing "libclang-rt-$clang_major-dev"
exit 0
