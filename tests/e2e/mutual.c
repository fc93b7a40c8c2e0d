/* Mutual recursion: is_even() and is_odd() call each other down to zero.
 * The call graph has a two-function cycle (is_even -> is_odd -> is_even),
 * which exercises cycle handling and recursion contexts spanning two
 * functions; both arcs must carry the same call counts in both profiles.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

static int is_odd(unsigned n);

__attribute__((noinline)) static int is_even(unsigned n)
{
    return n == 0 ? 1 : is_odd(n - 1);
}

__attribute__((noinline)) static int is_odd(unsigned n)
{
    return n == 0 ? 0 : is_even(n - 1);
}

int main(void)
{
    unsigned evens = 0;
    for (unsigned n = 0; n < 300; n++)
        evens += is_even(n);
    printf("evens below 300: %u, is_odd(777)=%d\n", evens, is_odd(777));
    return 0;
}
