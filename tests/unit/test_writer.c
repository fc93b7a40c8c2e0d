/* test_writer.c: unit tests of the callgrind-format writer (pg_writer.c).
 * Output is captured in memory through the sink callback and compared with
 * the exact text expected, so any change in what the tool writes shows up
 * here before it reaches callgrind_annotate or KCachegrind.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "pg_writer.h"

/*------------------------------------------------------------*/
/*--- A sink collecting everything in memory, recording each chunk's size ---*/
/*------------------------------------------------------------*/

typedef struct {
   char   *text;
   size_t  len;
   size_t  capacity;
   size_t *chunk_sizes;
   size_t  n_chunks;
} MemorySink;

static void memory_sink_init(MemorySink *ms)
{
   memset(ms, 0, sizeof *ms);
   ms->capacity = 1024;
   ms->text = malloc(ms->capacity);
   ck_assert_ptr_nonnull(ms->text);
   ms->text[0] = '\0';
}

static void memory_sink_free(MemorySink *ms)
{
   free(ms->text);
   free(ms->chunk_sizes);
}

static void memory_sink_write(void *ctx, const HChar *buf, SizeT len)
{
   MemorySink *ms = ctx;

   while (ms->len + len + 1 > ms->capacity)
      ms->capacity *= 2;
   ms->text = realloc(ms->text, ms->capacity);
   ck_assert_ptr_nonnull(ms->text);
   memcpy(ms->text + ms->len, buf, len);
   ms->len += len;
   ms->text[ms->len] = '\0';

   ms->chunk_sizes = realloc(ms->chunk_sizes,
                             (ms->n_chunks + 1) * sizeof(size_t));
   ck_assert_ptr_nonnull(ms->chunk_sizes);
   ms->chunk_sizes[ms->n_chunks++] = len;
}

/* A growable string for building the expected text of big outputs. */
typedef struct {
   char  *text;
   size_t len;
   size_t capacity;
} Expected;

static void expected_init(Expected *e)
{
   e->capacity = 1024;
   e->len = 0;
   e->text = malloc(e->capacity);
   ck_assert_ptr_nonnull(e->text);
   e->text[0] = '\0';
}

static void expected_add(Expected *e, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));

static void expected_add(Expected *e, const char *fmt, ...)
{
   va_list args;
   int n;

   va_start(args, fmt);
   n = vsnprintf(NULL, 0, fmt, args);
   va_end(args);
   ck_assert_int_ge(n, 0);
   while (e->len + (size_t)n + 1 > e->capacity)
      e->capacity *= 2;
   e->text = realloc(e->text, e->capacity);
   ck_assert_ptr_nonnull(e->text);
   va_start(args, fmt);
   vsnprintf(e->text + e->len, (size_t)n + 1, fmt, args);
   va_end(args);
   e->len += (size_t)n;
}

static const ULong one_cost[] = { 1 };

/*------------------------------------------------------------*/
/*--- Preamble and headers                                 ---*/
/*------------------------------------------------------------*/

START_TEST(test_preamble_line_positions)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_preamble(w, "pyprofgrind-test");
   pg_writer_header(w, "pid", "4242");
   pg_writer_header(w, "cmd", "./prog --flag");
   pg_writer_header(w, "events", "Ir");
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "# callgrind format\n"
                    "version: 1\n"
                    "creator: pyprofgrind-test\n"
                    "positions: line\n"
                    "pid: 4242\n"
                    "cmd: ./prog --flag\n"
                    "events: Ir\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_preamble_instr_positions)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, True, True, True);
   pg_writer_preamble(w, "pyprofgrind 0.1");
   pg_writer_header(w, "events", "Ir Py");
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "# callgrind format\n"
                    "version: 1\n"
                    "creator: pyprofgrind 0.1\n"
                    "positions: instr line\n"
                    "events: Ir Py\n");
   ck_assert_uint_eq(ms.n_chunks, 1);
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_empty_writer_calls_no_sink)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_finish(w);
   ck_assert_uint_eq(ms.n_chunks, 0);
   ck_assert_str_eq(ms.text, "");
   memory_sink_free(&ms);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Name compression                                     ---*/
/*------------------------------------------------------------*/

/* Functions get an id per object, file and name: KCacheGrind binds an id
 * to the first function it names, so "main" of two files, or "strlen" of
 * two objects, must not share one. */
