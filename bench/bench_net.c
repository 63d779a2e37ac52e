/*
 * bench_net.c - latency and throughput of the coalition network: from the
 * moment KOR stamps a track (then signs and publishes it) to the moment JPN
 * holds it verified (marking checked, KOR's Ed25519 signature verified),
 * on loopback, mesh (KOR - JPN) or hub (KOR - USA relay - JPN, two DDS
 * domains), DDS Security on or off.  Each node is its own process (fork);
 * they share CLOCK_REALTIME, so one-way latency is measured directly.
 *
 *   bench_net [--topology mesh|hub] [--secure 0|1] [--rate HZ] [--count N]
 *             [--burst N] [--domain D]
 *
 * Prints one line "RESULT topology=.. secure=.. rate_hz=.. n=.. p50_us=..
 * p90_us=.. p99_us=.. max_us=.. burst_n=.. burst_recv=.. samples_per_s=.."
 * and the cost of one Ed25519 sign and verify on this machine.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/net.h"
#include "mwx/pki.h"

#define SEC 1000000000ll
#define WARMUP 100

typedef struct bench {
  char pki[300];
  int hub, secure;
  long rate, count, burst;
  unsigned domain;
  int ready[2];  /* JPN -> KOR: "I hear my partner" */
  int result[2]; /* JPN -> parent: the result line */
} bench;

