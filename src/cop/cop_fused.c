/*
 * cop_fused.c - the fused picture pushed to the pages as deltas: one symbol
 * per global track; a message carries the entries that moved, their launch
 * point and prediction only when those changed, and the global tracks gone.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cop/cop_int.h"
#include "mwx/error.h"

/* ---- the fused picture: one symbol per global track ------------------- */

static json_t *nation_list(const char (*l)[MWX_NATION_LEN], int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(a, json_stringn(l[i], strnlen(l[i], MWX_NATION_LEN)));
  return a;
}

static double msd(int64_t ns) { return (double)(ns / 1000000); }

/* A pushed position to 1e-7 degree (~1 cm) and an altitude to 1e-5 km
 * (1 cm): the frames print 13 significant digits but drop trailing zeros,
 * so a rounded value is 3-5 characters shorter (the fused deltas are two
 * thirds of a page's bytes in a salvo, each byte encrypted and sent once
 * per page; the tracks' own errors are metres at best). */
static double deg7(double d) { return isfinite(d) ? round(d * 1e7) / 1e7 : d; }
static double km5(double km) { return isfinite(km) ? round(km * 1e5) / 1e5 : km; }

/* The JSON of one fused entry: position and who contributes always; its
 * launch point and predicted impact when they changed (or with full). */
static json_t *fused_json(const mwx_node_fused_entry *e, int with_launch, int with_impact) {
  json_t *o = json_object();
  json_object_set_new(o, "g", json_integer(e->global_track_no));
  json_object_set_new(o, "t_ms", json_real(msd(e->t_ns)));
  json_object_set_new(o, "lat_deg", json_real(deg7(e->lat_deg)));
  json_object_set_new(o, "lon_deg", json_real(deg7(e->lon_deg)));
  json_object_set_new(o, "alt_km", json_real(km5(e->h_m / 1e3)));
  json_object_set_new(o, "contributors", nation_list((const char(*)[MWX_NATION_LEN])e->contributors, e->n_contributors));
  json_t *m = json_array();
  for (int k = 0; k < e->n_members; k++)
    json_array_append_new(m, json_stringn(e->member[k], strnlen(e->member[k], MWX_ID_LEN)));
  json_object_set_new(o, "members", m);
  json_object_set_new(o, "shared", json_boolean(e->shared));
  json_object_set_new(o, "coasting", json_boolean(e->coasting));
  if (with_launch && e->has_launch) {
    const mwx_msg_launch *l = &e->launch;
    json_object_set_new(o, "launch",
                        json_pack("{s:s%,s:f,s:f,s:f,s:f,s:f,s:f}", "from", e->launch_from,
                                  strnlen(e->launch_from, MWX_NATION_LEN), "launch_time_ms", msd(l->launch_time_ns),
                                  "lat_deg", l->lat_deg, "lon_deg", l->lon_deg, "err_major_km", l->err_major_km,
                                  "err_minor_km", l->err_minor_km, "err_orient_deg", l->err_orient_deg));
  }
  if (with_impact && e->has_impact) {
    const mwx_msg_impact *im = &e->impact;
    json_object_set_new(o, "impact",
                        json_pack("{s:s%,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "id", im->local_track_id,
                                  strnlen(im->local_track_id, MWX_ID_LEN), "time_ms", msd(im->time_ns),
                                  "impact_time_ms", msd(im->impact_time_ns), "lat_deg", im->lat_deg, "lon_deg",
                                  im->lon_deg, "ell_major_km", im->ell_major_km, "ell_minor_km", im->ell_minor_km,
                                  "ell_orient_deg", im->ell_orient_deg));
  }
  return o;
}

static cop_fused *fused_slot(mwx_cop *c, uint32_t g, int create) {
  for (size_t i = 0; i < c->n_fused; i++)
    if (c->fused[i].g == g)
      return &c->fused[i];
  if (!create || c->n_fused >= COP_FUSED)
    return NULL;
  cop_fused *f = &c->fused[c->n_fused++];
  memset(f, 0, sizeof *f);
  f->g = g;
  f->impact_ns = f->launch_ns = INT64_MIN;
  return f;
}

