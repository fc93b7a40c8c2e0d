/* pg_options.c: defaults and parsing of pyprofgrind's command-line options,
 * one "--name=value" argument at a time, plus the wildcard matching used by
 * --toggle-collect.  Kept free of Valgrind's option macros so that every
 * accepted and rejected spelling can be unit tested; the tool's option hook
 * only forwards arguments here and reports the messages produced.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_port.h"
#include "pg_options.h"

#define PG_DEFAULT_OUT_FILE "pyprofgrind.out.%p"

const HChar pg_options_usage[] =
   "    --pyprofgrind-out-file=<f>  output file name template; %p is the\n"
   "                                process id, %q{VAR} the value of an\n"
   "                                environment variable, %% a '%'\n"
   "                                [pyprofgrind.out.%p]\n"
   "    --dump-instr=no|yes         dump instruction addresses of costs [no]\n"
   "    --instr-atstart=no|yes      instrument code from the start [yes]\n"
   "    --collect-atstart=no|yes    collect costs from the start [yes]\n"
   "    --separate-threads=no|yes   one profile file per thread [no]\n"
   "    --skip-plt=no|yes           ignore calls to/from PLT sections [yes]\n"
   "    --compress-strings=no|yes   compress file and function names [yes]\n"
   "    --compress-pos=no|yes       compress positions of cost lines [yes]\n"
   "    --inclusive=outermost|every  outermost: a call's cost is added to its\n"
   "                                arc only by the callee's outermost\n"
   "                                activation, so no inclusive cost exceeds\n"
   "                                the total; every: by every call, as\n"
   "                                Callgrind does (a function's calls in\n"
   "                                equal its self cost plus its calls out,\n"
   "                                which gprof2dot requires) [outermost]\n"
   "    --python=no|yes             attribute costs to Python frames too [yes]\n"
   "    --python-view=mixed|python  mixed: C and Python functions in one call\n"
   "                                graph; python: Python functions only, C\n"
   "                                cost charged to the Python line [mixed]\n"
   "    --python-calls=direct|full  direct: in the mixed view a call into a\n"
   "                                Python function is one arc from its\n"
   "                                caller, the interpreter's C functions\n"
   "                                that only pass calls on (PyObject_Call,\n"
   "                                the eval function's entry...) folded into\n"
   "                                it; full: they are nodes too [direct]\n"
   "    --python-opcodes=no|yes|base  a node per executed bytecode instruction\n"
   "                                between a Python function and the C work\n"
   "                                it does; base folds specialised forms into\n"
   "                                their base instruction [no]\n"
   "    --folded-stacks=no|yes      also write OUT.folded: the exact cost of\n"
   "                                every calling context, as folded stacks\n"
   "                                for flame graphs [no]\n"
   "    --folded-max-contexts=<n>   keep at most <n> distinct stacks; deeper\n"
   "                                frames of new ones are folded into their\n"
   "                                deepest kept frame [1000000]\n"
   "    --toggle-collect=<pattern>  toggle collection on entry/exit of the\n"
   "                                functions matching <pattern> ('*' and '?'\n"
   "                                wildcards); implies --collect-atstart=no;\n"
   "                                may be given up to 32 times [none]\n"
   "    --dispatch-handlers=<pattern>  the functions matching <pattern> are\n"
   "                                the instruction handlers of a tail-calling\n"
   "                                interpreter: one node per object, jumps\n"
   "                                between them are no calls; may be given\n"
   "                                up to 32 times [none]\n"
   "\n"
   "  Report bugs in pyprofgrind to the pyprofgrind issue tracker\n"
   "  (README.md, \"Reporting bugs\"), not to Valgrind's site below.\n";

const HChar pg_options_debug_usage[] =
   "    --debug-resync=no|yes       print the shadow call stack (on stderr)\n"
   "                                each time the Python frame walker brings\n"
   "                                it in line with the interpreter's frames,\n"
   "                                before and after [no]\n";

void pg_options_set_defaults(PgOptions *opts)
{
   pg_memset(opts, 0, sizeof *opts);
   opts->out_file         = PG_DEFAULT_OUT_FILE;
   opts->dump_instr       = False;
   opts->instr_atstart    = True;
   opts->collect_atstart  = True;
   opts->separate_threads = False;
   opts->skip_plt         = True;
   opts->compress_names   = True;
   opts->compress_pos     = True;
   opts->python           = True;
   opts->python_view      = False;
   opts->python_calls_full = False;
   opts->inclusive_every  = False;
   opts->n_toggle_collect = 0;
   opts->folded_stacks    = False;
   opts->folded_max_contexts = PG_DEFAULT_FOLDED_MAX_CONTEXTS;
}

/* If ARG is exactly OPTION_NAME or OPTION_NAME followed by '=', returns
 * True and sets *VALUE to what follows the '=' (NULL when there is none).
 * Comparing the whole name keeps "--dump-instrs=yes" from being taken for
 * --dump-instr. */
