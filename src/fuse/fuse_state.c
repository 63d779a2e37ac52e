/*
 * fuse_state.c - the fuser object (configuration, life cycle, its source
 * and fused track tables) and the fused state of a fused track at a time
 * (mwx_fuse_get): which members are used and how they are combined.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "fuse_int.h"

/* A source that was in boost and has been in free flight for less than
 * MWX_ASSESS_STAGING_COAST_S (its last boost sample to its latest) has not
 * shown its burnout: the same rule as a node's own track (assess.h, "Burnout,
 * flight phase"), since a partner's Track sample says BALLISTIC as soon as its
 * tracker's model switches, on a staging coast too, or after a salvo's
 * missiles crossed.  The fused track stays boost meanwhile: no impact point
 * (the salvo-100 replay, KOR shared: a fused track called ballistic 105 s
 * after S033's launch predicted a fall on Korea with a 4,621-km ellipse and
 * warned three provinces). */
static int fuse_burnout_unearned(const src *s) {
  return s->boost_t_ns && s->last.phase != MWX_MSG_BOOST &&
         (double)(s->last.t_ns - s->boost_t_ns) < MWX_ASSESS_STAGING_COAST_S * 1e9;
}

void mwx_fuse_config_default(mwx_fuse_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->assoc_prob = 0.99;
  cfg->split_prob = 0.999;
  cfg->split_after = 3;
  cfg->fresh_s = 20.0;
  cfg->forget_s = 7200.0;
  cfg->q_ballistic_m2ps3 = 0.0;      /* the tracker's (track.h): a burnt-out source above the air */
  cfg->q_ballistic_air_m2ps3 = 1e-4; /* the tracker's q_ballistic_air: below the air, before burnout */
  cfg->q_boost_m2ps3 = 100.0;
  cfg->q_gate_m2ps3 = 1.0;
  cfg->boost_ci = 1;
  cfg->ici = 0; /* CI: docs/fusion.md, measured in the seventh session (ICI: velocity 1.69 -> 1.32x in 2022-11-18 mid-course) */
  cfg->boost_thrust = 1;
  cfg->split_min_s = 0.0; /* 10 s: docs/fusion.md, measured: one number on 2022-10-04 but boost 1.40x on 2022-11-18 */
  cfg->split_powered_s = MWX_ASSESS_STAGING_COAST_S; /* docs/fusion.md "Powered flight" */
  cfg->merge_back = 1;
  cfg->split_held_s = 60.0;        /* docs/fusion.md "Held correlations" */
  cfg->split_held_prob = 0.999999; /* 38.26: false decorrelation 1e-6 per independent look */
  cfg->replace_exclusive = 1;     /* docs/fusion.md "The replacement rule" */
  cfg->split_odd_one_out = 1;     /* docs/fusion.md "The odd one out" */
  cfg->pending_s = 3.0;           /* docs/fusion.md "The pending join" */
  cfg->burnout_ci_s = 0.0; /* off: docs/fusion.md "The burnout rule" (5 s from the thirteenth session, 10 s from the
                              sixteenth, off since the twenty-second: with today's trackers the sum is better there) */
  cfg->stale_split_gate = 1;      /* docs/fusion.md "A silent member" */
  cfg->boost_sum = 1;             /* docs/fusion.md "Boost samples: the information sum" */
  cfg->displaced_silent = 1;      /* docs/fusion.md "The displacement rule" */
  cfg->pending_beside_near = 0;   /* docs/fusion.md "The pending join": measured, not on (salvo-100: 154 fused tracks, as without the wait) */
  cfg->tracklet = 0;              /* docs/fusion.md "Tracklets" */
  cfg->thrust_vector = 1;          /* docs/fusion.md "Boost samples and thrust" (0 until the twenty-second session) */
  cfg->thrust_tau_s = 4.0;        /* docs/fusion.md "Boost samples and thrust" */
  cfg->pending_dup_s = 3.0;       /* docs/fusion.md "The pending join": pending_s's three scans (0, unbounded, before
                                     the twenty-seventh session: salvo-100's good tracks waited up to 77 s) */

}

/* The configuration's ranges: 0, or MWX_EINVAL with a message naming the
 * first field out of its range, its value and the range. */
