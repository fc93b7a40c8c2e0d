#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# own-pids.sh TEST [ARGS...]: make check's log compiler (TEST_LOG_COMPILER).
# Runs a test of tests/e2e in a PID namespace of its own (unshare --pid
# --fork --mount-proc), where process ids start at 1 for every test; other
# tests run as they are.
#
# Why: glibc 2.41 (Debian 13 and sid) writes a new thread's id into the
# client as decimal text, so a run's instruction count depends on the
# number of digits of its thread ids.  With pid_max at 32768, the system's
# process ids wrap often, and a wrap between the Callgrind run and the
# pyprofgrind run of one test (or within one run) changed its total by 100
# Ir (separate_threads.test on Debian 13).  In a namespace of its own a
# test's process ids are small and the same in every run.
#
# Without the privilege to make a namespace (unshare fails) the test runs
# in the system's PID space; PG_OWN_PIDS=no does that on purpose.
case $1 in
    tests/e2e/*|*/tests/e2e/*) ;;
    *) exec "$@" ;;
esac
if [ "${PG_OWN_PIDS:-yes}" != no ]; then
    if why=$(unshare --pid --fork --mount-proc true 2>&1); then
        exec unshare --pid --fork --mount-proc "$@"
    fi
    echo "own-pids.sh: no PID namespace of its own (unshare: $why); running in the system's" >&2
fi
exec "$@"
