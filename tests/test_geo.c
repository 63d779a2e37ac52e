/*
 * test_geo.c - WGS-84 conversions and geodesics against published values.
 * Each expected number names its source.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mwx/error.h"
#include "mwx/geo.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static double dms(double d, double m, double s) { return d + m / 60.0 + s / 3600.0; }

/* IOGP Guidance Note 7-2 (EPSG), section 4.1.1, method 9602 worked example
 * on WGS 84: 53 deg 48' 33.820" N, 2 deg 07' 46.380" E, h = 73.0 m
 *   -> X = 3771793.968 m, Y = 140253.342 m, Z = 5124304.349 m. */
static void test_ecef_epsg_example(void **state) {
  (void)state;
  mwx_geo_lla p = {dms(53, 48, 33.820), dms(2, 7, 46.380), 73.0};
  double x[3];
  assert_int_equal(mwx_geo_ecef_from_lla(&p, x), 0);
  NEAR(x[0], 3771793.968, 0.001);
  NEAR(x[1], 140253.342, 0.001);
  NEAR(x[2], 5124304.349, 0.001);
  mwx_geo_lla back;
  assert_int_equal(mwx_geo_lla_from_ecef((double[3]){3771793.968, 140253.342, 5124304.349}, &back), 0);
  NEAR(back.lat_deg, p.lat_deg, 1e-3 / 3600.0); /* the example's 0.001" */
  NEAR(back.lon_deg, p.lon_deg, 1e-3 / 3600.0);
  NEAR(back.h_m, 73.0, 0.001);
}

/* Exact points of the ellipsoid (NIMA TR8350.2 table 3.1: a, 1/f). */
static void test_ecef_axes(void **state) {
  (void)state;
  double x[3];
  mwx_geo_lla eq = {0, 0, 0}, np = {90, 0, 0}, e90 = {0, 90, 1000};
  mwx_geo_ecef_from_lla(&eq, x);
  NEAR(x[0], 6378137.0, 1e-6);
  NEAR(x[2], 0.0, 1e-6);
  mwx_geo_ecef_from_lla(&np, x);
  NEAR(x[2], 6356752.314245, 1e-5); /* b = a (1 - f), TR8350.2 table 3.3 */
  mwx_geo_ecef_from_lla(&e90, x);
  NEAR(x[1], 6379137.0, 1e-6);
  mwx_geo_lla back;
  assert_int_equal(mwx_geo_lla_from_ecef((double[3]){0, 0, -6356752.314245 - 500}, &back), 0);
  NEAR(back.lat_deg, -90.0, 1e-12);
  NEAR(back.h_m, 500.0, 1e-6);
}

/* Round trip over the whole globe and the altitudes a missile reaches
 * (-1 km .. 7,000 km): the closed form must be exact to 1e-6 m. */
static void test_ecef_round_trip(void **state) {
  (void)state;
  for (double lat = -89.5; lat <= 90.0; lat += 7.3)
    for (double lon = -179.0; lon <= 180.0; lon += 23.7)
      for (double h = -1000.0; h <= 7.0e6; h += 777777.0) {
        mwx_geo_lla p = {lat, lon, h}, q;
        double x[3], y[3];
        assert_int_equal(mwx_geo_ecef_from_lla(&p, x), 0);
        assert_int_equal(mwx_geo_lla_from_ecef(x, &q), 0);
        assert_int_equal(mwx_geo_ecef_from_lla(&q, y), 0);
        NEAR(q.lat_deg, lat, 1e-11);
        NEAR(q.lon_deg, lon, 1e-11);
        NEAR(q.h_m, h, 1e-6);
        NEAR(hypot(hypot(x[0] - y[0], x[1] - y[1]), x[2] - y[2]), 0.0, 1e-6);
      }
}

/* IOGP Guidance Note 7-2, section 4.1.2, method 9836 (geocentric/topocentric)
 * worked example: origin 55 N, 5 E, h0 = 200 m; point X = 3771793.968,
 * Y = 140253.342, Z = 5124304.349 -> U = -189013.869, V = -128642.040,
 * W = -4220.171 m (U east, V north, W up). */
static void test_enu_epsg_example(void **state) {
  (void)state;
  mwx_geo_lla o = {55.0, 5.0, 200.0};
  double p[3] = {3771793.968, 140253.342, 5124304.349}, enu[3], back[3];
  assert_int_equal(mwx_geo_enu_from_ecef(&o, p, enu), 0);
  NEAR(enu[0], -189013.869, 0.001);
  NEAR(enu[1], -128642.040, 0.001);
  NEAR(enu[2], -4220.171, 0.001);
  assert_int_equal(mwx_geo_ecef_from_enu(&o, enu, back), 0);
  for (int i = 0; i < 3; i++)
    NEAR(back[i], p[i], 1e-6);
}

