/*
 * replay.c - what sharing is worth (mwx_fuse_replay, the in-process engine
 * of `mwx replay`): one simulation, one tracker per nation on its own
 * sensors, each nation's tracks turned into the samples its node publishes
 * (mwx_fuse_sample_from_track, every update of a confirmed track), and per
 * nation three fusers that receive them under three arrangements:
 *
 *   alone      own tracks only
 *   bilateral  own plus the USA's (the arrangements before 2023; for the
 *              USA, which had a bilateral line to each, own plus both)
 *   shared     all three (the trilateral mechanism)
 *
 * Each picture is scored per missile against the truth (read only to
 * score): the fused track nearest the missile (within 50 km) is the
 * nation's track of it; its impact prediction is computed from the fused
 * state every IPP_EVERY_S once it is in free flight; its launch point is
 * the best (smallest 95% ellipse) of the launch estimates of the
 * contributing nations' tracks (each computed once, from the track's early
 * estimate, as the node's first LaunchEvent: mwx_assess_track).
 *
 * The transport is in-process and instantaneous, so --topology (mesh or
 * hub) does not change what arrives here: the hub relays the same signed
 * samples.  The replay of the real nodes (release policies, signatures,
 * journals) needs the node's receive path to call fuse (docs/fusion.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/geo.h"
#include "mwx/zone.h"

#define NS 1000000000LL
#define NEAR_M 50e3
#define IPP_EVERY_S 10
#define LAUNCH_GOOD_KM 5.0
#define IPP_GOOD_KM 50.0
#define MAX_TRACKS_PER_NATION 4096

static const char *NAT[3] = {"KOR", "JPN", "USA"};
static const char *COND[3] = {"alone", "bilateral", "shared"};

void mwx_fuse_replay_opts_default(mwx_fuse_replay_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
  o->hub = 0;
}

/* 1 if nation b's samples reach nation a's fuser under condition c. */
static int receives(int a, int c, int b) {
  if (a == b || c == 2)
    return 1;
  if (c == 0)
    return 0;
  return b == 2 || a == 2; /* bilateral: with the USA */
}

/* ---- The per-nation pipeline ------------------------------------------------ */

typedef struct pbuf {
  mwx_track_plot *p;
  size_t n, cap;
  int rc;
} pbuf;

struct mwx_fuse_pipe {
  mwx_fuse_pipe_opts o;
  const mwx_sim_scenario *sc;
  mwx_sim_source *src;
  mwx_tracker *tr[4];      /* KOR, JPN, USA, ALL (NULL unless centralized) */
  pbuf b[4];
  int64_t *last_pub[3];    /* per nation and track index: t_last_ns last published */
  size_t cap_pub[3];
  mwx_fuse_sample *pub;    /* this step's publications */
  int *from;
  size_t n_pub, cap_batch;
  int64_t t_ns;
};

void mwx_fuse_pipe_opts_default(mwx_fuse_pipe_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
}

static int push_plot(pbuf *b, const mwx_track_plot *p) {
  if (b->n == b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 256;
    mwx_track_plot *q = realloc(b->p, nc * sizeof *q);
    if (!q)
      return b->rc = mwx_error_set(MWX_ENOMEM, "replay: out of memory");
    b->p = q;
    b->cap = nc;
  }
  b->p[b->n++] = *p;
  return 0;
}

static int collect(const mwx_sim_plot *sp, void *ctx) {
  mwx_fuse_pipe *pp = ctx;
  mwx_track_plot p;
  if (mwx_track_plot_from_sim(sp, &p)) {
    mwx_error_clear();
    return 0;
  }
  for (int k = 0; k < 3; k++)
    if (!strcmp(sp->nation, NAT[k]) && push_plot(&pp->b[k], &p))
      return pp->b[k].rc;
  return pp->tr[3] ? push_plot(&pp->b[3], &p) : 0;
}

