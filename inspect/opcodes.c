/* opcodes.c: opcode numbers from `opcode_targets` and base instructions
 * from `_PyOpcode_Deopt` (see opcodes.h).  Both are ELF data: the symbols
 * are in the file or, for a stripped executable, in its detached debug
 * file; the bytes are in the file.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "opcodes.h"

/*------------------------------------------------------------*/
/*--- Reading the tables                                   ---*/
/*------------------------------------------------------------*/

#define N_OPCODES 256
#define MAX_SHARED 8   /* TARGET_ labels at one address that are kept apart */

/* The TARGET_<NAME> label of opcode NAME, or NULL. */
static PgLabel *opcode_label(PgPyLayout *layout, const char *name)
{
   unsigned i;

   for (i = 0; i < layout->n_labels; i++) {
      PgLabel *label = &layout->labels[i];
      if (strncmp(label->name, "TARGET_", 7) == 0 && strcmp(label->name + 7, name) == 0)
         return label;
   }
   return NULL;
}

/* Finds data object NAME of SIZE bytes (symbols of ELF, else of DEBUG)
 * and copies its bytes (from ELF, else DEBUG) or, with POINTERS, its
 * pointers (see elf_read_pointers) to OUT.  Returns 1, or 0 with the
 * reason in WHY. */
static int read_object(const ElfImage *elf, const ElfImage *debug, const char *name,
                       size_t size, int pointers, void *out, const char **why)
{
   Elf64_Addr addr = 0;
   int found = elf_object(elf, name, 1, size, &addr);

   if (found == 0 && debug != NULL)
      found = elf_object(debug, name, 1, size, &addr);
   if (found == 0) {
      *why = "no such symbol";
      return 0;
   }
   if (found > 1) {
      *why = "several symbols of that name";
      return 0;
   }
   if (pointers ? elf_read_pointers(elf, addr, size / sizeof(Elf64_Addr), out)
                : elf_read(elf, addr, out, size))
      return 1;
   if (debug != NULL && (pointers ? elf_read_pointers(debug, addr,
                                                      size / sizeof(Elf64_Addr), out)
                                  : elf_read(debug, addr, out, size)))
      return 1;
   *why = "its bytes are not in the file";
   return 0;
}

/*------------------------------------------------------------*/
/*--- Naming the opcodes                                   ---*/
/*------------------------------------------------------------*/

/* Names the opcodes: entry I of opcode_targets pointing to label
 * TARGET_NAME makes opcode I NAME.  Where GCC gave several TARGET_ labels
 * one address (a handler that only jumps to another: 3.12's
 * INSTRUMENTED_CALL_FUNCTION_EX; handlers sharing their code: 3.6's
 * SETUP_EXCEPT and SETUP_FINALLY), the address cannot tell the opcodes
 * apart; 3.12+'s DE_INSTRUMENT table (instrumented opcode -> plain one)
 * can for instrumented pairs.  What stays ambiguous is left unnamed: a
 * wrong name is worse than none. */
