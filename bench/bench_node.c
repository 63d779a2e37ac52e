/*
 * bench_node.c - the node's CPU per pass, offline, with fusion and alerts
 * on (the nodes as mwxd runs them, without DDS): what a node costs per sim
 * second, i.e. the share of one core it needs at real time.
 *
 *   1. the salvo of 100 (scenarios/salvo-100.json), the three nodes (KOR,
 *      JPN, USA) in one process, shipped policies and alert rules: each
 *      node steps to the same sim times (STEP_S apart) and what one
 *      releases for another is handed to it (mwx_node_inject, signature
 *      verified) after the step, as mwx_node_offline_run does; journals
 *      synchronous=NORMAL (the fsync is the disk's, bench/node_latency.sh
 *      and bench_journal measure it), no launch fit (the workers' CPU is
 *      bench_launchfit's);
 *   2. KOR alone on the 2022-11-18 Hwasong-17, synchronous=FULL, a record
 *      per plot, the first SIM_S seconds: a pass when the disk's fsync is
 *      in it (wall per pass beside CPU per pass).
 *
 *   bench_node [DIR] [SIM_S] [STEP_S]
 *     DIR journals (default "."; deleted afterwards), SIM_S sim seconds
 *     from 5 s before the first launch (default 300), STEP_S sim seconds
 *     per pass (default 0.1: a pass per scan of a 10-Hz sensor, as mwxd's
 *     event-driven loop makes them).
 *
 * Printed per node: passes, CPU per pass (thread CPU time of mwx_node_step
 * and the deliveries to it: p50 / p99 / max, ms), CPU per sim second (=
 * percent of one core at speed 1), samples made, samples received, fused
 * predictions and alerts, the tracker's table (slots made / bound, most
 * live tracks at once, refused); and the process's CPU and wall time and
 * its RSS after the first pass and at the end (the three nodes together).  Progress
 * on stderr when it is a terminal.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"

#define NS 1000000000ll
#define MAXN 3

static double clk(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void rm_db(const char *db) {
  char p[700];
  const char *suffix[] = {"", "-wal", "-shm", ".pub", ".key"};
  for (int i = 0; i < 5; i++) {
    snprintf(p, sizeof p, "%.400s%s", db, suffix[i]);
    unlink(p);
  }
}

typedef struct pending {
  char to[MWX_NATION_LEN];
  mwx_msg m;
} pending;

typedef struct node_ctx {
  char nation[MWX_NATION_LEN];
  pending *q; /* released for a partner in this pass */
  size_t nq, capq;
  uint64_t fused, alerts, oom;
} node_ctx;

static void on_event(void *ctx, const mwx_node_event *ev) {
  node_ctx *c = ctx;
  if (ev->kind == MWX_NODE_EV_FUSED)
    c->fused++;
  else if (ev->kind == MWX_NODE_EV_ALERT)
    c->alerts++;
  if ((ev->kind != MWX_NODE_EV_RELEASED && ev->kind != MWX_NODE_EV_APPROVED) || !ev->msg)
    return;
  if (c->nq == c->capq) {
    size_t nc = c->capq ? 2 * c->capq : 256;
    pending *p = realloc(c->q, nc * sizeof *p);
    if (!p) {
      c->oom++;
      return;
    }
    c->q = p;
    c->capq = nc;
  }
  memcpy(c->q[c->nq].to, ev->partner, MWX_NATION_LEN);
  c->q[c->nq++].m = *ev->msg;
}

/* This process's resident set (kB, /proc/self/status VmRSS; 0 if unknown). */
static long rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6))
      kb = atol(line + 6);
  if (f)
    fclose(f);
  return kb;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double q) {
  if (!n)
    return 0;
  size_t k = (size_t)(q * (double)n);
  return v[k < n ? k : n - 1];
}

