/* keytable.c: string interning and fixed-size-key indexing for
 * pyprofgrind-report (see keytable.h).  Slots hold "number + 1" so that a
 * zeroed slot array is an empty table; the entries themselves live in
 * arrays in insertion order, which is what makes the numbers dense.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytable.h"

#define INITIAL_SLOTS 64

void *xmalloc(size_t size)
{
   void *p = malloc(size ? size : 1);
   if (p == NULL) {
      fprintf(stderr, "pyprofgrind-report: out of memory\n");
      exit(2);
   }
   return p;
}

void *xcalloc(size_t count, size_t size)
{
   void *p = calloc(count ? count : 1, size ? size : 1);
   if (p == NULL) {
      fprintf(stderr, "pyprofgrind-report: out of memory\n");
      exit(2);
   }
   return p;
}

void *xrealloc(void *old, size_t size)
{
   void *p = realloc(old, size ? size : 1);
   if (p == NULL) {
      fprintf(stderr, "pyprofgrind-report: out of memory\n");
      exit(2);
   }
   return p;
}

char *xstrndup(const char *text, size_t len)
{
   char *copy = xmalloc(len + 1);
   memcpy(copy, text, len);
   copy[len] = '\0';
   return copy;
}

char *xstrdup(const char *text)
{
   return xstrndup(text, strlen(text));
}

void keytable_grow_array(void **array, size_t *capacity, size_t needed,
                size_t element_size)
{
   size_t new_capacity = *capacity ? *capacity : 16;

   if (needed <= *capacity)
      return;
   while (new_capacity < needed) {
      if (new_capacity > ((size_t)-1) / 2 / element_size) {
         fprintf(stderr, "pyprofgrind-report: out of memory\n");
         exit(2);
      }
      new_capacity *= 2;
   }
   *array = xrealloc(*array, new_capacity * element_size);
   *capacity = new_capacity;
}

/* FNV-1a: simple, and good enough for names and small packed keys. */
static uint64_t hash_bytes(const void *data, size_t len)
{
   const unsigned char *bytes = data;
   uint64_t hash = 0xcbf29ce484222325ull;
   size_t i;

   for (i = 0; i < len; i++) {
      hash ^= bytes[i];
      hash *= 0x100000001b3ull;
   }
   return hash;
}

/*------------------------------------------------------------*/
/*--- StringPool                                           ---*/
/*------------------------------------------------------------*/

struct StringPool {
   char    **strings;
   size_t   *lengths;
   uint64_t *hashes;
   size_t    count;
   size_t    capacity;
   uint32_t *slots;       /* string number + 1, 0 = empty */
   size_t    n_slots;     /* a power of two */
};

StringPool *keytable_pool_new(void)
{
   StringPool *pool = xcalloc(1, sizeof *pool);
   pool->n_slots = INITIAL_SLOTS;
   pool->slots = xcalloc(pool->n_slots, sizeof *pool->slots);
   return pool;
}

void keytable_pool_free(StringPool *pool)
{
   size_t i;

   if (pool == NULL)
      return;
   for (i = 0; i < pool->count; i++)
      free(pool->strings[i]);
   free(pool->strings);
   free(pool->lengths);
   free(pool->hashes);
   free(pool->slots);
   free(pool);
}

static void keytable_pool_rehash(StringPool *pool)
{
   size_t i;

   free(pool->slots);
   pool->n_slots *= 2;
   pool->slots = xcalloc(pool->n_slots, sizeof *pool->slots);
   for (i = 0; i < pool->count; i++) {
      size_t slot = pool->hashes[i] & (pool->n_slots - 1);
      while (pool->slots[slot] != 0)
         slot = (slot + 1) & (pool->n_slots - 1);
      pool->slots[slot] = (uint32_t)(i + 1);
   }
}

/* The slot holding TEXT[0..LEN), or the empty slot where it would go. */
static size_t keytable_pool_probe(const StringPool *pool, const char *text,
                                size_t len, uint64_t hash)
{
   size_t slot = hash & (pool->n_slots - 1);

   while (pool->slots[slot] != 0) {
      size_t i = pool->slots[slot] - 1;
      if (pool->hashes[i] == hash && pool->lengths[i] == len
          && memcmp(pool->strings[i], text, len) == 0)
         return slot;
      slot = (slot + 1) & (pool->n_slots - 1);
   }
   return slot;
}

