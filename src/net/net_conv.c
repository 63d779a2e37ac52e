/*
 * net_conv.c - mwx_msg <-> IDL samples (idl/mwx.idl).  Lossless in both
 * directions, so that a receiver rebuilds exactly the canonical bytes the
 * originator signed; anything that does not fit the data model on the way
 * in is refused (MWX_EPARSE) rather than truncated.
 */
#include <string.h>

#include "mwx/error.h"
#include "net/net_int.h"

const dds_topic_descriptor_t *net_descriptor(mwx_msg_topic t) {
  switch (t) {
  case MWX_TOPIC_TRACK: return &mwx_Track_desc;
  case MWX_TOPIC_LAUNCH: return &mwx_LaunchEvent_desc;
  case MWX_TOPIC_IMPACT: return &mwx_ImpactPrediction_desc;
  case MWX_TOPIC_ALERT: return &mwx_Alert_desc;
  case MWX_TOPIC_STATUS: return &mwx_NodeStatus_desc;
  }
  return NULL;
}

const char *net_topic_name(mwx_msg_topic t) {
  switch (t) {
  case MWX_TOPIC_TRACK: return "mwx_Track";
  case MWX_TOPIC_LAUNCH: return "mwx_LaunchEvent";
  case MWX_TOPIC_IMPACT: return "mwx_ImpactPrediction";
  case MWX_TOPIC_ALERT: return "mwx_Alert";
  case MWX_TOPIC_STATUS: return "mwx_NodeStatus";
  }
  return NULL;
}

/* ------------------------------------------------------------- outgoing */

static void seq_nations(mwx_NationSeq *q, mwx_Nation *store, const char (*src)[MWX_NATION_LEN], unsigned n) {
  memcpy(store, src, n * sizeof(mwx_Nation));
  q->_maximum = q->_length = n;
  q->_buffer = n ? store : NULL;
  q->_release = false;
}

static void seq_sensors(mwx_SensorSeq *q, mwx_Sensor *store, const mwx_msg_sources *src) {
  for (unsigned i = 0; i < src->n_sensors; i++) {
    memcpy(store[i].id, src->sensor_id[i], MWX_ID_LEN);
    memcpy(store[i].pos_ecef_m, src->sensor_pos_ecef_m[i], sizeof store[i].pos_ecef_m);
  }
  q->_maximum = q->_length = src->n_sensors;
  q->_buffer = src->n_sensors ? store : NULL;
  q->_release = false;
}

static int marking_out(const mwx_msg *m, mwx_Marking *k, net_wire *w) {
  if (m->mark.n_releasable > MWX_MAX_NATIONS)
    return mwx_error_set(MWX_EINVAL, "releasable-to list of %u entries", m->mark.n_releasable);
  memcpy(k->originator, m->mark.originator, MWX_NATION_LEN);
  k->classification = m->mark.classification;
  seq_nations(&k->releasable_to, w->releasable, (const char(*)[MWX_NATION_LEN])m->mark.releasable_to,
              m->mark.n_releasable);
  memcpy(k->rule_id, m->mark.rule_id, MWX_ID_LEN);
  k->seq = m->mark.seq;
  return 0;
}

static int sources_ok(const mwx_msg_sources *s) {
  return s->n_sensors <= MWX_MAX_SENSORS ? 0 : mwx_error_set(MWX_EINVAL, "%u sensors", s->n_sensors);
}

