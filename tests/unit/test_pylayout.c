/* test_pylayout.c: unit tests of the CPython layout text form and checks
 * (pg_pylayout.c) and of the table of known layouts (pg_pylayout_known.c):
 * text -> layout -> text round trips through the real writer for every
 * known release (in full and in the release form of the known rows), the
 * parser's tolerance (comments, blank lines, CRLF, unknown keys of any
 * length, no final newline), every rejection naming its line, opcode and
 * opcode_base lines (in any order, resolved to labels), the
 * completeness rules of each frame model, and the known-table lookups.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_pylayout.h"

/* The Int keys of the text form, written out here independently of the
 * parser's own table so that a renamed key is caught. */
static const struct {
   const char *key;
   size_t      field;
} int_keys[] = {
#define K(f) { #f, offsetof(PgPyLayout, f) }
   K(eval_frame_arg), K(eval_tstate_arg), K(tstate_frame), K(tstate_cframe),
   K(cframe_current_frame), K(tstate_current_frame), K(frame_code),
   K(frame_back), K(frame_lasti), K(frame_lasti_unit), K(frame_instr_ptr),
   K(frame_instr_ptr_next),
   K(frame_owner), K(frame_is_entry), K(frame_owner_cstack),
   K(tstate_base_frame), K(code_filename),
   K(code_name), K(code_qualname), K(code_firstlineno), K(code_linetable),
   K(code_code), K(code_code_adaptive), K(code_ob_size), K(code_unit_bytes),
   K(lines_need_range_start), K(bytes_size), K(bytes_data),
   K(unicode_length), K(unicode_state), K(unicode_ascii_data),
   K(unicode_compact_data), K(unicode_kind_shift), K(unicode_compact_shift),
   K(unicode_ascii_shift), K(predicted_label_starts), K(return_generator_opcode),
#undef K
};
#define N_INT_KEYS (sizeof int_keys / sizeof int_keys[0])

/* Every release the known table must hold. */
static const unsigned known_versions[][2] = {
   { 2, 7 }, { 3, 6 }, { 3, 7 }, { 3, 8 }, { 3, 9 }, { 3, 10 }, { 3, 11 },
   { 3, 12 }, { 3, 13 },
};
#define N_KNOWN_VERSIONS (sizeof known_versions / sizeof known_versions[0])

static Int *int_at(PgPyLayout *layout, size_t field)
{
   return (Int *)((char *)layout + field);
}

/* A growing string that pg_pylayout_write appends lines to. */
typedef struct {
   char  *text;
   size_t used, size;
} Text;

static void append_line(void *ctx, const char *line)
{
   Text *t = ctx;
   size_t n = strlen(line);

   ck_assert_uint_gt(n, 0);
   ck_assert_int_eq(line[n - 1], '\n');
   ck_assert_ptr_null(strchr(line, '\n') == line + n - 1 ? NULL : line);
   if (t->used + n + 1 > t->size) {
      t->size = 2 * (t->used + n + 1);
      t->text = realloc(t->text, t->size);
      ck_assert_ptr_nonnull(t->text);
   }
   memcpy(t->text + t->used, line, n + 1);
   t->used += n;
}

/* LAYOUT in the text form, written by the writer the inspector uses, as a
 * malloc'ed string. */
static char *write_layout(const PgPyLayout *layout, int with_build_data)
{
   Text t = { NULL, 0, 0 };

   pg_pylayout_write(layout, "test_pylayout", with_build_data, append_line, &t);
   ck_assert_ptr_nonnull(t.text);
   return t.text;
}

static char *format_layout(const PgPyLayout *layout)
{
   return write_layout(layout, 1);
}

static PgPyLayout *new_layout(void)
{
   PgPyLayout *layout = malloc(sizeof *layout);
   ck_assert_ptr_nonnull(layout);
   return layout;
}

static PgPyLayout *known(unsigned major, unsigned minor)
{
   PgPyLayout *layout = new_layout();
   ck_assert_msg(pg_pylayout_known(layout, major << 24 | minor << 16 | 0xf0),
                 "no known layout for %u.%u", major, minor);
   return layout;
}

static void parse_ok(PgPyLayout *layout, const char *text, size_t len)
{
   char err[256];

   ck_assert_msg(pg_pylayout_parse(layout, text, len, err, sizeof err),
                 "parse failed: %s", err);
}

/* Parses TEXT and checks it is rejected with a reason that starts with
 * "line LINE:" and contains NEEDLE, on one line. */
static void assert_rejected(const char *text, unsigned line, const char *needle)
{
   PgPyLayout *layout = new_layout();
   char err[256], prefix[32];

   memset(err, 0, sizeof err);
   ck_assert_msg(!pg_pylayout_parse(layout, text, strlen(text), err, sizeof err),
                 "accepted: %s", text);
   snprintf(prefix, sizeof prefix, "line %u:", line);
   ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
                 "reason '%s' does not start with '%s'", err, prefix);
   ck_assert_msg(strstr(err, needle) != NULL, "reason '%s' lacks '%s'", err, needle);
   ck_assert_ptr_null(strchr(err, '\n'));
   free(layout);
}

/*------------------------------------------------------------*/
/*--- The text form                                        ---*/
/*------------------------------------------------------------*/

