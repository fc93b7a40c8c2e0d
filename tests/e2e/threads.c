/* Threads: four pthreads run at the same time, each in a different worker
 * function with a different amount of work (so their self costs are
 * distinguishable), plus one shared helper called a thread-specific number
 * of times; all are joined.
 *
 * Instruction counts must not depend on how the threads interleave, so the
 * only synchronization is through blocking syscalls whose user-space path is
 * the same whether they block or not (1-byte pipe reads): no worker starts
 * before all are created, main learns from a pipe that each worker is done,
 * and then sleeps 100 ms so that every thread has fully exited before
 * pthread_join() (which otherwise may or may not wait on a futex).
 * Workers start one at a time (main creates the next one when the last
 * has said so through a pipe): glibc 2.41 names each new thread's stack
 * (start_thread -> name_stack_maps -> __set_vma_name), and the first
 * thread to get there also reads a tunable, so two workers starting at
 * once made 35 Ir move between their profiles from run to run.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { WORKER_COUNT = 4 };

static int start_pipe[2]; /* main -> workers: one byte per worker: "go" */
static int done_pipe[2];  /* workers -> main: one byte per finished worker */
static int started_pipe[2]; /* worker -> main: "running", one byte each */

__attribute__((noinline)) static unsigned long shared_step(unsigned long x)
{
    return x * 6364136223846793005UL + 1442695040888963407UL;
}

__attribute__((noinline)) static void wait_for_start(void)
{
    char byte;
    if (write(started_pipe[1], "s", 1) != 1)
        _exit(2);
    if (read(start_pipe[0], &byte, 1) != 1)
        _exit(2);
}

__attribute__((noinline)) static void report_done(void)
{
    if (write(done_pipe[1], "d", 1) != 1)
        _exit(2);
}

static void *worker_sum(void *arg)
{
    wait_for_start();
    unsigned long acc = 0;
    for (unsigned long i = 0; i < 10000; i++)
        acc += i;
    *(unsigned long *)arg = shared_step(acc);
    report_done();
    return NULL;
}

static void *worker_lcg(void *arg)
{
    wait_for_start();
    unsigned long x = 1;
    for (int i = 0; i < 20000; i++)
        x = shared_step(x);
    *(unsigned long *)arg = x;
    report_done();
    return NULL;
}

static void *worker_collatz(void *arg)
{
    wait_for_start();
    unsigned long steps = 0;
    for (unsigned long start = 1; start < 3000; start++)
        for (unsigned long n = start; n != 1; steps++)
            n = (n & 1) ? 3 * n + 1 : n / 2;
    *(unsigned long *)arg = shared_step(steps);
    report_done();
    return NULL;
}

static void *worker_sieve(void *arg)
{
    static unsigned char composite[50000];
    wait_for_start();
    unsigned long primes = 0;
    for (unsigned long i = 2; i < sizeof composite; i++) {
        if (composite[i])
            continue;
        primes++;
        for (unsigned long j = i * i; j < sizeof composite; j += i)
            composite[j] = 1;
    }
    for (int i = 0; i < 500; i++)
        primes = shared_step(primes) % 100000;
    *(unsigned long *)arg = primes;
    report_done();
    return NULL;
}

int main(void)
{
    void *(*const workers[WORKER_COUNT])(void *) = { worker_sum, worker_lcg,
                                                     worker_collatz, worker_sieve };
    pthread_t threads[WORKER_COUNT];
    unsigned long results[WORKER_COUNT];
    char byte;

    if (pipe(start_pipe) != 0 || pipe(done_pipe) != 0 || pipe(started_pipe) != 0)
        return 1;
    /* read and write are bound (lazy PLT binding) here, by main, not by
     * whichever thread calls them first. */
    if (write(started_pipe[1], "m", 1) != 1 || read(started_pipe[0], &byte, 1) != 1)
        return 1;
    for (int i = 0; i < WORKER_COUNT; i++)
        if (pthread_create(&threads[i], NULL, workers[i], &results[i]) != 0
            || read(started_pipe[0], &byte, 1) != 1)
            return 1;
    for (int i = 0; i < WORKER_COUNT; i++)
        if (write(start_pipe[1], "g", 1) != 1)
            return 1;
    for (int i = 0; i < WORKER_COUNT; i++)
        if (read(done_pipe[0], &byte, 1) != 1)
            return 1;
    nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 }, NULL);
    for (int i = 0; i < WORKER_COUNT; i++)
        pthread_join(threads[i], NULL);
    printf("%lu %lu %lu %lu\n", results[0], results[1], results[2], results[3]);
    return 0;
}
