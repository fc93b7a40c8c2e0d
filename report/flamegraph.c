/* flamegraph.c: folded stacks to an interactive SVG flame graph (see
 * flamegraph.h).
 *
 * The stacks are merged into a tree (a frame is a child of the frame
 * before it on the same stack: equal names under one parent are one
 * frame), each frame's width is its inclusive count, children are laid
 * out left to right in name order from their parent's left edge, and the
 * root ("all") spans the total.  Frames are drawn root at the bottom.
 * Every frame's <g> carries its position and count in instructions
 * (data-x, data-n) and its depth (data-d), from which the script zooms
 * and sums searched frames exactly.  Opened as FILE.svg?s=REGEX the
 * graph starts with that search, as FILE.svg?z=REGEX zoomed into the
 * widest frame whose name matches.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"

#define NO_NODE ((size_t)-1)

typedef struct {
   char              *name;      /* as read; no NUL, ';' or newline inside */
   size_t             parent;    /* NO_NODE for the root */
   size_t             first_child, n_children;   /* into FgTree.children */
   unsigned long long total, self, x;
   unsigned           depth;
} FgNode;

struct FgTree {
   FgNode            *nodes;
   size_t             count, capacity;
   size_t            *slots;     /* open addressing: node index + 1, 0 empty */
   size_t             mask;
   size_t            *children;  /* every node's children, in name order */
   unsigned long long total;
};

static void *xmalloc(size_t n)
{
   void *p = malloc(n ? n : 1);
   if (p == NULL) {
      fprintf(stderr, "pyprofgrind-report: out of memory\n");
      exit(2);
   }
   return p;
}

static void *xcalloc(size_t n, size_t size)
{
   void *p = calloc(n ? n : 1, size ? size : 1);
   if (p == NULL) {
      fprintf(stderr, "pyprofgrind-report: out of memory\n");
      exit(2);
   }
   return p;
}

static uint64_t hash_frame(size_t parent, const char *name, size_t len)
{
   uint64_t h = 1469598103934665603ull ^ ((uint64_t)parent * 0x9e3779b97f4a7c15ull);
   size_t i;
   for (i = 0; i < len; i++) {
      h ^= (unsigned char)name[i];
      h *= 1099511628211ull;
   }
   return h ^ (h >> 31);
}

static void grow_slots(FgTree *t)
{
   size_t size = t->slots == NULL ? 1024 : (t->mask + 1) * 2, i;
   free(t->slots);
   t->slots = xcalloc(size, sizeof(size_t));
   t->mask = size - 1;
   for (i = 0; i < t->count; i++) {
      const FgNode *n = &t->nodes[i];
      size_t s = hash_frame(n->parent, n->name, strlen(n->name)) & t->mask;
      while (t->slots[s] != 0)
         s = (s + 1) & t->mask;
      t->slots[s] = i + 1;
   }
}

static size_t node_for(FgTree *t, size_t parent, const char *name, size_t len)
{
   size_t s, e;
   FgNode *n;

   if (t->slots == NULL || 2 * (t->count + 1) > t->mask + 1)
      grow_slots(t);
   for (s = hash_frame(parent, name, len) & t->mask; (e = t->slots[s]) != 0;
        s = (s + 1) & t->mask) {
      n = &t->nodes[e - 1];
      if (n->parent == parent && strncmp(n->name, name, len) == 0 && n->name[len] == 0)
         return e - 1;
   }
   if (t->count == t->capacity) {
      t->capacity = t->capacity ? t->capacity * 2 : 1024;
      t->nodes = realloc(t->nodes, t->capacity * sizeof(FgNode));
      if (t->nodes == NULL) {
         fprintf(stderr, "pyprofgrind-report: out of memory\n");
         exit(2);
      }
   }
   n = &t->nodes[t->count];
   memset(n, 0, sizeof *n);
   n->name = xmalloc(len + 1);
   memcpy(n->name, name, len);
   n->name[len] = 0;
   n->parent = parent;
   n->depth = parent == NO_NODE ? 0 : t->nodes[parent].depth + 1;
   t->slots[s] = ++t->count;
   return t->count - 1;
}