START_TEST(test_clear)
{
   PgPyLayout *layout = new_layout();
   unsigned i;

   memset(layout, 0x5a, sizeof *layout);
   pg_pylayout_clear(layout);
   for (i = 0; i < N_INT_KEYS; i++)
      ck_assert_int_eq(*int_at(layout, int_keys[i].field), PG_LAYOUT_NO_OFFSET);
   /* No tag bits unless a layout says so. */
   ck_assert_int_eq(layout->frame_code_tag_mask, 0);
   ck_assert_str_eq(layout->opcode_label_prefix, "");
   ck_assert_str_eq(layout->predicted_label_prefix, "");
   ck_assert_str_eq(layout->control_labels, "");
   ck_assert_int_eq(layout->frame_model, PG_FRAMES_NONE);
   ck_assert_int_eq(layout->line_format, PG_LINES_NONE);
   ck_assert_int_eq(layout->string_format, PG_STR_NONE);
   ck_assert_uint_eq(layout->n_labels, 0);
   ck_assert_uint_eq(layout->version_hex, 0);
   ck_assert_str_eq(layout->source, "");
   ck_assert_str_eq(layout->build_id, "");
   ck_assert_str_eq(layout->eval_function, "");
   for (i = 0; i < 256; i++)
      ck_assert_str_eq(layout->opcode_names[i], "");
   for (i = 0; i < PG_MAX_LABELS; i++)
      ck_assert_str_eq(layout->labels[i].base, "");
   free(layout);
}
END_TEST

START_TEST(test_round_trip_known)
{
   unsigned v = (unsigned)_i;
   PgPyLayout *original = known(known_versions[v][0], known_versions[v][1]);
   PgPyLayout *parsed = new_layout();
   char *text = format_layout(original);
   unsigned i;

   parse_ok(parsed, text, strlen(text));
   for (i = 0; i < N_INT_KEYS; i++)
      ck_assert_msg(*int_at(parsed, int_keys[i].field)
                    == *int_at(original, int_keys[i].field),
                    "%u.%u: %s differs", known_versions[v][0],
                    known_versions[v][1], int_keys[i].key);
   /* Both started from pg_pylayout_clear, so the whole struct compares. */
   ck_assert_int_eq(memcmp(parsed, original, sizeof *parsed), 0);
   free(text);
   free(parsed);
   free(original);
}
END_TEST

/* The release form (the known rows' form) leaves out one build's data,
 * and reads back as the same layout without it. */
START_TEST(test_round_trip_release_form)
{
   PgPyLayout *original = known(3, 11);
   PgPyLayout *parsed = new_layout();
   char *text;

   snprintf(original->build_id, sizeof original->build_id, "%s", "abcdef");
   original->runtime_address = 0x5294c0;
   snprintf(original->labels[0].name, sizeof original->labels[0].name, "TARGET_NOP");
   original->labels[0].addr = 0x1000;
   original->n_labels = 1;
   snprintf(original->opcode_names[9], PG_OPCODE_NAME_MAX, "NOP");
   text = write_layout(original, 0);
   ck_assert_ptr_null(strstr(text, "build_id"));
   ck_assert_ptr_null(strstr(text, "source"));
   ck_assert_ptr_null(strstr(text, "runtime_address"));
   ck_assert_ptr_null(strstr(text, "label "));
   ck_assert_ptr_null(strstr(text, "opcode 9"));
   ck_assert_ptr_nonnull(strstr(text, "\nopcode_label_prefix TARGET_\n"));
   parse_ok(parsed, text, strlen(text));
   ck_assert_str_eq(parsed->build_id, "");
   ck_assert_uint_eq(parsed->n_labels, 0);
   memset(original->build_id, 0, sizeof original->build_id);
   memset(original->source, 0, sizeof original->source);
   original->runtime_address = 0;
   memset(original->labels, 0, sizeof original->labels);
   original->n_labels = 0;
   memset(original->opcode_names[9], 0, PG_OPCODE_NAME_MAX);
   ck_assert_int_eq(memcmp(parsed, original, sizeof *parsed), 0);
   free(text);
   free(parsed);
   free(original);
}
END_TEST

/* The facts that differ between versions are fields of the rows: what the
 * walker once derived from a version or another field. */
START_TEST(test_known_version_facts)
{
   static const struct {
      unsigned major, minor;
      int unit, range_start, pred_starts, return_generator, owner_shim;
   } facts[] = {
      { 2, 7, 1, 1, -1, -1, -1 },
      { 3, 6, 2, 1, -1, -1, -1 },
      { 3, 9, 2, 1, 1, -1, -1 },
      { 3, 10, 2, 1, 1, -1, -1 },
      { 3, 11, 2, 0, 0, 75, -1 },
      { 3, 12, 2, 0, 0, 75, 3 },
      { 3, 13, 2, 0, 0, 35, 3 },
   };
   unsigned i;

   for (i = 0; i < sizeof facts / sizeof facts[0]; i++) {
      PgPyLayout *l = known(facts[i].major, facts[i].minor);
      ck_assert_msg(l->code_unit_bytes == facts[i].unit, "%u.%u unit %d",
                    facts[i].major, facts[i].minor, l->code_unit_bytes);
      ck_assert_int_eq(l->lines_need_range_start, facts[i].range_start);
      ck_assert_int_eq(l->predicted_label_starts, facts[i].pred_starts);
      ck_assert_int_eq(l->return_generator_opcode, facts[i].return_generator);
      ck_assert_int_eq(l->frame_owner_cstack, facts[i].owner_shim);
      ck_assert_int_eq(l->frame_code_tag_mask, 0);
      ck_assert_str_eq(l->opcode_label_prefix, "TARGET_");
      /* 3.11+ code objects hold their code inline: ob_size counts units. */
      if (l->frame_model == PG_FRAMES_IN_EVAL)
         ck_assert_int_eq(l->code_ob_size, 16);
      free(l);
   }
}
END_TEST

