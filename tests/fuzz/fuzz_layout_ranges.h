/* fuzz_layout_ranges.h: the check, shared by the layout and
 * _Py_DebugOffsets targets, that every Int field of an accepted layout
 * lies in the range the layout's one field list (PG_LAYOUT_FIELDS) gives
 * it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef FUZZ_LAYOUT_RANGES_H
#define FUZZ_LAYOUT_RANGES_H

#include "fuzz_check.h"
#include "pg_pylayout.h"

#define INT_RANGE_OF(kind, name, a, b, dflt, need, what) INT_RANGE_##kind(name, a, b)
#define INT_RANGE_INT(name, a, b) \
   { #name, __builtin_offsetof(PgPyLayout, name), (a), (b) },
#define INT_RANGE_HEX32(name, a, b)
#define INT_RANGE_WORD(name, a, b)
#define INT_RANGE_ADDRESS(name, a, b)
#define INT_RANGE_FRAME_MODEL(name, a, b)
#define INT_RANGE_LINE_FORMAT(name, a, b)
#define INT_RANGE_STRING_FORMAT(name, a, b)

static const struct {
   const char *name;
   size_t      field;
   long        min, max;
} int_ranges[] = {
   PG_LAYOUT_FIELDS(INT_RANGE_OF)
};
#define N_INT_RANGES (sizeof int_ranges / sizeof int_ranges[0])

static void check_int_ranges(const PgPyLayout *layout)
{
   size_t i;

   for (i = 0; i < N_INT_RANGES; i++) {
      Int value = *(const Int *)((const char *)layout + int_ranges[i].field);
      FUZZ_CHECK(value >= int_ranges[i].min && value <= int_ranges[i].max,
                 "%s is %d, outside [%ld, %ld]", int_ranges[i].name, value,
                 int_ranges[i].min, int_ranges[i].max);
   }
}

#endif /* FUZZ_LAYOUT_RANGES_H */
