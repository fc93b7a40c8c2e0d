/* match.c: builds the report's items from a parsed profile, ranks them,
 * and matches two profiles' items for a diff (see match.h for the keys,
 * the roots and the cost rules).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "opfold.h"

/*------------------------------------------------------------*/
/*--- Node kinds and names                                 ---*/
/*------------------------------------------------------------*/

static int ends_with(const char *text, const char *suffix)
{
   size_t text_len = strlen(text), suffix_len = strlen(suffix);
   return text_len >= suffix_len
          && memcmp(text + text_len - suffix_len, suffix, suffix_len) == 0;
}

NodeKind match_node_kind_of_object(const char *object)
{
   if (strncmp(object, "[Python", 7) != 0)
      return NODE_C;
   return ends_with(object, "opcodes]") ? NODE_OPCODE : NODE_PYTHON;
}

static int is_digit(char c)
{
   return c >= '0' && c <= '9';
}

/* Reads a small decimal number; returns the text after it, or NULL. */
static const char *read_small_number(const char *text, unsigned *value)
{
   unsigned v = 0;

   if (!is_digit(*text))
      return NULL;
   while (is_digit(*text)) {
      if (v > 100000)
         return NULL;
      v = v * 10 + (unsigned)(*text - '0');
      text++;
   }
   *value = v;
   return text;
}

int match_python_version_of_object(const char *object, unsigned *major,
                             unsigned *minor)
{
   const char *p;

   if (strncmp(object, "[Python", 7) != 0)
      return 0;
   p = object + 7;
   while (*p == ' ')
      p++;
   p = read_small_number(p, major);
   if (p == NULL || *p != '.')
      return 0;
   return read_small_number(p + 1, minor) != NULL;
}

static const char *basename_of(const char *path)
{
   const char *slash = strrchr(path, '/');
   return slash ? slash + 1 : path;
}

/* Is TEXT[0..LEN) a compiler suffix word, or a number? */
static int is_suffix_component(const char *text, size_t len)
{
   static const char *const words[] = {
      "cold", "part", "isra", "constprop", "lto_priv", "llvm", "localalias",
   };
   size_t i;
   if (len == 0)
      return 0;
   for (i = 0; i < len && is_digit(text[i]); i++)
      ;
   if (i == len)
      return 1;
   for (i = 0; i < sizeof words / sizeof words[0]; i++)
      if (strlen(words[i]) == len && memcmp(words[i], text, len) == 0)
         return 1;
   return 0;
}

size_t match_source_name_length(const char *name)
{
   size_t len = strlen(name), keep = len, end = len;
   /* Walk the dot-separated components back from the end while they are
    * suffix words or numbers; a number alone is no suffix ("f.2"). */
   while (end > 0) {
      const char *dot = NULL;
      size_t start;
      for (start = end; start > 0; start--)
         if (name[start - 1] == '.') {
            dot = name + start - 1;
            break;
         }
      if (dot == NULL || dot == name || !is_suffix_component(dot + 1, end - start))
         break;
      end = (size_t)(dot - name);
      if (!is_digit(name[start]))
         keep = end;
   }
   return keep;
}

char *match_normalise_object_name(const char *object)
{
   const char *base = basename_of(object);
   size_t len = strlen(base);
   const char *cut;
   size_t i;

   if (base[0] == '[' || base[0] == '\0')
      return xstrdup(base);
   /* "name.so", "name.so.1.2": the shared object suffix and its version. */
   for (i = 1; i + 3 <= len; i++) {
      if (memcmp(base + i, ".so", 3) == 0
          && (base[i + 3] == '\0' || base[i + 3] == '.')) {
         len = i;
         break;
      }
   }
   /* Extension modules: "zlib.cpython-311-x86_64-linux-gnu". */
   cut = strstr(base, ".cpython-");
   if (cut != NULL && (size_t)(cut - base) < len)
      len = (size_t)(cut - base);
   /* The interpreter and its library carry the Python version. */
   if (len >= 9 && memcmp(base, "libpython", 9) == 0
       && (len == 9 || is_digit(base[9])))
      return xstrdup("libpython");
   if (len >= 6 && memcmp(base, "python", 6) == 0) {
      for (i = 6; i < len && (is_digit(base[i]) || base[i] == '.'); i++)
         ;
      while (i < len && base[i] >= 'a' && base[i] <= 'z')
         i++;
      if (i == len)
         return xstrdup("python");
   }
   /* A dotted version at the end: "libfoo-1.2" -> "libfoo". */
   {
      size_t end = len;
      while (end > 0 && (is_digit(base[end - 1]) || base[end - 1] == '.'))
         end--;
      if (end > 0 && end < len && is_digit(base[end])
          && memchr(base + end, '.', len - end) != NULL) {
         if (base[end - 1] == '-' && end > 1)
            end--;
         len = end;
      }
   }
   return xstrndup(base, len);
}

