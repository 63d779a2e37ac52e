/*
 * cop_push.c - node events to the pages: the push frames every page reads
 * (each event serialised once, the same bytes written to every page), a
 * track's updates coalesced to one per COP_COALESCE_NS, the picture kept
 * for snapshots (every nation's newest sample, with a trail per
 * track), partner status, the release queue's JSON.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cop/cop_int.h"
#include "mwx/error.h"
#include "mwx/release.h"

/* ---- the push frames ----------------------------------------------------- */

static cop_frame *open_frame(mwx_cop *c) { return &c->frames[c->frame_head % COP_FRAMES]; }

/* room for add more bytes in f (after LWS_PRE); 0 or -1 */
static int frame_room(cop_frame *f, size_t add) {
  if (f->len + add <= f->cap)
    return 0;
  size_t cap = f->cap ? f->cap : 16384;
  while (cap < f->len + add)
    cap *= 2;
  unsigned char *b = realloc(f->buf, LWS_PRE + cap);
  if (!b)
    return -1;
  f->buf = b;
  f->cap = cap;
  return 0;
}

static int frame_append(const char *buf, size_t size, void *vf) {
  cop_frame *f = vf;
  if (frame_room(f, size))
    return -1;
  memcpy(f->buf + LWS_PRE + f->len, buf, size);
  f->len += size;
  return 0;
}

static void frame_drop_oldest(mwx_cop *c) {
  cop_frame *f = &c->frames[c->frame_tail % COP_FRAMES];
  c->kept_bytes -= f->len;
  free(f->buf);
  memset(f, 0, sizeof *f);
  c->frame_tail++;
}

/* A frame holds at most a quarter of a page's backlog bound (and
 * COP_FRAME_MAX bytes), so a page that reads as fast as frames are sealed is
 * never past the bound. */
size_t cop_frame_cap_bytes(const mwx_cop *c) {
  size_t q = c->cfg.ws_backlog_bytes / 4;
  return q < COP_FRAME_MAX ? (q ? q : 1) : COP_FRAME_MAX;
}
uint32_t cop_frame_cap_events(const mwx_cop *c) {
  int q = c->cfg.ws_backlog_msgs / 4;
  return q > 0 ? (uint32_t)q : 1;
}

void cop_frames_seal(mwx_cop *c) {
  cop_frame *f = open_frame(c);
  if (!f->n_events)
    return;
  if (frame_room(f, 1))
    return; /* (kept open: sealed at the next try) */
  f->buf[LWS_PRE + f->len++] = ']';
  f->sealed_at = mwx_node_mono_ns();
  if (f->urgent_mono) /* (the lag of urgent events: a lazy one's wait is by design) */
    cop_wlag_add(&c->wl_seal, f->sealed_at - f->urgent_mono);
  uint64_t ev = f->events_before + f->n_events, by = f->bytes_before + f->len;
  c->kept_bytes += f->len;
  c->st.ws_sealed_bytes += f->len;
  c->frame_head++;
  c->st.ws_sealed++;
  c->sealed_mono = mwx_node_mono_ns();
  /* the bounds: no page within its backlog bound needs more than
     ws_backlog_bytes + one frame, nor more than COP_FRAMES - 1 frames */
  while (c->frame_tail + 1 < c->frame_head &&
         (c->frame_head - c->frame_tail >= COP_FRAMES ||
          c->kept_bytes > (uint64_t)c->cfg.ws_backlog_bytes + cop_frame_cap_bytes(c)))
    frame_drop_oldest(c);
  cop_frame *n = open_frame(c); /* (free: the oldest frame, dropped above when the ring was full) */
  memset(n, 0, sizeof *n);
  n->events_before = ev;
  n->bytes_before = by;
  cop_ws_sealed(c, c->seal_direct);
}

void cop_wlag_add(cop_wlag *h, int64_t ns) {
  uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0, ms = us / 1000;
  h->hist[ms < COP_WLAG_BUCKETS ? ms : COP_WLAG_BUCKETS]++;
  h->n++;
  if (us > h->max_us)
    h->max_us = us;
}

