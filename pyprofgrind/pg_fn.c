/* pg_fn.c: the node table and the code-address classifier.
 *
 * Naming follows Callgrind, so that profiles of the same run compare name
 * for name: a function is identified by its object, the source file of its
 * code and its (demangled) name; code without a symbol is named by its
 * address, "0x%016lx", file "???".  PLT entries are marked `skip` (their cost
 * and outgoing calls are charged to the caller, as Callgrind's default
 * --skip-plt=yes does) and the dynamic linker's lazy-binding trampoline
 * `_dl_runtime_resolve*` is marked `pop_on_jump` (it leaves by jumping to
 * the resolved function, which is then a call from the original caller).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_fn.h"
#include "pg_options.h"
#include "pg_plt.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_deduppoolalloc.h"

/*------------------------------------------------------------*/
/*--- Node table                                           ---*/
/*------------------------------------------------------------*/

static DedupPoolAlloc *strings;

const HChar *pg_fn_intern(const HChar *s)
{
   return VG_(allocEltDedupPA)(strings, pg_strlen(s) + 1, s);
}

const HChar *pg_fn_source_path(const HChar *dir, const HChar *file)
{
   HChar path[4096];
   if (dir == NULL || dir[0] == 0 || file[0] == '/')
      return pg_fn_intern(file);
   VG_(snprintf)(path, sizeof path, "%s/%s", dir, file);
   return pg_fn_intern(path);
}

static PgNode **node_buckets;
static UInt     node_bucket_count;
static PgNode **nodes_by_id;
static UInt     node_count, node_capacity;

static const HChar *const *toggle_patterns;
static UInt toggle_pattern_count;

static UInt hash_str(UInt h, const HChar *s)
{
   while (*s) h = h * 31u + (UChar)*s++;
   return h;
}

static UInt hash_node_key(PgNodeKind kind, const HChar *obj,
                          const HChar *file, const HChar *name, UInt disc)
{
   UInt h = (2166136261u ^ (UInt)kind) + disc * 2654435761u;
   h = hash_str(h, obj);
   h = hash_str(h * 7u, file);
   return hash_str(h * 13u, name);
}

static void grow_node_buckets(void)
{
   UInt new_count = node_bucket_count * 2, i;
   PgNode **fresh = pg_calloc("pg.fn.buckets", new_count, sizeof(PgNode *));
   for (i = 0; i < node_count; i++) {
      PgNode *n = nodes_by_id[i];
      UInt b = hash_node_key(n->kind, n->obj, n->file, n->name, n->discriminator) % new_count;
      n->hash_next = fresh[b];
      fresh[b] = n;
   }
   pg_free(node_buckets);
   node_buckets = fresh;
   node_bucket_count = new_count;
}

/* Whether NODE's name matches a --toggle-collect pattern; a Python
 * node's ("MODULE:QUALNAME") also by its qualified name alone and by its
 * file's last component and qualified name, so that "benchmark",
 * "primes:benchmark" and "primes.py:benchmark" all select primes.py's
 * benchmark. */
static Bool matches_toggle_pattern(const PgNode *node)
{
   const HChar *qualname = NULL;
   HChar in_file[512];
   UInt i;
   in_file[0] = 0;
   if (node->kind == PG_NODE_PYTHON) {
      qualname = VG_(strchr)(node->name, ':');
      if (qualname != NULL) {
         const HChar *base = VG_(strrchr)(node->file, '/');
         qualname++;
         VG_(snprintf)(in_file, sizeof in_file, "%s:%s",
                       base != NULL ? base + 1 : node->file, qualname);
      }
   }
   for (i = 0; i < toggle_pattern_count; i++)
      if (pg_options_glob_match(toggle_patterns[i], node->name)
          || (qualname != NULL && pg_options_glob_match(toggle_patterns[i], qualname))
          || (in_file[0] != 0 && pg_options_glob_match(toggle_patterns[i], in_file)))
         return True;
   return False;
}

PgNode *pg_fn_node(PgNodeKind kind, const HChar *obj, const HChar *file,
                   const HChar *name)
{
   return pg_fn_node_d(kind, obj, file, name, 0, NULL);
}

