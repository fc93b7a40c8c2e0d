/* pg_profile.c: arc and dynamic-cost tables of a profile (see pg_profile.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_profile.h"
#include "pub_tool_debuginfo.h"

/* Bucket counts are powers of two, so a bucket is the hash's low bits:
 * the final mix spreads every input bit into them (bytecode offsets, for
 * one, are all even). */
static UInt mix(UInt h)
{
   h ^= h >> 16;
   h *= 0x7feb352du;
   h ^= h >> 15;
   return h;
}

static UInt hash_arc(const PgNode *caller, const PgNode *callee, Addr site)
{
   return mix((caller->id * 2654435761u) ^ (callee->id * 40503u) ^ (UInt)(site * 11u)
              ^ (UInt)(site >> 29));
}

static UInt hash_dyn(const PgNode *node, Addr site)
{
   return mix((node->id * 2654435761u) ^ (UInt)(site * 13u) ^ (UInt)(site >> 31));
}

PgProfile *pg_profile_new(Int tid)
{
   PgProfile *p = pg_calloc("pg.profile", 1, sizeof *p);
   p->tid = tid;
   p->counters = pg_bb_new_counter_set();
   p->arc_buckets = 4096;
   p->arcs = pg_calloc("pg.profile.arcs", p->arc_buckets, sizeof(PgArc *));
   p->dyn_buckets = 1024;
   p->dyn = pg_calloc("pg.profile.dyn", p->dyn_buckets, sizeof(PgDynCost *));
   return p;
}

static void grow_arcs(PgProfile *p)
{
   UInt n = p->arc_buckets * 2, i;
   PgArc **fresh = pg_calloc("pg.profile.arcs", n, sizeof(PgArc *));
   for (i = 0; i < p->arc_buckets; i++) {
      PgArc *a = p->arcs[i], *next;
      for (; a; a = next) {
         UInt b = hash_arc(a->caller, a->callee, a->site.addr) & (n - 1);
         next = a->hash_next;
         a->hash_next = fresh[b];
         fresh[b] = a;
      }
   }
   pg_free(p->arcs);
   p->arcs = fresh;
   p->arc_buckets = n;
}

PgArc *pg_profile_arc(PgProfile *p, PgNode *caller, PgNode *callee,
                      Addr site, Addr target)
{
   UInt b = hash_arc(caller, callee, site) & (p->arc_buckets - 1);
   PgArc *a;
   for (a = p->arcs[b]; a; a = a->hash_next)
      if (a->caller == caller && a->callee == callee && a->site.addr == site)
         return a;
   a = pg_calloc("pg.profile.arc", 1, sizeof *a);
   a->caller = caller;
   a->callee = callee;
   a->site.addr = site;
   a->target.addr = target;
   a->hash_next = p->arcs[b];
   p->arcs[b] = a;
   if (++p->arc_count > p->arc_buckets)
      grow_arcs(p);
   return a;
}

static void grow_dyn(PgProfile *p)
{
   UInt n = p->dyn_buckets * 2, i;
   PgDynCost **fresh = pg_calloc("pg.profile.dyn", n, sizeof(PgDynCost *));
   for (i = 0; i < p->dyn_buckets; i++) {
      PgDynCost *d = p->dyn[i], *next;
      for (; d; d = next) {
         UInt b = hash_dyn(d->node, d->pos.addr) & (n - 1);
         next = d->hash_next;
         d->hash_next = fresh[b];
         fresh[b] = d;
      }
   }
   pg_free(p->dyn);
   p->dyn = fresh;
   p->dyn_buckets = n;
}

static PgDenseCosts *dense_costs(PgProfile *p, PgNode *node)
{
   PgDenseCosts *dense;
   if (node->id >= p->dense_capacity) {
      UInt n = p->dense_capacity == 0 ? 1024 : p->dense_capacity;
      while (n <= node->id)
         n *= 2;
      p->dense = pg_realloc("pg.profile.dense", p->dense, n * sizeof(PgDenseCosts *));
      pg_memset(p->dense + p->dense_capacity, 0,
                (n - p->dense_capacity) * sizeof(PgDenseCosts *));
      p->dense_capacity = n;
   }
   dense = p->dense[node->id];
   if (dense == NULL) {
      dense = pg_malloc("pg.profile.dense", sizeof *dense);
      dense->node = node;
      dense->cost = pg_calloc("pg.profile.dense", node->dense_sites, sizeof(ULong));
      p->dense[node->id] = dense;
   }
   return dense;
}

void pg_profile_charge(PgProfile *p, PgNode *node, Addr site, ULong cost)
{
   UInt b;
   PgDynCost *d;

   /* A Python position changes with every bytecode instruction, and each
    * change charges the one before: an array index, not a hash lookup. */
   if (node->dense_sites != 0) {
      Addr index = site >> node->dense_shift;
      if (index < node->dense_sites && index << node->dense_shift == site) {
         PgDenseCosts *dense = node->id < p->dense_capacity ? p->dense[node->id] : NULL;
         if (dense == NULL)
            dense = dense_costs(p, node);
         dense->cost[index] += cost;
         return;
      }
   }
   b = hash_dyn(node, site) & (p->dyn_buckets - 1);
   for (d = p->dyn[b]; d; d = d->hash_next)
      if (d->node == node && d->pos.addr == site) {
         d->cost += cost;
         return;
      }
   d = pg_calloc("pg.profile.dyncost", 1, sizeof *d);
   d->node = node;
   d->pos.addr = site;
   d->cost = cost;
   d->hash_next = p->dyn[b];
   p->dyn[b] = d;
   if (++p->dyn_count > p->dyn_buckets)
      grow_dyn(p);
}

void pg_profile_zero(PgProfile *p)
{
   UInt i;
   pg_bb_zero_counter_set(p->counters);
   for (i = 0; i < p->arc_buckets; i++) {
      PgArc *a;
      for (a = p->arcs[i]; a; a = a->hash_next) {
         a->calls = a->inclusive = 0;
         a->ran_collected = False;
      }
   }
   for (i = 0; i < p->dyn_buckets; i++) {
      PgDynCost *d;
      for (d = p->dyn[i]; d; d = d->hash_next)
         d->cost = 0;
   }
   for (i = 0; i < p->dense_capacity; i++)
      if (p->dense[i] != NULL)
         pg_memset(p->dense[i]->cost, 0, p->dense[i]->node->dense_sites * sizeof(ULong));
}

void pg_profile_resolve_pos(PgPos *pos)
{
   const HChar *file, *dir;
   UInt line;
   if (pos->line != 0 || pos->addr == 0)
      return;
   if (VG_(get_filename_linenum)(VG_(current_DiEpoch)(), pos->addr,
                                 &file, &dir, &line)) {
      pos->file = pg_fn_source_path(dir, file);
      pos->line = line;
   }
}
