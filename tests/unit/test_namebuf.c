/* test_namebuf.c: unit tests of the bounded name builder (pg_namebuf.c):
 * names up to the limit come out whole in UTF-8, longer ones are cut at a
 * character boundary and end in a marker whose length and hash keep two
 * long names apart, NUL is carried as 0xc0 0x80.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "pg_namebuf.h"

/* A name from code points, as pg_python.c reads Python 3's str. */
static char *name_of_code_points(const unsigned int *cps, size_t n, size_t keep)
{
   PgNameBuf b;
   size_t i;

   pg_namebuf_init(&b, keep);
   for (i = 0; i < n; i++)
      pg_namebuf_add_code_point(&b, cps[i]);
   return pg_namebuf_finish(&b);
}

static char *name_of_bytes(const char *bytes, size_t n, size_t keep)
{
   PgNameBuf b;

   pg_namebuf_init(&b, keep);
   pg_namebuf_add_bytes(&b, bytes, n);
   return pg_namebuf_finish(&b);
}

/* The part of NAME before the cut marker, or all of it. */
static size_t kept_length(const char *name)
{
   const char *marker = strstr(name, "...[cut: ");
   return marker != NULL ? (size_t)(marker - name) : strlen(name);
}

/*------------------------------------------------------------*/
/*--- Whole names                                          ---*/
/*------------------------------------------------------------*/

START_TEST(test_utf8_encoding)
{
   /* 1, 2, 3 and 4 bytes; NUL; a lone surrogate as Python can hold it. */
   static const unsigned int cps[] = { 'a', 0xe9, 0x51fd, 0x1f40d, 0, 0xdc80, 'z' };
   char *name = name_of_code_points(cps, sizeof cps / sizeof cps[0], 4096);

   ck_assert_str_eq(name, "a\xc3\xa9\xe5\x87\xbd\xf0\x9f\x90\x8d\xc0\x80\xed\xb2\x80z");
   free(name);
}
END_TEST

START_TEST(test_bytes_whole)
{
   static const char bytes[] = "ab\0c\n\xff";
   char *name = name_of_bytes(bytes, sizeof bytes - 1, 4096);

   /* NUL carried as 0xc0 0x80; every other byte as it is. */
   ck_assert_str_eq(name, "ab\xc0\x80" "c\n\xff");
   free(name);
}
END_TEST

START_TEST(test_empty_name)
{
   char *name = name_of_bytes("", 0, 4096);

   ck_assert_str_eq(name, "");
   free(name);
}
END_TEST

