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

/* Which missile each confirmed track of one nation's tracker is on
 * (tests/test_track_init.c, bench/bench_track_dup.c).  A tracker (default
 * configuration) fed the simulator's plots of nation ("ALL": every plot;
 * mwx_assess_drive, as the node and mwx track run it) with seed, stepped every
 * second from the epoch to end_ns.  After each step a track seen CONFIRMED
 * for the first time is put on the missile whose truth at the track's
 * estimate time is nearest its estimate, if within FX_MATCH_M (evaluation
 * only), else counted in *stray.  per[] (s->sc.n_launches entries, the
 * caller's) receives per missile the tracks ever confirmed on it (the first
 * FX_TRACK_IDS of their ids and confirmation times), the most live
 * confirmed tracks on it at one time and the seconds with 2 or more. */
#define FX_MATCH_M 100e3
#define FX_TRACK_IDS 8
typedef struct fx_missile_tracks {
  int confirmed;
  int max_live;
  long dup_s;
  uint32_t id[FX_TRACK_IDS];
  int64_t t_confirm_ns[FX_TRACK_IDS];
} fx_missile_tracks;
int fx_scenario_tracks_per_missile(const fx_scenario *s, const char *nation, uint64_t seed, int64_t end_ns,
                                   fx_missile_tracks *per, long *stray);

#endif
