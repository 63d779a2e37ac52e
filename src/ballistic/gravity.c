/*
 * gravity.c - the forces on an unpowered body: J2 gravity and drag, in the
 * rotating Earth-fixed frame.
 *
 * Frame choice: states are integrated in ECEF (WGS-84, rotating at
 * omega = 7.292115e-5 rad/s, NIMA TR8350.2 table 3.1) so that positions,
 * launch sites, radars and impact points need no time-dependent rotation and
 * the air, which co-rotates with the Earth, is at rest: the air-relative
 * velocity is simply the ECEF velocity.  The price is two fictitious
 * accelerations (Goldstein, Classical Mechanics, 3rd ed., section 4.10):
 *     a = g_J2(r) - 2 w x v - w x (w x r) + a_drag (+ a_thrust in boost)
 * with w = (0, 0, omega).  The rotation rate is constant, so there is no
 * Euler term.  In this frame the Jacobi integral
 *     C = |v|^2 / 2 - U_J2(r) - |w x r|^2 / 2
 * is conserved by drag-free unpowered flight (tests check it).
 *
 * Gravity: point mass plus the second zonal harmonic J2 (Vallado,
 * Fundamentals of Astrodynamics and Applications, 4th ed., eq. 8-34), with
 * GM, a and J2 of WGS-84 from mwx/geo.h (NIMA TR8350.2 tables 3.1 and 5.1).
 */
#include <math.h>

#include "ballistic_int.h"
#include "mwx/geo.h"

void mwx_ballistic_gravity_ecef(const double r[3], double acc[3]) {
  double r2 = bal_dot(r, r), rn = sqrt(r2);
  double k = -MWX_WGS84_GM_M3PS2 / (r2 * rn);
  double q = 1.5 * MWX_WGS84_J2 * MWX_WGS84_A_M * MWX_WGS84_A_M / r2;
  double z2 = r[2] * r[2] / r2;
  double fxy = 1.0 + q * (1.0 - 5.0 * z2);
  double fz = 1.0 + q * (3.0 - 5.0 * z2);
  acc[0] = k * r[0] * fxy;
  acc[1] = k * r[1] * fxy;
  acc[2] = k * r[2] * fz;
}

double bal_height_fast_m(const double r[3]) {
  const double a = MWX_WGS84_A_M, b = MWX_WGS84_B_M;
  double rho2 = r[0] * r[0] + r[1] * r[1], z2 = r[2] * r[2], rn = sqrt(rho2 + z2);
  if (rn <= 0.0)
    return -a;
  /* Radius of the ellipsoid along the same geocentric direction. */
  double re = a * b / sqrt((b * b * rho2 + a * a * z2) / (rho2 + z2));
  return rn - re;
}

void bal_up_ecef(const double r[3], double up[3]) {
  up[0] = r[0];
  up[1] = r[1];
  up[2] = r[2] / (1.0 - MWX_WGS84_E2);
  bal_unit(up);
}

double bal_height_m(const double r[3]) {
  mwx_geo_lla lla;
  if (mwx_geo_lla_from_ecef(r, &lla))
    return -MWX_WGS84_A_M;
  return lla.h_m;
}

double bal_height_rate_mps(const double r[3], const double v[3]) {
  mwx_geo_lla lla;
  double up[3];
  if (mwx_geo_lla_from_ecef(r, &lla))
    return 0.0;
  double cl = cos(lla.lat_deg * MWX_DEG2RAD);
  up[0] = cl * cos(lla.lon_deg * MWX_DEG2RAD);
  up[1] = cl * sin(lla.lon_deg * MWX_DEG2RAD);
  up[2] = sin(lla.lat_deg * MWX_DEG2RAD);
  return bal_dot(up, v);
}

/* Coriolis + centrifugal: -2 w x v - w x (w x r), w along +z. */
static void rotating_terms(const double r[3], const double v[3], double acc[3]) {
  const double w = MWX_WGS84_OMEGA_RADPS;
  acc[0] += 2.0 * w * v[1] + w * w * r[0];
  acc[1] += -2.0 * w * v[0] + w * w * r[1];
}

/* -rho |v| v / (2 beta); the air co-rotates, so v is the ECEF velocity. */
static void drag(const double r[3], const double v[3], double beta, double acc[3]) {
  if (beta <= 0.0)
    return;
  double h = bal_height_fast_m(r);
  if (h >= 1.0e6)
    return;
  double rho = bal_density_kgpm3(h);
  double k = -0.5 * rho * bal_norm(v) / beta;
  for (int i = 0; i < 3; i++)
    acc[i] += k * v[i];
}

void mwx_ballistic_accel_free_ecef(const double r[3], const double v[3], double beta_kgpm2,
                                   double acc[3]) {
  mwx_ballistic_gravity_ecef(r, acc);
  rotating_terms(r, v, acc);
  drag(r, v, beta_kgpm2, acc);
}

void bal_rhs_free(const void *ctx, double t, const double y[6], double dy[6]) {
  (void)t;
  double beta = *(const double *)ctx;
  dy[0] = y[3];
  dy[1] = y[4];
  dy[2] = y[5];
  mwx_ballistic_accel_free_ecef(y, y + 3, beta, dy + 3);
}
