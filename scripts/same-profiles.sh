#!/bin/sh
# same-profiles.sh: proves that two builds of pyprofgrind write the same
# profiles, byte for byte.  It is for refactors that must not change any
# output: build the tree before and after the change in two build trees,
# then
#
#   scripts/same-profiles.sh BUILD_A BUILD_B [INTERPRETER...]
#
# BUILD_x: a built tree (pyprofgrind-amd64-linux and inspect/pyprofgrind-inspect
# at its top, vg-in-place configured).  INTERPRETER: a pyenv version (e.g.
# 3.12.1, run as the real $(pyenv prefix V)/bin/pythonX.Y, not pyenv's shim)
# or the path of an interpreter binary; by default pyenv's 2.7.18, 3.11.7 and
# 3.13.0 and Debian's /usr/bin/python3.11 (those present).
#
# For each interpreter it runs every script of tests/python/corpus (but the
# helper_* modules that features.py imports) and of tests/opcodes/corpus,
# with no arguments as the suites do, and examples/primes.py 20000 1 both,
# each in three modes: default, --python-opcodes=yes and
# --python-view=python; all of them under build A, then under build B; and
# compares the profiles.  A script the suites skip (a "# min-version: X.Y"
# header above the interpreter's version) or that fails without Valgrind is
# skipped, and said so.  The corpus is this script's tree's.
#
# Whatever the client sees changes its instruction counts, so it is the same
# for both builds: one VALGRIND_LIB directory (links to every file of the
# installed Valgrind's tool directory, as vg-in-place makes them) whose tool
# and inspector links are switched from build A's to build B's; the
# environment (env -i PATH=/usr/bin:/bin LC_ALL=C PYTHONHASHSEED=0
# PYTHONDONTWRITEBYTECODE=1 HOME=<fixed> VALGRIND_LIB=<fixed>); the working
# directory (a copy of the corpus and nothing else); the output paths; the
# layout cache under HOME (emptied, then filled by one run of each
# interpreter, before each build's runs).  Only the "pid: N" header line
# differs by nature; it is masked before comparing, and the masked lines are
# shown.  JOBS runs go at a time, each in its own run directory (names of
# one length), an item always in the same one.
#
# Verdicts per (interpreter, script, mode):
#   same              the masked profiles (every process's), the output and
#                     the exit status are identical;
#   DIFFERENT         they differ, and the difference does not show between
#                     two runs of one build (diff | head and the commands to
#                     reproduce are printed);
#   nondeterministic  they differ, and so do two runs of one build: thread
#                     timing (see tests/python/pychecks.py's TIMING_DEPENDENT;
#                     3.12+ also counts its threads after a fork by parsing
#                     /proc/self/stat, whose digits vary).
# Each item whose A and B profiles differ is run again under A and under B,
# up to MAX_ROUNDS times, until it is decided.  It is nondeterministic if a
# rerun of A and one of B are identical, or if every cost that differs
# between all the A and all the B runs also differs between two runs of one
# build (of any mode of that script and interpreter) -- costs: per process,
# each function's self Ir and each call arc's calls and inclusive Ir.  It
# is DIFFERENT if that leaves costs out (more than 20: at once; fewer: still
# after the last rerun), or if each build's runs are all identical (in some
# A and some B run of the same number of pid digits, as those digits can
# change costs).
# A run that fails or writes no profile is an ERROR.  Exit status: 0 if no
# item is DIFFERENT or ERROR, 1 otherwise, 2 on bad usage.  The work
# directory is removed unless something failed or KEEP_WORK=1.
# Environment: JOBS [2], MAX_ROUNDS [3], KEEP_WORK=1, TMPDIR.
#
# SPDX-License-Identifier: GPL-2.0-or-later

set -u

PROG=same-profiles.sh
TOOL=pyprofgrind-amd64-linux
INSPECTOR=pyprofgrind-inspect
MODES="default opcodes pyview"
PRIMES_ARGS="20000 1 both"
JOBS=${JOBS:-2}
MAX_ROUNDS=${MAX_ROUNDS:-3}

die() { echo "$PROG: $*" >&2; exit 2; }
START=$(date +%s)

