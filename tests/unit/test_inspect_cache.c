/* test_inspect_cache.c: unit tests of pyprofgrind-inspect's build-id
 * layout cache (inspect/cache.c).  The entry checks are pure and tested
 * case by case: which file statuses may be read (type, owner, mode,
 * size) and which texts are believed (this inspector's first line, a
 * layout that parses, is complete and names the build-id looked up).
 * Then the cache in a directory of the test's own: a stored entry is
 * found again, byte for byte the layout stored, with the modes the
 * design promises, and the directories and entries it must not use are
 * not used.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "pg_pylayout.h"

#define BUILD_ID "0123456789abcdef0123456789abcdef01234567"
#define OTHER_ID "fedcba9876543210fedcba9876543210fedcba98"

/*------------------------------------------------------------*/
/*--- Entry texts                                          ---*/
/*------------------------------------------------------------*/

/* A complete layout (3.12's known row) with BUILD_ID and a label. */
static void make_layout(PgPyLayout *layout, const char *build_id)
{
   ck_assert(pg_pylayout_known(layout, 0x030c01f0));
   snprintf(layout->build_id, sizeof layout->build_id, "%s", build_id);
   snprintf(layout->source, sizeof layout->source, "dwarf");
   layout->n_labels = 1;
   snprintf(layout->labels[0].name, sizeof layout->labels[0].name, "TARGET_NOP");
   layout->labels[0].addr = 0x1234;
}

typedef struct {
   char   text[65536];
   size_t len;
} Text;

static void append(void *ctx, const char *line)
{
   Text *t = ctx;
   size_t n = strlen(line);

   ck_assert(t->len + n < sizeof t->text);
   memcpy(t->text + t->len, line, n + 1);
   t->len += n;
}

/* An entry as cache_store writes it: the magic line, then the layout. */
static void make_entry(Text *t, const PgPyLayout *layout)
{
   t->len = 0;
   t->text[0] = '\0';
   append(t, cache_magic);
   pg_pylayout_write(layout, "the test", 1, append, t);
}

static PgPyLayout layout, parsed;
static Text entry;

/* Asserts that TEXT is refused for BUILD_ID with a reason starting with
 * PREFIX. */
static void assert_text_refused(const char *text, size_t len, const char *build_id,
                                const char *prefix)
{
   char why[600] = "";

   ck_assert(!cache_entry_text_ok(text, len, build_id, &parsed, why, sizeof why));
   ck_assert_msg(strncmp(why, prefix, strlen(prefix)) == 0,
                 "'%s' does not start with '%s'", why, prefix);
}

START_TEST(test_magic_line)
{
   /* One line, naming the format and this inspector's version. */
   ck_assert_int_eq(strncmp(cache_magic, "# pyprofgrind-inspect layout cache, format ",
                            43), 0);
   ck_assert(strchr(cache_magic, '\n') == cache_magic + strlen(cache_magic) - 1);
}
END_TEST

START_TEST(test_text_accepted)
{
   char why[600] = "";

   make_layout(&layout, BUILD_ID);
   make_entry(&entry, &layout);
   ck_assert_msg(cache_entry_text_ok(entry.text, entry.len, BUILD_ID, &parsed, why,
                                     sizeof why), "refused: %s", why);
   ck_assert_str_eq(parsed.build_id, BUILD_ID);
   ck_assert_str_eq(parsed.eval_function, layout.eval_function);
   ck_assert_int_eq(parsed.frame_code, layout.frame_code);
   ck_assert_uint_eq(parsed.n_labels, 1);
   ck_assert_str_eq(parsed.labels[0].name, "TARGET_NOP");
}
END_TEST

