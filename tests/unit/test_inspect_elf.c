/* test_inspect_elf.c: unit tests of pyprofgrind-inspect's ELF64 reader
 * (inspect/elf.c).  Most run on ELF images this file builds in memory,
 * section by section, so that each case holds exactly the bytes it is
 * about: section lookup and the DWARF check, symbols in .symtab and
 * .dynsym (GCC's renamed copies, ambiguous ones), bytes at link-time
 * addresses, pointers through R_X86_64_RELATIVE relocations, the build-id
 * note, the PY_VERSION string parser and its search in .rodata, and every
 * damaged header the reader refuses.  Then elf_open on real files: a
 * shared object compiled here with the C compiler that built the test
 * (its pointer table relocated by the linker, its build-id), and the
 * paths it must refuse.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"

#ifndef PG_TEST_CC
#define PG_TEST_CC "cc"
#endif

/*------------------------------------------------------------*/
/*--- Building ELF images                                  ---*/
/*------------------------------------------------------------*/

#define IMAGE_MAX 16384

typedef struct {
   unsigned char data[IMAGE_MAX];
   size_t        len;
   Elf64_Shdr    sections[24];
   unsigned      n_sections;
   char          names[1024];      /* becomes .shstrtab */
   size_t        names_len;
   Elf64_Ehdr    header;           /* written by image_finish */
} Image;

static void image_init(Image *im)
{
   memset(im, 0, sizeof *im);
   im->len = sizeof(Elf64_Ehdr);
   im->n_sections = 1;             /* section 0 is SHT_NULL */
   im->names_len = 1;              /* names[0] is "" */
}

/* Appends section NAME holding SIZE bytes of DATA (NULL: none in the
 * file, for SHT_NOBITS); returns its index. */
static unsigned image_section(Image *im, const char *name, Elf64_Word type,
                              Elf64_Xword flags, Elf64_Addr addr,
                              const void *data, size_t size, Elf64_Word link,
                              Elf64_Xword entsize)
{
   Elf64_Shdr *s = &im->sections[im->n_sections];
   size_t name_len = strlen(name) + 1;

   ck_assert(im->n_sections < 24 && im->names_len + name_len <= sizeof im->names);
   memcpy(im->names + im->names_len, name, name_len);
   s->sh_name = (Elf64_Word)im->names_len;
   im->names_len += name_len;
   im->len = (im->len + 7) & ~(size_t)7;
   s->sh_type = type;
   s->sh_flags = flags;
   s->sh_addr = addr;
   s->sh_offset = im->len;
   s->sh_size = size;
   s->sh_link = link;
   s->sh_entsize = entsize;
   s->sh_addralign = 8;
   if (type != SHT_NOBITS && size > 0) {
      ck_assert(im->len + size <= IMAGE_MAX);
      memcpy(im->data + im->len, data, size);
      im->len += size;
   }
   return im->n_sections++;
}

/* Appends .shstrtab and the section headers, then writes the ELF header;
 * returns the image's size. */
static size_t image_finish(Image *im)
{
   unsigned shstrndx;
   Elf64_Ehdr *h = &im->header;

   /* The name must be in the table before the table is copied. */
   memcpy(im->names + im->names_len, ".shstrtab", 10);
   im->sections[im->n_sections].sh_name = (Elf64_Word)im->names_len;
   im->names_len += 10;
   shstrndx = im->n_sections;
   {
      Elf64_Shdr *s = &im->sections[im->n_sections++];
      im->len = (im->len + 7) & ~(size_t)7;
      s->sh_type = SHT_STRTAB;
      s->sh_offset = im->len;
      s->sh_size = im->names_len;
      memcpy(im->data + im->len, im->names, im->names_len);
      im->len += im->names_len;
   }
   im->len = (im->len + 7) & ~(size_t)7;
   ck_assert(im->len + im->n_sections * sizeof(Elf64_Shdr) <= IMAGE_MAX);
   memset(h, 0, sizeof *h);
   memcpy(h->e_ident, ELFMAG, SELFMAG);
   h->e_ident[EI_CLASS] = ELFCLASS64;
   h->e_ident[EI_DATA] = ELFDATA2LSB;
   h->e_ident[EI_VERSION] = EV_CURRENT;
   h->e_type = ET_DYN;
   h->e_machine = EM_X86_64;
   h->e_version = EV_CURRENT;
   h->e_ehsize = sizeof(Elf64_Ehdr);
   h->e_shoff = im->len;
   h->e_shentsize = sizeof(Elf64_Shdr);
   h->e_shnum = (Elf64_Half)im->n_sections;
   h->e_shstrndx = (Elf64_Half)shstrndx;
   memcpy(im->data + im->len, im->sections, im->n_sections * sizeof(Elf64_Shdr));
   im->len += im->n_sections * sizeof(Elf64_Shdr);
   memcpy(im->data, h, sizeof *h);
   return im->len;
}

