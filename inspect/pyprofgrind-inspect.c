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
 * naming FILE and what is missing; 2 usage error.  Cache problems are
 * warnings, never failures.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "pg_pydebugoffsets.h"
#include "pg_pylayout.h"

static const char *program_name = "pyprofgrind-inspect";

/* ===================================================================== */
/* A small ELF64 reader.                                                  */
/*                                                                       */
/* libdwarf only exposes the DWARF sections, but some facts live in       */
/* ordinary ELF data: the build-id note, the value of the Py_Version      */
/* constant (its DWARF definition has a location, not a value), the       */
/* version string in .rodata, and the opcode tables (opcode_targets, a    */
/* table of label addresses, relocated in a shared object;                */
/* _PyOpcode_Deopt).  Reading section headers, symbol tables, relocations */
/* and a few bytes is little code, so this avoids a libelf dependency.    */
/* ===================================================================== */

typedef struct {
   const unsigned char *data;     /* the whole file, mapped */
   size_t               size;
   Elf64_Shdr          *sections; /* copied: the mapping may be unaligned */
   unsigned             n_sections;
   const Elf64_Shdr    *names;    /* section name string table */
   int                  fd;       /* kept open: libdwarf reads the same file */
} ElfImage;

static void elf_close(ElfImage *elf)
{
   if (elf->data != NULL)
      munmap((void *)elf->data, elf->size);
   if (elf->fd >= 0)
      close(elf->fd);
   free(elf->sections);
   memset(elf, 0, sizeof *elf);
   elf->fd = -1;
}

/* Maps PATH and checks it is a little-endian ELF64 file with sane section
 * headers; else False with the reason in WHY.  PATH may come from the
 * profiled process: O_NONBLOCK so that a FIFO cannot hang us, and only a
 * regular file is read.  The descriptor stays open (ELF->fd) so that the
 * DWARF is read from the very file whose build-id was read. */
static int elf_open(ElfImage *elf, const char *path, char *why, size_t why_len)
{
   Elf64_Ehdr header;
   struct stat st;
   void *map;
   int fd;
   unsigned i;

   memset(elf, 0, sizeof *elf);
   elf->fd = -1;
   fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
   if (fd < 0) {
      snprintf(why, why_len, "cannot open: %s", strerror(errno));
      return 0;
   }
   if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      snprintf(why, why_len, "not a regular file");
      close(fd);
      return 0;
   }
   if ((size_t)st.st_size < sizeof header) {
      snprintf(why, why_len, "not an ELF file (too short)");
      close(fd);
      return 0;
   }
   map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
   if (map == MAP_FAILED) {
      snprintf(why, why_len, "cannot map: %s", strerror(errno));
      close(fd);
      return 0;
   }
   elf->fd = fd;
   elf->data = map;
   elf->size = (size_t)st.st_size;

   memcpy(&header, elf->data, sizeof header);
   if (memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
      snprintf(why, why_len, "not an ELF file");
      goto fail;
   }
   if (header.e_ident[EI_CLASS] != ELFCLASS64
       || header.e_ident[EI_DATA] != ELFDATA2LSB) {
      snprintf(why, why_len, "not a little-endian 64-bit ELF file");
      goto fail;
   }
   if (header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shnum == 0
       || header.e_shoff > elf->size
       || (elf->size - header.e_shoff) / sizeof(Elf64_Shdr) < header.e_shnum
       || header.e_shstrndx >= header.e_shnum) {
      snprintf(why, why_len, "ELF section headers missing or damaged");
      goto fail;
   }
   elf->n_sections = header.e_shnum;
   elf->sections = calloc(elf->n_sections, sizeof(Elf64_Shdr));
   if (elf->sections == NULL) {
      snprintf(why, why_len, "out of memory");
      goto fail;
   }
   memcpy(elf->sections, elf->data + header.e_shoff,
          elf->n_sections * sizeof(Elf64_Shdr));
   for (i = 0; i < elf->n_sections; i++) {
      const Elf64_Shdr *s = &elf->sections[i];
      if (s->sh_type != SHT_NOBITS
          && (s->sh_offset > elf->size || s->sh_size > elf->size - s->sh_offset)) {
         snprintf(why, why_len, "ELF section %u lies outside the file", i);
         goto fail;
      }
   }
   elf->names = &elf->sections[header.e_shstrndx];
   return 1;

fail:
   elf_close(elf);
   return 0;
}

/* The NUL-terminated string at OFFSET of string table section TABLE, or
 * NULL if it runs off the section. */
static const char *elf_string(const ElfImage *elf, const Elf64_Shdr *table,
                              Elf64_Word offset)
{
   const char *start;

   if (table->sh_type == SHT_NOBITS || offset >= table->sh_size)
      return NULL;
   start = (const char *)elf->data + table->sh_offset + offset;
   if (memchr(start, '\0', table->sh_size - offset) == NULL)
      return NULL;
   return start;
}

static const Elf64_Shdr *elf_section(const ElfImage *elf, const char *name)
{
   unsigned i;

   for (i = 0; i < elf->n_sections; i++) {
      const char *section_name = elf_string(elf, elf->names,
                                            elf->sections[i].sh_name);
      if (section_name != NULL && strcmp(section_name, name) == 0)
         return &elf->sections[i];
   }
   return NULL;
}

/* Looks NAME up in .symtab, then .dynsym (which survives stripping). */
static int elf_symbol(const ElfImage *elf, const char *name, Elf64_Addr *value,
                      Elf64_Xword *size)
{
   static const Elf32_Word table_types[] = { SHT_SYMTAB, SHT_DYNSYM };
   unsigned t, i;

   for (t = 0; t < 2; t++) {
      for (i = 0; i < elf->n_sections; i++) {
         const Elf64_Shdr *symbols = &elf->sections[i];
         const Elf64_Shdr *strings;
         size_t n, k;

         if (symbols->sh_type != table_types[t]
             || symbols->sh_entsize != sizeof(Elf64_Sym)
             || symbols->sh_link >= elf->n_sections)
            continue;
         strings = &elf->sections[symbols->sh_link];
         n = symbols->sh_size / sizeof(Elf64_Sym);
         for (k = 0; k < n; k++) {
            Elf64_Sym sym;
            const char *sym_name;
            memcpy(&sym, elf->data + symbols->sh_offset + k * sizeof sym,
                   sizeof sym);
            if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0)
               continue;
            sym_name = elf_string(elf, strings, sym.st_name);
            if (sym_name != NULL && strcmp(sym_name, name) == 0) {
               *value = sym.st_value;
               *size = sym.st_size;
               return 1;
            }
         }
      }
   }
   return 0;
}

/* Does SYM_NAME name NAME, or (with SUFFIXED) a copy GCC renamed: a
 * function-local static gets a number ("opcode_targets.3"), a static
 * under link-time optimisation a tail ("_PyOpcode_Jump.lto_priv.0")? */
static int symbol_name_matches(const char *sym_name, const char *name, int suffixed)
{
   size_t n = strlen(name);

   if (strncmp(sym_name, name, n) != 0)
      return 0;
   return sym_name[n] == '\0' || (suffixed && sym_name[n] == '.');
}

/* Looks for a data object (STT_OBJECT) of SIZE bytes named NAME (see
 * symbol_name_matches) in .symtab and .dynsym.  Returns how many distinct
 * addresses such symbols have (1: the answer, in VALUE; more: ambiguous). */
static int elf_object(const ElfImage *elf, const char *name, int suffixed,
                      Elf64_Xword size, Elf64_Addr *value)
{
   unsigned i;
   int found = 0;

   for (i = 0; i < elf->n_sections; i++) {
      const Elf64_Shdr *symbols = &elf->sections[i];
      const Elf64_Shdr *strings;
      size_t n, k;

      if ((symbols->sh_type != SHT_SYMTAB && symbols->sh_type != SHT_DYNSYM)
          || symbols->sh_entsize != sizeof(Elf64_Sym)
          || symbols->sh_link >= elf->n_sections)
         continue;
      strings = &elf->sections[symbols->sh_link];
      n = symbols->sh_size / sizeof(Elf64_Sym);
      for (k = 0; k < n; k++) {
         Elf64_Sym sym;
         const char *sym_name;
         memcpy(&sym, elf->data + symbols->sh_offset + k * sizeof sym, sizeof sym);
         if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0 || sym.st_size != size
             || ELF64_ST_TYPE(sym.st_info) != STT_OBJECT)
            continue;
         sym_name = elf_string(elf, strings, sym.st_name);
         if (sym_name == NULL || !symbol_name_matches(sym_name, name, suffixed))
            continue;
         if (found == 0 || sym.st_value != *value) {
            if (found == 0)
               *value = sym.st_value;
            found++;
         }
      }
   }
   return found;
}

/* Copies N bytes at link-time address ADDR from the allocated section
 * holding them; False if no section in the file has their bytes (in a
 * detached debug file .rodata is SHT_NOBITS). */
static int elf_read(const ElfImage *elf, Elf64_Addr addr, void *out, size_t n)
{
   unsigned i;

   for (i = 0; i < elf->n_sections; i++) {
      const Elf64_Shdr *s = &elf->sections[i];
      if (!(s->sh_flags & SHF_ALLOC) || s->sh_type == SHT_NOBITS)
         continue;
      if (addr >= s->sh_addr && addr - s->sh_addr <= s->sh_size
          && n <= s->sh_size - (addr - s->sh_addr)) {
         memcpy(out, elf->data + s->sh_offset + (addr - s->sh_addr), n);
         return 1;
      }
   }
   return 0;
}

/* Reads the N pointers of the array at link-time address ADDR into
 * VALUES: as the dynamic linker would see them, so in a shared object
 * from the R_X86_64_RELATIVE relocations (their addend is the link-time
 * address; the bytes in the file may be 0), else from the bytes in the
 * file (a non-PIE executable holds absolute addresses).  An entry is 0
 * when neither says (another relocation type, no bytes).  Returns False
 * if nothing at all was found. */
static int elf_read_pointers(const ElfImage *elf, Elf64_Addr addr, size_t n,
                             Elf64_Addr *values)
{
   Elf64_Addr end = addr + n * sizeof(Elf64_Addr);
   int any = elf_read(elf, addr, values, n * sizeof(Elf64_Addr));
   unsigned i;

   if (!any)
      memset(values, 0, n * sizeof(Elf64_Addr));
   for (i = 0; i < elf->n_sections; i++) {
      const Elf64_Shdr *s = &elf->sections[i];
      size_t k, count;

      if (s->sh_type != SHT_RELA || s->sh_entsize != sizeof(Elf64_Rela))
         continue;
      count = s->sh_size / sizeof(Elf64_Rela);
      for (k = 0; k < count; k++) {
         Elf64_Rela rela;
         memcpy(&rela, elf->data + s->sh_offset + k * sizeof rela, sizeof rela);
         if (rela.r_offset < addr || rela.r_offset >= end
             || (rela.r_offset - addr) % sizeof(Elf64_Addr) != 0)
            continue;
         values[(rela.r_offset - addr) / sizeof(Elf64_Addr)] =
            ELF64_R_TYPE(rela.r_info) == R_X86_64_RELATIVE
               ? (Elf64_Addr)rela.r_addend : 0;
         any = 1;
      }
   }
   return any;
}

