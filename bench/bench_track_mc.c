/*
 * bench_track_mc.c - the long Monte Carlo runs of the track and assess
 * modules (BENCHMARKS.md, "track and assess"):
 *
 *   bench_track_mc ellipse [RUNS]   impact-ellipse containment: (a) a
 *       ballistic EKF on one radar after burnout (the setting of
 *       tests/test_assess.c, RUNS runs, default 200), predicted with the true
 *       beta; (b) end to end, mwx_assess_run (ALL, EKF) on every public
 *       scenario over seeds 1..RUNS/9, the reported last prediction made
 *       >= 60 s before impact, with and without the 30% beta term.
 *   bench_track_mc phase [SEEDS [LAYDOWN [NATION [before]]]]  the warning
 *       picture (issue 12): per public scenario x seeds (default 23) the 95%
 *       containment of every scored prediction per phase, the first
 *       consistent and first 50-km picture, runs with a > 5 sigma
 *       prediction standing > 10 s; "before" trusts provisional predictions.
 *       MWX_BENCH_ONLY=SUBSTRING: only those scenarios; MWX_BENCH_VERBOSE=1:
 *       a line per seed; MWX_BENCH_TRACE=P: a line per scored prediction of
 *       phase P (0 boost end, 1 coast, 2 mid-course, 3 re-entry, -1 all;
 *       4: none), and the warning picture's CHAIN (which track's
 *       prediction it shows, when) and PICBREAK (the picture stops holding
 *       the truth: when, which track, d2) lines;
 *       MWX_BENCH_REWEIGHT=1: each cell also reweighted to the law of the
 *       truth's beta score (the seeds' draws are every cell's common luck);
 *       MWX_BENCH_BETA_SIGMA=X: the impact ellipse's
 *       sigma of ln beta (default MWX_ASSESS_BETA_SIGMA_LN; 0: the filter's
 *       own ellipse). MWX_BENCH_UKF=1: the tracker's filter the UKF instead of
 *       the EKF.  Experiments of the twelfth session (off by default in the
 *       library): MWX_BENCH_THRUST_VE=V: the boost model's thrust law
 *       da/dt = a^2 / V (thrust_ve_mps); diag takes it as well (the
 *       thrust-off-velocity allowances of that session were removed in the
 *       sixteenth: the thrust angle in the boost state replaced them).  Counted at the node's cadence (mwx_assess_run).
 *   phase and ellipse (b) fly each seed's truth with its own RV beta
 *       (mwx_sim_truth_draw_beta, sigma(ln beta) MWX_ASSESS_BETA_SIGMA_LN;
 *       MWX_BENCH_TRUTH_BETA_SIGMA=X another, 0 the class value).
 *   bench_track_mc diag SCENARIO SEED [NATION [EVERY_S]]  one run of one
 *       public scenario: every confirmed track near missile 0, its
 *       ballistic estimate against the truth (errors, 6-D NEES, impact d2)
 *       at its first 12 updates and every EVERY_S (default 60); the
 *       ballistic model flown from the truth; a ballistic EKF alone on the
 *       missile's plots from the truth at 600 s; the whitened residuals of
 *       the plots against the truth per sensor.
 *       MWX_BENCH_Q_BALLISTIC=X: the ballistic model's q (m^2/s^3);
 *       MWX_BENCH_DIAG_BETA=1: the EKF alone with ln beta in its state at its
 *       prior; MWX_BENCH_DIAG_IMM=1: ... through the two-model IMM;
 *       MWX_BENCH_DIAG_FROM_S=T: the lone filter starts from the tracker's
 *       ballistic estimate (x and P) at its first update >= T s after
 *       launch instead of the truth at 600 s (MWX_BENCH_DIAG_FROM_PSCALE=K:
 *       that P times K); MWX_BENCH_Q_BOOST=X: the boost model's q.
 *       MWX_BENCH_DIAG_POS=1: a "POS t nees_pos3 nees_vel3 d2" line under
 *       each tracker sample, and the lone filter's impact d2 (the truth's
 *       beta, sigma(ln beta) 0.3) and 3-D position NEES ("id2", "p3");
 *       MWX_BENCH_DIAG_FROM_LNBETA0=1 / MWX_BENCH_DIAG_FROM_DECOUPLE=1 (with
 *       MWX_BENCH_DIAG_FROM_S): the start's ln beta set to the truth's, or
 *       its thrust / ln beta / angle cross-terms with the kinematics zeroed;
 *       MWX_BENCH_DIAG_FROM_DIAG6=1: the tracker's 6x6 kinematic block
 *       reduced to its diagonal;
 *       MWX_BENCH_DIAG_FROM_TRUTH_X=1: the truth's position and velocity
 *       with the tracker's P (the start's error apart from its covariance);
 *       a FROM line gives the start's ln beta, its sigma and z either way.
 *       MWX_BENCH_DIAG_LONE_EVERY_S=T: the lone filter's line every T s
 *       (default 100); MWX_BENCH_DIAG_RES=1: a "RES sensor t_s z_range
 *       z_az z_el sigma_range_m sigma_az_deg" line per plot of missile 0
 *       (whitened against the truth).  MWX_BENCH_DIAG_VFRAME=1: a "VEL t along
 *       ... up ... lat ..." line under each sample: the ballistic velocity
 *       error on the truth's velocity, up-in-plane and lateral axes, its
 *       sigma and z, and the combined estimate's thrust (=2: the combined
 *       estimate's velocity instead of the ballistic one's).
 *       diag flies the class beta (no draw).
 *   bench_track_mc nees [SEEDS [NATION]]  the 6-D NEES of the tracker's
 *       ballistic estimate against the truth per phase (issue 12, sixth
 *       round): every public scenario (MWX_BENCH_ONLY) x seeds (default 23),
 *       the confirmed track nearest missile 0 every 10 s while it is
 *       ballistic; MWX_BENCH_Q_BALLISTIC=X as in diag.
 *   bench_track_mc crlb [SEEDS]     RMS error of the tracker's ballistic
 *       estimate against the posterior Cramer-Rao bound of the same plots,
 *       per nation and ALL, on the public 2022-10-04 and 2022-11-18
 *       scenarios (default 20 seeds).
 *
 * The bound: the Fisher information of the state at the evaluation time T
 * from every plot of that missile (the sim's truth label, evaluation only)
 * of the selected sensors in the window [t_a, T], J = sum G^T G with G the
 * Jacobian of the whitened residual (mwx_track_innovation with zero state
 * covariance) with respect to the state at T, by central differences
 * through free flight (mwx_ballistic_propagate, no drag: the filter's
 * model) - no prior and no process noise.  The window is the ballistic
 * flight the selected sensors see: 2022-10-04, from burnout + 5 s to
 * burnout + 60 s; 2022-11-18 (nothing sees the mid-course), the first
 * 40 s of the terminal-phase plots.  The filter's estimate also carries what
 * it learnt before the window (the boost), so a ratio below 1 is possible.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "track/linalg.h"
#include "track_testutil.h"
#include "fixture_bench.h"
#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/sim.h"
#include "mwx/track.h"

#define NS 1000000000LL

static double gauss(uint64_t *s) {
  double u[2];
  for (int i = 0; i < 2; i++) {
    *s += 0x9e3779b97f4a7c15ull;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    u[i] = (double)(z >> 11) / 9007199254740992.0;
  }
  if (u[0] < 1e-300)
    u[0] = 1e-300;
  return sqrt(-2.0 * log(u[0])) * cos(2.0 * M_PI * u[1]);
}

static double d2_of(const mwx_assess_point *ip, double lat, double lon) {
  mwx_geo_lla ref = {ip->lat_deg, ip->lon_deg, 0}, t = {lat, lon, 0};
  double p[3], enu[3];
  mwx_geo_ecef_from_lla(&t, p);
  mwx_geo_enu_from_ecef(&ref, p, enu);
  const double(*C)[2] = ip->cov_en_m2;
  double det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
  return (C[1][1] * enu[0] * enu[0] - 2 * C[0][1] * enu[0] * enu[1] + C[0][0] * enu[1] * enu[1]) / det;
}

static mwx_track_plot radar_plot(uint64_t *seed, const mwx_geo_lla *site, int64_t t_ns, const double pos[3],
                                 double sr, double sa) {
  mwx_track_plot p;
  memset(&p, 0, sizeof p);
  p.t_ns = t_ns;
  p.kind = MWX_TRACK_RADAR;
  memcpy(p.nation, "KOR", 4);
  p.sensor_lla = *site;
  double az, el, rg;
  mwx_geo_aer_from_ecef(site, pos, &az, &el, &rg);
  p.range_m = rg + sr * gauss(seed);
  p.az_deg = fmod(az + sa * gauss(seed) + 360.0, 360.0);
  p.el_deg = el + sa * gauss(seed);
  p.sigma_range_m = sr;
  p.sigma_az_deg = p.sigma_el_deg = sa;
  return p;
}

/* (a) one radar, ballistic EKF, true beta: the filter's own consistency. */
static void ellipse_filter(int runs) {
  const mwx_geo_lla radar = {37.5, 128.5, 500.0};
  mwx_ballistic_launch L;
  memset(&L, 0, sizeof L);
  L.lat_deg = 39.2;
  L.lon_deg = 125.67;
  L.heading_deg = 80.0;
  mwx_ballistic_vehicle_default(MWX_CLASS_IRBM, &L.veh);
  mwx_ballistic_traj tr;
  memset(&tr, 0, sizeof tr);
  if (mwx_ballistic_fly(&L, 1.0, &tr))
    return;
  mwx_track_filter_cfg cfg;
  mwx_track_filter_cfg_default(&cfg);
  int inside = 0, n = 0;
  double sum_d2 = 0;
  for (int r = 0; r < runs; r++) {
    uint64_t seed = 77000 + (uint64_t)r;
    double t0 = tr.fig.burnout_time_s + 20.0, xt[6];
    mwx_ballistic_traj_state_at(&tr, t0, xt, xt + 3, NULL);
    mwx_track_est e;
    memset(&e, 0, sizeof e);
    e.t_ns = (int64_t)(t0 * NS);
    for (int i = 0; i < 3; i++) {
      e.x[i] = xt[i] + 1000.0 * gauss(&seed);
      e.x[3 + i] = xt[3 + i] + 50.0 * gauss(&seed);
      e.P[i][i] = 1e6;
      e.P[3 + i][3 + i] = 2500.0;
    }
    e.P[6][6] = 1e-4;
    for (double t = t0 + 4.0; t <= t0 + 120.0; t += 4.0) {
      mwx_ballistic_traj_state_at(&tr, t, xt, xt + 3, NULL);
      int64_t tn = (int64_t)llround(t * NS);
      mwx_track_predict(&cfg, MWX_TRACK_BALLISTIC, &e, tn);
      double az, el, rg;
      mwx_geo_aer_from_ecef(&radar, xt, &az, &el, &rg);
      if (el <= 1.0)
        continue;
      mwx_track_plot p = radar_plot(&seed, &radar, tn, xt, 30.0, 0.03);
      mwx_track_update(&cfg, &e, &p, NULL, NULL);
    }
    double x[6], P[6][6];
    for (int i = 0; i < 6; i++) {
      x[i] = e.x[i];
      for (int j = 0; j < 6; j++)
        P[i][j] = e.P[i][j];
    }
    mwx_assess_point ip;
    if (mwx_assess_impact(x, P, e.t_ns, L.veh.beta_rv_kgpm2, MWX_ASSESS_MAX_FLIGHT_S, &ip))
      continue;
    double d2 = d2_of(&ip, tr.fig.impact_lat_deg, tr.fig.impact_lon_deg);
    inside += d2 <= MWX_ASSESS_CHI2_95_2D;
    sum_d2 += d2;
    n++;
  }
  printf("ellipse (a) one radar, ballistic EKF, true beta: %d runs, truth inside the 95%% ellipse in %d "
         "(%.1f%%), mean d2 %.2f (2 expected)\n",
         n, inside, 100.0 * inside / (n ? n : 1), sum_d2 / (n ? n : 1));
  mwx_ballistic_traj_fini(&tr);
}

/* Loads scenarios/NAME.json (run from the source tree) and its truth at a
 * 1 s step; says why not on stderr and returns -1 if it cannot. */
static int load_scenario(const char *name, mwx_sim_scenario *sc, mwx_sim_truth *truth) {
  char path[256];
  snprintf(path, sizeof path, "scenarios/%s.json", name);
  memset(sc, 0, sizeof *sc);
  memset(truth, 0, sizeof *truth);
  if (mwx_sim_scenario_load(path, sc) || mwx_sim_truth_init(truth, sc, 1.0)) {
    fprintf(stderr, "bench_track_mc: %s: %s (run from the source tree)\n", path, mwx_error_msg());
    mwx_sim_scenario_fini(sc);
    return -1;
  }
  return 0;
}

