/*
 * journal.c - the hash-chained, crash-safe audit record (see journal.h).
 *
 * Storage.  One SQLite database per node (format 2):
 *
 *   record(id INTEGER PRIMARY KEY, kind, time_ns, payload TEXT, msg BLOB,
 *          ref, hash BLOB)          append-only, ids 1, 2, 3 ... contiguous
 *   meta(key, value)                'format', 'head_id', 'head_hash';
 *                                   'owner', 'owner_pub' (the node's nation and
 *                                   origin public key, written once);
 *                                   'seal_id', 'seal_hash', 'seal_sig'
 *   indexes: record_time, record_ref, record_outcome, and the UNIQUE partial
 *   indexes record_answer (one decision per hold) and record_published (one
 *   "published" record per hold): a hold is released at most once by the
 *   schema itself, whatever a query or a damaged index says.
 *
 * Chain.  The canonical bytes of a record are
 *   u64 id | u32 kind | i64 time_ns | u64 ref | u32 n | payload[n] |
 *   u32 m | msg[m]          (big-endian; msg = canonical sample || 64-byte sig)
 * and hash(id) = SHA-256(hash(id-1) || bytes(id)), hash(0) = 32 zero bytes.
 * The id is inside the hashed bytes, so a record cannot be moved to another
 * place in the chain without its hash changing.
 *
 * Seal.  A handle opened with a seal key signs the head in every commit's
 * own transaction (write_head, called from txn_commit, the one commit
 * function every path goes through: single appends, batches, a future
 * group commit), seal_sig = Ed25519("mwx-journal-seal-v2" | owner (3 bytes,
 * zero if none) | u64 id | hash).  A node's journal is owned
 * (mwx_journal_claim on an empty file): only the owner's key opens it as a
 * sealing handle; a handle without it may append only release decisions
 * (kind 3, ref != 0).  Before sealing, the owner checks (txn_begin) that
 * every record appended since its last seal by another process is an
 * approve/deny decision on one of its sealed holds, chained from the sealed
 * hash; otherwise the transaction is refused, so the node never seals
 * what it did not write except operators' decisions.  A handle without the
 * key leaves the last seal in place (it then covers a prefix of the chain).
 *
 * What verification detects (mwx_journal_verify: PRAGMA integrity_check,
 * the schema compared with SCHEMA_OBJECTS, then the walk from record 1):
 *   - an edited record (any column): its hash no longer matches;
 *   - an edited record whose hash was recomputed: the next record, which
 *     chains to the old hash, no longer matches;
 *   - a deleted record in the middle: a gap in the ids (and a broken link);
 *   - reordered records: the id is hashed, so the first moved one fails;
 *   - an inserted record: the ids or the link of the next record fail;
 *   - deleting the last records: the meta head names a record that is
 *     gone, and so does the seal even if the meta head is fixed;
 *   - rewriting the chain and the meta head with recomputed hashes (SHA-256
 *     is public), renumbering, moving the seal id: the chain no longer ends
 *     at the sealed hash, or the seal does not verify;
 *   - a VIEW, trigger or index added, dropped or changed: the schema
 *     differs (the journal also refuses to open);
 *   - a damaged page or index (one flipped bit in record_ref): SQLite's
 *     integrity check;
 *   - records appended after the seal (a forged approval): with the public
 *     key, "not sealed".
 *   Without a public key the seal is checked under the owner key the file
 *   names, which catches all but a rewrite that also replaces that key.
 * What it cannot detect: a rollback of the whole file to an earlier
 *   genuine state (its seal then is genuine too), and rewriting by someone
 *   holding the node's private key.  Against rollback the sealed head is
 *   published in every NodeStatus; partners journal it and
 *   "mwx audit verify --head-from-partner" compares.  A decision forged by
 *   someone with write access to the live file is, to the journal, an
 *   operator's (write access is operator privilege); it can only release a
 *   genuine, verified hold of the node.
 *
 * Before acting.  mwx_journal_check_record verifies one record before
 * anything from it is signed: its hash, every link up to the sealed head,
 * and the seal under the node's key (the queue uses it for holds).
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
 *     MWX_JOURNAL_SYNC_THREAD runs at NORMAL and fsyncs the WAL on the
 *     handle's sync thread (journal_sync.c): commit k is durable once
 *     mwx_journal_durable() >= k, or when mwx_journal_sync_now returned
 *     (tests/test_node_powerloss.c cuts the power through a VFS shim and
 *     checks it).
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
#include <time.h>

#include "mwx/error.h"
#include "mwx/json.h"
#include "journal_int.h"

#define JOURNAL_FORMAT 2
#define SEAL_CONTEXT "mwx-journal-seal-v2"
#define NEST_MAX 8 /* nested batches */
#define RING 4096  /* commit durations kept for the percentiles */

