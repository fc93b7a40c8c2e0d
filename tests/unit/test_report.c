/* test_report.c: unit tests of pyprofgrind-report's modules: the
 * callgrind-format parser (report/cgparse.c: name compression and its
 * shared id spaces, relative positions, calls lines, totals, and errors
 * naming the offending line, pyprofgrind's opcode family lines), the
 * opcode families and their folding (report/opfold.c: from family lines
 * and from the inspector's layout text, the rule for instrumented forms)
 * and the matcher (report/match.c: node kinds, object and path
 * normalisation, root detection, inclusive costs, diff matching and
 * sorting).  Profiles are written inline, so each test shows the exact
 * text it reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "cgparse.h"
#include "match.h"
#include "opfold.h"

/*------------------------------------------------------------*/
/*--- Helpers                                              ---*/
/*------------------------------------------------------------*/

static CgProfile *parse_ok(const char *text)
{
   CgError err;
   CgProfile *profile = cgparse_text("test.out", text, strlen(text), &err);

   if (profile == NULL) {
      char message[2048];
      cgparse_error_format(&err, message, sizeof message);
      ck_abort_msg("unexpected parse error: %s", message);
   }
   return profile;
}

/* Parses TEXT, which must fail at LINE with a message containing NEEDLE. */
static void expect_error(const char *text, unsigned long long line,
                         const char *needle)
{
   CgError err;
   CgProfile *profile = cgparse_text("bad.out", text, strlen(text), &err);

   ck_assert_msg(profile == NULL, "parsed a bad profile: %s", text);
   ck_assert_msg(err.line == line, "error at line %llu, expected %llu: %s",
                 err.line, line, err.message);
   ck_assert_msg(strstr(err.message, needle) != NULL,
                 "message '%s' lacks '%s'", err.message, needle);
   ck_assert_str_eq(err.path, "bad.out");
}

static int find_function(const CgProfile *p, const char *object,
                         const char *file, const char *name)
{
   size_t i;

   for (i = 0; i < p->n_functions; i++) {
      const CgFunction *f = &p->functions[i];
      if (strcmp(cgparse_str(p, f->object), object) == 0
          && strcmp(cgparse_str(p, f->file), file) == 0
          && strcmp(cgparse_str(p, f->name), name) == 0)
         return (int)i;
   }
   return -1;
}

static cg_cost line_cost(const CgProfile *p, int function, const char *file,
                         unsigned long long line)
{
   size_t i;
   cg_cost sum = 0;

   for (i = 0; i < p->n_lines; i++) {
      const CgLineCost *l = &p->lines[i];
      if ((int)l->function == function && l->line == line
          && strcmp(cgparse_str(p, l->file), file) == 0)
         sum += l->self_ir;
   }
   return sum;
}

static const CgArc *find_arc(const CgProfile *p, int caller, int callee,
                             unsigned long long site_line)
{
   size_t i;

   for (i = 0; i < p->n_arcs; i++) {
      const CgArc *a = &p->arcs[i];
      if ((int)a->caller == caller && (int)a->callee == callee
          && a->site_line == site_line)
         return a;
   }
   return NULL;
}

static const ReportItem *find_item(const ProfileSummary *s, ItemListKind list,
                                   const char *key)
{
   size_t i;

   for (i = 0; i < s->lists[list].n; i++) {
      if (strcmp(s->lists[list].items[i].key, key) == 0)
         return &s->lists[list].items[i];
   }
   return NULL;
}

/*------------------------------------------------------------*/
/*--- Parser                                               ---*/
/*------------------------------------------------------------*/

/* Name compression with ids shared between ob/cob, fl/fi/fe/cfi and
 * fn/cfn; calls lines; "*" and relative positions; a call's cost line
 * moving the reference point but its target not. */
static const char *const compressed_profile =
   "# callgrind format\n"
   "version: 1\n"
   "creator: test\n"
   "cmd: ./prog arg\n"
   "positions: line\n"
   "events: Ir\n"
   "summary: 66\n"
   "\n"
   "ob=(1) /lib/libx.so.1\n"
   "fl=(1) a.c\n"
   "fn=(1) main\n"
   "10 5\n"
   "+2 3\n"
   "cob=(2) /lib/liby.so.2\n"
   "cfi=(2) b.c\n"
   "cfn=(2) helper\n"
   "calls=2 +8\n"
   "* 100\n"
   "cob=(2)\n"
   "cfi=(2)\n"
   "cfn=(2)\n"
   "calls=1 20\n"
   "15 40\n"
   "+1 1\n"
   "\n"
   "ob=(2)\n"
   "fl=(2)\n"
   "fn=(2)\n"
   "20 50\n"
   "cob=(1)\n"
   "cfi=(1)\n"
   "cfn=(1)\n"
   "calls=1 10\n"
   "20 7\n"
   "\n"
   "ob=(1)\n"
   "fl=(1)\n"
   "fn=(3) other\n"
   "5 1\n"
   "fi=(3) inc.h\n"
   "7 2\n"
   "jump=1 9\n"
   "7\n"
   "jcnd=1/2 +1\n"
   "*\n"
   "fe=(1)\n"
   "8 4\n"
   "\n"
   "totals: 66\n";

START_TEST(test_parse_compressed_names)
{
   CgProfile *p = parse_ok(compressed_profile);
   int main_fn = find_function(p, "/lib/libx.so.1", "a.c", "main");
   int helper = find_function(p, "/lib/liby.so.2", "b.c", "helper");
   int other = find_function(p, "/lib/libx.so.1", "a.c", "other");

   ck_assert_uint_eq(p->n_functions, 3);
   ck_assert_int_ge(main_fn, 0);
   ck_assert_int_ge(helper, 0);
   ck_assert_int_ge(other, 0);
   ck_assert_uint_eq(p->functions[main_fn].self_ir, 9);
   ck_assert_uint_eq(p->functions[helper].self_ir, 50);
   ck_assert_uint_eq(p->functions[other].self_ir, 7);
   ck_assert_str_eq(cgparse_str(p, p->command), "./prog arg");
   ck_assert_int_eq(p->has_totals, 1);
   ck_assert_uint_eq(p->total_ir, 66);
   ck_assert_uint_eq(p->self_ir_sum, 66);
   cgparse_profile_free(p);
}
END_TEST

