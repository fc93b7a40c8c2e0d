/* pg_pylayout.h: everything the tool needs to know about one CPython build
 * to walk its frames, as data.  A layout is filled from one of three
 * sources, in this order of preference: the DWARF of the interpreter (read
 * by the pyprofgrind-inspect program and handed over as text), the
 * _Py_DebugOffsets table CPython 3.13+ keeps in its own memory
 * (pg_pydebugoffsets.c), or the table of known builds
 * (pg_pylayout_known.c, for interpreters without debug info such as
 * Debian's stripped python3.11).
 *
 * The rule that keeps version differences in one place: every fact that
 * differs between CPython versions or builds is a field below, set only by
 * those three sources (the inspector from DWARF and ELF, the decoder from
 * the table, the known rows from both).  The frame walker (pg_python.c)
 * and everything else read the fields and never test a version number or
 * guess from one field what another would say.  `version_hex` is there to
 * name the interpreter in messages and profiles, nothing more.
 *
 * The fields are listed once, in PG_LAYOUT_FIELDS: the structure, the text
 * parser and writer, the completeness check, the inspector's report and
 * the known rows are all made from that list.
 *
 * The text form (what pyprofgrind-inspect prints, pg_pylayout_write
 * writes and pg_pylayout_parse reads) is one "key value" pair per line;
 * '#' starts a comment; keys are the field names; unknown keys are ignored
 * so that older tools read newer files.  Besides the fields: "label NAME
 * 0xADDRESS" lines give the eval loop's labels (link-time addresses);
 * "opcode NUMBER NAME" lines (NUMBER decimal, 0-255) name the opcodes of
 * the build (the handler of opcode NAME is the label opcode_label_prefix
 * + NAME); "opcode_base NAME BASE" lines (3.11+) give the base instruction
 * of specialised instruction NAME (both named by opcode lines, NAME with a
 * handler label; any order).  Values: numbers in decimal (-1 = absent),
 * version_hex and addresses in hex with "0x", the enums by the lower-case
 * names of their constants without prefix (frame_model per_call,
 * line_format lnotab_signed, string_format unicode...), words as one word
 * without blanks.  A field may appear only once; an opcode number, or the
 * opcode_base of a NAME, only once too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PYLAYOUT_H
#define PG_PYLAYOUT_H

#include "pg_port.h"

/*------------------------------------------------------------*/
/*--- Formats                                              ---*/
/*------------------------------------------------------------*/

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
/* Largest structure offset accepted: CPython's thread states and code
 * objects are a few hundred bytes, so anything near this is corruption. */
#define PG_LAYOUT_MAX_OFFSET 65535

/*------------------------------------------------------------*/
/*--- The field list                                       ---*/
/*------------------------------------------------------------*/

/* Which layouts must have a field for the walker to use them. */
typedef enum {
   PG_NEED_NONE,        /* optional, or checked by a rule of its own */
   PG_NEED_ALL,         /* every layout */
   PG_NEED_PER_CALL,    /* frame_model per_call */
   PG_NEED_IN_EVAL,     /* frame_model in_eval */
   PG_NEED_UNICODE      /* string_format unicode */
} PgLayoutNeed;

/* X(KIND, NAME, A, B, DEFAULT, NEED, WHAT) for every field, in text-form
 * order.  KIND and its A, B:
 *   HEX32          a 32-bit number written in hex (A, B unused)
 *   WORD           a char array of A bytes holding one word
 *   ADDRESS        a link-time address written in hex
 *   FRAME_MODEL, LINE_FORMAT, STRING_FORMAT   the enums above
 *   INT            an Int in [A, B]; DEFAULT when absent
 * WHAT says where the inspector finds it, for its report.  Argument
 * indices stop at 5: the SysV amd64 ABI passes six integer arguments in
 * registers. */
#define PG_OFF(X, name, need, what) \
   X(INT, name, PG_LAYOUT_NO_OFFSET, PG_LAYOUT_MAX_OFFSET, PG_LAYOUT_NO_OFFSET, need, what)

