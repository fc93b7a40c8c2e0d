/* Non-local exits: longjmp() out of a call chain three frames deep (and from
 * inside a recursion), and siglongjmp() out of a signal handler invoked
 * from a nested frame.  Callgrind unwinds its shadow call stack when the
 * stack pointer jumps up; a profiler must keep costs and call counts in
 * agreement with it afterwards, including for calls made after the jump.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf plain_target;
static sigjmp_buf signal_target;
static volatile unsigned sink;

__attribute__((noinline)) static void level3(int code)
{
    sink += code;
    longjmp(plain_target, code);
}

__attribute__((noinline)) static void level2(int code)
{
    level3(code);
    sink++; /* never reached; keeps level3() from being a tail call */
}

__attribute__((noinline)) static void level1(int code)
{
    level2(code);
    sink++;
}

/* Recurses depth times, then longjmps out of all activations at once. */
__attribute__((noinline)) static void dive(int depth, int code)
{
    if (depth == 0) {
        level1(code);
        return;
    }
    dive(depth - 1, code);
    sink++;
}

static void jump_out_handler(int signo)
{
    sink += signo;
    siglongjmp(signal_target, signo);
}

__attribute__((noinline)) static void raise_deep2(void)
{
    raise(SIGUSR1);
    sink++;
}

__attribute__((noinline)) static void raise_deep1(void)
{
    raise_deep2();
    sink++;
}

__attribute__((noinline)) static unsigned after_jump_work(unsigned n)
{
    unsigned acc = 0;
    for (unsigned i = 0; i < n; i++)
        acc = acc * 31 + i;
    return acc;
}

int main(void)
{
    unsigned total = 0;

    for (int round = 1; round <= 5; round++) {
        int code = setjmp(plain_target);
        if (code == 0)
            level1(round);
        total += code + after_jump_work(100);
    }
    for (int round = 1; round <= 5; round++) {
        int code = setjmp(plain_target);
        if (code == 0)
            dive(round * 3, round);
        total += code + after_jump_work(50);
    }

    signal(SIGUSR1, jump_out_handler);
    for (int round = 0; round < 5; round++) {
        int signo = sigsetjmp(signal_target, 1);
        if (signo == 0)
            raise_deep1();
        total += signo + after_jump_work(20);
    }
    printf("total=%u\n", total);
    return 0;
}
