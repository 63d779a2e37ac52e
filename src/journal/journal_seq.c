/*
 * journal_seq.c - sequence numbers that survive a restart, and the replay
 * window of received samples (see "Sequence numbers and replay" in
 * journal.h).
 *
 * Why in the journal: the node's samples and their receipts are already
 * there, and the counters must move in the same transactions as the
 * records they follow from.  A counter written after its batch could be
 * lost by kill -9 while the batch survived: the restarted node would reuse
 * seqs its partners have taken (its samples refused as replays) or, for
 * seq_in, accept again what it had taken.  Written inside the batch, the
 * counters and the records are both there or both gone.
 *
 * Tables (created on first load, in the same database):
 *   seq_out(originator TEXT, topic INTEGER, seq INTEGER,
 *           PRIMARY KEY(originator, topic))
 *   seq_in(originator TEXT, topic INTEGER, top INTEGER, window INTEGER,
 *          copies BLOB, PRIMARY KEY(originator, topic))
 * window is the 64-bit bitmap stored as a signed SQLite integer (same
 * bits); copies is n_copies x 8 bytes.  Neither table is hashed into the
 * chain: they are a cache of the records, rebuilt from them when absent.
 * Someone with write access to the file can lower them, as he can delete
 * the file: what he cannot do is make the chain agree (docs/policy.md).
 *
 * The window (mwx_journal_seq_judge) follows the anti-replay window of
 * IPsec ESP (RFC 4303 section 3.4.3) and DTLS (RFC 6347 section 4.1.2.6):
 * bit i of window stands for seq top - i, bit 0 for top itself.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "journal_int.h"
#include "mwx/error.h"
#include "mwx/journal.h"

/* ---- the window (pure) --------------------------------------------------- */

/* A copy is told from the others by its releasable-to list: FNV-1a (64 bit)
 * of the codes in order.  Not a secret: a collision can only make a genuine
 * copy count as a duplicate (refused), never let a replay in. */
static void copy_id(const mwx_msg_marking *m, uint8_t id[8]) {
  uint64_t h = 14695981039346656037ull;
  for (int i = 0; i < m->n_releasable && i < MWX_MAX_NATIONS; i++)
    for (int k = 0; k < MWX_NATION_LEN; k++) {
      h ^= (uint8_t)m->releasable_to[i][k];
      h *= 1099511628211ull;
    }
  for (int i = 0; i < 8; i++)
    id[i] = (uint8_t)(h >> (8 * i));
}

static int copy_seen(const mwx_journal_seq_in *s, const uint8_t id[8]) {
  for (int i = 0; i < s->n_copies && i < MWX_JOURNAL_SEQ_COPIES; i++)
    if (!memcmp(s->copy[i], id, 8))
      return 1;
  return 0;
}

mwx_journal_seq_verdict mwx_journal_seq_judge(const mwx_journal_seq_in *s, const mwx_msg_marking *mark) {
  uint64_t seq = mark->seq;
  if (seq == 0)
    return MWX_JOURNAL_SEQ_ZERO;
  if (seq > s->top)
    return MWX_JOURNAL_SEQ_NEW;
  uint64_t d = s->top - seq;
  if (d >= MWX_JOURNAL_SEQ_WINDOW)
    return MWX_JOURNAL_SEQ_OLD;
  if (d == 0) {
    /* the newest sample again: with a releasable-to list already taken it
       is a duplicate; with another list it is another partner's copy of it
       (while there is room to remember it) */
    uint8_t id[8];
    copy_id(mark, id);
    if (copy_seen(s, id) || s->n_copies >= MWX_JOURNAL_SEQ_COPIES)
      return MWX_JOURNAL_SEQ_DUPLICATE;
    return MWX_JOURNAL_SEQ_COPY;
  }
  return (s->window >> d) & 1u ? MWX_JOURNAL_SEQ_DUPLICATE : MWX_JOURNAL_SEQ_NEW;
}

