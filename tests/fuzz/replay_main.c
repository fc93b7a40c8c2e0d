/* replay_main.c: a main() for the fuzz targets where libFuzzer is not at
 * hand.  Linked with one target by the ordinary compiler, it feeds that
 * target every file named on the command line (directories: every file in
 * them, in name order), once each, so that `make check` replays the
 * committed corpus and the crash regressions on every machine, with the
 * targets' own checks, even without clang's fuzzer runtime.  Prints one
 * line per directory or file and exits 0; a broken check aborts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_check.h"

/* The input being replayed, for the crash handler: a directory holds
 * hundreds, and the one that fails must be named to be reproduced. */
static const char *current_input;

/* Names the input, then dies of the same signal.  Only write() and
 * strlen(), which are safe in a signal handler. */
static void name_failing_input(int sig)
{
   static const char prefix[] = "replay: FAILED on input ";

   if (current_input != NULL) {
      ssize_t ignored = write(2, prefix, sizeof prefix - 1);
      ignored = write(2, current_input, strlen(current_input));
      ignored = write(2, "\n", 1);
      (void)ignored;
   }
   signal(sig, SIG_DFL);
   raise(sig);
}

/* Reads PATH whole into a buffer of exactly its size, so that a target
 * reading past the end of its input reads past the end of a heap block
 * (what AddressSanitizer, when present, reports). */
static void replay_file(const char *path)
{
   FILE *stream = fopen(path, "rb");
   unsigned char *data;
   long size;

   if (stream == NULL || fseek(stream, 0, SEEK_END) != 0
       || (size = ftell(stream)) < 0 || fseek(stream, 0, SEEK_SET) != 0) {
      fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
      exit(2);
   }
   /* malloc(0) may return NULL: keep one byte, hand over SIZE of them. */
   data = malloc(size > 0 ? (size_t)size : 1);
   if (data == NULL || fread(data, 1, (size_t)size, stream) != (size_t)size) {
      fprintf(stderr, "replay: cannot read %s\n", path);
      exit(2);
   }
   fclose(stream);
   current_input = path;
   LLVMFuzzerTestOneInput(data, (size_t)size);
   current_input = NULL;
   free(data);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
   return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *entry)
{
   return entry->d_name[0] != '.';
}

/* Every regular file of DIR; returns how many. */
static int replay_directory(const char *dir)
{
   struct dirent **entries;
   int n = scandir(dir, &entries, not_hidden, by_name);
   int i, replayed = 0;

   if (n < 0) {
      fprintf(stderr, "replay: cannot list %s: %s\n", dir, strerror(errno));
      exit(2);
   }
   for (i = 0; i < n; i++) {
      size_t len = strlen(dir) + strlen(entries[i]->d_name) + 2;
      char *path = malloc(len);
      struct stat st;

      if (path == NULL)
         exit(2);
      snprintf(path, len, "%s/%s", dir, entries[i]->d_name);
      if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
         replay_file(path);
         replayed++;
      }
      free(path);
      free(entries[i]);
   }
   free(entries);
   return replayed;
}

int main(int argc, char **argv)
{
   static const int fatal_signals[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
   size_t s;
   int i;

   for (s = 0; s < sizeof fatal_signals / sizeof fatal_signals[0]; s++)
      signal(fatal_signals[s], name_failing_input);
   for (i = 1; i < argc; i++) {
      struct stat st;

      if (stat(argv[i], &st) != 0) {
         fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
         return 2;
      }
      if (S_ISDIR(st.st_mode)) {
         printf("replay: %s: %d input(s) passed\n", argv[i],
                replay_directory(argv[i]));
      } else {
         replay_file(argv[i]);
         printf("replay: %s passed\n", argv[i]);
      }
   }
   return 0;
}