START_TEST(test_text_refused)
{
   static Text edited;
   char *line;

   make_layout(&layout, BUILD_ID);
   make_entry(&entry, &layout);

   /* Another build's entry, renamed or copied. */
   assert_text_refused(entry.text, entry.len, OTHER_ID, "its build_id is '" BUILD_ID "'");

   /* Not this inspector's format or version: the first line differs in
    * any way, or is cut. */
   edited = entry;
   edited.text[strlen(cache_magic) - 2] ^= 1;
   assert_text_refused(edited.text, edited.len, BUILD_ID,
                       "not written by this version of pyprofgrind-inspect");
   assert_text_refused(entry.text, strlen(cache_magic) - 1, BUILD_ID,
                       "not written by this version of pyprofgrind-inspect");
   assert_text_refused("", 0, BUILD_ID,
                       "not written by this version of pyprofgrind-inspect");
   assert_text_refused(entry.text + 1, entry.len - 1, BUILD_ID,
                       "not written by this version of pyprofgrind-inspect");
   /* The magic alone: parses, but is no layout. */
   assert_text_refused(cache_magic, strlen(cache_magic), BUILD_ID, "incomplete: ");

   /* A value that does not parse. */
   edited = entry;
   line = strstr(edited.text, "\nframe_back ");
   ck_assert_ptr_nonnull(line);
   memcpy(line + 12, "x", 1);
   assert_text_refused(edited.text, edited.len, BUILD_ID, "does not parse: line ");

   /* A layout the walker could not use. */
   edited = entry;
   line = strstr(edited.text, "\neval_function ");
   ck_assert_ptr_nonnull(line);
   memcpy(line + 1, "#", 1);
   assert_text_refused(edited.text, edited.len, BUILD_ID, "incomplete: ");

   /* Cut short at a line's end: the fields after it lost. */
   line = memchr(entry.text + entry.len / 2, '\n', entry.len / 2);
   ck_assert_ptr_nonnull(line);
   assert_text_refused(entry.text, (size_t)(line + 1 - entry.text), BUILD_ID,
                       "incomplete: ");
}
END_TEST

/*------------------------------------------------------------*/
/*--- Entry statuses                                       ---*/
/*------------------------------------------------------------*/

static void make_stat(struct stat *st, mode_t mode, uid_t uid, off_t size)
{
   memset(st, 0, sizeof *st);
   st->st_mode = mode;
   st->st_uid = uid;
   st->st_size = size;
}

static void assert_file_refused(const struct stat *st, uid_t owner, const char *expected)
{
   char why[256] = "";

   ck_assert(!cache_entry_file_ok(st, owner, why, sizeof why));
   ck_assert_str_eq(why, expected);
}

START_TEST(test_file_status)
{
   struct stat st;
   char why[256] = "";

   make_stat(&st, S_IFREG | 0600, 1000, 17000);
   ck_assert(cache_entry_file_ok(&st, 1000, why, sizeof why));
   make_stat(&st, S_IFREG | 0644, 1000, CACHE_MAX_BYTES);
   ck_assert(cache_entry_file_ok(&st, 1000, why, sizeof why));
   make_stat(&st, S_IFREG | 0400, 0, 0);
   ck_assert(cache_entry_file_ok(&st, 0, why, sizeof why));

   make_stat(&st, S_IFDIR | 0700, 1000, 4096);
   assert_file_refused(&st, 1000, "not a regular file");
   make_stat(&st, S_IFIFO | 0600, 1000, 0);
   assert_file_refused(&st, 1000, "not a regular file");
   make_stat(&st, S_IFREG | 0600, 1001, 100);
   assert_file_refused(&st, 1000, "owned by uid 1001, not by uid 1000");
   make_stat(&st, S_IFREG | 0600, 1000, 100);
   assert_file_refused(&st, 0, "owned by uid 1000, not by uid 0");
   make_stat(&st, S_IFREG | 0620, 1000, 100);
   assert_file_refused(&st, 1000, "group- or world-writable (mode 0620)");
   make_stat(&st, S_IFREG | 0602, 1000, 100);
   assert_file_refused(&st, 1000, "group- or world-writable (mode 0602)");
   make_stat(&st, S_IFREG | 04666, 1000, 100);
   assert_file_refused(&st, 1000, "group- or world-writable (mode 4666)");
   make_stat(&st, S_IFREG | 0600, 1000, CACHE_MAX_BYTES + 1);
   assert_file_refused(&st, 1000, "larger than 1048576 bytes");
}
END_TEST

/*------------------------------------------------------------*/
/*--- A cache directory                                    ---*/
/*------------------------------------------------------------*/

static char work_dir[64], cache_dir[96];

static void make_work_dir(void)
{
   strcpy(work_dir, "/tmp/test_inspect_cache.XXXXXX");
   ck_assert_ptr_nonnull(mkdtemp(work_dir));
   snprintf(cache_dir, sizeof cache_dir, "%s/cache", work_dir);
   /* Messages go to stderr; keep them out of the test log's way. */
   ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
}

static void remove_work_dir(void)
{
   char command[256];
   snprintf(command, sizeof command, "chmod -R u+w '%s'; rm -rf '%s'", work_dir,
            work_dir);
   ck_assert_int_eq(system(command), 0);
}

