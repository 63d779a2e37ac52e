/*
 * config.c - an mwxd configuration file as a node configuration: the
 * "net" keys through mwx_net_config_load (which also refuses duplicate and
 * unknown keys for the whole file: its list of node keys must name every key
 * read here), the node's own keys here (see mwx_node_config_load in node.h
 * and docs/operations.md), and mwx_node_config_check, the one place that
 * states the range of every node setting.
 *
 * The ranges keep every later conversion inside int64 nanoseconds whatever
 * the file says (UBSan-clean): a step of at most an hour at a speed of at
 * least 1/1000 is at most 3.6e15 ns of waiting; a lead of at most a day is
 * 8.6e13 ns; start_unix_ms up to 2200-01-01 is 7.3e18 ns.
 */
#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/node.h"
#include "mwx/text.h"
#include "node_int.h"

#define SPEED_MIN 1e-3            /* besides 0 (as fast as possible) */
#define SPEED_MAX 1e6
#define STEP_MIN_S 1e-3
#define STEP_MAX_S 3600.0
#define EVERY_MAX_S 86400.0       /* impact_every_s, status_every_s, lead_s */
#define LINGER_MAX_S (366.0 * 86400.0)
#define START_MAX_MS 7258118400000ll /* 2200-01-01T00:00:00Z */

int mwx_node_config_check(const mwx_node_config *c) {
  if (!c)
    return mwx_error_set(MWX_EINVAL, "node config: NULL argument");
  const char *nat = c->nation;
  if (!(c->speed == 0 || (c->speed >= SPEED_MIN && c->speed <= SPEED_MAX)))
    return mwx_error_set(MWX_ERANGE, "node %s: speed %g must be 0 (as fast as possible) or in [%g, %g]", nat,
                         c->speed, SPEED_MIN, SPEED_MAX);
  static const struct {
    const char *name;
    size_t off;
    double lo, hi;
  } r[] = {{"step_s", offsetof(mwx_node_config, step_s), 0, STEP_MAX_S},
           {"impact_every_s", offsetof(mwx_node_config, impact_every_s), 1e-3, EVERY_MAX_S},
           {"status_every_s", offsetof(mwx_node_config, status_every_s), 0, EVERY_MAX_S},
           {"lead_s", offsetof(mwx_node_config, lead_s), 0, EVERY_MAX_S},
           {"linger_s", offsetof(mwx_node_config, linger_s), -1, LINGER_MAX_S}};
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
    double v = *(const double *)((const char *)c + r[i].off);
    if (!isfinite(v) || v < r[i].lo || v > r[i].hi)
      return mwx_error_set(MWX_ERANGE, "node %s: %s %g is outside [%g, %g]", nat, r[i].name, v, r[i].lo, r[i].hi);
  }
  if (c->step_s > 0 && c->step_s < STEP_MIN_S)
    return mwx_error_set(MWX_ERANGE, "node %s: step_s %g must be 0 (event-driven) or in [%g, %g]", nat, c->step_s,
                         STEP_MIN_S, STEP_MAX_S);
  if (c->fit_workers < 1 || c->fit_workers > 8 || c->fit_queue < 1 || c->fit_queue > 1024 ||
      c->test_fit_min_ms < 0 || c->test_fit_min_ms > 600000 || c->test_fuse_min_ms < 0 ||
      c->test_fuse_min_ms > 600000 || c->slow_pass_ms < 0 || c->slow_pass_ms > 60000 || c->batch_nice < 0 ||
      c->batch_nice > 19 || c->batch_sched < MWX_NODE_BATCH_OTHER || c->batch_sched > MWX_NODE_BATCH_IDLE)
    return mwx_error_set(MWX_ERANGE,
                         "node %s: fit_workers %d (1..8), fit_queue %d (1..1024), slow_pass_ms %d (0..60000),"
                         " batch_nice %d (0..19), batch_sched %d (0..2),"
                         " test_fit_min_ms %d or test_fuse_min_ms %d (0..600000) out of range",
                         nat, c->fit_workers, c->fit_queue, c->slow_pass_ms, c->batch_nice, c->batch_sched,
                         c->test_fit_min_ms, c->test_fuse_min_ms);
  if (c->malloc_mmap_threshold_kb &&
      (c->malloc_mmap_threshold_kb < MWX_NODE_MMAP_THRESHOLD_KB_MIN || c->malloc_mmap_threshold_kb > MWX_NODE_MMAP_THRESHOLD_KB_MAX))
    return mwx_error_set(MWX_ERANGE, "node %s: malloc_mmap_threshold_kb %d must be 0 (glibc's dynamic threshold) or in %d..%d",
                         nat, c->malloc_mmap_threshold_kb, MWX_NODE_MMAP_THRESHOLD_KB_MIN, MWX_NODE_MMAP_THRESHOLD_KB_MAX);
  if (c->sign_threads < 0 || c->sign_threads > NODE_SIGN_THREADS_MAX)
    return mwx_error_set(MWX_ERANGE, "node %s: sign_threads %d is outside 0..%d (0 and 1: the loop signs, no pool)", nat,
                         c->sign_threads, NODE_SIGN_THREADS_MAX);
  if (c->max_tracks < 1 || c->max_tracks > MWX_NODE_MAX_TRACKS)
    return mwx_error_set(MWX_ERANGE, "node %s: max_tracks %d is outside 1..%d", nat, c->max_tracks,
                         MWX_NODE_MAX_TRACKS);
  if (c->start_unix_ns < 0 || c->start_unix_ns > START_MAX_MS * 1000000ll)
    return mwx_error_set(MWX_ERANGE, "node %s: start time %lld ns is outside 1970..2200", nat,
                         (long long)c->start_unix_ns);
  if (c->node_id[0] && mwx_text_id_check(c->node_id, MWX_ID_LEN - 1, nat, "node_id"))
    return MWX_EINVAL;
  return 0;
}

