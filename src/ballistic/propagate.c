/*
 * propagate.c - the Dormand-Prince 5(4) integrator with adaptive steps and
 * event location, and the public free-flight propagation built on it.
 *
 * Method: J. R. Dormand, P. J. Prince, "A family of embedded Runge-Kutta
 * formulae", J. Comput. Appl. Math. 6 (1980) 19-26: seven stages, first
 * same as last, fifth-order solution, fourth-order error estimate.  Step
 * control as in Hairer, Norsett, Wanner, "Solving Ordinary Differential
 * Equations I", 2nd ed., section II.4 (RMS error norm, safety 0.9, factor
 * limited to [0.2, 5]).
 *
 * Events: after every accepted step the event function is evaluated at the
 * step's end; a sign change is located by the Illinois variant of regula
 * falsi on tau, each trial point being one Dormand-Prince step of size tau
 * from the start of the step (fifth order, so the located state is as
 * accurate as the step itself).
 */
#include <math.h>
#include <string.h>

#include "ballistic_int.h"
#include "mwx/error.h"
#include "mwx/geo.h"

/* Dormand-Prince 1980 tableau (table 2 of the paper). */
static const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
static const double A21 = 1.0 / 5;
static const double A31 = 3.0 / 40, A32 = 9.0 / 40;
static const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
static const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561,
                    A54 = -212.0 / 729;
static const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247,
                    A64 = 49.0 / 176, A65 = -5103.0 / 18656;
static const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784,
                    B6 = 11.0 / 84;
/* Fifth minus fourth order weights: the error estimate. */
static const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920,
                    E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

void bal_ode_init(bal_ode *o, bal_rhs_fn f, const void *ctx) {
  memset(o, 0, sizeof *o);
  o->f = f;
  o->ctx = ctx;
  /* 1e-10 relative of ~7e6 m is 0.7 mm per step; enough for a fitting to
   * 1e-6 and for the Jacobi integral to 1e-9 over hours. */
  o->rtol = 1e-10;
  o->atol_pos_m = 1e-4;
  o->atol_vel_mps = 1e-7;
  o->h_s = 1.0;
  o->h_max_s = 300.0;
}

/* Stages 2..7 given k1; writes the fifth-order y1, k7 = f(t0 + h, y1) and
 * (if err) the error estimate. */
