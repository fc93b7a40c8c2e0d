/* pg_pylayout.h: everything the tool needs to know about one CPython build
 * to walk its frames, as data.  A layout is filled from one of three
 * sources, in this order of preference: the DWARF of the interpreter (read
 * by the pyprofgrind-inspect program and handed over as text), the
 * _Py_DebugOffsets table CPython 3.13+ keeps in its own memory, or the
 * table of known builds in pg_pylayout_known.c (used for interpreters
 * without debug info, such as Debian's stripped python3.11).  The frame
 * walker in the tool uses only this structure: no version numbers are
 * tested anywhere else.
 *
 * The text form (what pyprofgrind-inspect prints and pg_pylayout_parse
 * reads) is one "key value" pair per line; '#' starts a comment; keys are
 * the field names below; unknown keys are ignored so that older tools read
 * newer files; labels are "label NAME 0xADDRESS" lines.  "opcode NUMBER
 * NAME" lines (NUMBER decimal, 0-255) name the opcodes of the build (the
 * handler of opcode NAME is label TARGET_NAME), and "opcode_base NAME
 * BASE" lines (3.11+) give the base instruction of specialised instruction
 * NAME (both must have opcode lines, NAME a TARGET_NAME label; the lines
 * may come in any order).  Values: offsets
 * and argument indices in decimal (-1 = absent), version_hex and addresses
 * in hex with "0x", the formats by the lower-case names of their enum
 * constants without prefix (frame_model per_call, line_format
 * lnotab_signed, string_format unicode...), strings as one word,
 * runtime_address in hex with "0x".  A key
 * other than "label", "opcode" and "opcode_base" may appear only once; an
 * opcode number, or the opcode_base of a NAME, only once too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PYLAYOUT_H
#define PG_PYLAYOUT_H

#include "pg_port.h"

/* How a code object maps bytecode offsets to line numbers. */
typedef enum {
   PG_LINES_NONE = 0,
   PG_LINES_LNOTAB_UNSIGNED,  /* 2.7: co_lnotab, (addr, line) increments, unsigned */
   PG_LINES_LNOTAB_SIGNED,    /* 3.6-3.9: co_lnotab, line increment signed */
   PG_LINES_LINETABLE_310,    /* 3.10: co_linetable, (length, signed line delta) */
   PG_LINES_LOCATIONS_311     /* 3.11+: location table (PEP 657) */
} PgLineTableFormat;

/* How string objects store their characters. */
typedef enum {
   PG_STR_NONE = 0,
   PG_STR_BYTES,              /* 2.7 PyStringObject: size + inline chars */
   PG_STR_UNICODE             /* 3.x PyASCIIObject / PyCompactUnicodeObject */
} PgStringFormat;

/* Where the frame being executed is found. */
typedef enum {
   PG_FRAMES_NONE = 0,
   PG_FRAMES_PER_CALL,        /* <= 3.10: one eval call per Python frame,
                                 the frame is an argument of the eval call */
   PG_FRAMES_IN_EVAL          /* 3.11+: one eval call runs many frames; the
                                 current one is read from the thread state */
} PgFrameModel;

#define PG_LAYOUT_NO_OFFSET (-1)
#define PG_MAX_LABELS 320
/* Longest opcode name + 1: 3.11's PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS
 * has 44 characters (3.12/3.13's CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS 41). */
#define PG_OPCODE_NAME_MAX 48

typedef struct {
   HChar name[64];        /* 3.12 has TARGET_CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS */
   Addr  addr;            /* link-time address (add the object's bias) */
   HChar base[64];        /* for the TARGET_ label of a specialised
                             instruction, the name of its base instruction
                             without prefix ("opcode_base" lines); else "" */
} PgLabel;

