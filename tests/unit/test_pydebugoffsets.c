/* test_pydebugoffsets.c: unit tests of pg_pydebugoffsets, the decoder of
 * CPython's _Py_DebugOffsets table (3.13, 3.14, 3.15).  The reference
 * inputs are the tables real interpreters hold in memory
 * (tests/unit/data/debug-offsets-X.Y.txt, written by make_debug_offsets.py:
 * pyenv's 3.13.0, Debian sid's 3.14.10 and 3.15.2): decoded, each must give
 * the offsets the DWARF of that build gives (the known rows were generated
 * from it).
 * Altered copies check that every offset is taken from the table, not
 * from the built-in row, and that bad tables are refused with a reason.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_pydebugoffsets.h"

#ifndef PG_TEST_DATA_DIR
#error "PG_TEST_DATA_DIR must name tests/unit/data"
#endif

#define TABLE_313_BYTES 584

static unsigned char table[PG_DEBUG_OFFSETS_READ_SIZE];
static size_t table_len;

/* Loads the hex table of debug-offsets-VERSION.txt into TABLE; returns its
 * length. */
static size_t load_table(const char *version)
{
   char path[512], line[256];
   FILE *f;

   snprintf(path, sizeof path, "%s/debug-offsets-%s.txt", PG_TEST_DATA_DIR, version);
   f = fopen(path, "r");

   ck_assert_msg(f != NULL, "cannot open %s", path);
   table_len = 0;
   memset(table, 0, sizeof table);
   while (fgets(line, sizeof line, f) != NULL) {
      size_t i;
      if (line[0] == '#')
         continue;
      for (i = 0; line[i] != '\0' && line[i] != '\n'; i += 2) {
         unsigned byte;
         ck_assert_msg(sscanf(line + i, "%2x", &byte) == 1, "%s: bad hex", path);
         ck_assert(table_len < sizeof table);
         table[table_len++] = (unsigned char)byte;
      }
   }
   fclose(f);
   return table_len;
}

static void load_313(void)
{
   ck_assert_int_eq(load_table("3.13"), TABLE_313_BYTES);
}

static void put_u64(size_t at, unsigned long long value)
{
   int i;
   for (i = 0; i < 8; i++)
      table[at + (size_t)i] = (unsigned char)(value >> (8 * i));
}

static PgPyLayout *decode_ok(size_t n)
{
   PgPyLayout *layout = malloc(sizeof *layout);
   char err[256] = "";
   ck_assert(layout != NULL);
   ck_assert_msg(pg_pydebugoffsets_decode(layout, table, n, err, sizeof err),
                 "decode failed: %s", err);
   ck_assert_str_eq(err, "");
   return layout;
}

static void decode_fails(size_t n, const char *reason_part)
{
   PgPyLayout *layout = malloc(sizeof *layout);
   char err[256] = "";
   ck_assert(layout != NULL);
   ck_assert(!pg_pydebugoffsets_decode(layout, table, n, err, sizeof err));
   ck_assert_msg(strstr(err, reason_part) != NULL, "error '%s' lacks '%s'", err,
                 reason_part);
   ck_assert_msg(strchr(err, '\n') == NULL, "error '%s' is not one line", err);
   free(layout);
}

START_TEST(test_real_table_matches_known_layout)
{
   PgPyLayout *decoded, known;
   char err[256];

   load_313();
   ck_assert(pg_pydebugoffsets_has_cookie(table, table_len));
   ck_assert_uint_eq(pg_pydebugoffsets_version(table, table_len), 0x030d00f0);
   ck_assert_uint_eq(pg_pydebugoffsets_version(table, 12), 0);   /* cut short */
   decoded = decode_ok(table_len);
   ck_assert(pg_pylayout_known(&known, 0x030d00f0));
   ck_assert_str_eq(decoded->source, "debug-offsets");
   ck_assert_uint_eq(decoded->version_hex, 0x030d00f0);
   ck_assert(pg_pylayout_complete(decoded, err, sizeof err));
   /* The known 3.13 row was read from the DWARF of this very build. */
   memcpy(known.source, decoded->source, sizeof known.source);
   ck_assert_int_eq(memcmp(decoded, &known, sizeof known), 0);
   free(decoded);
}
END_TEST

