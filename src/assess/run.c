/*
 * run.c - one scenario end to end: the driver (drive.c, the node's too)
 * plays the simulator's plots of the selected nation(s) into one tracker
 * (ALL: every nation's plots, fused at plot level), each missile is
 * assessed along its flight, and the results are scored against the truth.  The truth (and the sim plots' truth labels) are
 * read here only to score: the tracker receives mwx_track_plot, which has no
 * truth field.
 *
 * Scoring: a missile's track is a confirmed track whose estimate lies within
 * 20 km of the missile at the estimate's time (the nearest if several).
 * Impact predictions are made while the track is ballistic and has been
 * updated since the last one (a coasting track's prediction does not
 * change): every step until one is within 10 km, then every 10 s; their error (geodesic distance to the true impact point) is recorded at
 * the checkpoints launch + 60 s, + 120 s, + 300 s and half the flight time
 * (the latest prediction made by then).  The reported impact point and
 * ellipse are the last prediction made at least 60 s before impact.  The
 * launch point is the batch fit (mwx_assess_launch_fit) to the boost plots
 * of the tracks that followed the missile in its first 400 s, the one with
 * the smallest ellipse; the extrapolation of the first track's early
 * estimate when no fit succeeds.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/error.h"

#define NS_PER_S 1000000000LL
#define ASSOC_KM 20.0
#define IPP_EVERY_S MWX_ASSESS_IMPACT_EVERY_S /* a node's cadence (assess.h) */
#define MAX_EARLY_TRACKS 4     /* tracks on one missile tried for its launch fit */
#define EARLY_TRACK_S 400.0    /* ... those that followed it this soon after launch */
#define FINAL_IPP_BEFORE_S 60.0 /* the reported impact prediction: the last made this long before impact */
#define MAX_OWN 16              /* tracks that followed one missile, for the warning picture */
#define BOOST_END_S 20.0        /* phases: boost end up to t_b + this, */
#define COAST_END_S 120.0       /* post-burnout coast up to t_b + this */
#define REENTRY_H_M 100e3       /* re-entry: descending below this */
#define FIVE_SIGMA_D2 25.0      /* Mahalanobis distance 5, squared */

/* One track's standing prediction in a missile's warning picture. */
typedef struct standing {
  long ti;             /* tracker index */
  int has;             /* a non-provisional prediction stands */
  double err_km, d2;   /* its error and the truth's squared Mahalanobis distance */
  int64_t last_upd_ns; /* the track's t_last_ns when last assessed */
  int last_coasting;   /* ... and its coasting flag */
  double last_eval_s;  /* when last assessed (seconds after launch) */
  double area_km2;     /* its ellipse's major x minor semi-axis */
  uint32_t track_id;   /* its track's id (mwx_track_info.id) */
  double made_s;       /* when the standing prediction was made (seconds after launch) */
  mwx_assess_point impact; /* ... the prediction */
  double bad5_since_s; /* > 5 sigma since (-1: not) */
  int counted;         /* a prediction of it is in the containment figures, */
  double count_s;      /* ... the last one made then (the node's cadence) */
} standing;

/* Squared Mahalanobis distance of (lat, lon) from a predicted point. */
static double truth_d2(const mwx_assess_point *ip, double lat, double lon) {
  mwx_geo_lla ref = {ip->lat_deg, ip->lon_deg, 0}, t = {lat, lon, 0};
  double p[3], enu[3];
  if (mwx_geo_ecef_from_lla(&t, p) || mwx_geo_enu_from_ecef(&ref, p, enu))
    return INFINITY;
  const double(*C)[2] = ip->cov_en_m2;
  double det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
  if (!(det > 0))
    return INFINITY;
  return (C[1][1] * enu[0] * enu[0] - 2 * C[0][1] * enu[0] * enu[1] + C[0][0] * enu[1] * enu[1]) / det;
}

/* The ellipse's parts for one scored prediction (mwx_assess_missile
 * z2_major_sum, z2_minor_sum, beta_share_sum). */
