/* pg_guestmem.c: validated reads of client memory (see pg_guestmem.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_guestmem.h"
#include "pub_tool_aspacemgr.h"

#define CACHED_SEGMENTS 8

typedef struct {
   Addr start, end;   /* inclusive end, as NSegment has it */
} ReadableRange;

static ReadableRange cached[CACHED_SEGMENTS];
static UInt next_victim, last_hit;

/* The walker reads the same few segments (the thread state, the frame
 * stack, code objects) over and over: the last one that answered is
 * tried first. */
static Bool in_cache(Addr a, SizeT n)
{
   UInt i;
   if (cached[last_hit].end != 0 && a >= cached[last_hit].start
       && a + n - 1 <= cached[last_hit].end)
      return True;
   for (i = 0; i < CACHED_SEGMENTS; i++)
      if (cached[i].end != 0 && a >= cached[i].start && a + n - 1 <= cached[i].end) {
         last_hit = i;
         return True;
      }
   return False;
}

static Bool validate(Addr a, SizeT n)
{
   const NSegment *seg;
   if (n == 0 || a + n < a)
      return False;
   if (in_cache(a, n))
      return True;
   seg = VG_(am_find_nsegment)(a);
   if (seg == NULL || !seg->hasR
       || (seg->kind != SkAnonC && seg->kind != SkFileC && seg->kind != SkShmC))
      return False;
   if (a + n - 1 > seg->end)
      return False;   /* spans two segments: rare, refuse rather than walk */
   cached[next_victim].start = seg->start;
   cached[next_victim].end = seg->end;
   next_victim = (next_victim + 1) % CACHED_SEGMENTS;
   return True;
}

Bool pg_guestmem_read(Addr a, void *buf, SizeT n)
{
   if (!validate(a, n))
      return False;
   pg_memcpy(buf, (const void *)a, n);
   return True;
}

/* Words and ints are read with one load, not a call of Valgrind's byte
 * copy: they are most of what the walker reads (amd64 allows unaligned
 * loads). */
Bool pg_guestmem_read_word(Addr a, Addr *out)
{
   if (!validate(a, sizeof *out))
      return False;
   *out = *(const Addr *)a;
   return True;
}

Bool pg_guestmem_read_int(Addr a, Int *out)
{
   if (!validate(a, sizeof *out))
      return False;
   *out = *(const Int *)a;
   return True;
}

void pg_guestmem_forget(void)
{
   pg_memset(cached, 0, sizeof cached);
   last_hit = 0;
}
