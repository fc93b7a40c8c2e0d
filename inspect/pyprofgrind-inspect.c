/* pyprofgrind-inspect.c: reads the DWARF debug information of a CPython
 * interpreter (a python executable or a libpython shared object) and
 * reports what pyprofgrind's frame walker needs to know about that build:
 * the eval function and which arguments hold the frame and thread state,
 * the frame model, the line table and string formats, the offsets of the
 * structure members the walker reads, the dispatch labels of the eval
 * loop, the opcode numbers (from the eval loop's opcode_targets table) and,
 * for 3.11+, the base instruction of each specialised one (from
 * _PyOpcode_Deopt).  The Valgrind tool cannot read DWARF itself (a tool
 * has no libc, so no libdwarf): it reads the text this program prints
 * with --layout (see pg_pylayout.h for the format and pg_pylayout_parse
 * for the reader).
 *
 * Everything is found by structure and member names, never by version
 * number, so a new CPython that keeps its member names works unchanged.
 * The version is reported too (from the Py_Version constant, or the
 * version string in .rodata, or the structures themselves), but only as
 * information and as the key into the table of known layouts.
 *
 *   pyprofgrind-inspect [--layout [--release] [--cache DIR]] [--debug-file DEBUGFILE]
 *                       [--verbose] [--] FILE
 *   pyprofgrind-inspect --known X.Y
 *   pyprofgrind-inspect --check-layout LAYOUTFILE
 *
 * The DWARF is FILE's own or, when it has none, the detached debug info
 * named by its build-id (/usr/lib/debug/.build-id/xx/yyy.debug, where
 * Debian's -dbg packages put it), or --debug-file.  With --cache DIR the
 * layout is looked up first in DIR/<build-id>.layout and stored there
 * after a DWARF read (the tool runs `--layout --cache DIR FILE` itself;
 * FILE is a path taken from the profiled process, so it is only data:
 * it is opened as a regular file and printed without control characters).
 *
 * Exit status: 0 success, 1 FILE is not a CPython with DWARF (or the
 * layout is incomplete, or a layout file is bad): then stderr is one line
 * naming FILE and what is missing; 2 usage error; 3 FILE is a CPython
 * whose frames cannot be followed without its debug info (its eval loop
 * split off without a symbol): no built-in layout may be used for it
 * either.  Cache problems are warnings, never failures.
 *
 * The work is shared out among:
 *   elf.[ch]           the ELF64 reader (sections, symbols, relocations,
 *                      build-id, the version string in .rodata)
 *   dwarf.[ch]         libdwarf: the scan for the named targets, struct
 *                      and member queries, a function's parameters and labels
 *   layout_build.[ch]  the PgPyLayout from those, and the version
 *   opcodes.[ch]       opcode numbers and base instructions from ELF data
 *   cache.[ch]         the build-id layout cache
 *   message.[ch]       one-line messages on stderr, paths made printable
 * and this file: the modes, the human summary, options and main.  The
 * text form itself is pg_pylayout_write's and pg_pylayout_parse's
 * (pyprofgrind/pg_pylayout.c), shared with the tool.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "dwarf.h"
#include "elf.h"
#include "layout_build.h"
#include "message.h"
#include "pg_pydebugoffsets.h"
#include "pg_pylayout.h"

/*------------------------------------------------------------*/
/*--- Printing a layout                                    ---*/
/*------------------------------------------------------------*/

static void emit_to_file(void *file, const char *line)
{
   fputs(line, file);
}

/* --release: layouts are printed without what belongs to one build only. */
static int print_release_only;

/* Prints LAYOUT in the text form pg_pylayout_parse reads. */
static void print_layout(FILE *out, const PgPyLayout *layout, const char *origin)
{
   pg_pylayout_write(layout, origin, !print_release_only, emit_to_file, out);
}

/*------------------------------------------------------------*/
/*--- Output for humans                                    ---*/
/*------------------------------------------------------------*/

/* Each field with where it was found, then what was not found and where
 * it was looked for: enough to tell why a new CPython's layout is
 * incomplete. */
