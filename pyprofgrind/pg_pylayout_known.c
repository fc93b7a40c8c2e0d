/* pg_pylayout_known.c: the layouts of known CPython releases, one row per
 * major.minor, for interpreters whose DWARF is not available (Debian's
 * stripped /usr/bin/python3.11, for instance) and to complete what a
 * _Py_DebugOffsets table leaves out.  Structure offsets do not change
 * within a release series of CPython's default build, so a row read from
 * one build of X.Y serves every X.Y.Z built the same way (amd64, default
 * configure options: no --with-pydebug, no free threading).
 *
 * A row is the layout's own text form (pg_pylayout.h) without what belongs
 * to one build (labels, opcodes, build id, addresses), so it is parsed by
 * the same parser as the inspector's output and holds every field the
 * field list has.  The rows between the GENERATED markers are written by
 * inspect/gen-known-layouts.sh, which runs `pyprofgrind-inspect --layout
 * --release` on the pyenv builds 2.7.18, 3.6.15, 3.7.16, 3.8.18, 3.9.18,
 * 3.10.13, 3.11.7, 3.12.1 and 3.13.0 (GCC 12, amd64); the version_hex line
 * records the build read.  Do not edit the rows by hand: rerun the script
 * (tests/e2e/inspect.test checks they still match).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_pylayout.h"

typedef struct {
   UChar        major;
   UChar        minor;
   const HChar *text;        /* the layout in its text form */
} KnownRow;

