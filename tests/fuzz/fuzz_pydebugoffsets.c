/* fuzz_pydebugoffsets.c: libFuzzer target for the _Py_DebugOffsets
 * decoder (pg_pydebugoffsets_decode in pyprofgrind/pg_pydebugoffsets.c),
 * which reads the table at the start of _PyRuntime out of the profiled
 * process.  The input is the bytes of the table as the tool reads them
 * (the seeds are the table of a real 3.13, alone and padded to the
 * PG_DEBUG_OFFSETS_READ_SIZE bytes the tool reads).  Besides what the
 * sanitizers catch, it checks, on acceptance: the cookie and version
 * helpers agree; every Int field of the layout is within the range
 * PG_LAYOUT_FIELDS gives it (what pg_pylayout_parse would accept); the
 * layout is complete, as the built-in row it starts from is; the
 * non-ASCII string data still lies inside the string object the table
 * describes; and the layout in text form, as pyprofgrind-inspect prints
 * it for the tool, parses back to the same structure.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_layout_ranges.h"
#include "pg_pydebugoffsets.h"

/* Where CPython 3.13's table (Include/internal/pycore_runtime.h,
 * struct _Py_DebugOffsets) keeps the size of PyUnicodeObject: the first
 * member of its unicode_object block.  Written here from the header, not
 * taken from the decoder, so the test does not share the decoder's
 * mistakes. */
#define TABLE_313_UNICODE_OBJECT_SIZE_AT 536

static PgPyLayout decoded, reparsed;

typedef struct {
   char  *text;
   size_t used, size;
} Text;

static void append_line(void *ctx, const HChar *line)
{
   Text *t = ctx;
   size_t n = strlen(line);

   if (t->used + n + 1 > t->size) {
      t->size = 2 * (t->used + n + 1);
      t->text = realloc(t->text, t->size);
      FUZZ_CHECK(t->text != NULL, "out of memory");
   }
   memcpy(t->text + t->used, line, n + 1);
   t->used += n;
}

static unsigned long long read_u64(const uint8_t *p)
{
   unsigned long long value = 0;
   int i;

   for (i = 7; i >= 0; i--)
      value = value << 8 | p[i];
   return value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   char err[256];
   Text text = { NULL, 0, 0 };
   UInt version;
   size_t i;

   /* Stale values must not survive into an accepted layout. */
   memset(&decoded, 0xa5, sizeof decoded);
   if (!pg_pydebugoffsets_decode(&decoded, data, size, err, sizeof err)) {
      FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL,
                 "refused without a one-line reason: '%s'", err);
      return 0;
   }
   FUZZ_CHECK(err[0] == '\0', "accepted with the error '%s'", err);
   FUZZ_CHECK(pg_pydebugoffsets_has_cookie(data, size), "accepted without the cookie");
   version = pg_pydebugoffsets_version(data, size);
   FUZZ_CHECK(version >> 24 == 3, "accepted version 0x%08x", version);
   FUZZ_CHECK(strcmp(decoded.source, "debug-offsets") == 0,
              "source is '%.32s'", decoded.source);

   check_int_ranges(&decoded);
   FUZZ_CHECK(pg_pylayout_complete(&decoded, err, sizeof err),
              "the decoded layout is incomplete: %s", err);

   if (version >> 16 == 0x030d && size >= TABLE_313_UNICODE_OBJECT_SIZE_AT + 8) {
      unsigned long long unicode_size =
         read_u64(data + TABLE_313_UNICODE_OBJECT_SIZE_AT);
      FUZZ_CHECK((unsigned long long)decoded.unicode_ascii_data < unicode_size
                 && (unsigned long long)decoded.unicode_compact_data < unicode_size,
                 "string data at %d (ASCII) and %d (compact) in a string "
                 "object of %llu bytes", decoded.unicode_ascii_data,
                 decoded.unicode_compact_data, unicode_size);
   }

   /* What the inspector prints must be what the tool reads. */
   pg_pylayout_write(&decoded, "fuzz input", True, append_line, &text);
   FUZZ_CHECK(pg_pylayout_parse(&reparsed, text.text, text.used, err, sizeof err),
              "the decoded layout's text is refused: %s\n%s", err, text.text);
   FUZZ_CHECK(memcmp(&decoded, &reparsed, sizeof decoded) == 0,
              "the decoded layout's text parses to another structure:\n%s",
              text.text);
   free(text.text);
   return 0;
}
