/*
 * assess.c - launch point, impact point with its 95% ellipse, apogee, range,
 * time of flight and class of a tracked missile (see include/mwx/assess.h).
 *
 * Uncertainty: the 6-D estimate is represented by 13 sigma points (scaled
 * unscented transform with alpha = 1, beta = 2, kappa = 0: points at
 * +-sqrt(6) standard deviations, mean weights 0 and 1/12, covariance weights
 * 2 and 1/12).  Each point is carried to the ground by the ballistic
 * module's propagator; the ground points are expressed in ENU at their mean
 * and their 2x2 east/north covariance gives the ellipse.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "track/linalg.h"

#define N6 6
#define NS (2 * N6 + 1)
#define EARTH_MEAN_RADIUS_M 6371000.0

static const double WM0 = 0.0, WC0 = 2.0, WI = 1.0 / (2.0 * N6);

void mwx_assess_opts_default(mwx_assess_opts *o) {
  memset(o, 0, sizeof *o);
  o->beta_kgpm2 = -1.0;
  o->max_flight_s = MWX_ASSESS_MAX_FLIGHT_S;
  o->min_p_ballistic = 0.9;
  o->min_climb_height_m = 30e3;
  o->want_apogee = 1;
  o->beta_rel_sigma = MWX_ASSESS_BETA_SIGMA_LN;
}

static int check_state(const double x[6], const double P[6][6]) {
  if (!x)
    return mwx_error_set(MWX_EINVAL, "assess: NULL state");
  for (int i = 0; i < 6; i++)
    if (!isfinite(x[i]))
      return mwx_error_set(MWX_EINVAL, "assess: state is not finite");
  if (P) {
    double L[36];
    for (int i = 0; i < 36; i++)
      if (!isfinite((&P[0][0])[i]))
        return mwx_error_set(MWX_EINVAL, "assess: covariance is not finite");
    if (la_chol(&P[0][0], L, 6))
      return mwx_error_set(MWX_EINVAL, "assess: covariance is not positive definite");
  }
  return 0;
}

static int sigma6(const double x[6], const double P[6][6], double X[NS][6]) {
  double L[36];
  if (la_chol(&P[0][0], L, 6))
    return mwx_error_set(MWX_EINVAL, "assess: covariance is not positive definite");
  double c = sqrt((double)N6);
  for (int i = 0; i < 6; i++)
    X[0][i] = x[i];
  for (int j = 0; j < 6; j++)
    for (int i = 0; i < 6; i++) {
      X[1 + j][i] = x[i] + c * L[i * 6 + j];
      X[1 + 6 + j][i] = x[i] - c * L[i * 6 + j];
    }
  return 0;
}

static void ellipse_of(mwx_assess_point *out);

/* Mean ground point, ENU covariance and ellipse of NS ground points with
 * times (seconds relative to t_ns). */
static int ground_stats(const double G[NS][3], const double T[NS], int64_t t_ns, mwx_assess_point *out) {
  double m[3] = {0, 0, 0}, tm = 0;
  for (int s = 0; s < NS; s++) {
    double w = s ? WI : WM0;
    for (int i = 0; i < 3; i++)
      m[i] += w * G[s][i];
    tm += w * T[s];
  }
  mwx_geo_lla ref;
  int rc = mwx_geo_lla_from_ecef(m, &ref);
  if (rc)
    return rc;
  ref.h_m = 0;
  double C[4] = {0, 0, 0, 0}, vt = 0;
  for (int s = 0; s < NS; s++) {
    double w = s ? WI : WC0, enu[3];
    if ((rc = mwx_geo_enu_from_ecef(&ref, G[s], enu)))
      return rc;
    C[0] += w * enu[0] * enu[0];
    C[1] += w * enu[0] * enu[1];
    C[2] += w * enu[1] * enu[0];
    C[3] += w * enu[1] * enu[1];
    vt += w * (T[s] - tm) * (T[s] - tm);
  }
  /* the mean point is the ENU origin only up to the weighting of sigma point
   * 0 (weight 0 in the mean, 2 in the covariance): the deviations above are
   * about the mean by construction since sum(WI * enu) = 0 */
  out->lat_deg = ref.lat_deg;
  out->lon_deg = ref.lon_deg;
  out->t_ns = t_ns + (int64_t)llround(tm * 1e9);
  out->sigma_t_s = sqrt(vt);
  out->cov_en_m2[0][0] = C[0];
  out->cov_en_m2[0][1] = C[1];
  out->cov_en_m2[1][0] = C[2];
  out->cov_en_m2[1][1] = C[3];
  ellipse_of(out);
  return 0;
}

