/* pg_main.c: pyprofgrind, a Valgrind tool that counts executed instructions
 * and builds a call graph in Callgrind's format, designed so that Python
 * frames can share the call stack with C frames.
 *
 * Read top to bottom: options, runtime state, the helpers that instrumented
 * code calls at control transfers, instrumentation, client requests and
 * other events, then fini and registration.
 *
 * The cost model, and why it is cheap: a block's self cost is counted
 * inline (one counter per segment between side exits, no helper call), and
 * attributed to the function that contains the block.  Helpers run only at
 * calls, returns, indirect jumps and jumps to other functions, where the
 * shadow stack changes; inclusive costs are differences of a per-thread
 * instruction clock taken at those events.  Blocks whose owner depends on
 * the stack rather than on their address (PLT stubs, code without a symbol)
 * are "dynamic": they advance a second clock whose growth is charged to the
 * frame on top at the next stack event.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_port.h"
#include "pub_tool_tooliface.h"
#include "pub_tool_options.h"
#include "pub_tool_machine.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_transtab.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_threadstate.h"
#include "pub_tool_vki.h"
#include "pub_tool_aspacemgr.h"
#include "pub_tool_vkiscnums.h"
#include "libvex_guest_offsets.h"
#include "libvex_guest_amd64.h"
#include "callgrind.h"
#include "pg_vgversion.h"

#include "pg_options.h"
#include "pg_outname.h"
#include "pg_fn.h"
#include "pg_bb.h"
#include "pg_profile.h"
#include "pg_threads.h"
#include "pg_callstack.h"
#include "pg_dump.h"
#include "pg_python.h"
#include "pg_guestmem.h"

/*------------------------------------------------------------*/
/*--- Options                                              ---*/
/*------------------------------------------------------------*/

static PgOptions clo;

static Bool pg_process_cmd_line_option(const HChar *arg)
{
   HChar err[256];
   switch (pg_options_parse(&clo, arg, err, sizeof err)) {
   case PG_OPT_OK:
      return True;
   case PG_OPT_BAD_VALUE:
      /* One line that names the option and the accepted values. */
      VG_(fmsg)("%s\n", err);
      VG_(exit)(1);
      return False;
   case PG_OPT_UNKNOWN:
   default:
      return False;
   }
}

static void pg_print_usage(void)
{
   VG_(printf)("%s", pg_options_usage);
}

static void pg_print_debug_usage(void)
{
   VG_(printf)("%s", pg_options_debug_usage);
}

/*------------------------------------------------------------*/
/*--- Runtime state                                        ---*/
/*------------------------------------------------------------*/

static Bool    instrumenting;       /* START/STOP_INSTRUMENTATION */
static PgNode *root_node;           /* charged for dynamic cost at the root */

/* The last block that ended in a system call or client request, stored
 * inline by that block: the only blocks whose counting must sometimes be
 * undone or redone (see adjust_last_block). */
static PgBB   *last_special_bb;

/*------------------------------------------------------------*/
/*--- Helpers called by instrumented code                  ---*/
/*------------------------------------------------------------*/

/* The function on whose behalf code runs now: the frame on top, or the
 * block's own function at the root or just after a signal arrived. */
static PgNode *current_caller(const PgThread *th, const PgBB *bb)
{
   if (th->depth == 0)
      return th->root_node != NULL ? th->root_node : bb->code->node;
   if (th->frames[th->depth - 1].node == NULL) {
      /* A signal handler: a root of its own in the mixed view (as in
       * Callgrind); in the Python view its cost is the interrupted
       * Python line's. */
      if (pg_python_enabled() && pg_python_view() == PG_VIEW_PYTHON)
         return th->frames[th->depth - 1].charge_node;
      return bb->code->node;
   }
   return th->frames[th->depth - 1].charge_node;
}

static Addr call_site_of(const PgThread *th, const PgBB *bb)
{
   /* Calls made from a PLT stub are made at the stub's call site; calls
    * the eval loop makes for a Python frame at that frame's position; an
    * instruction's frame calls from the eval loop's own code. */
   if (th->depth > 0) {
      const PgFrame *top = &th->frames[th->depth - 1];
      if (bb->code->node->skip || (bb->dynamic && !top->is_opcode))
         return top->charge_site;
   }
   return bb->addr + bb->instr_offset[bb->n_instrs - 1];
}

