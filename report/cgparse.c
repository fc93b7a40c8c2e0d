/* cgparse.c: reads a callgrind-format profile into a CgProfile (see
 * cgparse.h for what is read and kept).
 *
 * The parser is fed one line at a time and stops at the first error, which
 * it records with the line's number.  Relative subpositions ("+N", "-N",
 * "*") are resolved against the position of the previous cost line, call
 * cost line or jump source line, as KCacheGrind reads them; the target
 * position of "calls=" and "jump=" lines does not move that reference.
 * (Callgrind's writer only writes a call's cost line at the position of the
 * cost line before it, so whether it moves the reference makes no
 * difference there; pyprofgrind's writer writes call cost lines in full
 * and the following cost line relative to them.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgparse.h"

/* Subposition kinds a "positions:" line may name, in the order the format
 * requires them. */
#define MAX_SUBPOSITIONS 3
static const char *const subposition_kinds[MAX_SUBPOSITIONS] = {
   "instr", "bb", "line"
};

enum { ID_SPACE_OBJECT, ID_SPACE_FILE, ID_SPACE_FUNCTION, N_ID_SPACES };
static const char *const id_space_names[N_ID_SPACES] = {
   "object", "file", "function"
};

/* Keys of the three KeyIndex tables; zeroed before use (no padding
 * between members, but zeroing keeps that a non-issue). */
typedef struct {
   uint32_t object, file, name, unused;
} FunctionKey;

typedef struct {
   uint32_t function, file;
   unsigned long long line;
} LineKey;

typedef struct {
   uint32_t caller, callee, site_file, unused;
   unsigned long long site_line;
} ArcKey;

typedef struct {
   /* one growing array per id space: id -> string id (absent if unset) */
   KeyIndex *ids;
   uint32_t *names;
   size_t    capacity;
} IdSpace;

typedef struct {
   CgProfile *profile;
   CgError   *err;
   int        failed;
   unsigned long long line_number;

   IdSpace    id_spaces[N_ID_SPACES];

   /* "positions:" */
   char       positions_text[32];        /* for messages: "instr line" */
   size_t     n_subpositions;
   int        line_subposition;          /* index of "line", -1 if none */
   unsigned long long reference[MAX_SUBPOSITIONS];

   /* "events:" */
   size_t     n_events;                  /* 0 until "events:" is read */
   char      *events_text;               /* to refuse a changed "events:" */
   size_t     ir_column;
   cg_cost   *costs;                     /* scratch: one cost line */
   cg_cost   *costs_since_totals;        /* self costs since last totals: */
   cg_cost    summary_ir;                /* sums over all parts */
   cg_cost    totals_ir;

   /* current position specification */
   uint32_t   object, file, line_file;
   uint32_t   function;                  /* KEYTABLE_ABSENT before fn= */

   /* the "cob="/"cfi="/"cfn=" of the next call */
   uint32_t   call_object, call_file, call_name;

   /* a "calls=" line waiting for its cost line */
   int        call_pending;
   unsigned long long call_line_number;
   cg_cost    call_count;
   uint32_t   call_callee;

   /* a "jump="/"jcnd=" line waiting for its source position line */
   int        jump_pending;
   unsigned long long jump_line_number;

   KeyIndex  *function_index;
   KeyIndex  *line_index;
   KeyIndex  *arc_index;
   size_t     functions_capacity, lines_capacity, arcs_capacity;
} Parser;

/*------------------------------------------------------------*/
/*--- Errors                                               ---*/
/*------------------------------------------------------------*/

static void set_error(CgError *err, const char *path, unsigned long long line,
                      const char *fmt, va_list args)
{
   snprintf(err->path, sizeof err->path, "%s", path);
   err->line = line;
   vsnprintf(err->message, sizeof err->message, fmt, args);
}

static int fail_at(Parser *p, unsigned long long line, const char *fmt, ...)
   __attribute__((format(printf, 3, 4)));

static int fail_at(Parser *p, unsigned long long line, const char *fmt, ...)
{
   va_list args;

   if (p->failed)
      return 0;
   va_start(args, fmt);
   set_error(p->err, p->profile->path, line, fmt, args);
   va_end(args);
   p->failed = 1;
   return 0;
}

#define fail(p, ...) fail_at((p), (p)->line_number, __VA_ARGS__)

void cgparse_error_format(const CgError *err, char *buf, size_t size)
{
   char *c;

   if (size == 0)
      return;
   if (err->line > 0)
      snprintf(buf, size, "%s:%llu: %s", err->path, err->line, err->message);
   else
      snprintf(buf, size, "%s: %s", err->path, err->message);
   /* Quoted bytes of a garbled file must not break the one-line message. */
   for (c = buf; *c; c++) {
      if ((unsigned char)*c < 0x20 || *c == 0x7f)
         *c = '?';
   }
}

/* Messages quote at most this much of an offending token, so that a
 * garbled megabyte-long line still gives a one-line message. */
#define QUOTE_MAX 40
#define QUOTE(len) ((int)((len) < QUOTE_MAX ? (len) : QUOTE_MAX))

/*------------------------------------------------------------*/
/*--- Small lexical helpers                                ---*/
/*------------------------------------------------------------*/

typedef struct {
   const char *start;
   size_t      len;
} Token;

static int is_space(char c)
{
   return c == ' ' || c == '\t';
}

