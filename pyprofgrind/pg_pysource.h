/* pg_pysource.h: where an interpreter's layout comes from.  Given the
 * object file that holds a CPython eval loop, tries in turn: the DWARF of
 * the object, read by the pyprofgrind-inspect program (which the tool runs
 * itself, without a shell, and which caches layouts by build-id), then
 * (3.13+) the _Py_DebugOffsets table in the process's memory, whose
 * address the inspector finds in the ELF symbols, then the table of known
 * builds for the version named by the file.  Says in one line what it used
 * when that is not the DWARF.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PYSOURCE_H
#define PG_PYSOURCE_H

#include "pg_port.h"
#include "pg_pylayout.h"

/* Fills LAYOUT for OBJECT, loaded at BIAS from its link-time addresses;
 * False (with a message printed) if no layout could be had, and the object
 * is then profiled as C only. */
Bool pg_pysource_layout(const HChar *object, PtrdiffT bias, PgPyLayout *layout);

#endif /* PG_PYSOURCE_H */
