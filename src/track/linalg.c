/*
 * linalg.c - small dense linear algebra (see linalg.h).  Straightforward
 * triple loops: the matrices are at most 16 x 16 and the compiler unrolls
 * them well; Cholesky is the only factorisation used, since every matrix
 * inverted by the filters is a covariance.
 */
#include "track/linalg.h"

#include <math.h>
#include <string.h>

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

void la_eig_sym(const double *A_, double *d, double *V, int n) {
  double A[LA_MAX * LA_MAX];
  memcpy(A, A_, (size_t)n * n * sizeof *A);
  for (int i = 0; i < n * n; i++)
    V[i] = i % (n + 1) == 0;
  for (int sweep = 0; sweep < 50; sweep++) {
    double off = 0;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++)
        off += A[p * n + q] * A[p * n + q];
    if (off < 1e-30)
      break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        double apq = A[p * n + q];
        if (fabs(apq) < 1e-300)
          continue;
        /* the rotation that zeroes A[p][q] (the smaller angle: Golub & Van
           Loan, Matrix Computations, 4th ed., 8.5.2) */
        double th = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        double t = (th >= 0 ? 1.0 : -1.0) / (fabs(th) + sqrt(th * th + 1));
        double c = 1 / sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++) { /* A = J^T A J: columns, then rows */
          double akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
          double apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) {
          double vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  for (int i = 0; i < n; i++)
    d[i] = A[i * n + i];
}
