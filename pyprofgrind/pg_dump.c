/* pg_dump.c: turns a profile into a callgrind-format file (see pg_dump.h).
 *
 * Self costs come from two places: the block counters (each instruction
 * costs its segment's count) and the dynamic charges.  Both are flattened
 * into (function, file, position, cost) entries, sorted and merged, then
 * written function by function with that function's outgoing calls.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_dump.h"
#include "pg_writer.h"
#include "pg_fn.h"
#include "pg_bb.h"
#include "pg_profile.h"
#include "pg_threads.h"
#include "pg_callstack.h"
#include "pg_python.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_clientstate.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_xarray.h"
#include "pub_tool_vki.h"
#include "pub_tool_options.h"

static const PgOptions *opts;
static HChar *out_base;
static UInt   parts_written;

void pg_dump_init(const HChar *out_name, const PgOptions *options)
{
   opts = options;
   pg_dump_set_out_name(out_name);
}

void pg_dump_set_out_name(const HChar *out_name)
{
   if (out_base != NULL)
      pg_free(out_base);
   out_base = pg_strdup("pg.dump.name", out_name);
   parts_written = 0;
}

/*------------------------------------------------------------*/
/*--- Files written whole or not at all                    ---*/
/*------------------------------------------------------------*/

typedef struct {
   Int  fd;
   Bool failed;
} FileSink;

static void write_to_file(void *ctx, const HChar *buf, SizeT len)
{
   FileSink *sink = ctx;
   while (len > 0 && !sink->failed) {
      Int n = VG_(write)(sink->fd, buf, (Int)len);
      if (n <= 0) {
         sink->failed = True;
         break;
      }
      buf += n;
      len -= n;
   }
}

/* VKI_O_NOFOLLOW is missing from older Valgrind headers; its value is the
 * kernel's for x86 and amd64 (other architectures differ). */
#ifndef VKI_O_NOFOLLOW
#  if defined(VGA_amd64) || defined(VGA_x86)
#    define VKI_O_NOFOLLOW 0400000
#  else
#    error "VKI_O_NOFOLLOW: add this architecture's value"
#  endif
#endif

/* Names a temporary file may take before creating one is given up: the
 * first is FINAL.tmp-PID, the others add a random number, as the first can
 * be taken (a file left by an earlier process of this pid, or one planted
 * in a shared directory). */
#define PG_DUMP_TEMP_TRIES 8

/* The seed of the random part of temporary names: the kernel's random
 * bytes, else the time and pid (names need only be hard to guess ahead). */
static UInt temp_name_seed(void)
{
   UInt seed = 0;
   SysRes r = VG_(open)("/dev/urandom", VKI_O_RDONLY, 0);
   if (!sr_isError(r)) {
      Int fd = (Int)sr_Res(r);
      if (VG_(read)(fd, &seed, sizeof seed) != (Int)sizeof seed)
         seed = 0;
      VG_(close)(fd);
   }
   return seed ^ VG_(read_millisecond_timer)() ^ ((UInt)VG_(getpid)() << 16);
}

/* Creates a new temporary file next to FINAL (so that the rename stays
 * within one file system) and puts its name in TMP.  The file is created,
 * never opened: O_EXCL|O_NOFOLLOW refuse a name that exists, also as a
 * symbolic link, so nobody can make the tool write or truncate a file of
 * their choice.  Its mode is 0600, less the umask, as Callgrind creates its
 * profiles: the "cmd:" line can hold secrets.  Returns the descriptor, or
 * -1 with the reason in ERR. */
