/*
 * test_ballistic.c - the ballistic module against published values and
 * physical invariants.  Each expected number names its source.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))
#define REL(a, b, tol) assert_true(fabs((a) - (b)) <= (tol) * fabs(b))

/* NOAA-S/T 76-1562 (U.S. Standard Atmosphere 1976), table 1 (geometric
 * altitude; temperature, pressure, density) and table 4 (layer bases).
 * The table gives 5 significant figures below 86 km (checked to 0.05%) and
 * 4 above (checked to 0.1%, the nodes of the interpolation). */
static void test_us76(void **state) {
  (void)state;
  static const struct {
    double z_m, t_k, p_pa, rho, tol;
  } tab[] = {
      {0.0, 288.150, 101325.0, 1.2250, 5e-4},
      {11000.0, 216.774, 2.2700e4, 3.6480e-1, 5e-4},
      {11019.067, 216.650, 22632.06, -1.0, 5e-4}, /* geopotential 11 km: table 4 base */
      {20000.0, 216.650, 5.5293e3, 8.8910e-2, 5e-4},
      {32000.0, 228.490, 8.8906e2, 1.3555e-2, 5e-4},
      {50000.0, 270.650, 7.9779e1, 1.0269e-3, 5e-4},
      {86000.0, 186.87, 3.7338e-1, 6.958e-6, 1e-3},
      {100000.0, 195.08, 3.2011e-2, 5.604e-7, 1e-3},
      {200000.0, 854.56, 8.4736e-5, 2.541e-10, 1e-3},
      {500000.0, 999.24, 3.0236e-7, 5.215e-13, 1e-3},
      {1000000.0, 1000.00, 7.5138e-9, 3.561e-15, 1e-3},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
    double rho, p, t;
    assert_int_equal(mwx_ballistic_atmosphere(tab[i].z_m, &rho, &p, &t), 0);
    REL(t, tab[i].t_k, tab[i].tol);
    REL(p, tab[i].p_pa, tab[i].tol);
    if (tab[i].rho > 0.0)
      REL(rho, tab[i].rho, tab[i].tol);
  }
  double rho = 1.0;
  assert_int_equal(mwx_ballistic_atmosphere(1.5e6, &rho, NULL, NULL), 0);
  assert_true(rho == 0.0);
  assert_int_equal(mwx_ballistic_atmosphere(NAN, &rho, NULL, NULL), MWX_EINVAL);
}

/* Density must fall monotonically and continuously (no jump at 86 km where
 * the formula hands over to the table). */
static void test_us76_monotone(void **state) {
  (void)state;
  double prev = 10.0;
  for (double z = 0.0; z <= 1.0e6; z += 250.0) {
    double rho;
    mwx_ballistic_atmosphere(z, &rho, NULL, NULL);
    assert_true(rho < prev);
    prev = rho;
  }
  double lo, hi;
  mwx_ballistic_atmosphere(85999.999, &lo, NULL, NULL);
  mwx_ballistic_atmosphere(86000.001, &hi, NULL, NULL);
  REL(hi, lo, 1e-3);
}

/* Gravity plus centrifugal at the ellipsoid's equator and pole against the
 * WGS-84 normal gravity (NIMA TR8350.2 table 3.4: gamma_e = 9.7803253359,
 * gamma_p = 9.8321849378 m/s^2).  The normal field also holds J4 and
 * higher even terms of the ellipsoid (TR8350.2 eq. 4-1), which J2 alone
 * leaves out: 4.4e-5 m/s^2 at the equator, 1.2e-4 at the pole. */
