#!/bin/sh
# test-platforms.sh: the platform matrix.  Builds pyprofgrind out of tree in
# Debian chroots, each with its own Valgrind, gcc, libdwarf and CPython, and
# runs the unit tests and the C end-to-end suite against that chroot's
# Callgrind there (plus, where the chroot has one the tool supports, the
# Python suite, and on sid the opcode suite, on its Debian CPython).  One
# summary line per platform.
#
#   scripts/test-platforms.sh [SUITE...]            prepare, build, test
#   scripts/test-platforms.sh --prepare [SUITE...]  only make the chroots
#   scripts/test-platforms.sh --in SUITE [COMMAND]  run COMMAND (default: a
#                       shell) in SUITE's chroot, /proc mounted, in the
#                       build tree of the last run: how to reproduce a failure
#
# SUITE: trixie (Debian 13: Valgrind 3.24, gcc 14, libdwarf 0.11.1,
# python3.13) or sid (Valgrind 3.27.1, gcc 16, libdwarf 0.11.1, python3.14
# and python3.15); default: both.  The host (Debian 12: Valgrind 3.19,
# libdwarf 20210528) is tested by `make check` itself.
#
# Chroots are made by debootstrap (minbase plus the packages below) from
# the Debian mirror apt uses on this machine, and cached in
# $PG_CHROOT_CACHE/SUITE [/var/cache/pyprofgrind/chroots]; a chroot is made
# again when it is missing or was made with another package list.  Needs
# root (debootstrap, chroot, mount); installs debootstrap if it is missing.
# The source (git's tracked and untracked-but-not-ignored files, as they
# are in the work tree) is copied to /root/pyprofgrind/src in the chroot and
# built in /root/pyprofgrind/build there; the build tree is kept for --in.
# Mounts are made in a private mount namespace (unshare), so nothing stays
# mounted when a run ends, however it ends.
#
# On the Python suite: Debian 13's python3.13 and python3.13d run the
# Python end-to-end suite (tests/python, labels debian313 and debian313d).
# sid's python3.14 and python3.15 run the Python suite (debian314,
# debian315) and the opcode suite (tests/opcodes, opcodes/debian314 and
# opcodes/debian315 in the summary: 27-40 s of CPU each); their debug
# builds and the JIT runs (debian314d, debian315d, debian314jit,
# debian315jit) pass the Python suite too but are left out of the matrix
# for CI's time: run them with `--in sid 'make check TESTS=...'`.
# python_probes_of can name interpreters the matrix only reports on (what
# the inspector and the tool say, whether the totals agree on a small
# script) without failing.
#
# Exit status: 0 if every platform passed, 1 if one failed (its log and the
# commands that reproduce the failure are printed), 2 on bad usage or when
# a chroot cannot be made.
#
# Environment:
#   PG_CHROOT_CACHE     where the chroots are kept [/var/cache/pyprofgrind/chroots]
#   PG_DEBIAN_MIRROR    Debian mirror [the first deb.debian.org-style URI of
#                       apt's sources on this machine, else http://deb.debian.org/debian]
#   PG_PLATFORM_PYTHON  no: skip the Python suite and the 3.14/3.15 probes
#   PG_PLATFORM_LOGS    where the logs go [$TMPDIR/pyprofgrind-platforms]
#   JOBS                make -j inside the chroots [2]
#
# SPDX-License-Identifier: GPL-2.0-or-later
set -u

PROG=test-platforms.sh
ALL_SUITES="trixie sid"
CACHE=${PG_CHROOT_CACHE:-/var/cache/pyprofgrind/chroots}
LOGS=${PG_PLATFORM_LOGS:-${TMPDIR:-/tmp}/pyprofgrind-platforms}
JOBS=${JOBS:-2}
PYTHON_SUITE=${PG_PLATFORM_PYTHON:-yes}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
SELF="$SRCDIR/scripts/$PROG"
# Inside the chroot
IN_SRC=/root/pyprofgrind/src
IN_BUILD=/root/pyprofgrind/build

die() { echo "$PROG: $*" >&2; exit 2; }