/* A symbol table under construction: its entries and their names. */
typedef struct {
   Elf64_Sym entries[16];
   unsigned  n;
   char      names[512];
   size_t    names_len;
} Symbols;

static void symbols_init(Symbols *t)
{
   memset(t, 0, sizeof *t);
   t->n = 1;                      /* entry 0 is the null symbol */
   t->names_len = 1;
}

static void symbols_add(Symbols *t, const char *name, unsigned char type,
                        Elf64_Half shndx, Elf64_Addr value, Elf64_Xword size)
{
   Elf64_Sym *sym = &t->entries[t->n++];
   size_t len = strlen(name) + 1;

   memcpy(t->names + t->names_len, name, len);
   sym->st_name = (Elf64_Word)t->names_len;
   t->names_len += len;
   sym->st_info = ELF64_ST_INFO(STB_GLOBAL, type);
   sym->st_shndx = shndx;
   sym->st_value = value;
   sym->st_size = size;
}

/* Adds the string table and symbol table of T as NAMES_NAME and
 * TABLE_NAME (of type TYPE). */
static void image_symbols(Image *im, const Symbols *t, const char *names_name,
                          const char *table_name, Elf64_Word type)
{
   unsigned strings = image_section(im, names_name, SHT_STRTAB, 0, 0, t->names,
                                    t->names_len, 0, 0);
   image_section(im, table_name, type, 0, 0, t->entries, t->n * sizeof(Elf64_Sym),
                 strings, sizeof(Elf64_Sym));
}

/*------------------------------------------------------------*/
/*--- The image most tests read                            ---*/
/*------------------------------------------------------------*/

#define RODATA_ADDR 0x1000
#define DATA_ADDR   0x2000
#define BSS_ADDR    0x3000
#define RODATA_SECTION 1            /* the first section image_standard adds */

/* .rodata: a version constant, a version string merged into the tail of
 * a path (as the linker merges strings), and one preceded by a digit
 * (which is not a version string of 3.10). */
static const char rodata_strings[] = "/usr/lib/python3.10.13\0" "13.10.99\0";
#define PY_VERSION_OFFSET 0x40      /* where Py_Version is in .rodata */

static const unsigned char build_id_bytes[20] = {
   0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
   0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0xff
};
#define BUILD_ID_HEX "deadbeef000102030405060708090a0b0c0d0eff"

/* Builds the image: .rodata, .data (a table of four pointers), .bss,
 * .rela.dyn, a build-id note (unless WITH_NOTE is 0), .symtab, .dynsym,
 * and .debug_info when WITH_DWARF. */