static void ellipse_parts(const mwx_assess *a, double lat, double lon, mwx_assess_missile *m, int ph) {
  mwx_geo_lla ref = {a->impact.lat_deg, a->impact.lon_deg, 0}, t = {lat, lon, 0};
  double p[3], enu[3];
  if (mwx_geo_ecef_from_lla(&t, p) || mwx_geo_enu_from_ecef(&ref, p, enu))
    return;
  const double(*C)[2] = a->impact.cov_en_m2;
  /* eigenvectors of the symmetric 2x2 */
  double tr = C[0][0] + C[1][1], d = sqrt(fmax(0.0, 0.25 * (C[0][0] - C[1][1]) * (C[0][0] - C[1][1]) + C[0][1] * C[0][1]));
  double l1 = 0.5 * tr + d, l2 = 0.5 * tr - d, th = 0.5 * atan2(2 * C[0][1], C[0][0] - C[1][1]);
  double u[2] = {cos(th), sin(th)}, w[2] = {-sin(th), cos(th)};
  if (!(l2 > 0))
    return;
  double e1 = u[0] * enu[0] + u[1] * enu[1], e2 = w[0] * enu[0] + w[1] * enu[1];
  const double(*S)[2] = a->impact_state_cov_en_m2;
  double s1 = u[0] * (S[0][0] * u[0] + S[0][1] * u[1]) + u[1] * (S[1][0] * u[0] + S[1][1] * u[1]);
  m->z2_major_sum[ph] += e1 * e1 / l1;
  m->z2_minor_sum[ph] += e2 * e2 / l2;
  m->beta_share_sum[ph] += fmin(1.0, fmax(0.0, 1.0 - s1 / l1));
}

static int phase_of(const mwx_sim_truth *truth, size_t k, int64_t t_ns, double ts) {
  double tb = truth->traj[k].fig.burnout_time_s;
  if (ts < tb + BOOST_END_S)
    return MWX_ASSESS_PH_BOOST_END;
  if (ts < tb + COAST_END_S)
    return MWX_ASSESS_PH_COAST;
  mwx_sim_truth_state st;
  if (!mwx_sim_truth_at(truth, k, t_ns, &st) && st.in_flight) {
    double vr = 0;
    for (int i = 0; i < 3; i++)
      vr += st.pos_ecef_m[i] * st.vel_ecef_mps[i];
    if (vr < 0 && st.lla.h_m < REENTRY_H_M)
      return MWX_ASSESS_PH_REENTRY;
  }
  return MWX_ASSESS_PH_MIDCOURSE;
}

void mwx_assess_run_opts_default(mwx_assess_run_opts *o) {
  memset(o, 0, sizeof *o);
  memcpy(o->nation, "ALL", 4);
  o->filter = MWX_TRACK_EKF;
  o->seed = 1;
  o->step_s = 1.0;
  o->beta_rel_sigma = MWX_ASSESS_BETA_SIGMA_LN;
}

void mwx_assess_run_fini(mwx_assess_run_result *r) {
  if (!r)
    return;
  free(r->m);
  memset(r, 0, sizeof *r);
}

typedef struct plot_buf {
  mwx_assess_missile *m;
  const mwx_sim_truth *truth;
  size_t n_missiles;
} plot_buf;

/* Each plot the driver takes (mwx_assess_drive_advance): evaluation only,
 * the first plot on each missile (the sim's truth label). */
static int first_plot(void *ctx, const mwx_sim_plot *sp) {
  plot_buf *b = ctx;
  int k = sp->truth.missile;
  if (k >= 0 && (size_t)k < b->n_missiles && !b->m[k].has_first_plot) {
    b->m[k].has_first_plot = 1;
    b->m[k].first_plot_s = (double)(sp->time_ns - b->truth->launch_ns[k]) / NS_PER_S;
  }
  return 0;
}

static double geo_km(double lat1, double lon1, double lat2, double lon2) {
  double d = NAN;
  mwx_geo_inverse(lat1, lon1, lat2, lon2, &d, NULL, NULL);
  return d / 1e3;
}

/* The confirmed tracks of this step (copied once per step). */
typedef struct live_list {
  size_t *idx;
  mwx_track_info *info;
  size_t n, cap;
} live_list;

