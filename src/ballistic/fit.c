/*
 * fit.c - finds the launch that reproduces published figures: apogee,
 * ground range and the geodesic bearing launch -> impact.
 *
 * Unknowns: dv_scale (energy), pitch_final_deg (loft) and the launch heading
 * (Earth's rotation turns the impact point away from the launch plane, so
 * the heading that gives the wanted bearing differs from it).  The typical
 * vehicle of the class supplies everything else.  First guess from the
 * Keplerian conic of the figures (class.c): its surface speed, corrected
 * for the boost's gravity and drag losses seen on one nominal flight, gives
 * dv_scale; its flight-path angle gives the pitch.  Then Newton's method on
 * the three residuals (relative apogee and range errors, bearing error in
 * radians) with a forward-difference Jacobian, steps limited in size and
 * halved until the residual decreases.  Converged when all three are below
 * 1e-6 (the contract asks for 1e-4).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ballistic_int.h"
#include "mwx/error.h"
#include "mwx/geo.h"

#define FIT_TOL 1e-6
#define FIT_MAX_ITER 40
/* Energy envelope of a class vehicle: up to 1.5 times the delta-v of the
 * typical one (a lighter payload, a longer burn: beyond that it is another
 * missile), and not below 5% of it. */
#define DV_SCALE_MAX 1.5
#define DV_SCALE_MIN 0.05
#define PITCH_MIN_DEG 0.5
#define PITCH_MAX_DEG 90.0

struct fit {
  const mwx_ballistic_fit_req *req;
  mwx_ballistic_launch l;
  double x[3], f[3];
  mwx_ballistic_figures fig;
};

static double wrap180(double d) {
  d = fmod(d, 360.0);
  if (d > 180.0)
    d -= 360.0;
  if (d < -180.0)
    d += 360.0;
  return d;
}

static double norm3(const double f[3]) { return sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]); }

/* Flies x = (dv_scale, pitch, heading); residuals into f. */
static int eval(struct fit *ft, const double x[3], double f[3], mwx_ballistic_figures *fig) {
  mwx_ballistic_launch l = ft->l;
  l.veh.dv_scale = x[0];
  l.veh.pitch_final_deg = x[1];
  l.heading_deg = x[2];
  int rc = mwx_ballistic_fly_figures(&l, fig);
  if (rc)
    return rc;
  f[0] = (fig->apogee_km - ft->req->apogee_km) / ft->req->apogee_km;
  f[1] = (fig->range_km - ft->req->range_km) / ft->req->range_km;
  f[2] = wrap180(fig->impact_azimuth_deg - ft->req->azimuth_deg) * MWX_DEG2RAD;
  return 0;
}

/* Solves the 3x3 system a d = b by Gaussian elimination with pivoting. */
static int solve3(double a[3][3], double b[3], double d[3]) {
  for (int c = 0; c < 3; c++) {
    int p = c;
    for (int r = c + 1; r < 3; r++)
      if (fabs(a[r][c]) > fabs(a[p][c]))
        p = r;
    if (fabs(a[p][c]) < 1e-14)
      return -1;
    for (int k = 0; k < 3; k++) {
      double t = a[c][k];
      a[c][k] = a[p][k];
      a[p][k] = t;
    }
    double t = b[c];
    b[c] = b[p];
    b[p] = t;
    for (int r = c + 1; r < 3; r++) {
      double m = a[r][c] / a[c][c];
      for (int k = c; k < 3; k++)
        a[r][k] -= m * a[c][k];
      b[r] -= m * b[c];
    }
  }
  for (int r = 2; r >= 0; r--) {
    double s = b[r];
    for (int k = r + 1; k < 3; k++)
      s -= a[r][k] * d[k];
    d[r] = s / a[r][r];
  }
  return 0;
}

static void clamp_x(double x[3]) {
  x[0] = fmin(DV_SCALE_MAX, fmax(DV_SCALE_MIN, x[0]));
  x[1] = fmin(PITCH_MAX_DEG, fmax(PITCH_MIN_DEG, x[1]));
}

/* Newton step direction from a forward-difference Jacobian. */
static int newton_dir(struct fit *ft, double d[3]) {
  static const double dx[3] = {1e-5, 1e-4, 1e-4};
  double j[3][3], b[3], xp[3], fp[3];
  mwx_ballistic_figures fig;
  for (int c = 0; c < 3; c++) {
    memcpy(xp, ft->x, sizeof xp);
    double step = (c == 0 || ft->x[1] + dx[c] <= PITCH_MAX_DEG) ? dx[c] : -dx[c];
    xp[c] += step;
    int rc = eval(ft, xp, fp, &fig);
    if (rc)
      return rc;
    for (int r = 0; r < 3; r++)
      j[r][c] = (fp[r] - ft->f[r]) / step;
  }
  for (int r = 0; r < 3; r++)
    b[r] = -ft->f[r];
  if (solve3(j, b, d))
    return MWX_ENOCONV;
  /* Trust region: at most 0.15 in dv_scale, 8 deg of pitch, 5 deg heading. */
  double s = fmax(fabs(d[0]) / 0.15, fmax(fabs(d[1]) / 8.0, fabs(d[2]) / 5.0));
  if (s > 1.0)
    for (int k = 0; k < 3; k++)
      d[k] /= s;
  return 0;
}

/* Halves the step until the residual decreases. */
static int line_search(struct fit *ft, const double d[3]) {
  double lam = 1.0, x[3], f[3];
  mwx_ballistic_figures fig;
  for (int i = 0; i < 8; i++, lam *= 0.5) {
    for (int k = 0; k < 3; k++)
      x[k] = ft->x[k] + lam * d[k];
    clamp_x(x);
    if (eval(ft, x, f, &fig) == 0 && norm3(f) < norm3(ft->f)) {
      memcpy(ft->x, x, sizeof x);
      memcpy(ft->f, f, sizeof f);
      ft->fig = fig;
      return 0;
    }
  }
  return MWX_ENOCONV;
}

