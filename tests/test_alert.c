/*
 * test_alert.c - alert rules (strict files, each error naming rule and
 * field), the decision on real flights and places, and the life cycle.
 *   2022-10-04 Hwasong-12 over Aomori (fitted to launches.csv: Mupyong-ni,
 *     bearing 84 deg, apogee 1,000 km, range 4,600 km): a land warning to
 *     Aomori alone, from a prediction at burnout + 30 s, over 3 minutes
 *     before the overflight;
 *   2023-04-13: a fused prediction of a fall at sea outside Japan's EEZ gives
 *     no land warning (while Japan's own poor prediction, with its large
 *     ellipse reaching Hokkaido, did: the false alarm of that morning);
 *   2022-11-02 (KOR): a prediction heading for Ulleungdo warns North
 *     Gyeongsang; the fall 57 km east of Sokcho is a sea notice.
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

#include "mwx/alert.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/zone.h"

static mwx_zone *Z;
static mwx_alert_rules JPN, KOR;

static int setup(void **st) {
  (void)st;
  char p[512];
  if (mwx_zone_open(NULL, &Z)) return fprintf(stderr, "%s\n", mwx_error_msg()), -1;
  snprintf(p, sizeof p, "%s/config/alert-JPN.json", MWX_SOURCE_DIR);
  if (mwx_alert_rules_load(p, &JPN)) return fprintf(stderr, "%s\n", mwx_error_msg()), -1;
  snprintf(p, sizeof p, "%s/config/alert-KOR.json", MWX_SOURCE_DIR);
  if (mwx_alert_rules_load(p, &KOR)) return fprintf(stderr, "%s\n", mwx_error_msg()), -1;
  return 0;
}
static int teardown(void **st) {
  (void)st;
  mwx_zone_close(Z);
  return 0;
}

static int region(const char *name) {
  int g = -1;
  assert_int_equal(mwx_zone_region_find(Z, name, &g), 0);
  return g;
}

/* ---- rule files ---- */

static void test_rules_files(void **st) {
  (void)st;
  assert_string_equal(JPN.nation, "JPN");
  assert_int_equal(JPN.n_rules, 4);
  assert_string_equal(KOR.nation, "KOR");
  assert_int_equal(JPN.rules[0].kind, MWX_ALERT_LAND_WARNING);
  assert_true(JPN.rules[0].on == MWX_ALERT_ON_IMPACT_TERRITORY);
  assert_true(fabs(JPN.rules[0].min_probability - 0.01) < 1e-12);
}