static int list_confirmed(const mwx_tracker *tr, live_list *l) {
  l->n = 0;
  size_t nt = mwx_track_count(tr);
  if (nt > l->cap) {
    size_t *i2 = realloc(l->idx, nt * sizeof *i2);
    if (i2)
      l->idx = i2;
    mwx_track_info *f2 = realloc(l->info, nt * sizeof *f2);
    if (f2)
      l->info = f2;
    if (!i2 || !f2)
      return mwx_error_set(MWX_ENOMEM, "assess run: out of memory");
    l->cap = nt;
  }
  for (size_t i = 0; i < nt; i++)
    if (!mwx_track_get(tr, i, &l->info[l->n]) && l->info[l->n].status == MWX_TRACK_CONFIRMED)
      l->idx[l->n++] = i;
  return 0;
}

/* The confirmed track nearest to missile k at t_ns (each estimate brought to
 * t_ns by linear extrapolation), within ASSOC_KM; -1 if none.  Writes its
 * position in the list to *pos. */
static long track_of(const live_list *l, const mwx_sim_truth *truth, size_t k, int64_t t_ns, size_t *pos) {
  mwx_sim_truth_state st;
  if (mwx_sim_truth_at(truth, k, t_ns, &st) || !st.in_flight)
    return -1;
  long best = -1;
  double best_d = ASSOC_KM * 1e3;
  for (size_t j = 0; j < l->n; j++) {
    const mwx_track_est *e = &l->info[j].est;
    double dt = (double)(t_ns - e->t_ns) * 1e-9, d = 0;
    for (int c = 0; c < 3; c++) {
      double q = e->x[c] + e->x[3 + c] * dt - st.pos_ecef_m[c];
      d += q * q;
    }
    d = sqrt(d);
    if (d < best_d) {
      best_d = d;
      best = (long)l->idx[j];
      *pos = j;
    }
  }
  return best;
}