/* The GNU build-id note in hex, "" if there is none. */
static void elf_build_id(const ElfImage *elf, char *hex, size_t hex_len)
{
   unsigned i;

   hex[0] = '\0';
   for (i = 0; i < elf->n_sections; i++) {
      const Elf64_Shdr *s = &elf->sections[i];
      size_t pos = 0;

      if (s->sh_type != SHT_NOTE)
         continue;
      while (pos + sizeof(Elf64_Nhdr) <= s->sh_size) {
         Elf64_Nhdr note;
         size_t name_size, desc_size, k;
         const unsigned char *name, *desc;

         memcpy(&note, elf->data + s->sh_offset + pos, sizeof note);
         name_size = (note.n_namesz + 3u) & ~3u;
         desc_size = (note.n_descsz + 3u) & ~3u;
         if (name_size > s->sh_size - pos - sizeof note
             || desc_size > s->sh_size - pos - sizeof note - name_size)
            break;
         name = elf->data + s->sh_offset + pos + sizeof note;
         desc = name + name_size;
         if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4
             && memcmp(name, "GNU", 4) == 0
             && note.n_descsz * 2 + 1 <= hex_len) {
            for (k = 0; k < note.n_descsz; k++)
               sprintf(hex + 2 * k, "%02x", desc[k]);
            return;
         }
         pos += sizeof note + name_size + desc_size;
      }
   }
}

/* Parses "MAJOR.MINOR.MICRO[{a,b,rc}SERIAL][+]" at S (ending at END) as a
 * PY_VERSION_HEX; the text must be followed by a NUL. */
static int parse_version_string(const char *s, const char *end, unsigned *hex)
{
   unsigned part[3] = { 0, 0, 0 }, level = 0xf, serial = 0;
   unsigned i;

   for (i = 0; i < 3; i++) {
      const char *digits = s;
      while (s < end && *s >= '0' && *s <= '9' && s - digits < 3)
         part[i] = part[i] * 10 + (unsigned)(*s++ - '0');
      if (s == digits)
         return 0;
      if (i < 2) {
         if (s == end || *s != '.')
            return 0;
         s++;
      }
   }
   if (s < end && (*s == 'a' || *s == 'b' || (*s == 'r' && s + 1 < end && s[1] == 'c'))) {
      level = *s == 'a' ? 0xa : *s == 'b' ? 0xb : 0xc;
      s += level == 0xc ? 2 : 1;
      if (s == end || *s < '0' || *s > '9')
         return 0;
      while (s < end && *s >= '0' && *s <= '9')
         serial = serial * 10 + (unsigned)(*s++ - '0');
   }
   if (s < end && *s == '+')
      s++;
   if (s == end || *s != '\0' || part[1] > 255 || part[2] > 255 || serial > 15)
      return 0;
   *hex = (part[0] << 24) | (part[1] << 16) | (part[2] << 8) | (level << 4) | serial;
   return 1;
}

/* Searches .rodata for PY_VERSION ("3.10.13"), which the linker may have
 * merged into the tail of a longer string such as the install prefix.  A
 * candidate is "MAJOR.MINOR." followed by a version and a NUL, not preceded
 * by a digit or a dot.  Returns how many distinct versions were seen (the
 * answer is trusted only when that is 1). */
static int elf_version_string(const ElfImage *elf, int major, int minor,
                              unsigned *version_hex)
{
   const Elf64_Shdr *rodata = elf_section(elf, ".rodata");
   char prefix[16];
   size_t prefix_len, pos;
   const char *start, *end;
   unsigned found = 0;
   int distinct = 0;

   if (rodata == NULL || rodata->sh_type == SHT_NOBITS)
      return 0;
   prefix_len = (size_t)snprintf(prefix, sizeof prefix, "%d.%d.", major, minor);
   start = (const char *)elf->data + rodata->sh_offset;
   end = start + rodata->sh_size;
   for (pos = 0; pos + prefix_len < rodata->sh_size; pos++) {
      const char *p = start + pos;
      unsigned hex;
      if (*p != prefix[0] || memcmp(p, prefix, prefix_len) != 0)
         continue;
      if (pos > 0 && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.'))
         continue;
      if (!parse_version_string(p, end, &hex))
         continue;
      if (distinct == 0 || hex != found) {
         distinct++;
         found = hex;
      }
   }
   if (distinct == 1)
      *version_hex = found;
   return distinct;
}

/* ===================================================================== */
/* Printing a layout in its text form                                    */
/* ===================================================================== */

typedef struct {
   const char *key;
   size_t      field;     /* offsetof in PgPyLayout */
   const char *looked_for;/* what the DWARF search looks for, for humans */
} IntField;

/* The Int fields of PgPyLayout, from the layout's one field list. */
#define INT_FIELD_OF_KIND_INT(f, what) { #f, offsetof(PgPyLayout, f), what },
#define INT_FIELD_OF_KIND_HEX32(f, what)
#define INT_FIELD_OF_KIND_WORD(f, what)
#define INT_FIELD_OF_KIND_ADDRESS(f, what)
#define INT_FIELD_OF_KIND_FRAME_MODEL(f, what)
#define INT_FIELD_OF_KIND_LINE_FORMAT(f, what)
#define INT_FIELD_OF_KIND_STRING_FORMAT(f, what)
#define INT_FIELD(kind, f, a, b, dflt, need, what) INT_FIELD_OF_KIND_##kind(f, what)

static const IntField int_fields[] = {
   PG_LAYOUT_FIELDS(INT_FIELD)
};
#define N_INT_FIELDS (sizeof int_fields / sizeof int_fields[0])

static Int *int_field_of(PgPyLayout *layout, unsigned i)
{
   return (Int *)((char *)layout + int_fields[i].field);
}

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

/* ===================================================================== */
/* DWARF                                                                  */
/* ===================================================================== */

/* Top-level DIEs looked up by name: the eval functions and the object
 * types that are not reachable from the eval function's parameters. */
enum {
   TARGET_EVAL_DEFAULT,     /* 3.6+: _PyEval_EvalFrameDefault */
   TARGET_EVAL_EX,          /* 2.7 (a thin wrapper in 3.x) */
   TARGET_THREAD_STATE,
   TARGET_CODE,
   TARGET_BYTES,
   TARGET_STRING,           /* Python 2 str */
   TARGET_ASCII,
   TARGET_COMPACT_UNICODE,
   N_TARGETS
};

static const struct {
   const char *name;
   Dwarf_Half  tag;         /* DW_TAG_subprogram or DW_TAG_typedef */
} target_specs[N_TARGETS] = {
   { "_PyEval_EvalFrameDefault", DW_TAG_subprogram },
   { "PyEval_EvalFrameEx",       DW_TAG_subprogram },
   { "PyThreadState",            DW_TAG_typedef },
   { "PyCodeObject",             DW_TAG_typedef },
   { "PyBytesObject",            DW_TAG_typedef },
   { "PyStringObject",           DW_TAG_typedef },
   { "PyASCIIObject",            DW_TAG_typedef },
   { "PyCompactUnicodeObject",   DW_TAG_typedef },
};

typedef struct {
   const char  *path;          /* FILE from the command line */
   const char  *dwarf_path;    /* where the DWARF is read from */
   Dwarf_Debug  dbg;
   Dwarf_Error  err;

   /* Name lookups: subprogram DIE, or the complete struct a typedef names. */
   int          found[N_TARGETS];
   Dwarf_Off    target_die[N_TARGETS];
   int          cstack_found;
   Dwarf_Signed cstack_value;
   Dwarf_Signed codeunit_size;  /* sizeof(_Py_CODEUNIT), 0 if not found */
   unsigned     units_total, units_scanned;

   /* Structures reached from the eval function. */
   Dwarf_Off    eval_die, frame_struct, tstate_struct, code_struct;
   char         frame_struct_name[48];

   /* Structural fingerprints for the version family. */
   int          has_f_exc_type, has_co_extra, has_co_posonlyargcount;
   int          has_co_exceptiontable;
   int          family_major, family_minor;
   const char  *family_note;

   const char  *version_from;  /* how version_hex was found */

   unsigned     labels_seen, labels_target, labels_no_address;
   unsigned     labels_dropped;

   /* Opcode numbers (from opcode_targets) and base instructions (from
    * _PyOpcode_Deopt), for the summary. */
   const char  *opcodes_missing;     /* why there are no opcode lines */
   unsigned     opcodes_named, opcodes_unused, opcodes_no_label;
   unsigned     opcodes_shared;      /* left unnamed: handler shared */
   char         opcodes_shared_list[768];
   int          de_instrument_used;  /* DE_INSTRUMENT told shared ones apart */
   const char  *bases_missing;       /* why there are no opcode_base lines */
   unsigned     bases_found, bases_unnamed;

   PgPyLayout   layout;
   char         found_as[N_INT_FIELDS][80];
} Inspector;

static void drop_error(Inspector *in)
{
   if (in->err != NULL) {
      dwarf_dealloc_error(in->dbg, in->err);
      in->err = NULL;
   }
}

static Dwarf_Die die_at(Inspector *in, Dwarf_Off offset)
{
   Dwarf_Die die = NULL;

   if (dwarf_offdie_b(in->dbg, offset, 1, &die, &in->err) != DW_DLV_OK) {
      drop_error(in);
      return NULL;
   }
   return die;
}

static Dwarf_Half die_tag(Inspector *in, Dwarf_Die die)
{
   Dwarf_Half tag = 0;

   if (dwarf_tag(die, &tag, &in->err) != DW_DLV_OK)
      drop_error(in);
   return tag;
}

/* The DIE's own DW_AT_name, or NULL.  libdwarf owns the string. */
static const char *die_name(Inspector *in, Dwarf_Die die)
{
   char *name = NULL;
   int res = dwarf_diename(die, &name, &in->err);

   if (res == DW_DLV_ERROR)
      drop_error(in);
   return res == DW_DLV_OK ? name : NULL;
}

static Dwarf_Off die_offset(Inspector *in, Dwarf_Die die)
{
   Dwarf_Off offset = 0;

   if (dwarf_dieoffset(die, &offset, &in->err) != DW_DLV_OK)
      drop_error(in);
   return offset;
}

static int die_has(Inspector *in, Dwarf_Die die, Dwarf_Half attr_num)
{
   Dwarf_Bool has = 0;

   if (dwarf_hasattr(die, attr_num, &has, &in->err) != DW_DLV_OK) {
      drop_error(in);
      return 0;
   }
   return has != 0;
}

static Dwarf_Attribute die_attr(Inspector *in, Dwarf_Die die, Dwarf_Half attr_num)
{
   Dwarf_Attribute attr = NULL;
   int res = dwarf_attr(die, attr_num, &attr, &in->err);

   if (res == DW_DLV_ERROR)
      drop_error(in);
   return res == DW_DLV_OK ? attr : NULL;
}

/* A constant attribute (offsets, sizes, enumerator values).  Fixed-size
 * forms are read as unsigned: DW_FORM_data1 holding 128 is an offset of
 * 128, not -128; only the signed forms are read as signed.  False if
 * absent or not a constant. */
static int die_constant(Inspector *in, Dwarf_Die die, Dwarf_Half attr_num,
                        Dwarf_Signed *value)
{
   Dwarf_Attribute attr = die_attr(in, die, attr_num);
   Dwarf_Half form = 0;
   Dwarf_Unsigned u;
   Dwarf_Signed s;
   int ok = 0;

   if (attr == NULL)
      return 0;
   if (dwarf_whatform(attr, &form, &in->err) != DW_DLV_OK) {
      drop_error(in);
   } else if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
      if (dwarf_formsdata(attr, &s, &in->err) == DW_DLV_OK) {
         *value = s;
         ok = 1;
      }
   } else if (dwarf_formudata(attr, &u, &in->err) == DW_DLV_OK) {
      *value = (Dwarf_Signed)u;
      ok = 1;
   }
   drop_error(in);
   dwarf_dealloc_attribute(attr);
   return ok;
}

/* The global offset a reference attribute (DW_AT_type...) points to. */
static int die_ref(Inspector *in, Dwarf_Die die, Dwarf_Half attr_num,
                   Dwarf_Off *target)
{
   Dwarf_Attribute attr = die_attr(in, die, attr_num);
   int ok;

   if (attr == NULL)
      return 0;
   ok = dwarf_global_formref(attr, target, &in->err) == DW_DLV_OK;
   if (!ok)
      drop_error(in);
   dwarf_dealloc_attribute(attr);
   return ok;
}

