/*
 * test_sim.c - the sim module without flights: UTC time stamps, scenario and
 * sensor files (good and bad, with the key named in the message), the line of
 * sight over the WGS-84 ellipsoid against the analytic horizon, sectors,
 * elevation and range limits, ship motion, and the random generator.
 * Each expected number names where it comes from.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../src/sim/sim_int.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/sim.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* ---- time ---------------------------------------------------------------- */

/* Expected values: Python calendar.timegm (independent implementation). */
static void test_time_parse(void **state) {
  (void)state;
  int64_t t;
  assert_int_equal(mwx_sim_time_parse("2022-11-18T01:15:00Z", &t), 0);
  assert_true(t == 1668734100LL * 1000000000LL);
  assert_int_equal(mwx_sim_time_parse("2022-10-03T22:22:00.25Z", &t), 0);
  assert_true(t == 1664835720LL * 1000000000LL + 250000000LL);
  assert_int_equal(mwx_sim_time_parse("1970-01-01T00:00:00Z", &t), 0);
  assert_true(t == 0);
  assert_int_equal(mwx_sim_time_parse("2024-02-29T12:00:00Z", &t), 0); /* leap year */
  assert_int_equal(mwx_sim_time_parse("2023-02-29T12:00:00Z", &t), MWX_EINVAL);
  assert_int_equal(mwx_sim_time_parse("2022-11-18 01:15:00Z", &t), MWX_EINVAL);
  assert_int_equal(mwx_sim_time_parse("2022-11-18T01:15:00", &t), MWX_EINVAL);
  assert_int_equal(mwx_sim_time_parse("2022-11-18T25:15:00Z", &t), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "2022-11-18T25:15:00Z"));
  char buf[40];
  assert_int_equal(mwx_sim_time_format(1664835720LL * 1000000000LL + 250000000LL, buf, sizeof buf), 0);
  assert_string_equal(buf, "2022-10-03T22:22:00.250Z");
}

/* ---- files ----------------------------------------------------------------- */

static char tmpdir[64];

