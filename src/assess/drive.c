/*
 * drive.c - the one sim -> track -> assess driver (see assess.h): the
 * simulator's plots of the selected nation into one tracker, and the
 * launch-fit preamble.  Its clients: the node (src/node: mwx run, mwx
 * replay, mwxd) and mwx_assess_run (mwx track), which score or publish what
 * the driver's tracker holds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/error.h"

struct mwx_assess_drive {
  mwx_sim_source *src; /* NULL: no scenario */
  mwx_tracker *tr;
  char nation[4];
  int all;
  mwx_track_plot *p; /* this advance's plots */
  size_t n, cap;
  mwx_assess_plot_fn fn;
  void *ctx;
  int rc;
};

int mwx_assess_drive_create(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, const char *nation, uint64_t seed,
                            const mwx_track_config *tcfg, mwx_assess_drive **out) {
  if (!nation || !out || (!sc) != (!truth))
    return mwx_error_set(MWX_EINVAL, "assess drive: bad arguments");
  if (strlen(nation) != 3)
    return mwx_error_set(MWX_EINVAL, "assess drive: nation '%.8s' is not a three-letter code or ALL", nation);
  mwx_assess_drive *d = calloc(1, sizeof *d);
  if (!d)
    return mwx_error_set(MWX_ENOMEM, "assess drive: out of memory");
  memcpy(d->nation, nation, 4);
  d->all = !strcmp(nation, "ALL");
  int rc = mwx_track_create(tcfg, &d->tr);
  if (!rc && sc)
    rc = mwx_sim_source_init(&d->src, sc, truth, seed);
  if (!rc && sc && !d->all) /* the other nations' sensors would only make plots take() drops */
    rc = mwx_sim_source_select_nation(d->src, nation);
  if (rc) {
    mwx_assess_drive_destroy(d);
    return rc;
  }
  *out = d;
  return 0;
}

void mwx_assess_drive_destroy(mwx_assess_drive *d) {
  if (!d)
    return;
  mwx_track_destroy(d->tr);
  mwx_sim_source_fini(d->src);
  free(d->p);
  free(d);
}

static int take(const mwx_sim_plot *sp, void *ctx) {
  mwx_assess_drive *d = ctx;
  if (!d->all && strcmp(d->nation, sp->nation))
    return 0;
  if (d->n == d->cap) {
    size_t nc = d->cap ? 2 * d->cap : 256;
    mwx_track_plot *q = realloc(d->p, nc * sizeof *q);
    if (!q)
      return d->rc = mwx_error_set(MWX_ENOMEM, "assess drive: out of memory");
    d->p = q;
    d->cap = nc;
  }
  int rc = mwx_track_plot_from_sim(sp, &d->p[d->n]);
  if (rc)
    return d->rc = rc;
  d->n++;
  if (d->fn && (rc = d->fn(d->ctx, sp)))
    return d->rc = rc;
  return 0;
}

int mwx_assess_drive_advance(mwx_assess_drive *d, int64_t t_ns, mwx_assess_plot_fn fn, void *ctx, size_t *n_plots) {
  if (n_plots)
    *n_plots = 0;
  if (!d)
    return mwx_error_set(MWX_EINVAL, "assess drive: NULL argument");
  if (!d->src)
    return 0;
  d->n = 0;
  d->fn = fn;
  d->ctx = ctx;
  d->rc = 0;
  int rc = mwx_sim_source_advance(d->src, t_ns, take, d);
  if (!rc)
    rc = d->rc;
  if (!rc && d->n)
    rc = mwx_track_process(d->tr, d->p, d->n);
  if (!rc && n_plots)
    *n_plots = d->n;
  return rc;
}

int64_t mwx_assess_drive_next_ns(const mwx_assess_drive *d) {
  return d && d->src ? mwx_sim_source_next_ns(d->src) : INT64_MAX;
}

mwx_tracker *mwx_assess_drive_tracker(mwx_assess_drive *d) { return d ? d->tr : NULL; }

int mwx_assess_fit_prepare(const mwx_tracker *tr, size_t idx, const mwx_track_info *in, const mwx_assess_opts *ao,
                           mwx_assess_fit_input *fi) {
  if (!tr || !in || !ao || !fi)
    return mwx_error_set(MWX_EINVAL, "assess fit: NULL argument");
  memset(fi, 0, sizeof *fi);
  mwx_track_info early = *in;
  early.p_ballistic = 0; /* launch only */
  if (mwx_assess_track(&early, ao, &fi->early) || !fi->early.has_launch) {
    mwx_error_clear();
    fi->early.has_launch = 0;
    return 0;
  }
  fi->nep = mwx_track_early_plots(tr, idx, &fi->ep);
  fi->nir = mwx_track_pre_ir(tr, idx, &fi->ir);
  mwx_geo_lla fl;
  if (!in->has_first || !fi->nep || mwx_geo_lla_from_ecef(in->first.x, &fl)) {
    mwx_error_clear();
    return 0;
  }
  double ven[3];
  mwx_geo_enu_vec_from_ecef(&fl, in->first.x + 3, ven);
  fi->heading_deg = atan2(ven[0], ven[1]) * MWX_RAD2DEG;
  fi->can_fit = 1;
  return 0;
}

int mwx_assess_fit_run(const mwx_track_plot *ep, size_t nep, const mwx_track_plot *ir, size_t nir,
                       const mwx_assess *early, double heading_deg, const mwx_assess_launch_fit_opts *fo,
                       mwx_assess_launch_fit_result *out) {
  if (!early || !out)
    return mwx_error_set(MWX_EINVAL, "assess fit: NULL argument");
  return mwx_assess_launch_fit(ep, nep, ir, nir, &early->launch, heading_deg, fo, out);
}