START_TEST(test_parse_relative_positions_and_calls)
{
   CgProfile *p = parse_ok(compressed_profile);
   int main_fn = find_function(p, "/lib/libx.so.1", "a.c", "main");
   int helper = find_function(p, "/lib/liby.so.2", "b.c", "helper");
   int other = find_function(p, "/lib/libx.so.1", "a.c", "other");
   const CgArc *arc;

   ck_assert_uint_eq(line_cost(p, main_fn, "a.c", 10), 5);
   ck_assert_uint_eq(line_cost(p, main_fn, "a.c", 12), 3);
   /* "+1" after the call cost line at 15 is 16, not 13. */
   ck_assert_uint_eq(line_cost(p, main_fn, "a.c", 16), 1);
   ck_assert_uint_eq(line_cost(p, main_fn, "a.c", 13), 0);

   /* "calls=2 +8" targets 20 but "*" after it is still line 12. */
   arc = find_arc(p, main_fn, helper, 12);
   ck_assert_ptr_nonnull(arc);
   ck_assert_uint_eq(arc->calls, 2);
   ck_assert_uint_eq(arc->inclusive_ir, 100);
   arc = find_arc(p, main_fn, helper, 15);
   ck_assert_ptr_nonnull(arc);
   ck_assert_uint_eq(arc->calls, 1);
   ck_assert_uint_eq(arc->inclusive_ir, 40);
   arc = find_arc(p, helper, main_fn, 20);
   ck_assert_ptr_nonnull(arc);
   ck_assert_uint_eq(arc->inclusive_ir, 7);
   ck_assert_str_eq(cgparse_str(p, arc->site_file), "b.c");
   ck_assert_uint_eq(p->n_arcs, 3);

   /* fi=/fe= change the line's file, not the function. */
   ck_assert_uint_eq(line_cost(p, other, "a.c", 5), 1);
   ck_assert_uint_eq(line_cost(p, other, "inc.h", 7), 2);
   ck_assert_uint_eq(line_cost(p, other, "a.c", 8), 4);
   cgparse_profile_free(p);
}
END_TEST

START_TEST(test_parse_instr_line_positions_and_ir_column)
{
   static const char text[] =
      "positions: instr line\n"
      "events: Dr Ir\n"
      "fl=x.c\n"
      "fn=f\n"
      "0x1000 3 10 2\n"
      "+4 +1 5 6\n"
      "* * 1\n"
      "-2 -1 0 7\n"
      "cfn=g\n"
      "calls=1 0x2000 1\n"
      "+2 +2 0 100\n"
      "* * 0 1\n";
   CgProfile *p = parse_ok(text);
   int f = find_function(p, "???", "x.c", "f");
   int g = find_function(p, "???", "x.c", "g");
   const CgArc *arc;

   ck_assert_int_ge(f, 0);
   ck_assert_int_ge(g, 0);
   ck_assert_uint_eq(p->functions[f].self_ir, 16);
   ck_assert_uint_eq(line_cost(p, f, "x.c", 3), 9);
   ck_assert_uint_eq(line_cost(p, f, "x.c", 4), 6);
   ck_assert_uint_eq(line_cost(p, f, "x.c", 5), 1);
   arc = find_arc(p, f, g, 5);
   ck_assert_ptr_nonnull(arc);
   ck_assert_uint_eq(arc->inclusive_ir, 100);
   /* No totals: or summary: the total is the sum of self costs. */
   ck_assert_int_eq(p->has_totals, 0);
   ck_assert_uint_eq(p->total_ir, 16);
   cgparse_profile_free(p);
}
END_TEST

START_TEST(test_parse_folds_contexts_and_odd_names)
{
   static const char text[] =
      "events: Ir\n"
      "fl=(1) r.c\n"
      "fn=(1) fib\n"
      "1 10\n"
      "cfn=(2) fib'2\n"
      "calls=3 1\n"
      "2 30\n"
      "fn=(2)\n"
      "1 30\n"
      "fn=(3) f'caller'caller2\n"
      "1 1\n"
      "fn=(below main)\n"
      "1 1\n"
      "fn=(4)(anonymous namespace)::g\n"
      "1 1\n"
      "fn=(anonymous namespace)::h\n"
      "1 1\n";
   CgProfile *p = parse_ok(text);
   int fib = find_function(p, "???", "r.c", "fib");
   const CgArc *arc;

   ck_assert_int_ge(fib, 0);
   ck_assert_uint_eq(p->functions[fib].self_ir, 40);
   arc = find_arc(p, fib, fib, 2);
   ck_assert_ptr_nonnull(arc);
   ck_assert_uint_eq(arc->calls, 3);
   ck_assert_int_ge(find_function(p, "???", "r.c", "f"), 0);
   ck_assert_int_ge(find_function(p, "???", "r.c", "(below main)"), 0);
   ck_assert_int_ge(find_function(p, "???", "r.c",
                                  "(anonymous namespace)::g"), 0);
   ck_assert_int_ge(find_function(p, "???", "r.c",
                                  "(anonymous namespace)::h"), 0);
   ck_assert_uint_eq(cgparse_fold_context_length("fib'2", 5), 3);
   ck_assert_uint_eq(cgparse_fold_context_length("plain", 5), 5);
   cgparse_profile_free(p);
}
END_TEST

START_TEST(test_parse_totals_and_summary)
{
   CgProfile *p;

   /* Parts add up. */
   p = parse_ok("events: Ir\nfn=a\n1 5\ntotals: 5\npart: 2\nfn=a\n1 7\n"
                "totals: 7\n");
   ck_assert_uint_eq(p->total_ir, 12);
   cgparse_profile_free(p);
   /* summary: without totals: when the self costs add up to it. */
   p = parse_ok("events: Ir\nsummary: 12\nfn=a\n1 5\nfn=b\n2 7\n");
   ck_assert_uint_eq(p->total_ir, 12);
   ck_assert_uint_eq(p->self_ir_sum, 12);
   cgparse_profile_free(p);
   /* CRLF line ends and blank/comment lines. */
   p = parse_ok("# callgrind format\r\nevents: Ir\r\n\r\n# note\r\nfn=a\r\n"
                "1 5\r\ntotals: 5\r\n");
   ck_assert_uint_eq(p->total_ir, 5);
   cgparse_profile_free(p);
}
END_TEST

