/*
 * launch.c - launch point and launch time by a batch fit of a powered flight
 * that starts at rest on the ground to the radar and IR plots of a track's
 * boost phase (see include/mwx/assess.h, mwx_assess_launch_fit, and
 * docs/track.md).
 *
 * Model (generic, nothing taken from a particular vehicle): lift-off at rest
 * at geodetic height 0 at time t0 from a point (east/north offset from a
 * reference point); thrust acceleration A / (1 - k tau) at tau seconds after
 * lift-off (a rocket of constant thrust and constant mass flow: A the
 * lift-off thrust acceleration, k the mass flow over the lift-off mass);
 * thrust direction in the vertical launch plane of the heading, vertical
 * for tau_v seconds, then turning linearly to the elevation el_f over T_p
 * seconds and held.  Gravity, Earth rotation: mwx_ballistic_accel_free_ecef
 * with the drag of an unknown constant ballistic coefficient beta.  Ten
 * unknowns: t0, east, north, heading, A, k, el_f, T_p, tau_v, log beta;
 * tau_v (launcher clearance, never seen by a sensor) has a weak prior
 * N(5 s, (5 s)^2) and beta a log-normal prior (median 40,000 kg/m^2, a
 * factor of 2 at 1 sigma; below).
 *
 * Fit: Levenberg-Marquardt on the whitened residuals of every plot
 * (mwx_track_innovation with a zero state covariance gives the residual and
 * the measurement noise), Jacobian by forward differences, trajectory by
 * RK4 (0.25 s) with cubic Hermite interpolation to the plot times.  Plots
 * whose residual exceeds the 0.999 chi-square gate are dropped and the fit
 * repeated; then the orphan IR plots within the gate are added and the fit
 * repeated.  The launch point's east/north covariance and the launch time's
 * variance are blocks of the inverse of the Gauss-Newton normal matrix
 * (with the prior).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "track/linalg.h"

#define NP 10
enum { P_T0 = 0, P_E, P_N, P_HDG, P_A, P_K, P_ELF, P_TP, P_TV, P_LB };

#define RK_STEP_S 0.5
#define MAX_ITER 200
#define GATE_RADAR 16.27 /* chi-square 3 dof, 0.999 */
#define GATE_IR 13.82    /* chi-square 2 dof, 0.999 */
#define TV_PRIOR_S 5.0
#define TV_PRIOR_SIGMA_S 5.0
/* boost-phase ballistic coefficient m / (Cd A): prior median 40,000 kg/m^2,
 * log-normal with sigma 0.7 (a factor of 2): lift-off masses and diameters of
 * published liquid-fuel missiles (Scud 5.9 t, 0.88 m; Nodong 16 t, 1.36 m;
 * Hwasong-12 ~25 t, 1.5 m; Hwasong-15 ~65 t, 2.4 m) with Cd ~0.3 give
 * 30,000-50,000 kg/m^2 */
#define BETA_PRIOR_KGPM2 40000.0
#define LOG_BETA_PRIOR_SIGMA 0.7

typedef struct fitctx {
  const mwx_track_plot **p; /* plots in use, time order */
  size_t n;
  int64_t tref_ns;   /* reference time (t0 is relative to it, seconds) */
  mwx_geo_lla ref;   /* reference ground point (east/north are from it) */
  double *traj;      /* RK4 nodes: pos(3), vel(3), acc(3) per node */
  size_t cap_nodes;
} fitctx;

/* Geodetic up (ellipsoid normal through the ellipsoid-scaled point). */
static void up_of(const double r[3], double up[3]) {
  double z = r[2] / (1.0 - MWX_WGS84_E2);
  double n = sqrt(r[0] * r[0] + r[1] * r[1] + z * z);
  up[0] = r[0] / n;
  up[1] = r[1] / n;
  up[2] = z / n;
}

typedef struct model {
  double plane_n[3]; /* launch-plane normal */
  double A, k, elf, tp, tv, beta;
} model;

