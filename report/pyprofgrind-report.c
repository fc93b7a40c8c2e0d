/* pyprofgrind-report.c: the command line of pyprofgrind-report, a summary
 * of a callgrind-format profile for people who do not open KCacheGrind,
 * and a comparison of two profiles (for instance of two interpreter builds,
 * or before and after a change) for people and for CI.
 *
 *   pyprofgrind-report [--top N] [--fold-opcodes] [--json]
 *                      [--inspector PATH] FILE
 *   pyprofgrind-report --diff [--top N] [--fold-opcodes] [--json]
 *                      [--inspector PATH] BASE NEW
 *
 * Reading and matching live in cgparse.c and match.c; this file parses
 * arguments, prints, and finds the opcode families of a profile that does
 * not carry them (one made before pyprofgrind wrote them) by running
 * pyprofgrind-inspect on the interpreter the profile names.  Exit status:
 * 0 on success, 2 when a file cannot be read or is not a well-formed
 * profile, or the arguments are wrong; the message is one line,
 * "pyprofgrind-report: FILE:LINE: ...".  Families that cannot be found
 * are no error: the opcodes stay unfolded, the exit status 0, and one
 * stderr line per profile says so.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgparse.h"
#include "match.h"

#define PROGRAM "pyprofgrind-report"
#define DEFAULT_TOP 20

#define INSPECTOR_NAME "pyprofgrind-inspect"
/* Where `make install` puts the inspector: Makefile.am passes the
 * configured bin directory. */
#ifndef PG_BINDIR
#error "PG_BINDIR (the configured bin directory) is not defined"
#endif
/* The C function whose object is the interpreter to inspect: CPython
 * 3.11+, the versions that specialise, all run their bytecode in it. */
#define EVAL_FUNCTION "_PyEval_EvalFrameDefault"

/* Room for the largest cost with separators and a sign (27 characters). */
#define NUMBER_TEXT 48

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

typedef struct {
   int         diff;
   int         json;
   int         fold_opcodes;
   int         raw_names;      /* --diff: C functions by raw name and object */
   size_t      top;            /* 0: all rows */
   const char *inspector;      /* --inspector PATH, or NULL: look for it */
   const char *files[2];
   size_t      n_files;
} Options;

static void usage(FILE *out)
{
   fprintf(out,
      "usage: " PROGRAM " [--top N] [--fold-opcodes] [--json] [--inspector PATH]\n"
      "                          FILE\n"
      "       " PROGRAM " --diff [--top N] [--fold-opcodes] [--raw-names] [--json]\n"
      "                          [--inspector PATH] BASE NEW\n"
      "\n"
      "Summarises a callgrind-format profile written by pyprofgrind (or by\n"
      "Callgrind): program total, Python functions by inclusive and self\n"
      "cost, Python lines, opcodes (executions, Ir per execution) and C\n"
      "functions by self cost, in Ir.  --diff matches the Python functions,\n"
      "lines, opcodes and C functions of two profiles and lists the largest\n"
      "changes.  It matches C functions by source name: the interpreter's\n"
      "functions whether in libpythonX.Y or the pythonX.Y executable, and\n"
      "a function with the copies and pieces compilers make of it\n"
      "(f.constprop.0, f.isra.0, f.part.0, f.cold, f.lto_priv.0) as one.\n"
      "\n"
      "  --top N          rows per table (default %d; 0 for all)\n"
      "  --fold-opcodes   count specialised opcodes (LOAD_ATTR_SLOT...) as\n"
      "                   their base instruction (LOAD_ATTR), by the families\n"
      "                   the profile names (or, in a profile older than\n"
      "                   those lines, that " INSPECTOR_NAME " reads from its\n"
      "                   interpreter)\n"
      "  --raw-names      --diff: match C functions by their raw names and\n"
      "                   objects instead\n"
      "  --inspector PATH the " INSPECTOR_NAME " to run for such old profiles\n"
      "                   (default: the one installed with this program)\n"
      "  --json           print one JSON object instead of text\n"
      "  --help, --version\n"
      "\n"
      "Exit status: 0 done (also when opcode families cannot be found: then\n"
      "one stderr line says so and opcodes are not folded), 2 unreadable or\n"
      "malformed file, or bad usage.\n",
      DEFAULT_TOP);
}

static void usage_error(const char *message, const char *argument)
{
   fprintf(stderr, PROGRAM ": %s%s%s (try --help)\n", message,
           argument ? " " : "", argument ? argument : "");
   exit(2);
}

static size_t parse_top(const char *value)
{
   char *end;
   unsigned long long n;

   if (value[0] < '0' || value[0] > '9')
      usage_error("--top needs a number of rows, not", value);
   n = strtoull(value, &end, 10);
   if (*end != '\0' || n > 1000000000ull)
      usage_error("--top needs a number of rows, not", value);
   return (size_t)n;
}