/* 95% ellipse of a point's east/north covariance. */
static void ellipse_of(mwx_assess_point *out) {
  double C[4] = {out->cov_en_m2[0][0], out->cov_en_m2[0][1], out->cov_en_m2[1][0], out->cov_en_m2[1][1]};
  double l1, l2, ang;
  la_eig2(C, &l1, &l2, &ang);
  if (l2 < 0)
    l2 = 0;
  out->major_km = sqrt(MWX_ASSESS_CHI2_95_2D * l1) / 1e3;
  out->minor_km = sqrt(MWX_ASSESS_CHI2_95_2D * l2) / 1e3;
  /* ang is from east counter-clockwise; azimuth from north clockwise */
  double az = 90.0 - ang * MWX_RAD2DEG;
  az = fmod(az, 180.0);
  if (az < 0)
    az += 180.0;
  out->orient_deg = az;
}

/* The sigma points to the ground; g0/el0 (may be NULL): sigma point 0's
 * (the mean state's) ground point and elapsed time. */
static int to_ground_g0(const double x[6], const double P[6][6], int64_t t_ns, double beta, int dir,
                        double max_s, mwx_assess_point *out, double g0[3], double *el0) {
  int rc = check_state(x, P);
  if (rc)
    return rc;
  if (!out || !(max_s > 0))
    return mwx_error_set(MWX_EINVAL, "assess: bad arguments");
  double X[NS][6], G[NS][3], T[NS];
  if ((rc = sigma6(x, P, X)))
    return rc;
  for (int s = 0; s < NS; s++) {
    double v[3], el;
    rc = mwx_ballistic_propagate_to_height(X[s], X[s] + 3, beta, dir, 0.0, max_s, G[s], v, &el);
    if (rc)
      return mwx_error_set(MWX_ERANGE, "assess: the flight does not reach the ground within %.0f s", max_s);
    T[s] = dir * el;
  }
  if (g0) {
    memcpy(g0, G[0], sizeof G[0]);
    *el0 = T[0];
  }
  return ground_stats(G, T, t_ns, out);
}

static int to_ground(const double x[6], const double P[6][6], int64_t t_ns, double beta, int dir,
                     double max_s, mwx_assess_point *out) {
  return to_ground_g0(x, P, t_ns, beta, dir, max_s, out, NULL, NULL);
}

int mwx_assess_impact(const double x[6], const double P[6][6], int64_t t_ns, double beta_kgpm2,
                      double max_s, mwx_assess_point *out) {
  return to_ground(x, P, t_ns, beta_kgpm2, +1, max_s, out);
}

/* 5-point Gauss-Hermite quadrature for a standard normal z (probabilists'
 * Hermite polynomial He_5 = z^5 - 10 z^3 + 15 z: roots 0, +-sqrt(5 -+
 * sqrt(10)), weights 4! / (5 He_4(z_k)^2): 8/15, (7 + 2 sqrt(10)) / 60 ...
 * written out to double precision; they sum to 1). */
static const double GH_Z[5] = {0.0, 1.355626179974265909, -1.355626179974265909, 2.856970013872805435,
                               -2.856970013872805435};
static const double GH_W[5] = {0.533333333333333333, 0.222075922005612644, 0.222075922005612644,
                               0.011257411327720689, 0.011257411327720689};

/* Adds the effect of ln beta ~ N(ln beta, sigma_ln^2) to an impact point
 * from the state's sigma points (mwx_assess_impact_beta): the mean state x
 * flown with beta exp(sigma_ln z_k) for each node; g0/el0, the ground point
 * and time of the mean state with beta itself (sigma point 0), are node 0. */
