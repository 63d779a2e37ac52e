/*
 * policy.c - reading a node's release policy (JSON; format in
 * docs/policy.md) into an mwx_release_policy.  Strict: unknown keys,
 * topics, fields, classes, modes, malformed nation codes, duplicate rule
 * ids and conflicting rules are refused with a message naming the rule
 * (index and id).  All-or-nothing: the result is built in a local copy and
 * written out only when every rule has passed.
 *
 * A policy is read by its own nation but its rule ids travel to partners in
 * every marking and are printed on their consoles, so an id is held to the id
 * character set of mwx/text.h (no space, quote or control character), and
 * every string in the file is refused if it holds a control character.  A key
 * of the wrong type is named as such ("'partner' must be a string"), not
 * reported as missing.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/release.h"
#include "mwx/text.h"
#include "release_int.h"

static int nation_code_ok(const char *s) {
  return s && strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' &&
         s[2] <= 'Z';
}

static const struct {
  const char *name;
  uint32_t bit;
} field_names[] = {{"sensors", MWX_F_SENSORS},
                   {"sensor_positions", MWX_F_SENSOR_POS},
                   {"covariance", MWX_F_COVARIANCE},
                   {"contributors", MWX_F_CONTRIBUTORS}};

static const char *const class_names[] = {"UNKNOWN", "SRBM", "MRBM", "IRBM", "ICBM"};
static const char *const classif_names[] = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"};

const char *mwx_release_field_name(uint32_t bit) {
  for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
    if (field_names[i].bit == bit) return field_names[i].name;
  return "?";
}

/* Rule context for messages: "policy.json: rule 3 (kor-usa-track): ". */
typedef struct ctx {
  const char *name;
  size_t index;
  const char *id;
} ctx;

#define RULE_ERR(c, ...) rule_err((c), __VA_ARGS__)
static int rule_err(const ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int rule_err(const ctx *c, const char *fmt, ...) {
  char what[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  char id[4 * MWX_ID_LEN];
  mwx_text_escape(c->id ? c->id : "no id", id, sizeof id);
  return mwx_error_set(MWX_EINVAL, "%s: rule %zu (%s): %s", c->name, c->index, id, what);
}

/* The first key of o not in allowed (NULL-terminated), or NULL. */
static const char *unknown_key(json_t *o, const char *const *allowed) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int ok = 0;
    for (size_t i = 0; allowed[i]; i++) ok |= !strcmp(k, allowed[i]);
    if (!ok) return k;
  }
  return NULL;
}

static int check_keys(const ctx *c, json_t *o, const char *const *allowed, const char *where) {
  const char *k = unknown_key(o, allowed);
  return k ? RULE_ERR(c, "unknown key '%s' in %s", k, where) : 0;
}

static int get_number(const ctx *c, json_t *o, const char *key, double lo, double hi, double *out) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  if (!json_is_number(v)) return RULE_ERR(c, "'%s' must be a number", key);
  double d = json_number_value(v);
  if (!isfinite(d) || d < lo || d > hi) return RULE_ERR(c, "'%s' = %g is outside [%g, %g]", key, d, lo, hi);
  *out = d;
  return 0;
}

/* The string under key into *out (NULL when absent).  Present but not a
 * string, or holding a control character: an error naming the key. */