int mwx_fuse_pipe_create(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const mwx_fuse_pipe_opts *opts,
                         mwx_fuse_pipe **out) {
  if (!sc || !truth || !out)
    return mwx_error_set(MWX_EINVAL, "replay: pipe: NULL argument");
  *out = NULL;
  mwx_fuse_pipe *p = calloc(1, sizeof *p);
  if (!p)
    return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  if (opts)
    p->o = *opts;
  else
    mwx_fuse_pipe_opts_default(&p->o);
  p->sc = sc;
  p->t_ns = sc->epoch_ns;
  int rc = mwx_sim_source_init(&p->src, sc, truth, p->o.seed);
  mwx_track_config tc;
  mwx_track_config_default(&tc);
  if (p->o.postburn_q_in_air_only)
    tc.postburn_q_in_air_only = p->o.postburn_q_in_air_only > 0;
  for (int k = 0; k < (p->o.centralized ? 4 : 3) && !rc; k++)
    rc = mwx_track_create(&tc, &p->tr[k]);
  if (rc) {
    mwx_fuse_pipe_destroy(p);
    return rc;
  }
  *out = p;
  return 0;
}

void mwx_fuse_pipe_destroy(mwx_fuse_pipe *p) {
  if (!p)
    return;
  for (int k = 0; k < 4; k++) {
    mwx_track_destroy(p->tr[k]);
    free(p->b[k].p);
  }
  for (int k = 0; k < 3; k++)
    free(p->last_pub[k]);
  free(p->pub);
  free(p->from);
  mwx_sim_source_fini(p->src);
  free(p);
}

int64_t mwx_fuse_pipe_time(const mwx_fuse_pipe *p) { return p ? p->t_ns : 0; }

const mwx_tracker *mwx_fuse_pipe_tracker(const mwx_fuse_pipe *p, int k) {
  return p && k >= 0 && k < 4 ? p->tr[k] : NULL;
}

size_t mwx_fuse_pipe_published(const mwx_fuse_pipe *p, const mwx_fuse_sample **s, const int **from) {
  if (s)
    *s = p ? p->pub : NULL;
  if (from)
    *from = p ? p->from : NULL;
  return p ? p->n_pub : 0;
}

int mwx_fuse_pipe_step(mwx_fuse_pipe *p, int *done) {
  if (!p || !done)
    return mwx_error_set(MWX_EINVAL, "replay: pipe step: NULL argument");
  *done = 0;
  p->n_pub = 0;
  int64_t next = mwx_sim_source_next_ns(p->src);
  if (next == INT64_MAX) {
    *done = 1;
    return 0;
  }
  if (p->t_ns < next - NS)
    p->t_ns = next - (next - p->t_ns) % NS;
  p->t_ns += NS;
  for (int k = 0; k < 4; k++)
    p->b[k].n = 0;
  int rc;
  if ((rc = mwx_sim_source_advance(p->src, p->t_ns, collect, p)))
    return rc;
  for (int k = 0; k < 4; k++)
    if (p->tr[k] && ((rc = p->b[k].rc) || (p->b[k].n && (rc = mwx_track_process(p->tr[k], p->b[k].p, p->b[k].n)))))
      return rc;
  /* what the three nodes publish this step */
  for (int k = 0; k < 3; k++) {
    size_t nt = mwx_track_count(p->tr[k]);
    if (nt > p->cap_pub[k]) {
      int64_t *q = realloc(p->last_pub[k], 2 * nt * sizeof *q);
      if (!q)
        return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
      memset(q + p->cap_pub[k], 0, (2 * nt - p->cap_pub[k]) * sizeof *q);
      p->last_pub[k] = q;
      p->cap_pub[k] = 2 * nt;
    }
    for (size_t i = 0; i < nt; i++) {
      mwx_track_info in;
      if (mwx_track_get(p->tr[k], i, &in) || in.status != MWX_TRACK_CONFIRMED || in.coasting ||
          in.t_last_ns <= p->last_pub[k][i])
        continue;
      p->last_pub[k][i] = in.t_last_ns;
      if (p->n_pub == p->cap_batch) {
        size_t nc = p->cap_batch ? 2 * p->cap_batch : 32;
        mwx_fuse_sample *q = realloc(p->pub, nc * sizeof *q);
        if (q)
          p->pub = q;
        int *f = realloc(p->from, nc * sizeof *f);
        if (f)
          p->from = f;
        if (!q || !f)
          return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
        p->cap_batch = nc;
      }
      if (p->o.ballistic_est && in.p_ballistic >= 0.5)
        in.est = in.ballistic;
      if (mwx_fuse_sample_from_track(NAT[k], &in, &p->pub[p->n_pub])) {
        mwx_error_clear();
        continue;
      }
      p->from[p->n_pub++] = k;
    }
  }
  return 0;
}

