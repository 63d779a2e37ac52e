/*
 * test_cop.c - the web picture's library parts without a network: the
 * accounts file (scrypt, names, reread detection, strict parsing), the
 * node's event interface (subscribers, SAMPLE events, JSON form) on an
 * offline node, and the server's refusals at open (plain HTTP off
 * loopback, no certificate).  The browser test is tests/cop_browser.sh.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "cop/cop_int.h"
#include "mwx/net.h"
#include "node/node_int.h"
#include "mwx/cop.h"
#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/pki.h"
#include "mwx/release.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/mwx_test_cop.XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

typedef struct list_ctx {
  int n;
  char names[8][MWX_COP_NAME_MAX + 1];
  mwx_cop_role roles[8];
} list_ctx;

static void on_account(void *vc, const mwx_cop_account_info *a) {
  list_ctx *c = vc;
  if (c->n < 8) {
    snprintf(c->names[c->n], sizeof c->names[0], "%s", a->name);
    c->roles[c->n] = a->role;
  }
  c->n++;
}

static void test_accounts(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "%s/acc.json", dir);
  const char *officer = "O'Brien \"Ken\" 田中";
  mwx_cop_role role = 0;
  /* a missing file is an empty list; verify fails the same way */
  list_ctx lc = {0};
  assert_int_equal(mwx_cop_account_list(path, on_account, &lc), 0);
  assert_int_equal(lc.n, 0);
  assert_int_equal(mwx_cop_account_verify(path, "nobody", "whatever-pass", &role), MWX_EDENIED);

  assert_int_equal(mwx_cop_account_add(path, officer, MWX_COP_RELEASE_OFFICER, "officer-pass"), 0);
  assert_int_equal(mwx_cop_account_add(path, "viewer1", MWX_COP_VIEWER, "viewer-pass"), 0);
  assert_int_equal(mwx_cop_account_add(path, "viewer1", MWX_COP_VIEWER, "other-pass"), MWX_EEXIST);
  assert_int_equal(mwx_cop_account_add(path, "short", MWX_COP_VIEWER, "1234567"), MWX_EINVAL); /* 7 bytes */
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);

  assert_int_equal(mwx_cop_account_verify(path, officer, "officer-pass", &role), 0);
  assert_int_equal(role, MWX_COP_RELEASE_OFFICER);
  assert_int_equal(mwx_cop_account_verify(path, officer, "officer-pasS", &role), MWX_EDENIED);
  assert_int_equal(mwx_cop_account_verify(path, "viewer1", "viewer-pass", &role), 0);
  assert_int_equal(role, MWX_COP_VIEWER);

  /* the hash is salted: the same password twice gives two hashes */
  assert_int_equal(mwx_cop_account_add(path, "twin", MWX_COP_VIEWER, "viewer-pass"), 0);
  cop_accounts *t = malloc(sizeof *t);
  assert_non_null(t);
  assert_int_equal(cop_accounts_load(path, t), 0);
  assert_int_equal(t->n, 3);
  const cop_account *a = cop_accounts_find(t, "viewer1"), *b = cop_accounts_find(t, "twin");
  assert_non_null(a);
  assert_non_null(b);
  assert_memory_not_equal(a->hash, b->hash, COP_HASH_LEN);
  assert_memory_not_equal(a->salt, b->salt, COP_SALT_LEN);
  assert_int_equal(a->n, 32768);
  assert_int_equal(a->r, 8);
  assert_int_equal(a->p, 1);
  assert_string_equal(cop_accounts_find(t, officer)->name, officer); /* exact bytes back */

  /* a change is seen by the file identity (the server's reread) */
  cop_file_id before, after;
  cop_file_id_get(path, &before);
  assert_int_equal(mwx_cop_account_passwd(path, "viewer1", "new-viewer-pass"), 0);
  cop_file_id_get(path, &after);
  assert_false(cop_file_id_same(&before, &after));
  assert_int_equal(mwx_cop_account_verify(path, "viewer1", "viewer-pass", &role), MWX_EDENIED);
  assert_int_equal(mwx_cop_account_verify(path, "viewer1", "new-viewer-pass", &role), 0);
  assert_int_equal(mwx_cop_account_passwd(path, "ghost", "new-viewer-pass"), MWX_ENOTFOUND);

  assert_int_equal(mwx_cop_account_remove(path, "twin"), 0);
  assert_int_equal(mwx_cop_account_remove(path, "twin"), MWX_ENOTFOUND);
  memset(&lc, 0, sizeof lc);
  assert_int_equal(mwx_cop_account_list(path, on_account, &lc), 0);
  assert_int_equal(lc.n, 2);
  assert_string_equal(lc.names[0], officer);
  assert_int_equal(lc.roles[0], MWX_COP_RELEASE_OFFICER);
  assert_string_equal(lc.names[1], "viewer1");
  free(t);
}

static void test_names(void **state) {
  (void)state;
  assert_int_equal(mwx_cop_name_check("O'Brien \"Ken\" 田中"), 0);
  assert_int_equal(mwx_cop_name_check("Zoë"), 0);
  assert_int_equal(mwx_cop_name_check(""), MWX_EINVAL);
  assert_int_equal(mwx_cop_name_check("tab\there"), MWX_EINVAL);
  assert_int_equal(mwx_cop_name_check("bad\xff"), MWX_EINVAL);      /* not UTF-8 */
  assert_int_equal(mwx_cop_name_check("over\xc0\xaflong"), MWX_EINVAL); /* overlong '/' */
  assert_int_equal(mwx_cop_name_check("surrogate\xed\xa0\x80"), MWX_EINVAL);
  assert_int_equal(mwx_cop_name_check("0123456789012345678901234567890"), 0);   /* 31 bytes */
  assert_int_equal(mwx_cop_name_check("01234567890123456789012345678901"), MWX_EINVAL); /* 32 */
  mwx_cop_role r;
  assert_int_equal(mwx_cop_role_parse("release_officer", &r), 0);
  assert_int_equal(r, MWX_COP_RELEASE_OFFICER);
  assert_int_equal(mwx_cop_role_parse("admin", &r), MWX_EINVAL);
}

static void test_accounts_file_strict(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "%s/bad.json", dir);
  cop_accounts *t = malloc(sizeof *t);
  assert_non_null(t);
  write_file(path, "{\"format\":\"mwx-accounts/1\",\"accounts\":[],\"accounts\":[]}");
  assert_int_equal(cop_accounts_load(path, t), MWX_EPARSE); /* duplicate key */
  write_file(path, "{\"format\":\"mwx-accounts/1\",\"accounts\":[],\"admin\":true}");
  assert_int_equal(cop_accounts_load(path, t), MWX_EPARSE); /* unknown key */
  assert_non_null(strstr(mwx_error_msg(), "admin"));
  write_file(path, "{\"format\":\"mwx-accounts/1\",\"accounts\":[{\"name\":\"x\",\"role\":\"root\",\"kdf\":\"scrypt\","
                   "\"N\":16,\"r\":8,\"p\":1,\"salt\":\"00000000000000000000000000000000\",\"hash\":"
                   "\"0000000000000000000000000000000000000000000000000000000000000000\"}]}");
  assert_int_equal(cop_accounts_load(path, t), MWX_EINVAL); /* bad role */
  assert_int_equal(t->n, 0);
  /* a directory where the file should be: refused, not read */
  char d2[160];
  snprintf(d2, sizeof d2, "%s/adir", dir);
  mkdir(d2, 0700);
  assert_int_not_equal(cop_accounts_load(d2, t), 0);
  free(t);
}

/* ---- the event interface on an offline node ------------------------------ */

typedef struct ev_ctx {
  int samples, released, held, other, json_ok, json_bad;
  int unsubscribe_after; /* >0: unsubscribe self after this many events */
  uint64_t id;
  mwx_node *n;
  int seen;
} ev_ctx;

static void on_ev(void *vc, const mwx_node_event *ev) {
  ev_ctx *c = vc;
  c->seen++;
  if (ev->kind == MWX_NODE_EV_SAMPLE) {
    c->samples++;
    assert_non_null(ev->msg);
    assert_string_equal(ev->msg->mark.originator, "KOR");
    json_t *o = NULL;
    if (mwx_node_event_json("KOR", 0, ev, &o) == 0 && json_is_object(json_object_get(o, "sample")) &&
        !strcmp(json_string_value(json_object_get(o, "type")), "sample"))
      c->json_ok++;
    else
      c->json_bad++;
    if (ev->msg->topic == MWX_TOPIC_IMPACT) {
      json_t *s = json_object_get(o, "sample");
      double a = json_number_value(json_object_get(s, "ell_major_km"));
      assert_true(a > 0 && a < 1000);
      assert_string_equal(json_string_value(json_object_get(s, "topic")), "ImpactPrediction");
    }
    json_decref(o);
  } else if (ev->kind == MWX_NODE_EV_RELEASED)
    c->released++;
  else if (ev->kind == MWX_NODE_EV_HELD)
    c->held++;
  else
    c->other++;
  if (c->unsubscribe_after && c->seen == c->unsubscribe_after)
    assert_int_equal(mwx_node_unsubscribe(c->n, c->id), 0);
}

typedef struct legacy_ctx {
  int samples, total;
} legacy_ctx;

static void on_legacy(void *vc, const mwx_node_event *ev) {
  legacy_ctx *c = vc;
  c->total++;
  if (ev->kind == MWX_NODE_EV_SAMPLE)
    c->samples++;
}

/* web_frame_ms: read from the node configuration (default, bounds), and the
 * push frames' seal interval it gives with 1..20 pages */
static void test_frame_spacing(void **state) {
  (void)state;
  char p[128];
  snprintf(p, sizeof p, "%s/frame.json", dir);
  mwx_cop_config lc;
  int en = 0;
  write_file(p, "{\"web_port\":8443,\"web_accounts\":\"acc.json\"}");
  assert_int_equal(mwx_cop_config_load(p, &lc, &en), 0);
  assert_int_equal(en, 1);
  assert_int_equal(lc.frame_ms, MWX_COP_FRAME_MS);
  write_file(p, "{\"web_port\":8443,\"web_accounts\":\"acc.json\",\"web_frame_ms\":40}");
  assert_int_equal(mwx_cop_config_load(p, &lc, &en), 0);
  assert_int_equal(lc.frame_ms, 40);
  write_file(p, "{\"web_port\":8443,\"web_accounts\":\"acc.json\",\"web_frame_ms\":9}");
  assert_int_not_equal(mwx_cop_config_load(p, &lc, &en), 0);
  assert_non_null(strstr(mwx_error_msg(), "web_frame_ms"));
  write_file(p, "{\"web_port\":8443,\"web_accounts\":\"acc.json\",\"web_frame_ms\":101}");
  assert_int_not_equal(mwx_cop_config_load(p, &lc, &en), 0);
  mwx_error_clear();
  /* the seal interval (ms) by pages: the default is the nineteenth session's 10 ms up to five pages,
     2 ms per page, at most 25 ms; 40 ms: 4 ms per page from three pages, 40 ms at ten, at most 50 */
  mwx_cop *c = calloc(1, sizeof *c);
  assert_non_null(c);
  static const int pages[] = {0, 1, 5, 6, 10, 12, 13, 20};
  static const int64_t want20[] = {10, 10, 10, 12, 20, 24, 25, 25}, want40[] = {10, 10, 20, 24, 40, 48, 50, 50};
  for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
    c->ws_open = pages[i];
    c->cfg.frame_ms = MWX_COP_FRAME_MS;
    assert_int_equal(cop_seal_ns(c), want20[i] * 1000000ll);
    c->cfg.frame_ms = 40;
    assert_int_equal(cop_seal_ns(c), want40[i] * 1000000ll);
  }
  free(c);
}