void mwx_journal_seq_accept(mwx_journal_seq_in *s, const mwx_msg_marking *mark) {
  mwx_journal_seq_verdict v = mwx_journal_seq_judge(s, mark);
  if (v != MWX_JOURNAL_SEQ_NEW && v != MWX_JOURNAL_SEQ_COPY)
    return;
  uint64_t seq = mark->seq;
  if (seq > s->top) {
    uint64_t shift = seq - s->top;
    s->window = shift >= MWX_JOURNAL_SEQ_WINDOW ? 0 : s->window << shift;
    s->window |= 1u;
    s->top = seq;
    s->n_copies = 0;
  } else if (seq < s->top)
    s->window |= (uint64_t)1 << (s->top - seq);
  if (seq == s->top && s->n_copies < MWX_JOURNAL_SEQ_COPIES)
    copy_id(mark, s->copy[s->n_copies++]);
}

const char *mwx_journal_seq_verdict_name(mwx_journal_seq_verdict v) {
  switch (v) {
  case MWX_JOURNAL_SEQ_NEW: return "new";
  case MWX_JOURNAL_SEQ_COPY: return "copy";
  case MWX_JOURNAL_SEQ_DUPLICATE: return "duplicate";
  case MWX_JOURNAL_SEQ_OLD: return "old";
  case MWX_JOURNAL_SEQ_ZERO: return "zero";
  }
  return "?";
}

/* ---- storage --------------------------------------------------------------- */

static const char *const SEQ_SCHEMA =
    "CREATE TABLE seq_out(originator TEXT NOT NULL, topic INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY(originator, topic));"
    "CREATE TABLE seq_in(originator TEXT NOT NULL, topic INTEGER NOT NULL, top INTEGER NOT NULL,"
    " window INTEGER NOT NULL, copies BLOB, PRIMARY KEY(originator, topic));";

static int db_fail(sqlite3 *db, const char *what) {
  return mwx_error_set(MWX_EIO, "journal %s: %s: %s", sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "?",
                       what, sqlite3_errmsg(db));
}

static int nation_ok(const char *s) {
  if (!s || strlen(s) != 3)
    return 0;
  for (int i = 0; i < 3; i++)
    if (s[i] < 'A' || s[i] > 'Z')
      return 0;
  return 1;
}

static int put_in(mwx_journal *j, const mwx_journal_seq_in *s) {
  sqlite3 *db = mwx_journal__db(j);
  sqlite3_stmt *st = journal_stmt(
      j, JOURNAL_STMT_SEQ_IN, "INSERT OR REPLACE INTO seq_in(originator, topic, top, window, copies) VALUES (?1,?2,?3,?4,?5)");
  if (!st)
    return db_fail(db, "seq_in");
  uint8_t blob[MWX_JOURNAL_SEQ_COPIES * 8];
  int nc = s->n_copies > MWX_JOURNAL_SEQ_COPIES ? MWX_JOURNAL_SEQ_COPIES : s->n_copies;
  memcpy(blob, s->copy, (size_t)nc * 8);
  sqlite3_bind_text(st, 1, s->originator, 3, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, s->topic);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)s->top);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)s->window);
  sqlite3_bind_blob(st, 5, blob, nc * 8, SQLITE_STATIC);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, "seq_in");
  journal_stmt_done(st);
  return rc;
}

static int put_out(mwx_journal *j, const char *originator, int topic, uint64_t seq) {
  sqlite3 *db = mwx_journal__db(j);
  sqlite3_stmt *st = journal_stmt(j, JOURNAL_STMT_SEQ_OUT,
                                  "INSERT INTO seq_out(originator, topic, seq) VALUES (?1,?2,?3)"
                                  " ON CONFLICT(originator, topic) DO UPDATE SET seq = max(seq, excluded.seq)");
  if (!st)
    return db_fail(db, "seq_out");
  sqlite3_bind_text(st, 1, originator, 3, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, topic);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(db, "seq_out");
  journal_stmt_done(st);
  return rc;
}

/* Rebuild: the window of every (originator, topic) from the sample records,
 * in id order (the order they were taken). */
typedef struct rebuild_in {
  mwx_journal_seq_in s[MWX_MAX_NATIONS * 8];
  size_t n;
  int overflow;
} rebuild_in;

