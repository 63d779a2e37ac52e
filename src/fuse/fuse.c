/*
 * fuse.c - track-to-track fusion (the contract and the rules are in
 * include/mwx/fuse.h; the reasons in docs/fusion.md).
 *
 * The fuser holds source tracks (the latest sample of each originator's
 * local track, and the time of its first) and fused tracks (a set of source
 * tracks: src.fused is the index of the fused track a source belongs to).
 * A fused track has no estimate of its own: its state at any time is
 * recomputed from its members' latest samples (fused_state), so nothing a
 * source said earlier is ever counted again once it has said something
 * newer; this is what keeps the information sum free of double counting
 * between successive outputs of one source filter.
 *
 * Determinism: everything that decides membership or a name is computed
 * from members in key order (first sample time, originator, local id), and
 * a batch is sorted before it is used, so that two nodes given the same
 * samples reach the same fused tracks and the same numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/ballistic.h"
#include "mwx/fuse.h"

#define NS 1000000000LL
#define BIG_COST 1e12

typedef struct src {
  mwx_fuse_sample last; /* latest sample */
  double thrust_mps2;   /* estimated thrust acceleration along the velocity (boost samples) */
  int has_thrust;
  int64_t t_first_ns;   /* time of its first sample: the key */
  int fused;            /* index into fz->f */
  int prev;             /* during an ingest call: the fused track before it (-2: new in the call) */
  int strikes;          /* consecutive samples outside the split gate */
  int64_t t_strike_ns;  /* time of the first of them */
} src;

/* A fused track's name: a source track's key and a generation (0: the
 * source's own name; g > 0: the g-th fused track a split named after the
 * same source, so that two fused tracks never share a number). */
typedef struct fname {
  int64_t t_first_ns;
  char orig[MWX_NATION_LEN];
  char id[MWX_ID_LEN];
  int gen;
} fname;

typedef struct ftrk {
  int alive;  /* set at creation; a fused track ends when it has no member (compacted away) */
  fname name; /* kept from creation; a join or a merge takes the smaller, a split keeps it with
                 the side that holds more fresh members (name_after_split) */
} ftrk;

struct mwx_fuser {
  mwx_fuse_config cfg;
  double gate_assoc, gate_split;
  src *s;
  size_t ns, caps;
  ftrk *f;
  size_t nf, capf;
};

/* ---- 6x6 linear algebra ------------------------------------------------------ */

