/*
 * plot.c - adapter from the simulator's measurement (mwx_sim_plot) to the
 * tracker's plot.  Only what a sensor measures is copied: the sim's
 * evaluation-only truth labels stay behind, so the tracker cannot read them.
 */
#include <string.h>

#include "mwx/error.h"
#include "mwx/sim.h"
#include "mwx/track.h"

int mwx_track_plot_from_sim(const mwx_sim_plot *sp, mwx_track_plot *out) {
  if (!sp || !out)
    return mwx_error_set(MWX_EINVAL, "track: plot_from_sim: NULL argument");
  memset(out, 0, sizeof *out);
  out->t_ns = sp->time_ns;
  out->sensor = sp->sensor_index;
  memcpy(out->nation, sp->nation, sizeof out->nation);
  out->nation[sizeof out->nation - 1] = 0;
  int rc = mwx_geo_lla_from_ecef(sp->sensor_pos_ecef_m, &out->sensor_lla);
  if (rc)
    return mwx_error_set(rc, "track: plot from %s: sensor position is invalid", sp->sensor_id);
  if (sp->kind == MWX_SIM_PLOT_RADAR) {
    out->kind = MWX_TRACK_RADAR;
    out->range_m = sp->range_m;
    out->az_deg = sp->az_deg;
    out->el_deg = sp->el_deg;
    out->sigma_range_m = sp->sigma_range_m;
    out->sigma_az_deg = sp->sigma_az_deg;
    out->sigma_el_deg = sp->sigma_el_deg;
  } else if (sp->kind == MWX_SIM_PLOT_IR) {
    out->kind = MWX_TRACK_IR;
    memcpy(out->los_ecef, sp->los_ecef, sizeof out->los_ecef);
    out->sigma_los_rad = sp->sigma_los_rad;
  } else {
    return mwx_error_set(MWX_EINVAL, "track: plot from %s: unknown kind %d", sp->sensor_id, (int)sp->kind);
  }
  return mwx_track_plot_check(out);
}