json_t *cop_wlag_json(const cop_wlag *h) {
  double p[2] = {-1, -1}, q[2] = {0.5, 0.99};
  for (int k = 0; k < 2 && h->n; k++) {
    uint64_t want = (uint64_t)((double)h->n * q[k]), acc = 0;
    for (int i = 0; i <= COP_WLAG_BUCKETS; i++) {
      acc += h->hist[i];
      if (acc > want) {
        p[k] = i + 1; /* the bucket's upper edge: "at most" */
        break;
      }
    }
  }
  return json_pack("{s:I,s:f,s:f,s:f}", "n", (json_int_t)h->n, "p50", p[0], "p99", p[1], "max", (double)h->max_us / 1e3);
}

void cop_frames_free(mwx_cop *c) {
  for (int i = 0; i < COP_FRAMES; i++)
    free(c->frames[i].buf);
  memset(c->frames, 0, sizeof c->frames);
  free(c->snap);
  c->snap = NULL;
}

int64_t cop_seal_ns(const mwx_cop *c) {
  int64_t frame_ns = (int64_t)c->cfg.frame_ms * 1000000ll, ns = (int64_t)c->ws_open * frame_ns / 10,
          max_ns = frame_ns * 5 / 4;
  return ns < COP_SEAL_NS ? COP_SEAL_NS : ns > max_ns ? max_ns : ns;
}

static void seal_arm_at(mwx_cop *c, int64_t due, int64_t now);

static int64_t seal_tick(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_cop *c = ctx;
  int64_t t0 = cop_busy_in(c);
  /* the look at the fused picture asked for since the last seal, now: its
     delta goes last into the frame (of the picture as it is at the seal);
     (seal_timer still set: the push does not arm another seal) */
  cop_fused_seal(c);
  c->seal_timer = 0;
  const cop_frame *f = open_frame(c);
  int64_t now = mwx_node_mono_ns();
  if (f->n_events && !f->urgent_mono && now < f->first_mono + COP_SEAL_LAZY_NS)
    /* lazy events only (the look had nothing to push): they wait for an
       urgent event, COP_SEAL_LAZY_NS at most, as before the look was asked */
    seal_arm_at(c, f->first_mono + COP_SEAL_LAZY_NS, now);
  else {
    c->seal_direct = 1; /* (a timer of the node's loop: no lws callback is running) */
    cop_frames_seal(c);
    c->seal_direct = 0;
  }
  cop_busy_out(c, t0);
  return MWX_NODE_TIMER_DONE;
}

/* Arms the seal timer for due (mono ns, >= now) unless it is due sooner. */
static void seal_arm_at(mwx_cop *c, int64_t due, int64_t now) {
  if (due < now)
    due = now;
  if (c->loop && (!c->seal_timer || due < c->seal_due)) {
    if (c->seal_timer)
      mwx_node_loop_timer_del(c->loop, c->seal_timer);
    c->seal_timer = 0;
    c->seal_due = due;
    mwx_node_loop_timer_add(c->loop, due - now, seal_tick, c, &c->seal_timer);
  }
}

void cop_seal_arm(mwx_cop *c) { seal_arm_at(c, c->sealed_mono + cop_seal_ns(c), mwx_node_mono_ns()); }

