/*
 * bench_release.c - throughput of the release path on one core:
 *   1. release decisions per second (pure; KOR policy, Track with 4 sensors,
 *      partners JPN / USA / AUS in turn: sanitized release, release, refusal);
 *   2. signed + journaled samples per second: Ed25519 sign of a Track, then
 *      a journal append (SHA-256 chain, SQLite WAL), with synchronous=FULL
 *      and NORMAL, one transaction per sample or batches of 64, with and
 *      without the sealed head.
 *
 *   bench_release [DIR] [SECONDS]   journals go to DIR (default "."), each
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

#include "fixture_bench.h"
#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/msg.h"
#include "mwx/release.h"

static int bench_decide(double secs) {
  mwx_release_policy *p = malloc(sizeof *p);
  if (!p) return 1;
  int rc = mwx_release_policy_load(MWX_SOURCE_DIR "/config/policy-KOR.json", p);
  if (rc) {
    fprintf(stderr, "bench: %s\n", mwx_error_msg());
    free(p);
    return 1;
  }
  mwx_msg m;
  fx_bench_track(&m, "KOR", 1, NULL);
  mwx_release_sample s = {&m, 0, 0, NULL};
  const char *partners[3] = {"JPN", "USA", "AUS"};
  mwx_release_decision d;
  unsigned long n = 0, out[4] = {0};
  double t0 = fx_bench_wall_s(), t;
  do {
    for (int i = 0; i < 3000; i++) {
      mwx_release_decide(p, &s, partners[i % 3], (int64_t)n, &d);
      out[d.outcome & 3]++;
      n++;
    }
    t = fx_bench_wall_s() - t0;
  } while (t < secs);
  printf("release decisions:        %10.0f /s  (%lu in %.2f s; %lu released, %lu refused)\n", (double)n / t, n, t,
         out[MWX_RELEASE_RELEASE], out[MWX_RELEASE_REFUSE]);
  free(p);
  return 0;
}

static int bench_journal(const char *dir, double secs, mwx_journal_sync sync, int batch, int seal,
                         const mwx_msg_key *key) {
  char path[1024];
  snprintf(path, sizeof path, "%s/bench_release_%d.db", dir, (int)getpid());
  mwx_journal_options o = {sync, 0, seal ? key : NULL};
  mwx_journal *j = NULL;
  int rc = mwx_journal_open(path, &o, &j);
  if (rc) {
    fprintf(stderr, "bench: %s\n", mwx_error_msg());
    return 1;
  }
  mwx_msg m;
  unsigned long n = 0;
  double t0 = fx_bench_wall_s(), t = 0;
  do {
    if (batch > 1 && (rc = mwx_journal_begin(j))) break;
    for (int i = 0; i < batch; i++) {
      fx_bench_track(&m, "KOR", n + 1, NULL);
      if ((rc = mwx_msg_sign(&m, key))) break;
      if ((rc = mwx_journal_append(j, MWX_JOURNAL_TRACK, m.u.track.time_ns, "{\"published\":true}", &m, 0, NULL)))
        break;
      n++;
    }
    if (!rc && batch > 1) rc = mwx_journal_commit(j);
    t = fx_bench_wall_s() - t0;
  } while (!rc && t < secs);
  if (rc) fprintf(stderr, "bench: %s\n", mwx_error_msg());
  mwx_journal_verify_result v;
  int vrc = mwx_journal_verify(j, seal ? key : NULL, &v);
  mwx_journal_close(j);
  printf("signed+journaled samples: %10.0f /s  (synchronous=%s, %s, %s; %lu in %.2f s; chain %s)\n", (double)n / t,
         sync == MWX_JOURNAL_SYNC_FULL ? "FULL" : "NORMAL",
         batch > 1 ? (batch == 64 ? "batches of 64" : "batched") : "one transaction each",
         seal ? "sealed head" : "no seal", n, t, vrc ? "BROKEN" : "verified");
  const char *suffix[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char p2[1100];
    snprintf(p2, sizeof p2, "%s%s", path, suffix[i]);
    unlink(p2);
  }
  return rc || vrc;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  double secs = argc > 2 ? atof(argv[2]) : 2.0;
  if (!(secs > 0)) secs = 2.0;
  int bad = bench_decide(secs);
  mwx_msg_key *key = NULL;
  if (mwx_msg_key_generate(&key)) {
    fprintf(stderr, "bench: %s\n", mwx_error_msg());
    return 1;
  }
  /* signing alone, for reference */
  mwx_msg m;
  unsigned long n = 0;
  double t0 = fx_bench_wall_s(), t;
  do {
    for (int i = 0; i < 200; i++) {
      fx_bench_track(&m, "KOR", n + 1, NULL);
      mwx_msg_sign(&m, key);
      n++;
    }
    t = fx_bench_wall_s() - t0;
  } while (t < secs);
  printf("Ed25519 signs (Track):    %10.0f /s\n", (double)n / t);
  bad |= bench_journal(dir, secs, MWX_JOURNAL_SYNC_FULL, 1, 0, key);
  bad |= bench_journal(dir, secs, MWX_JOURNAL_SYNC_FULL, 1, 1, key);
  bad |= bench_journal(dir, secs, MWX_JOURNAL_SYNC_NORMAL, 1, 0, key);
  bad |= bench_journal(dir, secs, MWX_JOURNAL_SYNC_FULL, 64, 0, key);
  bad |= bench_journal(dir, secs, MWX_JOURNAL_SYNC_FULL, 64, 1, key);
  bad |= bench_journal(dir, secs, MWX_JOURNAL_SYNC_NORMAL, 64, 0, key);
  mwx_msg_key_free(key);
  return bad;
}