static Int create_temp(const HChar *final, HChar *tmp, SizeT tmp_len,
                       HChar *err, SizeT err_len)
{
   UInt seed = 0, attempt;

   for (attempt = 0; attempt < PG_DUMP_TEMP_TRIES; attempt++) {
      SysRes r;
      Int n;
      if (attempt == 0) {
         n = VG_(snprintf)(tmp, (Int)tmp_len, "%s.tmp-%d", final, VG_(getpid)());
      } else {
         if (seed == 0)
            seed = temp_name_seed();
         n = VG_(snprintf)(tmp, (Int)tmp_len, "%s.tmp-%d-%08x", final,
                           VG_(getpid)(), VG_(random)(&seed));
      }
      if (n < 0 || (SizeT)n >= tmp_len) {
         VG_(snprintf)(err, (Int)err_len, "the name is too long");
         return -1;
      }
      r = VG_(open)(tmp, VKI_O_CREAT | VKI_O_EXCL | VKI_O_NOFOLLOW | VKI_O_WRONLY,
                    VKI_S_IRUSR | VKI_S_IWUSR);
      if (!sr_isError(r))
         return (Int)sr_Res(r);
      if (sr_Err(r) != VKI_EEXIST) {
         VG_(snprintf)(err, (Int)err_len, "directory missing or not writable");
         return -1;
      }
   }
   VG_(snprintf)(err, (Int)err_len,
                 "%d names for its temporary file are taken (the last: '%s'); "
                 "is someone planting them?", PG_DUMP_TEMP_TRIES, tmp);
   return -1;
}

Bool pg_dump_check_writable(const HChar *out_name, HChar *err, SizeT err_len)
{
   HChar tmp[4200], why[4400];
   Int fd = create_temp(out_name, tmp, sizeof tmp, why, sizeof why);
   if (fd < 0) {
      VG_(snprintf)(err, (Int)err_len,
                    "cannot create the profile '%s': %s; choose another place "
                    "with --pyprofgrind-out-file=", out_name, why);
      return False;
   }
   VG_(close)(fd);
   VG_(unlink)(tmp);
   return True;
}

/*------------------------------------------------------------*/
/*--- Flattening a profile                                 ---*/
/*------------------------------------------------------------*/

typedef struct {
   PgNode      *node;
   const HChar *file;     /* interned; the node's file if unknown */
   Addr         addr;     /* 0 unless --dump-instr=yes */
   UInt         line;
   ULong        cost;
} SelfEntry;

static Int cmp_self(const void *pa, const void *pb)
{
   const SelfEntry *a = pa, *b = pb;
   if (a->node->id != b->node->id) return a->node->id < b->node->id ? -1 : 1;
   /* The function's own file first, so "fi=" switches are few. */
   if (a->file != b->file) {
      if (a->file == a->node->file) return -1;
      if (b->file == b->node->file) return 1;
      return (Addr)a->file < (Addr)b->file ? -1 : 1;
   }
   if (a->addr != b->addr) return a->addr < b->addr ? -1 : 1;
   if (a->line != b->line) return a->line < b->line ? -1 : 1;
   return 0;
}

static Int cmp_arc(const void *pa, const void *pb)
{
   const PgArc *a = *(PgArc *const *)pa, *b = *(PgArc *const *)pb;
   if (a->caller->id != b->caller->id) return a->caller->id < b->caller->id ? -1 : 1;
   if (a->site.addr != b->site.addr) return a->site.addr < b->site.addr ? -1 : 1;
   if (a->callee->id != b->callee->id) return a->callee->id < b->callee->id ? -1 : 1;
   return 0;
}

static void add_entry(XArray *entries, PgNode *node, const HChar *file,
                      Addr addr, UInt line, ULong cost)
{
   SelfEntry e;
   e.node = node;
   e.file = file != NULL ? file : node->file;
   e.addr = opts->dump_instr ? addr : 0;
   e.line = line;
   e.cost = cost;
   VG_(addToXA)(entries, &e);
}

/* Fills POS's line: from debug info for machine code, from the code
 * object's line table for a Python node (POS's address is then a bytecode
 * offset; as a call target, the function's first line). */
static void resolve_position(const PgNode *node, PgPos *pos, Bool as_target)
{
   if (node->kind == PG_NODE_C || node->kind == PG_NODE_OPCODE) {
      pg_profile_resolve_pos(pos);
   } else if (node->py != NULL && pos->line == 0) {
      pos->line = as_target ? (UInt)node->py->first_line
                            : pg_python_line_of(node, (UInt)pos->addr);
      pos->file = node->file;
   }
}