struct mwx_journal {
  sqlite3 *db;
  char path[512];
  int read_only;
  const mwx_msg_key *seal_key;
  int in_batch;    /* an explicit batch is open */
  int batch_error; /* an append in the batch failed: commit rolls back */
  uint64_t head_id;
  uint8_t head_hash[32];
  int owned;                       /* meta names the node that owns the journal */
  char owner[MWX_NATION_LEN];      /* its nation */
  uint8_t owner_pub[MWX_PUB_LEN];  /* its origin public key */
  int is_owner;                    /* seal_key is the owner's key: this handle is the node */
  uint64_t my_seal_id;             /* owner: the seal this handle last wrote or checked */
  uint8_t my_seal_hash[32];
  sqlite3_stmt *ins, *sel_range, *sel_one, *sel_ref, *sel_all, *sel_after, *sel_open, *sel_answer;
  char *payload_copy; /* owned copy for mwx_journal_get */
  /* nested batches (savepoints) inside the explicit one */
  int depth;
  uint64_t nest_head_id[NEST_MAX];
  uint8_t nest_head_hash[NEST_MAX][32];
  int nest_batch_error[NEST_MAX];
  /* commit timing: the last RING commit durations (ms) */
  float ring[RING];
  size_t n_ring, ring_pos;
  uint64_t commits;
  double commit_ms_max, commit_ms_total;
  journal_ckpt *ckpt; /* the node's handle: checkpoints off the committing thread (journal_ckpt.c) */
  mwx_journal_sync sync_mode;
  uint64_t ticket;    /* outermost commits since open (mwx_journal_ticket) */
  journal_sync *syncer; /* MWX_JOURNAL_SYNC_THREAD: the commit's fsync off this thread (journal_sync.c) */
  sqlite3_stmt *cache[JOURNAL_STMT_COUNT]; /* journal_stmt: prepared once, finalized at close */
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

sqlite3_stmt *journal_stmt(mwx_journal *j, journal_stmt_slot slot, const char *sql) {
  if (!j || slot < 0 || slot >= JOURNAL_STMT_COUNT) return NULL;
  if (!j->cache[slot] &&
      sqlite3_prepare_v3(j->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &j->cache[slot], NULL) != SQLITE_OK) {
    sqlite3_finalize(j->cache[slot]);
    j->cache[slot] = NULL;
  }
  return j->cache[slot];
}

void journal_stmt_done(sqlite3_stmt *st) {
  if (!st) return;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

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

/* What the seal signs: context | owner nation (3 bytes, zero if none) |
 * u64 id | hash. */
static void seal_bytes(const char owner[MWX_NATION_LEN], uint64_t id, const uint8_t hash[32], uint8_t *buf,
                       size_t *len) {
  size_t n = strlen(SEAL_CONTEXT);
  memcpy(buf, SEAL_CONTEXT, n);
  memset(buf + n, 0, 3);
  if (owner) memcpy(buf + n, owner, strnlen(owner, 3));
  be64(buf + n + 3, id);
  memcpy(buf + n + 11, hash, 32);
  *len = n + 43;
}

/* ---- open / close ------------------------------------------------------ */

/* The schema, exactly: mwx_journal_verify compares the file's sqlite_master
 * with a database made from this text, so an added VIEW, trigger or index,
 * or a changed one, is reported. */
static const char *const SCHEMA_OBJECTS =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB);"
    "CREATE TABLE record(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, time_ns INTEGER NOT NULL,"
    " payload TEXT NOT NULL, msg BLOB, ref INTEGER NOT NULL DEFAULT 0, hash BLOB NOT NULL);"
    "CREATE INDEX record_time ON record(time_ns);"
    "CREATE INDEX record_ref ON record(ref);"
    /* open release items (e.g. holds) are found through this index, not by a scan */
    "CREATE INDEX record_outcome ON record(json_extract(payload, '$.outcome')) WHERE kind = 3;"
    /* at most one decision (approved / denied) answers a hold, and at most one
     * "published" record names a hold: a hold is released at most once,
     * whatever a query or a damaged index says */
    "CREATE UNIQUE INDEX record_answer ON record(ref) WHERE kind = 3 AND ref <> 0;"
    "CREATE UNIQUE INDEX record_published ON record(json_extract(payload, '$.hold')) WHERE kind = 2 AND ref <> 0;";
static const char *const SCHEMA_META =
    "INSERT INTO meta(key, value) VALUES ('format', 2), ('head_id', 0), ('head_hash', zeroblob(32));";

static int owner_setup(mwx_journal *j, const mwx_journal_options *o);
static int write_head(mwx_journal *j);
static int schema_diff(mwx_journal *j, char *line, size_t n);

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
  j->sync_mode = o.sync;
  if (o.sync != MWX_JOURNAL_SYNC_FULL && o.sync != MWX_JOURNAL_SYNC_NORMAL && o.sync != MWX_JOURNAL_SYNC_THREAD) {
    free(j);
    return mwx_error_set(MWX_EINVAL, "journal_open: unknown sync mode %d", (int)o.sync);
  }
  int flags = o.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc;
  if (sqlite3_open_v2(path, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
    rc = mwx_error_set(MWX_EIO, "%s: cannot open journal: %s", path, j->db ? sqlite3_errmsg(j->db) : "out of memory");
    goto fail;
  }
  sqlite3_busy_timeout(j->db, 10000);
  if (!o.read_only) {
    if ((rc = exec(j, "PRAGMA journal_mode=WAL"))) goto fail;
    if ((rc = exec(j, o.sync == MWX_JOURNAL_SYNC_FULL ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")))
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
    if (tables == 0 && ((rc = exec(j, SCHEMA_OBJECTS)) || (rc = exec(j, SCHEMA_META)))) {
      sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
      goto fail;
    }
    if ((rc = exec(j, "COMMIT"))) goto fail;
    if (o.seal_key && journal_ckpt_start(j->db, j->path, &j->ckpt)) {
      rc = mwx_error_set(MWX_ENOMEM, "journal_open: out of memory");
      goto fail;
    }
    if (o.sync == MWX_JOURNAL_SYNC_THREAD && (rc = journal_sync_start(j->db, &j->syncer))) goto fail;
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
  if (fmt == 1) {
    rc = mwx_error_set(MWX_EIO, "%s: a journal of format 1 (before sealing and owners); this mwx reads format %d:"
                       " start a new journal", path, JOURNAL_FORMAT);
    goto fail;
  }
  if (fmt != JOURNAL_FORMAT) {
    rc = mwx_error_set(MWX_EIO, "%s: not an mwx journal of format %d", path, JOURNAL_FORMAT);
    goto fail;
  }
  {
    char line[200];
    int d = schema_diff(j, line, sizeof line);
    if (d) {
      rc = d < 0 ? d : mwx_error_set(MWX_ECORRUPT, "%s: %s", path, line);
      goto fail;
    }
  }
  if ((rc = owner_setup(j, &o))) goto fail;
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
                    " AND NOT EXISTS (SELECT 1 FROM record a INDEXED BY record_answer"
                    "  WHERE a.ref = r.id AND a.kind = 3 AND a.ref <> 0) ORDER BY r.id",
                    &j->sel_open)) ||
      (rc = prepare(j,
                    "SELECT id, kind, time_ns, payload, msg, ref, hash FROM record INDEXED BY record_answer"
                    " WHERE ref = ?1 AND kind = 3 AND ref <> 0",
                    &j->sel_answer)))
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
  journal_sync_stop(j->syncer); /* syncs what was committed, before the connection goes */
  journal_ckpt_stop(j->db, j->ckpt);
  sqlite3_finalize(j->ins);
  sqlite3_finalize(j->sel_range);
  sqlite3_finalize(j->sel_one);
  sqlite3_finalize(j->sel_ref);
  sqlite3_finalize(j->sel_all);
  sqlite3_finalize(j->sel_after);
  sqlite3_finalize(j->sel_open);
  sqlite3_finalize(j->sel_answer);
  for (int i = 0; i < JOURNAL_STMT_COUNT; i++) sqlite3_finalize(j->cache[i]);
  sqlite3_close(j->db);
  free(j->payload_copy);
  free(j);
}

/* ---- meta: head, seal, owner -------------------------------------------- */

typedef struct meta_info {
  uint64_t head_id;
  uint8_t head_hash[32];
  int has_seal;
  uint64_t seal_id;
  uint8_t seal_hash[32];
  uint8_t seal_sig[MWX_SIG_LEN];
  int owned;
  char owner[MWX_NATION_LEN];
  uint8_t owner_pub[MWX_PUB_LEN];
} meta_info;

/* Reads the meta rows (inside the caller's transaction, or one statement). */
static int read_meta(mwx_journal *j, meta_info *m) {
  memset(m, 0, sizeof *m);
  sqlite3_stmt *st = journal_stmt(j, JOURNAL_STMT_META_READ, "SELECT key, value FROM meta");
  if (!st) return db_error(j, "read head");
  int got = 0, seal = 0, own = 0, rc = 0, s;
  while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    int n = sqlite3_column_bytes(st, 1);
    int blob = sqlite3_column_type(st, 1) == SQLITE_BLOB;
    if (!k) continue;
    if (!strcmp(k, "head_id") && sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
      m->head_id = (uint64_t)sqlite3_column_int64(st, 1);
      got |= 1;
    } else if (!strcmp(k, "head_hash") && blob && n == 32) {
      memcpy(m->head_hash, sqlite3_column_blob(st, 1), 32);
      got |= 2;
    } else if (!strcmp(k, "seal_id") && sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
      m->seal_id = (uint64_t)sqlite3_column_int64(st, 1);
      seal |= 1;
    } else if (!strcmp(k, "seal_hash") && blob && n == 32) {
      memcpy(m->seal_hash, sqlite3_column_blob(st, 1), 32);
      seal |= 2;
    } else if (!strcmp(k, "seal_sig") && blob && n == MWX_SIG_LEN) {
      memcpy(m->seal_sig, sqlite3_column_blob(st, 1), MWX_SIG_LEN);
      seal |= 4;
    } else if (!strcmp(k, "owner") && sqlite3_column_type(st, 1) == SQLITE_TEXT && n == 3) {
      memcpy(m->owner, sqlite3_column_text(st, 1), 3);
      own |= 1;
    } else if (!strcmp(k, "owner_pub") && blob && n == MWX_PUB_LEN) {
      memcpy(m->owner_pub, sqlite3_column_blob(st, 1), MWX_PUB_LEN);
      own |= 2;
    }
  }
  if (s != SQLITE_DONE) rc = db_error(j, "read head");
  journal_stmt_done(st);
  if (!rc && got != 3) rc = mwx_error_set(MWX_ECORRUPT, "%s: journal head (meta head_id/head_hash) is missing", j->path);
  m->has_seal = seal == 7;
  m->owned = own == 3;
  return rc;
}

/* Kept for the head readers below. */
static int read_head(mwx_journal *j, uint64_t *id, uint8_t hash[32]) {
  meta_info m;
  int rc = read_meta(j, &m);
  if (!rc) {
    *id = m.head_id;
    memcpy(hash, m.head_hash, 32);
  }
  return rc;
}

int mwx_journal_head(mwx_journal *j, uint64_t *id, uint8_t hash[32]) {
  if (!j || !id || !hash) return mwx_error_set(MWX_EINVAL, "journal_head: NULL argument");
  return read_head(j, id, hash);
}

int mwx_journal_sealed_head(mwx_journal *j, uint64_t *id, uint8_t hash[32]) {
  if (!j || !id || !hash) return mwx_error_set(MWX_EINVAL, "journal_sealed_head: NULL argument");
  meta_info m;
  int rc = read_meta(j, &m);
  if (rc) return rc;
  *id = m.has_seal ? m.seal_id : 0;
  memcpy(hash, m.has_seal ? m.seal_hash : (const uint8_t[32]){0}, 32);
  return 0;
}

int mwx_journal_owner(mwx_journal *j, char nation[MWX_NATION_LEN], uint8_t pub[MWX_PUB_LEN], int *owned) {
  if (!j || !owned) return mwx_error_set(MWX_EINVAL, "journal_owner: NULL argument");
  meta_info m;
  int rc = read_meta(j, &m);
  if (rc) return rc;
  *owned = m.owned;
  if (nation) memcpy(nation, m.owned ? m.owner : "\0\0\0", MWX_NATION_LEN);
  if (pub) memcpy(pub, m.owner_pub, MWX_PUB_LEN);
  return 0;
}

static int put_meta(mwx_journal *j, const char *key, const void *blob, int n, sqlite3_int64 ival, int is_text) {
  sqlite3_stmt *st = journal_stmt(j, JOURNAL_STMT_META_PUT, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
  if (!st) return db_error(j, "write meta");
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (is_text)
    sqlite3_bind_text(st, 2, blob, n, SQLITE_STATIC);
  else if (blob)
    sqlite3_bind_blob(st, 2, blob, n, SQLITE_STATIC);
  else
    sqlite3_bind_int64(st, 2, ival);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(j, "write meta");
  journal_stmt_done(st);
  return rc;
}

/* The owner's checks of its last seal, cheap enough for every transaction:
 * present, not beyond the head, and the record it names still has the hash
 * sealed; with check_sig (at open) also the signature under the handle's
 * key. */
static int seal_valid(const meta_info *m, const mwx_msg_key *key);
static int stored_hash(mwx_journal *j, uint64_t id, uint8_t out[32]);
static int seal_still_holds(mwx_journal *j, const meta_info *m, int check_sig) {
  uint8_t h[32];
  if (!m->has_seal)
    return mwx_error_set(MWX_ECORRUPT, "%s: the journal of %.3s's node has lost its seal: run 'mwx audit verify'",
                         j->path, m->owner);
  if (m->seal_id > m->head_id)
    return mwx_error_set(MWX_ECORRUPT,
                         "%s: records up to %llu, which the node sealed, are gone (the chain ends at %llu): refusing"
                         " to seal over a cut journal; run 'mwx audit verify'",
                         j->path, (unsigned long long)m->seal_id, (unsigned long long)m->head_id);
  int rc = stored_hash(j, m->seal_id, h);
  if (rc == MWX_ECORRUPT || (!rc && memcmp(h, m->seal_hash, 32) != 0))
    return mwx_error_set(MWX_ECORRUPT,
                         "%s: record %llu no longer has the hash the node sealed (chain rewritten): refusing to seal"
                         " over it; run 'mwx audit verify'",
                         j->path, (unsigned long long)m->seal_id);
  if (rc) return rc;
  if (check_sig && seal_valid(m, j->seal_key) != 0)
    return mwx_error_set(MWX_ECORRUPT, "%s: the journal's seal does not verify with the node key (rewritten)", j->path);
  return 0;
}

/* At open: who owns the journal and whether this handle (its seal key) is
 * the owner.  A key that is not the owner's is refused. */
static int owner_setup(mwx_journal *j, const mwx_journal_options *o) {
  uint8_t pub[MWX_PUB_LEN];
  int rc;
  if (o->seal_key && (rc = mwx_msg_key_public_raw(o->seal_key, pub))) return rc;
  meta_info m;
  if ((rc = read_meta(j, &m))) return rc;
  if (m.owned && o->seal_key && memcmp(m.owner_pub, pub, MWX_PUB_LEN) != 0)
    return mwx_error_set(MWX_EDENIED,
                         "%s: the journal of %.3s's node is sealed with another key than the one given (not its"
                         " origin key; a run without a key makes a new one: use a new journal)",
                         j->path, m.owner);
  j->owned = m.owned;
  memcpy(j->owner, m.owner, MWX_NATION_LEN);
  memcpy(j->owner_pub, m.owner_pub, MWX_PUB_LEN);
  j->is_owner = m.owned && o->seal_key && !o->read_only;
  if (j->is_owner) {
    /* the node's own last seal must still be there, valid, and end the
       chain where it did: a cut tail or a rewritten chain is not sealed
       over by a restart (the full check is mwx_journal_verify) */
    if ((rc = seal_still_holds(j, &m, 1))) return rc;
    j->my_seal_id = m.seal_id;
    memcpy(j->my_seal_hash, m.seal_hash, 32);
  }
  return 0;
}

int mwx_journal_claim(mwx_journal *j, const char *nation) {
  if (!j || !nation) return mwx_error_set(MWX_EINVAL, "journal_claim: NULL argument");
  if (strlen(nation) != 3 || !j->seal_key || j->read_only)
    return mwx_error_set(MWX_EINVAL, "%s: a journal owner needs a three-letter nation, the node key and write access",
                         j->path);
  if (j->in_batch) return mwx_error_set(MWX_EBUSY, "%s: journal_claim inside a batch", j->path);
  if (j->owned) {
    if (strncmp(j->owner, nation, 3) != 0)
      return mwx_error_set(MWX_EDENIED, "%s: the journal of %.3s's node, not of %s: refusing to append to it", j->path,
                           j->owner, nation);
    return j->is_owner ? 0 : mwx_error_set(MWX_EDENIED, "%s: not opened with the owner's key", j->path);
  }
  uint8_t pub[MWX_PUB_LEN];
  int rc = mwx_msg_key_public_raw(j->seal_key, pub);
  if (rc) return rc;
  if ((rc = exec(j, "BEGIN IMMEDIATE"))) return rc;
  meta_info m;
  if ((rc = read_meta(j, &m))) goto out;
  if (m.owned) { /* claimed by another process meanwhile */
    rc = mwx_error_set(MWX_EDENIED, "%s: the journal of %.3s's node: refusing to take it over", j->path, m.owner);
    goto out;
  }
  if (m.head_id != 0) {
    rc = mwx_error_set(MWX_EDENIED,
                       "%s: holds %llu records written by no node (e.g. by 'mwx release decide'): a node starts a"
                       " journal of its own",
                       j->path, (unsigned long long)m.head_id);
    goto out;
  }
  if ((rc = put_meta(j, "owner", nation, 3, 0, 1)) || (rc = put_meta(j, "owner_pub", pub, MWX_PUB_LEN, 0, 0)))
    goto out;
  memcpy(j->owner, nation, 3);
  j->owner[3] = 0;
  memcpy(j->owner_pub, pub, MWX_PUB_LEN);
  j->head_id = 0;
  memset(j->head_hash, 0, 32);
  j->owned = 1;
  rc = write_head(j); /* the empty chain, sealed under the new owner */
out:
  if (!rc) rc = exec(j, "COMMIT");
  if (rc) {
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    j->owned = 0;
    return rc;
  }
  j->is_owner = 1;
  j->my_seal_id = 0;
  memset(j->my_seal_hash, 0, 32);
  return 0;
}

/* Writes head (and, with the key, its seal) at the end of a transaction.
 * Without the key the last seal stays: it then covers a shorter chain, and
 * verify with the public key reports the records after it as unsealed. */
static int write_head(mwx_journal *j) {
  int rc;
  if ((rc = put_meta(j, "head_id", NULL, 0, (sqlite3_int64)j->head_id, 0)) ||
      (rc = put_meta(j, "head_hash", j->head_hash, 32, 0, 0)))
    return rc;
  if (!j->seal_key) return 0;
  uint8_t buf[96], sig[MWX_SIG_LEN]; /* bound with SQLITE_STATIC: must live until the step */
  size_t len;
  seal_bytes(j->owned ? j->owner : NULL, j->head_id, j->head_hash, buf, &len);
  if ((rc = mwx_msg_key_sign_bytes(j->seal_key, buf, len, sig))) return rc;
  if ((rc = put_meta(j, "seal_id", NULL, 0, (sqlite3_int64)j->head_id, 0)) ||
      (rc = put_meta(j, "seal_hash", j->head_hash, 32, 0, 0)) || (rc = put_meta(j, "seal_sig", sig, MWX_SIG_LEN, 0, 0)))
    return rc;
  return 0;
}

/* ---- checking stored rows ------------------------------------------------- */

/* Recomputes the hash of the current row of st (id, kind, time_ns, payload,
 * msg, ref, hash) chained to prev into out; 0, or 1 with why filled when a
 * column has a wrong type, <0 on a crypto error. */
static int row_hash(sqlite3_stmt *st, const uint8_t prev[32], uint8_t out[32], char *why, size_t whylen) {
  if (sqlite3_column_type(st, 1) != SQLITE_INTEGER || sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
      sqlite3_column_type(st, 3) != SQLITE_TEXT || sqlite3_column_type(st, 5) != SQLITE_INTEGER ||
      (sqlite3_column_type(st, 4) != SQLITE_BLOB && sqlite3_column_type(st, 4) != SQLITE_NULL) ||
      sqlite3_column_type(st, 6) != SQLITE_BLOB || sqlite3_column_bytes(st, 6) != 32) {
    snprintf(why, whylen, "a column has the wrong type (edited)");
    return 1;
  }
  sqlite3_int64 kind = sqlite3_column_int64(st, 1);
  if (kind < MWX_JOURNAL_PLOT || kind > MWX_JOURNAL_REPLAY) {
    snprintf(why, whylen, "unknown kind %lld (edited)", (long long)kind);
    return 1;
  }
  const void *payload = sqlite3_column_text(st, 3);
  size_t plen = (size_t)sqlite3_column_bytes(st, 3);
  const void *msg = sqlite3_column_blob(st, 4);
  size_t mlen = (size_t)sqlite3_column_bytes(st, 4);
  return record_hash(prev, (uint64_t)sqlite3_column_int64(st, 0), (uint32_t)kind, sqlite3_column_int64(st, 2),
                     (uint64_t)sqlite3_column_int64(st, 5), payload, plen, msg, mlen, out);
}

/* Walks records first..last (inclusive, contiguous), chained from prev:
 * every stored hash must equal the recomputed one.  prev receives the
 * last hash.  0, MWX_ECORRUPT (message names the record) or another error.
 * fn (may be NULL) is called for each row after its hash checks. */
typedef int (*row_fn)(mwx_journal *j, sqlite3_stmt *st, void *ctx);
static int walk_chain(mwx_journal *j, uint64_t first, uint64_t last, uint8_t prev[32], row_fn fn, void *ctx) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(j->db, "SELECT id, kind, time_ns, payload, msg, ref, hash FROM record"
                                " WHERE id >= ?1 AND id <= ?2 ORDER BY id",
                         -1, &st, NULL) != SQLITE_OK)
    return db_error(j, "read records");
  sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
  uint64_t expect = first;
  int s, rc = 0;
  char why[128];
  while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
    uint8_t h[32];
    if (id != expect) {
      rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: missing (deleted)", j->path, (unsigned long long)expect);
      break;
    }
    int r = row_hash(st, prev, h, why, sizeof why);
    if (r < 0) rc = r;
    else if (r > 0)
      rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: %s", j->path, (unsigned long long)id, why);
    else if (memcmp(h, sqlite3_column_blob(st, 6), 32) != 0)
      rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: hash does not match its content and the chain (edited)",
                         j->path, (unsigned long long)id);
    else {
      memcpy(prev, h, 32);
      expect = id + 1;
      if (fn) rc = fn(j, st, ctx);
    }
  }
  if (!rc && s != SQLITE_DONE) rc = db_error(j, "read records");
  sqlite3_finalize(st);
  if (!rc && expect != last + 1)
    rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: missing (deleted)", j->path, (unsigned long long)expect);
  return rc;
}

