/*
 * node_samples.c - the node's own samples: Track, LaunchEvent,
 * ImpactPrediction and NodeStatus, marked (originator, classification,
 * releasable-to = own nation, seq per topic) and handed to node_decide.
 */
#include <stdio.h>
#include <string.h>

#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/sim.h"
#include "mwx/track.h"
#include "node_int.h"

/* ---- samples ---------------------------------------------------------- */

/* Clears the node's scratch message and marks it as this node's next sample
 * of the topic; returns it. */
mwx_msg *node_new_sample(mwx_node *n, mwx_msg_topic topic, uint8_t classification) {
  mwx_msg *m = &n->scratch;
  memset(m, 0, sizeof *m);
  m->topic = (uint8_t)topic;
  memcpy(m->mark.originator, n->cfg.nation, MWX_NATION_LEN);
  m->mark.classification = classification;
  m->mark.n_releasable = 0;
  mwx_msg_marking_add(&m->mark, n->cfg.nation);
  m->mark.seq = ++n->seq[topic];
  return m;
}

static void sources(mwx_node *n, uint64_t mask, int64_t t_ns, mwx_msg_sources *src) {
  src->n_sensors = 0;
  for (size_t s = 0; s < n->sc.n_sensors && s < 64 && src->n_sensors < MWX_MAX_SENSORS; s++) {
    if (!(mask & (1ull << s)))
      continue;
    int k = src->n_sensors++;
    snprintf(src->sensor_id[k], MWX_ID_LEN, "%s", n->sc.sensor[s].id);
    mwx_sim_sensor_state_at(&n->sc.sensor[s], n->sc.epoch_ns, t_ns, NULL, src->sensor_pos_ecef_m[k], NULL);
  }
}

int node_track_sample(mwx_node *n, const mwx_track_info *in, uint8_t cls) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_TRACK, MWX_CLASSIF_SECRET);
  mwx_msg_track *t = &m->u.track;
  snprintf(t->local_track_id, MWX_ID_LEN, "%s-T%u", n->cfg.nation, in->id);
  t->time_ns = in->est.t_ns;
  memcpy(t->pos_ecef_m, in->est.x, sizeof t->pos_ecef_m);
  memcpy(t->vel_ecef_mps, in->est.x + 3, sizeof t->vel_ecef_mps);
  int k = 0;
  for (int i = 0; i < 6; i++)
    for (int j = i; j < 6; j++)
      t->cov[k++] = in->est.P[i][j];
  int phase = MWX_MSG_BOOST; /* assess: mwx_assess_flight_phase, mwx_assess_track_quality */
  double q = 0;
  mwx_assess_flight_phase(in, &phase);
  mwx_assess_track_quality(&in->est, &q);
  t->phase = (uint8_t)phase;
  t->quality = (float)q;
  t->n_contributors = 1;
  memcpy(t->contributors[0], n->cfg.nation, MWX_NATION_LEN);
  sources(n, in->sensor_mask, in->est.t_ns, &t->src);
  m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS;
  t->global_track_no = node_fuse_gtn(n, in->id);
  return node_decide(n, m, cls, 0, NULL);
}

int node_launch_sample(mwx_node *n, const mwx_track_info *in, const mwx_assess *a) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_LAUNCH, MWX_CLASSIF_SECRET);
  mwx_msg_launch *l = &m->u.launch;
  snprintf(l->local_track_id, MWX_ID_LEN, "%s-T%u", n->cfg.nation, in->id);
  l->launch_time_ns = a->launch.t_ns;
  l->launch_time_sigma_s = a->launch.sigma_t_s;
  l->lat_deg = a->launch.lat_deg;
  l->lon_deg = a->launch.lon_deg;
  l->err_major_km = a->launch.major_km;
  l->err_minor_km = a->launch.minor_km;
  l->err_orient_deg = a->launch.orient_deg;
  double az = 0;
  mwx_geo_lla p;
  if (!mwx_geo_lla_from_ecef(in->est.x, &p))
    mwx_geo_inverse(l->lat_deg, l->lon_deg, p.lat_deg, p.lon_deg, NULL, &az, NULL);
  l->azimuth_deg = az < 0 ? az + 360 : az;
  sources(n, in->sensor_mask, in->est.t_ns, &l->src);
  m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS;
  l->global_track_no = node_fuse_gtn(n, in->id);
  node_fuse_own_sample(n, m, NULL);
  return node_decide(n, m, (uint8_t)a->cls, 0, NULL);
}

