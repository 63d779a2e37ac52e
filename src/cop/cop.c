/*
 * cop.c - the web picture server (cop.h): libwebsockets on libuv, libuv
 * driven by the node's loop; sessions, CSRF, log-in rate limit; the JSON
 * API of docs/api.md; the push channel fed by mwx_node_subscribe.
 *
 * Loop integration.  Debian's libwebsockets 4.1.6 is built without
 * LWS_WITH_EXTERNAL_POLL (the LWS_CALLBACK_ADD_POLL_FD family is never
 * called), but with its libuv event library.  So lws runs on a libuv loop
 * of ours (a "foreign loop"), and that libuv loop is embedded in the
 * node's loop the way libuv documents for embedding: the node's loop
 * watches uv_backend_fd() (an epoll fd that is readable when any libuv
 * watcher is ready) and keeps a timer at uv_backend_timeout(); either runs
 * uv_run(UV_RUN_NOWAIT).  libuv only applies new watch interests when it
 * runs, so anything done to lws from outside its callbacks (a node event to
 * push) "kicks" that timer to 0.
 *
 * Memory bounds: MWX_COP_MAX_ACCOUNTS accounts, COP_SESSIONS sessions
 * (the oldest is dropped for a new one), COP_LIMITS rate-limit slots,
 * COP_RING pushed messages kept for all pages; a page further behind than
 * MWX_COP_BACKLOG_MSGS messages or MWX_COP_BACKLOG_BYTES bytes is sent the
 * whole picture instead ("snapshot", counted in ws_resyncs, the skipped
 * messages in ws_dropped); one write per page per libuv pass, each at most
 * COP_FRAME_MAX bytes of pushed events; COP_TRAIL points per track,
 * COP_PICTURE entries in the picture (oldest dropped), request bodies of
 * COP_BODY_MAX bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "cop/cop_int.h"
#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/release.h"

#define COP_SESSIONS 256
#define COP_LIMITS 128
#define COP_RING 1024
_Static_assert(COP_RING > MWX_COP_BACKLOG_MSGS, "the ring holds every page's backlog");
#define COP_TRAIL 400
#define COP_PICTURE 2048
#define COP_BODY_MAX 4096
#define COP_TOKEN_HEX 64
#define COOKIE_NAME "mwx_session"
#define WS_PROTOCOL "mwx-cop.v1"
#define NS 1000000000ll
/* a track's updates are pushed at most this often: the newest sample then */
#define COP_COALESCE_NS (50 * 1000000ll)
#define COP_COALESCE_KEYS 4096
/* the fused picture's changes are pushed at most this often (one message
   for every changed global track), and COP_FLUSH_MIN_NS after the first node
   event that may change them when the last push is older than that */
#define COP_FLUSH_NS (25 * 1000000ll)
#define COP_FLUSH_MIN_NS (2 * 1000000ll)
#define COP_RELOOKS 12
#define COP_FUSED 512
/* the loop lag probe: a timer every 10 ms; its lateness, the last 6000 (60 s) */
#define COP_PROBE_NS (10 * 1000000ll)
#define COP_LAG_N 6000
#define COP_LAG_BUCKET_US 50
#define COP_LAG_BUCKETS 2000 /* 0..100 ms */
/* one WebSocket message carries at most this many bytes of pushed events */
#define COP_FRAME_MAX (256 * 1024)

typedef struct cop_session {
  int used;
  char token[COP_TOKEN_HEX + 1];
  char csrf[COP_TOKEN_HEX + 1];
  char name[MWX_COP_NAME_MAX + 1];
  unsigned char hash[COP_HASH_LEN]; /* of the account at log-in: a new password ends the session */
  int64_t created_mono, last_mono;
} cop_session;

typedef struct cop_limit {
  char key[MWX_COP_NAME_MAX + 8];
  int fails;
  int64_t first_mono;
} cop_limit;

/* what was last pushed of one fused track (a delta carries what changed) */
typedef struct cop_fused {
  uint32_t g;
  int64_t t_ns, impact_ns, launch_ns;
  uint8_t n_con;
  char con[MWX_MAX_NATIONS][MWX_NATION_LEN];
  int n_members;
  int seen;
} cop_fused;

typedef struct ring_msg {
  unsigned char *buf; /* LWS_PRE bytes of head room, then len bytes */
  size_t len;
  uint64_t bytes_before; /* bytes of every message pushed before this one (the backlog in bytes) */
} ring_msg;

struct mwx_cop {
  mwx_cop_config cfg;
  mwx_node *node;
  mwx_node_loop *loop;
  char nation[MWX_NATION_LEN];
  int64_t epoch_ns;
  char url[160];
  uv_loop_t uv;
  int uv_inited, uv_fd_watched;
  int uv_fd;
  uint64_t uv_timer;
  struct lws_context *ctx;
  struct lws_protocols protocols[3];
  struct lws_http_mount mount_api, mount_files;
  struct lws_protocol_vhost_options hdr[6], mime[2];
  uint64_t sub_id;
  int subscribed;
  cop_accounts *acc;
  cop_file_id acc_id;
  cop_session sess[COP_SESSIONS];
  cop_limit lim[COP_LIMITS];
  ring_msg ring[COP_RING];
  uint64_t ring_head; /* seq of the next message */
  uint64_t ring_bytes; /* bytes of every message pushed so far */
  uint64_t uv_passes;  /* libuv passes run: a page gets at most one write per pass */
  int64_t open_mono;   /* mwx_cop_open's time */
  int busy_depth;      /* nesting of timed entries from the loop (busy_in) */
  uint64_t io_calls;   /* lws callbacks for real I/O (requests, bodies, writes, WebSocket events): a pass
                          that had any is followed by another at once (uv_tick) */
  json_t *picture;    /* key "ORIG|Topic|id" -> sample (+ "trail" for tracks) */
  json_t *partners;   /* nation -> {alive, last_ms, received, dropped} */
  int ws_open;        /* pages connected to the push channel now */
  json_t *pending;    /* track key -> its newest event not pushed yet (coalescing) */
  json_t *last_push;  /* track key -> mono ns of its last push */
  uint64_t coalesce_timer; /* 0: not armed */
  int64_t coalesce_due;    /* mono ns at which it fires */
  /* the fused picture pushed as deltas (one symbol per global track) */
  cop_fused fused[COP_FUSED];
  size_t n_fused;
  uint64_t fused_timer;   /* 0: not armed */
  int64_t fused_due;      /* mono ns at which it fires */
  int64_t fused_src_ms;   /* wall ms of the oldest node event not yet reflected in a pushed delta (0: none) */
  int64_t fused_last;     /* mono ns of the last flush (at most one per COP_FLUSH_NS) */
  int fused_idle;         /* flushes in a row that found nothing new */
  /* loop lag probe: lateness of a COP_PROBE_NS timer, the last COP_LAG_N */
  uint64_t probe_timer;
  int64_t probe_due;
  int32_t lag_us[COP_LAG_N];
  uint64_t lag_n;
  uint64_t lag_hist[COP_LAG_BUCKETS + 1]; /* every run since the start: COP_LAG_BUCKET_US wide, the last: beyond */
  mwx_cop_stats st;
};

/* ---- small helpers ----------------------------------------------------- */

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server's time on the node's loop: every entry from the loop (a libuv
 * pass, a node event, a timer) is timed; nested entries count once. */
static int64_t busy_in(mwx_cop *c) {
  return c->busy_depth++ ? 0 : mwx_node_mono_ns();
}
static void busy_out(mwx_cop *c, int64_t t0) {
  if (--c->busy_depth)
    return;
  c->st.loop_ns += (uint64_t)(mwx_node_mono_ns() - t0);
  c->st.loop_calls++;
}

static int random_hex(char *out, size_t bytes) {
  unsigned char b[64];
  if (bytes > sizeof b || RAND_bytes(b, (int)bytes) != 1)
    return -1;
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes; i++) {
    out[2 * i] = d[b[i] >> 4];
    out[2 * i + 1] = d[b[i] & 15];
  }
  out[2 * bytes] = 0;
  return 0;
}

