/*
 * node_tracks.c - plots and tracks: this nation's plots journaled and
 * tracked; confirmed tracks turned into samples (a LaunchEvent once, the
 * batch launch fit when the early-plot window is full, impact predictions
 * while ballistic, Track samples when updated).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/sim.h"
#include "mwx/track.h"
#include "node_int.h"

#define NS 1000000000ll
#define LAUNCH_MAX_KM 100.0 /* widest 95% launch ellipse (semi-major) worth a LaunchEvent */

/* ---- plots and tracks -------------------------------------------------- */

/* Each plot the driver (assess.h) takes for this nation: counted and, with
 * journal_plots, journaled as a plot record (built with Jansson; the
 * numbers rounded to the resolution the record has always had: 0.1 m,
 * 1e-5 deg, 1e-7 for a unit line of sight). */
static double round_to(double v, double q) { return round(v / q) * q; }

int node_on_plot(void *ctx, const mwx_sim_plot *sp) {
  mwx_node *n = ctx;
  n->st.plots++;
  if (!n->cfg.journal_plots)
    return 0;
  json_t *o = json_object();
  if (!o)
    return mwx_error_set(MWX_ENOMEM, "node: out of memory");
  int bad = json_object_set_new(o, "sensor", json_stringn(sp->sensor_id, strnlen(sp->sensor_id, sizeof sp->sensor_id)));
  if (sp->kind == MWX_SIM_PLOT_RADAR) {
    bad |= json_object_set_new(o, "kind", json_string("radar"));
    bad |= json_object_set_new(o, "range_m", json_real(round_to(sp->range_m, 0.1)));
    bad |= json_object_set_new(o, "az_deg", json_real(round_to(sp->az_deg, 1e-5)));
    bad |= json_object_set_new(o, "el_deg", json_real(round_to(sp->el_deg, 1e-5)));
  } else {
    json_t *los = json_array();
    for (int i = 0; i < 3; i++)
      bad |= json_array_append_new(los, json_real(round_to(sp->los_ecef[i], 1e-7)));
    bad |= json_object_set_new(o, "kind", json_string("ir"));
    bad |= json_object_set_new(o, "los_ecef", los);
  }
  char *payload = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
  json_decref(o);
  if (!payload)
    return mwx_error_set(MWX_ENOMEM, "node: plot record: out of memory (or a sensor id not in UTF-8)");
  int rc = mwx_journal_append(n->j, MWX_JOURNAL_PLOT, sp->time_ns, payload, NULL, 0, NULL);
  free(payload);
  if (rc)
    return rc;
  n->st.records++;
  return 0;
}

/* ---- the per-track table ----------------------------------------------
 * What has been sent about each confirmed track, keyed by tracker index (a
 * slot: the tracker's table is bounded and reuses a deleted track's slot
 * for a new track, from its next mwx_track_process on, so each entry keeps
 * the track's id and an entry whose slot now holds another id is forgotten
 * as deleted) in
 * an open-addressing table of 2 * max_tracks slots (linear probing,
 * backward-shift deletion), allocated at open: at most max_tracks entries
 * (MWX_NODE_MAX_TRACKS by default).  A deleted track's entry is freed; a new
 * confirmed track that finds the table full takes the entry of the track
 * updated least recently, counted in tracks_evicted (mwx_node_stats,
 * NodeStatus overflows, mwxd's DOWN line): that track, if it comes back,
 * starts again (a new LaunchEvent). */
static size_t trk_home(const mwx_node *n, size_t idx) {
  return (size_t)(((uint64_t)idx * 0x9E3779B97F4A7C15ull) >> 17) % n->cap_trk;
}

static node_trk *trk_find(mwx_node *n, size_t idx) {
  for (size_t s = trk_home(n, idx);; s = (s + 1) % n->cap_trk) {
    if (!n->trk[s].used)
      return NULL;
    if (n->trk[s].idx == idx)
      return &n->trk[s];
  }
}

static void trk_remove(mwx_node *n, node_trk *e) {
  size_t hole = (size_t)(e - n->trk);
  n->trk[hole].used = 0;
  n->n_trk--;
  for (size_t s = (hole + 1) % n->cap_trk; n->trk[s].used; s = (s + 1) % n->cap_trk) {
    size_t h = trk_home(n, n->trk[s].idx);
    /* move s into the hole unless its home lies cyclically in (hole, s] */
    int stays = hole < s ? (h > hole && h <= s) : (h > hole || h <= s);
    if (stays)
      continue;
    n->trk[hole] = n->trk[s];
    n->trk[s].used = 0;
    hole = s;
  }
}

/* Track `id` deleted for good: the node forgets it (its entry, its DDS
 * instances: the writers' history is bounded). */
static void trk_forget(mwx_node *n, node_trk *e) {
  uint32_t id = e->id;
  trk_remove(n, e);
  n->st.tracks_forgotten++;
  if (n->net) {
    char name[MWX_ID_LEN];
    snprintf(name, sizeof name, "%s-T%u", n->cfg.nation, id);
    if (mwx_net_forget(n->net, name, NULL))
      mwx_error_clear();
  }
}

