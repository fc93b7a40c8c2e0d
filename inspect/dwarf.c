/* dwarf.c: the inspector's questions to libdwarf (see dwarf.h).  Every
 * libdwarf error is dropped where it happens: a failed lookup only means
 * a field is not found, and the layout's completeness check says what is
 * missing.  The scan reads ceval.c's unit first and stops once every
 * target has an answer, because a large libpython has hundreds of units
 * and reading them all takes seconds.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "dwarf.h"
#include "message.h"

/* Indexed by DwarfTarget.  Types are looked up by their typedef, the name
 * every CPython release has kept (the struct tags changed: _ts, _frame,
 * _object...). */
static const struct {
   const char *name;
   Dwarf_Half  tag;         /* DW_TAG_subprogram or DW_TAG_typedef */
} target_specs[DWARF_N_TARGETS] = {
   { "_PyEval_EvalFrameDefault", DW_TAG_subprogram },
   { "PyEval_EvalFrameEx",       DW_TAG_subprogram },
   { "PyThreadState",            DW_TAG_typedef },
   { "PyCodeObject",             DW_TAG_typedef },
   { "PyBytesObject",            DW_TAG_typedef },
   { "PyStringObject",           DW_TAG_typedef },
   { "PyASCIIObject",            DW_TAG_typedef },
   { "PyCompactUnicodeObject",   DW_TAG_typedef },
};

const char *dwarf_info_target_name(DwarfTarget target)
{
   return target_specs[target].name;
}

/*------------------------------------------------------------*/
/*--- One DIE: attributes and references                   ---*/
/*------------------------------------------------------------*/

/* libdwarf allocates an error for every failure; ours are expected (an
 * attribute a DIE does not have), so each is freed where it happens. */
static void drop_error(DwarfInfo *dw)
{
   if (dw->err != NULL) {
      dwarf_dealloc_error(dw->dbg, dw->err);
      dw->err = NULL;
   }
}

static Dwarf_Die die_at(DwarfInfo *dw, Dwarf_Off offset)
{
   Dwarf_Die die = NULL;

   if (dwarf_offdie_b(dw->dbg, offset, 1, &die, &dw->err) != DW_DLV_OK) {
      drop_error(dw);
      return NULL;
   }
   return die;
}

static Dwarf_Half die_tag(DwarfInfo *dw, Dwarf_Die die)
{
   Dwarf_Half tag = 0;

   if (dwarf_tag(die, &tag, &dw->err) != DW_DLV_OK)
      drop_error(dw);
   return tag;
}

/* The DIE's own DW_AT_name, or NULL.  libdwarf owns the string. */
static const char *die_name(DwarfInfo *dw, Dwarf_Die die)
{
   char *name = NULL;
   int res = dwarf_diename(die, &name, &dw->err);

   if (res == DW_DLV_ERROR)
      drop_error(dw);
   return res == DW_DLV_OK ? name : NULL;
}

static Dwarf_Off die_offset(DwarfInfo *dw, Dwarf_Die die)
{
   Dwarf_Off offset = 0;

   if (dwarf_dieoffset(die, &offset, &dw->err) != DW_DLV_OK)
      drop_error(dw);
   return offset;
}

static int die_has(DwarfInfo *dw, Dwarf_Die die, Dwarf_Half attr_num)
{
   Dwarf_Bool has = 0;

   if (dwarf_hasattr(die, attr_num, &has, &dw->err) != DW_DLV_OK) {
      drop_error(dw);
      return 0;
   }
   return has != 0;
}

static Dwarf_Attribute die_attr(DwarfInfo *dw, Dwarf_Die die, Dwarf_Half attr_num)
{
   Dwarf_Attribute attr = NULL;
   int res = dwarf_attr(die, attr_num, &attr, &dw->err);

   if (res == DW_DLV_ERROR)
      drop_error(dw);
   return res == DW_DLV_OK ? attr : NULL;
}

/* A constant attribute (offsets, sizes, enumerator values).  Fixed-size
 * forms are read as unsigned: DW_FORM_data1 holding 128 is an offset of
 * 128, not -128; only the signed forms are read as signed.  False if
 * absent or not a constant. */
