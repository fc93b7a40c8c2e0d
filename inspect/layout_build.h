/* layout_build.h: building a PgPyLayout from a CPython's DWARF.  The eval
 * function's parameters say which arguments hold the frame and the thread
 * state, and so the frame model; the members of the thread state, frame,
 * code object and string types give the offsets; the member names and
 * neighbours give the line-table and string formats; the eval loop's
 * labels give the handler and control labels; the ELF data gives the
 * version, the build-id and (see opcodes.h) the opcodes.  Everything is
 * found by structure and member names, never by version number, so a new
 * CPython that keeps its member names works unchanged; the version is
 * only reported, and guessed from the structures when no number can be
 * read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef INSPECT_LAYOUT_BUILD_H
#define INSPECT_LAYOUT_BUILD_H

#include <stddef.h>

#include "dwarf.h"
#include "elf.h"
#include "opcodes.h"
#include "pg_pylayout.h"

/* LAYOUT_BUILD_INT_<field>: the index of each Int field of PgPyLayout,
 * from the layout's one field list, and their count. */
#define LAYOUT_BUILD_INDEX_OF_KIND_INT(f) LAYOUT_BUILD_INT_##f,
#define LAYOUT_BUILD_INDEX_OF_KIND_HEX32(f)
#define LAYOUT_BUILD_INDEX_OF_KIND_WORD(f)
#define LAYOUT_BUILD_INDEX_OF_KIND_ADDRESS(f)
#define LAYOUT_BUILD_INDEX_OF_KIND_FRAME_MODEL(f)
#define LAYOUT_BUILD_INDEX_OF_KIND_LINE_FORMAT(f)
#define LAYOUT_BUILD_INDEX_OF_KIND_STRING_FORMAT(f)
#define LAYOUT_BUILD_INDEX(kind, f, a, b, dflt, need, what) \
   LAYOUT_BUILD_INDEX_OF_KIND_##kind(f)
enum {
   PG_LAYOUT_FIELDS(LAYOUT_BUILD_INDEX)
   LAYOUT_BUILD_N_INT_FIELDS
};

typedef struct {
   const char *key;         /* the field's name in the text form */
   size_t      offset;      /* offsetof in PgPyLayout */
   const char *looked_for;  /* what the DWARF search looks for, for humans */
} LayoutBuildIntField;

extern const LayoutBuildIntField layout_build_int_fields[LAYOUT_BUILD_N_INT_FIELDS];

/* The value of Int field I of LAYOUT. */
Int layout_build_int_value(const PgPyLayout *layout, unsigned i);

typedef struct {
   PgPyLayout   layout;
   char         found_as[LAYOUT_BUILD_N_INT_FIELDS][80]; /* where each came from */

   /* The release the structures look like (-1 if none), and the change
    * that told. */
   int          family_major, family_minor;
   const char  *family_note;
   const char  *version_from;    /* how layout.version_hex was found */

   unsigned     labels_seen, labels_target, labels_no_address;
   unsigned     labels_dropped;  /* over PG_MAX_LABELS, or names too long */

   OpcodeReport opcodes;
} LayoutBuild;

/* Fills B (all of it) from the DWARF DW and, for the version, build-id
 * and opcodes, from the ELF data of ELF (the object DW describes; NULL:
 * the version from the structures only) and SYMBOLS (NULL, or its
 * detached debug file of the same build, for symbols ELF lacks). */
void layout_build_from_dwarf(LayoutBuild *b, DwarfInfo *dw, const ElfImage *elf,
                             const ElfImage *symbols);

#endif /* INSPECT_LAYOUT_BUILD_H */
