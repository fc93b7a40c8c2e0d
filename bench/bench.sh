#!/bin/sh
# bench.sh: wall time and peak memory of pyprofgrind against Callgrind and
# Valgrind's no-instrumentation tool (--tool=none), measured in the same run
# on the same workloads, as ratios.  Each configuration runs REPEAT times
# (default 3); the minimum wall time and the maximum peak RSS are kept.
#
#   bench/bench.sh [REPEAT]
#
# Workloads: bench/workload.c (C); examples/primes.py (v1 and v2),
# bench/oo.py (small method calls) and bench/strings.py (strings and dicts)
# on the pyenv interpreters 2.7, 3.11 and 3.13 found here, with Python
# attribution on (the default) and, on 3.11 and 3.13, with opcode nodes
# (--python-opcodes=yes).
# Needs /usr/bin/time (Debian package time) and a built tree.
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
top="$(cd "$(dirname "$0")/.." && pwd)"
repeat="${1:-3}"
vg="$top/vg-in-place"
work="${TMPDIR:-/tmp}/pyprofgrind-bench.$$"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
[ -x "$top/pyprofgrind-amd64-linux" ] || { echo "bench: build the tree first (make)" >&2; exit 1; }

gcc -O2 -g -o "$work/workload" "$top/bench/workload.c"

# measure TOOL CMD...: prints "seconds peak_kib" (best of $repeat)
measure() {
  tool=$1; shift
  best_s=""; peak=0; i=0
  while [ "$i" -lt "$repeat" ]; do
    case $tool in
      callgrind) out="--callgrind-out-file=$work/out" ;;
      pyprofgrind) out="--pyprofgrind-out-file=$work/out" ;;
      *) out="" ;;
    esac
    case $tool in
      pyprofgrind) pg_options="$extra_options" ;;
      *) pg_options="" ;;
    esac
    env -i PATH=/usr/bin:/bin PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 \
      /usr/bin/time -f "%e %M" -o "$work/time" \
      "$vg" --tool="$tool" $out $pg_options "$@" >/dev/null 2>"$work/err" \
      || { cat "$work/err" >&2; exit 1; }
    read -r s kib < "$work/time"
    if [ -z "$best_s" ] || [ "$(echo "$s < $best_s" | bc)" = 1 ]; then best_s=$s; fi
    [ "$kib" -gt "$peak" ] && peak=$kib
    i=$((i + 1))
  done
  echo "$best_s $peak"
}

row() {
  name=$1; shift
  set -- "$@"
  n=$(measure none "$@"); c=$(measure callgrind "$@"); p=$(measure pyprofgrind "$@")
  echo "$n $c $p" | awk -v name="$name" '{
    printf "%-24s none %6.2fs %7dK | callgrind %6.2fs %7dK | pyprofgrind %6.2fs %7dK | pg/cg time %.2f mem %.2f | pg/none time %.2f\n",
      name, $1, $2, $3, $4, $5, $6, $5/$3, $6/$4, $5/$1 }'
}

extra_options=""
echo "bench: best of $repeat runs; time = wall seconds, memory = peak RSS"
row "C workload" "$work/workload" 1
for v in 2.7.18 3.11.7 3.13.0; do
  prefix=$(pyenv prefix "$v" 2>/dev/null) || continue
  py="$prefix/bin/python${v%.*}"
  [ -x "$py" ] || continue
  extra_options=""
  row "primes v1 $v" "$py" "$top/examples/primes.py" 100000 2 v1
  row "primes v2 $v" "$py" "$top/examples/primes.py" 100000 2 v2
  row "oo $v" "$py" "$top/bench/oo.py" 300
  row "strings $v" "$py" "$top/bench/strings.py" 5000
  case $v in
    3.*)
      extra_options="--python-opcodes=yes"
      row "primes v1 $v opcodes" "$py" "$top/examples/primes.py" 100000 2 v1
      row "oo $v opcodes" "$py" "$top/bench/oo.py" 300
      ;;
  esac
done
