/* pg_outname.c: expansion of the --pyprofgrind-out-file template into the
 * name of the file a profile is written to.  The template language is the
 * one Valgrind's own tools understand (%p, %q{VAR}, %%), so users can reuse
 * the templates they already know.  Anything the expansion cannot make
 * sense of is an error with a one-line reason rather than a guess, because
 * a wrong guess silently puts the profile somewhere unexpected.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "pg_port.h"
#include "pg_outname.h"

/* A growable string under construction; every append keeps it
 * NUL-terminated so it can be handed out as it is. */
typedef struct {
   HChar *text;
   SizeT  len;
   SizeT  capacity;
} PgStrBuilder;

static void builder_init(PgStrBuilder *sb)
{
   sb->capacity = 64;
   sb->len = 0;
   sb->text = pg_malloc("pg.outname.builder", sb->capacity);
   pg_assert(sb->text != NULL);
   sb->text[0] = '\0';
}

static void builder_append(PgStrBuilder *sb, const HChar *piece, SizeT n)
{
   if (sb->len + n + 1 > sb->capacity) {
      SizeT wanted = sb->capacity;
      while (sb->len + n + 1 > wanted)
         wanted *= 2;
      sb->text = pg_realloc("pg.outname.builder", sb->text, wanted);
      pg_assert(sb->text != NULL);
      sb->capacity = wanted;
   }
   pg_memcpy(sb->text + sb->len, piece, n);
   sb->len += n;
   sb->text[sb->len] = '\0';
}

static void builder_append_str(PgStrBuilder *sb, const HChar *s)
{
   builder_append(sb, s, pg_strlen(s));
}

/* Releases a half-built name; returns NULL for the caller to pass on. */
static HChar *builder_fail(PgStrBuilder *sb)
{
   pg_free(sb->text);
   sb->text = NULL;
   return NULL;
}

/* Expands the "{VAR}" that follows a %q.  *CURSOR points just after the
 * 'q' and is left just after the closing brace. */
static Bool expand_env_reference(PgStrBuilder *sb, const HChar **cursor,
                                 PgGetenvFn getenv_fn, void *getenv_ctx,
                                 HChar *err, SizeT err_len)
{
   const HChar *open = *cursor;
   const HChar *close;
   const HChar *value;
   HChar *var_name;
   SizeT name_len;

   if (*open != '{') {
      if (err && err_len)
         pg_snprintf(err, err_len,
                     "%%q must be followed by {VARIABLE} in the output file "
                     "name template");
      return False;
   }
   close = open + 1;
   while (*close != '\0' && *close != '}')
      close++;
   if (*close == '\0') {
      if (err && err_len)
         pg_snprintf(err, err_len,
                     "unterminated %%q{ in the output file name template");
      return False;
   }
   name_len = (SizeT)(close - (open + 1));
   if (name_len == 0) {
      if (err && err_len)
         pg_snprintf(err, err_len,
                     "%%q{} names no environment variable");
      return False;
   }

   var_name = pg_malloc("pg.outname.var", name_len + 1);
   pg_assert(var_name != NULL);
   pg_memcpy(var_name, open + 1, name_len);
   var_name[name_len] = '\0';

   /* Without a lookup function there is no environment to consult, so
    * every variable counts as unset. */
   value = getenv_fn ? getenv_fn(getenv_ctx, var_name) : NULL;
   if (value == NULL) {
      if (err && err_len)
         pg_snprintf(err, err_len,
                     "%%q{%s} names an unset environment variable", var_name);
      pg_free(var_name);
      return False;
   }
   pg_free(var_name);

   builder_append_str(sb, value);
   *cursor = close + 1;
   return True;
}

/* Puts BASE_DIR in front of a relative NAME with exactly one '/' between
 * them, whatever number of slashes BASE_DIR ends with. */
static void make_absolute(PgStrBuilder *sb, const HChar *base_dir)
{
   PgStrBuilder joined;
   SizeT base_len = pg_strlen(base_dir);

   while (base_len > 0 && base_dir[base_len - 1] == '/')
      base_len--;

   builder_init(&joined);
   builder_append(&joined, base_dir, base_len);
   builder_append(&joined, "/", 1);
   builder_append(&joined, sb->text, sb->len);

   pg_free(sb->text);
   *sb = joined;
}

HChar *pg_outname_expand(const HChar *template_, Int pid,
                         PgGetenvFn getenv_fn, void *getenv_ctx,
                         const HChar *base_dir,
                         HChar *err, SizeT err_len)
{
   PgStrBuilder sb;
   const HChar *cursor = template_;

   if (err && err_len)
      err[0] = '\0';
   builder_init(&sb);

   while (*cursor != '\0') {
      const HChar *literal_start = cursor;
      HChar directive;

      while (*cursor != '\0' && *cursor != '%')
         cursor++;
      builder_append(&sb, literal_start, (SizeT)(cursor - literal_start));
      if (*cursor == '\0')
         break;

      directive = cursor[1];
      cursor += 2;
      if (directive == 'p') {
         HChar digits[24];
         pg_snprintf(digits, sizeof digits, "%d", pid);
         builder_append_str(&sb, digits);
      } else if (directive == '%') {
         builder_append(&sb, "%", 1);
      } else if (directive == 'q') {
         if (!expand_env_reference(&sb, &cursor, getenv_fn, getenv_ctx,
                                   err, err_len))
            return builder_fail(&sb);
      } else if (directive == '\0') {
         if (err && err_len)
            pg_snprintf(err, err_len,
                        "the output file name template ends with a lone '%%'");
         return builder_fail(&sb);
      } else {
         if (err && err_len)
            pg_snprintf(err, err_len,
                        "unknown sequence '%%%c' in the output file name "
                        "template (known: %%p, %%q{VAR}, %%%%)", directive);
         return builder_fail(&sb);
      }
   }

   if (sb.len == 0) {
      if (err && err_len)
         pg_snprintf(err, err_len,
                     "the output file name template expands to an empty name");
      return builder_fail(&sb);
   }

   /* An empty BASE_DIR is treated like none: joining with it would turn a
    * relative name into one at the file system root. */
   if (sb.text[0] != '/' && base_dir != NULL && base_dir[0] != '\0')
      make_absolute(&sb, base_dir);

   return sb.text;
}

Bool pg_outname_has_pid(const HChar *template_)
{
   const HChar *cursor;

   for (cursor = template_; *cursor != '\0'; cursor++) {
      if (*cursor != '%')
         continue;
      if (cursor[1] == 'p')
         return True;
      /* "%%p" is a literal "%p", not a pid: step over the escaped '%'. */
      if (cursor[1] == '%')
         cursor++;
      else if (cursor[1] == '\0')
         break;
   }
   return False;
}
