/*
 * replay.c - `mwx replay` over the real nodes (node.h mwx_node_replay).
 *
 * Per condition (alone, bilateral, shared) the three nations' nodes are
 * opened offline (release policies, signatures, journals in a temporary
 * directory, fusion, alerts) and stepped together by
 * mwx_node_offline_run_links with that condition's links.  Each node's
 * structured events are the only input of the score:
 *   SAMPLE Track (own) and RECEIVED Track (a partner's): the nation holds a
 *     track of a missile (the truth missile nearest the track's position at
 *     its time of validity, within 50 km); own Tracks carry the global
 *     track number the nation gives the missile;
 *   SAMPLE / RECEIVED LaunchEvent: launch point candidates (the best is the
 *     smallest 95% ellipse among the tracks of the missile, as the fused
 *     picture takes it: fusepic.c best_launch);
 *   SAMPLE ImpactPrediction: the nation's own prediction (its own track's,
 *     or the fused one "<NAT>-G<no>" when a partner contributes);
 *   ALERT: the nation's alert life cycle.
 * The truth (the scenario flown again here) is read only to score.  The
 * keys are those of mwx_fuse_replay_cond (mwx/fuse.h), so that both
 * replays print and serialise one shape (mwx_fuse_replay_json / _print);
 * the in-process scorer of src/fuse/replay.c reads its own fusers' state
 * and cannot score events, so it is not reused, but the zone and alert
 * keys come from the one scorer both use (mwx_alert_truth_*, alert.h).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mwx/alert.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/zone.h"
#include "node_int.h"

#define NS 1000000000ll
#define NEAR_M 50e3        /* a track within 50 km of a missile is a track of it (as src/fuse/replay.c) */
#define LAUNCH_GOOD_KM 5.0 /* issue 13: first launch point within 5 km */
#define IPP_GOOD_KM 50.0   /* issue 13: first prediction within 50 km that stays within */
#define CHUNK_S 60         /* progress every 60 sim seconds */
#define MAX_SEEN 16

static const char *const NAT[3] = {"KOR", "JPN", "USA"};
static const char *const COND[3] = {"alone", "bilateral", "shared"};

void mwx_node_replay_opts_default(mwx_node_replay_opts *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
}

/* ---- a small map from (originator, id) or a global number to a missile -- */

typedef struct idmap_e {
  char key[MWX_NATION_LEN + MWX_ID_LEN];
  size_t k;
  int used;
} idmap_e;

typedef struct idmap {
  idmap_e *e;
  size_t n, cap; /* cap a power of two */
} idmap;

