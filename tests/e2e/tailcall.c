/* Tail calls: built with -O2 so gcc turns the final calls of forward(),
 * dispatch(), countdown_a() and countdown_b() into plain "jmp" instructions
 * to another function (run-c-test.sh verifies this with objdump).  A
 * profiler must still attribute the cost of the jumped-to function to that
 * function and agree with Callgrind on the call arcs it records for such
 * jumps.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

volatile unsigned sink;

__attribute__((noinline)) unsigned leaf_square(unsigned x)
{
    sink += x;
    return x * x + 1;
}

__attribute__((noinline)) unsigned leaf_cube(unsigned x)
{
    sink ^= x;
    return x * x * x + 3;
}

/* Tail call: ends in "jmp leaf_square". */
__attribute__((noinline)) unsigned forward(unsigned x)
{
    sink++;
    return leaf_square(x + 7);
}

/* Two different tail-call targets chosen at run time. */
__attribute__((noinline)) unsigned dispatch(unsigned x)
{
    sink++;
    if (x & 1)
        return leaf_cube(x);
    return forward(x);
}

/* Tail call to another function which tail-calls back: a chain of jumps. */
__attribute__((noinline)) unsigned countdown_b(unsigned n, unsigned acc);

__attribute__((noinline)) unsigned countdown_a(unsigned n, unsigned acc)
{
    sink++;
    if (n == 0)
        return acc;
    return countdown_b(n - 1, acc + n);
}

__attribute__((noinline)) unsigned countdown_b(unsigned n, unsigned acc)
{
    sink--;
    if (n == 0)
        return acc;
    return countdown_a(n - 1, acc ^ n);
}

int main(void)
{
    unsigned total = 0;
    for (unsigned i = 0; i < 1000; i++)
        total += dispatch(i);
    total += countdown_a(500, 0);
    printf("total=%u\n", total);
    return 0;
}