static size_t image_standard(Image *im, int with_note, int with_dwarf)
{
   unsigned char rodata[0x80];
   Elf64_Addr table[4] = { 0x1111, 0, 0x3333, 0x4444 };
   Elf64_Rela relocs[4];
   unsigned char note[sizeof(Elf64_Nhdr) + 4 + sizeof build_id_bytes];
   Elf64_Nhdr nhdr = { 4, sizeof build_id_bytes, NT_GNU_BUILD_ID };
   unsigned int py_version = 0x030a0df0;
   Symbols symtab, dynsym;
   unsigned rodata_index;

   image_init(im);
   memset(rodata, 0, sizeof rodata);
   memcpy(rodata, rodata_strings, sizeof rodata_strings);
   memcpy(rodata + PY_VERSION_OFFSET, &py_version, 4);
   rodata[0x50] = 7;  rodata[0x51] = 8;  rodata[0x52] = 9;
   rodata_index = image_section(im, ".rodata", SHT_PROGBITS, SHF_ALLOC, RODATA_ADDR,
                                rodata, sizeof rodata, 0, 0);
   ck_assert_uint_eq(rodata_index, RODATA_SECTION);
   image_section(im, ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, DATA_ADDR,
                 table, sizeof table, 0, 0);
   image_section(im, ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, BSS_ADDR, NULL,
                 0x100, 0, 0);

   /* Entry 1 of the table: RELATIVE, the addend is the value.  Entry 2:
    * another type, whose value only the dynamic linker knows: 0.  A
    * relocation not on an entry's start, and one past the table, are
    * not the table's. */
   memset(relocs, 0, sizeof relocs);
   relocs[0].r_offset = DATA_ADDR + 8;
   relocs[0].r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
   relocs[0].r_addend = 0x2222;
   relocs[1].r_offset = DATA_ADDR + 16;
   relocs[1].r_info = ELF64_R_INFO(1, R_X86_64_64);
   relocs[2].r_offset = DATA_ADDR + 4;
   relocs[2].r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
   relocs[2].r_addend = 0x9999;
   relocs[3].r_offset = DATA_ADDR + 32;
   relocs[3].r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
   relocs[3].r_addend = 0x9999;
   image_section(im, ".rela.dyn", SHT_RELA, SHF_ALLOC, 0x4000, relocs,
                 sizeof relocs, 0, sizeof(Elf64_Rela));

   if (with_note) {
      memcpy(note, &nhdr, sizeof nhdr);
      memcpy(note + sizeof nhdr, "GNU", 4);
      memcpy(note + sizeof nhdr + 4, build_id_bytes, sizeof build_id_bytes);
      image_section(im, ".note.gnu.build-id", SHT_NOTE, SHF_ALLOC, 0x5000, note,
                    sizeof note, 0, 0);
   }

   symbols_init(&symtab);
   symbols_add(&symtab, "Py_Version", STT_OBJECT, (Elf64_Half)rodata_index,
               RODATA_ADDR + PY_VERSION_OFFSET, 8);
   symbols_add(&symtab, "opcode_targets.3", STT_OBJECT, 2, DATA_ADDR, 32);
   symbols_add(&symtab, "undefined_here", STT_OBJECT, SHN_UNDEF, 0x1234, 8);
   symbols_add(&symtab, "a_function", STT_FUNC, 2, DATA_ADDR, 32);
   symbols_add(&symtab, "_TAIL_CALL_LOAD_CONST.llvm.42", STT_FUNC, 2, DATA_ADDR, 32);
   symbols_add(&symtab, "bytes3", STT_OBJECT, (Elf64_Half)rodata_index,
               RODATA_ADDR + 0x50, 3);
   symbols_add(&symtab, "twice.lto_priv.0", STT_OBJECT, 2, DATA_ADDR, 16);
   symbols_add(&symtab, "twice.lto_priv.1", STT_OBJECT, 2, DATA_ADDR + 16, 16);
   symbols_add(&symtab, "both", STT_OBJECT, 2, DATA_ADDR + 8, 8);
   image_symbols(im, &symtab, ".strtab", ".symtab", SHT_SYMTAB);

   symbols_init(&dynsym);
   symbols_add(&dynsym, "only_dynamic", STT_OBJECT, 2, DATA_ADDR + 24, 8);
   symbols_add(&dynsym, "both", STT_OBJECT, 2, DATA_ADDR + 16, 8);
   symbols_add(&dynsym, "opcode_targets", STT_OBJECT, 2, DATA_ADDR, 32);
   image_symbols(im, &dynsym, ".dynstr", ".dynsym", SHT_DYNSYM);

   if (with_dwarf)
      image_section(im, ".debug_info", SHT_PROGBITS, 0, 0, "dwarf", 5, 0, 0);
   return image_finish(im);
}

static Image image;   /* too big for check's child's stack */

/* Opens the standard image, asserting that it opens. */
static void open_standard(ElfImage *elf, int with_note, int with_dwarf)
{
   char why[256] = "";
   size_t size = image_standard(&image, with_note, with_dwarf);

   ck_assert_msg(elf_open_memory(elf, image.data, size, why, sizeof why),
                 "refused: %s", why);
}

/*------------------------------------------------------------*/
/*--- Sections, symbols, bytes                             ---*/
/*------------------------------------------------------------*/

START_TEST(test_sections)
{
   ElfImage elf;
   const Elf64_Shdr *s;

   open_standard(&elf, 1, 0);
   ck_assert_int_eq(elf.fd, -1);
   s = elf_section(&elf, ".rodata");
   ck_assert_ptr_nonnull(s);
   ck_assert_uint_eq(s->sh_addr, RODATA_ADDR);
   ck_assert_ptr_nonnull(elf_section(&elf, ".dynsym"));
   ck_assert_ptr_nonnull(elf_section(&elf, ".shstrtab"));
   ck_assert_ptr_null(elf_section(&elf, ".rodat"));
   ck_assert_ptr_null(elf_section(&elf, ".rodata.x"));
   ck_assert(!elf_has_dwarf(&elf));
   elf_close(&elf);
   ck_assert_ptr_null(elf.sections);

   open_standard(&elf, 1, 1);
   ck_assert(elf_has_dwarf(&elf));
   elf_close(&elf);
}
END_TEST

