/* Direct recursion: a naive recursive Fibonacci plus a recursive tree walk.
 * Callgrind's default --separate-recs=2 turns the deeper activations into
 * "fib'2" and "walk'2", so this checks that recursion contexts are folded
 * back into one function and that recursive call counts agree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

__attribute__((noinline)) static unsigned long fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Sum of the depths of all nodes of a complete binary tree of given depth. */
__attribute__((noinline)) static unsigned long walk(unsigned depth, unsigned level)
{
    if (level == depth)
        return level;
    return level + walk(depth, level + 1) + walk(depth, level + 1);
}

int main(void)
{
    unsigned long fib_result = fib(20);
    unsigned long walk_result = walk(10, 0);
    printf("fib(20)=%lu walk=%lu\n", fib_result, walk_result);
    return 0;
}
