/* pg_callstack.c: the shadow call stack (see pg_callstack.h).
 *
 * Inclusive cost is added to an arc only by the outermost activation of
 * its callee in the thread: a recursive call is counted as a call, but its
 * cost is already inside the outer activation's, and adding it again would
 * make a recursive function look more expensive than the whole program.
 * (--inclusive=every adds it for every call, as Callgrind does: then each
 * function's incoming arcs add up to its self cost plus its outgoing
 * ones, which gprof2dot's cycle integration requires.)
 * A bytecode instruction's node is shared by every Python function, and
 * one function's instruction (a CALL) runs the others' (their CALLs): for
 * it the outermost activation is counted per calling function and
 * instruction family, so that a function's instructions still add up to
 * its inclusive cost and a recursion through the same function and
 * instruction counts once.
 *
 * Every operation here is O(1) (amortised) whatever the depth of the
 * stack: Python frames are indexed by their interpreter frame's address,
 * and each frame knows the eval call it runs in (eval_below), because
 * deep generator chains and recursions switch frames at every step.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_callstack.h"
#include "pub_tool_threadstate.h"

static PgNode *root_node;

void pg_callstack_set_root_node(PgNode *root) { root_node = root; }

static UInt *depth_of(PgThread *th, const PgNode *node)
{
   if (node->id >= th->node_depth_capacity) {
      UInt cap = th->node_depth_capacity ? th->node_depth_capacity : 256;
      while (cap <= node->id)
         cap *= 2;
      th->node_depth = pg_realloc("pg.cs.depth", th->node_depth, cap * sizeof(UInt));
      pg_memset(th->node_depth + th->node_depth_capacity, 0,
                (cap - th->node_depth_capacity) * sizeof(UInt));
      th->node_depth_capacity = cap;
   }
   return &th->node_depth[node->id];
}

static Bool c_calls_hidden;
static PgPythonLeaveHook python_leave_hook;

void pg_callstack_set_python_leave_hook(PgPythonLeaveHook hook)
{
   python_leave_hook = hook;
}

void pg_callstack_set_c_calls_hidden(Bool hidden)
{
   c_calls_hidden = hidden;
}

static Bool inclusive_every;

void pg_callstack_set_inclusive_every(Bool every)
{
   inclusive_every = every;
}

PgNode *pg_callstack_current_node(const PgThread *th, PgNode *root)
{
   return th->depth > 0 ? th->frames[th->depth - 1].charge_node : root;
}

/* The held instructions (PgThread.dyn_hold) that the clocks counted:
 * none while collection is off, or a frame pushed then would start after
 * the clock and add a negative cost to its arc. */
static ULong counted_hold(const PgThread *th)
{
   return th->dyn_hold & pg_collect_mask;
}

/*------------------------------------------------------------*/
/*--- Calling contexts (--folded-stacks=yes)               ---*/
/*------------------------------------------------------------*/

/* The instructions that ran since the last stack event (the clock's
 * growth, less the held ones, which belong to the frame about to be
 * pushed: as for arcs) are added to the context of the frame on top.  The
 * clock counts only collected instructions, so the contexts' costs add
 * up to the profile's total.  Off, all this costs a test per event. */

PgContextTable pg_contexts;
Bool           pg_contexts_on;
static HChar  *thread_markers;   /* VG_N_THREADS: the root of thread i is
                                    the context of &thread_markers[i] */
static HChar   signal_marker;

void pg_callstack_enable_contexts(UInt limit)
{
   pg_context_table_init(&pg_contexts, limit);
   thread_markers = pg_calloc("pg.cs.ctxmarkers", VG_N_THREADS, 1);
   pg_contexts_on = True;
}

Int pg_callstack_context_thread(const void *node)
{
   if (thread_markers != NULL && (const HChar *)node >= thread_markers
       && (const HChar *)node < thread_markers + VG_N_THREADS)
      return (Int)((const HChar *)node - thread_markers);
   return -1;
}

Bool pg_callstack_context_is_signal(const void *node)
{
   return node == &signal_marker;
}

/* The context of TH's empty stack: its root node called in the thread's
 * root.  The root node can change (instrumentation started late). */