[ $# -ge 2 ] || die "usage: $PROG BUILD_A BUILD_B [INTERPRETER...]"
BUILD_A=$(cd "$1" 2>/dev/null && pwd) || die "no directory $1"
BUILD_B=$(cd "$2" 2>/dev/null && pwd) || die "no directory $2"
shift 2
for b in "$BUILD_A" "$BUILD_B"; do
  [ -x "$b/$TOOL" ] || die "$b/$TOOL is not built"
  [ -x "$b/inspect/$INSPECTOR" ] || die "$b/inspect/$INSPECTOR is not built"
done
case $JOBS in [1-9]) ;; *) die "JOBS must be 1 to 9" ;; esac
TREE=$(cd "$(dirname "$0")/.." && pwd)

# The installed Valgrind's tool directory, as configure found it.
tooldir_of() { sed -n 's/^tooldir="\(.*\)"$/\1/p' "$1/vg-in-place" 2>/dev/null; }
TOOLDIR=$(tooldir_of "$BUILD_A")
if [ -z "$TOOLDIR" ] || [ ! -d "$TOOLDIR" ]; then
  die "no Valgrind tool directory in $BUILD_A/vg-in-place (configure the tree)"
fi
[ "$(tooldir_of "$BUILD_B")" = "$TOOLDIR" ] ||
  echo "$PROG: note: $BUILD_B/vg-in-place names another tool directory; both use $TOOLDIR"
VALGRIND=$(command -v valgrind) || die "no valgrind on PATH"

# -- the work directory ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/same-profiles.XXXXXX") || die "mktemp failed"
case $WORK in *[!A-Za-z0-9/._-]*) rm -rf "$WORK"; die "TMPDIR: no spaces or quotes, please" ;; esac
KEEP=${KEEP_WORK:-0}
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$WORK"; }
SLOT_PIDS=""           # the running job slots (subshells), stopped on a signal
trap cleanup EXIT
trap '[ -z "$SLOT_PIDS" ] || kill $SLOT_PIDS 2>/dev/null; exit 130' INT TERM
LIB=$WORK/lib          # VALGRIND_LIB of every run
HOMEDIR=$WORK/home     # HOME of every run
RES=$WORK/res          # RES/ITEM/RUN (A1 B1 A2 B2 ...): the results
SRC=$WORK/src          # the runs' working directories (SRC/SUITE)
# Runs write to $WORK/run<slot>: one directory per job slot, all names of
# one length; an item always runs in the same slot.
mkdir -p "$LIB" "$SRC/python" "$SRC/opcodes" "$SRC/examples" "$RES"
for f in "$TOOLDIR"/*; do
  name=${f##*/}
  case $name in "$TOOL"|"$INSPECTOR") continue ;; esac
  ln -s "$f" "$LIB/$name"
done
cp "$TREE"/tests/python/corpus/*.py "$SRC/python/"
cp "$TREE"/tests/opcodes/corpus/*.py "$SRC/opcodes/"
cp "$TREE/examples/primes.py" "$SRC/examples/"

use_build() {  # use_build A|B: the tool and inspector links, a fresh HOME
  case $1 in A) dir=$BUILD_A ;; *) dir=$BUILD_B ;; esac
  ln -sfn "$dir/$TOOL" "$LIB/$TOOL"
  ln -sfn "$dir/inspect/$INSPECTOR" "$LIB/$INSPECTOR"
  rm -rf "$HOMEDIR"
  mkdir "$HOMEDIR"
}

ENVIRONMENT="PATH=/usr/bin:/bin LC_ALL=C PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 HOME=$HOMEDIR VALGRIND_LIB=$LIB"

# -- interpreters -------------------------------------------------------------------
# NINTERP; INTERP_<n> (the binary), LABEL_<n>, VERSION_<n> (X.Y)
NINTERP=0
add_interpreter() {  # LABEL BINARY
  version=$(cd "$SRC/python" && env -i $ENVIRONMENT "$2" -B -S -c \
    'import sys; sys.stdout.write("%d.%d" % sys.version_info[:2])' 2>/dev/null) ||
    { echo "$PROG: $1: $2 does not run; skipped"; return 1; }
  NINTERP=$((NINTERP + 1))
  eval "INTERP_$NINTERP=\$2 LABEL_$NINTERP=\$1 VERSION_$NINTERP=\$version"
}
pyenv_binary() {  # VERSION -> the real interpreter binary of pyenv's VERSION
  command -v pyenv >/dev/null 2>&1 || return 1
  prefix=$(pyenv prefix "$1" 2>/dev/null) || return 1
  xy=$(echo "$1" | sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
  [ -n "$xy" ] && [ -x "$prefix/bin/python$xy" ] || return 1
  echo "$prefix/bin/python$xy"
}
if [ $# -eq 0 ]; then
  for v in 2.7.18 3.11.7 3.13.0; do
    if p=$(pyenv_binary "$v"); then add_interpreter "$v" "$p"
    else echo "$PROG: pyenv's Python $v not found; skipped"; fi
  done
  [ -x /usr/bin/python3.11 ] && add_interpreter /usr/bin/python3.11 /usr/bin/python3.11
else
  for v in "$@"; do
    case $v in
      */*) [ -x "$v" ] || die "$v is not an executable"
           add_interpreter "$v" "$v" || die "$v does not run" ;;
      *) p=$(pyenv_binary "$v") || die "no pyenv build $v (pyenv prefix $v)"
         add_interpreter "$v" "$p" || die "$p does not run" ;;
    esac
  done
