/* message.h: how pyprofgrind-inspect talks on stderr.  The tool runs the
 * inspector with stdout and stderr on one pipe and reads what comes back
 * as layout text, so a message is one line, written whole after whatever
 * stdout holds, and a path that came from the profiled process is shown
 * with its control characters replaced.  Every part of the inspector
 * that warns (the cache above all) goes through here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef INSPECT_MESSAGE_H
#define INSPECT_MESSAGE_H

#include <stddef.h>

/* The name messages start with. */
extern const char message_program[];

/* --verbose: say where the layout came from (cache hit, debug file...). */
extern int message_verbose;

/* Room for a path in a message; longer ones are cut. */
#define MESSAGE_SHOWN_MAX 1024

/* PATH as it may appear in our output: control characters become '?',
 * and a path too long for OUT ends in "...". */
void message_show_path(char *out, size_t out_len, const char *path);

/* One line on stderr, "pyprofgrind-inspect: <FMT...>\n", after stdout is
 * flushed. */
void message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* INSPECT_MESSAGE_H */