/* Cholesky inverse of SPD A; log-determinant (may be NULL).  -1 if not SPD. */
static int inv6(const double A[6][6], double B[6][6], double *logdet) {
  double L[6][6] = {{0}};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j <= i; j++) {
      double s = A[i][j];
      for (int k = 0; k < j; k++)
        s -= L[i][k] * L[j][k];
      if (i == j) {
        if (!(s > 0) || !isfinite(s))
          return -1;
        L[i][i] = sqrt(s);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  if (logdet) {
    double ld = 0;
    for (int i = 0; i < 6; i++)
      ld += 2.0 * log(L[i][i]);
    *logdet = ld;
  }
  /* inverse of L, then B = L^-T L^-1 */
  double Li[6][6] = {{0}};
  for (int i = 0; i < 6; i++) {
    Li[i][i] = 1.0 / L[i][i];
    for (int j = 0; j < i; j++) {
      double s = 0;
      for (int k = j; k < i; k++)
        s -= L[i][k] * Li[k][j];
      Li[i][j] = s / L[i][i];
    }
  }
  for (int i = 0; i < 6; i++)
    for (int j = 0; j <= i; j++) {
      double s = 0;
      for (int k = i; k < 6; k++)
        s += Li[k][i] * Li[k][j];
      B[i][j] = B[j][i] = s;
    }
  return 0;
}

static void mat_vec(const double A[6][6], const double x[6], double y[6]) {
  for (int i = 0; i < 6; i++) {
    double s = 0;
    for (int j = 0; j < 6; j++)
      s += A[i][j] * x[j];
    y[i] = s;
  }
}

/* ---- Pure rules -------------------------------------------------------------- */

int mwx_fuse_distance2(const double xa[6], const double Pa[6][6], const double xb[6], const double Pb[6][6],
                       double *d2) {
  double S[6][6], Si[6][6], d[6], Sd[6];
  for (int i = 0; i < 6; i++) {
    d[i] = xa[i] - xb[i];
    for (int j = 0; j < 6; j++)
      S[i][j] = Pa[i][j] + Pb[i][j];
  }
  if (inv6(S, Si, NULL))
    return mwx_error_set(MWX_ERANGE, "fuse: distance: covariance sum is not positive definite");
  mat_vec(Si, d, Sd);
  double s = 0;
  for (int i = 0; i < 6; i++)
    s += d[i] * Sd[i];
  *d2 = s;
  return 0;
}

/* Information form of the CI at weight w: writes P (and x when Ia... given). */
static int ci_at(const double Ia[6][6], const double ia[6], const double Ib[6][6], const double ib[6], double w,
                 double x[6], double P[6][6], double *logdet_P) {
  double I[6][6], iv[6];
  for (int r = 0; r < 6; r++) {
    iv[r] = w * ia[r] + (1 - w) * ib[r];
    for (int c = 0; c < 6; c++)
      I[r][c] = w * Ia[r][c] + (1 - w) * Ib[r][c];
  }
  double Pw[6][6], ldI;
  if (inv6(I, Pw, &ldI))
    return -1;
  if (logdet_P)
    *logdet_P = -ldI;
  if (P)
    memcpy(P, Pw, sizeof Pw);
  if (x)
    mat_vec(Pw, iv, x);
  return 0;
}

int mwx_fuse_ci(const double xa[6], const double Pa[6][6], const double xb[6], const double Pb[6][6],
                double x[6], double P[6][6], double *w_out) {
  if (!xa || !Pa || !xb || !Pb || !x || !P)
    return mwx_error_set(MWX_EINVAL, "fuse: ci: NULL argument");
  double Ia[6][6], Ib[6][6], ia[6], ib[6];
  if (inv6(Pa, Ia, NULL) || inv6(Pb, Ib, NULL))
    return mwx_error_set(MWX_ERANGE, "fuse: ci: an input covariance is not positive definite");
  mat_vec(Ia, xa, ia);
  mat_vec(Ib, xb, ib);
  /* golden-section search of w minimising log det P (convex in w: log det
   * of a matrix affine in w is concave, so -log det I(w) is convex) */
  const double g = 0.5 * (sqrt(5.0) - 1.0);
  double lo = 0.0, hi = 1.0, a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa, fb;
  if (ci_at(Ia, ia, Ib, ib, a, NULL, NULL, &fa) || ci_at(Ia, ia, Ib, ib, b, NULL, NULL, &fb))
    return mwx_error_set(MWX_ERANGE, "fuse: ci: singular combination");
  while (hi - lo > 1e-4) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      if (ci_at(Ia, ia, Ib, ib, a, NULL, NULL, &fa))
        return mwx_error_set(MWX_ERANGE, "fuse: ci: singular combination");
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      if (ci_at(Ia, ia, Ib, ib, b, NULL, NULL, &fb))
        return mwx_error_set(MWX_ERANGE, "fuse: ci: singular combination");
    }
  }
  double w = 0.5 * (lo + hi), f0, f1, fw;
  /* the ends (one input alone) may be the optimum */
  ci_at(Ia, ia, Ib, ib, 0.0, NULL, NULL, &f0);
  ci_at(Ia, ia, Ib, ib, 1.0, NULL, NULL, &f1);
  ci_at(Ia, ia, Ib, ib, w, NULL, NULL, &fw);
  if (f0 < fw && f0 <= f1)
    w = 0.0;
  else if (f1 < fw)
    w = 1.0;
  if (ci_at(Ia, ia, Ib, ib, w, x, P, NULL))
    return mwx_error_set(MWX_ERANGE, "fuse: ci: singular combination");
  if (w_out)
    *w_out = w;
  return 0;
}

/* ICI at weight w: the information Pa^-1 + Pb^-1 - G^-1 with G = w Pa +
 * (1-w) Pb, and the gains K = Pa^-1 - w G^-1, L = Pb^-1 - (1-w) G^-1. */
