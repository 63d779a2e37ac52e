/*
 * mwxd.c - the mwx node daemon.  For now the network part: joins the
 * coalition as configured (secured participants, partitions, relay if it is
 * the hub), logs every received / verified / dropped sample and partner
 * change on stdout, and can publish test tracks.  Sensors, tracking and the
 * web page are wired in by the node module later.
 *
 *   mwxd --config FILE [--publish-test N] [--rel KOR,JPN] [--interval-ms M]
 *        [--wait-partner NAT] [--run-s S]
 *
 * Stops on SIGINT / SIGTERM (or after --run-s seconds).
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "mwx/net.h"

typedef struct daemon_state {
  const char *nation;
} daemon_state;

static void stamp(char *buf, size_t cap) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t w = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + w, cap - w, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void on_event(void *ctx, const mwx_net_event *ev) {
  const daemon_state *d = ctx;
  char line[512], ts[40];
  mwx_net_event_format(ev, line, sizeof line);
  stamp(ts, sizeof ts);
  printf("%s %s %s\n", ts, d->nation, line);
  fflush(stdout);
}

static int parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || errno || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static void usage(FILE *f) {
  fprintf(f, "usage: mwxd --config FILE [--publish-test N] [--rel CODES] [--interval-ms M]\n"
             "            [--wait-partner NAT] [--run-s S]\n"
             "  --config FILE      node configuration (JSON, see docs/operations.md)\n"
             "  --publish-test N   publish N signed test tracks (ids <NAT>-T1..N)\n"
             "  --rel CODES        their releasability (default: the whole coalition)\n"
             "  --interval-ms M    between test tracks (default 100)\n"
             "  --wait-partner NAT wait (up to 30 s) for NAT's readers before publishing\n"
             "  --run-s S          stop after S seconds\n");
}

int main(int argc, char **argv) {
  const char *config = NULL, *rel = NULL, *wait_partner = NULL;
  long publish = 0, interval_ms = 100, run_s = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--config") && v)
      config = argv[++i];
    else if (!strcmp(a, "--rel") && v)
      rel = argv[++i];
    else if (!strcmp(a, "--wait-partner") && v)
      wait_partner = argv[++i];
    else if (!strcmp(a, "--publish-test") && v && !parse_int(v, 0, 100000000, &publish))
      i++;
    else if (!strcmp(a, "--interval-ms") && v && !parse_int(v, 0, 3600000, &interval_ms))
      i++;
    else if (!strcmp(a, "--run-s") && v && !parse_int(v, 1, 100000000, &run_s))
      i++;
    else {
      fprintf(stderr, "mwxd: bad argument '%s'\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!config) {
    usage(stderr);
    return 2;
  }
  mwx_net_config cfg;
  int rc = mwx_net_config_load(config, &cfg);
  if (rc) {
    fprintf(stderr, "mwxd: %s\n", mwx_error_msg());
    return 2;
  }
  /* node-level keys, used once the node module is wired in */
  json_t *root = json_load_file(config, 0, NULL);
  const char *journal = root ? json_string_value(json_object_get(root, "journal")) : NULL;
  json_int_t web_port = root ? json_integer_value(json_object_get(root, "web_port")) : 0;

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, NULL);

  mwx_net *n;
  if ((rc = mwx_net_open(&cfg, &n))) {
    fprintf(stderr, "mwxd %s: %s\n", cfg.nation, mwx_error_msg());
    json_decref(root);
    return 1;
  }
  daemon_state d = {cfg.nation};
  char ts[40];
  stamp(ts, sizeof ts);
  printf("%s %s UP links=%d role=%s secure=%d journal=%s web_port=%lld\n", ts, cfg.nation, cfg.n_links,
         cfg.role == MWX_NET_HUB_RELAY ? "hub-relay" : "mesh", cfg.secure, journal ? journal : "-",
         (long long)web_port);
  fflush(stdout);
  json_decref(root);

  if (wait_partner && publish > 0) {
    char part[MWX_PKI_PARTITION_LEN];
    mwx_msg probe;
    if ((rc = mwx_net_test_track(n, 0, 0, rel, &probe)) ||
        (rc = mwx_net_partition_of(&probe.mark, part, sizeof part)) ||
        (rc = mwx_net_wait_reader(n, 0, part, wait_partner, 30000000000ll))) {
      fprintf(stderr, "mwxd %s: %s\n", cfg.nation, mwx_error_msg());
      mwx_net_close(n);
      return 1;
    }
  }

  int64_t start = mwx_net_now_ns(), next_pub = start;
  long sent = 0;
  int status = 0;
  for (;;) {
    struct timespec zero = {0, 0};
    if (sigtimedwait(&stop, NULL, &zero) > 0)
      break;
    int64_t now = mwx_net_now_ns();
    if (run_s && now - start >= run_s * 1000000000ll)
      break;
    if (sent < publish && now >= next_pub) {
      mwx_msg m;
      sent++;
      if ((rc = mwx_net_test_track(n, (uint32_t)sent, (uint64_t)sent, rel, &m)) || (rc = mwx_net_sign_publish(n, &m))) {
        fprintf(stderr, "mwxd %s: publish: %s\n", cfg.nation, mwx_error_msg());
        status = 1;
        break;
      }
      char part[MWX_PKI_PARTITION_LEN];
      mwx_net_partition_of(&m.mark, part, sizeof part);
      stamp(ts, sizeof ts);
      printf("%s %s PUBLISHED topic=Track seq=%ld id=%s partition=%s\n", ts, cfg.nation, sent, m.u.track.local_track_id,
             part);
      fflush(stdout);
      next_pub = now + interval_ms * 1000000ll;
    }
    int64_t wait = sent < publish ? next_pub - mwx_net_now_ns() : 100000000ll;
    if (wait > 100000000ll)
      wait = 100000000ll;
    if (wait < 1)
      wait = 1;
    if ((rc = mwx_net_poll(n, wait, on_event, &d)) < 0) {
      fprintf(stderr, "mwxd %s: %s\n", cfg.nation, mwx_error_msg());
      status = 1;
      break;
    }
  }
  mwx_net_stats st;
  mwx_net_get_stats(n, &st);
  stamp(ts, sizeof ts);
  printf("%s %s DOWN published=%llu accepted=%llu dropped=%llu relayed=%llu\n", ts, cfg.nation,
         (unsigned long long)st.published, (unsigned long long)st.accepted, (unsigned long long)st.dropped,
         (unsigned long long)st.relayed);
  fflush(stdout);
  mwx_net_close(n);
  return status;
}