static void push_call(PgThread *th, const PgBB *bb, Addr target, Addr sp)
{
   const PgCodeInfo *callee = pg_fn_code_info(target);
   /* Machine code without a symbol that an eval loop calls is a JIT trace
    * (3.13+ built with the JIT, PYTHON_JIT=1; entered through a shim that
    * has no symbol either): it runs the Python frame on top, so, like a
    * PLT stub, it is no node of its own: its cost and the
    * calls it makes are that frame's, at its current line. */
   if (!callee->has_symbol && !callee->node->skip && pg_python_enabled()
       && (bb->code->node->eval_of != NULL || bb->code->node->jit_code)) {
      callee->node->skip = True;
      callee->node->jit_code = True;
   }
   pg_callstack_push_call(th, current_caller(th, bb), call_site_of(th, bb),
                   callee->node, target, sp);
   if (callee->node->eval_of != NULL && !callee->node->eval_piece)
      pg_python_eval_entered(th, VG_(get_running_tid)(), callee->node->eval_of);
}

/* A jump is a call when it enters a function at its first instruction or
 * crosses into another object or section kind (PLT to text, library to
 * library): Callgrind's rule, kept so that both tools draw the same graph. */
static Bool jump_is_call(const PgBB *bb, const PgCodeInfo *target)
{
   /* Object names are interned: equal names are the same pointer. */
   /* The parts of a split eval function are one eval loop. */
   if (target->node->eval_piece && target->node->eval_of == bb->code->node->eval_of)
      return False;
   /* The handlers of a tail-calling interpreter are one node: a jump from
    * one to the next is the dispatch of the next instruction. */
   if (target->node->dispatch_group && target->node == bb->code->node)
      return False;
   return target->is_entry || target->sect != bb->code->sect
          || target->node->obj != bb->code->node->obj;
}

/* Whether a call (RETURNING False) or a return that leaves no frame
 * (RETURNING True) from BB to TARGET stays inside one eval loop that is
 * split into functions: a tail-calling build's eval function calls its
 * first instruction's function, and the last one returns to it.  A call
 * to the eval function itself is a new eval call, from anywhere. */
static Bool within_split_eval_loop(const PgBB *bb, Addr target, Bool returning)
{
   const PgPyInterp *in = bb->code->node->eval_of;
   const PgNode *to;
   if (in == NULL)
      return False;
   to = pg_fn_code_info(target)->node;
   if (to->eval_of != in)
      return False;
   return returning ? bb->code->node->eval_piece : to->eval_piece;
}

static VG_REGPARM(3) void helper_call(PgBB *bb, Addr target, Addr sp)
{
   PgThread *th = pg_threads_current();
   pg_callstack_unwind_below(th, sp);
   if (within_split_eval_loop(bb, target, False))
      return;
   push_call(th, bb, target, sp);
}

static VG_REGPARM(3) void helper_return(PgBB *bb, Addr target, Addr sp)
{
   PgThread *th = pg_threads_current();
   if (pg_callstack_unwind_below(th, sp) > 0)
      return;
   if (th->depth == 0) {
      /* Returning above the oldest known frame (instrumentation was
       * started late): the function returned to called the one running,
       * as Callgrind infers, and runs on from now. */
      PgNode *returning = current_caller(th, bb);
      pg_callstack_context_charge(th);
      th->root_node = pg_fn_code_info(target - 1)->node;
      pg_callstack_record_inferred_call(th, th->root_node, target - 1, returning);
      return;
   }
   /* A return that leaves no frame is a jump (e.g. "push; ret"), and
    * Callgrind always makes that a call; except from a piece of an eval
    * loop into the loop (no frame was pushed for the call it returns
    * from). */
   if (th->depth > 0 && th->frames[th->depth - 1].node != NULL
       && !within_split_eval_loop(bb, target, True))
      push_call(th, bb, target, sp);
}

static VG_REGPARM(3) void helper_jump(PgBB *bb, Addr target, Addr sp)
{
   PgThread *th = pg_threads_current();
   Bool left_trampoline = False;

   /* The lazy-binding trampoline leaves by jumping to the resolved
    * function: that is a call from whoever called the trampoline. */
   if (bb->code->node->pop_on_jump && th->depth > 0
       && th->frames[th->depth - 1].node == bb->code->node) {
      pg_callstack_pop(th);
      left_trampoline = True;
   }
   /* A jump that leaves frames (longjmp, exceptions) is a return to the
    * frame it lands in, never also a call. */
   if (pg_callstack_unwind_below(th, sp) > 0 && !left_trampoline)
      return;
   if (!jump_is_call(bb, pg_fn_code_info(target)))
      return;
   push_call(th, bb, target, sp);
}

/*------------------------------------------------------------*/
/*--- Instrumentation                                      ---*/
/*------------------------------------------------------------*/

