/* pg_pylayout.c: the text form of a CPython layout (see pg_pylayout.h)
 * and the check that a layout holds everything the frame walker needs.
 * The text comes from another program (pyprofgrind-inspect) or a file a
 * user edited, so the parser trusts nothing: every number is range
 * checked, every error names its line, and unknown keys are skipped so
 * that files written by a newer inspector still load.  Pure code: compiled
 * into the tool (no libc) and into the unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_pylayout.h"

/* GCC and clang provide this in both homes; <stddef.h> is not available
 * inside the tool. */
#define LAYOUT_FIELD(field) ((SizeT)__builtin_offsetof(PgPyLayout, field))

/* Longest token quoted back in an error message. */
#define QUOTE_MAX 40

/*------------------------------------------------------------*/
/*--- The field table, made from PG_LAYOUT_FIELDS          ---*/
/*------------------------------------------------------------*/

typedef enum {
   KEY_HEX32,          /* 32-bit number, hex with 0x or decimal */
   KEY_WORD,           /* one word copied into a char array of SIZE */
   KEY_ADDRESS,        /* 64-bit address, hex with 0x */
   KEY_FRAME_MODEL,
   KEY_LINE_FORMAT,
   KEY_STRING_FORMAT,
   KEY_INT             /* decimal Int within [min, max] */
} LayoutKeyKind;

typedef struct {
   const HChar  *name;
   LayoutKeyKind kind;
   SizeT         field;      /* offset of the field in PgPyLayout */
   SizeT         size;       /* KEY_WORD: size of the char array */
   Long          min, max;   /* KEY_INT: accepted range */
   Int           dflt;       /* KEY_INT: value when absent */
   PgLayoutNeed  need;
} LayoutKey;

#define KEY_SIZE_HEX32(a)          0
#define KEY_SIZE_WORD(a)           (a)
#define KEY_SIZE_ADDRESS(a)        0
#define KEY_SIZE_FRAME_MODEL(a)    0
#define KEY_SIZE_LINE_FORMAT(a)    0
#define KEY_SIZE_STRING_FORMAT(a)  0
#define KEY_SIZE_INT(a)            0

#define LAYOUT_KEY(kind, name, a, b, dflt, need, what) \
   { #name, KEY_##kind, LAYOUT_FIELD(name), KEY_SIZE_##kind(a), \
     (a), (b), (dflt), (need) },

static const LayoutKey layout_keys[] = {
   PG_LAYOUT_FIELDS(LAYOUT_KEY)
};
#define N_LAYOUT_KEYS (sizeof layout_keys / sizeof layout_keys[0])

/* Names of the enum values in the text form, indexed by value. */
static const HChar *const frame_model_names[] = {
   "none", "per_call", "in_eval"
};
static const HChar *const line_format_names[] = {
   "none", "lnotab_unsigned", "lnotab_signed", "linetable_310", "locations_311"
};
static const HChar *const string_format_names[] = {
   "none", "bytes", "unicode"
};
#define N_NAMES(names) (sizeof names / sizeof names[0])

const HChar *pg_pylayout_frame_model_name(PgFrameModel model)
{
   return (UInt)model < N_NAMES(frame_model_names) ? frame_model_names[model] : "?";
}

const HChar *pg_pylayout_line_format_name(PgLineTableFormat format)
{
   return (UInt)format < N_NAMES(line_format_names) ? line_format_names[format] : "?";
}

const HChar *pg_pylayout_string_format_name(PgStringFormat format)
{
   return (UInt)format < N_NAMES(string_format_names) ? string_format_names[format] : "?";
}

static Int *int_field(PgPyLayout *layout, const LayoutKey *key)
{
   return (Int *)((HChar *)layout + key->field);
}

void pg_pylayout_clear(PgPyLayout *layout)
{
   UInt i;

   pg_memset(layout, 0, sizeof *layout);
   layout->frame_model = PG_FRAMES_NONE;
   layout->line_format = PG_LINES_NONE;
   layout->string_format = PG_STR_NONE;
   for (i = 0; i < N_LAYOUT_KEYS; i++) {
      if (layout_keys[i].kind == KEY_INT)
         *int_field(layout, &layout_keys[i]) = layout_keys[i].dflt;
   }
}