/* DW_AT_data_member_location of a member: a constant (DWARF 3+) or, in
 * older producers, a DW_OP_plus_uconst expression. */
static int member_location(Inspector *in, Dwarf_Die member, Dwarf_Signed *offset)
{
   Dwarf_Attribute attr;
   Dwarf_Block *block = NULL;
   int ok = 0;

   if (die_constant(in, member, DW_AT_data_member_location, offset))
      return 1;
   attr = die_attr(in, member, DW_AT_data_member_location);
   if (attr == NULL)
      return 0;
   if (dwarf_formblock(attr, &block, &in->err) == DW_DLV_OK) {
      const unsigned char *p = block->bl_data;
      if (block->bl_len >= 2 && p[0] == DW_OP_plus_uconst) {
         Dwarf_Unsigned value = 0;
         unsigned shift = 0;
         Dwarf_Unsigned i;
         for (i = 1; i < block->bl_len && shift < 63; i++, shift += 7) {
            value |= (Dwarf_Unsigned)(p[i] & 0x7f) << shift;
            if (!(p[i] & 0x80)) {
               *offset = (Dwarf_Signed)value;
               ok = 1;
               break;
            }
         }
      }
      dwarf_dealloc(in->dbg, block, DW_DLA_BLOCK);
   } else {
      drop_error(in);
   }
   dwarf_dealloc_attribute(attr);
   return ok;
}

/* Follows the DW_AT_type of DIE through typedefs and qualifiers, and
 * through at most MAX_POINTERS pointer types, to a structure or union.
 * NAMES collects the typedef and tag names met (space separated, for
 * matching), may be NULL.  Returns the struct's offset, or 0. */
static Dwarf_Off resolve_struct(Inspector *in, Dwarf_Die die, int max_pointers,
                                char *names, size_t names_len)
{
   Dwarf_Off type_off;
   Dwarf_Off result = 0;
   int steps;

   if (names != NULL && names_len > 0)
      names[0] = '\0';
   if (!die_ref(in, die, DW_AT_type, &type_off))
      return 0;
   for (steps = 0; steps < 16; steps++) {
      Dwarf_Die type = die_at(in, type_off);
      Dwarf_Half tag;
      const char *name;
      int follow = 0;

      if (type == NULL)
         return 0;
      tag = die_tag(in, type);
      name = die_name(in, type);
      if (name != NULL && names != NULL
          && strlen(names) + strlen(name) + 2 < names_len) {
         strcat(names, " ");
         strcat(names, name);
      }
      switch (tag) {
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
         result = type_off;
         break;
      case DW_TAG_pointer_type:
         if (max_pointers-- > 0)
            follow = 1;
         break;
      case DW_TAG_typedef:
      case DW_TAG_const_type:
      case DW_TAG_volatile_type:
      case DW_TAG_restrict_type:
      case DW_TAG_atomic_type:
         follow = 1;
         break;
      default:
         break;
      }
      if (follow && !die_ref(in, type, DW_AT_type, &type_off))
         follow = 0;
      dwarf_dealloc_die(type);
      if (!follow)
         break;
   }
   if (names != NULL && names_len > 0)
      strcat(names, " ");
   return result;
}

/* True if " WORD " occurs in a names list built by resolve_struct. */
static int names_include(const char *names, const char *word)
{
   char padded[64];

   snprintf(padded, sizeof padded, " %s ", word);
   return strstr(names, padded) != NULL;
}

static int struct_is_complete(Inspector *in, Dwarf_Off struct_off)
{
   Dwarf_Die die = die_at(in, struct_off);
   int complete;

   if (die == NULL)
      return 0;
   complete = !die_has(in, die, DW_AT_declaration);
   dwarf_dealloc_die(die);
   return complete;
}

static Dwarf_Signed struct_size(Inspector *in, Dwarf_Off struct_off)
{
   Dwarf_Die die = die_at(in, struct_off);
   Dwarf_Signed size = -1;

   if (die == NULL)
      return -1;
   if (!die_constant(in, die, DW_AT_byte_size, &size))
      size = -1;
   dwarf_dealloc_die(die);
   return size;
}

typedef struct {
   Dwarf_Signed offset;     /* bytes from the start of the outer struct */
   Dwarf_Off    member;     /* the member DIE */
   char         path[80];   /* "ob_base.ob_size" */
} MemberHit;

/* Finds member NAME of the struct at STRUCT_OFF.  With BASES, also looks
 * inside embedded base objects: members named ob_base or _base (CPython's
 * convention for PyObject_HEAD / PyObject_VAR_HEAD and subclassing) and
 * anonymous members, adding their offsets. */
static int find_member(Inspector *in, Dwarf_Off struct_off, const char *name,
                       int bases, MemberHit *hit)
{
   Dwarf_Die parent, child, next;
   Dwarf_Off embedded[8];
   Dwarf_Signed embedded_at[8];
   char embedded_name[8][24];
   unsigned n_embedded = 0, i;
   int found = 0;

   parent = die_at(in, struct_off);
   if (parent == NULL)
      return 0;
   if (dwarf_child(parent, &child, &in->err) != DW_DLV_OK) {
      drop_error(in);
      dwarf_dealloc_die(parent);
      return 0;
   }
   dwarf_dealloc_die(parent);
   while (child != NULL) {
      if (die_tag(in, child) == DW_TAG_member) {
         const char *member_name = die_name(in, child);
         Dwarf_Signed location = 0, bit_location;

         if (!member_location(in, child, &location)
             && die_constant(in, child, DW_AT_data_bit_offset, &bit_location))
            location = bit_location / 8;
         if (member_name != NULL && strcmp(member_name, name) == 0) {
            hit->offset = location;
            hit->member = die_offset(in, child);
            snprintf(hit->path, sizeof hit->path, "%s", name);
            found = 1;
         } else if (bases && n_embedded < 8
                    && (member_name == NULL || strcmp(member_name, "ob_base") == 0
                        || strcmp(member_name, "_base") == 0)) {
            Dwarf_Off inner = resolve_struct(in, child, 0, NULL, 0);
            if (inner != 0) {
               embedded[n_embedded] = inner;
               embedded_at[n_embedded] = location;
               snprintf(embedded_name[n_embedded], sizeof embedded_name[0],
                        "%s", member_name != NULL ? member_name : "");
               n_embedded++;
            }
         }
      }
      if (found) {
         dwarf_dealloc_die(child);
         return 1;
      }
      if (dwarf_siblingof_b(in->dbg, child, 1, &next, &in->err) != DW_DLV_OK) {
         drop_error(in);
         next = NULL;
      }
      dwarf_dealloc_die(child);
      child = next;
   }
   for (i = 0; i < n_embedded; i++) {
      if (find_member(in, embedded[i], name, bases, hit)) {
         char inner_path[80];
         snprintf(inner_path, sizeof inner_path, "%s", hit->path);
         if (embedded_name[i][0] != '\0')
            snprintf(hit->path, sizeof hit->path, "%.23s.%.54s",
                     embedded_name[i], inner_path);
         hit->offset += embedded_at[i];
         return 1;
      }
   }
   return 0;
}

/* The bit position of bit-field NAME of the struct at STRUCT_OFF, counted
 * from the least significant bit of the struct's first byte (amd64 is
 * little-endian, so this is its shift within a 32-bit load). */
static int bitfield_shift(Inspector *in, Dwarf_Off struct_off, const char *name,
                          Int *shift)
{
   MemberHit hit;
   Dwarf_Die member;
   Dwarf_Signed data_bit_offset, bit_offset, bit_size, byte_size, location;
   int ok = 0;

   if (!find_member(in, struct_off, name, 0, &hit))
      return 0;
   member = die_at(in, hit.member);
   if (member == NULL)
      return 0;
   if (die_constant(in, member, DW_AT_data_bit_offset, &data_bit_offset)) {
      *shift = (Int)data_bit_offset;   /* DWARF 4+: from the struct start */
      ok = 1;
   } else if (die_constant(in, member, DW_AT_bit_offset, &bit_offset)
              && die_constant(in, member, DW_AT_bit_size, &bit_size)
              && die_constant(in, member, DW_AT_byte_size, &byte_size)) {
      /* DWARF 2/3: counted from the most significant bit of a storage
       * unit of BYTE_SIZE bytes at the member's location. */
      if (!member_location(in, member, &location))
         location = 0;
      *shift = (Int)(location * 8 + byte_size * 8 - bit_offset - bit_size);
      ok = 1;
   }
   dwarf_dealloc_die(member);
   return ok;
}

/* ---- Scanning compilation units for the named targets ---------------- */

static int has_code(Inspector *in, Dwarf_Die die)
{
   /* low_pc, or ranges when GCC split the function into hot and cold
    * parts. */
   return die_has(in, die, DW_AT_low_pc) || die_has(in, die, DW_AT_ranges);
}

/* With link-time optimisation (Debian builds python3.x with -flto) the
 * code of a function is described by a nameless DIE in an "<artificial>"
 * unit whose DW_AT_abstract_origin points to the named DIE in the unit of
 * its source file.  Records such a DIE if its origin is an eval function. */
static void consider_concrete_subprogram(Inspector *in, Dwarf_Die die)
{
   Dwarf_Off origin_off;
   Dwarf_Die origin;
   const char *name;
   unsigned t;

   if (in->found[TARGET_EVAL_DEFAULT] && in->found[TARGET_EVAL_EX])
      return;
   if (!die_has(in, die, DW_AT_abstract_origin) || !has_code(in, die)
       || !die_ref(in, die, DW_AT_abstract_origin, &origin_off))
      return;
   origin = die_at(in, origin_off);
   if (origin == NULL)
      return;
   name = die_name(in, origin);
   for (t = TARGET_EVAL_DEFAULT; name != NULL && t <= TARGET_EVAL_EX; t++) {
      if (!in->found[t] && strcmp(name, target_specs[t].name) == 0) {
         in->target_die[t] = die_offset(in, die);
         in->found[t] = 1;
      }
   }
   dwarf_dealloc_die(origin);
}

/* The byte size of the type DIE names (through typedefs and qualifiers),
 * or 0. */
static Dwarf_Signed type_size(Inspector *in, Dwarf_Die die)
{
   Dwarf_Off type_off;
   Dwarf_Signed size = 0;
   int steps;

   if (!die_ref(in, die, DW_AT_type, &type_off))
      return 0;
   for (steps = 0; steps < 16 && size == 0; steps++) {
      Dwarf_Die type = die_at(in, type_off);
      int follow;
      if (type == NULL)
         return 0;
      if (!die_constant(in, type, DW_AT_byte_size, &size))
         size = 0;
      follow = size == 0 && die_ref(in, type, DW_AT_type, &type_off);
      dwarf_dealloc_die(type);
      if (!follow)
         break;
   }
   return size;
}

/* Records a top-level DIE if it is one of the targets (and, for types,
 * names a complete struct), or an enumeration holding FRAME_OWNED_BY_CSTACK. */