/* The stored hash of record id (zero for id 0). */
static int stored_hash(mwx_journal *j, uint64_t id, uint8_t out[32]) {
  memset(out, 0, 32);
  if (id == 0) return 0;
  sqlite3_stmt *st = journal_stmt(j, JOURNAL_STMT_HASH, "SELECT hash FROM record WHERE id = ?1");
  if (!st) return db_error(j, "read record");
  sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
    memcpy(out, sqlite3_column_blob(st, 0), 32);
  else
    rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: missing (deleted)", j->path, (unsigned long long)id);
  journal_stmt_done(st);
  return rc;
}

/* A record appended after the node's last seal by a process without the
 * node key must be an operator's decision on one of the node's holds. */
static int foreign_ok(mwx_journal *j, sqlite3_stmt *st, void *ctx) {
  uint64_t seal_id = *(const uint64_t *)ctx;
  uint64_t id = (uint64_t)sqlite3_column_int64(st, 0), ref = (uint64_t)sqlite3_column_int64(st, 5);
  const char *why = NULL;
  /* src/core/json.c: strict (a duplicate key is refused: no second "outcome") */
  const char *text = (const char *)sqlite3_column_text(st, 3);
  json_t *o = NULL;
  if (!text || mwx_json_load_text(text, strlen(text), "journal record payload", &o)) {
    mwx_error_clear();
    o = NULL; /* not JSON: no outcome, refused below */
  }
  const char *outcome = json_string_value(json_object_get(o, "outcome"));
  if (sqlite3_column_int(st, 1) != MWX_JOURNAL_RELEASE || ref == 0 || ref > seal_id)
    why = "not a decision on a sealed hold";
  else if (!outcome || (strcmp(outcome, "approved") && strcmp(outcome, "denied")))
    why = "not an approval or denial";
  json_decref(o);
  if (!why) {
    sqlite3_stmt *t = NULL;
    if (sqlite3_prepare_v2(j->db, "SELECT kind, json_extract(payload, '$.outcome') FROM record WHERE id = ?1", -1, &t,
                           NULL) != SQLITE_OK)
      return db_error(j, "read record");
    sqlite3_bind_int64(t, 1, (sqlite3_int64)ref);
    int held = sqlite3_step(t) == SQLITE_ROW && sqlite3_column_int(t, 0) == MWX_JOURNAL_RELEASE &&
               sqlite3_column_text(t, 1) && !strcmp((const char *)sqlite3_column_text(t, 1), "held");
    sqlite3_finalize(t);
    if (!held) why = "its ref is not a hold";
  }
  if (!why) return 0;
  return mwx_error_set(MWX_EDENIED,
                       "%s: record %llu was not written by %.3s's node and is %s: only the node creates queue items"
                       " and other records; refusing to seal it",
                       j->path, (unsigned long long)id, j->owner, why);
}