/*------------------------------------------------------------*/
/*--- Parsing the text form                                ---*/
/*------------------------------------------------------------*/

/* Tokens: pointer and length into the caller's text, never copied, so a
 * line of any length costs nothing and needs no buffer. */

typedef struct {
   const HChar *start;
   SizeT        len;
} Token;

static Bool is_blank(HChar c)
{
   return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static Bool token_is(const Token *tok, const HChar *word)
{
   SizeT n = pg_strlen(word);
   return tok->len == n && pg_memcmp(tok->start, word, n) == 0;
}

/* Copies TOK into OUT (a QUOTE_MAX + 4 byte buffer) for an error message,
 * shortened with "..." when long. */
static void quote_token(const Token *tok, HChar *out)
{
   SizeT n = tok->len > QUOTE_MAX ? QUOTE_MAX : tok->len;
   SizeT i;

   pg_memcpy(out, tok->start, n);
   /* A NUL byte inside the text would cut the message short; show it. */
   for (i = 0; i < n; i++) {
      if (out[i] == '\0')
         out[i] = '?';
   }
   if (n < tok->len) {
      out[n++] = '.';
      out[n++] = '.';
      out[n++] = '.';
   }
   out[n] = '\0';
}

/* Parses an unsigned number: decimal, or hex after "0x"/"0X".  False on
 * an empty token, a stray character or a value above 2^64 - 1. */
static Bool parse_unsigned(const HChar *s, SizeT len, ULong *value)
{
   ULong result = 0;
   UInt base = 10;
   SizeT i = 0;

   if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      i = 2;
   }
   if (i == len)
      return False;
   for (; i < len; i++) {
      HChar c = s[i];
      UInt digit;
      if (c >= '0' && c <= '9')
         digit = (UInt)(c - '0');
      else if (base == 16 && c >= 'a' && c <= 'f')
         digit = (UInt)(c - 'a' + 10);
      else if (base == 16 && c >= 'A' && c <= 'F')
         digit = (UInt)(c - 'A' + 10);
      else
         return False;
      if (result > (~0ULL - digit) / base)
         return False;
      result = result * base + digit;
   }
   *value = result;
   return True;
}

/* Parses a decimal Int with an optional minus sign into [MIN, MAX]. */
static Bool parse_int_in_range(const Token *tok, Long min, Long max, Int *value)
{
   Bool negative = tok->len > 0 && tok->start[0] == '-';
   SizeT skip = negative ? 1 : 0;
   ULong magnitude;
   Long result;

   if (tok->len - skip >= 2 && tok->start[skip] == '0'
       && (tok->start[skip + 1] == 'x' || tok->start[skip + 1] == 'X'))
      return False;   /* offsets are decimal; a hex offset is a typo */
   if (!parse_unsigned(tok->start + skip, tok->len - skip, &magnitude))
      return False;
   if (magnitude > (1ULL << 40))
      return False;
   result = negative ? -(Long)magnitude : (Long)magnitude;
   if (result < min || result > max)
      return False;
   *value = (Int)result;
   return True;
}

static Bool parse_enum(const Token *tok, const HChar *const *names, UInt n,
                       UInt *value)
{
   UInt i;

   for (i = 0; i < n; i++) {
      if (token_is(tok, names[i])) {
         *value = i;
         return True;
      }
   }
   return False;
}

/* Formats "line N: " + the message into ERR. */
static Bool line_error(HChar *err, SizeT err_len, UInt line_no,
                       const HChar *what, const HChar *detail)
{
   if (err != NULL && err_len > 0)
      pg_snprintf(err, err_len, "line %u: %s%s", line_no, what, detail);
   return False;
}

/* Splits [START, END) into up to MAX tokens; returns how many there were
 * (which may exceed MAX: the extra ones are counted, not stored). */
static UInt split_tokens(const HChar *start, const HChar *end, Token *tokens,
                         UInt max)
{
   const HChar *p = start;
   UInt n = 0;

   while (p < end) {
      const HChar *word;
      while (p < end && is_blank(*p))
         p++;
      if (p == end)
         break;
      word = p;
      while (p < end && !is_blank(*p))
         p++;
      if (n < max) {
         tokens[n].start = word;
         tokens[n].len = (SizeT)(p - word);
      }
      n++;
   }
   return n;
}

