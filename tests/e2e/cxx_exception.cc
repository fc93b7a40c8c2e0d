/* C++ exceptions: an exception is thrown three frames below the try block
 * and caught, repeatedly, so the unwinder (libgcc's _Unwind_RaiseException
 * and the personality routine) runs between the throw and the catch.  The
 * frames the exception passes through have destructors to run.  The
 * profiler must keep self costs and call arcs in agreement with Callgrind
 * although the returns are not executed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <cstdio>
#include <stdexcept>

static volatile unsigned sink;

struct ScopeCounter {
    ~ScopeCounter() { sink++; }
};

__attribute__((noinline)) static void thrower(int round)
{
    ScopeCounter guard;
    if (round >= 0)
        throw std::runtime_error("round failed");
    sink++;
}

__attribute__((noinline)) static void middle(int round)
{
    ScopeCounter guard;
    thrower(round);
    sink++;
}

__attribute__((noinline)) static void outer(int round)
{
    ScopeCounter guard;
    middle(round);
    sink++;
}

__attribute__((noinline)) static unsigned after_catch_work(int round)
{
    unsigned acc = 0;
    for (int i = 0; i < 100; i++)
        acc = acc * 7 + round + i;
    return acc;
}

int main()
{
    unsigned caught = 0, total = 0;
    for (int round = 0; round < 10; round++) {
        try {
            outer(round);
        } catch (const std::runtime_error &error) {
            caught++;
        }
        total += after_catch_work(round);
    }
    std::printf("caught=%u total=%u destructors=%u\n", caught, total, (unsigned)sink);
    return 0;
}
