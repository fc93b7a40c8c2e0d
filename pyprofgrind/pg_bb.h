/* pg_bb.h: what the tool remembers of each translated basic block, and the
 * execution counters that instrumented code increments inline.
 *
 * A block is cut into segments at its side exits; each segment has one
 * counter slot, incremented when control passes the segment's end, so the
 * self cost of an instruction is the count of its segment.  Counters live in
 * counter sets (one shared set, or one per thread with --separate-threads);
 * instrumented code reaches the current set through pg_bb_current_counters,
 * which is why sets may be reallocated while the program runs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_BB_H
#define PG_BB_H

#include "pg_port.h"
#include "pg_fn.h"

typedef struct PgBB {
   Addr              addr;
   UInt              n_instrs;
   UInt              n_segments;
   UInt              first_slot;     /* counter slot of segment 0 */
   Bool              dynamic;        /* not counted statically: its cost is
                                        charged to the frame on top */
   Bool              live;           /* still the translation at addr */
   const PgCodeInfo *code;           /* node, object, section of addr */
   UInt             *instr_offset;   /* per instruction: address - addr */
   UShort           *instr_segment;  /* per instruction: its segment */
   UInt             *instr_line;     /* per instruction, once resolved */
   const HChar     **instr_file;     /* per instruction, once resolved */
   struct PgBB      *next_all;       /* list of every block ever made */
} PgBB;

/* A set of counters indexed by slot. */
typedef struct PgCounterSet {
   ULong *count;
   UInt   capacity;
   struct PgCounterSet *next;
} PgCounterSet;

/* What instrumented code reads. */
extern ULong *pg_bb_current_counters;

void          pg_bb_init(void);

/* Returns the block for ADDR when its shape (instruction offsets) matches,
 * else makes a new one (retiring any old one at ADDR).  Allocates
 * N_SEGMENTS counter slots for a new block. */
PgBB         *pg_bb_get(Addr addr, UInt n_instrs, const UInt *instr_offset,
                        const UShort *instr_segment, UInt n_segments);

/* Code in [A, A+LEN) is being unmapped: its blocks stop being reused and
 * their lines are resolved now, while the debug info still exists. */
void          pg_bb_forget_range(Addr a, SizeT len);

/* Fills instr_line / instr_file from debug info if not done yet. */
void          pg_bb_resolve_lines(PgBB *bb);

PgBB         *pg_bb_all(void);

PgCounterSet *pg_bb_new_counter_set(void);
void          pg_bb_use_counter_set(PgCounterSet *set);
void          pg_bb_zero_counter_set(PgCounterSet *set);
PgCounterSet *pg_bb_counter_sets(void);

#endif /* PG_BB_H */