int mwx_fuse_pipe_deliver(const mwx_fuse_pipe *p, int receiver, unsigned from_mask, mwx_fuser *fz) {
  if (!p || !fz || receiver < 0 || receiver > 2)
    return mwx_error_set(MWX_EINVAL, "replay: deliver: bad argument");
  size_t n = 0;
  for (size_t j = 0; j < p->n_pub; j++)
    n += (from_mask >> p->from[j]) & 1u;
  if (!n)
    return 0;
  mwx_fuse_sample *sub = malloc(n * sizeof *sub);
  if (!sub)
    return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  size_t k = 0;
  for (size_t j = 0; j < p->n_pub; j++) {
    if (!((from_mask >> p->from[j]) & 1u))
      continue;
    sub[k] = p->pub[j];
    if (p->from[j] != receiver) /* a Track sample on the wire carries no thrust state */
      sub[k].has_thrust = 0, sub[k].thrust_mps2 = 0, sub[k].thrust_angle_rad = 0;
    k++;
  }
  int rc = mwx_fuse_ingest(fz, sub, n);
  free(sub);
  return rc;
}

/* ---- The replay -------------------------------------------------------------- */

/* Per nation and track: launch-estimate state. */
typedef struct trk_state {
  int launch_done, has_launch;
  mwx_assess_point launch;
} trk_state;

/* Per (nation, condition, missile): the running score. */
typedef struct score {
  mwx_fuse_replay_cond *c;
  uint32_t seen[16];
  int n_seen;
  int has_last_ipp;
  int64_t last_ipp_ns;
  double last_ipp_err_km;
  int good_run;       /* predictions within IPP_GOOD_KM since good_start */
  double good_start_s;
  mwx_alert_state ast;  /* the nation's alert about this missile */
  mwx_alert_score zs;   /* its zone and alert keys (the one scorer: alert.h mwx_alert_truth_*) */
} score;

#define MAX_PTS 1024

/* The zone call and the alert decision on one prediction. */
static void score_zone_alert(const mwx_fuse_replay_opts *o, int a, score *s, const mwx_alert_truth *tz,
                             const mwx_fuse_track *bt, int64_t t, double ts_s, double beta,
                             const mwx_assess_point *ip, mwx_zone_track_point *pts) {
  if (mwx_alert_truth_zone(tz, o->zone, ip->lat_deg, ip->lon_deg, ts_s, &s->zs)) {
    mwx_error_clear();
    return;
  }
  if (!o->rules[a])
    return;
  size_t np = 0;
  if (mwx_alert_ground_track(bt->x, t, beta, ip->t_ns, ip->lat_deg, ip->lon_deg, pts, MAX_PTS, &np)) {
    mwx_error_clear();
    np = 0;
  }
  mwx_alert_input in;
  memset(&in, 0, sizeof in);
  snprintf(in.prediction_id, sizeof in.prediction_id, "G%u", bt->global_track_no);
  in.track_no = bt->global_track_no;
  in.time_ns = t;
  in.has_impact = 1;
  in.impact_lat_deg = ip->lat_deg;
  in.impact_lon_deg = ip->lon_deg;
  in.major_km = ip->major_km;
  in.minor_km = ip->minor_km;
  in.orient_deg = ip->orient_deg;
  in.impact_time_ns = ip->t_ns;
  in.track = np ? pts : NULL;
  in.n_track = np;
  in.corridor_km = mwx_alert_corridor_km(pts, np, ip->major_km, ip->minor_km, ip->orient_deg);
  mwx_alert_decision d;
  mwx_alert_event ev;
  if (mwx_alert_decide(o->rules[a], o->zone, &in, &d) || mwx_alert_step(&s->ast, &d, 0, t, &ev)) {
    mwx_error_clear();
    return;
  }
  mwx_alert_truth_event(&s->zs, ev.action, ev.kind, ev.regions, ts_s);
}