static void push_ev(mwx_cop *c, json_t *o, int lazy) {
  if (!c->ws_open)
    return; /* nobody to push to: a page that connects reads the picture first */
  json_object_set_new(o, "push_ms", json_real((double)cop_wall_ms()));
  cop_frame *f = open_frame(c);
  size_t at = f->len;
  if (f->n_events && (f->len >= cop_frame_cap_bytes(c) || f->n_events >= cop_frame_cap_events(c))) {
    /* full: sealed, the event opens the next */
    cop_frames_seal(c);
    f = open_frame(c);
    at = 0;
  }
  int64_t now = mwx_node_mono_ns();
  if (!f->n_events)
    f->first_mono = now;
  if (frame_append(f->n_events ? "," : "[", 1, f) || json_dump_callback(o, frame_append, f, COP_FRAME_JSON)) {
    f->len = at; /* (out of memory: the event is not pushed) */
    return;
  }
  f->n_events++;
  if (!lazy && !f->urgent_mono)
    f->urgent_mono = now;
  /* the seal: cop_seal_ns after the last one with an urgent event in the
     frame, else COP_SEAL_LAZY_NS after its first event; (re)armed when
     that is sooner than the timer */
  seal_arm_at(c, f->urgent_mono ? c->sealed_mono + cop_seal_ns(c) : f->first_mono + COP_SEAL_LAZY_NS, now);
}

void cop_push_now(mwx_cop *c, json_t *o) { push_ev(c, o, 0); }
void cop_push_lazy(mwx_cop *c, json_t *o) { push_ev(c, o, 1); }

/* The sample's fields a page draws and counts of a Track (the pushed
 * event's "sample": docs/api.md "Pushed events"). */
static const char *const slim_keys[] = {"topic",  "originator", "id",     "global_track_no", "time_ms",
                                        "lat_deg", "lon_deg",   "alt_km", "contributors"};

/* Pushes a Track sample's event o ({type, partner, wall_ms, [partner_status],
 * sample}, its sample the picture's own) slim (the most frequent event by
 * far: in a salvo three quarters of a page's bytes, and each byte is
 * encrypted and sent once per page): o's sample replaced by an object of
 * the picture sample's slim_keys, the same values (references, no copy);
 * the marking, sequence, speed, phase, quality, the record and the
 * latencies are in GET /api/picture and in a snapshot.  Made only when it
 * is pushed: an update coalesced away (push_track) is never built. */
static void track_push(mwx_cop *c, json_t *o, int lazy) {
  json_t *full = json_object_get(o, "sample"), *slim = json_object();
  if (!slim)
    return;
  for (size_t i = 0; i < sizeof slim_keys / sizeof *slim_keys; i++) {
    json_t *v = json_object_get(full, slim_keys[i]);
    if (v)
      json_object_set(slim, slim_keys[i], v);
  }
  json_object_set_new(o, "sample", slim);
  push_ev(c, o, lazy);
}

/* How often the track of key ("type|ORIG|id") is pushed at most: a member
 * of a fused track (its symbol is the fused one) COP_COALESCE_MEMBER_NS,
 * else COP_COALESCE_NS. */
static int64_t coalesce_ns(const mwx_cop *c, const char *key) {
  const char *id = strrchr(key, '|');
  return id && cop_fused_member(c, id + 1) ? COP_COALESCE_MEMBER_NS : COP_COALESCE_NS;
}

/* ---- the pending updates' dues: a binary min-heap on due ---- */

static void due_swap(cop_due *a, cop_due *b) {
  cop_due t = *a;
  *a = *b;
  *b = t;
}

/* Adds (due, key); 0 or -1 (out of memory). */
static int due_add(mwx_cop *c, int64_t due, const char *key) {
  if (c->n_dues == c->cap_dues) {
    size_t cap = c->cap_dues ? 2 * c->cap_dues : 256;
    cop_due *d = realloc(c->dues, cap * sizeof *d);
    if (!d)
      return -1;
    c->dues = d;
    c->cap_dues = cap;
  }
  size_t i = c->n_dues++;
  c->dues[i].due = due;
  snprintf(c->dues[i].key, sizeof c->dues[i].key, "%s", key);
  while (i && c->dues[(i - 1) / 2].due > c->dues[i].due) {
    due_swap(&c->dues[(i - 1) / 2], &c->dues[i]);
    i = (i - 1) / 2;
  }
  return 0;
}

