/*
 * fusepic.c - the node's fused picture (mwx/fuse.h, docs/fusion.md "Wiring
 * fuse into the node"; docs/architecture.md "Threads").
 *
 *   receive path (rx.c, after the replay / signature checks and the
 *   journal record): a partner's Track -> kept for the next fusion pass;
 *   its LaunchEvent -> the launch candidates.
 *   each step, before the node makes its samples (node_fuse_own): a pass
 *   - the kept partners' samples and its own confirmed tracks' new
 *   estimates into the fuser in one ingest, then the picture: one entry
 *   per fused track at the pass's time (a fallen missile - below ground, or
 *   nobody holds it and its latest prediction's impact time has passed -
 *   keeps its last state, its last prediction and alert, until the fuser
 *   forgets it), the index of the own tracks, and the number map (every
 *   source track -> its global track number).  Every Track, LaunchEvent
 *   and ImpactPrediction the node publishes carries the number of its
 *   track in the loop's picture (0 until a pass holding the track is back).
 *   each step, after (node_fuse_tick): a fused track that holds a
 *   partner's contribution is "shared": the node's prediction for that
 *   missile is the fused one (its own tracks of it make none), made every
 *   impact_every_s from the fused state, local track id "<NAT>-G<global
 *   number>" (the mark of a fused product), zone and alert from it
 *   (alerting.c), released under the third-party rule with the markings of
 *   the samples that made it (release.h).
 *
 * Threads and ownership (issues 15, 16).  A pass costs 1-1,300 ms in a
 * 100-missile salvo (BENCHMARKS.md "rt, fourth session"), too long for the
 * loop, which also releases every other track and serves the web page.
 *   speed 0 (mwx run, mwx replay, tests stepping the node): no thread; the
 *     pass runs in line on the loop thread when it is due, so that the
 *     samples made after it carry the numbers it gave - the same result
 *     every run, and the same as before the worker existed.
 *   speed > 0: the fusion worker (fusework.c: one thread, started by
 *     node_open) owns the fuser from then on; the loop never calls it.  The
 *     loop fills a job (samples, time, the predictions' impact times) while
 *     the worker is idle and hands it over (FW_QUEUED) at a step and, since
 *     issue 15's tenth session, as soon as something waits (fuse_kick: a
 *     partner's sample taken, a pass taken back, a step whose hand-over found
 *     the budget spent: when it is back); the worker's token takes
 *     the finished pass back in the loop's next batch (FW_DONE): the new
 *     picture becomes the loop's, the old one the buffer of the next pass,
 *     and the swap is a node event (MWX_NODE_EV_PICTURE) that the web
 *     picture pushes at once.  Two pictures, each written by one pass and
 *     read by the loop only once handed back: nothing is shared while the
 *     worker runs but the state word under its mutex.  The worker runs on
 *     a time budget (FUSE_BURST_NS, refilled at half the time that passes:
 *     at most half a core over any long stretch; short passes run back to
 *     back), so a costly fuser makes the picture older (mwx_node_stats
 *     fuse_picture_age_ms) instead of delaying every sample; what arrives
 *     meanwhile waits for the next pass.
 *   Everything else here (the launch candidates, the latest predictions,
 *   the loop's picture, mwx_node_fused_picture for the web page and mwxd)
 *   is the loop thread's.
 *
 * Bounds (docs/architecture.md "Bounds"): the fuser takes no new source
 * track once it holds FUSE_MAX_TRACKS fused tracks (samples of the tracks
 * it holds still go in); the launch candidates and the latest predictions
 * hold at most FUSE_MAX_ENTRIES each; the partners' samples waiting for a
 * pass at most FUSE_MAX_PENDING (in line: a full queue goes into the fuser
 * at once; with the worker busy: the sample is left out of the picture).
 * What a full table refuses is counted (mwx_node_stats.fused_dropped, part
 * of NodeStatus overflows) and logged once per table.  Ended entries are
 * pruned: a prediction whose fused track has left the fuser, or whose
 * missile has fallen (impact time passed), and a launch candidate whose
 * source track no fused track holds any more (a minute after it was last
 * put).
 *
 * Cost per pass (issues 16, 13): the fuser is incremental (fuse_assoc.c:
 * only what changed is tested again), so the ingest and the picture (every
 * fused track propagated to the pass's time) are made every pass that has
 * something new or a new time; own tracks go in only when they have a
 * newer estimate; "is my track shared" and "its global number" are binary
 * searches in the picture, not scans of the fuser.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/geo.h"
#include "mwx/net.h"
#include "fusepic_int.h"

#define NS FUSE_NS
#define FUSE_MAX_ENTRIES 4096 /* launch candidates, latest predictions */
#define FUSE_MAX_PENDING 4096 /* partners' Track samples waiting for the next pass (full: see node_fuse_rx) */
#define FUSE_REFRESH_NS (NS / 4) /* worker: a pass for the time alone when the picture is 0.25 sim s old */
#define FREE_FLIGHT_MIN_H_M 30e3 /* assess.h: below 30 km on the way up every class still burns */
/* logged_full[]: the tables whose first refusal was logged */
enum { FULL_FUSER = 0, FULL_LAUNCHES = 1, FULL_PREDICTIONS = 2, FULL_PENDING = 3 };

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