static int ici_at(const double Pa[6][6], const double Ia[6][6], const double xa[6], const double Pb[6][6],
                  const double Ib[6][6], const double xb[6], double w, double x[6], double P[6][6],
                  double *logdet_P) {
  double G[6][6], Gi[6][6], I[6][6];
  for (int r = 0; r < 6; r++)
    for (int c = 0; c < 6; c++)
      G[r][c] = w * Pa[r][c] + (1 - w) * Pb[r][c];
  if (inv6(G, Gi, NULL))
    return -1;
  for (int r = 0; r < 6; r++)
    for (int c = 0; c < 6; c++)
      I[r][c] = Ia[r][c] + Ib[r][c] - Gi[r][c];
  double Pw[6][6], ld;
  if (inv6(I, Pw, &ld))
    return -1;
  if (logdet_P)
    *logdet_P = -ld;
  if (x) {
    double K[6][6], L[6][6], v[6], a[6], b[6];
    for (int r = 0; r < 6; r++)
      for (int c = 0; c < 6; c++) {
        K[r][c] = Ia[r][c] - w * Gi[r][c];
        L[r][c] = Ib[r][c] - (1 - w) * Gi[r][c];
      }
    mat_vec(K, xa, a);
    mat_vec(L, xb, b);
    for (int r = 0; r < 6; r++)
      v[r] = a[r] + b[r];
    mat_vec(Pw, v, x);
  }
  if (P)
    memcpy(P, Pw, sizeof Pw);
  return 0;
}

int mwx_fuse_ici(const double xa[6], const double Pa[6][6], const double xb[6], const double Pb[6][6],
                 double x[6], double P[6][6], double *w_out) {
  if (!xa || !Pa || !xb || !Pb || !x || !P)
    return mwx_error_set(MWX_EINVAL, "fuse: ici: NULL argument");
  double Ia[6][6], Ib[6][6];
  if (inv6(Pa, Ia, NULL) || inv6(Pb, Ib, NULL))
    return mwx_error_set(MWX_ERANGE, "fuse: ici: an input covariance is not positive definite");
  /* golden section on w in [0,1] for the smallest log det P; the ends give
   * the better input alone (I = Ia + Ib - Ib = Ia at w = 1) */
  const double g = 0.5 * (sqrt(5.0) - 1.0);
  double lo = 0.0, hi = 1.0, a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa, fb;
  if (ici_at(Pa, Ia, xa, Pb, Ib, xb, a, NULL, NULL, &fa) || ici_at(Pa, Ia, xa, Pb, Ib, xb, b, NULL, NULL, &fb))
    return mwx_error_set(MWX_ERANGE, "fuse: ici: singular combination");
  while (hi - lo > 1e-4) {
    if (fa < fb) {
      hi = b, b = a, fb = fa, a = hi - g * (hi - lo);
      if (ici_at(Pa, Ia, xa, Pb, Ib, xb, a, NULL, NULL, &fa))
        return mwx_error_set(MWX_ERANGE, "fuse: ici: singular combination");
    } else {
      lo = a, a = b, fa = fb, b = lo + g * (hi - lo);
      if (ici_at(Pa, Ia, xa, Pb, Ib, xb, b, NULL, NULL, &fb))
        return mwx_error_set(MWX_ERANGE, "fuse: ici: singular combination");
    }
  }
  double w = 0.5 * (lo + hi);
  if (ici_at(Pa, Ia, xa, Pb, Ib, xb, w, x, P, NULL))
    return mwx_error_set(MWX_ERANGE, "fuse: ici: singular combination");
  if (w_out)
    *w_out = w;
  return 0;
}

uint32_t mwx_fuse_global_number(const char *originator, const char *local_track_id) {
  uint32_t h = 2166136261u; /* FNV-1a 32-bit offset basis and prime (Fowler, Noll, Vo) */
  const char *parts[3] = {originator ? originator : "", "/", local_track_id ? local_track_id : ""};
  for (int k = 0; k < 3; k++)
    for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
      h ^= *p;
      h *= 16777619u;
    }
  return h ? h : 1;
}

static uint32_t name_number(const fname *n) {
  if (!n->gen)
    return mwx_fuse_global_number(n->orig, n->id);
  char id[MWX_ID_LEN + 16];
  snprintf(id, sizeof id, "%s#%d", n->id, n->gen);
  return mwx_fuse_global_number(n->orig, id);
}

/* ---- Samples ---------------------------------------------------------------- */

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
  if ((s->has_thrust != 0 && s->has_thrust != 1) || (s->has_thrust && !isfinite(s->thrust_mps2)))
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
  if (inv6(s->P, Pi, NULL))
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
  }
  out->own_sensors = 1;
  out->n_contributors = 1;
  memcpy(out->contributors[0], nation, 3);
  memcpy(out->mark.originator, nation, 3);
  return mwx_fuse_sample_check(out);
}

/* ---- The fuser ------------------------------------------------------------- */