# -- what each chroot holds ------------------------------------------------------
BASE_PACKAGES="valgrind gcc g++ libc6-dev libc6-dbg make autoconf automake pkg-config libdwarf-dev check python3 binutils perl"
packages_of() {  # SUITE
  case $1 in
    trixie) echo "$BASE_PACKAGES python3.13 python3.13-dbg" ;;
    sid) echo "$BASE_PACKAGES python3.14 python3.14-dbg python3.15 python3.15-dbg" ;;
    *) return 1 ;;
  esac
}
python_tests_of() {  # SUITE -> the Python suite's tests that must pass there
  case $1 in
    trixie) echo "tests/python/debian313.test tests/python/debian313d.test" ;;
    sid) echo "tests/python/debian314.test tests/python/debian315.test" \
              "tests/opcodes/debian314.test tests/opcodes/debian315.test" ;;
  esac
}
check_environment_of() {  # SUITE -> environment of its make check-c
  case $1 in
    # No CPython the inspector supports there (3.14 and 3.15 only): its
    # test still checks what it can without one.
    sid) echo "PG_INSPECT_REQUIRE_INTERPRETER=no" ;;
  esac
}
python_probes_of() {  # SUITE -> interpreters only reported on
  case $1 in
    # (none now: sid's debug builds pass the Python suite by hand)
  esac
}

mirror() {
  if [ -n "${PG_DEBIAN_MIRROR:-}" ]; then echo "$PG_DEBIAN_MIRROR"; return; fi
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
          awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++)
                              if ($i ~ /^https?:/) { print $i; exit } }' \
                           /etc/apt/sources.list 2>/dev/null | head -n 1)
  echo "${uri:-http://deb.debian.org/debian}"
}

elapsed() {  # START -> "MmSSs"
  s=$(( $(date +%s) - $1 ))
  printf '%dm%02ds' $((s / 60)) $((s % 60))
}

# -- chroots -------------------------------------------------------------------------
# A ready chroot holds /etc/pyprofgrind-chroot: its package list.
chroot_ready() {  # SUITE
  [ -f "$CACHE/$1/etc/pyprofgrind-chroot" ] &&
    [ "$(cat "$CACHE/$1/etc/pyprofgrind-chroot")" = "$(packages_of "$1")" ]
}

prepare() {  # SUITE: make the chroot unless a ready one is cached
  suite=$1
  mkdir -p "$CACHE" "$LOGS" || die "cannot create $CACHE or $LOGS"
  # One preparer per suite: CI prepares in the background while the host
  # suite runs, then the matrix waits here for it.
  exec 9>"$CACHE/.$suite.lock"
  flock 9 || die "cannot lock $CACHE/.$suite.lock"
  if chroot_ready "$suite"; then
    exec 9>&-
    return 0
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "$PROG: installing debootstrap"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } \
      >"$LOGS/install-debootstrap.log" 2>&1 ||
      { tail -n 20 "$LOGS/install-debootstrap.log"; die "cannot install debootstrap"; }
  fi
  start=$(date +%s)
  url=$(mirror)
  log=$LOGS/$suite.debootstrap.log
  echo "$PROG: $suite: making the chroot $CACHE/$suite from $url (log: $log)"
  # Never remove a tree with something mounted in it (this script's mounts
  # live in private namespaces and end with them; someone else's may not).
  if awk -v d="$CACHE/$suite" 'index($2, d) == 1' /proc/mounts | grep -q .; then
    echo "$PROG: $suite: something is mounted under $CACHE/$suite; not removing it" >&2
    exec 9>&-
    return 1
  fi
  rm -rf "$CACHE/$suite" "$CACHE/$suite.new"
  # shellcheck disable=SC2046  # one word per package
  if ! nice debootstrap --variant=minbase \
        --include=$(packages_of "$suite" | tr ' ' ',') \
        "$suite" "$CACHE/$suite.new" "$url" >"$log" 2>&1; then
    tail -n 20 "$log"
    echo "$PROG: $suite: debootstrap failed; reproduce with:"
    echo "  debootstrap --variant=minbase --include=$(packages_of "$suite" | tr ' ' ',') $suite $CACHE/$suite.new $url"
    exec 9>&-
    return 1
  fi
  # The mirror's Release files for sid may be older than their
  # Valid-Until: apt inside the chroot (to add a package by hand) needs this.
  if [ "$suite" = sid ]; then
    echo 'Acquire::Check-Valid-Until "false";' \
      >"$CACHE/$suite.new/etc/apt/apt.conf.d/99pyprofgrind-no-valid-until"
  fi
  cp /etc/resolv.conf "$CACHE/$suite.new/etc/resolv.conf" 2>/dev/null
  packages_of "$suite" >"$CACHE/$suite.new/etc/pyprofgrind-chroot"
  mv "$CACHE/$suite.new" "$CACHE/$suite"
  echo "$PROG: $suite: chroot made in $(elapsed "$start")"
  exec 9>&-
}