static int die_constant(DwarfInfo *dw, Dwarf_Die die, Dwarf_Half attr_num,
                        Dwarf_Signed *value)
{
   Dwarf_Attribute attr = die_attr(dw, die, attr_num);
   Dwarf_Half form = 0;
   Dwarf_Unsigned u;
   Dwarf_Signed s;
   int ok = 0;

   if (attr == NULL)
      return 0;
   if (dwarf_whatform(attr, &form, &dw->err) != DW_DLV_OK) {
      drop_error(dw);
   } else if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
      if (dwarf_formsdata(attr, &s, &dw->err) == DW_DLV_OK) {
         *value = s;
         ok = 1;
      }
   } else if (dwarf_formudata(attr, &u, &dw->err) == DW_DLV_OK) {
      *value = (Dwarf_Signed)u;
      ok = 1;
   }
   drop_error(dw);
   dwarf_dealloc_attribute(attr);
   return ok;
}

/* The global offset a reference attribute (DW_AT_type...) points to. */
static int die_ref(DwarfInfo *dw, Dwarf_Die die, Dwarf_Half attr_num,
                   Dwarf_Off *target)
{
   Dwarf_Attribute attr = die_attr(dw, die, attr_num);
   int ok;

   if (attr == NULL)
      return 0;
   ok = dwarf_global_formref(attr, target, &dw->err) == DW_DLV_OK;
   if (!ok)
      drop_error(dw);
   dwarf_dealloc_attribute(attr);
   return ok;
}

/*------------------------------------------------------------*/
/*--- Structures and their members                         ---*/
/*------------------------------------------------------------*/

/* DW_AT_data_member_location of a member: a constant (DWARF 3+) or, in
 * older producers, a DW_OP_plus_uconst expression. */
static int member_location(DwarfInfo *dw, Dwarf_Die member, Dwarf_Signed *offset)
{
   Dwarf_Attribute attr;
   Dwarf_Block *block = NULL;
   int ok = 0;

   if (die_constant(dw, member, DW_AT_data_member_location, offset))
      return 1;
   attr = die_attr(dw, member, DW_AT_data_member_location);
   if (attr == NULL)
      return 0;
   if (dwarf_formblock(attr, &block, &dw->err) == DW_DLV_OK) {
      const unsigned char *p = block->bl_data;
      if (block->bl_len >= 2 && p[0] == DW_OP_plus_uconst) {
         Dwarf_Unsigned value = 0;
         unsigned shift = 0;
         Dwarf_Unsigned i;
         for (i = 1; i < block->bl_len && shift < 63; i++, shift += 7) {
            value |= (Dwarf_Unsigned)(p[i] & 0x7f) << shift;
            if (!(p[i] & 0x80)) {
               *offset = (Dwarf_Signed)value;
               ok = 1;
               break;
            }
         }
      }
      dwarf_dealloc(dw->dbg, block, DW_DLA_BLOCK);
   } else {
      drop_error(dw);
   }
   dwarf_dealloc_attribute(attr);
   return ok;
}

/* Follows the DW_AT_type of DIE through typedefs and qualifiers, and
 * through at most MAX_POINTERS pointer types, to a structure or union.
 * NAMES collects the typedef and tag names met (space separated, for
 * matching), may be NULL.  Returns the struct's offset, or 0. */
static Dwarf_Off resolve_struct(DwarfInfo *dw, Dwarf_Die die, int max_pointers,
                                char *names, size_t names_len)
{
   Dwarf_Off type_off;
   Dwarf_Off result = 0;
   int steps;

   if (names != NULL && names_len > 0)
      names[0] = '\0';
   if (!die_ref(dw, die, DW_AT_type, &type_off))
      return 0;
   for (steps = 0; steps < 16; steps++) {
      Dwarf_Die type = die_at(dw, type_off);
      Dwarf_Half tag;
      const char *name;
      int follow = 0;

      if (type == NULL)
         return 0;
      tag = die_tag(dw, type);
      name = die_name(dw, type);
      if (name != NULL && names != NULL
          && strlen(names) + strlen(name) + 2 < names_len) {
         strcat(names, " ");
         strcat(names, name);
      }
      switch (tag) {
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
         result = type_off;
         break;
      case DW_TAG_pointer_type:
         if (max_pointers-- > 0)
            follow = 1;
         break;
      case DW_TAG_typedef:
      case DW_TAG_const_type:
      case DW_TAG_volatile_type:
      case DW_TAG_restrict_type:
      case DW_TAG_atomic_type:
         follow = 1;
         break;
      default:
         break;
      }
      if (follow && !die_ref(dw, type, DW_AT_type, &type_off))
         follow = 0;
      dwarf_dealloc_die(type);
      if (!follow)
         break;
   }
   if (names != NULL && names_len > 0)
      strcat(names, " ");
   return result;
}

