/*
 * journal.c - the hash-chained, crash-safe audit record (see journal.h).
 *
 * Storage.  One SQLite database per node:
 *
 *   record(id INTEGER PRIMARY KEY, kind, time_ns, payload TEXT, msg BLOB,
 *          ref, hash BLOB)          append-only, ids 1, 2, 3 ... contiguous
 *   meta(key, value)                'format', 'head_id', 'head_hash',
 *                                   'head_sig' (optional seal)
 *
 * Chain.  The canonical bytes of a record are
 *   u64 id | u32 kind | i64 time_ns | u64 ref | u32 n | payload[n] |
 *   u32 m | msg[m]          (big-endian; msg = canonical sample || 64-byte sig)
 * and hash(id) = SHA-256(hash(id-1) || bytes(id)), hash(0) = 32 zero bytes.
 * The id is inside the hashed bytes, so a record cannot be moved to another
 * place in the chain without its hash changing.
 *
 * What verification detects (mwx_journal_verify walks from record 1):
 *   - an edited record (any column): its hash no longer matches;
 *   - an edited record whose hash was recomputed: the next record, which
 *     chains to the old hash, no longer matches;
 *   - a deleted record in the middle: a gap in the ids (and a broken link);
 *   - reordered records: the id is hashed, so the first moved one fails;
 *   - an inserted record: the ids or the link of the next record fail;
 *   - deleting the last records: the meta head (id, hash), written in the
 *     same transaction as every append, names a record that is gone;
 *   - rewriting the whole chain and the meta head with recomputed hashes
 *     (SHA-256 is public, so anyone with write access can do this): caught
 *     only by the seal, an Ed25519 signature of the head made by the node's
 *     key at every commit, checked when verify is given the public key.
 * What it cannot detect: a rollback of the whole file (or of the chain and
 *   its sealed head together) to an earlier genuine state, and rewriting
 *   by someone holding the node's private key.  Against rollback the head
 *   (mwx_journal_head) has to be stored or published outside the node;
 *   verify then shows whether that head is still the current one.
 *
 * Crash safety.  The database runs in WAL mode with synchronous=FULL: a
 * commit appends the transaction's pages to the -wal file and fsyncs it
 * before sqlite3_step(COMMIT) returns.  So:
 *   - kill -9 at any moment: a commit that returned is in the WAL (the
 *     kernel owns the written pages even without fsync), and SQLite replays
 *     the WAL on the next open; a commit that had not returned is either
 *     wholly present or wholly absent (the WAL frame checksums and the
 *     commit marker in the last frame make a partial transaction invisible).
 *     The chain and its head move in the same transaction, so they can never
 *     disagree after a crash.
 *   - power loss: with FULL, the fsync before return makes a returned
 *     commit durable as well.  MWX_JOURNAL_SYNC_NORMAL skips that fsync
 *     (WAL is synced at checkpoints only): still consistent and still safe
 *     against kill -9, but the last commits before a power cut may be lost.
 * Batches (mwx_journal_begin/commit) put many appends in one transaction
 * and one fsync.  That is safe because nothing in a batch is reported as
 * written until commit returns 0; a crash before then loses the whole batch
 * and leaves the chain at the previous commit, intact.  The caller must not
 * act on a record (e.g. publish the sample) before its batch commits.
 *
 * Several processes: every transaction is BEGIN IMMEDIATE (takes the write
 * lock first) and reads the head from the file, so appends from the node
 * and from "mwx release approve" in another process chain correctly.
 */
#include "mwx/journal.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwx/error.h"
#include "journal_int.h"

#define JOURNAL_FORMAT 1
#define SEAL_CONTEXT "mwx-journal-head-v1"

struct mwx_journal {
  sqlite3 *db;
  char path[512];
  int read_only;
  const mwx_msg_key *seal_key;
  int in_batch;    /* an explicit batch is open */
  int batch_error; /* an append in the batch failed: commit rolls back */
  uint64_t head_id;
  uint8_t head_hash[32];
  sqlite3_stmt *ins, *sel_range, *sel_one, *sel_ref, *sel_all, *sel_after, *sel_open;
  char *payload_copy; /* owned copy for mwx_journal_get */
};

