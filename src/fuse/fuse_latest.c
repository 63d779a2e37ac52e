/*
 * fuse_latest.c - the partners' latest samples (mwx/fuse.h "The partners'
 * latest samples"): the newest sample per (originator, topic, local track
 * id / alert id / node id), as received, never going back in time.  It is
 * the record of what each partner said last (its NodeStatus and Alerts
 * too), not the picture of the missiles (that is the fuser's).  A node
 * keeps one on its receive path (src/node/rx.c, after the replay and
 * signature checks); the replay defence is tested on it
 * (tests/test_node_replay.c).  Pure: no I/O, no clock.
 */
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/fuse.h"

struct mwx_fuse_latest {
  mwx_fuse_latest_entry *e;
  size_t n, cap, max;
};

const char *mwx_fuse_latest_id(const mwx_msg *m) {
  if (!m)
    return "";
  switch (m->topic) {
  case MWX_TOPIC_TRACK: return m->u.track.local_track_id;
  case MWX_TOPIC_LAUNCH: return m->u.launch.local_track_id;
  case MWX_TOPIC_IMPACT: return m->u.impact.local_track_id;
  case MWX_TOPIC_ALERT: return m->u.alert.alert_id;
  case MWX_TOPIC_STATUS: return m->u.status.node_id;
  default: return "";
  }
}

int mwx_fuse_latest_create(size_t max_keys, mwx_fuse_latest **out) {
  if (!out || !max_keys)
    return mwx_error_set(MWX_EINVAL, "fuse latest: create: NULL out or no room");
  mwx_fuse_latest *t = calloc(1, sizeof *t);
  if (!t)
    return mwx_error_set(MWX_ENOMEM, "fuse latest: out of memory");
  t->max = max_keys;
  *out = t;
  return 0;
}

void mwx_fuse_latest_destroy(mwx_fuse_latest *t) {
  if (!t)
    return;
  free(t->e);
  free(t);
}

/* 1 if m is newer than o (same key): a later time of validity, or the
 * same (or none, LaunchEvent) and a higher seq.  Equal is not newer: another
 * copy of the same sample changes nothing. */
static int newer(const mwx_msg *m, const mwx_msg *o) {
  int64_t tm = mwx_msg_valid_ns(m), to = mwx_msg_valid_ns(o);
  if (tm != to)
    return tm > to;
  return m->mark.seq > o->mark.seq;
}

int mwx_fuse_latest_put(mwx_fuse_latest *t, const mwx_msg *m, int64_t recv_ns, int *changed) {
  if (!t || !m || !changed)
    return mwx_error_set(MWX_EINVAL, "fuse latest: put: NULL argument");
  *changed = 0;
  const char *id = mwx_fuse_latest_id(m);
  for (size_t i = 0; i < t->n; i++) {
    mwx_fuse_latest_entry *e = &t->e[i];
    if (e->msg.topic == m->topic && !strncmp(e->msg.mark.originator, m->mark.originator, 3) &&
        !strcmp(mwx_fuse_latest_id(&e->msg), id)) {
      if (!newer(m, &e->msg))
        return 0;
      e->msg = *m;
      e->recv_wall_ns = recv_ns;
      e->updates++;
      *changed = 1;
      return 0;
    }
  }
  if (t->n >= t->max)
    return mwx_error_set(MWX_ERANGE, "fuse latest: %zu keys held: no room for %.3s %s", t->max,
                         m->mark.originator, id);
  if (t->n == t->cap) {
    size_t nc = t->cap ? 2 * t->cap : 16;
    mwx_fuse_latest_entry *p = realloc(t->e, nc * sizeof *p);
    if (!p)
      return mwx_error_set(MWX_ENOMEM, "fuse latest: out of memory");
    t->e = p;
    t->cap = nc;
  }
  mwx_fuse_latest_entry *e = &t->e[t->n++];
  e->msg = *m;
  e->recv_wall_ns = recv_ns;
  e->updates = 1;
  *changed = 1;
  return 0;
}

size_t mwx_fuse_latest_count(const mwx_fuse_latest *t) { return t ? t->n : 0; }

int mwx_fuse_latest_evict_oldest(mwx_fuse_latest *t, mwx_fuse_latest_entry *out) {
  if (!t)
    return mwx_error_set(MWX_EINVAL, "fuse latest: evict: NULL argument");
  if (!t->n)
    return mwx_error_set(MWX_ENOTFOUND, "fuse latest: evict: empty table");
  size_t k = 0;
  for (size_t i = 1; i < t->n; i++)
    if (t->e[i].recv_wall_ns < t->e[k].recv_wall_ns)
      k = i;
  if (out)
    *out = t->e[k];
  memmove(&t->e[k], &t->e[k + 1], (t->n - k - 1) * sizeof *t->e);
  t->n--;
  return 0;
}

void mwx_fuse_latest_each(const mwx_fuse_latest *t, mwx_fuse_latest_fn fn, void *ctx) {
  if (!t || !fn)
    return;
  for (size_t i = 0; i < t->n; i++)
    fn(ctx, &t->e[i]);
}
