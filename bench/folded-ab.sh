#!/bin/bash
# folded-ab.sh: the cost of --folded-stacks.  Runs CPython 3.12 on
# examples/primes.py 20000 1 v1 and bench/oo.py under three tools in
# turn, ROUNDS times: BASE (another built tree, e.g. the commit before the
# option), this tree with the option off, and this tree with it on; prints
# the medians and minima of wall time, user CPU time and peak memory.
#
#   bench/folded-ab.sh BASE_TREE [ROUNDS]     (ROUNDS default 10)
#
# BASE_TREE needs its tool and its pyprofgrind-inspect built (without the
# inspector, the tool reads a different interpreter layout and the runs
# are not comparable).  Needs /usr/bin/time and CPython 3.12.1 under pyenv.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -eu
top="$(cd "$(dirname "$0")/.." && pwd)"
base="$(cd "${1:?usage: $0 BASE_TREE [ROUNDS]}" && pwd)"
rounds="${2:-10}"
python="${PYENV_ROOT:-$HOME/.pyenv}/versions/3.12.1/bin/python3.12"
work="${TMPDIR:-/tmp}/pyprofgrind-folded-ab.$$"
for f in "$base/vg-in-place" "$base/inspect/pyprofgrind-inspect" "$top/vg-in-place" \
         "$python" /usr/bin/time; do
  [ -x "$f" ] || { echo "folded-ab: $f is missing" >&2; exit 1; }
done
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cd "$top"
for workload in "examples/primes.py 20000 1 v1" "bench/oo.py"; do
  for round in $(seq 1 "$rounds"); do
    for variant in base off on; do
      case $variant in
        base) vg=$base/vg-in-place; option="" ;;
        off) vg=$top/vg-in-place; option="" ;;
        on) vg=$top/vg-in-place; option="--folded-stacks=yes" ;;
      esac
      # shellcheck disable=SC2086 # $workload and $option split on purpose
      env -i PATH=/usr/bin:/bin HOME="$HOME" PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
        /usr/bin/time -f "${workload%% *} $variant %e %U %M" -o "$work/time" \
        "$vg" --tool=pyprofgrind $option --pyprofgrind-out-file="$work/out" \
        "$python" $workload >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
      cat "$work/time" >>"$work/results"
      rm -f "$work/out" "$work/out.folded"
    done
  done
done
python3 - "$work/results" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print("%-20s %-5s %8s %8s %8s %8s %10s" % ("workload", "tool", "wall", "min", "user", "min", "peak KB"))
for workload in sorted({r[0] for r in rows}):
    for variant in ("base", "off", "on"):
        sel = [r for r in rows if r[0] == workload and r[1] == variant]
        wall = [float(r[2]) for r in sel]
        user = [float(r[3]) for r in sel]
        print("%-20s %-5s %8.2f %8.2f %8.2f %8.2f %10d"
              % (workload, variant, statistics.median(wall), min(wall),
                 statistics.median(user), min(user), max(int(r[4]) for r in sel)))
EOF
