/*
 * bench_node.c - the offline pipeline of one node on one core: plots in,
 * released (signed, journaled) samples out, per second of wall time.
 *
 *   1. KOR on the 2022-11-18 Hwasong-17 scenario (one missile, KOR's five
 *      sensors), journal synchronous=FULL and NORMAL, with and without a
 *      record per plot;
 *   2. the salvo of 100 (scenarios/salvo-100.json), first 300 s, KOR's
 *      sensors, NORMAL: the tracker and the release path under load, without
 *      and with the launch fit (a refined LaunchEvent per track).
 *
 *   bench_node [DIR]   journals go to DIR (default "."), deleted afterwards.
 *
 * Reported: plots/s, samples/s (made and decided for every partner),
 * released samples/s (signed and journaled, each partner's copy counted),
 * journal records/s, and the wall time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/node.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void rm_db(const char *db) {
  char p[600];
  const char *suffix[] = {"", "-wal", "-shm", ".pub"};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s%s", db, suffix[i]);
    unlink(p);
  }
}

static int run(const char *label, const char *dir, const char *scenario, mwx_journal_sync sync, int plots,
               double limit_s, int launch_fit) {
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  memcpy(cfg.nation, "KOR", 4);
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s/scenarios/%s", MWX_SOURCE_DIR, scenario);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-KOR.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s/bench_node.db", dir);
  cfg.sync = sync;
  cfg.journal_plots = plots;
  cfg.launch_fit = launch_fit;
  rm_db(cfg.journal);
  mwx_node *n;
  int rc = mwx_node_open(&cfg, NULL, NULL, &n);
  if (rc) {
    fprintf(stderr, "bench_node: %s\n", mwx_error_msg());
    return 1;
  }
  int64_t t = mwx_node_epoch_ns(n) - 5000000000ll, end = mwx_node_epoch_ns(n) + (int64_t)(limit_s * 1e9);
  int done = 0;
  double t0 = now_s();
  while (!done && t < end && !rc) {
    t += 1000000000ll;
    rc = mwx_node_step(n, t, &done);
  }
  double wall = now_s() - t0;
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  mwx_node_close(n);
  rm_db(cfg.journal);
  if (rc) {
    fprintf(stderr, "bench_node: %s\n", mwx_error_msg());
    return 1;
  }
  uint64_t released = 0;
  for (int i = 0; i < st.n_partners; i++)
    for (int k = 0; k < 6; k++)
      released += st.partner[i].released[k];
  printf("%-52s %7.2f s wall | plots %8.0f/s | samples %7.0f/s | released %7.0f/s | records %8.0f/s\n", label,
         wall, (double)st.plots / wall, (double)st.samples / wall, (double)released / wall,
         (double)st.records / wall);
  return 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  int rc = 0;
  rc |= run("2022-11-18 KOR, FULL, plots journaled", dir, "2022-11-18-hwasong17.json", MWX_JOURNAL_SYNC_FULL, 1, 1e9,
            1);
  rc |= run("2022-11-18 KOR, NORMAL, plots journaled", dir, "2022-11-18-hwasong17.json", MWX_JOURNAL_SYNC_NORMAL, 1,
            1e9, 1);
  rc |= run("2022-11-18 KOR, NORMAL, no plot records", dir, "2022-11-18-hwasong17.json", MWX_JOURNAL_SYNC_NORMAL, 0,
            1e9, 1);
  rc |= run("salvo-100 KOR, first 300 s, NORMAL, no launch fit", dir, "salvo-100.json", MWX_JOURNAL_SYNC_NORMAL, 1,
            300, 0);
  rc |= run("salvo-100 KOR, first 300 s, NORMAL, launch fit", dir, "salvo-100.json", MWX_JOURNAL_SYNC_NORMAL, 1, 300,
            1);
  return rc;
}
