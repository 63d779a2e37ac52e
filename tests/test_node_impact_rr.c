/*
 * test_node_impact_rr.c - the impact budget's round-robin (node_int.h
 * node_rr, src/node/node_tracks.c): the node's own start and gate
 * functions driven as node_tracks_to_samples drives them, against a table
 * of tracks that fall due faster than the budget serves them.
 *   - every due track is tried within (tracks) passes of falling due, for
 *     tables of 1..120 tracks, 1..8 tries per pass, tracks due again 1..50
 *     passes after a try, and random costs per try;
 *   - the same workload in table order (every pass from index 0, as before
 *     the round-robin) leaves the tail untried for the whole run: the test
 *     tells the two apart;
 *   - a pass that puts nothing off leaves the start where it is, and an
 *     empty or shrunken table gives a start inside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "node/node_int.h"

#define MAXT 128
#define PASSES 3000

typedef struct workload {
  size_t n;        /* tracks */
  int64_t budget;  /* per pass, in cost units: the gate says spent once the tries cost >= budget */
  int again;       /* a track is due again this many passes after its try */
  int random_cost; /* 1: each try costs 1..4 units, else 1 */
  int table_order; /* 1: every pass starts at 0 and ignores the cursor (the old behaviour) */
} workload;

/* Runs PASSES passes; returns the longest wait (passes from due to tried)
 * of any try, or, if a track was still waiting at the end, the longest
 * wait of those still waiting if that is longer. */
static int run(const workload *w, uint64_t *deferred_out) {
  int64_t due_since[MAXT]; /* the pass it fell due, -1: not due */
  int64_t next_due[MAXT];
  for (size_t i = 0; i < w->n; i++) {
    due_since[i] = -1;
    next_due[i] = 0; /* every track due at the first pass */
  }
  node_rr r;
  memset(&r, 0, sizeof r);
  uint64_t deferred = 0, rng = 12345;
  int64_t worst = 0;
  for (int64_t p = 0; p < PASSES; p++) {
    for (size_t i = 0; i < w->n; i++)
      if (due_since[i] < 0 && p >= next_due[i])
        due_since[i] = p;
    size_t start = node_rr_start(&r, w->n);
    if (w->table_order)
      start = 0;
    assert_true(w->n == 0 || start < w->n);
    int64_t spent = 0;
    int tried = 0;
    for (size_t k = 0; k < w->n; k++) {
      size_t i = (start + k) % w->n;
      if (due_since[i] < 0)
        continue;
      if (!node_rr_gate(&r, i, spent >= w->budget, &deferred))
        continue;
      tried++;
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      spent += w->random_cost ? 1 + (int64_t)((rng >> 33) % 4) : 1;
      if (p - due_since[i] > worst)
        worst = p - due_since[i];
      due_since[i] = -1;
      next_due[i] = p + w->again;
    }
    /* every pass with a due track tries at least one */
    int any_due = 0;
    for (size_t i = 0; i < w->n; i++)
      any_due |= due_since[i] >= 0 || next_due[i] == p + w->again;
    if (any_due)
      assert_true(tried >= 1);
  }
  for (size_t i = 0; i < w->n; i++)
    if (due_since[i] >= 0 && PASSES - due_since[i] > worst)
      worst = PASSES - due_since[i];
  if (deferred_out)
    *deferred_out = deferred;
  return (int)worst;
}

static void test_every_due_track_within_n_passes(void **state) {
  (void)state;
  size_t sizes[] = {1, 2, 3, 10, 37, 100, 120};
  int64_t budgets[] = {1, 2, 8};
  int agains[] = {1, 2, 7, 50};
  int cases = 0, deferring = 0;
  for (size_t a = 0; a < sizeof sizes / sizeof *sizes; a++)
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++)
      for (size_t c = 0; c < sizeof agains / sizeof *agains; c++)
        for (int rc = 0; rc < 2; rc++) {
          workload w = {sizes[a], budgets[b], agains[c], rc, 0};
          uint64_t deferred = 0;
          int worst = run(&w, &deferred);
          assert_true(worst <= (int)w.n);
          cases++;
          deferring += deferred > 0;
        }
  assert_int_equal(cases, 7 * 3 * 4 * 2);
  assert_true(deferring >= cases / 2); /* most cases do exercise the budget */
}

static void test_table_order_starves_the_tail(void **state) {
  (void)state;
  /* 100 tracks due again a pass after each try, one try per pass: in table
     order track 0 takes every pass; round-robin serves each every 100 */
  workload w = {100, 1, 1, 0, 1};
  uint64_t d_old = 0, d_new = 0;
  int worst_old = run(&w, &d_old);
  assert_true(worst_old >= PASSES - 1); /* a track never tried */
  w.table_order = 0;
  int worst_new = run(&w, &d_new);
  assert_int_equal(worst_new, 99);
  assert_true(d_new > 0 && d_old > 0);
  /* a burst: 120 tracks due together every 50 passes, 8 tries per pass */
  workload b = {120, 8, 50, 1, 0};
  assert_true(run(&b, NULL) <= 120);
}

static void test_cursor_stays_and_wraps(void **state) {
  (void)state;
  node_rr r;
  memset(&r, 0, sizeof r);
  uint64_t d = 0;
  assert_int_equal(node_rr_start(&r, 0), 0);
  assert_int_equal(node_rr_start(&r, 10), 0);
  assert_int_equal(node_rr_gate(&r, 3, 0, &d), 1);
  assert_int_equal(node_rr_gate(&r, 4, 1, &d), 0);
  assert_int_equal(node_rr_gate(&r, 7, 1, &d), 0); /* the first put off (4) is where the next pass starts */
  assert_int_equal(d, 2);
  assert_int_equal(node_rr_start(&r, 10), 4);
  assert_int_equal(node_rr_start(&r, 10), 4); /* nothing put off: stays */
  assert_int_equal(node_rr_gate(&r, 9, 1, &d), 0);
  assert_int_equal(node_rr_start(&r, 5), 4); /* 9 % 5 */
  assert_int_equal(node_rr_start(&r, 0), 0);
  assert_int_equal(d, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_due_track_within_n_passes),
      cmocka_unit_test(test_table_order_starves_the_tail),
      cmocka_unit_test(test_cursor_stays_and_wraps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
