/*
 * bench_fuse.c - Monte Carlo of track-to-track fusion against the
 * centralized optimum (BENCHMARKS.md, "fuse"):
 *
 *   bench_fuse [SEEDS] [SCENARIO ...]    (from the source tree; default 20
 *       seeds, 2022-10-04-hwasong12 and 2022-11-18-hwasong17)
 *
 * Per seed one simulation runs (mwx_sim_source, the scenario's default
 * sensors) and its plots go, as in the real system, to four trackers: one
 * per nation with that nation's plots (KOR, JPN, USA), and the centralized
 * one with every plot (what `mwx track --nation ALL` runs).  Each nation's
 * tracker emits what its node publishes: a sample per confirmed track each
 * time the track is updated (mwx_fuse_sample_from_track: the combined
 * estimate, exactly the Track sample of node.c).  JPN's fuser takes its own
 * and KOR's and the USA's samples every 1-s step (zero latency: the transport
 * is measured elsewhere).
 *
 * Every 5 s of flight the truth of missile 0 is compared with: JPN's fused
 * picture (mwx_fuse_get at that time), the centralized tracker and each
 * nation's tracker (mwx_track_state_at, confirmed tracks, coasting ones
 * included) - for each the estimate nearest the truth within 50 km.  Errors
 * are pooled over seeds per time bin (RMS position, velocity; fused NEES of
 * the 6-D [pos, vel] state).  Reported: the RMS over every (seed, bin) where
 * both fused and centralized have an estimate and their ratio; per flight
 * phase; the bins where the fused RMS is above the best single nation's
 * (among the nations that held the missile in every seed of that bin); the
 * share of bins whose mean NEES is inside the two-sided 95% band of the mean
 * of SEEDS chi-square(6) values (Wilson-Hilferty).  Bins where the truth is
 * below 50 km are left out: there the drag that the trackers do not model
 * (beta 0, docs/track.md) makes every estimator alike inconsistent.
 *
 * Options: --boost-info (boost samples by the information sum, not CI),
 * --ici (ICI instead of CI: the default before the seventh session; --ci is
 * the default now and changes nothing), --no-thrust (boost samples propagated
 * ballistically), --no-powered (no thrust allowance in the split test) and
 * --no-merge-back (both together: the fuser before issue 13's tenth session), --no-held (no held
 * gate: every member leaves at the split gate) and --no-exclusive (a replacement also where the new track
 * fits another fused track; both: the fuser before the eleventh session), --no-odd (no odd-one-out rule:
 * the fuser before the twelfth session), --no-pending (a new track associated on its first sample: the fuser
 * before the thirteenth session), --no-burnout-ci (every free-flight member in the information sum: the same)
 * --no-boost-sum (boost samples by CI in the picture's state too: the fuser before the nineteenth session),
 * --no-displaced-silent (a displaced member is used only while fresh: the same), --tracklet (own-sensor
 * members fused by tracklets, information decorrelation: docs/fusion.md "Tracklets"), --beside-near (a new track
 * waits as beside a fused track holding a live track of its tracker only inside the other nations' split gate:
 * measured in the nineteenth session, not on), --thrust-tau S (a partner's thrust estimate smoothed over S s:
 * mwx_fuse_config.thrust_tau_s, default 4), --no-thrust-vector (a partner's thrust estimated along the velocity,
 * no angle, no trend: mwx_fuse_config.thrust_vector 0, before the twenty-second session)
 * are the ablations of docs/fusion.md.  --ballistic gives the fuser each track's ballistic-model estimate
 * once ballistic (mwx_track_info.ballistic) instead of the combined one the
 * node publishes today (what a change to node.c's Track sample would give).
 * --cost [SCENARIO ...] (default salvo-100): the cost of the fuser itself,
 * per ingest of a 1-s step of the three nations' samples and per sample,
 * and of the picture made after it (BENCHMARKS.md, fuse, issue 13).  --micro: CPU per call of
 * mwx_fuse_ici, mwx_fuse_ci and mwx_fuse_distance2 on two fixed boost-like estimates.
 * Environment: BENCH_FUSE_DUMP=FILE (with --cost) writes every fused track of every step's
 * picture to FILE, states to the last digit (two builds of the fuser compared), BENCH_FUSE_COST_S=S
 * stops --cost S seconds after the first sample; BENCH_FUSE_BINS=1 prints every bin's RMS per estimator on
 * stderr, BENCH_FUSE_TRACE=N seed N's fused tracks every 5 s (BENCH_FUSE_AT=S: also every seed's at
 * +S s; BENCH_FUSE_TRACKS=1: with every nation's confirmed tracks within 100 km, their error and age).
 * BENCH_FUSE_MEM=1 (with --cost): the fuser's tables every minute (mwx_fuse_mem_stats).
 * BENCH_FUSE_JOIN=1 (with --cost): for every source track, the time from its first sample to the first
 * step after whose ingest it has a number (the pending join's wait, docs/fusion.md), p50/p90/p99/max.
 * BENCH_FUSE_NEES=1 (issue 13, seventeenth session): each estimator's 3-D position and velocity NEES
 * per bin (stderr, "nees3" lines) and per phase (stdout), with the per-axis z^2 on the truth's velocity
 * frame (along, up in its vertical plane, lateral); BENCH_FUSE_UNTIL_S=S ends each seed's run S s after
 * launch (the boost alone: a fraction of the flight's cost).
 * BENCH_FUSE_NUMBERS=1: every change of the missile's number, and each seed's counts.
 * BENCH_FUSE_BURNOUT_S=S: the burnout rule's window burnout_ci_s (default 0, off, since the twenty-second session;
 * 10 s before, 5 s before the sixteenth).
 * BENCH_FUSE_QB=Q: the fuser's q_ballistic_m2ps3 (ablation: 1e-4, the default before the seventh session).
 * BENCH_FUSE_QBOOST=Q: the fuser's q_boost_m2ps3 (its prediction of a boost sample; default 100).
 * BENCH_FUSE_SOURCES=1 (twenty-second session): the sources' NEES per phase as the fuser gets them - each
 * nation's published sample at its own time, and a fuser with that nation's samples alone at the bin's time.
 * BENCH_FUSE_WEIGHTS=S: at the bin of +S s, per seed (stderr, "weights" lines) the fused track's method,
 * members and used nations, each nation's velocity error, claimed sigma and information-sum weight; and the
 * RMS over the seeds of the fused track, each nation, the sum and the CI of the three, the sum of KOR and USA,
 * each nation's tracker at t and their sum.  BENCH_FUSE_OWN_THRUST=1: the per-nation fusers get each nation's
 * samples as its own (with the filter's thrust, which a partner's Track sample does not carry).
 * --from KOR,USA (any of KOR, JPN, USA): JPN's fuser takes only these nations' samples (issue 13, sixteenth
 * session: which nation's samples make the fused track worse than the best nation's).  The report gives,
 * per phase, the fused RMS over the bins against the RMS of each bin's best single nation.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture_bench.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/geo.h"
#include "mwx/sim.h"
#include "mwx/track.h"

#define NS 1000000000LL
#define EVAL_STEP_S 5
#define MAX_BINS 2000
#define NEAR_M 50e3
/* below this height the drag the trackers do not model (beta 0, docs/track.md)
 * dominates every estimator alike: not evaluated */
#define MIN_EVAL_H_M 50e3

enum { E_FUSED = 0, E_ALL, E_KOR, E_JPN, E_USA, N_EST };
static const char *EST_NAME[N_EST] = {"JPN fused", "centralized", "KOR", "JPN", "USA"};
static int g_ballistic; /* --ballistic: samples carry the ballistic model's estimate once ballistic */
static mwx_fuse_config g_cfg; /* --boost-info, --ci, --no-thrust: ablations */
static int g_nees_axes;       /* BENCH_FUSE_NEES: 3-D position / velocity NEES and per-axis z^2 per bin */
static int g_postburn;        /* MWX_TRACK_POSTBURN_Q_IN_AIR_ONLY (fx_bench_postburn_env) */
static double g_until_s;      /* BENCH_FUSE_UNTIL_S: a seed's run stops this long after launch (0: the flight) */
static mwx_fuse_tracklet_counts g_tk; /* --tracklet: the fusers' tracklet counts, summed over the seeds */
#define COAST_S 20
static unsigned g_from = 7u;   /* --from: the nations whose samples JPN's fuser takes (bit 0 KOR, 1 JPN, 2 USA) */
/* BENCH_FUSE_SOURCES=1 (issue 13, twenty-second session): the sources' NEES as the fuser gets them, per 5-s
 * bin: each nation's published sample nearest the truth against the truth at the sample's own time (SB_RAW + k:
 * the track as sent, no propagation; every step's samples, in the bin of their step), and a fuser of JPN's configuration that takes that nation's samples
 * alone, evaluated as the fused picture is (SB_PROP + k: the sample as delivered to JPN - a partner's without
 * its thrust state - propagated to the bin's time by the fuser, with the fuser's process noise) */
enum { SB_RAW = 0, SB_PROP = 3, N_SB = 6 };
static const char *SB_NAME[N_SB] = {"KOR sent", "JPN sent", "USA sent", "KOR at t", "JPN at t", "USA at t"};
typedef struct srcbin {
  double n6[N_SB], np[N_SB], nv[N_SB];
  int n[N_SB], n3[N_SB];
} srcbin;
static srcbin *g_sb;     /* MAX_BINS of them when BENCH_FUSE_SOURCES */
static int g_sb_own;     /* BENCH_FUSE_OWN_THRUST=1: each nation's fuser gets its samples as the nation's own (with the
                            filter's thrust, which a partner's Track sample does not carry): what the thrust costs */
static int g_wbin = -1;  /* BENCH_FUSE_WEIGHTS=S: the bin at +S s: per seed the fused track's members and weights */
/* BENCH_FUSE_WEIGHTS: over the seeds at that bin, the squared velocity error of: the fused track, each nation as
 * propagated by the fuser, the bench's information sum of the three, their CI, the sum of KOR and the USA; each
 * nation's tracker at t (its own 9-D state propagated by itself: what JPN's fuser never gets) and their sum */
enum { W_FUSED = 0, W_KOR, W_JPN, W_USA, W_SUM, W_CI, W_KU, W_TKOR, W_TJPN, W_TUSA, W_TSUM, N_W };
static const char *W_NAME[N_W] = {"fused", "KOR", "JPN", "USA", "sum of 3", "CI of 3", "sum KOR+USA",
                                  "KOR tracker", "JPN tracker", "USA tracker", "sum of the 3 trackers"};
