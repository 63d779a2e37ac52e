/*
 * journal_int.h - what the journal's files share and nobody else uses:
 * the SQLite handle behind an mwx_journal, for journal_seq.c, whose tables
 * live in the same database and must move in the same transactions.  Not
 * API.
 */
#ifndef MWX_JOURNAL_INT_H
#define MWX_JOURNAL_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "mwx/journal.h"

/* The database handle of j (NULL for NULL).  Same thread rules as j. */
sqlite3 *mwx_journal__db(mwx_journal *j);

/* Prepared statements kept on the handle (issue 16, thirteenth session):
 * the statements run per received sample (seq_in) or per commit (meta, the
 * seal's hash) are prepared once, not per call (each sqlite3_prepare_v2 parses
 * and plans the SQL again).  journal_stmt returns slot's statement, prepared
 * from sql on first use (always the same sql for a slot), reset and with no
 * bindings; NULL on a prepare error (sqlite3_errmsg tells).  The caller
 * gives it back with journal_stmt_done (reset, bindings cleared) on every
 * path, before the next journal_stmt of the same slot; mwx_journal_close
 * finalizes them.  Same thread rules as j. */
typedef enum journal_stmt_slot {
  JOURNAL_STMT_META_READ,
  JOURNAL_STMT_META_PUT,
  JOURNAL_STMT_HASH,
  JOURNAL_STMT_SEQ_TABLES,
  JOURNAL_STMT_SEQ_IN,
  JOURNAL_STMT_SEQ_OUT,
  JOURNAL_STMT_COUNT
} journal_stmt_slot;
sqlite3_stmt *journal_stmt(mwx_journal *j, journal_stmt_slot slot, const char *sql);
void journal_stmt_done(sqlite3_stmt *st);

/* journal_ckpt.c: the WAL checkpoints of a node's handle, off its thread.
 * start installs the WAL hook on db (returns -1 out of memory); stop
 * removes it and joins the thread (before db closes); stats reads the
 * counters (any thread). */
typedef struct journal_ckpt journal_ckpt;
int journal_ckpt_start(sqlite3 *db, const char *path, journal_ckpt **out);
void journal_ckpt_stop(sqlite3 *db, journal_ckpt *c);
void journal_ckpt_stats(journal_ckpt *c, uint64_t *checkpoints, double *ms_total, double *ms_max,
                        uint64_t *wal_pages_max);

/* journal_sync.c: the commit's fsync off the committing thread
 * (MWX_JOURNAL_SYNC_THREAD).  start: the thread "mwx-sync" for db's WAL
 * (db open, in WAL mode); stop: syncs what was asked, joins, frees (before
 * db closes).  request: ticket k committed (the committing thread, after
 * COMMIT returned).  durable: the last ticket synced (any thread).  wait:
 * blocks until durable >= ticket (0) or an fsync failed (MWX_EIO).  now:
 * the same, the fsync on the calling thread (the committing one) unless the
 * thread's fsync in flight covers the ticket. */
typedef struct journal_sync journal_sync;
int journal_sync_start(sqlite3 *db, journal_sync **out);
void journal_sync_stop(journal_sync *s);
void journal_sync_request(journal_sync *s, uint64_t ticket);
uint64_t journal_sync_durable(journal_sync *s);
int journal_sync_wait(journal_sync *s, uint64_t ticket);
int journal_sync_now(journal_sync *s, uint64_t ticket);
int journal_sync_failed(journal_sync *s);
void journal_sync_stats(journal_sync *s, mwx_journal_stats *out);

/* CLOCK_MONOTONIC in ns: the journal's threads time their fsyncs and
 * checkpoints with it (journal_sync.c, journal_ckpt.c). */
static inline int64_t journal_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

#endif /* MWX_JOURNAL_INT_H */