#define PG_LAYOUT_FIELDS(X) \
   X(HEX32, version_hex, 0, 0, 0, PG_NEED_NONE, "PY_VERSION_HEX (for messages only)") \
   X(WORD, source, 32, 0, 0, PG_NEED_NONE, "dwarf, debug-offsets or known") \
   X(WORD, build_id, 68, 0, 0, PG_NEED_NONE, \
     "GNU build-id of the object read, to match a layout to its object") \
   X(WORD, eval_function, 64, 0, 0, PG_NEED_ALL, "the eval loop's function") \
   X(ADDRESS, runtime_address, 0, 0, 0, PG_NEED_NONE, \
     "_PyRuntime when it starts with _Py_DebugOffsets (3.13+)") \
   X(FRAME_MODEL, frame_model, 0, 0, 0, PG_NEED_ALL, "eval function parameters") \
   X(LINE_FORMAT, line_format, 0, 0, 0, PG_NEED_ALL, "PyCodeObject line table member") \
   X(STRING_FORMAT, string_format, 0, 0, 0, PG_NEED_ALL, "PyStringObject or PyASCIIObject") \
   X(INT, eval_frame_arg, -1, 5, -1, PG_NEED_PER_CALL, \
     "eval function parameter pointing to a frame") \
   X(INT, eval_tstate_arg, -1, 5, -1, PG_NEED_IN_EVAL, \
     "eval function parameter pointing to PyThreadState") \
   PG_OFF(X, tstate_frame, PG_NEED_NONE, "PyThreadState.frame") \
   PG_OFF(X, tstate_cframe, PG_NEED_NONE, "PyThreadState.cframe (with a current_frame member)") \
   PG_OFF(X, cframe_current_frame, PG_NEED_NONE, "cframe's current_frame") \
   PG_OFF(X, tstate_current_frame, PG_NEED_NONE, "PyThreadState.current_frame") \
   PG_OFF(X, frame_code, PG_NEED_ALL, "frame member f_code or f_executable") \
   PG_OFF(X, frame_back, PG_NEED_ALL, "frame member f_back or previous") \
   PG_OFF(X, frame_lasti, PG_NEED_PER_CALL, "PyFrameObject.f_lasti") \
   X(INT, frame_lasti_unit, -1, 8, -1, PG_NEED_PER_CALL, \
     "bytes per f_lasti unit: 1 (byte offset) or 2 (3.10's instruction index)") \
   PG_OFF(X, frame_instr_ptr, PG_NEED_IN_EVAL, "_PyInterpreterFrame member prev_instr or instr_ptr") \
   X(INT, frame_instr_ptr_next, -1, 1, -1, PG_NEED_IN_EVAL, \
     "1 if that member is instr_ptr (the next instruction), 0 if prev_instr") \
   PG_OFF(X, frame_owner, PG_NEED_NONE, "_PyInterpreterFrame.owner") \
   PG_OFF(X, frame_is_entry, PG_NEED_NONE, "_PyInterpreterFrame.is_entry") \
   X(INT, frame_owner_cstack, -1, 255, -1, PG_NEED_NONE, \
     "enumerator FRAME_OWNED_BY_CSTACK: owner values from it up are frames " \
     "of no Python function (C-stack and interpreter entry frames)") \
   X(INT, frame_code_tag_mask, 0, 15, 0, PG_NEED_NONE, \
     "low bits of the frame's code pointer that are tags (_PyStackRef)") \
   PG_OFF(X, tstate_base_frame, PG_NEED_NONE, \
     "PyThreadState.base_frame, the sentinel that ends a thread's chain") \
   PG_OFF(X, code_filename, PG_NEED_ALL, "PyCodeObject.co_filename") \
   PG_OFF(X, code_name, PG_NEED_ALL, "PyCodeObject.co_name") \
   PG_OFF(X, code_qualname, PG_NEED_IN_EVAL, "PyCodeObject.co_qualname") \
   PG_OFF(X, code_firstlineno, PG_NEED_ALL, "PyCodeObject.co_firstlineno") \
   PG_OFF(X, code_linetable, PG_NEED_ALL, "PyCodeObject member co_linetable or co_lnotab") \
   PG_OFF(X, code_code, PG_NEED_PER_CALL, "PyCodeObject.co_code") \
   PG_OFF(X, code_code_adaptive, PG_NEED_IN_EVAL, "PyCodeObject.co_code_adaptive") \
   PG_OFF(X, code_ob_size, PG_NEED_IN_EVAL, \
     "PyCodeObject's ob_size: its count of inline code units") \
   X(INT, code_unit_bytes, -1, 8, -1, PG_NEED_ALL, \
     "bytes per code unit: sizeof(_Py_CODEUNIT), 1 without one (2.7)") \
   X(INT, lines_need_range_start, -1, 1, -1, PG_NEED_ALL, \
     "1: a line runs only from the start of its line-table range or by a " \
     "backward jump (line tables before locations_311)") \
   PG_OFF(X, bytes_size, PG_NEED_ALL, "PyBytesObject/PyStringObject ob_size") \
   PG_OFF(X, bytes_data, PG_NEED_ALL, "PyBytesObject/PyStringObject ob_sval") \
   PG_OFF(X, unicode_length, PG_NEED_UNICODE, "PyASCIIObject.length") \
   PG_OFF(X, unicode_state, PG_NEED_UNICODE, "PyASCIIObject.state") \
   PG_OFF(X, unicode_ascii_data, PG_NEED_UNICODE, "sizeof(PyASCIIObject)") \
   PG_OFF(X, unicode_compact_data, PG_NEED_UNICODE, "sizeof(PyCompactUnicodeObject)") \
   X(INT, unicode_kind_shift, -1, 31, -1, PG_NEED_UNICODE, "bit-field PyASCIIObject.state.kind") \
   X(INT, unicode_compact_shift, -1, 31, -1, PG_NEED_UNICODE, \
     "bit-field PyASCIIObject.state.compact") \
   X(INT, unicode_ascii_shift, -1, 31, -1, PG_NEED_UNICODE, "bit-field PyASCIIObject.state.ascii") \
   X(WORD, opcode_label_prefix, 16, 0, 0, PG_NEED_ALL, \
     "prefix of the eval loop's instruction handler labels") \
   X(WORD, predicted_label_prefix, 16, 0, 0, PG_NEED_NONE, \
     "prefix of the labels PREDICT() jumps to, followed by the opcode number") \
   X(INT, predicted_label_starts, -1, 1, -1, PG_NEED_NONE, \
     "1: a jump to a predicted label starts the next instruction (PREDICT, " \
     "up to 3.10); 0: the same instruction goes on (3.11+ deoptimising)") \
   X(WORD, control_labels, 256, 0, 0, PG_NEED_NONE, \
     "comma-separated labels where the eval loop may switch frames") \
   X(INT, return_generator_opcode, -1, 255, -1, PG_NEED_NONE, \
     "opcode RETURN_GENERATOR: a frame leaving by it made a generator") \
   X(WORD, tail_call_handlers, 32, 0, 0, PG_NEED_NONE, \
     "pattern ('*', '?') of the functions that are the eval loop's " \
     "instructions in a tail-calling build (_TAIL_CALL_*): pieces of the loop") \
   X(WORD, gil_disabled, 8, 0, 0, PG_NEED_NONE, \
     "yes: a free-threaded build (Py_GIL_DISABLED: PyObject has ob_tid, " \
     "ABI flag t), which the walker cannot read: refused")