PgNode *pg_fn_node_d(PgNodeKind kind, const HChar *obj, const HChar *file,
                     const HChar *name, UInt discriminator, Bool *is_new)
{
   UInt b = hash_node_key(kind, obj, file, name, discriminator) % node_bucket_count;
   PgNode *n;
   if (is_new != NULL)
      *is_new = False;
   for (n = node_buckets[b]; n; n = n->hash_next)
      if (n->kind == kind && n->discriminator == discriminator
          && pg_strcmp(n->name, name) == 0
          && pg_strcmp(n->file, file) == 0 && pg_strcmp(n->obj, obj) == 0)
         return n;
   if (is_new != NULL)
      *is_new = True;

   n = pg_calloc("pg.fn.node", 1, sizeof(PgNode));
   n->id   = node_count;
   n->kind = kind;
   n->discriminator = discriminator;
   n->obj  = pg_fn_intern(obj);
   n->file = pg_fn_intern(file);
   n->name = pg_fn_intern(name);
   n->pop_on_jump = kind == PG_NODE_C
                    && pg_strncmp(name, "_dl_runtime_resolve", 19) == 0;
   n->toggles_collect = matches_toggle_pattern(n);
   n->hash_next = node_buckets[b];
   node_buckets[b] = n;

   if (node_count == node_capacity) {
      node_capacity *= 2;
      nodes_by_id = pg_realloc("pg.fn.byid", nodes_by_id,
                               node_capacity * sizeof(PgNode *));
   }
   nodes_by_id[node_count++] = n;
   if (node_count > node_bucket_count)
      grow_node_buckets();
   return n;
}

UInt pg_fn_count(void) { return node_count; }

PgNode *pg_fn_by_id(UInt id)
{
   pg_assert(id < node_count);
   return nodes_by_id[id];
}

void pg_fn_set_toggle_patterns(const HChar *const *patterns, UInt n)
{
   UInt i;
   toggle_patterns = patterns;
   toggle_pattern_count = n;
   for (i = 0; i < node_count; i++)
      nodes_by_id[i]->toggles_collect = matches_toggle_pattern(nodes_by_id[i]);
}

/*------------------------------------------------------------*/
/*--- Code address classification                          ---*/
/*------------------------------------------------------------*/

typedef struct {
   VgHashNode  hn;          /* key = code address */
   PgCodeInfo  info;
} CodeInfoEntry;

static VgHashTable *code_infos;
static Bool         skip_plt;
static PgNewFunctionHook new_function_hook;

/* --dispatch-handlers: the patterns, and the node of each (object,
 * pattern) met so far (a handful: one per interpreter loaded). */
typedef struct DispatchGroup {
   const HChar          *obj;       /* interned */
   UInt                  pattern;
   PgNode               *node;
   struct DispatchGroup *next;
} DispatchGroup;

static const HChar *const *dispatch_patterns;
static UInt dispatch_pattern_count;
static DispatchGroup *dispatch_groups;

void pg_fn_set_dispatch_patterns(const HChar *const *patterns, UInt n)
{
   dispatch_patterns = patterns;
   dispatch_pattern_count = n;
}

/* The group node of handler NAME of object OBJ (its file FILE is the
 * group's when it is the first handler met), or NULL when NAME is no
 * handler.  The group keeps the first file: the lines of every handler
 * are still their own (a function's cost lines carry their files). */
static PgNode *dispatch_group_node(const HChar *obj, const HChar *file,
                                   const HChar *name)
{
   DispatchGroup *g;
   UInt p;
   for (p = 0; p < dispatch_pattern_count; p++)
      if (pg_options_glob_match(dispatch_patterns[p], name))
         break;
   if (p == dispatch_pattern_count)
      return NULL;
   obj = pg_fn_intern(obj);
   for (g = dispatch_groups; g != NULL; g = g->next)
      if (g->obj == obj && g->pattern == p)
         return g->node;
   g = pg_calloc("pg.fn.dispatch", 1, sizeof *g);
   g->obj = obj;
   g->pattern = p;
   g->node = pg_fn_node(PG_NODE_C, obj, file, dispatch_patterns[p]);
   g->node->dispatch_group = True;
   g->next = dispatch_groups;
   dispatch_groups = g;
   return g->node;
}

static const HChar *section_suffix(VgSectKind sect)
{
   switch (sect) {
   case Vg_SectPLT:  return " [PLT]";
   case Vg_SectGOT:  return " [GOT]";
   case Vg_SectData: return " [Data]";
   case Vg_SectBSS:  return " [BSS]";
   default:          return "";
   }
}

/* The first instruction of the function that holds A (which has a
 * symbol): A less the offset VG_(get_fnname_w_offset) appends ("name+N";
 * no suffix at the entry itself). */
static Addr function_entry(DiEpoch ep, Addr a)
{
   const HChar *with_offset, *plus;
   ULong offset = 0;

   if (!VG_(get_fnname_w_offset)(ep, a, &with_offset))
      return a;
   plus = VG_(strrchr)(with_offset, '+');
   if (plus == NULL || plus[1] == '\0')
      return a;
   for (plus++; *plus != '\0'; plus++) {
      if (*plus < '0' || *plus > '9')
         return a;            /* a '+' of the name itself (operator+) */
      offset = offset * 10 + (ULong)(*plus - '0');
   }
   return offset <= a ? a - (Addr)offset : a;
}