/* Splits TEXT[0..LEN) at blanks into at most MAX tokens; returns how many
 * there were (possibly more than MAX, of which MAX are stored). */
static size_t split_tokens(const char *text, size_t len, Token *tokens,
                           size_t max)
{
   size_t count = 0, i = 0;

   while (i < len) {
      size_t start;
      while (i < len && is_space(text[i]))
         i++;
      if (i >= len)
         break;
      start = i;
      while (i < len && !is_space(text[i]))
         i++;
      if (count < max) {
         tokens[count].start = text + start;
         tokens[count].len = i - start;
      }
      count++;
   }
   return count;
}

/* Parses a Number of the format: decimal, or hexadecimal after "0x". */
static int parse_number(const char *text, size_t len, unsigned long long *out)
{
   unsigned long long value = 0;
   size_t i = 0;
   int hex = 0;

   if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      hex = 1;
      i = 2;
   }
   if (i >= len)
      return 0;
   for (; i < len; i++) {
      unsigned digit;
      char c = text[i];
      if (c >= '0' && c <= '9')
         digit = (unsigned)(c - '0');
      else if (hex && c >= 'a' && c <= 'f')
         digit = (unsigned)(c - 'a' + 10);
      else if (hex && c >= 'A' && c <= 'F')
         digit = (unsigned)(c - 'A' + 10);
      else
         return 0;
      if (value > (~0ull - digit) / (hex ? 16u : 10u))
         return 0;
      value = value * (hex ? 16u : 10u) + digit;
   }
   *out = value;
   return 1;
}

/* Length of a leading run of lowercase letters followed by SEPARATOR, or
 * 0 if the line does not start that way. */
static size_t keyword_length(const char *line, size_t len, char separator)
{
   size_t i = 0;

   while (i < len && line[i] >= 'a' && line[i] <= 'z')
      i++;
   return (i > 0 && i < len && line[i] == separator) ? i : 0;
}

static int keyword_is(const char *line, size_t keyword_len, const char *word)
{
   return strlen(word) == keyword_len
          && memcmp(line, word, keyword_len) == 0;
}

size_t cgparse_fold_context_length(const char *name, size_t len)
{
   const char *quote = memchr(name, '\'', len);
   return quote ? (size_t)(quote - name) : len;
}

/*------------------------------------------------------------*/
/*--- Profile records                                      ---*/
/*------------------------------------------------------------*/

static uint32_t function_of(Parser *p, uint32_t object, uint32_t file,
                            uint32_t name)
{
   CgProfile *profile = p->profile;
   FunctionKey key;
   int added;
   uint32_t index;

   memset(&key, 0, sizeof key);
   key.object = object;
   key.file = file;
   key.name = name;
   index = keytable_index_insert(p->function_index, &key, &added);
   if (added) {
      keytable_grow_array((void **)&profile->functions, &p->functions_capacity,
                 index + 1, sizeof *profile->functions);
      profile->functions[index].object = object;
      profile->functions[index].file = file;
      profile->functions[index].name = name;
      profile->functions[index].self_ir = 0;
      profile->n_functions = index + 1;
   }
   return index;
}

static void add_line_cost(Parser *p, unsigned long long line, cg_cost ir)
{
   CgProfile *profile = p->profile;
   LineKey key;
   int added;
   uint32_t index;

   memset(&key, 0, sizeof key);
   key.function = p->function;
   key.file = p->line_file;
   key.line = line;
   index = keytable_index_insert(p->line_index, &key, &added);
   if (added) {
      keytable_grow_array((void **)&profile->lines, &p->lines_capacity, index + 1,
                 sizeof *profile->lines);
      profile->lines[index].function = key.function;
      profile->lines[index].file = key.file;
      profile->lines[index].line = line;
      profile->lines[index].self_ir = 0;
      profile->n_lines = index + 1;
   }
   profile->lines[index].self_ir += ir;
   profile->functions[p->function].self_ir += ir;
   profile->self_ir_sum += ir;
}

/* Whether SUM + AMOUNT fits in a cg_cost.  Callgrind and pyprofgrind
 * count in 64 bits, so no profile they write has a sum that does not: a
 * file that has one was made by hand or damaged.  Summed on, it would
 * wrap and make a total smaller than its parts, which the "totals:"
 * check would then take as right; it is refused instead. */
static int sum_fits(cg_cost sum, cg_cost amount)
{
   return amount <= ~0ull - sum;
}

static int add_arc(Parser *p, uint32_t callee, unsigned long long site_line,
                   cg_cost calls, cg_cost inclusive_ir)
{
   CgProfile *profile = p->profile;
   ArcKey key;
   int added;
   uint32_t index;

   memset(&key, 0, sizeof key);
   key.caller = p->function;
   key.callee = callee;
   key.site_file = p->line_file;
   key.site_line = site_line;
   index = keytable_index_insert(p->arc_index, &key, &added);
   if (added) {
      keytable_grow_array((void **)&profile->arcs, &p->arcs_capacity, index + 1,
                 sizeof *profile->arcs);
      profile->arcs[index].caller = key.caller;
      profile->arcs[index].callee = callee;
      profile->arcs[index].site_file = key.site_file;
      profile->arcs[index].site_line = site_line;
      profile->arcs[index].calls = 0;
      profile->arcs[index].inclusive_ir = 0;
      profile->n_arcs = index + 1;
   }
   if (!sum_fits(profile->arcs[index].calls, calls)
       || !sum_fits(profile->arcs[index].inclusive_ir, inclusive_ir))
      return fail(p, "the calls from this call site add up to more than "
                  "2^64 - 1 (calls or Ir)");
   profile->arcs[index].calls += calls;
   profile->arcs[index].inclusive_ir += inclusive_ir;
   return 1;
}

