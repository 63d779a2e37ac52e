/*
 * test_journal.c - the hash-chained journal: append/query/get, batches,
 * two writers on one file, verification naming the first broken record
 * after edit, deletion (middle and end), reordering and insertion, the
 * sealed head, and a kill -9 test: a child appending records is killed
 * mid-run and every record it reported committed must be present with the
 * chain intact.  Keys are generated at test time.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/msg.h"
#include "fixture_db.h"
#include "samples.h"

/* A journal of n records, every kind, some with samples. */
static void fill(mwx_journal *j, int n) {
  uint64_t rng = 77;
  for (int i = 1; i <= n; i++) {
    mwx_msg m;
    ts_sample(&m, (mwx_msg_topic)(1 + i % 5), "KOR", &rng);
    char note[32];
    snprintf(note, sizeof note, "record %d", i);
    json_t *o = json_pack("{s:i, s:s}", "i", i, "note", note);
    char *p = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    assert_non_null(p);
    uint64_t id = 0;
    assert_int_equal(mwx_journal_append(j, (mwx_journal_kind)(1 + i % 6), 1000 * (int64_t)i, p, (i % 2) ? &m : NULL,
                                        i > 1 ? (uint64_t)(i - 1) : 0, &id),
                     0);
    free(p);
    assert_int_equal(id, (uint64_t)i);
  }
}

static int count_fn(const mwx_journal_record *r, void *ctx) {
  (void)r;
  (*(int *)ctx)++;
  return 0;
}

static void test_append_query_get(void **state) {
  (void)state;
  fx_tmpdb t;
  fx_tmpdb_make(&t, "journal");
  mwx_journal *j = NULL;
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  fill(j, 12);
  int n = 0;
  assert_int_equal(mwx_journal_query(j, 0, 0, count_fn, &n), 0);
  assert_int_equal(n, 12);
  n = 0;
  assert_int_equal(mwx_journal_query(j, 5000, 0, count_fn, &n), 0);
  assert_int_equal(n, 8);
  n = 0;
  assert_int_equal(mwx_journal_query(j, 0, MWX_JOURNAL_RELEASE, count_fn, &n), 0);
  assert_int_equal(n, 2); /* i = 2, 8 */
  n = 0;
  assert_int_equal(mwx_journal_query_after(j, 8, 0, count_fn, &n), 0);
  assert_int_equal(n, 4);
  n = 0;
  assert_int_equal(mwx_journal_query_after(j, 0, MWX_JOURNAL_PLOT, count_fn, &n), 0);
  assert_int_equal(n, 2); /* i = 6, 12 */
  mwx_journal_record r;
  assert_int_equal(mwx_journal_get(j, 3, &r), 0);
  assert_int_equal(r.kind, MWX_JOURNAL_SAMPLE);
  assert_int_equal(r.time_ns, 3000);
  assert_int_equal(r.ref, 2);
  assert_true(r.has_msg);
  assert_string_equal(r.msg.mark.originator, "KOR");
  assert_non_null(strstr(r.payload, "record 3"));
  assert_int_equal(mwx_journal_get(j, 99, &r), MWX_ENOTFOUND);
  n = 0;
  assert_int_equal(mwx_journal_answers(j, 4, count_fn, &n), 0);
  assert_int_equal(n, 1);
  uint64_t hid;
  uint8_t hh[32];
  assert_int_equal(mwx_journal_head(j, &hid, hh), 0);
  assert_int_equal(hid, 12);
  /* bad input */
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, 1, "{not json", NULL, 0, NULL), MWX_EPARSE);
  assert_non_null(strstr(mwx_error_msg(), "column"));
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, 1, "[1]", NULL, 0, NULL), MWX_EINVAL);
  assert_int_equal(mwx_journal_append(j, (mwx_journal_kind)42, 1, "{}", NULL, 0, NULL), MWX_EINVAL);
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_PLOT, 1, "{}", NULL, 500, NULL), MWX_EINVAL);
  mwx_journal_verify_result v;
  int rc = mwx_journal_verify(j, NULL, &v);
  if (rc) fprintf(stderr, "verify: %s\n", mwx_error_msg());
  assert_int_equal(rc, 0);
  assert_int_equal(v.records, 12);
  mwx_journal_close(j);
  /* not a journal */
  fx_sql(t.path, "DELETE FROM meta WHERE key='format'");
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), MWX_EIO);
  fx_tmpdb_remove(&t);
}

