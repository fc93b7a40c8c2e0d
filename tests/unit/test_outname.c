/* test_outname.c: unit tests of output file name template expansion
 * (pg_outname.c): every %-sequence, every error the header promises, and
 * the joining of relative names to the base directory.  The environment is
 * a fixed table so the tests do not depend on the caller's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pg_outname.h"

typedef struct {
   const char *name;
   const char *value;
} FakeEnvEntry;

static const FakeEnvEntry fake_env[] = {
   { "HOME", "/home/alice" },
   { "JOB", "run-7" },
   { "EMPTY", "" },
   { NULL, NULL }
};

static const HChar *fake_getenv(void *ctx, const HChar *name)
{
   const FakeEnvEntry *entry;

   ck_assert_ptr_eq(ctx, (void *)fake_env);
   for (entry = fake_env; entry->name != NULL; entry++) {
      if (strcmp(entry->name, name) == 0)
         return entry->value;
   }
   return NULL;
}

/* Expands TEMPLATE with pid 1234, the fake environment and BASE_DIR, and
 * checks the result is EXPECTED. */
static void assert_expands_to(const char *template_, const char *base_dir,
                              const char *expected)
{
   HChar err[256];
   HChar *result;

   result = pg_outname_expand(template_, 1234, fake_getenv, (void *)fake_env,
                              base_dir, err, sizeof err);
   ck_assert_msg(result != NULL, "'%s' failed: %s", template_, err);
   ck_assert_str_eq(result, expected);
   ck_assert_str_eq(err, "");
   free(result);
}