/* Removes the earliest. */
static void due_pop(mwx_cop *c) {
  c->dues[0] = c->dues[--c->n_dues];
  for (size_t i = 0;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < c->n_dues && c->dues[l].due < c->dues[m].due)
      m = l;
    if (r < c->n_dues && c->dues[r].due < c->dues[m].due)
      m = r;
    if (m == i)
      break;
    due_swap(&c->dues[i], &c->dues[m]);
    i = m;
  }
}

/* Pushes pending update key now (it is due). */
static void pending_push(mwx_cop *c, const char *key, json_t *o, int64_t now) {
  track_push(c, o, coalesce_ns(c, key) == COP_COALESCE_MEMBER_NS); /* (a member's: lazy) */
  json_object_set_new(c->last_push, key, json_integer(now));
  json_object_del(c->pending_due, key);
  json_object_del(c->pending, key); /* (o is freed: last) */
}

/* Pushes every pending track update that is due (its track last pushed
 * at least its coalesce_ns ago, as when it was queued); returns the delay
 * to the next one due (or DONE).  Looks only at the dues that came (the
 * heap), not at every pending track. */
static int64_t coalesce_tick(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_cop *c = ctx;
  int64_t t0 = cop_busy_in(c);
  int64_t now = mwx_node_mono_ns();
  while (c->n_dues && c->dues[0].due <= now) {
    char key[sizeof c->dues[0].key];
    memcpy(key, c->dues[0].key, sizeof key);
    int64_t due = c->dues[0].due;
    due_pop(c);
    json_t *d = json_object_get(c->pending_due, key), *v = json_object_get(c->pending, key);
    if (d && v && json_integer_value(d) == due) /* (else stale: pushed, or due sooner since) */
      pending_push(c, key, v, now);
  }
  cop_busy_out(c, t0);
  if (!c->n_dues) {
    c->coalesce_timer = 0;
    return MWX_NODE_TIMER_DONE;
  }
  c->coalesce_due = c->dues[0].due;
  return c->dues[0].due - now;
}

/* A track's sample event: pushed at once when the track was not pushed in
 * the last coalesce_ns, else kept as the track's pending update
 * (replacing an older one, counted in ws_coalesced) until its time comes:
 * its track's last push + coalesce_ns as of now (sooner if a later event
 * finds it sooner: a track no longer a member). */
static void push_track(mwx_cop *c, const char *key, json_t *o) {
  int64_t now = mwx_node_mono_ns(), every = coalesce_ns(c, key);
  json_t *lp = json_object_get(c->last_push, key);
  json_t *was = json_object_get(c->pending, key);
  if (!was && (!lp || now - (int64_t)json_integer_value(lp) >= every)) {
    track_push(c, o, every == COP_COALESCE_MEMBER_NS); /* (a member's: lazy) */
    if (!lp && json_object_size(c->last_push) >= COP_COALESCE_KEYS) { /* bound: forget tracks quiet for 1 s */
      const char *k;
      json_t *v;
      void *tmp;
      json_object_foreach_safe(c->last_push, tmp, k, v) if (now - (int64_t)json_integer_value(v) > NS &&
                                                            !json_object_get(c->pending, k)) json_object_del(c->last_push, k);
    }
    json_object_set_new(c->last_push, key, json_integer(now));
    return;
  }
  if (was) {
    c->st.ws_coalesced++;
    /* the update replaced carried its partner's status (which goes with
       one RECEIVED event a second: partner_sent counts it as sent): kept */
    json_t *ps = json_object_get(was, "partner_status");
    if (ps && !json_object_get(o, "partner_status"))
      json_object_set(o, "partner_status", ps);
  }
  int64_t last = lp ? (int64_t)json_integer_value(lp) : now;
  int64_t due = last + every;
  json_t *had = was ? json_object_get(c->pending_due, key) : NULL;
  if (had && json_integer_value(had) <= due) {
    json_object_set(c->pending, key, o); /* (its due stands) */
    return;
  }
  if (due_add(c, due, key)) { /* (out of memory: pushed now) */
    if (was) {
      json_object_del(c->pending_due, key);
      json_object_del(c->pending, key);
    }
    track_push(c, o, every == COP_COALESCE_MEMBER_NS);
    json_object_set_new(c->last_push, key, json_integer(now));
    return;
  }
  json_object_set(c->pending, key, o);
  json_object_set_new(c->pending_due, key, json_integer(due));
  if (c->loop && (!c->coalesce_timer || due < c->coalesce_due)) { /* (re)armed for the earliest due */
    if (c->coalesce_timer)
      mwx_node_loop_timer_del(c->loop, c->coalesce_timer);
    c->coalesce_timer = 0;
    c->coalesce_due = due;
    mwx_node_loop_timer_add(c->loop, due > now ? due - now : 0, coalesce_tick, c, &c->coalesce_timer);
  }
}

