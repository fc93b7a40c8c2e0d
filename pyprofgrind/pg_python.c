/* pg_python.c: the Python frame walker (see pg_python.h).
 *
 * Two frame models (PgFrameModel) cover CPython 2.7 to 3.13:
 *  - up to 3.10 every Python frame runs in its own call of the eval
 *    function, which receives the frame as an argument: the Python frame is
 *    pushed right above the eval function's C frame when it is called, and
 *    popped with it;
 *  - from 3.11 one eval call runs many frames.  After each eval-loop block
 *    the walker reads the thread's current interpreter frame; when it is not
 *    the frame on top of the shadow stack, the chain of frames of this eval
 *    call (current -> previous -> ... -> the entry frame) is compared with
 *    the shadow Python frames above the eval C frame, and the difference is
 *    popped and pushed.  So a lost or unreadable frame resynchronises at the
 *    next block.
 * In both models the bytecode position of the top frame is read after each
 * eval-loop block; when it changes, the dynamic cost so far is charged to
 * the old position.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_python.h"
#include "pg_callstack.h"
#include "pg_guestmem.h"
#include "pg_linetable.h"
#include "pg_pysource.h"
#include "pg_writer.h"
#include "pub_tool_debuginfo.h"
#include "pub_tool_hashtable.h"
#include "pub_tool_libcfile.h"
#include "pub_tool_machine.h"
#include "pub_tool_options.h"
#include "pub_tool_libcprint.h"
#include "pub_tool_threadstate.h"
#include "libvex_guest_offsets.h"

static Bool   enabled;
static PgView view;
static PgOpcodeMode opcode_mode;

#define MAX_INTERPS 16
static PgPyInterp *interps[MAX_INTERPS];
static UInt        n_interps;

static VgHashTable *code_nodes;

void pg_py_init(Bool on, PgView v, PgOpcodeMode opcodes)
{
   enabled = on;
   view = v;
   opcode_mode = opcodes;
   code_nodes = VG_(HT_construct)("pg.py.codes");
}

Bool   pg_py_enabled(void) { return enabled; }
PgView pg_py_view(void)    { return view; }

/*------------------------------------------------------------*/
/*--- Recognising interpreters                             ---*/
/*------------------------------------------------------------*/

static PgPyInterp *interp_for_object(const HChar *object, PtrdiffT bias)
{
   PgPyInterp *in;
   HChar err[256];
   UInt i;

   for (i = 0; i < n_interps; i++)
      if (interps[i]->object == object)
         return interps[i];
   if (n_interps == MAX_INTERPS)
      return NULL;

   in = pg_calloc("pg.py.interp", 1, sizeof *in);
   in->object = object;
   interps[n_interps++] = in;
   if (!pg_pysource_layout(object, bias, &in->layout))
      return in;
   if (!pg_pylayout_complete(&in->layout, err, sizeof err)) {
      VG_(umsg)("pyprofgrind: %s: incomplete interpreter layout (%s); "
                "profiling it as C only\n", object, err);
      return in;
   }
   in->usable = True;
   in->return_generator = -1;
   for (i = 0; i < 256; i++)
      if (pg_strcmp(in->layout.opcode_names[i], "RETURN_GENERATOR") == 0)
         in->return_generator = (Int)i;
   if (in->return_generator < 0)
      in->return_generator = pg_pylayout_known_return_generator(in->layout.version_hex);
   if (VG_(clo_verbosity) > 1)
      VG_(dmsg)("pyprofgrind: %s: CPython %u.%u, layout from %s\n", object,
                in->layout.version_hex >> 24, (in->layout.version_hex >> 16) & 0xff,
                in->layout.source);
   return in;
}

/* Labels where the interpreter may switch frames (3.11+) or that start
 * each instruction's dispatch. */
static Bool is_control_label(const HChar *name)
{
   static const HChar *const control[] = {
      "start_frame", "resume_frame", "resume_with_error", "exit_unwind",
      "exception_unwind", "error", "handle_eval_breaker", "dispatch_opcode",
      "exit_eval_frame", NULL
   };
   UInt i;
   for (i = 0; control[i] != NULL; i++)
      if (pg_strcmp(name, control[i]) == 0)
         return True;
   return False;
}

/* Sets IN's dispatch range from its instruction labels, if every one of
 * them lies in the eval function's symbol (a label in a split-off cold
 * part would make the range cover other functions). */