static int add_beta_spread(const double x[6], const double dxdb[6], double beta, double sigma_ln, double max_s,
                           const double g0[3], double el0, mwx_assess_point *ip) {
  mwx_geo_lla ref = {ip->lat_deg, ip->lon_deg, 0};
  double e[5][3], el[5], me[2] = {0, 0}, mt = 0;
  for (int k = 0; k < 5; k++) {
    double g[3], v[3];
    if (k == 0) {
      memcpy(g, g0, sizeof g);
      el[k] = el0;
    } else {
      /* the state given this ln beta: the mean moves along dxdb (the
       * track's regression of its state on ln beta; 0: independent) */
      double xk[6];
      for (int i = 0; i < 6; i++)
        xk[i] = x[i] + (dxdb ? dxdb[i] * sigma_ln * GH_Z[k] : 0.0);
      if (mwx_ballistic_propagate_to_height(xk, xk + 3, beta * exp(sigma_ln * GH_Z[k]), +1, 0.0, max_s, g, v,
                                            &el[k]))
        return mwx_error_set(MWX_ERANGE, "assess: the flight does not reach the ground within %.0f s", max_s);
    }
    if (mwx_geo_enu_from_ecef(&ref, g, e[k]))
      return MWX_ERANGE;
    me[0] += GH_W[k] * e[k][0];
    me[1] += GH_W[k] * e[k][1];
    mt += GH_W[k] * el[k];
  }
  double C[2][2] = {{0, 0}, {0, 0}}, vt = 0;
  for (int k = 0; k < 5; k++) {
    double d[2] = {e[k][0] - me[0], e[k][1] - me[1]};
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        C[i][j] += GH_W[k] * d[i] * d[j];
    vt += GH_W[k] * (el[k] - mt) * (el[k] - mt);
  }
  /* the skewed law's long side: a light RV falls much shorter than a heavy
   * one flies long (the shift is convex in ln beta), so the variance alone
   * puts the short falls of the law's tail outside the ellipse (2022-11-18:
   * beta at -2.1 sigma, d2 6-10 in the last minutes; 2022-10-04 mid-course
   * 89%: BENCHMARKS.md issue 12, twenty-first session).  Along ln beta's
   * axis u the spread is widened to the larger of the two sides'
   * displacement per sigma at the 95% edge, z* = +-sqrt(chi2_2(0.95)) =
   * +-2.448 (the nodes' degree-4 interpolation there), never narrowed: a
   * draw at |z| <= z* then lies within |z| of the axis's sigma */
  {
    double tr = C[0][0] + C[1][1], dd = sqrt(fmax(0.0, 0.25 * (C[0][0] - C[1][1]) * (C[0][0] - C[1][1]) + C[0][1] * C[0][1]));
    double l1 = 0.5 * tr + dd, th = 0.5 * atan2(2 * C[0][1], C[0][0] - C[1][1]), u[2] = {cos(th), sin(th)};
    if (l1 > 0 && isfinite(l1)) {
      double pk[5], zs = sqrt(MWX_ASSESS_CHI2_95_2D), f = 1.0;
      for (int k = 0; k < 5; k++)
        pk[k] = u[0] * (e[k][0] - me[0]) + u[1] * (e[k][1] - me[1]);
      for (int side = -1; side <= 1; side += 2) {
        double z = side * zs, pz = 0;
        for (int k = 0; k < 5; k++) { /* Lagrange through the five nodes */
          double L = 1.0;
          for (int j = 0; j < 5; j++)
            if (j != k)
              L *= (z - GH_Z[j]) / (GH_Z[k] - GH_Z[j]);
          pz += pk[k] * L;
        }
        f = fmax(f, pz * pz / (zs * zs * l1));
      }
      if (isfinite(f) && f > 1.0)
        for (int i = 0; i < 2; i++)
          for (int j = 0; j < 2; j++)
            C[i][j] += (f - 1.0) * l1 * u[i] * u[j];
    }
  }
  /* the mean moves by the nodes' mean displacement from node 0 (a skewed
   * law: a heavier RV flies further than a lighter one falls short) */
  double de[2] = {me[0] - e[0][0], me[1] - e[0][1]};
  if (de[0] != 0 || de[1] != 0) {
    double p0[3], pm[3], enu_m[3] = {de[0], de[1], 0};
    mwx_geo_lla lm;
    if (mwx_geo_ecef_from_lla(&ref, p0))
      return MWX_ERANGE;
    mwx_geo_ecef_vec_from_enu(&ref, enu_m, pm);
    for (int i = 0; i < 3; i++)
      pm[i] += p0[i];
    if (mwx_geo_lla_from_ecef(pm, &lm))
      return MWX_ERANGE;
    ip->lat_deg = lm.lat_deg;
    ip->lon_deg = lm.lon_deg;
  }
  ip->t_ns += (int64_t)llround((mt - el[0]) * 1e9);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      ip->cov_en_m2[i][j] += C[i][j];
  ip->sigma_t_s = sqrt(ip->sigma_t_s * ip->sigma_t_s + vt);
  ellipse_of(ip);
  return 0;
}

int mwx_assess_impact_beta(const double x[6], const double P[6][6], int64_t t_ns, double beta_kgpm2,
                           double sigma_ln, double max_s, mwx_assess_point *out) {
  if (!(sigma_ln >= 0 && sigma_ln <= 1))
    return mwx_error_set(MWX_EINVAL, "assess: sigma of ln beta %g is not in 0..1", sigma_ln);
  if (sigma_ln > 0 && !(beta_kgpm2 > 0))
    return mwx_error_set(MWX_EINVAL, "assess: a beta spread needs drag (beta %g kg/m^2 is not > 0)", beta_kgpm2);
  /* node 0: the mean state flown with beta itself, sigma point 0 */
  double g0[3], el0 = 0;
  int rc = to_ground_g0(x, P, t_ns, beta_kgpm2, +1, max_s, out, g0, &el0);
  if (rc || sigma_ln == 0)
    return rc;
  return add_beta_spread(x, NULL, beta_kgpm2, sigma_ln, max_s, g0, el0, out);
}

static int impact_cond(const double x[6], const double dxdb[6], const double Pc[6][6], int64_t t_ns,
                       double beta_kgpm2, double sigma_ln, double max_s, mwx_assess_point *out,
                       double state_cov[2][2]);

