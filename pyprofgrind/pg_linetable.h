/* pg_linetable.h: decoding of CPython's line tables, which map bytecode
 * offsets to source lines.  Four formats exist (see PgLineTableFormat);
 * all offsets here are in BYTES from the start of the bytecode, whatever
 * unit the format itself counts in.  Pure logic, unit tested against
 * tables the interpreters themselves produced.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_LINETABLE_H
#define PG_LINETABLE_H

#include "pg_port.h"
#include "pg_pylayout.h"

/* Called for each range [start, end) of bytecode bytes that has one line
 * (LINE is -1 where the table says the range has no line).  Ranges come
 * in increasing order, are never empty, and touching ranges with the same
 * line are merged into one call (as 3.12+'s co_lines() does; 3.10 and
 * 3.11 split runs and 3.10 writes empty ranges to carry big line jumps). */
typedef void (*PgLineRangeFn)(void *ctx, UInt start, UInt end, Int line);

/* Walks the ranges of TABLE (LEN bytes) in order, lines counted from
 * FIRST_LINE (co_firstlineno).  CODE_SIZE is the bytecode's length in
 * bytes: the lnotab formats (2.7-3.9) need it to end their last range and
 * must not claim bytes past it; the 3.10 and 3.11+ tables describe every
 * range themselves and ignore it.  Stops quietly at a truncated or
 * malformed entry (one that would move the line outside Int's range is
 * malformed too), after reporting the ranges before it; returns False in
 * that case (or for PG_LINES_NONE), True if the whole table was read. */
Bool pg_linetable_ranges(PgLineTableFormat format, const UChar *table,
                         SizeT len, Int first_line, UInt code_size,
                         PgLineRangeFn fn, void *ctx);

/* The line of the instruction at byte OFFSET, or -1 if it has none or the
 * table does not cover it (past its end, or past a damaged entry).  Same
 * answer as the range walk, stopping at the range holding OFFSET.  In
 * 3.11+ the first instruction (RESUME) of a module is on line
 * co_firstlineno - 1, i.e. 0: this reports what the table says. */
Int  pg_linetable_line_at(PgLineTableFormat format, const UChar *table,
                          SizeT len, Int first_line, UInt code_size,
                          UInt offset);

#endif /* PG_LINETABLE_H */
