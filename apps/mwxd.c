/*
 * mwxd.c - the mwx node daemon: one nation's full node (mwx_node): its
 * sensors (the configured scenario played in real time or faster), tracking,
 * assessment, release under its policy, signing, journal, DDS publish and
 * receive with origin checks, relay in hub mode.  Everything runs on the
 * node's one event loop; SIGINT / SIGTERM arrive there through a signalfd.
 *
 *   mwxd --config FILE [--run-s S] [--log all|received|json|json-received|none]
 *        [--web-port P] [--web-bind ADDR] [--insecure-local] [--stages]
 *
 * prints one line per node event (mwx_node_event_format; a subscriber of
 * mwx_node_subscribe like the web picture) and the counters at the end.
 * With "web_port" in the configuration (or --web-port) it serves the
 * nation's picture over HTTPS (mwx/cop.h, docs/api.md) on the same loop;
 * --insecure-local serves plain HTTP, refused unless bound to loopback.  A configuration without a "journal" key, or --publish-test,
 * runs the network alone (no sensors, no journal): it logs every received /
 * verified / dropped sample and partner change and can publish test tracks
 * - the tool of the network tests:
 *
 *   mwxd --config FILE [--publish-test N] [--rel KOR,JPN] [--interval-ms M]
 *        [--wait-partner NAT] [--run-s S]
 */
#include <errno.h>
#include <poll.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "mwx/ballistic.h"
#include "mwx/cop.h"
#include "mwx/error.h"
#include "mwx/geo.h"
#include "mwx/journal.h"
#include "mwx/json.h"
#include "mwx/net.h"
#include "mwx/node.h"
#include "mwx/text.h"
#include "mwx/zone.h"

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

/* The value of option opt within [lo, hi]; a bad one ends the program with
 * status 2 and a message naming the option and its range. */
static int parse_int(const char *opt, const char *s, long lo, long hi, long *out) {
  int64_t v;
  if (mwx_text_parse_i64(s, lo, hi, opt, &v)) {
    fprintf(stderr, "mwxd: %s\n", mwx_error_msg());
    exit(2);
  }
  *out = (long)v;
  return 0;
}

static void usage(FILE *f) {
  fprintf(f, "usage: mwxd --config FILE [--run-s S] [--log all|received|json|json-received|none]\n"
             "            [--web-port P] [--web-bind ADDR] [--insecure-local] [--stages]\n"
             "       mwxd --config FILE [--publish-test N] [--rel CODES] [--interval-ms M]\n"
             "            [--wait-partner NAT] [--run-s S]\n"
             "  --config FILE      node configuration (JSON, see docs/operations.md)\n"
             "  --log WHAT         full node: events printed (default all; json: one mwx_node_event_json\n"
             "                     object a line, every event but the own samples; json-received: the\n"
             "                     events of received (partners' samples, drops, partners, done))\n"
             "  --web-port P       full node: serve the web picture on port P (overrides web_port)\n"
             "  --web-bind ADDR    its address (default web_bind, else 127.0.0.1)\n"
             "  --insecure-local   plain HTTP instead of HTTPS: development only, loopback only\n"
             "  --stages           full node: a STAGES line (CLOCK_REALTIME ns of each stage, node.h\n"
             "                     mwx_node_stage) per copy published and per partner's sample held\n"
             "  --publish-test N   network only: publish N signed test tracks (ids <NAT>-T1..N)\n"
             "  --rel CODES        their releasability (default: the whole coalition)\n"
             "  --interval-ms M    between test tracks (default 100)\n"
             "  --wait-partner NAT wait (up to 30 s) for NAT's readers before publishing\n"
             "  --run-s S          stop after S seconds\n");
}

/* ---- the full node ---------------------------------------------------- */

typedef struct node_ctx {
  const char *nation;
  int log; /* 4 json-received, 3 json, 2 all, 1 received and partners, 0 none */
  int stages; /* --stages: a STAGES line per copy published and per sample held */
  int64_t epoch_ns;
  mwx_node *n; /* the tables' sizes on the MEM line (the cheap counters) */
} node_ctx;

/* The diagnostic events (mwx_node_subscribe_diag): one SLOWPASS line per
 * step of at least slow_pass_ms (its time by profile part), one MEM line per
 * memory report (online, at each NodeStatus: the memory by owner, the
 * memory worker's trim, the tables' sizes).  Returns 1 if ev was one. */
