/*
 * fixture_node.h - test fixture (tests only, not libmwx): the scenario and
 * the offline node configuration that the node's worker tests (the launch
 * fit's pool, the fusion worker) share.  Single-threaded use.
 */
#ifndef MWX_FIXTURE_NODE_H
#define MWX_FIXTURE_NODE_H

#include <stddef.h>

#include "mwx/node.h"

/* Writes to path a scenario of n launches of the 2022-11-18 Hwasong-17
 * profile (scenarios/2022-11-18-hwasong17.json: launch point, apogee, range,
 * azimuth), gap_s apart from 01:15:00Z, each from a site dlat_deg further
 * south than the one before (0: a one-pad salvo; 0.6 keeps the tracks
 * apart).  Fails the test if it cannot. */
void fx_node_write_salvo(const char *path, int n, int gap_s, double dlat_deg);

/* *cfg = mwx_node_config_init, then nation's offline node (no DDS) on the
 * scenario sc (a name without '/' is a file of the source tree's
 * scenarios/), the source tree's config/policy-<nation>.json and the journal
 * at journal (a file path); the rest as mwx_node_config_init leaves it. */
void fx_node_config(mwx_node_config *cfg, const char *nation, const char *sc, const char *journal);

/* *cfg = mwx_node_config_init, then KOR offline (no DDS) on the scenario sc
 * with the source tree's KOR policy, its journal dir/kor.db (synchronous
 * NORMAL, no plots journaled), event-driven (step_s 0), no launch fit. */
void fx_node_config_kor(mwx_node_config *cfg, const char *dir, const char *sc);

/* The worker tests' set-up in one call: the test directory name (fx_subdir,
 * returned in dir), a salvo of n launches gap_s apart written there as file
 * (fx_node_write_salvo) and KOR's offline configuration on it
 * (fx_node_config_kor).  Fails the test if it cannot. */
void fx_node_salvo_kor(mwx_node_config *cfg, const char *name, const char *file, int n, int gap_s, char *dir,
                       size_t dir_cap);

#endif
