/*
 * filter.c - the single-model filters (EKF, UKF), the measurement models
 * (radar range/azimuth/elevation, IR azimuth/elevation), the two-model IMM
 * and the two-point initialisation.  See include/mwx/track.h for the state
 * and docs/track.md for the choice of process noise.
 *
 * Process models
 *   BALLISTIC: mean through mwx_ballistic_propagate (free flight in rotating
 *              ECEF, J2, drag with cfg->beta_kgpm2 exp(x[7]), the state's
 *              ln beta).  The thrust state is pinned to zero with a tiny
 *              variance.
 *   BOOST:     the free-flight acceleration of mwx_ballistic_accel_free_ecef
 *              plus thrust x[6] along the velocity, integrated by classical
 *              Runge-Kutta 4 with steps of at most 0.25 s (the contract has no
 *              powered propagator; the forces are the ballistic module's).
 * EKF transition matrix: Phi = exp(F dt) by a fourth-order Taylor series,
 * F the Jacobian of the continuous dynamics (acceleration partials by central
 * differences of the ballistic module's acceleration) at the mid-point of the
 * step; steps longer than 10 s are chained.
 * Process noise: white acceleration of PSD q on the velocity (exact
 * discretisation for constant-velocity kinematics), and for BOOST a thrust
 * random walk of PSD q_thrust acting along the velocity direction, about the
 * mean law da/dt = a^2 / cfg->thrust_ve_mps (constant thrust and mass flow).  ln beta
 * has none (a flight's RV keeps its beta: the simulator's truth flies one
 * drawn beta, mwx_sim_truth_draw_beta); an estimate without it (P[7][7]
 * below NO_BETA_VAR) gets the first-order drag noise of beta_rel_sigma
 * instead.
 */
#include <math.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/track.h"
#include "track/linalg.h"

#define NX MWX_TRACK_NX
#define EKF_MAX_STEP_S 10.0
#define RK4_STEP_S 0.25
#define PINNED_THRUST_VAR 1e-4
#ifndef DRAG_CORR_S
#define DRAG_CORR_S 20.0
#endif
/* a ln beta variance below this: the estimate has no beta in its state */
#define NO_BETA_VAR 1e-10
/* the ln beta state is clamped to +-LNBETA_MAX in the dynamics (beta within
 * a factor e^3 = 20 of the nominal: far beyond the +-2.3 sigma of threat
 * RVs, so only a diverging estimate meets it) */
#define LNBETA_MAX 3.0
#define LNBETA_STEP 0.01 /* central-difference step of the Jacobian's ln beta column */
#define PITCH_STEP 1e-3  /* ... of its thrust-angle column (rad) */

void mwx_track_filter_cfg_default(mwx_track_filter_cfg *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->kind = MWX_TRACK_EKF;
  cfg->beta_kgpm2 = MWX_TRACK_BETA_RV_KGPM2;
  cfg->beta_rel_sigma = MWX_TRACK_BETA_REL_SIGMA;
  cfg->lnbeta_sigma = MWX_TRACK_LNBETA_SIGMA;
  cfg->q_ballistic_m2ps3 = 0.0;
  cfg->q_ballistic_air_m2ps3 = 1e-4;
  cfg->q_boost_m2ps3 = 10.0; /* a booster's drag, which a_T and its angle do not take (docs/track.md) */
  cfg->q_thrust_m2ps5 = 100.0;
  cfg->thrust_ve_mps = 0.0;
  cfg->pitch_sigma0_deg = MWX_TRACK_PITCH_SIGMA0_DEG;
  cfg->q_pitch_deg2ps = MWX_TRACK_Q_PITCH_DEG2PS;
  cfg->pitch_hold = 1;
  cfg->boost_exit_rate_ps = 0.01;
  cfg->boost_entry_rate_ps = 0.0;
  cfg->imm_floor = MWX_TRACK_IMM_FLOOR;
}

static int finite_n(const double *v, int n) {
  for (int i = 0; i < n; i++)
    if (!isfinite(v[i]))
      return 0;
  return 1;
}

/* ---- Dynamics --------------------------------------------------------- */

/* The ballistic coefficient a ballistic-model state flies: the nominal times
 * exp of its ln beta state. */
static double beta_of(const mwx_track_filter_cfg *cfg, const double *x) {
  if (!(cfg->beta_kgpm2 > 0))
    return 0.0;
  double lb = x[7];
  if (lb > LNBETA_MAX)
    lb = LNBETA_MAX;
  if (lb < -LNBETA_MAX)
    lb = -LNBETA_MAX;
  return cfg->beta_kgpm2 * exp(lb);
}

/* The velocity's unit vector u and n, the unit vector across it in its
 * vertical plane (towards the geocentric up); 0 if the speed is below 1 mm/s,
 * n zero if the velocity is (nearly) vertical. */
static int vel_frame(const double *x, double u[3], double n[3]) {
  double sp = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
  double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]), w = 0, nn = 0;
  for (int i = 0; i < 3; i++)
    u[i] = n[i] = 0;
  if (!(sp > 1e-3) || !(r > 1.0))
    return 0;
  for (int i = 0; i < 3; i++) {
    u[i] = x[3 + i] / sp;
    w += x[i] / r * u[i];
  }
  for (int i = 0; i < 3; i++) {
    n[i] = x[i] / r - w * u[i];
    nn += n[i] * n[i];
  }
  nn = nn > 1e-6 ? 1.0 / sqrt(nn) : 0.0;
  for (int i = 0; i < 3; i++)
    n[i] *= nn;
  return 1;
}