/* BEGIN GENERATED TABLE (inspect/gen-known-layouts.sh) */
static const KnownRow known_rows[] = {
   /* pyenv 2.7.18, libpython2.7.so.1.0 */
   { 2, 7,
     "version_hex 0x020712f0\n"
     "eval_function PyEval_EvalFrameEx\n"
     "frame_model per_call\n"
     "line_format lnotab_unsigned\n"
     "string_format bytes\n"
     "eval_frame_arg 0\n"
     "eval_tstate_arg -1\n"
     "tstate_frame 16\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame -1\n"
     "frame_code 32\n"
     "frame_back 24\n"
     "frame_lasti 120\n"
     "frame_lasti_unit 1\n"
     "frame_instr_ptr -1\n"
     "frame_instr_ptr_next -1\n"
     "frame_owner -1\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack -1\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 80\n"
     "code_name 88\n"
     "code_qualname -1\n"
     "code_firstlineno 96\n"
     "code_linetable 104\n"
     "code_code 32\n"
     "code_code_adaptive -1\n"
     "code_ob_size -1\n"
     "code_unit_bytes 1\n"
     "lines_need_range_start 1\n"
     "bytes_size 16\n"
     "bytes_data 36\n"
     "unicode_length -1\n"
     "unicode_state -1\n"
     "unicode_ascii_data -1\n"
     "unicode_compact_data -1\n"
     "unicode_kind_shift -1\n"
     "unicode_compact_shift -1\n"
     "unicode_ascii_shift -1\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_starts -1\n"
     "control_labels exit_eval_frame\n"
     "return_generator_opcode -1\n"
   },
   /* pyenv 3.6.15, libpython3.6m.so.1.0 */
   { 3, 6,
     "version_hex 0x03060ff0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model per_call\n"
     "line_format lnotab_signed\n"
     "string_format unicode\n"
     "eval_frame_arg 0\n"
     "eval_tstate_arg -1\n"
     "tstate_frame 24\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame -1\n"
     "frame_code 32\n"
     "frame_back 24\n"
     "frame_lasti 120\n"
     "frame_lasti_unit 1\n"
     "frame_instr_ptr -1\n"
     "frame_instr_ptr_next -1\n"
     "frame_owner -1\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack -1\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 96\n"
     "code_name 104\n"
     "code_qualname -1\n"
     "code_firstlineno 36\n"
     "code_linetable 112\n"
     "code_code 40\n"
     "code_code_adaptive -1\n"
     "code_ob_size -1\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 1\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 48\n"
     "unicode_compact_data 72\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_starts -1\n"
     "control_labels exit_eval_frame,error,dispatch_opcode\n"
     "return_generator_opcode -1\n"
   },
   /* pyenv 3.7.16, libpython3.7m.so.1.0 */
   { 3, 7,
     "version_hex 0x030710f0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model per_call\n"
     "line_format lnotab_signed\n"
     "string_format unicode\n"
     "eval_frame_arg 0\n"
     "eval_tstate_arg -1\n"
     "tstate_frame 24\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame -1\n"
     "frame_code 32\n"
     "frame_back 24\n"
     "frame_lasti 104\n"
     "frame_lasti_unit 1\n"
     "frame_instr_ptr -1\n"
     "frame_instr_ptr_next -1\n"
     "frame_owner -1\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack -1\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 96\n"
     "code_name 104\n"
     "code_qualname -1\n"
     "code_firstlineno 36\n"
     "code_linetable 112\n"
     "code_code 40\n"
     "code_code_adaptive -1\n"
     "code_ob_size -1\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 1\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 48\n"
     "unicode_compact_data 72\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_starts -1\n"
     "control_labels exit_eval_frame,error,dispatch_opcode\n"
     "return_generator_opcode -1\n"
   },
   /* pyenv 3.8.18, libpython3.8.so.1.0 */
   { 3, 8,
     "version_hex 0x030812f0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model per_call\n"
     "line_format lnotab_signed\n"
     "string_format unicode\n"
     "eval_frame_arg 0\n"
     "eval_tstate_arg -1\n"
     "tstate_frame 24\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame -1\n"
     "frame_code 32\n"
     "frame_back 24\n"
     "frame_lasti 104\n"
     "frame_lasti_unit 1\n"
     "frame_instr_ptr -1\n"
     "frame_instr_ptr_next -1\n"
     "frame_owner -1\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack -1\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 104\n"
     "code_name 112\n"
     "code_qualname -1\n"
     "code_firstlineno 40\n"
     "code_linetable 120\n"
     "code_code 48\n"
     "code_code_adaptive -1\n"
     "code_ob_size -1\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 1\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 48\n"
     "unicode_compact_data 72\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_starts -1\n"
     "control_labels exit_eval_frame,error,dispatch_opcode\n"
     "return_generator_opcode -1\n"
   },
   /* pyenv 3.9.18, libpython3.9.so.1.0 */
   { 3, 9,
     "version_hex 0x030912f0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model per_call\n"
     "line_format lnotab_signed\n"
     "string_format unicode\n"
     "eval_frame_arg 1\n"
     "eval_tstate_arg 0\n"
     "tstate_frame 24\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame -1\n"
     "frame_code 32\n"
     "frame_back 24\n"
     "frame_lasti 104\n"
     "frame_lasti_unit 1\n"
     "frame_instr_ptr -1\n"
     "frame_instr_ptr_next -1\n"
     "frame_owner -1\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack -1\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 104\n"
     "code_name 112\n"
     "code_qualname -1\n"
     "code_firstlineno 40\n"
     "code_linetable 120\n"
     "code_code 48\n"
     "code_code_adaptive -1\n"
     "code_ob_size -1\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 1\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 48\n"
     "unicode_compact_data 72\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_prefix PRED_\n"
     "predicted_label_starts 1\n"
     "control_labels exit_eval_frame,error,dispatch_opcode\n"
     "return_generator_opcode -1\n"
   },
   /* pyenv 3.10.13, libpython3.10.so.1.0 */
   { 3, 10,
     "version_hex 0x030a0df0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model per_call\n"
     "line_format linetable_310\n"
     "string_format unicode\n"
     "eval_frame_arg 1\n"
     "eval_tstate_arg 0\n"
     "tstate_frame 24\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame -1\n"
     "frame_code 32\n"
     "frame_back 24\n"
     "frame_lasti 96\n"
     "frame_lasti_unit 2\n"
     "frame_instr_ptr -1\n"
     "frame_instr_ptr_next -1\n"
     "frame_owner -1\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack -1\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 104\n"
     "code_name 112\n"
     "code_qualname -1\n"
     "code_firstlineno 40\n"
     "code_linetable 120\n"
     "code_code 48\n"
     "code_code_adaptive -1\n"
     "code_ob_size -1\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 1\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 48\n"
     "unicode_compact_data 72\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_prefix PRED_\n"
     "predicted_label_starts 1\n"
     "control_labels exit_eval_frame,error,exception_unwind\n"
     "return_generator_opcode -1\n"
   },
   /* pyenv 3.11.7, libpython3.11.so.1.0 */
   { 3, 11,
     "version_hex 0x030b07f0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model in_eval\n"
     "line_format locations_311\n"
     "string_format unicode\n"
     "eval_frame_arg 1\n"
     "eval_tstate_arg 0\n"
     "tstate_frame -1\n"
     "tstate_cframe 56\n"
     "cframe_current_frame 8\n"
     "tstate_current_frame -1\n"
     "frame_code 32\n"
     "frame_back 48\n"
     "frame_lasti -1\n"
     "frame_lasti_unit -1\n"
     "frame_instr_ptr 56\n"
     "frame_instr_ptr_next 0\n"
     "frame_owner 69\n"
     "frame_is_entry 68\n"
     "frame_owner_cstack -1\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 112\n"
     "code_name 120\n"
     "code_qualname 128\n"
     "code_firstlineno 72\n"
     "code_linetable 136\n"
     "code_code -1\n"
     "code_code_adaptive 184\n"
     "code_ob_size 16\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 0\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 48\n"
     "unicode_compact_data 72\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_prefix PRED_\n"
     "predicted_label_starts 0\n"
     "control_labels exit_unwind,resume_with_error,start_frame,resume_frame,handle_eval_breaker,error\n"
     "return_generator_opcode 75\n"
   },
   /* pyenv 3.12.1, libpython3.12.so.1.0 */
   { 3, 12,
     "version_hex 0x030c01f0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model in_eval\n"
     "line_format locations_311\n"
     "string_format unicode\n"
     "eval_frame_arg 1\n"
     "eval_tstate_arg 0\n"
     "tstate_frame -1\n"
     "tstate_cframe 56\n"
     "cframe_current_frame 0\n"
     "tstate_current_frame -1\n"
     "frame_code 0\n"
     "frame_back 8\n"
     "frame_lasti -1\n"
     "frame_lasti_unit -1\n"
     "frame_instr_ptr 56\n"
     "frame_instr_ptr_next 0\n"
     "frame_owner 70\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack 3\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 112\n"
     "code_name 120\n"
     "code_qualname 128\n"
     "code_firstlineno 68\n"
     "code_linetable 136\n"
     "code_code -1\n"
     "code_code_adaptive 192\n"
     "code_ob_size 16\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 0\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 40\n"
     "unicode_compact_data 56\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_prefix PRED_\n"
     "predicted_label_starts 0\n"
     "control_labels exit_unwind,resume_with_error,start_frame,resume_frame,handle_eval_breaker,error\n"
     "return_generator_opcode 75\n"
   },
   /* pyenv 3.13.0, libpython3.13.so.1.0 */
   { 3, 13,
     "version_hex 0x030d00f0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model in_eval\n"
     "line_format locations_311\n"
     "string_format unicode\n"
     "eval_frame_arg 1\n"
     "eval_tstate_arg 0\n"
     "tstate_frame -1\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame 72\n"
     "frame_code 0\n"
     "frame_back 8\n"
     "frame_lasti -1\n"
     "frame_lasti_unit -1\n"
     "frame_instr_ptr 56\n"
     "frame_instr_ptr_next 1\n"
     "frame_owner 70\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack 3\n"
     "frame_code_tag_mask 0\n"
     "tstate_base_frame -1\n"
     "code_filename 112\n"
     "code_name 120\n"
     "code_qualname 128\n"
     "code_firstlineno 68\n"
     "code_linetable 136\n"
     "code_code -1\n"
     "code_code_adaptive 200\n"
     "code_ob_size 16\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 0\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 40\n"
     "unicode_compact_data 56\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_prefix PRED_\n"
     "predicted_label_starts 0\n"
     "control_labels exit_unwind,resume_with_error,start_frame,resume_frame,error\n"
     "return_generator_opcode 35\n"
   },
   /* /usr/bin/python3.14, saved in inspect/known-layouts/3.14.layout */
   { 3, 14,
     "version_hex 0x030e0af0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model in_eval\n"
     "line_format locations_311\n"
     "string_format unicode\n"
     "eval_frame_arg 1\n"
     "eval_tstate_arg 0\n"
     "tstate_frame -1\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame 72\n"
     "frame_code 0\n"
     "frame_back 8\n"
     "frame_lasti -1\n"
     "frame_lasti_unit -1\n"
     "frame_instr_ptr 56\n"
     "frame_instr_ptr_next 1\n"
     "frame_owner 74\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack 3\n"
     "frame_code_tag_mask 3\n"
     "tstate_base_frame -1\n"
     "code_filename 112\n"
     "code_name 120\n"
     "code_qualname 128\n"
     "code_firstlineno 68\n"
     "code_linetable 136\n"
     "code_code -1\n"
     "code_code_adaptive 208\n"
     "code_ob_size 16\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 0\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 40\n"
     "unicode_compact_data 56\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_starts -1\n"
     "control_labels error,start_frame,exception_unwind,exit_unwind\n"
     "return_generator_opcode 34\n"
   },
   /* /usr/bin/python3.15, saved in inspect/known-layouts/3.15.layout */
   { 3, 15,
     "version_hex 0x030f02f0\n"
     "eval_function _PyEval_EvalFrameDefault\n"
     "frame_model in_eval\n"
     "line_format locations_311\n"
     "string_format unicode\n"
     "eval_frame_arg 1\n"
     "eval_tstate_arg 0\n"
     "tstate_frame -1\n"
     "tstate_cframe -1\n"
     "cframe_current_frame -1\n"
     "tstate_current_frame 72\n"
     "frame_code 0\n"
     "frame_back 8\n"
     "frame_lasti -1\n"
     "frame_lasti_unit -1\n"
     "frame_instr_ptr 56\n"
     "frame_instr_ptr_next 1\n"
     "frame_owner 74\n"
     "frame_is_entry -1\n"
     "frame_owner_cstack 3\n"
     "frame_code_tag_mask 3\n"
     "tstate_base_frame 80\n"
     "code_filename 112\n"
     "code_name 120\n"
     "code_qualname 128\n"
     "code_firstlineno 68\n"
     "code_linetable 136\n"
     "code_code -1\n"
     "code_code_adaptive 208\n"
     "code_ob_size 16\n"
     "code_unit_bytes 2\n"
     "lines_need_range_start 0\n"
     "bytes_size 16\n"
     "bytes_data 32\n"
     "unicode_length 16\n"
     "unicode_state 32\n"
     "unicode_ascii_data 40\n"
     "unicode_compact_data 56\n"
     "unicode_kind_shift 2\n"
     "unicode_compact_shift 5\n"
     "unicode_ascii_shift 6\n"
     "opcode_label_prefix TARGET_\n"
     "predicted_label_starts -1\n"
     "control_labels error,start_frame,exception_unwind,exit_unwind\n"
     "return_generator_opcode 32\n"
   },
};
/* END GENERATED TABLE */