/* The types of the kinds, for the structure. */
#define PG_LAYOUT_TYPE_HEX32          UInt
#define PG_LAYOUT_TYPE_WORD           HChar
#define PG_LAYOUT_TYPE_ADDRESS        Addr
#define PG_LAYOUT_TYPE_FRAME_MODEL    PgFrameModel
#define PG_LAYOUT_TYPE_LINE_FORMAT    PgLineTableFormat
#define PG_LAYOUT_TYPE_STRING_FORMAT  PgStringFormat
#define PG_LAYOUT_TYPE_INT            Int
#define PG_LAYOUT_DIM_HEX32(a)
#define PG_LAYOUT_DIM_WORD(a)         [a]
#define PG_LAYOUT_DIM_ADDRESS(a)
#define PG_LAYOUT_DIM_FRAME_MODEL(a)
#define PG_LAYOUT_DIM_LINE_FORMAT(a)
#define PG_LAYOUT_DIM_STRING_FORMAT(a)
#define PG_LAYOUT_DIM_INT(a)

/*------------------------------------------------------------*/
/*--- The layout                                           ---*/
/*------------------------------------------------------------*/

typedef struct {
   HChar name[64];        /* 3.12 has TARGET_CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS */
   Addr  addr;            /* link-time address (add the object's bias) */
   HChar base[64];        /* for the handler label of a specialised
                             instruction, the name of its base instruction
                             without prefix ("opcode_base" lines); else "" */
} PgLabel;