/*------------------------------------------------------------*/
/*--- Names: "(id) name", "(id)", "name"                   ---*/
/*------------------------------------------------------------*/

static int id_space_lookup(Parser *p, int space, unsigned long long id,
                           uint32_t *name)
{
   uint32_t slot = keytable_index_find(p->id_spaces[space].ids, &id);
   if (slot == KEYTABLE_ABSENT)
      return 0;
   *name = p->id_spaces[space].names[slot];
   return 1;
}

/* Resolves the value of a name specification to a StringPool id.  Function
 * names lose their context suffixes ("fib'2" is "fib"): every context of a
 * function is one node for the report. */
static int resolve_name(Parser *p, int space, const char *value, size_t len,
                        uint32_t *out)
{
   IdSpace *ids = &p->id_spaces[space];
   const char *name = value;
   size_t name_len = len;

   if (len > 0 && value[0] == '(') {
      size_t close = 1;
      unsigned long long id;

      while (close < len && value[close] >= '0' && value[close] <= '9')
         close++;
      if (close > 1 && close < len && value[close] == ')') {
         if (!parse_number(value + 1, close - 1, &id))
            return fail(p, "%s id '(%.*s)' is too large", id_space_names[space],
                        QUOTE(close - 1), value + 1);
         name = value + close + 1;
         name_len = len - close - 1;
         while (name_len > 0 && is_space(*name)) {
            name++;
            name_len--;
         }
         if (name_len == 0) {
            if (!id_space_lookup(p, space, id, out))
               return fail(p, "%s id (%llu) is used before it is defined",
                           id_space_names[space], id);
            return 1;
         } else {
            uint32_t string, previous, slot;
            int added;

            if (space == ID_SPACE_FUNCTION)
               name_len = cgparse_fold_context_length(name, name_len);
            string = keytable_pool_intern_len(p->profile->strings, name,
                                            name_len);
            if (id_space_lookup(p, space, id, &previous)) {
               if (previous != string)
                  return fail(p, "%s id (%llu) is redefined from '%.*s' to "
                              "'%.*s'", id_space_names[space], id, QUOTE_MAX,
                              cgparse_str(p->profile, previous), QUOTE_MAX,
                              cgparse_str(p->profile, string));
               *out = string;
               return 1;
            }
            slot = keytable_index_insert(ids->ids, &id, &added);
            keytable_grow_array((void **)&ids->names, &ids->capacity, slot + 1,
                       sizeof *ids->names);
            ids->names[slot] = string;
            *out = string;
            return 1;
         }
      }
      /* Not "(digits)": a name that happens to start with "(", such as
       * "(below main)" or "(anonymous namespace)::f". */
   }
   if (space == ID_SPACE_FUNCTION)
      name_len = cgparse_fold_context_length(name, name_len);
   *out = keytable_pool_intern_len(p->profile->strings, name, name_len);
   return 1;
}

static int parse_name_spec(Parser *p, const char *line, size_t len,
                           size_t key_len)
{
   const char *value = line + key_len + 1;
   size_t value_len = len - key_len - 1;
   uint32_t name;

   if (keyword_is(line, key_len, "ob")) {
      if (!resolve_name(p, ID_SPACE_OBJECT, value, value_len, &name))
         return 0;
      p->object = name;
   } else if (keyword_is(line, key_len, "fl")) {
      if (!resolve_name(p, ID_SPACE_FILE, value, value_len, &name))
         return 0;
      p->file = name;
      p->line_file = name;
   } else if (keyword_is(line, key_len, "fi")
              || keyword_is(line, key_len, "fe")) {
      /* Inlined code: later lines are in another file, same function. */
      if (!resolve_name(p, ID_SPACE_FILE, value, value_len, &name))
         return 0;
      p->line_file = name;
   } else if (keyword_is(line, key_len, "fn")) {
      if (!resolve_name(p, ID_SPACE_FUNCTION, value, value_len, &name))
         return 0;
      p->function = function_of(p, p->object, p->file, name);
      p->line_file = p->file;
      p->call_object = p->call_file = p->call_name = KEYTABLE_ABSENT;
   } else if (keyword_is(line, key_len, "cob")) {
      if (!resolve_name(p, ID_SPACE_OBJECT, value, value_len, &name))
         return 0;
      p->call_object = name;
   } else if (keyword_is(line, key_len, "cfi")
              || keyword_is(line, key_len, "cfl")) {
      if (!resolve_name(p, ID_SPACE_FILE, value, value_len, &name))
         return 0;
      p->call_file = name;
   } else if (keyword_is(line, key_len, "cfn")) {
      if (!resolve_name(p, ID_SPACE_FUNCTION, value, value_len, &name))
         return 0;
      p->call_name = name;
   } else if (keyword_is(line, key_len, "jfi")) {
      /* Jumps carry no cost; their names are checked, not kept. */
      return resolve_name(p, ID_SPACE_FILE, value, value_len, &name);
   } else if (keyword_is(line, key_len, "jfn")) {
      return resolve_name(p, ID_SPACE_FUNCTION, value, value_len, &name);
   } else if (keyword_is(line, key_len, "ln")) {
      /* Callgrind's --dump-bbs=yes debugging output: no cost. */
   } else {
      return fail(p, "unknown position specification '%.*s='",
                  QUOTE(key_len), line);
   }
   return 1;
}