static void find_dispatch_range(PgPyInterp *in)
{
   DiEpoch ep = VG_(current_DiEpoch)();
   Addr low = ~(Addr)0, high = 0;
   UInt b;

   in->dispatch_low = 1;
   in->dispatch_high = 0;
   for (b = 0; b < in->n_label_buckets; b++) {
      const PgPyLabel *label;
      for (label = in->labels[b]; label != NULL; label = label->hash_next) {
         const HChar *fn;
         if (!label->is_opcode)
            continue;
         if (!VG_(get_fnname)(ep, label->addr, &fn)
             || pg_strcmp(fn, in->layout.eval_function) != 0)
            return;
         if (label->addr < low)
            low = label->addr;
         if (label->addr > high)
            high = label->addr;
      }
   }
   if (low <= high) {
      in->dispatch_low = low;
      in->dispatch_high = high;
      if (VG_(clo_verbosity) > 1)
         VG_(dmsg)("pyprofgrind: %s: instruction dispatch within %#lx-%#lx\n",
                   in->object, low, high);
   }
}

static void index_labels(PgPyInterp *in)
{
   const PgPyLayout *l = &in->layout;
   UInt i, n_opcodes = 0;
   in->n_label_buckets = 1024;
   in->labels = pg_calloc("pg.py.labels", in->n_label_buckets, sizeof(PgPyLabel *));
   for (i = 0; i < l->n_labels; i++) {
      const HChar *name = l->labels[i].name;
      Bool is_opcode = pg_strncmp(name, "TARGET_", 7) == 0;
      const HChar *opname = is_opcode ? name + 7 : name;
      PgPyLabel *label;
      UInt b;
      if (pg_strncmp(name, "PRED_", 5) == 0) {
         /* Up to 3.10 PREDICT() jumps from one instruction straight into
          * the next one's handler (PRED_<number>): a new instruction.
          * From 3.11 specialised instructions jump there when they
          * deoptimise: the same instruction goes on. */
         UInt number = (UInt)pg_strtoull10(name + 5, NULL);
         if (l->frame_model != PG_FRAMES_PER_CALL || number > 255
             || l->opcode_names[number][0] == 0
             || pg_py_label_at(in, l->labels[i].addr + in->bias) != NULL)
            continue;
         is_opcode = True;
         opname = l->opcode_names[number];
      } else if (!is_opcode && !is_control_label(name)) {
         continue;
      }
      label = pg_calloc("pg.py.label", 1, sizeof *label);
      label->addr = l->labels[i].addr + in->bias;
      label->name = opname;
      label->is_opcode = is_opcode;
      b = (UInt)(label->addr % in->n_label_buckets);
      label->hash_next = in->labels[b];
      in->labels[b] = label;
      n_opcodes += is_opcode;
   }
   /* Without instruction labels, positions must be read after every
    * eval-loop block. */
   in->has_labels = n_opcodes > 0;
   find_dispatch_range(in);
   if (!in->has_labels && opcode_mode != PG_OPCODES_NO)
      VG_(umsg)("pyprofgrind: %s: the eval loop's instruction labels are "
                "unknown (no DWARF): no opcode nodes, functions and lines "
                "only\n", in->object);
}

const PgPyLabel *pg_py_label_at(const PgPyInterp *in, Addr a)
{
   const PgPyLabel *label;
   if (in->labels == NULL)
      return NULL;
   for (label = in->labels[a % in->n_label_buckets]; label; label = label->hash_next)
      if (label->addr == a)
         return label;
   return NULL;
}

void pg_py_classify_node(PgNode *node, PtrdiffT bias)
{
   PgPyInterp *in;
   if (!enabled)
      return;
   if (pg_strcmp(node->name, "_PyEval_EvalFrameDefault") != 0
       && pg_strcmp(node->name, "PyEval_EvalFrameEx") != 0)
      return;
   in = interp_for_object(node->obj, bias);
   if (in == NULL || !in->usable || pg_strcmp(in->layout.eval_function, node->name) != 0)
      return;
   if (in->labels == NULL) {
      in->bias = bias;
      index_labels(in);
   }
   node->eval_of = in;
}

/*------------------------------------------------------------*/
/*--- Reading code objects                                 ---*/
/*------------------------------------------------------------*/