static void deriv(const mwx_track_filter_cfg *cfg, const double *x, int model, double *dx) {
  double a[3];
  /* drag is the re-entry vehicle's: the ballistic model only (a booster's
   * coefficient is 5-10 times larger and its drag is in the thrust state) */
  mwx_ballistic_accel_free_ecef(x, x + 3, model == MWX_TRACK_BALLISTIC ? beta_of(cfg, x) : 0.0, a);
  double u[3], n[3];
  int have = model == MWX_TRACK_BOOST && vel_frame(x, u, n);
  if (have) {
    /* the thrust x[6] at the angle x[8] above the velocity in its vertical
     * plane (x[8] = 0: along the velocity, a gravity turn) */
    double ca = cos(x[8]), sa = sin(x[8]);
    for (int i = 0; i < 3; i++)
      a[i] += x[6] * (ca * u[i] + sa * n[i]);
  }
  for (int i = 0; i < 3; i++) {
    dx[i] = x[3 + i];
    dx[3 + i] = a[i];
  }
  /* the pitch program holds the thrust's elevation above the local
   * horizontal (cfg->pitch_hold): the angle to the velocity then changes as
   * the velocity's own elevation g does, x[8]' = -g', with sin g = u . up and
   * (sin g)' = (a . up - (a . u)(u . up)) / |v| + |v| cos^2 g / r (the
   * velocity turning, and the local vertical turning under it) */
  dx[8] = 0;
  if (have && cfg->pitch_hold) {
    double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    double sp = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    double sg = 0, aup = 0, au = 0;
    for (int i = 0; i < 3; i++) {
      sg += u[i] * x[i] / r;
      aup += a[i] * x[i] / r;
      au += a[i] * u[i];
    }
    double cg2 = 1.0 - sg * sg;
    if (cg2 > 0.05 * 0.05) /* not near vertical, where the plane is not defined */
      dx[8] = -((aup - au * sg) / sp + sp * cg2 / r) / sqrt(cg2);
  }
  /* the thrust: da/dt = a^2 / ve (constant thrust and mass flow), held at
   * the cap and off for a <= 0 (a coast, or the drag a negative thrust takes) */
  dx[6] = model == MWX_TRACK_BOOST && cfg->thrust_ve_mps > 0 && x[6] > 0 && x[6] < MWX_TRACK_THRUST_CAP_MPS2
              ? x[6] * x[6] / cfg->thrust_ve_mps
              : 0;
  dx[7] = 0;
}

/* Mean propagation of one state by dt_s. */
static int propagate(const mwx_track_filter_cfg *cfg, int model, const double *x0, double dt_s, double *x1) {
  if (model == MWX_TRACK_BALLISTIC) {
    int rc = mwx_ballistic_propagate(x0, x0 + 3, beta_of(cfg, x0), dt_s, x1, x1 + 3);
    x1[6] = 0;
    x1[7] = x0[7];
    x1[8] = x0[8]; /* the ballistic model carries the thrust's angle unchanged */
    return rc;
  }
  double x[NX], k1[NX], k2[NX], k3[NX], k4[NX], t[NX];
  memcpy(x, x0, sizeof x);
  int n = (int)ceil(fabs(dt_s) / RK4_STEP_S);
  if (n < 1)
    n = 1;
  double h = dt_s / n;
  for (int s = 0; s < n; s++) {
    deriv(cfg, x, model, k1);
    for (int i = 0; i < NX; i++)
      t[i] = x[i] + 0.5 * h * k1[i];
    deriv(cfg, t, model, k2);
    for (int i = 0; i < NX; i++)
      t[i] = x[i] + 0.5 * h * k2[i];
    deriv(cfg, t, model, k3);
    for (int i = 0; i < NX; i++)
      t[i] = x[i] + h * k3[i];
    deriv(cfg, t, model, k4);
    for (int i = 0; i < NX; i++)
      x[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }
  if (!finite_n(x, NX))
    return mwx_error_set(MWX_ERANGE, "track: boost propagation diverged");
  memcpy(x1, x, sizeof x);
  return 0;
}

/* Continuous-time Jacobian F of the dynamics at x. */
static void jacobian(const mwx_track_filter_cfg *cfg, int model, const double *x, int pitch, double F[NX][NX]) {
  memset(F, 0, sizeof(double) * NX * NX);
  for (int i = 0; i < 3; i++)
    F[i][3 + i] = 1.0;
  /* columns 0-5 (position, velocity), 7 (ln beta: the ballistic model's
   * drag, -a_drag) and 8 (the boost model's thrust angle, when in its state:
   * pitch) by central differences; 6 (thrust) below.  Rows 3-5, and row 8
   * (the held elevation's law) with pitch. */
  static const double step[NX] = {10, 10, 10, 0.1, 0.1, 0.1, 0, LNBETA_STEP, PITCH_STEP};
  for (int j = 0; j < NX; j++) {
    if (j == 6 || (j == 7 && (model != MWX_TRACK_BALLISTIC || !(cfg->beta_kgpm2 > 0))) || (j == 8 && !pitch))
      continue;
    double xp[NX], xm[NX], dp[NX], dm[NX];
    memcpy(xp, x, sizeof xp);
    memcpy(xm, x, sizeof xm);
    xp[j] += step[j];
    xm[j] -= step[j];
    deriv(cfg, xp, model, dp);
    deriv(cfg, xm, model, dm);
    for (int i = 0; i < 3; i++)
      F[3 + i][j] = (dp[3 + i] - dm[3 + i]) / (2 * step[j]);
    if (pitch && cfg->pitch_hold)
      F[8][j] = (dp[8] - dm[8]) / (2 * step[j]);
  }
  if (model == MWX_TRACK_BOOST) {
    double u[3], n[3];
    if (vel_frame(x, u, n)) {
      double ca = cos(x[8]), sa = sin(x[8]);
      for (int i = 0; i < 3; i++)
        F[3 + i][6] = ca * u[i] + sa * n[i];
    }
    if (cfg->thrust_ve_mps > 0 && x[6] > 0 && x[6] < MWX_TRACK_THRUST_CAP_MPS2)
      F[6][6] = 2.0 * x[6] / cfg->thrust_ve_mps;
  }
}

/* Process noise for a step of dt (uses |dt|). */
static void process_noise(const mwx_track_filter_cfg *cfg, int model, const double *x, int has_beta, double dt,
                          double Q[NX][NX]) {
  memset(Q, 0, sizeof(double) * NX * NX);
  double T = fabs(dt);
  double q = model == MWX_TRACK_BOOST ? cfg->q_boost_m2ps3 : cfg->q_ballistic_m2ps3;
  if (model == MWX_TRACK_BALLISTIC && cfg->q_ballistic_air_m2ps3 > q) {
    mwx_geo_lla l;
    if (mwx_geo_lla_from_ecef(x, &l) || l.h_m < MWX_TRACK_AIR_H_M)
      q = cfg->q_ballistic_air_m2ps3;
  }
  for (int i = 0; i < 3; i++) {
    Q[i][i] += q * T * T * T / 3.0;
    Q[i][3 + i] += q * T * T / 2.0;
    Q[3 + i][i] += q * T * T / 2.0;
    Q[3 + i][3 + i] += q * T;
  }
  if (model == MWX_TRACK_BALLISTIC && !has_beta && cfg->beta_kgpm2 > 0 && cfg->beta_rel_sigma > 0) {
    /* the drag of a coefficient known to beta_rel_sigma: an acceleration
     * error along the velocity of 1-sigma beta_rel_sigma |a_drag| (first
     * order in d beta / beta), constant over the re-entry; as white noise
     * of PSD sigma_a^2 DRAG_CORR_S it gives the velocity error sigma_a T of
     * the constant bias after T = DRAG_CORR_S */
    double a0[3], a1[3], d2 = 0, sp = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    mwx_ballistic_accel_free_ecef(x, x + 3, 0.0, a0);
    mwx_ballistic_accel_free_ecef(x, x + 3, cfg->beta_kgpm2, a1);
    for (int i = 0; i < 3; i++)
      d2 += (a1[i] - a0[i]) * (a1[i] - a0[i]);
    double qd = cfg->beta_rel_sigma * cfg->beta_rel_sigma * d2 * DRAG_CORR_S;
    if (qd > 0 && sp > 1e-3) {
      double u[3];
      for (int i = 0; i < 3; i++)
        u[i] = x[3 + i] / sp;
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
          double uu = qd * u[i] * u[j];
          Q[i][j] += uu * T * T * T / 3.0;
          Q[i][3 + j] += uu * T * T / 2.0;
          Q[3 + i][j] += uu * T * T / 2.0;
          Q[3 + i][3 + j] += uu * T;
        }
    }
  }
  if (model == MWX_TRACK_BOOST) {
    double qt = cfg->q_thrust_m2ps5;
    double sp = sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5]);
    double u[3] = {0, 0, 0};
    if (sp > 1e-3)
      for (int i = 0; i < 3; i++)
        u[i] = x[3 + i] / sp;
    double T2 = T * T, T3 = T2 * T, T4 = T3 * T, T5 = T4 * T;
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        Q[i][j] += qt * T5 / 20.0 * u[i] * u[j];
        Q[i][3 + j] += qt * T4 / 8.0 * u[i] * u[j];
        Q[3 + i][j] += qt * T4 / 8.0 * u[i] * u[j];
        Q[3 + i][3 + j] += qt * T3 / 3.0 * u[i] * u[j];
      }
      Q[i][6] = Q[6][i] = qt * T3 / 6.0 * u[i];
      Q[3 + i][6] = Q[6][3 + i] = qt * T2 / 2.0 * u[i];
    }
    Q[6][6] += qt * T;
    /* the thrust angle's random walk (a pitch program's rate unknown to the
     * model); the caller zeroes cfg->q_pitch_deg2ps for an estimate
     * without the angle in its state */
    Q[8][8] += cfg->q_pitch_deg2ps * MWX_DEG2RAD * MWX_DEG2RAD * T;
  }
}

