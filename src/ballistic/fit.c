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
 * 1e-6 (the contract asks for 1e-4).  Where the conic is a poor guess
 * (near-minimum-energy and depressed flights) Newton is given 15 iterations,
 * then a bracketing search takes over (bracket_pitch) and Newton polishes
 * its result.
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

static int fail(const struct fit *ft, mwx_ballistic_class need, int too_short) {
  const mwx_ballistic_fit_req *q = ft->req;
  const char *cls = mwx_ballistic_class_name(ft->l.veh.cls);
  if (need > ft->l.veh.cls || ft->x[0] >= DV_SCALE_MAX * (1.0 - 1e-9))
    return mwx_error_set(MWX_EINVAL, "fit: apogee %g km and range %g km need %s energy, beyond a "
                         "typical %s (more than %.1f times its delta-v)", q->apogee_km, q->range_km,
                         mwx_ballistic_class_name(need), cls, DV_SCALE_MAX);
  if (too_short)
    return mwx_error_set(MWX_EINVAL, "fit: range %g km is too short for apogee %g km: Earth's "
                         "rotation alone carries the steepest %s flight to that apogee %.1f km "
                         "away (bearing %.0f deg)", q->range_km, q->apogee_km, cls,
                         ft->fig.range_km, ft->fig.impact_azimuth_deg);
  if (!(ft->fig.range_km > 0.0))
    return mwx_error_set(MWX_EINVAL, "fit: no %s flight reaches apogee %g km and range %g km: "
                         "that range is out of reach with that apogee (the flight would stay in "
                         "dense air)", cls, q->apogee_km, q->range_km);
  return mwx_error_set(MWX_EINVAL, "fit: no %s flight has apogee %g km and range %g km (closest: "
                       "apogee %.1f km, range %.1f km); that range is out of reach with that apogee "
                       "(a low flight stays in dense air)", cls, q->apogee_km, q->range_km,
                       ft->fig.apogee_km, ft->fig.range_km);
}

/* Brackets the dv_scale that gives the wanted apogee at pitch x[1]:
 * the apogee grows with dv_scale until the flight cannot be flown (orbital
 * energy, or too little to climb).  Returns 0 with lo < hi bracketing. */
static int bracket_energy(struct fit *ft, double x[3], double *lo, double *flo, double *hi,
                          double *fhi) {
  double f[3], s = (x[0] > DV_SCALE_MIN && x[0] < DV_SCALE_MAX) ? x[0] : 0.6;
  mwx_ballistic_figures fig;
  *lo = *hi = -1.0;
  for (int i = 0; i < 40 && s >= DV_SCALE_MIN && s <= DV_SCALE_MAX; i++) {
    x[0] = s;
    if (eval(ft, x, f, &fig)) {
      if (*lo > 0.0)
        return MWX_ENOCONV; /* flown below the apogee, not at all above: orbital */
      s *= 1.15;
      continue;
    }
    if (f[0] < 0.0) {
      *lo = s;
      *flo = f[0];
      s *= 1.15;
    } else {
      *hi = s;
      *fhi = f[0];
      s /= 1.15;
    }
    if (*lo > 0.0 && *hi > 0.0)
      return 0;
  }
  return MWX_ENOCONV;
}

/* Range error of the flight whose apogee matches, at pitch pf: +1 when
 * no flight at that pitch reaches the apogee or it goes more than half way
 * round (the bearing flips), the relative range error otherwise.  Leaves
 * that flight in ft. */
