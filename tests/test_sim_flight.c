/*
 * test_sim_flight.c - the sim module with real flights (truth from the
 * ballistic module): who sees what in the published launches with the
 * default laydown (data/sensors/default.json), space IR sees only powered
 * flight, measurement noise matches its sigmas, false-plot rates, the clock of
 * the source, and determinism with a seed.
 *
 * The geography being checked: North Korean launch sites are inland, 300-500 km
 * from South Korea's radars and 900-1,200 km from Japan's, so the Earth's
 * curvature hides a rising missile from Japan until it is tens of kilometres
 * up (horizon: d = sqrt(2 R H), H = 58 km at 860 km), while Korea sees it within
 * a minute; the lofted ICBMs fall into the Sea of Japan 200-300 km off Japan,
 * over 800 km from Korea's radars (the limit of the Green Pine's published
 * range, Yonhap 2022-10-19), so only Japan (and the US radars in Japan) see
 * the fall.
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

#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/sim.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

typedef struct fixture {
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
} fixture;

static void load(const char *name, fixture *f) {
  char path[512];
  snprintf(path, sizeof path, "%s/scenarios/%s.json", MWX_SOURCE_DIR, name);
  if (mwx_sim_scenario_load(path, &f->sc))
    fail_msg("%s", mwx_error_msg());
  if (mwx_sim_truth_init(&f->truth, &f->sc, 1.0))
    fail_msg("%s", mwx_error_msg());
}

static void unload(fixture *f) {
  mwx_sim_truth_fini(&f->truth);
  mwx_sim_scenario_fini(&f->sc);
}

static mwx_sim_truth_state state_at_s(const fixture *f, size_t m, double t_s) {
  mwx_sim_truth_state st;
  int64_t t = f->truth.launch_ns[m] + (int64_t)llround(t_s * 1e9);
  assert_int_equal(mwx_sim_truth_at(&f->truth, m, t, &st), 0);
  assert_true(st.in_flight);
  return st;
}

/* First time (s after launch) the missile is below h_m on the way down. */
static double fall_below(const fixture *f, size_t m, double h_m) {
  double ft = f->truth.traj[m].fig.flight_time_s, apo = f->truth.traj[m].fig.apogee_time_s;
  double lo = apo, hi = ft - 1e-3;
  while (hi - lo > 0.01) {
    double mid = 0.5 * (lo + hi);
    if (state_at_s(f, m, mid).lla.h_m > h_m)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

static int is_radar(const fixture *f, int k) { return f->sc.sensor[k].kind != MWX_SIM_SPACE_IR; }

/* The checks shared by the launches that fall into the Sea of Japan, and the
 * printout of who sees what (USA included). */
static void check_geography(const char *name, int fall_in_sea_of_japan) {
  fixture f;
  load(name, &f);
  /* the geometry of the legacy laydown (hard range cut-offs): with the radar
   * equation's instrumented ranges a Korean ship radar may see a fall, at a
   * low detection probability (test_radar_equation) */
  if (mwx_sim_scenario_use_sensors(&f.sc, "legacy"))
    fail_msg("%s", mwx_error_msg());
  mwx_sim_vis_row *rows;
  size_t n;
  if (mwx_sim_visibility(&f.sc, &f.truth, 1, &rows, &n))
    fail_msg("%s", mwx_error_msg());
  assert_int_equal(n, f.sc.n_sensors);
  double t_term = fall_below(&f, 0, 50e3);
  print_message("%s: flight %.0f s, apogee %.0f km, below 50 km on the way down at %.0f s\n", name,
                f.truth.traj[0].fig.flight_time_s, f.truth.traj[0].fig.apogee_km, t_term);

  /* Korea's radars detect first among radars. */
  int first = -1;
  for (size_t i = 0; i < n; i++)
    if (rows[i].detected && is_radar(&f, rows[i].sensor) &&
        (first < 0 || rows[i].first_detect_s < rows[first].first_detect_s))
      first = (int)i;
  assert_true(first >= 0);
  assert_string_equal(rows[first].nation, "KOR");

  mwx_geo_lla launch = {f.sc.launch[0].lat_deg, f.sc.launch[0].lon_deg, 0.0};
  double launch_x[3];
  mwx_geo_ecef_from_lla(&launch, launch_x);
  int jpn_sees_fall = 0;
  for (size_t i = 0; i < n; i++) {
    const mwx_sim_vis_row *r = &rows[i];
    const mwx_sim_sensor *s = &f.sc.sensor[r->sensor];
    if (r->detected)
      print_message("  %-22s %s  visible %7.1f..%7.1f s  detected %7.1f..%7.1f s  "
                    "(first detection at %.1f km altitude)\n",
                    r->sensor_id, r->nation, r->first_visible_s, r->last_visible_s,
                    r->first_detect_s, r->last_detect_s,
                    state_at_s(&f, 0, r->first_detect_s).lla.h_m / 1e3);
    if (!strcmp(r->nation, "JPN")) {
      /* Japan's sensors cannot see the launch point ... */
      mwx_geo_lla at;
      mwx_sim_look look;
      assert_int_equal(mwx_sim_sensor_state_at(s, f.sc.epoch_ns, f.sc.epoch_ns, &at, NULL, NULL), 0);
      assert_int_equal(mwx_sim_sensor_look(s, &at, launch_x, 0.0, &look), 0);
      assert_int_not_equal(look.reason, MWX_SIM_VISIBLE);
      /* ... and first detect the missile when it is high up (> 30 km). */
      if (r->detected && r->first_detect_s < f.truth.traj[0].fig.apogee_time_s)
        assert_true(state_at_s(&f, 0, r->first_detect_s).lla.h_m > 30e3);
      if (r->detected && r->last_detect_s >= t_term)
        jpn_sees_fall = 1;
    }
    /* No Korean sensor sees the fall. */
    if (!strcmp(r->nation, "KOR") && r->visible)
      assert_true(r->last_visible_s < t_term);
  }
  if (fall_in_sea_of_japan)
    assert_true(jpn_sees_fall);
  free(rows);
  unload(&f);
}

static void test_geography_2022_11_18(void **state) {
  (void)state;
  check_geography("2022-11-18-hwasong17", 1);
}

/* 2022-10-04: the IRBM overflew Aomori and fell 3,200 km east of Japan:
 * no radar of the laydown sees its fall; Japan's radars see it pass over. */
static void test_geography_2022_10_04(void **state) {
  (void)state;
  check_geography("2022-10-04-hwasong12", 0);
  fixture f;
  load("2022-10-04-hwasong12", &f);
  mwx_sim_vis_row *rows;
  size_t n;
  assert_int_equal(mwx_sim_visibility(&f.sc, &f.truth, 1, &rows, &n), 0);
  int over_japan = 0;
  double t_term = fall_below(&f, 0, 50e3);
  for (size_t i = 0; i < n; i++) {
    if (rows[i].visible)
      assert_true(rows[i].last_visible_s < t_term);
    if (!strcmp(rows[i].nation, "JPN") && rows[i].detected) {
      /* Aomori: about 140-141.5 E (Asahi Shimbun: the missile passed over it) */
      double lon = state_at_s(&f, 0, rows[i].last_detect_s).lla.lon_deg;
      if (lon > 140.0)
        over_japan = 1;
    }
  }
  assert_true(over_japan);
  free(rows);
  unload(&f);
}

/* The other launches into Japan's EEZ behave alike. */
static void test_geography_others(void **state) {
  (void)state;
  check_geography("2017-07-04-hwasong14", 1);
  check_geography("2017-11-29-hwasong15", 1);
  check_geography("2023-02-18-hwasong15", 1);
}

/* ---- plots ------------------------------------------------------------------- */

typedef struct collect {
  mwx_sim_plot *p;
  size_t n, cap;
  int64_t until;
  int stop_after;
} collect;

static int collect_cb(const mwx_sim_plot *p, void *ctx) {
  collect *c = ctx;
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 4096;
    c->p = realloc(c->p, c->cap * sizeof *c->p);
    assert_non_null(c->p);
  }
  assert_true(p->time_ns <= c->until);
  if (c->n)
    assert_true(p->time_ns >= c->p[c->n - 1].time_ns);
  c->p[c->n++] = *p;
  if (c->stop_after && (int)c->n == c->stop_after)
    return 42;
  return 0;
}

static void run_all(const fixture *f, uint64_t seed, int64_t step_ns, collect *c) {
  mwx_sim_source *src;
  memset(c, 0, sizeof *c);
  assert_int_equal(mwx_sim_source_init(&src, &f->sc, &f->truth, seed), 0);
  int64_t t = f->sc.epoch_ns;
  while (mwx_sim_source_next_ns(src) != INT64_MAX) {
    t = step_ns ? t + step_ns : INT64_MAX;
    c->until = t;
    assert_int_equal(mwx_sim_source_advance(src, t, collect_cb, c), 0);
    if (step_ns)
      assert_true(mwx_sim_source_next_ns(src) > t);
  }
  mwx_sim_source_fini(src);
}

static int same_plot(const mwx_sim_plot *a, const mwx_sim_plot *b) {
  return a->time_ns == b->time_ns && a->sensor_index == b->sensor_index && a->face == b->face &&
         a->range_m == b->range_m && a->az_deg == b->az_deg && a->el_deg == b->el_deg &&
         a->los_ecef[0] == b->los_ecef[0] && a->los_ecef[1] == b->los_ecef[1] &&
         a->los_ecef[2] == b->los_ecef[2] && a->truth.missile == b->truth.missile;
}

/* Same seed: the same plots whether advanced in one go or in 0.37 s steps;
 * another seed: different plots. */
static void test_determinism_and_clock(void **state) {
  (void)state;
  fixture f;
  load("2022-11-18-hwasong17", &f);
  collect a, b, c;
  run_all(&f, 7, 0, &a);
  run_all(&f, 7, 370000000LL, &b);
  run_all(&f, 8, 0, &c);
  assert_int_equal(a.n, b.n);
  for (size_t i = 0; i < a.n; i++)
    assert_true(same_plot(&a.p[i], &b.p[i]));
  size_t differ = 0;
  for (size_t i = 0; i < a.n && i < c.n; i++)
    differ += !same_plot(&a.p[i], &c.p[i]);
  assert_true(differ > a.n / 2);
  /* A callback that stops the advance: its code comes back. */
  mwx_sim_source *src;
  collect d;
  memset(&d, 0, sizeof d);
  d.until = INT64_MAX;
  d.stop_after = 10;
  assert_int_equal(mwx_sim_source_init(&src, &f.sc, &f.truth, 7), 0);
  assert_int_equal(mwx_sim_source_advance(src, INT64_MAX, collect_cb, &d), 42);
  assert_int_equal(d.n, 10);
  mwx_sim_source_fini(src);
  free(d.p);
  free(a.p);
  free(b.p);
  free(c.p);
  unload(&f);
}

/* Space IR reports only powered flight; radar noise has the stated sigmas
 * (sample moments within 5 standard errors); false plots come at the stated
 * rate; every sensor id and nation is carried. */
static void test_ir_noise_false(void **state) {
  (void)state;
  fixture f;
  load("2022-11-18-hwasong17", &f);
  collect a;
  run_all(&f, 3, 0, &a);
  size_t n_ir = 0, n_false = 0, n_res = 0;
  double burnout = f.truth.traj[0].fig.burnout_time_s;
  double sum_r = 0, sum_r2 = 0, sum_a = 0, sum_a2 = 0, sum_ir2 = 0;
  int k_gp = -1;
  for (size_t k = 0; k < f.sc.n_sensors; k++)
    if (!strcmp(f.sc.sensor[k].id, "KOR-GP-CHUNGNAM"))
      k_gp = (int)k;
  assert_true(k_gp >= 0);
  const mwx_sim_sensor *gp = &f.sc.sensor[k_gp];
  for (size_t i = 0; i < a.n; i++) {
    const mwx_sim_plot *p = &a.p[i];
    const mwx_sim_sensor *s = &f.sc.sensor[p->sensor_index];
    assert_string_equal(p->sensor_id, s->id);
    assert_string_equal(p->nation, s->nation);
    NEAR(hypot(hypot(p->los_ecef[0], p->los_ecef[1]), p->los_ecef[2]), 1.0, 1e-12);
    if (p->truth.missile < 0) {
      n_false++;
      continue;
    }
    mwx_sim_truth_state st;
    assert_int_equal(mwx_sim_truth_at(&f.truth, 0, p->time_ns, &st), 0);
    double d[3] = {st.pos_ecef_m[0] - p->sensor_pos_ecef_m[0],
                   st.pos_ecef_m[1] - p->sensor_pos_ecef_m[1],
                   st.pos_ecef_m[2] - p->sensor_pos_ecef_m[2]};
    double rng = hypot(hypot(d[0], d[1]), d[2]);
    if (p->kind == MWX_SIM_PLOT_IR) {
      n_ir++;
      assert_true(st.powered);
      assert_true(st.t_s <= burnout + 1e-9);
      double dot = (d[0] * p->los_ecef[0] + d[1] * p->los_ecef[1] + d[2] * p->los_ecef[2]) / rng;
      double ang = acos(fmin(1.0, dot));
      sum_ir2 += ang * ang;
    } else if (p->sensor_index == k_gp) {
      mwx_geo_lla at;
      double az, el, r;
      mwx_geo_lla_from_ecef(p->sensor_pos_ecef_m, &at);
      mwx_geo_aer_from_ecef(&at, st.pos_ecef_m, &az, &el, &r);
      /* residuals in units of the plot's own sigma (the radar equation
       * scales it with the SNR; the reference sigma at the reference SNR) */
      double e = (p->range_m - r) / p->sigma_range_m, ea = remainder(p->az_deg - az, 360.0) / p->sigma_az_deg;
      assert_true(p->sigma_range_m >= MWX_SIM_SIGMA_FLOOR * gp->sigma_range_m * (1 - 1e-9));
      sum_r += e;
      sum_r2 += e * e;
      sum_a += ea;
      sum_a2 += ea * ea;
      n_res++;
    }
  }
  assert_true(n_ir > 50);
  assert_true(n_res > 100);
  /* IR: the angle error of a 2-D isotropic Gaussian has E[ang^2] = 2 sigma^2 */
  const mwx_sim_sensor *ir = NULL;
  for (size_t k = 0; k < f.sc.n_sensors; k++)
    if (f.sc.sensor[k].kind == MWX_SIM_SPACE_IR)
      ir = &f.sc.sensor[k];
  assert_non_null(ir);
  double rms_ir = sqrt(sum_ir2 / (double)n_ir / 2.0);
  NEAR(rms_ir, ir->sigma_los_rad, 5.0 * ir->sigma_los_rad / sqrt(2.0 * (double)n_ir));
  double nr = (double)n_res;
  NEAR(sum_r / nr, 0.0, 5.0 / sqrt(nr));
  NEAR(sqrt(sum_r2 / nr), 1.0, 5.0 / sqrt(2.0 * nr));
  NEAR(sum_a / nr, 0.0, 5.0 / sqrt(nr));
  NEAR(sqrt(sum_a2 / nr), 1.0, 5.0 / sqrt(2.0 * nr));
  /* False plots: sum over sensors of scans * faces * rate (Poisson, 5 sigma). */
  double expect = 0.0;
  double span_s = (double)(f.truth.end_ns - f.sc.epoch_ns) * 1e-9;
  for (size_t k = 0; k < f.sc.n_sensors; k++) {
    const mwx_sim_sensor *s = &f.sc.sensor[k];
    expect += floor(span_s / ((double)s->period_ns * 1e-9)) * s->n_faces * s->false_per_scan;
  }
  NEAR((double)n_false, expect, 5.0 * sqrt(expect) + 20.0);
  print_message("2022-11-18, seed 3: %zu plots, %zu false (expected %.0f), %zu IR; "
                "Green Pine residual rms %.1f m, %.3f deg; IR %.1f urad\n",
                a.n, n_false, expect, n_ir, sqrt(sum_r2 / nr), sqrt(sum_a2 / nr), rms_ir * 1e6);
  free(a.p);
  unload(&f);
}

/* The truth's powered flag (which drives the space IR's plume and the RCS)
 * is the flight's thrust: on every scenario, at each trajectory sample up to
 * burnout more than half a second from a change of the flag, an engine
 * burns (the acceleration less the free-flight force, at the boost's
 * ballistic coefficient, above 3 m/s^2) exactly when the flag says so (an
 * unpowered residual below 0.5 m/s^2).  The flag once used the stages'
 * nominal burn times, not the flight's dv_scale-shortened ones: on
 * 2022-11-18 it said "coast" at 140.5-145.5 s while stage 1 burnt at
 * 55-60 m/s^2 and "powered" through the coast that followed. */
static void test_powered_is_thrust(void **state) {
  (void)state;
  static const char *const names[] = {"2017-07-04-hwasong14", "2017-11-29-hwasong15", "2022-03-24-hwasong17",
                                      "2022-10-04-hwasong12", "2022-10-14-srbm",      "2022-11-18-hwasong17",
                                      "2023-02-18-hwasong15", "2023-03-16-hwasong17", "2023-04-13-hwasong18"};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    fixture f;
    load(names[k], &f);
    const mwx_ballistic_traj *tr = &f.truth.traj[0];
    const mwx_ballistic_launch *l = &f.truth.launch[0];
    int checked = 0, coast = 0;
    for (size_t i = 1; i < tr->n && tr->s[i].t_s < tr->fig.burnout_time_s - 0.5; i++) {
      const mwx_ballistic_sample *smp = &tr->s[i];
      int pw = state_at_s(&f, 0, smp->t_s).powered;
      if (state_at_s(&f, 0, smp->t_s - 0.5).powered != pw || state_at_s(&f, 0, smp->t_s + 0.5).powered != pw)
        continue; /* (at a change) */
      double free_acc[3];
      mwx_ballistic_accel_free_ecef(smp->pos_ecef_m, smp->vel_ecef_mps, l->veh.beta_boost_kgpm2, free_acc);
      double thrust = hypot(hypot(smp->acc_ecef_mps2[0] - free_acc[0], smp->acc_ecef_mps2[1] - free_acc[1]),
                            smp->acc_ecef_mps2[2] - free_acc[2]);
      if (pw ? thrust <= 3.0 : thrust >= 0.5)
        fail_msg("%s +%.1f s: powered %d, thrust %.2f m/s^2", names[k], smp->t_s, pw, thrust);
      checked++;
      coast += !pw;
    }
    assert_true(checked >= 50);
    if (l->veh.n_stages > 1)
      assert_true(coast >= 1); /* the staging coast was seen */
    unload(&f);
  }
}

