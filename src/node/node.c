/*
 * node.c - one nation's node (see node.h): the send pipeline, driven by
 * one loop timer, and the receive path, fed by the loop's hand-over queue.
 *
 * One tick (node_tick, sim time t):
 *   1. batch: the plots of this nation's sensors up to t are journaled and
 *      tracked; confirmed tracks become Track samples (when updated),
 *      LaunchEvent (once per track) and ImpactPrediction (every
 *      impact_every_s); NodeStatus every status_every_s.  Each sample is
 *      marked (originator, classification, releasable-to = this nation,
 *      seq per topic) and decided for every partner; releases are signed;
 *      every decision is journaled.  commit.
 *   2. the queue: time-outs whose deadline passed apply their action
 *      (mwx_release_queue_expire, its own transactions); approvals by any
 *      process since the last tick (mwx_release_queue_approved) are signed
 *      and journaled as published (a second batch, commit).
 *   3. only now, with the records durable, the samples are published (net)
 *      and reported to the program.  So anything a partner or the program
 *      has seen is in the journal (write-ahead): a kill -9 between 1 and 3
 *      loses only samples nobody was told about.
 *
 * The receive thread (online) does nothing but mwx_net_poll; net checks
 * the marking and the origin signature and relays on a hub; each event is
 * copied and posted to the loop, which journals it and keeps the picture.
 */
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/pki.h"
#include "mwx/sim.h"
#include "mwx/track.h"
#include "node_int.h"

#define NS 1000000000ll
#define LAUNCH_MAX_KM 100.0 /* widest 95% launch ellipse (semi-major) worth a LaunchEvent */

void mwx_node_config_init(mwx_node_config *c) {
  memset(c, 0, sizeof *c);
  c->seed = 1;
  c->speed = 0;
  c->lead_s = 5;
  c->step_s = 1;
  c->impact_every_s = 10;
  c->status_every_s = 30;
  c->linger_s = 0;
  c->sync = MWX_JOURNAL_SYNC_FULL;
  c->journal_plots = 1;
  c->launch_fit = 1;
  c->fit_workers = 1;
  c->fit_queue = 32;
  c->replay_max_age_s = MWX_NODE_REPLAY_AGE_S;
  mwx_net_config_init(&c->net);
}

static int64_t real_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* ---- partners -------------------------------------------------------- */

static void add_partner(mwx_node *n, const char *nat) {
  if (!nat[0] || !strcmp(nat, n->cfg.nation))
    return;
  for (int i = 0; i < n->st.n_partners; i++)
    if (!strcmp(n->st.partner[i].nation, nat))
      return;
  if (n->st.n_partners >= MWX_NODE_MAX_PARTNERS)
    return;
  int i = n->st.n_partners++;
  /* keep sorted */
  while (i > 0 && strcmp(n->st.partner[i - 1].nation, nat) > 0) {
    n->st.partner[i] = n->st.partner[i - 1];
    i--;
  }
  memset(&n->st.partner[i], 0, sizeof n->st.partner[i]);
  snprintf(n->st.partner[i].nation, MWX_NATION_LEN, "%.3s", nat);
}

static mwx_node_partner_stats *partner_stats(mwx_node *n, const char *nat) {
  for (int i = 0; i < n->st.n_partners; i++)
    if (!strncmp(n->st.partner[i].nation, nat, 3))
      return &n->st.partner[i];
  return NULL;
}

/* ---- events and publishing ------------------------------------------- */

static void emit(mwx_node *n, mwx_node_event *ev) {
  ev->sim_ns = n->sim_ns;
  ev->wall_ns = real_ns();
  if (n->fn)
    n->fn(n->fn_ctx, ev);
}

int node_outq_push(mwx_node *n, int kind, const char *partner, const mwx_msg *m, uint64_t record, uint64_t item,
                     const char *detail) {
  if (n->n_out == n->cap_out) {
    size_t nc = n->cap_out ? 2 * n->cap_out : 64;
    node_out *o = realloc(n->out, nc * sizeof *o);
    if (!o)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    n->out = o;
    n->cap_out = nc;
  }
  node_out *o = &n->out[n->n_out++];
  memset(o, 0, sizeof *o);
  o->kind = kind;
  snprintf(o->partner, sizeof o->partner, "%.3s", partner);
  if (m)
    o->msg = *m;
  o->has_msg = m != NULL;
  o->record = record;
  o->item = item;
  if (detail)
    snprintf(o->detail, sizeof o->detail, "%s", detail);
  return 0;
}

static void count_release(mwx_node *n, const char *partner, const mwx_msg *m) {
  mwx_node_partner_stats *ps = partner_stats(n, partner);
  if (!ps)
    return;
  if (m->topic < 6)
    ps->released[m->topic]++;
  if (m->topic != MWX_TOPIC_STATUS && !ps->has_first_release && n->epoch_ns) {
    ps->has_first_release = 1;
    ps->first_release_s = (double)(n->sim_ns - n->epoch_ns) / 1e9;
  }
}

/* Step 3: publish (online) and report what the committed batch holds. */
static int flush_out(mwx_node *n) {
  for (size_t i = 0; i < n->n_out; i++) {
    node_out *o = &n->out[i];
    if ((o->kind == MWX_NODE_EV_RELEASED || o->kind == MWX_NODE_EV_APPROVED) && n->net) {
      if (mwx_net_publish(n->net, &o->msg))
        n->st.publish_errors++;
    }
    if (o->kind == MWX_NODE_EV_RELEASED || o->kind == MWX_NODE_EV_APPROVED) {
      count_release(n, o->partner, &o->msg);
      node_xout_put(n, o->partner, &o->msg); /* offline.c: the in-process coalition */
    }
    mwx_node_partner_stats *ps = partner_stats(n, o->partner);
    if (ps) {
      if (o->kind == MWX_NODE_EV_HELD)
        ps->held++;
      else if (o->kind == MWX_NODE_EV_APPROVED)
        ps->approved++;
      else if (o->kind == MWX_NODE_EV_DENIED)
        ps->denied++;
      else if (o->kind == MWX_NODE_EV_REFUSED)
        ps->refused++;
    }
    mwx_node_event ev = {0};
    ev.kind = (mwx_node_event_kind)o->kind;
    memcpy(ev.partner, o->partner, MWX_NATION_LEN);
    ev.msg = o->has_msg ? &o->msg : NULL;
    ev.record_id = o->record;
    ev.item = o->item;
    ev.latency_ms = -1;
    ev.recv_latency_ms = -1;
    snprintf(ev.detail, sizeof ev.detail, "%s", o->detail);
    ev.overflight_ns = o->overflight_ns;
    emit(n, &ev);
  }
  n->n_out = 0;
  return 0;
}