/* ---- transactions ------------------------------------------------------ */

static int txn_begin(mwx_journal *j) {
  if (j->read_only) return mwx_error_set(MWX_EINVAL, "%s: journal opened read-only", j->path);
  int rc = exec(j, "BEGIN IMMEDIATE");
  if (rc) return sqlite3_errcode(j->db) == SQLITE_BUSY ? mwx_error_set(MWX_EBUSY, "%s", mwx_error_msg()) : rc;
  j->batch_error = 0;
  meta_info m;
  if ((rc = read_meta(j, &m))) goto fail;
  j->head_id = m.head_id;
  memcpy(j->head_hash, m.head_hash, 32);
  if (j->is_owner) {
    /* another process with the node key may have sealed since: then its
       seal must verify (checked only when the seal changed) */
    int changed = !m.has_seal || m.seal_id != j->my_seal_id || memcmp(m.seal_hash, j->my_seal_hash, 32) != 0;
    if ((rc = seal_still_holds(j, &m, changed))) goto fail;
    j->my_seal_id = m.seal_id;
    memcpy(j->my_seal_hash, m.seal_hash, 32);
  }
  /* The node seals every commit; records since its last seal were written
   * by another process (operators): check them before sealing over them. */
  if (j->is_owner && m.head_id > (m.has_seal ? m.seal_id : 0)) {
    uint64_t from = m.has_seal ? m.seal_id : 0;
    uint8_t prev[32] = {0};
    if (m.has_seal) memcpy(prev, m.seal_hash, 32);
    if ((rc = walk_chain(j, from + 1, m.head_id, prev, foreign_ok, &from))) goto fail;
    if (memcmp(prev, m.head_hash, 32) != 0) {
      rc = mwx_error_set(MWX_ECORRUPT, "%s: the recorded head is not the end of the chain", j->path);
      goto fail;
    }
  }
  return 0;
fail:
  sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}