static const char *const kind_names[] = {NULL, "plot", "track", "release", "sample", "sigfail", "alert", "replay"};

const char *mwx_journal_kind_name(mwx_journal_kind k) {
  if (k >= MWX_JOURNAL_PLOT && k <= MWX_JOURNAL_REPLAY) return kind_names[k];
  return "unknown";
}

int mwx_journal_kind_parse(const char *name, mwx_journal_kind *out) {
  for (int k = MWX_JOURNAL_PLOT; name && k <= MWX_JOURNAL_REPLAY; k++)
    if (!strcmp(name, kind_names[k])) {
      *out = (mwx_journal_kind)k;
      return 0;
    }
  return mwx_error_set(MWX_EINVAL, "unknown record kind '%s'", name ? name : "(null)");
}

static int db_error(mwx_journal *j, const char *what) {
  return mwx_error_set(MWX_EIO, "%s: %s: %s", j->path, what, sqlite3_errmsg(j->db));
}

static int exec(mwx_journal *j, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(j->db, sql, NULL, NULL, &err) != SQLITE_OK) {
    int rc = mwx_error_set(MWX_EIO, "%s: %s: %s", j->path, sql, err ? err : "error");
    sqlite3_free(err);
    return rc;
  }
  return 0;
}

/* journal_seq.c (secreplay): its tables live in the same database and move
 * in the journal's transactions. */
sqlite3 *mwx_journal__db(mwx_journal *j) { return j ? j->db : NULL; }

/* ---- canonical record bytes and hashing -------------------------------- */

static void be64(uint8_t *b, uint64_t v) {
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (56 - 8 * i));
}
static void be32(uint8_t *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (24 - 8 * i));
}

static int record_hash(const uint8_t prev[32], uint64_t id, uint32_t kind, int64_t time_ns, uint64_t ref,
                       const void *payload, size_t plen, const void *msg, size_t mlen, uint8_t out[32]) {
  uint8_t hdr[8 + 4 + 8 + 8 + 4], mhdr[4];
  be64(hdr, id);
  be32(hdr + 8, kind);
  be64(hdr + 12, (uint64_t)time_ns);
  be64(hdr + 20, ref);
  be32(hdr + 28, (uint32_t)plen);
  be32(mhdr, (uint32_t)mlen);
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(c, prev, 32) == 1 &&
           EVP_DigestUpdate(c, hdr, sizeof hdr) == 1 && (plen == 0 || EVP_DigestUpdate(c, payload, plen) == 1) &&
           EVP_DigestUpdate(c, mhdr, 4) == 1 && (mlen == 0 || EVP_DigestUpdate(c, msg, mlen) == 1) &&
           EVP_DigestFinal_ex(c, out, &n) == 1 && n == 32;
  EVP_MD_CTX_free(c);
  return ok ? 0 : mwx_error_set(MWX_ECRYPTO, "SHA-256 failed");
}

static void seal_bytes(uint64_t id, const uint8_t hash[32], uint8_t *buf, size_t *len) {
  size_t n = strlen(SEAL_CONTEXT);
  memcpy(buf, SEAL_CONTEXT, n);
  be64(buf + n, id);
  memcpy(buf + n + 8, hash, 32);
  *len = n + 40;
}


/* ---- open / close ------------------------------------------------------ */

static const char *const SCHEMA =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE record(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, time_ns INTEGER NOT NULL,"
    " payload TEXT NOT NULL, msg BLOB, ref INTEGER NOT NULL DEFAULT 0, hash BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS record_time ON record(time_ns);"
    "CREATE INDEX IF NOT EXISTS record_ref ON record(ref);"
    /* open release items (e.g. holds) are found through this index, not by a scan */
    "CREATE INDEX IF NOT EXISTS record_outcome ON record(json_extract(payload, '$.outcome')) WHERE kind = 3;"
    "INSERT INTO meta(key, value) VALUES ('format', 1), ('head_id', 0),"
    " ('head_hash', zeroblob(32));";

static int prepare(mwx_journal *j, const char *sql, sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK) return db_error(j, "prepare");
  return 0;
}

