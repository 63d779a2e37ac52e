/*
 * test_node_powerloss.c - write-ahead against power loss (issue 16): every
 * sample the node published is in its journal after a power cut.
 *
 * The kill -9 test (tests/node_run.sh) cannot tell a commit that reached
 * the disk from one that sits in the page cache: the kernel keeps the
 * written pages through kill -9.  Here SQLite runs over a VFS shim
 * (tests/fixture_crashvfs.c) that keeps, for each file, what its last
 * fsync made durable; the power cut writes those durable images to another
 * directory, which is then opened with the real VFS (SQLite's recovery
 * replays the durable part of the WAL).
 *
 * KOR offline (the same out path as online: the pass's commit, then
 * node_flush_out publishes - hands to the net or the offline coalition -
 * and reports each copy as RELEASED / APPROVED) plays the 2022-10-14 SRBM
 * stepped by mwx_node_step (step_s 1).  Every copy it reports as published
 * is recorded (its release record id, topic, seq, signature); at a random
 * copy (seeded: MWX_TEST_SEED, printed) the power is cut.  In the recovered
 * journal every recorded copy must be there, its record holding the same
 * signed sample.
 *   - sync full, commit_sync inline (the fsync in the pass's commit, before
 *     the copies are published): nothing missing;
 *   - sync full, commit_sync thread (journal at synchronous=NORMAL, the
 *     fsync on the journal's sync thread, the pass's copies parked until
 *     their commit is synced): nothing missing;
 *   - control: sync normal (no fsync per commit, publish after the write
 *     only, the configuration docs/operations.md says does not survive a
 *     power loss): the test must find copies missing, and says how many.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "fixture_crashvfs.h"
#include "fixture_dir.h"
#include "fixture_node.h"
#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/node.h"

#define MAXPUB 20000

typedef struct pub {
  uint64_t record;
  uint8_t topic;
  uint64_t seq;
  uint8_t sig[MWX_SIG_LEN];
} pub;

typedef struct pctx {
  pub p[MAXPUB];
  size_t n;
  size_t cut_at;     /* cut right after this many copies were reported */
  int cut_done;
  int files;
  uint64_t lost_bytes;
  char out_dir[256];
} pctx;

static void cut(pctx *x) {
  x->cut_done = 1;
  x->files = fx_crashvfs_cut(x->out_dir, &x->lost_bytes);
}

static void on_ev(void *c, const mwx_node_event *ev) {
  pctx *x = c;
  if (x->cut_done)
    return; /* after the cut: nothing published counts (the machine is off) */
  if (ev->kind == MWX_NODE_EV_DONE) {
    cut(x);
    return;
  }
  if ((ev->kind != MWX_NODE_EV_RELEASED && ev->kind != MWX_NODE_EV_APPROVED) || !ev->msg)
    return;
  if (x->n < MAXPUB) {
    pub *p = &x->p[x->n++];
    p->record = ev->record_id;
    p->topic = ev->msg->topic;
    p->seq = ev->msg->mark.seq;
    memcpy(p->sig, ev->msg->sig, MWX_SIG_LEN);
  }
  if (x->n >= x->cut_at)
    cut(x);
}

static unsigned seed_get(void) {
  const char *e = getenv("MWX_TEST_SEED");
  return e && *e ? (unsigned)strtoul(e, NULL, 10) : (unsigned)time(NULL);
}

/* Runs KOR to the cut; returns how many recorded copies the recovered
 * journal lacks (or holds with another sample). */