static double ground_km(double lat1, double lon1, double lat2, double lon2) {
  double d = 0;
  if (mwx_geo_inverse(lat1, lon1, lat2, lon2, &d, NULL, NULL)) {
    mwx_error_clear();
    return INFINITY;
  }
  return d / 1000.0;
}

static double dist3(const double a[3], const double b[3]) {
  double s = 0;
  for (int i = 0; i < 3; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt(s);
}

void mwx_fuse_replay_cond_set_alert(mwx_fuse_replay_cond *x, const mwx_zone *z, const mwx_alert_score *q) {
  x->has_zone = q->has_zone;
  x->zone = q->zone;
  memcpy(x->zone_nation, q->zone_nation, sizeof x->zone_nation);
  x->has_zone_call = q->has_zone_call;
  x->zone_call_s = q->zone_call_s;
  x->has_alert = q->has_alert;
  x->alert_kind = q->kind;
  x->alert_s = q->alert_s;
  mwx_alert_regions_text(z, q->regions, x->alert_regions, sizeof x->alert_regions);
  x->false_alert = q->false_alert;
  x->has_overflight = q->has_overflight;
  x->overflight_s = q->overflight_s;
  x->has_lead = q->has_lead;
  x->warning_lead_s = q->warning_lead_s;
}

int mwx_fuse_replay(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const mwx_fuse_replay_opts *opts,
                    mwx_fuse_replay_result *out) {
  if (!sc || !truth || !out)
    return mwx_error_set(MWX_EINVAL, "replay: NULL argument");
  mwx_fuse_replay_opts o;
  if (opts)
    o = *opts;
  else
    mwx_fuse_replay_opts_default(&o);
  memset(out, 0, sizeof *out);
  size_t nm = truth->n;
  out->m = calloc(nm ? nm : 1, sizeof *out->m);
  if (!out->m)
    return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  out->n = nm;
  for (size_t k = 0; k < nm; k++) {
    snprintf(out->m[k].id, sizeof out->m[k].id, "%s", sc->launch[k].id);
    out->m[k].flight_time_s = truth->traj[k].fig.flight_time_s;
  }
  mwx_fuse_pipe *pp = NULL;
  mwx_fuser *fz[3][3] = {{NULL}};
  trk_state *ts[3] = {NULL};
  score *sco = calloc(nm * 9 + 1, sizeof *sco);
  mwx_alert_truth *tzs = NULL;
  mwx_zone_track_point *pts = NULL;
  int rc = sco ? 0 : mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  mwx_fuse_pipe_opts po;
  mwx_fuse_pipe_opts_default(&po);
  po.seed = o.seed;
  if (!rc)
    rc = mwx_fuse_pipe_create(sc, truth, &po, &pp);
  for (int a = 0; a < 3 && !rc; a++) {
    ts[a] = calloc(MAX_TRACKS_PER_NATION, sizeof *ts[a]);
    if (!ts[a])
      rc = mwx_error_set(MWX_ENOMEM, "replay: out of memory");
    for (int c = 0; c < 3 && !rc; c++)
      rc = mwx_fuse_create(NULL, &fz[a][c]);
  }
  if (rc)
    goto done;
  for (size_t k = 0; k < nm; k++)
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++) {
        sco[(k * 3 + a) * 3 + c].c = &out->m[k].n[a][c];
        mwx_alert_state_init(&sco[(k * 3 + a) * 3 + c].ast, NAT[a], 0);
        mwx_alert_score_init(&sco[(k * 3 + a) * 3 + c].zs, NAT[a]);
      }
  if (o.zone) {
    tzs = calloc(nm ? nm : 1, sizeof *tzs);
    pts = malloc(MAX_PTS * sizeof *pts);
    if (!tzs || !pts) {
      rc = mwx_error_set(MWX_ENOMEM, "replay: out of memory");
      goto done;
    }
    for (size_t k = 0; k < nm && !rc; k++)
      rc = mwx_alert_truth_init(o.zone, &truth->traj[k], truth->launch_ns[k], &tzs[k]);
    if (rc)
      goto done;
  }
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  ao.want_apogee = 0;
  for (;;) {
    int done_ = 0;
    if ((rc = mwx_fuse_pipe_step(pp, &done_)))
      goto done;
    if (done_)
      break;
    int64_t t = mwx_fuse_pipe_time(pp);
    /* each confirmed track's launch estimate, once, from its early estimate
     * (the node's first LaunchEvent) */
    for (int a = 0; a < 3; a++) {
      const mwx_tracker *tra = mwx_fuse_pipe_tracker(pp, a);
      size_t cnt = mwx_track_count(tra);
      for (size_t i = 0; i < cnt && i < MAX_TRACKS_PER_NATION; i++) {
        mwx_track_info in;
        trk_state *st = &ts[a][i];
        if (st->launch_done || mwx_track_get(tra, i, &in) || in.status != MWX_TRACK_CONFIRMED || !in.has_first)
          continue;
        mwx_track_info early = in;
        early.p_ballistic = 0; /* launch only */
        mwx_assess as;
        st->launch_done = 1;
        if (!mwx_assess_track(&early, &ao, &as) && as.has_launch && as.launch.major_km <= 500.0) {
          st->has_launch = 1;
          st->launch = as.launch;
        }
        mwx_error_clear();
      }
    }
    /* deliver: own tracks keep the filter's thrust, a partner's carry none */
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++) {
        unsigned mask = 0;
        for (int b2 = 0; b2 < 3; b2++)
          if (receives(a, c, b2))
            mask |= 1u << b2;
        if ((rc = mwx_fuse_pipe_deliver(pp, a, mask, fz[a][c])))
          goto done;
      }
    /* score */
    for (size_t k = 0; k < nm; k++) {
      mwx_sim_truth_state st;
      if (mwx_sim_truth_at(truth, k, t, &st) || !st.in_flight)
        continue;
      double ts_s = (double)(t - truth->launch_ns[k]) / NS;
      const mwx_ballistic_figures *fig = &truth->traj[k].fig;
      const mwx_ballistic_launch *L = &truth->launch[k];
      for (int a = 0; a < 3; a++)
        for (int c = 0; c < 3; c++) {
          score *s = &sco[(k * 3 + a) * 3 + c];
          mwx_fuse_replay_cond *rc_ = s->c;
          mwx_fuser *f = fz[a][c];
          double best = NEAR_M;
          mwx_fuse_track ft, bt;
          int found = 0;
          for (size_t i = 0; i < mwx_fuse_count(f); i++) {
            if (mwx_fuse_get(f, i, t, &ft)) {
              mwx_error_clear();
              continue;
            }
            double d = dist3(ft.x, st.pos_ecef_m);
            if (d < best) {
              best = d;
              bt = ft;
              found = 1;
            }
          }
          if (!found)
            continue;
          if (!rc_->has_track) {
            rc_->has_track = 1;
            rc_->first_track_s = ts_s;
          }
          rc_->global_track_no = bt.global_track_no;
          int q = 0;
          while (q < s->n_seen && s->seen[q] != bt.global_track_no)
            q++;
          if (q == s->n_seen && s->n_seen < 16)
            s->seen[s->n_seen++] = bt.global_track_no;
          rc_->global_tracks = s->n_seen;
          /* launch: the best estimate of the members' tracks */
          for (int mbr = 0; mbr < bt.n_members; mbr++) {
            int b = -1;
            for (int z = 0; z < 3; z++)
              if (!strcmp(bt.member_originator[mbr], NAT[z]))
                b = z;
            unsigned id = 0;
            if (b < 0 || sscanf(bt.member_local_id[mbr] + 4, "T%u", &id) != 1 || id < 1 ||
                id > MAX_TRACKS_PER_NATION)
              continue;
            const trk_state *tsb = &ts[b][id - 1];
            if (!tsb->has_launch)
              continue;
            if (!rc_->has_launch || tsb->launch.major_km < rc_->launch_major_km) {
              rc_->has_launch = 1;
              rc_->launch_major_km = tsb->launch.major_km;
              rc_->launch_error_km = ground_km(tsb->launch.lat_deg, tsb->launch.lon_deg, L->lat_deg, L->lon_deg);
            }
          }
          if (rc_->has_launch && !rc_->has_launch_5km && rc_->launch_error_km <= LAUNCH_GOOD_KM) {
            rc_->has_launch_5km = 1;
            rc_->launch_5km_s = ts_s;
          }
          /* impact prediction from the fused state, in free flight */
          if (((int64_t)llround(ts_s)) % IPP_EVERY_S)
            continue;
          double up = 0;
          for (int i = 0; i < 3; i++)
            up += bt.x[i] * bt.x[3 + i];
          mwx_geo_lla lla;
          if (mwx_geo_lla_from_ecef(bt.x, &lla)) {
            mwx_error_clear();
            continue;
          }
          /* free flight: no member used is in boost, and not below 30 km on
           * the way up (every class still burns there: assess.h) */
          if (bt.boost || (up > 0 && lla.h_m < 30e3))
            continue;
          double er;
          mwx_ballistic_vehicle veh;
          double beta = MWX_ASSESS_BETA_UNKNOWN_KGPM2;
          if (!mwx_assess_energy_range(bt.x, &er) &&
              !mwx_ballistic_vehicle_default(mwx_assess_class_from_range(er), &veh))
            beta = veh.beta_rv_kgpm2;
          mwx_error_clear();
          mwx_assess_point ip;
          if (mwx_assess_impact_beta(bt.x, bt.P, t, beta, MWX_ASSESS_BETA_SIGMA_LN, MWX_ASSESS_MAX_FLIGHT_S, &ip)) {
            mwx_error_clear();
            continue;
          }
          double err = ground_km(ip.lat_deg, ip.lon_deg, fig->impact_lat_deg, fig->impact_lon_deg);
          if (!rc_->has_ipp) {
            rc_->has_ipp = 1;
            rc_->first_ipp_s = ts_s;
          }
          if (err <= IPP_GOOD_KM) {
            if (!s->good_run) {
              s->good_run = 1;
              s->good_start_s = ts_s;
            }
          } else {
            s->good_run = 0;
          }
          if (ts_s <= 0.5 * fig->flight_time_s) {
            rc_->has_ipp_half = 1;
            rc_->ipp_error_half_km = err;
          }
          rc_->has_final_ipp = 1;
          rc_->final_ipp_error_km = err;
          rc_->has_ipp_50km = s->good_run;
          rc_->ipp_50km_s = s->good_start_s;
          if (o.zone)
            score_zone_alert(&o, a, s, &tzs[k], &bt, t, ts_s, beta, &ip, pts);
        }
    }
  }
  /* the alert keys against the truth */
  for (size_t k = 0; o.zone && k < nm; k++)
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++) {
        score *s = &sco[(k * 3 + a) * 3 + c];
        mwx_fuse_replay_cond *x = s->c;
        mwx_alert_score *q = &s->zs;
        mwx_alert_truth_finish(&tzs[k], q);
        mwx_fuse_replay_cond_set_alert(x, o.zone, q);
      }
