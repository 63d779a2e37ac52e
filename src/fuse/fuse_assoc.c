/*
 * fuse_assoc.c - association (mwx_fuse_ingest): known source tracks and the
 * decorrelation test, new source tracks by the Hungarian algorithm, merges
 * of fused tracks within the gate, forgetting silent ones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "fuse_int.h"

/* 1 if fused track fi holds a member other than `except` of the originator
 * of source c that is fresh at t_ns and whose life overlaps c's (each has a
 * sample no older than the other's first): the two are then concurrent
 * tracks of one tracker, two objects.  A track that ended before c began is
 * a hand-over (the tracker lost the missile and picked it up again), not a
 * second object, and neither is one that its fused track already finds
 * astray (outside the split gate: strikes) or that has been silent for
 * LIVE_S while the other speaks: its tracker is replacing it. */
#define LIVE_S 3.0 /* a tracker publishes every update: a track silent this long is being replaced */
static int holds_fresh_of(const mwx_fuser *fz, size_t fi, const src *c, size_t except, int64_t t_ns) {
  for (size_t i = 0; i < fz->ns; i++) {
    const src *o = &fz->s[i];
    if (i != except && o != c && o->fused == (int)fi && !strcmp(o->last.originator, c->last.originator) &&
        fuse_fresh_at(fz, o, t_ns) && o->last.t_ns >= c->t_first_ns && c->last.t_ns >= o->t_first_ns && !o->strikes &&
        !c->strikes && (double)(c->last.t_ns - o->last.t_ns) * 1e-9 <= LIVE_S &&
        (double)(o->last.t_ns - c->last.t_ns) * 1e-9 <= LIVE_S)
      return 1;
  }
  return 0;
}

/* Source si leaves its fused track (decorrelation) and starts its own (its
 * name is decided at the end of the ingest call: resolve_names). */
static int split_off(mwx_fuser *fz, size_t si) {
  fname none;
  memset(&none, 0, sizeof none);
  none.gen = -1;
  int f = fuse_new_fused(fz, &none);
  if (f < 0)
    return f;
  fz->s[si].fused = f;
  fz->s[si].strikes = 0;
  return 0;
}

static int sample_cmp(const void *a, const void *b) {
  const mwx_fuse_sample *x = *(const mwx_fuse_sample *const *)a, *y = *(const mwx_fuse_sample *const *)b;
  if (x->t_ns != y->t_ns)
    return x->t_ns < y->t_ns ? -1 : 1;
  int c = strcmp(x->originator, y->originator);
  return c ? c : strcmp(x->local_track_id, y->local_track_id);
}

void fuse_sample_vec(const mwx_fuse_sample *s, double x[6]) {
  for (int i = 0; i < 3; i++) {
    x[i] = s->pos_ecef_m[i];
    x[3 + i] = s->vel_ecef_mps[i];
  }
}

/* Distance of source si's latest sample from fused track fi (without si),
 * fresh members only when fresh_only; INFINITY when none or not computable. */
static double dist_to(const mwx_fuser *fz, size_t si, size_t fi, int mode) {
  const mwx_fuse_sample *s = &fz->s[si].last;
  double xf[6], Pf[6][6], xs[6], d2;
  if (fuse_state_at(fz, fi, s->t_ns, si, mode, xf, Pf, NULL)) {
    mwx_error_clear();
    return INFINITY;
  }
  fuse_sample_vec(s, xs);
  if (mwx_fuse_distance2(xs, s->P, xf, Pf, &d2)) {
    mwx_error_clear();
    return INFINITY;
  }
  return d2;
}

/* Merges fused tracks that come within the association gate, closest pairs
 * first; compacts away empty fused tracks. */