/* dir-relative path into out (absolute paths kept). */
static int rel_path(const char *dir, const char *p, char *out, size_t cap) {
  int w = p[0] == '/' ? snprintf(out, cap, "%s", p) : snprintf(out, cap, "%s/%s", dir, p);
  return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* MWX_ENOTFOUND (absent, keep the default) is not an error here. */
static int opt(int rc) { return rc == MWX_ENOTFOUND ? 0 : rc ? MWX_EINVAL : 0; }

/* An optional string key with one of n names: *out = vals[i] of the name
 * given; absent leaves *out; anything else an MWX_EINVAL that lists them. */
static int get_choice(const json_t *root, const char *key, const char *const *names, const int *vals, int n,
                      const char *path, int *out) {
  json_t *v = json_object_get(root, key);
  if (!v)
    return 0;
  const char *s = json_string_value(v);
  for (int i = 0; s && i < n; i++)
    if (!strcmp(s, names[i])) {
      *out = vals[i];
      return 0;
    }
  char list[128] = "";
  for (int i = 0; i < n; i++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? (i == n - 1 ? " or " : ", ") : "",
             names[i]);
  return mwx_error_set(MWX_EINVAL, "%s: '%s' must be %s", path, key, list);
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
  c->step_s = 0;     /* event-driven: each scan when it arrives */
  c->launch_fit = 1; /* on the fit workers, off the loop thread */
  json_t *root;
  /* read again: mwx_net_config_load has checked keys and size; the file is
   * the same unless it was replaced in between, which the checks below
   * still hold to the same rules */
  if ((rc = mwx_json_load_file(path, (size_t)1 << 20, &root)))
    return rc == MWX_EIO ? rc : MWX_EINVAL;
  char dirbuf[MWX_NODE_PATH_LEN];
  snprintf(dirbuf, sizeof dirbuf, "%s", path);
  const char *dir = dirname(dirbuf);
  static const struct {
    const char *key;
    size_t off;
  } paths[] = {{"journal", offsetof(mwx_node_config, journal)},
               {"policy", offsetof(mwx_node_config, policy)},
               {"scenario", offsetof(mwx_node_config, scenario)},
               {"key", offsetof(mwx_node_config, key)},
               {"alert_rules", offsetof(mwx_node_config, alert_rules)}};
  rc = 0;
  for (size_t i = 0; i < sizeof paths / sizeof paths[0] && !rc; i++) {
    const char *s;
    int g = mwx_json_get_str(root, paths[i].key, path, &s);
    if (g == MWX_ENOTFOUND)
      continue;
    if (g || !*s || rel_path(dir, s, (char *)c + paths[i].off, MWX_NODE_PATH_LEN))
      rc = mwx_error_set(MWX_EINVAL, "%s: '%s' must be a path (a non-empty string of at most %d bytes)", path,
                         paths[i].key, MWX_NODE_PATH_LEN - 1);
  }
  static const struct {
    const char *key;
    size_t off;
    double lo, hi;
  } nums[] = {{"speed", offsetof(mwx_node_config, speed), 0, SPEED_MAX},
              {"step_s", offsetof(mwx_node_config, step_s), STEP_MIN_S, STEP_MAX_S},
              {"linger_s", offsetof(mwx_node_config, linger_s), -1, LINGER_MAX_S},
              {"status_every_s", offsetof(mwx_node_config, status_every_s), 0, EVERY_MAX_S},
              {"impact_every_s", offsetof(mwx_node_config, impact_every_s), 1e-3, EVERY_MAX_S},
              {"lead_s", offsetof(mwx_node_config, lead_s), 0, EVERY_MAX_S}};
  for (size_t i = 0; i < sizeof nums / sizeof nums[0] && !rc; i++)
    rc = opt(mwx_json_get_num(root, nums[i].key, nums[i].lo, nums[i].hi, path,
                              (double *)((char *)c + nums[i].off)));
  int64_t x;
  if (!rc && !(rc = opt(mwx_json_get_int(root, "seed", 0, INT64_MAX, path, &x))) && json_object_get(root, "seed"))
    c->seed = (uint64_t)x;
  if (!rc && !(rc = opt(mwx_json_get_int(root, "start_unix_ms", 0, START_MAX_MS, path, &x))) &&
      json_object_get(root, "start_unix_ms"))
    c->start_unix_ns = x * 1000000ll;
  if (!rc)
    rc = opt(mwx_json_get_bool(root, "journal_plots", path, &c->journal_plots));
  if (!rc)
    rc = opt(mwx_json_get_bool(root, "launch_fit", path, &c->launch_fit));
  /* the launch-fit workers and their queue's bound (node.h, docs/operations.md) */
  if (!rc && !(rc = opt(mwx_json_get_int(root, "fit_workers", 1, 8, path, &x))) && json_object_get(root, "fit_workers"))
    c->fit_workers = (int)x;
  if (!rc && !(rc = opt(mwx_json_get_int(root, "fit_queue", 1, 1024, path, &x))) && json_object_get(root, "fit_queue"))
    c->fit_queue = (int)x;
  /* the threads signing a pass's copies (node.h, docs/operations.md) */
  if (!rc && !(rc = opt(mwx_json_get_int(root, "sign_threads", 1, 8, path, &x))) &&
      json_object_get(root, "sign_threads"))
    c->sign_threads = (int)x;
  if (!rc && !(rc = opt(mwx_json_get_int(root, "slow_pass_ms", 0, 60000, path, &x))) &&
      json_object_get(root, "slow_pass_ms"))
    c->slow_pass_ms = (int)x;
  /* the malloc mmap threshold set at speed > 0 (node.h, docs/operations.md "Memory"); range checked with the rest */
  if (!rc && !(rc = opt(mwx_json_get_int(root, "malloc_mmap_threshold_kb", 0, MWX_NODE_MMAP_THRESHOLD_KB_MAX, path, &x))) &&
      json_object_get(root, "malloc_mmap_threshold_kb"))
    c->malloc_mmap_threshold_kb = (int)x;
  /* the batch threads' priority (node.h, docs/operations.md) */
  if (!rc && !(rc = opt(mwx_json_get_int(root, "batch_nice", 0, 19, path, &x))) && json_object_get(root, "batch_nice"))
    c->batch_nice = (int)x;
  json_t *v;
  if (!rc) {
    static const char *const names[] = {"other", "batch", "idle"};
    static const int vals[] = {MWX_NODE_BATCH_OTHER, MWX_NODE_BATCH_BATCH, MWX_NODE_BATCH_IDLE};
    rc = get_choice(root, "batch_sched", names, vals, 3, path, &c->batch_sched);
  }
  if (!rc)
    rc = opt(mwx_json_get_num(root, "replay_max_age_s", MWX_NODE_REPLAY_AGE_MIN_S, MWX_NODE_REPLAY_AGE_MAX_S,
                              path, &c->replay_max_age_s));
  if (!rc) {
    static const char *const names[] = {"full", "normal"};
    static const int vals[] = {MWX_JOURNAL_SYNC_FULL, MWX_JOURNAL_SYNC_NORMAL};
    int sync = (int)c->sync;
    rc = get_choice(root, "sync", names, vals, 2, path, &sync);
    c->sync = (mwx_journal_sync)sync;
  }
  if (!rc && (v = json_object_get(root, "node_id"))) {
    const char *s = json_string_value(v);
    if (!s)
      rc = mwx_error_set(MWX_EINVAL, "%s: 'node_id' must be a string", path);
    else if (!(rc = mwx_text_id_check(s, MWX_ID_LEN - 1, path, "'node_id'")))
      snprintf(c->node_id, sizeof c->node_id, "%s", s);
  }
  if (!rc && (v = json_object_get(root, "web_port"))) {
    /* read by mwxd (its web server); held to a port number here */
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
      rc = mwx_error_set(MWX_EINVAL, "%s: 'web_port' must be an integer 0..65535", path);
  }
  if (!rc && !c->journal[0])
    rc = mwx_error_set(MWX_EINVAL, "%s: 'journal' is required", path);
  if (!rc && !c->policy[0])
    snprintf(c->policy, sizeof c->policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, c->nation);
  if (!rc && !c->alert_rules[0]) { /* the source tree's rules of the nation, if it has any (USA: none) */
    char def[MWX_NODE_PATH_LEN];
    snprintf(def, sizeof def, "%s/config/alert-%s.json", MWX_SOURCE_DIR, c->nation);
    if (access(def, F_OK) == 0)
      snprintf(c->alert_rules, sizeof c->alert_rules, "%s", def);
  }
  json_decref(root);
  return rc;
}