static UInt base_context(PgThread *th)
{
   const PgNode *root = th->root_node != NULL ? th->root_node : root_node;
   if (th->ctx_base_node != root) {
      UInt thread = pg_context_child(&pg_contexts, PG_CTX_NONE,
                                     &thread_markers[th->tid]);
      th->ctx_base = pg_context_child(&pg_contexts, thread, root);
      th->ctx_base_node = root;
   }
   return th->ctx_base;
}

static UInt top_context(PgThread *th)
{
   return th->depth > 0 ? th->frames[th->depth - 1].ctx : base_context(th);
}

/* Charges the cost since the last event to context CTX. */
static void charge_context_now(PgThread *th, UInt ctx, ULong now)
{
   pg_context_add(&pg_contexts, ctx, now - th->ctx_clock);
   th->ctx_clock = now;
}

static void charge_context(PgThread *th)
{
   charge_context_now(th, top_context(th),
                      pg_threads_clock(th) - counted_hold(th));
}

void pg_callstack_context_charge(PgThread *th)
{
   if (pg_contexts_on)
      charge_context(th);
}

void pg_callstack_context_charge_below_top(PgThread *th)
{
   if (pg_contexts_on)
      charge_context_now(th, th->depth > 1 ? th->frames[th->depth - 2].ctx
                                           : base_context(th),
                         pg_threads_clock(th) - counted_hold(th));
}

void pg_callstack_context_restart(PgThread *th)
{
   if (pg_contexts_on)
      th->ctx_clock = pg_threads_clock(th) - counted_hold(th);
}

void pg_callstack_charge_dynamic(PgThread *th)
{
   pg_callstack_charge_dynamic_before(th, counted_hold(th));
}

void pg_callstack_charge_dynamic_before(PgThread *th, ULong latest)
{
   ULong now = pg_threads_dyn_clock(th);
   if (now - th->dyn_charged < latest)
      return;
   now -= latest;
   ULong cost = now - th->dyn_charged;
   th->dyn_charged = now;
   if (cost == 0)
      return;
   if (th->depth > 0) {
      const PgFrame *top = &th->frames[th->depth - 1];
      pg_profile_charge(th->profile, top->charge_node, top->charge_site, cost);
   } else {
      pg_profile_charge(th->profile, th->root_node ? th->root_node : root_node, 0, cost);
   }
}

static PgFrame *new_frame(PgThread *th)
{
   if (th->depth == th->capacity) {
      th->capacity *= 2;
      th->frames = pg_realloc("pg.cs.frames", th->frames,
                              th->capacity * sizeof(PgFrame));
   }
   return &th->frames[th->depth++];
}

/* The eval_below a frame pushed now inherits. */
static UInt eval_below_top(const PgThread *th)
{
   return th->depth > 0 ? th->frames[th->depth - 1].eval_below : PG_NO_FRAME;
}

void pg_callstack_mark_eval(PgThread *th)
{
   pg_assert(th->depth > 0);
   th->frames[th->depth - 1].eval_below = th->depth - 1;
}

UInt pg_callstack_eval_below(const PgThread *th, UInt index)
{
   return index > 0 && index - 1 < th->depth ? th->frames[index - 1].eval_below : PG_NO_FRAME;
}

/*------------------------------------------------------------*/
/*--- Instruction activations per calling function         ---*/
/*------------------------------------------------------------*/

static UInt pair_hash(UInt caller, const HChar *family)
{
   UInt h = caller * 2654435761u ^ (UInt)((Addr)family >> 3) * 40503u;
   h ^= h >> 16;
   h *= 0x7feb352du;
   return h ^ (h >> 15);
}

static void pair_slots_grow(PgPairDepths *pd)
{
   UInt size = pd->slots == NULL ? 256 : (pd->mask + 1) * 2, i;
   pg_free(pd->slots);
   pd->slots = pg_calloc("pg.cs.pairslots", size, sizeof(UInt));
   pd->mask = size - 1;
   for (i = 0; i < pd->count; i++) {
      UInt s = pair_hash(pd->entries[i].caller, pd->entries[i].family) & pd->mask;
      while (pd->slots[s] != 0)
         s = (s + 1) & pd->mask;
      pd->slots[s] = i + 1;
   }
}