/* The truth's RV beta for seed s: drawn per flight with sigma(ln beta)
 * MWX_ASSESS_BETA_SIGMA_LN (mwx_sim_truth_draw_beta), or
 * MWX_BENCH_TRUTH_BETA_SIGMA=X (0: the class value, the bench before the
 * draw). */
static double truth_beta_sigma(void) {
  const char *e = getenv("MWX_BENCH_TRUTH_BETA_SIGMA");
  return e ? atof(e) : MWX_ASSESS_BETA_SIGMA_LN;
}

static int draw_beta(mwx_sim_truth *truth, int seed) {
  if (mwx_sim_truth_draw_beta(truth, (uint64_t)seed, truth_beta_sigma())) {
    fprintf(stderr, "bench_track_mc: %s\n", mwx_error_msg());
    return -1;
  }
  return 0;
}

static const char *PUBLIC[] = {
    "2017-07-04-hwasong14", "2017-08-29-hwasong12", "2017-11-29-hwasong15",
    "2022-03-24-hwasong17", "2022-10-04-hwasong12", "2022-10-14-srbm",
    "2022-11-18-hwasong17", "2023-02-18-hwasong15", "2023-03-16-hwasong17",
};
#define N_PUBLIC (sizeof PUBLIC / sizeof PUBLIC[0])

/* (b) end to end, every public scenario, ALL. */
static void ellipse_e2e(int runs) {
  int seeds = (runs + (int)N_PUBLIC - 1) / (int)N_PUBLIC;
  for (int with_beta = 1; with_beta >= 0; with_beta--) {
    int inside = 0, n = 0;
    double sum_d2 = 0;
    printf("ellipse (b) end to end, ALL, EKF, %s beta term, truth sigma(ln beta) %.2f, seeds 1-%d:\n",
           with_beta ? "the" : "no", truth_beta_sigma(), seeds);
    for (size_t f = 0; f < N_PUBLIC; f++) {
      mwx_sim_scenario sc;
      mwx_sim_truth truth;
      if (load_scenario(PUBLIC[f], &sc, &truth))
        return;
      int fin = 0, fn = 0;
      for (int s = 1; s <= seeds; s++) {
        mwx_assess_run_opts o;
        mwx_assess_run_opts_default(&o);
        o.seed = (uint64_t)s;
        o.beta_rel_sigma = with_beta ? MWX_ASSESS_BETA_SIGMA_LN : 0.0;
        if (draw_beta(&truth, s))
          continue;
        mwx_assess_run_result r;
        memset(&r, 0, sizeof r);
        if (mwx_assess_run(&sc, &truth, &o, &r))
          continue;
        for (size_t k = 0; k < r.n; k++) {
          if (!r.m[k].has_impact)
            continue;
          double d2 = d2_of(&r.m[k].impact, truth.traj[k].fig.impact_lat_deg, truth.traj[k].fig.impact_lon_deg);
          fin += d2 <= MWX_ASSESS_CHI2_95_2D;
          fn++;
          sum_d2 += fmin(d2, 100.0);
        }
        mwx_assess_run_fini(&r);
      }
      printf("  %-22s inside %d of %d\n", PUBLIC[f], fin, fn);
      inside += fin;
      n += fn;
      mwx_sim_truth_fini(&truth);
      mwx_sim_scenario_fini(&sc);
    }
    printf("  all: truth inside the 95%% ellipse in %d of %d (%.1f%%), mean d2 (each capped at 100) %.2f\n", inside,
           n, 100.0 * inside / (n ? n : 1), sum_d2 / (n ? n : 1));
  }
}

/* ---- warning picture per phase (issue 12) ------------------------------ */

/* A cell's containment in/n outside binomial noise about 95%: the
 * fraction taken over nf effective samples (the flights: the predictions of
 * one flight share its beta and its track, so they are not independent; the
 * flights are the least the cell can be worth) lies outside the central 95%
 * of Binomial(nf, 0.95) (each tail <= 2.5%).  With 23 flights that range is
 * 19-23 of 23 (82.6-100%; P(K <= 18) = 0.5%, P(K <= 19) = 2.6%): a
 * calibrated ellipse lands in it 99.5% of the time, and in the target's
 * 93-97% (22 of 23) only 37%. */
static int binom_miss(size_t in, size_t n, size_t nf) {
  if (!n || !nf)
    return 0;
  double pmf[512], k = (double)in / (double)n * (double)nf;
  if (nf >= 512)
    nf = 511;
  for (size_t j = 0; j <= nf; j++)
    pmf[j] = exp(lgamma((double)nf + 1) - lgamma((double)j + 1) - lgamma((double)(nf - j) + 1) + (double)j * log(0.95) +
                 (double)(nf - j) * log(0.05));
  double cl = 0, ch = 0;
  size_t lo = 0, hi = nf;
  while (lo < nf && cl + pmf[lo] <= 0.025)
    cl += pmf[lo++];
  while (hi > 0 && ch + pmf[hi] <= 0.025)
    ch += pmf[hi--];
  return k < (double)lo - 1e-9 || k > (double)hi + 1e-9;
}

static double nees(const double *d, const double P[MWX_TRACK_NX][MWX_TRACK_NX], int n);

/* MWX_BENCH_TRACE=P: a line per scored prediction of phase P (-1: every
 * phase), mwx_assess_run_opts.pred_fn: time, phase, the truth's d2 from the
 * ellipse, the track, its IMM and burnout evidence, the 3-D position and
 * velocity NEES of the estimate it predicted from against the truth, the
 * ellipse's semi-axes. */
typedef struct trace_ctx {
  const mwx_sim_truth *truth;
  int seed, phase;
} trace_ctx;

/* East/north (m) of ground point (lat, lon) from the impact's mean point. */
static int en_from(const mwx_assess_point *ip, double lat, double lon, double en[2]) {
  mwx_geo_lla ref = {ip->lat_deg, ip->lon_deg, 0}, t = {lat, lon, 0};
  double p[3], enu[3];
  if (mwx_geo_ecef_from_lla(&t, p) || mwx_geo_enu_from_ecef(&ref, p, enu))
    return -1;
  en[0] = enu[0];
  en[1] = enu[1];
  return 0;
}

static double d2_2(const double C[2][2], const double v[2]) {
  double det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
  return det > 0 ? (C[1][1] * v[0] * v[0] - 2 * C[0][1] * v[0] * v[1] + C[0][0] * v[1] * v[1]) / det : NAN;
}

/* MWX_BENCH_TRACE_SPLIT=1 (with MWX_BENCH_TRACE): a "SPLIT" line under each
 * TRACE line (issue 12, twenty-second session): the miss (truth's impact
 * minus the predicted mean) in the ellipse's axes (z along the major and
 * the minor axis, the major axis' angle from the along-track bearing
 * launch -> impact), and split into its parts: the state's (the impact of
 * the truth's state at the estimate's time minus that of the estimate, both
 * flown with the prediction's median beta: the state error carried to the
 * ground) against the ellipse's state part (its d2 there, 2 dof), beta's
 * (the truth's impact minus the impact of the truth's state flown with the
 * median beta) against the rest of the ellipse (its z along that part's
 * main axis), and the mean's offset (the predicted mean minus the
 * estimate's own impact: the sigma points' and beta nodes' averaging). */
static void trace_split(const trace_ctx *c, size_t k, double t_s, double d2, const mwx_track_est *e,
                        const mwx_sim_truth_state *st, const mwx_assess *a) {
  double xe[6], xt[6], P0[6][6] = {{0}};
  for (int i = 0; i < 6; i++) {
    xe[i] = e->x[i];
    P0[i][i] = i < 3 ? 1e-4 : 1e-8;
  }
  memcpy(xt, st->pos_ecef_m, 3 * sizeof *xt);
  memcpy(xt + 3, st->vel_ecef_mps, 3 * sizeof *xt);
  mwx_assess_point pe, pt;
  if (mwx_assess_impact(xe, P0, e->t_ns, a->beta_kgpm2, 8000.0, &pe) ||
      mwx_assess_impact(xt, P0, e->t_ns, a->beta_kgpm2, 8000.0, &pt)) {
    mwx_error_clear();
    return;
  }
  const mwx_sim_truth *tr = c->truth;
  double tlat = tr->traj[k].fig.impact_lat_deg, tlon = tr->traj[k].fig.impact_lon_deg;
  double m[2], ve[2], vt[2];
  if (en_from(&a->impact, tlat, tlon, m) || en_from(&a->impact, pe.lat_deg, pe.lon_deg, ve) ||
      en_from(&a->impact, pt.lat_deg, pt.lon_deg, vt))
    return;
  const double(*C)[2] = a->impact.cov_en_m2, (*S)[2] = a->impact_state_cov_en_m2;
  double B[2][2] = {{C[0][0] - S[0][0], C[0][1] - S[0][1]}, {C[1][0] - S[1][0], C[1][1] - S[1][1]}};
  double tc = C[0][0] + C[1][1], dc = sqrt(fmax(0.0, 0.25 * (C[0][0] - C[1][1]) * (C[0][0] - C[1][1]) + C[0][1] * C[0][1]));
  double l1 = 0.5 * tc + dc, l2 = 0.5 * tc - dc, th = 0.5 * atan2(2 * C[0][1], C[0][0] - C[1][1]);
  double u[2] = {cos(th), sin(th)}, w[2] = {-sin(th), cos(th)}; /* east/north components */
  double z1 = (u[0] * m[0] + u[1] * m[1]) / sqrt(l1), z2 = (w[0] * m[0] + w[1] * m[1]) / sqrt(fmax(l2, 1e-9));
  /* the along-track bearing, launch -> true impact, and the major axis' (from north, clockwise) */
  double la0 = tr->launch[k].lat_deg * MWX_DEG2RAD, lo0 = tr->launch[k].lon_deg * MWX_DEG2RAD;
  double la1 = tlat * MWX_DEG2RAD, lo1 = tlon * MWX_DEG2RAD;
  double brg = atan2(sin(lo1 - lo0) * cos(la1), cos(la0) * sin(la1) - sin(la0) * cos(la1) * cos(lo1 - lo0));
  double ang = fmod((atan2(u[0], u[1]) - brg) / MWX_DEG2RAD + 720.0, 180.0);
  if (ang > 90.0)
    ang -= 180.0;
  double ds[2] = {vt[0] - ve[0], vt[1] - ve[1]}, db[2] = {m[0] - vt[0], m[1] - vt[1]};
  double d2s = d2_2(S, ds);
  double tb = B[0][0] + B[1][1], dbb = sqrt(fmax(0.0, 0.25 * (B[0][0] - B[1][1]) * (B[0][0] - B[1][1]) + B[0][1] * B[0][1]));
  double lb = 0.5 * tb + dbb, thb = 0.5 * atan2(2 * B[0][1], B[0][0] - B[1][1]);
  double zb = lb > 0 ? (cos(thb) * db[0] + sin(thb) * db[1]) / sqrt(lb) : NAN;
  double sd1 = sqrt(u[0] * (S[0][0] * u[0] + S[0][1] * u[1]) + u[1] * (S[1][0] * u[0] + S[1][1] * u[1]));
  double sd2 = sqrt(w[0] * (S[0][0] * w[0] + S[0][1] * w[1]) + w[1] * (S[1][0] * w[0] + S[1][1] * w[1]));
  printf("    SPLIT seed %2d t %6.0f d2 %7.2f z_maj %6.2f z_min %6.2f maj_from_track %6.1f deg sd_maj %.0f m "
         "(state %.0f) sd_min %.0f m (state %.0f) state: %.0f,%.0f m d2s %7.2f  beta: %.0f,%.0f m zb %6.2f "
         "(sd %.0f m)  mean_off %.0f,%.0f m  est h %.1f km at %.1f s\n",
         c->seed, t_s, d2, z1, z2, ang, sqrt(l1), sd1, sqrt(fmax(l2, 0)), sd2, ds[0], ds[1], d2s, db[0], db[1], zb,
         sqrt(fmax(lb, 0)), -ve[0], -ve[1], st->lla.h_m * 1e-3, st->t_s);
}

/* ord[0..n-1] = the indices of lam, smallest first. */
static void eig_order(const double *lam, int *ord, int n) {
  for (int i = 0; i < n; i++)
    ord[i] = i;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (lam[ord[j]] < lam[ord[i]]) {
        int t = ord[i];
        ord[i] = ord[j];
        ord[j] = t;
      }
}

/* The truth's velocity frame: u[0] along its velocity, u[1] up in its
 * vertical plane, u[2] lateral (u[0] x u[1]); -1 at the origin or at rest. */
