/* pg_writer.c: writes profiles in the callgrind format (version 1), with
 * optional name and position compression, into a buffer that is handed to
 * a sink callback in full chunks.  Readers differ in how forgiving they are
 * (callgrind_annotate, for one, tracks a single previous position for both
 * subpositions and ignores the target of "calls="), so the writer only
 * compresses where every reader agrees on the meaning and falls back to
 * absolute positions everywhere else.
 *
 * Names and header values come from the profiled program (its file and
 * function names, its command line), so they are escaped on the way out
 * (the rule is in pg_writer.h): no byte a program controls can end a line,
 * or make a reader take a name for a name id.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_port.h"
#include "pg_writer.h"

/* Large enough that a sink doing a system call per chunk costs little. */
#define PG_WRITER_BUFFER_SIZE (64 * 1024)

/* Initial slot count of a name table; a power of two, grown by doubling. */
#define PG_NAME_TABLE_INITIAL_SLOTS 64

/* Relative instruction addresses are written only for differences below
 * this: callgrind_annotate adds a relative first subposition to a line
 * number in Perl, and that sum must stay a plain integer. */
#define PG_MAX_RELATIVE_ADDR_DIFF 0x7fffffffUL

/* The name spaces of compressed ids: objects, files, functions. */
enum { PG_SPACE_OBJECT, PG_SPACE_FILE, PG_SPACE_FUNCTION, PG_N_SPACES };

typedef struct {
   HChar *name;      /* owned copy; NULL marks an empty slot */
   UInt   hash;
   UInt   id;
} PgNameSlot;

/* Open addressing with linear probing, kept at most half full so probe
 * runs stay short. */
typedef struct {
   PgNameSlot *slots;
   UInt        n_slots;    /* power of two */
   UInt        n_names;    /* ids handed out so far, ids run 1..n_names */
} PgNameTable;

struct PgWriter {
   PgSinkFn sink;
   void    *sink_ctx;
   Bool     positions_instr;
   Bool     compress_names;
   Bool     compress_pos;

   HChar   *buffer;
   SizeT    buffer_used;

   PgNameTable names[PG_N_SPACES];
   /* Functions by object, file and name (pg_writer_function); their ids
    * are counted in names[PG_SPACE_FUNCTION]. */
   PgNameTable functions;
   HChar      *key_buffer;      /* their keys are built here */
   SizeT       key_buffer_size;

   /* Position of the previous cost line, the base of relative positions.
    * HAVE_PREV_POS is False at the start, after a name line that opens a
    * new context, and after "calls=": the next cost line is then written
    * with absolute positions. */
   Bool     have_prev_pos;
   Addr     prev_instr;
   UInt     prev_line;

   /* Set by pg_writer_calls until the cost line of the call is written. */
   Bool     call_cost_pending;
};

/*------------------------------------------------------------*/
/*--- Output buffering                                     ---*/
/*------------------------------------------------------------*/

static void flush_buffer(PgWriter *w)
{
   if (w->buffer_used > 0) {
      w->sink(w->sink_ctx, w->buffer, w->buffer_used);
      w->buffer_used = 0;
   }
}

/* Appends LEN bytes, handing the buffer to the sink each time it fills up,
 * so every chunk but the last is exactly PG_WRITER_BUFFER_SIZE bytes. */
static void put_bytes(PgWriter *w, const HChar *bytes, SizeT len)
{
   while (len > 0) {
      SizeT room = PG_WRITER_BUFFER_SIZE - w->buffer_used;
      SizeT n = len < room ? len : room;

      pg_memcpy(w->buffer + w->buffer_used, bytes, n);
      w->buffer_used += n;
      bytes += n;
      len -= n;
      if (w->buffer_used == PG_WRITER_BUFFER_SIZE)
         flush_buffer(w);
   }
}

static void put_str(PgWriter *w, const HChar *s)
{
   put_bytes(w, s, pg_strlen(s));
}