#define CHECK_NUM(f, ok, range) MWX_CHECK_RANGE("fuse: create", c, f, ok, range)
#define CHECK_FLAG(f) MWX_CHECK_FLAG("fuse: create", c, f)
static int config_check(const mwx_fuse_config *c) {
  CHECK_NUM(assoc_prob, c->assoc_prob > 0.5 && c->assoc_prob < 1.0, "(0.5, 1)");
  CHECK_NUM(split_prob, c->split_prob >= c->assoc_prob && c->split_prob < 1.0, "[assoc_prob, 1)");
  CHECK_NUM(split_after, c->split_after >= 1, "[1, inf)");
  CHECK_NUM(fresh_s, c->fresh_s > 0, "(0, inf) s");
  CHECK_NUM(forget_s, c->forget_s > 0, "(0, inf) s");
  CHECK_NUM(q_ballistic_m2ps3, c->q_ballistic_m2ps3 >= 0, "[0, inf) m2/s3");
  CHECK_NUM(q_boost_m2ps3, c->q_boost_m2ps3 >= 0, "[0, inf) m2/s3");
  CHECK_NUM(q_gate_m2ps3, c->q_gate_m2ps3 >= 0, "[0, inf) m2/s3");
  CHECK_FLAG(boost_ci);
  CHECK_FLAG(ici);
  CHECK_FLAG(boost_thrust);
  CHECK_NUM(split_min_s, c->split_min_s >= 0 && c->split_min_s <= 3600.0, "[0, 3600] s");
  CHECK_NUM(q_ballistic_air_m2ps3, c->q_ballistic_air_m2ps3 >= 0, "[0, inf) m2/s3");
  CHECK_NUM(split_powered_s, c->split_powered_s >= 0 && c->split_powered_s <= 60.0, "[0, 60] s");
  CHECK_FLAG(merge_back);
  CHECK_NUM(split_held_s, c->split_held_s >= 0 && c->split_held_s <= 3600.0, "[0, 3600] s");
  CHECK_NUM(split_held_prob, c->split_held_prob >= c->split_prob && c->split_held_prob < 1.0, "[split_prob, 1)");
  CHECK_FLAG(replace_exclusive);
  CHECK_FLAG(split_odd_one_out);
  CHECK_NUM(pending_s, c->pending_s >= 0 && c->pending_s <= 60.0, "[0, 60] s");
  CHECK_NUM(burnout_ci_s, c->burnout_ci_s >= 0 && c->burnout_ci_s <= 60.0, "[0, 60] s");
  CHECK_FLAG(stale_split_gate);
  CHECK_FLAG(boost_sum);
  CHECK_FLAG(displaced_silent);
  CHECK_FLAG(pending_beside_near);
  CHECK_FLAG(tracklet);
  CHECK_NUM(thrust_tau_s, c->thrust_tau_s >= 0.1 && c->thrust_tau_s <= 60.0, "[0.1, 60] s");
  CHECK_FLAG(thrust_vector);
  CHECK_NUM(pending_dup_s, c->pending_dup_s >= 0 && c->pending_dup_s <= 60.0, "[0, 60] s");
  return 0;
}
#undef CHECK_NUM
#undef CHECK_FLAG

int mwx_fuse_create(const mwx_fuse_config *cfg, mwx_fuser **out) {
  if (!out)
    return mwx_error_set(MWX_EINVAL, "fuse: create: NULL out");
  *out = NULL;
  mwx_fuse_config c;
  if (cfg)
    c = *cfg;
  else
    mwx_fuse_config_default(&c);
  int rc = config_check(&c);
  if (rc)
    return rc;
  mwx_fuser *fz = calloc(1, sizeof *fz);
  if (!fz)
    return mwx_error_set(MWX_ENOMEM, "fuse: create: out of memory");
  fz->cfg = c;
  mwx_track_chi2_quantile(c.assoc_prob, 6, &fz->gate_assoc);
  mwx_track_chi2_quantile(c.split_prob, 6, &fz->gate_split);
  mwx_track_chi2_quantile(c.split_held_prob, 6, &fz->gate_held);
  *out = fz;
  return 0;
}

void mwx_fuse_destroy(mwx_fuser *fz) {
  if (!fz)
    return;
  free(fz->s);
  free(fz->f);
  free(fz->ix_mem);
  free(fz->ix_off);
  free(fz->h);
  free(fz->me);
  free(fz->mk);
  free(fz->mh);
  free(fz->pend);
  free(fz);
}

size_t mwx_fuse_count(const mwx_fuser *fz) { return fz ? fz->nf : 0; }

/* Rebuilds the member index: a counting sort of the sources by fused
 * track, each segment in key order.  -1 if out of memory. */
static int build_index(mwx_fuser *fz) {
  if (fz->ns > fz->cap_ix_mem) {
    size_t nc = fz->ns * 2;
    size_t *p = realloc(fz->ix_mem, nc * sizeof *p);
    if (!p)
      return -1;
    fz->ix_mem = p;
    fz->cap_ix_mem = nc;
  }
  if (fz->nf + 2 > fz->cap_ix_off) {
    size_t nc = (fz->nf + 2) * 2;
    size_t *p = realloc(fz->ix_off, nc * sizeof *p);
    if (!p)
      return -1;
    fz->ix_off = p;
    fz->cap_ix_off = nc;
  }
  size_t *off = fz->ix_off;
  memset(off, 0, (fz->nf + 2) * sizeof *off);
  for (size_t i = 0; i < fz->ns; i++)
    if (fz->s[i].fused >= 0 && (size_t)fz->s[i].fused < fz->nf)
      off[fz->s[i].fused + 2]++;
  for (size_t f = 0; f < fz->nf; f++)
    off[f + 2] += off[f + 1];
  for (size_t i = 0; i < fz->ns; i++)
    if (fz->s[i].fused >= 0 && (size_t)fz->s[i].fused < fz->nf)
      fz->ix_mem[off[fz->s[i].fused + 1]++] = i;
  /* off[f+1] is now the end of f's segment, off[f] its start */
  for (size_t f = 0; f < fz->nf; f++)
    fuse_sort_by_key(fz, fz->ix_mem + off[f], off[f + 1] - off[f]);
  fz->ix_valid = 1;
  return 0;
}