START_TEST(test_long_names_whole_up_to_limit)
{
   /* The three names of the security review: a 634-character path, a
    * 200-character CJK name (600 bytes), a 600-character qualified name. */
   unsigned int cps[634];
   char *name;
   size_t i;

   for (i = 0; i < 634; i++)
      cps[i] = i % 50 == 49 ? '/' : 'd';
   name = name_of_code_points(cps, 634, PG_NAMEBUF_KEEP_BYTES);
   ck_assert_uint_eq(strlen(name), 634);
   free(name);

   for (i = 0; i < 200; i++)
      cps[i] = 0x51fd;
   name = name_of_code_points(cps, 200, PG_NAMEBUF_KEEP_BYTES);
   ck_assert_uint_eq(strlen(name), 600);
   ck_assert_int_eq(memcmp(name, "\xe5\x87\xbd", 3), 0);
   free(name);

   for (i = 0; i < 600; i++)
      cps[i] = i % 20 == 19 ? '.' : 'q';
   name = name_of_code_points(cps, 600, PG_NAMEBUF_KEEP_BYTES);
   ck_assert_uint_eq(strlen(name), 600);
   ck_assert(strstr(name, "cut") == NULL);
   free(name);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Cut names                                            ---*/
/*------------------------------------------------------------*/

START_TEST(test_cut_at_character_boundary)
{
   /* 3-byte characters with a limit that is no multiple of 3: the cut
    * keeps whole characters only. */
   unsigned int cps[10];
   char *name;
   size_t i;

   for (i = 0; i < 10; i++)
      cps[i] = 0x51fd;
   name = name_of_code_points(cps, 10, 8);
   ck_assert_uint_eq(kept_length(name), 6);
   ck_assert(strncmp(name + 6, "...[cut: 10 characters, hash ", 29) == 0);
   ck_assert(name[strlen(name) - 1] == ']');
   free(name);
}
END_TEST

START_TEST(test_cut_bytes_at_character_boundary)
{
   /* The same in raw bytes (Python 2's str holding UTF-8), fed in pieces
    * that split characters, as the client is read in chunks. */
   static const char bytes[] = "\xe5\x87\xbd\xe5\x87\xbd\xe5\x87\xbd\xe5\x87\xbd";
   PgNameBuf b;
   char *name;
   size_t i;

   for (i = 1; i <= 11; i++) {
      pg_namebuf_init(&b, 8);
      pg_namebuf_add_bytes(&b, bytes, i);
      pg_namebuf_add_bytes(&b, bytes + i, sizeof bytes - 1 - i);
      name = pg_namebuf_finish(&b);
      ck_assert_msg(kept_length(name) == 6, "split at %zu: '%s'", i, name);
      ck_assert(strstr(name, "...[cut: 12 characters, hash ") != NULL);
      free(name);
   }
}
END_TEST

START_TEST(test_cut_names_stay_apart)
{
   /* Equal for far longer than the limit, different at the end. */
   enum { LEN = 10000 };
   static char a[LEN], b[LEN];
   char *name_a, *name_b, *name_a2;

   memset(a, 'f', LEN);
   memset(b, 'f', LEN);
   b[LEN - 1] = 'g';
   name_a = name_of_bytes(a, LEN, PG_NAMEBUF_KEEP_BYTES);
   name_b = name_of_bytes(b, LEN, PG_NAMEBUF_KEEP_BYTES);
   name_a2 = name_of_bytes(a, LEN, PG_NAMEBUF_KEEP_BYTES);
   ck_assert_uint_eq(kept_length(name_a), PG_NAMEBUF_KEEP_BYTES);
   ck_assert_str_ne(name_a, name_b);
   /* The same name always gives the same text (one function, one node). */
   ck_assert_str_eq(name_a, name_a2);
   free(name_a);
   free(name_b);
   free(name_a2);
}
END_TEST

START_TEST(test_skip_counts_unread_characters)
{
   PgNameBuf b;
   char *name;

   pg_namebuf_init(&b, 4096);
   pg_namebuf_add_str(&b, "abc");
   pg_namebuf_skip(&b, 0);
   name = pg_namebuf_finish(&b);
   ck_assert_str_eq(name, "abc");
   free(name);

   pg_namebuf_init(&b, 4096);
   pg_namebuf_add_str(&b, "abc");
   pg_namebuf_skip(&b, 1000000);
   name = pg_namebuf_finish(&b);
   ck_assert(strncmp(name, "abc...[cut: 1000003 characters, hash ", 37) == 0);
   free(name);
}
END_TEST

START_TEST(test_nul_form_not_split)
{
   /* The two bytes of a NUL stay together at a cut too. */
   static const char bytes[] = "abc\0def";
   char *name = name_of_bytes(bytes, sizeof bytes - 1, 4);

   ck_assert_uint_eq(kept_length(name), 3);
   ck_assert(strncmp(name, "abc...[cut: 7 characters", 24) == 0);
   free(name);
}
END_TEST

static Suite *namebuf_suite(void)
{
   Suite *s = suite_create("pg_namebuf");
   TCase *tc_whole = tcase_create("whole");
   TCase *tc_cut = tcase_create("cut");

   tcase_add_test(tc_whole, test_utf8_encoding);
   tcase_add_test(tc_whole, test_bytes_whole);
   tcase_add_test(tc_whole, test_empty_name);
   tcase_add_test(tc_whole, test_long_names_whole_up_to_limit);
   suite_add_tcase(s, tc_whole);

   tcase_add_test(tc_cut, test_cut_at_character_boundary);
   tcase_add_test(tc_cut, test_cut_bytes_at_character_boundary);
   tcase_add_test(tc_cut, test_cut_names_stay_apart);
   tcase_add_test(tc_cut, test_skip_counts_unread_characters);
   tcase_add_test(tc_cut, test_nul_form_not_split);
   suite_add_tcase(s, tc_cut);

   return s;
}

int main(void)
{
   SRunner *sr = srunner_create(namebuf_suite());
   int n_failed;

   srunner_run_all(sr, CK_NORMAL);
   n_failed = srunner_ntests_failed(sr);
   srunner_free(sr);
   return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
