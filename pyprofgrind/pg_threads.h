/* pg_threads.h: per-thread execution state: the shadow call stack, the
 * thread's instruction clocks and its recursion depths, and the switch
 * between threads.
 *
 * The clocks of the running thread are globals that instrumented code
 * increments inline (pg_clock counts every collected instruction; it gives
 * inclusive costs as differences.  pg_dyn_clock counts the instructions of
 * "dynamic" blocks, whose cost is charged at the next call-stack event to
 * the frame on top).  A thread switch saves them into the old thread and
 * loads the new thread's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_THREADS_H
#define PG_THREADS_H

#include "pg_port.h"
#include "pg_fn.h"
#include "pg_profile.h"

typedef struct {
   PgNode *node;             /* the callee; NULL for a signal marker */
   PgNode *charge_node;      /* who pays for dynamic cost while on top */
   Addr    charge_site;      /* ...and at which instruction */
   Addr    sp;               /* stack pointer at entry (after the call) */
   PgArc  *arc;              /* the arc this activation is counted on */
   ULong   entry_clock;
   Bool    adds_inclusive;   /* outermost activation of node in this thread */
   Bool    in_node_depth;    /* counted in the thread's node_depth */
   Bool    toggled_collect;  /* entering it toggled collection */
   struct PgBB *uncounted_bb;/* signal marker: the interrupted block, whose
                                count waits for the handler's return */
   /* Python frames (node->kind == PG_NODE_PYTHON): the interpreter's frame
    * and code object; charge_site is the bytecode offset executing. */
   Addr    py_frame;
   Addr    py_code;
   UInt    py_dispatched;    /* bytecode offset of the last instruction
                                started (set at each instruction label) */
   const HChar *py_last_op;  /* that instruction's (interned) name */
   Bool    py_indexed;       /* in the thread's index of Python frames by
                                interpreter frame (PgPyFrameIndex) */
   UInt    py_index_next;    /* ...and the next older frame of its bucket
                                there, or PG_NO_FRAME */
   Bool    is_opcode;        /* a bytecode instruction's frame */
   UInt    pair;             /* an instruction's frame: its entry in the
                                thread's PgPairDepths, plus one; 0 if none */
   /* Eval-function C frames: the interpreter and its thread state. */
   struct PgPyInterp *py_interp;
   Addr    py_tstate;
   /* The newest eval-function C frame at or below this one (its index),
    * or PG_NO_FRAME: finds a Python frame's eval call without scanning
    * the frames of a deep recursion. */
   UInt    eval_below;
   /* Its calling context (pg_context.h), with --folded-stacks=yes. */
   UInt    ctx;
} PgFrame;

/* "No frame", for frame indexes. */
#define PG_NO_FRAME 0xffffffffu

/* Shadow Python frames by their interpreter frame's address, so that the
 * walker finds whether an interpreter frame is on the shadow stack
 * without scanning it: a deep recursion or generator chain would make
 * every frame switch cost the whole depth.  Buckets hold frame indexes,
 * newest first, chained through PgFrame.py_index_next; pushes and pops
 * keep them exact (see pg_callstack_index_python). */
typedef struct {
   UInt *heads;              /* per bucket: newest frame index, or PG_NO_FRAME */
   UInt  mask;               /* buckets - 1 (a power of two minus one) */
   UInt  count;              /* frames indexed */
} PgPyFrameIndex;

/* How many activations of an instruction family (a base instruction and
 * its specialised forms) are running for each calling node (a Python
 * function): an instruction's inclusive cost is added only by the
 * outermost one of the same caller and family, so that a recursion counts
 * it once, and --python-opcodes=yes and =base count the same activations.
 * Entries never move (frames keep their position); a hash of (caller,
 * family) finds them. */
typedef struct {
   UInt         caller;      /* node id */
   const HChar *family;      /* the callee's PgNode.opcode_family */
   UInt         depth;       /* activations running */
} PgPairDepth;

typedef struct {
   PgPairDepth *entries;
   UInt         count, capacity;
   UInt        *slots;       /* open addressing: entry index + 1, 0 empty */
   UInt         mask;        /* slots - 1 */
} PgPairDepths;

typedef struct {
   ThreadId   tid;
   PgFrame   *frames;
   UInt       depth, capacity;
   UInt      *node_depth;           /* active activations per node id */
   UInt       node_depth_capacity;
   ULong      clock, dyn_clock;     /* saved while another thread runs */
   ULong      dyn_charged;          /* dyn_clock at the last charge */
   ULong      dyn_hold;             /* newest instructions not to charge yet:
                                       they belong to a frame about to be
                                       pushed */
   PgProfile *profile;
   PgNode    *root_node;            /* function the thread started in */
   Bool       label_continues;      /* the last eval-loop label jumped
                                       straight into another one's code */
   PgPyFrameIndex py_index;
   PgPairDepths   pair_depths;
   /* --folded-stacks=yes: the clock when contexts were last charged, the
    * thread's root context, and the context of the stack when it is
    * empty (the root node called in the thread's root) and its node. */
   ULong      ctx_clock;
   UInt       ctx_thread;
   UInt       ctx_base;
   const PgNode *ctx_base_node;
} PgThread;

/* Incremented by instrumented code; belong to the running thread. */
extern ULong pg_clock;
extern ULong pg_dyn_clock;
/* All ones while collecting, zero otherwise: instrumented code adds
 * (count & mask). */
extern ULong pg_collect_mask;

void       pg_threads_init(Bool separate_threads);
PgThread  *pg_threads_current(void);
PgThread  *pg_threads_get(ThreadId tid);   /* NULL if never seen */
void       pg_threads_switch_to(ThreadId tid);

/* The clocks of thread TH as of now, whether it runs or not. */
ULong      pg_threads_clock(const PgThread *th);
ULong      pg_threads_dyn_clock(const PgThread *th);

/* Every profile (one, or one per thread). */
UInt       pg_threads_profiles(PgProfile ***out);
/* Iteration over every thread ever seen. */
UInt       pg_threads_all(PgThread ***out);

#endif /* PG_THREADS_H */
