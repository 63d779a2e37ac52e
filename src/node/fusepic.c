/*
 * fusepic.c - the node's fused picture (mwx/fuse.h, docs/fusion.md "Wiring
 * fuse into the node").  Loop thread only.
 *
 *   receive path (rx.c, after the replay / signature checks and the
 *   journal record): a partner's Track -> the fuser; its LaunchEvent -> the
 *   launch candidates.
 *   each tick, before the node makes its samples: its own confirmed tracks
 *   -> the fuser, so that every Track, LaunchEvent and ImpactPrediction it
 *   publishes carries its global track number.
 *   each tick, after: the picture at the node's time (one entry per fused
 *   track; a fallen missile - below ground, or nobody holds it and its
 *   latest prediction's impact time has passed - keeps its last state, its
 *   last prediction and alert, until the fuser forgets it); a fused track that holds a partner's contribution is "shared":
 *   the node's prediction for that missile is the fused one (its own
 *   tracks of it make none), made every impact_every_s from the fused state,
 *   local track id "<NAT>-G<global number>" (the mark of a fused product),
 *   zone and alert from it (alerting.c), released under the third-party
 *   rule with the markings of the samples that made it (release.h).
 *
 * Bounds (docs/architecture.md "Bounds"): the fuser takes no new source
 * track once it holds FUSE_MAX_TRACKS fused tracks (samples of the tracks
 * it holds still go in); the launch candidates and the latest predictions
 * hold at most FUSE_MAX_ENTRIES each.  What a full table refuses is counted
 * (mwx_node_stats.fused_dropped, part of NodeStatus overflows) and logged
 * once per table.  Ended entries are pruned: a prediction whose fused track
 * has left the fuser, or whose missile has fallen (impact time passed),
 * and a launch candidate whose source track no fused track holds any more
 * (a minute after it was last put).
 *
 * Cost per pass (issues 16, 13): partners' Track samples are kept
 * (checked, at most FUSE_MAX_PENDING) and go into the fuser with the own
 * tracks' new estimates in one ingest per pass; the fuser is incremental
 * (fuse_assoc.c: only what changed is tested again), so the ingest and the
 * picture (every fused track propagated to the node's time) are made every
 * pass that has something new or a new time - the 0.25-s throttle of issue
 * 16 is gone (bench_fuse --cost, BENCHMARKS.md "fuse"); own tracks go in
 * only when they have a newer estimate; "is my track shared" is a binary
 * search in an index built with the picture, not a scan of every member.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/geo.h"
#include "node_int.h"

#define NS 1000000000ll
#define FUSE_MAX_TRACKS 2048  /* fused tracks (missiles and their duplicates): 20x the 100-missile salvo */
#define FUSE_MAX_ENTRIES 4096 /* launch candidates, latest predictions */
#define FUSE_MAX_PENDING 4096 /* partners' Track samples waiting for the pass's one ingest (full: ingested at once) */
/* pic_ok: an entry of the picture is */
#define PIC_NONE 0   /* not in it (no member) */
#define PIC_LIVE 1   /* at the node's time */
#define PIC_FALLEN 2 /* below ground at the node's time: its last state (mwx_fuse_get_last), kept
                        with its last prediction and alert until the fuser forgets it */
#define FREE_FLIGHT_MIN_H_M 30e3 /* assess.h: below 30 km on the way up every class still burns */

typedef struct fu_launch {
  char originator[MWX_NATION_LEN];
  int64_t seen_ns; /* node time it was last put */
  mwx_msg_launch l;
} fu_launch;

typedef struct fu_own_t { /* per tracker index: the estimate last given to the fuser */
  unsigned id;
  int64_t t_ns;
} fu_own_t;

typedef struct fu_pred { /* the node's latest prediction per global track */
  uint32_t gtn;
  int64_t made_ns;
  mwx_msg_impact ip;
} fu_pred;

typedef struct fu_own { /* own track id -> the picture entry holding it */
  unsigned track_id;
  size_t pic;
} fu_own;

