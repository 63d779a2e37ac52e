/*
 * events.c - the node's one event interface (node.h, "The event
 * interface"): a small subscriber list that every node event goes through,
 * and the JSON form of events and samples that the web layer pushes.
 *
 * node.c sets n->fn to node_events_dispatch, so both node.c's emit() and
 * rx.c's hand-over handling reach every subscriber without knowing there
 * is more than one.  Dispatch copies the list first: a subscriber may
 * subscribe or unsubscribe from inside its callback.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "mwx/ballistic.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "node/node_int.h"

static int subscribe(mwx_node *n, mwx_node_event_fn fn, void *ctx, int diag, uint64_t *id) {
  if (!n || !fn)
    return mwx_error_set(MWX_EINVAL, "node events: NULL argument");
  if (n->n_subs >= MWX_NODE_MAX_SUBSCRIBERS)
    return mwx_error_set(MWX_EBUSY, "node events: %d subscribers already", MWX_NODE_MAX_SUBSCRIBERS);
  n->subs[n->n_subs].id = ++n->next_sub_id;
  n->subs[n->n_subs].fn = fn;
  n->subs[n->n_subs].ctx = ctx;
  n->subs[n->n_subs].no_samples = 0;
  n->subs[n->n_subs].diag = diag;
  if (id)
    *id = n->subs[n->n_subs].id;
  n->n_subs++;
  return 0;
}

int mwx_node_subscribe(mwx_node *n, mwx_node_event_fn fn, void *ctx, uint64_t *id) {
  return subscribe(n, fn, ctx, 0, id);
}

int mwx_node_subscribe_diag(mwx_node *n, mwx_node_event_fn fn, void *ctx, uint64_t *id) {
  return subscribe(n, fn, ctx, 1, id);
}

int mwx_node_unsubscribe(mwx_node *n, uint64_t id) {
  if (!n)
    return mwx_error_set(MWX_EINVAL, "node events: NULL argument");
  for (size_t i = 0; i < n->n_subs; i++)
    if (n->subs[i].id == id) {
      memmove(&n->subs[i], &n->subs[i + 1], (n->n_subs - i - 1) * sizeof n->subs[0]);
      n->n_subs--;
      return 0;
    }
  return mwx_error_set(MWX_ENOTFOUND, "node events: no subscriber %llu", (unsigned long long)id);
}

void node_events_dispatch(void *node, const mwx_node_event *ev) {
  mwx_node *n = node;
  size_t count = n->n_subs;
  uint64_t ids[MWX_NODE_MAX_SUBSCRIBERS];
  int diag = ev->kind == MWX_NODE_EV_SLOWPASS || ev->kind == MWX_NODE_EV_MEMORY;
  for (size_t i = 0; i < count; i++)
    ids[i] = n->subs[i].id;
  for (size_t k = 0; k < count; k++)
    for (size_t i = 0; i < n->n_subs; i++) /* still subscribed? */
      if (n->subs[i].id == ids[k]) {
        if (diag ? n->subs[i].diag
                 : !(n->subs[i].no_samples && (ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_PICTURE)))
          n->subs[i].fn(n->subs[i].ctx, ev);
        break;
      }
}

const char *mwx_node_nation(const mwx_node *n) { return n ? n->cfg.nation : ""; }

int mwx_node_partner_stats_get(const mwx_node *n, const char *nation, mwx_node_partner_stats *out) {
  if (!n || !nation || !out)
    return mwx_error_set(MWX_EINVAL, "node stats: NULL argument");
  for (int i = 0; i < n->st.n_partners; i++)
    if (!strncmp(n->st.partner[i].nation, nation, 3)) {
      *out = n->st.partner[i];
      return 0;
    }
  return mwx_error_set(MWX_ENOTFOUND, "node stats: %.3s is not a partner", nation);
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *bstr(const char *s, size_t cap) { return json_stringn(s, strnlen(s, cap)); }

/* A fixed-size string field that may not be valid UTF-8 (a partner's
 * bytes): null instead of failing the whole object. */
static void set_str(json_t *o, const char *k, const char *s, size_t cap) {
  json_t *v = bstr(s, cap);
  json_object_set_new(o, k, v ? v : json_null());
}

static double ms(int64_t ns) { return (double)(ns / 1000000); }

static json_t *codes(const char (*c)[MWX_NATION_LEN], size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n && i < MWX_MAX_NATIONS; i++) {
    json_t *v = bstr(c[i], MWX_NATION_LEN);
    if (v)
      json_array_append_new(a, v);
  }
  return a;
}

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static const char *phase_name(uint8_t p) {
  return p == MWX_MSG_BOOST ? "boost" : p == MWX_MSG_MIDCOURSE ? "midcourse" : p == MWX_MSG_TERMINAL ? "terminal" : "?";
}