static double g_wse[N_W], g_wsp[N_W];
static int g_wn[N_W];

typedef struct bin {
  double se_p[N_EST], se_v[N_EST];
  int n[N_EST];
  double nees_f, nees_c;
  double nees[N_EST]; /* sum over seeds of each estimator's 6-D NEES */
  int n_nees[N_EST];
  int phase; /* truth phase */
  int coast; /* unpowered and powered COAST_S before (a staging coast, the seconds after burnout): a
                subset of mid-course, its own row in the NEES table */
  /* BENCH_FUSE_DECOMP: the three nations' tracker estimates summed by information in the bench
   * (seeds where all three hold it): its squared position error, each nation's term |u_k|^2
   * (u_k = P_f I_k e_k, e_f = sum u_k), the cross terms 2 u_j.u_k (0 on average for independent
   * errors), the trace of P_f's position block (the error it claims), the sum without nation k */
  double d_se, d_u[3], d_x[3], d_tr, d_drop[3];
  int d_n;
  /* BENCH_FUSE_NEES: each estimator's 3-D position and velocity NEES and, per axis of the truth's
   * velocity frame (along the velocity, up in its vertical plane, lateral), the squared error over
   * the variance the estimator claims on that axis, position [0..2] and velocity [3..5] (1 expected) */
  double nees_p[N_EST], nees_v[N_EST], zax[N_EST][6], tr_p[N_EST], tr_v[N_EST];
  int n3[N_EST];
  int used;
} bin;

/* Error of the estimate nearest the truth (within NEAR_M) among the
 * tracker's confirmed tracks at t.  1 if found. */
static int tracker_err(const mwx_tracker *tr, int64_t t, const double xt[6], double e[6], double P[6][6]) {
  double best = NEAR_M;
  int found = 0;
  for (size_t i = 0; i < mwx_track_count(tr); i++) {
    mwx_track_info in;
    mwx_track_est est;
    if (mwx_track_get(tr, i, &in) || in.status != MWX_TRACK_CONFIRMED || mwx_track_state_at(tr, i, t, &est)) {
      mwx_error_clear();
      continue;
    }
    double d = 0;
    for (int c = 0; c < 3; c++)
      d += pow(est.x[c] - xt[c], 2);
    d = sqrt(d);
    if (d < best) {
      best = d;
      for (int c = 0; c < 6; c++) {
        e[c] = est.x[c] - xt[c];
        for (int k = 0; k < 6; k++)
          P[c][k] = est.P[c][k];
      }
      found = 1;
    }
  }
  return found;
}

/* picture quality, over all seeds: distinct global numbers the fused track
 * nearest the truth had during one flight, and evaluations with more than
 * one fused track within NEAR_M of the truth */
static int g_numbers_sum, g_numbers_max, g_numbers_runs, g_dup_evals, g_evals;
static uint32_t g_seen[64], g_last_gtn;
static uint64_t g_seed;
static int64_t g_launch_ns;
static int g_nseen;

/* The fused track of fz nearest the truth within NEAR_M at t (its error, covariance and the track; out may
 * be NULL).  1 if found.  *n_near (may be NULL): how many fused tracks lie within NEAR_M.  No bookkeeping
 * (fused_err's numbers). */
static int nearest_fused(const mwx_fuser *fz, int64_t t, const double xt[6], double e[6], double P[6][6],
                         mwx_fuse_track *out, int *n_near) {
  double best = NEAR_M;
  int found = 0, near = 0;
  for (size_t i = 0; i < mwx_fuse_count(fz); i++) {
    mwx_fuse_track ft;
    if (mwx_fuse_get(fz, i, t, &ft)) {
      mwx_error_clear();
      continue;
    }
    double d = 0;
    for (int c = 0; c < 3; c++)
      d += pow(ft.x[c] - xt[c], 2);
    d = sqrt(d);
    near += d < NEAR_M;
    if (d < best) {
      best = d;
      for (int c = 0; c < 6; c++)
        e[c] = ft.x[c] - xt[c];
      memcpy(P, ft.P, sizeof ft.P);
      if (out)
        *out = ft;
      found = 1;
    }
  }
  if (n_near)
    *n_near = near;
  return found;
}

static int fused_err(const mwx_fuser *fz, int64_t t, const double xt[6], double e[6], double P[6][6]) {
  mwx_fuse_track best;
  int near = 0;
  int found = nearest_fused(fz, t, xt, e, P, &best, &near);
  uint32_t gtn = found ? best.global_track_no : 0;
  g_evals++;
  g_dup_evals += near > 1;
  if (found && getenv("BENCH_FUSE_NUMBERS") && g_nseen && gtn != g_last_gtn) {
    /* why the number changed: the fused tracks near the truth now */
    fprintf(stderr, "seed %llu +%.0f s: number %u -> %u;", (unsigned long long)g_seed,
            (double)(t - g_launch_ns) / NS, g_last_gtn, gtn);
    for (size_t i = 0; i < mwx_fuse_count(fz); i++) {
      mwx_fuse_track ft;
      if (mwx_fuse_get(fz, i, t, &ft)) {
        mwx_error_clear();
        continue;
      }
      double d = 0;
      for (int c = 0; c < 3; c++)
        d += pow(ft.x[c] - xt[c], 2);
      if (sqrt(d) > 3 * NEAR_M)
        continue;
      fprintf(stderr, " [%u %.0f m m%d u%d:", ft.global_track_no, sqrt(d), ft.method, ft.n_used);
      for (int k = 0; k < ft.n_members; k++)
        fprintf(stderr, " %s", ft.member_local_id[k]);
      fprintf(stderr, "]");
    }
    fprintf(stderr, "\n");
  }
  if (found)
    g_last_gtn = gtn;
  if (found) {
    int k = 0;
    while (k < g_nseen && g_seen[k] != gtn)
      k++;
    if (k == g_nseen && g_nseen < 64)
      g_seen[g_nseen++] = gtn;
  }
  return found;
}

/* BENCH_FUSE_DECOMP: the information sum of the nations' estimates in mask (bits k of E_KOR + k);
 * u[k] = P_f I_k e_k (zero outside the mask), tr = trace of P_f's position block.  -1 if singular. */
static int info_decomp(const double e[N_EST][6], const double P[N_EST][6][6], unsigned mask, double u[3][6],
                       double *tr) {
  double I[3][6][6], S[6][6] = {{0}}, Pf[6][6];
  for (int k = 0; k < 3; k++) {
    if (!((mask >> k) & 1u))
      continue;
    if (fx_inv6(P[E_KOR + k], I[k], NULL))
      return -1;
    for (int i = 0; i < 6; i++)
      for (int j = 0; j < 6; j++)
        S[i][j] += I[k][i][j];
  }
  if (fx_inv6(S, Pf, NULL))
    return -1;
  *tr = Pf[0][0] + Pf[1][1] + Pf[2][2];
  for (int k = 0; k < 3; k++) {
    double w[6] = {0};
    for (int i = 0; i < 6 && ((mask >> k) & 1u); i++)
      for (int j = 0; j < 6; j++)
        w[i] += I[k][i][j] * e[E_KOR + k][j];
    for (int i = 0; i < 6; i++) {
      u[k][i] = 0;
      for (int j = 0; j < 6; j++)
        u[k][i] += Pf[i][j] * w[j];
    }
  }
  return 0;
}

static double nees6(const double e[6], const double P[6][6]) {
  double z[6] = {0}, Z[6][6] = {{0}}, d2;
  if (mwx_fuse_distance2(e, P, z, Z, &d2)) {
    mwx_error_clear();
    return NAN;
  }
  return d2;
}

/* e^T P^-1 e for a 3-vector and a 3x3 covariance (cofactors); NAN if singular. */
static double nees3(const double e[3], const double P[3][3]) {
  double c00 = P[1][1] * P[2][2] - P[1][2] * P[2][1], c01 = P[1][2] * P[2][0] - P[1][0] * P[2][2],
         c02 = P[1][0] * P[2][1] - P[1][1] * P[2][0];
  double det = P[0][0] * c00 + P[0][1] * c01 + P[0][2] * c02;
  if (!(det > 0))
    return NAN;
  double I[3][3] = {{c00, P[0][2] * P[2][1] - P[0][1] * P[2][2], P[0][1] * P[1][2] - P[0][2] * P[1][1]},
                    {c01, P[0][0] * P[2][2] - P[0][2] * P[2][0], P[0][2] * P[1][0] - P[0][0] * P[1][2]},
                    {c02, P[0][1] * P[2][0] - P[0][0] * P[2][1], P[0][0] * P[1][1] - P[0][1] * P[1][0]}};
  double d2 = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      d2 += e[i] * I[i][j] * e[j] / det;
  return d2;
}

/* BENCH_FUSE_NEES: the position and velocity NEES of an estimate and its per-axis z^2 in the
 * truth's velocity frame (xt: the truth's position and velocity). */
