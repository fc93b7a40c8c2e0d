/* cache.c: the build-id layout cache (see cache.h).  The directory and
 * entries are opened without following symbolic links and checked on the
 * open descriptor (owner, mode, type), so that another user cannot make
 * us read a layout of their choosing nor write where they point.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
/* Format 2 added the opcode and opcode_base lines, format 3
 * frame_instr_ptr_next, format 4 the fields that made the walker
 * version-blind (code_unit_bytes...). */
const char cache_magic[] =
   "# pyprofgrind-inspect layout cache, format 4, " PACKAGE_VERSION "\n";

static void emit_to_file(void *file, const char *line)
{
   fputs(line, file);
}

/*------------------------------------------------------------*/
/*--- The directory                                        ---*/
/*------------------------------------------------------------*/

/* The directory the tool passes by default: $XDG_CACHE_HOME/pyprofgrind,
 * else $HOME/.cache/pyprofgrind; "" if neither is an absolute path. */
static void default_cache_dir(char *buf, size_t len)
{
   const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
   int n = -1;

   if (xdg != NULL && xdg[0] == '/')
      n = snprintf(buf, len, "%s/pyprofgrind", xdg);
   else if (home != NULL && home[0] == '/')
      n = snprintf(buf, len, "%s/.cache/pyprofgrind", home);
   if (n < 0 || (size_t)n >= len)
      buf[0] = '\0';
}

#define DIR_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* DIR itself is created when missing; its parent only when DIR is the
 * default (~/.cache may not exist yet on a new account). */
int cache_open(Cache *cache, const char *dir)
{
   char default_dir[4096];
   struct stat st;
   int fd, created = 0;

   cache->dirfd = -1;
   message_show_path(cache->dir, sizeof cache->dir, dir);
   fd = open(dir, DIR_OPEN_FLAGS);
   if (fd < 0 && errno == ENOENT) {
      default_cache_dir(default_dir, sizeof default_dir);
      if (default_dir[0] != '\0' && strcmp(dir, default_dir) == 0) {
         char *slash = strrchr(default_dir, '/');
         if (slash != NULL && slash != default_dir) {
            *slash = '\0';
            if (mkdir(default_dir, 0700) != 0 && errno != EEXIST) {
               /* the mkdir of DIR below says why */
            }
         }
      }
      if (mkdir(dir, 0700) == 0) {
         created = 1;
      } else if (errno != EEXIST) {
         message("warning: cannot create the cache directory %s: %s; not caching",
                 cache->dir, strerror(errno));
         return 0;
      }
      fd = open(dir, DIR_OPEN_FLAGS);
   }
   if (fd < 0) {
      int open_errno = errno;
      if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
         message("warning: cache directory %s is a symbolic link; not using it",
                 cache->dir);
      else if (open_errno == ENOTDIR)
         message("warning: cache directory %s is not a directory; not using it",
                 cache->dir);
      else
         message("warning: cannot open the cache directory %s: %s; not using it",
                 cache->dir, strerror(open_errno));
      return 0;
   }
   if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
      message("warning: cache directory %s is not a directory; not using it",
              cache->dir);
      close(fd);
      return 0;
   }
   if (st.st_uid != geteuid()) {
      message("warning: cache directory %s is owned by uid %u, not by uid %u; "
              "not using it", cache->dir, (unsigned)st.st_uid, (unsigned)geteuid());
      close(fd);
      return 0;
   }
   /* The umask may have taken bits off the new directory. */
   if (created && (st.st_mode & 07777) != 0700 && fchmod(fd, 0700) == 0)
      st.st_mode = S_IFDIR | 0700;
   if (st.st_mode & (S_IWGRP | S_IWOTH)) {
      message("warning: cache directory %s is group- or world-writable (mode %04o); "
              "not using it", cache->dir, (unsigned)(st.st_mode & 07777));
      close(fd);
      return 0;
   }
   cache->dirfd = fd;
   return 1;
}

void cache_close(Cache *cache)
{
   if (cache->dirfd >= 0)
      close(cache->dirfd);
   cache->dirfd = -1;
}

/*------------------------------------------------------------*/
/*--- Looking an entry up                                  ---*/
/*------------------------------------------------------------*/

/* Checked like the directory: an entry someone else could have written
 * could hold any layout, and the tool would read memory where it says. */
int cache_entry_file_ok(const struct stat *st, uid_t owner, char *why, size_t why_len)
{
   if (!S_ISREG(st->st_mode)) {
      snprintf(why, why_len, "not a regular file");
   } else if (st->st_uid != owner) {
      snprintf(why, why_len, "owned by uid %u, not by uid %u",
               (unsigned)st->st_uid, (unsigned)owner);
   } else if (st->st_mode & (S_IWGRP | S_IWOTH)) {
      snprintf(why, why_len, "group- or world-writable (mode %04o)",
               (unsigned)(st->st_mode & 07777));
   } else if (st->st_size > CACHE_MAX_BYTES) {
      snprintf(why, why_len, "larger than %d bytes", CACHE_MAX_BYTES);
   } else {
      return 1;
   }
   return 0;
}

/* The build_id inside must be the one looked up: an entry renamed or
 * copied from another object would describe the wrong build. */
