/*
 * geo.c - WGS-84 frame conversions (geodetic, ECEF, ENU, AER) and the
 * geodesic problems through PROJ (see include/mwx/geo.h).
 *
 * ECEF -> geodetic uses the closed-form solution of H. Vermeille, "Direct
 * transformation from geocentric coordinates to geodetic coordinates",
 * Journal of Geodesy 76 (2002) 451-454, valid everywhere outside a small
 * region around the centre of the Earth; no iteration, so its cost is fixed.
 */
#include "mwx/geo.h"

#include <geodesic.h>
#include <math.h>
#include <stddef.h>

#include "mwx/error.h"

static int finite3(const double v[3]) { return isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]); }

double mwx_geo_prime_vertical_radius_m(double lat_deg) {
  double s = sin(lat_deg * MWX_DEG2RAD);
  return MWX_WGS84_A_M / sqrt(1.0 - MWX_WGS84_E2 * s * s);
}

int mwx_geo_ecef_from_lla(const mwx_geo_lla *lla, double pos_ecef_m[3]) {
  if (!isfinite(lla->lat_deg) || !isfinite(lla->lon_deg) || !isfinite(lla->h_m) ||
      fabs(lla->lat_deg) > 90.0)
    return mwx_error_set(MWX_EINVAL, "geodetic position (%g deg, %g deg, %g m) is invalid",
                         lla->lat_deg, lla->lon_deg, lla->h_m);
  double lat = lla->lat_deg * MWX_DEG2RAD, lon = lla->lon_deg * MWX_DEG2RAD;
  double n = mwx_geo_prime_vertical_radius_m(lla->lat_deg);
  double cl = cos(lat);
  pos_ecef_m[0] = (n + lla->h_m) * cl * cos(lon);
  pos_ecef_m[1] = (n + lla->h_m) * cl * sin(lon);
  pos_ecef_m[2] = (n * (1.0 - MWX_WGS84_E2) + lla->h_m) * sin(lat);
  return 0;
}

int mwx_geo_lla_from_ecef(const double pos_ecef_m[3], mwx_geo_lla *lla) {
  const double a = MWX_WGS84_A_M, e2 = MWX_WGS84_E2, e4 = e2 * e2;
  double x = pos_ecef_m[0], y = pos_ecef_m[1], z = pos_ecef_m[2];
  if (!finite3(pos_ecef_m))
    return mwx_error_set(MWX_EINVAL, "ECEF position is not finite");
  double w2 = x * x + y * y, w = sqrt(w2);
  if (w2 + z * z < 1.0)
    return mwx_error_set(MWX_EINVAL, "ECEF position is at the centre of the Earth");
  /* beyond 1e12 m (about 7 au) the squares below lose every digit or overflow */
  if (!(fabs(x) <= 1e12 && fabs(y) <= 1e12 && fabs(z) <= 1e12))
    return mwx_error_set(MWX_ERANGE, "ECEF position (%g, %g, %g) m is more than 1e12 m from the centre of the Earth",
                         x, y, z);
  double p = w2 / (a * a);
  double q = (1.0 - e2) / (a * a) * z * z;
  double r = (p + q - e4) / 6.0;
  double s = e4 * p * q / (4.0 * r * r * r);
  double t = cbrt(1.0 + s + sqrt(s * (2.0 + s)));
  double u = r * (1.0 + t + 1.0 / t);
  double v = sqrt(u * u + e4 * q);
  double uv = u + v;
  /* Vermeille's k = sqrt(u + v + w^2) - w with w = e^2 (u + v - q) / (2v). */
  double wv = e2 * (uv - q) / (2.0 * v);
  double k = sqrt(uv + wv * wv) - wv;
  double d = k * w / (k + e2);
  double hyp = sqrt(d * d + z * z);
  lla->lat_deg = 2.0 * atan2(z, d + hyp) * MWX_RAD2DEG;
  lla->lon_deg = atan2(y, x) * MWX_RAD2DEG;
  lla->h_m = (k + e2 - 1.0) / k * hyp;
  if (!isfinite(lla->lat_deg) || !isfinite(lla->lon_deg) || !isfinite(lla->h_m))
    return mwx_error_set(MWX_ERANGE, "ECEF position (%g, %g, %g) m has no finite geodetic coordinates", x, y, z);
  return 0;
}

void mwx_geo_enu_rotation(double lat_deg, double lon_deg, double r[3][3]) {
  double sl = sin(lat_deg * MWX_DEG2RAD), cl = cos(lat_deg * MWX_DEG2RAD);
  double so = sin(lon_deg * MWX_DEG2RAD), co = cos(lon_deg * MWX_DEG2RAD);
  r[0][0] = -so;      r[0][1] = co;       r[0][2] = 0.0;
  r[1][0] = -sl * co; r[1][1] = -sl * so; r[1][2] = cl;
  r[2][0] = cl * co;  r[2][1] = cl * so;  r[2][2] = sl;
}

void mwx_geo_enu_vec_from_ecef(const mwx_geo_lla *ref, const double v_ecef[3], double v_enu[3]) {
  double r[3][3];
  mwx_geo_enu_rotation(ref->lat_deg, ref->lon_deg, r);
  for (int i = 0; i < 3; i++)
    v_enu[i] = r[i][0] * v_ecef[0] + r[i][1] * v_ecef[1] + r[i][2] * v_ecef[2];
}