void mwx_cop_config_init(mwx_cop_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->bind, sizeof c->bind, "127.0.0.1");
#ifdef MWX_WEB_ROOT
  snprintf(c->web_root, sizeof c->web_root, "%s", MWX_WEB_ROOT);
#else
  snprintf(c->web_root, sizeof c->web_root, "%s/web/dist", MWX_SOURCE_DIR);
#endif
  c->session_idle_s = 1800;
  c->session_max_s = 43200;
  c->login_burst = 5;
  c->login_window_s = 60;
  c->ws_backlog_msgs = MWX_COP_BACKLOG_MSGS;
  c->ws_backlog_bytes = MWX_COP_BACKLOG_BYTES;
}

static int is_loopback(const char *addr) {
  struct in_addr a4;
  struct in6_addr a6;
  if (!strcmp(addr, "localhost"))
    return 1;
  if (inet_pton(AF_INET, addr, &a4) == 1)
    return (ntohl(a4.s_addr) >> 24) == 127;
  if (inet_pton(AF_INET6, addr, &a6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&a6);
  return 0;
}

static int rel_path(char *out, size_t cap, const char *dir, const char *p) {
  int w = p[0] == '/' ? snprintf(out, cap, "%s", p) : snprintf(out, cap, "%s/%s", dir, p);
  return w < 0 || (size_t)w >= cap ? mwx_error_set(MWX_ERANGE, "path too long: %s", p) : 0;
}

int mwx_cop_config_load(const char *path, mwx_cop_config *c, int *enabled) {
  if (!path || !c || !enabled)
    return mwx_error_set(MWX_EINVAL, "cop: NULL argument");
  mwx_cop_config_init(c);
  *enabled = 0;
  json_t *root = NULL;
  int rc = mwx_json_load_file(path, 0, &root);
  if (rc)
    return rc;
  char dir[512];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = 0;
  else
    snprintf(dir, sizeof dir, ".");
  int64_t port = 0, v;
  const char *s, *nation = NULL, *pki = NULL;
  rc = mwx_json_get_int(root, "web_port", 0, 65535, path, &port);
  if (rc && rc != MWX_ENOTFOUND)
    goto done;
  rc = 0;
  if (!port)
    goto done;
  c->port = (int)port;
  *enabled = 1;
  if (!mwx_json_get_str(root, "web_bind", path, &s))
    snprintf(c->bind, sizeof c->bind, "%s", s);
  if ((rc = mwx_json_get_str(root, "web_accounts", path, &s))) {
    rc = mwx_error_set(MWX_EINVAL, "%s: web_port is set but web_accounts (the accounts file) is not", path);
    goto done;
  }
  if ((rc = rel_path(c->accounts, sizeof c->accounts, dir, s)))
    goto done;
  if (!mwx_json_get_str(root, "web_root", path, &s) && (rc = rel_path(c->web_root, sizeof c->web_root, dir, s)))
    goto done;
  if (!(rc = mwx_json_get_int(root, "web_session_idle_s", 1, 86400 * 7, path, &v)))
    c->session_idle_s = v;
  else if (rc != MWX_ENOTFOUND)
    goto done;
  if (!(rc = mwx_json_get_int(root, "web_session_max_s", 1, 86400 * 30, path, &v)))
    c->session_max_s = v;
  else if (rc != MWX_ENOTFOUND)
    goto done;
  rc = 0;
  if (!mwx_json_get_str(root, "nation", path, &nation) && !mwx_json_get_str(root, "pki_dir", path, &pki) &&
      strlen(nation) == 3) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s/web.pem", pki, nation);
    if ((rc = rel_path(c->cert, sizeof c->cert, dir, p)))
      goto done;
    snprintf(p, sizeof p, "%s/%s/web.key", pki, nation);
    rc = rel_path(c->key, sizeof c->key, dir, p);
  }
done:
  json_decref(root);
  return rc;
}

/* ---- accounts and sessions ------------------------------------------- */

/* Rereads the accounts file if it changed since the last read.  A file
 * that fails to parse keeps the previous table (and says so once). */
static void accounts_refresh(mwx_cop *c) {
  cop_file_id id;
  cop_file_id_get(c->cfg.accounts, &id);
  if (cop_file_id_same(&id, &c->acc_id))
    return;
  cop_accounts *t = malloc(sizeof *t);
  if (!t)
    return;
  if (cop_accounts_load(c->cfg.accounts, t)) {
    fprintf(stderr, "cop %s: keeping the previous accounts: %s\n", c->nation, mwx_error_msg());
    free(t);
    c->acc_id = id;
    return;
  }
  OPENSSL_cleanse(c->acc, sizeof *c->acc);
  free(c->acc);
  c->acc = t;
  c->acc_id = id;
  c->st.account_reloads++;
}

/* The valid session of token (or NULL): not expired, account still there
 * with the same password.  Touches it. */
static cop_session *session_get(mwx_cop *c, const char *token, int touch) {
  if (!token || strlen(token) != COP_TOKEN_HEX)
    return NULL;
  accounts_refresh(c);
  int64_t now = mwx_node_mono_ns();
  for (int i = 0; i < COP_SESSIONS; i++) {
    cop_session *s = &c->sess[i];
    if (!s->used || CRYPTO_memcmp(s->token, token, COP_TOKEN_HEX))
      continue;
    const cop_account *a = cop_accounts_find(c->acc, s->name);
    if (now - s->last_mono > c->cfg.session_idle_s * NS || now - s->created_mono > c->cfg.session_max_s * NS || !a ||
        CRYPTO_memcmp(a->hash, s->hash, COP_HASH_LEN)) {
      memset(s, 0, sizeof *s);
      return NULL;
    }
    if (touch)
      s->last_mono = now;
    return s;
  }
  return NULL;
}

static mwx_cop_role session_role(mwx_cop *c, const cop_session *s) {
  const cop_account *a = cop_accounts_find(c->acc, s->name);
  return a ? a->role : 0;
}

static cop_session *session_new(mwx_cop *c, const cop_account *a) {
  int slot = 0;
  for (int i = 0; i < COP_SESSIONS; i++) {
    if (!c->sess[i].used) {
      slot = i;
      break;
    }
    if (c->sess[i].last_mono < c->sess[slot].last_mono)
      slot = i;
  }
  cop_session *s = &c->sess[slot];
  memset(s, 0, sizeof *s);
  if (random_hex(s->token, COP_TOKEN_HEX / 2) || random_hex(s->csrf, COP_TOKEN_HEX / 2))
    return NULL;
  snprintf(s->name, sizeof s->name, "%s", a->name);
  memcpy(s->hash, a->hash, COP_HASH_LEN);
  s->created_mono = s->last_mono = mwx_node_mono_ns();
  s->used = 1;
  return s;
}

/* Rate limit of failed log-ins, per key ("ip:1.2.3.4", "name:x"). */
static cop_limit *limit_slot(mwx_cop *c, const char *key, int create) {
  int64_t now = mwx_node_mono_ns();
  int oldest = 0;
  for (int i = 0; i < COP_LIMITS; i++) {
    cop_limit *l = &c->lim[i];
    if (l->key[0] && now - l->first_mono > c->cfg.login_window_s * NS)
      memset(l, 0, sizeof *l);
    if (l->key[0] && !strcmp(l->key, key))
      return l;
    if (!l->key[0] || l->first_mono < c->lim[oldest].first_mono)
      oldest = i;
  }
  if (!create)
    return NULL;
  cop_limit *l = &c->lim[oldest];
  memset(l, 0, sizeof *l);
  snprintf(l->key, sizeof l->key, "%s", key);
  l->first_mono = now;
  return l;
}

static int limited(mwx_cop *c, const char *key) {
  cop_limit *l = limit_slot(c, key, 0);
  return l && l->fails >= c->cfg.login_burst;
}

static void limit_fail(mwx_cop *c, const char *key) {
  cop_limit *l = limit_slot(c, key, 1);
  l->fails++;
}

