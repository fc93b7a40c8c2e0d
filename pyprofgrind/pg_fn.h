/* pg_fn.h: function nodes, the vertices of the call graph.  A node is a C
 * function (object, file, name as Valgrind's debug info gives them), and
 * later a Python function (code object) or an <unknown> frame; every node
 * kind shares this one table, so the call stack, the arcs and the dump treat
 * them alike.  Also classifies code addresses (which node, which object and
 * section, whether the address is a function entry) with a cache, because
 * the call/return helpers ask for it on every transfer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_FN_H
#define PG_FN_H

#include "pg_port.h"
#include "pub_tool_debuginfo.h"

typedef enum {
   PG_NODE_C,        /* machine code, named from debug info */
   PG_NODE_PYTHON,   /* a Python code object */
   PG_NODE_UNKNOWN,  /* a frame that could not be read */
   PG_NODE_OPCODE    /* a bytecode instruction kind of an interpreter,
                        positioned at the eval loop's C lines */
} PgNodeKind;

typedef struct PgNode {
   UInt          id;            /* dense, from 0: indexes per-node arrays */
   PgNodeKind    kind;
   UInt          discriminator;
   const HChar  *obj;           /* ob=: object file (or "python") */
   const HChar  *file;          /* fl=: source file, "???" if unknown */
   const HChar  *name;          /* fn= */
   Bool          skip;          /* PLT stub, JIT trace: its cost and calls
                                   belong to its caller */
   Bool          jit_code;      /* code a CPython eval loop called that has
                                   no symbol: a JIT trace (skip is set) */
   Bool          pop_on_jump;   /* dynamic-linker trampoline: leaves by jumping */
   Bool          toggles_collect; /* matches a --toggle-collect pattern */
   struct PgPyInterp *eval_of;  /* a CPython eval function of this interpreter */
   Bool          call_machinery; /* interpreter code that only passes a call
                                   on (--python-calls=direct): its cost and
                                   calls belong to its caller, like a PLT
                                   stub's */
   Bool          eval_piece;    /* a part GCC split off it (".cold"): its
                                   code is the same eval loop, entering it
                                   is no new eval call */
   struct PgPyCode   *py;       /* PG_NODE_PYTHON: its code object's lines */
   const HChar  *opcode_family; /* PG_NODE_OPCODE: the (interned) name of its
                                   base instruction, for specialised forms too */
   Bool          dispatch_group; /* the instruction handlers of a tail-calling
                                   interpreter (--dispatch-handlers): one
                                   node for all of them, a jump from one
                                   to another is a dispatch, not a call */
   Bool          py_checked;    /* asked whether it is an eval function */
   Bool          shared_body;   /* other functions jump into its body (e.g.
                                   mempcpy into memcpy): its cost belongs to
                                   the frame on top, not to its address */
   /* Positions 0, 1 << dense_shift, ... below dense_sites << dense_shift
    * (a Python node's bytecode offsets) are few and small: their dynamic
    * costs are kept in an array, not a hash table (pg_profile_charge). */
   UInt          dense_sites;
   UChar         dense_shift;
   struct PgNode *hash_next;
} PgNode;

/* What the helpers need to know about a code address. */
typedef struct {
   PgNode     *node;       /* node->obj names the containing object */
   VgSectKind  sect;
   Bool        is_entry;   /* first instruction of a function */
   Bool        has_symbol; /* else the node is named by the address */
} PgCodeInfo;

/* Called once for each new C node of a function with a symbol, with the
 * load bias of its object: lets the Python walker mark eval functions
 * without this module knowing about Python. */
typedef void (*PgNewFunctionHook)(PgNode *node, PtrdiffT bias);

void    pg_fn_init(Bool skip_plt_stubs, PgNewFunctionHook on_new_function);

/* Interns a node; strings are copied on first sight.  DISCRIMINATOR tells
 * apart nodes of equal names (a Python code object's first line). */
PgNode *pg_fn_node(PgNodeKind kind, const HChar *obj, const HChar *file,
                   const HChar *name);
PgNode *pg_fn_node_d(PgNodeKind kind, const HChar *obj, const HChar *file,
                     const HChar *name, UInt discriminator, Bool *is_new);

/* Classification of a code address, cached.  Never NULL. */
const PgCodeInfo *pg_fn_code_info(Addr a);

/* Forgets cached classifications in [a, a+len) (code unmapped). */
void    pg_fn_forget_range(Addr a, SizeT len);

/* A copy of S that lives as long as the tool; equal strings give the same
 * pointer, so interned names and files compare by address. */
const HChar *pg_fn_intern(const HChar *s);

/* The interned path of a source file as debug info gives it (FILE,
 * relative to DIR unless absolute). */
const HChar *pg_fn_source_path(const HChar *dir, const HChar *file);

UInt    pg_fn_count(void);
PgNode *pg_fn_by_id(UInt id);

/* Marks nodes whose name matches one of the patterns (--toggle-collect). */
void    pg_fn_set_toggle_patterns(const HChar *const *patterns, UInt n);

/* Functions whose names match one of PATTERNS ('*', '?') are the handlers
 * of a tail-calling interpreter: all those of one pattern in one object
 * are one node, named by the pattern, with dispatch_group set.  Must be
 * set before the first code address is classified. */
void    pg_fn_set_dispatch_patterns(const HChar *const *patterns, UInt n);

#endif /* PG_FN_H */
