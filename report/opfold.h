/* opfold.h: folds CPython's specialised instructions into the base
 * instruction they specialise ("family"), e.g. LOAD_ATTR_INSTANCE_VALUE
 * -> LOAD_ATTR, BINARY_OP_ADD_INT -> BINARY_OP, LOAD_FAST__LOAD_FAST ->
 * LOAD_FAST, so that profiles of interpreters that specialise differently
 * can be compared per instruction.
 *
 * The families are data, never a table of this program: each interpreter
 * knows its own (_PyOpcode_Deopt), pyprofgrind-inspect reads them from it
 * ("opcode" and "opcode_base" lines of its layout text), and pyprofgrind
 * writes them into every profile with opcode nodes, one comment line per
 * instruction of each interpreter (cgparse.h):
 *   # pyprofgrind opcode-family [Python 3.12 opcodes] LOAD_ATTR_SLOT LOAD_ATTR
 * A base instruction is its own family, so the lines also say which names
 * are instructions of that interpreter.  For a profile made before those
 * lines existed, pyprofgrind-report asks the inspector instead
 * (opfold_add_layout).
 *
 * The rule: a name folds into the family its interpreter gives it.  The
 * instrumented forms of 3.12 and later (INSTRUMENTED_CALL, run while
 * sys.monitoring events are on) fold into the instruction after the
 * prefix when that is an instruction of the same interpreter
 * (INSTRUMENTED_LINE stays as it is): they do the same work, so
 * comparisons across runs should see them together.  Names of an
 * interpreter without families, and names its families do not list,
 * stay as they are.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef REPORT_OPFOLD_H
#define REPORT_OPFOLD_H

#include <stddef.h>

/* The families of the instructions of one or more interpreters, each
 * named by the object ("ob=") its opcode nodes are written under. */
typedef struct OpcodeFamilies OpcodeFamilies;

OpcodeFamilies *opfold_new(void);
void opfold_free(OpcodeFamilies *families);

/* Records that instruction NAME of the interpreter of OBJECT is of
 * FAMILY (NAME itself for a base instruction).  Returns 1, or 0 when
 * NAME already has another family there (*PREVIOUS is then that one).
 * Giving the same family again is no error. */
int opfold_add(OpcodeFamilies *families, const char *object,
               const char *name, const char *family, const char **previous);

/* Are the families of OBJECT's interpreter known? */
int opfold_knows_object(const OpcodeFamilies *families, const char *object);

/* NAME's family under OBJECT (see the rule above): returns where it
 * starts (inside NAME or inside FAMILIES) and sets *FAMILY_LEN to its
 * length; NAME itself, whole, when it does not fold. */
const char *opfold_family(const OpcodeFamilies *families, const char *object,
                          const char *name, size_t *family_len);

/* Reads TEXT[0..LEN), the layout text of `pyprofgrind-inspect --layout`
 * (pyprofgrind/pg_pylayout.h), and records its interpreter's families
 * under "[Python X.Y opcodes]" (X.Y from its version_hex line), which it
 * copies into OBJECT (OBJECT_SIZE bytes).  Every "opcode" line names an
 * instruction, every "opcode_base NAME BASE" line gives a specialised
 * one's family; other lines are not looked at.  Returns 1 when families
 * were recorded, or were already known for that object (then nothing is
 * added); 0 with a short reason in WHY when the text has no version or
 * no families (an interpreter before 3.11, or one whose _PyOpcode_Deopt
 * the inspector could not read) or is malformed. */
int opfold_add_layout(OpcodeFamilies *families, const char *text,
                      size_t len, char *object, size_t object_size,
                      char *why, size_t why_size);

#endif /* REPORT_OPFOLD_H */