static void test_events(void **state) {
  (void)state;
  char db[128];
  snprintf(db, sizeof db, "%s/kor.db", dir);
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  strcpy(cfg.nation, "KOR");
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s/scenarios/2022-10-14-srbm.json", MWX_SOURCE_DIR);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-KOR.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s", db);
  cfg.journal_plots = 0;
  cfg.launch_fit = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  legacy_ctx lg = {0};
  mwx_node *n;
  assert_int_equal(mwx_node_open(&cfg, on_legacy, &lg, &n), 0);
  assert_string_equal(mwx_node_nation(n), "KOR");
  ev_ctx a = {0}, b = {0};
  b.n = n;
  b.unsubscribe_after = 5;
  assert_int_equal(mwx_node_subscribe(n, on_ev, &a, &a.id), 0);
  assert_int_equal(mwx_node_subscribe(n, on_ev, &b, &b.id), 0);
  assert_true(a.id > 0 && b.id > a.id);
  int64_t t = mwx_node_epoch_ns(n) - 5000000000ll;
  int done = 0;
  for (int i = 0; i < 20000 && !done; i++) {
    t += 1000000000ll;
    assert_int_equal(mwx_node_step(n, t, &done), 0);
  }
  assert_true(done);
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  /* one SAMPLE per sample made, before its decisions */
  assert_true(st.samples > 10);
  assert_int_equal((uint64_t)a.samples, st.samples);
  assert_int_equal(a.json_ok, a.samples);
  assert_int_equal(a.json_bad, 0);
  assert_true(a.released > 0);
  /* the open() subscriber gets everything but SAMPLE */
  assert_int_equal(lg.samples, 0);
  assert_int_equal(lg.total, a.released + a.held + a.other);
  /* b unsubscribed itself after 5 events */
  assert_int_equal(b.seen, 5);
  assert_int_equal(mwx_node_unsubscribe(n, b.id), MWX_ENOTFOUND);
  /* the server refuses plain HTTP off loopback, and a missing certificate */
  mwx_cop_config cc;
  mwx_cop_config_init(&cc);
  cc.port = 18000 + (int)(getpid() % 1000);
  snprintf(cc.accounts, sizeof cc.accounts, "%s/acc.json", dir);
  snprintf(cc.bind, sizeof cc.bind, "0.0.0.0");
  cc.insecure_local = 1;
  mwx_cop *cop = NULL;
  cc.frame_ms = MWX_COP_FRAME_MS_MAX + 1; /* (web_frame_ms out of its bounds) */
  assert_int_equal(mwx_cop_open(&cc, n, &cop), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "web_frame_ms"));
  cc.frame_ms = MWX_COP_FRAME_MS;
  assert_int_equal(mwx_cop_open(&cc, n, &cop), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "loopback"));
  snprintf(cc.bind, sizeof cc.bind, "192.168.1.10");
  assert_int_equal(mwx_cop_open(&cc, n, &cop), MWX_EINVAL);
  cc.insecure_local = 0;
  snprintf(cc.cert, sizeof cc.cert, "%s/none.pem", dir);
  snprintf(cc.key, sizeof cc.key, "%s/none.key", dir);
  assert_int_equal(mwx_cop_open(&cc, n, &cop), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "certificate"));
  assert_null(cop);
  mwx_node_close(n);
}

static void test_web_cert(void **state) {
  (void)state;
  char pki[128], path[200];
  snprintf(pki, sizeof pki, "%s/pki", dir);
  assert_int_equal(mwx_pki_web_cert(pki, "JPN", NULL, 30), 0);
  struct stat st;
  snprintf(path, sizeof path, "%s/JPN/web.key", pki);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  snprintf(path, sizeof path, "%s/JPN/web.pem", pki);
  assert_int_equal(stat(path, &st), 0);
  snprintf(path, sizeof path, "%s/JPN/web_ca.pem", pki);
  assert_int_equal(stat(path, &st), 0);
  /* the chain verifies and names the hosts (OpenSSL's own command line) */
  char cmd[600];
  snprintf(cmd, sizeof cmd,
           "openssl verify -purpose sslserver -CAfile %s/JPN/web_ca.pem %s/JPN/web.pem >/dev/null && "
           "openssl x509 -in %s/JPN/web.pem -noout -ext subjectAltName | grep -q 'DNS:localhost, IP Address:127.0.0.1'",
           pki, pki, pki);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(mwx_pki_web_cert(pki, "JPN", "bad host", 30), MWX_EINVAL);
  assert_int_equal(mwx_pki_web_cert(pki, "jp", NULL, 30), MWX_EINVAL);
}

/* ---- the HTTP API over plain loopback (--insecure-local), raw sockets ---- */

typedef struct http_job {
  int port;
  char acc[160];
  int done;
  int fails;
  char log[4096];
} http_job;

/* A JPN node (shipped policy, journal DIR/TAG.db) serving a one-line test
 * page from DIR/www-TAG over plain loopback (--insecure-local) on port,
 * with the accounts file acc.  The caller sets the rest of *cfg (after
 * mwx_node_config_init) and *cc (after mwx_cop_config_init) first. */
static void serve_open(const char *tag, int port, const char *acc, mwx_node_config *cfg, mwx_cop_config *cc,
                       mwx_node **n, mwx_cop **cop) {
  char root[160], idx[200];
  snprintf(root, sizeof root, "%s/www-%s", dir, tag);
  mkdir(root, 0700);
  snprintf(idx, sizeof idx, "%s/index.html", root);
  write_file(idx, "<!doctype html><title>mwx test page</title>");
  strcpy(cfg->nation, "JPN");
  snprintf(cfg->policy, sizeof cfg->policy, "%s/config/policy-JPN.json", MWX_SOURCE_DIR);
  snprintf(cfg->journal, sizeof cfg->journal, "%s/%s.db", dir, tag);
  assert_int_equal(mwx_node_open(cfg, NULL, NULL, n), 0);
  cc->port = port;
  cc->insecure_local = 1;
  snprintf(cc->accounts, sizeof cc->accounts, "%s", acc);
  snprintf(cc->web_root, sizeof cc->web_root, "%s", root);
  *cop = NULL;
  assert_int_equal(mwx_cop_open(cc, *n, cop), 0);
}

/* Runs the node's loop until *done is set (by the client thread th, then
 * joined) or 60 s pass. */
static void serve_until(mwx_node *n, const int *done, pthread_t th) {
  int64_t end = mwx_node_mono_ns() + 60000000000ll;
  while (!__atomic_load_n(done, __ATOMIC_SEQ_CST) && mwx_node_mono_ns() < end)
    mwx_node_loop_run_once(mwx_node_get_loop(n), 50000000);
  pthread_join(th, NULL);
}

/* One request; returns the status (-1: no answer), *resp_body the whole
 * response body (malloc'd, NUL-terminated, read into a buffer that grows
 * until the server closes: no size limit; the caller frees it; NULL when
 * there is no answer), set_cookie the first Set-Cookie header. */
static int http_alloc(int port, const char *method, const char *path, const char *cookie, const char *csrf,
                      const char *body, char **resp_body, char *set_cookie, size_t sc_cap) {
  *resp_body = NULL;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char req[4096];
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n", method, path, port);
  if (cookie && *cookie)
    n += snprintf(req + n, sizeof req - n, "Cookie: mwx_session=%s\r\n", cookie);
  if (csrf)
    n += snprintf(req + n, sizeof req - n, "X-CSRF-Token: %s\r\n", csrf);
  if (body)
    n += snprintf(req + n, sizeof req - n, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                  strlen(body), body);
  else
    n += snprintf(req + n, sizeof req - n, "\r\n");
  if (write(fd, req, (size_t)n) != n) {
    close(fd);
    return -1;
  }
  size_t len = 0, cap = 1 << 16;
  char *buf = malloc(cap);
  ssize_t r;
  while (buf) {
    if (cap - len < 4096) { /* grow: the salvo's /api/picture is several MB */
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    if ((r = read(fd, buf + len, cap - 1 - len)) <= 0)
      break;
    len += (size_t)r;
  }
  close(fd);
  if (!buf)
    return -1;
  buf[len] = 0;
  int status = 0;
  if (sscanf(buf, "HTTP/1.1 %d", &status) != 1) {
    free(buf);
    return -1;
  }
  if (set_cookie) {
    set_cookie[0] = 0;
    const char *sc = strstr(buf, "\r\nset-cookie: "); /* lws writes header names in lower case */
    if (sc) {
      sc += 14;
      size_t k = strcspn(sc, "\r");
      snprintf(set_cookie, sc_cap, "%.*s", (int)k, sc);
    }
  }
  const char *b = strstr(buf, "\r\n\r\n");
  b = b ? b + 4 : buf + len;
  memmove(buf, b, strlen(b) + 1);
  *resp_body = buf;
  return status;
}

/* One request; returns the status, fills body (at most cap - 1 bytes of it:
 * for small answers; http_alloc for a picture) / set-cookie. */
static int http(int port, const char *method, const char *path, const char *cookie, const char *csrf,
                const char *body, char *resp_body, size_t cap, char *set_cookie, size_t sc_cap) {
  char *b;
  int status = http_alloc(port, method, path, cookie, csrf, body, &b, set_cookie, sc_cap);
  if (resp_body)
    snprintf(resp_body, cap, "%s", b ? b : "");
  free(b);
  return status;
}

/* Logs in as the tests' release officer ("officer" / "officer-pass") on
 * port, as a page does: the status; the session's token into cookie (at
 * least 65 bytes; empty without one), the response body into body, the
 * Set-Cookie header into sc (when not NULL). */
static int page_login(int port, char *cookie, char *body, size_t cap, char *sc, size_t sc_cap) {
  char own[300] = "";
  if (!sc) {
    sc = own;
    sc_cap = sizeof own;
  }
  sc[0] = cookie[0] = 0;
  int st = http(port, "POST", "/api/login", NULL, NULL, "{\"name\":\"officer\",\"password\":\"officer-pass\"}", body,
                cap, sc, sc_cap);
  sscanf(sc, "mwx_session=%64[0-9a-f]", cookie);
  return st;
}

#define EXPECT(cond, ...)                                                                                      \
  do {                                                                                                         \
    if (!(cond)) {                                                                                             \
      j->fails++;                                                                                              \
      size_t l_ = strlen(j->log);                                                                              \
      snprintf(j->log + l_, sizeof j->log - l_, __VA_ARGS__);                                                  \
      l_ = strlen(j->log);                                                                                     \
      snprintf(j->log + l_, sizeof j->log - l_, "\n");                                                        \
    }                                                                                                          \
  } while (0)

static void field(const char *json, const char *key, char *out, size_t cap) {
  json_t *o = json_loads(json, 0, NULL);
  const char *v = json_string_value(json_object_get(o, key));
  snprintf(out, cap, "%s", v ? v : "");
  json_decref(o);
}

static void *client(void *vj) {
  http_job *j = vj;
  char body[8192], sc[300], cookie[100], csrf[100], vcookie[100], vcsrf[100];
  int st = http(j->port, "GET", "/api/picture", NULL, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 401, "picture without a session: %d", st);
  st = http(j->port, "POST", "/api/login", NULL, NULL, "{\"name\":\"officer\",\"password\":\"wrong-password\"}", body,
            sizeof body, sc, sizeof sc);
  EXPECT(st == 401 && !sc[0], "wrong password: %d cookie '%s'", st, sc);
  st = http(j->port, "POST", "/api/login", NULL, NULL, "{\"name\":\"officer\",\"password\":\"officer-pass\",\"name\":\"x\"}",
            body, sizeof body, NULL, 0);
  EXPECT(st == 400 && strstr(body, "duplicate"), "duplicate key in the body: %d %s", st, body);
  st = page_login(j->port, cookie, body, sizeof body, sc, sizeof sc);
  EXPECT(st == 200, "login: %d %s", st, body);
  EXPECT(strstr(sc, "; Secure; HttpOnly; SameSite=Strict") != NULL, "cookie flags: %s", sc);
  field(body, "csrf", csrf, sizeof csrf);
  EXPECT(strlen(cookie) == 64 && strlen(csrf) == 64, "token lengths %zu %zu", strlen(cookie), strlen(csrf));
  st = http(j->port, "GET", "/api/session", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 200 && strstr(body, "release_officer"), "session: %d %s", st, body);
  st = http(j->port, "GET", "/api/queue", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 200 && strstr(body, "\"items\":[]"), "queue: %d %s", st, body);
  st = http(j->port, "POST", "/api/release/approve", cookie, NULL, "{\"id\":5}", body, sizeof body, NULL, 0);
  EXPECT(st == 403, "approve without CSRF: %d", st);
  st = http(j->port, "POST", "/api/release/approve", cookie, csrf, "{\"id\":5}", body, sizeof body, NULL, 0);
  EXPECT(st == 404, "approve of no such hold: %d %s", st, body);
  st = http(j->port, "POST", "/api/release/approve", cookie, csrf, "{\"id\":\"5\"}", body, sizeof body, NULL, 0);
  EXPECT(st == 400, "approve with a string id: %d", st);
  st = http(j->port, "GET", "/api/nothing", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 404, "unknown call: %d", st);
  /* a viewer may not decide */
  st = http(j->port, "POST", "/api/login", NULL, NULL, "{\"name\":\"viewer1\",\"password\":\"viewer-pass\"}", body,
            sizeof body, sc, sizeof sc);
  sscanf(sc, "mwx_session=%64[0-9a-f]", vcookie);
  field(body, "csrf", vcsrf, sizeof vcsrf);
  st = http(j->port, "POST", "/api/release/deny", vcookie, vcsrf, "{\"id\":5}", body, sizeof body, NULL, 0);
  EXPECT(st == 403 && strstr(body, "release_officer"), "viewer deny: %d %s", st, body);
  /* the accounts file changes under the running server: no restart */
  EXPECT(mwx_cop_account_remove(j->acc, "viewer1") == 0, "remove: %s", mwx_error_msg());
  st = http(j->port, "GET", "/api/session", vcookie, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 401, "session of a removed account: %d", st);
  EXPECT(mwx_cop_account_add(j->acc, "late", MWX_COP_VIEWER, "late-password") == 0, "add");
  st = http(j->port, "POST", "/api/login", NULL, NULL, "{\"name\":\"late\",\"password\":\"late-password\"}", body,
            sizeof body, NULL, 0);
  EXPECT(st == 200, "an account added while running logs in: %d", st);
  EXPECT(mwx_cop_account_passwd(j->acc, "officer", "changed-pass") == 0, "passwd");
  st = http(j->port, "GET", "/api/session", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 401, "a new password ends the old session: %d", st);
  /* log out with no body at all (Content-Length absent) answers at once */
  st = http(j->port, "POST", "/api/login", NULL, NULL, "{\"name\":\"officer\",\"password\":\"changed-pass\"}", body,
            sizeof body, sc, sizeof sc);
  sscanf(sc, "mwx_session=%64[0-9a-f]", cookie);
  field(body, "csrf", csrf, sizeof csrf);
  st = http(j->port, "POST", "/api/logout", cookie, csrf, "", body, sizeof body, sc, sizeof sc); /* Content-Length: 0 */
  EXPECT(st == 200 && strstr(sc, "Max-Age=0"), "logout with an empty body: %d %s", st, sc);
  st = http(j->port, "GET", "/api/session", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 401, "after logout: %d", st);
  /* the page itself is served, with its security headers */
  st = http(j->port, "GET", "/", NULL, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 200 && strstr(body, "mwx test page"), "page: %d", st);
  __atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void test_http_api(void **state) {
  (void)state;
  http_job j = {0};
  snprintf(j.acc, sizeof j.acc, "%s/api-acc.json", dir);
  assert_int_equal(mwx_cop_account_add(j.acc, "officer", MWX_COP_RELEASE_OFFICER, "officer-pass"), 0);
  assert_int_equal(mwx_cop_account_add(j.acc, "viewer1", MWX_COP_VIEWER, "viewer-pass"), 0);
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  mwx_cop_config cc;
  mwx_cop_config_init(&cc);
  j.port = 21000 + (int)(getpid() % 20000);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("api", j.port, j.acc, &cfg, &cc, &n, &cop);
  assert_int_equal(strncmp(mwx_cop_url(cop), "http://127.0.0.1:", 17), 0);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, client, &j), 0);
  serve_until(n, &j.done, th);
  mwx_cop_stats st;
  mwx_cop_get_stats(cop, &st);
  /* the password checks (scrypt, ~0.1 s of CPU each here) ran off the
     node's loop: no API call held the loop for anything like that (eight
     log-ins above) */
  fprintf(stderr, "slowest API call on the loop: %s %.1f ms\n", cop->api_slowest, (double)cop->api_slowest_ns / 1e6);
  assert_true(cop->api_slowest_ns < 40000000);
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (j.fails)
    fprintf(stderr, "%s", j.log);
  assert_int_equal(j.fails, 0);
  assert_true(j.done);
  assert_true(st.logins_ok >= 4);
  assert_int_equal(st.logins_failed, 1);
}