typedef struct {
   UInt   version_hex;    /* PY_VERSION_HEX, e.g. 0x030b07f0 */
   HChar  source[32];     /* "dwarf", "debug-offsets", "known" */
   HChar  build_id[68];   /* GNU build-id (hex) of the object the layout was
                             read from, "" if unknown: lets the tool check a
                             layout file belongs to the object it loaded */
   HChar  eval_function[64];
   Addr   runtime_address;    /* link-time address of _PyRuntime when it
                                 starts with a _Py_DebugOffsets table
                                 (3.13+), else 0: how the tool gets a layout
                                 without DWARF (pg_pydebugoffsets.h) */
   PgFrameModel       frame_model;
   PgLineTableFormat  line_format;
   PgStringFormat     string_format;

   /* Eval call arguments (guest register offsets in VexGuestAMD64State
    * terms are chosen by the tool: 0 = rdi, 1 = rsi). */
   Int    eval_frame_arg;     /* argument index of the frame */
   Int    eval_tstate_arg;    /* argument index of the thread state, -1 */

   /* Thread state -> current frame. */
   Int    tstate_frame;           /* PyThreadState.frame (<= 3.10) */
   Int    tstate_cframe;          /* PyThreadState.cframe (3.11, 3.12) */
   Int    cframe_current_frame;   /* _PyCFrame.current_frame (3.11, 3.12) */
   Int    tstate_current_frame;   /* PyThreadState.current_frame (3.13) */

   /* Frame objects (<= 3.10: PyFrameObject; 3.11+: _PyInterpreterFrame). */
   Int    frame_code;             /* f_code / f_executable */
   Int    frame_back;             /* f_back / previous */
   Int    frame_lasti;            /* f_lasti (<= 3.10) */
   Int    frame_lasti_unit;       /* bytes per f_lasti unit: 1, or 2 in 3.10 */
   Int    frame_instr_ptr;        /* prev_instr / instr_ptr (3.11+) */
   Int    frame_instr_ptr_next;   /* 1: frame_instr_ptr is the instruction
                                     running or about to run (instr_ptr,
                                     3.13+); 0: the last one started
                                     (prev_instr, 3.11 and 3.12) */
   Int    frame_owner;            /* owner (3.12+) */
   Int    frame_is_entry;         /* is_entry (3.11) */
   Int    frame_owner_cstack;     /* owner value of C-stack entry frames (3.12+: 3) */

   /* Code objects. */
   Int    code_filename;
   Int    code_name;
   Int    code_qualname;          /* 3.11+ */
   Int    code_firstlineno;
   Int    code_linetable;         /* co_lnotab / co_linetable (a bytes object) */
   Int    code_code;              /* co_code bytes object (<= 3.10) */
   Int    code_code_adaptive;     /* inline bytecode start (3.11+) */

   /* Bytes and string objects. */
   Int    bytes_size;             /* ob_size */
   Int    bytes_data;             /* ob_sval */
   Int    unicode_length;         /* PyASCIIObject.length */
   Int    unicode_state;          /* PyASCIIObject.state */
   Int    unicode_ascii_data;     /* data of compact ASCII strings */
   Int    unicode_compact_data;   /* data of compact non-ASCII strings */
   /* Bit positions, in the 32-bit little-endian word at unicode_state, of
    * the state bit-fields the walker tests (kind is 3 bits wide: 1, 2 or 4
    * bytes per character). */
   Int    unicode_kind_shift;
   Int    unicode_compact_shift;
   Int    unicode_ascii_shift;

   UInt   n_labels;
   PgLabel labels[PG_MAX_LABELS];

   /* Opcode number -> name without the TARGET_ prefix ("opcode" lines),
    * "" when unknown (no handler, or a handler several opcodes share and
    * the inspector could not tell which is which). */
   HChar  opcode_names[256][PG_OPCODE_NAME_MAX];
} PgPyLayout;

/* Sets every offset to PG_LAYOUT_NO_OFFSET and every format to NONE. */
void pg_pylayout_clear(PgPyLayout *layout);

/* Parses the text form.  Returns True, or False with a one-line reason
 * naming the line in ERR. */
Bool pg_pylayout_parse(PgPyLayout *layout, const HChar *text, SizeT len,
                       HChar *err, SizeT err_len);

/* Checks that a layout has what the walker needs for its frame model;
 * else False with the missing field named in ERR. */
Bool pg_pylayout_complete(const PgPyLayout *layout, HChar *err, SizeT err_len);

/* Fills LAYOUT from the table of known builds for major.minor of
 * VERSION_HEX; False if the version is unknown. */
Bool pg_pylayout_known(PgPyLayout *layout, UInt version_hex);

/* The RETURN_GENERATOR opcode of a known 3.11+ version, or -1. */
Int pg_pylayout_known_return_generator(UInt version_hex);

#endif /* PG_PYLAYOUT_H */