struct node_fuse {
  mwx_fuser *fz;
  mwx_fuse_track *pic; /* the picture at pic_ns (pic_ok: PIC_*) */
  int *pic_ok;
  size_t n_pic, cap_pic;
  int64_t pic_ns;
  int dirty;           /* something went into the fuser since the picture was made */
  fu_own *own_ix;      /* sorted by track_id; rebuilt with the picture */
  size_t n_own_ix, cap_own_ix;
  fu_own_t *own_t;     /* per tracker index */
  size_t cap_own_t;
  int logged_full[3];  /* fuser, launches, predictions: the first refusal was logged */
  mwx_fuse_sample *rxq; /* partners' samples taken since the last ingest (checked) */
  size_t n_rxq;
  fu_launch *la;
  size_t n_la, cap_la;
  fu_pred *pred;
  size_t n_pred, cap_pred;
  mwx_fuse_sample *own;
  size_t cap_own;
  uint64_t unfusable; /* partners' Track samples the fuser refused (no covariance, ...) */
};

int node_fuse_open(mwx_node *n) {
  n->fu = calloc(1, sizeof *n->fu);
  if (!n->fu || !(n->fu->rxq = malloc(FUSE_MAX_PENDING * sizeof *n->fu->rxq))) {
    free(n->fu);
    n->fu = NULL;
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  }
  return mwx_fuse_create(NULL, &n->fu->fz);
}

void node_fuse_close(mwx_node *n) {
  if (!n->fu)
    return;
  mwx_fuse_destroy(n->fu->fz);
  free(n->fu->pic);
  free(n->fu->pic_ok);
  free(n->fu->la);
  free(n->fu->pred);
  free(n->fu->own);
  free(n->fu->own_ix);
  free(n->fu->own_t);
  free(n->fu->rxq);
  free(n->fu);
  n->fu = NULL;
}

/* A full table refused an entry: counted (NodeStatus overflows) and, the
 * first time per table, logged. */
static void overflow(mwx_node *n, int table, const char *what, size_t bound) {
  n->st.fused_dropped++;
  if (!n->fu->logged_full[table]) {
    n->fu->logged_full[table] = 1;
    fprintf(stderr, "mwx node %s: fused picture: %s full (%zu): refused, counted in overflows (logged once)\n",
            n->cfg.nation, what, bound);
  }
}

/* A LaunchEvent (own or a partner's): per source track the smallest ellipse. */
static void put_launch(mwx_node *n, struct node_fuse *f, const char *originator, const mwx_msg_launch *l) {
  for (size_t i = 0; i < f->n_la; i++)
    if (!strncmp(f->la[i].originator, originator, 3) && !strcmp(f->la[i].l.local_track_id, l->local_track_id)) {
      f->la[i].seen_ns = n->sim_ns;
      if (l->err_major_km < f->la[i].l.err_major_km)
        f->la[i].l = *l;
      return;
    }
  if (f->n_la == FUSE_MAX_ENTRIES) {
    overflow(n, 1, "launch candidates", FUSE_MAX_ENTRIES);
    return;
  }
  if (f->n_la == f->cap_la) {
    size_t nc = f->cap_la ? 2 * f->cap_la : 16;
    fu_launch *p = realloc(f->la, nc * sizeof *p);
    if (!p)
      return; /* the picture lacks a launch candidate; nothing else is affected */
    f->la = p;
    f->cap_la = nc;
  }
  fu_launch *e = &f->la[f->n_la++];
  memset(e, 0, sizeof *e);
  snprintf(e->originator, sizeof e->originator, "%.3s", originator);
  e->seen_ns = n->sim_ns;
  e->l = *l;
}

/* The predictions are sorted by gtn: lower bound. */
static size_t pred_pos(const struct node_fuse *f, uint32_t gtn) {
  size_t lo = 0, hi = f->n_pred;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->pred[mid].gtn < gtn)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* 1 if state x (ECEF m, m/s) is coming down inside the atmosphere (below
 * MWX_ASSESS_ENDO_APOGEE_KM): drag has taken part of its energy, and the
 * energy-equivalent range no longer classes it (a Hwasong-12 at re-entry
 * comes out an MRBM). */
static int endo_descent(const double x[6]) {
  mwx_geo_lla lla;
  if (!x || mwx_geo_lla_from_ecef(x, &lla)) {
    mwx_error_clear();
    return 0;
  }
  double up = 0;
  for (int i = 0; i < 3; i++)
    up += x[i] * x[3 + i];
  return up < 0 && lla.h_m < MWX_ASSESS_ENDO_APOGEE_KM * 1e3;
}

