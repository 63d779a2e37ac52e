/*
 * test_node_fit.c - the launch fit off the loop thread (src/node/fitpool.c):
 * a node at speed > 0 (offline: no DDS) whose fit worker is made slow by the
 * test-only option test_fit_min_ms (the fit's min_duration_ms).
 *   - a fit taking 12 s does not delay another track's releases: the
 *     Track samples of the other missile keep leaving while it runs, and
 *     the refined LaunchEvent arrives after it;
 *   - with the fit off, the early plots are released all the same when the
 *     window closes (the tracker's heap stays bounded);
 *   - with the fit on, a track's IR pre-plots are released with its early
 *     plots when its window closes (issue 16: they were kept to the
 *     track's end, 135 KB a USA track in the salvo of 100);
 *   - a full fit queue drops fits with a count, and closing the node with a
 *     fit in progress and one queued is clean (ASan build) and quick: the
 *     fit's test wait is cut short by the pool's stop;
 *   - the batch threads (fusion, fit and memory workers) run at the
 *     configured priority (batch_nice, batch_sched), each by its name in
 *     /proc/self/task, the loop thread unchanged.
 */
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
#include <dirent.h>
#include <sys/resource.h>
#include <jansson.h>

#include "fixture_dir.h"
#include "fixture_node.h"
#include "mwx/assess.h"
#include "mwx/error.h"
#include "mwx/node.h"
#include "mwx/track.h"

#define NS 1000000000ll

#define MAXREL 20000
typedef struct fctx {
  mwx_node *n;
  int64_t epoch_ns;
  int64_t stop_after_ns;   /* stop at this sim time (0: at the first refined launch) */
  char launch_id[8][32];   /* tracks seen in LaunchEvents to JPN */
  int launches[8];
  int n_ids;
  int64_t refined_wall;    /* mono ns of the first second LaunchEvent of a track */
  char refined_id[32];
  int n_rel;
  int64_t rel_wall[MAXREL];
  char rel_id[MAXREL][32];
} fctx;

static void on_ev(void *c, const mwx_node_event *ev) {
  fctx *x = c;
  if (ev->kind == MWX_NODE_EV_DONE || !ev->msg || strcmp(ev->partner, "JPN") || ev->kind != MWX_NODE_EV_RELEASED)
    goto check;
  const mwx_msg *m = ev->msg;
  if (m->topic == MWX_TOPIC_TRACK && x->n_rel < MAXREL) {
    x->rel_wall[x->n_rel] = mwx_node_mono_ns();
    snprintf(x->rel_id[x->n_rel], 32, "%s", m->u.track.local_track_id);
    x->n_rel++;
  }
  if (m->topic == MWX_TOPIC_LAUNCH) {
    int k = 0;
    while (k < x->n_ids && strcmp(x->launch_id[k], m->u.launch.local_track_id))
      k++;
    if (k == x->n_ids && k < 8)
      snprintf(x->launch_id[x->n_ids++], 32, "%s", m->u.launch.local_track_id);
    if (k < 8 && ++x->launches[k] == 2 && !x->refined_wall) {
      x->refined_wall = mwx_node_mono_ns();
      snprintf(x->refined_id, sizeof x->refined_id, "%s", m->u.launch.local_track_id);
    }
  }
check:
  if ((x->stop_after_ns == 0 && x->refined_wall) || (x->stop_after_ns && ev->sim_ns >= x->stop_after_ns))
    mwx_node_stop(x->n);
}