static void print_summary(const LayoutBuild *b, const DwarfInfo *dw, const char *path,
                          const char *dwarf_path, double seconds)
{
   const PgPyLayout *l = &b->layout;
   const OpcodeReport *op = &b->opcodes;
   char err[512];
   unsigned i;
   int complete = pg_pylayout_complete(l, err, sizeof err);

   printf("file:           %s\n", path);
   if (strcmp(dwarf_path, path) != 0)
      printf("debug info:     %s\n", dwarf_path);
   printf("build id:       %s\n", l->build_id[0] ? l->build_id : "(none)");
   printf("CPython:        %u.%u.%u (PY_VERSION_HEX 0x%08x, from %s)\n",
          l->version_hex >> 24, (l->version_hex >> 16) & 0xff,
          (l->version_hex >> 8) & 0xff, l->version_hex, b->version_from);
   if (b->family_major >= 0)
      printf("structures:     look like %d.%d (%s)\n", b->family_major,
             b->family_minor, b->family_note);
   else
      printf("structures:     do not match a known CPython release (%s)\n",
             b->family_note);
   if (b->family_major >= 0
       && ((unsigned)b->family_major != l->version_hex >> 24
           || (unsigned)b->family_minor != ((l->version_hex >> 16) & 0xff)))
      printf("note:           the version number and the structures disagree; "
             "the layout is read from the structures\n");
   printf("eval function:  %s\n", l->eval_function);
   printf("frame model:    %s (%s)\n", pg_pylayout_frame_model_name(l->frame_model),
          l->frame_model == PG_FRAMES_PER_CALL
             ? "one eval call per Python frame, the frame is an argument"
          : l->frame_model == PG_FRAMES_IN_EVAL
             ? "one eval call runs many frames, read the current one from the thread state"
             : "no frame parameter found");
   printf("line table:     %s\n", pg_pylayout_line_format_name(l->line_format));
   printf("strings:        %s\n", pg_pylayout_string_format_name(l->string_format));
   printf("\n");
   for (i = 0; i < LAYOUT_BUILD_N_INT_FIELDS; i++) {
      Int value = layout_build_int_value(l, i);
      if (value != PG_LAYOUT_NO_OFFSET)
         printf("  %-22s %5d  %s\n", layout_build_int_fields[i].key, value, b->found_as[i]);
   }
   printf("\n");
   for (i = 0; i < LAYOUT_BUILD_N_INT_FIELDS; i++) {
      if (layout_build_int_value(l, i) == PG_LAYOUT_NO_OFFSET)
         printf("  not found: %-22s (%s)\n", layout_build_int_fields[i].key,
                layout_build_int_fields[i].looked_for);
   }
   printf("\nlabels:         %u in %s (%u TARGET_), %u without an address, "
          "%u not kept (limit %d, or name too long)\n",
          b->labels_seen, l->eval_function, b->labels_target,
          b->labels_no_address, b->labels_dropped, PG_MAX_LABELS);
   if (op->missing != NULL)
      printf("opcodes:        none (opcode_targets: %s)\n", op->missing);
   else
      printf("opcodes:        %u named from opcode_targets, %u unused slots, "
             "%u pointing to no TARGET_ label%s\n", op->named,
             op->unused, op->no_label,
             op->de_instrument_used ? " (instrumented ones told apart by DE_INSTRUMENT)" : "");
   if (op->shared > 0)
      printf("                %u left unnamed, their handler is shared: %s\n",
             op->shared, op->shared_list);
   if (op->bases_missing != NULL)
      printf("base opcodes:   none (_PyOpcode_Deopt: %s)\n", op->bases_missing);
   else
      printf("base opcodes:   %u specialised instructions from _PyOpcode_Deopt%s\n",
             op->bases_found, op->bases_unnamed ? ", some without names" : "");
   printf("DWARF units:    %u scanned of %u, %.0f ms\n", dw->units_scanned,
          dw->units_total, seconds * 1000.0);
   if (complete)
      printf("complete:       yes, the frame walker has everything it needs\n");
   else
      printf("complete:       NO: %s\n", err);
}