START_TEST(test_parse_errors_name_the_line)
{
   /* A summary the self costs fall short of, and no totals: a profile
    * cut short (a run killed while writing, a copy cut off). */
   expect_error("events: Ir\nsummary: 100\nfn=a\n1 5\n", 4,
                "the profile is cut short: it ends without its 'totals:' line");
   expect_error("events: Ir\nfn=a\ncfn=b\ncalls=1 1\nfn=c\n", 5,
                "'calls=' line 4 is not followed by its cost line");
   expect_error("events: Ir\nfn=a\ncfn=b\ncalls=1 1\n", 4,
                "not followed by its cost line (end of file)");
   expect_error("events: Ir\nfn=a\ncfn=b\ncalls=1 1\n# comment\n1 5\n", 5,
                "not followed by its cost line");
   expect_error("events: Ir\nfn=(3)\n", 2,
                "function id (3) is used before it is defined");
   expect_error("events: Ir\nfl=(1) a.c\nfn=f\ncfi=(2)\n", 4,
                "file id (2) is used before it is defined");
   expect_error("events: Ir\nfn=(1) a\nfn=(1) b\n", 3, "redefined");
   expect_error("events: Ir\nfoo: bar\n", 2, "unknown header line 'foo:'");
   expect_error("events: Ir\nxy=1\n", 2, "unknown position specification");
   expect_error("events: Ir\nfn=a\n1 1\n-5 1\n", 4, "goes below 0");
   expect_error("events: Ir\nfn=a\n1 x\n", 3, "bad cost 'x'");
   expect_error("events: Ir\nfn=a\n1 2 3\n", 3, "more than 1 position(s)");
   expect_error("fn=a\n1 2\n", 2, "before the 'events:' line");
   expect_error("events: Ir\n1 2\n", 2, "before any 'fn=' line");
   expect_error("fn=a\n", 1, "without an 'events:' line");
   expect_error("", 1, "empty file");
   expect_error("events: Ir\nfn=a\ncalls=1 1\n1 1\n", 3,
                "without a 'cfn=' line");
   expect_error("events: Ir\nfn=a\ncfn=b\ncalls=1\n", 4,
                "needs 1 position field(s)");
   expect_error("events: Dr Dw\n", 1, "no 'Ir' event");
   expect_error("events: Ir\nfn=a\n1 5\ntotals: 6\n", 4,
                "add up to 5");
   expect_error("events: Ir\nfn=a\n1 5\ntotals: 5\n2 1\n", 5,
                "after the last 'totals:'");
   expect_error("events: Ir\nhello world\n", 2,
                "not a callgrind-format line");
   expect_error("events: Ir\nfn=a\n1 99999999999999999999999\n", 3,
                "bad cost");
   expect_error("positions: line instr\n", 1, "bad 'positions:'");
   expect_error("events: Ir\nfn=a\njump=1 2\nfn=b\n", 4,
                "not followed by its source position line");
   expect_error("events: Ir\nfn=a\njcnd=1 2\n1\n", 3, "bad counts");
   expect_error("events: Ir\nevents: Ir Dr\n", 2, "'events:' changes");
   /* Sums past 64 bits would wrap (tests/fuzz/fuzz_cgparse found a
    * profile whose wrapped self costs matched its functions' no more). */
   expect_error("events: Ir\nfn=a\n1 18446744073709551615\n2 1\n", 4,
                "self costs add up to more than 2^64 - 1 (event 1)");
   expect_error("events: Ir\nfn=a\n1 18446744073709551615\n"
                "totals: 18446744073709551615\n2 1\ntotals: 1\n", 5,
                "self costs add up to more than 2^64 - 1 (Ir, over all parts)");
   expect_error("events: Ir Dr\nfn=a\n1 0 18446744073709551615\n2 0 1\n", 4,
                "self costs add up to more than 2^64 - 1 (event 2)");
   expect_error("events: Ir\nsummary: 18446744073709551615\nsummary: 1\n", 3,
                "'summary:' lines add up to more than 2^64 - 1");
   expect_error("events: Ir\nfn=a\ncfn=b\ncalls=1 1\n1 18446744073709551615\n"
                "cfn=b\ncalls=1 1\n1 1\n", 8,
                "the calls from this call site add up to more than 2^64 - 1");
   expect_error("events: Ir\nfn=a\ncfn=b\ncalls=18446744073709551615 1\n1 1\n"
                "cfn=b\ncalls=1 1\n1 1\n", 8,
                "the calls from this call site add up");
   {
      static const char with_nul[] = "events: Ir\nfn=a\0b\n";
      CgError err;
      CgProfile *p = cgparse_text("bad.out", with_nul, sizeof with_nul - 1,
                                   &err);
      ck_assert_ptr_null(p);
      ck_assert_uint_eq(err.line, 2);
      ck_assert_ptr_nonnull(strstr(err.message, "NUL byte"));
   }
}
END_TEST

START_TEST(test_error_format)
{
   CgError err;
   char text[2048];

   ck_assert_ptr_null(cgparse_text("x/p.out", "events: Ir\nfn=(9)\n", 18,
                                    &err));
   cgparse_error_format(&err, text, sizeof text);
   ck_assert_str_eq(text, "x/p.out:2: function id (9) is used before it is "
                    "defined");
   ck_assert_ptr_null(cgparse_file("/nonexistent/p.out", &err));
   cgparse_error_format(&err, text, sizeof text);
   ck_assert_str_eq(text, "/nonexistent/p.out: cannot open: No such file or "
                    "directory");
}
END_TEST

/* Every prefix of a valid profile either parses or fails with a line
 * number inside the text: truncation never crashes or reads past it. */
START_TEST(test_parse_truncated_prefixes)
{
   size_t len = strlen(compressed_profile), cut;

   for (cut = 0; cut <= len; cut++) {
      CgError err;
      char *copy = malloc(cut + 1);
      CgProfile *p;

      memcpy(copy, compressed_profile, cut);
      copy[cut] = '\0';
      p = cgparse_text("cut.out", copy, cut, &err);
      if (p == NULL)
         ck_assert_uint_ge(err.line, 1);
      cgparse_profile_free(p);
      free(copy);
   }
}
END_TEST

/*------------------------------------------------------------*/
/*--- Opcode families and folding                          ---*/
/*------------------------------------------------------------*/

static void expect_family(const OpcodeFamilies *families, const char *object,
                          const char *name, const char *family)
{
   size_t len;
   const char *start = opfold_family(families, object, name, &len);
   ck_assert_msg(len == strlen(family) && strncmp(start, family, len) == 0,
                 "%s %s folds to '%.*s', expected '%s'", object, name,
                 (int)len, start, family);
}

/* Family lines as pyprofgrind writes them (before "events:"), plus one
 * further down with leading blanks: comments may stand anywhere.  Other
 * comments, also ones that start alike, stay comments. */
static const char *const family_profile =
   "# callgrind format\n"
   "version: 1\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] LOAD_ATTR LOAD_ATTR\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] LOAD_ATTR_SLOT LOAD_ATTR\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] CALL CALL\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] CALL_PY_EXACT_ARGS CALL\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] RETURN_VALUE RETURN_VALUE\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] INSTRUMENTED_CALL INSTRUMENTED_CALL\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] INSTRUMENTED_LINE INSTRUMENTED_LINE\n"
   "#pyprofgrind opcode-family [Python 3.12 opcodes] NOP LOAD_ATTR\n"
   "# pyprofgrind opcode-family-notes: not a family line\n"
   "# pyprofgrind opcode-families [x] a b c d\n"
   "# pyprofgrind opcode-family [Python 3.12 opcodes] LOAD_ATTR_SLOT LOAD_ATTR\n"
   "events: Ir\n"
   "fn=main\n"
   "  # pyprofgrind opcode-family [Python 3.11 opcodes] LOAD_FAST__LOAD_FAST\tLOAD_FAST\n"
   "1 1\n";

