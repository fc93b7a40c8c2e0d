/* pg_plt.h: the PLT stubs of loaded objects, of every flavour: ".plt"
 * (lazy binding), ".plt.got" (calls through a GOT slot bound at load
 * time) and ".plt.sec" (the second PLT of objects linked for indirect
 * branch tracking, -z ibt / -fcf-protection).  Valgrind knows only the
 * first, and puts the others in no object; this module reads the object's
 * ELF sections and relocations to find the object and the function each
 * stub jumps to.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PG_PLT_H
#define PG_PLT_H

#include "pg_port.h"

/* Whether code address A is in a PLT section of a loaded object.  If so,
 * *OBJECT is that object's file name (as Valgrind's debug info gives it)
 * and *NAME the stub's name, "FUNCTION@plt" (interned), or NULL when the
 * stub jumps to no named function (the resolver's entry of ".plt"). */
Bool pg_plt_find(Addr a, const HChar **object, const HChar **name);

#endif /* PG_PLT_H */
