/*
 * node_tracks.c - plots and tracks: this nation's plots journaled and
 * tracked; confirmed tracks turned into samples (a LaunchEvent once, the
 * batch launch fit when the early-plot window is full, impact predictions
 * while ballistic, Track samples when updated).
 */
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

int node_on_plot(const mwx_sim_plot *sp, void *ctx) {
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

int node_tracks_to_samples(mwx_node *n) {
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
        if (a.launch.major_km <= LAUNCH_MAX_KM && (rc = node_launch_sample(n, &in, &a)))
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
