/*
 * test_node_fusework.c - the fuser off the loop thread (src/node/fusepic.c
 * "Threads and ownership"): a node at speed > 0 (offline: no DDS) whose
 * fusion worker is made slow by the test-only option test_fuse_min_ms.
 *   - a fusion pass taking 3 s does not delay the tracks' releases: the
 *     Track samples of both missiles keep leaving at the tracker's rate
 *     while it runs, the loop spends almost none of its time in the fuser,
 *     and the global numbers arrive when the pass is back (0 before, then
 *     the picture's number);
 *   - at speed 0 the same passes run in line (no worker: fuse_worker 0),
 *     and every Track after the first pass carries its number at once.
 * Closing the node with a slow pass in progress is quick (the test wait is
 * cut short by the worker's stop) and clean (ASan build).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture_dir.h"
#include "fixture_node.h"
#include "mwx/error.h"
#include "mwx/node.h"

#define NS 1000000000ll

#define MAXREL 20000
typedef struct wctx {
  mwx_node *n;
  int64_t stop_after_ns;  /* stop at this sim time */
  int n_rel;
  int64_t rel_wall[MAXREL]; /* mono ns of each Track released to JPN */
  char rel_id[MAXREL][32];
  uint32_t rel_gtn[MAXREL];
  int legacy_pictures;    /* MWX_NODE_EV_PICTURE given to the fn of mwx_node_open (must be none) */
} wctx;

/* MWX_NODE_EV_PICTURE events (a subscriber of mwx_node_subscribe) */
#define MAXPIC 4096
typedef struct pctx {
  int n;
  uint64_t item[MAXPIC];
  double wait_ms[MAXPIC], pass_ms[MAXPIC], take_ms[MAXPIC];
  double age_ms[MAXPIC]; /* the new picture's age (sim ms) when its event came, with n set */
  int parsed;
  mwx_node *n_set;
} pctx;

static void on_pic(void *c, const mwx_node_event *ev) {
  pctx *x = c;
  if (ev->kind != MWX_NODE_EV_PICTURE || x->n >= MAXPIC)
    return;
  assert_null(ev->msg);
  x->item[x->n] = ev->item;
  x->wait_ms[x->n] = ev->pass.wait_ms;
  x->pass_ms[x->n] = ev->pass.pass_ms;
  x->take_ms[x->n] = ev->pass.take_ms;
  if (x->n_set) {
    mwx_node_stats st;
    mwx_node_get_stats(x->n_set, &st);
    x->age_ms[x->n] = st.fuse_picture_age_ms;
  }
  /* the structured figures (what programs read) and the log text agree */
  size_t samples = 0, partners = 0;
  double w = 0, d = 0, t = 0;
  if (sscanf(ev->detail, "samples=%zu partners=%zu wait_ms=%lf pass_ms=%lf take_ms=%lf", &samples, &partners, &w,
             &d, &t) == 5 &&
      samples == ev->pass.samples && partners == ev->pass.partners && partners <= samples &&
      fabs(w - ev->pass.wait_ms) < 0.006 && fabs(d - ev->pass.pass_ms) < 0.006 && fabs(t - ev->pass.take_ms) < 0.006 &&
      ev->latency_ms == ev->pass.wait_ms && ev->recv_latency_ms == ev->pass.pass_ms && ev->pass.pass_ms >= 0 &&
      ev->pass.take_ms >= 0)
    x->parsed++;
  x->n++;
}

static void on_ev(void *c, const mwx_node_event *ev) {
  wctx *x = c;
  if (ev->kind == MWX_NODE_EV_RELEASED && ev->msg && !strcmp(ev->partner, "JPN") &&
      ev->msg->topic == MWX_TOPIC_TRACK && x->n_rel < MAXREL) {
    x->rel_wall[x->n_rel] = mwx_node_mono_ns();
    snprintf(x->rel_id[x->n_rel], 32, "%s", ev->msg->u.track.local_track_id);
    x->rel_gtn[x->n_rel] = ev->msg->u.track.global_track_no;
    x->n_rel++;
  }
  if (ev->kind == MWX_NODE_EV_PICTURE)
    x->legacy_pictures++;
  if (x->stop_after_ns && ev->sim_ns >= x->stop_after_ns)
    mwx_node_stop(x->n);
}