static void deriv(const model *m, double tau, const double y[6], double dy[6]) {
  double a[3];
  mwx_ballistic_accel_free_ecef(y, y + 3, m->beta, a);
  double up[3], d[3];
  up_of(y, up);
  d[0] = m->plane_n[1] * up[2] - m->plane_n[2] * up[1];
  d[1] = m->plane_n[2] * up[0] - m->plane_n[0] * up[2];
  d[2] = m->plane_n[0] * up[1] - m->plane_n[1] * up[0];
  double dn = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  double el = M_PI / 2;
  if (tau > m->tv) {
    double f = m->tp > 1e-6 ? (tau - m->tv) / m->tp : 1.0;
    if (f > 1.0)
      f = 1.0;
    el = M_PI / 2 + f * (m->elf - M_PI / 2);
  }
  double th = m->A / (1.0 - m->k * tau), ce = cos(el), se = sin(el);
  for (int i = 0; i < 3; i++) {
    dy[i] = y[3 + i];
    dy[3 + i] = a[i] + th * (ce * d[i] / dn + se * up[i]);
  }
}

/* Flies the model for parameters x to tau_max; nodes every RK_STEP_S.
 * Returns the number of nodes, 0 on invalid parameters. */
static size_t fly(fitctx *c, const double x[NP], double tau_max) {
  if (!(tau_max > 0) || !(x[P_A] > 0) || !(x[P_K] >= 0) || !(1.0 - x[P_K] * tau_max > 0.05) ||
      !(x[P_ELF] > 0.01 && x[P_ELF] < M_PI / 2 + 0.3) || !(x[P_TP] >= 0) || !(x[P_TV] >= 0) ||
      tau_max > 1000.0)
    return 0;
  size_t nn = (size_t)ceil(tau_max / RK_STEP_S) + 2;
  if (nn > c->cap_nodes) {
    double *q = realloc(c->traj, nn * 9 * sizeof *q);
    if (!q)
      return 0;
    c->traj = q;
    c->cap_nodes = nn;
  }
  double enu[3] = {x[P_E], x[P_N], 0}, r0[3];
  if (mwx_geo_ecef_from_enu(&c->ref, enu, r0))
    return 0;
  mwx_geo_lla l0;
  if (mwx_geo_lla_from_ecef(r0, &l0))
    return 0;
  l0.h_m = 0;
  if (mwx_geo_ecef_from_lla(&l0, r0))
    return 0;
  if (!(fabs(x[P_LB]) < 5.0))
    return 0;
  model m = {{0, 0, 0}, x[P_A], x[P_K], x[P_ELF], x[P_TP], x[P_TV], BETA_PRIOR_KGPM2 * exp(x[P_LB])};
  double up[3], hd[3], henu[3] = {sin(x[P_HDG]), cos(x[P_HDG]), 0};
  up_of(r0, up);
  mwx_geo_ecef_vec_from_enu(&l0, henu, hd);
  m.plane_n[0] = up[1] * hd[2] - up[2] * hd[1];
  m.plane_n[1] = up[2] * hd[0] - up[0] * hd[2];
  m.plane_n[2] = up[0] * hd[1] - up[1] * hd[0];
  double y[6] = {r0[0], r0[1], r0[2], 0, 0, 0}, k1[6], k2[6], k3[6], k4[6], t[6];
  double h = RK_STEP_S;
  for (size_t s = 0; s < nn; s++) {
    double tau = s * h;
    deriv(&m, tau, y, k1);
    double *node = c->traj + 9 * s;
    memcpy(node, y, 6 * sizeof *y);
    memcpy(node + 6, k1 + 3, 3 * sizeof *y);
    if (s + 1 == nn)
      break;
    for (int i = 0; i < 6; i++)
      t[i] = y[i] + 0.5 * h * k1[i];
    deriv(&m, tau + 0.5 * h, t, k2);
    for (int i = 0; i < 6; i++)
      t[i] = y[i] + 0.5 * h * k2[i];
    deriv(&m, tau + 0.5 * h, t, k3);
    for (int i = 0; i < 6; i++)
      t[i] = y[i] + h * k3[i];
    deriv(&m, tau + h, t, k4);
    for (int i = 0; i < 6; i++)
      y[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    if (!isfinite(y[0]) || !isfinite(y[3]))
      return 0;
  }
  return nn;
}

/* Position and velocity at tau by quintic-free cubic Hermite interpolation
 * of the position (with the velocity as its derivative). */
static int state_at(const fitctx *c, size_t nn, double tau, double st[6]) {
  if (tau < 0)
    return -1;
  size_t s = (size_t)(tau / RK_STEP_S);
  if (s + 1 >= nn)
    return -1;
  const double *a = c->traj + 9 * s, *b = a + 9;
  double h = RK_STEP_S, u = (tau - s * h) / h;
  double h00 = 2 * u * u * u - 3 * u * u + 1, h10 = u * u * u - 2 * u * u + u;
  double h01 = -2 * u * u * u + 3 * u * u, h11 = u * u * u - u * u;
  double d00 = (6 * u * u - 6 * u) / h, d10 = 3 * u * u - 4 * u + 1;
  double d01 = (-6 * u * u + 6 * u) / h, d11 = 3 * u * u - 2 * u;
  for (int i = 0; i < 3; i++) {
    st[i] = h00 * a[i] + h10 * h * a[3 + i] + h01 * b[i] + h11 * h * b[3 + i];
    st[3 + i] = d00 * a[i] + d10 * a[3 + i] + d01 * b[i] + d11 * b[3 + i];
  }
  return 0;
}

/* A plot with its sensor geometry precomputed (the plot is the first
 * member: the fit passes pointers to it and converts them back). */
typedef struct pplot {
  mwx_track_plot pl;
  double s[3];     /* sensor ECEF position */
  double R[3][3];  /* ENU from ECEF rotation at the sensor (radar) */
  double e[2][3];  /* axes perpendicular to the line of sight (IR) */
  double w[3];     /* 1 / sigma per measurement */
} pplot;

static int pplot_init(pplot *q, const mwx_track_plot *p) {
  int rc = mwx_track_plot_check(p);
  if (rc)
    return rc;
  q->pl = *p;
  if ((rc = mwx_geo_ecef_from_lla(&p->sensor_lla, q->s)))
    return rc;
  if (p->kind == MWX_TRACK_IR) {
    la_perp_axes(p->los_ecef, q->e[0], q->e[1]);
    q->w[0] = q->w[1] = 1.0 / p->sigma_los_rad;
  } else {
    mwx_geo_enu_rotation(p->sensor_lla.lat_deg, p->sensor_lla.lon_deg, q->R);
    q->w[0] = 1.0 / p->sigma_range_m;
    q->w[1] = 1.0 / (p->sigma_az_deg * MWX_DEG2RAD);
    q->w[2] = 1.0 / (p->sigma_el_deg * MWX_DEG2RAD);
  }
  return 0;
}

/* Whitened residuals of plot p (inside a pplot) against state st: the
 * measurement models of the tracker (radar range, azimuth, elevation in the
 * sensor's ENU frame, azimuth wrapped; IR the components of the predicted
 * line of sight on two axes perpendicular to the measured one).  Returns
 * the number of values written to r, or -1. */
static int plot_residual(const mwx_track_plot *p, const double st[6], double r[3]) {
  const pplot *q = (const pplot *)p;
  double d[3] = {st[0] - q->s[0], st[1] - q->s[1], st[2] - q->s[2]};
  double rr = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  if (!(rr > 1.0))
    return -1;
  if (p->kind == MWX_TRACK_IR) {
    for (int k = 0; k < 2; k++)
      r[k] = -(q->e[k][0] * d[0] + q->e[k][1] * d[1] + q->e[k][2] * d[2]) / rr * q->w[k];
    return 2;
  }
  double dn[3];
  for (int i = 0; i < 3; i++)
    dn[i] = q->R[i][0] * d[0] + q->R[i][1] * d[1] + q->R[i][2] * d[2];
  double rh = sqrt(dn[0] * dn[0] + dn[1] * dn[1]);
  double az = atan2(dn[0], dn[1]), el = atan2(dn[2], rh);
  double daz = p->az_deg * MWX_DEG2RAD - az;
  while (daz > M_PI)
    daz -= 2 * M_PI;
  while (daz < -M_PI)
    daz += 2 * M_PI;
  r[0] = (p->range_m - rr) * q->w[0];
  r[1] = daz * q->w[1];
  r[2] = (p->el_deg * MWX_DEG2RAD - el) * q->w[2];
  return 3;
}

static int plot_dim(const mwx_track_plot *p) { return p->kind == MWX_TRACK_IR ? 2 : 3; }

/* Residual vector (plots, then the prior) for parameters x; returns its
 * length, or -1. */
static int residuals(fitctx *c, const double x[NP], double *r) {
  double tau_max = (double)(c->p[c->n - 1]->t_ns - c->tref_ns) * 1e-9 - x[P_T0] + 1.0;
  size_t nn = fly(c, x, tau_max);
  if (!nn)
    return -1;
  int k = 0;
  for (size_t i = 0; i < c->n; i++) {
    double tau = (double)(c->p[i]->t_ns - c->tref_ns) * 1e-9 - x[P_T0], st[6];
    if (tau <= 0 || state_at(c, nn, tau, st))
      return -1;
    int m = plot_residual(c->p[i], st, r + k);
    if (m < 0)
      return -1;
    k += m;
  }
  r[k++] = (x[P_TV] - TV_PRIOR_S) / TV_PRIOR_SIGMA_S;
  r[k++] = x[P_LB] / LOG_BETA_PRIOR_SIGMA;
  return k;
}

static double sumsq(const double *r, int n) {
  double s = 0;
  for (int i = 0; i < n; i++)
    s += r[i] * r[i];
  return s;
}

static const double FD_STEP[NP] = {1e-3, 0.5, 0.5, 1e-5, 1e-3, 1e-6, 1e-5, 1e-3, 1e-3, 1e-4};

/* Levenberg-Marquardt from x (updated).  Writes the normal matrix at the
 * solution and the cost.  Returns 0 or -1. */
static int lm(fitctx *c, double x[NP], double N[NP * NP], double *cost) {
  int mtot = 2;
  for (size_t i = 0; i < c->n; i++)
    mtot += plot_dim(c->p[i]);
  double *r = malloc(sizeof *r * mtot), *rt = malloc(sizeof *rt * mtot);
  double *J = malloc(sizeof *J * mtot * NP);
  if (!r || !rt || !J) {
    free(r), free(rt), free(J);
    return -1;
  }
  int rc = -1;
  if (residuals(c, x, r) != mtot)
    goto out;
  double f = sumsq(r, mtot), lambda = 1e-3;
  for (int it = 0; it < MAX_ITER; it++) {
    for (int j = 0; j < NP; j++) {
      double xp[NP];
      memcpy(xp, x, sizeof xp);
      xp[j] += FD_STEP[j];
      if (residuals(c, xp, rt) != mtot) {
        xp[j] = x[j] - FD_STEP[j];
        if (residuals(c, xp, rt) != mtot)
          goto out;
        for (int i = 0; i < mtot; i++)
          J[i * NP + j] = (r[i] - rt[i]) / FD_STEP[j];
      } else {
        for (int i = 0; i < mtot; i++)
          J[i * NP + j] = (rt[i] - r[i]) / FD_STEP[j];
      }
    }
    double g[NP] = {0};
    memset(N, 0, sizeof(double) * NP * NP);
    for (int i = 0; i < mtot; i++)
      for (int a = 0; a < NP; a++) {
        g[a] += J[i * NP + a] * r[i];
        for (int b = 0; b < NP; b++)
          N[a * NP + b] += J[i * NP + a] * J[i * NP + b];
      }
    int improved = 0;
    for (int tries = 0; tries < 12 && !improved; tries++) {
      double A[NP * NP], L[NP * NP], d[NP], xn[NP];
      memcpy(A, N, sizeof A);
      for (int a = 0; a < NP; a++)
        A[a * NP + a] += lambda * (N[a * NP + a] + 1e-9);
      if (la_chol(A, L, NP)) {
        lambda *= 10;
        continue;
      }
      la_chol_solve(L, g, d, NP);
      for (int a = 0; a < NP; a++)
        xn[a] = x[a] - d[a];
      double fn = INFINITY;
      if (residuals(c, xn, rt) == mtot)
        fn = sumsq(rt, mtot);
      if (fn < f) {
        double df = f - fn;
        memcpy(x, xn, sizeof xn);
        memcpy(r, rt, sizeof *r * mtot);
        f = fn;
        lambda = fmax(lambda * 0.3, 1e-7);
        improved = 1;
        if (df < 1e-4) /* a change of 1e-4 in chi-square: converged */
          it = MAX_ITER;
      } else {
        lambda *= 10;
      }
    }
    if (!improved)
      break;
  }
  /* the normal matrix at the solution */
  for (int j = 0; j < NP; j++) {
    double xp[NP];
    memcpy(xp, x, sizeof xp);
    xp[j] += FD_STEP[j];
    if (residuals(c, xp, rt) != mtot)
      goto out;
    for (int i = 0; i < mtot; i++)
      J[i * NP + j] = (rt[i] - r[i]) / FD_STEP[j];
  }
  memset(N, 0, sizeof(double) * NP * NP);
  for (int i = 0; i < mtot; i++)
    for (int a = 0; a < NP; a++)
      for (int b = 0; b < NP; b++)
        N[a * NP + b] += J[i * NP + a] * J[i * NP + b];
  *cost = f;
  rc = 0;
out:
  free(r), free(rt), free(J);
  return rc;
}

/* Squared whitened residual of plot p for parameters x, or INFINITY. */
static double plot_d2(fitctx *c, const double x[NP], const mwx_track_plot *p) {
  double tau = (double)(p->t_ns - c->tref_ns) * 1e-9 - x[P_T0];
  double tau_max = (double)(c->p[c->n - 1]->t_ns - c->tref_ns) * 1e-9 - x[P_T0] + 1.0;
  if (tau > tau_max)
    tau_max = tau + 1.0;
  size_t nn = fly(c, x, tau_max);
  double st[6], r[3];
  if (!nn || tau <= 0 || state_at(c, nn, tau, st))
    return INFINITY;
  int m = plot_residual(p, st, r);
  return m < 0 ? INFINITY : sumsq(r, m);
}

/* Squared whitened residuals of plots p[0..n) (time order) for parameters
 * x, one flight; INFINITY where a plot cannot be evaluated. */
static void all_d2(fitctx *c, const double x[NP], const mwx_track_plot **p, size_t n, double *d2) {
  for (size_t i = 0; i < n; i++)
    d2[i] = INFINITY;
  if (!n)
    return;
  double tau_max = (double)(p[n - 1]->t_ns - c->tref_ns) * 1e-9 - x[P_T0] + 1.0;
  size_t nn = fly(c, x, tau_max);
  if (!nn)
    return;
  for (size_t i = 0; i < n; i++) {
    double tau = (double)(p[i]->t_ns - c->tref_ns) * 1e-9 - x[P_T0], st[6], r[3];
    if (tau <= 0 || state_at(c, nn, tau, st))
      continue;
    int m = plot_residual(p[i], st, r);
    if (m > 0)
      d2[i] = sumsq(r, m);
  }
}

static int cmp_time(const void *a, const void *b) {
  const mwx_track_plot *p = *(const mwx_track_plot *const *)a, *q = *(const mwx_track_plot *const *)b;
  return p->t_ns < q->t_ns ? -1 : p->t_ns > q->t_ns;
}

void mwx_assess_launch_fit_opts_default(mwx_assess_launch_fit_opts *o) {
  memset(o, 0, sizeof *o);
  o->min_plots = 8;
  o->max_chi2_dof = 3.0;
}

int mwx_assess_launch_fit(const mwx_track_plot *plots, size_t n, const mwx_track_plot *ir, size_t n_ir,
                          const mwx_assess_point *guess, double heading_guess_deg,
                          const mwx_assess_launch_fit_opts *opts, mwx_assess_launch_fit_result *out) {
  if ((!plots && n) || (!ir && n_ir) || !guess || !out || !isfinite(heading_guess_deg))
    return mwx_error_set(MWX_EINVAL, "assess: launch fit: bad arguments");
  mwx_assess_launch_fit_opts o;
  if (opts)
    o = *opts;
  else
    mwx_assess_launch_fit_opts_default(&o);
  memset(out, 0, sizeof *out);
  size_t nmin = o.min_plots > 0 ? (size_t)o.min_plots : 1;
  if (n < nmin)
    return mwx_error_set(MWX_EINVAL, "assess: launch fit: %zu plots, at least %zu needed", n, nmin);
  fitctx c;
  memset(&c, 0, sizeof c);
  const mwx_track_plot **use = malloc((n + n_ir) * sizeof *use), **all = malloc(n * sizeof *all);
  char *bad = calloc(n, 1);
  double *d2 = malloc(n * sizeof *d2);
  pplot *pp = malloc((n + n_ir) * sizeof *pp);
  if (!use || !all || !bad || !d2 || !pp) {
    free(use), free(all), free(bad), free(d2), free(pp);
    return mwx_error_set(MWX_ENOMEM, "assess: launch fit: out of memory");
  }
  size_t n_ok = 0, n_ir_ok = 0;
  for (size_t i = 0; i < n; i++)
    if (!pplot_init(&pp[n_ok], &plots[i]))
      all[n_ok] = &pp[n_ok].pl, n_ok++;
  for (size_t i = 0; i < n_ir; i++)
    if (ir[i].kind == MWX_TRACK_IR && !pplot_init(&pp[n_ok + n_ir_ok], &ir[i]))
      n_ir_ok++;
  mwx_error_clear();
  n = n_ok;
  const pplot *irp = pp + n_ok;
  qsort(all, n, sizeof *all, cmp_time);
  c.p = use;
  c.tref_ns = guess->t_ns;
  c.ref.lat_deg = guess->lat_deg;
  c.ref.lon_deg = guess->lon_deg;
  c.ref.h_m = 0;
  /* windows of growing length from the first plot: the longest whose fit
   * stays consistent (chi-square per degree of freedom <= o.max_chi2_dof,
   * after dropping the plots outside the 0.999 gate and fitting again) is
   * kept - past a staging or a burnout the model no longer fits.  The first
   * window starts from a few guesses of the elevation and the thrust (the
   * guess's point and time, the heading given); each longer one from the
   * fit before. */
  double best[NP], N[NP * NP], cost = INFINITY;
  int ok = 0;
  static const double starts[][3] = {{45, 20, 0.005}, {70, 15, 0.004}, {30, 25, 0.006}, {60, 12, 0.002}, {15, 30, 0.008}};
  static const double windows[] = {30.0, 45.0, 60.0, 75.0, 90.0, 105.0, 120.0};
  size_t n_best = 0, n_prev_all = 0;
  for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
    size_t m_all = 0;
    while (m_all < n && (double)(all[m_all]->t_ns - all[0]->t_ns) * 1e-9 <= windows[w])
      m_all++;
    if (m_all == n_prev_all)
      continue;
    n_prev_all = m_all;
    double wb[NP], wN[NP * NP], wc = INFINITY;
    int wok = 0;
    for (int round = 0; round < 2; round++) {
      c.n = 0;
      for (size_t i = 0; i < m_all; i++)
        if (!bad[i])
          use[c.n++] = all[i];
      if (c.n < nmin)
        break;
      double tau_last = (double)(use[c.n - 1]->t_ns - guess->t_ns) * 1e-9;
      size_t ns = ok || round ? 1 : sizeof starts / sizeof starts[0];
      wok = 0;
      wc = INFINITY;
      for (size_t s = 0; s < ns; s++) {
        double x[NP] = {0, 0, 0, heading_guess_deg * MWX_DEG2RAD, starts[s][1], starts[s][2],
                        starts[s][0] * MWX_DEG2RAD, 30.0, TV_PRIOR_S, 0.0};
        if (round)
          memcpy(x, wb, sizeof x);
        else if (ok)
          memcpy(x, best, sizeof x);
        if (x[P_K] * tau_last > 0.8)
          x[P_K] = 0.8 / tau_last;
        double Nt[NP * NP], ct;
        if (lm(&c, x, Nt, &ct))
          continue;
        if (ct < wc) {
          wc = ct;
          memcpy(wb, x, sizeof wb);
          memcpy(wN, Nt, sizeof wN);
          wok = 1;
        }
      }
      if (!wok || round)
        break;
      /* outliers: plots outside the gate (a false plot the tracker took);
       * more than a tenth of them outside means the model, not the plots,
       * is wrong: keep them, the chi-square test below decides */
      all_d2(&c, wb, all, m_all, d2);
      size_t nb = 0;
      for (size_t i = 0; i < m_all; i++)
        nb += !bad[i] && d2[i] >= (all[i]->kind == MWX_TRACK_IR ? GATE_IR : GATE_RADAR);
      if (!nb || nb * 10 > c.n)
        break;
      for (size_t i = 0; i < m_all; i++)
        if (d2[i] >= (all[i]->kind == MWX_TRACK_IR ? GATE_IR : GATE_RADAR))
          bad[i] = 1;
    }
    int mdim = 0;
    for (size_t i = 0; i < c.n; i++)
      mdim += plot_dim(use[i]);
    double chi = mdim > NP ? wc / (mdim - NP) : INFINITY;
    if (!wok || !(chi <= o.max_chi2_dof))
      break; /* the first window already inconsistent (plots after burnout, or not a launch): give up */
    memcpy(best, wb, sizeof best);
    memcpy(N, wN, sizeof N);
    cost = wc;
    ok = 1;
    out->window_s = windows[w];
    n_best = c.n;
  }
  /* the plots of the kept window */
  c.n = 0;
  for (size_t i = 0; i < n && ok && c.n < n_best; i++)
    if (!bad[i])
      use[c.n++] = all[i];
  int rc = 0;
  if (!ok) {
    rc = mwx_error_set(MWX_ENOCONV, "assess: launch fit: no window gave a consistent fit");
    goto done;
  }
  /* add the orphan IR plots that fall inside the gate, refit */
  size_t n_added = 0;
  {
    size_t m = c.n;
    for (size_t i = 0; i < n_ir_ok; i++) {
      const mwx_track_plot *q = &irp[i].pl;
      double tau = (double)(q->t_ns - c.tref_ns) * 1e-9 - best[P_T0];
      double tau_max = (double)(use[c.n - 1]->t_ns - c.tref_ns) * 1e-9 - best[P_T0];
      if (tau <= 0 || tau > tau_max)
        continue;
      int dup = 0;
      for (size_t j = 0; j < c.n && !dup; j++)
        dup = use[j]->t_ns == q->t_ns && use[j]->sensor == q->sensor;
      if (!dup && plot_d2(&c, best, q) < GATE_IR)
        use[m++] = q;
    }
    if (m > c.n) {
      size_t n_before = c.n;
      c.n = m;
      qsort(use, m, sizeof *use, cmp_time);
      double x[NP], Nt[NP * NP], ct;
      memcpy(x, best, sizeof x);
      if (!lm(&c, x, Nt, &ct)) {
        memcpy(best, x, sizeof best);
        memcpy(N, Nt, sizeof N);
        cost = ct;
        n_added = m - n_before;
      } else {
        c.n = n_before; /* the fit without them stands */
      }
    }
  }
  double C[NP * NP];
  if (la_inv_spd(N, C, NP, NULL)) {
    rc = mwx_error_set(MWX_ENOCONV, "assess: launch fit: the normal matrix is singular");
    goto done;
  }
  double enu[3] = {best[P_E], best[P_N], 0}, r0[3];
  mwx_geo_lla l0;
  if ((rc = mwx_geo_ecef_from_enu(&c.ref, enu, r0)) || (rc = mwx_geo_lla_from_ecef(r0, &l0)))
    goto done;
  mwx_assess_point *pt = &out->point;
  pt->lat_deg = l0.lat_deg;
  pt->lon_deg = l0.lon_deg;
  pt->t_ns = c.tref_ns + (int64_t)llround(best[P_T0] * 1e9);
  pt->sigma_t_s = sqrt(C[P_T0 * NP + P_T0]);
  pt->cov_en_m2[0][0] = C[P_E * NP + P_E];
  pt->cov_en_m2[0][1] = pt->cov_en_m2[1][0] = C[P_E * NP + P_N];
  pt->cov_en_m2[1][1] = C[P_N * NP + P_N];
  {
    double Ce[4] = {pt->cov_en_m2[0][0], pt->cov_en_m2[0][1], pt->cov_en_m2[1][0], pt->cov_en_m2[1][1]};
    double l1, l2, ang;
    la_eig2(Ce, &l1, &l2, &ang);
    pt->major_km = sqrt(MWX_ASSESS_CHI2_95_2D * fmax(l1, 0)) / 1e3;
    pt->minor_km = sqrt(MWX_ASSESS_CHI2_95_2D * fmax(l2, 0)) / 1e3;
    double az = fmod(90.0 - ang * MWX_RAD2DEG, 180.0);
    pt->orient_deg = az < 0 ? az + 180.0 : az;
  }
  out->heading_deg = fmod(best[P_HDG] * MWX_RAD2DEG + 720.0, 360.0);
  out->thrust0_mps2 = best[P_A];
  out->mass_flow_ps = best[P_K];
  out->elevation_deg = best[P_ELF] * MWX_RAD2DEG;
  out->pitchover_s = best[P_TP];
  out->vertical_s = best[P_TV];
  out->beta_kgpm2 = BETA_PRIOR_KGPM2 * exp(best[P_LB]);
  out->n_plots = c.n;
  int mdim = 0;
  for (size_t i = 0; i < c.n; i++)
    mdim += plot_dim(use[i]);
  out->n_orphan_ir = n_added;
  out->chi2_per_dof = mdim > NP ? cost / (mdim - NP) : NAN;
done:
  free(c.traj);
  free(use), free(all), free(bad), free(d2), free(pp);
  return rc;
}