/* The ground track of a fused entry: the trail of its first member the
 * picture holds (the server keeps COP_TRAIL points per nation's track;
 * w->trails: the picture's tracks by id, made once per walk). */
static json_t *member_trail(const fused_walk *w, const mwx_node_fused_entry *e) {
  for (int m = 0; m < e->n_members; m++) {
    char id[MWX_ID_LEN + 1];
    snprintf(id, sizeof id, "%.*s", MWX_ID_LEN, e->member[m]);
    json_t *t = w->trails ? json_object_get(w->trails, id) : NULL;
    if (t)
      return json_incref(t);
  }
  return json_array();
}

/* ---- the source events (cop_src): a fixed table, COP_SRC_MAX at most ---- */

static size_t src_hash(const char *id) { /* FNV-1a, 32 bits */
  uint32_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)id; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h & (COP_SRC_SLOTS - 1);
}

/* The slot of id, or the free slot where it would go. */
static cop_src *src_slot(mwx_cop *c, const char *id) {
  size_t i = src_hash(id);
  while (c->src[i].id[0] && strcmp(c->src[i].id, id))
    i = (i + 1) & (COP_SRC_SLOTS - 1);
  return &c->src[i]; /* (never all slots used: at most COP_SRC_MAX of twice as many) */
}

/* Empties slot s; the entries after it in its probe run move back. */
static void src_del(mwx_cop *c, cop_src *s) {
  size_t i = (size_t)(s - c->src);
  for (size_t j = (i + 1) & (COP_SRC_SLOTS - 1); c->src[j].id[0]; j = (j + 1) & (COP_SRC_SLOTS - 1)) {
    size_t h = src_hash(c->src[j].id);
    /* j's entry may fill the hole at i unless its home h lies cyclically in (i, j] */
    if (i <= j ? (h <= i || h > j) : (h <= i && h > j)) {
      c->src[i] = c->src[j];
      i = j;
    }
  }
  c->src[i].id[0] = 0;
  c->n_src--;
}

/* ---- the fused tracks' members (cop_member) ---- */

static cop_member *member_slot(cop_member *t, const char *id) {
  size_t i = src_hash(id) & (COP_MEMBER_SLOTS - 1);
  while (t[i].id[0] && strcmp(t[i].id, id))
    i = (i + 1) & (COP_MEMBER_SLOTS - 1);
  return &t[i];
}

static void member_put(mwx_cop *c, const char *id, uint32_t g) {
  if (!id[0])
    return;
  if (c->n_member >= COP_MEMBER_SLOTS / 2) { /* full enough: emptied (the entries' next changes fill it) */
    memset(c->member, 0, sizeof c->member);
    c->n_member = 0;
  }
  cop_member *m = member_slot(c->member, id);
  if (!m->id[0]) {
    snprintf(m->id, sizeof m->id, "%s", id);
    c->n_member++;
  }
  m->g = g;
}

static cop_fused *fused_slot(mwx_cop *c, uint32_t g, int create);

int cop_fused_member(const mwx_cop *c, const char *id) {
  if (!id || !id[0])
    return 0;
  const cop_member *m = member_slot((cop_member *)c->member, id);
  return m->id[0] && fused_slot((mwx_cop *)c, m->g, 0) != NULL;
}

static int32_t clamp_us(int64_t ns) {
  int64_t us = ns / 1000;
  return us < 0 ? 0 : us > INT32_MAX ? INT32_MAX : (int32_t)us;
}

/* A fused slot is gone (the page deletes its symbol). */
static void fused_gone(mwx_cop *c, fused_walk *w, cop_fused *f) {
  json_array_append_new(w->gone, json_integer(f->g));
  *f = c->fused[--c->n_fused];
}

/* The brief entry of e, an array [g, t, lat_deg, lon_deg, alt_km, coasting]:
 * t the entry's time in ms since the exercise's epoch (the picture's
 * epoch_ms; whole ms, 6-7 digits instead of 13), coasting 0 / 1 (the page
 * keeps the entry's other fields).  An array, not an object: the keys were
 * half of a brief entry's bytes (issue 15, twenty-second session). */
