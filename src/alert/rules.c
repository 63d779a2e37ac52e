/*
 * rules.c - reading a nation's alert rules (config/alert-<NAT>.json; format
 * in docs/zones-and-alerts.md) into an mwx_alert_rules.  Strict, like the
 * release policy: every key known, every value checked, every error naming
 * the file, the rule (index and id) and the field.  All-or-nothing: *out is
 * written only when every rule has passed.  No rule means no alert.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mwx/alert.h"
#include "mwx/error.h"
#include "mwx/json.h"

#define MAX_RULES_FILE_BYTES ((size_t)1 << 20)

static int nation_ok(const char *s) {
  return s && strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' &&
         s[2] <= 'Z';
}

static const struct {
  const char *name;
  mwx_alert_kind kind;
} kinds[] = {{"info", MWX_ALERT_INFO}, {"sea_notice", MWX_ALERT_SEA_NOTICE}, {"land_warning", MWX_ALERT_LAND_WARNING}};

static const struct {
  const char *name;
  uint32_t bit;
} conds[] = {{"impact_territory", MWX_ALERT_ON_IMPACT_TERRITORY},
             {"overflight", MWX_ALERT_ON_OVERFLIGHT},
             {"impact_eez", MWX_ALERT_ON_IMPACT_EEZ},
             {"tracked", MWX_ALERT_ON_TRACKED}};

/* Which conditions each kind may name: a land warning is about land and
 * territorial sea only, a sea notice about the EEZ, information about any. */
static uint32_t allowed_on(mwx_alert_kind k) {
  switch (k) {
  case MWX_ALERT_LAND_WARNING: return MWX_ALERT_ON_IMPACT_TERRITORY | MWX_ALERT_ON_OVERFLIGHT;
  case MWX_ALERT_SEA_NOTICE: return MWX_ALERT_ON_IMPACT_EEZ;
  default: return MWX_ALERT_ON_TRACKED;
  }
}

typedef struct ctx {
  const char *name;
  size_t index;
  const char *id;
} ctx;

