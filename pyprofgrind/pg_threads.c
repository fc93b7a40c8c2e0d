/* pg_threads.c: thread states and switching (see pg_threads.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_threads.h"
#include "pub_tool_threadstate.h"

ULong pg_clock;
ULong pg_dyn_clock;
ULong pg_collect_mask = ~0ULL;

static PgThread **threads;             /* VG_N_THREADS entries */
static PgThread  *current;
static Bool       separate;
static PgProfile *shared_profile;
static PgProfile **profiles;           /* VG_N_THREADS + 1 entries */
static UInt       profile_count;

static PgThread *make_thread(ThreadId tid)
{
   PgThread *th = pg_calloc("pg.thread", 1, sizeof *th);
   th->tid = tid;
   th->capacity = 64;
   th->frames = pg_malloc("pg.thread.frames", th->capacity * sizeof(PgFrame));
   if (separate) {
      th->profile = pg_profile_new(tid);
      profiles[profile_count++] = th->profile;
   } else {
      th->profile = shared_profile;
   }
   return th;
}

PgThread *pg_threads_get(ThreadId tid)
{
   pg_assert(tid < VG_N_THREADS);
   return threads[tid];
}

PgThread *pg_threads_current(void) { return current; }

void pg_threads_switch_to(ThreadId tid)
{
   PgThread *next;
   pg_assert(tid > 0 && tid < VG_N_THREADS);
   if (current != NULL && current->tid == tid)
      return;
   if (threads[tid] == NULL)
      threads[tid] = make_thread(tid);
   next = threads[tid];
   if (current != NULL) {
      current->clock = pg_clock;
      current->dyn_clock = pg_dyn_clock;
   }
   pg_clock = next->clock;
   pg_dyn_clock = next->dyn_clock;
   current = next;
   pg_bb_use_counter_set(next->profile->counters);
}

ULong pg_threads_clock(const PgThread *th)
{
   return th == current ? pg_clock : th->clock;
}

ULong pg_threads_dyn_clock(const PgThread *th)
{
   return th == current ? pg_dyn_clock : th->dyn_clock;
}

UInt pg_threads_profiles(PgProfile ***out)
{
   *out = profiles;
   return profile_count;
}

UInt pg_threads_all(PgThread ***out)
{
   *out = threads;
   return VG_N_THREADS;
}

void pg_threads_init(Bool separate_threads)
{
   separate = separate_threads;
   threads = pg_calloc("pg.threads", VG_N_THREADS, sizeof(PgThread *));
   profiles = pg_calloc("pg.profiles", VG_N_THREADS + 1, sizeof(PgProfile *));
   if (!separate) {
      shared_profile = pg_profile_new(0);
      profiles[profile_count++] = shared_profile;
      pg_bb_use_counter_set(shared_profile->counters);
   }
}
