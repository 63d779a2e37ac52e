/*
 * json.h - the one way mwx reads JSON from outside: files (scenarios, node
 * configurations, release policies, alert rules, sensor laydowns) and text
 * (web requests).  Strict by construction:
 *   - a file must be a regular file of at most max_bytes (a directory, a FIFO
 *     or /dev/zero is refused with its name, never read until memory runs out);
 *   - a key given twice in one object is refused (Jansson's
 *     JSON_REJECT_DUPLICATES), with the line and column;
 *   - mwx_json_check_keys() refuses any key a schema does not name, so that a
 *     misspelling ("journal_plot") is an error, not a silent default;
 *   - numbers are read through range-checked getters, so that a value from
 *     outside never overflows a conversion (UBSan-clean).
 * Every error goes through mwx_error_set() and names the file (or `what`),
 * the key and what was expected.  All functions are pure with respect to
 * global state and safe from any thread.
 */
#ifndef MWX_JSON_H
#define MWX_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Default bound on a configuration-type file: 16 MiB. */
#define MWX_JSON_MAX_FILE_BYTES ((size_t)16 << 20)

/* Reads and parses the JSON file at path (at most max_bytes; 0 means
 * MWX_JSON_MAX_FILE_BYTES).  On success *out is a new reference the caller
 * must json_decref().  Errors: MWX_EIO (cannot open, not a regular file, read
 * error), MWX_ERANGE (too large), MWX_EPARSE (syntax, duplicate key: message
 * names "path:line:column: what (line L column C)"). */
int mwx_json_load_file(const char *path, size_t max_bytes, json_t **out);

/* The same for text in memory; `what` names the source in messages
 * ("request body", "policy rule"). */
int mwx_json_load_text(const char *text, size_t len, const char *what, json_t **out);

/* Checks that obj is a JSON object and that every key of it is one of the
 * NULL-terminated list allowed.  `where` names the object in the message
 * ("config/jpn.json", "policy-KOR.json rule 'r3'").  MWX_EPARSE on the first
 * unknown key, naming it. */
int mwx_json_check_keys(const json_t *obj, const char *const *allowed, const char *where);

/* Range-checked getters.  Absent key: returns MWX_ENOTFOUND and leaves *out
 * untouched (callers with a default ignore that code; callers that require the
 * key report it).  Present but wrong type, not finite or outside [lo, hi]:
 * MWX_EPARSE / MWX_ERANGE naming where and key. */
int mwx_json_get_int(const json_t *obj, const char *key, int64_t lo, int64_t hi, const char *where,
                     int64_t *out);
int mwx_json_get_num(const json_t *obj, const char *key, double lo, double hi, const char *where,
                     double *out);
int mwx_json_get_bool(const json_t *obj, const char *key, const char *where, int *out);
/* *out points into obj (valid while obj lives).  Strings with control
 * characters are refused. */
int mwx_json_get_str(const json_t *obj, const char *key, const char *where, const char **out);

#endif /* MWX_JSON_H */