/* The index of TH's entry for (CALLER, FAMILY), made on first use. */
static UInt pair_entry(PgThread *th, UInt caller, const HChar *family)
{
   PgPairDepths *pd = &th->pair_depths;
   UInt s, e;
   if (pd->slots == NULL || 2 * (pd->count + 1) > pd->mask + 1)
      pair_slots_grow(pd);
   for (s = pair_hash(caller, family) & pd->mask; (e = pd->slots[s]) != 0;
        s = (s + 1) & pd->mask)
      if (pd->entries[e - 1].caller == caller && pd->entries[e - 1].family == family)
         return e - 1;
   if (pd->count == pd->capacity) {
      pd->capacity = pd->capacity == 0 ? 256 : pd->capacity * 2;
      pd->entries = pg_realloc("pg.cs.pairs", pd->entries,
                               pd->capacity * sizeof(PgPairDepth));
   }
   pd->entries[pd->count] = (PgPairDepth){ .caller = caller, .family = family, .depth = 0 };
   pd->slots[s] = ++pd->count;
   return pd->count - 1;
}

/*------------------------------------------------------------*/
/*--- Python frames by interpreter frame                   ---*/
/*------------------------------------------------------------*/

static UInt python_bucket(const PgPyFrameIndex *ix, Addr frame)
{
   /* Interpreter frames lie at regular strides: multiply to spread them. */
   return (UInt)(((ULong)frame * 0x9e3779b97f4a7c15ULL) >> 32) & ix->mask;
}

static void link_python(PgThread *th, UInt i)
{
   PgPyFrameIndex *ix = &th->py_index;
   UInt b = python_bucket(ix, th->frames[i].py_frame);
   th->frames[i].py_index_next = ix->heads[b];
   th->frames[i].py_indexed = True;
   ix->heads[b] = i;
   ix->count++;
}

/* Rebuilds the index with BUCKETS buckets from the frames, oldest first,
 * so that each bucket lists its frames newest first. */
static void rebuild_python_index(PgThread *th, UInt buckets)
{
   PgPyFrameIndex *ix = &th->py_index;
   UInt i;
   pg_free(ix->heads);
   ix->heads = pg_malloc("pg.cs.pyindex", buckets * sizeof(UInt));
   for (i = 0; i < buckets; i++)
      ix->heads[i] = PG_NO_FRAME;
   ix->mask = buckets - 1;
   ix->count = 0;
   for (i = 0; i < th->depth; i++)
      if (th->frames[i].py_indexed)
         link_python(th, i);
}

void pg_callstack_index_python(PgThread *th)
{
   PgPyFrameIndex *ix = &th->py_index;
   pg_assert(th->depth > 0 && !th->frames[th->depth - 1].py_indexed);
   if (ix->heads == NULL || ix->count > ix->mask)
      rebuild_python_index(th, ix->heads == NULL ? 256 : (ix->mask + 1) * 2);
   link_python(th, th->depth - 1);
}

/* Frames leave the stack from the top, so the frame at I is the newest of
 * its bucket. */
static void unlink_python(PgThread *th, UInt i)
{
   PgPyFrameIndex *ix = &th->py_index;
   UInt b = python_bucket(ix, th->frames[i].py_frame);
   pg_assert(ix->heads[b] == i);
   ix->heads[b] = th->frames[i].py_index_next;
   th->frames[i].py_indexed = False;
   ix->count--;
}

UInt pg_callstack_find_python(const PgThread *th, UInt low, UInt high, Addr frame,
                              Addr code)
{
   const PgPyFrameIndex *ix = &th->py_index;
   UInt i;
   if (ix->heads == NULL)
      return PG_NO_FRAME;
   for (i = ix->heads[python_bucket(ix, frame)]; i != PG_NO_FRAME && i >= low;
        i = th->frames[i].py_index_next)
      if (i < high && th->frames[i].py_frame == frame && th->frames[i].py_code == code)
         return i;
   return PG_NO_FRAME;
}

/*------------------------------------------------------------*/
/*--- Push and pop                                         ---*/
/*------------------------------------------------------------*/

static void toggle_collect(void)
{
   pg_collect_mask = ~pg_collect_mask;
}

