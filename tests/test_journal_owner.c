/*
 * test_journal_owner.c - issue 11: a node's journal is owned and sealed,
 * and nothing is signed from it unverified.  Claiming (another nation or
 * key refused, a non-empty unowned file refused), every owner commit
 * sealed, operators limited to decisions, a forged record after the seal
 * refused by the node, check_record after an edit and after an edit with
 * every hash recomputed, the release queue passing an edited or foreign
 * hold as unverified (never its sample), approve-on-timeout of an edited
 * hold recorded as a denial, one decision per hold by the schema, and a
 * VIEW refused at open.  Tampering is done as an attacker would: raw SQL,
 * and SHA-256 recomputed here.  Keys are generated at test time.
 */
#include <openssl/evp.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/msg.h"
#include "mwx/release.h"
#include "fixture_db.h"
#include "samples.h"

#define T0 1790000000000000000ll
#define S 1000000000ll

/* ---- the attacker's SHA-256 (record bytes as in src/journal/journal.c) ---- */

static void be(uint8_t *b, uint64_t v, int n) {
  for (int i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void rec_hash(const uint8_t prev[32], sqlite3_stmt *st, uint8_t out[32]) {
  uint8_t hdr[32], mh[4];
  int plen = sqlite3_column_bytes(st, 3), mlen = sqlite3_column_bytes(st, 4);
  be(hdr, (uint64_t)sqlite3_column_int64(st, 0), 8);
  be(hdr + 8, (uint64_t)sqlite3_column_int64(st, 1), 4);
  be(hdr + 12, (uint64_t)sqlite3_column_int64(st, 2), 8);
  be(hdr + 20, (uint64_t)sqlite3_column_int64(st, 5), 8);
  be(hdr + 28, (uint64_t)plen, 4);
  be(mh, (uint64_t)mlen, 4);
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  unsigned n = 0;
  EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  EVP_DigestUpdate(c, prev, 32);
  EVP_DigestUpdate(c, hdr, 32);
  if (plen) EVP_DigestUpdate(c, sqlite3_column_text(st, 3), (size_t)plen);
  EVP_DigestUpdate(c, mh, 4);
  if (mlen) EVP_DigestUpdate(c, sqlite3_column_blob(st, 4), (size_t)mlen);
  EVP_DigestFinal_ex(c, out, &n);
  EVP_MD_CTX_free(c);
}

/* Recomputes every hash from record `from` on and the meta head. */
static void rehash(const char *path, int64_t from) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  uint8_t prev[32] = {0};
  sqlite3_stmt *st, *up;
  sqlite3_prepare_v2(db, "SELECT hash FROM record WHERE id = ?1", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, from - 1);
  if (sqlite3_step(st) == SQLITE_ROW) memcpy(prev, sqlite3_column_blob(st, 0), 32);
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "SELECT id, kind, time_ns, payload, msg, ref FROM record WHERE id >= ?1 ORDER BY id", -1, &st,
                     NULL);
  sqlite3_prepare_v2(db, "UPDATE record SET hash = ?1 WHERE id = ?2", -1, &up, NULL);
  sqlite3_bind_int64(st, 1, from);
  int64_t last = from - 1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    uint8_t h[32];
    rec_hash(prev, st, h);
    memcpy(prev, h, 32);
    last = sqlite3_column_int64(st, 0);
    sqlite3_bind_blob(up, 1, h, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(up, 2, last);
    assert_int_equal(sqlite3_step(up), SQLITE_DONE);
    sqlite3_reset(up);
  }
  sqlite3_finalize(st);
  sqlite3_finalize(up);
  sqlite3_prepare_v2(db, "UPDATE meta SET value = ?1 WHERE key = 'head_hash'", -1, &up, NULL);
  sqlite3_bind_blob(up, 1, prev, 32, SQLITE_TRANSIENT);
  assert_int_equal(sqlite3_step(up), SQLITE_DONE);
  sqlite3_finalize(up);
  char sql[96];
  snprintf(sql, sizeof sql, "UPDATE meta SET value = %lld WHERE key = 'head_id'", (long long)last);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

/* Appends a record with raw SQL (hash 0 first), then rehashes it. */
static void forge_append(const char *path, int kind, const char *payload, int64_t ref) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "INSERT INTO record(id, kind, time_ns, payload, msg, ref, hash) SELECT max(id) + 1, %d, %lld, '%s', NULL,"
           " %lld, zeroblob(32) FROM record",
           kind, T0, payload, (long long)ref);
  fx_sql(path, sql);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, "SELECT max(id) FROM record", -1, &st, NULL);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  rehash(path, id);
}

