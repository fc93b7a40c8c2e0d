/* test_linetable.c: unit tests of the CPython line-table decoders
 * (pg_linetable.c).  The main evidence is data the interpreters produced
 * themselves (tests/unit/data/linetables-<X.Y>.txt, written by
 * make_linetables.py under 2.7 and 3.6-3.13): every recorded instruction
 * offset must get the line the interpreter reported, and the decoded
 * ranges must equal the interpreter's own.  Hand-built tables cover what
 * compilers never write: empty, truncated and malformed tables, offsets
 * past the end.
 *
 * The data directory is argv[1], else $PG_LINETABLE_DATA_DIR, else the
 * PG_TEST_DATA_DIR the build passes in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _POSIX_C_SOURCE 200809L  /* getline */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_linetable.h"

#ifndef PG_TEST_DATA_DIR
#define PG_TEST_DATA_DIR "tests/unit/data"
#endif

/* Every interpreter the data must come from, with the format it uses. */
typedef struct {
   const char        *version;
   const char        *format_name;
   PgLineTableFormat  format;
} PythonVersion;

static const PythonVersion python_versions[] = {
   { "2.7",  "lnotab-unsigned", PG_LINES_LNOTAB_UNSIGNED },
   { "3.6",  "lnotab-signed",   PG_LINES_LNOTAB_SIGNED },
   { "3.7",  "lnotab-signed",   PG_LINES_LNOTAB_SIGNED },
   { "3.8",  "lnotab-signed",   PG_LINES_LNOTAB_SIGNED },
   { "3.9",  "lnotab-signed",   PG_LINES_LNOTAB_SIGNED },
   { "3.10", "linetable-310",   PG_LINES_LINETABLE_310 },
   { "3.11", "locations-311",   PG_LINES_LOCATIONS_311 },
   { "3.12", "locations-311",   PG_LINES_LOCATIONS_311 },
   { "3.13", "locations-311",   PG_LINES_LOCATIONS_311 },
};
#define N_PYTHON_VERSIONS \
   ((int)(sizeof python_versions / sizeof python_versions[0]))

/* The corpus has 16-18 code objects depending on the version; fewer means
 * a damaged or hand-edited file. */
#define MIN_CODE_RECORDS 12

static const char *data_dir_override;

static const char *data_dir(void)
{
   const char *env = getenv("PG_LINETABLE_DATA_DIR");
   if (data_dir_override != NULL)
      return data_dir_override;
   if (env != NULL && env[0] != '\0')
      return env;
   return PG_TEST_DATA_DIR;
}

/*------------------------------------------------------------*/
/*--- Ranges: what the decoder reports, and what the interpreter reported ---*/
/*------------------------------------------------------------*/

typedef struct {
   UInt start;
   UInt end;
   Int  line;
} LineRange;

typedef struct {
   LineRange *items;
   size_t     count;
   size_t     capacity;
} RangeList;

static void range_list_add(RangeList *list, UInt start, UInt end, Int line)
{
   if (list->count == list->capacity) {
      list->capacity = list->capacity ? 2 * list->capacity : 64;
      list->items = realloc(list->items, list->capacity * sizeof *list->items);
      ck_assert_ptr_nonnull(list->items);
   }
   list->items[list->count].start = start;
   list->items[list->count].end = end;
   list->items[list->count].line = line;
   list->count++;
}

static void collect_range(void *ctx, UInt start, UInt end, Int line)
{
   range_list_add((RangeList *)ctx, start, end, line);
}

/* Interpreters differ in whether they split a run of one line into several
 * ranges (3.10 and 3.11 do, 3.12+ merge) and report empty ones; compare
 * runs: drop empty ranges and merge touching ones with the same line. */
static void normalize_ranges(RangeList *list)
{
   size_t kept = 0;
   size_t i;

   for (i = 0; i < list->count; i++) {
      LineRange r = list->items[i];
      if (r.end <= r.start)
         continue;
      if (kept > 0 && list->items[kept - 1].end == r.start
          && list->items[kept - 1].line == r.line) {
         list->items[kept - 1].end = r.end;
         continue;
      }
      list->items[kept++] = r;
   }
   list->count = kept;
}

static Int line_in_ranges(const RangeList *list, UInt offset)
{
   size_t i;
   for (i = 0; i < list->count; i++)
      if (list->items[i].start <= offset && offset < list->items[i].end)
         return list->items[i].line;
   return -1;
}