START_TEST(test_function_ids_per_object_file_name)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_name(w, PG_NAME_OB, "prog");
   pg_writer_name(w, PG_NAME_FL, "main.c");
   pg_writer_function(w, PG_NAME_FN, "prog", "main.c", "main");
   pg_writer_cost(w, 0, 3, one_cost, 1);
   pg_writer_name(w, PG_NAME_COB, "[Python 3.12]");
   pg_writer_name(w, PG_NAME_CFI, "site.py");
   pg_writer_function(w, PG_NAME_CFN, "[Python 3.12]", "site.py", "main");
   pg_writer_calls(w, 1, 0, 10);
   pg_writer_cost(w, 0, 4, one_cost, 1);
   pg_writer_name(w, PG_NAME_OB, "[Python 3.12]");
   pg_writer_name(w, PG_NAME_FL, "site.py");
   pg_writer_function(w, PG_NAME_FN, "[Python 3.12]", "site.py", "main");
   pg_writer_cost(w, 0, 10, one_cost, 1);
   pg_writer_name(w, PG_NAME_FL, "os.py");
   pg_writer_function(w, PG_NAME_FN, "[Python 3.12]", "os.py", "main");
   pg_writer_cost(w, 0, 11, one_cost, 1);
   /* One file and name in another object is another function too. */
   pg_writer_name(w, PG_NAME_OB, "lib");
   pg_writer_name(w, PG_NAME_FL, "main.c");
   pg_writer_function(w, PG_NAME_FN, "lib", "main.c", "main");
   pg_writer_cost(w, 0, 12, one_cost, 1);
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "ob=(1) prog\n"
                    "fl=(1) main.c\n"
                    "fn=(1) main\n"
                    "3 1\n"
                    "cob=(2) [Python 3.12]\n"
                    "cfi=(2) site.py\n"
                    "cfn=(2) main\n"
                    "calls=1 10\n"
                    "4 1\n"
                    "ob=(2)\n"
                    "fl=(2)\n"
                    "fn=(2)\n"
                    "10 1\n"
                    "fl=(3) os.py\n"
                    "fn=(3) main\n"
                    "11 1\n"
                    "ob=(3) lib\n"
                    "fl=(1)\n"
                    "fn=(4) main\n"
                    "12 1\n");
   memory_sink_free(&ms);
}
END_TEST

/* Keys are length-prefixed: ("a:b", "c") and ("a", "b:c") stay apart;
 * without compression the name is written as it is. */
