/* match.h: turns a parsed profile into the tables pyprofgrind-report
 * prints, and matches the tables of two profiles for a diff.
 *
 * Nodes are told apart by their object ("ob="): "[Python X.Y opcodes]" is
 * an opcode, any other "[Python ..." a Python function, anything else C.
 * Items are what a report line is about, each with the key a diff matches
 * on:
 *   - Python function: (file relative to its root, qualified name);
 *   - Python line: (file relative to its root, line);
 *   - opcode: name, or with fold_opcodes its family (opfold.h);
 *   - C function: (object basename without version numbers, name).
 * Roots: a Python file under ".../site-packages/", ".../dist-packages/" or
 * ".../lib/pythonX.Y/" is named by the rest of its path; any other file
 * (a script) by its path below the longest directory prefix common to all
 * such scripts of the profile.  So two profiles from different installs,
 * interpreters or checkouts name the same module the same way.
 *
 * Costs, all in Ir:
 *   - self: the node's own cost lines;
 *   - calls: the call counts of all arcs into the node (for an opcode, its
 *     executions);
 *   - inclusive: the sum of the inclusive costs of the arcs into the node
 *     from other items; a node without such callers (a root: the program's
 *     first function, a signal handler) gets its self cost plus the
 *     inclusive costs of its arcs to other items.  Arcs from an item to
 *     itself (recursion, also Callgrind's folded "f'2") never count.
 *     pyprofgrind counts a call's inclusive cost only for the outermost
 *     activation of the callee, so summing the arcs into a function gives
 *     each of its activations once, also under mutual recursion; this is
 *     how KCacheGrind computes a function's inclusive cost, too.  The
 *     inclusive cost is never reported below the self cost.
 *   - a Python line: the self cost of Python functions at that line plus
 *     the inclusive cost of the calls made from it to other items.  The
 *     profile does not say which of a line's calls ran nested inside
 *     another of its calls, so in code that recurses through other
 *     functions (the import system) a line's sum counts nested calls
 *     again.
 *   - Callgrind's own profiles add a call's cost again at every level of
 *     a recursion through other functions (the eval loop calls itself
 *     through C functions), so such sums can exceed the program: an
 *     inclusive or line cost is never reported above the program total.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef REPORT_MATCH_H
#define REPORT_MATCH_H

#include <stddef.h>

#include "cgparse.h"

typedef enum { NODE_C, NODE_PYTHON, NODE_OPCODE } NodeKind;

NodeKind match_node_kind_of_object(const char *object);

/* Reads X.Y from "[Python X.Y]" or "[Python X.Y opcodes]"; 0 if absent. */
int match_python_version_of_object(const char *object, unsigned *major,
                             unsigned *minor);

/* "/usr/lib/libpython3.11.so.1.0" -> "libpython", "libc.so.6" -> "libc",
 * "zlib.cpython-311-x86_64-linux-gnu.so" -> "zlib", "python3.12" ->
 * "python".  Returns a new string. */
char *match_normalise_object_name(const char *object);

/* The part of PATH after "site-packages/", "dist-packages/" or
 * "lib/pythonX.Y/" (the last such directory), or NULL. */
const char *match_install_relative_path(const char *path);

/* Is PATH a script file: a path ("/" in it), not a pseudo-file such as
 * "<frozen importlib._bootstrap>" or "<string>", not under an install
 * directory? */
int match_is_script_path(const char *path);

/* The longest directory prefix (ending in "/", possibly "") common to
 * the N script PATHS.  Returns a new string. */
char *match_common_script_root(const char *const *paths, size_t n);

/* PATH relative to its root (see above): points into PATH. */
const char *match_python_relative_path(const char *path, const char *script_root);

typedef struct {
   char   *key;          /* what diffs match on */
   char   *name;         /* qualified name, opcode, C function, "file:line" */
   char   *where;        /* Python: relative file; C: object basename;
                            opcode: family if it differs from the name */
   char   *match_where;  /* the key's part for "where" (C: normalised) */
   unsigned long long line;
   cg_cost self_ir;
   cg_cost inclusive_ir;
   cg_cost calls;
} ReportItem;

typedef enum {
   LIST_PY_FUNCTIONS, LIST_PY_LINES, LIST_OPCODES, LIST_C_FUNCTIONS, N_LISTS
} ItemListKind;

typedef struct {
   ReportItem *items;
   size_t      n;
} ItemList;

typedef struct {
   cg_cost  total_ir;
   char    *script_root;
   ItemList lists[N_LISTS];
   /* With match_source_names: C functions whose name lost a compiler
    * suffix, and the objects counted as the interpreter ("a, b"). */
   size_t   n_suffix_folded;
   char    *interpreter_objects;
} ProfileSummary;

typedef struct {
   int fold_opcodes;
   /* Key C functions by source name: "f.constprop.0", "f.cold" and
    * "f.lto_priv.0" are f, and libpythonX.Y and the pythonX.Y executable
    * are one object, "python" (a pyenv build keeps the interpreter in
    * libpython, Debian's in the executable). */
   int match_source_names;
} SummaryOptions;

/* NAME without the suffixes compilers add to the copies and pieces they
 * make of a function (GCC: .constprop.N, .isra.N, .part.N, .cold[.N],
 * .lto_priv.N, .localalias; LLVM: .llvm.N), in any order and number:
 * the length to keep. */
size_t match_source_name_length(const char *name);

ProfileSummary *match_summarise_profile(const CgProfile *profile,
                                  const SummaryOptions *options);
void match_summary_free(ProfileSummary *summary);

/* What the report shows: one table per view, each over one item list and
 * ranking by one cost. */
typedef enum {
   VIEW_PY_INCLUSIVE, VIEW_PY_SELF, VIEW_PY_LINES, VIEW_OPCODES, VIEW_C_SELF,
   N_VIEWS
} ReportView;

ItemListKind match_view_list(ReportView view);
cg_cost match_view_metric(ReportView view, const ReportItem *item);
/* Stable identifier (the JSON member name) and a heading for people. */
const char *match_view_id(ReportView view);
const char *match_view_title(ReportView view);

/* Indices of the items of VIEW with a non-zero metric, most costly first
 * (ties by key, so output is deterministic).  *N gets the count; free the
 * result. */
size_t *match_rank_view(const ProfileSummary *summary, ReportView view, size_t *n);

typedef struct {
   const ReportItem *base;       /* NULL if only in the new profile */
   const ReportItem *new_item;   /* NULL if only in the base profile */
   cg_cost base_ir, new_ir;
   cg_cost base_calls, new_calls;
   cg_cost delta_magnitude;      /* |new_ir - base_ir| */
   int     delta_negative;
} DiffRow;

/* Matches the items of VIEW by key; items whose cost is zero on both
 * sides are left out.  Sorted by |delta| (largest first), then by
 * key.  *N gets the count; free the result. */
DiffRow *match_diff_view(const ProfileSummary *base, const ProfileSummary *new_summary,
                   ReportView view, size_t *n);

/* new / base, or a negative number when base is 0. */
double match_cost_ratio(cg_cost base, cg_cost new_cost);

#endif /* REPORT_MATCH_H */