static Bool decode_ranges(PgLineTableFormat format, const UChar *table,
                          SizeT len, Int first_line, UInt code_size,
                          RangeList *out)
{
   memset(out, 0, sizeof *out);
   return pg_linetable_ranges(format, table, len, first_line, code_size,
                              collect_range, out);
}

/*------------------------------------------------------------*/
/*--- The data files                                       ---*/
/*------------------------------------------------------------*/

typedef struct {
   UInt offset;
   Int  line;
} InstructionLine;

typedef struct {
   char            *path;          /* e.g. <module>/outer/inner */
   char            *format_name;
   Int              first_line;
   UInt             code_size;
   UChar           *table;
   SizeT            table_len;
   RangeList        expected_ranges;
   InstructionLine *instructions;
   size_t           n_instructions;
   size_t           instructions_capacity;
} CodeRecord;

typedef void (*CodeRecordFn)(const PythonVersion *version,
                             const CodeRecord *record, void *ctx);

static void free_record(CodeRecord *record)
{
   free(record->path);
   free(record->format_name);
   free(record->table);
   free(record->expected_ranges.items);
   free(record->instructions);
   memset(record, 0, sizeof *record);
}

static int hex_digit(char c)
{
   if (c >= '0' && c <= '9') return c - '0';
   if (c >= 'a' && c <= 'f') return c - 'a' + 10;
   if (c >= 'A' && c <= 'F') return c - 'A' + 10;
   return -1;
}

static void parse_hex(const char *file, unsigned line_no, const char *hex,
                      CodeRecord *record)
{
   size_t n = strlen(hex);
   size_t i;

   if (strcmp(hex, "-") == 0)
      return;  /* empty table */
   ck_assert_msg(n % 2 == 0, "%s:%u: odd-length hex table", file, line_no);
   record->table = malloc(n / 2 + 1);
   ck_assert_ptr_nonnull(record->table);
   for (i = 0; i < n; i += 2) {
      int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
      ck_assert_msg(hi >= 0 && lo >= 0, "%s:%u: bad hex digit", file,
                    line_no);
      record->table[i / 2] = (UChar)(hi * 16 + lo);
   }
   record->table_len = n / 2;
}

static void add_instruction(CodeRecord *record, UInt offset, Int line)
{
   if (record->n_instructions == record->instructions_capacity) {
      record->instructions_capacity = record->instructions_capacity
                                      ? 2 * record->instructions_capacity
                                      : 64;
      record->instructions = realloc(
         record->instructions,
         record->instructions_capacity * sizeof *record->instructions);
      ck_assert_ptr_nonnull(record->instructions);
   }
   record->instructions[record->n_instructions].offset = offset;
   record->instructions[record->n_instructions].line = line;
   record->n_instructions++;
}

static void path_of_version(const PythonVersion *version, char *buf,
                            size_t size)
{
   snprintf(buf, size, "%s/linetables-%s.txt", data_dir(), version->version);
}

/* Reads the data file of VERSION, calling FN for each code record, and
 * returns how many there were.  A missing or malformed file fails the
 * test: missing data must never look like success. */