static void put_char(PgWriter *w, HChar c)
{
   put_bytes(w, &c, 1);
}

/* Numbers are formatted by hand: they are the bulk of a profile and this
 * avoids a printf call per number in both the tool and the tests. */
static void put_decimal(PgWriter *w, ULong value)
{
   HChar digits[24];
   UInt start = sizeof digits;

   do {
      digits[--start] = (HChar)('0' + value % 10);
      value /= 10;
   } while (value != 0);
   put_bytes(w, digits + start, sizeof digits - start);
}

static void put_hex(PgWriter *w, ULong value)
{
   static const HChar hex_digits[] = "0123456789abcdef";
   HChar digits[24];
   UInt start = sizeof digits;

   do {
      digits[--start] = hex_digits[value & 0xf];
      value >>= 4;
   } while (value != 0);
   digits[--start] = 'x';
   digits[--start] = '0';
   put_bytes(w, digits + start, sizeof digits - start);
}

/*------------------------------------------------------------*/
/*--- Escaping names and header values                     ---*/
/*------------------------------------------------------------*/

/* What an escaped text is: a name (fn=, fl=, ...) or a header value. */
typedef enum { PG_TEXT_NAME, PG_TEXT_HEADER } PgTextKind;

/* Length (2 to 4) of the well-formed UTF-8 sequence of more than one byte
 * at S, with its code point in *CODE_POINT; 0 if S starts none.  Overlong
 * forms, surrogates and code points above U+10FFFF are not well-formed.
 * Stops at the terminating NUL, which is no continuation byte. */
static UInt utf8_sequence(const UChar *s, UInt *code_point)
{
   UInt length, i, cp;
   UChar low = 0x80, high = 0xbf;   /* bounds of the second byte */

   if (s[0] >= 0xc2 && s[0] <= 0xdf) {
      length = 2;
      cp = s[0] & 0x1f;
   } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
      length = 3;
      cp = s[0] & 0x0f;
      if (s[0] == 0xe0) low = 0xa0;          /* overlong */
      if (s[0] == 0xed) high = 0x9f;         /* surrogates */
   } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
      length = 4;
      cp = s[0] & 0x07;
      if (s[0] == 0xf0) low = 0x90;          /* overlong */
      if (s[0] == 0xf4) high = 0x8f;         /* above U+10FFFF */
   } else {
      return 0;
   }
   if (s[1] < low || s[1] > high)
      return 0;
   for (i = 1; i < length; i++) {
      if ((s[i] & 0xc0) != 0x80)
         return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
   }
   *code_point = cp;
   return length;
}

static void put_escaped_byte(PgWriter *w, UChar byte)
{
   static const HChar hex_digits[] = "0123456789abcdef";
   HChar escape[4];

   escape[0] = '\\';
   escape[1] = 'x';
   escape[2] = hex_digits[byte >> 4];
   escape[3] = hex_digits[byte & 0xf];
   put_bytes(w, escape, sizeof escape);
}

static void put_escaped_code_point(PgWriter *w, UInt code_point)
{
   static const HChar hex_digits[] = "0123456789abcdef";
   HChar escape[6];

   escape[0] = '\\';
   escape[1] = 'u';
   escape[2] = hex_digits[(code_point >> 12) & 0xf];
   escape[3] = hex_digits[(code_point >> 8) & 0xf];
   escape[4] = hex_digits[(code_point >> 4) & 0xf];
   escape[5] = hex_digits[code_point & 0xf];
   put_bytes(w, escape, sizeof escape);
}

/* Whether a name's text starts like a name id: "(" digits ")".  Readers
 * take that for a compressed name (callgrind_annotate, KCacheGrind and
 * cgcompare.py alike), which matters only where names are not compressed:
 * compressed, the id comes first and the rest is taken as it is. */
