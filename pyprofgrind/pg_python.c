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
#include "pg_namebuf.h"
#include "pg_options.h"
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
static Bool   debug_resync;
static Bool   direct_calls;      /* fold the call machinery (pg_fn.h) */

#define MAX_INTERPS 16
static PgPyInterp *interps[MAX_INTERPS];
static UInt        n_interps;

static VgHashTable *code_nodes;      /* CodeEntry by code object address */
static VgHashTable *code_twins;      /* TwinEntry by name node and lines */

static void python_frame_leaving(PgThread *th, PgFrame *f);

void pg_python_init(Bool on, PgView v, PgOpcodeMode opcodes, Bool direct, Bool debug)
{
   enabled = on;
   direct_calls = direct && v == PG_VIEW_MIXED;
   debug_resync = debug;
   view = v;
   opcode_mode = opcodes;
   code_nodes = VG_(HT_construct)("pg.py.codes");
   pg_callstack_set_python_leave_hook(python_frame_leaving);
   code_twins = VG_(HT_construct)("pg.py.twins");
}

Bool   pg_python_enabled(void) { return enabled; }
PgView pg_python_view(void)    { return view; }

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
   if (VG_(clo_verbosity) > 1)
      VG_(dmsg)("pyprofgrind: %s: CPython %u.%u, layout from %s\n", object,
                in->layout.version_hex >> 24, (in->layout.version_hex >> 16) & 0xff,
                in->layout.source);
   return in;
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
             || pg_strcmp(fn, in->layout.eval_function) != 0) {
            if (VG_(clo_verbosity) > 1)
               VG_(dmsg)("pyprofgrind: %s: instruction label %s is in %s, not in %s: "
                         "every dispatch calls the walker\n", in->object, label->name,
                         fn != NULL ? fn : "no function", in->layout.eval_function);
            return;
         }
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
      const HChar *opname = pg_pylayout_opcode_of_label(l, name);
      const HChar *base = opname != NULL ? l->labels[i].base : "";
      Bool is_opcode = opname != NULL;
      SizeT pred_len = pg_strlen(l->predicted_label_prefix);
      PgPyLabel *label;
      UInt b;
      if (pred_len > 0 && pg_strncmp(name, l->predicted_label_prefix, pred_len) == 0) {
         /* A predicted label (PRED_<number>): where PREDICT() jumps from
          * one instruction straight into the next one's handler, a new
          * instruction; where a specialised instruction jumps there to
          * deoptimise, nothing new. */
         UInt number = (UInt)pg_strtoull10(name + pred_len, NULL);
         if (l->predicted_label_starts != 1 || number > 255
             || l->opcode_names[number][0] == 0
             || pg_python_label_at(in, l->labels[i].addr + in->bias) != NULL)
            continue;
         is_opcode = True;
         opname = l->opcode_names[number];
         base = "";
      } else if (!is_opcode && !pg_pylayout_is_control_label(l, name)) {
         continue;
      }
      label = pg_calloc("pg.py.label", 1, sizeof *label);
      label->addr = l->labels[i].addr + in->bias;
      /* Interned: opcode nodes are looked up by the name's address. */
      label->name = pg_fn_intern(is_opcode ? opname : name);
      label->base = base[0] != 0 ? pg_fn_intern(base) : label->name;
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

const PgPyLabel *pg_python_label_at(const PgPyInterp *in, Addr a)
{
   const PgPyLabel *label;
   if (in->labels == NULL)
      return NULL;
   for (label = in->labels[a % in->n_label_buckets]; label; label = label->hash_next)
      if (label->addr == a)
         return label;
   return NULL;
}

/* The length of NAME without the suffix GCC gives the parts it splits
 * off a function ("_PyEval_EvalFrameDefault.cold", ".part.0"). */
static SizeT source_function_length(const HChar *name)
{
   SizeT n = 0;
   while (name[n] != 0 && name[n] != '.')
      n++;
   return n;
}

void pg_python_classify_node(PgNode *node, PtrdiffT bias)
{
   HChar source_name[128];
   SizeT len = source_function_length(node->name);
   PgPyInterp *in;
   UInt i;
   if (!enabled || len == 0 || len >= sizeof source_name)
      return;
   /* A tail-calling build runs each instruction in a function of its own
    * (_TAIL_CALL_<OP>), which its layout names by a pattern: each is a
    * piece of the eval loop, like a ".cold" part.  The eval function,
    * which calls the first of them, has been met before. */
   for (i = 0; i < n_interps; i++) {
      in = interps[i];
      if (in->object == node->obj && in->usable
          && in->layout.tail_call_handlers[0] != '\0'
          && pg_options_glob_match(in->layout.tail_call_handlers, node->name)) {
         node->eval_of = in;
         node->eval_piece = True;
         return;
      }
   }
   pg_memcpy(source_name, node->name, len);
   source_name[len] = 0;
   if (direct_calls && pg_pylayout_known_call_machinery(source_name)) {
      /* Only in an interpreter whose frames are read: elsewhere the calls
       * it passes on lead to no Python node, and the C graph stays whole. */
      in = interp_for_object(node->obj, bias);
      if (in != NULL && in->usable)
         node->call_machinery = True;
   }
   if (!pg_pylayout_known_eval_function(source_name))
      return;
   in = interp_for_object(node->obj, bias);
   if (in == NULL || !in->usable || pg_strcmp(in->layout.eval_function, source_name) != 0)
      return;
   /* The eval function's entry is call machinery too (its loop's cost is
    * the Python frames'); a split-off piece is entered by jumps. */
   if (direct_calls && node->name[len] == 0)
      node->call_machinery = True;
   /* A distro's PGO build runs most of the loop in the ".cold" part: its
    * instruction labels are there (Debian's 3.14: 249 of 252). */
   if (in->labels == NULL) {
      in->bias = bias;
      index_labels(in);
   }
   node->eval_of = in;
   node->eval_piece = node->name[len] != 0;
}

/*------------------------------------------------------------*/
/*--- Reading CPython's frames and code objects            ---*/
/*------------------------------------------------------------*/

/* Each reader is one validated read of a field the layout names; a read
 * that fails gives 0 (no object) or False. */