/* Does PATH[AT..] start with "lib/pythonX.Y/" or "lib64/pythonX.Y/" (any
 * digits, dots and ABI letters after "python")?  Returns the length
 * matched, or 0. */
static size_t match_lib_python(const char *text)
{
   const char *p = text;

   if (strncmp(p, "lib64/", 6) == 0)
      p += 6;
   else if (strncmp(p, "lib/", 4) == 0)
      p += 4;
   else
      return 0;
   if (strncmp(p, "python", 6) != 0 || !is_digit(p[6]))
      return 0;
   p += 6;
   while (is_digit(*p) || *p == '.')
      p++;
   while (*p >= 'a' && *p <= 'z')
      p++;
   return *p == '/' ? (size_t)(p + 1 - text) : 0;
}

const char *match_install_relative_path(const char *path)
{
   const char *after = NULL;
   const char *p;

   for (p = path; *p != '\0'; p++) {
      const char *segment;
      size_t matched;

      if (p != path && p[-1] != '/')
         continue;
      segment = p;
      if (strncmp(segment, "site-packages/", 14) == 0
          || strncmp(segment, "dist-packages/", 14) == 0)
         after = segment + 14;
      else if ((matched = match_lib_python(segment)) > 0)
         after = segment + matched;
   }
   return after;
}

int match_is_script_path(const char *path)
{
   return path[0] != '<' && strchr(path, '/') != NULL
          && match_install_relative_path(path) == NULL;
}

char *match_common_script_root(const char *const *paths, size_t n)
{
   size_t len, i;

   if (n == 0)
      return xstrdup("");
   {
      const char *slash = strrchr(paths[0], '/');
      len = slash ? (size_t)(slash - paths[0]) + 1 : 0;
   }
   for (i = 1; i < n && len > 0; i++) {
      size_t common = 0;
      while (common < len && paths[i][common] == paths[0][common])
         common++;
      /* Back to the end of a whole directory name. */
      while (common > 0 && paths[0][common - 1] != '/')
         common--;
      len = common;
   }
   return xstrndup(paths[0], len);
}

const char *match_python_relative_path(const char *path, const char *script_root)
{
   const char *installed = match_install_relative_path(path);
   size_t root_len = strlen(script_root);

   if (installed != NULL)
      return installed;
   if (root_len > 0 && strncmp(path, script_root, root_len) == 0
       && path[root_len] != '\0')
      return path + root_len;
   return path;
}

/*------------------------------------------------------------*/
/*--- Views                                                ---*/
/*------------------------------------------------------------*/

ItemListKind match_view_list(ReportView view)
{
   switch (view) {
   case VIEW_PY_INCLUSIVE:
   case VIEW_PY_SELF:
      return LIST_PY_FUNCTIONS;
   case VIEW_PY_LINES:
      return LIST_PY_LINES;
   case VIEW_OPCODES:
      return LIST_OPCODES;
   default:
      return LIST_C_FUNCTIONS;
   }
}

/* Opcodes rank by self cost (the eval loop's own instructions in their
 * handlers): an instruction's inclusive cost contains every instruction run
 * by the functions it calls (CALL contains the whole program), so it says
 * little about the instruction itself. */
cg_cost match_view_metric(ReportView view, const ReportItem *item)
{
   return (view == VIEW_PY_SELF || view == VIEW_C_SELF || view == VIEW_OPCODES)
          ? item->self_ir : item->inclusive_ir;
}

const char *match_view_id(ReportView view)
{
   static const char *const ids[N_VIEWS] = {
      "python_functions_inclusive", "python_functions_self", "python_lines",
      "opcodes", "c_functions_self"
   };
   return ids[view];
}