static void test_gravity_normal(void **state) {
  (void)state;
  double eq[3] = {MWX_WGS84_A_M, 0, 0}, np[3] = {0, 0, MWX_WGS84_B_M}, v0[3] = {0, 0, 0}, a[3];
  mwx_ballistic_accel_free_ecef(eq, v0, 0.0, a);
  NEAR(sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]), 9.7803253359, 1e-4);
  NEAR(a[1], 0.0, 1e-12);
  mwx_ballistic_accel_free_ecef(np, v0, 0.0, a);
  NEAR(-a[2], 9.8321849378, 2e-4);
  /* Pure gravity at the equator has no centrifugal part: GM/a^2 (1 + 1.5 J2). */
  mwx_ballistic_gravity_ecef(eq, a);
  double g = MWX_WGS84_GM_M3PS2 / (MWX_WGS84_A_M * MWX_WGS84_A_M) * (1.0 + 1.5 * MWX_WGS84_J2);
  REL(-a[0], g, 1e-14);
}

/* Coriolis: a body moving east at the equator is pushed up by 2 w v
 * (Goldstein, Classical Mechanics, eq. 4.106). */
static void test_coriolis(void **state) {
  (void)state;
  double r[3] = {MWX_WGS84_A_M, 0, 0}, v[3] = {0, 1000.0, 0}, a0[3], a1[3];
  mwx_ballistic_accel_free_ecef(r, (double[3]){0, 0, 0}, 0.0, a0);
  mwx_ballistic_accel_free_ecef(r, v, 0.0, a1);
  NEAR(a1[0] - a0[0], 2.0 * MWX_WGS84_OMEGA_RADPS * 1000.0, 1e-12);
}

/* Jacobi integral in the rotating frame with J2 potential:
 * C = v^2/2 - GM/r (1 - J2 (a/r)^2 P2(z/r)) - w^2 (x^2 + y^2) / 2. */
static double jacobi(const double r[3], const double v[3]) {
  double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]), s = r[2] / rn;
  double p2 = 0.5 * (3.0 * s * s - 1.0);
  double u = MWX_WGS84_GM_M3PS2 / rn *
             (1.0 - MWX_WGS84_J2 * (MWX_WGS84_A_M / rn) * (MWX_WGS84_A_M / rn) * p2);
  double w = MWX_WGS84_OMEGA_RADPS;
  return 0.5 * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) - u -
         0.5 * w * w * (r[0] * r[0] + r[1] * r[1]);
}

/* Drag-free unpowered flight conserves the Jacobi integral: a 12-hour
 * inclined, eccentric orbit (perigee ~700 km) in the rotating frame, checked
 * every hour: the drift (integration error, ~1e-10 per hour at the default
 * tolerances) must stay below 5e-9 of C.  A missing or wrong Coriolis or
 * centrifugal term, or a J2 sign error, moves C by 1e-4..1e-2. */
static void test_jacobi_conservation(void **state) {
  (void)state;
  mwx_geo_lla p0 = {30.0, 100.0, 700e3};
  double r[3], v[3], enu[3] = {6500.0, 3000.0, 500.0};
  mwx_geo_ecef_from_lla(&p0, r);
  mwx_geo_ecef_vec_from_enu(&p0, enu, v);
  double c0 = jacobi(r, v);
  for (int h = 0; h < 12; h++) {
    assert_int_equal(mwx_ballistic_propagate(r, v, 0.0, 3600.0, r, v), 0);
    print_message("hour %d: Jacobi drift %.3e\n", h + 1, (jacobi(r, v) - c0) / fabs(c0));
    REL(jacobi(r, v), c0, 5e-9);
  }
}

/* Forward then backward returns to the start (with drag: the backward run
 * is the same ODE). */
static void test_forward_backward(void **state) {
  (void)state;
  mwx_geo_lla p0 = {39.2, 125.67, 300e3};
  double r0[3], v0[3], r1[3], v1[3], r2[3], v2[3], enu[3] = {2000.0, 800.0, 3000.0};
  mwx_geo_ecef_from_lla(&p0, r0);
  mwx_geo_ecef_vec_from_enu(&p0, enu, v0);
  assert_int_equal(mwx_ballistic_propagate(r0, v0, 5000.0, 700.0, r1, v1), 0);
  assert_int_equal(mwx_ballistic_propagate(r1, v1, 5000.0, -700.0, r2, v2), 0);
  for (int i = 0; i < 3; i++) {
    NEAR(r2[i], r0[i], 1e-3);
    NEAR(v2[i], v0[i], 1e-6);
  }
}

