/*
 * fixture_sim.c - test and benchmark fixture: scenarios with their truth and
 * a tracker fed by the simulator (fixture_sim.h).  Used by
 * tests/test_launchfit.c and bench/bench_launchfit.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_sim.h"
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
