/* pg_profile.h: one profile's costs: the block counters (static self
 * costs), the dynamic self costs charged at events (PLT stubs now, Python
 * frames later), and the call arcs with their call counts and inclusive
 * costs.  The tool keeps one profile, or one per thread with
 * --separate-threads=yes; the dump turns a profile into one output file.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PROFILE_H
#define PG_PROFILE_H

#include "pg_port.h"
#include "pg_fn.h"
#include "pg_bb.h"

/* A call site or cost position: instruction address and source line. */
typedef struct {
   Addr         addr;
   UInt         line;    /* 0 until resolved */
   const HChar *file;    /* NULL: the node's own file */
} PgPos;

typedef struct PgArc {
   PgNode       *caller;
   PgNode       *callee;
   PgPos         site;       /* the call instruction in the caller */
   PgPos         target;     /* the callee's entry */
   ULong         calls;
   ULong         inclusive;  /* outermost activations only */
   Bool          ran_collected; /* some activation ran while collecting:
                                   arcs without are not written (Callgrind
                                   writes none for calls it did not see) */
   struct PgArc *hash_next;
} PgArc;

typedef struct PgDynCost {
   PgNode           *node;
   PgPos             pos;
   ULong             cost;
   struct PgDynCost *hash_next;
} PgDynCost;

/* The dynamic costs of a node with dense positions (PgNode.dense_sites). */
typedef struct {
   PgNode *node;
   ULong  *cost;          /* node->dense_sites entries */
} PgDenseCosts;

typedef struct {
   PgCounterSet *counters;
   PgArc       **arcs;        /* hash buckets */
   UInt          arc_buckets, arc_count;
   PgDynCost   **dyn;         /* hash buckets */
   UInt          dyn_buckets, dyn_count;
   PgDenseCosts **dense;      /* by node id, NULL where none was charged */
   UInt          dense_capacity;
   Int           tid;         /* owning thread, or 0 for all threads */
} PgProfile;

PgProfile *pg_profile_new(Int tid);

/* The arc caller->callee at SITE, made on first use; TARGET is recorded
 * when the arc is made. */
PgArc     *pg_profile_arc(PgProfile *p, PgNode *caller, PgNode *callee,
                          Addr site, Addr target);

/* Adds COST to NODE's self cost at the instruction SITE. */
void       pg_profile_charge(PgProfile *p, PgNode *node, Addr site, ULong cost);

/* Forgets every cost (ZERO_STATS, fork child). */
void       pg_profile_zero(PgProfile *p);

/* Fills the line and file of a code position from debug info. */
void       pg_profile_resolve_pos(PgPos *pos);

#endif /* PG_PROFILE_H */