static void set_error(char *err, size_t err_len, const char *name, size_t line,
                      const char *format, ...)
{
   va_list args;
   int n = line ? snprintf(err, err_len, "%s:%zu: ", name, line)
                : snprintf(err, err_len, "%s: ", name);
   if (n < 0 || (size_t)n >= err_len)
      return;
   va_start(args, format);
   vsnprintf(err + n, err_len - (size_t)n, format, args);
   va_end(args);
}

static const FgNode *sort_base;

static int cmp_children(const void *pa, const void *pb)
{
   const FgNode *a = &sort_base[*(const size_t *)pa], *b = &sort_base[*(const size_t *)pb];
   return strcmp(a->name, b->name);
}

/* Children lists in name order, and every frame's left edge. */
static void lay_out(FgTree *t)
{
   size_t *fill = xcalloc(t->count, sizeof(size_t));
   size_t i, k, start = 0;

   for (i = 1; i < t->count; i++)
      t->nodes[t->nodes[i].parent].n_children++;
   for (i = 0; i < t->count; i++) {
      t->nodes[i].first_child = start;
      start += t->nodes[i].n_children;
   }
   t->children = xmalloc((t->count + 1) * sizeof(size_t));
   for (i = 1; i < t->count; i++) {
      FgNode *p = &t->nodes[t->nodes[i].parent];
      t->children[p->first_child + fill[t->nodes[i].parent]++] = i;
   }
   free(fill);
   sort_base = t->nodes;
   /* A parent is made before its children: its left edge is known when
    * its children are placed. */
   for (i = 0; i < t->count; i++) {
      FgNode *n = &t->nodes[i];
      unsigned long long x = n->x;
      qsort(t->children + n->first_child, n->n_children, sizeof(size_t), cmp_children);
      for (k = 0; k < n->n_children; k++) {
         FgNode *c = &t->nodes[t->children[n->first_child + k]];
         c->x = x;
         x += c->total;
      }
   }
}

FgTree *fg_parse_folded(const char *text, size_t len, const char *name,
                        char *err, size_t err_len)
{
   FgTree *t = xcalloc(1, sizeof *t);
   size_t pos = 0, line = 0, stacks = 0;

   node_for(t, NO_NODE, "all", 3);
   while (pos < len) {
      const char *start = text + pos, *end, *space, *p, *frame;
      const char *nl = memchr(start, '\n', len - pos);
      unsigned long long count = 0;
      size_t node = 0;

      end = nl != NULL ? nl : text + len;
      pos = (size_t)(end - text) + (nl != NULL);
      line++;
      if (end > start && end[-1] == '\r')
         end--;
      if (end == start)
         continue;
      if (memchr(start, '\0', (size_t)(end - start)) != NULL) {
         set_error(err, err_len, name, line, "a NUL byte: not a folded-stacks file");
         goto fail;
      }
      for (space = end; space > start && space[-1] != ' '; space--)
         ;
      if (space == start || space == end) {
         set_error(err, err_len, name, line,
                   "expected 'frame;frame;... COUNT' (stack, one space, a count)");
         goto fail;
      }
      for (p = space; p < end; p++) {
         unsigned digit;
         if (*p < '0' || *p > '9') {
            set_error(err, err_len, name, line,
                      "the count '%.*s' is not a whole number", (int)(end - space > 40 ? 40 : end - space), space);
            goto fail;
         }
         digit = (unsigned)(*p - '0');
         if (count > (ULLONG_MAX - digit) / 10) {
            set_error(err, err_len, name, line, "the count does not fit in 64 bits");
            goto fail;
         }
         count = count * 10 + digit;
      }
      end = space - 1;           /* the stack */
      if (end == start) {
         set_error(err, err_len, name, line, "an empty stack before the count");
         goto fail;
      }
      if (t->total + count < t->total) {
         set_error(err, err_len, name, line, "the counts add up to more than 64 bits hold");
         goto fail;
      }
      /* Check every frame before counting any. */
      for (frame = start; frame <= end; ) {
         const char *semi = memchr(frame, ';', (size_t)(end - frame));
         const char *frame_end = semi != NULL ? semi : end;
         if (frame_end == frame) {
            set_error(err, err_len, name, line, "an empty frame in the stack (';;', or ';' at an end)");
            goto fail;
         }
         if (semi == NULL)
            break;
         frame = semi + 1;
         if (frame == end) {
            set_error(err, err_len, name, line, "an empty frame in the stack (';;', or ';' at an end)");
            goto fail;
         }
      }
      stacks++;
      if (count == 0)
         continue;
      t->total += count;
      t->nodes[0].total += count;
      for (frame = start; ; ) {
         const char *semi = memchr(frame, ';', (size_t)(end - frame));
         const char *frame_end = semi != NULL ? semi : end;
         node = node_for(t, node, frame, (size_t)(frame_end - frame));
         t->nodes[node].total += count;
         if (semi == NULL)
            break;
         frame = semi + 1;
      }
      t->nodes[node].self += count;
   }
   if (stacks == 0) {
      set_error(err, err_len, name, 0, "no stacks: an empty folded-stacks file");
      goto fail;
   }
   lay_out(t);
   return t;
fail:
   fg_free(t);
   return NULL;
}