static void nees_axes(const double e[6], const double P[6][6], const double xt[6], double *np, double *nv,
                      double z2[6]) {
  double Pp[3][3], Pv[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      Pp[i][j] = P[i][j], Pv[i][j] = P[3 + i][3 + j];
  *np = nees3(e, Pp);
  *nv = nees3(e + 3, Pv);
  double r = sqrt(xt[0] * xt[0] + xt[1] * xt[1] + xt[2] * xt[2]);
  double sp = sqrt(xt[3] * xt[3] + xt[4] * xt[4] + xt[5] * xt[5]), ax[3][3], w = 0, nn = 0;
  for (int i = 0; i < 3; i++)
    ax[0][i] = xt[3 + i] / sp, w += ax[0][i] * xt[i] / r;
  for (int i = 0; i < 3; i++)
    ax[1][i] = xt[i] / r - w * ax[0][i], nn += ax[1][i] * ax[1][i];
  for (int i = 0; i < 3; i++)
    ax[1][i] /= sqrt(nn);
  ax[2][0] = ax[0][1] * ax[1][2] - ax[0][2] * ax[1][1];
  ax[2][1] = ax[0][2] * ax[1][0] - ax[0][0] * ax[1][2];
  ax[2][2] = ax[0][0] * ax[1][1] - ax[0][1] * ax[1][0];
  for (int b = 0; b < 2; b++)
    for (int a = 0; a < 3; a++) {
      double pe = 0, var = 0;
      for (int i = 0; i < 3; i++) {
        pe += ax[a][i] * e[3 * b + i];
        for (int j = 0; j < 3; j++)
          var += ax[a][i] * P[3 * b + i][3 * b + j] * ax[a][j];
      }
      z2[3 * b + a] = var > 0 ? pe * pe / var : NAN;
    }
}

/* Wilson-Hilferty chi-square quantile for k dof at standard normal z. */
static double wh(double k, double z) {
  double a = 2.0 / (9.0 * k);
  return k * pow(1.0 - a + z * sqrt(a), 3);
}

/* BENCH_FUSE_SOURCES: one bin's source NEES (srcbin): each nation's sample of this step nearest the truth at
 * its own time, and each nation's fuser (fzk[k]) at t. */
static void sources_add(srcbin *S, int x, const double e[6], const double P[6][6], const double xt[6]) {
  double n6 = nees6(e, P), np, nv, z2[6];
  if (isfinite(n6))
    S->n6[x] += n6, S->n[x]++;
  nees_axes(e, P, xt, &np, &nv, z2);
  if (isfinite(np) && isfinite(nv))
    S->np[x] += np, S->nv[x] += nv, S->n3[x]++;
}

static void sources_sent(const mwx_fuse_pipe *pp, const mwx_sim_truth *truth, srcbin *S) {
  const mwx_fuse_sample *ps;
  const int *pf;
  size_t np = mwx_fuse_pipe_published(pp, &ps, &pf);
  for (int k = 0; k < 3; k++) {
    double best = NEAR_M, eb[6], xb[6];
    const mwx_fuse_sample *sb = NULL;
    for (size_t i = 0; i < np; i++) {
      mwx_sim_truth_state st;
      if (pf[i] != k || mwx_sim_truth_at(truth, 0, ps[i].t_ns, &st) || !st.in_flight)
        continue;
      double d = 0, e[6];
      for (int c = 0; c < 3; c++) {
        e[c] = ps[i].pos_ecef_m[c] - st.pos_ecef_m[c];
        e[3 + c] = ps[i].vel_ecef_mps[c] - st.vel_ecef_mps[c];
        d += e[c] * e[c];
      }
      if (sqrt(d) < best) {
        best = sqrt(d), sb = &ps[i];
        memcpy(eb, e, sizeof e);
        memcpy(xb, st.pos_ecef_m, sizeof st.pos_ecef_m);
        memcpy(xb + 3, st.vel_ecef_mps, sizeof st.vel_ecef_mps);
      }
    }
    if (sb)
      sources_add(S, SB_RAW + k, eb, sb->P, xb);
  }
}

static void sources_eval(mwx_fuser *const fzk[3], int64_t t, const double xt[6], srcbin *S) {
  for (int k = 0; k < 3; k++) {
    double e[6], P[6][6];
    if (fzk[k] && nearest_fused(fzk[k], t, xt, e, P, NULL, NULL))
      sources_add(S, SB_PROP + k, e, P, xt);
  }
}

/* BENCH_FUSE_WEIGHTS: the fused track nearest the truth at t and what it holds: method, members, the nations
 * used (contributors), and for each nation (its own fuser's state at t: the member as the fuser propagates it)
 * the velocity error, the velocity sigma it claims and its weight in an information sum of the used nations
 * (w_k = tr of the velocity block of P_sum I_k / 3; the weights sum to 1), with the sum's velocity error beside
 * the fused one (equal when the fuser summed them).  Accumulates the alternatives' squared errors (W_*). */
static void weights_eval(const mwx_fuser *fz, mwx_fuser *const fzk[3], int64_t t, const double xt[6], uint64_t seed,
                         const double etr[N_EST][6], const double Ptr[N_EST][6][6], const int htr[N_EST]) {
  static const char *NAT[3] = {"KOR", "JPN", "USA"};
  double ef[6], Pf[6][6], ek[3][6], Pk[3][6][6];
  mwx_fuse_track ft, ftk[3];
  int hf = nearest_fused(fz, t, xt, ef, Pf, &ft, NULL), hk[3];
  for (int k = 0; k < 3; k++)
    hk[k] = fzk[k] && nearest_fused(fzk[k], t, xt, ek[k], Pk[k], &ftk[k], NULL);
  double sp = 0, sv = 0;
  for (int i = 0; i < 3; i++)
    sp += xt[3 + i] * xt[3 + i];
  sp = sqrt(sp);
#define VNORM(e) sqrt((e)[3] * (e)[3] + (e)[4] * (e)[4] + (e)[5] * (e)[5])
#define VALONG(e) (((e)[3] * xt[3] + (e)[4] * xt[4] + (e)[5] * xt[5]) / sp)
  fprintf(stderr, "weights seed %2d +%.0f", (int)seed, (double)(t - g_launch_ns) / NS);
  if (!hf) {
    fprintf(stderr, " no fused track\n");
    return;
  }
  fprintf(stderr, " fused m%d u%d |ev| %.2f along %+.2f members", ft.method, ft.n_used, VNORM(ef), VALONG(ef));
  for (int m = 0; m < ft.n_members; m++)
    fprintf(stderr, " %s", ft.member_local_id[m]);
  fprintf(stderr, " used");
  unsigned used = 0;
  for (int c = 0; c < ft.n_contributors; c++) {
    fprintf(stderr, " %s", ft.contributors[c]);
    for (int k = 0; k < 3; k++)
      if (!strcmp(ft.contributors[c], NAT[k]) && hk[k])
        used |= 1u << k;
  }
  /* the information sum of the used nations */
  double I[3][6][6], S[6][6] = {{0}}, Ps[6][6], w[3] = {0}, es[6] = {0};
  int ok = used != 0;
  for (int k = 0; k < 3 && ok; k++)
    if ((used >> k) & 1u) {
      if (fx_inv6(Pk[k], I[k], NULL))
        ok = 0;
      for (int i = 0; i < 6 && ok; i++)
        for (int j = 0; j < 6; j++)
          S[i][j] += I[k][i][j];
    }
  if (ok && fx_inv6(S, Ps, NULL))
    ok = 0;
  for (int k = 0; k < 3 && ok; k++)
    if ((used >> k) & 1u) {
      double W[6][6], Ie[6] = {0};
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
          W[i][j] = 0;
          for (int m = 0; m < 6; m++)
            W[i][j] += Ps[i][m] * I[k][m][j];
          Ie[i] += I[k][i][j] * ek[k][j];
        }
      w[k] = (W[3][3] + W[4][4] + W[5][5]) / 3.0;
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
          es[i] += Ps[i][j] * Ie[j];
    }
  for (int k = 0; k < 3; k++) {
    if (!hk[k]) {
      fprintf(stderr, " | %s -", NAT[k]);
      continue;
    }
    fprintf(stderr, " | %s %s m%d age %.2f s |ev| %.2f along %+.2f sv %.2f w %.3f", NAT[k], ftk[k].boost ? "boost" : "free",
            ftk[k].method, (double)(t - ftk[k].t_last_sample_ns) / NS, VNORM(ek[k]), VALONG(ek[k]),
            sqrt(Pk[k][3][3] + Pk[k][4][4] + Pk[k][5][5]), w[k]);
    if (htr[E_KOR + k]) /* the nation's tracker at t (what "the best single nation" compares) */
      fprintf(stderr, " tracker |ev| %.2f along %+.2f", VNORM(etr[E_KOR + k]), VALONG(etr[E_KOR + k]));
  }
  if (ok)
    fprintf(stderr, " | sum of used |ev| %.2f (fused - sum: pos %.2f m)", VNORM(es),
            sqrt(pow(ef[0] - es[0], 2) + pow(ef[1] - es[1], 2) + pow(ef[2] - es[2], 2)));
  fprintf(stderr, "\n");
  /* the alternatives, over the seeds where every nation has a state */
  if (!(hk[0] && hk[1] && hk[2]))
    return;
  double alt[N_W][6];
  int have[N_W] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
  memcpy(alt[W_FUSED], ef, sizeof ef);
  for (int k = 0; k < 3; k++)
    memcpy(alt[W_KOR + k], ek[k], sizeof ek[k]);
  int htr3 = htr[E_KOR] && htr[E_JPN] && htr[E_USA];
  for (int k = 0; k < 3 && htr3; k++)
    memcpy(alt[W_TKOR + k], etr[E_KOR + k], sizeof alt[0]), have[W_TKOR + k] = 1;
  for (int a = W_SUM; a <= W_TSUM; a++) {
    if (a >= W_TKOR && a < W_TSUM)
      continue;
    if (a == W_TSUM && !htr3)
      continue;
    unsigned mask = a == W_KU ? 5u : 7u;
    const double(*Pk_)[6][6] = a == W_TSUM ? &Ptr[E_KOR] : (const double(*)[6][6])Pk;
    const double(*ek_)[6] = a == W_TSUM ? &etr[E_KOR] : (const double(*)[6])ek;
    if (a == W_CI) {
      double x1[6], P1[6][6], x2[6], P2[6][6];
      if (!mwx_fuse_ci(ek[0], Pk[0], ek[1], Pk[1], x1, P1, NULL) && !mwx_fuse_ci(x1, P1, ek[2], Pk[2], x2, P2, NULL)) {
        memcpy(alt[a], x2, sizeof x2);
        have[a] = 1;
      }
      mwx_error_clear();
      continue;
    }
    double Sa[6][6] = {{0}}, iv[6] = {0}, Pa[6][6], Ik[6][6];
    int good = 1;
    for (int k = 0; k < 3 && good; k++)
      if ((mask >> k) & 1u) {
        if (fx_inv6(Pk_[k], Ik, NULL)) {
          good = 0;
          break;
        }
        for (int i = 0; i < 6; i++)
          for (int j = 0; j < 6; j++)
            Sa[i][j] += Ik[i][j], iv[i] += Ik[i][j] * ek_[k][j];
      }
    if (good && !fx_inv6(Sa, Pa, NULL)) {
      for (int i = 0; i < 6; i++) {
        alt[a][i] = 0;
        for (int j = 0; j < 6; j++)
          alt[a][i] += Pa[i][j] * iv[j];
      }
      have[a] = 1;
    }
  }
  for (int a = 0; a < N_W; a++)
    if (have[a]) {
      g_wse[a] += alt[a][3] * alt[a][3] + alt[a][4] * alt[a][4] + alt[a][5] * alt[a][5];
      g_wsp[a] += alt[a][0] * alt[a][0] + alt[a][1] * alt[a][1] + alt[a][2] * alt[a][2];
      g_wn[a]++;
    }
  (void)sv;
#undef VNORM
#undef VALONG
}