/* Changes one byte of record id's stored sample (a field, not the signature). */
static void flip_msg_byte(const char *path, int64_t id, int off) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db, "SELECT msg FROM record WHERE id = ?1", -1, &st, NULL);
  sqlite3_bind_int64(st, 1, id);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int n = sqlite3_column_bytes(st, 0);
  assert_true(n > off + 64);
  uint8_t *b = malloc((size_t)n);
  memcpy(b, sqlite3_column_blob(st, 0), (size_t)n);
  sqlite3_finalize(st);
  b[off] ^= 0x40;
  sqlite3_prepare_v2(db, "UPDATE record SET msg = ?1 WHERE id = ?2", -1, &st, NULL);
  sqlite3_bind_blob(st, 1, b, n, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, id);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  free(b);
  sqlite3_close(db);
}

/* ---- helpers ---------------------------------------------------------------- */

static uint64_t hold(mwx_journal *j, const char *originator, uint8_t on_timeout, uint64_t *rng) {
  mwx_release_decision d;
  memset(&d, 0, sizeof d);
  d.outcome = MWX_RELEASE_HOLD;
  snprintf(d.rule_id, sizeof d.rule_id, "usa-aus-impact");
  memcpy(d.partner, "AUS", 4);
  d.topic = MWX_TOPIC_IMPACT;
  memcpy(d.originator, originator, 4);
  d.time_ns = T0;
  d.deadline_ns = T0 + 60 * S;
  d.on_timeout = on_timeout;
  ts_sample(&d.sample, MWX_TOPIC_IMPACT, originator, rng);
  d.seq = d.sample.mark.seq;
  uint64_t id = 0;
  int rc = mwx_release_journal(j, &d, &id);
  if (rc) fprintf(stderr, "hold: %s\n", mwx_error_msg());
  assert_int_equal(rc, 0);
  return id;
}

typedef struct got {
  int n;
  mwx_release_item it[8];
} got;

static int collect(const mwx_release_item *it, void *ctx) {
  got *g = ctx;
  if (g->n < 8) g->it[g->n++] = *it;
  return 0;
}