static void consider_top_level_die(Inspector *in, Dwarf_Die die)
{
   Dwarf_Half tag = die_tag(in, die);
   const char *name;
   unsigned t;

   if (tag == DW_TAG_enumeration_type) {
      Dwarf_Die child, next;
      if (in->cstack_found)
         return;
      if (dwarf_child(die, &child, &in->err) != DW_DLV_OK) {
         drop_error(in);
         return;
      }
      while (child != NULL) {
         const char *enumerator = die_name(in, child);
         if (enumerator != NULL && strcmp(enumerator, "FRAME_OWNED_BY_CSTACK") == 0
             && die_constant(in, child, DW_AT_const_value, &in->cstack_value))
            in->cstack_found = 1;
         if (in->cstack_found
             || dwarf_siblingof_b(in->dbg, child, 1, &next, &in->err) != DW_DLV_OK) {
            drop_error(in);
            next = NULL;
         }
         dwarf_dealloc_die(child);
         child = next;
      }
      return;
   }
   if (tag != DW_TAG_subprogram && tag != DW_TAG_typedef)
      return;
   name = die_name(in, die);
   if (name == NULL && tag == DW_TAG_subprogram) {
      consider_concrete_subprogram(in, die);
      return;
   }
   if (name == NULL)
      return;
   if (tag == DW_TAG_typedef && in->codeunit_size == 0
       && strcmp(name, "_Py_CODEUNIT") == 0) {
      in->codeunit_size = type_size(in, die);
      return;
   }
   for (t = 0; t < N_TARGETS; t++) {
      if (in->found[t] || target_specs[t].tag != tag
          || strcmp(target_specs[t].name, name) != 0)
         continue;
      if (tag == DW_TAG_subprogram) {
         /* Only a definition with code will do (not a declaration, nor
          * the abstract DIE of an LTO build). */
         if (die_has(in, die, DW_AT_declaration) || !has_code(in, die))
            return;
         in->target_die[t] = die_offset(in, die);
         in->found[t] = 1;
      } else {
         Dwarf_Off struct_off = resolve_struct(in, die, 0, NULL, 0);
         if (struct_off != 0 && struct_is_complete(in, struct_off)) {
            in->target_die[t] = struct_off;
            in->found[t] = 1;
         }
      }
      return;
   }
}

static void scan_unit(Inspector *in, Dwarf_Off unit_off)
{
   Dwarf_Die unit = die_at(in, unit_off);
   Dwarf_Die die, next;

   if (unit == NULL)
      return;
   in->units_scanned++;
   if (dwarf_child(unit, &die, &in->err) != DW_DLV_OK) {
      drop_error(in);
      die = NULL;
   }
   dwarf_dealloc_die(unit);
   while (die != NULL) {
      consider_top_level_die(in, die);
      if (dwarf_siblingof_b(in->dbg, die, 1, &next, &in->err) != DW_DLV_OK) {
         drop_error(in);
         next = NULL;
      }
      dwarf_dealloc_die(die);
      die = next;
   }
}

/* True once every name lookup the layout can use has an answer: the eval
 * function, the thread state and code object types, and the string types
 * of either Python 2 or Python 3. */
static int targets_complete(const Inspector *in)
{
   int have_eval = in->found[TARGET_EVAL_DEFAULT] || in->found[TARGET_EVAL_EX];
   int have_strings = in->found[TARGET_STRING]
      || (in->found[TARGET_ASCII] && in->found[TARGET_COMPACT_UNICODE]
          && in->found[TARGET_BYTES]);
   return have_eval && in->found[TARGET_THREAD_STATE] && in->found[TARGET_CODE]
      && have_strings;
}

static int ends_with(const char *s, const char *suffix)
{
   size_t n = strlen(s), m = strlen(suffix);
   return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Lists the units, then scans ceval.c's unit first (it defines the eval
 * function and uses nearly every type needed) and the others only while
 * something is still missing.  Returns False on a DWARF error. */
static int scan_units(Inspector *in)
{
   Dwarf_Off *units = NULL;
   size_t n_units = 0, capacity = 0, i;
   long priority = -1;

   for (;;) {
      Dwarf_Unsigned header_length, type_offset, next_header;
      Dwarf_Half version, address_size, length_size, extension_size, unit_type;
      Dwarf_Off abbrev_offset;
      Dwarf_Sig8 signature;
      Dwarf_Die unit_die = NULL;
      const char *name;
      int res;

      res = dwarf_next_cu_header_d(in->dbg, 1, &header_length, &version,
                                   &abbrev_offset, &address_size, &length_size,
                                   &extension_size, &signature, &type_offset,
                                   &next_header, &unit_type, &in->err);
      if (res == DW_DLV_NO_ENTRY)
         break;
      if (res == DW_DLV_ERROR) {
         drop_error(in);
         break;
      }
      if (dwarf_siblingof_b(in->dbg, NULL, 1, &unit_die, &in->err) != DW_DLV_OK) {
         drop_error(in);
         continue;
      }
      if (n_units == capacity) {
         Dwarf_Off *bigger;
         capacity = capacity ? capacity * 2 : 256;
         bigger = realloc(units, capacity * sizeof *units);
         if (bigger == NULL) {
            fprintf(stderr, "%s: out of memory\n", program_name);
            exit(1);
         }
         units = bigger;
      }
      units[n_units] = die_offset(in, unit_die);
      name = die_name(in, unit_die);
      if (priority < 0 && name != NULL && ends_with(name, "ceval.c"))
         priority = (long)n_units;
      n_units++;
      dwarf_dealloc_die(unit_die);
   }
   in->units_total = (unsigned)n_units;

   if (priority >= 0)
      scan_unit(in, units[priority]);
   for (i = 0; i < n_units && !targets_complete(in); i++) {
      if ((long)i != priority)
         scan_unit(in, units[i]);
   }
   free(units);
   return n_units > 0;
}

/* ---- Building the layout --------------------------------------------- */

static unsigned field_index(size_t field)
{
   unsigned i;

   for (i = 0; i < N_INT_FIELDS; i++) {
      if (int_fields[i].field == field)
         return i;
   }
   fprintf(stderr, "%s: internal error: field %zu not in the table\n",
           program_name, field);
   exit(1);
}

#define SET_FIELD(in, f, value, ...) \
   set_field((in), offsetof(PgPyLayout, f), (value), __VA_ARGS__)