static int run_seed(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, uint64_t seed, bin *bins, int *nbins) {
  mwx_fuse_pipe *pp = NULL;
  mwx_fuser *fz = NULL, *fzk[3] = {NULL, NULL, NULL}; /* fzk: one nation's samples alone (BENCH_FUSE_SOURCES) */
  const mwx_tracker *tr[4];
  mwx_fuse_pipe_opts po;
  mwx_fuse_pipe_opts_default(&po);
  po.seed = seed;
  po.centralized = 1;
  po.ballistic_est = g_ballistic;
  po.postburn_q_in_air_only = g_postburn;
  int rc = mwx_fuse_pipe_create(sc, truth, &po, &pp);
  if (!rc)
    rc = mwx_fuse_create(&g_cfg, &fz);
  for (int k = 0; k < 3 && !rc && (g_sb || g_wbin >= 0); k++)
    rc = mwx_fuse_create(&g_cfg, &fzk[k]);
  if (rc)
    goto done;
  for (int k = 0; k < 4; k++)
    tr[k] = mwx_fuse_pipe_tracker(pp, k);
  g_nseen = 0;
  g_seed = seed;
  g_launch_ns = truth->launch_ns[0];
  int64_t L0 = truth->launch_ns[0];
  double flight_s = truth->traj[0].fig.flight_time_s;
  for (;;) {
    int end = 0;
    if ((rc = mwx_fuse_pipe_step(pp, &end)))
      goto done;
    if (end)
      break;
    int64_t t = mwx_fuse_pipe_time(pp);
    /* what the three nodes publish this step, as JPN receives it */
    if ((rc = mwx_fuse_pipe_deliver(pp, 1, g_from, fz)))
      goto done;
    for (int k = 0; k < 3; k++)
      if (fzk[k] && (rc = mwx_fuse_pipe_deliver(pp, g_sb_own ? k : 1, 1u << k, fzk[k])))
        goto done;
    /* evaluation every EVAL_STEP_S of flight */
    int64_t since = t - L0;
    if (g_until_s > 0 && since > (int64_t)(g_until_s * NS))
      break;
    /* every step's published samples, in the 5-s bin they fall in (BENCH_FUSE_SOURCES "sent") */
    if (g_sb && since >= 0 && since / (EVAL_STEP_S * NS) < MAX_BINS)
      sources_sent(pp, truth, &g_sb[since / (EVAL_STEP_S * NS)]);
    if (since < 0 || since % (EVAL_STEP_S * NS) || (double)since / NS > flight_s - 1.0)
      continue;
    int b = (int)(since / (EVAL_STEP_S * NS));
    if (b >= MAX_BINS)
      continue;
    mwx_sim_truth_state st;
    if (mwx_sim_truth_at(truth, 0, t, &st) || !st.in_flight || st.lla.h_m < MIN_EVAL_H_M)
      continue;
    double xt[6];
    memcpy(xt, st.pos_ecef_m, sizeof st.pos_ecef_m);
    memcpy(xt + 3, st.vel_ecef_mps, sizeof st.vel_ecef_mps);
    bin *B = &bins[b];
    B->used = 1;
    B->phase = st.powered ? 0 : (int)st.phase;
    {
      mwx_sim_truth_state sb;
      B->coast = !st.powered && !mwx_sim_truth_at(truth, 0, t - COAST_S * NS, &sb) && sb.powered;
    }
    if (b + 1 > *nbins)
      *nbins = b + 1;
    double e[N_EST][6], P[N_EST][6][6], ne[N_EST];
    int have[N_EST];
    have[E_FUSED] = fused_err(fz, t, xt, e[E_FUSED], P[E_FUSED]);
    have[E_ALL] = tracker_err(tr[3], t, xt, e[E_ALL], P[E_ALL]);
    for (int k = 0; k < 3; k++)
      have[E_KOR + k] = tracker_err(tr[k], t, xt, e[E_KOR + k], P[E_KOR + k]);
    for (int x = 0; x < N_EST; x++)
      ne[x] = have[x] ? nees6(e[x], P[x]) : NAN;
    double nf = ne[E_FUSED], nc = ne[E_ALL];
    if (g_sb)
      sources_eval(fzk, t, xt, &g_sb[b]);
    if (b == g_wbin)
      weights_eval(fz, fzk, t, xt, seed, (const double(*)[6])e, (const double(*)[6][6])P, have);
    if (getenv("BENCH_FUSE_DECOMP") && have[E_KOR] && have[E_JPN] && have[E_USA]) {
      double u[3][6], tr, ud[3][6], trd;
      if (!info_decomp(e, P, 7u, u, &tr)) {
        double ef[3] = {0};
        for (int k = 0; k < 3; k++)
          for (int c = 0; c < 3; c++)
            ef[c] += u[k][c];
        B->d_se += ef[0] * ef[0] + ef[1] * ef[1] + ef[2] * ef[2];
        B->d_tr += tr;
        for (int k = 0; k < 3; k++) {
          int j = (k + 1) % 3;
          double uu = 0, ux = 0;
          for (int c = 0; c < 3; c++)
            uu += u[k][c] * u[k][c], ux += 2 * u[k][c] * u[j][c];
          B->d_u[k] += uu;
          B->d_x[k] += ux; /* the pair (k, k+1) */
          if (!info_decomp(e, P, 7u & ~(1u << k), ud, &trd)) {
            double ed[3] = {0};
            for (int m = 0; m < 3; m++)
              for (int c = 0; c < 3; c++)
                ed[c] += ud[m][c];
            B->d_drop[k] += ed[0] * ed[0] + ed[1] * ed[1] + ed[2] * ed[2];
          }
        }
        B->d_n++;
      }
    }
    for (int x = 0; x < N_EST; x++) {
      if (!have[x])
        continue;
      if (isfinite(ne[x]))
        B->nees[x] += ne[x], B->n_nees[x]++;
      if (g_nees_axes) {
        double np, nv, z2[6];
        nees_axes(e[x], P[x], xt, &np, &nv, z2);
        if (isfinite(np) && isfinite(nv)) {
          B->nees_p[x] += np, B->nees_v[x] += nv, B->n3[x]++;
          B->tr_p[x] += P[x][0][0] + P[x][1][1] + P[x][2][2];
          B->tr_v[x] += P[x][3][3] + P[x][4][4] + P[x][5][5];
          for (int a = 0; a < 6; a++)
            B->zax[x][a] += z2[a];
        }
      }
      for (int c = 0; c < 3; c++) {
        B->se_p[x] += e[x][c] * e[x][c];
        B->se_v[x] += e[x][3 + c] * e[x][3 + c];
      }
      B->n[x]++;
    }
    if (getenv("BENCH_FUSE_TRACE") && (seed == (uint64_t)atoi(getenv("BENCH_FUSE_TRACE")) || (getenv("BENCH_FUSE_AT") && (int)((double)since / NS) == atoi(getenv("BENCH_FUSE_AT"))))) {
      fprintf(stderr, "seed %d ", (int)seed);
      fprintf(stderr, "+%5.0f ph %d", (double)since / NS, B->phase);
      for (int x = 0; x < N_EST; x++) {
        double ep = 0;
        for (int c = 0; c < 3; c++)
          ep += e[x][c] * e[x][c];
        fprintf(stderr, " %s %8.1f", EST_NAME[x], have[x] ? sqrt(ep) : -1.0);
      }
      fprintf(stderr, " nees_f %.1f nees_c %.1f vel", nf, nc);
      for (int x = 0; x < N_EST; x++) /* the velocity error of each, m/s */
        fprintf(stderr, " %.2f", have[x] ? sqrt(e[x][3] * e[x][3] + e[x][4] * e[x][4] + e[x][5] * e[x][5]) : -1.0);
      if (have[E_KOR] && have[E_JPN] && have[E_USA]) { /* the bench's own information sum of the three */
        double u[3][6], tr, ef[3] = {0};
        if (!info_decomp(e, P, 7u, u, &tr)) {
          for (int k = 0; k < 3; k++)
            for (int c = 0; c < 3; c++)
              ef[c] += u[k][c];
          fprintf(stderr, " sum %.1f", sqrt(ef[0] * ef[0] + ef[1] * ef[1] + ef[2] * ef[2]));
        }
      }
      for (int x = 0; x < N_EST; x++) /* the position sigma each estimator claims (sqrt of the trace) */
        if (have[x])
          fprintf(stderr, " s%d %.1f", x, sqrt(P[x][0][0] + P[x][1][1] + P[x][2][2]));
      for (size_t i = 0; i < mwx_fuse_count(fz); i++) {
        mwx_fuse_track ft;
        if (!mwx_fuse_get(fz, i, t, &ft)) {
          fprintf(stderr, " [%s m%d u%d n%d", ft.name_local_id, ft.method, ft.n_used, ft.n_members);
          for (int k = 0; k < ft.n_members; k++)
            fprintf(stderr, " %s", ft.member_local_id[k]);
          fprintf(stderr, "]");
        }
      }
      if (getenv("BENCH_FUSE_TRACKS"))
        for (int k = 0; k < 3; k++)
          for (size_t i = 0; i < mwx_track_count(tr[k]); i++) {
            mwx_track_info in;
            mwx_track_est est;
            if (mwx_track_get(tr[k], i, &in) || in.status != MWX_TRACK_CONFIRMED || mwx_track_state_at(tr[k], i, t, &est)) {
              mwx_error_clear();
              continue;
            }
            double d = 0;
            for (int c = 0; c < 3; c++)
              d += pow(est.x[c] - xt[c], 2);
            if (d < 1e10)
              fprintf(stderr, " {%d:T%u %.0f m last %.1f s}", k, in.id, sqrt(d), (double)(t - in.t_last_ns) / NS);
          }
      fprintf(stderr, "\n");
    }
    if (have[E_FUSED])
      B->nees_f += nf;
    if (have[E_ALL])
      B->nees_c += nc;
  }
  if (getenv("BENCH_FUSE_NUMBERS"))
    fprintf(stderr, "seed %llu: %d numbers, evaluations with more than one fused track within 50 km %d (all seeds so far)\n",
            (unsigned long long)seed, g_nseen, g_dup_evals);
  g_numbers_sum += g_nseen;
  g_numbers_runs++;
  if (g_nseen > g_numbers_max)
    g_numbers_max = g_nseen;
done:
  if (fz) {
    mwx_fuse_tracklet_counts tk;
    mwx_fuse_tracklet_stats(fz, &tk);
    g_tk.added += tk.added, g_tk.reset_members += tk.reset_members, g_tk.reset_not_psd += tk.reset_not_psd;
    g_tk.reset_silent += tk.reset_silent, g_tk.ci_old += tk.ci_old, g_tk.reset_powered += tk.reset_powered;
  }
  mwx_fuse_destroy(fz);
  for (int k = 0; k < 3; k++)
    mwx_fuse_destroy(fzk[k]);
  mwx_fuse_pipe_destroy(pp);
  return rc;
}