static void parse_arguments(int argc, char **argv, Options *options)
{
   int i, only_files = 0;

   memset(options, 0, sizeof *options);
   options->top = DEFAULT_TOP;
   for (i = 1; i < argc; i++) {
      const char *arg = argv[i];

      if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
         if (options->n_files == 2)
            usage_error("too many files:", arg);
         options->files[options->n_files++] = arg;
      } else if (strcmp(arg, "--") == 0) {
         only_files = 1;
      } else if (strcmp(arg, "--diff") == 0) {
         options->diff = 1;
      } else if (strcmp(arg, "--json") == 0) {
         options->json = 1;
      } else if (strcmp(arg, "--fold-opcodes") == 0) {
         options->fold_opcodes = 1;
      } else if (strcmp(arg, "--raw-names") == 0) {
         options->raw_names = 1;
      } else if (strcmp(arg, "--top") == 0) {
         if (i + 1 >= argc)
            usage_error("--top needs a number of rows", NULL);
         options->top = parse_top(argv[++i]);
      } else if (strncmp(arg, "--top=", 6) == 0) {
         options->top = parse_top(arg + 6);
      } else if (strcmp(arg, "--inspector") == 0) {
         if (i + 1 >= argc || argv[i + 1][0] == '\0')
            usage_error("--inspector needs the path of " INSPECTOR_NAME, NULL);
         options->inspector = argv[++i];
      } else if (strncmp(arg, "--inspector=", 12) == 0) {
         if (arg[12] == '\0')
            usage_error("--inspector needs the path of " INSPECTOR_NAME, NULL);
         options->inspector = arg + 12;
      } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
         usage(stdout);
         exit(0);
      } else if (strcmp(arg, "--version") == 0) {
         printf(PROGRAM " " PACKAGE_VERSION "\n");
         exit(0);
      } else {
         usage_error("unknown option", arg);
      }
   }
   if (options->raw_names && !options->diff)
      usage_error("--raw-names goes with --diff", NULL);
   if (options->diff && options->n_files != 2)
      usage_error("--diff needs two files, BASE and NEW", NULL);
   if (!options->diff && options->n_files != 1)
      usage_error(options->n_files ? "one file only (or --diff BASE NEW)"
                                   : "no profile given", NULL);
}

static CgProfile *load(const char *path)
{
   CgError err;
   CgProfile *profile = cgparse_file(path, &err);
   char message[2048];

   if (profile == NULL) {
      cgparse_error_format(&err, message, sizeof message);
      fprintf(stderr, PROGRAM ": %s\n", message);
      exit(2);
   }
   return profile;
}

/*------------------------------------------------------------*/
/*--- Opcode families of profiles without family lines     ---*/
/*------------------------------------------------------------*/

static int is_executable_file(const char *path)
{
   struct stat st;

   return stat(path, &st) == 0 && S_ISREG(st.st_mode)
          && access(path, X_OK) == 0;
}

/* The inspector to run: --inspector's, else the one next to this
 * program (installed in the same bin directory, or in the build tree's
 * inspect/ beside report/), else the configured bin directory's.  Returns
 * 0 with a reason in WHY when there is none. */
static int find_inspector(const Options *options, char *path, size_t size,
                          char *why, size_t why_size)
{
   char self[PATH_MAX];
   ssize_t len;

   if (options->inspector != NULL) {
      snprintf(path, size, "%s", options->inspector);
      if (is_executable_file(path))
         return 1;
      snprintf(why, why_size, "--inspector %.200s is not an executable file",
               options->inspector);
      return 0;
   }
   len = readlink("/proc/self/exe", self, sizeof self - 1);
   if (len > 0) {
      char *slash;

      self[len] = '\0';
      slash = strrchr(self, '/');
      if (slash != NULL) {
         *slash = '\0';
         snprintf(path, size, "%s/" INSPECTOR_NAME, self);
         if (is_executable_file(path))
            return 1;
         snprintf(path, size, "%s/../inspect/" INSPECTOR_NAME, self);
         if (is_executable_file(path))
            return 1;
      }
   }
   snprintf(path, size, "%s/" INSPECTOR_NAME, PG_BINDIR);
   if (is_executable_file(path))
      return 1;
   snprintf(why, why_size, "no " INSPECTOR_NAME " next to " PROGRAM " or in "
            "%s; name one with --inspector", PG_BINDIR);
   return 0;
}

/* Reads all of FD into a growing buffer (NUL-terminated); *LEN gets the
 * length without the NUL. */
