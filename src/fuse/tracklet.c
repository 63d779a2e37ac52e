/*
 * tracklet.c - tracklet fusion (information decorrelation) of own-sensor
 * members (cfg.tracklet; issue 13, twenty-first session; docs/fusion.md
 * "Tracklets").
 *
 * The memoryless fused state (fuse_state.c) is made of each member's latest
 * sample only: no source is counted twice in time, but the process noise
 * the members' filters share (the missile's motion none of them models)
 * is taken as independent by the information sum and guarded by CI, which
 * is pessimistic.  A tracklet fuser keeps a state per fused track and adds
 * to it, from each own-sensor member, only the information the member got
 * since its previous sample (its "tracklet"):
 *
 *   dI = P_k^-1 - Pr^-1,   di = P_k^-1 x_k - Pr^-1 xr,
 *
 * with (xr, Pr) the member's previous sample propagated to the time of x_k
 * (Frenkel's information decorrelation; Drummond's tracklets, "Tracklets
 * and a hybrid fusion with process noise", SPIE 3163, 1997, and Drummond,
 * "On track and tracklet fusion filtering", SPIE 4728, 2002; Chong, Mori,
 * Barker, Chang, "Architectures and algorithms for track association and
 * fusion", IEEE AES Magazine 15(1), 2000, the "information decorrelation"
 * or "equivalent measurement" method).  For a linear filter dI is the
 * information of the measurements the source took between the two samples
 * when the propagation uses the source's own process noise; the fused state
 * is propagated with its own and then takes the sum of the members' dI: a
 * centralized filter fed the sources' equivalent measurements.
 *
 * Process noise.  (1) A member's previous sample is propagated with at most
 * its tracker's process noise (the trackers' q: q_boost 10 m^2/s^3 in boost,
 * src/track/filter.c, no thrust uncertainty; in free flight the tracker's
 * q_ballistic / q_ballistic_air, as fuse_predict_sample does): the larger
 * Pr, the more information dI claims, so a smaller Q than the source's
 * makes dI at most the measurement information (conservative).  (2) The
 * fused state is propagated with at least that process noise (the trackers'
 * q and the fuser's thrust sigma, 5 m/s^2, in boost: the thrust the 6-D
 * sample does not carry): the shared process noise enters once, in the
 * fused state's own propagation, not once per member.  In free flight above
 * the air both are the trackers' q 0 and the sum of the tracklets telescopes
 * to the information sum of the latest samples (exact).
 *
 * Fallbacks.  A fused product (own_sensors 0) is never decorrelated (its
 * filter's earlier outputs may hold our own data): CI with the tracklet
 * state in the picture.  A member whose previous sample is too old
 * (TK_MAX_GAP_BOOST_S in boost: the fuser's thrust extrapolation stops at
 * 5 s, fuse_predict.c THRUST_MAX_GAP_S, beyond it Pr misses the burn; fresh_s
 * in free flight: a silent source that comes back is its tracker's
 * re-acquisition after coasting) gives no tracklet: its sample is combined
 * by CI in the picture and becomes its reference.  A difference that is
 * not positive semi-definite (a whitened eigenvalue below -TK_NEG_TOL: the
 * source knows less than its previous sample propagated by the model says,
 * an IMM that switched models or inflated its covariance: more process noise
 * than the model) resets the fused track's tracklet state to the memoryless
 * state (CI / the sum), as does any change of its members (join, split,
 * merge, displacement, forgetting) and a state whose members were all
 * silent longer than fresh_s.  Negative eigenvalues above -TK_NEG_TOL are
 * set to 0 (at most that share of the sample's own information in that
 * direction is ignored).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/track.h"
#include "fuse_int.h"
#include "track/linalg.h"

#define TK_MAX_GAP_BOOST_S 5.0 /* fuse_predict.c THRUST_MAX_GAP_S */
#define TK_NEG_TOL 0.05
#define TK_THRUST_SIGMA_MPS2 5.0 /* fuse_predict.c THRUST_SIGMA_MPS2: the fused state's thrust uncertainty */

void mwx_fuse_tracklet_stats(const mwx_fuser *fz, mwx_fuse_tracklet_counts *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (fz)
    *out = fz->tk;
}

/* the trackers' boost white acceleration (src/track/filter.c default) */
static double tracker_q_boost(void) {
  mwx_track_filter_cfg fc;
  mwx_track_filter_cfg_default(&fc);
  return fc.q_boost_m2ps3;
}

