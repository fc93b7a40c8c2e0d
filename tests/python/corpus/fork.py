# fork.py: os.fork() from Python.  Before the fork, before_fork_work() runs
# in the one process; after it the child runs child_after_fork() and leaves
# with os._exit(), the parent waits for the child and then runs
# parent_after_fork().  Under the profilers each process writes its own
# profile (%p in the file name): the child's must contain
# child_after_fork() and none of parent_after_fork() (and, as its counts
# start at the fork, none of before_fork_work()).
#
# Output is deterministic: stdout is flushed before the fork, the child
# writes and flushes before it exits, the parent writes only after waitpid().
#
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import sys


def mix(x, k):
    return (x * 2654435761 + k) % 4294967296


def before_fork_work():
    acc = 1
    for k in range(300):
        acc = mix(acc, k)
    return acc


def child_after_fork():
    acc = 7
    for k in range(400):
        acc = mix(acc, k + 1)
    return acc


def parent_after_fork():
    acc = 11
    for k in range(200):
        acc = mix(acc, k + 2)
    return acc


def main():
    before = before_fork_work()
    sys.stdout.write("before fork: %d\n" % before)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        result = child_after_fork()
        sys.stdout.write("child: %d\n" % result)
        sys.stdout.flush()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    result = parent_after_fork()
    sys.stdout.write("parent: %d, child status %d\n" % (result, status))


main()