int mwx_journal_open(const char *path, const mwx_journal_options *opts, mwx_journal **out) {
  if (!path || !out) return mwx_error_set(MWX_EINVAL, "journal_open: NULL argument");
  *out = NULL;
  mwx_journal_options o = {MWX_JOURNAL_SYNC_FULL, 0, NULL};
  if (opts) o = *opts;
  mwx_journal *j = calloc(1, sizeof *j);
  if (!j) return mwx_error_set(MWX_ENOMEM, "journal_open: out of memory");
  snprintf(j->path, sizeof j->path, "%s", path);
  j->read_only = o.read_only;
  j->seal_key = o.seal_key;
  int flags = o.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc;
  if (sqlite3_open_v2(path, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    rc = mwx_error_set(MWX_EIO, "%s: cannot open journal: %s", path, j->db ? sqlite3_errmsg(j->db) : "out of memory");
    goto fail;
  }
  sqlite3_busy_timeout(j->db, 10000);
  if (!o.read_only) {
    if ((rc = exec(j, "PRAGMA journal_mode=WAL"))) goto fail;
    if ((rc = exec(j, o.sync == MWX_JOURNAL_SYNC_NORMAL ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL")))
      goto fail;
    /* A new (empty) file gets the schema; anything else must already be a
     * journal, checked below. */
    if ((rc = exec(j, "BEGIN IMMEDIATE"))) goto fail;
    sqlite3_stmt *cnt = NULL;
    int tables = -1;
    if (sqlite3_prepare_v2(j->db, "SELECT count(*) FROM sqlite_master", -1, &cnt, NULL) == SQLITE_OK &&
        sqlite3_step(cnt) == SQLITE_ROW)
      tables = sqlite3_column_int(cnt, 0);
    sqlite3_finalize(cnt);
    if (tables < 0) {
      rc = db_error(j, "read schema");
      sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
      goto fail;
    }
    if (tables == 0 && (rc = exec(j, SCHEMA))) {
      sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
      goto fail;
    }
    if ((rc = exec(j, "COMMIT"))) goto fail;
  }
  /* Is this a journal at all (and of our format)? */
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(j->db, "SELECT value FROM meta WHERE key='format'", -1, &st, NULL) != SQLITE_OK) {
    rc = mwx_error_set(MWX_EIO, "%s: not an mwx journal (%s)", path, sqlite3_errmsg(j->db));
    goto fail;
  }
  int step = sqlite3_step(st);
  int fmt = step == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  if (fmt != JOURNAL_FORMAT) {
    rc = mwx_error_set(MWX_EIO, "%s: not an mwx journal of format %d", path, JOURNAL_FORMAT);
    goto fail;
  }
  if ((rc = prepare(j, "INSERT INTO record(id, kind, time_ns, payload, msg, ref, hash) VALUES (?,?,?,?,?,?,?)",
                    &j->ins)) && !o.read_only)
    goto fail;
  if ((rc = prepare(j,
                    "SELECT id, kind, time_ns, payload, msg, ref, hash FROM record"
                    " WHERE time_ns >= ?1 AND (?2 = 0 OR kind = ?2) ORDER BY id",
                    &j->sel_range)) ||
      (rc = prepare(j, "SELECT id, kind, time_ns, payload, msg, ref, hash FROM record WHERE id = ?1", &j->sel_one)) ||
      (rc = prepare(j, "SELECT id, kind, time_ns, payload, msg, ref, hash FROM record WHERE ref = ?1 ORDER BY id",
                    &j->sel_ref)) ||
      (rc = prepare(j, "SELECT id, kind, time_ns, payload, msg, ref, hash FROM record ORDER BY id", &j->sel_all)) ||
      (rc = prepare(j,
                    "SELECT id, kind, time_ns, payload, msg, ref, hash FROM record"
                    " WHERE id > ?1 AND (?2 = 0 OR kind = ?2) ORDER BY id",
                    &j->sel_after)) ||
      (rc = prepare(j,
                    "SELECT r.id, r.kind, r.time_ns, r.payload, r.msg, r.ref, r.hash FROM record r"
                    " WHERE r.kind = 3 AND json_extract(r.payload, '$.outcome') = ?1"
                    " AND NOT EXISTS (SELECT 1 FROM record a WHERE a.ref = r.id) ORDER BY r.id",
                    &j->sel_open)))
    goto fail;
  mwx_error_clear();
  *out = j;
  return 0;
fail:
  mwx_journal_close(j);
  return rc;
}

void mwx_journal_close(mwx_journal *j) {
  if (!j) return;
  if (j->in_batch) sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_finalize(j->ins);
  sqlite3_finalize(j->sel_range);
  sqlite3_finalize(j->sel_one);
  sqlite3_finalize(j->sel_ref);
  sqlite3_finalize(j->sel_all);
  sqlite3_finalize(j->sel_after);
  sqlite3_finalize(j->sel_open);
  sqlite3_close(j->db);
  free(j->payload_copy);
  free(j);
}

/* ---- head -------------------------------------------------------------- */

/* Reads the recorded head from meta (inside the caller's transaction). */
static int read_head(mwx_journal *j, uint64_t *id, uint8_t hash[32], uint8_t sig[MWX_SIG_LEN], int *has_sig) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(j->db, "SELECT key, value FROM meta WHERE key IN ('head_id','head_hash','head_sig')", -1,
                         &st, NULL) != SQLITE_OK)
    return db_error(j, "read head");
  int got = 0, rc = 0, s;
  if (has_sig) *has_sig = 0;
  while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    if (!k) continue;
    if (!strcmp(k, "head_id")) {
      *id = (uint64_t)sqlite3_column_int64(st, 1);
      got |= 1;
    } else if (!strcmp(k, "head_hash")) {
      if (sqlite3_column_bytes(st, 1) == 32) {
        memcpy(hash, sqlite3_column_blob(st, 1), 32);
        got |= 2;
      }
    } else if (!strcmp(k, "head_sig") && sig && has_sig && sqlite3_column_bytes(st, 1) == MWX_SIG_LEN) {
      memcpy(sig, sqlite3_column_blob(st, 1), MWX_SIG_LEN);
      *has_sig = 1;
    }
  }
  if (s != SQLITE_DONE) rc = db_error(j, "read head");
  sqlite3_finalize(st);
  if (!rc && got != 3) rc = mwx_error_set(MWX_ECORRUPT, "%s: journal head (meta head_id/head_hash) is missing", j->path);
  return rc;
}