# in_chroot SUITE COMMAND: COMMAND (a shell command line) run by sh in the
# chroot with /proc mounted, in a private mount namespace, with a fixed
# environment.
in_chroot() {
  root=$CACHE/$1
  # The chroot's root is made a mount point of its own, so that unshare
  # works inside it too (tests/e2e/own-pids.sh).
  unshare --mount --propagation private sh -c '
    root=$1; shift
    mount --bind "$root" "$root" || exit 125
    mount -t proc proc "$root/proc" || exit 125
    mount -t tmpfs tmpfs "$root/dev/shm" 2>/dev/null
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LC_ALL=C TERM=dumb /bin/sh -c "$1"' sh "$root" "$2"
}

copy_source() {  # SUITE
  dest=$CACHE/$1$IN_SRC
  rm -rf "$dest" && mkdir -p "$dest" || return 1
  if git -C "$SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$SRCDIR" && git ls-files -z --cached --others --exclude-standard |
       tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$dest"
  else
    # Not a git checkout: the whole tree, which must not be configured in
    # place (a VPATH build refuses a configured source tree).
    [ ! -f "$SRCDIR/config.status" ] ||
      { echo "$PROG: $SRCDIR is configured in place: run make distclean first" >&2; return 1; }
    (cd "$SRCDIR" && tar -cf - .) | tar -xf - -C "$dest"
  fi
}