/* Puts sample into the picture as the newest of its (originator, topic,
 * id): the picture keeps the sample itself (a new reference, no copy; its
 * "trail" (tracks) and "updated_ms" are set on it), so the caller must not
 * push it after this (a pushed event is serialised before, or refers to
 * some of its fields: track_push). */
static void picture_put(mwx_cop *c, json_t *sample) {
  const char *orig = json_string_value(json_object_get(sample, "originator"));
  const char *topic = json_string_value(json_object_get(sample, "topic"));
  const char *id = json_string_value(json_object_get(sample, "id"));
  if (!orig || !topic || !id)
    return;
  char key[128];
  snprintf(key, sizeof key, "%s|%s|%s", orig, topic, id);
  json_t *old = json_object_get(c->picture, key);
  if (!strcmp(topic, "Track")) {
    json_t *trail = old ? json_object_get(old, "trail") : NULL;
    trail = trail ? json_incref(trail) : json_array();
    json_t *lat = json_object_get(sample, "lat_deg"), *lon = json_object_get(sample, "lon_deg");
    if (json_is_number(lat) && json_is_number(lon)) {
      json_array_append_new(trail, json_pack("[f,f]", json_number_value(lon), json_number_value(lat)));
      if (json_array_size(trail) > COP_TRAIL)
        json_array_remove(trail, 0);
    }
    json_object_set_new(sample, "trail", trail);
  }
  if (!old && json_object_size(c->picture) >= COP_PICTURE) {
    /* drop the entry updated longest ago */
    const char *k, *oldest = NULL;
    json_t *v;
    double t_old = 1e300;
    json_object_foreach(c->picture, k, v) {
      double t = json_number_value(json_object_get(v, "updated_ms"));
      if (t < t_old) {
        t_old = t;
        oldest = k;
      }
    }
    if (oldest)
      json_object_del(c->picture, oldest);
  }
  json_object_set_new(sample, "updated_ms", json_real((double)cop_wall_ms()));
  json_object_set(c->picture, key, sample);
}

/* The partner's counts are the node's (mwx_node_partner_stats_get: what
 * its stats, NodeStatus and logs say), copied, never counted again here:
 * received, and the refusals by reason with their sum in "dropped". */
static void partner_counts(mwx_cop *c, const char *nat, json_t *p, int drops) {
  mwx_node_partner_stats ps;
  if (mwx_node_partner_stats_get(c->node, nat, &ps)) {
    mwx_error_clear();
    return;
  }
  json_object_set_new(p, "received", json_integer((json_int_t)ps.received));
  if (!drops)
    return;
  json_object_set_new(p, "sig_failures", json_integer((json_int_t)ps.sig_failures));
  json_object_set_new(p, "revoked", json_integer((json_int_t)ps.revoked));
  json_object_set_new(p, "replays", json_integer((json_int_t)ps.replays));
  json_object_set_new(p, "other_drops", json_integer((json_int_t)ps.other_drops));
  json_object_set_new(p, "dropped",
                      json_integer((json_int_t)(ps.sig_failures + ps.revoked + ps.replays + ps.other_drops)));
}

