/* opfold.c: the base instruction names of CPython 3.11, 3.12 and 3.13,
 * by which pyprofgrind-report folds specialised opcodes into their family
 * (see opfold.h for the rule).
 *
 * Each table lists every instruction of that version that is not a
 * specialisation: opcode.opmap plus the specialised names, minus the
 * names listed under some family in the interpreter's _specializations
 * (opcode._specializations in 3.11/3.12, _opcode_metadata._specializations
 * in 3.13).  tests/e2e/report.test checks the folding against each
 * installed interpreter's own _specializations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include <string.h>

#include "opfold.h"

static const char *const base_names_3_11[] = {
  "ASYNC_GEN_WRAP", "BEFORE_ASYNC_WITH", "BEFORE_WITH", "BINARY_OP",
  "BINARY_SUBSCR", "BUILD_CONST_KEY_MAP", "BUILD_LIST", "BUILD_MAP",
  "BUILD_SET", "BUILD_SLICE", "BUILD_STRING", "BUILD_TUPLE", "CACHE", "CALL",
  "CALL_FUNCTION_EX", "CHECK_EG_MATCH", "CHECK_EXC_MATCH", "COMPARE_OP",
  "CONTAINS_OP", "COPY", "COPY_FREE_VARS", "DELETE_ATTR", "DELETE_DEREF",
  "DELETE_FAST", "DELETE_GLOBAL", "DELETE_NAME", "DELETE_SUBSCR",
  "DICT_MERGE", "DICT_UPDATE", "END_ASYNC_FOR", "EXTENDED_ARG",
  "FORMAT_VALUE", "FOR_ITER", "GET_AITER", "GET_ANEXT", "GET_AWAITABLE",
  "GET_ITER", "GET_LEN", "GET_YIELD_FROM_ITER", "IMPORT_FROM", "IMPORT_NAME",
  "IMPORT_STAR", "IS_OP", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
  "JUMP_FORWARD", "JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP", "KW_NAMES",
  "LIST_APPEND", "LIST_EXTEND", "LIST_TO_TUPLE", "LOAD_ASSERTION_ERROR",
  "LOAD_ATTR", "LOAD_BUILD_CLASS", "LOAD_CLASSDEREF", "LOAD_CLOSURE",
  "LOAD_CONST", "LOAD_DEREF", "LOAD_FAST", "LOAD_GLOBAL", "LOAD_METHOD",
  "LOAD_NAME", "MAKE_CELL", "MAKE_FUNCTION", "MAP_ADD", "MATCH_CLASS",
  "MATCH_KEYS", "MATCH_MAPPING", "MATCH_SEQUENCE", "NOP", "POP_EXCEPT",
  "POP_JUMP_BACKWARD_IF_FALSE", "POP_JUMP_BACKWARD_IF_NONE",
  "POP_JUMP_BACKWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_TRUE",
  "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_FORWARD_IF_NONE",
  "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_FORWARD_IF_TRUE", "POP_TOP",
  "PRECALL", "PREP_RERAISE_STAR", "PRINT_EXPR", "PUSH_EXC_INFO", "PUSH_NULL",
  "RAISE_VARARGS", "RERAISE", "RESUME", "RETURN_GENERATOR", "RETURN_VALUE",
  "SEND", "SETUP_ANNOTATIONS", "SET_ADD", "SET_UPDATE", "STORE_ATTR",
  "STORE_DEREF", "STORE_FAST", "STORE_GLOBAL", "STORE_NAME", "STORE_SUBSCR",
  "SWAP", "UNARY_INVERT", "UNARY_NEGATIVE", "UNARY_NOT", "UNARY_POSITIVE",
  "UNPACK_EX", "UNPACK_SEQUENCE", "WITH_EXCEPT_START", "YIELD_VALUE",
  NULL
};

static const char *const base_names_3_12[] = {
  "BEFORE_ASYNC_WITH", "BEFORE_WITH", "BINARY_OP", "BINARY_SLICE",
  "BINARY_SUBSCR", "BUILD_CONST_KEY_MAP", "BUILD_LIST", "BUILD_MAP",
  "BUILD_SET", "BUILD_SLICE", "BUILD_STRING", "BUILD_TUPLE", "CACHE", "CALL",
  "CALL_FUNCTION_EX", "CALL_INTRINSIC_1", "CALL_INTRINSIC_2",
  "CHECK_EG_MATCH", "CHECK_EXC_MATCH", "CLEANUP_THROW", "COMPARE_OP",
  "CONTAINS_OP", "COPY", "COPY_FREE_VARS", "DELETE_ATTR", "DELETE_DEREF",
  "DELETE_FAST", "DELETE_GLOBAL", "DELETE_NAME", "DELETE_SUBSCR",
  "DICT_MERGE", "DICT_UPDATE", "END_ASYNC_FOR", "END_FOR", "END_SEND",
  "EXTENDED_ARG", "FORMAT_VALUE", "FOR_ITER", "GET_AITER", "GET_ANEXT",
  "GET_AWAITABLE", "GET_ITER", "GET_LEN", "GET_YIELD_FROM_ITER",
  "IMPORT_FROM", "IMPORT_NAME", "INSTRUMENTED_CALL",
  "INSTRUMENTED_CALL_FUNCTION_EX", "INSTRUMENTED_END_FOR",
  "INSTRUMENTED_END_SEND", "INSTRUMENTED_FOR_ITER",
  "INSTRUMENTED_INSTRUCTION", "INSTRUMENTED_JUMP_BACKWARD",
  "INSTRUMENTED_JUMP_FORWARD", "INSTRUMENTED_LINE",
  "INSTRUMENTED_LOAD_SUPER_ATTR", "INSTRUMENTED_POP_JUMP_IF_FALSE",
  "INSTRUMENTED_POP_JUMP_IF_NONE", "INSTRUMENTED_POP_JUMP_IF_NOT_NONE",
  "INSTRUMENTED_POP_JUMP_IF_TRUE", "INSTRUMENTED_RESUME",
  "INSTRUMENTED_RETURN_CONST", "INSTRUMENTED_RETURN_VALUE",
  "INSTRUMENTED_YIELD_VALUE", "INTERPRETER_EXIT", "IS_OP", "JUMP",
  "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP_FORWARD",
  "JUMP_NO_INTERRUPT", "KW_NAMES", "LIST_APPEND", "LIST_EXTEND",
  "LOAD_ASSERTION_ERROR", "LOAD_ATTR", "LOAD_BUILD_CLASS", "LOAD_CLOSURE",
  "LOAD_CONST", "LOAD_DEREF", "LOAD_FAST", "LOAD_FAST_AND_CLEAR",
  "LOAD_FAST_CHECK", "LOAD_FROM_DICT_OR_DEREF", "LOAD_FROM_DICT_OR_GLOBALS",
  "LOAD_GLOBAL", "LOAD_LOCALS", "LOAD_METHOD", "LOAD_NAME",
  "LOAD_SUPER_ATTR", "LOAD_SUPER_METHOD", "LOAD_ZERO_SUPER_ATTR",
  "LOAD_ZERO_SUPER_METHOD", "MAKE_CELL", "MAKE_FUNCTION", "MAP_ADD",
  "MATCH_CLASS", "MATCH_KEYS", "MATCH_MAPPING", "MATCH_SEQUENCE", "NOP",
  "POP_BLOCK", "POP_EXCEPT", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_NONE",
  "POP_JUMP_IF_NOT_NONE", "POP_JUMP_IF_TRUE", "POP_TOP", "PUSH_EXC_INFO",
  "PUSH_NULL", "RAISE_VARARGS", "RERAISE", "RESERVED", "RESUME",
  "RETURN_CONST", "RETURN_GENERATOR", "RETURN_VALUE", "SEND",
  "SETUP_ANNOTATIONS", "SETUP_CLEANUP", "SETUP_FINALLY", "SETUP_WITH",
  "SET_ADD", "SET_UPDATE", "STORE_ATTR", "STORE_DEREF", "STORE_FAST",
  "STORE_FAST_MAYBE_NULL", "STORE_GLOBAL", "STORE_NAME", "STORE_SLICE",
  "STORE_SUBSCR", "SWAP", "UNARY_INVERT", "UNARY_NEGATIVE", "UNARY_NOT",
  "UNPACK_EX", "UNPACK_SEQUENCE", "WITH_EXCEPT_START", "YIELD_VALUE",
  NULL
};

static const char *const base_names_3_13[] = {
  "BEFORE_ASYNC_WITH", "BEFORE_WITH", "BINARY_OP", "BINARY_SLICE",
  "BINARY_SUBSCR", "BUILD_CONST_KEY_MAP", "BUILD_LIST", "BUILD_MAP",
  "BUILD_SET", "BUILD_SLICE", "BUILD_STRING", "BUILD_TUPLE", "CACHE", "CALL",
  "CALL_FUNCTION_EX", "CALL_INTRINSIC_1", "CALL_INTRINSIC_2", "CALL_KW",
  "CHECK_EG_MATCH", "CHECK_EXC_MATCH", "CLEANUP_THROW", "COMPARE_OP",
  "CONTAINS_OP", "CONVERT_VALUE", "COPY", "COPY_FREE_VARS", "DELETE_ATTR",
  "DELETE_DEREF", "DELETE_FAST", "DELETE_GLOBAL", "DELETE_NAME",
  "DELETE_SUBSCR", "DICT_MERGE", "DICT_UPDATE", "END_ASYNC_FOR", "END_FOR",
  "END_SEND", "ENTER_EXECUTOR", "EXIT_INIT_CHECK", "EXTENDED_ARG",
  "FORMAT_SIMPLE", "FORMAT_WITH_SPEC", "FOR_ITER", "GET_AITER", "GET_ANEXT",
  "GET_AWAITABLE", "GET_ITER", "GET_LEN", "GET_YIELD_FROM_ITER",
  "IMPORT_FROM", "IMPORT_NAME", "INSTRUMENTED_CALL",
  "INSTRUMENTED_CALL_FUNCTION_EX", "INSTRUMENTED_CALL_KW",
  "INSTRUMENTED_END_FOR", "INSTRUMENTED_END_SEND", "INSTRUMENTED_FOR_ITER",
  "INSTRUMENTED_INSTRUCTION", "INSTRUMENTED_JUMP_BACKWARD",
  "INSTRUMENTED_JUMP_FORWARD", "INSTRUMENTED_LINE",
  "INSTRUMENTED_LOAD_SUPER_ATTR", "INSTRUMENTED_POP_JUMP_IF_FALSE",
  "INSTRUMENTED_POP_JUMP_IF_NONE", "INSTRUMENTED_POP_JUMP_IF_NOT_NONE",
  "INSTRUMENTED_POP_JUMP_IF_TRUE", "INSTRUMENTED_RESUME",
  "INSTRUMENTED_RETURN_CONST", "INSTRUMENTED_RETURN_VALUE",
  "INSTRUMENTED_YIELD_VALUE", "INTERPRETER_EXIT", "IS_OP", "JUMP",
  "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP_FORWARD",
  "JUMP_NO_INTERRUPT", "LIST_APPEND", "LIST_EXTEND", "LOAD_ASSERTION_ERROR",
  "LOAD_ATTR", "LOAD_BUILD_CLASS", "LOAD_CLOSURE", "LOAD_CONST",
  "LOAD_DEREF", "LOAD_FAST", "LOAD_FAST_AND_CLEAR", "LOAD_FAST_CHECK",
  "LOAD_FAST_LOAD_FAST", "LOAD_FROM_DICT_OR_DEREF",
  "LOAD_FROM_DICT_OR_GLOBALS", "LOAD_GLOBAL", "LOAD_LOCALS", "LOAD_METHOD",
  "LOAD_NAME", "LOAD_SUPER_ATTR", "LOAD_SUPER_METHOD",
  "LOAD_ZERO_SUPER_ATTR", "LOAD_ZERO_SUPER_METHOD", "MAKE_CELL",
  "MAKE_FUNCTION", "MAP_ADD", "MATCH_CLASS", "MATCH_KEYS", "MATCH_MAPPING",
  "MATCH_SEQUENCE", "NOP", "POP_BLOCK", "POP_EXCEPT", "POP_JUMP_IF_FALSE",
  "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE", "POP_JUMP_IF_TRUE", "POP_TOP",
  "PUSH_EXC_INFO", "PUSH_NULL", "RAISE_VARARGS", "RERAISE", "RESERVED",
  "RESUME", "RETURN_CONST", "RETURN_GENERATOR", "RETURN_VALUE", "SEND",
  "SETUP_ANNOTATIONS", "SETUP_CLEANUP", "SETUP_FINALLY", "SETUP_WITH",
  "SET_ADD", "SET_FUNCTION_ATTRIBUTE", "SET_UPDATE", "STORE_ATTR",
  "STORE_DEREF", "STORE_FAST", "STORE_FAST_LOAD_FAST",
  "STORE_FAST_MAYBE_NULL", "STORE_FAST_STORE_FAST", "STORE_GLOBAL",
  "STORE_NAME", "STORE_SLICE", "STORE_SUBSCR", "SWAP", "TO_BOOL",
  "UNARY_INVERT", "UNARY_NEGATIVE", "UNARY_NOT", "UNPACK_EX",
  "UNPACK_SEQUENCE", "WITH_EXCEPT_START", "YIELD_VALUE",
  NULL
};

static const struct {
   unsigned major, minor;
   const char *const *base_names;
} tables[] = {
   { 3, 11, base_names_3_11 },
   { 3, 12, base_names_3_12 },
   { 3, 13, base_names_3_13 },
};
#define N_TABLES (sizeof tables / sizeof tables[0])

const char *const *opfold_base_names(unsigned major, unsigned minor)
{
   size_t i;

   /* Before 3.11 CPython did not specialise: nothing to fold. */
   if (major < 3 || (major == 3 && minor < 11))
      return NULL;
   for (i = 0; i < N_TABLES; i++) {
      if (tables[i].major == major && tables[i].minor == minor)
         return tables[i].base_names;
   }
   /* A newer interpreter than the tables know: its families are most
    * likely those of the newest table. */
   return tables[N_TABLES - 1].base_names;
}