/* Reads a str (3.x) or str/bytes (2.7) object into BUF as UTF-8. */
static Bool read_string(const PgPyLayout *l, Addr obj, HChar *buf, SizeT size)
{
   if (obj == 0 || size < 2)
      return False;
   if (l->string_format == PG_STR_BYTES) {
      Addr len;
      if (!pg_mem_read_word(obj + l->bytes_size, &len) || len >= size)
         return False;
      if (!pg_mem_read(obj + l->bytes_data, buf, len))
         return False;
      buf[len] = 0;
      return True;
   } else {
      Addr len;
      UInt state, kind, i, out = 0;
      Bool compact, ascii;
      UChar raw[4 * 512];
      if (!pg_mem_read_word(obj + l->unicode_length, &len)
          || !pg_mem_read(obj + l->unicode_state, &state, sizeof state))
         return False;
      kind = (state >> l->unicode_kind_shift) & 7;
      compact = (state >> l->unicode_compact_shift) & 1;
      ascii = (state >> l->unicode_ascii_shift) & 1;
      if (!compact || len > 512 || (kind != 1 && kind != 2 && kind != 4))
         return False;
      if (!pg_mem_read(obj + (ascii ? l->unicode_ascii_data : l->unicode_compact_data),
                       raw, len * kind))
         return False;
      for (i = 0; i < len; i++) {
         UInt c = kind == 1 ? raw[i]
                : kind == 2 ? ((UShort *)raw)[i] : ((UInt *)raw)[i];
         if (out + 5 >= size)
            return False;
         if (c < 0x80) buf[out++] = (HChar)c;
         else if (c < 0x800) {
            buf[out++] = (HChar)(0xc0 | (c >> 6));
            buf[out++] = (HChar)(0x80 | (c & 0x3f));
         } else if (c < 0x10000) {
            buf[out++] = (HChar)(0xe0 | (c >> 12));
            buf[out++] = (HChar)(0x80 | ((c >> 6) & 0x3f));
            buf[out++] = (HChar)(0x80 | (c & 0x3f));
         } else {
            buf[out++] = (HChar)(0xf0 | (c >> 18));
            buf[out++] = (HChar)(0x80 | ((c >> 12) & 0x3f));
            buf[out++] = (HChar)(0x80 | ((c >> 6) & 0x3f));
            buf[out++] = (HChar)(0x80 | (c & 0x3f));
         }
      }
      buf[out] = 0;
      return True;
   }
}

/* A copy of a bytes object's contents; NULL if unreadable. */
static UChar *read_bytes(const PgPyLayout *l, Addr obj, UInt *len_out)
{
   Addr len;
   UChar *copy;
   if (obj == 0 || !pg_mem_read_word(obj + l->bytes_size, &len) || len > (1u << 24))
      return NULL;
   copy = pg_malloc("pg.py.bytes", len + 1);
   if (len > 0 && !pg_mem_read(obj + l->bytes_data, copy, len)) {
      pg_free(copy);
      return NULL;
   }
   *len_out = (UInt)len;
   return copy;
}

static void absolute_path(const HChar *file, HChar *out, SizeT size)
{
   HChar cwd[1024];
   SSizeT n;
   if (file[0] == '/' || file[0] == '<') {
      VG_(snprintf)(out, size, "%s", file);
      return;
   }
   /* Relative to the client's working directory now, which is the
    * directory the module was found from. */
   n = VG_(readlink)("/proc/self/cwd", cwd, sizeof cwd - 1);
   if (n <= 0) {
      VG_(snprintf)(out, size, "%s", file);
      return;
   }
   cwd[n] = 0;
   VG_(snprintf)(out, size, "%s/%s", cwd, file[0] == '.' && file[1] == '/' ? file + 2 : file);
}

typedef struct {
   VgHashNode hn;          /* key = code object address */
   PgNode    *node;
   Addr       name_obj, filename_obj;
   Int        first_line;
} CodeEntry;

static PgNode      *unknown_node;

static PgNode *node_for_unknown(void)
{
   if (unknown_node == NULL)
      unknown_node = pg_fn_node(PG_NODE_UNKNOWN, "[Python]", "???", "<unknown>");
   return unknown_node;
}

static void mark_range(void *ctx, UInt start, UInt end, Int line)
{
   PgPyCode *py = ctx;
   UInt u = py->unit_bytes, unit, units = (py->code_size + u - 1) / u;
   if (start / u < units)
      py->line_start[start / u / 8] |= (UChar)(1u << ((start / u) % 8));
   if (line > 0)
      return;
   for (unit = start / u; unit < (end + u - 1) / u && unit < units; unit++)
      py->no_line[unit / 8] |= (UChar)(1u << (unit % 8));
}

static void mark_lineless(PgPyCode *py)
{
   if (py->line_table == NULL || py->code_size == 0 || py->code_size > (1u << 22))
      return;
   py->no_line = pg_calloc("pg.py.noline", (py->code_size / py->unit_bytes + 8) / 8, 1);
   py->line_start = pg_calloc("pg.py.linestart", (py->code_size / py->unit_bytes + 8) / 8, 1);
   pg_linetable_ranges(py->format, py->line_table, py->line_table_len,
                       py->first_line, py->code_size, mark_range, py);
}

/* Whether the instruction at byte OFFSET has no line of its own: its cost
 * then stays with the instruction that ran before it, whose line did
 * execute. */
