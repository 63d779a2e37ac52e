/*
 * journal_int.h - what the journal's files share and nobody else uses:
 * the SQLite handle behind an mwx_journal, for journal_seq.c, whose tables
 * live in the same database and must move in the same transactions.  Not
 * API.
 */
#ifndef MWX_JOURNAL_INT_H
#define MWX_JOURNAL_INT_H

#include <sqlite3.h>

#include "mwx/journal.h"

/* The database handle of j (NULL for NULL).  Same thread rules as j. */
sqlite3 *mwx_journal__db(mwx_journal *j);

/* journal_ckpt.c: the WAL checkpoints of a node's handle, off its thread.
 * start installs the WAL hook on db (returns -1 out of memory); stop
 * removes it and joins the thread (before db closes); stats reads the
 * counters (any thread). */
typedef struct journal_ckpt journal_ckpt;
int journal_ckpt_start(sqlite3 *db, const char *path, journal_ckpt **out);
void journal_ckpt_stop(sqlite3 *db, journal_ckpt *c);
void journal_ckpt_stats(journal_ckpt *c, uint64_t *checkpoints, double *ms_total, double *ms_max,
                        uint64_t *wal_pages_max);

#endif /* MWX_JOURNAL_INT_H */