START_TEST(test_parse_opcode_family_lines)
{
   CgProfile *p = parse_ok(family_profile);
   const OpcodeFamilies *f = p->opcode_families;
   const char *const py312 = "[Python 3.12 opcodes]";

   ck_assert(opfold_knows_object(f, py312));
   ck_assert(opfold_knows_object(f, "[Python 3.11 opcodes]"));
   ck_assert(!opfold_knows_object(f, "[Python 3.13 opcodes]"));
   ck_assert(!opfold_knows_object(f, "[x]"));
   expect_family(f, py312, "LOAD_ATTR_SLOT", "LOAD_ATTR");
   expect_family(f, py312, "CALL_PY_EXACT_ARGS", "CALL");
   expect_family(f, py312, "LOAD_ATTR", "LOAD_ATTR");
   expect_family(f, "[Python 3.11 opcodes]", "LOAD_FAST__LOAD_FAST",
                 "LOAD_FAST");
   /* Each interpreter by its own lines only. */
   expect_family(f, "[Python 3.11 opcodes]", "LOAD_ATTR_SLOT",
                 "LOAD_ATTR_SLOT");
   expect_family(f, "[Python 3.13 opcodes]", "LOAD_ATTR_SLOT",
                 "LOAD_ATTR_SLOT");
   /* Instrumented forms fold into what they instrument, when that is an
    * instruction of the same interpreter; the lines say which are. */
   expect_family(f, py312, "INSTRUMENTED_CALL", "CALL");
   expect_family(f, py312, "INSTRUMENTED_RETURN_VALUE", "RETURN_VALUE");
   expect_family(f, py312, "INSTRUMENTED_LINE", "INSTRUMENTED_LINE");
   expect_family(f, py312, "INSTRUMENTED_NOP", "INSTRUMENTED_NOP");
   expect_family(f, "[Python 3.11 opcodes]", "INSTRUMENTED_CALL",
                 "INSTRUMENTED_CALL");
   /* Not a family line ("#pyprofgrind" without the blank). */
   expect_family(f, py312, "NOP", "NOP");
   expect_family(f, py312, "NOT_AN_OPCODE", "NOT_AN_OPCODE");
   ck_assert_uint_eq(p->total_ir, 1);
   cgparse_profile_free(p);

   /* A profile without family lines knows no interpreter's. */
   p = parse_ok("events: Ir\nfn=a\n1 1\n");
   ck_assert(!opfold_knows_object(p->opcode_families, py312));
   expect_family(p->opcode_families, py312, "LOAD_ATTR_SLOT",
                 "LOAD_ATTR_SLOT");
   cgparse_profile_free(p);
}
END_TEST

START_TEST(test_parse_opcode_family_errors)
{
   expect_error("events: Ir\n# pyprofgrind opcode-family\n", 2,
                "malformed opcode family line: no bracketed object name");
   expect_error("events: Ir\n# pyprofgrind opcode-family LOAD_ATTR_SLOT "
                "LOAD_ATTR\n", 2, "no bracketed object name");
   expect_error("# callgrind format\n"
                "# pyprofgrind opcode-family [Python 3.12 opcodes "
                "LOAD_ATTR_SLOT LOAD_ATTR\nevents: Ir\n", 2,
                "no bracketed object name");
   expect_error("events: Ir\n# pyprofgrind opcode-family [Python 3.12 "
                "opcodes] LOAD_ATTR_SLOT\n", 2,
                "1 word(s) after the object name, not 2");
   expect_error("events: Ir\n# pyprofgrind opcode-family [Python 3.12 "
                "opcodes] A B C\n", 2, "3 word(s) after the object name");
   expect_error("events: Ir\n# pyprofgrind opcode-family [Python 3.12 "
                "opcodes]A B\n", 2, "no blank after the object name");
   expect_error("events: Ir\n"
                "# pyprofgrind opcode-family [Python 3.12 opcodes] A B\n"
                "# pyprofgrind opcode-family [Python 3.12 opcodes] A C\n", 3,
                "opcode family of A under [Python 3.12 opcodes] given again "
                "as C (it was B)");
   {
      /* The message names the file and the line, as every parse error. */
      static const char text[] =
         "# callgrind format\n"
         "events: Ir\n"
         "# pyprofgrind opcode-family [Python 3.13 opcodes] TO_BOOL_INT\n";
      CgError err;
      char message[2048];

      ck_assert_ptr_null(cgparse_text("old/p.out", text, sizeof text - 1,
                                       &err));
      cgparse_error_format(&err, message, sizeof message);
      ck_assert_str_eq(message, "old/p.out:3: malformed opcode family line: "
                       "1 word(s) after the object name, not 2 (expected "
                       "'# pyprofgrind opcode-family [OBJECT] INSTRUCTION "
                       "FAMILY')");
   }
}
END_TEST

/* What `pyprofgrind-inspect --layout` prints, cut down: opcode lines
 * name the instructions, opcode_base lines (in any order, before or after
 * the opcode lines) the specialised ones' families. */
static const char *const layout_3_12 =
   "# pyprofgrind layout\n"
   "format 3\n"
   "version_hex 0x030c01f0\n"
   "source dwarf\n"
   "label TARGET_LOAD_ATTR 0x1000\n"
   "opcode_base LOAD_ATTR_SLOT LOAD_ATTR\n"
   "opcode 106 LOAD_ATTR\n"
   "opcode 171 CALL\n"
   "opcode 237 INSTRUMENTED_CALL\n"
   "opcode 210 LOAD_ATTR_SLOT\n"
   "opcode 61 CALL_PY_EXACT_ARGS\n"
   "opcode_base CALL_PY_EXACT_ARGS CALL\n";

static int add_layout(OpcodeFamilies *families, const char *text,
                      char *object, char *why)
{
   return opfold_add_layout(families, text, strlen(text), object, 64, why,
                            256);
}