/*------------------------------------------------------------*/
/*--- Positions and costs                                  ---*/
/*------------------------------------------------------------*/

/* Resolves the first n_subpositions tokens; WHAT names the line kind for
 * messages.  The reference point is not changed here. */
static int resolve_position(Parser *p, const Token *tokens, size_t n_tokens,
                            const char *what,
                            unsigned long long position[MAX_SUBPOSITIONS])
{
   size_t i;

   if (n_tokens < p->n_subpositions)
      return fail(p, "%s needs %zu position field(s) ('positions: %s'), "
                  "found %zu", what, p->n_subpositions, p->positions_text,
                  n_tokens);
   for (i = 0; i < p->n_subpositions; i++) {
      const Token *t = &tokens[i];
      unsigned long long magnitude;

      if (t->len == 1 && t->start[0] == '*') {
         position[i] = p->reference[i];
      } else if (t->start[0] == '+' || t->start[0] == '-') {
         if (!parse_number(t->start + 1, t->len - 1, &magnitude))
            return fail(p, "bad relative position '%.*s' in %s",
                        QUOTE(t->len), t->start, what);
         if (t->start[0] == '+') {
            if (magnitude > ~0ull - p->reference[i])
               return fail(p, "relative position '%.*s' in %s overflows",
                           QUOTE(t->len), t->start, what);
            position[i] = p->reference[i] + magnitude;
         } else {
            if (magnitude > p->reference[i])
               return fail(p, "relative position '%.*s' in %s goes below 0 "
                           "(previous position %llu)",
                           QUOTE(t->len), t->start, what, p->reference[i]);
            position[i] = p->reference[i] - magnitude;
         }
      } else if (!parse_number(t->start, t->len, &position[i])) {
         return fail(p, "bad position '%.*s' in %s",
                     QUOTE(t->len), t->start, what);
      }
   }
   return 1;
}

/* Parses the cost tokens after the positions into p->costs (missing
 * trailing costs are 0). */
static int parse_costs(Parser *p, const Token *tokens, size_t n_tokens,
                       const char *what)
{
   size_t i;

   if (p->n_events == 0)
      return fail(p, "%s before the 'events:' line", what);
   if (n_tokens > p->n_events)
      return fail(p, "%s has %zu costs but 'events:' names %zu event(s)",
                  what, n_tokens, p->n_events);
   for (i = 0; i < p->n_events; i++)
      p->costs[i] = 0;
   for (i = 0; i < n_tokens; i++) {
      if (!parse_number(tokens[i].start, tokens[i].len, &p->costs[i]))
         return fail(p, "bad cost '%.*s' in %s",
                     QUOTE(tokens[i].len),
                     tokens[i].start, what);
   }
   return 1;
}

/* A cost line has a few positions and at most one cost per event; more
 * tokens than that are an error, but only that many are looked at. */
#define MAX_TOKENS 64

static int parse_cost_line(Parser *p, const char *line, size_t len)
{
   Token tokens[MAX_TOKENS];
   size_t n = split_tokens(line, len, tokens, MAX_TOKENS);
   unsigned long long position[MAX_SUBPOSITIONS];
   size_t i;
   int any_cost = 0;

   if (n > MAX_TOKENS || (p->n_events && n > p->n_subpositions + p->n_events))
      return fail(p, "cost line has %zu fields, more than %zu position(s) "
                  "and %zu event(s)", n, p->n_subpositions, p->n_events);
   if (!resolve_position(p, tokens, n, "cost line", position))
      return 0;
   if (!parse_costs(p, tokens + p->n_subpositions, n - p->n_subpositions,
                    "cost line"))
      return 0;
   memcpy(p->reference, position, sizeof position);
   /* Checked before anything is added, so that a refused line adds
    * nothing.  The self costs of functions and lines are parts of
    * self_ir_sum: if it fits, they do. */
   for (i = 0; i < p->n_events; i++) {
      if (!sum_fits(p->costs_since_totals[i], p->costs[i]))
         return fail(p, "self costs add up to more than 2^64 - 1 (event %zu)",
                     i + 1);
   }
   if (!sum_fits(p->profile->self_ir_sum, p->costs[p->ir_column]))
      return fail(p, "self costs add up to more than 2^64 - 1 (Ir, over "
                  "all parts)");
   for (i = 0; i < p->n_events; i++) {
      if (p->costs[i])
         any_cost = 1;
      p->costs_since_totals[i] += p->costs[i];
   }
   if (!any_cost)
      return 1;
   if (p->function == KEYTABLE_ABSENT)
      return fail(p, "cost line before any 'fn=' line");
   add_line_cost(p, p->line_subposition >= 0
                    ? position[p->line_subposition] : 0,
                 p->costs[p->ir_column]);
   return 1;
}

