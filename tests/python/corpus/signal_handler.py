# signal_handler.py: a signal handler written in Python.  on_usr1() is
# installed with signal.signal() and the process sends itself SIGUSR1 with
# os.kill() eight times; the interpreter runs the handler (from C, at its
# next check for pending signals), and the handler calls a helper.  Each
# kill is followed by a Python call (after_signal), so the handler's frames
# sit between ordinary Python frames.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import signal
import sys

SIGNALS = 8
handled = []


def handler_helper(signum, index):
    acc = 0
    for i in range(50):
        acc = (acc * 31 + signum + index + i) % 65521
    return acc


def on_usr1(signum, frame):
    handled.append(handler_helper(signum, len(handled)))


def after_signal(i):
    return len(handled) * 10 + i


def main():
    signal.signal(signal.SIGUSR1, on_usr1)
    checks = 0
    for i in range(SIGNALS):
        os.kill(os.getpid(), signal.SIGUSR1)
        checks += after_signal(i)
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    sys.stdout.write("handled %d signals, checksum %d, %d\n"
                     % (len(handled), sum(handled), checks))


main()