START_TEST(test_families_from_layout)
{
   OpcodeFamilies *f = opfold_new();
   char object[64], why[256];
   const char *const py312 = "[Python 3.12 opcodes]";
   const char *previous = NULL;

   ck_assert_int_eq(add_layout(f, layout_3_12, object, why), 1);
   ck_assert_str_eq(object, py312);
   expect_family(f, py312, "LOAD_ATTR_SLOT", "LOAD_ATTR");
   expect_family(f, py312, "CALL_PY_EXACT_ARGS", "CALL");
   expect_family(f, py312, "LOAD_ATTR", "LOAD_ATTR");
   expect_family(f, py312, "INSTRUMENTED_CALL", "CALL");
   expect_family(f, py312, "INSTRUMENTED_LINE", "INSTRUMENTED_LINE");

   /* Families an object already has are kept: the layout adds nothing. */
   opfold_free(f);
   f = opfold_new();
   ck_assert(opfold_add(f, py312, "LOAD_ATTR_SLOT", "LOAD_ATTR_SLOT", NULL));
   ck_assert(!opfold_add(f, py312, "LOAD_ATTR_SLOT", "LOAD_ATTR", &previous));
   ck_assert_str_eq(previous, "LOAD_ATTR_SLOT");
   ck_assert_int_eq(add_layout(f, layout_3_12, object, why), 1);
   expect_family(f, py312, "LOAD_ATTR_SLOT", "LOAD_ATTR_SLOT");
   expect_family(f, py312, "CALL_PY_EXACT_ARGS", "CALL_PY_EXACT_ARGS");

   /* No families (3.10, or a _PyOpcode_Deopt the inspector could not
    * read), no version, or a bad line: nothing is recorded. */
   opfold_free(f);
   f = opfold_new();
   ck_assert_int_eq(add_layout(f, "version_hex 0x030a0df0\n"
                               "opcode 106 LOAD_ATTR\n", object, why), 0);
   ck_assert_str_eq(object, "[Python 3.10 opcodes]");
   ck_assert_ptr_nonnull(strstr(why, "no opcode families"));
   ck_assert(!opfold_knows_object(f, "[Python 3.10 opcodes]"));
   ck_assert_int_eq(add_layout(f, "opcode_base A B\n", object, why), 0);
   ck_assert_ptr_nonnull(strstr(why, "no version_hex"));
   {
      static const char bad[] =
         "version_hex 0x030c01f0\n"
         "opcode 1 A\n"
         "opcode_base A_X A\n"
         "opcode_base A_X B\n";
      ck_assert_int_eq(add_layout(f, bad, object, why), 0);
      ck_assert_ptr_nonnull(strstr(why, "opcode_base A_X twice"));
      ck_assert(!opfold_knows_object(f, py312));
   }
   ck_assert_int_eq(add_layout(f, "version_hex 0x030c01f0\n"
                               "opcode_base A\n", object, why), 0);
   ck_assert_ptr_nonnull(strstr(why, "malformed"));
   ck_assert(!opfold_knows_object(f, py312));
   opfold_free(f);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Matcher: names and roots                             ---*/
/*------------------------------------------------------------*/

START_TEST(test_node_kinds_and_versions)
{
   unsigned major = 0, minor = 0;

   ck_assert_int_eq(match_node_kind_of_object("[Python 3.11]"), NODE_PYTHON);
   ck_assert_int_eq(match_node_kind_of_object("[Python 3.11 opcodes]"),
                    NODE_OPCODE);
   ck_assert_int_eq(match_node_kind_of_object("/usr/lib/libc.so.6"), NODE_C);
   ck_assert_int_eq(match_node_kind_of_object("???"), NODE_C);
   ck_assert_int_eq(match_python_version_of_object("[Python 3.12 opcodes]", &major,
                                             &minor), 1);
   ck_assert_uint_eq(major, 3);
   ck_assert_uint_eq(minor, 12);
   ck_assert_int_eq(match_python_version_of_object("[Python 2.7]", &major, &minor),
                    1);
   ck_assert_uint_eq(minor, 7);
   ck_assert_int_eq(match_python_version_of_object("[Python]", &major, &minor), 0);
   ck_assert_int_eq(match_python_version_of_object("libpython3.11.so", &major,
                                             &minor), 0);
}
END_TEST

static void expect_normalised(const char *object, const char *expected)
{
   char *got = match_normalise_object_name(object);
   ck_assert_msg(strcmp(got, expected) == 0, "%s -> %s, expected %s", object,
                 got, expected);
   free(got);
}

START_TEST(test_object_names)
{
   expect_normalised("/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0",
                     "libpython");
   expect_normalised("/x/lib/libpython3.13t.so.1.0", "libpython");
   expect_normalised("/usr/lib/x86_64-linux-gnu/libc.so.6", "libc");
   expect_normalised("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                     "ld-linux-x86-64");
   expect_normalised("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "libz");
   expect_normalised("/usr/lib/x86_64-linux-gnu/libbz2.so.1.0.4", "libbz2");
   expect_normalised("/usr/lib/libstdc++.so.6.0.30", "libstdc++");
   expect_normalised("/p/lib-dynload/zlib.cpython-311-x86_64-linux-gnu.so",
                     "zlib");
   expect_normalised("/p/bin/python3.12", "python");
   expect_normalised("/usr/bin/python3", "python");
   expect_normalised("/opt/lib/libfoo-1.2.so", "libfoo");
   expect_normalised("/opt/bin/prog", "prog");
   expect_normalised("???", "???");
   expect_normalised("/usr/libexec/valgrind/vgpreload_core-amd64-linux.so",
                     "vgpreload_core-amd64-linux");
}
END_TEST

START_TEST(test_python_roots)
{
   const char *one[] = { "/work/main/examples/primes.py" };
   const char *two[] = { "/a/b/c/x.py", "/a/b/d/y.py" };
   const char *siblings[] = { "/a/bc/x.py", "/a/bd/y.py" };
   const char *mixed[] = { "examples/p.py", "/abs/q.py" };
   char *root;

   ck_assert_str_eq(match_install_relative_path(
      "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/certifi/"
      "core.py"), "certifi/core.py");
   ck_assert_str_eq(match_install_relative_path("/usr/lib/python3.12/json/a.py"),
                    "json/a.py");
   ck_assert_str_eq(match_install_relative_path(
      "/usr/lib/python3/dist-packages/apt/package.py"), "apt/package.py");
   ck_assert_str_eq(match_install_relative_path("/opt/lib64/python3.13t/os.py"),
                    "os.py");
   ck_assert_str_eq(match_install_relative_path(
      "/venv/lib/python3.11/site-packages/lib/python3.9/odd.py"), "odd.py");
   ck_assert_ptr_null(match_install_relative_path("/work/main/examples/primes.py"));
   ck_assert_ptr_null(match_install_relative_path("/home/u/library/python3.11/x.py"));
   ck_assert_ptr_null(match_install_relative_path("<frozen importlib._bootstrap>"));

   ck_assert_int_eq(match_is_script_path("/work/main/examples/primes.py"), 1);
   ck_assert_int_eq(match_is_script_path("examples/primes.py"), 1);
   ck_assert_int_eq(match_is_script_path("primes.py"), 0);
   ck_assert_int_eq(match_is_script_path("<frozen site>"), 0);
   ck_assert_int_eq(match_is_script_path("/usr/lib/python3.11/os.py"), 0);

   root = match_common_script_root(one, 1);
   ck_assert_str_eq(root, "/work/main/examples/");
   ck_assert_str_eq(match_python_relative_path("/work/main/examples/primes.py",
                                         root), "primes.py");
   ck_assert_str_eq(match_python_relative_path("/usr/lib/python3.11/os.py", root),
                    "os.py");
   ck_assert_str_eq(match_python_relative_path("<frozen site>", root),
                    "<frozen site>");
   ck_assert_str_eq(match_python_relative_path("/elsewhere/x.py", root),
                    "/elsewhere/x.py");
   free(root);
   root = match_common_script_root(two, 2);
   ck_assert_str_eq(root, "/a/b/");
   ck_assert_str_eq(match_python_relative_path("/a/b/d/y.py", root), "d/y.py");
   free(root);
   root = match_common_script_root(siblings, 2);
   ck_assert_str_eq(root, "/a/");
   free(root);
   root = match_common_script_root(mixed, 2);
   ck_assert_str_eq(root, "");
   free(root);
   root = match_common_script_root(NULL, 0);
   ck_assert_str_eq(root, "");
   free(root);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Matcher: items and costs                             ---*/
/*------------------------------------------------------------*/

/* C eval loop -> Python <module> -> work (recursive) -> opcodes -> C.
 * Self costs add up to 880; arcs carry the recursion-safe inclusive
 * costs pyprofgrind writes (0 on the recursive call). */
static const char *const mixed_profile =
   "# pyprofgrind opcode-family [Python 3.11 opcodes] LOAD_ATTR LOAD_ATTR\n"
   "# pyprofgrind opcode-family [Python 3.11 opcodes] LOAD_ATTR_INSTANCE_VALUE LOAD_ATTR\n"
   "# pyprofgrind opcode-family [Python 3.11 opcodes] LOAD_ATTR_SLOT LOAD_ATTR\n"
   "# pyprofgrind opcode-family [Python 3.11 opcodes] LOAD_FAST LOAD_FAST\n"
   "events: Ir\n"
   "ob=(1) /usr/lib/libpython3.11.so.1.0\n"
   "fl=(1) Python/ceval.c\n"
   "fn=(1) _PyEval_EvalFrameDefault\n"
   "100 10\n"
   "cob=(2) [Python 3.11]\n"
   "cfi=(2) /home/u/proj/app.py\n"
   "cfn=(2) <module>\n"
   "calls=1 1\n"
   "100 870\n"
   "ob=(2)\n"
   "fl=(2)\n"
   "fn=(2)\n"
   "1 20\n"
   "cfn=(3) work\n"
   "calls=1 5\n"
   "3 800\n"
   "cob=(1)\n"
   "cfi=(1)\n"
   "cfn=(4) PyList_Append\n"
   "calls=5 0\n"
   "4 50\n"
   "fn=(3)\n"
   "5 100\n"
   "6 200\n"
   "cfn=(3)\n"
   "calls=3 5\n"
   "6 0\n"
   "cob=(3) [Python 3.11 opcodes]\n"
   "cfi=(1)\n"
   "cfn=(5) LOAD_ATTR_INSTANCE_VALUE\n"
   "calls=10 0\n"
   "7 300\n"
   "cob=(3)\n"
   "cfi=(1)\n"
   "cfn=(6) LOAD_ATTR_SLOT\n"
   "calls=5 0\n"
   "7 100\n"
   "cob=(3)\n"
   "cfi=(1)\n"
   "cfn=(7) LOAD_FAST\n"
   "calls=20 0\n"
   "8 100\n"
   "ob=(3)\n"
   "fl=(1)\n"
   "fn=(5)\n"
   "0 280\n"
   "cob=(1)\n"
   "cfi=(1)\n"
   "cfn=(4)\n"
   "calls=2 0\n"
   "0 20\n"
   "fn=(6)\n"
   "0 100\n"
   "fn=(7)\n"
   "0 100\n"
   "ob=(1)\n"
   "fl=(1)\n"
   "fn=(4)\n"
   "0 70\n"
   "totals: 880\n";

static void expect_source_name(const char *name, const char *expected)
{
   size_t keep = match_source_name_length(name);
   ck_assert_msg(keep == strlen(expected) && strncmp(name, expected, keep) == 0,
                 "source name of %s: got %.*s, want %s", name, (int)keep, name, expected);
}

START_TEST(test_source_names)
{
   expect_source_name("l_mod", "l_mod");
   expect_source_name("l_mod.lto_priv.0", "l_mod");
   expect_source_name("dict_dealloc.cold", "dict_dealloc");
   expect_source_name("gc_collect_main.cold.3", "gc_collect_main");
   expect_source_name("insertdict.constprop.0.isra.0", "insertdict");
   expect_source_name("_PyEval_EvalFrameDefault.part.0.cold", "_PyEval_EvalFrameDefault");
   expect_source_name("foo.llvm.1234567890123", "foo");
   expect_source_name("bar.localalias", "bar");
   /* Not compiler suffixes: numbers alone, other words, leading dots. */
   expect_source_name("f.2", "f.2");
   expect_source_name("Foo.cold_path", "Foo.cold_path");
   expect_source_name("mypart.part", "mypart");
   expect_source_name(".cold", ".cold");
   expect_source_name("x.part.0.y", "x.part.0.y");
}
END_TEST

/* A pyenv build (libpython) and a distro build (static executable, LTO
 * suffixes) of one interpreter: matched by source name, one item each. */
static const char *const build_a =
   "events: Ir\n"
   "ob=/opt/py/lib/libpython3.11.so.1.0\nfl=a.c\nfn=l_mod\n1 100\n"
   "fn=dict_dealloc\n1 10\n"
   "fn=dict_dealloc.cold\n1 5\n"
   "ob=/opt/py/bin/python3.11\nfl=m.c\nfn=main\n1 1\n";
static const char *const build_b =
   "events: Ir\n"
   "ob=/usr/bin/python3.11\nfl=a.c\nfn=l_mod.lto_priv.0\n1 90\n"
   "fn=dict_dealloc\n1 12\n"
   "fl=m.c\nfn=main\n1 1\n";

START_TEST(test_source_name_matching)
{
   CgProfile *a = parse_ok(build_a), *b = parse_ok(build_b);
   SummaryOptions options = { .match_source_names = 1 };
   ProfileSummary *sa = match_summarise_profile(a, &options);
   ProfileSummary *sb = match_summarise_profile(b, &options);
   const ReportItem *item;

   item = find_item(sa, LIST_C_FUNCTIONS, "python\tdict_dealloc");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->self_ir, 15);
   ck_assert_ptr_nonnull(find_item(sa, LIST_C_FUNCTIONS, "python\tmain"));
   item = find_item(sb, LIST_C_FUNCTIONS, "python\tl_mod");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->self_ir, 90);
   ck_assert_uint_eq(sa->n_suffix_folded, 1);
   ck_assert_uint_eq(sb->n_suffix_folded, 1);
   ck_assert_str_eq(sa->interpreter_objects, "libpython3.11.so.1.0, python3.11");
   ck_assert_str_eq(sb->interpreter_objects, "python3.11");
   match_summary_free(sa);
   match_summary_free(sb);

   /* Raw names: the two builds share nothing. */
   options.match_source_names = 0;
   sa = match_summarise_profile(a, &options);
   sb = match_summarise_profile(b, &options);
   ck_assert_ptr_nonnull(find_item(sa, LIST_C_FUNCTIONS, "libpython\tdict_dealloc.cold"));
   ck_assert_ptr_null(find_item(sb, LIST_C_FUNCTIONS, "libpython\tdict_dealloc"));
   ck_assert_ptr_null(sa->interpreter_objects);
   match_summary_free(sa);
   match_summary_free(sb);
   cgparse_profile_free(a);
   cgparse_profile_free(b);
}
END_TEST

START_TEST(test_summary_items_and_inclusive_costs)
{
   CgProfile *p = parse_ok(mixed_profile);
   SummaryOptions options = { 0 };
   ProfileSummary *s = match_summarise_profile(p, &options);
   const ReportItem *item;

   ck_assert_uint_eq(s->total_ir, 880);
   ck_assert_str_eq(s->script_root, "/home/u/proj/");

   item = find_item(s, LIST_PY_FUNCTIONS, "app.py\t<module>");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->self_ir, 20);
   ck_assert_uint_eq(item->inclusive_ir, 870);
   ck_assert_uint_eq(item->calls, 1);
   /* The recursive arc adds to the calls, not to the inclusive cost. */
   item = find_item(s, LIST_PY_FUNCTIONS, "app.py\twork");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->self_ir, 300);
   ck_assert_uint_eq(item->inclusive_ir, 800);
   ck_assert_uint_eq(item->calls, 4);
   ck_assert_str_eq(item->where, "app.py");

   /* Lines: own cost plus calls made from them. */
   item = find_item(s, LIST_PY_LINES, "app.py\t3");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->inclusive_ir, 800);
   ck_assert_uint_eq(item->self_ir, 0);
   item = find_item(s, LIST_PY_LINES, "app.py\t6");
   ck_assert_uint_eq(item->inclusive_ir, 200);
   item = find_item(s, LIST_PY_LINES, "app.py\t7");
   ck_assert_uint_eq(item->inclusive_ir, 400);
   ck_assert_str_eq(item->name, "app.py:7");
   item = find_item(s, LIST_PY_LINES, "app.py\t4");
   ck_assert_uint_eq(item->inclusive_ir, 50);

   /* Opcodes: executions are incoming calls; the family is noted. */
   item = find_item(s, LIST_OPCODES, "LOAD_ATTR_INSTANCE_VALUE");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->calls, 10);
   ck_assert_uint_eq(item->inclusive_ir, 300);
   ck_assert_uint_eq(item->self_ir, 280);
   ck_assert_str_eq(item->where, "LOAD_ATTR");
   item = find_item(s, LIST_OPCODES, "LOAD_FAST");
   ck_assert_str_eq(item->where, "");

   /* C: keyed by normalised object; a root's inclusive is self + out. */
   item = find_item(s, LIST_C_FUNCTIONS, "libpython\tPyList_Append");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->self_ir, 70);
   ck_assert_uint_eq(item->inclusive_ir, 70);
   ck_assert_uint_eq(item->calls, 7);
   ck_assert_str_eq(item->where, "libpython3.11.so.1.0");
   item = find_item(s, LIST_C_FUNCTIONS, "libpython\t_PyEval_EvalFrameDefault");
   ck_assert_uint_eq(item->inclusive_ir, 880);

   match_summary_free(s);
   cgparse_profile_free(p);
}
END_TEST

