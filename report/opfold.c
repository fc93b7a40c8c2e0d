/* opfold.c: the instruction families pyprofgrind-report folds opcodes
 * by, as read from a profile's family lines or from the layout text of
 * pyprofgrind-inspect, and the folding rule (see opfold.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytable.h"
#include "opfold.h"

/* What the instrumented forms of 3.12+ put before the instruction they
 * instrument. */
#define INSTRUMENTED_PREFIX "INSTRUMENTED_"
#define INSTRUMENTED_PREFIX_LEN (sizeof INSTRUMENTED_PREFIX - 1)

/* Zeroed before use: keys are compared bytewise. */
typedef struct {
   uint32_t object, name;
} InstructionKey;

struct OpcodeFamilies {
   StringPool *strings;
   KeyIndex   *instructions;   /* (object, name) -> index into the arrays */
   InstructionKey *keys;       /* by index: what it was added for */
   uint32_t   *family_of;      /* by index: the family's string number */
   size_t      keys_capacity, families_capacity;
   KeyIndex   *objects;        /* objects with at least one instruction */
};

OpcodeFamilies *opfold_new(void)
{
   OpcodeFamilies *families = xcalloc(1, sizeof *families);

   families->strings = keytable_pool_new();
   families->instructions = keytable_index_new(sizeof(InstructionKey));
   families->objects = keytable_index_new(sizeof(uint32_t));
   return families;
}

void opfold_free(OpcodeFamilies *families)
{
   if (families == NULL)
      return;
   keytable_pool_free(families->strings);
   keytable_index_free(families->instructions);
   keytable_index_free(families->objects);
   free(families->keys);
   free(families->family_of);
   free(families);
}

int opfold_add(OpcodeFamilies *families, const char *object,
               const char *name, const char *family, const char **previous)
{
   InstructionKey key;
   uint32_t index, family_id;
   int added;

   memset(&key, 0, sizeof key);
   key.object = keytable_pool_intern(families->strings, object);
   key.name = keytable_pool_intern(families->strings, name);
   family_id = keytable_pool_intern(families->strings, family);
   index = keytable_index_insert(families->instructions, &key, &added);
   if (!added) {
      if (families->family_of[index] == family_id)
         return 1;
      if (previous != NULL)
         *previous = keytable_pool_get(families->strings,
                                     families->family_of[index]);
      return 0;
   }
   keytable_grow_array((void **)&families->keys, &families->keys_capacity, index + 1,
              sizeof *families->keys);
   keytable_grow_array((void **)&families->family_of, &families->families_capacity,
              index + 1, sizeof *families->family_of);
   families->keys[index] = key;
   families->family_of[index] = family_id;
   keytable_index_insert(families->objects, &key.object, &added);
   return 1;
}

/* Adds every instruction of FROM to TO (which knows none of FROM's
 * objects, so nothing is refused). */
static void copy_families(OpcodeFamilies *to, const OpcodeFamilies *from)
{
   size_t i, n = keytable_index_count(from->instructions);

   for (i = 0; i < n; i++)
      opfold_add(to, keytable_pool_get(from->strings, from->keys[i].object),
                 keytable_pool_get(from->strings, from->keys[i].name),
                 keytable_pool_get(from->strings, from->family_of[i]), NULL);
}

int opfold_knows_object(const OpcodeFamilies *families, const char *object)
{
   uint32_t id = keytable_pool_find(families->strings, object);

   return id != KEYTABLE_ABSENT
          && keytable_index_find(families->objects, &id) != KEYTABLE_ABSENT;
}

/* The family of NAME under the object numbered OBJECT, or NULL when
 * NAME is not an instruction the families list there. */
static const char *listed_family(const OpcodeFamilies *families,
                                 uint32_t object, const char *name)
{
   InstructionKey key;
   uint32_t index;

   memset(&key, 0, sizeof key);
   key.object = object;
   key.name = keytable_pool_find(families->strings, name);
   if (key.name == KEYTABLE_ABSENT)
      return NULL;
   index = keytable_index_find(families->instructions, &key);
   if (index == KEYTABLE_ABSENT)
      return NULL;
   return keytable_pool_get(families->strings, families->family_of[index]);
}

const char *opfold_family(const OpcodeFamilies *families, const char *object,
                          const char *name, size_t *family_len)
{
   uint32_t object_id = keytable_pool_find(families->strings, object);
   const char *family;

   *family_len = strlen(name);
   if (object_id == KEYTABLE_ABSENT)
      return name;
   family = listed_family(families, object_id, name);
   if (family != NULL && strcmp(family, name) != 0) {
      *family_len = strlen(family);
      return family;
   }
   /* "INSTRUMENTED_CALL" runs CALL with sys.monitoring events on. */
   if (strncmp(name, INSTRUMENTED_PREFIX, INSTRUMENTED_PREFIX_LEN) == 0
       && listed_family(families, object_id,
                        name + INSTRUMENTED_PREFIX_LEN) != NULL) {
      *family_len -= INSTRUMENTED_PREFIX_LEN;
      return name + INSTRUMENTED_PREFIX_LEN;
   }
   return name;
}

/*------------------------------------------------------------*/
/*--- Families from pyprofgrind-inspect's layout text      ---*/
/*------------------------------------------------------------*/

