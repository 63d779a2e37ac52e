/*
 * test_replay.c - sequence numbers and the replay window without DDS
 * (the network attacks are in tests/replay_node.sh and
 * tests/test_node_replay.c):
 *   - the window: the attack of issue 11 (seq 1 2 3, 1 2 3, 1 2 taken as
 *     1 2 3 only), reordering inside the window, the edge of the window,
 *     seq 0, copies of one sample for several partners;
 *   - the tables: what is put is loaded back after reopening the file; an
 *     existing journal without them gets them rebuilt from its records;
 *     a corrupt row is refused naming it;
 *   - a restarted node continues its sequence numbers from its journal
 *     (before: every restart began again at 1, and partners that had taken
 *     seq 1..N refused, or worse, took again, what it sent).
 */
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

#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/msg.h"
#include "mwx/node.h"
#include "samples.h"

#define SEC 1000000000ll

/* A marking of KOR's with seq, releasable to KOR and the nations of rel
 * ("JPN,USA"). */
static mwx_msg_marking mk(uint64_t seq, const char *rel) {
  mwx_msg_marking m;
  memset(&m, 0, sizeof m);
  memcpy(m.originator, "KOR", 4);
  mwx_msg_marking_add(&m, "KOR");
  char buf[64];
  snprintf(buf, sizeof buf, "%s", rel);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
    mwx_msg_marking_add(&m, t);
  m.seq = seq;
  return m;
}

/* Feeds seqs (all copies for JPN) and counts what is taken. */
static int take(mwx_journal_seq_in *s, const uint64_t *seqs, size_t n, uint64_t *taken) {
  int k = 0;
  for (size_t i = 0; i < n; i++) {
    mwx_msg_marking m = mk(seqs[i], "JPN");
    mwx_journal_seq_verdict v = mwx_journal_seq_judge(s, &m);
    if (v == MWX_JOURNAL_SEQ_NEW || v == MWX_JOURNAL_SEQ_COPY) {
      mwx_journal_seq_accept(s, &m);
      if (taken)
        taken[k] = seqs[i];
      k++;
    }
  }
  return k;
}

static void test_window_issue11(void **state) {
  (void)state;
  /* mwx net publish --count 3, twice, then --count 2: seqs 1 2 3 1 2 3 1 2 */
  mwx_journal_seq_in s = {0};
  const uint64_t seqs[] = {1, 2, 3, 1, 2, 3, 1, 2};
  uint64_t taken[8];
  assert_int_equal(take(&s, seqs, 8, taken), 3);
  assert_int_equal(taken[0], 1);
  assert_int_equal(taken[1], 2);
  assert_int_equal(taken[2], 3);
  assert_int_equal(s.top, 3);
  assert_int_equal(s.window, 0x7); /* 3, 2, 1 */
  /* the publisher that continues its sequence is taken */
  const uint64_t more[] = {4, 5, 6};
  assert_int_equal(take(&s, more, 3, NULL), 3);
  assert_int_equal(s.top, 6);
}

static void test_window_edges(void **state) {
  (void)state;
  mwx_journal_seq_in s = {0};
  mwx_msg_marking m = mk(0, "JPN");
  assert_int_equal(mwx_journal_seq_judge(&s, &m), MWX_JOURNAL_SEQ_ZERO);
  /* reordered inside the window: 10 then 9 are both taken, once */
  const uint64_t r[] = {10, 9, 9, 10, 8};
  assert_int_equal(take(&s, r, 5, NULL), 3);
  assert_int_equal(s.top, 10);
  /* top 100: 37 (63 below) is inside, 36 (64 below) outside */
  const uint64_t j[] = {100};
  assert_int_equal(take(&s, j, 1, NULL), 1);
  m = mk(37, "JPN");
  assert_int_equal(mwx_journal_seq_judge(&s, &m), MWX_JOURNAL_SEQ_NEW);
  m = mk(36, "JPN");
  assert_int_equal(mwx_journal_seq_judge(&s, &m), MWX_JOURNAL_SEQ_OLD);
  /* the jump cleared the window: 10 (90 below) is old, not a duplicate */
  m = mk(10, "JPN");
  assert_int_equal(mwx_journal_seq_judge(&s, &m), MWX_JOURNAL_SEQ_OLD);
  /* a shift of exactly 64 keeps only the new top */
  const uint64_t k[] = {164};
  assert_int_equal(take(&s, k, 1, NULL), 1);
  assert_int_equal(s.window, 1);
  /* a refused seq leaves the state as it was */
  mwx_journal_seq_in before = s;
  m = mk(164, "JPN");
  mwx_journal_seq_accept(&s, &m);
  assert_memory_equal(&before, &s, sizeof s);
  assert_string_equal(mwx_journal_seq_verdict_name(MWX_JOURNAL_SEQ_OLD), "old");
}