static void pin_thrust(mwx_track_est *e) {
  e->x[6] = 0;
  for (int i = 0; i < NX; i++)
    e->P[i][6] = e->P[6][i] = 0;
  e->P[6][6] = PINNED_THRUST_VAR;
}

static int ekf_predict_step(const mwx_track_filter_cfg *cfg, int model, mwx_track_est *e, double dt) {
  double x1[NX];
  int rc = propagate(cfg, model, e->x, dt, x1);
  if (rc)
    return rc;
  double xm[NX], F[NX][NX];
  for (int i = 0; i < NX; i++)
    xm[i] = 0.5 * (e->x[i] + x1[i]);
  jacobian(cfg, model, xm, model == MWX_TRACK_BOOST && e->P[8][8] > 0, F);
  /* Phi = I + F dt + (F dt)^2/2 + (F dt)^3/6 + (F dt)^4/24 (Horner). */
  double A[NX * NX], Phi[NX * NX], tmp[NX * NX];
  for (int i = 0; i < NX * NX; i++)
    A[i] = (&F[0][0])[i] * dt;
  for (int i = 0; i < NX * NX; i++)
    Phi[i] = (i % (NX + 1) == 0) + A[i] / 4.0;
  for (int k = 3; k >= 1; k--) {
    la_mul(A, Phi, tmp, NX, NX, NX);
    for (int i = 0; i < NX * NX; i++)
      Phi[i] = (i % (NX + 1) == 0) + tmp[i] / k;
  }
  double PPt[NX * NX], P1[NX * NX], Q[NX][NX];
  la_mul(Phi, &e->P[0][0], tmp, NX, NX, NX);
  la_mul_bt(tmp, Phi, PPt, NX, NX, NX);
  process_noise(cfg, model, xm, e->P[7][7] >= NO_BETA_VAR, dt, Q);
  for (int i = 0; i < NX * NX; i++)
    P1[i] = PPt[i] + (&Q[0][0])[i];
  la_symmetrize(P1, NX);
  memcpy(e->x, x1, sizeof x1);
  memcpy(&e->P[0][0], P1, sizeof P1);
  return 0;
}

/* Scaled unscented transform with alpha = 1, beta = 2, kappa = 0, so
 * lambda = 0: sigma points at +-sqrt(n) standard deviations, mean weights 0
 * (centre) and 1/(2n), covariance weights 2 (= 1 - alpha^2 + beta, centre)
 * and 1/(2n); no weight is negative, so the covariance stays positive. */
#define UKF_NS (2 * NX + 1)

/* The sigma points of e over its n active dimensions: NX, or NX - 1 for an
 * estimate without the thrust angle (P[8][8] = 0, the last dimension: its
 * points all keep x[8], and the set is the 8-D one of before, bit for bit);
 * 2 n + 1 points in X, n returned in *n_out. */