/* ---- samples ---------------------------------------------------------- */

/* Clears the node's scratch message and marks it as this node's next sample
 * of the topic; returns it. */
mwx_msg *node_new_sample(mwx_node *n, mwx_msg_topic topic, uint8_t classification) {
  mwx_msg *m = &n->scratch;
  memset(m, 0, sizeof *m);
  m->topic = (uint8_t)topic;
  memcpy(m->mark.originator, n->cfg.nation, MWX_NATION_LEN);
  m->mark.classification = classification;
  m->mark.n_releasable = 0;
  mwx_msg_marking_add(&m->mark, n->cfg.nation);
  m->mark.seq = ++n->seq[topic];
  return m;
}

static void sources(mwx_node *n, uint64_t mask, int64_t t_ns, mwx_msg_sources *src) {
  src->n_sensors = 0;
  for (size_t s = 0; s < n->sc.n_sensors && s < 64 && src->n_sensors < MWX_MAX_SENSORS; s++) {
    if (!(mask & (1ull << s)))
      continue;
    int k = src->n_sensors++;
    snprintf(src->sensor_id[k], MWX_ID_LEN, "%s", n->sc.sensor[s].id);
    mwx_sim_sensor_state_at(&n->sc.sensor[s], n->sc.epoch_ns, t_ns, NULL, src->sensor_pos_ecef_m[k], NULL);
  }
}

static const mwx_release_rule *rule_by_id(const mwx_node *n, const char *id) {
  for (size_t i = 0; i < n->policy.n_rules; i++)
    if (!strcmp(n->policy.rules[i].id, id))
      return &n->policy.rules[i];
  return NULL;
}

/* Coarsening a grid of a (0: none) is at least as fine as b. */
static int finer_or_equal(double a, double b) { return a <= 0 || (b > 0 && a <= b); }

/* Hub topology: partner i is not on our links, so its copy can only travel
 * through a relay on a link, and the relay must be able to read it (DDS
 * access control lets a nation read only partitions naming it).  The relay
 * is added to the copy's releasable-to list only if the relay's own copy of
 * this sample leaves now and reveals at least as much (it removes no field
 * the partner's keeps, coarsens no more): then the relay learns nothing it
 * was not given anyway.  Otherwise the partner's copy is refused. */
static void route_indirect(mwx_node *n, int i) {
  mwx_release_decision *d = &n->dec[i];
  if (d->outcome == MWX_RELEASE_REFUSE || d->relayed)
    return;
  const mwx_release_rule *rp = rule_by_id(n, d->rule_id);
  for (int h = 0; h < n->st.n_partners && rp; h++) {
    const mwx_release_decision *dh = &n->dec[h];
    if (!n->direct[h] || dh->outcome != MWX_RELEASE_RELEASE)
      continue;
    const mwx_release_rule *rh = rule_by_id(n, dh->rule_id);
    if (!rh || (rh->remove & ~rp->remove) || !finer_or_equal(rh->coarsen_m, rp->coarsen_m) ||
        !finer_or_equal(rh->coarsen_s, rp->coarsen_s))
      continue;
    if (mwx_msg_marking_add(&d->sample.mark, dh->partner) == 0)
      return;
  }
  d->outcome = MWX_RELEASE_REFUSE;
  d->reason = MWX_REFUSE_RELAY;
  char partner[MWX_NATION_LEN];
  memcpy(partner, d->partner, sizeof partner);
  snprintf(d->detail, sizeof d->detail, "no route to %.3s: no relay on our links may read its copy", partner);
  memset(&d->sample, 0, sizeof d->sample);
}

/* Decides m for every partner; routes copies for partners behind a relay;
 * signs what is released; journals each decision. */
int node_decide(mwx_node *n, const mwx_msg *m, uint8_t cls, size_t n_sources, const mwx_msg_marking *sources) {
  mwx_release_sample s = {m, cls, n_sources, n_sources ? sources : NULL};
  n->st.samples++;
  int rc;
  if ((rc = node_outq_push(n, MWX_NODE_EV_SAMPLE, "", m, 0, 0, NULL))) /* the own picture (events.c) */
    return rc;
  for (int i = 0; i < n->st.n_partners; i++)
    if ((rc = mwx_release_decide(&n->policy, &s, n->st.partner[i].nation, n->sim_ns, &n->dec[i])))
      return rc;
  for (int i = 0; i < n->st.n_partners; i++)
    if (!n->direct[i])
      route_indirect(n, i);
  for (int i = 0; i < n->st.n_partners; i++) {
    mwx_release_decision *d = &n->dec[i];
    if (d->outcome == MWX_RELEASE_RELEASE && (rc = mwx_msg_sign(&d->sample, n->key)))
      return rc;
    uint64_t id = 0;
    if ((rc = mwx_release_journal(n->j, d, &id)))
      return rc;
    n->st.records++;
    if (d->outcome == MWX_RELEASE_RELEASE)
      rc = node_outq_push(n, MWX_NODE_EV_RELEASED, d->partner, &d->sample, id, 0, d->rule_id);
    else if (d->outcome == MWX_RELEASE_HOLD) {
      if (d->deadline_ns > n->last_deadline_ns)
        n->last_deadline_ns = d->deadline_ns;
      if (d->deadline_ns < n->next_expire_ns)
        n->next_expire_ns = d->deadline_ns; /* expired on time */
      rc = node_outq_push(n, MWX_NODE_EV_HELD, d->partner, &d->sample, id, id, d->detail);
    } else
      rc = node_outq_push(n, MWX_NODE_EV_REFUSED, d->partner, m, id, 0, d->detail);
    if (rc)
      return rc;
  }
  return 0;
}

static int track_sample(mwx_node *n, const mwx_track_info *in, uint8_t cls) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_TRACK, MWX_CLASSIF_SECRET);
  mwx_msg_track *t = &m->u.track;
  snprintf(t->local_track_id, MWX_ID_LEN, "%s-T%u", n->cfg.nation, in->id);
  t->time_ns = in->est.t_ns;
  memcpy(t->pos_ecef_m, in->est.x, sizeof t->pos_ecef_m);
  memcpy(t->vel_ecef_mps, in->est.x + 3, sizeof t->vel_ecef_mps);
  int k = 0;
  for (int i = 0; i < 6; i++)
    for (int j = i; j < 6; j++)
      t->cov[k++] = in->est.P[i][j];
  int phase = MWX_MSG_BOOST; /* assess: mwx_assess_flight_phase, mwx_assess_track_quality */
  double q = 0;
  mwx_assess_flight_phase(in, &phase);
  mwx_assess_track_quality(&in->est, &q);
  t->phase = (uint8_t)phase;
  t->quality = (float)q;
  t->n_contributors = 1;
  memcpy(t->contributors[0], n->cfg.nation, MWX_NATION_LEN);
  sources(n, in->sensor_mask, in->est.t_ns, &t->src);
  m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS;
  t->global_track_no = node_fuse_gtn(n, in->id);
  return node_decide(n, m, cls, 0, NULL);
}