/* Lower Cholesky factor of SPD A; -1 if not SPD. */
static int chol6(const double A[6][6], double L[6][6]) {
  memset(L, 0, 36 * sizeof(double));
  for (int j = 0; j < 6; j++) {
    double s = A[j][j];
    for (int k = 0; k < j; k++)
      s -= L[j][k] * L[j][k];
    if (!(s > 0))
      return -1;
    L[j][j] = sqrt(s);
    for (int i = j + 1; i < 6; i++) {
      double t = A[i][j];
      for (int k = 0; k < j; k++)
        t -= L[i][k] * L[j][k];
      L[i][j] = t / L[j][j];
    }
  }
  return 0;
}

/* The tracklet (dI, di) of sample (xs, Ps) over its reference (xr, Pr) at the same time, projected on
 * its non-negative part in the sample's whitened frame (Ps = L L^T, W = L^T dI L).  Returns 0, or 1 when
 * a whitened eigenvalue is below -TK_NEG_TOL (not positive semi-definite), -1 if Ps or Pr is not SPD;
 * *mu_min (may be NULL) the smallest whitened eigenvalue. */
int fuse_tracklet_of(const double xs_[6], const double Ps[6][6], const double xr_[6], const double Pr[6][6],
                     const double x0[6], double dI[6][6], double di[6], double *mu_min) {
  double Is[6][6], Ir[6][6], is[6], ir[6], L[6][6], xs[6], xr[6];
  if (fuse_inv6(Ps, Is, NULL) || fuse_inv6(Pr, Ir, NULL) || chol6(Ps, L))
    return -1;
  /* about x0: I x with x in ECEF metres and a free-flight covariance whose position and velocity are
   * correlated to 0.9999 (condition number ~1e10) loses metres to rounding */
  for (int i = 0; i < 6; i++) {
    xs[i] = xs_[i] - (x0 ? x0[i] : 0.0);
    xr[i] = xr_[i] - (x0 ? x0[i] : 0.0);
  }
  fuse_mat_vec(Is, xs, is);
  fuse_mat_vec(Ir, xr, ir);
  double D[6][6], d[6], W[6][6], w[6], mu[6], V[6][6];
  for (int i = 0; i < 6; i++) {
    d[i] = is[i] - ir[i];
    for (int j = 0; j < 6; j++)
      D[i][j] = 0.5 * ((Is[i][j] - Ir[i][j]) + (Is[j][i] - Ir[j][i]));
  }
  /* W = L^T D L, w = L^T d */
  double T[6][6] = {{0}};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      for (int k = 0; k < 6; k++)
        T[i][j] += D[i][k] * L[k][j];
  for (int i = 0; i < 6; i++) {
    w[i] = 0;
    for (int k = 0; k < 6; k++)
      w[i] += L[k][i] * d[k];
    for (int j = 0; j < 6; j++) {
      W[i][j] = 0;
      for (int k = 0; k < 6; k++)
        W[i][j] += L[k][i] * T[k][j];
    }
  }
  la_eig_sym(&W[0][0], mu, &V[0][0], 6);
  double mn = mu[0];
  for (int i = 1; i < 6; i++)
    mn = fmin(mn, mu[i]);
  if (mu_min)
    *mu_min = mn;
  if (mn < -TK_NEG_TOL)
    return 1;
  /* W+ = V diag(max(mu, 0)) V^T, w+ = V P+ V^T w (no information vector where no information) */
  double Wp[6][6] = {{0}}, wp[6] = {0}, c[6];
  for (int k = 0; k < 6; k++) {
    c[k] = 0;
    for (int i = 0; i < 6; i++)
      c[k] += V[i][k] * w[i];
  }
  for (int k = 0; k < 6; k++) {
    if (!(mu[k] > 0))
      continue;
    for (int i = 0; i < 6; i++) {
      wp[i] += V[i][k] * c[k];
      for (int j = 0; j < 6; j++)
        Wp[i][j] += mu[k] * V[i][k] * V[j][k];
    }
  }
  /* back: dI = L^-T W+ L^-1, di = L^-T w+ (solve with L) */
  double Li[6][6] = {{0}};
  for (int j = 0; j < 6; j++) { /* L^-1 by forward substitution, column j */
    for (int i = 0; i < 6; i++) {
      double s = i == j ? 1.0 : 0.0;
      for (int k = 0; k < i; k++)
        s -= L[i][k] * Li[k][j];
      Li[i][j] = s / L[i][i];
    }
  }
  double U[6][6] = {{0}};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      for (int k = 0; k < 6; k++)
        U[i][j] += Wp[i][k] * Li[k][j];
  for (int i = 0; i < 6; i++) {
    di[i] = 0;
    for (int k = 0; k < 6; k++)
      di[i] += Li[k][i] * wp[k];
    for (int j = 0; j < 6; j++) {
      double s = 0;
      for (int k = 0; k < 6; k++)
        s += Li[k][i] * U[k][j];
      dI[i][j] = s;
    }
  }
  for (int i = 0; i < 6; i++)
    for (int j = i + 1; j < 6; j++)
      dI[i][j] = dI[j][i] = 0.5 * (dI[i][j] + dI[j][i]);
  return 0;
}