/* A member that cannot be read leaves NAMES empty, so that no name test
 * on them passes. */
Dwarf_Off die_member_struct(DwarfInfo *dw, Dwarf_Off member_off, int max_pointers,
                            char *names, size_t names_len)
{
   Dwarf_Die member = die_at(dw, member_off);
   Dwarf_Off result;

   if (member == NULL) {
      if (names != NULL && names_len > 0)
         names[0] = '\0';
      return 0;
   }
   result = resolve_struct(dw, member, max_pointers, names, names_len);
   dwarf_dealloc_die(member);
   return result;
}

/* True if " WORD " occurs in a names list built by resolve_struct. */
int die_names_include(const char *names, const char *word)
{
   char padded[64];

   snprintf(padded, sizeof padded, " %s ", word);
   return strstr(names, padded) != NULL;
}

int die_struct_is_complete(DwarfInfo *dw, Dwarf_Off struct_off)
{
   Dwarf_Die die = die_at(dw, struct_off);
   int complete;

   if (die == NULL)
      return 0;
   complete = !die_has(dw, die, DW_AT_declaration);
   dwarf_dealloc_die(die);
   return complete;
}

Dwarf_Signed die_struct_size(DwarfInfo *dw, Dwarf_Off struct_off)
{
   Dwarf_Die die = die_at(dw, struct_off);
   Dwarf_Signed size = -1;

   if (die == NULL)
      return -1;
   if (!die_constant(dw, die, DW_AT_byte_size, &size))
      size = -1;
   dwarf_dealloc_die(die);
   return size;
}

/* Finds member NAME of the struct at STRUCT_OFF.  With BASES, also looks
 * inside embedded base objects: members named ob_base or _base (CPython's
 * convention for PyObject_HEAD / PyObject_VAR_HEAD and subclassing) and
 * anonymous members, adding their offsets. */
int die_find_member(DwarfInfo *dw, Dwarf_Off struct_off, const char *name,
                    int bases, DieMember *hit)
{
   Dwarf_Die parent, child, next;
   Dwarf_Off embedded[8];
   Dwarf_Signed embedded_at[8];
   char embedded_name[8][24];
   unsigned n_embedded = 0, i;
   int found = 0;

   parent = die_at(dw, struct_off);
   if (parent == NULL)
      return 0;
   if (dwarf_child(parent, &child, &dw->err) != DW_DLV_OK) {
      drop_error(dw);
      dwarf_dealloc_die(parent);
      return 0;
   }
   dwarf_dealloc_die(parent);
   while (child != NULL) {
      if (die_tag(dw, child) == DW_TAG_member) {
         const char *member_name = die_name(dw, child);
         Dwarf_Signed location = 0, bit_location;

         if (!member_location(dw, child, &location)
             && die_constant(dw, child, DW_AT_data_bit_offset, &bit_location))
            location = bit_location / 8;
         if (member_name != NULL && strcmp(member_name, name) == 0) {
            hit->offset = location;
            hit->member = die_offset(dw, child);
            snprintf(hit->path, sizeof hit->path, "%s", name);
            found = 1;
         } else if (bases && n_embedded < 8
                    && (member_name == NULL || strcmp(member_name, "ob_base") == 0
                        || strcmp(member_name, "_base") == 0)) {
            Dwarf_Off inner = resolve_struct(dw, child, 0, NULL, 0);
            if (inner != 0) {
               embedded[n_embedded] = inner;
               embedded_at[n_embedded] = location;
               snprintf(embedded_name[n_embedded], sizeof embedded_name[0],
                        "%s", member_name != NULL ? member_name : "");
               n_embedded++;
            }
         }
      }
      if (found) {
         dwarf_dealloc_die(child);
         return 1;
      }
      if (dwarf_siblingof_b(dw->dbg, child, 1, &next, &dw->err) != DW_DLV_OK) {
         drop_error(dw);
         next = NULL;
      }
      dwarf_dealloc_die(child);
      child = next;
   }
   for (i = 0; i < n_embedded; i++) {
      if (die_find_member(dw, embedded[i], name, bases, hit)) {
         char inner_path[80];
         snprintf(inner_path, sizeof inner_path, "%s", hit->path);
         if (embedded_name[i][0] != '\0')
            snprintf(hit->path, sizeof hit->path, "%.23s.%.54s",
                     embedded_name[i], inner_path);
         hit->offset += embedded_at[i];
         return 1;
      }
   }
   return 0;
}