static void open_owner(const char *path, mwx_msg_key *k, mwx_journal **j) {
  mwx_journal_options o = {MWX_JOURNAL_SYNC_NORMAL, 0, k};
  int rc = mwx_journal_open(path, &o, j);
  if (!rc) rc = mwx_journal_claim(*j, "USA");
  if (rc) fprintf(stderr, "open_owner: %s\n", mwx_error_msg());
  assert_int_equal(rc, 0);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_claim_and_seal(void **state) {
  (void)state;
  fx_tmpdb t;
  fx_tmpdb_make(&t, "jowner");
  mwx_msg_key *k = NULL, *other = NULL, *pub = NULL;
  assert_int_equal(mwx_msg_key_generate(&k), 0);
  assert_int_equal(mwx_msg_key_generate(&other), 0);
  uint8_t raw_pub[MWX_PUB_LEN];
  assert_int_equal(mwx_msg_key_public_raw(k, raw_pub), 0);
  assert_int_equal(mwx_msg_key_from_public_raw(raw_pub, &pub), 0);
  mwx_journal *j = NULL, *op = NULL;
  open_owner(t.path, k, &j);
  assert_int_equal(mwx_journal_claim(j, "USA"), 0); /* again: already ours */
  assert_int_equal(mwx_journal_claim(j, "JPN"), MWX_EDENIED);
  assert_non_null(strstr(mwx_error_msg(), "of USA's node, not of JPN"));
  uint64_t rng = 3, hid, sid;
  uint8_t hh[32], sh[32];
  for (int i = 0; i < 3; i++) {
    assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, T0 + i, "{}", NULL, 0, NULL), 0);
    /* every commit of the owner seals the head */
    assert_int_equal(mwx_journal_head(j, &hid, hh), 0);
    assert_int_equal(mwx_journal_sealed_head(j, &sid, sh), 0);
    assert_int_equal(sid, hid);
    assert_memory_equal(sh, hh, 32);
  }
  uint64_t h1 = hold(j, "USA", MWX_RELEASE_TIMEOUT_DENY, &rng);
  mwx_journal_verify_result v;
  assert_int_equal(mwx_journal_verify(j, pub, &v), 0);
  assert_int_equal(v.sealed, 1);
  assert_int_equal(v.sealed_id, 4);
  assert_int_equal(mwx_journal_verify(j, NULL, &v), 0);
  assert_int_equal(v.sealed, 2); /* under the owner key the file names */
  assert_int_equal(mwx_journal_verify(j, other, &v), MWX_ECORRUPT);
  /* another key cannot open it as the node */
  mwx_journal_options ok = {MWX_JOURNAL_SYNC_NORMAL, 0, other};
  assert_int_equal(mwx_journal_open(t.path, &ok, &op), MWX_EDENIED);
  assert_non_null(strstr(mwx_error_msg(), "another key"));
  /* an operator (no key) may only record decisions */
  assert_int_equal(mwx_journal_open(t.path, NULL, &op), 0);
  assert_int_equal(mwx_journal_append(op, MWX_JOURNAL_PLOT, T0, "{}", NULL, 0, NULL), MWX_EDENIED);
  assert_int_equal(mwx_journal_append(op, MWX_JOURNAL_RELEASE, T0, "{\"outcome\":\"held\"}", NULL, 0, NULL),
                   MWX_EDENIED);
  mwx_release_decision d;
  memset(&d, 0, sizeof d);
  d.outcome = MWX_RELEASE_HOLD;
  assert_int_equal(mwx_release_journal(op, &d, NULL), MWX_EDENIED);
  assert_non_null(strstr(mwx_error_msg(), "only the node creates queue items"));
  mwx_release_item it;
  assert_int_equal(mwx_release_queue_decide(op, h1, 1, "lt.kim", T0 + S, &it), 0);
  /* after the operator's decision the seal is one record behind: --pub says so */
  assert_int_equal(mwx_journal_verify(op, pub, &v), MWX_ECORRUPT);
  assert_non_null(strstr(v.why, "not sealed"));
  /* the node's next commit checks the decision and seals over it */
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, T0 + 9, "{}", NULL, 0, NULL), 0);
  assert_int_equal(mwx_journal_verify(j, pub, &v), 0);
  /* a second decision on the hold: refused by the schema (UNIQUE), not by a query */
  sqlite3 *db;
  assert_int_equal(sqlite3_open(t.path, &db), SQLITE_OK);
  char sql[160];
  snprintf(sql, sizeof sql, "INSERT INTO record VALUES (99, 3, 0, '{\"outcome\":\"approved\"}', NULL, %llu, zeroblob(32))",
           (unsigned long long)h1);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
  sqlite3_close(db);
  mwx_journal_close(op);
  mwx_journal_close(j);
  /* a non-empty journal without owner is not taken over */
  fx_tmpdb t2;
  fx_tmpdb_make(&t2, "jowner");
  assert_int_equal(mwx_journal_open(t2.path, NULL, &op), 0);
  assert_int_equal(mwx_journal_append(op, MWX_JOURNAL_PLOT, T0, "{}", NULL, 0, NULL), 0);
  mwx_journal_close(op);
  mwx_journal_options o = {MWX_JOURNAL_SYNC_NORMAL, 0, k};
  assert_int_equal(mwx_journal_open(t2.path, &o, &j), 0);
  assert_int_equal(mwx_journal_claim(j, "USA"), MWX_EDENIED);
  mwx_journal_close(j);
  fx_tmpdb_remove(&t2);
  mwx_msg_key_free(k);
  mwx_msg_key_free(other);
  mwx_msg_key_free(pub);
  fx_tmpdb_remove(&t);
}

static void test_forged_record_not_sealed(void **state) {
  (void)state;
  fx_tmpdb t;
  fx_tmpdb_make(&t, "jowner");
  mwx_msg_key *k = NULL;
  assert_int_equal(mwx_msg_key_generate(&k), 0);
  mwx_journal *j = NULL;
  uint64_t rng = 5;
  open_owner(t.path, k, &j);
  hold(j, "USA", MWX_RELEASE_TIMEOUT_DENY, &rng);
  mwx_journal_close(j);
  /* a made-up hold, properly chained, appended behind the node's back */
  forge_append(t.path, 3, "{\"outcome\":\"held\",\"partner\":\"AUS\"}", 0);
  open_owner(t.path, k, &j);
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, T0, "{}", NULL, 0, NULL), MWX_EDENIED);
  assert_non_null(strstr(mwx_error_msg(), "refusing to seal it"));
  mwx_journal_verify_result v;
  assert_int_equal(mwx_journal_verify(j, k, &v), MWX_ECORRUPT);
  assert_int_equal(v.bad_id, 2);
  assert_non_null(strstr(v.why, "not sealed"));
  mwx_journal_close(j);
  mwx_msg_key_free(k);
  fx_tmpdb_remove(&t);
}

