/*
 * samples.h - test helper (header only, static): fills an mwx_msg of any
 * topic with every optional field present and plausible values drawn from a
 * small seeded PRNG, so tests of msg, release and journal share one source
 * of realistic samples.  No state outside the caller's PRNG word.
 */
#ifndef MWX_TEST_SAMPLES_H
#define MWX_TEST_SAMPLES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mwx/msg.h"

/* xorshift64*: deterministic for a given seed. */
static inline uint64_t ts_rand(uint64_t *s) {
  uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}
static inline double ts_uniform(uint64_t *s, double lo, double hi) {
  return lo + (hi - lo) * (double)(ts_rand(s) >> 11) / 9007199254740992.0;
}

/* A full sample of topic from originator (releasable to itself only). */
static inline void ts_sample(mwx_msg *m, mwx_msg_topic topic, const char *originator, uint64_t *rng) {
  memset(m, 0, sizeof *m);
  m->topic = (uint8_t)topic;
  memcpy(m->mark.originator, originator, 4);
  m->mark.classification = MWX_CLASSIF_SECRET;
  mwx_msg_marking_add(&m->mark, originator);
  m->mark.seq = 1 + ts_rand(rng) % 100000;
  mwx_msg_sources *src = NULL;
  switch (topic) {
  case MWX_TOPIC_TRACK: {
    mwx_msg_track *t = &m->u.track;
    m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS;
    t->global_track_no = (uint32_t)(ts_rand(rng) % 1000);
    snprintf(t->local_track_id, MWX_ID_LEN, "%s-T%03u", originator, (unsigned)(ts_rand(rng) % 1000));
    t->time_ns = 1790000000000000000ll + (int64_t)(ts_rand(rng) % 1000000000000ull);
    for (int k = 0; k < 3; k++) {
      t->pos_ecef_m[k] = ts_uniform(rng, -7e6, 7e6);
      t->vel_ecef_mps[k] = ts_uniform(rng, -7e3, 7e3);
    }
    for (int k = 0; k < 21; k++) t->cov[k] = ts_uniform(rng, 0, 1e4);
    t->phase = (uint8_t)(ts_rand(rng) % 3);
    t->quality = (float)ts_uniform(rng, 0, 1);
    t->n_contributors = 1;
    memcpy(t->contributors[0], originator, 4);
    src = &t->src;
    break;
  }
  case MWX_TOPIC_LAUNCH: {
    mwx_msg_launch *l = &m->u.launch;
    m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS;
    l->global_track_no = 7;
    snprintf(l->local_track_id, MWX_ID_LEN, "%s-L%03u", originator, (unsigned)(ts_rand(rng) % 1000));
    l->launch_time_ns = 1790000000000000000ll + (int64_t)(ts_rand(rng) % 1000000000000ull);
    l->launch_time_sigma_s = ts_uniform(rng, 0.5, 5);
    l->lat_deg = ts_uniform(rng, 38, 41);
    l->lon_deg = ts_uniform(rng, 124, 129);
    l->err_major_km = ts_uniform(rng, 1, 5);
    l->err_minor_km = ts_uniform(rng, 0.5, 1);
    l->err_orient_deg = ts_uniform(rng, 0, 180);
    l->azimuth_deg = ts_uniform(rng, 0, 360);
    src = &l->src;
    break;
  }
  case MWX_TOPIC_IMPACT: {
    mwx_msg_impact *p = &m->u.impact;
    m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS;
    p->global_track_no = 7;
    snprintf(p->local_track_id, MWX_ID_LEN, "%s-I%03u", originator, (unsigned)(ts_rand(rng) % 1000));
    p->time_ns = 1790000000000000000ll + (int64_t)(ts_rand(rng) % 1000000000000ull);
    p->impact_time_ns = p->time_ns + 600000000000ll;
    p->lat_deg = ts_uniform(rng, 35, 45);
    p->lon_deg = ts_uniform(rng, 130, 145);
    p->ell_major_km = ts_uniform(rng, 5, 50);
    p->ell_minor_km = ts_uniform(rng, 1, 5);
    p->ell_orient_deg = ts_uniform(rng, 0, 180);
    p->apogee_km = ts_uniform(rng, 50, 6000);
    p->range_km = ts_uniform(rng, 100, 10000);
    p->missile_class = (uint8_t)(1 + ts_rand(rng) % 4);
    p->zone = MWX_ZONE_EEZ;
    memcpy(p->zone_nation, "JPN", 4);
    p->n_overflown = 1;
    memcpy(p->overflown[0], "JPN", 4);
    src = &p->src;
    break;
  }
  case MWX_TOPIC_ALERT: {
    mwx_msg_alert *a = &m->u.alert;
    snprintf(a->alert_id, MWX_ID_LEN, "%s-A%03u", originator, (unsigned)(ts_rand(rng) % 1000));
    memcpy(a->nation, originator, 4);
    a->severity = 3;
    a->action = MWX_ALERT_ISSUE;
    a->global_track_no = 7;
    a->time_ns = 1790000000000000000ll + (int64_t)(ts_rand(rng) % 1000000000000ull);
    snprintf(a->regions, MWX_TEXT_LEN, "Hokkaido,Aomori");
    snprintf(a->text, MWX_TEXT_LEN, "Missile launch. Take shelter.");
    break;
  }
  case MWX_TOPIC_STATUS: {
    mwx_msg_status *s = &m->u.status;
    memcpy(s->nation, originator, 4);
    snprintf(s->node_id, MWX_ID_LEN, "%s-node-1", originator);
    snprintf(s->version, sizeof s->version, "0.1.0");
    s->time_ns = 1790000000000000000ll + (int64_t)(ts_rand(rng) % 1000000000000ull);
    s->sensors_total = 4;
    s->sensors_ok = 3;
    s->clock_offset_ns = -1200;
    break;
  }
  }
  if (src) {
    src->n_sensors = (uint8_t)(1 + ts_rand(rng) % MWX_MAX_SENSORS);
    for (unsigned i = 0; i < src->n_sensors; i++) {
      snprintf(src->sensor_id[i], MWX_ID_LEN, "%s-radar-%u", originator, i);
      for (int k = 0; k < 3; k++) src->sensor_pos_ecef_m[i][k] = ts_uniform(rng, -6.4e6, 6.4e6);
    }
  }
}

#endif