/*------------------------------------------------------------*/
/*--- Finding the DWARF                                    ---*/
/*------------------------------------------------------------*/

/* Where detached debug info is installed, as gdb looks for it. */
static int build_id_debug_path(const char *build_id, char *path, size_t len)
{
   if (strlen(build_id) < 4)
      return 0;
   snprintf(path, len, "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id,
            build_id + 2);
   return 1;
}

/* "install python3.11-dbg for it" for .../python3.11, "install
 * libpython3.11-dbg for it" for .../libpython3.11.so.1.0 (Debian's
 * names), a generic hint for anything else. */
static void debug_package_hint(const char *shown_path, char *hint, size_t len)
{
   const char *base = strrchr(shown_path, '/');
   const char *p;
   int dots = 0;

   base = base != NULL ? base + 1 : shown_path;
   p = base;
   if (strncmp(p, "lib", 3) == 0)
      p += 3;
   if (strncmp(p, "python", 6) != 0 || p[6] < '0' || p[6] > '9') {
      snprintf(hint, len, "install its debug symbols (a -dbg or -dbgsym package)");
      return;
   }
   p += 6;
   while ((*p >= '0' && *p <= '9')
          || (*p == '.' && dots == 0 && p[1] >= '0' && p[1] <= '9')) {
      if (*p == '.')
         dots++;
      p++;
   }
   snprintf(hint, len, "install %.*s-dbg for it", (int)(p - base), base);
}

/*------------------------------------------------------------*/
/*--- Files without DWARF: _Py_DebugOffsets                ---*/
/*------------------------------------------------------------*/

/* 3.13+: the link-time address of _PyRuntime (.dynsym survives stripping;
 * else the start of its own section .PyRuntime) if the file's copy starts
 * with a _Py_DebugOffsets table, else 0.  The table is a static
 * initializer, so the file holds what the process will. */
static Elf64_Addr debug_offsets_address(const ElfImage *elf,
                                        unsigned char *table, size_t n)
{
   Elf64_Addr addr = 0;
   Elf64_Xword size = 0;
   const Elf64_Shdr *section;

   if (!elf_symbol(elf, "_PyRuntime", &addr, &size)) {
      section = elf_section(elf, ".PyRuntime");
      if (section == NULL)
         return 0;
      addr = section->sh_addr;
   }
   if (!elf_read(elf, addr, table, n) || !pg_pydebugoffsets_has_cookie(table, n))
      return 0;
   return addr;
}

/* A tail-calling build (3.14+, --with-tail-call-interp) runs each
 * instruction in a function of its own, named _TAIL_CALL_<OP> (with
 * .llvm.N or .cold suffixes after ThinLTO or BOLT): the layout names
 * them by a pattern, for the tool to take them for pieces of the eval
 * loop. */
#define TAIL_CALL_PREFIX "_TAIL_CALL_"

static void mark_tail_calls(const ElfImage *elf, PgPyLayout *layout)
{
   if (elf_function_with_prefix(elf, TAIL_CALL_PREFIX))
      snprintf(layout->tail_call_handlers, sizeof layout->tail_call_handlers,
               "%s*", TAIL_CALL_PREFIX);
}

/* An eval loop is tens of kilobytes of machine code.  A distribution's
 * PGO build may move nearly all of it into a part the compiler split off
 * (Debian's 3.14: _PyEval_EvalFrameDefault covers 1,184 bytes, the loop
 * is in _PyEval_EvalFrameDefault.cold; a tail-calling build's is in its
 * _TAIL_CALL_<OP> functions), and a stripped file has no symbol for that
 * part: its code cannot be told from any other unnamed code, so
 * Python frames cannot be followed without the debug info.  Then adds
 * that to the one-line message in NO_DWARF and returns 1. */
