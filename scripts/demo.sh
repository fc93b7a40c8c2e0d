#!/bin/sh
# demo.sh: the Quick start's first command.  Builds and installs pyprofgrind,
# profiles the bundled example (examples/primes.py) with it, and prints
# where the profile is and its most expensive functions.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
cd "$(dirname "$0")/.."
scripts/build.sh
if [ "$(id -u)" -eq 0 ]; then make install >/dev/null; else sudo make install >/dev/null; fi

# pyenv's "python3" is a shell script; profile a real interpreter binary.
python=""
if command -v pyenv >/dev/null 2>&1; then
  for v in 3.12.1 3.11.7 3.13.0; do
    p="$(pyenv prefix "$v" 2>/dev/null)/bin/python${v%.*}"
    if [ -x "$p" ]; then python="$p"; break; fi
  done
fi
[ -n "$python" ] || python="$(command -v python3)"

out="$PWD/pyprofgrind.out.primes"
echo "demo: valgrind --tool=pyprofgrind $python examples/primes.py"
env PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
  valgrind --tool=pyprofgrind --pyprofgrind-out-file="$out" "$python" examples/primes.py
echo
echo "demo: profile written to $out"
echo "demo: open it with 'kcachegrind $out', or 'callgrind_annotate --auto=yes $out'"
echo "demo: the top functions (pyprofgrind-report $out):"
pyprofgrind-report --top 8 "$out"
