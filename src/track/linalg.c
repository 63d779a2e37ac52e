/*
 * linalg.c - small dense linear algebra (see linalg.h).  Straightforward
 * triple loops: the matrices are at most 16 x 16 and the compiler unrolls
 * them well; Cholesky is the only factorisation used, since every matrix
 * inverted by the filters is a covariance.
 */
#include "track/linalg.h"

#include <math.h>

void la_mul(const double *A, const double *B, double *C, int n, int m, int p) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < p; j++) {
      double s = 0;
      for (int k = 0; k < m; k++)
        s += A[i * m + k] * B[k * p + j];
      C[i * p + j] = s;
    }
}

void la_mul_bt(const double *A, const double *B, double *C, int n, int m, int p) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < p; j++) {
      double s = 0;
      for (int k = 0; k < m; k++)
        s += A[i * m + k] * B[j * m + k];
      C[i * p + j] = s;
    }
}

void la_symmetrize(double *A, int n) {
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double s = 0.5 * (A[i * n + j] + A[j * n + i]);
      A[i * n + j] = A[j * n + i] = s;
    }
}

int la_chol(const double *A, double *L, int n) {
  for (int i = 0; i < n * n; i++)
    L[i] = 0;
  for (int j = 0; j < n; j++) {
    double d = A[j * n + j];
    for (int k = 0; k < j; k++)
      d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0) || !isfinite(d))
      return -1;
    double ljj = sqrt(d);
    L[j * n + j] = ljj;
    for (int i = j + 1; i < n; i++) {
      double s = A[i * n + j];
      for (int k = 0; k < j; k++)
        s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  return 0;
}

void la_chol_solve(const double *L, const double *b, double *x, int n) {
  double y[LA_MAX];
  for (int i = 0; i < n; i++) {
    double s = b[i];
    for (int k = 0; k < i; k++)
      s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  for (int i = n - 1; i >= 0; i--) {
    double s = y[i];
    for (int k = i + 1; k < n; k++)
      s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
}

int la_inv_spd(const double *A, double *Ainv, int n, double *logdet) {
  double L[LA_MAX * LA_MAX];
  if (n > LA_MAX || la_chol(A, L, n))
    return -1;
  if (logdet) {
    double s = 0;
    for (int i = 0; i < n; i++)
      s += 2.0 * log(L[i * n + i]);
    *logdet = s;
  }
  double e[LA_MAX], col[LA_MAX];
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < n; i++)
      e[i] = i == j;
    la_chol_solve(L, e, col, n);
    for (int i = 0; i < n; i++)
      Ainv[i * n + j] = col[i];
  }
  la_symmetrize(Ainv, n);
  return 0;
}

void la_eig2(const double A[4], double *l1, double *l2, double *angle_rad) {
  double a = A[0], b = 0.5 * (A[1] + A[2]), c = A[3];
  double m = 0.5 * (a + c), d = sqrt(0.25 * (a - c) * (a - c) + b * b);
  *l1 = m + d;
  *l2 = m - d;
  *angle_rad = 0.5 * atan2(2.0 * b, a - c);
}

void la_perp_axes(const double m[3], double e1[3], double e2[3]) {
  double k[3] = {0, 0, 0};
  int i = fabs(m[0]) < fabs(m[1]) ? (fabs(m[0]) < fabs(m[2]) ? 0 : 2) : (fabs(m[1]) < fabs(m[2]) ? 1 : 2);
  k[i] = 1;
  e1[0] = m[1] * k[2] - m[2] * k[1];
  e1[1] = m[2] * k[0] - m[0] * k[2];
  e1[2] = m[0] * k[1] - m[1] * k[0];
  double n = sqrt(e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2]);
  for (int j = 0; j < 3; j++)
    e1[j] /= n;
  e2[0] = m[1] * e1[2] - m[2] * e1[1];
  e2[1] = m[2] * e1[0] - m[0] * e1[2];
  e2[2] = m[0] * e1[1] - m[1] * e1[0];
}