/* The code object a frame runs (f_code, or f_executable without its tag
 * bits), or 0. */
static Addr frame_code(const PgPyLayout *l, Addr frame)
{
   Addr code;
   if (frame == 0 || !pg_guestmem_read_word(frame + l->frame_code, &code))
      return 0;
   return code & ~(Addr)l->frame_code_tag_mask;
}

/* The frame below FRAME (f_back, previous), or 0. */
static Addr frame_previous(const PgPyLayout *l, Addr frame)
{
   Addr previous;
   return pg_guestmem_read_word(frame + l->frame_back, &previous) ? previous : 0;
}

/* Byte offset in CODE of the instruction FRAME executes, or 0 if unknown:
 * f_lasti in its units (one eval call per frame), or the instruction
 * pointer's distance from the code object's inline code. */
static UInt frame_position(const PgPyLayout *l, Addr frame, Addr code)
{
   if (l->frame_model == PG_FRAMES_PER_CALL) {
      Int lasti;
      if (!pg_guestmem_read_int(frame + l->frame_lasti, &lasti) || lasti < 0)
         return 0;
      return (UInt)lasti * (UInt)l->frame_lasti_unit;
   } else {
      Addr ip, start = code + l->code_code_adaptive;
      if (!pg_guestmem_read_word(frame + l->frame_instr_ptr, &ip) || ip < start)
         return 0;
      return (UInt)(ip - start);
   }
}

/* Whether FRAME belongs to no Python function: a C-stack or interpreter
 * entry frame, found by its owner (3.12+). */
static Bool frame_is_shim(const PgPyLayout *l, Addr frame)
{
   UChar owner;
   return l->frame_owner >= 0
          && pg_guestmem_read(frame + l->frame_owner, &owner, 1)
          && owner >= (UChar)l->frame_owner_cstack;
}

/* Whether FRAME is the first frame its eval call ran (3.11's is_entry). */
static Bool frame_is_entry(const PgPyLayout *l, Addr frame)
{
   UChar entry;
   return l->frame_is_entry >= 0
          && pg_guestmem_read(frame + l->frame_is_entry, &entry, 1) && entry != 0;
}

/* Whether FRAME is the thread's sentinel base frame, below all others. */
static Bool frame_is_base(const PgPyLayout *l, Addr tstate, Addr frame)
{
   return l->tstate_base_frame >= 0 && frame == tstate + (Addr)l->tstate_base_frame;
}

/* Whether FRAME ends the chain of an eval call's Python frames. */
static Bool frame_ends_chain(const PgPyLayout *l, Addr tstate, Addr frame)
{
   return frame == 0 || frame_is_shim(l, frame) || frame_is_base(l, tstate, frame);
}

/* The interpreter frame thread state TSTATE is executing, or 0. */
static Addr thread_current_frame(const PgPyLayout *l, Addr tstate)
{
   Addr frame = 0, cframe;
   if (tstate == 0)
      return 0;
   if (l->tstate_current_frame >= 0) {
      pg_guestmem_read_word(tstate + l->tstate_current_frame, &frame);
   } else if (pg_guestmem_read_word(tstate + l->tstate_cframe, &cframe) && cframe != 0) {
      pg_guestmem_read_word(cframe + l->cframe_current_frame, &frame);
   }
   return frame;
}

/* A code object's pointer field at layout offset OFFSET (co_name,
 * co_filename, ...), or 0 when it is absent or unreadable. */
static Addr code_object_field(Addr code, Int offset)
{
   Addr value;
   return offset >= 0 && pg_guestmem_read_word(code + (Addr)offset, &value) ? value : 0;
}

static Addr code_name(const PgPyLayout *l, Addr code)      { return code_object_field(code, l->code_name); }
static Addr code_qualname(const PgPyLayout *l, Addr code)  { return code_object_field(code, l->code_qualname); }
static Addr code_filename(const PgPyLayout *l, Addr code)  { return code_object_field(code, l->code_filename); }
static Addr code_linetable(const PgPyLayout *l, Addr code) { return code_object_field(code, l->code_linetable); }

/* CODE's co_firstlineno; False if unreadable. */
static Bool code_first_line(const PgPyLayout *l, Addr code, Int *line)
{
   return pg_guestmem_read_int(code + l->code_firstlineno, line);
}

/* The opcode byte at byte OFFSET of CODE's inline code, or -1. */
static Int code_opcode_at(const PgPyLayout *l, Addr code, UInt offset)
{
   UChar opcode;
   if (l->code_code_adaptive < 0
       || !pg_guestmem_read(code + l->code_code_adaptive + offset, &opcode, 1))
      return -1;
   return opcode;
}

/* The size in bytes of CODE's bytecode: its co_code bytes object's, or
 * its own count of inline code units; 0 if unknown. */
static UInt code_size_in_bytes(const PgPyLayout *l, Addr code)
{
   Addr code_bytes, size;
   if (l->code_code >= 0)
      return pg_guestmem_read_word(code + l->code_code, &code_bytes)
             && pg_guestmem_read_word(code_bytes + l->bytes_size, &size) ? (UInt)size : 0;
   if (l->code_ob_size >= 0 && pg_guestmem_read_word(code + l->code_ob_size, &size))
      return (UInt)size * (UInt)l->code_unit_bytes;
   return 0;
}

/*------------------------------------------------------------*/
/*--- Python nodes: one per code identity                  ---*/
/*------------------------------------------------------------*/

/* Characters of a name read from the client in one validated read. */
#define PG_PY_NAME_CHUNK 1024

/* Characters of a name read at most: a longer one is cut anyway, and its
 * hash covers this much (two names equal this far and of equal length
 * would be one).  Bounds the work a hostile name can cause. */
#define PG_PY_NAME_READ_MAX (64 * 1024)

/* Reads a str (3.x) or str/bytes (2.7) object as UTF-8 of any length, cut
 * with a marker past PG_NAMEBUF_KEEP_BYTES (pg_namebuf.h); NULL if it
 * cannot be read.  Every read is validated and bounded. */