/* The bit position of bit-field NAME of the struct at STRUCT_OFF, counted
 * from the least significant bit of the struct's first byte (amd64 is
 * little-endian, so this is its shift within a 32-bit load). */
int die_bitfield_shift(DwarfInfo *dw, Dwarf_Off struct_off, const char *name,
                       int *shift)
{
   DieMember hit;
   Dwarf_Die member;
   Dwarf_Signed data_bit_offset, bit_offset, bit_size, byte_size, location;
   int ok = 0;

   if (!die_find_member(dw, struct_off, name, 0, &hit))
      return 0;
   member = die_at(dw, hit.member);
   if (member == NULL)
      return 0;
   if (die_constant(dw, member, DW_AT_data_bit_offset, &data_bit_offset)) {
      *shift = (int)data_bit_offset;   /* DWARF 4+: from the struct start */
      ok = 1;
   } else if (die_constant(dw, member, DW_AT_bit_offset, &bit_offset)
              && die_constant(dw, member, DW_AT_bit_size, &bit_size)
              && die_constant(dw, member, DW_AT_byte_size, &byte_size)) {
      /* DWARF 2/3: counted from the most significant bit of a storage
       * unit of BYTE_SIZE bytes at the member's location. */
      if (!member_location(dw, member, &location))
         location = 0;
      *shift = (int)(location * 8 + byte_size * 8 - bit_offset - bit_size);
      ok = 1;
   }
   dwarf_dealloc_die(member);
   return ok;
}

/*------------------------------------------------------------*/
/*--- A function's parameters and labels                   ---*/
/*------------------------------------------------------------*/

/* Labels are function-scoped in C, but GCC may attach them to a lexical
 * block, so blocks are visited too (a stack of their first children).
 * Inlined subroutines are not: their labels are the inlined function's. */
