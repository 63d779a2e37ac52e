/*
 * test_node_signpool.c - the loop's sign pool (node_int.h node_signpool,
 * src/node/signpool.c) with a key made now:
 *   - a pass's decisions queued one by one (releases to sign, holds and
 *     refusals among them) come back from the wait in the order queued,
 *     every release signed over its own bytes (each verifies with the public
 *     key, none with another entry's bytes), the others untouched;
 *   - a worker signs while the loop is busy elsewhere (by_worker grows
 *     before the loop waits), and what it left the loop signs itself;
 *   - the queue's bound: NODE_SIGN_QUEUE entries, then no slot (the node
 *     flushes and counts sign_full); after a reset the queue takes entries
 *     again;
 *   - create refuses a thread count outside 2..NODE_SIGN_THREADS_MAX, and
 *     destroy with nothing queued joins the workers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mwx/error.h"
#include "mwx/msg.h"
#include "node/node_int.h"

/* Entry k of a pass: every fifth a hold, every seventh a refusal, the rest
 * releases of track k. */
static void fill(node_sign_entry *e, int k) {
  memset(e, 0, sizeof *e);
  mwx_msg *m = &e->d.sample;
  m->topic = MWX_TOPIC_TRACK;
  memcpy(m->mark.originator, "KOR", 4);
  m->mark.seq = (uint64_t)k + 1;
  snprintf(m->u.track.local_track_id, sizeof m->u.track.local_track_id, "KOR-T%d", k + 1);
  m->u.track.pos_ecef_m[0] = 3.1e6 + k;
  e->d.outcome = k % 5 == 4 ? MWX_RELEASE_HOLD : k % 7 == 6 ? MWX_RELEASE_REFUSE : MWX_RELEASE_RELEASE;
  e->sign = e->d.outcome == MWX_RELEASE_RELEASE;
  e->out_idx = (size_t)k;
}

static void check_pass(const node_sign_entry *e, size_t cnt, int first, const mwx_msg_key *pub) {
  static const uint8_t zero[MWX_SIG_LEN];
  for (size_t i = 0; i < cnt; i++) {
    int k = first + (int)i;
    assert_int_equal(e[i].out_idx, (size_t)k); /* the order queued */
    assert_int_equal(e[i].d.sample.mark.seq, (uint64_t)k + 1);
    if (!e[i].sign) {
      assert_memory_equal(e[i].d.sample.sig, zero, MWX_SIG_LEN);
      continue;
    }
    assert_int_equal(e[i].rc, 0);
    if (mwx_msg_verify(&e[i].d.sample, pub))
      fail_msg("entry %d: its signature does not verify: %s", k, mwx_error_msg());
    if (i > 0) { /* its own bytes: not the neighbour's */
      mwx_msg other = e[i - 1].d.sample;
      memcpy(other.sig, e[i].d.sample.sig, MWX_SIG_LEN);
      assert_int_not_equal(mwx_msg_verify(&other, pub), 0);
      mwx_error_clear();
    }
  }
}

static void test_sign_pool(void **state) {
  (void)state;
  mwx_msg_key *priv = NULL, *pub = NULL;
  uint8_t raw[MWX_PUB_LEN];
  assert_int_equal(mwx_msg_key_generate(&priv), 0);
  assert_int_equal(mwx_msg_key_public_raw(priv, raw), 0);
  assert_int_equal(mwx_msg_key_from_public_raw(raw, &pub), 0);
  node_signpool *p = NULL;
  assert_int_equal(node_signpool_create(1, priv, &p), MWX_EINVAL);
  assert_int_equal(node_signpool_create(NODE_SIGN_THREADS_MAX + 1, priv, &p), MWX_EINVAL);
  assert_int_equal(node_signpool_create(2, priv, &p), 0);

  /* pass 1: 120 decisions; the loop "tracks" (sleeps) between them, so the
     worker signs some before the wait */
  for (int k = 0; k < 120; k++) {
    node_sign_entry *e = node_signpool_slot(p);
    assert_non_null(e);
    fill(e, k);
    node_signpool_push(p);
    if (k % 10 == 9) {
      struct timespec ts = {0, 2000000};
      nanosleep(&ts, NULL);
    }
  }
  for (int i = 0; i < 500 && node_signpool_by_worker(p) == 0; i++) { /* at most 5 s */
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  assert_true(node_signpool_by_worker(p) > 0);
  size_t cnt = 0;
  node_sign_entry *e = node_signpool_wait(p, &cnt);
  assert_int_equal(cnt, 120);
  check_pass(e, cnt, 0, pub);
  node_signpool_reset(p);

  /* pass 2: up to the bound at once (the loop waits at once: it signs what
     the worker did not take) */
  for (int k = 0; k < NODE_SIGN_QUEUE; k++) {
    e = node_signpool_slot(p);
    assert_non_null(e);
    fill(e, k);
    node_signpool_push(p);
  }
  assert_null(node_signpool_slot(p)); /* full: the node flushes first (sign_full) */
  e = node_signpool_wait(p, &cnt);
  assert_int_equal(cnt, NODE_SIGN_QUEUE);
  check_pass(e, cnt, 0, pub);
  node_signpool_reset(p);
  assert_non_null(node_signpool_slot(p)); /* room again */

  /* an empty pass: nothing to wait for */
  node_signpool_wait(p, &cnt);
  assert_int_equal(cnt, 0);
  node_signpool_reset(p);
  node_signpool_destroy(p);
  node_signpool_destroy(NULL);

  /* four threads: the same results */
  assert_int_equal(node_signpool_create(4, priv, &p), 0);
  for (int k = 0; k < 200; k++) {
    e = node_signpool_slot(p);
    fill(e, k);
    node_signpool_push(p);
  }
  e = node_signpool_wait(p, &cnt);
  assert_int_equal(cnt, 200);
  check_pass(e, cnt, 0, pub);
  node_signpool_reset(p);
  node_signpool_destroy(p);
  mwx_msg_key_free(priv);
  mwx_msg_key_free(pub);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sign_pool)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
