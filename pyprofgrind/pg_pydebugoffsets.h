/* pg_pydebugoffsets.h: turning CPython's _Py_DebugOffsets table into a
 * layout.  From 3.13 on, the interpreter's runtime state (_PyRuntime, in
 * its own ELF section .PyRuntime, which survives stripping) starts with a
 * table of the structure offsets that out-of-process debuggers need: the
 * cookie "xdebugpy", PY_VERSION_HEX, then one block of 64-bit offsets per
 * structure.  That is how the tool walks frames of an interpreter without
 * DWARF: the tool reads the table from the client's memory, this module
 * decodes it.  What the table does not hold (the eval function's name and
 * arguments, line-table and string formats, the owner value of C-stack
 * frames, the bit positions of string state) comes from the known layout
 * of the same major.minor; every offset it does hold overrides the known
 * one, so a 3.13.x whose structures moved is still walked correctly.
 * Pure code: compiled into the tool, the inspector and the unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PYDEBUGOFFSETS_H
#define PG_PYDEBUGOFFSETS_H

#include "pg_port.h"
#include "pg_pylayout.h"

/* How many bytes of the table to hand to pg_pydebugoffsets_decode: enough
 * for every table format this module knows (3.13's is 584 bytes). */
#define PG_DEBUG_OFFSETS_READ_SIZE 1024

/* The cookie the table starts with (8 bytes, no NUL). */
#define PG_DEBUG_OFFSETS_COOKIE "xdebugpy"

/* True if the N bytes at TABLE start with the cookie. */
Bool pg_pydebugoffsets_has_cookie(const UChar *table, SizeT n);

/* The PY_VERSION_HEX the table at TABLE holds, or 0 if the N bytes hold no
 * cookie and version. */
UInt pg_pydebugoffsets_version(const UChar *table, SizeT n);

/* Fills LAYOUT from the N bytes of a _Py_DebugOffsets table (N may be more
 * than the table).  Returns True, or False with a one-line reason in ERR:
 * no cookie, a version whose table format or layout is not known, a
 * free-threaded build, an offset outside its structure. */
Bool pg_pydebugoffsets_decode(PgPyLayout *layout, const UChar *table, SizeT n,
                              HChar *err, SizeT err_len);

#endif /* PG_PYDEBUGOFFSETS_H */