static int parse_calls_line(Parser *p, const char *line, size_t len)
{
   Token tokens[MAX_TOKENS];
   const char *rest = line + strlen("calls=");
   size_t n = split_tokens(rest, len - strlen("calls="), tokens, MAX_TOKENS);
   unsigned long long target[MAX_SUBPOSITIONS];
   uint32_t object, file;

   if (n == 0)
      return fail(p, "empty 'calls=' line");
   if (!parse_number(tokens[0].start, tokens[0].len, &p->call_count))
      return fail(p, "bad call count '%.*s' in 'calls=' line",
                  QUOTE(tokens[0].len),
                  tokens[0].start);
   if (n - 1 > p->n_subpositions)
      return fail(p, "'calls=' line has %zu target position fields, expected "
                  "%zu", n - 1, p->n_subpositions);
   /* The target position is checked but not kept: it does not move the
    * reference point, and the report does not need it. */
   if (!resolve_position(p, tokens + 1, n - 1, "'calls=' target", target))
      return 0;
   if (p->function == KEYTABLE_ABSENT)
      return fail(p, "'calls=' line before any 'fn=' line");
   if (p->call_name == KEYTABLE_ABSENT)
      return fail(p, "'calls=' line without a 'cfn=' line before it");
   /* Callgrind leaves out "cob=" and "cfi=" when they equal the caller's
    * object and the current line's file. */
   object = p->call_object != KEYTABLE_ABSENT ? p->call_object : p->object;
   file = p->call_file != KEYTABLE_ABSENT ? p->call_file : p->line_file;
   p->call_callee = function_of(p, object, file, p->call_name);
   p->call_pending = 1;
   p->call_line_number = p->line_number;
   p->call_object = p->call_file = p->call_name = KEYTABLE_ABSENT;
   return 1;
}

/* Does this line look like a position line (a cost line)?  Anything else
 * after "calls=" means the call's cost line is missing. */
static int starts_position(const char *line, size_t len)
{
   size_t i = 0;

   while (i < len && is_space(line[i]))
      i++;
   if (i >= len)
      return 0;
   return (line[i] >= '0' && line[i] <= '9') || line[i] == '+'
          || line[i] == '-' || line[i] == '*';
}

static int parse_call_cost_line(Parser *p, const char *line, size_t len)
{
   Token tokens[MAX_TOKENS];
   size_t n;
   unsigned long long position[MAX_SUBPOSITIONS];

   p->call_pending = 0;
   if (!starts_position(line, len))
      return fail(p, "the 'calls=' line %llu is not followed by its cost "
                  "line", p->call_line_number);
   n = split_tokens(line, len, tokens, MAX_TOKENS);
   if (n > MAX_TOKENS || n > p->n_subpositions + p->n_events)
      return fail(p, "call cost line has %zu fields, more than %zu "
                  "position(s) and %zu event(s)", n, p->n_subpositions,
                  p->n_events);
   if (!resolve_position(p, tokens, n, "call cost line", position))
      return 0;
   if (!parse_costs(p, tokens + p->n_subpositions, n - p->n_subpositions,
                    "call cost line"))
      return 0;
   memcpy(p->reference, position, sizeof position);
   return add_arc(p, p->call_callee,
                  p->line_subposition >= 0 ? position[p->line_subposition] : 0,
                  p->call_count, p->costs[p->ir_column]);
}

static int parse_jump_line(Parser *p, const char *line, size_t len,
                           int conditional)
{
   Token tokens[MAX_TOKENS];
   size_t key_len = conditional ? strlen("jcnd=") : strlen("jump=");
   size_t n = split_tokens(line + key_len, len - key_len, tokens, MAX_TOKENS);
   unsigned long long count, target[MAX_SUBPOSITIONS];
   const char *what = conditional ? "'jcnd='" : "'jump='";

   if (n == 0)
      return fail(p, "%s line without a count", what);
   if (conditional) {
      /* "jcnd=FOLLOWED/EXECUTED TARGET" */
      const char *slash = memchr(tokens[0].start, '/', tokens[0].len);
      if (slash == NULL
          || !parse_number(tokens[0].start, (size_t)(slash - tokens[0].start),
                           &count)
          || !parse_number(slash + 1, tokens[0].len
                           - (size_t)(slash - tokens[0].start) - 1, &count))
         return fail(p, "bad counts '%.*s' in 'jcnd=' line (expected "
                     "FOLLOWED/EXECUTED)",
                     QUOTE(tokens[0].len),
                     tokens[0].start);
   } else if (!parse_number(tokens[0].start, tokens[0].len, &count)) {
      return fail(p, "bad count '%.*s' in 'jump=' line",
                  QUOTE(tokens[0].len),
                  tokens[0].start);
   }
   if (n - 1 > p->n_subpositions)
      return fail(p, "%s line has %zu target position fields, expected %zu",
                  what, n - 1, p->n_subpositions);
   if (!resolve_position(p, tokens + 1, n - 1, what, target))
      return 0;
   p->jump_pending = 1;
   p->jump_line_number = p->line_number;
   return 1;
}

static int parse_jump_source_line(Parser *p, const char *line, size_t len)
{
   Token tokens[MAX_TOKENS];
   size_t n;
   unsigned long long position[MAX_SUBPOSITIONS];

   p->jump_pending = 0;
   if (!starts_position(line, len))
      return fail(p, "the jump line %llu is not followed by its source "
                  "position line", p->jump_line_number);
   n = split_tokens(line, len, tokens, MAX_TOKENS);
   if (n != p->n_subpositions)
      return fail(p, "jump source position line has %zu fields, expected "
                  "%zu position(s)", n, p->n_subpositions);
   if (!resolve_position(p, tokens, n, "jump source position line",
                         position))
      return 0;
   memcpy(p->reference, position, sizeof position);
   return 1;
}