static Bool looks_like_name_id(const HChar *text)
{
   const HChar *p = text + 1;

   if (text[0] != '(' || *p < '0' || *p > '9')
      return False;
   while (*p >= '0' && *p <= '9')
      p++;
   return *p == ')';
}

/* Writes TEXT escaped by the rule of pg_writer.h.  Runs of bytes that need
 * no escape go out in one piece: that is nearly every name. */
static void put_escaped(PgWriter *w, const HChar *text, PgTextKind kind)
{
   const UChar *s = (const UChar *)text;
   const UChar *run = s;
   SizeT length = pg_strlen(text);

   if (kind == PG_TEXT_NAME && length == 0) {
      /* "fn=(3) " would be read as a reference to id 3. */
      put_str(w, "\\(empty)");
      return;
   }
   if (kind == PG_TEXT_NAME && !w->compress_names && looks_like_name_id(text)) {
      put_escaped_byte(w, s[0]);
      s++;
      run = s;
   }

   while (*s != '\0') {
      UChar byte = *s;
      UInt code_point, sequence;
      Bool at_edge = s == (const UChar *)text || s[1] == '\0';

      if (byte >= 0x20 && byte < 0x7f && byte != '\\'
          && !(byte == ' ' && at_edge && kind == PG_TEXT_NAME)) {
         s++;
         continue;
      }
      if (byte >= 0x80) {
         sequence = utf8_sequence(s, &code_point);
         /* C1 controls (U+0085 is a line break to Unicode-aware readers)
          * and the line and paragraph separators. */
         if (sequence > 0 && !(code_point >= 0x80 && code_point <= 0x9f)
             && code_point != 0x2028 && code_point != 0x2029) {
            s += sequence;
            continue;
         }
      } else {
         sequence = 0;
      }

      put_bytes(w, (const HChar *)run, (SizeT)(s - run));
      if (sequence > 0) {
         put_escaped_code_point(w, code_point);
         s += sequence;
      } else if (byte == 0xc0 && s[1] == 0x80) {
         /* The two-byte form a NUL inside a name is carried in (C strings
          * end at a real one); never well-formed UTF-8 otherwise. */
         put_str(w, "\\x00");
         s += 2;
      } else {
         switch (byte) {
         case '\\': put_str(w, "\\\\"); break;
         case '\n': put_str(w, "\\n"); break;
         case '\r': put_str(w, "\\r"); break;
         case '\t': put_str(w, "\\t"); break;
         default:   put_escaped_byte(w, byte); break;
         }
         s++;
      }
      run = s;
   }
   put_bytes(w, (const HChar *)run, (SizeT)(s - run));
}

/*------------------------------------------------------------*/
/*--- Name tables                                          ---*/
/*------------------------------------------------------------*/

/* FNV-1a: cheap and spreads similar symbol names well enough. */
static UInt hash_name(const HChar *name)
{
   UInt hash = 2166136261u;

   for (; *name != '\0'; name++) {
      hash ^= (UChar)*name;
      hash *= 16777619u;
   }
   return hash;
}

static void name_table_init(PgNameTable *table)
{
   table->n_slots = PG_NAME_TABLE_INITIAL_SLOTS;
   table->n_names = 0;
   table->slots = pg_calloc("pg.writer.names", table->n_slots,
                            sizeof(PgNameSlot));
   pg_assert(table->slots != NULL);
}

static void name_table_free(PgNameTable *table)
{
   UInt i;

   for (i = 0; i < table->n_slots; i++) {
      if (table->slots[i].name != NULL)
         pg_free(table->slots[i].name);
   }
   pg_free(table->slots);
   table->slots = NULL;
}

/* Returns the slot holding NAME, or the empty slot where it belongs. */
static PgNameSlot *name_table_probe(PgNameTable *table, const HChar *name,
                                    UInt hash)
{
   UInt mask = table->n_slots - 1;
   UInt i = hash & mask;

   for (;;) {
      PgNameSlot *slot = &table->slots[i];
      if (slot->name == NULL)
         return slot;
      if (slot->hash == hash && pg_strcmp(slot->name, name) == 0)
         return slot;
      i = (i + 1) & mask;
   }
}