size_t fuse_members(const mwx_fuser *fz_, size_t fi, size_t *out, size_t cap) {
  mwx_fuser *fz = (mwx_fuser *)fz_; /* the index is a cache: not part of the fuser's observable state */
  size_t n = 0;
  if (fz->ix_valid || !build_index(fz)) {
    const size_t *m = fz->ix_mem + fz->ix_off[fi];
    n = fz->ix_off[fi + 1] - fz->ix_off[fi];
    if (n > cap)
      n = cap;
    memcpy(out, m, n * sizeof *out);
    return n;
  }
  for (size_t i = 0; i < fz->ns && n < cap; i++)
    if (fz->s[i].fused == (int)fi)
      out[n++] = i;
  fuse_sort_by_key(fz, out, n);
  return n;
}

static size_t src_hash(const char *orig, const char *id) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)orig; *p; p++)
    h = (h ^ *p) * 16777619u;
  h = (h ^ '/') * 16777619u;
  for (const unsigned char *p = (const unsigned char *)id; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h;
}

static int build_lookup(mwx_fuser *fz) {
  size_t cap = 64;
  while (cap < 2 * fz->ns + 2)
    cap *= 2;
  if (cap != fz->h_cap) {
    size_t *h = realloc(fz->h, cap * sizeof *h);
    if (!h)
      return -1;
    fz->h = h;
    fz->h_cap = cap;
  }
  memset(fz->h, 0, fz->h_cap * sizeof *fz->h);
  for (size_t i = 0; i < fz->ns; i++) {
    size_t k = src_hash(fz->s[i].last.originator, fz->s[i].last.local_track_id) & (fz->h_cap - 1);
    while (fz->h[k])
      k = (k + 1) & (fz->h_cap - 1);
    fz->h[k] = i + 1;
  }
  fz->h_valid = 1;
  return 0;
}

long fuse_find_src(const mwx_fuser *fz_, const char *orig, const char *id) {
  mwx_fuser *fz = (mwx_fuser *)fz_; /* the lookup is a cache */
  if (fz->h_valid || !build_lookup(fz)) {
    size_t k = src_hash(orig, id) & (fz->h_cap - 1);
    for (; fz->h[k]; k = (k + 1) & (fz->h_cap - 1)) {
      const src *s = &fz->s[fz->h[k] - 1];
      if (!strcmp(s->last.originator, orig) && !strcmp(s->last.local_track_id, id))
        return (long)(fz->h[k] - 1);
    }
    return -1;
  }
  for (size_t i = 0; i < fz->ns; i++)
    if (!strcmp(fz->s[i].last.originator, orig) && !strcmp(fz->s[i].last.local_track_id, id))
      return (long)i;
  return -1;
}

/* A source appended at index i: into the lookup (rebuilt later if it would
 * be more than half full). */
void fuse_lookup_add(mwx_fuser *fz, size_t i) {
  if (!fz->h_valid)
    return;
  if (2 * (i + 1) + 2 > fz->h_cap) {
    fz->h_valid = 0;
    return;
  }
  size_t k = src_hash(fz->s[i].last.originator, fz->s[i].last.local_track_id) & (fz->h_cap - 1);
  while (fz->h[k])
    k = (k + 1) & (fz->h_cap - 1);
  fz->h[k] = i + 1;
}

int fuse_new_fused(mwx_fuser *fz, const fname *name) {
  if (fz->nf == fz->capf) {
    size_t nc = fz->capf ? 2 * fz->capf : 16;
    ftrk *f = realloc(fz->f, nc * sizeof *f);
    if (!f)
      return mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
    fz->f = f;
    fz->capf = nc;
  }
  fz->f[fz->nf].alive = 1;
  fz->f[fz->nf].dirty = 1;
  fz->f[fz->nf].name = *name;
  fz->f[fz->nf].origin = -1;
  fz->f[fz->nf].back = 0;
  fz->f[fz->nf].tk_on = 0;
  fz->ix_valid = 0;
  return (int)fz->nf++;
}

void fuse_add_nation(uint8_t *n, char list[][MWX_NATION_LEN], const char *nat) {
  int pos = 0;
  while (pos < *n && strcmp(list[pos], nat) < 0)
    pos++;
  if (pos < *n && !strcmp(list[pos], nat))
    return;
  if (*n >= MWX_MAX_NATIONS)
    return;
  memmove(list[pos + 1], list[pos], (size_t)(*n - pos) * MWX_NATION_LEN);
  memcpy(list[pos], nat, MWX_NATION_LEN);
  (*n)++;
}

/* 1 if the member enters the information sum, 0 if it is combined by CI. */
static int info_member(const mwx_fuser *fz, const src *sr) {
  const mwx_fuse_sample *s = &sr->last;
  return s->own_sensors && !(s->phase == MWX_MSG_BOOST && fz->cfg.boost_ci);
}