int cache_entry_text_ok(const char *text, size_t len, const char *build_id,
                        PgPyLayout *layout, char *why, size_t why_len)
{
   size_t magic_len = strlen(cache_magic);
   char err[512];

   if (len < magic_len || memcmp(text, cache_magic, magic_len) != 0)
      snprintf(why, why_len, "not written by this version of %s", message_program);
   else if (!pg_pylayout_parse(layout, text, len, err, sizeof err))
      snprintf(why, why_len, "does not parse: %s", err);
   else if (!pg_pylayout_complete(layout, err, sizeof err))
      snprintf(why, why_len, "incomplete: %s", err);
   else if (strcmp(layout->build_id, build_id) != 0)
      snprintf(why, why_len, "its build_id is '%s'", layout->build_id);
   else
      return 1;
   return 0;
}

/* Reads the entry open on FD into a new *LAYOUT and checks it. */
static int read_entry(int fd, const char *build_id, PgPyLayout **layout,
                      char *why, size_t why_len)
{
   char *text;
   size_t len = 0;
   ssize_t n = 0;
   int ok = 0;

   text = malloc(CACHE_MAX_BYTES + 1);
   *layout = text != NULL ? malloc(sizeof **layout) : NULL;
   if (*layout == NULL) {
      snprintf(why, why_len, "out of memory");
      free(text);
      return 0;
   }
   /* One byte more than allowed is asked for, to see a file that grew
    * since the fstat. */
   while (len <= CACHE_MAX_BYTES
          && (n = read(fd, text + len, CACHE_MAX_BYTES + 1 - len)) > 0)
      len += (size_t)n;
   if (n < 0)
      snprintf(why, why_len, "cannot read: %s", strerror(errno));
   else if (len > CACHE_MAX_BYTES)
      snprintf(why, why_len, "larger than %d bytes", CACHE_MAX_BYTES);
   else
      ok = cache_entry_text_ok(text, len, build_id, *layout, why, why_len);
   free(text);
   return ok;
}

/* The entry is opened without following a symbolic link and checked on
 * the descriptor, so what is checked is what is read. */
PgPyLayout *cache_lookup(Cache *cache, const char *build_id, const char *shown_file)
{
   char why[600];
   PgPyLayout *layout = NULL;
   struct stat st;
   int fd, hit = 0;

   snprintf(cache->name, sizeof cache->name, "%s.layout", build_id);
   fd = openat(cache->dirfd, cache->name,
               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
   if (fd < 0) {
      if (message_verbose)
         message("%s: cache miss: %s/%s: %s", shown_file, cache->dir, cache->name,
                 errno == ENOENT ? "no such entry" : strerror(errno));
      return NULL;
   }
   why[0] = '\0';
   if (fstat(fd, &st) != 0)
      snprintf(why, sizeof why, "cannot stat: %s", strerror(errno));
   else if (cache_entry_file_ok(&st, geteuid(), why, sizeof why))
      hit = read_entry(fd, build_id, &layout, why, sizeof why);
   close(fd);
   if (hit) {
      if (message_verbose)
         message("%s: cache hit: %s/%s", shown_file, cache->dir, cache->name);
      return layout;
   }
   if (message_verbose)
      message("%s: cache entry %s/%s ignored: %s", shown_file, cache->dir,
              cache->name, why);
   free(layout);
   return NULL;
}

/*------------------------------------------------------------*/
/*--- Storing an entry                                     ---*/
/*------------------------------------------------------------*/

/* Stores LAYOUT as the entry looked up last: written to a temporary file
 * of this process, then renamed over the entry (readers see the old or the
 * new file, never half of one).  Failures are warnings. */
void cache_store(Cache *cache, const PgPyLayout *layout,
                 const char *build_id, const char *shown_file)
{
   char tmp[160], origin[128];
   FILE *f;
   int fd, attempt, ok, saved_errno;

   snprintf(tmp, sizeof tmp, ".%s.tmp-%ld", cache->name, (long)getpid());
   for (attempt = 0; ; attempt++) {
      fd = openat(cache->dirfd, tmp,
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0 || errno != EEXIST || attempt > 0)
         break;
      unlinkat(cache->dirfd, tmp, 0);   /* left by a killed run with our pid */
   }
   if (fd < 0) {
      message("warning: cannot write the cache entry %s/%s: %s", cache->dir,
              cache->name, strerror(errno));
      return;
   }
   f = fdopen(fd, "w");
   if (f == NULL) {
      saved_errno = errno;
      close(fd);
      unlinkat(cache->dirfd, tmp, 0);
      message("warning: cannot write the cache entry %s/%s: %s", cache->dir,
              cache->name, strerror(saved_errno));
      return;
   }
   snprintf(origin, sizeof origin, "the object with build-id %s", build_id);
   errno = 0;
   fputs(cache_magic, f);
   pg_pylayout_write(layout, origin, 1, emit_to_file, f);
   ok = !ferror(f);
   if (fclose(f) != 0)
      ok = 0;
   if (ok && renameat(cache->dirfd, tmp, cache->dirfd, cache->name) == 0) {
      if (message_verbose)
         message("%s: cache entry %s/%s stored", shown_file, cache->dir, cache->name);
      return;
   }
   saved_errno = errno != 0 ? errno : EIO;
   unlinkat(cache->dirfd, tmp, 0);
   message("warning: cannot write the cache entry %s/%s: %s", cache->dir,
           cache->name, strerror(saved_errno));
}