static int print_diag(const node_ctx *c, const mwx_node_event *ev) {
  if (ev->kind == MWX_NODE_EV_SLOWPASS && ev->slow) {
    const mwx_node_slow_pass *sp = ev->slow;
    char buf[512];
    int k = snprintf(buf, sizeof buf, "%s SLOWPASS ms=%.1f cpu_ms=%.1f plots=%llu out=%llu status=%d sim_s=%.1f |",
                     c->nation, sp->wall_ms, sp->cpu_ms, (unsigned long long)sp->plots, (unsigned long long)sp->out,
                     sp->status, (double)(sp->sim_ns - c->epoch_ns) / 1e9);
    for (int i = 1; i < MWX_NODE_PROF_COUNT && k > 0 && k < (int)sizeof buf - 32; i++)
      k += snprintf(buf + k, sizeof buf - (size_t)k, " %s=%.1f", mwx_node_prof_name((mwx_node_prof_part)i),
                    sp->part_ms[i]);
    printf("%s\n", buf);
    fflush(stdout);
    return 1;
  }
  if (ev->kind == MWX_NODE_EV_MEMORY && ev->mem) {
    const mwx_node_memory *m = ev->mem;
    mwx_node_stats st;
    mwx_node_get_stats(c->n, &st);
    uint64_t owned = m->tracker_heap_bytes + m->journal_heap_bytes + m->fuser_heap_bytes + m->node_tables_bytes;
    printf("%s MEM sim_s=%.0f rss_kb=%llu heap_used_kb=%llu heap_free_kb=%llu tracker_kb=%llu journal_kb=%llu"
           " fuser_kb=%llu tables_kb=%llu rest_kb=%llu"
           " free_before_kb=%llu trim_ms=%.2f%s shrinks=%llu | tracks=%llu slots=%llu latest=%llu\n",
           c->nation, (double)(m->sim_ns - c->epoch_ns) / 1e9, (unsigned long long)m->rss_bytes / 1024,
           (unsigned long long)m->heap_used_bytes / 1024, (unsigned long long)m->heap_free_bytes / 1024,
           (unsigned long long)m->tracker_heap_bytes / 1024, (unsigned long long)m->journal_heap_bytes / 1024,
           (unsigned long long)m->fuser_heap_bytes / 1024, (unsigned long long)m->node_tables_bytes / 1024,
           (unsigned long long)(m->heap_used_bytes > owned ? m->heap_used_bytes - owned : 0) / 1024,
           (unsigned long long)m->free_before_bytes / 1024, m->trim_ms, m->trimmed ? "" : " (no trim)",
           (unsigned long long)m->shrinks,
           (unsigned long long)st.tracks_held, (unsigned long long)st.tracker_slots,
           (unsigned long long)st.picture_entries);
    fflush(stdout);
    return 1;
  }
  return 0;
}

static void on_node_event(void *vc, const mwx_node_event *ev) {
  node_ctx *c = vc;
  if (print_diag(c, ev))
    return;
  if (c->stages && (ev->kind == MWX_NODE_EV_RELEASED || ev->kind == MWX_NODE_EV_APPROVED ||
                    ev->kind == MWX_NODE_EV_RECEIVED)) {
    char line[512];
    if (!mwx_node_stages_format(c->nation, ev, line, sizeof line) &&
        (ev->kind == MWX_NODE_EV_RECEIVED || ev->stage_ns[MWX_NODE_STAGE_PUBLISHED])) {
      printf("%s\n", line);
      fflush(stdout);
    }
  }
  int rx = ev->kind == MWX_NODE_EV_RECEIVED || ev->kind == MWX_NODE_EV_DROPPED || ev->kind == MWX_NODE_EV_PARTNER ||
           ev->kind == MWX_NODE_EV_DONE;
  if (ev->kind == MWX_NODE_EV_SAMPLE || ev->kind == MWX_NODE_EV_PICTURE) /* the own and fused pictures: for the web page, not the log */
    return;
  if (c->log >= 3) { /* one JSON object a line: the event interface's own form */
    if (c->log == 4 && !rx)
      return;
    json_t *o = NULL;
    char *text = NULL;
    if (!mwx_node_event_json(c->nation, c->epoch_ns, ev, &o) && (text = json_dumps(o, JSON_COMPACT))) {
      printf("%s\n", text);
      fflush(stdout);
    }
    free(text);
    json_decref(o);
    return;
  }
  if (c->log == 2 || (c->log == 1 && rx)) {
    char line[512];
    mwx_node_event_format(c->nation, c->epoch_ns, ev, line, sizeof line);
    printf("%s\n", line);
    fflush(stdout);
  }
}