START_TEST(test_symbols)
{
   ElfImage elf;
   Elf64_Addr value = 0;
   Elf64_Xword size = 0;

   open_standard(&elf, 1, 0);
   ck_assert(elf_symbol(&elf, "Py_Version", &value, &size));
   ck_assert_uint_eq(value, RODATA_ADDR + PY_VERSION_OFFSET);
   ck_assert_uint_eq(size, 8);
   /* .dynsym is searched too, after .symtab. */
   ck_assert(elf_symbol(&elf, "only_dynamic", &value, &size));
   ck_assert_uint_eq(value, DATA_ADDR + 24);
   ck_assert(elf_symbol(&elf, "both", &value, &size));
   ck_assert_uint_eq(value, DATA_ADDR + 8);
   /* Exact names only; undefined symbols are not definitions. */
   ck_assert(!elf_symbol(&elf, "Py_Versio", &value, &size));
   ck_assert(!elf_symbol(&elf, "opcode_targets.", &value, &size));
   ck_assert(!elf_symbol(&elf, "undefined_here", &value, &size));
   ck_assert(!elf_symbol(&elf, "", &value, &size));
   /* Functions by prefix (a tail-calling CPython's handlers); data
    * objects and undefined symbols are none. */
   ck_assert(elf_function_with_prefix(&elf, "_TAIL_CALL_"));
   ck_assert(elf_function_with_prefix(&elf, "a_func"));
   ck_assert(!elf_function_with_prefix(&elf, "_TAIL_CALL_X"));
   ck_assert(!elf_function_with_prefix(&elf, "both"));
   ck_assert(!elf_function_with_prefix(&elf, "undefined"));
   ck_assert(!elf_function_with_prefix(&elf, "a_functionz"));
   elf_close(&elf);
}
END_TEST

START_TEST(test_objects)
{
   ElfImage elf;
   Elf64_Addr value = 0;

   open_standard(&elf, 1, 0);
   /* GCC's numbered copy of a local static, and the plain name in
    * .dynsym at the same address: one answer. */
   ck_assert_int_eq(elf_object(&elf, "opcode_targets", 1, 32, &value), 1);
   ck_assert_uint_eq(value, DATA_ADDR);
   value = 0;
   ck_assert_int_eq(elf_object(&elf, "opcode_targets", 0, 32, &value), 1);
   ck_assert_uint_eq(value, DATA_ADDR);
   /* The size must match; functions are not data; a longer name is
    * another name. */
   ck_assert_int_eq(elf_object(&elf, "opcode_targets", 1, 16, &value), 0);
   ck_assert_int_eq(elf_object(&elf, "a_function", 1, 32, &value), 0);
   ck_assert_int_eq(elf_object(&elf, "opcode_target", 1, 32, &value), 0);
   ck_assert_int_eq(elf_object(&elf, "undefined_here", 1, 8, &value), 0);
   /* Two LTO copies at two addresses: ambiguous, reported as such; not
    * found at all without suffixes. */
   ck_assert_int_eq(elf_object(&elf, "twice", 1, 16, &value), 2);
   ck_assert_uint_eq(value, DATA_ADDR);
   ck_assert_int_eq(elf_object(&elf, "twice", 0, 16, &value), 0);
   /* The same name at two addresses in .symtab and .dynsym. */
   ck_assert_int_eq(elf_object(&elf, "both", 0, 8, &value), 2);
   elf_close(&elf);
}
END_TEST

START_TEST(test_read)
{
   ElfImage elf;
   unsigned char bytes[4] = { 0, 0, 0, 0 };
   unsigned int version = 0;

   open_standard(&elf, 1, 0);
   ck_assert(elf_read(&elf, RODATA_ADDR + PY_VERSION_OFFSET, &version, 4));
   ck_assert_uint_eq(version, 0x030a0df0);
   ck_assert(elf_read(&elf, RODATA_ADDR + 0x50, bytes, 3));
   ck_assert_uint_eq(bytes[0], 7);
   ck_assert_uint_eq(bytes[2], 9);
   /* The last bytes of a section, and not one more. */
   ck_assert(elf_read(&elf, RODATA_ADDR + 0x7c, bytes, 4));
   ck_assert(!elf_read(&elf, RODATA_ADDR + 0x7d, bytes, 4));
   /* No bytes in the file (.bss), nor outside any section. */
   ck_assert(!elf_read(&elf, BSS_ADDR, bytes, 4));
   ck_assert(!elf_read(&elf, 0x9000, bytes, 4));
   ck_assert(!elf_read(&elf, RODATA_ADDR - 2, bytes, 4));
   elf_close(&elf);
}
END_TEST

START_TEST(test_read_pointers)
{
   ElfImage elf;
   Elf64_Addr values[4];

   open_standard(&elf, 1, 0);
   memset(values, 0xff, sizeof values);
   ck_assert(elf_read_pointers(&elf, DATA_ADDR, 4, values));
   ck_assert_uint_eq(values[0], 0x1111);     /* the bytes */
   ck_assert_uint_eq(values[1], 0x2222);     /* RELATIVE: the addend */
   ck_assert_uint_eq(values[2], 0);          /* another type: unknown */
   ck_assert_uint_eq(values[3], 0x4444);     /* the bytes */
   /* A part of the table: relocations before and after it do not count. */
   ck_assert(elf_read_pointers(&elf, DATA_ADDR + 8, 2, values));
   ck_assert_uint_eq(values[0], 0x2222);
   ck_assert_uint_eq(values[1], 0);
   /* No bytes, but a relocation: the rest are 0. */
   memset(values, 0xff, sizeof values);
   ck_assert(elf_read_pointers(&elf, DATA_ADDR + 32, 2, values));
   ck_assert_uint_eq(values[0], 0x9999);
   ck_assert_uint_eq(values[1], 0);
   /* Neither bytes nor relocations. */
   ck_assert(!elf_read_pointers(&elf, 0x9000, 2, values));
   elf_close(&elf);
}
END_TEST