static int sigma_points(const mwx_track_est *e, double X[UKF_NS][NX], int *n_out) {
  int n = e->P[8][8] > 0 ? NX : NX - 1;
  double L[NX * NX], P[NX * NX];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      P[i * n + j] = e->P[i][j];
  /* an estimate without beta (ln beta variance 0) gets a negligible one so
   * that the Cholesky factor exists; its points then fly the nominal beta */
  if (P[7 * n + 7] < NO_BETA_VAR * 1e-2)
    P[7 * n + 7] = NO_BETA_VAR * 1e-2;
  if (la_chol(P, L, n))
    return mwx_error_set(MWX_ERANGE, "track: state covariance is not positive definite");
  double c = sqrt((double)n);
  for (int i = 0; i < NX; i++)
    for (int s = 0; s < 2 * n + 1; s++)
      X[s][i] = e->x[i];
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      X[1 + j][i] = e->x[i] + c * L[i * n + j];
      X[1 + n + j][i] = e->x[i] - c * L[i * n + j];
    }
  *n_out = n;
  return 0;
}

/* lambda = 0: Wm0 = 0, Wc0 = 2 (= 1 - alpha^2 + beta), Wi = 1/(2n). */
static const double UKF_WM0 = 0.0, UKF_WC0 = 2.0;

static int ukf_predict(const mwx_track_filter_cfg *cfg, int model, mwx_track_est *e, double dt) {
  double X[UKF_NS][NX], Y[UKF_NS][NX];
  int na, rc = sigma_points(e, X, &na);
  if (rc)
    return rc;
  const int ns = 2 * na + 1;
  const double UKF_WI = 1.0 / (2.0 * na);
  for (int s = 0; s < ns; s++)
    if ((rc = propagate(cfg, model, X[s], dt, Y[s])))
      return rc;
  double m[NX] = {0};
  for (int s = 0; s < ns; s++)
    for (int i = 0; i < NX; i++)
      m[i] += (s ? UKF_WI : UKF_WM0) * Y[s][i];
  double P[NX][NX], Q[NX][NX];
  memset(P, 0, sizeof P);
  for (int s = 0; s < ns; s++) {
    double w = s ? UKF_WI : UKF_WC0, d[NX];
    for (int i = 0; i < NX; i++)
      d[i] = Y[s][i] - m[i];
    for (int i = 0; i < NX; i++)
      for (int j = 0; j < NX; j++)
        P[i][j] += w * d[i] * d[j];
  }
  int has_beta = e->P[7][7] >= NO_BETA_VAR;
  process_noise(cfg, model, m, has_beta, dt, Q);
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NX; j++)
      P[i][j] += Q[i][j];
  if (!has_beta) /* stays without beta */
    for (int i = 0; i < NX; i++)
      P[i][7] = P[7][i] = 0;
  if (!(e->P[8][8] > 0)) { /* stays without a thrust angle */
    for (int i = 0; i < NX; i++)
      P[i][8] = P[8][i] = 0;
    m[8] = e->x[8];
  }
  la_symmetrize(&P[0][0], NX);
  memcpy(e->x, m, sizeof m);
  memcpy(e->P, P, sizeof P);
  return 0;
}

int mwx_track_predict(const mwx_track_filter_cfg *cfg, int model, mwx_track_est *est, int64_t t_ns) {
  if (!cfg || !est || (model != MWX_TRACK_BALLISTIC && model != MWX_TRACK_BOOST) ||
      (cfg->kind != MWX_TRACK_EKF && cfg->kind != MWX_TRACK_UKF))
    return mwx_error_set(MWX_EINVAL, "track: predict: bad arguments");
  if (!finite_n(est->x, NX) || !finite_n(&est->P[0][0], NX * NX))
    return mwx_error_set(MWX_EINVAL, "track: predict: state is not finite");
  if (model == MWX_TRACK_BALLISTIC)
    pin_thrust(est);
  /* an estimate without the thrust angle in its state (P[8][8] = 0: a 6-D
   * caller such as the fuser, or the model off) keeps it: neither the held
   * elevation's law nor the angle's random walk applies to it */
  mwx_track_filter_cfg c = *cfg;
  if (!(est->P[8][8] > 0)) {
    c.pitch_hold = 0;
    c.q_pitch_deg2ps = 0;
  }
  double dt = (double)(t_ns - est->t_ns) * 1e-9;
  int rc = 0;
  if (dt != 0.0) {
    if (c.kind == MWX_TRACK_UKF) {
      rc = ukf_predict(&c, model, est, dt);
    } else {
      int n = (int)ceil(fabs(dt) / EKF_MAX_STEP_S);
      for (int k = 0; k < n && !rc; k++)
        rc = ekf_predict_step(&c, model, est, dt / n);
    }
  }
  if (rc)
    return rc;
  if (model == MWX_TRACK_BALLISTIC)
    pin_thrust(est);
  est->t_ns = t_ns;
  return 0;
}

/* ---- Measurement models ------------------------------------------------ */

static double wrap_pi(double a) {
  while (a > M_PI)
    a -= 2 * M_PI;
  while (a < -M_PI)
    a += 2 * M_PI;
  return a;
}

int mwx_track_plot_check(const mwx_track_plot *p) {
  if (!p)
    return mwx_error_set(MWX_EINVAL, "track: plot is NULL");
  if (p->kind != MWX_TRACK_RADAR && p->kind != MWX_TRACK_IR)
    return mwx_error_set(MWX_EINVAL, "track: plot kind %d is neither radar nor IR", p->kind);
  if (p->kind == MWX_TRACK_RADAR) {
    if (!isfinite(p->az_deg) || !isfinite(p->el_deg) || fabs(p->el_deg) > 90.0 || !(p->sigma_az_deg > 0) ||
        !(p->sigma_el_deg > 0) || !isfinite(p->sigma_az_deg) || !isfinite(p->sigma_el_deg))
      return mwx_error_set(MWX_EINVAL, "track: radar plot angles or their sigmas are invalid");
    if (!(p->range_m > 0) || !isfinite(p->range_m) || !(p->sigma_range_m > 0) || !isfinite(p->sigma_range_m))
      return mwx_error_set(MWX_EINVAL, "track: radar plot range or its sigma is invalid");
  } else {
    double n2 = 0;
    for (int i = 0; i < 3; i++)
      n2 += p->los_ecef[i] * p->los_ecef[i];
    if (!(fabs(n2 - 1.0) < 1e-6) || !(p->sigma_los_rad > 0) || !isfinite(p->sigma_los_rad))
      return mwx_error_set(MWX_EINVAL, "track: IR plot line of sight is not a unit vector or its sigma is invalid");
  }
  if (!isfinite(p->sensor_lla.lat_deg) || fabs(p->sensor_lla.lat_deg) > 90.0 ||
      !isfinite(p->sensor_lla.lon_deg) || !isfinite(p->sensor_lla.h_m))
    return mwx_error_set(MWX_EINVAL, "track: plot sensor position is invalid");
  if (p->sensor < 0 || p->sensor > 63)
    return mwx_error_set(MWX_EINVAL, "track: plot sensor number %d is not in 0..63", p->sensor);
  return 0;
}

