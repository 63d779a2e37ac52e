/*
 * alerting.c - zones and alerts on the node's predictions (mwx/zone.h,
 * mwx/alert.h, docs/zones-and-alerts.md).  Loop thread only.
 *
 * For every ImpactPrediction the node makes (its own track's, or a fused
 * one, fusepic.c): the zone and zone nation of the mean impact point; the
 * predicted ground track from the prediction's time to impact (the state
 * propagated in free flight, points every <= 10 s) with the cross-track
 * half-width of the 95% impact ellipse as the corridor, and the nations it
 * passes over (overflown); then the alert decision of the node's rules and
 * one alert life cycle per global track.  Each issue / update / cancel is an
 * Alert sample, journaled as kind alert (why and rule) and released under
 * the release policy with the markings of the prediction's sources (a
 * fused alert is limited like the fused prediction it comes from).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mwx/alert.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/geo.h"
#include "mwx/zone.h"
#include "node_int.h"

#define MAX_TRACK_PTS 1024
#define MAX_PASSAGES 64
#define MAX_ALERT_TRACKS 4096 /* alert life cycles held (one per global track); ended ones are pruned */

typedef struct al_track {
  uint32_t gtn;
  mwx_alert_state st;
  int64_t impact_ns;
  size_t n_src;
  mwx_msg_marking src[MWX_FUSE_MAX_MEMBERS];
  int has_last;
  mwx_msg_alert last; /* the latest Alert published about it (the fused picture shows it) */
} al_track;

struct node_alerting {
  mwx_zone *z;
  mwx_alert_rules rules;
  char path[MWX_NODE_PATH_LEN];
  al_track *t;
  size_t n, cap;
  int logged_full;
  mwx_zone_track_point pts[MAX_TRACK_PTS];
};

int node_alert_open(mwx_node *n) {
  char path[MWX_NODE_PATH_LEN];
  if (n->cfg.alert_rules[0])
    snprintf(path, sizeof path, "%s", n->cfg.alert_rules);
  else {
    snprintf(path, sizeof path, "%s/config/alert-%s.json", MWX_SOURCE_DIR, n->cfg.nation);
    if (access(path, F_OK) != 0)
      return 0; /* no rules for this nation: no alerting (alert.h: default nothing) */
  }
  struct node_alerting *a = calloc(1, sizeof *a);
  if (!a)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  snprintf(a->path, sizeof a->path, "%s", path);
  int rc = mwx_alert_rules_load(path, &a->rules);
  if (!rc && strncmp(a->rules.nation, n->cfg.nation, 3))
    rc = mwx_error_set(MWX_EINVAL, "%s: alert rules of %s, not of %s", path, a->rules.nation, n->cfg.nation);
  if (!rc)
    rc = mwx_zone_open(NULL, &a->z);
  if (rc) {
    mwx_zone_close(a->z);
    free(a);
    return rc;
  }
  n->al = a;
  return 0;
}

void node_alert_close(mwx_node *n) {
  if (!n->al)
    return;
  mwx_zone_close(n->al->z);
  free(n->al->t);
  free(n->al);
  n->al = NULL;
}

uint64_t node_alert_bytes(const mwx_node *n) {
  return n->al ? sizeof *n->al + n->al->cap * sizeof *n->al->t : 0;
}

static al_track *track_state(mwx_node *n, struct node_alerting *a, const char *nation, uint32_t gtn) {
  for (size_t i = 0; i < a->n; i++)
    if (a->t[i].gtn == gtn)
      return &a->t[i];
  if (a->n == MAX_ALERT_TRACKS) {
    n->st.fused_dropped++;
    if (!a->logged_full) {
      a->logged_full = 1;
      fprintf(stderr, "mwx node %s: alerting: %d alert life cycles held: a new missile gets none, counted in"
              " overflows (logged once)\n", n->cfg.nation, MAX_ALERT_TRACKS);
    }
    return NULL;
  }
  if (a->n == a->cap) {
    size_t nc = a->cap ? 2 * a->cap : 8;
    al_track *p = realloc(a->t, nc * sizeof *p);
    if (!p)
      return NULL;
    a->t = p;
    a->cap = nc;
  }
  al_track *t = &a->t[a->n++];
  memset(t, 0, sizeof *t);
  t->gtn = gtn;
  mwx_alert_state_init(&t->st, nation, gtn);
  return t;
}

