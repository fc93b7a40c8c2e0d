/* Callgrind client requests from <valgrind/callgrind.h>, each with an effect
 * that run-c-test.sh checks in both profiles (via cgcompare.py
 * --expect-present / --expect-absent):
 *   - work done before CALLGRIND_ZERO_STATS is absent from every dump;
 *   - CALLGRIND_DUMP_STATS writes a first dump holding measured_work();
 *   - code run while CALLGRIND_TOGGLE_COLLECT has switched collection off,
 *     or between CALLGRIND_STOP_INSTRUMENTATION and
 *     CALLGRIND_START_INSTRUMENTATION, has no cost in the final dump;
 *   - code run after collection/instrumentation is switched back on has.
 * Each phase uses its own function so its presence is easy to test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <valgrind/callgrind.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void busy_loop(unsigned long iterations)
{
    for (unsigned long i = 0; i < iterations; i++)
        sink += i;
}

__attribute__((noinline)) static void zeroed_setup_work(void) { busy_loop(30000); }
__attribute__((noinline)) static void measured_work(void) { busy_loop(20000); }
__attribute__((noinline)) static void uncollected_work(void) { busy_loop(25000); }
__attribute__((noinline)) static void collected_after_toggle(void) { busy_loop(15000); }
__attribute__((noinline)) static void uninstrumented_work(void) { busy_loop(35000); }
__attribute__((noinline)) static void final_work(void) { busy_loop(10000); }

int main(void)
{
    zeroed_setup_work();
    CALLGRIND_ZERO_STATS;

    measured_work();
    CALLGRIND_DUMP_STATS; /* first dump: measured_work only */

    CALLGRIND_TOGGLE_COLLECT; /* off */
    uncollected_work();
    CALLGRIND_TOGGLE_COLLECT; /* on again */
    collected_after_toggle();

    CALLGRIND_STOP_INSTRUMENTATION;
    uninstrumented_work();
    CALLGRIND_START_INSTRUMENTATION;
    final_work();

    printf("sink=%lu\n", sink);
    return 0; /* final dump at exit: collected_after_toggle and final_work */
}
