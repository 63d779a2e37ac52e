/*
 * text.h - the small text rules every input path of mwx shares (core module,
 * next to json.h): which characters an id may hold, how a string that came
 * from outside is escaped before it reaches a console or a log, and how a
 * number given on a command line is read with its range checked.
 *
 * Ids (policy rule ids, track ids, sensor and launch ids, node ids, alert
 * ids) are 1 to MWX_TEXT_ID_MAX bytes of the "id character set":
 *     A-Z a-z 0-9  and  - _ . : / @ +
 * No space, no quote, no backslash, no control character and no byte above
 * 0x7e, so that an id printed in a log line or written into JSON or XML can
 * neither start a new line nor close a field.  docs/security.md ("Input")
 * states the same set.
 *
 * All functions are pure (no global state besides mwx_error_set's
 * thread-local message) and safe from any thread.
 */
#ifndef MWX_TEXT_H
#define MWX_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Longest id in bytes, without its NUL (MWX_ID_LEN - 1 of msg.h). */
#define MWX_TEXT_ID_MAX 31

/* 1 if c is in the id character set, else 0. */
int mwx_text_id_char(int c);

/* Checks that s is a valid id: 1..max_len bytes (max_len 0 means
 * MWX_TEXT_ID_MAX), each in the id character set.  On failure returns
 * MWX_EINVAL with a message "<where>: <what> ... " naming the first bad byte
 * (escaped) and its offset; `where` and `what` name the source ("policy.json
 * rule 3", "rule id"). */
int mwx_text_id_check(const char *s, size_t max_len, const char *where, const char *what);

/* 1 if every byte of s is in the id character set (s may be empty). */
int mwx_text_id_chars_ok(const char *s);

/* Writes s into out (capacity cap >= 1, always NUL-terminated) with every byte
 * outside printable ASCII 0x20..0x7e written as \xNN and a backslash as \\,
 * so that the result is one line of plain ASCII whatever s holds.  Truncates
 * (never in the middle of an escape) when out is too small; 4 * strlen(s) + 1
 * bytes always suffice.  s NULL writes "".  Returns out, for use as a printf
 * argument. */
char *mwx_text_escape(const char *s, char *out, size_t cap);

/* Parses s as a whole decimal integer (optional '-', digits, nothing after)
 * within [lo, hi].  `what` names it ("--timeout").  MWX_EINVAL (not a number)
 * or MWX_ERANGE (outside the range, including anything beyond int64), with a
 * message naming what, the text and the range; *out untouched on error. */
int mwx_text_parse_i64(const char *s, int64_t lo, int64_t hi, const char *what, int64_t *out);

/* The same for a finite decimal number (strtod syntax, no inf/nan, nothing
 * after it) within [lo, hi]. */
int mwx_text_parse_f64(const char *s, double lo, double hi, const char *what, double *out);

#endif /* MWX_TEXT_H */
