#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-c-test.sh NAME -- end-to-end test of pyprofgrind against Callgrind.
#
# Compiles tests/e2e/NAME.c (or NAME.cc), runs it once under Callgrind
# (profile A, the reference) and once under pyprofgrind (profile B) with
# identical environment, arguments and working directory, and checks:
#   1. both runs exit like the program does natively and print the same stdout;
#   2. cgcompare.py finds A and B in agreement (totals, self costs, call
#      counts; for clientreq also the expected effect of each client request);
#   3. callgrind_annotate reads every B without warnings, and
#      callgrind_annotate --auto=yes (--threshold=100) annotates the test's
#      own source.
# Programs that write several profiles (fork: one per process; clientreq: one
# per CALLGRIND_DUMP_STATS) are paired by process role and dump part.
#
# Exit status: 0 pass, 1 fail, 77 skip (automake convention).  On failure the
# commands to reproduce are printed, one per line.  Work files are kept in
# $builddir/NAME.work (removed on success unless KEEP_WORK=1).
#
# Under automake, list the wrappers tests/e2e/NAME.test in TESTS: each execs
# "run-c-test.sh NAME" from the directory it is in.  The test sources,
# cgcompare.py and this script are found next to this script (also in VPATH
# builds), so automake's srcdir is not needed.  By hand:
#   tests/e2e/run-c-test.sh recursion
#
# Environment (all optional):
#   top_builddir  top of the build tree               [this script's dir/../..]
#   VG_IN_PLACE   launcher for the in-tree Valgrind   [$top_builddir/vg-in-place]
#   builddir      where NAME.work is created          [$top_builddir/tests/e2e/build]
#   TOOL_B        tool producing profile B            [pyprofgrind]
#   B_OPTIONS     extra Valgrind options for the B run only, e.g.
#                 "--dump-instr=yes" (with TOOL_B=callgrind: self-test)
#   PYTHON        Python 3 for cgcompare.py           [/usr/bin/python3, python3]
#   CC, CXX       compilers                           [gcc, g++]
#   E2E_CPPFLAGS  extra preprocessor flags, e.g. -I to find <valgrind/callgrind.h>
#   CALLGRIND_ANNOTATE                                [callgrind_annotate]
#   CGCOMPARE_FLAGS  cgcompare.py options [--all-arcs: call counts of every
#                 arc must match, not only of arcs to costly functions];
#                 e.g. "--all-arcs --verbose", or "" for cgcompare's defaults
#   KEEP_WORK=1   keep NAME.work after a pass

set -u

# ---------------------------------------------------------------- settings --

# The one place that says how each test program is compiled.
compile_command_for() {  # NAME SOURCE EXECUTABLE
    local name=$1 source=$2 executable=$3
    local flags="-g -O0"
    case $name in
        tailcall) flags="-g -O2" ;;
        threads) flags="-g -O0 -pthread" ;;
    esac
    case $source in
        *.cc) echo "$CXX $flags $E2E_CPPFLAGS -o $executable $source" ;;
        *) echo "$CC $flags $E2E_CPPFLAGS -o $executable $source" ;;
    esac
}

# Functions whose self cost in a profile tells which process wrote it, for
# programs that fork; prints "role:function" pairs.
process_role_markers_for() {  # NAME
    case $1 in
        fork) echo "parent:parent_after_fork child:child_after_fork" ;;
    esac
}

# Extra cgcompare.py options for one pair of profiles: the expected effect of
# the client requests in clientreq.c (see its header comment).  PART is the
# profile's role plus dump-part suffix, e.g. "main" (final dump), "main.1".
cgcompare_expectations_for() {  # NAME PART
    case $1:$2 in
        fork:child)
            # Unlike Callgrind, the child's profile starts at the fork: the
            # work the parent did before it must not be in the child's file,
            # and what the child did after it must cost exactly the same.
            echo "--only-fn child_after_fork --expect-absent-in-b before_fork_work" ;;
        clientreq:main.1)
            echo "--expect-present measured_work --expect-absent zeroed_setup_work" \
                 "--expect-absent collected_after_toggle" ;;
        clientreq:main)
            echo "--expect-present collected_after_toggle --expect-present final_work" \
                 "--expect-absent zeroed_setup_work --expect-absent measured_work" \
                 "--expect-absent uncollected_work --expect-absent uninstrumented_work" ;;
    esac
}