/* Sums the costs of entries at the same position (sorted input). */
static XArray *merge_equal_positions(XArray *sorted)
{
   Word n = VG_(sizeXA)(sorted), kept = 0, i;
   for (i = 0; i < n; i++) {
      SelfEntry *e = VG_(indexXA)(sorted, i);
      SelfEntry *last = kept > 0 ? VG_(indexXA)(sorted, kept - 1) : NULL;
      if (last != NULL && cmp_self(last, e) == 0)
         last->cost += e->cost;
      else
         *(SelfEntry *)VG_(indexXA)(sorted, kept++) = *e;
   }
   VG_(dropTailXA)(sorted, n - kept);
   return sorted;
}

static XArray *collect_self_costs(const PgProfile *p)
{
   XArray *entries = VG_(newXA)(VG_(malloc), "pg.dump.self", VG_(free), sizeof(SelfEntry));
   const ULong *count = p->counters->count;
   PgBB *bb;
   UInt i;

   for (bb = pg_bb_all(); bb != NULL; bb = bb->next_all) {
      Bool ran = False;
      /* A block that became dynamic keeps what it counted before. */
      for (i = 0; i < bb->n_segments; i++)
         ran |= count[bb->first_slot + i] != 0;
      if (!ran)
         continue;
      pg_bb_resolve_lines(bb);
      /* Each segment's counter is incremented whenever control passes
       * its end, taken exit or not, so it is the count of every
       * instruction in the segment. */
      for (i = 0; i < bb->n_instrs; i++) {
         ULong c = count[bb->first_slot + bb->instr_segment[i]];
         if (c != 0)
            add_entry(entries, bb->code->node, bb->instr_file[i],
                      bb->addr + bb->instr_offset[i], bb->instr_line[i], c);
      }
   }
   for (i = 0; i < p->dyn_buckets; i++) {
      PgDynCost *d;
      for (d = p->dyn[i]; d != NULL; d = d->hash_next) {
         if (d->cost == 0)
            continue;
         resolve_position(d->node, &d->pos, False);
         add_entry(entries, d->node, d->pos.file, d->pos.addr, d->pos.line, d->cost);
      }
   }
   for (i = 0; i < p->dense_capacity; i++) {
      const PgDenseCosts *dense = p->dense[i];
      UInt k;
      if (dense == NULL)
         continue;
      for (k = 0; k < dense->node->dense_sites; k++) {
         PgPos pos = { (Addr)k << dense->node->dense_shift, 0, NULL };
         if (dense->cost[k] == 0)
            continue;
         resolve_position(dense->node, &pos, False);
         add_entry(entries, dense->node, pos.file, pos.addr, pos.line, dense->cost[k]);
      }
   }
   VG_(setCmpFnXA)(entries, cmp_self);
   VG_(sortXA)(entries);
   return merge_equal_positions(entries);
}

static XArray *collect_arcs(const PgProfile *p)
{
   XArray *arcs = VG_(newXA)(VG_(malloc), "pg.dump.arcs", VG_(free), sizeof(PgArc *));
   UInt i;
   for (i = 0; i < p->arc_buckets; i++) {
      PgArc *a;
      for (a = p->arcs[i]; a != NULL; a = a->hash_next) {
         if (!a->ran_collected)
            continue;
         resolve_position(a->caller, &a->site, False);
         resolve_position(a->callee, &a->target, True);
         VG_(addToXA)(arcs, &a);
      }
   }
   VG_(setCmpFnXA)(arcs, cmp_arc);
   VG_(sortXA)(arcs);
   return arcs;
}

/*------------------------------------------------------------*/
/*--- Writing                                              ---*/
/*------------------------------------------------------------*/

/* --dump-instr addresses are object offsets, as Callgrind writes them, so
 * that a viewer can disassemble the object file. */
static Addr object_offset(Addr a)
{
   DebugInfo *di;
   if (a == 0)
      return 0;
   di = VG_(find_DebugInfo)(VG_(current_DiEpoch)(), a);
   return di != NULL ? a - VG_(DebugInfo_get_text_bias)(di) : a;
}