/* ---- partner status: refusals counted by the node's reason ------------ */

/* The node's DROPPED events carry a structured reason (mwx_node_event.drop,
 * set in src/node/rx.c from net's reason or the replay check), the node
 * counts them per partner (mwx_node_partner_stats), and the partner status
 * the page shows is the node's counts (one count: src/cop/cop_push.c
 * partner_counts), signature failures, revoked keys, replays and other
 * refusals apart, all of them in "dropped".  The drops go through the
 * node's own rx path (node_rx_take: the journal record, the stats, the
 * event) as net hands them over, then to the server as the node emits
 * them. */
static void test_partner_drops(void **state) {
  (void)state;
  char acc[160];
  snprintf(acc, sizeof acc, "%s/drops-acc.json", dir);
  assert_int_equal(mwx_cop_account_add(acc, "viewer1", MWX_COP_VIEWER, "viewer-pass"), 0);
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  mwx_cop_config cc;
  mwx_cop_config_init(&cc);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("drops", 22000 + (int)(getpid() % 20000), acc, &cfg, &cc, &n, &cop);
  static const struct {
    int reason;
    mwx_node_drop drop;
    const char *detail;
  } in[] = {{MWX_ECRYPTO, MWX_NODE_DROP_SIGNATURE, "origin signature does not verify"},
            {MWX_NET_EREVOKED, MWX_NODE_DROP_REVOKED, "origin key revoked"},
            {MWX_ECRYPTO, MWX_NODE_DROP_SIGNATURE, "origin signature does not verify"},
            {MWX_NET_EREVOKED, MWX_NODE_DROP_REVOKED, "origin key revoked"},
            {MWX_NET_EREVOKED, MWX_NODE_DROP_REVOKED, "origin key revoked"},
            {MWX_EPARSE, MWX_NODE_DROP_OTHER, "malformed sample"}};
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    node_rx_item it;
    memset(&it, 0, sizeof it);
    it.kind = MWX_NET_EV_DROPPED;
    it.reason = in[i].reason;
    snprintf(it.partner, sizeof it.partner, "KOR");
    snprintf(it.detail, sizeof it.detail, "%s", in[i].detail);
    mwx_node_event ev;
    assert_int_equal(node_rx_take(n, &it, &ev), 0);
    assert_int_equal(ev.kind, MWX_NODE_EV_DROPPED);
    assert_int_equal(ev.drop, in[i].drop); /* revoked is its own reason, not a signature failure */
    cop_on_node_event(cop, &ev);
  }
  mwx_node_partner_stats ps;
  assert_int_equal(mwx_node_partner_stats_get(n, "KOR", &ps), 0);
  assert_int_equal(ps.sig_failures, 2);
  assert_int_equal(ps.revoked, 3);
  assert_int_equal(ps.replays, 0);
  assert_int_equal(ps.other_drops, 1);
  assert_int_equal(mwx_node_partner_stats_get(n, "XYZ", &ps), MWX_ENOTFOUND);
  mwx_error_clear();
  json_t *p = json_object_get(cop->partners, "KOR");
  assert_non_null(p);
  assert_int_equal(json_integer_value(json_object_get(p, "sig_failures")), 2);
  assert_int_equal(json_integer_value(json_object_get(p, "revoked")), 3);
  assert_int_equal(json_integer_value(json_object_get(p, "replays")), 0);
  assert_int_equal(json_integer_value(json_object_get(p, "other_drops")), 1);
  assert_int_equal(json_integer_value(json_object_get(p, "dropped")), 6);
  assert_int_equal(json_integer_value(json_object_get(p, "received")), 0);
  /* one count: an event the node did not count (no rx path) changes nothing the page shows */
  mwx_node_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = MWX_NODE_EV_DROPPED;
  snprintf(ev.partner, sizeof ev.partner, "KOR");
  ev.drop = MWX_NODE_DROP_REPLAY;
  ev.sim_ns = mwx_node_epoch_ns(n);
  cop_on_node_event(cop, &ev);
  assert_int_equal(json_integer_value(json_object_get(p, "replays")), 0);
  assert_int_equal(json_integer_value(json_object_get(p, "dropped")), 6);
  /* the event's own JSON names the reason */
  json_t *o = NULL;
  ev.drop = MWX_NODE_DROP_REVOKED;
  assert_int_equal(mwx_node_event_json("JPN", 0, &ev, &o), 0);
  assert_string_equal(json_string_value(json_object_get(o, "drop")), "revoked");
  json_decref(o);
  assert_string_equal(mwx_node_drop_name(MWX_NODE_DROP_SIGNATURE), "signature");
  assert_string_equal(mwx_node_drop_name(MWX_NODE_DROP_REVOKED), "revoked");
  assert_string_equal(mwx_node_drop_name(MWX_NODE_DROP_NONE), "");
  mwx_cop_close(cop);
  mwx_node_close(n);
}

/* ---- a session ends at its maximum age however active it is ---------- */

static void *max_age_client(void *vj) {
  http_job *j = vj;
  char body[4096], sc[300], cookie[100];
  int st = page_login(j->port, cookie, body, sizeof body, sc, sizeof sc);
  EXPECT(st == 200 && strstr(sc, "Max-Age=2;"), "login: %d %s", st, sc);
  int before = 0, after = 0;
  /* a request every 0.5 s (never idle): valid before 2 s, refused after */
  for (int i = 0; i < 7; i++) {
    st = http(j->port, "GET", "/api/session", cookie, NULL, NULL, body, sizeof body, NULL, 0);
    if (i < 3)
      before += st == 200;
    if (i >= 6)
      after += st == 401;
    usleep(500000);
  }
  EXPECT(before == 3 && after == 1, "session max age 2 s: %d of 3 valid in the first 1.5 s, %d of 1 refused at 3 s", before,
         after);
  st = http(j->port, "GET", "/api/picture", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  EXPECT(st == 401, "an expired session's API call: %d", st);
  __atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void test_session_max_age(void **state) {
  (void)state;
  http_job j = {0};
  snprintf(j.acc, sizeof j.acc, "%s/maxage-acc.json", dir);
  assert_int_equal(mwx_cop_account_add(j.acc, "officer", MWX_COP_RELEASE_OFFICER, "officer-pass"), 0);
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  mwx_cop_config cc;
  mwx_cop_config_init(&cc);
  cc.session_max_s = 2;
  cc.session_idle_s = 3600;
  j.port = 21000 + (int)((getpid() + 3571) % 20000);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("maxage", j.port, j.acc, &cfg, &cc, &n, &cop);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, max_age_client, &j), 0);
  serve_until(n, &j.done, th);
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (j.fails)
    fprintf(stderr, "%s", j.log);
  assert_int_equal(j.fails, 0);
  assert_true(j.done);
}

/* ---- the push channel: batched messages, fused deltas, the lag probe ---- */