static json_t *partner_obj(mwx_cop *c, const char *nat) {
  json_t *p = json_object_get(c->partners, nat);
  if (!p) {
    p = json_pack("{s:b,s:n,s:I,s:I,s:I,s:I,s:I,s:I,s:n}", "alive", 0, "last_ms", "received", (json_int_t)0,
                  "dropped", (json_int_t)0, "sig_failures", (json_int_t)0, "revoked", (json_int_t)0, "replays",
                  (json_int_t)0, "other_drops", (json_int_t)0, "journal_head");
    json_object_set_new(c->partners, nat, p);
    partner_counts(c, nat, p, 1);
  }
  return p;
}

void cop_on_node_event(void *vc, const mwx_node_event *ev) {
  mwx_cop *c = vc;
  if (ev->kind == MWX_NODE_EV_PICTURE) {
    cop_fused_picture(c, ev); /* a pass's picture is in: its changes pushed at the next seal */
    return;
  }
  if (ev->kind == MWX_NODE_EV_RELEASED)
    return; /* one per sample and partner, and the page shows nothing of it: not pushed (the loop's
               time; what waits for a decision and what was refused are) */
  if (ev->kind == MWX_NODE_EV_REFUSED && !c->ws_open)
    return; /* only pushed, never kept: nobody to push to (saves the loop the JSON) */
  int64_t t0 = cop_busy_in(c);
  json_t *o = NULL, *sample = NULL;
  /* a Track sample's event (own or received: by far the most frequent):
     its sample for the picture, which keeps it (no copy), and the event
     the pages are pushed, only what track_push sends of it (not
     mwx_node_event_json's whole event) */
  int track_ev = (ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_RECEIVED) && ev->msg &&
                 ev->msg->topic == MWX_TOPIC_TRACK;
  if (track_ev) {
    if (mwx_node_msg_json(ev->msg, &sample) || !(o = json_object())) {
      json_decref(sample);
      mwx_error_clear();
      cop_busy_out(c, t0);
      return;
    }
    json_t *partner = json_stringn(ev->partner, strnlen(ev->partner, MWX_NATION_LEN));
    json_object_set_new(o, "type", json_string(ev->kind == MWX_NODE_EV_SAMPLE ? "sample" : "received"));
    json_object_set_new(o, "partner", partner ? partner : json_null()); /* (a partner's bytes that are not UTF-8) */
    json_object_set_new(o, "wall_ms", json_real((double)(ev->wall_ns / 1000000)));
    json_object_set_new(o, "sample", sample);
    picture_put(c, sample);
  } else {
    if (mwx_node_event_json(c->nation, c->epoch_ns, ev, &o)) {
      cop_busy_out(c, t0);
      return;
    }
    sample = json_object_get(o, "sample");
    if (ev->kind == MWX_NODE_EV_FUSED || ev->kind == MWX_NODE_EV_ALERT) /* (their samples come as "sample" too) */
      json_object_set_new(o, "type", json_string(ev->kind == MWX_NODE_EV_FUSED ? "fused_prediction" : "alert"));
  }
  if (ev->partner[0] && strnlen(ev->partner, MWX_NATION_LEN) == 3 &&
      (ev->kind == MWX_NODE_EV_RECEIVED || ev->kind == MWX_NODE_EV_DROPPED || ev->kind == MWX_NODE_EV_PARTNER)) {
    char nat[MWX_NATION_LEN];
    snprintf(nat, sizeof nat, "%.3s", ev->partner);
    json_t *p = partner_obj(c, nat);
    if (ev->kind == MWX_NODE_EV_PARTNER)
      json_object_set_new(p, "alive", json_boolean(ev->alive));
    else if (ev->kind == MWX_NODE_EV_RECEIVED) {
      json_object_set_new(p, "alive", json_true());
      json_object_set_new(p, "last_ms", json_real((double)(ev->wall_ns / 1000000)));
      partner_counts(c, nat, p, 0);
      if (ev->msg && ev->msg->topic == MWX_TOPIC_STATUS) {
        /* the partner's last sealed journal head, as its signed NodeStatus says:
           {"id", "hash" (the chain hash, hex)} */
        char hex[65];
        for (int i = 0; i < 32; i++)
          snprintf(hex + 2 * i, 3, "%02x", ev->msg->u.status.journal_head_hash[i]);
        json_object_set_new(p, "journal_head", json_pack("{s:I,s:s}", "id", (json_int_t)ev->msg->u.status.journal_head_id,
                                                         "hash", hex));
      }
    } else {
      /* dropped: the node's counts by reason, of every partner (a replay is
         counted to its originator, which may not be the nation that sent it) */
      const char *k;
      json_t *v;
      json_object_foreach(c->partners, k, v) partner_counts(c, k, v, 1);
    }
    /* with a RECEIVED event at most every COP_PARTNER_STATUS_NS (a partner
       sends hundreds a second in a salvo; the page shows ages in seconds),
       with its NodeStatus (the journal head) and every other event at once */
    int64_t now = mwx_node_mono_ns();
    json_t *sent = json_object_get(c->partner_sent, nat);
    if (ev->kind != MWX_NODE_EV_RECEIVED || (ev->msg && ev->msg->topic == MWX_TOPIC_STATUS) || !sent ||
        now - (int64_t)json_integer_value(sent) >= COP_PARTNER_STATUS_NS) {
      json_object_set(o, "partner_status", p);
      if (c->ws_open)
        json_object_set_new(c->partner_sent, nat, json_integer(now));
    }
  }
  if ((ev->kind == MWX_NODE_EV_RELEASED || ev->kind == MWX_NODE_EV_REFUSED) && sample) {
    /* the decision, not the whole sample again */
    json_object_set(o, "topic", json_object_get(sample, "topic"));
    json_object_set(o, "id", json_object_get(sample, "id"));
    json_object_set(o, "seq", json_object_get(sample, "seq"));
    json_object_del(o, "sample");
  }
  const char *topic = sample ? json_string_value(json_object_get(sample, "topic")) : NULL;
  if (!c->ws_open) {
    /* nobody to push to (the picture above is kept for the next page) */
  } else if (track_ev) {
    char key[160];
    snprintf(key, sizeof key, "%s|%s|%s", json_string_value(json_object_get(o, "type")) ? json_string_value(json_object_get(o, "type")) : "",
             json_string_value(json_object_get(sample, "originator")) ? json_string_value(json_object_get(sample, "originator")) : "",
             json_string_value(json_object_get(sample, "id")) ? json_string_value(json_object_get(sample, "id")) : "");
    push_track(c, key, o);
  } else if (ev->kind == MWX_NODE_EV_REFUSED) {
    cop_push_lazy(c, o); /* (a refusal: the page lists it; no TLS write of its own) */
  } else {
    cop_push_now(c, o);
  }
  if (!track_ev && (ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_RECEIVED) && sample)
    picture_put(c, sample); /* (after its push: the picture's fields are not pushed) */
  int feeds_fused = c->ws_open && sample && topic &&
                    (!strcmp(topic, "Track") || !strcmp(topic, "LaunchEvent") || !strcmp(topic, "ImpactPrediction")) &&
                    (ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_RECEIVED || ev->kind == MWX_NODE_EV_FUSED);
  json_decref(o); /* (sample and topic point into o) */
  if (feeds_fused) {
    if (ev->msg->topic == MWX_TOPIC_TRACK)
      cop_fused_track(c, &ev->msg->u.track, ev->wall_ns / 1000000);
    if (!c->fused_src_ms)
      c->fused_src_ms = ev->wall_ns / 1000000;
    c->fused_idle = 0;
    /* (also after a Track event when the node sends PICTURE events: without
       it, in this session's salvo runs, the node's part of node -> page
       reached 450-880 ms at its worst against 60-180 ms with it; a sample
       can reach the picture without a PICTURE event to flush it) */
    cop_fused_arm(c, COP_FLUSH_MIN_NS);
  }
  cop_busy_out(c, t0);
}