static void set_field(Inspector *in, size_t field, Dwarf_Signed value,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Stores VALUE in a layout field and remembers where it came from (for
 * the human-readable summary). */
static void set_field(Inspector *in, size_t field, Dwarf_Signed value,
                      const char *fmt, ...)
{
   unsigned i = field_index(field);
   va_list args;

   *int_field_of(&in->layout, i) = (Int)value;
   va_start(args, fmt);
   vsnprintf(in->found_as[i], sizeof in->found_as[i], fmt, args);
   va_end(args);
}

/* Looks up member NAME of STRUCT_OFF into layout field FIELD. */
static int take_member(Inspector *in, size_t field, Dwarf_Off struct_off,
                       const char *struct_name, const char *name, int bases)
{
   MemberHit hit;

   if (struct_off == 0 || !find_member(in, struct_off, name, bases, &hit))
      return 0;
   set_field(in, field, hit.offset, "%s.%s", struct_name, hit.path);
   return 1;
}

#define TAKE_MEMBER(in, f, s, sname, mname, bases) \
   take_member((in), offsetof(PgPyLayout, f), (s), (sname), (mname), (bases))

/* Does the struct have member NAME (direct members only)? */
static int has_member(Inspector *in, Dwarf_Off struct_off, const char *name)
{
   MemberHit hit;
   return struct_off != 0 && find_member(in, struct_off, name, 0, &hit);
}

/* Reads the eval function's parameters (which holds the frame, which the
 * thread state, and so the frame model) and its DW_TAG_label children. */
static void read_eval_function(Inspector *in)
{
   Dwarf_Die eval, child, next;
   Dwarf_Die pending[16];        /* lexical blocks still to visit */
   unsigned n_pending = 0;
   int param_index = 0;

   eval = die_at(in, in->eval_die);
   if (eval == NULL)
      return;
   if (dwarf_child(eval, &child, &in->err) != DW_DLV_OK) {
      drop_error(in);
      child = NULL;
   }
   dwarf_dealloc_die(eval);

   for (;;) {
      if (child == NULL) {
         if (n_pending == 0)
            break;
         child = pending[--n_pending];
         continue;
      }
      switch (die_tag(in, child)) {
      case DW_TAG_formal_parameter: {
         char names[256];
         Dwarf_Off pointee, origin_off;
         Dwarf_Die typed = child, origin = NULL;
         /* In an LTO build's concrete DIE the type is on the origin. */
         if (!die_has(in, child, DW_AT_type)
             && die_ref(in, child, DW_AT_abstract_origin, &origin_off)
             && (origin = die_at(in, origin_off)) != NULL)
            typed = origin;
         pointee = resolve_struct(in, typed, 1, names, sizeof names);
         if (origin != NULL)
            dwarf_dealloc_die(origin);
         if (names_include(names, "PyThreadState") || names_include(names, "_ts")) {
            SET_FIELD(in, eval_tstate_arg, param_index,
                      "parameter %d, a PyThreadState *", param_index);
            if (pointee != 0 && struct_is_complete(in, pointee))
               in->tstate_struct = pointee;
         } else if (names_include(names, "_PyInterpreterFrame")
                    || names_include(names, "PyFrameObject")
                    || names_include(names, "_frame")) {
            int in_eval = names_include(names, "_PyInterpreterFrame");
            snprintf(in->frame_struct_name, sizeof in->frame_struct_name, "%s",
                     in_eval ? "_PyInterpreterFrame" : "PyFrameObject");
            SET_FIELD(in, eval_frame_arg, param_index, "parameter %d, a %s *",
                      param_index, in->frame_struct_name);
            in->layout.frame_model = in_eval ? PG_FRAMES_IN_EVAL : PG_FRAMES_PER_CALL;
            if (pointee != 0 && struct_is_complete(in, pointee))
               in->frame_struct = pointee;
         }
         param_index++;
         break;
      }
      case DW_TAG_lexical_block: {
         /* Labels are function-scoped in C, but GCC may attach them to a
          * block.  Inlined subroutines are not visited: their labels are
          * the inlined function's. */
         Dwarf_Die inner;
         int res = dwarf_child(child, &inner, &in->err);
         if (res == DW_DLV_OK && n_pending < 16)
            pending[n_pending++] = inner;
         else if (res == DW_DLV_OK)
            dwarf_dealloc_die(inner);   /* nested too deep: not visited */
         else
            drop_error(in);
         break;
      }
      case DW_TAG_label: {
         const char *name = die_name(in, child);
         Dwarf_Addr low_pc;
         Dwarf_Off origin;
         Dwarf_Die origin_die = NULL;

         if (name == NULL && die_ref(in, child, DW_AT_abstract_origin, &origin)
             && (origin_die = die_at(in, origin)) != NULL)
            name = die_name(in, origin_die);
         if (name != NULL) {
            in->labels_seen++;
            if (strncmp(name, "TARGET_", 7) == 0)
               in->labels_target++;
            if (dwarf_lowpc(child, &low_pc, &in->err) != DW_DLV_OK) {
               drop_error(in);
               in->labels_no_address++;
            } else if (in->layout.n_labels >= PG_MAX_LABELS
                       || strlen(name) >= sizeof in->layout.labels[0].name) {
               in->labels_dropped++;
            } else {
               PgLabel *label = &in->layout.labels[in->layout.n_labels++];
               snprintf(label->name, sizeof label->name, "%s", name);
               label->addr = (Addr)low_pc;
            }
         }
         if (origin_die != NULL)
            dwarf_dealloc_die(origin_die);
         break;
      }
      default:
         break;
      }
      if (dwarf_siblingof_b(in->dbg, child, 1, &next, &in->err) != DW_DLV_OK) {
         drop_error(in);
         next = NULL;
      }
      dwarf_dealloc_die(child);
      child = next;
   }
}

/* Guesses major.minor from which structures and members exist, for the
 * summary and for when no version number can be read.  Each test is the
 * change that release made. */
static void guess_family(Inspector *in)
{
   PgPyLayout *l = &in->layout;

   in->family_major = in->family_minor = -1;
   in->family_note = "";
   if (l->string_format == PG_STR_BYTES) {
      in->family_major = 2; in->family_minor = 7;
      in->family_note = "PyStringObject, no PyASCIIObject";
   } else if (l->frame_model == PG_FRAMES_PER_CALL) {
      in->family_major = 3;
      if (l->line_format == PG_LINES_LINETABLE_310) {
         in->family_minor = 10; in->family_note = "co_linetable with PyFrameObject frames";
      } else if (l->eval_tstate_arg >= 0) {
         in->family_minor = 9; in->family_note = "eval function takes the thread state";
      } else if (in->has_co_posonlyargcount) {
         in->family_minor = 8; in->family_note = "co_posonlyargcount";
      } else if (!in->has_f_exc_type && in->has_co_extra) {
         in->family_minor = 7; in->family_note = "no PyFrameObject.f_exc_type";
      } else if (in->has_co_extra) {
         in->family_minor = 6; in->family_note = "co_extra, PyFrameObject.f_exc_type";
      } else {
         in->family_major = -1; in->family_note = "older than 3.6";
      }
   } else if (l->frame_model == PG_FRAMES_IN_EVAL) {
      in->family_major = 3;
      if (l->frame_is_entry >= 0) {
         in->family_minor = 11; in->family_note = "_PyInterpreterFrame.is_entry";
      } else if (l->tstate_cframe >= 0) {
         in->family_minor = 12; in->family_note = "_PyCFrame, no is_entry";
      } else {
         in->family_minor = 13; in->family_note = "PyThreadState.current_frame (3.13 or later)";
      }
   }
}

static void read_version(Inspector *in, const ElfImage *elf)
{
   Elf64_Addr address;
   Elf64_Xword size;
   unsigned char bytes[4];

   in->version_from = "not found";
   /* 3.11+: const unsigned long Py_Version = PY_VERSION_HEX. */
   if (elf != NULL && elf_symbol(elf, "Py_Version", &address, &size) && size >= 4
       && elf_read(elf, address, bytes, 4)) {
      in->layout.version_hex = (unsigned)bytes[0] | (unsigned)bytes[1] << 8
         | (unsigned)bytes[2] << 16 | (unsigned)bytes[3] << 24;
      in->version_from = "the Py_Version constant";
      return;
   }
   if (in->family_major < 0)
      return;
   if (elf != NULL && elf_version_string(elf, in->family_major, in->family_minor,
                                         &in->layout.version_hex) == 1) {
      in->version_from = "the version string in .rodata";
      return;
   }
   in->layout.version_hex = (unsigned)in->family_major << 24
      | (unsigned)in->family_minor << 16;
   in->version_from = "the structures only (micro version unknown)";
}

/* The eval loop's labels that frame switches and dispatch go through, as
 * CPython has named them from 3.11 to 3.13. */
static const char *const control_label_names[] = {
   "start_frame", "resume_frame", "resume_with_error", "exit_unwind",
   "exception_unwind", "error", "handle_eval_breaker", "dispatch_opcode",
   "exit_eval_frame", NULL
};

/* Sets the label-name fields: the handler prefix, the predicted labels
 * and their meaning, and which control labels this build has. */
static void read_label_names(Inspector *in)
{
   PgPyLayout *l = &in->layout;
   unsigned i, k;
   size_t used = 0;

   snprintf(l->opcode_label_prefix, sizeof l->opcode_label_prefix, "TARGET_");
   for (i = 0; i < l->n_labels; i++) {
      const char *name = l->labels[i].name;
      if (strncmp(name, "PRED_", 5) == 0 && name[5] >= '0' && name[5] <= '9') {
         snprintf(l->predicted_label_prefix, sizeof l->predicted_label_prefix, "PRED_");
         /* Up to 3.10 PREDICT() jumps from one instruction straight into
          * the next one's handler; from 3.11 (frames run inside the eval
          * call) specialised instructions jump there to deoptimise, and
          * the same instruction goes on. */
         SET_FIELD(in, predicted_label_starts,
                   l->frame_model == PG_FRAMES_PER_CALL ? 1 : 0, "%s",
                   l->frame_model == PG_FRAMES_PER_CALL
                      ? "PRED_ labels: PREDICT() jumps to the next instruction"
                      : "PRED_ labels: deoptimising re-entries");
      }
      for (k = 0; control_label_names[k] != NULL; k++) {
         size_t n = strlen(name);
         if (strcmp(name, control_label_names[k]) != 0
             || used + n + 2 > sizeof l->control_labels)
            continue;
         if (used > 0)
            l->control_labels[used++] = ',';
         memcpy(l->control_labels + used, name, n + 1);
         used += n;
      }
   }
}

/* Fills in->layout from the DWARF. */
static void build_layout(Inspector *in, const ElfImage *elf)
{
   PgPyLayout *l = &in->layout;
   MemberHit hit;
   Dwarf_Off code = 0, bytes_struct = 0, tstate;
   const char *bytes_name;
   char names[256];

   snprintf(l->source, sizeof l->source, "dwarf");
   in->eval_die = in->found[TARGET_EVAL_DEFAULT] ? in->target_die[TARGET_EVAL_DEFAULT]
                                                 : in->target_die[TARGET_EVAL_EX];
   snprintf(l->eval_function, sizeof l->eval_function, "%s",
            in->found[TARGET_EVAL_DEFAULT] ? target_specs[TARGET_EVAL_DEFAULT].name
                                           : target_specs[TARGET_EVAL_EX].name);
   read_eval_function(in);

   /* Thread state -> current frame. */
   tstate = in->tstate_struct ? in->tstate_struct
          : in->found[TARGET_THREAD_STATE] ? in->target_die[TARGET_THREAD_STATE] : 0;
   TAKE_MEMBER(in, tstate_frame, tstate, "PyThreadState", "frame", 0);
   TAKE_MEMBER(in, tstate_current_frame, tstate, "PyThreadState", "current_frame", 0);
   TAKE_MEMBER(in, tstate_base_frame, tstate, "PyThreadState", "base_frame", 0);
   if (tstate != 0 && find_member(in, tstate, "cframe", 0, &hit)) {
      Dwarf_Die member = die_at(in, hit.member);
      Dwarf_Off cframe = member ? resolve_struct(in, member, 1, names, sizeof names) : 0;
      MemberHit current;
      if (member != NULL)
         dwarf_dealloc_die(member);
      /* 3.10's CFrame has no current_frame: it is not a path to frames. */
      if (cframe != 0 && find_member(in, cframe, "current_frame", 0, &current)) {
         SET_FIELD(in, tstate_cframe, hit.offset, "PyThreadState.cframe");
         SET_FIELD(in, cframe_current_frame, current.offset, "%s.current_frame",
                   names_include(names, "_PyCFrame") ? "_PyCFrame" : "cframe");
      }
   }

   /* Frame. */
   if (in->frame_struct != 0) {
      Dwarf_Off frame = in->frame_struct;
      const char *fname = in->frame_struct_name;
      if (find_member(in, frame, "f_code", 0, &hit)
          || find_member(in, frame, "f_executable", 0, &hit)) {
         Dwarf_Die member = die_at(in, hit.member);
         SET_FIELD(in, frame_code, hit.offset, "%s.%s", fname, hit.path);
         SET_FIELD(in, frame_code_tag_mask, 0, "a plain pointer");
         if (member != NULL) {
            Dwarf_Off pointee = resolve_struct(in, member, 1, names, sizeof names);
            if (pointee != 0 && names_include(names, "PyCodeObject")
                && struct_is_complete(in, pointee))
               code = pointee;
            /* A _PyStackRef (3.14+) keeps tags in its two low bits. */
            if (names_include(names, "_PyStackRef"))
               SET_FIELD(in, frame_code_tag_mask, 3, "_PyStackRef tag bits");
            dwarf_dealloc_die(member);
         }
      }
      if (!TAKE_MEMBER(in, frame_back, frame, fname, "f_back", 0))
         TAKE_MEMBER(in, frame_back, frame, fname, "previous", 0);
      if (l->frame_model == PG_FRAMES_PER_CALL)
         TAKE_MEMBER(in, frame_lasti, frame, fname, "f_lasti", 0);
      if (TAKE_MEMBER(in, frame_instr_ptr, frame, fname, "prev_instr", 0))
         SET_FIELD(in, frame_instr_ptr_next, 0, "member prev_instr");
      else if (TAKE_MEMBER(in, frame_instr_ptr, frame, fname, "instr_ptr", 0))
         SET_FIELD(in, frame_instr_ptr_next, 1, "member instr_ptr");
      TAKE_MEMBER(in, frame_owner, frame, fname, "owner", 0);
      TAKE_MEMBER(in, frame_is_entry, frame, fname, "is_entry", 0);
      in->has_f_exc_type = has_member(in, frame, "f_exc_type");
   }
   if (l->frame_owner >= 0 && in->cstack_found)
      SET_FIELD(in, frame_owner_cstack, in->cstack_value, "FRAME_OWNED_BY_CSTACK");

   /* Code object. */
   if (code == 0 && in->found[TARGET_CODE])
      code = in->target_die[TARGET_CODE];
   TAKE_MEMBER(in, code_filename, code, "PyCodeObject", "co_filename", 0);
   TAKE_MEMBER(in, code_name, code, "PyCodeObject", "co_name", 0);
   TAKE_MEMBER(in, code_qualname, code, "PyCodeObject", "co_qualname", 0);
   TAKE_MEMBER(in, code_firstlineno, code, "PyCodeObject", "co_firstlineno", 0);
   TAKE_MEMBER(in, code_code, code, "PyCodeObject", "co_code", 0);
   TAKE_MEMBER(in, code_code_adaptive, code, "PyCodeObject", "co_code_adaptive", 0);
   in->has_co_extra = has_member(in, code, "co_extra");
   in->has_co_posonlyargcount = has_member(in, code, "co_posonlyargcount");
   in->has_co_exceptiontable = has_member(in, code, "co_exceptiontable");
   /* Only a code object that holds its code inline is variable-size. */
   if (l->code_code_adaptive >= 0)
      TAKE_MEMBER(in, code_ob_size, code, "PyCodeObject", "ob_size", 1);
   if (in->codeunit_size > 0)
      SET_FIELD(in, code_unit_bytes, in->codeunit_size, "sizeof(_Py_CODEUNIT)");

   /* Strings: Python 2 str, or Python 3 bytes + str. */
   if (in->found[TARGET_ASCII]) {
      Dwarf_Off ascii = in->target_die[TARGET_ASCII];
      l->string_format = PG_STR_UNICODE;
      bytes_struct = in->found[TARGET_BYTES] ? in->target_die[TARGET_BYTES] : 0;
      bytes_name = "PyBytesObject";
      TAKE_MEMBER(in, unicode_length, ascii, "PyASCIIObject", "length", 1);
      if (find_member(in, ascii, "state", 1, &hit)) {
         Dwarf_Die member = die_at(in, hit.member);
         Dwarf_Off state = member ? resolve_struct(in, member, 0, NULL, 0) : 0;
         Int shift;
         SET_FIELD(in, unicode_state, hit.offset, "PyASCIIObject.%s", hit.path);
         if (member != NULL)
            dwarf_dealloc_die(member);
         if (state != 0 && bitfield_shift(in, state, "kind", &shift))
            SET_FIELD(in, unicode_kind_shift, shift, "PyASCIIObject.state.kind");
         if (state != 0 && bitfield_shift(in, state, "compact", &shift))
            SET_FIELD(in, unicode_compact_shift, shift, "PyASCIIObject.state.compact");
         if (state != 0 && bitfield_shift(in, state, "ascii", &shift))
            SET_FIELD(in, unicode_ascii_shift, shift, "PyASCIIObject.state.ascii");
      }
      /* Compact strings keep their characters right after the header. */
      if (struct_size(in, ascii) > 0)
         SET_FIELD(in, unicode_ascii_data, struct_size(in, ascii),
                   "sizeof(PyASCIIObject)");
      if (in->found[TARGET_COMPACT_UNICODE]
          && struct_size(in, in->target_die[TARGET_COMPACT_UNICODE]) > 0)
         SET_FIELD(in, unicode_compact_data,
                   struct_size(in, in->target_die[TARGET_COMPACT_UNICODE]),
                   "sizeof(PyCompactUnicodeObject)");
   } else if (in->found[TARGET_STRING]) {
      l->string_format = PG_STR_BYTES;
      bytes_struct = in->target_die[TARGET_STRING];
      bytes_name = "PyStringObject";
   } else {
      bytes_name = "PyBytesObject";
   }
   TAKE_MEMBER(in, bytes_size, bytes_struct, bytes_name, "ob_size", 1);
   TAKE_MEMBER(in, bytes_data, bytes_struct, bytes_name, "ob_sval", 1);

   /* Line table: its member name and the neighbouring members tell the
    * format (3.10 renamed co_lnotab to co_linetable; 3.11 changed the
    * encoding and added co_exceptiontable; Python 2's increments are
    * unsigned). */
   if (TAKE_MEMBER(in, code_linetable, code, "PyCodeObject", "co_linetable", 0)) {
      l->line_format = in->has_co_exceptiontable ? PG_LINES_LOCATIONS_311
                                                 : PG_LINES_LINETABLE_310;
   } else if (TAKE_MEMBER(in, code_linetable, code, "PyCodeObject", "co_lnotab", 0)) {
      l->line_format = l->string_format == PG_STR_BYTES ? PG_LINES_LNOTAB_UNSIGNED
                                                        : PG_LINES_LNOTAB_SIGNED;
   }
   /* f_lasti counts bytes, except in 3.10 (the one PyFrameObject version
    * with co_linetable) where it counts 2-byte code units. */
   if (l->frame_lasti >= 0 && l->line_format != PG_LINES_NONE)
      SET_FIELD(in, frame_lasti_unit, l->line_format == PG_LINES_LINETABLE_310 ? 2 : 1,
                "%s", l->line_format == PG_LINES_LINETABLE_310
                         ? "instruction index (co_linetable era)" : "byte offset");
   /* Python 2 has no _Py_CODEUNIT: its instructions are 1 or 3 bytes. */
   if (l->code_unit_bytes < 0 && l->string_format == PG_STR_BYTES)
      SET_FIELD(in, code_unit_bytes, 1, "no _Py_CODEUNIT: bytes (Python 2)");
   /* Before the location tables, line tracing runs a line only when its
    * first instruction runs or a jump goes backwards into it. */
   if (l->line_format != PG_LINES_NONE)
      SET_FIELD(in, lines_need_range_start,
                l->line_format == PG_LINES_LOCATIONS_311 ? 0 : 1,
                "%s", l->line_format == PG_LINES_LOCATIONS_311
                         ? "location table: every instruction has its line"
                         : "line table before location tables");
   read_label_names(in);

   guess_family(in);
   read_version(in, elf);
   if (elf != NULL)
      elf_build_id(elf, l->build_id, sizeof l->build_id);
}

/* ===================================================================== */
/* Opcode numbers and base instructions                                  */
/*                                                                       */
/* The eval loop's `opcode_targets` (a local static: `opcode_targets.N`  */
/* in .symtab) holds, for each opcode number, the address of its handler */
/* label TARGET_<NAME>, or of `_unknown_opcode`.  CPython 3.11+ also     */
/* keeps `_PyOpcode_Deopt[256]`, specialised instruction -> base one.     */
/* Both are ELF data: the symbols are in the file or, for a stripped     */
/* executable, in its detached debug file; the bytes are in the file.    */
/* ===================================================================== */

#define N_OPCODES 256
#define MAX_SHARED 8   /* TARGET_ labels at one address that are kept apart */

/* The TARGET_<NAME> label of opcode NAME, or NULL. */
static PgLabel *opcode_label(PgPyLayout *layout, const char *name)
{
   unsigned i;

   for (i = 0; i < layout->n_labels; i++) {
      PgLabel *label = &layout->labels[i];
      if (strncmp(label->name, "TARGET_", 7) == 0 && strcmp(label->name + 7, name) == 0)
         return label;
   }
   return NULL;
}

/* Finds data object NAME of SIZE bytes (symbols of ELF, else of DEBUG)
 * and copies its bytes (from ELF, else DEBUG) or, with POINTERS, its
 * pointers (see elf_read_pointers) to OUT.  Returns 1, or 0 with the
 * reason in WHY. */
static int read_object(const ElfImage *elf, const ElfImage *debug, const char *name,
                       size_t size, int pointers, void *out, const char **why)
{
   Elf64_Addr addr = 0;
   int found = elf_object(elf, name, 1, size, &addr);

   if (found == 0 && debug != NULL)
      found = elf_object(debug, name, 1, size, &addr);
   if (found == 0) {
      *why = "no such symbol";
      return 0;
   }
   if (found > 1) {
      *why = "several symbols of that name";
      return 0;
   }
   if (pointers ? elf_read_pointers(elf, addr, size / sizeof(Elf64_Addr), out)
                : elf_read(elf, addr, out, size))
      return 1;
   if (debug != NULL && (pointers ? elf_read_pointers(debug, addr,
                                                      size / sizeof(Elf64_Addr), out)
                                  : elf_read(debug, addr, out, size)))
      return 1;
   *why = "its bytes are not in the file";
   return 0;
}

/* Names the opcodes: entry I of opcode_targets pointing to label
 * TARGET_NAME makes opcode I NAME.  Where GCC gave several TARGET_ labels
 * one address (a handler that only jumps to another: 3.12's
 * INSTRUMENTED_CALL_FUNCTION_EX; handlers sharing their code: 3.6's
 * SETUP_EXCEPT and SETUP_FINALLY), the address cannot tell the opcodes
 * apart; 3.12+'s DE_INSTRUMENT table (instrumented opcode -> plain one)
 * can for instrumented pairs.  What stays ambiguous is left unnamed: a
 * wrong name is worse than none. */
static void read_opcodes(Inspector *in, const ElfImage *elf, const ElfImage *debug)
{
   PgPyLayout *l = &in->layout;
   Elf64_Addr targets[N_OPCODES], unknown = 0;
   unsigned char de_instrument[N_OPCODES];
   unsigned short candidates[N_OPCODES][MAX_SHARED];
   unsigned char n_candidates[N_OPCODES], is_base[N_OPCODES], used[PG_MAX_LABELS];
   const char *why;
   unsigned i, j, k;
   int have_de_instrument, changed;

   if (!read_object(elf, debug, "opcode_targets", sizeof targets, 1, targets, &why)) {
      in->opcodes_missing = why;
      return;
   }
   for (j = 0; j < l->n_labels; j++) {
      if (strcmp(l->labels[j].name, "_unknown_opcode") == 0)
         unknown = l->labels[j].addr;
   }
   memset(n_candidates, 0, sizeof n_candidates);
   memset(used, 0, sizeof used);
   for (i = 0; i < N_OPCODES; i++) {
      if (targets[i] == 0 || targets[i] == unknown) {
         in->opcodes_unused += targets[i] == unknown && unknown != 0;
         in->opcodes_no_label += targets[i] == 0;
         continue;
      }
      for (j = 0; j < l->n_labels; j++) {
         if (l->labels[j].addr == targets[i]
             && strncmp(l->labels[j].name, "TARGET_", 7) == 0
             && strlen(l->labels[j].name + 7) < PG_OPCODE_NAME_MAX
             && n_candidates[i] < MAX_SHARED)
            candidates[i][n_candidates[i]++] = (unsigned short)j;
      }
      if (n_candidates[i] == 0)
         in->opcodes_no_label++;
      else if (n_candidates[i] == 1)
         snprintf(l->opcode_names[i], sizeof l->opcode_names[i], "%s",
                  l->labels[candidates[i][0]].name + 7);
   }

   /* Shared addresses: an instrumented opcode (DE_INSTRUMENT[i] names
    * another) has an INSTRUMENTED_ name, the opcode it instruments not. */
   have_de_instrument = read_object(elf, debug, "DE_INSTRUMENT", sizeof de_instrument,
                                    0, de_instrument, &why);
   memset(is_base, 0, sizeof is_base);
   for (i = 0; have_de_instrument && i < N_OPCODES; i++) {
      if (de_instrument[i] != 0 && de_instrument[i] != i)
         is_base[de_instrument[i]] = 1;
   }
   for (i = 0; have_de_instrument && i < N_OPCODES; i++) {
      int instrumented = de_instrument[i] != 0 && de_instrument[i] != i;
      unsigned kept = 0;
      if (n_candidates[i] < 2 || (!instrumented && !is_base[i]))
         continue;
      for (k = 0; k < n_candidates[i]; k++) {
         int prefixed = strncmp(l->labels[candidates[i][k]].name + 7,
                                "INSTRUMENTED_", 13) == 0;
         if (prefixed == instrumented)
            candidates[i][kept++] = candidates[i][k];
      }
      if (kept > 0 && kept < n_candidates[i]) {
         n_candidates[i] = (unsigned char)kept;
         in->de_instrument_used = 1;
      }
   }
   /* Then by elimination: a name one opcode of the group took is not
    * another's. */
   do {
      changed = 0;
      for (i = 0; i < N_OPCODES; i++) {
         unsigned kept = 0;
         if (n_candidates[i] == 0 || l->opcode_names[i][0] != '\0')
            continue;
         for (k = 0; k < n_candidates[i]; k++) {
            if (!used[candidates[i][k]])
               candidates[i][kept++] = candidates[i][k];
         }
         if (kept == 1) {
            snprintf(l->opcode_names[i], sizeof l->opcode_names[i], "%s",
                     l->labels[candidates[i][0]].name + 7);
            used[candidates[i][0]] = 1;
            changed = 1;
         }
         if (kept > 0)
            n_candidates[i] = (unsigned char)kept;
      }
   } while (changed);

   for (i = 0; i < N_OPCODES; i++) {
      if (l->opcode_names[i][0] != '\0') {
         in->opcodes_named++;
      } else if (n_candidates[i] > 0) {
         size_t used_len = strlen(in->opcodes_shared_list);
         char *p = in->opcodes_shared_list + used_len;
         size_t room = sizeof in->opcodes_shared_list - used_len;
         int n = snprintf(p, room, "%s%u (", used_len ? "; " : "", i);
         for (k = 0; k < n_candidates[i] && n > 0 && (size_t)n < room; k++)
            n += snprintf(p + n, room - (size_t)n, "%s%s", k ? " or " : "",
                          l->labels[candidates[i][k]].name + 7);
         if (n > 0 && (size_t)n < room)
            snprintf(p + n, room - (size_t)n, ")");
         in->opcodes_shared++;
      }
   }
}

/* Marks each specialised instruction's TARGET_ label with the name of its
 * base instruction, from _PyOpcode_Deopt (3.11+). */
static void read_opcode_bases(Inspector *in, const ElfImage *elf, const ElfImage *debug)
{
   PgPyLayout *l = &in->layout;
   unsigned char deopt[N_OPCODES];
   const char *why;
   unsigned i;

   if (in->opcodes_named == 0) {
      in->bases_missing = "no opcode names";
      return;
   }
   if (!read_object(elf, debug, "_PyOpcode_Deopt", sizeof deopt, 0, deopt, &why)) {
      in->bases_missing = why;
      return;
   }
   for (i = 0; i < N_OPCODES; i++) {
      PgLabel *label;
      /* 0 is an entry the table does not fill in (opcode 0, CACHE, is
       * nobody's base). */
      if (deopt[i] == i || deopt[i] == 0 || l->opcode_names[i][0] == '\0')
         continue;
      label = opcode_label(l, l->opcode_names[i]);
      if (label == NULL || l->opcode_names[deopt[i]][0] == '\0') {
         in->bases_unnamed++;
         continue;
      }
      snprintf(label->base, sizeof label->base, "%s", l->opcode_names[deopt[i]]);
      in->bases_found++;
   }
}

/* ===================================================================== */
/* Output for humans                                                     */
/* ===================================================================== */

static void print_summary(const Inspector *in, double seconds)
{
   const PgPyLayout *l = &in->layout;
   char err[512];
   unsigned i;
   int complete = pg_pylayout_complete(l, err, sizeof err);

   printf("file:           %s\n", in->path);
   if (strcmp(in->dwarf_path, in->path) != 0)
      printf("debug info:     %s\n", in->dwarf_path);
   printf("build id:       %s\n", l->build_id[0] ? l->build_id : "(none)");
   printf("CPython:        %u.%u.%u (PY_VERSION_HEX 0x%08x, from %s)\n",
          l->version_hex >> 24, (l->version_hex >> 16) & 0xff,
          (l->version_hex >> 8) & 0xff, l->version_hex, in->version_from);
   if (in->family_major >= 0)
      printf("structures:     look like %d.%d (%s)\n", in->family_major,
             in->family_minor, in->family_note);
   else
      printf("structures:     do not match a known CPython release (%s)\n",
             in->family_note);
   if (in->family_major >= 0
       && ((unsigned)in->family_major != l->version_hex >> 24
           || (unsigned)in->family_minor != ((l->version_hex >> 16) & 0xff)))
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
   for (i = 0; i < N_INT_FIELDS; i++) {
      Int value = *int_field_of((PgPyLayout *)l, i);
      if (value != PG_LAYOUT_NO_OFFSET)
         printf("  %-22s %5d  %s\n", int_fields[i].key, value, in->found_as[i]);
   }
   printf("\n");
   for (i = 0; i < N_INT_FIELDS; i++) {
      if (*int_field_of((PgPyLayout *)l, i) == PG_LAYOUT_NO_OFFSET)
         printf("  not found: %-22s (%s)\n", int_fields[i].key,
                int_fields[i].looked_for);
   }
   printf("\nlabels:         %u in %s (%u TARGET_), %u without an address, "
          "%u not kept (limit %d, or name too long)\n",
          in->labels_seen, l->eval_function, in->labels_target,
          in->labels_no_address, in->labels_dropped, PG_MAX_LABELS);
   if (in->opcodes_missing != NULL)
      printf("opcodes:        none (opcode_targets: %s)\n", in->opcodes_missing);
   else
      printf("opcodes:        %u named from opcode_targets, %u unused slots, "
             "%u pointing to no TARGET_ label%s\n", in->opcodes_named,
             in->opcodes_unused, in->opcodes_no_label,
             in->de_instrument_used ? " (instrumented ones told apart by DE_INSTRUMENT)" : "");
   if (in->opcodes_shared > 0)
      printf("                %u left unnamed, their handler is shared: %s\n",
             in->opcodes_shared, in->opcodes_shared_list);
   if (in->bases_missing != NULL)
      printf("base opcodes:   none (_PyOpcode_Deopt: %s)\n", in->bases_missing);
   else
      printf("base opcodes:   %u specialised instructions from _PyOpcode_Deopt%s\n",
             in->bases_found, in->bases_unnamed ? ", some without names" : "");
   printf("DWARF units:    %u scanned of %u, %.0f ms\n", in->units_scanned,
          in->units_total, seconds * 1000.0);
   if (complete)
      printf("complete:       yes, the frame walker has everything it needs\n");
   else
      printf("complete:       NO: %s\n", err);
}

/* The opcode that turns a new frame into a generator (3.11+), whose
 * leaving the walker must not count as a return. */
static void read_return_generator(Inspector *in)
{
   unsigned i;

   for (i = 0; i < N_OPCODES; i++) {
      if (strcmp(in->layout.opcode_names[i], "RETURN_GENERATOR") == 0)
         SET_FIELD(in, return_generator_opcode, (Dwarf_Signed)i,
                   "opcode_targets slot of TARGET_RETURN_GENERATOR");
   }
}

/* ===================================================================== */
/* Messages                                                              */
/* ===================================================================== */

static int verbose;

/* Room for a path in a message; longer ones are cut. */
#define SHOWN_MAX 1024

/* PATH as it may appear in our output.  FILE comes from the profiled
 * process and the tool reads our stdout and stderr as layout text, so no
 * control character (a newline above all) may get through. */
static void show_path(char *out, size_t out_len, const char *path)
{
   size_t i, n = 0;

   for (i = 0; path[i] != '\0' && n + 4 < out_len; i++) {
      unsigned char c = (unsigned char)path[i];
      out[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
   }
   if (path[i] != '\0') {
      memcpy(out + n, "...", 3);
      n += 3;
   }
   out[n] = '\0';
}

static void message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, "pyprofgrind-inspect: ...", written whole and after
 * what stdout holds (the tool reads both through one pipe). */
static void message(const char *fmt, ...)
{
   char line[3 * SHOWN_MAX];
   va_list args;
   size_t len;
   int n;

   fflush(stdout);
   n = snprintf(line, sizeof line, "%s: ", program_name);
   va_start(args, fmt);
   vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, args);
   va_end(args);
   len = strlen(line);
   line[len++] = '\n';
   if (write(STDERR_FILENO, line, len) < 0) {
      /* nowhere left to complain */
   }
}

/* ===================================================================== */
/* The layout cache                                                      */
/*                                                                       */
/* DIR/<build-id>.layout holds the layout of the object with that GNU     */
/* build-id, so that the DWARF (seconds for a large libpython) is read    */
/* once per build.  DIR must be a directory of the effective user that    */
/* nobody else can write to; entries are checked the same way, then      */
/* parsed and checked like the tool does, before they are believed.       */
/* ===================================================================== */

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
/* The first line of a cache entry: a newer inspector (which may read the
 * DWARF better) does not believe an older one's entries.  Format 2 added
 * the opcode and opcode_base lines, format 3 frame_instr_ptr_next, format
 * 4 the fields that made the walker version-blind (code_unit_bytes...). */
#define CACHE_MAGIC "# pyprofgrind-inspect layout cache, format 4, " PACKAGE_VERSION "\n"
#define CACHE_MAX_BYTES (1 << 20)
/* Shorter build-ids (a few bytes) are too weak a key. */
#define MIN_BUILD_ID_HEX 16

typedef struct {
   int  dirfd;                /* -1: no cache */
   char dir[SHOWN_MAX];       /* DIR, for messages */
   char name[96];             /* <build-id>.layout */
} Cache;

/* The directory the tool passes by default: $XDG_CACHE_HOME/pyprofgrind,
 * else $HOME/.cache/pyprofgrind; "" if neither is an absolute path. */
static void default_cache_dir(char *buf, size_t len)
{
   const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
   int n = -1;

   if (xdg != NULL && xdg[0] == '/')
      n = snprintf(buf, len, "%s/pyprofgrind", xdg);
   else if (home != NULL && home[0] == '/')
      n = snprintf(buf, len, "%s/.cache/pyprofgrind", home);
   if (n < 0 || (size_t)n >= len)
      buf[0] = '\0';
}

#define DIR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* Opens (creating it 0700 if missing, and its parent too if DIR is the
 * default) and checks the cache directory.  False, with a one-line
 * warning, if it is not to be used. */
