/* pg_outname.h: expansion of output file name templates.  The tool writes
 * pyprofgrind.out.%p by default; users may put %p (process id), %q{VAR}
 * (value of an environment variable of the client) and %% in the
 * --pyprofgrind-out-file template, as with Valgrind's own tools.  Pure
 * logic, unit tested through pg_port.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_OUTNAME_H
#define PG_OUTNAME_H

#include "pg_port.h"

/* Looks up an environment variable; returns NULL when it is unset. */
typedef const HChar *(*PgGetenvFn)(void *ctx, const HChar *name);

/* Expands TEMPLATE.  Returns a newly allocated string (pg_free it), or NULL
 * with a one-line reason in ERR (e.g. "%q{HOME2} names an unset environment
 * variable") for: an unknown %-sequence, %q without {...}, an unterminated
 * %q{, an empty or unset variable name, an empty result.  A relative
 * result is made absolute against BASE_DIR when BASE_DIR is not NULL. */
HChar *pg_outname_expand(const HChar *template_, Int pid,
                         PgGetenvFn getenv_fn, void *getenv_ctx,
                         const HChar *base_dir,
                         HChar *err, SizeT err_len);

/* Returns True if TEMPLATE contains %p (so a forked child gets a file of
 * its own). */
Bool pg_outname_has_pid(const HChar *template_);

#endif /* PG_OUTNAME_H */