START_TEST(test_build_id)
{
   ElfImage elf;
   char hex[68] = "junk";

   open_standard(&elf, 1, 0);
   elf_build_id(&elf, hex, sizeof hex);
   ck_assert_str_eq(hex, BUILD_ID_HEX);
   /* No room for it: none rather than part of it. */
   elf_build_id(&elf, hex, 40);
   ck_assert_str_eq(hex, "");
   elf_build_id(&elf, hex, 41);
   ck_assert_str_eq(hex, BUILD_ID_HEX);
   elf_close(&elf);

   open_standard(&elf, 0, 0);
   strcpy(hex, "junk");
   elf_build_id(&elf, hex, sizeof hex);
   ck_assert_str_eq(hex, "");
   elf_close(&elf);
}
END_TEST

/* A note section whose other notes come first, and a damaged note. */
START_TEST(test_build_id_among_notes)
{
   unsigned char notes[128];
   Elf64_Nhdr abi = { 4, 16, NT_GNU_ABI_TAG };
   Elf64_Nhdr bid = { 4, 4, NT_GNU_BUILD_ID };
   Elf64_Nhdr odd = { 5, 3, 0x99 };        /* name and desc padded to 8, 4 */
   Elf64_Nhdr bad = { 4, 0x7fffffff, NT_GNU_BUILD_ID };
   size_t pos = 0, size;
   ElfImage elf;
   char hex[68], why[128];

   memset(notes, 0, sizeof notes);
   memcpy(notes + pos, &abi, sizeof abi);
   memcpy(notes + pos + sizeof abi, "GNU", 4);
   pos += sizeof abi + 4 + 16;
   memcpy(notes + pos, &odd, sizeof odd);
   memcpy(notes + pos + sizeof odd, "Xen.", 5);
   pos += sizeof odd + 8 + 4;
   memcpy(notes + pos, &bid, sizeof bid);
   memcpy(notes + pos + sizeof bid, "GNU", 4);
   memcpy(notes + pos + sizeof bid + 4, "\x01\x23\x45\x67", 4);
   pos += sizeof bid + 4 + 4;
   image_init(&image);
   image_section(&image, ".note", SHT_NOTE, SHF_ALLOC, 0, notes, pos, 0, 0);
   size = image_finish(&image);
   ck_assert(elf_open_memory(&elf, image.data, size, why, sizeof why));
   elf_build_id(&elf, hex, sizeof hex);
   ck_assert_str_eq(hex, "01234567");
   elf_close(&elf);

   /* A descriptor size past the section's end stops the walk. */
   memcpy(notes, &bad, sizeof bad);
   memcpy(notes + sizeof bad, "GNU", 4);
   image_init(&image);
   image_section(&image, ".note", SHT_NOTE, SHF_ALLOC, 0, notes, 40, 0, 0);
   size = image_finish(&image);
   ck_assert(elf_open_memory(&elf, image.data, size, why, sizeof why));
   strcpy(hex, "junk");
   elf_build_id(&elf, hex, sizeof hex);
   ck_assert_str_eq(hex, "");
   elf_close(&elf);
}
END_TEST

/*------------------------------------------------------------*/
/*--- The version string                                   ---*/
/*------------------------------------------------------------*/

/* Parses S, whose NUL is included (unless NO_NUL). */
static int parse(const char *s, unsigned *hex)
{
   return elf_parse_version_string(s, s + strlen(s) + 1, hex);
}

