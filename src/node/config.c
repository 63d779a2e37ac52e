/*
 * config.c - an mwxd configuration file as a node configuration: the
 * "net" keys through mwx_net_config_load, the node's own keys here (see
 * mwx_node_config_load in node.h and docs/operations.md).
 */
#include <jansson.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/node.h"

/* dir-relative path into out (absolute paths kept). */
static int rel_path(const char *dir, const char *p, char *out, size_t cap) {
  int w = p[0] == '/' ? snprintf(out, cap, "%s", p) : snprintf(out, cap, "%s/%s", dir, p);
  return w < 0 || (size_t)w >= cap ? -1 : 0;
}

int mwx_node_config_load(const char *path, mwx_node_config *c) {
  if (!path || !c)
    return mwx_error_set(MWX_EINVAL, "node config: NULL argument");
  mwx_node_config_init(c);
  int rc = mwx_net_config_load(path, &c->net);
  if (rc)
    return rc;
  memcpy(c->nation, c->net.nation, MWX_NATION_LEN);
  c->online = 1;
  c->speed = 1;
  c->linger_s = -1;
  c->launch_fit = 0; /* seconds of computation on the loop thread: opt in */
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (!root)
    return mwx_error_set(MWX_EPARSE, "%s: line %d column %d: %s", path, jerr.line, jerr.column, jerr.text);
  char dirbuf[MWX_NODE_PATH_LEN];
  snprintf(dirbuf, sizeof dirbuf, "%s", path);
  const char *dir = dirname(dirbuf);
  static const struct {
    const char *key;
    size_t off;
  } paths[] = {{"journal", offsetof(mwx_node_config, journal)},
               {"policy", offsetof(mwx_node_config, policy)},
               {"scenario", offsetof(mwx_node_config, scenario)},
               {"key", offsetof(mwx_node_config, key)}};
  rc = 0;
  for (size_t i = 0; i < sizeof paths / sizeof paths[0] && !rc; i++) {
    json_t *v = json_object_get(root, paths[i].key);
    if (!v)
      continue;
    if (!json_is_string(v) || rel_path(dir, json_string_value(v), (char *)c + paths[i].off, MWX_NODE_PATH_LEN))
      rc = mwx_error_set(MWX_EINVAL, "%s: '%s' must be a path", path, paths[i].key);
  }
  static const struct {
    const char *key;
    size_t off;
    double lo;
  } nums[] = {{"speed", offsetof(mwx_node_config, speed), 0},
              {"step_s", offsetof(mwx_node_config, step_s), 1e-3},
              {"linger_s", offsetof(mwx_node_config, linger_s), -1},
              {"status_every_s", offsetof(mwx_node_config, status_every_s), 0},
              {"impact_every_s", offsetof(mwx_node_config, impact_every_s), 1e-3},
              {"lead_s", offsetof(mwx_node_config, lead_s), 0}};
  for (size_t i = 0; i < sizeof nums / sizeof nums[0] && !rc; i++) {
    json_t *v = json_object_get(root, nums[i].key);
    if (!v)
      continue;
    if (!json_is_number(v) || json_number_value(v) < nums[i].lo)
      rc = mwx_error_set(MWX_EINVAL, "%s: '%s' must be a number >= %g", path, nums[i].key, nums[i].lo);
    else
      *(double *)((char *)c + nums[i].off) = json_number_value(v);
  }
  json_t *v;
  if (!rc && (v = json_object_get(root, "seed"))) {
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      rc = mwx_error_set(MWX_EINVAL, "%s: 'seed' must be an integer >= 0", path);
    else
      c->seed = (uint64_t)json_integer_value(v);
  }
  if (!rc && (v = json_object_get(root, "start_unix_ms"))) {
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      rc = mwx_error_set(MWX_EINVAL, "%s: 'start_unix_ms' must be an integer >= 0", path);
    else
      c->start_unix_ns = (int64_t)json_integer_value(v) * 1000000ll;
  }
  /* secreplay: the replay age bound, range-checked (docs/operations.md) */
  if (!rc && (v = json_object_get(root, "replay_max_age_s"))) {
    if (!json_is_number(v) || !(json_number_value(v) >= MWX_NODE_REPLAY_AGE_MIN_S) ||
        !(json_number_value(v) <= MWX_NODE_REPLAY_AGE_MAX_S))
      rc = mwx_error_set(MWX_EINVAL, "%s: 'replay_max_age_s' must be a number of seconds in [%g, %g]", path,
                         MWX_NODE_REPLAY_AGE_MIN_S, MWX_NODE_REPLAY_AGE_MAX_S);
    else
      c->replay_max_age_s = json_number_value(v);
  }
  if (!rc && (v = json_object_get(root, "journal_plots"))) {
    if (!json_is_boolean(v))
      rc = mwx_error_set(MWX_EINVAL, "%s: 'journal_plots' must be true or false", path);
    else
      c->journal_plots = json_is_true(v);
  }
  if (!rc && (v = json_object_get(root, "launch_fit"))) {
    if (!json_is_boolean(v))
      rc = mwx_error_set(MWX_EINVAL, "%s: 'launch_fit' must be true or false", path);
    else
      c->launch_fit = json_is_true(v);
  }
  if (!rc && (v = json_object_get(root, "sync"))) {
    const char *s = json_string_value(v);
    if (s && !strcmp(s, "full"))
      c->sync = MWX_JOURNAL_SYNC_FULL;
    else if (s && !strcmp(s, "normal"))
      c->sync = MWX_JOURNAL_SYNC_NORMAL;
    else
      rc = mwx_error_set(MWX_EINVAL, "%s: 'sync' must be \"full\" or \"normal\"", path);
  }
  if (!rc && !c->journal[0])
    rc = mwx_error_set(MWX_EINVAL, "%s: 'journal' is required", path);
  if (!rc && !c->policy[0])
    snprintf(c->policy, sizeof c->policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, c->nation);
  json_decref(root);
  return rc;
}