int mwx_assess_impact_beta_cond(const double x[6], const double dxdb[6], const double Pc[6][6], int64_t t_ns,
                                double beta_kgpm2, double sigma_ln, double max_s, mwx_assess_point *out) {
  return impact_cond(x, dxdb, Pc, t_ns, beta_kgpm2, sigma_ln, max_s, out, NULL);
}

/* mwx_assess_impact_beta_cond; state_cov (may be NULL): the sigma points'
 * part of the covariance, before ln beta's is added. */
static int impact_cond(const double x[6], const double dxdb[6], const double Pc[6][6], int64_t t_ns,
                       double beta_kgpm2, double sigma_ln, double max_s, mwx_assess_point *out,
                       double state_cov[2][2]) {
  if (!dxdb)
    return mwx_error_set(MWX_EINVAL, "assess: NULL regression on ln beta");
  for (int i = 0; i < 6; i++)
    if (!isfinite(dxdb[i]))
      return mwx_error_set(MWX_EINVAL, "assess: regression on ln beta is not finite");
  if (!(sigma_ln >= 0 && sigma_ln <= 1))
    return mwx_error_set(MWX_EINVAL, "assess: sigma of ln beta %g is not in 0..1", sigma_ln);
  if (!(beta_kgpm2 > 0))
    return mwx_error_set(MWX_EINVAL, "assess: a beta law needs drag (beta %g kg/m^2 is not > 0)", beta_kgpm2);
  double g0[3], el0 = 0;
  int rc = to_ground_g0(x, Pc, t_ns, beta_kgpm2, +1, max_s, out, g0, &el0);
  if (!rc && state_cov)
    memcpy(state_cov, out->cov_en_m2, sizeof out->cov_en_m2);
  if (rc || sigma_ln == 0)
    return rc;
  return add_beta_spread(x, dxdb, beta_kgpm2, sigma_ln, max_s, g0, el0, out);
}

int mwx_assess_beta_posterior(const mwx_track_est *e, double beta_ref_kgpm2, double lnbeta_sigma0,
                              double beta_class_kgpm2, double sigma_class_ln, mwx_assess_beta_post *out) {
  if (!e || !out)
    return mwx_error_set(MWX_EINVAL, "assess: beta posterior: NULL argument");
  if (!(beta_class_kgpm2 > 0) || !(sigma_class_ln > 0) || !isfinite(sigma_class_ln))
    return mwx_error_set(MWX_EINVAL, "assess: beta posterior: the class prior (%g kg/m^2, sigma %g) is not valid",
                         beta_class_kgpm2, sigma_class_ln);
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      out->Pc[i][j] = e->P[i][j];
  double vb = e->P[7][7];
  double lam_c = 1.0 / (sigma_class_ln * sigma_class_ln), eta_c = lam_c * log(beta_class_kgpm2);
  double lam_d = 0, eta_d = 0;
  if (beta_ref_kgpm2 > 0 && lnbeta_sigma0 > 0 && vb >= MWX_ASSESS_LNBETA_VAR_MIN && isfinite(vb) &&
      isfinite(e->x[7])) {
    /* the state given ln beta (Gaussian): mean x + k (b - b_track),
     * covariance P - c c^T / vb, c = cov(state, ln beta), k = c / vb; the
     * track's prior N(ln beta_ref, lnbeta_sigma0^2) divided out of its
     * marginal on ln beta leaves what the plots say (information lam_d,
     * eta_d), which changing the prior does not change, nor the
     * conditional law of the state */
    double bt = log(beta_ref_kgpm2) + e->x[7];
    for (int i = 0; i < 6; i++)
      out->dxdb[i] = e->P[i][7] / vb;
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 6; j++)
        out->Pc[i][j] = e->P[i][j] - e->P[i][7] * e->P[j][7] / vb;
    double lam0 = 1.0 / (lnbeta_sigma0 * lnbeta_sigma0);
    lam_d = 1.0 / vb - lam0;
    eta_d = bt / vb - lam0 * log(beta_ref_kgpm2);
    if (!(lam_d > 0)) { /* the plots have said nothing (or the prior was widened since) */
      lam_d = 0;
      eta_d = 0;
    }
    double lam = lam_d + lam_c, m = (eta_d + eta_c) / lam;
    for (int i = 0; i < 6; i++)
      out->x[i] = e->x[i] + out->dxdb[i] * (m - bt);
    out->beta_kgpm2 = exp(m);
    out->sigma_ln = sqrt(1.0 / lam);
  } else {
    for (int i = 0; i < 6; i++)
      out->x[i] = e->x[i];
    out->beta_kgpm2 = beta_class_kgpm2;
    out->sigma_ln = sigma_class_ln;
  }
  out->info_share = lam_d / (lam_d + lam_c);
  if (check_state(out->x, out->Pc)) { /* a conditional covariance lost to rounding: the marginal */
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 6; j++)
        out->Pc[i][j] = e->P[i][j];
    mwx_error_clear();
  }
  return 0;
}