static int for_each_record(const PythonVersion *version, CodeRecordFn fn,
                           void *ctx)
{
   char file[1024];
   FILE *in;
   char *line = NULL;
   size_t line_capacity = 0;
   unsigned line_no = 0;
   int n_records = 0;
   Bool in_record = False;
   Bool saw_header = False;
   CodeRecord record;

   memset(&record, 0, sizeof record);
   path_of_version(version, file, sizeof file);
   in = fopen(file, "r");
   ck_assert_msg(in != NULL, "cannot open %s (run make_linetables.py "
                 "with Python %s)", file, version->version);

   while (getline(&line, &line_capacity, in) != -1) {
      char word[16], text_a[512], text_b[64], hex[65536];
      long a, b, c;

      line_no++;
      line[strcspn(line, "\n")] = '\0';
      if (line[0] == '#' || line[0] == '\0')
         continue;
      if (sscanf(line, "%15s", word) != 1)
         continue;

      if (strcmp(word, "python") == 0) {
         size_t n = strlen(version->version);
         ck_assert_msg(sscanf(line, "python %63s", text_b) == 1
                       && strncmp(text_b, version->version, n) == 0
                       && text_b[n] == '.',
                       "%s:%u: written by Python %s, expected %s.x", file,
                       line_no, text_b, version->version);
         saw_header = True;
      } else if (strcmp(word, "code") == 0) {
         ck_assert_msg(!in_record, "%s:%u: code inside a record", file,
                       line_no);
         ck_assert_msg(strlen(line) < sizeof hex, "%s:%u: table too long",
                       file, line_no);
         ck_assert_msg(sscanf(line, "code %511s %63s %ld %ld %65535s",
                              text_a, text_b, &a, &b, hex) == 5,
                       "%s:%u: malformed code line", file, line_no);
         record.path = strdup(text_a);
         record.format_name = strdup(text_b);
         record.first_line = (Int)a;
         record.code_size = (UInt)b;
         parse_hex(file, line_no, hex, &record);
         in_record = True;
      } else if (strcmp(word, "range") == 0) {
         ck_assert_msg(in_record
                       && sscanf(line, "range %ld %ld %ld", &a, &b, &c) == 3,
                       "%s:%u: malformed range line", file, line_no);
         range_list_add(&record.expected_ranges, (UInt)a, (UInt)b, (Int)c);
      } else if (strcmp(word, "at") == 0) {
         ck_assert_msg(in_record
                       && sscanf(line, "at %ld %ld", &a, &b) == 2,
                       "%s:%u: malformed at line", file, line_no);
         add_instruction(&record, (UInt)a, (Int)b);
      } else if (strcmp(word, "end") == 0) {
         ck_assert_msg(in_record, "%s:%u: end outside a record", file,
                       line_no);
         ck_assert_msg(record.n_instructions > 0,
                       "%s:%u: %s has no instructions", file, line_no,
                       record.path);
         fn(version, &record, ctx);
         free_record(&record);
         in_record = False;
         n_records++;
      } else {
         ck_abort_msg("%s:%u: unknown line '%s'", file, line_no, word);
      }
   }
   free(line);
   fclose(in);
   ck_assert_msg(saw_header, "%s: no 'python' line", file);
   ck_assert_msg(!in_record, "%s: last record has no 'end'", file);
   return n_records;
}

/*------------------------------------------------------------*/
/*--- Tests against the interpreters' data                 ---*/
/*------------------------------------------------------------*/

static void count_record(const PythonVersion *version,
                         const CodeRecord *record, void *ctx)
{
   (void)version;
   (void)record;
   (void)ctx;
}

START_TEST(test_every_version_has_data)
{
   int i;
   for (i = 0; i < N_PYTHON_VERSIONS; i++) {
      int n = for_each_record(&python_versions[i], count_record, NULL);
      ck_assert_msg(n >= MIN_CODE_RECORDS,
                    "Python %s: only %d code objects in its data file",
                    python_versions[i].version, n);
   }
}
END_TEST