static int converged(const double f[3]) {
  return fabs(f[0]) < FIT_TOL && fabs(f[1]) < FIT_TOL && fabs(f[2]) < FIT_TOL;
}

/* First guess: Keplerian speed plus the losses of one nominal flight. */
static void first_guess(struct fit *ft) {
  const mwx_ballistic_fit_req *q = ft->req;
  double vk, gk;
  bal_kepler_from_figures(q->apogee_km * 1000.0, q->range_km * 1000.0, &vk, &gk);
  ft->x[0] = 1.0;
  ft->x[1] = fmin(85.0, fmax(5.0, gk * MWX_RAD2DEG));
  ft->x[2] = q->azimuth_deg;
  mwx_ballistic_figures fig;
  double f[3];
  while (eval(ft, ft->x, f, &fig)) { /* too flat to fly: loft it */
    if (ft->x[1] >= 85.0)
      return;
    ft->x[1] = fmin(85.0, ft->x[1] + 5.0);
  }
  double dv1 = bal_vehicle_dv_mps(&ft->l.veh); /* dv_scale 1 */
  double r_bo = BAL_R_MEAN_M + fig.burnout_alt_km * 1000.0;
  double v2 = vk * vk - 2.0 * MWX_WGS84_GM_M3PS2 * (1.0 / BAL_R_MEAN_M - 1.0 / r_bo);
  double v_bo = sqrt(fmax(v2, 1.0e4));
  double loss = dv1 - fig.burnout_speed_mps;
  ft->x[0] = fmin(DV_SCALE_MAX, fmax(DV_SCALE_MIN, (v_bo + loss) / dv1));
}

static int check_req(const mwx_ballistic_fit_req *q) {
  if (!isfinite(q->lat_deg) || !isfinite(q->lon_deg) || fabs(q->lat_deg) > 90.0)
    return mwx_error_set(MWX_EINVAL, "fit: launch point (%g, %g) is not a valid latitude/longitude",
                         q->lat_deg, q->lon_deg);
  if (!isfinite(q->azimuth_deg))
    return mwx_error_set(MWX_EINVAL, "fit: azimuth %g deg is not finite", q->azimuth_deg);
  if (q->cls < MWX_CLASS_UNKNOWN || q->cls > MWX_CLASS_ICBM)
    return mwx_error_set(MWX_EINVAL, "fit: class %d is not a missile class", (int)q->cls);
  double v, g;
  int rc = bal_kepler_from_figures(q->apogee_km * 1000.0, q->range_km * 1000.0, &v, &g);
  if (rc) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", mwx_error_msg());
    return mwx_error_set(rc, "fit: %s", msg);
  }
  if (isinf(bal_kepler_max_range_m(v)))
    return mwx_error_set(MWX_EINVAL, "fit: apogee %g km with range %g km needs orbital speed "
                         "(%.0f m/s): not a ballistic flight", q->apogee_km, q->range_km, v);
  return 0;
}

static int fail(const struct fit *ft, mwx_ballistic_class need) {
  const mwx_ballistic_fit_req *q = ft->req;
  const char *cls = mwx_ballistic_class_name(ft->l.veh.cls);
  if (ft->x[0] >= DV_SCALE_MAX * (1.0 - 1e-9))
    return mwx_error_set(MWX_EINVAL, "fit: apogee %g km and range %g km need %s energy, beyond a "
                         "typical %s (more than %.1f times its delta-v)", q->apogee_km, q->range_km,
                         mwx_ballistic_class_name(need), cls, DV_SCALE_MAX);
  if (!(ft->fig.range_km > 0.0))
    return mwx_error_set(MWX_EINVAL, "fit: no %s flight reaches apogee %g km and range %g km: "
                         "that range is out of reach with that apogee (the flight would stay in "
                         "dense air)", cls, q->apogee_km, q->range_km);
  return mwx_error_set(MWX_EINVAL, "fit: no %s flight has apogee %g km and range %g km (closest: "
                       "apogee %.1f km, range %.1f km); that range is out of reach with that apogee "
                       "(a low flight stays in dense air)", cls, q->apogee_km, q->range_km,
                       ft->fig.apogee_km, ft->fig.range_km);
}

int mwx_ballistic_fit(const mwx_ballistic_fit_req *req, mwx_ballistic_launch *launch,
                      mwx_ballistic_figures *fig) {
  struct fit ft;
  mwx_ballistic_class need;
  int rc = check_req(req);
  if (rc)
    return rc;
  mwx_ballistic_class_from_figures(req->apogee_km, req->range_km, &need);
  memset(&ft, 0, sizeof ft);
  ft.req = req;
  if ((rc = mwx_ballistic_vehicle_default(req->cls ? req->cls : need, &ft.l.veh)))
    return rc;
  ft.l.lat_deg = req->lat_deg;
  ft.l.lon_deg = req->lon_deg;
  first_guess(&ft);
  if (eval(&ft, ft.x, ft.f, &ft.fig))
    return fail(&ft, need);
  for (int it = 0; it < FIT_MAX_ITER && !converged(ft.f); it++) {
    double d[3];
    if (newton_dir(&ft, d) || line_search(&ft, d))
      return fail(&ft, need);
  }
  if (!converged(ft.f))
    return fail(&ft, need);
  ft.l.veh.dv_scale = ft.x[0];
  ft.l.veh.pitch_final_deg = ft.x[1];
  ft.l.heading_deg = fmod(ft.x[2] + 360.0, 360.0);
  *launch = ft.l;
  *fig = ft.fig;
  return 0;
}
