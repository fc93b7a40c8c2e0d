/* cgparse.h: a reader of the callgrind profile format (version 1) for
 * pyprofgrind-report.  It reads a whole file into a CgProfile: one record
 * per function (object, file, name) with its self cost, the self cost of
 * every (function, source file, line), and every call arc with its call
 * site, call count and inclusive cost.  Only the Ir event is kept.
 *
 * It follows the "Callgrind Format Specification" and what Callgrind and
 * pyprofgrind write: name compression "(id) name" / "(id)" with one id
 * space for objects (ob, cob), one for files (fl, fi, fe, cfi, cfl, jfi)
 * and one for functions (fn, cfn, jfn); "positions: line", "instr line"
 * (and "bb"); relative subpositions "+N", "-N", "*"; a "calls=" line
 * followed by exactly one cost line (the call site and the call's
 * inclusive cost); "jump="/"jcnd=" lines followed by a position line;
 * "summary:" and "totals:" (several parts add up).
 *
 * Of the comment lines, which every callgrind reader skips, it reads
 * those in which pyprofgrind gives the family of each instruction of an
 * interpreter (opfold.h), wherever they are (pyprofgrind writes them
 * before "events:"):
 *   # pyprofgrind opcode-family [Python 3.12 opcodes] LOAD_ATTR_SLOT LOAD_ATTR
 * that is, the object the interpreter's opcode nodes are written under
 * (in brackets), the instruction and its family (itself for a base
 * instruction).  Such a line in any other form, or one giving an
 * instruction a second, different family, is an error.
 *
 * Costs and call counts, and every sum the parser makes of them, fit in
 * 64 bits, as Callgrind counts: a file whose sums would not is refused.
 *
 * Anything else is an error reported as "FILE:LINE: what is wrong", so a
 * truncated or garbled profile is refused rather than half-read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef REPORT_CGPARSE_H
#define REPORT_CGPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "keytable.h"
#include "opfold.h"

typedef unsigned long long cg_cost;

typedef struct {
   uint32_t object;      /* StringPool ids */
   uint32_t file;        /* the "fl=" file current when "fn=" named it */
   uint32_t name;        /* Callgrind context suffixes ("fib'2") folded */
   cg_cost  self_ir;
} CgFunction;

typedef struct {
   uint32_t function;
   uint32_t file;        /* the line's file ("fi="/"fe=" change it) */
   unsigned long long line;
   cg_cost  self_ir;
} CgLineCost;

typedef struct {
   uint32_t caller;      /* CgFunction indices */
   uint32_t callee;
   uint32_t site_file;
   unsigned long long site_line;
   cg_cost  calls;
   cg_cost  inclusive_ir;
} CgArc;

typedef struct {
   char        *path;          /* as given to the parser (for messages) */
   StringPool  *strings;
   CgFunction  *functions;
   size_t       n_functions;
   CgLineCost  *lines;
   size_t       n_lines;
   CgArc       *arcs;
   size_t       n_arcs;
   uint32_t     command;       /* "cmd:" value (KEYTABLE_ABSENT if none) */
   uint32_t     creator;       /* "creator:" value */
   /* Program total: "totals:" if the file has it, else "summary:", else
    * the sum of all self costs (Callgrind's "summary:" can be wrong after
    * CALLGRIND_ZERO_STATS; "totals:" is checked against the self costs). */
   cg_cost      total_ir;
   cg_cost      self_ir_sum;
   int          has_totals;
   int          has_summary;
   /* The families of the "# pyprofgrind opcode-family" lines; never NULL
    * (empty for a profile without them). */
   OpcodeFamilies *opcode_families;
} CgProfile;

/* Why a parse failed: the file, the line (0 when there is none, as for a
 * file that cannot be opened) and a one-line message. */
typedef struct {
   char               path[1024];
   unsigned long long line;
   char               message[512];
} CgError;

/* Formats ERR as "FILE:LINE: message" (or "FILE: message") into BUF. */
void cgparse_error_format(const CgError *err, char *buf, size_t size);

/* Parses the file at PATH.  Returns NULL and fills *ERR on failure. */
CgProfile *cgparse_file(const char *path, CgError *err);

/* Parses TEXT[0..LEN) as if it were the contents of a file named NAME. */
CgProfile *cgparse_text(const char *name, const char *text, size_t len,
                         CgError *err);

void cgparse_profile_free(CgProfile *profile);

/* The name with Callgrind's context suffixes removed: everything from the
 * first "'" on ("fib'2" -> "fib", "f'g'h" -> "f").  Returns a string of
 * length *LEN inside NAME. */
size_t cgparse_fold_context_length(const char *name, size_t len);

static inline const char *cgparse_str(const CgProfile *p, uint32_t id)
{
   return keytable_pool_get(p->strings, id);
}

#endif /* REPORT_CGPARSE_H */