START_TEST(test_parse_version_string)
{
   unsigned hex = 0;
   const char unterminated[] = { '3', '.', '1', '0', '.', '1', '3' };

   ck_assert(parse("3.10.13", &hex));
   ck_assert_uint_eq(hex, 0x030a0df0);
   ck_assert(parse("2.7.18", &hex));
   ck_assert_uint_eq(hex, 0x020712f0);
   ck_assert(parse("3.12.0rc2", &hex));
   ck_assert_uint_eq(hex, 0x030c00c2);
   ck_assert(parse("3.13.0a1+", &hex));
   ck_assert_uint_eq(hex, 0x030d00a1);
   ck_assert(parse("3.11.0b4", &hex));
   ck_assert_uint_eq(hex, 0x030b00b4);
   ck_assert(parse("3.11.7+", &hex));
   ck_assert_uint_eq(hex, 0x030b07f0);
   ck_assert(parse("3.9.255", &hex));
   ck_assert_uint_eq(hex, 0x0309fff0);

   hex = 0x12345678;
   ck_assert(!parse("3.10", &hex));
   ck_assert(!parse("3.10.", &hex));
   ck_assert(!parse("3..13", &hex));
   ck_assert(!parse(".10.13", &hex));
   ck_assert(!parse("3.10.13x", &hex));
   ck_assert(!parse("3.10.13 ", &hex));
   ck_assert(!parse("3.10.1234", &hex));    /* at most three digits */
   ck_assert(!parse("3.256.0", &hex));      /* minor and micro fit a byte */
   ck_assert(!parse("3.10.256", &hex));
   ck_assert(!parse("3.12.0rc", &hex));     /* a level needs its serial */
   ck_assert(!parse("3.12.0c1", &hex));
   ck_assert(!parse("3.12.0b16", &hex));    /* the serial fits a nibble */
   ck_assert(!parse("3.12.0++", &hex));
   ck_assert(!parse("", &hex));
   ck_assert(!elf_parse_version_string(unterminated,
                                       unterminated + sizeof unterminated, &hex));
   ck_assert_uint_eq(hex, 0x12345678);      /* untouched when refused */
}
END_TEST

/* An image whose .rodata is BYTES (LEN of them). */
static void open_rodata(ElfImage *elf, const char *bytes, size_t len, Elf64_Word type)
{
   char why[128];
   size_t size;

   image_init(&image);
   image_section(&image, ".rodata", type, SHF_ALLOC, RODATA_ADDR, bytes, len, 0, 0);
   size = image_finish(&image);
   ck_assert(elf_open_memory(elf, image.data, size, why, sizeof why));
}