/* A stand-in source for a state (x, P at t) to propagate it with fuse_predict_raw. */
static void as_src(src *o, int64_t t_ns, const double x[6], const double P[6][6], int boost, int has_thrust,
                   double thrust, int burnt_out) {
  memset(o, 0, sizeof *o);
  o->last.t_ns = t_ns;
  for (int i = 0; i < 3; i++) {
    o->last.pos_ecef_m[i] = x[i];
    o->last.vel_ecef_mps[i] = x[3 + i];
  }
  memcpy(o->last.P, P, sizeof o->last.P);
  o->last.phase = boost ? MWX_MSG_BOOST : MWX_MSG_MIDCOURSE;
  o->has_thrust = has_thrust;
  o->thrust_mps2 = thrust;
  o->burnt_out = burnt_out;
}

static int tk_eligible(const src *s) { return s->last.own_sensors && !s->displaced; }

/* The members a tracklet state was made for: each member's name, whether it is displaced, a fused
 * product, and fresh at the newest sample (a member that falls silent resets the state: its information
 * stays in a tracklet state for good, while the memoryless state screens a silent member against the
 * others - 2022-10-04, KOR's track lost 1.3 km off, fuse_state.c). */
static uint64_t members_sig(const mwx_fuser *fz, const size_t *m, size_t nm) {
  uint64_t h = 1469598103934665603ull;
  int64_t tn = INT64_MIN;
  for (size_t k = 0; k < nm; k++)
    if (fz->s[m[k]].last.t_ns > tn)
      tn = fz->s[m[k]].last.t_ns;
  for (size_t k = 0; k < nm; k++) {
    const src *s = &fz->s[m[k]];
    h = (h ^ (uint64_t)(fuse_fresh_at(fz, s, tn) ? 8 : 16)) * 1099511628211ull;
    for (const unsigned char *p = (const unsigned char *)s->last.originator; *p; p++)
      h = (h ^ *p) * 1099511628211ull;
    h = (h ^ '/') * 1099511628211ull;
    for (const unsigned char *p = (const unsigned char *)s->last.local_track_id; *p; p++)
      h = (h ^ *p) * 1099511628211ull;
    h = (h ^ (uint64_t)(s->displaced ? 2 : 1) ^ (uint64_t)(s->last.own_sensors ? 4 : 0)) * 1099511628211ull;
  }
  return h;
}

/* Whether every fresh own-sensor member at t_ns is in boost (the boost_sum rule's test, fuse_state.c):
 * the phase the fused state is in.  A member whose sample says otherwise (a boost sample beside members
 * in free flight: an IMM not yet switched at burnout, a new track's first samples; or the first member
 * to switch) gives no tracklet: the members then share the end of thrust they all find late. */
static int tk_all_boost(const mwx_fuser *fz, const size_t *m, size_t nm, int64_t t_ns) {
  int any = 0;
  for (size_t k = 0; k < nm; k++) {
    const src *s = &fz->s[m[k]];
    if (!tk_eligible(s) || !fuse_fresh_at(fz, s, t_ns))
      continue;
    any = 1;
    if (s->last.phase != MWX_MSG_BOOST)
      return 0;
  }
  return any;
}

/* The phase, thrust and burnout the fused state is propagated with: boost while every fresh eligible
 * member is (the newest one's thrust), burnt out when one fresh member is (its tracker flies it with q
 * 0 above the air: a fused state propagated with q_ballistic_air beside it loses, every second, what
 * the burnt-out member's tracklets say it keeps - 2022-11-18, a JPN hand-over track not yet burnt out
 * held the fused state at 200 m against JPN's 84 m). */