/* propagate_to_height stops on the height to well under 1 m, both ways,
 * and refuses a height it cannot reach. */
static void test_to_height(void **state) {
  (void)state;
  mwx_geo_lla p0 = {40.0, 130.0, 500e3}, q;
  double r0[3], v0[3], r1[3], v1[3], r2[3], v2[3], t1, t2, enu[3] = {3000.0, 0.0, -500.0};
  mwx_geo_ecef_from_lla(&p0, r0);
  mwx_geo_ecef_vec_from_enu(&p0, enu, v0);
  assert_int_equal(mwx_ballistic_propagate_to_height(r0, v0, 6000.0, 1, 0.0, 3600.0, r1, v1, &t1), 0);
  mwx_geo_lla_from_ecef(r1, &q);
  NEAR(q.h_m, 0.0, 0.5);
  assert_true(t1 > 100.0);
  /* Drag-free: back up from 100 km to the start height. */
  assert_int_equal(mwx_ballistic_propagate_to_height(r0, v0, 0.0, 1, 100e3, 3600.0, r1, v1, &t1), 0);
  assert_int_equal(mwx_ballistic_propagate_to_height(r1, v1, 0.0, -1, 500e3, 3600.0, r2, v2, &t2), 0);
  NEAR(t2, t1, 1e-5);
  for (int i = 0; i < 3; i++)
    NEAR(r2[i], r0[i], 0.05);
  assert_int_equal(mwx_ballistic_propagate_to_height(r0, v0, 0.0, 1, 0.0, 10.0, r1, v1, &t1),
                   MWX_ERANGE);
  assert_int_equal(mwx_ballistic_propagate_to_height(r0, v0, 0.0, 2, 0.0, 10.0, r1, v1, &t1),
                   MWX_EINVAL);
}

static void test_classes(void **state) {
  (void)state;
  mwx_ballistic_class c;
  assert_int_equal(mwx_ballistic_class_parse("icbm", &c), 0);
  assert_int_equal(c, MWX_CLASS_ICBM);
  assert_int_equal(mwx_ballistic_class_parse("XRBM", &c), MWX_EINVAL);
  assert_string_equal(mwx_ballistic_class_name(MWX_CLASS_IRBM), "IRBM");
  assert_string_equal(mwx_ballistic_class_name((mwx_ballistic_class)42), "UNKNOWN");
  /* A lofted 6,000 km / 1,000 km flight has ICBM energy (the brief; the
   * 2022-11-18 Hwasong-17). */
  assert_int_equal(mwx_ballistic_class_from_figures(6000.0, 1000.0, &c), 0);
  assert_int_equal(c, MWX_CLASS_ICBM);
  /* Hwasong-12, 2022-10-03: ~4,600 km minimum-energy equivalent: IRBM. */
  assert_int_equal(mwx_ballistic_class_from_figures(1000.0, 4600.0, &c), 0);
  assert_int_equal(c, MWX_CLASS_IRBM);
  assert_int_equal(mwx_ballistic_class_from_figures(80.0, 300.0, &c), 0);
  assert_int_equal(c, MWX_CLASS_SRBM);
  assert_int_equal(mwx_ballistic_class_from_figures(400.0, 1500.0, &c), 0);
  assert_int_equal(c, MWX_CLASS_MRBM);
  assert_int_equal(mwx_ballistic_class_from_figures(-1.0, 300.0, &c), MWX_EINVAL);
}

static void test_vehicle_defaults(void **state) {
  (void)state;
  mwx_ballistic_vehicle v;
  for (int c = MWX_CLASS_SRBM; c <= MWX_CLASS_ICBM; c++) {
    assert_int_equal(mwx_ballistic_vehicle_default((mwx_ballistic_class)c, &v), 0);
    assert_int_equal(v.cls, c);
    assert_true(v.n_stages >= 1 && v.n_stages <= MWX_BALLISTIC_MAX_STAGES);
    assert_true(v.dv_scale == 1.0);
  }
  assert_int_equal(v.n_stages, 2); /* ICBM: Hwasong-15/17 are two-stage */
  assert_int_equal(mwx_ballistic_vehicle_default(MWX_CLASS_UNKNOWN, &v), MWX_EINVAL);
}

