/* Indirect calls: a table of operation function pointers is walked in a
 * data-dependent order, so every callee is reached only through "call *reg".
 * Also calls through a pointer passed as an argument (qsort comparator,
 * called from inside libc).  Call counts per arc must match exactly.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

typedef long (*binary_op)(long, long);

__attribute__((noinline)) static long op_add(long a, long b) { return a + b; }
__attribute__((noinline)) static long op_sub(long a, long b) { return a - b; }
__attribute__((noinline)) static long op_mul(long a, long b) { return (a * b) % 1000003 + 1; }
__attribute__((noinline)) static long op_xor(long a, long b) { return a ^ b; }

static binary_op const op_table[] = { op_add, op_sub, op_mul, op_xor };

__attribute__((noinline)) static long apply(binary_op op, long a, long b)
{
    return op(a, b);
}

static int compare_longs(const void *left, const void *right)
{
    long l = *(const long *)left, r = *(const long *)right;
    return (l > r) - (l < r);
}

int main(void)
{
    long acc = 1;
    long values[200];
    for (int i = 0; i < 2000; i++) {
        binary_op op = op_table[(i * 7 + i / 3) % 4];
        acc = apply(op, acc, i + 1);
        if (i % 10 == 0)
            values[i / 10] = acc;
    }
    qsort(values, 200, sizeof values[0], compare_longs);
    printf("acc=%ld min=%ld max=%ld\n", acc, values[0], values[199]);
    return 0;
}