static int setup_dir(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mwx_test_sim_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

#define LAUNCH(id, extra)                                                                          \
  "{\"id\":\"" id "\",\"time_utc\":\"2022-11-18T01:15:00Z\",\"lat_deg\":39.2,\"lon_deg\":125.67," \
  "\"azimuth_deg\":72,\"apogee_km\":6040.9,\"range_km\":999.2" extra "}"

static const char ok_sensor[] =
    "{\"id\":\"R1\",\"nation\":\"KOR\",\"type\":\"ground_radar\",\"lat_deg\":37,\"lon_deg\":127,"
    "\"max_range_km\":800,\"period_s\":1,\"sigma_range_m\":50,\"sigma_az_deg\":0.1,"
    "\"sigma_el_deg\":0.1,\"pd\":0.9}";

/* Loads text as a scenario file and expects code rc with every needle in the
 * message. */
static void expect_bad(const char *text, int rc, const char *needle1, const char *needle2) {
  const char *path = write_file("bad.json", text);
  mwx_sim_scenario sc;
  mwx_error_clear();
  assert_int_equal(mwx_sim_scenario_load(path, &sc), rc);
  const char *msg = mwx_error_msg();
  if (!strstr(msg, needle1) || (needle2 && !strstr(msg, needle2)) || !strstr(msg, "bad.json"))
    fail_msg("message '%s' lacks '%s' / '%s' / the file name", msg, needle1, needle2 ? needle2 : "");
  assert_null(sc.launch);
  assert_null(sc.sensor);
}

static void test_scenario_bad(void **state) {
  (void)state;
  char buf[4096];
  snprintf(buf, sizeof buf,
           "{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "," LAUNCH("M2", "") "," LAUNCH("M3", "")
           "," LAUNCH("M4", ",\"apogee_km\":-5") "],\"sensors\":[%s]}",
           ok_sensor);
  /* duplicate key apogee_km in M4 is a JSON-level error (JSON_REJECT_DUPLICATES) */
  expect_bad(buf, MWX_EPARSE, "duplicate", NULL);
  snprintf(buf, sizeof buf,
           "{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "," LAUNCH("M2", "") "," LAUNCH("M3", "")
           ",{\"id\":\"M4\",\"time_utc\":\"2022-11-18T01:15:00Z\",\"lat_deg\":39.2,\"lon_deg\":125.67,"
           "\"azimuth_deg\":72,\"apogee_km\":-5,\"range_km\":999.2}],\"sensors\":[%s]}",
           ok_sensor);
  expect_bad(buf, MWX_EINVAL, "launches[3].apogee_km", "must be a number in (0, 20000] (got -5)");
  snprintf(buf, sizeof buf, "{\"name\":\"x\",\"launches\":[" LAUNCH("M1", ",\"apogee\":5") "],\"sensors\":[%s]}",
           ok_sensor);
  expect_bad(buf, MWX_EINVAL, "launches[0].apogee", "unknown key");
  snprintf(buf, sizeof buf, "{\"name\":\"x\",\"launches\":[" LAUNCH("M1", ",\"class\":\"XRBM\"") "],\"sensors\":[%s]}",
           ok_sensor);
  expect_bad(buf, MWX_EINVAL, "launches[0].class", "XRBM");
  snprintf(buf, sizeof buf,
           "{\"name\":\"x\",\"launches\":[{\"id\":\"M1\",\"time_utc\":\"18 Nov 2022\",\"lat_deg\":39.2,"
           "\"lon_deg\":125.67,\"azimuth_deg\":72,\"apogee_km\":6040.9,\"range_km\":999.2}],"
           "\"sensors\":[%s]}",
           ok_sensor);
  expect_bad(buf, MWX_EINVAL, "launches[0].time_utc", "18 Nov 2022");
  snprintf(buf, sizeof buf,
           "{\"name\":\"x\",\"launches\":[{\"id\":\"M1\",\"lat_deg\":39.2,"
           "\"lon_deg\":125.67,\"azimuth_deg\":72,\"apogee_km\":6040.9,\"range_km\":999.2}],"
           "\"sensors\":[%s]}",
           ok_sensor);
  expect_bad(buf, MWX_EINVAL, "launches[0].time_utc", "missing");
  snprintf(buf, sizeof buf, "{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "," LAUNCH("M1", "") "],\"sensors\":[%s]}",
           ok_sensor);
  expect_bad(buf, MWX_EINVAL, "launches[1].id", "duplicate");
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", ",\"lat_deg\":\"39\"") "]}", MWX_EPARSE,
             "duplicate", NULL);
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "]}", MWX_EINVAL, "sensors", "missing");
  expect_bad("{\"name\":\"x\",\"launches\":[]," "\"sensors\":\"default\"}", MWX_EINVAL, "launches",
             "non-empty");
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "],\"sensors\":\"nowhere.json\"}", MWX_EIO,
             "nowhere.json", "sensors");
  expect_bad("{\"name\":\"x\", \"launches\": [\n  {\"id\": }\n]}", MWX_EPARSE, "bad.json:2:", NULL);
  /* sensors */
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "],\"sensors\":[{\"id\":\"R1\","
             "\"nation\":\"KOR\",\"type\":\"ground_radar\",\"lat_deg\":37,\"lon_deg\":127,"
             "\"max_range_km\":800,\"period_s\":1,\"sigma_range_m\":50,\"sigma_az_deg\":0.1,"
             "\"sigma_el_deg\":0.1,\"pd\":0.9,\"faces\":[{\"az_center_deg\":0,\"az_width_deg\":90,"
             "\"el_min_deg\":10,\"el_max_deg\":5}]}]}",
             MWX_EINVAL, "sensors[0].faces[0].el_max_deg", "greater");
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "],\"sensors\":[{\"id\":\"R1\","
             "\"nation\":\"Korea\",\"type\":\"ground_radar\",\"lat_deg\":37,\"lon_deg\":127}]}",
             MWX_EINVAL, "sensors[0].nation", NULL);
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "],\"sensors\":[{\"id\":\"R1\","
             "\"nation\":\"KOR\",\"type\":\"ground_radar\",\"lat_deg\":37,\"lon_deg\":127,"
             "\"max_range_km\":800,\"period_s\":1,\"sigma_range_m\":50,\"sigma_az_deg\":0.1,"
             "\"sigma_el_deg\":0.1,\"pd\":1.5}]}",
             MWX_EINVAL, "sensors[0].pd", "[0, 1]");
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "],\"sensors\":[{\"id\":\"S1\","
             "\"nation\":\"USA\",\"type\":\"space_ir\",\"lat_deg\":0,\"lon_deg\":105,"
             "\"max_range_km\":42000,\"period_s\":1,\"sigma_range_m\":50,\"pd\":0.9}]}",
             MWX_EINVAL, "sensors[0].sigma_range_m", "space_ir");
  expect_bad("{\"name\":\"x\",\"launches\":[" LAUNCH("M1", "") "],\"sensors\":[{\"id\":\"R1\","
             "\"nation\":\"KOR\",\"type\":\"ship_radar\",\"lat_deg\":37,\"lon_deg\":130,"
             "\"max_range_km\":500,\"period_s\":1,\"sigma_range_m\":50,\"sigma_az_deg\":0.1,"
             "\"sigma_el_deg\":0.1,\"pd\":0.9}]}",
             MWX_EINVAL, "sensors[0].course_deg", "missing");
}