int mwx_assess_launch_ballistic(const double x[6], const double P[6][6], int64_t t_ns, double max_s,
                                mwx_assess_point *out) {
  return to_ground(x, P, t_ns, 0.0, -1, max_s, out);
}

/* Boost-from-rest launch point of one state: ground point and time offset. */
static int boost_back(const double x[6], double g[3], double *dt_s) {
  mwx_geo_lla l;
  int rc = mwx_geo_lla_from_ecef(x, &l);
  if (rc)
    return rc;
  double up[3], enu_up[3] = {0, 0, 1};
  mwx_geo_ecef_vec_from_enu(&l, enu_up, up);
  double vup = x[3] * up[0] + x[4] * up[1] + x[5] * up[2];
  if (!(vup > 1.0) || l.h_m < 0)
    return MWX_ERANGE;
  double k = l.h_m / vup, q[3], hk = l.h_m / 1e3;
  /* the flight path bends over (vertical rise, pitch-over): the ground
   * distance flown is c h v_h / v_up with c = 0.48 + 0.009 h_km (at most
   * 0.9), fitted to the four default vehicles from 2 to 50 km (within 15%) */
  double c = 0.48 + 0.009 * hk;
  if (c > 0.9)
    c = 0.9;
  for (int i = 0; i < 3; i++)
    q[i] = x[i] - x[3 + i] * k * c;
  /* time since launch = r h / v_up: r = 2 for constant acceleration from
   * rest; the staged boosts of mwx_ballistic_vehicle_default give r = 1.9-2.1
   * below 20 km and 2.2-2.8 at 50 km (thrust/weight grows as propellant
   * burns), so r rises linearly from 2.0 at 20 km to 2.5 at 50 km */
  double r = 2.0 + 0.5 * (hk < 20 ? 0 : hk > 50 ? 1 : (hk - 20) / 30);
  mwx_geo_lla lq;
  if ((rc = mwx_geo_lla_from_ecef(q, &lq)))
    return rc;
  lq.h_m = 0;
  if ((rc = mwx_geo_ecef_from_lla(&lq, g)))
    return rc;
  *dt_s = -r * k;
  return 0;
}

int mwx_assess_launch_boost(const double x[6], const double P[6][6], int64_t t_ns,
                            mwx_assess_point *out) {
  int rc = check_state(x, P);
  if (rc)
    return rc;
  if (!out)
    return mwx_error_set(MWX_EINVAL, "assess: NULL out");
  double X[NS][6], G[NS][3], T[NS];
  if ((rc = sigma6(x, P, X)))
    return rc;
  for (int s = 0; s < NS; s++)
    if (boost_back(X[s], G[s], &T[s]))
      return mwx_error_set(MWX_ERANGE, "assess: the estimate is not climbing: no boost-phase launch point");
  return ground_stats(G, T, t_ns, out);
}

int mwx_assess_energy_range(const double x[6], double *range_km) {
  int rc = check_state(x, NULL);
  if (rc)
    return rc;
  if (!range_km)
    return mwx_error_set(MWX_EINVAL, "assess: NULL out");
  const double mu = MWX_WGS84_GM_M3PS2;
  double r = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  if (r < 1e6)
    return mwx_error_set(MWX_EINVAL, "assess: position is inside the Earth");
  /* specific energy with the velocity relative to the Earth (the frame of
   * the published figures and of mwx_ballistic_class_from_figures) */
  double eps = 0.5 * (x[3] * x[3] + x[4] * x[4] + x[5] * x[5]) - mu / r;
  double rb = EARTH_MEAN_RADIUS_M;
  double vb2 = 2.0 * (eps + mu / rb);
  if (vb2 <= 0) {
    *range_km = 0;
    return 0;
  }
  double nu = rb * vb2 / mu;
  if (nu >= 1.0) {
    *range_km = INFINITY;
    return 0;
  }
  /* maximum range angle for burnout parameter nu: sin(L/2) = nu / (2 - nu) */
  double lam = 2.0 * asin(nu / (2.0 - nu));
  *range_km = EARTH_MEAN_RADIUS_M * lam / 1e3;
  return 0;
}

mwx_ballistic_class mwx_assess_class_from_range(double range_km) {
  if (!(range_km >= 0))
    return MWX_CLASS_UNKNOWN;
  if (range_km < 1000)
    return MWX_CLASS_SRBM;
  if (range_km < 3000)
    return MWX_CLASS_MRBM;
  if (range_km < 5500)
    return MWX_CLASS_IRBM;
  return MWX_CLASS_ICBM;
}

static double height_m(const double p[3]) {
  mwx_geo_lla l;
  if (mwx_geo_lla_from_ecef(p, &l))
    return -INFINITY;
  return l.h_m;
}

