/*
 * fuse_copy.c - what a reader on another thread needs of a fuser, copied
 * out at once (mwx/fuse.h mwx_fuse_each_source).  The node's fusion worker
 * (src/node/fusepic.c) owns its fuser; the loop thread reads only the
 * immutable picture the worker hands back, and the number map in it is
 * made here: every source track with the global number of the fused track
 * that holds it, exactly what mwx_fuse_global_of answers for each.
 */
#include "fuse_int.h"

void mwx_fuse_each_source(const mwx_fuser *fz, mwx_fuse_source_fn fn, void *ctx) {
  if (!fz || !fn)
    return;
  for (size_t i = 0; i < fz->ns; i++) {
    const src *s = &fz->s[i];
    if (s->fused < 0 || (size_t)s->fused >= fz->nf)
      continue; /* not held by a fused track (mwx_fuse_global_of would not find it either) */
    fn(ctx, s->last.originator, s->last.local_track_id, fuse_name_number(&fz->f[s->fused].name));
  }
}