START_TEST(test_label_names)
{
   PgPyLayout *l = new_layout();

   pg_pylayout_clear(l);
   ck_assert(!pg_pylayout_is_control_label(l, "error"));
   ck_assert_ptr_null(pg_pylayout_opcode_of_label(l, "TARGET_NOP"));
   snprintf(l->control_labels, sizeof l->control_labels, "start_frame,error,exit_unwind");
   snprintf(l->opcode_label_prefix, sizeof l->opcode_label_prefix, "TARGET_");
   ck_assert(pg_pylayout_is_control_label(l, "start_frame"));
   ck_assert(pg_pylayout_is_control_label(l, "error"));
   ck_assert(pg_pylayout_is_control_label(l, "exit_unwind"));
   ck_assert(!pg_pylayout_is_control_label(l, "err"));
   ck_assert(!pg_pylayout_is_control_label(l, "errors"));
   ck_assert(!pg_pylayout_is_control_label(l, "start_frame,error"));
   ck_assert(!pg_pylayout_is_control_label(l, ""));
   ck_assert_str_eq(pg_pylayout_opcode_of_label(l, "TARGET_LOAD_ATTR"), "LOAD_ATTR");
   ck_assert_ptr_null(pg_pylayout_opcode_of_label(l, "PRED_100"));
   ck_assert_ptr_null(pg_pylayout_opcode_of_label(l, "TARGET"));
   free(l);
}
END_TEST

START_TEST(test_known_eval_functions)
{
   ck_assert(pg_pylayout_known_eval_function("_PyEval_EvalFrameDefault"));
   ck_assert(pg_pylayout_known_eval_function("PyEval_EvalFrameEx"));
   ck_assert(!pg_pylayout_known_eval_function("_PyEval_EvalFrame"));
   ck_assert(!pg_pylayout_known_eval_function("PyEval_EvalFrameExX"));
   ck_assert(!pg_pylayout_known_eval_function(""));
   ck_assert(!pg_pylayout_known_eval_function("main"));
}
END_TEST

/* The call machinery folded by --python-calls=direct: exact names and
 * "prefix*" entries; functions that do work of their own are not in it. */
START_TEST(test_known_call_machinery)
{
   static const char *const machinery[] = {
      "PyObject_Vectorcall", "_PyFunction_Vectorcall", "_PyEval_Vector",
      "PyEval_EvalCodeEx", "call_function", "method_vectorcall",
      "cfunction_vectorcall_O", "method_vectorcall_FASTCALL_KEYWORDS",
      "slot_tp_call", "slot_nb_add", "slot_sq_contains", "gen_send_ex",
      "type_call", "run_eval_code_obj"
   };
   static const char *const work[] = {
      "builtin_sorted", "list_append", "list_extend", "builtin_exec",
      "PyImport_ImportModuleLevelObject", "PyObject_Vectorcal",
      "PyObject_VectorcallX", "slot_", "slot_tp", "cfunction_vectorcall",
      "type_new", "", "main"
   };
   size_t i;

   for (i = 0; i < sizeof machinery / sizeof machinery[0]; i++)
      ck_assert_msg(pg_pylayout_known_call_machinery(machinery[i]), "%s", machinery[i]);
   for (i = 0; i < sizeof work / sizeof work[0]; i++)
      ck_assert_msg(!pg_pylayout_known_call_machinery(work[i]), "%s", work[i]);
}
END_TEST

START_TEST(test_round_trip_labels_and_strings)
{
   PgPyLayout *original = known(3, 12);
   PgPyLayout *parsed = new_layout();
   char *text;

   snprintf(original->build_id, sizeof original->build_id, "%s",
            "f9d5c82f5f2c22df68c1d49c944ef3dee5103dcc");
   snprintf(original->source, sizeof original->source, "dwarf");
   snprintf(original->labels[0].name, sizeof original->labels[0].name,
            "TARGET_CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS");
   original->labels[0].addr = 0x111d4a;
   snprintf(original->labels[1].name, sizeof original->labels[1].name, "error");
   original->labels[1].addr = 0xffffffffffffffffUL;
   original->n_labels = 2;
   text = format_layout(original);
   parse_ok(parsed, text, strlen(text));
   ck_assert_int_eq(memcmp(parsed, original, sizeof *parsed), 0);
   ck_assert_uint_eq(parsed->n_labels, 2);
   ck_assert_str_eq(parsed->labels[0].name,
                    "TARGET_CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS");
   free(text);
   free(parsed);
   free(original);
}
END_TEST

START_TEST(test_parse_values)
{
   static const char text[] =
      "# a comment line\n"
      "\n"
      "version_hex 0x030b07f0   # trailing comment\n"
      "  eval_function\t_PyEval_EvalFrameDefault  \r\n"
      "frame_model in_eval\n"
      "line_format locations_311\n"
      "string_format unicode\n"
      "frame_code 32\n"
      "eval_tstate_arg 0\n"
      "frame_owner_cstack -1\n"
      "version_hex_in_future_format whatever\n"
      "label TARGET_NOP 0x1000\n"
      "label TARGET_CACHE 0XABCDEF";   /* no final newline */
   PgPyLayout *layout = new_layout();

   parse_ok(layout, text, strlen(text));
   ck_assert_uint_eq(layout->version_hex, 0x030b07f0);
   ck_assert_str_eq(layout->eval_function, "_PyEval_EvalFrameDefault");
   ck_assert_int_eq(layout->frame_model, PG_FRAMES_IN_EVAL);
   ck_assert_int_eq(layout->line_format, PG_LINES_LOCATIONS_311);
   ck_assert_int_eq(layout->string_format, PG_STR_UNICODE);
   ck_assert_int_eq(layout->frame_code, 32);
   ck_assert_int_eq(layout->eval_tstate_arg, 0);
   ck_assert_int_eq(layout->frame_owner_cstack, -1);
   ck_assert_int_eq(layout->frame_back, PG_LAYOUT_NO_OFFSET);
   ck_assert_uint_eq(layout->n_labels, 2);
   ck_assert_str_eq(layout->labels[1].name, "TARGET_CACHE");
   ck_assert_uint_eq(layout->labels[1].addr, 0xabcdef);
   free(layout);
}
END_TEST