static void test_scenario_good(void **state) {
  (void)state;
  char buf[4096];
  snprintf(buf, sizeof buf,
           "{\"name\":\"two\",\"launches\":[" LAUNCH("M1", ",\"class\":\"icbm\"") "," LAUNCH("M2", "")
           "],\"sensors\":[%s]}",
           ok_sensor);
  mwx_sim_scenario sc;
  assert_int_equal(mwx_sim_scenario_load(write_file("ok.json", buf), &sc), 0);
  assert_string_equal(sc.name, "two");
  assert_int_equal(sc.n_launches, 2);
  assert_int_equal(sc.launch[0].cls, MWX_CLASS_ICBM);
  assert_int_equal(sc.launch[1].cls, MWX_CLASS_UNKNOWN);
  assert_true(sc.epoch_ns == 1668734100LL * 1000000000LL);
  assert_int_equal(sc.n_sensors, 1);
  assert_int_equal(sc.sensor[0].n_faces, 1);
  NEAR(sc.sensor[0].face[0].az_width_deg, 360.0, 0.0);
  NEAR(sc.sensor[0].max_range_m, 800e3, 0.0);
  assert_true(sc.sensor[0].period_ns == 1000000000LL);
  mwx_sim_scenario_fini(&sc);
  assert_null(sc.launch);

  /* "sensors" as a file name relative to the scenario's directory */
  snprintf(buf, sizeof buf, "[%s]", ok_sensor);
  write_file("sens.json", buf);
  assert_int_equal(mwx_sim_scenario_load(write_file("rel.json", "{\"name\":\"rel\",\"launches\":["
                                                    LAUNCH("M1", "") "],\"sensors\":\"sens.json\"}"),
                                         &sc), 0);
  assert_int_equal(sc.n_sensors, 1);
  assert_string_equal(sc.sensor[0].id, "R1");
  mwx_sim_scenario_fini(&sc);

  /* a sensor file on its own: errors name the file and the element */
  snprintf(buf, sizeof buf, "[%s,%s]", ok_sensor, ok_sensor);
  mwx_sim_sensor *sens = NULL;
  size_t ns = 0;
  assert_int_equal(mwx_sim_sensors_load(write_file("two.json", buf), &sens, &ns), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "two.json: [1].id: duplicate sensor id"));
  snprintf(buf, sizeof buf, "[%s]", ok_sensor);
  char *mr = strstr(buf, "\"max_range_km\":800");
  assert_non_null(mr);
  memcpy(mr, "\"max_range_km\":-1 ", 18);
  assert_int_equal(mwx_sim_sensors_load(write_file("neg.json", buf), &sens, &ns), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "neg.json: [0].max_range_km: must be a number > 0"));
  snprintf(buf, sizeof buf, "[%s]", ok_sensor);
  assert_int_equal(mwx_sim_sensors_load(write_file("one.json", buf), &sens, &ns), 0);
  assert_int_equal(ns, 1);
  assert_int_equal(sens[0].kind, MWX_SIM_GROUND_RADAR);
  free(sens);

  /* Every published launch has a scenario, and the default laydown loads. */
  static const char *const files[] = {
      "2017-07-04-hwasong14", "2017-08-29-hwasong12", "2017-11-29-hwasong15",
      "2022-03-24-hwasong17", "2022-10-04-hwasong12", "2022-10-14-srbm",
      "2022-11-18-hwasong17", "2023-02-18-hwasong15", "2023-03-16-hwasong17", "salvo-100"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s.json", MWX_SOURCE_DIR, files[i]);
    if (mwx_sim_scenario_load(path, &sc))
      fail_msg("%s", mwx_error_msg());
    assert_true(sc.n_sensors >= 10);
    int nations[3] = {0, 0, 0};
    for (size_t k = 0; k < sc.n_sensors; k++) {
      nations[0] += !strcmp(sc.sensor[k].nation, "KOR");
      nations[1] += !strcmp(sc.sensor[k].nation, "JPN");
      nations[2] += !strcmp(sc.sensor[k].nation, "USA");
    }
    assert_true(nations[0] > 0 && nations[1] > 0 && nations[2] > 0);
    assert_int_equal(nations[0] + nations[1] + nations[2], (int)sc.n_sensors);
    if (!strcmp(files[i], "salvo-100"))
      assert_int_equal(sc.n_launches, 100);
    mwx_sim_scenario_fini(&sc);
  }
}