/* ---- the picture and the push ring ---------------------------------- */

static void ring_push(mwx_cop *c, json_t *msg) {
  char *text = json_dumps(msg, JSON_COMPACT);
  if (!text)
    return;
  size_t len = strlen(text);
  ring_msg *r = &c->ring[c->ring_head % COP_RING];
  free(r->buf);
  r->buf = malloc(LWS_PRE + len);
  r->len = r->buf ? len : 0;
  if (r->buf)
    memcpy(r->buf + LWS_PRE, text, len);
  free(text);
  r->bytes_before = c->ring_bytes;
  c->ring_bytes += r->len;
  c->ring_head++;
}

static void kick(mwx_cop *c);
static int64_t node_sim_ns(mwx_cop *c);

static void push_now(mwx_cop *c, json_t *o) {
  json_object_set_new(o, "push_ms", json_real((double)wall_ms()));
  ring_push(c, o);
  if (c->ctx)
    lws_callback_on_writable_all_protocol(c->ctx, &c->protocols[1]);
  kick(c);
}

/* Pushes every pending track update whose track was last pushed at least
 * COP_COALESCE_NS ago; returns the delay to the next one due (or DONE). */
static int64_t coalesce_tick(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_cop *c = ctx;
  int64_t t0 = busy_in(c);
  int64_t now = mwx_node_mono_ns(), next = INT64_MAX;
  const char *k;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(c->pending, tmp, k, v) {
    int64_t last = (int64_t)json_integer_value(json_object_get(c->last_push, k));
    if (now - last >= COP_COALESCE_NS) {
      push_now(c, v);
      json_object_set_new(c->last_push, k, json_integer(now));
      json_object_del(c->pending, k);
    } else if (last + COP_COALESCE_NS - now < next) {
      next = last + COP_COALESCE_NS - now;
    }
  }
  busy_out(c, t0);
  if (next == INT64_MAX) {
    c->coalesce_timer = 0;
    return MWX_NODE_TIMER_DONE;
  }
  c->coalesce_due = now + next;
  return next;
}

/* A track's sample event: pushed at once when the track was not pushed in
 * the last COP_COALESCE_NS, else kept as the track's pending update
 * (replacing an older one, counted in ws_coalesced) until its time comes. */