/* Truth: before lift-off and after impact a missile is not in flight; the
 * salvo's identical requests give identical trajectories. */
static void test_truth(void **state) {
  (void)state;
  fixture f;
  load("2022-10-14-srbm", &f);
  mwx_sim_truth_state st;
  assert_int_equal(mwx_sim_truth_at(&f.truth, 0, f.sc.epoch_ns - 1, &st), 0);
  assert_false(st.in_flight);
  assert_int_equal(mwx_sim_truth_at(&f.truth, 0, f.truth.end_ns + 1000000, &st), 0);
  assert_false(st.in_flight);
  assert_int_equal(mwx_sim_truth_at(&f.truth, 0, f.sc.epoch_ns + 5000000000LL, &st), 0);
  assert_true(st.in_flight && st.powered);
  NEAR(st.t_s, 5.0, 1e-9);
  assert_int_equal(mwx_sim_truth_at(&f.truth, 1, f.sc.epoch_ns, &st), MWX_EINVAL);
  unload(&f);

  /* The salvo: 100 missiles, every fourth one the same request 2 s later. */
  load("salvo-100", &f);
  assert_int_equal(f.truth.n, 100);
  for (size_t m = 4; m < 100; m++) {
    assert_true(f.truth.launch_ns[m] == f.truth.launch_ns[m - 4] + 2000000000LL);
    assert_true(f.truth.traj[m].n == f.truth.traj[m - 4].n);
    NEAR(f.truth.traj[m].fig.apogee_km, f.truth.traj[m - 4].fig.apogee_km, 0.0);
  }
  for (size_t m = 0; m < 4; m++)
    NEAR(f.truth.traj[m].fig.apogee_km, f.sc.launch[m].apogee_km, 1e-4 * f.sc.launch[m].apogee_km);
  /* 21 s after the first launch groups 0..10 (launched at 0, 2, .., 20 s) fly: 44 missiles. */
  int airborne = 0;
  for (size_t m = 0; m < 100; m++) {
    assert_int_equal(mwx_sim_truth_at(&f.truth, m, f.sc.epoch_ns + 21000000000LL, &st), 0);
    airborne += st.in_flight;
  }
  assert_int_equal(airborne, 44);
  unload(&f);
}