static json_t *brief_json(const mwx_cop *c, const mwx_node_fused_entry *e) {
  return json_pack("[I,I,f,f,f,i]", (json_int_t)e->global_track_no,
                   (json_int_t)(e->t_ns / 1000000 - c->epoch_ns / 1000000), deg7(e->lat_deg), deg7(e->lon_deg),
                   km5(e->h_m / 1e3), e->coasting ? 1 : 0);
}

/* Fused slot f moved only (its data unchanged): the brief entry (its
 * position) into the walk's push, counted as a refresh. */
static void push_brief(mwx_cop *c, fused_walk *w, cop_fused *f, const mwx_node_fused_entry *e) {
  c->st.fused_refreshed++;
  f->pushed_mono = w->now_mono;
  f->t_ns = e->t_ns;
  json_array_append_new(w->brief, brief_json(c, e));
}

/* Keeps the reflected event v (its wait us) among the COP_SLOWEST slowest. */
static void slow_note(mwx_cop *c, const cop_src *v, int32_t us, const mwx_node_fused_entry *e) {
  int k = 0;
  for (int i = 1; i < COP_SLOWEST; i++)
    if (c->slowest[i].wait_us < c->slowest[k].wait_us)
      k = i;
  if (us <= c->slowest[k].wait_us)
    return;
  struct cop_slow_ev *s = &c->slowest[k];
  s->wait_us = us;
  _Static_assert(sizeof s->id == sizeof v->id, "cop_slow_ev.id and cop_src.id are one size");
  memcpy(s->id, v->id, sizeof s->id); /* both NUL-terminated char[MWX_ID_LEN + 1] */
  s->stale = v->stale;
  s->passed = v->passed;
  s->members = e->n_members;
  s->lead_ns = e->t_last_sample_ns - v->t_ns;
  s->sim_s = (cop_node_sim_ns(c) - c->epoch_ns) / NS;
}