static void write_command_line(PgWriter *w)
{
   HChar cmd[4096];
   SizeT used;
   Word i;
   VG_(snprintf)(cmd, sizeof cmd, "%s", VG_(args_the_exename) ? VG_(args_the_exename) : "");
   used = pg_strlen(cmd);
   for (i = 0; i < VG_(sizeXA)(VG_(args_for_client)) && used + 2 < sizeof cmd; i++) {
      const HChar *arg = *(HChar **)VG_(indexXA)(VG_(args_for_client), i);
      VG_(snprintf)(cmd + used, sizeof cmd - used, " %s", arg);
      used = pg_strlen(cmd);
   }
   pg_writer_header(w, "cmd", cmd);
}

static void write_function(PgWriter *w, PgNode *node, const SelfEntry *self,
                           UInt n_self, PgArc *const *arcs, UInt n_arcs)
{
   const HChar *file = node->file;
   UInt i;

   pg_writer_name(w, PG_NAME_OB, node->obj);
   pg_writer_name(w, PG_NAME_FL, node->file);
   pg_writer_name(w, PG_NAME_FN, node->name);
   for (i = 0; i < n_self; i++) {
      if (self[i].file != file) {
         file = self[i].file;
         pg_writer_name(w, file == node->file ? PG_NAME_FE : PG_NAME_FI, file);
      }
      pg_writer_cost(w, node->kind != PG_NODE_PYTHON ? object_offset(self[i].addr) : self[i].addr,
                     self[i].line, &self[i].cost, 1);
   }
   for (i = 0; i < n_arcs; i++) {
      const PgArc *a = arcs[i];
      /* A call line's number is in the file of the call site, which may
       * be code inlined from another file (or, for an opcode node, the
       * eval loop's source): readers take it from the fi=/fe= context. */
      const HChar *site_file = a->site.file != NULL ? a->site.file : node->file;
      if (site_file != file) {
         file = site_file;
         pg_writer_name(w, file == node->file ? PG_NAME_FE : PG_NAME_FI, file);
      }
      if (a->callee->obj != node->obj)
         pg_writer_name(w, PG_NAME_COB, a->callee->obj);
      if (a->callee->file != node->file)
         pg_writer_name(w, PG_NAME_CFI, a->callee->file);
      pg_writer_name(w, PG_NAME_CFN, a->callee->name);
      pg_writer_calls(w, a->calls,
                      a->callee->kind != PG_NODE_PYTHON ? object_offset(a->target.addr) : 0,
                      a->target.line);
      pg_writer_cost(w, node->kind != PG_NODE_PYTHON ? object_offset(a->site.addr) : a->site.addr,
                     a->site.line, &a->inclusive, 1);
   }
   pg_writer_blank(w);
}

