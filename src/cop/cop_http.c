/*
 * cop_http.c - the JSON API of docs/api.md on lws's HTTP callbacks: log-in
 * (rate-limited), log-out, session, picture, queue, stats, approve / deny
 * (release officers, CSRF token), with bounded request bodies.
 */
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cop/cop_int.h"
#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/release.h"

void cop_cookie_token(struct lws *wsi, char *out, size_t cap) {
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

static void login_work(uv_work_t *req);
static void login_done(uv_work_t *req, int status);
static int login_answer(struct lws *wsi, http_pss *p, mwx_cop *c, const char *kip, const char *kname,
                        const cop_account *a, int ok);

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
  if (cop_limited(c, kip) || cop_limited(c, kname)) {
    c->st.logins_limited++;
    json_decref(o);
    return err(wsi, p, c, 429, "too many failed log-ins; try again later");
  }
  cop_accounts_refresh(c);
  const cop_account *a = strlen(name) <= MWX_COP_NAME_MAX ? cop_accounts_find(c->acc, name) : NULL;
  if (strlen(pw) > MWX_COP_PASSWORD_MAX) {
    json_decref(o);
    return login_answer(wsi, p, c, kip, kname, NULL, 0);
  }
  /* the scrypt check (~0.1 s of CPU, 32 MiB) on libuv's thread pool, not on
     the node's loop; the answer when it is done (login_done) */
  cop_login_job *jb = calloc(1, sizeof *jb);
  if (!jb) {
    json_decref(o);
    return err(wsi, p, c, 500, "out of memory");
  }
  jb->c = c;
  jb->wsi = wsi;
  jb->has = a != NULL;
  if (a)
    jb->acc = *a;
  snprintf(jb->pw, sizeof jb->pw, "%s", pw);
  snprintf(jb->kip, sizeof jb->kip, "%s", kip);
  snprintf(jb->kname, sizeof jb->kname, "%s", kname);
  json_decref(o);
  jb->req.data = jb;
  if (uv_queue_work(&c->uv, &jb->req, login_work, login_done)) {
    OPENSSL_cleanse(jb->pw, sizeof jb->pw);
    free(jb);
    return err(wsi, p, c, 500, "cannot check the password");
  }
  p->login = jb;
  p->answered = 1; /* (later body callbacks ignored; the answer comes from HTTP_WRITEABLE) */
  c->logins_pending++;
  return 0;
}

/* libuv's thread pool: the password check alone (the job is its own). */
static void login_work(uv_work_t *req) {
  cop_login_job *jb = req->data;
  jb->ok = cop_account_check(jb->has ? &jb->acc : NULL, jb->pw);
  OPENSSL_cleanse(jb->pw, sizeof jb->pw);
}

/* The loop thread (a libuv pass): the check is done; the connection is
 * asked to write (HTTP_WRITEABLE answers), or the job is freed when the
 * connection closed meanwhile. */
static void login_done(uv_work_t *req, int status) {
  (void)status;
  cop_login_job *jb = req->data;
  mwx_cop *c = jb->c;
  c->logins_pending--;
  c->io_calls++; /* (a watch interest asked for in this pass: another pass at once) */
  if (!jb->wsi) {
    free(jb);
    return;
  }
  jb->done = 1;
  lws_callback_on_writable(jb->wsi);
}

/* The log-in's answer once the password was checked (ok: 1 for a match):
 * failures counted against the address and the name. */