static int truth_vframe(const mwx_sim_truth_state *st, double u[3][3]) {
  double r = 0, sp = 0, w = 0, nn = 0;
  for (int i = 0; i < 3; i++) {
    r += st->pos_ecef_m[i] * st->pos_ecef_m[i];
    sp += st->vel_ecef_mps[i] * st->vel_ecef_mps[i];
  }
  r = sqrt(r);
  sp = sqrt(sp);
  if (!(r > 0) || !(sp > 0))
    return -1;
  for (int i = 0; i < 3; i++) {
    u[0][i] = st->vel_ecef_mps[i] / sp;
    w += st->pos_ecef_m[i] / r * u[0][i];
  }
  for (int i = 0; i < 3; i++) {
    u[1][i] = st->pos_ecef_m[i] / r - w * u[0][i];
    nn += u[1][i] * u[1][i];
  }
  for (int i = 0; i < 3; i++)
    u[1][i] /= sqrt(nn);
  u[2][0] = u[0][1] * u[1][2] - u[0][2] * u[1][1];
  u[2][1] = u[0][2] * u[1][0] - u[0][0] * u[1][2];
  u[2][2] = u[0][0] * u[1][1] - u[0][1] * u[1][0];
  return 0;
}

/* MWX_BENCH_TRACE_VFRAME=1 (with MWX_BENCH_TRACE): a "VFR" line under each
 * TRACE line (issue 12, twenty-second session, acc12b): the state's position
 * and velocity errors on the truth's along-velocity, up-in-plane and lateral
 * axes, each over the estimate's own sigma on that axis (z; a consistent
 * state has E[z^2] = 1 on every axis), and those sigmas. */
static void trace_vframe(const trace_ctx *c, double t_s, int ph, const mwx_track_est *e,
                         const mwx_sim_truth_state *st) {
  double u[3][3];
  if (truth_vframe(st, u))
    return;
  double z[6], sd[6];
  for (int blk = 0; blk < 2; blk++)
    for (int a = 0; a < 3; a++) {
      double d = 0, v = 0;
      for (int i = 0; i < 3; i++) {
        d += u[a][i] * (e->x[3 * blk + i] - (blk ? st->vel_ecef_mps[i] : st->pos_ecef_m[i]));
        for (int j = 0; j < 3; j++)
          v += u[a][i] * e->P[3 * blk + i][3 * blk + j] * u[a][j];
      }
      sd[3 * blk + a] = sqrt(fmax(v, 0.0));
      z[3 * blk + a] = v > 0 ? d / sd[3 * blk + a] : NAN;
    }
  printf("    VFR seed %2d t %6.0f ph %d zp %6.2f %6.2f %6.2f zv %6.2f %6.2f %6.2f sdp %.1f %.1f %.1f m sdv %.3f %.3f %.3f m/s",
         c->seed, t_s, ph, z[0], z[1], z[2], z[3], z[4], z[5], sd[0], sd[1], sd[2], sd[3], sd[4], sd[5]);
  /* ... and on the eigenvectors of the 6-D covariance (velocity in m/s x
   * 100 s), smallest eigenvalue first: z_i = v_i . e / sqrt(lambda_i), whose
   * squares sum to the 6-D NEES; the direction's share of velocity in [] */
  double A[6][6], V[6][6], d6[6];
  for (int i = 0; i < 3; i++) {
    d6[i] = e->x[i] - st->pos_ecef_m[i];
    d6[3 + i] = 100.0 * (e->x[3 + i] - st->vel_ecef_mps[i]);
  }
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      A[i][j] = (i < 3 ? 1.0 : 100.0) * (j < 3 ? 1.0 : 100.0) * e->P[i][j];
  double lam[6];
  la_eig_sym(&A[0][0], lam, &V[0][0], 6);
  int ord[6];
  eig_order(lam, ord, 6);
  printf(" eig");
  for (int r = 0; r < 6; r++) {
    int k = ord[r];
    double pr = 0, vs = 0;
    for (int i = 0; i < 6; i++) {
      pr += V[i][k] * d6[i];
      if (i >= 3)
        vs += V[i][k] * V[i][k];
    }
    printf(" %.2f[%.2f]", lam[k] > 0 ? pr / sqrt(lam[k]) : NAN, vs);
  }
  printf("\n");
}

static void trace_pred(void *ctx, size_t k, double t_s, int ph, double d2, const mwx_track_info *in,
                       const mwx_assess *a) {
  const trace_ctx *c = ctx;
  if (c->phase >= 0 && ph != c->phase)
    return;
  const mwx_track_est *e = in->p_ballistic >= 0.9 ? &in->ballistic : &in->est;
  mwx_sim_truth_state st;
  double np = NAN, nv = NAN, ev = NAN;
  if (!mwx_sim_truth_at(c->truth, k, e->t_ns, &st) && st.in_flight) {
    double d[6], Pv[MWX_TRACK_NX][MWX_TRACK_NX] = {{0}};
    for (int i = 0; i < 3; i++) {
      d[i] = e->x[i] - st.pos_ecef_m[i];
      d[3 + i] = e->x[3 + i] - st.vel_ecef_mps[i];
      for (int j = 0; j < 3; j++)
        Pv[i][j] = e->P[3 + i][3 + j];
    }
    np = nees(d, e->P, 3);
    nv = nees(d + 3, Pv, 3);
    ev = sqrt(d[3] * d[3] + d[4] * d[4] + d[5] * d[5]);
  }
  double quiet = in->t_quiet_ns ? (double)(in->t_last_ns - in->t_quiet_ns) * 1e-9 : -1;
  double thr = in->t_powered_ns ? (double)(in->t_last_ns - in->t_powered_ns) * 1e-9 : -1;
  printf("    TRACE seed %2d t %6.0f ph %d d2 %7.2f trk %3u hits %4d pb %.4f coast %d quiet %6.1f/%3d since_thr %6.1f "
         "thrust %.2f+-%.2f nees_pos %7.2f nees_vel %7.2f dv %6.2f m/s sd_v %6.2f ell %.1fx%.1f km beta %.0f info %.2f\n",
         c->seed, t_s, ph, d2, in->id, in->hits, in->p_ballistic, in->coasting, quiet, in->quiet_plots, thr,
         in->thrust_mps2, in->thrust_sd_mps2, np, nv, ev, sqrt(e->P[3][3] + e->P[4][4] + e->P[5][5]),
         a->impact.major_km, a->impact.minor_km, a->beta_kgpm2, a->beta_info_share);
  if (getenv("MWX_BENCH_TRACE_SPLIT") && !isnan(np))
    trace_split(c, k, t_s, d2, e, &st, a);
  if (getenv("MWX_BENCH_TRACE_VFRAME") && !isnan(np))
    trace_vframe(c, t_s, ph, e, &st);
}

/* MWX_BENCH_NEES_BINS=1 (issue 12, twenty-sixth session): the state the
 * scored predictions were made from (the ballistic model's estimate once
 * p_ballistic >= 0.9, as mwx_assess_track takes it) against the truth, per
 * phase and, in re-entry, per band of the truth's height: per axis of the
 * truth's velocity frame (along, up in its vertical plane, lateral) the mean
 * z and E[z^2] of position and velocity, ln beta's (the truth's drawn RV
 * against the state's ln(beta / beta_ref)), the 3-D position / velocity and
 * 7-D (position, velocity, ln beta) NEES, and the 7-D error's E[z^2] along
 * the covariance's eigenvectors (position m, velocity m/s x 10 s, ln beta x
 * 1e4; smallest eigenvalue first): which state directions are overconfident.
 * Printed under the scenario's table line. */
enum { NB_BANDS = 10 }; /* 0-3: boost end, coast, mid-course, re-entry above 100 km;
                           4-8: re-entry 100-75, 75-50, 50-30, 30-15, 15-0 km; 9: mid-course
                           coming down below 300 km (counted in 2 too) */
typedef struct nb_acc {
  double n[NB_BANDS], z[NB_BANDS][7], z2[NB_BANDS][7], np[NB_BANDS], nv[NB_BANDS], n7[NB_BANDS], ez2[NB_BANDS][7];
} nb_acc;
typedef struct nb_ctx {
  const mwx_sim_truth *truth;
  nb_acc *acc;
  trace_ctx *trace; /* MWX_BENCH_TRACE as well: its lines */
} nb_ctx;

static void nb_pred(void *ctx, size_t k, double t_s, int ph, double d2, const mwx_track_info *in,
                    const mwx_assess *a) {
  nb_ctx *c = ctx;
  if (c->trace)
    trace_pred(c->trace, k, t_s, ph, d2, in, a);
  if (k != 0 || ph < 0 || ph >= MWX_ASSESS_N_PHASE)
    return;
  const mwx_track_est *e = in->p_ballistic >= 0.9 ? &in->ballistic : &in->est;
  mwx_sim_truth_state st;
  if (mwx_sim_truth_at(c->truth, k, e->t_ns, &st) || !st.in_flight)
    return;
  int band = ph;
  if (ph == MWX_ASSESS_PH_REENTRY) {
    double h = st.lla.h_m;
    band = h >= 100e3 ? 3 : h >= 75e3 ? 4 : h >= 50e3 ? 5 : h >= 30e3 ? 6 : h >= 15e3 ? 7 : 8;
  }
  double u[3][3];
  if (truth_vframe(&st, u))
    return;
  int late = ph == MWX_ASSESS_PH_MIDCOURSE && st.lla.h_m < 300e3 && (st.vel_ecef_mps[0] * st.pos_ecef_m[0] +
             st.vel_ecef_mps[1] * st.pos_ecef_m[1] + st.vel_ecef_mps[2] * st.pos_ecef_m[2]) < 0;
  double beta_ref = in->beta_ref_kgpm2 > 0 ? in->beta_ref_kgpm2 : MWX_TRACK_BETA_RV_KGPM2;
  double d7[7], P7[MWX_TRACK_NX][MWX_TRACK_NX] = {{0}};
  static const int idx[7] = {0, 1, 2, 3, 4, 5, 7};
  for (int i = 0; i < 3; i++) {
    d7[i] = e->x[i] - st.pos_ecef_m[i];
    d7[3 + i] = e->x[3 + i] - st.vel_ecef_mps[i];
  }
  d7[6] = e->x[7] - log(c->truth->launch[k].veh.beta_rv_kgpm2 / beta_ref);
  for (int i = 0; i < 7; i++)
    for (int j = 0; j < 7; j++)
      P7[i][j] = e->P[idx[i]][idx[j]];
  double z[7];
  for (int blk = 0; blk < 2; blk++)
    for (int ax = 0; ax < 3; ax++) {
      double d = 0, v = 0;
      for (int i = 0; i < 3; i++) {
        d += u[ax][i] * d7[3 * blk + i];
        for (int j = 0; j < 3; j++)
          v += u[ax][i] * P7[3 * blk + i][3 * blk + j] * u[ax][j];
      }
      z[3 * blk + ax] = v > 0 ? d / sqrt(v) : NAN;
    }
  z[6] = P7[6][6] > 0 ? d7[6] / sqrt(P7[6][6]) : NAN;
  double Pv[MWX_TRACK_NX][MWX_TRACK_NX] = {{0}};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      Pv[i][j] = P7[3 + i][3 + j];
  double np = nees(d7, P7, 3), nv = nees(d7 + 3, Pv, 3), n7 = P7[6][6] > 0 ? nees(d7, P7, 7) : NAN;
  static const double sc[7] = {1, 1, 1, 10, 10, 10, 1e4};
  double A[7][7], V[7][7], lam[7], ds[7];
  for (int i = 0; i < 7; i++) {
    ds[i] = sc[i] * d7[i];
    for (int j = 0; j < 7; j++)
      A[i][j] = sc[i] * sc[j] * P7[i][j];
  }
  la_eig_sym(&A[0][0], lam, &V[0][0], 7);
  int ord[7];
  eig_order(lam, ord, 7);
  for (int i = 0; i < 7; i++)
    if (!isfinite(z[i]))
      return;
  if (!isfinite(np) || !isfinite(nv) || !isfinite(n7))
    return;
  nb_acc *q = c->acc;
  for (int pass = 0; pass < 1 + late; pass++, band = 9) {
    q->n[band] += 1;
    for (int i = 0; i < 7; i++) {
      q->z[band][i] += z[i];
      q->z2[band][i] += z[i] * z[i];
      int kk = ord[i];
      double pr = 0;
      for (int j = 0; j < 7; j++)
        pr += V[j][kk] * ds[j];
      q->ez2[band][i] += lam[kk] > 0 ? pr * pr / lam[kk] : 0;
    }
    q->np[band] += np;
    q->nv[band] += nv;
    q->n7[band] += n7;
  }
}

