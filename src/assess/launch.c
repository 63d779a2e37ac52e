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
 * seconds and held.  Gravity, Earth rotation and drag as in
 * mwx_ballistic_accel_free_ecef (J2, the rotating frame; the US 1976 density
 * tabulated, below) with an unknown constant ballistic coefficient beta.  Ten
 * unknowns: t0, east, north, heading, A, k, el_f, T_p, tau_v, log beta;
 * tau_v (launcher clearance, never seen by a sensor) has a weak prior
 * N(5 s, (5 s)^2) and beta a log-normal prior (median 40,000 kg/m^2, a
 * factor of 2 at 1 sigma; below).
 *
 * Fit: Levenberg-Marquardt with geodesic acceleration (lm, below) on the
 * whitened residuals of every plot (the tracker's measurement models: radar
 * range, azimuth, elevation; IR line of sight), Jacobian by forward
 * differences, trajectory by RK4 (1 s, a step split at the two kinks of the
 * pitch program) with cubic Hermite interpolation to the plot times.  Plots
 * whose residual exceeds the 0.999 chi-square gate are dropped and the fit
 * repeated; then the orphan IR plots within the gate are added and the fit
 * repeated.  The launch point's east/north covariance and the launch time's
 * variance are blocks of the inverse of the Gauss-Newton normal matrix
 * (with the prior).
 *
 * Speed (BENCHMARKS.md, "launch fit speed"; bench/bench_launchfit.c): the
 * cost is flights of the model, about 11 per iteration (9 for the Jacobian,
 * the t0 column reusing the base flight; one for the second derivative of
 * geodesic acceleration; one per trial step).  What made it 10-30 times
 * faster than the first version, measured: the fit's valley (launch time,
 * point along the heading and thrust traded against each other, the first
 * 30-60 s being unseen) made plain LM crawl for hundreds of iterations, and
 * its df < 1e-4 stop ended the crawl at a point that depended on the path;
 * geodesic acceleration halves the iterations, and the stop on the
 * Gauss-Newton predicted decrease (g^T N^-1 g < tol) ends at the minimum
 * (loose for the windows, which are only compared against a chi-square per
 * dof of 3, tight for the final fit).  A start or window still far from
 * consistent after GIVEUP_ITER iterations is abandoned (it would be
 * refused).  The step's kinks split: RK4 across a kink left an error that
 * rippled with tau_v and T_p and the fit crawled on the ripples; split, 1 s
 * steps give the same fits as 0.5 s ones.  The air density is tabulated
 * once per fit (mwx_ballistic_atmosphere's pow per call was a third of the
 * flight), and the azimuth/elevation residuals use the series of atan
 * instead of atan2 inside the gate.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/assess.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "track/linalg.h"

#define NP 10
enum { P_T0 = 0, P_E, P_N, P_HDG, P_A, P_K, P_ELF, P_TP, P_TV, P_LB };

#define RK_STEP_S 1.0
#define MAX_ITER 200
/* convergence: the Gauss-Newton step would lower the chi-square by less
 * than this; the windows are compared by their chi-square per dof against
 * 3, so their fits stop earlier than the final one */
#define WINDOW_DCHI2 1e-1
#define FINAL_DCHI2 1e-3
/* a start or window whose chi-square is still above GIVEUP_CHI2_FACTOR
 * times the consistency threshold after GIVEUP_ITER iterations is dropped:
 * on the public scenarios such fits ended 8-750 times above it */
#define GIVEUP_ITER 10
/* initial damping: from a guess, and from a fit of a shorter window (or the
 * same one): near the solution the Gauss-Newton step is good at once */
#define LAMBDA_COLD 1e-3
#define LAMBDA_WARM 1e-5
#define GIVEUP_CHI2_FACTOR 3.0
#define GEO_H 0.1     /* finite-difference step along v, fraction of v */
#define GEO_ALPHA 0.75 /* geodesic acceleration: largest 2 |a| / |v| accepted */
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
  /* the last flight: its parameters (t0 aside: the flight in tau does not
   * depend on it) and nodes flown; a flight of the same parameters to no
   * further is the same nodes (the t0 column of the Jacobian, a refit) */
  double flown_x[NP];
  size_t flown_nn;
  double *rho;       /* air density (kg/m^3) every RHO_DH_M from 0 to RHO_TOP_M */
} fitctx;