static int launch_sample(mwx_node *n, const mwx_track_info *in, const mwx_assess *a) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_LAUNCH, MWX_CLASSIF_SECRET);
  mwx_msg_launch *l = &m->u.launch;
  snprintf(l->local_track_id, MWX_ID_LEN, "%s-T%u", n->cfg.nation, in->id);
  l->launch_time_ns = a->launch.t_ns;
  l->launch_time_sigma_s = a->launch.sigma_t_s;
  l->lat_deg = a->launch.lat_deg;
  l->lon_deg = a->launch.lon_deg;
  l->err_major_km = a->launch.major_km;
  l->err_minor_km = a->launch.minor_km;
  l->err_orient_deg = a->launch.orient_deg;
  double az = 0;
  mwx_geo_lla p;
  if (!mwx_geo_lla_from_ecef(in->est.x, &p))
    mwx_geo_inverse(l->lat_deg, l->lon_deg, p.lat_deg, p.lon_deg, NULL, &az, NULL);
  l->azimuth_deg = az < 0 ? az + 360 : az;
  sources(n, in->sensor_mask, in->est.t_ns, &l->src);
  m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS;
  l->global_track_no = node_fuse_gtn(n, in->id);
  node_fuse_own_sample(n, m);
  return node_decide(n, m, (uint8_t)a->cls, 0, NULL);
}

static int impact_sample(mwx_node *n, const mwx_track_info *in, const mwx_assess *a) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_IMPACT, MWX_CLASSIF_SECRET);
  mwx_msg_impact *ip = &m->u.impact;
  snprintf(ip->local_track_id, MWX_ID_LEN, "%s-T%u", n->cfg.nation, in->id);
  ip->time_ns = in->est.t_ns;
  ip->impact_time_ns = a->impact.t_ns;
  ip->lat_deg = a->impact.lat_deg;
  ip->lon_deg = a->impact.lon_deg;
  ip->ell_major_km = a->impact.major_km;
  ip->ell_minor_km = a->impact.minor_km;
  ip->ell_orient_deg = a->impact.orient_deg;
  ip->apogee_km = a->apogee_km;
  ip->range_km = a->range_km;
  ip->missile_class = (uint8_t)a->cls;
  ip->zone = MWX_ZONE_UNKNOWN;
  ip->global_track_no = node_fuse_gtn(n, in->id);
  sources(n, in->sensor_mask, in->est.t_ns, &ip->src);
  m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS;
  mwx_msg ipm = *m; /* the alert below uses the scratch message */
  mwx_ballistic_vehicle veh;
  double beta = 5000.0; /* assess.h: the class's typical vehicle, 5,000 kg/m^2 if unknown */
  if (!mwx_ballistic_vehicle_default(a->cls, &veh))
    beta = veh.beta_rv_kgpm2;
  mwx_error_clear();
  int rc = node_alert_impact(n, &ipm.u.impact, in->ballistic.x, in->ballistic.t_ns, beta, 0, NULL);
  if (rc)
    return rc;
  node_fuse_own_sample(n, &ipm);
  return node_decide(n, &ipm, (uint8_t)a->cls, 0, NULL);
}

static int status_sample(mwx_node *n) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_STATUS, MWX_CLASSIF_CONFIDENTIAL);
  mwx_msg_status *s = &m->u.status;
  memcpy(s->nation, n->cfg.nation, MWX_NATION_LEN);
  snprintf(s->node_id, MWX_ID_LEN, "%s", n->cfg.node_id);
  snprintf(s->version, sizeof s->version, "%s", MWX_VERSION);
  s->time_ns = n->sim_ns;
  s->sensors_total = s->sensors_ok = (uint8_t)(n->own_sensors > 255 ? 255 : n->own_sensors);
  /* the journal's last sealed head: partners keep it, so a rollback of
     this journal shows ("mwx audit verify --head-from-partner") */
  s->overflows = n->st.fits_dropped + n->st.handover_dropped + mwx_node_loop_dropped(n->loop);
  int rc = mwx_journal_sealed_head(n->j, &s->journal_head_id, s->journal_head_hash);
  if (rc)
    return rc;
  return node_decide(n, m, 0, 0, NULL);
}

/* ---- plots and tracks -------------------------------------------------- */

