/*
 * release_int.h - helpers shared by the release module's files (policy.c,
 * release.c, queue.c); not part of the public API.
 */
#ifndef MWX_RELEASE_INT_H
#define MWX_RELEASE_INT_H

#include <stdint.h>

#include "mwx/release.h"

/* "sensors", "sensor_positions", "covariance", "contributors" for one bit. */
const char *mwx_release_field_name(uint32_t bit);

/* 1 if both rules can match the same partner, topic and missile class. */
int mwx_release_rules_overlap(const mwx_release_rule *a, const mwx_release_rule *b);

#endif