static Bool unit_bit(const PgPyCode *py, const UChar *map, UInt offset, Bool unknown)
{
   UInt unit;
   if (py == NULL || map == NULL || offset >= py->code_size)
      return unknown;
   unit = offset / py->unit_bytes;
   return (map[unit / 8] >> (unit % 8)) & 1;
}

static Bool is_lineless(const PgNode *node, UInt offset)
{
   return unit_bit(node->py, node->py != NULL ? node->py->no_line : NULL, offset, False);
}

/* Whether the instruction at byte OFFSET starts a range of the line table. */
static Bool starts_line(const PgNode *node, UInt offset)
{
   return unit_bit(node->py, node->py != NULL ? node->py->line_start : NULL, offset, True);
}

/* Whether going forward from OLD to NEW (not a line start) skipped the
 * start of NEW's line range, i.e. came by a jump, into another line. */
static Bool jumped_into_line(const PgNode *node, UInt old, UInt new)
{
   UInt u = node->py != NULL ? node->py->unit_bytes : 2, off;
   for (off = (old / u + 1) * u; off < new; off += u)
      if (starts_line(node, off))
         return pg_py_line_of(node, new) != pg_py_line_of(node, old);
   return False;
}

static PgNode *make_node(const PgPyInterp *in, Addr code, Addr name_obj,
                         Addr filename_obj, Int first_line)
{
   const PgPyLayout *l = &in->layout;
   HChar name[512], file[1024], path[1100], label[600], obj[32];
   Addr table_obj = 0, qualname_obj = 0;
   PgNode *node;
   PgPyCode *py;
   Bool is_new;

   if (l->code_qualname >= 0)
      pg_mem_read_word(code + l->code_qualname, &qualname_obj);
   if (!read_string(l, qualname_obj ? qualname_obj : name_obj, name, sizeof name)
       || !read_string(l, filename_obj, file, sizeof file))
      return node_for_unknown();
   absolute_path(file, path, sizeof path);
   /* Anonymous code (<lambda>, <genexpr>, <listcomp>...) is named by its
    * line too, so that two lambdas of one file stay apart. */
   if (name[0] == '<' && pg_strcmp(name, "<module>") != 0)
      VG_(snprintf)(label, sizeof label, "%s:%d", name, first_line);
   else if (pg_strlen(name) > 8 && pg_strcmp(name + pg_strlen(name) - 8, "<lambda>") == 0)
      VG_(snprintf)(label, sizeof label, "%s:%d", name, first_line);
   else
      VG_(snprintf)(label, sizeof label, "%s", name);
   VG_(snprintf)(obj, sizeof obj, "[Python %u.%u]", l->version_hex >> 24,
                 (l->version_hex >> 16) & 0xff);

   node = pg_fn_node_d(PG_NODE_PYTHON, obj, path, label, (UInt)first_line, &is_new);
   if (!is_new)
      return node;

   py = pg_calloc("pg.py.code", 1, sizeof *py);
   py->format = l->line_format;
   /* 2.7's instructions are 1 or 3 bytes long, later ones 2 (with caches) */
   py->unit_bytes = l->line_format == PG_LINES_LNOTAB_UNSIGNED ? 1 : 2;
   py->first_line = first_line;
   if (pg_mem_read_word(code + l->code_linetable, &table_obj))
      py->line_table = read_bytes(l, table_obj, &py->line_table_len);
   if (l->code_code >= 0) {
      Addr code_bytes;
      if (pg_mem_read_word(code + l->code_code, &code_bytes)) {
         Addr size;
         if (pg_mem_read_word(code_bytes + l->bytes_size, &size))
            py->code_size = (UInt)size;
      }
   } else {
      Addr units;   /* the code object is a variable-size object of code units */
      if (pg_mem_read_word(code + l->bytes_size, &units))
         py->code_size = (UInt)units * 2;
   }
   mark_lineless(py);
   node->py = py;
   if (py->code_size > 0 && py->code_size <= (1u << 22)) {
      node->dense_shift = py->unit_bytes == 2 ? 1 : 0;
      node->dense_sites = (py->code_size >> node->dense_shift) + 1;
   }
   return node;
}

/* The node of code object CODE, made on first sight.  An entry cached for
 * this address is checked against the object, as code objects are freed
 * and their memory reused. */
static PgNode *node_for_code(const PgPyInterp *in, Addr code)
{
   const PgPyLayout *l = &in->layout;
   CodeEntry *e;
   Addr name_obj, filename_obj;
   Int first_line;

   if (code == 0
       || !pg_mem_read_word(code + l->code_name, &name_obj)
       || !pg_mem_read_word(code + l->code_filename, &filename_obj)
       || !pg_mem_read_int(code + l->code_firstlineno, &first_line))
      return node_for_unknown();
   e = VG_(HT_lookup)(code_nodes, code);
   if (e != NULL && e->name_obj == name_obj && e->filename_obj == filename_obj
       && e->first_line == first_line)
      return e->node;
   if (e == NULL) {
      e = pg_calloc("pg.py.codeentry", 1, sizeof *e);
      e->hn.key = code;
      VG_(HT_add_node)(code_nodes, e);
   }
   e->node = make_node(in, code, name_obj, filename_obj, first_line);
   e->name_obj = name_obj;
   e->filename_obj = filename_obj;
   e->first_line = first_line;
   return e->node;
}