/* The entry of track idx (id), made if new (evicting when full). */
static node_trk *trk_state(mwx_node *n, size_t idx, uint32_t id) {
  node_trk *e = trk_find(n, idx);
  if (e)
    return e;
  if (n->n_trk >= (size_t)n->cfg.max_tracks) {
    node_trk *old = NULL;
    for (size_t s = 0; s < n->cap_trk; s++)
      if (n->trk[s].used && (!old || n->trk[s].last_seen_ns < old->last_seen_ns))
        old = &n->trk[s];
    trk_remove(n, old);
    n->st.tracks_evicted++;
  }
  size_t s = trk_home(n, idx);
  while (n->trk[s].used)
    s = (s + 1) % n->cap_trk;
  memset(&n->trk[s], 0, sizeof n->trk[s]);
  n->trk[s].used = 1;
  n->trk[s].idx = idx;
  n->trk[s].id = id;
  n->n_trk++;
  return &n->trk[s];
}

int node_trk_open(mwx_node *n) {
  n->cap_trk = 2 * (size_t)n->cfg.max_tracks;
  n->trk = calloc(n->cap_trk, sizeof *n->trk);
  return n->trk ? 0 : mwx_error_set(MWX_ENOMEM, "node: out of memory");
}

/* A fit's result (from a worker, or in line): the refined LaunchEvent; none
 * if the fit failed or is too wide (the early LaunchEvent stands). */
int node_launch_fit_apply(mwx_node *n, const node_fit_result *r) {
  n->st.fits_done++;
  if (r->queued_mono_ns) {
    double ms = (double)(mwx_node_mono_ns() - r->queued_mono_ns) / 1e6;
    if (ms > n->st.fit_max_ms)
      n->st.fit_max_ms = ms;
    n->fit_ms[n->n_fit_ms++ % 256] = (float)ms;
  }
  if (!r->ok || r->a.launch.major_km > LAUNCH_MAX_KM)
    return 0;
  return node_launch_sample(n, &r->in, &r->a);
}

/* The batch launch fit of track idx once its early-plot window is full:
 * given to the fit workers (speed > 0: the loop goes on; the result comes
 * back through the hand-over queue) or, offline as fast as possible, run in
 * line (the same result every run).  A full worker queue drops the fit,
 * counted in fits_dropped. */
