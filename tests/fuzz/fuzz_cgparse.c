/* fuzz_cgparse.c: libFuzzer target for pyprofgrind-report's profile
 * parser (cgparse_text in report/cgparse.c), which reads whatever file a
 * user hands the report: a profile of a hostile program, a cut or edited
 * one, or no profile at all.  The input is the file's contents, as is.
 * Besides what the sanitizers catch (memory errors, leaks, undefined
 * behaviour), it checks the parser's promises.  A refusal is one line,
 * "FILE:LINE: what", on a line the file has (or just after its end).  An
 * accepted profile is consistent: every record names functions, files
 * and strings that exist; each function's self cost is the sum of its
 * lines'; the program total is the sum of all self costs (what "totals:"
 * lines are checked against, and what a "summary:" without them must
 * equal), computed here without wrapping, so that no cost is lost to a
 * 64-bit overflow.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "cgparse.h"
#include "fuzz_check.h"

#define INPUT_NAME "fuzz.out"

typedef unsigned __int128 ExactSum;

static void check_refusal(const CgError *err, const uint8_t *data, size_t size)
{
   char message[2048];
   unsigned long long n_lines = 1;
   size_t i;

   for (i = 0; i < size; i++)
      n_lines += data[i] == '\n';
   FUZZ_CHECK(err->message[0] != '\0', "refused without a reason");
   FUZZ_CHECK(err->line >= 1 && err->line <= n_lines,
              "error on line %llu of a file of %llu line(s)", err->line, n_lines);
   cgparse_error_format(err, message, sizeof message);
   FUZZ_CHECK(strncmp(message, INPUT_NAME ":", strlen(INPUT_NAME ":")) == 0,
              "error '%s' does not name the file", message);
   for (i = 0; message[i] != '\0'; i++)
      FUZZ_CHECK((unsigned char)message[i] >= 0x20 && message[i] != 0x7f,
                 "error '%s' has a control byte at %zu", message, i);
}

static void check_string(const CgProfile *profile, uint32_t id, const char *what)
{
   FUZZ_CHECK(id != KEYTABLE_ABSENT && cgparse_str(profile, id) != NULL,
              "%s names string %u, which does not exist", what, id);
}

static void check_profile(const CgProfile *profile)
{
   ExactSum *function_sums;
   ExactSum all = 0;
   size_t i;

   FUZZ_CHECK(profile->opcode_families != NULL, "no opcode family table");
   FUZZ_CHECK(profile->command == KEYTABLE_ABSENT
              || cgparse_str(profile, profile->command) != NULL, "bad cmd: id");
   FUZZ_CHECK(profile->creator == KEYTABLE_ABSENT
              || cgparse_str(profile, profile->creator) != NULL, "bad creator: id");

   function_sums = calloc(profile->n_functions + 1, sizeof *function_sums);
   FUZZ_CHECK(function_sums != NULL, "out of memory");
   for (i = 0; i < profile->n_functions; i++) {
      check_string(profile, profile->functions[i].object, "a function's object");
      check_string(profile, profile->functions[i].file, "a function's file");
      check_string(profile, profile->functions[i].name, "a function's name");
   }
   for (i = 0; i < profile->n_lines; i++) {
      const CgLineCost *line = &profile->lines[i];
      FUZZ_CHECK(line->function < profile->n_functions,
                 "line cost %zu of function %u of %zu", i, line->function,
                 profile->n_functions);
      check_string(profile, line->file, "a line cost's file");
      function_sums[line->function] += line->self_ir;
      all += line->self_ir;
   }
   for (i = 0; i < profile->n_functions; i++)
      FUZZ_CHECK(function_sums[i] == profile->functions[i].self_ir,
                 "function %zu has self cost %llu, its lines add up to more "
                 "or less", i, profile->functions[i].self_ir);
   free(function_sums);
   FUZZ_CHECK(all == profile->self_ir_sum,
              "self costs add up to %s%llu, the profile says %llu",
              all > (ExactSum)~0ull ? "more than 2^64: " : "",
              (unsigned long long)all, profile->self_ir_sum);
   FUZZ_CHECK(profile->total_ir == profile->self_ir_sum,
              "program total %llu, self costs %llu (totals %d, summary %d)",
              profile->total_ir, profile->self_ir_sum, profile->has_totals,
              profile->has_summary);

   for (i = 0; i < profile->n_arcs; i++) {
      const CgArc *arc = &profile->arcs[i];
      FUZZ_CHECK(arc->caller < profile->n_functions
                 && arc->callee < profile->n_functions,
                 "arc %zu from %u to %u of %zu functions", i, arc->caller,
                 arc->callee, profile->n_functions);
      check_string(profile, arc->site_file, "a call site's file");
   }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   CgError err;
   CgProfile *profile = cgparse_text(INPUT_NAME, (const char *)data, size, &err);

   if (profile == NULL) {
      check_refusal(&err, data, size);
      return 0;
   }
   check_profile(profile);
   cgparse_profile_free(profile);
   return 0;
}