/* 3.14 and 3.15 from Debian sid: their tables moved almost every block. */
static void check_real_table(const char *version, size_t size, unsigned version_hex)
{
   PgPyLayout *decoded, known;
   char err[256];

   ck_assert_int_eq(load_table(version), size);
   ck_assert_uint_eq(pg_pydebugoffsets_version(table, table_len), version_hex);
   decoded = decode_ok(table_len);
   ck_assert(pg_pylayout_known(&known, version_hex));
   ck_assert(pg_pylayout_complete(decoded, err, sizeof err));
   memcpy(known.source, decoded->source, sizeof known.source);
   known.version_hex = decoded->version_hex;
   ck_assert_int_eq(decoded->tstate_current_frame, known.tstate_current_frame);
   ck_assert_int_eq(decoded->frame_owner, known.frame_owner);
   ck_assert_int_eq(decoded->tstate_base_frame, known.tstate_base_frame);
   ck_assert_int_eq(memcmp(decoded, &known, sizeof known), 0);
   /* Cut one byte short of its format's size, it is refused. */
   decode_fails(size - 1, "cut short");
   free(decoded);
}

START_TEST(test_real_tables_314_315)
{
   check_real_table("3.14", 760, 0x030e0af0);
   check_real_table("3.15", 888, 0x030f02f0);
}
END_TEST

START_TEST(test_offsets_come_from_the_table)
{
   PgPyLayout *decoded;

   load_313();
   put_u64(232, 16);     /* interpreter_frame.previous */
   put_u64(184, 80);     /* thread_state.current_frame */
   put_u64(304, 144);    /* code_object.linetable */
   put_u64(560, 48);     /* unicode_object.asciiobject_size: 40 -> 48 */
   put_u64(536, 72);     /* unicode_object.size grows with it: 64 -> 72 */
   decoded = decode_ok(table_len);
   ck_assert_int_eq(decoded->frame_back, 16);
   ck_assert_int_eq(decoded->tstate_current_frame, 80);
   ck_assert_int_eq(decoded->code_linetable, 144);
   ck_assert_int_eq(decoded->unicode_ascii_data, 48);
   /* PyCompactUnicodeObject extends PyASCIIObject: it moves with it. */
   ck_assert_int_eq(decoded->unicode_compact_data, 56 + 8);
   free(decoded);
}
END_TEST

START_TEST(test_bad_tables_are_refused)
{
   load_313();
   table[0] = 'X';
   decode_fails(table_len, "cookie");
   ck_assert_uint_eq(pg_pydebugoffsets_version(table, table_len), 0);

   load_313();
   decode_fails(100, "cut short");
   decode_fails(4, "cookie");

   load_313();
   put_u64(8, 0x031000f0);
   decode_fails(table_len, "CPython 3.16 is not known");

   load_313();
   put_u64(8, 0x020712f0);
   decode_fails(table_len, "no CPython 3 version");

   load_313();
   put_u64(16, 1);
   decode_fails(table_len, "free-threaded");

   load_313();
   put_u64(240, 4096);   /* executable beyond interpreter_frame.size */
   decode_fails(table_len, "frame_code is 4096");

   load_313();
   put_u64(224, 0);      /* interpreter_frame.size */
   decode_fails(table_len, "corrupt");

   load_313();
   put_u64(272, 1ULL << 40);   /* code_object.size */
   decode_fails(table_len, "corrupt");

   /* asciiobject_size inside unicode_object.size, but the compact data,
    * 16 bytes after it, past it (found by tests/fuzz/fuzz_pydebugoffsets);
    * at the largest size a structure may have, past the largest offset a
    * layout may hold too. */
   load_313();
   put_u64(560, 60);
   decode_fails(table_len, "unicode_compact_data would be 76 in a structure of 64 bytes");
   load_313();
   put_u64(536, 65536);
   put_u64(560, 65530);
   decode_fails(table_len, "unicode_compact_data would be 65546");
}
END_TEST

START_TEST(test_small_error_buffer)
{
   PgPyLayout layout;
   char err[8];

   load_313();
   put_u64(16, 1);
   memset(err, 'z', sizeof err);
   ck_assert(!pg_pydebugoffsets_decode(&layout, table, table_len, err, sizeof err));
   ck_assert_int_eq(err[sizeof err - 1], '\0');
   ck_assert(!pg_pydebugoffsets_decode(&layout, table, table_len, NULL, 0));
}
END_TEST

static Suite *debug_offsets_suite(void)
{
   Suite *suite = suite_create("pydebugoffsets");
   TCase *decode = tcase_create("decode");

   tcase_add_test(decode, test_real_table_matches_known_layout);
   tcase_add_test(decode, test_real_tables_314_315);
   tcase_add_test(decode, test_offsets_come_from_the_table);
   tcase_add_test(decode, test_bad_tables_are_refused);
   tcase_add_test(decode, test_small_error_buffer);
   suite_add_tcase(suite, decode);
   return suite;
}

int main(void)
{
   SRunner *runner = srunner_create(debug_offsets_suite());
   int failed;

   srunner_run_all(runner, CK_NORMAL);
   failed = srunner_ntests_failed(runner);
   srunner_free(runner);
   return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