static Bool match_option(const HChar *arg, const HChar *option_name,
                         const HChar **value)
{
   SizeT name_len = pg_strlen(option_name);

   if (pg_strncmp(arg, option_name, name_len) != 0)
      return False;
   if (arg[name_len] == '\0') {
      *value = NULL;
      return True;
   }
   if (arg[name_len] == '=') {
      *value = arg + name_len + 1;
      return True;
   }
   return False;
}

/* An option whose value is one of two words, setting a Bool: yes/no, and
 * the options that name their two modes (--python-view=mixed|python). */
typedef struct {
   const HChar *name;
   const HChar *first, *second;   /* in the order the error message lists them */
   Bool         first_sets;       /* what FIRST stores; SECOND stores the other */
   Bool        *field;
} TwoWordOption;

static PgOptResult parse_two_words(const TwoWordOption *option, const HChar *value,
                                   HChar *err, SizeT err_len)
{
   if (value != NULL && pg_strcmp(value, option->first) == 0) {
      *option->field = option->first_sets;
      return PG_OPT_OK;
   }
   if (value != NULL && pg_strcmp(value, option->second) == 0) {
      *option->field = !option->first_sets;
      return PG_OPT_OK;
   }
   if (err && err_len)
      pg_snprintf(err, err_len, "%s: invalid value '%s' (expected %s or %s)",
                  option->name, value ? value : "", option->first, option->second);
   return PG_OPT_BAD_VALUE;
}