#define PG_LAYOUT_DECLARE_FIELD(kind, name, a, b, dflt, need, what) \
   PG_LAYOUT_TYPE_##kind name PG_LAYOUT_DIM_##kind(a);

typedef struct {
   PG_LAYOUT_FIELDS(PG_LAYOUT_DECLARE_FIELD)

   UInt   n_labels;
   PgLabel labels[PG_MAX_LABELS];

   /* Opcode number -> name without the handler label's prefix ("opcode"
    * lines), "" when unknown (no handler, or a handler several opcodes
    * share and the inspector could not tell which is which). */
   HChar  opcode_names[256][PG_OPCODE_NAME_MAX];
} PgPyLayout;

/*------------------------------------------------------------*/
/*--- Operations                                           ---*/
/*------------------------------------------------------------*/

/* Sets every field to its default: Ints to theirs (-1 for offsets),
 * words to "", formats to NONE; no labels, no opcodes. */
void pg_pylayout_clear(PgPyLayout *layout);

/* Parses the text form.  Returns True, or False with a one-line reason
 * naming the line in ERR. */
Bool pg_pylayout_parse(PgPyLayout *layout, const HChar *text, SizeT len,
                       HChar *err, SizeT err_len);

/* Writes LAYOUT in the text form, one line at a time through EMIT (each
 * line ends in '\n'), after a comment line naming ORIGIN.  With
 * WITH_BUILD_DATA False, what belongs to one build only (source,
 * build_id, runtime_address, labels, opcode and opcode_base lines) is
 * left out: the form of the known rows. */
void pg_pylayout_write(const PgPyLayout *layout, const HChar *origin,
                       Bool with_build_data,
                       void (*emit)(void *ctx, const HChar *line), void *ctx);

/* Checks that a layout has what the walker needs for its frame model;
 * else False with the missing fields named in ERR. */
Bool pg_pylayout_complete(const PgPyLayout *layout, HChar *err, SizeT err_len);

/* The text-form name of an enum value, "?" if out of range. */
const HChar *pg_pylayout_frame_model_name(PgFrameModel model);
const HChar *pg_pylayout_line_format_name(PgLineTableFormat format);
const HChar *pg_pylayout_string_format_name(PgStringFormat format);

/* The version (PY_VERSION_HEX of X.Y.0) that a file name such as
 * "python3.14", "libpython3.14t.so.1.0" or "/usr/bin/python3.13d" names
 * (the last "pythonX.Y" in its last component), or 0; ABI_FLAGS (at
 * least 4 bytes) receives the letters right after it that are ABI flags
 * ('t' free-threaded, 'd' debug, 'm' pymalloc before 3.8), "" if none. */
UInt pg_pylayout_version_from_name(const HChar *path, HChar *abi_flags);

/* Symbols only a free-threaded CPython (3.13t+) defines: functions of its
 * biased reference counting that read PyObject's ob_tid, exported because
 * Py_DECREF calls them.  NULL-terminated. */
extern const HChar *const pg_pylayout_free_threaded_symbols[];

/* Whether label NAME is one of LAYOUT's control labels. */
Bool pg_pylayout_is_control_label(const PgPyLayout *layout, const HChar *name);

/* The opcode name of handler label NAME: NAME without LAYOUT's
 * opcode_label_prefix, or NULL when NAME does not start with it. */
const HChar *pg_pylayout_opcode_of_label(const PgPyLayout *layout, const HChar *name);

/*------------------------------------------------------------*/
/*--- Known builds (pg_pylayout_known.c)                   ---*/
/*------------------------------------------------------------*/

/* Fills LAYOUT from the table of known builds for major.minor of
 * VERSION_HEX; False if the version is unknown. */
Bool pg_pylayout_known(PgPyLayout *layout, UInt version_hex);

/* Whether NAME is the eval function of some known build: the functions
 * worth asking an object's layout for. */
Bool pg_pylayout_known_eval_function(const HChar *name);

/* Whether NAME (a C function's name without GCC's ".suffix") is one of
 * CPython's functions that only pass a call on to another callable, of
 * any version: the call machinery --python-calls=direct folds. */
Bool pg_pylayout_known_call_machinery(const HChar *name);

#endif /* PG_PYLAYOUT_H */