#define N_KNOWN_ROWS (sizeof known_rows / sizeof known_rows[0])

static const KnownRow *row_for(UInt major, UInt minor)
{
   UInt i;

   for (i = 0; i < N_KNOWN_ROWS; i++) {
      if (known_rows[i].major == major && known_rows[i].minor == minor)
         return &known_rows[i];
   }
   return NULL;
}

Bool pg_pylayout_known(PgPyLayout *layout, UInt version_hex)
{
   const KnownRow *row = row_for((version_hex >> 24) & 0xff,
                                 (version_hex >> 16) & 0xff);

   /* The rows are generated by the inspector and checked by the unit
    * tests, so they always parse. */
   if (row == NULL
       || !pg_pylayout_parse(layout, row->text, pg_strlen(row->text), NULL, 0))
      return False;
   /* The caller's version: the layout describes the interpreter it runs. */
   layout->version_hex = version_hex;
   pg_memcpy(layout->source, "known", 6);
   return True;
}

Bool pg_pylayout_known_eval_function(const HChar *name)
{
   static const HChar key[] = "eval_function ";
   const SizeT key_len = sizeof key - 1, name_len = pg_strlen(name);
   UInt i;

   for (i = 0; i < N_KNOWN_ROWS; i++) {
      const HChar *line = known_rows[i].text;
      /* Each row has one eval_function line: compare the word after it. */
      while (*line != '\0') {
         if (pg_strncmp(line, key, key_len) == 0) {
            if (pg_strncmp(line + key_len, name, name_len) == 0
                && line[key_len + name_len] == '\n')
               return True;
            break;
         }
         while (*line != '\0' && *line != '\n')
            line++;
         if (*line == '\n')
            line++;
      }
   }
   return False;
}