/* Checks that TEMPLATE is rejected with a reason containing NEEDLE. */
static void assert_rejected(const char *template_, const char *needle)
{
   HChar err[256];
   HChar *result;

   memset(err, 0, sizeof err);
   result = pg_outname_expand(template_, 1234, fake_getenv, (void *)fake_env,
                              "/base", err, sizeof err);
   ck_assert_msg(result == NULL, "'%s' expanded to '%s'", template_,
                 result ? result : "");
   ck_assert_msg(strstr(err, needle) != NULL,
                 "reason for '%s' is '%s', expected it to mention '%s'",
                 template_, err, needle);
   ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(test_plain_name)
{
   assert_expands_to("/tmp/profile.out", "/base", "/tmp/profile.out");
}
END_TEST

START_TEST(test_pid)
{
   assert_expands_to("/tmp/pyprofgrind.out.%p", NULL,
                     "/tmp/pyprofgrind.out.1234");
   assert_expands_to("/tmp/%p-%p", NULL, "/tmp/1234-1234");
   assert_expands_to("/%p", NULL, "/1234");
}
END_TEST

START_TEST(test_env_variable)
{
   assert_expands_to("%q{HOME}/prof.%q{JOB}", NULL,
                     "/home/alice/prof.run-7");
   /* A set but empty variable expands to nothing. */
   assert_expands_to("/tmp/a%q{EMPTY}b", NULL, "/tmp/ab");
}
END_TEST

START_TEST(test_percent_escape)
{
   assert_expands_to("/tmp/100%%.%p", NULL, "/tmp/100%.1234");
   assert_expands_to("/tmp/%%p", NULL, "/tmp/%p");
   assert_expands_to("/tmp/%%q{HOME}", NULL, "/tmp/%q{HOME}");
}
END_TEST

START_TEST(test_unknown_sequence)
{
   assert_rejected("/tmp/out.%x", "'%x'");
   assert_rejected("/tmp/out.%P", "'%P'");
}
END_TEST

START_TEST(test_lone_percent_at_end)
{
   assert_rejected("/tmp/out.%", "'%'");
}
END_TEST

START_TEST(test_q_without_braces)
{
   assert_rejected("/tmp/%qHOME", "%q must be followed by {");
   assert_rejected("/tmp/%q", "%q must be followed by {");
}
END_TEST

START_TEST(test_unterminated_q)
{
   assert_rejected("/tmp/%q{HOME", "unterminated %q{");
   assert_rejected("/tmp/%q{", "unterminated %q{");
}
END_TEST

START_TEST(test_empty_variable_name)
{
   assert_rejected("/tmp/%q{}", "%q{}");
}
END_TEST

START_TEST(test_unset_variable)
{
   assert_rejected("/tmp/%q{HOME2}",
                   "%q{HOME2} names an unset environment variable");
}
END_TEST

START_TEST(test_no_getenv_means_unset)
{
   HChar err[256];
   HChar *result = pg_outname_expand("/tmp/%q{HOME}", 1, NULL, NULL, NULL,
                                     err, sizeof err);
   ck_assert_ptr_null(result);
   ck_assert_ptr_nonnull(strstr(err, "unset"));
}
END_TEST

START_TEST(test_empty_result)
{
   assert_rejected("", "empty");
   assert_rejected("%q{EMPTY}", "empty");
}
END_TEST

START_TEST(test_relative_made_absolute)
{
   assert_expands_to("pyprofgrind.out.%p", "/work/dir",
                     "/work/dir/pyprofgrind.out.1234");
   /* Exactly one '/' between base and name, however the base ends. */
   assert_expands_to("out", "/work/dir/", "/work/dir/out");
   assert_expands_to("out", "/work/dir//", "/work/dir/out");
   assert_expands_to("out", "/", "/out");
   assert_expands_to("sub/out", "/w", "/w/sub/out");
   /* Absolute names and a missing base stay as they are. */
   assert_expands_to("/abs/out", "/work/dir", "/abs/out");
   assert_expands_to("out.%p", NULL, "out.1234");
   assert_expands_to("out", "", "out");
   /* A variable that makes the name absolute is honoured. */
   assert_expands_to("%q{HOME}/out", "/work", "/home/alice/out");
}
END_TEST

START_TEST(test_large_pid)
{
   HChar err[64];
   HChar *result = pg_outname_expand("/p%p", 2147483647, NULL, NULL, NULL,
                                     err, sizeof err);
   ck_assert_str_eq(result, "/p2147483647");
   free(result);
}
END_TEST

START_TEST(test_short_error_buffer)
{
   HChar err[8];
   HChar *result = pg_outname_expand("/tmp/%q{HOME2}", 1, fake_getenv,
                                     (void *)fake_env, NULL, err, sizeof err);
   ck_assert_ptr_null(result);
   ck_assert_uint_eq(strlen(err), sizeof err - 1);
   /* No room for a reason at all is accepted too. */
   result = pg_outname_expand("/tmp/%x", 1, NULL, NULL, NULL, NULL, 0);
   ck_assert_ptr_null(result);
}
END_TEST

START_TEST(test_has_pid)
{
   ck_assert(pg_outname_has_pid("pyprofgrind.out.%p"));
   ck_assert(pg_outname_has_pid("%p"));
   ck_assert(pg_outname_has_pid("a%%%p"));
   ck_assert(!pg_outname_has_pid("pyprofgrind.out"));
   ck_assert(!pg_outname_has_pid("a%%p"));
   ck_assert(!pg_outname_has_pid("%q{p}"));
   ck_assert(!pg_outname_has_pid("trailing%"));
   ck_assert(!pg_outname_has_pid(""));
}
END_TEST

static Suite *outname_suite(void)
{
   Suite *s = suite_create("pg_outname");
   TCase *tc_expand = tcase_create("expansion");
   TCase *tc_errors = tcase_create("errors");
   TCase *tc_pid = tcase_create("has_pid");

   tcase_add_test(tc_expand, test_plain_name);
   tcase_add_test(tc_expand, test_pid);
   tcase_add_test(tc_expand, test_env_variable);
   tcase_add_test(tc_expand, test_percent_escape);
   tcase_add_test(tc_expand, test_relative_made_absolute);
   tcase_add_test(tc_expand, test_large_pid);
   suite_add_tcase(s, tc_expand);

   tcase_add_test(tc_errors, test_unknown_sequence);
   tcase_add_test(tc_errors, test_lone_percent_at_end);
   tcase_add_test(tc_errors, test_q_without_braces);
   tcase_add_test(tc_errors, test_unterminated_q);
   tcase_add_test(tc_errors, test_empty_variable_name);
   tcase_add_test(tc_errors, test_unset_variable);
   tcase_add_test(tc_errors, test_no_getenv_means_unset);
   tcase_add_test(tc_errors, test_empty_result);
   tcase_add_test(tc_errors, test_short_error_buffer);
   suite_add_tcase(s, tc_errors);

   tcase_add_test(tc_pid, test_has_pid);
   suite_add_tcase(s, tc_pid);

   return s;
}

int main(void)
{
   SRunner *sr = srunner_create(outname_suite());
   int n_failed;

   srunner_run_all(sr, CK_NORMAL);
   n_failed = srunner_ntests_failed(sr);
   srunner_free(sr);
   return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
