/* test_options.c: unit tests of pyprofgrind's option parsing and wildcard
 * matching (pg_options.c): defaults, every option with each accepted value,
 * the rejection of bad values with a message naming the option, options
 * that are not ours, --toggle-collect repetition and its limit.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_options.h"

/* The yes/no options and the field each one sets. */
typedef struct {
   const char *name;
   size_t      field_offset;
   Bool        default_value;
} YesNoOption;

#define FIELD(f) offsetof(PgOptions, f)

static const YesNoOption yes_no_options[] = {
   { "--dump-instr",       FIELD(dump_instr),       False },
   { "--instr-atstart",    FIELD(instr_atstart),    True },
   { "--collect-atstart",  FIELD(collect_atstart),  True },
   { "--separate-threads", FIELD(separate_threads), False },
   { "--skip-plt",         FIELD(skip_plt),         True },
   { "--compress-strings", FIELD(compress_names),   True },
   { "--compress-pos",     FIELD(compress_pos),     True },
   { "--folded-stacks",    FIELD(folded_stacks),    False },
};
#define N_YES_NO_OPTIONS (sizeof yes_no_options / sizeof yes_no_options[0])

static Bool *field_of(PgOptions *opts, const YesNoOption *option)
{
   return (Bool *)((char *)opts + option->field_offset);
}

/* Parses ARG into OPTS, expecting PG_OPT_OK. */
static void parse_ok(PgOptions *opts, const char *arg)
{
   HChar err[256];
   PgOptResult result = pg_options_parse(opts, arg, err, sizeof err);
   ck_assert_msg(result == PG_OPT_OK, "'%s' not accepted: %s", arg, err);
}

/* Parses ARG, expecting PG_OPT_BAD_VALUE and a one-line message naming
 * OPTION_NAME and containing NEEDLE. */