# ---------------------------------------------------------------- helpers --

test_name=${1:-}
if [ -z "$test_name" ]; then
    echo "usage: $0 NAME   (NAME = a program in tests/e2e, e.g. recursion)" >&2
    exit 1
fi

script_dir=$(cd "$(dirname "$0")" && pwd)
top_builddir=$(cd "${top_builddir:-$script_dir/../..}" && pwd)
builddir=${builddir:-$top_builddir/tests/e2e/build}
mkdir -p "$builddir" && builddir=$(cd "$builddir" && pwd) || exit 1
VG_IN_PLACE=${VG_IN_PLACE:-$top_builddir/vg-in-place}
TOOL_B=${TOOL_B:-pyprofgrind}
read -r -a b_options <<<"${B_OPTIONS:-}"
CC=${CC:-gcc}
CXX=${CXX:-g++}
E2E_CPPFLAGS=${E2E_CPPFLAGS:-}
CALLGRIND_ANNOTATE=${CALLGRIND_ANNOTATE:-callgrind_annotate}
CGCOMPARE_FLAGS=${CGCOMPARE_FLAGS---all-arcs}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
# A launcher given as a path is made absolute, one given as a bare name is
# looked up in the fixed PATH below.
case $VG_IN_PLACE in
    */*) if [ -d "$(dirname "$VG_IN_PLACE")" ]; then
             VG_IN_PLACE=$(cd "$(dirname "$VG_IN_PLACE")" && pwd)/$(basename "$VG_IN_PLACE")
         fi ;;
esac

# Both profiled runs see exactly this environment (the environment's size
# changes the client's stack and hence its instruction count).
fixed_environment=(env -i PATH=/usr/bin:/bin LC_ALL=C)

work_dir=$builddir/$test_name.work
reproduce_commands=()

log() { echo "$test_name: $*"; }

shell_quote() {  # ARGS... -> one copy-pasteable command line
    local quoted="" argument
    for argument in "$@"; do quoted+=$(printf '%q ' "$argument"); done
    echo "${quoted% }"
}

# run_logged OUT ERR COMMAND... : run COMMAND in $work_dir with stdout/stderr
# to the given files, remember it for the reproduction list, return its status.
run_logged() {
    local out=$1 err=$2
    shift 2
    reproduce_commands+=("cd $(printf '%q' "$work_dir") && $(shell_quote "$@")")
    (cd "$work_dir" && "$@") >"$out" 2>"$err"
}

fail() {
    log "FAIL: $*"
    if [ "${#reproduce_commands[@]}" != 0 ]; then
        echo "--- to reproduce (work files are in $work_dir):"
        printf '%s\n' "${reproduce_commands[@]}"
    fi
    exit 1
}

skip() {
    log "SKIP: $*"
    exit 77
}

show_file() {  # FILE [LINES]: indented tail of a log file
    [ -s "$1" ] && tail -n "${2:-20}" "$1" | sed 's/^/    /'
    return 0
}

show_report() {  # FILE: indented start of a report, and its last line if cut
    local line_count
    line_count=$(wc -l <"$1")
    head -n 50 "$1" | sed 's/^/    /'
    if [ "$line_count" -gt 50 ]; then
        echo "    ... $((line_count - 51)) more line(s) in $1 ..."
        tail -n 1 "$1" | sed 's/^/    /'
    fi
}

# ------------------------------------------------------------ preparation --

if [ -f "$script_dir/$test_name.c" ]; then
    source_file=$script_dir/$test_name.c
elif [ -f "$script_dir/$test_name.cc" ]; then
    source_file=$script_dir/$test_name.cc
    command -v "$CXX" >/dev/null 2>&1 || skip "no C++ compiler ($CXX)"
else
    echo "$test_name: no $test_name.c or $test_name.cc in $script_dir" >&2
    exit 1
fi
command -v "$CC" >/dev/null 2>&1 || skip "no C compiler ($CC)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 7))' 2>/dev/null \
    || skip "no Python 3.7+ ($PYTHON)"
command -v "$CALLGRIND_ANNOTATE" >/dev/null 2>&1 || skip "no $CALLGRIND_ANNOTATE"
(cd / && PATH=/usr/bin:/bin command -v "$VG_IN_PLACE") >/dev/null 2>&1 \
    || fail "Valgrind launcher '$VG_IN_PLACE' not found (set VG_IN_PLACE)"

rm -rf "$work_dir"
mkdir -p "$work_dir" || fail "cannot create $work_dir"

executable=$work_dir/$test_name
read -r -a compile_command <<<"$(compile_command_for "$test_name" "$source_file" "$executable")"
if ! run_logged "$work_dir/compile.out" "$work_dir/compile.err" "${compile_command[@]}"; then
    if [ "$test_name" = clientreq ] && grep -q 'valgrind/callgrind.h' "$work_dir/compile.err"; then
        skip "<valgrind/callgrind.h> not found (set E2E_CPPFLAGS=-I...)"
    fi
    show_file "$work_dir/compile.err"
    fail "compilation failed"
fi

# The tail-call test is pointless unless the compiler really emitted a jump
# from forward() to leaf_square().
if [ "$test_name" = tailcall ]; then
    if command -v objdump >/dev/null 2>&1; then
        objdump -d "$executable" \
            | awk '/^[0-9a-f]+ <forward>:/,/^$/' | grep -q 'jmp .*<leaf_square>' \
            || fail "compiler emitted no tail-call jmp forward -> leaf_square (objdump -d $executable)"
    else
        log "note: objdump missing, tail-call code generation not verified"
    fi
fi

# Native run: the status every profiled run must reproduce.
(cd "$work_dir" && "${fixed_environment[@]}" "$executable") \
    >"$work_dir/native.stdout" 2>"$work_dir/native.stderr"
native_status=$?

# ---------------------------------------------------------- profiled runs --

# run_profiled SIDE TOOL [OPTION...]: profile files are
# $work_dir/SIDE.out.<pid>[.<part>].  The out-file option names differ in
# length between tools; Valgrind does not pass its own options to the
# client, so this does not change the client's instruction count (checked:
# same totals for 1- and 70-character file names).
run_profiled() {
    local side=$1 tool=$2 status
    shift 2
    run_logged "$work_dir/$side.stdout" "$work_dir/$side.valgrind.log" \
        "${fixed_environment[@]}" "$VG_IN_PLACE" --tool="$tool" "$@" \
        "--$tool-out-file=$work_dir/$side.out.%p" "$executable"
    status=$?
    if [ "$status" != "$native_status" ]; then
        show_file "$work_dir/$side.valgrind.log"
        fail "$tool run exited with $status, natively $native_status"
    fi
    if ! cmp -s "$work_dir/native.stdout" "$work_dir/$side.stdout"; then
        fail "$tool run printed other output than the native run" \
             "(see $work_dir/native.stdout and $work_dir/$side.stdout)"
    fi
}

run_profiled A callgrind
run_profiled B "$TOOL_B" ${b_options[@]+"${b_options[@]}"}

# Name every profile file of SIDE by its pairing key "role[.part]", written
# as lines "KEY FILE", sorted by key.
pairing_keys() {  # SIDE
    local side=$1 file suffix pid part role marker pids functions markers
    markers=$(process_role_markers_for "$test_name")
    pids=$(for file in "$work_dir/$side".out.*; do
               [ -e "$file" ] || continue
               suffix=${file#"$work_dir/$side".out.}
               echo "${suffix%%.*}"
           done | sort -u)
    for file in "$work_dir/$side".out.*; do
        [ -e "$file" ] || continue
        suffix=${file#"$work_dir/$side".out.}
        pid=${suffix%%.*}
        part=${suffix#"$pid"}
        role=""
        if [ "$(echo "$pids" | wc -l)" = 1 ]; then
            role=main
        else
            functions=$("$PYTHON" "$script_dir/cgcompare.py" --list-functions "$file")
            for marker in $markers; do
                if grep -q "^[0-9]* ${marker#*:} \[" <<<"$functions"; then
                    role=${marker%%:*}
                fi
            done
        fi
        [ -n "$role" ] || role="unknown-process-$pid"
        echo "$role$part $file"
    done | sort
}

pairing_keys A >"$work_dir/A.pairs"
pairing_keys B >"$work_dir/B.pairs"
[ -s "$work_dir/A.pairs" ] || fail "callgrind wrote no profile $work_dir/A.out.*"
[ -s "$work_dir/B.pairs" ] || fail "$TOOL_B wrote no profile $work_dir/B.out.*"
if ! diff <(cut -d' ' -f1 "$work_dir/A.pairs") <(cut -d' ' -f1 "$work_dir/B.pairs") \
        >"$work_dir/pairs.diff"; then
    sed 's/^/    /' "$work_dir/A.pairs" "$work_dir/B.pairs"
    fail "the two tools wrote different sets of profiles (process roles / dump parts)"
fi

# ------------------------------------------------------------- comparison --

failures=0
while read -r key profile_a; do
    profile_b=$(awk -v key="$key" '$1 == key { print $2 }' "$work_dir/B.pairs")
    read -r -a extra_flags <<<"$(cgcompare_expectations_for "$test_name" "$key") $CGCOMPARE_FLAGS"
    if run_logged "$work_dir/compare.$key.txt" "$work_dir/compare.$key.err" \
            "$PYTHON" "$script_dir/cgcompare.py" "${extra_flags[@]}" "$profile_a" "$profile_b"; then
        log "[$key] $(tail -n 1 "$work_dir/compare.$key.txt")"
    else
        log "[$key] profiles disagree:"
        show_report "$work_dir/compare.$key.txt"
        show_file "$work_dir/compare.$key.err"
        failures=$((failures + 1))
    fi

    annotate_out=$work_dir/annotate.$key
    if ! run_logged "$annotate_out.txt" "$annotate_out.err" "$CALLGRIND_ANNOTATE" "$profile_b"; then
        log "[$key] callgrind_annotate failed"
        show_file "$annotate_out.err"
        failures=$((failures + 1))
    elif [ -s "$annotate_out.err" ] || grep -q WARNING "$annotate_out.txt"; then
        log "[$key] callgrind_annotate complained:"
        show_file "$annotate_out.err"
        grep WARNING "$annotate_out.txt" | head -n 5 | sed 's/^/    /'
        failures=$((failures + 1))
    fi
    # --threshold=100: choose every source file, not only those of the
    # functions making up 99% of the cost (after CALLGRIND_ZERO_STATS,
    # callgrind_annotate counts the inclusive cost of a "calls=0" arc as
    # self cost of the caller, which can crowd the test's own functions out).
    if ! run_logged "$annotate_out.auto.txt" "$annotate_out.auto.err" \
            "$CALLGRIND_ANNOTATE" --auto=yes --threshold=100 "$profile_b"; then
        log "[$key] callgrind_annotate --auto=yes failed"
        show_file "$annotate_out.auto.err"
        failures=$((failures + 1))
    elif ! grep -qxF -- "-- Auto-annotated source: $source_file" "$annotate_out.auto.txt"; then
        log "[$key] callgrind_annotate --auto=yes did not annotate $source_file"
        failures=$((failures + 1))
    fi
done <"$work_dir/A.pairs"

if [ "$failures" != 0 ]; then
    fail "$failures check(s) failed"
fi
log "PASS"
[ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$work_dir"
exit 0