static void check_record(const PythonVersion *version,
                         const CodeRecord *record, void *ctx)
{
   const char *v = version->version;
   const char *code = record->path;
   RangeList decoded;
   RangeList expected;
   Bool whole;
   size_t i;

   (void)ctx;
   ck_assert_msg(strcmp(record->format_name, version->format_name) == 0,
                 "Python %s %s: format %s, expected %s", v, code,
                 record->format_name, version->format_name);

   /* The line of every instruction, as the interpreter reported it. */
   for (i = 0; i < record->n_instructions; i++) {
      UInt offset = record->instructions[i].offset;
      Int want = record->instructions[i].line;
      Int got = pg_linetable_line_at(version->format, record->table,
                                     record->table_len, record->first_line,
                                     record->code_size, offset);
      ck_assert_msg(got == want,
                    "Python %s %s: offset %u: expected line %d, got %d",
                    v, code, offset, want, got);
   }

   /* The whole table decodes, into well-formed maximal runs... */
   whole = decode_ranges(version->format, record->table, record->table_len,
                         record->first_line, record->code_size, &decoded);
   ck_assert_msg(whole, "Python %s %s: table reported as damaged", v, code);
   for (i = 0; i < decoded.count; i++) {
      const LineRange *r = &decoded.items[i];
      ck_assert_msg(r->start < r->end,
                    "Python %s %s: empty range [%u, %u)", v, code,
                    r->start, r->end);
      if (i > 0) {
         const LineRange *prev = &decoded.items[i - 1];
         ck_assert_msg(prev->end <= r->start,
                       "Python %s %s: range [%u, %u) overlaps [%u, %u)",
                       v, code, r->start, r->end, prev->start, prev->end);
         ck_assert_msg(prev->end != r->start || prev->line != r->line,
                       "Python %s %s: ranges at %u not merged (line %d)",
                       v, code, r->start, r->line);
      }
   }

   /* ... consistent with the instruction lines ... */
   for (i = 0; i < record->n_instructions; i++) {
      UInt offset = record->instructions[i].offset;
      Int want = record->instructions[i].line;
      Int got = line_in_ranges(&decoded, offset);
      ck_assert_msg(got == want,
                    "Python %s %s: ranges give offset %u line %d, "
                    "expected %d", v, code, offset, got, want);
   }

   /* ... and equal to the interpreter's own ranges. */
   expected = record->expected_ranges;
   expected.items = malloc((expected.count + 1) * sizeof *expected.items);
   ck_assert_ptr_nonnull(expected.items);
   memcpy(expected.items, record->expected_ranges.items,
          expected.count * sizeof *expected.items);
   normalize_ranges(&expected);
   for (i = 0; i < expected.count && i < decoded.count; i++) {
      const LineRange *w = &expected.items[i];
      const LineRange *g = &decoded.items[i];
      ck_assert_msg(w->start == g->start && w->end == g->end
                    && w->line == g->line,
                    "Python %s %s: range %zu: expected [%u, %u) line %d, "
                    "got [%u, %u) line %d", v, code, i, w->start, w->end,
                    w->line, g->start, g->end, g->line);
   }
   ck_assert_msg(expected.count == decoded.count,
                 "Python %s %s: expected %zu ranges, got %zu", v, code,
                 expected.count, decoded.count);

   /* Nothing is claimed past the end of the bytecode. */
   ck_assert_int_eq(pg_linetable_line_at(version->format, record->table,
                                         record->table_len,
                                         record->first_line,
                                         record->code_size,
                                         record->code_size), -1);
   free(expected.items);
   free(decoded.items);
}

/* One loop iteration per interpreter, so each failure names its version. */
START_TEST(test_interpreter_tables)
{
   for_each_record(&python_versions[_i], check_record, NULL);
}
END_TEST

/* What the corpus made the interpreters write, so that regenerating the
 * data with a weaker corpus cannot silently drop a case. */
typedef struct {
   Bool location_kinds[16];
   Bool linetable_no_line;
   Bool linetable_empty_range;
   Bool lnotab_zero_addr_step;   /* a jump split over several pairs */
   Bool lnotab_high_line_byte;   /* >= 0x80: +128.. unsigned, negative signed */
} FormsSeen;

static void note_forms(const PythonVersion *version,
                       const CodeRecord *record, void *ctx)
{
   FormsSeen *seen = ctx;
   const UChar *t = record->table;
   SizeT i;

   if (version->format == PG_LINES_LOCATIONS_311) {
      for (i = 0; i < record->table_len; i++)
         if (t[i] & 0x80)
            seen->location_kinds[(t[i] >> 3) & 15] = True;
      return;
   }
   for (i = 0; i + 1 < record->table_len; i += 2) {
      if (version->format == PG_LINES_LINETABLE_310) {
         if (t[i + 1] == 0x80)
            seen->linetable_no_line = True;
         if (t[i] == 0)
            seen->linetable_empty_range = True;
      } else {
         if (t[i] == 0)
            seen->lnotab_zero_addr_step = True;
         if (t[i + 1] >= 0x80)
            seen->lnotab_high_line_byte = True;
      }
   }
}

static void check_forms_seen(const char *version_name)
{
   FormsSeen seen;
   int i;

   memset(&seen, 0, sizeof seen);
   for (i = 0; i < N_PYTHON_VERSIONS; i++)
      if (strcmp(python_versions[i].version, version_name) == 0)
         for_each_record(&python_versions[i], note_forms, &seen);

   if (strcmp(version_name, "2.7") == 0 || strcmp(version_name, "3.8") == 0) {
      ck_assert_msg(seen.lnotab_zero_addr_step,
                    "Python %s data: no multi-pair jump", version_name);
      ck_assert_msg(seen.lnotab_high_line_byte,
                    "Python %s data: no line byte >= 0x80", version_name);
   } else if (strcmp(version_name, "3.10") == 0) {
      ck_assert_msg(seen.linetable_no_line,
                    "Python 3.10 data: no 'no line' (-128) entry");
      ck_assert_msg(seen.linetable_empty_range,
                    "Python 3.10 data: no zero-length entry");
   } else {
      for (i = 0; i < 16; i++)
         ck_assert_msg(seen.location_kinds[i],
                       "Python %s data: no location entry of kind %d",
                       version_name, i);
   }
}