int node_impact_sample(mwx_node *n, const mwx_track_info *in, const mwx_assess *a) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_IMPACT, MWX_CLASSIF_SECRET);
  mwx_msg_impact *ip = &m->u.impact;
  snprintf(ip->local_track_id, MWX_ID_LEN, "%s-T%u", n->cfg.nation, in->id);
  ip->time_ns = in->est.t_ns;
  ip->impact_time_ns = a->impact.t_ns;
  ip->lat_deg = a->impact.lat_deg;
  ip->lon_deg = a->impact.lon_deg;
  ip->ell_major_km = a->impact.major_km;
  ip->ell_minor_km = a->impact.minor_km;
  ip->ell_orient_deg = a->impact.orient_deg;
  ip->apogee_km = a->apogee_km;
  ip->range_km = a->range_km;
  ip->missile_class = (uint8_t)a->cls;
  ip->zone = MWX_ZONE_UNKNOWN;
  ip->global_track_no = node_fuse_gtn(n, in->id);
  sources(n, in->sensor_mask, in->est.t_ns, &ip->src);
  m->fields = MWX_F_SENSORS | MWX_F_SENSOR_POS;
  mwx_msg ipm = *m; /* the alert below uses the scratch message */
  mwx_ballistic_vehicle veh;
  double beta = MWX_ASSESS_BETA_UNKNOWN_KGPM2; /* assess.h: the class's typical vehicle if known */
  if (!mwx_ballistic_vehicle_default(a->cls, &veh))
    beta = veh.beta_rv_kgpm2;
  mwx_error_clear();
  int rc = node_alert_impact(n, &ipm.u.impact, in->ballistic.x, in->ballistic.t_ns, beta, a->provisional, 0, NULL);
  if (rc)
    return rc;
  node_fuse_own_sample(n, &ipm, in->ballistic.x);
  return node_decide(n, &ipm, (uint8_t)a->cls, 0, NULL);
}

int node_status_sample(mwx_node *n) {
  mwx_msg *m = node_new_sample(n, MWX_TOPIC_STATUS, MWX_CLASSIF_CONFIDENTIAL);
  mwx_msg_status *s = &m->u.status;
  memcpy(s->nation, n->cfg.nation, MWX_NATION_LEN);
  snprintf(s->node_id, MWX_ID_LEN, "%s", n->cfg.node_id);
  snprintf(s->version, sizeof s->version, "%s", MWX_VERSION);
  s->time_ns = n->sim_ns;
  s->sensors_total = s->sensors_ok = (uint8_t)(n->own_sensors > 255 ? 255 : n->own_sensors);
  /* the journal's last sealed head: partners keep it, so a rollback of
     this journal shows ("mwx audit verify --head-from-partner") */
  mwx_track_table_stats ts;
  mwx_track_table_stats_get(n->tr, &ts);
  s->overflows = n->st.fits_dropped + n->st.handover_dropped + n->st.tracks_evicted + n->st.picture_dropped + n->st.picture_evicted +
                 mwx_node_loop_dropped(n->loop) + n->st.fused_dropped + ts.refused + ts.pending_dropped;
  if (n->net) { /* the verify batch's bound (net.h MWX_NET_VERIFY_BATCH): reached, nothing lost */
    mwx_net_stats ns;
    mwx_net_get_stats(n->net, &ns);
    s->overflows += ns.verify_full;
  }
  s->overflows += n->sign_full; /* the sign queue's bound (signpool.c): reached, nothing lost */
  int rc = mwx_journal_sealed_head(n->j, &s->journal_head_id, s->journal_head_hash);
  if (rc)
    return rc;
  return node_decide(n, m, 0, 0, NULL);
}
