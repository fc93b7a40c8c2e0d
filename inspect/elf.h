/* elf.h: the small ELF64 reader of pyprofgrind-inspect.  libdwarf only
 * exposes the DWARF sections, but some facts live in ordinary ELF data:
 * the build-id note, the value of the Py_Version constant (its DWARF
 * definition has a location, not a value), the version string in
 * .rodata, the opcode tables (opcode_targets, a table of label addresses
 * relocated in a shared object; _PyOpcode_Deopt) and 3.13's
 * _Py_DebugOffsets table.  Section headers, symbol tables, relocations
 * and a few bytes are little code, so this avoids a libelf dependency.
 *
 * Only little-endian ELF64 is read (the tool runs on amd64).  Everything
 * but elf_open and elf_close works on bytes in memory, so the reader is
 * unit tested on ELF images built by the test (tests/unit/test_inspect_elf.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef INSPECT_ELF_H
#define INSPECT_ELF_H

#include <elf.h>
#include <stddef.h>

typedef struct {
   const unsigned char *data;     /* the whole file */
   size_t               size;
   Elf64_Shdr          *sections; /* copied: the data may be unaligned */
   unsigned             n_sections;
   const Elf64_Shdr    *names;    /* section name string table */
   int                  fd;       /* -1, or the open file data maps */
} ElfImage;

/* Maps PATH and checks it is a little-endian ELF64 file with sane section
 * headers; else False with the reason in WHY.  Only a regular file is
 * read.  ELF->fd stays open for reading the DWARF of the same file. */
int elf_open(ElfImage *elf, const char *path, char *why, size_t why_len);

/* The same checks on SIZE bytes at DATA, which the image borrows (they
 * must outlive it); ELF->fd is -1. */
int elf_open_memory(ElfImage *elf, const void *data, size_t size,
                    char *why, size_t why_len);

/* Releases what elf_open took; an image zeroed with fd -1 is closed. */
void elf_close(ElfImage *elf);

/* The section called NAME, or NULL. */
const Elf64_Shdr *elf_section(const ElfImage *elf, const char *name);

/* Does the file hold DWARF of its own (.debug_info or .zdebug_info with
 * bytes), not only .eh_frame? */
int elf_has_dwarf(const ElfImage *elf);

/* The value and size of symbol NAME (defined), from .symtab, else from
 * .dynsym (which survives stripping). */
int elf_symbol(const ElfImage *elf, const char *name, Elf64_Addr *value,
               Elf64_Xword *size);

/* Whether .symtab or .dynsym defines a function (STT_FUNC) whose name
 * starts with PREFIX (a tail-calling CPython's "_TAIL_CALL_"). */
int elf_function_with_prefix(const ElfImage *elf, const char *prefix);

/* Looks for a data object (STT_OBJECT) of SIZE bytes named NAME or, with
 * SUFFIXED, a copy GCC renamed ("opcode_targets.3" for a function-local
 * static, "_PyOpcode_Jump.lto_priv.0" under link-time optimisation), in
 * .symtab and .dynsym.  Returns how many distinct addresses such symbols
 * have: 1 is the answer, in VALUE; more is ambiguous. */
int elf_object(const ElfImage *elf, const char *name, int suffixed,
               Elf64_Xword size, Elf64_Addr *value);

/* Copies N bytes at link-time address ADDR from the allocated section
 * holding them; False if no section has their bytes (in a detached debug
 * file .rodata is SHT_NOBITS). */
int elf_read(const ElfImage *elf, Elf64_Addr addr, void *out, size_t n);

/* Reads the N pointers of the array at link-time address ADDR as the
 * dynamic linker would see them: an R_X86_64_RELATIVE relocation's addend
 * where there is one, else the bytes in the file; 0 for an entry another
 * relocation type covers.  False if neither bytes nor relocations. */
int elf_read_pointers(const ElfImage *elf, Elf64_Addr addr, size_t n,
                      Elf64_Addr *values);

/* The GNU build-id note in lower-case hex, "" if there is none (or it
 * does not fit in HEX_LEN). */
void elf_build_id(const ElfImage *elf, char *hex, size_t hex_len);

/* Parses "MAJOR.MINOR.MICRO[{a,b,rc}SERIAL][+]" at S, which must be
 * followed by a NUL before END, into a PY_VERSION_HEX. */
int elf_parse_version_string(const char *s, const char *end, unsigned *hex);

/* Searches .rodata for the PY_VERSION string of MAJOR.MINOR ("3.10.13").
 * Returns how many distinct versions were seen; only when that is 1 is
 * the answer stored in VERSION_HEX. */
int elf_version_string(const ElfImage *elf, int major, int minor,
                       unsigned *version_hex);

#endif /* INSPECT_ELF_H */
