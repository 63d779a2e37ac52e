/*
 * bench_ballistic.c - speed of the ballistic module on one core: raw
 * propagator steps, one full launch-to-impact flight of a lofted ICBM (the
 * 2022-11-18 Hwasong-17: apogee 6,040.9 km, range 999.2 km, KCNA), a
 * free-flight prediction to the ground, and the fitting.
 *
 *   ./build/bench_ballistic [repeats]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../src/ballistic/ballistic_int.h"
#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static volatile double sink;

/* Raw integrator: drag-free free flight from the 2022-11-18 burnout state
 * to impact, many times; counts accepted steps and derivative calls. */
static void bench_steps(const mwx_ballistic_traj *tr, int reps) {
  double beta = 0.0;
  long steps = 0, evals = 0;
  size_t k = 0;
  while (tr->s[k].t_s < tr->fig.burnout_time_s)
    k++;
  double t0 = now_s();
  for (int r = 0; r < reps; r++) {
    bal_ode o;
    double y[6], t = 0.0;
    for (int i = 0; i < 3; i++) {
      y[i] = tr->s[k].pos_ecef_m[i];
      y[i + 3] = tr->s[k].vel_ecef_mps[i];
    }
    bal_ode_init(&o, bal_rhs_free, &beta);
    bal_integrate(&o, &t, y, tr->fig.flight_time_s - tr->fig.burnout_time_s - 60.0, NULL, NULL,
                  NULL);
    steps += o.steps + o.rejected;
    evals += o.evals;
    sink = y[0];
  }
  double dt = now_s() - t0;
  printf("propagator: %ld steps (%ld per flight), %.0f steps/s, %.0f derivative calls/s\n", steps,
         steps / reps, steps / dt, evals / dt);
}

static void bench_fly(const mwx_ballistic_launch *l, int reps) {
  mwx_ballistic_figures f;
  double t0 = now_s();
  for (int r = 0; r < reps; r++) {
    mwx_ballistic_fly_figures(l, &f);
    sink = f.flight_time_s;
  }
  double dt = now_s() - t0;
  printf("fly_figures (Hwasong-17 2022-11-18, lift-off to impact): %.1f us per flight\n",
         1e6 * dt / reps);
  mwx_ballistic_traj tr = {0};
  t0 = now_s();
  for (int r = 0; r < reps / 10 + 1; r++) {
    mwx_ballistic_fly(l, 1.0, &tr);
    sink = tr.fig.flight_time_s;
  }
  dt = now_s() - t0;
  printf("fly with 1 s samples (%zu samples): %.1f us per flight\n", tr.n,
         1e6 * dt / (reps / 10 + 1));
  mwx_ballistic_traj_fini(&tr);
}

static void bench_predict(const mwx_ballistic_traj *tr, double beta, int reps) {
  size_t k = tr->n / 2;
  double p[3], v[3], el = 0.0;
  double t0 = now_s();
  for (int r = 0; r < reps; r++) {
    mwx_ballistic_propagate_to_height(tr->s[k].pos_ecef_m, tr->s[k].vel_ecef_mps, beta, 1, 0.0,
                                      7200.0, p, v, &el);
    sink = el;
  }
  double dt = now_s() - t0;
  double p1[3], v1[3];
  double t1 = now_s();
  for (int r = 0; r < 20 * reps; r++) {
    mwx_ballistic_propagate(tr->s[k].pos_ecef_m, tr->s[k].vel_ecef_mps, beta, 1.0, p1, v1);
    sink = p1[0];
  }
  printf("propagate by 1 s (a track update): %.2f us per call\n",
         1e6 * (now_s() - t1) / (20 * reps));
  printf("propagate_to_height (mid-course -> ground, %.0f s, drag): %.1f us per call\n", el,
         1e6 * dt / reps);
}

static void bench_fit(const mwx_ballistic_fit_req *q, int reps) {
  mwx_ballistic_launch l;
  mwx_ballistic_figures f;
  double t0 = now_s();
  for (int r = 0; r < reps; r++) {
    mwx_ballistic_fit(q, &l, &f);
    sink = f.range_km;
  }
  double dt = now_s() - t0;
  printf("fit (apogee %.1f km, range %.1f km): %.2f ms per fit\n", q->apogee_km, q->range_km,
         1e3 * dt / reps);
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 2000;
  if (reps < 10)
    reps = 10;
  mwx_ballistic_fit_req q = {39.20, 125.67, 72.0, 6040.9, 999.2, MWX_CLASS_ICBM};
  mwx_ballistic_launch l;
  mwx_ballistic_figures f;
  if (mwx_ballistic_fit(&q, &l, &f)) {
    fprintf(stderr, "bench_ballistic: %s\n", mwx_error_msg());
    return 1;
  }
  mwx_ballistic_traj tr = {0};
  mwx_ballistic_fly(&l, 1.0, &tr);
  bench_steps(&tr, reps);
  bench_fly(&l, reps);
  bench_predict(&tr, l.veh.beta_rv_kgpm2, reps);
  bench_fit(&q, reps / 40 + 1);
  mwx_ballistic_fit_req dep = {39.20, 125.67, 72.0, 1000.0, 13000.0, MWX_CLASS_ICBM};
  bench_fit(&dep, reps / 200 + 1);
  mwx_ballistic_traj_fini(&tr);
  return 0;
}