/* BENCH_FUSE_NEES: per bin (stderr) each estimator's mean 3-D position / velocity NEES over the seeds
 * that had an estimate, with their count, the RMS error it claims (s: square root of the mean trace of its
 * position / velocity covariance, to set beside the bin's RMS error), and the per-axis mean z^2 (along / up / lateral, position then
 * velocity); per phase (stdout) the means and the bins (every seed held) above / below the 95% band of a
 * mean of SEEDS chi-square(3). */
static void report_nees3(int seeds, const bin *bins, int nbins) {
  static const char *PH[3] = {"boost", "midcourse", "terminal"};
  double lo = wh(3.0 * seeds, -1.959964) / seeds, hi = wh(3.0 * seeds, 1.959964) / seeds;
  for (int b = 0; b < nbins; b++) {
    const bin *B = &bins[b];
    if (!B->used)
      continue;
    fprintf(stderr, "nees3 +%4d ph %d", b * EVAL_STEP_S, B->phase);
    for (int x = 0; x < N_EST; x++) {
      int n = B->n3[x];
      if (!n) {
        fprintf(stderr, " | %s -", EST_NAME[x]);
        continue;
      }
      fprintf(stderr, " | %s n%d p %.1f v %.1f s %.1f %.2f [%.1f %.1f %.1f / %.1f %.1f %.1f]", EST_NAME[x], n,
              B->nees_p[x] / n, B->nees_v[x] / n, sqrt(B->tr_p[x] / n), sqrt(B->tr_v[x] / n), B->zax[x][0] / n, B->zax[x][1] / n, B->zax[x][2] / n, B->zax[x][3] / n,
              B->zax[x][4] / n, B->zax[x][5] / n);
    }
    fprintf(stderr, "\n");
  }
  printf("  NEES per phase, position and velocity (3-D each; 3 expected; band of a %d-seed mean [%.2f, %.2f]); "
         "per axis z^2 along / up / lateral of the truth's velocity (1 expected):\n",
         seeds, lo, hi);
  printf("    %-10s %-12s %7s %7s %5s %9s %9s  %-17s %-17s\n", "phase", "estimator", "pos", "vel", "bins",
         "pos ab/be", "vel ab/be", "pos z2 a/u/l", "vel z2 a/u/l");
  for (int ph = 3; ph >= 0; ph--)
    for (int x = 0; x < N_EST; x++) {
      double sp = 0, sv = 0, za[6] = {0};
      int n = 0, nb = 0, pa = 0, pb = 0, va = 0, vb = 0;
      for (int b = 0; b < nbins; b++) {
        const bin *B = &bins[b];
        if (!B->used || (ph != 3 && B->phase != ph))
          continue;
        sp += B->nees_p[x], sv += B->nees_v[x], n += B->n3[x];
        for (int a = 0; a < 6; a++)
          za[a] += B->zax[x][a];
        if (B->n3[x] == seeds) {
          double mp = B->nees_p[x] / seeds, mv = B->nees_v[x] / seeds;
          nb++;
          pa += mp > hi, pb += mp < lo, va += mv > hi, vb += mv < lo;
        }
      }
      if (n)
        printf("    %-10s %-12s %7.2f %7.2f %5d %4d/%-4d %4d/%-4d  %4.2f/%4.2f/%4.2f   %4.2f/%4.2f/%4.2f\n",
               ph == 3 ? "all" : PH[ph], EST_NAME[x], sp / n, sv / n, nb, pa, pb, va, vb, za[0] / n, za[1] / n,
               za[2] / n, za[3] / n, za[4] / n, za[5] / n);
    }
}

