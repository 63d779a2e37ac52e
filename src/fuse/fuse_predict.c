/*
 * fuse_predict.c - a source track's latest sample propagated to another
 * time (free flight, or boost with the thrust the source gives or its
 * samples imply), and the thrust estimate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "fuse_int.h"

/* A source track's latest sample propagated to t_ns: in free flight
 * (mwx_track_predict, ballistic model), or, for a boost sample, with the
 * tracker's boost model and the thrust the sample gives or the source's
 * samples imply (estimate_thrust; THRUST_SIGMA_MPS2 uncertain), since a
 * missile under 20-60 m/s^2 of thrust is 10-30 m/s ahead of a ballistic
 * prediction after a 1-s scan gap.  The last PC_N propagations are cached
 * in the source (pc: the fused state screens and combines the same members
 * at the same time more than once, a merge pass asks at the newest times of
 * the tracks paired with a member's; the picture asks again at the same
 * time). */
#define THRUST_SIGMA_MPS2 5.0
#define THRUST_MAX_GAP_S 5.0
/* The propagation itself (no cache): cfg's q's, q_min, the boost model's q
 * q_boost and the thrust's sigma thrust_sigma for a fresh boost sample. */
static int predict_core(const mwx_fuse_config *cfg, const src *sr, int64_t t_ns, double q_min, double q_boost,
                        double thrust_sigma, double x[6], double P[6][6]) {
  const mwx_fuse_sample *s = &sr->last;
  mwx_track_filter_cfg fc;
  mwx_track_filter_cfg_default(&fc);
  int boost = s->phase == MWX_MSG_BOOST;
  /* the source tracker's ballistic q: q_ballistic once it is burnt out,
   * else at least q_ballistic_air (track.h: the tracker's track_filt); the
   * filter applies q_ballistic_air below MWX_TRACK_AIR_H_M itself */
  fc.q_ballistic_m2ps3 = boost ? q_boost
                         : sr->burnt_out ? cfg->q_ballistic_m2ps3
                                         : fmax(cfg->q_ballistic_m2ps3, cfg->q_ballistic_air_m2ps3);
  fc.q_ballistic_air_m2ps3 = cfg->q_ballistic_air_m2ps3;
  fc.q_boost_m2ps3 = q_boost;
  if (fc.q_ballistic_m2ps3 < q_min)
    fc.q_ballistic_m2ps3 = q_min;
  if (fc.q_boost_m2ps3 < q_min)
    fc.q_boost_m2ps3 = q_min;
  mwx_track_est e;
  memset(&e, 0, sizeof e);
  e.t_ns = s->t_ns;
  for (int i = 0; i < 3; i++) {
    e.x[i] = s->pos_ecef_m[i];
    e.x[3 + i] = s->vel_ecef_mps[i];
  }
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      e.P[i][j] = s->P[i][j];
  /* a silent boost sample: thrust for at most THRUST_MAX_GAP_S past it, then
   * free flight (it is taken to have burnt out by then, as the tracker's
   * coasting does when it loses a burning track) */
  int rc;
  if (boost && sr->has_thrust && cfg->boost_thrust && fabs((double)(t_ns - s->t_ns) * 1e-9) <= cfg->fresh_s) {
    e.x[6] = sr->thrust_mps2;
    if (cfg->thrust_vector) /* P[8][8] 0: held over the propagation (mwx_track_predict) */
      e.x[8] = sr->thrust_angle_rad;
    e.P[6][6] = thrust_sigma * thrust_sigma;
    int64_t gap = (int64_t)(THRUST_MAX_GAP_S * 1e9), t1 = t_ns;
    if (t_ns - s->t_ns > gap)
      t1 = s->t_ns + gap;
    else if (s->t_ns - t_ns > gap)
      t1 = s->t_ns - gap;
    if ((rc = mwx_track_predict(&fc, MWX_TRACK_BOOST, &e, t1)))
      return rc;
  }
  if ((rc = mwx_track_predict(&fc, MWX_TRACK_BALLISTIC, &e, t_ns)))
    return rc;
  for (int i = 0; i < 6; i++) {
    x[i] = e.x[i];
    for (int j = 0; j < 6; j++)
      P[i][j] = 0.5 * (e.P[i][j] + e.P[j][i]);
  }
  return 0;
}

