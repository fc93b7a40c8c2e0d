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

/* Largest structure offset accepted: CPython's thread states and code
 * objects are a few hundred bytes, so anything near this is corruption. */
#define MAX_STRUCT_OFFSET 65535

/* Longest token quoted back in an error message. */
#define QUOTE_MAX 40

typedef enum {
   KEY_INT,            /* decimal Int within [min, max] */
   KEY_VERSION,        /* 32-bit number, hex with 0x or decimal */
   KEY_ADDRESS,        /* 64-bit address, hex with 0x */
   KEY_WORD,           /* one word copied into a char array of SIZE */
   KEY_FRAME_MODEL,
   KEY_LINE_FORMAT,
   KEY_STRING_FORMAT
} LayoutKeyKind;

typedef struct {
   const HChar  *name;
   LayoutKeyKind kind;
   SizeT         field;      /* offset of the field in PgPyLayout */
   SizeT         size;       /* KEY_WORD: size of the char array */
   Long          min, max;   /* KEY_INT: accepted range */
} LayoutKey;

#define OFFSET_KEY(f) \
   { #f, KEY_INT, LAYOUT_FIELD(f), 0, PG_LAYOUT_NO_OFFSET, MAX_STRUCT_OFFSET }
#define SMALL_KEY(f, lo, hi) \
   { #f, KEY_INT, LAYOUT_FIELD(f), 0, (lo), (hi) }
#define WORD_KEY(f) \
   { #f, KEY_WORD, LAYOUT_FIELD(f), sizeof(((PgPyLayout *)0)->f), 0, 0 }

/* Every key of the text form except "label".  Argument indices stop at 5:
 * the SysV amd64 ABI passes six integer arguments in registers. */
static const LayoutKey layout_keys[] = {
   { "version_hex", KEY_VERSION, LAYOUT_FIELD(version_hex), 0, 0, 0 },
   WORD_KEY(source),
   WORD_KEY(build_id),
   WORD_KEY(eval_function),
   { "runtime_address", KEY_ADDRESS, LAYOUT_FIELD(runtime_address), 0, 0, 0 },
   { "frame_model", KEY_FRAME_MODEL, LAYOUT_FIELD(frame_model), 0, 0, 0 },
   { "line_format", KEY_LINE_FORMAT, LAYOUT_FIELD(line_format), 0, 0, 0 },
   { "string_format", KEY_STRING_FORMAT, LAYOUT_FIELD(string_format), 0, 0, 0 },
   SMALL_KEY(eval_frame_arg, -1, 5),
   SMALL_KEY(eval_tstate_arg, -1, 5),
   OFFSET_KEY(tstate_frame),
   OFFSET_KEY(tstate_cframe),
   OFFSET_KEY(cframe_current_frame),
   OFFSET_KEY(tstate_current_frame),
   OFFSET_KEY(frame_code),
   OFFSET_KEY(frame_back),
   OFFSET_KEY(frame_lasti),
   SMALL_KEY(frame_lasti_unit, -1, 8),
   OFFSET_KEY(frame_instr_ptr),
   SMALL_KEY(frame_instr_ptr_next, -1, 1),
   OFFSET_KEY(frame_owner),
   OFFSET_KEY(frame_is_entry),
   SMALL_KEY(frame_owner_cstack, -1, 255),
   OFFSET_KEY(code_filename),
   OFFSET_KEY(code_name),
   OFFSET_KEY(code_qualname),
   OFFSET_KEY(code_firstlineno),
   OFFSET_KEY(code_linetable),
   OFFSET_KEY(code_code),
   OFFSET_KEY(code_code_adaptive),
   OFFSET_KEY(bytes_size),
   OFFSET_KEY(bytes_data),
   OFFSET_KEY(unicode_length),
   OFFSET_KEY(unicode_state),
   OFFSET_KEY(unicode_ascii_data),
   OFFSET_KEY(unicode_compact_data),
   SMALL_KEY(unicode_kind_shift, -1, 31),
   SMALL_KEY(unicode_compact_shift, -1, 31),
   SMALL_KEY(unicode_ascii_shift, -1, 31),
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

void pg_pylayout_clear(PgPyLayout *layout)
{
   UInt i;

   pg_memset(layout, 0, sizeof *layout);
   layout->frame_model = PG_FRAMES_NONE;
   layout->line_format = PG_LINES_NONE;
   layout->string_format = PG_STR_NONE;
   for (i = 0; i < N_LAYOUT_KEYS; i++) {
      if (layout_keys[i].kind == KEY_INT)
         *(Int *)((HChar *)layout + layout_keys[i].field) = PG_LAYOUT_NO_OFFSET;
   }
}

/* ------------------------------------------------------------------ */
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

/* Stores BASE (an opcode_base line, second pass: every opcode line and
 * label has been read) in the base of label TARGET_NAME. */
static Bool resolve_opcode_base(PgPyLayout *layout, const Token *tokens,
                                UInt line_no, HChar *err, SizeT err_len)
{
   static const HChar prefix[] = "TARGET_";
   const SizeT prefix_len = sizeof prefix - 1;
   const Token *name = &tokens[1], *base = &tokens[2];
   HChar quoted[QUOTE_MAX + 4];
   UInt i;

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
                     "opcode_base names an opcode without a TARGET_ label: ",
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
   case KEY_VERSION:
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
      if (!parse_enum(value, frame_model_names, 3, &enum_value))
         return line_error(err, err_len, line_no,
                           "frame_model is none, per_call or in_eval, not ",
                           quoted);
      layout->frame_model = (PgFrameModel)enum_value;
      return True;
   case KEY_LINE_FORMAT:
      if (!parse_enum(value, line_format_names, 5, &enum_value))
         return line_error(err, err_len, line_no,
                           "line_format is none, lnotab_unsigned, lnotab_signed, "
                           "linetable_310 or locations_311, not ", quoted);
      layout->line_format = (PgLineTableFormat)enum_value;
      return True;
   case KEY_STRING_FORMAT:
      if (!parse_enum(value, string_format_names, 3, &enum_value))
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

Bool pg_pylayout_parse(PgPyLayout *layout, const HChar *text, SizeT len,
                       HChar *err, SizeT err_len)
{
   UInt first_line_of_key[N_LAYOUT_KEYS];
   UInt first_line_of_opcode[256];
   LineReader reader;
   Token tokens[3];
   UInt n_tokens, k;
   Bool have_opcode_base = False;

   pg_pylayout_clear(layout);
   pg_memset(first_line_of_key, 0, sizeof first_line_of_key);
   pg_memset(first_line_of_opcode, 0, sizeof first_line_of_opcode);
   if (err != NULL && err_len > 0)
      err[0] = '\0';

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

/* ------------------------------------------------------------------ */
/* Completeness */

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

static void need_offset(MissingList *list, Int value, const HChar *name)
{
   if (value == PG_LAYOUT_NO_OFFSET)
      note_missing(list, name);
}

Bool pg_pylayout_complete(const PgPyLayout *layout, HChar *err, SizeT err_len)
{
   HChar missing[256];
   MissingList list;

   missing[0] = '\0';
   list.buf = missing;
   list.size = sizeof missing;
   list.used = 0;
   list.n_missing = 0;
   list.cut = False;

   if (layout->eval_function[0] == '\0')
      note_missing(&list, "eval_function");
   if (layout->line_format == PG_LINES_NONE)
      note_missing(&list, "line_format");
   if (layout->string_format == PG_STR_NONE)
      note_missing(&list, "string_format");

   /* Every model walks frame -> code -> name, file and line table; line
    * tables are bytes objects in every version. */
   need_offset(&list, layout->frame_code, "frame_code");
   need_offset(&list, layout->frame_back, "frame_back");
   need_offset(&list, layout->code_filename, "code_filename");
   need_offset(&list, layout->code_name, "code_name");
   need_offset(&list, layout->code_firstlineno, "code_firstlineno");
   need_offset(&list, layout->code_linetable, "code_linetable");
   need_offset(&list, layout->bytes_size, "bytes_size");
   need_offset(&list, layout->bytes_data, "bytes_data");

   if (layout->string_format == PG_STR_UNICODE) {
      need_offset(&list, layout->unicode_length, "unicode_length");
      need_offset(&list, layout->unicode_state, "unicode_state");
      need_offset(&list, layout->unicode_ascii_data, "unicode_ascii_data");
      need_offset(&list, layout->unicode_compact_data, "unicode_compact_data");
      need_offset(&list, layout->unicode_kind_shift, "unicode_kind_shift");
      need_offset(&list, layout->unicode_compact_shift, "unicode_compact_shift");
      need_offset(&list, layout->unicode_ascii_shift, "unicode_ascii_shift");
   }

   switch (layout->frame_model) {
   case PG_FRAMES_PER_CALL:
      need_offset(&list, layout->eval_frame_arg, "eval_frame_arg");
      need_offset(&list, layout->frame_lasti, "frame_lasti");
      if (layout->frame_lasti_unit <= 0)
         note_missing(&list, "frame_lasti_unit");
      need_offset(&list, layout->code_code, "code_code");
      break;
   case PG_FRAMES_IN_EVAL:
      need_offset(&list, layout->eval_tstate_arg, "eval_tstate_arg");
      if (layout->tstate_current_frame == PG_LAYOUT_NO_OFFSET
          && (layout->tstate_cframe == PG_LAYOUT_NO_OFFSET
              || layout->cframe_current_frame == PG_LAYOUT_NO_OFFSET))
         note_missing(&list, "tstate_current_frame (or tstate_cframe and "
                             "cframe_current_frame)");
      need_offset(&list, layout->frame_instr_ptr, "frame_instr_ptr");
      need_offset(&list, layout->frame_instr_ptr_next, "frame_instr_ptr_next");
      /* Entry frames must be recognisable: by owner == C stack (3.12+) or
       * by the is_entry flag (3.11). */
      if (layout->frame_is_entry == PG_LAYOUT_NO_OFFSET
          && (layout->frame_owner == PG_LAYOUT_NO_OFFSET
              || layout->frame_owner_cstack == PG_LAYOUT_NO_OFFSET))
         note_missing(&list, "frame_is_entry (or frame_owner and "
                             "frame_owner_cstack)");
      need_offset(&list, layout->code_qualname, "code_qualname");
      need_offset(&list, layout->code_code_adaptive, "code_code_adaptive");
      break;
   case PG_FRAMES_NONE:
   default:
      note_missing(&list, "frame_model");
      break;
   }

   if (list.n_missing == 0) {
      if (err != NULL && err_len > 0)
         err[0] = '\0';
      return True;
   }
   if (err != NULL && err_len > 0)
      pg_snprintf(err, err_len, "%s layout lacks %s%s",
                  (UInt)layout->frame_model < 3
                     ? frame_model_names[layout->frame_model] : "?",
                  missing, list.cut ? ", ..." : "");
   return False;
}