static int get_string(const ctx *c, json_t *o, const char *key, const char **out) {
  json_t *v = json_object_get(o, key);
  *out = NULL;
  if (!v) return 0;
  if (!json_is_string(v)) return RULE_ERR(c, "'%s' must be a string", key);
  const char *s = json_string_value(v);
  for (size_t i = 0; i < json_string_length(v); i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return RULE_ERR(c, "'%s' holds a control character at byte %zu", key, i);
  *out = s;
  return 0;
}

static int parse_rule(const ctx *c, json_t *r, const char *own_nation, mwx_release_rule *out) {
  static const char *const keys[] = {"id",     "partner",        "topic",      "classes",          "mode",
                                     "remove", "coarsen",        "classification", "manual_timeout_s", "on_timeout",
                                     "description", NULL};
  memset(out, 0, sizeof *out);
  if (!json_is_object(r)) return RULE_ERR(c, "a rule must be a JSON object");
  int rc = check_keys(c, r, keys, "rule");
  if (rc) return rc;
  const char *s;
  static const char *const strs[] = {"id", "partner", "topic", "mode", "classification", "on_timeout", "description",
                                     NULL};
  for (size_t i = 0; strs[i]; i++)
    if ((rc = get_string(c, r, strs[i], &s))) return rc;
  /* id */
  s = json_string_value(json_object_get(r, "id"));
  if (!s || !*s) return RULE_ERR(c, "'id' (a non-empty string) is required");
  if (strlen(s) >= MWX_ID_LEN) return RULE_ERR(c, "'id' is longer than %d characters", MWX_ID_LEN - 1);
  if (!mwx_text_id_chars_ok(s))
    return RULE_ERR(c, "'id' may hold only A-Z a-z 0-9 - _ . : / @ + (it is printed on partners' consoles)");
  memcpy(out->id, s, strlen(s) + 1);
  /* partner */
  s = json_string_value(json_object_get(r, "partner"));
  if (!s) return RULE_ERR(c, "'partner' (a nation code) is required");
  if (!nation_code_ok(s)) return RULE_ERR(c, "partner '%s' is not a three-letter upper-case nation code", s);
  if (!strcmp(s, own_nation)) return RULE_ERR(c, "partner '%s' is this node's own nation", s);
  memcpy(out->partner, s, 4);
  /* topic */
  s = json_string_value(json_object_get(r, "topic"));
  if (!s) return RULE_ERR(c, "'topic' is required (Track, LaunchEvent, ImpactPrediction, Alert, NodeStatus or *)");
  if (strcmp(s, "*") != 0) {
    mwx_msg_topic t;
    if (mwx_msg_topic_parse(s, &t))
      return RULE_ERR(c, "unknown topic '%s' (Track, LaunchEvent, ImpactPrediction, Alert, NodeStatus or *)", s);
    out->topic = (uint8_t)t;
  }
  /* classes */
  json_t *v = json_object_get(r, "classes");
  if (v) {
    if (!json_is_array(v) || json_array_size(v) == 0) return RULE_ERR(c, "'classes' must be a non-empty array");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      s = json_string_value(e);
      int found = -1;
      for (int k = 0; s && k < 5; k++)
        if (!strcasecmp(s, class_names[k])) found = k;
      if (found < 0)
        return RULE_ERR(c, "unknown missile class '%s' (SRBM, MRBM, IRBM, ICBM, UNKNOWN)", s ? s : "(not a string)");
      out->classes |= 1u << found;
    }
  }
  /* mode */
  s = json_string_value(json_object_get(r, "mode"));
  if (!s) return RULE_ERR(c, "'mode' (auto or manual) is required");
  if (!strcmp(s, "auto"))
    out->mode = MWX_RELEASE_AUTO;
  else if (!strcmp(s, "manual"))
    out->mode = MWX_RELEASE_MANUAL;
  else
    return RULE_ERR(c, "unknown mode '%s' (auto or manual)", s);
  /* remove */
  v = json_object_get(r, "remove");
  if (v) {
    if (!json_is_array(v)) return RULE_ERR(c, "'remove' must be an array of field names");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      s = json_string_value(e);
      uint32_t bit = 0;
      for (size_t k = 0; s && k < sizeof field_names / sizeof field_names[0]; k++)
        if (!strcmp(s, field_names[k].name)) bit = field_names[k].bit;
      if (!bit)
        return RULE_ERR(c, "unknown field '%s' in remove (sensors, sensor_positions, covariance, contributors)",
                        s ? s : "(not a string)");
      out->remove |= bit;
    }
  }
  /* coarsen */
  v = json_object_get(r, "coarsen");
  if (v) {
    static const char *const ckeys[] = {"position_m", "time_s", NULL};
    if (!json_is_object(v)) return RULE_ERR(c, "'coarsen' must be an object {position_m, time_s}");
    if ((rc = check_keys(c, v, ckeys, "coarsen"))) return rc;
    if ((rc = get_number(c, v, "position_m", 0, 1e6, &out->coarsen_m))) return rc;
    if ((rc = get_number(c, v, "time_s", 0, 86400, &out->coarsen_s))) return rc;
  }
  /* classification */
  s = json_string_value(json_object_get(r, "classification"));
  if (!s) return RULE_ERR(c, "'classification' (highest releasable: UNCLASSIFIED .. SECRET) is required");
  int cl = -1;
  for (int k = 0; k < 4; k++)
    if (!strcmp(s, classif_names[k])) cl = k;
  if (cl < 0) return RULE_ERR(c, "unknown classification '%s' (UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET)", s);
  out->max_classification = (uint8_t)cl;
  /* manual timeout */
  double to = 60.0;
  json_t *tv = json_object_get(r, "manual_timeout_s");
  json_t *ov = json_object_get(r, "on_timeout");
  if (out->mode != MWX_RELEASE_MANUAL && (tv || ov))
    return RULE_ERR(c, "'manual_timeout_s' / 'on_timeout' only apply to mode manual");
  if ((rc = get_number(c, r, "manual_timeout_s", 1, 7 * 86400, &to))) return rc;
  out->timeout_s = (int64_t)to;
  out->on_timeout = MWX_RELEASE_TIMEOUT_DENY;
  if (ov) {
    s = json_string_value(ov);
    if (s && !strcmp(s, "deny"))
      out->on_timeout = MWX_RELEASE_TIMEOUT_DENY;
    else if (s && !strcmp(s, "approve"))
      out->on_timeout = MWX_RELEASE_TIMEOUT_APPROVE;
    else
      return RULE_ERR(c, "'on_timeout' must be \"deny\" or \"approve\"");
  }
  if (out->mode != MWX_RELEASE_MANUAL) out->timeout_s = 0;
  return 0;
}

