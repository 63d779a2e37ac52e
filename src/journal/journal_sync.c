/*
 * journal_sync.c - the commit's fsync off the committing thread (issue 16).
 *
 * With MWX_JOURNAL_SYNC_THREAD the database runs at synchronous=NORMAL: a
 * COMMIT appends the transaction's frames to the -wal file with write()
 * and returns (the kernel holds them: kill -9 cannot lose a returned
 * commit; a power cut can).  Each outermost commit takes a ticket (1, 2,
 * 3 ... in commit order) and asks this thread ("mwx-sync") for "everything
 * up to ticket k": it fsyncs the -wal once and marks every ticket up to the
 * k it read before the fsync as durable.  The WAL is written in commit
 * order and a checkpoint syncs the WAL before it copies frames out of it,
 * so one fsync after commit k returned makes commits 1..k durable; the
 * commits made while an fsync runs are covered by the next one (group
 * commit without holding the writer).
 *
 * The -wal is opened through the default VFS (the one SQLite uses for the
 * handle: a test's VFS shim sees these syncs), its own handle, on the
 * thread at the first request (the WAL exists by then).  An fsync error is
 * final: durable stops moving, mwx_journal_sync_wait returns MWX_EIO
 * (after a failed fsync the kernel may have dropped the dirty pages: a
 * retry that succeeds proves nothing).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/error.h"
#include "journal_int.h"

#define SYNC_RING 4096

struct journal_sync {
  sqlite3_vfs *vfs;
  const char *fname;  /* sqlite3_create_filename: the db's name with its WAL name */
  const char *wal;    /* into fname */
  sqlite3_file *file; /* the -wal, opened on the thread */
  pthread_mutex_t mu;
  pthread_cond_t cv;   /* to the thread: want moved, stop */
  pthread_cond_t done; /* from the thread: durable moved, failed */
  pthread_t th;
  int started, stop, failed;
  uint64_t want;               /* the last ticket committed */
  atomic_uint_fast64_t durable; /* the last ticket synced */
  pthread_mutex_t fmu;         /* held while fn runs: set_fn waits for a call in progress */
  mwx_journal_synced_fn fn;
  void *fn_ctx;
  /* stats, under mu */
  uint64_t syncs, covered;
  float ring[SYNC_RING];
  size_t n_ring, ring_pos;
  double ms_max, ms_total;
};

static int wal_open(journal_sync *s) {
  s->file = calloc(1, (size_t)s->vfs->szOsFile);
  if (!s->file)
    return -1;
  int out = 0;
  if (s->vfs->xOpen(s->vfs, s->wal, s->file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_WAL, &out) != SQLITE_OK) {
    if (s->file->pMethods)
      s->file->pMethods->xClose(s->file);
    free(s->file);
    s->file = NULL;
    return -1;
  }
  return 0;
}

static void *worker(void *arg) {
  journal_sync *s = arg;
  (void)pthread_setname_np(pthread_self(), "mwx-sync"); /* a diagnostic: a failure changes nothing */
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (s->want <= atomic_load(&s->durable) && !s->stop)
      pthread_cond_wait(&s->cv, &s->mu);
    if (s->want <= atomic_load(&s->durable))
      break; /* stop, and everything asked for is synced */
    uint64_t k = s->want;
    uint64_t before = atomic_load(&s->durable);
    pthread_mutex_unlock(&s->mu);
    int64_t t0 = journal_mono_ns();
    int ok = (s->file || wal_open(s) == 0) && s->file->pMethods->xSync(s->file, SQLITE_SYNC_NORMAL) == SQLITE_OK;
    double ms = (double)(journal_mono_ns() - t0) / 1e6;
    pthread_mutex_lock(&s->mu);
    if (!ok) {
      s->failed = 1;
      pthread_cond_broadcast(&s->done);
      fprintf(stderr, "mwx journal: fsync of %s failed: commits after ticket %llu are not durable\n", s->wal,
              (unsigned long long)before);
      break;
    }
    atomic_store(&s->durable, k);
    s->syncs++;
    s->covered += k - before;
    s->ms_total += ms;
    if (ms > s->ms_max)
      s->ms_max = ms;
    s->ring[s->ring_pos] = (float)ms;
    s->ring_pos = (s->ring_pos + 1) % SYNC_RING;
    if (s->n_ring < SYNC_RING)
      s->n_ring++;
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&s->fmu);
    if (s->fn)
      s->fn(s->fn_ctx, k);
    pthread_mutex_unlock(&s->fmu);
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

