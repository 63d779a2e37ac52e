/*
 * msg.c - the coalition data model (see include/mwx/msg.h): topic names,
 * markings, the canonical big-endian encoding and its strict decoder,
 * stripping and coarsening of optional fields, and JSON rendering.
 * Ed25519 keys and signatures live in msg_sign.c.
 *
 * Canonical bytes, in order (all integers big-endian, doubles and floats as
 * their IEEE-754 bit patterns, strings NUL-padded to their declared length):
 *
 *   u8  format version (1)
 *   u8  topic
 *   u32 fields (MWX_F_* bits; only bits the topic can carry)
 *   marking: originator[4] u8 classification u8 n_releasable
 *            releasable_to[n_releasable][4] rule_id[32] u64 seq
 *   payload: the topic's fixed fields, then the optional ones whose bit is
 *            set (sources: u8 n_sensors, then ids if MWX_F_SENSORS, then
 *            positions if MWX_F_SENSOR_POS; track: covariance, contributors)
 *
 * The decoder accepts exactly the bytes the encoder can produce: it checks
 * every count against its array, every string for a terminating NUL and
 * zero padding, the topic, the field bits and the total length, so a
 * decoded sample re-encodes to the same bytes (which is what the signature
 * covers).  Every failure names the byte offset.
 */
#include "mwx/msg.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "mwx/text.h"

#define MSG_FORMAT_VERSION 1u
#define SOURCE_FIELDS (MWX_F_SENSORS | MWX_F_SENSOR_POS)
#define TRACK_FIELDS (SOURCE_FIELDS | MWX_F_COVARIANCE | MWX_F_CONTRIBUTORS)

static const char *const topic_names[] = {NULL, "Track", "LaunchEvent", "ImpactPrediction", "Alert",
                                          "NodeStatus"};

const char *mwx_msg_topic_name(mwx_msg_topic t) {
  if (t >= MWX_TOPIC_TRACK && t <= MWX_TOPIC_STATUS) return topic_names[t];
  return "unknown";
}

int mwx_msg_topic_parse(const char *name, mwx_msg_topic *out) {
  if (name)
    for (int t = MWX_TOPIC_TRACK; t <= MWX_TOPIC_STATUS; t++)
      if (!strcmp(name, topic_names[t])) {
        *out = (mwx_msg_topic)t;
        return 0;
      }
  return mwx_error_set(MWX_EINVAL, "unknown topic '%s' (Track, LaunchEvent, ImpactPrediction, Alert, NodeStatus)",
                       name ? name : "(null)");
}

static uint32_t topic_fields(uint8_t topic) {
  switch (topic) {
  case MWX_TOPIC_TRACK: return TRACK_FIELDS;
  case MWX_TOPIC_LAUNCH:
  case MWX_TOPIC_IMPACT: return SOURCE_FIELDS;
  default: return 0;
  }
}

/* ---- markings ---------------------------------------------------------- */

static int nation_ok(const char *s) {
  return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z' && s[3] == '\0';
}

int mwx_msg_marking_check(const mwx_msg_marking *m) {
  if (!m) return mwx_error_set(MWX_EINVAL, "marking: NULL");
  if (!nation_ok(m->originator))
    return mwx_error_set(MWX_EINVAL, "marking: originator '%.4s' is not a three-letter nation code", m->originator);
  if (m->classification > MWX_CLASSIF_SECRET)
    return mwx_error_set(MWX_EINVAL, "marking: unknown classification %u", m->classification);
  if (m->n_releasable > MWX_MAX_NATIONS)
    return mwx_error_set(MWX_EINVAL, "marking: %u releasable-to entries (max %d)", m->n_releasable, MWX_MAX_NATIONS);
  int has_orig = 0;
  for (unsigned i = 0; i < m->n_releasable; i++) {
    if (!nation_ok(m->releasable_to[i]))
      return mwx_error_set(MWX_EINVAL, "marking: releasable-to entry %u '%.4s' is not a nation code", i,
                           m->releasable_to[i]);
    if (i > 0 && strcmp(m->releasable_to[i - 1], m->releasable_to[i]) >= 0)
      return mwx_error_set(MWX_EINVAL, "marking: releasable-to list is not sorted and unique at entry %u", i);
    if (!strcmp(m->releasable_to[i], m->originator)) has_orig = 1;
  }
  if (!has_orig)
    return mwx_error_set(MWX_EINVAL, "marking: releasable-to list does not name the originator %s", m->originator);
  if (memchr(m->rule_id, '\0', MWX_ID_LEN) == NULL)
    return mwx_error_set(MWX_EINVAL, "marking: rule id is not NUL-terminated");
  if (!mwx_text_id_chars_ok(m->rule_id))
    return mwx_error_set(MWX_EINVAL, "marking: rule id holds a character outside the id set (A-Z a-z 0-9 - _ . : / @ +)");
  return 0;
}