/* ---- geometry ------------------------------------------------------------ */

static mwx_sim_sensor open_radar(double lat, double lon, double h) {
  mwx_sim_sensor s;
  memset(&s, 0, sizeof s);
  snprintf(s.id, sizeof s.id, "T");
  s.kind = MWX_SIM_GROUND_RADAR;
  s.site = (mwx_geo_lla){lat, lon, h};
  s.n_faces = 1;
  s.face[0] = (mwx_sim_face){0.0, 360.0, -90.0, 90.0};
  s.max_range_m = 1e9;
  s.min_alt_m = -1e9;
  return s;
}

static int visible_at(const mwx_sim_sensor *s, double az, double dist_m, double h_m,
                      mwx_sim_look *look) {
  mwx_geo_lla t = {0, 0, h_m};
  double x[3];
  assert_int_equal(mwx_geo_direct(s->site.lat_deg, s->site.lon_deg, az, dist_m, &t.lat_deg,
                                  &t.lon_deg, NULL), 0);
  assert_int_equal(mwx_geo_ecef_from_lla(&t, x), 0);
  assert_int_equal(mwx_sim_sensor_look(s, &s->site, x, h_m, look), 0);
  return look->reason == MWX_SIM_VISIBLE;
}

/* Radius of curvature of the normal section in azimuth az (Euler's theorem on
 * normal sections) from the meridian radius M = a(1-e^2)/(1-e^2 sin^2 lat)^1.5
 * and the prime-vertical radius N = a/(1-e^2 sin^2 lat)^0.5 (standard
 * geodesy, e.g. W. Torge, Geodesy, chapter on the ellipsoid). */
static double radius_in_azimuth(double lat_deg, double az_deg) {
  double s = sin(lat_deg * MWX_DEG2RAD);
  double w = 1.0 - MWX_WGS84_E2 * s * s;
  double m = MWX_WGS84_A_M * (1.0 - MWX_WGS84_E2) / (w * sqrt(w));
  double n = MWX_WGS84_A_M / sqrt(w);
  double ca = cos(az_deg * MWX_DEG2RAD), sa = sin(az_deg * MWX_DEG2RAD);
  return 1.0 / (ca * ca / m + sa * sa / n);
}

