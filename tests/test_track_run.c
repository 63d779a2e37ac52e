/*
 * test_track_run.c - the whole chain on published launches (sim -> track ->
 * assess, mwx_assess_run): each nation alone and the three fused at plot
 * level, on the 2022-11-18 lofted Hwasong-17 and the 2022-10-04 Hwasong-12
 * over Japan.  Asserts what must hold (fusion is never later than the best
 * single nation to a track or to a good impact prediction, the class is
 * right, launch errors are small) and prints the comparison of launch-point
 * errors, where fusion is not always the best (see docs/track.md).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/sim.h"

static const char *NATIONS[4] = {"KOR", "JPN", "USA", "ALL"};

static void run_all(const char *file, mwx_ballistic_class cls, mwx_assess_missile out[4]) {
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/%s", MWX_SOURCE_DIR, file);
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  assert_int_equal(mwx_sim_scenario_load(path, &sc), 0);
  assert_int_equal(mwx_sim_truth_init(&truth, &sc, 1.0), 0);
  printf("    %s\n    %-4s %8s %8s %8s %8s %10s %9s %6s\n", sc.name, "", "plot_s", "track_s", "ipp_s", "good_s",
         "launch_km", "half_km", "class");
  for (int n = 0; n < 4; n++) {
    mwx_assess_run_opts o;
    mwx_assess_run_opts_default(&o);
    memcpy(o.nation, NATIONS[n], 4);
    o.seed = 1;
    mwx_assess_run_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(mwx_assess_run(&sc, &truth, &o, &r), 0);
    assert_int_equal(r.n, 1);
    out[n] = r.m[0];
    const mwx_assess_missile *m = &r.m[0];
    printf("    %-4s %8.0f %8.0f %8.0f %8.0f %10.2f %9.1f %6s\n", NATIONS[n], m->has_first_plot ? m->first_plot_s : NAN,
           m->has_track ? m->first_track_s : NAN, m->has_ipp ? m->first_ipp_s : NAN,
           m->has_good_ipp ? m->good_ipp_s : NAN, m->has_launch ? m->launch_error_km : NAN,
           m->has_ipp_error[MWX_ASSESS_CP_HALF] ? m->ipp_error_km[MWX_ASSESS_CP_HALF] : NAN,
           mwx_ballistic_class_name(m->cls));
    char *json = NULL;
    assert_int_equal(mwx_assess_run_json(&r, &o, &json), 0);
    assert_non_null(strstr(json, "\"ipp_error_km\""));
    free(json);
    mwx_assess_run_fini(&r);
  }
  const mwx_assess_missile *all = &out[3];
  assert_true(all->has_track && all->has_good_ipp && all->has_launch);
  assert_int_equal(all->cls, cls);
  assert_true(all->launch_error_km < 5.0);
  int beats = 0, compared = 0;
  for (int n = 0; n < 3; n++) {
    if (out[n].has_track)
      assert_true(all->first_track_s <= out[n].first_track_s);
    if (out[n].has_good_ipp)
      assert_true(all->good_ipp_s <= out[n].good_ipp_s);
    if (out[n].has_launch) {
      compared++;
      beats += all->launch_error_km < out[n].launch_error_km;
    }
  }
  printf("    ALL has a smaller launch-point error than %d of %d single nations\n", beats, compared);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

static void test_hwasong17_lofted(void **state) {
  (void)state;
  mwx_assess_missile m[4];
  run_all("2022-11-18-hwasong17.json", MWX_CLASS_ICBM, m);
  /* every nation that tracks it classes the lofted flight as an ICBM */
  for (int n = 0; n < 4; n++)
    if (m[n].cls != MWX_CLASS_UNKNOWN)
      assert_int_equal(m[n].cls, MWX_CLASS_ICBM);
}

static void test_hwasong12_over_japan(void **state) {
  (void)state;
  mwx_assess_missile m[4];
  run_all("2022-10-04-hwasong12.json", MWX_CLASS_IRBM, m);
  /* seen from launch to far beyond Japan: a good prediction within 5 min */
  assert_true(m[3].good_ipp_s < 300.0);
  assert_true(m[3].has_ipp_error[MWX_ASSESS_CP_300] && m[3].ipp_error_km[MWX_ASSESS_CP_300] < 10.0);
}

static void test_bad_run_args(void **state) {
  (void)state;
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  mwx_assess_run_result r;
  memset(&r, 0, sizeof r);
  assert_int_equal(mwx_assess_run(NULL, &truth, NULL, &r), MWX_EINVAL);
  mwx_assess_run_opts o;
  mwx_assess_run_opts_default(&o);
  memcpy(o.nation, "FRA", 4);
  assert_int_equal(mwx_assess_run(&sc, &truth, &o, &r), MWX_EINVAL);
  mwx_assess_run_fini(&r);
  mwx_assess_run_fini(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hwasong17_lofted),
      cmocka_unit_test(test_hwasong12_over_japan),
      cmocka_unit_test(test_bad_run_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