#define MAX_INSTRS 4096

/* Emits "*addr += (n & mask)" for a 64-bit cell at a constant address. */
static void add_masked_at(IRSB *sb, IRExpr *addr, ULong n, IRTemp mask)
{
   IRTemp old = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp inc = newIRTemp(sb->tyenv, Ity_I64);
   IRTemp sum = newIRTemp(sb->tyenv, Ity_I64);
   addStmtToIRSB(sb, IRStmt_WrTmp(old, IRExpr_Load(Iend_LE, Ity_I64, addr)));
   addStmtToIRSB(sb, IRStmt_WrTmp(inc,
      IRExpr_Binop(Iop_And64, IRExpr_Const(IRConst_U64(n)), IRExpr_RdTmp(mask))));
   addStmtToIRSB(sb, IRStmt_WrTmp(sum,
      IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(old), IRExpr_RdTmp(inc))));
   addStmtToIRSB(sb, IRStmt_Store(Iend_LE, addr, IRExpr_RdTmp(sum)));
}

static IRTemp load_global(IRSB *sb, const void *where)
{
   IRTemp t = newIRTemp(sb->tyenv, Ity_I64);
   addStmtToIRSB(sb, IRStmt_WrTmp(t, IRExpr_Load(Iend_LE, Ity_I64,
                                  IRExpr_Const(IRConst_U64((Addr)where)))));
   return t;
}

/* Counts segment SEG (N instructions) of BB as passed. */
static void count_segment(IRSB *sb, const PgBB *bb, UInt seg, UInt n,
                          IRTemp mask, IRTemp counters)
{
   if (n == 0)
      return;
   add_masked_at(sb, IRExpr_Const(IRConst_U64((Addr)&pg_clock)), n, mask);
   if (bb->dynamic) {
      add_masked_at(sb, IRExpr_Const(IRConst_U64((Addr)&pg_dyn_clock)), n, mask);
   } else {
      IRTemp cell = newIRTemp(sb->tyenv, Ity_I64);
      addStmtToIRSB(sb, IRStmt_WrTmp(cell,
         IRExpr_Binop(Iop_Add64, IRExpr_RdTmp(counters),
            IRExpr_Const(IRConst_U64((ULong)(bb->first_slot + seg) * sizeof(ULong))))));
      add_masked_at(sb, IRExpr_RdTmp(cell), 1, mask);
   }
}

static void call_helper(IRSB *sb, const HChar *name, void *fn, PgBB *bb,
                        IRExpr *target, IRExpr *guard)
{
   IRTemp sp = newIRTemp(sb->tyenv, Ity_I64);
   IRExpr **args;
   IRDirty *di;
   addStmtToIRSB(sb, IRStmt_WrTmp(sp, IRExpr_Get(OFFSET_amd64_RSP, Ity_I64)));
   args = mkIRExprVec_3(IRExpr_Const(IRConst_U64((Addr)bb)), target,
                        IRExpr_RdTmp(sp));
   di = unsafeIRDirty_0_N(3, name, VG_(fnptr_to_fnentry)(fn), args);
   if (guard != NULL)
      di->guard = guard;
   addStmtToIRSB(sb, IRStmt_Dirty(di));
}

/* The helper a transfer of kind JK to TARGET needs, or NULL. */
static void *helper_for_transfer(const PgBB *bb, IRJumpKind jk, IRExpr *target,
                                 const HChar **name)
{
   switch (jk) {
   case Ijk_Call:
      *name = "helper_call";
      return helper_call;
   case Ijk_Ret:
      *name = "helper_return";
      return helper_return;
   case Ijk_Boring:
      if (target->tag == Iex_Const) {
         Addr to = (Addr)target->Iex.Const.con->Ico.U64;
         if (!jump_is_call(bb, pg_fn_code_info(to)))
            return NULL;
      }
      *name = "helper_jump";
      return helper_jump;
   default:
      return NULL;
   }
}

/* For an indirect jump of an eval-loop block: a guard that is false when
 * TARGET lies in the dispatch range, so that the dispatch to the next
 * bytecode instruction (one per instruction executed) calls no helper;
 * NULL (always call) elsewhere. */