static int on_plot(const mwx_sim_plot *sp, void *ctx) {
  mwx_node *n = ctx;
  if (strcmp(sp->nation, n->cfg.nation))
    return 0;
  if (n->n_plots == n->cap_plots) {
    size_t nc = n->cap_plots ? 2 * n->cap_plots : 256;
    mwx_track_plot *p = realloc(n->plots, nc * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    n->plots = p;
    n->cap_plots = nc;
  }
  int rc = mwx_track_plot_from_sim(sp, &n->plots[n->n_plots]);
  if (rc)
    return rc;
  n->n_plots++;
  n->st.plots++;
  if (n->cfg.journal_plots) {
    char payload[256];
    if (sp->kind == MWX_SIM_PLOT_RADAR)
      snprintf(payload, sizeof payload,
               "{\"sensor\":\"%s\",\"kind\":\"radar\",\"range_m\":%.1f,\"az_deg\":%.5f,\"el_deg\":%.5f}",
               sp->sensor_id, sp->range_m, sp->az_deg, sp->el_deg);
    else
      snprintf(payload, sizeof payload, "{\"sensor\":\"%s\",\"kind\":\"ir\",\"los_ecef\":[%.7f,%.7f,%.7f]}",
               sp->sensor_id, sp->los_ecef[0], sp->los_ecef[1], sp->los_ecef[2]);
    if ((rc = mwx_journal_append(n->j, MWX_JOURNAL_PLOT, sp->time_ns, payload, NULL, 0, NULL)))
      return rc;
    n->st.records++;
  }
  return 0;
}

static node_trk *trk_state(mwx_node *n, size_t idx) {
  while (n->n_trk <= idx) {
    if (n->n_trk == n->cap_trk) {
      size_t nc = n->cap_trk ? 2 * n->cap_trk : 16;
      node_trk *t = realloc(n->trk, nc * sizeof *t);
      if (!t)
        return NULL;
      n->trk = t;
      n->cap_trk = nc;
    }
    memset(&n->trk[n->n_trk++], 0, sizeof *n->trk);
  }
  return &n->trk[idx];
}

/* A fit's result (from a worker, or in line): the refined LaunchEvent; none
 * if the fit failed or is too wide (the early LaunchEvent stands). */
static int launch_fit_apply(mwx_node *n, const node_fit_result *r) {
  n->st.fits_done++;
  if (r->queued_mono_ns) {
    double ms = (double)(mwx_node_mono_ns() - r->queued_mono_ns) / 1e6;
    if (ms > n->st.fit_max_ms)
      n->st.fit_max_ms = ms;
  }
  if (!r->ok || r->a.launch.major_km > LAUNCH_MAX_KM)
    return 0;
  return launch_sample(n, &r->in, &r->a);
}

/* The batch launch fit of track idx once its early-plot window is full:
 * given to the fit workers (speed > 0: the loop goes on; the result comes
 * back through the hand-over queue) or, offline as fast as possible, run in
 * line (the same result every run).  A full worker queue drops the fit,
 * counted in fits_dropped. */
static int launch_fit_start(mwx_node *n, size_t idx, const mwx_track_info *in, const mwx_assess_opts *ao) {
  mwx_track_info early = *in;
  early.p_ballistic = 0; /* launch only */
  mwx_assess a;
  const mwx_track_plot *ep = NULL, *ir = NULL;
  size_t nep = mwx_track_early_plots(n->tr, idx, &ep);
  size_t nir = mwx_track_pre_ir(n->tr, idx, &ir);
  mwx_geo_lla fl;
  if (mwx_assess_track(&early, ao, &a) || !a.has_launch || !in->has_first || !nep ||
      mwx_geo_lla_from_ecef(in->first.x, &fl)) {
    mwx_error_clear();
    return 0;
  }
  double ven[3];
  mwx_geo_enu_vec_from_ecef(&fl, in->first.x + 3, ven);
  double hdg = atan2(ven[0], ven[1]) * MWX_RAD2DEG;
  if (!n->fits) {
    static node_fit_result r; /* loop thread only; large */
    memset(&r, 0, sizeof r);
    r.idx = idx;
    r.in = *in;
    r.a = a;
    mwx_assess_launch_fit_result lf;
    if (mwx_assess_launch_fit(ep, nep, ir, nir, &a.launch, hdg, NULL, &lf) == 0) {
      r.ok = 1;
      r.a.launch = lf.point;
    } else
      mwx_error_clear();
    return launch_fit_apply(n, &r);
  }
  node_fit_job *j = calloc(1, sizeof *j);
  if (!j || !(j->ep = malloc(nep * sizeof *ep)) || (nir && !(j->ir = malloc(nir * sizeof *ir)))) {
    node_fit_job_free(j);
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  }
  memcpy(j->ep, ep, nep * sizeof *ep);
  if (nir)
    memcpy(j->ir, ir, nir * sizeof *ir);
  j->nep = nep;
  j->nir = nir;
  j->idx = idx;
  j->in = *in;
  j->a = a;
  j->heading_deg = hdg;
  j->queued_mono_ns = mwx_node_mono_ns();
  if (node_fitpool_submit(n->fits, j)) {
    node_fit_job_free(j);
    n->st.fits_dropped++;
    return 0;
  }
  n->st.fits_queued++;
  return 0;
}

static int tracks_to_samples(mwx_node *n) {
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  int rc0 = node_fuse_own(n); /* fusepic.c: own tracks into the fused picture, for their global numbers */
  if (rc0)
    return rc0;
  size_t count = mwx_track_count(n->tr);
  for (size_t i = 0; i < count; i++) {
    mwx_track_info in;
    if (mwx_track_get(n->tr, i, &in) || in.status != MWX_TRACK_CONFIRMED)
      continue;
    node_trk *ts = trk_state(n, i);
    if (!ts)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    if (!ts->confirmed) {
      ts->confirmed = 1;
      n->st.tracks_confirmed++;
    }
    int rc;
    /* launch event once, from the early estimate */
    if (!ts->launch_sent && in.has_first && (!ts->last_try_launch_ns || n->sim_ns - ts->last_try_launch_ns >= NS)) {
      ts->last_try_launch_ns = n->sim_ns;
      mwx_track_info early = in;
      early.p_ballistic = 0; /* launch only */
      mwx_assess a;
      if (!mwx_assess_track(&early, &ao, &a) && a.has_launch) {
        ts->launch_sent = 1;
        /* a track first held long after the boost (a terminal-phase radar
           picking up a lofted flight) extrapolates back over thousands of
           km: no launch event is better than one that points nowhere */
        if (a.launch.major_km <= LAUNCH_MAX_KM && (rc = launch_sample(n, &in, &a)))
          return rc;
      }
    }
    /* a refined launch event, once, when the early-plot window (120 s from
       the track's first plot) is full: the batch fit of a powered flight */
    if (n->cfg.launch_fit && ts->launch_sent && !ts->launch_fit_done && n->sim_ns - in.t_first_ns >= 121 * NS) {
      ts->launch_fit_done = 1;
      if ((rc = launch_fit_start(n, i, &in, &ao)))
        return rc;
    }
    int updated = !in.coasting && in.t_last_ns > ts->last_pub_ns;
    /* impact prediction every impact_every_s while ballistic; a coasting
       track (out of this nation's sight) changes slowly: 6 times less often */
    int64_t every = (int64_t)(n->cfg.impact_every_s * NS) * (updated ? 1 : 6);
    if (in.p_ballistic >= ao.min_p_ballistic && (updated || in.coasting) && !node_fuse_shared(n, in.id) &&
        (!ts->impact_sent || n->sim_ns - ts->last_impact_ns >= every) &&
        (!ts->last_try_impact_ns || n->sim_ns - ts->last_try_impact_ns >= NS)) {
      ts->last_try_impact_ns = n->sim_ns; /* a provisional one is tried again a sim second later */
      mwx_assess a;
      if (!mwx_assess_track(&in, &ao, &a) && a.has_impact && !a.provisional) { /* provisional: no warning */
        ts->impact_sent = 1;
        ts->last_impact_ns = n->sim_ns;
        if (a.has_class)
          ts->cls = (uint8_t)a.cls;
        if ((rc = impact_sample(n, &in, &a)))
          return rc;
      }
    }
    if (!updated)
      continue;
    ts->last_pub_ns = in.t_last_ns;
    if ((rc = track_sample(n, &in, ts->cls)))
      return rc;
  }
  return 0;
}

/* ---- the queue: time-outs and approvals --------------------------------- */

static int on_expired(const mwx_release_item *it, void *ctx) {
  mwx_node *n = ctx;
  /* approve-on-timeout items come back through mwx_release_queue_approved */
  if (it->on_timeout != MWX_RELEASE_TIMEOUT_APPROVE)
    return node_outq_push(n, MWX_NODE_EV_DENIED, it->partner, &it->sample, it->decision_id, it->id, "timeout: deny");
  return 0;
}

static int on_approved(const mwx_release_item *it, void *ctx) {
  mwx_node *n = ctx;
  uint64_t id = 0;
  int rc;
  if (it->unverified[0]) {
    /* the hold failed verification (edited, not under the node's seal, not
       this node's sample): nothing is signed or sent; the refusal is journaled */
    json_t *o = json_object();
    json_object_set_new(o, "outcome", json_string("refused"));
    json_object_set_new(o, "reason", json_string("unverified"));
    json_object_set_new(o, "hold", json_integer((json_int_t)it->id));
    json_object_set_new(o, "partner", json_stringn(it->partner, strnlen(it->partner, 3)));
    json_object_set_new(o, "detail", json_string(it->unverified));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!text)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    rc = mwx_journal_append(n->j, MWX_JOURNAL_RELEASE, n->sim_ns, text, NULL, it->decision_id, &id);
    free(text);
    if (rc)
      return rc;
    n->st.records++;
    char detail[256];
    snprintf(detail, sizeof detail, "approved hold %llu not sent: %s", (unsigned long long)it->id, it->unverified);
    return node_outq_push(n, MWX_NODE_EV_REFUSED, it->partner, NULL, id, it->id, detail);
  }
  mwx_msg m = it->sample;
  rc = mwx_msg_sign(&m, n->key);
  if (rc)
    return rc;
  /* built with Jansson: an operator name may hold quotes or non-ASCII
     letters (the web picture's accounts), which a printf would break */
  json_t *pj = json_object();
  json_object_set_new(pj, "event", json_string("published"));
  json_object_set_new(pj, "partner", json_stringn(it->partner, strnlen(it->partner, 3)));
  json_object_set_new(pj, "hold", json_integer((json_int_t)it->id));
  json_t *op = json_string(it->operator_name[0] ? it->operator_name : "?");
  json_object_set_new(pj, "operator", op ? op : json_string("?")); /* NULL: not UTF-8 (truncated) */
  char *payload = json_dumps(pj, JSON_COMPACT);
  json_decref(pj);
  if (!payload)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  rc = mwx_journal_append(n->j, MWX_JOURNAL_TRACK, n->sim_ns, payload, &m, it->decision_id, &id);
  free(payload);
  if (rc)
    return rc;
  n->st.records++;
  char detail[64];
  snprintf(detail, sizeof detail, "approved by %s", it->operator_name);
  return node_outq_push(n, MWX_NODE_EV_APPROVED, it->partner, &m, id, it->id, detail);
}