/* Measurement vector of the plot and its noise covariance: radar (range m,
 * azimuth rad, elevation rad); IR (0, 0): the measured line of sight has no
 * component on the two axes perpendicular to itself. */
static int plot_z(const mwx_track_plot *p, double z[3], double R[3][3]) {
  memset(R, 0, sizeof(double) * 9);
  if (p->kind == MWX_TRACK_IR) {
    z[0] = z[1] = 0;
    R[0][0] = R[1][1] = p->sigma_los_rad * p->sigma_los_rad;
    return 2;
  }
  z[0] = p->range_m;
  R[0][0] = p->sigma_range_m * p->sigma_range_m;
  z[1] = p->az_deg * MWX_DEG2RAD;
  R[1][1] = (p->sigma_az_deg * MWX_DEG2RAD) * (p->sigma_az_deg * MWX_DEG2RAD);
  z[2] = p->el_deg * MWX_DEG2RAD;
  R[2][2] = (p->sigma_el_deg * MWX_DEG2RAD) * (p->sigma_el_deg * MWX_DEG2RAD);
  return 3;
}

/* IR: h = the predicted line of sight's components on the axes e1, e2
 * perpendicular to the measured one; Jacobian e_i^T (I - u u^T) / r. */
static int meas_h_ir(const mwx_track_plot *p, const double *x, double h[3], double H[3][NX]) {
  double s[3], d[3], e[2][3];
  if (mwx_geo_ecef_from_lla(&p->sensor_lla, s))
    return MWX_EINVAL;
  for (int i = 0; i < 3; i++)
    d[i] = x[i] - s[i];
  double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  if (r < 1.0)
    return mwx_error_set(MWX_ERANGE, "track: target at the sensor");
  double u[3] = {d[0] / r, d[1] / r, d[2] / r};
  if (u[0] * p->los_ecef[0] + u[1] * p->los_ecef[1] + u[2] * p->los_ecef[2] < 0.5)
    return mwx_error_set(MWX_ERANGE, "track: target more than 60 deg off the IR line of sight");
  la_perp_axes(p->los_ecef, e[0], e[1]);
  for (int k = 0; k < 2; k++) {
    h[k] = e[k][0] * u[0] + e[k][1] * u[1] + e[k][2] * u[2];
    if (H) {
      for (int j = 0; j < NX; j++)
        H[k][j] = 0;
      for (int j = 0; j < 3; j++)
        H[k][j] = (e[k][j] - h[k] * u[j]) / r;
    }
  }
  return 2;
}

/* Predicted measurement h(x) and (if H) its Jacobian (m x NX). */
static int meas_h(const mwx_track_plot *p, const double *x, double h[3], double H[3][NX]) {
  if (p->kind == MWX_TRACK_IR)
    return meas_h_ir(p, x, h, H);
  double s[3], R[3][3], d[3], dn[3];
  if (mwx_geo_ecef_from_lla(&p->sensor_lla, s))
    return MWX_EINVAL;
  mwx_geo_enu_rotation(p->sensor_lla.lat_deg, p->sensor_lla.lon_deg, R);
  for (int i = 0; i < 3; i++)
    d[i] = x[i] - s[i];
  for (int i = 0; i < 3; i++)
    dn[i] = R[i][0] * d[0] + R[i][1] * d[1] + R[i][2] * d[2];
  double e = dn[0], n = dn[1], u = dn[2];
  double rh2 = e * e + n * n, rh = sqrt(rh2), r2 = rh2 + u * u, r = sqrt(r2);
  if (r < 1.0 || rh < 1e-3)
    return mwx_error_set(MWX_ERANGE, "track: target at the sensor or at its zenith");
  double J[3][3];
  h[0] = r;
  J[0][0] = e / r;
  J[0][1] = n / r;
  J[0][2] = u / r;
  h[1] = atan2(e, n);
  if (h[1] < 0)
    h[1] += 2 * M_PI;
  J[1][0] = n / rh2;
  J[1][1] = -e / rh2;
  J[1][2] = 0;
  h[2] = atan2(u, rh);
  J[2][0] = -u * e / (r2 * rh);
  J[2][1] = -u * n / (r2 * rh);
  J[2][2] = rh / r2;
  if (H) {
    memset(H, 0, sizeof(double) * 3 * NX);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        H[i][j] = J[i][0] * R[0][j] + J[i][1] * R[1][j] + J[i][2] * R[2][j];
  }
  return 3;
}

/* Residual z - h with the azimuth wrapped to (-pi, pi]. */
static void residual(const mwx_track_plot *p, const double *z, const double *h, int m, double *y) {
  for (int i = 0; i < m; i++)
    y[i] = z[i] - h[i];
  if (p->kind == MWX_TRACK_RADAR)
    y[1] = wrap_pi(y[1]);
}