START_TEST(test_data_exercises_every_form)
{
   check_forms_seen("2.7");
   check_forms_seen("3.8");
   check_forms_seen("3.10");
   check_forms_seen("3.11");
   check_forms_seen("3.12");
   check_forms_seen("3.13");
}
END_TEST

/*------------------------------------------------------------*/
/*--- Hand-built tables                                    ---*/
/*------------------------------------------------------------*/

#define FIRST_LINE 10

static Int line_at(PgLineTableFormat format, const UChar *table, SizeT len,
                   UInt code_size, UInt offset)
{
   return pg_linetable_line_at(format, table, len, FIRST_LINE, code_size,
                               offset);
}

START_TEST(test_empty_table)
{
   RangeList ranges;

   /* co_lnotab: no entries means the whole code is on co_firstlineno. */
   ck_assert(decode_ranges(PG_LINES_LNOTAB_SIGNED, NULL, 0, FIRST_LINE, 8,
                           &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_uint_eq(ranges.items[0].start, 0);
   ck_assert_uint_eq(ranges.items[0].end, 8);
   ck_assert_int_eq(ranges.items[0].line, FIRST_LINE);
   free(ranges.items);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_UNSIGNED, (const UChar *)"", 0,
                            8, 6), FIRST_LINE);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_UNSIGNED, NULL, 0, 8, 8), -1);

   /* The newer tables describe every range themselves: nothing at all. */
   ck_assert(decode_ranges(PG_LINES_LINETABLE_310, NULL, 0, FIRST_LINE, 8,
                           &ranges));
   ck_assert_uint_eq(ranges.count, 0);
   ck_assert(decode_ranges(PG_LINES_LOCATIONS_311, NULL, 0, FIRST_LINE, 8,
                           &ranges));
   ck_assert_uint_eq(ranges.count, 0);
   ck_assert_int_eq(line_at(PG_LINES_LINETABLE_310, NULL, 0, 8, 0), -1);
   ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, NULL, 0, 8, 0), -1);
}
END_TEST

START_TEST(test_unusable_arguments)
{
   static const UChar table[] = { 2, 1 };
   RangeList ranges;

   ck_assert(!decode_ranges(PG_LINES_NONE, table, sizeof table, FIRST_LINE,
                            8, &ranges));
   ck_assert_uint_eq(ranges.count, 0);
   ck_assert_int_eq(line_at(PG_LINES_NONE, table, sizeof table, 8, 0), -1);
   ck_assert(!decode_ranges(PG_LINES_LNOTAB_SIGNED, NULL, 2, FIRST_LINE, 8,
                            &ranges));
   ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, NULL, 4, 8, 0), -1);
}
END_TEST

START_TEST(test_lnotab_signedness)
{
   /* (4, 0xff): +255 lines in 2.7, -1 line from 3.6 on. */
   static const UChar table[] = { 4, 0xff };

   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_UNSIGNED, table, 2, 8, 2),
                    FIRST_LINE);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_UNSIGNED, table, 2, 8, 4),
                    FIRST_LINE + 255);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_SIGNED, table, 2, 8, 4),
                    FIRST_LINE - 1);
}
END_TEST

START_TEST(test_lnotab_split_jumps)
{
   /* 300 bytes then +200 lines, split as lnotab_notes.txt describes:
    * (255, 0) (45, 127) (0, 73); then (11, 1). */
   static const UChar table[] = { 255, 0, 45, 127, 0, 73, 11, 1 };
   RangeList ranges;

   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_SIGNED, table, sizeof table,
                            320, 299), FIRST_LINE);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_SIGNED, table, sizeof table,
                            320, 300), FIRST_LINE + 200);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_SIGNED, table, sizeof table,
                            320, 311), FIRST_LINE + 201);
   ck_assert(decode_ranges(PG_LINES_LNOTAB_SIGNED, table, sizeof table,
                           FIRST_LINE, 320, &ranges));
   /* [0,255) and [255,300) share a line: one run. */
   ck_assert_uint_eq(ranges.count, 3);
   ck_assert_uint_eq(ranges.items[0].end, 300);
   ck_assert_uint_eq(ranges.items[2].start, 311);
   ck_assert_uint_eq(ranges.items[2].end, 320);
   free(ranges.items);
}
END_TEST