typedef struct push_job {
  int port;
  int fails;
  char log[4096];
  int done;
  int frames, events, own_tracks, fused_msgs, fused_jpn, fused_reflected;
  uint32_t fused_g;
  int backlog;                 /* the server's page backlog bound under test (0: the default) */
  int snapshots, after_snapshot; /* "snapshot" messages, events after the first */
  int64_t dropped;             /* what the snapshots said they replaced */
  int64_t resyncs, ws_dropped; /* /api/stats at the end */
  double loop_share;
} push_job;

static int read_full(int fd, unsigned char *b, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, b + got, n - got);
    if (r <= 0)
      return -1;
    got += (size_t)r;
  }
  return 0;
}

/* A page's push channel: the WebSocket upgrade of /api/events on port with
 * the session cookie (rcvbuf > 0: the socket's SO_RCVBUF; reads time out
 * after 20 s); the socket after the server's 101, or -1. */
static int ws_open_fd(int port, const char *cookie, int rcvbuf) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  if (rcvbuf > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timeval tv = {20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char req[1024], head[2048];
  int n = snprintf(req, sizeof req,
                   "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: http://127.0.0.1:%d\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mwx-cop.v1\r\nCookie: mwx_session=%s\r\n\r\n",
                   port, port, cookie);
  size_t hl = 0;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) || write(fd, req, (size_t)n) != n)
    goto fail;
  while (hl < sizeof head - 1 && (hl < 4 || memcmp(head + hl - 4, "\r\n\r\n", 4)) && read(fd, head + hl, 1) == 1)
    hl++;
  head[hl] = 0;
  if (strncmp(head, "HTTP/1.1 101", 12))
    goto fail;
  return fd;
fail:
  close(fd);
  return -1;
}

static void *push_client(void *vj) {
  push_job *j = vj;
  char body[8192], cookie[100];
  int st = page_login(j->port, cookie, body, sizeof body, NULL, 0);
  EXPECT(st == 200, "login: %d %s", st, body);
  int fd = ws_open_fd(j->port, cookie, 0);
  EXPECT(fd >= 0, "the page connects (login, WebSocket upgrade)");
  int64_t end = mwx_node_mono_ns() + 60000000000ll;
  while (fd >= 0 && mwx_node_mono_ns() < end &&
         !(j->own_tracks && j->fused_jpn && (!j->backlog || j->after_snapshot > 0))) {
    unsigned char h[10];
    if (read_full(fd, h, 2))
      break;
    uint64_t len = h[1] & 127;
    if (len == 126 && !read_full(fd, h + 2, 2))
      len = ((uint64_t)h[2] << 8) | h[3];
    else if (len == 127 && !read_full(fd, h + 2, 8)) {
      len = 0;
      for (int i = 0; i < 8; i++)
        len = (len << 8) | h[2 + i];
    }
    EXPECT(!(h[1] & 128), "a server frame is not masked");
    EXPECT(len < (1u << 20), "frame of %llu bytes", (unsigned long long)len);
    if (len >= (1u << 20))
      break;
    char *pl = malloc(len + 1);
    if (!pl || read_full(fd, (unsigned char *)pl, len)) {
      free(pl);
      break;
    }
    pl[len] = 0;
    if ((h[0] & 15) == 1) {
      j->frames++;
      json_t *arr = json_loads(pl, 0, NULL);
      EXPECT(json_is_array(arr), "a pushed message is a JSON array: %.80s", pl);
      size_t i;
      json_t *ev;
      json_array_foreach(arr, i, ev) {
        j->events++;
        if (j->snapshots)
          j->after_snapshot++;
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (type && !strcmp(type, "snapshot")) {
          j->snapshots++;
          j->dropped += json_integer_value(json_object_get(ev, "dropped"));
          EXPECT(json_is_array(json_object_get(ev, "fused")) && json_is_array(json_object_get(ev, "samples")) &&
                     json_is_object(json_object_get(ev, "partners")) && json_integer_value(json_object_get(ev, "dropped")) > j->backlog,
                 "a snapshot is the whole picture and says what it replaced: %.200s", pl);
          EXPECT(json_array_size(arr) == 1, "a snapshot comes alone");
        }
        json_t *smp = json_object_get(ev, "sample");
        const char *topic = json_string_value(json_object_get(smp, "topic"));
        EXPECT(!type || strcmp(type, "released"), "a released event was pushed");
        if (type && !strcmp(type, "sample") && topic && !strcmp(topic, "Track"))
          j->own_tracks++;
        if (type && !strcmp(type, "fused")) {
          j->fused_msgs++;
          EXPECT(json_number_value(json_object_get(ev, "any_ms")) > 1.6e12, "fused any_ms");
          /* wall_ms: the oldest node event the delta reflects (none: the picture's time moved on) */
          EXPECT(!json_object_get(ev, "wall_ms") ||
                     (json_number_value(json_object_get(ev, "wall_ms")) > 1.6e12 &&
                      json_number_value(json_object_get(ev, "wall_ms")) <= json_number_value(json_object_get(ev, "push_ms"))),
                 "fused wall_ms");
          if (json_object_get(ev, "wall_ms"))
            j->fused_reflected++;
          size_t k;
          json_t *t;
          json_array_foreach(json_object_get(ev, "tracks"), k, t) {
            json_t *con = json_object_get(t, "contributors");
            if (json_array_size(con) == 1 && !strcmp(json_string_value(json_array_get(con, 0)), "JPN") &&
                json_is_number(json_object_get(t, "lat_deg")) && json_array_size(json_object_get(t, "members"))) {
              j->fused_jpn++;
              j->fused_g = (uint32_t)json_integer_value(json_object_get(t, "g"));
            }
          }
        }
      }
      json_decref(arr);
    }
    free(pl);
  }
  if (fd >= 0)
    close(fd);
  EXPECT(j->own_tracks > 0, "no own Track sample pushed (%d frames, %d events)", j->frames, j->events);
  EXPECT(j->fused_jpn > 0, "no fused track of JPN pushed (%d fused messages)", j->fused_msgs);
  EXPECT(j->events > j->frames, "events batched: %d events in %d messages", j->events, j->frames);
  st = http(j->port, "GET", "/api/stats", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  json_t *o = json_loads(body, 0, NULL);
  json_t *lag = json_object_get(o, "loop_lag_us");
  /* a delta names the node events it reflects (wall_ms), or the events were a
     joining track's, drawn as its own symbol first: their wait to the creating
     delta is the fuser's join (join_wait_ms), not an update's way to the page */
  json_int_t joins = json_integer_value(json_object_get(json_object_get(json_object_get(o, "fuse_passes"), "join_wait_ms"), "n"));
  EXPECT(j->fused_reflected > 0 || joins > 0, "no fused message names the node events it reflects (%d), no join timed",
         j->fused_msgs);
  EXPECT(st == 200 && json_integer_value(json_object_get(lag, "n")) > 0 &&
             json_integer_value(json_object_get(lag, "max")) >= json_integer_value(json_object_get(lag, "p50")),
         "stats: loop lag: %d %.200s", st, body);
  EXPECT(json_integer_value(json_object_get(o, "ws_frames")) >= j->frames, "ws_frames");
  j->resyncs = json_integer_value(json_object_get(o, "ws_resyncs"));
  j->ws_dropped = json_integer_value(json_object_get(o, "ws_dropped"));
  json_t *busy = json_object_get(o, "loop_busy");
  j->loop_share = json_number_value(json_object_get(busy, "share"));
  EXPECT(json_integer_value(json_object_get(busy, "ns")) > 0 && json_integer_value(json_object_get(busy, "calls")) > 0 &&
             json_integer_value(json_object_get(busy, "up_ns")) > json_integer_value(json_object_get(busy, "ns")) &&
             j->loop_share > 0 && j->loop_share < 1,
         "stats: the server's time on the loop: %.300s", json_dumps(busy, JSON_COMPACT));
  json_decref(o);
  /* the whole picture (MB on a loaded machine: a growing buffer, not body[]);
     a JSON error is told apart from a picture without the fused tracks */
  char *pic = NULL;
  st = http_alloc(j->port, "GET", "/api/picture", cookie, NULL, NULL, &pic, NULL, 0);
  json_error_t jerr = {0};
  o = st == 200 ? json_loads(pic, 0, &jerr) : NULL;
  EXPECT(st == 200, "/api/picture: status %d", st);
  EXPECT(st != 200 || o, "/api/picture is not JSON (%zu bytes): %s at line %d column %d", pic ? strlen(pic) : 0,
         jerr.text, jerr.line, jerr.column);
  EXPECT(!o || json_array_size(json_object_get(o, "fused")) > 0, "the picture (%zu bytes) has no fused track",
         pic ? strlen(pic) : 0);
  json_decref(o);
  free(pic);
  __atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* The push tests' set-up: a release officer in the accounts file acc
 * (dir/<name>-acc.json), a node configuration on the scenario file of
 * scenarios/ (no plots journaled, no launch fit, synchronous NORMAL) and
 * the web server's defaults. */
static void push_setup(const char *name, const char *scenario, char acc[160], mwx_node_config *cfg,
                       mwx_cop_config *cc) {
  snprintf(acc, 160, "%s/%s-acc.json", dir, name);
  assert_int_equal(mwx_cop_account_add(acc, "officer", MWX_COP_RELEASE_OFFICER, "officer-pass"), 0);
  mwx_node_config_init(cfg);
  snprintf(cfg->scenario, sizeof cfg->scenario, "%s/scenarios/%s", MWX_SOURCE_DIR, scenario);
  cfg->journal_plots = 0;
  cfg->launch_fit = 0;
  cfg->sync = MWX_JOURNAL_SYNC_NORMAL;
  mwx_cop_config_init(cc);
}

static void push_run(int backlog, push_job *out) {
  char acc[160], tag[32];
  snprintf(tag, sizeof tag, "push%d", backlog);
  mwx_node_config cfg;
  mwx_cop_config cc;
  push_setup(tag, "2022-10-14-srbm.json", acc, &cfg, &cc);
  push_job j = {0};
  j.backlog = backlog;
  if (backlog)
    cc.ws_backlog_msgs = backlog;
  j.port = 21000 + (int)((getpid() + 7919 + backlog) % 20000);
  mwx_node *n;
  mwx_cop *cop;
  serve_open(tag, j.port, acc, &cfg, &cc, &n, &cop);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, push_client, &j), 0);
  int64_t end = mwx_node_mono_ns() + 90000000000ll;
  int64_t t = mwx_node_epoch_ns(n) - 5000000000ll;
  int done = 0;
  while (!__atomic_load_n(&j.done, __ATOMIC_SEQ_CST) && mwx_node_mono_ns() < end) {
    mwx_cop_stats st;
    mwx_cop_get_stats(cop, &st);
    if (st.ws_clients && !done) { /* the page is connected: the node makes its picture, 1 s of sim time a pass */
      t += 1000000000ll;
      assert_int_equal(mwx_node_step(n, t, &done), 0);
    }
    mwx_node_loop_run_once(mwx_node_get_loop(n), 5000000);
  }
  pthread_join(th, NULL);
  mwx_cop_lag lag;
  mwx_cop_loop_lag(cop, &lag);
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (j.fails)
    fprintf(stderr, "%s", j.log);
  assert_int_equal(j.fails, 0);
  assert_true(lag.n > 0 && lag.max_us >= lag.p99_us && lag.p99_us >= lag.p50_us);
  *out = j;
}

/* A page that keeps up: batched messages, fused deltas, the lag probe, no
 * resync. */
static void test_push(void **state) {
  (void)state;
  push_job j;
  push_run(0, &j);
  assert_int_equal(j.snapshots, 0);
  assert_int_equal(j.resyncs, 0);
  assert_int_equal(j.ws_dropped, 0);
}

/* The per-page backlog bound: with a bound of 2 messages, a node step
 * pushes more than that before the page's next write, so the page is sent
 * the whole picture instead ("snapshot"), the server counts it, and the
 * push goes on after it. */