int journal_sync_start(sqlite3 *db, journal_sync **out) {
  *out = NULL;
  journal_sync *s = calloc(1, sizeof *s);
  if (!s)
    return mwx_error_set(MWX_ENOMEM, "journal: out of memory");
  const char *dbname = sqlite3_db_filename(db, "main");
  const char *wal = dbname ? sqlite3_filename_wal(dbname) : NULL;
  s->vfs = sqlite3_vfs_find(NULL);
  if (!wal || !*wal || !s->vfs) {
    free(s);
    return mwx_error_set(MWX_EIO, "journal: no WAL file name for the sync thread");
  }
  char wal_copy[1024];
  snprintf(wal_copy, sizeof wal_copy, "%s", wal);
  s->fname = sqlite3_create_filename(dbname, "", wal_copy, 0, NULL);
  s->wal = s->fname ? sqlite3_filename_wal(s->fname) : NULL;
  atomic_init(&s->durable, 0);
  if (!s->wal || pthread_mutex_init(&s->mu, NULL)) {
    sqlite3_free_filename(s->fname);
    free(s);
    return mwx_error_set(MWX_ENOMEM, "journal: out of memory");
  }
  pthread_mutex_init(&s->fmu, NULL);
  pthread_cond_init(&s->cv, NULL);
  pthread_cond_init(&s->done, NULL);
  if (pthread_create(&s->th, NULL, worker, s)) {
    journal_sync_stop(s);
    return mwx_error_set(MWX_EIO, "journal: cannot start the sync thread");
  }
  s->started = 1;
  *out = s;
  return 0;
}

void journal_sync_stop(journal_sync *s) {
  if (!s)
    return;
  pthread_mutex_lock(&s->mu);
  s->stop = 1;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  if (s->started)
    pthread_join(s->th, NULL);
  if (s->file) {
    s->file->pMethods->xClose(s->file);
    free(s->file);
  }
  sqlite3_free_filename(s->fname);
  pthread_cond_destroy(&s->cv);
  pthread_cond_destroy(&s->done);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->fmu);
  free(s);
}

void journal_sync_request(journal_sync *s, uint64_t ticket) {
  pthread_mutex_lock(&s->mu);
  if (ticket > s->want) {
    s->want = ticket;
    pthread_cond_signal(&s->cv);
  }
  pthread_mutex_unlock(&s->mu);
}

uint64_t journal_sync_durable(journal_sync *s) { return (uint64_t)atomic_load(&s->durable); }

int journal_sync_wait(journal_sync *s, uint64_t ticket) {
  pthread_mutex_lock(&s->mu);
  while (atomic_load(&s->durable) < ticket && !s->failed)
    pthread_cond_wait(&s->done, &s->mu);
  int failed = atomic_load(&s->durable) < ticket;
  pthread_mutex_unlock(&s->mu);
  return failed ? mwx_error_set(MWX_EIO, "journal: fsync of %s failed: ticket %llu not durable", s->wal,
                                (unsigned long long)ticket)
                : 0;
}

int journal_sync_failed(journal_sync *s) {
  pthread_mutex_lock(&s->mu);
  int f = s->failed;
  pthread_mutex_unlock(&s->mu);
  return f;
}

void journal_sync_set_fn(journal_sync *s, mwx_journal_synced_fn fn, void *ctx) {
  pthread_mutex_lock(&s->fmu);
  s->fn = fn;
  s->fn_ctx = ctx;
  pthread_mutex_unlock(&s->fmu);
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

void journal_sync_stats(journal_sync *s, mwx_journal_stats *out) {
  pthread_mutex_lock(&s->mu);
  out->syncs = s->syncs;
  out->sync_commits = s->covered;
  out->sync_ms_max = s->ms_max;
  out->sync_ms_total = s->ms_total;
  size_t n = s->n_ring;
  float *v = n ? malloc(n * sizeof *v) : NULL;
  if (v)
    memcpy(v, s->ring, n * sizeof *v);
  pthread_mutex_unlock(&s->mu);
  if (v) {
    qsort(v, n, sizeof *v, cmp_float);
    out->sync_ms_p50 = v[n / 2];
    size_t i99 = (size_t)((double)n * 0.99);
    out->sync_ms_p99 = v[i99 < n ? i99 : n - 1];
    free(v);
  }
}
