/*
 * bench_journal.c - what sealing costs per journal commit: the same
 * commits (batches of 1 and 64 small records) with and without the node's
 * seal (one Ed25519 signature and three meta rows per commit), with
 * synchronous=NORMAL (no fsync, so the seal's share is visible) and FULL;
 * and the chain check the queue runs before signing a hold
 * (mwx_journal_check_record over 1,000 records).
 *
 *   bench_journal [DIR] [SECONDS]   journals go to DIR (default "."), each
 *                                   measurement runs about SECONDS (default 2)
 *
 * The key is generated at run time; the journals are deleted afterwards.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/msg.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void rm_db(const char *p) {
  char b[600];
  unlink(p);
  snprintf(b, sizeof b, "%s-wal", p);
  unlink(b);
  snprintf(b, sizeof b, "%s-shm", p);
  unlink(b);
}

/* Commits per second (batch records each) for seconds. */
static double commits(const char *path, mwx_journal_sync sync, const mwx_msg_key *key, int batch, double seconds) {
  rm_db(path);
  mwx_journal_options o = {sync, 0, key};
  mwx_journal *j = NULL;
  if (mwx_journal_open(path, &o, &j) || (key && mwx_journal_claim(j, "KOR"))) {
    fprintf(stderr, "bench_journal: %s\n", mwx_error_msg());
    exit(1);
  }
  long n = 0;
  double t0 = now_s(), t;
  do {
    if (mwx_journal_begin(j)) exit(1);
    for (int i = 0; i < batch; i++)
      if (mwx_journal_append(j, MWX_JOURNAL_PLOT, n, "{\"sensor\":\"KOR-radar-1\",\"range_m\":812345.5}", NULL, 0,
                             NULL))
        exit(1);
    if (mwx_journal_commit(j)) exit(1);
    n++;
  } while ((t = now_s() - t0) < seconds);
  mwx_journal_close(j);
  rm_db(path);
  return (double)n / t;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  double secs = argc > 2 ? atof(argv[2]) : 2.0;
  if (!(secs > 0 && secs < 3600)) {
    fprintf(stderr, "bench_journal: SECONDS must be in (0, 3600)\n");
    return 2;
  }
  char path[512];
  snprintf(path, sizeof path, "%s/bench_journal.db", dir);
  mwx_msg_key *k = NULL;
  if (mwx_msg_key_generate(&k)) return 1;
  uint8_t sig[MWX_SIG_LEN], buf[62] = {0};
  long ns = 0;
  double t0 = now_s(), t;
  do {
    mwx_msg_key_sign_bytes(k, buf, sizeof buf, sig);
    ns++;
  } while ((t = now_s() - t0) < secs / 2);
  printf("Ed25519 signature of a 62-byte seal: %.1f us\n", 1e6 * t / (double)ns);
  static const struct {
    mwx_journal_sync sync;
    const char *name;
  } syncs[] = {{MWX_JOURNAL_SYNC_NORMAL, "NORMAL"}, {MWX_JOURNAL_SYNC_FULL, "FULL"}};
  static const int batches[] = {1, 64};
  for (int s = 0; s < 2; s++)
    for (int b = 0; b < 2; b++) {
      double plain = commits(path, syncs[s].sync, NULL, batches[b], secs);
      double sealed = commits(path, syncs[s].sync, k, batches[b], secs);
      printf("sync %-6s batch %2d: %8.0f commits/s unsealed, %8.0f sealed: %.1f us per commit for the seal\n",
             syncs[s].name, batches[b], plain, sealed, 1e6 * (1.0 / sealed - 1.0 / plain));
    }
  /* the check before a hold is signed: from the record to the sealed head */
  rm_db(path);
  mwx_journal_options o = {MWX_JOURNAL_SYNC_NORMAL, 0, k};
  mwx_journal *j = NULL;
  if (mwx_journal_open(path, &o, &j) || mwx_journal_claim(j, "KOR") || mwx_journal_begin(j)) return 1;
  for (int i = 0; i < 1000; i++)
    if (mwx_journal_append(j, MWX_JOURNAL_PLOT, i, "{\"sensor\":\"KOR-radar-1\",\"range_m\":812345.5}", NULL, 0, NULL))
      return 1;
  if (mwx_journal_commit(j)) return 1;
  long nc = 0;
  t0 = now_s();
  do {
    if (mwx_journal_check_record(j, 1, NULL, NULL)) return 1;
    nc++;
  } while ((t = now_s() - t0) < secs / 2);
  printf("check_record of a hold 1,000 records below the sealed head: %.2f ms\n", 1e3 * t / (double)nc);
  mwx_journal_close(j);
  rm_db(path);
  mwx_msg_key_free(k);
  return 0;
}
