/* pg_elffile.c: reading an ELF64 file's sections (see pg_elffile.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_elffile.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_vki.h"

Bool pg_elffile_read_at(Int fd, ULong offset, void *buf, SizeT n)
{
   SizeT done = 0;
   if (VG_(lseek)(fd, (Off64T)offset, VKI_SEEK_SET) != (Off64T)offset)
      return False;
   while (done < n) {
      Int got = VG_(read)(fd, (UChar *)buf + done, (Int)(n - done));
      if (got <= 0)
         return False;
      done += (SizeT)got;
   }
   return True;
}

Int pg_elffile_open(const HChar *path, PgElfHeader *header, PgElfSection **sections)
{
   static const UChar magic[5] = { 0x7f, 'E', 'L', 'F', 2 /* 64-bit */ };
   SysRes r = VG_(open)(path, VKI_O_RDONLY, 0);
   Int fd;

   *sections = NULL;
   if (sr_isError(r))
      return -1;
   fd = (Int)sr_Res(r);
   if (!pg_elffile_read_at(fd, 0, header, sizeof *header)
       || pg_memcmp(header->ident, magic, 5) != 0
       || header->shentsize != sizeof(PgElfSection) || header->shnum == 0
       || header->shnum >= 65280 || header->shstrndx >= header->shnum) {
      VG_(close)(fd);
      return -1;
   }
   *sections = pg_malloc("pg.elf.sections", header->shnum * sizeof(PgElfSection));
   if (!pg_elffile_read_at(fd, header->shoff, *sections,
                           header->shnum * sizeof(PgElfSection))) {
      pg_free(*sections);
      *sections = NULL;
      VG_(close)(fd);
      return -1;
   }
   return fd;
}

UChar *pg_elffile_read_section(Int fd, const PgElfSection *sec)
{
   UChar *data;
   if (sec->size == 0 || sec->size > PG_ELF_MAX_SECTION || sec->type == PG_ELF_SHT_NOBITS)
      return NULL;
   data = pg_malloc("pg.elf.section", sec->size);
   if (!pg_elffile_read_at(fd, sec->offset, data, sec->size)) {
      pg_free(data);
      return NULL;
   }
   return data;
}
