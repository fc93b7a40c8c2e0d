/* opfold.h: folds CPython's specialised instructions into the base
 * instruction they specialise ("family"), e.g. LOAD_ATTR_INSTANCE_VALUE
 * -> LOAD_ATTR, BINARY_OP_ADD_INT -> BINARY_OP, LOAD_FAST__LOAD_FAST ->
 * LOAD_FAST, so that profiles of interpreters that specialise differently
 * can be compared per instruction.
 *
 * The rule: a name that is itself a base instruction of its version stays
 * as it is (CALL_FUNCTION_EX, LOAD_FAST_CHECK, STORE_FAST_LOAD_FAST);
 * otherwise it folds to the longest base instruction B of that version
 * such that the name starts with B followed by "_"; names that match no
 * base instruction stay as they are.  CPython names every specialisation
 * that way, so the rule gives exactly the interpreter's own families for
 * 3.11, 3.12 and 3.13 (checked against their _specializations tables).
 * The instrumented forms of 3.12 and later (INSTRUMENTED_CALL, run while
 * sys.monitoring events are on) fold into the instruction after the
 * prefix when that is one (INSTRUMENTED_LINE stays as it is): they do
 * the same work, so comparisons across runs should see them together.
 * Before 3.11 nothing is specialised and nothing is folded; versions
 * after 3.13 use the 3.13 table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef REPORT_OPFOLD_H
#define REPORT_OPFOLD_H

#include <stddef.h>

/* The NULL-terminated base instruction names used for MAJOR.MINOR, or NULL
 * when that version does not specialise. */
const char *const *opfold_base_names(unsigned major, unsigned minor);

/* NAME's family: returns where it starts inside NAME and sets *FAMILY_LEN
 * to its length (NAME itself, whole, when it does not fold). */
const char *opfold_family(unsigned major, unsigned minor, const char *name,
                          size_t *family_len);

#endif /* REPORT_OPFOLD_H */