static HChar *read_string(const PgPyLayout *l, Addr obj)
{
   PgNameBuf name;
   Addr len, done, data;
   UInt kind;

   if (obj == 0)
      return NULL;
   if (l->string_format == PG_STR_BYTES) {
      if (!pg_guestmem_read_word(obj + l->bytes_size, &len))
         return NULL;
      data = obj + l->bytes_data;
      kind = 1;
   } else {
      UInt state;
      Bool compact, ascii;
      if (!pg_guestmem_read_word(obj + l->unicode_length, &len)
          || !pg_guestmem_read(obj + l->unicode_state, &state, sizeof state))
         return NULL;
      kind = (state >> l->unicode_kind_shift) & 7;
      compact = (state >> l->unicode_compact_shift) & 1;
      ascii = (state >> l->unicode_ascii_shift) & 1;
      if (!compact || (kind != 1 && kind != 2 && kind != 4))
         return NULL;
      data = obj + (ascii ? l->unicode_ascii_data : l->unicode_compact_data);
   }
   /* A length no object can have (negative as a Py_ssize_t) is garbage. */
   if ((Long)len < 0)
      return NULL;

   pg_namebuf_init(&name, PG_NAMEBUF_KEEP_BYTES);
   for (done = 0; done < len && done < PG_PY_NAME_READ_MAX; ) {
      UChar raw[4 * PG_PY_NAME_CHUNK];
      Addr n = len - done, i;
      if (n > PG_PY_NAME_CHUNK)
         n = PG_PY_NAME_CHUNK;
      if (!pg_guestmem_read(data + done * kind, raw, n * kind)) {
         pg_free(pg_namebuf_finish(&name));
         return NULL;
      }
      if (l->string_format == PG_STR_BYTES) {
         pg_namebuf_add_bytes(&name, (const HChar *)raw, n);
      } else {
         for (i = 0; i < n; i++)
            pg_namebuf_add_code_point(&name,
               kind == 1 ? raw[i]
               : kind == 2 ? ((const UShort *)raw)[i] : ((const UInt *)raw)[i]);
      }
      done += n;
   }
   pg_namebuf_skip(&name, len - done);
   return pg_namebuf_finish(&name);
}

/* A copy of a bytes object's contents; NULL if unreadable. */
static UChar *read_bytes(const PgPyLayout *l, Addr obj, UInt *len_out)
{
   Addr len;
   UChar *copy;
   if (obj == 0 || !pg_guestmem_read_word(obj + l->bytes_size, &len) || len > (1u << 24))
      return NULL;
   copy = pg_malloc("pg.py.bytes", len + 1);
   if (len > 0 && !pg_guestmem_read(obj + l->bytes_data, copy, len)) {
      pg_free(copy);
      return NULL;
   }
   *len_out = (UInt)len;
   return copy;
}

/* FILE as an absolute path, on the heap: relative to the client's
 * working directory now, which is the directory the module was found
 * from.  "<string>" and the like stay as they are. */
static HChar *absolute_path(const HChar *file)
{
   HChar cwd[4096];
   HChar *path;
   SSizeT n;
   SizeT size;

   if (file[0] == '/' || file[0] == '<')
      return pg_strdup("pg.py.path", file);
   n = VG_(readlink)("/proc/self/cwd", cwd, sizeof cwd);
   /* A link as long as the buffer may have been cut short. */
   if (n <= 0 || (SizeT)n >= sizeof cwd)
      return pg_strdup("pg.py.path", file);
   cwd[n] = 0;
   if (file[0] == '.' && file[1] == '/')
      file += 2;
   size = (SizeT)n + 1 + pg_strlen(file) + 1;
   path = pg_malloc("pg.py.path", size);
   VG_(snprintf)(path, (Int)size, "%s/%s", cwd, file);
   return path;
}

/* The node a code object address had when last seen, and what is checked
 * before it is trusted again: code objects are freed and their memory
 * reused, often by code of the same name and shape (a loop exec'ing
 * generated code, a module reloaded), so the line table's contents are
 * compared, not only the objects' addresses. */
typedef struct {
   VgHashNode hn;          /* key = code object address */
   PgNode    *node;
   Addr       name_obj;    /* the name the node has: co_qualname (3.11+) or co_name */
   Addr       filename_obj, table_obj;
   Int        first_line;
   UInt       table_len;
   ULong      table_hash;  /* of the line table's bytes */
} CodeEntry;

/* A node of a name and first line that is not the first one of them (see
 * node_for_lines). */
typedef struct {
   VgHashNode hn;          /* key = twin_key(first, lines_hash) */
   PgNode    *first;       /* the first node of the name and first line */
   PgNode    *node;
} TwinEntry;

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

static ULong hash_word(ULong h, ULong w)
{
   UInt i;
   for (i = 0; i < 8; i++, w >>= 8)
      h = (h ^ (w & 0xff)) * FNV_PRIME;
   return h;
}

static ULong hash_bytes(ULong h, const UChar *bytes, SizeT len)
{
   SizeT i;
   for (i = 0; i < len; i++)
      h = (h ^ bytes[i]) * FNV_PRIME;
   return h;
}

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
         return pg_python_line_of(node, new) != pg_python_line_of(node, old);
   return False;
}

/* Whether NAME is the name of anonymous code (<lambda>, <genexpr>,
 * <listcomp>..., also a qualified "f.<locals>.<lambda>"), which is named by
 * its first line too, so that two lambdas of one file stay apart. */
static Bool is_anonymous(const HChar *name)
{
   SizeT len = pg_strlen(name);
   if (name[0] == '<' && pg_strcmp(name, "<module>") != 0)
      return True;
   return len > 8 && pg_strcmp(name + len - 8, "<lambda>") == 0;
}

static void hash_range(void *ctx, UInt start, UInt end, Int line)
{
   ULong *h = ctx;
   *h = hash_word(*h, ((ULong)start << 32) | end);
   *h = hash_word(*h, (ULong)(line > 0 ? line : 0));
}

/* What a node knows of code object CODE's lines: its line table (a copy),
 * bytecode size and the hash of its lines. */