/* ---- one tick ------------------------------------------------------------ */

/* The seqs given in this batch, written to the journal's seq_out in the same
 * transaction as the records of their samples: a restarted node continues
 * from there (never reuses a seq a partner has taken). */
static int save_seq(mwx_node *n) {
  for (int t = MWX_TOPIC_TRACK; t <= MWX_TOPIC_STATUS; t++)
    if (n->seq[t] != n->seq_saved[t]) {
      int rc = mwx_journal_seq_out_put(n->j, n->cfg.nation, (mwx_msg_topic)t, n->seq[t]);
      if (rc)
        return rc;
    }
  return 0; /* seq_saved moves when the batch has committed */
}

/* Group commit: everything this pass decided (plots, tracks, fitted launch
 * events, status, approvals taken from the queue, seqs) is made durable by
 * one commit; only then is anything published (flush_out).  A pass that
 * wrote nothing commits nothing (no fsync). */
int mwx_node_step(mwx_node *n, int64_t t_ns, int *done) {
  if (!n)
    return mwx_error_set(MWX_EINVAL, "node: NULL argument");
  if (t_ns > n->sim_ns)
    n->sim_ns = t_ns;
  uint64_t rec0 = n->st.records;
  int rc;
  /* time-outs: when a hold of this run reaches its deadline, and once a sim
     second for holds of earlier runs; mwx_release_queue_expire commits what
     it decides itself (its own transaction: an extra commit only in such a
     pass), an approve-on-timeout comes back through the approvals below */
  if (n->sim_ns >= n->next_expire_ns) {
    n->next_expire_ns = n->sim_ns + NS;
    if ((rc = mwx_release_queue_expire(n->j, n->sim_ns, on_expired, n))) {
      n->n_out = 0;
      return rc;
    }
    n->st.commits++;
  }
  if ((rc = mwx_journal_begin(n->j)))
    return rc;
  if (n->src && !n->src_done) {
    n->n_plots = 0;
    if ((rc = mwx_sim_source_advance(n->src, n->sim_ns, on_plot, n)))
      goto fail;
    if (n->n_plots && (rc = mwx_track_process(n->tr, n->plots, n->n_plots)))
      goto fail;
    if ((rc = tracks_to_samples(n)))
      goto fail;
    if (mwx_sim_source_next_ns(n->src) == INT64_MAX)
      n->src_done = 1;
  }
  for (size_t i = 0; i < n->n_fit_done; i++)
    if ((rc = launch_fit_apply(n, &n->fit_done[i])))
      goto fail;
  n->n_fit_done = 0;
  /* fusepic.c / alerting.c: the fused predictions, the alerts whose missile has fallen */
  if ((rc = node_fuse_tick(n)) || (rc = node_alert_tick(n)))
    goto fail;
  if (n->cfg.status_every_s > 0 && n->sim_ns - n->last_status_ns >= (int64_t)(n->cfg.status_every_s * NS)) {
    n->last_status_ns = n->sim_ns;
    if ((rc = status_sample(n)))
      goto fail;
  }
  /* approvals by any process since the last pass: in the same batch */
  uint64_t last = n->approved_after;
  if ((rc = mwx_release_queue_approved(n->j, n->approved_after, on_approved, n, &last)))
    goto fail;
  if ((rc = save_seq(n)))
    goto fail;
  if (n->st.records != rec0 || n->n_out || memcmp(n->seq, n->seq_saved, sizeof n->seq)) {
    if ((rc = mwx_journal_commit(n->j))) {
      n->n_out = 0;
      return rc;
    }
    n->st.commits++;
  } else
    mwx_journal_rollback(n->j); /* nothing written: nothing to make durable */
  memcpy(n->seq_saved, n->seq, sizeof n->seq);
  if (last > n->approved_after)
    n->approved_after = last;
  flush_out(n);
  int over = (!n->src || n->src_done) && n->sim_ns >= n->last_deadline_ns;
  if (over && !n->done_reported) {
    n->done_reported = 1;
    mwx_node_event ev = {0};
    ev.kind = MWX_NODE_EV_DONE;
    ev.latency_ms = -1;
    ev.recv_latency_ms = -1;
    emit(n, &ev);
  }
  if (done)
    *done = over;
  return 0;
fail:
  mwx_journal_rollback(n->j);
  n->n_out = 0;
  return rc;
}

