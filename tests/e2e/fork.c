/* fork(): parent and child run different functions after the fork
 * (parent_after_fork / child_after_fork, also used by run-c-test.sh to tell
 * the two profiles apart).  The child exits normally via exit(); the parent
 * waits for it.  Each process writes its own profile (%p in the file name),
 * and each must agree with Callgrind's profile of the same process.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static unsigned long before_fork_work(void)
{
    unsigned long acc = 0;
    for (unsigned long i = 0; i < 5000; i++)
        acc += i * i;
    return acc;
}

__attribute__((noinline)) static unsigned long parent_after_fork(void)
{
    unsigned long acc = 1;
    for (unsigned long i = 1; i < 20000; i++)
        acc = acc * 3 % 1000003 + i;
    return acc;
}

__attribute__((noinline)) static unsigned long child_after_fork(void)
{
    unsigned long acc = 0;
    for (unsigned long i = 0; i < 7000; i++)
        acc ^= i << (i % 13);
    return acc;
}

int main(void)
{
    unsigned long common = before_fork_work();
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        printf("child: %lu\n", common + child_after_fork());
        exit(0);
    }
    unsigned long result = parent_after_fork();
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent: %lu child status %d\n", common + result,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