const char *match_view_title(ReportView view)
{
   static const char *const titles[N_VIEWS] = {
      "Python functions by inclusive cost",
      "Python functions by self cost",
      "Python lines (self cost + calls made from the line)",
      "Opcodes by self cost (the eval loop's own instructions)",
      "C functions by self cost"
   };
   return titles[view];
}

/*------------------------------------------------------------*/
/*--- Building the items                                   ---*/
/*------------------------------------------------------------*/

typedef struct {
   StringPool *keys;          /* key -> item number */
   size_t      capacity;
   /* per item, while building */
   cg_cost    *incoming_ir;
   cg_cost    *outgoing_ir;
   char       *has_incoming;
   size_t      scratch_capacity;
} ListBuilder;

/* The item with KEY in LIST, created with the given names if new. */
static uint32_t item_for(ProfileSummary *summary, ListBuilder *builders,
                         ItemListKind list, const char *key, const char *name,
                         const char *where, const char *match_where,
                         unsigned long long line)
{
   ListBuilder *b = &builders[list];
   ItemList *items = &summary->lists[list];
   size_t before = keytable_pool_count(b->keys);
   uint32_t index = keytable_pool_intern(b->keys, key);

   if (keytable_pool_count(b->keys) != before) {
      ReportItem *item;
      size_t capacity;

      keytable_grow_array((void **)&items->items, &b->capacity, index + 1,
                 sizeof *items->items);
      /* The three scratch arrays grow together. */
      capacity = b->scratch_capacity;
      keytable_grow_array((void **)&b->incoming_ir, &capacity, index + 1,
                 sizeof *b->incoming_ir);
      capacity = b->scratch_capacity;
      keytable_grow_array((void **)&b->outgoing_ir, &capacity, index + 1,
                 sizeof *b->outgoing_ir);
      capacity = b->scratch_capacity;
      keytable_grow_array((void **)&b->has_incoming, &capacity, index + 1,
                 sizeof *b->has_incoming);
      b->scratch_capacity = capacity;
      b->incoming_ir[index] = 0;
      b->outgoing_ir[index] = 0;
      b->has_incoming[index] = 0;
      item = &items->items[index];
      memset(item, 0, sizeof *item);
      item->key = xstrdup(key);
      item->name = xstrdup(name);
      item->where = xstrdup(where);
      item->match_where = xstrdup(match_where);
      item->line = line;
      items->n = index + 1;
   }
   return index;
}

/* A growable text buffer for building keys. */
typedef struct {
   char  *text;
   size_t len, capacity;
} Text;

static void text_set(Text *t, const char *a, const char *separator,
                     const char *b)
{
   size_t la = strlen(a), ls = strlen(separator), lb = strlen(b);

   keytable_grow_array((void **)&t->text, &t->capacity, la + ls + lb + 1, 1);
   memcpy(t->text, a, la);
   memcpy(t->text + la, separator, ls);
   memcpy(t->text + la + ls, b, lb);
   t->text[la + ls + lb] = '\0';
   t->len = la + ls + lb;
}

/* Adds OBJECT to the summary's list of interpreter objects, once. */
static void note_interpreter_object(ProfileSummary *summary, const char *object)
{
   char *old = summary->interpreter_objects;
   size_t len = old != NULL ? strlen(old) : 0, olen = strlen(object);
   const char *p;
   for (p = old; p != NULL && (p = strstr(p, object)) != NULL; p += olen)
      if ((p == old || p[-1] == ' ') && (p[olen] == '\0' || p[olen] == ','))
         return;
   summary->interpreter_objects = xmalloc(len + olen + 3);
   if (old != NULL) {
      memcpy(summary->interpreter_objects, old, len);
      memcpy(summary->interpreter_objects + len, ", ", 2);
      len += 2;
   }
   memcpy(summary->interpreter_objects + len, object, olen + 1);
   free(old);
}