/* Length of the family prefix of NAME[0..NAME_LEN) in BASE_NAMES, or 0
 * when no base instruction is a prefix of it. */
static size_t family_prefix_length(const char *const *base_names,
                                   const char *name, size_t name_len)
{
   size_t best = 0;

   for (; *base_names != NULL; base_names++) {
      size_t len = strlen(*base_names);
      if (len > name_len || memcmp(*base_names, name, len) != 0)
         continue;
      if (len == name_len)
         return name_len;        /* a base instruction itself */
      if (name[len] == '_' && len > best)
         best = len;
   }
   return best;
}

const char *opfold_family(unsigned major, unsigned minor, const char *name,
                          size_t *family_len)
{
   const char *const *base = opfold_base_names(major, minor);
   size_t name_len = strlen(name);
   size_t len;

   *family_len = name_len;
   if (base == NULL)
      return name;
   /* "INSTRUMENTED_CALL" runs CALL with sys.monitoring events on. */
   if (name_len > 13 && memcmp(name, "INSTRUMENTED_", 13) == 0) {
      len = family_prefix_length(base, name + 13, name_len - 13);
      if (len > 0) {
         *family_len = len;
         return name + 13;
      }
   }
   len = family_prefix_length(base, name, name_len);
   if (len > 0)
      *family_len = len;
   return name;
}