int mwx_assess_apogee(const double x[6], int64_t t_ns, double beta, double *apogee_km, int64_t *apogee_t_ns) {
  int rc = check_state(x, NULL);
  if (rc)
    return rc;
  if (!apogee_km || !apogee_t_ns)
    return mwx_error_set(MWX_EINVAL, "assess: NULL out");
  mwx_geo_lla l;
  if ((rc = mwx_geo_lla_from_ecef(x, &l)))
    return rc;
  double up[3], enu_up[3] = {0, 0, 1};
  mwx_geo_ecef_vec_from_enu(&l, enu_up, up);
  double vup = x[3] * up[0] + x[4] * up[1] + x[5] * up[2];
  double dir = vup >= 0 ? 1.0 : -1.0, step = 30.0 * dir;
  /* march until the height falls, then golden-section search in the bracket */
  double s[6], t0 = 0, h0 = l.h_m, hprev = h0;
  memcpy(s, x, sizeof s);
  int found = 0;
  for (int k = 0; k < 400; k++) {
    double n[6];
    if ((rc = mwx_ballistic_propagate(s, s + 3, beta, step, n, n + 3)))
      return rc;
    double h = height_m(n);
    if (h < hprev) {
      found = 1;
      break;
    }
    t0 += step;
    hprev = h;
    memcpy(s, n, sizeof s);
  }
  if (!found)
    return mwx_error_set(MWX_ERANGE, "assess: no apogee within %.0f s", 400 * 30.0);
  /* the maximum lies within [t0 - step, t0 + step] of the start; search from
   * the state at t0 - step (propagate back) */
  double base[6];
  if ((rc = mwx_ballistic_propagate(s, s + 3, beta, -step, base, base + 3)))
    return rc;
  double a = 0, b = 2 * step, gr = 0.5 * (sqrt(5.0) - 1.0);
  double c = b - gr * (b - a), d = a + gr * (b - a), p[6];
  double fc, fd;
  mwx_ballistic_propagate(base, base + 3, beta, c, p, p + 3);
  fc = height_m(p);
  mwx_ballistic_propagate(base, base + 3, beta, d, p, p + 3);
  fd = height_m(p);
  for (int it = 0; it < 40; it++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - gr * (b - a);
      mwx_ballistic_propagate(base, base + 3, beta, c, p, p + 3);
      fc = height_m(p);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + gr * (b - a);
      mwx_ballistic_propagate(base, base + 3, beta, d, p, p + 3);
      fd = height_m(p);
    }
  }
  double tb = 0.5 * (a + b);
  mwx_ballistic_propagate(base, base + 3, beta, tb, p, p + 3);
  double ha = height_m(p);
  if (ha < h0) { /* the estimate is at its highest point already */
    ha = h0;
    tb = step - t0;
  }
  *apogee_km = ha / 1e3;
  *apogee_t_ns = t_ns + (int64_t)llround((t0 - step + tb) * 1e9);
  return 0;
}

static void est6(const mwx_track_est *e, double x[6], double P[6][6]) {
  for (int i = 0; i < 6; i++) {
    x[i] = e->x[i];
    for (int j = 0; j < 6; j++)
      P[i][j] = e->P[i][j];
  }
}

int mwx_assess_burnout_check(const mwx_track_info *info, mwx_assess_burnout *out) {
  if (!info || !out)
    return mwx_error_set(MWX_EINVAL, "assess: NULL argument");
  memset(out, 0, sizeof *out);
  out->quiet_s = info->t_quiet_ns ? (double)(info->t_last_ns - info->t_quiet_ns) * 1e-9 : 0.0;
  out->quiet_plots = info->t_quiet_ns ? info->quiet_plots : 0;
  out->since_thrust_s = info->t_powered_ns ? (double)(info->t_last_ns - info->t_powered_ns) * 1e-9 : -1.0;
  out->thrust_ub_mps2 = info->thrust_mps2 + MWX_ASSESS_THRUST_BOUND_SIGMA * info->thrust_sd_mps2;
  if (!info->t_quiet_ns)
    snprintf(out->reason, sizeof out->reason, "%s", info->coasting ? "lost while still powered: the burn may have gone on unseen"
                                                                   : "not ballistic at its last update");
  else if (out->quiet_s < MWX_ASSESS_STAGING_COAST_S || out->quiet_plots < MWX_ASSESS_QUIET_MIN_PLOTS)
    snprintf(out->reason, sizeof out->reason, "%s%.1f s and %d plots ballistic: a staging coast lasts up to %.0f s",
             info->coasting ? "lost after " : "", out->quiet_s, out->quiet_plots, MWX_ASSESS_STAGING_COAST_S);
  else if (!(out->thrust_ub_mps2 < MWX_ASSESS_THRUST_MIN_MPS2))
    snprintf(out->reason, sizeof out->reason,
             "thrust %.1f +- %.1f m/s^2 at the last update: the plots do not exclude a burning stage (>= %.1f)",
             info->thrust_mps2, info->thrust_sd_mps2, MWX_ASSESS_THRUST_MIN_MPS2);
  else
    out->seen = 1;
  return 0;
}