void mwx_fuse_config_default(mwx_fuse_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->assoc_prob = 0.99;
  cfg->split_prob = 0.999;
  cfg->split_after = 3;
  cfg->fresh_s = 20.0;
  cfg->forget_s = 7200.0;
  cfg->q_ballistic_m2ps3 = 1e-4;
  cfg->q_boost_m2ps3 = 100.0;
  cfg->q_gate_m2ps3 = 1.0;
  cfg->boost_ci = 1;
  cfg->ici = 1;
  cfg->boost_thrust = 1;
  cfg->split_min_s = 0.0; /* 10 s: docs/fusion.md, measured: one number on 2022-10-04 but boost 1.40x on 2022-11-18 */

}

int mwx_fuse_create(const mwx_fuse_config *cfg, mwx_fuser **out) {
  if (!out)
    return mwx_error_set(MWX_EINVAL, "fuse: create: NULL out");
  *out = NULL;
  mwx_fuse_config c;
  if (cfg)
    c = *cfg;
  else
    mwx_fuse_config_default(&c);
  if (!(c.assoc_prob > 0.5 && c.assoc_prob < 1.0) || !(c.split_prob >= c.assoc_prob && c.split_prob < 1.0) ||
      c.split_after < 1 || !(c.fresh_s > 0) || !(c.forget_s > 0) || !(c.q_ballistic_m2ps3 >= 0) ||
      !(c.q_boost_m2ps3 >= 0) || !(c.q_gate_m2ps3 >= 0) || (c.boost_ci != 0 && c.boost_ci != 1) ||
      (c.ici != 0 && c.ici != 1) || (c.boost_thrust != 0 && c.boost_thrust != 1) || !(c.split_min_s >= 0) ||
      c.split_min_s > 3600.0)
    return mwx_error_set(MWX_EINVAL, "fuse: create: invalid configuration");
  mwx_fuser *fz = calloc(1, sizeof *fz);
  if (!fz)
    return mwx_error_set(MWX_ENOMEM, "fuse: create: out of memory");
  fz->cfg = c;
  mwx_track_chi2_quantile(c.assoc_prob, 6, &fz->gate_assoc);
  mwx_track_chi2_quantile(c.split_prob, 6, &fz->gate_split);
  *out = fz;
  return 0;
}

void mwx_fuse_destroy(mwx_fuser *fz) {
  if (!fz)
    return;
  free(fz->s);
  free(fz->f);
  free(fz);
}

size_t mwx_fuse_count(const mwx_fuser *fz) { return fz ? fz->nf : 0; }

/* key order: first sample time, originator, local id */
static int key_cmp(const src *a, const src *b) {
  if (a->t_first_ns != b->t_first_ns)
    return a->t_first_ns < b->t_first_ns ? -1 : 1;
  int c = strcmp(a->last.originator, b->last.originator);
  return c ? c : strcmp(a->last.local_track_id, b->last.local_track_id);
}

static int name_cmp(const fname *a, const fname *b) {
  if (a->t_first_ns != b->t_first_ns)
    return a->t_first_ns < b->t_first_ns ? -1 : 1;
  int c = strcmp(a->orig, b->orig);
  if (!c)
    c = strcmp(a->id, b->id);
  return c ? c : (a->gen > b->gen) - (a->gen < b->gen);
}

/* The name of source s at the smallest generation no fused track holds. */
static fname src_name(const mwx_fuser *fz, const src *s) {
  fname n;
  memset(&n, 0, sizeof n);
  n.t_first_ns = s->t_first_ns;
  memcpy(n.orig, s->last.originator, MWX_NATION_LEN);
  memcpy(n.id, s->last.local_track_id, MWX_ID_LEN);
  for (;;) {
    size_t f = 0;
    while (f < fz->nf && name_cmp(&fz->f[f].name, &n))
      f++;
    if (f == fz->nf)
      return n;
    n.gen++;
  }
}

static int src_is_name(const src *s, const fname *n) {
  return s->t_first_ns == n->t_first_ns && !strcmp(s->last.originator, n->orig) && !strcmp(s->last.local_track_id, n->id);
}

/* Sorts source indices by key (insertion sort: the lists are short, and
 * qsort has no context argument). */
static void sort_by_key(const mwx_fuser *fz, size_t *idx, size_t n) {
  for (size_t i = 1; i < n; i++) {
    size_t v = idx[i], j = i;
    while (j > 0 && key_cmp(&fz->s[v], &fz->s[idx[j - 1]]) < 0) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = v;
  }
}