static int on_sample(const mwx_journal_record *r, void *ctx) {
  rebuild_in *b = ctx;
  if (!r->has_msg || r->msg.topic < 1 || r->msg.topic > 5)
    return 0;
  mwx_journal_seq_in *s = NULL;
  for (size_t i = 0; i < b->n && !s; i++)
    if (!strncmp(b->s[i].originator, r->msg.mark.originator, 3) && b->s[i].topic == r->msg.topic)
      s = &b->s[i];
  if (!s) {
    if (b->n == sizeof b->s / sizeof b->s[0]) {
      b->overflow = 1;
      return 0;
    }
    s = &b->s[b->n++];
    memset(s, 0, sizeof *s);
    memcpy(s->originator, r->msg.mark.originator, 3);
    s->topic = r->msg.topic;
  }
  mwx_journal_seq_accept(s, &r->msg.mark);
  return 0;
}

static int on_own(const mwx_journal_record *r, void *ctx) {
  mwx_journal *j = ctx;
  if (!r->has_msg || r->msg.topic < 1 || r->msg.topic > 5 || !nation_ok(r->msg.mark.originator))
    return 0;
  return put_out(j, r->msg.mark.originator, r->msg.topic, r->msg.mark.seq);
}

static int has_tables(mwx_journal *j, int *yes) {
  sqlite3 *db = mwx_journal__db(j);
  sqlite3_stmt *st = journal_stmt(j, JOURNAL_STMT_SEQ_TABLES,
                                  "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('seq_in','seq_out')");
  if (!st)
    return db_fail(db, "schema");
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW)
    *yes = sqlite3_column_int(st, 0) == 2;
  else
    rc = db_fail(db, "schema");
  journal_stmt_done(st);
  return rc;
}

/* Creates the tables and fills them from the records if the journal has
 * none.  *ok = 0 for a read-only journal without them. */