static void test_slow_fit_does_not_delay(void **state) {
  (void)state;
  char dir[96];
  mwx_node_config cfg;
  fx_node_salvo_kor(&cfg, "test_slow_fit_does_not_delay", "two.json", 2, 40, dir, sizeof dir);
  cfg.fit_workers = 1;
  cfg.launch_fit = 1;
  cfg.speed = 20;
  cfg.test_fit_min_ms = 12000;
  fctx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(mwx_node_open(&cfg, on_ev, x, &x->n), 0);
  x->epoch_ns = mwx_node_epoch_ns(x->n);
  assert_int_equal(mwx_node_run(x->n), 0);
  mwx_node_stats st;
  mwx_node_get_stats(x->n, &st);
  mwx_node_close(x->n);
  assert_true(x->refined_wall > 0);
  assert_string_equal(x->refined_id, x->launch_id[0]); /* the first track's fit came back */
  assert_true(st.fits_queued >= 1);
  assert_true(st.fits_done >= 1);
  assert_true(st.fit_max_ms >= 12000); /* it did take 12 s */
  /* while it ran, the other track's Track samples kept leaving, with no gap
     near the fit's 12 s (at 20x the tracker gives several per wall second) */
  int64_t from = x->refined_wall - (int64_t)(12000 * 1e6);
  int other = 0;
  int64_t prev = from, gap = 0;
  for (int i = 0; i < x->n_rel; i++) {
    if (x->rel_wall[i] < from || x->rel_wall[i] > x->refined_wall)
      continue;
    if (strcmp(x->rel_id[i], x->refined_id))
      other++;
    if (x->rel_wall[i] - prev > gap)
      gap = x->rel_wall[i] - prev;
    prev = x->rel_wall[i];
  }
  if (x->refined_wall - prev > gap)
    gap = x->refined_wall - prev;
  printf("# during the 12-s fit: %d Track releases of the other track, longest gap %.0f ms\n", other,
         (double)gap / 1e6);
  assert_true(other >= 20);
  assert_true(gap < 2 * NS);
  free(x);
}

/* Opens a node of cfg, runs it to 200 s of sim time (every early-plot
 * window, 121 s after a track's first plot, has closed) and gives its stats
 * and memory report.  The node stays open (x->n): the caller closes it. */
static fctx *run_past_windows(const mwx_node_config *cfg, mwx_node_stats *st, mwx_node_memory *mem) {
  fctx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(mwx_node_open(cfg, on_ev, x, &x->n), 0);
  x->epoch_ns = mwx_node_epoch_ns(x->n);
  x->stop_after_ns = x->epoch_ns + 200 * NS;
  assert_int_equal(mwx_node_run(x->n), 0);
  mwx_node_get_stats(x->n, st);
  mwx_node_get_memory(x->n, mem);
  return x;
}

static void test_full_fit_queue_drops(void **state) {
  (void)state;
  char dir[96];
  mwx_node_config cfg;
  fx_node_salvo_kor(&cfg, "test_full_fit_queue_drops", "four.json", 4, 2, dir, sizeof dir);
  cfg.fit_workers = 1;
  cfg.launch_fit = 1;
  cfg.speed = 50;
  cfg.fit_queue = 1;
  cfg.test_fit_min_ms = 60000; /* the first fit holds the worker for the whole run */
  mwx_node_stats st;
  mwx_node_memory mem;
  fctx *x = run_past_windows(&cfg, &st, &mem);
  printf("# tracker heap after every window closed: %llu B\n", (unsigned long long)mem.tracker_heap_bytes);
  /* issue 16: each confirmed track's early plots released once its fit was
     started (queued or dropped): 428,040 B here, 820,744 B when they were
     kept (3,068 plots of 128 B more); the bound sits between */
  assert_true(mem.tracker_heap_bytes > 0 && mem.tracker_heap_bytes < 550000);
  printf("# tracks %llu: fits queued %llu, dropped %llu, done %llu\n", (unsigned long long)st.tracks_confirmed,
         (unsigned long long)st.fits_queued, (unsigned long long)st.fits_dropped, (unsigned long long)st.fits_done);
  assert_true(st.tracks_confirmed >= 3);
  /* one running, one waiting, the rest refused with a count */
  assert_int_equal(st.fits_queued, 2);
  assert_int_equal(st.fits_dropped, st.tracks_confirmed - 2);
  assert_int_equal(st.fits_done, 0);
  int64_t c0 = mwx_node_mono_ns();
  mwx_node_close(x->n); /* a fit in progress and one queued: stopped and freed */
  double close_s = (double)(mwx_node_mono_ns() - c0) / 1e9;
  printf("# close with a 60-s test fit running: %.3f s\n", close_s);
  assert_true(close_s < 5); /* the fit's test wait ends with the pool (test_stop), not after 60 s */
  free(x);
}