/*------------------------------------------------------------*/
/*--- Header lines                                         ---*/
/*------------------------------------------------------------*/

static int parse_positions_header(Parser *p, const char *value, size_t len)
{
   Token tokens[MAX_SUBPOSITIONS + 1];
   size_t n = split_tokens(value, len, tokens, MAX_SUBPOSITIONS + 1);
   size_t next_kind = 0, i;

   if (n == 0) {
      /* An empty "positions:" means the default, "line". */
      p->n_subpositions = 1;
      p->line_subposition = 0;
      snprintf(p->positions_text, sizeof p->positions_text, "line");
      memset(p->reference, 0, sizeof p->reference);
      return 1;
   }
   if (n > MAX_SUBPOSITIONS)
      return fail(p, "bad 'positions:' line: at most 'instr bb line'");
   p->line_subposition = -1;
   p->positions_text[0] = '\0';
   for (i = 0; i < n; i++) {
      while (next_kind < MAX_SUBPOSITIONS
             && !(strlen(subposition_kinds[next_kind]) == tokens[i].len
                  && memcmp(subposition_kinds[next_kind], tokens[i].start,
                            tokens[i].len) == 0))
         next_kind++;
      if (next_kind == MAX_SUBPOSITIONS)
         return fail(p, "bad 'positions:' value '%.*s' (allowed: instr bb "
                     "line, in this order)", QUOTE(len), value);
      if (next_kind == 2)
         p->line_subposition = (int)i;
      if (i)
         strcat(p->positions_text, " ");
      strcat(p->positions_text, subposition_kinds[next_kind]);
      next_kind++;
   }
   p->n_subpositions = n;
   memset(p->reference, 0, sizeof p->reference);
   return 1;
}

static int parse_events_header(Parser *p, const char *value, size_t len)
{
   Token tokens[MAX_TOKENS];
   size_t n = split_tokens(value, len, tokens, MAX_TOKENS);
   char *normalised;
   size_t i, used = 0;

   if (n == 0)
      return fail(p, "empty 'events:' line");
   if (n > MAX_TOKENS)
      return fail(p, "'events:' names %zu events, more than %d", n,
                  MAX_TOKENS);
   normalised = xmalloc(len + 1);
   for (i = 0; i < n; i++) {
      if (i)
         normalised[used++] = ' ';
      memcpy(normalised + used, tokens[i].start, tokens[i].len);
      used += tokens[i].len;
   }
   normalised[used] = '\0';
   if (p->events_text != NULL) {
      int same = strcmp(p->events_text, normalised) == 0;
      free(normalised);
      if (!same)
         return fail(p, "'events:' changes from '%.*s' (not supported)",
                     QUOTE_MAX, p->events_text);
      return 1;
   }
   p->events_text = normalised;
   for (i = 0; i < n; i++) {
      if (tokens[i].len == 2 && memcmp(tokens[i].start, "Ir", 2) == 0)
         break;
   }
   if (i == n)
      return fail(p, "no 'Ir' event in 'events: %.*s' (the report counts "
                  "instructions)", QUOTE_MAX, normalised);
   p->ir_column = i;
   p->n_events = n;
   p->costs = xcalloc(n, sizeof *p->costs);
   p->costs_since_totals = xcalloc(n, sizeof *p->costs_since_totals);
   return 1;
}

static int parse_header(Parser *p, const char *line, size_t len,
                        size_t key_len)
{
   const char *value = line + key_len + 1;
   size_t value_len = len - key_len - 1;

   while (value_len > 0 && is_space(*value)) {
      value++;
      value_len--;
   }
   while (value_len > 0 && is_space(value[value_len - 1]))
      value_len--;

   if (keyword_is(line, key_len, "positions"))
      return parse_positions_header(p, value, value_len);
   if (keyword_is(line, key_len, "events"))
      return parse_events_header(p, value, value_len);
   if (keyword_is(line, key_len, "cmd")) {
      p->profile->command = keytable_pool_intern_len(p->profile->strings,
                                                   value, value_len);
      return 1;
   }
   if (keyword_is(line, key_len, "creator")) {
      p->profile->creator = keytable_pool_intern_len(p->profile->strings,
                                                   value, value_len);
      return 1;
   }
   if (keyword_is(line, key_len, "summary")
       || keyword_is(line, key_len, "totals")) {
      int totals = keyword_is(line, key_len, "totals");
      Token tokens[MAX_TOKENS];
      size_t n = split_tokens(value, value_len, tokens, MAX_TOKENS);
      const char *what = totals ? "'totals:' line" : "'summary:' line";
      size_t i;

      if (n > MAX_TOKENS)
         return fail(p, "%s has too many fields", what);
      if (!parse_costs(p, tokens, n, what))
         return 0;
      if (!totals) {
         if (!sum_fits(p->summary_ir, p->costs[p->ir_column]))
            return fail(p, "'summary:' lines add up to more than 2^64 - 1");
         p->profile->has_summary = 1;
         p->summary_ir += p->costs[p->ir_column];
         return 1;
      }
      for (i = 0; i < p->n_events; i++) {
         if (p->costs[i] != p->costs_since_totals[i])
            return fail(p, "'totals:' gives %llu for event %zu but the self "
                        "costs above it add up to %llu", p->costs[i], i + 1,
                        p->costs_since_totals[i]);
         p->costs_since_totals[i] = 0;
      }
      p->profile->has_totals = 1;
      /* Each part equals the self costs since the part before it: the
       * parts add up to self_ir_sum, which fits. */
      p->totals_ir += p->costs[p->ir_column];
      return 1;
   }
   /* Lines that describe the run and carry nothing the report uses. */
   if (keyword_is(line, key_len, "version") || keyword_is(line, key_len, "pid")
       || keyword_is(line, key_len, "part") || keyword_is(line, key_len, "thread")
       || keyword_is(line, key_len, "desc") || keyword_is(line, key_len, "event"))
      return 1;
   return fail(p, "unknown header line '%.*s:'", QUOTE(key_len), line);
}

