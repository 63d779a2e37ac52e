/*
 * journal_ckpt.c - WAL checkpoints off the committing thread (issue 16).
 *
 * SQLite's default auto-checkpoint runs inside the COMMIT that brings the
 * WAL to 1,000 pages: that commit copies the WAL into the database file and
 * fsyncs it, tens of milliseconds on a shared disk, on the node's loop
 * thread, before anything of the pass is published.  For the node's handle
 * (writable, with the seal key) the journal replaces it: a WAL hook counts
 * the pages after each commit and, from CKPT_PAGES on, wakes a thread of
 * the handle that runs a PASSIVE checkpoint on a connection of its own.
 * PASSIVE takes no writer lock (it copies the frames committed before it
 * started; the writer keeps appending); the writer restarts the WAL from
 * its beginning at its next transaction once a checkpoint has copied all of
 * it, so the file stays at about CKPT_PAGES pages.  Crash safety is
 * SQLite's: a checkpoint interrupted by kill -9 or a power cut is redone
 * from the WAL at the next open.
 *
 * The thread starts at the first checkpoint needed (a short-lived handle
 * never starts it) and is joined by journal_ckpt_stop before the handle's
 * connection closes (SQLite's close then checkpoints the rest itself).  It
 * names itself "mwx-ckpt" (/proc/PID/task/TID/comm, top -H, perf, the
 * bench's SCHED_THREADS line: beside the node's mwx-rx, mwx-fuse, mwx-fit<i>
 * and mwx-mem, src/node/node_thread.c); its priority is the process's (it
 * waits on the disk, not for a CPU).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal_int.h"

#define CKPT_PAGES 1000       /* SQLite's default wal_autocheckpoint */
#define CKPT_MIN_GAP_NS 20000000ll /* at most one checkpoint per 20 ms */

struct journal_ckpt {
  char path[512];
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t th;
  int started, want, stop;
  /* stats, under mu */
  uint64_t checkpoints, wal_pages_max;
  double ms_total, ms_max;
};

static void *worker(void *arg) {
  journal_ckpt *c = arg;
  (void)pthread_setname_np(pthread_self(), "mwx-ckpt"); /* a diagnostic: a failure changes nothing */
  sqlite3 *db = NULL;
  /* a connection knows the file is in WAL mode only once it has read it:
     without the PRAGMA the first checkpoints do nothing (log = -1) */
  if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA journal_mode", NULL, NULL, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    db = NULL; /* no checkpoints from here: the WAL grows until the handle closes (SQLite's close checkpoints) */
  }
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->want && !c->stop)
      pthread_cond_wait(&c->cv, &c->mu);
    if (c->stop)
      break;
    c->want = 0;
    pthread_mutex_unlock(&c->mu);
    int64_t t0 = journal_mono_ns();
    int log = 0, done = 0;
    if (db)
      sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done); /* SQLITE_BUSY: next time */
    int64_t t1 = journal_mono_ns();
    double ms = (double)(t1 - t0) / 1e6;
    pthread_mutex_lock(&c->mu);
    c->checkpoints++;
    c->ms_total += ms;
    if (ms > c->ms_max)
      c->ms_max = ms;
    if (!c->stop) { /* rate limit: a WAL not yet restarted wakes us at every commit */
      pthread_mutex_unlock(&c->mu);
      struct timespec gap = {0, CKPT_MIN_GAP_NS};
      nanosleep(&gap, NULL);
      pthread_mutex_lock(&c->mu);
    }
  }
  pthread_mutex_unlock(&c->mu);
  sqlite3_close(db);
  return NULL;
}

/* After every commit of the handle (its thread): the WAL's size in pages. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages) {
  (void)db;
  (void)name;
  journal_ckpt *c = arg;
  pthread_mutex_lock(&c->mu);
  if ((uint64_t)pages > c->wal_pages_max)
    c->wal_pages_max = (uint64_t)pages;
  if (pages >= CKPT_PAGES && !c->stop) {
    if (!c->started && pthread_create(&c->th, NULL, worker, c) == 0)
      c->started = 1;
    if (c->started) {
      c->want = 1;
      pthread_cond_signal(&c->cv);
    }
  }
  pthread_mutex_unlock(&c->mu);
  if (!c->started && pages >= CKPT_PAGES) /* no thread: checkpoint here, as SQLite would */
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  return SQLITE_OK;
}

int journal_ckpt_start(sqlite3 *db, const char *path, journal_ckpt **out) {
  *out = NULL;
  journal_ckpt *c = calloc(1, sizeof *c);
  if (!c)
    return -1;
  snprintf(c->path, sizeof c->path, "%s", path);
  if (pthread_mutex_init(&c->mu, NULL)) {
    free(c);
    return -1;
  }
  if (pthread_cond_init(&c->cv, NULL)) {
    pthread_mutex_destroy(&c->mu);
    free(c);
    return -1;
  }
  sqlite3_wal_hook(db, wal_hook, c); /* replaces SQLite's auto-checkpoint on this connection */
  *out = c;
  return 0;
}

void journal_ckpt_stop(sqlite3 *db, journal_ckpt *c) {
  if (!c)
    return;
  if (db)
    sqlite3_wal_hook(db, NULL, NULL);
  pthread_mutex_lock(&c->mu);
  c->stop = 1;
  pthread_cond_signal(&c->cv);
  int started = c->started;
  pthread_mutex_unlock(&c->mu);
  if (started)
    pthread_join(c->th, NULL);
  pthread_cond_destroy(&c->cv);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

void journal_ckpt_stats(journal_ckpt *c, uint64_t *checkpoints, double *ms_total, double *ms_max,
                        uint64_t *wal_pages_max) {
  *checkpoints = 0;
  *ms_total = *ms_max = 0;
  *wal_pages_max = 0;
  if (!c)
    return;
  pthread_mutex_lock(&c->mu);
  *checkpoints = c->checkpoints;
  *ms_total = c->ms_total;
  *ms_max = c->ms_max;
  *wal_pages_max = c->wal_pages_max;
  pthread_mutex_unlock(&c->mu);
}
