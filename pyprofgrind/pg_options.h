/* pg_options.h: the tool's command-line options, their defaults and the
 * parser for one "--name=value" argument.  Pure logic, unit tested through
 * pg_port.h; pg_main.c feeds it Valgrind's tool options and reports
 * PG_OPT_BAD_VALUE with the message it returns.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_OPTIONS_H
#define PG_OPTIONS_H

#include "pg_port.h"

#define PG_MAX_TOGGLE_PATTERNS 32
#define PG_DEFAULT_FOLDED_MAX_CONTEXTS 1000000
/* The most --folded-max-contexts accepts (pg_context.h's PG_CTX_MAX). */
#define PG_FOLDED_MAX_CONTEXTS_LIMIT 2000000000u

typedef struct {
   const HChar *out_file;        /* --pyprofgrind-out-file, default "pyprofgrind.out.%p" */
   Bool   dump_instr;            /* --dump-instr=no|yes, default no */
   Bool   instr_atstart;         /* --instr-atstart=yes|no, default yes */
   Bool   collect_atstart;       /* --collect-atstart=yes|no, default yes */
   Bool   separate_threads;      /* --separate-threads=no|yes, default no */
   Bool   skip_plt;              /* --skip-plt=yes|no, default yes (as Callgrind) */
   Bool   compress_names;        /* --compress-strings=yes|no, default yes */
   Bool   compress_pos;          /* --compress-pos=yes|no, default yes */
   Bool   python;                /* --python=yes|no, default yes */
   Bool   python_view;           /* --python-view=mixed|python: True for python */
   UInt   python_opcodes;        /* --python-opcodes=no|yes|base: 0, 1, 2 */
   Bool   inclusive_every;       /* --inclusive=outermost|every: True for
                                    every (each call adds its inclusive
                                    cost to its arc, as Callgrind does) */
   Bool   python_calls_full;     /* --python-calls=direct|full: True for
                                    full (every C function of the
                                    interpreter's call path is a node) */
   Bool   folded_stacks;         /* --folded-stacks=no|yes, default no: also
                                    write OUT.folded, the cost of every
                                    calling context (folded stacks) */
   UInt   folded_max_contexts;   /* --folded-max-contexts=<n>, default
                                    PG_DEFAULT_FOLDED_MAX_CONTEXTS */
   Bool   debug_resync;          /* --debug-resync=no|yes, default no: print
                                    the shadow stack when the Python walker
                                    brings it in line with the interpreter */
   /* --toggle-collect=PATTERN, may be given several times; '*' and '?'
    * wildcards match a function name. */
   const HChar *toggle_collect[PG_MAX_TOGGLE_PATTERNS];
   UInt   n_toggle_collect;
   /* --dispatch-handlers=PATTERN, may be given several times: the
    * functions matching PATTERN are the instruction handlers of one
    * tail-calling interpreter loop (one static function per instruction,
    * each jumping to the next): in each object they make one node, and a
    * jump from one to another is a dispatch inside it, not a call. */
   const HChar *dispatch_handlers[PG_MAX_TOGGLE_PATTERNS];
   UInt   n_dispatch_handlers;
} PgOptions;

typedef enum {
   PG_OPT_OK,          /* recognised and stored */
   PG_OPT_UNKNOWN,     /* not one of ours: the caller reports it */
   PG_OPT_BAD_VALUE    /* ours, but the value is invalid: ERR says why */
} PgOptResult;

void pg_options_set_defaults(PgOptions *opts);

/* Parses one argument such as "--dump-instr=yes".  String values point
 * into ARG, which must outlive OPTS (Valgrind's argv does). */
PgOptResult pg_options_parse(PgOptions *opts, const HChar *arg,
                             HChar *err, SizeT err_len);

/* Shell-style match of NAME against PATTERN with '*' (any run) and '?'
 * (any one character). */
Bool pg_options_glob_match(const HChar *pattern, const HChar *name);

/* The usage texts of the options, for --help and --help-debug.  They
 * contain literal '%' characters: print them with "%s", never as a
 * format. */
extern const HChar pg_options_usage[];
extern const HChar pg_options_debug_usage[];

/* Where bug reports go: the project's tracker (README.md, "Reporting
 * bugs"), for the help text and Valgrind's crash message. */
#define PG_BUG_REPORTS_TO "the pyprofgrind issue tracker (README.md, \"Reporting bugs\")"

#endif /* PG_OPTIONS_H */