static IRExpr *outside_dispatch(IRSB *sb, const PgBB *bb, IRExpr *target)
{
   const PgPyInterp *in = bb->code->node->eval_of;
   IRTemp offset, outside;
   if (in == NULL || in->dispatch_low > in->dispatch_high || target->tag == Iex_Const)
      return NULL;
   offset = newIRTemp(sb->tyenv, Ity_I64);
   outside = newIRTemp(sb->tyenv, Ity_I1);
   addStmtToIRSB(sb, IRStmt_WrTmp(offset, IRExpr_Binop(Iop_Sub64, target,
                 IRExpr_Const(IRConst_U64(in->dispatch_low)))));
   addStmtToIRSB(sb, IRStmt_WrTmp(outside, IRExpr_Binop(Iop_CmpLT64U,
                 IRExpr_Const(IRConst_U64(in->dispatch_high - in->dispatch_low)),
                 IRExpr_RdTmp(offset))));
   return IRExpr_RdTmp(outside);
}

static Bool block_is_dynamic(const PgCodeInfo *code)
{
   /* Code without a symbol belongs to whichever function jumped into it;
    * PLT stubs to their caller; the eval loop to the Python frame it runs;
    * the interpreter's call machinery (--python-calls=direct) to whoever
    * made the call;
    * in the Python view, all C code to the Python line that caused it. */
   return code->node->skip || !code->has_symbol || code->node->shared_body
          || code->node->eval_of != NULL || code->node->call_machinery
          || (pg_python_enabled() && pg_python_view() == PG_VIEW_PYTHON);
}

static VG_REGPARM(2) void helper_py_step(PgBB *bb, UWord n_instrs)
{
   pg_python_step(pg_threads_current(), bb->code->node->eval_of, (UInt)n_instrs);
}

/* N_INSTRS carries in its top bit whether the label's block only jumps
 * into another label (see pg_python_at_label). */
#define LABEL_CONTINUES (1UL << 63)

static VG_REGPARM(3) void helper_py_label(PgBB *bb, PgPyLabel *label, UWord n_instrs)
{
   pg_python_at_label(pg_threads_current(), bb->code->node->eval_of, label,
                  (UInt)(n_instrs & ~LABEL_CONTINUES), (n_instrs & LABEL_CONTINUES) != 0);
}

/* After an eval-loop block: at a label of the interpreter (an instruction
 * starts, or frames may switch), or after every block when the labels are
 * unknown. */
static void call_py_helper(IRSB *sb, PgBB *bb, const PgPyLabel *label, UInt n,
                           Bool continues)
{
   IRExpr **args;
   IRDirty *di;
   if (label != NULL) {
      args = mkIRExprVec_3(IRExpr_Const(IRConst_U64((Addr)bb)),
                           IRExpr_Const(IRConst_U64((Addr)label)),
                           IRExpr_Const(IRConst_U64(n | (continues ? LABEL_CONTINUES : 0))));
      di = unsafeIRDirty_0_N(3, "helper_py_label",
                             VG_(fnptr_to_fnentry)(helper_py_label), args);
   } else {
      args = mkIRExprVec_2(IRExpr_Const(IRConst_U64((Addr)bb)),
                           IRExpr_Const(IRConst_U64(n)));
      di = unsafeIRDirty_0_N(2, "helper_py_step",
                             VG_(fnptr_to_fnentry)(helper_py_step), args);
   }
   addStmtToIRSB(sb, IRStmt_Dirty(di));
}

/* The last label among BB's instructions, and the index of its
 * instruction. */
static const PgPyLabel *label_in_block(const PgBB *bb, UInt *label_index)
{
   const PgPyInterp *in = bb->code->node->eval_of;
   const PgPyLabel *found = NULL;
   UInt i;
   for (i = 0; i < bb->n_instrs; i++) {
      const PgPyLabel *l = pg_python_label_at(in, bb->addr + bb->instr_offset[i]);
      if (l != NULL) {
         found = l;
         *label_index = i;
      }
   }
   return found;
}

/* Code jumped into from another function's body runs on that function's
 * behalf (Callgrind's context rule: mempcpy jumps into memcpy), so such a
 * function must be counted dynamically.  Returns True when TARGET makes
 * its function such a function for the first time: its static translations
 * made so far must then go (see request_retranslation). */
/* GCC splits one source function into foo, foo.cold, foo.part.0...: jumps
 * among those are one function's control flow, not a shared body. */
static Bool same_source_function(const HChar *a, const HChar *b)
{
   while (*a && *a == *b && *a != '.') {
      a++;
      b++;
   }
   return (*a == 0 || *a == '.') && (*b == 0 || *b == '.');
}