static size_t run_cut(const char *name, mwx_journal_sync sync, int commit_sync, size_t cut_lo, size_t cut_hi,
                      size_t *published, uint64_t *syncs_out) {
  static pctx x;
  memset(&x, 0, sizeof x);
  unsigned seed = seed_get();
  srand(seed);
  x.cut_at = cut_lo + (size_t)rand() % (cut_hi - cut_lo);
  char dir[256];
  fx_subdir(name, dir, sizeof dir);
  snprintf(x.out_dir, sizeof x.out_dir, "%.200s/after-cut", dir);
  assert_int_equal(mkdir(x.out_dir, 0700), 0);
  mwx_node_config cfg;
  fx_node_config_kor(&cfg, dir, "2022-10-14-srbm.json");
  cfg.step_s = 1;
  cfg.sync = sync;
  cfg.commit_sync = commit_sync;
  assert_int_equal(fx_crashvfs_install(), 0);
  mwx_node *n = NULL;
  if (mwx_node_open(&cfg, on_ev, &x, &n))
    fail_msg("node_open: %s", mwx_error_msg());
  int done = 0;
  int64_t t = 0;
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  t = st.sim_ns;
  for (int i = 0; i < 100000 && !done && !x.cut_done; i++) {
    t += 1000000000ll;
    assert_int_equal(mwx_node_step(n, t, &done), 0);
  }
  if (!x.cut_done)
    cut(&x);
  uint64_t syncs = 0, writes = 0;
  fx_crashvfs_counts(&syncs, &writes);
  mwx_node_close(n);
  assert_int_equal(fx_crashvfs_uninstall(), 0);
  assert_true(x.files >= 1);
  /* the disk after the power cut, opened with the real VFS */
  char db[512];
  snprintf(db, sizeof db, "%s/kor.db", x.out_dir);
  mwx_journal *j = NULL;
  if (mwx_journal_open(db, NULL, &j))
    fail_msg("%s: the journal after the cut does not open: %s", name, mwx_error_msg());
  uint64_t head = 0;
  uint8_t hh[32];
  assert_int_equal(mwx_journal_head(j, &head, hh), 0);
  size_t missing = 0;
  for (size_t i = 0; i < x.n; i++) {
    mwx_journal_record r;
    int rc = mwx_journal_get(j, x.p[i].record, &r);
    if (rc) {
      mwx_error_clear();
      missing++;
      continue;
    }
    if (!r.has_msg || r.msg.topic != x.p[i].topic || r.msg.mark.seq != x.p[i].seq ||
        memcmp(r.msg.sig, x.p[i].sig, MWX_SIG_LEN) != 0)
      missing++;
  }
  mwx_journal_close(j);
  print_message("%s: seed %u, cut after %zu of the copies published (cut at %zu), %zu missing from the recovered"
                " journal (head %llu); the cut dropped %llu bytes written since their file's last fsync; %llu"
                " fsyncs, %llu writes\n",
                name, seed, x.n, x.cut_at, missing, (unsigned long long)head, (unsigned long long)x.lost_bytes,
                (unsigned long long)syncs, (unsigned long long)writes);
  *published = x.n;
  if (syncs_out)
    *syncs_out = syncs;
  return missing;
}

static void test_full_inline(void **state) {
  (void)state;
  size_t pubs = 0;
  size_t missing = run_cut("full_inline", MWX_JOURNAL_SYNC_FULL, MWX_NODE_COMMIT_INLINE, 20, 300, &pubs, NULL);
  assert_true(pubs >= 20);
  assert_int_equal(missing, 0);
}

static void test_full_thread(void **state) {
  (void)state;
  size_t pubs = 0;
  size_t missing = run_cut("full_thread", MWX_JOURNAL_SYNC_FULL, MWX_NODE_COMMIT_THREAD, 20, 300, &pubs, NULL);
  assert_true(pubs >= 20);
  assert_int_equal(missing, 0);
}

/* The control: the test can fail.  No fsync per commit; the WAL is synced
 * only by a checkpoint (1,000 pages, not reached before the cut here). */
static void test_normal_loses(void **state) {
  (void)state;
  size_t pubs = 0;
  size_t missing = run_cut("normal_control", MWX_JOURNAL_SYNC_NORMAL, MWX_NODE_COMMIT_INLINE, 20, 300, &pubs, NULL);
  assert_true(pubs >= 20);
  print_message("control (sync normal): %zu of %zu published copies missing after the power cut\n", missing, pubs);
  assert_true(missing > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_inline),
      cmocka_unit_test(test_full_thread),
      cmocka_unit_test(test_normal_loses),
  };
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