static void test_queue_verifies_holds(void **state) {
  (void)state;
  fx_tmpdb t;
  fx_tmpdb_make(&t, "jowner");
  mwx_msg_key *k = NULL;
  assert_int_equal(mwx_msg_key_generate(&k), 0);
  mwx_journal *j = NULL, *op = NULL;
  uint64_t rng = 11;
  open_owner(t.path, k, &j);
  /* (an edited record breaks the proof of every record below it, so the
   * edited hold comes first here) */
  uint64_t edited = hold(j, "USA", MWX_RELEASE_TIMEOUT_DENY, &rng);
  uint64_t good = hold(j, "USA", MWX_RELEASE_TIMEOUT_DENY, &rng);
  uint64_t foreign = hold(j, "JPN", MWX_RELEASE_TIMEOUT_DENY, &rng); /* sealed, but not the node's sample */
  uint64_t late = hold(j, "USA", MWX_RELEASE_TIMEOUT_APPROVE, &rng);
  for (int i = 0; i < 5; i++) assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, T0, "{}", NULL, 0, NULL), 0);
  uint64_t after = 0;
  uint8_t hh[32];
  assert_int_equal(mwx_journal_head(j, &after, hh), 0);
  assert_int_equal(mwx_journal_check_record(j, edited, NULL, NULL), 0);
  /* operators approve three holds */
  assert_int_equal(mwx_journal_open(t.path, NULL, &op), 0);
  mwx_release_item it;
  assert_int_equal(mwx_release_queue_decide(op, good, 1, "lt.kim", T0 + S, &it), 0);
  assert_int_equal(mwx_release_queue_decide(op, edited, 1, "lt.kim", T0 + S, &it), 0);
  /* the operator tool refuses to approve a hold that is not the node's sample */
  assert_int_equal(mwx_release_queue_decide(op, foreign, 1, "lt.kim", T0 + S, &it), MWX_ECORRUPT);
  assert_non_null(strstr(mwx_error_msg(), "not the node's"));
  /* so the attacker writes that approval himself, properly chained */
  json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "hold", (json_int_t)foreign, "operator", "mallory", "outcome",
                        "approved", "partner", "AUS");
  char *forged = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  assert_non_null(forged);
  forge_append(t.path, 3, forged, (int64_t)foreign);
  free(forged);
  /* then the held sample of one is edited (its impact point), hashes left alone */
  flip_msg_byte(t.path, (int64_t)edited, 40);
  assert_int_equal(mwx_journal_check_record(j, edited, NULL, NULL), MWX_ECORRUPT);
  assert_int_equal(mwx_journal_check_record(j, good, NULL, NULL), 0);
  /* the node's approval walk: only the good hold is passed verified, with the hold's own sample */
  got g;
  memset(&g, 0, sizeof g);
  assert_int_equal(mwx_journal_begin(j), 0);
  assert_int_equal(mwx_release_queue_approved(j, after, collect, &g, NULL), 0);
  assert_int_equal(mwx_journal_commit(j), 0);
  assert_int_equal(g.n, 3);
  for (int i = 0; i < g.n; i++) {
    if (g.it[i].id == good) {
      assert_string_equal(g.it[i].unverified, "");
      assert_string_equal(g.it[i].sample.mark.originator, "USA");
    } else if (g.it[i].id == edited) {
      if (!strstr(g.it[i].unverified, "hash does not match")) fprintf(stderr, "edited: %s\n", g.it[i].unverified);
      assert_non_null(strstr(g.it[i].unverified, "hash does not match"));
    } else {
      assert_int_equal(g.it[i].id, foreign);
      assert_non_null(strstr(g.it[i].unverified, "not the node's"));
    }
  }
  /* the operator tool refuses an edited hold too */
  uint64_t h5 = hold(j, "USA", MWX_RELEASE_TIMEOUT_DENY, &rng);
  char sql[200];
  snprintf(sql, sizeof sql, "UPDATE record SET payload = replace(payload, '\"deny\"', '\"approve\"') WHERE id = %llu",
           (unsigned long long)h5);
  fx_sql(t.path, sql);
  assert_int_equal(mwx_release_queue_decide(op, h5, 1, "lt.kim", T0 + S, &it), MWX_ECORRUPT);
  assert_non_null(strstr(mwx_error_msg(), "fails verification"));
  /* edit the approve-on-timeout hold and recompute every hash after it: the
   * chain is consistent, the seal is not; the timeout denies it */
  snprintf(sql, sizeof sql, "UPDATE record SET payload = replace(payload, 'AUS', 'GBR') WHERE id = %llu",
           (unsigned long long)late);
  fx_sql(t.path, sql);
  rehash(t.path, (int64_t)late);
  mwx_journal_verify_result v;
  assert_int_equal(mwx_journal_verify(op, NULL, &v), MWX_ECORRUPT); /* caught by the owner key in the file */
  assert_int_equal(mwx_journal_check_record(op, late, NULL, NULL), MWX_ECORRUPT);
  memset(&g, 0, sizeof g);
  int erc = mwx_release_queue_expire(op, T0 + 3600 * S, collect, &g);
  if (erc) fprintf(stderr, "expire: %s\n", mwx_error_msg());
  assert_int_equal(erc, 0);
  int seen = 0;
  for (int i = 0; i < g.n; i++)
    if (g.it[i].id == late) {
      seen = 1;
      assert_string_equal(g.it[i].outcome, "denied");
      assert_string_equal(g.it[i].operator_name, "check-failed");
    }
  assert_true(seen);
  mwx_journal_close(op);
  mwx_journal_close(j);
  mwx_msg_key_free(k);
  fx_tmpdb_remove(&t);
}