/* The picture's versions (mwx_node_fused_picture_since): per global track
 * the version at which what the picture says of it last changed - its
 * newest member sample, members, contributors, method, fallen, best launch
 * point, latest prediction, alert - but not its position at a new pass's
 * time alone.  Sorted by gtn.  An entry that left the picture stays as a
 * tombstone (ok PIC_NONE) for FU_STAMP_KEEP_NS of sim time so that a
 * caller behind learns it is gone; a caller older than the newest
 * forgotten tombstone (ver_floor) must read the whole picture. */
typedef struct fu_stamp {
  uint32_t gtn;
  int ok;               /* PIC_* at the last picture; PIC_NONE: gone (tombstone) */
  int n_members, method;
  uint8_t n_contributors;
  uint32_t ids_hash;    /* FNV-1a of the members' and contributors' names */
  int64_t t_last_sample_ns;
  int64_t gone_ns;      /* tombstone: sim time it left */
  uint64_t ver;
  uint64_t full_ver;    /* the version at which anything but its newest member sample last changed
                           (<= ver): a caller at or after it is given the entry moved (its state and
                           members, no launch point, prediction or alert looked up) */
  int mark;             /* scratch: in the picture being stamped */
} fu_stamp;
#define FU_STAMP_KEEP_NS (60 * FUSE_NS)

struct node_fuse {
  /* the fuser: the worker's (f->w set: the loop never touches it), else
     the loop's; freed by close after the worker has stopped */
  mwx_fuser *fz;
  fu_worker *w;         /* NULL: passes run in line (speed 0) */
  fu_job job;
  fu_pic pics[2];
  fu_pic *cur;          /* the loop's picture; the other one is job.pic */
  int dirty;            /* in line: an ingest-only pass ran since the picture was made */
  fu_budget budget;     /* worker: a hand-over only while it is positive (fusework.c) */
  uint64_t passes;
  int64_t pass_max_ns, pass_cpu_ns;
  /* the loop's own tables (loop thread only) */
  fu_own_t *own_t;      /* per tracker index */
  size_t cap_own_t;
  int logged_full[4];   /* FULL_*: the first refusal was logged */
  mwx_fuse_sample *rxq; /* partners' samples taken since the last hand-over (checked) */
  size_t n_rxq;
  int64_t rxq_first_mono_ns; /* when the loop took the first of them (0: none) */
  /* worker: the hand-over timer (fuse_kick): a pass handed over as soon as
     the worker is idle and has budget, not at the next step */
  uint64_t kick_timer;
  int64_t kick_due_mono_ns;
  fu_launch *la;
  size_t n_la, cap_la;
  fu_pred *pred;
  size_t n_pred, cap_pred;
  fu_stamp *stamp;      /* the picture's versions, sorted by gtn */
  size_t n_stamp, cap_stamp;
  uint64_t ver;         /* the picture's version: the newest stamp's */
  uint64_t ver_floor;   /* the newest version of a forgotten tombstone (0: none forgotten) */
  uint64_t unfusable;   /* partners' Track samples the fuser refused (no covariance, ...) */
};

/* ---- the loop's side ------------------------------------------------------- */

int node_fuse_open(mwx_node *n) {
  n->fu = calloc(1, sizeof *n->fu);
  if (!n->fu || !(n->fu->rxq = malloc(FUSE_MAX_PENDING * sizeof *n->fu->rxq))) {
    free(n->fu);
    n->fu = NULL;
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  }
  n->fu->cur = &n->fu->pics[0];
  n->fu->job.pic = &n->fu->pics[1];
  return mwx_fuse_create(NULL, &n->fu->fz);
}

int node_fuse_start(mwx_node *n) {
  struct node_fuse *f = n->fu;
  if (!f || f->w || !f->fz)
    return 0;
  return fu_worker_start(n->loop, f->fz, n->cfg.nation, &f->job, n->cfg.test_fuse_min_ms, n->cfg.batch_nice,
                         n->cfg.batch_sched, &f->w);
}

void node_fuse_stop(mwx_node *n) {
  struct node_fuse *f = n->fu;
  if (!f || !f->w)
    return;
  fu_worker_stop(f->w);
  f->w = NULL; /* the fuser is the closing thread's now */
}

static void pic_free(fu_pic *p) {
  free(p->e);
  free(p->ok);
  free(p->own_ix);
  free(p->keys);
}

