/*
 * sensor.c - where a sensor is and what it can see: platform motion (fixed
 * site, ship on a geodesic, satellite fixed in ECEF), line of sight over the
 * WGS-84 ellipsoid, range limits, array faces (azimuth sector and elevation
 * band) and a minimum target altitude.
 *
 * Line of sight: scaling ECEF by (1/a, 1/a, 1/b) maps the ellipsoid onto the
 * unit sphere and straight segments onto straight segments, so "the segment
 * passes below the ellipsoid" becomes "the scaled segment comes closer than 1
 * to the origin": one closest-point computation, exact for the ellipsoid (not
 * a sphere), no iteration.  Refraction is not modelled: the horizon is the
 * geometric one.
 */
#include <math.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/sim.h"
#include "sim_int.h"

int mwx_sim_sensor_state_at(const mwx_sim_sensor *s, int64_t epoch_ns, int64_t t_ns,
                            mwx_geo_lla *lla, double pos_ecef_m[3], double vel_ecef_mps[3]) {
  mwx_geo_lla p = s->site;
  double vel_enu[3] = {0.0, 0.0, 0.0};
  int rc;
  if (s->kind == MWX_SIM_SHIP_RADAR) {
    double dt_s = (double)(t_ns - epoch_ns) * 1e-9;
    double azi2 = s->course_deg;
    if (s->speed_mps > 0.0 && dt_s != 0.0) {
      rc = mwx_geo_direct(s->site.lat_deg, s->site.lon_deg, s->course_deg, s->speed_mps * dt_s,
                          &p.lat_deg, &p.lon_deg, &azi2);
      if (rc)
        return rc;
    }
    vel_enu[0] = s->speed_mps * sin(azi2 * MWX_DEG2RAD);
    vel_enu[1] = s->speed_mps * cos(azi2 * MWX_DEG2RAD);
  }
  if (lla)
    *lla = p;
  if (pos_ecef_m && (rc = mwx_geo_ecef_from_lla(&p, pos_ecef_m)))
    return rc;
  if (vel_ecef_mps)
    mwx_geo_ecef_vec_from_enu(&p, vel_enu, vel_ecef_mps);
  return 0;
}

bool mwx_sim_los_clear(const double a_ecef_m[3], const double b_ecef_m[3]) {
  const double sx = 1.0 / MWX_WGS84_A_M, sz = 1.0 / MWX_WGS84_B_M;
  double a[3] = {a_ecef_m[0] * sx, a_ecef_m[1] * sx, a_ecef_m[2] * sz};
  double d[3] = {b_ecef_m[0] * sx - a[0], b_ecef_m[1] * sx - a[1], b_ecef_m[2] * sz - a[2]};
  double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  double t = dd > 0.0 ? -(a[0] * d[0] + a[1] * d[1] + a[2] * d[2]) / dd : 0.0;
  if (t <= 0.0 || t >= 1.0)
    return true; /* the closest point is an end point: both ends are the caller's to judge */
  double p[3] = {a[0] + t * d[0], a[1] + t * d[1], a[2] + t * d[2]};
  /* 1e-12 in the squared scaled radius is 3 micrometres of height (a grazing
   * ray may overshoot the true horizon by sqrt(2 R 3e-6 m), about 6 m): end
   * points lying on the surface are not blocked by rounding. */
  return p[0] * p[0] + p[1] * p[1] + p[2] * p[2] >= 1.0 - 1e-12;
}

static int in_face(const mwx_sim_face *f, double az_deg, double el_deg) {
  if (el_deg < f->el_min_deg || el_deg > f->el_max_deg)
    return 0;
  if (f->az_width_deg >= 360.0)
    return 1;
  double d = fmod(az_deg - f->az_center_deg, 360.0);
  if (d > 180.0)
    d -= 360.0;
  else if (d < -180.0)
    d += 360.0;
  return fabs(d) <= 0.5 * f->az_width_deg;
}

int sim_frame_init(const mwx_geo_lla *lla, sim_frame *fr) {
  fr->lla = *lla;
  mwx_geo_enu_rotation(lla->lat_deg, lla->lon_deg, fr->r_enu_from_ecef);
  return mwx_geo_ecef_from_lla(lla, fr->pos_ecef_m);
}