static void report(const char *name, int seeds, const bin *bins, int nbins) {
  /* pooled over bins where fused and centralized both have every seed */
  static const char *PH[3] = {"boost", "midcourse", "terminal"};
  double sp[4][N_EST] = {{0}}, sv[4][N_EST] = {{0}}, cp[4][N_EST] = {{0}}, cv[4][N_EST] = {{0}};
  int worse_p10 = 0, worse_v10 = 0;
  int nn[4][N_EST] = {{0}}, worse_p = 0, worse_v = 0, cmp_bins = 0, inside = 0, above = 0, below = 0, nees_bins = 0;
  double worst_rp = 0, worst_rv = 0, worst_t = 0, sum_nf = 0, sum_nc = 0;
  int n_nf = 0, n_nc = 0, missing_f = 0;
  double fb_fp[4] = {0}, fb_bp[4] = {0}, fb_fv[4] = {0}, fb_bv[4] = {0}, fb_xp[4] = {0}, fb_xv[4] = {0};
  double fb_xpt[4] = {0}, fb_xvt[4] = {0};
  int fb_n[4] = {0}, fb_wp[4] = {0}, fb_wv[4] = {0};
  double lo = wh(6.0 * seeds, -1.959964) / seeds, hi = wh(6.0 * seeds, 1.959964) / seeds;
  for (int b = 0; b < nbins; b++) {
    const bin *B = &bins[b];
    if (!B->used)
      continue;
    if (B->n[E_ALL] == seeds && B->n[E_FUSED] < seeds)
      missing_f++;
    if (B->n[E_FUSED])
      sum_nf += B->nees_f, n_nf += B->n[E_FUSED];
    if (B->n[E_ALL])
      sum_nc += B->nees_c, n_nc += B->n[E_ALL];
    if (B->n[E_FUSED] == seeds) {
      double m = B->nees_f / seeds;
      nees_bins++;
      inside += m >= lo && m <= hi;
      above += m > hi;
      below += m < lo;
    }
    if (B->n[E_FUSED] != seeds || B->n[E_ALL] != seeds)
      continue;
    for (int g = 0; g < 2; g++) {
      int ph = g == 0 ? 3 : B->phase;
      for (int x = 0; x < N_EST; x++)
        if (B->n[x] == seeds) { /* an estimator enters a phase's RMS only where it held the missile in every seed */
          sp[ph][x] += B->se_p[x];
          sv[ph][x] += B->se_v[x];
          cp[ph][x] += B->se_p[E_ALL];
          cv[ph][x] += B->se_v[E_ALL];
          nn[ph][x] += seeds;
        }
    }
    /* best single nation of this bin (every seed held) */
    double bp = INFINITY, bv = INFINITY;
    for (int k = 0; k < 3; k++)
      if (B->n[E_KOR + k] == seeds) {
        bp = fmin(bp, sqrt(B->se_p[E_KOR + k] / seeds));
        bv = fmin(bv, sqrt(B->se_v[E_KOR + k] / seeds));
      }
    if (!isfinite(bp))
      continue;
    cmp_bins++;
    double fp = sqrt(B->se_p[E_FUSED] / seeds), fv = sqrt(B->se_v[E_FUSED] / seeds);
    if (getenv("BENCH_FUSE_BINS")) {
      fprintf(stderr, "bin +%4d ph %d nees %.1f c %.1f", b * EVAL_STEP_S, B->phase, B->nees_f / seeds, B->nees_c / seeds);
      for (int x = 0; x < N_EST; x++)
        if (B->n[x] == seeds)
          fprintf(stderr, " | %s %.1f %.2f", EST_NAME[x], sqrt(B->se_p[x] / seeds), sqrt(B->se_v[x] / seeds));
      if (B->d_n == seeds)
        fprintf(stderr, " || sum %.1f claims %.1f | u KOR %.1f JPN %.1f USA %.1f | x KJ %+.1f JU %+.1f UK %+.1f | w/o KOR %.1f JPN %.1f USA %.1f",
                sqrt(B->d_se / seeds), sqrt(B->d_tr / seeds), sqrt(B->d_u[0] / seeds), sqrt(B->d_u[1] / seeds),
                sqrt(B->d_u[2] / seeds), B->d_x[0] / seeds, B->d_x[1] / seeds, B->d_x[2] / seeds,
                sqrt(B->d_drop[0] / seeds), sqrt(B->d_drop[1] / seeds), sqrt(B->d_drop[2] / seeds));
      if (B->d_n == seeds)
        fprintf(stderr, " | NEES KOR %.1f JPN %.1f USA %.1f", B->nees[E_KOR] / B->n_nees[E_KOR],
                B->nees[E_JPN] / B->n_nees[E_JPN], B->nees[E_USA] / B->n_nees[E_USA]);
      fprintf(stderr, "\n");
    }
    if (getenv("BENCH_FUSE_BINS") && (fp > bp || fv > bv)) /* the bins worse than the best nation, to 4 digits */
      fprintf(stderr, "worse +%4d ph %d pos %.4f vel %.4f\n", b * EVAL_STEP_S, B->phase, fp / bp, fv / bv);
    worse_p10 += fp > 1.1 * bp;
    worse_v10 += fv > 1.1 * bv;
    /* per phase (3: all): the fused and the best nation's mean squares summed over the bins, and the
     * bins where the fused RMS is above the best's */
    for (int g = 0; g < 2; g++) {
      int ph = g == 0 ? 3 : B->phase;
      fb_fp[ph] += fp * fp, fb_bp[ph] += bp * bp, fb_fv[ph] += fv * fv, fb_bv[ph] += bv * bv;
      fb_n[ph]++;
      fb_wp[ph] += fp > bp, fb_wv[ph] += fv > bv;
      if (fp / bp > fb_xp[ph])
        fb_xp[ph] = fp / bp, fb_xpt[ph] = b * EVAL_STEP_S;
      if (fv / bv > fb_xv[ph])
        fb_xv[ph] = fv / bv, fb_xvt[ph] = b * EVAL_STEP_S;
    }
    if (fp > bp) {
      worse_p++;
      if (fp / bp > worst_rp)
        worst_rp = fp / bp, worst_t = b * EVAL_STEP_S;
    }
    if (fv > bv) {
      worse_v++;
      if (fv / bv > worst_rv)
        worst_rv = fv / bv;
    }
  }
  printf("%s, %d seeds, every %d s of flight, missile M1:\n", name, seeds, EVAL_STEP_S);
  printf("  %-10s %6s  %-12s %10s %10s  %s\n", "phase", "n", "estimator", "RMS pos m", "RMS vel", "ratio to centralized on the same bins (pos, vel)");
  for (int ph = 3; ph >= 0; ph--) {
    if (!nn[ph][E_ALL])
      continue;
    for (int x = 0; x < N_EST; x++) {
      int m = nn[ph][x];
      if (!m) {
        printf("  %-10s %6d  %-12s %10s %10s\n", ph == 3 ? "all" : PH[ph], 0, EST_NAME[x], "-", "-");
        continue;
      }
      double rp = sqrt(sp[ph][x] / m), rv = sqrt(sv[ph][x] / m);
      printf("  %-10s %6d  %-12s %10.1f %10.2f  %.2f %.2f\n", ph == 3 ? "all" : PH[ph], m, EST_NAME[x], rp, rv,
             rp / sqrt(cp[ph][x] / m), rv / sqrt(cv[ph][x] / m));
    }
  }
  printf("  fused vs best single nation (per 5-s bin, RMS over seeds, %d bins with a nation holding it in every seed):\n"
         "    position worse in %d bins (by > 10%%: %d; worst %.2fx at +%.0f s), velocity worse in %d bins (by > 10%%: "
         "%d; worst %.2fx)\n",
         cmp_bins, worse_p, worse_p10, worst_rp, worst_t, worse_v, worse_v10, worst_rv);
  /* fused / best single nation per phase: the RMS over the phase's bins of the fused error against the
   * RMS of each bin's best nation (position and velocity each their own best) */
  printf("  fused / best single nation per phase (RMS over the bins of the fused error / of each bin's best nation):\n");
  printf("    %-10s %5s %9s %9s  %-28s %-28s\n", "phase", "bins", "pos", "vel", "pos: bins worse, worst (at)",
         "vel: bins worse, worst (at)");
  for (int ph = 3; ph >= 0; ph--)
    if (fb_n[ph])
      printf("    %-10s %5d %9.3f %9.3f  %4d, %.3f (+%.0f s)%*s %4d, %.3f (+%.0f s)\n", ph == 3 ? "all" : PH[ph],
             fb_n[ph], sqrt(fb_fp[ph] / fb_bp[ph]), sqrt(fb_fv[ph] / fb_bv[ph]), fb_wp[ph], fb_xp[ph], fb_xpt[ph], 8,
             "", fb_wv[ph], fb_xv[ph], fb_xvt[ph]);
  printf("  NEES (6-D) of the fused track: mean %.2f over %d estimates (centralized tracker: %.2f); "
         "per-bin mean inside the 95%% band [%.2f, %.2f] in %d of %d bins (%d above, %d below)\n",
         n_nf ? sum_nf / n_nf : NAN, n_nf, n_nc ? sum_nc / n_nc : NAN, lo, hi, inside, nees_bins, above, below);
  printf("  bins where the centralized tracker holds it in every seed but JPN's fused picture not: %d\n", missing_f);
  printf("  picture: global numbers of the missile per flight mean %.2f, max %d; evaluations with more than one fused "
         "track within 50 km: %d of %d\n",
         g_numbers_runs ? (double)g_numbers_sum / g_numbers_runs : 0.0, g_numbers_max, g_dup_evals, g_evals);
  /* NEES per phase and estimator: mean over every estimate, and the bins where the estimator held the
   * missile in every seed: per-bin mean NEES inside, above (optimistic) or below (pessimistic) the band */
  printf("  NEES per phase (6-D; 6 expected; band of a %d-seed mean [%.2f, %.2f]):\n", seeds, lo, hi);
  printf("    %-10s %-12s %8s %7s %6s %6s %6s\n", "phase", "estimator", "mean", "bins", "in", "above", "below");
  static const int PH_ORDER[5] = {3, 0, 4, 1, 2}; /* all, boost, coast (the first COAST_S s unpowered), mid-course, terminal */
  for (int po = 0; po < 5; po++)
    for (int x = 0, ph = PH_ORDER[po]; x < N_EST; x++) {
      double sum = 0;
      int n = 0, nb = 0, in = 0, ab = 0, be = 0;
      for (int b = 0; b < nbins; b++) {
        const bin *B = &bins[b];
        if (!B->used || (ph < 3 && B->phase != ph) || (ph == 4 && !B->coast))
          continue;
        sum += B->nees[x];
        n += B->n_nees[x];
        if (B->n_nees[x] == seeds) {
          double m = B->nees[x] / seeds;
          nb++;
          in += m >= lo && m <= hi;
          ab += m > hi;
          be += m < lo;
        }
      }
      if (n)
        printf("    %-10s %-12s %8.2f %7d %6d %6d %6d\n", ph == 3 ? "all" : ph == 4 ? "coast" : PH[ph], EST_NAME[x],
               sum / n, nb, in, ab, be);
    }
  if (g_sb) {
    /* the sources as sent and as the fuser propagates them, beside the table above's rows */
    static const char *PH5[5] = {"boost", "midcourse", "terminal", "all", "coast"};
    double lo3 = wh(3.0 * seeds, -1.959964) / seeds, hi3 = wh(3.0 * seeds, 1.959964) / seeds;
    printf("  sources' NEES per phase (BENCH_FUSE_SOURCES): \"sent\" = the nation's published sample nearest the truth, "
           "at its own time; \"at t\" = a fuser with that nation's samples alone (as JPN gets them), at the bin's time;\n"
           "    6-D mean (band [%.2f, %.2f]), bins where it held every seed in / above / below; 3-D position and velocity "
           "means (band [%.2f, %.2f])\n",
           lo, hi, lo3, hi3);
    printf("    %-10s %-12s %8s %7s %6s %6s %6s %8s %8s\n", "phase", "source", "6-D", "bins", "in", "above", "below",
           "pos", "vel");
    for (int po = 0; po < 5; po++)
      for (int x = 0, ph = PH_ORDER[po]; x < N_SB; x++) {
        double sum = 0, sp3 = 0, sv3 = 0;
        int n = 0, n3 = 0, nb = 0, in = 0, ab = 0, be = 0;
        for (int b = 0; b < nbins; b++) {
          const bin *B = &bins[b];
          const srcbin *S = &g_sb[b];
          if (!B->used || (ph < 3 && B->phase != ph) || (ph == 4 && !B->coast))
            continue;
          sum += S->n6[x], n += S->n[x], sp3 += S->np[x], sv3 += S->nv[x], n3 += S->n3[x];
          if (S->n[x] >= seeds) { /* "at t": one per seed; "sent": every step's sample of the bin */
            double m = S->n6[x] / S->n[x];
            nb++, in += m >= lo && m <= hi, ab += m > hi, be += m < lo;
          }
        }
        if (n)
          printf("    %-10s %-12s %8.2f %7d %6d %6d %6d %8.2f %8.2f\n", PH5[ph], SB_NAME[x], sum / n, nb, in, ab, be,
                 n3 ? sp3 / n3 : NAN, n3 ? sv3 / n3 : NAN);
      }
    memset(g_sb, 0, MAX_BINS * sizeof *g_sb);
  }
  if (g_wbin >= 0) {
    printf("  at +%d s (BENCH_FUSE_WEIGHTS; seeds where every nation holds it): RMS position m / velocity m/s\n",
           g_wbin * EVAL_STEP_S);
    for (int a = 0; a < N_W; a++)
      if (g_wn[a])
        printf("    %-12s %3d seeds %8.2f %8.3f\n", W_NAME[a], g_wn[a], sqrt(g_wsp[a] / g_wn[a]), sqrt(g_wse[a] / g_wn[a]));
    memset(g_wse, 0, sizeof g_wse), memset(g_wsp, 0, sizeof g_wsp), memset(g_wn, 0, sizeof g_wn);
  }
  if (g_cfg.tracklet)
    printf("  tracklets: %llu added; resets to the memoryless state: members changed %llu, not PSD %llu, all silent "
           "%llu; samples by CI (previous sample too old) %llu; powered (memoryless) %llu\n",
           (unsigned long long)g_tk.added, (unsigned long long)g_tk.reset_members,
           (unsigned long long)g_tk.reset_not_psd, (unsigned long long)g_tk.reset_silent,
           (unsigned long long)g_tk.ci_old, (unsigned long long)g_tk.reset_powered);
  memset(&g_tk, 0, sizeof g_tk);
  if (g_nees_axes)
    report_nees3(seeds, bins, nbins);
  g_numbers_sum = g_numbers_max = g_numbers_runs = g_dup_evals = g_evals = 0;
}

/* ---- --cost: what one ingest costs on the 100-missile salvo ---------------- */

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double pct(const double *v, size_t n, double p) {
  if (!n)
    return NAN;
  size_t k = (size_t)(p * (double)(n - 1) + 0.5);
  return v[k];
}

/* BENCH_FUSE_JOIN=1 (with --cost; issue 13, nineteenth session: the pending join's cost offline): for
 * every source track, the time of its first sample and of the first step after whose ingest the fuser
 * gives it a number (mwx_fuse_global_of), and the ingests it was published in before that. */
typedef struct join_ent {
  char key[MWX_NATION_LEN + MWX_ID_LEN + 2];
  int64_t t_first_ns, t_num_ns;
  int steps; /* ingests with a sample of it and no number after */
  int numbered;
} join_ent;
typedef struct join_tab {
  join_ent *e;
  size_t n, cap; /* open addressing, cap a power of two, at most half full */
} join_tab;

static size_t join_hash(const char *k) {
  uint32_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)k; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h;
}

static join_ent *join_find(join_tab *jt, const char *orig, const char *id, int add) {
  char key[sizeof jt->e->key];
  snprintf(key, sizeof key, "%s/%s", orig, id);
  if (add && 2 * (jt->n + 1) > jt->cap) {
    size_t nc = jt->cap ? 2 * jt->cap : 1024;
    join_ent *ne = calloc(nc, sizeof *ne);
    if (!ne)
      return NULL;
    for (size_t i = 0; i < jt->cap; i++)
      if (jt->e[i].key[0]) {
        size_t k = join_hash(jt->e[i].key) & (nc - 1);
        while (ne[k].key[0])
          k = (k + 1) & (nc - 1);
        ne[k] = jt->e[i];
      }
    free(jt->e);
    jt->e = ne;
    jt->cap = nc;
  }
  if (!jt->cap)
    return NULL;
  size_t k = join_hash(key) & (jt->cap - 1);
  for (; jt->e[k].key[0]; k = (k + 1) & (jt->cap - 1))
    if (!strcmp(jt->e[k].key, key))
      return &jt->e[k];
  if (!add)
    return NULL;
  memcpy(jt->e[k].key, key, sizeof key);
  jt->n++;
  return &jt->e[k];
}