void cop_fused_visit(void *vw, const mwx_node_fused_entry *e) {
  fused_walk *w = vw;
  mwx_cop *c = w->c;
  if (w->full) {
    if (e->fallen) /* the page's picture is of missiles in flight: a fallen one is gone */
      return;
    json_t *o = fused_json(e, 1, 1);
    json_object_set_new(o, "trail", member_trail(w, e));
    json_array_append_new(w->tracks, o);
    return;
  }
  if (e->removed || e->fallen) { /* (a fallen entry comes once, when it falls) */
    cop_fused *g = fused_slot(c, e->global_track_no, 0);
    if (g)
      fused_gone(c, w, g);
    return;
  }
  if (e->brief) { /* unchanged since the last walk: its position at most every COP_FUSED_REFRESH_NS */
    cop_fused *f = fused_slot(c, e->global_track_no, 0);
    if (!f)
      return;
    f->seen = 1;
    if (f->t_ns != e->t_ns && w->now_mono - f->pushed_mono >= COP_FUSED_REFRESH_NS)
      push_brief(c, w, f, e);
    return;
  }
  if (!e->moved)
    c->st.fused_built++;
  for (int m = 0; m < e->n_members; m++) {
    char id[MWX_ID_LEN + 1];
    snprintf(id, sizeof id, "%.*s", MWX_ID_LEN, e->member[m]);
    member_put(c, id, e->global_track_no);
  }
  cop_fused *f = fused_slot(c, e->global_track_no, 0);
  int fresh = !f; /* (new to the pages: in full) */
  if (!f && !(f = fused_slot(c, e->global_track_no, 1)))
    return;
  f->seen = 1;
  int64_t lt = e->has_launch ? e->launch.launch_time_ns + (int64_t)(e->launch.err_major_km * 1e3) : INT64_MIN;
  int64_t it = e->has_impact ? e->impact.time_ns : INT64_MIN;
  /* in the delta when its data changed; when only its position at the
     pass's time moved on (the fuser's propagation, no new sample), at most
     every COP_FUSED_REFRESH_NS (the page's symbol then moves at 4 Hz; a new
     sample of any member is pushed at the pass that took it in) */
  int same = !fresh && f->n_con == e->n_contributors && f->n_members == e->n_members &&
             !memcmp(f->con, e->contributors, sizeof f->con);
  int moved = f->t_last_ns != e->t_last_sample_ns || !same;
  /* (an entry moved by its newest member sample alone, e->moved, comes
     without its launch point and prediction: those it had stand) */
  int nl = !e->moved && lt != f->launch_ns, ni = !e->moved && it != f->impact_ns;
  int refresh = !moved && !nl && !ni && f->t_ns != e->t_ns && w->now_mono - f->pushed_mono >= COP_FUSED_REFRESH_NS;
  if (!moved && !nl && !ni && !refresh)
    return;
  if (refresh) {
    push_brief(c, w, f, e);
    return;
  }
  c->st.fused_moved++;
  f->pushed_mono = w->now_mono;
  /* moved by its newest member sample alone (the node's e->moved: the same
     members, contributors and method, no new launch point, prediction or
     alert) and the pages have it: its position, brief, not the entry
     rebuilt; else the entry (launch point, prediction when new) */
  if (e->moved && same)
    json_array_append_new(w->brief, brief_json(c, e));
  else
    json_array_append_new(w->tracks, fused_json(e, nl, ni));
  /* the Track samples of its members that the fuser has taken in (time of
     validity <= its newest member sample's): their node events are in
     this delta */
  for (int m = 0; moved && m < e->n_members; m++) {
    char key[MWX_ID_LEN + 1];
    snprintf(key, sizeof key, "%.*s", MWX_ID_LEN, e->member[m]);
    cop_src *v = key[0] ? src_slot(c, key) : NULL;
    if (!v || !v->id[0])
      continue;
    if (v->t_ns > e->t_last_sample_ns) { /* (not taken in, or no newer member sample yet) */
      v->passed++;
      continue;
    }
    if (v->joining) { /* (its samples reached the page as its own symbol: not this delta's wall_ms) */
      c->join_wait_us[c->join_wait_n++ % COP_PASS_N] = clamp_us((w->now_ms - v->wall_ms) * 1000000ll);
      src_del(c, v);
      continue;
    }
    if (!w->src_ms || v->wall_ms < w->src_ms)
      w->src_ms = v->wall_ms;
    int32_t us = clamp_us((w->now_ms - v->wall_ms) * 1000000ll);
    if (!strncmp(key, c->nation, 3) && key[3] == '-')
      c->own_wait_us[c->own_wait_n++ % COP_PASS_N] = us;
    else
      c->partner_wait_us[c->partner_wait_n++ % COP_PASS_N] = us;
    if (v->stale)
      c->stale_wait_us[c->stale_wait_n++ % COP_PASS_N] = us;
    else if (v->passed)
      c->passed_wait_us[c->passed_wait_n++ % COP_PASS_N] = us;
    slow_note(c, v, us, e);
    src_del(c, v);
  }
  f->t_ns = e->t_ns;
  f->t_last_ns = e->t_last_sample_ns;
  f->n_con = e->n_contributors;
  f->n_members = e->n_members;
  memcpy(f->con, e->contributors, sizeof f->con);
  if (!e->moved) {
    f->launch_ns = lt;
    f->impact_ns = it;
  }
}

static void sources_prune(mwx_cop *c, int64_t now_ms);


/* Pushes the fused picture's changes since the last push as one message
 * {"type":"fused","wall_ms":...,"tracks":[...],"gone":[...]}: wall_ms is
 * the oldest node event since the last push that may be in it, of a track
 * that was in a fused entry shown when the event came (a joining track's
 * samples reached the page as its own symbol: join_wait_us).  1 if a
 * message was pushed. */