static void push_track(mwx_cop *c, const char *key, json_t *o) {
  int64_t now = mwx_node_mono_ns();
  json_t *lp = json_object_get(c->last_push, key);
  if (!json_object_get(c->pending, key) && (!lp || now - (int64_t)json_integer_value(lp) >= COP_COALESCE_NS)) {
    push_now(c, o);
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
  if (json_object_get(c->pending, key))
    c->st.ws_coalesced++;
  json_object_set(c->pending, key, o);
  int64_t last = lp ? (int64_t)json_integer_value(lp) : now;
  int64_t due = last + COP_COALESCE_NS;
  if (c->loop && (!c->coalesce_timer || due < c->coalesce_due)) { /* (re)armed for the earliest due */
    if (c->coalesce_timer)
      mwx_node_loop_timer_del(c->loop, c->coalesce_timer);
    c->coalesce_timer = 0;
    c->coalesce_due = due;
    mwx_node_loop_timer_add(c->loop, due > now ? due - now : 0, coalesce_tick, c, &c->coalesce_timer);
  }
}

static void picture_put(mwx_cop *c, const json_t *sample) {
  const char *orig = json_string_value(json_object_get(sample, "originator"));
  const char *topic = json_string_value(json_object_get(sample, "topic"));
  const char *id = json_string_value(json_object_get(sample, "id"));
  if (!orig || !topic || !id)
    return;
  char key[128];
  snprintf(key, sizeof key, "%s|%s|%s", orig, topic, id);
  json_t *old = json_object_get(c->picture, key);
  json_t *copy = json_deep_copy(sample);
  if (!copy)
    return;
  if (!strcmp(topic, "Track")) {
    json_t *trail = old ? json_object_get(old, "trail") : NULL;
    trail = trail ? json_incref(trail) : json_array();
    json_t *lat = json_object_get(sample, "lat_deg"), *lon = json_object_get(sample, "lon_deg");
    if (json_is_number(lat) && json_is_number(lon)) {
      json_array_append_new(trail, json_pack("[f,f]", json_number_value(lon), json_number_value(lat)));
      if (json_array_size(trail) > COP_TRAIL)
        json_array_remove(trail, 0);
    }
    json_object_set_new(copy, "trail", trail);
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
  json_object_set_new(copy, "updated_ms", json_real((double)wall_ms()));
  json_object_set_new(c->picture, key, copy);
}

static json_t *partner_obj(mwx_cop *c, const char *nat) {
  json_t *p = json_object_get(c->partners, nat);
  if (!p) {
    p = json_pack("{s:b,s:n,s:I,s:I,s:n}", "alive", 0, "last_ms", "received", (json_int_t)0, "dropped",
                  (json_int_t)0, "journal_head");
    json_object_set_new(c->partners, nat, p);
  }
  return p;
}

/* ---- the fused picture: one symbol per global track ------------------- */

static json_t *nation_list(const char (*l)[MWX_NATION_LEN], int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(a, json_stringn(l[i], strnlen(l[i], MWX_NATION_LEN)));
  return a;
}

static double msd(int64_t ns) { return (double)(ns / 1000000); }

typedef struct fused_walk {
  mwx_cop *c;
  json_t *tracks; /* entries changed (or all, with full) */
  int full;       /* the whole picture (GET /api/picture): every entry, launch and impact, trail */
} fused_walk;

/* The JSON of one fused entry: position and who contributes always; its
 * launch point and predicted impact when they changed (or with full). */
static json_t *fused_json(const mwx_node_fused_entry *e, int with_launch, int with_impact) {
  json_t *o = json_object();
  json_object_set_new(o, "g", json_integer(e->global_track_no));
  json_object_set_new(o, "t_ms", json_real(msd(e->t_ns)));
  json_object_set_new(o, "lat_deg", json_real(e->lat_deg));
  json_object_set_new(o, "lon_deg", json_real(e->lon_deg));
  json_object_set_new(o, "alt_km", json_real(e->h_m / 1e3));
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
 * picture holds (the server keeps COP_TRAIL points per nation's track). */
static json_t *member_trail(mwx_cop *c, const mwx_node_fused_entry *e) {
  const char *k;
  json_t *v;
  for (int m = 0; m < e->n_members; m++) {
    char id[MWX_ID_LEN + 1];
    snprintf(id, sizeof id, "%.*s", MWX_ID_LEN, e->member[m]);
    json_object_foreach(c->picture, k, v) {
      const char *t = json_string_value(json_object_get(v, "topic"));
      const char *i = json_string_value(json_object_get(v, "id"));
      if (t && i && !strcmp(t, "Track") && !strcmp(i, id) && json_object_get(v, "trail"))
        return json_incref(json_object_get(v, "trail"));
    }
  }
  return json_array();
}

static void fused_visit(void *vw, const mwx_node_fused_entry *e) {
  fused_walk *w = vw;
  mwx_cop *c = w->c;
  if (e->fallen) /* the page's picture is of missiles in flight: a fallen one is gone */
    return;
  if (w->full) {
    json_t *o = fused_json(e, 1, 1);
    json_object_set_new(o, "trail", member_trail(c, e));
    json_array_append_new(w->tracks, o);
    return;
  }
  cop_fused *f = fused_slot(c, e->global_track_no, 1);
  if (!f)
    return;
  f->seen = 1;
  int64_t lt = e->has_launch ? e->launch.launch_time_ns + (int64_t)(e->launch.err_major_km * 1e3) : INT64_MIN;
  int64_t it = e->has_impact ? e->impact.time_ns : INT64_MIN;
  int moved = f->t_ns != e->t_ns || f->n_con != e->n_contributors || f->n_members != e->n_members ||
              memcmp(f->con, e->contributors, sizeof f->con);
  int nl = lt != f->launch_ns, ni = it != f->impact_ns;
  if (!moved && !nl && !ni)
    return;
  json_array_append_new(w->tracks, fused_json(e, nl, ni));
  f->t_ns = e->t_ns;
  f->n_con = e->n_contributors;
  f->n_members = e->n_members;
  memcpy(f->con, e->contributors, sizeof f->con);
  f->launch_ns = lt;
  f->impact_ns = it;
}

static void fused_arm(mwx_cop *c, int64_t delay_ns);

/* Pushes the fused picture's changes since the last push as one message
 * {"type":"fused","wall_ms":...,"tracks":[...],"gone":[...]}: wall_ms is
 * the oldest node event since the last push that may be in it. */
static int64_t fused_tick(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_cop *c = ctx;
  if (!c->ws_open) {
    c->fused_timer = 0;
    return MWX_NODE_TIMER_DONE;
  }
  int64_t t0 = busy_in(c);
  c->fused_last = mwx_node_mono_ns();
  fused_walk w = {c, json_array(), 0};
  for (size_t i = 0; i < c->n_fused; i++)
    c->fused[i].seen = 0;
  mwx_node_fused_picture(c->node, fused_visit, &w);
  json_t *gone = json_array();
  for (size_t i = 0; i < c->n_fused;) {
    if (!c->fused[i].seen) {
      json_array_append_new(gone, json_integer(c->fused[i].g));
      c->fused[i] = c->fused[--c->n_fused];
    } else
      i++;
  }
  if (json_array_size(w.tracks) || json_array_size(gone)) {
    json_t *o = json_pack("{s:s,s:f,s:o,s:o}", "type", "fused", "wall_ms",
                          (double)(c->fused_src_ms ? c->fused_src_ms : wall_ms()), "tracks", w.tracks, "gone", gone);
    json_object_set_new(o, "t_s", json_real((double)(node_sim_ns(c) - c->epoch_ns) / 1e9));
    push_now(c, o);
    json_decref(o);
    c->fused_src_ms = 0;
    c->fused_idle = 0;
  } else {
    json_decref(w.tracks);
    json_decref(gone);
    c->fused_idle++;
  }
  busy_out(c, t0);
  /* the fuser takes a partner's sample in on a later pass (it refreshes at
     most every 0.25 s: src/node/fusepic.c FUSE_EVERY_NS): look again every
     COP_FLUSH_NS for COP_RELOOKS looks (300 ms) */
  if (c->fused_idle < COP_RELOOKS) {
    c->fused_due = mwx_node_mono_ns() + COP_FLUSH_NS;
    return COP_FLUSH_NS;
  }
  c->fused_src_ms = 0; /* what came since did not change the fused picture (e.g. a track the fuser cannot take) */
  c->fused_timer = 0;
  return MWX_NODE_TIMER_DONE;
}

/* Arms the flush delay_ns from now, but no sooner than COP_FLUSH_NS after
 * the last flush, unless it is due sooner already. */
static void fused_arm(mwx_cop *c, int64_t delay_ns) {
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

/* ---- the loop lag probe ------------------------------------------------ */

static int64_t probe_tick(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_cop *c = ctx;
  int64_t now = mwx_node_mono_ns(), late = now - c->probe_due;
  if (late < 0)
    late = 0;
  int64_t us = late / 1000;
  c->lag_us[c->lag_n++ % COP_LAG_N] = (int32_t)(us > INT32_MAX ? INT32_MAX : us);
  c->lag_hist[us / COP_LAG_BUCKET_US < COP_LAG_BUCKETS ? us / COP_LAG_BUCKET_US : COP_LAG_BUCKETS]++;
  c->probe_due = now + COP_PROBE_NS;
  return COP_PROBE_NS;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

void mwx_cop_loop_lag(const mwx_cop *c, mwx_cop_lag *out) {
  memset(out, 0, sizeof *out);
  if (!c)
    return;
  size_t n = c->lag_n < COP_LAG_N ? (size_t)c->lag_n : COP_LAG_N;
  if (!n)
    return;
  int32_t *v = malloc(n * sizeof *v);
  if (!v)
    return;
  memcpy(v, c->lag_us, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_i32);
  out->n = n;
  out->p50_us = v[n / 2];
  out->p99_us = v[(size_t)((double)n * 0.99) < n ? (size_t)((double)n * 0.99) : n - 1];
  out->max_us = v[n - 1];
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += v[i];
  out->mean_us = sum / (double)n;
  free(v);
}

static void on_node_event(void *vc, const mwx_node_event *ev) {
  mwx_cop *c = vc;
  if (ev->kind == MWX_NODE_EV_RELEASED)
    return; /* one per sample and partner, and the page shows nothing of it: not pushed (the loop's
               time; what waits for a decision and what was refused are) */
  if (ev->kind == MWX_NODE_EV_REFUSED && !c->ws_open)
    return; /* only pushed, never kept: nobody to push to (saves the loop the JSON) */
  int64_t t0 = busy_in(c);
  json_t *o = NULL;
  if (mwx_node_event_json(c->nation, c->epoch_ns, ev, &o)) {
    busy_out(c, t0);
    return;
  }
  json_t *sample = json_object_get(o, "sample");
  if (ev->kind == MWX_NODE_EV_FUSED || ev->kind == MWX_NODE_EV_ALERT) /* (their samples come as "sample" too) */
    json_object_set_new(o, "type", json_string(ev->kind == MWX_NODE_EV_FUSED ? "fused_prediction" : "alert"));
  if ((ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_RECEIVED) && sample)
    picture_put(c, sample);
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
      json_object_set_new(p, "received", json_integer(json_integer_value(json_object_get(p, "received")) + 1));
    } else
      json_object_set_new(p, "dropped", json_integer(json_integer_value(json_object_get(p, "dropped")) + 1));
    json_object_set(o, "partner_status", p);
  }
  if ((ev->kind == MWX_NODE_EV_RELEASED || ev->kind == MWX_NODE_EV_REFUSED) && sample) {
    /* the decision, not the whole sample again */
    json_object_set(o, "topic", json_object_get(sample, "topic"));
    json_object_set(o, "id", json_object_get(sample, "id"));
    json_object_set(o, "seq", json_object_get(sample, "seq"));
    json_object_del(o, "sample");
  }
  const char *topic = sample ? json_string_value(json_object_get(sample, "topic")) : NULL;
  if ((ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_RECEIVED) && topic && !strcmp(topic, "Track")) {
    char key[160];
    snprintf(key, sizeof key, "%s|%s|%s", json_string_value(json_object_get(o, "type")) ? json_string_value(json_object_get(o, "type")) : "",
             json_string_value(json_object_get(sample, "originator")) ? json_string_value(json_object_get(sample, "originator")) : "",
             json_string_value(json_object_get(sample, "id")) ? json_string_value(json_object_get(sample, "id")) : "");
    push_track(c, key, o);
  } else {
    push_now(c, o);
  }
  int feeds_fused = c->ws_open && sample && topic &&
                    (!strcmp(topic, "Track") || !strcmp(topic, "LaunchEvent") || !strcmp(topic, "ImpactPrediction")) &&
                    (ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_RECEIVED || ev->kind == MWX_NODE_EV_FUSED);
  json_decref(o); /* (sample and topic point into o) */
  if (feeds_fused) {
    if (!c->fused_src_ms)
      c->fused_src_ms = ev->wall_ns / 1000000;
    c->fused_idle = 0;
    fused_arm(c, COP_FLUSH_MIN_NS);
  }
  busy_out(c, t0);
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

static int64_t node_sim_ns(mwx_cop *c) {
  mwx_node_stats st;
  mwx_node_get_stats(c->node, &st);
  return st.sim_ns;
}

static json_t *queue_json(mwx_cop *c, int *status) {
  queue_ctx q = {json_array(), node_sim_ns(c)};
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
static json_t *picture_json(mwx_cop *c) {
  json_t *items = json_array();
  const char *k;
  json_t *v;
  json_object_foreach(c->picture, k, v) json_array_append(items, v);
  mwx_node_stats st;
  mwx_node_get_stats(c->node, &st);
  fused_walk fw = {c, json_array(), 1};
  mwx_node_fused_picture(c->node, fused_visit, &fw);
  return json_pack("{s:o,s:s,s:f,s:f,s:o,s:O,s:I,s:f}", "fused", fw.tracks, "nation", c->nation, "epoch_ms",
                   (double)(c->epoch_ns / 1000000), "sim_t_s", (double)(st.sim_ns - c->epoch_ns) / 1e9, "samples",
                   items, "partners", c->partners, "push_seq", (json_int_t)c->ring_head, "server_ms",
                   (double)wall_ms());
}

/* ---- HTTP API ---------------------------------------------------------- */

typedef struct http_pss {
  char uri[128];
  int post;
  char *body;
  size_t body_len;
  int body_too_big;
  char *resp;
  size_t resp_len, resp_sent;
  int status;
  int answered; /* a response was started: later body callbacks are ignored */
  char set_cookie[160];
} http_pss;

static void cookie_token(struct lws *wsi, char *out, size_t cap) {
  size_t max = cap;
  out[0] = 0;
  if (lws_http_cookie_get(wsi, COOKIE_NAME, out, &max))
    out[0] = 0;
  else if (max < cap)
    out[max] = 0;
}

static int respond(struct lws *wsi, http_pss *p, int status, json_t *body) {
  p->status = status;
  p->answered = 1;
  free(p->resp);
  p->resp = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  p->resp_len = p->resp ? strlen(p->resp) : 0;
  p->resp_sent = 0;
  unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *ptr = start, *end = buf + sizeof buf - 1;
  if (lws_add_http_common_headers(wsi, (unsigned int)status, "application/json", p->resp_len, &ptr, end) ||
      lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:", (const unsigned char *)"no-store", 8,
                                  &ptr, end))
    return 1;
  if (p->set_cookie[0] &&
      lws_add_http_header_by_name(wsi, (const unsigned char *)"set-cookie:", (const unsigned char *)p->set_cookie,
                                  (int)strlen(p->set_cookie), &ptr, end))
    return 1;
  if (status == 429 &&
      lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:", (const unsigned char *)"60", 2, &ptr, end))
    return 1;
  if (lws_finalize_write_http_header(wsi, start, &ptr, end))
    return 1;
  lws_callback_on_writable(wsi);
  return 0;
}

static int err(struct lws *wsi, http_pss *p, mwx_cop *c, int status, const char *msg) {
  c->st.api_refused++;
  return respond(wsi, p, status, json_pack("{s:s,s:i}", "error", msg, "status", status));
}

static json_t *body_json(http_pss *p, const char *const *keys, char *why, size_t cap) {
  json_t *o = NULL;
  if (p->body_too_big) {
    snprintf(why, cap, "request body larger than %d bytes", COP_BODY_MAX);
    return NULL;
  }
  if (mwx_json_load_text(p->body ? p->body : "", p->body_len, "request body", &o) ||
      mwx_json_check_keys(o, keys, "request body")) {
    snprintf(why, cap, "%s", mwx_error_msg());
    json_decref(o);
    return NULL;
  }
  return o;
}

static int api_login(struct lws *wsi, http_pss *p, mwx_cop *c) {
  static const char *const keys[] = {"name", "password", NULL};
  char why[300], peer[64] = "?", kip[80], kname[MWX_COP_NAME_MAX + 8];
  lws_get_peer_simple(wsi, peer, sizeof peer);
  snprintf(kip, sizeof kip, "ip:%s", peer);
  json_t *o = body_json(p, keys, why, sizeof why);
  if (!o)
    return err(wsi, p, c, 400, why);
  const char *name = NULL, *pw = NULL;
  if (mwx_json_get_str(o, "name", "request body", &name) || mwx_json_get_str(o, "password", "request body", &pw)) {
    json_decref(o);
    return err(wsi, p, c, 400, "request body needs \"name\" and \"password\" strings");
  }
  snprintf(kname, sizeof kname, "name:%s", name);
  if (limited(c, kip) || limited(c, kname)) {
    c->st.logins_limited++;
    json_decref(o);
    return err(wsi, p, c, 429, "too many failed log-ins; try again later");
  }
  accounts_refresh(c);
  const cop_account *a = strlen(name) <= MWX_COP_NAME_MAX ? cop_accounts_find(c->acc, name) : NULL;
  int ok = strlen(pw) <= MWX_COP_PASSWORD_MAX ? cop_account_check(a, pw) : 0;
  if (ok != 1) {
    limit_fail(c, kip);
    limit_fail(c, kname);
    c->st.logins_failed++;
    json_decref(o);
    return err(wsi, p, c, 401, "wrong name or password");
  }
  json_decref(o);
  cop_session *s = session_new(c, a);
  if (!s)
    return err(wsi, p, c, 500, "cannot make a session");
  c->st.logins_ok++;
  snprintf(p->set_cookie, sizeof p->set_cookie, "%s=%s; Path=/; Max-Age=%lld; Secure; HttpOnly; SameSite=Strict",
           COOKIE_NAME, s->token, (long long)c->cfg.session_max_s);
  c->st.api_ok++;
  return respond(wsi, p, 200,
                 json_pack("{s:s,s:s,s:s,s:s,s:I}", "name", s->name, "role", mwx_cop_role_name(a->role), "csrf",
                           s->csrf, "nation", c->nation, "idle_s", (json_int_t)c->cfg.session_idle_s));
}

static int api_decide(struct lws *wsi, http_pss *p, mwx_cop *c, cop_session *s, int approve) {
  if (session_role(c, s) != MWX_COP_RELEASE_OFFICER)
    return err(wsi, p, c, 403, "only a release_officer may approve or deny");
  static const char *const keys[] = {"id", NULL};
  char why[300];
  json_t *o = body_json(p, keys, why, sizeof why);
  if (!o)
    return err(wsi, p, c, 400, why);
  int64_t id = 0;
  int rc = mwx_json_get_int(o, "id", 1, INT64_MAX, "request body", &id);
  json_decref(o);
  if (rc)
    return err(wsi, p, c, 400, "request body needs \"id\", a positive integer (the queue item)");
  mwx_release_item it;
  /* the path of `mwx release approve`: a decision record in the journal,
     which the node's next pass publishes (approve) */
  rc = mwx_release_queue_decide(mwx_node_journal(c->node), (uint64_t)id, approve, s->name, node_sim_ns(c), &it);
  if (rc) {
    int st = rc == MWX_ENOTFOUND ? 404 : rc == MWX_EEXIST ? 409 : rc == MWX_ETIMEDOUT ? 410 : 500;
    return err(wsi, p, c, st, mwx_error_msg());
  }
  c->st.api_ok++;
  json_t *ev = json_pack("{s:s,s:s,s:I,s:s,s:f}", "type", "decided", "nation", c->nation, "item", (json_int_t)id,
                         "outcome", approve ? "approved" : "denied", "push_ms", (double)wall_ms());
  json_object_set_new(ev, "operator", json_string(s->name));
  ring_push(c, ev);
  json_decref(ev);
  lws_callback_on_writable_all_protocol(c->ctx, &c->protocols[1]);
  kick(c);
  json_t *r = json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id, "outcome", approve ? "approved" : "denied",
                        "decision_record", (json_int_t)it.decision_id);
  json_object_set_new(r, "operator", json_string(s->name));
  return respond(wsi, p, 200, r);
}

static int api(struct lws *wsi, http_pss *p, mwx_cop *c) {
  c->st.requests++;
  const char *u = p->uri;
  if (p->post && !strcmp(u, "/api/login"))
    return api_login(wsi, p, c);
  char tok[COP_TOKEN_HEX + 8];
  cookie_token(wsi, tok, sizeof tok);
  cop_session *s = session_get(c, tok, 1);
  if (!s)
    return err(wsi, p, c, 401, "no valid session: log in (POST /api/login)");
  if (p->post) {
    char csrf[COP_TOKEN_HEX + 8] = "";
    if (lws_hdr_custom_copy(wsi, csrf, sizeof csrf, "x-csrf-token:", 13) != COP_TOKEN_HEX ||
        CRYPTO_memcmp(csrf, s->csrf, COP_TOKEN_HEX))
      return err(wsi, p, c, 403, "missing or wrong X-CSRF-Token header");
    if (!strcmp(u, "/api/logout")) {
      memset(s, 0, sizeof *s);
      snprintf(p->set_cookie, sizeof p->set_cookie, "%s=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict",
               COOKIE_NAME);
      c->st.api_ok++;
      return respond(wsi, p, 200, json_pack("{s:b}", "ok", 1));
    }
    if (!strcmp(u, "/api/release/approve"))
      return api_decide(wsi, p, c, s, 1);
    if (!strcmp(u, "/api/release/deny"))
      return api_decide(wsi, p, c, s, 0);
    return err(wsi, p, c, 404, "no such API call");
  }
  c->st.api_ok++;
  if (!strcmp(u, "/api/session")) {
    json_t *r = json_pack("{s:s,s:s,s:s,s:I}", "role", mwx_cop_role_name(session_role(c, s)), "csrf", s->csrf,
                          "nation", c->nation, "idle_s", (json_int_t)c->cfg.session_idle_s);
    json_object_set_new(r, "name", json_string(s->name));
    return respond(wsi, p, 200, r);
  }
  if (!strcmp(u, "/api/picture"))
    return respond(wsi, p, 200, picture_json(c));
  if (!strcmp(u, "/api/queue")) {
    int status = 200;
    json_t *q = queue_json(c, &status);
    return respond(wsi, p, status, q);
  }
  if (!strcmp(u, "/api/stats")) {
    mwx_cop_stats st = c->st;
    mwx_cop_lag lag;
    mwx_cop_loop_lag(c, &lag);
    json_t *r = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "requests", (json_int_t)st.requests,
                             "api_refused", (json_int_t)st.api_refused, "logins_ok", (json_int_t)st.logins_ok,
                             "logins_failed", (json_int_t)st.logins_failed, "logins_limited",
                             (json_int_t)st.logins_limited, "ws_clients", (json_int_t)st.ws_clients, "ws_sent",
                             (json_int_t)st.ws_sent, "ws_dropped", (json_int_t)st.ws_dropped, "ws_coalesced", (json_int_t)st.ws_coalesced, "account_reloads",
                             (json_int_t)st.account_reloads);
    json_object_set_new(r, "ws_frames", json_integer((json_int_t)st.ws_frames));
    json_object_set_new(r, "ws_resyncs", json_integer((json_int_t)st.ws_resyncs));
    /* the server's own time on the node's loop (bench/cop_ws.js: its share per window) */
    int64_t up = mwx_node_mono_ns() - c->open_mono;
    json_object_set_new(r, "loop_busy", json_pack("{s:I,s:I,s:I,s:f}", "ns", (json_int_t)st.loop_ns, "calls",
                                                  (json_int_t)st.loop_calls, "up_ns", (json_int_t)up, "share",
                                                  up > 0 ? (double)st.loop_ns / (double)up : 0.0));
    json_object_set_new(r, "ws_open", json_integer(c->ws_open));
    json_object_set_new(r, "loop_lag_us", json_pack("{s:I,s:i,s:i,s:i,s:f}", "n", (json_int_t)lag.n, "p50", (int)lag.p50_us,
                                                    "p99", (int)lag.p99_us, "max", (int)lag.max_us, "mean", lag.mean_us));
    /* the whole history as a histogram: two snapshots give any window (bench/cop_ws.js) */
    json_t *h = json_array();
    for (int i = 0; i <= COP_LAG_BUCKETS; i++)
      if (c->lag_hist[i])
        json_array_append_new(h, json_pack("[i,I]", i, (json_int_t)c->lag_hist[i]));
    json_object_set_new(r, "loop_lag_hist", json_pack("{s:i,s:o}", "bucket_us", COP_LAG_BUCKET_US, "counts", h));
    return respond(wsi, p, 200, r);
  }
  c->st.api_ok--;
  return err(wsi, p, c, 404, "no such API call");
}

/* An lws callback that means I/O happened (not poll bookkeeping): the
 * pass that made it may have queued new watch interests, which libuv
 * applies only on its next pass. */
static int io_reason(enum lws_callback_reasons r) {
  switch (r) {
  case LWS_CALLBACK_HTTP:
  case LWS_CALLBACK_HTTP_BODY:
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
  case LWS_CALLBACK_HTTP_WRITEABLE:
  case LWS_CALLBACK_HTTP_FILE_COMPLETION:
  case LWS_CALLBACK_SERVER_WRITEABLE:
  case LWS_CALLBACK_ESTABLISHED:
  case LWS_CALLBACK_RECEIVE:
  case LWS_CALLBACK_CLOSED:
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
  case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
  case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
  case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
  case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
  case LWS_CALLBACK_ADD_HEADERS:
    return 1;
  default:
    return 0;
  }
}

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
  http_pss *p = user;
  mwx_cop *c = lws_context_user(lws_get_context(wsi));
  if (c && io_reason(reason))
    c->io_calls++;
  switch (reason) {
  case LWS_CALLBACK_HTTP: {
    memset(p, 0, sizeof *p);
    int n;
    if ((n = lws_hdr_copy(wsi, p->uri, sizeof p->uri, WSI_TOKEN_POST_URI)) > 0)
      p->post = 1;
    else if (lws_hdr_copy(wsi, p->uri, sizeof p->uri, WSI_TOKEN_GET_URI) <= 0) {
      c->st.requests++;
      return err(wsi, p, c, 405, "only GET and POST");
    }
    if (p->post) {
      char ct[64] = "";
      lws_hdr_copy(wsi, ct, sizeof ct, WSI_TOKEN_HTTP_CONTENT_TYPE);
      if (strncmp(ct, "application/json", 16)) {
        c->st.requests++;
        return err(wsi, p, c, 415, "POST bodies are application/json");
      }
      char cl[24] = "";
      if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 || !strcmp(cl, "0"))
        return api(wsi, p, c); /* no body will follow: answer now (an empty body is "") */
      return 0;                /* the body follows */
    }
    return api(wsi, p, c);
  }
  case LWS_CALLBACK_HTTP_BODY:
    if (p->answered || !len || !in)
      return 0;
    if (p->body_len + len > COP_BODY_MAX) {
      p->body_too_big = 1;
      return 0;
    }
    {
      char *b = realloc(p->body, p->body_len + len + 1);
      if (!b)
        return 1;
      p->body = b;
      memcpy(p->body + p->body_len, in, len);
      p->body_len += len;
      p->body[p->body_len] = 0;
    }
    return 0;
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    return p->answered ? 0 : api(wsi, p, c);
  case LWS_CALLBACK_HTTP_WRITEABLE: {
    if (!p || !p->resp)
      return lws_callback_http_dummy(wsi, reason, user, in, len);
    size_t chunk = p->resp_len - p->resp_sent;
    if (chunk > 16384)
      chunk = 16384;
    unsigned char *buf = malloc(LWS_PRE + chunk + 1);
    if (!buf)
      return -1;
    memcpy(buf + LWS_PRE, p->resp + p->resp_sent, chunk);
    int final = p->resp_sent + chunk == p->resp_len;
    int w = lws_write(wsi, buf + LWS_PRE, chunk, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    free(buf);
    if (w < (int)chunk)
      return -1;
    p->resp_sent += chunk;
    if (!final) {
      lws_callback_on_writable(wsi);
      return 0;
    }
    free(p->resp);
    p->resp = NULL;
    free(p->body);
    p->body = NULL;
    if (lws_http_transaction_completed(wsi))
      return -1;
    return 0;
  }
  case LWS_CALLBACK_CLOSED_HTTP:
    if (p) {
      free(p->resp);
      free(p->body);
      p->resp = p->body = NULL;
    }
    break;
  default:
    break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- the push channel -------------------------------------------------- */

typedef struct ws_pss {
  uint64_t next;       /* seq of the next message this page gets */
  uint64_t wrote_pass; /* the libuv pass of its last write */
  char token[COP_TOKEN_HEX + 8];
} ws_pss;

static int origin_ok(struct lws *wsi) {
  char origin[256] = "", host[200] = "";
  if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0 ||
      lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
    return 0;
  const char *o = strstr(origin, "://");
  return o && !strcmp(o + 3, host);
}

static int cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
  ws_pss *w = user;
  mwx_cop *c = lws_context_user(lws_get_context(wsi));
  (void)in;
  (void)len;
  if (c && io_reason(reason))
    c->io_calls++;
  switch (reason) {
  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    char tok[COP_TOKEN_HEX + 8];
    cookie_token(wsi, tok, sizeof tok);
    c->st.requests++;
    if (!origin_ok(wsi) || !session_get(c, tok, 1)) {
      c->st.api_refused++;
      return 1; /* refused: no session, or a page of another origin */
    }
    return 0;
  }
  case LWS_CALLBACK_ESTABLISHED:
    cookie_token(wsi, w->token, sizeof w->token);
    w->next = c->ring_head;
    c->st.ws_clients++;
    c->ws_open++;
    return 0;
  case LWS_CALLBACK_CLOSED:
    if (c->ws_open > 0)
      c->ws_open--;
    return 0;
  case LWS_CALLBACK_SERVER_WRITEABLE: {
    if (!session_get(c, w->token, 0)) {
      lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)"session ended", 13);
      return -1;
    }
    if (w->next >= c->ring_head)
      return 0;
    if (w->wrote_pass == c->uv_passes || lws_send_pipe_choked(wsi)) {
      /* one write per page per libuv pass: the next pass (after the node's
         own work) writes the rest */
      lws_callback_on_writable(wsi);
      return 0;
    }
    w->wrote_pass = c->uv_passes;
    uint64_t behind = c->ring_head - w->next;
    uint64_t behind_bytes = behind <= COP_RING ? c->ring_bytes - c->ring[w->next % COP_RING].bytes_before : UINT64_MAX;
    if (behind > (uint64_t)c->cfg.ws_backlog_msgs || behind_bytes > c->cfg.ws_backlog_bytes) {
      /* too far behind: what it has not had is dropped, the whole picture
         instead (the page starts over from it) */
      c->st.ws_dropped += behind;
      c->st.ws_resyncs++;
      json_t *snap = picture_json(c);
      json_object_set_new(snap, "type", json_string("snapshot"));
      json_object_set_new(snap, "dropped", json_integer((json_int_t)behind));
      json_t *arr = json_pack("[o]", snap);
      char *text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
      json_decref(arr);
      w->next = c->ring_head;
      if (!text)
        return -1;
      size_t len = strlen(text);
      unsigned char *b = malloc(LWS_PRE + len);
      if (!b) {
        free(text);
        return -1;
      }
      memcpy(b + LWS_PRE, text, len);
      free(text);
      int wr = lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_TEXT);
      free(b);
      if (wr < (int)len)
        return -1;
      c->st.ws_frames++;
      return 0;
    }
    /* every message the page has not had yet (up to COP_FRAME_MAX bytes), as
       one JSON array in one WebSocket message (one event in the page) */
    size_t total = 0, k = 0;
    for (uint64_t q = w->next; q < c->ring_head; q++, k++) {
      const ring_msg *r = &c->ring[q % COP_RING];
      if (k && total + r->len + 1 > COP_FRAME_MAX)
        break;
      total += r->len + 1;
    }
    unsigned char *b = malloc(LWS_PRE + total + 2);
    if (!b)
      return -1;
    size_t at = LWS_PRE;
    b[at++] = '[';
    for (size_t i = 0; i < k; i++, w->next++) {
      const ring_msg *r = &c->ring[w->next % COP_RING];
      if (!r->buf)
        continue;
      if (at > LWS_PRE + 1)
        b[at++] = ',';
      memcpy(b + at, r->buf + LWS_PRE, r->len);
      at += r->len;
      c->st.ws_sent++;
    }
    b[at++] = ']';
    size_t len = at - LWS_PRE;
    int wr = lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_TEXT);
    free(b);
    if (wr < (int)len)
      return -1;
    c->st.ws_frames++;
    if (w->next < c->ring_head)
      lws_callback_on_writable(wsi);
    return 0;
  }
  case LWS_CALLBACK_RECEIVE:
    return 0; /* the page sends nothing that matters */
  default:
    break;
  }
  return 0;
}