START_TEST(test_function_ids_keys_stay_apart)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_function(w, PG_NAME_FN, "o", "a:b", "c");
   pg_writer_function(w, PG_NAME_FN, "o", "a", "b:c");
   pg_writer_function(w, PG_NAME_FN, "o", "a:b", "c");
   pg_writer_finish(w);
   ck_assert_str_eq(ms.text, "fn=(1) c\nfn=(2) b:c\nfn=(1)\n");
   memory_sink_free(&ms);

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, False, True);
   pg_writer_function(w, PG_NAME_FN, "o", "f", "main");
   pg_writer_function(w, PG_NAME_CFN, "o", "g", "main");
   pg_writer_finish(w);
   ck_assert_str_eq(ms.text, "fn=main\ncfn=main\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_name_compression_shared_spaces)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_name(w, PG_NAME_OB, "/usr/bin/prog");
   pg_writer_name(w, PG_NAME_FL, "main.c");
   pg_writer_name(w, PG_NAME_FN, "main");
   pg_writer_cost(w, 0, 3, one_cost, 1);
   /* cfi/cfn share the file and function spaces with fl and fn. */
   pg_writer_name(w, PG_NAME_CFI, "main.c");
   pg_writer_name(w, PG_NAME_CFN, "helper");
   pg_writer_calls(w, 1, 0, 10);
   pg_writer_cost(w, 0, 4, one_cost, 1);
   pg_writer_name(w, PG_NAME_COB, "/usr/lib/libc.so.6");
   pg_writer_name(w, PG_NAME_CFI, "string.c");
   pg_writer_name(w, PG_NAME_CFN, "strlen");
   pg_writer_calls(w, 2, 0, 7);
   pg_writer_cost(w, 0, 5, one_cost, 1);
   /* fn after cfn of the same name reuses the id. */
   pg_writer_name(w, PG_NAME_FN, "helper");
   pg_writer_cost(w, 0, 10, one_cost, 1);
   pg_writer_name(w, PG_NAME_FI, "inline.h");
   pg_writer_cost(w, 0, 1, one_cost, 1);
   pg_writer_name(w, PG_NAME_FE, "main.c");
   pg_writer_cost(w, 0, 11, one_cost, 1);
   pg_writer_name(w, PG_NAME_OB, "/usr/lib/libc.so.6");
   pg_writer_name(w, PG_NAME_FL, "string.c");
   pg_writer_name(w, PG_NAME_FN, "strlen");
   pg_writer_cost(w, 0, 7, one_cost, 1);
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "ob=(1) /usr/bin/prog\n"
                    "fl=(1) main.c\n"
                    "fn=(1) main\n"
                    "3 1\n"
                    "cfi=(1)\n"
                    "cfn=(2) helper\n"
                    "calls=1 10\n"
                    "4 1\n"
                    "cob=(2) /usr/lib/libc.so.6\n"
                    "cfi=(2) string.c\n"
                    "cfn=(3) strlen\n"
                    "calls=2 7\n"
                    "5 1\n"
                    "fn=(2)\n"
                    "10 1\n"
                    "fi=(3) inline.h\n"
                    "1 1\n"
                    "fe=(1)\n"
                    "11 1\n"
                    "ob=(2)\n"
                    "fl=(2)\n"
                    "fn=(3)\n"
                    "7 1\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_name_spaces_independent)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   /* The same string in the three spaces gets id 1 in each. */
   pg_writer_name(w, PG_NAME_OB, "same");
   pg_writer_name(w, PG_NAME_FL, "same");
   pg_writer_name(w, PG_NAME_FN, "same");
   pg_writer_name(w, PG_NAME_COB, "same");
   pg_writer_name(w, PG_NAME_CFI, "same");
   pg_writer_name(w, PG_NAME_CFN, "same");
   pg_writer_name(w, PG_NAME_FL, "other");
   pg_writer_name(w, PG_NAME_OB, "other");
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "ob=(1) same\n"
                    "fl=(1) same\n"
                    "fn=(1) same\n"
                    "cob=(1)\n"
                    "cfi=(1)\n"
                    "cfn=(1)\n"
                    "fl=(2) other\n"
                    "ob=(2) other\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_uncompressed_names_and_positions)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, True, False, False);
   pg_writer_name(w, PG_NAME_OB, "prog");
   pg_writer_name(w, PG_NAME_FL, "a.c");
   pg_writer_name(w, PG_NAME_FN, "main");
   pg_writer_cost(w, 0x401000, 5, one_cost, 1);
   pg_writer_cost(w, 0x401000, 5, one_cost, 1);
   pg_writer_cost(w, 0x401004, 6, one_cost, 1);
   pg_writer_name(w, PG_NAME_CFN, "main");
   pg_writer_calls(w, 3, 0x401000, 5);
   pg_writer_cost(w, 0x401008, 7, one_cost, 1);
   pg_writer_name(w, PG_NAME_FN, "main");
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "ob=prog\n"
                    "fl=a.c\n"
                    "fn=main\n"
                    "0x401000 5 1\n"
                    "0x401000 5 1\n"
                    "0x401004 6 1\n"
                    "cfn=main\n"
                    "calls=3 0x401000 5\n"
                    "0x401008 7 1\n"
                    "fn=main\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_name_table_growth)
{
   enum { N_NAMES = 5000 };
   MemorySink ms;
   Expected expected;
   PgWriter *w;
   char name[64];
   int i;

   memory_sink_init(&ms);
   expected_init(&expected);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);

   /* First uses define ids 1..N in order. */
   for (i = 0; i < N_NAMES; i++) {
      snprintf(name, sizeof name, "module.function_%d", i);
      pg_writer_name(w, PG_NAME_FN, name);
      expected_add(&expected, "fn=(%d) %s\n", i + 1, name);
   }
   /* Later uses, in another order and through cfn, find the same ids. */
   for (i = N_NAMES - 1; i >= 0; i -= 7) {
      snprintf(name, sizeof name, "module.function_%d", i);
      pg_writer_name(w, PG_NAME_CFN, name);
      expected_add(&expected, "cfn=(%d)\n", i + 1);
   }
   /* The file space is unaffected by the function space's growth. */
   pg_writer_name(w, PG_NAME_FL, "module.function_0");
   expected_add(&expected, "fl=(1) module.function_0\n");
   pg_writer_finish(w);

   ck_assert_uint_eq(ms.len, expected.len);
   ck_assert_str_eq(ms.text, expected.text);
   free(expected.text);
   memory_sink_free(&ms);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Positions and cost lines                             ---*/
/*------------------------------------------------------------*/

START_TEST(test_position_compression_instr)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, True, True, True);
   pg_writer_name(w, PG_NAME_FN, "f");
   pg_writer_cost(w, 0x1000, 10, one_cost, 1);   /* absolute after fn= */
   pg_writer_cost(w, 0x1004, 10, one_cost, 1);
   pg_writer_cost(w, 0x1006, 11, one_cost, 1);
   pg_writer_cost(w, 0x1000, 9, one_cost, 1);
   pg_writer_cost(w, 0x1000, 9, one_cost, 1);
   /* A jump too far for a relative address keeps the line relative. */
   pg_writer_cost(w, 0x7f0000001000UL, 12, one_cost, 1);
   pg_writer_cost(w, 0x1000, 12, one_cost, 1);
   pg_writer_name(w, PG_NAME_FN, "g");
   pg_writer_cost(w, 0x2000, 20, one_cost, 1);   /* absolute after fn= */
   pg_writer_name(w, PG_NAME_FL, "other.c");
   pg_writer_cost(w, 0x2001, 3, one_cost, 1);    /* absolute after fl= */
   pg_writer_name(w, PG_NAME_CFN, "f");
   pg_writer_cost(w, 0x2002, 3, one_cost, 1);    /* cfn= changes nothing */
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "fn=(1) f\n"
                    "0x1000 10 1\n"
                    "+4 * 1\n"
                    "+2 +1 1\n"
                    "-6 -2 1\n"
                    "* * 1\n"
                    "0x7f0000001000 +3 1\n"
                    "0x1000 * 1\n"
                    "fn=(2) g\n"
                    "0x2000 20 1\n"
                    "fl=(1) other.c\n"
                    "0x2001 3 1\n"
                    "cfn=(1)\n"
                    "+1 * 1\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_position_compression_line)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_name(w, PG_NAME_FN, "f");
   pg_writer_cost(w, 0, 10, one_cost, 1);
   pg_writer_cost(w, 0, 12, one_cost, 1);
   pg_writer_cost(w, 0, 9, one_cost, 1);
   pg_writer_cost(w, 0, 9, one_cost, 1);
   pg_writer_cost(w, 0, 0, one_cost, 1);
   pg_writer_name(w, PG_NAME_FN, "g");
   pg_writer_cost(w, 0, 100, one_cost, 1);
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "fn=(1) f\n"
                    "10 1\n"
                    "+2 1\n"
                    "-3 1\n"
                    "* 1\n"
                    "-9 1\n"
                    "fn=(2) g\n"
                    "100 1\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_position_first_line_of_file_is_absolute)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   /* Even without any name line, the very first cost line has nothing to
    * be relative to. */
   w = pg_writer_new(memory_sink_write, &ms, True, True, True);
   pg_writer_cost(w, 0x10, 1, one_cost, 1);
   pg_writer_cost(w, 0x10, 1, one_cost, 1);
   pg_writer_finish(w);
   ck_assert_str_eq(ms.text, "0x10 1 1\n* * 1\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_calls_lines)
{
   MemorySink ms;
   PgWriter *w;
   const ULong inclusive[] = { 250, 3 };

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, True, True, True);
   pg_writer_name(w, PG_NAME_FN, "main");
   pg_writer_cost(w, 0x1000, 10, one_cost, 1);
   pg_writer_name(w, PG_NAME_CFN, "callee");
   pg_writer_calls(w, 2, 0x2000, 20);
   /* The call's cost line is absolute even though 0x1004/10 is near. */
   pg_writer_cost(w, 0x1004, 10, inclusive, 2);
   /* The next plain cost line is relative to the call's cost line. */
   pg_writer_cost(w, 0x1009, 11, one_cost, 1);
   pg_writer_calls(w, 1, 0x2000, 20);
   pg_writer_cost(w, 0x1009, 11, inclusive, 2);
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "fn=(1) main\n"
                    "0x1000 10 1\n"
                    "cfn=(2) callee\n"
                    "calls=2 0x2000 20\n"
                    "0x1004 10 250 3\n"
                    "+5 +1 1\n"
                    "calls=1 0x2000 20\n"
                    "0x1009 11 250 3\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_calls_lines_line_positions)
{
   MemorySink ms;
   PgWriter *w;
   const ULong inclusive[] = { 400 };

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_name(w, PG_NAME_FN, "main");
   pg_writer_cost(w, 0, 16, one_cost, 1);
   pg_writer_name(w, PG_NAME_CFN, "func1");
   pg_writer_calls(w, 1, 0, 50);
   pg_writer_cost(w, 0, 16, inclusive, 1);
   pg_writer_cost(w, 0, 17, one_cost, 1);
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "fn=(1) main\n"
                    "16 1\n"
                    "cfn=(2) func1\n"
                    "calls=1 50\n"
                    "16 400\n"
                    "+1 1\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_trailing_zero_costs_dropped)
{
   MemorySink ms;
   PgWriter *w;
   const ULong some_trailing[] = { 5, 0, 0 };
   const ULong all_zero[] = { 0, 0, 0 };
   const ULong inner_zero[] = { 0, 3, 0 };
   const ULong none_zero[] = { 1, 2, 3 };
   const ULong big[] = { 18446744073709551615ULL, 0 };

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, False);
   pg_writer_cost(w, 0, 1, some_trailing, 3);
   pg_writer_cost(w, 0, 2, all_zero, 3);
   pg_writer_cost(w, 0, 3, inner_zero, 3);
   pg_writer_cost(w, 0, 4, none_zero, 3);
   pg_writer_cost(w, 0, 5, none_zero, 0);
   pg_writer_cost(w, 0, 6, big, 2);
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "1 5\n"
                    "2 0\n"
                    "3 0 3\n"
                    "4 1 2 3\n"
                    "5 0\n"
                    "6 18446744073709551615\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_many_events)
{
   enum { N_EVENTS = 40 };
   MemorySink ms;
   Expected expected;
   PgWriter *w;
   ULong costs[N_EVENTS];
   int i;

   memory_sink_init(&ms);
   expected_init(&expected);
   for (i = 0; i < N_EVENTS; i++)
      costs[i] = (ULong)i * 1000003ULL;
   w = pg_writer_new(memory_sink_write, &ms, True, True, True);
   pg_writer_cost(w, 0x400000, 1, costs, N_EVENTS);
   costs[N_EVENTS - 1] = 0;
   costs[N_EVENTS - 2] = 0;
   pg_writer_cost(w, 0x400001, 1, costs, N_EVENTS);
   pg_writer_finish(w);

   expected_add(&expected, "0x400000 1");
   for (i = 0; i < N_EVENTS; i++)
      expected_add(&expected, " %llu", (unsigned long long)i * 1000003ULL);
   expected_add(&expected, "\n+1 *");
   for (i = 0; i < N_EVENTS - 2; i++)
      expected_add(&expected, " %llu", (unsigned long long)i * 1000003ULL);
   expected_add(&expected, "\n");

   ck_assert_str_eq(ms.text, expected.text);
   free(expected.text);
   memory_sink_free(&ms);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Buffering and free text                              ---*/
/*------------------------------------------------------------*/

START_TEST(test_output_larger_than_buffer)
{
   enum { N_LINES = 40000, CHUNK = 64 * 1024 };
   MemorySink ms;
   Expected expected;
   PgWriter *w;
   size_t i;
   int line;

   memory_sink_init(&ms);
   expected_init(&expected);
   w = pg_writer_new(memory_sink_write, &ms, True, False, False);
   pg_writer_preamble(w, "big");
   expected_add(&expected, "# callgrind format\nversion: 1\ncreator: big\n"
                "positions: instr line\n");
   for (line = 1; line <= N_LINES; line++) {
      ULong costs[2];
      costs[0] = (ULong)line * 7;
      costs[1] = (ULong)line;
      pg_writer_cost(w, 0x400000 + (Addr)line * 4, (UInt)line, costs, 2);
      expected_add(&expected, "0x%lx %d %llu %d\n",
                   0x400000UL + (unsigned long)line * 4, line,
                   (unsigned long long)line * 7, line);
   }
   pg_writer_finish(w);

   ck_assert_uint_gt(expected.len, 3 * CHUNK);
   ck_assert_uint_eq(ms.n_chunks, (expected.len + CHUNK - 1) / CHUNK);
   for (i = 0; i + 1 < ms.n_chunks; i++)
      ck_assert_uint_eq(ms.chunk_sizes[i], CHUNK);
   ck_assert_uint_eq(ms.len, expected.len);
   ck_assert_int_eq(memcmp(ms.text, expected.text, expected.len), 0);
   free(expected.text);
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_long_header_value)
{
   MemorySink ms;
   Expected expected;
   PgWriter *w;
   char *long_text;
   const size_t long_len = 3000;

   memory_sink_init(&ms);
   expected_init(&expected);
   long_text = malloc(long_len + 1);
   ck_assert_ptr_nonnull(long_text);
   memset(long_text, 'x', long_len);
   long_text[long_len] = '\0';

   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_header(w, "desc", long_text);
   pg_writer_header(w, "totals", "12345");
   pg_writer_finish(w);

   expected_add(&expected, "desc: %s\ntotals: 12345\n", long_text);
   ck_assert_str_eq(ms.text, expected.text);
   free(long_text);
   free(expected.text);
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_blank_line)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, False, True);
   pg_writer_name(w, PG_NAME_FN, "a");
   pg_writer_cost(w, 0, 1, one_cost, 1);
   pg_writer_blank(w);
   pg_writer_cost(w, 0, 2, one_cost, 1);
   pg_writer_finish(w);
   /* A blank line changes nothing about relative positions. */
   ck_assert_str_eq(ms.text, "fn=a\n1 1\n\n+1 1\n");
   memory_sink_free(&ms);
}
END_TEST

/*------------------------------------------------------------*/
/*--- Escaping names and header values                     ---*/
/*------------------------------------------------------------*/

/* The file name of the security review: compiled under it, a program made
 * callgrind_annotate list "injected_fn" at 1e+20 and redefine id 1. */
static const char hostile_file[] =
   "x\ntotals: 1\nfn=(1) injected_fn\n0 99999999999999999999\nx.py";

static size_t count_char(const char *text, char c)
{
   size_t n = 0;
   for (; *text != '\0'; text++)
      n += *text == c;
   return n;
}

START_TEST(test_escape_forged_records)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_name(w, PG_NAME_FL, hostile_file);
   pg_writer_name(w, PG_NAME_FN, "f\r\nfn=(1) injected_fn");
   pg_writer_cost(w, 0, 1, one_cost, 1);
   pg_writer_name(w, PG_NAME_CFI, hostile_file);
   pg_writer_name(w, PG_NAME_CFN, "g\nfn=(2)");
   pg_writer_calls(w, 1, 0, 1);
   pg_writer_cost(w, 0, 1, one_cost, 1);
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "fl=(1) x\\ntotals: 1\\nfn=(1) injected_fn\\n0 99999999999999999999\\nx.py\n"
                    "fn=(1) f\\r\\nfn=(1) injected_fn\n"
                    "1 1\n"
                    "cfi=(1)\n"
                    "cfn=(2) g\\nfn=(2)\n"
                    "calls=1 1\n"
                    "1 1\n");
   /* One record per call, no line more. */
   ck_assert_uint_eq(count_char(ms.text, '\n'), 7);
   ck_assert_uint_eq(count_char(ms.text, '\r'), 0);
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_escape_headers)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_header(w, "cmd", "prog 'a\nfn=(1) injected_fn' b\\c");
   pg_writer_header(w, "desc", "Trigger: Client Request: x\r\ntotals: 1");
   /* Header values are not names: spaces and emptiness are kept. */
   pg_writer_header(w, "part", "");
   pg_writer_header(w, "thread", " 1 ");
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "cmd: prog 'a\\nfn=(1) injected_fn' b\\\\c\n"
                    "desc: Trigger: Client Request: x\\r\\ntotals: 1\n"
                    "part: \n"
                    "thread:  1 \n");
   memory_sink_free(&ms);
}
END_TEST