static Bool parse_label(PgPyLayout *layout, const Token *tokens, UInt n_tokens,
                        UInt line_no, HChar *err, SizeT err_len)
{
   HChar quoted[QUOTE_MAX + 4];
   ULong address;
   PgLabel *label;

   if (n_tokens != 3)
      return line_error(err, err_len, line_no,
                        "a label line is 'label NAME 0xADDRESS'", "");
   if (tokens[1].len >= sizeof label->name) {
      HChar what[64];
      quote_token(&tokens[1], quoted);
      pg_snprintf(what, sizeof what, "label name longer than %u characters: ",
                  (UInt)(sizeof label->name - 1));
      return line_error(err, err_len, line_no, what, quoted);
   }
   if (tokens[2].len < 3 || tokens[2].start[0] != '0'
       || (tokens[2].start[1] != 'x' && tokens[2].start[1] != 'X')
       || !parse_unsigned(tokens[2].start, tokens[2].len, &address)) {
      quote_token(&tokens[2], quoted);
      return line_error(err, err_len, line_no,
                        "label address is not a 0x hex number: ", quoted);
   }
   if (layout->n_labels >= PG_MAX_LABELS)
      return line_error(err, err_len, line_no,
                        "more labels than PG_MAX_LABELS", "");
   label = &layout->labels[layout->n_labels++];
   pg_memcpy(label->name, tokens[1].start, tokens[1].len);
   label->name[tokens[1].len] = '\0';
   label->addr = (Addr)address;
   return True;
}

/* An opcode name: a C identifier (it is the tail of a label name) short
 * enough for PgPyLayout.opcode_names.  Else False with the reason. */
static Bool check_opcode_name(const Token *name, const HChar *what, UInt line_no,
                              HChar *err, SizeT err_len)
{
   HChar quoted[QUOTE_MAX + 4];
   HChar message[96];
   SizeT i;

   quote_token(name, quoted);
   if (name->len >= PG_OPCODE_NAME_MAX) {
      pg_snprintf(message, sizeof message, "%s longer than %u characters: ",
                  what, (UInt)(PG_OPCODE_NAME_MAX - 1));
      return line_error(err, err_len, line_no, message, quoted);
   }
   for (i = 0; i < name->len; i++) {
      HChar c = name->start[i];
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
            || (i > 0 && c >= '0' && c <= '9'))) {
         pg_snprintf(message, sizeof message, "%s is not an identifier: ", what);
         return line_error(err, err_len, line_no, message, quoted);
      }
   }
   return True;
}

/* "opcode NUMBER NAME".  FIRST_LINE[n] is the line that named opcode n
 * (0: none yet). */
static Bool parse_opcode(PgPyLayout *layout, const Token *tokens, UInt n_tokens,
                         UInt line_no, UInt *first_line, HChar *err, SizeT err_len)
{
   HChar quoted[QUOTE_MAX + 4];
   HChar what[96];
   Int number;

   if (n_tokens != 3)
      return line_error(err, err_len, line_no,
                        "an opcode line is 'opcode NUMBER NAME'", "");
   if (!parse_int_in_range(&tokens[1], 0, 255, &number)) {
      quote_token(&tokens[1], quoted);
      return line_error(err, err_len, line_no,
                        "opcode number is not a decimal number in [0, 255]: ",
                        quoted);
   }
   if (!check_opcode_name(&tokens[2], "opcode name", line_no, err, err_len))
      return False;
   if (first_line[number] != 0) {
      pg_snprintf(what, sizeof what, "opcode %d given again (first on line %u)",
                  number, first_line[number]);
      return line_error(err, err_len, line_no, what, "");
   }
   first_line[number] = line_no;
   pg_memcpy(layout->opcode_names[number], tokens[2].start, tokens[2].len);
   layout->opcode_names[number][tokens[2].len] = '\0';
   return True;
}

/* The form of "opcode_base NAME BASE", checked on the first pass. */
static Bool check_opcode_base(const Token *tokens, UInt n_tokens, UInt line_no,
                              HChar *err, SizeT err_len)
{
   if (n_tokens != 3)
      return line_error(err, err_len, line_no,
                        "an opcode_base line is 'opcode_base NAME BASE'", "");
   return check_opcode_name(&tokens[1], "opcode_base name", line_no, err, err_len)
      && check_opcode_name(&tokens[2], "opcode_base base", line_no, err, err_len);
}