FgTree *fg_read_folded(const char *path, char *err, size_t err_len)
{
   FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
   char *text = NULL;
   size_t len = 0, cap = 0;
   FgTree *t;

   if (in == NULL) {
      set_error(err, err_len, path, 0, "cannot open: %s", strerror(errno));
      return NULL;
   }
   for (;;) {
      size_t n;
      if (cap - len < 65536) {
         cap = cap ? cap * 2 : 1 << 20;
         text = realloc(text, cap);
         if (text == NULL) {
            fprintf(stderr, "pyprofgrind-report: out of memory\n");
            exit(2);
         }
      }
      n = fread(text + len, 1, cap - len, in);
      len += n;
      if (n == 0)
         break;
   }
   if (ferror(in)) {
      set_error(err, err_len, path, 0, "cannot read: %s", strerror(errno));
      if (in != stdin)
         fclose(in);
      free(text);
      return NULL;
   }
   if (in != stdin)
      fclose(in);
   t = fg_parse_folded(text, len, path, err, err_len);
   free(text);
   return t;
}

unsigned long long fg_total(const FgTree *tree) { return tree->total; }

size_t fg_frame_count(const FgTree *tree) { return tree->count; }

void fg_free(FgTree *tree)
{
   size_t i;
   if (tree == NULL)
      return;
   for (i = 0; i < tree->count; i++)
      free(tree->nodes[i].name);
   free(tree->nodes);
   free(tree->slots);
   free(tree->children);
   free(tree);
}

/*------------------------------------------------------------*/
/*--- Kinds and colours                                    ---*/
/*------------------------------------------------------------*/

FgKind fg_kind_of(const char *frame)
{
   size_t len = strlen(frame);
   const char *p;

   if (len >= 2 && frame[0] == '[' && frame[len - 1] == ']')
      return FG_MARKER;
   if (len > 9 && strcmp(frame + len - 9, " [opcode]") == 0)
      return FG_OPCODE;
   /* "NAME (FILE:LINE)": digits, then ':' before the final ')'. */
   if (len >= 6 && frame[len - 1] == ')') {
      p = frame + len - 2;
      while (p > frame && *p >= '0' && *p <= '9')
         p--;
      if (p < frame + len - 2 && *p == ':' && strstr(frame, " (") != NULL
          && strstr(frame, " (") < p)
         return FG_PYTHON;
   }
   return FG_C;
}