done:
  free(tzs);
  free(pts);
  for (int a = 0; a < 3; a++) {
    free(ts[a]);
    for (int c = 0; c < 3; c++)
      mwx_fuse_destroy(fz[a][c]);
  }
  mwx_fuse_pipe_destroy(pp);
  free(sco);
  if (rc)
    mwx_fuse_replay_fini(out);
  return rc;
}

void mwx_fuse_replay_fini(mwx_fuse_replay_result *r) {
  if (!r)
    return;
  free(r->m);
  memset(r, 0, sizeof *r);
}

static json_t *num_or_null(int has, double v) { return has ? json_real(round(v * 10.0) / 10.0) : json_null(); }

int mwx_fuse_replay_json(const mwx_fuse_replay_result *r, char **text) {
  if (!r || !text)
    return mwx_error_set(MWX_EINVAL, "replay: json: NULL argument");
  *text = NULL;
  json_t *root = json_object(), *arr = json_array();
  if (!root || !arr) {
    json_decref(root);
    json_decref(arr);
    return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  }
  json_object_set_new(root, "missiles", arr);
  for (size_t k = 0; k < r->n; k++) {
    const mwx_fuse_replay_missile *m = &r->m[k];
    json_t *jm = json_object();
    json_object_set_new(jm, "id", json_string(m->id));
    for (int a = 0; a < 3; a++) {
      json_t *jn = json_object();
      for (int c = 0; c < 3; c++) {
        const mwx_fuse_replay_cond *x = &m->n[a][c];
        json_t *jc = json_object();
        json_object_set_new(jc, "first_track_s", num_or_null(x->has_track, x->first_track_s));
        json_object_set_new(jc, "launch_error_km", num_or_null(x->has_launch, x->launch_error_km));
        json_object_set_new(jc, "launch_5km_s", num_or_null(x->has_launch_5km, x->launch_5km_s));
        json_object_set_new(jc, "first_ipp_s", num_or_null(x->has_ipp, x->first_ipp_s));
        json_object_set_new(jc, "ipp_50km_s", num_or_null(x->has_ipp_50km, x->ipp_50km_s));
        json_object_set_new(jc, "ipp_error_half_km", num_or_null(x->has_ipp_half, x->ipp_error_half_km));
        json_object_set_new(jc, "final_ipp_error_km", num_or_null(x->has_final_ipp, x->final_ipp_error_km));
        json_object_set_new(jc, "global_track_no", x->has_track ? json_integer(x->global_track_no) : json_null());
        json_object_set_new(jc, "global_tracks", json_integer(x->global_tracks));
        json_object_set_new(jc, "first_global_s", num_or_null(x->has_global, x->first_global_s));
        json_object_set_new(jc, "zone", x->has_zone ? json_string(mwx_zone_kind_name((mwx_zone_kind)x->zone)) : json_null());
        json_object_set_new(jc, "zone_nation",
                            x->has_zone && x->zone_nation[0] ? json_string(x->zone_nation) : json_null());
        json_object_set_new(jc, "zone_call_s", num_or_null(x->has_zone_call, x->zone_call_s));
        json_object_set_new(jc, "alert_kind",
                            x->has_alert ? json_string(mwx_alert_kind_name((mwx_alert_kind)x->alert_kind)) : json_null());
        json_object_set_new(jc, "alert_s", num_or_null(x->has_alert, x->alert_s));
        json_t *regs = json_array();
        if (x->has_alert) {
          char buf[MWX_ALERT_TEXT_LEN];
          snprintf(buf, sizeof buf, "%s", x->alert_regions);
          for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
            json_array_append_new(regs, json_string(tok));
        }
        json_object_set_new(jc, "alert_regions", regs);
        json_object_set_new(jc, "false_alert", x->has_alert ? json_boolean(x->false_alert) : json_null());
        json_object_set_new(jc, "overflight_s", num_or_null(x->has_overflight, x->overflight_s));
        json_object_set_new(jc, "warning_lead_s", num_or_null(x->has_lead, x->warning_lead_s));
        json_object_set_new(jn, COND[c], jc);
      }
      json_object_set_new(jm, NAT[a], jn);
    }
    json_array_append_new(arr, jm);
  }
  *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  return *text ? 0 : mwx_error_set(MWX_ENOMEM, "replay: out of memory");
}