void mwx_geo_ecef_vec_from_enu(const mwx_geo_lla *ref, const double v_enu[3], double v_ecef[3]) {
  double r[3][3];
  mwx_geo_enu_rotation(ref->lat_deg, ref->lon_deg, r);
  for (int i = 0; i < 3; i++)
    v_ecef[i] = r[0][i] * v_enu[0] + r[1][i] * v_enu[1] + r[2][i] * v_enu[2];
}

int mwx_geo_enu_from_ecef(const mwx_geo_lla *ref, const double pos_ecef_m[3], double enu_m[3]) {
  double o[3], d[3];
  int rc = mwx_geo_ecef_from_lla(ref, o);
  if (rc)
    return rc;
  if (!finite3(pos_ecef_m))
    return mwx_error_set(MWX_EINVAL, "ECEF position is not finite");
  for (int i = 0; i < 3; i++)
    d[i] = pos_ecef_m[i] - o[i];
  mwx_geo_enu_vec_from_ecef(ref, d, enu_m);
  return 0;
}

int mwx_geo_ecef_from_enu(const mwx_geo_lla *ref, const double enu_m[3], double pos_ecef_m[3]) {
  double o[3], d[3];
  int rc = mwx_geo_ecef_from_lla(ref, o);
  if (rc)
    return rc;
  if (!finite3(enu_m))
    return mwx_error_set(MWX_EINVAL, "ENU offset is not finite");
  mwx_geo_ecef_vec_from_enu(ref, enu_m, d);
  for (int i = 0; i < 3; i++)
    pos_ecef_m[i] = o[i] + d[i];
  return 0;
}

void mwx_geo_aer_from_enu(const double enu_m[3], double *az_deg, double *el_deg, double *range_m) {
  double horiz = hypot(enu_m[0], enu_m[1]);
  double rng = hypot(horiz, enu_m[2]);
  double az = (horiz > 0.0) ? atan2(enu_m[0], enu_m[1]) * MWX_RAD2DEG : 0.0;
  if (az < 0.0)
    az += 360.0;
  *az_deg = az;
  *el_deg = (rng > 0.0) ? atan2(enu_m[2], horiz) * MWX_RAD2DEG : 0.0;
  *range_m = rng;
}

void mwx_geo_enu_from_aer(double az_deg, double el_deg, double range_m, double enu_m[3]) {
  double ce = cos(el_deg * MWX_DEG2RAD);
  enu_m[0] = range_m * ce * sin(az_deg * MWX_DEG2RAD);
  enu_m[1] = range_m * ce * cos(az_deg * MWX_DEG2RAD);
  enu_m[2] = range_m * sin(el_deg * MWX_DEG2RAD);
}

int mwx_geo_aer_from_ecef(const mwx_geo_lla *obs, const double target_ecef_m[3], double *az_deg,
                          double *el_deg, double *range_m) {
  double enu[3];
  int rc = mwx_geo_enu_from_ecef(obs, target_ecef_m, enu);
  if (rc)
    return rc;
  mwx_geo_aer_from_enu(enu, az_deg, el_deg, range_m);
  return 0;
}

/* The WGS-84 ellipsoid for PROJ's geodesic routines.  geod_init is cheap
 * (a few dozen multiplications), so it is set up per call: no shared state. */
static void wgs84(struct geod_geodesic *g) { geod_init(g, MWX_WGS84_A_M, MWX_WGS84_F); }

static int check_latlon(double lat_deg, double lon_deg, const char *what) {
  if (!isfinite(lat_deg) || !isfinite(lon_deg) || fabs(lat_deg) > 90.0)
    return mwx_error_set(MWX_EINVAL, "%s (%g deg, %g deg) is not a valid latitude/longitude", what,
                         lat_deg, lon_deg);
  return 0;
}

int mwx_geo_inverse(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg,
                    double *dist_m, double *azi1_deg, double *azi2_deg) {
  struct geod_geodesic g;
  double s12, a1, a2;
  int rc = check_latlon(lat1_deg, lon1_deg, "first point");
  if (!rc)
    rc = check_latlon(lat2_deg, lon2_deg, "second point");
  if (rc)
    return rc;
  wgs84(&g);
  geod_inverse(&g, lat1_deg, lon1_deg, lat2_deg, lon2_deg, &s12, &a1, &a2);
  if (dist_m)
    *dist_m = s12;
  if (azi1_deg)
    *azi1_deg = a1;
  if (azi2_deg)
    *azi2_deg = a2;
  return 0;
}

int mwx_geo_direct(double lat1_deg, double lon1_deg, double azi1_deg, double dist_m,
                   double *lat2_deg, double *lon2_deg, double *azi2_deg) {
  struct geod_geodesic g;
  double la, lo, az;
  int rc = check_latlon(lat1_deg, lon1_deg, "start point");
  if (rc)
    return rc;
  if (!isfinite(azi1_deg) || !isfinite(dist_m))
    return mwx_error_set(MWX_EINVAL, "azimuth %g deg / distance %g m is not finite", azi1_deg, dist_m);
  wgs84(&g);
  geod_direct(&g, lat1_deg, lon1_deg, azi1_deg, dist_m, &la, &lo, &az);
  *lat2_deg = la;
  *lon2_deg = lo;
  if (azi2_deg)
    *azi2_deg = az;
  return 0;
}