static void test_window_copies(void **state) {
  (void)state;
  /* the originator's copies of seq 5 for JPN (rel JPN.KOR.USA through the
     relay) and for the USA (rel KOR.USA), both read by the USA */
  mwx_journal_seq_in s = {0};
  mwx_msg_marking a = mk(5, "JPN,USA"), b = mk(5, "USA");
  assert_int_equal(mwx_journal_seq_judge(&s, &a), MWX_JOURNAL_SEQ_NEW);
  mwx_journal_seq_accept(&s, &a);
  assert_int_equal(mwx_journal_seq_judge(&s, &b), MWX_JOURNAL_SEQ_COPY);
  mwx_journal_seq_accept(&s, &b);
  /* a re-send of either (byte-identical, or a publisher reusing seq 5 for
     the same partners) is a duplicate */
  assert_int_equal(mwx_journal_seq_judge(&s, &a), MWX_JOURNAL_SEQ_DUPLICATE);
  assert_int_equal(mwx_journal_seq_judge(&s, &b), MWX_JOURNAL_SEQ_DUPLICATE);
  /* at most MWX_JOURNAL_SEQ_COPIES copies, then duplicates */
  const char *more[] = {"AUS", "CAN", "GBR", "NZL", "AUS,USA", "CAN,USA", "GBR,USA"};
  for (int i = 0; i < MWX_JOURNAL_SEQ_COPIES - 2; i++) {
    mwx_msg_marking c = mk(5, more[i]);
    assert_int_equal(mwx_journal_seq_judge(&s, &c), MWX_JOURNAL_SEQ_COPY);
    mwx_journal_seq_accept(&s, &c);
  }
  mwx_msg_marking c = mk(5, more[6]);
  assert_int_equal(mwx_journal_seq_judge(&s, &c), MWX_JOURNAL_SEQ_DUPLICATE);
  /* copies count only at the top: an older seq taken is a duplicate */
  c = mk(6, "JPN");
  mwx_journal_seq_accept(&s, &c);
  assert_int_equal(s.n_copies, 1);
  assert_int_equal(mwx_journal_seq_judge(&s, &b), MWX_JOURNAL_SEQ_DUPLICATE);
}

typedef struct tmpdb {
  char dir[64];
  char path[128];
} tmpdb;

static void tmpdb_make(tmpdb *t) {
  snprintf(t->dir, sizeof t->dir, "/tmp/mwx_test_replay_XXXXXX");
  assert_non_null(mkdtemp(t->dir));
  snprintf(t->path, sizeof t->path, "%s/j.db", t->dir);
}

static void tmpdb_remove(tmpdb *t) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
  assert_int_equal(system(cmd), 0);
}