/* An alert event: Alert sample, journal record (kind alert), report, release. */
static int publish(mwx_node *n, const mwx_alert_event *ev, const char *text, al_track *t,
                   int64_t overflight_ns) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_ALERT, MWX_CLASSIF_SECRET);
  mwx_msg_alert *al = &m->u.alert;
  snprintf(al->alert_id, MWX_ID_LEN, "%s", ev->alert_id);
  memcpy(al->nation, n->cfg.nation, MWX_NATION_LEN);
  al->severity = (uint8_t)ev->kind;
  al->action = (uint8_t)ev->action;
  al->global_track_no = ev->track_no;
  al->time_ns = ev->time_ns;
  mwx_alert_regions_text(n->al->z, ev->regions, al->regions, sizeof al->regions);
  snprintf(al->text, sizeof al->text, "%s", text);
  mwx_msg am = *m;
  t->last = *al; /* the life cycle's latest Alert */
  t->has_last = 1;
  node_fuse_touch(n, t->gtn);
  json_t *o = json_object();
  static const char *const act[] = {"issue", "update", "cancel"};
  json_object_set_new(o, "alert_id", json_string(ev->alert_id));
  json_object_set_new(o, "action", json_string(ev->action >= 0 && ev->action < 3 ? act[ev->action] : "?"));
  json_object_set_new(o, "kind", json_string(mwx_alert_kind_name(ev->kind)));
  json_object_set_new(o, "track", json_integer(ev->track_no));
  json_object_set_new(o, "rule", json_string(ev->rule_id));
  json_object_set_new(o, "regions", json_string(al->regions));
  json_object_set_new(o, "why", json_string(ev->why));
  char *payload = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  if (!payload)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  uint64_t id = 0;
  int rc = node_sign_flush(n); /* the decisions queued before it are journaled first (signpool.c) */
  if (!rc)
    rc = mwx_journal_append(n->j, MWX_JOURNAL_ALERT, n->sim_ns, payload, &am, 0, &id);
  free(payload);
  if (rc)
    return rc;
  n->st.records++;
  if ((rc = node_outq_push(n, MWX_NODE_EV_ALERT, "", &am, id, ev->track_no, ev->why)))
    return rc;
  n->out[n->n_out - 1].overflight_ns = overflight_ns;
  return node_decide(n, &am, 0, t->n_src, t->src);
}

int node_alert_impact(mwx_node *n, mwx_msg_impact *ip, const double x[6], int64_t t_ns, double beta_kgpm2,
                      int provisional, size_t n_sources, const mwx_msg_marking *sources) {
  struct node_alerting *a = n->al;
  if (!a)
    return 0;
  mwx_zone_result zr;
  if (mwx_zone_classify(a->z, ip->lat_deg, ip->lon_deg, &zr)) {
    mwx_error_clear();
    return 0; /* a prediction the zones cannot place: no zone, no alert */
  }
  ip->zone = (uint8_t)zr.zone;
  memset(ip->zone_nation, 0, sizeof ip->zone_nation);
  memcpy(ip->zone_nation, zr.nation, 3);
  /* the predicted ground track, now -> impact, and its corridor */
  size_t np = 0;
  if (mwx_alert_ground_track(x, t_ns, beta_kgpm2, ip->impact_time_ns, ip->lat_deg, ip->lon_deg, a->pts,
                             MAX_TRACK_PTS, &np)) {
    mwx_error_clear();
    np = 0;
  }
  double corridor = mwx_alert_corridor_km(a->pts, np, ip->ell_major_km, ip->ell_minor_km, ip->ell_orient_deg);
  ip->n_overflown = 0;
  if (np) {
    mwx_zone_passage pass[MAX_PASSAGES];
    size_t npass = 0;
    int rc = mwx_zone_overflight(a->z, a->pts, np, corridor, pass, MAX_PASSAGES, &npass);
    if (rc == MWX_ERANGE)
      npass = MAX_PASSAGES;
    else if (rc)
      npass = 0;
    mwx_error_clear();
    for (size_t i = 0; i < npass; i++) {
      int seen = 0;
      for (int k = 0; k < ip->n_overflown; k++)
        seen |= !strncmp(ip->overflown[k], pass[i].nation, 3);
      if (!seen && ip->n_overflown < MWX_MAX_NATIONS) {
        memset(ip->overflown[ip->n_overflown], 0, MWX_NATION_LEN);
        memcpy(ip->overflown[ip->n_overflown++], pass[i].nation, 3);
      }
    }
  }
  /* the decision and the life cycle of this missile's alert */
  mwx_alert_input in;
  memset(&in, 0, sizeof in);
  snprintf(in.prediction_id, sizeof in.prediction_id, "%s", ip->local_track_id);
  in.track_no = ip->global_track_no;
  in.time_ns = ip->time_ns;
  in.has_impact = 1;
  in.impact_lat_deg = ip->lat_deg;
  in.impact_lon_deg = ip->lon_deg;
  in.major_km = ip->ell_major_km;
  in.minor_km = ip->ell_minor_km;
  in.orient_deg = ip->ell_orient_deg;
  in.impact_time_ns = ip->impact_time_ns;
  in.track = np ? a->pts : NULL;
  in.n_track = np;
  in.corridor_km = corridor;
  in.provisional = provisional != 0;
  mwx_alert_decision d;
  if (mwx_alert_decide(&a->rules, a->z, &in, &d)) {
    mwx_error_clear();
    return 0;
  }
  al_track *t = track_state(n, a, n->cfg.nation, ip->global_track_no);
  if (!t)
    return a->n == MAX_ALERT_TRACKS ? 0 : mwx_error_set(MWX_ENOMEM, "node: out of memory");
  t->impact_ns = ip->impact_time_ns;
  t->n_src = n_sources < MWX_FUSE_MAX_MEMBERS ? n_sources : MWX_FUSE_MAX_MEMBERS;
  if (t->n_src)
    memcpy(t->src, sources, t->n_src * sizeof *sources);
  mwx_alert_event ev;
  if (mwx_alert_step(&t->st, &d, 0, n->sim_ns, &ev)) {
    mwx_error_clear();
    return 0;
  }
  if (ev.action == MWX_ALERT_ACT_NONE)
    return 0;
  return publish(n, &ev, d.text ? d.text : "", t, d.overflight ? d.overflight_ns : 0);
}