#define SMALLEST_EVAL_LOOP 16384
#define INSPECT_EXIT_UNFOLLOWABLE 3
static int eval_loop_split_without_symbols(const ElfImage *elf, char *no_dwarf,
                                           size_t no_dwarf_size)
{
   Elf64_Addr value, cold_value;
   Elf64_Xword size, cold_size;
   char why[MESSAGE_SHOWN_MAX * 3 + 200];

   if (!elf_symbol(elf, "_PyEval_EvalFrameDefault", &value, &size)
       || size >= SMALLEST_EVAL_LOOP
       || elf_symbol(elf, "_PyEval_EvalFrameDefault.cold", &cold_value, &cold_size)
       || elf_function_with_prefix(elf, TAIL_CALL_PREFIX))
      return 0;
   snprintf(why, sizeof why, "%s; its eval loop is in code split off without a "
            "symbol (_PyEval_EvalFrameDefault: %lu bytes): Python frames need its "
            "debug info", no_dwarf, (unsigned long)size);
   snprintf(no_dwarf, no_dwarf_size, "%.*s", (int)(no_dwarf_size - 1), why);
   return 1;
}

/* No DWARF: if FILE has a _Py_DebugOffsets table, tell where it is.  With
 * --layout, a partial layout naming it (the tool completes it from the
 * process's memory; nothing is cached, so debug info installed later is
 * still found); else, for people, what the file's copy of the table says.
 * Returns 0 if there is no table. */
static int report_debug_offsets(const ElfImage *elf, const char *build_id,
                                const char *shown_file, const char *no_dwarf,
                                int layout_mode)
{
   static unsigned char table[PG_DEBUG_OFFSETS_READ_SIZE];
   static PgPyLayout layout;
   char err[256];
   Elf64_Addr addr = debug_offsets_address(elf, table, sizeof table);

   if (addr == 0)
      return 0;
   if (layout_mode) {
      pg_pylayout_clear(&layout);
      layout.version_hex = pg_pydebugoffsets_version(table, sizeof table);
      snprintf(layout.source, sizeof layout.source, "elf");
      snprintf(layout.build_id, sizeof layout.build_id, "%s", build_id);
      layout.runtime_address = addr;
      mark_tail_calls(elf, &layout);
      printf("# %s\n", no_dwarf);
      print_layout(stdout, &layout, shown_file);
      fflush(stdout);
      return 1;
   }
   printf("%s\n", no_dwarf);
   if (!pg_pydebugoffsets_decode(&layout, table, sizeof table, err, sizeof err)) {
      printf("%s: _PyRuntime at 0x%lx starts with a _Py_DebugOffsets table, "
             "but it cannot be used: %s\n", shown_file, (unsigned long)addr, err);
      return 0;
   }
   layout.runtime_address = addr;
   printf("%s: CPython %u.%u.%u: _PyRuntime at 0x%lx starts with a "
          "_Py_DebugOffsets table; pyprofgrind reads it from the process's "
          "memory (functions and lines; opcodes need DWARF).  The file's "
          "copy gives this layout:\n", shown_file, layout.version_hex >> 24,
          (layout.version_hex >> 16) & 0xff, (layout.version_hex >> 8) & 0xff,
          (unsigned long)addr);
   print_layout(stdout, &layout, shown_file);
   return 1;
}

/*------------------------------------------------------------*/
/*--- Modes                                                ---*/
/*------------------------------------------------------------*/

typedef struct {
   const char *file;
   const char *debug_file;    /* --debug-file, or NULL */
   const char *cache_dir;     /* --cache, or NULL */
   int         layout_mode;
} Options;

