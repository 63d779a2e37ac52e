/*
 * track_testutil.h - helpers shared by the track and assess tests: a seeded
 * random generator (xorshift64* with Box-Muller normals) and a radar plot
 * generator that measures a truth position with Gaussian noise; and which of
 * a tracker's tracks follows a missile (the tests and bench_track_mc).
 */
#ifndef MWX_TRACK_TESTUTIL_H
#define MWX_TRACK_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mwx/geo.h"
#include "mwx/track.h"

typedef struct tu_rng {
  uint64_t s;
} tu_rng;

static inline double tu_uniform(tu_rng *r) {
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return ((r->s * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double tu_normal(tu_rng *r) {
  double u = tu_uniform(r), v = tu_uniform(r);
  if (u < 1e-300)
    u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

/* A radar plot of truth position pos taken at t_ns by a radar at lla. */
static inline mwx_track_plot tu_radar_plot(tu_rng *r, const mwx_geo_lla *lla, int sensor, int64_t t_ns,
                                           const double pos[3], double sr, double sa_deg) {
  mwx_track_plot p;
  memset(&p, 0, sizeof p);
  p.t_ns = t_ns;
  p.kind = MWX_TRACK_RADAR;
  p.sensor = sensor;
  memcpy(p.nation, "KOR", 4);
  p.sensor_lla = *lla;
  double az, el, rg;
  mwx_geo_aer_from_ecef(lla, pos, &az, &el, &rg);
  p.range_m = rg + sr * tu_normal(r);
  p.az_deg = fmod(az + sa_deg * tu_normal(r) + 360.0, 360.0);
  p.el_deg = el + sa_deg * tu_normal(r);
  p.sigma_range_m = sr;
  p.sigma_az_deg = sa_deg;
  p.sigma_el_deg = sa_deg;
  return p;
}

/* Squared Mahalanobis distance (NEES) of the n-D error d in the upper-left
 * n x n block of P (n <= MWX_TRACK_NX; Cholesky, test-side, independent of
 * the module); NAN if that block is not positive definite. */
static inline double tu_nees(const double *d, const double P[MWX_TRACK_NX][MWX_TRACK_NX], int n) {
  double L[MWX_TRACK_NX][MWX_TRACK_NX] = {{0}}, y[MWX_TRACK_NX], q = 0;
  if (n < 1 || n > MWX_TRACK_NX)
    return NAN;
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      double s = P[i][j];
      for (int k = 0; k < j; k++)
        s -= L[i][k] * L[j][k];
      if (i == j) {
        if (!(s > 0))
          return NAN;
        L[i][i] = sqrt(s);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  for (int i = 0; i < n; i++) {
    double s = d[i];
    for (int k = 0; k < i; k++)
      s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
    q += y[i] * y[i];
  }
  return q;
}

static inline double tu_dist(const double a[3], const double b[3]) {
  return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

/* The confirmed track of tr (coasting or not) whose estimate, carried
 * linearly from its own time to t_ns, is nearest pos_ecef_m (the truth at
 * t_ns), if within max_m: 1 with its info in *out, else 0 (*out zeroed). */
static inline int tu_nearest_confirmed(const mwx_tracker *tr, int64_t t_ns, const double pos_ecef_m[3], double max_m,
                                       mwx_track_info *out) {
  memset(out, 0, sizeof *out);
  double best_d = max_m;
  int found = 0;
  for (size_t i = 0; i < mwx_track_count(tr); i++) {
    mwx_track_info in;
    if (mwx_track_get(tr, i, &in) || in.status != MWX_TRACK_CONFIRMED)
      continue;
    double dt_s = (double)(t_ns - in.est.t_ns) * 1e-9, x[3];
    for (int c = 0; c < 3; c++)
      x[c] = in.est.x[c] + in.est.x[3 + c] * dt_s;
    double d = tu_dist(x, pos_ecef_m);
    if (d < best_d) {
      best_d = d;
      *out = in;
      found = 1;
    }
  }
  return found;
}

#endif