static Bool note_jump_target(const PgBB *bb, IRJumpKind jk, const IRConst *dst)
{
   const PgCodeInfo *to;
   if (jk != Ijk_Boring || !bb->code->has_symbol)
      return False;
   to = pg_fn_code_info((Addr)dst->Ico.U64);
   if (to->node == bb->code->node || !to->has_symbol || to->node->shared_body
       || jump_is_call(bb, to)
       || same_source_function(to->node->name, bb->code->node->name))
      return False;
   to->node->shared_body = True;
   if (VG_(clo_verbosity) > 1)
      VG_(dmsg)("pyprofgrind: %s jumps into the body of %s: counting it "
                "dynamically\n", bb->code->node->name, to->node->name);
   return True;
}

/* Translations cannot be discarded while translating, so the block that
 * found a shared body asks the scheduler to do it when it leaves: the
 * exit becomes an instruction-cache invalidation of all client code (the
 * same mechanism self-modifying code uses).  This happens once per such
 * function, a handful of times per run. */
static void request_retranslation(IRSB *sb)
{
   addStmtToIRSB(sb, IRStmt_Put(__builtin_offsetof(VexGuestAMD64State, guest_CMSTART),
                                IRExpr_Const(IRConst_U64(0x1000))));
   addStmtToIRSB(sb, IRStmt_Put(__builtin_offsetof(VexGuestAMD64State, guest_CMLEN),
                                IRExpr_Const(IRConst_U64(0x7fffffffe000ULL))));
}

static IRSB *pg_instrument(VgCallbackClosure *closure, IRSB *sb_in,
                           const VexGuestLayout *layout,
                           const VexGuestExtents *vge,
                           const VexArchInfo *archinfo_host,
                           IRType gWordTy, IRType hWordTy)
{
   static UInt   instr_offset[MAX_INSTRS];
   static UShort instr_segment[MAX_INSTRS];
   static UInt   segment_size[MAX_INSTRS];
   UInt    n_instrs = 0, n_segments = 1, seg;
   Int     i, first;
   Addr    base;
   PgBB   *bb;
   IRSB   *sb;
   IRTemp  mask, counters = IRTemp_INVALID;
   const HChar *helper_name;
   void   *helper;
   const PgPyInterp *py_in;
   const PgPyLabel  *py_label;
   UInt    label_index = 0, instrs_seen = 0;
   Bool    py_pending, label_continues;

   if (!instrumenting)
      return sb_in;

   /* Pass 1: instruction offsets and the segments between side exits. */
   for (first = 0; first < sb_in->stmts_used; first++)
      if (sb_in->stmts[first]->tag == Ist_IMark)
         break;
   if (first == sb_in->stmts_used)
      return sb_in;
   base = (Addr)sb_in->stmts[first]->Ist.IMark.addr;
   segment_size[0] = 0;
   for (i = first; i < sb_in->stmts_used; i++) {
      IRStmt *st = sb_in->stmts[i];
      if (st->tag == Ist_IMark) {
         pg_assert(n_instrs < MAX_INSTRS);
         instr_offset[n_instrs] = (UInt)(st->Ist.IMark.addr - base);
         instr_segment[n_instrs] = (UShort)(n_segments - 1);
         segment_size[n_segments - 1]++;
         n_instrs++;
      } else if (st->tag == Ist_Exit) {
         pg_assert(n_segments < MAX_INSTRS);
         segment_size[n_segments++] = 0;
      }
   }
   /* An exit after the last instruction's statements leaves an empty last
    * segment; keep it (its counter stays zero). */
   bb = pg_bb_get(base, n_instrs, instr_offset, instr_segment, n_segments);
   bb->dynamic = block_is_dynamic(bb->code);

   /* Pass 2: copy, counting each segment just before its exit. */
   sb = deepCopyIRSBExceptStmts(sb_in);
   for (i = 0; i < first; i++)
      addStmtToIRSB(sb, sb_in->stmts[i]);
   mask = load_global(sb, &pg_collect_mask);
   if (!bb->dynamic)
      counters = load_global(sb, &pg_bb_current_counters);

   /* An eval-loop block tells the Python walker where the interpreter is:
    * after the instruction label it contains, as early as possible (before
    * the first side exit past the label, which may be the common path),
    * or after the whole block when the labels are unknown. */
   py_in = bb->code->node->eval_of;
   py_label = py_in != NULL ? label_in_block(bb, &label_index) : NULL;
   py_pending = py_label != NULL || (py_in != NULL && !py_in->has_labels);
   label_continues = py_label != NULL && bb->n_instrs == 1
                     && sb_in->jumpkind == Ijk_Boring && sb_in->next->tag == Iex_Const
                     && pg_python_label_at(py_in, (Addr)sb_in->next->Iex.Const.con->Ico.U64) != NULL;

   seg = 0;
   for (i = first; i < sb_in->stmts_used; i++) {
      IRStmt *st = sb_in->stmts[i];
      if (st->tag == Ist_IMark)
         instrs_seen++;
      if (st->tag == Ist_Exit) {
         count_segment(sb, bb, seg, segment_size[seg], mask, counters);
         seg++;
         if (py_pending && py_label != NULL && instrs_seen > label_index) {
            call_py_helper(sb, bb, py_label, instrs_seen - label_index, label_continues);
            py_pending = False;
         }
         if (note_jump_target(bb, st->Ist.Exit.jk, st->Ist.Exit.dst)) {
            request_retranslation(sb);
            addStmtToIRSB(sb, IRStmt_Exit(st->Ist.Exit.guard, Ijk_InvalICache,
                                          st->Ist.Exit.dst, st->Ist.Exit.offsIP));
            continue;
         }
         helper = helper_for_transfer(bb, st->Ist.Exit.jk,
                                      IRExpr_Const(st->Ist.Exit.dst), &helper_name);
         if (helper != NULL)
            call_helper(sb, helper_name, helper, bb,
                        IRExpr_Const(st->Ist.Exit.dst), st->Ist.Exit.guard);
      }
      addStmtToIRSB(sb, st);
   }
   count_segment(sb, bb, seg, segment_size[seg], mask, counters);
   if (py_pending)
      call_py_helper(sb, bb, py_label,
                     py_label != NULL ? bb->n_instrs - label_index : bb->n_instrs,
                     label_continues);

   switch (sb_in->jumpkind) {
   case Ijk_Sys_syscall:
   case Ijk_ClientReq:
      addStmtToIRSB(sb, IRStmt_Store(Iend_LE,
                    IRExpr_Const(IRConst_U64((Addr)&last_special_bb)),
                    IRExpr_Const(IRConst_U64((Addr)bb))));
      break;
   default:
      if (sb_in->next->tag == Iex_Const
          && note_jump_target(bb, sb_in->jumpkind, sb_in->next->Iex.Const.con)) {
         request_retranslation(sb);
         sb->jumpkind = Ijk_InvalICache;
         break;
      }
      helper = helper_for_transfer(bb, sb_in->jumpkind, sb_in->next, &helper_name);
      if (helper != NULL)
         call_helper(sb, helper_name, helper, bb, sb_in->next,
                     helper == (void *)helper_jump ? outside_dispatch(sb, bb, sb_in->next)
                                                   : NULL);
      break;
   }
   return sb;
}