static void test_push_backlog(void **state) {
  (void)state;
  push_job j;
  push_run(2, &j);
  assert_true(j.snapshots > 0);
  assert_true(j.after_snapshot > 0);
  assert_true(j.resyncs >= j.snapshots);
  assert_true(j.dropped > 2 * j.snapshots);
  assert_true(j.ws_dropped >= j.dropped);
}

/* ---- shared frames and the backlog policy: a slow page is resynced while a
   fast one keeps up ---------------------------------------------------------- */

/* A WebSocket connection of session cookie (rcvbuf > 0: that SO_RCVBUF, set
 * before connecting), after the upgrade; -1 on failure. */
/* One server message's payload (malloc'd, NUL-terminated) and its text
 * opcode; -1 at the end or on an error. */
static int ws_read_msg(int fd, char **out, size_t *len_out) {
  unsigned char h[10];
  if (read_full(fd, h, 2))
    return -1;
  uint64_t len = h[1] & 127;
  if (len == 126) {
    if (read_full(fd, h + 2, 2))
      return -1;
    len = ((uint64_t)h[2] << 8) | h[3];
  } else if (len == 127) {
    if (read_full(fd, h + 2, 8))
      return -1;
    len = 0;
    for (int i = 0; i < 8; i++)
      len = (len << 8) | h[2 + i];
  }
  if (len > (64u << 20))
    return -1;
  char *pl = malloc(len + 1);
  if (!pl || read_full(fd, (unsigned char *)pl, len)) {
    free(pl);
    return -1;
  }
  pl[len] = 0;
  *out = pl;
  *len_out = len;
  return h[0] & 15;
}

typedef struct page_count {
  int64_t messages, events, bytes, snapshots, dropped;
  int bad; /* a message that is not a JSON array */
} page_count;

static void page_take(page_count *p, const char *pl, size_t len) {
  json_t *arr = json_loads(pl, 0, NULL);
  p->messages++;
  p->bytes += (int64_t)len;
  if (!json_is_array(arr))
    p->bad++;
  size_t i;
  json_t *ev;
  json_array_foreach(arr, i, ev) {
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (type && !strcmp(type, "snapshot")) {
      p->snapshots++;
      p->dropped += json_integer_value(json_object_get(ev, "dropped"));
      if (!json_is_array(json_object_get(ev, "fused")) || json_array_size(arr) != 1)
        p->bad++;
    } else
      p->events++;
  }
  json_decref(arr);
}

typedef struct slow_job {
  int port;
  int fails;
  char log[4096];
  int done;
  page_count fast, slow;
  int64_t fast_behind_bytes; /* the fast page's largest gap: bytes pushed to the slow one's snapshot ... */
  int resynced;              /* set by the node's thread once the server counted a resync (ws_resyncs) */
  json_t *stats;             /* /api/stats at the end */
} slow_job;

/* The slow page's backlog bound in this test.  The kernel's socket
 * buffers take up to about 1 MiB of what the slow page does not read (a
 * 512-KiB bound with 1.5 MiB at the fast page resynced nothing), so the
 * fast page waits for 3 bounds. */
#define SLOW_BACKLOG_BYTES (1u << 20)

static void *slow_fast_client(void *vj) {
  slow_job *sj = vj;
  http_job hj = {0}, *j = &hj; /* (EXPECT writes into j) */
  char body[8192], cookie[100];
  int st = page_login(sj->port, cookie, body, sizeof body, NULL, 0);
  EXPECT(st == 200, "login: %d %.200s", st, body);
  int fast = ws_open_fd(sj->port, cookie, 0), slow = ws_open_fd(sj->port, cookie, 2048);
  EXPECT(fast >= 0 && slow >= 0, "two pages connect: %d %d", fast, slow);
  /* phase 1: the fast page reads everything, the slow one nothing, until
     the fast one has had 3 times the slow one's backlog bound and the
     server has found the slow page past its bound (what the kernel's
     socket buffers take of the slow page's stream varies: 2.6 of 3.1 MB in
     a fresh clone's ASan run, after the thinner brief entries; the node
     makes the stream at its pace: up to two minutes and a half in an ASan
     build on a busy machine) */
  int64_t end = mwx_node_mono_ns() + 150000000000ll;
  while (fast >= 0 && (sj->fast.bytes < 3 * (long long)SLOW_BACKLOG_BYTES || !__atomic_load_n(&sj->resynced, __ATOMIC_SEQ_CST)) &&
         mwx_node_mono_ns() < end) {
    char *pl;
    size_t len;
    int op = ws_read_msg(fast, &pl, &len);
    if (op < 0)
      break;
    if (op == 1)
      page_take(&sj->fast, pl, len);
    free(pl);
  }
  /* 3 bounds is the aim; what the slow page needs to pass its bound is one
     bound plus what the socket buffers hold (about 1 MiB): an ASan build on
     a busy machine made 2.96 MB in 90 s, and the slow page was resynced */
  EXPECT(sj->fast.bytes >= 2 * (long long)SLOW_BACKLOG_BYTES, "the fast page had %lld bytes in phase 1 (2 backlog bounds: %lld)",
         (long long)sj->fast.bytes, 2 * (long long)SLOW_BACKLOG_BYTES);
  /* phase 2: the slow page reads again; both read until it had a snapshot
     and 2 s more */
  int64_t snap_at = 0;
  end = mwx_node_mono_ns() + 30000000000ll;
  while (fast >= 0 && slow >= 0 && mwx_node_mono_ns() < end && (!snap_at || mwx_node_mono_ns() < snap_at + 2000000000ll)) {
    struct pollfd pf[2] = {{fast, POLLIN, 0}, {slow, POLLIN, 0}};
    if (poll(pf, 2, 200) <= 0)
      continue;
    for (int k = 0; k < 2; k++) {
      if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char *pl;
      size_t len;
      int op = ws_read_msg(pf[k].fd, &pl, &len);
      if (op < 0) {
        end = 0;
        break;
      }
      if (op == 1)
        page_take(k ? &sj->slow : &sj->fast, pl, len);
      free(pl);
      if (k && sj->slow.snapshots && !snap_at)
        snap_at = mwx_node_mono_ns();
    }
  }
  if (fast >= 0)
    close(fast);
  if (slow >= 0)
    close(slow);
  st = http(sj->port, "GET", "/api/stats", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  sj->stats = st == 200 ? json_loads(body, 0, NULL) : NULL;
  EXPECT(sj->stats, "stats: %d", st);
  sj->fails = j->fails;
  memcpy(sj->log, j->log, sizeof sj->log);
  __atomic_store_n(&sj->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* Two pages on one server: the fast one reads all the time, the slow one
 * (a 2-KiB receive buffer) reads nothing for a while; the node runs the
 * salvo (0.5 s of sim time every 100 ms).  Every event is serialised once
 * (fewer events serialised than written), the slow page passes its
 * backlog bound (SLOW_BACKLOG_BYTES) and is sent one snapshot with what it dropped,
 * counted by the server, while the fast page keeps up with no snapshot; the
 * server keeps no more than the bound and one frame of frames however far
 * behind the slow page is. */
static void test_push_slow_page(void **state) {
  (void)state;
  char acc[160];
  mwx_node_config cfg;
  mwx_cop_config cc;
  push_setup("slow", "salvo-100.json", acc, &cfg, &cc);
  cc.ws_backlog_bytes = SLOW_BACKLOG_BYTES;
  slow_job sj = {0};
  sj.port = 21000 + (int)((getpid() + 104729) % 20000);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("slow", sj.port, acc, &cfg, &cc, &n, &cop);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, slow_fast_client, &sj), 0);
  int64_t end = mwx_node_mono_ns() + 240000000000ll, t = mwx_node_epoch_ns(n) - 5000000000ll, next = 0;
  int done = 0;
  uint64_t kept_max = 0;
  while (!__atomic_load_n(&sj.done, __ATOMIC_SEQ_CST) && mwx_node_mono_ns() < end) {
    mwx_cop_stats st;
    mwx_cop_get_stats(cop, &st);
    int64_t now = mwx_node_mono_ns();
    if (st.ws_resyncs)
      __atomic_store_n(&sj.resynced, 1, __ATOMIC_SEQ_CST);
    if (st.ws_clients >= 2 && !done && now >= next) { /* both pages connected: 0.5 s of sim time, */
      t += 500000000ll;
      assert_int_equal(mwx_node_step(n, t, &done), 0);
      next = mwx_node_mono_ns() + 100000000ll; /* then 100 ms of the loop alone, however long the step took
                                                  (an ASan build on a busy machine: steps back to back left
                                                  the loop no time to write, and the fast page fell behind) */
    }
    mwx_node_loop_run_once(mwx_node_get_loop(n), 5000000);
    if (cop->kept_bytes > kept_max)
      kept_max = cop->kept_bytes;
  }
  pthread_join(th, NULL);
  const cop_frame *open = &cop->frames[cop->frame_head % COP_FRAMES];
  uint64_t serialised = open->events_before + open->n_events; /* every event pushed, each serialised once */
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (sj.fails)
    fprintf(stderr, "%s", sj.log);
  json_t *o = sj.stats;
  int64_t sealed = json_integer_value(json_object_get(o, "ws_sealed")), frames = json_integer_value(json_object_get(o, "ws_frames"));
  int64_t resyncs = json_integer_value(json_object_get(o, "ws_resyncs")), dropped = json_integer_value(json_object_get(o, "ws_dropped"));
  int64_t snaps = json_integer_value(json_object_get(o, "ws_snapshots"));
  fprintf(stderr,
          "slow page: fast %lld messages %lld events %lld bytes %lld snapshots; slow %lld messages %lld events %lld "
          "snapshots (dropped %lld); server sealed %lld frames, wrote %lld, resyncs %lld, dropped %lld, snapshots made %lld, "
          "frames kept at most %llu bytes; %llu events serialised\n",
          (long long)sj.fast.messages, (long long)sj.fast.events, (long long)sj.fast.bytes, (long long)sj.fast.snapshots,
          (long long)sj.slow.messages, (long long)sj.slow.events, (long long)sj.slow.snapshots, (long long)sj.slow.dropped,
          (long long)sealed, (long long)frames, (long long)resyncs, (long long)dropped, (long long)snaps,
          (unsigned long long)kept_max, (unsigned long long)serialised);
  assert_int_equal(sj.fails, 0);
  assert_int_equal(sj.fast.bad + sj.slow.bad, 0);
  assert_int_equal(sj.fast.snapshots, 0);          /* the fast page kept up */
  assert_true(sj.fast.events > 1000);
  assert_true(sj.slow.snapshots >= 1);             /* the slow one was resynced ... */
  assert_true(sj.slow.dropped > 0);                /* ... told what it dropped ... */
  assert_true(sj.slow.events > 0);                 /* ... and went on after it */
  assert_true(resyncs >= sj.slow.snapshots);
  assert_true(dropped >= sj.slow.dropped);
  assert_true(snaps >= 1 && snaps <= resyncs);
  assert_true(sealed > 0 && frames > 0);
  assert_true((uint64_t)json_integer_value(json_object_get(o, "ws_sent")) > serialised); /* written to two pages, serialised once */
  assert_true(kept_max <= SLOW_BACKLOG_BYTES + COP_FRAME_MAX);  /* the memory bound, whatever the slow page does */
  json_decref(o);
}

/* ---- a page whose session ends: its push channel is closed ---- */

typedef struct end_job {
  int port, fails;
  char log[4096];
  char acc[160];
  int done;
  int before, after; /* text messages before / after the account's removal */
  int closed;        /* after the removal, the server closed the channel (a close frame, or the connection ended) */
  int last_op, close_code;
} end_job;

static void *end_client(void *vj) {
  end_job *ej = vj;
  http_job hj = {0}, *j = &hj; /* (EXPECT writes into j) */
  char body[8192], cookie[100];
  int st = page_login(ej->port, cookie, body, sizeof body, NULL, 0);
  EXPECT(st == 200, "login: %d %.200s", st, body);
  int fd = ws_open_fd(ej->port, cookie, 0);
  EXPECT(fd >= 0, "the page connects");
  int removed = 0;
  for (int64_t end = mwx_node_mono_ns() + 60000000000ll; fd >= 0 && mwx_node_mono_ns() < end;) {
    char *pl = NULL;
    size_t len = 0;
    errno = 0;
    int op = ws_read_msg(fd, &pl, &len);
    ej->last_op = op;
    if (op < 0) { /* the end: closed by the server (EOF, reset), or no message in 20 s (SO_RCVTIMEO) */
      ej->closed = removed && errno != EAGAIN && errno != EWOULDBLOCK;
      break;
    }
    if (op == 1) {
      if (removed)
        ej->after++;
      else if (++ej->before == 3) { /* pushes flow: the account goes (the server rereads the file) */
        EXPECT(mwx_cop_account_remove(ej->acc, "officer") == 0, "remove the account");
        removed = 1;
      }
    } else if (op == 8) {
      ej->close_code = len >= 2 ? (((unsigned char)pl[0] << 8) | (unsigned char)pl[1]) : 0;
      ej->closed = removed;
      free(pl);
      break;
    }
    free(pl);
  }
  if (fd >= 0)
    close(fd);
  ej->fails = j->fails;
  memcpy(ej->log, j->log, sizeof ej->log);
  __atomic_store_n(&ej->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* A page's push channel is closed by the server once its account is
 * removed while the node keeps pushing (not left open until the 20-s read
 * time-out): the session is looked at on the page's writes (at most once a
 * second, COP_WS_SESSION_NS). */
static void test_push_session_end(void **state) {
  (void)state;
  static end_job ej;
  memset(&ej, 0, sizeof ej);
  mwx_node_config cfg;
  mwx_cop_config cc;
  push_setup("ended", "2022-10-14-srbm.json", ej.acc, &cfg, &cc);
  ej.port = 21000 + (int)((getpid() + 52711) % 20000);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("ended", ej.port, ej.acc, &cfg, &cc, &n, &cop);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, end_client, &ej), 0);
  int64_t end = mwx_node_mono_ns() + 90000000000ll, t = mwx_node_epoch_ns(n) - 5000000000ll;
  int done = 0;
  while (!__atomic_load_n(&ej.done, __ATOMIC_SEQ_CST) && mwx_node_mono_ns() < end) {
    if (cop->ws_open && !done) { /* the page is connected: 1 s of sim time a pass */
      t += 1000000000ll;
      assert_int_equal(mwx_node_step(n, t, &done), 0);
    }
    mwx_node_loop_run_once(mwx_node_get_loop(n), 20000000);
  }
  pthread_join(th, NULL);
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (ej.fails)
    fprintf(stderr, "%s", ej.log);
  fprintf(stderr, "session end: %d messages before the removal, %d after, closed by the server: %d (last opcode %d, close code %d)\n",
          ej.before, ej.after, ej.closed, ej.last_op, ej.close_code);
  assert_int_equal(ej.fails, 0);
  assert_true(ej.before >= 3);
  assert_int_equal(ej.closed, 1);
}