/* Air density of the US 1976 standard (mwx_ballistic_atmosphere) tabulated
 * every 50 m up to 150 km, linear between: the density falls by e over a
 * scale height of 6-8 km, so the relative error of the interpolation is at
 * most (50 / 6000)^2 / 8 < 1e-5; above the table (and below 0) it is
 * computed. */
#define RHO_DH_M 50.0
#define RHO_TOP_M 150e3
#define RHO_N ((size_t)(RHO_TOP_M / RHO_DH_M) + 1)

static int rho_table(fitctx *c) {
  c->rho = malloc(RHO_N * sizeof *c->rho);
  if (!c->rho)
    return -1;
  for (size_t i = 0; i < RHO_N; i++)
    if (mwx_ballistic_atmosphere((double)i * RHO_DH_M, &c->rho[i], NULL, NULL))
      return -1;
  return 0;
}

static double rho_at(const double *tab, double h_m) {
  double u = h_m / RHO_DH_M;
  if (u >= 0 && u < (double)(RHO_N - 1)) {
    size_t i = (size_t)u;
    double f = u - (double)i;
    return tab[i] + f * (tab[i + 1] - tab[i]);
  }
  double rho = 0;
  if (h_m < 1e6)
    mwx_ballistic_atmosphere(h_m, &rho, NULL, NULL);
  return rho;
}

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
  double ce_f, se_f; /* cos, sin of elf */
  const double *rho; /* fitctx.rho */
} model;

static void deriv(const model *m, double tau, const double y[6], double dy[6]) {
  double a[3];
  /* gravity and the rotating frame (no drag: beta 0), then the drag
   * -rho |v| v / (2 beta) of mwx_ballistic_accel_free_ecef with the
   * tabulated density at the same height (the ellipsoid's radius along the
   * geocentric direction, as the ballistic module computes it) */
  mwx_ballistic_gravity_ecef(y, a);
  {
    const double w = MWX_WGS84_OMEGA_RADPS; /* -2 w x v - w x (w x r), as gravity.c */
    a[0] += 2.0 * w * y[4] + w * w * y[0];
    a[1] += -2.0 * w * y[3] + w * w * y[1];
    const double ea = MWX_WGS84_A_M, eb = MWX_WGS84_B_M;
    double rho2 = y[0] * y[0] + y[1] * y[1], z2 = y[2] * y[2], rn = sqrt(rho2 + z2);
    double h = rn - ea * eb * rn / sqrt(eb * eb * rho2 + ea * ea * z2);
    if (h < 1e6) {
      double vn = sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5]);
      double kd = -0.5 * rho_at(m->rho, h) * vn / m->beta;
      for (int i = 0; i < 3; i++)
        a[i] += kd * y[3 + i];
    }
  }
  double up[3], d[3];
  up_of(y, up);
  d[0] = m->plane_n[1] * up[2] - m->plane_n[2] * up[1];
  d[1] = m->plane_n[2] * up[0] - m->plane_n[0] * up[2];
  d[2] = m->plane_n[0] * up[1] - m->plane_n[1] * up[0];
  double dn = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  double ce = 0.0, se = 1.0; /* vertical */
  if (tau > m->tv) {
    double f = m->tp > 1e-6 ? (tau - m->tv) / m->tp : 1.0;
    if (f >= 1.0) {
      ce = m->ce_f, se = m->se_f;
    } else {
      double el = M_PI / 2 + f * (m->elf - M_PI / 2);
      ce = cos(el), se = sin(el);
    }
  }
  double th = m->A / (1.0 - m->k * tau);
  for (int i = 0; i < 3; i++) {
    dy[i] = y[3 + i];
    dy[3 + i] = a[i] + th * (ce * d[i] / dn + se * up[i]);
  }
}

