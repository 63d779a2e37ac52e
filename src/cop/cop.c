/*
 * cop.c - the web picture server (cop.h): configuration, open / close,
 * libwebsockets on libuv with libuv driven by the node's loop, the loop
 * lag probe.  The other parts: cop_int.h.
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
 * the push frames kept for all pages (each event serialised once into a
 * frame of at most cop_seal_ns() of events and COP_FRAME_MAX bytes; at most
 * COP_FRAMES - 1 frames and ws_backlog_bytes + COP_FRAME_MAX bytes kept,
 * whatever the number of pages); a page further behind than
 * ws_backlog_msgs events or ws_backlog_bytes bytes is sent the shared
 * snapshot instead ("snapshot", counted in ws_resyncs, the skipped events
 * in ws_dropped; one serialised per COP_SNAP_REUSE_NS at most); one write
 * per page per libuv pass; COP_TRAIL points per track,
 * COP_PICTURE entries in the picture (oldest dropped), request bodies of
 * COP_BODY_MAX bytes.
 */#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cop/cop_int.h"
#include "mwx/error.h"
#include "mwx/json.h"

/* ---- small helpers ----------------------------------------------------- */

int64_t cop_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server's time on the node's loop: every entry from the loop (a libuv
 * pass, a node event, a timer) is timed; nested entries count once. */
static int64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}
int64_t cop_busy_in(mwx_cop *c) {
  if (c->busy_depth++)
    return 0;
  c->busy_cpu0 = thread_cpu_ns();
  return mwx_node_mono_ns();
}
void cop_busy_out(mwx_cop *c, int64_t t0) {
  if (--c->busy_depth)
    return;
  c->st.loop_ns += (uint64_t)(mwx_node_mono_ns() - t0);
  c->st.loop_cpu_ns += (uint64_t)(thread_cpu_ns() - c->busy_cpu0);
  c->st.loop_calls++;
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
  c->frame_ms = MWX_COP_FRAME_MS;
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
  if (!(rc = mwx_json_get_int(root, "web_frame_ms", MWX_COP_FRAME_MS_MIN, MWX_COP_FRAME_MS_MAX, path, &v)))
    c->frame_ms = (int)v;
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

/* ---- the loop lag probe ------------------------------------------------ */

int64_t cop_probe_tick(mwx_node_loop *l, void *ctx) {
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
  int64_t t0 = cop_busy_in(c);
  c->uv_passes++;
  uv_run(&c->uv, UV_RUN_NOWAIT);
  cop_busy_out(c, t0);
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

void cop_kick(mwx_cop *c) {
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
  if (cfg->frame_ms < MWX_COP_FRAME_MS_MIN || cfg->frame_ms > MWX_COP_FRAME_MS_MAX)
    return mwx_error_set(MWX_EINVAL, "cop: frame spacing %d ms (web_frame_ms) is not in %d..%d", cfg->frame_ms,
                         MWX_COP_FRAME_MS_MIN, MWX_COP_FRAME_MS_MAX);
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
  c->pending_due = json_object();
  c->partner_sent = json_object();
  c->acc = calloc(1, sizeof *c->acc);
  int rc;
  if (!c->picture || !c->partners || !c->pending || !c->last_push || !c->pending_due || !c->partner_sent || !c->acc) {
    rc = mwx_error_set(MWX_ENOMEM, "cop: out of memory");
    goto fail;
  }
  snprintf(c->nation, sizeof c->nation, "%.3s", mwx_node_nation(n));
  cop_accounts_refresh(c);
  if (c->acc_id.exists && !c->st.account_reloads) {
    rc = mwx_error_set(MWX_EPARSE, "cop: cannot read accounts %s", cfg->accounts);
    goto fail;
  }
  if (uv_loop_init(&c->uv)) {
    rc = mwx_error_set(MWX_EIO, "cop: uv_loop_init failed");
    goto fail;
  }
  c->uv_inited = 1;

  c->protocols[0] = (struct lws_protocols){"http", cop_cb_http, sizeof(http_pss), 0, 0, NULL, 0};
  c->protocols[1] = (struct lws_protocols){WS_PROTOCOL, cop_cb_ws, sizeof(ws_pss), 4096, 0, NULL, COP_WS_TX_BYTES};
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
  if ((rc = mwx_node_loop_timer_add(c->loop, COP_PROBE_NS, cop_probe_tick, c, &c->probe_timer)))
    goto fail;
  if ((rc = mwx_node_subscribe(n, cop_on_node_event, c, &c->sub_id)))
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
  if (c->seal_timer)
    mwx_node_loop_timer_del(c->loop, c->seal_timer);
  if (c->probe_timer)
    mwx_node_loop_timer_del(c->loop, c->probe_timer);
  if (c->uv_fd_watched)
    mwx_node_loop_fd_del(c->loop, c->uv_fd);
  if (c->ctx)
    lws_context_destroy(c->ctx);
  if (c->uv_inited) {
    /* the password checks still running finish first (their jobs are freed
       by login_done on this loop) */
    for (int i = 0; i < 100000 && c->logins_pending > 0; i++)
      uv_run(&c->uv, UV_RUN_ONCE);
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
  cop_frames_free(c);
  json_decref(c->picture);
  json_decref(c->partners);
  json_decref(c->pending);
  json_decref(c->last_push);
  json_decref(c->pending_due);
  free(c->dues);
  json_decref(c->partner_sent);
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