static Bool write_profile(const HChar *path, const PgProfile *p, UInt part,
                          const HChar *trigger)
{
   HChar   tmp[4200], buf[128], why[4400];
   FileSink sink;
   PgWriter *w;
   XArray *self = collect_self_costs(p);
   XArray *arcs = collect_arcs(p);
   Word    n_self = VG_(sizeXA)(self), n_arcs = VG_(sizeXA)(arcs), si = 0, ai = 0;
   ULong   total = 0;
   Word    i;

   for (i = 0; i < n_self; i++)
      total += ((SelfEntry *)VG_(indexXA)(self, i))->cost;

   sink.fd = create_temp(path, tmp, sizeof tmp, why, sizeof why);
   sink.failed = sink.fd < 0;
   if (sink.failed) {
      VG_(umsg)("pyprofgrind: cannot write the profile %s: %s; nothing was written\n",
                path, why);
      VG_(deleteXA)(self);
      VG_(deleteXA)(arcs);
      return False;
   }
   w = pg_writer_new(write_to_file, &sink, opts->dump_instr,
                     opts->compress_names, opts->compress_pos);
   VG_(snprintf)(buf, sizeof buf, "pyprofgrind-%s", PACKAGE_VERSION_STRING);
   pg_writer_preamble(w, buf);
   VG_(snprintf)(buf, sizeof buf, "%d", VG_(getpid)());
   pg_writer_header(w, "pid", buf);
   write_command_line(w);
   VG_(snprintf)(buf, sizeof buf, "%u", part);
   pg_writer_header(w, "part", buf);
   if (p->tid != 0) {
      VG_(snprintf)(buf, sizeof buf, "%d", p->tid);
      pg_writer_header(w, "thread", buf);
   }
   VG_(snprintf)(buf, sizeof buf, "Trigger: %s", trigger);
   pg_writer_header(w, "desc", buf);
   pg_python_write_opcode_families(w);
   pg_writer_header(w, "events", "Ir");
   VG_(snprintf)(buf, sizeof buf, "%llu", total);
   pg_writer_header(w, "summary", buf);
   pg_writer_blank(w);

   /* Walk the sorted self entries and arcs together, one function at a
    * time, in node id order. */
   while (si < n_self || ai < n_arcs) {
      PgNode *self_node = si < n_self ? ((SelfEntry *)VG_(indexXA)(self, si))->node : NULL;
      PgNode *arc_node  = ai < n_arcs ? (*(PgArc **)VG_(indexXA)(arcs, ai))->caller : NULL;
      PgNode *node;
      Word s_end = si, a_end = ai;
      if (self_node == NULL) node = arc_node;
      else if (arc_node == NULL) node = self_node;
      else node = self_node->id <= arc_node->id ? self_node : arc_node;
      while (s_end < n_self && ((SelfEntry *)VG_(indexXA)(self, s_end))->node == node)
         s_end++;
      while (a_end < n_arcs && (*(PgArc **)VG_(indexXA)(arcs, a_end))->caller == node)
         a_end++;
      write_function(w, node,
                     s_end > si ? (SelfEntry *)VG_(indexXA)(self, si) : NULL,
                     (UInt)(s_end - si),
                     a_end > ai ? (PgArc **)VG_(indexXA)(arcs, ai) : NULL,
                     (UInt)(a_end - ai));
      si = s_end;
      ai = a_end;
   }
   VG_(snprintf)(buf, sizeof buf, "%llu", total);
   pg_writer_header(w, "totals", buf);
   pg_writer_finish(w);
   VG_(close)(sink.fd);
   VG_(deleteXA)(self);
   VG_(deleteXA)(arcs);

   if (sink.failed || VG_(rename)(tmp, path) != 0) {
      VG_(umsg)("pyprofgrind: writing the profile %s failed; nothing was written\n", path);
      VG_(unlink)(tmp);
      return False;
   }
   if (VG_(clo_verbosity) > 0)
      VG_(umsg)("Profile written to %s (%llu instructions)\n", path, total);
   return True;
}

/*------------------------------------------------------------*/
/*--- Parts, threads, zeroing                              ---*/
/*------------------------------------------------------------*/

static void settle_all_threads(Bool add_to_arcs)
{
   PgThread **threads;
   UInt n = pg_threads_all(&threads), i;
   for (i = 0; i < n; i++)
      if (threads[i] != NULL)
         pg_callstack_settle_active(threads[i], add_to_arcs);
}

void pg_dump_zero_all(void)
{
   PgProfile **profiles;
   UInt n, i;
   settle_all_threads(False);
   n = pg_threads_profiles(&profiles);
   for (i = 0; i < n; i++)
      pg_profile_zero(profiles[i]);
}

static void write_all(const HChar *suffix, UInt part, const HChar *trigger)
{
   PgProfile **profiles;
   UInt n = pg_threads_profiles(&profiles), i;
   HChar path[4200];
   for (i = 0; i < n; i++) {
      if (profiles[i]->tid != 0)
         VG_(snprintf)(path, sizeof path, "%s%s-%02d", out_base, suffix, profiles[i]->tid);
      else
         VG_(snprintf)(path, sizeof path, "%s%s", out_base, suffix);
      write_profile(path, profiles[i], part, trigger);
   }
}

void pg_dump_part(const HChar *trigger)
{
   HChar suffix[32];
   settle_all_threads(True);
   parts_written++;
   VG_(snprintf)(suffix, sizeof suffix, ".%u", parts_written);
   write_all(suffix, parts_written, trigger);
   pg_dump_zero_all();
}

void pg_dump_final(void)
{
   settle_all_threads(True);
   write_all("", parts_written + 1, "Program termination");
}