/*------------------------------------------------------------*/
/*--- Comment lines: pyprofgrind's opcode families         ---*/
/*------------------------------------------------------------*/

#define FAMILY_LINE_PREFIX "# pyprofgrind opcode-family"
#define FAMILY_LINE_FORM \
   "'# pyprofgrind opcode-family [OBJECT] INSTRUCTION FAMILY'"

/* "[OBJECT] INSTRUCTION FAMILY" after the prefix. */
static int parse_opcode_family(Parser *p, const char *text, size_t len)
{
   const char *close;
   Token tokens[3];
   size_t n;
   char *object, *name, *family;
   const char *previous = NULL;
   int ok;

   while (len > 0 && is_space(*text)) {
      text++;
      len--;
   }
   close = len > 0 && text[0] == '[' ? memchr(text, ']', len) : NULL;
   if (close == NULL)
      return fail(p, "malformed opcode family line: no bracketed object "
                  "name (expected " FAMILY_LINE_FORM ")");
   if (close + 1 < text + len && !is_space(close[1]))
      return fail(p, "malformed opcode family line: no blank after the "
                  "object name (expected " FAMILY_LINE_FORM ")");
   n = split_tokens(close + 1, len - (size_t)(close + 1 - text), tokens, 3);
   if (n != 2)
      return fail(p, "malformed opcode family line: %zu word(s) after the "
                  "object name, not 2 (expected " FAMILY_LINE_FORM ")", n);
   object = xstrndup(text, (size_t)(close + 1 - text));
   name = xstrndup(tokens[0].start, tokens[0].len);
   family = xstrndup(tokens[1].start, tokens[1].len);
   ok = opfold_add(p->profile->opcode_families, object, name, family,
                   &previous);
   if (!ok)
      fail(p, "opcode family of %.*s under %.*s given again as %.*s (it was "
           "%.*s)", QUOTE_MAX, name, QUOTE_MAX, object, QUOTE_MAX, family,
           QUOTE_MAX, previous);
   free(object);
   free(name);
   free(family);
   return ok;
}

/* LINE starts with '#': a comment, unless it is a family line. */
static int parse_comment_line(Parser *p, const char *line, size_t len)
{
   size_t prefix_len = strlen(FAMILY_LINE_PREFIX);

   if (len < prefix_len || memcmp(line, FAMILY_LINE_PREFIX, prefix_len) != 0
       || (len > prefix_len && !is_space(line[prefix_len])))
      return 1;
   return parse_opcode_family(p, line + prefix_len, len - prefix_len);
}

/*------------------------------------------------------------*/
/*--- Lines                                                ---*/
/*------------------------------------------------------------*/

static void parse_line(Parser *p, const char *line, size_t len)
{
   size_t key_len;

   if (p->failed)
      return;
   p->line_number++;
   if (len > 0 && line[len - 1] == '\r')
      len--;
   if (memchr(line, '\0', len) != NULL) {
      fail(p, "NUL byte in line (not a text file?)");
      return;
   }
   if (p->call_pending) {
      parse_call_cost_line(p, line, len);
      return;
   }
   if (p->jump_pending) {
      parse_jump_source_line(p, line, len);
      return;
   }
   {
      size_t i = 0;
      while (i < len && is_space(line[i]))
         i++;
      if (i < len && line[i] == '#')
         parse_comment_line(p, line + i, len - i);
      if (i == len || line[i] == '#')
         return;
   }
   if (len >= 6 && memcmp(line, "calls=", 6) == 0) {
      parse_calls_line(p, line, len);
   } else if (len >= 5 && memcmp(line, "jump=", 5) == 0) {
      parse_jump_line(p, line, len, 0);
   } else if (len >= 5 && memcmp(line, "jcnd=", 5) == 0) {
      parse_jump_line(p, line, len, 1);
   } else if ((key_len = keyword_length(line, len, '=')) > 0) {
      parse_name_spec(p, line, len, key_len);
   } else if ((key_len = keyword_length(line, len, ':')) > 0) {
      parse_header(p, line, len, key_len);
   } else if (starts_position(line, len)) {
      parse_cost_line(p, line, len);
   } else {
      fail(p, "not a callgrind-format line: '%.*s'", QUOTE(len), line);
   }
}

