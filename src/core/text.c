/*
 * text.c - id character set, escaping for consoles and logs, range-checked
 * number parsing (text.h).  No allocation, no I/O.
 */
#include "mwx/text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"

int mwx_text_id_char(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == ':' || c == '/' || c == '@' || c == '+';
}

int mwx_text_id_chars_ok(const char *s) {
  if (!s)
    return 0;
  for (; *s; s++)
    if (!mwx_text_id_char((unsigned char)*s))
      return 0;
  return 1;
}

int mwx_text_id_check(const char *s, size_t max_len, const char *where, const char *what) {
  if (!where)
    where = "input";
  if (!what)
    what = "id";
  if (!max_len)
    max_len = MWX_TEXT_ID_MAX;
  if (!s || !*s)
    return mwx_error_set(MWX_EINVAL, "%s: %s must not be empty", where, what);
  size_t n = strlen(s);
  if (n > max_len) {
    char e[40];
    mwx_text_escape(s, e, sizeof e);
    return mwx_error_set(MWX_EINVAL, "%s: %s '%s' is longer than %zu characters", where, what, e, max_len);
  }
  for (size_t i = 0; i < n; i++)
    if (!mwx_text_id_char((unsigned char)s[i])) {
      char e[4 * MWX_TEXT_ID_MAX + 8], b[2] = {s[i], 0}, be[8];
      mwx_text_escape(s, e, sizeof e);
      mwx_text_escape(b, be, sizeof be);
      return mwx_error_set(MWX_EINVAL,
                           "%s: %s '%s' holds '%s' at byte %zu (ids use only A-Z a-z 0-9 - _ . : / @ +)", where,
                           what, e, be, i);
    }
  return 0;
}

char *mwx_text_escape(const char *s, char *out, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  if (!out || !cap)
    return out;
  size_t w = 0;
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    char tmp[5];
    size_t k;
    if (c == '\\') {
      tmp[0] = '\\', tmp[1] = '\\', k = 2;
    } else if (c < 0x20 || c > 0x7e) {
      tmp[0] = '\\', tmp[1] = 'x', tmp[2] = hex[c >> 4], tmp[3] = hex[c & 15], k = 4;
    } else {
      tmp[0] = (char)c, k = 1;
    }
    if (w + k + 1 > cap)
      break;
    memcpy(out + w, tmp, k);
    w += k;
  }
  out[w] = 0;
  return out;
}

int mwx_text_parse_i64(const char *s, int64_t lo, int64_t hi, const char *what, int64_t *out) {
  if (!what)
    what = "value";
  char e[64];
  if (!s || !*s)
    return mwx_error_set(MWX_EINVAL, "%s: no value given", what);
  const char *p = s + (*s == '-');
  if (!*p || strspn(p, "0123456789") != strlen(p))
    return mwx_error_set(MWX_EINVAL, "%s: '%s' is not a whole number", what, mwx_text_escape(s, e, sizeof e));
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno == ERANGE || v < lo || v > hi)
    return mwx_error_set(MWX_ERANGE, "%s: %s is outside %lld..%lld", what, mwx_text_escape(s, e, sizeof e),
                         (long long)lo, (long long)hi);
  *out = (int64_t)v;
  return 0;
}

int mwx_text_parse_f64(const char *s, double lo, double hi, const char *what, double *out) {
  if (!what)
    what = "value";
  char e[64];
  if (!s || !*s)
    return mwx_error_set(MWX_EINVAL, "%s: no value given", what);
  /* strtod also reads "inf", "nan" and hex floats: only decimal notation here */
  if (strspn(s, "0123456789+-.eE") != strlen(s))
    return mwx_error_set(MWX_EINVAL, "%s: '%s' is not a number", what, mwx_text_escape(s, e, sizeof e));
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end)
    return mwx_error_set(MWX_EINVAL, "%s: '%s' is not a number", what, mwx_text_escape(s, e, sizeof e));
  if (errno == ERANGE || !isfinite(v) || !(v >= lo && v <= hi))
    return mwx_error_set(MWX_ERANGE, "%s: %s is outside [%g, %g]", what, mwx_text_escape(s, e, sizeof e), lo, hi);
  *out = v;
  return 0;
}