static Bool opcode_is_named(const PgPyLayout *layout, const Token *name)
{
   UInt i;

   for (i = 0; i < 256; i++) {
      if (token_is(name, layout->opcode_names[i]))
         return True;
   }
   return False;
}

/* Stores BASE (an opcode_base line, second pass: every opcode line, label
 * and opcode_label_prefix has been read) in the base of NAME's handler
 * label. */
static Bool resolve_opcode_base(PgPyLayout *layout, const Token *tokens,
                                UInt line_no, HChar *err, SizeT err_len)
{
   const HChar *prefix = layout->opcode_label_prefix;
   const SizeT prefix_len = pg_strlen(prefix);
   const Token *name = &tokens[1], *base = &tokens[2];
   HChar quoted[QUOTE_MAX + 4];
   UInt i;

   if (prefix_len == 0)
      return line_error(err, err_len, line_no,
                        "opcode_base lines need opcode_label_prefix", "");
   if (!opcode_is_named(layout, name)) {
      quote_token(name, quoted);
      return line_error(err, err_len, line_no,
                        "opcode_base names an opcode no opcode line names: ",
                        quoted);
   }
   if (!opcode_is_named(layout, base)) {
      quote_token(base, quoted);
      return line_error(err, err_len, line_no,
                        "opcode_base base is an opcode no opcode line names: ",
                        quoted);
   }
   for (i = 0; i < layout->n_labels; i++) {
      PgLabel *label = &layout->labels[i];
      if (pg_strlen(label->name) != prefix_len + name->len
          || pg_memcmp(label->name, prefix, prefix_len) != 0
          || pg_memcmp(label->name + prefix_len, name->start, name->len) != 0)
         continue;
      if (label->base[0] != '\0') {
         quote_token(name, quoted);
         return line_error(err, err_len, line_no, "opcode_base given again for ",
                           quoted);
      }
      pg_memcpy(label->base, base->start, base->len);
      label->base[base->len] = '\0';
      return True;
   }
   quote_token(name, quoted);
   return line_error(err, err_len, line_no,
                     "opcode_base names an opcode without a handler label: ",
                     quoted);
}

/* Stores the value token of one known key. */
static Bool parse_value(PgPyLayout *layout, const LayoutKey *key,
                        const Token *value, UInt line_no,
                        HChar *err, SizeT err_len)
{
   HChar *field = (HChar *)layout + key->field;
   HChar quoted[QUOTE_MAX + 4];
   HChar what[96];
   ULong number;
   UInt enum_value;

   quote_token(value, quoted);
   switch (key->kind) {
   case KEY_INT:
      if (!parse_int_in_range(value, key->min, key->max, (Int *)field)) {
         pg_snprintf(what, sizeof what, "%s wants a decimal number in [%d, %d], not ",
                     key->name, (Int)key->min, (Int)key->max);
         return line_error(err, err_len, line_no, what, quoted);
      }
      return True;
   case KEY_HEX32:
      if (!parse_unsigned(value->start, value->len, &number)
          || number > 0xffffffffULL) {
         pg_snprintf(what, sizeof what, "%s wants a 32-bit number, not ",
                     key->name);
         return line_error(err, err_len, line_no, what, quoted);
      }
      *(UInt *)field = (UInt)number;
      return True;
   case KEY_ADDRESS:
      if (value->len < 3 || value->start[0] != '0'
          || (value->start[1] != 'x' && value->start[1] != 'X')
          || !parse_unsigned(value->start, value->len, &number)) {
         pg_snprintf(what, sizeof what, "%s wants a 0x hex address, not ",
                     key->name);
         return line_error(err, err_len, line_no, what, quoted);
      }
      *(Addr *)field = (Addr)number;
      return True;
   case KEY_WORD:
      if (value->len >= key->size) {
         pg_snprintf(what, sizeof what, "%s is longer than %u characters: ",
                     key->name, (UInt)(key->size - 1));
         return line_error(err, err_len, line_no, what, quoted);
      }
      pg_memcpy(field, value->start, value->len);
      field[value->len] = '\0';
      return True;
   case KEY_FRAME_MODEL:
      if (!parse_enum(value, frame_model_names, N_NAMES(frame_model_names),
                      &enum_value))
         return line_error(err, err_len, line_no,
                           "frame_model is none, per_call or in_eval, not ",
                           quoted);
      layout->frame_model = (PgFrameModel)enum_value;
      return True;
   case KEY_LINE_FORMAT:
      if (!parse_enum(value, line_format_names, N_NAMES(line_format_names),
                      &enum_value))
         return line_error(err, err_len, line_no,
                           "line_format is none, lnotab_unsigned, lnotab_signed, "
                           "linetable_310 or locations_311, not ", quoted);
      layout->line_format = (PgLineTableFormat)enum_value;
      return True;
   case KEY_STRING_FORMAT:
      if (!parse_enum(value, string_format_names, N_NAMES(string_format_names),
                      &enum_value))
         return line_error(err, err_len, line_no,
                           "string_format is none, bytes or unicode, not ",
                           quoted);
      layout->string_format = (PgStringFormat)enum_value;
      return True;
   }
   return False;
}

