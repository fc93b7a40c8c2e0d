/* message.c: one-line messages on stderr and paths made safe to print
 * (see message.h for why both matter to the tool reading our output).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "message.h"

const char message_program[] = "pyprofgrind-inspect";

int message_verbose;

/* FILE comes from the profiled process and the tool reads our stdout and
 * stderr as layout text, so no control character (a newline above all)
 * may get through. */
void message_show_path(char *out, size_t out_len, const char *path)
{
   size_t i, n = 0;

   for (i = 0; path[i] != '\0' && n + 4 < out_len; i++) {
      unsigned char c = (unsigned char)path[i];
      out[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
   }
   if (path[i] != '\0') {
      memcpy(out + n, "...", 3);
      n += 3;
   }
   out[n] = '\0';
}

/* Written with one write() after stdout is flushed: the tool reads both
 * streams through one pipe, and a line must neither come before the
 * layout text printed earlier nor be split by it. */
void message(const char *fmt, ...)
{
   char line[3 * MESSAGE_SHOWN_MAX];
   va_list args;
   size_t len;
   int n;

   fflush(stdout);
   n = snprintf(line, sizeof line, "%s: ", message_program);
   va_start(args, fmt);
   vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, args);
   va_end(args);
   len = strlen(line);
   line[len++] = '\n';
   if (write(STDERR_FILENO, line, len) < 0) {
      /* nowhere left to complain */
   }
}