static char *script_root_of(const CgProfile *profile, const NodeKind *kinds)
{
   size_t n_strings = keytable_pool_count(profile->strings);
   char *seen = xcalloc(n_strings, 1);
   const char **paths = xcalloc(n_strings, sizeof *paths);
   size_t n_paths = 0, i;
   char *root;

#define CONSIDER(file_id)                                                    \
   do {                                                                      \
      uint32_t id_ = (file_id);                                              \
      if (id_ < n_strings && !seen[id_]) {                                   \
         seen[id_] = 1;                                                      \
         if (match_is_script_path(cgparse_str(profile, id_)))                           \
            paths[n_paths++] = cgparse_str(profile, id_);                         \
      }                                                                      \
   } while (0)

   for (i = 0; i < profile->n_functions; i++) {
      if (kinds[i] == NODE_PYTHON)
         CONSIDER(profile->functions[i].file);
   }
   for (i = 0; i < profile->n_lines; i++) {
      if (kinds[profile->lines[i].function] == NODE_PYTHON)
         CONSIDER(profile->lines[i].file);
   }
#undef CONSIDER
   root = match_common_script_root(paths, n_paths);
   free(paths);
   free(seen);
   return root;
}

ProfileSummary *match_summarise_profile(const CgProfile *profile,
                                  const SummaryOptions *options)
{
   ProfileSummary *summary = xcalloc(1, sizeof *summary);
   ListBuilder builders[N_LISTS];
   NodeKind *kinds = xcalloc(profile->n_functions, sizeof *kinds);
   ItemListKind *item_list = xcalloc(profile->n_functions, sizeof *item_list);
   uint32_t *item_index = xcalloc(profile->n_functions, sizeof *item_index);
   Text key = { NULL, 0, 0 }, label = { NULL, 0, 0 };
   size_t i, l;

   memset(builders, 0, sizeof builders);
   for (l = 0; l < N_LISTS; l++)
      builders[l].keys = keytable_pool_new();
   summary->total_ir = profile->total_ir;

   for (i = 0; i < profile->n_functions; i++)
      kinds[i] = match_node_kind_of_object(cgparse_str(profile,
                                            profile->functions[i].object));
   summary->script_root = script_root_of(profile, kinds);

   /* One item per function, merged by key. */
   for (i = 0; i < profile->n_functions; i++) {
      const CgFunction *f = &profile->functions[i];
      const char *object = cgparse_str(profile, f->object);
      const char *name = cgparse_str(profile, f->name);

      if (kinds[i] == NODE_PYTHON) {
         const char *relative = match_python_relative_path(cgparse_str(profile, f->file),
                                                     summary->script_root);
         text_set(&key, relative, "\t", name);
         item_list[i] = LIST_PY_FUNCTIONS;
         item_index[i] = item_for(summary, builders, LIST_PY_FUNCTIONS,
                                  key.text, name, relative, relative, 0);
      } else if (kinds[i] == NODE_OPCODE) {
         /* Opcode nodes are one per function and instruction,
          * "BINARY_OP in primes" (older profiles: one per instruction):
          * the list has one row per instruction over all functions. */
         char *instruction = xstrndup(name, strcspn(name, " "));
         size_t family_len;
         const char *family_start = opfold_family(profile->opcode_families,
                                                  object, instruction, &family_len);
         char *family = xstrndup(family_start, family_len);

         item_list[i] = LIST_OPCODES;
         if (options->fold_opcodes)
            item_index[i] = item_for(summary, builders, LIST_OPCODES, family,
                                     family, "", "", 0);
         else
            item_index[i] = item_for(summary, builders, LIST_OPCODES, instruction,
                                     instruction,
                                     strcmp(family, instruction) ? family : "", "", 0);
         free(family);
         free(instruction);
      } else {
         char *normalised = match_normalise_object_name(object);
         char *source_name = NULL;
         if (options->match_source_names) {
            size_t keep = match_source_name_length(name);
            if (keep < strlen(name)) {
               source_name = xstrndup(name, keep);
               summary->n_suffix_folded++;
               name = source_name;
            }
            if (strcmp(normalised, "libpython") == 0 || strcmp(normalised, "python") == 0) {
               note_interpreter_object(summary, basename_of(object));
               free(normalised);
               normalised = xstrdup("python");
            }
         }
         text_set(&key, normalised, "\t", name);
         item_list[i] = LIST_C_FUNCTIONS;
         item_index[i] = item_for(summary, builders, LIST_C_FUNCTIONS,
                                  key.text, name, basename_of(object),
                                  normalised, 0);
         free(normalised);
         free(source_name);
      }
      summary->lists[item_list[i]].items[item_index[i]].self_ir += f->self_ir;
   }

   /* Python lines: their own cost... */
   for (i = 0; i < profile->n_lines; i++) {
      const CgLineCost *line = &profile->lines[i];
      const char *relative;
      char number[32];
      uint32_t index;
      ReportItem *item;

      if (kinds[line->function] != NODE_PYTHON || line->self_ir == 0)
         continue;
      relative = match_python_relative_path(cgparse_str(profile, line->file),
                                      summary->script_root);
      snprintf(number, sizeof number, "%llu", line->line);
      text_set(&key, relative, "\t", number);
      text_set(&label, relative, ":", number);
      index = item_for(summary, builders, LIST_PY_LINES, key.text, label.text,
                       relative, relative, line->line);
      item = &summary->lists[LIST_PY_LINES].items[index];
      item->self_ir += line->self_ir;
      item->inclusive_ir += line->self_ir;
   }

   /* ...and the arcs: calls, inclusive costs in and out, calls from lines. */
   for (i = 0; i < profile->n_arcs; i++) {
      const CgArc *arc = &profile->arcs[i];
      ItemListKind caller_list = item_list[arc->caller];
      ItemListKind callee_list = item_list[arc->callee];
      uint32_t caller = item_index[arc->caller];
      uint32_t callee = item_index[arc->callee];
      int to_itself = caller_list == callee_list && caller == callee;

      summary->lists[callee_list].items[callee].calls += arc->calls;
      if (to_itself)
         continue;
      builders[callee_list].incoming_ir[callee] += arc->inclusive_ir;
      builders[callee_list].has_incoming[callee] = 1;
      builders[caller_list].outgoing_ir[caller] += arc->inclusive_ir;
      if (kinds[arc->caller] == NODE_PYTHON && arc->inclusive_ir > 0) {
         const char *relative = match_python_relative_path(
            cgparse_str(profile, arc->site_file), summary->script_root);
         char number[32];
         uint32_t index;

         snprintf(number, sizeof number, "%llu", arc->site_line);
         text_set(&key, relative, "\t", number);
         text_set(&label, relative, ":", number);
         index = item_for(summary, builders, LIST_PY_LINES, key.text,
                          label.text, relative, relative, arc->site_line);
         summary->lists[LIST_PY_LINES].items[index].inclusive_ir
            += arc->inclusive_ir;
      }
   }

   for (l = 0; l < N_LISTS; l++) {
      ItemList *items = &summary->lists[l];
      if (l == LIST_PY_LINES)
         continue;
      for (i = 0; i < items->n; i++) {
         ReportItem *item = &items->items[i];
         cg_cost inclusive = builders[l].has_incoming[i]
                             ? builders[l].incoming_ir[i]
                             : item->self_ir + builders[l].outgoing_ir[i];
         item->inclusive_ir = inclusive > item->self_ir ? inclusive
                                                        : item->self_ir;
      }
   }
   /* Sums that count recursive calls again can exceed the program. */
   for (l = 0; l < N_LISTS; l++) {
      ItemList *items = &summary->lists[l];
      for (i = 0; i < items->n; i++) {
         if (items->items[i].inclusive_ir > summary->total_ir
             && items->items[i].self_ir <= summary->total_ir)
            items->items[i].inclusive_ir = summary->total_ir;
      }
   }

   for (l = 0; l < N_LISTS; l++) {
      keytable_pool_free(builders[l].keys);
      free(builders[l].incoming_ir);
      free(builders[l].outgoing_ir);
      free(builders[l].has_incoming);
   }
   free(key.text);
   free(label.text);
   free(kinds);
   free(item_list);
   free(item_index);
   return summary;
}

