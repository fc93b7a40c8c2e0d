/* cache.h: the build-id layout cache.  DIR/<build-id>.layout holds the
 * layout of the object with that GNU build-id, so that the DWARF (seconds
 * for a large libpython) is read once per build.  DIR must be a directory
 * of the effective user that nobody else can write to; an entry is
 * checked the same way, then parsed and checked as the tool would, before
 * it is believed, and written atomically.  Problems are one-line
 * warnings (see message.h), never failures: without the cache the DWARF
 * is simply read again.
 *
 * The checks of an entry are pure functions of its stat and its text, so
 * they are unit tested (tests/unit/test_inspect_cache.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef INSPECT_CACHE_H
#define INSPECT_CACHE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "message.h"
#include "pg_pylayout.h"

/* The first line of every entry, naming the format and the inspector's
 * version: a newer inspector (which may read the DWARF better) does not
 * believe an older one's entries. */
extern const char cache_magic[];

/* An entry larger than this is not read. */
#define CACHE_MAX_BYTES (1 << 20)

/* Shorter build-ids (a few bytes) are too weak a key: no cache. */
#define CACHE_MIN_BUILD_ID_HEX 16

typedef struct {
   int  dirfd;                     /* -1: no cache */
   char dir[MESSAGE_SHOWN_MAX];    /* DIR, for messages */
   char name[96];                  /* <build-id>.layout of the last lookup */
} Cache;

/* Opens DIR, creating it 0700 if missing (and its parent too when DIR is
 * the default, $XDG_CACHE_HOME/pyprofgrind or ~/.cache/pyprofgrind), and
 * checks it.  False, with a warning, if it is not to be used. */
int cache_open(Cache *cache, const char *dir);

void cache_close(Cache *cache);

/* The entry of BUILD_ID, checked, as a layout to free(); NULL if there is
 * none to believe (with --verbose, a message says why). */
PgPyLayout *cache_lookup(Cache *cache, const char *build_id, const char *shown_file);

/* Stores LAYOUT as the entry of the last lookup. */
void cache_store(Cache *cache, const PgPyLayout *layout, const char *build_id,
                 const char *shown_file);

/* May an entry with status ST be read by user OWNER?  Else False with the
 * reason in WHY. */
int cache_entry_file_ok(const struct stat *st, uid_t owner, char *why, size_t why_len);

/* Is TEXT (LEN bytes) an entry of this inspector's format holding a
 * complete layout of BUILD_ID?  The layout is parsed into LAYOUT; else
 * False with the reason in WHY. */
int cache_entry_text_ok(const char *text, size_t len, const char *build_id,
                        PgPyLayout *layout, char *why, size_t why_len);

#endif /* INSPECT_CACHE_H */