static int run(const char *label, const char *dir, const char *scenario, const char *const *nations, int nn,
               mwx_journal_sync sync, int plots, double sim_s, double step_s) {
  mwx_node *nodes[MAXN] = {0};
  node_ctx ctx[MAXN];
  memset(ctx, 0, sizeof ctx);
  char db[MAXN][400];
  int rc = 0;
  for (int i = 0; i < nn && !rc; i++) {
    mwx_node_config cfg;
    mwx_node_config_init(&cfg);
    snprintf(cfg.nation, sizeof cfg.nation, "%s", nations[i]);
    memcpy(ctx[i].nation, cfg.nation, MWX_NATION_LEN);
    snprintf(cfg.scenario, sizeof cfg.scenario, "%s/scenarios/%s", MWX_SOURCE_DIR, scenario);
    snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nations[i]);
    snprintf(db[i], sizeof db[i], "%.300s/bench_node_%s.db", dir, nations[i]);
    snprintf(cfg.journal, sizeof cfg.journal, "%.400s", db[i]);
    cfg.sync = sync;
    cfg.journal_plots = plots;
    cfg.launch_fit = 0;
    rm_db(db[i]);
    rc = mwx_node_open(&cfg, on_event, &ctx[i], &nodes[i]);
  }
  if (rc) {
    fprintf(stderr, "bench_node: %s\n", mwx_error_msg());
    for (int i = 0; i < nn; i++) {
      mwx_node_close(nodes[i]);
      rm_db(db[i]);
    }
    return 1;
  }
  int64_t step = (int64_t)(step_s * 1e9);
  int64_t t = mwx_node_epoch_ns(nodes[0]) - 5 * NS, end = t + (int64_t)(sim_s * 1e9);
  size_t passes = (size_t)((end - t) / step) + 1, np = 0;
  double *cpu[MAXN], *wall[MAXN], tot[MAXN] = {0};
  for (int i = 0; i < nn; i++) {
    cpu[i] = malloc(passes * sizeof(double));
    wall[i] = malloc(passes * sizeof(double));
    if (!cpu[i] || !wall[i]) {
      fprintf(stderr, "bench_node: out of memory\n");
      return 1;
    }
  }
  int tty = isatty(2);
  double w0 = clk(CLOCK_MONOTONIC), p0 = clk(CLOCK_PROCESS_CPUTIME_ID), last_report = w0;
  int all_done = 0;
  long rss0 = 0;
  while (!all_done && t < end && !rc && np < passes) {
    if (np == 1)
      rss0 = rss_kb(); /* after the first pass: the start-up allocations made */
    t += step;
    all_done = 1;
    for (int i = 0; i < nn && !rc; i++) {
      double c0 = clk(CLOCK_THREAD_CPUTIME_ID), ww0 = clk(CLOCK_MONOTONIC);
      int done = 0;
      rc = mwx_node_step(nodes[i], t, &done);
      all_done &= done;
      cpu[i][np] = clk(CLOCK_THREAD_CPUTIME_ID) - c0;
      wall[i][np] = clk(CLOCK_MONOTONIC) - ww0;
    }
    /* deliveries, charged to the receiving node's pass */
    for (int i = 0; i < nn && !rc; i++)
      for (size_t e = 0; e < ctx[i].nq && !rc; e++)
        for (int k = 0; k < nn && !rc; k++)
          if (k != i && !strncmp(nations[k], ctx[i].q[e].to, 3)) {
            double c0 = clk(CLOCK_THREAD_CPUTIME_ID);
            rc = mwx_node_inject(nodes[k], &ctx[i].q[e].m);
            cpu[k][np] += clk(CLOCK_THREAD_CPUTIME_ID) - c0;
          }
    for (int i = 0; i < nn; i++) {
      ctx[i].nq = 0;
      tot[i] += cpu[i][np];
    }
    np++;
    double now = clk(CLOCK_MONOTONIC);
    if (tty && now - last_report > 2) {
      last_report = now;
      fprintf(stderr, "\r%s: sim %.0f / %.0f s, wall %.0f s ", label, (double)(t - (end - (int64_t)(sim_s * 1e9))) / 1e9,
              sim_s, now - w0);
    }
  }
  if (tty)
    fprintf(stderr, "\r%60s\r", "");
  double w = clk(CLOCK_MONOTONIC) - w0, pc = clk(CLOCK_PROCESS_CPUTIME_ID) - p0;
  double sim_done = (double)np * step_s;
  if (rc)
    fprintf(stderr, "bench_node: %s\n", mwx_error_msg());
  else {
    printf("%s: %zu passes of %.2f sim s (%.0f sim s), wall %.1f s, process CPU %.1f s (%.0f%% of one core at real time),"
           " RSS %.1f -> %.1f MB\n",
           label, np, step_s, sim_done, w, pc, 100 * pc / sim_done, rss0 / 1024.0, rss_kb() / 1024.0);
    for (int i = 0; i < nn; i++) {
      mwx_node_stats st;
      mwx_node_get_stats(nodes[i], &st);
      qsort(cpu[i], np, sizeof(double), cmp_d);
      qsort(wall[i], np, sizeof(double), cmp_d);
      printf("  %s  CPU per pass p50 %.3f p99 %.2f max %.1f ms | wall per pass p50 %.2f p99 %.1f max %.1f ms |"
             " CPU %.1f%% of a core at real time | plots %llu samples %llu received %llu fused %llu alerts %llu"
             " commits %llu overflows %llu | tracker slots %llu/%llu live max %llu refused %llu\n",
             ctx[i].nation, 1e3 * pct(cpu[i], np, .5), 1e3 * pct(cpu[i], np, .99), 1e3 * cpu[i][np ? np - 1 : 0],
             1e3 * pct(wall[i], np, .5), 1e3 * pct(wall[i], np, .99), 1e3 * wall[i][np ? np - 1 : 0],
             100 * tot[i] / sim_done, (unsigned long long)st.plots, (unsigned long long)st.samples,
             (unsigned long long)st.received, (unsigned long long)ctx[i].fused, (unsigned long long)ctx[i].alerts,
             (unsigned long long)st.commits, (unsigned long long)(st.fused_dropped + st.handover_dropped +
                                                                  st.fits_dropped + ctx[i].oom + st.tracks_refused +
                                                                  st.pending_dropped),
             (unsigned long long)st.tracker_slots, (unsigned long long)st.tracker_bound,
             (unsigned long long)st.tracker_live_max, (unsigned long long)st.tracks_refused);
    }
  }
  fflush(stdout);
  for (int i = 0; i < nn; i++) {
    mwx_node_close(nodes[i]);
    rm_db(db[i]);
    free(cpu[i]);
    free(wall[i]);
    free(ctx[i].q);
  }
  return rc ? 1 : 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  double sim_s = argc > 2 ? atof(argv[2]) : 300;
  double step_s = argc > 3 ? atof(argv[3]) : 0.1;
  if (sim_s <= 0 || step_s <= 0 || step_s > sim_s) {
    fprintf(stderr, "usage: bench_node [DIR] [SIM_S > 0] [STEP_S > 0]\n");
    return 2;
  }
  const char *three[] = {"KOR", "JPN", "USA"}, *kor[] = {"KOR"};
  int rc = 0;
  rc |= run("salvo-100, KOR+JPN+USA, fusion and alerts, NORMAL", dir, "salvo-100.json", three, 3,
            MWX_JOURNAL_SYNC_NORMAL, 1, sim_s, step_s);
  rc |= run("2022-11-18, KOR alone, FULL, plots journaled", dir, "2022-11-18-hwasong17.json", kor, 1,
            MWX_JOURNAL_SYNC_FULL, 1, sim_s, step_s);
  return rc;
}