static PgPyCode *read_code_lines(const PgPyLayout *l, Addr code, Int first_line)
{
   PgPyCode *py = pg_calloc("pg.py.code", 1, sizeof *py);
   Addr table_obj = code_linetable(l, code);
   py->format = l->line_format;
   /* 2.7's instructions are 1 or 3 bytes long, later ones 2 (with caches) */
   py->unit_bytes = (UInt)l->code_unit_bytes;
   py->first_line = first_line;
   if (table_obj != 0)
      py->line_table = read_bytes(l, table_obj, &py->line_table_len);
   py->code_size = code_size_in_bytes(l, code);
   /* The lines as offset ranges, not the table's bytes: 3.11+ tables also
    * hold columns, which do not make another node. */
   py->lines_hash = hash_word(FNV_OFFSET, py->code_size);
   if (py->line_table != NULL)
      pg_linetable_ranges(py->format, py->line_table, py->line_table_len,
                          first_line, py->code_size, hash_range, &py->lines_hash);
   return py;
}

static void free_code_lines(PgPyCode *py)
{
   pg_free(py->line_table);
   pg_free(py);
}

static void attach_code_lines(PgNode *node, PgPyCode *py)
{
   mark_lineless(py);
   node->py = py;
   if (py->code_size > 0 && py->code_size <= (1u << 22)) {
      node->dense_shift = py->unit_bytes == 2 ? 1 : 0;
      node->dense_sites = (py->code_size >> node->dense_shift) + 1;
   }
}

static Bool same_lines(const PgPyCode *a, const PgPyCode *b)
{
   return a->code_size == b->code_size && a->lines_hash == b->lines_hash;
}

static UWord twin_key(const PgNode *first, ULong lines_hash)
{
   return (UWord)(lines_hash ^ ((ULong)first->id * 0x9e3779b97f4a7c15ULL));
}

static Word compare_twins(const void *a, const void *b)
{
   const TwinEntry *x = a, *y = b;
   return !(x->first == y->first && same_lines(x->node->py, y->node->py));
}

/* The node of a code object named LABEL (in OBJ, file PATH) whose first
 * line and lines are PY's; takes PY.  One node per code identity: code
 * objects with the same names, first line and lines share a node (the same
 * source compiled again, a module reloaded unchanged: their costs map to
 * the same lines), any other gets its own, so that each keeps its own
 * lines.  Where two would print alike (exec'd or generated code, a module
 * reloaded after an edit), the second is named LABEL#2, the third LABEL#3,
 * in the order they first ran: '#' is no Python identifier character, and
 * Callgrind's own suffix, "'2", means a recursion depth that readers and
 * this project's report fold away. */
static PgNode *node_for_lines(const HChar *obj, const HChar *path, const HChar *label,
                              PgPyCode *py)
{
   SizeT twin_size = pg_strlen(label) + 16;
   HChar *twin_label;
   PgNode *first, *node;
   TwinEntry probe, *twin;
   Bool is_new;

   first = pg_fn_node_d(PG_NODE_PYTHON, obj, path, label, (UInt)py->first_line, &is_new);
   if (is_new) {
      py->twins = 1;
      attach_code_lines(first, py);
      return first;
   }
   if (first->py == NULL || same_lines(first->py, py)) {
      free_code_lines(py);
      return first;
   }
   probe.hn.key = twin_key(first, py->lines_hash);
   probe.first = first;
   probe.node = &(PgNode){ .py = py };
   twin = VG_(HT_gen_lookup)(code_twins, &probe, compare_twins);
   if (twin != NULL) {
      free_code_lines(py);
      return twin->node;
   }
   twin_label = pg_malloc("pg.py.twinlabel", twin_size);
   do {
      first->py->twins++;
      VG_(snprintf)(twin_label, (Int)twin_size, "%s#%u", label, first->py->twins);
      node = pg_fn_node_d(PG_NODE_PYTHON, obj, path, twin_label, (UInt)py->first_line,
                          &is_new);
   } while (!is_new);       /* a code object really named "f#2" */
   pg_free(twin_label);
   attach_code_lines(node, py);
   twin = pg_calloc("pg.py.twin", 1, sizeof *twin);
   twin->hn.key = probe.hn.key;
   twin->first = first;
   twin->node = node;
   VG_(HT_add_node)(code_twins, twin);
   return node;
}

/*------------------------------------------------------------*/
/*--- Module names                                         ---*/
/*------------------------------------------------------------*/

/* A Python node is named "MODULE:QUALNAME", the form of Python's own
 * object references (entry points, pkgutil.resolve_name): the module makes
 * names of different files differ (every "<module>", site.py's "main" and
 * C's), which readers that key functions by name alone need (gprof2dot;
 * KCacheGrind keys by name and the file's last component, so that
 * "<module>" of json/__init__.py and of email/__init__.py would merge),
 * and ':' never stands alone in a C or C++ name.  The module is the file's
 * name without its ".py..." extension, after the names of the enclosing
 * package directories (those with an __init__.py): ".../asyncio/
 * subprocess.py" is "asyncio.subprocess", ".../json/__init__.py" "json";
 * a frozen module "<frozen importlib._bootstrap>" is "importlib._bootstrap";
 * other pseudo-files ("<string>") are their own module.  The module part
 * has no ':' (one in a file name becomes '_'), so a reader splits a name
 * at its first ':' (docs/python.md). */

#define PG_MAX_PACKAGE_DEPTH 32

typedef struct {
   VgHashNode   hn;          /* key: the interned directory path */
   Bool         is_package;
} PackageDirEntry;

static VgHashTable *package_dirs;

/* Whether directory DIR (LEN bytes, no trailing '/') holds an
 * __init__.py; asked of the file system once per directory. */
static Bool is_package_dir(const HChar *dir, SizeT len)
{
   HChar path[4200];
   const HChar *interned;
   PackageDirEntry *e;
   struct vg_stat st;

   if (len == 0 || len + sizeof "/__init__.py" > sizeof path)
      return False;
   pg_memcpy(path, dir, len);
   path[len] = '\0';
   interned = pg_fn_intern(path);
   if (package_dirs == NULL)
      package_dirs = VG_(HT_construct)("pg.py.packages");
   e = VG_(HT_lookup)(package_dirs, (UWord)interned);
   if (e != NULL)
      return e->is_package;
   e = pg_calloc("pg.py.package", 1, sizeof *e);
   e->hn.key = (UWord)interned;
   pg_memcpy(path + len, "/__init__.py", sizeof "/__init__.py");
   e->is_package = !sr_isError(VG_(stat)(path, &st));
   VG_(HT_add_node)(package_dirs, e);
   return e->is_package;
}