static void raw(const char *path, const char *sql) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static void test_tables_roundtrip(void **state) {
  (void)state;
  tmpdb t;
  tmpdb_make(&t);
  mwx_journal *j;
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  mwx_journal_seq_in s = {0}, back[4];
  memcpy(s.originator, "KOR", 4);
  s.topic = MWX_TOPIC_TRACK;
  const uint64_t seqs[] = {1, 2, 3, 70, 68};
  take(&s, seqs, 5, NULL);
  mwx_msg_marking m70 = mk(70, "USA");
  mwx_journal_seq_accept(&s, &m70); /* a second copy of 70 */
  assert_int_equal(s.n_copies, 2);
  /* inside a batch: rolled back with it */
  assert_int_equal(mwx_journal_begin(j), 0);
  assert_int_equal(mwx_journal_seq_in_put(j, &s), 0);
  assert_int_equal(mwx_journal_seq_out_put(j, "JPN", MWX_TOPIC_IMPACT, 9), 0);
  assert_int_equal(mwx_journal_rollback(j), 0);
  size_t n = 9;
  assert_int_equal(mwx_journal_seq_in_load(j, back, 4, &n), 0);
  assert_int_equal(n, 0);
  /* committed */
  assert_int_equal(mwx_journal_begin(j), 0);
  assert_int_equal(mwx_journal_seq_in_put(j, &s), 0);
  assert_int_equal(mwx_journal_seq_out_put(j, "JPN", MWX_TOPIC_IMPACT, 9), 0);
  assert_int_equal(mwx_journal_commit(j), 0);
  assert_int_equal(mwx_journal_seq_out_put(j, "JPN", MWX_TOPIC_IMPACT, 4), 0); /* never lowers */
  assert_int_equal(mwx_journal_seq_out_put(j, "JPN", MWX_TOPIC_TRACK, 12), 0); /* own transaction */
  mwx_journal_close(j);
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  assert_int_equal(mwx_journal_seq_in_load(j, back, 4, &n), 0);
  assert_int_equal(n, 1);
  assert_memory_equal(&back[0], &s, sizeof s);
  uint64_t out[6];
  assert_int_equal(mwx_journal_seq_out_load(j, "JPN", out), 0);
  assert_int_equal(out[MWX_TOPIC_IMPACT], 9);
  assert_int_equal(out[MWX_TOPIC_TRACK], 12);
  assert_int_equal(out[MWX_TOPIC_STATUS], 0);
  assert_int_equal(mwx_journal_seq_out_load(j, "KOR", out), 0);
  assert_int_equal(out[MWX_TOPIC_IMPACT], 0);
  /* bad arguments */
  mwx_journal_seq_in bad = s;
  bad.topic = 9;
  assert_int_equal(mwx_journal_seq_in_put(j, &bad), MWX_EINVAL);
  assert_int_equal(mwx_journal_seq_out_put(j, "jp", MWX_TOPIC_TRACK, 1), MWX_EINVAL);
  /* the chain is untouched by the tables */
  mwx_journal_verify_result vr;
  assert_int_equal(mwx_journal_verify(j, NULL, &vr), 0);
  mwx_journal_close(j);
  /* a corrupt row is named */
  raw(t.path, "UPDATE seq_in SET copies = x'0102'");
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  assert_int_equal(mwx_journal_seq_in_load(j, back, 4, &n), MWX_ECORRUPT);
  assert_non_null(strstr(mwx_error_msg(), "seq_in row 1"));
  mwx_journal_close(j);
  tmpdb_remove(&t);
}

/* A journal written before the tables existed: they are rebuilt from the
 * sample records (seq_in) and the node's own release records (seq_out). */
static void test_tables_rebuilt(void **state) {
  (void)state;
  tmpdb t;
  tmpdb_make(&t);
  mwx_journal *j;
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  uint64_t rng = 7;
  mwx_msg m;
  const uint64_t in[] = {1, 2, 3, 5};
  for (int i = 0; i < 4; i++) {
    ts_sample(&m, MWX_TOPIC_TRACK, "KOR", &rng);
    m.mark.seq = in[i];
    assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_SAMPLE, i, "{}", &m, 0, NULL), 0);
  }
  for (int i = 1; i <= 6; i++) {
    ts_sample(&m, MWX_TOPIC_LAUNCH, "JPN", &rng);
    m.mark.seq = (uint64_t)i;
    assert_int_equal(mwx_journal_append(j, MWX_JOURNAL_RELEASE, i, "{\"outcome\":\"released\"}", &m, 0, NULL), 0);
  }
  mwx_journal_close(j);
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  mwx_journal_seq_in back[4];
  size_t n = 0;
  assert_int_equal(mwx_journal_seq_in_load(j, back, 4, &n), 0);
  assert_int_equal(n, 1);
  assert_string_equal(back[0].originator, "KOR");
  assert_int_equal(back[0].top, 5);
  assert_int_equal(back[0].window, 0x1d); /* bits 0, 2, 3, 4: seqs 5, 3, 2, 1 */
  uint64_t out[6];
  assert_int_equal(mwx_journal_seq_out_load(j, "JPN", out), 0);
  assert_int_equal(out[MWX_TOPIC_LAUNCH], 6);
  mwx_journal_close(j);
  tmpdb_remove(&t);
}

/* ---- a node restarted on its journal ------------------------------------ */

typedef struct seqctx {
  uint64_t first[6], last[6];
} seqctx;