/* ---- three pages: one walk and one serialisation for all, the changed-since filter ---- */

#define THREE_FRAMES 20000
typedef struct three_page {
  uint64_t hash[THREE_FRAMES]; /* every text message's bytes (FNV-1a 64) */
  int n, first_fused;          /* messages; the first with a fused delta (-1: none) */
  json_t *fused;               /* g -> {"members": n, "contributors": n} as the deltas left it */
  int64_t v_last;
  int v_back, full, brief, brief_unknown, brief_bad, gone, snapshots;
  json_t *track_push;          /* "type|ORIG|id" -> push_ms of its last Track event */
  int track_events, too_soon;  /* Track sample / received events; those < 49 ms after the same track's last */
} three_page;

typedef struct three_job {
  int port, fails;
  char log[4096];
  int stop, done;
  three_page page[3];
  json_t *stats, *picture;
} three_job;

static void three_take(three_page *p, const char *pl, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)pl[i]) * 1099511628211ull;
  json_t *arr = json_loads(pl, 0, NULL);
  size_t i, k;
  json_t *ev, *t;
  int fused = 0;
  json_array_foreach(arr, i, ev) {
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (type && !strcmp(type, "snapshot"))
      p->snapshots++;
    json_t *smp = json_object_get(ev, "sample");
    if (type && (!strcmp(type, "sample") || !strcmp(type, "received")) &&
        !strcmp(json_string_value(json_object_get(smp, "topic")) ? json_string_value(json_object_get(smp, "topic")) : "", "Track")) {
      /* coalesced: a track's events at least 50 ms apart (push_ms: whole wall ms, hence 49) */
      char key[160];
      snprintf(key, sizeof key, "%s|%s|%s", type, json_string_value(json_object_get(smp, "originator")),
               json_string_value(json_object_get(smp, "id")));
      double at = json_number_value(json_object_get(ev, "push_ms"));
      json_t *was = json_object_get(p->track_push, key);
      p->track_events++;
      p->too_soon += was && at - json_number_value(was) < 49;
      json_object_set_new(p->track_push, key, json_real(at));
      continue;
    }
    if (!type || strcmp(type, "fused"))
      continue;
    fused = 1;
    int64_t v = json_integer_value(json_object_get(ev, "v"));
    p->v_back += v < p->v_last; /* (a delta of positions alone keeps the version) */
    p->v_last = v;
    json_array_foreach(json_object_get(ev, "brief"), k, t) { /* brief: [g, t, lat, lon, alt, coasting], its position only */
      char g[24];
      snprintf(g, sizeof g, "%lld", (long long)json_integer_value(json_array_get(t, 0)));
      p->brief++;
      p->brief_unknown += !json_object_get(p->fused, g);
      p->brief_bad += json_array_size(t) != 6 || !json_is_integer(json_array_get(t, 1)) ||
                      json_integer_value(json_array_get(t, 1)) < 0 || /* (ms since the exercise's epoch) */
                      !json_is_number(json_array_get(t, 2)) || !json_is_number(json_array_get(t, 3)) ||
                      !json_is_number(json_array_get(t, 4)) || !json_is_integer(json_array_get(t, 5));
    }
    json_array_foreach(json_object_get(ev, "tracks"), k, t) {
      char g[24];
      snprintf(g, sizeof g, "%lld", (long long)json_integer_value(json_object_get(t, "g")));
      p->full += !!json_object_get(t, "members");
      p->brief_bad += !json_object_get(t, "members"); /* (an entry of "tracks" is in full) */
      if (!json_object_get(t, "members"))
        continue;
      json_object_set_new(p->fused, g, json_pack("{s:I,s:I}", "members", (json_int_t)json_array_size(json_object_get(t, "members")),
                                                 "contributors", (json_int_t)json_array_size(json_object_get(t, "contributors"))));
    }
    json_array_foreach(json_object_get(ev, "gone"), k, t) {
      char g[24];
      snprintf(g, sizeof g, "%lld", (long long)json_integer_value(t));
      p->gone++;
      json_object_del(p->fused, g);
    }
  }
  json_decref(arr);
  if (fused && p->first_fused < 0)
    p->first_fused = p->n;
  if (p->n < THREE_FRAMES)
    p->hash[p->n++] = h;
}

static void *three_client(void *vj) {
  three_job *tj = vj;
  http_job hj = {0}, *j = &hj; /* (EXPECT writes into j) */
  char body[8192], cookie[100];
  int st = page_login(tj->port, cookie, body, sizeof body, NULL, 0);
  EXPECT(st == 200, "login: %d %.200s", st, body);
  int fd[3];
  for (int k = 0; k < 3; k++) {
    fd[k] = ws_open_fd(tj->port, cookie, 0);
    tj->page[k].first_fused = -1;
    tj->page[k].fused = json_object();
    tj->page[k].track_push = json_object();
  }
  EXPECT(fd[0] >= 0 && fd[1] >= 0 && fd[2] >= 0, "three pages connect: %d %d %d", fd[0], fd[1], fd[2]);
  int64_t quiet_from = 0, end = mwx_node_mono_ns() + 150000000000ll;
  while (fd[0] >= 0 && fd[1] >= 0 && fd[2] >= 0 && mwx_node_mono_ns() < end) {
    struct pollfd pf[3] = {{fd[0], POLLIN, 0}, {fd[1], POLLIN, 0}, {fd[2], POLLIN, 0}};
    if (poll(pf, 3, 200) <= 0) {
      if (__atomic_load_n(&tj->stop, __ATOMIC_SEQ_CST)) { /* the node stopped: read until 1.5 s of silence */
        if (!quiet_from)
          quiet_from = mwx_node_mono_ns();
        else if (mwx_node_mono_ns() - quiet_from > 1500000000ll)
          break;
      }
      continue;
    }
    quiet_from = 0;
    for (int k = 0; k < 3; k++) {
      if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char *pl;
      size_t len;
      int op = ws_read_msg(fd[k], &pl, &len);
      if (op < 0) {
        end = 0;
        break;
      }
      if (op == 1)
        three_take(&tj->page[k], pl, len);
      free(pl);
    }
  }
  for (int k = 0; k < 3; k++)
    if (fd[k] >= 0)
      close(fd[k]);
  st = http(tj->port, "GET", "/api/stats", cookie, NULL, NULL, body, sizeof body, NULL, 0);
  tj->stats = st == 200 ? json_loads(body, 0, NULL) : NULL;
  EXPECT(tj->stats, "stats: %d", st);
  char *pic = NULL;
  json_error_t jerr = {0};
  st = http_alloc(tj->port, "GET", "/api/picture", cookie, NULL, NULL, &pic, NULL, 0);
  tj->picture = st == 200 ? json_loads(pic, 0, &jerr) : NULL;
  EXPECT(tj->picture, "picture: status %d, %zu bytes, %s", st, pic ? strlen(pic) : 0, st == 200 ? jerr.text : "");
  free(pic);
  tj->fails = j->fails;
  memcpy(tj->log, j->log, sizeof tj->log);
  __atomic_store_n(&tj->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* Three pages on one server while the node runs 35 s of the salvo (from +120 s): every
 * page is written the same bytes in the same order (one walk of the fused
 * picture and one serialisation per delta for all of them), the deltas'
 * versions only go up, a page that applies them (entries in full, brief
 * position-only entries, gone) holds the server's whole picture at the end,
 * and the changed-since filter built fewer entries than the walks saw. */
static void test_push_three_pages(void **state) {
  (void)state;
  char acc[160];
  mwx_node_config cfg;
  mwx_cop_config cc;
  push_setup("three", "salvo-100.json", acc, &cfg, &cc);
  /* (the default backlog bounds, the largest: no page is resynced here, the test compares their streams) */
  static three_job tj;
  memset(&tj, 0, sizeof tj);
  tj.port = 21000 + (int)((getpid() + 130363) % 20000);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("three", tj.port, acc, &cfg, &cc, &n, &cop);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, three_client, &tj), 0);
  /* (the first step runs the node to +120 s, where JPN holds tracks of the salvo) */
  int64_t end = mwx_node_mono_ns() + 240000000000ll, t = mwx_node_epoch_ns(n) + 120000000000ll, next = 0;
  int done = 0, steps = 0;
  while (!__atomic_load_n(&tj.done, __ATOMIC_SEQ_CST) && mwx_node_mono_ns() < end) {
    int64_t now = mwx_node_mono_ns();
    if (cop->ws_open == 3 && !done && steps < 70 && now >= next) { /* all three connected: 0.5 s of sim time */
      t += 500000000ll;
      assert_int_equal(mwx_node_step(n, t, &done), 0);
      steps++;
      next = mwx_node_mono_ns() + 100000000ll;
    }
    if (steps == 70 || done)
      __atomic_store_n(&tj.stop, 1, __ATOMIC_SEQ_CST);
    mwx_node_loop_run_once(mwx_node_get_loop(n), 5000000);
  }
  pthread_join(th, NULL);
  /* every pending track update is pushed when due (5 s at most after its track's last push):
     none left, nor a due of one (the coalescing heap) */
  for (int64_t until = mwx_node_mono_ns() + 5500000000ll; mwx_node_mono_ns() < until;)
    mwx_node_loop_run_once(mwx_node_get_loop(n), 5000000);
  size_t pending_left = json_object_size(cop->pending), dues_left = cop->n_dues;
  mwx_cop_stats st;
  mwx_cop_get_stats(cop, &st);
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (tj.fails)
    fprintf(stderr, "%s", tj.log);
  assert_int_equal(tj.fails, 0);
  three_page *a = &tj.page[0];
  fprintf(stderr, "three pages: page 0 %d Track events, %d within 49 ms of their track's last; %llu coalesced; "
          "%zu pending, %zu dues left 5.5 s after the end\n", a->track_events, a->too_soon,
          (unsigned long long)st.ws_coalesced, pending_left, dues_left);
  assert_true(a->track_events > 0 && st.ws_coalesced > 0);
  assert_int_equal(a->too_soon, 0);
  assert_int_equal(pending_left, 0);
  assert_int_equal(dues_left, 0);
  size_t pic_n = json_array_size(json_object_get(tj.picture, "fused"));
  fprintf(stderr,
          "three pages: %d steps, %d / %d / %d messages (from the first fused delta: %d / %d / %d), page 0: %d entries in "
          "full, %d brief, %d gone, last v %lld; server: %llu walks, %llu flushes that walked nothing, %llu entries built "
          "in full, %llu moved, %llu refreshed; picture %zu fused tracks\n",
          steps, tj.page[0].n, tj.page[1].n, tj.page[2].n, tj.page[0].n - tj.page[0].first_fused,
          tj.page[1].n - tj.page[1].first_fused, tj.page[2].n - tj.page[2].first_fused, a->full, a->brief, a->gone,
          (long long)a->v_last, (unsigned long long)st.fused_walks, (unsigned long long)st.fused_skipped,
          (unsigned long long)st.fused_built, (unsigned long long)st.fused_moved, (unsigned long long)st.fused_refreshed,
          pic_n);
  assert_true(steps >= 60);
  for (int k = 0; k < 3; k++) {
    three_page *p = &tj.page[k];
    assert_int_equal(p->snapshots, 0);
    assert_true(p->first_fused >= 0);
    assert_true(p->n < THREE_FRAMES);
    assert_int_equal(p->v_back, 0);        /* versions never go back */
    assert_int_equal(p->brief_unknown, 0); /* a brief entry is of one the page has */
    assert_int_equal(p->brief_bad, 0);     /* brief entries are arrays of six, "tracks" in full */
    /* the same bytes in the same order from the first delta on */
    assert_int_equal(p->n - p->first_fused, a->n - a->first_fused);
    assert_int_equal(memcmp(p->hash + p->first_fused, a->hash + a->first_fused,
                            (size_t)(a->n - a->first_fused) * sizeof *a->hash),
                     0);
    /* the deltas applied: the server's picture (the same global tracks, members and contributors) */
    assert_int_equal(json_object_size(p->fused), pic_n);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(tj.picture, "fused"), i, f) {
      char g[24];
      snprintf(g, sizeof g, "%lld", (long long)json_integer_value(json_object_get(f, "g")));
      json_t *mine = json_object_get(p->fused, g);
      assert_non_null(mine);
      assert_int_equal(json_integer_value(json_object_get(mine, "members")), json_array_size(json_object_get(f, "members")));
      assert_int_equal(json_integer_value(json_object_get(mine, "contributors")),
                       json_array_size(json_object_get(f, "contributors")));
    }
  }
  assert_true(pic_n >= 10);
  assert_true(a->brief > 0 && a->full > 0);
  /* the filter: entries unchanged since the last delta were not built (a walk of everything builds every entry) */
  assert_true(st.fused_walks > 0);
  assert_true(st.fused_built < st.fused_walks * pic_n);
  for (int k = 0; k < 3; k++) {
    json_decref(tj.page[k].fused);
    json_decref(tj.page[k].track_push);
  }
  json_decref(tj.stats);
  json_decref(tj.picture);
}