void die_function_children(DwarfInfo *dw, Dwarf_Off function,
                           const DieFunctionVisitor *visitor, void *ctx)
{
   Dwarf_Die fn, child, next;
   Dwarf_Die pending[16];        /* lexical blocks still to visit */
   unsigned n_pending = 0;
   int param_index = 0;

   fn = die_at(dw, function);
   if (fn == NULL)
      return;
   if (dwarf_child(fn, &child, &dw->err) != DW_DLV_OK) {
      drop_error(dw);
      child = NULL;
   }
   dwarf_dealloc_die(fn);

   for (;;) {
      if (child == NULL) {
         if (n_pending == 0)
            break;
         child = pending[--n_pending];
         continue;
      }
      switch (die_tag(dw, child)) {
      case DW_TAG_formal_parameter: {
         char names[256];
         Dwarf_Off pointee, origin_off;
         Dwarf_Die typed = child, origin = NULL;
         /* In an LTO build's concrete DIE the type is on the origin. */
         if (!die_has(dw, child, DW_AT_type)
             && die_ref(dw, child, DW_AT_abstract_origin, &origin_off)
             && (origin = die_at(dw, origin_off)) != NULL)
            typed = origin;
         pointee = resolve_struct(dw, typed, 1, names, sizeof names);
         if (origin != NULL)
            dwarf_dealloc_die(origin);
         visitor->parameter(ctx, param_index, names, pointee);
         param_index++;
         break;
      }
      case DW_TAG_lexical_block: {
         Dwarf_Die inner;
         int res = dwarf_child(child, &inner, &dw->err);
         if (res == DW_DLV_OK && n_pending < 16)
            pending[n_pending++] = inner;
         else if (res == DW_DLV_OK)
            dwarf_dealloc_die(inner);   /* nested too deep: not visited */
         else
            drop_error(dw);
         break;
      }
      case DW_TAG_label: {
         const char *name = die_name(dw, child);
         Dwarf_Addr low_pc = 0;
         Dwarf_Off origin;
         Dwarf_Die origin_die = NULL;

         if (name == NULL && die_ref(dw, child, DW_AT_abstract_origin, &origin)
             && (origin_die = die_at(dw, origin)) != NULL)
            name = die_name(dw, origin_die);
         if (name != NULL) {
            int has_address = dwarf_lowpc(child, &low_pc, &dw->err) == DW_DLV_OK;
            if (!has_address)
               drop_error(dw);
            visitor->label(ctx, name, has_address, low_pc);
         }
         if (origin_die != NULL)
            dwarf_dealloc_die(origin_die);
         break;
      }
      default:
         break;
      }
      if (dwarf_siblingof_b(dw->dbg, child, 1, &next, &dw->err) != DW_DLV_OK) {
         drop_error(dw);
         next = NULL;
      }
      dwarf_dealloc_die(child);
      child = next;
   }
}

/*------------------------------------------------------------*/
/*--- Scanning compilation units for the targets           ---*/
/*------------------------------------------------------------*/

static int has_code(DwarfInfo *dw, Dwarf_Die die)
{
   /* low_pc, or ranges when GCC split the function into hot and cold
    * parts. */
   return die_has(dw, die, DW_AT_low_pc) || die_has(dw, die, DW_AT_ranges);
}

/* With link-time optimisation (Debian builds python3.x with -flto) the
 * code of a function is described by a nameless DIE in an "<artificial>"
 * unit whose DW_AT_abstract_origin points to the named DIE in the unit of
 * its source file.  Records such a DIE if its origin is an eval function. */
static void consider_concrete_subprogram(DwarfInfo *dw, Dwarf_Die die)
{
   Dwarf_Off origin_off;
   Dwarf_Die origin;
   const char *name;
   unsigned t;

   if (dw->found[DWARF_TARGET_EVAL_DEFAULT] && dw->found[DWARF_TARGET_EVAL_EX])
      return;
   if (!die_has(dw, die, DW_AT_abstract_origin) || !has_code(dw, die)
       || !die_ref(dw, die, DW_AT_abstract_origin, &origin_off))
      return;
   origin = die_at(dw, origin_off);
   if (origin == NULL)
      return;
   name = die_name(dw, origin);
   for (t = DWARF_TARGET_EVAL_DEFAULT; name != NULL && t <= DWARF_TARGET_EVAL_EX; t++) {
      if (!dw->found[t] && strcmp(name, target_specs[t].name) == 0) {
         dw->target_die[t] = die_offset(dw, die);
         dw->found[t] = 1;
      }
   }
   dwarf_dealloc_die(origin);
}

/* The byte size of the type DIE names (through typedefs and qualifiers),
 * or 0. */
static Dwarf_Signed type_size(DwarfInfo *dw, Dwarf_Die die)
{
   Dwarf_Off type_off;
   Dwarf_Signed size = 0;
   int steps;

   if (!die_ref(dw, die, DW_AT_type, &type_off))
      return 0;
   for (steps = 0; steps < 16 && size == 0; steps++) {
      Dwarf_Die type = die_at(dw, type_off);
      int follow;
      if (type == NULL)
         return 0;
      if (!die_constant(dw, type, DW_AT_byte_size, &size))
         size = 0;
      follow = size == 0 && die_ref(dw, type, DW_AT_type, &type_off);
      dwarf_dealloc_die(type);
      if (!follow)
         break;
   }
   return size;
}

