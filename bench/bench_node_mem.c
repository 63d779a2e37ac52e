/*
 * bench_node_mem.c - what a node's heap holds over a salvo, offline (issue
 * 16, "RSS flat over the run"): the nodes as mwxd runs them (fusion, alerts,
 * the launch fit on, in line since offline has no workers), without DDS.
 * The nations given step together to the same sim times (STEP_S apart) and
 * what one releases for another is handed to it (mwx_node_inject) after the
 * step, as bench_node does.  Every REPORT_S sim seconds, per node: the
 * tracker's heap by field (mwx_track_table_stats: the slots' table, early
 * plots, IR pre-plots, burnout rings, shared buffers), its live tracks and
 * the tracks still holding early plots, the fuser's and the node's tables
 * (mwx_node_get_memory); and for the process (all the nodes together):
 * malloc's bytes in use and free (mallinfo2 uordblks + hblkhd, fordblks),
 * the arena bytes (arena + hblkhd) and VmRSS.  "rest" is what the process
 * uses beyond the nodes' owners (the scenario's truth, the sensors'
 * simulators, jansson, the libraries).
 *
 *   bench_node_mem [DIR] [SIM_S] [STEP_S] [REPORT_S] [NATIONS] [FIT]
 *     DIR journals (default "."; deleted afterwards), SIM_S sim seconds
 *     from 5 s before the first launch (default 300), STEP_S sim seconds
 *     per pass (default 0.1), REPORT_S (default 25), NATIONS a comma list
 *     (default KOR,JPN,USA), FIT 1 (default) or 0 the launch fit.
 *     SCENARIO (environment): a file of scenarios/ (default salvo-100.json) or a path.
 * One line per node and report:
 *   MEMNODE t=<sim s> <NAT> tracks=<live> early_held=<n> tracker_kb=<sum> table=.. early=.. pre=.. burnout=..
 *           shared=.. | fuser_kb=.. tables_kb=.. journal_kb=<process SQLite>
 * and one per report:
 *   MEMPROC t=<sim s> heap_used_kb=.. heap_free_kb=.. arena_kb=.. rss_kb=.. owned_kb=.. rest_kb=..
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/track.h"

#define NS 1000000000ll
#define MAXN 3

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
  pending *q; /* released for a partner in this pass */
  size_t nq, capq;
  uint64_t oom;
} node_ctx;

