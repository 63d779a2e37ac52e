/*
 * fixture_sim.h - test and benchmark fixture (not libmwx): a scenario file
 * loaded with its truth, and the simulator's plots of every nation run
 * through one tracker, as the launch-fit test and benchmark both need.
 * Returns 0 or a negative MWX_E* with mwx_error_msg() saying why; no cmocka,
 * so benchmarks link it too.  Single-threaded use.
 */
#ifndef MWX_FIXTURE_SIM_H
#define MWX_FIXTURE_SIM_H

#include <stdint.h>

#include "mwx/sim.h"
#include "mwx/track.h"

typedef struct fx_scenario {
  mwx_sim_scenario sc;
  mwx_sim_truth truth; /* sampled every second */
} fx_scenario;

/* Loads the scenario at path (a name without '/' is a file of the source
 * tree's scenarios/, e.g. "2022-10-04-hwasong12.json") and flies its truth at
 * 1 s steps.  *s need not be initialised; call fx_scenario_fini on it after,
 * whether this succeeded or not. */
int fx_scenario_load(const char *path, fx_scenario *s);

/* Frees what fx_scenario_load made; leaves *s zeroed. */
void fx_scenario_fini(fx_scenario *s);

/* Latest lift-off time of the scenario's launches (its epoch if none), ns UTC. */
int64_t fx_scenario_last_launch_ns(const fx_scenario *s);

/* A new tracker (default configuration) fed, in 1 s steps from the epoch
 * until end_ns, with every plot the simulator makes with seed (every
 * nation's sensors).  *tk is the caller's (mwx_track_destroy), NULL on
 * failure. */
int fx_scenario_track(const fx_scenario *s, uint64_t seed, int64_t end_ns, mwx_tracker **tk);

#endif