/* For the summary's timing of the DWARF read. */
static double now_seconds(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FILE in the default mode (the summary) or with --layout: the layout from
 * the cache, else from the DWARF of the file or its debug file, else (no
 * DWARF) what its _Py_DebugOffsets table allows. */
static int inspect_file(const Options *opt)
{
   static char shown_file[MESSAGE_SHOWN_MAX], shown_source[MESSAGE_SHOWN_MAX];
   static char not_cpython_in[MESSAGE_SHOWN_MAX];
   ElfImage elf, debug_elf;
   DwarfInfo *dw = NULL;
   LayoutBuild *build = NULL;
   PgPyLayout *cached;
   Cache cache;
   char build_id[68], debug_build_id[68], auto_path[128] = "";
   char why[512], err[512], error_why[MESSAGE_SHOWN_MAX + 600], hint[160];
   const char *candidates[2], *dwarf_path = NULL;
   double start = now_seconds();
   int n_candidates = 0, c, found = 0, same_build = 0, status = 1;
   int saw_not_cpython = 0, saw_error = 0, from_debug_file = 0;

   cache.dirfd = -1;
   memset(&debug_elf, 0, sizeof debug_elf);
   debug_elf.fd = -1;
   message_show_path(shown_file, sizeof shown_file, opt->file);
   if (!elf_open(&elf, opt->file, why, sizeof why)) {
      message("%s: %s", shown_file, why);
      return 1;
   }
   elf_build_id(&elf, build_id, sizeof build_id);

   /* 1. The cache, by build-id: no DWARF is read on a hit. */
   if (opt->cache_dir != NULL) {
      if (strlen(build_id) < CACHE_MIN_BUILD_ID_HEX) {
         if (message_verbose)
            message("%s: no build-id: the cache is not used", shown_file);
      } else if (cache_open(&cache, opt->cache_dir)
                 && (cached = cache_lookup(&cache, build_id, shown_file)) != NULL) {
         print_layout(stdout, cached, shown_file);
         free(cached);
         status = 0;
         goto done;
      }
   }

   /* 2. Where the DWARF is: --debug-file, else the file itself, else the
    *    detached debug info named by its build-id. */
   if (opt->debug_file != NULL) {
      candidates[n_candidates++] = opt->debug_file;
   } else {
      if (elf_has_dwarf(&elf))
         candidates[n_candidates++] = opt->file;
      if (build_id_debug_path(build_id, auto_path, sizeof auto_path)) {
         struct stat st;
         if (stat(auto_path, &st) == 0)
            candidates[n_candidates++] = auto_path;
      }
   }
   error_why[0] = '\0';
   for (c = 0; c < n_candidates && !found; c++) {
      const char *source = candidates[c];
      int fd = elf.fd, result;

      message_show_path(shown_source, sizeof shown_source, source);
      debug_build_id[0] = '\0';
      if (source != opt->file) {
         elf_close(&debug_elf);
         if (!elf_open(&debug_elf, source, why, sizeof why)) {
            snprintf(error_why, sizeof error_why, "%s: %s", shown_source, why);
            saw_error = 1;
            continue;
         }
         elf_build_id(&debug_elf, debug_build_id, sizeof debug_build_id);
         if (source == auto_path && strcmp(debug_build_id, build_id) != 0) {
            snprintf(error_why, sizeof error_why, "%s: its build-id is '%s'",
                     shown_source, debug_build_id);
            saw_error = 1;
            continue;
         }
         fd = debug_elf.fd;
         if (message_verbose)
            message("%s: reading DWARF from %s", shown_file, shown_source);
      }
      dw = calloc(1, sizeof *dw);
      if (dw == NULL) {
         message("out of memory");
         goto done;
      }
      dwarf_path = source == opt->file ? shown_file : shown_source;
      result = dwarf_info_open(dw, fd, why, sizeof why);
      if (result == DWARF_INFO_OK) {
         found = 1;
         from_debug_file = source != opt->file;
         same_build = source == opt->file
            || (build_id[0] != '\0' && strcmp(debug_build_id, build_id) == 0);
         break;
      }
      if (result == DWARF_INFO_NOT_CPYTHON) {
         saw_not_cpython = 1;
         snprintf(not_cpython_in, sizeof not_cpython_in, "%s", dwarf_path);
      } else if (result == DWARF_INFO_ERROR) {
         saw_error = 1;
         snprintf(error_why, sizeof error_why, "%s: %s", dwarf_path, why);
      }
      dwarf_info_close(dw);
      free(dw);
      dw = NULL;
   }

   /* 3. No DWARF to use: why, and (3.13+) the _Py_DebugOffsets table the
    *    tool can read instead. */
   if (!found) {
      char no_dwarf[MESSAGE_SHOWN_MAX * 3];
      if (saw_not_cpython && strcmp(not_cpython_in, shown_file) == 0)
         snprintf(no_dwarf, sizeof no_dwarf, "%s: no CPython eval loop: its "
                  "DWARF defines neither _PyEval_EvalFrameDefault nor "
                  "PyEval_EvalFrameEx", shown_file);
      else if (saw_not_cpython)
         snprintf(no_dwarf, sizeof no_dwarf, "%s: no CPython eval loop: the "
                  "DWARF in %s defines neither _PyEval_EvalFrameDefault nor "
                  "PyEval_EvalFrameEx", shown_file, not_cpython_in);
      else if (saw_error)
         snprintf(no_dwarf, sizeof no_dwarf, "%s: cannot read its DWARF debug "
                  "info: %s", shown_file, error_why);
      else if (opt->debug_file != NULL)
         snprintf(no_dwarf, sizeof no_dwarf, "%s: no DWARF debug info in %s",
                  shown_file, shown_source);
      else if (auto_path[0] == '\0')
         snprintf(no_dwarf, sizeof no_dwarf, "%s: no DWARF debug info, and no "
                  "build-id to find detached debug info by (pass it with "
                  "--debug-file)", shown_file);
      else {
         debug_package_hint(shown_file, hint, sizeof hint);
         snprintf(no_dwarf, sizeof no_dwarf, "%s: no DWARF debug info (not in "
                  "the file nor in %s: %s)", shown_file, auto_path, hint);
      }
      if (!saw_not_cpython && eval_loop_split_without_symbols(&elf, no_dwarf,
                                                              sizeof no_dwarf)) {
         message("%s", no_dwarf);
         status = INSPECT_EXIT_UNFOLLOWABLE;
      }
      else if (!saw_not_cpython && report_debug_offsets(&elf, build_id, shown_file,
                                                        no_dwarf, opt->layout_mode))
         status = 0;
      else
         message("%s", no_dwarf);
      goto done;
   }

   /* 4. The layout from the DWARF, and opcodes from the ELF data (the
    *    debug file's symbols only if it is the same build). */
   build = malloc(sizeof *build);
   if (build == NULL) {
      message("out of memory");
      goto done;
   }
   layout_build_from_dwarf(build, dw, &elf,
                           from_debug_file && same_build ? &debug_elf : NULL);
   mark_tail_calls(&elf, &build->layout);
   if (opt->layout_mode && build->layout.gil_disabled[0] != '\0') {
      /* No layout of it would do: the tool says so and profiles it as C. */
      message("%s: a free-threaded CPython build (its objects start with "
              "ob_tid): pyprofgrind cannot follow its frames", shown_file);
      status = INSPECT_EXIT_UNFOLLOWABLE;
   } else if (!opt->layout_mode) {
      print_summary(build, dw, shown_file, dwarf_path, now_seconds() - start);
      status = pg_pylayout_complete(&build->layout, err, sizeof err) ? 0 : 1;
   } else if (!pg_pylayout_complete(&build->layout, err, sizeof err)) {
      message("%s: incomplete CPython layout: %s (run without --layout for "
              "details)", shown_file, err);
   } else {
      if (build->labels_dropped > 0)
         message("%s: warning: %u labels of %s left out (more than %d, or names "
                 "over %u characters)", shown_file, build->labels_dropped,
                 build->layout.eval_function, PG_MAX_LABELS,
                 (unsigned)sizeof build->layout.labels[0].name - 1);
      if (message_verbose && build->opcodes.missing != NULL)
         message("%s: no opcode numbers: opcode_targets: %s", shown_file,
                 build->opcodes.missing);
      if (message_verbose && build->opcodes.shared > 0)
         message("%s: %u opcodes left unnamed, their handler is shared: %s",
                 shown_file, build->opcodes.shared, build->opcodes.shared_list);
      print_layout(stdout, &build->layout, shown_file);
      fflush(stdout);
      if (cache.dirfd >= 0 && same_build)
         cache_store(&cache, &build->layout, build_id, shown_file);
      else if (cache.dirfd >= 0)
         message("warning: %s: layout not cached: its DWARF comes from %s, "
                 "whose build-id is not %s", shown_file, shown_source, build_id);
      status = 0;
   }

done:
   free(build);
   if (dw != NULL) {
      dwarf_info_close(dw);
      free(dw);
   }
   cache_close(&cache);
   elf_close(&debug_elf);
   elf_close(&elf);
   return status;
}

static int print_known(const char *version)
{
   unsigned major, minor;
   char extra;
   PgPyLayout *layout;
   char origin[64];

   if (sscanf(version, "%u.%u%c", &major, &minor, &extra) != 2
       || major > 255 || minor > 255) {
      fprintf(stderr, "%s: --known wants MAJOR.MINOR, such as 3.11, not '%s'\n",
              message_program, version);
      return 2;
   }
   layout = malloc(sizeof *layout);
   if (layout == NULL)
      return 1;
   if (!pg_pylayout_known(layout, major << 24 | minor << 16)) {
      fprintf(stderr, "%s: no known layout for CPython %u.%u\n", message_program,
              major, minor);
      free(layout);
      return 1;
   }
   snprintf(origin, sizeof origin, "CPython %u.%u from the known table", major, minor);
   print_layout(stdout, layout, origin);
   free(layout);
   return 0;
}

/* Parses a layout file, checks it is complete and prints it back. */
static int check_layout_file(const char *path)
{
   FILE *f = fopen(path, "rb");
   char *text = NULL;
   size_t len = 0, capacity = 0, n;
   PgPyLayout *layout;
   char err[512];
   int status = 0;

   if (f == NULL) {
      fprintf(stderr, "%s: %s: %s\n", message_program, path, strerror(errno));
      return 1;
   }
   do {
      if (len == capacity) {
         char *bigger;
         capacity = capacity ? capacity * 2 : 65536;
         bigger = realloc(text, capacity);
         if (bigger == NULL) {
            fprintf(stderr, "%s: %s: out of memory\n", message_program, path);
            free(text);
            fclose(f);
            return 1;
         }
         text = bigger;
      }
      n = fread(text + len, 1, capacity - len, f);
      len += n;
   } while (n > 0);
   fclose(f);

   layout = malloc(sizeof *layout);
   if (layout == NULL) {
      free(text);
      return 1;
   }
   if (!pg_pylayout_parse(layout, text, len, err, sizeof err)) {
      fprintf(stderr, "%s: %s: %s\n", message_program, path, err);
      status = 1;
   } else if (!pg_pylayout_complete(layout, err, sizeof err)) {
      fprintf(stderr, "%s: %s: %s\n", message_program, path, err);
      status = 1;
   } else {
      print_layout(stdout, layout, path);
   }
   free(layout);
   free(text);
   return status;
}

/*------------------------------------------------------------*/
/*--- Options and main                                     ---*/
/*------------------------------------------------------------*/

static void usage(FILE *out)
{
   fprintf(out,
      "usage: %s [--layout [--release] [--cache DIR]] [--debug-file DEBUGFILE] [--verbose] [--] FILE\n"
      "       %s --known MAJOR.MINOR\n"
      "       %s --check-layout LAYOUTFILE\n"
      "Reads the DWARF of a CPython interpreter (python executable or libpython\n"
      "shared object) and reports the structure layout pyprofgrind needs.\n"
      "  --layout        print the layout in the text form the tool reads\n"
      "  --release       with --layout: leave out what belongs to this one build\n"
      "                  (labels, opcodes, build id, addresses): a built-in row\n"
      "  --cache DIR     with --layout: reuse DIR/<build-id>.layout, else store it\n"
      "                  there (DIR is created 0700; it must be yours and not\n"
      "                  group/world-writable, or it is not used)\n"
      "  --debug-file F  read the DWARF from F (detached debug info of FILE); by\n"
      "                  default FILE's own, else /usr/lib/debug/.build-id/xx/yyy.debug\n"
      "  --verbose       say on stderr where the layout came from (cache hit...)\n"
      "  --known X.Y     print the built-in layout for CPython X.Y\n"
      "  --check-layout  parse a layout file, check it is complete, print it back\n",
      message_program, message_program, message_program);
}

/* Inspects the file in a child process.  libdwarf trusts much of what it
 * reads: damaged debug sections have made it crash (invalid and double
 * frees in its range-list reader).  A crash must not look like "no
 * inspector" to the tool, nor leave half a layout on stdout: the child
 * prints its layout only when its work is done, its stderr is held back
 * (glibc's own abort message would otherwise be the first line the tool
 * shows), and a child killed by a signal becomes one line naming the file
 * and what happened. */
static int inspect_file_isolated(const Options *opt)
{
   char shown[MESSAGE_SHOWN_MAX], held[4096];
   size_t n_held = 0;
   int err_pipe[2], status;
   ssize_t n;
   pid_t child;

   fflush(NULL);
   if (pipe(err_pipe) != 0 || (child = fork()) < 0)
      return inspect_file(opt);   /* no child to be had: run it here */
   if (child == 0) {
      int result;
      close(err_pipe[0]);
      dup2(err_pipe[1], 2);
      close(err_pipe[1]);
      result = inspect_file(opt);
      fflush(NULL);
      _exit(result);
   }
   close(err_pipe[1]);
   /* Read to the end before waiting, so a chatty child never blocks;
    * keep the first 4 KiB (messages are one line each). */
   while ((n = read(err_pipe[0], held + n_held, sizeof held - n_held)) != 0) {
      if (n < 0 && errno == EINTR)
         continue;
      if (n < 0)
         break;
      n_held += (size_t)n;
      if (n_held == sizeof held) {
         char discard[4096];
         while (read(err_pipe[0], discard, sizeof discard) > 0)
            ;
         break;
      }
   }
   close(err_pipe[0]);
   while (waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) {
         message("cannot wait for the inspecting process: %s", strerror(errno));
         return 1;
      }
   }
   if (WIFEXITED(status)) {
      fwrite(held, 1, n_held, stderr);
      return WEXITSTATUS(status);
   }
   message_show_path(shown, sizeof shown, opt->file);
   message("%s: crashed reading its debug information (signal %d, %s): the "
           "DWARF is damaged; reinstall its debug package or give a good one "
           "with --debug-file", shown, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
           WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "stopped");
   return 1;
}