/* Each flight's RV beta drawn (mwx_sim_truth_draw_beta): ln beta about the
 * class value with the sigma asked for, the same per seed, the boost
 * untouched, and a heavier RV flies further (less drag). */
static void test_truth_beta(void **state) {
  (void)state;
  fixture f;
  load("salvo-100", &f);
  mwx_ballistic_vehicle v;
  assert_int_equal(mwx_ballistic_vehicle_default(f.truth.launch[0].veh.cls, &v), 0);
  double b0 = v.beta_rv_kgpm2, bt0 = f.truth.traj[0].fig.burnout_time_s, r0 = f.truth.traj[0].fig.range_km;
  assert_int_equal(mwx_sim_truth_draw_beta(&f.truth, 7, 0.3), 0);
  double s1 = 0, s2 = 0, first = f.truth.launch[0].veh.beta_rv_kgpm2;
  int heavier_further = 0, lighter_shorter = 0;
  for (size_t m = 0; m < 100; m++) {
    mwx_ballistic_vehicle vm;
    assert_int_equal(mwx_ballistic_vehicle_default(f.truth.launch[m].veh.cls, &vm), 0);
    double z = log(f.truth.launch[m].veh.beta_rv_kgpm2 / vm.beta_rv_kgpm2);
    s1 += z;
    s2 += z * z;
    NEAR(f.truth.traj[m].fig.burnout_time_s, f.truth.traj[m % 4].fig.burnout_time_s, 1e-9);
    if (m < 4)
      continue;
    /* same request as m - 4: the range orders as the beta */
    double db = f.truth.launch[m].veh.beta_rv_kgpm2 - f.truth.launch[m - 4].veh.beta_rv_kgpm2;
    double dr = f.truth.traj[m].fig.range_km - f.truth.traj[m - 4].fig.range_km;
    heavier_further += db > 0 && dr > 0;
    lighter_shorter += db < 0 && dr < 0;
  }
  double mean = s1 / 100, sd = sqrt(s2 / 100 - mean * mean);
  print_message("salvo-100, seed 7: ln(beta / class beta) mean %.3f sd %.3f; range order follows beta %d + %d "
                "of 96\n", mean, sd, heavier_further, lighter_shorter);
  assert_true(fabs(mean) < 3 * 0.3 / 10);       /* 3 standard errors of the mean */
  assert_true(sd > 0.3 * 0.75 && sd < 0.3 * 1.25); /* sd of a 100-sample sd ~ 7% */
  assert_int_equal(heavier_further + lighter_shorter, 96);
  NEAR(f.truth.traj[0].fig.burnout_time_s, bt0, 1e-9);
  /* the same seed, the same draw (from the class median, not the last draw) */
  assert_int_equal(mwx_sim_truth_draw_beta(&f.truth, 7, 0.3), 0);
  NEAR(f.truth.launch[0].veh.beta_rv_kgpm2, first, 0);
  assert_int_equal(mwx_sim_truth_draw_beta(&f.truth, 8, 0.3), 0);
  assert_true(f.truth.launch[0].veh.beta_rv_kgpm2 != first);
  /* sigma 0: the class value and the fitted flight again */
  assert_int_equal(mwx_sim_truth_draw_beta(&f.truth, 8, 0.0), 0);
  NEAR(f.truth.launch[0].veh.beta_rv_kgpm2, b0, 0);
  NEAR(f.truth.traj[0].fig.range_km, r0, 1e-9);
  assert_int_equal(mwx_sim_truth_draw_beta(&f.truth, 8, 1.5), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "sigma of ln beta"));
  unload(&f);
  mwx_sim_truth z;
  memset(&z, 0, sizeof z);
  assert_int_equal(mwx_sim_truth_draw_beta(&z, 1, 0.3), MWX_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_truth),
      cmocka_unit_test(test_powered_is_thrust),
      cmocka_unit_test(test_truth_beta),
      cmocka_unit_test(test_geography_2022_11_18),
      cmocka_unit_test(test_geography_2022_10_04),
      cmocka_unit_test(test_geography_others),
      cmocka_unit_test(test_determinism_and_clock),
      cmocka_unit_test(test_ir_noise_false),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
