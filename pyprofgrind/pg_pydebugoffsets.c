/* pg_pydebugoffsets.c: decoding _Py_DebugOffsets (see pg_pydebugoffsets.h).
 * The table's own shape changes between minor versions (3.14 adds fields
 * in the middle of several blocks), so where each offset sits in the
 * table is data too: one TableFormat per major.minor, chosen by the
 * version stored in the table, whose position (right after the cookie)
 * CPython keeps fixed.  Nothing read from the table is trusted: every
 * structure size must be plausible and every offset must lie inside its
 * structure before it reaches the walker.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_pydebugoffsets.h"

#define LAYOUT_FIELD(field) ((SizeT)__builtin_offsetof(PgPyLayout, field))

#define COOKIE_LEN 8
#define VERSION_AT 8            /* uint64 PY_VERSION_HEX, in every format */

/* A structure larger than this is corruption, not CPython. */
#define MAX_STRUCT_SIZE 65536

/* One offset the walker needs: where the table holds it, and where the
 * table holds the size of the structure it is an offset into. */
typedef struct {
   const HChar *name;          /* the layout key, for messages */
   SizeT        layout_field;  /* an Int in PgPyLayout */
   UInt         at;            /* byte position of the offset in the table */
   UInt         size_at;       /* byte position of its structure's size */
} TableField;

typedef struct {
   UInt              major_minor;    /* PY_VERSION_HEX >> 16 */
   UInt              table_size;     /* bytes */
   UInt              free_threaded_at;
   Int               instr_ptr_next;  /* what interpreter_frame.instr_ptr
                                         points at: see frame_instr_ptr_next */
   const TableField *fields;
   UInt              n_fields;
} TableFormat;

#define FIELD(key, at, size_at) { #key, LAYOUT_FIELD(key), (at), (size_at) }

/* CPython 3.13 (Include/internal/pycore_runtime.h): cookie, version,
 * free_threaded, then the blocks runtime_state (3 fields) at 24,
 * interpreter_state (13) at 48, thread_state (9) at 152,
 * interpreter_frame (6) at 224, code_object (10) at 272, pyobject (2),
 * type_object (4), tuple_object (3), list_object (3), dict_object (3),
 * float_object (2), long_object (3), bytes_object (3) at 512,
 * unicode_object (4) at 536, gc (2) at 568; each block starts with the
 * size of its structure. */
static const TableField fields_313[] = {
   FIELD(tstate_current_frame, 184, 152),
   FIELD(frame_back,           232, 224),
   FIELD(frame_code,           240, 224),   /* f_executable */
   FIELD(frame_instr_ptr,      248, 224),
   FIELD(frame_owner,          264, 224),
   FIELD(code_filename,        280, 272),
   FIELD(code_name,            288, 272),
   FIELD(code_qualname,        296, 272),
   FIELD(code_linetable,       304, 272),
   FIELD(code_firstlineno,     312, 272),
   FIELD(code_code_adaptive,   344, 272),
   FIELD(bytes_size,           520, 512),
   FIELD(bytes_data,           528, 512),
   FIELD(unicode_state,        544, 536),
   FIELD(unicode_length,       552, 536),
   FIELD(unicode_ascii_data,   560, 536),   /* sizeof(PyASCIIObject) */
};

/* CPython 3.14 (Include/internal/pycore_debug_offsets.h; positions read
 * with pahole from Debian's python3.14 3.14.10 DWARF, 760 bytes):
 * interpreter_state grew to 16 fields, thread_state (9) at 176,
 * interpreter_frame (8: stackpointer, tlbc_index added) at 248,
 * code_object (11: co_tlbc added) at 312, set_object new, bytes_object
 * at 592, unicode_object at 616, then gc, gen_object, llist_node and
 * debugger_support. */
static const TableField fields_314[] = {
   FIELD(tstate_current_frame, 208, 176),
   FIELD(frame_back,           256, 248),
   FIELD(frame_code,           264, 248),   /* f_executable, a _PyStackRef */
   FIELD(frame_instr_ptr,      272, 248),
   FIELD(frame_owner,          288, 248),
   FIELD(code_filename,        320, 312),
   FIELD(code_name,            328, 312),
   FIELD(code_qualname,        336, 312),
   FIELD(code_linetable,       344, 312),
   FIELD(code_firstlineno,     352, 312),
   FIELD(code_code_adaptive,   384, 312),
   FIELD(bytes_size,           600, 592),
   FIELD(bytes_data,           608, 592),
   FIELD(unicode_state,        624, 616),
   FIELD(unicode_length,       632, 616),
   FIELD(unicode_ascii_data,   640, 616),   /* sizeof(PyASCIIObject) */
};

/* CPython 3.15 (Debian's python3.15 3.15.2, 888 bytes): thread_state
 * gains base_frame (the sentinel frame that ends every thread's chain)
 * and more, interpreter_frame moves to 312, code_object to 376, a
 * heap_type_object block comes before tuple_object, bytes_object at 688,
 * unicode_object (5: compactunicodeobject_size added) at 712. */
static const TableField fields_315[] = {
   FIELD(tstate_current_frame, 208, 176),
   FIELD(tstate_base_frame,    216, 176),
   FIELD(frame_back,           320, 312),
   FIELD(frame_code,           328, 312),
   FIELD(frame_instr_ptr,      336, 312),
   FIELD(frame_owner,          352, 312),
   FIELD(code_filename,        384, 376),
   FIELD(code_name,            392, 376),
   FIELD(code_qualname,        400, 376),
   FIELD(code_linetable,       408, 376),
   FIELD(code_firstlineno,     416, 376),
   FIELD(code_code_adaptive,   448, 376),
   FIELD(bytes_size,           696, 688),
   FIELD(bytes_data,           704, 688),
   FIELD(unicode_state,        720, 712),
   FIELD(unicode_length,       728, 712),
   FIELD(unicode_ascii_data,   736, 712),
};

