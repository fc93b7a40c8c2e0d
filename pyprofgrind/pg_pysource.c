/* pg_pysource.c: obtaining interpreter layouts (see pg_pysource.h).
 *
 * Before any source is asked, the object must look like CPython by more
 * than the eval function's name: a C program that happens to define
 * _PyEval_EvalFrameDefault (a test, a stub, an embedder's shim) and is
 * named python3.13 would otherwise get the built-in 3.13 layout, and its
 * memory would be read as frames.  So the object must also define the
 * other symbols every CPython 2.7-3.13 defines and exports (CPYTHON_SYMBOLS),
 * found in its own ELF symbol tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_pysource.h"
#include "pg_elffile.h"
#include "pg_guestmem.h"
#include "pg_pydebugoffsets.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_libcproc.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_options.h"
#include "pub_tool_vki.h"

#define INSPECTOR_NAME "pyprofgrind-inspect"
#define MAX_LAYOUT_TEXT (64 * 1024)

/* major.minor as PY_VERSION_HEX bits from a file name such as
 * libpython3.11.so.1.0, python2.7 or python3.11d; 0 if there is none. */
static Bool is_executable_file(const HChar *path)
{
   struct vg_stat st;
   SysRes r = VG_(stat)(path, &st);
   return !sr_isError(r) && VKI_S_ISREG(st.mode) && (st.mode & 0111) != 0;
}

/* The inspector next to the tool (the build tree's vg-lib/, or an
 * installation's tool directory), else the installed one. */
static Bool find_inspector(HChar *path, SizeT size)
{
   const HChar *libdir = VG_(getenv)("VALGRIND_LIB");
   if (libdir != NULL) {
      VG_(snprintf)(path, size, "%s/%s", libdir, INSPECTOR_NAME);
      if (is_executable_file(path))
         return True;
   }
   VG_(snprintf)(path, size, "%s/%s", PG_BINDIR, INSPECTOR_NAME);
   return is_executable_file(path);
}

static void cache_dir(HChar *dir, SizeT size)
{
   const HChar *xdg = VG_(getenv)("XDG_CACHE_HOME"), *home = VG_(getenv)("HOME");
   if (xdg != NULL && xdg[0] == '/')
      VG_(snprintf)(dir, size, "%s/pyprofgrind", xdg);
   else if (home != NULL && home[0] == '/')
      VG_(snprintf)(dir, size, "%s/.cache/pyprofgrind", home);
   else
      dir[0] = 0;
}

/* Runs the inspector on OBJECT; its output (stdout and stderr) goes to
 * TEXT.  Returns its exit status; INSPECTOR_NOT_RUN if it could not be
 * run; INSPECTOR_KILLED if a signal ended it (its number in *SIGNAL). */
#define INSPECTOR_NOT_RUN (-1)
#define INSPECTOR_KILLED  (-2)
static Int run_inspector(const HChar *inspector, const HChar *object,
                         HChar *text, SizeT size, Int *signal)
{
   HChar dir[1024];
   const HChar *argv[6];
   Int fds[2], pid, status = 0, n;
   SizeT used = 0;
   UInt argc = 0;

   cache_dir(dir, sizeof dir);
   argv[argc++] = inspector;
   argv[argc++] = "--layout";
   if (dir[0] != 0) {
      argv[argc++] = "--cache";
      argv[argc++] = dir;
   }
   argv[argc++] = object;
   argv[argc] = NULL;

   if (VG_(pipe)(fds) != 0)
      return INSPECTOR_NOT_RUN;
   pid = VG_(fork)();
   if (pid < 0) {
      VG_(close)(fds[0]);
      VG_(close)(fds[1]);
      return INSPECTOR_NOT_RUN;
   }
   if (pid == 0) {
      VG_(close)(fds[0]);
      VG_(dup2)(fds[1], 1);
      VG_(dup2)(fds[1], 2);
      VG_(execv)(inspector, argv);
      VG_(exit)(127);
   }
   VG_(close)(fds[1]);
   while (used + 1 < size && (n = VG_(read)(fds[0], text + used, (Int)(size - 1 - used))) > 0)
      used += (SizeT)n;
   text[used] = 0;
   VG_(close)(fds[0]);
   if (VG_(waitpid)(pid, &status, 0) != pid)
      return INSPECTOR_NOT_RUN;
   if ((status & 0x7f) == 0)
      return (status >> 8) & 0xff;
   *signal = status & 0x7f;
   return INSPECTOR_KILLED;
}

static void first_line(const HChar *text, HChar *line, SizeT size)
{
   SizeT i = 0;
   while (text[i] != 0 && text[i] != '\n' && i + 1 < size) {
      line[i] = text[i];
      i++;
   }
   line[i] = 0;
}

/* The inspector found no DWARF but a _Py_DebugOffsets table at
 * LAYOUT->runtime_address: LAYOUT is filled from the table as the process
 * holds it.  Else False with the reason in WHY. */