/* NUL within n bytes and no control character before it. */
static int text_ok(const char *s, size_t n) {
  const char *end = memchr(s, '\0', n);
  if (!end) return 0;
  for (; s < end; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
  return 1;
}
static int id_ok(const char *s) { return memchr(s, '\0', MWX_ID_LEN) && mwx_text_id_chars_ok(s); }

int64_t mwx_msg_valid_ns(const mwx_msg *m) {
  if (!m)
    return 0;
  switch (m->topic) {
  case MWX_TOPIC_TRACK: return m->u.track.time_ns;
  case MWX_TOPIC_IMPACT: return m->u.impact.time_ns;
  case MWX_TOPIC_ALERT: return m->u.alert.time_ns;
  case MWX_TOPIC_STATUS: return m->u.status.time_ns;
  default: return 0;
  }
}

int mwx_msg_check_text(const mwx_msg *m) {
  if (!m) return mwx_error_set(MWX_EINVAL, "sample: NULL");
  int rc = mwx_msg_marking_check(&m->mark);
  if (rc) return rc;
  const mwx_msg_sources *src = NULL;
  const char *id = NULL, *what = "local track id";
  switch (m->topic) {
  case MWX_TOPIC_TRACK:
    id = m->u.track.local_track_id, src = &m->u.track.src;
    for (unsigned i = 0; i < m->u.track.n_contributors && i < MWX_MAX_NATIONS; i++)
      if (!text_ok(m->u.track.contributors[i], MWX_NATION_LEN))
        return mwx_error_set(MWX_EINVAL, "sample: contributor %u holds a control character", i);
    break;
  case MWX_TOPIC_LAUNCH: id = m->u.launch.local_track_id, src = &m->u.launch.src; break;
  case MWX_TOPIC_IMPACT:
    id = m->u.impact.local_track_id, src = &m->u.impact.src;
    if (!text_ok(m->u.impact.zone_nation, MWX_NATION_LEN))
      return mwx_error_set(MWX_EINVAL, "sample: zone nation holds a control character");
    for (unsigned i = 0; i < m->u.impact.n_overflown && i < MWX_MAX_NATIONS; i++)
      if (!text_ok(m->u.impact.overflown[i], MWX_NATION_LEN))
        return mwx_error_set(MWX_EINVAL, "sample: overflown nation %u holds a control character", i);
    break;
  case MWX_TOPIC_ALERT:
    id = m->u.alert.alert_id, what = "alert id";
    if (!text_ok(m->u.alert.nation, MWX_NATION_LEN) || !text_ok(m->u.alert.regions, MWX_TEXT_LEN) ||
        !text_ok(m->u.alert.text, MWX_TEXT_LEN))
      return mwx_error_set(MWX_EINVAL, "sample: alert nation, regions or text holds a control character");
    break;
  case MWX_TOPIC_STATUS:
    id = m->u.status.node_id, what = "node id";
    if (!text_ok(m->u.status.nation, MWX_NATION_LEN) || !text_ok(m->u.status.version, sizeof m->u.status.version))
      return mwx_error_set(MWX_EINVAL, "sample: status nation or version holds a control character");
    break;
  default: return mwx_error_set(MWX_EINVAL, "sample: unknown topic %u", m->topic);
  }
  if (!id_ok(id)) return mwx_error_set(MWX_EINVAL, "sample: %s holds a character outside the id set", what);
  if (src && (m->fields & MWX_F_SENSORS))
    for (unsigned i = 0; i < src->n_sensors && i < MWX_MAX_SENSORS; i++)
      if (!id_ok(src->sensor_id[i]))
        return mwx_error_set(MWX_EINVAL, "sample: sensor id %u holds a character outside the id set", i);
  return 0;
}

int mwx_msg_marking_add(mwx_msg_marking *m, const char *nation) {
  if (!nation || strlen(nation) != 3 || !nation_ok(nation))
    return mwx_error_set(MWX_EINVAL, "'%s' is not a three-letter upper-case nation code", nation ? nation : "(null)");
  unsigned n = m->n_releasable > MWX_MAX_NATIONS ? MWX_MAX_NATIONS : m->n_releasable, i = 0;
  while (i < n && strcmp(m->releasable_to[i], nation) < 0) i++;
  if (i < n && !strcmp(m->releasable_to[i], nation)) return 0;
  if (n == MWX_MAX_NATIONS)
    return mwx_error_set(MWX_ERANGE, "releasable-to list is full (%d nations), cannot add %s", MWX_MAX_NATIONS, nation);
  memmove(m->releasable_to[i + 1], m->releasable_to[i], (size_t)(n - i) * MWX_NATION_LEN);
  memcpy(m->releasable_to[i], nation, MWX_NATION_LEN);
  m->n_releasable = (uint8_t)(n + 1);
  return 0;
}

int mwx_msg_marking_allows(const mwx_msg_marking *m, const char *nation) {
  if (!m || !nation) return 0;
  unsigned n = m->n_releasable > MWX_MAX_NATIONS ? MWX_MAX_NATIONS : m->n_releasable;
  for (unsigned i = 0; i < n; i++)
    if (!strncmp(m->releasable_to[i], nation, MWX_NATION_LEN)) return 1;
  return 0;
}

/* ---- encoding ---------------------------------------------------------- */

typedef struct wbuf {
  uint8_t *p;
  size_t cap, len;
  int err; /* 0, or the first error code */
} wbuf;

static void put_bytes(wbuf *w, const void *b, size_t n) {
  if (w->err) return;
  if (w->cap - w->len < n) {
    w->err = mwx_error_set(MWX_ERANGE, "encode: buffer of %zu bytes too small", w->cap);
    return;
  }
  memcpy(w->p + w->len, b, n);
  w->len += n;
}
static void put_u8(wbuf *w, uint8_t v) { put_bytes(w, &v, 1); }
static void put_u32(wbuf *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  put_bytes(w, b, 4);
}
static void put_u64(wbuf *w, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (56 - 8 * i));
  put_bytes(w, b, 8);
}
static void put_i64(wbuf *w, int64_t v) { put_u64(w, (uint64_t)v); }
static void put_f64(wbuf *w, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  put_u64(w, u);
}
static void put_f32(wbuf *w, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  put_u32(w, u);
}
/* A string field: must be NUL-terminated within n; written NUL-padded. */
static void put_str(wbuf *w, const char *s, size_t n, const char *what) {
  if (w->err) return;
  size_t l = strnlen(s, n);
  if (l == n) {
    w->err = mwx_error_set(MWX_EINVAL, "encode: %s is not NUL-terminated within %zu bytes", what, n);
    return;
  }
  uint8_t pad[MWX_TEXT_LEN] = {0};
  put_bytes(w, s, l);
  put_bytes(w, pad, n - l);
}
static void put_count(wbuf *w, unsigned n, unsigned max, const char *what) {
  if (w->err) return;
  if (n > max) {
    w->err = mwx_error_set(MWX_EINVAL, "encode: %s count %u exceeds %u", what, n, max);
    return;
  }
  put_u8(w, (uint8_t)n);
}

