/* layout_build.c: the layout of a CPython from its DWARF (see
 * layout_build.h).  Each field found is stored with a note of where it
 * came from ("PyThreadState.cframe"), which the human summary prints next
 * to it, so that a wrong offset can be traced to the member that gave it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "layout_build.h"

/*------------------------------------------------------------*/
/*--- The Int fields and where each was found              ---*/
/*------------------------------------------------------------*/

#define INT_FIELD_OF_KIND_INT(f, what) { #f, offsetof(PgPyLayout, f), what },
#define INT_FIELD_OF_KIND_HEX32(f, what)
#define INT_FIELD_OF_KIND_WORD(f, what)
#define INT_FIELD_OF_KIND_ADDRESS(f, what)
#define INT_FIELD_OF_KIND_FRAME_MODEL(f, what)
#define INT_FIELD_OF_KIND_LINE_FORMAT(f, what)
#define INT_FIELD_OF_KIND_STRING_FORMAT(f, what)
#define INT_FIELD(kind, f, a, b, dflt, need, what) INT_FIELD_OF_KIND_##kind(f, what)

const LayoutBuildIntField layout_build_int_fields[LAYOUT_BUILD_N_INT_FIELDS] = {
   PG_LAYOUT_FIELDS(INT_FIELD)
};

Int layout_build_int_value(const PgPyLayout *layout, unsigned i)
{
   return *(const Int *)((const char *)layout + layout_build_int_fields[i].offset);
}

/* The work in progress: what the build keeps between its steps besides
 * its result. */
typedef struct {
   LayoutBuild *out;
   DwarfInfo   *dw;

   /* Structures reached from the eval function's parameters. */
   Dwarf_Off    frame_struct, tstate_struct;
   char         frame_struct_name[48];

   /* Members whose presence tells the release apart (and, for
    * co_exceptiontable, the line-table format). */
   int          has_f_exc_type, has_co_extra, has_co_posonlyargcount;
   int          has_co_exceptiontable;
} Builder;