/* Callgrind charges a block at the start of the next one, so it never
 * charges a thread's last block (the exit system call), nor the signal
 * return trampoline, nor the block before a signal whose handler leaves by
 * longjmp; and it charges a client request's block under the collection
 * state the request set.  We count blocks as they run and undo or redo the
 * count of such a block to report the same totals. */
static void recount_block(PgBB *bb, Long times)
{
   UInt last, n = 0, i;
   if (bb == NULL)
      return;
   last = bb->n_segments - 1;
   for (i = 0; i < bb->n_instrs; i++)
      if (bb->instr_segment[i] == last)
         n++;
   pg_clock += times * (Long)n;
   if (bb->dynamic)
      pg_dyn_clock += times * (Long)n;
   else
      pg_bb_current_counters[bb->first_slot + last] += times;
}

static void adjust_last_block(Long times)
{
   recount_block(last_special_bb, times);
   last_special_bb = NULL;
}

/*------------------------------------------------------------*/
/*--- Events: threads, signals, system calls, fork         ---*/
/*------------------------------------------------------------*/

/* The block that ran last before the scheduler took over, when that was a
 * system call: a signal delivered now interrupts right after it. */
static PgBB *block_before_scheduler;

static void pg_start_client_code(ThreadId tid, ULong blocks_done)
{
   PgThread *th;
   block_before_scheduler = NULL;
   pg_threads_switch_to(tid);
   th = pg_threads_current();
   if (th->root_node == NULL) {
      /* The function a thread starts in is the root of its graph. */
      th->root_node = pg_fn_code_info(VG_(get_IP)(tid))->node;
   }
}

static void pg_pre_deliver_signal(ThreadId tid, Int sig, Bool alt_stack)
{
   PgThread *th;
   pg_threads_switch_to(tid);
   th = pg_threads_current();
   pg_callstack_push_signal_marker(th, VG_(get_SP)(tid));
   /* Counted again if the handler returns normally. */
   if (block_before_scheduler != NULL && pg_collect_mask) {
      recount_block(block_before_scheduler, -1);
      th->frames[th->depth - 1].uncounted_bb = block_before_scheduler;
      /* The marker's push charged it to the interrupted context: take it
       * back there (it is charged again when the handler returns). */
      pg_callstack_context_charge_below_top(th);
   }
   block_before_scheduler = NULL;
}

