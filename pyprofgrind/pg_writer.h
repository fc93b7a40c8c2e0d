/* pg_writer.h: a writer of the callgrind profile format (format version 1)
 * that knows nothing of Valgrind or of how costs were gathered.  It owns
 * name compression ("fn=(12) name" the first time, "fn=(12)" after; one id
 * space for objects (ob/cob), one for files (fl/fi/fe/cfi), one for
 * functions (fn/cfn), in which pg_writer_function gives each function, its
 * object, file and name together, an id of its own) and position compression ("+N"/"-N"/"*" relative to
 * the previous cost line's position).  Output goes through a sink callback
 * in large chunks, so the same code writes to a Valgrind file descriptor in
 * the tool and to memory in the unit tests.
 *
 * Every name and header value is escaped, because the profiled program
 * chooses them (a file name with a newline would otherwise start a record
 * of its own).  The rule, chosen so that callgrind_annotate and KCacheGrind
 * show a readable name and every name stays different from every other:
 *   backslash           -> \\
 *   newline, CR, tab    -> \n  \r  \t
 *   other bytes 0x01-0x1f and 0x7f            -> \xHH (lower-case hex)
 *   the two bytes 0xc0 0x80, a NUL inside a name (pg_namebuf.h) -> \x00
 *   bytes that are not well-formed UTF-8      -> \xHH, each
 *   C1 controls U+0080-U+009F, U+2028, U+2029 -> \uHHHH
 * and in names only (header values are trimmed by every reader anyway):
 *   a space at the start or the end           -> \x20
 *   the empty name                            -> \(empty)
 *   with compress_names off, a "(" that starts "(DIGITS)" -> \x28
 * Everything else, including all other UTF-8, is written as it is.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_WRITER_H
#define PG_WRITER_H

#include "pg_port.h"

typedef void (*PgSinkFn)(void *ctx, const HChar *buf, SizeT len);

typedef enum {
   PG_NAME_OB, PG_NAME_FL, PG_NAME_FI, PG_NAME_FE, PG_NAME_FN,
   PG_NAME_COB, PG_NAME_CFI, PG_NAME_CFN
} PgNameKind;

typedef struct PgWriter PgWriter;

/* POSITIONS_INSTR: positions are "instr line" (addresses and lines) rather
 * than "line" alone.  COMPRESS_NAMES / COMPRESS_POS turn the two kinds of
 * compression on. */
PgWriter *pg_writer_new(PgSinkFn sink, void *sink_ctx, Bool positions_instr,
                        Bool compress_names, Bool compress_pos);

/* Writes "KEY: VALUE\n" (header lines such as "pid", "cmd", "events"),
 * VALUE escaped; KEY is the tool's own.  callgrind_annotate takes "events"
 * as the last header line, so write it last. */
void pg_writer_header(PgWriter *w, const HChar *key, const HChar *value);

/* Writes "# TEXT\n", TEXT escaped as a header value is: a comment line,
 * which every reader skips (the tool's own annotations, such as opcode
 * families). */
void pg_writer_comment(PgWriter *w, const HChar *text);

/* Writes the fixed first lines: "# callgrind format", "version: 1",
 * "creator: CREATOR" and "positions: line" or "positions: instr line". */
void pg_writer_preamble(PgWriter *w, const HChar *creator);

/* Writes "KIND=(id) name" / "KIND=(id)" (or "KIND=name" uncompressed),
 * the name escaped.  Ids start at 1 in each id space and belong to the
 * name as given (escaping maps different names to different texts).  After
 * ob/fl/fi/fe/fn the next cost line has absolute positions, as no reader
 * relates positions across such a change. */
void pg_writer_name(PgWriter *w, PgNameKind kind, const HChar *name);

/* Writes "fn=" or "cfn=" (KIND is PG_NAME_FN or PG_NAME_CFN) for the
 * function NAME of file FILE in object OBJECT.  Compressed, the id belongs
 * to the three together, as Callgrind gives them: KCacheGrind binds an id
 * to the function (name, file, object) it was first defined for, so two
 * functions of one name (every "<module>", Python and C "main", "strlen"
 * of two objects) must not share one.  The ids come from the same space
 * as pg_writer_name's function ids; FILE and OBJECT are not written. */
void pg_writer_function(PgWriter *w, PgNameKind kind, const HChar *object,
                        const HChar *file, const HChar *name);

/* Writes one cost line: position (INSTR only with instr positions), then
 * the NCOSTS event counts.  Trailing zero costs are dropped, but at least
 * one count is always written. */
void pg_writer_cost(PgWriter *w, Addr instr, UInt line,
                    const ULong *costs, UInt ncosts);

/* Writes "calls=COUNT TARGET-POSITION" (absolute); the next pg_writer_cost
 * call must give the call site's position and the call's inclusive cost,
 * and is written with absolute positions (asserted: no other line may come
 * in between). */
void pg_writer_calls(PgWriter *w, ULong count, Addr target_instr,
                     UInt target_line);

/* Writes a blank line (separates function blocks; readers ignore it). */
void pg_writer_blank(PgWriter *w);

/* Flushes the rest of the buffer to the sink and frees the writer.  The
 * sink reports its own failures; the writer has none to report. */
void pg_writer_finish(PgWriter *w);

#endif /* PG_WRITER_H */