static char *read_all(int fd, size_t *len)
{
   size_t capacity = 0, used = 0;
   char *buffer = NULL;

   for (;;) {
      ssize_t n;

      keytable_grow_array((void **)&buffer, &capacity, used + 4096 + 1, 1);
      n = read(fd, buffer + used, capacity - used - 1);
      if (n < 0 && errno == EINTR)
         continue;
      if (n <= 0)
         break;
      used += (size_t)n;
   }
   buffer[used] = '\0';
   *len = used;
   return buffer;
}

/* Runs `INSPECTOR --layout -- OBJECT` and returns what it printed (free
 * it), or NULL with a one-line reason in WHY. */
static char *run_inspector(const char *inspector, const char *object,
                           size_t *len, char *why, size_t why_size)
{
   int out[2], err[2], status;
   pid_t child;
   char *text, *messages;
   size_t messages_len;

   if (pipe(out) != 0)
      goto no_process;
   if (pipe(err) != 0) {
      close(out[0]);
      close(out[1]);
      goto no_process;
   }
   child = fork();
   if (child < 0) {
      close(out[0]);
      close(out[1]);
      close(err[0]);
      close(err[1]);
      goto no_process;
   }
   if (child == 0) {
      char *argv[5];

      argv[0] = (char *)inspector;
      argv[1] = (char *)"--layout";
      argv[2] = (char *)"--";
      argv[3] = (char *)object;
      argv[4] = NULL;
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      close(out[0]);
      close(out[1]);
      close(err[0]);
      close(err[1]);
      execv(inspector, argv);
      fprintf(stderr, "cannot run %s: %s\n", inspector, strerror(errno));
      _exit(127);
   }
   close(out[1]);
   close(err[1]);
   /* The inspector's messages are a line or two, well within a pipe's
    * buffer, so reading its layout first cannot block it. */
   text = read_all(out[0], len);
   messages = read_all(err[0], &messages_len);
   close(out[0]);
   close(err[0]);
   while (waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) {
         status = -1;
         break;
      }
   }
   if (status != 0) {
      char *newline = strchr(messages, '\n');

      if (newline != NULL)
         *newline = '\0';
      if (messages[0] != '\0')
         snprintf(why, why_size, "%.300s", messages);
      else if (status > 0 && WIFEXITED(status))
         snprintf(why, why_size, "%.200s exited with status %d", inspector,
                  WEXITSTATUS(status));
      else
         snprintf(why, why_size, "%.200s did not finish", inspector);
      free(text);
      free(messages);
      return NULL;
   }
   free(messages);
   return text;
no_process:
   snprintf(why, why_size, "cannot start %.200s: %s", inspector,
            strerror(errno));
   return NULL;
}

/* Does the opcode node object OBJECT need families this profile lacks?
 * Interpreters before 3.11 do not specialise: theirs fold into nothing. */
static int lacks_families(const CgProfile *profile, const char *object)
{
   unsigned major, minor;

   if (opfold_knows_object(profile->opcode_families, object))
      return 0;
   if (match_python_version_of_object(object, &major, &minor)
       && (major < 3 || (major == 3 && minor < 11)))
      return 0;
   return 1;
}

/* Adds to PROFILE the families of its opcode nodes that it does not
 * carry itself, from the inspector run on the object of each of its eval
 * functions; says in one stderr line when some cannot be found. */