/* One run of the scenario (seed 1): JPN's fuser takes every step's samples of
 * the three nations in one ingest (a 1-s batch, as the replay) and the
 * picture (every fused track at the step's time, as the node's refresh) is
 * made after it.  Thread CPU time, so that the other processes of a shared
 * machine do not count. */
static int run_cost(const char *scen) {
  char path[256];
  snprintf(path, sizeof path, "scenarios/%s.json", scen);
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  if (mwx_sim_scenario_load(path, &sc) || mwx_sim_truth_init(&truth, &sc, 1.0)) {
    fprintf(stderr, "bench_fuse: %s: %s (run from the source tree)\n", path, mwx_error_msg());
    mwx_sim_scenario_fini(&sc);
    return 1;
  }
  mwx_fuse_pipe *pp = NULL;
  mwx_fuser *fz = NULL;
  mwx_fuse_pipe_opts po;
  mwx_fuse_pipe_opts_default(&po);
  po.postburn_q_in_air_only = g_postburn;
  int rc = mwx_fuse_pipe_create(&sc, &truth, &po, &pp);
  if (!rc)
    rc = mwx_fuse_create(&g_cfg, &fz);
  size_t cap = 8192, n = 0, n_samples = 0, max_tracks = 0;
  double *ing = malloc(cap * sizeof *ing), *per = malloc(cap * sizeof *per), *pic = malloc(cap * sizeof *pic);
  double sum_ing = 0, sum_pic = 0;
  /* BENCH_FUSE_DUMP=FILE: every fused track of the picture, every step (name, members, state to the
   * last digit), to compare two builds of the fuser (the picture's time is counted with the dump) */
  FILE *dump = getenv("BENCH_FUSE_DUMP") ? fopen(getenv("BENCH_FUSE_DUMP"), "w") : NULL;
  /* BENCH_FUSE_COST_S=S: only the first S seconds from the first sample */
  double cost_s = getenv("BENCH_FUSE_COST_S") ? atof(getenv("BENCH_FUSE_COST_S")) : 0.0;
  int64_t t_start_ns = 0;
  join_tab jt = {NULL, 0, 0};
  int join_on = getenv("BENCH_FUSE_JOIN") != NULL;
  if (!ing || !per || !pic)
    rc = mwx_error_set(MWX_ENOMEM, "bench_fuse: out of memory");
  while (!rc) {
    int end = 0;
    if ((rc = mwx_fuse_pipe_step(pp, &end)) || end)
      break;
    const mwx_fuse_sample *s;
    size_t k = mwx_fuse_pipe_published(pp, &s, NULL);
    if (!k)
      continue;
    if (!t_start_ns)
      t_start_ns = mwx_fuse_pipe_time(pp);
    if (cost_s > 0 && (double)(mwx_fuse_pipe_time(pp) - t_start_ns) * 1e-9 > cost_s)
      break;
    double t0 = cpu_s();
    if ((rc = mwx_fuse_pipe_deliver(pp, 1, 7u, fz)))
      break;
    double t1 = cpu_s();
    int64_t t = mwx_fuse_pipe_time(pp);
    size_t nf = mwx_fuse_count(fz);
    for (size_t i = 0; i < nf; i++) {
      mwx_fuse_track ft;
      if (mwx_fuse_get(fz, i, t, &ft)) {
        mwx_error_clear();
        if (dump)
          fprintf(dump, "%lld %zu error\n", (long long)t, i);
        continue;
      }
      if (dump) {
        fprintf(dump, "%lld %zu %u m%d u%d %d b%d", (long long)t, i, ft.global_track_no, ft.n_members, ft.n_used,
                ft.method, ft.boost);
        for (int k = 0; k < ft.n_members && k < MWX_FUSE_MAX_MEMBERS; k++)
          fprintf(dump, " %s/%s", ft.member_originator[k], ft.member_local_id[k]);
        for (int r = 0; r < 6; r++)
          fprintf(dump, " %.17g", ft.x[r]);
        for (int r = 0; r < 6; r++)
          for (int c = r; c < 6; c++)
            fprintf(dump, " %.17g", ft.P[r][c]);
        fputc('\n', dump);
      }
    }
    double t2 = cpu_s();
    if (join_on) /* each published track: its first sample, and whether it has a number after this ingest */
      for (size_t j = 0; j < k; j++) {
        join_ent *je = join_find(&jt, s[j].originator, s[j].local_track_id, 1);
        if (!je) {
          rc = mwx_error_set(MWX_ENOMEM, "bench_fuse: out of memory");
          break;
        }
        if (!je->t_first_ns)
          je->t_first_ns = s[j].t_ns;
        if (je->numbered)
          continue;
        uint32_t g = 0;
        if (!mwx_fuse_global_of(fz, s[j].originator, s[j].local_track_id, &g) && g) {
          je->numbered = 1;
          je->t_num_ns = t;
        } else {
          mwx_error_clear();
          je->steps++;
        }
      }
    if (getenv("BENCH_FUSE_MEM") && (t - t_start_ns) % (60 * NS) < NS) { /* the fuser's tables every minute */
      mwx_fuse_mem ms;
      mwx_fuse_mem_stats(fz, &ms);
      fprintf(stderr, "mem +%4.0f s: sources %zu (silent %zu) fused %zu pending %zu | bytes sources %zu fused %zu index %zu lookup %zu memo %zu pending %zu total %zu\n",
              (double)(t - t_start_ns) * 1e-9, ms.sources, ms.silent_sources, ms.fused, ms.pending, ms.bytes_sources,
              ms.bytes_fused, ms.bytes_index, ms.bytes_lookup, ms.bytes_memo, ms.bytes_pending, ms.bytes_total);
    }
    if (nf > max_tracks)
      max_tracks = nf;
    if (n == cap) {
      cap *= 2;
      double *a = realloc(ing, cap * sizeof *a), *b = a ? realloc(per, cap * sizeof *b) : NULL,
             *c = b ? realloc(pic, cap * sizeof *c) : NULL;
      if (a)
        ing = a;
      if (b)
        per = b;
      if (c)
        pic = c;
      if (!a || !b || !c) {
        rc = mwx_error_set(MWX_ENOMEM, "bench_fuse: out of memory");
        break;
      }
    }
    ing[n] = (t1 - t0) * 1e3;
    per[n] = (t1 - t0) * 1e6 / (double)k;
    pic[n] = (t2 - t1) * 1e3;
    sum_ing += t1 - t0;
    sum_pic += t2 - t1;
    n_samples += k;
    n++;
  }
  if (rc)
    fprintf(stderr, "bench_fuse --cost: %s: %s\n", scen, mwx_error_msg());
  else {
    qsort(ing, n, sizeof *ing, cmp_dbl);
    qsort(per, n, sizeof *per, cmp_dbl);
    qsort(pic, n, sizeof *pic, cmp_dbl);
    printf("%s, seed 1: JPN's fuser, one ingest per 1-s step of the three nations' samples "
           "(thread CPU time)\n",
           scen);
    printf("  ingests %zu, samples %zu (%.1f per ingest), fused tracks at most %zu\n", n, n_samples,
           n ? (double)n_samples / (double)n : 0.0, max_tracks);
    printf("  ingest ms      p50 %8.3f  p99 %8.3f  max %8.3f  total %.2f s\n", pct(ing, n, 0.5), pct(ing, n, 0.99),
           n ? ing[n - 1] : NAN, sum_ing);
    printf("  per sample us  p50 %8.1f  p99 %8.1f  mean %8.1f\n", pct(per, n, 0.5), pct(per, n, 0.99),
           n_samples ? sum_ing * 1e6 / (double)n_samples : NAN);
    printf("  picture ms     p50 %8.3f  p99 %8.3f  max %8.3f  total %.2f s (every fused track at the step's time)\n",
           pct(pic, n, 0.5), pct(pic, n, 0.99), n ? pic[n - 1] : NAN, sum_pic);
    if (join_on) {
      double *w = malloc((jt.n + 1) * sizeof *w), *ww = malloc((jt.n + 1) * sizeof *ww);
      size_t nw = 0, nww = 0, never = 0, hist[6] = {0};
      for (size_t i = 0; w && ww && i < jt.cap; i++) {
        const join_ent *je = &jt.e[i];
        if (!je->key[0])
          continue;
        if (!je->numbered) {
          never++;
          continue;
        }
        w[nw++] = (double)(je->t_num_ns - je->t_first_ns) * 1e-9;
        if (je->steps)
          ww[nww++] = w[nw - 1];
        hist[je->steps < 5 ? je->steps : 5]++;
      }
      if (w && ww) {
        qsort(w, nw, sizeof *w, cmp_dbl);
        qsort(ww, nww, sizeof *ww, cmp_dbl);
        uint64_t waited = 0, overflow = 0;
        size_t waiting = 0;
        mwx_fuse_pending_stats(fz, &waiting, &waited, &overflow);
        uint64_t why[4], timeout = 0;
        mwx_fuse_pending_reasons(fz, why, &timeout);
        printf("  join: %zu source tracks, %zu given a number, %zu never; first sample -> first step with a number, s:"
               " p50 %.2f p90 %.2f p99 %.2f max %.2f\n",
               jt.n, nw, never, pct(w, nw, 0.5), pct(w, nw, 0.9), pct(w, nw, 0.99), nw ? w[nw - 1] : NAN);
        printf("  join: ingests published in before the number: 0 %zu, 1 %zu, 2 %zu, 3 %zu, 4 %zu, 5+ %zu; of those"
               " that waited (%zu): p50 %.2f p99 %.2f max %.2f s; fuser: waited %llu, overflow %llu\n",
               hist[0], hist[1], hist[2], hist[3], hist[4], hist[5], nww, pct(ww, nww, 0.5), pct(ww, nww, 0.99),
               nww ? ww[nww - 1] : NAN, (unsigned long long)waited, (unsigned long long)overflow);
        printf("  join: wait decisions ambiguous %llu, marginal %llu, beside %llu, duplicate %llu; decided by the %.0f-s"
               " bound while unclear %llu\n",
               (unsigned long long)why[0], (unsigned long long)why[1], (unsigned long long)why[2],
               (unsigned long long)why[3], g_cfg.pending_s, (unsigned long long)timeout);
      }
      free(w), free(ww);
    }
  }
  free(jt.e);
  if (dump)
    fclose(dump);
  free(ing), free(per), free(pic);
  mwx_fuse_destroy(fz);
  mwx_fuse_pipe_destroy(pp);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  return rc ? 1 : 0;
}

