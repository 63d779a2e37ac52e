/*
 * atmosphere.c - U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562, NOAA,
 * NASA, USAF, Washington DC, October 1976) for the drag of a missile.
 *
 * 0..86 km geometric: the exact model of the standard's part 1: seven layers
 * of linear molecular-scale temperature in geopotential height (eq. 23) with
 * the hydrostatic pressure laws (eqs. 33a, 33b) and density from the
 * perfect-gas law in molecular-scale temperature (eq. 42); kinetic
 * temperature from the molecular-weight ratio table 8 between 80 and 86 km.
 *
 * 86..1000 km: the standard's kinetic temperature is analytic (eqs. 25-31)
 * and is evaluated exactly; pressure and density come from table 1 of the
 * standard at the altitudes listed below, interpolated with a monotone cubic
 * (Fritsch-Carlson) in their logarithm: the number-density integration of
 * part 1.2 is not needed for drag, where the error of such an interpolation
 * (a few per cent between nodes) is far below the day-to-day variation of
 * the thermosphere.  Above 1000 km density and pressure are 0.
 */
#include <math.h>
#include <stddef.h>

#include "ballistic_int.h"
#include "mwx/error.h"

/* Constants of NOAA-S/T 76-1562, table 2. */
#define US76_R0_M 6356766.0          /* effective Earth radius for geopotential (eq. 18) */
#define US76_RSTAR 8314.32           /* gas constant, J/(kmol K) */
#define US76_M0 28.9644              /* sea-level mean molecular weight, kg/kmol */
#define US76_GMR (BAL_G0_MPS2 * US76_M0 / US76_RSTAR) /* K per geopotential metre */
#define US76_Z86_M 86000.0
#define US76_ZTOP_M 1000000.0

/* Table 4 of the standard: base geopotential height (m'), molecular-scale
 * temperature (K), lapse rate (K/m'), pressure (Pa). */
static const struct layer {
  double h_m, tm_k, l_kpm, p_pa;
} layers[7] = {
    {0.0, 288.15, -0.0065, 101325.0},     {11000.0, 216.65, 0.0, 22632.06},
    {20000.0, 216.65, 0.0010, 5474.889},  {32000.0, 228.65, 0.0028, 868.0187},
    {47000.0, 270.65, 0.0, 110.9063},     {51000.0, 270.65, -0.0028, 66.93887},
    {71000.0, 214.65, -0.0020, 3.956420},
};

/* Table 8 of the standard: M/M0 from 80 to 86 km geometric, every 0.5 km. */
static const double mratio[13] = {1.000000, 0.999996, 0.999989, 0.999971, 0.999941,
                                  0.999909, 0.999870, 0.999829, 0.999786, 0.999741,
                                  0.999694, 0.999641, 0.999579};

/* Table 1 of the standard (geometric altitude): pressure and density. */
#define N_UPPER 19
static const double up_z_m[N_UPPER] = {86e3,  90e3,  100e3, 110e3, 115e3, 120e3, 130e3,
                                       150e3, 175e3, 200e3, 250e3, 300e3, 400e3, 500e3,
                                       600e3, 700e3, 800e3, 900e3, 1000e3};
static const double up_p_pa[N_UPPER] = {3.7338e-1, 1.8359e-1, 3.2011e-2, 7.1042e-3, 4.0096e-3,
                                        2.5382e-3, 1.2505e-3, 4.5422e-4, 1.7936e-4, 8.4736e-5,
                                        2.4767e-5, 8.7704e-6, 1.4518e-6, 3.0236e-7, 8.2130e-8,
                                        3.1908e-8, 1.7036e-8, 1.0873e-8, 7.5138e-9};
static const double up_rho[N_UPPER] = {6.958e-6,  3.416e-6,  5.604e-7,  9.708e-8,  4.289e-8,
                                       2.222e-8,  8.152e-9,  2.076e-9,  6.339e-10, 2.541e-10,
                                       6.073e-11, 1.916e-11, 2.803e-12, 5.215e-13, 1.137e-13,
                                       3.070e-14, 1.136e-14, 5.759e-15, 3.561e-15};

/* Lower atmosphere: pressure and molecular-scale temperature at geometric
 * altitude z (clamped to -5 km, the standard's lower limit). */
static void lower(double z_m, double *p_pa, double *tm_k) {
  if (z_m < -5000.0)
    z_m = -5000.0;
  double h = US76_R0_M * z_m / (US76_R0_M + z_m); /* eq. 18 */
  int i = 6;
  while (i > 0 && h < layers[i].h_m)
    i--;
  const struct layer *b = &layers[i];
  double dh = h - b->h_m, tm = b->tm_k + b->l_kpm * dh;
  if (b->l_kpm == 0.0)
    *p_pa = b->p_pa * exp(-US76_GMR * dh / b->tm_k); /* eq. 33b */
  else
    *p_pa = b->p_pa * pow(b->tm_k / tm, US76_GMR / b->l_kpm); /* eq. 33a */
  *tm_k = tm;
}

