/* opcodes.h: a CPython's opcode numbers and, for 3.11+, the base
 * instruction of each specialised one, read from ELF data rather than
 * DWARF: the eval loop's `opcode_targets` table (a local static,
 * `opcode_targets.N` in .symtab) holds for each opcode number the address
 * of its handler label TARGET_<NAME> (or of `_unknown_opcode`), and
 * `_PyOpcode_Deopt[256]` maps a specialised instruction to its base.
 * Matching the table's addresses to the labels the DWARF gave names the
 * opcodes, whatever the release numbered them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef INSPECT_OPCODES_H
#define INSPECT_OPCODES_H

#include "elf.h"
#include "pg_pylayout.h"

/* What opcodes_read found, for the human summary and --verbose. */
typedef struct {
   const char *missing;         /* why there are no opcode names, or NULL */
   unsigned    named, unused, no_label;
   unsigned    shared;          /* left unnamed: their handler is shared */
   char        shared_list[768];/* "3 (A or B); ..." */
   int         de_instrument_used; /* DE_INSTRUMENT told shared ones apart */
   const char *bases_missing;   /* why there are no base names, or NULL */
   unsigned    bases_found, bases_unnamed;
} OpcodeReport;

/* Fills LAYOUT's opcode names (from its TARGET_ labels' addresses) and
 * its labels' base names.  The symbols are looked up in ELF, else in
 * DEBUG (may be NULL: a stripped executable's detached debug file of the
 * same build); the bytes are read from ELF, else DEBUG. */
void opcodes_read(PgPyLayout *layout, const ElfImage *elf, const ElfImage *debug,
                  OpcodeReport *report);

/* The number of opcode NAME (the highest, should several share it), or
 * -1. */
int opcodes_number(const PgPyLayout *layout, const char *name);

#endif /* INSPECT_OPCODES_H */