static uint64_t fnv(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static idmap_e *idmap_find(const idmap *m, const char *key) {
  if (!m->cap)
    return NULL;
  for (size_t i = fnv(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->e[i].used)
      return NULL;
    if (!strcmp(m->e[i].key, key))
      return &m->e[i];
  }
}

/* Sets key -> k if key is not mapped yet (the first association holds). */
static int idmap_put(idmap *m, const char *key, size_t k) {
  if (idmap_find(m, key))
    return 0;
  if (2 * (m->n + 1) > m->cap) {
    size_t nc = m->cap ? 2 * m->cap : 256;
    idmap_e *ne = calloc(nc, sizeof *ne);
    if (!ne)
      return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
    for (size_t i = 0; i < m->cap; i++)
      if (m->e[i].used) {
        size_t j = fnv(m->e[i].key) & (nc - 1);
        while (ne[j].used)
          j = (j + 1) & (nc - 1);
        ne[j] = m->e[i];
      }
    free(m->e);
    m->e = ne;
    m->cap = nc;
  }
  size_t i = fnv(key) & (m->cap - 1);
  while (m->e[i].used)
    i = (i + 1) & (m->cap - 1);
  snprintf(m->e[i].key, sizeof m->e[i].key, "%s", key);
  m->e[i].k = k;
  m->e[i].used = 1;
  m->n++;
  return 0;
}

static void key_id(char *buf, size_t cap, const char *orig, const char *id) { snprintf(buf, cap, "%.3s/%s", orig, id); }
static void key_gtn(char *buf, size_t cap, uint32_t g) { snprintf(buf, cap, "#%u", g); }

/* ---- what the events say, kept to score after the run ----------------- */

typedef struct lrec { /* a LaunchEvent */
  int64_t t_ns;
  char orig[MWX_NATION_LEN];
  char id[MWX_ID_LEN];
  double lat, lon, major_km;
} lrec;

typedef struct irec { /* an own ImpactPrediction */
  int64_t t_ns;
  char id[MWX_ID_LEN];
  uint32_t gtn;
  double lat, lon;
} irec;

typedef struct arec { /* an Alert */
  int64_t t_ns, overflight_ns;
  uint32_t gtn;
  int action, kind;
  char regions[MWX_TEXT_LEN];
} arec;

/* Per (missile, nation, condition), while the run goes. */
typedef struct acc {
  uint32_t seen[MAX_SEEN];
  int n_seen;
  int64_t last_gtn_ns;
  uint32_t last_gtn;
  int has_first;
  int64_t first_ns; /* the first own Track sample with a number (on_track) */
} acc;

typedef struct rp rp;

/* One node's collector (one nation under one condition). */
typedef struct col {
  rp *r;
  int a, c;
  idmap ids, gtns; /* (orig, local id) / global number -> missile */
  lrec *l;
  size_t nl, capl;
  irec *ip;
  size_t ni, capi;
  arec *al;
  size_t na, capa;
  int done;
  int rc;
} col;

struct rp {
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  mwx_zone *z;
  size_t nm;
  acc *acc;               /* [nm][3][3] */
  mwx_node_replay_result *out;
  col col[3];
  mwx_alert_truth *tz; /* [nm]: where each missile falls, what it flies over (the scorer's truth) */
};

static acc *acc_of(rp *r, size_t k, int a, int c) { return &r->acc[(k * 3 + (size_t)a) * 3 + (size_t)c]; }
static mwx_fuse_replay_missile *mis(mwx_node_replay_result *o, size_t k) { return &o->keys.m[k]; }

#define GROW(ptr, n, cap, init)                                                                                        \
  do {                                                                                                                 \
    if ((n) == (cap)) {                                                                                                \
      size_t nc_ = (cap) ? 2 * (cap) : (init);                                                                         \
      void *p_ = realloc((ptr), nc_ * sizeof *(ptr));                                                                  \
      if (!p_) {                                                                                                       \
        c->rc = mwx_error_set(MWX_ENOMEM, "replay: out of memory");                                                   \
        return;                                                                                                        \
      }                                                                                                                \
      (ptr) = p_;                                                                                                      \
      (cap) = nc_;                                                                                                     \
    }                                                                                                                  \
  } while (0)

/* The missile nearest pos at t (within NEAR_M), or -1. */
static long nearest(const rp *r, int64_t t, const double pos[3]) {
  long best = -1;
  double bd = NEAR_M * NEAR_M;
  for (size_t k = 0; k < r->nm; k++) {
    mwx_sim_truth_state st;
    if (mwx_sim_truth_at(&r->truth, k, t, &st) || !st.in_flight)
      continue;
    double d = 0;
    for (int i = 0; i < 3; i++)
      d += (pos[i] - st.pos_ecef_m[i]) * (pos[i] - st.pos_ecef_m[i]);
    if (d < bd) {
      bd = d;
      best = (long)k;
    }
  }
  return best;
}

/* A global number the nation's own samples (Track, ImpactPrediction) gave
 * the missile at now_ns. */
static void seen_gtn(acc *s, uint32_t g, int64_t now_ns) {
  if (!g)
    return;
  int q = 0;
  while (q < s->n_seen && s->seen[q] != g)
    q++;
  if (q == s->n_seen && s->n_seen < MAX_SEEN)
    s->seen[s->n_seen++] = g;
  if (now_ns >= s->last_gtn_ns) {
    s->last_gtn = g;
    s->last_gtn_ns = now_ns;
  }
}

static void on_track(col *c, const mwx_msg *m, int own, int64_t now_ns) {
  rp *r = c->r;
  const mwx_msg_track *t = &m->u.track;
  long k = nearest(r, t->time_ns, t->pos_ecef_m);
  if (k < 0)
    return;
  char key[MWX_NATION_LEN + MWX_ID_LEN];
  key_id(key, sizeof key, m->mark.originator, t->local_track_id);
  if ((c->rc = idmap_put(&c->ids, key, (size_t)k)))
    return;
  if (t->global_track_no) {
    key_gtn(key, sizeof key, t->global_track_no);
    if ((c->rc = idmap_put(&c->gtns, key, (size_t)k)))
      return;
  }
  mwx_fuse_replay_cond *x = &r->out->keys.m[k].n[c->a][c->c];
  double ts = (double)(now_ns - r->truth.launch_ns[k]) / 1e9;
  if (!x->has_track || ts < x->first_track_s) {
    x->has_track = 1;
    x->first_track_s = ts;
  }
  if (own) {
    acc *s = acc_of(r, (size_t)k, c->a, c->c);
    seen_gtn(s, t->global_track_no, now_ns);
    if (t->global_track_no && (!s->has_first || now_ns < s->first_ns)) {
      s->has_first = 1;
      s->first_ns = now_ns;
    }
  }
}

static void on_event(void *vc, const mwx_node_event *ev) {
  col *c = vc;
  if (c->rc)
    return;
  if (ev->kind == MWX_NODE_EV_DONE) {
    c->done = 1;
    return;
  }
  const mwx_msg *m = ev->msg;
  if (!m)
    return;
  int own = ev->kind == MWX_NODE_EV_SAMPLE;
  if (!own && ev->kind != MWX_NODE_EV_RECEIVED && ev->kind != MWX_NODE_EV_ALERT)
    return;
  if (m->topic == MWX_TOPIC_TRACK) {
    on_track(c, m, own, ev->sim_ns);
  } else if (m->topic == MWX_TOPIC_LAUNCH) {
    GROW(c->l, c->nl, c->capl, 16);
    lrec *l = &c->l[c->nl++];
    memset(l, 0, sizeof *l);
    l->t_ns = ev->sim_ns;
    memcpy(l->orig, m->mark.originator, 3);
    snprintf(l->id, sizeof l->id, "%s", m->u.launch.local_track_id);
    l->lat = m->u.launch.lat_deg;
    l->lon = m->u.launch.lon_deg;
    l->major_km = m->u.launch.err_major_km;
  } else if (m->topic == MWX_TOPIC_IMPACT && own) {
    GROW(c->ip, c->ni, c->capi, 64);
    irec *p = &c->ip[c->ni++];
    memset(p, 0, sizeof *p);
    p->t_ns = ev->sim_ns;
    snprintf(p->id, sizeof p->id, "%s", m->u.impact.local_track_id);
    p->gtn = m->u.impact.global_track_no;
    p->lat = m->u.impact.lat_deg;
    p->lon = m->u.impact.lon_deg;
  } else if (m->topic == MWX_TOPIC_ALERT && ev->kind == MWX_NODE_EV_ALERT) {
    GROW(c->al, c->na, c->capa, 8);
    arec *p = &c->al[c->na++];
    memset(p, 0, sizeof *p);
    p->t_ns = ev->sim_ns;
    p->overflight_ns = ev->overflight_ns;
    p->gtn = m->u.alert.global_track_no;
    p->action = m->u.alert.action;
    p->kind = m->u.alert.severity;
    snprintf(p->regions, sizeof p->regions, "%s", m->u.alert.regions);
  }
}

/* ---- the truth's zones: where each missile falls, what it flies over ---- */

static int truth_zones(rp *r) {
  r->tz = calloc(r->nm ? r->nm : 1, sizeof *r->tz);
  if (!r->tz)
    return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  for (size_t k = 0; k < r->nm; k++) {
    int rc = mwx_alert_truth_init(r->z, &r->truth.traj[k], r->truth.launch_ns[k], &r->tz[k]);
    if (rc)
      return mwx_error_set(rc, "replay: missile %zu: %s", k, mwx_error_msg());
  }
  return 0;
}

static double ground_km(double lat1, double lon1, double lat2, double lon2) {
  double d = 0;
  if (mwx_geo_inverse(lat1, lon1, lat2, lon2, &d, NULL, NULL)) {
    mwx_error_clear();
    return INFINITY;
  }
  return d / 1000.0;
}

/* The missile of a sample of nation a's picture named by (orig, id) or, for
 * a fused product or an alert, by its global number; -1 if none. */
static long missile_of(const col *c, const char *orig, const char *id, uint32_t gtn) {
  char key[MWX_NATION_LEN + MWX_ID_LEN];
  const idmap_e *e = NULL;
  if (id && id[0]) {
    key_id(key, sizeof key, orig, id);
    e = idmap_find(&c->ids, key);
  }
  if (!e && gtn) {
    key_gtn(key, sizeof key, gtn);
    e = idmap_find(&c->gtns, key);
  }
  return e ? (long)e->k : -1;
}

static int cmp_lrec(const void *pa, const void *pb) {
  const lrec *a = pa, *b = pb;
  return (a->t_ns > b->t_ns) - (a->t_ns < b->t_ns);
}

/* After the run: launch, prediction, zone and alert keys of one collector. */
static int score_collector(rp *r, col *c, mwx_node_replay_result *out) {
  int a = c->a, cd = c->c;
  /* launch points: the best (smallest ellipse) so far, in time order */
  qsort(c->l, c->nl, sizeof *c->l, cmp_lrec);
  for (size_t i = 0; i < c->nl; i++) {
    const lrec *l = &c->l[i];
    long k = missile_of(c, l->orig, l->id, 0);
    if (k < 0)
      continue;
    mwx_fuse_replay_cond *x = &mis(out, (size_t)k)->n[a][cd];
    const mwx_ballistic_launch *L = &r->truth.launch[k];
    if (!x->has_launch || l->major_km < x->launch_major_km) {
      x->has_launch = 1;
      x->launch_major_km = l->major_km;
      x->launch_error_km = ground_km(l->lat, l->lon, L->lat_deg, L->lon_deg);
    }
    if (!x->has_launch_5km && x->launch_error_km <= LAUNCH_GOOD_KM) {
      x->has_launch_5km = 1;
      x->launch_5km_s = (double)(l->t_ns - r->truth.launch_ns[k]) / 1e9;
    }
  }
  /* predictions (already in time order: events come in order) */
  int *good = calloc(r->nm ? r->nm : 1, sizeof *good);
  double *good_s = calloc(r->nm ? r->nm : 1, sizeof *good_s);
  mwx_alert_score *sco = calloc(r->nm ? r->nm : 1, sizeof *sco); /* the zone and alert keys (src/alert/truth.c) */
  if (!good || !good_s || !sco) {
    free(good), free(good_s), free(sco);
    return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  }
  for (size_t k = 0; k < r->nm; k++)
    mwx_alert_score_init(&sco[k], NAT[a]);
  for (size_t i = 0; i < c->ni; i++) {
    const irec *p = &c->ip[i];
    long k = missile_of(c, NAT[a], p->id, p->gtn);
    if (k < 0)
      continue;
    const mwx_ballistic_figures *fig = &r->truth.traj[k].fig;
    double ts = (double)(p->t_ns - r->truth.launch_ns[k]) / 1e9;
    if (ts > fig->flight_time_s)
      continue; /* made after the fall */
    mwx_fuse_replay_cond *x = &mis(out, (size_t)k)->n[a][cd];
    double err = ground_km(p->lat, p->lon, fig->impact_lat_deg, fig->impact_lon_deg);
    if (!x->has_ipp) {
      x->has_ipp = 1;
      x->first_ipp_s = ts;
    }
    if (err <= IPP_GOOD_KM) {
      if (!good[k]) {
        good[k] = 1;
        good_s[k] = ts;
      }
    } else
      good[k] = 0;
    if (ts <= 0.5 * fig->flight_time_s) {
      x->has_ipp_half = 1;
      x->ipp_error_half_km = err;
    }
    x->has_final_ipp = 1;
    x->final_ipp_error_km = err;
    x->has_ipp_50km = good[k];
    x->ipp_50km_s = good_s[k];
    seen_gtn(acc_of(r, (size_t)k, a, cd), p->gtn, p->t_ns);
    /* the zone call of this prediction's mean point */
    if (mwx_alert_truth_zone(&r->tz[k], r->z, p->lat, p->lon, ts, &sco[k]))
      mwx_error_clear();
  }
  free(good), free(good_s);
  /* global numbers: the latest the nation's own samples gave, and how many */
  for (size_t k = 0; k < r->nm; k++) {
    mwx_fuse_replay_cond *x = &mis(out, k)->n[a][cd];
    acc *s = acc_of(r, k, a, cd);
    x->global_track_no = s->last_gtn;
    x->global_tracks = s->n_seen;
    x->has_global = s->has_first;
    x->first_global_s = s->has_first ? (double)(s->first_ns - r->truth.launch_ns[k]) / 1e9 : 0;
  }
  /* alerts: the most severe kind issued, when, where; and the timeline */
  for (size_t i = 0; i < c->na; i++) {
    const arec *p = &c->al[i];
    long k = missile_of(c, "", NULL, p->gtn);
    if (out->n_alerts % 64 == 0) {
      mwx_node_replay_alert *na = realloc(out->alert, (out->n_alerts + 64) * sizeof *na);
      if (!na) {
        free(sco);
        return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
      }
      out->alert = na;
    }
    mwx_node_replay_alert *e = &out->alert[out->n_alerts++];
    memset(e, 0, sizeof *e);
    e->nation = a;
    e->condition = cd;
    e->missile = k < 0 ? (size_t)-1 : (size_t)k;
    e->global_track_no = p->gtn;
    int64_t t0 = k < 0 ? r->sc.epoch_ns : r->truth.launch_ns[k];
    e->t_s = (double)(p->t_ns - t0) / 1e9;
    e->action = p->action;
    e->kind = p->kind;
    e->overflight_s = p->overflight_ns ? (double)(p->overflight_ns - t0) / 1e9 : -1e9;
    snprintf(e->regions, sizeof e->regions, "%s", p->regions);
    if (k >= 0)
      mwx_alert_truth_event_text(r->z, &sco[k], p->action, (mwx_alert_kind)p->kind, p->regions, e->t_s);
  }
  for (size_t k = 0; k < r->nm; k++) {
    mwx_fuse_replay_cond *x = &mis(out, k)->n[a][cd];
    mwx_alert_score *q = &sco[k];
    mwx_alert_truth_finish(&r->tz[k], q);
    mwx_fuse_replay_cond_set_alert(x, r->z, q);
  }
  free(sco);
  return 0;
}

static void col_free(col *c) {
  free(c->ids.e);
  free(c->gtns.e);
  free(c->l);
  free(c->ip);
  free(c->al);
  memset(c, 0, sizeof *c);
}

/* Removes the journals of dir and dir itself. */
static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
        continue;
      char p[MWX_NODE_PATH_LEN + 300];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

/* The links of a condition among KOR (0), JPN (1), USA (2). */
static void links_of(int cond, int hub, mwx_node_offline_links *lk) {
  memset(lk, 0, sizeof *lk);
  lk->relay = -1;
  if (cond == 0)
    return;
  lk->link[0][2] = lk->link[2][0] = lk->link[1][2] = lk->link[2][1] = 1;
  if (cond == 2) {
    if (hub)
      lk->relay = 2;
    else
      lk->link[0][1] = lk->link[1][0] = 1;
  }
}

/* One condition: the three nodes, run to the end, scored. */
static int run_condition(rp *r, const char *scenario_path, const char *dir, int cd, const mwx_node_replay_opts *o,
                         double frac0, double frac1, mwx_node_replay_result *out) {
  mwx_node *nodes[3] = {NULL, NULL, NULL}, *run[3];
  int rc = 0, nrun = 0, idx[3];
  int want = o->nations ? o->nations : 7;
  if (cd > 0)
    want = 7; /* a partner's data needs the partner's node */
  for (int a = 0; a < 3; a++)
    col_free(&r->col[a]);
  for (int a = 0; a < 3 && !rc; a++) {
    col *c = &r->col[a];
    c->r = r;
    c->a = a;
    c->c = cd;
    c->done = !(want & (1 << a));
    if (c->done)
      continue;
    mwx_node_config cfg;
    mwx_node_config_init(&cfg);
    snprintf(cfg.nation, sizeof cfg.nation, "%s", NAT[a]);
    snprintf(cfg.scenario, sizeof cfg.scenario, "%s", scenario_path);
    snprintf(cfg.policy, sizeof cfg.policy, "%.400s/policy-%s.json", o->policy_dir, NAT[a]);
    if (!o->policy_dir[0] || access(cfg.policy, F_OK) != 0) /* a nation the directory leaves out: the shipped one */
      snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, NAT[a]);
    snprintf(cfg.journal, sizeof cfg.journal, "%.400s/%s-%s.db", dir, NAT[a], COND[cd]);
    cfg.seed = o->seed;
    cfg.journal_plots = 0;
    cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
    cfg.launch_fit = 0; /* speed 0 would fit on the loop thread; the early launch estimate stands (docs/fusion.md) */
    cfg.step_s = 1;
    if ((rc = mwx_node_open(&cfg, NULL, NULL, &nodes[a])))
      break;
    rc = mwx_node_subscribe(nodes[a], on_event, c, NULL);
    idx[nrun] = a;
    run[nrun++] = nodes[a];
  }
  mwx_node_offline_links full, lk;
  links_of(cd, o->hub, &full);
  memset(&lk, 0, sizeof lk);
  lk.relay = -1;
  for (int i = 0; i < nrun; i++) {
    for (int k = 0; k < nrun; k++)
      lk.link[i][k] = full.link[idx[i]][idx[k]];
    if (full.relay == idx[i])
      lk.relay = i;
  }
  int64_t t0 = r->sc.epoch_ns;
  int64_t end = o->until_s > 0 ? t0 + (int64_t)(o->until_s * 1e9) : 0;
  double span = (double)(r->truth.end_ns - t0) / 1e9 + 60.0;
  for (int64_t t = t0 + CHUNK_S * NS; !rc; t += CHUNK_S * NS) {
    int64_t until = end && t > end ? end : t;
    rc = nrun ? mwx_node_offline_run_links(run, (size_t)nrun, &lk, until) : 0;
    for (int a = 0; a < 3 && !rc; a++)
      rc = r->col[a].rc;
    int done = r->col[0].done && r->col[1].done && r->col[2].done;
    if (o->progress) {
      double f = fmin(1.0, (double)(t - t0) / 1e9 / span);
      o->progress(o->progress_ctx, COND[cd], frac0 + (frac1 - frac0) * (done ? 1.0 : f));
    }
    if (done || (end && until >= end))
      break;
    if (t > r->truth.end_ns + 4 * 3600 * NS) /* a node that never ends: a bug, not a wait */
      rc = mwx_error_set(MWX_EINVAL, "replay: the nodes did not finish 4 h after the last impact");
  }
  for (int a = 0; a < 3; a++) {
    if (nodes[a]) {
      mwx_node_stats st;
      mwx_node_get_stats(nodes[a], &st);
      out->unfusable[a][cd] = st.unfusable;
      out->received[a][cd] = st.received;
      out->records[a][cd] = st.records;
    }
    mwx_node_close(nodes[a]);
  }
  for (int a = 0; a < 3 && !rc; a++)
    if (want & (1 << a))
      rc = score_collector(r, &r->col[a], out);
  return rc;
}