/* ---- --micro: one call of each pure rule ------------------------------------ */

/* Two track estimates of one object as a fuser sees them in boost: 100-300 m
 * and 20-60 m/s, position and velocity correlated (P = A A^T + D, A fixed). */
static void micro_cov(double P[6][6], double pos_m, double vel_mps, double c) {
  double A[6][6];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      A[i][j] = (i == j ? 1.0 : c * sin(1.0 + i * 6 + j)) * (i < 3 ? pos_m : vel_mps);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) {
      double v = 0;
      for (int k = 0; k < 6; k++)
        v += A[i][k] * A[j][k];
      P[i][j] = v + (i == j ? 1.0 : 0.0);
    }
}

static int run_micro(void) {
  double xa[6] = {-2.9e6, 4.0e6, 4.0e6, 1200, -800, 1500}, xb[6], Pa[6][6], Pb[6][6], x[6], P[6][6], w = 0, d2 = 0;
  for (int i = 0; i < 6; i++)
    xb[i] = xa[i] + (i < 3 ? 150.0 : 20.0);
  micro_cov(Pa, 120.0, 55.0, 0.3);
  micro_cov(Pb, 260.0, 25.0, -0.2);
  const int n = 200000;
  const char *what[3] = {"mwx_fuse_ici", "mwx_fuse_ci", "mwx_fuse_distance2"};
  for (int k = 0; k < 3; k++) {
    double t0 = cpu_s();
    for (int i = 0; i < n; i++) {
      int rc = k == 0 ? mwx_fuse_ici(xa, Pa, xb, Pb, x, P, &w)
               : k == 1 ? mwx_fuse_ci(xa, Pa, xb, Pb, x, P, &w)
                        : mwx_fuse_distance2(xa, Pa, xb, Pb, &d2);
      if (rc) {
        fprintf(stderr, "bench_fuse --micro: %s\n", mwx_error_msg());
        return 1;
      }
      xa[0] += 1e-9; /* not hoisted out of the loop */
    }
    double us = (cpu_s() - t0) * 1e6 / n;
    printf("  %-20s %7.3f us per call (%d calls, thread CPU time)  w %.6f  d2 %.6f  P[0][0] %.6f\n", what[k], us, n,
           k < 2 ? w : 0.0, k == 2 ? d2 : 0.0, k < 2 ? P[0][0] : 0.0);
  }
  return 0;
}

int main(int argc, char **argv) {
  int seeds = 20, cost = 0;
  mwx_fuse_config_default(&g_cfg);
  g_nees_axes = getenv("BENCH_FUSE_NEES") != NULL;
  g_postburn = fx_bench_postburn_env();
  g_until_s = getenv("BENCH_FUSE_UNTIL_S") ? atof(getenv("BENCH_FUSE_UNTIL_S")) : 0.0;
  if (getenv("BENCH_FUSE_SOURCES") && !(g_sb = calloc(MAX_BINS, sizeof *g_sb)))
    return 1;
  g_sb_own = getenv("BENCH_FUSE_OWN_THRUST") != NULL;
  if (getenv("BENCH_FUSE_WEIGHTS"))
    g_wbin = atoi(getenv("BENCH_FUSE_WEIGHTS")) / EVAL_STEP_S;
  if (getenv("BENCH_FUSE_BURNOUT_S")) /* the burnout rule's window (ablation) */
    g_cfg.burnout_ci_s = atof(getenv("BENCH_FUSE_BURNOUT_S"));
  if (getenv("BENCH_FUSE_QB"))
    g_cfg.q_ballistic_m2ps3 = atof(getenv("BENCH_FUSE_QB"));
  if (getenv("BENCH_FUSE_QBOOST")) /* the fuser's q_boost_m2ps3 (its prediction of a boost sample) */
    g_cfg.q_boost_m2ps3 = atof(getenv("BENCH_FUSE_QBOOST"));
  const char *scen[16];
  int ns = 0;
  for (int i = 1; i < argc; i++) {
    char *end;
    if (!strcmp(argv[i], "--ballistic")) {
      g_ballistic = 1;
      continue;
    }
    if (!strcmp(argv[i], "--cost")) {
      cost = 1;
      continue;
    }
    if (!strcmp(argv[i], "--micro"))
      return run_micro();
    if (!strcmp(argv[i], "--no-powered")) { /* the split test without the thrust allowance (before issue 13's tenth session) */
      g_cfg.split_powered_s = 0;
      continue;
    }
    if (!strcmp(argv[i], "--no-held")) { /* every member leaves at the split gate (before issue 13's eleventh session) */
      g_cfg.split_held_s = 0;
      continue;
    }
    if (!strcmp(argv[i], "--no-exclusive")) { /* a replacement also where the new track fits another fused track */
      g_cfg.replace_exclusive = 0;
      continue;
    }
    if (!strcmp(argv[i], "--no-burnout-ci")) { /* every free-flight member in the information sum (before the thirteenth session; the default since the twenty-second) */
      g_cfg.burnout_ci_s = 0.0;
      continue;
    }
    if (!strcmp(argv[i], "--no-pending")) { /* a new track is associated on its first sample (before the thirteenth session) */
      g_cfg.pending_s = 0.0;
      continue;
    }
    if (!strcmp(argv[i], "--from") && i + 1 < argc) { /* --from KOR,USA: JPN's fuser takes only these nations' samples */
      g_from = 0;
      const char *l = argv[++i];
      g_from |= strstr(l, "KOR") ? 1u : 0u;
      g_from |= strstr(l, "JPN") ? 2u : 0u;
      g_from |= strstr(l, "USA") ? 4u : 0u;
      if (!g_from) {
        fprintf(stderr, "bench_fuse: --from: a list of KOR, JPN, USA\n");
        return 2;
      }
      continue;
    }
    if (!strcmp(argv[i], "--beside-near")) { /* "beside" only inside the other nations' split gate (measured, not on) */
      g_cfg.pending_beside_near = 1;
      continue;
    }
    if (!strcmp(argv[i], "--no-displaced-silent")) { /* a displaced member used only while fresh (before the nineteenth session) */
      g_cfg.displaced_silent = 0;
      continue;
    }
    if (!strcmp(argv[i], "--thrust-tau") && i + 1 < argc) { /* the partner thrust estimate's smoothing, s (default 4) */
      g_cfg.thrust_tau_s = atof(argv[++i]);
      continue;
    }
    if (!strcmp(argv[i], "--no-thrust-vector")) { /* a thrust along the velocity, no trend (before the twenty-second session) */
      g_cfg.thrust_vector = 0;
      continue;
    }
    if (!strcmp(argv[i], "--tracklet")) { /* own-sensor members by tracklets (issue 13, twenty-first session) */
      g_cfg.tracklet = 1;
      continue;
    }
    if (!strcmp(argv[i], "--no-boost-sum")) { /* boost samples by CI in the picture too (before the nineteenth session) */
      g_cfg.boost_sum = 0;
      continue;
    }
    if (!strcmp(argv[i], "--no-stale-split")) { /* a silent member screened with the association gate (before the sixteenth session) */
      g_cfg.stale_split_gate = 0;
      continue;
    }
    if (!strcmp(argv[i], "--no-odd")) { /* no odd-one-out rule: a member outside its gate is struck (before the twelfth session) */
      g_cfg.split_odd_one_out = 0;
      continue;
    }
    if (!strcmp(argv[i], "--no-merge-back")) { /* split-off fused tracks merge only inside the association gate */
      g_cfg.merge_back = 0;
      continue;
    }
    if (!strcmp(argv[i], "--boost-info") || !strcmp(argv[i], "--ci") || !strcmp(argv[i], "--ici") ||
        !strcmp(argv[i], "--no-thrust")) {
      if (argv[i][2] == 'b')
        g_cfg.boost_ci = 0;
      else if (argv[i][2] == 'c')
        g_cfg.ici = 0;
      else if (argv[i][2] == 'i')
        g_cfg.ici = 1;
      else
        g_cfg.boost_thrust = 0;
      continue;
    }
    long v = strtol(argv[i], &end, 10);
    if (!*end && v > 0 && v <= 1000)
      seeds = (int)v;
    else if (ns < 16)
      scen[ns++] = argv[i];
  }
  if (cost) {
    int bad = 0;
    if (!ns)
      scen[ns++] = "salvo-100";
    for (int f = 0; f < ns; f++)
      bad |= run_cost(scen[f]);
    return bad;
  }
  if (!ns) {
    scen[ns++] = "2022-10-04-hwasong12";
    scen[ns++] = "2022-11-18-hwasong17";
  }
  int tty = isatty(2);
  for (int f = 0; f < ns; f++) {
    char path[256];
    snprintf(path, sizeof path, "scenarios/%s.json", scen[f]);
    mwx_sim_scenario sc;
    mwx_sim_truth truth;
    memset(&sc, 0, sizeof sc);
    memset(&truth, 0, sizeof truth);
    if (mwx_sim_scenario_load(path, &sc) || mwx_sim_truth_init(&truth, &sc, 1.0)) {
      fprintf(stderr, "bench_fuse: %s: %s (run from the source tree)\n", path, mwx_error_msg());
      mwx_sim_scenario_fini(&sc);
      return 1;
    }
    bin *bins = calloc(MAX_BINS, sizeof *bins);
    int nbins = 0, ok = 0;
    for (int s = 1; s <= seeds && bins; s++) {
      if (tty)
        fprintf(stderr, "\rbench_fuse: %s seed %d/%d", scen[f], s, seeds);
      if (run_seed(&sc, &truth, (uint64_t)s, bins, &nbins))
        fprintf(stderr, "bench_fuse: %s seed %d: %s\n", scen[f], s, mwx_error_msg());
      else
        ok++;
    }
    if (tty)
      fprintf(stderr, "\n");
    if (bins)
      report(scen[f], ok, bins, nbins);
    free(bins);
    mwx_sim_truth_fini(&truth);
    mwx_sim_scenario_fini(&sc);
  }
  return 0;
}