/* Walks the text line by line: the tokens of the next line that has any
 * (comments stripped), False at the end of the text. */
typedef struct {
   const HChar *next;
   const HChar *end;
   UInt         line_no;
} LineReader;

static Bool next_line(LineReader *reader, Token *tokens, UInt max_tokens,
                      UInt *n_tokens)
{
   while (reader->next < reader->end) {
      const HChar *line = reader->next;
      const HChar *line_end = line;
      const HChar *content_end;

      reader->line_no++;
      while (line_end < reader->end && *line_end != '\n')
         line_end++;
      reader->next = line_end < reader->end ? line_end + 1 : line_end;

      /* '#' starts a comment anywhere on the line. */
      content_end = line;
      while (content_end < line_end && *content_end != '#')
         content_end++;

      *n_tokens = split_tokens(line, content_end, tokens, max_tokens);
      if (*n_tokens > 0)
         return True;
   }
   return False;
}

/* The line of the first NUL byte in TEXT, 0 if there is none. */
static UInt line_of_nul(const HChar *text, SizeT len)
{
   UInt line_no = 1;
   SizeT i;

   for (i = 0; i < len; i++) {
      if (text[i] == '\0')
         return line_no;
      if (text[i] == '\n')
         line_no++;
   }
   return 0;
}

Bool pg_pylayout_parse(PgPyLayout *layout, const HChar *text, SizeT len,
                       HChar *err, SizeT err_len)
{
   UInt first_line_of_key[N_LAYOUT_KEYS];
   UInt first_line_of_opcode[256];
   LineReader reader;
   Token tokens[3];
   UInt n_tokens, k, nul_line;
   Bool have_opcode_base = False;

   pg_pylayout_clear(layout);
   pg_memset(first_line_of_key, 0, sizeof first_line_of_key);
   pg_memset(first_line_of_opcode, 0, sizeof first_line_of_opcode);
   if (err != NULL && err_len > 0)
      err[0] = '\0';

   /* The text form is text.  A NUL byte inside a word would be stored,
    * and then end the C string early: the layout written back would not
    * be the layout read (a damaged cache entry could so pass for
    * another build's), so none is accepted anywhere. */
   nul_line = line_of_nul(text, len);
   if (nul_line != 0)
      return line_error(err, err_len, nul_line,
                        "NUL byte (not a layout text file?)", "");

   /* First pass: everything but the meaning of opcode_base lines, which
    * may name opcodes and labels that come later. */
   reader.next = text;
   reader.end = text + len;
   reader.line_no = 0;
   while (next_line(&reader, tokens, 3, &n_tokens)) {
      UInt line_no = reader.line_no;

      if (token_is(&tokens[0], "label")) {
         if (!parse_label(layout, tokens, n_tokens, line_no, err, err_len))
            return False;
         continue;
      }
      if (token_is(&tokens[0], "opcode")) {
         if (!parse_opcode(layout, tokens, n_tokens, line_no,
                           first_line_of_opcode, err, err_len))
            return False;
         continue;
      }
      if (token_is(&tokens[0], "opcode_base")) {
         if (!check_opcode_base(tokens, n_tokens, line_no, err, err_len))
            return False;
         have_opcode_base = True;
         continue;
      }
      for (k = 0; k < N_LAYOUT_KEYS; k++) {
         if (token_is(&tokens[0], layout_keys[k].name))
            break;
      }
      if (k == N_LAYOUT_KEYS)
         continue;   /* a key from a newer inspector */

      if (n_tokens != 2) {
         HChar what[96];
         pg_snprintf(what, sizeof what, "%s wants exactly one value, found %u",
                     layout_keys[k].name, n_tokens - 1);
         return line_error(err, err_len, line_no, what, "");
      }
      if (first_line_of_key[k] != 0) {
         HChar what[96];
         pg_snprintf(what, sizeof what, "%s given again (first on line %u)",
                     layout_keys[k].name, first_line_of_key[k]);
         return line_error(err, err_len, line_no, what, "");
      }
      first_line_of_key[k] = line_no;
      if (!parse_value(layout, &layout_keys[k], &tokens[1], line_no,
                       err, err_len))
         return False;
   }

   /* Second pass: opcode_base lines, now that every opcode and label is
    * known. */
   if (!have_opcode_base)
      return True;
   reader.next = text;
   reader.line_no = 0;
   while (next_line(&reader, tokens, 3, &n_tokens)) {
      if (token_is(&tokens[0], "opcode_base")
          && !resolve_opcode_base(layout, tokens, reader.line_no, err, err_len))
         return False;
   }
   return True;
}