static void name_table_grow(PgNameTable *table)
{
   PgNameSlot *old_slots = table->slots;
   UInt old_n_slots = table->n_slots;
   UInt i;

   table->n_slots = old_n_slots * 2;
   table->slots = pg_calloc("pg.writer.names", table->n_slots,
                            sizeof(PgNameSlot));
   pg_assert(table->slots != NULL);

   for (i = 0; i < old_n_slots; i++) {
      PgNameSlot *old = &old_slots[i];
      PgNameSlot *slot;
      if (old->name == NULL)
         continue;
      slot = name_table_probe(table, old->name, old->hash);
      slot->name = old->name;
      slot->hash = old->hash;
      slot->id = old->id;
   }
   pg_free(old_slots);
}

/* Looks NAME up; if it is new, gives it the next id of COUNTER (the
 * table's own, or another table's that shares its id space) and sets
 * *IS_NEW. */
static UInt name_table_id_from(PgNameTable *table, UInt *counter,
                               const HChar *name, Bool *is_new)
{
   UInt hash = hash_name(name);
   PgNameSlot *slot = name_table_probe(table, name, hash);

   if (slot->name != NULL) {
      *is_new = False;
      return slot->id;
   }

   if ((table->n_names + 1) * 2 > table->n_slots) {
      name_table_grow(table);
      slot = name_table_probe(table, name, hash);
   }
   slot->name = pg_strdup("pg.writer.names", name);
   pg_assert(slot->name != NULL);
   slot->hash = hash;
   slot->id = ++*counter;
   if (counter != &table->n_names)
      table->n_names++;
   *is_new = True;
   return slot->id;
}

static UInt name_table_id(PgNameTable *table, const HChar *name, Bool *is_new)
{
   return name_table_id_from(table, &table->n_names, name, is_new);
}

/*------------------------------------------------------------*/
/*--- The public interface                                 ---*/
/*------------------------------------------------------------*/

PgWriter *pg_writer_new(PgSinkFn sink, void *sink_ctx, Bool positions_instr,
                        Bool compress_names, Bool compress_pos)
{
   PgWriter *w = pg_malloc("pg.writer", sizeof(PgWriter));
   UInt space;

   pg_assert(w != NULL);
   pg_memset(w, 0, sizeof(PgWriter));
   w->sink = sink;
   w->sink_ctx = sink_ctx;
   w->positions_instr = positions_instr;
   w->compress_names = compress_names;
   w->compress_pos = compress_pos;

   w->buffer = pg_malloc("pg.writer.buffer", PG_WRITER_BUFFER_SIZE);
   pg_assert(w->buffer != NULL);
   w->buffer_used = 0;

   for (space = 0; space < PG_N_SPACES; space++)
      name_table_init(&w->names[space]);
   name_table_init(&w->functions);
   w->key_buffer = NULL;
   w->key_buffer_size = 0;

   w->have_prev_pos = False;
   w->call_cost_pending = False;
   return w;
}

void pg_writer_preamble(PgWriter *w, const HChar *creator)
{
   put_str(w, "# callgrind format\n");
   put_str(w, "version: 1\n");
   pg_writer_header(w, "creator", creator);
   pg_writer_header(w, "positions",
                    w->positions_instr ? "instr line" : "line");
}

void pg_writer_header(PgWriter *w, const HChar *key, const HChar *value)
{
   put_str(w, key);
   put_str(w, ": ");
   put_escaped(w, value, PG_TEXT_HEADER);
   put_char(w, '\n');
}

void pg_writer_comment(PgWriter *w, const HChar *text)
{
   put_str(w, "# ");
   put_escaped(w, text, PG_TEXT_HEADER);
   put_char(w, '\n');
}