/* A comment line cannot be turned into a record either. */
START_TEST(test_comment_lines)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_comment(w, "pyprofgrind opcode-family [Python 3.12 opcodes] LOAD_ATTR_SLOT LOAD_ATTR");
   pg_writer_comment(w, "x\nfn=(1) injected_fn\n0 99");
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "# pyprofgrind opcode-family [Python 3.12 opcodes] LOAD_ATTR_SLOT LOAD_ATTR\n"
                    "# x\\nfn=(1) injected_fn\\n0 99\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_escape_control_bytes)
{
   MemorySink ms;
   Expected expected;
   PgWriter *w;
   char name[0x21 + 2];
   int c;

   memory_sink_init(&ms);
   expected_init(&expected);
   /* Every byte 0x01..0x1f, then DEL and a backslash. */
   for (c = 1; c < 0x20; c++)
      name[c - 1] = (char)c;
   name[0x1f] = 0x7f;
   name[0x20] = '\\';
   name[0x21] = '\0';
   expected_add(&expected, "fn=(1) ");
   for (c = 1; c < 0x20; c++) {
      if (c == '\n')      expected_add(&expected, "\\n");
      else if (c == '\r') expected_add(&expected, "\\r");
      else if (c == '\t') expected_add(&expected, "\\t");
      else                expected_add(&expected, "\\x%02x", c);
   }
   expected_add(&expected, "\\x7f\\\\\n");

   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   pg_writer_name(w, PG_NAME_FN, name);
   pg_writer_finish(w);
   ck_assert_str_eq(ms.text, expected.text);
   free(expected.text);
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_escape_utf8)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, False, True);
   /* Well-formed UTF-8 of 2, 3 and 4 bytes is written as it is. */
   pg_writer_name(w, PG_NAME_FN, "caf\xc3\xa9_\xe5\x87\xbd\xe6\x95\xb0_\xf0\x9f\x90\x8d");
   /* NUL as carried in names (0xc0 0x80), C1 controls, separators. */
   pg_writer_name(w, PG_NAME_FN, "a\xc0\x80" "b\xc2\x85" "c\xc2\x9b" "d\xe2\x80\xa8"
                                 "e\xe2\x80\xa9" "f\xc2\xa0");
   /* Not well-formed: a lone continuation, a cut sequence, an overlong
    * form, a surrogate, a byte that never occurs, past U+10FFFF. */
   pg_writer_name(w, PG_NAME_FN, "\x80|\xe5\x87|\xc1\x81|\xed\xa0\x80|\xff|\xf4\x90\x80\x80");
   /* A 3-byte sequence cut by the end of the name. */
   pg_writer_name(w, PG_NAME_FN, "z\xe5\x87");
   pg_writer_finish(w);

   ck_assert_str_eq(ms.text,
                    "fn=caf\xc3\xa9_\xe5\x87\xbd\xe6\x95\xb0_\xf0\x9f\x90\x8d\n"
                    "fn=a\\x00b\\u0085c\\u009bd\\u2028e\\u2029f\xc2\xa0\n"
                    "fn=\\x80|\\xe5\\x87|\\xc1\\x81|\\xed\\xa0\\x80|\\xff|\\xf4\\x90\\x80\\x80\n"
                    "fn=z\\xe5\\x87\n");
   memory_sink_free(&ms);
}
END_TEST