/* ---- the release queue ------------------------------------------------- */

typedef struct queue_ctx {
  json_t *arr;
  int64_t now_ns;
} queue_ctx;

static int queue_item(const mwx_release_item *it, void *vc) {
  queue_ctx *q = vc;
  json_t *s = NULL;
  if (mwx_node_msg_json(&it->sample, &s))
    return 0;
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer((json_int_t)it->id));
  json_object_set_new(o, "partner", json_stringn(it->partner, strnlen(it->partner, MWX_NATION_LEN)));
  json_object_set_new(o, "rule", json_stringn(it->rule_id, strnlen(it->rule_id, MWX_ID_LEN)));
  json_object_set(o, "topic", json_object_get(s, "topic"));
  json_object_set(o, "classification", json_object_get(s, "classification"));
  json_object_set(o, "releasable_to", json_object_get(s, "releasable_to"));
  json_object_set_new(o, "waiting_s", json_real((double)(q->now_ns - it->held_ns) / 1e9));
  json_object_set_new(o, "deadline_in_s", json_real((double)(it->deadline_ns - q->now_ns) / 1e9));
  json_object_set_new(o, "on_timeout",
                      json_string(it->on_timeout == MWX_RELEASE_TIMEOUT_APPROVE ? "approve" : "deny"));
  json_object_set_new(o, "expired", json_boolean(it->expired));
  json_object_set_new(o, "sample", s);
  json_array_append_new(q->arr, o);
  return 0;
}