static const TableFormat formats[] = {
   { 0x030d, 584, 16, 1, fields_313, sizeof fields_313 / sizeof fields_313[0] },
   { 0x030e, 760, 16, 1, fields_314, sizeof fields_314 / sizeof fields_314[0] },
   { 0x030f, 888, 16, 1, fields_315, sizeof fields_315 / sizeof fields_315[0] },
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static ULong read_u64(const UChar *p)
{
   ULong value = 0;
   Int i;
   for (i = 7; i >= 0; i--)
      value = (value << 8) | p[i];
   return value;
}

static Bool fail(HChar *err, SizeT err_len, const HChar *text)
{
   if (err != NULL && err_len > 0)
      pg_snprintf(err, err_len, "%s", text);
   return False;
}

Bool pg_pydebugoffsets_has_cookie(const UChar *table, SizeT n)
{
   return n >= COOKIE_LEN && pg_memcmp(table, PG_DEBUG_OFFSETS_COOKIE, COOKIE_LEN) == 0;
}

UInt pg_pydebugoffsets_version(const UChar *table, SizeT n)
{
   ULong version;
   if (!pg_pydebugoffsets_has_cookie(table, n) || n < VERSION_AT + 8)
      return 0;
   version = read_u64(table + VERSION_AT);
   return version > 0xffffffffULL ? 0 : (UInt)version;
}

static const TableFormat *format_for(UInt version_hex)
{
   UInt i;
   for (i = 0; i < N_FORMATS; i++)
      if (formats[i].major_minor == version_hex >> 16)
         return &formats[i];
   return NULL;
}

Bool pg_pydebugoffsets_decode(PgPyLayout *layout, const UChar *table, SizeT n,
                              HChar *err, SizeT err_len)
{
   const TableFormat *format;
   HChar text[160];
   UInt version;
   Int template_ascii, template_compact;
   Long compact_data;
   ULong unicode_size = 0;
   UInt i;

   if (!pg_pydebugoffsets_has_cookie(table, n))
      return fail(err, err_len, "no _Py_DebugOffsets table (the cookie "
                  "\"" PG_DEBUG_OFFSETS_COOKIE "\" is missing)");
   version = pg_pydebugoffsets_version(table, n);
   if (n < VERSION_AT + 8)
      return fail(err, err_len, "_Py_DebugOffsets table cut short");
   if ((version >> 24) != 3)
      return fail(err, err_len, "_Py_DebugOffsets holds no CPython 3 version");
   format = format_for((UInt)version);
   if (format == NULL) {
      pg_snprintf(text, sizeof text, "the _Py_DebugOffsets table of CPython "
                  "%u.%u is not known to this pyprofgrind",
                  (UInt)(version >> 24), (UInt)(version >> 16) & 0xff);
      return fail(err, err_len, text);
   }
   if (n < format->table_size)
      return fail(err, err_len, "_Py_DebugOffsets table cut short");
   if (read_u64(table + format->free_threaded_at) != 0)
      return fail(err, err_len, "free-threaded CPython builds are not "
                  "supported");
   /* What the table does not say comes from the known layout. */
   if (!pg_pylayout_known(layout, (UInt)version)) {
      pg_snprintf(text, sizeof text, "no built-in layout of CPython %u.%u to "
                  "complete the _Py_DebugOffsets table",
                  (UInt)(version >> 24), (UInt)(version >> 16) & 0xff);
      return fail(err, err_len, text);
   }
   template_ascii = layout->unicode_ascii_data;
   template_compact = layout->unicode_compact_data;

   for (i = 0; i < format->n_fields; i++) {
      const TableField *f = &format->fields[i];
      ULong size = read_u64(table + f->size_at);
      ULong offset = read_u64(table + f->at);
      if (size == 0 || size > MAX_STRUCT_SIZE || offset >= size) {
         pg_snprintf(text, sizeof text, "_Py_DebugOffsets is corrupt: %s is "
                     "%llu in a structure of %llu bytes", f->name,
                     offset, size);
         return fail(err, err_len, text);
      }
      *(Int *)((HChar *)layout + f->layout_field) = (Int)offset;
      if (f->layout_field == LAYOUT_FIELD(unicode_ascii_data))
         unicode_size = size;
   }
   /* Non-ASCII compact strings keep their characters after a
    * PyCompactUnicodeObject, which extends PyASCIIObject by a fixed tail:
    * it moves with the ASCII header.  Derived, not read, it must still be
    * checked: an ASCII header near the end of the string object the table
    * describes would put it past that object (and past the largest offset
    * a layout may hold). */
   compact_data = (Long)template_compact
                  + ((Long)layout->unicode_ascii_data - (Long)template_ascii);
   if (compact_data < 0 || (ULong)compact_data >= unicode_size) {
      pg_snprintf(text, sizeof text, "_Py_DebugOffsets is corrupt: "
                  "unicode_compact_data would be %lld in a structure of "
                  "%llu bytes", compact_data, unicode_size);
      return fail(err, err_len, text);
   }
   layout->unicode_compact_data = (Int)compact_data;
   layout->frame_instr_ptr_next = format->instr_ptr_next;
   pg_memcpy(layout->source, "debug-offsets", 14);
   if (err != NULL && err_len > 0)
      err[0] = '\0';
   return True;
}