START_TEST(test_store_and_lookup)
{
   Cache cache;
   PgPyLayout *found;
   Text again;
   struct stat st;
   char path[160];

   make_work_dir();
   make_layout(&layout, BUILD_ID);
   ck_assert(cache_open(&cache, cache_dir));
   ck_assert_int_eq(stat(cache_dir, &st), 0);
   ck_assert_uint_eq(st.st_mode & 07777, 0700);
   ck_assert_ptr_null(cache_lookup(&cache, BUILD_ID, "f"));
   ck_assert_str_eq(cache.name, BUILD_ID ".layout");
   cache_store(&cache, &layout, BUILD_ID, "f");

   snprintf(path, sizeof path, "%s/%s.layout", cache_dir, BUILD_ID);
   ck_assert_int_eq(stat(path, &st), 0);
   ck_assert_uint_eq(st.st_mode & 07777, 0600);
   found = cache_lookup(&cache, BUILD_ID, "f");
   ck_assert_ptr_nonnull(found);
   make_entry(&entry, &layout);
   make_entry(&again, found);
   ck_assert_str_eq(again.text, entry.text);
   free(found);

   /* Another build-id is another entry. */
   ck_assert_ptr_null(cache_lookup(&cache, OTHER_ID, "f"));
   cache_close(&cache);
   ck_assert_int_eq(cache.dirfd, -1);

   /* An entry others may write is not believed; storing again mends it. */
   ck_assert_int_eq(chmod(path, 0660), 0);
   ck_assert(cache_open(&cache, cache_dir));
   ck_assert_ptr_null(cache_lookup(&cache, BUILD_ID, "f"));
   cache_store(&cache, &layout, BUILD_ID, "f");
   found = cache_lookup(&cache, BUILD_ID, "f");
   ck_assert_ptr_nonnull(found);
   free(found);
   cache_close(&cache);
   remove_work_dir();
}
END_TEST

START_TEST(test_directories_refused)
{
   Cache cache;
   char path[160];
   int fd;

   make_work_dir();
   /* Writable by others. */
   ck_assert_int_eq(mkdir(cache_dir, 0700), 0);
   ck_assert_int_eq(chmod(cache_dir, 0770), 0);
   ck_assert(!cache_open(&cache, cache_dir));
   ck_assert_int_eq(cache.dirfd, -1);
   ck_assert_int_eq(chmod(cache_dir, 0700), 0);
   ck_assert(cache_open(&cache, cache_dir));
   cache_close(&cache);

   /* A symbolic link to a good directory. */
   snprintf(path, sizeof path, "%s/link", work_dir);
   ck_assert_int_eq(symlink(cache_dir, path), 0);
   ck_assert(!cache_open(&cache, path));

   /* A file. */
   snprintf(path, sizeof path, "%s/file", work_dir);
   fd = open(path, O_WRONLY | O_CREAT, 0600);
   ck_assert_int_ge(fd, 0);
   close(fd);
   ck_assert(!cache_open(&cache, path));

   /* A missing parent (not the default directory). */
   snprintf(path, sizeof path, "%s/missing/cache", work_dir);
   ck_assert(!cache_open(&cache, path));
   remove_work_dir();
}
END_TEST

/* The default directory's parent is created too, both 0700. */
START_TEST(test_default_directory)
{
   Cache cache;
   struct stat st;
   char home[96], dir[160];

   make_work_dir();
   snprintf(home, sizeof home, "%s/xdg", work_dir);
   ck_assert_int_eq(setenv("XDG_CACHE_HOME", home, 1), 0);
   snprintf(dir, sizeof dir, "%s/pyprofgrind", home);
   ck_assert(cache_open(&cache, dir));
   cache_close(&cache);
   ck_assert_int_eq(stat(home, &st), 0);
   ck_assert_uint_eq(st.st_mode & 07777, 0700);
   ck_assert_int_eq(stat(dir, &st), 0);
   ck_assert_uint_eq(st.st_mode & 07777, 0700);
   remove_work_dir();
}
END_TEST

static Suite *cache_suite(void)
{
   Suite *suite = suite_create("inspect_cache");
   TCase *checks = tcase_create("checks");
   TCase *dirs = tcase_create("directories");

   tcase_add_test(checks, test_magic_line);
   tcase_add_test(checks, test_text_accepted);
   tcase_add_test(checks, test_text_refused);
   tcase_add_test(checks, test_file_status);
   suite_add_tcase(suite, checks);
   tcase_add_test(dirs, test_store_and_lookup);
   tcase_add_test(dirs, test_directories_refused);
   tcase_add_test(dirs, test_default_directory);
   suite_add_tcase(suite, dirs);
   return suite;
}

int main(void)
{
   SRunner *runner = srunner_create(cache_suite());
   int failed;

   srunner_run_all(runner, CK_NORMAL);
   failed = srunner_ntests_failed(runner);
   srunner_free(runner);
   return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
