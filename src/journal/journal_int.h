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

#endif /* MWX_JOURNAL_INT_H */
