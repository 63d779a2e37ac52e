/*
 * json.c - strict JSON input for every file and request mwx reads (json.h).
 * The file is read whole into memory after fstat() proves it is a regular file
 * within the bound, then parsed with JSON_REJECT_DUPLICATES.
 */
#include "mwx/json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mwx/error.h"

static int parse_buf(const char *buf, size_t len, const char *what, json_t **out) {
  json_error_t jerr;
  json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return mwx_error_set(MWX_EPARSE, "%s:%d:%d: %s (line %d column %d)", what, jerr.line, jerr.column,
                         jerr.text, jerr.line, jerr.column);
  *out = root;
  return 0;
}

int mwx_json_load_text(const char *text, size_t len, const char *what, json_t **out) {
  if (!text || !out)
    return mwx_error_set(MWX_EINVAL, "%s: no text", what ? what : "JSON");
  return parse_buf(text, len, what ? what : "JSON", out);
}

int mwx_json_load_file(const char *path, size_t max_bytes, json_t **out) {
  if (!path || !out)
    return mwx_error_set(MWX_EINVAL, "JSON file: no path");
  if (max_bytes == 0)
    max_bytes = MWX_JSON_MAX_FILE_BYTES;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return mwx_error_set(MWX_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return mwx_error_set(MWX_EIO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return mwx_error_set(MWX_EIO, "%s: not a regular file (%s)", path,
                         S_ISDIR(st.st_mode) ? "a directory" : "a device, FIFO or socket");
  }
  if ((uint64_t)st.st_size > (uint64_t)max_bytes) {
    close(fd);
    return mwx_error_set(MWX_ERANGE, "%s: %lld bytes, more than the limit of %zu", path,
                         (long long)st.st_size, max_bytes);
  }
  size_t n = (size_t)st.st_size, got = 0;
  char *buf = malloc(n + 1);
  if (!buf) {
    close(fd);
    return mwx_error_set(MWX_ENOMEM, "%s: out of memory", path);
  }
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      int e = r < 0 ? errno : 0;
      free(buf);
      close(fd);
      return mwx_error_set(MWX_EIO, "%s: read error after %zu bytes: %s", path, got,
                           e ? strerror(e) : "file shrank");
    }
    got += (size_t)r;
  }
  close(fd);
  buf[n] = 0;
  int rc = parse_buf(buf, n, path, out);
  free(buf);
  return rc;
}

int mwx_json_check_keys(const json_t *obj, const char *const *allowed, const char *where) {
  if (!json_is_object(obj))
    return mwx_error_set(MWX_EPARSE, "%s: must be a JSON object", where);
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    (void)v;
    int ok = 0;
    for (size_t i = 0; allowed && allowed[i]; i++)
      if (strcmp(key, allowed[i]) == 0) {
        ok = 1;
        break;
      }
    if (!ok)
      return mwx_error_set(MWX_EPARSE, "%s: unknown key '%s'", where, key);
  }
  return 0;
}

int mwx_json_get_int(const json_t *obj, const char *key, int64_t lo, int64_t hi, const char *where,
                     int64_t *out) {
  json_t *v = json_object_get(obj, key);
  if (!v)
    return MWX_ENOTFOUND;
  if (!json_is_integer(v))
    return mwx_error_set(MWX_EPARSE, "%s: '%s' must be an integer", where, key);
  json_int_t x = json_integer_value(v);
  if (x < lo || x > hi)
    return mwx_error_set(MWX_ERANGE, "%s: '%s' = %lld is outside [%lld, %lld]", where, key,
                         (long long)x, (long long)lo, (long long)hi);
  *out = (int64_t)x;
  return 0;
}

int mwx_json_get_num(const json_t *obj, const char *key, double lo, double hi, const char *where,
                     double *out) {
  json_t *v = json_object_get(obj, key);
  if (!v)
    return MWX_ENOTFOUND;
  if (!json_is_number(v))
    return mwx_error_set(MWX_EPARSE, "%s: '%s' must be a number", where, key);
  double x = json_number_value(v);
  if (!isfinite(x) || x < lo || x > hi)
    return mwx_error_set(MWX_ERANGE, "%s: '%s' = %g is outside [%g, %g]", where, key, x, lo, hi);
  *out = x;
  return 0;
}

int mwx_json_get_bool(const json_t *obj, const char *key, const char *where, int *out) {
  json_t *v = json_object_get(obj, key);
  if (!v)
    return MWX_ENOTFOUND;
  if (!json_is_boolean(v))
    return mwx_error_set(MWX_EPARSE, "%s: '%s' must be true or false", where, key);
  *out = json_is_true(v);
  return 0;
}

int mwx_json_get_str(const json_t *obj, const char *key, const char *where, const char **out) {
  json_t *v = json_object_get(obj, key);
  if (!v)
    return MWX_ENOTFOUND;
  if (!json_is_string(v))
    return mwx_error_set(MWX_EPARSE, "%s: '%s' must be a string", where, key);
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return mwx_error_set(MWX_EPARSE, "%s: '%s' holds a control character at byte %zu", where,
                           key, i);
  *out = s;
  return 0;
}