/* ---- libuv inside the node's loop ------------------------------------- */

static int64_t uv_tick(mwx_node_loop *l, void *ctx);

static void uv_schedule(mwx_cop *c, int64_t delay_ns) {
  if (c->uv_timer)
    mwx_node_loop_timer_del(c->loop, c->uv_timer);
  c->uv_timer = 0;
  mwx_node_loop_timer_add(c->loop, delay_ns, uv_tick, c, &c->uv_timer);
}

static int64_t uv_next_ns(mwx_cop *c) {
  int t = uv_backend_timeout(&c->uv);
  if (t < 0 || t > 1000)
    t = 1000;
  return (int64_t)t * 1000000;
}

static void uv_pass(mwx_cop *c) {
  int64_t t0 = busy_in(c);
  c->uv_passes++;
  uv_run(&c->uv, UV_RUN_NOWAIT);
  busy_out(c, t0);
}

/* One libuv pass; the delay to the next: at once when the pass did I/O
 * (libuv applies the watch interests its callbacks asked for, e.g. a
 * response's POLLOUT, only on its next pass, and nothing else would wake
 * the loop for them), else libuv's next timer. */
static int64_t uv_pass_next(mwx_cop *c) {
  uint64_t io = c->io_calls;
  uv_pass(c);
  return c->io_calls != io ? 0 : uv_next_ns(c);
}