fi
[ "$NINTERP" -gt 0 ] || die "no interpreter to run"

# -- items ---------------------------------------------------------------------------
# An item is one interpreter, script and mode, written N/SUITE/SCRIPT/MODE;
# its results are in $(item_dir ITEM), with its job slot in slot there.
min_version() {  # the "# min-version: X.Y" of a script's header, if any
  awk '/^#[ \t]*min-version:/ { sub(/^#[ \t]*min-version:[ \t]*/, ""); print; exit }
       /^[ \t]*$/ || /^#/ { next } { exit }' "$1"
}
version_below() {  # X.Y < U.V ?
  [ "$1" != "$2" ] &&
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n | head -1)" = "$1" ]
}
scripts_of() {  # SUITE -> its script names (not the helper_* modules)
  for f in "$SRC/$1"/*.py; do
    case ${f##*/} in helper_*) ;; *) echo "${f##*/}" ;; esac
  done
}
args_of() { [ "$1" = primes.py ] && echo "$PRIMES_ARGS"; }
mode_options() {
  case $1 in
    opcodes) echo "--python-opcodes=yes" ;;
    pyview) echo "--python-view=python" ;;
  esac
}
item_dir() { echo "$RES/$(echo "$1" | tr / _)"; }
item_command() {  # ITEM -> "cd DIR && env -i ... valgrind ... python -B -S SCRIPT ARGS"
  IFS=/ read -r c_n c_suite c_script c_mode <<EOF
$1
EOF
  c_run=$WORK/run$(cat "$(item_dir "$1")/slot")
  eval "c_interp=\$INTERP_$c_n"
  echo "cd $SRC/$c_suite && env -i $ENVIRONMENT $VALGRIND --tool=pyprofgrind" \
       "$(mode_options "$c_mode")" "--log-file=$c_run/log.%p" \
       "--pyprofgrind-out-file=$c_run/out.%p $c_interp -B -S $c_script" \
       "$(args_of "$c_script")" | tr -s ' ' | sed 's/ $//'
}
describe_item() {
  IFS=/ read -r c_n c_suite c_script c_mode <<EOF
$1
EOF
  eval "c_label=\$LABEL_$c_n"
  printf '%-19s %-20s %-7s' "$c_label" "$c_suite/$c_script" "$c_mode"
}

ITEMS=""
SKIPPED=0
NITEMS=0
n=1
while [ $n -le "$NINTERP" ]; do
  eval "interp=\$INTERP_$n label=\$LABEL_$n version=\$VERSION_$n"
  echo "$PROG: interpreter $label: $interp (Python $version)"
  for suite in python opcodes examples; do
    for script in $(scripts_of $suite); do
      minimum=$(min_version "$SRC/$suite/$script")
      if [ -n "$minimum" ] && version_below "$version" "$minimum"; then
        echo "  skipped: $label $suite/$script: needs Python $minimum (min-version header)"
        SKIPPED=$((SKIPPED + 1)); continue
      fi
      # shellcheck disable=SC2046
      (cd "$SRC/$suite" && env -i $ENVIRONMENT "$interp" -B -S "$script" $(args_of "$script") \
        >/dev/null 2>"$WORK/native.stderr")
      status=$?
      if [ $status -ne 0 ]; then
        echo "  skipped: $label $suite/$script: fails without Valgrind (exit $status):"
        tail -3 "$WORK/native.stderr" | sed 's/^/    /'
        SKIPPED=$((SKIPPED + 1)); continue
      fi
      for mode in $MODES; do
        item=$n/$suite/$script/$mode
        ITEMS="$ITEMS $item"
        mkdir -p "$(item_dir "$item")"
        echo $((NITEMS % JOBS + 1)) >"$(item_dir "$item")/slot"
        NITEMS=$((NITEMS + 1))
      done
    done
  done
  n=$((n + 1))