START_TEST(test_truncated_pair)
{
   static const UChar lnotab[] = { 4, 1, 6 };
   static const UChar linetable[] = { 4, 0, 6, 1, 2 };
   RangeList ranges;

   /* co_lnotab: the cut pair leaves the last range's end unknown. */
   ck_assert(!decode_ranges(PG_LINES_LNOTAB_SIGNED, lnotab, sizeof lnotab,
                            FIRST_LINE, 16, &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_uint_eq(ranges.items[0].end, 4);
   free(ranges.items);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_SIGNED, lnotab, sizeof lnotab,
                            16, 2), FIRST_LINE);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_SIGNED, lnotab, sizeof lnotab,
                            16, 4), -1);

   /* 3.10: the whole pairs before the cut still stand. */
   ck_assert(!decode_ranges(PG_LINES_LINETABLE_310, linetable,
                            sizeof linetable, FIRST_LINE, 16, &ranges));
   ck_assert_uint_eq(ranges.count, 2);
   ck_assert_uint_eq(ranges.items[1].end, 10);
   ck_assert_int_eq(ranges.items[1].line, FIRST_LINE + 1);
   free(ranges.items);
   ck_assert_int_eq(line_at(PG_LINES_LINETABLE_310, linetable,
                            sizeof linetable, 16, 10), -1);
}
END_TEST

START_TEST(test_lnotab_beyond_code_size)
{
   /* A table claiming more bytecode than the code has is damaged. */
   static const UChar table[] = { 200, 1 };
   RangeList ranges;

   ck_assert(!decode_ranges(PG_LINES_LNOTAB_SIGNED, table, sizeof table,
                            FIRST_LINE, 100, &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_uint_eq(ranges.items[0].end, 100);
   free(ranges.items);
}
END_TEST

START_TEST(test_linetable_310_no_line)
{
   /* 4 bytes +2 lines, 2 bytes with no line, 6 bytes +1 line: the no-line
    * entry leaves the running line alone. */
   static const UChar table[] = { 4, 2, 2, 0x80, 6, 1 };

   ck_assert_int_eq(line_at(PG_LINES_LINETABLE_310, table, sizeof table,
                            12, 0), FIRST_LINE + 2);
   ck_assert_int_eq(line_at(PG_LINES_LINETABLE_310, table, sizeof table,
                            12, 4), -1);
   ck_assert_int_eq(line_at(PG_LINES_LINETABLE_310, table, sizeof table,
                            12, 6), FIRST_LINE + 3);
}
END_TEST

START_TEST(test_ranges_are_merged)
{
   /* Two 3.10 entries on one line come out as one run. */
   static const UChar table[] = { 4, 1, 4, 0, 2, 1 };
   RangeList ranges;

   ck_assert(decode_ranges(PG_LINES_LINETABLE_310, table, sizeof table,
                           FIRST_LINE, 10, &ranges));
   ck_assert_uint_eq(ranges.count, 2);
   ck_assert_uint_eq(ranges.items[0].start, 0);
   ck_assert_uint_eq(ranges.items[0].end, 8);
   ck_assert_int_eq(ranges.items[0].line, FIRST_LINE + 1);
   free(ranges.items);
}
END_TEST

/* Location entry headers: 0x80 | kind << 3 | (code units - 1). */
#define LOC(kind, units) ((UChar)(0x80 | (kind) << 3 | ((units) - 1)))

START_TEST(test_locations_every_kind)
{
   static const UChar table[] = {
      LOC(0, 1), 0x05,                    /* short form: same line */
      LOC(11, 2), 4, 9,                   /* one-line form: +1 */
      LOC(12, 1), 4, 9,                   /* one-line form: +2 */
      LOC(13, 1), 0x58, 0x09,             /* no columns: +300 (2 chunks) */
      LOC(14, 3), 0x51, 0x06, 0, 1, 2,    /* long form: -200 */
      LOC(15, 8),                         /* no location */
      LOC(10, 1), 0, 3,                   /* one-line form: +0 */
   };
   static const struct { UInt offset; Int line; } expected[] = {
      { 0, FIRST_LINE },
      { 2, FIRST_LINE + 1 }, { 4, FIRST_LINE + 1 },
      { 6, FIRST_LINE + 3 },
      { 8, FIRST_LINE + 303 },
      { 10, FIRST_LINE + 103 }, { 14, FIRST_LINE + 103 },
      { 16, -1 }, { 30, -1 },
      { 32, FIRST_LINE + 103 },
      { 34, -1 },                          /* past the table */
   };
   size_t i;

   for (i = 0; i < sizeof expected / sizeof expected[0]; i++)
      ck_assert_msg(line_at(PG_LINES_LOCATIONS_311, table, sizeof table, 0,
                            expected[i].offset) == expected[i].line,
                    "offset %u: expected %d, got %d", expected[i].offset,
                    expected[i].line,
                    line_at(PG_LINES_LOCATIONS_311, table, sizeof table, 0,
                            expected[i].offset));
}
END_TEST

START_TEST(test_locations_truncated_varint)
{
   /* A whole short entry, then a no-columns entry whose varint says
    * "more follows" at the end of the table. */
   static const UChar table[] = { LOC(0, 1), 0x05, LOC(13, 1), 0x41 };
   RangeList ranges;

   ck_assert(!decode_ranges(PG_LINES_LOCATIONS_311, table, sizeof table,
                            FIRST_LINE, 4, &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_uint_eq(ranges.items[0].end, 2);
   free(ranges.items);
   ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, table, sizeof table, 4,
                            0), FIRST_LINE);
   ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, table, sizeof table, 4,
                            2), -1);
}
END_TEST

