/*
 * test_replay_alert.c - the zone and alert keys of `mwx replay` (issue 14)
 * on 2022-10-04 (Hwasong-12 over Aomori), from mwx_fuse_replay with the
 * zone file and the shipped alert rules: JPN warns Aomori's land at least
 * 3 minutes before the missile passes over it (the truth's overflight),
 * with no region warned that the missile neither crossed nor hit, and
 * within 30 s of the truth's burnout (never before it); KOR
 * issues nothing above info; the final zone is the high seas (launches.csv:
 * "fell in the Pacific ... outside the EEZ"); the JSON carries every key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mwx/alert.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/sim.h"
#include "mwx/zone.h"

enum { KOR = 0, JPN = 1, USA = 2 };
enum { ALONE = 0, BILATERAL = 1, SHARED = 2 };

static void test_replay_keys_2022_10_04(void **state) {
  (void)state;
  mwx_sim_scenario sc = {0};
  mwx_sim_truth truth = {0};
  assert_int_equal(mwx_sim_scenario_load(MWX_SOURCE_DIR "/scenarios/2022-10-04-hwasong12.json", &sc), 0);
  assert_int_equal(mwx_sim_truth_init(&truth, &sc, 1.0), 0);
  mwx_zone *z = NULL;
  assert_int_equal(mwx_zone_open(NULL, &z), 0);
  static mwx_alert_rules kor, jpn;
  assert_int_equal(mwx_alert_rules_load(MWX_SOURCE_DIR "/config/alert-KOR.json", &kor), 0);
  assert_int_equal(mwx_alert_rules_load(MWX_SOURCE_DIR "/config/alert-JPN.json", &jpn), 0);
  mwx_fuse_replay_opts o;
  mwx_fuse_replay_opts_default(&o);
  o.zone = z;
  o.rules[KOR] = &kor;
  o.rules[JPN] = &jpn;
  mwx_fuse_replay_result r;
  assert_int_equal(mwx_fuse_replay(&sc, &truth, &o, &r), 0);
  assert_int_equal(r.n, 1);
  for (int c = 0; c < 3; c++) {
    const mwx_fuse_replay_cond *j = &r.m[0].n[JPN][c];
    fprintf(stderr, "JPN %d: zone %s, alert %s at %.0f s, overflight %.0f s, lead %.0f s, regions %s\n", c,
            mwx_zone_kind_name((mwx_zone_kind)j->zone), mwx_alert_kind_name((mwx_alert_kind)j->alert_kind),
            j->alert_s, j->overflight_s, j->warning_lead_s, j->alert_regions);
    assert_true(j->has_zone);
    assert_int_equal(j->zone, MWX_ZONE_HIGH_SEAS);
    assert_true(j->has_zone_call);
    assert_true(j->has_alert);
    assert_int_equal(j->alert_kind, MWX_ALERT_LAND_WARNING);
    assert_non_null(strstr(j->alert_regions, "Aomori"));
    assert_null(strstr(j->alert_regions, "Tokyo"));
    assert_int_equal(j->false_alert, 0);
    assert_true(j->has_overflight);
    /* launches.csv: over Aomori between 07:28 and 07:29 JST, launch 07:22: 360..420 s */
    assert_true(j->overflight_s > 330 && j->overflight_s < 450);
    assert_true(j->has_lead);
    assert_true(j->warning_lead_s >= 180.0); /* issue 14: at least 3 minutes before the overflight */
    /* issue 14: an overflight warning within 30 s of burnout (the truth's: +147 s) */
    double bo_s = truth.traj[0].fig.burnout_time_s;
    fprintf(stderr, "JPN %d: warning %.0f s after burnout (+%.0f s)\n", c, j->alert_s - bo_s, bo_s);
    assert_true(j->alert_s > bo_s && j->alert_s - bo_s <= 30.0);
    const mwx_fuse_replay_cond *k = &r.m[0].n[KOR][c];
    assert_true(k->alert_kind <= MWX_ALERT_INFO);
    assert_int_equal(k->has_overflight, 0);
    const mwx_fuse_replay_cond *u = &r.m[0].n[USA][c];
    assert_int_equal(u->has_alert, 0); /* no rules given for the USA */
  }
  char *text = NULL;
  assert_int_equal(mwx_fuse_replay_json(&r, &text), 0);
  const char *keys[] = {"\"zone\"",          "\"zone_nation\"", "\"zone_call_s\"", "\"alert_kind\"",
                        "\"alert_s\"",       "\"alert_regions\"", "\"false_alert\"", "\"overflight_s\"",
                        "\"warning_lead_s\""};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    assert_non_null(strstr(text, keys[i]));
  assert_non_null(strstr(text, "\"land_warning\""));
  free(text);
  mwx_fuse_replay_fini(&r);
  mwx_zone_close(z);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay_keys_2022_10_04)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