/* Sim time now on the shared clock (speed > 0). */
static int64_t sim_now(const mwx_node *n) {
  double d = (double)(mwx_node_mono_ns() - n->mono_origin_ns) * n->cfg.speed; /* saturated: no int64 overflow */
  return n->sim_origin_ns + (int64_t)(d > 4e18 ? 4e18 : d < -4e18 ? -4e18 : d);
}

/* Event-driven (step_s 0, speed > 0): wall ns until the next thing to do,
 * the next scan of this nation's sensors, the next NodeStatus or the next
 * check of the release queue; at most 250 ms (approvals by operators,
 * which arrive through the journal, are seen within that). */
static int64_t next_wait(const mwx_node *n) {
  int64_t next = n->sim_ns + (int64_t)(0.25 * NS * n->cfg.speed);
  if (n->src && !n->src_done) {
    int64_t s = mwx_sim_source_next_ns(n->src);
    if (s < next)
      next = s;
  }
  if (n->cfg.status_every_s > 0) {
    int64_t s = n->last_status_ns + (int64_t)(n->cfg.status_every_s * NS);
    if (s < next)
      next = s;
  }
  if (n->next_expire_ns < next)
    next = n->next_expire_ns;
  double w = (double)(next - sim_now(n)) / n->cfg.speed;
  return w <= 0 ? 1 : w > 0.25 * NS ? (int64_t)(0.25 * NS) : (int64_t)w; /* 1 ns: at once, but after the fds */
}

/* The one driver, the same code online and offline: it plays sim time up
 * to "now" (speed > 0: the exercise clock; speed 0: the next scan, as fast
 * as possible) and makes one group-committed step of it.  step_s > 0 keeps
 * the old fixed tick (whole steps). */
static int64_t tick_timer(mwx_node_loop *l, void *ctx) {
  mwx_node *n = ctx;
  int64_t step = (int64_t)(n->cfg.step_s * NS);
  int64_t target;
  if (n->cfg.speed > 0) {
    int64_t now = sim_now(n);
    if (step > 0) {
      target = now - (now - n->sim_ns) % step; /* whole steps */
      if (target <= n->sim_ns && !n->n_fit_done) {
        int64_t wait = (int64_t)((double)(n->sim_ns + step - now) / n->cfg.speed);
        return wait > 0 ? wait : 1000000;
      }
    } else {
      target = now;
      int64_t nx = n->src && !n->src_done ? mwx_sim_source_next_ns(n->src) : INT64_MAX;
      int due = nx <= now || n->n_fit_done || now >= n->next_expire_ns ||
                (n->cfg.status_every_s > 0 && now - n->last_status_ns >= (int64_t)(n->cfg.status_every_s * NS)) ||
                now - n->sim_ns >= (int64_t)(0.25 * NS * n->cfg.speed);
      if (!due)
        return next_wait(n);
    }
  } else if (step > 0)
    target = n->sim_ns + step;
  else {
    int64_t nx = n->src && !n->src_done ? mwx_sim_source_next_ns(n->src) : INT64_MAX;
    target = nx != INT64_MAX ? (nx > n->sim_ns ? nx : n->sim_ns) : n->sim_ns + NS;
  }
  int done = 0;
  int rc = mwx_node_step(n, target, &done);
  if (rc) {
    mwx_node_loop_stop(l, rc);
    return MWX_NODE_TIMER_DONE;
  }
  if (done) {
    if (!n->cfg.online || n->cfg.linger_s == 0) {
      mwx_node_loop_stop(l, 0);
      return MWX_NODE_TIMER_DONE;
    }
    if (n->cfg.linger_s > 0 && !n->linger_timer_set) {
      n->linger_timer_set = 1;
      n->linger_until_mono = mwx_node_mono_ns() + (int64_t)(n->cfg.linger_s * NS);
    }
    if (n->linger_timer_set && mwx_node_mono_ns() >= n->linger_until_mono) {
      mwx_node_loop_stop(l, 0);
      return MWX_NODE_TIMER_DONE;
    }
  }
  if (n->cfg.speed <= 0)
    return 0;
  if (step <= 0)
    return next_wait(n);
  return (int64_t)(n->cfg.step_s * NS / n->cfg.speed);
}

/* ---- the hand-over queue: one batch per wake-up -------------------------- */

static void rx_commit(mwx_node *n, int *open, size_t *pend, size_t *np, void **items, mwx_node_event *evs) {
  if (*open) {
    *open = 0;
    if (mwx_journal_commit(n->j)) {
      /* the group is lost from the journal: counted, reported with no record */
      n->st.publish_errors += *np;
      for (size_t k = 0; k < *np; k++)
        evs[pend[k]].record_id = 0;
      mwx_error_clear();
    } else
      n->st.commits++;
  }
  for (size_t k = 0; k < *np; k++)
    node_rx_emit(n, items[pend[k]], &evs[pend[k]]);
  *np = 0;
}

/* Every item the receive thread and the fit workers handed over since the
 * last wake-up: the accepted samples are journaled in one batch (one
 * commit) and reported held only after it; fit results go to the next step
 * (kicked at once). */