static const char *zone_name(uint8_t z) {
  switch (z) {
  case MWX_ZONE_LAND: return "land";
  case MWX_ZONE_TERRITORIAL_SEA: return "territorial_sea";
  case MWX_ZONE_EEZ: return "eez";
  case MWX_ZONE_HIGH_SEAS: return "high_seas";
  default: return "unknown";
  }
}

static const char *alert_action_name(uint8_t a) {
  return a == MWX_ALERT_ISSUE ? "issue" : a == MWX_ALERT_UPDATE ? "update" : "cancel";
}

/* Where an impact prediction falls, the same keys in a message's JSON and
 * in a fused picture entry's "impact": lat_deg, lon_deg, the 95% ellipse
 * (ell_major_km, ell_minor_km, ell_orient_deg), class, zone, zone_nation. */
static void impact_place(json_t *o, const mwx_msg_impact *im) {
  json_object_set_new(o, "lat_deg", num(im->lat_deg));
  json_object_set_new(o, "lon_deg", num(im->lon_deg));
  json_object_set_new(o, "ell_major_km", num(im->ell_major_km));
  json_object_set_new(o, "ell_minor_km", num(im->ell_minor_km));
  json_object_set_new(o, "ell_orient_deg", num(im->ell_orient_deg));
  const char *cn = mwx_ballistic_class_name((mwx_ballistic_class)im->missile_class);
  json_object_set_new(o, "class", json_string(cn ? cn : "?"));
  json_object_set_new(o, "zone", json_string(zone_name(im->zone)));
  set_str(o, "zone_nation", im->zone_nation, MWX_NATION_LEN);
}

static const char *classif_name(uint8_t c) {
  switch (c) {
  case MWX_CLASSIF_UNCLASSIFIED: return "UNCLASSIFIED";
  case MWX_CLASSIF_RESTRICTED: return "RESTRICTED";
  case MWX_CLASSIF_CONFIDENTIAL: return "CONFIDENTIAL";
  case MWX_CLASSIF_SECRET: return "SECRET";
  default: return "?";
  }
}