static int rule_err(const ctx *c, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int rule_err(const ctx *c, int code, const char *fmt, ...) {
  char what[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return mwx_error_set(code, "%s: rule %zu (%s): %s", c->name, c->index, c->id ? c->id : "no id", what);
}

static int parse_rule(const ctx *c0, json_t *r, mwx_alert_rule *out) {
  static const char *const keys[] = {"id", "kind", "on", "min_probability", "regions", "text", "description", NULL};
  ctx c = *c0;
  char where[160];
  memset(out, 0, sizeof *out);
  snprintf(where, sizeof where, "%s: rule %zu", c.name, c.index);
  int rc = mwx_json_check_keys(r, keys, where);
  if (rc) return rc;
  const char *s = NULL;
  rc = mwx_json_get_str(r, "id", where, &s);
  if (rc == MWX_ENOTFOUND || (!rc && !*s)) return rule_err(&c, MWX_EINVAL, "'id' (a non-empty string) is required");
  if (rc) return rc;
  c.id = s;
  if (strlen(s) >= MWX_ALERT_ID_LEN) return rule_err(&c, MWX_EINVAL, "'id' is longer than %d characters", MWX_ALERT_ID_LEN - 1);
  memcpy(out->id, s, strlen(s) + 1);
  snprintf(where, sizeof where, "%s: rule %zu (%s)", c.name, c.index, out->id);
  /* kind */
  rc = mwx_json_get_str(r, "kind", where, &s);
  if (rc == MWX_ENOTFOUND) return rule_err(&c, MWX_EINVAL, "'kind' is required (land_warning, sea_notice or info)");
  if (rc) return rc;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (!strcmp(s, kinds[i].name)) out->kind = kinds[i].kind;
  if (!out->kind) return rule_err(&c, MWX_EINVAL, "'kind' '%s' is not land_warning, sea_notice or info", s);
  /* on */
  json_t *on = json_object_get(r, "on");
  if (!on) return rule_err(&c, MWX_EINVAL, "'on' (a list of conditions) is required");
  if (!json_is_array(on) || !json_array_size(on)) return rule_err(&c, MWX_EINVAL, "'on' must be a non-empty list");
  size_t i;
  json_t *e;
  json_array_foreach(on, i, e) {
    const char *cs = json_string_value(e);
    uint32_t bit = 0;
    for (size_t k = 0; cs && k < sizeof conds / sizeof conds[0]; k++)
      if (!strcmp(cs, conds[k].name)) bit = conds[k].bit;
    if (!bit)
      return rule_err(&c, MWX_EINVAL, "'on' item %zu '%s' is not impact_territory, overflight, impact_eez or tracked",
                      i, cs ? cs : "(not a string)");
    if (out->on & bit) return rule_err(&c, MWX_EINVAL, "'on' names '%s' twice", cs);
    if (!(bit & allowed_on(out->kind)))
      return rule_err(&c, MWX_EINVAL, "'on' '%s' cannot make a %s (%s)", cs,
                      out->kind == MWX_ALERT_LAND_WARNING ? "land_warning"
                      : out->kind == MWX_ALERT_SEA_NOTICE ? "sea_notice"
                                                          : "info",
                      out->kind == MWX_ALERT_LAND_WARNING ? "impact_territory or overflight"
                      : out->kind == MWX_ALERT_SEA_NOTICE ? "impact_eez"
                                                          : "tracked");
    out->on |= bit;
  }
  /* min_probability: required exactly when an impact condition is named */
  int wants_p = (out->on & (MWX_ALERT_ON_IMPACT_TERRITORY | MWX_ALERT_ON_IMPACT_EEZ)) != 0;
  rc = mwx_json_get_num(r, "min_probability", 0.001, 0.95, where, &out->min_probability);
  if (rc == MWX_ENOTFOUND && wants_p)
    return rule_err(&c, MWX_EINVAL, "'min_probability' (0.001 .. 0.95 of the 95%% ellipse) is required with impact_*");
  if (rc && rc != MWX_ENOTFOUND) return rc;
  if (!rc && !wants_p) return rule_err(&c, MWX_EINVAL, "'min_probability' applies only to impact_* conditions");
  /* regions: required exactly for an overflight rule */
  int wants_r = (out->on & MWX_ALERT_ON_OVERFLIGHT) != 0;
  rc = mwx_json_get_str(r, "regions", where, &s);
  if (rc == MWX_ENOTFOUND && wants_r)
    return rule_err(&c, MWX_EINVAL, "'regions' (track or corridor) is required with overflight");
  if (rc && rc != MWX_ENOTFOUND) return rc;
  if (!rc && !wants_r) return rule_err(&c, MWX_EINVAL, "'regions' applies only to the overflight condition");
  if (!rc) {
    if (!strcmp(s, "corridor")) out->regions_from_corridor = 1;
    else if (strcmp(s, "track")) return rule_err(&c, MWX_EINVAL, "'regions' '%s' is not track or corridor", s);
  }
  /* text */
  rc = mwx_json_get_str(r, "text", where, &s);
  if (rc == MWX_ENOTFOUND) return rule_err(&c, MWX_EINVAL, "'text' (the message to the public) is required");
  if (rc) return rc;
  if (strlen(s) >= MWX_ALERT_TEXT_LEN) return rule_err(&c, MWX_EINVAL, "'text' is longer than %d bytes", MWX_ALERT_TEXT_LEN - 1);
  memcpy(out->text, s, strlen(s) + 1);
  if ((rc = mwx_json_get_str(r, "description", where, &s)) && rc != MWX_ENOTFOUND) return rc;
  return 0;
}

static int parse_root(json_t *root, const char *name, mwx_alert_rules *out) {
  static const char *const keys[] = {"nation", "description", "rules", NULL};
  mwx_alert_rules tmp; /* about 5 KiB */
  mwx_alert_rules *t = &tmp;
  int rc = mwx_json_check_keys(root, keys, name);
  if (rc) return rc;
  memset(t, 0, sizeof *t);
  const char *s;
  rc = mwx_json_get_str(root, "nation", name, &s);
  if (rc == MWX_ENOTFOUND) return mwx_error_set(MWX_EINVAL, "%s: 'nation' is required", name);
  if (rc) return rc;
  if (!nation_ok(s)) return mwx_error_set(MWX_EINVAL, "%s: 'nation' '%s' is not a three-letter upper-case code", name, s);
  memcpy(t->nation, s, 4);
  if ((rc = mwx_json_get_str(root, "description", name, &s)) && rc != MWX_ENOTFOUND) return rc;
  json_t *rules = json_object_get(root, "rules");
  if (!rules) return mwx_error_set(MWX_EINVAL, "%s: 'rules' (a list, may be empty) is required", name);
  if (!json_is_array(rules)) return mwx_error_set(MWX_EINVAL, "%s: 'rules' must be a list", name);
  if (json_array_size(rules) > MWX_ALERT_MAX_RULES)
    return mwx_error_set(MWX_EINVAL, "%s: %zu rules, at most %d", name, json_array_size(rules), MWX_ALERT_MAX_RULES);
  size_t i;
  json_t *r;
  json_array_foreach(rules, i, r) {
    ctx c = {name, i, NULL};
    if ((rc = parse_rule(&c, r, &t->rules[i]))) return rc;
    for (size_t k = 0; k < i; k++)
      if (!strcmp(t->rules[k].id, t->rules[i].id)) {
        c.id = t->rules[i].id;
        return rule_err(&c, MWX_EINVAL, "'id' repeats rule %zu", k);
      }
    t->n_rules = i + 1;
  }
  *out = *t;
  return 0;
}

int mwx_alert_rules_parse(const char *json_text, const char *name, mwx_alert_rules *out) {
  if (!json_text || !out) return mwx_error_set(MWX_EINVAL, "mwx_alert_rules_parse: NULL argument");
  if (!name) name = "alert rules";
  json_t *root;
  int rc = mwx_json_load_text(json_text, strlen(json_text), name, &root);
  if (rc) return rc;
  rc = parse_root(root, name, out);
  json_decref(root);
  return rc;
}

int mwx_alert_rules_load(const char *path, mwx_alert_rules *out) {
  if (!path || !out) return mwx_error_set(MWX_EINVAL, "mwx_alert_rules_load: NULL argument");
  json_t *root;
  int rc = mwx_json_load_file(path, MAX_RULES_FILE_BYTES, &root);
  if (rc) return rc;
  rc = parse_root(root, path, out);
  json_decref(root);
  return rc;
}