int mwx_assess_flight_phase(const mwx_track_info *info, int *phase) {
  if (!info || !phase)
    return mwx_error_set(MWX_EINVAL, "assess: NULL argument");
  const double *x = info->est.x;
  double thrust_ago_s = info->t_powered_ns ? (double)(info->est.t_ns - info->t_powered_ns) * 1e-9 : INFINITY;
  mwx_assess_burnout bo;
  mwx_assess_burnout_check(info, &bo);
  /* a track whose burnout was not seen is boost to everyone: its own
   * prediction is provisional (mwx_assess_track), and the Track sample a
   * partner fuses must not let the fused picture predict from it */
  if (info->p_ballistic < 0.5 || thrust_ago_s < MWX_ASSESS_STAGING_COAST_S || !bo.seen) {
    *phase = 0;
    return 0;
  }
  double vr = x[0] * x[3] + x[1] * x[4] + x[2] * x[5];
  *phase = vr < 0 && height_m(x) < MWX_ASSESS_TERMINAL_H_M ? 2 : 1;
  return 0;
}

int mwx_assess_track_quality(const mwx_track_est *est, double *quality) {
  if (!est || !quality)
    return mwx_error_set(MWX_EINVAL, "assess: NULL argument");
  double tr = est->P[0][0] + est->P[1][1] + est->P[2][2];
  if (!isfinite(tr))
    return mwx_error_set(MWX_EINVAL, "assess: covariance is not finite");
  *quality = 1.0 / (1.0 + sqrt(fabs(tr)) / MWX_ASSESS_QUALITY_SCALE_M);
  return 0;
}

