/* pg_callstack.h: operations on a thread's shadow call stack.  Frames are
 * pushed and popped by machine calls and returns (detected by the helpers
 * in pg_main.c), by signal delivery, and later by the Python frame walker;
 * every push or pop first charges the dynamic cost accumulated since the
 * last event to the frame on top, so that cost always lands somewhere.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_CALLSTACK_H
#define PG_CALLSTACK_H

#include "pg_threads.h"
#include "pg_context.h"

/* In the Python view C functions are no nodes: a call of one is charged
 * to its caller, as a PLT stub's is (set once, from the options). */
void    pg_callstack_set_c_calls_hidden(Bool hidden);

/* --inclusive=every: every activation adds its cost to its arc, not only
 * the callee's outermost one (set once, from the options). */
void    pg_callstack_set_inclusive_every(Bool every);

/* The function executing when TH's top frame is on top (a skipped PLT
 * frame answers for its caller); ROOT when the stack is empty. */
PgNode *pg_callstack_current_node(const PgThread *th, PgNode *root);

/* Pushes a call of CALLEE from CALLER at instruction SITE.  SP is the stack
 * pointer at the callee's entry; TARGET the callee's entry address. */
PgFrame *pg_callstack_push_call(PgThread *th, PgNode *caller, Addr site,
                         PgNode *callee, Addr target, Addr sp);

/* Counts a call of CALLEE from CALLER at SITE that happened before the
 * stack was known (seen only by its return). */
void    pg_callstack_record_inferred_call(PgThread *th, PgNode *caller, Addr site,
                                   PgNode *callee);

/* The frame on top is an eval function's C frame: frames pushed above it
 * know it as their eval call (PgFrame.eval_below). */
void    pg_callstack_mark_eval(PgThread *th);

/* The newest eval frame below index INDEX (INDEX itself excluded), or
 * PG_NO_FRAME; with INDEX = TH->depth the newest eval frame of all. */
UInt    pg_callstack_eval_below(const PgThread *th, UInt index);

/* Enters the frame on top, a Python frame whose py_frame and py_code are
 * set, into TH's index of Python frames; pg_callstack_pop takes it out. */
void    pg_callstack_index_python(PgThread *th);

/* The index of the newest Python frame in [LOW, HIGH) that runs
 * interpreter frame FRAME with code object CODE, or PG_NO_FRAME.  O(1)
 * expected, whatever the depth. */
UInt    pg_callstack_find_python(const PgThread *th, UInt low, UInt high, Addr frame,
                                 Addr code);

/* Called with each Python frame (py_frame != 0) just before it leaves the
 * stack, whatever pops it.  Set once by the walker, so that this module
 * needs nothing of it. */
typedef void (*PgPythonLeaveHook)(PgThread *th, PgFrame *f);
void    pg_callstack_set_python_leave_hook(PgPythonLeaveHook hook);

/* Pushes a marker for a signal delivered with stack pointer SP. */
void    pg_callstack_push_signal_marker(PgThread *th, Addr sp);

/* Pops the top frame. */
void    pg_callstack_pop(PgThread *th);

/* Pops every frame whose entry SP is below SP (returns, longjmp,
 * exceptions); returns how many. */
UInt    pg_callstack_unwind_below(PgThread *th, Addr sp);

/* The clock when the newest signal was delivered. */
ULong   pg_callstack_signal_entry_clock(const PgThread *th);

/* The block whose count waits for the newest signal handler's return. */
struct PgBB *pg_callstack_signal_uncounted_bb(const PgThread *th);

/* Pops frames down to and including the newest signal marker. */
void    pg_callstack_unwind_signal(PgThread *th);

/* Charges TH's dynamic cost since the last event to the frame on top. */
void    pg_callstack_charge_dynamic(PgThread *th);

/* Same, but leaves the last LATEST instructions uncharged (they belong to
 * the position the caller is about to set). */
void    pg_callstack_charge_dynamic_before(PgThread *th, ULong latest);

/* Adds the cost so far of TH's active calls to their arcs and restarts
 * their clocks (before a dump), or only restarts them (after zeroing). */
void    pg_callstack_settle_active(PgThread *th, Bool add_to_arcs);

/* Node of dynamic cost charged while the stack is empty. */
void    pg_callstack_set_root_node(PgNode *root);

/* Prints TH's shadow stack on the debug channel, top first, one frame a
 * line under the heading WHEN (for --debug-resync). */
void    pg_callstack_print(const PgThread *th, const HChar *when);

/* Calling contexts (--folded-stacks=yes): every frame gets the context
 * of its stack, and the instructions that run while it is on top are
 * added to that context (pg_context.h).  Off unless enabled, once, before
 * any frame is pushed; LIMIT bounds the number of contexts. */
extern PgContextTable pg_contexts;
extern Bool           pg_contexts_on;
void    pg_callstack_enable_contexts(UInt limit);

/* The thread whose root context NODE (a context's node) is, or -1. */
Int     pg_callstack_context_thread(const void *node);
/* Whether NODE is the marker of a signal handler's context. */
Bool    pg_callstack_context_is_signal(const void *node);

/* Charges the instructions since TH's last stack event to the context of
 * the frame on top (before the root node changes). */
void    pg_callstack_context_charge(PgThread *th);
/* Same, to the frame below the top (a signal marker just pushed): for an
 * interrupted block uncounted after the marker was pushed. */
void    pg_callstack_context_charge_below_top(PgThread *th);
/* Restarts TH's context clock without charging (its clock was set back:
 * a signal handler returned). */
void    pg_callstack_context_restart(PgThread *th);

#endif /* PG_CALLSTACK_H */