static void tk_model(const mwx_fuser *fz, ftrk *f, const size_t *m, size_t nm, int64_t t_ns) {
  int64_t tb = INT64_MIN;
  int any_bo = 0;
  f->tk_boost = tk_all_boost(fz, m, nm, t_ns);
  f->tk_has_thrust = 0;
  for (size_t k = 0; k < nm; k++) {
    const src *s = &fz->s[m[k]];
    if (!tk_eligible(s) || !s->tk_in)
      continue;
    any_bo |= s->burnt_out && fuse_fresh_at(fz, s, t_ns);
    if (f->tk_boost && fuse_fresh_at(fz, s, t_ns) && s->last.phase == MWX_MSG_BOOST && s->last.t_ns > tb) {
      tb = s->last.t_ns;
      f->tk_has_thrust = s->has_thrust;
      f->tk_thrust_mps2 = s->thrust_mps2;
    }
  }
  f->tk_burnt_out = any_bo;
}

static void take_ref(src *s) {
  s->tk_has = 1;
  s->tk_ref = s->last;
  s->tk_has_thrust = s->has_thrust;
  s->tk_thrust_mps2 = s->thrust_mps2;
}

/* Resets fused track fi's tracklet state to the memoryless state at its newest member sample; every
 * member's latest sample becomes its reference. */
static void tk_reset(mwx_fuser *fz, size_t fi, const size_t *m, size_t nm, uint64_t sig) {
  ftrk *f = &fz->f[fi];
  int64_t t0 = INT64_MIN;
  f->tk_on = 0;
  f->tk_powered = 0;
  f->tk_sig = sig;
  for (size_t k = 0; k < nm; k++)
    if (!fz->s[m[k]].displaced && fz->s[m[k]].last.t_ns > t0)
      t0 = fz->s[m[k]].last.t_ns;
  for (size_t k = 0; k < nm; k++) {
    src *s = &fz->s[m[k]];
    take_ref(s);
    s->tk_ci = 0;
    s->tk_in = tk_eligible(s); /* a contributor from now on (a superset of the memoryless state's) */
  }
  if (t0 == INT64_MIN || fuse_state_at(fz, fi, t0, (size_t)-1, FS_STATE, f->tk_x, f->tk_P, NULL)) {
    mwx_error_clear();
    return;
  }
  f->tk_t_ns = t0;
  f->tk_on = 1;
  tk_model(fz, f, m, nm, t0);
}

static int cmp_t(const void *a, const void *b, const mwx_fuser *fz) {
  int64_t ta = fz->s[*(const size_t *)a].last.t_ns, tb = fz->s[*(const size_t *)b].last.t_ns;
  return (ta > tb) - (ta < tb);
}

/* Propagates the fused track's tracklet state to t_ns. */
static int tk_predict(const mwx_fuser *fz, const ftrk *f, int64_t t_ns, double x[6], double P[6][6]) {
  src o;
  as_src(&o, f->tk_t_ns, f->tk_x, f->tk_P, f->tk_boost, f->tk_has_thrust, f->tk_thrust_mps2, f->tk_burnt_out);
  return fuse_predict_raw(&fz->cfg, &o, t_ns, fz->cfg.q_boost_m2ps3, TK_THRUST_SIGMA_MPS2, x, P);
}

/* The tracklet of sample (xs, Ps) at T over the source's previous sample r, propagated with its
 * tracker's q (fuse_predict_raw in free flight: q_ballistic once burnt out, else q_ballistic_air, as
 * the source's own coasting), about x0. */
static int ref_tracklet(const mwx_fuser *fz, const src *r, int64_t T, const double xs[6], const double Ps[6][6],
                        const double x0[6], double dI[6][6], double di[6], double *mu_min) {
  double xr[6], Pr[6][6];
  if (fuse_predict_raw(&fz->cfg, r, T, tracker_q_boost(), 0.0, xr, Pr))
    return -1;
  return fuse_tracklet_of(xs, Ps, xr, Pr, x0, dI, di, mu_min);
}

