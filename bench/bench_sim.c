/*
 * bench_sim.c - how fast the plot source runs: 100 missiles in flight at once
 * (the four profiles of scenarios/salvo-100.json, all launched at the same
 * instant) seen by the default laydown with every sensor scanning at 10 Hz.
 * Reports simulated seconds per wall-clock second on one core, plots per
 * second, and the time to build the truth (fit + fly).
 *
 *   bench_sim [SIM_SECONDS]     (default 280: the SRBMs land at about 296 s)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/sim.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct counts {
  uint64_t plots, false_plots;
} counts;

static int count_cb(const mwx_sim_plot *p, void *ctx) {
  counts *c = ctx;
  c->plots++;
  c->false_plots += p->truth.missile < 0;
  return 0;
}

int main(int argc, char **argv) {
  double sim_s = argc > 1 ? atof(argv[1]) : 280.0;
  if (!(sim_s > 0.0)) {
    fprintf(stderr, "usage: bench_sim [SIM_SECONDS > 0]\n");
    return 2;
  }
  mwx_sim_scenario sc;
  mwx_sim_truth truth;
  if (mwx_sim_scenario_load(MWX_SOURCE_DIR "/scenarios/salvo-100.json", &sc)) {
    fprintf(stderr, "bench_sim: %s\n", mwx_error_msg());
    return 1;
  }
  for (size_t i = 0; i < sc.n_launches; i++)
    sc.launch[i].time_ns = sc.epoch_ns; /* simultaneous */
  for (size_t k = 0; k < sc.n_sensors; k++)
    sc.sensor[k].period_ns = 100000000; /* 10 Hz */
  double t0 = now_s();
  if (mwx_sim_truth_init(&truth, &sc, 1.0)) {
    fprintf(stderr, "bench_sim: %s\n", mwx_error_msg());
    return 1;
  }
  double t_truth = now_s() - t0;
  mwx_sim_source *src;
  if (mwx_sim_source_init(&src, &sc, &truth, 1)) {
    fprintf(stderr, "bench_sim: %s\n", mwx_error_msg());
    return 1;
  }
  counts c = {0, 0};
  t0 = now_s();
  int rc = mwx_sim_source_advance(src, sc.epoch_ns + (int64_t)(sim_s * 1e9), count_cb, &c);
  double wall = now_s() - t0;
  if (rc) {
    fprintf(stderr, "bench_sim: %s\n", mwx_error_msg());
    return 1;
  }
  printf("missiles %zu, sensors %zu at 10 Hz, simulated %.0f s\n", sc.n_launches, sc.n_sensors,
         sim_s);
  printf("truth (fit + fly, %zu launches): %.3f s wall\n", sc.n_launches, t_truth);
  printf("source: %.3f s wall, %.1f simulated s per wall s, %llu plots (%llu false), "
         "%.0f plots per wall s, %.0f looks per wall s\n",
         wall, sim_s / wall, (unsigned long long)c.plots, (unsigned long long)c.false_plots,
         (double)c.plots / wall, sim_s * 10.0 * (double)sc.n_sensors * (double)sc.n_launches / wall);
  mwx_sim_source_fini(src);
  mwx_sim_truth_fini(&truth);
  mwx_sim_scenario_fini(&sc);
  return 0;
}