static int64_t uv_tick(mwx_node_loop *l, void *ctx) {
  (void)l;
  return uv_pass_next(ctx); /* the same timer again */
}

static void uv_fd_ready(mwx_node_loop *l, int fd, short revents, void *ctx) {
  (void)l;
  (void)fd;
  (void)revents;
  mwx_cop *c = ctx;
  uv_schedule(c, uv_pass_next(c));
}

static void kick(mwx_cop *c) {
  if (c->loop && c->uv_inited)
    uv_schedule(c, 0);
}

/* ---- open / close --------------------------------------------------------- */

static void lws_log_line(int level, const char *line) {
  (void)level;
  fprintf(stderr, "cop: lws: %s", line);
}

int mwx_cop_open(const mwx_cop_config *cfg, mwx_node *n, mwx_cop **out) {
  if (!cfg || !n || !out)
    return mwx_error_set(MWX_EINVAL, "cop: NULL argument");
  if (cfg->port < 1 || cfg->port > 65535)
    return mwx_error_set(MWX_EINVAL, "cop: web port %d is not in 1..65535", cfg->port);
  if (!cfg->accounts[0])
    return mwx_error_set(MWX_EINVAL, "cop: no accounts file (web_accounts)");
  if (cfg->ws_backlog_msgs < 1 || cfg->ws_backlog_msgs > MWX_COP_BACKLOG_MSGS || cfg->ws_backlog_bytes < 1 ||
      cfg->ws_backlog_bytes > MWX_COP_BACKLOG_BYTES)
    return mwx_error_set(MWX_EINVAL, "cop: page backlog bound %d messages / %u bytes is not in 1..%d / 1..%u",
                         cfg->ws_backlog_msgs, cfg->ws_backlog_bytes, MWX_COP_BACKLOG_MSGS, MWX_COP_BACKLOG_BYTES);
  if (cfg->insecure_local && !is_loopback(cfg->bind))
    return mwx_error_set(MWX_EINVAL,
                         "cop: --insecure-local (plain HTTP) is refused on %s: only on a loopback address", cfg->bind);
  struct stat st;
  if (!cfg->insecure_local && (!cfg->cert[0] || !cfg->key[0] || stat(cfg->cert, &st) || stat(cfg->key, &st)))
    return mwx_error_set(MWX_EINVAL, "cop: no server certificate '%s' / key '%s' (mwx pki init makes them)",
                         cfg->cert, cfg->key);
  char index[600];
  snprintf(index, sizeof index, "%s/index.html", cfg->web_root);
  if (stat(index, &st))
    return mwx_error_set(MWX_ENOTFOUND, "cop: no built page at %s (build it: cmake --build BUILD --target web)", index);
  mwx_cop *c = calloc(1, sizeof *c);
  if (!c)
    return mwx_error_set(MWX_ENOMEM, "cop: out of memory");
  c->cfg = *cfg;
  c->node = n;
  c->loop = mwx_node_get_loop(n);
  c->epoch_ns = mwx_node_epoch_ns(n);
  c->open_mono = mwx_node_mono_ns();
  c->picture = json_object();
  c->partners = json_object();
  c->pending = json_object();
  c->last_push = json_object();
  c->acc = calloc(1, sizeof *c->acc);
  int rc;
  if (!c->picture || !c->partners || !c->acc) {
    rc = mwx_error_set(MWX_ENOMEM, "cop: out of memory");
    goto fail;
  }
  snprintf(c->nation, sizeof c->nation, "%.3s", mwx_node_nation(n));
  accounts_refresh(c);
  if (c->acc_id.exists && !c->st.account_reloads) {
    rc = mwx_error_set(MWX_EPARSE, "cop: cannot read accounts %s", cfg->accounts);
    goto fail;
  }
  if (uv_loop_init(&c->uv)) {
    rc = mwx_error_set(MWX_EIO, "cop: uv_loop_init failed");
    goto fail;
  }
  c->uv_inited = 1;

  c->protocols[0] = (struct lws_protocols){"http", cb_http, sizeof(http_pss), 0, 0, NULL, 0};
  c->protocols[1] = (struct lws_protocols){WS_PROTOCOL, cb_ws, sizeof(ws_pss), 4096, 0, NULL, 0};
  c->mount_api.mountpoint = "/api";
  c->mount_api.mountpoint_len = 4;
  c->mount_api.origin = "http";
  c->mount_api.origin_protocol = LWSMPRO_CALLBACK;
  c->mount_api.protocol = "http";
  c->mount_files.mount_next = &c->mount_api;
  c->mount_files.mountpoint = "/";
  c->mount_files.mountpoint_len = 1;
  c->mount_files.origin = c->cfg.web_root;
  c->mount_files.origin_protocol = LWSMPRO_FILE;
  c->mount_files.def = "index.html";
  c->mount_files.extra_mimetypes = &c->mime[0];
  c->mime[0] = (struct lws_protocol_vhost_options){&c->mime[1], NULL, ".json", "application/json"};
  c->mime[1] = (struct lws_protocol_vhost_options){NULL, NULL, ".mjs", "text/javascript"};
  static const char csp[] = "default-src 'self'; script-src 'self'; worker-src 'self'; "
                            "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  c->hdr[0] = (struct lws_protocol_vhost_options){&c->hdr[1], NULL, "content-security-policy:", csp};
  c->hdr[1] = (struct lws_protocol_vhost_options){&c->hdr[2], NULL, "x-content-type-options:", "nosniff"};
  c->hdr[2] = (struct lws_protocol_vhost_options){&c->hdr[3], NULL, "x-frame-options:", "DENY"};
  c->hdr[3] = (struct lws_protocol_vhost_options){&c->hdr[4], NULL, "referrer-policy:", "no-referrer"};
  c->hdr[4] = (struct lws_protocol_vhost_options){cfg->insecure_local ? NULL : &c->hdr[5], NULL,
                                                  "strict-transport-security:", "max-age=31536000"};
  c->hdr[5] = (struct lws_protocol_vhost_options){NULL, NULL, "cross-origin-opener-policy:", "same-origin"};

  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  void *foreign[1] = {&c->uv};
  info.port = cfg->port;
  info.iface = c->cfg.bind;
  info.protocols = c->protocols;
  info.mounts = &c->mount_files;
  info.headers = &c->hdr[0];
  info.user = c;
  info.foreign_loops = foreign;
  info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
  info.alpn = "http/1.1";
  info.timeout_secs = 20;
  info.max_http_header_pool = 64;
  if (!cfg->insecure_local) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = c->cfg.cert;
    info.ssl_private_key_filepath = c->cfg.key;
  }
  lws_set_log_level(LLL_ERR, lws_log_line);
  c->ctx = lws_create_context(&info);
  if (!c->ctx) {
    rc = mwx_error_set(MWX_EIO, "cop: cannot serve on %s:%d (port in use? certificate unreadable?)", cfg->bind,
                       cfg->port);
    goto fail;
  }
  c->uv_fd = uv_backend_fd(&c->uv);
  if ((rc = mwx_node_loop_fd_add(c->loop, c->uv_fd, POLLIN, uv_fd_ready, c)))
    goto fail;
  c->uv_fd_watched = 1;
  uv_schedule(c, 0);
  c->probe_due = mwx_node_mono_ns() + COP_PROBE_NS;
  if ((rc = mwx_node_loop_timer_add(c->loop, COP_PROBE_NS, probe_tick, c, &c->probe_timer)))
    goto fail;
  if ((rc = mwx_node_subscribe(n, on_node_event, c, &c->sub_id)))
    goto fail;
  c->subscribed = 1;
  snprintf(c->url, sizeof c->url, "%s://%s:%d/", cfg->insecure_local ? "http" : "https",
           strchr(cfg->bind, ':') ? "[::1]" : cfg->bind, cfg->port);
  *out = c;
  return 0;