/*------------------------------------------------------------*/
/*--- The interpreter's call machinery                     ---*/
/*------------------------------------------------------------*/

/* C functions of CPython (2.7 to 3.15) whose only job is to pass a call on
 * to another callable: the generic call API, the adapters between calling
 * conventions, the type slots that call a Python dunder method, the
 * generator resumption path and the eval function's entry points.  In the
 * mixed view with --python-calls=direct they are folded into the arc from
 * their caller to the function they lead to (pg_callstack.c), because as
 * nodes they are hubs that every Python-to-Python call through C passes:
 * KCacheGrind's cycle detection would then put every Python function that
 * calls through C and is called through C into one cycle.  Functions that
 * do work of their own besides calling (sorted, list.extend, type
 * creation, exec, import) are not here: they stay nodes.  A name ending in
 * '*' is a prefix.  Names a build does not have match nothing, so one list
 * serves every version; the eval functions themselves are folded too
 * (pg_python.c), as they are known per version from the layouts. */
static const HChar *const call_machinery[] = {
   /* Objects/call.c (Objects/abstract.c before 3.7) */
   "PyObject_Call", "_PyObject_Call", "PyObject_CallObject",
   "PyObject_CallNoArgs", "_PyObject_CallNoArgs", "PyObject_CallOneArg",
   "PyObject_Vectorcall", "_PyObject_Vectorcall", "_PyObject_VectorcallTstate",
   "PyObject_VectorcallDict", "_PyObject_VectorcallDictTstate",
   "PyObject_VectorcallMethod", "_PyObject_VectorcallMethodId",
   "PyVectorcall_Call", "_PyVectorcall_Call", "_PyObject_MakeTpCall",
   "_PyObject_FastCall", "_PyObject_FastCallDict", "_PyObject_FastCallDictTstate",
   "_PyObject_FastCallKeywords", "_PyObject_FastCall_Prepend",
   "_PyObject_Call_Prepend", "_PyObject_CallFunctionVa", "PyObject_CallFunction",
   "_PyObject_CallFunction_SizeT", "PyObject_CallMethod", "_PyObject_CallMethod",
   "_PyObject_CallMethod_SizeT", "_PyObject_CallMethodId",
   "_PyObject_CallMethodIdObjArgs", "_PyObject_CallMethodIdOneArg",
   "PyObject_CallMethodNoArgs", "PyObject_CallMethodOneArg", "callmethod",
   "PyObject_CallFunctionObjArgs", "PyObject_CallMethodObjArgs", "object_vacall",
   "call_function_tail", "PyEval_CallObjectWithKeywords", "PyEval_CallFunction",
   "PyEval_CallMethod",
   /* Python functions (Objects/funcobject.c, Python/ceval.c) */
   "_PyFunction_Vectorcall", "_PyFunction_FastCall", "_PyFunction_FastCallDict",
   "_PyFunction_FastCallKeywords", "function_code_fastcall", "function_call",
   "_PyEval_Vector", "_PyEval_EvalCodeWithName", "_PyEval_EvalCode",
   "PyEval_EvalCodeEx", "PyEval_EvalCode", "PyEval_EvalFrame",
   "PyEval_EvalFrameEx", "_PyEval_EvalFrame",
   "call_function", "fast_function", "do_call", "do_call_core", "ext_do_call",
   "trace_call_function",
   /* running a compiled module (Python/pythonrun.c): shared by the main
    * script and by every string run, so as nodes they close a cycle
    * through the import system */
   "run_mod", "run_eval_code_obj",
   /* bound methods (Objects/classobject.c) */
   "method_vectorcall", "method_call", "instancemethod_call",
   /* builtin functions and method descriptors (Objects/methodobject.c,
    * Objects/descrobject.c) */
   "PyCFunction_Call", "_PyCFunction_FastCallDict", "_PyCFunction_FastCallKeywords",
   "_PyMethodDef_RawFastCallDict", "_PyMethodDef_RawFastCallKeywords",
   "cfunction_vectorcall_*", "cfunction_call", "cfunction_call_varargs",
   "method_vectorcall_*", "methoddescr_call", "classmethoddescr_call",
   "_PyMethodDescr_FastCallKeywords", "wrapperdescr_call", "wrapper_call",
   "wrapperdescr_raw_call", "meth_call",
   /* type slots that call a dunder method (Objects/typeobject.c) */
   "slot_tp_*", "slot_nb_*", "slot_sq_*", "slot_mp_*", "slot_am_*",
   "call_method", "call_maybe", "call_unbound", "call_unbound_noarg",
   "vectorcall_method", "vectorcall_unbound", "vectorcall_maybe",
   "type_call",
   /* properties */
   "property_descr_get", "property_descr_set",
   /* resuming generators and coroutines (Objects/genobject.c) */
   "gen_iternext", "gen_send_ex", "gen_send_ex2", "gen_send", "_PyGen_Send",
   "PyIter_Send", "PyIter_Next", "gen_throw", "_gen_throw", "coro_wrapper_iternext",
};

#define N_CALL_MACHINERY (sizeof call_machinery / sizeof call_machinery[0])

Bool pg_pylayout_known_call_machinery(const HChar *name)
{
   UInt i;

   for (i = 0; i < N_CALL_MACHINERY; i++) {
      const HChar *entry = call_machinery[i];
      SizeT len = pg_strlen(entry);
      if (entry[len - 1] == '*' ? pg_strncmp(entry, name, len - 1) == 0
                                : pg_strcmp(entry, name) == 0)
         return True;
   }
   return False;
}