/*------------------------------------------------------------*/
/*--- Completeness                                         ---*/
/*------------------------------------------------------------*/


typedef struct {
   HChar *buf;
   SizeT  size;
   SizeT  used;
   UInt   n_missing;
   Bool   cut;        /* some names did not fit */
} MissingList;

static void note_missing(MissingList *list, const HChar *what)
{
   SizeT n;

   list->n_missing++;
   if (list->buf == NULL || list->size == 0)
      return;
   n = pg_strlen(what);
   /* Keep room for the separator and the NUL; a cut list still names the
    * first missing fields, which is what a reader acts on. */
   if (list->used + n + 3 > list->size) {
      list->cut = True;
      return;
   }
   if (list->n_missing > 1) {
      list->buf[list->used++] = ',';
      list->buf[list->used++] = ' ';
   }
   pg_memcpy(list->buf + list->used, what, n);
   list->used += n;
   list->buf[list->used] = '\0';
}

/* Whether KEY's field holds a value in LAYOUT. */
static Bool has_value(const PgPyLayout *layout, const LayoutKey *key)
{
   const HChar *field = (const HChar *)layout + key->field;

   switch (key->kind) {
   case KEY_HEX32:         return *(const UInt *)field != 0;
   case KEY_WORD:          return field[0] != '\0';
   case KEY_ADDRESS:       return *(const Addr *)field != 0;
   case KEY_FRAME_MODEL:   return *(const PgFrameModel *)field != PG_FRAMES_NONE;
   case KEY_LINE_FORMAT:   return *(const PgLineTableFormat *)field != PG_LINES_NONE;
   case KEY_STRING_FORMAT: return *(const PgStringFormat *)field != PG_STR_NONE;
   case KEY_INT:           return *(const Int *)field != PG_LAYOUT_NO_OFFSET;
   }
   return False;
}

static Bool needed(const PgPyLayout *layout, PgLayoutNeed need)
{
   switch (need) {
   case PG_NEED_ALL:      return True;
   case PG_NEED_PER_CALL: return layout->frame_model == PG_FRAMES_PER_CALL;
   case PG_NEED_IN_EVAL:  return layout->frame_model == PG_FRAMES_IN_EVAL;
   case PG_NEED_UNICODE:  return layout->string_format == PG_STR_UNICODE;
   case PG_NEED_NONE:     return False;
   }
   return False;
}