static void test_early_plots_released_without_fit(void **state) {
  (void)state;
  char dir[96];
  mwx_node_config cfg;
  fx_node_salvo_kor(&cfg, "test_early_plots_released_without_fit", "four.json", 4, 2, dir, sizeof dir);
  cfg.launch_fit = 0; /* no fit: the early plots have no reader once the window closes */
  cfg.speed = 50;
  mwx_node_stats st;
  mwx_node_memory mem;
  fctx *x = run_past_windows(&cfg, &st, &mem);
  mwx_node_close(x->n);
  printf("# launch fit off, tracks %llu: tracker heap after every window closed: %llu B\n",
         (unsigned long long)st.tracks_confirmed, (unsigned long long)mem.tracker_heap_bytes);
  assert_true(st.tracks_confirmed >= 3);
  assert_int_equal(st.fits_queued, 0);
  /* the same bound as with the fit (test_full_fit_queue_drops): 428,040 B
     here, 820,744 B when the early plots were kept (3,068 plots of 128 B) */
  assert_true(mem.tracker_heap_bytes > 0 && mem.tracker_heap_bytes < 550000);
  free(x);
}

/* nice and policy (5 = SCHED_IDLE, 3 = SCHED_BATCH, 0 = SCHED_OTHER) of this
 * process's thread named name, from /proc/self/task/TID/stat (fields 19 and
 * 41); 0 when found, -1 when no thread has that name (yet). */