/* The latest prediction of global track gtn; endo: made from a state
 * coming down inside the atmosphere, whose class gives way to the one
 * made above it (the picture's class). */
static void put_pred(mwx_node *n, struct node_fuse *f, uint32_t gtn, int64_t made_ns, const mwx_msg_impact *ip,
                     int endo) {
  size_t k = pred_pos(f, gtn);
  if (k < f->n_pred && f->pred[k].gtn == gtn) {
    uint8_t cls = f->pred[k].ip.missile_class;
    f->pred[k].made_ns = made_ns;
    f->pred[k].ip = *ip;
    if (endo && cls != MWX_CLASS_UNKNOWN)
      f->pred[k].ip.missile_class = cls;
    return;
  }
  if (f->n_pred == FUSE_MAX_ENTRIES) {
    overflow(n, 2, "predictions", FUSE_MAX_ENTRIES);
    return;
  }
  if (f->n_pred == f->cap_pred) {
    size_t nc = f->cap_pred ? 2 * f->cap_pred : 16;
    fu_pred *p = realloc(f->pred, nc * sizeof *p);
    if (!p)
      return;
    f->pred = p;
    f->cap_pred = nc;
  }
  memmove(&f->pred[k + 1], &f->pred[k], (f->n_pred - k) * sizeof *f->pred);
  f->pred[k] = (fu_pred){gtn, made_ns, *ip};
  f->n_pred++;
}

static const fu_pred *get_pred(const struct node_fuse *f, uint32_t gtn) {
  size_t k = pred_pos(f, gtn);
  return k < f->n_pred && f->pred[k].gtn == gtn ? &f->pred[k] : NULL;
}

/* 1 if the fuser is full and the sample's source track is new to it. */
static int fuser_full(mwx_node *n, const char *originator, const char *local_id) {
  struct node_fuse *f = n->fu;
  if (mwx_fuse_count(f->fz) < FUSE_MAX_TRACKS)
    return 0;
  uint32_t g;
  if (!mwx_fuse_global_of(f->fz, originator, local_id, &g))
    return 0;
  mwx_error_clear();
  overflow(n, 0, "fused tracks", FUSE_MAX_TRACKS);
  return 1;
}

/* One ingest of samples s[0..k): the fuser's merge pass (every fused track
 * re-made) runs once for all of them.  Every sample was checked, so the
 * batch is refused only by what the check cannot see: then one at a time,
 * each refusal counted. */
static void ingest(mwx_node *n, mwx_fuse_sample *s, size_t k) {
  struct node_fuse *f = n->fu;
  if (!k)
    return;
  f->dirty = 1;
  if (!mwx_fuse_ingest(f->fz, s, k))
    return;
  mwx_error_clear();
  for (size_t i = 0; i < k; i++)
    if (mwx_fuse_ingest(f->fz, &s[i], 1)) {
      f->unfusable++;
      n->st.unfusable++;
      mwx_error_clear();
    }
}

/* The partners' samples taken since the last ingest, into the fuser. */
static void flush_rx(mwx_node *n) {
  struct node_fuse *f = n->fu;
  ingest(n, f->rxq, f->n_rxq);
  f->n_rxq = 0;
}

void node_fuse_rx(mwx_node *n, const mwx_msg *m) {
  struct node_fuse *f = n->fu;
  if (!f)
    return;
  if (m->topic == MWX_TOPIC_TRACK) {
    if (fuser_full(n, m->mark.originator, m->u.track.local_track_id))
      return;
    /* kept for the pass's one ingest (node_fuse_own / the refresh): a
       fuser ingest per sample re-made every fused track each time, the
       salvo's queueing (issue 16) */
    mwx_fuse_sample *s = &f->rxq[f->n_rxq];
    if (mwx_fuse_sample_from_msg(m, s) || mwx_fuse_sample_check(s)) {
      f->unfusable++; /* e.g. a Track whose covariance the partner's release rule removed */
      n->st.unfusable++;
      mwx_error_clear();
      return;
    }
    if (++f->n_rxq == FUSE_MAX_PENDING)
      flush_rx(n);
  } else if (m->topic == MWX_TOPIC_LAUNCH)
    put_launch(n, f, m->mark.originator, &m->u.launch);
}