Bool pg_pylayout_complete(const PgPyLayout *layout, HChar *err, SizeT err_len)
{
   HChar missing[256];
   MissingList list;
   UInt i;

   missing[0] = '\0';
   list.buf = missing;
   list.size = sizeof missing;
   list.used = 0;
   list.n_missing = 0;
   list.cut = False;

   for (i = 0; i < N_LAYOUT_KEYS; i++) {
      const LayoutKey *key = &layout_keys[i];
      if (needed(layout, key->need) && !has_value(layout, key))
         note_missing(&list, key->name);
   }
   /* f_lasti is counted in units of at least a byte. */
   if (layout->frame_model == PG_FRAMES_PER_CALL && layout->frame_lasti_unit == 0)
      note_missing(&list, "frame_lasti_unit");
   /* Two fields that can each be had two ways. */
   if (layout->frame_model == PG_FRAMES_IN_EVAL) {
      if (layout->tstate_current_frame == PG_LAYOUT_NO_OFFSET
          && (layout->tstate_cframe == PG_LAYOUT_NO_OFFSET
              || layout->cframe_current_frame == PG_LAYOUT_NO_OFFSET))
         note_missing(&list, "tstate_current_frame (or tstate_cframe and "
                             "cframe_current_frame)");
      /* Entry frames must be recognisable: by owner (3.12+) or by the
       * is_entry flag (3.11). */
      if (layout->frame_is_entry == PG_LAYOUT_NO_OFFSET
          && (layout->frame_owner == PG_LAYOUT_NO_OFFSET
              || layout->frame_owner_cstack == PG_LAYOUT_NO_OFFSET))
         note_missing(&list, "frame_is_entry (or frame_owner and "
                             "frame_owner_cstack)");
   }
   /* Predicted labels are read only with both halves of their rule. */
   if ((layout->predicted_label_prefix[0] != '\0')
       != (layout->predicted_label_starts != PG_LAYOUT_NO_OFFSET))
      note_missing(&list, layout->predicted_label_prefix[0] != '\0'
                          ? "predicted_label_starts" : "predicted_label_prefix");

   /* A free-threaded build keeps its objects, reference counts and
    * per-thread bytecode copies otherwise: no offset here would do. */
   if (layout->gil_disabled[0] != '\0') {
      if (err != NULL && err_len > 0)
         pg_snprintf(err, err_len, "a free-threaded CPython build "
                     "(gil_disabled %s): not supported", layout->gil_disabled);
      return False;
   }
   if (list.n_missing == 0) {
      if (err != NULL && err_len > 0)
         err[0] = '\0';
      return True;
   }
   if (err != NULL && err_len > 0)
      pg_snprintf(err, err_len, "%s layout lacks %s%s",
                  pg_pylayout_frame_model_name(layout->frame_model),
                  missing, list.cut ? ", ..." : "");
   return False;
}

/*------------------------------------------------------------*/
/*--- Names of interpreter files                           ---*/
/*------------------------------------------------------------*/

const HChar *const pg_pylayout_free_threaded_symbols[] = {
   "_Py_MergeZeroLocalRefcount", "_Py_DecRefShared", NULL
};

UInt pg_pylayout_version_from_name(const HChar *path, HChar *abi_flags)
{
   const HChar *base = path, *p;
   UInt best = 0;
   abi_flags[0] = '\0';
   for (p = path; *p; p++)
      if (*p == '/')
         base = p + 1;
   for (p = base; *p; p++) {
      if (pg_strncmp(p, "python", 6) == 0 && p[6] >= '2' && p[6] <= '3' && p[7] == '.') {
         UInt major = (UInt)(p[6] - '0'), minor = 0, n = 0;
         const HChar *q = p + 8;
         if (*q < '0' || *q > '9')
            continue;
         while (*q >= '0' && *q <= '9' && minor < 1000)
            minor = minor * 10 + (UInt)(*q++ - '0');
         best = (major << 24) | (minor << 16);
         while (n < 3 && (*q == 't' || *q == 'd' || *q == 'm'))
            abi_flags[n++] = *q++;
         abi_flags[n] = '\0';
      }
   }
   return best;
}

/*------------------------------------------------------------*/
/*--- Writing the text form                                ---*/
/*------------------------------------------------------------*/

/* Fields that describe one build, not a release series. */
static Bool is_build_data(const LayoutKey *key)
{
   return key->field == LAYOUT_FIELD(source) || key->field == LAYOUT_FIELD(build_id)
          || key->field == LAYOUT_FIELD(runtime_address);
}