static void parser_init(Parser *p, const char *path, CgError *err)
{
   size_t i;

   memset(p, 0, sizeof *p);
   memset(err, 0, sizeof *err);
   p->err = err;
   p->profile = xcalloc(1, sizeof *p->profile);
   p->profile->path = xstrdup(path);
   p->profile->strings = keytable_pool_new();
   p->profile->command = KEYTABLE_ABSENT;
   p->profile->creator = KEYTABLE_ABSENT;
   p->profile->opcode_families = opfold_new();
   for (i = 0; i < N_ID_SPACES; i++)
      p->id_spaces[i].ids = keytable_index_new(sizeof(unsigned long long));
   p->n_subpositions = 1;
   p->line_subposition = 0;
   snprintf(p->positions_text, sizeof p->positions_text, "line");
   /* Names used before any "ob="/"fl=" are Callgrind's "unknown". */
   p->object = p->file = p->line_file =
      keytable_pool_intern(p->profile->strings, "???");
   p->function = KEYTABLE_ABSENT;
   p->call_object = p->call_file = p->call_name = KEYTABLE_ABSENT;
   p->function_index = keytable_index_new(sizeof(FunctionKey));
   p->line_index = keytable_index_new(sizeof(LineKey));
   p->arc_index = keytable_index_new(sizeof(ArcKey));
}

/* Checks what can only be checked at the end; returns the profile, or
 * NULL after freeing everything if the file was bad. */
static CgProfile *parser_finish(Parser *p)
{
   CgProfile *profile = p->profile;
   size_t i;

   if (!p->failed) {
      if (p->call_pending)
         fail_at(p, p->call_line_number, "the 'calls=' line is not followed "
                 "by its cost line (end of file)");
      else if (p->jump_pending)
         fail_at(p, p->jump_line_number, "the jump line is not followed by "
                 "its source position line (end of file)");
      else if (p->line_number == 0)
         fail_at(p, 1, "empty file (not a callgrind-format profile)");
      else if (p->n_events == 0)
         fail_at(p, p->line_number, "end of file without an 'events:' line "
                 "(not a callgrind-format profile?)");
      else if (profile->has_summary && !profile->has_totals
               && p->summary_ir != profile->self_ir_sum)
         /* Callgrind and pyprofgrind write the summary first and the
          * totals last: a file with the one and not the other ends early. */
         fail_at(p, p->line_number, "the profile is cut short: it ends "
                 "without its 'totals:' line, and its self costs (%llu Ir) "
                 "fall short of its 'summary:' (%llu Ir)",
                 profile->self_ir_sum, p->summary_ir);
      else if (profile->has_totals) {
         /* Costs after the last "totals:" would be outside every total. */
         for (i = 0; i < p->n_events; i++) {
            if (p->costs_since_totals[i] != 0) {
               fail_at(p, p->line_number, "self costs after the last "
                       "'totals:' line (%llu for event %zu) are in no total",
                       p->costs_since_totals[i], i + 1);
               break;
            }
         }
      }
   }
   if (!p->failed) {
      if (profile->has_totals)
         profile->total_ir = p->totals_ir;
      else if (profile->has_summary)
         profile->total_ir = p->summary_ir;
      else
         profile->total_ir = profile->self_ir_sum;
   }
   for (i = 0; i < N_ID_SPACES; i++) {
      keytable_index_free(p->id_spaces[i].ids);
      free(p->id_spaces[i].names);
   }
   keytable_index_free(p->function_index);
   keytable_index_free(p->line_index);
   keytable_index_free(p->arc_index);
   free(p->events_text);
   free(p->costs);
   free(p->costs_since_totals);
   if (p->failed) {
      cgparse_profile_free(profile);
      return NULL;
   }
   return profile;
}

CgProfile *cgparse_text(const char *name, const char *text, size_t len,
                         CgError *err)
{
   Parser parser;
   size_t start = 0;

   parser_init(&parser, name, err);
   while (start < len && !parser.failed) {
      const char *newline = memchr(text + start, '\n', len - start);
      size_t end = newline ? (size_t)(newline - text) : len;
      parse_line(&parser, text + start, end - start);
      start = end + 1;
   }
   return parser_finish(&parser);
}

CgProfile *cgparse_file(const char *path, CgError *err)
{
   Parser parser;
   FILE *stream = fopen(path, "r");
   char *line = NULL;
   size_t capacity = 0;
   ssize_t len;

   if (stream == NULL) {
      memset(err, 0, sizeof *err);
      snprintf(err->path, sizeof err->path, "%s", path);
      snprintf(err->message, sizeof err->message, "cannot open: %s",
               strerror(errno));
      return NULL;
   }
   parser_init(&parser, path, err);
   while (!parser.failed && (len = getline(&line, &capacity, stream)) >= 0) {
      if (len > 0 && line[len - 1] == '\n')
         len--;
      parse_line(&parser, line, (size_t)len);
   }
   if (!parser.failed && ferror(stream)) {
      fail_at(&parser, parser.line_number + 1, "read error: %s",
              strerror(errno));
   }
   free(line);
   fclose(stream);
   return parser_finish(&parser);
}

void cgparse_profile_free(CgProfile *profile)
{
   if (profile == NULL)
      return;
   free(profile->path);
   keytable_pool_free(profile->strings);
   free(profile->functions);
   free(profile->lines);
   free(profile->arcs);
   opfold_free(profile->opcode_families);
   free(profile);
}