static int txn_commit(mwx_journal *j) {
  int rc = j->batch_error ? MWX_EIO : write_head(j);
  if (rc) {
    char why[512];
    snprintf(why, sizeof why, "%s", mwx_error_msg());
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return mwx_error_set(rc, "%s: batch rolled back: %s", j->path, why);
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if ((rc = exec(j, "COMMIT"))) {
    sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  j->commits++;
  j->ticket++;
  if (j->syncer) journal_sync_request(j->syncer, j->ticket);
  j->commit_ms_total += ms;
  if (ms > j->commit_ms_max) j->commit_ms_max = ms;
  j->ring[j->ring_pos] = (float)ms;
  j->ring_pos = (j->ring_pos + 1) % RING;
  if (j->n_ring < RING) j->n_ring++;
  if (j->seal_key) {
    j->my_seal_id = j->head_id;
    memcpy(j->my_seal_hash, j->head_hash, 32);
  }
  return 0;
}

int mwx_journal_begin(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_begin: NULL argument");
  if (j->in_batch) {
    /* nested: a savepoint inside the open batch (no fsync of its own) */
    if (j->depth == NEST_MAX) return mwx_error_set(MWX_EBUSY, "%s: batches nested %d deep", j->path, NEST_MAX);
    int rc = exec(j, "SAVEPOINT mwx_nest");
    if (rc) return rc;
    j->nest_head_id[j->depth] = j->head_id;
    memcpy(j->nest_head_hash[j->depth], j->head_hash, 32);
    j->nest_batch_error[j->depth] = j->batch_error;
    j->batch_error = 0;
    j->depth++;
    return 0;
  }
  int rc = txn_begin(j);
  if (!rc) j->in_batch = 1;
  return rc;
}

/* Ends the innermost nested batch: keep = 1 releases the savepoint (its
 * appends join the enclosing batch), 0 rolls it back. */
static int nest_end(mwx_journal *j, int keep) {
  j->depth--;
  int err = j->batch_error;
  int rc = 0;
  if (keep && !err) {
    rc = exec(j, "RELEASE mwx_nest");
    if (!rc) {
      j->batch_error = j->nest_batch_error[j->depth];
      return 0;
    }
  }
  char why[512];
  snprintf(why, sizeof why, "%s", rc ? mwx_error_msg() : "an append failed");
  sqlite3_exec(j->db, "ROLLBACK TO mwx_nest", NULL, NULL, NULL);
  sqlite3_exec(j->db, "RELEASE mwx_nest", NULL, NULL, NULL);
  j->head_id = j->nest_head_id[j->depth];
  memcpy(j->head_hash, j->nest_head_hash[j->depth], 32);
  j->batch_error = j->nest_batch_error[j->depth];
  if (!keep) return 0;
  return mwx_error_set(rc ? rc : MWX_EIO, "%s: nested batch rolled back: %s", j->path, why);
}

int mwx_journal_commit(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_commit: NULL argument");
  if (!j->in_batch) return mwx_error_set(MWX_EINVAL, "%s: no batch is open", j->path);
  if (j->depth) return nest_end(j, 1);
  j->in_batch = 0;
  return txn_commit(j);
}

int mwx_journal_rollback(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_rollback: NULL argument");
  if (!j->in_batch) return mwx_error_set(MWX_EINVAL, "%s: no batch is open", j->path);
  if (j->depth) return nest_end(j, 0);
  j->in_batch = 0;
  return exec(j, "ROLLBACK");
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

void mwx_journal_get_stats(mwx_journal *j, mwx_journal_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!j) return;
  out->commits = j->commits;
  out->commit_ms_max = j->commit_ms_max;
  out->commit_ms_total = j->commit_ms_total;
  if (j->n_ring) {
    float *v = malloc(j->n_ring * sizeof *v);
    if (v) {
      memcpy(v, j->ring, j->n_ring * sizeof *v);
      qsort(v, j->n_ring, sizeof *v, cmp_float);
      out->commit_ms_p50 = v[j->n_ring / 2];
      out->commit_ms_p99 = v[(size_t)((double)j->n_ring * 0.99) < j->n_ring ? (size_t)((double)j->n_ring * 0.99)
                                                                             : j->n_ring - 1];
      free(v);
      /* the ring holds floats: never above the (double) max */
      if (out->commit_ms_p50 > out->commit_ms_max) out->commit_ms_p50 = out->commit_ms_max;
      if (out->commit_ms_p99 > out->commit_ms_max) out->commit_ms_p99 = out->commit_ms_max;
    }
  }
  journal_ckpt_stats(j->ckpt, &out->checkpoints, &out->checkpoint_ms_total, &out->checkpoint_ms_max,
                     &out->wal_pages_max);
  if (j->syncer) journal_sync_stats(j->syncer, out);
}

uint64_t mwx_journal_ticket(mwx_journal *j) { return j ? j->ticket : 0; }

uint64_t mwx_journal_durable(mwx_journal *j) {
  if (!j) return 0;
  if (j->syncer) return journal_sync_durable(j->syncer);
  return j->sync_mode == MWX_JOURNAL_SYNC_FULL ? j->ticket : 0;
}

int mwx_journal_sync_wait(mwx_journal *j, uint64_t ticket) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_sync_wait: NULL argument");
  if (j->syncer) return journal_sync_wait(j->syncer, ticket);
  if (j->sync_mode == MWX_JOURNAL_SYNC_FULL) return 0;
  return mwx_error_set(MWX_EINVAL, "%s: synchronous=NORMAL: no commit is waited for", j->path);
}

int mwx_journal_sync_check(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_sync_check: NULL argument");
  if (j->syncer && journal_sync_failed(j->syncer))
    return mwx_error_set(MWX_EIO, "%s: an fsync of the WAL failed: nothing after it is durable", j->path);
  return 0;
}

int mwx_journal_sync_now(mwx_journal *j) {
  if (!j) return mwx_error_set(MWX_EINVAL, "journal_sync_now: NULL argument");
  if (j->syncer) return journal_sync_now(j->syncer, j->ticket);
  return 0; /* FULL: every commit fsynced before it returned; NORMAL: nothing is promised */
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
  if (s != SQLITE_DONE) {
    if (sqlite3_extended_errcode(j->db) == SQLITE_CONSTRAINT_UNIQUE)
      return mwx_error_set(MWX_EEXIST,
                           "%s: record %llu already has its answer (a hold is decided once and released once;"
                           " if the queue showed it pending, an index is damaged: run 'mwx audit verify')",
                           j->path, (unsigned long long)ref);
    return db_error(j, "insert record");
  }
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
  /* src/core/json.c: the one strict reader (duplicate keys refused, line and column named) */
  json_t *pj = NULL;
  int prc = mwx_json_load_text(payload, strlen(payload), "journal_append: payload", &pj);
  int is_obj = json_is_object(pj);
  json_decref(pj);
  if (prc) return prc; /* MWX_EPARSE, its message set */
  if (!is_obj) return mwx_error_set(MWX_EINVAL, "journal_append: payload must be a JSON object");
  if (j->owned && !j->is_owner && !(kind == MWX_JOURNAL_RELEASE && ref != 0))
    return mwx_error_set(MWX_EDENIED,
                         "%s: the journal of %.3s's node: without its key only release decisions on its holds may be"
                         " recorded (only the node creates queue items and other records)",
                         j->path, j->owner);
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

/* 0 if the seal in m verifies under key. */
static int seal_valid(const meta_info *m, const mwx_msg_key *key) {
  uint8_t buf[96];
  size_t len;
  seal_bytes(m->owned ? m->owner : NULL, m->seal_id, m->seal_hash, buf, &len);
  return mwx_msg_key_verify_bytes(key, buf, len, m->seal_sig);
}

/* The schema objects of db that the journal relies on, one line each,
 * sorted: "type name tbl sql". */
static char *schema_text(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  /* the chain's tables and everything on them, and every view and trigger;
   * other modules' own tables in the same database (journal_seq.c's seq_in,
   * seq_out) and their indexes are not the journal's to check */
  if (sqlite3_prepare_v2(db, "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') FROM"
                             " sqlite_master WHERE type IN ('view', 'trigger') OR tbl_name IN ('record', 'meta')"
                             " OR name IN ('record', 'meta') ORDER BY type, name",
                         -1, &st, NULL) != SQLITE_OK)
    return NULL;
  size_t cap = 4096, n = 0;
  char *out = malloc(cap);
  while (out && sqlite3_step(st) == SQLITE_ROW) {
    const char *line = (const char *)sqlite3_column_text(st, 0);
    size_t l = line ? strlen(line) : 0;
    if (n + l + 2 > cap) {
      char *o2 = realloc(out, cap = 2 * (n + l + 2));
      if (!o2) {
        free(out);
        out = NULL;
        break;
      }
      out = o2;
    }
    if (l) memcpy(out + n, line, l);
    n += l;
    out[n++] = '\n';
  }
  if (out) out[n] = 0;
  sqlite3_finalize(st);
  return out;
}

/* 1 (and what, in line) if the file's schema differs from the one this code
 * makes, 0 if equal, <0 on error. */
static int schema_diff(mwx_journal *j, char *line, size_t n) {
  char *have = schema_text(j->db), *want = NULL;
  sqlite3 *ref = NULL;
  int rc = 0;
  if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) == SQLITE_OK &&
      sqlite3_exec(ref, SCHEMA_OBJECTS, NULL, NULL, NULL) == SQLITE_OK)
    want = schema_text(ref);
  sqlite3_close(ref);
  if (!have || !want) {
    rc = mwx_error_set(MWX_ENOMEM, "%s: cannot read the schema", j->path);
  } else if (strcmp(have, want) != 0) {
    /* name the first line that differs */
    const char *a = have, *b = want;
    while (*a && *b) {
      size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
      if (la != lb || memcmp(a, b, la)) break;
      a += la + (a[la] ? 1 : 0);
      b += lb + (b[lb] ? 1 : 0);
    }
    const char *x = *a ? a : b;
    size_t l = strcspn(x, "\n");
    snprintf(line, n, "schema differs from a journal's (%s '%.*s'): a table, view, index or trigger was added, "
             "dropped or changed", *a ? "unexpected" : "missing", (int)(l > 90 ? 90 : l), x);
    rc = 1;
  }
  free(have);
  free(want);
  return rc;
}

