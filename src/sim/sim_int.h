/*
 * sim_int.h - private parts of the sim module: the deterministic generator
 * (xoshiro256** seeded by splitmix64, Gaussians by the Marsaglia polar
 * method, Poisson counts by Knuth's product method) and the hook through which
 * the visibility table watches every look a source makes.
 */
#ifndef MWX_SIM_INT_H
#define MWX_SIM_INT_H

#include <stdint.h>

#include "mwx/sim.h"

/* xoshiro256** 1.0 (D. Blackman, S. Vigna, https://prng.di.unimi.it/). */
typedef struct sim_rng {
  uint64_t s[4];
  double spare;   /* second Gaussian of the last polar draw */
  int has_spare;
} sim_rng;

/* splitmix64 step (Vigna): advances *x and returns the next output. */
uint64_t sim_splitmix64(uint64_t *x);

/* Seeds a stream from (seed, stream): distinct streams are independent. */
void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(sim_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double sim_rng_uniform(sim_rng *r);
/* Standard normal (mean 0, variance 1). */
double sim_rng_gauss(sim_rng *r);
/* Poisson count of mean lambda (lambda < ~30; larger is clamped). */
int sim_rng_poisson(sim_rng *r, double lambda);

/* A sensor's position and local frame at one scan, computed once per scan. */
typedef struct sim_frame {
  mwx_geo_lla lla;
  double pos_ecef_m[3];
  double r_enu_from_ecef[3][3];
} sim_frame;

int sim_frame_init(const mwx_geo_lla *lla, sim_frame *fr);

/* mwx_sim_sensor_look with the frame already computed (inputs finite). */
void sim_look_frame(const mwx_sim_sensor *s, const sim_frame *fr, const double target_ecef_m[3],
                    double target_h_m, mwx_sim_look *look);

/* Called by a source for every (missile in flight, sensor) look of a scan:
 * visible is the geometric (and, for IR, boost-phase) verdict, detected says
 * whether a plot was emitted for it. */
typedef void (*sim_look_hook)(void *ctx, int missile, int sensor, double t_after_launch_s,
                              int visible, int detected);

void sim_source_set_look_hook(mwx_sim_source *src, sim_look_hook hook, void *ctx);

#endif /* MWX_SIM_INT_H */
