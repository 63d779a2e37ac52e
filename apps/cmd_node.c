/*
 * cmd_node.c - "mwx node": the full node of one nation (what mwxd runs):
 * its sensors (the scenario of the configuration, played in real time or
 * faster), tracking, assessment, release, signing, journal, DDS publish
 * and receive (relay in hub mode).
 *
 *   mwx node --config FILE [--run-s S] [--log all|received|none]
 *
 * Prints one line per event: what this nation releases ("KOR -> JPN ..."),
 * holds, and receives ("JPN <- KOR Track KOR-T1 seq=5 verified, 2.3 ms
 * after plot").  Stops on SIGINT / SIGTERM (a signalfd in the node's
 * loop), after --run-s seconds, or linger_s after the scenario ends.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx_cmd.h"

typedef struct daemon_ctx {
  const char *nation;
  int log; /* 2 all, 1 received and partners, 0 none */
  int64_t epoch_ns;
  mwx_node *node;
} daemon_ctx;

static const char *msg_id(const mwx_msg *m) {
  switch (m->topic) {
  case MWX_TOPIC_TRACK: return m->u.track.local_track_id;
  case MWX_TOPIC_LAUNCH: return m->u.launch.local_track_id;
  case MWX_TOPIC_IMPACT: return m->u.impact.local_track_id;
  case MWX_TOPIC_ALERT: return m->u.alert.alert_id;
  case MWX_TOPIC_STATUS: return m->u.status.node_id;
  default: return "-";
  }
}

void mwx_cmd_node_event_line(FILE *f, const char *nation, int64_t epoch_ns, const mwx_node_event *ev) {
  const mwx_msg *m = ev->msg;
  double t = (double)(ev->sim_ns - epoch_ns) / 1e9;
  switch (ev->kind) {
  case MWX_NODE_EV_RECEIVED:
    fprintf(f, "%s <- %s %s %s seq=%llu rule=%s verified", nation, ev->partner,
            mwx_msg_topic_name((mwx_msg_topic)m->topic), msg_id(m), (unsigned long long)m->mark.seq, m->mark.rule_id);
    if (ev->latency_ms >= 0)
      fprintf(f, ", %.1f ms after %s", ev->latency_ms, m->topic == MWX_TOPIC_TRACK ? "plot" : "its time");
    fprintf(f, " (t=%+.0fs, record %llu)\n", t, (unsigned long long)ev->record_id);
    break;
  case MWX_NODE_EV_DROPPED:
    fprintf(f, "%s <- %s DROPPED %s (record %llu)\n", nation, ev->partner, ev->detail,
            (unsigned long long)ev->record_id);
    break;
  case MWX_NODE_EV_PARTNER:
    fprintf(f, "%s partner %s %s\n", nation, ev->partner, ev->alive ? "alive" : "lost");
    break;
  case MWX_NODE_EV_DONE:
    fprintf(f, "%s scenario over (t=%+.0fs)\n", nation, t);
    break;
  default:
    mwx_cmd_run_event_line(f, nation, epoch_ns, ev);
  }
}

static void on_event(void *vc, const mwx_node_event *ev) {
  daemon_ctx *c = vc;
  int received = ev->kind == MWX_NODE_EV_RECEIVED || ev->kind == MWX_NODE_EV_DROPPED ||
                 ev->kind == MWX_NODE_EV_PARTNER || ev->kind == MWX_NODE_EV_DONE;
  if (c->log == 2 || (c->log == 1 && received)) {
    mwx_cmd_node_event_line(stdout, c->nation, c->epoch_ns, ev);
    fflush(stdout);
  }
}