uint32_t keytable_pool_intern_len(StringPool *pool, const char *text, size_t len)
{
   uint64_t hash = hash_bytes(text, len);
   size_t slot = keytable_pool_probe(pool, text, len, hash);
   size_t capacity;

   if (pool->slots[slot] != 0)
      return pool->slots[slot] - 1;
   if (pool->count >= KEYTABLE_ABSENT - 1) {
      fprintf(stderr, "pyprofgrind-report: too many distinct names\n");
      exit(2);
   }
   capacity = pool->capacity;
   keytable_grow_array((void **)&pool->strings, &capacity, pool->count + 1,
              sizeof *pool->strings);
   capacity = pool->capacity;
   keytable_grow_array((void **)&pool->lengths, &capacity, pool->count + 1,
              sizeof *pool->lengths);
   capacity = pool->capacity;
   keytable_grow_array((void **)&pool->hashes, &capacity, pool->count + 1,
              sizeof *pool->hashes);
   pool->capacity = capacity;
   pool->strings[pool->count] = xstrndup(text, len);
   pool->lengths[pool->count] = len;
   pool->hashes[pool->count] = hash;
   pool->slots[slot] = (uint32_t)(pool->count + 1);
   pool->count++;
   if (pool->count * 2 > pool->n_slots)
      keytable_pool_rehash(pool);
   return (uint32_t)(pool->count - 1);
}

uint32_t keytable_pool_intern(StringPool *pool, const char *text)
{
   return keytable_pool_intern_len(pool, text, strlen(text));
}

uint32_t keytable_pool_find(const StringPool *pool, const char *text)
{
   size_t len = strlen(text);
   size_t slot = keytable_pool_probe(pool, text, len, hash_bytes(text, len));

   return pool->slots[slot] != 0 ? pool->slots[slot] - 1 : KEYTABLE_ABSENT;
}

const char *keytable_pool_get(const StringPool *pool, uint32_t id)
{
   return id < pool->count ? pool->strings[id] : "";
}

size_t keytable_pool_count(const StringPool *pool)
{
   return pool->count;
}

/*------------------------------------------------------------*/
/*--- KeyIndex                                             ---*/
/*------------------------------------------------------------*/

struct KeyIndex {
   size_t         key_size;
   unsigned char *keys;       /* count * key_size bytes */
   uint64_t      *hashes;
   size_t         count;
   size_t         capacity;
   uint32_t      *slots;
   size_t         n_slots;
};

KeyIndex *keytable_index_new(size_t key_size)
{
   KeyIndex *index = xcalloc(1, sizeof *index);
   index->key_size = key_size;
   index->n_slots = INITIAL_SLOTS;
   index->slots = xcalloc(index->n_slots, sizeof *index->slots);
   return index;
}

void keytable_index_free(KeyIndex *index)
{
   if (index == NULL)
      return;
   free(index->keys);
   free(index->hashes);
   free(index->slots);
   free(index);
}

static size_t keytable_index_probe(const KeyIndex *index, const void *key,
                              uint64_t hash, uint32_t *found)
{
   size_t slot = hash & (index->n_slots - 1);

   *found = KEYTABLE_ABSENT;
   while (index->slots[slot] != 0) {
      size_t i = index->slots[slot] - 1;
      if (index->hashes[i] == hash
          && memcmp(index->keys + i * index->key_size, key,
                    index->key_size) == 0) {
         *found = (uint32_t)i;
         break;
      }
      slot = (slot + 1) & (index->n_slots - 1);
   }
   return slot;
}

static void keytable_index_rehash(KeyIndex *index)
{
   size_t i;

   free(index->slots);
   index->n_slots *= 2;
   index->slots = xcalloc(index->n_slots, sizeof *index->slots);
   for (i = 0; i < index->count; i++) {
      size_t slot = index->hashes[i] & (index->n_slots - 1);
      while (index->slots[slot] != 0)
         slot = (slot + 1) & (index->n_slots - 1);
      index->slots[slot] = (uint32_t)(i + 1);
   }
}

uint32_t keytable_index_insert(KeyIndex *index, const void *key, int *added)
{
   uint64_t hash = hash_bytes(key, index->key_size);
   uint32_t found;
   size_t slot = keytable_index_probe(index, key, hash, &found);
   size_t capacity;

   if (found != KEYTABLE_ABSENT) {
      if (added)
         *added = 0;
      return found;
   }
   if (index->count >= KEYTABLE_ABSENT - 1) {
      fprintf(stderr, "pyprofgrind-report: too many distinct entries\n");
      exit(2);
   }
   capacity = index->capacity;
   keytable_grow_array((void **)&index->keys, &capacity, index->count + 1,
              index->key_size);
   capacity = index->capacity;
   keytable_grow_array((void **)&index->hashes, &capacity, index->count + 1,
              sizeof *index->hashes);
   index->capacity = capacity;
   memcpy(index->keys + index->count * index->key_size, key, index->key_size);
   index->hashes[index->count] = hash;
   index->slots[slot] = (uint32_t)(index->count + 1);
   index->count++;
   if (index->count * 2 > index->n_slots)
      keytable_index_rehash(index);
   if (added)
      *added = 1;
   return (uint32_t)(index->count - 1);
}

uint32_t keytable_index_find(const KeyIndex *index, const void *key)
{
   uint32_t found;

   keytable_index_probe(index, key, hash_bytes(key, index->key_size), &found);
   return found;
}

size_t keytable_index_count(const KeyIndex *index)
{
   return index->count;
}