static void complete_opcode_families(CgProfile *profile, const Options *options)
{
   const char *lacking = NULL, *failed_object = NULL;
   char inspector[PATH_MAX + 64], why[512], first_why[512];
   uint32_t *eval_objects;
   size_t n_eval_objects = 0, i, k;

   for (i = 0; i < profile->n_functions && lacking == NULL; i++) {
      const char *object = cgparse_str(profile, profile->functions[i].object);
      if (match_node_kind_of_object(object) == NODE_OPCODE
          && lacks_families(profile, object))
         lacking = object;
   }
   if (lacking == NULL)
      return;

   eval_objects = xcalloc(profile->n_functions, sizeof *eval_objects);
   for (i = 0; i < profile->n_functions; i++) {
      const CgFunction *f = &profile->functions[i];
      int seen = 0;

      if (strcmp(cgparse_str(profile, f->name), EVAL_FUNCTION) != 0
          || match_node_kind_of_object(cgparse_str(profile, f->object)) != NODE_C)
         continue;
      for (k = 0; k < n_eval_objects; k++)
         seen |= eval_objects[k] == f->object;
      if (!seen)
         eval_objects[n_eval_objects++] = f->object;
   }
   first_why[0] = '\0';
   if (n_eval_objects == 0) {
      /* Nothing to inspect (a hand-made profile, or --python-view=python,
       * which leaves out C frames). */
   } else if (!find_inspector(options, inspector, sizeof inspector,
                              first_why, sizeof first_why)) {
      failed_object = cgparse_str(profile, eval_objects[0]);
   } else {
      for (i = 0; i < n_eval_objects; i++) {
         const char *object = cgparse_str(profile, eval_objects[i]);
         char layout_object[64];
         size_t len;
         char *text = run_inspector(inspector, object, &len, why, sizeof why);

         if (text != NULL
             && !opfold_add_layout(profile->opcode_families, text, len,
                                   layout_object, sizeof layout_object,
                                   why, sizeof why)) {
            free(text);
            text = NULL;
         }
         if (text == NULL && failed_object == NULL) {
            failed_object = object;
            snprintf(first_why, sizeof first_why, "%s", why);
         }
         free(text);
      }
   }
   /* Still lacking after every eval object was inspected? */
   for (i = 0, lacking = NULL; i < profile->n_functions && lacking == NULL; i++) {
      const char *object = cgparse_str(profile, profile->functions[i].object);
      if (match_node_kind_of_object(object) == NODE_OPCODE
          && lacks_families(profile, object))
         lacking = object;
   }
   if (lacking != NULL) {
      const char *consequence = options->fold_opcodes
                                ? "opcodes are not folded"
                                : "opcode families are not shown";

      if (n_eval_objects == 0)
         fprintf(stderr, PROGRAM ": %s has no opcode families and names no "
                 "interpreter to inspect (no " EVAL_FUNCTION " node): %s\n",
                 profile->path, consequence);
      else if (failed_object != NULL)
         fprintf(stderr, PROGRAM ": %s has no opcode families and its "
                 "interpreter %s cannot be inspected (%s): %s\n",
                 profile->path, failed_object, first_why, consequence);
      else
         fprintf(stderr, PROGRAM ": %s has no opcode families and none of "
                 "the interpreters it names runs the opcodes of %s: %s\n",
                 profile->path, lacking, consequence);
   }
   free(eval_objects);
}

/*------------------------------------------------------------*/
/*--- Text output                                          ---*/
/*------------------------------------------------------------*/

/* "1234567" -> "1,234,567"; BUF must hold NUMBER_TEXT bytes. */
static const char *thousands(cg_cost value, char *buf, int negative)
{
   char digits[NUMBER_TEXT];
   int n = snprintf(digits, sizeof digits, "%llu", value);
   int out = 0, i;

   if (negative && value != 0)
      buf[out++] = '-';
   else if (negative)
      buf[out++] = ' ';
   for (i = 0; i < n; i++) {
      if (i > 0 && (n - i) % 3 == 0)
         buf[out++] = ',';
      buf[out++] = digits[i];
   }
   buf[out] = '\0';
   return buf;
}

/* Signed delta with an explicit sign: "+1,234", "-56", "0". */
static const char *signed_thousands(cg_cost magnitude, int negative,
                                    char *buf)
{
   char digits[NUMBER_TEXT];

   thousands(magnitude, digits, 0);
   snprintf(buf, NUMBER_TEXT, "%.30s%.30s", magnitude == 0 ? "" : negative ? "-" : "+",
            digits);
   return buf;
}

/* Names come from the file: keep control characters off the terminal. */
static void print_clean(const char *text)
{
   for (; *text; text++)
      putchar((unsigned char)*text < 0x20 || *text == 0x7f ? '?' : *text);
}

static double percent_of(cg_cost part, cg_cost total)
{
   return total ? 100.0 * (double)part / (double)total : 0.0;
}

static const char *none_message(ReportView view)
{
   switch (view) {
   case VIEW_PY_INCLUSIVE:
   case VIEW_PY_SELF:
   case VIEW_PY_LINES:
      return "none: no Python function nodes in this profile";
   case VIEW_OPCODES:
      return "none: no opcode nodes (pyprofgrind writes them with "
             "--python-opcodes=yes)";
   default:
      return "none";
   }
}

static void print_item_label(ReportView view, const ReportItem *item)
{
   switch (view) {
   case VIEW_PY_INCLUSIVE:
   case VIEW_PY_SELF:
      print_clean(item->name);
      printf("  (");
      print_clean(item->where);
      printf(")");
      break;
   case VIEW_OPCODES:
      print_clean(item->name);
      if (item->where[0]) {
         printf("  (");
         print_clean(item->where);
         printf(")");
      }
      break;
   case VIEW_C_SELF:
      print_clean(item->name);
      printf(" [");
      print_clean(item->where);
      printf("]");
      break;
   default:
      print_clean(item->name);
      break;
   }
}