static void parse_bad(PgOptions *opts, const char *arg,
                      const char *option_name, const char *needle)
{
   HChar err[256];
   PgOptResult result;

   memset(err, 0, sizeof err);
   result = pg_options_parse(opts, arg, err, sizeof err);
   ck_assert_msg(result == PG_OPT_BAD_VALUE, "'%s' gave %d", arg, result);
   ck_assert_msg(strstr(err, option_name) != NULL,
                 "message for '%s' does not name %s: '%s'", arg,
                 option_name, err);
   ck_assert_msg(strstr(err, needle) != NULL,
                 "message for '%s' lacks '%s': '%s'", arg, needle, err);
   ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(test_defaults)
{
   PgOptions opts;
   size_t i;

   memset(&opts, 0xa5, sizeof opts);
   pg_options_set_defaults(&opts);
   ck_assert_str_eq(opts.out_file, "pyprofgrind.out.%p");
   for (i = 0; i < N_YES_NO_OPTIONS; i++) {
      ck_assert_msg(*field_of(&opts, &yes_no_options[i])
                    == yes_no_options[i].default_value,
                    "default of %s", yes_no_options[i].name);
   }
   ck_assert_uint_eq(opts.n_toggle_collect, 0);
}
END_TEST

START_TEST(test_yes_no_options)
{
   PgOptions opts;
   char arg[64];
   size_t i;

   pg_options_set_defaults(&opts);
   for (i = 0; i < N_YES_NO_OPTIONS; i++) {
      const YesNoOption *option = &yes_no_options[i];

      snprintf(arg, sizeof arg, "%s=yes", option->name);
      parse_ok(&opts, arg);
      ck_assert_msg(*field_of(&opts, option) == True, "%s", arg);

      snprintf(arg, sizeof arg, "%s=no", option->name);
      parse_ok(&opts, arg);
      ck_assert_msg(*field_of(&opts, option) == False, "%s", arg);
   }
}
END_TEST

START_TEST(test_yes_no_option_sets_only_its_field)
{
   PgOptions opts;
   PgOptions untouched;

   pg_options_set_defaults(&opts);
   pg_options_set_defaults(&untouched);
   parse_ok(&opts, "--dump-instr=yes");
   ck_assert(opts.dump_instr);
   opts.dump_instr = untouched.dump_instr;
   ck_assert_int_eq(memcmp(&opts, &untouched, sizeof opts), 0);
}
END_TEST

START_TEST(test_yes_no_bad_values)
{
   static const char *const bad_values[] = {
      "=maybe", "=", "=YES", "=No", "=1", "=true", "=yes ", ""
   };
   PgOptions opts;
   char arg[64];
   size_t i, j;

   pg_options_set_defaults(&opts);
   for (i = 0; i < N_YES_NO_OPTIONS; i++) {
      for (j = 0; j < sizeof bad_values / sizeof bad_values[0]; j++) {
         snprintf(arg, sizeof arg, "%s%s", yes_no_options[i].name,
                  bad_values[j]);
         parse_bad(&opts, arg, yes_no_options[i].name, "yes or no");
      }
   }
   /* Rejected values leave the defaults alone. */
   {
      PgOptions defaults;
      pg_options_set_defaults(&defaults);
      ck_assert_int_eq(memcmp(&opts, &defaults, sizeof opts), 0);
   }
}
END_TEST

START_TEST(test_bad_value_message_quotes_value)
{
   PgOptions opts;
   HChar err[256];

   pg_options_set_defaults(&opts);
   ck_assert_int_eq(pg_options_parse(&opts, "--skip-plt=maybe", err,
                                     sizeof err), PG_OPT_BAD_VALUE);
   ck_assert_str_eq(err,
                    "--skip-plt: invalid value 'maybe' (expected yes or no)");
}
END_TEST

START_TEST(test_out_file)
{
   PgOptions opts;
   const char *arg = "--pyprofgrind-out-file=/tmp/prof.%p";

   pg_options_set_defaults(&opts);
   parse_ok(&opts, arg);
   ck_assert_str_eq(opts.out_file, "/tmp/prof.%p");
   /* The value points into the argument, as the header promises. */
   ck_assert_ptr_eq(opts.out_file, arg + strlen("--pyprofgrind-out-file="));
   parse_ok(&opts, "--pyprofgrind-out-file=a=b");
   ck_assert_str_eq(opts.out_file, "a=b");
}
END_TEST

START_TEST(test_out_file_empty)
{
   PgOptions opts;

   pg_options_set_defaults(&opts);
   parse_bad(&opts, "--pyprofgrind-out-file=", "--pyprofgrind-out-file",
             "file name");
   parse_bad(&opts, "--pyprofgrind-out-file", "--pyprofgrind-out-file",
             "file name");
   ck_assert_str_eq(opts.out_file, "pyprofgrind.out.%p");
}
END_TEST

START_TEST(test_unknown_options)
{
   static const char *const not_ours[] = {
      "--callgrind-out-file=x", "--dump-instrs=yes", "--dump-inst=yes",
      "--dump-line=yes", "-v", "--toggle-collects=f", "dump-instr=yes",
      "--DUMP-INSTR=yes", ""
   };
   PgOptions opts;
   HChar err[256];
   size_t i;

   pg_options_set_defaults(&opts);
   for (i = 0; i < sizeof not_ours / sizeof not_ours[0]; i++) {
      ck_assert_msg(pg_options_parse(&opts, not_ours[i], err, sizeof err)
                    == PG_OPT_UNKNOWN, "'%s' taken for ours", not_ours[i]);
   }
}
END_TEST

START_TEST(test_toggle_collect_repeated)
{
   PgOptions opts;

   pg_options_set_defaults(&opts);
   parse_ok(&opts, "--toggle-collect=main");
   parse_ok(&opts, "--toggle-collect=py_*");
   parse_ok(&opts, "--toggle-collect=f?o");
   ck_assert_uint_eq(opts.n_toggle_collect, 3);
   ck_assert_str_eq(opts.toggle_collect[0], "main");
   ck_assert_str_eq(opts.toggle_collect[1], "py_*");
   ck_assert_str_eq(opts.toggle_collect[2], "f?o");
}
END_TEST

START_TEST(test_toggle_collect_overflow)
{
   PgOptions opts;
   HChar err[256];
   UInt i;

   pg_options_set_defaults(&opts);
   for (i = 0; i < PG_MAX_TOGGLE_PATTERNS; i++)
      parse_ok(&opts, "--toggle-collect=f*");
   ck_assert_uint_eq(opts.n_toggle_collect, PG_MAX_TOGGLE_PATTERNS);
   parse_bad(&opts, "--toggle-collect=g", "--toggle-collect", "at most 32");
   ck_assert_uint_eq(opts.n_toggle_collect, PG_MAX_TOGGLE_PATTERNS);
   ck_assert_int_eq(pg_options_parse(&opts, "--toggle-collect=h", err,
                                     sizeof err), PG_OPT_BAD_VALUE);
}
END_TEST

START_TEST(test_dispatch_handlers)
{
   PgOptions opts;
   UInt i;

   pg_options_set_defaults(&opts);
   ck_assert_uint_eq(opts.n_dispatch_handlers, 0);
   parse_ok(&opts, "--dispatch-handlers=_TAIL_CALL_*");
   parse_ok(&opts, "--dispatch-handlers=op_?");
   ck_assert_uint_eq(opts.n_dispatch_handlers, 2);
   ck_assert_str_eq(opts.dispatch_handlers[0], "_TAIL_CALL_*");
   ck_assert_str_eq(opts.dispatch_handlers[1], "op_?");
   /* Unlike --toggle-collect, it leaves collection on. */
   ck_assert(opts.collect_atstart);
   ck_assert_uint_eq(opts.n_toggle_collect, 0);
   parse_bad(&opts, "--dispatch-handlers=", "--dispatch-handlers", "empty");
   for (i = 2; i < PG_MAX_TOGGLE_PATTERNS; i++)
      parse_ok(&opts, "--dispatch-handlers=h*");
   parse_bad(&opts, "--dispatch-handlers=g", "--dispatch-handlers", "at most 32");
   ck_assert_uint_eq(opts.n_dispatch_handlers, PG_MAX_TOGGLE_PATTERNS);
}
END_TEST

START_TEST(test_toggle_collect_empty)
{
   PgOptions opts;

   pg_options_set_defaults(&opts);
   parse_bad(&opts, "--toggle-collect=", "--toggle-collect", "pattern");
   parse_bad(&opts, "--toggle-collect", "--toggle-collect", "pattern");
   ck_assert_uint_eq(opts.n_toggle_collect, 0);
}
END_TEST

START_TEST(test_glob_match)
{
   ck_assert(pg_options_glob_match("main", "main"));
   ck_assert(!pg_options_glob_match("main", "mai"));
   ck_assert(!pg_options_glob_match("main", "mainx"));
   ck_assert(pg_options_glob_match("*", ""));
   ck_assert(pg_options_glob_match("*", "anything"));
   ck_assert(pg_options_glob_match("", ""));
   ck_assert(!pg_options_glob_match("", "a"));
   ck_assert(pg_options_glob_match("py_*", "py_eval"));
   ck_assert(pg_options_glob_match("py_*", "py_"));
   ck_assert(!pg_options_glob_match("py_*", "p_eval"));
   ck_assert(pg_options_glob_match("*_eval", "py_eval"));
   ck_assert(!pg_options_glob_match("*_eval", "py_evalx"));
   ck_assert(pg_options_glob_match("*Eval*", "_PyEval_EvalFrameDefault"));
   ck_assert(pg_options_glob_match("a*b*c", "aXXbYYc"));
   ck_assert(pg_options_glob_match("a*b*c", "abbbc"));
   ck_assert(!pg_options_glob_match("a*b*c", "aXXbYY"));
   ck_assert(pg_options_glob_match("a*a*a", "aaa"));
   ck_assert(!pg_options_glob_match("a*a*a", "aa"));
   ck_assert(pg_options_glob_match("f?o", "foo"));
   ck_assert(pg_options_glob_match("f?o", "fxo"));
   ck_assert(!pg_options_glob_match("f?o", "fo"));
   ck_assert(!pg_options_glob_match("?", ""));
   ck_assert(pg_options_glob_match("?*", "x"));
   ck_assert(pg_options_glob_match("**x", "abx"));
   ck_assert(pg_options_glob_match("*?", "x"));
   ck_assert(!pg_options_glob_match("*?", ""));
   ck_assert(pg_options_glob_match("std::vector<*>::*", "std::vector<int>::push_back"));
   ck_assert(!pg_options_glob_match("Main", "main"));
}
END_TEST

START_TEST(test_folded_max_contexts)
{
   static const char *const bad[] = {
      "--folded-max-contexts", "--folded-max-contexts=", "--folded-max-contexts=0",
      "--folded-max-contexts=-1", "--folded-max-contexts=12x",
      "--folded-max-contexts=2000000001", "--folded-max-contexts=99999999999999999999999",
      "--folded-max-contexts= 5"
   };
   PgOptions opts;
   size_t i;

   pg_options_set_defaults(&opts);
   ck_assert_uint_eq(opts.folded_max_contexts, 1000000);
   parse_ok(&opts, "--folded-max-contexts=1");
   ck_assert_uint_eq(opts.folded_max_contexts, 1);
   parse_ok(&opts, "--folded-max-contexts=2000000000");
   ck_assert_uint_eq(opts.folded_max_contexts, 2000000000u);
   for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
      parse_bad(&opts, bad[i], "--folded-max-contexts", "a number from 1 to 2000000000");
   ck_assert_uint_eq(opts.folded_max_contexts, 2000000000u);
}
END_TEST

/* The options that take a word: each word sets its value, anything else
 * is refused with a message listing the words and changes nothing. */
START_TEST(test_python_word_options)
{
   static const char *const bad_calls[] = {
      "--python-calls", "--python-calls=", "--python-calls=Direct",
      "--python-calls=fold", "--python-calls=full ",
   };
   PgOptions opts, defaults;
   size_t i;

   pg_options_set_defaults(&opts);
   pg_options_set_defaults(&defaults);
   ck_assert(!opts.python_calls_full);
   ck_assert(!opts.python_view);
   ck_assert_uint_eq(opts.python_opcodes, 0);
   for (i = 0; i < sizeof bad_calls / sizeof bad_calls[0]; i++)
      parse_bad(&opts, bad_calls[i], "--python-calls", "direct or full");
   parse_bad(&opts, "--python-view=c", "--python-view", "mixed or python");
   parse_bad(&opts, "--python-opcodes=all", "--python-opcodes", "no, yes or base");
   parse_bad(&opts, "--inclusive=all", "--inclusive", "outermost or every");
   parse_bad(&opts, "--inclusive", "--inclusive", "outermost or every");
   ck_assert_int_eq(memcmp(&opts, &defaults, sizeof opts), 0);

   parse_ok(&opts, "--python-calls=full");
   ck_assert(opts.python_calls_full);
   parse_ok(&opts, "--python-calls=direct");
   ck_assert(!opts.python_calls_full);
   parse_ok(&opts, "--python-view=python");
   ck_assert(opts.python_view);
   parse_ok(&opts, "--python-opcodes=base");
   ck_assert_uint_eq(opts.python_opcodes, 2);
   ck_assert(!opts.inclusive_every);
   parse_ok(&opts, "--inclusive=every");
   ck_assert(opts.inclusive_every);
   parse_ok(&opts, "--inclusive=outermost");
   ck_assert(!opts.inclusive_every);
}
END_TEST

START_TEST(test_usage_text)
{
   static const char *const mentioned[] = {
      "--pyprofgrind-out-file=", "[pyprofgrind.out.%p]",
      "--dump-instr=no|yes", "--instr-atstart=no|yes",
      "--collect-atstart=no|yes", "--separate-threads=no|yes",
      "--skip-plt=no|yes", "--compress-strings=no|yes",
      "--compress-pos=no|yes", "--toggle-collect=<pattern>",
      "--folded-stacks=no|yes", "--folded-max-contexts=<n>",
      "--python-view=mixed|python", "--python-calls=direct|full",
      "--python-opcodes=no|yes|base", "--inclusive=outermost|every"
   };
   size_t i;
   size_t len = strlen(pg_options_usage);

   for (i = 0; i < sizeof mentioned / sizeof mentioned[0]; i++) {
      ck_assert_msg(strstr(pg_options_usage, mentioned[i]) != NULL,
                    "usage lacks '%s'", mentioned[i]);
   }
   ck_assert_uint_gt(len, 0);
   ck_assert_int_eq(pg_options_usage[len - 1], '\n');
}
END_TEST

static Suite *options_suite(void)
{
   Suite *s = suite_create("pg_options");
   TCase *tc_parse = tcase_create("parse");
   TCase *tc_glob = tcase_create("glob");

   tcase_add_test(tc_parse, test_defaults);
   tcase_add_test(tc_parse, test_yes_no_options);
   tcase_add_test(tc_parse, test_yes_no_option_sets_only_its_field);
   tcase_add_test(tc_parse, test_yes_no_bad_values);
   tcase_add_test(tc_parse, test_bad_value_message_quotes_value);
   tcase_add_test(tc_parse, test_out_file);
   tcase_add_test(tc_parse, test_out_file_empty);
   tcase_add_test(tc_parse, test_unknown_options);
   tcase_add_test(tc_parse, test_toggle_collect_repeated);
   tcase_add_test(tc_parse, test_toggle_collect_overflow);
   tcase_add_test(tc_parse, test_toggle_collect_empty);
   tcase_add_test(tc_parse, test_dispatch_handlers);
   tcase_add_test(tc_parse, test_folded_max_contexts);
   tcase_add_test(tc_parse, test_python_word_options);
   tcase_add_test(tc_parse, test_usage_text);
   suite_add_tcase(s, tc_parse);

   tcase_add_test(tc_glob, test_glob_match);
   suite_add_tcase(s, tc_glob);

   return s;
}

int main(void)
{
   SRunner *sr = srunner_create(options_suite());
   int n_failed;

   srunner_run_all(sr, CK_NORMAL);
   n_failed = srunner_ntests_failed(sr);
   srunner_free(sr);
   return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
