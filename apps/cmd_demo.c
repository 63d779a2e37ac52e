/*
 * cmd_demo.c - "mwx demo": the three-nation scenario of the README, told in
 * acts.  Each act shows one capability of the library on the 18 November 2022
 * Hwasong-17 launch (KCNA: apogee 6,040.9 km, range 999.2 km, 4,135 s):
 *   1. the fitted trajectory (ballistic)
 *   2. who sees the missile when (sim: the allied sensor laydown)
 * The demo only calls the library and prints; everything it shows is
 * computed on the spot.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/sim.h"
#include "mwx_cmd.h"

#define DEMO_SCENARIO MWX_SOURCE_DIR "/scenarios/2022-11-18-hwasong17.json"
#define DEMO_SEED 1

static void banner(const char *title) {
  printf("\n=== %s ===\n", title);
  fflush(stdout);
}

/* Act 1: fit the published figures and print the flight. */
static int act_trajectory(const mwx_sim_launch *l) {
  mwx_ballistic_fit_req req = {l->lat_deg, l->lon_deg, l->azimuth_deg, l->apogee_km, l->range_km,
                               l->cls};
  mwx_ballistic_launch launch;
  mwx_ballistic_figures fig;
  banner("1. Trajectory fitted to the published figures (mwx traj)");
  int rc = mwx_ballistic_fit(&req, &launch, &fig);
  if (rc)
    return rc;
  mwx_ballistic_class cls;
  mwx_ballistic_class_from_figures(fig.apogee_km, fig.range_km, &cls);
  printf("launch  %.2f N %.2f E, heading %.2f deg, class %s (from the trajectory's energy)\n",
         l->lat_deg, l->lon_deg, launch.heading_deg, mwx_ballistic_class_name(cls));
  printf("burnout %.1f s after launch at %.0f km, %.0f m/s\n", fig.burnout_time_s,
         fig.burnout_alt_km, fig.burnout_speed_mps);
  printf("apogee  %.1f km at %.0f s      (published %.1f km)\n", fig.apogee_km, fig.apogee_time_s,
         l->apogee_km);
  printf("range   %.1f km                (published %.1f km)\n", fig.range_km, l->range_km);
  printf("impact  %.3f N %.3f E after %.1f min (published 68.9 min: KCNA)\n", fig.impact_lat_deg,
         fig.impact_lon_deg, fig.flight_time_s / 60.0);
  return 0;
}

/* Act 2: the visibility table of the default allied laydown. */
static int act_visibility(const mwx_sim_scenario *sc, const mwx_sim_truth *truth) {
  mwx_sim_vis_row *rows = NULL;
  size_t n = 0;
  banner("2. Who sees the missile when (mwx sim): seconds after launch");
  int rc = mwx_sim_visibility(sc, truth, DEMO_SEED, &rows, &n);
  if (!rc)
    rc = mwx_sim_write_visibility(stdout, rows, n, false);
  if (!rc) {
    double first[3] = {-1, -1, -1}, last[3] = {-1, -1, -1};
    static const char *nations[3] = {"KOR", "JPN", "USA"};
    for (size_t i = 0; i < n; i++)
      for (int k = 0; k < 3; k++)
        if (rows[i].detected && !strcmp(rows[i].nation, nations[k])) {
          if (first[k] < 0 || rows[i].first_detect_s < first[k])
            first[k] = rows[i].first_detect_s;
          if (rows[i].last_detect_s > last[k])
            last[k] = rows[i].last_detect_s;
        }
    for (int k = 0; k < 3; k++)
      printf("%s alone: first plot %6.0f s, last plot %6.0f s\n", nations[k], first[k], last[k]);
    printf("KOR sees the launch, JPN the fall: only together do they hold the whole flight.\n");
  }
  free(rows);
  return rc;
}

int mwx_cmd_demo(int argc, char **argv) {
  const char *path = DEMO_SCENARIO;
  if (argc > 1 && !strcmp(argv[1], "--help")) {
    printf("usage: mwx demo [SCENARIO.json]\n");
    return 0;
  }
  if (argc > 1)
    path = argv[1];
  mwx_sim_scenario sc = {0};
  mwx_sim_truth truth = {0};
  int rc = mwx_sim_scenario_load(path, &sc);
  if (!rc && sc.n_launches == 0)
    rc = mwx_error_set(MWX_EINVAL, "%s: no launches", path);
  if (!rc) {
    printf("mwx demo: %s (%zu launch(es), %zu sensors of KOR, JPN and USA)\n", sc.name,
           sc.n_launches, sc.n_sensors);
    rc = act_trajectory(&sc.launch[0]);
  }
  if (!rc)
    rc = mwx_sim_truth_init(&truth, &sc, 1.0);
  if (!rc)
    rc = act_visibility(&sc, &truth);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  if (rc) {
    mwx_cmd_report("demo", rc);
    return 1;
  }
  return 0;
}