START_TEST(test_locations_truncated_entries)
{
   /* Each table ends (or runs into the next header) inside an entry. */
   static const UChar short_cut[] = { LOC(3, 1) };
   static const UChar one_line_cut[] = { LOC(11, 1), 4 };
   static const UChar long_cut[] = { LOC(14, 1), 0x02, 0, 1 };
   static const UChar into_next[] = { LOC(12, 1), 4, LOC(0, 1), 0x01 };
   static const UChar no_header[] = { 0x05, LOC(0, 1), 0x01 };
   static const UChar endless[] = { LOC(13, 1), 0x41, 0x41, 0x41, 0x41,
                                    0x41, 0x41, 0x01 };
   RangeList ranges;

#define CHECK_DAMAGED(t) \
   do { \
      ck_assert_msg(!decode_ranges(PG_LINES_LOCATIONS_311, t, sizeof t, \
                                   FIRST_LINE, 4, &ranges), \
                    #t " read as whole"); \
      ck_assert_msg(ranges.count == 0, #t " gave %zu ranges", ranges.count); \
      free(ranges.items); \
      ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, t, sizeof t, 4, 0), \
                       -1); \
   } while (0)
   CHECK_DAMAGED(short_cut);
   CHECK_DAMAGED(one_line_cut);
   CHECK_DAMAGED(long_cut);
   CHECK_DAMAGED(into_next);
   CHECK_DAMAGED(no_header);
   CHECK_DAMAGED(endless);
#undef CHECK_DAMAGED
}
END_TEST

START_TEST(test_offset_beyond_table)
{
   static const UChar lnotab[] = { 4, 1 };
   static const UChar linetable[] = { 4, 1 };
   static const UChar locations[] = { LOC(0, 2), 0x01 };

   /* co_lnotab: the code size ends the last range. */
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_UNSIGNED, lnotab, 2, 8, 7),
                    FIRST_LINE + 1);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_UNSIGNED, lnotab, 2, 8, 8), -1);
   ck_assert_int_eq(line_at(PG_LINES_LNOTAB_SIGNED, lnotab, 2, 8,
                            0xffffffffu), -1);
   /* The newer tables end where their last entry ends. */
   ck_assert_int_eq(line_at(PG_LINES_LINETABLE_310, linetable, 2, 100, 3),
                    FIRST_LINE + 1);
   ck_assert_int_eq(line_at(PG_LINES_LINETABLE_310, linetable, 2, 100, 4),
                    -1);
   ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, locations, 3, 100, 3),
                    FIRST_LINE);
   ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, locations, 3, 100, 4),
                    -1);
   ck_assert_int_eq(line_at(PG_LINES_LOCATIONS_311, locations, 3, 100,
                            0xffffffffu), -1);
}
END_TEST