/* ---- the walk at the seal: a frame's fused delta is of the picture at its seal ---- */

typedef struct latest_job {
  int port, fails;
  char log[4096];
  int stop, done;
  int64_t messages;
} latest_job;

/* LATEST_PAGES pages that read everything until told to stop. */
#define LATEST_PAGES 3
static void *latest_client(void *vj) {
  latest_job *lj = vj;
  http_job hj = {0}, *j = &hj; /* (EXPECT writes into j) */
  char body[8192], cookie[100];
  int st = page_login(lj->port, cookie, body, sizeof body, NULL, 0);
  EXPECT(st == 200, "login: %d %.200s", st, body);
  struct pollfd pf[LATEST_PAGES];
  for (int k = 0; k < LATEST_PAGES; k++) {
    pf[k].fd = ws_open_fd(lj->port, cookie, 0);
    pf[k].events = POLLIN;
    EXPECT(pf[k].fd >= 0, "page %d connects", k);
  }
  while (!__atomic_load_n(&lj->stop, __ATOMIC_SEQ_CST)) {
    if (poll(pf, LATEST_PAGES, 100) <= 0)
      continue;
    for (int k = 0; k < LATEST_PAGES; k++) {
      if (pf[k].fd < 0 || !(pf[k].revents & POLLIN))
        continue;
      char *pl = NULL;
      size_t len = 0;
      if (ws_read_msg(pf[k].fd, &pl, &len) < 0) {
        close(pf[k].fd);
        pf[k].fd = -1;
        continue;
      }
      lj->messages++;
      free(pl);
    }
  }
  for (int k = 0; k < LATEST_PAGES; k++)
    if (pf[k].fd >= 0)
      close(pf[k].fd);
  lj->fails = j->fails;
  memcpy(lj->log, j->log, sizeof lj->log);
  __atomic_store_n(&lj->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

typedef struct latest_pic { /* the node's fused picture now, by global track */
  size_t n;
  struct {
    uint32_t g;
    int64_t t_ms, t_last_ns;
    double lat7, lon7;
    int fallen;
  } e[COP_FUSED];
} latest_pic;

static void latest_visit(void *vp, const mwx_node_fused_entry *e) {
  latest_pic *p = vp;
  if (p->n >= COP_FUSED)
    return;
  p->e[p->n].g = e->global_track_no;
  p->e[p->n].t_ms = e->t_ns / 1000000;
  p->e[p->n].t_last_ns = e->t_last_sample_ns;
  p->e[p->n].lat7 = round(e->lat_deg * 1e7) / 1e7;
  p->e[p->n].lon7 = round(e->lon_deg * 1e7) / 1e7;
  p->e[p->n].fallen = e->fallen;
  p->n++;
}

/* The rule of the walk at the seal (issue 15, twenty-sixth session): the
 * fused picture is looked at once per frame, when the frame is sealed, so a
 * sealed frame holds at most one fused delta, which brings the pages to the
 * node's picture as it is at the seal: its version is the node's then, and
 * it carries the latest state (time, position) of every global track whose
 * newest member sample changed since the last delta.  The node steps
 * (new samples, a new picture) between every two turns of its loop, and
 * three pages make the seal interval 30 ms (web_frame_ms 100): a delta
 * made before the seal (at the flush, as before this rule) is older than
 * the picture at the seal whenever a step came in between. */
static void test_push_frame_latest(void **state) {
  (void)state;
  char acc[160];
  mwx_node_config cfg;
  mwx_cop_config cc;
  push_setup("latest", "salvo-100.json", acc, &cfg, &cc);
  cc.frame_ms = 100;
  static latest_job lj;
  memset(&lj, 0, sizeof lj);
  lj.port = 21000 + (int)((getpid() + 155921) % 20000);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("latest", lj.port, acc, &cfg, &cc, &n, &cop);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, latest_client, &lj), 0);
  static latest_pic pic;
  /* a global track's newest member sample as of the last delta (g 0: a free slot; linear probing) */
  static struct {
    uint32_t g;
    int64_t t_ns;
  } last[4096];
  memset(last, 0, sizeof last);
  int64_t end = mwx_node_mono_ns() + 180000000000ll, t = mwx_node_epoch_ns(n) + 120000000000ll;
  int done = 0, steps = 0, deltas = 0, two = 0, old_v = 0, missing = 0, not_latest = 0, entries = 0, first = 1;
  int lazy = 0, lazy_early = 0;
  uint64_t seen = cop->frame_head;
  while (mwx_node_mono_ns() < end && steps < 60 && !done) {
    if (cop->ws_open == LATEST_PAGES) { /* all connected: 0.5 s of sim time between every two turns of the loop */
      t += 500000000ll;
      assert_int_equal(mwx_node_step(n, t, &done), 0);
      steps++;
    }
    mwx_node_loop_run_once(mwx_node_get_loop(n), 5000000);
    /* the frames sealed in this turn (no step since): their fused delta against the picture now */
    for (; seen < cop->frame_head; seen++) {
      if (seen < cop->frame_tail)
        continue;
      const cop_frame *f = &cop->frames[seen % COP_FRAMES];
      /* a frame of lazy events only is sealed COP_SEAL_LAZY_NS after its first (a look that pushed nothing
         does not seal it) */
      lazy_early += !f->urgent_mono && f->sealed_at - f->first_mono < COP_SEAL_LAZY_NS;
      lazy += !f->urgent_mono;
      json_t *arr = json_loadb((const char *)f->buf + LWS_PRE, f->len, 0, NULL);
      assert_true(json_is_array(arr));
      size_t i, fused = 0;
      json_t *ev, *delta = NULL;
      json_array_foreach(arr, i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (type && !strcmp(type, "fused")) {
          fused++;
          delta = ev;
        }
      }
      two += fused > 1;
      if (delta && seen + 1 == cop->frame_head) { /* (the last frame sealed: the node's picture is the one it was sealed at) */
        deltas++;
        old_v += (uint64_t)json_integer_value(json_object_get(delta, "v")) != mwx_node_fused_version(n);
        pic.n = 0;
        mwx_node_fused_picture(n, latest_visit, &pic);
        for (size_t k = 0; k < pic.n; k++) {
          if (pic.e[k].fallen)
            continue;
          size_t h = pic.e[k].g % 4096;
          while (last[h].g && last[h].g != pic.e[k].g)
            h = (h + 1) % 4096;
          last[h].g = pic.e[k].g;
          int changed = first || last[h].t_ns != pic.e[k].t_last_ns;
          /* its entry in the delta: in full ("tracks") or brief ([g, t_ms - epoch, lat, lon, alt, coasting]) */
          int found = 0, latest = 0;
          json_t *x;
          size_t q;
          json_array_foreach(json_object_get(delta, "tracks"), q, x) if ((uint32_t)json_integer_value(json_object_get(x, "g")) == pic.e[k].g) {
            found = 1;
            latest = (int64_t)json_number_value(json_object_get(x, "t_ms")) == pic.e[k].t_ms &&
                     fabs(json_number_value(json_object_get(x, "lat_deg")) - pic.e[k].lat7) < 1e-9 &&
                     fabs(json_number_value(json_object_get(x, "lon_deg")) - pic.e[k].lon7) < 1e-9;
          }
          json_array_foreach(json_object_get(delta, "brief"), q, x) if ((uint32_t)json_integer_value(json_array_get(x, 0)) == pic.e[k].g) {
            found = 1;
            latest = json_integer_value(json_array_get(x, 1)) == pic.e[k].t_ms - mwx_node_epoch_ns(n) / 1000000 &&
                     fabs(json_number_value(json_array_get(x, 2)) - pic.e[k].lat7) < 1e-9 &&
                     fabs(json_number_value(json_array_get(x, 3)) - pic.e[k].lon7) < 1e-9;
          }
          entries += found;
          missing += changed && !found;
          not_latest += found && !latest;
          last[h].t_ns = pic.e[k].t_last_ns;
        }
        first = 0;
      }
      json_decref(arr);
    }
  }
  __atomic_store_n(&lj.stop, 1, __ATOMIC_SEQ_CST);
  for (int64_t until = mwx_node_mono_ns() + 5000000000ll; !__atomic_load_n(&lj.done, __ATOMIC_SEQ_CST) && mwx_node_mono_ns() < until;)
    mwx_node_loop_run_once(mwx_node_get_loop(n), 5000000);
  pthread_join(th, NULL);
  mwx_cop_stats st;
  mwx_cop_get_stats(cop, &st);
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (lj.fails)
    fprintf(stderr, "%s", lj.log);
  fprintf(stderr,
          "frame latest: %d steps, %d deltas checked (%d entries), frames with two deltas %d, delta older than the picture "
          "at its seal %d, changed tracks missing %d, entries not the latest %d; %llu walks, %lld messages read; frames "
          "of lazy events only %d, sealed before %lld ms %d\n",
          steps, deltas, entries, two, old_v, missing, not_latest, (unsigned long long)st.fused_walks,
          (long long)lj.messages, lazy, COP_SEAL_LAZY_NS / 1000000, lazy_early);
  assert_int_equal(lj.fails, 0);
  assert_true(steps >= 40);
  assert_true(deltas >= 20);
  assert_true(entries >= 200);
  assert_int_equal(two, 0);
  assert_int_equal(old_v, 0);
  assert_int_equal(missing, 0);
  assert_int_equal(not_latest, 0);
  assert_int_equal(lazy_early, 0);
}