/* A tail cut (meta head fixed) or a chain rewritten while the node was
 * stopped is not sealed over when it starts again. */
static void test_restart_refuses_cut_journal(void **state) {
  (void)state;
  mwx_msg_key *k = NULL;
  assert_int_equal(mwx_msg_key_generate(&k), 0);
  for (int attack = 0; attack < 2; attack++) {
    fx_tmpdb t;
    fx_tmpdb_make(&t, "jowner");
    mwx_journal *j = NULL;
    open_owner(t.path, k, &j);
    for (int i = 0; i < 6; i++) assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, T0 + i, "{}", NULL, 0, NULL), 0);
    mwx_journal_close(j);
    if (attack == 0) {
      fx_sql(t.path, "DELETE FROM record WHERE id > 4; UPDATE meta SET value = 4 WHERE key = 'head_id';"
                  " UPDATE meta SET value = (SELECT hash FROM record WHERE id = 4) WHERE key = 'head_hash'");
    } else {
      fx_sql(t.path, "UPDATE record SET time_ns = 7 WHERE id = 2");
      rehash(t.path, 2);
    }
    mwx_journal_options o = {MWX_JOURNAL_SYNC_NORMAL, 0, k};
    assert_int_equal(mwx_journal_open(t.path, &o, &j), MWX_ECORRUPT);
    assert_non_null(strstr(mwx_error_msg(), attack == 0 ? "are gone" : "no longer has the hash"));
    fx_tmpdb_remove(&t);
  }
  mwx_msg_key_free(k);
}

static void test_view_refused(void **state) {
  (void)state;
  fx_tmpdb t;
  fx_tmpdb_make(&t, "jowner");
  mwx_journal *j = NULL;
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, T0, "{}", NULL, 0, NULL), 0);
  mwx_journal_close(j);
  /* another module's own table beside the chain is not the journal's concern */
  fx_sql(t.path, "CREATE TABLE seq_out(originator TEXT NOT NULL, topic INTEGER NOT NULL, seq INTEGER NOT NULL,"
              " PRIMARY KEY(originator, topic))");
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  mwx_journal_verify_result v;
  assert_int_equal(mwx_journal_verify(j, NULL, &v), 0);
  mwx_journal_close(j);
  /* a view, a trigger, an index on record dropped: refused */
  const char *const bad[] = {"CREATE VIEW held AS SELECT * FROM record WHERE kind = 3",
                             "CREATE TRIGGER t AFTER INSERT ON seq_out BEGIN SELECT 1; END",
                             "DROP INDEX record_answer"};
  const char *const undo[] = {"DROP VIEW held", "DROP TRIGGER t",
                              "CREATE UNIQUE INDEX record_answer ON record(ref) WHERE kind = 3 AND ref <> 0"};
  for (int i = 0; i < 3; i++) {
    fx_sql(t.path, bad[i]);
    assert_int_equal(mwx_journal_open(t.path, NULL, &j), MWX_ECORRUPT);
    assert_non_null(strstr(mwx_error_msg(), "schema differs"));
    fx_sql(t.path, undo[i]);
    assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
    mwx_journal_close(j);
  }
  fx_tmpdb_remove(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_claim_and_seal),
      cmocka_unit_test(test_forged_record_not_sealed),
      cmocka_unit_test(test_queue_verifies_holds),
      cmocka_unit_test(test_restart_refuses_cut_journal),
      cmocka_unit_test(test_view_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