static void nb_print(const nb_acc *q) {
  static const char *bn[NB_BANDS] = {"boost end", "coast", "mid-course", "re-entry >100", "re 100-75",
                                     "re 75-50", "re 50-30", "re 30-15", "re 15-0", "mc down <300"};
  for (int b = 0; b < NB_BANDS; b++) {
    if (!q->n[b])
      continue;
    double n = q->n[b];
    printf("    nees %-13s n %5.0f pos a/u/l z %+5.2f %+5.2f %+5.2f z2 %5.2f %5.2f %5.2f | vel z %+5.2f %+5.2f %+5.2f "
           "z2 %5.2f %5.2f %5.2f | lnb z %+5.2f z2 %5.2f | P3 %5.2f V3 %5.2f N7 %5.2f | eig z2",
           bn[b], n, q->z[b][0] / n, q->z[b][1] / n, q->z[b][2] / n, q->z2[b][0] / n, q->z2[b][1] / n,
           q->z2[b][2] / n, q->z[b][3] / n, q->z[b][4] / n, q->z[b][5] / n, q->z2[b][3] / n, q->z2[b][4] / n,
           q->z2[b][5] / n, q->z[b][6] / n, q->z2[b][6] / n, q->np[b] / n, q->nv[b] / n, q->n7[b] / n);
    for (int i = 0; i < 7; i++)
      printf(" %.2f", q->ez2[b][i] / n);
    printf("\n");
  }
}

/* MWX_BENCH_TRACE (any value): the warning picture over time
 * (mwx_assess_run_opts.pic_fn), missile 0.  A "CHAIN" line per stretch in
 * which the picture shows one track's predictions: the track, from / to
 * (seconds after launch), the steps it held and of those inside the 95%
 * ellipse, the d2 range, the latest prediction's made_s and ellipse; a
 * "PICBREAK" line each time the picture's prediction stops holding the truth
 * (consistent -> not, or none -> not): when, which track, its made_s, d2,
 * error, ellipse, and the track the picture showed the step before. */
typedef struct pic_trace {
  int seed, open, cons;      /* a stretch is open; the last step's picture consistent */
  uint32_t trk;              /* the stretch's track */
  double from_s, to_s, d2_lo, d2_hi, made_s, maj, min;
  int steps, inside, standing_max; /* ... and the most standing predictions it was chosen among */
  /* over the whole flight: the first consistent picture at the 99% ellipse
     (d2 <= 9.21) as the run's at the 95% (a diagnosis of how far the
     picture's misses lie), and the steps after 340 s with one, outside */
  int has99;
  double cons99_s;
  long n_after, out_after;
} pic_trace;

static void chain_flush(pic_trace *c) {
  if (!c->open)
    return;
  printf("    CHAIN seed %2d trk %3u from %6.0f to %6.0f steps %5d inside %5d d2 %.2f-%.2f made %6.0f ell %.1fx%.1f km standing %d\n",
         c->seed, c->trk, c->from_s, c->to_s, c->steps, c->inside, c->d2_lo, c->d2_hi, c->made_s, c->maj, c->min,
         c->standing_max);
  c->open = 0;
}

static void trace_pic(void *ctx, size_t k, double t_s, const mwx_assess_picture *p) {
  pic_trace *c = ctx;
  if (k != 0)
    return;
  if (!p->has) {
    chain_flush(c);
    c->cons = 0;
    return;
  }
  int in = p->d2 <= MWX_ASSESS_CHI2_95_2D;
  if (!(p->d2 <= 9.2103)) /* chi-square 2 dof, p = 0.99 */
    c->has99 = 0;
  else if (!c->has99) {
    c->has99 = 1;
    c->cons99_s = t_s;
  }
  if (t_s > 340.0) {
    c->n_after++;
    c->out_after += !in;
  }
  if (!in && (c->cons || !c->open || c->trk != p->track_id))
    printf("    PICBREAK seed %2d t %6.0f trk %3u made %6.0f d2 %8.2f err %7.1f km ell %.1fx%.1f km standing %d "
           "before trk %3d%s\n", c->seed, t_s, p->track_id, p->made_s, p->d2, p->err_km, p->impact.major_km,
           p->impact.minor_km, p->n_standing, c->open ? (int)c->trk : -1, c->cons ? " (was consistent)" : "");
  if (c->open && c->trk != p->track_id)
    chain_flush(c);
  if (!c->open) {
    c->open = 1;
    c->trk = p->track_id;
    c->from_s = t_s;
    c->steps = c->inside = c->standing_max = 0;
    c->d2_lo = INFINITY;
    c->d2_hi = 0;
  }
  c->to_s = t_s;
  c->steps++;
  c->inside += in;
  if (p->n_standing > c->standing_max)
    c->standing_max = p->n_standing;
  c->d2_lo = fmin(c->d2_lo, p->d2);
  c->d2_hi = fmax(c->d2_hi, p->d2);
  c->made_s = p->made_s;
  c->maj = p->impact.major_km;
  c->min = p->impact.minor_km;
  c->cons = in;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Every public scenario x seeds 1..SEEDS with one nation's sensors (ALL,
 * JPN, ...) on a laydown (default, legacy): the 95% containment of every
 * scored prediction per phase, the first consistent / 50-km picture (median
 * and range over the seeds that have one), the runs in which a prediction
 * stood > 10 s with the truth beyond 5 sigma, and the worst error.  trust: 1
 * scores provisional predictions as warnings (the behaviour before). */
static void phase_bench(int seeds, const char *laydown, const char *nation, int trust) {
  static const char *phn[MWX_ASSESS_N_PHASE] = {"boost end", "coast", "mid-course", "re-entry"};
  size_t tot_in[MWX_ASSESS_N_PHASE] = {0}, tot_n[MWX_ASSESS_N_PHASE] = {0}, tot_fl[MWX_ASSESS_N_PHASE] = {0};
  int tty = isatty(2);
  printf("phase: %s, laydown %s, %s, truth sigma(ln beta) %.2f, %s, seeds 1-%d\n", nation, laydown,
         trust ? "provisional predictions trusted (before)" : "provisional predictions not warnings",
         truth_beta_sigma(), getenv("MWX_BENCH_NO_TRACK_BETA") ? "no beta in the track's state (before)"
                                                                : "beta in the track's state", seeds);
  printf("  %-22s %18s %18s %18s %18s %17s %17s %5s %7s  %s\n", "scenario", phn[0], phn[1], phn[2], phn[3],
         "consistent_s", "50km_s", ">5sig", "worst", "class (seeds)");
  const char *only = getenv("MWX_BENCH_ONLY"); /* a scenario-name substring: only those */
  int beta_z_said = 0;
  for (size_t f = 0; f < N_PUBLIC; f++) {
    mwx_sim_scenario sc;
    mwx_sim_truth truth;
    if (only && !strstr(PUBLIC[f], only))
      continue;
    if (load_scenario(PUBLIC[f], &sc, &truth))
      return;
    if (mwx_sim_scenario_use_sensors(&sc, laydown)) {
      fprintf(stderr, "bench_track_mc: %s\n", mwx_error_msg());
      return;
    }
    size_t in[MWX_ASSESS_N_PHASE] = {0}, n[MWX_ASSESS_N_PHASE] = {0};
    double z2a[MWX_ASSESS_N_PHASE] = {0}, z2b[MWX_ASSESS_N_PHASE] = {0}, bsh[MWX_ASSESS_N_PHASE] = {0};
    size_t nfl_ok[MWX_ASSESS_N_PHASE] = {0}; /* flights with a prediction in the phase */
    static nb_acc nba;
    memset(&nba, 0, sizeof nba);
    double *cons = calloc((size_t)seeds, sizeof *cons), *c50 = calloc((size_t)seeds, sizeof *c50);
    int ncons = 0, n50 = 0, bad5 = 0, ncls[MWX_CLASS_ICBM + 1] = {0};
    double worst = 0;
    /* the truth's RV beta draws as standard scores about the class value
     * (the same scores in every scenario: each seed's draw for missile 0
     * comes from the seed's own stream), said once: a cell whose ellipse
     * is ln-beta-dominated (mid-course, re-entry) misses with the flights
     * drawn in the low tail, so its 23 flights' scores are its noise */
    double beta_class = 0, zs = 0, zs2 = 0;
    int zlo = 0, zhi = 0, zn = 0;
    if (truth_beta_sigma() > 0 && !mwx_sim_truth_draw_beta(&truth, 1, 0.0))
      beta_class = truth.launch[0].veh.beta_rv_kgpm2;
    /* MWX_BENCH_REWEIGHT=1: each cell's containment also with its flights
     * reweighted to the beta score's own law N(0, 1) (bins of the score;
     * bins without a flight left out and the rest renormalised): what the
     * cell would be were its flights' draws not the luck of these seeds */
    static const double zedge[] = {-9, -2.5, -2, -1.75, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 9};
    enum { NZB = sizeof zedge / sizeof zedge[0] - 1 };
    size_t zb_in[MWX_ASSESS_N_PHASE][NZB] = {{0}}, zb_n[MWX_ASSESS_N_PHASE][NZB] = {{0}};
    int zbin = -1;
    for (int s = 1; s <= seeds && cons && c50; s++) {
      if (tty)
        fprintf(stderr, "\r  %s seed %d/%d   ", PUBLIC[f], s, seeds);
      mwx_assess_run_opts o;
      mwx_assess_run_opts_default(&o);
      memcpy(o.nation, nation, 4);
      o.seed = (uint64_t)s;
      o.trust_provisional = trust;
      if (draw_beta(&truth, s))
        continue;
      if (beta_class > 0) {
        double z = log(truth.launch[0].veh.beta_rv_kgpm2 / beta_class) / truth_beta_sigma();
        zs += z;
        zs2 += z * z;
        zlo += z < -1.8;
        zhi += z > 1.8;
        zn++;
        for (zbin = 0; zbin < NZB - 1 && z >= zedge[zbin + 1]; zbin++)
          ;
      }
      if (getenv("MWX_BENCH_NO_TRACK_BETA")) /* the filter without beta in its state (before) */
        o.no_track_beta = 1;
      if (getenv("MWX_BENCH_UKF")) /* the tracker's filter: the UKF instead of the EKF */
        o.filter = MWX_TRACK_UKF;
      if (getenv("MWX_BENCH_THRUST_VE")) /* the boost model's thrust law, ve (m/s) */
        o.thrust_ve_mps = atof(getenv("MWX_BENCH_THRUST_VE"));
      if (getenv("MWX_BENCH_PITCH_SIGMA0_DEG")) /* the boost model's thrust angle: prior sigma (< 0: none) */
        o.pitch_sigma0_deg = atof(getenv("MWX_BENCH_PITCH_SIGMA0_DEG"));
      if (getenv("MWX_BENCH_Q_PITCH")) /* ... its random-walk PSD, deg^2/s (< 0: none) */
        o.q_pitch_deg2ps = atof(getenv("MWX_BENCH_Q_PITCH"));
      if (getenv("MWX_BENCH_PITCH_HOLD")) /* ... the held elevation's law: 1 on, -1 off */
        o.pitch_hold = atoi(getenv("MWX_BENCH_PITCH_HOLD"));
      if (getenv("MWX_BENCH_BETA_SIGMA")) /* the impact's sigma of ln beta */
        o.beta_rel_sigma = atof(getenv("MWX_BENCH_BETA_SIGMA"));
      o.postburn_q_in_air_only = fx_bench_postburn_env(); /* MWX_TRACK_POSTBURN_Q_IN_AIR_ONLY */
      trace_ctx tc = {&truth, s, getenv("MWX_BENCH_TRACE") ? atoi(getenv("MWX_BENCH_TRACE")) : -1};
      if (getenv("MWX_BENCH_TRACE")) { /* a line per scored prediction of that phase (-1: all) */
        o.pred_fn = trace_pred;
        o.pred_ctx = &tc;
      }
      nb_ctx nbc = {&truth, &nba, getenv("MWX_BENCH_TRACE") ? &tc : NULL};
      if (getenv("MWX_BENCH_NEES_BINS")) { /* the predictions' states against the truth (nb_pred) */
        o.pred_fn = nb_pred;
        o.pred_ctx = &nbc;
      }
      pic_trace pt;
      memset(&pt, 0, sizeof pt);
      pt.seed = s;
      if (getenv("MWX_BENCH_TRACE")) { /* the picture: CHAIN and PICBREAK lines */
        o.pic_fn = trace_pic;
        o.pic_ctx = &pt;
      }
      mwx_assess_run_result r;
      memset(&r, 0, sizeof r);
      if (mwx_assess_run(&sc, &truth, &o, &r))
        continue;
      chain_flush(&pt);
      const mwx_assess_missile *m = &r.m[0];
      if (getenv("MWX_BENCH_VERBOSE")) /* per seed: inside/predictions per phase, > 5 sigma s */
        printf("    seed %2d  %zu/%zu %zu/%zu %zu/%zu %zu/%zu  5sig %.0f s  consistent %.0f s  beta %.0f kg/m^2  "
               "worst %.1f km\n", s, m->n_pred_in[0], m->n_pred[0], m->n_pred_in[1], m->n_pred[1], m->n_pred_in[2],
               m->n_pred[2], m->n_pred_in[3], m->n_pred[3], m->max_5sigma_s,
               m->has_ipp_consistent ? m->ipp_consistent_s : NAN, truth.launch[0].veh.beta_rv_kgpm2, m->max_wrong_km);
      if (getenv("MWX_BENCH_VERBOSE") && m->has_ipp_consistent) /* whose prediction was the first consistent */
        printf("    seed %2d  first consistent %.0f s: trk %u, made %.0f s\n", s, m->ipp_consistent_s,
               m->ipp_consistent_track_id, m->ipp_consistent_made_s);
      if (getenv("MWX_BENCH_TRACE"))
        printf("    PIC99 seed %2d consistent95 %.0f consistent99 %.0f steps after 340 s %ld outside95 %ld\n", s,
               m->has_ipp_consistent ? m->ipp_consistent_s : NAN, pt.has99 ? pt.cons99_s : NAN, pt.n_after,
               pt.out_after);
      for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
        in[p] += m->n_pred_in[p];
        n[p] += m->n_pred[p];
        z2a[p] += m->z2_major_sum[p];
        z2b[p] += m->z2_minor_sum[p];
        bsh[p] += m->beta_share_sum[p];
        nfl_ok[p] += m->n_pred[p] > 0;
        if (zbin >= 0) {
          zb_in[p][zbin] += m->n_pred_in[p];
          zb_n[p][zbin] += m->n_pred[p];
        }
      }
      if (m->has_ipp_consistent)
        cons[ncons++] = m->ipp_consistent_s;
      if (m->has_ipp_50km)
        c50[n50++] = m->ipp_50km_s;
      bad5 += m->max_5sigma_s > 10.0;
      if (m->cls >= 0 && m->cls <= MWX_CLASS_ICBM) /* the last class estimate */
        ncls[m->cls]++;
      worst = fmax(worst, m->max_wrong_km);
      mwx_assess_run_fini(&r);
    }
    if (tty)
      fprintf(stderr, "\r%60s\r", "");
    if (zn && !beta_z_said) { /* P(z < -1.8) = P(z > 1.8) = 0.0359 */
      printf("  truth beta draws, seeds 1-%d (every scenario alike): standard score mean %+.2f, E[z^2] %.2f, "
             "%d below -1.8 and %d above +1.8 (%.1f expected each)\n", zn, zs / zn, zs2 / zn, zlo, zhi, 0.0359 * zn);
      beta_z_said = 1;
    }
    if (getenv("MWX_BENCH_REWEIGHT") && zn) {
      printf("    reweighted to N(0,1) of the beta score:");
      for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
        double w = 0, tot = 0;
        for (int b = 0; b < NZB; b++)
          if (zb_n[p][b]) {
            double pb = 0.5 * (erf(zedge[b + 1] / sqrt(2.0)) - erf(zedge[b] / sqrt(2.0)));
            w += pb * (double)zb_in[p][b] / (double)zb_n[p][b];
            tot += pb;
          }
        if (tot > 0)
          printf("  %s %.1f%% (bins holding %.0f%% of the law)", phn[p], 100 * w / tot, 100 * tot);
      }
      printf("\n");
    }
    char cell[MWX_ASSESS_N_PHASE][48], cs[2][64];
    for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
      if (n[p]) /* inside/total, and "!" where the fraction is outside binomial noise about 95% */
        snprintf(cell[p], sizeof cell[p], "%.1f%% %zu/%zu%s", 100.0 * (double)in[p] / (double)n[p], in[p], n[p],
                 binom_miss(in[p], n[p], nfl_ok[p]) ? "!" : "");
      else
        snprintf(cell[p], sizeof cell[p], "-");
      tot_in[p] += in[p];
      tot_n[p] += n[p];
    }
    double *arr[2] = {cons, c50};
    int cnt[2] = {ncons, n50};
    for (int q = 0; q < 2; q++) {
      if (cnt[q]) {
        qsort(arr[q], (size_t)cnt[q], sizeof(double), cmp_d);
        snprintf(cs[q], sizeof cs[q], "%.0f (%.0f-%.0f) %d", arr[q][cnt[q] / 2], arr[q][0], arr[q][cnt[q] - 1], cnt[q]);
      } else {
        snprintf(cs[q], sizeof cs[q], "never");
      }
    }
    printf("  %-22s %18s %18s %18s %18s %17s %17s %5d %7.0f ", PUBLIC[f], cell[0], cell[1], cell[2], cell[3], cs[0],
           cs[1], bad5, worst);
    for (int c = 0; c <= MWX_CLASS_ICBM; c++)
      if (ncls[c])
        printf(" %s %d", mwx_ballistic_class_name((mwx_ballistic_class)c), ncls[c]);
    printf("\n");
    if (getenv("MWX_BENCH_PARTS")) { /* the ellipse's parts per phase */
      printf("    parts: E[z^2] major/minor, ln beta's share of the major variance:");
      for (int p = 0; p < MWX_ASSESS_N_PHASE; p++)
        if (n[p])
          printf("  %s %.2f/%.2f %.0f%%", phn[p], z2a[p] / (double)n[p], z2b[p] / (double)n[p],
                 100.0 * bsh[p] / (double)n[p]);
      printf("\n");
    }
    if (getenv("MWX_BENCH_NEES_BINS"))
      nb_print(&nba);
    for (int p = 0; p < MWX_ASSESS_N_PHASE; p++)
      tot_fl[p] += n[p] ? nfl_ok[p] : 0;
    fflush(stdout);
    free(cons);
    free(c50);
    mwx_sim_truth_fini(&truth);
    mwx_sim_scenario_fini(&sc);
  }
  printf("  %-22s", "all: 95% containment");
  for (int p = 0; p < MWX_ASSESS_N_PHASE; p++)
    printf("  %s %.1f%% (%zu)", phn[p], tot_n[p] ? 100.0 * (double)tot_in[p] / (double)tot_n[p] : 0.0, tot_n[p]);
  printf("\n");
  /* beta is drawn per flight: the predictions of one flight share its beta
   * error, so the effective sample is nearer the flights than the
   * predictions; the Wilson 95% interval of each aggregate with n = flights */
  printf("  %-22s", "binomial 95%, n=flights");
  for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
    double q = tot_n[p] ? (double)tot_in[p] / (double)tot_n[p] : 0.0, nf = (double)tot_fl[p], z = 1.959964;
    double c = (q + z * z / (2 * nf)) / (1 + z * z / nf), h = z / (1 + z * z / nf) * sqrt(q * (1 - q) / nf + z * z / (4 * nf * nf));
    if (tot_fl[p])
      printf("  %s %.1f-%.1f%% (%zu)", phn[p], 100 * (c - h), 100 * (c + h), tot_fl[p]);
  }
  printf("\n");
}