static int fused_flush(mwx_cop *c, int brief_ok) {
  int64_t t0 = cop_busy_in(c);
  c->fused_last = mwx_node_mono_ns();
  /* the changed-since filter: the entries changed since the version the
     deltas brought every page to; the others, only to move a symbol, at
     most every COP_FUSED_REFRESH_NS (brief) and only when brief_ok;
     nothing at all when neither */
  int brief = brief_ok && c->fused_last - c->fused_brief_mono >= COP_FUSED_REFRESH_NS;
  fused_walk w = {c, json_array(), 0, NULL, 0, cop_wall_ms(), c->fused_last, !c->fused_ver_ok, json_array(), json_array()};
  if (!w.whole && !brief && mwx_node_fused_version(c->node) == c->fused_ver) {
    c->st.fused_skipped++;
  } else {
    if (brief)
      c->fused_brief_mono = c->fused_last;
    c->st.fused_walks++;
    uint64_t ver = 0;
    if (!w.whole && mwx_node_fused_picture_since(c->node, c->fused_ver, brief, cop_fused_visit, &w, &ver)) {
      mwx_error_clear(); /* changes forgotten (MWX_ERANGE): the whole picture */
      json_decref(w.tracks);
      json_decref(w.gone);
      json_decref(w.brief);
      w.tracks = json_array();
      w.gone = json_array();
      w.brief = json_array();
      w.whole = 1;
    }
    if (w.whole) {
      for (size_t i = 0; i < c->n_fused; i++)
        c->fused[i].seen = 0;
      if (mwx_node_fused_picture_since(c->node, 0, 1, cop_fused_visit, &w, &ver))
        mwx_error_clear(); /* (only for NULL) */
      for (size_t i = 0; i < c->n_fused;) {
        if (!c->fused[i].seen)
          fused_gone(c, &w, &c->fused[i]);
        else
          i++;
      }
    }
    c->fused_ver = ver;
    c->fused_ver_ok = 1;
  }
  json_t *gone = w.gone;
  int pushed = 0;
  int64_t now_ms = cop_wall_ms();
  if (now_ms - c->src_pruned_ms >= COP_SRC_KEEP_MS / 4) {
    c->src_pruned_ms = now_ms;
    sources_prune(c, now_ms);
  }
  if (json_array_size(w.tracks) || json_array_size(w.brief) || json_array_size(gone)) {
    json_t *o = json_pack("{s:s,s:f,s:o,s:o,s:I}", "type", "fused", "any_ms",
                          (double)(c->fused_src_ms ? c->fused_src_ms : now_ms), "tracks", w.tracks, "gone", gone,
                          "v", (json_int_t)c->fused_ver);
    if (json_array_size(w.brief))
      json_object_set_new(o, "brief", w.brief);
    else
      json_decref(w.brief);
    if (w.src_ms) /* else the changes reflect no node event (the picture's time moved on) */
      json_object_set_new(o, "wall_ms", json_real((double)w.src_ms));
    json_object_set_new(o, "t_s", json_real((double)(cop_node_sim_ns(c) - c->epoch_ns) / 1e9));
    cop_push_now(c, o);
    json_decref(o);
    if (w.src_ms)
      c->fused_wait_us[c->fused_wait_n++ % COP_PASS_N] = clamp_us((now_ms - w.src_ms) * 1000000ll);
    c->fused_src_ms = 0;
    c->fused_idle = 0;
    pushed = 1;
  } else {
    json_decref(w.tracks);
    json_decref(w.brief);
    json_decref(gone);
    c->fused_idle++;
  }
  cop_busy_out(c, t0);
  return pushed;
}

/* A look at the fused picture is asked for: made at the next seal
 * (cop_fused_seal), which is armed as for an urgent event. */
static void fused_want(mwx_cop *c) {
  if (!c->fused_want) {
    c->fused_want = 1;
    c->want_pass = c->pic_events;
  }
  cop_seal_arm(c);
}

/* fused_src_ms (a fused message's any_ms: the oldest node event since the
 * last delta) is forgotten once what came since cannot change the fused
 * picture any more (e.g. a track the fuser cannot take): without picture
 * events after the COP_RELOOKS looks (the caller's: the flush timer stops
 * looking), with them COP_RELOOKS * COP_FLUSH_NS after that event.  Called
 * after a look (a flush) that had nothing more to push. */
static void src_ms_settle(mwx_cop *c) {
  if (!c->pic_events || (c->fused_src_ms && cop_wall_ms() - c->fused_src_ms >= COP_RELOOKS * COP_FLUSH_NS / 1000000))
    c->fused_src_ms = 0;
}

/* The flush timer: after a node event that may change the fused picture
 * (its launch points and predictions change without a pass).  Without
 * picture events (the node makes its passes in line: speed 0) the fuser
 * takes a partner's sample in at a pass that may come after this flush:
 * look again every COP_FLUSH_NS for COP_RELOOKS looks (300 ms). */