int mwx_assess_run(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const mwx_assess_run_opts *opts,
                   mwx_assess_run_result *out) {
  if (!sc || !truth || !out || truth->n != sc->n_launches)
    return mwx_error_set(MWX_EINVAL, "assess run: bad arguments");
  mwx_assess_run_opts o;
  if (opts)
    o = *opts;
  else
    mwx_assess_run_opts_default(&o);
  if (strcmp(o.nation, "ALL") && strcmp(o.nation, "KOR") && strcmp(o.nation, "JPN") && strcmp(o.nation, "USA"))
    return mwx_error_set(MWX_EINVAL, "assess run: nation '%.3s' is not KOR, JPN, USA or ALL", o.nation);
  if (!(o.step_s > 0) || !(o.beta_rel_sigma >= 0) || (o.filter != MWX_TRACK_EKF && o.filter != MWX_TRACK_UKF))
    return mwx_error_set(MWX_EINVAL, "assess run: bad step or filter");
  memset(out, 0, sizeof *out);
  size_t nm = sc->n_launches;
  out->m = calloc(nm ? nm : 1, sizeof *out->m);
  if (!out->m)
    return mwx_error_set(MWX_ENOMEM, "assess run: out of memory");
  out->n = nm;
  long *trk = malloc((nm ? nm : 1) * sizeof *trk);
  long *last_trk = malloc((nm ? nm : 1) * sizeof *last_trk);
  int64_t *last_upd_ns = calloc(nm ? nm : 1, sizeof *last_upd_ns);
  double *last_ipp_s = malloc((nm ? nm : 1) * sizeof *last_ipp_s);
  mwx_assess_point *last_ipp = calloc(nm ? nm : 1, sizeof *last_ipp);
  int *has_last = calloc(nm ? nm : 1, sizeof *has_last);
  long *early_trk = calloc((nm ? nm : 1) * MAX_EARLY_TRACKS, sizeof *early_trk);
  int *n_early_trk = calloc(nm ? nm : 1, sizeof *n_early_trk);
  standing *own = calloc((nm ? nm : 1) * MAX_OWN, sizeof *own);
  int *n_own = calloc(nm ? nm : 1, sizeof *n_own);
  mwx_assess_drive *drv = NULL;
  mwx_tracker *tr = NULL;
  plot_buf b = {0};
  live_list live = {0};
  int rc = 0;
  if (!trk || !last_trk || !last_upd_ns || !last_ipp_s || !last_ipp || !has_last || !early_trk || !n_early_trk ||
      !own || !n_own) {
    rc = mwx_error_set(MWX_ENOMEM, "assess run: out of memory");
    goto done;
  }
  for (size_t k = 0; k < nm; k++) {
    mwx_assess_missile *m = &out->m[k];
    snprintf(m->id, sizeof m->id, "%s", sc->launch[k].id);
    m->flight_time_s = truth->traj[k].fig.flight_time_s;
    m->cls = MWX_CLASS_UNKNOWN;
    trk[k] = -1;
    last_trk[k] = -1;
    last_ipp_s[k] = -INFINITY;
  }
  mwx_track_config cfg;
  mwx_track_config_default(&cfg);
  cfg.filt.kind = o.filter;
  if (o.no_track_beta)
    cfg.filt.lnbeta_sigma = 0;
  if (o.thrust_ve_mps > 0) /* the experiments of the twelfth session (BENCHMARKS.md) */
    cfg.filt.thrust_ve_mps = o.thrust_ve_mps;
  if (o.pitch_sigma0_deg != 0) /* the boost model's thrust angle (thirteenth session) */
    cfg.filt.pitch_sigma0_deg = o.pitch_sigma0_deg > 0 ? o.pitch_sigma0_deg : 0.0;
  if (o.q_pitch_deg2ps != 0)
    cfg.filt.q_pitch_deg2ps = o.q_pitch_deg2ps > 0 ? o.q_pitch_deg2ps : 0.0;
  if (o.pitch_hold)
    cfg.filt.pitch_hold = o.pitch_hold > 0;
  if (o.postburn_q_in_air_only)
    cfg.postburn_q_in_air_only = o.postburn_q_in_air_only > 0;
  if ((rc = mwx_assess_drive_create(sc, truth, o.nation, o.seed, &cfg, &drv)))
    goto done;
  tr = mwx_assess_drive_tracker(drv);
  b.m = out->m;
  b.truth = truth;
  b.n_missiles = nm;
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  ao.want_apogee = 0; /* not scored */
  ao.beta_rel_sigma = o.beta_rel_sigma;
  ao.no_track_beta = o.no_track_beta;
  int64_t step = (int64_t)llround(o.step_s * NS_PER_S);
  int64_t t = sc->epoch_ns;
  /* progress: sim time from the epoch to the last missile's fall */
  int64_t end_ns = sc->epoch_ns;
  for (size_t k = 0; k < nm; k++) {
    int64_t e = truth->launch_ns[k] + (int64_t)(truth->traj[k].fig.flight_time_s * NS_PER_S);
    if (e > end_ns)
      end_ns = e;
  }
  int pct_shown = -1;
  for (;;) {
    int64_t next = mwx_assess_drive_next_ns(drv);
    if (next == INT64_MAX)
      break;
    if (t < next - step)
      t = next - (next - t) % step; /* skip idle time in whole steps */
    t += step;
    size_t np = 0;
    if ((rc = mwx_assess_drive_advance(drv, t, first_plot, &b, &np)))
      goto done;
    out->n_plots += np;
    if (o.progress_fn && end_ns > sc->epoch_ns) {
      double f = (double)(t - sc->epoch_ns) / (double)(end_ns - sc->epoch_ns);
      int pct = f >= 1 ? 100 : f <= 0 ? 0 : (int)(f * 100);
      if (pct != pct_shown) {
        pct_shown = pct;
        o.progress_fn(o.progress_ctx, pct / 100.0, (double)(t - sc->epoch_ns) / NS_PER_S);
      }
    }
    /* score every missile in flight */
    if ((rc = list_confirmed(tr, &live)))
      goto done;
    for (size_t k = 0; k < nm; k++) {
      mwx_assess_missile *m = &out->m[k];
      double ts = (double)(t - truth->launch_ns[k]) / NS_PER_S;
      if (ts < 0 || ts > m->flight_time_s)
        continue;
      size_t lp = 0;
      long i = track_of(&live, truth, k, t, &lp);
      if (i >= 0 && !m->has_track) {
        m->has_track = 1;
        m->first_track_s = ts;
        trk[k] = i;
      }
      if (i >= 0) {
        /* the tracks that follow it in its first minutes (launch fit) */
        int seen = 0;
        for (int c = 0; c < n_early_trk[k]; c++)
          seen |= early_trk[k * MAX_EARLY_TRACKS + c] == i;
        if (!seen && n_early_trk[k] < MAX_EARLY_TRACKS && ts < EARLY_TRACK_S)
          early_trk[k * MAX_EARLY_TRACKS + n_early_trk[k]++] = i;
        /* ... and every track that ever followed it (the warning picture) */
        seen = 0;
        for (int c = 0; c < n_own[k]; c++)
          seen |= own[k * MAX_OWN + c].ti == i;
        if (!seen && n_own[k] < MAX_OWN) {
          standing *sd = &own[k * MAX_OWN + n_own[k]++];
          memset(sd, 0, sizeof *sd);
          sd->ti = i;
          sd->bad5_since_s = -1;
        }
      }
      const double tlat = truth->traj[k].fig.impact_lat_deg, tlon = truth->traj[k].fig.impact_lon_deg;
      const standing *best = NULL; /* the picture: the most precise standing prediction */
      int n_standing = 0;
      for (int c = 0; c < n_own[k]; c++) {
        standing *sd = &own[k * MAX_OWN + c];
        size_t pos = live.n;
        for (size_t j = 0; j < live.n; j++)
          if ((long)live.idx[j] == sd->ti)
            pos = j;
        if (pos == live.n) { /* deleted: its prediction goes with it, and its place */
          own[k * MAX_OWN + c] = own[k * MAX_OWN + --n_own[k]];
          c--;
          continue;
        }
        const mwx_track_info *in = &live.info[pos];
        /* a track assessed again only when it has news: an update, or the
         * start of its coasting (a node predicts from a coasting track; its
         * prediction then does not change) */
        int news = in->t_last_ns != sd->last_upd_ns || !sd->last_upd_ns || in->coasting != sd->last_coasting;
        /* a standing prediction is renewed every IPP_EVERY_S (a node's
         * cadence); a track without one, or the missile's own track until a
         * prediction is within 10 km, every step */
        int due = !sd->has || ts - sd->last_eval_s >= IPP_EVERY_S || in->coasting != sd->last_coasting ||
                  (sd->ti == i && !m->has_good_ipp);
        if (news && due) {
          sd->last_upd_ns = in->t_last_ns;
          sd->last_coasting = in->coasting;
          sd->last_eval_s = ts;
          mwx_assess a;
          int ok = in->p_ballistic >= ao.min_p_ballistic && !mwx_assess_track(in, &ao, &a) && a.has_impact;
          mwx_assess_burnout bo;
          mwx_assess_burnout_check(in, &bo);
          if (!ok) {
            /* no new prediction: the standing one is withdrawn when thrust
             * was seen since (a stage burning: it is wrong), kept otherwise
             * (the IMM leaving ballistic in re-entry is drag) */
            if (!bo.seen && !o.trust_provisional)
              sd->has = 0;
          } else if (a.provisional && !o.trust_provisional) {
            sd->has = 0; /* withdrawn: burnout not seen */
            m->n_provisional++;
          } else {
            m->n_provisional += a.provisional;
            sd->has = 1;
            sd->err_km = geo_km(a.impact.lat_deg, a.impact.lon_deg, tlat, tlon);
            sd->d2 = truth_d2(&a.impact, tlat, tlon);
            sd->area_km2 = a.impact.major_km * a.impact.minor_km;
            sd->track_id = in->id;
            sd->made_s = ts;
            sd->impact = a.impact;
            /* containment counted at the node's cadence (node_tracks.c): a
               track's first prediction, then one every IPP_EVERY_S, six
               times less often while it coasts */
            if (!sd->counted || ts - sd->count_s >= IPP_EVERY_S * (in->coasting ? 6 : 1) - 1e-6) {
              int ph = phase_of(truth, k, t, ts);
              sd->counted = 1;
              sd->count_s = ts;
              m->n_pred[ph]++;
              m->n_pred_in[ph] += sd->d2 <= MWX_ASSESS_CHI2_95_2D;
              ellipse_parts(&a, tlat, tlon, m, ph);
              if (o.pred_fn)
                o.pred_fn(o.pred_ctx, k, ts, ph, sd->d2, in, &a);
            }
            /* the timeline of the missile's own track, as before */
            if (sd->ti == i) {
              if (i != last_trk[k] || !m->has_good_ipp || ts - last_ipp_s[k] >= IPP_EVERY_S) {
                last_trk[k] = i;
                last_ipp_s[k] = ts;
                last_ipp[k] = a.impact;
                has_last[k] = 1;
                m->cls = a.cls;
                if (!m->has_ipp) {
                  m->has_ipp = 1;
                  m->first_ipp_s = ts;
                }
                if (!m->has_good_ipp && sd->err_km <= MWX_ASSESS_GOOD_IPP_KM) {
                  m->has_good_ipp = 1;
                  m->good_ipp_s = ts;
                }
                if (ts <= m->flight_time_s - FINAL_IPP_BEFORE_S || !m->has_impact) {
                  m->impact = a.impact;
                  m->impact_error_km = sd->err_km;
                  m->has_impact = 1;
                }
              }
            }
          }
        }
        if (!sd->has) {
          sd->bad5_since_s = -1;
          continue;
        }
        n_standing++;
        if (!best || sd->area_km2 < best->area_km2)
          best = sd;
        if (sd->err_km > m->max_wrong_km)
          m->max_wrong_km = sd->err_km;
        if (!(sd->d2 <= FIVE_SIGMA_D2)) {
          if (sd->bad5_since_s < 0)
            sd->bad5_since_s = ts;
          if (ts - sd->bad5_since_s > m->max_5sigma_s)
            m->max_5sigma_s = ts - sd->bad5_since_s;
        } else {
          sd->bad5_since_s = -1;
        }
      }
      /* the picture - what a warning centre would act on: of the standing
       * predictions the most precise one (smallest ellipse); good from the
       * first step with one after the last step with a bad one */
      int any = best != NULL, bad50 = best && best->err_km > MWX_ASSESS_CONSISTENT_KM,
          badc = best && !(best->d2 <= MWX_ASSESS_CHI2_95_2D);
      if (bad50)
        m->has_ipp_50km = 0;
      else if (any && !m->has_ipp_50km) {
        m->has_ipp_50km = 1;
        m->ipp_50km_s = ts;
      }
      if (badc)
        m->has_ipp_consistent = 0;
      else if (any && !m->has_ipp_consistent) {
        m->has_ipp_consistent = 1;
        m->ipp_consistent_s = ts;
        m->ipp_consistent_track_id = best->track_id;
        m->ipp_consistent_made_s = best->made_s;
      }
      if (o.pic_fn) {
        mwx_assess_picture pic;
        memset(&pic, 0, sizeof pic);
        if (best) {
          pic.has = 1;
          pic.track_id = best->track_id;
          pic.made_s = best->made_s;
          pic.impact = best->impact;
          pic.err_km = best->err_km;
          pic.d2 = best->d2;
          pic.n_standing = n_standing;
        }
        o.pic_fn(o.pic_ctx, k, ts, &pic);
      }
    }
    /* checkpoints: the latest prediction made by then */
    for (size_t k = 0; k < nm; k++) {
      mwx_assess_missile *m = &out->m[k];
      double cp[MWX_ASSESS_N_CP] = {60.0, 120.0, 300.0, 0.5 * m->flight_time_s};
      double ts = (double)(t - truth->launch_ns[k]) / NS_PER_S;
      for (int c = 0; c < MWX_ASSESS_N_CP; c++)
        if (ts >= cp[c] && ts < cp[c] + o.step_s && cp[c] < m->flight_time_s && has_last[k] &&
            !m->has_ipp_error[c]) {
          m->has_ipp_error[c] = 1;
          m->ipp_error_km[c] = geo_km(last_ipp[k].lat_deg, last_ipp[k].lon_deg,
                                      truth->traj[k].fig.impact_lat_deg, truth->traj[k].fig.impact_lon_deg);
        }
    }
  }
  /* launch point of each missile: the batch fit of the powered flight to
   * the boost plots of each track that followed it early (the first one and
   * any that took over from it), started from the extrapolation of the
   * track's early estimate; the fit with the smallest launch ellipse wins.
   * Without a fit: the extrapolation of the first track. */
  for (size_t k = 0; k < nm; k++) {
    mwx_assess_missile *m = &out->m[k];
    if (trk[k] < 0)
      continue;
    double best_area = INFINITY;
    for (int c = 0; c < n_early_trk[k]; c++) {
      size_t ti = (size_t)early_trk[k * MAX_EARLY_TRACKS + c];
      mwx_track_info in;
      if (mwx_track_get(tr, ti, &in))
        continue;
      if (c == 0)
        m->track_id = in.id;
      mwx_assess_fit_input fi; /* the driver's launch-fit preamble, as the node's */
      if ((rc = mwx_assess_fit_prepare(tr, ti, &in, &ao, &fi)))
        goto done;
      if (!fi.early.has_launch)
        continue;
      if (!m->has_launch) { /* the extrapolation, until a fit does better */
        m->has_launch = 1;
        m->launch = fi.early.launch;
      }
      if (!fi.can_fit)
        continue;
      mwx_assess_launch_fit_result lf;
      if (!mwx_assess_fit_run(fi.ep, fi.nep, fi.ir, fi.nir, &fi.early, fi.heading_deg, NULL, &lf)) {
        const double(*C)[2] = lf.point.cov_en_m2;
        double area = C[0][0] * C[1][1] - C[0][1] * C[1][0];
        if (area < best_area) {
          best_area = area;
          m->launch = lf.point;
          m->launch_fit_plots = lf.n_plots;
          m->launch_fit_ir = lf.n_orphan_ir;
          m->launch_fit_chi2_dof = lf.chi2_per_dof;
          m->launch_fit_window_s = lf.window_s;
        }
      }
      mwx_error_clear();
    }
    if (m->has_launch) {
      m->launch_error_km =
          geo_km(m->launch.lat_deg, m->launch.lon_deg, sc->launch[k].lat_deg, sc->launch[k].lon_deg);
      m->launch_time_error_s = (double)(m->launch.t_ns - truth->launch_ns[k]) / NS_PER_S;
    }
  }
  for (size_t i = 0; i < mwx_track_count(tr); i++) {
    mwx_track_info in;
    if (mwx_track_get(tr, i, &in))
      continue;
    out->n_tracks++;
    out->n_confirmed += in.t_confirm_ns != 0;
  }
done:
  mwx_assess_drive_destroy(drv);
  free(live.idx);
  free(live.info);
  free(trk);
  free(last_trk);
  free(last_upd_ns);
  free(last_ipp_s);
  free(last_ipp);
  free(has_last);
  free(early_trk);
  free(n_early_trk);
  free(own);
  free(n_own);
  if (rc)
    mwx_assess_run_fini(out);
  return rc;
}