int mwx_node_msg_json(const mwx_msg *m, json_t **out) {
  if (!m || !out)
    return mwx_error_set(MWX_EINVAL, "node events: NULL argument");
  json_t *o = json_object();
  if (!o)
    return mwx_error_set(MWX_ENOMEM, "node events: out of memory");
  const char *topic = mwx_msg_topic_name((mwx_msg_topic)m->topic);
  json_object_set_new(o, "topic", json_string(topic ? topic : "?"));
  set_str(o, "originator", m->mark.originator, MWX_NATION_LEN);
  json_object_set_new(o, "classification", json_string(classif_name(m->mark.classification)));
  json_object_set_new(o, "releasable_to", codes((const char(*)[MWX_NATION_LEN])m->mark.releasable_to,
                                                m->mark.n_releasable));
  set_str(o, "rule", m->mark.rule_id, MWX_ID_LEN);
  json_object_set_new(o, "seq", json_integer((json_int_t)m->mark.seq));
  switch (m->topic) {
  case MWX_TOPIC_TRACK: {
    const mwx_msg_track *t = &m->u.track;
    set_str(o, "id", t->local_track_id, MWX_ID_LEN);
    json_object_set_new(o, "global_track_no", json_integer(t->global_track_no));
    json_object_set_new(o, "time_ms", json_real(ms(t->time_ns)));
    mwx_geo_lla p;
    if (!mwx_geo_lla_from_ecef(t->pos_ecef_m, &p)) {
      json_object_set_new(o, "lat_deg", num(p.lat_deg));
      json_object_set_new(o, "lon_deg", num(p.lon_deg));
      json_object_set_new(o, "alt_km", num(p.h_m / 1e3));
    }
    const double *v = t->vel_ecef_mps;
    json_object_set_new(o, "speed_mps", num(sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])));
    json_object_set_new(o, "phase", json_string(phase_name(t->phase)));
    json_object_set_new(o, "quality", num(t->quality));
    json_object_set_new(o, "contributors",
                        (m->fields & MWX_F_CONTRIBUTORS)
                            ? codes((const char(*)[MWX_NATION_LEN])t->contributors, t->n_contributors)
                            : json_array());
    break;
  }
  case MWX_TOPIC_LAUNCH: {
    const mwx_msg_launch *l = &m->u.launch;
    set_str(o, "id", l->local_track_id, MWX_ID_LEN);
    json_object_set_new(o, "global_track_no", json_integer(l->global_track_no));
    json_object_set_new(o, "launch_time_ms", json_real(ms(l->launch_time_ns)));
    json_object_set_new(o, "lat_deg", num(l->lat_deg));
    json_object_set_new(o, "lon_deg", num(l->lon_deg));
    json_object_set_new(o, "err_major_km", num(l->err_major_km));
    json_object_set_new(o, "err_minor_km", num(l->err_minor_km));
    json_object_set_new(o, "err_orient_deg", num(l->err_orient_deg));
    json_object_set_new(o, "azimuth_deg", num(l->azimuth_deg));
    break;
  }
  case MWX_TOPIC_IMPACT: {
    const mwx_msg_impact *im = &m->u.impact;
    set_str(o, "id", im->local_track_id, MWX_ID_LEN);
    json_object_set_new(o, "global_track_no", json_integer(im->global_track_no));
    json_object_set_new(o, "time_ms", json_real(ms(im->time_ns)));
    json_object_set_new(o, "impact_time_ms", json_real(ms(im->impact_time_ns)));
    impact_place(o, im);
    json_object_set_new(o, "apogee_km", num(im->apogee_km));
    json_object_set_new(o, "range_km", num(im->range_km));
    json_object_set_new(o, "overflown", codes((const char(*)[MWX_NATION_LEN])im->overflown, im->n_overflown));
    break;
  }
  case MWX_TOPIC_ALERT: {
    const mwx_msg_alert *a = &m->u.alert;
    set_str(o, "id", a->alert_id, MWX_ID_LEN);
    set_str(o, "nation", a->nation, MWX_NATION_LEN);
    json_object_set_new(o, "severity", json_integer(a->severity));
    json_object_set_new(o, "action", json_string(alert_action_name(a->action)));
    json_object_set_new(o, "time_ms", json_real(ms(a->time_ns)));
    set_str(o, "regions", a->regions, MWX_TEXT_LEN);
    set_str(o, "text", a->text, MWX_TEXT_LEN);
    break;
  }
  case MWX_TOPIC_STATUS: {
    const mwx_msg_status *s = &m->u.status;
    set_str(o, "id", s->node_id, MWX_ID_LEN);
    set_str(o, "node_id", s->node_id, MWX_ID_LEN);
    json_object_set_new(o, "time_ms", json_real(ms(s->time_ns)));
    json_object_set_new(o, "sensors_ok", json_integer(s->sensors_ok));
    json_object_set_new(o, "sensors_total", json_integer(s->sensors_total));
    json_object_set_new(o, "clock_offset_ns", json_integer(s->clock_offset_ns));
    break;
  }
  default:
    break;
  }
  *out = o;
  return 0;
}