/* Innovation, its covariance S and the cross-covariance Pxz (NX x m). */
static int innovate(const mwx_track_filter_cfg *cfg, const mwx_track_est *e, const mwx_track_plot *p,
                    double y[3], double S[3][3], double Pxz[NX][3], int *mout) {
  double z[3], R[3][3], h[3];
  int m = plot_z(p, z, R);
  if (cfg->kind == MWX_TRACK_UKF) {
    double X[UKF_NS][NX], Z[UKF_NS][3];
    int na, rc = sigma_points(e, X, &na);
    if (rc)
      return rc;
    const int ns = 2 * na + 1;
    const double UKF_WI = 1.0 / (2.0 * na);
    for (int s = 0; s < ns; s++)
      if ((rc = meas_h(p, X[s], Z[s], NULL)) < 0)
        return rc;
    /* mean as sigma point 0 plus the weighted wrapped deviations */
    double zm[3];
    for (int i = 0; i < m; i++)
      zm[i] = Z[0][i];
    double dz[UKF_NS][3];
    for (int s = 0; s < ns; s++)
      residual(p, Z[s], Z[0], m, dz[s]);
    for (int s = 1; s < ns; s++)
      for (int i = 0; i < m; i++)
        zm[i] += UKF_WI * dz[s][i];
    memset(S, 0, sizeof(double) * 9);
    memset(Pxz, 0, sizeof(double) * NX * 3);
    for (int s = 0; s < ns; s++) {
      double w = s ? UKF_WI : UKF_WC0, d[3];
      residual(p, Z[s], zm, m, d);
      for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
          S[i][j] += w * d[i] * d[j];
      for (int i = 0; i < NX; i++)
        for (int j = 0; j < m; j++)
          Pxz[i][j] += w * (X[s][i] - e->x[i]) * d[j];
    }
    memcpy(h, zm, sizeof zm);
  } else {
    double H[3][NX];
    int rc = meas_h(p, e->x, h, H);
    if (rc < 0)
      return rc;
    /* Pxz = P H^T, S = H P H^T */
    for (int i = 0; i < NX; i++)
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int k = 0; k < NX; k++)
          s += e->P[i][k] * H[j][k];
        Pxz[i][j] = s;
      }
    for (int i = 0; i < m; i++)
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int k = 0; k < NX; k++)
          s += H[i][k] * Pxz[k][j];
        S[i][j] = s;
      }
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++)
      S[i][j] += R[i][j];
  residual(p, z, h, m, y);
  *mout = m;
  return 0;
}

int mwx_track_innovation(const mwx_track_filter_cfg *cfg, const mwx_track_est *est,
                         const mwx_track_plot *plot, double y[3], double S[3][3], int *m) {
  if (!cfg || !est || !y || !S || !m)
    return mwx_error_set(MWX_EINVAL, "track: innovation: NULL argument");
  int rc = mwx_track_plot_check(plot);
  if (rc)
    return rc;
  double Pxz[NX][3];
  return innovate(cfg, est, plot, y, S, Pxz, m);
}

/* The thrust's chart: (a_T, alpha_T) and (-a_T, alpha_T + pi) are the same
 * thrust vector, a_T (cos alpha_T u + sin alpha_T n) (deriv), so an
 * estimate is kept with |alpha_T| <= 90 deg: a_T > 0 is then a thrust
 * forward along the velocity and a_T < 0 a deceleration, which is what the
 * tracker's burnout evidence (a forward thrust) and the assessment's thrust
 * bound (a_T + 3 sigma) read.  Without it a track could settle on the
 * mirror: 2017-11-29, KOR, seed 68, alpha_T 182-199 deg and a_T -18 to -62
 * m/s^2 from 87 s while stage 1 burned at +29-59 m/s^2, every update
 * counted as quiet, the track was taken as burnt out at 146 s (60 s quiet)
 * and predicted 728 km short, the truth beyond 5 sigma for 644 s
 * (BENCHMARKS.md, issue 12, nineteenth session; test_honest
 * test_thrust_chart).  The change of variables is linear (x6 -> -x6, x8 ->
 * x8 - pi): the covariance's row and column 6 change sign. */
static void thrust_chart(mwx_track_est *e) {
  if (!(e->P[8][8] > 0) || cos(e->x[8]) >= 0)
    return;
  e->x[6] = -e->x[6];
  e->x[8] = remainder(e->x[8] - M_PI, 2 * M_PI);
  for (int i = 0; i < NX; i++)
    if (i != 6) {
      e->P[6][i] = -e->P[6][i];
      e->P[i][6] = -e->P[i][6];
    }
}

int mwx_track_update(const mwx_track_filter_cfg *cfg, mwx_track_est *est, const mwx_track_plot *plot,
                     double *nis, double *loglik) {
  if (!cfg || !est)
    return mwx_error_set(MWX_EINVAL, "track: update: NULL argument");
  int rc = mwx_track_plot_check(plot);
  if (rc)
    return rc;
  double y[3], S[3][3], Pxz[NX][3];
  int m;
  if ((rc = innovate(cfg, est, plot, y, S, Pxz, &m)))
    return rc;
  double Sc[9], Si[9], logdet;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++)
      Sc[i * m + j] = S[i][j];
  if (la_inv_spd(Sc, Si, m, &logdet))
    return mwx_error_set(MWX_ERANGE, "track: innovation covariance is not positive definite");
  double K[NX][3];
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < m; j++) {
      double s = 0;
      for (int k = 0; k < m; k++)
        s += Pxz[i][k] * Si[k * m + j];
      K[i][j] = s;
    }
  int no_beta = est->P[7][7] < NO_BETA_VAR;
  if (no_beta) /* an estimate without beta stays without */
    for (int j = 0; j < m; j++)
      K[7][j] = Pxz[7][j] = 0;
  int no_pitch = !(est->P[8][8] > 0);
  if (no_pitch) /* ... and without a thrust angle */
    for (int j = 0; j < m; j++)
      K[8][j] = Pxz[8][j] = 0;
  /* Schmidt-Kalman (consider) update of ln beta: gain row 7 zero; with the
   * other rows optimal, P+ = (I - K H) P (I - K H)^T + K R K^T leaves
   * P[7][7] and gives P[i][7] = P[i][7] - K_i Pxz_7^T (below: row 7 from
   * column 7) */
  int consider = cfg->lnbeta_consider && !no_beta;
  if (consider)
    for (int j = 0; j < m; j++)
      K[7][j] = 0;
  double d2 = 0;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < m; j++)
      d2 += y[i] * Si[i * m + j] * y[j];
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < m; j++)
      est->x[i] += K[i][j] * y[j];
  /* P -= K S K^T  (equivalently K Pxz^T), then symmetrised; a Cholesky check
   * guards against loss of definiteness. */
  double P[NX][NX];
  for (int i = 0; i < NX; i++)
    for (int j = 0; j < NX; j++) {
      double s = 0;
      for (int k = 0; k < m; k++)
        s += K[i][k] * Pxz[j][k];
      P[i][j] = est->P[i][j] - s;
    }
  if (consider) {
    for (int i = 0; i < NX; i++)
      P[7][i] = P[i][7];
    P[7][7] = est->P[7][7];
  }
  la_symmetrize(&P[0][0], NX);
  double L[NX * NX], Pc[NX][NX];
  memcpy(Pc, P, sizeof Pc);
  if (no_beta) /* its zero ln beta row is not a loss of definiteness */
    Pc[7][7] = 1.0;
  if (no_pitch) /* nor a zero thrust-angle row */
    Pc[8][8] = 1.0;
  if (la_chol(&Pc[0][0], L, NX)) {
    /* restore definiteness: add back a small fraction of the prior diagonal */
    for (int i = 0; i < NX; i++)
      if ((i != 7 || !no_beta) && (i != 8 || !no_pitch))
        P[i][i] += 1e-9 * est->P[i][i] + 1e-12;
  }
  memcpy(est->P, P, sizeof P);
  thrust_chart(est);
  if (nis)
    *nis = d2;
  if (loglik)
    *loglik = -0.5 * (d2 + logdet + m * log(2 * M_PI));
  return 0;
}