/* The burnout rule (issue 13, thirteenth session; docs/fusion.md "The
 * burnout rule").  For MWX_ASSESS_STAGING_COAST_S after a source's last
 * boost sample (fuse_burnout_unearned) its free-flight samples come from a
 * filter that has just switched models at an end of thrust that every
 * nation's filter missed alike: the members' errors share that model
 * error, and the information sum, which takes them as independent, counts
 * it as often as there are members.  On 2022-10-04 at +150 s (the first 5-s
 * bin after burnout; 20 seeds) the sum of KOR's, JPN's and the USA's
 * samples was 65.7 m, 23.0 m/s (NEES 11.6) against the USA's own 52.7 m,
 * 17.9 m/s, while the members passed every pairwise gate (JPN against the
 * USA: d2 6.9 in seed 1): a consistency test does not see a shared error.
 * So in the picture's state (FS_STATE only: the gates and the split test
 * as before) a free-flight sample less than cfg.burnout_ci_s after its
 * source's last boost sample is combined by CI, as a boost sample is
 * (boost_ci): consistent whatever the cross-covariance.  The window was 5 s
 * until the sixteenth session (measured on 20 seeds: 10 s seemed to lose the
 * sum's gain on 2022-11-18 at +115 s and +330 s); on 60 seeds (sixteenth
 * session, docs/fusion.md) 10 s, the staging coast, mends 2022-10-04's +155 s
 * bin (1.17x the USA's position, 1.25x its velocity, the shared burnout
 * error still in the sum: cross terms of the three members' errors all
 * positive) and leaves every 2022-11-18 bin as it was but +120 s (0.999 ->
 * 1.001x KOR, a tie): the 20-seed costs were the sampling noise of 20
 * seeds. */
static int burnout_ci_member(const mwx_fuser *fz, const src *s, int mode) {
  return mode == FS_STATE && fz->cfg.boost_ci && s->boost_t_ns && s->last.phase != MWX_MSG_BOOST &&
         (double)(s->last.t_ns - s->boost_t_ns) * 1e-9 < fz->cfg.burnout_ci_s;
}

/* Boost samples: the information sum (issue 13, nineteenth session;
 * docs/fusion.md "Boost samples: the information sum").  In the picture's
 * state, while every used own-sensor member is in boost, their boost samples
 * are summed by information, not combined by CI.  What CI guarded against -
 * the nations' boost errors correlated through the thrust none of them
 * measures - is small since the trackers carry the thrust, its growth and its
 * angle in their state (src/track, issue 12): on 60 seeds the cross terms of
 * the three trackers' weighted errors (bench_fuse BENCH_FUSE_DECOMP) are of
 * both signs and a few % of the sum in boost, and the sum's claimed error is
 * the error it makes (the trackers' boost covariances are pessimistic, NEES
 * 2.3-2.5 of 3).  CI weighs by covariance and followed the USA's where KOR's
 * smaller error hid under a larger covariance.  Once a member has left boost
 * (a switched IMM, the staging coast, the burnout rule's window) the members
 * share the end of thrust that every filter missed alike: CI as before.  The
 * gates and the split test keep CI (their covariance decides association and
 * numbers, which this leaves as they were). */
static int boost_sum_on(const mwx_fuser *fz, const size_t *used, size_t nu, int mode) {
  if (mode != FS_STATE || !fz->cfg.boost_ci || !fz->cfg.boost_sum)
    return 0;
  for (size_t k = 0; k < nu; k++) {
    const mwx_fuse_sample *s = &fz->s[used[k]].last;
    if (s->own_sensors && s->phase != MWX_MSG_BOOST)
      return 0;
  }
  return 1;
}

/* 1 if member s is summed by information in combine, 0 if combined by CI. */
static int summed(const mwx_fuser *fz, const src *s, int mode, int bsum) {
  if (bsum && s->last.own_sensors && s->last.phase == MWX_MSG_BOOST)
    return 1;
  return info_member(fz, s) && !burnout_ci_member(fz, s, mode);
}

/* Combines the members used[0..nu) at t_ns: own-sensor members by the
 * information sum, the others (fused products, and boost-phase samples when
 * boost_ci) by ICI with the running result (CI when cfg.ici is 0).  *ci
 * (may be NULL) is set when a member was combined by (I)CI. */
static int combine(const mwx_fuser *fz, const size_t *used, size_t nu, int64_t t_ns, int mode, double x[6],
                   double P[6][6], int *ci) {
  double I[6][6] = {{0}}, iv[6] = {0};
  int n_info = 0, rc, have = 0, bsum = boost_sum_on(fz, used, nu, mode);
  if (ci)
    *ci = 0;
  for (size_t k = 0; k < nu; k++) {
    const src *s = &fz->s[used[k]];
    if (nu > 1 && !summed(fz, s, mode, bsum))
      continue;
    double xs[6], Ps[6][6], Is[6][6], is[6];
    double qmin = mode == FS_GATE && !fuse_fresh_at(fz, s, t_ns) ? fz->cfg.q_gate_m2ps3 : 0.0;
    if ((rc = fuse_predict_sample(fz, s, t_ns, qmin, xs, Ps)))
      return rc;
    if (fuse_inv6(Ps, Is, NULL))
      return mwx_error_set(MWX_ERANGE, "fuse: propagated covariance of %s/%s not positive definite",
                           s->last.originator, s->last.local_track_id);
    fuse_mat_vec(Is, xs, is);
    for (int r = 0; r < 6; r++) {
      iv[r] += is[r];
      for (int c = 0; c < 6; c++)
        I[r][c] += Is[r][c];
    }
    n_info++;
  }
  if (n_info) {
    if (fuse_inv6(I, P, NULL))
      return mwx_error_set(MWX_ERANGE, "fuse: information matrix not positive definite");
    fuse_mat_vec(P, iv, x);
    have = 1;
  }
  for (size_t k = 0; k < nu; k++) {
    const src *s = &fz->s[used[k]];
    if (nu == 1 || summed(fz, s, mode, bsum))
      continue;
    double xs[6], Ps[6][6];
    double qmin = mode == FS_GATE && !fuse_fresh_at(fz, s, t_ns) ? fz->cfg.q_gate_m2ps3 : 0.0;
    if ((rc = fuse_predict_sample(fz, s, t_ns, qmin, xs, Ps)))
      return rc;
    if (!have) {
      memcpy(x, xs, 6 * sizeof *x);
      memcpy(P, Ps, sizeof Ps);
      have = 1;
      continue;
    }
    double xc[6], Pc[6][6];
    if ((rc = (fz->cfg.ici ? mwx_fuse_ici : mwx_fuse_ci)(x, P, xs, Ps, xc, Pc, NULL)))
      return rc;
    memcpy(x, xc, sizeof xc);
    memcpy(P, Pc, sizeof Pc);
    if (ci)
      *ci = 1;
  }
  return have ? 0 : MWX_ENOTFOUND;
}