/* A line moved past Int's range (found by tests/fuzz/fuzz_linetable):
 * the entry is damaged, the walk stops before it with the ranges before
 * it reported, and nothing wraps to a line on the other side. */
START_TEST(test_line_out_of_int_range)
{
   static const UChar lnotab_up[] = { 2, 0, 2, 1, 2, 0 };
   static const UChar lnotab_down[] = { 2, 0, 2, 0x80 };
   static const UChar linetable_up[] = { 2, 0, 2, 1 };
   /* kind 13 (line delta only): +1, then -1 as signed varints */
   static const UChar locations_up[] = { 0x80 | 13 << 3, 0, 0x80 | 13 << 3, 2 };
   static const UChar locations_down[] = { 0x80 | 13 << 3, 3 };
   const Int max = 0x7fffffff, min = -max - 1;
   RangeList ranges;

   ck_assert(!decode_ranges(PG_LINES_LNOTAB_SIGNED, lnotab_up, sizeof lnotab_up,
                            max, 16, &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_uint_eq(ranges.items[0].end, 4);
   ck_assert_int_eq(ranges.items[0].line, max);
   free(ranges.items);
   ck_assert_int_eq(pg_linetable_line_at(PG_LINES_LNOTAB_SIGNED, lnotab_up,
                                         sizeof lnotab_up, max, 16, 4), -1);
   ck_assert(!decode_ranges(PG_LINES_LNOTAB_UNSIGNED, lnotab_up,
                            sizeof lnotab_up, max, 16, &ranges));
   free(ranges.items);
   ck_assert(!decode_ranges(PG_LINES_LNOTAB_SIGNED, lnotab_down,
                            sizeof lnotab_down, min, 16, &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_int_eq(ranges.items[0].line, min);
   free(ranges.items);

   ck_assert(!decode_ranges(PG_LINES_LINETABLE_310, linetable_up,
                            sizeof linetable_up, max, 0, &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_int_eq(ranges.items[0].line, max);
   free(ranges.items);
   ck_assert_int_eq(pg_linetable_line_at(PG_LINES_LINETABLE_310, linetable_up,
                                         sizeof linetable_up, max, 0, 2), -1);

   ck_assert(!decode_ranges(PG_LINES_LOCATIONS_311, locations_up,
                            sizeof locations_up, max, 0, &ranges));
   ck_assert_uint_eq(ranges.count, 1);
   ck_assert_int_eq(ranges.items[0].line, max);
   free(ranges.items);
   ck_assert(!decode_ranges(PG_LINES_LOCATIONS_311, locations_down,
                            sizeof locations_down, min, 0, &ranges));
   ck_assert_uint_eq(ranges.count, 0);
   free(ranges.items);
}
END_TEST

static Suite *linetable_suite(void)
{
   Suite *s = suite_create("linetable");
   TCase *data = tcase_create("interpreter data");
   TCase *hand = tcase_create("hand-built tables");

   tcase_add_test(data, test_every_version_has_data);
   tcase_add_loop_test(data, test_interpreter_tables, 0, N_PYTHON_VERSIONS);
   tcase_add_test(data, test_data_exercises_every_form);
   suite_add_tcase(s, data);

   tcase_add_test(hand, test_empty_table);
   tcase_add_test(hand, test_unusable_arguments);
   tcase_add_test(hand, test_lnotab_signedness);
   tcase_add_test(hand, test_lnotab_split_jumps);
   tcase_add_test(hand, test_truncated_pair);
   tcase_add_test(hand, test_line_out_of_int_range);
   tcase_add_test(hand, test_lnotab_beyond_code_size);
   tcase_add_test(hand, test_linetable_310_no_line);
   tcase_add_test(hand, test_ranges_are_merged);
   tcase_add_test(hand, test_locations_every_kind);
   tcase_add_test(hand, test_locations_truncated_varint);
   tcase_add_test(hand, test_locations_truncated_entries);
   tcase_add_test(hand, test_offset_beyond_table);
   suite_add_tcase(s, hand);
   return s;
}

int main(int argc, char **argv)
{
   SRunner *sr;
   int n_failed;

   if (argc > 1)
      data_dir_override = argv[1];
   sr = srunner_create(linetable_suite());
   srunner_run_all(sr, CK_NORMAL);
   n_failed = srunner_ntests_failed(sr);
   srunner_free(sr);
   return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
