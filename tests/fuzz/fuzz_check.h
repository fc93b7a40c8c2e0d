/* fuzz_check.h: what the fuzz targets under tests/fuzz/ share.  A target
 * checks more than "no crash": the promises of the API it feeds.  A broken
 * promise must stop the run the way a sanitizer report does, so that
 * libFuzzer saves the input as a crash and the replay driver
 * (replay_main.c) fails; hence abort(), never assert() (which NDEBUG
 * would silence).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The entry point libFuzzer calls, and replay_main.c in builds without
 * libFuzzer.  Declared here so that -Wmissing-prototypes stays quiet. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with the broken promise when COND is false. */
#define FUZZ_CHECK(cond, ...)                                            \
   do {                                                                  \
      if (!(cond)) {                                                     \
         fprintf(stderr, "%s:%d: broken promise: %s: ", __FILE__,        \
                 __LINE__, #cond);                                       \
         fprintf(stderr, __VA_ARGS__);                                   \
         fputc('\n', stderr);                                            \
         abort();                                                        \
      }                                                                  \
   } while (0)

#endif /* FUZZ_CHECK_H */
