/*
 * fixture_sim.c - test and benchmark fixture: scenarios with their truth and
 * a tracker fed by the simulator (fixture_sim.h).  Used by
 * tests/test_launchfit.c and bench/bench_launchfit.c; the tracks per missile
 * by tests/test_track_init.c and bench/bench_track_dup.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_sim.h"
#include "mwx/assess.h"
#include "mwx/error.h"

int fx_scenario_load(const char *path, fx_scenario *s) {
  memset(s, 0, sizeof *s);
  char full[1024];
  if (!strchr(path, '/')) {
    int w = snprintf(full, sizeof full, "%s/scenarios/%s", MWX_SOURCE_DIR, path);
    if (w < 0 || (size_t)w >= sizeof full)
      return mwx_error_set(MWX_ERANGE, "scenario name '%s' is too long", path);
    path = full;
  }
  int rc = mwx_sim_scenario_load(path, &s->sc);
  return rc ? rc : mwx_sim_truth_init(&s->truth, &s->sc, 1.0);
}

void fx_scenario_fini(fx_scenario *s) {
  mwx_sim_truth_fini(&s->truth);
  mwx_sim_scenario_fini(&s->sc);
  memset(s, 0, sizeof *s);
}

int64_t fx_scenario_last_launch_ns(const fx_scenario *s) {
  int64_t last = s->sc.epoch_ns;
  for (size_t k = 0; k < s->sc.n_launches; k++)
    if (s->sc.launch[k].time_ns > last)
      last = s->sc.launch[k].time_ns;
  return last;
}

typedef struct plot_buf {
  mwx_track_plot *p;
  size_t n, cap;
} plot_buf;

static int collect(const mwx_sim_plot *sp, void *ctx) {
  plot_buf *b = ctx;
  if (b->n == b->cap) {
    size_t nc = b->cap ? 2 * b->cap : 1024;
    mwx_track_plot *q = realloc(b->p, nc * sizeof *q);
    if (!q)
      return mwx_error_set(MWX_ENOMEM, "out of memory for %zu plots", nc);
    b->p = q;
    b->cap = nc;
  }
  return mwx_track_plot_from_sim(sp, &b->p[b->n++]);
}

int fx_scenario_track(const fx_scenario *s, uint64_t seed, int64_t end_ns, mwx_tracker **tk) {
  *tk = NULL;
  mwx_sim_source *src = NULL;
  mwx_tracker *t = NULL;
  int rc = mwx_sim_source_init(&src, &s->sc, &s->truth, seed);
  if (!rc)
    rc = mwx_track_create(NULL, &t);
  plot_buf b = {0};
  for (int64_t now = s->sc.epoch_ns; !rc && now < end_ns;) {
    now += 1000000000LL;
    b.n = 0;
    rc = mwx_sim_source_advance(src, now, collect, &b);
    if (!rc && b.n)
      rc = mwx_track_process(t, b.p, b.n);
  }
  free(b.p);
  mwx_sim_source_fini(src);
  if (rc) {
    mwx_track_destroy(t);
    return rc;
  }
  *tk = t;
  return 0;
}

int fx_scenario_tracks_per_missile(const fx_scenario *s, const char *nation, uint64_t seed, int64_t end_ns,
                                   fx_missile_tracks *per, long *stray) {
  size_t nm = s->sc.n_launches;
  memset(per, 0, nm * sizeof *per);
  *stray = 0;
  mwx_assess_drive *d = NULL;
  int rc = mwx_assess_drive_create(&s->sc, &s->truth, nation, seed, NULL, &d);
  if (rc)
    return rc;
  int *live = calloc(nm ? nm : 1, sizeof *live);
  int *of = NULL; /* per track slot: -2 not yet confirmed, -1 on no missile, else the missile */
  uint32_t *ids = NULL;
  size_t n_of = 0;
  if (!live)
    rc = mwx_error_set(MWX_ENOMEM, "out of memory");
  for (int64_t now = s->sc.epoch_ns; !rc && now < end_ns;) {
    now += 1000000000LL;
    if ((rc = mwx_assess_drive_advance(d, now, NULL, NULL, NULL)))
      break;
    const mwx_tracker *tr = mwx_assess_drive_tracker(d);
    size_t nt = mwx_track_count(tr);
    if (nt > n_of) {
      int *q = realloc(of, nt * sizeof *q);
      if (q)
        of = q;
      uint32_t *qi = q ? realloc(ids, nt * sizeof *qi) : NULL;
      if (qi)
        ids = qi;
      if (!q || !qi) {
        rc = mwx_error_set(MWX_ENOMEM, "out of memory");
        break;
      }
      for (size_t i = n_of; i < nt; i++)
        of[i] = -2;
      n_of = nt;
    }
    memset(live, 0, nm * sizeof *live);
    for (size_t i = 0; i < nt; i++) {
      mwx_track_info in;
      if (mwx_track_get(tr, i, &in))
        continue;
      if (of[i] != -2 && ids[i] != in.id)
        of[i] = -2; /* a bounded table reuses slots (the default one does not) */
      if (in.status != MWX_TRACK_CONFIRMED)
        continue;
      if (of[i] == -2) {
        double best = FX_MATCH_M;
        int m = -1;
        for (size_t k = 0; k < nm; k++) {
          mwx_sim_truth_state ts;
          if (mwx_sim_truth_at(&s->truth, k, in.est.t_ns, &ts) || !ts.in_flight)
            continue;
          double dd = 0;
          for (int c = 0; c < 3; c++)
            dd += (in.est.x[c] - ts.pos_ecef_m[c]) * (in.est.x[c] - ts.pos_ecef_m[c]);
          if (sqrt(dd) < best) {
            best = sqrt(dd);
            m = (int)k;
          }
        }
        mwx_error_clear();
        of[i] = m;
        ids[i] = in.id;
        if (m < 0) {
          (*stray)++;
        } else {
          fx_missile_tracks *pm = &per[m];
          if (pm->confirmed < FX_TRACK_IDS) {
            pm->id[pm->confirmed] = in.id;
            pm->t_confirm_ns[pm->confirmed] = in.t_confirm_ns;
          }
          pm->confirmed++;
        }
      }
      if (of[i] >= 0)
        live[of[i]]++;
    }
    for (size_t k = 0; k < nm; k++) {
      if (live[k] > per[k].max_live)
        per[k].max_live = live[k];
      if (live[k] >= 2)
        per[k].dup_s++;
    }
  }
  free(live), free(of), free(ids);
  mwx_assess_drive_destroy(d);
  return rc;
}