void match_summary_free(ProfileSummary *summary)
{
   size_t l, i;

   if (summary == NULL)
      return;
   free(summary->interpreter_objects);
   for (l = 0; l < N_LISTS; l++) {
      for (i = 0; i < summary->lists[l].n; i++) {
         ReportItem *item = &summary->lists[l].items[i];
         free(item->key);
         free(item->name);
         free(item->where);
         free(item->match_where);
      }
      free(summary->lists[l].items);
   }
   free(summary->script_root);
   free(summary);
}

/*------------------------------------------------------------*/
/*--- Ranking and diffs                                    ---*/
/*------------------------------------------------------------*/

typedef struct {
   cg_cost     metric;
   const char *key;
   size_t      index;
} RankEntry;

static int compare_rank(const void *a, const void *b)
{
   const RankEntry *x = a, *y = b;

   if (x->metric != y->metric)
      return x->metric > y->metric ? -1 : 1;
   return strcmp(x->key, y->key);
}

size_t *match_rank_view(const ProfileSummary *summary, ReportView view, size_t *n)
{
   const ItemList *items = &summary->lists[match_view_list(view)];
   RankEntry *entries = xcalloc(items->n, sizeof *entries);
   size_t *order, count = 0, i;

   for (i = 0; i < items->n; i++) {
      cg_cost metric = match_view_metric(view, &items->items[i]);
      if (metric == 0)
         continue;
      entries[count].metric = metric;
      entries[count].key = items->items[i].key;
      entries[count].index = i;
      count++;
   }
   qsort(entries, count, sizeof *entries, compare_rank);
   order = xcalloc(count, sizeof *order);
   for (i = 0; i < count; i++)
      order[i] = entries[i].index;
   free(entries);
   *n = count;
   return order;
}