static int thread_prio(const char *name, int *nice_out, int *policy_out) {
  DIR *d = opendir("/proc/self/task");
  assert_non_null(d);
  struct dirent *e;
  int rc = -1;
  while (rc && (e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char p[300], comm[32] = "", st[1024] = "";
    snprintf(p, sizeof p, "/proc/self/task/%s/comm", e->d_name);
    FILE *f = fopen(p, "r");
    if (!f)
      continue;
    if (!fgets(comm, sizeof comm, f))
      comm[0] = 0;
    fclose(f);
    comm[strcspn(comm, "\n")] = 0;
    if (strcmp(comm, name))
      continue;
    snprintf(p, sizeof p, "/proc/self/task/%s/stat", e->d_name);
    f = fopen(p, "r");
    assert_non_null(f);
    assert_non_null(fgets(st, sizeof st, f));
    fclose(f);
    const char *s = strrchr(st, ')'); /* the fields after the comm: state is field 3 */
    assert_non_null(s);
    int field = 2;
    for (s++; *s && field < 41; s++)
      if (*s == ' ') {
        field++;
        if (field == 19)
          *nice_out = atoi(s + 1);
        if (field == 41)
          *policy_out = atoi(s + 1);
      }
    rc = field == 41 ? 0 : -1;
  }
  closedir(d);
  return rc;
}

/* Waits (at most 5 s) until this process's thread named name has set its
 * priority to the nice and policy expected; gives its nice and policy. */
static void wait_prio(const char *name, int want_nice, int want_policy, int *nice_out, int *policy_out) {
  for (int i = 0; i < 500; i++) {
    if (thread_prio(name, nice_out, policy_out) == 0 && *nice_out == want_nice && *policy_out == want_policy)
      return;
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  assert_int_equal(thread_prio(name, nice_out, policy_out), 0); /* found, but at another nice */
}

static void test_batch_threads_priority(void **state) {
  (void)state;
  char dir[96];
  int base = getpriority(PRIO_PROCESS, 0);
  static const struct {
    int nice, sched, policy; /* the config, the kernel's policy number */
  } cases[] = {{7, MWX_NODE_BATCH_OTHER, 0}, {MWX_NODE_BATCH_NICE_DEFAULT, MWX_NODE_BATCH_IDLE, 5}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    mwx_node_config cfg;
    fx_node_salvo_kor(&cfg, c ? "test_batch_prio_idle" : "test_batch_prio", "one.json", 1, 1, dir, sizeof dir);
    cfg.launch_fit = 1;
    cfg.speed = 20; /* the workers run at speed > 0 */
    cfg.fit_workers = 2;
    cfg.batch_nice = cases[c].nice;
    cfg.batch_sched = cases[c].sched;
    fctx *x = calloc(1, sizeof *x);
    assert_non_null(x);
    assert_int_equal(mwx_node_open(&cfg, on_ev, x, &x->n), 0);
    int want = base + cases[c].nice > 19 ? 19 : base + cases[c].nice;
    int want_mem = base + cases[c].nice + 5 > 19 ? 19 : base + cases[c].nice + 5;
    const char *names[] = {"mwx-fuse", "mwx-fit0", "mwx-fit1", "mwx-mem"};
    for (int k = 0; k < 4; k++) {
      int ni = -100, po = -1;
      wait_prio(names[k], k == 3 ? want_mem : want, cases[c].policy, &ni, &po);
      printf("# batch_nice %d batch_sched %d: %s at nice %d, policy %d\n", cases[c].nice, cases[c].sched, names[k],
             ni, po);
      assert_int_equal(ni, k == 3 ? want_mem : want);
      assert_int_equal(po, cases[c].policy);
    }
    int ni = -100, po = -1;
    assert_int_equal(getpriority(PRIO_PROCESS, 0), base); /* the loop (this thread) unchanged */
    assert_int_equal(thread_prio("mwx-rx", &ni, &po), -1); /* offline: no receive thread */
    mwx_node_close(x->n);
    free(x);
  }
}

/* Every live track of n's tracker whose early-plot window closed before
 * now_ns holds no early plots (but the first) and no IR pre-plots; returns
 * how many such tracks there are, their plots still held in *held. */
static int closed_windows(const mwx_node *n, int64_t now_ns, size_t *held) {
  const mwx_tracker *tr = mwx_node_tracker(n);
  int closed = 0;
  *held = 0;
  for (size_t i = 0; i < mwx_track_count(tr); i++) {
    mwx_track_info in;
    assert_int_equal(mwx_track_get(tr, i, &in), 0);
    /* a second more than the node waits: the pass that closed it has run */
    if (in.status != MWX_TRACK_CONFIRMED || now_ns - in.t_first_ns < (int64_t)((MWX_ASSESS_LAUNCH_FIT_AFTER_S + 1) * NS))
      continue;
    closed++;
    const mwx_track_plot *p;
    *held += mwx_track_early_plots(tr, i, &p) + mwx_track_pre_ir(tr, i, &p);
  }
  return closed;
}

/* USA's node on the first four launches of scenarios/salvo-100.json (its
 * sensors: the space IR sees each boost before a radar starts the track),
 * launch fit on, to 400 s (every window closed). */
static void test_pre_plots_released(void **state) {
  (void)state;
  char dir[96], sc[160];
  fx_subdir("test_pre_plots_released", dir, sizeof dir);
  snprintf(sc, sizeof sc, "%.100s/salvo4.json", dir);
  json_error_t err;
  json_t *root = json_load_file(MWX_SOURCE_DIR "/scenarios/salvo-100.json", 0, &err);
  assert_non_null(root);
  json_t *l = json_object_get(root, "launches");
  while (json_array_size(l) > 4)
    assert_int_equal(json_array_remove(l, json_array_size(l) - 1), 0);
  assert_int_equal(json_dump_file(root, sc, JSON_INDENT(1)), 0);
  json_decref(root);
  mwx_node_config cfg;
  char db[160];
  snprintf(db, sizeof db, "%.100s/usa.db", dir);
  fx_node_config(&cfg, "USA", sc, db);
  cfg.journal_plots = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg.launch_fit = 1; /* mwxd's default; offline (speed 0) the fits run in line */
  fctx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  assert_int_equal(mwx_node_open(&cfg, on_ev, x, &x->n), 0);
  x->epoch_ns = mwx_node_epoch_ns(x->n);
  x->stop_after_ns = x->epoch_ns + 400 * NS;
  assert_int_equal(mwx_node_run(x->n), 0);
  mwx_node_stats st;
  mwx_node_get_stats(x->n, &st);
  mwx_track_table_stats ts;
  mwx_track_table_stats_get(mwx_node_tracker(x->n), &ts);
  size_t held = 0;
  int closed = closed_windows(x->n, x->stop_after_ns, &held);
  printf("# USA, launch fit on: tracks confirmed %llu, fits done %llu; %d live tracks past their window: %zu early"
         " and pre-plots held (early %zu B, pre %zu B, tracker %zu B)\n",
         (unsigned long long)st.tracks_confirmed, (unsigned long long)st.fits_done, closed, held, ts.early_bytes,
         ts.pre_bytes, ts.heap_bytes);
  mwx_node_close(x->n);
  assert_true(closed >= 2);
  assert_true(st.fits_done >= 1);
  /* issue 16: the IR pre-plots were kept to the track's end (22,144 B here;
     135 KB a track in the salvo of 100), the early plots released */
  assert_int_equal(held, 0);
  assert_int_equal(ts.pre_bytes, 0);
  assert_int_equal(ts.early_held, 0);
  free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_fit_queue_drops),
      cmocka_unit_test(test_early_plots_released_without_fit),
      cmocka_unit_test(test_pre_plots_released),
      cmocka_unit_test(test_slow_fit_does_not_delay),
      cmocka_unit_test(test_batch_threads_priority),
  };
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
