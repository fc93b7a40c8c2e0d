/* notpython.c: a C program that is not CPython but defines a function
 * named like CPython's eval loop, _PyEval_EvalFrameDefault, and is built
 * as "python3.13" (notpython.test), so that both its file name and that
 * one symbol say CPython 3.13.  The arguments it passes are pointers into
 * a table of pointers to itself: any structure offset read from them
 * gives another readable pointer, as a thread state and frame would, so a
 * profiler that takes the program for CPython finds "frames" and charges
 * their cost to Python nodes.  It must be profiled as C, like Callgrind
 * does, with one line saying why.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#define WORDS 4096

static void *table[WORDS];

long _PyEval_EvalFrameDefault(void *tstate, void *frame, int throwflag);

long _PyEval_EvalFrameDefault(void *tstate, void *frame, int throwflag)
{
   void **words = frame;
   long sum = throwflag;
   int i;
   for (i = 0; i < 200; i++)
      sum += (long)((char *)words[i % WORDS] - (char *)tstate) % 7;
   return sum;
}

int main(void)
{
   long total = 0;
   int i;
   for (i = 0; i < WORDS; i++)
      table[i] = &table[(i * 37 + 11) % WORDS];
   for (i = 0; i < 2000; i++)
      total += _PyEval_EvalFrameDefault(&table[i % 64], &table[(i * 5) % 512], 0);
   printf("%ld\n", total);
   return 0;
}