/* Members of fused track fi in key order (at most cap; returns the count). */
static size_t members(const mwx_fuser *fz, size_t fi, size_t *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < fz->ns && n < cap; i++)
    if (fz->s[i].fused == (int)fi)
      out[n++] = i;
  sort_by_key(fz, out, n);
  return n;
}

static int fresh_at(const mwx_fuser *fz, const src *s, int64_t t_ns) {
  return fabs((double)(t_ns - s->last.t_ns) * 1e-9) <= fz->cfg.fresh_s;
}

/* A source track's latest sample propagated to t_ns: in free flight
 * (mwx_track_predict, ballistic model), or, for a boost sample, with the
 * tracker's boost model and the thrust the sample gives or the source's
 * samples imply (estimate_thrust; THRUST_SIGMA_MPS2 uncertain), since a
 * missile under 20-60 m/s^2 of thrust is 10-30 m/s ahead of a ballistic
 * prediction after a 1-s scan gap. */
#define THRUST_SIGMA_MPS2 5.0
#define THRUST_MAX_GAP_S 5.0
static int predict_sample(const mwx_fuser *fz, const src *sr, int64_t t_ns, double q_min, double x[6],
                          double P[6][6]) {
  const mwx_fuse_sample *s = &sr->last;
  mwx_track_filter_cfg fc;
  mwx_track_filter_cfg_default(&fc);
  int boost = s->phase == MWX_MSG_BOOST;
  fc.q_ballistic_m2ps3 = boost ? fz->cfg.q_boost_m2ps3 : fz->cfg.q_ballistic_m2ps3;
  fc.q_boost_m2ps3 = fz->cfg.q_boost_m2ps3;
  if (fc.q_ballistic_m2ps3 < q_min)
    fc.q_ballistic_m2ps3 = q_min;
  if (fc.q_boost_m2ps3 < q_min)
    fc.q_boost_m2ps3 = q_min;
  mwx_track_est e;
  memset(&e, 0, sizeof e);
  e.t_ns = s->t_ns;
  for (int i = 0; i < 3; i++) {
    e.x[i] = s->pos_ecef_m[i];
    e.x[3 + i] = s->vel_ecef_mps[i];
  }
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      e.P[i][j] = s->P[i][j];
  /* a silent boost sample: thrust for at most THRUST_MAX_GAP_S past it, then
   * free flight (it is taken to have burnt out by then, as the tracker's
   * coasting does when it loses a burning track) */
  int rc;
  if (boost && sr->has_thrust && fz->cfg.boost_thrust && fresh_at(fz, sr, t_ns)) {
    e.x[6] = sr->thrust_mps2;
    e.P[6][6] = THRUST_SIGMA_MPS2 * THRUST_SIGMA_MPS2;
    int64_t gap = (int64_t)(THRUST_MAX_GAP_S * 1e9), t1 = t_ns;
    if (t_ns - s->t_ns > gap)
      t1 = s->t_ns + gap;
    else if (s->t_ns - t_ns > gap)
      t1 = s->t_ns - gap;
    if ((rc = mwx_track_predict(&fc, MWX_TRACK_BOOST, &e, t1)))
      return rc;
  }
  if ((rc = mwx_track_predict(&fc, MWX_TRACK_BALLISTIC, &e, t_ns)))
    return rc;
  for (int i = 0; i < 6; i++) {
    x[i] = e.x[i];
    for (int j = 0; j < 6; j++)
      P[i][j] = 0.5 * (e.P[i][j] + e.P[j][i]);
  }
  return 0;
}

/* The thrust acceleration along the velocity implied by two successive
 * boost samples of one source: the rate of change of speed less gravity's
 * component along the velocity (drag and the frame terms are small against
 * 20-60 m/s^2), smoothed over THRUST_TAU_S.  A sample that carries its own
 * thrust (has_thrust) is taken as is. */