static Bool layout_from_debug_offsets(PgPyLayout *layout, PtrdiffT bias,
                                      HChar *why, SizeT why_len)
{
   static UChar table[PG_DEBUG_OFFSETS_READ_SIZE];
   Addr runtime = layout->runtime_address + (Addr)bias;
   HChar err[200], build_id[sizeof layout->build_id];
   HChar tail_calls[sizeof layout->tail_call_handlers];

   if (!pg_guestmem_read(runtime, table, sizeof table)) {
      VG_(snprintf)(why, why_len, "no DWARF, and _PyRuntime at %#lx is not "
                    "readable", runtime);
      return False;
   }
   pg_memcpy(build_id, layout->build_id, sizeof build_id);
   pg_memcpy(tail_calls, layout->tail_call_handlers, sizeof tail_calls);
   if (!pg_pydebugoffsets_decode(layout, table, sizeof table, err, sizeof err)) {
      VG_(snprintf)(why, why_len, "no DWARF, and %s", err);
      return False;
   }
   /* What the inspector saw in the file, which the table does not say. */
   pg_memcpy(layout->build_id, build_id, sizeof build_id);
   pg_memcpy(layout->tail_call_handlers, tail_calls, sizeof tail_calls);
   layout->runtime_address = runtime - (Addr)bias;
   return True;
}

/*------------------------------------------------------------*/
/*--- Is it CPython?                                       ---*/
/*------------------------------------------------------------*/

/* Defined (not only used) by every CPython 2.7-3.13 in the object holding
 * its eval loop (libpythonX.Y.so, or a static python executable) and
 * exported in .dynsym, which survives stripping (Debian's python3.11). */
static const HChar *const cpython_symbols[] = {
   "PyEval_EvalCode", "PyCode_Type", "PyFrame_Type"
};
#define N_CPYTHON_SYMBOLS (sizeof cpython_symbols / sizeof cpython_symbols[0])

/* The symbols looked for: CPYTHON_SYMBOLS, then those that only a
 * free-threaded build defines (pg_pylayout_free_threaded_symbols). */
#define MAX_LOOKED_FOR 16

static UInt symbols_looked_for(const HChar **names)
{
   UInt n = 0, i;
   for (i = 0; i < N_CPYTHON_SYMBOLS; i++)
      names[n++] = cpython_symbols[i];
   for (i = 0; pg_pylayout_free_threaded_symbols[i] != NULL && n < MAX_LOOKED_FOR; i++)
      names[n++] = pg_pylayout_free_threaded_symbols[i];
   return n;
}

/* Marks in FOUND which of the N_NAMES NAMES symbol table SYMTAB defines. */
static void find_defined_symbols(Int fd, const PgElfSection *sections, UInt n_sections,
                                 const PgElfSection *symtab, const HChar **names,
                                 UInt n_names, Bool *found)
{
   UChar *symbols, *strings;
   const PgElfSection *strtab;
   ULong i, count;
   UInt k;

   if (symtab->link >= n_sections || symtab->entsize != sizeof(PgElfSymbol))
      return;
   strtab = &sections[symtab->link];
   symbols = pg_elffile_read_section(fd, symtab);
   strings = pg_elffile_read_section(fd, strtab);
   count = symbols != NULL && strings != NULL ? symtab->size / sizeof(PgElfSymbol) : 0;
   for (i = 0; i < count; i++) {
      PgElfSymbol sym;
      pg_memcpy(&sym, symbols + i * sizeof sym, sizeof sym);
      if (sym.shndx == 0 || sym.name >= strtab->size)    /* undefined */
         continue;
      for (k = 0; k < n_names; k++)
         if (!found[k] && pg_strlen(names[k]) < strtab->size - sym.name
             && pg_strcmp((const HChar *)strings + sym.name, names[k]) == 0)
            found[k] = True;
   }
   pg_free(symbols);
   pg_free(strings);
}

/* Whether OBJECT defines every one of CPYTHON_SYMBOLS; else False with
 * the first one missing (or why the file could not be read) in WHY.
 * FREE_THREADED receives the first symbol only a free-threaded build
 * defines that OBJECT defines, or NULL. */
static Bool defines_cpython_symbols(const HChar *object, HChar *why, SizeT why_len,
                                    const HChar **free_threaded)
{
   const HChar *names[MAX_LOOKED_FOR];
   Bool found[MAX_LOOKED_FOR];
   UInt n_names = symbols_looked_for(names);
   PgElfHeader header;
   PgElfSection *sections;
   Int fd = pg_elffile_open(object, &header, &sections);
   UInt i;

   *free_threaded = NULL;
   if (fd < 0) {
      VG_(snprintf)(why, why_len, "cannot open it to read its symbols");
      return False;
   }
   pg_memset(found, 0, sizeof found);
   for (i = 0; i < header.shnum; i++)
      if (sections[i].type == PG_ELF_SHT_SYMTAB || sections[i].type == PG_ELF_SHT_DYNSYM)
         find_defined_symbols(fd, sections, header.shnum, &sections[i],
                              names, n_names, found);
   pg_free(sections);
   VG_(close)(fd);
   for (i = N_CPYTHON_SYMBOLS; i < n_names; i++)
      if (found[i] && *free_threaded == NULL)
         *free_threaded = names[i];
   for (i = 0; i < N_CPYTHON_SYMBOLS; i++)
      if (!found[i]) {
         VG_(snprintf)(why, why_len, "it defines no %s", cpython_symbols[i]);
         return False;
      }
   return True;
}