/* Runs n's loop for ms milliseconds. */
static void loop_for(mwx_node *n, int64_t ms) {
  for (int64_t until = mwx_node_mono_ns() + ms * 1000000ll; mwx_node_mono_ns() < until;)
    mwx_node_loop_run_once(mwx_node_get_loop(n), 2000000);
}

/* The walk at the seal and the lazy frames: a pass's picture event asks for
 * a look at the next seal; a look that has nothing to push does not seal a
 * frame of lazy events only (it still waits COP_SEAL_LAZY_NS for an urgent
 * event), a look with nothing at all seals nothing, and an urgent event's
 * frame is sealed at once, with the look made first.  (A page counted as
 * connected, no socket: the frames are the server's.) */
static void test_push_seal_look(void **state) {
  (void)state;
  char acc[160];
  mwx_node_config cfg;
  mwx_cop_config cc;
  push_setup("look", "2022-10-14-srbm.json", acc, &cfg, &cc);
  mwx_node *n;
  mwx_cop *cop;
  serve_open("look", 21000 + (int)((getpid() + 180001) % 20000), acc, &cfg, &cc, &n, &cop);
  cop->ws_open = 1;
  mwx_node_event pic;
  memset(&pic, 0, sizeof pic);
  pic.kind = MWX_NODE_EV_PICTURE;
  pic.pass.wait_ms = -1;
  /* a look with nothing to push and no event: no frame */
  uint64_t h = cop->frame_head;
  cop_on_node_event(cop, &pic);
  assert_int_equal(cop->fused_want, 1);
  loop_for(n, 50);
  assert_int_equal(cop->fused_want, 0); /* looked at */
  assert_int_equal(cop->frame_head, h);
  /* a lazy event, then a pass's look that pushes nothing: the frame waits for COP_SEAL_LAZY_NS */
  json_t *o = json_pack("{s:s}", "type", "refused");
  cop_push_lazy(cop, o);
  cop_on_node_event(cop, &pic);
  loop_for(n, 100);
  assert_int_equal(cop->fused_want, 0);
  assert_int_equal(cop->frame_head, h); /* not sealed by the look */
  loop_for(n, 250);
  assert_int_equal(cop->frame_head, h + 1);
  const cop_frame *f = &cop->frames[h % COP_FRAMES];
  assert_int_equal(f->n_events, 1);
  assert_true(f->sealed_at - f->first_mono >= COP_SEAL_LAZY_NS);
  /* an urgent event with a look asked for: sealed within the seal interval, the look made */
  cop_push_now(cop, o);
  cop_on_node_event(cop, &pic);
  int64_t t0 = mwx_node_mono_ns();
  while (cop->frame_head == h + 1 && mwx_node_mono_ns() - t0 < 1000000000ll)
    mwx_node_loop_run_once(mwx_node_get_loop(n), 1000000);
  assert_int_equal(cop->frame_head, h + 2);
  assert_int_equal(cop->fused_want, 0);
  f = &cop->frames[(h + 1) % COP_FRAMES];
  assert_true(f->urgent_mono && f->sealed_at - f->first_mono < COP_SEAL_LAZY_NS);
  json_decref(o);
  cop->ws_open = 0;
  mwx_cop_close(cop);
  mwx_node_close(n);
}

/* The page's client for test_push_seal_write: every text message's length
 * and whether it holds the padded event whole. */
typedef struct sealw_job {
  int port;
  int fails;
  char log[4096];
  int done, stop, connected;
  int msgs;         /* text messages read */
  size_t last_len;  /* the last one's payload bytes */
  int big_whole;    /* a message held the 7,000-byte pad whole */
} sealw_job;

#define SEALW_PAD 7000

static void *sealw_client(void *vj) {
  sealw_job *j = vj;
  char body[4096], cookie[100];
  int st = page_login(j->port, cookie, body, sizeof body, NULL, 0);
  EXPECT(st == 200, "login: %d %.200s", st, body);
  int fd = ws_open_fd(j->port, cookie, 0);
  EXPECT(fd >= 0, "the page connects");
  __atomic_store_n(&j->connected, 1, __ATOMIC_SEQ_CST);
  struct pollfd pf = {.fd = fd, .events = POLLIN};
  while (fd >= 0 && !__atomic_load_n(&j->stop, __ATOMIC_SEQ_CST)) {
    if (poll(&pf, 1, 50) <= 0)
      continue;
    char *pl = NULL;
    size_t len = 0;
    int op = ws_read_msg(fd, &pl, &len);
    if (op < 0)
      break;
    if (op == 1) {
      json_t *arr = json_loads(pl, 0, NULL);
      const char *pad = json_string_value(json_object_get(json_array_get(arr, 0), "pad"));
      if (pad && strlen(pad) == SEALW_PAD)
        __atomic_store_n(&j->big_whole, 1, __ATOMIC_SEQ_CST);
      json_decref(arr);
      __atomic_store_n(&j->last_len, len, __ATOMIC_SEQ_CST);
      __atomic_add_fetch(&j->msgs, 1, __ATOMIC_SEQ_CST);
    }
    free(pl);
  }
  if (fd >= 0)
    close(fd);
  __atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* Runs n's loop until *v reaches want or 10 s pass; 1 if it did. */
static int loop_until(mwx_node *n, const int *v, int want) {
  for (int64_t end = mwx_node_mono_ns() + 10000000000ll; mwx_node_mono_ns() < end;) {
    if (__atomic_load_n(v, __ATOMIC_SEQ_CST) >= want)
      return 1;
    mwx_node_loop_run_once(mwx_node_get_loop(n), 2000000);
  }
  return __atomic_load_n(v, __ATOMIC_SEQ_CST) >= want;
}

/* A frame's write at its seal: a page that had every frame before, its
 * session looked at less than a second ago, gets the frame from the seal
 * timer itself (ws_direct; no POLLOUT round trip), in one write that the
 * socket takes whole (a 7-KB frame: lws's default cut at the protocol's
 * 4,096-byte receive buffer left the rest for the next POLLOUT,
 * ws_partial); the page's first frame, and a frame after a second without
 * a look at its session, go by its writeable callback, which looks (a node
 * with no scenario: the frames are the test's). */
static void test_push_seal_write(void **state) {
  (void)state;
  char acc[160];
  mwx_node_config cfg;
  mwx_cop_config cc;
  push_setup("sealw", "2022-10-14-srbm.json", acc, &cfg, &cc);
  cfg.scenario[0] = 0;
  sealw_job j = {.port = 21000 + (int)((getpid() + 190003) % 20000)};
  mwx_node *n;
  mwx_cop *cop;
  serve_open("sealw", j.port, acc, &cfg, &cc, &n, &cop);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, sealw_client, &j), 0);
  assert_true(loop_until(n, &j.connected, 1));
  assert_true(loop_until(n, &cop->ws_open, 1));
  assert_non_null(cop->pages);
  mwx_cop_stats st;
  /* the first frame: by the callback (the session not looked at yet) */
  json_t *o = json_pack("{s:s}", "type", "first");
  cop_push_now(cop, o);
  json_decref(o);
  assert_true(loop_until(n, &j.msgs, 1));
  mwx_cop_get_stats(cop, &st);
  assert_int_equal(st.ws_frames, 1);
  assert_int_equal(st.ws_direct, 0);
  assert_int_not_equal(cop->pages->checked_mono, 0);
  /* a 7-KB frame: written in the seal timer's turn, whole */
  char *pad = malloc(SEALW_PAD + 1);
  assert_non_null(pad);
  memset(pad, 'x', SEALW_PAD);
  pad[SEALW_PAD] = 0;
  o = json_pack("{s:s,s:s}", "type", "big", "pad", pad);
  free(pad);
  uint64_t h = cop->frame_head;
  cop_push_now(cop, o);
  json_decref(o);
  for (int64_t end = mwx_node_mono_ns() + 5000000000ll; cop->frame_head == h && mwx_node_mono_ns() < end;)
    mwx_node_loop_run_once(mwx_node_get_loop(n), 1000000);
  assert_int_equal(cop->frame_head, h + 1);
  mwx_cop_get_stats(cop, &st); /* (in the turn of the seal) */
  assert_true(cop->frames[h % COP_FRAMES].len > SEALW_PAD);
  assert_int_equal(st.ws_frames, 2);
  assert_int_equal(st.ws_direct, 1);
  assert_int_equal(st.ws_partial, 0);
  assert_int_equal(cop->pages->next, h + 1);
  assert_true(loop_until(n, &j.msgs, 2));
  assert_true(j.big_whole);
  assert_int_equal(j.last_len, cop->frames[h % COP_FRAMES].len);
  /* a second on, the session is due for a look: the next frame goes by the callback */
  int64_t looked = cop->pages->checked_mono;
  loop_for(n, 1100);
  o = json_pack("{s:s}", "type", "later");
  cop_push_now(cop, o);
  json_decref(o);
  assert_true(loop_until(n, &j.msgs, 3));
  mwx_cop_get_stats(cop, &st);
  assert_int_equal(st.ws_frames, 3);
  assert_int_equal(st.ws_direct, 1);
  assert_true(cop->pages->checked_mono > looked);
  __atomic_store_n(&j.stop, 1, __ATOMIC_SEQ_CST);
  serve_until(n, &j.done, th);
  mwx_cop_close(cop);
  mwx_node_close(n);
  if (j.fails)
    fprintf(stderr, "%s", j.log);
  assert_int_equal(j.fails, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accounts),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_accounts_file_strict),
      cmocka_unit_test(test_frame_spacing),
      cmocka_unit_test(test_events),
      cmocka_unit_test(test_web_cert),
      cmocka_unit_test(test_http_api),
      cmocka_unit_test(test_partner_drops),
      cmocka_unit_test(test_session_max_age),
      cmocka_unit_test(test_push),
      cmocka_unit_test(test_push_backlog),
      cmocka_unit_test(test_push_slow_page),
      cmocka_unit_test(test_push_three_pages),
      cmocka_unit_test(test_push_session_end),
      cmocka_unit_test(test_push_frame_latest),
      cmocka_unit_test(test_push_seal_look),
      cmocka_unit_test(test_push_seal_write),
  };
  if (getenv("TEST_COP_FILTER")) /* (one test, e.g. TEST_COP_FILTER=test_push_session_end) */
    cmocka_set_test_filter(getenv("TEST_COP_FILTER"));
  return cmocka_run_group_tests(tests, setup, teardown);
}