START_TEST(test_summary_folded_opcodes_and_ranking)
{
   CgProfile *p = parse_ok(mixed_profile);
   SummaryOptions options = { .fold_opcodes = 1 };
   ProfileSummary *s = match_summarise_profile(p, &options);
   const ReportItem *item;
   size_t n, *order;

   ck_assert_uint_eq(s->lists[LIST_OPCODES].n, 2);
   item = find_item(s, LIST_OPCODES, "LOAD_ATTR");
   ck_assert_ptr_nonnull(item);
   ck_assert_uint_eq(item->calls, 15);
   ck_assert_uint_eq(item->inclusive_ir, 400);
   ck_assert_uint_eq(item->self_ir, 380);

   /* Ranked by the view's cost; LOAD_FAST (100) after LOAD_ATTR (400). */
   order = match_rank_view(s, VIEW_OPCODES, &n);
   ck_assert_uint_eq(n, 2);
   ck_assert_str_eq(s->lists[LIST_OPCODES].items[order[0]].name, "LOAD_ATTR");
   free(order);
   /* Python functions by self cost: work (300), <module> (20). */
   order = match_rank_view(s, VIEW_PY_SELF, &n);
   ck_assert_uint_eq(n, 2);
   ck_assert_str_eq(s->lists[LIST_PY_FUNCTIONS].items[order[0]].name, "work");
   free(order);
   match_summary_free(s);
   cgparse_profile_free(p);
}
END_TEST