typedef struct {
   UInt offset;
   Int  line;        /* line of the range holding offset, or of the last
                        earlier range that has one */
   Bool found;
} LineSearch;

static void find_line(void *ctx, UInt start, UInt end, Int line)
{
   LineSearch *search = ctx;
   if (search->found || start > search->offset)
      return;
   if (line > 0)
      search->line = line;
   if (search->offset < end)
      search->found = True;
}

/* Instructions without a line of their own (3.11+ back-edge jumps, a
 * module's first instruction on "line 0") are charged to the line they
 * belong to in the flow: the one before them, or the function's first. */
UInt pg_py_line_of(const PgNode *node, UInt offset)
{
   const PgPyCode *py = node->py;
   LineSearch search;
   if (py == NULL)
      return 0;
   if (py->line_table == NULL)
      return py->first_line > 0 ? (UInt)py->first_line : 0;
   search.offset = offset;
   search.line = py->first_line;
   search.found = False;
   pg_linetable_ranges(py->format, py->line_table, py->line_table_len,
                       py->first_line, py->code_size, find_line, &search);
   return search.line > 0 ? (UInt)search.line : 0;
}

/*------------------------------------------------------------*/
/*--- Frames                                               ---*/
/*------------------------------------------------------------*/

/* Byte offset of the instruction FRAME executes, or 0 if unknown. */
static UInt position_of(const PgPyLayout *l, Addr frame, Addr code)
{
   if (l->frame_model == PG_FRAMES_PER_CALL) {
      Int lasti;
      if (!pg_mem_read_int(frame + l->frame_lasti, &lasti) || lasti < 0)
         return 0;
      return (UInt)lasti * (UInt)l->frame_lasti_unit;
   } else {
      Addr ip, start = code + l->code_code_adaptive;
      if (!pg_mem_read_word(frame + l->frame_instr_ptr, &ip) || ip < start)
         return 0;
      return (UInt)(ip - start);
   }
}

static void push_python(PgThread *th, const PgPyInterp *in, Addr frame,
                        Addr code, Addr sp)
{
   const PgFrame *top = &th->frames[th->depth - 1];
   PgNode *node = node_for_code(in, code);
   PgFrame *f = pg_cs_push_call(th, top->charge_node, top->charge_site,
                                node, 0, sp);
   f->py_frame = frame;
   f->py_code = code;
   f->py_dispatched = (UInt)-1;

   f->charge_node = node;
   f->charge_site = position_of(&in->layout, frame, code);
}

static Addr read_arg(ThreadId tid, Int index)
{
   static const Int arg_offsets[] = { OFFSET_amd64_RDI, OFFSET_amd64_RSI, OFFSET_amd64_RDX };
   Addr value = 0;
   if (index < 0 || index > 2)
      return 0;
   VG_(get_shadow_regs_area)(tid, (UChar *)&value, 0, arg_offsets[index], sizeof value);
   return value;
}

void pg_py_eval_entered(PgThread *th, ThreadId tid, PgPyInterp *in)
{
   const PgPyLayout *l = &in->layout;
   PgFrame *eval = &th->frames[th->depth - 1];
   eval->py_interp = in;
   eval->py_tstate = read_arg(tid, l->eval_tstate_arg);
   if (l->frame_model == PG_FRAMES_PER_CALL) {
      Addr frame = read_arg(tid, l->eval_frame_arg), code = 0;
      if (frame != 0)
         pg_mem_read_word(frame + l->frame_code, &code);
      push_python(th, in, frame, code, eval->sp);
   }
}

/* The interpreter frame thread state TSTATE is executing, or 0. */
static Addr current_frame(const PgPyLayout *l, Addr tstate)
{
   Addr frame = 0, cframe;
   if (tstate == 0)
      return 0;
   if (l->tstate_current_frame >= 0) {
      pg_mem_read_word(tstate + l->tstate_current_frame, &frame);
   } else if (pg_mem_read_word(tstate + l->tstate_cframe, &cframe) && cframe != 0) {
      pg_mem_read_word(cframe + l->cframe_current_frame, &frame);
   }
   return frame;
}

/* Whether FRAME is the first frame run by its eval call (3.11: is_entry),
 * or a C-stack placeholder below it that is not a Python frame (3.12+). */