static void stages(bal_ode *o, double t0, const double y0[6], double h, const double k1[6],
                   double y1[6], double k7[6], double err[6]) {
  double k2[6], k3[6], k4[6], k5[6], k6[6], yt[6];
  int i;
  for (i = 0; i < 6; i++)
    yt[i] = y0[i] + h * A21 * k1[i];
  o->f(o->ctx, t0 + C2 * h, yt, k2);
  for (i = 0; i < 6; i++)
    yt[i] = y0[i] + h * (A31 * k1[i] + A32 * k2[i]);
  o->f(o->ctx, t0 + C3 * h, yt, k3);
  for (i = 0; i < 6; i++)
    yt[i] = y0[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
  o->f(o->ctx, t0 + C4 * h, yt, k4);
  for (i = 0; i < 6; i++)
    yt[i] = y0[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
  o->f(o->ctx, t0 + C5 * h, yt, k5);
  for (i = 0; i < 6; i++)
    yt[i] = y0[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
  o->f(o->ctx, t0 + h, yt, k6);
  for (i = 0; i < 6; i++)
    y1[i] = y0[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
  o->f(o->ctx, t0 + h, y1, k7);
  o->evals += 6;
  if (err)
    for (i = 0; i < 6; i++)
      err[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
}

void bal_dp_step(bal_ode *o, double t0, const double y0[6], double h, double y1[6]) {
  double k1[6], k7[6];
  o->f(o->ctx, t0, y0, k1);
  o->evals++;
  stages(o, t0, y0, h, k1, y1, k7, NULL);
}

/* RMS of the error scaled by the tolerances (Hairer et al. eq. II.4.11). */
static double err_norm(const bal_ode *o, const double y0[6], const double y1[6],
                       const double e[6]) {
  double s = 0.0;
  for (int i = 0; i < 6; i++) {
    double atol = i < 3 ? o->atol_pos_m : o->atol_vel_mps;
    double sc = atol + o->rtol * fmax(fabs(y0[i]), fabs(y1[i]));
    s += (e[i] / sc) * (e[i] / sc);
  }
  return sqrt(s / 6.0);
}

static int finite6(const double y[6]) {
  for (int i = 0; i < 6; i++)
    if (!isfinite(y[i]))
      return 0;
  return 1;
}

/* Locates the root of ev->g in (0, h] from (t0, y0); g0, g1 bracket it. */
static void locate(bal_ode *o, const bal_event *ev, double t0, const double y0[6], double h,
                   double g0, double g1, double *te, double ye[6]) {
  double a = 0.0, b = h, ga = g0, gb = g1, yt[6];
  int side = 0;
  memcpy(ye, y0, sizeof yt);
  for (int it = 0; it < 100 && fabs(b - a) > ev->tol_s; it++) {
    double c = (fabs(gb - ga) > 0.0) ? b - gb * (b - a) / (gb - ga) : 0.5 * (a + b);
    if (!(c > fmin(a, b) && c < fmax(a, b)))
      c = 0.5 * (a + b);
    bal_dp_step(o, t0, y0, c, yt);
    double gc = ev->g(ev->ctx, t0 + c, yt);
    if (gc == 0.0) {
      a = b = c;
      break;
    }
    if ((gc > 0.0) == (gb > 0.0)) { /* root in [a, c] */
      b = c;
      gb = gc;
      if (side == -1)
        ga *= 0.5;
      side = -1;
    } else {
      a = c;
      ga = gc;
      if (side == 1)
        gb *= 0.5;
      side = 1;
    }
  }
  *te = t0 + b;
  bal_dp_step(o, t0, y0, b, ye);
}

static int crossed(const bal_event *ev, double g0, double g1) {
  if (ev->dir < 0)
    return g0 > 0.0 && g1 <= 0.0;
  if (ev->dir > 0)
    return g0 < 0.0 && g1 >= 0.0;
  return (g0 > 0.0 && g1 <= 0.0) || (g0 < 0.0 && g1 >= 0.0);
}

int bal_integrate(bal_ode *o, double *t, double y[6], double t_end, const bal_event *ev,
                  bal_step_fn cb, void *cbctx) {
  double k1[6], k7[6], y1[6], e[6];
  double dir = (t_end >= *t) ? 1.0 : -1.0;
  double g0 = ev ? ev->g(ev->ctx, *t, y) : 0.0;
  o->f(o->ctx, *t, y, k1);
  o->evals++;
  while (dir * (t_end - *t) > 0.0) {
    double left = fabs(t_end - *t);
    double h = fmin(fmin(o->h_s, o->h_max_s), left);
    if (h < 1e-10 * fmax(1.0, fabs(*t)) && h < left)
      return mwx_error_set(MWX_ENOCONV, "propagator: step size collapsed at t = %.3f s", *t);
    stages(o, *t, y, dir * h, k1, y1, k7, e);
    double en = finite6(y1) ? err_norm(o, y, y1, e) : INFINITY;
    double fac = (en > 0.0) ? 0.9 * pow(en, -0.2) : 5.0;
    if (!(en <= 1.0)) {
      o->rejected++;
      o->h_s = h * fmax(0.2, fmin(1.0, isfinite(fac) ? fac : 0.2));
      if (o->rejected > 100000)
        return mwx_error_set(MWX_ENOCONV, "propagator: too many rejected steps");
      continue;
    }
    o->steps++;
    double t1 = (h == left) ? t_end : *t + dir * h;
    if (ev) {
      double g1 = ev->g(ev->ctx, t1, y1);
      if (crossed(ev, g0, g1)) {
        double te, ye[6];
        locate(o, ev, *t, y, dir * h, g0, g1, &te, ye);
        int rc = cb ? cb(cbctx, *t, y, te, ye) : 0;
        *t = te;
        memcpy(y, ye, sizeof ye);
        return rc ? rc : 1;
      }
      g0 = g1;
    }
    if (cb) {
      int rc = cb(cbctx, *t, y, t1, y1);
      if (rc)
        return rc;
    }
    *t = t1;
    memcpy(y, y1, sizeof y1);
    memcpy(k1, k7, sizeof k7);
    o->h_s = h * fmin(5.0, fmax(0.2, fac));
  }
  return 0;
}

/* ---- public free flight ------------------------------------------------- */

static int check_state(const double p[3], const double v[3]) {
  for (int i = 0; i < 3; i++)
    if (!isfinite(p[i]) || !isfinite(v[i]))
      return mwx_error_set(MWX_EINVAL, "propagate: state is not finite");
  if (bal_norm(p) < 0.5 * MWX_WGS84_B_M)
    return mwx_error_set(MWX_EINVAL, "propagate: position is deep inside the Earth (|r| = %.0f m)",
                         bal_norm(p));
  return 0;
}

int mwx_ballistic_propagate(const double pos[3], const double vel[3], double beta_kgpm2,
                            double dt_s, double pos_out[3], double vel_out[3]) {
  bal_ode o;
  double y[6] = {pos[0], pos[1], pos[2], vel[0], vel[1], vel[2]}, t = 0.0;
  int rc = check_state(pos, vel);
  if (rc)
    return rc;
  if (!isfinite(dt_s))
    return mwx_error_set(MWX_EINVAL, "propagate: dt %g s is not finite", dt_s);
  bal_ode_init(&o, bal_rhs_free, &beta_kgpm2);
  o.h_s = fmin(fabs(dt_s), 10.0);
  rc = bal_integrate(&o, &t, y, dt_s, NULL, NULL, NULL);
  if (rc < 0)
    return rc;
  memcpy(pos_out, y, 3 * sizeof(double));
  memcpy(vel_out, y + 3, 3 * sizeof(double));
  return 0;
}

struct height_ev {
  double h_stop_m;
};

static double height_event(const void *ctx, double t, const double y[6]) {
  (void)t;
  return bal_height_m(y) - ((const struct height_ev *)ctx)->h_stop_m;
}

int mwx_ballistic_propagate_to_height(const double pos[3], const double vel[3], double beta_kgpm2,
                                      int dir, double h_stop_m, double max_s, double pos_out[3],
                                      double vel_out[3], double *elapsed_s) {
  bal_ode o;
  struct height_ev hc = {h_stop_m};
  double y[6] = {pos[0], pos[1], pos[2], vel[0], vel[1], vel[2]}, t = 0.0;
  int rc = check_state(pos, vel);
  if (rc)
    return rc;
  if ((dir != 1 && dir != -1) || !isfinite(h_stop_m) || !(max_s >= 0.0) || !isfinite(max_s))
    return mwx_error_set(MWX_EINVAL, "propagate_to_height: dir %d must be +1 or -1, h_stop %g m "
                         "and max %g s finite, max >= 0", dir, h_stop_m, max_s);
  bal_ode_init(&o, bal_rhs_free, &beta_kgpm2);
  o.h_s = 10.0;
  /* Steps of at most 60 s: a step cannot jump over both crossings of a
   * height just below the apogee (which would go unseen). */
  o.h_max_s = 60.0;
  double g = height_event(&hc, 0.0, y);
  bal_event ev = {height_event, &hc, 0, 1e-6};
  if (g == 0.0) {
    rc = 1;
  } else {
    rc = bal_integrate(&o, &t, y, dir * max_s, &ev, NULL, NULL);
    if (rc < 0)
      return rc;
    if (rc == 0)
      return mwx_error_set(MWX_ERANGE, "propagate_to_height: height %.1f m not reached within "
                           "%.1f s", h_stop_m, max_s);
  }
  memcpy(pos_out, y, 3 * sizeof(double));
  memcpy(vel_out, y + 3, 3 * sizeof(double));
  *elapsed_s = fabs(t);
  return 0;
}
