/* pg_plt.c: finds PLT stubs of every flavour and the function each one
 * jumps to (see pg_plt.h).
 *
 * An x86-64 stub jumps through a GOT slot: "jmp *disp32(%rip)" (ff 25),
 * after an "endbr64" and a "bnd" prefix where the object is linked for
 * indirect branch tracking.  The dynamic relocation of that slot
 * (R_X86_64_JUMP_SLOT in .rela.plt, R_X86_64_GLOB_DAT in .rela.dyn for
 * .plt.got) names the function.  The ".plt" entries of such objects only
 * push the index of their .rela.plt entry ("push imm32", 68) and jump to
 * the resolver; the first ".plt" entry is the resolver's own.  Each object
 * is read once, when an address outside every object's text is first
 * classified, and kept for the run.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_plt.h"
#include "pg_elffile.h"
#include "pg_fn.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_vki.h"

typedef struct {
   ULong offset, info;
   Long  addend;
} PltElfRela;

#define ELF_R_X86_64_GLOB_DAT  6
#define ELF_R_X86_64_JUMP_SLOT 7
#define ELF_R_X86_64_IRELATIVE 37
#define PLT_KINDS           3

static const HChar *const plt_section_names[PLT_KINDS] = {
   ".plt", ".plt.got", ".plt.sec"
};

typedef struct {
   Addr          start;      /* run-time address */
   SizeT         size;
   UInt          entsize;
   UInt          n_entries;
   const HChar **names;      /* per entry, interned "f@plt" or NULL */
} PltRange;

typedef struct PltObject {
   const HChar      *file;   /* interned */
   PtrdiffT          bias;
   PltRange          ranges[PLT_KINDS];
   struct PltObject *next;
} PltObject;

static PltObject *objects;

/* What naming stubs needs of one object's file. */
typedef struct {
   PltElfRela *relas[2];     /* .rela.plt, .rela.dyn (either may be NULL) */
   ULong       n_relas[2];
   UChar      *symbols;
   ULong       n_symbols;
   UChar      *strings;
   ULong       strings_size;
   PtrdiffT    bias;         /* of the object's code */
} PltNames;

/* The interned "NAME@plt" of dynamic symbol SYM, or NULL. */
static const HChar *symbol_stub_name(const PltNames *pn, ULong sym)
{
   PgElfSymbol s;
   HChar buf[512];
   const HChar *name;
   SizeT room;

   if (sym == 0 || sym >= pn->n_symbols || pn->strings == NULL)
      return NULL;
   pg_memcpy(&s, pn->symbols + sym * sizeof s, sizeof s);
   if (s.name >= pn->strings_size)
      return NULL;
   name = (const HChar *)pn->strings + s.name;
   room = pn->strings_size - s.name;
   if (VG_(strnlen)(name, room) == room || name[0] == '\0')
      return NULL;
   VG_(snprintf)(buf, sizeof buf, "%s@plt", name);
   return pg_fn_intern(buf);
}

/* The name of the stub whose GOT slot is SLOT (a link-time address). */
static const HChar *slot_stub_name(const PltNames *pn, ULong slot)
{
   UInt t;
   ULong i;
   for (t = 0; t < 2; t++)
      for (i = 0; i < pn->n_relas[t]; i++) {
         const PltElfRela *r = &pn->relas[t][i];
         UInt type = (UInt)(r->info & 0xffffffffu);
         if (r->offset != slot)
            continue;
         if (type == ELF_R_X86_64_JUMP_SLOT || type == ELF_R_X86_64_GLOB_DAT)
            return symbol_stub_name(pn, r->info >> 32);
         if (type == ELF_R_X86_64_IRELATIVE) {
            /* A call of the object's own ifunc (the C library's strlen):
             * the slot holds what the resolver at ADDEND chose; the
             * resolver's symbol names the function. */
            const HChar *resolver;
            HChar buf[512];
            if (!VG_(get_fnname)(VG_(current_DiEpoch)(), (Addr)(r->addend + pn->bias),
                                 &resolver))
               return NULL;
            VG_(snprintf)(buf, sizeof buf, "%s@plt", resolver);
            return pg_fn_intern(buf);
         }
      }
   return NULL;
}

/* The name of the stub at link-time address SVMA whose bytes are CODE
 * (LEN of them), or NULL. */
static const HChar *stub_name(const PltNames *pn, ULong svma, const UChar *code, UInt len)
{
   UInt p;
   for (p = 0; p + 6 <= len; p++)
      if (code[p] == 0xff && code[p + 1] == 0x25) {
         Int disp;
         pg_memcpy(&disp, code + p + 2, 4);
         return slot_stub_name(pn, svma + p + 6 + (Long)disp);
      }
   /* An ".plt" entry of an IBT object: "push INDEX" of .rela.plt. */
   for (p = 0; p + 5 <= len; p++)
      if (code[p] == 0x68) {
         UInt index;
         pg_memcpy(&index, code + p + 1, 4);
         if (pn->relas[0] != NULL && index < pn->n_relas[0])
            return symbol_stub_name(pn, pn->relas[0][index].info >> 32);
         return NULL;
      }
   return NULL;
}

