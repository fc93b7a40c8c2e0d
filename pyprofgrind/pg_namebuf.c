/* pg_namebuf.c: bounded UTF-8 names of any length (see pg_namebuf.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_port.h"
#include "pg_namebuf.h"

/* Room for the cut marker: "...[cut: " 20 digits " characters, hash "
 * 8 digits "]" and the NUL. */
#define PG_NAMEBUF_MARKER_ROOM 64

void pg_namebuf_init(PgNameBuf *b, SizeT keep_bytes)
{
   b->capacity = 64;
   b->text = pg_malloc("pg.namebuf", b->capacity);
   pg_assert(b->text != NULL);
   b->text[0] = '\0';
   b->used = 0;
   b->keep_bytes = keep_bytes;
   b->cut = False;
   b->length = 0;
   b->hash = 2166136261u;
}

static void hash_bytes(PgNameBuf *b, const UChar *bytes, SizeT len)
{
   SizeT i;

   for (i = 0; i < len; i++) {
      b->hash ^= bytes[i];
      b->hash *= 16777619u;
   }
}

/* Makes room for NEEDED more bytes and the NUL. */
static void reserve(PgNameBuf *b, SizeT needed)
{
   if (b->used + needed + 1 <= b->capacity)
      return;
   while (b->used + needed + 1 > b->capacity)
      b->capacity *= 2;
   b->text = pg_realloc("pg.namebuf", b->text, b->capacity);
   pg_assert(b->text != NULL);
}

/* Length of the UTF-8 sequence a lead byte announces; 1 for anything that
 * is no lead byte. */
static SizeT announced_length(UChar lead)
{
   if (lead >= 0xc2 && lead <= 0xdf) return 2;
   if (lead >= 0xe0 && lead <= 0xef) return 3;
   if (lead >= 0xf0 && lead <= 0xf4) return 4;
   return 1;
}

/* At a cut: drops a UTF-8 sequence that the kept text ends in the middle
 * of (bytes fed in one at a time can stop anywhere). */
static void drop_partial_character(PgNameBuf *b)
{
   SizeT back;

   for (back = 1; back <= 3 && back <= b->used; back++) {
      UChar c = (UChar)b->text[b->used - back];
      if ((c & 0xc0) == 0x80)
         continue;                 /* a continuation byte: look further */
      if (announced_length(c) > back) {
         b->used -= back;
         b->text[b->used] = '\0';
      }
      return;
   }
}

/* Keeps LEN bytes (one character, or one byte) if they fit below the
 * limit; else the name is cut there, and what follows is only hashed. */
static void keep(PgNameBuf *b, const UChar *bytes, SizeT len)
{
   hash_bytes(b, bytes, len);
   if (b->cut)
      return;
   if (b->used + len > b->keep_bytes) {
      b->cut = True;
      drop_partial_character(b);
      return;
   }
   reserve(b, len);
   pg_memcpy(b->text + b->used, bytes, len);
   b->used += len;
   b->text[b->used] = '\0';
}

void pg_namebuf_add_code_point(PgNameBuf *b, UInt c)
{
   UChar utf8[4];
   SizeT n;

   if (c == 0) {
      utf8[0] = 0xc0;
      utf8[1] = 0x80;
      n = 2;
   } else if (c < 0x80) {
      utf8[0] = (UChar)c;
      n = 1;
   } else if (c < 0x800) {
      utf8[0] = (UChar)(0xc0 | (c >> 6));
      utf8[1] = (UChar)(0x80 | (c & 0x3f));
      n = 2;
   } else if (c < 0x10000) {
      utf8[0] = (UChar)(0xe0 | (c >> 12));
      utf8[1] = (UChar)(0x80 | ((c >> 6) & 0x3f));
      utf8[2] = (UChar)(0x80 | (c & 0x3f));
      n = 3;
   } else {
      /* Above U+10FFFF cannot be in a str; masked so it stays 4 bytes. */
      utf8[0] = (UChar)(0xf0 | ((c >> 18) & 0x07));
      utf8[1] = (UChar)(0x80 | ((c >> 12) & 0x3f));
      utf8[2] = (UChar)(0x80 | ((c >> 6) & 0x3f));
      utf8[3] = (UChar)(0x80 | (c & 0x3f));
      n = 4;
   }
   b->length++;
   keep(b, utf8, n);
}

void pg_namebuf_add_bytes(PgNameBuf *b, const HChar *bytes, SizeT len)
{
   static const UChar nul_form[2] = { 0xc0, 0x80 };
   const UChar *s = (const UChar *)bytes;
   SizeT i;

   b->length += len;
   for (i = 0; i < len; i++) {
      if (s[i] == 0)
         keep(b, nul_form, 2);
      else
         keep(b, s + i, 1);
   }
}

void pg_namebuf_add_str(PgNameBuf *b, const HChar *s)
{
   pg_namebuf_add_bytes(b, s, pg_strlen(s));
}

void pg_namebuf_skip(PgNameBuf *b, ULong count)
{
   if (count == 0)
      return;
   b->length += count;
   b->cut = True;
}

HChar *pg_namebuf_finish(PgNameBuf *b)
{
   HChar *text;

   if (b->cut) {
      reserve(b, PG_NAMEBUF_MARKER_ROOM);
      pg_snprintf(b->text + b->used, PG_NAMEBUF_MARKER_ROOM,
                  "...[cut: %llu characters, hash %08x]",
                  (unsigned long long)b->length, b->hash);
   }
   text = b->text;
   b->text = NULL;
   b->used = b->capacity = 0;
   return text;
}