# What runs in the chroot, in steps; each step's output goes to
# $IN_BUILD/../STEP.log and a line "step STEP STATUS SECONDS" to stdout.
INSIDE_SCRIPT='
set -u
src='"$IN_SRC"' build='"$IN_BUILD"' jobs=$1 python_tests=$2 probes=$3 check_env=$4
top=$(dirname "$build")
step() {  # NAME COMMAND...: run, log, report
  name=$1; shift
  t0=$(date +%s)
  ( "$@" ) >"$top/$name.log" 2>&1
  rc=$?
  echo "step $name $rc $(( $(date +%s) - t0 ))"
  return $rc
}
configure_tree() {
  rm -rf "$build" && mkdir -p "$build" && cd "$src" && ./autogen.sh &&
    cd "$build" && "$src/configure"
}
build_tree() { cd "$build" && nice make -j"$jobs"; }
c_tests() { cd "$build" && env $check_env nice make -j"$jobs" check-c; }
python_suite() { cd "$build" && nice make -j"$jobs" check TESTS="$python_tests"; }
probe() {  # INTERPRETER: what the inspector and the tool make of it
  py=$1 w=$top/probe.$(basename "$1")
  rm -rf "$w" && mkdir -p "$w/src" && cd "$w/src" || return 1
  printf "def f(n):\n    return sum(i * i for i in range(n))\nfor _ in range(20):\n    f(1000)\n" >loop.py
  "$build/inspect/pyprofgrind-inspect" --layout "$py" >"$w/inspect.out" 2>"$w/inspect.err"
  echo "inspector exit $?: $(sed -n "s/^source /layout from /p; s/^version_hex /version_hex /p" "$w/inspect.out" | tr "\n" " ")$(head -n 1 "$w/inspect.err")"
  # Both tools through vg-in-place (its VALGRIND_LIB is in the client
  # environment), each run in a PID namespace of its own; Callgrind twice,
  # to show its own run-to-run difference.
  for run in A1 A2 B; do
    tool=callgrind
    [ $run = B ] && tool=pyprofgrind
    unshare --pid --fork --mount-proc env -i PATH=/usr/bin:/bin LC_ALL=C PYTHONHASHSEED=0 \
      HOME="$w" "$build/vg-in-place" --tool=$tool --log-file="$w/$run.log" \
      --$tool-out-file="$w/$run.out" "$py" -B -S loop.py
  done
  echo "tool says: $(grep "pyprofgrind: " "$w/B.log" | grep -v "^==[0-9]*== pyprofgrind-" | sed "s/^==[0-9]*== //" | head -n 3 | tr "\n" " ")"
  a1=$(sed -n "s/^totals: //p" "$w/A1.out") a2=$(sed -n "s/^totals: //p" "$w/A2.out")
  b=$(sed -n "s/^totals: //p" "$w/B.out")
  echo "totals: Callgrind $a1 and $a2, pyprofgrind $b"
  "$build/report/pyprofgrind-report" --top 0 "$w/B.out" >"$w/report.txt" 2>&1
  functions=$(sed -n "s/^Python functions by inclusive cost (top [0-9]* of \([0-9]*\)).*/\1/p" "$w/report.txt")
  f_calls=$(awk "\$NF == \"(loop.py)\" && \$(NF-1) == \"f\" { print \$4; exit }" "$w/report.txt")
  unknown=$(awk "\$NF == \"(???)\" && \$(NF-1) == \"<unknown>\" { print \$2; exit }" "$w/report.txt")
  echo "Python functions: ${functions:-none}; f of loop.py: ${f_calls:-absent} calls (20 expected); <unknown>: ${unknown:-none} of the total"
}
step configure configure_tree || exit 0
step build build_tree || exit 0
step check-c c_tests
if [ -n "$python_tests" ]; then step python python_suite; fi
for py in $probes; do
  [ -x "$py" ] || continue
  echo "probe $py"
  probe "$py" 2>&1 | sed "s/^/  /"
done
exit 0
'

# Pass/fail/skip counts of a make check log: "P pass, F fail, S skip"
counts_of() {  # LOG
  awk '/^# PASS:/ { p += $3 } /^# FAIL:/ { f += $3 } /^# SKIP:/ { s += $3 }
       /^# XFAIL:/ { f += 0 } /^# ERROR:/ { f += $3 }
       END { printf("%d pass, %d fail, %d skip", p, f, s) }' "$1"
}