/* ---- The fused state memo (fuse_int.h) ---------------------------------------
 * Bounded: at most MEMO_MAX entries per begin (then states are computed
 * again, the same result); the tables keep their capacity between calls. */
#define MEMO_MAX 32768

void fuse_memo_begin(mwx_fuser *fz) {
  fz->memo_on = 1;
  fz->n_me = fz->n_mk = 0;
  if (fz->mh)
    memset(fz->mh, 0, fz->mh_cap * sizeof *fz->mh);
}

void fuse_memo_end(mwx_fuser *fz) {
  fz->memo_on = 0;
  fz->n_me = fz->n_mk = 0;
}

static uint64_t memo_hash(int64_t t_ns, int mode, const size_t *c, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a 64-bit offset basis and prime, over words */
  h = (h ^ (uint64_t)t_ns) * 1099511628211ull;
  h = (h ^ (uint64_t)mode) * 1099511628211ull;
  for (size_t k = 0; k < n; k++)
    h = (h ^ (uint64_t)c[k]) * 1099511628211ull;
  return h ^ (h >> 29);
}

/* The entry of (t, mode, c[0..n)), or NULL. */
static const memo_ent *memo_find(const mwx_fuser *fz, uint64_t h, int64_t t_ns, int mode, const size_t *c, size_t n) {
  if (!fz->mh_cap)
    return NULL;
  for (size_t k = (size_t)h & (fz->mh_cap - 1); fz->mh[k]; k = (k + 1) & (fz->mh_cap - 1)) {
    const memo_ent *e = &fz->me[fz->mh[k] - 1];
    if (e->hash == h && e->t_ns == t_ns && e->mode == mode && e->n == n &&
        !memcmp(fz->mk + e->off, c, n * sizeof *c))
      return e;
  }
  return NULL;
}

/* Keeps a state (nothing when full or out of memory: it is only a memo). */
static void memo_put(mwx_fuser *fz, uint64_t h, int64_t t_ns, int mode, const size_t *c, size_t n,
                     const double x[6], const double P[6][6]) {
  if (fz->n_me >= MEMO_MAX)
    return;
  if (fz->n_me == fz->cap_me) {
    size_t nc = fz->cap_me ? 2 * fz->cap_me : 256;
    memo_ent *p = realloc(fz->me, nc * sizeof *p);
    if (!p)
      return;
    fz->me = p;
    fz->cap_me = nc;
  }
  if (fz->n_mk + n > fz->cap_mk) {
    size_t nc = fz->cap_mk ? 2 * fz->cap_mk : 1024;
    while (nc < fz->n_mk + n)
      nc *= 2;
    size_t *p = realloc(fz->mk, nc * sizeof *p);
    if (!p)
      return;
    fz->mk = p;
    fz->cap_mk = nc;
  }
  if (2 * (fz->n_me + 1) > fz->mh_cap) { /* at most half full: rehash into twice the table */
    size_t nc = fz->mh_cap ? 2 * fz->mh_cap : 1024;
    size_t *p = calloc(nc, sizeof *p);
    if (!p)
      return;
    free(fz->mh);
    fz->mh = p;
    fz->mh_cap = nc;
    for (size_t i = 0; i < fz->n_me; i++) {
      size_t k = (size_t)fz->me[i].hash & (nc - 1);
      while (p[k])
        k = (k + 1) & (nc - 1);
      p[k] = i + 1;
    }
  }
  memo_ent *e = &fz->me[fz->n_me];
  e->t_ns = t_ns;
  e->hash = h;
  e->mode = mode;
  e->n = n;
  e->off = fz->n_mk;
  memcpy(fz->mk + fz->n_mk, c, n * sizeof *c);
  fz->n_mk += n;
  memcpy(e->x, x, sizeof e->x);
  memcpy(e->P, P, sizeof e->P);
  size_t k = (size_t)h & (fz->mh_cap - 1);
  while (fz->mh[k])
    k = (k + 1) & (fz->mh_cap - 1);
  fz->mh[k] = ++fz->n_me;
}