START_TEST(test_escape_name_edges)
{
   MemorySink ms;
   PgWriter *w;

   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, True, True);
   /* Readers skip spaces after "(id)" and take "fn=(3) " for id 3. */
   pg_writer_name(w, PG_NAME_FN, "");
   pg_writer_name(w, PG_NAME_FN, " ");
   pg_writer_name(w, PG_NAME_FN, "  f g  ");
   /* Compressed, a leading "(" is safe: the id comes first. */
   pg_writer_name(w, PG_NAME_FN, "(anonymous namespace)::f");
   pg_writer_name(w, PG_NAME_FN, "(12) x");
   pg_writer_finish(w);
   ck_assert_str_eq(ms.text,
                    "fn=(1) \\(empty)\n"
                    "fn=(2) \\x20\n"
                    "fn=(3) \\x20 f g \\x20\n"
                    "fn=(4) (anonymous namespace)::f\n"
                    "fn=(5) (12) x\n");
   memory_sink_free(&ms);

   /* Uncompressed, "(12) x" would read as a definition of id 12. */
   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, False, True);
   pg_writer_name(w, PG_NAME_FN, "(12) x");
   pg_writer_name(w, PG_NAME_FN, "(12)");
   pg_writer_name(w, PG_NAME_FN, "(below main)");
   pg_writer_name(w, PG_NAME_FN, "(anonymous namespace)::f");
   pg_writer_name(w, PG_NAME_FN, "()");
   pg_writer_name(w, PG_NAME_FN, "");
   pg_writer_finish(w);
   ck_assert_str_eq(ms.text,
                    "fn=\\x2812) x\n"
                    "fn=\\x2812)\n"
                    "fn=(below main)\n"
                    "fn=(anonymous namespace)::f\n"
                    "fn=()\n"
                    "fn=\\(empty)\n");
   memory_sink_free(&ms);
}
END_TEST