void node_fuse_own_sample(mwx_node *n, const mwx_msg *m, const double x[6]) {
  struct node_fuse *f = n->fu;
  if (!f)
    return;
  if (m->topic == MWX_TOPIC_LAUNCH)
    put_launch(n, f, n->cfg.nation, &m->u.launch);
  else if (m->topic == MWX_TOPIC_IMPACT && m->u.impact.global_track_no)
    put_pred(n, f, m->u.impact.global_track_no, n->sim_ns, &m->u.impact, endo_descent(x));
}

static int cmp_own(const void *a, const void *b) {
  const fu_own *x = a, *y = b;
  return x->track_id < y->track_id ? -1 : x->track_id > y->track_id;
}

/* Own track id of a member local id "<NAT>-T<n>" of this nation, 0 if not. */
static unsigned own_id(const mwx_node *n, const char *orig, const char *local) {
  if (strncmp(orig, n->cfg.nation, 3) || strncmp(local, n->cfg.nation, 3) || local[3] != '-' || local[4] != 'T')
    return 0;
  char *end;
  unsigned long v = strtoul(local + 5, &end, 10);
  return *end || v == 0 || v > 0xffffffffu ? 0 : (unsigned)v;
}

/* Drops the ended entries: predictions whose fused track has left the
 * fuser or whose missile has fallen, launch candidates no fused track holds. */
static void prune(mwx_node *n) {
  struct node_fuse *f = n->fu;
  size_t w = 0;
  for (size_t i = 0; i < f->n_pred; i++) {
    /* a live missile's prediction until its impact time; a fallen one's
       (its last word) as long as the fuser holds the missile */
    int alive = 0;
    for (size_t k = 0; k < f->n_pic && !alive; k++)
      alive = f->pic_ok[k] != PIC_NONE && f->pic[k].global_track_no == f->pred[i].gtn;
    if (alive)
      f->pred[w++] = f->pred[i];
  }
  f->n_pred = w; /* still sorted */
  w = 0;
  for (size_t i = 0; i < f->n_la; i++) {
    uint32_t g;
    /* a partner's LaunchEvent may come before its first Track: kept a minute unheld */
    if (n->sim_ns - f->la[i].seen_ns < 60 * NS ||
        !mwx_fuse_global_of(f->fz, f->la[i].originator, f->la[i].l.local_track_id, &g))
      f->la[w++] = f->la[i];
    else
      mwx_error_clear();
  }
  f->n_la = w;
}

/* The picture at the node's time: made again only when the fuser took
 * something or the time moved. */