int net_to_wire(const mwx_msg *m, net_wire *w) {
  memset(&w->s, 0, sizeof w->s);
  int rc;
  switch ((mwx_msg_topic)m->topic) {
  case MWX_TOPIC_TRACK: {
    const mwx_msg_track *t = &m->u.track;
    mwx_Track *o = &w->s.track;
    if ((rc = marking_out(m, &o->mark, w)) || (rc = sources_ok(&t->src)))
      return rc;
    if (t->n_contributors > MWX_MAX_NATIONS)
      return mwx_error_set(MWX_EINVAL, "%u contributors", t->n_contributors);
    memcpy(o->local_track_id, t->local_track_id, MWX_ID_LEN);
    o->fields = m->fields;
    o->global_track_no = t->global_track_no;
    o->time_ns = t->time_ns;
    memcpy(o->pos_ecef_m, t->pos_ecef_m, sizeof o->pos_ecef_m);
    memcpy(o->vel_ecef_mps, t->vel_ecef_mps, sizeof o->vel_ecef_mps);
    memcpy(o->cov, t->cov, sizeof o->cov);
    o->phase = t->phase;
    o->quality = t->quality;
    seq_nations(&o->contributors, w->nations, (const char(*)[MWX_NATION_LEN])t->contributors, t->n_contributors);
    seq_sensors(&o->sensors, w->sensors, &t->src);
    memcpy(o->signature, m->sig, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_LAUNCH: {
    const mwx_msg_launch *l = &m->u.launch;
    mwx_LaunchEvent *o = &w->s.launch;
    if ((rc = marking_out(m, &o->mark, w)) || (rc = sources_ok(&l->src)))
      return rc;
    memcpy(o->local_track_id, l->local_track_id, MWX_ID_LEN);
    o->fields = m->fields;
    o->global_track_no = l->global_track_no;
    o->launch_time_ns = l->launch_time_ns;
    o->launch_time_sigma_s = l->launch_time_sigma_s;
    o->lat_deg = l->lat_deg;
    o->lon_deg = l->lon_deg;
    o->err_major_km = l->err_major_km;
    o->err_minor_km = l->err_minor_km;
    o->err_orient_deg = l->err_orient_deg;
    o->azimuth_deg = l->azimuth_deg;
    seq_sensors(&o->sensors, w->sensors, &l->src);
    memcpy(o->signature, m->sig, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_IMPACT: {
    const mwx_msg_impact *p = &m->u.impact;
    mwx_ImpactPrediction *o = &w->s.impact;
    if ((rc = marking_out(m, &o->mark, w)) || (rc = sources_ok(&p->src)))
      return rc;
    if (p->n_overflown > MWX_MAX_NATIONS)
      return mwx_error_set(MWX_EINVAL, "%u overflown nations", p->n_overflown);
    memcpy(o->local_track_id, p->local_track_id, MWX_ID_LEN);
    o->fields = m->fields;
    o->global_track_no = p->global_track_no;
    o->time_ns = p->time_ns;
    o->impact_time_ns = p->impact_time_ns;
    o->lat_deg = p->lat_deg;
    o->lon_deg = p->lon_deg;
    o->ell_major_km = p->ell_major_km;
    o->ell_minor_km = p->ell_minor_km;
    o->ell_orient_deg = p->ell_orient_deg;
    o->apogee_km = p->apogee_km;
    o->range_km = p->range_km;
    o->missile_class = p->missile_class;
    o->zone = p->zone;
    memcpy(o->zone_nation, p->zone_nation, MWX_NATION_LEN);
    seq_nations(&o->overflown, w->nations, (const char(*)[MWX_NATION_LEN])p->overflown, p->n_overflown);
    seq_sensors(&o->sensors, w->sensors, &p->src);
    memcpy(o->signature, m->sig, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_ALERT: {
    const mwx_msg_alert *a = &m->u.alert;
    mwx_Alert *o = &w->s.alert;
    if ((rc = marking_out(m, &o->mark, w)))
      return rc;
    memcpy(o->alert_id, a->alert_id, MWX_ID_LEN);
    o->fields = m->fields;
    memcpy(o->nation, a->nation, MWX_NATION_LEN);
    o->severity = a->severity;
    o->action = a->action;
    o->global_track_no = a->global_track_no;
    o->time_ns = a->time_ns;
    memcpy(o->regions, a->regions, MWX_TEXT_LEN);
    memcpy(o->text, a->text, MWX_TEXT_LEN);
    memcpy(o->signature, m->sig, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_STATUS: {
    const mwx_msg_status *s = &m->u.status;
    mwx_NodeStatus *o = &w->s.status;
    if ((rc = marking_out(m, &o->mark, w)))
      return rc;
    memcpy(o->node_id, s->node_id, MWX_ID_LEN);
    o->fields = m->fields;
    memcpy(o->nation, s->nation, MWX_NATION_LEN);
    memcpy(o->version, s->version, sizeof o->version);
    o->time_ns = s->time_ns;
    o->sensors_total = s->sensors_total;
    o->sensors_ok = s->sensors_ok;
    o->clock_offset_ns = s->clock_offset_ns;
    o->journal_head_id = s->journal_head_id;
    memcpy(o->journal_head_hash, s->journal_head_hash, 32);
    o->overflows = s->overflows;
    memcpy(o->signature, m->sig, MWX_SIG_LEN);
    return 0;
  }
  }
  return mwx_error_set(MWX_EINVAL, "unknown topic %u", m->topic);
}

/* ------------------------------------------------------------- incoming */

/* Copies a bounded string, refusing one without its NUL inside the bound. */
static int str_in(char *dst, const char *src, size_t n, const char *what) {
  if (!memchr(src, '\0', n))
    return mwx_error_set(MWX_EPARSE, "%s is not terminated", what);
  memcpy(dst, src, n);
  return 0;
}

static int nations_in(char (*dst)[MWX_NATION_LEN], uint8_t *count, const mwx_NationSeq *q, const char *what) {
  if (q->_length > MWX_MAX_NATIONS || (q->_length && !q->_buffer))
    return mwx_error_set(MWX_EPARSE, "%s: %u entries (max %d)", what, q->_length, MWX_MAX_NATIONS);
  for (uint32_t i = 0; i < q->_length; i++) {
    int rc = str_in(dst[i], q->_buffer[i], MWX_NATION_LEN, what);
    if (rc)
      return rc;
  }
  *count = (uint8_t)q->_length;
  return 0;
}

static int sensors_in(mwx_msg_sources *s, const mwx_SensorSeq *q) {
  if (q->_length > MWX_MAX_SENSORS || (q->_length && !q->_buffer))
    return mwx_error_set(MWX_EPARSE, "sensors: %u entries (max %d)", q->_length, MWX_MAX_SENSORS);
  for (uint32_t i = 0; i < q->_length; i++) {
    int rc = str_in(s->sensor_id[i], q->_buffer[i].id, MWX_ID_LEN, "sensor id");
    if (rc)
      return rc;
    memcpy(s->sensor_pos_ecef_m[i], q->_buffer[i].pos_ecef_m, sizeof s->sensor_pos_ecef_m[i]);
  }
  s->n_sensors = (uint8_t)q->_length;
  return 0;
}

static int marking_in(mwx_msg *m, const mwx_Marking *k) {
  int rc;
  if ((rc = str_in(m->mark.originator, k->originator, MWX_NATION_LEN, "originator")) ||
      (rc = nations_in(m->mark.releasable_to, &m->mark.n_releasable, &k->releasable_to, "releasable_to")) ||
      (rc = str_in(m->mark.rule_id, k->rule_id, MWX_ID_LEN, "rule_id")))
    return rc;
  m->mark.classification = k->classification;
  m->mark.seq = k->seq;
  return 0;
}

int net_from_wire(mwx_msg_topic t, const void *sample, mwx_msg *m) {
  memset(m, 0, sizeof *m);
  m->topic = (uint8_t)t;
  int rc;
  switch (t) {
  case MWX_TOPIC_TRACK: {
    const mwx_Track *o = sample;
    mwx_msg_track *x = &m->u.track;
    if ((rc = marking_in(m, &o->mark)) || (rc = str_in(x->local_track_id, o->local_track_id, MWX_ID_LEN, "local_track_id")) ||
        (rc = nations_in(x->contributors, &x->n_contributors, &o->contributors, "contributors")) ||
        (rc = sensors_in(&x->src, &o->sensors)))
      return rc;
    m->fields = o->fields;
    x->global_track_no = o->global_track_no;
    x->time_ns = o->time_ns;
    memcpy(x->pos_ecef_m, o->pos_ecef_m, sizeof x->pos_ecef_m);
    memcpy(x->vel_ecef_mps, o->vel_ecef_mps, sizeof x->vel_ecef_mps);
    memcpy(x->cov, o->cov, sizeof x->cov);
    x->phase = o->phase;
    x->quality = o->quality;
    memcpy(m->sig, o->signature, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_LAUNCH: {
    const mwx_LaunchEvent *o = sample;
    mwx_msg_launch *x = &m->u.launch;
    if ((rc = marking_in(m, &o->mark)) || (rc = str_in(x->local_track_id, o->local_track_id, MWX_ID_LEN, "local_track_id")) ||
        (rc = sensors_in(&x->src, &o->sensors)))
      return rc;
    m->fields = o->fields;
    x->global_track_no = o->global_track_no;
    x->launch_time_ns = o->launch_time_ns;
    x->launch_time_sigma_s = o->launch_time_sigma_s;
    x->lat_deg = o->lat_deg;
    x->lon_deg = o->lon_deg;
    x->err_major_km = o->err_major_km;
    x->err_minor_km = o->err_minor_km;
    x->err_orient_deg = o->err_orient_deg;
    x->azimuth_deg = o->azimuth_deg;
    memcpy(m->sig, o->signature, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_IMPACT: {
    const mwx_ImpactPrediction *o = sample;
    mwx_msg_impact *x = &m->u.impact;
    if ((rc = marking_in(m, &o->mark)) || (rc = str_in(x->local_track_id, o->local_track_id, MWX_ID_LEN, "local_track_id")) ||
        (rc = str_in(x->zone_nation, o->zone_nation, MWX_NATION_LEN, "zone_nation")) ||
        (rc = nations_in(x->overflown, &x->n_overflown, &o->overflown, "overflown")) ||
        (rc = sensors_in(&x->src, &o->sensors)))
      return rc;
    m->fields = o->fields;
    x->global_track_no = o->global_track_no;
    x->time_ns = o->time_ns;
    x->impact_time_ns = o->impact_time_ns;
    x->lat_deg = o->lat_deg;
    x->lon_deg = o->lon_deg;
    x->ell_major_km = o->ell_major_km;
    x->ell_minor_km = o->ell_minor_km;
    x->ell_orient_deg = o->ell_orient_deg;
    x->apogee_km = o->apogee_km;
    x->range_km = o->range_km;
    x->missile_class = o->missile_class;
    x->zone = o->zone;
    memcpy(m->sig, o->signature, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_ALERT: {
    const mwx_Alert *o = sample;
    mwx_msg_alert *x = &m->u.alert;
    if ((rc = marking_in(m, &o->mark)) || (rc = str_in(x->alert_id, o->alert_id, MWX_ID_LEN, "alert_id")) ||
        (rc = str_in(x->nation, o->nation, MWX_NATION_LEN, "nation")) ||
        (rc = str_in(x->regions, o->regions, MWX_TEXT_LEN, "regions")) ||
        (rc = str_in(x->text, o->text, MWX_TEXT_LEN, "text")))
      return rc;
    m->fields = o->fields;
    x->severity = o->severity;
    x->action = o->action;
    x->global_track_no = o->global_track_no;
    x->time_ns = o->time_ns;
    memcpy(m->sig, o->signature, MWX_SIG_LEN);
    return 0;
  }
  case MWX_TOPIC_STATUS: {
    const mwx_NodeStatus *o = sample;
    mwx_msg_status *x = &m->u.status;
    if ((rc = marking_in(m, &o->mark)) || (rc = str_in(x->node_id, o->node_id, MWX_ID_LEN, "node_id")) ||
        (rc = str_in(x->nation, o->nation, MWX_NATION_LEN, "nation")) ||
        (rc = str_in(x->version, o->version, sizeof x->version, "version")))
      return rc;
    m->fields = o->fields;
    x->time_ns = o->time_ns;
    x->sensors_total = o->sensors_total;
    x->sensors_ok = o->sensors_ok;
    x->clock_offset_ns = o->clock_offset_ns;
    x->journal_head_id = o->journal_head_id;
    memcpy(x->journal_head_hash, o->journal_head_hash, 32);
    x->overflows = o->overflows;
    memcpy(m->sig, o->signature, MWX_SIG_LEN);
    return 0;
  }
  }
  return mwx_error_set(MWX_EPARSE, "unknown topic %d", (int)t);
}