/* Splits the uncompressed "fn=" lines of TEXT into their names. */
static size_t split_fn_lines(char *text, char **names, size_t max)
{
   size_t n = 0;
   char *line = text, *end;

   while (*line != '\0' && n < max) {
      end = strchr(line, '\n');
      ck_assert_ptr_nonnull(end);
      *end = '\0';
      ck_assert(strncmp(line, "fn=", 3) == 0);
      names[n++] = line + 3;
      line = end + 1;
   }
   return n;
}

/* Whether TEXT starts "(" digits ")", which readers take for a name id. */
static int starts_like_name_id(const char *text)
{
   size_t digits = strspn(text + 1, "0123456789");
   return text[0] == '(' && digits > 0 && text[1 + digits] == ')';
}

/* Whether TEXT is well-formed UTF-8 without control characters. */
static int is_clean_utf8(const char *text)
{
   const unsigned char *s = (const unsigned char *)text;

   while (*s != '\0') {
      if (*s < 0x20 || *s == 0x7f)
         return 0;
      if (*s < 0x80) {
         s++;
      } else if (*s >= 0xc2 && *s <= 0xdf && (s[1] & 0xc0) == 0x80) {
         s += 2;
      } else if (*s >= 0xe0 && *s <= 0xef && (s[1] & 0xc0) == 0x80
                 && (s[2] & 0xc0) == 0x80) {
         s += 3;
      } else if (*s >= 0xf0 && *s <= 0xf4 && (s[1] & 0xc0) == 0x80
                 && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
         s += 4;
      } else {
         return 0;
      }
   }
   return 1;
}