static double range_at_pitch(struct fit *ft, double pf) {
  double x[3] = {ft->x[0], pf, ft->x[2]}, f[3] = {1.0, 1.0, 0.0}, lo, flo = -1.0, hi, fhi = 1.0;
  mwx_ballistic_figures fig;
  if (bracket_energy(ft, x, &lo, &flo, &hi, &fhi))
    return 1.0;
  for (int it = 0; it < 60; it++) { /* Illinois on dv_scale */
    x[0] = hi - fhi * (hi - lo) / (fhi - flo);
    if (!(x[0] > fmin(lo, hi) && x[0] < fmax(lo, hi)))
      x[0] = 0.5 * (lo + hi);
    if (eval(ft, x, f, &fig))
      return 1.0;
    if (fabs(f[0]) < 1e-3) /* the sign of the range error is all that is needed */
      break;
    if (f[0] > 0.0) {
      hi = x[0];
      fhi = f[0];
      flo *= 0.5;
    } else {
      lo = x[0];
      flo = f[0];
      fhi *= 0.5;
    }
  }
  memcpy(ft->x, x, sizeof x);
  memcpy(ft->f, f, sizeof f);
  ft->fig = fig;
  /* Beyond the antipode the geodesic range shrinks again and the bearing
   * flips: "too far".  Otherwise the range is counted along the wanted
   * bearing, negative behind the launch point (where Earth's rotation
   * drifts a near-vertical flight). */
  if (fabs(f[2]) > 1.5 && fig.range_km > 10000.0)
    return 1.0;
  return (fig.range_km * cos(f[2]) - ft->req->range_km) / ft->req->range_km;
}

/* Fallback when Newton from the Keplerian guess fails: for a fixed pitch the
 * apogee grows with dv_scale, and once the apogee matches, the range along
 * the wanted bearing changes monotonically with the pitch between lo and hi
 * (growing as the pitch falls when the heading points along the bearing).
 * Bisection on the pitch brackets the solution, Newton then polishes it
 * with the heading.  MWX_ERANGE when [lo, hi] holds no solution. */
static int bracket_pitch(struct fit *ft, double lo, double hi) {
  double flo = range_at_pitch(ft, lo), fhi = range_at_pitch(ft, hi);
  if ((flo > 0.0) == (fhi > 0.0))
    return MWX_ERANGE;
  for (int it = 0; it < 10; it++) {
    double mid = 0.5 * (lo + hi), fm = range_at_pitch(ft, mid);
    if ((fm > 0.0) == (flo > 0.0))
      lo = mid;
    else
      hi = mid;
  }
  return range_at_pitch(ft, hi) > -0.5 ? 0 : MWX_ENOCONV;
}

static int newton(struct fit *ft, int max_iter) {
  if (eval(ft, ft->x, ft->f, &ft->fig))
    return MWX_ENOCONV;
  for (int it = 0; it < max_iter && !converged(ft->f); it++) {
    double d[3];
    if (newton_dir(ft, d) || line_search(ft, d))
      return MWX_ENOCONV;
  }
  return converged(ft->f) ? 0 : MWX_ENOCONV;
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
  /* From the Keplerian guess Newton converges in 3-8 iterations when it
   * does at all; past 15 the bracketing is the faster way. */
  if (newton(&ft, 15)) {
    struct fit best = ft;
    ft.x[0] = 1.0;
    ft.x[2] = req->azimuth_deg;
    rc = bracket_pitch(&ft, PITCH_MIN_DEG, 89.5);
    if (rc == MWX_ERANGE) { /* shorter than the drift: lean against it */
      ft.x[0] = 1.0;
      ft.x[2] = req->azimuth_deg + 180.0;
      rc = bracket_pitch(&ft, 60.0, 89.5);
      if (rc == MWX_ERANGE) /* report the steepest flight along the bearing */
        range_at_pitch(&ft, 89.5);
    }
    if (rc || newton(&ft, FIT_MAX_ITER))
      return fail(ft.fig.range_km > 0.0 ? &ft : &best, need, rc == MWX_ERANGE);
  }
  ft.l.veh.dv_scale = ft.x[0];
  ft.l.veh.pitch_final_deg = ft.x[1];
  ft.l.heading_deg = fmod(fmod(ft.x[2], 360.0) + 360.0, 360.0);
  *launch = ft.l;
  *fig = ft.fig;
  return 0;
}
