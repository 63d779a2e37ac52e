/*
 * test_honest.c - no unseen thrust treated as ballistic (issue 12):
 * mwx_assess_burnout_check, mwx_assess_flight_phase, mwx_assess_track_quality
 * on hand-made tracks, and the end-to-end regressions of 2022-11-18 (the
 * staging coast and the track lost while powered) and 2022-10-14 (the
 * depressed SRBM's class) on the legacy laydown, the one the faults were found
 * on (mwx track --sensors legacy); and the covariance's consistency (the
 * burnout mixture, the mid-course 6-D NEES) on the default laydown.
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

#include "track_testutil.h"
#include "mwx/assess.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/fuse.h"
#include "mwx/geo.h"
#include "mwx/sim.h"

#define S_NS 1000000000LL
#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* A track at 300 km height over the Sea of Japan, climbing or falling. */
static mwx_track_info track_at(double h_m, double v_up_mps) {
  mwx_track_info in;
  memset(&in, 0, sizeof in);
  mwx_geo_lla l = {40.0, 133.0, h_m};
  double up[3], enu_up[3] = {0, 0, 1};
  mwx_geo_ecef_from_lla(&l, in.est.x);
  mwx_geo_ecef_vec_from_enu(&l, enu_up, up);
  for (int i = 0; i < 3; i++)
    in.est.x[3 + i] = v_up_mps * up[i];
  for (int i = 0; i < MWX_TRACK_NX; i++)
    in.est.P[i][i] = i < 3 ? 1e6 : 100.0; /* 1 km per axis */
  in.est.t_ns = 1000 * S_NS;
  in.t_last_ns = in.est.t_ns;
  in.t_quiet_ns = in.est.t_ns - 60 * S_NS; /* ballistic for a minute: burnout seen */
  in.quiet_plots = 60;
  in.p_ballistic = 0.99;
  in.status = MWX_TRACK_CONFIRMED;
  return in;
}

static void test_burnout_check(void **state) {
  (void)state;
  mwx_track_info in = track_at(300e3, 2000);
  mwx_assess_burnout b;
  /* thrust at 990 s, quiet since 991 s with 9 plots: a staging coast */
  in.t_powered_ns = 990 * S_NS;
  in.t_quiet_ns = 991 * S_NS;
  in.quiet_plots = 9;
  assert_int_equal(mwx_assess_burnout_check(&in, &b), 0);
  assert_int_equal(b.seen, 0);
  NEAR(b.quiet_s, 9.0, 1e-9);
  NEAR(b.since_thrust_s, 10.0, 1e-9);
  assert_non_null(strstr(b.reason, "9.0 s and 9 plots ballistic: a staging coast lasts up to 10 s"));
  /* 10 s and enough plots: seen */
  in.t_quiet_ns = 990 * S_NS;
  in.quiet_plots = MWX_ASSESS_QUIET_MIN_PLOTS;
  assert_int_equal(mwx_assess_burnout_check(&in, &b), 0);
  assert_int_equal(b.seen, 1);
  assert_string_equal(b.reason, "");
  /* 10 s of silence is not a run of plots */
  in.quiet_plots = MWX_ASSESS_QUIET_MIN_PLOTS - 1;
  assert_int_equal(mwx_assess_burnout_check(&in, &b), 0);
  assert_int_equal(b.seen, 0);
  /* a run long enough whose plots still admit a burning stage */
  in.quiet_plots = 14;
  in.thrust_mps2 = 1.4;
  in.thrust_sd_mps2 = 9.7;
  assert_int_equal(mwx_assess_burnout_check(&in, &b), 0);
  assert_int_equal(b.seen, 0);
  NEAR(b.thrust_ub_mps2, 1.4 + 3 * 9.7, 1e-9);
  assert_non_null(strstr(b.reason, "thrust 1.4 +- 9.7 m/s^2 at the last update: the plots do not exclude"));
  in.thrust_sd_mps2 = 0.1; /* bounded: seen */
  assert_int_equal(mwx_assess_burnout_check(&in, &b), 0);
  assert_int_equal(b.seen, 1);
  in.thrust_mps2 = in.thrust_sd_mps2 = 0;
  /* lost while still powered */
  in.t_quiet_ns = 0;
  in.quiet_plots = 0;
  in.coasting = 1;
  in.t_powered_ns = in.t_last_ns;
  assert_int_equal(mwx_assess_burnout_check(&in, &b), 0);
  assert_int_equal(b.seen, 0);
  assert_non_null(strstr(b.reason, "lost while still powered"));
  /* the assessment: an impact, flagged provisional with the reason */
  mwx_assess a;
  mwx_assess_opts o;
  mwx_assess_opts_default(&o);
  o.want_apogee = 0;
  in.ballistic = in.est;
  assert_int_equal(mwx_assess_track(&in, &o, &a), 0);
  assert_int_equal(a.has_impact, 1);
  assert_int_equal(a.provisional, 1);
  assert_non_null(strstr(a.provisional_reason, "lost while still powered"));
  in.coasting = 0;
  in.t_powered_ns = 900 * S_NS;
  in.t_quiet_ns = 901 * S_NS;
  in.quiet_plots = 90;
  assert_int_equal(mwx_assess_track(&in, &o, &a), 0);
  assert_int_equal(a.has_impact, 1);
  assert_int_equal(a.provisional, 0);
  assert_int_equal(mwx_assess_burnout_check(NULL, &b), MWX_EINVAL);
}

static void test_phase_quality(void **state) {
  (void)state;
  int ph = -1;
  mwx_track_info in = track_at(300e3, 2000);
  in.t_powered_ns = 0;
  assert_int_equal(mwx_assess_flight_phase(&in, &ph), 0);
  assert_int_equal(ph, 1); /* climbing, ballistic: mid-course */
  in.p_ballistic = 0.4;
  assert_int_equal(mwx_assess_flight_phase(&in, &ph), 0);
  assert_int_equal(ph, 0); /* the boost model likelier */
  in.p_ballistic = 0.99;
  in.t_powered_ns = in.est.t_ns - 5 * S_NS; /* thrust 5 s ago: a staging coast is boost */
  assert_int_equal(mwx_assess_flight_phase(&in, &ph), 0);
  assert_int_equal(ph, 0);
  in.t_powered_ns = in.est.t_ns - 11 * S_NS;
  in.t_quiet_ns = in.est.t_ns - 10 * S_NS;
  in.quiet_plots = MWX_ASSESS_QUIET_MIN_PLOTS;
  assert_int_equal(mwx_assess_flight_phase(&in, &ph), 0);
  assert_int_equal(ph, 1);
  /* burnout not seen (too few quiet plots, or lost while powered): boost, so
   * that no partner's fused picture predicts from its Track sample */
  in.quiet_plots = MWX_ASSESS_QUIET_MIN_PLOTS - 1;
  assert_int_equal(mwx_assess_flight_phase(&in, &ph), 0);
  assert_int_equal(ph, 0);
  in.quiet_plots = MWX_ASSESS_QUIET_MIN_PLOTS;
  in.t_quiet_ns = 0;
  in.coasting = 1;
  assert_int_equal(mwx_assess_flight_phase(&in, &ph), 0);
  assert_int_equal(ph, 0);
  in.coasting = 0;
  in.t_quiet_ns = in.est.t_ns - 10 * S_NS;
  mwx_track_info dn = track_at(149e3, -2000);
  assert_int_equal(mwx_assess_flight_phase(&dn, &ph), 0);
  assert_int_equal(ph, 2); /* falling below 150 km */
  dn = track_at(151e3, -2000);
  assert_int_equal(mwx_assess_flight_phase(&dn, &ph), 0);
  assert_int_equal(ph, 1);
  /* quality: sigma sqrt(3) km -> 1 / (1 + 1.732) = 0.366 */
  double q;
  assert_int_equal(mwx_assess_track_quality(&in.est, &q), 0);
  NEAR(q, 1.0 / (1.0 + sqrt(3.0)), 1e-12);
  for (int i = 0; i < 3; i++)
    in.est.P[i][i] = 0;
  assert_int_equal(mwx_assess_track_quality(&in.est, &q), 0);
  NEAR(q, 1.0, 0);
  in.est.P[0][0] = NAN;
  assert_int_equal(mwx_assess_track_quality(&in.est, &q), MWX_EINVAL);
}