#define SET_FIELD(b, f, value, ...) \
   set_field((b), LAYOUT_BUILD_INT_##f, (value), __VA_ARGS__)

static void set_field(Builder *b, unsigned field, Dwarf_Signed value,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Stores VALUE in a layout field and remembers where it came from (for
 * the human-readable summary). */
static void set_field(Builder *b, unsigned field, Dwarf_Signed value,
                      const char *fmt, ...)
{
   va_list args;

   *(Int *)((char *)&b->out->layout + layout_build_int_fields[field].offset) = (Int)value;
   va_start(args, fmt);
   vsnprintf(b->out->found_as[field], sizeof b->out->found_as[field], fmt, args);
   va_end(args);
}

/* Looks up member NAME of STRUCT_OFF into layout field FIELD. */
static int take_member(Builder *b, unsigned field, Dwarf_Off struct_off,
                       const char *struct_name, const char *name, int bases)
{
   DieMember hit;

   if (struct_off == 0 || !die_find_member(b->dw, struct_off, name, bases, &hit))
      return 0;
   set_field(b, field, hit.offset, "%s.%s", struct_name, hit.path);
   return 1;
}

#define TAKE_MEMBER(b, f, s, sname, mname, bases) \
   take_member((b), LAYOUT_BUILD_INT_##f, (s), (sname), (mname), (bases))

/* Does the struct have member NAME (direct members only)? */
static int has_member(Builder *b, Dwarf_Off struct_off, const char *name)
{
   DieMember hit;
   return struct_off != 0 && die_find_member(b->dw, struct_off, name, 0, &hit);
}

/*------------------------------------------------------------*/
/*--- The eval function: parameters and labels             ---*/
/*------------------------------------------------------------*/

/* Which parameter holds the thread state, which the frame, and so the
 * frame model: recognised by their types' names. */
static void eval_parameter(void *ctx, int index, const char *names, Dwarf_Off pointee)
{
   Builder *b = ctx;
   PgPyLayout *l = &b->out->layout;

   if (die_names_include(names, "PyThreadState") || die_names_include(names, "_ts")) {
      SET_FIELD(b, eval_tstate_arg, index, "parameter %d, a PyThreadState *", index);
      if (pointee != 0 && die_struct_is_complete(b->dw, pointee))
         b->tstate_struct = pointee;
   } else if (die_names_include(names, "_PyInterpreterFrame")
              || die_names_include(names, "PyFrameObject")
              || die_names_include(names, "_frame")) {
      int in_eval = die_names_include(names, "_PyInterpreterFrame");
      snprintf(b->frame_struct_name, sizeof b->frame_struct_name, "%s",
               in_eval ? "_PyInterpreterFrame" : "PyFrameObject");
      SET_FIELD(b, eval_frame_arg, index, "parameter %d, a %s *",
                index, b->frame_struct_name);
      l->frame_model = in_eval ? PG_FRAMES_IN_EVAL : PG_FRAMES_PER_CALL;
      if (pointee != 0 && die_struct_is_complete(b->dw, pointee))
         b->frame_struct = pointee;
   }
}

/* Keeps the labels that fit the layout; counts the others for the
 * summary and the --layout warning. */
static void eval_label(void *ctx, const char *name, int has_address, Dwarf_Addr address)
{
   Builder *b = ctx;
   PgPyLayout *l = &b->out->layout;

   b->out->labels_seen++;
   if (strncmp(name, "TARGET_", 7) == 0)
      b->out->labels_target++;
   if (!has_address) {
      b->out->labels_no_address++;
   } else if (l->n_labels >= PG_MAX_LABELS || strlen(name) >= sizeof l->labels[0].name) {
      b->out->labels_dropped++;
   } else {
      PgLabel *label = &l->labels[l->n_labels++];
      snprintf(label->name, sizeof label->name, "%s", name);
      label->addr = (Addr)address;
   }
}

static const DieFunctionVisitor eval_visitor = { eval_parameter, eval_label };

/* The eval loop's labels that frame switches and dispatch go through, as
 * CPython has named them from 3.11 to 3.13. */
static const char *const control_label_names[] = {
   "start_frame", "resume_frame", "resume_with_error", "exit_unwind",
   "exception_unwind", "error", "handle_eval_breaker", "dispatch_opcode",
   "exit_eval_frame", NULL
};

/* Sets the label-name fields: the handler prefix, the predicted labels
 * and their meaning, and which control labels this build has. */
static void read_label_names(Builder *b)
{
   PgPyLayout *l = &b->out->layout;
   unsigned i, k;
   size_t used = 0;

   snprintf(l->opcode_label_prefix, sizeof l->opcode_label_prefix, "TARGET_");
   for (i = 0; i < l->n_labels; i++) {
      const char *name = l->labels[i].name;
      if (strncmp(name, "PRED_", 5) == 0 && name[5] >= '0' && name[5] <= '9') {
         snprintf(l->predicted_label_prefix, sizeof l->predicted_label_prefix, "PRED_");
         /* Up to 3.10 PREDICT() jumps from one instruction straight into
          * the next one's handler; from 3.11 (frames run inside the eval
          * call) specialised instructions jump there to deoptimise, and
          * the same instruction goes on. */
         SET_FIELD(b, predicted_label_starts,
                   l->frame_model == PG_FRAMES_PER_CALL ? 1 : 0, "%s",
                   l->frame_model == PG_FRAMES_PER_CALL
                      ? "PRED_ labels: PREDICT() jumps to the next instruction"
                      : "PRED_ labels: deoptimising re-entries");
      }
      for (k = 0; control_label_names[k] != NULL; k++) {
         size_t n = strlen(name);
         if (strcmp(name, control_label_names[k]) != 0
             || used + n + 2 > sizeof l->control_labels)
            continue;
         if (used > 0)
            l->control_labels[used++] = ',';
         memcpy(l->control_labels + used, name, n + 1);
         used += n;
      }
   }
}

/*------------------------------------------------------------*/
/*--- The version                                          ---*/
/*------------------------------------------------------------*/

/* Guesses major.minor from which structures and members exist, for the
 * summary and for when no version number can be read.  Each test is the
 * change that release made. */
static void guess_family(Builder *b)
{
   LayoutBuild *out = b->out;
   PgPyLayout *l = &out->layout;

   out->family_major = out->family_minor = -1;
   out->family_note = "";
   if (l->string_format == PG_STR_BYTES) {
      out->family_major = 2;
      out->family_minor = 7;
      out->family_note = "PyStringObject, no PyASCIIObject";
   } else if (l->frame_model == PG_FRAMES_PER_CALL) {
      out->family_major = 3;
      if (l->line_format == PG_LINES_LINETABLE_310) {
         out->family_minor = 10;
         out->family_note = "co_linetable with PyFrameObject frames";
      } else if (l->eval_tstate_arg >= 0) {
         out->family_minor = 9;
         out->family_note = "eval function takes the thread state";
      } else if (b->has_co_posonlyargcount) {
         out->family_minor = 8;
         out->family_note = "co_posonlyargcount";
      } else if (!b->has_f_exc_type && b->has_co_extra) {
         out->family_minor = 7;
         out->family_note = "no PyFrameObject.f_exc_type";
      } else if (b->has_co_extra) {
         out->family_minor = 6;
         out->family_note = "co_extra, PyFrameObject.f_exc_type";
      } else {
         out->family_major = -1;
         out->family_note = "older than 3.6";
      }
   } else if (l->frame_model == PG_FRAMES_IN_EVAL) {
      out->family_major = 3;
      if (l->frame_is_entry >= 0) {
         out->family_minor = 11;
         out->family_note = "_PyInterpreterFrame.is_entry";
      } else if (l->tstate_cframe >= 0) {
         out->family_minor = 12;
         out->family_note = "_PyCFrame, no is_entry";
      } else {
         out->family_minor = 13;
         out->family_note = "PyThreadState.current_frame (3.13 or later)";
      }
   }
}

static void read_version(LayoutBuild *out, const ElfImage *elf)
{
   Elf64_Addr address;
   Elf64_Xword size;
   unsigned char bytes[4];

   out->version_from = "not found";
   /* 3.11+: const unsigned long Py_Version = PY_VERSION_HEX. */
   if (elf != NULL && elf_symbol(elf, "Py_Version", &address, &size) && size >= 4
       && elf_read(elf, address, bytes, 4)) {
      out->layout.version_hex = (unsigned)bytes[0] | (unsigned)bytes[1] << 8
         | (unsigned)bytes[2] << 16 | (unsigned)bytes[3] << 24;
      out->version_from = "the Py_Version constant";
      return;
   }
   if (out->family_major < 0)
      return;
   if (elf != NULL && elf_version_string(elf, out->family_major, out->family_minor,
                                         &out->layout.version_hex) == 1) {
      out->version_from = "the version string in .rodata";
      return;
   }
   out->layout.version_hex = (unsigned)out->family_major << 24
      | (unsigned)out->family_minor << 16;
   out->version_from = "the structures only (micro version unknown)";
}

/*------------------------------------------------------------*/
/*--- The structures the walker reads                      ---*/
/*------------------------------------------------------------*/

/* Fills b->out->layout from the DWARF, in the order each step needs:
 * the frame struct comes from the eval function's parameters, the code
 * object from the frame, the line format from the string format. */
static void build_layout(Builder *b, const ElfImage *elf)
{
   PgPyLayout *l = &b->out->layout;
   DwarfInfo *dw = b->dw;
   DieMember hit;
   Dwarf_Off code = 0, bytes_struct = 0, tstate;
   DwarfTarget eval;
   const char *bytes_name;
   char names[256];

   snprintf(l->source, sizeof l->source, "dwarf");
   eval = dw->found[DWARF_TARGET_EVAL_DEFAULT] ? DWARF_TARGET_EVAL_DEFAULT
                                               : DWARF_TARGET_EVAL_EX;
   snprintf(l->eval_function, sizeof l->eval_function, "%s",
            dwarf_info_target_name(eval));
   die_function_children(dw, dw->target_die[eval], &eval_visitor, b);

   /* Thread state -> current frame. */
   tstate = b->tstate_struct ? b->tstate_struct
          : dw->found[DWARF_TARGET_THREAD_STATE]
             ? dw->target_die[DWARF_TARGET_THREAD_STATE] : 0;
   TAKE_MEMBER(b, tstate_frame, tstate, "PyThreadState", "frame", 0);
   TAKE_MEMBER(b, tstate_current_frame, tstate, "PyThreadState", "current_frame", 0);
   TAKE_MEMBER(b, tstate_base_frame, tstate, "PyThreadState", "base_frame", 0);
   if (tstate != 0 && die_find_member(dw, tstate, "cframe", 0, &hit)) {
      Dwarf_Off cframe = die_member_struct(dw, hit.member, 1, names, sizeof names);
      DieMember current;
      /* 3.10's CFrame has no current_frame: it is not a path to frames. */
      if (cframe != 0 && die_find_member(dw, cframe, "current_frame", 0, &current)) {
         SET_FIELD(b, tstate_cframe, hit.offset, "PyThreadState.cframe");
         SET_FIELD(b, cframe_current_frame, current.offset, "%s.current_frame",
                   die_names_include(names, "_PyCFrame") ? "_PyCFrame" : "cframe");
      }
   }

   /* Frame. */
   if (b->frame_struct != 0) {
      Dwarf_Off frame = b->frame_struct;
      const char *fname = b->frame_struct_name;
      if (die_find_member(dw, frame, "f_code", 0, &hit)
          || die_find_member(dw, frame, "f_executable", 0, &hit)) {
         Dwarf_Off pointee = die_member_struct(dw, hit.member, 1, names,
                                               sizeof names);
         SET_FIELD(b, frame_code, hit.offset, "%s.%s", fname, hit.path);
         SET_FIELD(b, frame_code_tag_mask, 0, "a plain pointer");
         if (pointee != 0 && die_names_include(names, "PyCodeObject")
             && die_struct_is_complete(dw, pointee))
            code = pointee;
         /* A _PyStackRef (3.14+) keeps tags in its two low bits. */
         if (die_names_include(names, "_PyStackRef"))
            SET_FIELD(b, frame_code_tag_mask, 3, "_PyStackRef tag bits");
      }
      if (!TAKE_MEMBER(b, frame_back, frame, fname, "f_back", 0))
         TAKE_MEMBER(b, frame_back, frame, fname, "previous", 0);
      if (l->frame_model == PG_FRAMES_PER_CALL)
         TAKE_MEMBER(b, frame_lasti, frame, fname, "f_lasti", 0);
      if (TAKE_MEMBER(b, frame_instr_ptr, frame, fname, "prev_instr", 0))
         SET_FIELD(b, frame_instr_ptr_next, 0, "member prev_instr");
      else if (TAKE_MEMBER(b, frame_instr_ptr, frame, fname, "instr_ptr", 0))
         SET_FIELD(b, frame_instr_ptr_next, 1, "member instr_ptr");
      TAKE_MEMBER(b, frame_owner, frame, fname, "owner", 0);
      TAKE_MEMBER(b, frame_is_entry, frame, fname, "is_entry", 0);
      b->has_f_exc_type = has_member(b, frame, "f_exc_type");
   }
   if (l->frame_owner >= 0 && dw->cstack_found)
      SET_FIELD(b, frame_owner_cstack, dw->cstack_value,
                "the lowest of FRAME_OWNED_BY_CSTACK, FRAME_OWNED_BY_INTERPRETER");

   /* Code object. */
   if (code == 0 && dw->found[DWARF_TARGET_CODE])
      code = dw->target_die[DWARF_TARGET_CODE];
   /* A free-threaded build (Py_GIL_DISABLED) starts every object with
    * ob_tid, its owning thread: the walker cannot read such a build. */
   if (code != 0 && die_find_member(dw, code, "ob_tid", 1, &hit))
      snprintf(l->gil_disabled, sizeof l->gil_disabled, "yes");
   TAKE_MEMBER(b, code_filename, code, "PyCodeObject", "co_filename", 0);
   TAKE_MEMBER(b, code_name, code, "PyCodeObject", "co_name", 0);
   TAKE_MEMBER(b, code_qualname, code, "PyCodeObject", "co_qualname", 0);
   TAKE_MEMBER(b, code_firstlineno, code, "PyCodeObject", "co_firstlineno", 0);
   TAKE_MEMBER(b, code_code, code, "PyCodeObject", "co_code", 0);
   TAKE_MEMBER(b, code_code_adaptive, code, "PyCodeObject", "co_code_adaptive", 0);
   b->has_co_extra = has_member(b, code, "co_extra");
   b->has_co_posonlyargcount = has_member(b, code, "co_posonlyargcount");
   b->has_co_exceptiontable = has_member(b, code, "co_exceptiontable");
   /* Only a code object that holds its code inline is variable-size. */
   if (l->code_code_adaptive >= 0)
      TAKE_MEMBER(b, code_ob_size, code, "PyCodeObject", "ob_size", 1);
   if (dw->codeunit_size > 0)
      SET_FIELD(b, code_unit_bytes, dw->codeunit_size, "sizeof(_Py_CODEUNIT)");

   /* Strings: Python 2 str, or Python 3 bytes + str. */
   if (dw->found[DWARF_TARGET_ASCII]) {
      Dwarf_Off ascii = dw->target_die[DWARF_TARGET_ASCII];
      l->string_format = PG_STR_UNICODE;
      bytes_struct = dw->found[DWARF_TARGET_BYTES] ? dw->target_die[DWARF_TARGET_BYTES]
                                                   : 0;
      bytes_name = "PyBytesObject";
      TAKE_MEMBER(b, unicode_length, ascii, "PyASCIIObject", "length", 1);
      if (die_find_member(dw, ascii, "state", 1, &hit)) {
         Dwarf_Off state = die_member_struct(dw, hit.member, 0, NULL, 0);
         int shift;
         SET_FIELD(b, unicode_state, hit.offset, "PyASCIIObject.%s", hit.path);
         if (state != 0 && die_bitfield_shift(dw, state, "kind", &shift))
            SET_FIELD(b, unicode_kind_shift, shift, "PyASCIIObject.state.kind");
         if (state != 0 && die_bitfield_shift(dw, state, "compact", &shift))
            SET_FIELD(b, unicode_compact_shift, shift, "PyASCIIObject.state.compact");
         if (state != 0 && die_bitfield_shift(dw, state, "ascii", &shift))
            SET_FIELD(b, unicode_ascii_shift, shift, "PyASCIIObject.state.ascii");
      }
      /* Compact strings keep their characters right after the header. */
      if (die_struct_size(dw, ascii) > 0)
         SET_FIELD(b, unicode_ascii_data, die_struct_size(dw, ascii),
                   "sizeof(PyASCIIObject)");
      if (dw->found[DWARF_TARGET_COMPACT_UNICODE]
          && die_struct_size(dw, dw->target_die[DWARF_TARGET_COMPACT_UNICODE]) > 0)
         SET_FIELD(b, unicode_compact_data,
                   die_struct_size(dw, dw->target_die[DWARF_TARGET_COMPACT_UNICODE]),
                   "sizeof(PyCompactUnicodeObject)");
   } else if (dw->found[DWARF_TARGET_STRING]) {
      l->string_format = PG_STR_BYTES;
      bytes_struct = dw->target_die[DWARF_TARGET_STRING];
      bytes_name = "PyStringObject";
   } else {
      bytes_name = "PyBytesObject";
   }
   TAKE_MEMBER(b, bytes_size, bytes_struct, bytes_name, "ob_size", 1);
   TAKE_MEMBER(b, bytes_data, bytes_struct, bytes_name, "ob_sval", 1);

   /* Line table: its member name and the neighbouring members tell the
    * format (3.10 renamed co_lnotab to co_linetable; 3.11 changed the
    * encoding and added co_exceptiontable; Python 2's increments are
    * unsigned). */
   if (TAKE_MEMBER(b, code_linetable, code, "PyCodeObject", "co_linetable", 0)) {
      l->line_format = b->has_co_exceptiontable ? PG_LINES_LOCATIONS_311
                                                 : PG_LINES_LINETABLE_310;
   } else if (TAKE_MEMBER(b, code_linetable, code, "PyCodeObject", "co_lnotab", 0)) {
      l->line_format = l->string_format == PG_STR_BYTES ? PG_LINES_LNOTAB_UNSIGNED
                                                        : PG_LINES_LNOTAB_SIGNED;
   }
   /* f_lasti counts bytes, except in 3.10 (the one PyFrameObject version
    * with co_linetable) where it counts 2-byte code units. */
   if (l->frame_lasti >= 0 && l->line_format != PG_LINES_NONE)
      SET_FIELD(b, frame_lasti_unit, l->line_format == PG_LINES_LINETABLE_310 ? 2 : 1,
                "%s", l->line_format == PG_LINES_LINETABLE_310
                         ? "instruction index (co_linetable era)" : "byte offset");
   /* Python 2 has no _Py_CODEUNIT: its instructions are 1 or 3 bytes. */
   if (l->code_unit_bytes < 0 && l->string_format == PG_STR_BYTES)
      SET_FIELD(b, code_unit_bytes, 1, "no _Py_CODEUNIT: bytes (Python 2)");
   /* Before the location tables, line tracing runs a line only when its
    * first instruction runs or a jump goes backwards into it. */
   if (l->line_format != PG_LINES_NONE)
      SET_FIELD(b, lines_need_range_start,
                l->line_format == PG_LINES_LOCATIONS_311 ? 0 : 1,
                "%s", l->line_format == PG_LINES_LOCATIONS_311
                         ? "location table: every instruction has its line"
                         : "line table before location tables");
   read_label_names(b);

   guess_family(b);
   read_version(b->out, elf);
   if (elf != NULL)
      elf_build_id(elf, l->build_id, sizeof l->build_id);
}

/*------------------------------------------------------------*/
/*--- Entry point                                          ---*/
/*------------------------------------------------------------*/

void layout_build_from_dwarf(LayoutBuild *out, DwarfInfo *dw, const ElfImage *elf,
                             const ElfImage *symbols)
{
   Builder b;
   int return_generator;

   memset(out, 0, sizeof *out);
   pg_pylayout_clear(&out->layout);
   memset(&b, 0, sizeof b);
   b.out = out;
   b.dw = dw;
   build_layout(&b, elf);

   /* Opcodes from the ELF data (the debug file's symbols only if it is the
    * same build), then the one opcode the walker must know by number: a
    * frame leaving by RETURN_GENERATOR (3.11+) made a generator and does
    * not return. */
   opcodes_read(&out->layout, elf, symbols, &out->opcodes);
   return_generator = opcodes_number(&out->layout, "RETURN_GENERATOR");
   if (return_generator >= 0)
      SET_FIELD(&b, return_generator_opcode, return_generator,
                "opcode_targets slot of TARGET_RETURN_GENERATOR");
}