START_TEST(test_parse_empty_and_previous_content_cleared)
{
   PgPyLayout *layout = known(3, 11);

   parse_ok(layout, "", 0);
   ck_assert_int_eq(layout->frame_code, PG_LAYOUT_NO_OFFSET);
   ck_assert_int_eq(layout->frame_model, PG_FRAMES_NONE);
   parse_ok(layout, "\n\n   \n# only comments\n",
            strlen("\n\n   \n# only comments\n"));
   ck_assert_uint_eq(layout->n_labels, 0);
   free(layout);
}
END_TEST

/* A line far longer than any buffer: ignored when its key is unknown,
 * rejected with its line number when the key is known. */
START_TEST(test_parse_overlong_lines)
{
   size_t n = 200000;
   char *text = malloc(n + 64);
   PgPyLayout *layout = new_layout();
   char err[128];

   size_t prefix;

   ck_assert_ptr_nonnull(text);
   strcpy(text, "frame_code 1\nsome_future_key ");
   prefix = strlen(text);
   memset(text + prefix, 'x', n);
   strcpy(text + prefix + n, "\nframe_back 2\n");
   parse_ok(layout, text, strlen(text));
   ck_assert_int_eq(layout->frame_code, 1);
   ck_assert_int_eq(layout->frame_back, 2);

   strcpy(text, "frame_code 1\nframe_back ");
   prefix = strlen(text);
   memset(text + prefix, '7', n);
   strcpy(text + prefix + n, "\n");
   ck_assert(!pg_pylayout_parse(layout, text, strlen(text), err, sizeof err));
   ck_assert_msg(strncmp(err, "line 2:", 7) == 0, "%s", err);
   ck_assert_msg(strstr(err, "frame_back") != NULL, "%s", err);
   ck_assert_uint_lt(strlen(err), sizeof err);
   free(text);
   free(layout);
}
END_TEST

START_TEST(test_parse_errors)
{
   assert_rejected("frame_code 32\nframe_back abc\n", 2, "frame_back");
   assert_rejected("frame_back 12x\n", 1, "12x");
   assert_rejected("frame_back -2\n", 1, "frame_back");
   assert_rejected("frame_back 0x20\n", 1, "decimal");
   assert_rejected("frame_back 99999999999999999999999\n", 1, "frame_back");
   assert_rejected("frame_back\n", 1, "exactly one value");
   assert_rejected("\n\nframe_back 1 2\n", 3, "exactly one value");
   assert_rejected("eval_frame_arg 6\n", 1, "eval_frame_arg");
   assert_rejected("frame_lasti_unit 9\n", 1, "frame_lasti_unit");
   assert_rejected("unicode_kind_shift 32\n", 1, "unicode_kind_shift");
   assert_rejected("version_hex 0x1030b07f0\n", 1, "version_hex");
   assert_rejected("version_hex 3.11\n", 1, "3.11");
   assert_rejected("frame_model sometimes\n", 1, "sometimes");
   assert_rejected("line_format lnotab\n", 1, "lnotab");
   assert_rejected("string_format utf8\n", 1, "utf8");
   assert_rejected("# x\nframe_code 1\n# y\nframe_code 1\n", 4, "first on line 2");
   assert_rejected("label TARGET_NOP\n", 1, "label NAME 0xADDRESS");
   assert_rejected("label TARGET_NOP 0x10 extra\n", 1, "label NAME 0xADDRESS");
   assert_rejected("label TARGET_NOP 1234\n", 1, "0x hex");
   assert_rejected("label TARGET_NOP 0x\n", 1, "0x hex");
   assert_rejected("label TARGET_NOP 0x12g\n", 1, "0x12g");
   assert_rejected("label TARGET_NOP 0x10000000000000000\n", 1, "0x hex");
   assert_rejected("label "
                   "A_LABEL_NAME_THAT_IS_MUCH_TOO_LONG_FOR_THE_FIXED_NAME_FIELD_OF_PGLABEL"
                   " 0x10\n", 1, "longer than 63");
   assert_rejected("eval_function "
                   "an_eval_function_name_that_is_longer_than_the_sixty_three_characters_kept\n",
                   1, "eval_function");
   assert_rejected("source x\r\nbuild_id "
                   "0123456789012345678901234567890123456789012345678901234567890123456789\n",
                   2, "build_id");
}
END_TEST

START_TEST(test_parse_too_many_labels)
{
   size_t size = (PG_MAX_LABELS + 2) * 32;
   char *text = malloc(size);
   size_t used = 0;
   unsigned i;

   ck_assert_ptr_nonnull(text);
   used += (size_t)snprintf(text + used, size - used, "frame_code 0\n");
   for (i = 0; i <= PG_MAX_LABELS; i++)
      used += (size_t)snprintf(text + used, size - used, "label L%u 0x%x\n", i, i);
   assert_rejected(text, PG_MAX_LABELS + 2, "PG_MAX_LABELS");
   free(text);
}
END_TEST

/* A NUL byte anywhere is refused, naming its line: inside a word it
 * would be stored and then cut the word short when written back
 * (tests/fuzz/fuzz_pylayout found "label \0 0x9", written back as a
 * label line without a name); in a comment or an unknown key's line too,
 * as the text is then no layout text file. */