/* SQLite's own check of pages and indexes, and the schema compared with the
 * one this code makes: a damaged index (one flipped bit in record_ref makes
 * an answered hold look pending), a VIEW in place of a table, a dropped or
 * changed index are reported. */
static int check_storage(mwx_journal *j, mwx_journal_verify_result *res) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(j->db, "PRAGMA integrity_check(20)", -1, &st, NULL) != SQLITE_OK)
    return broken(j, res, 0, "SQLite integrity check cannot run: %s", sqlite3_errmsg(j->db));
  char first[160] = "", more[160] = "";
  int n = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    if (n == 0) snprintf(first, sizeof first, "%s", t ? t : "?");
    else if (n == 1) snprintf(more, sizeof more, "; %s", t ? t : "?");
    n++;
  }
  sqlite3_finalize(st);
  if (n != 1 || strcmp(first, "ok") != 0)
    return broken(j, res, 0, "SQLite integrity check: %s%s (the database or an index is damaged)", first, more);
  char line[160];
  int d = schema_diff(j, line, sizeof line);
  if (d < 0) return d;
  if (d) return broken(j, res, 0, "%s", line);
  return 0;
}

int mwx_journal_verify(mwx_journal *j, const mwx_msg_key *pub, mwx_journal_verify_result *res) {
  if (!j || !res) return mwx_error_set(MWX_EINVAL, "journal_verify: NULL argument");
  memset(res, 0, sizeof *res);
  /* One read transaction: a consistent snapshot even while the node appends. */
  int rc = exec(j, "BEGIN");
  if (rc) return rc;
  mwx_msg_key *owner_key = NULL;
  meta_info m;
  uint8_t prev[32] = {0}, at_seal[32] = {0};
  if ((rc = check_storage(j, res))) goto done;
  if ((rc = read_meta(j, &m))) {
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
    uint8_t h[32];
    char why[128];
    int r = row_hash(st, prev, h, why, sizeof why);
    if (r < 0) {
      rc = r;
      break;
    }
    if (r > 0) {
      rc = broken(j, res, id, "%s", why);
      break;
    }
    if (memcmp(h, sqlite3_column_blob(st, 6), 32) != 0) {
      rc = broken(j, res, id,
                  id > 1 ? "hash does not match its content and the previous record's hash (edited, reordered or "
                           "inserted here, or the previous record's hash was rewritten)"
                         : "hash does not match its content (edited)");
      break;
    }
    memcpy(prev, h, 32);
    if (m.has_seal && id == m.seal_id) memcpy(at_seal, h, 32);
    res->records = id;
    expect = id + 1;
  }
  if (!rc && s != SQLITE_ROW && s != SQLITE_DONE) rc = db_error(j, "read records");
  sqlite3_reset(st);
  if (rc) goto done;
  if (res->records < m.head_id) {
    rc = broken(j, res, res->records + 1, "missing (deleted): the recorded head is record %llu",
                (unsigned long long)m.head_id);
    goto done;
  } else if (res->records > m.head_id) {
    rc = broken(j, res, m.head_id + 1, "beyond the recorded head %llu (appended outside mwx)",
                (unsigned long long)m.head_id);
    goto done;
  } else if (memcmp(prev, m.head_hash, 32) != 0) {
    rc = broken(j, res, m.head_id, "hash differs from the recorded head hash (chain rewritten)");
    goto done;
  }
  /* The seal: with pub, or else with the owner key the journal names
   * (which only catches a rewrite by someone who did not also replace it). */
  const mwx_msg_key *key = pub;
  if (!key && m.owned && m.has_seal && mwx_msg_key_from_public_raw(m.owner_pub, &owner_key) == 0) key = owner_key;
  if (!key) goto done;
  const char *whose = pub ? "the given key" : "the owner key recorded in the journal";
  if (!m.has_seal) {
    rc = broken(j, res, 0, "head of %llu records is not sealed (written without the node key, or seal removed)",
                (unsigned long long)m.head_id);
  } else if (m.seal_id > res->records) {
    rc = broken(j, res, res->records + 1,
                "missing: the sealed head is record %llu (records cut from the end, head rewritten)",
                (unsigned long long)m.seal_id);
  } else if (memcmp(m.seal_id ? at_seal : (const uint8_t[32]){0}, m.seal_hash, 32) != 0) {
    rc = broken(j, res, m.seal_id, "hash differs from the sealed head (chain rewritten)");
  } else if (seal_valid(&m, key) != 0) {
    rc = broken(j, res, 0, "head seal does not verify with %s (chain, head or owner rewritten)", whose);
  } else if (m.seal_id < m.head_id && pub) {
    rc = broken(j, res, m.seal_id + 1,
                "and the %llu records after it are not sealed: appended after the node's last sealed commit by a"
                " process without the node key (operator decisions the node has not sealed yet, or forged)",
                (unsigned long long)(m.head_id - m.seal_id));
  } else {
    res->sealed = pub ? 1 : 2;
    res->sealed_id = m.seal_id;
  }
done:
  sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
  mwx_msg_key_free(owner_key);
  if (!rc) mwx_error_clear();
  return rc;
}