int mwx_journal_head(mwx_journal *j, uint64_t *id, uint8_t hash[32]) {
  if (!j || !id || !hash) return mwx_error_set(MWX_EINVAL, "journal_head: NULL argument");
  return read_head(j, id, hash, NULL, NULL);
}

/* Writes head (and its seal) at the end of a transaction. */
static int write_head(mwx_journal *j) {
  sqlite3_stmt *st = NULL;
  int rc = 0;
  uint8_t buf[64], sig[MWX_SIG_LEN]; /* bound with SQLITE_STATIC: must live until the step */
  if (sqlite3_prepare_v2(j->db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('head_id', ?1), ('head_hash', ?2)",
                         -1, &st, NULL) != SQLITE_OK)
    return db_error(j, "write head");
  sqlite3_bind_int64(st, 1, (sqlite3_int64)j->head_id);
  sqlite3_bind_blob(st, 2, j->head_hash, 32, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(j, "write head");
  sqlite3_finalize(st);
  if (rc) return rc;
  if (j->seal_key) {
    size_t len;
    seal_bytes(j->head_id, j->head_hash, buf, &len);
    if ((rc = mwx_msg_key_sign_bytes(j->seal_key, buf, len, sig))) return rc;
    if (sqlite3_prepare_v2(j->db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('head_sig', ?1)", -1, &st, NULL) !=
        SQLITE_OK)
      return db_error(j, "write seal");
    sqlite3_bind_blob(st, 1, sig, MWX_SIG_LEN, SQLITE_STATIC);
  } else if (sqlite3_prepare_v2(j->db, "DELETE FROM meta WHERE key = 'head_sig'", -1, &st, NULL) != SQLITE_OK) {
    return db_error(j, "clear seal");
  }
  if (sqlite3_step(st) != SQLITE_DONE) rc = db_error(j, "write seal");
  sqlite3_finalize(st);
  return rc;
}

/* ---- transactions ------------------------------------------------------ */

static int txn_begin(mwx_journal *j) {
  if (j->read_only) return mwx_error_set(MWX_EINVAL, "%s: journal opened read-only", j->path);
  int rc = exec(j, "BEGIN IMMEDIATE");
  if (rc) return sqlite3_errcode(j->db) == SQLITE_BUSY ? mwx_error_set(MWX_EBUSY, "%s", mwx_error_msg()) : rc;
  j->batch_error = 0;
  if ((rc = read_head(j, &j->head_id, j->head_hash, NULL, NULL))) {
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  return 0;
}

static int txn_commit(mwx_journal *j) {
  int rc = j->batch_error ? MWX_EIO : write_head(j);
  if (rc) {
    char why[512];
    snprintf(why, sizeof why, "%s", mwx_error_msg());
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return mwx_error_set(rc, "%s: batch rolled back: %s", j->path, why);
  }
  if ((rc = exec(j, "COMMIT"))) {
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  return 0;
}

int mwx_journal_begin(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_begin: NULL argument");
  if (j->in_batch) return mwx_error_set(MWX_EBUSY, "%s: a batch is already open", j->path);
  int rc = txn_begin(j);
  if (!rc) j->in_batch = 1;
  return rc;
}

int mwx_journal_commit(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_commit: NULL argument");
  if (!j->in_batch) return mwx_error_set(MWX_EINVAL, "%s: no batch is open", j->path);
  j->in_batch = 0;
  return txn_commit(j);
}

int mwx_journal_rollback(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_rollback: NULL argument");
  if (!j->in_batch) return mwx_error_set(MWX_EINVAL, "%s: no batch is open", j->path);
  j->in_batch = 0;
  return exec(j, "ROLLBACK");
}

/* ---- append ------------------------------------------------------------ */

static int insert(mwx_journal *j, mwx_journal_kind kind, int64_t time_ns, const char *payload, const mwx_msg *msg,
                  uint64_t ref, uint64_t *id_out) {
  uint8_t blob[MWX_MSG_MAX_BYTES + MWX_SIG_LEN];
  size_t blen = 0;
  if (msg) {
    int rc = mwx_msg_encode(msg, blob, MWX_MSG_MAX_BYTES, &blen);
    if (rc) return rc;
    memcpy(blob + blen, msg->sig, MWX_SIG_LEN);
    blen += MWX_SIG_LEN;
  }
  if (ref > j->head_id) return mwx_error_set(MWX_EINVAL, "%s: reference to record %llu, which does not exist yet",
                                             j->path, (unsigned long long)ref);
  uint64_t id = j->head_id + 1;
  size_t plen = strlen(payload);
  uint8_t hash[32];
  int rc = record_hash(j->head_hash, id, (uint32_t)kind, time_ns, ref, payload, plen, blob, blen, hash);
  if (rc) return rc;
  sqlite3_stmt *st = j->ins;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
  sqlite3_bind_int(st, 2, (int)kind);
  sqlite3_bind_int64(st, 3, time_ns);
  sqlite3_bind_text(st, 4, payload, (int)plen, SQLITE_STATIC);
  if (msg)
    sqlite3_bind_blob(st, 5, blob, (int)blen, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 5);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)ref);
  sqlite3_bind_blob(st, 7, hash, 32, SQLITE_STATIC);
  int s = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (s != SQLITE_DONE) return db_error(j, "insert record");
  j->head_id = id;
  memcpy(j->head_hash, hash, 32);
  if (id_out) *id_out = id;
  return 0;
}

int mwx_journal_append(mwx_journal *j, mwx_journal_kind kind, int64_t time_ns, const char *payload,
                       const mwx_msg *msg, uint64_t ref, uint64_t *id_out) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_append: NULL journal");
  if (kind < MWX_JOURNAL_PLOT || kind > MWX_JOURNAL_REPLAY)
    return mwx_error_set(MWX_EINVAL, "journal_append: unknown record kind %d", (int)kind);
  if (!payload) payload = "{}";
  json_error_t jerr;
  json_t *pj = json_loads(payload, JSON_REJECT_DUPLICATES, &jerr);
  int is_obj = json_is_object(pj);
  json_decref(pj);
  if (!pj) return mwx_error_set(MWX_EPARSE, "journal_append: payload is not JSON (line %d column %d: %s)", jerr.line,
                                jerr.column, jerr.text);
  if (!is_obj) return mwx_error_set(MWX_EINVAL, "journal_append: payload must be a JSON object");
  if (j->in_batch) {
    int rc = insert(j, kind, time_ns, payload, msg, ref, id_out);
    if (rc) j->batch_error = 1;
    return rc;
  }
  int rc = txn_begin(j);
  if (rc) return rc;
  uint64_t saved_id = j->head_id;
  uint8_t saved_hash[32];
  memcpy(saved_hash, j->head_hash, 32);
  if ((rc = insert(j, kind, time_ns, payload, msg, ref, id_out))) {
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  if ((rc = txn_commit(j))) {
    j->head_id = saved_id;
    memcpy(j->head_hash, saved_hash, 32);
  }
  return rc;
}

/* ---- reading ----------------------------------------------------------- */

/* Fills r from the current row of st.  The payload pointer is st's. */
static int row_to_record(mwx_journal *j, sqlite3_stmt *st, mwx_journal_record *r) {
  memset(r, 0, sizeof *r);
  r->id = (uint64_t)sqlite3_column_int64(st, 0);
  r->kind = (mwx_journal_kind)sqlite3_column_int(st, 1);
  r->time_ns = sqlite3_column_int64(st, 2);
  r->payload = (const char *)sqlite3_column_text(st, 3);
  if (!r->payload) r->payload = "{}";
  r->ref = (uint64_t)sqlite3_column_int64(st, 5);
  if (sqlite3_column_bytes(st, 6) == 32) memcpy(r->hash, sqlite3_column_blob(st, 6), 32);
  if (sqlite3_column_type(st, 4) == SQLITE_BLOB) {
    const uint8_t *b = sqlite3_column_blob(st, 4);
    int n = sqlite3_column_bytes(st, 4);
    if (n < MWX_SIG_LEN || mwx_msg_decode(b, (size_t)(n - MWX_SIG_LEN), &r->msg) != 0)
      return mwx_error_set(MWX_ECORRUPT, "%s: record %llu: stored sample does not decode", j->path,
                           (unsigned long long)r->id);
    memcpy(r->msg.sig, b + n - MWX_SIG_LEN, MWX_SIG_LEN);
    r->has_msg = 1;
  }
  return 0;
}

static int walk(mwx_journal *j, sqlite3_stmt *st, mwx_journal_fn fn, void *ctx) {
  int s, rc = 0;
  mwx_journal_record *r = malloc(sizeof *r);
  if (!r) {
    sqlite3_reset(st);
    return mwx_error_set(MWX_ENOMEM, "journal: out of memory");
  }
  while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    if ((rc = row_to_record(j, st, r))) break;
    if ((rc = fn(r, ctx))) break;
  }
  if (!rc && s != SQLITE_DONE) rc = db_error(j, "read records");
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  free(r);
  return rc;
}

int mwx_journal_query(mwx_journal *j, int64_t since_ns, mwx_journal_kind kind, mwx_journal_fn fn, void *ctx) {
  if (!j || !fn) return mwx_error_set(MWX_EINVAL, "journal_query: NULL argument");
  sqlite3_bind_int64(j->sel_range, 1, since_ns);
  sqlite3_bind_int(j->sel_range, 2, (int)kind);
  return walk(j, j->sel_range, fn, ctx);
}

int mwx_journal_query_after(mwx_journal *j, uint64_t after_id, mwx_journal_kind kind, mwx_journal_fn fn, void *ctx) {
  if (!j || !fn) return mwx_error_set(MWX_EINVAL, "journal_query_after: NULL argument");
  sqlite3_bind_int64(j->sel_after, 1, after_id > INT64_MAX ? INT64_MAX : (sqlite3_int64)after_id);
  sqlite3_bind_int(j->sel_after, 2, (int)kind);
  return walk(j, j->sel_after, fn, ctx);
}

int mwx_journal_unanswered(mwx_journal *j, const char *outcome, mwx_journal_fn fn, void *ctx) {
  if (!j || !outcome || !fn) return mwx_error_set(MWX_EINVAL, "journal_unanswered: NULL argument");
  sqlite3_bind_text(j->sel_open, 1, outcome, -1, SQLITE_TRANSIENT);
  return walk(j, j->sel_open, fn, ctx);
}

int mwx_journal_answers(mwx_journal *j, uint64_t id, mwx_journal_fn fn, void *ctx) {
  if (!j || !fn) return mwx_error_set(MWX_EINVAL, "journal_answers: NULL argument");
  sqlite3_bind_int64(j->sel_ref, 1, (sqlite3_int64)id);
  return walk(j, j->sel_ref, fn, ctx);
}

int mwx_journal_get(mwx_journal *j, uint64_t id, mwx_journal_record *r) {
  if (!j || !r) return mwx_error_set(MWX_EINVAL, "journal_get: NULL argument");
  sqlite3_stmt *st = j->sel_one;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
  int s = sqlite3_step(st), rc = 0;
  if (s == SQLITE_ROW) {
    rc = row_to_record(j, st, r);
    if (!rc) {
      free(j->payload_copy);
      j->payload_copy = strdup(r->payload);
      if (!j->payload_copy) rc = mwx_error_set(MWX_ENOMEM, "journal_get: out of memory");
      r->payload = j->payload_copy;
    }
  } else if (s == SQLITE_DONE) {
    rc = mwx_error_set(MWX_ENOTFOUND, "%s: no record %llu", j->path, (unsigned long long)id);
  } else {
    rc = db_error(j, "read record");
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

/* ---- verification ------------------------------------------------------ */

static int broken(mwx_journal *j, mwx_journal_verify_result *res, uint64_t id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int broken(mwx_journal *j, mwx_journal_verify_result *res, uint64_t id, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->why, sizeof res->why, fmt, ap);
  va_end(ap);
  res->bad_id = id;
  if (id)
    return mwx_error_set(MWX_ECORRUPT, "%s: record %llu: %s", j->path, (unsigned long long)id, res->why);
  return mwx_error_set(MWX_ECORRUPT, "%s: %s", j->path, res->why);
}

int mwx_journal_verify(mwx_journal *j, const mwx_msg_key *pub, mwx_journal_verify_result *res) {
  if (!j || !res) return mwx_error_set(MWX_EINVAL, "journal_verify: NULL argument");
  memset(res, 0, sizeof *res);
  /* One read transaction: a consistent snapshot even while the node appends. */
  int rc = exec(j, "BEGIN");
  if (rc) return rc;
  uint64_t head_id = 0;
  uint8_t head_hash[32], sig[MWX_SIG_LEN], prev[32] = {0};
  int has_sig = 0;
  if ((rc = read_head(j, &head_id, head_hash, sig, &has_sig))) {
    snprintf(res->why, sizeof res->why, "%s", mwx_error_msg());
    goto done;
  }
  sqlite3_stmt *st = j->sel_all;
  uint64_t expect = 1;
  int s;
  while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 sid = sqlite3_column_int64(st, 0);
    uint64_t id = (uint64_t)sid;
    if (sid < 1 || id < expect) {
      rc = broken(j, res, id, "unexpected id (inserted record)");
      break;
    }
    if (id > expect) {
      rc = broken(j, res, expect, "missing (deleted); the next record present is %llu", (unsigned long long)id);
      break;
    }
    if (sqlite3_column_type(st, 1) != SQLITE_INTEGER || sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
        sqlite3_column_type(st, 3) != SQLITE_TEXT || sqlite3_column_type(st, 5) != SQLITE_INTEGER ||
        (sqlite3_column_type(st, 4) != SQLITE_BLOB && sqlite3_column_type(st, 4) != SQLITE_NULL) ||
        sqlite3_column_type(st, 6) != SQLITE_BLOB || sqlite3_column_bytes(st, 6) != 32) {
      rc = broken(j, res, id, "a column has the wrong type (edited)");
      break;
    }
    sqlite3_int64 kind = sqlite3_column_int64(st, 1);
    if (kind < MWX_JOURNAL_PLOT || kind > MWX_JOURNAL_REPLAY) {
      rc = broken(j, res, id, "unknown kind %lld (edited)", (long long)kind);
      break;
    }
    const void *payload = sqlite3_column_text(st, 3);
    size_t plen = (size_t)sqlite3_column_bytes(st, 3);
    const void *msg = sqlite3_column_blob(st, 4);
    size_t mlen = (size_t)sqlite3_column_bytes(st, 4);
    uint8_t h[32];
    if ((rc = record_hash(prev, id, (uint32_t)kind, sqlite3_column_int64(st, 2),
                          (uint64_t)sqlite3_column_int64(st, 5), payload, plen, msg, mlen, h)))
      break;
    if (memcmp(h, sqlite3_column_blob(st, 6), 32) != 0) {
      rc = broken(j, res, id,
                  id > 1 ? "hash does not match its content and the previous record's hash (edited, reordered or "
                           "inserted here, or the previous record's hash was rewritten)"
                         : "hash does not match its content (edited)");
      break;
    }
    memcpy(prev, h, 32);
    res->records = id;
    expect = id + 1;
  }
  if (!rc && s != SQLITE_ROW && s != SQLITE_DONE) rc = db_error(j, "read records");
  sqlite3_reset(st);
  if (rc) goto done;
  if (res->records < head_id) {
    rc = broken(j, res, res->records + 1, "missing (deleted): the recorded head is record %llu",
                (unsigned long long)head_id);
  } else if (res->records > head_id) {
    rc = broken(j, res, head_id + 1, "beyond the recorded head %llu (appended outside mwx)",
                (unsigned long long)head_id);
  } else if (memcmp(prev, head_hash, 32) != 0) {
    rc = broken(j, res, head_id, "hash differs from the recorded head hash (chain rewritten)");
  } else if (pub) {
    uint8_t buf[64];
    size_t len;
    seal_bytes(head_id, head_hash, buf, &len);
    if (!has_sig)
      rc = broken(j, res, 0, "head of %llu records is not sealed (written without the node key, or seal removed)",
                  (unsigned long long)head_id);
    else if (mwx_msg_key_verify_bytes(pub, buf, len, sig) != 0)
      rc = broken(j, res, 0, "head seal does not verify with the given key (chain or head rewritten)");
    else
      res->sealed = 1;
  }
done:
  sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
  if (!rc) mwx_error_clear();
  return rc;
}
