/* pg_namebuf.h: builds the text of a name read from the profiled program
 * (a Python function's qualified name, a module's file name) as UTF-8 of
 * bounded size.  Names of any length are accepted: up to
 * PG_NAMEBUF_KEEP_BYTES bytes they are kept whole; a longer name is cut at a
 * character boundary and ends in a marker that gives its full length and a
 * hash of all of it, so two long names that differ only after the cut still
 * stay two names (two functions of the profile).
 *
 * The text is a C string, so a NUL inside a name is carried as the two
 * bytes 0xc0 0x80 (never well-formed UTF-8 otherwise, as in Java's
 * "modified UTF-8"), which the writer shows as \x00.  A name holding those
 * two bytes themselves (possible only in Python 2's byte strings) then
 * looks the same as one holding a NUL.  Other bytes, well-formed UTF-8 or
 * not, are kept as they are: escaping them is the writer's job.
 *
 * Pure: no Valgrind, no client memory.  The caller reads the client and
 * feeds characters or bytes in; see pg_python.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_NAMEBUF_H
#define PG_NAMEBUF_H

#include "pg_port.h"

/* Names up to this many bytes of UTF-8 are kept whole.  Generous for any
 * real name (PATH_MAX is 4096), and small enough for Valgrind's string
 * pools and for a viewer's column. */
#define PG_NAMEBUF_KEEP_BYTES 4096

typedef struct {
   HChar *text;          /* NUL-terminated, grown as needed */
   SizeT  used;          /* bytes in TEXT, without the NUL */
   SizeT  capacity;
   SizeT  keep_bytes;    /* the most bytes kept before a cut */
   Bool   cut;           /* something was left out */
   ULong  length;        /* the name's length: characters or bytes fed in,
                            plus those declared skipped */
   UInt   hash;          /* FNV-1a over every byte fed in, kept or not */
} PgNameBuf;

/* Starts an empty name that keeps at most KEEP_BYTES bytes whole. */
void pg_namebuf_init(PgNameBuf *b, SizeT keep_bytes);

/* Appends one character (a Unicode code point, as Python 3's str holds
 * them) in UTF-8; U+0000 as 0xc0 0x80.  Surrogates are encoded as they
 * are (3 bytes), which the writer then escapes byte by byte. */
void pg_namebuf_add_code_point(PgNameBuf *b, UInt code_point);

/* Appends LEN raw bytes (Python 2's str, a text the tool made); a zero
 * byte becomes 0xc0 0x80.  A cut never ends inside a well-formed UTF-8
 * sequence. */
void pg_namebuf_add_bytes(PgNameBuf *b, const HChar *bytes, SizeT len);

/* Appends the C string S (as pg_namebuf_add_bytes). */
void pg_namebuf_add_str(PgNameBuf *b, const HChar *s);

/* Declares COUNT more characters of the name that the caller did not read
 * (a name too long to hash whole): the name is cut, its length counts
 * them, its hash does not. */
void pg_namebuf_skip(PgNameBuf *b, ULong count);

/* The finished name, to be freed with pg_free; B is empty afterwards.  A
 * cut name ends in "...[cut: LENGTH characters, hash XXXXXXXX]" (LENGTH as
 * Python's len() counts, HASH the FNV-1a of the bytes fed in). */
HChar *pg_namebuf_finish(PgNameBuf *b);

#endif /* PG_NAMEBUF_H */
