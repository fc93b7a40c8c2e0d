/* pg_context.c: the table of calling contexts (see pg_context.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_context.h"

void pg_context_table_init(PgContextTable *t, UInt limit)
{
   pg_memset(t, 0, sizeof *t);
   t->limit = limit == 0 || limit > PG_CTX_MAX ? PG_CTX_MAX : limit;
}

void pg_context_table_free(PgContextTable *t)
{
   pg_free(t->ctx);
   pg_free(t->slots);
   pg_memset(t, 0, sizeof *t);
}

static UInt hash_key(UInt parent, const void *node)
{
   ULong h = ((ULong)(Addr)node >> 3) * 0x9e3779b97f4a7c15ULL
             ^ (ULong)parent * 0xc2b2ae3d27d4eb4fULL;
   h ^= h >> 29;
   h *= 0xbf58476d1ce4e5b9ULL;
   return (UInt)(h ^ (h >> 32));
}

static void grow_slots(PgContextTable *t)
{
   UInt size = t->slots == NULL ? 1024 : (t->mask + 1) * 2, i;
   pg_free(t->slots);
   t->slots = pg_calloc("pg.ctx.slots", size, sizeof(UInt));
   t->mask = size - 1;
   for (i = 0; i < t->count; i++) {
      UInt s = hash_key(t->ctx[i].parent, t->ctx[i].node) & t->mask;
      while (t->slots[s] != 0)
         s = (s + 1) & t->mask;
      t->slots[s] = i + 1;
   }
}

UInt pg_context_child(PgContextTable *t, UInt parent, const void *node)
{
   UInt s, e;

   if (parent != PG_CTX_NONE && (parent & PG_CTX_FOLDED))
      return parent;
   if (parent != PG_CTX_NONE && t->ctx[parent].last_node == node)
      return t->ctx[parent].last_child;
   if (t->slots == NULL || 2 * (t->count + 1) > t->mask + 1)
      grow_slots(t);
   for (s = hash_key(parent, node) & t->mask; (e = t->slots[s]) != 0; s = (s + 1) & t->mask)
      if (t->ctx[e - 1].parent == parent && t->ctx[e - 1].node == node) {
         if (parent != PG_CTX_NONE) {
            t->ctx[parent].last_node = node;
            t->ctx[parent].last_child = e - 1;
         }
         return e - 1;
      }
   if (parent != PG_CTX_NONE && t->count >= t->limit) {
      t->limit_reached = True;
      return parent | PG_CTX_FOLDED;
   }
   pg_assert(t->count < PG_CTX_MAX);
   if (t->count == t->capacity) {
      t->capacity = t->capacity == 0 ? 1024 : t->capacity * 2;
      t->ctx = pg_realloc("pg.ctx", t->ctx, t->capacity * sizeof(PgContext));
   }
   t->ctx[t->count].parent = parent;
   t->ctx[t->count].node = node;
   t->ctx[t->count].self = 0;
   t->ctx[t->count].deeper = 0;
   t->ctx[t->count].last_node = NULL;
   t->ctx[t->count].last_child = 0;
   t->slots[s] = ++t->count;
   if (parent != PG_CTX_NONE) {
      t->ctx[parent].last_node = node;
      t->ctx[parent].last_child = t->count - 1;
   }
   return t->count - 1;
}

void pg_context_zero(PgContextTable *t)
{
   UInt i;
   for (i = 0; i < t->count; i++)
      t->ctx[i].self = t->ctx[i].deeper = 0;
}

SizeT pg_context_escape_frame(const HChar *name, HChar *out, SizeT out_size)
{
   static const HChar hex[] = "0123456789abcdef";
   SizeT n = 0;
   const UChar *p;

   for (p = (const UChar *)name; *p != 0; p++) {
      HChar piece[4];
      SizeT len, k;
      if (*p == ';' || *p < 0x20 || *p == 0x7f) {
         piece[0] = '\\';
         piece[1] = 'x';
         piece[2] = hex[*p >> 4];
         piece[3] = hex[*p & 15];
         len = 4;
      } else if (*p == '\\') {
         piece[0] = piece[1] = '\\';
         len = 2;
      } else {
         piece[0] = (HChar)*p;
         len = 1;
      }
      for (k = 0; k < len; k++, n++)
         if (n + 1 < out_size)
            out[n] = piece[k];
   }
   if (out_size > 0)
      out[n < out_size ? n : out_size - 1] = '\0';
   return n;
}