static int64_t fused_tick(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_cop *c = ctx;
  if (!c->ws_open) {
    c->fused_timer = 0;
    return MWX_NODE_TIMER_DONE;
  }
  /* the look, at the next seal (fused_idle counts the looks that found
     nothing: the last one's, made since the previous tick) */
  fused_want(c);
  if (!c->pic_events && c->fused_idle < COP_RELOOKS) {
    c->fused_due = mwx_node_mono_ns() + COP_FLUSH_NS;
    return COP_FLUSH_NS;
  }
  src_ms_settle(c);
  c->fused_timer = 0;
  return MWX_NODE_TIMER_DONE;
}

/* Forgets the node events older than COP_SRC_KEEP_MS that changed nothing
 * shown (counted). */
static void sources_prune(mwx_cop *c, int64_t now_ms) {
  /* (a deletion moves later entries back into slot i: i is looked at again) */
  for (size_t i = 0; i < COP_SRC_SLOTS && c->n_src;) {
    if (c->src[i].id[0] && now_ms - c->src[i].wall_ms >= COP_SRC_KEEP_MS) {
      src_del(c, &c->src[i]);
      c->src_unreflected++;
    } else
      i++;
  }
}

void cop_fused_track(mwx_cop *c, const mwx_msg_track *t, int64_t wall_ms) {
  char key[MWX_ID_LEN + 1];
  snprintf(key, sizeof key, "%.*s", MWX_ID_LEN, t->local_track_id);
  if (!key[0] || src_slot(c, key)->id[0])
    return; /* its oldest sample not yet pushed stands */
  if (c->n_src >= COP_SRC_MAX) /* bounded */
    sources_prune(c, wall_ms);
  if (c->n_src >= COP_SRC_MAX) {
    c->src_untracked++;
    return;
  }
  cop_src *s = src_slot(c, key); /* (the prune may have moved it) */
  memcpy(s->id, key, sizeof s->id);
  s->wall_ms = wall_ms;
  s->t_ns = t->time_ns;
  s->joining = !cop_fused_member(c, key);
  s->passed = 0;
  s->stale = 0;
  if (!s->joining) { /* the page's entry already newer? */
    const cop_fused *f = fused_slot(c, member_slot(c->member, key)->g, 0);
    s->stale = f && t->time_ns <= f->t_last_ns;
  }
  c->n_src++;
}

void cop_fused_picture(mwx_cop *c, const mwx_node_event *ev) {
  size_t k = c->pic_events % COP_PASS_N;
  c->pass_mono[k] = mwx_node_mono_ns();
  c->pass_wait_us[k] = ev->pass.wait_ms >= 0 ? clamp_us((int64_t)(ev->pass.wait_ms * 1e6)) : -1;
  c->pass_us[k] = clamp_us((int64_t)(ev->pass.pass_ms * 1e6));
  c->pass_take_us[k] = clamp_us((int64_t)(ev->pass.take_ms * 1e6));
  c->pass_push_us[k] = -1;
  if (!c->ws_open) {
    c->pic_events++;
    return; /* nobody to push to (a page's snapshot reads the picture itself) */
  }
  /* the pass's changes: looked at when the open frame is sealed, with
     those of any later pass before it (one walk, one delta per frame) */
  fused_want(c);
  c->pic_events++;
}

