/* pg_port.h: the one portability layer between pyprofgrind's pure modules
 * and their two homes.  Inside the Valgrind tool (PG_IN_TOOL defined) there
 * is no libc, only the VG_(...) API; in the unit tests the same sources are
 * compiled against libc.  Pure modules include only this header and use the
 * Valgrind type names (UInt, ULong, HChar, Bool...) and the pg_* wrappers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PORT_H
#define PG_PORT_H

#ifdef PG_IN_TOOL

#include "pub_tool_basics.h"
#include "pub_tool_libcbase.h"
#include "pub_tool_libcassert.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_mallocfree.h"

#define pg_malloc(cc, n)        VG_(malloc)((cc), (n))
#define pg_calloc(cc, n, sz)    VG_(calloc)((cc), (n), (sz))
#define pg_realloc(cc, p, n)    VG_(realloc)((cc), (p), (n))
#define pg_free(p)              VG_(free)(p)
#define pg_strdup(cc, s)        VG_(strdup)((cc), (s))
#define pg_strlen(s)            VG_(strlen)(s)
#define pg_strcmp(a, b)         VG_(strcmp)((a), (b))
#define pg_strncmp(a, b, n)     VG_(strncmp)((a), (b), (n))
#define pg_memcpy(d, s, n)      VG_(memcpy)((d), (s), (n))
#define pg_memset(d, c, n)      VG_(memset)((d), (c), (n))
#define pg_memcmp(a, b, n)      VG_(memcmp)((a), (b), (n))
#define pg_snprintf             VG_(snprintf)
/* Both return a count below SIZE when the text fit, SIZE or more when it
 * was cut short (Valgrind returns SIZE, libc the length it needed). */
#define pg_vsnprintf(buf, size, fmt, args) \
   VG_(vsnprintf)((buf), (Int)(size), (fmt), (args))
#define pg_strtoull10(s, end)   VG_(strtoull10)((s), (end))
#define pg_strtoll10(s, end)    VG_(strtoll10)((s), (end))
#define pg_strtoull16(s, end)   VG_(strtoull16)((s), (end))
#define pg_sort                 VG_(ssort)
#define pg_assert(e)            tl_assert(e)

#else /* unit tests: plain libc */

#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <assert.h>
#include <stdint.h>
#include <stdarg.h>

typedef unsigned char      UChar;
typedef signed char        Char;
typedef char               HChar;
typedef unsigned short     UShort;
typedef signed short       Short;
typedef unsigned int       UInt;
typedef signed int         Int;
typedef unsigned long long ULong;
typedef signed long long   Long;
typedef unsigned long      UWord;
typedef signed long        Word;
typedef unsigned long      Addr;
typedef unsigned long      SizeT;
typedef signed long        SSizeT;
typedef unsigned char      Bool;
#ifndef True
#define True  ((Bool)1)
#define False ((Bool)0)
#endif

#define pg_malloc(cc, n)        malloc(n)
#define pg_calloc(cc, n, sz)    calloc((n), (sz))
#define pg_realloc(cc, p, n)    realloc((p), (n))
#define pg_free(p)              free(p)
#define pg_strdup(cc, s)        strdup(s)
#define pg_strlen(s)            strlen(s)
#define pg_strcmp(a, b)         strcmp((a), (b))
#define pg_strncmp(a, b, n)     strncmp((a), (b), (n))
#define pg_memcpy(d, s, n)      memcpy((d), (s), (n))
#define pg_memset(d, c, n)      memset((d), (c), (n))
#define pg_memcmp(a, b, n)      memcmp((a), (b), (n))
#define pg_snprintf             snprintf
#define pg_vsnprintf(buf, size, fmt, args) \
   vsnprintf((buf), (size), (fmt), (args))
#define pg_strtoull10(s, end)   strtoull((s), (end), 10)
#define pg_strtoll10(s, end)    strtoll((s), (end), 10)
#define pg_strtoull16(s, end)   strtoull((s), (end), 16)
#define pg_sort                 qsort
#define pg_assert(e)            assert(e)

#endif /* PG_IN_TOOL */

#endif /* PG_PORT_H */