static void read_opcodes(PgPyLayout *l, const ElfImage *elf, const ElfImage *debug,
                         OpcodeReport *r)
{
   Elf64_Addr targets[N_OPCODES], unknown = 0;
   unsigned char de_instrument[N_OPCODES];
   unsigned short candidates[N_OPCODES][MAX_SHARED];
   unsigned char n_candidates[N_OPCODES], is_base[N_OPCODES], used[PG_MAX_LABELS];
   const char *why;
   unsigned i, j, k;
   int have_de_instrument, changed;

   /* 3.15 names it opcode_targets_table (a static of the eval function,
    * "opcode_targets_table.2"), beside a second table used while the JIT
    * records a trace. */
   if (!read_object(elf, debug, "opcode_targets", sizeof targets, 1, targets, &why)
       && !read_object(elf, debug, "opcode_targets_table", sizeof targets, 1, targets, &why)) {
      r->missing = why;
      return;
   }
   for (j = 0; j < l->n_labels; j++) {
      if (strcmp(l->labels[j].name, "_unknown_opcode") == 0)
         unknown = l->labels[j].addr;
   }
   memset(n_candidates, 0, sizeof n_candidates);
   memset(used, 0, sizeof used);
   for (i = 0; i < N_OPCODES; i++) {
      if (targets[i] == 0 || targets[i] == unknown) {
         r->unused += targets[i] == unknown && unknown != 0;
         r->no_label += targets[i] == 0;
         continue;
      }
      for (j = 0; j < l->n_labels; j++) {
         if (l->labels[j].addr == targets[i]
             && strncmp(l->labels[j].name, "TARGET_", 7) == 0
             && strlen(l->labels[j].name + 7) < PG_OPCODE_NAME_MAX
             && n_candidates[i] < MAX_SHARED)
            candidates[i][n_candidates[i]++] = (unsigned short)j;
      }
      if (n_candidates[i] == 0)
         r->no_label++;
      else if (n_candidates[i] == 1)
         snprintf(l->opcode_names[i], sizeof l->opcode_names[i], "%s",
                  l->labels[candidates[i][0]].name + 7);
   }

   /* Shared addresses: an instrumented opcode (DE_INSTRUMENT[i] names
    * another) has an INSTRUMENTED_ name, the opcode it instruments not. */
   have_de_instrument = read_object(elf, debug, "DE_INSTRUMENT", sizeof de_instrument,
                                    0, de_instrument, &why);
   memset(is_base, 0, sizeof is_base);
   for (i = 0; have_de_instrument && i < N_OPCODES; i++) {
      if (de_instrument[i] != 0 && de_instrument[i] != i)
         is_base[de_instrument[i]] = 1;
   }
   for (i = 0; have_de_instrument && i < N_OPCODES; i++) {
      int instrumented = de_instrument[i] != 0 && de_instrument[i] != i;
      unsigned kept = 0;
      if (n_candidates[i] < 2 || (!instrumented && !is_base[i]))
         continue;
      for (k = 0; k < n_candidates[i]; k++) {
         int prefixed = strncmp(l->labels[candidates[i][k]].name + 7,
                                "INSTRUMENTED_", 13) == 0;
         if (prefixed == instrumented)
            candidates[i][kept++] = candidates[i][k];
      }
      if (kept > 0 && kept < n_candidates[i]) {
         n_candidates[i] = (unsigned char)kept;
         r->de_instrument_used = 1;
      }
   }
   /* Then by elimination: a name one opcode of the group took is not
    * another's. */
   do {
      changed = 0;
      for (i = 0; i < N_OPCODES; i++) {
         unsigned kept = 0;
         if (n_candidates[i] == 0 || l->opcode_names[i][0] != '\0')
            continue;
         for (k = 0; k < n_candidates[i]; k++) {
            if (!used[candidates[i][k]])
               candidates[i][kept++] = candidates[i][k];
         }
         if (kept == 1) {
            snprintf(l->opcode_names[i], sizeof l->opcode_names[i], "%s",
                     l->labels[candidates[i][0]].name + 7);
            used[candidates[i][0]] = 1;
            changed = 1;
         }
         if (kept > 0)
            n_candidates[i] = (unsigned char)kept;
      }
   } while (changed);

   for (i = 0; i < N_OPCODES; i++) {
      if (l->opcode_names[i][0] != '\0') {
         r->named++;
      } else if (n_candidates[i] > 0) {
         size_t used_len = strlen(r->shared_list);
         char *p = r->shared_list + used_len;
         size_t room = sizeof r->shared_list - used_len;
         int n = snprintf(p, room, "%s%u (", used_len ? "; " : "", i);
         for (k = 0; k < n_candidates[i] && n > 0 && (size_t)n < room; k++)
            n += snprintf(p + n, room - (size_t)n, "%s%s", k ? " or " : "",
                          l->labels[candidates[i][k]].name + 7);
         if (n > 0 && (size_t)n < room)
            snprintf(p + n, room - (size_t)n, ")");
         r->shared++;
      }
   }
}

/*------------------------------------------------------------*/
/*--- Base instructions of specialised ones                ---*/
/*------------------------------------------------------------*/

/* Marks each specialised instruction's TARGET_ label with the name of its
 * base instruction, from _PyOpcode_Deopt (3.11+). */
static void read_opcode_bases(PgPyLayout *l, const ElfImage *elf, const ElfImage *debug,
                              OpcodeReport *r)
{
   unsigned char deopt[N_OPCODES];
   const char *why;
   unsigned i;

   if (r->named == 0) {
      r->bases_missing = "no opcode names";
      return;
   }
   if (!read_object(elf, debug, "_PyOpcode_Deopt", sizeof deopt, 0, deopt, &why)) {
      r->bases_missing = why;
      return;
   }
   for (i = 0; i < N_OPCODES; i++) {
      PgLabel *label;
      /* 0 is an entry the table does not fill in (opcode 0, CACHE, is
       * nobody's base). */
      if (deopt[i] == i || deopt[i] == 0 || l->opcode_names[i][0] == '\0')
         continue;
      label = opcode_label(l, l->opcode_names[i]);
      if (label == NULL || l->opcode_names[deopt[i]][0] == '\0') {
         r->bases_unnamed++;
         continue;
      }
      snprintf(label->base, sizeof label->base, "%s", l->opcode_names[deopt[i]]);
      r->bases_found++;
   }
}

/*------------------------------------------------------------*/
/*--- Entry point                                          ---*/
/*------------------------------------------------------------*/

void opcodes_read(PgPyLayout *layout, const ElfImage *elf, const ElfImage *debug,
                  OpcodeReport *report)
{
   memset(report, 0, sizeof *report);
   read_opcodes(layout, elf, debug, report);
   read_opcode_bases(layout, elf, debug, report);
}

/* Searched from the top: two slots whose entries point at one handler
 * label both get its name, and the higher one is the answer. */
int opcodes_number(const PgPyLayout *layout, const char *name)
{
   int i;

   for (i = N_OPCODES - 1; i >= 0; i--) {
      if (strcmp(layout->opcode_names[i], name) == 0)
         return i;
   }
   return -1;
}