/* ---- IMM ---------------------------------------------------------------- */

void mwx_track_pitch_prior(const mwx_track_filter_cfg *cfg, mwx_track_est *est) {
  if (!cfg || !est)
    return;
  for (int i = 0; i < NX; i++)
    est->P[i][8] = est->P[8][i] = 0;
  est->x[8] = 0;
  double s = cfg->pitch_sigma0_deg > 0 ? cfg->pitch_sigma0_deg * MWX_DEG2RAD : 0.0;
  est->P[8][8] = s * s;
}

void mwx_track_imm_init(mwx_track_imm *imm, const mwx_track_est *est, double p_boost) {
  imm->m[MWX_TRACK_BALLISTIC] = *est;
  imm->m[MWX_TRACK_BOOST] = *est;
  pin_thrust(&imm->m[MWX_TRACK_BALLISTIC]);
  if (p_boost < MWX_TRACK_IMM_FLOOR_NONE)
    p_boost = MWX_TRACK_IMM_FLOOR_NONE;
  if (p_boost > 1 - MWX_TRACK_IMM_FLOOR)
    p_boost = 1 - MWX_TRACK_IMM_FLOOR;
  imm->mu[MWX_TRACK_BOOST] = p_boost;
  imm->mu[MWX_TRACK_BALLISTIC] = 1 - p_boost;
}

int mwx_track_imm_predict(const mwx_track_filter_cfg *cfg, mwx_track_imm *imm, int64_t t_ns) {
  if (!cfg || !imm)
    return mwx_error_set(MWX_EINVAL, "track: imm predict: NULL argument");
  double dt = fabs((double)(t_ns - imm->m[0].t_ns) * 1e-9);
  double p01 = 1 - exp(-cfg->boost_entry_rate_ps * dt); /* ballistic -> boost */
  double p10 = 1 - exp(-cfg->boost_exit_rate_ps * dt);  /* boost -> ballistic */
  double Pi[2][2] = {{1 - p01, p01}, {p10, 1 - p10}};
  double c[2];
  for (int j = 0; j < 2; j++)
    c[j] = Pi[0][j] * imm->mu[0] + Pi[1][j] * imm->mu[1];
  mwx_track_est mixed[2];
  for (int j = 0; j < 2; j++) {
    double w[2] = {Pi[0][j] * imm->mu[0] / c[j], Pi[1][j] * imm->mu[1] / c[j]};
    mwx_track_est *o = &mixed[j];
    o->t_ns = imm->m[0].t_ns;
    for (int k = 0; k < NX; k++)
      o->x[k] = w[0] * imm->m[0].x[k] + w[1] * imm->m[1].x[k];
    memset(o->P, 0, sizeof o->P);
    for (int i = 0; i < 2; i++) {
      double d[NX];
      for (int k = 0; k < NX; k++)
        d[k] = imm->m[i].x[k] - o->x[k];
      for (int a = 0; a < NX; a++)
        for (int b = 0; b < NX; b++)
          o->P[a][b] += w[i] * (imm->m[i].P[a][b] + d[a] * d[b]);
    }
  }
  for (int j = 0; j < 2; j++) {
    int rc = mwx_track_predict(cfg, j, &mixed[j], t_ns);
    if (rc)
      return rc;
  }
  imm->m[0] = mixed[0];
  imm->m[1] = mixed[1];
  imm->mu[0] = c[0];
  imm->mu[1] = c[1];
  return 0;
}