static Bool is_cstack_frame(const PgPyLayout *l, Addr frame)
{
   UChar owner;
   return l->frame_owner >= 0
          && pg_mem_read(frame + l->frame_owner, &owner, 1)
          && owner == (UChar)l->frame_owner_cstack;
}

static Bool is_entry_frame(const PgPyLayout *l, Addr frame)
{
   UChar entry;
   return l->frame_is_entry >= 0
          && pg_mem_read(frame + l->frame_is_entry, &entry, 1) && entry != 0;
}

#define MAX_CHAIN 4096

/* Calling a generator function runs its new frame up to RETURN_GENERATOR,
 * which moves the frame into the generator object; sys.setprofile reports
 * no call for that, only for the generator's resumptions, and so neither
 * do we: a frame leaving at that instruction is not counted. */
static Bool is_return_generator(const PgPyInterp *in, Addr code, UInt offset)
{
   UChar opcode;
   return in->return_generator >= 0 && in->layout.code_code_adaptive >= 0
          && pg_mem_read(code + in->layout.code_code_adaptive + offset, &opcode, 1)
          && opcode == (UChar)in->return_generator;
}

static void uncount_generator_creation(const PgPyInterp *in, PgFrame *f)
{
   if (f->py_frame != 0 && f->arc != NULL && f->arc->calls > 0
       && is_return_generator(in, f->py_code, (UInt)f->charge_site))
      f->arc->calls--;
}

/* Index of the shadow Python frame for (FRAME, CODE) in [LOW, HIGH), searched
 * from the top; -1 if there is none. */
static Int find_shadow(const PgThread *th, UInt low, UInt high, Addr frame, Addr code)
{
   Int k;
   for (k = (Int)high - 1; k >= (Int)low; k--)
      if (th->frames[k].py_frame == frame && th->frames[k].py_code == code)
         return k;
   return -1;
}

/* Makes the Python frames above the eval C frame at index EVAL mirror the
 * interpreter's chain ending at CURRENT.  The chain is read from the
 * current frame down only until a frame the shadow stack already has: a
 * call or a return moves one frame, an exception a few, so this stays
 * cheap however deep the recursion.  A frame of an outer eval call ends the
 * chain too: while an eval call returns, the thread state already shows
 * its caller's frames, which are not this call's.  Opcode frames sit
 * between Python frames and go with the Python frame they belong to. */
static void reconcile(PgThread *th, const PgPyInterp *in, UInt eval, Addr current)
{
   static Addr chain[MAX_CHAIN], codes[MAX_CHAIN];
   const PgPyLayout *l = &in->layout;
   UInt n = 0, keep_depth = eval + 1, i;
   Addr f = current;
   Bool found = False;

   while (f != 0 && n < MAX_CHAIN && !is_cstack_frame(l, f)) {
      Addr code = 0;
      Int k;
      pg_mem_read_word(f + l->frame_code, &code);
      k = find_shadow(th, eval + 1, th->depth, f, code);
      if (k >= 0) {
         keep_depth = (UInt)k + 1;
         found = True;
         break;
      }
      if (find_shadow(th, 0, eval, f, code) >= 0)
         break;                  /* an outer call's frame */
      chain[n] = f;
      codes[n] = code;
      n++;
      if (is_entry_frame(l, f) || !pg_mem_read_word(f + l->frame_back, &f))
         break;
   }
   /* The kept frame keeps its instruction's frame: frames called from that
    * instruction are pushed above it, and after they return the
    * instruction goes on until the next one starts. */
   if (found)
      while (keep_depth < th->depth && th->frames[keep_depth].is_opcode)
         keep_depth++;
   while (th->depth > keep_depth) {
      uncount_generator_creation(in, &th->frames[th->depth - 1]);
      pg_cs_pop(th);
   }
   for (i = n; i > 0; i--)
      push_python(th, in, chain[i - 1], codes[i - 1], th->frames[eval].sp);
}

/* The newest Python frame above the eval frame at EVAL, or 0 if none. */
static UInt top_python_frame(const PgThread *th, UInt eval)
{
   UInt i = th->depth;
   while (i > eval + 1) {
      i--;
      if (th->frames[i].py_frame != 0)
         return i;
   }
   return 0;
}