int fuse_predict_raw(const mwx_fuse_config *cfg, const src *sr, int64_t t_ns, double q_boost, double thrust_sigma,
                     double x[6], double P[6][6]) {
  return predict_core(cfg, sr, t_ns, 0.0, q_boost, thrust_sigma, x, P);
}

int fuse_predict_sample(const mwx_fuser *fz, const src *sr, int64_t t_ns, double q_min, double x[6],
                        double P[6][6]) {
  src *pc = (src *)sr; /* the prediction cache is not part of the fuser's observable state */
  for (int k = 0; k < pc->pc_n; k++)
    if (pc->pc[k].t_ns == t_ns && pc->pc[k].q == q_min) {
      memcpy(x, pc->pc[k].x, sizeof pc->pc[k].x);
      memcpy(P, pc->pc[k].P, sizeof pc->pc[k].P);
      return 0;
    }
  int rc;
  if ((rc = predict_core(&fz->cfg, sr, t_ns, q_min, fz->cfg.q_boost_m2ps3, THRUST_SIGMA_MPS2, x, P)))
    return rc;
  int k = pc->pc_next;
  memcpy(pc->pc[k].x, x, sizeof pc->pc[k].x);
  memcpy(pc->pc[k].P, P, sizeof pc->pc[k].P);
  pc->pc[k].t_ns = t_ns;
  pc->pc[k].q = q_min;
  pc->pc_next = (k + 1) % PC_N;
  if (pc->pc_n < PC_N)
    pc->pc_n++;
  return 0;
}

/* fuse_estimate_thrust's thrust vector (thrust_vector 1) from two successive
 * boost samples dt apart, smoothed with gain k. */
static void estimate_thrust_vector(src *sr, const mwx_fuse_sample *prev, const mwx_fuse_sample *now, double dt,
                                   double k) {
  double xm[3], vm[3], af[3], T[3], r = 0, sp = 0, u[3], n[3], w = 0, nn = 0, tu = 0, tn = 0;
  for (int i = 0; i < 3; i++) {
    xm[i] = 0.5 * (prev->pos_ecef_m[i] + now->pos_ecef_m[i]);
    vm[i] = 0.5 * (prev->vel_ecef_mps[i] + now->vel_ecef_mps[i]);
    r += now->pos_ecef_m[i] * now->pos_ecef_m[i];
    sp += now->vel_ecef_mps[i] * now->vel_ecef_mps[i];
  }
  r = sqrt(r);
  sp = sqrt(sp);
  if (!(sp > 1.0) || !(r > 0))
    return;
  mwx_ballistic_accel_free_ecef(xm, vm, 0.0, af);
  for (int i = 0; i < 3; i++) {
    T[i] = (now->vel_ecef_mps[i] - prev->vel_ecef_mps[i]) / dt - af[i];
    u[i] = now->vel_ecef_mps[i] / sp;
    w += now->pos_ecef_m[i] / r * u[i];
  }
  for (int i = 0; i < 3; i++) {
    n[i] = now->pos_ecef_m[i] / r - w * u[i];
    nn += n[i] * n[i];
  }
  if (!(nn > 1e-6)) /* vertical: no vertical plane; along the velocity */
    nn = INFINITY;
  for (int i = 0; i < 3; i++) {
    n[i] /= sqrt(nn);
    tu += T[i] * u[i];
    tn += T[i] * n[i];
  }
  if (!sr->has_thrust) {
    sr->thrust_u_mps2 = tu, sr->thrust_n_mps2 = tn;
    sr->thrust_du_mps3 = 0;
    sr->has_thrust = 1;
  } else {
    /* the along component: level and trend (Holt's linear smoothing, both over tau_s), since a
     * thrust acceleration that grows as the mass burns (1-3 m/s^3 in the last seconds of a burn)
     * is lagged by tau_s times its growth by a level alone; the angle's component: level */
    double pred = sr->thrust_u_mps2 + sr->thrust_du_mps3 * dt, lvl = pred + k * (tu - pred);
    sr->thrust_du_mps3 += k * ((lvl - sr->thrust_u_mps2) / dt - sr->thrust_du_mps3);
    sr->thrust_u_mps2 = lvl;
    sr->thrust_n_mps2 += k * (tn - sr->thrust_n_mps2);
  }
  /* |alpha_T| <= 90 deg (the tracker's chart): no thrust against the velocity */
  double au = sr->thrust_u_mps2 > 0 ? sr->thrust_u_mps2 : 0.0;
  sr->thrust_mps2 = sqrt(au * au + sr->thrust_n_mps2 * sr->thrust_n_mps2);
  sr->thrust_angle_rad = sr->thrust_mps2 > 0 ? atan2(sr->thrust_n_mps2, au) : 0.0;
}