void node_fuse_close(mwx_node *n) {
  if (!n->fu)
    return;
  node_fuse_stop(n);
  mwx_fuse_destroy(n->fu->fz);
  pic_free(&n->fu->pics[0]);
  pic_free(&n->fu->pics[1]);
  free(n->fu->job.s);
  free(n->fu->job.fall);
  free(n->fu->la);
  free(n->fu->pred);
  free(n->fu->stamp);
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

static uint32_t pic_gtn(const fu_pic *p, const char *originator, const char *local_id);

/* ---- the picture's versions (fu_stamp) ---- */

static size_t stamp_pos(const struct node_fuse *f, uint32_t gtn) {
  return fu_gtn_lower_bound(f->stamp, f->n_stamp, sizeof *f->stamp, offsetof(fu_stamp, gtn), gtn);
}

/* The stamp of gtn, or NULL. */
static fu_stamp *stamp_get(const struct node_fuse *f, uint32_t gtn) {
  size_t k = stamp_pos(f, gtn);
  return k < f->n_stamp && f->stamp[k].gtn == gtn ? &f->stamp[k] : NULL;
}

/* Something the picture says of global track gtn other than its state
 * changed (a launch point, a prediction, an alert): a new version. */
static void stamp_touch(struct node_fuse *f, uint32_t gtn) {
  fu_stamp *s = gtn ? stamp_get(f, gtn) : NULL;
  if (s && s->ok != PIC_NONE)
    s->ver = s->full_ver = ++f->ver;
}

void node_fuse_touch(mwx_node *n, uint32_t gtn) {
  if (n->fu)
    stamp_touch(n->fu, gtn);
}

static uint32_t ids_hash(const mwx_fuse_track *ft) {
  uint32_t h = 2166136261u;
  for (int k = 0; k < ft->n_members && k < MWX_FUSE_MAX_MEMBERS; k++) {
    for (const unsigned char *c = (const unsigned char *)ft->member_local_id[k]; *c; c++)
      h = (h ^ *c) * 16777619u;
    h = (h ^ '|') * 16777619u;
  }
  for (int k = 0; k < ft->n_contributors && k < MWX_MAX_NATIONS; k++)
    for (int i = 0; i < MWX_NATION_LEN && ft->contributors[k][i]; i++)
      h = (h ^ (unsigned char)ft->contributors[k][i]) * 16777619u;
  return h;
}

/* After the loop's picture became a new pass's: a new version for every
 * entry whose state (but its time) changed, that came or left; tombstones
 * older than FU_STAMP_KEEP_NS forgotten. */
static void stamp_picture(mwx_node *n) {
  struct node_fuse *f = n->fu;
  const fu_pic *p = f->cur;
  uint64_t v = 0; /* this picture's version, taken at its first change */
  for (size_t i = 0; i < f->n_stamp; i++)
    f->stamp[i].mark = 0;
  for (size_t i = 0; i < p->n; i++) {
    if (p->ok[i] == PIC_NONE)
      continue;
    const mwx_fuse_track *ft = &p->e[i];
    size_t k = stamp_pos(f, ft->global_track_no);
    fu_stamp *s = k < f->n_stamp && f->stamp[k].gtn == ft->global_track_no ? &f->stamp[k] : NULL;
    if (!s) {
      if (f->n_stamp == f->cap_stamp) {
        size_t nc = f->cap_stamp ? 2 * f->cap_stamp : 64;
        fu_stamp *q = realloc(f->stamp, nc * sizeof *q);
        if (!q) { /* no version for it: every caller reads it as changed at every picture */
          f->ver_floor = f->ver + 1;
          continue;
        }
        f->stamp = q;
        f->cap_stamp = nc;
      }
      memmove(&f->stamp[k + 1], &f->stamp[k], (f->n_stamp - k) * sizeof *f->stamp);
      f->n_stamp++;
      s = &f->stamp[k];
      memset(s, 0, sizeof *s);
      s->gtn = ft->global_track_no;
      s->ok = -1; /* (differs from every state: a new version below) */
    }
    s->mark = 1;
    uint32_t h = ids_hash(ft);
    if (s->ok != p->ok[i] || s->n_members != ft->n_members || s->n_contributors != ft->n_contributors ||
        s->method != (int)ft->method || s->ids_hash != h) {
      s->ok = p->ok[i];
      s->t_last_sample_ns = ft->t_last_sample_ns;
      s->n_members = ft->n_members;
      s->n_contributors = ft->n_contributors;
      s->method = (int)ft->method;
      s->ids_hash = h;
      s->ver = s->full_ver = v ? v : (v = ++f->ver);
    } else if (s->t_last_sample_ns != ft->t_last_sample_ns) { /* moved by its newest member sample alone */
      s->t_last_sample_ns = ft->t_last_sample_ns;
      s->ver = v ? v : (v = ++f->ver);
    }
  }
  int64_t now = node_sim_now_ns(n);
  size_t w = 0;
  for (size_t i = 0; i < f->n_stamp; i++) {
    fu_stamp *s = &f->stamp[i];
    if (!s->mark && s->ok != PIC_NONE) { /* left the picture */
      s->ok = PIC_NONE;
      s->gone_ns = now;
      s->ver = s->full_ver = v ? v : (v = ++f->ver);
    }
    if (!s->mark && s->ok == PIC_NONE && now - s->gone_ns >= FU_STAMP_KEEP_NS) {
      if (s->ver > f->ver_floor)
        f->ver_floor = s->ver;
      continue; /* forgotten */
    }
    f->stamp[w++] = *s;
  }
  f->n_stamp = w; /* still sorted */
}

/* A LaunchEvent (own or a partner's): per source track the smallest ellipse. */
static void put_launch(mwx_node *n, struct node_fuse *f, const char *originator, const mwx_msg_launch *l) {
  for (size_t i = 0; i < f->n_la; i++)
    if (!strncmp(f->la[i].originator, originator, 3) && !strcmp(f->la[i].l.local_track_id, l->local_track_id)) {
      f->la[i].seen_ns = n->sim_ns;
      if (l->err_major_km < f->la[i].l.err_major_km) {
        f->la[i].l = *l;
        stamp_touch(f, pic_gtn(f->cur, f->la[i].originator, l->local_track_id));
      }
      return;
    }
  if (f->n_la == FUSE_MAX_ENTRIES) {
    overflow(n, FULL_LAUNCHES, "launch candidates", FUSE_MAX_ENTRIES);
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
  stamp_touch(f, pic_gtn(f->cur, e->originator, l->local_track_id));
}

/* fusepic_int.h */
size_t fu_gtn_lower_bound(const void *base, size_t n, size_t size, size_t off, uint32_t gtn) {
  const unsigned char *b = base;
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint32_t g;
    memcpy(&g, b + mid * size + off, sizeof g);
    if (g < gtn)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The predictions are sorted by gtn: lower bound. */
static size_t pred_pos(const struct node_fuse *f, uint32_t gtn) {
  return fu_gtn_lower_bound(f->pred, f->n_pred, sizeof *f->pred, offsetof(fu_pred, gtn), gtn);
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
    stamp_touch(f, gtn);
    return;
  }
  if (f->n_pred == FUSE_MAX_ENTRIES) {
    overflow(n, FULL_PREDICTIONS, "predictions", FUSE_MAX_ENTRIES);
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
  stamp_touch(f, gtn);
}

static const fu_pred *get_pred(const struct node_fuse *f, uint32_t gtn) {
  size_t k = pred_pos(f, gtn);
  return k < f->n_pred && f->pred[k].gtn == gtn ? &f->pred[k] : NULL;
}

/* The global number of source track (originator, local id) in the loop's
 * picture; 0 if it holds none. */
static uint32_t pic_gtn(const fu_pic *p, const char *originator, const char *local_id) {
  if (!p->n_keys)
    return 0;
  fu_key k;
  memset(&k, 0, sizeof k);
  snprintf(k.orig, sizeof k.orig, "%s", originator);
  snprintf(k.id, sizeof k.id, "%s", local_id);
  const fu_key *e = bsearch(&k, p->keys, p->n_keys, sizeof *p->keys, fu_key_cmp);
  return e ? e->gtn : 0;
}

/* Drops the ended entries: predictions whose fused track has left the
 * fuser or whose missile has fallen, launch candidates no fused track holds. */
static void prune(mwx_node *n) {
  struct node_fuse *f = n->fu;
  const fu_pic *p = f->cur;
  size_t w = 0;
  for (size_t i = 0; i < f->n_pred; i++) {
    /* a live missile's prediction until its impact time; a fallen one's
       (its last word) as long as the fuser holds the missile */
    int alive = 0;
    for (size_t k = 0; k < p->n && !alive; k++)
      alive = p->ok[k] != PIC_NONE && p->e[k].global_track_no == f->pred[i].gtn;
    if (alive)
      f->pred[w++] = f->pred[i];
    else if (n->net) {
      /* its fused prediction's DDS instance, if one was published, is
         unregistered: the writers' history keeps no instance the node no
         longer holds (the own tracks': node_tracks.c trk_forget) */
      char name[MWX_ID_LEN];
      snprintf(name, sizeof name, "%s-G%u", n->cfg.nation, f->pred[i].gtn);
      if (mwx_net_forget(n->net, name, NULL))
        mwx_error_clear();
    }
  }
  f->n_pred = w; /* still sorted */
  w = 0;
  for (size_t i = 0; i < f->n_la; i++)
    /* a partner's LaunchEvent may come before its first Track: kept a minute unheld */
    if (n->sim_ns - f->la[i].seen_ns < 60 * NS || pic_gtn(p, f->la[i].originator, f->la[i].l.local_track_id))
      f->la[w++] = f->la[i];
  f->n_la = w;
}

/* Fills the job (the loop owns it): the partners' samples kept since the
 * last pass, with own: the own confirmed tracks' estimates newer than the
 * ones the fuser holds; the picture's time; the predictions' impact times. */
static int job_fill(mwx_node *n, int own, int picture) {
  struct node_fuse *f = n->fu;
  fu_job *j = &f->job;
  size_t count = own ? mwx_track_count(n->tr) : 0;
  if (count + f->n_rxq > j->cap) {
    mwx_fuse_sample *p = realloc(j->s, (count + f->n_rxq) * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    j->s = p;
    j->cap = count + f->n_rxq;
  }
  if (f->n_pred > j->cap_fall) {
    fu_fall *p = realloc(j->fall, f->n_pred * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    j->fall = p;
    j->cap_fall = f->n_pred;
  }
  if (count > f->cap_own_t) {
    fu_own_t *p = realloc(f->own_t, count * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "node: out of memory");
    memset(p + f->cap_own_t, 0, (count - f->cap_own_t) * sizeof *p);
    f->own_t = p;
    f->cap_own_t = count;
  }
  if (f->n_rxq)
    memcpy(j->s, f->rxq, f->n_rxq * sizeof *j->s);
  size_t k = f->n_rxq;
  j->n_partner = f->n_rxq;
  j->oldest_mono_ns = f->n_rxq ? f->rxq_first_mono_ns : 0;
  f->n_rxq = 0;
  f->rxq_first_mono_ns = 0;
  for (size_t i = 0; i < count; i++) {
    mwx_track_info in;
    if (mwx_track_get(n->tr, i, &in) || in.status != MWX_TRACK_CONFIRMED || in.coasting)
      continue;
    if (f->own_t[i].id == in.id && f->own_t[i].t_ns && in.t_last_ns <= f->own_t[i].t_ns)
      continue; /* not newer than the one the fuser holds (it would ignore it) */
    if (mwx_fuse_sample_from_track(n->cfg.nation, &in, &j->s[k]) || mwx_fuse_sample_check(&j->s[k])) {
      mwx_error_clear(); /* an estimate the fuser refuses stays out of the picture */
      f->own_t[i] = (fu_own_t){in.id, 0};
    } else {
      f->own_t[i] = (fu_own_t){in.id, in.t_last_ns};
      k++;
    }
  }
  j->n = k;
  /* the picture's time: with the worker the clock's now, not the last
     step's (which may be 250 ms old between steps: a partner's sample then
     went into a picture propagated back to before it was taken, at the
     same time as the last picture - the web picture saw nothing move until
     the next step's pass; BENCHMARKS.md "issue 15, tenth session").  In
     line the step's time (the same result every run). */
  j->t_ns = f->w ? node_sim_now_ns(n) : n->sim_ns;
  if (j->t_ns < n->sim_ns)
    j->t_ns = n->sim_ns;
  j->picture = picture;
  for (size_t i = 0; i < f->n_pred; i++)
    j->fall[i] = (fu_fall){f->pred[i].gtn, f->pred[i].ip.impact_time_ns};
  j->n_fall = f->n_pred;
  return 0;
}

/* The job's output, on the loop (it owns the job again): the counts; the
 * new picture becomes the loop's (the old one the next pass's buffer);
 * ended entries pruned once a sim second. */
static int job_take(mwx_node *n) {
  struct node_fuse *f = n->fu;
  fu_job *j = &f->job;
  f->unfusable += j->unfusable;
  n->st.unfusable += j->unfusable;
  for (uint64_t i = 0; i < j->full; i++)
    overflow(n, FULL_FUSER, "fused tracks", FUSE_MAX_TRACKS);
  j->unfusable = j->full = 0;
  f->passes++;
  f->pass_cpu_ns += j->cpu_ns;
  if (j->wall_ns > f->pass_max_ns)
    f->pass_max_ns = j->wall_ns;
  if (!j->picture) {
    f->dirty = 1;
    return 0;
  }
  if (j->rc) {
    f->dirty = 1; /* the loop keeps its picture; the next pass makes it again */
    return mwx_error_set(j->rc, "node: out of memory");
  }
  fu_pic *old = f->cur;
  f->cur = j->pic;
  j->pic = old;
  f->dirty = 0;
  if (f->cur->t_ns / NS != old->t_ns / NS || !old->t_ns)
    prune(n); /* ended entries: about once a sim second is enough */
  stamp_picture(n);
  return 0;
}

/* MWX_NODE_EV_PICTURE (node.h): the worker's pass j is the loop's picture
 * now; its wait, duration and take-back, for the web picture (which pushes
 * the changes at once) and the benches.  Every input of the pass was taken
 * in an earlier loop pass than this one, whose commit has returned. */
static void picture_event(mwx_node *n, const fu_job *j) {
  int64_t now = mwx_node_mono_ns();
  mwx_node_event ev = {0};
  ev.kind = MWX_NODE_EV_PICTURE;
  ev.item = n->fu->passes;
  ev.pass.samples = j->n;
  ev.pass.partners = j->n_partner;
  ev.pass.wait_ms = j->oldest_mono_ns ? (double)(j->start_mono_ns - j->oldest_mono_ns) / 1e6 : -1;
  ev.pass.pass_ms = (double)j->wall_ns / 1e6;
  ev.pass.take_ms = (double)(now - j->end_mono_ns) / 1e6;
  ev.latency_ms = ev.pass.wait_ms;
  ev.recv_latency_ms = ev.pass.pass_ms;
  snprintf(ev.detail, sizeof ev.detail, "samples=%zu partners=%zu wait_ms=%.2f pass_ms=%.2f take_ms=%.2f", j->n,
           j->n_partner, ev.pass.wait_ms, ev.pass.pass_ms, ev.pass.take_ms);
  node_emit(n, &ev);
}

/* The worker's finished pass, if any, taken back (the loop owns the job
 * again); its wall time is spent from the budget. */
static int worker_take(mwx_node *n) {
  struct node_fuse *f = n->fu;
  if (fu_worker_state(f->w) != FW_DONE)
    return 0;
  const fu_pic *before = f->cur;
  int rc = job_take(n);
  fu_budget_spend(&f->budget, &f->job);
  fu_worker_set(f->w, FW_IDLE);
  if (f->cur != before)
    picture_event(n, &f->job);
  return rc;
}

static int fuse_sync(mwx_node *n, int own);

static int64_t kick_fn(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_node *n = ctx;
  n->fu->kick_timer = 0;
  if (fuse_sync(n, 1))
    mwx_error_clear(); /* out of memory: the next step tries again */
  return MWX_NODE_TIMER_DONE;
}

/* Worker: arms the hand-over timer for when the worker is idle and has
 * budget (now: it runs after the loop pass's hand-over batch, so every
 * sample of the batch goes into one pass; else when the budget is back).
 * A busy worker needs none: taking its pass back kicks again.  Without
 * it a partner's sample (or an own track's estimate) waited for the next
 * step to be handed over. */
static void fuse_kick(mwx_node *n) {
  struct node_fuse *f = n->fu;
  if (!f->w || !n->loop || fu_worker_state(f->w) != FW_IDLE)
    return;
  int64_t now = mwx_node_mono_ns();
  int64_t b = fu_budget_refill(&f->budget, now);
  int64_t delay = b > 0 ? 0 : 2 * -b + 1000000; /* refilled at half the time that passes */
  if (f->kick_timer && f->kick_due_mono_ns <= now + delay)
    return;
  if (f->kick_timer)
    mwx_node_loop_timer_del(n->loop, f->kick_timer);
  f->kick_timer = 0;
  if (mwx_node_loop_timer_add(n->loop, delay, kick_fn, n, &f->kick_timer))
    mwx_error_clear(); /* no timer: the next step hands it over */
  else
    f->kick_due_mono_ns = now + delay;
}

/* A pass if one is due.  In line (speed 0): now, so that the samples made
 * after it carry the numbers it gives (the same result every run).  With
 * the worker: its finished pass taken back; a new one handed over when the
 * worker is idle and its time budget is positive (FUSE_BURST_NS). */
static int fuse_sync(mwx_node *n, int own) {
  struct node_fuse *f = n->fu;
  if (!f->w) {
    int rc = job_fill(n, own, 1);
    if (rc)
      return rc;
    if (!f->job.n && !f->dirty && f->cur->t_ns == n->sim_ns && f->cur->t_ns)
      return 0; /* nothing new, same time: the picture stands */
    fu_pass_run(f->fz, n->cfg.nation, &f->job);
    return job_take(n);
  }
  int rc = worker_take(n);
  if (fu_worker_state(f->w) != FW_IDLE)
    return rc; /* taking its pass back kicks (node_fuse_taken) */
  if (fu_budget_refill(&f->budget, mwx_node_mono_ns()) <= 0) {
    /* out of budget: what waits (the own tracks' new estimates of this
       step, whose Track samples come next; partners' samples) is handed
       over when the budget is back, not at the next step (issue 15,
       eleventh session: own Track events waited > 100 ms for it) */
    fuse_kick(n);
    return rc;
  }
  int rc2 = job_fill(n, 1, 1);
  if (rc2)
    return rc ? rc : rc2;
  /* new samples, or the picture's time FUSE_REFRESH_NS behind: a pass for
     the time alone at every step would keep the worker and the loop
     trading passes as fast as they can */
  if (f->job.n || f->job.t_ns - f->cur->t_ns >= FUSE_REFRESH_NS || !f->cur->t_ns)
    fu_worker_set(f->w, FW_QUEUED);
  return rc;
}

int node_fuse_ready(const mwx_node *n) {
  const struct node_fuse *f = n->fu;
  return f && f->w && fu_worker_state(f->w) == FW_DONE;
}

void node_fuse_taken(mwx_node *n) {
  if (!n->fu || !n->fu->w)
    return;
  if (worker_take(n))
    mwx_error_clear(); /* out of memory: the loop keeps its picture, the next pass makes it again */
  fuse_kick(n); /* what waits goes in at once (after this batch), not at the next step */
}

void node_fuse_rx(mwx_node *n, const mwx_msg *m) {
  struct node_fuse *f = n->fu;
  if (!f)
    return;
  if (m->topic == MWX_TOPIC_TRACK) {
    if (f->n_rxq == FUSE_MAX_PENDING) { /* with the worker: it was busy at the last sample */
      if (fuse_sync(n, 1))
        mwx_error_clear();
      if (f->n_rxq == FUSE_MAX_PENDING) { /* still busy (or out of budget): lost to the picture */
        overflow(n, FULL_PENDING, "pending samples", FUSE_MAX_PENDING);
        return;
      }
    }
    /* kept for the next pass: a fuser ingest per sample re-made every
       fused track each time, the salvo's queueing (issue 16) */
    mwx_fuse_sample *s = &f->rxq[f->n_rxq];
    if (mwx_fuse_sample_from_msg(m, s) || mwx_fuse_sample_check(s)) {
      f->unfusable++; /* e.g. a Track whose covariance the partner's release rule removed */
      n->st.unfusable++;
      mwx_error_clear();
      return;
    }
    if (!f->n_rxq)
      f->rxq_first_mono_ns = mwx_node_mono_ns();
    if (++f->n_rxq < FUSE_MAX_PENDING) {
      fuse_kick(n);
      return;
    }
    if (!f->w) { /* in line: into the fuser at once (the picture at the next pass) */
      if (job_fill(n, 0, 0)) {
        mwx_error_clear();
        f->n_rxq--;
        overflow(n, FULL_PENDING, "pending samples", FUSE_MAX_PENDING);
        return;
      }
      fu_pass_run(f->fz, n->cfg.nation, &f->job);
      job_take(n);
    } else if (fuse_sync(n, 1)) /* handed over at once if the worker is idle and has budget */
      mwx_error_clear();
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

int node_fuse_own(mwx_node *n) {
  /* the partners' samples since the last pass and the own tracks' new
     estimates: one ingest */
  return fuse_sync(n, 1);
}

static const mwx_fuse_track *holder(const mwx_node *n, unsigned track_id) {
  const struct node_fuse *f = n->fu;
  if (!f || !f->cur->n_own_ix)
    return NULL;
  fu_own key = {track_id, 0};
  const fu_own *e = bsearch(&key, f->cur->own_ix, f->cur->n_own_ix, sizeof *f->cur->own_ix, fu_own_cmp);
  return e ? &f->cur->e[e->pic] : NULL;
}

uint32_t node_fuse_gtn(const mwx_node *n, unsigned track_id) {
  if (!n->fu)
    return 0;
  char id[MWX_ID_LEN];
  snprintf(id, sizeof id, "%s-T%u", n->cfg.nation, track_id);
  return pic_gtn(n->fu->cur, n->cfg.nation, id);
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

void node_fuse_stats(const mwx_node *n, mwx_node_stats *s) {
  const struct node_fuse *f = n->fu;
  if (!f)
    return;
  s->fuse_worker = f->w != NULL;
  s->fuse_passes = f->passes;
  s->fuse_pass_max_ms = (double)f->pass_max_ns / 1e6;
  s->fuse_cpu_ms = (double)f->pass_cpu_ns / 1e6;
  s->fuse_picture_age_ms = f->cur->t_ns ? (double)(node_sim_now_ns(n) - f->cur->t_ns) / 1e6 : -1;
}

static size_t pic_bytes(const fu_pic *p) {
  return p->cap * (sizeof *p->e + sizeof *p->ok) + p->cap_own_ix * sizeof *p->own_ix + p->cap_keys * sizeof *p->keys;
}

void node_fuse_mem(const mwx_node *n, uint64_t *fuser_bytes, uint64_t *tables_bytes) {
  const struct node_fuse *f = n->fu;
  *fuser_bytes = *tables_bytes = 0;
  if (!f)
    return;
  *fuser_bytes = f->cur->fuser_bytes;
  /* the loop's own tables and job (the loop resizes them), and the loop's
     picture twice: the spare one may be the worker's now (not read: it
     resizes it), and is made by the same passes, so about as large */
  *tables_bytes = sizeof *f + f->cap_own_t * sizeof *f->own_t + FUSE_MAX_PENDING * sizeof *f->rxq +
                  f->cap_la * sizeof *f->la + f->cap_pred * sizeof *f->pred + f->job.cap * sizeof *f->job.s +
                  f->job.cap_fall * sizeof *f->job.fall + 2 * pic_bytes(f->cur);
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
  int rc0 = fuse_sync(n, 0); /* with the partners' samples taken since the own tracks went in */
  if (rc0)
    return rc0;
  const fu_pic *p = f->cur;
  for (size_t i = 0; i < p->n; i++) {
    if (p->ok[i] != PIC_LIVE || !is_shared(n, &p->e[i]))
      continue;
    int rc = fused_prediction(n, &p->e[i]);
    if (rc)
      return rc;
  }
  return 0;
}

/* How much of an entry fill_entry gives. */
enum { FILL_BRIEF, FILL_MOVED, FILL_FULL };

/* Entry i of the loop's picture into e: its state; with FILL_MOVED its
 * members too (e->moved); with FILL_FULL all of it (members, launch point,
 * prediction, alert); with FILL_BRIEF e->brief. */
static void fill_entry(const mwx_node *n, size_t i, int fill, uint64_t ver, mwx_node_fused_entry *e) {
  const struct node_fuse *f = n->fu;
  const fu_pic *p = f->cur; /* the loop's snapshot: never the fuser (the worker's) */
  const mwx_fuse_track *ft = &p->e[i];
  memset(e, 0, sizeof *e);
  e->version = ver;
  e->fallen = p->ok[i] == PIC_FALLEN;
  e->global_track_no = ft->global_track_no;
  e->n_contributors = ft->n_contributors;
  memcpy(e->contributors, ft->contributors, sizeof e->contributors);
  e->shared = is_shared(n, ft);
  e->coasting = ft->method == MWX_FUSE_COAST;
  e->t_ns = ft->t_ns;
  e->t_last_sample_ns = ft->t_last_sample_ns;
  mwx_geo_lla lla;
  if (!mwx_geo_lla_from_ecef(ft->x, &lla)) {
    e->lat_deg = lla.lat_deg;
    e->lon_deg = lla.lon_deg;
    e->h_m = lla.h_m;
  }
  if (fill == FILL_BRIEF) {
    e->brief = 1;
    return;
  }
  e->n_members = ft->n_members < 16 ? ft->n_members : 16;
  for (int k = 0; k < e->n_members; k++)
    snprintf(e->member[k], MWX_ID_LEN, "%s", ft->member_local_id[k]);
  if (fill == FILL_MOVED) {
    e->moved = 1;
    return;
  }
  const fu_launch *bl = best_launch(f, ft);
  if (bl) {
    e->has_launch = 1;
    memcpy(e->launch_from, bl->originator, MWX_NATION_LEN);
    e->launch = bl->l;
  }
  const fu_pred *pr = get_pred(f, ft->global_track_no);
  if (pr) {
    e->has_impact = 1;
    e->impact = pr->ip;
  }
  e->has_alert = node_alert_latest(n, ft->global_track_no, &e->alert, &e->alert_active);
}

/* The entry's version and full version (fu_stamp; none: the picture's, every caller reads it as changed). */
static uint64_t entry_ver(const struct node_fuse *f, uint32_t gtn, uint64_t *full_ver) {
  const fu_stamp *s = stamp_get(f, gtn);
  if (full_ver)
    *full_ver = s ? s->full_ver : f->ver;
  return s ? s->ver : f->ver;
}

void mwx_node_fused_picture(const mwx_node *n, mwx_node_fused_fn fn, void *ctx) {
  if (!n || !fn || !n->fu)
    return;
  const fu_pic *p = n->fu->cur;
  mwx_node_fused_entry e;
  for (size_t i = 0; i < p->n; i++) {
    if (p->ok[i] == PIC_NONE)
      continue;
    fill_entry(n, i, FILL_FULL, entry_ver(n->fu, p->e[i].global_track_no, NULL), &e);
    fn(ctx, &e);
  }
}

uint64_t mwx_node_fused_version(const mwx_node *n) { return n && n->fu ? n->fu->ver : 0; }

int mwx_node_fused_picture_since(const mwx_node *n, uint64_t since, int brief, mwx_node_fused_fn fn, void *ctx,
                                 uint64_t *version) {
  if (!n || !fn || !version)
    return mwx_error_set(MWX_EINVAL, "node: fused picture since: NULL argument");
  const struct node_fuse *f = n->fu;
  *version = f ? f->ver : 0;
  if (!f)
    return 0;
  if (since && since < f->ver_floor) /* (0: the whole picture, which has nothing forgotten) */
    return mwx_error_set(MWX_ERANGE, "node: fused picture since %llu: forgotten (changes kept from %llu)",
                         (unsigned long long)since, (unsigned long long)f->ver_floor);
  if (since >= f->ver && !brief)
    return 0; /* nothing changed: no walk */
  const fu_pic *p = f->cur;
  mwx_node_fused_entry e;
  for (size_t i = 0; i < p->n; i++) {
    if (p->ok[i] == PIC_NONE)
      continue;
    uint64_t fv, v = entry_ver(f, p->e[i].global_track_no, &fv);
    if (v <= since && (!brief || p->ok[i] != PIC_LIVE))
      continue; /* unchanged (a fallen one's state does not move) */
    fill_entry(n, i, fv > since ? FILL_FULL : v > since ? FILL_MOVED : FILL_BRIEF, v, &e);
    fn(ctx, &e);
  }
  for (size_t k = 0; k < f->n_stamp; k++) /* gone since */
    if (f->stamp[k].ok == PIC_NONE && f->stamp[k].ver > since) {
      memset(&e, 0, sizeof e);
      e.global_track_no = f->stamp[k].gtn;
      e.version = f->stamp[k].ver;
      e.removed = 1;
      fn(ctx, &e);
    }
  return 0;
}