/* Two runs from different installs, interpreters and checkouts. */
static const char *const base_profile =
   "events: Ir\n"
   "ob=[Python 3.11]\n"
   "fl=/home/a/src/app.py\n"
   "fn=f\n"
   "1 100\n"
   "fn=g\n"
   "2 50\n"
   "fn=h\n"
   "3 10\n"
   "fl=/home/a/src/pkg/mod.py\n"
   "fn=m\n"
   "1 5\n"
   "fl=/opt/py311/lib/python3.11/site-packages/dep/x.py\n"
   "fn=d\n"
   "1 8\n"
   "ob=/x/lib/libpython3.11.so.1.0\n"
   "fl=c.c\n"
   "fn=cfun\n"
   "0 5\n";

static const char *const new_profile =
   "events: Ir\n"
   "ob=[Python 3.12]\n"
   "fl=/srv/b/checkout/app.py\n"
   "fn=f\n"
   "1 70\n"
   "fn=g\n"
   "2 150\n"
   "fn=k\n"
   "5 40\n"
   "fn=a2\n"
   "6 10\n"
   "fl=/srv/b/checkout/pkg/mod.py\n"
   "fn=m\n"
   "1 5\n"
   "fl=/usr/lib/python3/dist-packages/dep/x.py\n"
   "fn=d\n"
   "1 8\n"
   "ob=/y/lib/libpython3.12.so.1.0\n"
   "fl=c.c\n"
   "fn=cfun\n"
   "0 5\n";