static void pg_post_deliver_signal(ThreadId tid, Int sig)
{
   PgThread *th;
   ULong at_delivery;
   PgBB *interrupted;
   pg_threads_switch_to(tid);
   th = pg_threads_current();
   if (th->depth == 0)
      return;
   /* The handler is a root of the graph: its cost is not part of the
    * interrupted call's inclusive cost (as in Callgrind). */
   at_delivery = pg_callstack_signal_entry_clock(th);
   interrupted = pg_callstack_signal_uncounted_bb(th);
   pg_callstack_unwind_signal(th);
   pg_clock = at_delivery;
   /* The handler's cost went to its contexts already. */
   pg_callstack_context_restart(th);
   recount_block(interrupted, 1);
}

static void pg_pre_syscall(ThreadId tid, UInt sysno, UWord *args, UInt nargs)
{
   if (sysno == __NR_exit || sysno == __NR_exit_group
       || sysno == __NR_rt_sigreturn) {
      pg_threads_switch_to(tid);
      if (pg_collect_mask)
         adjust_last_block(-1);
   }
}

static void pg_post_syscall(ThreadId tid, UInt sysno, UWord *args, UInt nargs,
                            SysRes res)
{
   block_before_scheduler = last_special_bb;
}

static void pg_discard_superblock(Addr orig_addr, VexGuestExtents vge)
{
   /* Nothing to do: a block translated again at the same address with the
    * same shape keeps its counters (see pg_bb_get); code that goes away
    * is handled at munmap. */
}

static void pg_munmap(Addr a, SizeT len)
{
   pg_guestmem_forget();
   pg_bb_forget_range(a, len);
   pg_fn_forget_range(a, len);
}

static void pg_mprotect(Addr a, SizeT len, Bool rr, Bool ww, Bool xx)
{
   pg_guestmem_forget();
}

static HChar *out_name;

static const HChar *client_getenv(void *ctx, const HChar *name)
{
   return VG_(getenv)(name);
}

static void expand_out_name(void)
{
   HChar err[512];
   HChar *name = pg_outname_expand(clo.out_file, VG_(getpid)(), client_getenv, NULL,
                                   VG_(get_startup_wd)(), err, sizeof err);
   if (name == NULL) {
      VG_(fmsg)("--pyprofgrind-out-file: %s\n", err);
      VG_(exit)(1);
   }
   if (out_name != NULL)
      pg_free(out_name);
   out_name = name;
}

static void pg_fork_child(ThreadId tid)
{
   /* The child's profile starts at the fork and goes to a file of its own. */
   pg_threads_switch_to(tid);
   pg_dump_zero_all();
   if (pg_outname_has_pid(clo.out_file))
      expand_out_name();
   pg_dump_set_out_name(out_name);
}

/*------------------------------------------------------------*/
/*--- Client requests (Callgrind's, from callgrind.h)      ---*/
/*------------------------------------------------------------*/

static void set_instrumenting(Bool on)
{
   PgThread **threads;
   UInt n, i;
   if (on == instrumenting)
      return;
   instrumenting = on;
   VG_(discard_translations_safely)((Addr)0x1000, ~(SizeT)0xfff, "pyprofgrind");
   /* What runs uninstrumented is unknown: start every stack afresh (as
    * Callgrind does); returns to older frames are inferred later. */
   n = pg_threads_all(&threads);
   for (i = 0; i < n; i++) {
      if (threads[i] == NULL)
         continue;
      while (threads[i]->depth > 0)
         pg_callstack_pop(threads[i]);
      threads[i]->root_node = NULL;
   }
}

static Bool pg_handle_client_request(ThreadId tid, UWord *args, UWord *ret)
{
   if (!VG_IS_TOOL_USERREQ('C', 'T', args[0]))
      return False;
   pg_threads_switch_to(tid);
   switch (args[0]) {
   case VG_USERREQ__DUMP_STATS:
      pg_dump_part("Client Request");
      break;
   case VG_USERREQ__DUMP_STATS_AT: {
      HChar trigger[512];
      const HChar *what = (const HChar *)args[1];
      if (what != NULL && VG_(am_is_valid_for_client)((Addr)what, 1, VKI_PROT_READ))
         VG_(snprintf)(trigger, sizeof trigger, "Client Request: %s", what);
      else
         VG_(snprintf)(trigger, sizeof trigger, "Client Request");
      pg_dump_part(trigger);
      break;
   }
   case VG_USERREQ__ZERO_STATS:
      pg_dump_zero_all();
      break;
   case VG_USERREQ__TOGGLE_COLLECT:
      pg_collect_mask = ~pg_collect_mask;
      adjust_last_block(pg_collect_mask ? 1 : -1);
      break;
   case VG_USERREQ__START_INSTRUMENTATION:
      set_instrumenting(True);
      break;
   case VG_USERREQ__STOP_INSTRUMENTATION:
      set_instrumenting(False);
      break;
   default:
      return False;
   }
   *ret = 0;
   return True;
}