/* Records a top-level DIE if it is one of the targets (and, for types,
 * names a complete struct), or the frame-owner enumeration: the lowest of
 * its non-Python owners, FRAME_OWNED_BY_CSTACK and
 * FRAME_OWNED_BY_INTERPRETER, whichever the version has. */
static void consider_top_level_die(DwarfInfo *dw, Dwarf_Die die)
{
   Dwarf_Half tag = die_tag(dw, die);
   const char *name;
   unsigned t;

   if (tag == DW_TAG_enumeration_type) {
      Dwarf_Die child, next;
      if (dw->cstack_found)
         return;
      if (dwarf_child(die, &child, &dw->err) != DW_DLV_OK) {
         drop_error(dw);
         return;
      }
      while (child != NULL) {
         const char *enumerator = die_name(dw, child);
         Dwarf_Signed value;
         if (enumerator != NULL
             && (strcmp(enumerator, "FRAME_OWNED_BY_CSTACK") == 0
                 || strcmp(enumerator, "FRAME_OWNED_BY_INTERPRETER") == 0)
             && die_constant(dw, child, DW_AT_const_value, &value)
             && (!dw->cstack_found || value < dw->cstack_value)) {
            dw->cstack_value = value;
            dw->cstack_found = 1;
         }
         if (dwarf_siblingof_b(dw->dbg, child, 1, &next, &dw->err) != DW_DLV_OK) {
            drop_error(dw);
            next = NULL;
         }
         dwarf_dealloc_die(child);
         child = next;
      }
      return;
   }
   if (tag != DW_TAG_subprogram && tag != DW_TAG_typedef)
      return;
   name = die_name(dw, die);
   if (name == NULL && tag == DW_TAG_subprogram) {
      consider_concrete_subprogram(dw, die);
      return;
   }
   if (name == NULL)
      return;
   if (tag == DW_TAG_typedef && dw->codeunit_size == 0
       && strcmp(name, "_Py_CODEUNIT") == 0) {
      dw->codeunit_size = type_size(dw, die);
      return;
   }
   for (t = 0; t < DWARF_N_TARGETS; t++) {
      if (dw->found[t] || target_specs[t].tag != tag
          || strcmp(target_specs[t].name, name) != 0)
         continue;
      if (tag == DW_TAG_subprogram) {
         /* Only a definition with code will do (not a declaration, nor
          * the abstract DIE of an LTO build). */
         if (die_has(dw, die, DW_AT_declaration) || !has_code(dw, die))
            return;
         dw->target_die[t] = die_offset(dw, die);
         dw->found[t] = 1;
      } else {
         Dwarf_Off struct_off = resolve_struct(dw, die, 0, NULL, 0);
         if (struct_off != 0 && die_struct_is_complete(dw, struct_off)) {
            dw->target_die[t] = struct_off;
            dw->found[t] = 1;
         }
      }
      return;
   }
}

static void scan_unit(DwarfInfo *dw, Dwarf_Off unit_off)
{
   Dwarf_Die unit = die_at(dw, unit_off);
   Dwarf_Die die, next;

   if (unit == NULL)
      return;
   dw->units_scanned++;
   if (dwarf_child(unit, &die, &dw->err) != DW_DLV_OK) {
      drop_error(dw);
      die = NULL;
   }
   dwarf_dealloc_die(unit);
   while (die != NULL) {
      consider_top_level_die(dw, die);
      if (dwarf_siblingof_b(dw->dbg, die, 1, &next, &dw->err) != DW_DLV_OK) {
         drop_error(dw);
         next = NULL;
      }
      dwarf_dealloc_die(die);
      die = next;
   }
}

/* True once every name lookup the layout can use has an answer: the eval
 * function, the thread state and code object types, and the string types
 * of either Python 2 or Python 3. */
static int targets_complete(const DwarfInfo *dw)
{
   int have_eval = dw->found[DWARF_TARGET_EVAL_DEFAULT]
      || dw->found[DWARF_TARGET_EVAL_EX];
   int have_strings = dw->found[DWARF_TARGET_STRING]
      || (dw->found[DWARF_TARGET_ASCII] && dw->found[DWARF_TARGET_COMPACT_UNICODE]
          && dw->found[DWARF_TARGET_BYTES]);
   return have_eval && dw->found[DWARF_TARGET_THREAD_STATE]
      && dw->found[DWARF_TARGET_CODE] && have_strings;
}

