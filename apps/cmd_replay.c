/*
 * cmd_replay.c - "mwx replay": what sharing is worth.  Runs the three
 * nations' pipelines on one simulated scenario and reports, per missile and
 * nation, the picture it gets alone, bilateral (with the USA) and shared
 * (all three), from the library's mwx_fuse_replay.
 *
 *   mwx replay SCENARIO.json [--topology mesh|hub] [--seed N] [--json]
 *
 * With the zone file and config/alert-<NAT>.json: zone, alert and
 * overflight keys per nation and arrangement (docs/zones-and-alerts.md).
 * In-process: the samples go from one nation's tracker to the others'
 * fusers directly (no DDS, no release, no journal; see docs/fusion.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/sim.h"
#include "mwx/zone.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx replay SCENARIO.json [--topology mesh|hub] [--seed N] [--json]\n"
             "  per missile and nation: alone (own sensors), bilateral (own + the USA's tracks),\n"
             "  shared (all three), each nation's fused picture scored against the truth\n"
             "  --topology  mesh (default) or hub (in-process both deliver the same samples)\n"
             "  --seed      simulator seed (unsigned integer, default 1)\n"
             "  --json      one JSON object {\"missiles\":[{\"id\",\"KOR\":{\"alone\":{...},...},...}]}\n");
}

static int usage_error(const char *fmt, const char *arg) { return mwx_cmd_usage_error("replay", help, fmt, arg); }

int mwx_cmd_replay(int argc, char **argv) {
  const char *path = NULL;
  mwx_fuse_replay_opts o;
  mwx_fuse_replay_opts_default(&o);
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--topology") || !strcmp(a, "--seed")) {
      if (i + 1 >= argc)
        return usage_error("%s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--topology")) {
        if (!strcmp(v, "mesh"))
          o.hub = 0;
        else if (!strcmp(v, "hub"))
          o.hub = 1;
        else
          return usage_error("--topology: '%s' is not mesh or hub", v);
      } else if (mwx_cmd_parse_u64(v, &o.seed)) {
        return usage_error("--seed: '%s' is not an unsigned integer", v);
      }
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option '%s'", a);
    } else if (!path) {
      path = a;
    } else {
      return usage_error("unexpected argument '%s'", a);
    }
  }
  if (!path)
    return usage_error("%s", "missing SCENARIO.json");
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  mwx_fuse_replay_result r;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  memset(&r, 0, sizeof r);
  int rc = mwx_sim_scenario_load(path, &sc);
  if (!rc)
    rc = mwx_sim_truth_init(&truth, &sc, 1.0);
  if (!rc && isatty(2))
    fprintf(stderr, "mwx replay: %s: three nations, three arrangements...\n", sc.name);
  /* zones and the nations' alert rules (config/alert-<NAT>.json of the source tree; USA: none) */
  mwx_zone *z = NULL;
  static mwx_alert_rules rules[3];
  static const char *const nat[3] = {"KOR", "JPN", "USA"};
  if (!rc && !(rc = mwx_zone_open(NULL, &z))) {
    o.zone = z;
    for (int a = 0; a < 3 && !rc; a++) {
      char rp[1024];
      snprintf(rp, sizeof rp, "%s/config/alert-%s.json", MWX_SOURCE_DIR, nat[a]);
      if (access(rp, F_OK) == 0 && !(rc = mwx_alert_rules_load(rp, &rules[a])))
        o.rules[a] = &rules[a];
    }
  }
  if (!rc)
    rc = mwx_fuse_replay(&sc, &truth, &o, &r);
  if (rc) {
    mwx_zone_close(z);
    mwx_cmd_report("replay", rc);
    mwx_sim_truth_fini(&truth);
    mwx_sim_scenario_fini(&sc);
    return 1;
  }
  if (json) {
    char *text = NULL;
    rc = mwx_fuse_replay_json(&r, &text);
    if (!rc)
      printf("%s\n", text);
    free(text);
  } else {
    printf("%s - seed %llu, %s (in-process)\n", sc.name, (unsigned long long)o.seed, o.hub ? "hub" : "mesh");
    rc = mwx_fuse_replay_print(stdout, &r);
  }
  if (rc)
    mwx_cmd_report("replay", rc);
  mwx_fuse_replay_fini(&r);
  mwx_zone_close(z);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  return rc ? 1 : 0;
}
