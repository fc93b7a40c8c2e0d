/* Signal delivery: one handler is entered synchronously via raise(), via
 * kill() to the own process, and asynchronously from an interval timer
 * (ITIMER_REAL) while the program waits in sigsuspend().  Each way is used
 * several times.  The timer signal is kept blocked except inside
 * sigsuspend(), so it always arrives at the same point of the program and
 * instruction counts stay deterministic.  The handler does measurable work
 * of its own and calls a helper, so its self cost and arcs get compared.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t handled_usr1, handled_usr2, handled_alarm;
static volatile unsigned handler_work_sink;

__attribute__((noinline)) static unsigned handler_helper(int signo)
{
    unsigned acc = 0;
    for (int i = 0; i < 200; i++)
        acc = acc * 17 + (unsigned)signo + i;
    return acc;
}

static void counting_handler(int signo)
{
    handler_work_sink += handler_helper(signo);
    if (signo == SIGUSR1)
        handled_usr1++;
    else if (signo == SIGUSR2)
        handled_usr2++;
    else if (signo == SIGALRM)
        handled_alarm++;
}

__attribute__((noinline)) static void wait_for_timer_signal(const sigset_t *wait_mask)
{
    struct itimerval one_shot;
    memset(&one_shot, 0, sizeof one_shot);
    one_shot.it_value.tv_usec = 2000; /* 2 ms */
    setitimer(ITIMER_REAL, &one_shot, NULL);
    sigsuspend(wait_mask); /* returns after the handler ran */
}

int main(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = counting_handler;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGUSR2, &action, NULL);
    sigaction(SIGALRM, &action, NULL);

    sigset_t alarm_only, previous_mask;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    sigprocmask(SIG_BLOCK, &alarm_only, &previous_mask);

    for (int round = 0; round < 6; round++) {
        raise(SIGUSR1);
        kill(getpid(), SIGUSR2);
    }
    for (int round = 0; round < 4; round++)
        wait_for_timer_signal(&previous_mask);

    printf("usr1=%d usr2=%d alarm=%d\n", (int)handled_usr1, (int)handled_usr2,
           (int)handled_alarm);
    return 0;
}