static Bool section_named(const UChar *shstr, ULong shstr_size, const PgElfSection *s,
                          const HChar *name)
{
   SizeT len = pg_strlen(name);
   return shstr != NULL && s->name < shstr_size && shstr_size - s->name > len
          && pg_memcmp(shstr + s->name, name, len + 1) == 0;
}

/* Reads FILE's PLT sections and names their stubs into OBJ. */
static void load_object(PltObject *obj)
{
   PgElfHeader header;
   PgElfSection *sections = NULL;
   UChar *shstr = NULL;
   ULong shstr_size = 0;
   PltNames pn;
   Int fd = pg_elffile_open(obj->file, &header, &sections);
   UInt i, k;

   if (fd < 0)
      return;
   pg_memset(&pn, 0, sizeof pn);
   pn.bias = obj->bias;
   if (header.machine != 62 /* x86-64 */)
      goto done;
   shstr = pg_elffile_read_section(fd, &sections[header.shstrndx]);
   shstr_size = shstr != NULL ? sections[header.shstrndx].size : 0;

   for (i = 0; i < header.shnum; i++) {
      const PgElfSection *s = &sections[i];
      if (s->type == PG_ELF_SHT_DYNSYM && s->entsize == sizeof(PgElfSymbol)
          && pn.symbols == NULL && s->link < header.shnum) {
         pn.symbols = pg_elffile_read_section(fd, s);
         pn.n_symbols = pn.symbols != NULL ? s->size / sizeof(PgElfSymbol) : 0;
         pn.strings = pg_elffile_read_section(fd, &sections[s->link]);
         pn.strings_size = pn.strings != NULL ? sections[s->link].size : 0;
      } else if (s->type == PG_ELF_SHT_RELA && s->entsize == sizeof(PltElfRela)) {
         UInt t = section_named(shstr, shstr_size, s, ".rela.plt") ? 0
                  : section_named(shstr, shstr_size, s, ".rela.dyn") ? 1 : 2;
         if (t < 2 && pn.relas[t] == NULL) {
            pn.relas[t] = (PltElfRela *)pg_elffile_read_section(fd, s);
            pn.n_relas[t] = pn.relas[t] != NULL ? s->size / sizeof(PltElfRela) : 0;
         }
      }
   }

   for (i = 0; i < header.shnum; i++) {
      const PgElfSection *s = &sections[i];
      for (k = 0; k < PLT_KINDS; k++) {
         PltRange *range = &obj->ranges[k];
         UChar *code;
         UInt e;
         if (!section_named(shstr, shstr_size, s, plt_section_names[k]) || range->size != 0)
            continue;
         range->start = (Addr)(s->addr + obj->bias);
         range->size = (SizeT)s->size;
         /* 16 bytes an entry unless the section says otherwise (.plt.got
          * of objects without IBT: 8). */
         range->entsize = s->entsize >= 8 && s->entsize <= 64 ? (UInt)s->entsize : 16;
         range->n_entries = (UInt)(s->size / range->entsize);
         code = pg_elffile_read_section(fd, s);
         if (code == NULL || range->n_entries == 0)
            continue;
         range->names = pg_calloc("pg.plt.names", range->n_entries, sizeof(HChar *));
         for (e = 0; e < range->n_entries; e++)
            range->names[e] = stub_name(&pn, s->addr + (ULong)e * range->entsize,
                                        code + (SizeT)e * range->entsize, range->entsize);
         pg_free(code);
      }
   }

done:
   VG_(close)(fd);
   pg_free(sections);
   pg_free(shstr);
   pg_free(pn.relas[0]);
   pg_free(pn.relas[1]);
   pg_free(pn.symbols);
   pg_free(pn.strings);
}

static PltObject *object_of(const DebugInfo *di)
{
   const HChar *file = pg_fn_intern(VG_(DebugInfo_get_filename)(di));
   PtrdiffT bias = VG_(DebugInfo_get_text_bias)(di);
   PltObject *obj;

   for (obj = objects; obj != NULL; obj = obj->next)
      if (obj->file == file && obj->bias == bias)
         return obj;
   obj = pg_calloc("pg.plt.object", 1, sizeof *obj);
   obj->file = file;
   obj->bias = bias;
   load_object(obj);
   obj->next = objects;
   objects = obj;
   return obj;
}

Bool pg_plt_find(Addr a, const HChar **object, const HChar **name)
{
   const DebugInfo *di;

   for (di = VG_(next_DebugInfo)(NULL); di != NULL; di = VG_(next_DebugInfo)(di)) {
      PltObject *obj;
      UInt k;
      if (VG_(DebugInfo_get_filename)(di) == NULL)
         continue;
      obj = object_of(di);
      for (k = 0; k < PLT_KINDS; k++) {
         const PltRange *range = &obj->ranges[k];
         if (range->size != 0 && a >= range->start && a - range->start < range->size) {
            UInt e = (UInt)((a - range->start) / range->entsize);
            *object = obj->file;
            *name = range->names != NULL && e < range->n_entries ? range->names[e] : NULL;
            return True;
         }
      }
   }
   return False;
}