static void colour_of(const char *name, FgKind kind, char *out, size_t size)
{
   uint64_t h = hash_frame(0, name, strlen(name));
   double a = (double)(h & 0xff) / 255.0, b = (double)((h >> 8) & 0xff) / 255.0,
          c = (double)((h >> 16) & 0xff) / 255.0;
   int r, g, bl;

   switch (kind) {
   case FG_PYTHON:               /* blues and greens */
      r = 40 + (int)(70 * a);
      g = 150 + (int)(80 * b);
      bl = 190 + (int)(60 * c);
      break;
   case FG_OPCODE:               /* violets */
      r = 160 + (int)(50 * a);
      g = 120 + (int)(50 * b);
      bl = 220 + (int)(35 * c);
      break;
   case FG_MARKER:               /* greys */
      r = g = bl = 175 + (int)(40 * a);
      break;
   default:                      /* C: reds, oranges and yellows */
      r = 215 + (int)(40 * a);
      g = 90 + (int)(140 * b);
      bl = 40 + (int)(50 * c);
      break;
   }
   snprintf(out, size, "rgb(%d,%d,%d)", r, g, bl);
}

/*------------------------------------------------------------*/
/*--- Text for XML                                         ---*/
/*------------------------------------------------------------*/

/* The length of the well-formed UTF-8 sequence at S (of at most N bytes)
 * of a character XML allows, or 0. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
   unsigned long cp;
   size_t len, i;

   if (s[0] < 0x80)
      return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0;
   if (s[0] >= 0xc2 && s[0] <= 0xdf) { len = 2; cp = s[0] & 0x1f; }
   else if (s[0] >= 0xe0 && s[0] <= 0xef) { len = 3; cp = s[0] & 0x0f; }
   else if (s[0] >= 0xf0 && s[0] <= 0xf4) { len = 4; cp = s[0] & 0x07; }
   else return 0;
   if (len > n)
      return 0;
   for (i = 1; i < len; i++) {
      if ((s[i] & 0xc0) != 0x80)
         return 0;
      cp = cp << 6 | (s[i] & 0x3f);
   }
   if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
       || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff
       || (cp >= 0x80 && cp < 0xa0))
      return 0;
   return len;
}

/* A copy of NAME that XML accepts: bytes that are not well-formed UTF-8
 * of an allowed character, and control characters, as "\xHH". */
static char *xml_safe(const char *name)
{
   const unsigned char *s = (const unsigned char *)name;
   size_t n = strlen(name), i = 0, o = 0;
   char *out = xmalloc(4 * n + 1);

   while (i < n) {
      size_t len = utf8_char(s + i, n - i);
      if (len == 0) {
         o += (size_t)sprintf(out + o, "\\x%02x", s[i]);
         i++;
      } else {
         memcpy(out + o, s + i, len);
         o += len;
         i += len;
      }
   }
   out[o] = 0;
   return out;
}

static void put_escaped(FILE *out, const char *s, size_t len)
{
   size_t i;
   for (i = 0; i < len; i++) {
      switch (s[i]) {
      case '&': fputs("&amp;", out); break;
      case '<': fputs("&lt;", out); break;
      case '>': fputs("&gt;", out); break;
      case '"': fputs("&quot;", out); break;
      default: fputc(s[i], out); break;
      }
   }
}

static const char *with_commas(unsigned long long v, char *buf)
{
   char digits[32];
   int n = snprintf(digits, sizeof digits, "%llu", v), i, o = 0;
   for (i = 0; i < n; i++) {
      if (i > 0 && (n - i) % 3 == 0)
         buf[o++] = ',';
      buf[o++] = digits[i];
   }
   buf[o] = 0;
   return buf;
}

/* Bytes of the first CHARS characters of UTF-8 text S (its length if it
 * has fewer), and in *FITS whether it has no more than CHARS. */
