/*
 * assign.c - assignment and gating shared by the tracker (plot-to-track)
 * and fuse (track-to-track): the Hungarian algorithm on a square cost
 * matrix and the chi-square quantiles the gates are set from.
 *
 * Moved here unchanged from tracker.c so that both users run the same
 * code: the 2- and 3-degree-of-freedom quantiles give the tracker exactly the
 * gates it had (2 dof in closed form, 3 dof by the same bisection on the
 * same closed-form CDF); other degrees of freedom use the closed-form CDF of
 * an integer number of degrees of freedom (Abramowitz & Stegun 26.4.4 and
 * 26.4.5: the chi-square CDF as a finite series for even and odd dof).
 * Pure computation, no global state.
 */
#include <math.h>
#include <stdlib.h>

#include "mwx/error.h"
#include "mwx/track.h"

/* ---- Chi-square quantiles ------------------------------------------------ */

/* CDF of the chi-square distribution with dof degrees of freedom at x >= 0.
 * Even dof: 1 - exp(-x/2) sum_{k<dof/2} (x/2)^k / k!  (A&S 26.4.5, Poisson
 * form).  Odd dof: erf(sqrt(x/2)) - sqrt(2x/pi) exp(-x/2) sum_{k=1}^{(dof-1)/2}
 * x^(k-1) / (1 3 5 ... (2k-1))  (A&S 26.4.4); for dof 3 this is the tracker's
 * former erf(sqrt(x/2)) - sqrt(2x/pi) exp(-x/2), bit for bit. */
static double chi2_cdf(double x, int dof) {
  if (dof % 2 == 0) {
    double term = 1.0, sum = 0.0;
    for (int k = 0; k < dof / 2; k++) {
      if (k)
        term *= (x / 2.0) / k;
      sum += term;
    }
    return 1.0 - exp(-x / 2.0) * sum;
  }
  double term = 1.0, sum = 0.0;
  for (int k = 1; k <= (dof - 1) / 2; k++) {
    if (k > 1)
      term *= x / (2.0 * k - 1.0);
    sum += term;
  }
  if (dof == 1)
    return erf(sqrt(x / 2.0));
  return erf(sqrt(x / 2.0)) - sqrt(2.0 * x / M_PI) * exp(-x / 2.0) * sum;
}

int mwx_track_chi2_quantile(double p, int dof, double *out) {
  if (!out || !(p > 0.0 && p < 1.0) || dof < 1 || dof > 30)
    return mwx_error_set(MWX_EINVAL, "track: chi2 quantile: p %g must be in (0,1), dof %d in 1..30", p, dof);
  if (dof == 2) {
    *out = -2.0 * log(1.0 - p);
    return 0;
  }
  double lo = 0, hi = 200;
  for (int i = 0; i < 100; i++) {
    double mid = 0.5 * (lo + hi);
    if (chi2_cdf(mid, dof) < p)
      lo = mid;
    else
      hi = mid;
  }
  *out = 0.5 * (lo + hi);
  return 0;
}

/* ---- Hungarian algorithm ------------------------------------------------ */

/* Potentials form (Kuhn-Munkres with Dijkstra-like shortest augmenting
 * paths), O(n^3). */
int mwx_track_assign(const double *a, int n, int *row_of_col) {
  if (n < 0 || (n && (!a || !row_of_col)))
    return mwx_error_set(MWX_EINVAL, "track: assignment: bad arguments (n %d)", n);
  if (n == 0)
    return 0;
  double *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)n + 1, sizeof *v);
  double *minv = malloc(((size_t)n + 1) * sizeof *minv);
  int *p = calloc((size_t)n + 1, sizeof *p), *way = calloc((size_t)n + 1, sizeof *way);
  char *used = malloc((size_t)n + 1);
  if (!u || !v || !minv || !p || !way || !used) {
    free(u), free(v), free(minv), free(p), free(way), free(used);
    return mwx_error_set(MWX_ENOMEM, "track: assignment: out of memory");
  }
  for (int i = 1; i <= n; i++) {
    p[0] = i;
    int j0 = 0;
    for (int j = 0; j <= n; j++) {
      minv[j] = INFINITY;
      used[j] = 0;
    }
    do {
      used[j0] = 1;
      int i0 = p[j0], j1 = 0;
      double delta = INFINITY;
      for (int j = 1; j <= n; j++)
        if (!used[j]) {
          double cur = a[(size_t)(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
          if (cur < minv[j]) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j] < delta) {
            delta = minv[j];
            j1 = j;
          }
        }
      for (int j = 0; j <= n; j++)
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (int j = 1; j <= n; j++)
    row_of_col[j - 1] = p[j] - 1;
  free(u), free(v), free(minv), free(p), free(way), free(used);
  return 0;
}