static int merge_and_compact(mwx_fuser *fz) {
  for (;;) {
    double best = INFINITY;
    size_t ba = 0, bb = 0;
    for (size_t a = 0; a < fz->nf; a++)
      for (size_t b = a + 1; b < fz->nf; b++) {
        mwx_fuse_track ta, tb;
        /* compare at the newer of the two latest samples */
        size_t ma[MWX_FUSE_MAX_MEMBERS * 4], mb[MWX_FUSE_MAX_MEMBERS * 4];
        size_t na = fuse_members(fz, a, ma, sizeof ma / sizeof ma[0]), nb = fuse_members(fz, b, mb, sizeof mb / sizeof mb[0]);
        if (!na || !nb)
          continue;
        /* compared at the newer of the two latest samples (comparing at the
         * older one, so that a track lost under thrust is not predicted far
         * forward, was measured: 1.75 instead of 1.95 numbers per flight on
         * 2022-11-18, but boost errors 1.20/1.19 instead of 1.18/1.12) */
        int64_t ta_new = INT64_MIN, tb_new = INT64_MIN;
        for (size_t k = 0; k < na; k++)
          if (fz->s[ma[k]].last.t_ns > ta_new)
            ta_new = fz->s[ma[k]].last.t_ns;
        for (size_t k = 0; k < nb; k++)
          if (fz->s[mb[k]].last.t_ns > tb_new)
            tb_new = fz->s[mb[k]].last.t_ns;
        int64_t t = ta_new > tb_new ? ta_new : tb_new;
        /* one nation's tracker keeps one track per object: no merge of two
         * fresh tracks of one originator */
        int conflict = 0;
        for (size_t k = 0; k < na && !conflict; k++)
          if (fuse_fresh_at(fz, &fz->s[ma[k]], t) && holds_fresh_of(fz, b, &fz->s[ma[k]], (size_t)-1, t))
            conflict = 1;
        if (conflict)
          continue;
        if (fuse_state_at(fz, a, t, (size_t)-1, FS_GATE, NULL, NULL, &ta) ||
            fuse_state_at(fz, b, t, (size_t)-1, FS_GATE, NULL, NULL, &tb)) {
          mwx_error_clear();
          continue;
        }
        double d2;
        if (mwx_fuse_distance2(ta.x, ta.P, tb.x, tb.P, &d2)) {
          mwx_error_clear();
          continue;
        }

        if (d2 < fz->gate_assoc && d2 < best) {
          best = d2;
          ba = a;
          bb = b;
        }
      }
    if (!isfinite(best))
      break;
    for (size_t i = 0; i < fz->ns; i++)
      if (fz->s[i].fused == (int)bb)
        fz->s[i].fused = (int)ba;
  }
  /* compact: drop fused tracks without members, renumber */
  int *map = malloc((fz->nf ? fz->nf : 1) * sizeof *map);
  if (!map)
    return mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
  size_t nf = 0;
  for (size_t f = 0; f < fz->nf; f++) {
    int used = 0;
    for (size_t i = 0; i < fz->ns && !used; i++)
      used = fz->s[i].fused == (int)f;
    map[f] = used ? (int)nf++ : -1;
    if (used)
      fz->f[map[f]] = fz->f[f];
  }
  for (size_t i = 0; i < fz->ns; i++)
    fz->s[i].fused = map[fz->s[i].fused];
  fz->nf = nf;
  free(map);
  return 0;
}

/* Forgets fused tracks whose newest sample is older than forget_s at t_ns. */
static void forget(mwx_fuser *fz, int64_t t_ns) {
  for (size_t f = 0; f < fz->nf; f++) {
    int64_t newest = INT64_MIN;
    for (size_t i = 0; i < fz->ns; i++)
      if (fz->s[i].fused == (int)f && fz->s[i].last.t_ns > newest)
        newest = fz->s[i].last.t_ns;
    if (newest != INT64_MIN && (double)(t_ns - newest) * 1e-9 > fz->cfg.forget_s)
      for (size_t i = 0; i < fz->ns; i++)
        if (fz->s[i].fused == (int)f)
          fz->s[i].fused = -1;
  }
  size_t k = 0;
  for (size_t i = 0; i < fz->ns; i++)
    if (fz->s[i].fused >= 0)
      fz->s[k++] = fz->s[i];
  fz->ns = k;
}