/* ---- CRLB ---------------------------------------------------------------- */

typedef struct pbuf {
  mwx_track_plot *p;
  int *missile;
  size_t n, cap;
  const char *nation;
  int rc;
} pbuf;

static int collect(const mwx_sim_plot *sp, void *ctx) {
  pbuf *b = ctx;
  if (strcmp(b->nation, "ALL") && strcmp(b->nation, sp->nation))
    return 0;
  if (b->n == b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 1024;
    mwx_track_plot *q = realloc(b->p, nc * sizeof *q);
    int *m = realloc(b->missile, nc * sizeof *m);
    if (q)
      b->p = q;
    if (m)
      b->missile = m;
    if (!q || !m)
      return b->rc = MWX_ENOMEM;
    b->cap = nc;
  }
  if (mwx_track_plot_from_sim(sp, &b->p[b->n]))
    return 0;
  b->missile[b->n++] = sp->truth.missile;
  return 0;
}

/* Whitened residual of plot p at state x (6). */
static int wres(const mwx_track_plot *p, const double x[6], double r[3]) {
  mwx_track_filter_cfg cfg;
  mwx_track_filter_cfg_default(&cfg);
  mwx_track_est e;
  memset(&e, 0, sizeof e);
  memcpy(e.x, x, 6 * sizeof *x);
  double y[3], S[3][3];
  int m;
  if (mwx_track_innovation(&cfg, &e, p, y, S, &m))
    return -1;
  for (int i = 0; i < m; i++)
    r[i] = y[i] / sqrt(S[i][i]);
  return m;
}

/* Fisher information of the state at T (truth xT) from plots pl[0..n). */
static int fisher(const mwx_track_plot *pl, size_t n, const double xT[6], int64_t T, double J[6][6]) {
  static const double h[6] = {1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3};
  memset(J, 0, sizeof(double) * 36);
  for (size_t k = 0; k < n; k++) {
    double dt = (double)(pl[k].t_ns - T) * 1e-9, G[3][6];
    int m = 0;
    for (int j = 0; j < 6; j++) {
      double xp[6], xm[6], yp[6], ym[6], rp[3], rm[3];
      memcpy(xp, xT, sizeof xp);
      memcpy(xm, xT, sizeof xm);
      xp[j] += h[j];
      xm[j] -= h[j];
      if (mwx_ballistic_propagate(xp, xp + 3, 0.0, dt, yp, yp + 3) ||
          mwx_ballistic_propagate(xm, xm + 3, 0.0, dt, ym, ym + 3))
        return -1;
      int mp = wres(&pl[k], yp, rp), mm = wres(&pl[k], ym, rm);
      if (mp < 0 || mm != mp)
        return -1;
      m = mp;
      for (int i = 0; i < m; i++) /* residuals are z - h: the Jacobian of h is minus this */
        G[i][j] = (rp[i] - rm[i]) / (2 * h[j]);
    }
    for (int a = 0; a < 6; a++)
      for (int c = 0; c < 6; c++)
        for (int i = 0; i < m; i++)
          J[a][c] += G[i][a] * G[i][c];
  }
  return 0;
}

static void crlb(int seeds) {
  static const char *scen[] = {"2022-10-04-hwasong12", "2022-11-18-hwasong17"};
  static const char *nations[] = {"KOR", "JPN", "USA", "ALL"};
  printf("posterior CRLB vs RMS error of the tracker's ballistic estimate (EKF, seeds 1-%d):\n", seeds);
  printf("  %-22s %-4s %5s %9s %10s %10s %6s %10s %10s %6s\n", "scenario", "nat", "runs", "plots", "RMS pos m",
         "CRLB pos m", "ratio", "RMS vel", "CRLB vel", "ratio");
  for (size_t f = 0; f < 2; f++) {
    mwx_sim_scenario sc;
    mwx_sim_truth truth;
    if (load_scenario(scen[f], &sc, &truth))
      return;
    const mwx_ballistic_figures *fig = &truth.traj[0].fig;
    for (size_t ni = 0; ni < 4; ni++) {
      double se_p = 0, se_v = 0, cr_p = 0, cr_v = 0, nplots = 0;
      int runs = 0;
      for (int s = 1; s <= seeds; s++) {
        mwx_sim_source *src = NULL;
        mwx_tracker *tr = NULL;
        pbuf b;
        memset(&b, 0, sizeof b);
        b.nation = nations[ni];
        pbuf win;
        memset(&win, 0, sizeof win);
        if (mwx_sim_source_init(&src, &sc, &truth, (uint64_t)s) || mwx_track_create(NULL, &tr))
          goto next;
        /* window: 2022-10-04 the ballistic flight from burnout + 5 s to
         * burnout + 60 s; 2022-11-18 the first 40 s of the terminal plots */
        int64_t L0 = truth.launch_ns[0];
        int64_t ta = L0 + (int64_t)((fig->burnout_time_s + 5.0) * NS), T = L0 + (int64_t)((fig->burnout_time_s + 60.0) * NS);
        int terminal = f == 1;
        if (terminal)
          ta = T = INT64_MAX;
        int64_t t = sc.epoch_ns, t_end = L0 + (int64_t)(fig->flight_time_s * NS);
        int done = 0;
        while (!done && t < t_end) {
          int64_t nx = mwx_sim_source_next_ns(src);
          if (nx == INT64_MAX)
            break;
          if (t < nx - NS)
            t = nx - (nx - t) % NS;
          t += NS;
          if (t > T)
            t = T;
          b.n = 0;
          if (mwx_sim_source_advance(src, t, collect, &b) || b.rc)
            break;
          for (size_t i = 0; i < b.n; i++) {
            if (b.missile[i] != 0)
              continue;
            if (terminal && ta == INT64_MAX && b.p[i].t_ns > L0 + (int64_t)((fig->burnout_time_s + 600.0) * NS) &&
                b.p[i].kind == MWX_TRACK_RADAR) {
              ta = b.p[i].t_ns;
              T = ta + 40 * NS;
            }
            if (b.p[i].t_ns >= ta && b.p[i].t_ns <= T) {
              pbuf *w = &win;
              if (w->n == w->cap) {
                size_t nc = w->cap ? 2 * w->cap : 256;
                mwx_track_plot *q = realloc(w->p, nc * sizeof *q);
                if (!q)
                  break;
                w->p = q;
                w->cap = nc;
              }
              w->p[w->n++] = b.p[i];
            }
          }
          if (b.n && mwx_track_process(tr, b.p, b.n))
            break;
          done = t >= T;
        }
        if (!done || win.n < 3)
          goto next;
        mwx_sim_truth_state st;
        if (mwx_sim_truth_at(&truth, 0, T, &st) || !st.in_flight)
          goto next;
        double xT[6];
        memcpy(xT, st.pos_ecef_m, sizeof st.pos_ecef_m);
        memcpy(xT + 3, st.vel_ecef_mps, sizeof st.vel_ecef_mps);
        /* the tracker's estimate: the confirmed track nearest the truth */
        double best = 20e3, ex[6] = {0};
        int found = 0;
        for (size_t i = 0; i < mwx_track_count(tr); i++) {
          mwx_track_info in;
          mwx_track_est e;
          if (mwx_track_get(tr, i, &in) || in.status != MWX_TRACK_CONFIRMED || in.coasting ||
              mwx_track_state_at(tr, i, T, &e))
            continue;
          double d = 0;
          for (int c = 0; c < 3; c++)
            d += pow(e.x[c] - xT[c], 2);
          d = sqrt(d);
          if (d < best) {
            best = d;
            memcpy(ex, e.x, sizeof ex);
            found = 1;
          }
        }
        double J[6][6], C[6][6];
        if (!found || fisher(win.p, win.n, xT, T, J) || fx_inv6(J, C, NULL))
          goto next;
        for (int c = 0; c < 3; c++) {
          se_p += pow(ex[c] - xT[c], 2);
          se_v += pow(ex[3 + c] - xT[3 + c], 2);
        }
        cr_p += C[0][0] + C[1][1] + C[2][2];
        cr_v += C[3][3] + C[4][4] + C[5][5];
        nplots += (double)win.n;
        runs++;
      next:
        mwx_track_destroy(tr);
        mwx_sim_source_fini(src);
        free(b.p);
        free(b.missile);
        free(win.p);
      }
      if (!runs) {
        printf("  %-22s %-4s %5d  (no plots of the window, or no track)\n", scen[f], nations[ni], 0);
        continue;
      }
      double rp = sqrt(se_p / runs), bp = sqrt(cr_p / runs), rv = sqrt(se_v / runs), bv = sqrt(cr_v / runs);
      printf("  %-22s %-4s %5d %9.0f %10.1f %10.1f %6.2f %10.2f %10.2f %6.2f\n", scen[f], nations[ni], runs,
             nplots / runs, rp, bp, rp / bp, rv, bv, rv / bv);
    }
    mwx_sim_truth_fini(&truth);
    mwx_sim_scenario_fini(&sc);
  }
}