static void test_batches_and_two_writers(void **state) {
  (void)state;
  fx_tmpdb t;
  fx_tmpdb_make(&t, "journal");
  mwx_journal *a = NULL, *b = NULL;
  assert_int_equal(mwx_journal_open(t.path, NULL, &a), 0);
  mwx_journal_options o = {MWX_JOURNAL_SYNC_NORMAL, 0, NULL};
  assert_int_equal(mwx_journal_open(t.path, &o, &b), 0);
  assert_int_equal(mwx_journal_begin(a), 0);
  for (int i = 0; i < 5; i++) assert_int_equal(mwx_journal_append(a, MWX_JOURNAL_PLOT, i, "{}", NULL, 0, NULL), 0);
  assert_int_equal(mwx_journal_rollback(a), 0);
  int n = 0;
  assert_int_equal(mwx_journal_query(b, 0, 0, count_fn, &n), 0);
  assert_int_equal(n, 0);
  for (int round = 0; round < 10; round++) {
    assert_int_equal(mwx_journal_begin(a), 0);
    for (int i = 0; i < 5; i++) assert_int_equal(mwx_journal_append(a, MWX_JOURNAL_PLOT, i, "{}", NULL, 0, NULL), 0);
    assert_int_equal(mwx_journal_commit(a), 0);
    uint64_t id;
    assert_int_equal(mwx_journal_append(b, MWX_JOURNAL_RELEASE, round, "{\"outcome\":\"approved\"}", NULL, 0, &id), 0);
    assert_int_equal(id, (uint64_t)(6 * round + 6));
  }
  mwx_journal_verify_result v;
  assert_int_equal(mwx_journal_verify(a, NULL, &v), 0);
  assert_int_equal(v.records, 60);
  assert_int_equal(mwx_journal_commit(a), MWX_EINVAL);
  mwx_journal_close(a);
  mwx_journal_close(b);
  fx_tmpdb_remove(&t);
}

/* Builds a 10-record journal, applies sql, and expects verify to name bad. */
static void expect_broken(const char *sql, uint64_t bad, const char *word) {
  fx_tmpdb t;
  fx_tmpdb_make(&t, "journal");
  mwx_journal *j = NULL;
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  fill(j, 10);
  mwx_journal_verify_result v;
  int rc0 = mwx_journal_verify(j, NULL, &v);
  if (rc0) fprintf(stderr, "before tampering: %s\n", mwx_error_msg());
  assert_int_equal(rc0, 0);
  fx_sql(t.path, sql);
  int rc1 = mwx_journal_verify(j, NULL, &v);
  if (rc1 != MWX_ECORRUPT) fprintf(stderr, "%s: not detected (%d, %llu records)\n", sql, rc1, (unsigned long long)v.records);
  assert_int_equal(rc1, MWX_ECORRUPT);
  if (v.bad_id != bad) fprintf(stderr, "%s -> bad %llu: %s\n", sql, (unsigned long long)v.bad_id, v.why);
  assert_int_equal(v.bad_id, bad);
  if (!strstr(v.why, word)) fprintf(stderr, "%s -> %s\n", sql, v.why);
  assert_non_null(strstr(v.why, word));
  char want[32];
  snprintf(want, sizeof want, "record %llu", (unsigned long long)bad);
  assert_non_null(strstr(mwx_error_msg(), want));
  mwx_journal_close(j);
  fx_tmpdb_remove(&t);
}

static void test_tamper_detected(void **state) {
  (void)state;
  /* edits of every column */
  expect_broken("UPDATE record SET payload='{\"i\": 4, \"note\": \"forged\"}' WHERE id=4", 4, "edited");
  expect_broken("UPDATE record SET time_ns=time_ns+1 WHERE id=7", 7, "edited");
  expect_broken("UPDATE record SET kind=4 WHERE id=7", 7, "edited");
  expect_broken("UPDATE record SET ref=0 WHERE id=5", 5, "edited");
  expect_broken("UPDATE record SET msg=NULL WHERE id=3", 3, "edited");
  expect_broken("UPDATE record SET payload=CAST(payload AS BLOB) WHERE id=3", 3, "wrong type");
  /* edited and its hash recomputed: the next record's link breaks */
  expect_broken("UPDATE record SET hash=zeroblob(32) WHERE id=6", 6, "edited");
  /* deletion in the middle, at the start, at the end */
  expect_broken("DELETE FROM record WHERE id=5", 5, "deleted");
  expect_broken("DELETE FROM record WHERE id=1", 1, "deleted");
  expect_broken("DELETE FROM record WHERE id=10", 10, "deleted");
  /* reordering: swap the contents of records 3 and 4 */
  expect_broken("UPDATE record SET id=-3 WHERE id=3; UPDATE record SET id=3 WHERE id=4;"
                " UPDATE record SET id=4 WHERE id=-3",
                3, "reordered");
  /* reordering by time only: still caught (time is hashed) */
  expect_broken("UPDATE record SET time_ns=9999 WHERE id=2", 2, "edited");
  /* insertion between and after */
  expect_broken("UPDATE record SET id=id+100 WHERE id>=8; UPDATE record SET id=id-99 WHERE id>=100;"
                " INSERT INTO record SELECT 8, kind, time_ns, payload, msg, 0, hash FROM record WHERE id=7",
                8, "inserted");
  expect_broken("INSERT INTO record SELECT 11, kind, time_ns, payload, msg, ref, hash FROM record WHERE id=10", 11,
                "inserted");
}