void pg_py_step(PgThread *th, PgPyInterp *in, UInt n_instrs)
{
   const PgPyLayout *l = &in->layout;
   PgFrame *top;
   UInt eval, p, position;

   /* The eval call this block runs in: the newest eval frame of IN. */
   eval = th->depth;
   while (eval > 0 && th->frames[eval - 1].py_interp != in)
      eval--;
   if (eval == 0)
      return;
   eval--;
   /* C frames above it ended unnoticed: eval-loop code is running. */
   while (th->depth > eval + 1 && th->frames[th->depth - 1].py_frame == 0
          && !th->frames[th->depth - 1].is_opcode)
      pg_cs_pop(th);

   p = top_python_frame(th, eval);
   if (l->frame_model == PG_FRAMES_IN_EVAL) {
      Addr current = current_frame(l, th->frames[eval].py_tstate);
      /* Most blocks run in the frame already on top, which is a Python
       * frame (a C-stack entry frame is never pushed): one read. */
      if (p == 0 || th->frames[p].py_frame != current) {
         if (current == 0 || is_cstack_frame(l, current)) {
            if (th->depth > eval + 1) {
               pg_cs_charge_dynamic(th);
               reconcile(th, in, eval, 0);
            }
            return;
         }
         pg_cs_charge_dynamic(th);
         reconcile(th, in, eval, current);
         return;
      }
   }
   if (p == 0)
      return;
   top = &th->frames[p];
   position = position_of(l, top->py_frame, top->py_code);
   /* An instruction with no line of its own, or one reached by a forward
    * jump into the middle of another line's instructions (2.7's POP_BLOCK
    * after a loop ends, in the range of the loop body's last line), does
    * not make its line run, as the interpreter's own line tracing agrees:
    * its cost stays with the instruction before. */
   if (position == top->charge_site || is_lineless(top->node, position)
       || (l->line_format != PG_LINES_LOCATIONS_311
           && position > top->charge_site && !starts_line(top->node, position)
           && jumped_into_line(top->node, top->charge_site, position)))
      return;
   /* Without labels the position is read after every block, and where
    * the frame points at the next instruction (3.13's instr_ptr),
    * RETURN_GENERATOR moves it past itself before it pops the frame: the
    * frame stays on it, or its leaving would not be recognised as a
    * generator's creation.  (Where it points at the last instruction
    * started, a resumed generator starts on RETURN_GENERATOR and must move
    * on; with labels the position moves only when the next instruction
    * starts, which never happens after this one.) */
   if (!in->has_labels && l->frame_instr_ptr_next == 1
       && is_return_generator(in, top->py_code, (UInt)top->charge_site))
      return;
   /* This block's instructions belong to the new position. */
   if (p == th->depth - 1)
      pg_cs_charge_dynamic_before(th, n_instrs);
   top->charge_site = position;
}

/* The object ("ob=") under which IN's opcode nodes are written; the
 * report recognises opcode nodes by it, and the family lines of the
 * profile header name it (pg_py_write_opcode_families). */
static void opcode_object_name(const PgPyInterp *in, HChar *obj, SizeT size)
{
   VG_(snprintf)(obj, size, "[Python %u.%u opcodes]",
                 in->layout.version_hex >> 24, (in->layout.version_hex >> 16) & 0xff);
}

static PgNode *opcode_node(const PgPyInterp *in, PgPyLabel *label)
{
   if (label->opcode == NULL) {
      const HChar *file, *dir, *name = label->name;
      HChar obj[48];
      UInt line, i;
      if (VG_(get_filename_linenum)(VG_(current_DiEpoch)(), label->addr, &file, &dir, &line))
         file = pg_fn_source_path(dir, file);
      else
         file = "???";
      if (opcode_mode == PG_OPCODES_BASE) {
         for (i = 0; i < in->layout.n_labels; i++)
            if (pg_strncmp(in->layout.labels[i].name, "TARGET_", 7) == 0
                && pg_strcmp(in->layout.labels[i].name + 7, name) == 0
                && in->layout.labels[i].base[0] != 0) {
               name = in->layout.labels[i].base;
               break;
            }
      }
      opcode_object_name(in, obj, sizeof obj);
      label->opcode = pg_fn_node(PG_NODE_OPCODE, obj, file, name);
   }
   return label->opcode;
}