/* AER: a point straight up is at elevation 90; due east at the horizon is
 * azimuth 90, elevation 0; the conversion round-trips. */
static void test_aer(void **state) {
  (void)state;
  double az, el, r, enu[3];
  mwx_geo_aer_from_enu((double[3]){0, 0, 5000}, &az, &el, &r);
  NEAR(el, 90.0, 1e-12);
  NEAR(r, 5000.0, 1e-9);
  mwx_geo_aer_from_enu((double[3]){1000, 0, 0}, &az, &el, &r);
  NEAR(az, 90.0, 1e-12);
  NEAR(el, 0.0, 1e-12);
  mwx_geo_aer_from_enu((double[3]){-1, -1, 0}, &az, &el, &r);
  NEAR(az, 225.0, 1e-12);
  mwx_geo_enu_from_aer(311.5, 12.25, 987654.0, enu);
  mwx_geo_aer_from_enu(enu, &az, &el, &r);
  NEAR(az, 311.5, 1e-10);
  NEAR(el, 12.25, 1e-10);
  NEAR(r, 987654.0, 1e-6);
  /* A target 1,000 km due north on the surface is below the horizon
   * (elevation about -4.5 deg = -(1000/6371)/2 rad, spherical estimate). */
  mwx_geo_lla obs = {35.0, 135.0, 0.0}, tgt;
  double t[3];
  mwx_geo_direct(35.0, 135.0, 0.0, 1.0e6, &tgt.lat_deg, &tgt.lon_deg, NULL);
  tgt.h_m = 0;
  mwx_geo_ecef_from_lla(&tgt, t);
  assert_int_equal(mwx_geo_aer_from_ecef(&obs, t, &az, &el, &r), 0);
  NEAR(az, 0.0, 1e-6);
  NEAR(el, -4.5, 0.1);
}

/* C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87 (2013) 43-55,
 * worked examples on WGS-84:
 *  direct (section 8 / table 2): lat1 = 40 deg, azi1 = 30 deg, s12 = 10,000 km
 *    -> lat2 = 41.79331020506 deg, lon2 = 137.84490004377 deg,
 *       azi2 = 149.09016931807 deg;
 *  inverse (table 3): lat1 = -30 deg, lat2 = 29.9 deg, lon12 = 179.8 deg
 *    -> azi1 = 161.890524736 deg, azi2 = 18.090737246 deg,
 *       s12 = 19,989,832.827610 m. */
static void test_geodesic_karney(void **state) {
  (void)state;
  double lat2, lon2, azi2, s12, azi1;
  assert_int_equal(mwx_geo_direct(40.0, 0.0, 30.0, 10.0e6, &lat2, &lon2, &azi2), 0);
  NEAR(lat2, 41.79331020506, 1e-10);
  NEAR(lon2, 137.84490004377, 1e-10);
  NEAR(azi2, 149.09016931807, 1e-10);
  assert_int_equal(mwx_geo_inverse(-30.0, 0.0, 29.9, 179.8, &s12, &azi1, &azi2), 0);
  NEAR(azi1, 161.890524736, 1e-8);
  NEAR(azi2, 18.090737246, 1e-8);
  NEAR(s12, 19989832.827610, 1e-5);
}

/* Bad input is refused with a message, never computed. */
static void test_bad_input(void **state) {
  (void)state;
  double x[3], d;
  mwx_geo_lla bad = {91.0, 0, 0};
  assert_int_equal(mwx_geo_ecef_from_lla(&bad, x), MWX_EINVAL);
  assert_non_null(mwx_error_msg()[0] ? mwx_error_msg() : NULL);
  bad.lat_deg = NAN;
  assert_int_equal(mwx_geo_ecef_from_lla(&bad, x), MWX_EINVAL);
  assert_int_equal(mwx_geo_inverse(0, 0, 95, 0, &d, NULL, NULL), MWX_EINVAL);
  mwx_geo_lla q;
  assert_int_equal(mwx_geo_lla_from_ecef((double[3]){0, 0, 0}, &q), MWX_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ecef_epsg_example), cmocka_unit_test(test_ecef_axes),
      cmocka_unit_test(test_ecef_round_trip),   cmocka_unit_test(test_enu_epsg_example),
      cmocka_unit_test(test_aer),               cmocka_unit_test(test_geodesic_karney),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