PgFrame *pg_callstack_push_call(PgThread *th, PgNode *caller, Addr site,
                         PgNode *callee, Addr target, Addr sp)
{
   PgFrame *f;
   UInt *depth, eval_below = eval_below_top(th), parent_ctx = 0;
   Bool outermost;

   pg_callstack_charge_dynamic(th);
   if (pg_contexts_on) {
      parent_ctx = top_context(th);
      charge_context_now(th, parent_ctx, pg_threads_clock(th) - counted_hold(th));
   }
   f = new_frame(th);
   /* Every call comes here: an initializer the compiler inlines rather
    * than a call of Valgrind's word-at-a-time memset. */
   *f = (PgFrame){ .node = callee, .sp = sp, .eval_below = eval_below,
                   /* Held instructions (see dyn_hold) ran on behalf of
                    * this frame. */
                   .entry_clock = pg_threads_clock(th) - counted_hold(th),
                   /* A frame that is no node (below) stays in its
                    * caller's context. */
                   .ctx = parent_ctx };
   /* In the Python view C functions are not nodes: like PLT stubs, their
    * cost and calls go to the Python line that called them.  Nor is the
    * interpreter's call machinery with --python-calls=direct: the
    * function it leads to is called from its caller's line. */
   if (callee->skip || callee->call_machinery
       || (callee->kind == PG_NODE_C && c_calls_hidden)) {
      /* A PLT stub: its cost and the calls it makes belong to the caller
       * at the call site, and the call to it is not counted. */
      f->charge_node = caller;
      f->charge_site = site;
      f->arc = NULL;
      f->adds_inclusive = False;
      /* A C function hidden by the Python view still toggles collection
       * (--toggle-collect=PyList_Append): its cost is collected, and
       * charged to the Python line that called it, as the view charges
       * all C cost.  A PLT stub does not toggle in either view: the
       * function it leads to does. */
      if (!callee->skip && callee->toggles_collect) {
         f->in_node_depth = True;
         if ((*depth_of(th, callee))++ == 0) {
            toggle_collect();
            f->toggled_collect = True;
         }
      }
      return f;
   }
   f->charge_node = callee;
   f->charge_site = target;
   if (pg_contexts_on)
      f->ctx = pg_context_child(&pg_contexts, parent_ctx, callee);
   f->arc = pg_profile_arc(th->profile, caller, callee, site, target);
   depth = depth_of(th, callee);
   f->in_node_depth = True;
   outermost = (*depth)++ == 0;
   if (callee->kind == PG_NODE_OPCODE) {
      /* An instruction's frame nested in one of the same instruction of
       * another function (a CALL running a function that executes CALL)
       * is that function's execution: it adds its own inclusive cost, so
       * that a function's instructions add up to its inclusive cost.
       * Nested in one of the same function and family (a recursion), it
       * is inside the outer one's cost already. */
      UInt pair = pair_entry(th, caller->id,
                             callee->opcode_family != NULL ? callee->opcode_family
                                                           : callee->name);
      f->pair = pair + 1;
      f->adds_inclusive = th->pair_depths.entries[pair].depth++ == 0 || inclusive_every;
   } else {
      f->adds_inclusive = outermost || inclusive_every;
   }
   if (callee->toggles_collect && outermost) {
      /* --toggle-collect flips collection when the function's outermost
       * activation starts and again when it ends. */
      toggle_collect();
      f->toggled_collect = True;
   }
   /* Counted whether or not collection is on, as Callgrind does. */
   f->arc->calls++;
   return f;
}

void pg_callstack_record_inferred_call(PgThread *th, PgNode *caller, Addr site,
                                PgNode *callee)
{
   PgArc *arc = pg_profile_arc(th->profile, caller, callee, site, 0);
   arc->calls++;
   arc->ran_collected = True;
}

void pg_callstack_push_signal_marker(PgThread *th, Addr sp)
{
   PgFrame *f;
   UInt parent_ctx = 0;
   pg_callstack_charge_dynamic(th);
   if (pg_contexts_on) {
      parent_ctx = top_context(th);
      charge_context(th);
   }
   f = new_frame(th);
   pg_memset(f, 0, sizeof *f);
   /* The handler runs in a context of its own above the interrupted one. */
   if (pg_contexts_on)
      f->ctx = pg_context_child(&pg_contexts, parent_ctx, &signal_marker);
   /* While the marker is on top (before the handler's first block) the
    * interrupted function still pays for dynamic cost. */
   if (th->depth > 1) {
      f->charge_node = th->frames[th->depth - 2].charge_node;
      f->charge_site = th->frames[th->depth - 2].charge_site;
   } else {
      f->charge_node = root_node;
      f->charge_site = 0;
   }
   f->node = NULL;
   f->eval_below = th->depth > 1 ? th->frames[th->depth - 2].eval_below : PG_NO_FRAME;
   f->uncounted_bb = NULL;
   f->sp = sp;
   f->arc = NULL;
   f->adds_inclusive = False;
   f->toggled_collect = False;
   f->entry_clock = pg_threads_clock(th);
}

