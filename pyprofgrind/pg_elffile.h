/* pg_elffile.h: reading an ELF64 file's section table and sections from
 * inside the tool (which has no libc and no <elf.h>), for the two modules
 * that need more of an object than Valgrind's debug info keeps: the PLT
 * stub finder (pg_plt.c: .plt.got/.plt.sec, relocations) and the CPython
 * recognition (pg_pysource.c: which symbols an object defines).  Every
 * size read from the file is bounded before memory is allocated for it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_ELFFILE_H
#define PG_ELFFILE_H

#include "pg_port.h"

typedef struct {
   UChar  ident[16];
   UShort type, machine;
   UInt   version;
   ULong  entry, phoff, shoff;
   UInt   flags;
   UShort ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} PgElfHeader;

typedef struct {
   UInt  name, type;
   ULong flags, addr, offset, size;
   UInt  link, info;
   ULong addralign, entsize;
} PgElfSection;

typedef struct {
   UInt   name;
   UChar  info, other;
   UShort shndx;
   ULong  value, size;
} PgElfSymbol;

#define PG_ELF_SHT_SYMTAB  2
#define PG_ELF_SHT_RELA    4
#define PG_ELF_SHT_NOBITS  8
#define PG_ELF_SHT_DYNSYM  11
#define PG_ELF_MAX_SECTION (64u << 20)   /* larger is corruption, not an object */

/* Reads N bytes at OFFSET of FD into BUF, whole or not at all. */
Bool pg_elffile_read_at(Int fd, ULong offset, void *buf, SizeT n);

/* Opens PATH and reads its ELF64 header and section table (*SECTIONS,
 * HEADER->shnum entries, to pg_free), checking magic, class and the
 * table's shape.  Returns the open descriptor (to VG_(close)), or -1. */
Int pg_elffile_open(const HChar *path, PgElfHeader *header, PgElfSection **sections);

/* A copy of section SEC's contents (to pg_free), or NULL when it is
 * empty, NOBITS, over PG_ELF_MAX_SECTION or unreadable. */
UChar *pg_elffile_read_section(Int fd, const PgElfSection *sec);

#endif