/*------------------------------------------------------------*/
/*--- Choosing the source                                  ---*/
/*------------------------------------------------------------*/

/* pyprofgrind-inspect's exit status for an interpreter it recognises but
 * whose frames cannot be followed without its debug info. */
#define INSPECTOR_EXIT_UNFOLLOWABLE 3

Bool pg_pysource_layout(const HChar *object, PtrdiffT bias, PgPyLayout *layout)
{
   static HChar text[MAX_LAYOUT_TEXT];
   HChar inspector[1024], err[256], why[300], abi_flags[4];
   const HChar *free_threaded;
   UInt version;
   Int status, signal = 0;

   if (!defines_cpython_symbols(object, why, sizeof why, &free_threaded)) {
      VG_(umsg)("pyprofgrind: %s: not a CPython interpreter (it has an eval "
                "function's name, but %s); profiling it as C\n", object, why);
      return False;
   }
   /* Its objects, reference counts and per-thread bytecode are not those
    * any layout describes: refused before any layout is made. */
   version = pg_pylayout_version_from_name(object, abi_flags);
   if (free_threaded != NULL || VG_(strchr)(abi_flags, 't') != NULL) {
      VG_(umsg)("pyprofgrind: %s: cannot read this interpreter (a free-threaded "
                "CPython build: %s%s; not supported); profiling it as C only\n",
                object, free_threaded != NULL ? "it defines " : "ABI flag t in its name",
                free_threaded != NULL ? free_threaded : "");
      return False;
   }
   why[0] = 0;
   if (find_inspector(inspector, sizeof inspector)) {
      status = run_inspector(inspector, object, text, sizeof text, &signal);
      if (status == 0) {
         pg_pylayout_clear(layout);
         if (!pg_pylayout_parse(layout, text, pg_strlen(text), err, sizeof err))
            VG_(snprintf)(why, sizeof why, "%s gave an unusable layout (%s)",
                          INSPECTOR_NAME, err);
         else if (layout->gil_disabled[0] != '\0') {
            /* No other source would describe it better. */
            pg_pylayout_complete(layout, err, sizeof err);
            VG_(umsg)("pyprofgrind: %s: cannot read this interpreter (%s); "
                      "profiling it as C only\n", object, err);
            return False;
         } else if (pg_pylayout_complete(layout, err, sizeof err))
            return True;
         else if (layout->runtime_address == 0)
            VG_(snprintf)(why, sizeof why, "%s gave an unusable layout (%s)",
                          INSPECTOR_NAME, err);
         else if (layout_from_debug_offsets(layout, bias, why, sizeof why)) {
            VG_(umsg)("pyprofgrind: %s: no DWARF; CPython %u.%u.%u layout from "
                      "its _Py_DebugOffsets: functions and lines, no opcodes\n",
                      object, layout->version_hex >> 24,
                      (layout->version_hex >> 16) & 0xff,
                      (layout->version_hex >> 8) & 0xff);
            return True;
         } else {
            /* The interpreter describes itself and the description was
             * refused (a free-threaded build, a newer table): the built-in
             * layout of its version would be wrong too. */
            VG_(umsg)("pyprofgrind: %s: cannot read this interpreter (%s); "
                      "profiling it as C only\n", object, why);
            return False;
         }
      } else if (status == INSPECTOR_EXIT_UNFOLLOWABLE) {
         /* A CPython whose eval loop cannot be told apart without its
          * debug info: the built-in layout of its version would give
          * Python frames that are not followed. */
         first_line(text, why, sizeof why);
         VG_(umsg)("pyprofgrind: %s: cannot read this interpreter (%s); "
                   "profiling it as C only\n", object, why);
         return False;
      } else if (status > 0) {
         first_line(text, why, sizeof why);
      } else if (status == INSPECTOR_KILLED) {
         VG_(snprintf)(why, sizeof why, "%s was killed by signal %d reading "
                       "this file", INSPECTOR_NAME, signal);
      } else {
         VG_(snprintf)(why, sizeof why, "could not run %s", inspector);
      }
   } else {
      VG_(snprintf)(why, sizeof why, "%s is not installed", INSPECTOR_NAME);
   }

   pg_pylayout_clear(layout);
   if (version != 0 && pg_pylayout_known(layout, version)) {
      VG_(umsg)("pyprofgrind: %s: no layout from DWARF (%s); using the built-in "
                "CPython %u.%u layout: functions and lines, no opcodes\n",
                object, why, version >> 24, (version >> 16) & 0xff);
      return True;
   }
   VG_(umsg)("pyprofgrind: %s: cannot read this interpreter (%s; not a CPython "
             "version with a built-in layout); profiling it as C only\n", object, why);
   return False;
}