static int ensure(mwx_journal *j, int *ok) {
  sqlite3 *db = mwx_journal__db(j);
  if (!db)
    return mwx_error_set(MWX_EINVAL, "journal seq: NULL journal");
  int yes = 0, rc = has_tables(j, &yes);
  *ok = yes;
  if (rc || yes)
    return rc;
  if (sqlite3_db_readonly(db, "main") == 1)
    return 0;
  int own_txn = sqlite3_get_autocommit(db);
  char *err = NULL;
  if (own_txn && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK) {
    rc = mwx_error_set(MWX_EIO, "journal seq: begin: %s", err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    return rc;
  }
  /* another process may have made them meanwhile */
  if (!(rc = has_tables(j, &yes)) && !yes) {
    if (sqlite3_exec(db, SEQ_SCHEMA, NULL, NULL, &err) != SQLITE_OK) {
      rc = mwx_error_set(MWX_EIO, "journal seq: create tables: %s", err ? err : sqlite3_errmsg(db));
      sqlite3_free(err);
    }
    if (!rc)
      rc = mwx_journal_query(j, INT64_MIN, MWX_JOURNAL_RELEASE, on_own, j);
    if (!rc)
      rc = mwx_journal_query(j, INT64_MIN, MWX_JOURNAL_TRACK, on_own, j);
    rebuild_in b;
    memset(&b, 0, sizeof b);
    if (!rc)
      rc = mwx_journal_query(j, INT64_MIN, MWX_JOURNAL_SAMPLE, on_sample, &b);
    for (size_t i = 0; i < b.n && !rc; i++)
      rc = put_in(j, &b.s[i]);
  }
  if (own_txn) {
    if (rc)
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    else if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
      rc = db_fail(db, "commit");
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
  }
  if (!rc)
    *ok = 1;
  return rc;
}

int mwx_journal_seq_in_put(mwx_journal *j, const mwx_journal_seq_in *s) {
  if (!j || !s)
    return mwx_error_set(MWX_EINVAL, "journal seq_in_put: NULL argument");
  if (!nation_ok(s->originator) || s->topic < 1 || s->topic > 5)
    return mwx_error_set(MWX_EINVAL, "journal seq_in_put: bad originator '%.3s' or topic %d", s->originator, s->topic);
  int ok = 0, rc = ensure(j, &ok);
  if (rc)
    return rc;
  if (!ok)
    return mwx_error_set(MWX_EINVAL, "journal seq_in_put: journal opened read-only");
  return put_in(j, s);
}

int mwx_journal_seq_out_put(mwx_journal *j, const char *originator, mwx_msg_topic topic, uint64_t seq) {
  if (!j || !originator)
    return mwx_error_set(MWX_EINVAL, "journal seq_out_put: NULL argument");
  if (!nation_ok(originator) || topic < 1 || topic > 5)
    return mwx_error_set(MWX_EINVAL, "journal seq_out_put: bad originator '%.3s' or topic %d", originator, (int)topic);
  int ok = 0, rc = ensure(j, &ok);
  if (rc)
    return rc;
  if (!ok)
    return mwx_error_set(MWX_EINVAL, "journal seq_out_put: journal opened read-only");
  return put_out(j, originator, (int)topic, seq);
}

int mwx_journal_seq_in_load(mwx_journal *j, mwx_journal_seq_in *out, size_t cap, size_t *n) {
  if (!j || !n || (cap && !out))
    return mwx_error_set(MWX_EINVAL, "journal seq_in_load: NULL argument");
  *n = 0;
  int ok = 0, rc = ensure(j, &ok);
  if (rc || !ok)
    return rc;
  sqlite3 *db = mwx_journal__db(j);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT rowid, originator, topic, top, window, copies FROM seq_in ORDER BY originator, topic",
                         -1, &st, NULL) != SQLITE_OK)
    return db_fail(db, "seq_in");
  int s = SQLITE_DONE;
  while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
    long long row = sqlite3_column_int64(st, 0);
    const char *o = (const char *)sqlite3_column_text(st, 1);
    int topic = sqlite3_column_int(st, 2);
    int cb = sqlite3_column_bytes(st, 5);
    if (!nation_ok(o) || topic < 1 || topic > 5 || sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
        sqlite3_column_type(st, 3) != SQLITE_INTEGER || sqlite3_column_type(st, 4) != SQLITE_INTEGER || cb % 8 ||
        cb > MWX_JOURNAL_SEQ_COPIES * 8) {
      rc = mwx_error_set(MWX_ECORRUPT, "journal seq_in row %lld: not a replay window (originator, topic 1..5, copies)",
                         row);
      break;
    }
    if (*n >= cap) {
      rc = mwx_error_set(MWX_ERANGE, "journal seq_in: more than %zu rows", cap);
      break;
    }
    mwx_journal_seq_in *e = &out[(*n)++];
    memset(e, 0, sizeof *e);
    memcpy(e->originator, o, 3);
    e->topic = (uint8_t)topic;
    e->top = (uint64_t)sqlite3_column_int64(st, 3);
    e->window = (uint64_t)sqlite3_column_int64(st, 4);
    e->n_copies = (uint8_t)(cb / 8);
    if (cb)
      memcpy(e->copy, sqlite3_column_blob(st, 5), (size_t)cb);
  }
  if (!rc && s != SQLITE_DONE)
    rc = db_fail(db, "seq_in");
  sqlite3_finalize(st);
  return rc;
}

int mwx_journal_seq_out_load(mwx_journal *j, const char *originator, uint64_t seq[6]) {
  if (!j || !originator || !seq)
    return mwx_error_set(MWX_EINVAL, "journal seq_out_load: NULL argument");
  memset(seq, 0, 6 * sizeof seq[0]);
  int ok = 0, rc = ensure(j, &ok);
  if (rc || !ok)
    return rc;
  sqlite3 *db = mwx_journal__db(j);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT topic, seq FROM seq_out WHERE originator = ?1", -1, &st, NULL) != SQLITE_OK)
    return db_fail(db, "seq_out");
  sqlite3_bind_text(st, 1, originator, -1, SQLITE_STATIC);
  int s = SQLITE_DONE;
  while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    int t = sqlite3_column_int(st, 0);
    sqlite3_int64 v = sqlite3_column_int64(st, 1);
    if (t < 1 || t > 5 || v < 0) {
      rc = mwx_error_set(MWX_ECORRUPT, "journal seq_out: %s topic %d seq %lld is not a counter", originator, t,
                         (long long)v);
      break;
    }
    seq[t] = (uint64_t)v;
  }
  if (!rc && s != SQLITE_DONE)
    rc = db_fail(db, "seq_out");
  sqlite3_finalize(st);
  return rc;
}
