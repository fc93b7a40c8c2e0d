/* pg_context.h: calling contexts for exact flame graphs (--folded-stacks).
 *
 * A context is a path of the call tree: (parent context, node).  Every
 * frame on a shadow stack knows its context; the instructions executed
 * while a frame is on top are added to its context's self cost, so that
 * the self costs of all contexts add up to the program total, and one
 * context's self cost is exactly what ran with that stack.  Contexts are
 * kept in one table with a hash of (parent, node): a recursion of depth D
 * makes D contexts once, however often it runs, so memory grows with the
 * number of distinct stacks only.  The table holds at most a given number
 * of contexts; past it a new stack is folded into its deepest kept
 * context, whose "deeper" cost then counts everything that ran above it
 * (written as one marker frame).
 *
 * Nodes are opaque pointers here (the tool passes PgNode and marker
 * addresses), so that this module is pure and unit tested.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_CONTEXT_H
#define PG_CONTEXT_H

#include "pg_port.h"

/* No context: the parent of a root. */
#define PG_CTX_NONE   0xffffffffu
/* Set in a context reference when the table was full: the frame's stack
 * is folded into the context in the low bits, and its cost is counted as
 * that context's "deeper" cost. */
#define PG_CTX_FOLDED 0x80000000u
/* The largest number of contexts a table may hold. */
#define PG_CTX_MAX    0x7ffffff0u

typedef struct {
   UInt        parent;   /* PG_CTX_NONE for a root; always a smaller id */
   const void *node;
   ULong       self;     /* cost while this context was on top */
   ULong       deeper;   /* cost of folded deeper frames (table full) */
   const void *last_node;  /* the child last asked for (a loop calls the */
   UInt        last_child; /* same function again and again), or NULL */
} PgContext;

typedef struct {
   PgContext *ctx;
   UInt       count, capacity;
   UInt       limit;          /* most contexts kept (roots excepted) */
   UInt      *slots;          /* open addressing: id + 1, 0 empty */
   UInt       mask;           /* slots - 1 */
   Bool       limit_reached;  /* some stack was folded */
} PgContextTable;

/* An empty table that keeps at most LIMIT contexts (roots, whose parent is
 * PG_CTX_NONE, are always made). */
void pg_context_table_init(PgContextTable *t, UInt limit);
void pg_context_table_free(PgContextTable *t);

/* The context of NODE called in context PARENT (a reference, possibly
 * with PG_CTX_FOLDED), made on first use.  When the table is full, or
 * PARENT is folded already, returns PARENT's context with PG_CTX_FOLDED
 * set and records that the limit was reached. */
UInt pg_context_child(PgContextTable *t, UInt parent, const void *node);

/* Adds COST to the self cost of context reference REF (to its "deeper"
 * cost if REF is folded). */
static inline void pg_context_add(PgContextTable *t, UInt ref, ULong cost)
{
   if (ref & PG_CTX_FOLDED)
      t->ctx[ref & ~PG_CTX_FOLDED].deeper += cost;
   else
      t->ctx[ref].self += cost;
}

/* Forgets every cost (the contexts stay). */
void pg_context_zero(PgContextTable *t);

/* Writes NAME into OUT (at most OUT_SIZE bytes with the final NUL) as a
 * folded-stack frame: ';' (the frame separator) as "\x3b", a backslash as
 * "\\", newlines, other control characters and DEL as "\xHH"; other bytes
 * (UTF-8) as they are.  Returns the length the whole text needs, so that
 * a result >= OUT_SIZE means OUT holds a cut copy. */
SizeT pg_context_escape_frame(const HChar *name, HChar *out, SizeT out_size);

#endif /* PG_CONTEXT_H */