/* A life cycle dropped: every alert it issued is unregistered on every
 * writer still holding it.  A cancel published on a partner's partition
 * already unregistered it there (node_release.c node_flush_out); this
 * sweep takes what is left: a copy whose cancel was held in the manual
 * queue past this point, refused, or an issue approved after its cancel.
 * The ids are mwx_alert_step's ("<NAT>-<track>-<serial>", src/alert/alert.c),
 * serials 1 .. the life cycle's last; the last is checked against the id
 * the life cycle holds, so a change of that format shows as a sweep that
 * forgets nothing rather than one that forgets the wrong instances. */
static void forget_alerts(mwx_node *n, const al_track *t) {
  if (!n->net || !t->st.serial)
    return;
  char id[MWX_ID_LEN];
  snprintf(id, sizeof id, "%s-%u-%u", t->st.nation, t->st.track_no, t->st.serial);
  if (strcmp(id, t->st.alert_id))
    return;
  for (uint32_t s = 1; s <= t->st.serial; s++) {
    snprintf(id, sizeof id, "%s-%u-%u", t->st.nation, t->st.track_no, s);
    int c = 0;
    if (mwx_net_forget_alert(n->net, id, &c))
      mwx_error_clear();
    n->st.alerts_forgotten += (uint64_t)c;
  }
}

int node_alert_tick(mwx_node *n) {
  struct node_alerting *a = n->al;
  if (!a)
    return 0;
  for (size_t i = 0; i < a->n; i++) {
    al_track *t = &a->t[i];
    if (!t->st.active || t->impact_ns > n->sim_ns)
      continue;
    mwx_alert_event ev;
    if (mwx_alert_step(&t->st, NULL, 1, n->sim_ns, &ev)) {
      mwx_error_clear();
      continue;
    }
    if (ev.action != MWX_ALERT_ACT_NONE) {
      int rc = publish(n, &ev, "The missile has fallen. The alert is cancelled.", t, 0);
      if (rc)
        return rc;
    }
  }
  /* ended life cycles (no alert active, the missile fallen ten minutes ago) */
  size_t w = 0;
  for (size_t i = 0; i < a->n; i++)
    if (a->t[i].st.active || a->t[i].impact_ns + 600000000000ll > n->sim_ns)
      a->t[w++] = a->t[i];
    else
      forget_alerts(n, &a->t[i]);
  a->n = w;
  return 0;
}

int node_alert_latest(const mwx_node *n, uint32_t gtn, mwx_msg_alert *out, int *active) {
  const struct node_alerting *a = n->al;
  for (size_t i = 0; a && i < a->n; i++)
    if (a->t[i].gtn == gtn && a->t[i].has_last) {
      *out = a->t[i].last;
      *active = a->t[i].st.active;
      return 1;
    }
  return 0;
}