static size_t prefix_chars(const char *s, size_t chars, int *fits)
{
   size_t i = 0, seen = 0;
   while (s[i] != 0) {
      if (((unsigned char)s[i] & 0xc0) != 0x80) {
         if (seen == chars) {
            *fits = 0;
            return i;
         }
         seen++;
      }
      i++;
   }
   *fits = 1;
   return i;
}

/*------------------------------------------------------------*/
/*--- The SVG                                              ---*/
/*------------------------------------------------------------*/

#define WIDTH        1200
#define XPAD         10
#define FRAME_HEIGHT 16
#define TOP          84
#define BOTTOM       34
#define CHAR_WIDTH   7.0
#define MIN_WIDTH    0.1

/* The script: it reads every frame's data-x, data-n, data-d and title,
 * and only moves, hides and recolours the frames the file holds. */
static const char script[] =
"\"use strict\";\n"
"var W = " "1180" ", XPAD = " "10" ", CHAR = 7;\n"
"var frames = [], root = null, zoomed = null, details, unzoomButton, matched, searchBox;\n"
"function commas(n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, \",\"); }\n"
"function label(f, width) {\n"
"  var fit = Math.floor((width - 6) / CHAR);\n"
"  if (fit < 3) return \"\";\n"
"  return f.name.length <= fit ? f.name : f.name.substr(0, fit - 2) + \"..\";\n"
"}\n"
"function place(f, left, width) {\n"
"  f.rect.setAttribute(\"x\", (XPAD + left).toFixed(2));\n"
"  f.rect.setAttribute(\"width\", Math.max(width - 0.5, 0.1).toFixed(2));\n"
"  f.text.setAttribute(\"x\", (XPAD + left + 3).toFixed(2));\n"
"  f.text.textContent = label(f, width);\n"
"  f.g.style.display = \"\";\n"
"}\n"
"function zoom(z) {\n"
"  zoomed = z;\n"
"  unzoomButton.style.display = z === root ? \"none\" : \"\";\n"
"  for (var i = 0; i < frames.length; i++) {\n"
"    var f = frames[i];\n"
"    if (f.d < z.d && f.x <= z.x && z.x < f.x + f.n) {\n"
"      place(f, 0, W);\n"
"      f.g.setAttribute(\"class\", \"f above\");\n"
"    } else if (f.d >= z.d && f.x >= z.x && f.x < z.x + z.n && f.n * W / z.n >= 0.1) {\n"
"      place(f, (f.x - z.x) * W / z.n, f.n * W / z.n);\n"
"      f.g.setAttribute(\"class\", \"f\");\n"
"    } else {\n"
"      f.g.style.display = \"none\";\n"
"    }\n"
"  }\n"
"}\n"
"function show(f) { details.textContent = f.info.replace(\"\\n\", \": \"); }\n"
"function search(term) {\n"
"  var re = null, spans = [], i, sum = 0, end = -1;\n"
"  if (term !== \"\") {\n"
"    try { re = new RegExp(term); }\n"
"    catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\\]\\\\]/g, \"\\\\$&\")); }\n"
"  }\n"
"  for (i = 0; i < frames.length; i++) {\n"
"    var f = frames[i], hit = re !== null && re.test(f.name);\n"
"    f.rect.setAttribute(\"fill\", hit ? \"rgb(230,0,230)\" : f.fill);\n"
"    if (hit) spans.push([f.x, f.x + f.n]);\n"
"  }\n"
"  if (re === null) { matched.textContent = \"\"; return; }\n"
"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
"  for (i = 0; i < spans.length; i++) {\n"
"    if (spans[i][0] >= end) { sum += spans[i][1] - spans[i][0]; end = spans[i][1]; }\n"
"    else if (spans[i][1] > end) { sum += spans[i][1] - end; end = spans[i][1]; }\n"
"  }\n"
"  matched.textContent = \"Matched: \" + (100 * sum / root.n).toFixed(2) + \"% (\" + commas(sum)\n"
"    + \" of \" + commas(root.n) + \" instructions)\";\n"
"}\n"
"function init() {\n"
"  var gs = document.getElementsByTagName(\"g\");\n"
"  for (var i = 0; i < gs.length; i++) {\n"
"    var g = gs[i];\n"
"    if (!g.hasAttribute(\"data-n\")) continue;\n"
"    var f = { g: g, x: Number(g.getAttribute(\"data-x\")), n: Number(g.getAttribute(\"data-n\")),\n"
"              d: Number(g.getAttribute(\"data-d\")), rect: g.getElementsByTagName(\"rect\")[0],\n"
"              text: g.getElementsByTagName(\"text\")[0],\n"
"              info: g.getElementsByTagName(\"title\")[0].textContent };\n"
"    f.name = f.info.split(\"\\n\")[0];\n"
"    f.fill = f.rect.getAttribute(\"fill\");\n"
"    if (f.d === 0) root = f;\n"
"    frames.push(f);\n"
"    g.addEventListener(\"mouseover\", show.bind(null, f));\n"
"    g.addEventListener(\"mouseout\", function () { details.textContent = \"\"; });\n"
"    g.addEventListener(\"click\", zoom.bind(null, f));\n"
"  }\n"
"  details = document.getElementById(\"details\");\n"
"  matched = document.getElementById(\"matched\");\n"
"  unzoomButton = document.getElementById(\"unzoom\");\n"
"  unzoomButton.addEventListener(\"click\", function () { zoom(root); });\n"
"  searchBox = document.getElementById(\"search\");\n"
"  searchBox.addEventListener(\"input\", function () { search(searchBox.value); });\n"
"  document.addEventListener(\"keydown\", function (e) {\n"
"    if ((e.ctrlKey || e.metaKey) && e.key === \"f\") { e.preventDefault(); searchBox.focus(); }\n"
"    else if (e.key === \"Escape\") { searchBox.value = \"\"; search(\"\"); zoom(root); }\n"
"  });\n"
"  var q = /[?&]s=([^&]*)/.exec(window.location.search || \"\");\n"
"  if (q) { searchBox.value = decodeURIComponent(q[1]); search(searchBox.value); }\n"
"  var z = /[?&]z=([^&]*)/.exec(window.location.search || \"\"), best = null;\n"
"  if (z) {\n"
"    var zre = new RegExp(decodeURIComponent(z[1]));\n"
"    for (i = 0; i < frames.length; i++)\n"
"      if (zre.test(frames[i].name) && (best === null || frames[i].n > best.n)) best = frames[i];\n"
"    if (best !== null) zoom(best);\n"
"  }\n"
"}\n"
"window.addEventListener(\"load\", init);\n";

