/* fuzz_linetable.c: libFuzzer target for the line-table decoders
 * (pyprofgrind/pg_linetable.c), which read tables out of the profiled
 * process and so must survive any bytes.  An input is a 9-byte header and
 * the table:
 *
 *    byte 0      the format: its value modulo 8, so the four real formats
 *                of PgLineTableFormat, PG_LINES_NONE and three values no
 *                format has are all reached
 *    bytes 1-4   the first line (co_firstlineno), a signed 32-bit number,
 *                little-endian
 *    bytes 5-8   the code size in bytes, unsigned 32-bit, little-endian
 *    the rest    the table, exactly as long as it is (a read past its end
 *                is a read past the end of the fuzzer's buffer)
 *
 * (tests/fuzz/make_corpus.py writes the interpreters' own tables of
 * tests/unit/data in this form.)  Besides what the sanitizers catch, it
 * checks what pg_linetable.h promises of the range walk: ranges never
 * empty, in increasing order and not overlapping, touching ranges of one
 * line merged into one, nothing past the code size for the lnotab
 * formats, nothing at all for a format that is not one; and that
 * pg_linetable_line_at agrees with the walk at the edges of ranges and
 * answers -1 outside them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "fuzz_check.h"
#include "pg_linetable.h"

#define HEADER_BYTES 9

/* line_at walks the table from its start on every call: asking it about
 * every range would make large inputs quadratic, so only this many ranges,
 * spread over the walk, are asked about. */
#define LOOKUPS_PER_INPUT 16

typedef struct {
   UInt start, end;
   Int  line;
} Range;

typedef struct {
   Range *ranges;
   size_t n, capacity;
   PgLineTableFormat format;
   UInt code_size;
} Walk;

static Bool is_lnotab(PgLineTableFormat format)
{
   return format == PG_LINES_LNOTAB_UNSIGNED || format == PG_LINES_LNOTAB_SIGNED;
}

/* The PgLineRangeFn: checks each range against the one before it as it
 * arrives, and keeps it for the lookups. */
static void record_range(void *ctx, UInt start, UInt end, Int line)
{
   Walk *walk = ctx;

   FUZZ_CHECK(start < end, "empty range [%u, %u)", start, end);
   if (walk->n > 0) {
      const Range *previous = &walk->ranges[walk->n - 1];
      FUZZ_CHECK(start >= previous->end,
                 "range [%u, %u) starts before the end of [%u, %u)",
                 start, end, previous->start, previous->end);
      FUZZ_CHECK(!(start == previous->end && line == previous->line),
                 "touching ranges [%u, %u) and [%u, %u) of line %d not merged",
                 previous->start, previous->end, start, end, line);
   }
   if (is_lnotab(walk->format))
      FUZZ_CHECK(end <= walk->code_size,
                 "lnotab range [%u, %u) past the code size %u",
                 start, end, walk->code_size);
   if (walk->n == walk->capacity) {
      walk->capacity = walk->capacity ? 2 * walk->capacity : 64;
      walk->ranges = realloc(walk->ranges, walk->capacity * sizeof *walk->ranges);
      FUZZ_CHECK(walk->ranges != NULL, "out of memory");
   }
   walk->ranges[walk->n].start = start;
   walk->ranges[walk->n].end = end;
   walk->ranges[walk->n].line = line;
   walk->n++;
}

static UInt read_u32(const uint8_t *p)
{
   return (UInt)p[0] | (UInt)p[1] << 8 | (UInt)p[2] << 16 | (UInt)p[3] << 24;
}

/* Whether OFFSET lies in none of the walk's ranges. */
static Bool outside_ranges(const Walk *walk, UInt offset)
{
   size_t i;

   for (i = 0; i < walk->n; i++) {
      if (walk->ranges[i].start <= offset && offset < walk->ranges[i].end)
         return False;
   }
   return True;
}

static void check_lookups(const Walk *walk, const UChar *table, SizeT len,
                          Int first_line)
{
   size_t step = walk->n / LOOKUPS_PER_INPUT + 1;
   size_t i;

   for (i = 0; i < walk->n; i += step) {
      const Range *r = &walk->ranges[i];
      Int at_start = pg_linetable_line_at(walk->format, table, len, first_line,
                                          walk->code_size, r->start);
      Int at_last = pg_linetable_line_at(walk->format, table, len, first_line,
                                         walk->code_size, r->end - 1);
      FUZZ_CHECK(at_start == r->line && at_last == r->line,
                 "line_at gives %d at %u and %d at %u, the walk %d for "
                 "[%u, %u)", at_start, r->start, at_last, r->end - 1,
                 r->line, r->start, r->end);
   }
   /* Past the last range, at the code size, and at the first byte when
    * no range holds it, the table says nothing. */
   {
      UInt probes[3];
      size_t p;

      probes[0] = walk->n > 0 ? walk->ranges[walk->n - 1].end : 0;
      probes[1] = walk->code_size;
      probes[2] = 0;
      for (p = 0; p < 3; p++) {
         Int line;
         if (!outside_ranges(walk, probes[p]))
            continue;
         line = pg_linetable_line_at(walk->format, table, len, first_line,
                                     walk->code_size, probes[p]);
         FUZZ_CHECK(line == -1, "line_at gives %d at %u, which no range holds",
                    line, probes[p]);
      }
   }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   Walk walk;
   const UChar *table;
   SizeT len;
   Int first_line;
   Bool whole;

   if (size < HEADER_BYTES)
      return 0;
   memset(&walk, 0, sizeof walk);
   walk.format = (PgLineTableFormat)(data[0] % 8);
   first_line = (Int)read_u32(data + 1);
   walk.code_size = read_u32(data + 5);
   len = size - HEADER_BYTES;
   /* An empty table may come as NULL (a code object without one). */
   table = len > 0 ? data + HEADER_BYTES : NULL;

   whole = pg_linetable_ranges(walk.format, table, len, first_line,
                               walk.code_size, record_range, &walk);
   if (walk.format == PG_LINES_NONE || walk.format > PG_LINES_LOCATIONS_311) {
      FUZZ_CHECK(!whole && walk.n == 0,
                 "format %d is none but the walk gave %zu range(s)",
                 (int)walk.format, walk.n);
   }
   check_lookups(&walk, table, len, first_line);
   free(walk.ranges);
   return 0;
}