void mwx_node_replay_fini(mwx_node_replay_result *r) {
  if (!r)
    return;
  mwx_fuse_replay_fini(&r->keys);
  free(r->alert);
  memset(r, 0, sizeof *r);
}

int mwx_node_replay(const char *scenario_path, const mwx_node_replay_opts *opts, mwx_node_replay_result *out) {
  if (!scenario_path || !out)
    return mwx_error_set(MWX_EINVAL, "replay: NULL argument");
  memset(out, 0, sizeof *out);
  mwx_node_replay_opts o;
  if (opts)
    o = *opts;
  else
    mwx_node_replay_opts_default(&o);
  int mask = o.conditions ? o.conditions : 7;
  rp *r = calloc(1, sizeof *r);
  if (!r)
    return mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  int rc = 0;
  if (o.policy_dir[0]) { /* a directory that holds none of the policies is a mistake, not "the shipped ones" */
    int any = 0;
    for (int a = 0; a < 3; a++) {
      char p[MWX_NODE_PATH_LEN + 32];
      snprintf(p, sizeof p, "%s/policy-%s.json", o.policy_dir, NAT[a]);
      any |= access(p, F_OK) == 0;
    }
    if (!any)
      rc = mwx_error_set(MWX_EINVAL, "replay: policy directory '%s' holds none of policy-KOR.json, policy-JPN.json, "
                         "policy-USA.json", o.policy_dir);
  }
  if (!rc)
    rc = mwx_sim_scenario_load(scenario_path, &r->sc);
  if (!rc)
    rc = mwx_sim_truth_init(&r->truth, &r->sc, 1.0);
  if (!rc)
    rc = mwx_zone_open(NULL, &r->z);
  char dir[MWX_NODE_PATH_LEN] = "";
  if (!rc) {
    r->nm = r->truth.n;
    out->keys.n = r->nm;
    out->keys.m = calloc(r->nm ? r->nm : 1, sizeof *out->keys.m);
    r->acc = calloc(r->nm * 9 + 1, sizeof *r->acc);
    r->out = out;
    if (!out->keys.m || !r->acc)
      rc = mwx_error_set(MWX_ENOMEM, "replay: out of memory");
  }
  if (!rc) {
    for (size_t k = 0; k < r->nm; k++) {
      snprintf(out->keys.m[k].id, sizeof out->keys.m[k].id, "%s", r->sc.launch[k].id);
      out->keys.m[k].flight_time_s = r->truth.traj[k].fig.flight_time_s;
    }
    rc = truth_zones(r);
  }
  if (!rc) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%.400s/mwx_replay_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
      dir[0] = 0;
      rc = mwx_error_set(MWX_EIO, "replay: cannot make a temporary directory under %s", tmp && tmp[0] ? tmp : "/tmp");
    }
  }
  out->sync = MWX_JOURNAL_SYNC_NORMAL;
  int n_run = (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1), i_run = 0;
  for (int cd = 0; cd < 3 && !rc; cd++) {
    if (!(mask & (1 << cd)))
      continue;
    int64_t w0 = mwx_node_mono_ns();
    rc = run_condition(r, scenario_path, dir, cd, &o, (double)i_run / n_run, (double)(i_run + 1) / n_run, out);
    out->wall_s[cd] = (double)(mwx_node_mono_ns() - w0) / 1e9;
    i_run++;
  }
  if (dir[0])
    remove_dir(dir);
  for (int a = 0; a < 3; a++)
    col_free(&r->col[a]);
  free(r->acc);
  free(r->tz);
  mwx_zone_close(r->z);
  mwx_sim_truth_fini(&r->truth);
  mwx_sim_scenario_fini(&r->sc);
  free(r);
  return rc;
}
