# threads.py: eight threads running Python, all joined.
#
# Each worker thread waits for its baton, passes the baton on to the next
# thread, computes (work -> step), and waits again, for ROUNDS rounds; the
# last thread of the last round wakes the main thread.  So every function's
# call count is fixed, and so is the result.
#
# Instruction counts must not depend on how the threads interleave either
# (the profile's total is compared with Callgrind's from another run), so:
#   - all hand-overs use raw locks (batons, "done", and the start signal
#     that Thread.start() waits for): unlike Event and Condition they have
#     no Python code whose path depends on which thread got there first;
#   - the switch interval is huge: no thread is ever forced to drop the GIL,
#     a thread gives it up only when it blocks;
#   - a thread that has just woken another one keeps the GIL for 50 ms of
#     real time before it blocks (hold_gil(): usleep() through ctypes.PyDLL,
#     which does not release the GIL), so the woken thread is always
#     already waiting for the GIL when it is released;
#   - the main thread sleeps (GIL released) before join(), so all workers
#     have fully exited and join() never has to wait.
# What still depends on timing is inside glibc's mutex, condition variable
# and semaphore code (whether a futex is found contended); the test runner
# compares totals without those functions for this program.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import ctypes
import sys
import threading
import time

N_THREADS = 8
ROUNDS = 2
HOLD_SECONDS = 0.05

_libc = ctypes.PyDLL(None)        # PyDLL: calls keep holding the GIL


def hold_gil():
    _libc.usleep(int(HOLD_SECONDS * 1000000))


class StartSignal(object):
    """Stands in for the Event a Thread sets when it has started and
    Thread.start() waits for: a raw lock, and the GIL held before waiting
    (the new thread is then surely waiting for the GIL).  set is the lock's
    own (C) release method: the new thread calls it before threading
    installs the trace hook there, so a Python set() would be a call the
    oracle cannot see."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lock.acquire()
        self.set = self.lock.release

    def wait(self, timeout=None):
        hold_gil()
        self.lock.acquire()
        self.lock.release()
        return True

    def is_set(self):
        return not self.lock.locked()

    isSet = is_set


class Worker(threading.Thread):
    def __init__(self, index, batons, done, results):
        threading.Thread.__init__(self, name="worker-%d" % index)
        if hasattr(self, "_started"):
            self._started = StartSignal()
        else:                                   # Python 2.7
            self._Thread__started = StartSignal()
        self.index = index
        self.batons = batons
        self.done = done
        self.results = results

    def run(self):
        self.results[self.index] = worker_loop(self.index, self.batons, self.done)


def step(value, i):
    return (value * 1103515245 + 12345 + i) % 2147483648


def work(index, round_number):
    value = index * 100 + round_number
    for i in range(150):
        value = step(value, i)
    return value


def worker_loop(index, batons, done):
    total = 0
    hold_gil()                    # whoever started us is waiting for the GIL
    for round_number in range(ROUNDS):
        batons[index].acquire()
        if round_number == ROUNDS - 1 and index == N_THREADS - 1:
            done.release()
        else:
            batons[(index + 1) % N_THREADS].release()
        total = (total + work(index, round_number)) % 2147483648
        hold_gil()                # the thread just woken now waits for the GIL
    return total


def locked_lock():
    lock = threading.Lock()
    lock.acquire()
    return lock


def main():
    if hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(1000.0)
    else:
        sys.setcheckinterval(1 << 30)
    batons = [locked_lock() for _ in range(N_THREADS)]
    done = locked_lock()
    results = [None] * N_THREADS
    workers = [Worker(i, batons, done, results) for i in range(N_THREADS)]
    for worker in workers:
        worker.start()
    batons[0].release()
    hold_gil()
    done.acquire()
    time.sleep(0.3)               # let every worker exit completely
    for worker in workers:
        worker.join()
    sys.stdout.write("threads: %s\n" % " ".join(str(r) for r in results))


main()
