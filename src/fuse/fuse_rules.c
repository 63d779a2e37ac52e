/*
 * fuse_rules.c - the pure combination rules of track-to-track fusion
 * (mwx/fuse.h: CI, ICI, the distance, the global number) and the 6x6
 * linear algebra the fuser uses.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "fuse_int.h"

/* Cholesky factor L of SPD A (A = L L^T) and its log-determinant (may be
 * NULL).  -1 if not SPD. */
static int chol6(const double A[6][6], double L[6][6], double *logdet) {
  memset(L, 0, sizeof(double[6][6]));
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
  return 0;
}

/* log det of SPD A without its inverse (the weight searches of CI and ICI
 * need only that: a third of fuse_inv6's work).  -1 if not SPD. */
static int logdet6(const double A[6][6], double *logdet) {
  double L[6][6];
  return chol6(A, L, logdet);
}

/* Cholesky inverse of SPD A; log-determinant (may be NULL).  -1 if not SPD. */
int fuse_inv6(const double A[6][6], double B[6][6], double *logdet) {
  double L[6][6];
  if (chol6(A, L, logdet))
    return -1;
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

void fuse_mat_vec(const double A[6][6], const double x[6], double y[6]) {
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
  if (fuse_inv6(S, Si, NULL))
    return mwx_error_set(MWX_ERANGE, "fuse: distance: covariance sum is not positive definite");
  fuse_mat_vec(Si, d, Sd);
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
  if (!x && !P) { /* the weight search: log det only */
    if (logdet6(I, &ldI))
      return -1;
    *logdet_P = -ldI;
    return 0;
  }
  if (fuse_inv6(I, Pw, &ldI))
    return -1;
  if (logdet_P)
    *logdet_P = -ldI;
  if (P)
    memcpy(P, Pw, sizeof Pw);
  if (x)
    fuse_mat_vec(Pw, iv, x);
  return 0;
}

int mwx_fuse_ci(const double xa[6], const double Pa[6][6], const double xb[6], const double Pb[6][6],
                double x[6], double P[6][6], double *w_out) {
  if (!xa || !Pa || !xb || !Pb || !x || !P)
    return mwx_error_set(MWX_EINVAL, "fuse: ci: NULL argument");
  double Ia[6][6], Ib[6][6], ia[6], ib[6];
  if (fuse_inv6(Pa, Ia, NULL) || fuse_inv6(Pb, Ib, NULL))
    return mwx_error_set(MWX_ERANGE, "fuse: ci: an input covariance is not positive definite");
  fuse_mat_vec(Ia, xa, ia);
  fuse_mat_vec(Ib, xb, ib);
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
  if (fuse_inv6(G, Gi, NULL))
    return -1;
  for (int r = 0; r < 6; r++)
    for (int c = 0; c < 6; c++)
      I[r][c] = Ia[r][c] + Ib[r][c] - Gi[r][c];
  double Pw[6][6], ld;
  if (!x && !P) { /* the weight search: log det only */
    if (logdet6(I, &ld))
      return -1;
    *logdet_P = -ld;
    return 0;
  }
  if (fuse_inv6(I, Pw, &ld))
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
    fuse_mat_vec(K, xa, a);
    fuse_mat_vec(L, xb, b);
    for (int r = 0; r < 6; r++)
      v[r] = a[r] + b[r];
    fuse_mat_vec(Pw, v, x);
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
  if (fuse_inv6(Pa, Ia, NULL) || fuse_inv6(Pb, Ib, NULL))
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
