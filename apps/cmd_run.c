/*
 * cmd_run.c - "mwx run": one nation's whole pipeline without a network
 * (simulated sensors of that nation, tracking, assessment, release
 * decisions per partner, signing, journal), faster than real time.
 *
 *   mwx run SCENARIO.json --nation KOR --journal DB [--policy FILE]
 *           [--seed N] [--speed X] [--step S] [--sync full|normal] [--no-plots]
 *           [--log] [--json]
 *
 * The default policy is config/policy-<NATION>.json of the source tree.
 * --speed X plays X sim seconds per wall second (default: as fast as
 * possible).  --step S is the tracker's cadence in sim seconds (default 1;
 * 0: event-driven, each scan at its own time, as mwxd).  --log prints one line per decision as soon as its journal
 * record is durable (what a partner would have been sent).  Prints a
 * summary: samples released per partner and topic, held, approved,
 * denied, refused, and the time from the first launch to the first
 * release per partner.  The signing key is made for the run; its public
 * half is written to DB.pub, and the journal is owned by the nation and
 * sealed with that key at every commit.  An existing journal of another
 * nation, or of an earlier run (sealed with another key), is refused:
 * nothing is appended and DB.pub is left as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx run SCENARIO.json --nation KOR|JPN|USA --journal DB [--policy FILE] [--key FILE]\n"
             "               [--seed N] [--speed X] [--step S] [--sync full|normal] [--no-plots] [--log] [--json]\n"
             "  --nation   whose sensors and policy (required)\n"
             "  --journal  journal database, new (the run's public key goes to DB.pub; a journal of\n"
             "             another nation is refused; an earlier run's journal can be continued only\n"
             "             with the same --key)\n"
             "  --key      the nation's Ed25519 origin key (PEM); default: a new key per run\n"
             "  --policy   release policy (default config/policy-<NATION>.json)\n"
             "  --seed     simulator seed (default 1)\n"
             "  --speed    sim seconds per wall second (default: as fast as possible)\n"
             "  --step     tracker cadence, sim seconds (default 1; 0: each scan when it arrives)\n"
             "  --sync     journal durability: full (default, every commit fsynced) or normal\n"
             "  --no-plots do not journal each plot\n"
             "  --log      one line per decision, printed once its journal record is durable\n"
             "  --json     print the summary as one JSON object\n");
}

typedef struct run_ctx {
  const char *nation;
  int log;
  int64_t epoch_ns;
} run_ctx;

static void on_event(void *vc, const mwx_node_event *ev) {
  run_ctx *c = vc;
  if (!c->log)
    return;
  char line[512];
  mwx_node_event_format(c->nation, c->epoch_ns, ev, line, sizeof line);
  printf("%s\n", line);
  fflush(stdout);
}

static int usage_error(const char *what, const char *arg) {
  fprintf(stderr, "mwx run: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
  help(stderr);
  return 2;
}

int mwx_cmd_run(int argc, char **argv) {
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  cfg.status_every_s = 60;
  const char *scenario = NULL, *nation = NULL, *journal = NULL, *policy = NULL;
  int json = 0, log = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(stdout);
      return 0;
    } else if (!strcmp(a, "--json"))
      json = 1;
    else if (!strcmp(a, "--log"))
      log = 1;
    else if (!strcmp(a, "--no-plots"))
      cfg.journal_plots = 0;
    else if (!strcmp(a, "--nation") && v)
      nation = argv[++i];
    else if (!strcmp(a, "--journal") && v)
      journal = argv[++i];
    else if (!strcmp(a, "--policy") && v)
      policy = argv[++i];
    else if (!strcmp(a, "--key") && v) {
      if (strlen(v) >= sizeof cfg.key)
        return usage_error("--key path is too long", v);
      snprintf(cfg.key, sizeof cfg.key, "%s", argv[++i]);
    }
    else if (!strcmp(a, "--seed") && v) {
      if (mwx_cmd_parse_u64(v, &cfg.seed))
        return usage_error("--seed needs an unsigned integer", v);
      i++;
    } else if (!strcmp(a, "--speed") && v) {
      char *end;
      double s = strtod(v, &end);
      if (!*v || *end || !(s >= 0) || s > 1e6)
        return usage_error("--speed needs a number >= 0", v);
      cfg.speed = s;
      i++;
    } else if (!strcmp(a, "--step") && v) {
      char *end;
      double s = strtod(v, &end);
      if (!*v || *end || !(s == 0 || (s >= 1e-3 && s <= 3600)))
        return usage_error("--step needs 0 or a number of sim seconds in [0.001, 3600]", v);
      cfg.step_s = s;
      i++;
    } else if (!strcmp(a, "--sync") && v) {
      if (!strcmp(v, "full"))
        cfg.sync = MWX_JOURNAL_SYNC_FULL;
      else if (!strcmp(v, "normal"))
        cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
      else
        return usage_error("--sync is full or normal", v);
      i++;
    } else if (a[0] != '-' && !scenario)
      scenario = a;
    else
      return usage_error("bad argument", a);
  }
  if (!scenario || !nation || !journal)
    return usage_error("SCENARIO, --nation and --journal are required", NULL);
  if (strlen(nation) != 3)
    return usage_error("--nation needs a three-letter code", nation);
  snprintf(cfg.nation, sizeof cfg.nation, "%s", nation);
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s", scenario);
  snprintf(cfg.journal, sizeof cfg.journal, "%s", journal);
  if (policy)
    snprintf(cfg.policy, sizeof cfg.policy, "%s", policy);
  else
    snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nation);
  run_ctx c = {nation, log, 0};
  mwx_node *n = NULL;
  int rc = mwx_node_open(&cfg, on_event, &c, &n);
  if (rc) {
    mwx_cmd_report("run", rc);
    return 1;
  }
  c.epoch_ns = mwx_node_epoch_ns(n);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  rc = mwx_node_run(n);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc) {
    mwx_cmd_report("run", rc);
    mwx_node_close(n);
    return 1;
  }
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  mwx_node_stats_print(stdout, &st, nation, wall, json);
  if (!json)
    printf("journal: %s (check: mwx audit verify %s)\n", journal, journal);
  mwx_node_close(n);
  return 0;
}