static json_t *num_or_null(int has, double v) { return has && isfinite(v) ? json_real(v) : json_null(); }

int mwx_assess_run_json(const mwx_assess_run_result *r, const mwx_assess_run_opts *opts, char **text) {
  if (!r || !text)
    return mwx_error_set(MWX_EINVAL, "assess run json: NULL argument");
  json_t *root = json_object(), *arr = json_array();
  if (!root || !arr) {
    json_decref(root);
    json_decref(arr);
    return mwx_error_set(MWX_ENOMEM, "assess run json: out of memory");
  }
  if (opts) {
    json_object_set_new(root, "nation", json_string(opts->nation));
    json_object_set_new(root, "filter", json_string(opts->filter == MWX_TRACK_UKF ? "ukf" : "ekf"));
    json_object_set_new(root, "seed", json_integer((json_int_t)opts->seed));
  }
  for (size_t k = 0; k < r->n; k++) {
    const mwx_assess_missile *m = &r->m[k];
    json_t *o = json_object(), *ipp = json_object();
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "flight_time_s", json_real(m->flight_time_s));
    json_object_set_new(o, "first_plot_s", num_or_null(m->has_first_plot, m->first_plot_s));
    json_object_set_new(o, "first_track_s", num_or_null(m->has_track, m->first_track_s));
    json_object_set_new(o, "first_ipp_s", num_or_null(m->has_ipp, m->first_ipp_s));
    json_object_set_new(o, "good_ipp_s", num_or_null(m->has_good_ipp, m->good_ipp_s));
    json_object_set_new(o, "ipp_50km_s", num_or_null(m->has_ipp_50km, m->ipp_50km_s));
    json_object_set_new(o, "ipp_consistent_s", num_or_null(m->has_ipp_consistent, m->ipp_consistent_s));
    json_object_set_new(o, "ipp_consistent_made_s", num_or_null(m->has_ipp_consistent, m->ipp_consistent_made_s));
    json_object_set_new(o, "ipp_consistent_track",
                        m->has_ipp_consistent ? json_integer((json_int_t)m->ipp_consistent_track_id) : json_null());
    json_object_set_new(o, "provisional_predictions", json_integer((json_int_t)m->n_provisional));
    json_object_set_new(o, "max_5sigma_s", json_real(m->max_5sigma_s));
    json_object_set_new(o, "max_wrong_km", json_real(m->max_wrong_km));
    static const char *phn[MWX_ASSESS_N_PHASE] = {"boost_end", "coast", "midcourse", "reentry"};
    json_t *cont = json_object();
    for (int ph = 0; ph < MWX_ASSESS_N_PHASE; ph++) {
      json_t *e = json_array();
      json_array_append_new(e, json_integer((json_int_t)m->n_pred_in[ph]));
      json_array_append_new(e, json_integer((json_int_t)m->n_pred[ph]));
      json_object_set_new(cont, phn[ph], e);
    }
    json_object_set_new(o, "contained", cont);
    static const char *cpn[MWX_ASSESS_N_CP] = {"60", "120", "300", "half"};
    for (int c = 0; c < MWX_ASSESS_N_CP; c++)
      json_object_set_new(ipp, cpn[c], num_or_null(m->has_ipp_error[c], m->ipp_error_km[c]));
    json_object_set_new(o, "ipp_error_km", ipp);
    json_object_set_new(o, "launch_error_km", num_or_null(m->has_launch, m->launch_error_km));
    json_object_set_new(o, "launch_time_error_s", num_or_null(m->has_launch, m->launch_time_error_s));
    if (m->has_launch) {
      json_t *e = json_array();
      json_array_append_new(e, json_real(m->launch.major_km));
      json_array_append_new(e, json_real(m->launch.minor_km));
      json_array_append_new(e, json_real(m->launch.orient_deg));
      json_object_set_new(o, "launch_ellipse_km", e);
      json_object_set_new(o, "launch_sigma_t_s", json_real(m->launch.sigma_t_s));
      json_object_set_new(o, "launch_fit_plots", json_integer((json_int_t)m->launch_fit_plots));
      json_object_set_new(o, "launch_fit_orphan_ir", json_integer((json_int_t)m->launch_fit_ir));
      json_object_set_new(o, "launch_fit_window_s", num_or_null(m->launch_fit_plots > 0, m->launch_fit_window_s));
      json_object_set_new(o, "launch_fit_chi2_dof", num_or_null(m->launch_fit_plots > 0, m->launch_fit_chi2_dof));
    } else {
      json_object_set_new(o, "launch_ellipse_km", json_null());
    }
    json_object_set_new(o, "class", m->cls == MWX_CLASS_UNKNOWN ? json_null()
                                                                : json_string(mwx_ballistic_class_name(m->cls)));
    json_object_set_new(o, "impact_lat_deg", num_or_null(m->has_impact, m->impact.lat_deg));
    json_object_set_new(o, "impact_lon_deg", num_or_null(m->has_impact, m->impact.lon_deg));
    json_object_set_new(o, "impact_error_km", num_or_null(m->has_impact, m->impact_error_km));
    if (m->has_impact) {
      json_t *e = json_array();
      json_array_append_new(e, json_real(m->impact.major_km));
      json_array_append_new(e, json_real(m->impact.minor_km));
      json_array_append_new(e, json_real(m->impact.orient_deg));
      json_object_set_new(o, "impact_ellipse_km", e);
    } else {
      json_object_set_new(o, "impact_ellipse_km", json_null());
    }
    json_array_append_new(arr, o);
  }
  json_object_set_new(root, "missiles", arr);
  json_object_set_new(root, "plots", json_integer((json_int_t)r->n_plots));
  json_object_set_new(root, "tracks", json_integer((json_int_t)r->n_tracks));
  json_object_set_new(root, "tracks_confirmed", json_integer((json_int_t)r->n_confirmed));
  char *s = json_dumps(root, JSON_REAL_PRECISION(6));
  json_decref(root);
  if (!s)
    return mwx_error_set(MWX_ENOMEM, "assess run json: out of memory");
  *text = s;
  return 0;
}
