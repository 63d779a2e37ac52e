/*
 * class.c - missile classes (names, parsing, class from flight figures) and
 * the Keplerian estimates on a spherical, non-rotating Earth that give the
 * class of a flight and the fitting's first guess.
 *
 * A flight of apogee height H and ground range D is, in vacuum on a sphere
 * of radius R, the conic through both surface points with its apoapsis at
 * R + H; by symmetry the surface points are at true anomaly pi -/+ psi/2,
 * psi = D / R, so (r = p / (1 + e cos f), Bate, Mueller & White,
 * "Fundamentals of Astrodynamics", 1971, eq. 1.5-4)
 *     e = H / (R + H - R cos(psi/2)),   p = (R + H)(1 - e),
 *     v^2 = GM (2/R - 1/a),  a = p / (1 - e^2),  cos(gamma) = sqrt(GM p) / (R v).
 * The minimum-energy (maximum) range of a surface speed v is
 *     sin(psi_max / 2) = nu / (2 - nu),  nu = v^2 R / GM
 * (Bate, Mueller & White eqs. 6.2-17, 6.2-18).
 */
#include <math.h>
#include <strings.h>

#include "ballistic_int.h"
#include "mwx/error.h"
#include "mwx/geo.h"

static const char *const names[] = {"UNKNOWN", "SRBM", "MRBM", "IRBM", "ICBM"};

const char *mwx_ballistic_class_name(mwx_ballistic_class c) {
  if (c < MWX_CLASS_UNKNOWN || c > MWX_CLASS_ICBM)
    return names[0];
  return names[c];
}

int mwx_ballistic_class_parse(const char *text, mwx_ballistic_class *out) {
  for (int c = MWX_CLASS_SRBM; c <= MWX_CLASS_ICBM; c++)
    if (text && !strcasecmp(text, names[c])) {
      *out = (mwx_ballistic_class)c;
      return 0;
    }
  return mwx_error_set(MWX_EINVAL, "unknown missile class '%s' (SRBM, MRBM, IRBM or ICBM)",
                       text ? text : "(null)");
}

int bal_kepler_from_figures(double apogee_m, double range_m, double *v_mps, double *gamma_rad) {
  const double R = BAL_R_MEAN_M, mu = MWX_WGS84_GM_M3PS2;
  if (!(apogee_m > 0.0) || !isfinite(apogee_m))
    return mwx_error_set(MWX_EINVAL, "apogee %g km must be a number > 0", apogee_m / 1000.0);
  if (!(range_m > 0.0) || !isfinite(range_m))
    return mwx_error_set(MWX_EINVAL, "range %g km must be a number > 0", range_m / 1000.0);
  double psi = range_m / R;
  if (psi >= 3.14159265358979323846)
    return mwx_error_set(MWX_EINVAL, "range %.1f km is more than half the Earth's circumference",
                         range_m / 1000.0);
  double ra = R + apogee_m;
  double e = apogee_m / (ra - R * cos(0.5 * psi));
  double p = ra * (1.0 - e), a = p / (1.0 - e * e);
  double v = sqrt(mu * (2.0 / R - 1.0 / a));
  double c = sqrt(mu * p) / (R * v);
  *v_mps = v;
  *gamma_rad = acos(fmin(1.0, c));
  return 0;
}

double bal_kepler_max_range_m(double v_mps) {
  double nu = v_mps * v_mps * BAL_R_MEAN_M / MWX_WGS84_GM_M3PS2;
  /* nu >= 1: the speed of a circular orbit at the surface or more, yet below
   * escape (nu < 2): the conic still meets the Earth and the best-aimed
   * flight reaches any point of it, so the reach is half the circumference.
   * Lofted ICBM tests fly there: the 2023-07-12 Hwasong-18 (KCNA: apogee
   * 6,648.4 km, range 1,001.2 km) needs about 8.0 km/s. */
  if (nu >= 1.0)
    return 3.14159265358979323846 * BAL_R_MEAN_M;
  return 2.0 * BAL_R_MEAN_M * asin(nu / (2.0 - nu));
}

int mwx_ballistic_class_from_figures(double apogee_km, double range_km, mwx_ballistic_class *out) {
  double v = 0.0, g = 0.0;
  int rc = bal_kepler_from_figures(apogee_km * 1000.0, range_km * 1000.0, &v, &g);
  if (rc)
    return rc;
  /* Class limits of ballistic.h (US DoD / Arms Control Association). */
  double r = bal_kepler_max_range_m(v) / 1000.0;
  *out = r < 1000.0 ? MWX_CLASS_SRBM
         : r < 3000.0 ? MWX_CLASS_MRBM
         : r < 5500.0 ? MWX_CLASS_IRBM
                      : MWX_CLASS_ICBM;
  return 0;
}