START_TEST(test_parse_nul_byte)
{
   static const char in_value[] = "frame_code 1\nframe_back 3\0004\n";
   static const char in_label[] = "# layout\nlabel \0 0x9\n";
   static const char in_word[] = "frame_code 1\n\nsource dwarf\0x\n";
   static const char in_comment[] = "frame_code 1 # \0\n";
   static const char in_unknown_key[] = "frame_code 1\nnewer_key \0\n";
   PgPyLayout *layout = new_layout();
   char err[128];

   ck_assert(!pg_pylayout_parse(layout, in_value, sizeof in_value - 1, err, sizeof err));
   ck_assert_msg(strcmp(err, "line 2: NUL byte (not a layout text file?)") == 0,
                 "%s", err);
   ck_assert(!pg_pylayout_parse(layout, in_label, sizeof in_label - 1, err, sizeof err));
   ck_assert_msg(strncmp(err, "line 2: NUL byte", 16) == 0, "%s", err);
   ck_assert(!pg_pylayout_parse(layout, in_word, sizeof in_word - 1, err, sizeof err));
   ck_assert_msg(strncmp(err, "line 3: NUL byte", 16) == 0, "%s", err);
   ck_assert(!pg_pylayout_parse(layout, in_comment, sizeof in_comment - 1, err, sizeof err));
   ck_assert_msg(strncmp(err, "line 1: NUL byte", 16) == 0, "%s", err);
   ck_assert(!pg_pylayout_parse(layout, in_unknown_key, sizeof in_unknown_key - 1,
                                err, sizeof err));
   ck_assert_msg(strncmp(err, "line 2: NUL byte", 16) == 0, "%s", err);
   free(layout);
}
END_TEST