/* Kinetic temperature 80..86 km: T = TM * M / M0 (eq. 22), table 8. */
static double kinetic_lower(double z_m, double tm_k) {
  if (z_m <= 80000.0)
    return tm_k;
  double x = (z_m - 80000.0) / 500.0;
  int i = (int)x;
  if (i >= 12)
    return tm_k * mratio[12];
  double r = mratio[i] + (x - i) * (mratio[i + 1] - mratio[i]);
  return tm_k * r;
}

/* Kinetic temperature above 86 km, NOAA-S/T 76-1562 eqs. 25-31. */
static double kinetic_upper(double z_m) {
  double z = z_m / 1000.0;
  if (z < 91.0)
    return 186.8673; /* eq. 25, T7 */
  if (z < 110.0) {   /* eq. 27: elliptical segment, Tc, A, a of table 5 */
    double u = (z - 91.0) / -19.9429;
    return 263.1905 - 76.3232 * sqrt(1.0 - u * u);
  }
  if (z < 120.0)
    return 240.0 + 12.0 * (z - 110.0); /* eq. 29, LK,9 = 12 K/km */
  double r0 = US76_R0_M / 1000.0;      /* eq. 31, lambda = 0.01875 /km */
  double xi = (z - 120.0) * (r0 + 120.0) / (r0 + z);
  return 1000.0 - (1000.0 - 360.0) * exp(-0.01875 * xi);
}

/* Fritsch-Carlson slope at node i of ln(v). */
static double pchip_slope(const double *v, int i) {
  double dl = (i > 0) ? (log(v[i]) - log(v[i - 1])) / (up_z_m[i] - up_z_m[i - 1]) : 0.0;
  double dr = (i < N_UPPER - 1) ? (log(v[i + 1]) - log(v[i])) / (up_z_m[i + 1] - up_z_m[i]) : 0.0;
  if (i == 0)
    return dr;
  if (i == N_UPPER - 1)
    return dl;
  if (dl * dr <= 0.0)
    return 0.0;
  double hl = up_z_m[i] - up_z_m[i - 1], hr = up_z_m[i + 1] - up_z_m[i];
  double w1 = 2.0 * hr + hl, w2 = hr + 2.0 * hl;
  return (w1 + w2) / (w1 / dl + w2 / dr);
}

/* Monotone cubic interpolation of ln(v) at z in [86 km, 1000 km]. */
static double upper_interp(const double *v, double z_m) {
  int i = 0;
  while (i < N_UPPER - 2 && z_m > up_z_m[i + 1])
    i++;
  double h = up_z_m[i + 1] - up_z_m[i], s = (z_m - up_z_m[i]) / h;
  double y0 = log(v[i]), y1 = log(v[i + 1]);
  double m0 = pchip_slope(v, i) * h, m1 = pchip_slope(v, i + 1) * h;
  double s2 = s * s, s3 = s2 * s;
  double y = (2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * m0 + (-2 * s3 + 3 * s2) * y1 +
             (s3 - s2) * m1;
  return exp(y);
}

double bal_density_kgpm3(double alt_m) {
  if (alt_m >= US76_ZTOP_M)
    return 0.0;
  if (alt_m >= US76_Z86_M)
    return upper_interp(up_rho, alt_m);
  double p, tm;
  lower(alt_m, &p, &tm);
  return p * US76_M0 / (US76_RSTAR * tm); /* eq. 42 */
}

int mwx_ballistic_atmosphere(double alt_m, double *density_kgpm3, double *pressure_pa,
                             double *temperature_k) {
  double rho = 0.0, p = 0.0, t;
  if (!isfinite(alt_m))
    return mwx_error_set(MWX_EINVAL, "atmosphere: altitude %g m is not finite", alt_m);
  if (alt_m < US76_Z86_M) {
    double tm;
    lower(alt_m, &p, &tm);
    rho = p * US76_M0 / (US76_RSTAR * tm);
    t = kinetic_lower(alt_m, tm);
  } else if (alt_m <= US76_ZTOP_M) {
    rho = upper_interp(up_rho, alt_m);
    p = upper_interp(up_p_pa, alt_m);
    t = kinetic_upper(alt_m);
  } else {
    t = 1000.0; /* exospheric temperature T-infinity of the standard */
  }
  if (density_kgpm3)
    *density_kgpm3 = rho;
  if (pressure_pa)
    *pressure_pa = p;
  if (temperature_k)
    *temperature_k = t;
  return 0;
}