/* Powered: a fresh own-sensor member in boost, or less than TK_POWERED_S after its last boost sample
 * (the staging coast: the burnout rule's window, fuse_state.c, until the twenty-second session turned the
 * rule off by default; the tracklets keep it: tracklets in the burnout seconds made 2022-11-18's +325 s
 * velocity 1.45x the best nation, twenty-first session).  Measured (bench_fuse, 2022-10-04, 3 seeds, the twenty-first
 * session): every boost sample's difference over its predecessor propagated with the fuser's whole boost
 * model (q_boost 100 m^2/s^3 and the thrust's 5 m/s^2) was not positive semi-definite (266 of 266;
 * smallest whitened eigenvalue p50 -0.81, with the trackers' q 10 and no thrust sigma -1.69): the
 * sample's 6-D covariance is the marginal of an 8-D IMM mixture (thrust, its angle; two models' spread),
 * which grows in ways no 6-D process noise of the sample's shape explains.  So while powered the state
 * is the memoryless one (boost_sum, CI, the burnout rule) and the tracklet state restarts from it. */
#define TK_POWERED_S MWX_ASSESS_STAGING_COAST_S
static int tk_powered(const mwx_fuser *fz, const size_t *m, size_t nm, int64_t t_ns) {
  for (size_t k = 0; k < nm; k++) {
    const src *s = &fz->s[m[k]];
    if (!tk_eligible(s) || !fuse_fresh_at(fz, s, t_ns))
      continue;
    if (s->last.phase == MWX_MSG_BOOST ||
        (s->boost_t_ns && (double)(s->last.t_ns - s->boost_t_ns) * 1e-9 < TK_POWERED_S))
      return 1;
  }
  return 0;
}

/* One fused track's update with its members' new samples. */
static void tk_update_one(mwx_fuser *fz, size_t fi) {
  size_t m[MWX_FUSE_MAX_MEMBERS * 4], nw[MWX_FUSE_MAX_MEMBERS * 4];
  size_t nm = fuse_members(fz, fi, m, sizeof m / sizeof m[0]), nn = 0;
  ftrk *f = &fz->f[fi];
  uint64_t sig = members_sig(fz, m, nm);
  int64_t tn = INT64_MIN;
  for (size_t k = 0; k < nm; k++)
    if (fz->s[m[k]].last.t_ns > tn)
      tn = fz->s[m[k]].last.t_ns;
  if (tk_powered(fz, m, nm, tn)) {
    fz->tk.reset_powered++;
    tk_reset(fz, fi, m, nm, sig);
    f->tk_powered = 1;
    return;
  }
  if (!f->tk_on || sig != f->tk_sig || f->tk_powered) {
    if (f->tk_on && !f->tk_powered)
      fz->tk.reset_members++;
    tk_reset(fz, fi, m, nm, sig);
    return;
  }
  for (size_t k = 0; k < nm; k++) {
    src *s = &fz->s[m[k]];
    if (!tk_eligible(s)) {
      if (s->tk_has && s->last.t_ns > s->tk_ref.t_ns)
        take_ref(s);
      continue;
    }
    if (!s->tk_has) { /* cannot happen with the same members; reset to be safe */
      tk_reset(fz, fi, m, nm, sig);
      return;
    }
    if (s->last.t_ns > s->tk_ref.t_ns)
      nw[nn++] = m[k];
  }
  if (!nn)
    return;
  /* in time order (insertion sort: a handful; ties in key order) */
  for (size_t i = 1; i < nn; i++)
    for (size_t j = i; j > 0 && cmp_t(&nw[j - 1], &nw[j], fz) > 0; j--) {
      size_t t = nw[j];
      nw[j] = nw[j - 1];
      nw[j - 1] = t;
    }
  if ((double)(fz->s[nw[0]].last.t_ns - f->tk_t_ns) * 1e-9 > fz->cfg.fresh_s) {
    fz->tk.reset_silent++;
    tk_reset(fz, fi, m, nm, sig);
    return;
  }
  for (size_t k = 0; k < nn; k++) {
    src *s = &fz->s[nw[k]];
    double gap_s = (double)(s->last.t_ns - s->tk_ref.t_ns) * 1e-9;
    double bound = s->tk_ref.phase == MWX_MSG_BOOST ? TK_MAX_GAP_BOOST_S : fz->cfg.fresh_s;
    if (gap_s > bound) {
      take_ref(s);
      s->tk_ci = 1;
      fz->tk.ci_old++;
      continue;
    }
    int64_t T = s->last.t_ns > f->tk_t_ns ? s->last.t_ns : f->tk_t_ns;
    double xf[6], Pf[6][6], xs[6], Ps[6][6], dI[6][6], di[6];
    src r;
    memset(&r, 0, sizeof r);
    r.last = s->tk_ref;
    r.has_thrust = s->tk_has_thrust;
    r.thrust_mps2 = s->tk_thrust_mps2;
    r.burnt_out = s->burnt_out;
    int rc = tk_predict(fz, f, T, xf, Pf);
    if (!rc)
      rc = fuse_predict_sample(fz, s, T, 0.0, xs, Ps);
    int tr = rc ? -1 : ref_tracklet(fz, &r, T, xs, Ps, xf, dI, di, NULL);
    double If[6][6], iv[6], Pn[6][6];
    if (!tr && !fuse_inv6(Pf, If, NULL)) {
      /* about xf: the fused state's own information vector is 0 there */
      for (int i = 0; i < 6; i++) {
        iv[i] = di[i];
        for (int j = 0; j < 6; j++)
          If[i][j] += dI[i][j];
      }
      if (!fuse_inv6(If, Pn, NULL)) {
        double dx[6];
        fuse_mat_vec(Pn, iv, dx);
        for (int i = 0; i < 6; i++)
          f->tk_x[i] = xf[i] + dx[i];
        memcpy(f->tk_P, Pn, sizeof Pn);
        f->tk_t_ns = T;
        take_ref(s);
        s->tk_in = 1;
        s->tk_ci = 0;
        fz->tk.added++;
        continue;
      }
    }
    mwx_error_clear();
    if (tr == 1)
      fz->tk.reset_not_psd++;
    else
      fz->tk.reset_members++; /* a propagation or an inverse failed: start again from the memoryless state */
    tk_reset(fz, fi, m, nm, sig);
    return;
  }
  tk_model(fz, f, m, nm, f->tk_t_ns);
}

