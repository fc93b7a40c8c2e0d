/* elf.c: the small ELF64 reader (see elf.h for what the inspector needs
 * from ELF data and why it does not use libelf).  Sizes and offsets from
 * the file are checked before use: the file may be any path the profiled
 * process mapped, so a damaged one must be refused, not crash us.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"

/*------------------------------------------------------------*/
/*--- Opening and closing                                  ---*/
/*------------------------------------------------------------*/

void elf_close(ElfImage *elf)
{
   if (elf->fd >= 0) {
      if (elf->data != NULL)
         munmap((void *)elf->data, elf->size);
      close(elf->fd);
   }
   free(elf->sections);
   memset(elf, 0, sizeof *elf);
   elf->fd = -1;
}

/* The header checks of elf_open, on bytes already in memory. */
int elf_open_memory(ElfImage *elf, const void *data, size_t size,
                    char *why, size_t why_len)
{
   Elf64_Ehdr header;
   unsigned i;

   memset(elf, 0, sizeof *elf);
   elf->fd = -1;
   if (size < sizeof header) {
      snprintf(why, why_len, "not an ELF file (too short)");
      return 0;
   }
   elf->data = data;
   elf->size = size;

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

/* PATH may come from the profiled process: O_NONBLOCK so that a FIFO
 * cannot hang us, and only a regular file is read.  The descriptor stays
 * open so that the DWARF is read from the very file whose build-id was
 * read. */
int elf_open(ElfImage *elf, const char *path, char *why, size_t why_len)
{
   struct stat st;
   void *map;
   int fd;

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
   /* Checked before mmap, which refuses an empty file with a less
    * helpful reason. */
   if ((size_t)st.st_size < sizeof(Elf64_Ehdr)) {
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
   if (!elf_open_memory(elf, map, (size_t)st.st_size, why, why_len)) {
      munmap(map, (size_t)st.st_size);
      close(fd);
      return 0;
   }
   elf->fd = fd;
   return 1;
}

/*------------------------------------------------------------*/
/*--- Sections                                             ---*/
/*------------------------------------------------------------*/

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

const Elf64_Shdr *elf_section(const ElfImage *elf, const char *name)
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

/* .eh_frame alone is not debug info: a stripped file keeps it, and
 * libdwarf would accept it. */
int elf_has_dwarf(const ElfImage *elf)
{
   const Elf64_Shdr *info = elf_section(elf, ".debug_info");

   if (info == NULL)
      info = elf_section(elf, ".zdebug_info");
   return info != NULL && info->sh_type != SHT_NOBITS && info->sh_size > 0;
}

/*------------------------------------------------------------*/
/*--- Symbols                                              ---*/
/*------------------------------------------------------------*/

/* Calls VISIT with each defined, named symbol of ELF's symbol tables of
 * type TABLE_TYPE (SHT_SYMTAB or SHT_DYNSYM; 0 for both, in file order)
 * until it returns nonzero; returns that value, or 0.  Every lookup below
 * is one walk of the tables with its own test. */
typedef int (*SymbolVisitor)(const Elf64_Sym *sym, const char *name, void *ctx);

static int for_each_symbol(const ElfImage *elf, Elf32_Word table_type,
                           SymbolVisitor visit, void *ctx)
{
   unsigned i;

   for (i = 0; i < elf->n_sections; i++) {
      const Elf64_Shdr *symbols = &elf->sections[i];
      const Elf64_Shdr *strings;
      size_t n, k;

      if ((symbols->sh_type != SHT_SYMTAB && symbols->sh_type != SHT_DYNSYM)
          || (table_type != 0 && symbols->sh_type != table_type)
          || symbols->sh_entsize != sizeof(Elf64_Sym)
          || symbols->sh_link >= elf->n_sections)
         continue;
      strings = &elf->sections[symbols->sh_link];
      n = symbols->sh_size / sizeof(Elf64_Sym);
      for (k = 0; k < n; k++) {
         Elf64_Sym sym;
         const char *sym_name;
         int result;
         memcpy(&sym, elf->data + symbols->sh_offset + k * sizeof sym, sizeof sym);
         if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0)
            continue;
         sym_name = elf_string(elf, strings, sym.st_name);
         if (sym_name != NULL && (result = visit(&sym, sym_name, ctx)) != 0)
            return result;
      }
   }
   return 0;
}

typedef struct {
   const char  *name;
   Elf64_Addr  *value;
   Elf64_Xword *size;
} SymbolLookup;

static int symbol_named(const Elf64_Sym *sym, const char *name, void *ctx)
{
   SymbolLookup *lookup = ctx;

   if (strcmp(name, lookup->name) != 0)
      return 0;
   *lookup->value = sym->st_value;
   *lookup->size = sym->st_size;
   return 1;
}

/* Looks NAME up in .symtab, then .dynsym (which survives stripping). */
int elf_symbol(const ElfImage *elf, const char *name, Elf64_Addr *value,
               Elf64_Xword *size)
{
   SymbolLookup lookup = { name, value, size };

   return for_each_symbol(elf, SHT_SYMTAB, symbol_named, &lookup)
          || for_each_symbol(elf, SHT_DYNSYM, symbol_named, &lookup);
}

static int function_with_prefix(const Elf64_Sym *sym, const char *name, void *ctx)
{
   const char *prefix = ctx;

   return ELF64_ST_TYPE(sym->st_info) == STT_FUNC
          && strncmp(name, prefix, strlen(prefix)) == 0;
}

int elf_function_with_prefix(const ElfImage *elf, const char *prefix)
{
   return for_each_symbol(elf, 0, function_with_prefix, (void *)prefix);
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

typedef struct {
   const char  *name;
   int          suffixed;
   Elf64_Xword  size;
   Elf64_Addr  *value;
   int          found;       /* distinct addresses seen */
} ObjectLookup;

static int count_object(const Elf64_Sym *sym, const char *name, void *ctx)
{
   ObjectLookup *lookup = ctx;

   if (sym->st_size != lookup->size || ELF64_ST_TYPE(sym->st_info) != STT_OBJECT
       || !symbol_name_matches(name, lookup->name, lookup->suffixed))
      return 0;
   if (lookup->found == 0 || sym->st_value != *lookup->value) {
      if (lookup->found == 0)
         *lookup->value = sym->st_value;
      lookup->found++;
   }
   return 0;                 /* on: every table, to count them all */
}

/* Looks for a data object (STT_OBJECT) of SIZE bytes named NAME (see
 * symbol_name_matches) in .symtab and .dynsym.  Returns how many distinct
 * addresses such symbols have (1: the answer, in VALUE; more: ambiguous). */
int elf_object(const ElfImage *elf, const char *name, int suffixed,
               Elf64_Xword size, Elf64_Addr *value)
{
   ObjectLookup lookup = { name, suffixed, size, value, 0 };

   for_each_symbol(elf, 0, count_object, &lookup);
   return lookup.found;
}

/*------------------------------------------------------------*/
/*--- Bytes at link-time addresses                         ---*/
/*------------------------------------------------------------*/

/* Copies N bytes at link-time address ADDR from the allocated section
 * holding them; False if no section in the file has their bytes (in a
 * detached debug file .rodata is SHT_NOBITS). */
int elf_read(const ElfImage *elf, Elf64_Addr addr, void *out, size_t n)
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
int elf_read_pointers(const ElfImage *elf, Elf64_Addr addr, size_t n,
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

/*------------------------------------------------------------*/
/*--- The build-id note                                    ---*/
/*------------------------------------------------------------*/

/* The GNU build-id note in hex, "" if there is none. */
void elf_build_id(const ElfImage *elf, char *hex, size_t hex_len)
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

/*------------------------------------------------------------*/
/*--- The version string in .rodata                        ---*/
/*------------------------------------------------------------*/

/* Parses "MAJOR.MINOR.MICRO[{a,b,rc}SERIAL][+]" at S (ending at END) as a
 * PY_VERSION_HEX; the text must be followed by a NUL. */
int elf_parse_version_string(const char *s, const char *end, unsigned *hex)
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
int elf_version_string(const ElfImage *elf, int major, int minor,
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
      if (!elf_parse_version_string(p, end, &hex))
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
