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
 * journal_sync_now is the same fsync on the committing thread, for a
 * commit whose caller must not go on before it is durable (the node before
 * it publishes: write-ahead): if the thread's fsync in flight already
 * covers the ticket, it waits for that one; otherwise it fsyncs the -wal
 * itself (its own handle) and the thread, finding nothing left to sync,
 * sleeps on.
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
  sqlite3_file *file_now; /* the -wal, opened by journal_sync_now on the committing thread */
  pthread_t th;
  int started, stop, failed;
  uint64_t want;               /* the last ticket committed */
  uint64_t inflight;           /* the largest ticket an fsync in progress covers (the thread's or
                                  journal_sync_now's), 0: none */
  atomic_uint_fast64_t durable; /* the last ticket synced */
  /* stats, under mu */
  uint64_t syncs, covered, syncs_now;
  float ring[SYNC_RING];
  size_t n_ring, ring_pos;
  double ms_max, ms_total;
};

static int wal_open(journal_sync *s, sqlite3_file **f) {
  *f = calloc(1, (size_t)s->vfs->szOsFile);
  if (!*f)
    return -1;
  int out = 0;
  if (s->vfs->xOpen(s->vfs, s->wal, *f, SQLITE_OPEN_READWRITE | SQLITE_OPEN_WAL, &out) != SQLITE_OK) {
    if ((*f)->pMethods)
      (*f)->pMethods->xClose(*f);
    free(*f);
    *f = NULL;
    return -1;
  }
  return 0;
}

/* One fsync of the -wal through *f (opened at the first call); its time
 * in ms to *ms.  1: synced. */
static int wal_sync(journal_sync *s, sqlite3_file **f, double *ms) {
  int64_t t0 = journal_mono_ns();
  int ok = (*f || wal_open(s, f) == 0) && (*f)->pMethods->xSync(*f, SQLITE_SYNC_NORMAL) == SQLITE_OK;
  *ms = (double)(journal_mono_ns() - t0) / 1e6;
  return ok;
}

/* Under mu: an fsync that started after ticket k was committed returned
 * (ok) or failed; counts it. */
static void synced(journal_sync *s, uint64_t k, int ok, double ms) {
  if (s->failed) {
    /* after a failed fsync nothing moves durable: the kernel may have dropped the dirty pages */
  } else if (!ok) {
    s->failed = 1;
    fprintf(stderr, "mwx journal: fsync of %s failed: commits after ticket %llu are not durable\n", s->wal,
            (unsigned long long)atomic_load(&s->durable));
  } else {
    uint64_t before = atomic_load(&s->durable);
    if (k > before) { /* the other fsync may have covered more meanwhile */
      atomic_store(&s->durable, k);
      s->covered += k - before;
    }
    if (s->inflight <= k)
      s->inflight = 0;
    s->syncs++;
    s->ms_total += ms;
    if (ms > s->ms_max)
      s->ms_max = ms;
    s->ring[s->ring_pos] = (float)ms;
    s->ring_pos = (s->ring_pos + 1) % SYNC_RING;
    if (s->n_ring < SYNC_RING)
      s->n_ring++;
  }
  pthread_cond_broadcast(&s->done);
  pthread_cond_signal(&s->cv); /* the thread: what is left after this one */
}

static void *worker(void *arg) {
  journal_sync *s = arg;
  (void)pthread_setname_np(pthread_self(), "mwx-sync"); /* a diagnostic: a failure changes nothing */
  pthread_mutex_lock(&s->mu);
  for (;;) {
    /* nothing to do while everything asked for is durable or covered by an
       fsync in progress (journal_sync_now's on the committing thread) */
    while ((s->want <= atomic_load(&s->durable) || s->want <= s->inflight) && !s->stop && !s->failed)
      pthread_cond_wait(&s->cv, &s->mu);
    if (s->failed)
      break; /* an fsync failed: final */
    if (s->want <= atomic_load(&s->durable))
      break; /* stop, and everything asked for is synced */
    if (s->want <= s->inflight) { /* stop: the fsync in progress finishes it */
      pthread_cond_wait(&s->done, &s->mu);
      continue;
    }
    uint64_t k = s->want;
    s->inflight = k;
    pthread_mutex_unlock(&s->mu);
    double ms = 0;
    int ok = wal_sync(s, &s->file, &ms);
    pthread_mutex_lock(&s->mu);
    synced(s, k, ok, ms);
    if (!ok)
      break;
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
  sqlite3_file *fs[2] = {s->file, s->file_now};
  for (int i = 0; i < 2; i++)
    if (fs[i]) {
      fs[i]->pMethods->xClose(fs[i]);
      free(fs[i]);
    }
  sqlite3_free_filename(s->fname);
  pthread_cond_destroy(&s->cv);
  pthread_cond_destroy(&s->done);
  pthread_mutex_destroy(&s->mu);
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

int journal_sync_now(journal_sync *s, uint64_t ticket) {
  pthread_mutex_lock(&s->mu);
  /* the thread's fsync in flight started after the ticket was committed: it covers it */
  while (atomic_load(&s->durable) < ticket && !s->failed && s->inflight >= ticket)
    pthread_cond_wait(&s->done, &s->mu);
  if (atomic_load(&s->durable) < ticket && !s->failed) {
    uint64_t k = s->want > ticket ? s->want : ticket; /* every commit so far (the caller commits) */
    s->inflight = k; /* the thread, woken by the commit, leaves this one to us */
    pthread_mutex_unlock(&s->mu);
    double ms = 0;
    int ok = wal_sync(s, &s->file_now, &ms);
    pthread_mutex_lock(&s->mu);
    s->syncs_now++;
    synced(s, k, ok, ms);
  }
  int failed = atomic_load(&s->durable) < ticket;
  pthread_mutex_unlock(&s->mu);
  return failed ? mwx_error_set(MWX_EIO, "journal: fsync of %s failed: ticket %llu not durable", s->wal,
                                (unsigned long long)ticket)
                : 0;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

void journal_sync_stats(journal_sync *s, mwx_journal_stats *out) {
  pthread_mutex_lock(&s->mu);
  out->syncs = s->syncs;
  out->syncs_now = s->syncs_now;
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