int mwx_fuse_ingest(mwx_fuser *fz, const mwx_fuse_sample *in, size_t n) {
  if (!fz || (n && !in))
    return mwx_error_set(MWX_EINVAL, "fuse: ingest: NULL argument");
  for (size_t i = 0; i < n; i++) {
    int rc = mwx_fuse_sample_check(&in[i]);
    if (rc) {
      char why[256];
      snprintf(why, sizeof why, "%s", mwx_error_msg());
      return mwx_error_set(rc, "fuse: ingest: sample %zu: %s", i, why + (strncmp(why, "fuse: ", 6) ? 0 : 6));
    }
  }
  if (!n)
    return 0;
  const mwx_fuse_sample **ord = malloc(n * sizeof *ord);
  size_t *fresh_src = malloc(n * sizeof *fresh_src);
  if (!ord || !fresh_src) {
    free(ord), free(fresh_src);
    return mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
  }
  if (fz->ns + n > fz->caps) {
    size_t nc = fz->caps ? 2 * fz->caps : 64;
    while (nc < fz->ns + n)
      nc *= 2;
    src *s = realloc(fz->s, nc * sizeof *s);
    if (!s) {
      free(ord), free(fresh_src);
      return mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
    }
    fz->s = s;
    fz->caps = nc;
  }
  fname *old = malloc((fz->nf ? fz->nf : 1) * sizeof *old);
  if (!old) {
    free(ord), free(fresh_src);
    return mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
  }
  size_t n_old = fz->nf;
  for (size_t f = 0; f < n_old; f++)
    old[f] = fz->f[f].name;
  for (size_t i = 0; i < fz->ns; i++)
    fz->s[i].prev = fz->s[i].fused;
  for (size_t i = 0; i < n; i++)
    ord[i] = &in[i];
  qsort(ord, n, sizeof *ord, sample_cmp);
  int rc = 0;
  size_t n_new = 0;
  int64_t t_max = ord[n - 1]->t_ns;
  /* 1. known source tracks: replace, decorrelation test */
  for (size_t k = 0; k < n; k++) {
    const mwx_fuse_sample *sm = ord[k];
    long i = fuse_find_src(fz, sm->originator, sm->local_track_id);
    if (i >= 0 && fz->s[i].fused < 0) { /* new in this batch, a later sample */
      if (sm->t_ns > fz->s[i].last.t_ns) {
        fuse_estimate_thrust(&fz->s[i], &fz->s[i].last, sm);
        fz->s[i].last = *sm;
      }
      continue;
    }
    if (i < 0) {
      src *s = &fz->s[fz->ns];
      memset(s, 0, sizeof *s);
      s->last = *sm;
      s->t_first_ns = sm->t_ns;
      s->fused = -1;
      s->prev = -2;
      fuse_estimate_thrust(s, NULL, sm);
      fresh_src[n_new++] = fz->ns++;
      continue;
    }
    src *s = &fz->s[i];
    if (sm->t_ns <= s->last.t_ns)
      continue; /* old, or the same sample by a second path */
    fuse_estimate_thrust(s, &s->last, sm);
    s->last = *sm;
    double d2 = dist_to(fz, (size_t)i, (size_t)s->fused, FS_SPLIT);
    if (isfinite(d2) && d2 > fz->gate_split) {
      if (!s->strikes++)
        s->t_strike_ns = sm->t_ns;
      if (s->strikes >= fz->cfg.split_after && (double)(sm->t_ns - s->t_strike_ns) * 1e-9 >= fz->cfg.split_min_s) {
        rc = split_off(fz, (size_t)i);
        if (rc)
          goto out;
      }
    } else {
      s->strikes = 0;
    }
  }
  /* 2. new source tracks: Hungarian against the fused tracks (new tracks
   * in key order: rows; fused tracks: columns; padded with "new fused
   * track" entries at the gate) */
  if (n_new) {
    fuse_sort_by_key(fz, fresh_src, n_new);
    size_t nf0 = fz->nf, N = n_new + nf0;
    double *cost = malloc(N * N * sizeof *cost);
    int *row_of_col = malloc(N * sizeof *row_of_col);
    if (!cost || !row_of_col) {
      free(cost), free(row_of_col);
      rc = mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
      goto out;
    }
    for (size_t r = 0; r < N; r++)
      for (size_t c = 0; c < N; c++)
        cost[r * N + c] = r >= n_new && c >= nf0 ? 0.0 : BIG_COST;
    for (size_t r = 0; r < n_new; r++) {
      size_t si = fresh_src[r];
      const mwx_fuse_sample *s = &fz->s[si].last;
      cost[r * N + nf0 + r] = fz->gate_assoc;
      for (size_t f = 0; f < nf0; f++) {
        if (holds_fresh_of(fz, f, &fz->s[si], si, s->t_ns))
          continue;
        double d2 = dist_to(fz, si, f, FS_GATE);
        if (d2 < fz->gate_assoc)
          cost[r * N + f] = d2;
      }
    }
    for (size_t f = 0; f < nf0; f++)
      cost[(n_new + f) * N + f] = fz->gate_assoc;
    rc = mwx_track_assign(cost, (int)N, row_of_col);
    if (!rc)
      for (size_t c = 0; c < nf0; c++) {
        size_t r = (size_t)row_of_col[c];
        if (r < n_new && cost[r * N + c] < BIG_COST) {
          /* a join: the smaller of the name and the newcomer's own key, so
           * that nodes that got the same tracks in another order agree */
          fz->s[fresh_src[r]].fused = (int)c;
        }
      }
    free(cost), free(row_of_col);
    if (rc)
      goto out;
    for (size_t r = 0; r < n_new; r++)
      if (fz->s[fresh_src[r]].fused < 0) {
        fname none;
        memset(&none, 0, sizeof none);
        none.gen = -1;
        int f = fuse_new_fused(fz, &none);
        if (f < 0) {
          rc = f;
          goto out;
        }
        fz->s[fresh_src[r]].fused = f;
      }
  }
  /* 3. merge, compact, forget */
  forget(fz, t_max);
  rc = merge_and_compact(fz);
out:
  /* a source left unassigned by an error gets a fused track of its own later;
   * drop it now so that every source belongs to a fused track */
  {
    size_t k = 0;
    for (size_t i = 0; i < fz->ns; i++)
      if (fz->s[i].fused >= 0)
        fz->s[k++] = fz->s[i];
    fz->ns = k;
  }
  int rn = fuse_resolve_names(fz, old, n_old);
  if (!rc)
    rc = rn;
  free(old);
  free(ord);
  free(fresh_src);
  return rc;
}