static const char *type_name(mwx_node_event_kind k) {
  switch (k) {
  case MWX_NODE_EV_RELEASED: return "released";
  case MWX_NODE_EV_HELD: return "held";
  case MWX_NODE_EV_REFUSED: return "refused";
  case MWX_NODE_EV_APPROVED: return "approved";
  case MWX_NODE_EV_DENIED: return "denied";
  case MWX_NODE_EV_RECEIVED: return "received";
  case MWX_NODE_EV_DROPPED: return "dropped";
  case MWX_NODE_EV_PARTNER: return "partner";
  case MWX_NODE_EV_DONE: return "done";
  case MWX_NODE_EV_SAMPLE: return "sample";
  case MWX_NODE_EV_FUSED: return "fused_prediction";
  case MWX_NODE_EV_ALERT: return "alert";
  case MWX_NODE_EV_PICTURE: return "fused_pass";
  case MWX_NODE_EV_SLOWPASS: return "slow_pass";
  case MWX_NODE_EV_MEMORY: return "memory";
  default: return "?";
  }
}

int mwx_node_event_json(const char *nation, int64_t epoch_ns, const mwx_node_event *ev, json_t **out) {
  if (!ev || !out)
    return mwx_error_set(MWX_EINVAL, "node events: NULL argument");
  json_t *o = json_object();
  if (!o)
    return mwx_error_set(MWX_ENOMEM, "node events: out of memory");
  json_object_set_new(o, "type", json_string(type_name(ev->kind)));
  if (nation)
    set_str(o, "nation", nation, MWX_NATION_LEN);
  set_str(o, "partner", ev->partner, MWX_NATION_LEN);
  json_object_set_new(o, "wall_ms", json_real(ms(ev->wall_ns)));
  json_object_set_new(o, "t_s", json_real((double)(ev->sim_ns - epoch_ns) / 1e9));
  if (ev->record_id)
    json_object_set_new(o, "record", json_integer((json_int_t)ev->record_id));
  if (ev->item)
    json_object_set_new(o, "item", json_integer((json_int_t)ev->item));
  if (ev->detail[0])
    set_str(o, "detail", ev->detail, sizeof ev->detail);
  if (ev->kind == MWX_NODE_EV_PARTNER)
    json_object_set_new(o, "alive", json_boolean(ev->alive));
  if (ev->kind == MWX_NODE_EV_DROPPED && ev->drop != MWX_NODE_DROP_NONE)
    json_object_set_new(o, "drop", json_string(mwx_node_drop_name(ev->drop)));
  if (ev->kind == MWX_NODE_EV_RECEIVED) {
    json_object_set_new(o, "latency_ms", ev->latency_ms >= 0 ? num(ev->latency_ms) : json_null());
    json_object_set_new(o, "recv_latency_ms", ev->recv_latency_ms >= 0 ? num(ev->recv_latency_ms) : json_null());
  }
  if (ev->msg) {
    json_t *s = NULL;
    int rc = mwx_node_msg_json(ev->msg, &s);
    if (rc) {
      json_decref(o);
      return rc;
    }
    json_object_set_new(o, "sample", s);
  }
  *out = o;
  return 0;
}