#define THRUST_TAU_S 4.0
static void estimate_thrust(src *sr, const mwx_fuse_sample *prev, const mwx_fuse_sample *now) {
  if (now->phase != MWX_MSG_BOOST) {
    sr->has_thrust = 0;
    return;
  }
  if (now->has_thrust) {
    sr->thrust_mps2 = now->thrust_mps2;
    sr->has_thrust = 1;
    return;
  }
  if (!prev || prev->phase != MWX_MSG_BOOST)
    return;
  double dt = (double)(now->t_ns - prev->t_ns) * 1e-9;
  if (!(dt > 0) || dt > THRUST_MAX_GAP_S)
    return;
  double v0 = 0, v1 = 0, g[3], gv = 0;
  for (int i = 0; i < 3; i++) {
    v0 += prev->vel_ecef_mps[i] * prev->vel_ecef_mps[i];
    v1 += now->vel_ecef_mps[i] * now->vel_ecef_mps[i];
  }
  v0 = sqrt(v0);
  v1 = sqrt(v1);
  if (!(v1 > 1.0))
    return;
  mwx_ballistic_gravity_ecef(now->pos_ecef_m, g);
  for (int i = 0; i < 3; i++)
    gv += g[i] * now->vel_ecef_mps[i] / v1;
  double a = (v1 - v0) / dt - gv;
  if (a < 0)
    a = 0;
  if (!sr->has_thrust) {
    sr->thrust_mps2 = a;
    sr->has_thrust = 1;
  } else {
    double k = dt / THRUST_TAU_S > 1.0 ? 1.0 : dt / THRUST_TAU_S;
    sr->thrust_mps2 += k * (a - sr->thrust_mps2);
  }
}