static const HChar *name_kind_key(PgNameKind kind)
{
   switch (kind) {
   case PG_NAME_OB:  return "ob";
   case PG_NAME_FL:  return "fl";
   case PG_NAME_FI:  return "fi";
   case PG_NAME_FE:  return "fe";
   case PG_NAME_FN:  return "fn";
   case PG_NAME_COB: return "cob";
   case PG_NAME_CFI: return "cfi";
   case PG_NAME_CFN: return "cfn";
   }
   pg_assert(0);
   return "";
}

static UInt name_kind_space(PgNameKind kind)
{
   switch (kind) {
   case PG_NAME_OB:
   case PG_NAME_COB:
      return PG_SPACE_OBJECT;
   case PG_NAME_FL:
   case PG_NAME_FI:
   case PG_NAME_FE:
   case PG_NAME_CFI:
      return PG_SPACE_FILE;
   case PG_NAME_FN:
   case PG_NAME_CFN:
      return PG_SPACE_FUNCTION;
   }
   pg_assert(0);
   return PG_SPACE_FUNCTION;
}

/* Writes "KIND=" and NAME, or its id ID (defined there if IS_NEW) when
 * names are compressed. */
static void put_name_line(PgWriter *w, PgNameKind kind, const HChar *name,
                          UInt id, Bool is_new)
{
   /* The format requires the call's cost line right after "calls=". */
   pg_assert(!w->call_cost_pending);

   put_str(w, name_kind_key(kind));
   put_char(w, '=');
   if (w->compress_names) {
      put_char(w, '(');
      put_decimal(w, id);
      put_char(w, ')');
      if (is_new) {
         put_char(w, ' ');
         put_escaped(w, name, PG_TEXT_NAME);
      }
   } else {
      put_escaped(w, name, PG_TEXT_NAME);
   }
   put_char(w, '\n');
}

void pg_writer_name(PgWriter *w, PgNameKind kind, const HChar *name)
{
   Bool is_new = False;
   UInt id = 0;

   if (w->compress_names)
      id = name_table_id(&w->names[name_kind_space(kind)], name, &is_new);
   put_name_line(w, kind, name, id, is_new);

   /* A new function, object or file opens a new run of cost lines; its
    * first position is written in full, as Callgrind does, so that no
    * reader has to carry positions across the change.  The c* kinds only
    * describe the next call and leave the cost position alone. */
   switch (kind) {
   case PG_NAME_OB:
   case PG_NAME_FL:
   case PG_NAME_FI:
   case PG_NAME_FE:
   case PG_NAME_FN:
      w->have_prev_pos = False;
      break;
   default:
      break;
   }
}

/* Writes a relative subposition: "*" for no change, else "+N" or "-N". */
static void put_relative(PgWriter *w, ULong diff_magnitude, Bool negative)
{
   if (diff_magnitude == 0) {
      put_char(w, '*');
      return;
   }
   put_char(w, negative ? '-' : '+');
   put_decimal(w, diff_magnitude);
}

static void put_position(PgWriter *w, Addr instr, UInt line, Bool relative)
{
   if (w->positions_instr) {
      Bool addr_negative = instr < w->prev_instr;
      ULong addr_diff = addr_negative ? (ULong)(w->prev_instr - instr)
                                      : (ULong)(instr - w->prev_instr);
      if (relative && addr_diff <= PG_MAX_RELATIVE_ADDR_DIFF)
         put_relative(w, addr_diff, addr_negative);
      else
         put_hex(w, (ULong)instr);
      put_char(w, ' ');
   }

   if (relative) {
      Bool line_negative = line < w->prev_line;
      put_relative(w, line_negative ? (ULong)(w->prev_line - line)
                                    : (ULong)(line - w->prev_line),
                   line_negative);
   } else {
      put_decimal(w, line);
   }
}