int main(int argc, char **argv)
{
   Options opt;
   int i, options_done = 0;

   memset(&opt, 0, sizeof opt);
   for (i = 1; i < argc; i++) {
      if (options_done || argv[i][0] != '-' || argv[i][1] == '\0') {
         if (opt.file != NULL) {
            char first[MESSAGE_SHOWN_MAX], second[MESSAGE_SHOWN_MAX];
            message_show_path(first, sizeof first, opt.file);
            message_show_path(second, sizeof second, argv[i]);
            message("one FILE only ('%s' and '%s')", first, second);
            return 2;
         }
         opt.file = argv[i];
      } else if (strcmp(argv[i], "--") == 0) {
         options_done = 1;
      } else if (strcmp(argv[i], "--layout") == 0) {
         opt.layout_mode = 1;
      } else if (strcmp(argv[i], "--release") == 0) {
         print_release_only = 1;
      } else if (strcmp(argv[i], "--verbose") == 0) {
         message_verbose = 1;
      } else if (strcmp(argv[i], "--debug-file") == 0 && i + 1 < argc) {
         opt.debug_file = argv[++i];
      } else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
         opt.cache_dir = argv[++i];
      } else if (strcmp(argv[i], "--known") == 0 && i + 1 < argc && argc == 3) {
         return print_known(argv[i + 1]);
      } else if (strcmp(argv[i], "--check-layout") == 0 && i + 1 < argc && argc == 3) {
         return check_layout_file(argv[i + 1]);
      } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
         usage(stdout);
         return 0;
      } else {
         char shown[MESSAGE_SHOWN_MAX];
         message_show_path(shown, sizeof shown, argv[i]);
         message("unknown or incomplete option '%s'", shown);
         usage(stderr);
         return 2;
      }
   }
   if (opt.file == NULL) {
      usage(stderr);
      return 2;
   }
   if (opt.cache_dir != NULL && !opt.layout_mode) {
      message("--cache goes with --layout");
      return 2;
   }
   return inspect_file_isolated(&opt);
}