static void link_cfg(mwx_net_config *c, const bench *b, const char *nation, unsigned domain, const char *partner) {
  mwx_net_config_init(c);
  snprintf(c->nation, sizeof c->nation, "%s", nation);
  snprintf(c->pki_dir, sizeof c->pki_dir, "%s", b->pki);
  c->secure = b->secure;
  mwx_net_link_config *l = &c->links[c->n_links++];
  l->domain_id = domain;
  snprintf(l->interface, sizeof l->interface, "lo");
  l->n_peers = 1;
  snprintf(l->peers[0], sizeof l->peers[0], "127.0.0.1");
  l->n_partners = 1;
  snprintf(l->partners[0], sizeof l->partners[0], "%s", partner);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

typedef struct jpn_state {
  int64_t *lat;
  long n_lat, count;
  long burst_recv;
  int64_t burst_first, burst_last;
  uint64_t last_seq;
  int partner;
} jpn_state;

static void jpn_event(void *ctx, const mwx_net_event *ev) {
  jpn_state *s = ctx;
  if (ev->kind == MWX_NET_EV_PARTNER) {
    s->partner |= ev->alive;
    return;
  }
  if (ev->kind != MWX_NET_EV_ACCEPTED || ev->msg->topic != MWX_TOPIC_TRACK)
    return;
  int64_t now = mwx_net_now_ns(); /* verified, in JPN's hands */
  uint64_t seq = ev->msg->mark.seq;
  s->last_seq = seq;
  if (seq > WARMUP && seq <= (uint64_t)(WARMUP + s->count)) {
    if (s->n_lat < s->count)
      s->lat[s->n_lat++] = now - ev->msg->u.track.time_ns;
  } else if (seq > (uint64_t)(WARMUP + s->count)) {
    if (!s->burst_recv)
      s->burst_first = now;
    s->burst_last = now;
    s->burst_recv++;
  }
}

static int run_jpn(const bench *b) {
  mwx_net_config c;
  mwx_net *n;
  link_cfg(&c, b, "JPN", b->hub ? b->domain + 1 : b->domain, b->hub ? "USA" : "KOR");
  if (mwx_net_open(&c, &n)) {
    fprintf(stderr, "JPN: %s\n", mwx_error_msg());
    return 1;
  }
  jpn_state s = {0};
  s.count = b->count;
  s.lat = calloc((size_t)b->count, sizeof *s.lat);
  int64_t end = mwx_net_now_ns() + 20 * SEC;
  while (!s.partner && mwx_net_now_ns() < end)
    mwx_net_poll(n, 10000000ll, jpn_event, &s);
  if (write(b->ready[1], "r", 1) != 1)
    return 1;
  /* until the last burst sample, or 3 s of silence */
  uint64_t last = (uint64_t)(WARMUP + b->count + b->burst);
  int64_t quiet = mwx_net_now_ns();
  end = mwx_net_now_ns() + 120 * SEC;
  while (s.last_seq < last && mwx_net_now_ns() < end && mwx_net_now_ns() - quiet < 3 * SEC) {
    uint64_t before = s.last_seq;
    mwx_net_poll(n, 10000000ll, jpn_event, &s);
    if (s.last_seq != before)
      quiet = mwx_net_now_ns();
  }
  mwx_net_close(n);
  qsort(s.lat, (size_t)s.n_lat, sizeof *s.lat, cmp_i64);
  char line[512];
#define PCT(p) (s.n_lat ? (double)s.lat[(size_t)((double)(s.n_lat - 1) * (p))] / 1000.0 : -1.0)
  double dt = (double)(s.burst_last - s.burst_first) / 1e9;
  snprintf(line, sizeof line,
           "RESULT topology=%s secure=%d rate_hz=%ld n=%ld p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f "
           "burst_n=%ld burst_recv=%ld samples_per_s=%.0f\n",
           b->hub ? "hub" : "mesh", b->secure, b->rate, s.n_lat, PCT(0.50), PCT(0.90), PCT(0.99), PCT(1.0), b->burst,
           s.burst_recv, s.burst_recv > 1 && dt > 0 ? (double)(s.burst_recv - 1) / dt : 0.0);
#undef PCT
  free(s.lat);
  return write(b->result[1], line, strlen(line)) > 0 ? 0 : 1;
}

static int run_usa(const bench *b) {
  mwx_net_config c;
  mwx_net *n;
  link_cfg(&c, b, "USA", b->domain, "KOR");
  mwx_net_link_config *l = &c.links[c.n_links++];
  *l = c.links[0];
  l->domain_id = b->domain + 1;
  snprintf(l->partners[0], sizeof l->partners[0], "JPN");
  c.role = MWX_NET_HUB_RELAY;
  if (mwx_net_open(&c, &n)) {
    fprintf(stderr, "USA: %s\n", mwx_error_msg());
    return 1;
  }
  for (;;) /* until killed by the parent */
    mwx_net_poll(n, 100000000ll, NULL, NULL);
}

static void sleep_until(int64_t t_ns) {
  struct timespec ts = {(time_t)(t_ns / SEC), (long)(t_ns % SEC)};
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

static int kor_send(mwx_net *n, long seq) {
  mwx_msg m;
  int rc = mwx_net_test_track(n, (uint32_t)(seq % 16), (uint64_t)seq, "JPN,KOR,USA", &m);
  return rc ? rc : mwx_net_sign_publish(n, &m);
}

static int run_kor(const bench *b) {
  mwx_net_config c;
  mwx_net *n;
  link_cfg(&c, b, "KOR", b->domain, b->hub ? "USA" : "JPN");
  if (mwx_net_open(&c, &n)) {
    fprintf(stderr, "KOR: %s\n", mwx_error_msg());
    return 1;
  }
  if (mwx_net_wait_reader(n, 0, "rel.JPN.KOR.USA", b->hub ? "USA" : "JPN", 20 * SEC)) {
    fprintf(stderr, "KOR: %s\n", mwx_error_msg());
    return 1;
  }
  char r;
  if (read(b->ready[0], &r, 1) != 1)
    return 1;
  long seq = 0;
  int64_t t = mwx_net_now_ns();
  for (int i = 0; i < WARMUP; i++) { /* warm-up: paths, caches, handshakes done */
    t += 2000000;
    sleep_until(t);
    if (kor_send(n, ++seq))
      goto fail;
  }
  int64_t period = SEC / (b->rate > 0 ? b->rate : 1);
  t = mwx_net_now_ns();
  for (long i = 0; i < b->count; i++) {
    t += period;
    sleep_until(t);
    if (kor_send(n, ++seq))
      goto fail;
  }
  mwx_net_wait_acks(n, 10 * SEC);
  int64_t t0 = mwx_net_now_ns();
  for (long i = 0; i < b->burst; i++) {
    mwx_msg m;
    ++seq;
    /* distinct instances: keep-last must not replace unread burst samples */
    if (mwx_net_test_track(n, (uint32_t)(1000 + i), (uint64_t)seq, "JPN,KOR,USA", &m) || mwx_net_sign_publish(n, &m))
      goto fail;
  }
  int64_t t1 = mwx_net_now_ns();
  mwx_net_wait_acks(n, 30 * SEC);
  fprintf(stderr, "KOR: burst of %ld published in %.3f s (%.0f samples/s at the sender)\n", b->burst,
          (double)(t1 - t0) / 1e9, b->burst ? (double)b->burst / ((double)(t1 - t0) / 1e9) : 0.0);
  sleep_until(mwx_net_now_ns() + SEC / 2);
  mwx_net_close(n);
  return 0;
fail:
  fprintf(stderr, "KOR: %s\n", mwx_error_msg());
  mwx_net_close(n);
  return 1;
}

static void crypto_cost(const char *pki) {
  char path[400];
  mwx_msg_key *priv, *pub;
  snprintf(path, sizeof path, "%s/KOR/origin.key", pki);
  if (mwx_msg_key_load_private(path, &priv))
    return;
  snprintf(path, sizeof path, "%s/origin/KOR.pub", pki);
  if (mwx_msg_key_load_public(path, &pub)) {
    mwx_msg_key_free(priv);
    return;
  }
  mwx_msg m;
  memset(&m, 0, sizeof m);
  m.topic = MWX_TOPIC_TRACK;
  memcpy(m.mark.originator, "KOR", 4);
  mwx_msg_marking_add(&m.mark, "KOR");
  mwx_msg_marking_add(&m.mark, "JPN");
  const int n = 2000;
  int64_t t0 = mwx_net_now_ns();
  for (int i = 0; i < n; i++) {
    m.mark.seq = (uint64_t)i;
    mwx_msg_sign(&m, priv);
  }
  int64_t t1 = mwx_net_now_ns();
  for (int i = 0; i < n; i++)
    mwx_msg_verify(&m, pub);
  int64_t t2 = mwx_net_now_ns();
  printf("CRYPTO ed25519_sign_us=%.1f ed25519_verify_us=%.1f\n", (double)(t1 - t0) / n / 1000.0,
         (double)(t2 - t1) / n / 1000.0);
  mwx_msg_key_free(priv);
  mwx_msg_key_free(pub);
}

int main(int argc, char **argv) {
  bench b;
  memset(&b, 0, sizeof b);
  b.secure = 1;
  b.rate = 1000;
  b.count = 5000;
  b.burst = 20000;
  b.domain = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--topology"))
      b.hub = !strcmp(v, "hub");
    else if (!strcmp(k, "--secure"))
      b.secure = atoi(v);
    else if (!strcmp(k, "--rate"))
      b.rate = atol(v);
    else if (!strcmp(k, "--count"))
      b.count = atol(v);
    else if (!strcmp(k, "--burst"))
      b.burst = atol(v);
    else if (!strcmp(k, "--domain"))
      b.domain = (unsigned)atoi(v);
    else {
      fprintf(stderr, "usage: bench_net [--topology mesh|hub] [--secure 0|1] [--rate HZ] [--count N] [--burst N] "
                      "[--domain D]\n");
      return 2;
    }
  }
  if (b.count < 1 || b.rate < 1 || b.burst < 0) {
    fprintf(stderr, "bench_net: bad count, rate or burst\n");
    return 2;
  }
  char dir[] = "/tmp/mwx_bench_net.XXXXXX";
  if (!mkdtemp(dir))
    return 1;
  snprintf(b.pki, sizeof b.pki, "%s/pki", dir);
  if (mwx_pki_init(b.pki, "KOR,JPN,USA", 0, 1)) {
    fprintf(stderr, "bench_net: %s\n", mwx_error_msg());
    return 1;
  }
  crypto_cost(b.pki);
  if (pipe(b.ready) || pipe(b.result))
    return 1;
  fflush(NULL);
  pid_t usa = 0, jpn, kor;
  if (b.hub && (usa = fork()) == 0)
    _exit(run_usa(&b));
  if ((jpn = fork()) == 0)
    _exit(run_jpn(&b));
  if ((kor = fork()) == 0)
    _exit(run_kor(&b));
  close(b.result[1]);
  char line[512] = "";
  ssize_t got = read(b.result[0], line, sizeof line - 1);
  int st, ok = got > 0;
  if (ok) {
    line[got] = '\0';
    fputs(line, stdout);
  }
  waitpid(jpn, &st, 0);
  ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  waitpid(kor, &st, 0);
  ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  if (usa) {
    kill(usa, SIGKILL);
    waitpid(usa, NULL, 0);
  }
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "bench_net: could not remove %s\n", dir);
  return ok ? 0 : 1;
}
