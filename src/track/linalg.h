/*
 * linalg.h - small dense linear algebra for the track and assess modules
 * (private): row-major n x n matrices with n <= LA_MAX, Cholesky
 * factorisation, SPD solve and inverse, products.  No allocation.
 */
#ifndef MWX_TRACK_LINALG_H
#define MWX_TRACK_LINALG_H

#define LA_MAX 16

/* C (n x p) = A (n x m) * B (m x p).  C must not alias A or B. */
void la_mul(const double *A, const double *B, double *C, int n, int m, int p);
/* C (n x p) = A (n x m) * B^T (B is p x m).  No aliasing. */
void la_mul_bt(const double *A, const double *B, double *C, int n, int m, int p);
/* Makes A (n x n) exactly symmetric: A = (A + A^T) / 2. */
void la_symmetrize(double *A, int n);
/* Lower Cholesky factor L of SPD A (n x n): A = L L^T.  Returns 0, or -1 if A
 * is not positive definite (a pivot <= 0 or not finite). */
int la_chol(const double *A, double *L, int n);
/* Solves L L^T x = b (b, x of length n; may alias). */
void la_chol_solve(const double *L, const double *b, double *x, int n);
/* Inverse of SPD A through Cholesky; log-determinant (may be NULL).  -1 if
 * A is not positive definite. */
int la_inv_spd(const double *A, double *Ainv, int n, double *logdet);
/* Eigen-decomposition of a symmetric 2x2 matrix: eigenvalues l1 >= l2 and
 * the angle (rad) of the eigenvector of l1 from the first axis. */
void la_eig2(const double A[4], double *l1, double *l2, double *angle_rad);
/* Eigen-decomposition of a symmetric n x n matrix A (cyclic Jacobi, to an
 * off-diagonal square sum below 1e-30 or 50 sweeps): eigenvalues d[i]
 * (unsorted), their unit eigenvectors in V's columns (V[k*n+i] is element k of
 * vector i).  A is not changed; d, V must not alias it. */
void la_eig_sym(const double *A, double *d, double *V, int n);
/* Two unit axes e1, e2 perpendicular to the unit vector m (and to each
 * other). */
void la_perp_axes(const double m[3], double e1[3], double e2[3]);

#endif