/*------------------------------------------------------------*/
/*--- Setup and finalisation                               ---*/
/*------------------------------------------------------------*/

static void pg_post_clo_init(void)
{
   HChar err[512];

   /* One block per superblock with known exits, and SP exact at helpers. */
   VG_(clo_vex_control).guest_chase = False;
   VG_(clo_vex_control).iropt_unroll_thresh = 0;

   instrumenting = clo.instr_atstart;
   if (!clo.collect_atstart)
      pg_collect_mask = 0;

   pg_python_init(clo.python, clo.python_view ? PG_VIEW_PYTHON : PG_VIEW_MIXED,
              clo.python_opcodes == 2 ? PG_OPCODES_BASE
              : clo.python_opcodes == 1 ? PG_OPCODES_YES : PG_OPCODES_NO,
              !clo.python_calls_full,
              clo.debug_resync);
   pg_fn_init(clo.skip_plt, pg_python_classify_node);
   pg_callstack_set_c_calls_hidden(clo.python && clo.python_view);
   pg_callstack_set_inclusive_every(clo.inclusive_every);
   pg_fn_set_toggle_patterns(clo.toggle_collect, clo.n_toggle_collect);
   pg_fn_set_dispatch_patterns(clo.dispatch_handlers, clo.n_dispatch_handlers);
   pg_bb_init();
   pg_threads_init(clo.separate_threads);
   if (clo.folded_stacks)
      pg_callstack_enable_contexts(clo.folded_max_contexts);
   root_node = pg_fn_node(PG_NODE_C, "???", "???", "(root)");
   pg_callstack_set_root_node(root_node);

   expand_out_name();
   if (!pg_dump_check_writable(out_name, err, sizeof err)) {
      VG_(fmsg)("%s\n", err);
      VG_(exit)(1);
   }
   pg_dump_init(out_name, &clo);
}

static void pg_fini(Int exitcode)
{
   PgThread **threads;
   UInt n, i;
   /* Killed by a signal right after a system call (kill, abort): that
    * block is the thread's last, which Callgrind never charges. */
   if (block_before_scheduler != NULL && pg_collect_mask)
      recount_block(block_before_scheduler, -1);
   n = pg_threads_all(&threads);
   for (i = 0; i < n; i++)
      if (threads[i] != NULL)
         while (threads[i]->depth > 0)
            pg_callstack_pop(threads[i]);
   pg_dump_final();
}

static void pg_pre_clo_init(void)
{
   VG_(details_name)            ("pyprofgrind");
   VG_(details_version)         (PACKAGE_VERSION_STRING);
   VG_(details_description)     ("a call-graph profiler for CPython and C");
   VG_(details_copyright_author)("Copyright (C) the pyprofgrind authors; " PG_VG_LICENCE ".");
   VG_(details_bug_reports_to)  (PG_BUG_REPORTS_TO);
   VG_(details_avg_translation_sizeB)(500);

   VG_(basic_tool_funcs)(pg_post_clo_init, pg_instrument, pg_fini);
   VG_(needs_command_line_options)(pg_process_cmd_line_option,
                                   pg_print_usage, pg_print_debug_usage);
   VG_(needs_client_requests)(pg_handle_client_request);
   VG_(needs_superblock_discards)(pg_discard_superblock);
   VG_(needs_syscall_wrapper)(pg_pre_syscall, pg_post_syscall);

   VG_(track_start_client_code)(pg_start_client_code);
   VG_(track_pre_deliver_signal)(pg_pre_deliver_signal);
   VG_(track_post_deliver_signal)(pg_post_deliver_signal);
   VG_(track_die_mem_munmap)(pg_munmap);
   VG_(track_change_mem_mprotect)(pg_mprotect);
   VG_(atfork)(NULL, NULL, pg_fork_child);

   pg_options_set_defaults(&clo);
}

VG_DETERMINE_INTERFACE_VERSION(pg_pre_clo_init)