static int compare_items_by_key(const void *a, const void *b)
{
   const ReportItem *const *x = a, *const *y = b;
   return strcmp((*x)->key, (*y)->key);
}

static const ReportItem **items_by_key(const ItemList *list)
{
   const ReportItem **sorted = xcalloc(list->n, sizeof *sorted);
   size_t i;

   for (i = 0; i < list->n; i++)
      sorted[i] = &list->items[i];
   qsort(sorted, list->n, sizeof *sorted, compare_items_by_key);
   return sorted;
}

static const char *row_key(const DiffRow *row)
{
   return row->base ? row->base->key : row->new_item->key;
}

static int compare_rows(const void *a, const void *b)
{
   const DiffRow *x = a, *y = b;

   if (x->delta_magnitude != y->delta_magnitude)
      return x->delta_magnitude > y->delta_magnitude ? -1 : 1;
   return strcmp(row_key(x), row_key(y));
}

DiffRow *match_diff_view(const ProfileSummary *base, const ProfileSummary *new_summary,
                   ReportView view, size_t *n)
{
   ItemListKind list = match_view_list(view);
   const ItemList *base_list = &base->lists[list];
   const ItemList *new_list = &new_summary->lists[list];
   const ReportItem **base_sorted = items_by_key(base_list);
   const ReportItem **new_sorted = items_by_key(new_list);
   DiffRow *rows = xcalloc(base_list->n + new_list->n, sizeof *rows);
   size_t bi = 0, ni = 0, count = 0;

   while (bi < base_list->n || ni < new_list->n) {
      DiffRow row;
      int order;

      memset(&row, 0, sizeof row);
      if (bi >= base_list->n)
         order = 1;
      else if (ni >= new_list->n)
         order = -1;
      else
         order = strcmp(base_sorted[bi]->key, new_sorted[ni]->key);
      if (order <= 0)
         row.base = base_sorted[bi++];
      if (order >= 0)
         row.new_item = new_sorted[ni++];
      if (row.base) {
         row.base_ir = match_view_metric(view, row.base);
         row.base_calls = row.base->calls;
      }
      if (row.new_item) {
         row.new_ir = match_view_metric(view, row.new_item);
         row.new_calls = row.new_item->calls;
      }
      if (row.base_ir == 0 && row.new_ir == 0)
         continue;
      row.delta_negative = row.new_ir < row.base_ir;
      row.delta_magnitude = row.delta_negative ? row.base_ir - row.new_ir
                                               : row.new_ir - row.base_ir;
      rows[count++] = row;
   }
   qsort(rows, count, sizeof *rows, compare_rows);
   free(base_sorted);
   free(new_sorted);
   *n = count;
   return rows;
}

double match_cost_ratio(cg_cost base, cg_cost new_cost)
{
   if (base == 0)
      return -1.0;
   return (double)new_cost / (double)base;
}