static void print_summary_view(const ProfileSummary *summary, ReportView view,
                               size_t top)
{
   const ItemList *items = &summary->lists[match_view_list(view)];
   size_t n, shown, i;
   size_t *order = match_rank_view(summary, view, &n);
   char a[NUMBER_TEXT], b[NUMBER_TEXT], c[NUMBER_TEXT];

   shown = (top == 0 || top > n) ? n : top;
   printf("\n%s", match_view_title(view));
   if (n == 0) {
      printf(": %s\n", none_message(view));
      free(order);
      return;
   }
   printf(" (top %zu of %zu)\n", shown, n);
   switch (view) {
   case VIEW_PY_INCLUSIVE:
      printf("%15s %7s %15s %12s  %s\n", "inclusive Ir", "%", "self Ir",
             "calls", "function  (file)");
      break;
   case VIEW_PY_SELF:
      printf("%15s %7s %15s %12s  %s\n", "self Ir", "%", "inclusive Ir",
             "calls", "function  (file)");
      break;
   case VIEW_PY_LINES:
      printf("%15s %7s %15s  %s\n", "Ir", "%", "self Ir", "file:line");
      break;
   case VIEW_OPCODES:
      printf("%15s %7s %14s %10s %15s  %s\n", "self Ir", "%",
             "executions", "Ir/exec", "inclusive Ir", "opcode  (family)");
      break;
   default:
      printf("%15s %7s %15s %12s  %s\n", "self Ir", "%", "inclusive Ir",
             "calls", "function [object]");
      break;
   }
   for (i = 0; i < shown; i++) {
      const ReportItem *item = &items->items[order[i]];
      cg_cost metric = match_view_metric(view, item);

      switch (view) {
      case VIEW_PY_INCLUSIVE:
         printf("%15s %6.2f%% %15s %12s  ", thousands(metric, a, 0),
                percent_of(metric, summary->total_ir),
                thousands(item->self_ir, b, 0), thousands(item->calls, c, 0));
         break;
      case VIEW_PY_SELF:
      case VIEW_C_SELF:
         printf("%15s %6.2f%% %15s %12s  ", thousands(metric, a, 0),
                percent_of(metric, summary->total_ir),
                thousands(item->inclusive_ir, b, 0),
                thousands(item->calls, c, 0));
         break;
      case VIEW_PY_LINES:
         printf("%15s %6.2f%% %15s  ", thousands(metric, a, 0),
                percent_of(metric, summary->total_ir),
                thousands(item->self_ir, b, 0));
         break;
      case VIEW_OPCODES:
         printf("%15s %6.2f%% %14s ", thousands(metric, a, 0),
                percent_of(metric, summary->total_ir),
                thousands(item->calls, b, 0));
         if (item->calls)
            printf("%10.1f ", (double)metric / (double)item->calls);
         else
            printf("%10s ", "-");
         printf("%15s  ", thousands(item->inclusive_ir, c, 0));
         break;
      default:
         break;
      }
      print_item_label(view, item);
      putchar('\n');
   }
   free(order);
}

static void print_summary_text(const CgProfile *profile,
                               const ProfileSummary *summary,
                               const Options *options)
{
   char total[NUMBER_TEXT];
   ReportView view;

   printf("Profile: ");
   print_clean(profile->path);
   putchar('\n');
   if (profile->command != KEYTABLE_ABSENT) {
      printf("Command: ");
      print_clean(cgparse_str(profile, profile->command));
      putchar('\n');
   }
   printf("Program total: %s Ir\n", thousands(summary->total_ir, total, 0));
   if (summary->lists[LIST_PY_FUNCTIONS].n == 0)
      printf("No Python function nodes: C functions only.\n");
   for (view = 0; view < N_VIEWS; view++) {
      /* A plain C profile: only the C part means anything. */
      if (summary->lists[LIST_PY_FUNCTIONS].n == 0 && view != VIEW_C_SELF)
         continue;
      print_summary_view(summary, view, options->top);
   }
}