static int state_at(const mwx_fuser *fz, size_t fi, int64_t t_ns, size_t exclude, size_t exclude2, int mode,
                    double x[6], double P[6][6], mwx_fuse_track *out);

/* the memo key's tag of a displaced member (source indices are far below it) */
#define MEMO_DISPLACED ((size_t)1 << (sizeof(size_t) * 8 - 1))
#define MEMO_EXCLUDED ((size_t)1 << (sizeof(size_t) * 8 - 2))

/* Whether displaced member m[k] is used at t_ns: while it is fresh and
 * no member of its originator that is not displaced is, nor the excluded
 * source (a member left out of a test, or the new track a gate is testing:
 * the one that displaces m[k]); and, silent (cfg.displaced_silent), while no
 * member of its originator (nor the excluded source) is fresh or newer: its
 * replacer fell silent before it (2022-11-18 bench seed 32, JPN-T10 had
 * displaced JPN-T1, which spoke on to +2,354 s and then had a 30-s gap; with
 * every member silent the picture was the USA's 1,300-s-old prediction, 340 m
 * off, instead of JPN-T1's, 116 m, for 10 s).  A
 * newer track of its nation took its place (the displacement and
 * replacement rules, fuse_assoc.c); when that one falls silent and the old
 * one still speaks, the old one is the nation's live estimate again.  Found
 * on 2022-11-18 (bench_fuse, seed 1): JPN-T31 replaced JPN-T1 at +3,820 s
 * (both fresh, JPN-T31 a hair nearer the others), then fell silent; JPN-T1,
 * 5 m off and fresh, stayed unused and the picture was the USA's alone (42 m),
 * and USA-T2 split off for 260 s (a second global number). */
static int displaced_used(const mwx_fuser *fz, const size_t *m, size_t nm, size_t k, size_t exclude, int64_t t_ns) {
  const src *o = &fz->s[m[k]];
  int fresh = fuse_fresh_at(fz, o, t_ns);
  if (!fresh && !fz->cfg.displaced_silent)
    return 0;
  if (exclude != (size_t)-1 && exclude < fz->ns && !strcmp(fz->s[exclude].last.originator, o->last.originator) &&
      (fuse_fresh_at(fz, &fz->s[exclude], t_ns) || (!fresh && fz->s[exclude].last.t_ns >= o->last.t_ns)))
    return 0;
  for (size_t j = 0; j < nm; j++) {
    const src *s = &fz->s[m[j]];
    if (j == k || strcmp(s->last.originator, o->last.originator))
      continue;
    if (!s->displaced && fuse_fresh_at(fz, s, t_ns))
      return 0;
    /* silent: used as a silent member (screened as they are) only while it is its nation's newest
     * estimate here, displaced or not: it was that nation's live estimate after its replacer fell
     * silent (used while fresh, above) */
    if (!fresh && (s->last.t_ns > o->last.t_ns || (s->last.t_ns == o->last.t_ns && j < k)))
      return 0;
  }
  return 1;
}

int fuse_state_at(const mwx_fuser *fz, size_t fi, int64_t t_ns, size_t exclude, int mode, double x[6],
                  double P[6][6], mwx_fuse_track *out) {
  return fuse_state_at2(fz, fi, t_ns, exclude, (size_t)-1, mode, x, P, out);
}

int fuse_state_at2(const mwx_fuser *fz, size_t fi, int64_t t_ns, size_t exclude, size_t exclude2, int mode,
                   double x[6], double P[6][6], mwx_fuse_track *out) {
  if (!fz->memo_on || out || !x || !P)
    return state_at(fz, fi, t_ns, exclude, exclude2, mode, x, P, out);
  size_t m[MWX_FUSE_MAX_MEMBERS * 4 + 2]; /* state_at's members, and the excluded sources */
  size_t nm = fuse_members(fz, fi, m, MWX_FUSE_MAX_MEMBERS * 4), nc = 0;
  /* every member, the excluded one and the displaced ones tagged: a
   * displaced member is used again when its nation has no other fresh
   * member (displaced_used), so the state depends on them too */
  for (size_t k = 0; k < nm; k++)
    if (m[k] != exclude && m[k] != exclude2)
      m[nc++] = fz->s[m[k]].displaced ? m[k] | MEMO_DISPLACED : m[k];
  if (exclude != (size_t)-1) /* a member or the new track a gate tests */
    m[nc++] = exclude | MEMO_EXCLUDED;
  if (exclude2 != (size_t)-1) /* the odd one out's test: a second member left out */
    m[nc++] = exclude2 | MEMO_EXCLUDED;
  uint64_t h = memo_hash(t_ns, mode, m, nc);
  const memo_ent *e = memo_find(fz, h, t_ns, mode, m, nc);
  if (e) {
    memcpy(x, e->x, sizeof e->x);
    memcpy(P, e->P, sizeof e->P);
    return 0;
  }
  int rc = state_at(fz, fi, t_ns, exclude, exclude2, mode, x, P, NULL);
  if (!rc) /* failures are not kept: computed again, they set the error again */
    memo_put((mwx_fuser *)fz, h, t_ns, mode, m, nc, x, P); /* a cache: not the fuser's observable state */
  return rc;
}