static int ends_with(const char *s, const char *suffix)
{
   size_t n = strlen(s), m = strlen(suffix);
   return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Lists the units, then scans ceval.c's unit first (it defines the eval
 * function and uses nearly every type needed) and the others only while
 * something is still missing.  Returns False on a DWARF error. */
static int scan_units(DwarfInfo *dw)
{
   Dwarf_Off *units = NULL;
   size_t n_units = 0, capacity = 0, i;
   long priority = -1;

   for (;;) {
      Dwarf_Unsigned header_length, type_offset, next_header;
      Dwarf_Half version, address_size, length_size, extension_size, unit_type;
      Dwarf_Off abbrev_offset;
      Dwarf_Sig8 signature;
      Dwarf_Die unit_die = NULL;
      const char *name;
      int res;

      res = dwarf_next_cu_header_d(dw->dbg, 1, &header_length, &version,
                                   &abbrev_offset, &address_size, &length_size,
                                   &extension_size, &signature, &type_offset,
                                   &next_header, &unit_type, &dw->err);
      if (res == DW_DLV_NO_ENTRY)
         break;
      if (res == DW_DLV_ERROR) {
         drop_error(dw);
         break;
      }
      if (dwarf_siblingof_b(dw->dbg, NULL, 1, &unit_die, &dw->err) != DW_DLV_OK) {
         drop_error(dw);
         continue;
      }
      if (n_units == capacity) {
         Dwarf_Off *bigger;
         capacity = capacity ? capacity * 2 : 256;
         bigger = realloc(units, capacity * sizeof *units);
         if (bigger == NULL) {
            message("out of memory");
            exit(1);
         }
         units = bigger;
      }
      units[n_units] = die_offset(dw, unit_die);
      name = die_name(dw, unit_die);
      if (priority < 0 && name != NULL && ends_with(name, "ceval.c"))
         priority = (long)n_units;
      n_units++;
      dwarf_dealloc_die(unit_die);
   }
   dw->units_total = (unsigned)n_units;

   if (priority >= 0)
      scan_unit(dw, units[priority]);
   for (i = 0; i < n_units && !targets_complete(dw); i++) {
      if ((long)i != priority)
         scan_unit(dw, units[i]);
   }
   free(units);
   return n_units > 0;
}

/*------------------------------------------------------------*/
/*--- Opening and closing                                  ---*/
/*------------------------------------------------------------*/

DwarfInfoResult dwarf_info_open(DwarfInfo *dw, int fd, char *why, size_t why_len)
{
   int res;

   memset(dw, 0, sizeof *dw);
   /* libdwarf 0.x dropped the access mode (reading is all it does). */
#ifdef PG_LIBDWARF_API_0
   res = dwarf_init_b(fd, DW_GROUPNUMBER_ANY, NULL, NULL, &dw->dbg, &dw->err);
#else
   res = dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL,
                      &dw->dbg, &dw->err);
#endif
   if (res == DW_DLV_ERROR) {
      snprintf(why, why_len, "%s", dwarf_errmsg(dw->err));
      dwarf_dealloc_error(NULL, dw->err);
      dw->err = NULL;
      dw->dbg = NULL;
      return DWARF_INFO_ERROR;
   }
   if (res != DW_DLV_OK) {
      dw->dbg = NULL;
      return DWARF_INFO_NONE;
   }
   /* A stripped file may keep .eh_frame, which libdwarf accepts. */
   if (!scan_units(dw))
      return DWARF_INFO_NONE;
   if (!dw->found[DWARF_TARGET_EVAL_DEFAULT] && !dw->found[DWARF_TARGET_EVAL_EX])
      return DWARF_INFO_NOT_CPYTHON;
   return DWARF_INFO_OK;
}

void dwarf_info_close(DwarfInfo *dw)
{
   if (dw->dbg != NULL) {
#ifdef PG_LIBDWARF_API_0
      dwarf_finish(dw->dbg);
#else
      dwarf_finish(dw->dbg, &dw->err);
#endif
   }
   dw->dbg = NULL;
}