void pg_writer_cost(PgWriter *w, Addr instr, UInt line,
                    const ULong *costs, UInt ncosts)
{
   /* The cost line of a call is written in full: the format leaves open
    * whether "calls=" moves the base of relative positions, and readers
    * disagree. */
   Bool relative = w->compress_pos && w->have_prev_pos
                   && !w->call_cost_pending;
   UInt n_written = ncosts;
   UInt i;

   put_position(w, instr, line, relative);

   /* Missing trailing costs read as zero.  At least one count stays, since
    * callgrind_annotate needs something after the positions. */
   while (n_written > 1 && costs[n_written - 1] == 0)
      n_written--;
   if (n_written == 0) {
      put_str(w, " 0");
   } else {
      for (i = 0; i < n_written; i++) {
         put_char(w, ' ');
         put_decimal(w, costs[i]);
      }
   }
   put_char(w, '\n');

   w->prev_instr = instr;
   w->prev_line = line;
   w->have_prev_pos = True;
   w->call_cost_pending = False;
}

void pg_writer_calls(PgWriter *w, ULong count, Addr target_instr,
                     UInt target_line)
{
   pg_assert(!w->call_cost_pending);

   /* The target is always absolute and does not become the base of the
    * next relative position (callgrind_annotate does not even read it). */
   put_str(w, "calls=");
   put_decimal(w, count);
   put_char(w, ' ');
   if (w->positions_instr) {
      put_hex(w, (ULong)target_instr);
      put_char(w, ' ');
   }
   put_decimal(w, target_line);
   put_char(w, '\n');

   w->call_cost_pending = True;
}

/* Appends the decimal length of S, a ':' and S to the key buffer at *USED
 * (which has room): keys of different triples never read alike. */
static void append_key_part(HChar *key, SizeT *used, const HChar *s)
{
   SizeT len = pg_strlen(s);
   HChar digits[24];
   UInt start = sizeof digits;
   SizeT n = len;

   do {
      digits[--start] = (HChar)('0' + n % 10);
      n /= 10;
   } while (n != 0);
   pg_memcpy(key + *used, digits + start, sizeof digits - start);
   *used += sizeof digits - start;
   key[(*used)++] = ':';
   pg_memcpy(key + *used, s, len);
   *used += len;
}

void pg_writer_function(PgWriter *w, PgNameKind kind, const HChar *object,
                        const HChar *file, const HChar *name)
{
   Bool is_new = False;
   UInt id = 0;

   pg_assert(kind == PG_NAME_FN || kind == PG_NAME_CFN);
   if (w->compress_names) {
      SizeT need = pg_strlen(object) + pg_strlen(file) + pg_strlen(name) + 3 * 24 + 1;
      SizeT used = 0;
      if (need > w->key_buffer_size) {
         if (w->key_buffer != NULL)
            pg_free(w->key_buffer);
         w->key_buffer_size = need * 2;
         w->key_buffer = pg_malloc("pg.writer.key", w->key_buffer_size);
         pg_assert(w->key_buffer != NULL);
      }
      append_key_part(w->key_buffer, &used, object);
      append_key_part(w->key_buffer, &used, file);
      append_key_part(w->key_buffer, &used, name);
      w->key_buffer[used] = '\0';
      id = name_table_id_from(&w->functions, &w->names[PG_SPACE_FUNCTION].n_names,
                              w->key_buffer, &is_new);
   }
   put_name_line(w, kind, name, id, is_new);
   if (kind == PG_NAME_FN)
      w->have_prev_pos = False;
}

void pg_writer_blank(PgWriter *w)
{
   put_char(w, '\n');
}

void pg_writer_finish(PgWriter *w)
{
   UInt space;

   flush_buffer(w);
   for (space = 0; space < PG_N_SPACES; space++)
      name_table_free(&w->names[space]);
   name_table_free(&w->functions);
   if (w->key_buffer != NULL)
      pg_free(w->key_buffer);
   pg_free(w->buffer);
   pg_free(w);
}