static int cache_open(Cache *cache, const char *dir)
{
   char default_dir[4096];
   struct stat st;
   int fd, created = 0;

   cache->dirfd = -1;
   show_path(cache->dir, sizeof cache->dir, dir);
   fd = open(dir, DIR_OPEN_FLAGS);
   if (fd < 0 && errno == ENOENT) {
      default_cache_dir(default_dir, sizeof default_dir);
      if (default_dir[0] != '\0' && strcmp(dir, default_dir) == 0) {
         char *slash = strrchr(default_dir, '/');
         if (slash != NULL && slash != default_dir) {
            *slash = '\0';
            if (mkdir(default_dir, 0700) != 0 && errno != EEXIST) {
               /* the mkdir of DIR below says why */
            }
         }
      }
      if (mkdir(dir, 0700) == 0) {
         created = 1;
      } else if (errno != EEXIST) {
         message("warning: cannot create the cache directory %s: %s; not caching",
                 cache->dir, strerror(errno));
         return 0;
      }
      fd = open(dir, DIR_OPEN_FLAGS);
   }
   if (fd < 0) {
      int open_errno = errno;
      if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
         message("warning: cache directory %s is a symbolic link; not using it",
                 cache->dir);
      else if (open_errno == ENOTDIR)
         message("warning: cache directory %s is not a directory; not using it",
                 cache->dir);
      else
         message("warning: cannot open the cache directory %s: %s; not using it",
                 cache->dir, strerror(open_errno));
      return 0;
   }
   if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
      message("warning: cache directory %s is not a directory; not using it",
              cache->dir);
      close(fd);
      return 0;
   }
   if (st.st_uid != geteuid()) {
      message("warning: cache directory %s is owned by uid %u, not by uid %u; "
              "not using it", cache->dir, (unsigned)st.st_uid, (unsigned)geteuid());
      close(fd);
      return 0;
   }
   /* The umask may have taken bits off the new directory. */
   if (created && (st.st_mode & 07777) != 0700 && fchmod(fd, 0700) == 0)
      st.st_mode = S_IFDIR | 0700;
   if (st.st_mode & (S_IWGRP | S_IWOTH)) {
      message("warning: cache directory %s is group- or world-writable (mode %04o); "
              "not using it", cache->dir, (unsigned)(st.st_mode & 07777));
      close(fd);
      return 0;
   }
   cache->dirfd = fd;
   return 1;
}

