/*
 * test_radar.c - the radar equation of the simulator (mwx_sim_radar_detect,
 * mwx_sim_rcs_m2), its sensor-file keys, the laydown switch, and what the
 * shipped laydowns do with them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mwx/error.h"
#include "mwx/sim.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static mwx_sim_sensor radar(double ref_km, double rcs, double pd) {
  mwx_sim_sensor s;
  memset(&s, 0, sizeof s);
  s.kind = MWX_SIM_GROUND_RADAR;
  s.pd = pd;
  s.ref_range_m = ref_km * 1e3;
  s.ref_rcs_m2 = rcs;
  s.max_range_m = 3 * ref_km * 1e3;
  s.sigma_range_m = 50;
  s.sigma_az_deg = s.sigma_el_deg = 0.1;
  return s;
}

/* Swerling 1 at the reference, the R^4 law, the noise scale and its floor,
 * the older model. */
static void test_detect(void **state) {
  (void)state;
  mwx_sim_sensor s = radar(1000, 1.0, 0.9);
  double pd, k, snr;
  /* at the reference: the stated pd, the stated noise */
  assert_int_equal(mwx_sim_radar_detect(&s, 1000e3, 1.0, &pd, &k, &snr), 0);
  NEAR(pd, 0.9, 1e-12);
  NEAR(k, 1.0, 1e-12);
  /* SNR_ref = ln(1e-6) / ln(0.9) - 1 = 130.13 (21.1 dB) */
  NEAR(snr, 13.815510557964274 / 0.10536051565782628 - 1.0, 1e-9);
  NEAR(snr, 130.13, 0.01);
  /* twice the range: SNR / 16 = 8.133; Pd = exp(-13.8155 / 9.133) = 0.2203;
   * noise sqrt(16) = 4 times the reference */
  assert_int_equal(mwx_sim_radar_detect(&s, 2000e3, 1.0, &pd, &k, &snr), 0);
  NEAR(snr, 130.13 / 16.0, 0.001);
  NEAR(pd, 0.2203, 0.0005);
  NEAR(k, 4.0, 1e-9);
  /* R^4: 16 times the RCS at twice the range is the reference again */
  assert_int_equal(mwx_sim_radar_detect(&s, 2000e3, 16.0, &pd, &k, NULL), 0);
  NEAR(pd, 0.9, 1e-12);
  NEAR(k, 1.0, 1e-12);
  /* close in: better, down to the floor (0.3 of the reference sigma) */
  assert_int_equal(mwx_sim_radar_detect(&s, 800e3, 1.0, &pd, &k, NULL), 0);
  assert_true(pd > 0.9 && pd < 1.0);
  NEAR(k, 0.64, 1e-9); /* sqrt(0.8^4) */
  assert_int_equal(mwx_sim_radar_detect(&s, 100e3, 1.0, &pd, &k, NULL), 0);
  NEAR(k, MWX_SIM_SIGMA_FLOOR, 1e-12);
  NEAR(pd, 1.0, 1e-4);
  /* an RV (0.1 m^2) is seen at 0.1^(1/4) = 0.562 of the 1 m^2 range */
  assert_int_equal(mwx_sim_radar_detect(&s, 562.34e3, MWX_SIM_RCS_RV_M2, &pd, NULL, NULL), 0);
  NEAR(pd, 0.9, 1e-4);
  /* the older model: pd and the sigmas everywhere */
  s.ref_range_m = 0;
  assert_int_equal(mwx_sim_radar_detect(&s, 2500e3, 0.01, &pd, &k, &snr), 0);
  NEAR(pd, 0.9, 0);
  NEAR(k, 1.0, 0);
  assert_true(isinf(snr));
  /* bad arguments */
  assert_int_equal(mwx_sim_radar_detect(&s, 0, 1.0, &pd, &k, NULL), MWX_EINVAL);
  assert_int_equal(mwx_sim_radar_detect(&s, 1e6, -1.0, &pd, &k, NULL), MWX_EINVAL);
  assert_int_equal(mwx_sim_radar_detect(NULL, 1e6, 1.0, &pd, &k, NULL), MWX_EINVAL);
}