/* One run of a scenario on a laydown (default, legacy).  draw: the truth's
 * beta drawn for the seed (its value in *beta when not NULL); no_track_beta:
 * the filter without its ln-beta state (the fourth round's behaviour). */
static void run_with(const char *file, const char *laydown, const char *nation, uint64_t seed, int trust, int draw,
                     int no_track_beta, double *beta, mwx_assess_missile *out) {
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/%s", MWX_SOURCE_DIR, file);
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  assert_int_equal(mwx_sim_scenario_load(path, &sc), 0);
  assert_int_equal(mwx_sim_scenario_use_sensors(&sc, laydown), 0);
  assert_int_equal(mwx_sim_truth_init(&truth, &sc, 1.0), 0);
  if (draw)
    assert_int_equal(mwx_sim_truth_draw_beta(&truth, seed, MWX_ASSESS_BETA_SIGMA_LN), 0);
  if (beta)
    *beta = truth.launch[0].veh.beta_rv_kgpm2;
  mwx_assess_run_opts o;
  mwx_assess_run_opts_default(&o);
  memcpy(o.nation, nation, 4);
  o.seed = seed;
  o.trust_provisional = trust;
  o.no_track_beta = no_track_beta;
  mwx_assess_run_result r;
  memset(&r, 0, sizeof r);
  assert_int_equal(mwx_assess_run(&sc, &truth, &o, &r), 0);
  *out = r.m[0];
  mwx_assess_run_fini(&r);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

static void run_on(const char *file, const char *laydown, const char *nation, uint64_t seed, int trust,
                   mwx_assess_missile *out) {
  run_with(file, laydown, nation, seed, trust, 0, 0, NULL, out);
}

static void run(const char *file, const char *nation, uint64_t seed, int trust, mwx_assess_missile *out) {
  run_on(file, "legacy", nation, seed, trust, out);
}

/* The scored predictions one by one (mwx_assess_run_opts.pred_fn, the
 * bench's MWX_BENCH_TRACE): one call per prediction counted in n_pred, in
 * time order, its d2 the containment's (inside iff d2 <= the 95% value).
 * 2022-10-04 (default laydown), USA: seed 4 draws its RV's beta at -2.11
 * sigma of ln beta (3,190 kg/m^2 against the IRBM's 6,000) and seed 11 at
 * +2.23 sigma; the mid-course ellipse is ln-beta-dominated (92% of the major
 * axis's variance), and the impact's shift is convex in ln beta (a light RV
 * falls much shorter than a heavy one flies long), so the light one's
 * truth was outside every mid-course ellipse (d2 8.8-12.2) and the heavy
 * one's inside (BENCHMARKS.md, issue 12, nineteenth session); since the
 * ellipse's beta part reaches the law's long side both are inside
 * (twenty-first session). */
typedef struct pred_count {
  size_t n[MWX_ASSESS_N_PHASE], in[MWX_ASSESS_N_PHASE];
  double last_t_s, d2_min_mid, d2_max_mid;
  int bad;
} pred_count;

static void count_pred(void *ctx, size_t missile, double t_s, int phase, double d2, const mwx_track_info *track,
                       const mwx_assess *a) {
  pred_count *c = ctx;
  if (missile != 0 || phase < 0 || phase >= MWX_ASSESS_N_PHASE || !track || !a || !a->has_impact || a->provisional ||
      !(d2 >= 0) || t_s < c->last_t_s) {
    c->bad = 1;
    return;
  }
  c->last_t_s = t_s;
  c->n[phase]++;
  c->in[phase] += d2 <= MWX_ASSESS_CHI2_95_2D;
  if (phase == MWX_ASSESS_PH_MIDCOURSE) {
    c->d2_min_mid = fmin(c->d2_min_mid, d2);
    c->d2_max_mid = fmax(c->d2_max_mid, d2);
  }
}

static void trace_run(uint64_t seed, pred_count *c, mwx_assess_missile *m) {
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/2022-10-04-hwasong12.json", MWX_SOURCE_DIR);
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  assert_int_equal(mwx_sim_scenario_load(path, &sc), 0);
  assert_int_equal(mwx_sim_scenario_use_sensors(&sc, "default"), 0);
  assert_int_equal(mwx_sim_truth_init(&truth, &sc, 1.0), 0);
  assert_int_equal(mwx_sim_truth_draw_beta(&truth, seed, MWX_ASSESS_BETA_SIGMA_LN), 0);
  mwx_assess_run_opts o;
  mwx_assess_run_opts_default(&o);
  memcpy(o.nation, "USA", 4);
  o.seed = seed;
  memset(c, 0, sizeof *c);
  c->d2_min_mid = INFINITY;
  o.pred_fn = count_pred;
  o.pred_ctx = c;
  mwx_assess_run_result r;
  memset(&r, 0, sizeof r);
  assert_int_equal(mwx_assess_run(&sc, &truth, &o, &r), 0);
  *m = r.m[0];
  mwx_assess_run_fini(&r);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

static void test_pred_trace(void **state) {
  (void)state;
  pred_count light, heavy;
  mwx_assess_missile ml, mh;
  trace_run(4, &light, &ml);
  trace_run(11, &heavy, &mh);
  printf("    2022-10-04 USA mid-course: seed 4 (beta -2.11 sigma) %zu/%zu inside, d2 %.2f-%.2f; "
         "seed 11 (+2.23 sigma) %zu/%zu, d2 %.2f-%.2f\n", light.in[2], light.n[2], light.d2_min_mid, light.d2_max_mid,
         heavy.in[2], heavy.n[2], heavy.d2_min_mid, heavy.d2_max_mid);
  assert_false(light.bad);
  assert_false(heavy.bad);
  for (int p = 0; p < MWX_ASSESS_N_PHASE; p++) {
    assert_int_equal(light.n[p], ml.n_pred[p]);
    assert_int_equal(light.in[p], ml.n_pred_in[p]);
    assert_int_equal(heavy.n[p], mh.n_pred[p]);
    assert_int_equal(heavy.in[p], mh.n_pred_in[p]);
  }
  assert_true(light.n[2] >= 10 && heavy.n[2] >= 10);
  /* the light RV's truth: inside since the ellipse's beta part reaches the
     law's long side (13 of 13, d2 2.9-5.4; 0 of 13, d2 8.8-12.2, with the
     variance alone: twenty-first session); the heavy one's: inside (13 of 13) */
  assert_true(light.in[2] == light.n[2]);
  assert_true(heavy.in[2] == heavy.n[2]);
}

/* The thrust's chart (filter.c thrust_chart): 2017-11-29 (default laydown),
 * KOR, seed 68.  KOR's far radar starts the track at 19 km with a loose
 * velocity; its boost model settled on the mirror of the thrust (alpha_T
 * 182-199 deg, a_T -18 to -62 m/s^2: the same vector as +a_T at alpha_T -
 * 180 deg) while stage 1 burned at +29-59 m/s^2, so no update showed a
 * forward thrust, the track was taken as burnt out after 60 s "quiet"
 * (146 s, the staging coast) and its predictions stood up to 728 km short
 * with the truth beyond 5 sigma for 644 s.  With |alpha_T| <= 90 deg kept,
 * the burn is seen: worst 7.0 km, never beyond 5 sigma. */
static void test_thrust_chart(void **state) {
  (void)state;
  mwx_assess_missile m;
  double beta;
  run_with("2017-11-29-hwasong15.json", "default", "KOR", 68, 0, 1, 0, &beta, &m);
  printf("    2017-11-29 KOR seed 68: worst %.1f km, > 5 sigma for %.0f s, first consistent %.0f s\n", m.max_wrong_km,
         m.max_5sigma_s, m.has_ipp_consistent ? m.ipp_consistent_s : NAN);
  assert_true(m.max_5sigma_s <= 10.0); /* 644 s before */
  assert_true(m.max_wrong_km < MWX_ASSESS_CONSISTENT_KM); /* 728 km before */
  assert_true(m.has_ipp_50km);
}

/* The warning picture at every step (mwx_assess_run_opts.pic_fn, the
 * bench's CHAIN / PICBREAK lines): 2022-11-18 (default laydown, the seed's
 * drawn beta), ALL, seed 1.  One call per step in flight, in time order; a
 * standing prediction was made no later than the step, its track's made_s
 * never goes back; ipp_consistent_s and ipp_50km_s recomputed from the
 * calls are the run's, and so are the track and made_s recorded with the
 * first consistent one.  From then to the fall the picture shows that one
 * track's predictions (the bench's chain: track 2 from 334 s, BENCHMARKS.md
 * issue 12, twenty-first session): a picture that switched to another
 * track's worse prediction, or whose prediction stopped holding the truth,
 * fails here. */
static void load_default_2022_11_18(mwx_sim_scenario *sc, mwx_sim_truth *truth);

typedef struct pic_step {
  double t_s, made_s, d2, err_km;
  uint32_t trk;
  int has, n_standing;
} pic_step;

typedef struct pic_log {
  pic_step *s;
  size_t n, cap;
  int bad;
} pic_log;

static void log_pic(void *ctx, size_t missile, double t_s, const mwx_assess_picture *p) {
  pic_log *l = ctx;
  if (missile != 0 || !p || (l->n && t_s <= l->s[l->n - 1].t_s)) {
    l->bad = 1;
    return;
  }
  if (l->n == l->cap) {
    size_t c = l->cap ? 2 * l->cap : 4096;
    pic_step *s2 = realloc(l->s, c * sizeof *s2);
    if (!s2) {
      l->bad = 1;
      return;
    }
    l->s = s2;
    l->cap = c;
  }
  pic_step st = {t_s, p->made_s, p->d2, p->err_km, p->track_id, p->has, p->n_standing};
  l->s[l->n++] = st;
}

static void test_picture_chain(void **state) {
  (void)state;
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  load_default_2022_11_18(&sc, &truth);
  assert_int_equal(mwx_sim_truth_draw_beta(&truth, 1, MWX_ASSESS_BETA_SIGMA_LN), 0);
  mwx_assess_run_opts o;
  mwx_assess_run_opts_default(&o);
  memcpy(o.nation, "ALL", 4);
  o.seed = 1;
  pic_log l = {0};
  o.pic_fn = log_pic;
  o.pic_ctx = &l;
  mwx_assess_run_result r;
  memset(&r, 0, sizeof r);
  assert_int_equal(mwx_assess_run(&sc, &truth, &o, &r), 0);
  mwx_assess_missile m = r.m[0];
  mwx_assess_run_fini(&r);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  assert_false(l.bad);
  assert_true(l.n > 1000);
  /* the picture as the run scores it, recomputed from the calls */
  int has_c = 0, has_50 = 0, switches = 0, standing_max = 0;
  double c_s = NAN, c_made = NAN, k50_s = NAN, first_s = NAN;
  uint32_t c_trk = 0;
  for (size_t i = 0; i < l.n; i++) {
    const pic_step *p = &l.s[i];
    if (!p->has) {
      assert_int_equal(p->n_standing, 0);
      continue;
    }
    if (isnan(first_s))
      first_s = p->t_s;
    assert_true(p->n_standing >= 1);
    assert_true(p->made_s <= p->t_s + 1e-9 && p->made_s >= 0);
    assert_true(p->d2 >= 0 && p->err_km >= 0);
    if (p->n_standing > standing_max)
      standing_max = p->n_standing;
    for (size_t j = i; j-- > 0;) /* the same track's previous picture: made_s does not go back */
      if (l.s[j].has && l.s[j].trk == p->trk) {
        assert_true(p->made_s >= l.s[j].made_s);
        break;
      }
    if (p->d2 > MWX_ASSESS_CHI2_95_2D) {
      has_c = 0;
    } else if (!has_c) {
      has_c = 1;
      c_s = p->t_s;
      c_made = p->made_s;
      c_trk = p->trk;
    }
    if (p->err_km > MWX_ASSESS_CONSISTENT_KM) {
      has_50 = 0;
    } else if (!has_50) {
      has_50 = 1;
      k50_s = p->t_s;
    }
  }
  for (size_t i = 0; i < l.n; i++) /* the chain from the first consistent prediction on */
    if (l.s[i].has && l.s[i].t_s >= c_s) {
      switches += l.s[i].trk != c_trk;
      assert_true(l.s[i].d2 <= MWX_ASSESS_CHI2_95_2D);
    }
  printf("    2022-11-18 ALL seed 1: %zu steps, picture from %.0f s, first consistent %.0f s (trk %u, made %.0f s), "
         "50 km %.0f s, at most %d standing, %d steps on another track after it\n", l.n, first_s, c_s, c_trk, c_made,
         k50_s, standing_max, switches);
  free(l.s);
  assert_true(has_c && m.has_ipp_consistent);
  assert_true(fabs(c_s - m.ipp_consistent_s) < 1e-9);
  assert_true(fabs(c_made - m.ipp_consistent_made_s) < 1e-9);
  assert_int_equal(c_trk, m.ipp_consistent_track_id);
  assert_true(has_50 && m.has_ipp_50km);
  assert_true(fabs(k50_s - m.ipp_50km_s) < 1e-9);
  assert_int_equal(switches, 0);
  assert_true(m.ipp_consistent_s <= 340.0); /* 334 s */
}

/* 2022-11-18, JPN alone: the track is lost during the second stage.  Taken
 * as burnt out (the behaviour before), it predicts ~500 km short for
 * ~16 minutes with the truth far outside the ellipse; now that prediction is
 * provisional and the warning picture never holds a wrong one. */
static void test_lost_while_powered(void **state) {
  (void)state;
  mwx_assess_missile before, after;
  run("2022-11-18-hwasong17.json", "JPN", 1, 1, &before);
  run("2022-11-18-hwasong17.json", "JPN", 1, 0, &after);
  printf("    JPN seed 1: before: worst %.0f km, > 5 sigma for %.0f s; after: worst %.0f km, %.0f s, "
         "%zu provisional\n", before.max_wrong_km, before.max_5sigma_s, after.max_wrong_km, after.max_5sigma_s,
         after.n_provisional);
  assert_true(before.max_wrong_km > 400);
  assert_true(before.max_5sigma_s > 600);
  assert_true(after.max_wrong_km < MWX_ASSESS_CONSISTENT_KM);
  assert_true(after.max_5sigma_s <= 10.0);
  assert_true(after.n_provisional >= 1);
  assert_true(after.has_ipp_50km && after.has_ipp_consistent);
}

/* 2022-11-18, ALL, seed 2: the IMM switches to ballistic in the 5 s coast
 * between the stages (~155 s); that prediction is ~726 km short. */
static void test_staging_coast(void **state) {
  (void)state;
  mwx_assess_missile before, after;
  run("2022-11-18-hwasong17.json", "ALL", 2, 1, &before);
  run("2022-11-18-hwasong17.json", "ALL", 2, 0, &after);
  printf("    ALL seed 2: before: first prediction %.0f s, worst %.0f km; after: first %.0f s, worst %.0f km\n",
         before.first_ipp_s, before.max_wrong_km, after.has_ipp ? after.first_ipp_s : NAN, after.max_wrong_km);
  assert_true(before.has_ipp && before.first_ipp_s < 200);
  assert_true(before.max_wrong_km > 500);
  assert_true(!after.has_ipp || after.first_ipp_s > 300); /* after the second stage's burnout (322.5 s) */
  assert_true(after.max_wrong_km < MWX_ASSESS_CONSISTENT_KM);
}

/* One run of a scenario on the default laydown with the truth's RV beta
 * drawn for the seed (mwx_sim_truth_draw_beta, sigma MWX_ASSESS_BETA_SIGMA_LN);
 * no_track_beta 1: the filter without beta in its state (the behaviour
 * before). */
static void run_drawn(const char *file, const char *nation, uint64_t seed, int no_track_beta, double *beta,
                      mwx_assess_missile *out) {
  run_with(file, "default", nation, seed, 0, 1, no_track_beta, beta, out);
}

/* 2022-10-14 (the depressed SRBM: the whole flight in the air), ALL, seeds
 * 4 and 11: the truth's RV beta 2 sigma light (2,658 kg/m^2, z = -2.1 about
 * the SRBM's 5,000) and 2 sigma heavy (9,774, z = +2.2).  Flying one
 * nominal beta with first-order drag noise, the filter held the impact
 * 53-68 km off with the truth outside its ellipse: seed 4 never had a
 * consistent picture, 1 of 8 re-entry predictions inside.  With ln beta in
 * the filter's state the re-entry estimates it and the impact flies it:
 * consistent, the re-entry predictions inside, the worst error a few km. */
static void test_beta_off(void **state) {
  (void)state;
  static const uint64_t seeds[2] = {4, 11};
  for (int i = 0; i < 2; i++) {
    mwx_assess_missile before, after;
    double beta;
    run_drawn("2022-10-14-srbm.json", "ALL", seeds[i], 1, &beta, &before);
    run_drawn("2022-10-14-srbm.json", "ALL", seeds[i], 0, &beta, &after);
    printf("    seed %d, beta %.0f kg/m^2: before: re-entry %zu/%zu inside, worst %.1f km, consistent %s; "
           "after: re-entry %zu/%zu, coast %zu/%zu, worst %.1f km, consistent %.0f s\n",
           (int)seeds[i], beta, before.n_pred_in[3], before.n_pred[3], before.max_wrong_km,
           before.has_ipp_consistent ? "yes" : "never", after.n_pred_in[3], after.n_pred[3],
           after.n_pred_in[1], after.n_pred[1], after.max_wrong_km,
           after.has_ipp_consistent ? after.ipp_consistent_s : NAN);
    assert_true(fabs(log(beta / 5000.0)) > 1.9 * MWX_ASSESS_BETA_SIGMA_LN); /* the draw is 2 sigma off */
    assert_true(before.max_wrong_km > 40);
    /* before's impact flies the class's beta: tens of km off (its ellipse held
       seed 4's light truth in 1 of 8 re-entry predictions until the beta
       law's long side was in it, twenty-first session: 6 of 8 since; seed 11 3 of 8) */
    assert_true(after.max_wrong_km * 4 < before.max_wrong_km);
    assert_true(after.has_ipp_consistent);
    /* at most one re-entry prediction outside its 95% ellipse (seed 4: 8 of
       9 since the burnout smoother searches from BO_DETECT_LAG_S earlier,
       9 of 9 before) */
    assert_true(after.n_pred[3] >= 8 && after.n_pred_in[3] + 1 >= after.n_pred[3]);
    assert_true(after.n_pred_in[1] + 2 >= after.n_pred[1]);
    assert_true(after.max_wrong_km < 25);
    assert_true(after.max_5sigma_s <= 10.0);
  }
}

/* 2022-10-14 (the depressed SRBM, in the air from burnout to impact), KOR,
 * default laydown, truth beta drawn, seeds 2, 3 and 20: with the EKF after
 * burnout the first prediction (85 s, burnout 73 s) had the truth outside
 * its 95% ellipse (d2 6.3, 7.1, 6.6): the first-order update of the drag,
 * exp(-ln beta) over ln beta's prior sigma 0.35, left ln beta low and the
 * prediction 4.5 km short on average (20 of 23 seeds).  Unpowered in the air
 * the tracker now filters with sigma points (tracker.c, track_filt). */
static void test_srbm_first_prediction(void **state) {
  (void)state;
  static const uint64_t seeds[] = {2, 3, 20};
  for (int i = 0; i < 3; i++) {
    mwx_assess_missile m;
    double beta;
    run_drawn("2022-10-14-srbm.json", "KOR", seeds[i], 0, &beta, &m);
    int be = MWX_ASSESS_PH_BOOST_END;
    printf("    2022-10-14 KOR seed %d, beta %.0f kg/m^2: boost end %zu of %zu inside, coast %zu of %zu, "
           "worst %.1f km, > 5 sigma %.0f s\n", (int)seeds[i], beta, m.n_pred_in[be], m.n_pred[be],
           m.n_pred_in[MWX_ASSESS_PH_COAST], m.n_pred[MWX_ASSESS_PH_COAST], m.max_wrong_km, m.max_5sigma_s);
    assert_true(m.n_pred[be] >= 1);
    assert_int_equal(m.n_pred_in[be], m.n_pred[be]);
    assert_true(m.max_5sigma_s <= 10.0);
  }
}

/* 2022-10-14: 650 km at 50 km apogee is an SRBM for every nation. */
static void test_srbm_class(void **state) {
  (void)state;
  static const char *nations[] = {"ALL", "JPN", "USA", "KOR"};
  for (int i = 0; i < 4; i++) {
    mwx_assess_missile m;
    run("2022-10-14-srbm.json", nations[i], 1, 0, &m);
    printf("    2022-10-14 %s: %s\n", nations[i], mwx_ballistic_class_name(m.cls));
    assert_int_equal(m.cls, MWX_CLASS_SRBM);
  }
}

/* 2017-11-29, ALL, default laydown, seeds 5 and 19: plots of the established
 * track that fell outside its 0.999 gate (1 in 1,000 of ~12,000) paired into
 * a second track on the same missile; by Mahalanobis distance alone the
 * loose new track won every plot in the tail of the precise one, the two
 * pushed each other apart and both held a 5-12 sigma bias to impact
 * (mid-course 95% containment 85-93%, > 5 sigma for 600-1,000 s).  With the
 * negative log-likelihood as the assignment cost the new track does not
 * take the established one's plots. */
static void test_second_track_bias(void **state) {
  (void)state;
  static const uint64_t seeds[] = {5, 19};
  for (int i = 0; i < 2; i++) {
    mwx_assess_missile m;
    run_on("2017-11-29-hwasong15.json", "default", "ALL", seeds[i], 0, &m);
    int mc = MWX_ASSESS_PH_MIDCOURSE, re = MWX_ASSESS_PH_REENTRY;
    printf("    2017-11-29 ALL seed %d: mid-course %zu of %zu inside, re-entry %zu of %zu, > 5 sigma %.0f s, "
           "worst %.1f km\n", (int)seeds[i], m.n_pred_in[mc], m.n_pred[mc], m.n_pred_in[re], m.n_pred[re],
           m.max_5sigma_s, m.max_wrong_km);
    assert_true(m.n_pred[mc] > 100);
    assert_true((double)m.n_pred_in[mc] >= 0.95 * (double)m.n_pred[mc]);
    assert_true(m.n_pred_in[re] == m.n_pred[re]);
    assert_true(m.max_5sigma_s <= 10.0);
  }
}

/* 2022-10-04, ALL, default laydown, seeds 9 and 12: the burnout smoother
 * kept the burnout-time hypothesis of largest likelihood and dropped the
 * spread of the others; the first warning-grade prediction (159 s, burnout
 * at 147 s) had the truth outside its 95% ellipse (d2 6.5 and 8.4).  Their
 * likelihood-weighted mixture carries the burnout time's uncertainty. */
static void test_burnout_mixture(void **state) {
  (void)state;
  static const uint64_t seeds[] = {9, 12};
  for (int i = 0; i < 2; i++) {
    mwx_assess_missile m;
    run_on("2022-10-04-hwasong12.json", "default", "ALL", seeds[i], 0, &m);
    int be = MWX_ASSESS_PH_BOOST_END;
    printf("    2022-10-04 ALL seed %d: boost end %zu of %zu inside, first consistent %.0f s\n", (int)seeds[i],
           m.n_pred_in[be], m.n_pred[be], m.has_ipp_consistent ? m.ipp_consistent_s : NAN);
    assert_true(m.n_pred[be] >= 1);
    assert_true(m.n_pred_in[be] == m.n_pred[be]);
    assert_true(m.has_ipp_consistent && m.ipp_consistent_s <= 160.0);
  }
  /* KOR alone: its radars were sure of thrust 1.3-1.7 s after the truth's
   * burnout, and the smoother's hypotheses started there, so the mixture
   * put burnout ~1.5 s late: the first prediction held the truth in 7 of
   * seeds 1-12.  Searched from BO_DETECT_LAG_S earlier: 9 of 12 (95% of 12
   * is 11.4; 9 or fewer has a chance of 2% if the ellipse is right). */
  size_t in = 0, n = 0;
  for (uint64_t seed = 1; seed <= 12; seed++) {
    mwx_assess_missile m;
    run_on("2022-10-04-hwasong12.json", "default", "KOR", seed, 0, &m);
    in += m.n_pred_in[MWX_ASSESS_PH_BOOST_END];
    n += m.n_pred[MWX_ASSESS_PH_BOOST_END];
  }
  printf("    2022-10-04 KOR seeds 1-12: boost end %zu of %zu inside\n", in, n);
  assert_true(n >= 12);
  assert_true(in >= 9);
}

/* Provisional iff burnout not seen, against the truth: one run of a scenario
 * and nation (the truth's RV beta drawn for the seed), every confirmed
 * track near a missile assessed at every update (1 s steps).  For every
 * assessment with an impact: provisional exactly when
 * mwx_assess_burnout_check has not seen the burnout, and then the flight
 * phase is boost (no partner fuses a prediction from it); a prediction that
 * is not provisional comes from a last update after the truth's final
 * burnout (never from a burning stage or a staging coast).  Counts the cases
 * and the provisional ones whose truth had burnt out already (the price: the
 * 10-s wait, or a track lost before it). */
static void iff_run(const char *file, const char *nation, uint64_t seed, size_t *cases, size_t *prov,
                    size_t *prov_after) {
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/%s", MWX_SOURCE_DIR, file);
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  assert_int_equal(mwx_sim_scenario_load(path, &sc), 0);
  assert_int_equal(mwx_sim_truth_init(&truth, &sc, 1.0), 0);
  assert_int_equal(mwx_sim_truth_draw_beta(&truth, seed, MWX_ASSESS_BETA_SIGMA_LN), 0);
  mwx_assess_drive *d = NULL;
  assert_int_equal(mwx_assess_drive_create(&sc, &truth, nation, seed, NULL, &d), 0);
  mwx_tracker *tr = mwx_assess_drive_tracker(d);
  mwx_assess_opts ao;
  mwx_assess_opts_default(&ao);
  ao.want_apogee = 0;
  int64_t *seen_upd = NULL;
  size_t n_seen = 0;
  for (int64_t t = sc.epoch_ns + S_NS; t <= truth.end_ns + 60 * S_NS; t += S_NS) {
    assert_int_equal(mwx_assess_drive_advance(d, t, NULL, NULL, NULL), 0);
    size_t nt = mwx_track_count(tr);
    if (nt > n_seen) {
      int64_t *g = realloc(seen_upd, nt * sizeof *g);
      assert_non_null(g);
      seen_upd = g;
      memset(seen_upd + n_seen, 0, (nt - n_seen) * sizeof *g);
      n_seen = nt;
    }
    for (size_t i = 0; i < nt; i++) {
      mwx_track_info in;
      if (mwx_track_get(tr, i, &in) || in.status != MWX_TRACK_CONFIRMED || in.p_ballistic < ao.min_p_ballistic)
        continue;
      int64_t key = in.t_last_ns * 2 + in.coasting; /* assessed again only with news */
      if (seen_upd[i] == key)
        continue;
      seen_upd[i] = key;
      /* the missile it follows: the nearest within 20 km at its last update */
      long k = -1;
      double best = 20e3;
      for (size_t m = 0; m < truth.n; m++) {
        mwx_sim_truth_state st;
        if (mwx_sim_truth_at(&truth, m, in.est.t_ns, &st) || !st.in_flight)
          continue;
        double dd = 0;
        for (int c = 0; c < 3; c++)
          dd += (in.est.x[c] - st.pos_ecef_m[c]) * (in.est.x[c] - st.pos_ecef_m[c]);
        if (sqrt(dd) < best) {
          best = sqrt(dd);
          k = (long)m;
        }
      }
      if (k < 0)
        continue;
      mwx_assess a;
      assert_int_equal(mwx_assess_track(&in, &ao, &a), 0);
      if (!a.has_impact)
        continue;
      mwx_assess_burnout bo;
      assert_int_equal(mwx_assess_burnout_check(&in, &bo), 0);
      int ph = -1;
      assert_int_equal(mwx_assess_flight_phase(&in, &ph), 0);
      double tl_s = (double)(in.t_last_ns - truth.launch_ns[k]) * 1e-9;
      int burnt = tl_s > truth.traj[k].fig.burnout_time_s;
      (*cases)++;
      if (a.provisional != !bo.seen || (a.provisional && ph != 0) || (!a.provisional && !burnt))
        fail_msg("%s %s seed %d track %u at %.1f s after launch (burnout %.1f s): provisional %d, burnout seen %d "
                 "(%s), phase %d", file, nation, (int)seed, in.id, tl_s, truth.traj[k].fig.burnout_time_s,
                 a.provisional, bo.seen, bo.reason, ph);
      *prov += (size_t)a.provisional;
      *prov_after += (size_t)(a.provisional && burnt);
    }
  }
  free(seen_upd);
  mwx_assess_drive_destroy(d);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

static void test_provisional_iff(void **state) {
  (void)state;
  static const char *all[] = {"2017-07-04-hwasong14.json", "2017-08-29-hwasong12.json", "2017-11-29-hwasong15.json",
                              "2022-03-24-hwasong17.json", "2022-10-04-hwasong12.json", "2022-10-14-srbm.json",
                              "2022-11-18-hwasong17.json", "2023-02-18-hwasong15.json", "2023-03-16-hwasong17.json"};
  static const char *nations[] = {"JPN", "KOR", "USA"};
  size_t cases = 0, prov = 0, after = 0;
  for (int f = 0; f < 9; f++)
    iff_run(all[f], "ALL", 1, &cases, &prov, &after);
  for (int f = 4; f < 7; f++) /* the 2022 launches seen by each nation alone */
    for (int n = 0; n < 3; n++)
      iff_run(all[f], nations[n], 2, &cases, &prov, &after);
  /* 2022-03-24, JPN alone: JPN's radars, ~1,000 km from the first stage,
     see it burn at 100-120 s with plots too noisy for the IMM to keep the
     boost model (90-96% ballistic for 10-15 s and 11-16 plots); taken as
     burnout, seeds 5, 9 and 21 predicted 930-1,020 km short in ~100 km^2
     ellipses.  The boost model's share still admitted the thrust (sigma
     6-11 m/s^2): mwx_assess_burnout_check's thrust bound. */
  static const uint64_t noisy_seeds[] = {5, 9, 21};
  for (int i = 0; i < 3; i++)
    iff_run(all[3], "JPN", noisy_seeds[i], &cases, &prov, &after);
  printf("    %zu assessments with an impact: %zu provisional (burnout not seen), of which %zu after the truth's "
         "burnout; every other one from after the burnout\n", cases, prov, after);
  assert_true(cases > 5000);
  assert_true(prov > 0);
}

/* 2022-11-18 with the default laydown and its truth at 1-s steps. */
static void load_default_2022_11_18(mwx_sim_scenario *sc, mwx_sim_truth *truth) {
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/2022-11-18-hwasong17.json", MWX_SOURCE_DIR);
  memset(sc, 0, sizeof *sc);
  memset(truth, 0, sizeof *truth);
  assert_int_equal(mwx_sim_scenario_load(path, sc), 0);
  assert_int_equal(mwx_sim_scenario_use_sensors(sc, "default"), 0);
  assert_int_equal(mwx_sim_truth_init(truth, sc, 1.0), 0);
}

/* The 6-D NEES of the tracker's ballistic estimate in mid-course (issue 12,
 * sixth round).  2022-11-18, ALL, default laydown, seeds 1-4 (the class's
 * beta: in vacuum it does not act), the tracker of mwx_assess_run (the
 * driver): every 10 s the confirmed track nearest the missile, while
 * ballistic, against the truth at its estimate's time, from burnout + 120 s
 * until re-entry (below 100 km).  If its covariance is right the NEES is
 * chi-square of 6 dof, mean 6; the samples of one flight are correlated
 * (one seed's mean ranges 1.7-6.8 over seeds 1-6), so the band is that of
 * four flights' mean, 6 +- 1.8.  Before: 2.98 (the IMM floor's mass mixing the
 * boost model's loose covariance into the ballistic one at every step, and a
 * white acceleration of 1e-4 m^2/s^3 the truth does not have), which made
 * the 95% impact ellipse hold the truth in 99.4% of the mid-course
 * predictions. */
static void test_midcourse_nees(void **state) {
  (void)state;
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  load_default_2022_11_18(&sc, &truth);
  const double tb = truth.traj[0].fig.burnout_time_s;
  const int64_t t_end = truth.launch_ns[0] + (int64_t)(truth.traj[0].fig.flight_time_s * S_NS);
  double sum = 0;
  size_t n = 0;
  for (uint64_t seed = 1; seed <= 4; seed++) {
    mwx_track_config cfg;
    mwx_track_config_default(&cfg);
    mwx_assess_drive *drv = NULL;
    assert_int_equal(mwx_assess_drive_create(&sc, &truth, "ALL", seed, &cfg, &drv), 0);
    mwx_tracker *tr = mwx_assess_drive_tracker(drv);
    int64_t t = sc.epoch_ns, last_sample = 0, last_upd = 0;
    double ssum = 0;
    size_t sn = 0;
    while (t < t_end) {
      int64_t next = mwx_assess_drive_next_ns(drv);
      if (next == INT64_MAX)
        break;
      if (t < next - S_NS)
        t = next - (next - t) % S_NS;
      t += S_NS;
      assert_int_equal(mwx_assess_drive_advance(drv, t, NULL, NULL, NULL), 0);
      double ts = (double)(t - truth.launch_ns[0]) / S_NS;
      mwx_sim_truth_state now;
      if (t - last_sample < 10 * S_NS || ts < tb + 120.0 || mwx_sim_truth_at(&truth, 0, t, &now) || !now.in_flight)
        continue;
      mwx_track_info best;
      int found = tu_nearest_confirmed(tr, t, now.pos_ecef_m, 20e3, &best);
      if (!found || best.p_ballistic < 0.9 || best.coasting || best.t_last_ns == last_upd)
        continue;
      mwx_sim_truth_state st;
      if (mwx_sim_truth_at(&truth, 0, best.ballistic.t_ns, &st) || !st.in_flight)
        continue;
      double vr = 0;
      for (int c = 0; c < 3; c++)
        vr += st.pos_ecef_m[c] * st.vel_ecef_mps[c];
      if (vr < 0 && st.lla.h_m < 100e3) /* re-entry */
        continue;
      last_sample = t;
      last_upd = best.t_last_ns;
      double d[6];
      for (int c = 0; c < 3; c++) {
        d[c] = best.ballistic.x[c] - st.pos_ecef_m[c];
        d[3 + c] = best.ballistic.x[3 + c] - st.vel_ecef_mps[c];
      }
      double q = tu_nees(d, best.ballistic.P, 6);
      assert_true(isfinite(q));
      ssum += q;
      sn++;
    }
    mwx_assess_drive_destroy(drv);
    printf("    2022-11-18 ALL seed %d: mid-course 6-D NEES %.2f over %zu samples\n", (int)seed, sn ? ssum / sn : NAN, sn);
    assert_true(sn > 200);
    sum += ssum;
    n += sn;
  }
  double mean = sum / (double)n;
  printf("    seeds 1-4: mean 6-D NEES %.2f (6 expected, band 4.2-7.8)\n", mean);
  assert_true(mean >= 4.2 && mean <= 7.8);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

/* 2022-11-18, USA, seeds 1-8: the second stage's first seconds after the
 * ~4-s coast (+151-158 s).  With the boost model at the IMM floor 1e-6 in
 * that coast the ballistic model took them and the track's velocity was
 * overconfident (bench_fuse, 60 seeds, USA +155 s bin: 3-D velocity NEES
 * 26.2); the tracker keeps the boost model at 1e-2 while the quiet spell is
 * shorter than MWX_ASSESS_STAGING_COAST_S (18.9).  Here, 8 seeds: 22.45
 * with 1e-6, 11.65 with 1e-2; the bound 16 (3 expected). */
static void test_staging_coast_velocity(void **state) {
  (void)state;
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  load_default_2022_11_18(&sc, &truth);
  double sum = 0;
  size_t n = 0;
  for (uint64_t seed = 1; seed <= 8; seed++) {
    mwx_track_config cfg;
    mwx_track_config_default(&cfg);
    mwx_assess_drive *drv = NULL;
    assert_int_equal(mwx_assess_drive_create(&sc, &truth, "USA", seed, &cfg, &drv), 0);
    mwx_tracker *tr = mwx_assess_drive_tracker(drv);
    int64_t t = sc.epoch_ns;
    const int64_t t_end = truth.launch_ns[0] + 159 * S_NS;
    while (t < t_end) {
      int64_t next = mwx_assess_drive_next_ns(drv);
      if (next == INT64_MAX)
        break;
      if (t < next - S_NS)
        t = next - (next - t) % S_NS;
      t += S_NS;
      assert_int_equal(mwx_assess_drive_advance(drv, t, NULL, NULL, NULL), 0);
      double ts = (double)(t - truth.launch_ns[0]) / S_NS;
      mwx_sim_truth_state now;
      if (ts < 151.0 || ts > 158.0 || mwx_sim_truth_at(&truth, 0, t, &now) || !now.in_flight)
        continue;
      mwx_track_info best;
      if (!tu_nearest_confirmed(tr, t, now.pos_ecef_m, 20e3, &best))
        continue;
      mwx_sim_truth_state st;
      if (mwx_sim_truth_at(&truth, 0, best.est.t_ns, &st) || !st.in_flight)
        continue;
      /* the velocity block first, a unit block after it: tu_nees is then the
       * 3-D velocity NEES */
      double d[6] = {0}, P[MWX_TRACK_NX][MWX_TRACK_NX];
      memset(P, 0, sizeof P);
      for (int a = 0; a < 3; a++) {
        d[a] = best.est.x[3 + a] - st.vel_ecef_mps[a];
        P[3 + a][3 + a] = 1.0;
        for (int b = 0; b < 3; b++)
          P[a][b] = best.est.P[3 + a][3 + b];
      }
      double q = tu_nees(d, P, 6);
      assert_true(isfinite(q));
      sum += q;
      n++;
    }
    mwx_assess_drive_destroy(drv);
  }
  double mean = n ? sum / (double)n : NAN;
  printf("    2022-11-18 USA seeds 1-8, +151-158 s: mean 3-D velocity NEES %.2f over %zu samples\n", mean, n);
  assert_true(n > 40);
  assert_true(mean < 16.0); /* 3 expected; 22.45 with the floor 1e-6 in the coast, 11.65 with 1e-2 */
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

/* The boost model's thrust experiments (twelfth session, off by default):
 * the law da/dt = a^2 / ve against the rocket equation's closed form
 * a(t) = a0 / (1 - a0 t / ve) (constant thrust and mass flow).  (The
 * thrust-off-velocity allowance of that session was removed in the
 * sixteenth: the thrust angle in the boost state, test_pitch_hold.) */
static void test_thrust_law(void **state) {
  (void)state;
  mwx_track_filter_cfg cfg;
  mwx_track_filter_cfg_default(&cfg);
  assert_true(cfg.thrust_ve_mps == 0); /* the default: the model before */
  mwx_track_est e0;
  memset(&e0, 0, sizeof e0);
  mwx_geo_lla l = {39.0, 127.0, 100e3};
  double east[3], enu_e[3] = {1, 0, 0};
  mwx_geo_ecef_from_lla(&l, e0.x);
  mwx_geo_ecef_vec_from_enu(&l, enu_e, east);
  for (int i = 0; i < 3; i++)
    e0.x[3 + i] = 3000.0 * east[i];
  e0.x[6] = 60.0;
  for (int i = 0; i < 8; i++) /* no thrust angle in the state (P[8][8] 0) */
    e0.P[i][i] = i < 3 ? 1.0 : 0.01;
  mwx_track_est a = e0, b = e0;
  assert_int_equal(mwx_track_predict(&cfg, MWX_TRACK_BOOST, &a, 10 * S_NS), 0);
  NEAR(a.x[6], 60.0, 1e-9); /* a random walk: the mean stays */
  cfg.thrust_ve_mps = MWX_TRACK_THRUST_VE_MPS;
  assert_int_equal(mwx_track_predict(&cfg, MWX_TRACK_BOOST, &b, 10 * S_NS), 0);
  double want = 60.0 / (1.0 - 60.0 * 10.0 / MWX_TRACK_THRUST_VE_MPS); /* 76.74 m/s^2 */
  printf("    thrust after 10 s from 60 m/s^2: %.4f (closed form %.4f)\n", b.x[6], want);
  NEAR(b.x[6], want, 1e-3);
}

/* The truth's thrust for test_pitch_hold: along the velocity's horizontal
 * azimuth at the fixed elevation el above the geocentric horizontal (the
 * simulator's pitch program after its pitch-over, src/ballistic/vehicle.c). */
static void held_deriv(const double *y, double a_mps2, double el, double *dy) {
  double g[3], r = 0, w = 0, h[3], hn = 0;
  mwx_ballistic_accel_free_ecef(y, y + 3, 0.0, g);
  for (int i = 0; i < 3; i++)
    r += y[i] * y[i];
  r = sqrt(r);
  for (int i = 0; i < 3; i++)
    w += y[3 + i] * y[i] / r;
  for (int i = 0; i < 3; i++) {
    h[i] = y[3 + i] - w * y[i] / r;
    hn += h[i] * h[i];
  }
  hn = sqrt(hn);
  for (int i = 0; i < 3; i++) {
    dy[i] = y[3 + i];
    dy[3 + i] = g[i] + a_mps2 * (cos(el) * h[i] / hn + sin(el) * y[i] / r);
  }
}

/* The velocity's elevation above the geocentric horizontal (rad). */
static double vel_elev(const double *x) {
  double r = 0, v = 0, w = 0;
  for (int i = 0; i < 3; i++) {
    r += x[i] * x[i];
    v += x[3 + i] * x[3 + i];
    w += x[i] * x[3 + i];
  }
  return asin(w / sqrt(r * v));
}

/* The boost model's thrust angle (x[8], thirteenth session): with
 * pitch_hold its mean flies a thrust held at a fixed elevation, as the
 * simulator's pitch program does; without it the angle to the velocity is
 * constant (the thrust turns with the velocity); an estimate without the
 * angle (P[8][8] = 0) is the model of before to the bit. */
static void test_pitch_hold(void **state) {
  (void)state;
  mwx_track_est e0;
  memset(&e0, 0, sizeof e0);
  mwx_geo_lla l = {39.0, 127.0, 60e3};
  double east[3], up[3], enu_e[3] = {1, 0, 0}, enu_u[3] = {0, 0, 1};
  mwx_geo_ecef_from_lla(&l, e0.x);
  mwx_geo_ecef_vec_from_enu(&l, enu_e, east);
  mwx_geo_ecef_vec_from_enu(&l, enu_u, up);
  for (int i = 0; i < 3; i++) /* 2 km/s at 40 deg (geodetic) */
    e0.x[3 + i] = 2000.0 * (cos(40 * M_PI / 180) * east[i] + sin(40 * M_PI / 180) * up[i]);
  e0.x[6] = 50.0;
  for (int i = 0; i < 8; i++)
    e0.P[i][i] = i < 3 ? 1.0 : 0.01;
  double alpha0 = 8.0 * M_PI / 180.0, el = vel_elev(e0.x) + alpha0;
  /* the truth: RK4 at 10 ms for 30 s with the thrust at elevation el */
  double y[6], k[4][6], t[6];
  memcpy(y, e0.x, sizeof y);
  for (int s = 0; s < 3000; s++) {
    double h = 0.01;
    held_deriv(y, 50.0, el, k[0]);
    for (int i = 0; i < 6; i++)
      t[i] = y[i] + 0.5 * h * k[0][i];
    held_deriv(t, 50.0, el, k[1]);
    for (int i = 0; i < 6; i++)
      t[i] = y[i] + 0.5 * h * k[1][i];
    held_deriv(t, 50.0, el, k[2]);
    for (int i = 0; i < 6; i++)
      t[i] = y[i] + h * k[2][i];
    held_deriv(t, 50.0, el, k[3]);
    for (int i = 0; i < 6; i++)
      y[i] += h / 6.0 * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]);
  }
  mwx_track_filter_cfg cfg;
  mwx_track_filter_cfg_default(&cfg);
  cfg.pitch_sigma0_deg = 10.0;
  mwx_track_est a = e0, b = e0, c = e0;
  mwx_track_pitch_prior(&cfg, &a);
  assert_true(fabs(a.P[8][8] - pow(10.0 * M_PI / 180.0, 2)) < 1e-12 && a.x[8] == 0);
  a.x[8] = b.x[8] = alpha0;
  a.P[8][8] = b.P[8][8] = 1e-4;
  cfg.pitch_hold = 1;
  cfg.q_pitch_deg2ps = 0.1;
  assert_int_equal(mwx_track_predict(&cfg, MWX_TRACK_BOOST, &a, 30 * S_NS), 0);
  mwx_track_filter_cfg cnh = cfg;
  cnh.pitch_hold = 0;
  assert_int_equal(mwx_track_predict(&cnh, MWX_TRACK_BOOST, &b, 30 * S_NS), 0);
  double da = 0, db = 0;
  for (int i = 0; i < 3; i++) {
    da += (a.x[i] - y[i]) * (a.x[i] - y[i]);
    db += (b.x[i] - y[i]) * (b.x[i] - y[i]);
  }
  da = sqrt(da);
  db = sqrt(db);
  double el_a = vel_elev(a.x) + a.x[8];
  printf("    held elevation, 30 s at 50 m/s^2: position off the truth %.2f m (angle constant instead: %.0f m); "
         "thrust elevation %.4f deg (truth %.4f), angle %.3f -> %.3f deg\n",
         da, db, el_a * 180 / M_PI, el * 180 / M_PI, alpha0 * 180 / M_PI, a.x[8] * 180 / M_PI);
  assert_true(da < 5.0);   /* the model's RK4 at 0.25 s against 10 ms */
  assert_true(db > 20.0);  /* the angle held to the velocity is another flight (0.4 deg of turn: 51 m) */
  NEAR(el_a, el, 1e-4);
  NEAR(b.x[8], alpha0, 1e-12);
  /* the random walk: without the held law P[8][8] grows by q T exactly;
   * with it less (a thrust pitched higher turns the velocity up faster, so
   * the angle to it closes: d(x[8]')/d x[8] = -a cos x[8] / |v| < 0) */
  double dvar = b.P[8][8] - 1e-4, dvar_h = a.P[8][8] - 1e-4, want = 0.1 * 30 * pow(M_PI / 180.0, 2);
  printf("    angle variance growth over 30 s: %.4g rad^2 (q T %.4g), with the held law %.4g\n", dvar, want, dvar_h);
  NEAR(dvar, want, 1e-9 * want + 1e-15);
  assert_true(dvar_h > 0.3 * want && dvar_h < want);
  /* no angle in the state: the law and the noise do not apply, bit for bit
   * the thrust along the velocity */
  mwx_track_filter_cfg c0;
  mwx_track_filter_cfg_default(&c0);
  assert_true(c0.pitch_sigma0_deg == MWX_TRACK_PITCH_SIGMA0_DEG && c0.pitch_hold == 1); /* the defaults */
  c0.pitch_sigma0_deg = 0; /* the model of before: no law, no noise */
  c0.q_pitch_deg2ps = 0;
  c0.pitch_hold = 0;
  mwx_track_est d = e0;
  assert_int_equal(mwx_track_predict(&cfg, MWX_TRACK_BOOST, &c, 30 * S_NS), 0);
  assert_int_equal(mwx_track_predict(&c0, MWX_TRACK_BOOST, &d, 30 * S_NS), 0);
  assert_memory_equal(c.x, d.x, sizeof c.x);
  assert_memory_equal(c.P, d.P, sizeof c.P);
  assert_true(c.x[8] == 0 && c.P[8][8] == 0);
}


/* The boost covariance (issue 13, seventeenth session): JPN's fused track in boost, the covariance
 * intersection of the three nations' Track samples, against the best single nation on 2022-11-18
 * (mwx_fuse_pipe: the trackers and the Track samples of the nodes, bench_fuse's pipeline), 20 seeds,
 * every 5-s bin of the powered flight from +110 s (where every nation holds the missile in every seed)
 * to +320 s.  CI leans on the member that claims the smaller covariance; with the boost model's white
 * acceleration at 100 m^2/s^3 (before this session) every tracker's boost covariance was loose and
 * KOR's the loosest against its error (+145 s: KOR 53 m off claiming 67, the USA 63 m off claiming 64;
 * BENCHMARKS.md), the fused track followed the USA and was 1.21x the best nation's RMS position at
 * +145 s and 1.33x its velocity at +125 s; with 10 m^2/s^3 (docs/track.md "Process noise": the drag
 * of a booster that the thrust state does not take) 1.02x and 1.09x.  Also the trackers' own boost
 * error: the USA's RMS position over those bins 36.8 m before, 29.1 m now. */
#define BOOST_SEEDS 20
#define BOOST_BIN_S 5
#define BOOST_BINS (320 / BOOST_BIN_S + 1)
static void test_boost_fused_vs_best(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/2022-11-18-hwasong17.json", MWX_SOURCE_DIR);
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  memset(&sc, 0, sizeof sc);
  memset(&truth, 0, sizeof truth);
  assert_int_equal(mwx_sim_scenario_load(path, &sc), 0);
  assert_int_equal(mwx_sim_truth_init(&truth, &sc, 1.0), 0);
  /* squared errors per bin: [0] fused, [1 + k] nation k; counts */
  static double se_p[BOOST_BINS][4], se_v[BOOST_BINS][4];
  static int n[BOOST_BINS][4], powered[BOOST_BINS];
  memset(se_p, 0, sizeof se_p);
  memset(se_v, 0, sizeof se_v);
  memset(n, 0, sizeof n);
  memset(powered, 0, sizeof powered);
  const int64_t L0 = truth.launch_ns[0];
  for (uint64_t seed = 1; seed <= BOOST_SEEDS; seed++) {
    mwx_fuse_pipe_opts po;
    mwx_fuse_pipe_opts_default(&po);
    po.seed = seed;
    mwx_fuse_pipe *pp = NULL;
    mwx_fuser *fz = NULL;
    mwx_fuse_config fc;
    mwx_fuse_config_default(&fc);
    assert_int_equal(mwx_fuse_pipe_create(&sc, &truth, &po, &pp), 0);
    assert_int_equal(mwx_fuse_create(&fc, &fz), 0);
    for (;;) {
      int end = 0;
      assert_int_equal(mwx_fuse_pipe_step(pp, &end), 0);
      if (end)
        break;
      int64_t t = mwx_fuse_pipe_time(pp), since = t - L0;
      assert_int_equal(mwx_fuse_pipe_deliver(pp, 1, 7u, fz), 0);
      if (since > 320 * S_NS)
        break;
      if (since < 110 * S_NS || since % (BOOST_BIN_S * S_NS))
        continue;
      int b = (int)(since / (BOOST_BIN_S * S_NS));
      mwx_sim_truth_state st;
      if (mwx_sim_truth_at(&truth, 0, t, &st) || !st.in_flight || !st.powered)
        continue;
      powered[b] = 1;
      for (int k = 0; k < 4; k++) { /* the estimate nearest the truth within 50 km */
        double best = 50e3, e[6] = {0};
        int found = 0;
        if (k == 0) {
          for (size_t i = 0; i < mwx_fuse_count(fz); i++) {
            mwx_fuse_track ft;
            if (mwx_fuse_get(fz, i, t, &ft)) {
              mwx_error_clear();
              continue;
            }
            double d = sqrt(pow(ft.x[0] - st.pos_ecef_m[0], 2) + pow(ft.x[1] - st.pos_ecef_m[1], 2) +
                            pow(ft.x[2] - st.pos_ecef_m[2], 2));
            if (d < best) {
              best = d, found = 1;
              for (int c = 0; c < 3; c++)
                e[c] = ft.x[c] - st.pos_ecef_m[c], e[3 + c] = ft.x[3 + c] - st.vel_ecef_mps[c];
            }
          }
        } else {
          const mwx_tracker *tr = mwx_fuse_pipe_tracker(pp, k - 1);
          for (size_t i = 0; i < mwx_track_count(tr); i++) {
            mwx_track_info in;
            mwx_track_est est;
            if (mwx_track_get(tr, i, &in) || in.status != MWX_TRACK_CONFIRMED || mwx_track_state_at(tr, i, t, &est)) {
              mwx_error_clear();
              continue;
            }
            double d = sqrt(pow(est.x[0] - st.pos_ecef_m[0], 2) + pow(est.x[1] - st.pos_ecef_m[1], 2) +
                            pow(est.x[2] - st.pos_ecef_m[2], 2));
            if (d < best) {
              best = d, found = 1;
              for (int c = 0; c < 3; c++)
                e[c] = est.x[c] - st.pos_ecef_m[c], e[3 + c] = est.x[3 + c] - st.vel_ecef_mps[c];
            }
          }
        }
        if (!found)
          continue;
        n[b][k]++;
        se_p[b][k] += e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
        se_v[b][k] += e[3] * e[3] + e[4] * e[4] + e[5] * e[5];
      }
    }
    mwx_fuse_destroy(fz);
    mwx_fuse_pipe_destroy(pp);
  }
  double worst_p = 0, worst_v = 0, usa_se = 0;
  int bins = 0, at_p = 0, at_v = 0, usa_n = 0;
  for (int b = 0; b < BOOST_BINS; b++) {
    if (!powered[b] || n[b][0] < BOOST_SEEDS)
      continue;
    double bp = INFINITY, bv = INFINITY;
    for (int k = 1; k < 4; k++)
      if (n[b][k] == BOOST_SEEDS) {
        bp = fmin(bp, sqrt(se_p[b][k] / BOOST_SEEDS));
        bv = fmin(bv, sqrt(se_v[b][k] / BOOST_SEEDS));
      }
    if (!isfinite(bp))
      continue;
    bins++;
    double rp = sqrt(se_p[b][0] / BOOST_SEEDS) / bp, rv = sqrt(se_v[b][0] / BOOST_SEEDS) / bv;
    if (rp > worst_p)
      worst_p = rp, at_p = b * BOOST_BIN_S;
    if (rv > worst_v)
      worst_v = rv, at_v = b * BOOST_BIN_S;
    if (n[b][3] == BOOST_SEEDS)
      usa_se += se_p[b][3], usa_n += BOOST_SEEDS;
  }
  double usa_rms = usa_n ? sqrt(usa_se / usa_n) : NAN;
  printf("    2022-11-18, %d seeds, %d boost bins: fused / best nation worst %.3fx position (+%d s), %.3fx velocity "
         "(+%d s); the USA's RMS position %.1f m\n",
         BOOST_SEEDS, bins, worst_p, at_p, worst_v, at_v, usa_rms);
  assert_true(bins >= 35);
  assert_true(worst_p <= 1.10); /* 1.21 with q_boost 100 */
  assert_true(worst_v <= 1.20); /* 1.33 */
  assert_true(usa_rms <= 33.0); /* 36.8 */
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
}

/* argv[1], when given: run only the tests whose names match it (cmocka's
 * pattern, e.g. "test_thrust_*"), for a slow build such as ASan's */
int main(int argc, char **argv) {
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_burnout_check),   cmocka_unit_test(test_phase_quality),
      cmocka_unit_test(test_lost_while_powered), cmocka_unit_test(test_staging_coast),
      cmocka_unit_test(test_srbm_class), cmocka_unit_test(test_beta_off), cmocka_unit_test(test_srbm_first_prediction),      cmocka_unit_test(test_second_track_bias),
      cmocka_unit_test(test_burnout_mixture), cmocka_unit_test(test_provisional_iff),
      cmocka_unit_test(test_midcourse_nees), cmocka_unit_test(test_staging_coast_velocity), cmocka_unit_test(test_thrust_law),
      cmocka_unit_test(test_pitch_hold), cmocka_unit_test(test_boost_fused_vs_best), cmocka_unit_test(test_pred_trace), cmocka_unit_test(test_thrust_chart),
      cmocka_unit_test(test_picture_chain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