/* Looks up the entry of BUILD_ID; on a hit prints it (as the DWARF path
 * would have) and returns True. */
static int cache_lookup(Cache *cache, const char *build_id, const char *shown_file)
{
   static const char magic[] = CACHE_MAGIC;
   char why[600], err[512];
   char *text = NULL;
   PgPyLayout *layout = NULL;
   struct stat st;
   size_t len = 0;
   ssize_t n = 0;
   int fd, hit = 0;

   snprintf(cache->name, sizeof cache->name, "%s.layout", build_id);
   fd = openat(cache->dirfd, cache->name,
               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
   if (fd < 0) {
      if (verbose)
         message("%s: cache miss: %s/%s: %s", shown_file, cache->dir, cache->name,
                 errno == ENOENT ? "no such entry" : strerror(errno));
      return 0;
   }
   why[0] = '\0';
   if (fstat(fd, &st) != 0) {
      snprintf(why, sizeof why, "cannot stat: %s", strerror(errno));
   } else if (!S_ISREG(st.st_mode)) {
      snprintf(why, sizeof why, "not a regular file");
   } else if (st.st_uid != geteuid()) {
      snprintf(why, sizeof why, "owned by uid %u, not by uid %u",
               (unsigned)st.st_uid, (unsigned)geteuid());
   } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
      snprintf(why, sizeof why, "group- or world-writable (mode %04o)",
               (unsigned)(st.st_mode & 07777));
   } else if (st.st_size > CACHE_MAX_BYTES) {
      snprintf(why, sizeof why, "larger than %d bytes", CACHE_MAX_BYTES);
   } else if ((text = malloc(CACHE_MAX_BYTES + 1)) == NULL
              || (layout = malloc(sizeof *layout)) == NULL) {
      snprintf(why, sizeof why, "out of memory");
   } else {
      while (len <= CACHE_MAX_BYTES
             && (n = read(fd, text + len, CACHE_MAX_BYTES + 1 - len)) > 0)
         len += (size_t)n;
      if (n < 0)
         snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
      else if (len > CACHE_MAX_BYTES)
         snprintf(why, sizeof why, "larger than %d bytes", CACHE_MAX_BYTES);
      else if (len < sizeof magic - 1 || memcmp(text, magic, sizeof magic - 1) != 0)
         snprintf(why, sizeof why, "not written by this version of %s", program_name);
      else if (!pg_pylayout_parse(layout, text, len, err, sizeof err))
         snprintf(why, sizeof why, "does not parse: %s", err);
      else if (!pg_pylayout_complete(layout, err, sizeof err))
         snprintf(why, sizeof why, "incomplete: %s", err);
      else if (strcmp(layout->build_id, build_id) != 0)
         snprintf(why, sizeof why, "its build_id is '%s'", layout->build_id);
      else
         hit = 1;
   }
   close(fd);
   if (hit) {
      if (verbose)
         message("%s: cache hit: %s/%s", shown_file, cache->dir, cache->name);
      print_layout(stdout, layout, shown_file);
   } else if (verbose) {
      message("%s: cache entry %s/%s ignored: %s", shown_file, cache->dir,
              cache->name, why);
   }
   free(layout);
   free(text);
   return hit;
}