static void test_rules_errors(void **st) {
  (void)st;
  static const struct {
    const char *json, *msg;
  } cases[] = {
      {"{\"nation\": \"JPN\", \"rules\": [], \"colour\": 1}", "unknown key 'colour'"},
      {"{\"rules\": []}", "'nation' is required"},
      {"{\"nation\": \"Japan\", \"rules\": []}", "'Japan' is not a three-letter"},
      {"{\"nation\": \"JPN\"}", "'rules' (a list, may be empty) is required"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"siren\", \"on\": [\"tracked\"], \"text\": \"x\"}]}",
       "rule 0 (a): 'kind' 'siren' is not"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"kind\": \"info\", \"on\": [\"tracked\"], \"text\": \"x\"}]}",
       "rule 0 (no id): 'id' (a non-empty string) is required"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"info\", \"text\": \"x\"}]}",
       "rule 0 (a): 'on' (a list of conditions) is required"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"info\", \"on\": [\"raining\"], \"text\": \"x\"}]}",
       "rule 0 (a): 'on' item 0 'raining' is not"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"land_warning\", \"on\": [\"impact_eez\"], "
       "\"min_probability\": 0.1, \"text\": \"x\"}]}",
       "rule 0 (a): 'on' 'impact_eez' cannot make a land_warning"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"land_warning\", \"on\": [\"impact_territory\"], "
       "\"text\": \"x\"}]}",
       "rule 0 (a): 'min_probability' (0.001 .. 0.95 of the 95% ellipse) is required"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"land_warning\", \"on\": [\"impact_territory\"], "
       "\"min_probability\": 1.5, \"text\": \"x\"}]}",
       "rule 0 (a): 'min_probability' = 1.5 is outside [0.001, 0.95]"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"info\", \"on\": [\"tracked\"], "
       "\"min_probability\": 0.5, \"text\": \"x\"}]}",
       "rule 0 (a): 'min_probability' applies only to impact_* conditions"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"info\", \"on\": [\"tracked\"]}]}",
       "rule 0 (a): 'text' (the message to the public) is required"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"info\", \"on\": [\"tracked\", \"tracked\"], "
       "\"text\": \"x\"}]}",
       "rule 0 (a): 'on' names 'tracked' twice"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"info\", \"on\": [\"tracked\"], \"text\": \"x\"},"
       "{\"id\": \"a\", \"kind\": \"info\", \"on\": [\"tracked\"], \"text\": \"y\"}]}",
       "rule 1 (a): 'id' repeats rule 0"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"kind\": \"info\", \"on\": [\"tracked\"], \"text\": 7}]}",
       "rule 0 (a): 'text' must be a string"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"a\", \"id\": \"b\", \"kind\": \"info\"}]}", "duplicate"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"o\", \"kind\": \"land_warning\", \"on\": [\"overflight\"], "
       "\"text\": \"x\"}]}",
       "rule 0 (o): 'regions' (track or corridor) is required with overflight"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"o\", \"kind\": \"land_warning\", \"on\": [\"overflight\"], "
       "\"regions\": \"all\", \"text\": \"x\"}]}",
       "rule 0 (o): 'regions' 'all' is not track or corridor"},
      {"{\"nation\": \"JPN\", \"rules\": [{\"id\": \"e\", \"kind\": \"sea_notice\", \"on\": [\"impact_eez\"], "
       "\"min_probability\": 0.1, \"regions\": \"track\", \"text\": \"x\"}]}",
       "rule 0 (e): 'regions' applies only to the overflight condition"},
      {"{\"nation\": \"JPN\", \"rules\": [", "test"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mwx_alert_rules r;
    memset(&r, 0x5a, sizeof r);
    int rc = mwx_alert_rules_parse(cases[i].json, "test", &r);
    if (!rc || !strstr(mwx_error_msg(), cases[i].msg))
      fprintf(stderr, "case %zu: rc %d, message '%s', want '%s'\n", i, rc, mwx_error_msg(), cases[i].msg);
    assert_true(rc < 0);
    assert_non_null(strstr(mwx_error_msg(), cases[i].msg));
    assert_int_equal(((unsigned char *)&r)[0], 0x5a); /* all-or-nothing */
  }
  /* an empty rule list is valid and never alerts */
  mwx_alert_rules none;
  assert_int_equal(mwx_alert_rules_parse("{\"nation\": \"JPN\", \"rules\": []}", "test", &none), 0);
  mwx_alert_input in = {.prediction_id = "x", .has_impact = 1, .impact_lat_deg = 43.06, .impact_lon_deg = 141.35,
                        .major_km = 10, .minor_km = 10};
  mwx_alert_decision d;
  assert_int_equal(mwx_alert_decide(&none, Z, &in, &d), 0);
  assert_int_equal(d.kind, MWX_ALERT_NONE);
  assert_non_null(strstr(d.why, "no rule fires"));
  /* a file that is not a regular file */
  assert_true(mwx_alert_rules_load("/tmp", &none) < 0);
}

/* ---- 2022-10-04 ---- */

#define LAUNCH_NS 1664835720000000000LL /* 2022-10-03T22:22:00Z */

static void test_2022_10_04_aomori(void **st) {
  (void)st;
  mwx_ballistic_fit_req req = {40.61, 126.43, 84, 1000, 4600, MWX_CLASS_UNKNOWN};
  mwx_ballistic_launch L;
  mwx_ballistic_figures fig;
  assert_int_equal(mwx_ballistic_fit(&req, &L, &fig), 0);
  mwx_ballistic_traj tr = {0};
  assert_int_equal(mwx_ballistic_fly(&L, 2.0, &tr), 0);
  /* the prediction at burnout + 30 s: ground track from then to impact */
  double t_pred = fig.burnout_time_s + 30.0;
  static mwx_zone_track_point pts[4096];
  size_t n = 0;
  for (size_t i = 0; i < tr.n && n < 4096; i++) {
    if (tr.s[i].t_s < t_pred) continue;
    mwx_geo_lla p;
    assert_int_equal(mwx_geo_lla_from_ecef(tr.s[i].pos_ecef_m, &p), 0);
    pts[n].lat_deg = p.lat_deg, pts[n].lon_deg = p.lon_deg;
    pts[n].t_ns = LAUNCH_NS + (int64_t)llround(tr.s[i].t_s * 1e9);
    n++;
  }
  mwx_ballistic_traj_fini(&tr);
  mwx_alert_input in = {.prediction_id = "KOR-T1", .track_no = 7,
                        .time_ns = LAUNCH_NS + (int64_t)llround(t_pred * 1e9), .has_impact = 1,
                        .impact_lat_deg = fig.impact_lat_deg, .impact_lon_deg = fig.impact_lon_deg,
                        .major_km = 150, .minor_km = 40, .orient_deg = 100,
                        .impact_time_ns = LAUNCH_NS + (int64_t)llround(fig.flight_time_s * 1e9),
                        .track = pts, .n_track = n, .corridor_km = 10};
  mwx_alert_decision d;
  assert_int_equal(mwx_alert_decide(&JPN, Z, &in, &d), 0);
  fprintf(stderr, "%s\n", d.why);
  assert_int_equal(d.kind, MWX_ALERT_LAND_WARNING);
  assert_string_equal(d.rule_id, "jpn-overflight");
  /* Aomori and nothing else (no Tokyo islands, no Hokkaido, whose waters
   * the track only grazes: land passages decide the regions) */
  assert_true(d.regions == 1ull << region("Aomori"));
  assert_true(d.p_territory == 0.0); /* it falls 3,000 km away */
  assert_true(d.overflight);
  double lead_s = (double)(d.overflight_ns - in.time_ns) / 1e9;
  double over_s = (double)(d.overflight_ns - LAUNCH_NS) / 1e9;
  fprintf(stderr, "burnout %.0f s, prediction %.0f s, first over JPN %.0f s: lead %.0f s\n", fig.burnout_time_s,
          t_pred, over_s, lead_s);
  /* the real flight: over Aomori 07:28-07:29 JST, 6-7 min after launch */
  assert_true(over_s > 300 && over_s < 480);
  assert_true(lead_s >= 180);
  assert_non_null(strstr(d.why, "rule jpn-overflight"));
  assert_non_null(strstr(d.why, "Aomori"));
  assert_non_null(strstr(d.why, "KOR-T1"));
  assert_non_null(strstr(d.why, "P(JPN land+territorial sea) = 0.000"));
  /* a rule naming the corridor's regions warns Hokkaido too: the fitted
   * track passes 3 km south of Cape Shirakami, inside a 10 km corridor */
  mwx_alert_rules wide = JPN;
  for (size_t i = 0; i < wide.n_rules; i++)
    if (wide.rules[i].on & MWX_ALERT_ON_OVERFLIGHT) wide.rules[i].regions_from_corridor = 1;
  mwx_alert_decision dw;
  assert_int_equal(mwx_alert_decide(&wide, Z, &in, &dw), 0);
  assert_true(dw.regions == ((1ull << region("Aomori")) | (1ull << region("Hokkaido"))));
  /* Korea is not overflown: KOR's own rules give information only */
  mwx_alert_decision k;
  assert_int_equal(mwx_alert_decide(&KOR, Z, &in, &k), 0);
  assert_int_equal(k.kind, MWX_ALERT_INFO);
  assert_true(k.regions == 0);
}

/* ---- 2023-04-13 ---- */

static void test_2023_04_13_fall_at_sea(void **st) {
  (void)st;
  int64_t t0 = 1681338780000000000LL; /* 2023-04-12T22:33:00Z, 07:33 JST */
  /* Fused KOR + USA prediction: a fall in the Sea of Japan east of Korea,
   * outside Japan's EEZ (Japan MoD, 08:15 JST), 95 % ellipse 30 x 10 km */
  mwx_zone_result zr;
  assert_int_equal(mwx_zone_classify(Z, 39.9, 132.3, &zr), 0);
  assert_false(!strcmp(zr.nation, "JPN"));
  mwx_zone_track_point trk[3] = {{39.0, 127.6, t0}, {39.5, 130.0, t0 + 200000000000LL}, {39.9, 132.3, t0 + 420000000000LL}};
  mwx_alert_input fused = {.prediction_id = "FUSED-G3", .track_no = 3, .time_ns = t0 + 240000000000LL,
                           .has_impact = 1, .impact_lat_deg = 39.9, .impact_lon_deg = 132.3, .major_km = 30,
                           .minor_km = 10, .orient_deg = 80, .track = trk, .n_track = 3, .corridor_km = 10};
  mwx_alert_decision d;
  assert_int_equal(mwx_alert_decide(&JPN, Z, &fused, &d), 0);
  fprintf(stderr, "%s\n", d.why);
  assert_int_equal(d.kind, MWX_ALERT_INFO);
  assert_true(d.regions == 0);
  assert_true(d.p_territory == 0 && d.p_eez == 0);
  /* Japan alone, radars lost the missile: a prediction toward Hokkaido with a
   * 600 x 250 km ellipse puts mass on Hokkaido: the land warning of 07:55 */
  mwx_alert_input alone = {.prediction_id = "JPN-T9", .track_no = 3, .time_ns = t0 + 1320000000000LL,
                           .has_impact = 1, .impact_lat_deg = 42.3, .impact_lon_deg = 139.0, .major_km = 600,
                           .minor_km = 250, .orient_deg = 70, .corridor_km = 0};
  mwx_alert_decision a;
  assert_int_equal(mwx_alert_decide(&JPN, Z, &alone, &a), 0);
  fprintf(stderr, "%s\n", a.why);
  assert_int_equal(a.kind, MWX_ALERT_LAND_WARNING);
  assert_true(a.regions >> region("Hokkaido") & 1);
  assert_true(a.p_territory >= 0.01);
  /* life cycle: issued on Japan's own poor prediction, then the fused one
   * comes: the warning is withdrawn to information, then cancelled */
  mwx_alert_state s;
  mwx_alert_event ev;
  mwx_alert_state_init(&s, "JPN", 3);
  assert_int_equal(mwx_alert_step(&s, &a, 0, alone.time_ns, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_ISSUE);
  assert_string_equal(ev.alert_id, "JPN-3-1");
  assert_int_equal(ev.kind, MWX_ALERT_LAND_WARNING);
  assert_int_equal(mwx_alert_step(&s, &d, 0, alone.time_ns + 60000000000LL, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_UPDATE);
  assert_int_equal(ev.kind, MWX_ALERT_INFO);
  assert_true(ev.regions == 0);
  assert_non_null(strstr(ev.why, "FUSED-G3"));
  assert_int_equal(mwx_alert_step(&s, NULL, 1, alone.time_ns + 120000000000LL, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_CANCEL);
  assert_string_equal(ev.alert_id, "JPN-3-1");
  /* with the fused picture from the start, no land warning is ever issued */
  mwx_alert_state s2;
  mwx_alert_state_init(&s2, "JPN", 3);
  assert_int_equal(mwx_alert_step(&s2, &d, 0, fused.time_ns, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_ISSUE);
  assert_int_equal(ev.kind, MWX_ALERT_INFO);
}

/* ---- 2022-11-02, KOR ---- */

static void test_2022_11_02_ulleungdo(void **st) {
  (void)st;
  /* the early prediction: heading for Ulleungdo (37.50 N 130.87 E) */
  mwx_alert_input early = {.prediction_id = "KOR-T4", .track_no = 4, .time_ns = 1667346000000000000LL,
                           .has_impact = 1, .impact_lat_deg = 37.55, .impact_lon_deg = 130.80, .major_km = 40,
                           .minor_km = 15, .orient_deg = 120, .corridor_km = 0};
  mwx_alert_decision d;
  assert_int_equal(mwx_alert_decide(&KOR, Z, &early, &d), 0);
  fprintf(stderr, "%s\n", d.why);
  assert_int_equal(d.kind, MWX_ALERT_LAND_WARNING);
  assert_true(d.regions == 1ull << region("North Gyeongsang"));
  char txt[256];
  mwx_alert_regions_text(Z, d.regions, txt, sizeof txt);
  assert_string_equal(txt, "North Gyeongsang");
  /* where it fell: 57 km east of Sokcho (38.21 N 128.59 E), in Korea's EEZ */
  double la, lo;
  assert_int_equal(mwx_geo_direct(38.21, 128.59, 90.0, 57e3, &la, &lo, NULL), 0);
  mwx_alert_input fell = {.prediction_id = "KOR-T4", .track_no = 4, .time_ns = 1667346060000000000LL,
                          .has_impact = 1, .impact_lat_deg = la, .impact_lon_deg = lo, .major_km = 5,
                          .minor_km = 2, .orient_deg = 120, .corridor_km = 0};
  assert_int_equal(mwx_alert_decide(&KOR, Z, &fell, &d), 0);
  fprintf(stderr, "%s\n", d.why);
  assert_int_equal(d.kind, MWX_ALERT_SEA_NOTICE);
  assert_true(d.regions == 0);
  assert_true(fabs(d.p_eez - 0.95) < 1e-9);
  /* and Japan, 500 km away, gets information */
  assert_int_equal(mwx_alert_decide(&JPN, Z, &fell, &d), 0);
  assert_int_equal(d.kind, MWX_ALERT_INFO);
}

/* ---- provisional predictions (burnout not observed) ---- */

/* The false KOR land warning of the replays (2022-11-18 +312 s, 2023-04-13
 * +487 s): a fused track coasting on the USA's last boost-phase sample,
 * predicted as if burnt out, fell short on Korean land with a 245-km
 * ellipse.  Such a prediction is provisional: it may inform, never warn. */
static void test_provisional(void **st) {
  (void)st;
  mwx_alert_input in = {.prediction_id = "KOR-G1", .track_no = 1, .time_ns = 1668734112000000000LL,
                        .has_impact = 1, .impact_lat_deg = 37.75, .impact_lon_deg = 127.9, .major_km = 245,
                        .minor_km = 60, .orient_deg = 75, .corridor_km = 0};
  mwx_alert_decision d;
  assert_int_equal(mwx_alert_decide(&KOR, Z, &in, &d), 0);
  fprintf(stderr, "%s\n", d.why);
  assert_int_equal(d.kind, MWX_ALERT_LAND_WARNING); /* as if burnt out: the false warning */
  assert_true(d.regions >> region("Gangwon") & 1);
  assert_true(d.p_territory > 0.5);
  in.provisional = 1;
  assert_int_equal(mwx_alert_decide(&KOR, Z, &in, &d), 0);
  fprintf(stderr, "%s\n", d.why);
  assert_int_equal(d.kind, MWX_ALERT_INFO);
  assert_true(d.regions == 0);
  assert_true(d.p_territory > 0.5); /* still computed and explained */
  assert_non_null(strstr(d.why, "provisional"));
  assert_non_null(strstr(d.why, "rule kor-info"));
  /* nor a sea notice: where it falls is not known */
  in.impact_lat_deg = 38.3, in.impact_lon_deg = 129.6, in.major_km = 20, in.minor_km = 10;
  in.provisional = 0;
  assert_int_equal(mwx_alert_decide(&KOR, Z, &in, &d), 0);
  assert_int_equal(d.kind, MWX_ALERT_SEA_NOTICE);
  in.provisional = 1;
  assert_int_equal(mwx_alert_decide(&KOR, Z, &in, &d), 0);
  assert_int_equal(d.kind, MWX_ALERT_INFO);
  /* rules with no "tracked" rule: nothing at all */
  mwx_alert_rules only_land = KOR;
  only_land.n_rules = 0;
  for (size_t i = 0; i < KOR.n_rules; i++)
    if (KOR.rules[i].kind == MWX_ALERT_LAND_WARNING) only_land.rules[only_land.n_rules++] = KOR.rules[i];
  assert_int_equal(mwx_alert_decide(&only_land, Z, &in, &d), 0);
  assert_int_equal(d.kind, MWX_ALERT_NONE);
  /* a flag that is neither 0 nor 1 is refused */
  in.provisional = 2;
  assert_int_equal(mwx_alert_decide(&KOR, Z, &in, &d), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "provisional"));
  mwx_error_clear();
}

/* ---- the truth scorer (both replays) ---- */

static void test_truth_scorer(void **st) {
  (void)st;
  mwx_ballistic_fit_req req = {40.61, 126.43, 84, 1000, 4600, MWX_CLASS_UNKNOWN};
  mwx_ballistic_launch L;
  mwx_ballistic_figures fig;
  assert_int_equal(mwx_ballistic_fit(&req, &L, &fig), 0);
  mwx_ballistic_traj tr = {0};
  assert_int_equal(mwx_ballistic_fly(&L, 2.0, &tr), 0);
  mwx_alert_truth t;
  assert_int_equal(mwx_alert_truth_init(Z, &tr, LAUNCH_NS, &t), 0);
  mwx_ballistic_traj_fini(&tr);
  assert_int_equal(t.impact.zone, MWX_ZONE_HIGH_SEAS);
  double over_s = 0;
  assert_int_equal(mwx_alert_truth_overflight_s(&t, "JPN", &over_s), 1);
  fprintf(stderr, "truth: first over JPN %.0f s\n", over_s);
  assert_true(over_s > 330 && over_s < 450); /* launches.csv: over Aomori 07:28-07:29 JST, launch 07:22 */
  assert_int_equal(mwx_alert_truth_overflight_s(&t, "KOR", NULL), 0);
  assert_true(t.regions >> region("Aomori") & 1);
  assert_false(t.regions >> region("Tokyo") & 1);
  /* JPN: info at 150 s, land warning to Aomori at 160 s: not false, lead over - 160 */
  mwx_alert_score s;
  mwx_alert_score_init(&s, "JPN");
  assert_int_equal(mwx_alert_truth_zone(&t, Z, 40.82, 140.74, 150.0, &s), 0); /* Aomori's land: wrong */
  assert_false(s.has_zone_call);
  assert_int_equal(mwx_alert_truth_zone(&t, Z, fig.impact_lat_deg, fig.impact_lon_deg, 160.0, &s), 0);
  assert_int_equal(mwx_alert_truth_zone(&t, Z, fig.impact_lat_deg + 0.1, fig.impact_lon_deg, 170.0, &s), 0);
  assert_true(s.has_zone_call);
  assert_true(s.zone_call_s == 160.0); /* right from 160 s and stayed so */
  mwx_alert_truth_event(&s, MWX_ALERT_ACT_ISSUE, MWX_ALERT_INFO, 0, 150.0);
  mwx_alert_truth_event(&s, MWX_ALERT_ACT_UPDATE, MWX_ALERT_LAND_WARNING, 1ull << region("Aomori"), 160.0);
  mwx_alert_truth_event(&s, MWX_ALERT_ACT_CANCEL, MWX_ALERT_LAND_WARNING, 1ull << region("Tokyo"), 900.0);
  mwx_alert_truth_finish(&t, &s);
  assert_int_equal(s.kind, MWX_ALERT_LAND_WARNING);
  assert_true(s.alert_s == 160.0);
  assert_int_equal(s.false_alert, 0);
  assert_true(s.has_lead && fabs(s.warning_lead_s - (over_s - 160.0)) < 1e-9);
  /* the Tokyo islands too (2022-10-04's J-Alert fault): false */
  mwx_alert_truth_event_text(Z, &s, MWX_ALERT_ACT_UPDATE, MWX_ALERT_LAND_WARNING, "Aomori,Tokyo", 170.0);
  mwx_alert_truth_finish(&t, &s);
  assert_int_equal(s.false_alert, 1);
  assert_true(s.alert_s == 160.0); /* the kind's first time stands */
  /* KOR, not overflown: any land warning is false, even one naming no region */
  mwx_alert_score k;
  mwx_alert_score_init(&k, "KOR");
  mwx_alert_truth_event(&k, MWX_ALERT_ACT_ISSUE, MWX_ALERT_LAND_WARNING, 0, 312.0);
  mwx_alert_truth_finish(&t, &k);
  assert_int_equal(k.false_alert, 1);
  assert_int_equal(k.has_overflight, 0);
  assert_int_equal(k.has_lead, 0);
  /* a sea notice or info is never a false alert; a region name the zones do not know is */
  mwx_alert_score_init(&k, "KOR");
  mwx_alert_truth_event(&k, MWX_ALERT_ACT_ISSUE, MWX_ALERT_SEA_NOTICE, 0, 312.0);
  mwx_alert_truth_finish(&t, &k);
  assert_int_equal(k.false_alert, 0);
  mwx_alert_score_init(&s, "JPN");
  mwx_alert_truth_event_text(Z, &s, MWX_ALERT_ACT_ISSUE, MWX_ALERT_LAND_WARNING, "Aomori,Atlantis", 160.0);
  mwx_alert_truth_finish(&t, &s);
  assert_int_equal(s.unknown_region, 1);
  assert_int_equal(s.false_alert, 1);
  assert_int_equal(mwx_alert_truth_init(NULL, &tr, 0, &t), MWX_EINVAL);
  mwx_error_clear();
}

/* ---- life cycle ---- */

static void test_life_cycle(void **st) {
  (void)st;
  mwx_alert_state s;
  mwx_alert_event ev;
  mwx_alert_decision d = {.kind = MWX_ALERT_SEA_NOTICE, .rule_id = "jpn-eez"};
  mwx_alert_state_init(&s, "JPN", 12);
  /* nothing to say: nothing happens */
  mwx_alert_decision none = {.kind = MWX_ALERT_NONE};
  assert_int_equal(mwx_alert_step(&s, &none, 0, 100, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_NONE);
  assert_int_equal(mwx_alert_step(&s, &d, 0, 200, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_ISSUE);
  assert_string_equal(ev.alert_id, "JPN-12-1");
  assert_string_equal(ev.rule_id, "jpn-eez");
  /* the same decision again: no event */
  assert_int_equal(mwx_alert_step(&s, &d, 0, 300, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_NONE);
  /* no new prediction: no event */
  assert_int_equal(mwx_alert_step(&s, NULL, 0, 350, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_NONE);
  /* upgraded to a land warning: update, same id */
  d.kind = MWX_ALERT_LAND_WARNING;
  d.regions = 1ull << region("Hokkaido");
  assert_int_equal(mwx_alert_step(&s, &d, 0, 400, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_UPDATE);
  assert_string_equal(ev.alert_id, "JPN-12-1");
  /* a region added: update */
  d.regions |= 1ull << region("Aomori");
  assert_int_equal(mwx_alert_step(&s, &d, 0, 500, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_UPDATE);
  assert_true(ev.regions == d.regions);
  /* time going back is refused */
  assert_int_equal(mwx_alert_step(&s, &d, 0, 450, &ev), MWX_EINVAL);
  /* fallen: cancel, the kind cancelled is reported */
  assert_int_equal(mwx_alert_step(&s, &d, 1, 600, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_CANCEL);
  assert_int_equal(ev.kind, MWX_ALERT_LAND_WARNING);
  assert_int_equal(s.active, 0);
  /* a new threat on the same track: a new id */
  assert_int_equal(mwx_alert_step(&s, &d, 0, 700, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_ISSUE);
  assert_string_equal(ev.alert_id, "JPN-12-2");
  /* a decision of none while active: cancel */
  assert_int_equal(mwx_alert_step(&s, &none, 0, 800, &ev), 0);
  assert_int_equal(ev.action, MWX_ALERT_ACT_CANCEL);
  /* bad input to the decision */
  mwx_alert_input bad = {.prediction_id = "x", .has_impact = 1, .impact_lat_deg = NAN};
  assert_int_equal(mwx_alert_decide(&JPN, Z, &bad, &d), MWX_EINVAL);
  bad.impact_lat_deg = 40;
  bad.corridor_km = -1;
  assert_int_equal(mwx_alert_decide(&JPN, Z, &bad, &d), MWX_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rules_files),       cmocka_unit_test(test_rules_errors),
      cmocka_unit_test(test_2022_10_04_aomori), cmocka_unit_test(test_2023_04_13_fall_at_sea),
      cmocka_unit_test(test_2022_11_02_ulleungdo), cmocka_unit_test(test_life_cycle),
      cmocka_unit_test(test_provisional), cmocka_unit_test(test_truth_scorer),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