static int refresh(mwx_node *n) {
  struct node_fuse *f = n->fu;
  flush_rx(n);
  if (!f->dirty && n->sim_ns == f->pic_ns && f->n_pic == mwx_fuse_count(f->fz))
    return 0;
  size_t count = mwx_fuse_count(f->fz);
  if (count > f->cap_pic) {
    mwx_fuse_track *p = realloc(f->pic, count * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    f->pic = p;
    int *ok = realloc(f->pic_ok, count * sizeof *ok);
    if (!ok)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    f->pic_ok = ok;
    f->cap_pic = count;
  }
  f->n_pic = count;
  size_t n_own = 0;
  for (size_t i = 0; i < count; i++) {
    f->pic_ok[i] = PIC_LIVE;
    int fallen = mwx_fuse_get(f->fz, i, n->sim_ns, &f->pic[i]) != 0; /* below ground */
    if (!fallen && f->pic[i].method == MWX_FUSE_COAST) {
      /* nobody holds it and its latest prediction's impact time has passed */
      const fu_pred *p = get_pred(f, f->pic[i].global_track_no);
      fallen = p && p->ip.impact_time_ns <= n->sim_ns;
    }
    if (fallen) { /* its last state, not propagated */
      mwx_error_clear();
      f->pic_ok[i] = mwx_fuse_get_last(f->fz, i, &f->pic[i]) ? PIC_NONE : PIC_FALLEN;
      mwx_error_clear();
      continue;
    }
    for (int k = 0; k < f->pic[i].n_members && k < MWX_FUSE_MAX_MEMBERS; k++)
      n_own += own_id(n, f->pic[i].member_originator[k], f->pic[i].member_local_id[k]) != 0;
  }
  f->dirty = 0;
  /* the index own track id -> picture entry (for node_fuse_shared) */
  if (n_own > f->cap_own_ix) {
    fu_own *p = realloc(f->own_ix, n_own * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    f->own_ix = p;
    f->cap_own_ix = n_own;
  }
  f->n_own_ix = 0;
  for (size_t i = 0; i < count; i++)
    for (int k = 0; f->pic_ok[i] == PIC_LIVE && k < f->pic[i].n_members && k < MWX_FUSE_MAX_MEMBERS; k++) {
      unsigned id = own_id(n, f->pic[i].member_originator[k], f->pic[i].member_local_id[k]);
      if (id)
        f->own_ix[f->n_own_ix++] = (fu_own){id, i};
    }
  if (f->n_own_ix)
    qsort(f->own_ix, f->n_own_ix, sizeof *f->own_ix, cmp_own);
  /* ended entries: about once a sim second is enough */
  if (n->sim_ns / NS != f->pic_ns / NS || !f->pic_ns)
    prune(n);
  f->pic_ns = n->sim_ns;
  return 0;
}

int node_fuse_own(mwx_node *n) {
  struct node_fuse *f = n->fu;
  size_t count = mwx_track_count(n->tr);
  if (count + f->n_rxq > f->cap_own) {
    mwx_fuse_sample *p = realloc(f->own, (count + f->n_rxq) * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    f->own = p;
    f->cap_own = count + f->n_rxq;
  }
  /* the partners' samples since the last ingest and the own tracks' new
     estimates: one ingest */
  if (f->n_rxq)
    memcpy(f->own, f->rxq, f->n_rxq * sizeof *f->own);
  size_t k = f->n_rxq;
  f->n_rxq = 0;
  if (count > f->cap_own_t) {
    fu_own_t *p = realloc(f->own_t, count * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    memset(p + f->cap_own_t, 0, (count - f->cap_own_t) * sizeof *p);
    f->own_t = p;
    f->cap_own_t = count;
  }
  for (size_t i = 0; i < count; i++) {
    mwx_track_info in;
    if (mwx_track_get(n->tr, i, &in) || in.status != MWX_TRACK_CONFIRMED || in.coasting)
      continue;
    if (f->own_t[i].id == in.id && f->own_t[i].t_ns && in.t_last_ns <= f->own_t[i].t_ns)
      continue; /* not newer than the one the fuser holds (it would ignore it) */
    char id[MWX_ID_LEN];
    snprintf(id, sizeof id, "%s-T%u", n->cfg.nation, in.id);
    if (fuser_full(n, n->cfg.nation, id))
      continue;
    if (mwx_fuse_sample_from_track(n->cfg.nation, &in, &f->own[k]) || mwx_fuse_sample_check(&f->own[k])) {
      mwx_error_clear(); /* an estimate the fuser refuses stays out of the picture */
      f->own_t[i] = (fu_own_t){in.id, 0};
    } else {
      f->own_t[i] = (fu_own_t){in.id, in.t_last_ns};
      k++;
    }
  }
  ingest(n, f->own, k);
  return refresh(n);
}

static const mwx_fuse_track *holder(const mwx_node *n, unsigned track_id) {
  const struct node_fuse *f = n->fu;
  if (!f)
    return NULL;
  if (!f->n_own_ix)
    return NULL;
  fu_own key = {track_id, 0};
  const fu_own *e = bsearch(&key, f->own_ix, f->n_own_ix, sizeof *f->own_ix, cmp_own);
  return e ? &f->pic[e->pic] : NULL;
}

uint32_t node_fuse_gtn(const mwx_node *n, unsigned track_id) {
  if (!n->fu)
    return 0;
  char id[MWX_ID_LEN];
  snprintf(id, sizeof id, "%s-T%u", n->cfg.nation, track_id);
  uint32_t g = 0;
  if (mwx_fuse_global_of(n->fu->fz, n->cfg.nation, id, &g)) {
    mwx_error_clear();
    return 0;
  }
  return g;
}

static int is_shared(const mwx_node *n, const mwx_fuse_track *ft) {
  for (int c = 0; c < ft->n_contributors; c++)
    if (strncmp(ft->contributors[c], n->cfg.nation, 3))
      return 1;
  return 0;
}

int node_fuse_shared(const mwx_node *n, unsigned track_id) {
  const mwx_fuse_track *ft = holder(n, track_id);
  return ft && is_shared(n, ft) && !ft->boost; /* in boost the fused picture predicts nothing: own stands */
}

/* The best LaunchEvent (smallest 95% ellipse) among the members of ft. */
static const fu_launch *best_launch(const struct node_fuse *f, const mwx_fuse_track *ft) {
  const fu_launch *best = NULL;
  for (size_t i = 0; i < f->n_la; i++)
    for (int k = 0; k < ft->n_members && k < MWX_FUSE_MAX_MEMBERS; k++)
      if (!strncmp(f->la[i].originator, ft->member_originator[k], 3) &&
          !strcmp(f->la[i].l.local_track_id, ft->member_local_id[k]) &&
          (!best || f->la[i].l.err_major_km < best->l.err_major_km))
        best = &f->la[i];
  return best;
}

/* A fused prediction for a shared fused track in free flight. */
static int fused_prediction(mwx_node *n, const mwx_fuse_track *ft) {
  struct node_fuse *f = n->fu;
  if (ft->boost)
    return 0; /* no impact prediction while a member is powered (fuse.h) */
  mwx_geo_lla lla;
  if (mwx_geo_lla_from_ecef(ft->x, &lla)) {
    mwx_error_clear();
    return 0;
  }
  double up = 0;
  for (int i = 0; i < 3; i++)
    up += ft->x[i] * ft->x[3 + i];
  if (up > 0 && lla.h_m < FREE_FLIGHT_MIN_H_M)
    return 0;
  /* every impact_every_s; coasting (nobody holds it now): 6 times less often, as own tracks */
  const fu_pred *last = get_pred(f, ft->global_track_no);
  int64_t every = (int64_t)(n->cfg.impact_every_s * NS) * (ft->method == MWX_FUSE_COAST ? 6 : 1);
  if (last && n->sim_ns - last->made_ns < every)
    return 0;
  /* class from the energy-equivalent range of the fused state; drag of its typical vehicle */
  double er = 0;
  mwx_ballistic_class cls = MWX_CLASS_UNKNOWN;
  mwx_ballistic_vehicle veh;
  double beta = MWX_ASSESS_BETA_UNKNOWN_KGPM2; /* if the class is unknown */
  if (endo_descent(ft->x) && last && last->ip.missile_class != MWX_CLASS_UNKNOWN) {
    /* coming down inside the atmosphere: the class made above it stands
     * (endo_descent) */
    cls = (mwx_ballistic_class)last->ip.missile_class;
    if (!mwx_ballistic_vehicle_default(cls, &veh))
      beta = veh.beta_rv_kgpm2;
  } else if (!mwx_assess_energy_range(ft->x, &er)) {
    cls = mwx_assess_class_from_range(er);
    if (!mwx_ballistic_vehicle_default(cls, &veh))
      beta = veh.beta_rv_kgpm2;
  }
  mwx_error_clear();
  mwx_assess_point ap;
  if (mwx_assess_impact_beta(ft->x, ft->P, ft->t_ns, beta, MWX_ASSESS_BETA_SIGMA_LN, MWX_ASSESS_MAX_FLIGHT_S, &ap)) {
    mwx_error_clear();
    return 0;
  }
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_IMPACT, MWX_CLASSIF_SECRET);
  mwx_msg_impact *ip = &m->u.impact;
  ip->global_track_no = ft->global_track_no;
  snprintf(ip->local_track_id, MWX_ID_LEN, "%s-G%u", n->cfg.nation, ft->global_track_no);
  ip->time_ns = ft->t_ns;
  ip->impact_time_ns = ap.t_ns;
  ip->lat_deg = ap.lat_deg;
  ip->lon_deg = ap.lon_deg;
  ip->ell_major_km = ap.major_km;
  ip->ell_minor_km = ap.minor_km;
  ip->ell_orient_deg = ap.orient_deg;
  double apo = 0;
  int64_t apo_t = 0;
  if (!mwx_assess_apogee(ft->x, ft->t_ns, beta, &apo, &apo_t))
    ip->apogee_km = apo;
  mwx_error_clear();
  const fu_launch *bl = best_launch(f, ft);
  double d_m = 0;
  if (bl && !mwx_geo_inverse(bl->l.lat_deg, bl->l.lon_deg, ap.lat_deg, ap.lon_deg, &d_m, NULL, NULL))
    ip->range_km = d_m / 1e3;
  mwx_error_clear();
  /* a flight whose apogee stays inside the atmosphere is classed by the
   * range it flies, as the own assessment does (assess.c, assess.h
   * MWX_ASSESS_ENDO_APOGEE_KM: 2022-10-14's SRBM has a 1,600-km energy
   * range, an MRBM's, at 50 km apogee) */
  if (cls != MWX_CLASS_UNKNOWN && ip->apogee_km > 0 && ip->apogee_km < MWX_ASSESS_ENDO_APOGEE_KM && ip->range_km > 0)
    cls = mwx_assess_class_from_range(ip->range_km);
  ip->missile_class = (uint8_t)cls;
  ip->zone = MWX_ZONE_UNKNOWN;
  m->fields = 0; /* a fused product names no sensor */
  mwx_msg ipm = *m; /* the alert uses the scratch message */
  int rc = node_alert_impact(n, &ipm.u.impact, ft->x, ft->t_ns, beta, ft->boost, ft->n_sources, ft->sources);
  if (rc)
    return rc;
  put_pred(n, f, ft->global_track_no, n->sim_ns, &ipm.u.impact, endo_descent(ft->x));
  if ((rc = node_outq_push(n, MWX_NODE_EV_FUSED, "", &ipm, 0, ft->global_track_no, "")))
    return rc;
  return node_decide(n, &ipm, (uint8_t)cls, ft->n_sources, ft->sources);
}

int node_fuse_tick(mwx_node *n) {
  struct node_fuse *f = n->fu;
  int rc0 = refresh(n); /* with the partners' samples taken since the own tracks went in */
  if (rc0)
    return rc0;
  for (size_t i = 0; i < f->n_pic; i++) {
    if (f->pic_ok[i] != PIC_LIVE || !is_shared(n, &f->pic[i]))
      continue;
    int rc = fused_prediction(n, &f->pic[i]);
    if (rc)
      return rc;
  }
  return 0;
}

void mwx_node_fused_picture(const mwx_node *n, mwx_node_fused_fn fn, void *ctx) {
  if (!n || !fn || !n->fu)
    return;
  const struct node_fuse *f = n->fu;
  for (size_t i = 0; i < f->n_pic; i++) {
    if (f->pic_ok[i] == PIC_NONE)
      continue;
    const mwx_fuse_track *ft = &f->pic[i];
    mwx_node_fused_entry e;
    memset(&e, 0, sizeof e);
    e.fallen = f->pic_ok[i] == PIC_FALLEN;
    e.global_track_no = ft->global_track_no;
    e.n_members = ft->n_members < 16 ? ft->n_members : 16;
    for (int k = 0; k < e.n_members; k++)
      snprintf(e.member[k], MWX_ID_LEN, "%s", ft->member_local_id[k]);
    e.n_contributors = ft->n_contributors;
    memcpy(e.contributors, ft->contributors, sizeof e.contributors);
    e.shared = is_shared(n, ft);
    e.coasting = ft->method == MWX_FUSE_COAST;
    e.t_ns = ft->t_ns;
    mwx_geo_lla lla;
    if (!mwx_geo_lla_from_ecef(ft->x, &lla)) {
      e.lat_deg = lla.lat_deg;
      e.lon_deg = lla.lon_deg;
      e.h_m = lla.h_m;
    }
    const fu_launch *bl = best_launch(f, ft);
    if (bl) {
      e.has_launch = 1;
      memcpy(e.launch_from, bl->originator, MWX_NATION_LEN);
      e.launch = bl->l;
    }
    const fu_pred *p = get_pred(f, ft->global_track_no);
    if (p) {
      e.has_impact = 1;
      e.impact = p->ip;
    }
    e.has_alert = node_alert_latest(n, ft->global_track_no, &e.alert, &e.alert_active);
    fn(ctx, &e);
  }
}