static void put_sources(wbuf *w, const mwx_msg_sources *s, uint32_t f) {
  if (!(f & SOURCE_FIELDS)) return;
  put_count(w, s->n_sensors, MWX_MAX_SENSORS, "sensor");
  if (w->err) return;
  if (f & MWX_F_SENSORS)
    for (unsigned i = 0; i < s->n_sensors; i++) put_str(w, s->sensor_id[i], MWX_ID_LEN, "sensor id");
  if (f & MWX_F_SENSOR_POS)
    for (unsigned i = 0; i < s->n_sensors; i++)
      for (int k = 0; k < 3; k++) put_f64(w, s->sensor_pos_ecef_m[i][k]);
}

int mwx_msg_encode(const mwx_msg *m, uint8_t *buf, size_t cap, size_t *len) {
  if (!m || !buf || !len) return mwx_error_set(MWX_EINVAL, "encode: NULL argument");
  if (m->topic < MWX_TOPIC_TRACK || m->topic > MWX_TOPIC_STATUS)
    return mwx_error_set(MWX_EINVAL, "encode: unknown topic %u", m->topic);
  if (m->fields & ~topic_fields(m->topic))
    return mwx_error_set(MWX_EINVAL, "encode: field bits 0x%x not carried by %s", m->fields & ~topic_fields(m->topic),
                         topic_names[m->topic]);
  wbuf w = {buf, cap, 0, 0};
  const uint32_t f = m->fields;
  put_u8(&w, MSG_FORMAT_VERSION);
  put_u8(&w, m->topic);
  put_u32(&w, f);
  const mwx_msg_marking *k = &m->mark;
  put_str(&w, k->originator, MWX_NATION_LEN, "originator");
  put_u8(&w, k->classification);
  put_count(&w, k->n_releasable, MWX_MAX_NATIONS, "releasable-to");
  for (unsigned i = 0; !w.err && i < k->n_releasable; i++)
    put_str(&w, k->releasable_to[i], MWX_NATION_LEN, "releasable-to entry");
  put_str(&w, k->rule_id, MWX_ID_LEN, "rule id");
  put_u64(&w, k->seq);

  switch (m->topic) {
  case MWX_TOPIC_TRACK: {
    const mwx_msg_track *t = &m->u.track;
    put_u32(&w, t->global_track_no);
    put_str(&w, t->local_track_id, MWX_ID_LEN, "local track id");
    put_i64(&w, t->time_ns);
    for (int i = 0; i < 3; i++) put_f64(&w, t->pos_ecef_m[i]);
    for (int i = 0; i < 3; i++) put_f64(&w, t->vel_ecef_mps[i]);
    put_u8(&w, t->phase);
    put_f32(&w, t->quality);
    if (f & MWX_F_COVARIANCE)
      for (int i = 0; i < 21; i++) put_f64(&w, t->cov[i]);
    if (f & MWX_F_CONTRIBUTORS) {
      put_count(&w, t->n_contributors, MWX_MAX_NATIONS, "contributor");
      for (unsigned i = 0; !w.err && i < t->n_contributors; i++)
        put_str(&w, t->contributors[i], MWX_NATION_LEN, "contributor");
    }
    put_sources(&w, &t->src, f);
    break;
  }
  case MWX_TOPIC_LAUNCH: {
    const mwx_msg_launch *l = &m->u.launch;
    put_u32(&w, l->global_track_no);
    put_str(&w, l->local_track_id, MWX_ID_LEN, "local track id");
    put_i64(&w, l->launch_time_ns);
    put_f64(&w, l->launch_time_sigma_s);
    put_f64(&w, l->lat_deg);
    put_f64(&w, l->lon_deg);
    put_f64(&w, l->err_major_km);
    put_f64(&w, l->err_minor_km);
    put_f64(&w, l->err_orient_deg);
    put_f64(&w, l->azimuth_deg);
    put_sources(&w, &l->src, f);
    break;
  }
  case MWX_TOPIC_IMPACT: {
    const mwx_msg_impact *p = &m->u.impact;
    put_u32(&w, p->global_track_no);
    put_str(&w, p->local_track_id, MWX_ID_LEN, "local track id");
    put_i64(&w, p->time_ns);
    put_i64(&w, p->impact_time_ns);
    put_f64(&w, p->lat_deg);
    put_f64(&w, p->lon_deg);
    put_f64(&w, p->ell_major_km);
    put_f64(&w, p->ell_minor_km);
    put_f64(&w, p->ell_orient_deg);
    put_f64(&w, p->apogee_km);
    put_f64(&w, p->range_km);
    put_u8(&w, p->missile_class);
    put_u8(&w, p->zone);
    put_str(&w, p->zone_nation, MWX_NATION_LEN, "zone nation");
    put_count(&w, p->n_overflown, MWX_MAX_NATIONS, "overflown");
    for (unsigned i = 0; !w.err && i < p->n_overflown; i++) put_str(&w, p->overflown[i], MWX_NATION_LEN, "overflown");
    put_sources(&w, &p->src, f);
    break;
  }
  case MWX_TOPIC_ALERT: {
    const mwx_msg_alert *a = &m->u.alert;
    put_str(&w, a->alert_id, MWX_ID_LEN, "alert id");
    put_str(&w, a->nation, MWX_NATION_LEN, "alert nation");
    put_u8(&w, a->severity);
    put_u8(&w, a->action);
    put_u32(&w, a->global_track_no);
    put_i64(&w, a->time_ns);
    put_str(&w, a->regions, MWX_TEXT_LEN, "regions");
    put_str(&w, a->text, MWX_TEXT_LEN, "alert text");
    break;
  }
  case MWX_TOPIC_STATUS: {
    const mwx_msg_status *s = &m->u.status;
    put_str(&w, s->nation, MWX_NATION_LEN, "status nation");
    put_str(&w, s->node_id, MWX_ID_LEN, "node id");
    put_str(&w, s->version, sizeof s->version, "version");
    put_i64(&w, s->time_ns);
    put_u8(&w, s->sensors_total);
    put_u8(&w, s->sensors_ok);
    put_i64(&w, s->clock_offset_ns);
    put_u64(&w, s->journal_head_id);
    put_bytes(&w, s->journal_head_hash, 32);
    put_u64(&w, s->overflows);
    break;
  }
  }
  if (w.err) return w.err;
  *len = w.len;
  return 0;
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct rbuf {
  const uint8_t *p;
  size_t len, off;
  int err;
} rbuf;

static int rneed(rbuf *r, size_t n, const char *what) {
  if (r->err) return 0;
  if (r->len - r->off < n) {
    r->err = mwx_error_set(MWX_EPARSE, "decode: truncated at offset %zu: %s needs %zu bytes, %zu left", r->off, what, n,
                           r->len - r->off);
    return 0;
  }
  return 1;
}
static uint8_t get_u8(rbuf *r, const char *what) {
  if (!rneed(r, 1, what)) return 0;
  return r->p[r->off++];
}
static uint32_t get_u32(rbuf *r, const char *what) {
  if (!rneed(r, 4, what)) return 0;
  const uint8_t *b = r->p + r->off;
  r->off += 4;
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static uint64_t get_u64(rbuf *r, const char *what) {
  if (!rneed(r, 8, what)) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | r->p[r->off + (size_t)i];
  r->off += 8;
  return v;
}
static int64_t get_i64(rbuf *r, const char *what) { return (int64_t)get_u64(r, what); }
static double get_f64(rbuf *r, const char *what) {
  uint64_t u = get_u64(r, what);
  double d;
  memcpy(&d, &u, 8);
  return d;
}
static float get_f32(rbuf *r, const char *what) {
  uint32_t u = get_u32(r, what);
  float f;
  memcpy(&f, &u, 4);
  return f;
}
/* A NUL-padded string of n bytes: must hold a NUL, and only NULs after it. */
static void get_str(rbuf *r, char *dst, size_t n, const char *what) {
  if (!rneed(r, n, what)) return;
  const uint8_t *b = r->p + r->off;
  size_t l = strnlen((const char *)b, n);
  if (l == n) {
    r->err = mwx_error_set(MWX_EPARSE, "decode: %s at offset %zu is not NUL-terminated within %zu bytes", what, r->off, n);
    return;
  }
  for (size_t i = l; i < n; i++)
    if (b[i]) {
      r->err = mwx_error_set(MWX_EPARSE, "decode: %s at offset %zu has non-zero padding at offset %zu", what, r->off,
                             r->off + i);
      return;
    }
  /* text from a partner reaches consoles and logs: no control character
   * (a "\n" in an id printed whole fake lines, docs/security.md "Input") */
  for (size_t i = 0; i < l; i++)
    if (b[i] < 0x20 || b[i] == 0x7f) {
      r->err = mwx_error_set(MWX_EPARSE, "decode: %s at offset %zu holds control character 0x%02x at offset %zu", what,
                             r->off, b[i], r->off + i);
      return;
    }
  memcpy(dst, b, n);
  r->off += n;
}
/* An id (rule, track, sensor, alert, node): get_str, then only the id
 * character set of mwx/text.h (empty allowed: "no rule"). */
static void get_id(rbuf *r, char *dst, size_t n, const char *what) {
  size_t at = r->off;
  get_str(r, dst, n, what);
  if (!r->err && !mwx_text_id_chars_ok(dst))
    r->err = mwx_error_set(MWX_EPARSE, "decode: %s at offset %zu holds a character outside the id set "
                                       "(A-Z a-z 0-9 - _ . : / @ +)", what, at);
}
static uint8_t get_count(rbuf *r, unsigned max, const char *what) {
  size_t at = r->off;
  uint8_t n = get_u8(r, what);
  if (!r->err && n > max) {
    r->err = mwx_error_set(MWX_EPARSE, "decode: %s count %u at offset %zu exceeds %u", what, n, at, max);
    return 0;
  }
  return n;
}

static void get_sources(rbuf *r, mwx_msg_sources *s, uint32_t f) {
  if (!(f & SOURCE_FIELDS)) return;
  s->n_sensors = get_count(r, MWX_MAX_SENSORS, "sensor");
  if (f & MWX_F_SENSORS)
    for (unsigned i = 0; !r->err && i < s->n_sensors; i++) get_id(r, s->sensor_id[i], MWX_ID_LEN, "sensor id");
  if (f & MWX_F_SENSOR_POS)
    for (unsigned i = 0; !r->err && i < s->n_sensors; i++)
      for (int k = 0; k < 3; k++) s->sensor_pos_ecef_m[i][k] = get_f64(r, "sensor position");
}

int mwx_msg_decode(const uint8_t *buf, size_t len, mwx_msg *m) {
  if (!m || (!buf && len)) return mwx_error_set(MWX_EINVAL, "decode: NULL argument");
  memset(m, 0, sizeof *m);
  rbuf r = {buf, len, 0, 0};
  uint8_t ver = get_u8(&r, "version");
  if (!r.err && ver != MSG_FORMAT_VERSION)
    return mwx_error_set(MWX_EPARSE, "decode: unknown format version %u at offset 0", ver);
  m->topic = get_u8(&r, "topic");
  if (!r.err && (m->topic < MWX_TOPIC_TRACK || m->topic > MWX_TOPIC_STATUS))
    return mwx_error_set(MWX_EPARSE, "decode: unknown topic %u at offset 1", m->topic);
  m->fields = get_u32(&r, "fields");
  if (!r.err && (m->fields & ~topic_fields(m->topic)))
    return mwx_error_set(MWX_EPARSE, "decode: field bits 0x%x at offset 2 not carried by %s",
                         m->fields & ~topic_fields(m->topic), topic_names[m->topic]);
  const uint32_t f = m->fields;
  mwx_msg_marking *k = &m->mark;
  get_str(&r, k->originator, MWX_NATION_LEN, "originator");
  k->classification = get_u8(&r, "classification");
  k->n_releasable = get_count(&r, MWX_MAX_NATIONS, "releasable-to");
  for (unsigned i = 0; !r.err && i < k->n_releasable; i++)
    get_str(&r, k->releasable_to[i], MWX_NATION_LEN, "releasable-to entry");
  get_id(&r, k->rule_id, MWX_ID_LEN, "rule id");
  k->seq = get_u64(&r, "seq");

  switch (m->topic) {
  case MWX_TOPIC_TRACK: {
    mwx_msg_track *t = &m->u.track;
    t->global_track_no = get_u32(&r, "global track number");
    get_id(&r, t->local_track_id, MWX_ID_LEN, "local track id");
    t->time_ns = get_i64(&r, "time");
    for (int i = 0; i < 3; i++) t->pos_ecef_m[i] = get_f64(&r, "position");
    for (int i = 0; i < 3; i++) t->vel_ecef_mps[i] = get_f64(&r, "velocity");
    t->phase = get_u8(&r, "phase");
    t->quality = get_f32(&r, "quality");
    if (f & MWX_F_COVARIANCE)
      for (int i = 0; i < 21; i++) t->cov[i] = get_f64(&r, "covariance");
    if (f & MWX_F_CONTRIBUTORS) {
      t->n_contributors = get_count(&r, MWX_MAX_NATIONS, "contributor");
      for (unsigned i = 0; !r.err && i < t->n_contributors; i++)
        get_str(&r, t->contributors[i], MWX_NATION_LEN, "contributor");
    }
    get_sources(&r, &t->src, f);
    break;
  }
  case MWX_TOPIC_LAUNCH: {
    mwx_msg_launch *l = &m->u.launch;
    l->global_track_no = get_u32(&r, "global track number");
    get_id(&r, l->local_track_id, MWX_ID_LEN, "local track id");
    l->launch_time_ns = get_i64(&r, "launch time");
    l->launch_time_sigma_s = get_f64(&r, "launch time sigma");
    l->lat_deg = get_f64(&r, "latitude");
    l->lon_deg = get_f64(&r, "longitude");
    l->err_major_km = get_f64(&r, "error ellipse");
    l->err_minor_km = get_f64(&r, "error ellipse");
    l->err_orient_deg = get_f64(&r, "error ellipse");
    l->azimuth_deg = get_f64(&r, "azimuth");
    get_sources(&r, &l->src, f);
    break;
  }
  case MWX_TOPIC_IMPACT: {
    mwx_msg_impact *p = &m->u.impact;
    p->global_track_no = get_u32(&r, "global track number");
    get_id(&r, p->local_track_id, MWX_ID_LEN, "local track id");
    p->time_ns = get_i64(&r, "time");
    p->impact_time_ns = get_i64(&r, "impact time");
    p->lat_deg = get_f64(&r, "latitude");
    p->lon_deg = get_f64(&r, "longitude");
    p->ell_major_km = get_f64(&r, "ellipse");
    p->ell_minor_km = get_f64(&r, "ellipse");
    p->ell_orient_deg = get_f64(&r, "ellipse");
    p->apogee_km = get_f64(&r, "apogee");
    p->range_km = get_f64(&r, "range");
    p->missile_class = get_u8(&r, "missile class");
    p->zone = get_u8(&r, "zone");
    get_str(&r, p->zone_nation, MWX_NATION_LEN, "zone nation");
    p->n_overflown = get_count(&r, MWX_MAX_NATIONS, "overflown");
    for (unsigned i = 0; !r.err && i < p->n_overflown; i++) get_str(&r, p->overflown[i], MWX_NATION_LEN, "overflown");
    get_sources(&r, &p->src, f);
    break;
  }
  case MWX_TOPIC_ALERT: {
    mwx_msg_alert *a = &m->u.alert;
    get_id(&r, a->alert_id, MWX_ID_LEN, "alert id");
    get_str(&r, a->nation, MWX_NATION_LEN, "alert nation");
    a->severity = get_u8(&r, "severity");
    a->action = get_u8(&r, "action");
    a->global_track_no = get_u32(&r, "global track number");
    a->time_ns = get_i64(&r, "time");
    get_str(&r, a->regions, MWX_TEXT_LEN, "regions");
    get_str(&r, a->text, MWX_TEXT_LEN, "alert text");
    break;
  }
  case MWX_TOPIC_STATUS: {
    mwx_msg_status *s = &m->u.status;
    get_str(&r, s->nation, MWX_NATION_LEN, "status nation");
    get_id(&r, s->node_id, MWX_ID_LEN, "node id");
    get_str(&r, s->version, sizeof s->version, "version");
    s->time_ns = get_i64(&r, "time");
    s->sensors_total = get_u8(&r, "sensors total");
    s->sensors_ok = get_u8(&r, "sensors ok");
    s->clock_offset_ns = get_i64(&r, "clock offset");
    s->journal_head_id = get_u64(&r, "journal head id");
    if (rneed(&r, 32, "journal head hash")) {
      memcpy(s->journal_head_hash, r.p + r.off, 32);
      r.off += 32;
    }
    s->overflows = get_u64(&r, "overflows");
    break;
  }
  }
  if (!r.err && r.off != len)
    r.err = mwx_error_set(MWX_EPARSE, "decode: %zu trailing bytes at offset %zu", len - r.off, r.off);
  if (r.err) {
    memset(m, 0, sizeof *m);
    return r.err;
  }
  return 0;
}

/* ---- strip and coarsen ------------------------------------------------- */

static mwx_msg_sources *sources_of(mwx_msg *m) {
  switch (m->topic) {
  case MWX_TOPIC_TRACK: return &m->u.track.src;
  case MWX_TOPIC_LAUNCH: return &m->u.launch.src;
  case MWX_TOPIC_IMPACT: return &m->u.impact.src;
  default: return NULL;
  }
}

void mwx_msg_strip(mwx_msg *m, uint32_t fields) {
  if (!m) return;
  fields &= m->fields | topic_fields(m->topic);
  mwx_msg_sources *s = sources_of(m);
  if (s) {
    if (fields & MWX_F_SENSORS) memset(s->sensor_id, 0, sizeof s->sensor_id);
    if (fields & MWX_F_SENSOR_POS) memset(s->sensor_pos_ecef_m, 0, sizeof s->sensor_pos_ecef_m);
  }
  if (m->topic == MWX_TOPIC_TRACK) {
    if (fields & MWX_F_COVARIANCE) memset(m->u.track.cov, 0, sizeof m->u.track.cov);
    if (fields & MWX_F_CONTRIBUTORS) {
      memset(m->u.track.contributors, 0, sizeof m->u.track.contributors);
      m->u.track.n_contributors = 0;
    }
  }
  m->fields &= ~fields;
  if (s && !(m->fields & SOURCE_FIELDS)) s->n_sensors = 0;
}

static double round_to(double v, double step) {
  if (!(step > 0) || !isfinite(v)) return v;
  double q = v / step;
  if (!(fabs(q) < 4503599627370496.0)) return v; /* 2^52: the grid is finer than v's own precision */
  return round(q) * step;
}
static int64_t round_time(int64_t t, double precision_s) {
  if (!(precision_s > 0)) return t;
  double step = precision_s * 1e9;
  if (step >= 9.2e18) return 0;
  int64_t q = (int64_t)step;
  if (q <= 1) return t;
  int64_t r = t % q;
  if (r < 0) r += q;
  int64_t down = t - r;
  if (r >= q - r && down <= INT64_MAX - q) return down + q;
  return down;
}
/* Latitude/longitude to a grid of about precision_m; an error ellipse is
 * never reported smaller than the grid it now sits on. */
static void coarsen_ll(double *lat, double *lon, double *major_km, double *minor_km, double precision_m) {
  /* 111,320 m: one degree along the equator, 2 pi a / 360 with the WGS 84
     semi-major axis a = 6,378,137 m (NIMA TR8350.2 table 3.1) is 111,319.5 m;
     a degree of latitude is 110.6 to 111.7 km, so the grid is about precision_m */
  double step_deg = precision_m / 111320.0;
  *lat = round_to(*lat, step_deg);
  *lon = round_to(*lon, step_deg);
  double km = precision_m / 1000.0;
  if (*major_km < km) *major_km = km;
  if (*minor_km < km) *minor_km = km;
}

/* The covariance of a coarsened Track keeps holding its error (a receiver
 * fuses with it: docs/fusion.md).  Rounding each ECEF coordinate to a grid
 * of q metres adds an error uniform on [-q/2, q/2], independent per axis
 * and of the filter's error: variance q^2/12 on each position diagonal.
 * Rounding the time of validity by up to dt (uniform, variance dt_s^2/12)
 * leaves the state describing the missile dt earlier or later: position
 * error v*dt, so v v^T dt_s^2/12 joins the position block (the velocity's
 * own change over dt, a*dt with a <= g, is below 3 m/s for dt <= 1 s and is
 * not added).  Upper triangle of the 6x6, row-major (msg.h). */
static void track_cov_coarsened(mwx_msg_track *t, double q_m, double q_s) {
  const double qv = q_m * q_m / 12.0, tv = q_s * q_s / 12.0;
  int idx = 0;
  for (int i = 0; i < 6; i++)
    for (int j = i; j < 6; j++, idx++) {
      if (i >= 3 || j >= 3)
        continue;
      if (i == j)
        t->cov[idx] += qv;
      t->cov[idx] += t->vel_ecef_mps[i] * t->vel_ecef_mps[j] * tv;
    }
}

void mwx_msg_coarsen(mwx_msg *m, double precision_m, double precision_s) {
  if (!m) return;
  int pos = precision_m > 0 && isfinite(precision_m);
  int tim = precision_s > 0 && isfinite(precision_s);
  mwx_msg_sources *s = sources_of(m);
  if (pos && s && (m->fields & MWX_F_SENSOR_POS))
    for (unsigned i = 0; i < s->n_sensors && i < MWX_MAX_SENSORS; i++)
      for (int k = 0; k < 3; k++) s->sensor_pos_ecef_m[i][k] = round_to(s->sensor_pos_ecef_m[i][k], precision_m);
  switch (m->topic) {
  case MWX_TOPIC_TRACK:
    if (pos)
      for (int k = 0; k < 3; k++) m->u.track.pos_ecef_m[k] = round_to(m->u.track.pos_ecef_m[k], precision_m);
    if (tim) m->u.track.time_ns = round_time(m->u.track.time_ns, precision_s);
    if (m->fields & MWX_F_COVARIANCE) track_cov_coarsened(&m->u.track, pos ? precision_m : 0, tim ? precision_s : 0);
    break;
  case MWX_TOPIC_LAUNCH:
    if (pos)
      coarsen_ll(&m->u.launch.lat_deg, &m->u.launch.lon_deg, &m->u.launch.err_major_km, &m->u.launch.err_minor_km,
                 precision_m);
    if (tim) {
      m->u.launch.launch_time_ns = round_time(m->u.launch.launch_time_ns, precision_s);
      if (m->u.launch.launch_time_sigma_s < precision_s) m->u.launch.launch_time_sigma_s = precision_s;
    }
    break;
  case MWX_TOPIC_IMPACT:
    if (pos)
      coarsen_ll(&m->u.impact.lat_deg, &m->u.impact.lon_deg, &m->u.impact.ell_major_km, &m->u.impact.ell_minor_km,
                 precision_m);
    if (tim) {
      m->u.impact.time_ns = round_time(m->u.impact.time_ns, precision_s);
      m->u.impact.impact_time_ns = round_time(m->u.impact.impact_time_ns, precision_s);
    }
    break;
  case MWX_TOPIC_ALERT:
    if (tim) m->u.alert.time_ns = round_time(m->u.alert.time_ns, precision_s);
    break;
  case MWX_TOPIC_STATUS:
    if (tim) m->u.status.time_ns = round_time(m->u.status.time_ns, precision_s);
    break;
  }
}

/* ---- JSON -------------------------------------------------------------- */

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }
static json_t *jstr(const char *s, size_t n) {
  json_t *j = json_stringn(s, strnlen(s, n));
  return j ? j : json_string("(invalid UTF-8)");
}
static json_t *jvec(const double *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, jnum(v[i]));
  return a;
}
static json_t *jnations(const char (*v)[MWX_NATION_LEN], unsigned n) {
  json_t *a = json_array();
  for (unsigned i = 0; i < n && i < MWX_MAX_NATIONS; i++) json_array_append_new(a, jstr(v[i], MWX_NATION_LEN));
  return a;
}