static void test_rcs(void **state) {
  (void)state;
  NEAR(mwx_sim_rcs_m2(MWX_PHASE_BOOST, true), 10.0, 0);
  NEAR(mwx_sim_rcs_m2(MWX_PHASE_MIDCOURSE, true), 10.0, 0); /* a burning stage */
  NEAR(mwx_sim_rcs_m2(MWX_PHASE_MIDCOURSE, false), 1.0, 0);
  NEAR(mwx_sim_rcs_m2(MWX_PHASE_TERMINAL, false), 0.1, 0);
}

static char tmpdir[64];

static const char *write_file(const char *name, const char *text) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

#define SENSOR(extra)                                                                              \
  "[{\"id\":\"R1\",\"nation\":\"KOR\",\"type\":\"ground_radar\",\"lat_deg\":37,\"lon_deg\":127,"  \
  "\"max_range_km\":2400,\"period_s\":1,\"sigma_range_m\":50,\"sigma_az_deg\":0.1,"             \
  "\"sigma_el_deg\":0.1,\"pd\":0.9" extra "}]"

/* The keys: both or neither, radar only, bounded; errors name file and key. */
static void test_keys(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/mwx_radar.XXXXXX");
  assert_non_null(mkdtemp(tmpdir));
  mwx_sim_sensor *s = NULL;
  size_t n = 0;
  assert_int_equal(mwx_sim_sensors_load(write_file("ok.json", SENSOR(",\"ref_range_km\":800,\"ref_rcs_m2\":1")),
                                        &s, &n), 0);
  assert_int_equal(n, 1);
  NEAR(s[0].ref_range_m, 800e3, 0);
  NEAR(s[0].ref_rcs_m2, 1.0, 0);
  free(s);
  assert_int_equal(mwx_sim_sensors_load(write_file("half.json", SENSOR(",\"ref_range_km\":800")), &s, &n),
                   MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "half.json: [0].ref_rcs_m2: ref_range_km and ref_rcs_m2 go together"));
  assert_int_equal(
      mwx_sim_sensors_load(write_file("neg.json", SENSOR(",\"ref_range_km\":-5,\"ref_rcs_m2\":1")), &s, &n),
      MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "neg.json: [0].ref_range_km"));
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  assert_int_equal(system(cmd), 0);
}

/* The shipped laydowns: default follows the radar equation at the README's
 * public figures, legacy is the older one; the switch swaps them. */
static void test_laydowns(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/scenarios/2022-11-18-hwasong17.json", MWX_SOURCE_DIR);
  mwx_sim_scenario sc;
  assert_int_equal(mwx_sim_scenario_load(path, &sc), 0);
  int fps5 = 0, tpy2 = 0;
  for (size_t i = 0; i < sc.n_sensors; i++) {
    const mwx_sim_sensor *s = &sc.sensor[i];
    if (s->kind == MWX_SIM_SPACE_IR) {
      NEAR(s->ref_range_m, 0, 0);
      continue;
    }
    assert_true(s->ref_range_m > 0 && s->ref_rcs_m2 > 0);
    if (!strcmp(s->model, "J/FPS-5")) {
      fps5++;
      NEAR(s->ref_range_m, 3000e3, 0);
    }
    if (!strcmp(s->model, "AN/TPY-2")) {
      tpy2++;
      NEAR(s->ref_range_m, 1500e3, 0);
    }
  }
  assert_int_equal(fps5, 4);
  assert_int_equal(tpy2, 2);
  assert_int_equal(mwx_sim_scenario_use_sensors(&sc, "legacy"), 0);
  for (size_t i = 0; i < sc.n_sensors; i++) {
    NEAR(sc.sensor[i].ref_range_m, 0, 0);
    if (!strcmp(sc.sensor[i].model, "J/FPS-5"))
      NEAR(sc.sensor[i].max_range_m, 1000e3, 0);
  }
  size_t n_before = sc.n_sensors;
  assert_int_equal(mwx_sim_scenario_use_sensors(&sc, "/nonexistent/sensors.json"), MWX_EIO);
  assert_int_equal(sc.n_sensors, n_before); /* unchanged on error */
  assert_int_equal(mwx_sim_scenario_use_sensors(&sc, ""), MWX_EINVAL);
  mwx_sim_scenario_fini(&sc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_detect),
      cmocka_unit_test(test_rcs),
      cmocka_unit_test(test_keys),
      cmocka_unit_test(test_laydowns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
