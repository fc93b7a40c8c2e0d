/* pg_vgversion.h: the Valgrind releases pyprofgrind builds against, and
 * the few differences of their tool API, keyed by the version macros of
 * the installed valgrind.h (__VALGRIND_MAJOR__, __VALGRIND_MINOR__).
 *
 * A tool binary links one Valgrind's libcoregrind and libvex statically,
 * so it is built once per installed Valgrind; nothing here is decided at
 * run time.  Tested: 3.19 (Debian 12), 3.24 (Debian 13) and 3.27.1
 * (Debian sid), with scripts/test-platforms.sh.
 *
 * What changed between them, for a tool like this one (checked by diffing
 * the installed pub_tool_*.h and libvex_ir.h of 3.19, 3.24 and 3.27.1):
 *
 *  - 3.21: VG_BOOL_CLO(M) became the inline VG_(bool_clom), which also
 *    refuses a bare "--opt" ("Missing boolean value").  pyprofgrind does
 *    not use Valgrind's option macros: pg_options.c parses its options,
 *    the same way on every release.
 *  - 3.22: the aligned-allocation replacement hooks of
 *    VG_(needs_malloc_replacement) take the alignment the client asked
 *    for besides the one Valgrind will use: new_aligned and
 *    vec_new_aligned as a last argument, memalign in third position,
 *    before the size.  pyprofgrind replaces no allocator;
 *    PG_VG_MEMALIGN_ARGS is here for whoever does.
 *  - 3.23: VG_(needs_core_errors) takes a Bool.  pyprofgrind reports no
 *    errors and does not call it; PG_VG_NEEDS_CORE_ERRORS() is the
 *    spelling that works on both sides.  The jump kind Ijk_Extension
 *    appeared (absent from 3.19's libvex_ir.h, in 3.24's); the
 *    instrumenter calls no helper for a jump kind it does not know.
 *  - 3.26: Iop_Clz32/64 and Iop_Ctz32/64 were removed (the *Nat forms
 *    stay); pyprofgrind emits only Add64, And64, Sub64 and CmpLT64U.
 *    Valgrind's headers and libvex became GPL-3.0-or-later (3.24's say
 *    version 2, 3.27.1's version 3):
 *    PG_VG_LICENCE says what the linked binary is.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_VGVERSION_H
#define PG_VGVERSION_H

#include "valgrind.h"

#if !defined(__VALGRIND_MAJOR__) || !defined(__VALGRIND_MINOR__)
#error "valgrind.h defines no __VALGRIND_MAJOR__/__VALGRIND_MINOR__: Valgrind 3.19 or later is needed"
#endif

/* 3.19 -> 319, 3.27 -> 327 */
#define PG_VG_VERSION (__VALGRIND_MAJOR__ * 100 + __VALGRIND_MINOR__)
#define PG_VG_AT_LEAST(major, minor) (PG_VG_VERSION >= (major) * 100 + (minor))

#if !PG_VG_AT_LEAST(3, 19)
#error "pyprofgrind needs Valgrind 3.19 or later (the oldest release it is tested with)"
#endif

/* 3.22: memalign(tid, align, orig_align, n) instead of (tid, align, n):
 * declare a hook as  void *my_memalign(ThreadId tid, PG_VG_MEMALIGN_ARGS)
 * and use the names align and n. */
#if PG_VG_AT_LEAST(3, 22)
#define PG_VG_MEMALIGN_ARGS SizeT align, SizeT orig_align, SizeT n
#else
#define PG_VG_MEMALIGN_ARGS SizeT align, SizeT n
#endif

/* 3.23: VG_(needs_core_errors)(Bool) instead of (void). */
#if PG_VG_AT_LEAST(3, 23)
#define PG_VG_NEEDS_CORE_ERRORS() VG_(needs_core_errors)(True)
#else
#define PG_VG_NEEDS_CORE_ERRORS() VG_(needs_core_errors)()
#endif

/* The licence of the tool binary, which links Valgrind's archives: the
 * tool's own sources are GPL-2.0-or-later; from 3.26 on, Valgrind's are
 * GPL-3.0-or-later, which makes the linked whole GPL-3.0-or-later. */
#if PG_VG_AT_LEAST(3, 26)
#define PG_VG_LICENCE "GNU GPL'd (v3 or later, as the Valgrind it is built with)"
#else
#define PG_VG_LICENCE "GNU GPL'd (v2 or later)"
#endif

#endif /* PG_VGVERSION_H */