typedef struct picture_ctx {
  const char *nation;
  int64_t epoch_ns;
  int json; /* 1: one mwx_node_fused_json object a line */
} picture_ctx;

/* One line per entry of the fused picture (one per missile): its global
 * number, class, contributing nations, launch point, impact point with its
 * 95% ellipse, zone and the latest alert. */
static void print_picture(void *vc, const mwx_node_fused_entry *e) {
  const picture_ctx *c = vc;
  if (c->json) {
    json_t *o = NULL;
    char *text = NULL;
    if (!mwx_node_fused_json(c->nation, c->epoch_ns, e, &o) && (text = json_dumps(o, JSON_COMPACT)))
      printf("%s\n", text);
    free(text);
    json_decref(o);
    return;
  }
  char con[4 * MWX_MAX_NATIONS + 1] = "";
  for (int k = 0; k < e->n_contributors; k++)
    snprintf(con + strlen(con), sizeof con - strlen(con), "%s%.3s", k ? "," : "", e->contributors[k]);
  printf("%s PICTURE G%u %s from %s, %s at t=%+.0fs %.2f N %.2f E %.0f km", c->nation, e->global_track_no,
         e->has_impact ? mwx_ballistic_class_name((mwx_ballistic_class)e->impact.missile_class) : "?", con,
         e->fallen ? "last seen" : "now", (double)(e->t_ns - c->epoch_ns) / 1e9, e->lat_deg, e->lon_deg, e->h_m / 1e3);
  printf("; members");
  for (int k = 0; k < e->n_members; k++)
    printf(" %.*s", MWX_ID_LEN, e->member[k]);
  if (e->has_launch)
    printf("; launch %.2f N %.2f E t=%+.0fs (%.3s, 95%% %.1f km)", e->launch.lat_deg, e->launch.lon_deg,
           (double)(e->launch.launch_time_ns - c->epoch_ns) / 1e9, e->launch_from, e->launch.err_major_km);
  if (e->has_impact)
    printf("; impact %.2f N %.2f E t=%+.0fs, 95%% %.1f x %.1f km, %s %.3s", e->impact.lat_deg, e->impact.lon_deg,
           (double)(e->impact.impact_time_ns - c->epoch_ns) / 1e9, e->impact.ell_major_km, e->impact.ell_minor_km,
           mwx_zone_kind_name((mwx_zone_kind)e->impact.zone), e->impact.zone_nation);
  if (e->has_alert)
    printf("; alert %s severity %u %s", e->alert.alert_id, e->alert.severity, e->alert_active ? "active" : "cancelled");
  printf("\n");
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

typedef struct web_opts {
  long port;            /* 0: from the configuration */
  const char *bind;     /* NULL: from the configuration */
  int insecure_local;
} web_opts;

/* The PROFILE line: the loop thread's time per part, percent of the time
 * in the node's passes (and busy: passes over wall). */
static void print_profile(const char *nation, const mwx_node *n) {
  mwx_node_profile p;
  mwx_node_get_profile(n, &p);
  int64_t busy = p.wall_ns - p.part_ns[MWX_NODE_PROF_OUTSIDE];
  char line[768];
  int w = snprintf(line, sizeof line, "%s PROFILE passes=%llu busy=%.1f%% of %.1f s (loop thread, wall time) |",
                   nation, (unsigned long long)p.passes, p.wall_ns ? 100.0 * (double)busy / (double)p.wall_ns : 0.0,
                   (double)p.wall_ns / 1e9);
  for (int i = 1; i < MWX_NODE_PROF_COUNT && w > 0 && (size_t)w < sizeof line; i++)
    w += snprintf(line + w, sizeof line - (size_t)w, " %s=%.1f%% (%.0f ms)", mwx_node_prof_name((mwx_node_prof_part)i),
                  busy > 0 ? 100.0 * (double)p.part_ns[i] / (double)busy : 0.0, (double)p.part_ns[i] / 1e6);
  printf("%s\n", line);
}

/* The BOUNDS line: every queue and table, its size or high-water mark
 * against its bound, and its overflow counter (node.h mwx_node_stats). */
static void print_bounds(const char *nation, const mwx_node_stats *st, const mwx_node_memory *m,
                         const mwx_node_config *cfg) {
  printf("%s BOUNDS handover max=%llu/%llu dropped=%llu | rx_pend max=%llu | out max=%llu impacts deferred=%llu | fit_queue cap=%d"
         " workers=%d dropped=%llu | tracks held=%llu/%d evicted=%llu forgotten=%llu | tracker slots=%llu/%llu"
         " live max=%llu refused=%llu pending dropped=%llu | latest samples=%llu/%d retired=%llu evicted=%llu dropped=%llu | fused dropped=%llu"
         " | alerts forgotten=%llu | verify threads=%d max=%llu/%d shared=%llu full=%llu | sign threads=%d by_worker=%llu full=%llu | heap used=%.1f free=%.1f tracker=%.1f journal=%.1f fuser=%.1f tables=%.1f rss=%.1f MB trims=%llu (skipped %llu) max=%.2f ms mmap_threshold=%d kB\n",
         nation, (unsigned long long)st->handover_max, (unsigned long long)st->handover_cap,
         (unsigned long long)st->handover_dropped, (unsigned long long)st->rx_pend_max,
         (unsigned long long)st->out_max, (unsigned long long)st->impacts_deferred, cfg->fit_queue, cfg->fit_workers, (unsigned long long)st->fits_dropped,
         (unsigned long long)st->tracks_held, cfg->max_tracks, (unsigned long long)st->tracks_evicted,
         (unsigned long long)st->tracks_forgotten, (unsigned long long)st->tracker_slots,
         (unsigned long long)st->tracker_bound, (unsigned long long)st->tracker_live_max,
         (unsigned long long)st->tracks_refused, (unsigned long long)st->pending_dropped,
         (unsigned long long)st->picture_entries, MWX_FUSE_LATEST_MAX, (unsigned long long)st->picture_retired,
         (unsigned long long)st->picture_evicted,
         (unsigned long long)st->picture_dropped, (unsigned long long)st->fused_dropped,
         (unsigned long long)st->alerts_forgotten, st->verify_threads, (unsigned long long)st->verify_max,
         MWX_NET_VERIFY_BATCH, (unsigned long long)st->verify_batches, (unsigned long long)st->verify_full,
         st->sign_threads, (unsigned long long)st->signed_by_worker, (unsigned long long)st->sign_full,
         (double)m->heap_used_bytes / 1048576.0, (double)m->heap_free_bytes / 1048576.0,
         (double)m->tracker_heap_bytes / 1048576.0, (double)m->journal_heap_bytes / 1048576.0,
         (double)m->fuser_heap_bytes / 1048576.0, (double)m->node_tables_bytes / 1048576.0,
         (double)m->rss_bytes / 1048576.0, (unsigned long long)m->trims, (unsigned long long)m->trims_skipped, (double)m->trim_max_ns / 1e6,
         m->mmap_threshold_kb);
}

static int node_main(const char *config, long run_s, int log, int stages, const web_opts *wo) {
  mwx_node_config cfg;
  int rc = mwx_node_config_load(config, &cfg);
  if (rc) {
    fprintf(stderr, "mwxd: %s\n", mwx_error_msg());
    return 2;
  }
  mwx_cop_config wcfg;
  int web = 0;
  if ((rc = mwx_cop_config_load(config, &wcfg, &web))) {
    fprintf(stderr, "mwxd: %s\n", mwx_error_msg());
    return 2;
  }
  if (wo->port) {
    if (!web && !wcfg.accounts[0]) {
      fprintf(stderr, "mwxd: --web-port needs web_accounts in %s\n", config);
      return 2;
    }
    wcfg.port = (int)wo->port;
    web = 1;
  }
  if (wo->bind)
    snprintf(wcfg.bind, sizeof wcfg.bind, "%s", wo->bind);
  wcfg.insecure_local = wo->insecure_local;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  int sfd = signalfd(-1, &stop, SFD_CLOEXEC);
  if (sfd < 0) {
    fprintf(stderr, "mwxd %s: signalfd: %s\n", cfg.nation, strerror(errno));
    return 1;
  }
  node_ctx c = {cfg.nation, log, stages, 0, NULL};
  mwx_node *n = NULL;
  if ((rc = mwx_node_open(&cfg, NULL, NULL, &n)) || (rc = mwx_node_subscribe_diag(n, on_node_event, &c, NULL))) {
    fprintf(stderr, "mwxd %s: %s\n", cfg.nation, mwx_error_msg());
    close(sfd);
    return 1;
  }
  c.epoch_ns = mwx_node_epoch_ns(n);
  c.n = n;
  mwx_node_loop *l = mwx_node_get_loop(n);
  if ((rc = mwx_node_loop_fd_add(l, sfd, POLLIN, on_signal, n)) ||
      (run_s > 0 && (rc = mwx_node_loop_timer_add(l, run_s * 1000000000ll, on_deadline, n, NULL)))) {
    fprintf(stderr, "mwxd %s: %s\n", cfg.nation, mwx_error_msg());
    mwx_node_close(n);
    close(sfd);
    return 1;
  }
  mwx_cop *cop = NULL;
  if (web && (rc = mwx_cop_open(&wcfg, n, &cop))) {
    fprintf(stderr, "mwxd %s: %s\n", cfg.nation, mwx_error_msg());
    mwx_node_close(n);
    close(sfd);
    return 1;
  }
  if (cop)
    printf("%s WEB %s accounts=%s%s\n", cfg.nation, mwx_cop_url(cop), wcfg.accounts,
           wcfg.insecure_local ? " (plain HTTP: --insecure-local)" : "");
  printf("%s UP node journal=%s policy=%s scenario=%s speed=%g links=%d secure=%d role=%s sync=%s launch_fit=%d"
         " fit_workers=%d fit_queue=%d batch_nice=%d batch_sched=%s\n",
         cfg.nation, cfg.journal, cfg.policy, cfg.scenario[0] ? cfg.scenario : "-", cfg.speed, cfg.net.n_links,
         cfg.net.secure, cfg.net.role == MWX_NET_HUB_RELAY ? "hub-relay" : "mesh",
         cfg.sync == MWX_JOURNAL_SYNC_FULL ? "full" : "normal", cfg.launch_fit, cfg.fit_workers, cfg.fit_queue,
         cfg.batch_nice, cfg.batch_sched == MWX_NODE_BATCH_IDLE ? "idle" : cfg.batch_sched == MWX_NODE_BATCH_BATCH ? "batch" : "other");
  fflush(stdout);
  int64_t t0 = mwx_node_mono_ns();
  rc = mwx_node_run(n);
  double wall = (double)(mwx_node_mono_ns() - t0) / 1e9;
  if (rc)
    fprintf(stderr, "mwxd %s: %s\n", cfg.nation, mwx_error_msg());
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  printf("%s DOWN received=%llu dropped=%llu publish_errors=%llu queue_overflow=%llu fits_queued=%llu"
         " fits_done=%llu fits_dropped=%llu fit_max_ms=%.0f commits=%llu\n",
         cfg.nation, (unsigned long long)st.received, (unsigned long long)st.dropped,
         (unsigned long long)st.publish_errors, (unsigned long long)st.handover_dropped,
         (unsigned long long)st.fits_queued, (unsigned long long)st.fits_done, (unsigned long long)st.fits_dropped,
         st.fit_max_ms, (unsigned long long)st.commits);
  if (st.fits_done)
    printf("%s FITDELAY n=%llu p99=%.2f max=%.2f s (window closed -> fit result on the loop; dropped %llu)\n",
           cfg.nation, (unsigned long long)st.fits_done, st.fit_p99_ms / 1e3, st.fit_max_ms / 1e3,
           (unsigned long long)st.fits_dropped);
  mwx_journal_stats js;
  mwx_journal_get_stats(mwx_node_journal(n), &js);
  printf("%s JOURNAL commits=%llu commit_ms p50=%.2f p99=%.2f max=%.1f total=%.0f checkpoints=%llu"
         " checkpoint_ms max=%.1f total=%.0f wal_pages_max=%llu (checkpoints off the loop thread)"
         " syncs=%llu on_loop=%llu commits_per_sync=%.2f sync_ms p50=%.2f p99=%.2f max=%.1f (the WAL's fsyncs: the sync thread's and the loop's before it publishes)\n",
         cfg.nation, (unsigned long long)js.commits, js.commit_ms_p50, js.commit_ms_p99, js.commit_ms_max,
         js.commit_ms_total, (unsigned long long)js.checkpoints, js.checkpoint_ms_max, js.checkpoint_ms_total,
         (unsigned long long)js.wal_pages_max, (unsigned long long)js.syncs, (unsigned long long)js.syncs_now,
         js.syncs ? (double)js.sync_commits / (double)js.syncs : 0.0, js.sync_ms_p50, js.sync_ms_p99, js.sync_ms_max);
  mwx_node_memory mem; /* the heap walk and /proc read: once, at the end */
  mwx_node_get_memory(n, &mem);
  print_bounds(cfg.nation, &st, &mem, &cfg);
  print_profile(cfg.nation, n);
  /* the fusion worker (src/node/fusepic.c): its passes, off the loop thread */
  printf("%s FUSE worker=%d passes=%llu pass_max_ms=%.1f cpu_ms=%.0f cpu=%.1f%% of one core picture_age_ms=%.0f\n",
         cfg.nation, st.fuse_worker, (unsigned long long)st.fuse_passes, st.fuse_pass_max_ms, st.fuse_cpu_ms,
         wall > 0 ? st.fuse_cpu_ms / (10 * wall) : 0.0, st.fuse_picture_age_ms);
  mwx_node_stats_print(stdout, &st, cfg.nation, wall, 0);
  picture_ctx pc = {cfg.nation, c.epoch_ns, log >= 3};
  mwx_node_fused_picture(n, print_picture, &pc);
  if (cop) {
    mwx_cop_stats ws;
    mwx_cop_get_stats(cop, &ws);
    printf("%s WEB DOWN requests=%llu refused=%llu logins=%llu failed=%llu limited=%llu pages=%llu pushed=%llu "
           "push_dropped=%llu\n",
           cfg.nation, (unsigned long long)ws.requests, (unsigned long long)ws.api_refused,
           (unsigned long long)ws.logins_ok, (unsigned long long)ws.logins_failed,
           (unsigned long long)ws.logins_limited, (unsigned long long)ws.ws_clients, (unsigned long long)ws.ws_sent,
           (unsigned long long)ws.ws_dropped);
  }
  fflush(stdout);
  mwx_cop_close(cop);
  mwx_node_close(n);
  close(sfd);
  return rc ? 1 : 0;
}

int main(int argc, char **argv) {
  const char *config = NULL, *rel = NULL, *wait_partner = NULL;
  long publish = 0, interval_ms = 100, run_s = 0;
  int log = 2, publish_given = 0, stages = 0;
  web_opts wo = {0, NULL, 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--config") && v)
      config = argv[++i];
    else if (!strcmp(a, "--rel") && v)
      rel = argv[++i];
    else if (!strcmp(a, "--web-port") && v && !parse_int(a, v, 1, 65535, &wo.port))
      i++;
    else if (!strcmp(a, "--web-bind") && v)
      wo.bind = argv[++i];
    else if (!strcmp(a, "--insecure-local"))
      wo.insecure_local = 1;
    else if (!strcmp(a, "--stages"))
      stages = 1;
    else if (!strcmp(a, "--wait-partner") && v)
      wait_partner = argv[++i];
    else if (!strcmp(a, "--log") && v &&
             (!strcmp(v, "all") || !strcmp(v, "received") || !strcmp(v, "none") || !strcmp(v, "json") ||
              !strcmp(v, "json-received"))) {
      log = !strcmp(v, "json-received") ? 4 : !strcmp(v, "json") ? 3 : !strcmp(v, "all") ? 2 : !strcmp(v, "received") ? 1 : 0;
      i++;
    } else if (!strcmp(a, "--publish-test") && v && !parse_int(a, v, 0, 100000000, &publish)) {
      publish_given = 1;
      i++;
    }
    else if (!strcmp(a, "--interval-ms") && v && !parse_int(a, v, 0, 3600000, &interval_ms))
      i++;
    else if (!strcmp(a, "--run-s") && v && !parse_int(a, v, 1, 100000000, &run_s))
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
  json_t *probe = NULL; /* strict read: a FIFO or /dev/zero is refused, not read without end */
  if (mwx_json_load_file(config, (size_t)1 << 20, &probe)) {
    fprintf(stderr, "mwxd: %s\n", mwx_error_msg());
    return 2;
  }
  int full = probe && json_object_get(probe, "journal") && !publish_given;
  json_decref(probe);
  if (full)
    return node_main(config, run_s, log, stages, &wo);
  mwx_net_config cfg;
  int rc = mwx_net_config_load(config, &cfg);
  if (rc) {
    fprintf(stderr, "mwxd: %s\n", mwx_error_msg());
    return 2;
  }
  /* node-level keys, shown for information (this mode keeps no journal) */
  json_t *root = NULL;
  if (mwx_json_load_file(config, (size_t)1 << 20, &root))
    root = NULL;
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