START_TEST(test_parse_small_error_buffer)
{
   PgPyLayout *layout = new_layout();
   char err[12];

   memset(err, 'z', sizeof err);
   ck_assert(!pg_pylayout_parse(layout, "frame_code x\n", 13, err, sizeof err));
   ck_assert_uint_lt(strnlen(err, sizeof err), sizeof err);
   ck_assert(!pg_pylayout_parse(layout, "frame_code x\n", 13, NULL, 0));
   free(layout);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Opcodes                                              ---*/
/*------------------------------------------------------------*/

static void add_label(PgPyLayout *layout, const char *name, unsigned long addr)
{
   PgLabel *label = &layout->labels[layout->n_labels++];
   snprintf(label->name, sizeof label->name, "%s", name);
   label->addr = addr;
}

/* The longest opcode name the field holds (47 characters). */
#define NAME_47 "LOAD_ATTR_A_SPECIALISED_INSTRUCTION_NAME_OF_47C"

START_TEST(test_round_trip_opcodes)
{
   PgPyLayout *original = known(3, 11);
   PgPyLayout *parsed = new_layout();
   char *text;

   ck_assert_uint_eq(strlen(NAME_47), PG_OPCODE_NAME_MAX - 1);
   add_label(original, "TARGET_LOAD_ATTR", 0x1000);
   add_label(original, "TARGET_PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", 0x2000);
   add_label(original, "PRED_100", 0x3000);   /* not a handler label */
   add_label(original, "TARGET_" NAME_47, 0x4000);
   add_label(original, "TARGET_PRECALL", 0x5000);
   add_label(original, "TARGET_CACHE", 0x6000);
   snprintf(original->opcode_names[0], PG_OPCODE_NAME_MAX, "CACHE");
   snprintf(original->opcode_names[106], PG_OPCODE_NAME_MAX, "LOAD_ATTR");
   snprintf(original->opcode_names[166], PG_OPCODE_NAME_MAX, "PRECALL");
   snprintf(original->opcode_names[255], PG_OPCODE_NAME_MAX,
            "PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS");
   snprintf(original->opcode_names[7], PG_OPCODE_NAME_MAX, "%s", NAME_47);
   snprintf(original->labels[1].base, sizeof original->labels[1].base, "PRECALL");
   snprintf(original->labels[3].base, sizeof original->labels[3].base, "LOAD_ATTR");
   text = format_layout(original);
   ck_assert_ptr_nonnull(strstr(text, "\nopcode 255 PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS\n"));
   ck_assert_ptr_nonnull(strstr(text, "\nopcode_base " NAME_47 " LOAD_ATTR\n"));
   parse_ok(parsed, text, strlen(text));
   ck_assert_int_eq(memcmp(parsed, original, sizeof *parsed), 0);
   free(text);
   free(parsed);
   free(original);
}
END_TEST

/* opcode_base lines may come before the opcode and label lines they
 * name; unnamed opcodes and labels without a base stay "". */
START_TEST(test_parse_opcodes_any_order)
{
   static const char text[] =
      "opcode_base LOAD_ATTR_INSTANCE_VALUE LOAD_ATTR  # before everything\n"
      "opcode_label_prefix TARGET_\n"
      "frame_code 0\n"
      "opcode 106 LOAD_ATTR\n"
      "label TARGET_LOAD_ATTR_INSTANCE_VALUE 0x20\n"
      "opcode_base\tLOAD_FAST__LOAD_FAST   LOAD_FAST\r\n"
      "label TARGET_LOAD_ATTR 0x10\n"
      "opcode 45 LOAD_FAST__LOAD_FAST\n"
      "opcode 124 LOAD_FAST\n"
      "opcode 105 LOAD_ATTR_INSTANCE_VALUE\n"
      "label TARGET_LOAD_FAST 0x30\n"
      "label TARGET_LOAD_FAST__LOAD_FAST 0x40";
   PgPyLayout *layout = new_layout();
   unsigned i, named = 0;

   parse_ok(layout, text, strlen(text));
   ck_assert_str_eq(layout->opcode_names[106], "LOAD_ATTR");
   ck_assert_str_eq(layout->opcode_names[105], "LOAD_ATTR_INSTANCE_VALUE");
   ck_assert_str_eq(layout->opcode_names[45], "LOAD_FAST__LOAD_FAST");
   for (i = 0; i < 256; i++)
      named += layout->opcode_names[i][0] != '\0';
   ck_assert_uint_eq(named, 4);
   ck_assert_uint_eq(layout->n_labels, 4);
   ck_assert_str_eq(layout->labels[0].name, "TARGET_LOAD_ATTR_INSTANCE_VALUE");
   ck_assert_str_eq(layout->labels[0].base, "LOAD_ATTR");
   ck_assert_str_eq(layout->labels[1].base, "");
   ck_assert_str_eq(layout->labels[2].base, "");
   ck_assert_str_eq(layout->labels[3].name, "TARGET_LOAD_FAST__LOAD_FAST");
   ck_assert_str_eq(layout->labels[3].base, "LOAD_FAST");
   ck_assert_int_eq(layout->frame_code, 0);

   /* A second parse starts from scratch. */
   parse_ok(layout, "opcode 1 POP_TOP\n", strlen("opcode 1 POP_TOP\n"));
   ck_assert_str_eq(layout->opcode_names[106], "");
   ck_assert_str_eq(layout->opcode_names[1], "POP_TOP");
   ck_assert_uint_eq(layout->n_labels, 0);
   free(layout);
}
END_TEST

START_TEST(test_parse_opcode_errors)
{
   /* opcode lines */
   assert_rejected("opcode 256 NOP\n", 1, "[0, 255]");
   assert_rejected("frame_code 1\nopcode -1 NOP\n", 2, "-1");
   assert_rejected("opcode 0x10 NOP\n", 1, "0x10");
   assert_rejected("opcode NOP 9\n", 1, "[0, 255]");
   assert_rejected("opcode 9\n", 1, "'opcode NUMBER NAME'");
   assert_rejected("opcode 9 NOP extra\n", 1, "'opcode NUMBER NAME'");
   assert_rejected("opcode 9 NOT-A-NAME\n", 1, "identifier: NOT-A-NAME");
   assert_rejected("opcode 9 9LIVES\n", 1, "identifier");
   assert_rejected("opcode 9 " NAME_47 "X\n", 1, "longer than 47");
   assert_rejected("opcode 9 NOP\n# two\nopcode 9 POP_TOP\n", 3,
                   "opcode 9 given again (first on line 1)");
   /* opcode_base lines: form first, then meaning once all is read */
   assert_rejected("opcode_base LOAD_ATTR_SLOT\n", 1, "'opcode_base NAME BASE'");
   assert_rejected("opcode_base A B C\n", 1, "'opcode_base NAME BASE'");
   assert_rejected("opcode_base A B-C\n", 1, "identifier: B-C");
   assert_rejected("opcode_base LOAD_ATTR_SLOT LOAD_ATTR\n"
                   "opcode 106 LOAD_ATTR\nlabel TARGET_LOAD_ATTR_SLOT 0x10\n"
                   "opcode_label_prefix TARGET_\n",
                   1, "no opcode line names: LOAD_ATTR_SLOT");
   assert_rejected("opcode_label_prefix TARGET_\nopcode 106 LOAD_ATTR\nopcode 107 LOAD_ATTR_SLOT\n"
                   "label TARGET_LOAD_ATTR_SLOT 0x10\n"
                   "opcode_base LOAD_ATTR_SLOT LOAD_ATTRS\n",
                   5, "no opcode line names: LOAD_ATTRS");
   assert_rejected("opcode_label_prefix TARGET_\nopcode 106 LOAD_ATTR\nopcode 107 LOAD_ATTR_SLOT\n"
                   "label LOAD_ATTR_SLOT 0x10\n"
                   "opcode_base LOAD_ATTR_SLOT LOAD_ATTR\n",
                   5, "without a handler label: LOAD_ATTR_SLOT");
   assert_rejected("opcode_label_prefix TARGET_\nopcode 106 LOAD_ATTR\nopcode 107 LOAD_ATTR_SLOT\n"
                   "opcode_base LOAD_ATTR_SLOT LOAD_ATTR\n"
                   "label TARGET_LOAD_ATTR_SLOT 0x10\n"
                   "opcode_base LOAD_ATTR_SLOT LOAD_ATTR\n",
                   6, "given again for LOAD_ATTR_SLOT");
   /* The handler labels' prefix is the layout's: without it, no base. */
   assert_rejected("opcode 106 LOAD_ATTR\nopcode 107 LOAD_ATTR_SLOT\n"
                   "label TARGET_LOAD_ATTR_SLOT 0x10\n"
                   "opcode_base LOAD_ATTR_SLOT LOAD_ATTR\n",
                   4, "need opcode_label_prefix");
   assert_rejected("opcode_label_prefix OP_\nopcode 106 LOAD_ATTR\nopcode 107 LOAD_ATTR_SLOT\n"
                   "label TARGET_LOAD_ATTR_SLOT 0x10\n"
                   "opcode_base LOAD_ATTR_SLOT LOAD_ATTR\n",
                   5, "without a handler label: LOAD_ATTR_SLOT");
   /* An error of the first pass is reported even after a bad opcode_base. */
   assert_rejected("opcode_base X Y\nframe_code z\n", 2, "frame_code");
}
END_TEST

/*------------------------------------------------------------*/
/*--- Completeness                                         ---*/
/*------------------------------------------------------------*/

static void assert_complete(const PgPyLayout *layout)
{
   char err[256];

   ck_assert_msg(pg_pylayout_complete(layout, err, sizeof err), "incomplete: %s", err);
   ck_assert_str_eq(err, "");
}

static void assert_incomplete(const PgPyLayout *layout, const char *needle)
{
   char err[256];

   ck_assert(!pg_pylayout_complete(layout, err, sizeof err));
   ck_assert_msg(strstr(err, needle) != NULL, "reason '%s' lacks '%s'", err, needle);
   ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(test_complete_known)
{
   unsigned v = (unsigned)_i;
   PgPyLayout *layout = known(known_versions[v][0], known_versions[v][1]);

   assert_complete(layout);
   free(layout);
}
END_TEST

START_TEST(test_complete_per_call)
{
   PgPyLayout *layout = known(3, 10);

   ck_assert_int_eq(layout->frame_model, PG_FRAMES_PER_CALL);
   layout->frame_lasti = PG_LAYOUT_NO_OFFSET;
   assert_incomplete(layout, "frame_lasti");
   assert_incomplete(layout, "per_call");
   free(layout);

   layout = known(3, 10);
   layout->eval_frame_arg = -1;
   layout->frame_lasti_unit = -1;
   layout->code_code = -1;
   assert_incomplete(layout, "eval_frame_arg, frame_lasti_unit, code_code");
   free(layout);

   /* PER_CALL does not need the thread state or 3.11+ fields. */
   layout = known(3, 9);
   layout->eval_tstate_arg = -1;
   layout->tstate_frame = -1;
   ck_assert_int_eq(layout->code_qualname, PG_LAYOUT_NO_OFFSET);
   assert_complete(layout);
   free(layout);

   /* Python 2 strings need no unicode fields, but bytes fields. */
   layout = known(2, 7);
   ck_assert_int_eq(layout->string_format, PG_STR_BYTES);
   ck_assert_int_eq(layout->unicode_state, PG_LAYOUT_NO_OFFSET);
   assert_complete(layout);
   layout->bytes_data = -1;
   assert_incomplete(layout, "bytes_data");
   free(layout);
}
END_TEST

START_TEST(test_complete_in_eval)
{
   PgPyLayout *layout = known(3, 13);

   /* 3.13: the current frame is a thread state member. */
   layout->tstate_current_frame = -1;
   assert_incomplete(layout, "tstate_current_frame");
   layout->tstate_cframe = 56;
   assert_incomplete(layout, "cframe_current_frame");
   layout->cframe_current_frame = 0;
   assert_complete(layout);
   free(layout);

   /* 3.11: entry frames by is_entry; 3.12+: by owner == C stack. */
   layout = known(3, 11);
   ck_assert_int_eq(layout->frame_owner_cstack, PG_LAYOUT_NO_OFFSET);
   assert_complete(layout);
   layout->frame_is_entry = -1;
   assert_incomplete(layout, "frame_is_entry");
   layout->frame_owner_cstack = 3;
   assert_complete(layout);
   free(layout);

   layout = known(3, 12);
   layout->frame_owner_cstack = -1;
   assert_incomplete(layout, "frame_owner_cstack");
   free(layout);

   layout = known(3, 12);
   layout->code_qualname = -1;
   layout->code_code_adaptive = -1;
   layout->frame_instr_ptr = -1;
   layout->eval_tstate_arg = -1;
   assert_incomplete(layout, "eval_tstate_arg");
   assert_incomplete(layout, "frame_instr_ptr");
   assert_incomplete(layout, "code_qualname");
   assert_incomplete(layout, "code_code_adaptive");
   free(layout);

   /* IN_EVAL does not need f_lasti nor co_code. */
   layout = known(3, 12);
   ck_assert_int_eq(layout->frame_lasti, PG_LAYOUT_NO_OFFSET);
   ck_assert_int_eq(layout->code_code, PG_LAYOUT_NO_OFFSET);
   assert_complete(layout);
   layout->unicode_kind_shift = -1;
   assert_incomplete(layout, "unicode_kind_shift");
   free(layout);
}
END_TEST

START_TEST(test_complete_empty_and_truncated)
{
   PgPyLayout *layout = new_layout();
   char err[40];

   pg_pylayout_clear(layout);
   assert_incomplete(layout, "frame_model");
   assert_incomplete(layout, "eval_function");
   assert_incomplete(layout, "line_format");
   /* A short buffer still gets a terminated, shortened message. */
   memset(err, 'z', sizeof err);
   ck_assert(!pg_pylayout_complete(layout, err, sizeof err));
   ck_assert_uint_lt(strnlen(err, sizeof err), sizeof err);
   ck_assert(!pg_pylayout_complete(layout, NULL, 0));
   free(layout);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Known table                                          ---*/
/*------------------------------------------------------------*/

START_TEST(test_known_present)
{
   PgPyLayout *layout = new_layout();

   ck_assert(pg_pylayout_known(layout, 0x020712f0));
   ck_assert_str_eq(layout->eval_function, "PyEval_EvalFrameEx");
   ck_assert_int_eq(layout->frame_model, PG_FRAMES_PER_CALL);
   ck_assert_int_eq(layout->line_format, PG_LINES_LNOTAB_UNSIGNED);
   ck_assert_int_eq(layout->string_format, PG_STR_BYTES);
   ck_assert_int_eq(layout->frame_lasti, 120);
   ck_assert_uint_eq(layout->version_hex, 0x020712f0);
   ck_assert_str_eq(layout->source, "known");
   ck_assert_uint_eq(layout->n_labels, 0);
   ck_assert_str_eq(layout->build_id, "");

   ck_assert(pg_pylayout_known(layout, 0x030d00f0));
   ck_assert_str_eq(layout->eval_function, "_PyEval_EvalFrameDefault");
   ck_assert_int_eq(layout->frame_model, PG_FRAMES_IN_EVAL);
   ck_assert_int_eq(layout->tstate_current_frame, 72);
   ck_assert_int_eq(layout->frame_instr_ptr, 56);
   ck_assert_int_eq(layout->frame_owner, 70);
   ck_assert_int_eq(layout->frame_owner_cstack, 3);
   ck_assert_int_eq(layout->code_code_adaptive, 200);
   ck_assert_int_eq(layout->unicode_ascii_data, 40);

   /* Any micro release of a known series: Debian's 3.11.2. */
   ck_assert(pg_pylayout_known(layout, 0x030b02f0));
   ck_assert_uint_eq(layout->version_hex, 0x030b02f0);
   ck_assert_int_eq(layout->frame_is_entry, 68);
   ck_assert_int_eq(layout->cframe_current_frame, 8);
   ck_assert_int_eq(layout->frame_lasti_unit, PG_LAYOUT_NO_OFFSET);

   ck_assert(pg_pylayout_known(layout, 0x030a0000));
   ck_assert_int_eq(layout->frame_lasti_unit, 2);
   ck_assert_int_eq(layout->line_format, PG_LINES_LINETABLE_310);
   free(layout);
}
END_TEST

START_TEST(test_known_absent)
{
   PgPyLayout *layout = new_layout();

   ck_assert(!pg_pylayout_known(layout, 0x030500f0));
   ck_assert(!pg_pylayout_known(layout, 0x031000f0));
   ck_assert(!pg_pylayout_known(layout, 0x020600f0));
   ck_assert(!pg_pylayout_known(layout, 0x040000f0));
   ck_assert(!pg_pylayout_known(layout, 0));
   free(layout);
}
END_TEST

START_TEST(test_free_threaded_refused)
{
   /* A free-threaded build (the inspector saw ob_tid in PyObject) is
    * refused whatever else the layout has: its objects are laid out
    * otherwise. */
   static const char text[] = "gil_disabled yes\n";
   PgPyLayout *layout = known(3, 14);
   char err[256];

   assert_complete(layout);
   strcpy(layout->gil_disabled, "yes");
   ck_assert(!pg_pylayout_complete(layout, err, sizeof err));
   ck_assert_msg(strstr(err, "free-threaded") != NULL, "reason '%s'", err);
   parse_ok(layout, text, strlen(text));
   ck_assert_str_eq(layout->gil_disabled, "yes");
   ck_assert(!pg_pylayout_complete(layout, err, sizeof err));
   ck_assert_msg(strstr(err, "free-threaded") != NULL, "reason '%s'", err);
   free(layout);

   /* The release rows describe default builds only. */
   layout = known(3, 14);
   ck_assert_str_eq(layout->gil_disabled, "");
   free(layout);
}
END_TEST

START_TEST(test_tail_call_handlers_field)
{
   static const char text[] = "tail_call_handlers _TAIL_CALL_*\n";
   PgPyLayout *layout = new_layout();

   pg_pylayout_clear(layout);
   ck_assert_str_eq(layout->tail_call_handlers, "");
   parse_ok(layout, text, strlen(text));
   ck_assert_str_eq(layout->tail_call_handlers, "_TAIL_CALL_*");
   free(layout);
}
END_TEST

START_TEST(test_version_from_name)
{
   static const struct {
      const char *name;
      unsigned    version;
      const char *flags;
   } cases[] = {
      { "/usr/bin/python3.14", 0x030e0000, "" },
      { "/usr/bin/python3.14t", 0x030e0000, "t" },
      { "/opt/py/lib/libpython3.14t.so.1.0", 0x030e0000, "t" },
      { "python3.13td", 0x030d0000, "td" },
      { "/usr/bin/python3.13d", 0x030d0000, "d" },
      { "libpython3.7m.so.1.0", 0x03070000, "m" },
      { "libpython2.7.so.1.0", 0x02070000, "" },
      { "/opt/python3.14t/bin/python3.12", 0x030c0000, "" }, /* the file's name counts */
      { "/usr/bin/python3", 0, "" },
      { "python3.x", 0, "" },
      { "myprog", 0, "" },
   };
   unsigned i;

   for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
      char flags[4] = "zzz";
      unsigned v = pg_pylayout_version_from_name(cases[i].name, flags);
      ck_assert_msg(v == cases[i].version, "%s: %#x", cases[i].name, v);
      ck_assert_msg(strcmp(flags, cases[i].flags) == 0, "%s: flags '%s'",
                    cases[i].name, flags);
   }
   ck_assert_ptr_nonnull(pg_pylayout_free_threaded_symbols[0]);
}
END_TEST

static Suite *pylayout_suite(void)
{
   Suite *suite = suite_create("pylayout");
   TCase *parse = tcase_create("parse");
   TCase *complete = tcase_create("complete");
   TCase *table = tcase_create("known");

   tcase_add_test(parse, test_clear);
   tcase_add_loop_test(parse, test_round_trip_known, 0, (int)N_KNOWN_VERSIONS);
   tcase_add_test(parse, test_round_trip_labels_and_strings);
   tcase_add_test(parse, test_round_trip_release_form);
   tcase_add_test(parse, test_label_names);
   tcase_add_test(parse, test_parse_values);
   tcase_add_test(parse, test_parse_empty_and_previous_content_cleared);
   tcase_add_test(parse, test_parse_overlong_lines);
   tcase_add_test(parse, test_parse_errors);
   tcase_add_test(parse, test_parse_too_many_labels);
   tcase_add_test(parse, test_parse_nul_byte);
   tcase_add_test(parse, test_parse_small_error_buffer);
   tcase_add_test(parse, test_round_trip_opcodes);
   tcase_add_test(parse, test_parse_opcodes_any_order);
   tcase_add_test(parse, test_parse_opcode_errors);
   tcase_add_test(parse, test_tail_call_handlers_field);
   tcase_add_test(parse, test_version_from_name);
   suite_add_tcase(suite, parse);

   tcase_add_loop_test(complete, test_complete_known, 0, (int)N_KNOWN_VERSIONS);
   tcase_add_test(complete, test_complete_per_call);
   tcase_add_test(complete, test_complete_in_eval);
   tcase_add_test(complete, test_complete_empty_and_truncated);
   tcase_add_test(complete, test_free_threaded_refused);
   suite_add_tcase(suite, complete);

   tcase_add_test(table, test_known_present);
   tcase_add_test(table, test_known_absent);
   tcase_add_test(table, test_known_version_facts);
   tcase_add_test(table, test_known_eval_functions);
   tcase_add_test(table, test_known_call_machinery);
   suite_add_tcase(suite, table);
   return suite;
}

int main(void)
{
   SRunner *runner = srunner_create(pylayout_suite());
   int failed;

   srunner_run_all(runner, CK_NORMAL);
   failed = srunner_ntests_failed(runner);
   srunner_free(runner);
   return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