typedef struct pic {
  int n;
  char member[8][32];
  uint32_t gtn[8];
} pic;

static void on_fused(void *ctx, const mwx_node_fused_entry *e) {
  pic *p = ctx;
  for (int k = 0; k < e->n_members && p->n < 8; k++) {
    snprintf(p->member[p->n], 32, "%s", e->member[k]);
    p->gtn[p->n++] = e->global_track_no;
  }
}

static void test_slow_fusion_does_not_delay(void **state) {
  (void)state;
  char dir[96];
  mwx_node_config cfg;
  fx_node_salvo_kor(&cfg, "test_slow_fusion_does_not_delay", "two.json", 2, 20, dir, sizeof dir);
  cfg.speed = 20;
  cfg.test_fuse_min_ms = 3000;
  wctx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(mwx_node_open(&cfg, on_ev, x, &x->n), 0);
  pctx *pc = calloc(1, sizeof *pc);
  assert_non_null(pc);
  assert_int_equal(mwx_node_subscribe(x->n, on_pic, pc, NULL), 0);
  x->stop_after_ns = mwx_node_epoch_ns(x->n) + 320 * NS; /* 16 s of wall: both missiles tracked */
  assert_int_equal(mwx_node_run(x->n), 0);
  mwx_node_stats st;
  mwx_node_get_stats(x->n, &st);
  mwx_node_profile pf;
  mwx_node_get_profile(x->n, &pf);
  pic p = {0};
  mwx_node_fused_picture(x->n, on_fused, &p);
  int64_t c0 = mwx_node_mono_ns();
  mwx_node_close(x->n); /* a 3-s pass (or the budget's refill) in progress */
  double close_s = (double)(mwx_node_mono_ns() - c0) / 1e9;
  printf("# fusion worker %d: %llu passes, longest %.0f ms, CPU %.1f ms; loop in fuse %.1f ms of %.1f s;"
         " picture %.0f sim ms old; close %.3f s\n",
         st.fuse_worker, (unsigned long long)st.fuse_passes, st.fuse_pass_max_ms, st.fuse_cpu_ms,
         (double)pf.part_ns[MWX_NODE_PROF_FUSE] / 1e6, (double)pf.wall_ns / 1e9, st.fuse_picture_age_ms, close_s);
  assert_int_equal(st.fuse_worker, 1);
  assert_true(st.fuse_passes >= 2);
  assert_true(st.fuse_pass_max_ms >= 3000); /* each pass did take 3 s */
  /* the worker's time budget refills at half the time that passes (50 ms
     at most): a 3-s pass at most every ~6 s */
  assert_true(st.fuse_passes <= 1 + (uint64_t)(pf.wall_ns / (6 * NS)) + 1);
  assert_true(close_s < 2); /* the test wait ends with the worker's stop */
  /* one MWX_NODE_EV_PICTURE per pass taken back (the last may be in
     progress at the stop), numbered 1, 2, ..., each a 3-s pass, none to
     the fn of mwx_node_open */
  printf("# picture events %d of %llu passes\n", pc->n, (unsigned long long)st.fuse_passes);
  assert_true(pc->n >= 2 && (uint64_t)pc->n == st.fuse_passes);
  assert_int_equal(pc->parsed, pc->n);
  for (int i = 0; i < pc->n; i++) {
    assert_int_equal(pc->item[i], (uint64_t)i + 1);
    assert_true(pc->pass_ms[i] >= 3000);
    assert_true(pc->wait_ms[i] < 0); /* offline: no partner's sample in any pass */
  }
  assert_int_equal(x->legacy_pictures, 0);
  free(pc);
  /* the loop itself spent little in the fused picture (the 3-s waits were
     the worker's): under 1 s of the run's 16 */
  assert_true(pf.part_ns[MWX_NODE_PROF_FUSE] < NS);
  /* the releases: both tracks kept leaving, no gap near a pass's 3 s (at
     20x the tracker gives a Track every ~0.1-0.5 s of wall per track) */
  assert_true(x->n_rel > 40);
  int64_t gap = 0;
  int tracks = 0;
  char seen[4][32] = {{0}};
  for (int i = 0; i < x->n_rel; i++) {
    if (i && x->rel_wall[i] - x->rel_wall[i - 1] > gap)
      gap = x->rel_wall[i] - x->rel_wall[i - 1];
    int k = 0;
    while (k < tracks && strcmp(seen[k], x->rel_id[i]))
      k++;
    if (k == tracks && tracks < 4)
      snprintf(seen[tracks++], 32, "%s", x->rel_id[i]);
  }
  printf("# %d Track releases to JPN of %d tracks, longest gap %.0f ms\n", x->n_rel, tracks, (double)gap / 1e6);
  assert_true(tracks >= 2);
  assert_true(gap < 1500 * 1000000ll); /* a pass (3 s) and the budget's refill (~3 s) would show as >= 3 s */
  /* global numbers: the first Tracks of a track carry 0 (no pass back
     holds it yet), the later ones the number of the loop's picture, which
     stays (one missile, one number) */
  for (int t = 0; t < tracks; t++) {
    int zeros = 0, numbered = 0;
    uint32_t g = 0;
    for (int i = 0; i < x->n_rel; i++) {
      if (strcmp(x->rel_id[i], seen[t]))
        continue;
      if (!x->rel_gtn[i]) {
        assert_int_equal(numbered, 0); /* never 0 again once numbered */
        zeros++;
        continue;
      }
      if (!g)
        g = x->rel_gtn[i];
      assert_int_equal(x->rel_gtn[i], g);
      numbered++;
    }
    uint32_t pg = 0;
    for (int k = 0; k < p.n; k++)
      if (!strcmp(p.member[k], seen[t]))
        pg = p.gtn[k];
    printf("# %s: %d Tracks before its number, %d with %u (picture: %u)\n", seen[t], zeros, numbered, g, pg);
    assert_true(zeros >= 1);
    assert_true(numbered >= 1);
    assert_int_equal(g, pg);
  }
  free(x);
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The worker at its own speed (no test wait): every pass taken back is a
 * PICTURE event, soon after the pass ended (the token wakes the loop: no
 * waiting for a step), and the passes follow one another while the own
 * tracks have new estimates (handed over from the take-back, not only at
 * a step), within the time budget (at most half a core). */
static void test_picture_events(void **state) {
  (void)state;
  char dir[96];
  mwx_node_config cfg;
  fx_node_salvo_kor(&cfg, "test_picture_events", "two.json", 2, 20, dir, sizeof dir);
  cfg.speed = 40;
  wctx *x = calloc(1, sizeof *x);
  pctx *pc = calloc(1, sizeof *pc);
  assert_non_null(x);
  assert_non_null(pc);
  assert_int_equal(mwx_node_open(&cfg, on_ev, x, &x->n), 0);
  assert_int_equal(mwx_node_subscribe(x->n, on_pic, pc, NULL), 0);
  pc->n_set = x->n;
  x->stop_after_ns = mwx_node_epoch_ns(x->n) + 320 * NS; /* 8 s of wall */
  assert_int_equal(mwx_node_run(x->n), 0);
  mwx_node_stats st;
  mwx_node_get_stats(x->n, &st);
  mwx_node_profile pf;
  mwx_node_get_profile(x->n, &pf);
  mwx_node_close(x->n);
  assert_true(pc->n > 20);
  assert_int_equal(pc->parsed, pc->n);
  assert_true((uint64_t)pc->n == st.fuse_passes);
  double take[MAXPIC], busy_ms = 0, longest_ms = 0;
  for (int i = 0; i < pc->n; i++) {
    assert_int_equal(pc->item[i], (uint64_t)i + 1);
    take[i] = pc->take_ms[i];
    busy_ms += pc->pass_ms[i];
    if (pc->pass_ms[i] > longest_ms)
      longest_ms = pc->pass_ms[i];
  }
  qsort(take, (size_t)pc->n, sizeof *take, cmp_d);
  /* the picture is at the clock's time of its pass: when its event comes
     it is as old as the pass and the take-back, at speed 40.  (A bound, not
     the regression test of issue 15's tenth session: offline, this node
     steps so often that the last step's time, used before, passes it too;
     the salvo bench showed the fault, BENCHMARKS.md) */
  double age[MAXPIC];
  for (int i = 0; i < pc->n; i++)
    age[i] = pc->age_ms[i] / 40 - pc->pass_ms[i] - pc->take_ms[i]; /* wall ms not explained by the pass */
  qsort(age, (size_t)pc->n, sizeof *age, cmp_d);
  printf("# picture age at its event beyond pass + take-back: p50 %.2f p90 %.2f max %.2f wall ms\n", age[pc->n / 2],
         age[pc->n * 9 / 10], age[pc->n - 1]);
  assert_true(age[pc->n / 2] < 5);
  assert_true(age[pc->n * 9 / 10] < 20);
  double wall_ms = (double)pf.wall_ns / 1e6;
  printf("# %d picture events in %.1f s; take-back p50 %.2f max %.2f ms; worker busy %.0f ms (%.1f%%)\n", pc->n,
         wall_ms / 1e3, take[pc->n / 2], take[pc->n - 1], busy_ms, 100 * busy_ms / wall_ms);
  assert_true(take[pc->n / 2] < 20); /* the token wakes the loop at once (not a 250-ms step) */
  /* the budget: half the time, the 50-ms burst, and the last pass started on a positive budget */
  assert_true(busy_ms <= wall_ms / 2 + 50 + longest_ms);
  assert_int_equal(x->legacy_pictures, 0);
  free(pc);
  free(x);
}

static void test_offline_in_line(void **state) {
  (void)state;
  char dir[96];
  mwx_node_config cfg;
  fx_node_salvo_kor(&cfg, "test_offline_in_line", "one.json", 1, 0, dir, sizeof dir);
  cfg.test_fuse_min_ms = 60000; /* a worker would take a minute a pass: in line there is none */
  wctx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(mwx_node_open(&cfg, on_ev, x, &x->n), 0);
  pctx *pc = calloc(1, sizeof *pc);
  assert_non_null(pc);
  assert_int_equal(mwx_node_subscribe(x->n, on_pic, pc, NULL), 0);
  int64_t t0 = mwx_node_epoch_ns(x->n);
  int done = 0;
  for (int64_t t = t0; t <= t0 + 200 * NS && !done; t += NS / 10)
    assert_int_equal(mwx_node_step(x->n, t, &done), 0);
  mwx_node_stats st;
  mwx_node_get_stats(x->n, &st);
  mwx_node_close(x->n);
  assert_int_equal(pc->n, 0); /* in line: no PICTURE at all (node.h) */
  free(pc);
  printf("# in line: worker %d, %llu passes; %d Track releases\n", st.fuse_worker,
         (unsigned long long)st.fuse_passes, x->n_rel);
  assert_int_equal(st.fuse_worker, 0);
  assert_true(st.fuse_passes > 100);
  assert_true(x->n_rel > 10);
  for (int i = 0; i < x->n_rel; i++)
    assert_true(x->rel_gtn[i] != 0); /* the pass before the sample numbered its track */
  free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_offline_in_line),
      cmocka_unit_test(test_slow_fusion_does_not_delay),
      cmocka_unit_test(test_picture_events),
  };
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
