/* workload.c: the C benchmark workload.  Mixes what a profiler's per-call
 * and per-block costs depend on: many small calls (recursion), calls through
 * function pointers, tight loops, and library calls through the PLT.
 * Argument: scale (default 1).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static unsigned op_add(unsigned a, unsigned b) { return a + b; }
static unsigned op_xor(unsigned a, unsigned b) { return a ^ b; }
static unsigned op_mul(unsigned a, unsigned b) { return a * b + 1; }

static int compare_unsigned(const void *a, const void *b)
{
   unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
   return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
   unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : 1, i, acc = 0;
   unsigned (*ops[])(unsigned, unsigned) = { op_add, op_xor, op_mul };
   static unsigned data[200000];
   char buf[64];

   acc += fib(24 + (scale > 1));
   for (i = 0; i < 2000000 * scale; i++)
      acc = ops[i % 3](acc, i);
   for (i = 0; i < 200000; i++)
      data[i] = (i * 2654435761u) ^ acc;
   qsort(data, 200000, sizeof data[0], compare_unsigned);
   for (i = 0; i < 20000 * scale; i++) {
      snprintf(buf, sizeof buf, "%u-%u", i, acc);
      acc += (unsigned)strlen(buf);
   }
   printf("%u\n", acc + data[12345]);
   return 0;
}