static void json_sources(json_t *o, const mwx_msg_sources *s, uint32_t f) {
  unsigned n = s->n_sensors > MWX_MAX_SENSORS ? MWX_MAX_SENSORS : s->n_sensors;
  if (f & MWX_F_SENSORS) {
    json_t *a = json_array();
    for (unsigned i = 0; i < n; i++) json_array_append_new(a, jstr(s->sensor_id[i], MWX_ID_LEN));
    json_object_set_new(o, "sensors", a);
  }
  if (f & MWX_F_SENSOR_POS) {
    json_t *a = json_array();
    for (unsigned i = 0; i < n; i++) json_array_append_new(a, jvec(s->sensor_pos_ecef_m[i], 3));
    json_object_set_new(o, "sensor_positions_ecef_m", a);
  }
}

int mwx_msg_to_json(const mwx_msg *m, char **json_out) {
  if (!m || !json_out) return mwx_error_set(MWX_EINVAL, "to_json: NULL argument");
  static const char *const classif[] = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"};
  json_t *o = json_object(), *mk = json_object(), *p = json_object();
  if (!o || !mk || !p) {
    json_decref(o);
    json_decref(mk);
    json_decref(p);
    return mwx_error_set(MWX_ENOMEM, "to_json: out of memory");
  }
  const uint32_t f = m->fields;
  json_object_set_new(o, "topic", json_string(mwx_msg_topic_name((mwx_msg_topic)m->topic)));
  json_object_set_new(o, "fields", json_integer(f));
  json_object_set_new(mk, "originator", jstr(m->mark.originator, MWX_NATION_LEN));
  json_object_set_new(mk, "classification", json_string(m->mark.classification <= 3 ? classif[m->mark.classification]
                                                                                    : "UNKNOWN"));
  json_object_set_new(mk, "releasable_to", jnations(m->mark.releasable_to, m->mark.n_releasable));
  json_object_set_new(mk, "rule_id", jstr(m->mark.rule_id, MWX_ID_LEN));
  json_object_set_new(mk, "seq", json_integer((json_int_t)m->mark.seq));
  json_object_set_new(o, "marking", mk);
  switch (m->topic) {
  case MWX_TOPIC_TRACK: {
    const mwx_msg_track *t = &m->u.track;
    json_object_set_new(p, "global_track_no", json_integer(t->global_track_no));
    json_object_set_new(p, "local_track_id", jstr(t->local_track_id, MWX_ID_LEN));
    json_object_set_new(p, "time_ns", json_integer(t->time_ns));
    json_object_set_new(p, "pos_ecef_m", jvec(t->pos_ecef_m, 3));
    json_object_set_new(p, "vel_ecef_mps", jvec(t->vel_ecef_mps, 3));
    json_object_set_new(p, "phase", json_integer(t->phase));
    json_object_set_new(p, "quality", jnum(t->quality));
    if (f & MWX_F_COVARIANCE) json_object_set_new(p, "covariance", jvec(t->cov, 21));
    if (f & MWX_F_CONTRIBUTORS) json_object_set_new(p, "contributors", jnations(t->contributors, t->n_contributors));
    json_sources(p, &t->src, f);
    break;
  }
  case MWX_TOPIC_LAUNCH: {
    const mwx_msg_launch *l = &m->u.launch;
    json_object_set_new(p, "global_track_no", json_integer(l->global_track_no));
    json_object_set_new(p, "local_track_id", jstr(l->local_track_id, MWX_ID_LEN));
    json_object_set_new(p, "launch_time_ns", json_integer(l->launch_time_ns));
    json_object_set_new(p, "launch_time_sigma_s", jnum(l->launch_time_sigma_s));
    json_object_set_new(p, "lat_deg", jnum(l->lat_deg));
    json_object_set_new(p, "lon_deg", jnum(l->lon_deg));
    json_object_set_new(p, "err_major_km", jnum(l->err_major_km));
    json_object_set_new(p, "err_minor_km", jnum(l->err_minor_km));
    json_object_set_new(p, "err_orient_deg", jnum(l->err_orient_deg));
    json_object_set_new(p, "azimuth_deg", jnum(l->azimuth_deg));
    json_sources(p, &l->src, f);
    break;
  }
  case MWX_TOPIC_IMPACT: {
    const mwx_msg_impact *q = &m->u.impact;
    json_object_set_new(p, "global_track_no", json_integer(q->global_track_no));
    json_object_set_new(p, "local_track_id", jstr(q->local_track_id, MWX_ID_LEN));
    json_object_set_new(p, "time_ns", json_integer(q->time_ns));
    json_object_set_new(p, "impact_time_ns", json_integer(q->impact_time_ns));
    json_object_set_new(p, "lat_deg", jnum(q->lat_deg));
    json_object_set_new(p, "lon_deg", jnum(q->lon_deg));
    json_object_set_new(p, "ell_major_km", jnum(q->ell_major_km));
    json_object_set_new(p, "ell_minor_km", jnum(q->ell_minor_km));
    json_object_set_new(p, "ell_orient_deg", jnum(q->ell_orient_deg));
    json_object_set_new(p, "apogee_km", jnum(q->apogee_km));
    json_object_set_new(p, "range_km", jnum(q->range_km));
    json_object_set_new(p, "missile_class", json_integer(q->missile_class));
    json_object_set_new(p, "zone", json_integer(q->zone));
    json_object_set_new(p, "zone_nation", jstr(q->zone_nation, MWX_NATION_LEN));
    json_object_set_new(p, "overflown", jnations(q->overflown, q->n_overflown));
    json_sources(p, &q->src, f);
    break;
  }
  case MWX_TOPIC_ALERT: {
    const mwx_msg_alert *a = &m->u.alert;
    json_object_set_new(p, "alert_id", jstr(a->alert_id, MWX_ID_LEN));
    json_object_set_new(p, "nation", jstr(a->nation, MWX_NATION_LEN));
    json_object_set_new(p, "severity", json_integer(a->severity));
    json_object_set_new(p, "action", json_integer(a->action));
    json_object_set_new(p, "global_track_no", json_integer(a->global_track_no));
    json_object_set_new(p, "time_ns", json_integer(a->time_ns));
    json_object_set_new(p, "regions", jstr(a->regions, MWX_TEXT_LEN));
    json_object_set_new(p, "text", jstr(a->text, MWX_TEXT_LEN));
    break;
  }
  case MWX_TOPIC_STATUS: {
    const mwx_msg_status *s = &m->u.status;
    json_object_set_new(p, "nation", jstr(s->nation, MWX_NATION_LEN));
    json_object_set_new(p, "node_id", jstr(s->node_id, MWX_ID_LEN));
    json_object_set_new(p, "version", jstr(s->version, sizeof s->version));
    json_object_set_new(p, "time_ns", json_integer(s->time_ns));
    json_object_set_new(p, "sensors_total", json_integer(s->sensors_total));
    json_object_set_new(p, "sensors_ok", json_integer(s->sensors_ok));
    json_object_set_new(p, "clock_offset_ns", json_integer(s->clock_offset_ns));
    json_object_set_new(p, "journal_head_id", json_integer((json_int_t)s->journal_head_id));
    char hh[65];
    for (int i = 0; i < 32; i++) snprintf(hh + 2 * i, 3, "%02x", s->journal_head_hash[i]);
    json_object_set_new(p, "journal_head_hash", json_string(hh));
    json_object_set_new(p, "overflows", json_integer((json_int_t)(s->overflows > INT64_MAX ? INT64_MAX : s->overflows)));
    break;
  }
  }
  json_object_set_new(o, "payload", p);
  char hex[2 * MWX_SIG_LEN + 1];
  for (int i = 0; i < MWX_SIG_LEN; i++) snprintf(hex + 2 * i, 3, "%02x", m->sig[i]);
  json_object_set_new(o, "sig", json_string(hex));
  char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
  json_decref(o);
  if (!s) return mwx_error_set(MWX_ENOMEM, "to_json: could not render (invalid UTF-8 in a text field?)");
  *json_out = s;
  return 0;
}
