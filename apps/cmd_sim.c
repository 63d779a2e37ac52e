/*
 * cmd_sim.c - "mwx sim": runs a scenario and writes what the sensors saw.
 *
 *   mwx sim SCENARIO.json [--seed N] [--out DIR] [--json]
 *
 * Writes DIR/plots_<sensor>.csv (one per sensor, false plots included) and
 * DIR/truth.csv (format: docs/sim.md; DIR defaults to "sim-out"), then prints
 * the visibility table: per missile and sensor, the first and last time it
 * was visible and detected, in seconds after launch.  --json prints the table
 * as one JSON object instead.  The same seed gives the same bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/sim.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx sim SCENARIO.json [--seed N] [--out DIR] [--json]\n"
             "  --seed N   random seed (unsigned 64-bit integer, default 1)\n"
             "  --out DIR  where plots_<sensor>.csv and truth.csv go (default sim-out)\n"
             "  --json     print the visibility table as one JSON object\n");
}

static int usage_error(const char *fmt, const char *arg) {
  return mwx_cmd_usage_error("sim", help, fmt, arg);
}

int mwx_cmd_sim(int argc, char **argv) {
  const char *scenario = NULL, *out = "sim-out";
  uint64_t seed = 1;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      json = true;
    } else if (!strcmp(a, "--seed") || !strcmp(a, "--out")) {
      if (i + 1 >= argc)
        return usage_error("%s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--out")) {
        if (!*v)
          return usage_error("%s needs a directory", a);
        out = v;
      } else {
        if (mwx_cmd_parse_u64(v, &seed))
          return usage_error("--seed: '%s' is not an unsigned integer", v);
      }
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option '%s'", a);
    } else if (scenario) {
      return usage_error("more than one scenario given ('%s')", a);
    } else {
      scenario = a;
    }
  }
  if (!scenario)
    return usage_error("%s", "no scenario file given");

  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  mwx_sim_vis_row *rows = NULL;
  size_t n = 0;
  int rc = mwx_sim_scenario_load(scenario, &sc);
  if (rc) {
    mwx_cmd_report("sim", rc);
    return 1;
  }
  if ((rc = mwx_sim_truth_init(&truth, &sc, 1.0))) {
    mwx_cmd_report("sim", rc);
    mwx_sim_scenario_fini(&sc);
    return 1;
  }
  rc = mwx_sim_run(&sc, &truth, seed, out, &rows, &n);
  if (!rc)
    rc = mwx_sim_write_visibility(stdout, rows, n, json);
  if (rc)
    mwx_cmd_report("sim", rc);
  free(rows);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  return rc ? 1 : 0;
}
