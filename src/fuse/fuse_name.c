/*
 * fuse_name.c - names and global track numbers: the key order of source
 * tracks, a fused track's name and its number, and how names pass on after
 * an ingest call (joins, merges, splits; mwx/fuse.h "Global track number").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "fuse_int.h"

uint32_t fuse_name_number(const fname *n) {
  if (!n->gen)
    return mwx_fuse_global_number(n->orig, n->id);
  char id[MWX_ID_LEN + 16];
  snprintf(id, sizeof id, "%s#%d", n->id, n->gen);
  return mwx_fuse_global_number(n->orig, id);
}

/* ---- Samples ---------------------------------------------------------------- */

/* key order: first sample time, originator, local id */
int fuse_key_cmp(const src *a, const src *b) {
  if (a->t_first_ns != b->t_first_ns)
    return a->t_first_ns < b->t_first_ns ? -1 : 1;
  int c = strcmp(a->last.originator, b->last.originator);
  return c ? c : strcmp(a->last.local_track_id, b->last.local_track_id);
}

int fuse_name_cmp(const fname *a, const fname *b) {
  if (a->t_first_ns != b->t_first_ns)
    return a->t_first_ns < b->t_first_ns ? -1 : 1;
  int c = strcmp(a->orig, b->orig);
  if (!c)
    c = strcmp(a->id, b->id);
  return c ? c : (a->gen > b->gen) - (a->gen < b->gen);
}

/* The name of source s at the smallest generation no fused track holds. */
fname fuse_src_name(const mwx_fuser *fz, const src *s) {
  fname n;
  memset(&n, 0, sizeof n);
  n.t_first_ns = s->t_first_ns;
  memcpy(n.orig, s->last.originator, MWX_NATION_LEN);
  memcpy(n.id, s->last.local_track_id, MWX_ID_LEN);
  for (;;) {
    size_t f = 0;
    while (f < fz->nf && fuse_name_cmp(&fz->f[f].name, &n))
      f++;
    if (f == fz->nf)
      return n;
    n.gen++;
  }
}

int fuse_src_is_name(const src *s, const fname *n) {
  return s->t_first_ns == n->t_first_ns && !strcmp(s->last.originator, n->orig) && !strcmp(s->last.local_track_id, n->id);
}

/* Sorts source indices by key (insertion sort: the lists are short, and
 * qsort has no context argument). */
void fuse_sort_by_key(const mwx_fuser *fz, size_t *idx, size_t n) {
  for (size_t i = 1; i < n; i++) {
    size_t v = idx[i], j = i;
    while (j > 0 && fuse_key_cmp(&fz->s[v], &fz->s[idx[j - 1]]) < 0) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = v;
  }
}

/* Names after an ingest call.  Every fused track of before the call (its
 * name old[o], its members the sources with prev == o) hands its name to the
 * fused track of now that holds most of its fuse_members (ties: the one holding
 * its naming source, then the one with the smaller name): a member that
 * leaves by decorrelation or is lost does not take the missile's number
 * with it, and the number stays with the missile when the naming track is
 * the one that goes astray.  A fused track offered several names (a merge)
 * takes the smallest, and so does one whose new member (first seen in this
 * call) has a smaller key than any name offered, so that nodes that got the
 * same tracks in another order agree; a fused track offered none is named by
 * its smallest key at the first free generation. */
int fuse_resolve_names(mwx_fuser *fz, const fname *old, size_t n_old) {
  size_t nf = fz->nf;
  int *best = malloc((n_old ? n_old : 1) * sizeof *best);
  int *cnt = malloc((nf ? nf : 1) * sizeof *cnt);
  if (!best || !cnt) {
    free(best), free(cnt);
    return mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
  }
  for (size_t o = 0; o < n_old; o++) {
    memset(cnt, 0, (nf ? nf : 1) * sizeof *cnt);
    int has_name_src = -1;
    for (size_t i = 0; i < fz->ns; i++) {
      if (fz->s[i].fused >= 0 && fuse_src_is_name(&fz->s[i], &old[o]))
        has_name_src = fz->s[i].fused; /* wherever the naming source is now */
      if (fz->s[i].prev == (int)o && fz->s[i].fused >= 0)
        cnt[fz->s[i].fused]++;
    }
    best[o] = -1;
    for (size_t f = 0; f < nf; f++) {
      if (!cnt[f])
        continue;
      if (best[o] < 0 || cnt[f] > cnt[best[o]] || (cnt[f] == cnt[best[o]] && (int)f == has_name_src))
        best[o] = (int)f;
    }
  }
  for (size_t f = 0; f < nf; f++) {
    fname nm;
    int have = 0;
    for (size_t o = 0; o < n_old; o++)
      if (best[o] == (int)f && (!have || fuse_name_cmp(&old[o], &nm) < 0))
        nm = old[o], have = 1;
    for (size_t i = 0; i < fz->ns; i++)
      if (fz->s[i].fused == (int)f && fz->s[i].prev == -2) { /* new in this call */
        fname own;
        memset(&own, 0, sizeof own);
        own.t_first_ns = fz->s[i].t_first_ns;
        memcpy(own.orig, fz->s[i].last.originator, MWX_NATION_LEN);
        memcpy(own.id, fz->s[i].last.local_track_id, MWX_ID_LEN);
        if (have && fuse_name_cmp(&own, &nm) < 0)
          nm = own;
      }
    if (have)
      fz->f[f].name = nm;
    else
      fz->f[f].name.gen = -1;
  }
  for (size_t f = 0; f < nf; f++)
    if (fz->f[f].name.gen < 0) {
      const src *mn = NULL;
      for (size_t i = 0; i < fz->ns; i++)
        if (fz->s[i].fused == (int)f && (!mn || fuse_key_cmp(&fz->s[i], mn) < 0))
          mn = &fz->s[i];
      if (mn)
        fz->f[f].name = fuse_src_name(fz, mn);
    }
  free(best), free(cnt);
  return 0;
}

int mwx_fuse_global_of(const mwx_fuser *fz, const char *originator, const char *local_track_id,
                       uint32_t *global_track_no) {
  if (!fz || !originator || !local_track_id || !global_track_no)
    return mwx_error_set(MWX_EINVAL, "fuse: global_of: NULL argument");
  long i = fuse_find_src(fz, originator, local_track_id);
  if (i < 0)
    return mwx_error_set(MWX_ENOTFOUND, "fuse: no source track %s/%s", originator, local_track_id);
  *global_track_no = fuse_name_number(&fz->f[fz->s[i].fused].name);
  return 0;
}