int fuse_tracklet_update(mwx_fuser *fz) {
  if (!fz->cfg.tracklet)
    return 0;
  for (size_t fi = 0; fi < fz->nf; fi++)
    tk_update_one(fz, fi);
  return 0;
}

int fuse_tracklet_get(const mwx_fuser *fz, size_t fi, int64_t t_ns, mwx_fuse_track *out) {
  const ftrk *f = &fz->f[fi];
  if (!fz->cfg.tracklet || !f->tk_on || f->tk_powered || out->method == MWX_FUSE_COAST)
    return 0;
  double x[6], P[6][6];
  if (tk_predict(fz, f, t_ns, x, P)) {
    mwx_error_clear();
    return 0; /* the memoryless state stays */
  }
  size_t m[MWX_FUSE_MAX_MEMBERS * 4];
  size_t nm = fuse_members(fz, fi, m, sizeof m / sizeof m[0]);
  int ci = 0;
  for (size_t k = 0; k < nm; k++) {
    const src *s = &fz->s[m[k]];
    int add = 0;
    if (s->tk_in)
      add = 1;
    /* fused products and members whose latest sample gave no tracklet: CI, while fresh */
    if (!s->displaced && fuse_fresh_at(fz, s, t_ns) && (!s->last.own_sensors || s->tk_ci)) {
      double xs[6], Ps[6][6], xc[6], Pc[6][6];
      if (fuse_predict_sample(fz, s, t_ns, 0.0, xs, Ps) ||
          (fz->cfg.ici ? mwx_fuse_ici : mwx_fuse_ci)(x, P, xs, Ps, xc, Pc, NULL)) {
        mwx_error_clear();
        continue;
      }
      memcpy(x, xc, sizeof xc);
      memcpy(P, Pc, sizeof Pc);
      ci = 1;
      add = 1;
    }
    if (!add)
      continue;
    /* every member whose information is in the state is a contributor (third-party rule) */
    int have = 0;
    for (size_t j = 0; j < out->n_sources; j++)
      have |= !memcmp(&out->sources[j], &s->last.mark, sizeof s->last.mark);
    if (!have && out->n_sources < MWX_FUSE_MAX_MEMBERS)
      out->sources[out->n_sources++] = s->last.mark;
    fuse_add_nation(&out->n_contributors, out->contributors, s->last.originator);
    for (int c = 0; c < s->last.n_contributors; c++)
      fuse_add_nation(&out->n_contributors, out->contributors, s->last.contributors[c]);
  }
  memcpy(out->x, x, sizeof x);
  memcpy(out->P, P, sizeof P);
  out->method = ci ? MWX_FUSE_CI : MWX_FUSE_TRACKLET;
  return 0;
}