START_TEST(test_escape_random_names_stay_apart)
{
   /* Names drawn from bytes that need escaping and the letters of their
    * escapes: every one must come out as one clean line, and different
    * names as different texts. */
   enum { N_NAMES = 3000, MAX_LEN = 6 };
   static const unsigned char alphabet[] = {
      'x', 'n', '0', '(', '1', ')', ' ', '\\', '\n', '\r', '\t', 0x01, 0x7f,
      0xc0, 0x80, 0xc2, 0x85, 0xe2, 0xa8, 0xff
   };
   static char inputs[N_NAMES][MAX_LEN + 1];
   char *names[N_NAMES];
   MemorySink ms;
   PgWriter *w;
   unsigned int seed = 12345;
   size_t i, j, n;

   for (i = 0; i < N_NAMES; i++) {
      size_t len;
      /* The high bits: an LCG's low bits repeat with a short period. */
      seed = seed * 1103515245u + 12345u;
      len = 1 + (seed >> 16) % MAX_LEN;
      for (j = 0; j < len; j++) {
         seed = seed * 1103515245u + 12345u;
         inputs[i][j] = (char)alphabet[(seed >> 16) % sizeof alphabet];
      }
      inputs[i][len] = '\0';
   }
   /* Uncompressed: every name is written in full each time. */
   memory_sink_init(&ms);
   w = pg_writer_new(memory_sink_write, &ms, False, False, True);
   for (i = 0; i < N_NAMES; i++)
      pg_writer_name(w, PG_NAME_FN, inputs[i]);
   pg_writer_finish(w);
   n = split_fn_lines(ms.text, names, N_NAMES);
   ck_assert_uint_eq(n, N_NAMES);
   for (i = 0; i < N_NAMES; i++) {
      ck_assert_msg(is_clean_utf8(names[i]), "name %zu: '%s'", i, names[i]);
      ck_assert(names[i][0] != ' ' && names[i][0] != '\0');
      ck_assert_msg(!starts_like_name_id(names[i]), "name %zu: '%s'", i, names[i]);
      /* A plain test: check's assertions record every pass, too slow for
       * millions of pairs. */
      for (j = 0; j < i; j++)
         if ((strcmp(inputs[i], inputs[j]) == 0) != (strcmp(names[i], names[j]) == 0))
            ck_abort_msg("inputs %zu and %zu: '%s' and '%s'", i, j, names[i], names[j]);
   }
   memory_sink_free(&ms);
}
END_TEST

