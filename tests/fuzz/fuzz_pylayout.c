/* fuzz_pylayout.c: libFuzzer target for the layout text parser
 * (pg_pylayout_parse in pyprofgrind/pg_pylayout.c), which reads what
 * pyprofgrind-inspect prints, layout caches on disk and files users edit.
 * The input is the text, as is (NUL bytes and all).  Besides what the
 * sanitizers catch, it checks the parser's promises: a refusal comes with
 * a one-line reason naming its line; an accepted layout has every Int
 * field within the range PG_LAYOUT_FIELDS gives it and every word
 * NUL-terminated; written back by pg_pylayout_write, it parses again to
 * the very same structure (compared with memcmp, padding included, as
 * the parser clears the structure first), and its release form (no build
 * data) parses to the same structure less the build data; and
 * pg_pylayout_complete and the label lookups run on it, the
 * completeness check with error buffers of every small size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_layout_ranges.h"
#include "pg_pylayout.h"

/* The word fields with their array sizes, for the NUL check. */
#define WORD_OF(kind, name, a, b, dflt, need, what) WORD_##kind(name)
#define WORD_WORD(name) \
   { #name, __builtin_offsetof(PgPyLayout, name), sizeof(((PgPyLayout *)0)->name) },
#define WORD_INT(name)
#define WORD_HEX32(name)
#define WORD_ADDRESS(name)
#define WORD_FRAME_MODEL(name)
#define WORD_LINE_FORMAT(name)
#define WORD_STRING_FORMAT(name)

static const struct {
   const char *name;
   size_t      field;
   size_t      size;
} words[] = {
   PG_LAYOUT_FIELDS(WORD_OF)
};
#define N_WORDS (sizeof words / sizeof words[0])

/* The layouts are 56 KB each: static, not on the stack. */
static PgPyLayout parsed, reparsed, expected;

/* A growing text that pg_pylayout_write appends lines to. */
typedef struct {
   char  *text;
   size_t used, size;
} Text;

static void append_line(void *ctx, const HChar *line)
{
   Text *t = ctx;
   size_t n = strlen(line);

   FUZZ_CHECK(n > 0 && line[n - 1] == '\n' && memchr(line, '\n', n - 1) == NULL,
              "the writer emitted '%s', not one line", line);
   if (t->used + n + 1 > t->size) {
      t->size = 2 * (t->used + n + 1);
      t->text = realloc(t->text, t->size);
      FUZZ_CHECK(t->text != NULL, "out of memory");
   }
   memcpy(t->text + t->used, line, n + 1);
   t->used += n;
}

static void check_one_line_error(const char *err, Bool must_name_line)
{
   FUZZ_CHECK(strchr(err, '\n') == NULL, "error '%s' is not one line", err);
   FUZZ_CHECK(err[0] != '\0', "a refusal without a reason");
   if (must_name_line)
      FUZZ_CHECK(strncmp(err, "line ", 5) == 0, "error '%s' names no line", err);
}

static void check_fields(const PgPyLayout *layout)
{
   size_t i;

   check_int_ranges(layout);
   for (i = 0; i < N_WORDS; i++) {
      const char *word = (const char *)layout + words[i].field;
      FUZZ_CHECK(memchr(word, '\0', words[i].size) != NULL,
                 "%s is not NUL-terminated", words[i].name);
   }
   FUZZ_CHECK(layout->n_labels <= PG_MAX_LABELS, "%u labels", layout->n_labels);
   for (i = 0; i < layout->n_labels; i++) {
      const PgLabel *label = &layout->labels[i];
      FUZZ_CHECK(memchr(label->name, '\0', sizeof label->name) != NULL
                 && memchr(label->base, '\0', sizeof label->base) != NULL,
                 "label %zu is not NUL-terminated", i);
   }
   for (i = 0; i < 256; i++)
      FUZZ_CHECK(memchr(layout->opcode_names[i], '\0', PG_OPCODE_NAME_MAX) != NULL,
                 "opcode name %zu is not NUL-terminated", i);
}

/* The completeness check, with every small error buffer (a cut message
 * must still be a string) and a large one. */
static void check_complete(const PgPyLayout *layout)
{
   char err[300];
   size_t size;
   Bool first = pg_pylayout_complete(layout, NULL, 0);

   for (size = 0; size < 12; size++) {
      memset(err, 'x', sizeof err);
      FUZZ_CHECK(pg_pylayout_complete(layout, err, size) == first,
                 "the answer depends on the error buffer");
      if (size > 0)
         FUZZ_CHECK(memchr(err, '\0', size) != NULL,
                    "a %zu-byte error is not NUL-terminated", size);
      FUZZ_CHECK(err[size] == 'x', "wrote past a %zu-byte error buffer", size);
   }
   FUZZ_CHECK(pg_pylayout_complete(layout, err, sizeof err) == first,
              "the answer depends on the error buffer");
   if (!first)
      check_one_line_error(err, False);
}

/* The lookups the tool makes for each label of the eval loop. */
static void check_label_lookups(const PgPyLayout *layout)
{
   UInt i;

   for (i = 0; i < layout->n_labels; i++) {
      const HChar *name = layout->labels[i].name;
      const HChar *opcode = pg_pylayout_opcode_of_label(layout, name);
      (void)pg_pylayout_is_control_label(layout, name);
      if (opcode != NULL)
         FUZZ_CHECK(opcode >= name && opcode <= name + strlen(name),
                    "opcode name outside label '%s'", name);
   }
}

/* Where two layouts first differ, for the message: the byte offset and
 * what is there. */
static void describe_difference(const PgPyLayout *a, const PgPyLayout *b,
                                char *out, size_t size)
{
   const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
   size_t at = 0;

   while (at < sizeof *a && x[at] == y[at])
      at++;
   if (at >= __builtin_offsetof(PgPyLayout, opcode_names))
      snprintf(out, size, "byte %zu: opcode name %zu", at,
               (at - __builtin_offsetof(PgPyLayout, opcode_names)) / PG_OPCODE_NAME_MAX);
   else if (at >= __builtin_offsetof(PgPyLayout, labels))
      snprintf(out, size, "byte %zu: label %zu", at,
               (at - __builtin_offsetof(PgPyLayout, labels)) / sizeof(PgLabel));
   else
      snprintf(out, size, "byte %zu: a field before the labels", at);
}

static char *write_text(const PgPyLayout *layout, Bool with_build_data)
{
   Text text = { NULL, 0, 0 };

   pg_pylayout_write(layout, "fuzz input", with_build_data, append_line, &text);
   FUZZ_CHECK(text.text != NULL, "the writer wrote nothing");
   return text.text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   char err[256];
   char where[96];
   char *text;

   if (!pg_pylayout_parse(&parsed, (const HChar *)data, size, err, sizeof err)) {
      check_one_line_error(err, True);
      return 0;
   }
   FUZZ_CHECK(err[0] == '\0', "accepted with the error '%s'", err);
   check_fields(&parsed);
   check_complete(&parsed);
   check_label_lookups(&parsed);

   /* The written text parses again to the same structure. */
   text = write_text(&parsed, True);
   FUZZ_CHECK(pg_pylayout_parse(&reparsed, text, strlen(text), err, sizeof err),
              "the written layout is refused: %s\n%s", err, text);
   if (memcmp(&parsed, &reparsed, sizeof parsed) != 0)
      describe_difference(&parsed, &reparsed, where, sizeof where);
   FUZZ_CHECK(memcmp(&parsed, &reparsed, sizeof parsed) == 0,
              "the written layout parses to another structure (%s):\n%s",
              where, text);
   free(text);

   /* The release form: the same less what belongs to one build. */
   memcpy(&expected, &parsed, sizeof expected);
   memset(expected.source, 0, sizeof expected.source);
   memset(expected.build_id, 0, sizeof expected.build_id);
   expected.runtime_address = 0;
   expected.n_labels = 0;
   memset(expected.labels, 0, sizeof expected.labels);
   memset(expected.opcode_names, 0, sizeof expected.opcode_names);
   text = write_text(&parsed, False);
   FUZZ_CHECK(pg_pylayout_parse(&reparsed, text, strlen(text), err, sizeof err),
              "the release form is refused: %s\n%s", err, text);
   if (memcmp(&expected, &reparsed, sizeof expected) != 0)
      describe_difference(&expected, &reparsed, where, sizeof where);
   FUZZ_CHECK(memcmp(&expected, &reparsed, sizeof expected) == 0,
              "the release form parses to another structure (%s):\n%s",
              where, text);
   free(text);
   return 0;
}