/* The largest ground distance (geodesic, m) at which a target at height H is
 * visible: bisection on the line-of-sight test. */
static double max_visible(const mwx_sim_sensor *s, double az, double H) {
  double lo = 0.0, hi = 6.0e6;
  mwx_sim_look look;
  assert_true(visible_at(s, az, 1000.0, H, &look));
  assert_false(visible_at(s, az, hi, H, &look));
  while (hi - lo > 1.0) {
    double mid = 0.5 * (lo + hi);
    if (visible_at(s, az, mid, H, &look))
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* Spherical-Earth horizon: a sensor at height h sees a target at height H up
 * to a ground distance of sqrt(2Rh) + sqrt(2RH) (tangent lengths, h, H << R;
 * e.g. Skolnik, Introduction to Radar Systems, 3rd ed., sec. 8.2), exactly
 * R (acos(R/(R+h)) + acos(R/(R+H))) along the arc. */
static void test_horizon_vs_analytic(void **state) {
  (void)state;
  static const double lats[] = {36.7, 41.3, 0.0};
  static const double azs[] = {0.0, 72.0, 90.0, 225.0};
  static const double hs[] = {30.0, 400.0, 1000.0};
  static const double Hs[] = {0.0, 1000.0, 10000.0, 50000.0, 100000.0};
  double worst_sqrt = 0.0, worst_arc = 0.0;
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 4; b++)
      for (size_t c = 0; c < 3; c++)
        for (size_t d = 0; d < 5; d++) {
          mwx_sim_sensor s = open_radar(lats[a], 127.0, hs[c]);
          double R = radius_in_azimuth(lats[a], azs[b]);
          double h = hs[c], H = Hs[d];
          double got = max_visible(&s, azs[b], H);
          double approx = sqrt(2 * R * h) + sqrt(2 * R * H);
          double arc = R * (acos(R / (R + h)) + acos(R / (R + H)));
          double e1 = fabs(got - approx) / approx, e2 = fabs(got - arc) / arc;
          worst_sqrt = fmax(worst_sqrt, e1);
          worst_arc = fmax(worst_arc, e2);
          /* sqrt form: its own error grows like H/(3R) (0.5% at 100 km);
           * ellipsoid vs local sphere: curvature changes along the path. */
          if (e1 > 0.01 || e2 > 0.001)
            fail_msg("lat %g az %g h %g H %g: got %.1f m, sqrt form %.1f m, arc %.1f m", lats[a],
                     azs[b], h, H, got, approx, arc);
        }
  print_message("horizon: worst relative difference %.4f%% (sqrt form), %.4f%% (spherical arc)\n",
                100 * worst_sqrt, 100 * worst_arc);
  /* Just beyond the horizon the reason is the Earth. */
  mwx_sim_sensor s = open_radar(36.7, 127.0, 400.0);
  double dmax = max_visible(&s, 72.0, 20000.0);
  mwx_sim_look look;
  assert_false(visible_at(&s, 72.0, dmax + 2000.0, 20000.0, &look));
  assert_int_equal(look.reason, MWX_SIM_BLOCKED_EARTH);
  assert_true(look.el_deg < 0.0);
}

/* The ellipsoid, not a sphere: across the North Pole two points at 89 N,
 * 10 km up, 222 km apart see each other (the chord's sagitta over 2 degrees is
 * about R (1 - cos 1 deg) = 0.97 km), though the chord passes 6,365 km from the
 * centre: inside a sphere of radius a = 6,378 km.  At 500 m up they do not. */
static void test_los_ellipsoid(void **state) {
  (void)state;
  double a[3], b[3];
  mwx_geo_lla pa = {89.0, 0.0, 10000.0}, pb = {89.0, 180.0, 10000.0};
  mwx_geo_ecef_from_lla(&pa, a);
  mwx_geo_ecef_from_lla(&pb, b);
  assert_true(mwx_sim_los_clear(a, b));
  double mid[3] = {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2};
  assert_true(hypot(hypot(mid[0], mid[1]), mid[2]) < MWX_WGS84_A_M - 10000.0);
  pa.h_m = pb.h_m = 500.0;
  mwx_geo_ecef_from_lla(&pa, a);
  mwx_geo_ecef_from_lla(&pb, b);
  assert_false(mwx_sim_los_clear(a, b));
  /* Antipodes never see each other; a point sees itself and its zenith. */
  mwx_geo_lla p = {37.0, 127.0, 0.0}, q = {-37.0, -53.0, 1e6}, z = {37.0, 127.0, 1e6};
  double x[3], y[3], w[3];
  mwx_geo_ecef_from_lla(&p, x);
  mwx_geo_ecef_from_lla(&q, y);
  mwx_geo_ecef_from_lla(&z, w);
  assert_false(mwx_sim_los_clear(x, y));
  assert_true(mwx_sim_los_clear(x, x));
  assert_true(mwx_sim_los_clear(x, w));
}

/* Sector, elevation band, range limits and minimum altitude. */
static void test_sector_elevation_range(void **state) {
  (void)state;
  mwx_sim_sensor s = open_radar(36.0, 128.0, 500.0);
  s.face[0] = (mwx_sim_face){350.0, 40.0, 5.0, 60.0}; /* 330..10 deg, wraps north */
  s.min_range_m = 20e3;
  s.max_range_m = 800e3;
  s.min_alt_m = 0.0;
  mwx_sim_look look;
  /* 300 km away at 100 km altitude: elevation about 15 deg. */
  assert_true(visible_at(&s, 5.0, 300e3, 100e3, &look));
  assert_int_equal(look.face, 0);
  NEAR(look.az_deg, 5.0, 0.5);
  assert_true(visible_at(&s, 335.0, 300e3, 100e3, &look));
  assert_false(visible_at(&s, 320.0, 300e3, 100e3, &look));
  assert_int_equal(look.reason, MWX_SIM_OUT_OF_SECTOR);
  assert_false(visible_at(&s, 15.0, 300e3, 100e3, &look));
  assert_int_equal(look.reason, MWX_SIM_OUT_OF_SECTOR);
  /* elevation band: 30 km away at 100 km is above 60 deg */
  assert_false(visible_at(&s, 0.0, 30e3, 100e3, &look));
  assert_int_equal(look.reason, MWX_SIM_OUT_OF_SECTOR);
  assert_true(look.el_deg > 60.0);
  /* 300 km away at 10 km: in view of the horizon but below 5 deg */
  assert_false(visible_at(&s, 0.0, 300e3, 10e3, &look));
  assert_int_equal(look.reason, MWX_SIM_OUT_OF_SECTOR);
  assert_true(look.el_deg < 5.0 && look.el_deg > -1.0);
  /* range: 850 km at 500 km altitude is above the horizon but out of range */
  assert_false(visible_at(&s, 0.0, 850e3, 500e3, &look));
  assert_int_equal(look.reason, MWX_SIM_OUT_OF_RANGE);
  assert_true(look.range_m > 800e3);
  assert_false(visible_at(&s, 0.0, 5e3, 10e3, &look));
  assert_int_equal(look.reason, MWX_SIM_OUT_OF_RANGE);
  /* altitude */
  s.min_alt_m = 5000.0;
  assert_false(visible_at(&s, 0.0, 100e3, 4000.0, &look));
  assert_int_equal(look.reason, MWX_SIM_TOO_LOW);
  /* a second face catches what the first misses */
  s.n_faces = 2;
  s.face[1] = (mwx_sim_face){90.0, 120.0, 0.0, 85.0};
  assert_true(visible_at(&s, 100.0, 300e3, 100e3, &look));
  assert_int_equal(look.face, 1);
}

/* Ship: constant course and speed along a geodesic (10 kn = 18,520 m/h, the
 * definition of the knot, 1,852 m/h). */
static void test_ship_motion(void **state) {
  (void)state;
  mwx_sim_sensor s = open_radar(37.9, 129.4, 25.0);
  s.kind = MWX_SIM_SHIP_RADAR;
  s.course_deg = 45.0;
  s.speed_mps = 10.0 * 1852.0 / 3600.0;
  int64_t epoch = 1668734100LL * 1000000000LL;
  mwx_geo_lla p;
  double x[3], v[3], dist, azi;
  assert_int_equal(mwx_sim_sensor_state_at(&s, epoch, epoch, &p, x, v), 0);
  NEAR(p.lat_deg, 37.9, 1e-12);
  NEAR(hypot(hypot(v[0], v[1]), v[2]), s.speed_mps, 1e-9);
  assert_int_equal(mwx_sim_sensor_state_at(&s, epoch, epoch + 3600LL * 1000000000LL, &p, x, v), 0);
  assert_int_equal(mwx_geo_inverse(37.9, 129.4, p.lat_deg, p.lon_deg, &dist, &azi, NULL), 0);
  NEAR(dist, 18520.0, 1e-3);
  NEAR(azi, 45.0, 1e-9);
  NEAR(p.h_m, 25.0, 0.0);
  /* velocity is horizontal at the new position */
  double up[3] = {cos(p.lat_deg * MWX_DEG2RAD) * cos(p.lon_deg * MWX_DEG2RAD),
                  cos(p.lat_deg * MWX_DEG2RAD) * sin(p.lon_deg * MWX_DEG2RAD),
                  sin(p.lat_deg * MWX_DEG2RAD)};
  NEAR(up[0] * v[0] + up[1] * v[1] + up[2] * v[2], 0.0, 1e-9);
}

/* ---- random numbers -------------------------------------------------------- */

/* Reference output of xoshiro256** seeded with s = {1, 2, 3, 4}: the first
 * value is rotl(2 * 5, 7) * 9 = 11520 (from the definition, prng.di.unimi.it). */
static void test_rng(void **state) {
  (void)state;
  sim_rng r = {{1, 2, 3, 4}, 0.0, 0};
  assert_true(sim_rng_next(&r) == 11520ULL);
  /* splitmix64 from 0: first output 0xe220a8397b1dcdaf (Vigna's reference). */
  uint64_t x = 0;
  assert_true(sim_splitmix64(&x) == 0xe220a8397b1dcdafULL);
  /* Same seed, same stream; different streams differ. */
  sim_rng a, b, c;
  sim_rng_seed(&a, 42, 1);
  sim_rng_seed(&b, 42, 1);
  sim_rng_seed(&c, 42, 2);
  for (int i = 0; i < 100; i++) {
    uint64_t va = sim_rng_next(&a);
    assert_true(va == sim_rng_next(&b));
    assert_true(va != sim_rng_next(&c));
  }
  /* Moments of 200,000 Gaussians: mean 0 +- 5 sigma/sqrt(n), variance 1 +- 5 sqrt(2/n). */
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; i++) {
    double g = sim_rng_gauss(&a);
    sum += g;
    sum2 += g * g;
  }
  NEAR(sum / n, 0.0, 5.0 / sqrt(n));
  NEAR(sum2 / n, 1.0, 5.0 * sqrt(2.0 / n));
  /* Poisson mean 0.5 over 100,000 draws: 0.5 +- 5 sqrt(0.5/n). */
  long k = 0;
  for (int i = 0; i < 100000; i++)
    k += sim_rng_poisson(&a, 0.5);
  NEAR(k / 100000.0, 0.5, 5.0 * sqrt(0.5 / 100000.0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_parse),
      cmocka_unit_test_setup_teardown(test_scenario_bad, setup_dir, teardown_dir),
      cmocka_unit_test_setup_teardown(test_scenario_good, setup_dir, teardown_dir),
      cmocka_unit_test(test_horizon_vs_analytic),
      cmocka_unit_test(test_los_ellipsoid),
      cmocka_unit_test(test_sector_elevation_range),
      cmocka_unit_test(test_ship_motion),
      cmocka_unit_test(test_rng),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