/* The fused state of fused track fi at t_ns from its members except
 * `exclude` ((size_t)-1: none), see FS_*.  Members used: the fresh ones
 * (sample age <= fresh_s), and (not for FS_SPLIT) the silent ones whose last
 * sample was in free flight and whose prediction agrees with the fresh
 * fuse_members (inside the assoc gate): a silent track's prediction is as good as
 * its source's own coasting, unless its source lost it under thrust it
 * did not see.  With no fresh member, every silent free-flight member, or
 * else the newest member alone (coasting).  MWX_ENOTFOUND when no member can
 * be used.  out may be NULL for x, P only.  exclude2: a second member left
 * out ((size_t)-1: none; the split test's odd one out, fuse_assoc.c). */
static int state_at(const mwx_fuser *fz, size_t fi, int64_t t_ns, size_t exclude, size_t exclude2, int mode,
                    double x[6], double P[6][6], mwx_fuse_track *out) {
  size_t m[MWX_FUSE_MAX_MEMBERS * 4];
  size_t nm = fuse_members(fz, fi, m, sizeof m / sizeof m[0]);
  size_t used[MWX_FUSE_MAX_MEMBERS * 4], stale[MWX_FUSE_MAX_MEMBERS * 4];
  size_t nu = 0, ns = 0, newest = (size_t)-1;
  for (size_t k = 0; k < nm; k++) {
    if (m[k] == exclude || m[k] == exclude2 || (fz->s[m[k]].displaced && !displaced_used(fz, m, nm, k, exclude, t_ns)))
      continue;
    const src *s = &fz->s[m[k]];
    if (newest == (size_t)-1 || s->last.t_ns > fz->s[newest].last.t_ns)
      newest = m[k];
    if (fuse_fresh_at(fz, s, t_ns))
      used[nu++] = m[k];
    else if (mode != FS_SPLIT && s->last.phase != MWX_MSG_BOOST)
      stale[ns++] = m[k];
  }
  int n_fresh = (int)nu, rc, ci = 0;
  size_t nu_screen = 0; /* the members the silent ones were screened against (0: no screen) */
  double xf[6], Pf[6][6];
  if (!n_fresh && ns > 1) {
    /* nobody holds it now: the newest silent member is the reference the
     * others are screened against (an unscreened old estimate whose source
     * lost the missile badly - KOR's coasting track 1-2 km off on
     * 2022-10-04 - would otherwise pull the coasting picture away) */
    size_t ref = 0;
    for (size_t k = 1; k < ns; k++)
      if (fz->s[stale[k]].last.t_ns > fz->s[stale[ref]].last.t_ns)
        ref = k;
    size_t r = stale[ref];
    stale[ref] = stale[0];
    stale[0] = r;
    used[nu++] = r;
    memmove(stale, stale + 1, (ns - 1) * sizeof *stale);
    ns--;
  }
  if (nu && ns) {
    /* screen the silent members against the fresh ones */
    if ((rc = combine(fz, used, nu, t_ns, mode, xf, Pf, &ci)))
      return rc;
    nu_screen = nu;
    for (size_t k = 0; k < ns; k++) {
      double xs[6], Ps[6][6], d2;
      double qmin = mode == FS_GATE ? fz->cfg.q_gate_m2ps3 : 0.0;
      if (fuse_predict_sample(fz, &fz->s[stale[k]], t_ns, qmin, xs, Ps) ||
          mwx_fuse_distance2(xs, Ps, xf, Pf, &d2)) {
        mwx_error_clear();
        continue;
      }
      /* the gate that keeps the member while it speaks (fuse_split_gate: the held gate once it is
       * held), not the association gate: on 2022-10-04 (seed 17, +405 s) the USA's track, the
       * best of the three (5.5 m off), fell silent when its sensor lost the missile and was
       * screened out against KOR's and JPN's fresh samples (JPN 18.7 m off, overconfident), and the
       * picture was KOR's and JPN's alone, 13.4 m off, for the rest of the flight */
      if (d2 < (fz->cfg.stale_split_gate ? fuse_split_gate(fz, &fz->s[stale[k]]) : fz->gate_assoc))
        used[nu++] = stale[k];
    }
  } else if (ns) {
    memcpy(used, stale, ns * sizeof *used);
    nu = ns;
  }
  if (!nu) {
    if (mode == FS_SPLIT || newest == (size_t)-1)
      return MWX_ENOTFOUND;
    used[nu++] = newest;
  }
  /* none of the silent members passed the screen: the state is the one
   * they were screened against (the same call, the same result) */
  if (nu != nu_screen && (rc = combine(fz, used, nu, t_ns, mode, xf, Pf, &ci)))
    return rc;
  int method = !n_fresh ? MWX_FUSE_COAST : ci ? MWX_FUSE_CI : nu == 1 ? MWX_FUSE_SINGLE : MWX_FUSE_INFO;
  if (x)
    memcpy(x, xf, sizeof xf);
  if (P)
    memcpy(P, Pf, sizeof Pf);
  if (out) {
    memset(out, 0, sizeof *out);
    out->t_ns = t_ns;
    memcpy(out->x, xf, sizeof xf);
    memcpy(out->P, Pf, sizeof Pf);
    out->method = method;
    out->n_used = (int)nu;
    /* a member used in boost makes the fused track boost, coasting too: a
     * track lost under thrust (burnout not seen by anyone: no member in
     * free flight, which coasting would use first) is never taken as burnt
     * out - its free-flight prediction would be an impact point short of
     * the real one by the unseen rest of the burn (2022-11-18: USA-T1 lost
     * at +171 s in boost gave an MRBM call and a 245-km ellipse on ROK
     * land) - so nothing derived from it claims an impact point */
    for (size_t k = 0; k < nu; k++)
      out->boost |= fz->s[used[k]].last.phase == MWX_MSG_BOOST || fuse_burnout_unearned(&fz->s[used[k]]);
    for (size_t k = 0; k < nu; k++) {
      const mwx_fuse_sample *s = &fz->s[used[k]].last;
      if (out->n_sources < MWX_FUSE_MAX_MEMBERS)
        out->sources[out->n_sources++] = s->mark;
      fuse_add_nation(&out->n_contributors, out->contributors, s->originator);
      for (int c = 0; c < s->n_contributors; c++)
        fuse_add_nation(&out->n_contributors, out->contributors, s->contributors[c]);
    }
    const fname *nm_ = &fz->f[fi].name;
    memcpy(out->name_originator, nm_->orig, MWX_NATION_LEN);
    memcpy(out->name_local_id, nm_->id, MWX_ID_LEN);
    out->name_t_ns = nm_->t_first_ns;
    out->name_generation = nm_->gen;
    for (size_t k = 0; k < nm; k++) {
      const src *s = &fz->s[m[k]];
      if (k == 0 || s->last.t_ns > out->t_last_sample_ns)
        out->t_last_sample_ns = s->last.t_ns;
      if (out->n_members < MWX_FUSE_MAX_MEMBERS) {
        memcpy(out->member_originator[out->n_members], s->last.originator, MWX_NATION_LEN);
        memcpy(out->member_local_id[out->n_members], s->last.local_track_id, MWX_ID_LEN);
      }
      out->n_members++;
    }
    if (out->n_members > MWX_FUSE_MAX_MEMBERS)
      out->n_members = MWX_FUSE_MAX_MEMBERS;
    out->global_track_no = fuse_name_number(nm_);
  }
  return 0;
}

