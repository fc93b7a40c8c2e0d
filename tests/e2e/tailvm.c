/* tailvm.c: a model of a tail-calling bytecode interpreter, the shape of
 * CPython 3.14's --with-tail-call-interp build, for tailvm.test.  Every
 * instruction is its own static handler function _TAIL_CALL_<OP>, and
 * every handler ends by jumping to the next instruction's handler through
 * a dispatch table with a guaranteed tail call (clang's musttail), so the
 * handlers never return to each other: only the last one (HALT) returns,
 * to vm_run().  A profiler that takes each jump to a function's first
 * instruction for a call (Callgrind's rule) sees a call chain as deep as
 * the number of instructions executed.  Some handlers call real C
 * functions (helper_mix, helper_fold); those calls are counted here and
 * printed, so that the test can check the profile's call counts exactly.
 *
 * Build: clang -g -O2 tailvm.c (clang 13 or later: musttail).
 * Usage: tailvm [N]   runs the program N times (default 300).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#if !defined(__clang__) || !__has_attribute(musttail)
#error "tailvm.c needs clang's musttail attribute"
#endif

#define MUSTTAIL __attribute__((musttail))

enum { OP_PUSH, OP_ADD, OP_DUP, OP_MIX, OP_FOLD, OP_DEC, OP_JNZ, OP_POP, OP_HALT, N_OPS };

typedef struct VM VM;
typedef long (*Handler)(VM *vm, const unsigned char *pc, long *sp, long acc);

struct VM {
   const Handler *table;
   unsigned long executed;     /* instructions run */
   unsigned long mix_calls;    /* calls of helper_mix */
   unsigned long fold_calls;   /* calls of helper_fold */
};

static const Handler handlers[N_OPS];

volatile long sink;

/* Real C functions the handlers call: calls, not dispatches. */
__attribute__((noinline)) long helper_mix(VM *vm, long a, long b)
{
   vm->mix_calls++;
   sink += a;
   return (a * 31) ^ (b + 7);
}

__attribute__((noinline)) long helper_fold(VM *vm, long a)
{
   long i, r = a;
   vm->fold_calls++;
   for (i = 0; i < 3; i++)
      r = (r << 1) ^ (r >> 3) ^ i;
   return r;
}

#define DISPATCH() \
   do { \
      vm->executed++; \
      MUSTTAIL return vm->table[*pc](vm, pc, sp, acc); \
   } while (0)

static long _TAIL_CALL_PUSH(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   *sp++ = pc[1];
   pc += 2;
   DISPATCH();
}

static long _TAIL_CALL_ADD(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   sp--;
   sp[-1] += sp[0];
   pc++;
   DISPATCH();
}

static long _TAIL_CALL_DUP(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   sp[0] = sp[-1];
   sp++;
   pc++;
   DISPATCH();
}

static long _TAIL_CALL_MIX(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   sp--;
   sp[-1] = helper_mix(vm, sp[-1], sp[0]);
   pc++;
   DISPATCH();
}

static long _TAIL_CALL_FOLD(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   acc += helper_fold(vm, sp[-1]) & 0xffff;
   pc++;
   DISPATCH();
}

static long _TAIL_CALL_DEC(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   sp[-1]--;
   pc++;
   DISPATCH();
}

/* Jumps back by pc[1] bytes while the top of the stack is not zero. */
static long _TAIL_CALL_JNZ(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   if (sp[-1] != 0)
      pc -= pc[1];
   else
      pc += 2;
   DISPATCH();
}

static long _TAIL_CALL_POP(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   sp--;
   pc++;
   DISPATCH();
}

static long _TAIL_CALL_HALT(VM *vm, const unsigned char *pc, long *sp, long acc)
{
   vm->executed++;
   return acc + sp[-1];
}

static const Handler handlers[N_OPS] = {
   [OP_PUSH] = _TAIL_CALL_PUSH, [OP_ADD] = _TAIL_CALL_ADD,
   [OP_DUP] = _TAIL_CALL_DUP, [OP_MIX] = _TAIL_CALL_MIX,
   [OP_FOLD] = _TAIL_CALL_FOLD, [OP_DEC] = _TAIL_CALL_DEC,
   [OP_JNZ] = _TAIL_CALL_JNZ, [OP_POP] = _TAIL_CALL_POP,
   [OP_HALT] = _TAIL_CALL_HALT,
};

/* counter = 40; do { x = mix(counter, 3); acc += fold(x); counter--; }
 * while (counter); then the result is counter + 5 + acc: 284 instructions,
 * 40 calls of each helper per run. */
static const unsigned char program[] = {
   OP_PUSH, 40,                 /* 0: counter */
   OP_DUP,                      /* 2: loop */
   OP_PUSH, 3,                  /* 3 */
   OP_MIX,                      /* 5: mix(counter, 3) */
   OP_FOLD,                     /* 6: acc += fold(x) */
   OP_POP,                      /* 7 */
   OP_DEC,                      /* 8 */
   OP_JNZ, 7,                   /* 9: back to 2 */
   OP_PUSH, 5,                  /* 11 */
   OP_ADD,                      /* 13 */
   OP_HALT,                     /* 14 */
};

/* The entry: a real call into the first handler, which returns only
 * when HALT has run. */
__attribute__((noinline)) long vm_run(VM *vm, const unsigned char *code)
{
   long stack[16];
   return vm->table[code[0]](vm, code, stack, 0);
}

int main(int argc, char **argv)
{
   VM vm = { handlers, 0, 0, 0 };
   long result = 0;
   int i, rounds = argc > 1 ? atoi(argv[1]) : 300;
   for (i = 0; i < rounds; i++)
      result += vm_run(&vm, program);
   printf("result %ld\n", result);
   printf("executed %lu\n", vm.executed);
   printf("helper_mix %lu\n", vm.mix_calls);
   printf("helper_fold %lu\n", vm.fold_calls);
   printf("vm_runs %d\n", rounds);
   return 0;
}