/* Flies a default ICBM; checks events, samples and interpolation. */
static void test_fly(void **state) {
  (void)state;
  mwx_ballistic_launch l = {39.2, 125.67, 0.0, 72.0, {0}};
  mwx_ballistic_vehicle_default(MWX_CLASS_ICBM, &l.veh);
  l.veh.pitch_final_deg = 80.0;
  mwx_ballistic_traj tr = {0};
  mwx_ballistic_figures fig;
  assert_int_equal(mwx_ballistic_fly(&l, 1.0, &tr), 0);
  assert_int_equal(mwx_ballistic_fly_figures(&l, &fig), 0);
  NEAR(fig.flight_time_s, tr.fig.flight_time_s, 1e-9);
  NEAR(fig.apogee_km, tr.fig.apogee_km, 1e-9);
  /* Two-stage burn: 140 s + 5 s + 160 s nominal (vehicle.c). */
  NEAR(tr.fig.burnout_time_s, 305.0, 1e-6);
  for (size_t i = 1; i < tr.n; i++)
    assert_true(tr.s[i].t_s > tr.s[i - 1].t_s);
  NEAR(tr.s[tr.n - 1].t_s, tr.fig.flight_time_s, 1e-9);
  /* Impact: geodetic height 0 to < 1 m. */
  mwx_geo_lla q;
  mwx_geo_lla_from_ecef(tr.s[tr.n - 1].pos_ecef_m, &q);
  NEAR(q.h_m, 0.0, 1.0);
  NEAR(q.lat_deg, tr.fig.impact_lat_deg, 1e-12);
  /* Apogee: no sample is higher. */
  for (size_t i = 0; i < tr.n; i += 7) {
    mwx_geo_lla_from_ecef(tr.s[i].pos_ecef_m, &q);
    assert_true(q.h_m <= tr.fig.apogee_km * 1000.0 + 1e-3);
  }
  /* Phases in order. */
  assert_int_equal(tr.s[0].phase, MWX_PHASE_BOOST);
  assert_int_equal(tr.s[tr.n - 1].phase, MWX_PHASE_TERMINAL);
  mwx_ballistic_phase ph;
  double p[3], v[3], p2[3], v2[3];
  assert_int_equal(mwx_ballistic_traj_state_at(&tr, 1000.5, p, v, &ph), 0);
  assert_int_equal(ph, MWX_PHASE_MIDCOURSE);
  /* Hermite interpolation against a direct propagation from the sample. */
  size_t k = 0;
  while (tr.s[k].t_s < 1000.0)
    k++;
  assert_int_equal(mwx_ballistic_propagate(tr.s[k].pos_ecef_m, tr.s[k].vel_ecef_mps,
                                           l.veh.beta_rv_kgpm2, 1000.5 - tr.s[k].t_s, p2, v2), 0);
  for (int i = 0; i < 3; i++) {
    NEAR(p[i], p2[i], 1e-3);
    NEAR(v[i], v2[i], 1e-3);
  }
  assert_int_equal(mwx_ballistic_traj_state_at(&tr, -1.0, p, v, NULL), MWX_ERANGE);
  assert_int_equal(mwx_ballistic_traj_state_at(&tr, tr.fig.flight_time_s + 1.0, p, v, NULL),
                   MWX_ERANGE);
  mwx_ballistic_traj_fini(&tr);
  assert_null(tr.s);
  assert_int_equal(mwx_ballistic_fly(&l, 0.0, &tr), MWX_EINVAL);
}