/* Stores LAYOUT as the entry looked up last: written to a temporary file
 * of this process, then renamed over the entry (readers see the old or the
 * new file, never half of one).  Failures are warnings. */
static void cache_store(Cache *cache, const PgPyLayout *layout,
                        const char *build_id, const char *shown_file)
{
   char tmp[160], origin[128];
   FILE *f;
   int fd, attempt, ok, saved_errno;

   snprintf(tmp, sizeof tmp, ".%s.tmp-%ld", cache->name, (long)getpid());
   for (attempt = 0; ; attempt++) {
      fd = openat(cache->dirfd, tmp,
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0 || errno != EEXIST || attempt > 0)
         break;
      unlinkat(cache->dirfd, tmp, 0);   /* left by a killed run with our pid */
   }
   if (fd < 0) {
      message("warning: cannot write the cache entry %s/%s: %s", cache->dir,
              cache->name, strerror(errno));
      return;
   }
   f = fdopen(fd, "w");
   if (f == NULL) {
      saved_errno = errno;
      close(fd);
      unlinkat(cache->dirfd, tmp, 0);
      message("warning: cannot write the cache entry %s/%s: %s", cache->dir,
              cache->name, strerror(saved_errno));
      return;
   }
   snprintf(origin, sizeof origin, "the object with build-id %s", build_id);
   errno = 0;
   fputs(CACHE_MAGIC, f);
   pg_pylayout_write(layout, origin, 1, emit_to_file, f);
   ok = !ferror(f);
   if (fclose(f) != 0)
      ok = 0;
   if (ok && renameat(cache->dirfd, tmp, cache->dirfd, cache->name) == 0) {
      if (verbose)
         message("%s: cache entry %s/%s stored", shown_file, cache->dir, cache->name);
      return;
   }
   saved_errno = errno != 0 ? errno : EIO;
   unlinkat(cache->dirfd, tmp, 0);
   message("warning: cannot write the cache entry %s/%s: %s", cache->dir,
           cache->name, strerror(saved_errno));
}

/* ===================================================================== */
/* Modes                                                                 */
/* ===================================================================== */

static double now_seconds(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Does the file have DWARF of its own (not only .eh_frame)? */
static int elf_has_dwarf(const ElfImage *elf)
{
   const Elf64_Shdr *info = elf_section(elf, ".debug_info");

   if (info == NULL)
      info = elf_section(elf, ".zdebug_info");
   return info != NULL && info->sh_type != SHT_NOBITS && info->sh_size > 0;
}

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

enum { DWARF_OK, DWARF_NONE, DWARF_NOT_CPYTHON, DWARF_ERROR };

/* Opens the DWARF of the ELF file open on FD and looks for the eval
 * function and types. */
static int read_dwarf(Inspector *in, int fd, char *why, size_t why_len)
{
   int res = dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL,
                          &in->dbg, &in->err);

   if (res == DW_DLV_ERROR) {
      snprintf(why, why_len, "%s", dwarf_errmsg(in->err));
      dwarf_dealloc_error(NULL, in->err);
      in->err = NULL;
      in->dbg = NULL;
      return DWARF_ERROR;
   }
   if (res != DW_DLV_OK) {
      in->dbg = NULL;
      return DWARF_NONE;
   }
   /* A stripped file may keep .eh_frame, which libdwarf accepts. */
   if (!scan_units(in))
      return DWARF_NONE;
   if (!in->found[TARGET_EVAL_DEFAULT] && !in->found[TARGET_EVAL_EX])
      return DWARF_NOT_CPYTHON;
   return DWARF_OK;
}

typedef struct {
   const char *file;
   const char *debug_file;    /* --debug-file, or NULL */
   const char *cache_dir;     /* --cache, or NULL */
   int         layout_mode;
} Options;

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

static int inspect_file(const Options *opt)
{
   static char shown_file[SHOWN_MAX], shown_source[SHOWN_MAX];
   static char not_cpython_in[SHOWN_MAX];
   ElfImage elf, debug_elf;
   Inspector *in = NULL;
   Cache cache;
   char build_id[68], debug_build_id[68], auto_path[128] = "";
   char why[512], err[512], error_why[SHOWN_MAX + 600], hint[160];
   const char *candidates[2];
   double start = now_seconds();
   int n_candidates = 0, c, found = 0, same_build = 0, status = 1;
   int saw_not_cpython = 0, saw_error = 0, from_debug_file = 0;

   cache.dirfd = -1;
   memset(&debug_elf, 0, sizeof debug_elf);
   debug_elf.fd = -1;
   show_path(shown_file, sizeof shown_file, opt->file);
   if (!elf_open(&elf, opt->file, why, sizeof why)) {
      message("%s: %s", shown_file, why);
      return 1;
   }
   elf_build_id(&elf, build_id, sizeof build_id);

   /* 1. The cache, by build-id: no DWARF is read on a hit. */
   if (opt->cache_dir != NULL) {
      if (strlen(build_id) < MIN_BUILD_ID_HEX) {
         if (verbose)
            message("%s: no build-id: the cache is not used", shown_file);
      } else if (cache_open(&cache, opt->cache_dir)
                 && cache_lookup(&cache, build_id, shown_file)) {
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

      show_path(shown_source, sizeof shown_source, source);
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
         if (verbose)
            message("%s: reading DWARF from %s", shown_file, shown_source);
      }
      in = calloc(1, sizeof *in);
      if (in == NULL) {
         message("out of memory");
         goto done;
      }
      in->path = shown_file;
      in->dwarf_path = source == opt->file ? shown_file : shown_source;
      pg_pylayout_clear(&in->layout);
      result = read_dwarf(in, fd, why, sizeof why);
      if (result == DWARF_OK) {
         found = 1;
         from_debug_file = source != opt->file;
         same_build = source == opt->file
            || (build_id[0] != '\0' && strcmp(debug_build_id, build_id) == 0);
         break;
      }
      if (result == DWARF_NOT_CPYTHON) {
         saw_not_cpython = 1;
         snprintf(not_cpython_in, sizeof not_cpython_in, "%s", in->dwarf_path);
      } else if (result == DWARF_ERROR) {
         saw_error = 1;
         snprintf(error_why, sizeof error_why, "%s: %s", in->dwarf_path, why);
      }
      if (in->dbg != NULL)
         dwarf_finish(in->dbg, &in->err);
      free(in);
      in = NULL;
   }

   /* 3. No DWARF to use: why, and (3.13+) the _Py_DebugOffsets table the
    *    tool can read instead. */
   if (!found) {
      char no_dwarf[SHOWN_MAX * 3];
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
      if (!saw_not_cpython && report_debug_offsets(&elf, build_id, shown_file,
                                                   no_dwarf, opt->layout_mode))
         status = 0;
      else
         message("%s", no_dwarf);
      goto done;
   }

   /* 4. The layout from the DWARF, and opcodes from the ELF data (the
    *    debug file's symbols only if it is the same build). */
   build_layout(in, &elf);
   {
      const ElfImage *symbols = from_debug_file && same_build ? &debug_elf : NULL;
      read_opcodes(in, &elf, symbols);
      read_opcode_bases(in, &elf, symbols);
      read_return_generator(in);
   }
   if (!opt->layout_mode) {
      print_summary(in, now_seconds() - start);
      status = pg_pylayout_complete(&in->layout, err, sizeof err) ? 0 : 1;
   } else if (!pg_pylayout_complete(&in->layout, err, sizeof err)) {
      message("%s: incomplete CPython layout: %s (run without --layout for "
              "details)", shown_file, err);
   } else {
      if (in->labels_dropped > 0)
         message("%s: warning: %u labels of %s left out (more than %d, or names "
                 "over %u characters)", shown_file, in->labels_dropped,
                 in->layout.eval_function, PG_MAX_LABELS,
                 (unsigned)sizeof in->layout.labels[0].name - 1);
      if (verbose && in->opcodes_missing != NULL)
         message("%s: no opcode numbers: opcode_targets: %s", shown_file,
                 in->opcodes_missing);
      if (verbose && in->opcodes_shared > 0)
         message("%s: %u opcodes left unnamed, their handler is shared: %s",
                 shown_file, in->opcodes_shared, in->opcodes_shared_list);
      print_layout(stdout, &in->layout, shown_file);
      fflush(stdout);
      if (cache.dirfd >= 0 && same_build)
         cache_store(&cache, &in->layout, build_id, shown_file);
      else if (cache.dirfd >= 0)
         message("warning: %s: layout not cached: its DWARF comes from %s, "
                 "whose build-id is not %s", shown_file, shown_source, build_id);
      status = 0;
   }

done:
   if (in != NULL) {
      if (in->dbg != NULL)
         dwarf_finish(in->dbg, &in->err);
      free(in);
   }
   if (cache.dirfd >= 0)
      close(cache.dirfd);
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
              program_name, version);
      return 2;
   }
   layout = malloc(sizeof *layout);
   if (layout == NULL)
      return 1;
   if (!pg_pylayout_known(layout, major << 24 | minor << 16)) {
      fprintf(stderr, "%s: no known layout for CPython %u.%u\n", program_name,
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
      fprintf(stderr, "%s: %s: %s\n", program_name, path, strerror(errno));
      return 1;
   }
   do {
      if (len == capacity) {
         char *bigger;
         capacity = capacity ? capacity * 2 : 65536;
         bigger = realloc(text, capacity);
         if (bigger == NULL) {
            fprintf(stderr, "%s: %s: out of memory\n", program_name, path);
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
      fprintf(stderr, "%s: %s: %s\n", program_name, path, err);
      status = 1;
   } else if (!pg_pylayout_complete(layout, err, sizeof err)) {
      fprintf(stderr, "%s: %s: %s\n", program_name, path, err);
      status = 1;
   } else {
      print_layout(stdout, layout, path);
   }
   free(layout);
   free(text);
   return status;
}

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
      program_name, program_name, program_name);
}

int main(int argc, char **argv)
{
   Options opt;
   int i, options_done = 0;

   memset(&opt, 0, sizeof opt);
   for (i = 1; i < argc; i++) {
      if (options_done || argv[i][0] != '-' || argv[i][1] == '\0') {
         if (opt.file != NULL) {
            char first[SHOWN_MAX], second[SHOWN_MAX];
            show_path(first, sizeof first, opt.file);
            show_path(second, sizeof second, argv[i]);
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
         verbose = 1;
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
         char shown[SHOWN_MAX];
         show_path(shown, sizeof shown, argv[i]);
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
   return inspect_file(&opt);
}
