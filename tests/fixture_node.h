/*
 * fixture_node.h - test fixture (tests only, not libmwx): the scenario and
 * the offline node configuration that the node's worker tests (the launch
 * fit's pool, the fusion worker) share.  Single-threaded use.
 */
#ifndef MWX_FIXTURE_NODE_H
#define MWX_FIXTURE_NODE_H

#include "mwx/node.h"

/* Writes to path a scenario of n launches of the 2022-11-18 Hwasong-17
 * profile (scenarios/2022-11-18-hwasong17.json: apogee, range, azimuth),
 * gap_s apart, each from a site 0.6 deg further south so the tracks stay
 * apart.  Fails the test if it cannot. */
void fx_node_write_salvo(const char *path, int n, int gap_s);

/* *cfg = mwx_node_config_init, then KOR offline (no DDS) on the scenario sc
 * with the source tree's KOR policy, its journal dir/kor.db (synchronous
 * NORMAL, no plots journaled), event-driven (step_s 0), no launch fit. */
void fx_node_config_kor(mwx_node_config *cfg, const char *dir, const char *sc);

#endif