static int login_answer(struct lws *wsi, http_pss *p, mwx_cop *c, const char *kip, const char *kname,
                        const cop_account *a, int ok) {
  if (ok != 1 || !a) {
    cop_limit_fail(c, kip);
    cop_limit_fail(c, kname);
    c->st.logins_failed++;
    return err(wsi, p, c, 401, "wrong name or password");
  }
  cop_session *s = cop_session_new(c, a);
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
  if (cop_session_role(c, s) != MWX_COP_RELEASE_OFFICER)
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
  rc = mwx_release_queue_decide(mwx_node_journal(c->node), (uint64_t)id, approve, s->name, cop_node_sim_ns(c), &it);
  if (rc) {
    int st = rc == MWX_ENOTFOUND ? 404 : rc == MWX_EEXIST ? 409 : rc == MWX_ETIMEDOUT ? 410 : 500;
    return err(wsi, p, c, st, mwx_error_msg());
  }
  c->st.api_ok++;
  json_t *ev = json_pack("{s:s,s:s,s:I,s:s,s:f}", "type", "decided", "nation", c->nation, "item", (json_int_t)id,
                         "outcome", approve ? "approved" : "denied", "push_ms", (double)cop_wall_ms());
  json_object_set_new(ev, "operator", json_string(s->name));
  cop_push_now(c, ev);
  json_decref(ev);
  json_t *r = json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id, "outcome", approve ? "approved" : "denied",
                        "decision_record", (json_int_t)it.decision_id);
  json_object_set_new(r, "operator", json_string(s->name));
  return respond(wsi, p, 200, r);
}

static int api_call(struct lws *wsi, http_pss *p, mwx_cop *c);

/* Every API call timed: the slowest kind of call since the start, in
 * /api/stats "api_slowest" (what a page's calls cost the node's loop). */
static int api(struct lws *wsi, http_pss *p, mwx_cop *c) {
  int64_t t0 = mwx_node_mono_ns();
  int rc = api_call(wsi, p, c);
  int64_t dt = mwx_node_mono_ns() - t0;
  c->api_ns_total += (uint64_t)dt;
  if (dt > c->api_slowest_ns) {
    c->api_slowest_ns = dt;
    snprintf(c->api_slowest, sizeof c->api_slowest, "%s%s", p->post ? "POST " : "GET ", p->uri);
  }
  return rc;
}

