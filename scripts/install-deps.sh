#!/bin/sh
# install-deps.sh: installs, with apt-get, the Debian packages that building
# and testing pyprofgrind need and that this machine lacks.  Needs root (or
# sudo).  Safe to run again: it installs nothing that is already there.
# With --platforms, also debootstrap for scripts/test-platforms.sh.  With
# --readers, also what the tests with the real readers need (tests/python/
# kcachegrind.test, tests/python/speedscope_callgrind.test, tests/e2e/
# speedscope.test): KCacheGrind, Xvfb, a session D-Bus, Graphviz and
# Chromium from Debian, and speedscope 1.25.0 from npm into
# $SPEEDSCOPE_CACHE (default /var/cache/pyprofgrind/speedscope), where the
# tests look for it; without npm or the registry, those tests skip.
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

platforms=no
readers=no
for arg in "$@"; do
  case $arg in
    --platforms) platforms=yes ;;
    --readers) readers=yes ;;
    *) echo "usage: install-deps.sh [--platforms] [--readers]" >&2; exit 2 ;;
  esac
done

install_missing $packages
# --platforms: also what scripts/test-platforms.sh needs on the host.
[ $platforms = yes ] && install_missing debootstrap util-linux
# --readers: KCacheGrind under Xvfb (about 90 s with apt-get update on a
# machine without them), Chromium, and speedscope (about 5 s).
if [ $readers = yes ]; then
  install_missing kcachegrind xvfb dbus-daemon graphviz chromium
  cache=${SPEEDSCOPE_CACHE:-/var/cache/pyprofgrind/speedscope}
  if [ ! -f "$cache/node_modules/speedscope/dist/release/index.html" ]; then
    if command -v npm >/dev/null 2>&1 && mkdir -p "$cache" \
        && (cd "$cache" && npm install --no-audit --no-fund --loglevel=error speedscope@1.25.0 >/dev/null); then
      echo "install-deps: installed speedscope 1.25.0 in $cache"
    else
      echo "install-deps: could not install speedscope with npm; its tests will skip" >&2
    fi
  fi
fi
# The fuzz targets (tests/fuzz) need clang's libFuzzer and sanitizer
# runtimes, which Debian ships apart from clang, in a package named after
# clang's major version (bookworm: clang 14, libclang-rt-14-dev).
clang_major=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n 1)
[ -n "$clang_major" ] && install_missing "libclang-rt-$clang_major-dev"
exit 0