static int same_outcome(const mwx_release_rule *a, const mwx_release_rule *b) {
  return a->mode == b->mode && a->remove == b->remove && a->coarsen_m == b->coarsen_m &&
         a->coarsen_s == b->coarsen_s && a->max_classification == b->max_classification &&
         a->timeout_s == b->timeout_s && a->on_timeout == b->on_timeout;
}

int mwx_release_rules_overlap(const mwx_release_rule *a, const mwx_release_rule *b) {
  return !strcmp(a->partner, b->partner) && (a->topic == 0 || b->topic == 0 || a->topic == b->topic) &&
         (a->classes == 0 || b->classes == 0 || (a->classes & b->classes) != 0);
}

int mwx_release_policy_parse(const char *text, const char *name, mwx_release_policy *out) {
  if (!text || !out) return mwx_error_set(MWX_EINVAL, "policy: NULL argument");
  if (!name) name = "policy";
  json_t *root;
  int lrc = mwx_json_load_text(text, strlen(text), name, &root);
  if (lrc) return lrc;
  mwx_release_policy *p = calloc(1, sizeof *p);
  int rc = 0;
  if (!p) {
    json_decref(root);
    return mwx_error_set(MWX_ENOMEM, "%s: out of memory", name);
  }
  static const char *const keys[] = {"nation", "default", "rules", "description", NULL};
  const char *s;
  json_t *rules;
  if (!json_is_object(root)) {
    rc = mwx_error_set(MWX_EINVAL, "%s: a policy must be a JSON object", name);
    goto done;
  }
  const char *unknown = unknown_key(root, keys);
  if (unknown) {
    rc = mwx_error_set(MWX_EINVAL, "%s: unknown key '%s' (nation, default, rules, description)", name, unknown);
    goto done;
  }
  json_t *dv = json_object_get(root, "description");
  if (dv && !json_is_string(dv)) {
    rc = mwx_error_set(MWX_EINVAL, "%s: 'description' must be a string", name);
    goto done;
  }
  s = json_string_value(json_object_get(root, "nation"));
  if (!nation_code_ok(s)) {
    rc = mwx_error_set(MWX_EINVAL, "%s: 'nation' must be a three-letter upper-case nation code, got '%s'", name,
                       s ? s : "(missing)");
    goto done;
  }
  memcpy(p->nation, s, 4);
  json_t *def = json_object_get(root, "default");
  if (def && !(json_is_string(def) && !strcmp(json_string_value(def), "deny"))) {
    rc = mwx_error_set(MWX_EINVAL, "%s: 'default' can only be \"deny\" (nothing leaves without a rule)", name);
    goto done;
  }
  rules = json_object_get(root, "rules");
  if (!json_is_array(rules)) {
    rc = mwx_error_set(MWX_EINVAL, "%s: 'rules' (an array) is required", name);
    goto done;
  }
  if (json_array_size(rules) > MWX_RELEASE_MAX_RULES) {
    rc = mwx_error_set(MWX_ERANGE, "%s: %zu rules, at most %d", name, json_array_size(rules), MWX_RELEASE_MAX_RULES);
    goto done;
  }
  size_t i;
  json_t *r;
  json_array_foreach(rules, i, r) {
    ctx c = {name, i, json_string_value(json_object_get(r, "id"))};
    if ((rc = parse_rule(&c, r, p->nation, &p->rules[i]))) goto done;
    for (size_t k = 0; k < i; k++) {
      if (!strcmp(p->rules[k].id, p->rules[i].id)) {
        rc = RULE_ERR(&c, "duplicate id (also rule %zu)", k);
        goto done;
      }
      if (mwx_release_rules_overlap(&p->rules[k], &p->rules[i]) && !same_outcome(&p->rules[k], &p->rules[i])) {
        rc = RULE_ERR(&c, "conflicts with rule %zu (%s): both match partner %s, topic %s and a common class but "
                          "with different outcomes",
                      k, p->rules[k].id, p->rules[i].partner,
                      p->rules[i].topic ? mwx_msg_topic_name((mwx_msg_topic)p->rules[i].topic)
                                        : (p->rules[k].topic ? mwx_msg_topic_name((mwx_msg_topic)p->rules[k].topic)
                                                             : "*"));
        goto done;
      }
    }
    p->n_rules = i + 1;
  }
  *out = *p;
done:
  json_decref(root);
  free(p);
  return rc;
}

int mwx_release_policy_load(const char *path, mwx_release_policy *out) {
  if (!path || !out) return mwx_error_set(MWX_EINVAL, "policy: NULL argument");
  /* a regular file of at most 16 MiB (a directory or a device is named as such) */
  json_t *root;
  int rc = mwx_json_load_file(path, MWX_JSON_MAX_FILE_BYTES, &root);
  if (rc) return rc;
  /* parsed from text so that a policy from a file and one given as text are
   * read by exactly the same code */
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!text) return mwx_error_set(MWX_ENOMEM, "%s: out of memory", path);
  rc = mwx_release_policy_parse(text, path, out);
  free(text);
  return rc;
}