void pg_callstack_pop(PgThread *th)
{
   PgFrame *f;
   pg_assert(th->depth > 0);
   pg_callstack_charge_dynamic(th);
   if (pg_contexts_on)
      charge_context(th);
   if (th->frames[th->depth - 1].py_frame != 0 && python_leave_hook != NULL)
      python_leave_hook(th, &th->frames[th->depth - 1]);
   f = &th->frames[--th->depth];
   if (f->arc != NULL) {
      ULong spent = pg_threads_clock(th) - counted_hold(th) - f->entry_clock;
      if (f->adds_inclusive)
         f->arc->inclusive += spent;
      if (spent != 0)
         f->arc->ran_collected = True;
   }
   if (f->in_node_depth)
      (*depth_of(th, f->node))--;
   if (f->pair != 0)
      th->pair_depths.entries[f->pair - 1].depth--;
   if (f->py_indexed)
      unlink_python(th, th->depth);
   if (f->toggled_collect)
      toggle_collect();
}

UInt pg_callstack_unwind_below(PgThread *th, Addr sp)
{
   UInt popped = 0;
   while (th->depth > 0 && th->frames[th->depth - 1].sp < sp) {
      pg_callstack_pop(th);
      popped++;
   }
   return popped;
}

ULong pg_callstack_signal_entry_clock(const PgThread *th)
{
   UInt i = th->depth;
   while (i > 0) {
      i--;
      if (th->frames[i].node == NULL)
         return th->frames[i].entry_clock;
   }
   return pg_threads_clock(th);
}

struct PgBB *pg_callstack_signal_uncounted_bb(const PgThread *th)
{
   UInt i = th->depth;
   while (i > 0) {
      i--;
      if (th->frames[i].node == NULL)
         return th->frames[i].uncounted_bb;
   }
   return NULL;
}

void pg_callstack_unwind_signal(PgThread *th)
{
   while (th->depth > 0) {
      Bool marker = th->frames[th->depth - 1].node == NULL;
      pg_callstack_pop(th);
      if (marker)
         break;
   }
}

void pg_callstack_settle_active(PgThread *th, Bool add_to_arcs)
{
   ULong now = pg_threads_clock(th);
   UInt i;
   pg_callstack_charge_dynamic(th);
   if (pg_contexts_on)
      charge_context(th);
   for (i = 0; i < th->depth; i++) {
      PgFrame *f = &th->frames[i];
      if (add_to_arcs && f->arc != NULL) {
         if (f->adds_inclusive)
            f->arc->inclusive += now - f->entry_clock;
         if (now != f->entry_clock)
            f->arc->ran_collected = True;
      }
      f->entry_clock = now;
   }
}

/*------------------------------------------------------------*/
/*--- Debug printing                                       ---*/
/*------------------------------------------------------------*/

void pg_callstack_print(const PgThread *th, const HChar *when)
{
   UInt i;

   VG_(dmsg)("  shadow stack of thread %u %s (%u frames, top first):\n",
             (UInt)th->tid, when, th->depth);
   for (i = th->depth; i > 0; i--) {
      const PgFrame *f = &th->frames[i - 1];
      if (f->node == NULL) {
         VG_(dmsg)("    #%-4u signal marker  sp %#lx\n", i - 1, f->sp);
      } else if (f->py_frame != 0) {
         VG_(dmsg)("    #%-4u %s (%s)  python frame %#lx code %#lx offset %lu\n",
                   i - 1, f->node->name, f->node->file, f->py_frame, f->py_code,
                   f->charge_site);
      } else {
         VG_(dmsg)("    #%-4u %s%s [%s]  sp %#lx%s\n", i - 1,
                   f->is_opcode ? "opcode " : "", f->node->name, f->node->obj,
                   f->sp, f->py_interp != NULL ? "  (eval loop)" : "");
      }
   }
}
