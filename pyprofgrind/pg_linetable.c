/* pg_linetable.c: decoders for the four line-table formats CPython has used
 * (2.7 co_lnotab, 3.6-3.9 co_lnotab, 3.10 co_linetable, 3.11+ location
 * table), turning each into one stream of byte ranges with their line.
 * Tables are read from the profiled process, so every read is bounds
 * checked and a damaged table ends the walk instead of being trusted.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_linetable.h"

/* Where decoded ranges go.  A walk either reports ranges to a caller
 * (merging neighbours that share a line, so the caller sees maximal runs,
 * as 3.11+'s co_lines() does) or looks up one offset and stops early. */
typedef struct {
   PgLineRangeFn fn;
   void  *ctx;
   Bool   has_pending;
   UInt   pending_start;
   UInt   pending_end;
   Int    pending_line;

   Bool   lookup;          /* looking for the line of lookup_offset */
   UInt   lookup_offset;
   Int    lookup_line;
   Bool   done;            /* lookup answered: the walk may stop */
} RangeSink;

static void sink_flush(RangeSink *sink)
{
   if (sink->has_pending) {
      sink->fn(sink->ctx, sink->pending_start, sink->pending_end,
               sink->pending_line);
      sink->has_pending = False;
   }
}

static void sink_range(RangeSink *sink, UInt start, UInt end, Int line)
{
   if (end <= start)
      return;  /* 3.10 writes empty ranges to carry large line jumps */
   if (sink->lookup) {
      if (start <= sink->lookup_offset && sink->lookup_offset < end) {
         sink->lookup_line = line;
         sink->done = True;
      }
      return;
   }
   if (sink->has_pending && sink->pending_end == start
       && sink->pending_line == line) {
      sink->pending_end = end;
      return;
   }
   sink_flush(sink);
   sink->has_pending = True;
   sink->pending_start = start;
   sink->pending_end = end;
   sink->pending_line = line;
}

/* Lines are Ints.  A table that moves the line out of their range is
 * damaged (no interpreter numbers lines past 2^31 - 1), and summing on
 * would be undefined behaviour: the walk stops there instead. */
#define LINE_MAX_VALUE 0x7fffffff
#define LINE_MIN_VALUE (-LINE_MAX_VALUE - 1)

static Bool move_line(Int *line, Int delta)
{
   Long moved = (Long)*line + (Long)delta;

   if (moved > LINE_MAX_VALUE || moved < LINE_MIN_VALUE)
      return False;
   *line = (Int)moved;
   return True;
}

/* co_lnotab (2.7-3.9): pairs (address increment, line increment).  The
 * line increment takes effect AT the new address, so the range before it
 * keeps the old line; a range is only known to end when the address moves
 * on, and the last one ends at the end of the bytecode.  Jumps too large
 * for one byte are split over several pairs, one of the two increments
 * being 0 in all but one of them, so plain accumulation handles them. */
static Bool walk_lnotab(RangeSink *sink, const UChar *table, SizeT len,
                        Int first_line, UInt code_size, Bool line_signed)
{
   UInt addr = 0;
   Int line = first_line;
   SizeT i;

   for (i = 0; i + 1 < len && !sink->done; i += 2) {
      UInt addr_increment = table[i];
      Int line_increment = line_signed ? (Int)(Char)table[i + 1]
                                       : (Int)table[i + 1];
      if (addr_increment != 0) {
         UInt next = addr + addr_increment;
         if (next > code_size) {
            /* The table claims bytecode the code object does not have. */
            sink_range(sink, addr, code_size, line);
            return False;
         }
         sink_range(sink, addr, next, line);
         addr = next;
      }
      if (!move_line(&line, line_increment))
         return False;
   }
   if (sink->done)
      return True;
   if (i < len)
      return False;  /* odd length: a pair cut in half */
   sink_range(sink, addr, code_size, line);
   return True;
}

/* co_linetable (3.10): pairs (range length in bytes, signed line delta).
 * Unlike co_lnotab the delta applies to the range the pair describes.
 * -128 means "no line" and leaves the running line untouched. */
static Bool walk_linetable_310(RangeSink *sink, const UChar *table,
                               SizeT len, Int first_line)
{
   UInt start = 0;
   Int line = first_line;
   SizeT i;

   for (i = 0; i + 1 < len && !sink->done; i += 2) {
      UInt range_length = table[i];
      Int line_delta = (Int)(Char)table[i + 1];
      Int range_line;

      if (line_delta == -128) {
         range_line = -1;
      } else {
         if (!move_line(&line, line_delta))
            return False;
         range_line = line;
      }
      sink_range(sink, start, start + range_length, range_line);
      start += range_length;
   }
   if (sink->done)
      return True;
   return i >= len;  /* odd length: a pair cut in half */
}

/* 3.11+ location table entry kinds (the 4 bits after the 0x80 marker). */
enum {
   LOC_SHORT_LAST     = 9,   /* 0-9: same line, 1 column byte follows */
   LOC_ONE_LINE_FIRST = 10,  /* 10-12: line delta 0-2, 2 column bytes */
   LOC_ONE_LINE_LAST  = 12,
   LOC_NO_COLUMNS     = 13,  /* signed varint line delta */
   LOC_LONG           = 14,  /* signed varint line delta + 3 varints */
   LOC_NONE           = 15   /* no location */
};