/* Writes into OUT (SIZE bytes) the module of source file PATH (absolute,
 * or a pseudo-file "<...>"), by the rule above. */
static void module_of(const HChar *path, HChar *out, SizeT size)
{
   SizeT len = pg_strlen(path), used = 0, i;
   const HChar *parts[PG_MAX_PACKAGE_DEPTH + 1];
   SizeT part_len[PG_MAX_PACKAGE_DEPTH + 1];
   UInt n_parts = 0, k;

   out[0] = '\0';
   if (path[0] == '<') {
      if (len > 9 && pg_strncmp(path, "<frozen ", 8) == 0 && path[len - 1] == '>') {
         parts[0] = path + 8;
         part_len[0] = len - 9;
      } else {
         parts[0] = path;
         part_len[0] = len;
      }
      n_parts = 1;
   } else {
      const HChar *base = VG_(strrchr)(path, '/');
      const HChar *dot;
      SizeT dir_len, stem_len;
      base = base != NULL ? base + 1 : path;
      dir_len = base > path ? (SizeT)(base - path - 1) : 0;
      dot = VG_(strrchr)(base, '.');
      stem_len = dot != NULL && dot > base && pg_strncmp(dot, ".py", 3) == 0
                 ? (SizeT)(dot - base) : pg_strlen(base);
      /* Collected from the file up; reversed below. */
      if (!(stem_len == 8 && pg_strncmp(base, "__init__", 8) == 0)) {
         parts[n_parts] = base;
         part_len[n_parts++] = stem_len;
      }
      while (n_parts < PG_MAX_PACKAGE_DEPTH && is_package_dir(path, dir_len)) {
         const HChar *slash = path + dir_len;
         while (slash > path && slash[-1] != '/')
            slash--;
         parts[n_parts] = slash;
         part_len[n_parts++] = (SizeT)(path + dir_len - slash);
         dir_len = slash > path ? (SizeT)(slash - path - 1) : 0;
      }
      if (n_parts == 0) {           /* an __init__.py outside a package */
         parts[0] = base;
         part_len[0] = stem_len;
         n_parts = 1;
      }
      for (k = 0; k < n_parts / 2; k++) {
         const HChar *p = parts[k];
         SizeT l = part_len[k];
         parts[k] = parts[n_parts - 1 - k];
         part_len[k] = part_len[n_parts - 1 - k];
         parts[n_parts - 1 - k] = p;
         part_len[n_parts - 1 - k] = l;
      }
   }
   for (k = 0; k < n_parts; k++) {
      if (k > 0 && used + 1 < size)
         out[used++] = '.';
      for (i = 0; i < part_len[k] && used + 1 < size; i++)
         out[used++] = parts[k][i] == ':' ? '_' : parts[k][i];
   }
   out[used] = '\0';
}

/* NAME_OBJ: the code's qualified name (3.11+) or name, see node_for_code. */
static PgNode *make_node(const PgPyInterp *in, Addr code, Addr name_obj,
                         Addr filename_obj, Int first_line)
{
   const PgPyLayout *l = &in->layout;
   HChar obj[32], module[1024];
   HChar *name, *file, *path, *label;
   PgNode *node;
   SizeT label_size;

   name = read_string(l, name_obj);
   file = name != NULL ? read_string(l, filename_obj) : NULL;
   if (file == NULL) {
      if (name != NULL)
         pg_free(name);
      return node_for_unknown();
   }
   path = absolute_path(file);
   module_of(path, module, sizeof module);
   label_size = pg_strlen(module) + 1 + pg_strlen(name) + 16;
   label = pg_malloc("pg.py.label", label_size);
   if (is_anonymous(name))
      VG_(snprintf)(label, (Int)label_size, "%s:%s:%d", module, name, first_line);
   else
      VG_(snprintf)(label, (Int)label_size, "%s:%s", module, name);
   VG_(snprintf)(obj, sizeof obj, "[Python %u.%u]", l->version_hex >> 24,
                 (l->version_hex >> 16) & 0xff);
   node = node_for_lines(obj, path, label, read_code_lines(l, code, first_line));
   pg_free(name);
   pg_free(file);
   pg_free(path);
   pg_free(label);
   return node;
}

/* Length and hash of the bytes of line table TABLE_OBJ (0, 0 if
 * unreadable), read in pieces: no allocation on the way. */
static void hash_line_table(const PgPyLayout *l, Addr table_obj, UInt *len_out,
                            ULong *hash_out)
{
   UChar piece[256];
   Addr len, done;
   ULong h = FNV_OFFSET;
   *len_out = 0;
   *hash_out = 0;
   if (table_obj == 0 || !pg_guestmem_read_word(table_obj + l->bytes_size, &len)
       || len > (1u << 24))
      return;
   for (done = 0; done < len; done += sizeof piece) {
      SizeT n = len - done < sizeof piece ? len - done : sizeof piece;
      if (!pg_guestmem_read(table_obj + l->bytes_data + done, piece, n))
         return;
      h = hash_bytes(h, piece, n);
   }
   *len_out = (UInt)len;
   *hash_out = h;
}

/* The node of code object CODE, made on first sight.  An entry cached for
 * this address is checked against the object, as code objects are freed
 * and their memory reused: against the name the node is named by, which
 * from 3.11 is the qualified name (code.replace(co_qualname=...) keeps
 * co_name, file and line). */