static void print_diff_view_text(const ProfileSummary *base,
                                 const ProfileSummary *new_summary,
                                 ReportView view, size_t top)
{
   size_t n, shown, i, only_base = 0, only_new = 0;
   DiffRow *rows = match_diff_view(base, new_summary, view, &n);
   int with_calls = view != VIEW_PY_LINES;
   char a[NUMBER_TEXT], b[NUMBER_TEXT], c[NUMBER_TEXT], d[NUMBER_TEXT],
        e[NUMBER_TEXT];

   for (i = 0; i < n; i++) {
      if (rows[i].base == NULL || rows[i].base_ir == 0)
         only_new++;
      else if (rows[i].new_item == NULL || rows[i].new_ir == 0)
         only_base++;
   }
   shown = (top == 0 || top > n) ? n : top;
   printf("\n%s", match_view_title(view));
   if (n == 0) {
      printf(": %s\n", none_message(view));
      free(rows);
      return;
   }
   printf(": %zu items, %zu only in base, %zu only in new (top %zu by "
          "|delta|)\n", n, only_base, only_new, shown);
   printf("%15s %15s %15s %8s", "base Ir", "new Ir", "delta", "ratio");
   if (with_calls)
      printf(" %25s", view == VIEW_OPCODES ? "executions base -> new"
                                            : "calls base -> new");
   printf("  %s\n", view == VIEW_PY_LINES ? "file:line"
                    : view == VIEW_OPCODES ? "opcode"
                    : view == VIEW_C_SELF ? "function [object]"
                    : "function  (file)");
   for (i = 0; i < shown; i++) {
      const DiffRow *row = &rows[i];
      const ReportItem *item = row->base ? row->base : row->new_item;
      char calls[2 * NUMBER_TEXT + 8];

      printf("%15s %15s %15s ", thousands(row->base_ir, a, 0),
             thousands(row->new_ir, b, 0),
             signed_thousands(row->delta_magnitude, row->delta_negative, c));
      if (row->base_ir == 0)
         printf("%8s", "new");
      else
         printf("%8.3f", match_cost_ratio(row->base_ir, row->new_ir));
      if (with_calls) {
         snprintf(calls, sizeof calls, "%s -> %s",
                  thousands(row->base_calls, d, 0),
                  thousands(row->new_calls, e, 0));
         printf(" %25s", calls);
      }
      printf("  ");
      if (view == VIEW_C_SELF) {
         /* Matched by normalised object name: show that, not one side's. */
         print_clean(item->name);
         printf(" [");
         print_clean(item->match_where);
         printf("]");
      } else {
         print_item_label(view, item);
      }
      putchar('\n');
   }
   free(rows);
}

static void print_source_name_folding(const char *side, const ProfileSummary *summary)
{
   printf("  %-4s %zu name(s) with compiler suffixes folded; interpreter: ", side,
          summary->n_suffix_folded);
   if (summary->interpreter_objects != NULL)
      print_clean(summary->interpreter_objects);
   else
      printf("none");
   putchar('\n');
}

static void print_diff_text(const CgProfile *base_profile,
                            const CgProfile *new_profile,
                            const ProfileSummary *base,
                            const ProfileSummary *new_summary,
                            const Options *options)
{
   char a[NUMBER_TEXT], b[NUMBER_TEXT], c[NUMBER_TEXT];
   cg_cost magnitude;
   int negative;
   ReportView view;

   printf("Base: ");
   print_clean(base_profile->path);
   if (base_profile->command != KEYTABLE_ABSENT) {
      printf("  (");
      print_clean(cgparse_str(base_profile, base_profile->command));
      printf(")");
   }
   printf("\nNew:  ");
   print_clean(new_profile->path);
   if (new_profile->command != KEYTABLE_ABSENT) {
      printf("  (");
      print_clean(cgparse_str(new_profile, new_profile->command));
      printf(")");
   }
   printf("\n\n%-15s %15s %15s %15s %8s\n", "", "base Ir", "new Ir", "delta",
          "ratio");
   negative = new_summary->total_ir < base->total_ir;
   magnitude = negative ? base->total_ir - new_summary->total_ir
                        : new_summary->total_ir - base->total_ir;
   printf("%-15s %15s %15s %15s ", "Program total",
          thousands(base->total_ir, a, 0),
          thousands(new_summary->total_ir, b, 0),
          signed_thousands(magnitude, negative, c));
   if (base->total_ir == 0)
      printf("%8s\n", "new");
   else
      printf("%8.3f\n", match_cost_ratio(base->total_ir, new_summary->total_ir));
   if (!options->raw_names) {
      printf("\nC functions matched by source name (--raw-names: by raw name):\n");
      print_source_name_folding("base", base);
      print_source_name_folding("new", new_summary);
   }
   for (view = 0; view < N_VIEWS; view++) {
      if (base->lists[LIST_PY_FUNCTIONS].n == 0
          && new_summary->lists[LIST_PY_FUNCTIONS].n == 0
          && view != VIEW_C_SELF)
         continue;
      print_diff_view_text(base, new_summary, view, options->top);
   }
}

/*------------------------------------------------------------*/
/*--- JSON output                                          ---*/
/*------------------------------------------------------------*/

/* Writes TEXT as a JSON string.  Profiles may hold any bytes: valid UTF-8
 * passes through, any other byte becomes the code point of the same value
 * (as if Latin-1), so the output is always valid JSON. */
