/*
 * cmd_replay.c - "mwx replay": what sharing is worth.  Runs the three
 * nations' real nodes (release policies, signatures, journals, fusion,
 * alerts) offline on one scenario under three conditions (alone, bilateral,
 * shared) and prints, per missile and nation, the picture each got, scored
 * against the truth from the nodes' events (node.h mwx_node_replay).
 *
 *   mwx replay SCENARIO.json [--topology mesh|hub] [--seed N] [--policy-dir DIR] [--only LIST] [--until S] [--json]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx replay SCENARIO.json [--topology mesh|hub] [--seed N] [--policy-dir DIR] [--only LIST] [--until S]\n"
             "       [--json]\n"
             "  the real nodes of KOR, JPN and USA, offline in this process, per missile and nation:\n"
             "  alone (no links), bilateral (KOR-USA and JPN-USA links: before 2023), shared (all three)\n"
             "  --topology   mesh (default: three links) or hub (shared through the USA, which relays)\n"
             "  --seed       simulator seed (unsigned integer, default 1)\n"
             "  --policy-dir release policies policy-<NAT>.json from DIR (default config/)\n"
             "  --only       a comma-separated list of the conditions to run (default all three; the others print -)\n"
             "  --until      stop S seconds after the first launch (S > 0; for long salvos: the flights\n"
             "               still in the air are scored on what the nodes had by then)\n"
             "  --json       {\"missiles\":[{\"id\",\"KOR\":{\"alone\":{...},\"bilateral\":{...},\"shared\":{...}},...}]}\n");
}

static int opt_topology(void *ctx, const char *opt, const char *v) {
  mwx_node_replay_opts *o = ctx;
  if (!strcmp(v, "mesh"))
    o->hub = 0;
  else if (!strcmp(v, "hub"))
    o->hub = 1;
  else
    return mwx_cmd_usage_error("replay", help, "--topology: '%s' is not mesh or hub", v);
  (void)opt;
  return 0;
}

static int opt_policy_dir(void *ctx, const char *opt, const char *v) {
  mwx_node_replay_opts *o = ctx;
  if (strlen(v) >= 400)
    return mwx_cmd_usage_error("replay", help, "--policy-dir: '%s' is too long", v);
  snprintf(o->policy_dir, sizeof o->policy_dir, "%s", v);
  (void)opt;
  return 0;
}

static int opt_only(void *ctx, const char *opt, const char *v) {
  mwx_node_replay_opts *o = ctx;
  static const char *const name[3] = {"alone", "bilateral", "shared"};
  o->conditions = 0;
  const char *p = v;
  while (*p) {
    size_t len = strcspn(p, ",");
    int k = 0;
    while (k < 3 && !(strlen(name[k]) == len && !strncmp(p, name[k], len)))
      k++;
    if (k == 3)
      return mwx_cmd_usage_error("replay", help, "--only: '%s' is not a list of alone, bilateral, shared", v);
    o->conditions |= 1 << k;
    p += len;
    if (*p == ',')
      p++;
  }
  if (!o->conditions)
    return mwx_cmd_usage_error("replay", help, "--only: '%s' names no condition", v);
  (void)opt;
  return 0;
}

static int opt_until(void *ctx, const char *opt, const char *v) {
  mwx_node_replay_opts *o = ctx;
  char *end = NULL;
  double s = strtod(v, &end);
  if (end == v || *end || !isfinite(s) || s <= 0 || s > 7 * 86400.0)
    return mwx_cmd_usage_error("replay", help, "--until: '%s' is not a number of seconds in (0, 604800]", v);
  o->until_s = s;
  (void)opt;
  return 0;
}

static void progress(void *ctx, const char *cond, double frac) {
  (void)ctx;
  fprintf(stderr, "\rmwx replay: %-9s %3.0f%%", cond, 100.0 * frac);
  fflush(stderr);
}

int mwx_cmd_replay(int argc, char **argv) {
  mwx_node_replay_opts o;
  mwx_node_replay_opts_default(&o);
  static const mwx_cmd_option opts[] = {{"--topology", 1, opt_topology}, {"--policy-dir", 1, opt_policy_dir},
                                        {"--only", 1, opt_only}, {"--until", 1, opt_until}};
  mwx_cmd_scenario_args a;
  int urc = mwx_cmd_scenario_parse("replay", help, argc, argv, opts, 4, &o, &a);
  if (urc || a.help)
    return urc;
  o.seed = a.seed;
  int tty = isatty(2);
  if (tty)
    o.progress = progress;
  mwx_node_replay_result r;
  int rc = mwx_node_replay(a.path, &o, &r);
  if (tty)
    fprintf(stderr, "\r%40s\r", "");
  if (rc) {
    mwx_cmd_report("replay", rc);
    mwx_node_replay_fini(&r);
    return 1;
  }
  if (a.json) {
    char *text = NULL;
    rc = mwx_fuse_replay_json(&r.keys, &text);
    if (!rc)
      printf("%s\n", text);
    free(text);
  } else {
    printf("%s - seed %llu, %s; the real nodes offline (journals sync normal, thrown away); %.0f + %.0f + %.0f s\n",
           a.path, (unsigned long long)o.seed, o.hub ? "hub (the USA relays)" : "mesh", r.wall_s[0], r.wall_s[1],
           r.wall_s[2]);
    if (o.until_s > 0)
      printf("stopped at +%.0f s after the first launch (--until): flights still in the air are scored on what the"
             " nodes had by then\n", o.until_s);
    static const char *const nat[3] = {"KOR", "JPN", "USA"};
    for (int n = 0; n < 3; n++)
      if (r.unfusable[n][2])
        printf("note: %s's node could not fuse %llu partner Track samples when shared (a release rule removed their "
               "covariance)\n",
               nat[n], (unsigned long long)r.unfusable[n][2]);
    rc = mwx_fuse_replay_print(stdout, &r.keys);
  }
  if (rc)
    mwx_cmd_report("replay", rc);
  mwx_node_replay_fini(&r);
  return rc ? 1 : 0;
}