static void test_sealed_head(void **state) {
  (void)state;
  fx_tmpdb t;
  fx_tmpdb_make(&t, "journal");
  mwx_msg_key *k = NULL, *other = NULL;
  assert_int_equal(mwx_msg_key_generate(&k), 0);
  assert_int_equal(mwx_msg_key_generate(&other), 0);
  mwx_journal_options o = {MWX_JOURNAL_SYNC_FULL, 0, k};
  mwx_journal *j = NULL;
  assert_int_equal(mwx_journal_open(t.path, &o, &j), 0);
  fill(j, 6);
  mwx_journal_verify_result v;
  assert_int_equal(mwx_journal_verify(j, k, &v), 0);
  assert_true(v.sealed);
  assert_int_equal(mwx_journal_verify(j, other, &v), MWX_ECORRUPT);
  /* delete the last record and fix up the meta head: the chain alone looks
   * intact (documented limit), the seal does not */
  fx_sql(t.path, "DELETE FROM record WHERE id=6; UPDATE meta SET value=5 WHERE key='head_id';"
              " UPDATE meta SET value=(SELECT hash FROM record WHERE id=5) WHERE key='head_hash'");
  assert_int_equal(mwx_journal_verify(j, NULL, &v), 0);
  assert_int_equal(mwx_journal_verify(j, k, &v), MWX_ECORRUPT);
  assert_non_null(strstr(v.why, "sealed head is record 6"));
  mwx_journal_close(j);
  /* the key holder seals again (a drill journal has no owner to check what
   * it seals over); then a writer without the key leaves records after the
   * seal, which verify with the key reports */
  assert_int_equal(mwx_journal_open(t.path, &o, &j), 0);
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_ALERT, 1, "{}", NULL, 0, NULL), 0);
  assert_int_equal(mwx_journal_verify(j, k, &v), 0);
  assert_int_equal(v.sealed_id, 6);
  mwx_journal_close(j);
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_ALERT, 1, "{}", NULL, 0, NULL), 0);
  assert_int_equal(mwx_journal_verify(j, k, &v), MWX_ECORRUPT);
  assert_non_null(strstr(v.why, "not sealed"));
  mwx_journal_close(j);
  mwx_msg_key_free(k);
  mwx_msg_key_free(other);
  fx_tmpdb_remove(&t);
}

/* The child: append records (alone and in batches of 8), reporting each id
 * on fd only once its commit has returned.  Never returns. */
static void child_writer(const char *path, int fd) {
  mwx_journal *j = NULL;
  if (mwx_journal_open(path, NULL, &j)) _exit(3);
  uint64_t rng = (uint64_t)getpid();
  for (int64_t i = 0;; i++) {
    mwx_msg m;
    ts_sample(&m, MWX_TOPIC_TRACK, "JPN", &rng);
    if (i % 3 == 0) {
      uint64_t ids[8];
      if (mwx_journal_begin(j)) _exit(4);
      for (int b = 0; b < 8; b++)
        if (mwx_journal_append(j, MWX_JOURNAL_TRACK, i, "{\"batch\":true}", &m, 0, &ids[b])) _exit(5);
      if (mwx_journal_commit(j)) _exit(6);
      if (write(fd, ids, sizeof ids) != (ssize_t)sizeof ids) _exit(7);
    } else {
      uint64_t id;
      if (mwx_journal_append(j, MWX_JOURNAL_PLOT, i, "{\"batch\":false}", &m, 0, &id)) _exit(8);
      if (write(fd, &id, sizeof id) != (ssize_t)sizeof id) _exit(7);
    }
  }
}

static void test_kill9(void **state) {
  (void)state;
  for (int round = 0; round < 3; round++) {
    fx_tmpdb t;
    fx_tmpdb_make(&t, "journal");
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      close(p[0]);
      child_writer(t.path, p[1]);
    }
    close(p[1]);
    size_t cap = 1 << 16, n = 0;
    uint64_t *ids = malloc(cap * sizeof *ids);
    assert_non_null(ids);
    size_t want = 150 + 100 * (size_t)round;
    int killed = 0;
    for (;;) {
      uint64_t id;
      ssize_t r = read(p[0], &id, sizeof id);
      if (r == 0) break;
      if (r < 0 && errno == EINTR) continue;
      assert_int_equal(r, sizeof id);
      if (n < cap) ids[n++] = id;
      if (!killed && n >= want) {
        assert_int_equal(kill(pid, SIGKILL), 0);
        killed = 1;
      }
    }
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    mwx_journal *j = NULL;
    assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
    mwx_journal_verify_result v;
    assert_int_equal(mwx_journal_verify(j, NULL, &v), 0);
    assert_true(v.records >= n);
    for (size_t i = 0; i < n; i++) {
      assert_int_equal(ids[i], i + 1);
      mwx_journal_record r;
      assert_int_equal(mwx_journal_get(j, ids[i], &r), 0);
      assert_true(r.has_msg);
    }
    /* the journal stays usable after the crash */
    assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_ALERT, 0, "{}", NULL, 0, NULL), 0);
    assert_int_equal(mwx_journal_verify(j, NULL, &v), 0);
    mwx_journal_close(j);
    free(ids);
    fx_tmpdb_remove(&t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_append_query_get),
      cmocka_unit_test(test_batches_and_two_writers),
      cmocka_unit_test(test_tamper_detected),
      cmocka_unit_test(test_sealed_head),
      cmocka_unit_test(test_kill9),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