#define LOC_ENTRY_START   0x80
#define VARINT_MORE       0x40
#define VARINT_CHUNK_MASK 0x3f
#define CODE_UNIT_BYTES   2

/* Every byte after an entry's header has bit 7 clear (that bit marks the
 * start of an entry), so a set bit means the entry was cut short. */
static Bool read_payload_byte(const UChar *table, SizeT len, SizeT *pos,
                              UChar *out)
{
   if (*pos >= len || (table[*pos] & LOC_ENTRY_START))
      return False;
   *out = table[*pos];
   (*pos)++;
   return True;
}

/* Varints store the LOW 6-bit chunk first; 0x40 says another follows.
 * (The exception table uses the opposite order: not this function.) */
static Bool read_varint(const UChar *table, SizeT len, SizeT *pos,
                        UInt *out)
{
   UInt value = 0;
   UInt shift = 0;
   UChar byte;

   do {
      if (shift >= 32 || !read_payload_byte(table, len, pos, &byte))
         return False;
      value |= (UInt)(byte & VARINT_CHUNK_MASK) << shift;
      shift += 6;
   } while (byte & VARINT_MORE);
   *out = value;
   return True;
}

/* Signed varints keep the sign in bit 0 and the magnitude above it. */
static Bool read_signed_varint(const UChar *table, SizeT len, SizeT *pos,
                               Int *out)
{
   UInt raw;

   if (!read_varint(table, len, pos, &raw))
      return False;
   *out = (raw & 1) ? -(Int)(raw >> 1) : (Int)(raw >> 1);
   return True;
}

/* The 3.11+ location table (PEP 657): each entry covers 1-8 code units
 * and moves the line relative to the previous entry, starting from
 * co_firstlineno.  Only the line is kept; columns are read to find where
 * the entry ends and to check it is whole. */
static Bool walk_locations_311(RangeSink *sink, const UChar *table,
                               SizeT len, Int first_line)
{
   UInt start = 0;
   Int line = first_line;
   SizeT pos = 0;

   while (pos < len && !sink->done) {
      UChar header = table[pos];
      UInt kind = (header >> 3) & 15;
      UInt range_bytes = ((header & 7) + 1) * CODE_UNIT_BYTES;
      Int line_delta = 0;
      Int range_line;
      UChar column_byte;
      UInt ignored;

      if (!(header & LOC_ENTRY_START))
         return False;
      pos++;

      if (kind <= LOC_SHORT_LAST) {
         if (!read_payload_byte(table, len, &pos, &column_byte))
            return False;
      } else if (kind <= LOC_ONE_LINE_LAST) {
         line_delta = (Int)(kind - LOC_ONE_LINE_FIRST);
         if (!read_payload_byte(table, len, &pos, &column_byte)
             || !read_payload_byte(table, len, &pos, &column_byte))
            return False;
      } else if (kind == LOC_NO_COLUMNS) {
         if (!read_signed_varint(table, len, &pos, &line_delta))
            return False;
      } else if (kind == LOC_LONG) {
         /* line delta, end-line delta, column + 1, end column + 1 */
         if (!read_signed_varint(table, len, &pos, &line_delta)
             || !read_varint(table, len, &pos, &ignored)
             || !read_varint(table, len, &pos, &ignored)
             || !read_varint(table, len, &pos, &ignored))
            return False;
      }
      /* LOC_NONE has no payload and leaves the running line alone. */

      if (!move_line(&line, line_delta))
         return False;
      range_line = (kind == LOC_NONE) ? -1 : line;
      sink_range(sink, start, start + range_bytes, range_line);
      start += range_bytes;
   }
   return True;
}

static Bool walk(PgLineTableFormat format, const UChar *table, SizeT len,
                 Int first_line, UInt code_size, RangeSink *sink)
{
   if (table == NULL && len > 0)
      return False;
   switch (format) {
   case PG_LINES_LNOTAB_UNSIGNED:
      return walk_lnotab(sink, table, len, first_line, code_size, False);
   case PG_LINES_LNOTAB_SIGNED:
      return walk_lnotab(sink, table, len, first_line, code_size, True);
   case PG_LINES_LINETABLE_310:
      return walk_linetable_310(sink, table, len, first_line);
   case PG_LINES_LOCATIONS_311:
      return walk_locations_311(sink, table, len, first_line);
   case PG_LINES_NONE:
   default:
      return False;
   }
}

Bool pg_linetable_ranges(PgLineTableFormat format, const UChar *table,
                         SizeT len, Int first_line, UInt code_size,
                         PgLineRangeFn fn, void *ctx)
{
   RangeSink sink;
   Bool whole;

   pg_memset(&sink, 0, sizeof sink);
   sink.fn = fn;
   sink.ctx = ctx;
   whole = walk(format, table, len, first_line, code_size, &sink);
   sink_flush(&sink);
   return whole;
}

Int pg_linetable_line_at(PgLineTableFormat format, const UChar *table,
                         SizeT len, Int first_line, UInt code_size,
                         UInt offset)
{
   RangeSink sink;

   pg_memset(&sink, 0, sizeof sink);
   sink.lookup = True;
   sink.lookup_offset = offset;
   sink.lookup_line = -1;
   (void)walk(format, table, len, first_line, code_size, &sink);
   return sink.lookup_line;
}