static int api_call(struct lws *wsi, http_pss *p, mwx_cop *c) {
  c->st.requests++;
  const char *u = p->uri;
  if (p->post && !strcmp(u, "/api/login"))
    return api_login(wsi, p, c);
  char tok[COP_TOKEN_HEX + 8];
  cop_cookie_token(wsi, tok, sizeof tok);
  cop_session *s = cop_session_get(c, tok, 1);
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
    json_t *r = json_pack("{s:s,s:s,s:s,s:I}", "role", mwx_cop_role_name(cop_session_role(c, s)), "csrf", s->csrf,
                          "nation", c->nation, "idle_s", (json_int_t)c->cfg.session_idle_s);
    json_object_set_new(r, "name", json_string(s->name));
    return respond(wsi, p, 200, r);
  }
  if (!strcmp(u, "/api/picture"))
    return respond(wsi, p, 200, cop_picture_json(c));
  if (!strcmp(u, "/api/queue")) {
    int status = 200;
    json_t *q = cop_queue_json(c, &status);
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
    json_object_set_new(r, "ws_sealed", json_integer((json_int_t)st.ws_sealed));
    json_object_set_new(r, "ws_sealed_bytes", json_integer((json_int_t)st.ws_sealed_bytes));
    json_object_set_new(r, "ws_bytes", json_integer((json_int_t)st.ws_bytes));
    json_object_set_new(r, "ws_direct", json_integer((json_int_t)st.ws_direct));
    json_object_set_new(r, "ws_partial", json_integer((json_int_t)st.ws_partial));
    json_object_set_new(r, "fused_walks", json_integer((json_int_t)st.fused_walks));
    json_object_set_new(r, "fused_moved", json_integer((json_int_t)st.fused_moved));
    json_object_set_new(r, "fused_refreshed", json_integer((json_int_t)st.fused_refreshed));
    json_object_set_new(r, "ws_snapshots", json_integer((json_int_t)st.ws_snapshots));
    /* the server's own time on the node's loop (bench/cop_ws.js: its share per window) */
    int64_t up = mwx_node_mono_ns() - c->open_mono;
    json_object_set_new(r, "loop_busy", json_pack("{s:I,s:I,s:I,s:I,s:f,s:f}", "ns", (json_int_t)st.loop_ns, "cpu_ns",
                                                  (json_int_t)st.loop_cpu_ns, "calls", (json_int_t)st.loop_calls,
                                                  "up_ns", (json_int_t)up, "share",
                                                  up > 0 ? (double)st.loop_ns / (double)up : 0.0, "cpu_share",
                                                  up > 0 ? (double)st.loop_cpu_ns / (double)up : 0.0));
    /* the node's own loop (bench/cop_ws.js: the loop's slowdown by the pages):
       its passes and their wall time by part (mwx_node_get_profile; "emit"
       holds the subscribers', this server's node events among them), the
       loop thread's whole CPU time (this call runs on it) */
    mwx_node_profile pf;
    mwx_node_get_profile(c->node, &pf);
    struct timespec cts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cts);
    json_object_set_new(r, "node_loop",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:f}", "passes", (json_int_t)pf.passes, "pass_ns",
                                  (json_int_t)(pf.wall_ns - pf.part_ns[MWX_NODE_PROF_OUTSIDE]), "emit_ns",
                                  (json_int_t)pf.part_ns[MWX_NODE_PROF_EMIT], "thread_cpu_ns",
                                  (json_int_t)((int64_t)cts.tv_sec * NS + cts.tv_nsec), "mono_ns",
                                  (json_int_t)mwx_node_mono_ns(), "sim_t_s",
                                  (double)(cop_node_sim_ns(c) - c->epoch_ns) / 1e9));
    json_object_set_new(r, "ws_open", json_integer(c->ws_open));
    json_object_set_new(r, "fuse_passes", cop_fused_stats_json(c));
    json_object_set_new(r, "ws_nodelay_set", json_integer((json_int_t)c->ws_nodelay_set));
    json_object_set_new(r, "ws_lag_ms", json_pack("{s:o,s:o,s:o,s:o}", "push_to_seal", cop_wlag_json(&c->wl_seal),
                                                  "push_to_write", cop_wlag_json(&c->wl_write), "seal_to_write",
                                                  cop_wlag_json(&c->wl_queue), "write_call", cop_wlag_json(&c->wl_call)));
    json_object_set_new(r, "api_slowest", json_pack("{s:s,s:f,s:f}", "call", c->api_slowest, "ms",
                                                    (double)c->api_slowest_ns / 1e6, "total_ms",
                                                    (double)c->api_ns_total / 1e6));
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
int cop_io_reason(enum lws_callback_reasons r) {
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

int cop_cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
  http_pss *p = user;
  mwx_cop *c = lws_context_user(lws_get_context(wsi));
  if (c && cop_io_reason(reason))
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
    if (p && p->login) {
      cop_login_job *jb = p->login;
      if (!jb->done)
        return 0; /* (the check is still running) */
      p->login = NULL;
      /* the account as it is now: removed or a new password meanwhile, the
         log-in fails (the session keeps the hash it was made with) */
      cop_accounts_refresh(c);
      const cop_account *a = jb->has ? cop_accounts_find(c->acc, jb->acc.name) : NULL;
      if (a && CRYPTO_memcmp(a->hash, jb->acc.hash, COP_HASH_LEN))
        a = NULL;
      int rc = login_answer(wsi, p, c, jb->kip, jb->kname, a, jb->ok);
      OPENSSL_cleanse(jb, sizeof *jb);
      free(jb);
      return rc ? -1 : 0;
    }
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
    if (p && p->login) { /* a check still running frees its job when done; a finished one is freed here */
      if (p->login->done) {
        OPENSSL_cleanse(p->login, sizeof *p->login);
        free(p->login);
      } else
        p->login->wsi = NULL;
      p->login = NULL;
    }
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