static void on_released(void *c, const mwx_node_event *ev) {
  seqctx *x = c;
  if ((ev->kind != MWX_NODE_EV_RELEASED && ev->kind != MWX_NODE_EV_HELD) || !ev->msg || ev->msg->topic > 5)
    return;
  uint64_t s = ev->msg->mark.seq;
  if (!x->first[ev->msg->topic] || s < x->first[ev->msg->topic])
    x->first[ev->msg->topic] = s;
  if (s > x->last[ev->msg->topic])
    x->last[ev->msg->topic] = s;
}

static void run_node(const char *db, const char *key, int seconds, seqctx *x) {
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  snprintf(cfg.key, sizeof cfg.key, "%s", key); /* the journal is sealed with it: a restart needs it */
  strcpy(cfg.nation, "KOR");
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s/scenarios/2022-10-14-srbm.json", MWX_SOURCE_DIR);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-KOR.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s", db);
  cfg.journal_plots = 0;
  cfg.launch_fit = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  mwx_node *n;
  assert_int_equal(mwx_node_open(&cfg, on_released, x, &n), 0);
  int64_t t = mwx_node_epoch_ns(n) - 5 * SEC;
  for (int i = 0; i < seconds + 5; i++) {
    t += SEC;
    assert_int_equal(mwx_node_step(n, t, NULL), 0);
  }
  mwx_node_close(n);
}

static void test_node_restart_continues(void **state) {
  (void)state;
  tmpdb t;
  tmpdb_make(&t);
  seqctx a = {0}, b = {0};
  char key[600];
  snprintf(key, sizeof key, "%s.key", t.path);
  mwx_msg_key *k;
  assert_int_equal(mwx_msg_key_generate(&k), 0);
  assert_int_equal(mwx_msg_key_save_private(k, key), 0);
  mwx_msg_key_free(k);
  run_node(t.path, key, 120, &a);
  assert_true(a.last[MWX_TOPIC_TRACK] > 10);
  assert_true(a.last[MWX_TOPIC_STATUS] >= 1);
  run_node(t.path, key, 120, &b); /* the same scenario again, on the same journal */
  for (int topic = MWX_TOPIC_TRACK; topic <= MWX_TOPIC_STATUS; topic++)
    if (b.first[topic]) {
      /* every seq of the second run lies after the first run's */
      if (b.first[topic] != a.last[topic] + 1)
        fail_msg("topic %d: second run starts at seq %llu, first run ended at %llu", topic,
                 (unsigned long long)b.first[topic], (unsigned long long)a.last[topic]);
    }
  assert_true(b.first[MWX_TOPIC_TRACK] > 0);
  /* the journal's own record of it */
  mwx_journal *j;
  assert_int_equal(mwx_journal_open(t.path, NULL, &j), 0);
  uint64_t out[6];
  assert_int_equal(mwx_journal_seq_out_load(j, "KOR", out), 0);
  assert_int_equal(out[MWX_TOPIC_TRACK], b.last[MWX_TOPIC_TRACK]);
  mwx_journal_close(j);
  unlink(key);
  tmpdb_remove(&t);
}

static void test_config_key(void **state) {
  (void)state;
  mwx_node_config c;
  mwx_node_config_init(&c);
  assert_true(c.replay_max_age_s == MWX_NODE_REPLAY_AGE_S);
  char dir[] = "/tmp/mwx_test_replay_cfg_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/n.json", dir);
  const char *bad[] = {"0", "-5", "86401", "\"60\"", "1e308"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"nation\":\"JPN\",\"pki_dir\":\"pki\",\"journal\":\"j.db\",\"replay_max_age_s\":%s}\n", bad[i]);
    fclose(f);
    assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
    if (!strstr(mwx_error_msg(), "replay_max_age_s"))
      fail_msg("value %s: message '%s' does not name the key", bad[i], mwx_error_msg());
  }
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "{\"nation\":\"JPN\",\"pki_dir\":\"pki\",\"journal\":\"j.db\",\"replay_max_age_s\":12.5}\n");
  fclose(f);
  assert_int_equal(mwx_node_config_load(path, &c), 0);
  assert_true(c.replay_max_age_s == 12.5);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_window_issue11),  cmocka_unit_test(test_window_edges),
      cmocka_unit_test(test_window_copies),   cmocka_unit_test(test_tables_roundtrip),
      cmocka_unit_test(test_tables_rebuilt),  cmocka_unit_test(test_node_restart_continues),
      cmocka_unit_test(test_config_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