int mwx_fuse_get(const mwx_fuser *fz, size_t index, int64_t t_ns, mwx_fuse_track *out) {
  if (!fz || !out || index >= fz->nf)
    return mwx_error_set(MWX_EINVAL, "fuse: get: no fused track %zu", index);
  int rc = fuse_state_at(fz, index, t_ns, (size_t)-1, FS_STATE, NULL, NULL, out);
  if (rc == MWX_ENOTFOUND)
    return mwx_error_set(MWX_EINVAL, "fuse: get: fused track %zu has no member", index);
  return rc ? rc : fuse_tracklet_get(fz, index, t_ns, out);
}

int mwx_fuse_get_last(const mwx_fuser *fz, size_t index, mwx_fuse_track *out) {
  if (!fz || !out || index >= fz->nf)
    return mwx_error_set(MWX_EINVAL, "fuse: get_last: no fused track %zu", index);
  size_t m[MWX_FUSE_MAX_MEMBERS * 4];
  size_t nm = fuse_members(fz, index, m, sizeof m / sizeof m[0]);
  int64_t t = 0;
  int have = 0;
  for (size_t k = 0; k < nm; k++)
    if (!fz->s[m[k]].displaced && (!have || fz->s[m[k]].last.t_ns > t)) {
      t = fz->s[m[k]].last.t_ns;
      have = 1;
    }
  if (!have)
    return mwx_error_set(MWX_EINVAL, "fuse: get_last: fused track %zu has no member", index);
  int rc = fuse_state_at(fz, index, t, (size_t)-1, FS_STATE, NULL, NULL, out);
  if (rc == MWX_ENOTFOUND)
    return mwx_error_set(MWX_EINVAL, "fuse: get_last: fused track %zu has no member", index);
  return rc ? rc : fuse_tracklet_get(fz, index, t, out);
}

void mwx_fuse_mem_stats(const mwx_fuser *fz, mwx_fuse_mem *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  if (!fz)
    return;
  out->sources = fz->ns;
  out->fused = fz->nf;
  out->pending = fz->npend;
  int64_t newest = INT64_MIN;
  for (size_t i = 0; i < fz->ns; i++)
    if (fz->s[i].last.t_ns > newest)
      newest = fz->s[i].last.t_ns;
  for (size_t i = 0; i < fz->ns; i++)
    out->silent_sources += !fuse_fresh_at(fz, &fz->s[i], newest);
  out->bytes_sources = fz->caps * sizeof *fz->s;
  out->bytes_fused = fz->capf * sizeof *fz->f;
  out->bytes_index = fz->cap_ix_mem * sizeof *fz->ix_mem + fz->cap_ix_off * sizeof *fz->ix_off;
  out->bytes_lookup = fz->h_cap * sizeof *fz->h;
  out->bytes_memo = fz->cap_me * sizeof *fz->me + fz->cap_mk * sizeof *fz->mk + fz->mh_cap * sizeof *fz->mh;
  out->bytes_pending = fz->pend ? FUSE_PENDING_MAX * sizeof *fz->pend : 0;
  out->bytes_total = sizeof *fz + out->bytes_sources + out->bytes_fused + out->bytes_index + out->bytes_lookup +
                     out->bytes_memo + out->bytes_pending;
}
