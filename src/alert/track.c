/*
 * track.c - the predicted ground track of an impact prediction and its
 * corridor (alert.h): what the node and the replay give mwx_alert_decide.
 */
#include <math.h>
#include <string.h>

#include "mwx/alert.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"

#define TRACK_DT_S 10.0       /* <= 30 km between points at 3 km/s: zone.h interpolates every 2 km */
#define CORRIDOR_MAX_KM 500.0 /* wider than this a corridor names no region anyone could act on */

int mwx_alert_ground_track(const double x[6], int64_t t_ns, double beta_kgpm2, int64_t impact_time_ns,
                           double impact_lat_deg, double impact_lon_deg, mwx_zone_track_point *pts, size_t cap,
                           size_t *n) {
  if (!x || !pts || !n || cap < 2)
    return mwx_error_set(MWX_EINVAL, "alert ground track: NULL argument or cap < 2");
  *n = 0;
  for (int i = 0; i < 6; i++)
    if (!isfinite(x[i]))
      return mwx_error_set(MWX_EINVAL, "alert ground track: state element %d is not finite", i);
  if (!isfinite(impact_lat_deg) || !isfinite(impact_lon_deg) || impact_time_ns < t_ns)
    return mwx_error_set(MWX_EINVAL, "alert ground track: impact point not finite or before the state's time");
  double pos[3] = {x[0], x[1], x[2]}, vel[3] = {x[3], x[4], x[5]};
  double left_s = (double)(impact_time_ns - t_ns) / 1e9;
  double dt = left_s / (double)(cap - 2) > TRACK_DT_S ? left_s / (double)(cap - 2) : TRACK_DT_S;
  double done_s = 0;
  size_t np = 0;
  while (np < cap - 1) {
    mwx_geo_lla p;
    if (mwx_geo_lla_from_ecef(pos, &p))
      break;
    pts[np++] = (mwx_zone_track_point){p.lat_deg, p.lon_deg, t_ns + (int64_t)llround(done_s * 1e9)};
    if (done_s + dt >= left_s)
      break;
    double p2[3], v2[3];
    if (mwx_ballistic_propagate(pos, vel, beta_kgpm2, dt, p2, v2))
      break;
    memcpy(pos, p2, sizeof pos);
    memcpy(vel, v2, sizeof vel);
    done_s += dt;
  }
  mwx_error_clear();
  if (!np || impact_time_ns > pts[np - 1].t_ns)
    pts[np++] = (mwx_zone_track_point){impact_lat_deg, impact_lon_deg, impact_time_ns};
  *n = np;
  return 0;
}

double mwx_alert_corridor_km(const mwx_zone_track_point *pts, size_t n, double major_km, double minor_km,
                             double orient_deg) {
  if (!pts || n < 2 || !isfinite(major_km) || !isfinite(minor_km) || !isfinite(orient_deg))
    return 0;
  double az = 0;
  if (mwx_geo_inverse(pts[n - 2].lat_deg, pts[n - 2].lon_deg, pts[n - 1].lat_deg, pts[n - 1].lon_deg, NULL, &az,
                      NULL)) {
    mwx_error_clear();
    return 0;
  }
  double phi = (az + 90.0 - orient_deg) * MWX_DEG2RAD;
  double c = major_km * cos(phi), s = minor_km * sin(phi);
  double h = sqrt(c * c + s * s);
  return h < CORRIDOR_MAX_KM ? h : CORRIDOR_MAX_KM;
}