/* The fitting reproduces apogee, range and bearing to 0.01%. */
static void test_fit(void **state) {
  (void)state;
  static const mwx_ballistic_fit_req reqs[] = {
      {39.20, 125.67, 72.0, 6040.9, 999.2, MWX_CLASS_UNKNOWN}, /* 2022-11-18 */
      {40.61, 126.43, 84.0, 1000.0, 4600.0, MWX_CLASS_IRBM},  /* 2022-10-03 */
      {39.20, 125.67, 90.0, 50.0, 650.0, MWX_CLASS_SRBM},     /* 2022-10-13 */
      {39.20, 125.67, 72.0, 20.0, 100.0, MWX_CLASS_UNKNOWN},
      {39.20, 125.67, 45.0, 1500.0, 12000.0, MWX_CLASS_ICBM},
      {35.0, 127.0, 200.0, 300.0, 1200.0, MWX_CLASS_UNKNOWN},
      {39.20, 125.67, 45.0, 1000.0, 13000.0, MWX_CLASS_UNKNOWN}, /* near minimum energy */
      {39.20, 125.67, 72.0, 3000.0, 200.0, MWX_CLASS_UNKNOWN},   /* very lofted */
      /* Westward and shorter than the ~1,000 km westward drift of a vertical
       * flight to 6,000 km: the missile must lean east. */
      {39.20, 125.67, 250.0, 6000.0, 30.0, MWX_CLASS_UNKNOWN},
  };
  for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
    mwx_ballistic_launch l;
    mwx_ballistic_figures f;
    int rc = mwx_ballistic_fit(&reqs[i], &l, &f);
    if (rc)
      print_message("request %zu: %s\n", i, mwx_error_msg());
    assert_int_equal(rc, 0);
    REL(f.apogee_km, reqs[i].apogee_km, 1e-4);
    REL(f.range_km, reqs[i].range_km, 1e-4);
    NEAR(f.impact_azimuth_deg, reqs[i].azimuth_deg, 1e-3);
    /* The fitted launch flies the same figures again. */
    mwx_ballistic_figures g;
    assert_int_equal(mwx_ballistic_fly_figures(&l, &g), 0);
    REL(g.range_km, f.range_km, 1e-7);
  }
}

static void expect_refused(double apogee, double range, mwx_ballistic_class c) {
  mwx_ballistic_fit_req q = {39.2, 125.67, 72.0, apogee, range, c};
  mwx_ballistic_launch l;
  mwx_ballistic_figures f;
  mwx_error_clear();
  assert_int_equal(mwx_ballistic_fit(&q, &l, &f), MWX_EINVAL);
  assert_true(strlen(mwx_error_msg()) > 10);
}

static void test_fit_refused(void **state) {
  (void)state;
  expect_refused(0.0, 1000.0, MWX_CLASS_UNKNOWN);
  expect_refused(-100.0, 1000.0, MWX_CLASS_UNKNOWN);
  expect_refused(1000.0, 0.0, MWX_CLASS_UNKNOWN);
  expect_refused(NAN, 1000.0, MWX_CLASS_UNKNOWN);
  expect_refused(50.0, 5000.0, MWX_CLASS_UNKNOWN); /* stays in dense air */
  expect_refused(6000.0, 1000.0, MWX_CLASS_SRBM);  /* ICBM energy */
  assert_non_null(strstr(mwx_error_msg(), "ICBM"));
  expect_refused(100000.0, 1000.0, MWX_CLASS_UNKNOWN); /* orbital */
  expect_refused(500.0, 30000.0, MWX_CLASS_UNKNOWN);   /* more than half the Earth */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_us76),
      cmocka_unit_test(test_us76_monotone),
      cmocka_unit_test(test_gravity_normal),
      cmocka_unit_test(test_coriolis),
      cmocka_unit_test(test_jacobi_conservation),
      cmocka_unit_test(test_forward_backward),
      cmocka_unit_test(test_to_height),
      cmocka_unit_test(test_classes),
      cmocka_unit_test(test_vehicle_defaults),
      cmocka_unit_test(test_fly),
      cmocka_unit_test(test_fit),
      cmocka_unit_test(test_fit_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
