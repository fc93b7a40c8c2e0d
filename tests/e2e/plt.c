/* plt.c: calls into the C library through every flavour of PLT stub.
 * Built by plt.test with -fcf-protection=full -Wl,-z,ibt -Wl,-z,now, the
 * calls of main go through ".plt.sec" stubs, and the C runtime's call of
 * __cxa_finalize at exit through the ".plt.got" stub.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 1000

int main(void)
{
   unsigned long sum = 0;
   int i;

   for (i = 0; i < ROUNDS; i++) {
      char buf[32];
      snprintf(buf, sizeof buf, "%d", i);
      sum += strlen(buf) + (unsigned long)atoi(buf);
   }
   printf("%lu\n", sum);
   return 0;
}
