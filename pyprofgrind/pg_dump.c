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
#include "pub_tool_threadstate.h"

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

/* The file of an arc's call site: code inlined from a header calls from
 * the header's lines. */
static const HChar *site_file(const PgArc *a)
{
   return a->site.file != NULL ? a->site.file : a->caller->file;
}

static Int cmp_arc(const void *pa, const void *pb)
{
   const PgArc *a = *(PgArc *const *)pa, *b = *(PgArc *const *)pb;
   const HChar *fa, *fb;
   if (a->caller->id != b->caller->id) return a->caller->id < b->caller->id ? -1 : 1;
   /* Call sites in the caller's own file first, then by file, so that
    * "fi=" switches are few (as for self costs). */
   fa = site_file(a);
   fb = site_file(b);
   if (fa != fb) {
      if (fa == a->caller->file) return -1;
      if (fb == b->caller->file) return 1;
      return (Addr)fa < (Addr)fb ? -1 : 1;
   }
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

/* Makes FILE the current source file of NODE's block: "fi=" for code
 * inlined from another file, "fe=" back to the function's own (or to
 * another inlined file, as Callgrind writes it).  *CURRENT is the file in
 * force. */
static void switch_file(PgWriter *w, const PgNode *node, const HChar **current,
                        const HChar *file)
{
   if (file == *current)
      return;
   pg_writer_name(w, file == node->file ? PG_NAME_FE : PG_NAME_FI, file);
   *current = file;
}

/* One function: "ob=", "fl=" (its own file, once) and "fn=" with an id of
 * its own, its self costs, and its calls.  Costs and call sites in code
 * inlined from other files go under "fi="/"fe=", as Callgrind writes
 * them, so that every reader sees one function under one file.  A
 * "calls=" line's callee file is written with "cfi=" unless it is both the
 * file in force and the function's own (KCacheGrind takes the current
 * "fi=" file for the callee's otherwise, speedscope the "fl=" file). */
static void write_function(PgWriter *w, PgNode *node, const SelfEntry *self,
                           UInt n_self, PgArc *const *arcs, UInt n_arcs)
{
   const HChar *file = node->file;
   UInt i;

   pg_writer_name(w, PG_NAME_OB, node->obj);
   pg_writer_name(w, PG_NAME_FL, node->file);
   pg_writer_function(w, PG_NAME_FN, node->obj, node->file, node->name);
   /* A Python function whose every eval-loop instruction went to its
    * opcode nodes has no self cost; a zero at its first line keeps its
    * file from being one callgrind_annotate --auto=yes knows but has no
    * line of (it then warns, Perl's "uninitialized value $line_nums[0]"). */
   if (n_self == 0 && node->kind == PG_NODE_PYTHON && node->py != NULL) {
      const ULong zero = 0;
      pg_writer_cost(w, 0, (UInt)node->py->first_line, &zero, 1);
   }
   for (i = 0; i < n_self; i++) {
      switch_file(w, node, &file, self[i].file);
      pg_writer_cost(w, node->kind != PG_NODE_PYTHON ? object_offset(self[i].addr) : self[i].addr,
                     self[i].line, &self[i].cost, 1);
   }
   for (i = 0; i < n_arcs; i++) {
      const PgArc *a = arcs[i];
      switch_file(w, node, &file, site_file(a));
      if (a->callee->obj != node->obj)
         pg_writer_name(w, PG_NAME_COB, a->callee->obj);
      /* KCacheGrind takes the file in force (an "fi=" one) for a callee
       * without "cfi=", speedscope the "fl=" one: only where both are the
       * callee's may it be left out. */
      if (a->callee->file != file || a->callee->file != node->file)
         pg_writer_name(w, PG_NAME_CFI, a->callee->file);
      pg_writer_function(w, PG_NAME_CFN, a->callee->obj, a->callee->file,
                         a->callee->name);
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
/*--- Folded stacks (--folded-stacks=yes)                  ---*/
/*------------------------------------------------------------*/

/* The frame a node is written as, at disambiguation LEVEL: a C function
 * by its name, then with its object's base name, then with its object
 * and file, then with its node id; a Python function always with its
 * file and first line ("primes (/x/primes.py:10)"), so that it is never
 * taken for a C function of the same name; a bytecode instruction with
 * " [opcode]" ("BINARY_OP in primes [opcode]", always under its function's
 * frame). */
static HChar *frame_text(const PgNode *node, UInt level)
{
   const HChar *obj_base = node->obj, *s;
   HChar *text, *escaped;
   SizeT size = pg_strlen(node->name) + pg_strlen(node->obj) + pg_strlen(node->file) + 64;
   SizeT need;

   for (s = node->obj; *s != 0; s++)
      if (*s == '/')
         obj_base = s + 1;
   text = pg_malloc("pg.dump.frame", size);
   if (node->kind == PG_NODE_PYTHON)
      VG_(snprintf)(text, (Int)size, "%s (%s:%d)", node->name, node->file,
                    node->py != NULL ? node->py->first_line : 0);
   else if (node->kind == PG_NODE_OPCODE)
      VG_(snprintf)(text, (Int)size, "%s [opcode]", node->name);
   else if (level == 0)
      VG_(snprintf)(text, (Int)size, "%s", node->name);
   else if (level == 1)
      VG_(snprintf)(text, (Int)size, "%s [%s]", node->name, obj_base);
   else
      VG_(snprintf)(text, (Int)size, "%s [%s:%s]", node->name, node->obj, node->file);
   if (node->kind != PG_NODE_OPCODE
       && (level >= 3 || (level >= 1 && node->kind == PG_NODE_PYTHON))) {
      SizeT len = pg_strlen(text);
      VG_(snprintf)(text + len, (Int)(size - len), " #%u", node->id);
   }
   need = pg_context_escape_frame(text, NULL, 0);
   escaped = pg_malloc("pg.dump.frame", need + 1);
   pg_context_escape_frame(text, escaped, need + 1);
   pg_free(text);
   return escaped;
}

typedef struct {
   HChar *text;
   UInt   node_id;
} FrameName;

static Int cmp_frame_name(const void *pa, const void *pb)
{
   const FrameName *a = pa, *b = pb;
   Int c = VG_(strcmp)(a->text, b->text);
   if (c != 0)
      return c;
   return a->node_id < b->node_id ? -1 : a->node_id > b->node_id ? 1 : 0;
}

/* Frame texts for the nodes marked in USED (by node id), each one
 * different from every other: nodes whose texts are equal are named at
 * the next level until none are. */
static HChar **frame_names(const Bool *used, UInt n_nodes)
{
   HChar **names = pg_calloc("pg.dump.frames", n_nodes, sizeof(HChar *));
   UInt *level = pg_calloc("pg.dump.frames", n_nodes, sizeof(UInt));
   FrameName *sorted;
   UInt n_used = 0, i, round;
   Bool again = True;

   for (i = 0; i < n_nodes; i++)
      n_used += used[i];
   sorted = pg_malloc("pg.dump.frames", (n_used + 1) * sizeof(FrameName));
   for (round = 0; again && round < 4; round++) {
      UInt k = 0;
      again = False;
      for (i = 0; i < n_nodes; i++) {
         if (!used[i])
            continue;
         if (names[i] == NULL) {
            names[i] = frame_text(pg_fn_by_id(i), level[i]);
         }
         sorted[k].text = names[i];
         sorted[k].node_id = i;
         k++;
      }
      VG_(ssort)(sorted, n_used, sizeof(FrameName), cmp_frame_name);
      for (k = 0; k + 1 < n_used; k++) {
         if (VG_(strcmp)(sorted[k].text, sorted[k + 1].text) != 0)
            continue;
         /* An opcode node ("BINARY_OP in <module>") is only ever right
          * below its function's frame, which tells equal names apart. */
         if (pg_fn_by_id(sorted[k].node_id)->kind == PG_NODE_OPCODE
             && pg_fn_by_id(sorted[k + 1].node_id)->kind == PG_NODE_OPCODE)
            continue;
         /* Both move up a level (the second once the next pair is seen). */
         if (level[sorted[k].node_id] == round) {
            level[sorted[k].node_id]++;
            again = True;
         }
         if (level[sorted[k + 1].node_id] == round) {
            level[sorted[k + 1].node_id]++;
            again = True;
         }
      }
      for (k = 0; k < n_used; k++)
         if (level[sorted[k].node_id] > round) {
            pg_free(names[sorted[k].node_id]);
            names[sorted[k].node_id] = NULL;
         }
   }
   for (i = 0; i < n_nodes; i++)
      if (used[i] && names[i] == NULL)
         names[i] = frame_text(pg_fn_by_id(i), 3);
   pg_free(sorted);
   pg_free(level);
   return names;
}

typedef struct {
   FileSink sink;
   HChar    buf[65536];
   SizeT    used;
} BufferedSink;

static void put(BufferedSink *b, const HChar *text, SizeT len)
{
   while (len > 0) {
      SizeT room = sizeof b->buf - b->used, n = len < room ? len : room;
      pg_memcpy(b->buf + b->used, text, n);
      b->used += n;
      text += n;
      len -= n;
      if (b->used == sizeof b->buf) {
         write_to_file(&b->sink, b->buf, b->used);
         b->used = 0;
      }
   }
}

static void put_str(BufferedSink *b, const HChar *text)
{
   put(b, text, pg_strlen(text));
}

#define MORE_FRAMES "[more frames: --folded-max-contexts]"

/* Writes the line of context C's path with COST, and MARKER as the last
 * frame if not NULL. */
static void put_stack(BufferedSink *b, UInt c, ULong cost, const HChar *marker,
                      HChar **names, Bool show_thread, UInt **path, UInt *path_cap)
{
   const PgContext *ctx = pg_contexts.ctx;
   UInt depth = 0, i;
   HChar text[64];
   Bool first = True;

   for (i = c; i != PG_CTX_NONE; i = ctx[i].parent) {
      if (depth == *path_cap) {
         *path_cap = *path_cap == 0 ? 256 : *path_cap * 2;
         *path = pg_realloc("pg.dump.path", *path, *path_cap * sizeof(UInt));
      }
      (*path)[depth++] = i;
   }
   for (i = depth; i > 0; i--) {
      const void *node = ctx[(*path)[i - 1]].node;
      Int tid = pg_callstack_context_thread(node);
      if (tid >= 0) {
         if (!show_thread)
            continue;
         VG_(snprintf)(text, sizeof text, "[thread %d]", tid);
      } else if (pg_callstack_context_is_signal(node)) {
         VG_(snprintf)(text, sizeof text, "[signal handler]");
      } else {
         text[0] = 0;
      }
      if (!first)
         put(b, ";", 1);
      first = False;
      put_str(b, text[0] != 0 ? text : names[((const PgNode *)node)->id]);
   }
   if (marker != NULL) {
      if (!first)
         put(b, ";", 1);
      put_str(b, marker);
   }
   VG_(snprintf)(text, sizeof text, " %llu\n", cost);
   put_str(b, text);
}

/* Writes the contexts of profile P (of its thread, or of all threads) to
 * PATH, whole or not at all, as lines "frame;frame;frame count": each
 * context with a self cost, and each with a folded deeper cost. */
static Bool write_folded(const HChar *path, const PgProfile *p)
{
   static Bool limit_told;
   const PgContext *ctx = pg_contexts.ctx;
   UInt n = pg_contexts.count, n_nodes = pg_fn_count(), i, threads_with_cost = 0;
   UInt *root = pg_malloc("pg.dump.ctxroot", (n + 1) * sizeof(UInt));
   Bool *used = pg_calloc("pg.dump.ctxused", n + 1, sizeof(Bool));
   Bool *kept = pg_calloc("pg.dump.ctxkept", n + 1, sizeof(Bool));
   Bool *node_used = pg_calloc("pg.dump.nodeused", n_nodes + 1, sizeof(Bool));
   Bool *thread_has_cost = pg_calloc("pg.dump.threads", VG_N_THREADS, sizeof(Bool));
   HChar **names, tmp[4200], why[4400];
   UInt *stack = NULL, stack_cap = 0;
   BufferedSink *b;
   ULong total = 0;
   Bool ok;

   for (i = 0; i < n; i++) {
      root[i] = ctx[i].parent == PG_CTX_NONE ? i : root[ctx[i].parent];
      kept[i] = p->tid == 0
                || pg_callstack_context_thread(ctx[root[i]].node) == p->tid;
   }
   /* A parent always has a smaller id than its children. */
   for (i = n; i > 0; i--) {
      UInt c = i - 1;
      if (kept[c] && (ctx[c].self != 0 || ctx[c].deeper != 0 || used[c])) {
         used[c] = True;
         if (ctx[c].parent != PG_CTX_NONE)
            used[ctx[c].parent] = True;
      }
   }
   for (i = 0; i < n; i++) {
      Int tid;
      if (!used[i])
         continue;
      tid = pg_callstack_context_thread(ctx[i].node);
      if (tid < 0 && !pg_callstack_context_is_signal(ctx[i].node))
         node_used[((const PgNode *)ctx[i].node)->id] = True;
      if (ctx[i].self != 0 || ctx[i].deeper != 0) {
         tid = pg_callstack_context_thread(ctx[root[i]].node);
         if (tid >= 0 && !thread_has_cost[tid]) {
            thread_has_cost[tid] = True;
            threads_with_cost++;
         }
      }
   }
   names = frame_names(node_used, n_nodes);

   b = pg_malloc("pg.dump.folded", sizeof *b);
   b->used = 0;
   b->sink.fd = create_temp(path, tmp, sizeof tmp, why, sizeof why);
   b->sink.failed = b->sink.fd < 0;
   if (!b->sink.failed) {
      for (i = 0; i < n; i++) {
         if (!used[i])
            continue;
         if (ctx[i].self != 0)
            put_stack(b, i, ctx[i].self, NULL, names, threads_with_cost > 1,
                      &stack, &stack_cap);
         if (ctx[i].deeper != 0)
            put_stack(b, i, ctx[i].deeper, MORE_FRAMES, names, threads_with_cost > 1,
                      &stack, &stack_cap);
         total += ctx[i].self + ctx[i].deeper;
      }
      if (b->used > 0)
         write_to_file(&b->sink, b->buf, b->used);
      VG_(close)(b->sink.fd);
   }
   ok = !b->sink.failed && VG_(rename)(tmp, path) == 0;
   if (b->sink.fd < 0) {
      VG_(umsg)("pyprofgrind: cannot write the folded stacks %s: %s; nothing was written\n",
                path, why);
   } else if (!ok) {
      VG_(umsg)("pyprofgrind: writing the folded stacks %s failed; nothing was written\n",
                path);
      VG_(unlink)(tmp);
   } else if (VG_(clo_verbosity) > 0) {
      VG_(umsg)("Folded stacks written to %s (%llu instructions)\n", path, total);
   }
   if (pg_contexts.limit_reached && !limit_told) {
      VG_(umsg)("pyprofgrind: more than %u distinct stacks (--folded-max-contexts): "
                "the frames of later ones past the last kept are folded into "
                "a frame " MORE_FRAMES "\n", pg_contexts.limit);
      limit_told = True;
   }
   for (i = 0; i < n_nodes; i++)
      pg_free(names[i]);
   pg_free(names);
   pg_free(stack);
   pg_free(b);
   pg_free(thread_has_cost);
   pg_free(node_used);
   pg_free(kept);
   pg_free(used);
   pg_free(root);
   return ok;
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
   if (pg_contexts_on)
      pg_context_zero(&pg_contexts);
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
      if (pg_contexts_on) {
         SizeT len = pg_strlen(path);
         VG_(snprintf)(path + len, sizeof path - len, ".folded");
         write_folded(path, profiles[i]);
      }
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