static void node_batch(mwx_node_loop *l, void **items, const size_t *sizes, size_t cnt, void *ctx) {
  mwx_node *n = ctx;
  mwx_node_event *evs = malloc(cnt * sizeof *evs);
  size_t *pend = malloc(cnt * sizeof *pend);
  if (!evs || !pend) {
    free(evs);
    free(pend);
    n->st.handover_dropped += cnt;
    return;
  }
  size_t np = 0;
  int open = 0, kick = 0;
  for (size_t i = 0; i < cnt; i++) {
    if (sizes[i] == sizeof(node_fit_result) && ((node_fit_result *)items[i])->magic == NODE_FIT_MAGIC) {
      size_t bound = (size_t)n->cfg.fit_queue + (size_t)n->cfg.fit_workers;
      if (n->n_fit_done == n->cap_fit_done && n->cap_fit_done < bound) {
        node_fit_result *p = realloc(n->fit_done, bound * sizeof *p);
        if (p) {
          n->fit_done = p;
          n->cap_fit_done = bound;
        }
      }
      if (n->n_fit_done < n->cap_fit_done)
        n->fit_done[n->n_fit_done++] = *(node_fit_result *)items[i];
      else
        n->st.fits_dropped++;
      kick = 1;
      continue;
    }
    if (sizes[i] != sizeof(node_rx_item))
      continue;
    node_rx_item *it = items[i];
    if (node_rx_in_batch(it)) {
      if (!open && mwx_journal_begin(n->j) == 0)
        open = 1;
      else if (!open)
        mwx_error_clear(); /* each record then commits on its own */
      node_rx_take(n, it, &evs[i]);
      pend[np++] = i;
    } else {
      rx_commit(n, &open, pend, &np, items, evs); /* keep the order of the reports */
      node_rx_take(n, it, &evs[i]);
      node_rx_emit(n, it, &evs[i]);
    }
  }
  rx_commit(n, &open, pend, &np, items, evs);
  free(evs);
  free(pend);
  if (kick && n->tick_id)
    mwx_node_loop_timer_kick(l, n->tick_id);
}

int mwx_node_run(mwx_node *n) {
  if (!n)
    return mwx_error_set(MWX_EINVAL, "node: NULL argument");
  int64_t mono = mwx_node_mono_ns();
  n->mono_origin_ns = mono;
  n->sim_origin_ns = n->sim_ns;
  if (n->cfg.speed > 0 && n->cfg.start_unix_ns > 0) {
    /* the epoch plays at start_unix_ns on the wall clock, for every node of the exercise */
    n->mono_origin_ns = mono + (n->cfg.start_unix_ns - real_ns());
    n->sim_origin_ns = n->epoch_ns;
  }
  int rc = mwx_node_loop_timer_add(n->loop, 0, tick_timer, n, &n->tick_id);
  if (rc)
    return rc;
  rc = mwx_node_loop_run(n->loop);
  mwx_node_loop_timer_del(n->loop, n->tick_id); /* a second run adds its own */
  mwx_error_clear();
  n->tick_id = 0;
  return rc;
}

void mwx_node_stop(mwx_node *n) {
  if (n)
    mwx_node_loop_stop(n->loop, 0);
}

mwx_node_loop *mwx_node_get_loop(mwx_node *n) { return n ? n->loop : NULL; }
mwx_journal *mwx_node_journal(mwx_node *n) { return n ? n->j : NULL; }
int64_t mwx_node_epoch_ns(const mwx_node *n) { return n ? n->epoch_ns : 0; }

void mwx_node_get_stats(const mwx_node *n, mwx_node_stats *s) {
  if (!n || !s)
    return;
  *s = n->st;
  s->sim_ns = n->sim_ns;
  s->handover_dropped += mwx_node_loop_dropped(n->loop);
}

void mwx_node_picture(const mwx_node *n, mwx_node_picture_fn fn, void *ctx) {
  if (!n || !fn)
    return;
  for (size_t i = 0; i < n->n_pic; i++)
    fn(ctx, &n->pic[i]);
}

/* ---- open / close ---------------------------------------------------- */

/* An existing journal must be this nation's (and, offline, where each run
 * makes a new key, cannot be continued): checked before DB.pub is written. */
static int journal_precheck(const mwx_node_config *c, int new_key) {
  if (access(c->journal, F_OK) != 0)
    return 0;
  mwx_journal_options ro = {MWX_JOURNAL_SYNC_FULL, 1, NULL};
  mwx_journal *j = NULL;
  int rc = mwx_journal_open(c->journal, &ro, &j);
  if (rc == MWX_EIO) { /* empty or not a journal yet: the read-write open decides */
    mwx_error_clear();
    return 0;
  }
  char owner[MWX_NATION_LEN];
  int owned = 0;
  uint64_t head = 0;
  uint8_t h[32];
  if (!rc && !(rc = mwx_journal_owner(j, owner, NULL, &owned)) && !(rc = mwx_journal_head(j, &head, h))) {
    if (owned && strncmp(owner, c->nation, 3))
      rc = mwx_error_set(MWX_EDENIED, "%s: the journal of %.3s's node, not of %s: refusing to append to it", c->journal,
                         owner, c->nation);
    else if (owned && new_key)
      rc = mwx_error_set(MWX_EDENIED,
                         "%s: the journal of an earlier %s run, sealed with its key (%s.pub); a run without a key"
                         " makes a new one and cannot continue it: use a new journal",
                         c->journal, c->nation, c->journal);
    else if (!owned && head)
      rc = mwx_error_set(MWX_EDENIED, "%s: holds %llu records written by no node: a node starts a journal of its own",
                         c->journal, (unsigned long long)head);
  }
  mwx_journal_close(j);
  return rc;
}

static int load_key(mwx_node *n) {
  const mwx_node_config *c = &n->cfg;
  int rc = journal_precheck(c, !c->key[0] && !c->online);
  if (rc)
    return rc;
  if (c->key[0])
    return mwx_msg_key_load_private(c->key, &n->key);
  if (c->online) {
    mwx_pki_paths p;
    if ((rc = mwx_pki_paths_for(c->net.pki_dir, c->nation, &p)))
      return rc;
    return mwx_msg_key_load_private(p.origin_key, &n->key);
  }
  if ((rc = mwx_msg_key_generate(&n->key)))
    return rc;
  char pub[MWX_NODE_PATH_LEN + 8];
  snprintf(pub, sizeof pub, "%s.pub", c->journal);
  return mwx_msg_key_save_public(n->key, pub);
}