static void json_string(const char *text)
{
   const unsigned char *s = (const unsigned char *)text;

   putchar('"');
   while (*s) {
      unsigned char ch = *s;
      size_t extra = 0, k;

      if (ch == '"' || ch == '\\') {
         printf("\\%c", ch);
         s++;
         continue;
      }
      if (ch < 0x20 || ch == 0x7f) {
         printf("\\u%04x", ch);
         s++;
         continue;
      }
      if (ch < 0x80) {
         putchar(ch);
         s++;
         continue;
      }
      if (ch >= 0xc2 && ch <= 0xdf)
         extra = 1;
      else if (ch >= 0xe0 && ch <= 0xef)
         extra = 2;
      else if (ch >= 0xf0 && ch <= 0xf4)
         extra = 3;
      for (k = 1; extra && k <= extra; k++) {
         if ((s[k] & 0xc0) != 0x80) {
            extra = 0;
            break;
         }
      }
      /* Overlong forms, surrogates and code points above U+10FFFF. */
      if (extra == 2 && ((ch == 0xe0 && s[1] < 0xa0)
                         || (ch == 0xed && s[1] >= 0xa0)))
         extra = 0;
      if (extra == 3 && ((ch == 0xf0 && s[1] < 0x90)
                         || (ch == 0xf4 && s[1] >= 0x90)))
         extra = 0;
      if (extra == 0) {
         printf("\\u%04x", ch);
         s++;
         continue;
      }
      fwrite(s, 1, extra + 1, stdout);
      s += extra + 1;
   }
   putchar('"');
}

static void json_signed(cg_cost magnitude, int negative)
{
   printf("%s%llu", negative && magnitude ? "-" : "", magnitude);
}

static void json_ratio(cg_cost base, cg_cost new_cost)
{
   if (base == 0)
      printf("null");
   else
      printf("%.6f", match_cost_ratio(base, new_cost));
}

/* The members that say what an item is: name plus file/line/object/family
 * as the view has them. */
static void json_item_identity(ReportView view, const ReportItem *item,
                               int diff)
{
   printf("\"name\": ");
   json_string(item->name);
   switch (view) {
   case VIEW_PY_INCLUSIVE:
   case VIEW_PY_SELF:
      printf(", \"file\": ");
      json_string(item->where);
      break;
   case VIEW_PY_LINES:
      printf(", \"file\": ");
      json_string(item->where);
      printf(", \"line\": %llu", item->line);
      break;
   case VIEW_OPCODES:
      if (item->where[0]) {
         printf(", \"family\": ");
         json_string(item->where);
      }
      break;
   default:
      printf(", \"object\": ");
      json_string(diff ? item->match_where : item->where);
      break;
   }
}

static void json_summary_view(const ProfileSummary *summary, ReportView view,
                              size_t top)
{
   const ItemList *items = &summary->lists[match_view_list(view)];
   size_t n, shown, i;
   size_t *order = match_rank_view(summary, view, &n);

   shown = (top == 0 || top > n) ? n : top;
   printf(",\n  ");
   json_string(match_view_id(view));
   printf(": {\"count\": %zu, \"rows\": [", n);
   for (i = 0; i < shown; i++) {
      const ReportItem *item = &items->items[order[i]];
      cg_cost metric = match_view_metric(view, item);

      printf("%s\n    {", i ? "," : "");
      json_item_identity(view, item, 0);
      printf(", \"self\": %llu, \"inclusive\": %llu", item->self_ir,
             item->inclusive_ir);
      if (view == VIEW_OPCODES) {
         printf(", \"executions\": %llu, \"ir_per_execution\": ",
                item->calls);
         if (item->calls)
            printf("%.3f", (double)item->inclusive_ir / (double)item->calls);
         else
            printf("null");
      } else if (view != VIEW_PY_LINES) {
         printf(", \"calls\": %llu", item->calls);
      }
      printf(", \"percent\": %.4f}", percent_of(metric, summary->total_ir));
   }
   printf("%s]}", shown ? "\n  " : "");
   free(order);
}

static void json_profile_header(const char *member, const CgProfile *profile,
                                cg_cost total)
{
   printf("  ");
   json_string(member);
   printf(": {\"file\": ");
   json_string(profile->path);
   printf(", \"command\": ");
   if (profile->command != KEYTABLE_ABSENT)
      json_string(cgparse_str(profile, profile->command));
   else
      printf("null");
   printf(", \"total_ir\": %llu}", total);
}

static void print_summary_json(const CgProfile *profile,
                               const ProfileSummary *summary,
                               const Options *options)
{
   ReportView view;

   printf("{\n");
   json_profile_header("profile", profile, summary->total_ir);
   printf(",\n  \"fold_opcodes\": %s, \"top\": %zu",
          options->fold_opcodes ? "true" : "false", options->top);
   for (view = 0; view < N_VIEWS; view++)
      json_summary_view(summary, view, options->top);
   printf("\n}\n");
}