PgOptResult pg_options_parse(PgOptions *opts, const HChar *arg,
                             HChar *err, SizeT err_len)
{
   const HChar *value;
   UInt i;
   const TwoWordOption two_word_options[] = {
      { "--dump-instr",       "yes", "no", True, &opts->dump_instr },
      { "--instr-atstart",    "yes", "no", True, &opts->instr_atstart },
      { "--collect-atstart",  "yes", "no", True, &opts->collect_atstart },
      { "--separate-threads", "yes", "no", True, &opts->separate_threads },
      { "--skip-plt",         "yes", "no", True, &opts->skip_plt },
      { "--compress-strings", "yes", "no", True, &opts->compress_names },
      { "--compress-pos",     "yes", "no", True, &opts->compress_pos },
      { "--python",           "yes", "no", True, &opts->python },
      { "--debug-resync",     "yes", "no", True, &opts->debug_resync },
      { "--folded-stacks",    "yes", "no", True, &opts->folded_stacks },
      { "--python-view",      "mixed", "python", False, &opts->python_view },
      { "--python-calls",     "direct", "full", False, &opts->python_calls_full },
      { "--inclusive",        "outermost", "every", False, &opts->inclusive_every },
   };

   if (err && err_len)
      err[0] = '\0';

   for (i = 0; i < sizeof two_word_options / sizeof two_word_options[0]; i++) {
      if (match_option(arg, two_word_options[i].name, &value))
         return parse_two_words(&two_word_options[i], value, err, err_len);
   }

   if (match_option(arg, "--pyprofgrind-out-file", &value)) {
      if (value == NULL || value[0] == '\0') {
         if (err && err_len)
            pg_snprintf(err, err_len,
                        "--pyprofgrind-out-file: expected a file name "
                        "template (with optional %%p, %%q{VAR}, %%%%), "
                        "got an empty value");
         return PG_OPT_BAD_VALUE;
      }
      opts->out_file = value;
      return PG_OPT_OK;
   }

   if (match_option(arg, "--folded-max-contexts", &value)) {
      const HChar *p = value;
      ULong n = 0;
      if (p != NULL && *p != '\0') {
         for (; *p >= '0' && *p <= '9' && n <= PG_FOLDED_MAX_CONTEXTS_LIMIT; p++)
            n = n * 10 + (ULong)(*p - '0');
      }
      if (value == NULL || *value == '\0' || *p != '\0' || n == 0
          || n > PG_FOLDED_MAX_CONTEXTS_LIMIT) {
         if (err && err_len)
            pg_snprintf(err, err_len, "--folded-max-contexts: invalid value '%s' "
                        "(expected a number from 1 to %u)", value ? value : "",
                        PG_FOLDED_MAX_CONTEXTS_LIMIT);
         return PG_OPT_BAD_VALUE;
      }
      opts->folded_max_contexts = (UInt)n;
      return PG_OPT_OK;
   }

   if (match_option(arg, "--python-opcodes", &value)) {
      static const HChar *const modes[] = { "no", "yes", "base" };
      UInt m;
      for (m = 0; m < 3; m++)
         if (value != NULL && pg_strcmp(value, modes[m]) == 0) {
            opts->python_opcodes = m;
            return PG_OPT_OK;
         }
      if (err && err_len)
         pg_snprintf(err, err_len, "--python-opcodes: invalid value '%s' "
                     "(expected no, yes or base)", value ? value : "");
      return PG_OPT_BAD_VALUE;
   }

   if (match_option(arg, "--toggle-collect", &value)) {
      if (value == NULL || value[0] == '\0') {
         if (err && err_len)
            pg_snprintf(err, err_len,
                        "--toggle-collect: expected a function name pattern "
                        "('*' and '?' wildcards), got an empty value");
         return PG_OPT_BAD_VALUE;
      }
      if (opts->n_toggle_collect >= PG_MAX_TOGGLE_PATTERNS) {
         if (err && err_len)
            pg_snprintf(err, err_len,
                        "--toggle-collect: too many patterns (at most %d "
                        "may be given)", PG_MAX_TOGGLE_PATTERNS);
         return PG_OPT_BAD_VALUE;
      }
      opts->toggle_collect[opts->n_toggle_collect++] = value;
      /* As in Callgrind, a toggle implies not collecting at start, unless a
       * later --collect-atstart says otherwise: options apply in order. */
      opts->collect_atstart = False;
      return PG_OPT_OK;
   }

   if (match_option(arg, "--dispatch-handlers", &value)) {
      if (value == NULL || value[0] == '\0') {
         if (err && err_len)
            pg_snprintf(err, err_len,
                        "--dispatch-handlers: expected a function name "
                        "pattern ('*' and '?' wildcards), got an empty value");
         return PG_OPT_BAD_VALUE;
      }
      if (opts->n_dispatch_handlers >= PG_MAX_TOGGLE_PATTERNS) {
         if (err && err_len)
            pg_snprintf(err, err_len,
                        "--dispatch-handlers: too many patterns (at most %d "
                        "may be given)", PG_MAX_TOGGLE_PATTERNS);
         return PG_OPT_BAD_VALUE;
      }
      opts->dispatch_handlers[opts->n_dispatch_handlers++] = value;
      return PG_OPT_OK;
   }

   return PG_OPT_UNKNOWN;
}

Bool pg_options_glob_match(const HChar *pattern, const HChar *name)
{
   /* Where to resume after the most recent '*' if the text after it fails
    * to match: that '*' then swallows one more character.  Going back to
    * the latest '*' only is enough, since an earlier one can never match
    * anything a later one cannot. */
   const HChar *star_pattern = NULL;
   const HChar *star_name = NULL;

   while (*name != '\0') {
      if (*pattern == '*') {
         star_pattern = ++pattern;
         star_name = name;
      } else if (*pattern == '?' || *pattern == *name) {
         pattern++;
         name++;
      } else if (star_pattern != NULL) {
         pattern = star_pattern;
         name = ++star_name;
      } else {
         return False;
      }
   }
   while (*pattern == '*')
      pattern++;
   return *pattern == '\0';
}