void cop_fused_seal(mwx_cop *c) {
  if (!c->fused_want)
    return;
  c->fused_want = 0;
  if (!c->ws_open)
    return; /* (the pages left: nothing pushed, as for a pass without pages) */
  uint64_t from = c->want_pass, to = c->pic_events;
  /* the symbols' refresh (an entry whose data did not change moved on to
     the pass's time) only at a look that a pass asked for, or without
     picture events (passes in line): the positions move only at a pass,
     so a look between two passes (the flush timer's, for a launch point
     or a prediction) would only push refreshes due since the last one, in
     a frame (a write to every page) of their own */
  if (fused_flush(c, to > from || !c->pic_events)) {
    /* push_ms of each pass since the last look: its picture event -> the delta that carried it */
    int64_t now = mwx_node_mono_ns();
    if (to - from > COP_PASS_N)
      from = to - COP_PASS_N;
    for (uint64_t q = from; q < to; q++)
      c->pass_push_us[q % COP_PASS_N] = clamp_us(now - c->pass_mono[q % COP_PASS_N]);
  } else if (to > from) {
    src_ms_settle(c); /* (a pass's look that had nothing more to push; pic_events > 0) */
  }
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* {n, p50, p99, max} in ms of the ring's values >= 0. */
static json_t *ring_ms(const int32_t *ring, uint64_t count) {
  size_t n = count < COP_PASS_N ? (size_t)count : COP_PASS_N, m = 0;
  int32_t v[COP_PASS_N];
  for (size_t i = 0; i < n; i++)
    if (ring[i] >= 0)
      v[m++] = ring[i];
  if (!m)
    return json_pack("{s:i}", "n", 0);
  qsort(v, m, sizeof *v, cmp_i32);
  size_t i99 = (size_t)((double)m * 0.99), over = 0;
  for (size_t i = 0; i < m; i++)
    over += v[i] > 100000;
  return json_pack("{s:I,s:f,s:f,s:f,s:I}", "n", (json_int_t)m, "p50", v[m / 2] / 1e3, "p99",
                   v[i99 < m ? i99 : m - 1] / 1e3, "max", v[m - 1] / 1e3, "over_100", (json_int_t)over);
}

json_t *cop_fused_stats_json(const mwx_cop *c) {
  json_t *o = json_object();
  json_object_set_new(o, "passes", json_integer((json_int_t)c->pic_events));
  json_object_set_new(o, "wait_ms", ring_ms(c->pass_wait_us, c->pic_events));
  json_object_set_new(o, "pass_ms", ring_ms(c->pass_us, c->pic_events));
  json_object_set_new(o, "take_ms", ring_ms(c->pass_take_us, c->pic_events));
  json_object_set_new(o, "push_ms", ring_ms(c->pass_push_us, c->pic_events));
  json_object_set_new(o, "delta_wait_ms", ring_ms(c->fused_wait_us, c->fused_wait_n));
  json_object_set_new(o, "own_event_wait_ms", ring_ms(c->own_wait_us, c->own_wait_n));
  json_object_set_new(o, "partner_event_wait_ms", ring_ms(c->partner_wait_us, c->partner_wait_n));
  json_object_set_new(o, "join_wait_ms", ring_ms(c->join_wait_us, c->join_wait_n));
  json_object_set_new(o, "stale_event_wait_ms", ring_ms(c->stale_wait_us, c->stale_wait_n));
  json_object_set_new(o, "passed_event_wait_ms", ring_ms(c->passed_wait_us, c->passed_wait_n));
  json_t *sl = json_array();
  for (int i = 0; i < COP_SLOWEST; i++) {
    const struct cop_slow_ev *s = &c->slowest[i];
    if (s->wait_us > 0)
      json_array_append_new(sl, json_pack("{s:f,s:s,s:b,s:i,s:i,s:f,s:I}", "ms", s->wait_us / 1e3, "id", s->id, "stale",
                                          s->stale, "passed", s->passed, "members", s->members, "lead_ms",
                                          (double)s->lead_ns / 1e6, "t_s", (json_int_t)s->sim_s));
  }
  json_object_set_new(o, "slowest", sl);
  json_object_set_new(o, "events_unreflected", json_integer((json_int_t)c->src_unreflected));
  json_object_set_new(o, "events_untracked", json_integer((json_int_t)c->src_untracked));
  return o;
}

/* Arms the flush delay_ns from now, but no sooner than COP_FLUSH_NS after
 * the last flush, unless it is due sooner already. */
void cop_fused_arm(mwx_cop *c, int64_t delay_ns) {
  int64_t now = mwx_node_mono_ns();
  if (c->fused_last && c->fused_last + COP_FLUSH_NS - now > delay_ns)
    delay_ns = c->fused_last + COP_FLUSH_NS - now;
  if (!c->loop || (c->fused_timer && c->fused_due <= now + delay_ns))
    return;
  if (c->fused_timer)
    mwx_node_loop_timer_del(c->loop, c->fused_timer);
  c->fused_timer = 0;
  c->fused_due = now + delay_ns;
  mwx_node_loop_timer_add(c->loop, delay_ns, fused_tick, c, &c->fused_timer);
}
