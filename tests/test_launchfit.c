/*
 * test_launchfit.c - the batch launch fit (mwx_assess_launch_fit, through
 * the whole chain mwx_assess_run: sim -> tracker -> fit) keeps the accuracy
 * of BENCHMARKS.md's launch table, measured before the fit was made fast
 * (commit 318fd0d, `mwx track ... --seed 1..8`), each to its last digit:
 *   2022-10-04 Hwasong-12, ALL: mean launch error 0.250 km, mean |launch
 *     time error| 0.2 s;
 *   2022-11-18 Hwasong-17, ALL: 0.052 km, 0.3 s;
 *   2022-11-18 Hwasong-17, KOR: 0.058 km, 0.5 s.
 * Every one of those runs got a batch fit (not the extrapolation), and so
 * must they now.  Also the test-only hook min_duration_ms /
 * MWX_TEST_LAUNCH_FIT_MIN_MS: a fit returns no sooner than asked, with the
 * same result, and a malformed variable is refused by name.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/sim.h"
#include "mwx/track.h"
#include "fixture_sim.h"

#define N_SEEDS 8

/* Mean launch error (km) and mean |launch time error| (s) of the one missile
 * of scenario file over seeds 1..N_SEEDS for nation. */
static void mean_errors(const char *file, const char *nation, double *err_km, double *dt_s) {
  fx_scenario f;
  assert_int_equal(fx_scenario_load(file, &f), 0);
  double se = 0, sd = 0;
  for (int s = 1; s <= N_SEEDS; s++) {
    mwx_assess_run_opts o;
    mwx_assess_run_opts_default(&o);
    memcpy(o.nation, nation, 4);
    o.seed = (uint64_t)s;
    mwx_assess_run_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(mwx_assess_run(&f.sc, &f.truth, &o, &r), 0);
    assert_int_equal(r.n, 1);
    assert_true(r.m[0].has_launch);
    assert_true(r.m[0].launch_fit_plots > 0); /* the batch fit, not the extrapolation */
    se += r.m[0].launch_error_km;
    sd += fabs(r.m[0].launch_time_error_s);
    mwx_assess_run_fini(&r);
  }
  *err_km = se / N_SEEDS;
  *dt_s = sd / N_SEEDS;
  printf("    %s %s: mean launch error %.4f km, mean |dt| %.3f s\n", file, nation, *err_km, *dt_s);
  fx_scenario_fini(&f);
}

static void test_accuracy_hwasong12_all(void **state) {
  (void)state;
  double e, dt;
  mean_errors("2022-10-04-hwasong12.json", "ALL", &e, &dt);
  /* the table's figures to their last digit: 0.25 km, 0.2 s */
  assert_true(e < 0.255);
  assert_true(dt < 0.25);
}

static void test_accuracy_hwasong17(void **state) {
  (void)state;
  double e, dt;
  mean_errors("2022-11-18-hwasong17.json", "ALL", &e, &dt);
  assert_true(e < 0.0525); /* 0.052 km */
  assert_true(dt < 0.35);  /* 0.3 s */
  mean_errors("2022-11-18-hwasong17.json", "KOR", &e, &dt);
  assert_true(e < 0.0585); /* 0.058 km */
  assert_true(dt < 0.55);  /* 0.5 s */
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void test_min_duration_hook(void **state) {
  (void)state;
  /* the tracker's tracks of the 2022-10-04 scenario, every nation, the first 200 s */
  fx_scenario f;
  mwx_tracker *tk = NULL;
  assert_int_equal(fx_scenario_load("2022-10-04-hwasong12.json", &f), 0);
  assert_int_equal(fx_scenario_track(&f, 1, f.sc.epoch_ns + 200 * 1000000000LL, &tk), 0);
  /* the confirmed track with the most early plots */
  size_t best = SIZE_MAX, best_n = 0;
  for (size_t i = 0; i < mwx_track_count(tk); i++) {
    mwx_track_info in;
    const mwx_track_plot *ep = NULL;
    if (!mwx_track_get(tk, i, &in) && in.status == MWX_TRACK_CONFIRMED && in.has_first) {
      size_t k = mwx_track_early_plots(tk, i, &ep);
      if (k > best_n)
        best = i, best_n = k;
    }
  }
  assert_true(best != SIZE_MAX && best_n >= 8);
  mwx_track_info in;
  assert_int_equal(mwx_track_get(tk, best, &in), 0);
  in.p_ballistic = 0;
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  mwx_assess a;
  assert_int_equal(mwx_assess_track(&in, &ao, &a), 0);
  assert_true(a.has_launch);
  const mwx_track_plot *ep = NULL;
  size_t nep = mwx_track_early_plots(tk, best, &ep);
  mwx_assess_launch_fit_result r0, r1;
  unsetenv("MWX_TEST_LAUNCH_FIT_MIN_MS");
  double t0 = mono_s();
  assert_int_equal(mwx_assess_launch_fit(ep, nep, NULL, 0, &a.launch, 90.0, NULL, &r0), 0);
  double plain_s = mono_s() - t0;
  /* option: at least 1.5 s, same result */
  mwx_assess_launch_fit_opts o;
  mwx_assess_launch_fit_opts_default(&o);
  assert_int_equal(o.min_duration_ms, 0);
  o.min_duration_ms = 1500;
  t0 = mono_s();
  assert_int_equal(mwx_assess_launch_fit(ep, nep, NULL, 0, &a.launch, 90.0, &o, &r1), 0);
  double hooked_s = mono_s() - t0;
  printf("    fit %.3f s, with min_duration_ms 1500: %.3f s\n", plain_s, hooked_s);
  assert_true(hooked_s >= 1.5);
  assert_true(r1.point.lat_deg == r0.point.lat_deg && r1.point.lon_deg == r0.point.lon_deg);
  assert_true(r1.point.t_ns == r0.point.t_ns && r1.n_plots == r0.n_plots);
  /* the environment variable, with default options */
  setenv("MWX_TEST_LAUNCH_FIT_MIN_MS", "700", 1);
  t0 = mono_s();
  assert_int_equal(mwx_assess_launch_fit(ep, nep, NULL, 0, &a.launch, 90.0, NULL, &r1), 0);
  assert_true(mono_s() - t0 >= 0.7);
  assert_true(r1.point.lat_deg == r0.point.lat_deg);
  /* malformed or out of range: refused by name, at once */
  const char *bad[] = {"12s", "-1", "600001", "", "1e3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    setenv("MWX_TEST_LAUNCH_FIT_MIN_MS", bad[i], 1);
    int rc = mwx_assess_launch_fit(ep, nep, NULL, 0, &a.launch, 90.0, NULL, &r1);
    if (!*bad[i]) { /* empty: unset */
      assert_int_equal(rc, 0);
      continue;
    }
    assert_int_equal(rc, MWX_EINVAL);
    assert_non_null(strstr(mwx_error_msg(), "MWX_TEST_LAUNCH_FIT_MIN_MS"));
  }
  unsetenv("MWX_TEST_LAUNCH_FIT_MIN_MS");
  o.min_duration_ms = -5;
  assert_int_equal(mwx_assess_launch_fit(ep, nep, NULL, 0, &a.launch, 90.0, &o, &r1), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "min_duration_ms"));
  mwx_track_destroy(tk);
  fx_scenario_fini(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accuracy_hwasong12_all),
      cmocka_unit_test(test_accuracy_hwasong17),
      cmocka_unit_test(test_min_duration_hook),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