/* One classical Runge-Kutta step of h from (tau, y) with k1 = deriv there. */
static void rk4_step(const model *m, double tau, double h, const double k1[6], double y[6]) {
  double k2[6], k3[6], k4[6], t[6];
  for (int i = 0; i < 6; i++)
    t[i] = y[i] + 0.5 * h * k1[i];
  deriv(m, tau + 0.5 * h, t, k2);
  for (int i = 0; i < 6; i++)
    t[i] = y[i] + 0.5 * h * k2[i];
  deriv(m, tau + 0.5 * h, t, k3);
  for (int i = 0; i < 6; i++)
    t[i] = y[i] + h * k3[i];
  deriv(m, tau + h, t, k4);
  for (int i = 0; i < 6; i++)
    y[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

/* Flies the model for parameters x to tau_max; nodes every RK_STEP_S.
 * Returns the number of nodes, 0 on invalid parameters. */
static size_t fly(fitctx *c, const double x[NP], double tau_max) {
  if (!(tau_max > 0) || !(x[P_A] > 0) || !(x[P_K] >= 0) || !(1.0 - x[P_K] * tau_max > 0.05) ||
      !(x[P_ELF] > 0.01 && x[P_ELF] < M_PI / 2 + 0.3) || !(x[P_TP] >= 0) || !(x[P_TV] >= 0) ||
      tau_max > 1000.0)
    return 0;
  size_t nn = (size_t)ceil(tau_max / RK_STEP_S) + 2;
  if (nn <= c->flown_nn && !memcmp(x + 1, c->flown_x + 1, (NP - 1) * sizeof *x))
    return nn; /* the same flight */
  c->flown_nn = 0;
  nn++; /* one node more: a slightly later t0 reuses it */
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
  model m = {{0, 0, 0}, x[P_A], x[P_K], x[P_ELF], x[P_TP], x[P_TV], BETA_PRIOR_KGPM2 * exp(x[P_LB]),
             cos(x[P_ELF]), sin(x[P_ELF]), c->rho};
  double up[3], hd[3], henu[3] = {sin(x[P_HDG]), cos(x[P_HDG]), 0};
  up_of(r0, up);
  mwx_geo_ecef_vec_from_enu(&l0, henu, hd);
  m.plane_n[0] = up[1] * hd[2] - up[2] * hd[1];
  m.plane_n[1] = up[2] * hd[0] - up[0] * hd[2];
  m.plane_n[2] = up[0] * hd[1] - up[1] * hd[0];
  double y[6] = {r0[0], r0[1], r0[2], 0, 0, 0}, k1[6];
  double h = RK_STEP_S, kink[2] = {x[P_TV], x[P_TV] + x[P_TP]};
  for (size_t s = 0; s < nn; s++) {
    double tau = s * h;
    deriv(&m, tau, y, k1);
    double *node = c->traj + 9 * s;
    memcpy(node, y, 6 * sizeof *y);
    memcpy(node + 6, k1 + 3, 3 * sizeof *y);
    if (s + 1 == nn)
      break;
    /* a step that holds a kink of the pitch program is split there: the
     * flight stays a smooth function of tau_v and T_p (a kink inside a
     * step would leave an error that ripples with its place in the step,
     * and the fit would crawl on the ripples) */
    double t_at = tau;
    for (int q = 0; q < 2; q++)
      if (kink[q] > t_at && kink[q] < tau + h) {
        rk4_step(&m, t_at, kink[q] - t_at, k1, y);
        t_at = kink[q];
        deriv(&m, t_at, y, k1);
      }
    rk4_step(&m, t_at, tau + h - t_at, k1, y);
    if (!isfinite(y[0]) || !isfinite(y[3]))
      return 0;
  }
  memcpy(c->flown_x, x, sizeof c->flown_x);
  c->flown_nn = nn;
  return nn - 1;
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
  double saz, caz, sel, cel; /* sin, cos of the measured azimuth and elevation (radar) */
} pplot;

/* atan2(y, x) for x > 0: near 0 (|y| < 0.02 x, a residual inside any gate)
 * by the series of atan to the seventh power (error below 1e-16), else the
 * library's */
static double atan2_res(double y, double x) {
  if (x > 0 && fabs(y) < 0.02 * x) {
    double t = y / x, t2 = t * t;
    return t * (1.0 - t2 * (1.0 / 3 - t2 * (1.0 / 5 - t2 / 7)));
  }
  return atan2(y, x);
}

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
    q->saz = sin(p->az_deg * MWX_DEG2RAD), q->caz = cos(p->az_deg * MWX_DEG2RAD);
    q->sel = sin(p->el_deg * MWX_DEG2RAD), q->cel = cos(p->el_deg * MWX_DEG2RAD);
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
  /* measured minus predicted azimuth (wrapped to +-pi) and elevation: the
   * angle from the predicted direction (sin, cos of az: dn[0], dn[1] over
   * rh; of el: dn[2], rh over rr) to the measured one */
  double daz = atan2_res(q->saz * dn[1] - q->caz * dn[0], q->caz * dn[1] + q->saz * dn[0]);
  double del = atan2_res(q->sel * rh - q->cel * dn[2], q->cel * rh + q->sel * dn[2]);
  r[0] = (p->range_m - rr) * q->w[0];
  r[1] = daz * q->w[1];
  r[2] = del * q->w[2];
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

/* Forward-difference Jacobian of the residuals r (at x) into J (mtot x NP,
 * row major); rt is scratch.  A step that leaves the valid parameters is
 * taken backwards.  Returns 0 or -1. */
static int fd_jacobian(fitctx *c, const double x[NP], const double *r, double *rt, int mtot, double *J) {
  for (int j = 0; j < NP; j++) {
    double xp[NP], h = FD_STEP[j];
    memcpy(xp, x, sizeof xp);
    xp[j] += h;
    if (residuals(c, xp, rt) != mtot) {
      xp[j] = x[j] - h;
      h = -h;
      if (residuals(c, xp, rt) != mtot)
        return -1;
    }
    for (int i = 0; i < mtot; i++)
      J[i * NP + j] = (rt[i] - r[i]) / h;
  }
  return 0;
}

/* N = J^T J and, when g is not NULL, g = J^T r. */
static void normal_eq(const double *J, const double *r, int mtot, double N[NP * NP], double g[NP]) {
  memset(N, 0, sizeof(double) * NP * NP);
  if (g)
    memset(g, 0, sizeof(double) * NP);
  for (int i = 0; i < mtot; i++) {
    const double *Ji = J + i * NP;
    for (int a = 0; a < NP; a++) {
      if (g)
        g[a] += Ji[a] * r[i];
      for (int b = a; b < NP; b++)
        N[a * NP + b] += Ji[a] * Ji[b];
    }
  }
  for (int a = 0; a < NP; a++)
    for (int b = 0; b < a; b++)
      N[a * NP + b] = N[b * NP + a];
}

/* Levenberg-Marquardt from x (updated), with geodesic acceleration
 * (Transtrum and Sethna, "Improvements to the Levenberg-Marquardt algorithm
 * for nonlinear least-squares minimization", arXiv:1201.5885, 2012): the
 * step v of the damped normal equations is corrected by a / 2, where a
 * solves the same equations for the second directional derivative of the
 * residuals along v (one more flight: a finite difference along v); a
 * correction large against the step (2 |a| / |v| > GEO_ALPHA, in the metric
 * of the normal matrix's diagonal) is not applied.  The fit's valley
 * (launch time, point along the heading and thrust traded against each
 * other when the first tens of seconds are unseen) is curved: plain LM
 * crawls along it in hundreds of short steps.  Jacobian by forward
 * differences, once per accepted step.  Stops when the Gauss-Newton step
 * would gain less than tol in chi-square; starts with damping lambda0; gives
 * up (-1) when the cost is still above giveup_f after GIVEUP_ITER
 * iterations.  Writes the normal matrix at the solution and the cost.
 * Returns 0 or -1. */
static int lm(fitctx *c, double x[NP], double tol, double lambda0, double giveup_f, double N[NP * NP], double *cost) {
  int mtot = 2;
  for (size_t i = 0; i < c->n; i++)
    mtot += plot_dim(c->p[i]);
  double *r = malloc(sizeof *r * mtot), *rt = malloc(sizeof *rt * mtot), *rv = malloc(sizeof *rv * mtot);
  double *J = malloc(sizeof *J * mtot * NP);
  if (!r || !rt || !rv || !J) {
    free(r), free(rt), free(rv), free(J);
    return -1;
  }
  int rc = -1;
  if (residuals(c, x, r) != mtot)
    goto out;
  double f = sumsq(r, mtot), lambda = lambda0;
  int fresh = 0; /* J is the finite-difference Jacobian at x */
  for (int it = 0; it < MAX_ITER; it++) {
    if (fd_jacobian(c, x, r, rt, mtot, J))
      goto out;
    fresh = 1;
    double g[NP];
    normal_eq(J, r, mtot, N, g);
    {
      /* converged when the Gauss-Newton step would lower the chi-square by
       * less than tol (g^T N^-1 g): the minimum is that close, however
       * small the steps of the damped iteration along the valley were */
      double L0[NP * NP], d0[NP], pred = 0;
      if (!la_chol(N, L0, NP)) {
        la_chol_solve(L0, g, d0, NP);
        for (int a = 0; a < NP; a++)
          pred += g[a] * d0[a];
        if (pred < tol)
          break;
      }
    }
    int improved = 0;
    for (int tries = 0; tries < 12 && !improved; tries++) {
      double A[NP * NP], L[NP * NP], v[NP], xn[NP];
      memcpy(A, N, sizeof A);
      for (int a = 0; a < NP; a++)
        A[a * NP + a] += lambda * (N[a * NP + a] + 1e-9);
      if (la_chol(A, L, NP)) {
        lambda *= 10;
        continue;
      }
      la_chol_solve(L, g, v, NP);
      for (int a = 0; a < NP; a++)
        v[a] = -v[a];
      /* second directional derivative along v */
      double acc[NP] = {0};
      int geo = 0;
      for (int a = 0; a < NP; a++)
        xn[a] = x[a] + GEO_H * v[a];
      if (residuals(c, xn, rv) == mtot) {
        double ga[NP] = {0};
        for (int i = 0; i < mtot; i++) {
          double jv = 0;
          for (int a = 0; a < NP; a++)
            jv += J[i * NP + a] * v[a];
          double rvv = 2.0 / GEO_H * ((rv[i] - r[i]) / GEO_H - jv);
          for (int a = 0; a < NP; a++)
            ga[a] += J[i * NP + a] * rvv;
        }
        la_chol_solve(L, ga, acc, NP);
        double na = 0, nv = 0;
        for (int a = 0; a < NP; a++) {
          double w = N[a * NP + a] + 1e-30;
          acc[a] = -acc[a];
          na += w * acc[a] * acc[a];
          nv += w * v[a] * v[a];
        }
        geo = 2.0 * sqrt(na) <= GEO_ALPHA * sqrt(nv);
      }
      for (int a = 0; a < NP; a++)
        xn[a] = x[a] + v[a] + (geo ? 0.5 * acc[a] : 0.0);
      double fn = INFINITY;
      if (residuals(c, xn, rt) == mtot)
        fn = sumsq(rt, mtot);
      if (fn < f) {
        fresh = 0;
        double df = f - fn;
        memcpy(x, xn, sizeof xn);
        memcpy(r, rt, sizeof *r * mtot);
        f = fn;
        lambda = fmax(lambda * 0.3, 1e-7);
        improved = 1;
        if (df < 1e-3 * tol) /* no progress */
          it = MAX_ITER;
      } else {
        lambda *= 10;
      }
    }
    if (!improved)
      break;
    if (it + 1 == GIVEUP_ITER && f > giveup_f)
      goto out; /* far from a consistent fit after this many steps: the caller would refuse it */
  }
  /* the normal matrix at the solution */
  if (!fresh && fd_jacobian(c, x, r, rt, mtot, J))
    goto out;
  normal_eq(J, r, mtot, N, NULL);
  *cost = f;
  rc = 0;
out:
  free(r), free(rt), free(rv), free(J);
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

static int launch_fit(const mwx_track_plot *plots, size_t n, const mwx_track_plot *ir, size_t n_ir,
                      const mwx_assess_point *guess, double heading_guess_deg, const mwx_assess_launch_fit_opts *opts,
                      mwx_assess_launch_fit_result *out);

#define MIN_DURATION_MAX_MS 600000

/* The test hook's duration (o->min_duration_ms); MWX_EINVAL, naming it,
 * when it is out of range. */
static int min_duration_ms(const mwx_assess_launch_fit_opts *o, long *ms) {
  if (o->min_duration_ms < 0 || o->min_duration_ms > MIN_DURATION_MAX_MS)
    return mwx_error_set(MWX_EINVAL, "assess: launch fit: min_duration_ms %d is not in 0..%d", o->min_duration_ms,
                         MIN_DURATION_MAX_MS);
  *ms = o->min_duration_ms;
  return 0;
}

int mwx_assess_launch_fit(const mwx_track_plot *plots, size_t n, const mwx_track_plot *ir, size_t n_ir,
                          const mwx_assess_point *guess, double heading_guess_deg,
                          const mwx_assess_launch_fit_opts *opts, mwx_assess_launch_fit_result *out) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  mwx_assess_launch_fit_opts o;
  if (opts)
    o = *opts;
  else
    mwx_assess_launch_fit_opts_default(&o);
  long ms = 0;
  int rc = min_duration_ms(&o, &ms);
  if (rc)
    return rc;
  rc = launch_fit(plots, n, ir, n_ir, guess, heading_guess_deg, &o, out);
  if (ms > 0) { /* test hook: sleep until t0 + ms */
    struct timespec until = t0;
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
      until.tv_sec++, until.tv_nsec -= 1000000000L;
    /* in slices of 10 ms when a stop flag is given (test_stop), else at once */
    for (;;) {
      struct timespec now, wake = until;
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (o.test_stop) {
        if (atomic_load(o.test_stop))
          break;
        now.tv_nsec += 10000000L;
        if (now.tv_nsec >= 1000000000L)
          now.tv_sec++, now.tv_nsec -= 1000000000L;
        if (now.tv_sec < wake.tv_sec || (now.tv_sec == wake.tv_sec && now.tv_nsec < wake.tv_nsec))
          wake = now;
      }
      int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL);
      if (e == EINTR)
        continue;
      if (wake.tv_sec == until.tv_sec && wake.tv_nsec == until.tv_nsec)
        break;
    }
  }
  return rc;
}

static int launch_fit(const mwx_track_plot *plots, size_t n, const mwx_track_plot *ir, size_t n_ir,
                      const mwx_assess_point *guess, double heading_guess_deg, const mwx_assess_launch_fit_opts *opts,
                      mwx_assess_launch_fit_result *out) {
  if ((!plots && n) || (!ir && n_ir) || !guess || !out || !isfinite(heading_guess_deg))
    return mwx_error_set(MWX_EINVAL, "assess: launch fit: bad arguments");
  mwx_assess_launch_fit_opts o = *opts;
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
  if (!use || !all || !bad || !d2 || !pp || rho_table(&c)) {
    free(use), free(all), free(bad), free(d2), free(pp), free(c.rho);
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
      int mdim0 = 0;
      for (size_t i = 0; i < c.n; i++)
        mdim0 += plot_dim(use[i]);
      double giveup = GIVEUP_CHI2_FACTOR * o.max_chi2_dof * (mdim0 > NP ? mdim0 - NP : 1);
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
        if (lm(&c, x, WINDOW_DCHI2, ok || round ? LAMBDA_WARM : LAMBDA_COLD, giveup, Nt, &ct))
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
    size_t n_before = c.n;
    int refit = 0;
    if (m > c.n) {
      c.n = m;
      qsort(use, m, sizeof *use, cmp_time);
      double x[NP], Nt[NP * NP], ct;
      memcpy(x, best, sizeof x);
      if (!lm(&c, x, FINAL_DCHI2, LAMBDA_WARM, INFINITY, Nt, &ct)) {
        memcpy(best, x, sizeof best);
        memcpy(N, Nt, sizeof N);
        cost = ct;
        n_added = m - n_before;
        refit = 1;
      } else {
        c.n = n_before; /* the fit without them stands */
        for (size_t i = 0, k = 0; i < n && k < n_best; i++)
          if (!bad[i])
            use[k++] = all[i];
      }
    }
    if (!refit) { /* the kept window's fit to the final tolerance */
      double x[NP], Nt[NP * NP], ct;
      memcpy(x, best, sizeof x);
      if (!lm(&c, x, FINAL_DCHI2, LAMBDA_WARM, INFINITY, Nt, &ct) && ct <= cost) {
        memcpy(best, x, sizeof best);
        memcpy(N, Nt, sizeof N);
        cost = ct;
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
  free(c.rho);
  free(use), free(all), free(bad), free(d2), free(pp);
  return rc;
}