int mwx_fuse_replay_print(FILE *f, const mwx_fuse_replay_result *r) {
  if (!f || !r)
    return mwx_error_set(MWX_EINVAL, "replay: print: NULL argument");
  for (size_t k = 0; k < r->n; k++) {
    const mwx_fuse_replay_missile *m = &r->m[k];
    fprintf(f, "missile %s (flight %.0f s): seconds after launch, km; - never\n", m->id, m->flight_time_s);
    fprintf(f, "  %-4s %-9s %8s %9s %9s %8s %8s %9s %9s %10s %6s\n", "nat", "condition", "track_s", "launch_km",
            "launch5_s", "ipp_s", "ipp50_s", "half_km", "final_km", "global_no", "nos");
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++) {
        const mwx_fuse_replay_cond *x = &m->n[a][c];
        char v[7][16];
        const int has[7] = {x->has_track, x->has_launch, x->has_launch_5km, x->has_ipp, x->has_ipp_50km, x->has_ipp_half, x->has_final_ipp};
        const double val[7] = {x->first_track_s, x->launch_error_km, x->launch_5km_s, x->first_ipp_s, x->ipp_50km_s, x->ipp_error_half_km, x->final_ipp_error_km};
        for (int q = 0; q < 7; q++)
          if (has[q])
            snprintf(v[q], sizeof v[q], "%.1f", val[q]);
          else
            snprintf(v[q], sizeof v[q], "-");
        fprintf(f, "  %-4s %-9s %8s %9s %9s %8s %8s %9s %9s %10u %6d\n", c == 0 ? NAT[a] : "", COND[c], v[0], v[1],
                v[2], v[3], v[4], v[5], v[6], x->has_track ? x->global_track_no : 0, x->global_tracks);
      }
    int any_zone = 0;
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++)
        any_zone |= m->n[a][c].has_zone;
    if (!any_zone)
      continue;
    fprintf(f, "  zones and alerts: final zone, first right-and-stayed zone call, most severe alert issued\n");
    fprintf(f, "  %-4s %-9s %-20s %7s %-13s %7s %8s %7s %-5s %s\n", "nat", "condition", "zone", "zone_s", "alert",
            "alert_s", "overfl_s", "lead_s", "false", "regions");
    for (int a = 0; a < 3; a++)
      for (int c = 0; c < 3; c++) {
        const mwx_fuse_replay_cond *x = &m->n[a][c];
        char zone[32], zs[16], as[16], os[16], ls[16];
        snprintf(zone, sizeof zone, "%s%s%s", x->has_zone ? mwx_zone_kind_name((mwx_zone_kind)x->zone) : "-",
                 x->has_zone && x->zone_nation[0] ? " " : "", x->has_zone ? x->zone_nation : "");
        snprintf(zs, sizeof zs, x->has_zone_call ? "%.0f" : "-", x->zone_call_s);
        snprintf(as, sizeof as, x->has_alert ? "%.0f" : "-", x->alert_s);
        snprintf(os, sizeof os, x->has_overflight ? "%.0f" : "-", x->overflight_s);
        snprintf(ls, sizeof ls, x->has_lead ? "%.0f" : "-", x->warning_lead_s);
        fprintf(f, "  %-4s %-9s %-20s %7s %-13s %7s %8s %7s %-5s %s\n", c == 0 ? NAT[a] : "", COND[c], zone, zs,
                x->has_alert ? mwx_alert_kind_name((mwx_alert_kind)x->alert_kind) : "-", as, os, ls,
                x->has_alert ? (x->false_alert ? "yes" : "no") : "-", x->has_alert && x->alert_regions[0] ? x->alert_regions : "-");
      }
  }
  return 0;
}