static void on_signal(mwx_node_loop *l, int fd, short rev, void *ctx) {
  (void)l;
  (void)rev;
  struct signalfd_siginfo si;
  if (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
    mwx_node_stop(ctx);
}

static int64_t on_deadline(mwx_node_loop *l, void *ctx) {
  (void)l;
  mwx_node_stop(ctx);
  return MWX_NODE_TIMER_DONE;
}

int mwx_cmd_node_run(const char *prog, const char *config, long run_s, int log) {
  mwx_node_config cfg;
  int rc = mwx_node_config_load(config, &cfg);
  if (rc) {
    fprintf(stderr, "%s: %s\n", prog, mwx_error_msg());
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  int sfd = signalfd(-1, &stop, SFD_CLOEXEC);
  daemon_ctx c = {cfg.nation, log, 0, NULL};
  mwx_node *n = NULL;
  if (sfd < 0 || (rc = mwx_node_open(&cfg, on_event, &c, &n))) {
    fprintf(stderr, "%s %s: %s\n", prog, cfg.nation, sfd < 0 ? strerror(errno) : mwx_error_msg());
    if (sfd >= 0)
      close(sfd);
    return 1;
  }
  c.node = n;
  c.epoch_ns = mwx_node_epoch_ns(n);
  mwx_node_loop *l = mwx_node_get_loop(n);
  if ((rc = mwx_node_loop_fd_add(l, sfd, POLLIN, on_signal, n)) ||
      (run_s > 0 && (rc = mwx_node_loop_timer_add(l, run_s * 1000000000ll, on_deadline, n, NULL)))) {
    fprintf(stderr, "%s %s: %s\n", prog, cfg.nation, mwx_error_msg());
    mwx_node_close(n);
    close(sfd);
    return 1;
  }
  printf("%s UP journal=%s policy=%s scenario=%s speed=%g links=%d secure=%d role=%s\n", cfg.nation, cfg.journal,
         cfg.policy, cfg.scenario[0] ? cfg.scenario : "-", cfg.speed, cfg.net.n_links, cfg.net.secure,
         cfg.net.role == MWX_NET_HUB_RELAY ? "hub-relay" : "mesh");
  fflush(stdout);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  rc = mwx_node_run(n);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  if (rc)
    fprintf(stderr, "%s %s: %s\n", prog, cfg.nation, mwx_error_msg());
  printf("%s DOWN received=%llu dropped=%llu publish_errors=%llu\n", cfg.nation, (unsigned long long)st.received,
         (unsigned long long)st.dropped, (unsigned long long)st.publish_errors);
  mwx_cmd_run_summary(stdout, &st, cfg.nation,
                      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, 0);
  fflush(stdout);
  mwx_node_close(n);
  close(sfd);
  return rc ? 1 : 0;
}

static void help(FILE *f) {
  fprintf(f, "usage: mwx node --config FILE [--run-s S] [--log all|received|none]\n"
             "  --config FILE  node configuration (JSON, docs/operations.md)\n"
             "  --run-s S      stop after S seconds\n"
             "  --log          which events to print (default all)\n");
}

int mwx_cmd_node(int argc, char **argv) {
  const char *config = NULL;
  long run_s = 0;
  int log = 2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(stdout);
      return 0;
    } else if (!strcmp(a, "--config") && v)
      config = argv[++i];
    else if (!strcmp(a, "--run-s") && v) {
      char *end;
      run_s = strtol(v, &end, 10);
      if (!*v || *end || run_s < 1) {
        fprintf(stderr, "mwx node: --run-s needs a number of seconds >= 1\n");
        return 2;
      }
      i++;
    } else if (!strcmp(a, "--log") && v) {
      log = !strcmp(v, "all") ? 2 : !strcmp(v, "received") ? 1 : !strcmp(v, "none") ? 0 : -1;
      if (log < 0) {
        fprintf(stderr, "mwx node: --log is all, received or none\n");
        return 2;
      }
      i++;
    } else {
      fprintf(stderr, "mwx node: bad argument '%s'\n", a);
      help(stderr);
      return 2;
    }
  }
  if (!config) {
    help(stderr);
    return 2;
  }
  return mwx_cmd_node_run("mwx node", config, run_s, log);
}