int mwx_track_imm_update(const mwx_track_filter_cfg *cfg, mwx_track_imm *imm,
                         const mwx_track_plot *plot, double *nis) {
  if (!cfg || !imm)
    return mwx_error_set(MWX_EINVAL, "track: imm update: NULL argument");
  if (nis) {
    /* NIS of the combined prior, for reporting */
    mwx_track_est prior;
    mwx_track_imm_combine(imm, &prior);
    double y[3], S[3][3], Sc[9], Si[9];
    int m, rc = mwx_track_innovation(cfg, &prior, plot, y, S, &m);
    if (rc)
      return rc;
    for (int i = 0; i < m; i++)
      for (int j = 0; j < m; j++)
        Sc[i * m + j] = S[i][j];
    if (la_inv_spd(Sc, Si, m, NULL))
      return mwx_error_set(MWX_ERANGE, "track: innovation covariance is not positive definite");
    *nis = 0;
    for (int i = 0; i < m; i++)
      for (int j = 0; j < m; j++)
        *nis += y[i] * Si[i * m + j] * y[j];
  }
  mwx_track_est up[2];
  double ll[2];
  for (int j = 0; j < 2; j++) {
    up[j] = imm->m[j];
    int rc = mwx_track_update(cfg, &up[j], plot, NULL, &ll[j]);
    if (rc)
      return rc;
  }
  double mx = ll[0] > ll[1] ? ll[0] : ll[1];
  double w0 = imm->mu[0] * exp(ll[0] - mx), w1 = imm->mu[1] * exp(ll[1] - mx);
  double sum = w0 + w1;
  if (!(sum > 0) || !isfinite(sum)) {
    w0 = imm->mu[0];
    w1 = imm->mu[1];
    sum = w0 + w1;
  }
  imm->mu[0] = w0 / sum;
  imm->mu[1] = w1 / sum;
  /* the floor (a model that can still be); a configuration without one
   * (imm_floor 0, the older struct) keeps the default */
  double fl = cfg->imm_floor > 0 ? cfg->imm_floor : MWX_TRACK_IMM_FLOOR;
  if (fl < MWX_TRACK_IMM_FLOOR_NONE)
    fl = MWX_TRACK_IMM_FLOOR_NONE;
  for (int j = 0; j < 2; j++) {
    if (imm->mu[j] < fl)
      imm->mu[j] = fl;
  }
  sum = imm->mu[0] + imm->mu[1];
  imm->mu[0] /= sum;
  imm->mu[1] /= sum;
  imm->m[0] = up[0];
  imm->m[1] = up[1];
  return 0;
}

void mwx_track_imm_combine(const mwx_track_imm *imm, mwx_track_est *out) {
  out->t_ns = imm->m[0].t_ns;
  for (int k = 0; k < NX; k++)
    out->x[k] = imm->mu[0] * imm->m[0].x[k] + imm->mu[1] * imm->m[1].x[k];
  memset(out->P, 0, sizeof out->P);
  for (int i = 0; i < 2; i++) {
    double d[NX];
    for (int k = 0; k < NX; k++)
      d[k] = imm->m[i].x[k] - out->x[k];
    for (int a = 0; a < NX; a++)
      for (int b = 0; b < NX; b++)
        out->P[a][b] += imm->mu[i] * (imm->m[i].P[a][b] + d[a] * d[b]);
  }
}

/* ---- Plots in ECEF and two-point initialisation ------------------------- */

int mwx_track_plot_ecef(const mwx_track_plot *p, double pos[3], double cov[3][3]) {
  int rc = mwx_track_plot_check(p);
  if (rc)
    return rc;
  if (p->kind != MWX_TRACK_RADAR)
    return mwx_error_set(MWX_EINVAL, "track: an IR plot has no range and no position");
  double az = p->az_deg * MWX_DEG2RAD, el = p->el_deg * MWX_DEG2RAD, r = p->range_m;
  double enu[3] = {r * cos(el) * sin(az), r * cos(el) * cos(az), r * sin(el)};
  if ((rc = mwx_geo_ecef_from_enu(&p->sensor_lla, enu, pos)))
    return rc;
  if (cov) {
    double J[3][3] = {{cos(el) * sin(az), r * cos(el) * cos(az), -r * sin(el) * sin(az)},
                      {cos(el) * cos(az), -r * cos(el) * sin(az), -r * sin(el) * cos(az)},
                      {sin(el), 0, r * cos(el)}};
    double sd[3] = {p->sigma_range_m, p->sigma_az_deg * MWX_DEG2RAD, p->sigma_el_deg * MWX_DEG2RAD};
    double Ce[3][3], R[3][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        double s = 0;
        for (int k = 0; k < 3; k++)
          s += J[i][k] * J[j][k] * sd[k] * sd[k];
        Ce[i][j] = s;
      }
    mwx_geo_enu_rotation(p->sensor_lla.lat_deg, p->sensor_lla.lon_deg, R);
    /* cov_ecef = R^T Ce R */
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        double s = 0;
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++)
            s += R[a][i] * Ce[a][b] * R[b][j];
        cov[i][j] = s;
      }
  }
  return 0;
}

int mwx_track_two_point(const mwx_track_plot *p1, const mwx_track_plot *p2, double accel_mps2,
                        mwx_track_est *out) {
  if (!p1 || !p2 || !out || !(accel_mps2 >= 0))
    return mwx_error_set(MWX_EINVAL, "track: two-point: bad arguments");
  if (p1->kind != MWX_TRACK_RADAR || p2->kind != MWX_TRACK_RADAR)
    return mwx_error_set(MWX_EINVAL, "track: two-point initialisation needs two radar plots");
  if (p2->t_ns <= p1->t_ns)
    return mwx_error_set(MWX_EINVAL, "track: two-point: plots are not in time order");
  double a[3], b[3], Ca[3][3], Cb[3][3];
  int rc;
  if ((rc = mwx_track_plot_ecef(p1, a, Ca)) || (rc = mwx_track_plot_ecef(p2, b, Cb)))
    return rc;
  double dt = (double)(p2->t_ns - p1->t_ns) * 1e-9;
  memset(out, 0, sizeof *out);
  out->t_ns = p2->t_ns;
  double v[3], g[3];
  for (int i = 0; i < 3; i++)
    v[i] = (b[i] - a[i]) / dt;
  /* the difference is the mean velocity over the interval; the velocity at
   * the second plot is that plus half the free-flight velocity change */
  mwx_ballistic_accel_free_ecef(b, v, 0.0, g);
  for (int i = 0; i < 3; i++) {
    out->x[i] = b[i];
    out->x[3 + i] = v[i] + 0.5 * g[i] * dt;
  }
  double av = pow(0.5 * accel_mps2 * dt, 2);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      out->P[i][j] = Cb[i][j];
      out->P[i][3 + j] = out->P[3 + i][j] = Cb[i][j] / dt;
      out->P[3 + i][3 + j] = (Ca[i][j] + Cb[i][j]) / (dt * dt) + (i == j ? av : 0);
    }
  out->x[6] = 0;
  out->P[6][6] = accel_mps2 * accel_mps2;
  out->x[7] = 0; /* no beta: the caller gives it its prior */
  out->P[7][7] = 0;
  return 0;
}
