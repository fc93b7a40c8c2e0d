#!/bin/sh
# bench.sh: wall time and peak memory of pyprofgrind against Callgrind and
# Valgrind's no-instrumentation tool (--tool=none), measured in the same run
# on the same workloads, as ratios.  Per workload each tool runs once to
# warm up, then REPEAT rounds (default 5) run none, callgrind and
# pyprofgrind in turn; the medians are kept.
#
#   bench/bench.sh [REPEAT]
#
# Workloads: bench/workload.c (C); per interpreter a short run (the
# interpreter's start-up and the profile's dump weigh: `-c pass`) and long
# ones: examples/primes.py (v1 and v2; v1 also ten times as long, where
# the start-up no longer weighs), bench/oo.py (small method calls)
# and bench/strings.py (strings and dicts), with Python attribution on (the
# default) and, from 3.11, with opcode nodes (--python-opcodes=yes).
# Interpreters: the pyenv builds 2.7, 3.11 and 3.13 found here, and
# /usr/bin/python3.14 and python3.15 where they exist (Debian sid: run it
# in the sid chroot, scripts/test-platforms.sh --in sid 'SRC/bench/bench.sh'),
# those also with their JIT on (PYTHON_JIT=1).  BENCH_ONLY=REGEX keeps
# the rows whose name matches the extended regular expression REGEX (e.g.
# "^(start-up|primes v1) 3.1[45]").
# Needs /usr/bin/time (Debian package time) and a built tree: this source
# tree, or the build directory it is run from (an out-of-tree build).
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -e
top="$(cd "$(dirname "$0")/.." && pwd)"
repeat="${1:-5}"
build="$top"
[ -x "$build/vg-in-place" ] || build=$(pwd)
vg="$build/vg-in-place"
work="${TMPDIR:-/tmp}/pyprofgrind-bench.$$"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
[ -x "$build/pyprofgrind-amd64-linux" ] || { echo "bench: build the tree first (make), or run from its build directory" >&2; exit 1; }

gcc -O2 -g -o "$work/workload" "$top/bench/workload.c"

# run_once TOOL CMD...: appends "seconds peak_kib" of one run to $work/TOOL
run_once() {
  tool=$1; shift
  case $tool in
    callgrind) out="--callgrind-out-file=$work/out" ;;
    pyprofgrind) out="--pyprofgrind-out-file=$work/out" ;;
    *) out="" ;;
  esac
  case $tool in
    pyprofgrind) pg_options="$extra_options" ;;
    *) pg_options="" ;;
  esac
  # HOME as users have it: pyprofgrind keeps interpreter layouts in
  # ~/.cache/pyprofgrind; without HOME every run would read the DWARF
  # again (the warm-up run fills the cache).
  # shellcheck disable=SC2086 # $client_env is a list of assignments
  env -i PATH=/usr/bin:/bin HOME="$HOME" PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 $client_env \
    /usr/bin/time -f "%e %M" -o "$work/time" \
    "$vg" --tool="$tool" $out $pg_options "$@" >/dev/null 2>"$work/err" \
    || { cat "$work/err" >&2; exit 1; }
  cat "$work/time" >> "$work/$tool"
}

# median FILE COLUMN
median() {
  sort -n -k "$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# row NAME CMD...: one warm-up run of each tool, then $repeat rounds of
# none, callgrind, pyprofgrind in turn, so that a machine whose speed
# drifts slows all three alike; medians of wall time and peak RSS.
row() {
  name=$1; shift
  if [ -n "${BENCH_ONLY:-}" ] && ! echo "$name" | grep -Eq "$BENCH_ONLY"; then return 0; fi
  for tool in none callgrind pyprofgrind; do
    run_once "$tool" "$@"
    : > "$work/$tool"
  done
  i=0
  while [ "$i" -lt "$repeat" ]; do
    for tool in none callgrind pyprofgrind; do run_once "$tool" "$@"; done
    i=$((i + 1))
  done
  echo "$(median "$work/none" 1) $(median "$work/none" 2)" \
       "$(median "$work/callgrind" 1) $(median "$work/callgrind" 2)" \
       "$(median "$work/pyprofgrind" 1) $(median "$work/pyprofgrind" 2)" |
  awk -v name="$name" '{
    printf "%-24s none %6.2fs %7dK | callgrind %6.2fs %7dK | pyprofgrind %6.2fs %7dK | pg/cg time %.2f mem %.2f | pg/none time %.2f\n",
      name, $1, $2, $3, $4, $5, $6, $5/$3, $6/$4, $5/$1 }'
}

# interpreters: "LABEL PATH CLIENT_ENV" lines (CLIENT_ENV "-": none)
interpreters() {
  for v in 2.7.18 3.11.7 3.13.0; do
    prefix=$(pyenv prefix "$v" 2>/dev/null) || continue
    [ -x "$prefix/bin/python${v%.*}" ] && echo "$v $prefix/bin/python${v%.*} -"
  done
  for v in 3.14 3.15; do
    if [ -x "/usr/bin/python$v" ]; then
      echo "$v /usr/bin/python$v PYTHON_JIT=0"
      echo "$v-jit /usr/bin/python$v PYTHON_JIT=1"
    fi
  done
}

extra_options=""
client_env=""
echo "bench: medians of $repeat interleaved runs after a warm-up; time = wall seconds, memory = peak RSS"
row "C workload" "$work/workload" 1
interpreters > "$work/interpreters"
while read -r v py env_list; do
  client_env=""
  [ "$env_list" = "-" ] || client_env=$env_list
  extra_options=""
  row "start-up $v" "$py" -c pass
  row "primes v1 $v" "$py" "$top/examples/primes.py" 100000 2 v1
  row "primes v2 $v" "$py" "$top/examples/primes.py" 100000 2 v2
  row "primes v1 long $v" "$py" "$top/examples/primes.py" 1000000 3 v1
  row "oo $v" "$py" "$top/bench/oo.py" 300
  row "strings $v" "$py" "$top/bench/strings.py" 5000
  case $v in
    2.*) ;;
    *)
      extra_options="--python-opcodes=yes"
      row "start-up $v opcodes" "$py" -c pass
      row "primes v1 $v opcodes" "$py" "$top/examples/primes.py" 100000 2 v1
      row "oo $v opcodes" "$py" "$top/bench/oo.py" 300
      row "strings $v opcodes" "$py" "$top/bench/strings.py" 5000
      ;;
  esac
done < "$work/interpreters"