fail:
  mwx_cop_close(c);
  return rc;
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

void mwx_cop_close(mwx_cop *c) {
  if (!c)
    return;
  if (c->subscribed)
    mwx_node_unsubscribe(c->node, c->sub_id);
  if (c->uv_timer)
    mwx_node_loop_timer_del(c->loop, c->uv_timer);
  if (c->coalesce_timer)
    mwx_node_loop_timer_del(c->loop, c->coalesce_timer);
  if (c->fused_timer)
    mwx_node_loop_timer_del(c->loop, c->fused_timer);
  if (c->probe_timer)
    mwx_node_loop_timer_del(c->loop, c->probe_timer);
  if (c->uv_fd_watched)
    mwx_node_loop_fd_del(c->loop, c->uv_fd);
  if (c->ctx)
    lws_context_destroy(c->ctx);
  if (c->uv_inited) {
    /* on a foreign loop lws closes its libuv handles asynchronously: let
       libuv finish those closes (bounded), then destroy the context again,
       which frees what the first call could not (checked with LeakSanitizer) */
    for (int i = 0; i < 200 && uv_loop_alive(&c->uv); i++) {
      if (i == 100)
        uv_walk(&c->uv, close_walk, NULL);
      uv_run(&c->uv, UV_RUN_NOWAIT);
    }
    if (c->ctx)
      lws_context_destroy(c->ctx);
    uv_loop_close(&c->uv);
  }
  for (int i = 0; i < COP_RING; i++)
    free(c->ring[i].buf);
  json_decref(c->picture);
  json_decref(c->partners);
  json_decref(c->pending);
  json_decref(c->last_push);
  if (c->acc)
    OPENSSL_cleanse(c->acc, sizeof *c->acc);
  free(c->acc);
  OPENSSL_cleanse(c->sess, sizeof c->sess);
  free(c);
}

void mwx_cop_get_stats(const mwx_cop *c, mwx_cop_stats *s) {
  if (c && s) {
    *s = c->st;
    s->up_ns = mwx_node_mono_ns() - c->open_mono;
  }
}

const char *mwx_cop_url(const mwx_cop *c) { return c ? c->url : ""; }
