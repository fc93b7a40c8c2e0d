/* pg_python.h: the Python frame walker.  It recognises a CPython eval
 * function when the tool first meets one, obtains the interpreter's layout
 * (pg_pylayout.h), and keeps Python frames on the same shadow stack as C
 * frames: pushed when the interpreter starts or resumes a frame, popped
 * when it leaves it, with the bytecode position of the frame on top kept
 * current so that the eval loop's instructions are charged to the Python
 * line being executed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PYTHON_H
#define PG_PYTHON_H

#include "pg_port.h"
#include "pg_pylayout.h"
#include "pg_threads.h"

typedef enum {
   PG_VIEW_MIXED,     /* C and Python frames together */
   PG_VIEW_PYTHON     /* Python frames only: C cost goes to the Python line */
} PgView;

/* A label of the eval loop at run time: an instruction's handler
 * (TARGET_*), whose node is that opcode's, or a control label where the
 * interpreter switches frames (start_frame, resume_frame...). */
typedef struct PgPyLabel {
   Addr          addr;
   const HChar  *name;       /* opcode name, or the control label's */
   const HChar  *base;       /* the base instruction's name of a
                                specialised one, else NAME */
   PgNode       *opcode;     /* the opcode node last used for it (of
                                opcode_function); NULL for control */
   const PgNode *opcode_function; /* the Python node OPCODE belongs to */
   Bool          is_opcode;
   struct PgPyLabel *hash_next;
} PgPyLabel;

/* An interpreter the tool has met (one per object holding an eval loop). */
typedef struct PgPyInterp {
   PgPyLayout   layout;
   const HChar *object;
   Bool         usable;
   PtrdiffT     bias;        /* load bias: label addresses + bias = run time */
   PgPyLabel  **labels;      /* hash buckets by run-time address */
   UInt         n_label_buckets;
   Bool         has_labels;  /* frame and position changes are seen at
                                labels only, not after every block */
   /* [dispatch_low, dispatch_high]: the eval function's code from its
    * first to its last instruction label, all in the eval function's own
    * symbol: an indirect jump there (the dispatch to the next
    * instruction) is neither a call nor a return.  Empty (low > high)
    * without labels. */
   Addr         dispatch_low, dispatch_high;
} PgPyInterp;

typedef enum {
   PG_OPCODES_NO,
   PG_OPCODES_YES,           /* one node per instruction, specialised forms apart */
   PG_OPCODES_BASE           /* specialised forms folded into their base */
} PgOpcodeMode;

/* What a Python node knows of its code object, to map bytecode offsets to
 * lines at dump time. */
typedef struct PgPyCode {
   PgLineTableFormat format;
   Int               first_line;
   UInt              code_size;      /* bytes of bytecode */
   UChar            *line_table;
   UInt              line_table_len;
   UChar            *no_line;        /* bit per 2-byte unit: no line of its
                                        own (3.11 loop back-edges...) */
   UChar            *line_start;     /* bit per unit: first unit of a range
                                        of the line table */
   UInt              unit_bytes;     /* bytes per bit of those maps: 2, or 1
                                        for 2.7's variable-length code */
   ULong             lines_hash;     /* of the (offset range, line) pairs:
                                        with code_size, what tells apart
                                        code objects of one name (below) */
   UInt              twins;          /* on the first node of a name and
                                        first line: how many nodes have
                                        them (it included) */
} PgPyCode;

/* DEBUG_RESYNC: print the shadow stack around every resynchronisation. */
void pg_python_init(Bool enabled, PgView view, PgOpcodeMode opcodes, Bool direct_calls,
                    Bool debug_resync);
Bool pg_python_enabled(void);
PgView pg_python_view(void);

/* Called when a C node is made: marks it as an eval function (sets
 * node->eval_of) if it is one of a CPython build the tool can read. */
void pg_python_classify_node(PgNode *node, PtrdiffT bias);

/* The label of interpreter IN at run-time address A, or NULL. */
const PgPyLabel *pg_python_label_at(const PgPyInterp *in, Addr a);

/* A block starting at (or running into) LABEL ran; its last N_INSTRS
 * instructions belong to what the label starts. */
void pg_python_at_label(PgThread *th, PgPyInterp *in, PgPyLabel *label, UInt n_instrs,
                    Bool continues);

/* The eval function's C frame was just pushed (its arguments are still in
 * the argument registers of thread TID). */
void pg_python_eval_entered(PgThread *th, ThreadId tid, PgPyInterp *interp);

/* An eval-loop block of N instructions ran: bring the Python frames and the
 * bytecode position up to date. */
void pg_python_step(PgThread *th, PgPyInterp *interp, UInt n_instrs);

/* The line of bytecode offset OFFSET in NODE's code, or 0 if unknown. */
UInt pg_python_line_of(const PgNode *node, UInt offset);

/* With opcode nodes on, writes the instruction families of every
 * interpreter met whose layout has them, as profile comment lines that
 * callgrind readers skip and pyprofgrind-report folds opcodes by:
 *   # pyprofgrind opcode-family [Python X.Y opcodes] NAME FAMILY
 * one per instruction (FAMILY is NAME for a base instruction), under the
 * object its opcode nodes are written with.  Writes nothing otherwise. */
struct PgWriter;
void pg_python_write_opcode_families(struct PgWriter *w);

#endif /* PG_PYTHON_H */
