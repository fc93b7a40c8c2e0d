/* flamegraph.h: folded stacks ("frame;frame;frame count" lines, as
 * pyprofgrind --folded-stacks=yes writes them, and as flamegraph.pl,
 * inferno and speedscope read them) merged into a tree, and drawn as a
 * self-contained interactive SVG flame graph: frames as wide as their
 * instructions, Python, C, bytecode-instruction and marker frames in
 * distinct colours, a title (hover text) with counts and percentages,
 * click to zoom, and a search box that highlights matches and gives the
 * share of the total they cover, all with inline JavaScript.
 *
 * Which frames are which, by their text (docs/flamegraphs.md):
 *   Python   "NAME (FILE:LINE)"
 *   opcode   "NAME [opcode]"
 *   marker   "[...]" (a thread, a signal handler, folded frames)
 *   C        anything else
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef REPORT_FLAMEGRAPH_H
#define REPORT_FLAMEGRAPH_H

#include <stddef.h>
#include <stdio.h>

typedef enum { FG_C, FG_PYTHON, FG_OPCODE, FG_MARKER } FgKind;

typedef struct FgTree FgTree;

/* Reads the folded stacks of file PATH ("-": standard input).  A line is
 * a stack of non-empty frames joined by ';', one space and a decimal
 * count; empty lines are skipped, a final '\r' is ignored.  Returns NULL
 * with "PATH:LINE: what is wrong" (or "PATH: ...") in ERR on anything
 * else, on counts whose sum does not fit in 64 bits, and when there is no
 * stack at all. */
FgTree *fg_read_folded(const char *path, char *err, size_t err_len);

/* The same from the bytes TEXT (LEN of them); NAME stands for the file in
 * messages. */
FgTree *fg_parse_folded(const char *text, size_t len, const char *name,
                        char *err, size_t err_len);

/* The sum of all counts (the root frame's width). */
unsigned long long fg_total(const FgTree *tree);

/* The number of frames of the tree, the root ("all") included. */
size_t fg_frame_count(const FgTree *tree);

FgKind fg_kind_of(const char *frame);

/* Writes the SVG with TITLE (any text; escaped) to OUT.  Frames narrower
 * than a tenth of a pixel at full width are left out.  Returns 0, or -1
 * when writing fails. */
int fg_write_svg(const FgTree *tree, const char *title, FILE *out);

void fg_free(FgTree *tree);

#endif /* REPORT_FLAMEGRAPH_H */