/* Formats KEY's line into LINE; False for a field that is left out
 * (an empty word, a zero address). */
static Bool format_field(const PgPyLayout *layout, const LayoutKey *key,
                         HChar *line, SizeT size)
{
   const HChar *field = (const HChar *)layout + key->field;

   switch (key->kind) {
   case KEY_HEX32:
      pg_snprintf(line, size, "%s 0x%08x\n", key->name, *(const UInt *)field);
      return True;
   case KEY_WORD:
      if (field[0] == '\0')
         return False;
      pg_snprintf(line, size, "%s %s\n", key->name, field);
      return True;
   case KEY_ADDRESS:
      if (*(const Addr *)field == 0)
         return False;
      pg_snprintf(line, size, "%s 0x%lx\n", key->name,
                  (unsigned long)*(const Addr *)field);
      return True;
   case KEY_FRAME_MODEL:
   case KEY_LINE_FORMAT:
   case KEY_STRING_FORMAT:
      pg_snprintf(line, size, "%s %s\n", key->name,
                  key->kind == KEY_FRAME_MODEL
                     ? pg_pylayout_frame_model_name(*(const PgFrameModel *)field)
                  : key->kind == KEY_LINE_FORMAT
                     ? pg_pylayout_line_format_name(*(const PgLineTableFormat *)field)
                     : pg_pylayout_string_format_name(*(const PgStringFormat *)field));
      return True;
   case KEY_INT:
      pg_snprintf(line, size, "%s %d\n", key->name, *(const Int *)field);
      return True;
   }
   return False;
}

void pg_pylayout_write(const PgPyLayout *layout, const HChar *origin,
                       Bool with_build_data,
                       void (*emit)(void *ctx, const HChar *line), void *ctx)
{
   /* The longest line is a label's: 64-byte name and a 64-bit address. */
   HChar line[400];
   SizeT prefix_len = pg_strlen(layout->opcode_label_prefix);
   UInt i;

   pg_snprintf(line, sizeof line, "# pyprofgrind CPython layout of %s\n", origin);
   emit(ctx, line);
   for (i = 0; i < N_LAYOUT_KEYS; i++) {
      if (!with_build_data && is_build_data(&layout_keys[i]))
         continue;
      if (format_field(layout, &layout_keys[i], line, sizeof line))
         emit(ctx, line);
   }
   if (!with_build_data)
      return;
   for (i = 0; i < layout->n_labels; i++) {
      pg_snprintf(line, sizeof line, "label %s 0x%lx\n", layout->labels[i].name,
                  (unsigned long)layout->labels[i].addr);
      emit(ctx, line);
   }
   for (i = 0; i < 256; i++) {
      if (layout->opcode_names[i][0] == '\0')
         continue;
      pg_snprintf(line, sizeof line, "opcode %u %s\n", i, layout->opcode_names[i]);
      emit(ctx, line);
   }
   for (i = 0; i < layout->n_labels; i++) {
      const PgLabel *label = &layout->labels[i];
      if (label->base[0] == '\0' || prefix_len == 0
          || pg_strncmp(label->name, layout->opcode_label_prefix, prefix_len) != 0)
         continue;
      pg_snprintf(line, sizeof line, "opcode_base %s %s\n",
                  label->name + prefix_len, label->base);
      emit(ctx, line);
   }
}

/*------------------------------------------------------------*/
/*--- Label names                                          ---*/
/*------------------------------------------------------------*/

Bool pg_pylayout_is_control_label(const PgPyLayout *layout, const HChar *name)
{
   const HChar *p = layout->control_labels;
   SizeT n = pg_strlen(name);

   while (*p != '\0') {
      const HChar *end = p;
      while (*end != '\0' && *end != ',')
         end++;
      if ((SizeT)(end - p) == n && n > 0 && pg_memcmp(p, name, n) == 0)
         return True;
      p = *end == ',' ? end + 1 : end;
   }
   return False;
}

const HChar *pg_pylayout_opcode_of_label(const PgPyLayout *layout, const HChar *name)
{
   SizeT n = pg_strlen(layout->opcode_label_prefix);

   if (n == 0 || pg_strncmp(name, layout->opcode_label_prefix, n) != 0)
      return NULL;
   return name + n;
}