static int launch_fit_start(mwx_node *n, size_t idx, const mwx_track_info *in, const mwx_assess_opts *ao) {
  mwx_assess_fit_input fi; /* assess.h: the driver's launch-fit preamble, mwx track's too */
  int rc = mwx_assess_fit_prepare(n->tr, idx, in, ao, &fi);
  if (rc || !fi.can_fit)
    return rc;
  const mwx_track_plot *ep = fi.ep, *ir = fi.ir;
  size_t nep = fi.nep, nir = fi.nir;
  const mwx_assess a = fi.early;
  double hdg = fi.heading_deg;
  if (!n->fits) {
    static node_fit_result r; /* loop thread only; large */
    memset(&r, 0, sizeof r);
    r.idx = idx;
    r.in = *in;
    r.a = a;
    mwx_assess_launch_fit_result lf;
    if (mwx_assess_fit_run(ep, nep, ir, nir, &a, hdg, NULL, &lf) == 0) {
      r.ok = 1;
      r.a.launch = lf.point;
    } else
      mwx_error_clear();
    return node_launch_fit_apply(n, &r);
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

/* The tracker's table refused a track, or its pending plots gave way
 * (mwx_node_stats tracks_refused, pending_dropped: NodeStatus overflows):
 * logged the first time each. */
static void tracker_full_log(mwx_node *n) {
  mwx_track_table_stats ts;
  mwx_track_table_stats_get(n->tr, &ts);
  if (ts.refused && !n->logged_tracker_full) {
    n->logged_tracker_full = 1;
    fprintf(stderr, "mwx node %s: tracker: table full (%zu slots, all live): a new track refused, counted in"
            " overflows (logged once)\n", n->cfg.nation, ts.bound);
  }
  if (ts.pending_dropped && !n->logged_pending_full) {
    n->logged_pending_full = 1;
    fprintf(stderr, "mwx node %s: tracker: pending plots full (%d): the oldest dropped, counted in overflows"
            " (logged once)\n", n->cfg.nation, MWX_TRACK_PENDING_MAX);
  }
}

/* Online (speed > 0), the impact predictions of one pass are bounded by
 * IMPACT_BUDGET_NS of the loop's time: each costs a ballistic propagation of
 * its sigma points to the ground (1-3 ms), and tracks that turned ballistic
 * together fall due together (a pass of a 100-missile salvo spent up to 56
 * ms in them: BENCHMARKS.md "rt, tenth session").  A track due when the
 * budget is spent is tried at the next pass (a scan later, against its
 * impact_every_s of 10 s), counted in impacts_deferred.  The tracks are
 * visited round-robin (node_int.h node_rr): the next pass starts at the
 * first track put off, so the same tail is not always the one deferred.
 * Offline (speed 0) there is no budget: the table order, the output the
 * same every run. */
#define IMPACT_BUDGET_NS 4000000ll

size_t node_rr_start(node_rr *r, size_t count) {
  if (r->deferred)
    r->cursor = r->next;
  r->deferred = 0;
  if (!count)
    return 0;
  r->cursor %= count;
  return r->cursor;
}

int node_rr_gate(node_rr *r, size_t idx, int spent, uint64_t *deferred) {
  if (!spent)
    return 1;
  ++*deferred;
  if (!r->deferred) {
    r->deferred = 1;
    r->next = idx;
  }
  return 0;
}

int node_tracks_to_samples(mwx_node *n) {
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  int budget = n->cfg.speed > 0;
  int64_t impact_ns = 0;
  int prev = node_prof(n, MWX_NODE_PROF_FUSE);
  int rc0 = node_fuse_own(n); /* fusepic.c: own tracks into the fused picture, for their global numbers */
  node_prof(n, prev);
  if (rc0)
    return rc0;
  tracker_full_log(n);
  size_t count = mwx_track_count(n->tr);
  size_t start = node_rr_start(&n->impact_rr, count); /* 0 offline: nothing is put off */
  for (size_t k = 0; k < count; k++) {
    size_t i = (start + k) % count;
    mwx_track_info in;
    if (mwx_track_get(n->tr, i, &in))
      continue;
    node_trk *old = trk_find(n, i);
    /* deleted for good (or, had a pass been missed, its slot already holding a new track) */
    if (old && (old->id != in.id || in.status == MWX_TRACK_DELETED))
      trk_forget(n, old);
    if (in.status != MWX_TRACK_CONFIRMED)
      continue;
    node_trk *ts = trk_state(n, i, in.id);
    ts->last_seen_ns = in.t_last_ns;
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
        if (a.launch.major_km <= LAUNCH_MAX_KM && (rc = node_launch_sample(n, &in, &a)))
          return rc;
      }
    }
    /* a refined launch event, once, when the early-plot window
       (MWX_TRACK_EARLY_WINDOW_S from the track's first plot) is full: the
       batch fit of a powered flight, refining the early LaunchEvent sent.
       Then, fit or not, the early plots and the IR pre-plots are released:
       nothing else reads them, the tracker takes no more once the window
       is full, and a track whose early LaunchEvent was never sent (first
       held above the boost: most of JPN's and USA's tracks of a salvo)
       kept them to its end, 128 KB of early plots and up to 512 KB of
       pre-plots each (USA: 254 KB a track over 100 tracks; issue 16) */
    if (!ts->launch_fit_done && n->sim_ns - in.t_first_ns >= (int64_t)(MWX_ASSESS_LAUNCH_FIT_AFTER_S * NS)) {
      ts->launch_fit_done = 1;
      if (n->cfg.launch_fit && ts->launch_sent && (rc = launch_fit_start(n, i, &in, &ao)))
        return rc;
      /* the fit has its copy (or ran in line) */
      if ((rc = mwx_track_release_early(n->tr, i)))
        return rc;
    }
    int updated = !in.coasting && in.t_last_ns > ts->last_pub_ns;
    /* impact prediction every impact_every_s while ballistic; a coasting
       track (out of this nation's sight) changes slowly: 6 times less often */
    int64_t every = (int64_t)(n->cfg.impact_every_s * NS) * (updated ? 1 : 6);
    int due = in.p_ballistic >= ao.min_p_ballistic && (updated || in.coasting) && !node_fuse_shared(n, in.id) &&
              (!ts->impact_sent || n->sim_ns - ts->last_impact_ns >= every) &&
              (!ts->last_try_impact_ns || n->sim_ns - ts->last_try_impact_ns >= NS);
    if (due && node_rr_gate(&n->impact_rr, i, budget && impact_ns >= IMPACT_BUDGET_NS, &n->impacts_deferred)) {
      ts->last_try_impact_ns = n->sim_ns; /* a provisional one is tried again a sim second later */
      mwx_assess a;
      int64_t t0 = budget ? mwx_node_mono_ns() : 0;
      int arc = mwx_assess_track(&in, &ao, &a);
      if (budget)
        impact_ns += mwx_node_mono_ns() - t0;
      if (!arc && a.has_impact && !a.provisional) { /* provisional: no warning */
        ts->impact_sent = 1;
        ts->last_impact_ns = n->sim_ns;
        if (a.has_class)
          ts->cls = (uint8_t)a.cls;
        if ((rc = node_impact_sample(n, &in, &a)))
          return rc;
      }
    }
    if (!updated)
      continue;
    ts->last_pub_ns = in.t_last_ns;
    if ((rc = node_track_sample(n, &in, ts->cls)))
      return rc;
  }
  return 0;
}
