/* freethreaded.c: a stand-in for a free-threaded CPython build (3.13t,
 * 3.14t) for freethreaded.test.  It defines what makes the tool take an
 * object for CPython (PyEval_EvalCode, PyCode_Type, PyFrame_Type and an
 * eval function, _PyEval_EvalFrameDefault) and, built with -DMARKER, a
 * function only a free-threaded build defines (_Py_MergeZeroLocalRefcount,
 * part of its biased reference counting).  The eval function is given
 * pointers into a table of pointers to itself, so that a profiler that
 * read it with a default build's layout would find "frames" and "code
 * objects" and charge their cost to Python nodes.  The tool must refuse
 * it with one line and profile it as C, exactly as Callgrind does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#define WORDS 4096

static void *table[WORDS];

/* What every CPython defines (the tool checks these three names). */
void *PyCode_Type[32] = { table };
void *PyFrame_Type[32] = { table };

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

long PyEval_EvalCode(void *code, void *globals, void *locals);

long PyEval_EvalCode(void *code, void *globals, void *locals)
{
   return _PyEval_EvalFrameDefault(globals, code, locals != NULL);
}

#ifdef MARKER
/* Only a free-threaded build has it: it reads PyObject's ob_tid. */
void _Py_MergeZeroLocalRefcount(void *op);

void _Py_MergeZeroLocalRefcount(void *op)
{
   table[0] = op;
}
#endif

int main(void)
{
   long total = 0;
   int i;
   for (i = 0; i < WORDS; i++)
      table[i] = &table[(i * 37 + 11) % WORDS];
   for (i = 0; i < 2000; i++)
      total += PyEval_EvalCode(&table[(i * 5) % 512], &table[i % 64], NULL);
#ifdef MARKER
   _Py_MergeZeroLocalRefcount(table[1]);
#endif
   printf("%ld\n", total);
   return 0;
}