done
[ -n "$ITEMS" ] || die "nothing to run"

# -- running -------------------------------------------------------------------------
warm() {  # fill the layout cache under HOME: one run of each interpreter N...
  for w_n in "$@"; do
    eval "w_interp=\$INTERP_$w_n"
    rm -rf "$WORK/run1"; mkdir "$WORK/run1"
    (cd "$SRC/python" && env -i $ENVIRONMENT "$VALGRIND" --tool=pyprofgrind \
      --log-file="$WORK/run1/log.%p" --pyprofgrind-out-file="$WORK/run1/out.%p" \
      "$w_interp" -B -S -c pass >/dev/null 2>&1)
  done
}

# run_item ITEM TAG: runs ITEM under the current build; the results go to
# $(item_dir ITEM)/TAG: roles (main, child1, ...: a process whose parent is
# one of the run's is a child), ROLE (the profile), ROLE.m (masked), ROLE.log
# (Valgrind's), masked (the masked lines), sig (the number of digits of each
# process's pid and parent's pid), stdout, stderr, status, error.
run_item() {
  r_d=$(item_dir "$1")/$2
  r_run=$WORK/run$(cat "$(item_dir "$1")/slot")
  rm -rf "$r_run" "$r_d"; mkdir -p "$r_run" "$r_d"
  r_command=$(item_command "$1")
  (eval "$r_command" >"$r_run/stdout" 2>"$r_run/stderr")
  echo $? >"$r_d/status"
  mv "$r_run/stdout" "$r_run/stderr" "$r_d/"
  r_pids=$(cd "$r_run" && ls | sed -n 's/^out\.\([0-9][0-9]*\)$/\1/p' | sort -n)
  : >"$r_d/roles"; : >"$r_d/masked"; : >"$r_d/sig"
  r_children=0
  for r_p in $r_pids; do
    r_parent=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)$/\1/p' "$r_run/log.$r_p" 2>/dev/null | head -1)
    r_role=main
    for r_q in $r_pids; do [ "$r_q" = "$r_parent" ] && r_role=child; done
    if [ $r_role = child ]; then r_children=$((r_children + 1)); r_role=child$r_children; fi
    [ -e "$r_d/$r_role" ] && echo "two processes look like the first one" >>"$r_d/error"
    mv "$r_run/out.$r_p" "$r_d/$r_role"
    cp "$r_run/log.$r_p" "$r_d/$r_role.log" 2>/dev/null
    sed 's/^pid: [0-9][0-9]*$/pid: (masked)/' "$r_d/$r_role" >"$r_d/$r_role.m"
    grep -n '^pid: [0-9][0-9]*$' "$r_d/$r_role" | sed "s/^/$r_role:/" >>"$r_d/masked"
    echo "$r_role:${#r_p}/${#r_parent}" >>"$r_d/sig"
    echo $r_role >>"$r_d/roles"
  done
  for r_f in roles masked sig; do LC_ALL=C sort -o "$r_d/$r_f" "$r_d/$r_f"; done
  [ "$(cat "$r_d/status")" = 0 ] || echo "exits $(cat "$r_d/status")" >>"$r_d/error"
  [ -s "$r_d/roles" ] || echo "wrote no profile" >>"$r_d/error"
  grep -qx main "$r_d/roles" || echo "no first process's profile" >>"$r_d/error"
  return 0
}

