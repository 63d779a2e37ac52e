/*
 * cmd_track.c - "mwx track": simulate a scenario's plots, track them with
 * one nation's sensors (or all three fused at plot level) and print, per
 * missile, the warning timeline scored against the truth.
 *
 *   mwx track SCENARIO.json [--nation KOR|JPN|USA|ALL] [--filter ekf|ukf]
 *                           [--seed N] [--json]
 *
 * Text: one block per missile (times in seconds after launch, "-" where it
 * never happened).  --json: the object of mwx_assess_run_json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/sim.h"
#include "mwx_cmd.h"

static void help(FILE *f) {
  fprintf(f, "usage: mwx track SCENARIO.json [--nation KOR|JPN|USA|ALL] [--filter ekf|ukf] [--seed N] [--sensors L] [--json]\n"
             "                        [--trust-provisional]\n"
             "  --nation   whose sensors track (ALL: the three nations fused at plot level; default ALL)\n"
             "  --filter   ekf (default) or ukf\n"
             "  --seed     simulator seed (unsigned integer, default 1)\n"
             "  --sensors  default|legacy|FILE: the sensor laydown instead of the scenario's (legacy: the\n"
             "             hard range cut-offs used before the radar equation)\n"
             "  --json     print one JSON object instead of the text timeline\n"
             "  --trust-provisional  score predictions made before burnout was seen as warnings\n"
             "             (the behaviour before issue 12, for comparison)\n");
}

static int usage_error(const char *fmt, const char *arg) {
  return mwx_cmd_usage_error("track", help, fmt, arg);
}

/* Progress on stderr when it is a terminal (mwx_assess_run_opts.progress_fn). */
static void progress(void *ctx, double frac, double sim_s) {
  (void)ctx;
  fprintf(stderr, "\rmwx track: %3.0f%% of the scenario (sim +%.0f s)%s", frac * 100, sim_s, frac >= 1 ? "\n" : "");
  fflush(stderr);
}

static void field(const char *name, int has, double v, const char *unit) {
  if (has)
    printf("  %-34s %10.1f %s\n", name, v, unit);
  else
    printf("  %-34s %10s\n", name, "-");
}

int mwx_cmd_track(int argc, char **argv) {
  const char *path = NULL;
  mwx_assess_run_opts o;
  mwx_assess_run_opts_default(&o);
  int json = 0;
  const char *laydown = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--trust-provisional")) {
      o.trust_provisional = 1;
    } else if (!strcmp(a, "--sensors")) {
      if (i + 1 >= argc)
        return usage_error("%s needs a value", a);
      laydown = argv[++i];
    } else if (!strcmp(a, "--nation") || !strcmp(a, "--filter") || !strcmp(a, "--seed")) {
      if (i + 1 >= argc)
        return usage_error("%s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--nation")) {
        if (strcmp(v, "KOR") && strcmp(v, "JPN") && strcmp(v, "USA") && strcmp(v, "ALL"))
          return usage_error("--nation: '%s' is not KOR, JPN, USA or ALL", v);
        snprintf(o.nation, sizeof o.nation, "%s", v);
      } else if (!strcmp(a, "--filter")) {
        if (!strcmp(v, "ekf"))
          o.filter = 0;
        else if (!strcmp(v, "ukf"))
          o.filter = 1;
        else
          return usage_error("--filter: '%s' is not ekf or ukf", v);
      } else {
        if (mwx_cmd_parse_u64(v, &o.seed))
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
  if (isatty(STDERR_FILENO))
    o.progress_fn = progress;
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  mwx_assess_run_result r;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  memset(&r, 0, sizeof r);
  int rc = mwx_sim_scenario_load(path, &sc);
  if (!rc && laydown)
    rc = mwx_sim_scenario_use_sensors(&sc, laydown);
  if (!rc)
    rc = mwx_sim_truth_init(&truth, &sc, 1.0);
  if (!rc)
    rc = mwx_assess_run(&sc, &truth, &o, &r);
  if (rc) {
    mwx_cmd_report("track", rc);
    mwx_sim_truth_fini(&truth);
    mwx_sim_scenario_fini(&sc);
    return 1;
  }
  if (json) {
    char *text = NULL;
    rc = mwx_assess_run_json(&r, &o, &text);
    if (!rc)
      printf("%s\n", text);
    free(text);
  } else {
    printf("%s - sensors %s, %s, seed %llu: %zu plots, %zu tracks started, %zu confirmed\n", sc.name, o.nation,
           o.filter ? "UKF" : "EKF", (unsigned long long)o.seed, r.n_plots, r.n_tracks, r.n_confirmed);
    for (size_t k = 0; k < r.n; k++) {
      const mwx_assess_missile *m = &r.m[k];
      printf("missile %s (flight %.0f s, track %u)\n", m->id, m->flight_time_s, m->track_id);
      field("first plot", m->has_first_plot, m->first_plot_s, "s");
      field("first confirmed track", m->has_track, m->first_track_s, "s");
      field("first impact prediction", m->has_ipp, m->first_ipp_s, "s");
      field("first prediction within 10 km", m->has_good_ipp, m->good_ipp_s, "s");
      field("within 50 km from then on", m->has_ipp_50km, m->ipp_50km_s, "s");
      field("truth in the 95% ellipse from then on", m->has_ipp_consistent, m->ipp_consistent_s, "s");
      field("provisional predictions (no warning)", 1, (double)m->n_provisional, "");
      field("impact error at launch + 60 s", m->has_ipp_error[0], m->ipp_error_km[0], "km");
      field("impact error at launch + 120 s", m->has_ipp_error[1], m->ipp_error_km[1], "km");
      field("impact error at launch + 300 s", m->has_ipp_error[2], m->ipp_error_km[2], "km");
      field("impact error at 50% of flight", m->has_ipp_error[3], m->ipp_error_km[3], "km");
      field("final launch-point error", m->has_launch, m->launch_error_km, "km");
      field("final launch-time error", m->has_launch, m->launch_time_error_s, "s");
      printf("  %-34s %10s\n", "class", m->cls ? mwx_ballistic_class_name(m->cls) : "-");
      if (m->has_impact)
        printf("  %-34s %.3f N %.3f E, 95%% ellipse %.1f x %.1f km at %.0f deg (error %.1f km)\n",
               "last impact prediction", m->impact.lat_deg, m->impact.lon_deg, m->impact.major_km, m->impact.minor_km,
               m->impact.orient_deg, m->impact_error_km);
    }
  }
  mwx_assess_run_fini(&r);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  if (rc) {
    mwx_cmd_report("track", rc);
    return 1;
  }
  return 0;
}