static void json_diff_view(const ProfileSummary *base,
                           const ProfileSummary *new_summary, ReportView view,
                           size_t top)
{
   size_t n, shown, i;
   DiffRow *rows = match_diff_view(base, new_summary, view, &n);

   shown = (top == 0 || top > n) ? n : top;
   printf(",\n  ");
   json_string(match_view_id(view));
   printf(": {\"count\": %zu, \"rows\": [", n);
   for (i = 0; i < shown; i++) {
      const DiffRow *row = &rows[i];
      const ReportItem *item = row->base ? row->base : row->new_item;

      printf("%s\n    {", i ? "," : "");
      json_item_identity(view, item, 1);
      printf(", \"base\": %llu, \"new\": %llu, \"delta\": ", row->base_ir,
             row->new_ir);
      json_signed(row->delta_magnitude, row->delta_negative);
      printf(", \"ratio\": ");
      json_ratio(row->base_ir, row->new_ir);
      if (view == VIEW_OPCODES)
         printf(", \"base_executions\": %llu, \"new_executions\": %llu",
                row->base_calls, row->new_calls);
      else if (view != VIEW_PY_LINES)
         printf(", \"base_calls\": %llu, \"new_calls\": %llu",
                row->base_calls, row->new_calls);
      printf("}");
   }
   printf("%s]}", shown ? "\n  " : "");
   free(rows);
}

static void print_diff_json(const CgProfile *base_profile,
                            const CgProfile *new_profile,
                            const ProfileSummary *base,
                            const ProfileSummary *new_summary,
                            const Options *options)
{
   int negative = new_summary->total_ir < base->total_ir;
   cg_cost magnitude = negative ? base->total_ir - new_summary->total_ir
                                : new_summary->total_ir - base->total_ir;
   ReportView view;

   printf("{\n");
   json_profile_header("base", base_profile, base->total_ir);
   printf(",\n");
   json_profile_header("new", new_profile, new_summary->total_ir);
   printf(",\n  \"fold_opcodes\": %s, \"top\": %zu",
          options->fold_opcodes ? "true" : "false", options->top);
   printf(",\n  \"source_names\": ");
   if (options->raw_names) {
      printf("false");
   } else {
      printf("{\"base_suffixes_folded\": %zu, \"new_suffixes_folded\": %zu, "
             "\"base_interpreter\": ", base->n_suffix_folded, new_summary->n_suffix_folded);
      json_string(base->interpreter_objects != NULL ? base->interpreter_objects : "");
      printf(", \"new_interpreter\": ");
      json_string(new_summary->interpreter_objects != NULL
                  ? new_summary->interpreter_objects : "");
      printf("}");
   }
   printf(",\n  \"total\": {\"base\": %llu, \"new\": %llu, \"delta\": ",
          base->total_ir, new_summary->total_ir);
   json_signed(magnitude, negative);
   printf(", \"ratio\": ");
   json_ratio(base->total_ir, new_summary->total_ir);
   printf("}");
   for (view = 0; view < N_VIEWS; view++)
      json_diff_view(base, new_summary, view, options->top);
   printf("\n}\n");
}

int main(int argc, char **argv)
{
   Options options;
   SummaryOptions summary_options;

   parse_arguments(argc, argv, &options);
   memset(&summary_options, 0, sizeof summary_options);
   summary_options.fold_opcodes = options.fold_opcodes;

   if (!options.diff) {
      CgProfile *profile = load(options.files[0]);
      ProfileSummary *summary;

      complete_opcode_families(profile, &options);
      summary = match_summarise_profile(profile, &summary_options);

      if (options.json)
         print_summary_json(profile, summary, &options);
      else
         print_summary_text(profile, summary, &options);
      match_summary_free(summary);
      cgparse_profile_free(profile);
   } else {
      CgProfile *base_profile = load(options.files[0]);
      CgProfile *new_profile = load(options.files[1]);
      ProfileSummary *base, *new_summary;

      complete_opcode_families(base_profile, &options);
      complete_opcode_families(new_profile, &options);
      summary_options.match_source_names = !options.raw_names;
      base = match_summarise_profile(base_profile, &summary_options);
      new_summary = match_summarise_profile(new_profile, &summary_options);

      if (options.json)
         print_diff_json(base_profile, new_profile, base, new_summary,
                         &options);
      else
         print_diff_text(base_profile, new_profile, base, new_summary,
                         &options);
      match_summary_free(base);
      match_summary_free(new_summary);
      cgparse_profile_free(base_profile);
      cgparse_profile_free(new_profile);
   }
   if (fflush(stdout) != 0 || ferror(stdout)) {
      fprintf(stderr, PROGRAM ": cannot write the report\n");
      return 2;
   }
   return 0;
}