START_TEST(test_version_string_search)
{
   static const char one[] = "xx\0/usr/lib/python3.10.13\0" "13.10.99\0" "3.10.\0";
   static const char again[] = "3.10.13\0" "python3.10.13\0";
   static const char two[] = "3.10.13\0" "3.10.12\0";
   static const char dotted[] = ".3.10.12\0" "v3.10.4\0";
   static const char at_end[] = { '3', '.', '1', '0', '.', '4' };
   ElfImage elf;
   unsigned hex = 0;

   /* In the tail of a longer string; not after a digit. */
   open_rodata(&elf, one, sizeof one, SHT_PROGBITS);
   ck_assert_int_eq(elf_version_string(&elf, 3, 10, &hex), 1);
   ck_assert_uint_eq(hex, 0x030a0df0);
   ck_assert_int_eq(elf_version_string(&elf, 3, 1, &hex), 0);
   ck_assert_int_eq(elf_version_string(&elf, 2, 7, &hex), 0);
   elf_close(&elf);

   /* The same version twice is one version. */
   open_rodata(&elf, again, sizeof again, SHT_PROGBITS);
   ck_assert_int_eq(elf_version_string(&elf, 3, 10, &hex), 1);
   elf_close(&elf);

   /* Two versions: no answer. */
   hex = 0;
   open_rodata(&elf, two, sizeof two, SHT_PROGBITS);
   ck_assert_int_eq(elf_version_string(&elf, 3, 10, &hex), 2);
   ck_assert_uint_eq(hex, 0);
   elf_close(&elf);

   /* After a dot it is part of something else; after a letter not. */
   open_rodata(&elf, dotted, sizeof dotted, SHT_PROGBITS);
   ck_assert_int_eq(elf_version_string(&elf, 3, 10, &hex), 1);
   ck_assert_uint_eq(hex, 0x030a04f0);
   elf_close(&elf);

   /* Running off the section's end: no NUL, no version. */
   open_rodata(&elf, at_end, sizeof at_end, SHT_PROGBITS);
   ck_assert_int_eq(elf_version_string(&elf, 3, 10, &hex), 0);
   elf_close(&elf);

   /* A detached debug file's .rodata has no bytes. */
   open_rodata(&elf, NULL, 64, SHT_NOBITS);
   ck_assert_int_eq(elf_version_string(&elf, 3, 10, &hex), 0);
   elf_close(&elf);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Damaged images                                       ---*/
/*------------------------------------------------------------*/

/* Asserts that the standard image, after DAMAGE, is refused with a reason
 * containing NEEDLE. */
static void assert_refused(size_t size, const char *needle)
{
   ElfImage elf;
   char why[256] = "";

   ck_assert(!elf_open_memory(&elf, image.data, size, why, sizeof why));
   ck_assert_msg(strstr(why, needle) != NULL, "'%s' does not say '%s'", why, needle);
   ck_assert_ptr_null(elf.sections);
   ck_assert_ptr_null(elf.data);
   ck_assert_int_eq(elf.fd, -1);
   elf_close(&elf);
}

#define HEADER ((Elf64_Ehdr *)image.data)

START_TEST(test_damaged)
{
   size_t size = image_standard(&image, 1, 0);
   Elf64_Shdr *rodata;

   assert_refused(sizeof(Elf64_Ehdr) - 1, "too short");
   assert_refused(0, "too short");

   image_standard(&image, 1, 0);
   image.data[EI_MAG1] = 'e';
   assert_refused(size, "not an ELF file");

   image_standard(&image, 1, 0);
   image.data[EI_CLASS] = ELFCLASS32;
   assert_refused(size, "not a little-endian 64-bit ELF file");

   image_standard(&image, 1, 0);
   image.data[EI_DATA] = ELFDATA2MSB;
   assert_refused(size, "not a little-endian 64-bit ELF file");

   image_standard(&image, 1, 0);
   HEADER->e_shnum = 0;
   assert_refused(size, "section headers missing or damaged");

   image_standard(&image, 1, 0);
   HEADER->e_shentsize = 32;
   assert_refused(size, "section headers missing or damaged");

   image_standard(&image, 1, 0);
   HEADER->e_shstrndx = HEADER->e_shnum;
   assert_refused(size, "section headers missing or damaged");

   image_standard(&image, 1, 0);
   HEADER->e_shoff = size + 8;
   assert_refused(size, "section headers missing or damaged");

   /* The headers run past the end of the file. */
   image_standard(&image, 1, 0);
   assert_refused(size - 1, "section headers missing or damaged");

   image_standard(&image, 1, 0);
   rodata = (Elf64_Shdr *)(image.data + HEADER->e_shoff) + RODATA_SECTION;
   rodata->sh_size = size;
   assert_refused(size, "ELF section 1 lies outside the file");

   image_standard(&image, 1, 0);
   rodata = (Elf64_Shdr *)(image.data + HEADER->e_shoff) + RODATA_SECTION;
   rodata->sh_offset = ~(Elf64_Off)0;
   assert_refused(size, "ELF section 1 lies outside the file");

   /* A NOBITS section has no bytes to lie outside the file. */
   image_standard(&image, 1, 0);
   rodata = (Elf64_Shdr *)(image.data + HEADER->e_shoff) + RODATA_SECTION;
   rodata->sh_type = SHT_NOBITS;
   rodata->sh_size = ~(Elf64_Xword)0;
   {
      ElfImage elf;
      char why[128];
      ck_assert(elf_open_memory(&elf, image.data, size, why, sizeof why));
      elf_close(&elf);
   }
}
END_TEST

/* Names running off their string table, symbol tables with a bad link. */
START_TEST(test_damaged_tables)
{
   size_t size = image_standard(&image, 1, 0);
   Elf64_Shdr *sections = (Elf64_Shdr *)(image.data + HEADER->e_shoff);
   ElfImage elf;
   Elf64_Addr value;
   Elf64_Xword sym_size;
   char why[128];
   unsigned i;

   /* .rodata's name offset past .shstrtab: it has no name. */
   sections[RODATA_SECTION].sh_name = 0x7fffffff;
   /* .symtab linked to no section: not read (.dynsym still is). */
   for (i = 0; i < HEADER->e_shnum; i++) {
      if (sections[i].sh_type == SHT_SYMTAB)
         sections[i].sh_link = HEADER->e_shnum;
   }
   ck_assert(elf_open_memory(&elf, image.data, size, why, sizeof why));
   ck_assert_ptr_null(elf_section(&elf, ".rodata"));
   ck_assert(!elf_symbol(&elf, "Py_Version", &value, &sym_size));
   ck_assert(elf_symbol(&elf, "only_dynamic", &value, &sym_size));
   elf_close(&elf);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Real files                                           ---*/
/*------------------------------------------------------------*/

static char work_dir[64];

static void make_work_dir(void)
{
   strcpy(work_dir, "/tmp/test_inspect_elf.XXXXXX");
   ck_assert_ptr_nonnull(mkdtemp(work_dir));
}

static void remove_work_dir(void)
{
   char command[256];
   snprintf(command, sizeof command, "rm -rf '%s'", work_dir);
   ck_assert_int_eq(system(command), 0);
}

/* A shared object as the linker makes it: TABLE, an array of pointers to
 * two statics, is relocated with R_X86_64_RELATIVE; Py_Version is a
 * constant; the linker's default gives a build-id. */
START_TEST(test_compiled_object)
{
   static const char source[] =
      "static int first, second;\n"
      "int *table[3] = { &first, 0, &second };\n"
      "int *first_address(void) { return &first; }\n"
      "int *second_address(void) { return &second; }\n"
      "const unsigned long Py_Version = 0x030b07f0;\n";
   char c_path[96], so_path[96], command[512], why[256], hex[68];
   ElfImage elf;
   Elf64_Addr table_addr, first_addr, second_addr, pointers[3];
   Elf64_Xword size;
   unsigned char version[4];
   FILE *f;

   make_work_dir();
   snprintf(c_path, sizeof c_path, "%s/t.c", work_dir);
   snprintf(so_path, sizeof so_path, "%s/t.so", work_dir);
   f = fopen(c_path, "w");
   ck_assert_ptr_nonnull(f);
   fputs(source, f);
   fclose(f);
   snprintf(command, sizeof command,
            "%s -shared -fPIC -O0 -Wl,--build-id=sha1 -o '%s' '%s'",
            PG_TEST_CC, so_path, c_path);
   ck_assert_msg(system(command) == 0, "failed: %s", command);

   ck_assert_msg(elf_open(&elf, so_path, why, sizeof why), "refused: %s", why);
   ck_assert_int_ge(elf.fd, 0);
   ck_assert(elf_symbol(&elf, "table", &table_addr, &size));
   ck_assert_uint_eq(size, 24);
   ck_assert_int_eq(elf_object(&elf, "table", 0, 24, &table_addr), 1);
   /* The statics' addresses, from symbols of their own (local ones in
    * .symtab: "first" and "second"). */
   ck_assert(elf_symbol(&elf, "first", &first_addr, &size));
   ck_assert(elf_symbol(&elf, "second", &second_addr, &size));
   ck_assert(elf_read_pointers(&elf, table_addr, 3, pointers));
   ck_assert_uint_eq(pointers[0], first_addr);
   ck_assert_uint_eq(pointers[1], 0);
   ck_assert_uint_eq(pointers[2], second_addr);
   ck_assert(elf_symbol(&elf, "Py_Version", &table_addr, &size));
   ck_assert(elf_read(&elf, table_addr, version, 4));
   ck_assert_uint_eq(version[0] | version[1] << 8 | version[2] << 16
                     | (unsigned)version[3] << 24, 0x030b07f0);
   elf_build_id(&elf, hex, sizeof hex);
   ck_assert_uint_eq(strlen(hex), 40);
   ck_assert_uint_eq(strspn(hex, "0123456789abcdef"), 40);
   ck_assert(!elf_has_dwarf(&elf));
   elf_close(&elf);
   ck_assert_int_eq(elf.fd, -1);
   remove_work_dir();
}
END_TEST

START_TEST(test_open_refusals)
{
   char path[96], why[256];
   ElfImage elf;
   FILE *f;

   make_work_dir();
   snprintf(path, sizeof path, "%s/missing", work_dir);
   ck_assert(!elf_open(&elf, path, why, sizeof why));
   ck_assert_str_eq(why, "cannot open: No such file or directory");
   ck_assert_int_eq(elf.fd, -1);

   ck_assert(!elf_open(&elf, work_dir, why, sizeof why));
   ck_assert_str_eq(why, "not a regular file");

   snprintf(path, sizeof path, "%s/empty", work_dir);
   f = fopen(path, "w");
   ck_assert_ptr_nonnull(f);
   fclose(f);
   ck_assert(!elf_open(&elf, path, why, sizeof why));
   ck_assert_str_eq(why, "not an ELF file (too short)");

   snprintf(path, sizeof path, "%s/text", work_dir);
   f = fopen(path, "w");
   ck_assert_ptr_nonnull(f);
   fprintf(f, "%080d\n", 0);
   fclose(f);
   ck_assert(!elf_open(&elf, path, why, sizeof why));
   ck_assert_str_eq(why, "not an ELF file");
   ck_assert_int_eq(elf.fd, -1);
   remove_work_dir();
}
END_TEST

static Suite *elf_suite(void)
{
   Suite *suite = suite_create("inspect_elf");
   TCase *memory = tcase_create("memory");
   TCase *version = tcase_create("version");
   TCase *damaged = tcase_create("damaged");
   TCase *files = tcase_create("files");

   tcase_add_test(memory, test_sections);
   tcase_add_test(memory, test_symbols);
   tcase_add_test(memory, test_objects);
   tcase_add_test(memory, test_read);
   tcase_add_test(memory, test_read_pointers);
   tcase_add_test(memory, test_build_id);
   tcase_add_test(memory, test_build_id_among_notes);
   suite_add_tcase(suite, memory);
   tcase_add_test(version, test_parse_version_string);
   tcase_add_test(version, test_version_string_search);
   suite_add_tcase(suite, version);
   tcase_add_test(damaged, test_damaged);
   tcase_add_test(damaged, test_damaged_tables);
   suite_add_tcase(suite, damaged);
   tcase_set_timeout(files, 60);
   tcase_add_test(files, test_compiled_object);
   tcase_add_test(files, test_open_refusals);
   suite_add_tcase(suite, files);
   return suite;
}

int main(void)
{
   SRunner *runner = srunner_create(elf_suite());
   int failed;

   srunner_run_all(runner, CK_NORMAL);
   failed = srunner_ntests_failed(runner);
   srunner_free(runner);
   return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
