/*
 * fuse_sample.c - source samples: the check, and a Track sample or an own
 * track as a fuse input (mwx/fuse.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "fuse_int.h"

static int nation_ok(const char *n) {
  return n[0] >= 'A' && n[0] <= 'Z' && n[1] >= 'A' && n[1] <= 'Z' && n[2] >= 'A' && n[2] <= 'Z' && !n[3];
}

int mwx_fuse_sample_check(const mwx_fuse_sample *s) {
  if (!s)
    return mwx_error_set(MWX_EINVAL, "fuse: sample is NULL");
  if (!nation_ok(s->originator))
    return mwx_error_set(MWX_EINVAL, "fuse: sample: originator is not three upper-case letters");
  if (!memchr(s->local_track_id, 0, MWX_ID_LEN) || !s->local_track_id[0])
    return mwx_error_set(MWX_EINVAL, "fuse: sample of %s: local_track_id empty or not terminated", s->originator);
  const char *id = s->local_track_id;
  for (int i = 0; i < 3; i++)
    if (!isfinite(s->pos_ecef_m[i]) || !isfinite(s->vel_ecef_mps[i]))
      return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: position or velocity not finite", s->originator, id);
  if (s->phase < MWX_MSG_BOOST || s->phase > MWX_MSG_TERMINAL)
    return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: phase %d unknown", s->originator, id, s->phase);
  if ((s->has_thrust != 0 && s->has_thrust != 1) ||
      (s->has_thrust && (!isfinite(s->thrust_mps2) || !isfinite(s->thrust_angle_rad))))
    return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: has_thrust must be 0 or 1 with a finite thrust", s->originator, id);
  if (s->own_sensors != 0 && s->own_sensors != 1)
    return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: own_sensors must be 0 or 1", s->originator, id);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) {
      double a = s->P[i][j], b = s->P[j][i];
      if (!isfinite(a))
        return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: covariance P[%d][%d] not finite", s->originator, id, i, j);
      if (fabs(a - b) > 1e-6 * (fabs(a) + fabs(b)) + 1e-300)
        return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: covariance not symmetric at [%d][%d]", s->originator, id,
                             i, j);
    }
  double Pi[6][6];
  if (fuse_inv6(s->P, Pi, NULL))
    return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: covariance not positive definite", s->originator, id);
  if (s->n_contributors > MWX_MAX_NATIONS)
    return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: %u contributors (at most %d)", s->originator, id,
                         s->n_contributors, MWX_MAX_NATIONS);
  for (int k = 0; k < s->n_contributors; k++)
    if (!nation_ok(s->contributors[k]))
      return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: contributor %d malformed", s->originator, id, k);
  if (s->mark.n_releasable > MWX_MAX_NATIONS ||
      (s->mark.originator[0] && strncmp(s->mark.originator, s->originator, MWX_NATION_LEN)))
    return mwx_error_set(MWX_EINVAL, "fuse: track %s/%s: marking's originator or releasable-to count wrong",
                         s->originator, id);
  return 0;
}

int mwx_fuse_sample_from_msg(const mwx_msg *m, mwx_fuse_sample *out) {
  if (!m || !out)
    return mwx_error_set(MWX_EINVAL, "fuse: from_msg: NULL argument");
  if (m->topic != MWX_TOPIC_TRACK)
    return mwx_error_set(MWX_EINVAL, "fuse: from_msg: topic %u is not Track", m->topic);
  if (!(m->fields & MWX_F_COVARIANCE))
    return mwx_error_set(MWX_EINVAL, "fuse: from_msg: Track %.3s/%.31s has no covariance", m->mark.originator,
                         m->u.track.local_track_id);
  const mwx_msg_track *t = &m->u.track;
  memset(out, 0, sizeof *out);
  memcpy(out->originator, m->mark.originator, 3);
  snprintf(out->local_track_id, MWX_ID_LEN, "%.31s", t->local_track_id);
  out->t_ns = t->time_ns;
  memcpy(out->pos_ecef_m, t->pos_ecef_m, sizeof out->pos_ecef_m);
  memcpy(out->vel_ecef_mps, t->vel_ecef_mps, sizeof out->vel_ecef_mps);
  int k = 0;
  for (int i = 0; i < 6; i++)
    for (int j = i; j < 6; j++)
      out->P[i][j] = out->P[j][i] = t->cov[k++];
  out->phase = t->phase;
  out->own_sensors = 1;
  out->mark = m->mark;
  if (m->fields & MWX_F_CONTRIBUTORS) {
    out->n_contributors = t->n_contributors > MWX_MAX_NATIONS ? MWX_MAX_NATIONS + 1 : t->n_contributors;
    for (int c = 0; c < t->n_contributors && c < MWX_MAX_NATIONS; c++) {
      memcpy(out->contributors[c], t->contributors[c], 3);
      if (strncmp(t->contributors[c], m->mark.originator, 3))
        out->own_sensors = 0;
    }
  }
  return mwx_fuse_sample_check(out);
}

int mwx_fuse_sample_from_track(const char *nation, const mwx_track_info *in, mwx_fuse_sample *out) {
  if (!nation || !in || !out)
    return mwx_error_set(MWX_EINVAL, "fuse: from_track: NULL argument");
  memset(out, 0, sizeof *out);
  if (strlen(nation) != 3)
    return mwx_error_set(MWX_EINVAL, "fuse: from_track: nation '%.8s' is not three letters", nation);
  memcpy(out->originator, nation, 3);
  snprintf(out->local_track_id, MWX_ID_LEN, "%s-T%u", nation, in->id);
  out->t_ns = in->est.t_ns;
  for (int i = 0; i < 3; i++) {
    out->pos_ecef_m[i] = in->est.x[i];
    out->vel_ecef_mps[i] = in->est.x[3 + i];
  }
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      out->P[i][j] = 0.5 * (in->est.P[i][j] + in->est.P[j][i]);
  /* the Track sample's phase rule (node.c track_sample): only boost matters here */
  out->phase = in->p_ballistic < 0.5 ? MWX_MSG_BOOST : MWX_MSG_MIDCOURSE;
  if (out->phase == MWX_MSG_BOOST) {
    out->has_thrust = 1;
    out->thrust_mps2 = in->est.x[6];
    out->thrust_angle_rad = in->est.x[8]; /* the filter's thrust angle (0 with the angle off) */
  }
  out->own_sensors = 1;
  out->n_contributors = 1;
  memcpy(out->contributors[0], nation, 3);
  memcpy(out->mark.originator, nation, 3);
  return mwx_fuse_sample_check(out);
}

/* ---- The fuser ------------------------------------------------------------- */