static void add_nation(uint8_t *n, char list[][MWX_NATION_LEN], const char *nat) {
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

/* What fused_state is for: the picture (every usable member), the
 * decorrelation test (fresh members only), or a gate (members not fresh are
 * propagated with at least q_gate_m2ps3: a long free-flight prediction
 * carries model error - drag, an unseen end of burn - that the source's
 * covariance does not). */
enum { FS_STATE = 0, FS_SPLIT = 1, FS_GATE = 2 };

/* 1 if the member enters the information sum, 0 if it is combined by CI. */
static int info_member(const mwx_fuser *fz, const mwx_fuse_sample *s) {
  return s->own_sensors && !(s->phase == MWX_MSG_BOOST && fz->cfg.boost_ci);
}

/* Combines the members used[0..nu) at t_ns: own-sensor members by the
 * information sum, the others (fused products, and boost-phase samples when
 * boost_ci) by ICI with the running result (CI when cfg.ici is 0).  *ci
 * (may be NULL) is set when a member was combined by (I)CI. */
static int combine(const mwx_fuser *fz, const size_t *used, size_t nu, int64_t t_ns, int mode, double x[6],
                   double P[6][6], int *ci) {
  double I[6][6] = {{0}}, iv[6] = {0};
  int n_info = 0, rc, have = 0;
  if (ci)
    *ci = 0;
  for (size_t k = 0; k < nu; k++) {
    const src *s = &fz->s[used[k]];
    if (nu > 1 && !info_member(fz, &s->last))
      continue;
    double xs[6], Ps[6][6], Is[6][6], is[6];
    double qmin = mode == FS_GATE && !fresh_at(fz, s, t_ns) ? fz->cfg.q_gate_m2ps3 : 0.0;
    if ((rc = predict_sample(fz, s, t_ns, qmin, xs, Ps)))
      return rc;
    if (inv6(Ps, Is, NULL))
      return mwx_error_set(MWX_ERANGE, "fuse: propagated covariance of %s/%s not positive definite",
                           s->last.originator, s->last.local_track_id);
    mat_vec(Is, xs, is);
    for (int r = 0; r < 6; r++) {
      iv[r] += is[r];
      for (int c = 0; c < 6; c++)
        I[r][c] += Is[r][c];
    }
    n_info++;
  }
  if (n_info) {
    if (inv6(I, P, NULL))
      return mwx_error_set(MWX_ERANGE, "fuse: information matrix not positive definite");
    mat_vec(P, iv, x);
    have = 1;
  }
  for (size_t k = 0; k < nu; k++) {
    const src *s = &fz->s[used[k]];
    if (nu == 1 || info_member(fz, &s->last))
      continue;
    double xs[6], Ps[6][6];
    double qmin = mode == FS_GATE && !fresh_at(fz, s, t_ns) ? fz->cfg.q_gate_m2ps3 : 0.0;
    if ((rc = predict_sample(fz, s, t_ns, qmin, xs, Ps)))
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

/* The fused state of fused track fi at t_ns from its members except
 * `exclude` ((size_t)-1: none), see FS_*.  Members used: the fresh ones
 * (sample age <= fresh_s), and (not for FS_SPLIT) the silent ones whose last
 * sample was in free flight and whose prediction agrees with the fresh
 * members (inside the assoc gate): a silent track's prediction is as good as
 * its source's own coasting, unless its source lost it under thrust it
 * did not see.  With no fresh member, every silent free-flight member, or
 * else the newest member alone (coasting).  MWX_ENOTFOUND when no member can
 * be used.  out may be NULL for x, P only. */
static int fused_state(const mwx_fuser *fz, size_t fi, int64_t t_ns, size_t exclude, int mode, double x[6],
                       double P[6][6], mwx_fuse_track *out) {
  size_t m[MWX_FUSE_MAX_MEMBERS * 4];
  size_t nm = members(fz, fi, m, sizeof m / sizeof m[0]);
  size_t used[MWX_FUSE_MAX_MEMBERS * 4], stale[MWX_FUSE_MAX_MEMBERS * 4];
  size_t nu = 0, ns = 0, newest = (size_t)-1;
  for (size_t k = 0; k < nm; k++) {
    if (m[k] == exclude)
      continue;
    const src *s = &fz->s[m[k]];
    if (newest == (size_t)-1 || s->last.t_ns > fz->s[newest].last.t_ns)
      newest = m[k];
    if (fresh_at(fz, s, t_ns))
      used[nu++] = m[k];
    else if (mode != FS_SPLIT && s->last.phase != MWX_MSG_BOOST)
      stale[ns++] = m[k];
  }
  int n_fresh = (int)nu, rc, ci = 0;
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
    if ((rc = combine(fz, used, nu, t_ns, mode, xf, Pf, NULL)))
      return rc;
    for (size_t k = 0; k < ns; k++) {
      double xs[6], Ps[6][6], d2;
      double qmin = mode == FS_GATE ? fz->cfg.q_gate_m2ps3 : 0.0;
      if (predict_sample(fz, &fz->s[stale[k]], t_ns, qmin, xs, Ps) ||
          mwx_fuse_distance2(xs, Ps, xf, Pf, &d2)) {
        mwx_error_clear();
        continue;
      }
      if (d2 < fz->gate_assoc)
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
  if ((rc = combine(fz, used, nu, t_ns, mode, xf, Pf, &ci)))
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
    for (size_t k = 0; k < nu; k++) /* coasting on a sample lost under thrust: still boost (burnout not seen) */
      out->boost |= fz->s[used[k]].last.phase == MWX_MSG_BOOST;
    for (size_t k = 0; k < nu; k++) {
      const mwx_fuse_sample *s = &fz->s[used[k]].last;
      if (out->n_sources < MWX_FUSE_MAX_MEMBERS)
        out->sources[out->n_sources++] = s->mark;
      add_nation(&out->n_contributors, out->contributors, s->originator);
      for (int c = 0; c < s->n_contributors; c++)
        add_nation(&out->n_contributors, out->contributors, s->contributors[c]);
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
    out->global_track_no = name_number(nm_);
  }
  return 0;
}

int mwx_fuse_get(const mwx_fuser *fz, size_t index, int64_t t_ns, mwx_fuse_track *out) {
  if (!fz || !out || index >= fz->nf)
    return mwx_error_set(MWX_EINVAL, "fuse: get: no fused track %zu", index);
  int rc = fused_state(fz, index, t_ns, (size_t)-1, FS_STATE, NULL, NULL, out);
  if (rc == MWX_ENOTFOUND)
    return mwx_error_set(MWX_EINVAL, "fuse: get: fused track %zu has no member", index);
  return rc;
}

static long find_src(const mwx_fuser *fz, const char *orig, const char *id) {
  for (size_t i = 0; i < fz->ns; i++)
    if (!strcmp(fz->s[i].last.originator, orig) && !strcmp(fz->s[i].last.local_track_id, id))
      return (long)i;
  return -1;
}

int mwx_fuse_global_of(const mwx_fuser *fz, const char *originator, const char *local_track_id,
                       uint32_t *global_track_no) {
  if (!fz || !originator || !local_track_id || !global_track_no)
    return mwx_error_set(MWX_EINVAL, "fuse: global_of: NULL argument");
  long i = find_src(fz, originator, local_track_id);
  if (i < 0)
    return mwx_error_set(MWX_ENOTFOUND, "fuse: no source track %s/%s", originator, local_track_id);
  *global_track_no = name_number(&fz->f[fz->s[i].fused].name);
  return 0;
}

static int new_fused(mwx_fuser *fz, const fname *name) {
  if (fz->nf == fz->capf) {
    size_t nc = fz->capf ? 2 * fz->capf : 16;
    ftrk *f = realloc(fz->f, nc * sizeof *f);
    if (!f)
      return mwx_error_set(MWX_ENOMEM, "fuse: out of memory");
    fz->f = f;
    fz->capf = nc;
  }
  fz->f[fz->nf].alive = 1;
  fz->f[fz->nf].name = *name;
  return (int)fz->nf++;
}

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
        fresh_at(fz, o, t_ns) && o->last.t_ns >= c->t_first_ns && c->last.t_ns >= o->t_first_ns && !o->strikes &&
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
  int f = new_fused(fz, &none);
  if (f < 0)
    return f;
  fz->s[si].fused = f;
  fz->s[si].strikes = 0;
  return 0;
}

/* Names after an ingest call.  Every fused track of before the call (its
 * name old[o], its members the sources with prev == o) hands its name to the
 * fused track of now that holds most of its members (ties: the one holding
 * its naming source, then the one with the smaller name): a member that
 * leaves by decorrelation or is lost does not take the missile's number
 * with it, and the number stays with the missile when the naming track is
 * the one that goes astray.  A fused track offered several names (a merge)
 * takes the smallest, and so does one whose new member (first seen in this
 * call) has a smaller key than any name offered, so that nodes that got the
 * same tracks in another order agree; a fused track offered none is named by
 * its smallest key at the first free generation. */
static int resolve_names(mwx_fuser *fz, const fname *old, size_t n_old) {
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
      if (fz->s[i].fused >= 0 && src_is_name(&fz->s[i], &old[o]))
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
      if (best[o] == (int)f && (!have || name_cmp(&old[o], &nm) < 0))
        nm = old[o], have = 1;
    for (size_t i = 0; i < fz->ns; i++)
      if (fz->s[i].fused == (int)f && fz->s[i].prev == -2) { /* new in this call */
        fname own;
        memset(&own, 0, sizeof own);
        own.t_first_ns = fz->s[i].t_first_ns;
        memcpy(own.orig, fz->s[i].last.originator, MWX_NATION_LEN);
        memcpy(own.id, fz->s[i].last.local_track_id, MWX_ID_LEN);
        if (have && name_cmp(&own, &nm) < 0)
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
        if (fz->s[i].fused == (int)f && (!mn || key_cmp(&fz->s[i], mn) < 0))
          mn = &fz->s[i];
      if (mn)
        fz->f[f].name = src_name(fz, mn);
    }
  free(best), free(cnt);
  return 0;
}

static int sample_cmp(const void *a, const void *b) {
  const mwx_fuse_sample *x = *(const mwx_fuse_sample *const *)a, *y = *(const mwx_fuse_sample *const *)b;
  if (x->t_ns != y->t_ns)
    return x->t_ns < y->t_ns ? -1 : 1;
  int c = strcmp(x->originator, y->originator);
  return c ? c : strcmp(x->local_track_id, y->local_track_id);
}

static void sample_vec(const mwx_fuse_sample *s, double x[6]) {
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
  if (fused_state(fz, fi, s->t_ns, si, mode, xf, Pf, NULL)) {
    mwx_error_clear();
    return INFINITY;
  }
  sample_vec(s, xs);
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
        size_t na = members(fz, a, ma, sizeof ma / sizeof ma[0]), nb = members(fz, b, mb, sizeof mb / sizeof mb[0]);
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
          if (fresh_at(fz, &fz->s[ma[k]], t) && holds_fresh_of(fz, b, &fz->s[ma[k]], (size_t)-1, t))
            conflict = 1;
        if (conflict)
          continue;
        if (fused_state(fz, a, t, (size_t)-1, FS_GATE, NULL, NULL, &ta) ||
            fused_state(fz, b, t, (size_t)-1, FS_GATE, NULL, NULL, &tb)) {
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
    long i = find_src(fz, sm->originator, sm->local_track_id);
    if (i >= 0 && fz->s[i].fused < 0) { /* new in this batch, a later sample */
      if (sm->t_ns > fz->s[i].last.t_ns) {
        estimate_thrust(&fz->s[i], &fz->s[i].last, sm);
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
      estimate_thrust(s, NULL, sm);
      fresh_src[n_new++] = fz->ns++;
      continue;
    }
    src *s = &fz->s[i];
    if (sm->t_ns <= s->last.t_ns)
      continue; /* old, or the same sample by a second path */
    estimate_thrust(s, &s->last, sm);
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
    sort_by_key(fz, fresh_src, n_new);
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
        int f = new_fused(fz, &none);
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
  int rn = resolve_names(fz, old, n_old);
  if (!rc)
    rc = rn;
  free(old);
  free(ord);
  free(fresh_src);
  return rc;
}