int mwx_assess_track(const mwx_track_info *info, const mwx_assess_opts *opts, mwx_assess *out) {
  if (!info || !out)
    return mwx_error_set(MWX_EINVAL, "assess: NULL argument");
  mwx_assess_opts o;
  if (opts)
    o = *opts;
  else
    mwx_assess_opts_default(&o);
  if (!(o.max_flight_s > 0))
    return mwx_error_set(MWX_EINVAL, "assess: max_flight_s must be > 0");
  memset(out, 0, sizeof *out);
  double x[6], P[6][6];
  /* predictions from the ballistic model's estimate when the track is
   * ballistic; the combined one otherwise (the gate below then refuses) */
  est6(info->p_ballistic >= o.min_p_ballistic ? &info->ballistic : &info->est, x, P);
  if (check_state(x, P))
    return mwx_error_set(MWX_EINVAL, "assess: track estimate is not a valid Gaussian");
  double h_now = height_m(x);
  mwx_geo_lla l_now;
  double vup_now = 0;
  if (!mwx_geo_lla_from_ecef(x, &l_now)) {
    double up[3], enu_up[3] = {0, 0, 1};
    mwx_geo_ecef_vec_from_enu(&l_now, enu_up, up);
    vup_now = x[3] * up[0] + x[4] * up[1] + x[5] * up[2];
  }
  /* ballistic by the IMM, and out of the lower atmosphere where every
   * missile is still burning (or already coming down) */
  int ballistic = info->p_ballistic >= o.min_p_ballistic && (h_now >= o.min_climb_height_m || vup_now < 0);
  double beta_used = 0;
  if (ballistic) {
    if (!mwx_assess_energy_range(x, &out->energy_range_km)) {
      out->cls = mwx_assess_class_from_range(out->energy_range_km);
      out->has_class = 1;
    }
    double beta = o.beta_kgpm2;
    if (beta < 0) {
      mwx_ballistic_vehicle v;
      beta = MWX_ASSESS_BETA_UNKNOWN_KGPM2;
      if (out->has_class && !mwx_ballistic_vehicle_default(out->cls, &v))
        beta = v.beta_rv_kgpm2;
    }
    beta_used = beta;
    /* the track's own posterior on ln beta where its plots have informed it
     * (re-entry), the class prior where they have not: the prior the
     * filter started with is replaced by the class's */
    const mwx_track_est *eb = info->p_ballistic >= o.min_p_ballistic ? &info->ballistic : &info->est;
    mwx_assess_beta_post bp;
    if (beta > 0 && o.beta_rel_sigma > 0 && !o.no_track_beta && info->beta_ref_kgpm2 > 0 &&
        !mwx_assess_beta_posterior(eb, info->beta_ref_kgpm2, info->lnbeta_sigma0, beta, o.beta_rel_sigma, &bp) &&
        bp.info_share > 0) {
      beta_used = bp.beta_kgpm2;
      out->beta_kgpm2 = bp.beta_kgpm2;
      out->beta_sigma_ln = bp.sigma_ln;
      out->beta_info_share = bp.info_share;
      if (!impact_cond(bp.x, bp.dxdb, bp.Pc, info->est.t_ns, bp.beta_kgpm2, bp.sigma_ln, o.max_flight_s,
                       &out->impact, out->impact_state_cov_en_m2))
        out->has_impact = 1;
    } else {
      out->beta_kgpm2 = beta;
      out->beta_sigma_ln = beta > 0 ? o.beta_rel_sigma : 0.0;
      static const double z6[6] = {0, 0, 0, 0, 0, 0};
      if (beta > 0 ? !impact_cond(x, z6, P, info->est.t_ns, beta, o.beta_rel_sigma, o.max_flight_s, &out->impact,
                                  out->impact_state_cov_en_m2)
                   : !mwx_assess_impact(x, P, info->est.t_ns, beta, o.max_flight_s, &out->impact)) {
        out->has_impact = 1;
        if (!(beta > 0))
          memcpy(out->impact_state_cov_en_m2, out->impact.cov_en_m2, sizeof out->impact.cov_en_m2);
      }
    }
    beta = beta_used;
    mwx_assess_burnout bo;
    mwx_assess_burnout_check(info, &bo);
    if (!bo.seen) {
      out->provisional = 1;
      snprintf(out->provisional_reason, sizeof out->provisional_reason, "%s", bo.reason);
    }
    out->apogee_km = NAN;
    if (o.want_apogee && mwx_assess_apogee(x, info->est.t_ns, beta, &out->apogee_km, &out->apogee_t_ns))
      out->apogee_km = NAN;
  }
  if (info->has_first) {
    double xf[6], Pf[6][6];
    est6(&info->first, xf, Pf);
    double hf = height_m(xf);
    int rc = MWX_ERANGE;
    if (hf < 60e3 && info->first_p_ballistic < 0.5) {
      rc = mwx_assess_launch_boost(xf, Pf, info->first.t_ns, &out->launch);
      if (!rc && info->has_chord) {
        /* the launch time from the chord between the early estimate and
         * one >= 10 s later: its mean velocity (the velocity at the mid-time
         * under constant acceleration) is better known than a boost-phase
         * filter velocity, which the thrust noise keeps loose; the launch
         * point stays with the early estimate (lower, where the bent-path
         * model is best) */
        double dt = (double)(info->chord.t_ns - info->first.t_ns) * 1e-9, xm[6], Pm[6][6];
        for (int i = 0; i < 3; i++) {
          xm[i] = 0.5 * (info->first.x[i] + info->chord.x[i]);
          xm[3 + i] = (info->chord.x[i] - info->first.x[i]) / dt;
          for (int j = 0; j < 3; j++) {
            double a = info->first.P[i][j], b = info->chord.P[i][j];
            Pm[i][j] = 0.25 * (a + b);
            Pm[3 + i][3 + j] = (a + b) / (dt * dt);
            Pm[i][3 + j] = Pm[3 + i][j] = 0.5 * (b - a) / dt;
          }
        }
        mwx_assess_point lc;
        int64_t tm = info->first.t_ns + (info->chord.t_ns - info->first.t_ns) / 2;
        if (!mwx_assess_launch_boost(xm, Pm, tm, &lc)) {
          out->launch.t_ns = lc.t_ns;
          out->launch.sigma_t_s = lc.sigma_t_s;
        }
      }
    }
    if (rc)
      rc = mwx_assess_launch_ballistic(xf, Pf, info->first.t_ns, o.max_flight_s, &out->launch);
    out->has_launch = rc == 0;
  }
  mwx_error_clear();
  if (out->has_launch && out->has_impact) {
    double d;
    if (!mwx_geo_inverse(out->launch.lat_deg, out->launch.lon_deg, out->impact.lat_deg, out->impact.lon_deg,
                         &d, NULL, NULL))
      out->range_km = d / 1e3;
    out->flight_time_s = (double)(out->impact.t_ns - out->launch.t_ns) * 1e-9;
    /* a flight whose apogee stays inside the atmosphere is classed by the
     * range it flies: the energy-equivalent range assumes free flight
     * after the estimate, and below MWX_ASSESS_ENDO_APOGEE_KM drag takes a
     * large part of that energy (2022-10-14: 650 km at 50 km apogee burns
     * out at 3.8 km/s at 23 km, a 1,600 km energy range, and is an SRBM) */
    double apo = out->apogee_km;
    int64_t apo_t;
    if (!(apo > 0) && mwx_assess_apogee(x, info->est.t_ns, beta_used, &apo, &apo_t))
      apo = NAN;
    if (out->has_class && apo > 0 && apo < MWX_ASSESS_ENDO_APOGEE_KM && out->range_km > 0)
      out->cls = mwx_assess_class_from_range(out->range_km);
    mwx_error_clear();
  }
  return 0;
}
