/* pg_bb.c: the block table and counter sets (see pg_bb.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_bb.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_debuginfo.h"

typedef struct {
   VgHashNode hn;      /* key = block address */
   PgBB      *bb;
} BBEntry;

static VgHashTable  *live_blocks;
static PgBB         *all_blocks;
static UInt          slots_used;
static UInt          slot_capacity;
static PgCounterSet *counter_sets;

ULong *pg_bb_current_counters;
static PgCounterSet *current_set;

/*------------------------------------------------------------*/
/*--- Counter sets                                         ---*/
/*------------------------------------------------------------*/

static void grow_set(PgCounterSet *set, UInt capacity)
{
   set->count = pg_realloc("pg.bb.counters", set->count, capacity * sizeof(ULong));
   pg_memset(set->count + set->capacity, 0,
             (capacity - set->capacity) * sizeof(ULong));
   set->capacity = capacity;
}

static UInt allocate_slots(UInt n)
{
   UInt first = slots_used;
   slots_used += n;
   if (slots_used > slot_capacity) {
      PgCounterSet *s;
      while (slots_used > slot_capacity)
         slot_capacity *= 2;
      for (s = counter_sets; s; s = s->next)
         grow_set(s, slot_capacity);
      if (current_set != NULL)
         pg_bb_current_counters = current_set->count;
   }
   return first;
}

PgCounterSet *pg_bb_new_counter_set(void)
{
   PgCounterSet *set = pg_calloc("pg.bb.set", 1, sizeof *set);
   grow_set(set, slot_capacity);
   set->next = counter_sets;
   counter_sets = set;
   return set;
}

void pg_bb_use_counter_set(PgCounterSet *set)
{
   current_set = set;
   pg_bb_current_counters = set->count;
}

void pg_bb_zero_counter_set(PgCounterSet *set)
{
   pg_memset(set->count, 0, set->capacity * sizeof(ULong));
}

PgCounterSet *pg_bb_counter_sets(void) { return counter_sets; }

/*------------------------------------------------------------*/
/*--- Blocks                                               ---*/
/*------------------------------------------------------------*/

static void retire(Addr addr);

static Bool same_shape(const PgBB *bb, UInt n_instrs, const UInt *instr_offset,
                       const UShort *instr_segment, UInt n_segments)
{
   return bb->n_instrs == n_instrs && bb->n_segments == n_segments
      && pg_memcmp(bb->instr_offset, instr_offset, n_instrs * sizeof(UInt)) == 0
      && pg_memcmp(bb->instr_segment, instr_segment, n_instrs * sizeof(UShort)) == 0;
}

PgBB *pg_bb_get(Addr addr, UInt n_instrs, const UInt *instr_offset,
                const UShort *instr_segment, UInt n_segments)
{
   BBEntry *e = VG_(HT_lookup)(live_blocks, addr);
   PgBB *bb;

   if (e != NULL) {
      if (same_shape(e->bb, n_instrs, instr_offset, instr_segment, n_segments))
         return e->bb;
      retire(addr);
   }

   bb = pg_calloc("pg.bb", 1, sizeof *bb);
   bb->addr = addr;
   bb->n_instrs = n_instrs;
   bb->n_segments = n_segments;
   bb->first_slot = allocate_slots(n_segments);
   bb->live = True;
   bb->code = pg_fn_code_info(addr);
   bb->instr_offset = pg_malloc("pg.bb.instrs", n_instrs * sizeof(UInt));
   bb->instr_segment = pg_malloc("pg.bb.instrs", n_instrs * sizeof(UShort));
   pg_memcpy(bb->instr_offset, instr_offset, n_instrs * sizeof(UInt));
   pg_memcpy(bb->instr_segment, instr_segment, n_instrs * sizeof(UShort));
   bb->next_all = all_blocks;
   all_blocks = bb;

   e = pg_malloc("pg.bb.entry", sizeof *e);
   e->hn.key = addr;
   e->bb = bb;
   VG_(HT_add_node)(live_blocks, e);
   return bb;
}

void pg_bb_resolve_lines(PgBB *bb)
{
   DiEpoch ep;
   UInt i;
   if (bb->instr_line != NULL)
      return;
   ep = VG_(current_DiEpoch)();
   bb->instr_line = pg_calloc("pg.bb.lines", bb->n_instrs, sizeof(UInt));
   bb->instr_file = pg_calloc("pg.bb.lines", bb->n_instrs, sizeof(HChar *));
   for (i = 0; i < bb->n_instrs; i++) {
      const HChar *file, *dir;
      UInt line;
      if (VG_(get_filename_linenum)(ep, bb->addr + bb->instr_offset[i],
                                    &file, &dir, &line)) {
         bb->instr_file[i] = pg_fn_source_path(dir, file);
         bb->instr_line[i] = line;
      } else {
         bb->instr_file[i] = NULL;   /* the node's own file */
         bb->instr_line[i] = 0;
      }
   }
}

static void retire(Addr addr)
{
   BBEntry *e = VG_(HT_remove)(live_blocks, addr);
   if (e == NULL)
      return;
   pg_bb_resolve_lines(e->bb);
   e->bb->live = False;
   pg_free(e);
}

/* True if [a, a+len) overlaps the text of a loaded object: only then can
 * blocks be in it (anonymous JIT code aside, whose blocks have no lines
 * to lose anyway). */
static Bool overlaps_object_text(Addr a, SizeT len)
{
   const DebugInfo *di;
   for (di = VG_(next_DebugInfo)(NULL); di != NULL; di = VG_(next_DebugInfo)(di)) {
      Addr lo = VG_(DebugInfo_get_text_avma)(di);
      SizeT size = VG_(DebugInfo_get_text_size)(di);
      if (size > 0 && lo < a + len && a < lo + size)
         return True;
   }
   return False;
}

void pg_bb_forget_range(Addr a, SizeT len)
{
   PgBB *bb;
   if (!overlaps_object_text(a, len))
      return;
   for (bb = all_blocks; bb != NULL; bb = bb->next_all)
      if (bb->live && bb->addr >= a && bb->addr - a < len)
         retire(bb->addr);
}

PgBB *pg_bb_all(void) { return all_blocks; }

void pg_bb_init(void)
{
   live_blocks = VG_(HT_construct)("pg.bb.live");
   slot_capacity = 1 << 16;
}
