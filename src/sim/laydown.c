/*
 * laydown.c - swapping a scenario's sensor laydown for another one, so that
 * the same launches can be run against the shipped laydowns: "default"
 * (data/sensors/default.json, the radar equation) or "legacy"
 * (data/sensors/legacy.json, the hard range cut-offs used before issue 12),
 * or any sensor file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/sim.h"

int mwx_sim_scenario_use_sensors(mwx_sim_scenario *sc, const char *laydown) {
  if (!sc || !laydown || !laydown[0])
    return mwx_error_set(MWX_EINVAL, "sim: use_sensors: no laydown");
  char path[4096];
  if (!strcmp(laydown, "default") || !strcmp(laydown, "legacy"))
    snprintf(path, sizeof path, "%s/data/sensors/%s.json", MWX_SOURCE_DIR, laydown);
  else if (snprintf(path, sizeof path, "%s", laydown) >= (int)sizeof path)
    return mwx_error_set(MWX_EINVAL, "sim: use_sensors: path too long");
  mwx_sim_sensor *s = NULL;
  size_t n = 0;
  int rc = mwx_sim_sensors_load(path, &s, &n);
  if (rc)
    return rc;
  free(sc->sensor);
  sc->sensor = s;
  sc->n_sensors = n;
  return 0;
}