static void classify(DiEpoch ep, Addr a, PgCodeInfo *info)
{
   const HChar *fn_name, *file, *dir, *obj_name = "???";
   HChar        name_buf[64];
   UInt         line;
   PtrdiffT     bias = 0;
   /* Asked before the name: Valgrind returns both in one buffer. */
   Addr         entry = function_entry(ep, a);
   /* Only an object's .text counts as the object, as in Callgrind: PLT
    * stubs and code outside any object are in "???". */
   DebugInfo   *di = VG_(find_DebugInfo)(ep, a);

   if (di != NULL) {
      obj_name = VG_(DebugInfo_get_filename)(di);
      bias = VG_(DebugInfo_get_text_bias)(di);
   }
   info->sect = VG_(DebugInfo_sect_kind)(NULL, a);
   info->has_symbol = VG_(get_fnname)(ep, a, &fn_name);
   /* Valgrind knows ".plt" only, and puts no stub in an object: every
    * flavour of stub is named "FUNCTION@plt" in its object here. */
   if (di == NULL || info->sect == Vg_SectPLT) {
      const HChar *plt_object, *plt_name;
      if (pg_plt_find(a, &plt_object, &plt_name)) {
         info->sect = Vg_SectPLT;
         obj_name = plt_object;
         if (plt_name != NULL && !info->has_symbol) {
            fn_name = plt_name;
            info->has_symbol = False;    /* still charged where it runs */
            info->node = pg_fn_node(PG_NODE_C, obj_name, "???", fn_name);
            return;
         }
      }
   }
   if (!info->has_symbol) {
      VG_(snprintf)(name_buf, sizeof name_buf, "0x%016lx%s",
                    (Addr)(a - bias), section_suffix(info->sect));
      fn_name = name_buf;
   }
   /* A function's file is the one of its first instruction, wherever the
    * address asked about is: code inlined from a header keeps its own
    * lines (written under "fi="), but does not make a function of its
    * own (Callgrind names a function by the file of each block's first
    * instruction, so one function can appear under several files). */
   if (VG_(get_filename_linenum)(ep, info->has_symbol ? entry : a,
                                 &file, &dir, &line))
      file = pg_fn_source_path(dir, file);
   else
      file = "???";
   info->node = NULL;
   if (info->has_symbol && dispatch_pattern_count > 0)
      info->node = dispatch_group_node(obj_name, file, fn_name);
   if (info->node == NULL)
      info->node = pg_fn_node(PG_NODE_C, obj_name, file, fn_name);
   if (info->has_symbol && !info->node->py_checked) {
      info->node->py_checked = True;
      if (new_function_hook != NULL)
         new_function_hook(info->node, bias);
   }
}

/* The helpers ask for the same few targets over and over (an eval loop's
 * dispatch targets, a library's entry points): a direct-mapped cache in
 * front of the hash table answers most of them. */
#define RECENT_SIZE 4096
static CodeInfoEntry *recent[RECENT_SIZE];

static UInt recent_slot(Addr a)
{
   return (UInt)((a ^ (a >> 12)) & (RECENT_SIZE - 1));
}

const PgCodeInfo *pg_fn_code_info(Addr a)
{
   UInt slot = recent_slot(a);
   CodeInfoEntry *e = recent[slot];
   DiEpoch ep;
   const HChar *ignored;

   if (e != NULL && e->hn.key == a)
      return &e->info;
   e = VG_(HT_lookup)(code_infos, a);
   if (e != NULL) {
      recent[slot] = e;
      return &e->info;
   }

   ep = VG_(current_DiEpoch)();
   e = pg_calloc("pg.fn.codeinfo", 1, sizeof *e);
   e->hn.key = a;
   classify(ep, a, &e->info);
   e->info.is_entry = VG_(get_fnname_if_entry)(ep, a, &ignored);
   if (e->info.sect == Vg_SectPLT && skip_plt)
      e->info.node->skip = True;
   VG_(HT_add_node)(code_infos, e);
   recent[slot] = e;
   return &e->info;
}

void pg_fn_forget_range(Addr a, SizeT len)
{
   UInt n, i;
   VgHashNode **all;
   if (VG_(HT_count_nodes)(code_infos) == 0)
      return;
   all = VG_(HT_to_array)(code_infos, &n);
   for (i = 0; i < n; i++) {
      Addr key = all[i]->key;
      if (key >= a && key - a < len) {
         CodeInfoEntry *gone = VG_(HT_remove)(code_infos, key);
         if (recent[recent_slot(key)] == gone)
            recent[recent_slot(key)] = NULL;
         pg_free(gone);
      }
   }
   pg_free(all);
}

void pg_fn_init(Bool skip_plt_stubs, PgNewFunctionHook on_new_function)
{
   skip_plt = skip_plt_stubs;
   new_function_hook = on_new_function;
   strings = VG_(newDedupPA)(64 * 1024, 1, VG_(malloc), "pg.fn.strings", VG_(free));
   node_bucket_count = 1024;
   node_buckets = pg_calloc("pg.fn.buckets", node_bucket_count, sizeof(PgNode *));
   node_capacity = 1024;
   nodes_by_id = pg_malloc("pg.fn.byid", node_capacity * sizeof(PgNode *));
   code_infos = VG_(HT_construct)("pg.fn.codeinfos");
}