# run_pass BUILD TAG ITEM...: runs the items under BUILD (A or B), as TAG.
run_pass() {
  p_build=$1 p_tag=$2; shift 2
  [ $# -gt 0 ] || return 0
  use_build "$p_build"
  p_start=$(date +%s)
  # shellcheck disable=SC2046
  warm $(for p_it in "$@"; do echo "${p_it%%/*}"; done | sort -un)
  for p_slot in $(seq 1 "$JOBS"); do
    (for p_it in "$@"; do
       [ "$(cat "$(item_dir "$p_it")/slot")" = "$p_slot" ] && run_item "$p_it" "$p_tag"
     done) &
    SLOT_PIDS="$SLOT_PIDS $!"
  done
  wait
  SLOT_PIDS=""
  eval "p_dir=\$BUILD_$p_build"
  echo "  $p_tag: $# run(s) under build $p_build ($p_dir): $(($(date +%s) - p_start)) s"
}

# -- comparing ----------------------------------------------------------------------
same_run() {  # DIR DIR: identical masked profiles, output and status?
  cmp -s "$1/roles" "$2/roles" && cmp -s "$1/stdout" "$2/stdout" &&
    cmp -s "$1/status" "$2/status" || return 1
  for s_r in $(cat "$1/roles"); do cmp -s "$1/$s_r.m" "$2/$s_r.m" || return 1; done
  return 0
}
# The cost table of a run: "key<TAB>value" lines: per process, every
# function's self Ir and every call arc's (caller -> callee, summed over call
# sites) number of calls and inclusive Ir, names uncompressed; plus the
# processes, output and status.
table() {
  [ -f "$1/table" ] && return 0
  {
    echo "run	processes	$(tr '\n' ' ' <"$1/roles")"
    echo "run	stdout	$(cksum <"$1/stdout")"
    echo "run	status	$(cat "$1/status")"
    for t_r in $(cat "$1/roles"); do
      LC_ALL=C awk -v p="$t_r" '
        function name(space, s,   id, rest) {
          if (!match(s, /^\([0-9]+\)/)) return s
          id = substr(s, 2, RLENGTH - 2); rest = substr(s, RLENGTH + 1); sub(/^ /, "", rest)
          if (rest != "") names[space, id] = rest
          return names[space, id]
        }
        /^ob=/ { ob = name("ob", substr($0, 4)); next }
        /^fl=/ { fl = name("fl", substr($0, 4)); next }
        /^f[ie]=/ { name("fl", substr($0, 4)); next }
        /^fn=/ { fn = name("fn", substr($0, 4)); caller = ob " " fl " " fn; cob = ob; cfi = fl
                 incall = 0; next }
        /^cob=/ { cob = name("ob", substr($0, 5)); next }
        /^cf[il]=/ { cfi = name("fl", substr($0, 5)); next }
        /^cfn=/ { cfn = name("fn", substr($0, 5)); next }
        /^calls=/ { split(substr($0, 7), c, " "); arc = caller " -> " cob " " cfi " " cfn
                    calls[arc] += c[1]; incall = 1; next }
        /^[0-9+*-]/ { if (incall) { inclusive[arc] += $NF; incall = 0; cob = ob; cfi = fl }
                      else self[caller] += $NF
                      next }
        END { for (k in self) print p " self\t" k "\t" self[k]
              for (k in calls) print p " calls\t" k "\t" calls[k]
              for (k in inclusive) print p " inclusive\t" k "\t" inclusive[k] }' "$1/$t_r"
    done
  } | LC_ALL=C sort >"$1/table"
}
diffkeys() {  # DIR DIR: the keys whose values differ
  table "$1"; table "$2"
  LC_ALL=C sort "$1/table" "$2/table" | uniq -u | cut -f1,2 | LC_ALL=C sort -u
}
runs_of() {  # ITEMDIR A|B: the item's runs under that build
  for o_r in "$1/$2"[0-9]*; do [ -d "$o_r" ] && echo "${o_r##*/}"; done
}
within_pairs() {  # ITEMDIR: the pairs of runs of one build that differ
  for w_b in A B; do
    w_runs=$(runs_of "$1" $w_b)
    for w_i in $w_runs; do
      for w_j in $w_runs; do
        [ "${w_i#?}" -lt "${w_j#?}" ] || continue
        same_run "$1/$w_i" "$1/$w_j" || echo "$w_i/$w_j"
      done
    done
  done
}

# classify ITEM: sets VERDICT (same, nondeterministic, DIFFERENT, ERROR,
# undecided: run it again) and WHY, from the item's runs A1.., B1..
classify() {
  k_d=$(item_dir "$1")
  WHY=""
  for k_r in $(runs_of "$k_d" A) $(runs_of "$k_d" B); do
    if [ -s "$k_d/$k_r/error" ]; then
      VERDICT=ERROR; WHY="run $k_r: $(tr '\n' ' ' <"$k_d/$k_r/error")"; return
    fi
  done
  if same_run "$k_d/A1" "$k_d/B1"; then VERDICT=same; return; fi
  if [ ! -d "$k_d/A2" ]; then VERDICT=undecided; return; fi
  k_cross_same="" k_sig_match=""
  for k_a in $(runs_of "$k_d" A); do
    for k_b in $(runs_of "$k_d" B); do
      same_run "$k_d/$k_a" "$k_d/$k_b" && k_cross_same="$k_a and $k_b"
      cmp -s "$k_d/$k_a/sig" "$k_d/$k_b/sig" && k_sig_match=y
    done
  done
  k_within=$(within_pairs "$k_d" | tr '\n' ' ' | sed 's/ $//')
  if [ -n "$k_cross_same" ]; then
    VERDICT=nondeterministic
    WHY="A1 and B1 differ, but $k_cross_same are identical; runs of one build differ: $k_within"
    return
  fi
  if [ -z "$k_within" ]; then
    if [ -n "$k_sig_match" ]; then
      VERDICT=DIFFERENT
      WHY="reproducible: every run of A is identical, every run of B is identical, A and B differ"
    else
      VERDICT=undecided
      WHY="every run of A is identical, every run of B is identical, A and B differ; but no A and B runs had pids of the same number of digits ($(tr '\n' ' ' <"$k_d/A1/sig")in A1, $(tr '\n' ' ' <"$k_d/B1/sig")in B1)"
    fi
    return
  fi
  # noise: the keys that differ between two runs of one build, in any mode of
  # this interpreter and script; always: those that differ between every A
  # run and every B run
  : >"$k_d/noise"
  for k_sibling in "${k_d%_*}"_*; do
    for k_pair in $(within_pairs "$k_sibling"); do
      diffkeys "$k_sibling/${k_pair%/*}" "$k_sibling/${k_pair#*/}" >>"$k_d/noise"
    done
  done
  LC_ALL=C sort -u -o "$k_d/noise" "$k_d/noise"
  k_first=1
  for k_a in $(runs_of "$k_d" A); do
    for k_b in $(runs_of "$k_d" B); do
      diffkeys "$k_d/$k_a" "$k_d/$k_b" >"$k_d/cross"
      if [ $k_first = 1 ]; then mv "$k_d/cross" "$k_d/always"; k_first=0
      else
        LC_ALL=C comm -12 "$k_d/always" "$k_d/cross" >"$k_d/always.new"
        mv "$k_d/always.new" "$k_d/always"
      fi
    done
  done
  LC_ALL=C comm -23 "$k_d/always" "$k_d/noise" >"$k_d/unexplained"
  k_unexplained=$(wc -l <"$k_d/unexplained")
  if [ "$k_unexplained" -gt 0 ]; then
    # A few such costs can be noise that happened to repeat (a cost with two
    # likely values): run again.  Many are not (seen: 1 in noise, hundreds
    # for a real change).
    if [ "$k_unexplained" -gt 20 ]; then VERDICT=DIFFERENT; else VERDICT=undecided; fi
    WHY="runs of one build differ: $k_within; but $k_unexplained cost(s) differ between every A and every B run and never between two runs of one build"
  else
    VERDICT=nondeterministic
    WHY="runs of one build differ: $k_within; each of the $(wc -l <"$k_d/always") costs (function self Ir, arc calls and inclusive Ir) that differ between every A and every B run also differs between two runs of one build"
  fi
}

totals() {  # ITEMDIR: the first process's total of each run
  for u_r in $(runs_of "$1" A) $(runs_of "$1" B); do
    printf ' %s=%s' "$u_r" "$(sed -n 's/^summary: //p' "$1/$u_r/main" 2>/dev/null)"
  done
}

show_difference() {  # ITEM: diff | head of the first differing profile, how to reproduce
  v_d=$(item_dir "$1")
  for v_r in $(cat "$v_d/A1/roles"); do
    if ! cmp -s "$v_d/A1/$v_r.m" "$v_d/B1/$v_r.m"; then
      echo "    diff A1/$v_r.m B1/$v_r.m | head -20  (masked profiles of build A and B):"
      diff "$v_d/A1/$v_r.m" "$v_d/B1/$v_r.m" 2>&1 | head -20 | sed 's/^/      /'
      break
    fi
  done
  cmp -s "$v_d/A1/roles" "$v_d/B1/roles" ||
    echo "    processes: A1: $(tr '\n' ' ' <"$v_d/A1/roles")B1: $(tr '\n' ' ' <"$v_d/B1/roles")"
  cmp -s "$v_d/A1/stdout" "$v_d/B1/stdout" || echo "    the output differs (A1/stdout, B1/stdout)"
  if [ -s "$v_d/unexplained" ]; then
    echo "    costs that differ between every A and B run and never between runs of one build:"
    head -10 "$v_d/unexplained" | sed 's/^/      /'
  fi
  echo "    to reproduce (the work directory is kept), with X = $BUILD_A, then $BUILD_B:"
  echo "      ln -sfn X/$TOOL $LIB/$TOOL; ln -sfn X/inspect/$INSPECTOR $LIB/$INSPECTOR"
  v_run=$WORK/run$(cat "$v_d/slot")
  echo "      rm -rf $v_run $HOMEDIR; mkdir $v_run $HOMEDIR"
  echo "      ($(item_command "$1"))"
  echo "    results: $v_d/{A1,B1,...}; or run: $0 $BUILD_A $BUILD_B $(eval "echo \$LABEL_${1%%/*}")"
}

# -- main ---------------------------------------------------------------------------
# shellcheck disable=SC2086
set -- $ITEMS
echo "$PROG: $# item(s) (interpreter x script x mode), A = $BUILD_A, B = $BUILD_B"
echo "$PROG: corpus of $TREE; VALGRIND_LIB=$LIB (links to $TOOLDIR); HOME=$HOMEDIR; $JOBS job(s)"
run_pass A A1 "$@"
run_pass B B1 "$@"

PENDING=""
for item in $ITEMS; do
  classify "$item"
  [ "$VERDICT" = undecided ] && PENDING="$PENDING $item"
done
round=2
while [ -n "$PENDING" ] && [ $round -le $((MAX_ROUNDS + 1)) ]; do
  # shellcheck disable=SC2086
  set -- $PENDING
  echo "$PROG: $# item(s) differ between A and B: running them again under each (round $round)"
  run_pass A "A$round" "$@"
  run_pass B "B$round" "$@"
  PENDING=""
  for item in "$@"; do
    classify "$item"
    [ "$VERDICT" = undecided ] && PENDING="$PENDING $item"
  done
  round=$((round + 1))
done

echo
echo "$PROG: results (interpreter, script, mode: verdict)"
SAME=0 NONDET=0 DIFF=0 ERRORS=0
for item in $ITEMS; do
  d=$(item_dir "$item")
  classify "$item"
  [ "$VERDICT" = undecided ] && VERDICT=DIFFERENT
  # the masked lines: "PROCESS line N: pid A1|B1"
  masked=$(cat "$d/A1/masked" "$d/B1/masked" 2>/dev/null | LC_ALL=C awk -F: '
    { key = $1 " line " $2; sub(/^[^:]*:[^:]*:pid: */, "")
      if (key in v) v[key] = v[key] "|" $0; else { v[key] = $0; order[++n] = key } }
    END { for (i = n; i >= 1; i--) printf "%s%s: pid %s", (i < n ? ", " : ""), order[i], v[order[i]] }')
  case $VERDICT in
    same)
      SAME=$((SAME + 1))
      echo "$(describe_item "$item")  same  (masked, A1|B1: $masked)" ;;
    nondeterministic)
      NONDET=$((NONDET + 1))
      echo "$(describe_item "$item")  nondeterministic: $WHY"
      echo "    totals:$(totals "$d")" ;;
    ERROR)
      ERRORS=$((ERRORS + 1)); KEEP=1
      echo "$(describe_item "$item")  ERROR: $WHY"
      echo "    to reproduce: $(item_command "$item")" ;;
    *)
      DIFF=$((DIFF + 1)); KEEP=1
      echo "$(describe_item "$item")  DIFFERENT: $WHY"
      echo "    totals:$(totals "$d")"
      show_difference "$item" ;;
  esac
done
echo
echo "$PROG: $SAME same, $NONDET nondeterministic, $DIFF DIFFERENT, $ERRORS ERROR, $SKIPPED skipped; wall time $(($(date +%s) - START)) s"
[ "$KEEP" = 1 ] && echo "$PROG: work directory kept: $WORK"
[ $DIFF -eq 0 ] && [ $ERRORS -eq 0 ]