static void on_event(void *ctx, const mwx_node_event *ev) {
  node_ctx *c = ctx;
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

static unsigned long long kb(uint64_t b) { return (unsigned long long)(b / 1024); }

static void report(mwx_node *const *nodes, char nat[][MWX_NATION_LEN], int nn, double t_s) {
  uint64_t owned = 0;
  mwx_node_memory m;
  memset(&m, 0, sizeof m);
  for (int i = 0; i < nn; i++) {
    mwx_track_table_stats ts;
    mwx_track_table_stats_get(mwx_node_tracker(nodes[i]), &ts);
    mwx_node_get_memory(nodes[i], &m);
    owned += m.tracker_heap_bytes + m.fuser_heap_bytes + m.node_tables_bytes;
    printf("MEMNODE t=%.0f %s tracks=%zu early_held=%zu tracker_kb=%llu table=%llu early=%llu pre=%llu burnout=%llu"
           " shared=%llu | fuser_kb=%llu tables_kb=%llu journal_kb=%llu\n",
           t_s, nat[i], ts.live, ts.early_held, kb(ts.heap_bytes), kb(ts.table_bytes), kb(ts.early_bytes),
           kb(ts.pre_bytes), kb(ts.burnout_bytes), kb(ts.shared_bytes), kb(m.fuser_heap_bytes),
           kb(m.node_tables_bytes), kb(m.journal_heap_bytes));
  }
  owned += m.journal_heap_bytes; /* SQLite's: the process's, once */
  struct mallinfo2 mi = mallinfo2();
  uint64_t used = mi.uordblks + mi.hblkhd;
  printf("MEMPROC t=%.0f heap_used_kb=%llu heap_free_kb=%llu arena_kb=%llu rss_kb=%llu owned_kb=%llu rest_kb=%llu\n",
         t_s, kb(used), kb(mi.fordblks), kb(mi.arena + mi.hblkhd), kb(m.rss_bytes), kb(owned),
         kb(used > owned ? used - owned : 0));
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  double sim_s = argc > 2 ? atof(argv[2]) : 300;
  double step_s = argc > 3 ? atof(argv[3]) : 0.1;
  double report_s = argc > 4 ? atof(argv[4]) : 25;
  const char *list = argc > 5 ? argv[5] : "KOR,JPN,USA";
  int fit = argc > 6 ? atoi(argv[6]) : 1;
  const char *scenario = getenv("SCENARIO") ? getenv("SCENARIO") : "salvo-100.json";
  if (sim_s <= 0 || step_s <= 0 || step_s > sim_s || report_s < step_s) {
    fprintf(stderr, "usage: bench_node_mem [DIR] [SIM_S > 0] [STEP_S > 0] [REPORT_S >= STEP_S] [NATIONS] [FIT]\n");
    return 2;
  }
  char nat[MAXN][MWX_NATION_LEN];
  int nn = 0;
  for (const char *p = list; *p && nn < MAXN; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
    if (strcspn(p, ",") != 3) {
      fprintf(stderr, "bench_node_mem: nations are three letters: %s\n", list);
      return 2;
    }
    memcpy(nat[nn], p, 3);
    nat[nn++][3] = 0;
  }
  mwx_node *nodes[MAXN] = {0};
  node_ctx ctx[MAXN];
  memset(ctx, 0, sizeof ctx);
  char db[MAXN][400];
  int rc = 0;
  struct mallinfo2 mi0 = mallinfo2();
  printf("# bench_node_mem %s, %s, launch fit %s, step %.2f s; heap in use before the nodes %llu kB\n", scenario, list,
         fit ? "on (in line)" : "off", step_s, kb(mi0.uordblks + mi0.hblkhd));
  for (int i = 0; i < nn && !rc; i++) {
    mwx_node_config cfg;
    mwx_node_config_init(&cfg);
    snprintf(cfg.nation, sizeof cfg.nation, "%s", nat[i]);
    if (strchr(scenario, '/'))
      snprintf(cfg.scenario, sizeof cfg.scenario, "%s", scenario);
    else
      snprintf(cfg.scenario, sizeof cfg.scenario, "%s/scenarios/%s", MWX_SOURCE_DIR, scenario);
    snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nat[i]);
    snprintf(db[i], sizeof db[i], "%.300s/bench_node_mem_%s.db", dir, nat[i]);
    snprintf(cfg.journal, sizeof cfg.journal, "%.400s", db[i]);
    cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
    cfg.launch_fit = fit;
    rm_db(db[i]);
    rc = mwx_node_open(&cfg, on_event, &ctx[i], &nodes[i]);
  }
  if (rc) {
    fprintf(stderr, "bench_node_mem: %s\n", mwx_error_msg());
    for (int i = 0; i < nn; i++) {
      mwx_node_close(nodes[i]);
      rm_db(db[i]);
    }
    return 1;
  }
  int64_t step = (int64_t)(step_s * 1e9), epoch = mwx_node_epoch_ns(nodes[0]);
  int64_t t = epoch - 5 * NS, end = t + (int64_t)(sim_s * 1e9), next_report = t;
  report(nodes, nat, nn, (double)(t - epoch) / 1e9);
  next_report += (int64_t)(report_s * 1e9);
  int all_done = 0;
  while (!all_done && t < end && !rc) {
    t += step;
    all_done = 1;
    for (int i = 0; i < nn && !rc; i++) {
      int done = 0;
      rc = mwx_node_step(nodes[i], t, &done);
      all_done &= done;
    }
    for (int i = 0; i < nn && !rc; i++)
      for (size_t e = 0; e < ctx[i].nq && !rc; e++)
        for (int k = 0; k < nn && !rc; k++)
          if (k != i && !strncmp(nat[k], ctx[i].q[e].to, 3))
            rc = mwx_node_inject(nodes[k], &ctx[i].q[e].m);
    for (int i = 0; i < nn; i++)
      ctx[i].nq = 0;
    if (!rc && t >= next_report) {
      report(nodes, nat, nn, (double)(t - epoch) / 1e9);
      next_report += (int64_t)(report_s * 1e9);
    }
  }
  if (rc)
    fprintf(stderr, "bench_node_mem: %s\n", mwx_error_msg());
  else
    report(nodes, nat, nn, (double)(t - epoch) / 1e9);
  for (int i = 0; i < nn; i++) {
    mwx_node_stats st;
    mwx_node_get_stats(nodes[i], &st);
    printf("# %s fits queued %llu done %llu dropped %llu, tracks confirmed %llu forgotten %llu, oom %llu\n", nat[i],
           (unsigned long long)st.fits_queued, (unsigned long long)st.fits_done, (unsigned long long)st.fits_dropped,
           (unsigned long long)st.tracks_confirmed, (unsigned long long)st.tracks_forgotten,
           (unsigned long long)ctx[i].oom);
    mwx_node_close(nodes[i]);
    rm_db(db[i]);
    free(ctx[i].q);
  }
  return rc ? 1 : 0;
}