struct dplots {
  mwx_track_plot *p;
  size_t n, cap;
  const char *nation;
  double rs[64][3], rq[64][3]; /* per sensor: sum and sum of squares of the whitened residuals */
  long rn[64];                 /* ... against the truth, of missile 0's plots */
  mwx_track_plot *m0;          /* missile 0's plots, all of the run */
  size_t n0, cap0;
};

static int dcollect(const mwx_sim_plot *sp, void *ctx) {
  struct dplots *b = ctx;
  if (strcmp(b->nation, "ALL") && strcmp(b->nation, sp->nation))
    return 0;
  if (b->n == b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 256;
    mwx_track_plot *q = realloc(b->p, nc * sizeof *q);
    if (!q)
      return -1;
    b->p = q;
    b->cap = nc;
  }
  int rc = mwx_track_plot_from_sim(sp, &b->p[b->n++]);
  if (!rc && sp->truth.missile == 0) {
    if (b->n0 == b->cap0) {
      size_t nc = b->cap0 ? 2 * b->cap0 : 1024;
      mwx_track_plot *q = realloc(b->m0, nc * sizeof *q);
      if (!q)
        return -1;
      b->m0 = q;
      b->cap0 = nc;
    }
    b->m0[b->n0++] = b->p[b->n - 1];
  }
  if (!rc && sp->truth.missile == 0 && sp->sensor_index >= 0 && sp->sensor_index < 64) {
    mwx_track_filter_cfg fc;
    mwx_track_filter_cfg_default(&fc);
    mwx_track_est e;
    memset(&e, 0, sizeof e);
    e.t_ns = sp->time_ns;
    memcpy(e.x, sp->truth.pos_ecef_m, sizeof sp->truth.pos_ecef_m);
    double y[3], S[3][3];
    int m = 0, k = sp->sensor_index;
    if (!mwx_track_innovation(&fc, &e, &b->p[b->n - 1], y, S, &m)) {
      if (getenv("MWX_BENCH_DIAG_RES")) /* a line per plot: sensor, time, whitened r/az/el, sigmas */
        printf("RES %d %.3f %.3f %.3f %.3f %.1f %.4f\n", k, (double)sp->time_ns * 1e-9, y[0] / sqrt(S[0][0]), y[1] / sqrt(S[1][1]), m > 2 ? y[2] / sqrt(S[2][2]) : 0.0, sp->sigma_range_m, sp->sigma_az_deg);
      for (int i = 0; i < m; i++) {
        double w = y[i] / sqrt(S[i][i]);
        b->rs[k][i] += w;
        b->rq[k][i] += w * w;
      }
      b->rn[k]++;
    }
  }
  return rc;
}

/* ---- per-update diagnosis of one run (issue 12) ------------------------- */

/* Squared Mahalanobis distance of d (n <= 7) in P by Cholesky; NAN if P is
 * not positive definite. */
static double nees(const double *d, const double P[MWX_TRACK_NX][MWX_TRACK_NX], int n) {
  double L[7][7] = {{0}}, y[7];
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
  double q = 0;
  for (int i = 0; i < n; i++) {
    double s = d[i];
    for (int k = 0; k < i; k++)
      s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
    q += y[i] * y[i];
  }
  return q;
}

/* MWX_BENCH_DIAG_DRAW0=1 (with MWX_BENCH_DIAG_FROM_S): the lone filter made
 * consistent by construction (issue 12, twenty-second session): its start is
 * the truth at the tracker's estimate's time plus a draw from that
 * estimate's position-velocity covariance (seeded by the run's seed), its
 * thrust, thrust angle and ln beta out of the state (the diag's truth flies
 * the class beta, which the filter flies): exact dynamics, exact beta, the
 * plots of missile 0 alone, a start error drawn from its own covariance. */
static int draw_from(const mwx_sim_truth *truth, int seed, mwx_track_est *e) {
  mwx_sim_truth_state st;
  if (mwx_sim_truth_at(truth, 0, e->t_ns, &st) || !st.in_flight)
    return -1;
  double L[6][6] = {{0}}, n[6];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j <= i; j++) {
      double v = e->P[i][j];
      for (int k = 0; k < j; k++)
        v -= L[i][k] * L[j][k];
      if (i == j) {
        if (!(v > 0))
          return -1;
        L[i][i] = sqrt(v);
      } else {
        L[i][j] = v / L[j][j];
      }
    }
  uint64_t r = 0x9e3779b97f4a7c15ULL * (uint64_t)(seed + 1);
  for (int i = 0; i < 6; i++) { /* Box-Muller on splitmix64 */
    double u[2];
    for (int h = 0; h < 2; h++) {
      uint64_t z = (r += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      u[h] = ((double)(z >> 11) + 0.5) / 9007199254740992.0;
    }
    n[i] = sqrt(-2.0 * log(u[0])) * cos(2.0 * M_PI * u[1]);
  }
  for (int i = 0; i < 6; i++) {
    double d = 0;
    for (int j = 0; j <= i; j++)
      d += L[i][j] * n[j];
    e->x[i] = (i < 3 ? st.pos_ecef_m[i] : st.vel_ecef_mps[i - 3]) + d;
  }
  for (int i = 6; i < MWX_TRACK_NX; i++) {
    e->x[i] = 0;
    for (int j = 0; j < MWX_TRACK_NX; j++)
      e->P[i][j] = e->P[j][i] = 0;
  }
  e->P[6][6] = 1e-6;
  return 0;
}

/* One scenario (name substring), one seed, one nation: every confirmed track
 * within 50 km of missile 0, every EVERY s and at each of its first 12
 * updates: the ballistic estimate against the truth at its time (position
 * and velocity error, 6-D NEES, the velocity error along / across the
 * velocity), the IMM ballistic probability and the impact's error and d2. */