static PgNode *node_for_code(const PgPyInterp *in, Addr code)
{
   const PgPyLayout *l = &in->layout;
   CodeEntry *e;
   Addr name_obj = 0, filename_obj, table_obj;
   Int first_line;
   UInt table_len;
   ULong table_hash;

   if (code == 0
       || ((name_obj = code_qualname(l, code)) == 0
           && (name_obj = code_name(l, code)) == 0)
       || (filename_obj = code_filename(l, code)) == 0
       || !code_first_line(l, code, &first_line))
      return node_for_unknown();
   table_obj = code_linetable(l, code);
   hash_line_table(l, table_obj, &table_len, &table_hash);
   e = VG_(HT_lookup)(code_nodes, code);
   if (e != NULL && e->name_obj == name_obj && e->filename_obj == filename_obj
       && e->first_line == first_line && e->table_obj == table_obj
       && e->table_len == table_len && e->table_hash == table_hash)
      return e->node;
   if (e == NULL) {
      e = pg_calloc("pg.py.codeentry", 1, sizeof *e);
      e->hn.key = code;
      VG_(HT_add_node)(code_nodes, e);
   }
   e->node = make_node(in, code, name_obj, filename_obj, first_line);
   e->name_obj = name_obj;
   e->filename_obj = filename_obj;
   e->table_obj = table_obj;
   e->first_line = first_line;
   e->table_len = table_len;
   e->table_hash = table_hash;
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
UInt pg_python_line_of(const PgNode *node, UInt offset)
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

static void push_python(PgThread *th, const PgPyInterp *in, Addr frame,
                        Addr code, Addr sp)
{
   const PgFrame *top = &th->frames[th->depth - 1];
   PgNode *node = node_for_code(in, code);
   PgFrame *f = pg_callstack_push_call(th, top->charge_node, top->charge_site,
                                node, 0, sp);
   f->py_frame = frame;
   f->py_code = code;
   f->py_dispatched = (UInt)-1;
   pg_callstack_index_python(th);

   f->charge_node = node;
   f->charge_site = frame_position(&in->layout, frame, code);
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

void pg_python_eval_entered(PgThread *th, ThreadId tid, PgPyInterp *in)
{
   const PgPyLayout *l = &in->layout;
   PgFrame *eval = &th->frames[th->depth - 1];
   eval->py_interp = in;
   pg_callstack_mark_eval(th);
   eval->py_tstate = read_arg(tid, l->eval_tstate_arg);
   if (l->frame_model == PG_FRAMES_PER_CALL) {
      Addr frame = read_arg(tid, l->eval_frame_arg), code = 0;
      if (frame != 0)
         code = frame_code(l, frame);
      push_python(th, in, frame, code, eval->sp);
   }
}

#define MAX_CHAIN 4096

/* Calling a generator function runs its new frame up to RETURN_GENERATOR,
 * which moves the frame into the generator object; sys.setprofile reports
 * no call for that, only for the generator's resumptions, and so neither
 * do we: a frame leaving at that instruction is not counted. */
static Bool is_return_generator(const PgPyInterp *in, Addr code, UInt offset)
{
   const PgPyLayout *l = &in->layout;
   return l->return_generator_opcode >= 0
          && code_opcode_at(l, code, offset) == l->return_generator_opcode;
}

static void uncount_generator_creation(const PgPyInterp *in, PgFrame *f)
{
   if (f->py_frame != 0 && f->arc != NULL && f->arc->calls > 0
       && is_return_generator(in, f->py_code, (UInt)f->charge_site))
      f->arc->calls--;
}

/* Python frame F of TH leaves the stack, whatever pops it: the walker
 * when the interpreter switches frames, or the return of its eval call.
 * The latter is how a generator made by a call from C leaves on 3.11: its
 * frame is the first of an eval call (is_entry), and RETURN_GENERATOR
 * returns from the eval function at once. */
static void python_frame_leaving(PgThread *th, PgFrame *f)
{
   if (f->eval_below != PG_NO_FRAME && th->frames[f->eval_below].py_interp != NULL)
      uncount_generator_creation(th->frames[f->eval_below].py_interp, f);
}

/* The index of the newest eval C frame of IN on TH's stack, or PG_NO_FRAME:
 * the eval call that blocks of IN's eval loop run in.  Frames know the
 * eval call they run in, so this is one step unless interpreters nest. */
static UInt eval_frame_of(const PgThread *th, const PgPyInterp *in)
{
   UInt eval = pg_callstack_eval_below(th, th->depth);
   while (eval != PG_NO_FRAME && th->frames[eval].py_interp != in)
      eval = pg_callstack_eval_below(th, eval);
   return eval;
}

/* Makes the Python frames above the eval C frame at index EVAL mirror the
 * interpreter's chain ending at CURRENT.  The chain is read from the
 * current frame down only until a frame the shadow stack already has: a
 * call or a return moves one frame, an exception a few; and whether the
 * shadow stack has a frame is a lookup in its index of Python frames, not
 * a scan: so this stays cheap however deep the recursion or the chain of
 * generators delegating to each other (every value a chain of N
 * generators yields takes 2N frame switches).  A frame of an outer eval
 * call ends the chain too: while an eval call returns, the thread state
 * already shows its caller's frames, which are not this call's.  Opcode
 * frames sit between Python frames and go with the Python frame they
 * belong to. */
static void reconcile(PgThread *th, const PgPyInterp *in, UInt eval, Addr current)
{
   static Addr chain[MAX_CHAIN], codes[MAX_CHAIN];
   const PgPyLayout *l = &in->layout;
   const Addr tstate = th->frames[eval].py_tstate;
   UInt n = 0, keep_depth = eval + 1, i;
   Addr f = current;
   Bool found = False;

   while (n < MAX_CHAIN && !frame_ends_chain(l, tstate, f)) {
      Addr code = frame_code(l, f);
      UInt k = pg_callstack_find_python(th, eval + 1, th->depth, f, code);
      if (k != PG_NO_FRAME) {
         keep_depth = k + 1;
         found = True;
         break;
      }
      if (pg_callstack_find_python(th, 0, eval, f, code) != PG_NO_FRAME)
         break;                  /* an outer call's frame */
      chain[n] = f;
      codes[n] = code;
      n++;
      if (frame_is_entry(l, f))
         break;
      f = frame_previous(l, f);
   }
   if (debug_resync) {
      VG_(dmsg)("pyprofgrind: resync at eval frame #%u: interpreter frame %#lx, "
                "%u new frame%s below it, %s\n", eval, current, n,
                n == 1 ? "" : "s", found ? "joins the shadow stack" : "no shadow frame matched");
      pg_callstack_print(th, "before");
   }
   /* The kept frame keeps its instruction's frame: frames called from that
    * instruction are pushed above it, and after they return the
    * instruction goes on until the next one starts. */
   if (found)
      while (keep_depth < th->depth && th->frames[keep_depth].is_opcode)
         keep_depth++;
   while (th->depth > keep_depth)
      pg_callstack_pop(th);
   for (i = n; i > 0; i--)
      push_python(th, in, chain[i - 1], codes[i - 1], th->frames[eval].sp);
   if (debug_resync)
      pg_callstack_print(th, "after");
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

void pg_python_step(PgThread *th, PgPyInterp *in, UInt n_instrs)
{
   const PgPyLayout *l = &in->layout;
   PgFrame *top;
   UInt eval, p, position;

   /* The eval call this block runs in: the newest eval frame of IN. */
   eval = eval_frame_of(th, in);
   if (eval == PG_NO_FRAME)
      return;
   /* C frames above it ended unnoticed: eval-loop code is running. */
   while (th->depth > eval + 1 && th->frames[th->depth - 1].py_frame == 0
          && !th->frames[th->depth - 1].is_opcode)
      pg_callstack_pop(th);

   p = top_python_frame(th, eval);
   if (l->frame_model == PG_FRAMES_IN_EVAL) {
      Addr current = thread_current_frame(l, th->frames[eval].py_tstate);
      /* Most blocks run in the frame already on top, which is a Python
       * frame (a C-stack entry frame is never pushed): one read. */
      if (p == 0 || th->frames[p].py_frame != current) {
         if (frame_ends_chain(l, th->frames[eval].py_tstate, current)) {
            if (th->depth > eval + 1) {
               pg_callstack_charge_dynamic(th);
               reconcile(th, in, eval, 0);
            }
            return;
         }
         pg_callstack_charge_dynamic(th);
         reconcile(th, in, eval, current);
         return;
      }
   }
   if (p == 0)
      return;
   top = &th->frames[p];
   position = frame_position(l, top->py_frame, top->py_code);
   /* An instruction with no line of its own, or one reached by a forward
    * jump into the middle of another line's instructions (2.7's POP_BLOCK
    * after a loop ends, in the range of the loop body's last line), does
    * not make its line run, as the interpreter's own line tracing agrees:
    * its cost stays with the instruction before. */
   if (position == top->charge_site || is_lineless(top->node, position)
       || (l->lines_need_range_start == 1
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
      pg_callstack_charge_dynamic_before(th, n_instrs);
   top->charge_site = position;
}

/* The object ("ob=") under which IN's opcode nodes are written; the
 * report recognises opcode nodes by it, and the family lines of the
 * profile header name it (pg_python_write_opcode_families). */
static void opcode_object_name(const PgPyInterp *in, HChar *obj, SizeT size)
{
   VG_(snprintf)(obj, size, "[Python %u.%u opcodes]",
                 in->layout.version_hex >> 24, (in->layout.version_hex >> 16) & 0xff);
}

/* Opcode nodes, one per (Python node, instruction): "BINARY_OP_ADD_INT in
 * primes".  An instruction node shared by every function would sit in one
 * cycle with all the functions whose CALLs run each other, and its
 * inclusive cost, summed over its callers, would count nested executions
 * (module A's IMPORT_NAME running module B's) more than once.  Per
 * function, a node's callers are that function's frames only, so its
 * inclusive cost is counted once like any recursive function's.  Keyed by
 * the function node and the interned instruction name. */
typedef struct OpcodeNodeEntry {
   const PgNode *function;
   const HChar  *name;
   PgNode       *node;
   struct OpcodeNodeEntry *next;
} OpcodeNodeEntry;

static OpcodeNodeEntry **opcode_nodes;
static UInt opcode_node_buckets, opcode_node_count;

static UInt opcode_node_bucket(const PgNode *function, const HChar *name, UInt buckets)
{
   UWord h = (UWord)function->id * 0x9E3779B1u ^ ((UWord)name >> 3) * 0x85EBCA77u;
   return (UInt)((h ^ (h >> 16)) & (buckets - 1));
}

static void grow_opcode_nodes(void)
{
   UInt new_buckets = opcode_node_buckets == 0 ? 1024 : opcode_node_buckets * 2, b;
   OpcodeNodeEntry **table = pg_calloc("pg.py.opnodes", new_buckets, sizeof *table);
   for (b = 0; b < opcode_node_buckets; b++) {
      OpcodeNodeEntry *e, *next;
      for (e = opcode_nodes[b]; e != NULL; e = next) {
         UInt nb = opcode_node_bucket(e->function, e->name, new_buckets);
         next = e->next;
         e->next = table[nb];
         table[nb] = e;
      }
   }
   if (opcode_nodes != NULL)
      pg_free(opcode_nodes);
   opcode_nodes = table;
   opcode_node_buckets = new_buckets;
}

static PgNode *new_opcode_node(const PgPyInterp *in, const PgPyLabel *label,
                               const PgNode *function, const HChar *opname)
{
   SizeT size = pg_strlen(opname) + pg_strlen(function->name) + 8;
   HChar *name = pg_malloc("pg.py.opname", size);
   HChar obj[48];
   PgNode *node;
   VG_(snprintf)(name, (Int)size, "%s in %s", opname, function->name);
   opcode_object_name(in, obj, sizeof obj);
   /* Under the function's file, so that readers keying functions by name
    * and file tell apart "IMPORT_NAME in <module>" of two modules; its
    * costs sit at the eval loop's C lines, written as inlined there. */
   node = pg_fn_node_d(PG_NODE_OPCODE, obj, function->file, name, function->id, NULL);
   node->opcode_family = label->base;
   pg_free(name);
   return node;
}

static PgNode *opcode_node(const PgPyInterp *in, PgPyLabel *label, const PgNode *function)
{
   const HChar *opname = opcode_mode == PG_OPCODES_BASE ? label->base : label->name;
   OpcodeNodeEntry *e;
   UInt b;
   /* Loops run one function's instructions over and over. */
   if (label->opcode_function == function && label->opcode != NULL)
      return label->opcode;
   if (opcode_node_count >= opcode_node_buckets)
      grow_opcode_nodes();
   b = opcode_node_bucket(function, opname, opcode_node_buckets);
   for (e = opcode_nodes[b]; e != NULL; e = e->next)
      if (e->function == function && e->name == opname)
         break;
   if (e == NULL) {
      e = pg_malloc("pg.py.opnode", sizeof *e);
      e->function = function;
      e->name = opname;
      e->node = new_opcode_node(in, label, function, opname);
      e->next = opcode_nodes[b];
      opcode_nodes[b] = e;
      opcode_node_count++;
   }
   label->opcode = e->node;
   label->opcode_function = function;
   return e->node;
}

/* Whether Python frame F, at position OFFSET, is past the last
 * instruction counted on it, which has left the frame, rather than at
 * LABEL's instruction, whose first block left it.  3.15's YIELD_VALUE
 * stores the position of the instruction after it only after its label
 * was met (the label saw the previous instruction's), then switches to
 * the consumer: when the consumer's next instruction starts, the
 * generator's position is one code unit past its YIELD_VALUE, not the
 * position it was counted at.  Where LABEL's own first block left the
 * frame, the position is at LABEL's instruction (3.12's YIELD_VALUE, which
 * may directly follow the last one) or just past it (3.14's). */
static Bool moved_past_last_instruction(const PgPyInterp *in, const PgFrame *f,
                                        UInt offset, const PgPyLabel *label)
{
   const PgPyLayout *l = &in->layout;
   UInt unit = (UInt)l->code_unit_bytes;
   Int before, at;
   if (f->py_last_op == NULL || unit == 0 || offset < unit)
      return False;
   before = code_opcode_at(l, f->py_code, offset - unit);
   at = code_opcode_at(l, f->py_code, offset);
   return before >= 0 && at >= 0
          && pg_strcmp(l->opcode_names[before], f->py_last_op) == 0
          && pg_strcmp(l->opcode_names[at], label->name) != 0;
}

void pg_python_at_label(PgThread *th, PgPyInterp *in, PgPyLabel *label,
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
      eval = eval_frame_of(th, in) + 1;     /* 0 if there is none */
      p = eval > 0 ? top_python_frame(th, eval - 1) : 0;
      if (eval > 0 && p == 0 && l->frame_model == PG_FRAMES_IN_EVAL) {
         /* The first instruction of an eval call (a function called from
          * C, a generator resumed from C) may be dispatched before any
          * label block has shown the walker its frame: GCC copies the
          * start of start_frame into the entry of Debian's 3.14 and jumps
          * into the middle of its block, past the label.  Bring the
          * frames up to date first, so that the instruction is counted
          * on the frame it starts. */
         pg_python_step(th, in, n_instrs);
         th->dyn_hold = n_instrs;
         p = top_python_frame(th, eval - 1);
      }
      if (p != 0) {
         PgFrame *py = &th->frames[p];
         UInt position = frame_position(l, py->py_frame, py->py_code);
         Bool current_is_top = True, again;
         if (l->frame_model == PG_FRAMES_IN_EVAL) {
            Addr cur = thread_current_frame(l, th->frames[eval - 1].py_tstate);
            current_is_top = cur == py->py_frame;
            if (!current_is_top
                && (position == py->py_dispatched
                    || is_return_generator(in, py->py_code, py->py_dispatched)
                    || moved_past_last_instruction(in, py, position, label))) {
               /* The frame on top finished before this instruction (no
                * label between its return and here): this instruction is
                * its caller's, so bring the frames up to date first.
                * (Else the frame on top started this instruction, whose
                * first block left it: RETURN_VALUE, YIELD_VALUE.)  A
                * frame that ran RETURN_GENERATOR is gone too, though that
                * instruction moved its position on (3.13), and so is one
                * whose last instruction moved its position past itself
                * after its label (3.15's YIELD_VALUE). */
               pg_python_step(th, in, n_instrs);
               th->dyn_hold = n_instrs;
               p = top_python_frame(th, eval - 1);
               if (p == 0) {
                  th->dyn_hold = 0;
                  th->label_continues = continues;
                  return;
               }
               py = &th->frames[p];
               position = frame_position(l, py->py_frame, py->py_code);
               current_is_top = True;
            }
         }
         /* A re-dispatch is of the same instruction family (FOR_ITER
          * specialised into FOR_ITER_GEN).  Another family at the same
          * position is a new instruction whose handler does not store the
          * instruction pointer: 3.14's END_FOR, which a generator driven by
          * FOR_ITER_GEN returns into, still shows the FOR_ITER. */
         again = l->frame_model == PG_FRAMES_IN_EVAL && current_is_top
                 && position == py->py_dispatched && th->depth > p + 1
                 && th->frames[th->depth - 1].is_opcode
                 && th->frames[th->depth - 1].node != NULL
                 && th->frames[th->depth - 1].node->opcode_family == label->base;
         py->py_dispatched = position;
         py->py_last_op = label->name;
         if (p == th->depth - 1)
            pg_callstack_charge_dynamic(th);
         if (!is_lineless(py->node, position))
            py->charge_site = position;
         while (th->depth > p + 1) {
            /* An instruction dispatched again at the same place (3.11+
             * specialising itself, or failing a guard) is one execution. */
            if (again && th->frames[th->depth - 1].arc != NULL
                && th->frames[th->depth - 1].arc->calls > 0)
               th->frames[th->depth - 1].arc->calls--;
            pg_callstack_pop(th);     /* the previous instruction's frame */
         }
         py = &th->frames[p];
         f = pg_callstack_push_call(th, py->charge_node, py->charge_site,
                             opcode_node(in, label, py->charge_node), label->addr,
                             py->sp);
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
   pg_python_step(th, in, n_instrs);
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

void pg_python_write_opcode_families(PgWriter *w)
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
         const HChar *opname = pg_pylayout_opcode_of_label(&in->layout, label->name);
         HChar line[48 + 2 * sizeof label->name + 32];
         if (opname == NULL || opname[0] == 0)
            continue;
         VG_(snprintf)(line, sizeof line, "pyprofgrind opcode-family %s %s %s", obj,
                       opname, label->base[0] != 0 ? label->base : opname);
         pg_writer_comment(w, line);
      }
   }
}