int mwx_node_fused_json(const char *nation, int64_t epoch_ns, const mwx_node_fused_entry *e, json_t **out) {
  if (!e || !out)
    return mwx_error_set(MWX_EINVAL, "node events: NULL argument");
  json_t *o = json_object();
  if (!o)
    return mwx_error_set(MWX_ENOMEM, "node events: out of memory");
  json_object_set_new(o, "type", json_string("picture"));
  if (nation)
    set_str(o, "nation", nation, MWX_NATION_LEN);
  json_object_set_new(o, "global_track_no", json_integer(e->global_track_no));
  json_object_set_new(o, "t_s", json_real((double)(e->t_ns - epoch_ns) / 1e9));
  json_object_set_new(o, "fallen", json_boolean(e->fallen));
  json_object_set_new(o, "shared", json_boolean(e->shared));
  json_object_set_new(o, "coasting", json_boolean(e->coasting));
  json_object_set_new(o, "lat_deg", num(e->lat_deg));
  json_object_set_new(o, "lon_deg", num(e->lon_deg));
  json_object_set_new(o, "alt_km", num(e->h_m / 1e3));
  json_t *mem = json_array();
  for (int k = 0; k < e->n_members && k < 16; k++) {
    json_t *v = bstr(e->member[k], MWX_ID_LEN);
    if (v)
      json_array_append_new(mem, v);
  }
  json_object_set_new(o, "members", mem);
  json_object_set_new(o, "contributors",
                      codes((const char(*)[MWX_NATION_LEN])e->contributors, e->n_contributors));
  if (e->has_launch) {
    json_t *l = json_object();
    set_str(l, "from", e->launch_from, MWX_NATION_LEN);
    set_str(l, "id", e->launch.local_track_id, MWX_ID_LEN);
    json_object_set_new(l, "t_s", json_real((double)(e->launch.launch_time_ns - epoch_ns) / 1e9));
    json_object_set_new(l, "lat_deg", num(e->launch.lat_deg));
    json_object_set_new(l, "lon_deg", num(e->launch.lon_deg));
    json_object_set_new(l, "err_major_km", num(e->launch.err_major_km));
    json_object_set_new(l, "err_minor_km", num(e->launch.err_minor_km));
    json_object_set_new(l, "err_orient_deg", num(e->launch.err_orient_deg));
    json_object_set_new(o, "launch", l);
  }
  if (e->has_impact) {
    const mwx_msg_impact *im = &e->impact;
    json_t *i = json_object();
    set_str(i, "id", im->local_track_id, MWX_ID_LEN);
    json_object_set_new(i, "made_t_s", json_real((double)(im->time_ns - epoch_ns) / 1e9));
    json_object_set_new(i, "t_s", json_real((double)(im->impact_time_ns - epoch_ns) / 1e9));
    impact_place(i, im);
    json_object_set_new(o, "impact", i);
  }
  if (e->has_alert) {
    const mwx_msg_alert *a = &e->alert;
    json_t *al = json_object();
    set_str(al, "id", a->alert_id, MWX_ID_LEN);
    json_object_set_new(al, "severity", json_integer(a->severity));
    json_object_set_new(al, "action", json_string(alert_action_name(a->action)));
    json_object_set_new(al, "active", json_boolean(e->alert_active));
    json_object_set_new(al, "t_s", json_real((double)(a->time_ns - epoch_ns) / 1e9));
    set_str(al, "regions", a->regions, MWX_TEXT_LEN);
    json_object_set_new(o, "alert", al);
  }
  *out = o;
  return 0;
}

/* ---- the stages of a sample (node.h mwx_node_stage) -------------------- */

const char *mwx_node_stage_name(mwx_node_stage s) {
  static const char *const name[MWX_NODE_STAGE_COUNT] = {"plot",      "in",       "tracked",  "signed", "journaled",
                                                          "published", "received", "verified", "taken",  "held"};
  return (unsigned)s < MWX_NODE_STAGE_COUNT ? name[s] : "?";
}

int mwx_node_stages_format(const char *nation, const mwx_node_event *ev, char *buf, size_t cap) {
  if (!buf || !cap)
    return mwx_error_set(MWX_EINVAL, "node stages: no buffer");
  buf[0] = 0;
  int any = 0;
  for (int i = 0; ev && i < MWX_NODE_STAGE_COUNT; i++)
    any |= ev->stage_ns[i] != 0;
  if (!ev || !ev->msg || !any)
    return MWX_ENOTFOUND;
  const char *topic = mwx_msg_topic_name((mwx_msg_topic)ev->msg->topic);
  const char *id = node_msg_id(ev->msg, "-");
  int rx = ev->kind == MWX_NODE_EV_RECEIVED;
  size_t w = 0;
  int r = snprintf(buf, cap, "%.3s STAGES %s %.3s %s seq=%llu id=%.*s", nation ? nation : "", rx ? "<-" : "->",
                   ev->partner, topic ? topic : "?", (unsigned long long)ev->msg->mark.seq, MWX_ID_LEN, id);
  if (r < 0)
    return mwx_error_set(MWX_EIO, "node stages: format");
  w = (size_t)r < cap ? (size_t)r : cap - 1;
  for (int i = 0; i < MWX_NODE_STAGE_COUNT && w + 1 < cap; i++) {
    if (!ev->stage_ns[i])
      continue;
    r = snprintf(buf + w, cap - w, " %s=%lld", mwx_node_stage_name((mwx_node_stage)i), (long long)ev->stage_ns[i]);
    if (r < 0)
      break;
    w += (size_t)r < cap - w ? (size_t)r : cap - w - 1;
  }
  return 0;
}