int fg_write_svg(const FgTree *t, const char *title, FILE *out)
{
   const double span = WIDTH - 2 * XPAD;
   unsigned max_depth = 0, height;
   size_t i;
   char a[32], b[32], colour[48], *safe_title;

   for (i = 0; i < t->count; i++)
      if ((double)t->nodes[i].total * span / (double)t->total >= MIN_WIDTH
          && t->nodes[i].depth > max_depth)
         max_depth = t->nodes[i].depth;
   height = TOP + (max_depth + 1) * FRAME_HEIGHT + BOTTOM;

   fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
   fprintf(out, "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                "height=\"%u\" viewBox=\"0 0 %d %u\">\n", WIDTH, height, WIDTH, height);
   fprintf(out, "<!-- flame graph by pyprofgrind-report: %llu instructions in %zu frames -->\n",
           t->total, t->count);
   fprintf(out, "<style>\n"
                "text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
                "g.f { cursor: pointer; }\n"
                "g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
                "g.above rect { opacity: 0.5; }\n"
                "#title { font-size: 17px; }\n"
                "#unzoom { cursor: pointer; fill: rgb(0,0,160); }\n"
                "</style>\n");
   fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n", script);
   fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"rgb(248,248,244)\"/>\n",
           WIDTH, height);
   safe_title = xml_safe(title);
   fprintf(out, "<text id=\"title\" x=\"%d\" y=\"26\" text-anchor=\"middle\">", WIDTH / 2);
   put_escaped(out, safe_title, strlen(safe_title));
   fprintf(out, "</text>\n");
   free(safe_title);
   /* The legend, the zoom reset and the search box. */
   {
      static const struct { FgKind kind; const char *sample, *label; } legend[] = {
         { FG_PYTHON, "f (x.py:1)", "Python" },
         { FG_C, "f", "C" },
         { FG_OPCODE, "f [opcode]", "bytecode instruction" },
         { FG_MARKER, "[f]", "thread, signal, folded" },
      };
      int x = XPAD;
      for (i = 0; i < sizeof legend / sizeof legend[0]; i++) {
         colour_of(legend[i].sample, legend[i].kind, colour, sizeof colour);
         fprintf(out, "<rect x=\"%d\" y=\"42\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                      "<text x=\"%d\" y=\"53\">%s</text>\n",
                 x, colour, x + 16, legend[i].label);
         x += 40 + 6 * (int)strlen(legend[i].label);
      }
      fprintf(out, "<text id=\"unzoom\" x=\"%d\" y=\"72\" style=\"display:none\">"
                   "Reset zoom</text>\n", XPAD);
      fprintf(out, "<foreignObject x=\"%d\" y=\"36\" width=\"330\" height=\"28\">"
                   "<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"search\" "
                   "placeholder=\"Search (regular expression; Ctrl+F)\" "
                   "style=\"width:310px;font:12px Verdana,sans-serif\"/></foreignObject>\n",
              WIDTH - XPAD - 330);
      fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"72\" text-anchor=\"end\"></text>\n",
              WIDTH - XPAD);
      fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%u\"></text>\n", XPAD, height - 12);
   }

   fprintf(out, "<g id=\"frames\">\n");
   for (i = 0; i < t->count; i++) {
      const FgNode *n = &t->nodes[i];
      double left = (double)n->x * span / (double)t->total;
      double width = (double)n->total * span / (double)t->total;
      unsigned y = TOP + (max_depth - n->depth) * FRAME_HEIGHT;
      char *safe;
      size_t fit, cut;
      int fits;

      if (width < MIN_WIDTH)
         continue;
      safe = xml_safe(n->name);
      colour_of(n->name, i == 0 ? FG_MARKER : fg_kind_of(n->name), colour, sizeof colour);
      fprintf(out, "<g class=\"f\" data-x=\"%llu\" data-n=\"%llu\" data-d=\"%u\"><title>",
              n->x, n->total, n->depth);
      put_escaped(out, safe, strlen(safe));
      fprintf(out, "\n%s instructions (%.2f%%), self %s (%.2f%%)</title>",
              with_commas(n->total, a), 100.0 * (double)n->total / (double)t->total,
              with_commas(n->self, b), 100.0 * (double)n->self / (double)t->total);
      fprintf(out, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%d\" fill=\"%s\" rx=\"2\"/>",
              XPAD + left, y, width - 0.5 > 0.1 ? width - 0.5 : 0.1, FRAME_HEIGHT - 1, colour);
      fprintf(out, "<text x=\"%.2f\" y=\"%u\">", XPAD + left + 3, y + FRAME_HEIGHT - 4);
      fit = width > 6 ? (size_t)((width - 6) / CHAR_WIDTH) : 0;
      if (fit >= 3) {
         cut = prefix_chars(safe, fit, &fits);
         if (fits) {
            put_escaped(out, safe, cut);
         } else {
            put_escaped(out, safe, prefix_chars(safe, fit - 2, &fits));
            fputs("..", out);
         }
      }
      fprintf(out, "</text></g>\n");
      free(safe);
   }
   fprintf(out, "</g>\n</svg>\n");
   return ferror(out) ? -1 : 0;
}