int mwx_journal_check_record(mwx_journal *j, uint64_t id, const mwx_msg_key *pub, int *sealed) {
  if (!j || id == 0) return mwx_error_set(MWX_EINVAL, "journal_check_record: bad argument");
  if (sealed) *sealed = 0;
  meta_info m;
  int rc = read_meta(j, &m);
  if (rc) return rc;
  mwx_msg_key *owner_key = NULL;
  const mwx_msg_key *key = pub ? pub : j->is_owner ? j->seal_key : NULL;
  if (!key && m.owned && (rc = mwx_msg_key_from_public_raw(m.owner_pub, &owner_key))) return rc;
  if (!key) key = owner_key;
  uint8_t prev[32];
  uint64_t last = id;
  if (key) {
    if (!m.has_seal)
      rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: the journal is not sealed", j->path, (unsigned long long)id);
    else if (seal_valid(&m, key) != 0)
      rc = mwx_error_set(MWX_ECORRUPT, "%s: the journal's seal does not verify with the node key (rewritten)", j->path);
    else if (id > m.seal_id)
      rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: after the sealed head %llu (not written by the node)",
                         j->path, (unsigned long long)id, (unsigned long long)m.seal_id);
    last = m.seal_id;
  }
  if (!rc && !(rc = stored_hash(j, id - 1, prev)) && !(rc = walk_chain(j, id, last, prev, NULL, NULL)) && key &&
      memcmp(prev, m.seal_hash, 32) != 0)
    rc = mwx_error_set(MWX_ECORRUPT, "%s: record %llu: the chain from it does not end at the sealed head (rewritten)",
                       j->path, (unsigned long long)id);
  mwx_msg_key_free(owner_key);
  if (!rc && sealed) *sealed = key != NULL;
  return rc;
}

int mwx_journal_decisions(mwx_journal *j, uint64_t id, mwx_journal_fn fn, void *ctx) {
  if (!j || !fn) return mwx_error_set(MWX_EINVAL, "journal_decisions: NULL argument");
  sqlite3_bind_int64(j->sel_answer, 1, (sqlite3_int64)id);
  return walk(j, j->sel_answer, fn, ctx);
}

uint64_t mwx_journal_heap_bytes(void) { return (uint64_t)sqlite3_memory_used(); }
