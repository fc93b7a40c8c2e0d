/* keytable.h: the two lookup structures pyprofgrind-report builds its
 * tables on.  A StringPool stores each distinct string once and names it by
 * a small dense number, so profiles compare names by number; a KeyIndex
 * maps fixed-size binary keys (a few numbers packed into a struct) to dense
 * numbers 0, 1, 2... in order of first insertion, so callers keep their
 * records in plain growing arrays indexed by that number.
 * Both are open-addressing hash tables that double when half full.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef REPORT_KEYTABLE_H
#define REPORT_KEYTABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct StringPool StringPool;
typedef struct KeyIndex KeyIndex;

/* Returned by the lookups when a key or string is absent. */
#define KEYTABLE_ABSENT ((uint32_t)0xffffffffu)

StringPool *keytable_pool_new(void);
void keytable_pool_free(StringPool *pool);
/* Stores TEXT[0..LEN) (which may hold any bytes) unless already there, and
 * returns its number.  Stored strings are NUL-terminated copies. */
uint32_t keytable_pool_intern_len(StringPool *pool, const char *text, size_t len);
uint32_t keytable_pool_intern(StringPool *pool, const char *text);
/* TEXT's number if it is stored, else KEYTABLE_ABSENT (adds nothing). */
uint32_t keytable_pool_find(const StringPool *pool, const char *text);
const char *keytable_pool_get(const StringPool *pool, uint32_t id);
size_t keytable_pool_count(const StringPool *pool);

/* KEY_SIZE is the size of every key in bytes; keys are compared bytewise,
 * so structs used as keys must be zeroed before being filled in. */
KeyIndex *keytable_index_new(size_t key_size);
void keytable_index_free(KeyIndex *index);
/* Returns the key's number, adding the key if new; *ADDED says which. */
uint32_t keytable_index_insert(KeyIndex *index, const void *key, int *added);
uint32_t keytable_index_find(const KeyIndex *index, const void *key);
size_t keytable_index_count(const KeyIndex *index);

/* Allocation that never returns NULL: the report cannot do anything
 * useful without memory, so it stops with a message instead. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *old, size_t size);
char *xstrdup(const char *text);
char *xstrndup(const char *text, size_t len);
/* Grows *ARRAY (of elements of ELEMENT_SIZE) so that it holds at least
 * NEEDED elements; *CAPACITY is updated.  Doubling keeps appends cheap. */
void keytable_grow_array(void **array, size_t *capacity, size_t needed,
                size_t element_size);

#endif /* REPORT_KEYTABLE_H */