static void diag(const char *name, int seed, const char *nation, double every_s) {
  const char *scn = NULL;
  for (size_t f = 0; f < N_PUBLIC; f++)
    if (strstr(PUBLIC[f], name))
      scn = PUBLIC[f];
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  if (!scn || load_scenario(scn, &sc, &truth)) {
    fprintf(stderr, "bench_track_mc: diag: no scenario '%s'\n", name);
    return;
  }
  mwx_sim_scenario_use_sensors(&sc, "default");
  mwx_track_config cfg;
  mwx_track_config_default(&cfg);
  if (fx_bench_postburn_env()) /* MWX_TRACK_POSTBURN_Q_IN_AIR_ONLY */
    cfg.postburn_q_in_air_only = fx_bench_postburn_env() > 0;
  if (getenv("MWX_BENCH_Q_BALLISTIC")) /* the ballistic model's white-acceleration PSD */
    cfg.filt.q_ballistic_m2ps3 = atof(getenv("MWX_BENCH_Q_BALLISTIC"));
  if (getenv("MWX_BENCH_Q_BOOST")) /* the boost model's white-acceleration PSD (m^2/s^3) */
    cfg.filt.q_boost_m2ps3 = atof(getenv("MWX_BENCH_Q_BOOST"));
  if (getenv("MWX_BENCH_THRUST_VE")) /* the boost model's thrust law, ve (m/s) */
    cfg.filt.thrust_ve_mps = atof(getenv("MWX_BENCH_THRUST_VE"));
  if (getenv("MWX_BENCH_PITCH_SIGMA0_DEG")) /* the boost model's thrust angle (as in phase) */
    cfg.filt.pitch_sigma0_deg = fmax(atof(getenv("MWX_BENCH_PITCH_SIGMA0_DEG")), 0.0);
  if (getenv("MWX_BENCH_Q_PITCH"))
    cfg.filt.q_pitch_deg2ps = fmax(atof(getenv("MWX_BENCH_Q_PITCH")), 0.0);
  if (getenv("MWX_BENCH_PITCH_HOLD"))
    cfg.filt.pitch_hold = atoi(getenv("MWX_BENCH_PITCH_HOLD")) > 0;
  mwx_tracker *tr = NULL;
  mwx_sim_source *src = NULL;
  if (mwx_track_create(&cfg, &tr) || mwx_sim_source_init(&src, &sc, &truth, (uint64_t)seed)) {
    fprintf(stderr, "bench_track_mc: diag: %s\n", mwx_error_msg());
    return;
  }
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  ao.want_apogee = 0;
  struct dplots b = {0};
  b.nation = nation;
  double last_print[4096] = {0};
  int nupd[4096] = {0};
  /* MWX_BENCH_DIAG_FROM_S=T: the lone filter below starts from the tracker's
   * ballistic estimate (x and P) of the track nearest missile 0 at its first
   * update at or after T s after launch instead of from the truth at 600 s */
  double from_s = getenv("MWX_BENCH_DIAG_FROM_S") ? atof(getenv("MWX_BENCH_DIAG_FROM_S")) : NAN;
  mwx_track_est from_est;
  int has_from = 0;
  printf("diag %s seed %d %s\n  %7s %4s %5s %8s %5s %9s %8s %8s %8s %8s %8s %8s %8s\n", scn, seed, nation, "t_s",
         "id", "hits", "h_km", "p_bal", "mask", "dpos_m", "dv_mps", "dv_along", "dv_xtrk", "nees6", "ipp_km", "d2");
  int64_t step = NS, t = sc.epoch_ns;
  for (;;) {
    int64_t next = mwx_sim_source_next_ns(src);
    if (next == INT64_MAX)
      break;
    if (t < next - step)
      t = next - (next - t) % step;
    t += step;
    b.n = 0;
    if (mwx_sim_source_advance(src, t, dcollect, &b) || (b.n && mwx_track_process(tr, b.p, b.n)))
      break;
    double ts = (double)(t - truth.launch_ns[0]) / 1e9;
    for (size_t i = 0; i < mwx_track_count(tr) && i < 4096; i++) {
      mwx_track_info in;
      if (mwx_track_get(tr, i, &in) || in.status != MWX_TRACK_CONFIRMED)
        continue;
      const mwx_track_est *e = &in.ballistic;
      mwx_sim_truth_state st;
      if (mwx_sim_truth_at(&truth, 0, e->t_ns, &st) || !st.in_flight)
        continue;
      double d[6], dp = 0, dv = 0, sp = 0, along = 0;
      for (int c = 0; c < 3; c++) {
        d[c] = e->x[c] - st.pos_ecef_m[c];
        d[3 + c] = e->x[3 + c] - st.vel_ecef_mps[c];
        dp += d[c] * d[c];
        dv += d[3 + c] * d[3 + c];
        sp += st.vel_ecef_mps[c] * st.vel_ecef_mps[c];
        along += d[3 + c] * st.vel_ecef_mps[c];
      }
      if (sqrt(dp) > 50e3)
        continue;
      along /= sqrt(sp);
      if (!has_from && (double)(e->t_ns - truth.launch_ns[0]) / 1e9 >= from_s && in.p_ballistic >= 0.5 &&
          in.hits > 12 && !in.coasting) {
        from_est = *e;
        has_from = 1;
      }
      int fresh = in.hits != nupd[i];
      nupd[i] = in.hits;
      if (!(fresh && (in.hits <= 12 || ts - last_print[i] >= every_s)))
        continue;
      last_print[i] = ts;
      mwx_assess a;
      double ikm = NAN, d2 = NAN;
      if (in.p_ballistic >= ao.min_p_ballistic && !mwx_assess_track(&in, &ao, &a) && a.has_impact) {
        mwx_geo_inverse(a.impact.lat_deg, a.impact.lon_deg, truth.traj[0].fig.impact_lat_deg,
                        truth.traj[0].fig.impact_lon_deg, &ikm, NULL, NULL);
        ikm /= 1e3;
        mwx_geo_lla ref = {a.impact.lat_deg, a.impact.lon_deg, 0},
                    tl = {truth.traj[0].fig.impact_lat_deg, truth.traj[0].fig.impact_lon_deg, 0};
        double pp[3], enu[3];
        mwx_geo_ecef_from_lla(&tl, pp);
        mwx_geo_enu_from_ecef(&ref, pp, enu);
        const double(*C)[2] = a.impact.cov_en_m2;
        double det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
        d2 = (C[1][1] * enu[0] * enu[0] - 2 * C[0][1] * enu[0] * enu[1] + C[0][0] * enu[1] * enu[1]) / det;
      }
      printf("  %7.0f %4u %5d %8.0f %5.3f %9llx %8.0f %8.2f %8.2f %8.2f %8.1f %8.2f %8.1f  sd %.0f m %.3f m/s 1-p %.1e%s\n", ts,
             in.id, in.hits, st.lla.h_m / 1e3, in.p_ballistic, (unsigned long long)in.sensor_mask, sqrt(dp), sqrt(dv),
             along, sqrt(fmax(dv - along * along, 0)), nees(d, e->P, 6), ikm, d2,
             sqrt(e->P[0][0] + e->P[1][1] + e->P[2][2]), sqrt(e->P[3][3] + e->P[4][4] + e->P[5][5]),
             1.0 - in.p_ballistic, in.coasting ? " coast" : "");
      if (getenv("MWX_BENCH_DIAG_POS")) { /* the 3-D position and velocity NEES, impact d2 */
        double dv3[6], Pv[MWX_TRACK_NX][MWX_TRACK_NX];
        for (int r = 0; r < 3; r++) { dv3[r] = d[3 + r]; for (int c = 0; c < 3; c++) Pv[r][c] = e->P[3 + r][3 + c]; }
        printf("    POS %.0f %.2f %.2f %.2f\n", ts, nees(d, e->P, 3), nees(dv3, Pv, 3), d2);
      }
      if (getenv("MWX_BENCH_DIAG_VFRAME")) { /* the velocity error on the truth's along / up / lateral axes */
        double u[3][3], up[3], nr = 0, w = 0;
        for (int c = 0; c < 3; c++) {
          u[0][c] = st.vel_ecef_mps[c] / sqrt(sp);
          nr += st.pos_ecef_m[c] * st.pos_ecef_m[c];
        }
        for (int c = 0; c < 3; c++)
          up[c] = st.pos_ecef_m[c] / sqrt(nr);
        for (int c = 0; c < 3; c++)
          w += up[c] * u[0][c];
        double n1 = 0;
        for (int c = 0; c < 3; c++) {
          u[1][c] = up[c] - w * u[0][c];
          n1 += u[1][c] * u[1][c];
        }
        for (int c = 0; c < 3; c++)
          u[1][c] /= sqrt(n1);
        u[2][0] = u[0][1] * u[1][2] - u[0][2] * u[1][1];
        u[2][1] = u[0][2] * u[1][0] - u[0][0] * u[1][2];
        u[2][2] = u[0][0] * u[1][1] - u[0][1] * u[1][0];
        /* =2: the combined (IMM) estimate instead of the ballistic one */
        const mwx_track_est *ev_e = atoi(getenv("MWX_BENCH_DIAG_VFRAME")) == 2 ? &in.est : e;
        printf("    VEL %.0f", ts);
        for (int a = 0; a < 3; a++) {
          double ev = 0, var = 0;
          for (int r = 0; r < 3; r++) {
            ev += u[a][r] * (ev_e->x[3 + r] - st.vel_ecef_mps[r]);
            for (int c = 0; c < 3; c++)
              var += u[a][r] * ev_e->P[3 + r][3 + c] * u[a][c];
          }
          printf("  %s %.2f sd %.2f z %.2f", a == 0 ? "along" : a == 1 ? "up" : "lat", ev, sqrt(var), ev / sqrt(var));
        }
        printf("  thrust %.1f sd %.1f alpha %.1f deg\n", in.est.x[6], sqrt(in.est.P[6][6]), in.est.x[8] * 180.0 / M_PI);
      }
    }
  }
  /* the filter's ballistic model against the truth's flight: from the truth
   * at t0, predicted 100 s and 300 s on */
  printf("  ballistic model from the truth state: error after 100 s / 300 s (m)\n");
  for (double t0 = 100; t0 < truth.traj[0].fig.flight_time_s - 300; t0 += 200) {
    mwx_sim_truth_state a, z1, z3;
    int64_t ta = truth.launch_ns[0] + (int64_t)(t0 * 1e9);
    if (mwx_sim_truth_at(&truth, 0, ta, &a) || mwx_sim_truth_at(&truth, 0, ta + 100 * NS, &z1) ||
        mwx_sim_truth_at(&truth, 0, ta + 300 * NS, &z3))
      continue;
    mwx_track_est e;
    memset(&e, 0, sizeof e);
    e.t_ns = ta;
    memcpy(e.x, a.pos_ecef_m, 3 * sizeof(double));
    memcpy(e.x + 3, a.vel_ecef_mps, 3 * sizeof(double));
    mwx_track_est e3 = e;
    double d1 = NAN, d3 = NAN;
    if (!mwx_track_predict(&cfg.filt, MWX_TRACK_BALLISTIC, &e, ta + 100 * NS)) {
      d1 = 0;
      for (int c = 0; c < 3; c++)
        d1 += pow(e.x[c] - z1.pos_ecef_m[c], 2);
      d1 = sqrt(d1);
    }
    if (!mwx_track_predict(&cfg.filt, MWX_TRACK_BALLISTIC, &e3, ta + 300 * NS)) {
      d3 = 0;
      for (int c = 0; c < 3; c++)
        d3 += pow(e3.x[c] - z3.pos_ecef_m[c], 2);
      d3 = sqrt(d3);
    }
    printf("  t0 %6.0f h %6.0f km ph %d pw %d: %9.1f %9.1f\n", t0, a.lla.h_m / 1e3, (int)a.phase, (int)a.powered, d1, d3);
  }
  /* one ballistic filter (no IMM, no tracker) on missile 0's plots from the
   * truth at 600 s, P0 = (100 m)^2, (1 m/s)^2 */
  for (int kind = 0; kind < 2; kind++) {
    mwx_track_filter_cfg fc = cfg.filt;
    fc.kind = kind;
    if (has_from)
      printf("  %s alone from the tracker's estimate at %.1f s: t, h_km, dpos_m, dv_mps, nees6\n", kind ? "UKF" : "EKF",
             (double)(from_est.t_ns - truth.launch_ns[0]) / 1e9);
    else
      printf("  %s alone from the truth at 600 s: t, h_km, dpos_m, dv_mps, nees6\n", kind ? "UKF" : "EKF");
    mwx_track_est e;
    mwx_track_imm imm;
    int use_imm = getenv("MWX_BENCH_DIAG_IMM") != NULL; /* through the two-model IMM */
    int started = 0;
    double lastp = 0;
    for (size_t j = 0; j < b.n0; j++) {
      const mwx_track_plot *p = &b.m0[j];
      double ts = (double)(p->t_ns - truth.launch_ns[0]) / 1e9;
      if ((has_from ? p->t_ns <= from_est.t_ns : ts < 600) || p->kind != MWX_TRACK_RADAR)
        continue;
      mwx_sim_truth_state st;
      if (!started && has_from) {
        e = from_est;
        if (getenv("MWX_BENCH_DIAG_FROM_PSCALE")) /* the tracker's P scaled: how much the later plots inform */
          for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++)
              e.P[r][c] *= atof(getenv("MWX_BENCH_DIAG_FROM_PSCALE"));
        if (getenv("MWX_BENCH_DIAG_DRAW0") && draw_from(&truth, seed, &e))
          break;
        /* the tracker's own non-kinematic part at the start (thrust x[6], ln beta x[7], thrust
           angle x[8]): its ln beta against the truth's (0: the diagnostic flies the class beta)
           in its own sigma, and two resets that tell its parts apart */
        printf("  FROM lnbeta %.4f sigma %.4f z %.2f | thrust sigma %.3g\n", e.x[7], sqrt(e.P[7][7]),
               e.P[7][7] > 0 ? e.x[7] / sqrt(e.P[7][7]) : NAN, sqrt(e.P[6][6]));
        if (getenv("MWX_BENCH_DIAG_FROM_LNBETA0")) /* the tracker's ln beta set to the truth's, its P kept */
          e.x[7] = 0;
        if (getenv("MWX_BENCH_DIAG_FROM_TRUTH_X")) { /* the truth's position and velocity, the tracker's P */
          mwx_sim_truth_state s0;
          mwx_sim_truth_at(&truth, 0, e.t_ns, &s0);
          memcpy(e.x, s0.pos_ecef_m, 3 * sizeof(double));
          memcpy(e.x + 3, s0.vel_ecef_mps, 3 * sizeof(double));
        }
        if (getenv("MWX_BENCH_DIAG_FROM_DIAG6")) /* the tracker's kinematic block without its correlations */
          for (int r = 0; r < 6; r++)
            for (int c = 0; c < 6; c++)
              if (r != c)
                e.P[r][c] = 0;
        if (getenv("MWX_BENCH_DIAG_FROM_DECOUPLE")) /* no cross-terms of x[6..8] with position/velocity */
          for (int r = 6; r < MWX_TRACK_NX; r++)
            for (int c = 0; c < 6; c++)
              e.P[r][c] = e.P[c][r] = 0;
        mwx_track_imm_init(&imm, &e, 1e-6);
        started = 1;
        lastp = ts;
      }
      if (!started) {
        mwx_sim_truth_at(&truth, 0, p->t_ns, &st);
        memset(&e, 0, sizeof e);
        e.t_ns = p->t_ns;
        memcpy(e.x, st.pos_ecef_m, 3 * sizeof(double));
        memcpy(e.x + 3, st.vel_ecef_mps, 3 * sizeof(double));
        for (int c = 0; c < 3; c++) {
          e.P[c][c] = 1e4;
          e.P[3 + c][3 + c] = 1;
        }
        e.P[6][6] = 1e-6;
        if (getenv("MWX_BENCH_DIAG_BETA")) /* ln beta in the state, at its prior */
          e.P[7][7] = fc.lnbeta_sigma * fc.lnbeta_sigma;
        mwx_track_imm_init(&imm, &e, 1e-6);
        started = 1;
        lastp = ts;
      }
      if (use_imm) {
        if (mwx_track_imm_predict(&fc, &imm, p->t_ns) || mwx_track_imm_update(&fc, &imm, p, NULL))
          break;
        e = imm.m[MWX_TRACK_BALLISTIC];
      } else if (mwx_track_predict(&fc, MWX_TRACK_BALLISTIC, &e, p->t_ns) || mwx_track_update(&fc, &e, p, NULL, NULL))
        break;
      if (ts - lastp >= (getenv("MWX_BENCH_DIAG_LONE_EVERY_S") ? atof(getenv("MWX_BENCH_DIAG_LONE_EVERY_S")) : 100) || j + 1 == b.n0) {
        lastp = ts;
        mwx_sim_truth_at(&truth, 0, p->t_ns, &st);
        double d[6], dp = 0, dv = 0;
        for (int c = 0; c < 3; c++) {
          d[c] = e.x[c] - st.pos_ecef_m[c];
          d[3 + c] = e.x[3 + c] - st.vel_ecef_mps[c];
          dp += d[c] * d[c];
          dv += d[3 + c] * d[3 + c];
        }
        double id2 = NAN;
        if (getenv("MWX_BENCH_DIAG_POS")) { /* the lone filter's impact d2: the truth's beta, sigma 0.3 */
          double P6[6][6]; for (int r = 0; r < 6; r++) for (int c = 0; c < 6; c++) P6[r][c] = e.P[r][c];
          mwx_assess_point ip;
          if (!mwx_assess_impact_beta(e.x, P6, e.t_ns, truth.launch[0].veh.beta_rv_kgpm2, 0.3, 8000, &ip))
            id2 = d2_of(&ip, truth.traj[0].fig.impact_lat_deg, truth.traj[0].fig.impact_lon_deg);
        }
        printf("   %6.0f %6.0f %8.1f %8.3f %8.1f  sd %.0f m %.3f m/s, %zu plots id2 %.2f p3 %.2f\n", ts, st.lla.h_m / 1e3, sqrt(dp), sqrt(dv),
               nees(d, e.P, 6), sqrt(e.P[0][0] + e.P[1][1] + e.P[2][2]), sqrt(e.P[3][3] + e.P[4][4] + e.P[5][5]), j, id2, nees(d, e.P, 3));
      }
    }
  }
  free(b.m0);
  printf("  whitened residual of missile 0's plots against the truth, per sensor: mean (rms) of range/az/el (IR: 2 axes)\n");
  for (int k = 0; k < 64; k++)
    if (b.rn[k]) {
      printf("  %-24s %6ld", sc.sensor[k].id, b.rn[k]);
      for (int i = 0; i < 3; i++)
        printf("  %6.3f (%5.3f)", b.rs[k][i] / b.rn[k], sqrt(b.rq[k][i] / b.rn[k]));
      printf("\n");
    }
  free(b.p);
  mwx_sim_source_fini(src);
  mwx_track_destroy(tr);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