static Suite *writer_suite(void)
{
   Suite *s = suite_create("pg_writer");
   TCase *tc_header = tcase_create("preamble");
   TCase *tc_names = tcase_create("names");
   TCase *tc_costs = tcase_create("positions and costs");
   TCase *tc_buffer = tcase_create("buffering");
   TCase *tc_escape = tcase_create("escaping");

   tcase_add_test(tc_header, test_preamble_line_positions);
   tcase_add_test(tc_header, test_preamble_instr_positions);
   tcase_add_test(tc_header, test_empty_writer_calls_no_sink);
   tcase_add_test(tc_header, test_comment_lines);
   suite_add_tcase(s, tc_header);

   tcase_add_test(tc_names, test_name_compression_shared_spaces);
   tcase_add_test(tc_names, test_function_ids_per_object_file_name);
   tcase_add_test(tc_names, test_function_ids_keys_stay_apart);
   tcase_add_test(tc_names, test_name_spaces_independent);
   tcase_add_test(tc_names, test_uncompressed_names_and_positions);
   tcase_add_test(tc_names, test_name_table_growth);
   suite_add_tcase(s, tc_names);

   tcase_add_test(tc_costs, test_position_compression_instr);
   tcase_add_test(tc_costs, test_position_compression_line);
   tcase_add_test(tc_costs, test_position_first_line_of_file_is_absolute);
   tcase_add_test(tc_costs, test_calls_lines);
   tcase_add_test(tc_costs, test_calls_lines_line_positions);
   tcase_add_test(tc_costs, test_trailing_zero_costs_dropped);
   tcase_add_test(tc_costs, test_many_events);
   suite_add_tcase(s, tc_costs);

   tcase_add_test(tc_buffer, test_output_larger_than_buffer);
   tcase_add_test(tc_buffer, test_long_header_value);
   tcase_add_test(tc_buffer, test_blank_line);
   suite_add_tcase(s, tc_buffer);

   tcase_add_test(tc_escape, test_escape_forged_records);
   tcase_add_test(tc_escape, test_escape_headers);
   tcase_add_test(tc_escape, test_escape_control_bytes);
   tcase_add_test(tc_escape, test_escape_utf8);
   tcase_add_test(tc_escape, test_escape_name_edges);
   tcase_add_test(tc_escape, test_escape_random_names_stay_apart);
   suite_add_tcase(s, tc_escape);

   return s;
}

int main(void)
{
   SRunner *sr = srunner_create(writer_suite());
   int n_failed;

   srunner_run_all(sr, CK_NORMAL);
   n_failed = srunner_ntests_failed(sr);
   srunner_free(sr);
   return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