/* One "key value..." line of layout text split at blanks. */
#define LAYOUT_MAX_WORDS 4
typedef struct {
   char   words[LAYOUT_MAX_WORDS][128];
   size_t n_words;      /* may exceed LAYOUT_MAX_WORDS: those are not kept */
   int    too_long;     /* a word did not fit */
} LayoutLine;

static void split_layout_line(const char *line, size_t len, LayoutLine *out)
{
   size_t i = 0;

   out->n_words = 0;
   out->too_long = 0;
   while (i < len) {
      size_t start;

      while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
         i++;
      if (i >= len || line[i] == '#')
         break;
      start = i;
      while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
         i++;
      if (out->n_words < LAYOUT_MAX_WORDS) {
         if (i - start >= sizeof out->words[0])
            out->too_long = 1;
         else
            snprintf(out->words[out->n_words], sizeof out->words[0], "%.*s",
                     (int)(i - start), line + start);
      }
      out->n_words++;
   }
}

/* Calls VISIT for each line of TEXT[0..LEN); stops at the first that
 * returns 0, and returns 0 then. */
static int for_each_layout_line(const char *text, size_t len,
                                int (*visit)(const LayoutLine *, void *),
                                void *context)
{
   size_t start = 0;
   LayoutLine line;

   while (start < len) {
      const char *newline = memchr(text + start, '\n', len - start);
      size_t end = newline ? (size_t)(newline - text) : len;

      split_layout_line(text + start, end - start, &line);
      if (line.n_words > 0 && !visit(&line, context))
         return 0;
      start = end + 1;
   }
   return 1;
}

typedef struct {
   OpcodeFamilies *families;
   const char     *object;
   unsigned long   version_hex;
   int             have_version;
   size_t          n_bases;
   char           *why;
   size_t          why_size;
} LayoutReading;

static int is_word(const LayoutLine *line, size_t index, const char *word)
{
   return line->n_words > index && strcmp(line->words[index], word) == 0;
}

static int read_version_and_count_bases(const LayoutLine *line, void *context)
{
   LayoutReading *reading = context;
   char *end;

   if (is_word(line, 0, "version_hex")) {
      if (line->n_words != 2 || line->too_long
          || strncmp(line->words[1], "0x", 2) != 0)
         goto malformed;
      reading->version_hex = strtoul(line->words[1] + 2, &end, 16);
      if (*end != '\0' || end == line->words[1] + 2)
         goto malformed;
      reading->have_version = 1;
   } else if (is_word(line, 0, "opcode_base")) {
      reading->n_bases++;
   }
   return 1;
malformed:
   snprintf(reading->why, reading->why_size, "its version_hex line is "
            "malformed");
   return 0;
}

/* "opcode_base NAME BASE": NAME is a specialised instruction of BASE's
 * family. */
static int record_layout_base(const LayoutLine *line, void *context)
{
   LayoutReading *reading = context;
   const char *previous = NULL;

   if (!is_word(line, 0, "opcode_base"))
      return 1;
   if (line->n_words != 3 || line->too_long) {
      snprintf(reading->why, reading->why_size, "an opcode_base line of its "
               "layout is malformed");
      return 0;
   }
   if (!opfold_add(reading->families, reading->object, line->words[1],
                   line->words[2], &previous)) {
      snprintf(reading->why, reading->why_size, "its layout gives opcode_base "
               "%.60s twice", line->words[1]);
      return 0;
   }
   return 1;
}

/* "opcode NUMBER NAME": NAME is an instruction; one without an
 * opcode_base line (recorded before) is a base instruction. */
static int record_layout_instruction(const LayoutLine *line, void *context)
{
   LayoutReading *reading = context;

   if (!is_word(line, 0, "opcode"))
      return 1;
   if (line->n_words != 3 || line->too_long) {
      snprintf(reading->why, reading->why_size, "an opcode line of its "
               "layout is malformed");
      return 0;
   }
   /* Refused, rightly, for a specialised one: it keeps its base. */
   opfold_add(reading->families, reading->object, line->words[2],
              line->words[2], NULL);
   return 1;
}

int opfold_add_layout(OpcodeFamilies *families, const char *text,
                      size_t len, char *object, size_t object_size,
                      char *why, size_t why_size)
{
   LayoutReading reading;
   int ok;

   memset(&reading, 0, sizeof reading);
   reading.families = families;
   reading.why = why;
   reading.why_size = why_size;
   if (object_size > 0)
      object[0] = '\0';
   /* First the version, which names the object, and whether there are
    * families at all: nothing is recorded for a text without them. */
   if (!for_each_layout_line(text, len, read_version_and_count_bases,
                             &reading))
      return 0;
   if (!reading.have_version) {
      snprintf(why, why_size, "its layout has no version_hex line");
      return 0;
   }
   snprintf(object, object_size, "[Python %lu.%lu opcodes]",
            (reading.version_hex >> 24) & 0xff,
            (reading.version_hex >> 16) & 0xff);
   if (reading.n_bases == 0) {
      snprintf(why, why_size, "it gives no opcode families (no opcode_base "
               "lines)");
      return 0;
   }
   if (opfold_knows_object(families, object))
      return 1;
   /* Into a table of its own first, so that a text found bad half-way
    * leaves FAMILIES as it was. */
   reading.families = opfold_new();
   reading.object = object;
   ok = for_each_layout_line(text, len, record_layout_base, &reading)
        && for_each_layout_line(text, len, record_layout_instruction,
                                &reading);
   if (ok)
      copy_families(families, reading.families);
   opfold_free(reading.families);
   return ok;
}