/* ---- 6-D NEES of the tracker's state per phase (issue 12, sixth round) --- */

/* The phase of a time ts after launch, as mwx_assess_run counts it (run.c:
 * boost end before the final burnout + 20 s, coast to + 120 s, re-entry
 * descending below 100 km, else mid-course). */
static int nees_phase(const mwx_sim_truth *truth, int64_t t_ns, double ts) {
  double tb = truth->traj[0].fig.burnout_time_s;
  if (ts < tb + 20.0)
    return MWX_ASSESS_PH_BOOST_END;
  if (ts < tb + 120.0)
    return MWX_ASSESS_PH_COAST;
  mwx_sim_truth_state st;
  if (!mwx_sim_truth_at(truth, 0, t_ns, &st) && st.in_flight) {
    double vr = 0;
    for (int i = 0; i < 3; i++)
      vr += st.pos_ecef_m[i] * st.vel_ecef_mps[i];
    if (vr < 0 && st.lla.h_m < 100e3)
      return MWX_ASSESS_PH_REENTRY;
  }
  return MWX_ASSESS_PH_MIDCOURSE;
}

typedef struct nees_acc {
  double *v; /* 6-D NEES samples */
  size_t n, cap;
  double sp, sv; /* sums of the 3-D position / velocity NEES */
  size_t in95;   /* 6-D NEES <= the chi-square 95% value */
} nees_acc;

static void nees_add(nees_acc *a, double q6, double qp, double qv) {
  if (!isfinite(q6))
    return;
  if (a->n == a->cap) {
    size_t nc = a->cap ? 2 * a->cap : 1024;
    double *v = realloc(a->v, nc * sizeof *v);
    if (!v)
      return;
    a->v = v;
    a->cap = nc;
  }
  a->v[a->n++] = q6;
  a->sp += qp;
  a->sv += qv;
  a->in95 += q6 <= 12.592;
}

static void nees_cell(const nees_acc *a, char *buf, size_t len) {
  if (!a->n) {
    snprintf(buf, len, "-");
    return;
  }
  double s = 0;
  for (size_t i = 0; i < a->n; i++)
    s += fmin(a->v[i], 1000.0);
  double *c = malloc(a->n * sizeof *c);
  double med = NAN;
  if (c) {
    memcpy(c, a->v, a->n * sizeof *c);
    qsort(c, a->n, sizeof *c, cmp_d);
    med = c[a->n / 2];
    free(c);
  }
  snprintf(buf, len, "%.2f %.2f %.2f/%.2f %.0f%% %zu", s / (double)a->n, med, a->sp / (double)a->n,
           a->sv / (double)a->n, 100.0 * (double)a->in95 / (double)a->n, a->n);
}

/* Every public scenario (MWX_BENCH_ONLY) x seeds 1..SEEDS with one nation's
 * sensors, default laydown: the tracker of mwx_assess_run (the driver,
 * drive.c, default track configuration) stepped at 1 s; every 10 s, the
 * ballistic-model estimate of the confirmed track nearest missile 0 (within
 * 20 km), while the IMM says ballistic (p >= MWX_ASSESS opts'
 * min_p_ballistic: when an impact is predicted from it), against the truth
 * at the estimate's time: its 6-D NEES (chi-square of 6 dof if the
 * covariance is right: mean 6, median 5.35, 95% below 12.59) and the 3-D
 * position and velocity NEES (mean 3 each), per phase. */
static void nees_bench(int seeds, const char *nation) {
  static const char *phn[MWX_ASSESS_N_PHASE] = {"boost end", "coast", "mid-course", "re-entry"};
  nees_acc tot[MWX_ASSESS_N_PHASE];
  memset(tot, 0, sizeof tot);
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  printf("nees: %s, laydown default, truth sigma(ln beta) %.2f, seeds 1-%d; per phase: mean (each capped at 1000) "
         "median pos3/vel3 in-95%% samples of the 6-D NEES (6, 5.35, 3/3, 95%% expected)\n",
         nation, truth_beta_sigma(), seeds);
  printf("  %-22s %28s %28s %28s %28s\n", "scenario", phn[0], phn[1], phn[2], phn[3]);
  const char *only = getenv("MWX_BENCH_ONLY");
  int tty = isatty(2);
  for (size_t f = 0; f < N_PUBLIC; f++) {
    if (only && !strstr(PUBLIC[f], only))
      continue;
    mwx_sim_scenario sc;
    mwx_sim_truth truth;
    if (load_scenario(PUBLIC[f], &sc, &truth))
      return;
    if (mwx_sim_scenario_use_sensors(&sc, "default")) {
      fprintf(stderr, "bench_track_mc: %s\n", mwx_error_msg());
      return;
    }
    nees_acc acc[MWX_ASSESS_N_PHASE];
    memset(acc, 0, sizeof acc);
    for (int s = 1; s <= seeds; s++) {
      if (tty)
        fprintf(stderr, "\r  %s seed %d/%d   ", PUBLIC[f], s, seeds);
      if (draw_beta(&truth, s))
        continue;
      size_t seed_n0[MWX_ASSESS_N_PHASE];
      for (int p = 0; p < MWX_ASSESS_N_PHASE; p++)
        seed_n0[p] = acc[p].n;
      mwx_track_config cfg;
      mwx_track_config_default(&cfg);
      if (fx_bench_postburn_env()) /* MWX_TRACK_POSTBURN_Q_IN_AIR_ONLY */
        cfg.postburn_q_in_air_only = fx_bench_postburn_env() > 0;
      if (getenv("MWX_BENCH_Q_BALLISTIC")) /* the ballistic model's white-acceleration PSD */
        cfg.filt.q_ballistic_m2ps3 = atof(getenv("MWX_BENCH_Q_BALLISTIC"));
      if (getenv("MWX_BENCH_THRUST_VE")) /* the boost model's thrust law, ve (m/s) */
        cfg.filt.thrust_ve_mps = atof(getenv("MWX_BENCH_THRUST_VE"));
      mwx_assess_drive *drv = NULL;
      if (mwx_assess_drive_create(&sc, &truth, nation, (uint64_t)s, &cfg, &drv)) {
        fprintf(stderr, "bench_track_mc: %s\n", mwx_error_msg());
        continue;
      }
      mwx_tracker *tr = mwx_assess_drive_tracker(drv);
      int64_t t = sc.epoch_ns, last_sample = 0, last_upd = 0;
      int64_t t_end = truth.launch_ns[0] + (int64_t)(truth.traj[0].fig.flight_time_s * NS);
      while (t < t_end) {
        int64_t next = mwx_assess_drive_next_ns(drv);
        if (next == INT64_MAX)
          break;
        if (t < next - NS)
          t = next - (next - t) % NS;
        t += NS;
        if (mwx_assess_drive_advance(drv, t, NULL, NULL, NULL))
          break;
        if (t - last_sample < 10 * NS)
          continue;
        mwx_sim_truth_state now;
        if (mwx_sim_truth_at(&truth, 0, t, &now) || !now.in_flight)
          continue;
        /* the confirmed track nearest missile 0 */
        mwx_track_info best;
        int found = tu_nearest_confirmed(tr, t, now.pos_ecef_m, 20e3, &best);
        if (!found || best.p_ballistic < ao.min_p_ballistic || best.coasting || best.t_last_ns == last_upd)
          continue;
        const mwx_track_est *e = &best.ballistic;
        mwx_sim_truth_state st;
        if (mwx_sim_truth_at(&truth, 0, e->t_ns, &st) || !st.in_flight)
          continue;
        last_sample = t;
        last_upd = best.t_last_ns;
        double d[6];
        for (int c = 0; c < 3; c++) {
          d[c] = e->x[c] - st.pos_ecef_m[c];
          d[3 + c] = e->x[3 + c] - st.vel_ecef_mps[c];
        }
        double Pv[MWX_TRACK_NX][MWX_TRACK_NX];
        for (int i = 0; i < 3; i++)
          for (int j = 0; j < 3; j++)
            Pv[i][j] = e->P[3 + i][3 + j];
        double ts = (double)(e->t_ns - truth.launch_ns[0]) / 1e9;
        int ph = nees_phase(&truth, e->t_ns, ts);
        nees_add(&acc[ph], nees(d, e->P, 6), nees(d, e->P, 3), nees(d + 3, Pv, 3));
      }
      mwx_assess_drive_destroy(drv);
      if (getenv("MWX_BENCH_VERBOSE")) { /* per seed: the mean 6-D NEES per phase so far in this seed */
        printf("    seed %2d", s);
        for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
          double q = 0;
          for (size_t i = seed_n0[p]; i < acc[p].n; i++)
            q += acc[p].v[i];
          printf("  %s %.2f (%zu)", phn[p], acc[p].n > seed_n0[p] ? q / (double)(acc[p].n - seed_n0[p]) : NAN,
                 acc[p].n - seed_n0[p]);
        }
        printf("\n");
      }
    }
    if (tty)
      fprintf(stderr, "\r%60s\r", "");
    char cell[MWX_ASSESS_N_PHASE][64];
    for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
      nees_cell(&acc[p], cell[p], sizeof cell[p]);
      for (size_t i = 0; i < acc[p].n; i++)
        nees_add(&tot[p], acc[p].v[i], 0, 0);
      tot[p].sp += acc[p].sp;
      tot[p].sv += acc[p].sv;
      free(acc[p].v);
    }
    printf("  %-22s %28s %28s %28s %28s\n", PUBLIC[f], cell[0], cell[1], cell[2], cell[3]);
    fflush(stdout);
    mwx_sim_truth_fini(&truth);
    mwx_sim_scenario_fini(&sc);
  }
  char cell[MWX_ASSESS_N_PHASE][64];
  for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
    nees_cell(&tot[p], cell[p], sizeof cell[p]);
    free(tot[p].v);
  }
  printf("  %-22s %28s %28s %28s %28s\n", "all", cell[0], cell[1], cell[2], cell[3]);
}

int main(int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "ellipse") && strcmp(argv[1], "crlb") && strcmp(argv[1], "phase") &&
                    strcmp(argv[1], "diag") && strcmp(argv[1], "nees"))) {
    fprintf(stderr, "usage: bench_track_mc ellipse [RUNS] | crlb [SEEDS] |\n"
                    "                      phase [SEEDS [default|legacy [ALL|KOR|JPN|USA [before]]]] |\n"
                    "                      nees [SEEDS [ALL|KOR|JPN|USA]]\n"
                    "       (from the source tree)\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 0;
  if (!strcmp(argv[1], "diag")) {
    if (argc < 4) {
      fprintf(stderr, "usage: bench_track_mc diag SCENARIO SEED [NATION [EVERY_S]]\n");
      return 2;
    }
    diag(argv[2], atoi(argv[3]), argc > 4 ? argv[4] : "ALL", argc > 5 ? atof(argv[5]) : 60.0);
    return 0;
  }
  if (!strcmp(argv[1], "nees")) {
    nees_bench(n > 0 ? n : 23, argc > 3 ? argv[3] : "ALL");
    return 0;
  }
  if (!strcmp(argv[1], "phase")) {
    const char *nat = argc > 4 ? argv[4] : "ALL";
    if (strlen(nat) != 3) {
      fprintf(stderr, "bench_track_mc: phase: nation '%s' is not ALL, KOR, JPN or USA\n", nat);
      return 2;
    }
    phase_bench(n > 0 ? n : 23, argc > 3 ? argv[3] : "default", nat, argc > 5 && !strcmp(argv[5], "before"));
  } else if (!strcmp(argv[1], "ellipse")) {
    if (n <= 0)
      n = 200;
    ellipse_filter(n);
    ellipse_e2e(n);
  } else {
    crlb(n > 0 ? n : 20);
  }
  return 0;
}
