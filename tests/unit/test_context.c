/* test_context.c: unit tests of the calling-context table (pg_context.c)
 * behind --folded-stacks: one context per distinct stack, recursion
 * bounded by its depth, the limit and the folding of deeper frames into
 * the deepest kept context, zeroing, and the escaping of frame names.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pg_context.h"

static char nodes[8];   /* their addresses stand for function nodes */
static char more_nodes[5000];

START_TEST(test_same_stack_same_context)
{
   PgContextTable t;
   UInt root, a, b, a2;
   pg_context_table_init(&t, 100);
   root = pg_context_child(&t, PG_CTX_NONE, &nodes[0]);
   a = pg_context_child(&t, root, &nodes[1]);
   b = pg_context_child(&t, a, &nodes[2]);
   a2 = pg_context_child(&t, root, &nodes[1]);
   ck_assert_uint_eq(a, a2);
   ck_assert_uint_ne(a, b);
   /* The same function called from another context is another context. */
   ck_assert_uint_ne(pg_context_child(&t, b, &nodes[1]), a);
   ck_assert_uint_eq(t.count, 4);
   ck_assert_uint_eq(t.ctx[b].parent, a);
   ck_assert_ptr_eq(t.ctx[b].node, &nodes[2]);
   ck_assert(!t.limit_reached);
   pg_context_table_free(&t);
}
END_TEST

/* A recursion of depth D run many times makes D contexts. */
START_TEST(test_recursion_bounded_by_depth)
{
   PgContextTable t;
   UInt root, round, depth, c;
   pg_context_table_init(&t, 1000000);
   root = pg_context_child(&t, PG_CTX_NONE, &nodes[0]);
   for (round = 0; round < 1000; round++) {
      c = root;
      for (depth = 0; depth < 300; depth++)
         c = pg_context_child(&t, c, &nodes[1 + depth % 2]);
   }
   ck_assert_uint_eq(t.count, 301);
   pg_context_table_free(&t);
}
END_TEST

START_TEST(test_many_contexts_grow)
{
   PgContextTable t;
   UInt root, i, first[5000];
   pg_context_table_init(&t, 0);
   root = pg_context_child(&t, PG_CTX_NONE, &nodes[0]);
   /* 5000 distinct children (node pointers inside one array). */
   for (i = 0; i < 5000; i++)
      first[i] = pg_context_child(&t, root, &more_nodes[i]);
   for (i = 0; i < 5000; i++)
      ck_assert_uint_eq(pg_context_child(&t, root, &more_nodes[i]), first[i]);
   ck_assert_uint_eq(t.count, 5001);
   pg_context_table_free(&t);
}
END_TEST

START_TEST(test_limit_folds_into_deepest_kept)
{
   PgContextTable t;
   UInt root, a, b, c, d;
   pg_context_table_init(&t, 3);
   root = pg_context_child(&t, PG_CTX_NONE, &nodes[0]);
   a = pg_context_child(&t, root, &nodes[1]);
   b = pg_context_child(&t, a, &nodes[2]);
   ck_assert_uint_eq(t.count, 3);
   c = pg_context_child(&t, b, &nodes[3]);         /* over the limit */
   ck_assert_uint_eq(c, b | PG_CTX_FOLDED);
   ck_assert(t.limit_reached);
   d = pg_context_child(&t, c, &nodes[4]);         /* deeper still */
   ck_assert_uint_eq(d, b | PG_CTX_FOLDED);
   /* Known contexts are still found; a root is always made. */
   ck_assert_uint_eq(pg_context_child(&t, root, &nodes[1]), a);
   ck_assert(!(pg_context_child(&t, PG_CTX_NONE, &nodes[5]) & PG_CTX_FOLDED));
   pg_context_add(&t, c, 7);
   pg_context_add(&t, d, 5);
   pg_context_add(&t, b, 3);
   ck_assert_uint_eq(t.ctx[b].deeper, 12);
   ck_assert_uint_eq(t.ctx[b].self, 3);
   pg_context_zero(&t);
   ck_assert_uint_eq(t.ctx[b].deeper, 0);
   ck_assert_uint_eq(t.ctx[b].self, 0);
   ck_assert_uint_eq(pg_context_child(&t, a, &nodes[2]), b);
   pg_context_table_free(&t);
}
END_TEST

/* Charges with wrap-around (a negative correction) still sum exactly. */
START_TEST(test_add_wraps_exactly)
{
   PgContextTable t;
   UInt root;
   pg_context_table_init(&t, 10);
   root = pg_context_child(&t, PG_CTX_NONE, &nodes[0]);
   pg_context_add(&t, root, 100);
   pg_context_add(&t, root, (ULong)0 - 30);
   ck_assert_uint_eq(t.ctx[root].self, 70);
   pg_context_table_free(&t);
}
END_TEST

static void assert_escapes(const char *name, const char *expected)
{
   char out[256];
   SizeT need = pg_context_escape_frame(name, out, sizeof out);
   ck_assert_str_eq(out, expected);
   ck_assert_uint_eq(need, strlen(expected));
}

START_TEST(test_escape_frame)
{
   char small[6];
   assert_escapes("primes", "primes");
   assert_escapes("a;b", "a\\x3bb");
   assert_escapes("line\nbreak", "line\\x0abreak");
   assert_escapes("back\\slash", "back\\\\slash");
   assert_escapes("tab\there\x7f", "tab\\x09here\\x7f");
   assert_escapes("caf\xc3\xa9 (x.py:3)", "caf\xc3\xa9 (x.py:3)");
   assert_escapes("", "");
   /* Cut short: a NUL-terminated prefix, and the length needed. */
   ck_assert_uint_eq(pg_context_escape_frame("a;bcdef", small, sizeof small), 10);
   ck_assert_str_eq(small, "a\\x3b");
   ck_assert_uint_eq(pg_context_escape_frame("a;b", NULL, 0), 6);
}
END_TEST

static Suite *context_suite(void)
{
   Suite *s = suite_create("context");
   TCase *tc = tcase_create("table");
   tcase_add_test(tc, test_same_stack_same_context);
   tcase_add_test(tc, test_recursion_bounded_by_depth);
   tcase_add_test(tc, test_many_contexts_grow);
   tcase_add_test(tc, test_limit_folds_into_deepest_kept);
   tcase_add_test(tc, test_add_wraps_exactly);
   tcase_add_test(tc, test_escape_frame);
   suite_add_tcase(s, tc);
   return s;
}

int main(void)
{
   SRunner *sr = srunner_create(context_suite());
   int n_failed;

   srunner_run_all(sr, CK_NORMAL);
   n_failed = srunner_ntests_failed(sr);
   srunner_free(sr);
   return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
