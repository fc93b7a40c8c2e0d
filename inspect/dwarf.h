/* dwarf.h: what pyprofgrind-inspect asks of a CPython's DWARF, on top of
 * libdwarf.  Opening the DWARF scans the compilation units for the few
 * top-level names everything else hangs from (the eval function, the
 * thread state, code and string types, FRAME_OWNED_BY_CSTACK,
 * _Py_CODEUNIT); the queries then answer by structure offset: a struct's
 * size and completeness, a member's offset (also inside embedded base
 * objects), a bit-field's shift, the struct a member's type leads to, and
 * the parameters and labels of a function.  libdwarf's own functions are
 * dwarf_*(); ours are dwarf_info_*() (the whole file) and die_*() (one
 * entry), and nothing else needs a Dwarf_Die.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef INSPECT_DWARF_H
#define INSPECT_DWARF_H

#include <stddef.h>

/* Debian installs libdwarf's headers in <libdwarf/>; libdwarf's own
 * install puts them in a directory of their own (configure: -I). */
#ifdef PG_LIBDWARF_FLAT_HEADERS
#include <dwarf.h>
#include <libdwarf.h>
#else
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#endif

/* Top-level DIEs looked up by name: the eval functions and the object
 * types that are not reachable from the eval function's parameters. */
typedef enum {
   DWARF_TARGET_EVAL_DEFAULT,      /* 3.6+: _PyEval_EvalFrameDefault */
   DWARF_TARGET_EVAL_EX,           /* 2.7 (a thin wrapper in 3.x) */
   DWARF_TARGET_THREAD_STATE,      /* PyThreadState */
   DWARF_TARGET_CODE,              /* PyCodeObject */
   DWARF_TARGET_BYTES,             /* PyBytesObject */
   DWARF_TARGET_STRING,            /* Python 2 str: PyStringObject */
   DWARF_TARGET_ASCII,             /* PyASCIIObject */
   DWARF_TARGET_COMPACT_UNICODE,   /* PyCompactUnicodeObject */
   DWARF_N_TARGETS
} DwarfTarget;

typedef struct {
   Dwarf_Debug  dbg;
   Dwarf_Error  err;          /* dropped as soon as it is seen */

   /* What the scan found: for a function the DIE of its code, for a type
    * the complete struct its typedef names. */
   int          found[DWARF_N_TARGETS];
   Dwarf_Off    target_die[DWARF_N_TARGETS];
   /* The lowest owner value of a frame that is not a Python function's:
    * FRAME_OWNED_BY_CSTACK (3.12, 3.13: 3; 3.14: 4) or
    * FRAME_OWNED_BY_INTERPRETER (3.14: 3; 3.15 has no CSTACK). */
   int          cstack_found;
   Dwarf_Signed cstack_value;
   Dwarf_Signed codeunit_size;      /* sizeof(_Py_CODEUNIT), 0 if not found */
   unsigned     units_total, units_scanned;
} DwarfInfo;

typedef enum {
   DWARF_INFO_OK,
   DWARF_INFO_NONE,           /* no DWARF (or only .eh_frame) */
   DWARF_INFO_NOT_CPYTHON,    /* DWARF without either eval function */
   DWARF_INFO_ERROR           /* libdwarf refused it: why says why */
} DwarfInfoResult;

/* Reads the DWARF of the ELF file open on FD and scans it for the
 * targets.  Whatever the result, dwarf_info_close releases it. */
DwarfInfoResult dwarf_info_open(DwarfInfo *dw, int fd, char *why, size_t why_len);

void dwarf_info_close(DwarfInfo *dw);

/* The name a target is looked up by ("_PyEval_EvalFrameDefault"...). */
const char *dwarf_info_target_name(DwarfTarget target);

/* A member found by die_find_member. */
typedef struct {
   Dwarf_Signed offset;     /* bytes from the start of the outer struct */
   Dwarf_Off    member;     /* the member's DIE */
   char         path[80];   /* "ob_base.ob_size" */
} DieMember;

/* Finds member NAME of the struct at STRUCT_OFF.  With BASES, also inside
 * embedded base objects (members named ob_base or _base, and anonymous
 * ones), adding their offsets. */
int die_find_member(DwarfInfo *dw, Dwarf_Off struct_off, const char *name,
                    int bases, DieMember *hit);

/* The struct or union that the type of the member at MEMBER leads to
 * through typedefs, qualifiers and at most MAX_POINTERS pointers, or 0.
 * NAMES (may be NULL) receives the type names met on the way, as
 * " name name ... " for die_names_include. */
Dwarf_Off die_member_struct(DwarfInfo *dw, Dwarf_Off member, int max_pointers,
                            char *names, size_t names_len);

/* True if WORD is one of the names in NAMES. */
int die_names_include(const char *names, const char *word);

/* Is the struct at STRUCT_OFF a definition (not a declaration)? */
int die_struct_is_complete(DwarfInfo *dw, Dwarf_Off struct_off);

/* Its byte size, or -1. */
Dwarf_Signed die_struct_size(DwarfInfo *dw, Dwarf_Off struct_off);

/* The bit position of bit-field NAME of the struct at STRUCT_OFF, from
 * the least significant bit of the struct's first byte. */
int die_bitfield_shift(DwarfInfo *dw, Dwarf_Off struct_off, const char *name,
                       int *shift);

/* What die_function_children reports, in the order of the DWARF. */
typedef struct {
   /* Formal parameter INDEX (from 0), whose type's names are TYPE_NAMES
    * (through one pointer, see die_member_struct) leading to struct
    * POINTEE (0 if none). */
   void (*parameter)(void *ctx, int index, const char *type_names,
                     Dwarf_Off pointee);
   /* A named label, with its address if it has one. */
   void (*label)(void *ctx, const char *name, int has_address,
                 Dwarf_Addr address);
} DieFunctionVisitor;

/* Visits the parameters and labels of the function at FUNCTION (labels
 * also inside its lexical blocks, not inside inlined functions). */
void die_function_children(DwarfInfo *dw, Dwarf_Off function,
                           const DieFunctionVisitor *visitor, void *ctx);

#endif /* INSPECT_DWARF_H */