/* The thrust implied by two successive boost samples of one source.  With
 * thrust_vector 0 (before the twenty-second session): the acceleration along
 * the velocity, the rate of change of speed less gravity's component along
 * the velocity (drag and the frame terms are small against 20-60 m/s^2),
 * smoothed over tau_s.  With thrust_vector 1: the thrust vector, the change
 * of velocity less the free-flight acceleration at the mean state (gravity,
 * the rotating frame's terms; no drag: a booster's is in its thrust), on the
 * velocity's frame - the thrust a_T at the angle alpha_T above the velocity
 * in its vertical plane, the tracker's boost model's (src/track/filter.c
 * deriv) - with its along component's trend: a partner's sample propagated
 * 0.1-0.5 s at 2022-10-04 +145 s (2 s before burnout) fell 2 m/s RMS behind
 * the partner's own tracker, which holds the thrust, its angle and their
 * growth (BENCHMARKS.md, twenty-second session).  tau_s is
 * mwx_fuse_config.thrust_tau_s.  A sample that carries its own thrust
 * (has_thrust: an own track, its filter's) is taken as is. */
void fuse_estimate_thrust(src *sr, const mwx_fuse_sample *prev, const mwx_fuse_sample *now, double tau_s,
                          int thrust_vector) {
  if (now->phase != MWX_MSG_BOOST) {
    sr->has_thrust = 0;
    return;
  }
  if (now->has_thrust) {
    sr->thrust_mps2 = now->thrust_mps2;
    sr->thrust_angle_rad = now->thrust_angle_rad;
    sr->has_thrust = 1;
    return;
  }
  if (!prev || prev->phase != MWX_MSG_BOOST)
    return;
  double dt = (double)(now->t_ns - prev->t_ns) * 1e-9;
  if (!(dt > 0) || dt > THRUST_MAX_GAP_S)
    return;
  double k = dt / tau_s > 1.0 ? 1.0 : dt / tau_s;
  if (thrust_vector) {
    estimate_thrust_vector(sr, prev, now, dt, k);
    return;
  }
  double v0 = 0, v1 = 0, g[3], gv = 0;
  for (int i = 0; i < 3; i++) {
    v0 += prev->vel_ecef_mps[i] * prev->vel_ecef_mps[i];
    v1 += now->vel_ecef_mps[i] * now->vel_ecef_mps[i];
  }
  v0 = sqrt(v0);
  v1 = sqrt(v1);
  if (!(v1 > 1.0))
    return;
  mwx_ballistic_gravity_ecef(now->pos_ecef_m, g);
  for (int i = 0; i < 3; i++)
    gv += g[i] * now->vel_ecef_mps[i] / v1;
  double a = (v1 - v0) / dt - gv;
  if (a < 0)
    a = 0;
  sr->thrust_angle_rad = 0;
  if (!sr->has_thrust) {
    sr->thrust_mps2 = a;
    sr->has_thrust = 1;
  } else {
    sr->thrust_mps2 += k * (a - sr->thrust_mps2);
  }
}
