/* pg_guestmem.h: reading the client's memory safely.  The Python frame
 * walker follows pointers it finds in the interpreter's data structures;
 * a wrong pointer read directly would crash Valgrind, so every read is
 * checked against the address space manager first.  A small cache of
 * recently validated segments keeps the check cheap; it is dropped when
 * the client unmaps or reprotects memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_GUESTMEM_H
#define PG_GUESTMEM_H

#include "pg_port.h"

/* Copies N bytes at client address A into BUF; False (BUF untouched) if
 * any of them is not readable client memory. */
Bool pg_guestmem_read(Addr a, void *buf, SizeT n);

Bool pg_guestmem_read_word(Addr a, Addr *out);
Bool pg_guestmem_read_int(Addr a, Int *out);

/* The address space changed: forget validated segments. */
void pg_guestmem_forget(void);

#endif /* PG_GUESTMEM_H */