run_suite() {  # SUITE -> prints the summary line; 0 if it passed
  suite=$1
  start=$(date +%s)
  out=$LOGS/$suite
  rm -rf "$out" && mkdir -p "$out"
  if ! copy_source "$suite"; then
    SUMMARY="$SUMMARY
platform $suite: FAIL: cannot copy the source into $CACHE/$suite$IN_SRC"
    return 1
  fi
  py_tests="" probes=""
  if [ "$PYTHON_SUITE" != no ]; then
    py_tests=$(python_tests_of "$suite")
    probes=$(python_probes_of "$suite")
  fi
  rm -f "$CACHE/$suite"/root/pyprofgrind/*.log
  printf '%s\n' "$INSIDE_SCRIPT" >"$CACHE/$suite/root/pyprofgrind/inside.sh"
  in_chroot "$suite" "sh /root/pyprofgrind/inside.sh '$JOBS' '$py_tests' '$probes' '$(check_environment_of "$suite")'" \
    >"$out/steps.txt" 2>&1
  # The chroot's logs, next to the step list.
  cp "$CACHE/$suite"/root/pyprofgrind/*.log "$out/" 2>/dev/null
  # What the platform is
  vg=$(sed -n 's/^configure: Valgrind: \([^ ]*\).*/\1/p' "$out/configure.log")
  dw=$(sed -n 's/^configure: libdwarf: //p' "$out/configure.log")
  cc=$(sed -n 's/^configure: compiler: \(.*\)$/\1/p' "$out/configure.log" | sed 's/.*) //')
  line="platform $suite: Valgrind ${vg:-?}, gcc ${cc:-?}, libdwarf ${dw:-?}:"
  failed_steps=""
  step_status() { awk -v s="$1" '$1 == "step" && $2 == s { print $3 }' "$out/steps.txt"; }
  for s in configure build; do
    if [ "$(step_status $s)" != 0 ]; then
      line="$line $s FAILED"
      failed_steps=$s
      break
    fi
  done
  if [ -z "$failed_steps" ]; then
    line="$line unit+C e2e $(counts_of "$out/check-c.log")"
    [ "$(step_status check-c)" = 0 ] || { failed_steps="check-c"; line="$line FAILED"; }
    if [ -n "$py_tests" ]; then
      line="$line; Python suite ($(echo "$py_tests" | sed 's|tests/python/||g; s|tests/||g; s|\.test||g')) $(counts_of "$out/python.log")"
      [ "$(step_status python)" = 0 ] || { failed_steps="$failed_steps python"; line="$line FAILED"; }
    fi
  fi
  line="$line; $(elapsed "$start")"
  SUMMARY="$SUMMARY
$line"
  if grep -q '^probe ' "$out/steps.txt"; then
    PROBES="$PROBES
$suite (reported, not tested):
$(sed -n '/^probe /,$p' "$out/steps.txt" | sed 's/^/  /')"
  fi
  [ -n "$failed_steps" ] || return 0
  for failed_step in $failed_steps; do
    echo "$PROG: $suite: $failed_step failed (log: $out/$failed_step.log)"
    if [ "$failed_step" = check-c ] || [ "$failed_step" = python ]; then
      # automake's summary names the failing tests; their logs say how to reproduce.
      for t in $(sed -n 's/^\(FAIL\|ERROR\): \([^ ]*\).*/\2/p' "$out/$failed_step.log" | head -n 5); do
        log=$CACHE/$suite$IN_BUILD/${t%.test}.log
        echo "--- $t, the end of its log ($log):"
        grep -v '^ *cd ' "$log" 2>/dev/null | tail -n 25
        echo "--- reproduce with:"
        echo "  $SELF --in $suite '$(check_environment_of "$suite") make check TESTS=$t'"
      done
    else
      tail -n 30 "$out/$failed_step.log"
      echo "--- reproduce with:"
      echo "  $SELF $suite     # then, in the chroot: $SELF --in $suite"
    fi
  done
  return 1
}

# -- command line ----------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
mode=test
case ${1:-} in
  --prepare) mode=prepare; shift ;;
  --in) mode=in; shift ;;
  -h|--help) sed -n '2,/^# SPDX/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) die "unknown option $1 (see --help)" ;;
esac

if [ $mode = in ]; then
  [ $# -ge 1 ] || die "usage: $PROG --in SUITE [COMMAND]"
  suite=$1; shift
  packages_of "$suite" >/dev/null || die "unknown suite $suite (known: $ALL_SUITES)"
  chroot_ready "$suite" || die "no chroot $CACHE/$suite: run $PROG --prepare $suite"
  if [ $# -eq 0 ]; then
    in_chroot "$suite" "cd $IN_BUILD 2>/dev/null || cd /root; exec /bin/bash -i"
  else
    in_chroot "$suite" "cd $IN_BUILD && $*"
  fi
  exit $?
fi

suites=${*:-$ALL_SUITES}
for s in $suites; do
  packages_of "$s" >/dev/null || die "unknown suite $s (known: $ALL_SUITES)"
done
command -v unshare >/dev/null 2>&1 || die "unshare (util-linux) is missing"

status=0
for s in $suites; do
  prepare "$s" || status=2
done
[ $mode = prepare ] && exit $status
[ $status = 0 ] || exit 2

SUMMARY="" PROBES=""
for s in $suites; do
  run_suite "$s" || status=1
done
echo "$PROG: summary (logs in $LOGS):"
echo "$SUMMARY" | sed '/^$/d'
[ -z "$PROBES" ] || echo "$PROBES" | sed '/^$/d'
exit $status