int64_t cop_node_sim_ns(mwx_cop *c) { return mwx_node_sim_ns(c->node); }

json_t *cop_queue_json(mwx_cop *c, int *status) {
  queue_ctx q = {json_array(), cop_node_sim_ns(c)};
  if (mwx_release_queue_list(mwx_node_journal(c->node), q.now_ns, queue_item, &q)) {
    json_decref(q.arr);
    *status = 500;
    return json_pack("{s:s}", "error", mwx_error_msg());
  }
  return json_pack("{s:o,s:f}", "items", q.arr, "sim_t_s", (double)(q.now_ns - c->epoch_ns) / 1e9);
}

/* The whole picture (GET /api/picture, and a page's "snapshot" after its
 * backlog passed the bound): the fused tracks with their launch points,
 * predictions and ground tracks, every nation's newest sample, the
 * partners. */
json_t *cop_picture_json(mwx_cop *c) {
  json_t *items = json_array();
  const char *k;
  json_t *v;
  json_object_foreach(c->picture, k, v) json_array_append(items, v);
  mwx_node_stats st;
  mwx_node_get_stats(c->node, &st);
  fused_walk fw = {c, json_array(), 1, json_object(), 0, 0, 0, 1, NULL, NULL};
  json_object_foreach(c->picture, k, v) { /* a nation's track id -> its trail (the fused entries' ground tracks) */
    const char *t = json_string_value(json_object_get(v, "topic")), *id = json_string_value(json_object_get(v, "id"));
    json_t *trail = json_object_get(v, "trail");
    if (t && id && trail && !strcmp(t, "Track") && !json_object_get(fw.trails, id))
      json_object_set(fw.trails, id, trail);
  }
  mwx_node_fused_picture(c->node, cop_fused_visit, &fw);
  json_decref(fw.trails);
  return json_pack("{s:o,s:s,s:f,s:f,s:o,s:O,s:I,s:f}", "fused", fw.tracks, "nation", c->nation, "epoch_ms",
                   (double)(c->epoch_ns / 1000000), "sim_t_s", (double)(st.sim_ns - c->epoch_ns) / 1e9, "samples",
                   items, "partners", c->partners, "push_seq", (json_int_t)c->frame_head, "server_ms",
                   (double)cop_wall_ms());
}