START_TEST(test_diff_matching_and_sorting)
{
   CgProfile *pb = parse_ok(base_profile), *pn = parse_ok(new_profile);
   SummaryOptions options = { 0 };
   ProfileSummary *sb = match_summarise_profile(pb, &options);
   ProfileSummary *sn = match_summarise_profile(pn, &options);
   DiffRow *rows;
   size_t n;

   ck_assert_str_eq(sb->script_root, "/home/a/src/");
   ck_assert_str_eq(sn->script_root, "/srv/b/checkout/");

   rows = match_diff_view(sb, sn, VIEW_PY_SELF, &n);
   /* g +100, k +40, f -30, a2 +10 and h -10 (tie: by key), d, m 0. */
   ck_assert_uint_eq(n, 7);
   ck_assert_str_eq(rows[0].base->name, "g");
   ck_assert_uint_eq(rows[0].delta_magnitude, 100);
   ck_assert_int_eq(rows[0].delta_negative, 0);
   ck_assert_ptr_null(rows[1].base);
   ck_assert_str_eq(rows[1].new_item->name, "k");
   ck_assert_uint_eq(rows[1].base_ir, 0);
   ck_assert_uint_eq(rows[1].new_ir, 40);
   ck_assert_str_eq(rows[2].base->name, "f");
   ck_assert_int_eq(rows[2].delta_negative, 1);
   ck_assert_uint_eq(rows[2].delta_magnitude, 30);
   ck_assert_str_eq(rows[3].new_item->name, "a2");
   ck_assert_str_eq(rows[4].base->name, "h");
   ck_assert_ptr_null(rows[4].new_item);
   ck_assert_uint_eq(rows[4].new_ir, 0);
   ck_assert_str_eq(rows[5].base->key, "dep/x.py\td");
   ck_assert_ptr_nonnull(rows[5].new_item);
   ck_assert_uint_eq(rows[5].delta_magnitude, 0);
   ck_assert_str_eq(rows[6].base->key, "pkg/mod.py\tm");
   ck_assert_ptr_nonnull(rows[6].new_item);
   free(rows);

   rows = match_diff_view(sb, sn, VIEW_C_SELF, &n);
   ck_assert_uint_eq(n, 1);
   ck_assert_ptr_nonnull(rows[0].base);
   ck_assert_ptr_nonnull(rows[0].new_item);
   ck_assert_str_eq(rows[0].base->match_where, "libpython");
   ck_assert_uint_eq(rows[0].delta_magnitude, 0);
   free(rows);

   ck_assert(match_cost_ratio(100, 70) > 0.69 && match_cost_ratio(100, 70) < 0.71);
   ck_assert(match_cost_ratio(0, 5) < 0);

   match_summary_free(sb);
   match_summary_free(sn);
   cgparse_profile_free(pb);
   cgparse_profile_free(pn);
}
END_TEST

START_TEST(test_diff_with_itself_is_zero)
{
   CgProfile *p = parse_ok(mixed_profile);
   SummaryOptions options = { 0 };
   ProfileSummary *s = match_summarise_profile(p, &options);
   ReportView view;

   for (view = 0; view < N_VIEWS; view++) {
      size_t n, i;
      DiffRow *rows = match_diff_view(s, s, view, &n);
      ck_assert_uint_gt(n, 0);
      for (i = 0; i < n; i++) {
         ck_assert_uint_eq(rows[i].delta_magnitude, 0);
         ck_assert_uint_eq(rows[i].base_calls, rows[i].new_calls);
         ck_assert_ptr_nonnull(rows[i].base);
         ck_assert_ptr_nonnull(rows[i].new_item);
      }
      free(rows);
   }
   match_summary_free(s);
   cgparse_profile_free(p);
}
END_TEST

/* A plain C profile (Callgrind's own): no Python items, only C. */
START_TEST(test_callgrind_profile_only_c)
{
   CgProfile *p = parse_ok(compressed_profile);
   SummaryOptions options = { 0 };
   ProfileSummary *s = match_summarise_profile(p, &options);

   ck_assert_uint_eq(s->lists[LIST_PY_FUNCTIONS].n, 0);
   ck_assert_uint_eq(s->lists[LIST_PY_LINES].n, 0);
   ck_assert_uint_eq(s->lists[LIST_OPCODES].n, 0);
   ck_assert_uint_eq(s->lists[LIST_C_FUNCTIONS].n, 3);
   ck_assert_ptr_nonnull(find_item(s, LIST_C_FUNCTIONS, "libx\tmain"));
   ck_assert_ptr_nonnull(find_item(s, LIST_C_FUNCTIONS, "liby\thelper"));
   match_summary_free(s);
   cgparse_profile_free(p);
}
END_TEST

static Suite *report_suite(void)
{
   Suite *s = suite_create("report");
   TCase *tc_parse = tcase_create("parser");
   TCase *tc_fold = tcase_create("opfold");
   TCase *tc_match = tcase_create("matcher");

   tcase_add_test(tc_parse, test_parse_compressed_names);
   tcase_add_test(tc_parse, test_parse_relative_positions_and_calls);
   tcase_add_test(tc_parse, test_parse_instr_line_positions_and_ir_column);
   tcase_add_test(tc_parse, test_parse_folds_contexts_and_odd_names);
   tcase_add_test(tc_parse, test_parse_totals_and_summary);
   tcase_add_test(tc_parse, test_parse_errors_name_the_line);
   tcase_add_test(tc_parse, test_error_format);
   tcase_add_test(tc_parse, test_parse_truncated_prefixes);
   suite_add_tcase(s, tc_parse);

   tcase_add_test(tc_fold, test_parse_opcode_family_lines);
   tcase_add_test(tc_fold, test_parse_opcode_family_errors);
   tcase_add_test(tc_fold, test_families_from_layout);
   suite_add_tcase(s, tc_fold);

   tcase_add_test(tc_match, test_node_kinds_and_versions);
   tcase_add_test(tc_match, test_object_names);
   tcase_add_test(tc_match, test_python_roots);
   tcase_add_test(tc_match, test_source_names);
   tcase_add_test(tc_match, test_source_name_matching);
   tcase_add_test(tc_match, test_summary_items_and_inclusive_costs);
   tcase_add_test(tc_match, test_summary_folded_opcodes_and_ranking);
   tcase_add_test(tc_match, test_diff_matching_and_sorting);
   tcase_add_test(tc_match, test_diff_with_itself_is_zero);
   tcase_add_test(tc_match, test_callgrind_profile_only_c);
   suite_add_tcase(s, tc_match);

   return s;
}

int main(void)
{
   SRunner *sr = srunner_create(report_suite());
   int n_failed;

   srunner_run_all(sr, CK_NORMAL);
   n_failed = srunner_ntests_failed(sr);
   srunner_free(sr);
   return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