int mwx_node_open(const mwx_node_config *cfg, mwx_node_event_fn fn, void *ctx, mwx_node **out) {
  if (!cfg || !out)
    return mwx_error_set(MWX_EINVAL, "node: NULL argument");
  if (strlen(cfg->nation) != 3)
    return mwx_error_set(MWX_EINVAL, "node: nation '%s' is not a three-letter code", cfg->nation);
  if (!cfg->policy[0] || !cfg->journal[0])
    return mwx_error_set(MWX_EINVAL, "node %s: a policy and a journal are required", cfg->nation);
  int rc0 = mwx_node_config_check(cfg); /* ranges that keep tick_timer and the lead in int64 ns */
  if (rc0)
    return rc0;
  if (!(cfg->replay_max_age_s >= MWX_NODE_REPLAY_AGE_MIN_S && cfg->replay_max_age_s <= MWX_NODE_REPLAY_AGE_MAX_S))
    return mwx_error_set(MWX_EINVAL, "node %s: replay_max_age_s %g is not in [%g, %g] s", cfg->nation,
                         cfg->replay_max_age_s, MWX_NODE_REPLAY_AGE_MIN_S, MWX_NODE_REPLAY_AGE_MAX_S);
  mwx_node *n = calloc(1, sizeof *n);
  if (!n)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  n->cfg = *cfg;
  if (!n->cfg.node_id[0])
    snprintf(n->cfg.node_id, MWX_ID_LEN, "%s-node-1", cfg->nation);
  /* every event goes through the subscriber list (events.c); fn is the first */
  n->fn = node_events_dispatch;
  n->fn_ctx = n;
  if (fn) {
    mwx_node_subscribe(n, fn, ctx, NULL);
    n->subs[0].no_samples = 1; /* its callers predate MWX_NODE_EV_SAMPLE */
  }
  if (n->cfg.online && n->cfg.speed <= 0)
    n->cfg.speed = 1; /* a networked node keeps time with its partners */
  int rc;
  if ((rc = mwx_release_policy_load(cfg->policy, &n->policy)))
    goto fail;
  if (strcmp(n->policy.nation, cfg->nation)) {
    rc = mwx_error_set(MWX_EINVAL, "%s: policy of %s, not of %s", cfg->policy, n->policy.nation, cfg->nation);
    goto fail;
  }
  /* partners */
  if (cfg->n_partners) {
    for (int i = 0; i < cfg->n_partners; i++)
      add_partner(n, cfg->partners[i]);
  } else if (cfg->online) {
    /* the coalition of the PKI; the links' partners are reached directly, the
       others (hub topology) through a relay */
    char nations[MWX_MAX_NATIONS][MWX_NATION_LEN];
    size_t nn = 0;
    if ((rc = mwx_pki_load_nations(cfg->net.pki_dir, nations, MWX_MAX_NATIONS, &nn)))
      goto fail;
    for (size_t k = 0; k < nn; k++)
      add_partner(n, nations[k]);
  } else {
    add_partner(n, "KOR");
    add_partner(n, "JPN");
    add_partner(n, "USA");
    for (size_t i = 0; i < n->policy.n_rules; i++)
      add_partner(n, n->policy.rules[i].partner);
  }
  /* direct partners: offline every partner; online those on a link (every
     partner when the links name none: one shared domain) */
  int named = 0;
  for (int l = 0; cfg->online && l < cfg->net.n_links; l++)
    named += cfg->net.links[l].n_partners;
  for (int i = 0; i < n->st.n_partners; i++) {
    n->direct[i] = !named;
    for (int l = 0; named && l < cfg->net.n_links; l++)
      for (int k = 0; k < cfg->net.links[l].n_partners; k++)
        if (!strcmp(cfg->net.links[l].partners[k], n->st.partner[i].nation))
          n->direct[i] = 1;
  }
  if ((rc = load_key(n)))
    goto fail;
  /* the node's journal: owned by this nation and key, every commit sealed */
  mwx_journal_options jo = {cfg->sync, 0, n->key};
  if ((rc = mwx_journal_open(cfg->journal, &jo, &n->j)) || (rc = mwx_journal_claim(n->j, cfg->nation)))
    goto fail;
  /* sequence numbers continue from the journal; replay windows of what it took */
  if ((rc = mwx_journal_seq_out_load(n->j, cfg->nation, n->seq)))
    goto fail;
  memcpy(n->seq_saved, n->seq, sizeof n->seq);
  if ((rc = node_rx_load(n)))
    goto fail;
  /* approvals recorded before this start were handled by an earlier run */
  if ((rc = mwx_journal_head(n->j, &n->approved_after, n->scratch.sig /* any 32-byte buffer */)))
    goto fail;
  if (cfg->scenario[0]) {
    if ((rc = mwx_sim_scenario_load(cfg->scenario, &n->sc)) || (rc = mwx_sim_truth_init(&n->truth, &n->sc, 1.0)) ||
        (rc = mwx_sim_source_init(&n->src, &n->sc, &n->truth, cfg->seed)))
      goto fail;
    n->epoch_ns = n->sc.epoch_ns;
    for (size_t s = 0; s < n->sc.n_sensors; s++)
      if (!strcmp(n->sc.sensor[s].nation, cfg->nation))
        n->own_sensors++;
    n->sim_ns = n->sc.epoch_ns - (int64_t)(cfg->lead_s * NS);
  } else
    n->sim_ns = real_ns();
  n->last_status_ns = INT64_MIN / 2;
  n->last_deadline_ns = INT64_MIN;
  if ((rc = mwx_track_create(NULL, &n->tr)) || (rc = node_fuse_open(n)) || (rc = node_alert_open(n)))
    goto fail;
  if ((rc = mwx_node_loop_create(0, &n->loop)))
    goto fail;
  mwx_node_loop_set_batch_fn(n->loop, node_batch, n);
  if (n->cfg.launch_fit && n->cfg.speed > 0 &&
      (rc = node_fitpool_create(n->cfg.fit_workers, (size_t)n->cfg.fit_queue, n->cfg.test_fit_delay_ms, n->loop,
                                &n->fits)))
    goto fail;
  if (cfg->online && (rc = node_rx_start(n)))
    goto fail;
  *out = n;
  return 0;
fail:
  mwx_node_close(n);
  return rc;
}

void mwx_node_close(mwx_node *n) {
  if (!n)
    return;
  node_rx_stop(n);
  node_fitpool_destroy(n->fits); /* before the loop the workers post to */
  mwx_node_loop_destroy(n->loop);
  mwx_track_destroy(n->tr);
  node_fuse_close(n);
  node_alert_close(n);
  node_xout_free(n);
  mwx_sim_source_fini(n->src);
  mwx_sim_truth_fini(&n->truth);
  mwx_sim_scenario_fini(&n->sc);
  mwx_journal_close(n->j);
  mwx_msg_key_free(n->key);
  free(n->plots);
  free(n->trk);
  free(n->out);
  free(n->pic);
  free(n->fit_done);
  free(n);
}