void pg_py_at_label(PgThread *th, PgPyInterp *in, PgPyLabel *label,
                    UInt n_instrs, Bool continues)
{
   const PgPyLayout *l = &in->layout;
   UInt eval, p;
   PgFrame *f;

   /* The label's block belongs to what the label starts. */
   th->dyn_hold = n_instrs;

   /* The instruction is counted on the frame that was executing when its
    * handler started: the handler may already have switched frames
    * (RETURN_VALUE, YIELD_VALUE) by the time this runs. */
   if (label->is_opcode && opcode_mode != PG_OPCODES_NO && !th->label_continues) {
      eval = th->depth;
      while (eval > 0 && th->frames[eval - 1].py_interp != in)
         eval--;
      if (eval > 0 && (p = top_python_frame(th, eval - 1)) != 0) {
         PgFrame *py = &th->frames[p];
         UInt position = position_of(l, py->py_frame, py->py_code);
         Bool current_is_top = True, again;
         if (l->frame_model == PG_FRAMES_IN_EVAL) {
            Addr cur = current_frame(l, th->frames[eval - 1].py_tstate);
            current_is_top = cur == py->py_frame;
            if (!current_is_top
                && (position == py->py_dispatched
                    || is_return_generator(in, py->py_code, py->py_dispatched))) {
               /* The frame on top finished before this instruction (no
                * label between its return and here): this instruction is
                * its caller's, so bring the frames up to date first.
                * (Else the frame on top started this instruction, whose
                * first block left it: RETURN_VALUE, YIELD_VALUE.)  A
                * frame that ran RETURN_GENERATOR is gone too, though that
                * instruction moved its position on (3.13). */
               pg_py_step(th, in, n_instrs);
               th->dyn_hold = n_instrs;
               p = top_python_frame(th, eval - 1);
               if (p == 0) {
                  th->dyn_hold = 0;
                  th->label_continues = continues;
                  return;
               }
               py = &th->frames[p];
               position = position_of(l, py->py_frame, py->py_code);
               current_is_top = True;
            }
         }
         again = l->frame_model == PG_FRAMES_IN_EVAL && current_is_top
                 && position == py->py_dispatched && th->depth > p + 1
                 && th->frames[th->depth - 1].is_opcode;
         py->py_dispatched = position;
         if (p == th->depth - 1)
            pg_cs_charge_dynamic(th);
         if (!is_lineless(py->node, position))
            py->charge_site = position;
         while (th->depth > p + 1) {
            /* An instruction dispatched again at the same place (3.11+
             * specialising itself, or failing a guard) is one execution. */
            if (again && th->frames[th->depth - 1].arc != NULL
                && th->frames[th->depth - 1].arc->calls > 0)
               th->frames[th->depth - 1].arc->calls--;
            pg_cs_pop(th);     /* the previous instruction's frame */
         }
         py = &th->frames[p];
         f = pg_cs_push_call(th, py->charge_node, py->charge_site,
                             opcode_node(in, label), label->addr, py->sp);
         f->is_opcode = True;
         f->charge_node = label->opcode;
         f->charge_site = label->addr;
         /* The held instructions are the new frame's now. */
         th->dyn_hold = 0;
      }
   }
   /* A handler that is only a jump into another label's code (3.7's
    * SETUP_EXCEPT into SETUP_FINALLY's, 3.10's LOAD_CONST into PRED_100)
    * continues there: that label starts no new instruction. */
   th->label_continues = continues;
   pg_py_step(th, in, n_instrs);
   th->dyn_hold = 0;
}

/*------------------------------------------------------------*/
/*--- Opcode families in the profile                       ---*/
/*------------------------------------------------------------*/

/* Does IN's layout give instruction families ("opcode_base" lines, read
 * by the inspector from the interpreter's _PyOpcode_Deopt)?  Layouts
 * from _Py_DebugOffsets or the known-builds table do not, and neither do
 * interpreters before 3.11, which do not specialise. */
static Bool has_opcode_families(const PgPyInterp *in)
{
   UInt i;
   for (i = 0; i < in->layout.n_labels; i++)
      if (in->layout.labels[i].base[0] != 0)
         return True;
   return False;
}

void pg_py_write_opcode_families(PgWriter *w)
{
   HChar obj[48], written[MAX_INTERPS][48];
   UInt n_written = 0, i, k;

   if (opcode_mode == PG_OPCODES_NO)
      return;
   for (i = 0; i < n_interps; i++) {
      const PgPyInterp *in = interps[i];
      Bool again = False;
      if (!in->usable || !has_opcode_families(in))
         continue;
      opcode_object_name(in, obj, sizeof obj);
      /* Two interpreters of one version share their opcode nodes: the
       * first one's families stand for both. */
      for (k = 0; k < n_written; k++)
         again |= pg_strcmp(written[k], obj) == 0;
      if (again)
         continue;
      VG_(snprintf)(written[n_written++], sizeof written[0], "%s", obj);
      /* Every instruction, a base one as its own family: the report then
       * also knows which names are instructions of this interpreter
       * (INSTRUMENTED_CALL folds into CALL because CALL is one). */
      for (k = 0; k < in->layout.n_labels; k++) {
         const PgLabel *label = &in->layout.labels[k];
         if (pg_strncmp(label->name, "TARGET_", 7) != 0 || label->name[7] == 0)
            continue;
         pg_writer_printf(w, "# pyprofgrind opcode-family %s %s %s\n", obj,
                          label->name + 7,
                          label->base[0] != 0 ? label->base : label->name + 7);
      }
   }
}
