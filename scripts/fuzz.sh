#!/bin/sh
# fuzz.sh: runs the libFuzzer targets of tests/fuzz (docs/fuzzing.md) on
# their committed corpus: first each saved crash input of
# tests/fuzz/regressions/<target>/, then the fuzzer for a time or a number
# of runs.  Prints one line per target with its runs, wall time and speed;
# on a failure, the command that reproduces it.  Exit 0 if every target
# ran clean, 1 if one failed, 2 on a usage or build error.
#
#   scripts/fuzz.sh [--seconds N | --runs N] [--fresh] [--no-build] [TARGET...]
#
#   --seconds N  fuzz each target N seconds (default: $FUZZ_SECONDS, else 60)
#   --runs N     fuzz each target N executions instead ($FUZZ_RUNS)
#   --fresh      keep the inputs found in a temporary directory removed at
#                the end (the test does), not in tests/fuzz/work/<target>/
#   --no-build   do not run make first (the test: make has built them)
#   TARGET       linetable, pylayout, pydebugoffsets, cgparse (default: all)
#
# Run from the source tree after configure (or by `make fuzz`, which sets
# top_srcdir and top_builddir); builds the targets first.  One process per
# target, one target at a time: the machine's other work keeps its cores.
# Inputs found are kept in tests/fuzz/work/<target>/ (with its log
# <target>.log beside it), crashes in tests/fuzz/artifacts/<target>/ (and
# with --fresh the log there, as <target>.log), all in the build tree and
# none committed (docs/fuzzing.md says how to fold new inputs into the
# corpus).
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
all_targets="linetable pylayout pydebugoffsets cgparse"
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
fresh=no
build=yes
targets=""

usage() {
   sed -n '/^#   scripts/,/^#   TARGET/p' "$0" | sed 's/^# \{0,1\}//' >&2
   exit 2
}

while [ $# -gt 0 ]; do
   case $1 in
      --seconds) [ $# -ge 2 ] || usage; seconds=$2; runs=""; shift 2 ;;
      --runs) [ $# -ge 2 ] || usage; runs=$2; shift 2 ;;
      --fresh) fresh=yes; shift ;;
      --no-build) build=no; shift ;;
      -h|--help) usage ;;
      -*) usage ;;
      *) case " $all_targets " in
            *" $1 "*) targets="$targets $1" ;;
            *) echo "fuzz.sh: no target '$1' (targets: $all_targets)" >&2; exit 2 ;;
         esac
         shift ;;
   esac
done
[ -n "$targets" ] || targets=$all_targets
if [ -n "$runs" ]; then
   limit="-runs=$runs"
else
   limit="-max_total_time=$seconds"
fi

if [ $build = yes ] && ! make -s -C "$builddir" fuzz-programs >/dev/null; then
   echo "fuzz.sh: cannot build the fuzz targets (was configure run?)" >&2
   exit 2
fi

scratch=""
if [ "$fresh" = yes ]; then
   scratch=$(mktemp -d "${TMPDIR:-/tmp}/pyprofgrind-fuzz.XXXXXX") || exit 2
   trap 'rm -rf "$scratch"' EXIT
fi

status=0
for target in $targets; do
   fuzzer=$builddir/tests/fuzz/fuzz_$target
   if [ ! -x "$fuzzer" ]; then
      echo "fuzz.sh: $fuzzer was not built: configure found no clang with libFuzzer" >&2
      exit 2
   fi
   corpus=$srcdir/tests/fuzz/corpus/$target
   regressions=$srcdir/tests/fuzz/regressions/$target
   artifacts=$builddir/tests/fuzz/artifacts/$target
   # The log outlives a --fresh run: a failure points to it.
   if [ -n "$scratch" ]; then
      work=$scratch/$target
      log=$artifacts.log
   else
      work=$builddir/tests/fuzz/work/$target
      log=$work.log
   fi
   mkdir -p "$work" "$artifacts"
   dict=""
   [ -f "$srcdir/tests/fuzz/$target.dict" ] && dict="-dict=$srcdir/tests/fuzz/$target.dict"

   # The saved crash inputs first, one by one (libFuzzer runs files named
   # on its command line once each).
   if [ -n "$(ls "$regressions" 2>/dev/null)" ]; then
      if ! "$fuzzer" "$regressions"/* >"$log" 2>&1; then
         tail -n 30 "$log"
         echo "fuzz.sh: $target: a saved crash input fails again; reproduce with:"
         echo "  $fuzzer $regressions/*"
         status=1
         continue
      fi
   fi

   start=$(date +%s)
   # -timeout: an input that takes 10 s is a hang, not a slow input.
   # shellcheck disable=SC2086  # $dict is one word or none
   "$fuzzer" $limit -timeout=10 -print_final_stats=1 $dict \
      -artifact_prefix="$artifacts/" "$work" "$corpus" >"$log" 2>&1
   result=$?
   elapsed=$(( $(date +%s) - start ))
   executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
   speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
   if [ $result -ne 0 ]; then
      grep -a -E 'ERROR|broken promise|runtime error|SUMMARY' "$log" | head -n 20
      crash=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n 1)
      echo "fuzz.sh: $target: FAILED after ${executed:-?} runs, ${elapsed} s (log: $log)"
      echo "fuzz.sh: reproduce with:"
      echo "  $fuzzer ${crash:-$artifacts/<the crash file>}"
      status=1
   else
      echo "fuzz.sh: $target: ${executed:-?} runs in ${elapsed} s (${speed:-?} exec/s), clean"
   fi
done
exit $status
