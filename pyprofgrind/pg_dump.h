/* pg_dump.h: writing profiles to callgrind-format files.  Each file is
 * written to a temporary file created next to it (exclusively, never
 * through a symbolic link, mode 0600 less the umask) and renamed when
 * complete, so a profile is either whole or absent, and private.  Dumps requested by the client are numbered parts
 * (OUT.1, OUT.2, ...), the final one is OUT; with --separate-threads=yes
 * every thread's profile goes to a file of its own (OUT-01, OUT.1-02...).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_DUMP_H
#define PG_DUMP_H

#include "pg_port.h"
#include "pg_options.h"

void pg_dump_init(const HChar *out_name, const PgOptions *opts);
void pg_dump_set_out_name(const HChar *out_name);

/* Checks that OUT_NAME can be created, by creating and removing a
 * temporary file the way a dump does; else a one-line reason in ERR. */
Bool pg_dump_check_writable(const HChar *out_name, HChar *err, SizeT err_len);

/* Writes a numbered part with the costs since the last dump, then zeroes. */
void pg_dump_part(const HChar *trigger);

/* Writes the final profile (call stacks must have been unwound). */
void pg_dump_final(void);

/* Forgets every cost so far (ZERO_STATS, fork child). */
void pg_dump_zero_all(void);

#endif /* PG_DUMP_H */