void sim_look_frame(const mwx_sim_sensor *s, const sim_frame *fr, const double target_ecef_m[3],
                    double target_h_m, mwx_sim_look *look) {
  const double *so = fr->pos_ecef_m;
  double d[3] = {target_ecef_m[0] - so[0], target_ecef_m[1] - so[1], target_ecef_m[2] - so[2]};
  double enu[3];
  for (int i = 0; i < 3; i++)
    enu[i] = fr->r_enu_from_ecef[i][0] * d[0] + fr->r_enu_from_ecef[i][1] * d[1] +
             fr->r_enu_from_ecef[i][2] * d[2];
  mwx_geo_aer_from_enu(enu, &look->az_deg, &look->el_deg, &look->range_m);
  look->face = -1;
  if (target_h_m < s->min_alt_m) {
    look->reason = MWX_SIM_TOO_LOW;
    return;
  }
  if (!mwx_sim_los_clear(so, target_ecef_m)) {
    look->reason = MWX_SIM_BLOCKED_EARTH;
    return;
  }
  if (look->range_m < s->min_range_m || look->range_m > s->max_range_m) {
    look->reason = MWX_SIM_OUT_OF_RANGE;
    return;
  }
  for (int i = 0; i < s->n_faces; i++)
    if (in_face(&s->face[i], look->az_deg, look->el_deg)) {
      look->face = i;
      look->reason = MWX_SIM_VISIBLE;
      return;
    }
  look->reason = MWX_SIM_OUT_OF_SECTOR;
}

int mwx_sim_sensor_look(const mwx_sim_sensor *s, const mwx_geo_lla *sensor_lla,
                        const double target_ecef_m[3], double target_h_m, mwx_sim_look *look) {
  sim_frame fr;
  int rc = sim_frame_init(sensor_lla, &fr);
  if (rc)
    return rc;
  if (!isfinite(target_ecef_m[0]) || !isfinite(target_ecef_m[1]) || !isfinite(target_ecef_m[2]) ||
      !isfinite(target_h_m))
    return mwx_error_set(MWX_EINVAL, "sensor %s: target position is not finite", s->id);
  sim_look_frame(s, &fr, target_ecef_m, target_h_m, look);
  return 0;
}

double mwx_sim_rcs_m2(int phase, bool powered) {
  if (powered || phase == MWX_PHASE_BOOST)
    return MWX_SIM_RCS_BOOSTER_M2;
  return phase == MWX_PHASE_TERMINAL ? MWX_SIM_RCS_RV_M2 : MWX_SIM_RCS_PBV_M2;
}

int mwx_sim_radar_detect(const mwx_sim_sensor *s, double range_m, double rcs_m2, double *pd,
                         double *noise_scale, double *snr) {
  if (!s || !(range_m > 0) || !(rcs_m2 > 0) || !isfinite(range_m) || !isfinite(rcs_m2))
    return mwx_error_set(MWX_EINVAL, "sensor: radar_detect: bad range or RCS");
  if (!(s->ref_range_m > 0) || s->kind == MWX_SIM_SPACE_IR) {
    if (pd)
      *pd = s->pd;
    if (noise_scale)
      *noise_scale = 1.0;
    if (snr)
      *snr = INFINITY;
    return 0;
  }
  /* Swerling 1: Pd = exp(-T / (1 + SNR)) with the threshold T = -ln Pfa, so
   * the reference SNR that gives s->pd is T / (-ln pd) - 1 */
  const double T = -log(MWX_SIM_PFA);
  double p0 = s->pd < 1e-9 ? 1e-9 : (s->pd > 1 - 1e-9 ? 1 - 1e-9 : s->pd);
  double snr_ref = T / -log(p0) - 1.0;
  if (snr_ref < 1e-6)
    snr_ref = 1e-6;
  double q = s->ref_range_m / range_m;
  double x = snr_ref * (rcs_m2 / s->ref_rcs_m2) * q * q * q * q;
  if (pd)
    *pd = exp(-T / (1.0 + x));
  if (noise_scale) {
    /* thermal-noise accuracy of range and angle goes as 1/sqrt(SNR)
     * (Skolnik, Introduction to Radar Systems, ch. 6) */
    double k = sqrt(snr_ref / x);
    *noise_scale = k < MWX_SIM_SIGMA_FLOOR ? MWX_SIM_SIGMA_FLOOR : k;
  }
  if (snr)
    *snr = x;
  return 0;
}
