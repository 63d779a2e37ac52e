/*
 * test_node.c - the node module.  The event loop: timer order and re-arm,
 * a 0 delay running every iteration, timer deletion from a callback, fd
 * readiness through a pipe, the hand-over queue fed by four threads (every
 * item once, in per-thread order), a full queue counted, stop from another
 * thread.  The node offline: KOR on the 2022-11-18 scenario step by step
 * (mwx_node_step): JPN gets KOR's LaunchEvent and Tracks automatically,
 * long-range impact predictions to JPN are held, an approval made through a
 * second journal handle (as "mwx release approve" would) is picked up and
 * published, and the journal verifies.  The per-track table's bound
 * (max_tracks 1 on a scenario with tracks confirmed at once): evictions
 * counted in the stats, in NodeStatus overflows and the summary line.  The
 * mwxd configuration file: node
 * keys read, paths relative to the file, bad values named.  Issue 16: every
 * released copy carries its stages in order (plot .. published), its copies
 * are published before the pass reports any event (the own picture's SAMPLE
 * event comes after the publish), the loop profile's parts add up, the
 * per-track table's entries are held, evicted or forgotten.
 */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "fixture_dir.h"
#include "fixture_node.h"
#include "mwx/error.h"
#include "mwx/journal.h"
#include "mwx/json.h"
#include "mwx/node.h"
#include "mwx/release.h"

/* ---- loop ------------------------------------------------------------ */

typedef struct tctx {
  int fired[4];
  int order[16];
  int n_order;
  uint64_t del_id;
  mwx_node_loop *l;
} tctx;

static int64_t t_a(mwx_node_loop *l, void *c) {
  (void)l;
  tctx *t = c;
  t->fired[0]++;
  t->order[t->n_order++ % 16] = 0;
  return t->fired[0] < 3 ? 1000000 : MWX_NODE_TIMER_DONE; /* 3 times, 1 ms apart */
}
static int64_t t_b(mwx_node_loop *l, void *c) {
  (void)l;
  tctx *t = c;
  t->fired[1]++;
  t->order[t->n_order++ % 16] = 1;
  return MWX_NODE_TIMER_DONE;
}
static int64_t t_zero(mwx_node_loop *l, void *c) {
  (void)l;
  tctx *t = c;
  t->fired[2]++;
  return t->fired[2] < 100 ? 0 : MWX_NODE_TIMER_DONE;
}
static int64_t t_killer(mwx_node_loop *l, void *c) {
  tctx *t = c;
  t->fired[3]++;
  assert_int_equal(mwx_node_loop_timer_del(l, t->del_id), 0);
  return MWX_NODE_TIMER_DONE;
}
static int64_t t_never(mwx_node_loop *l, void *c) {
  (void)l;
  (void)c;
  fail_msg("deleted timer fired");
  return MWX_NODE_TIMER_DONE;
}

static void test_loop_timers(void **state) {
  (void)state;
  mwx_node_loop *l;
  assert_int_equal(mwx_node_loop_create(0, &l), 0);
  tctx t = {0};
  /* b at 200 ms: far enough after a's three firings (0, +1, +1 ms, each
     re-armed from when it ran) that a loaded machine keeps the order */
  assert_int_equal(mwx_node_loop_timer_add(l, 200000000, t_b, &t, NULL), 0);
  assert_int_equal(mwx_node_loop_timer_add(l, 0, t_a, &t, NULL), 0);       /* now, 1 ms, 2 ms */
  assert_int_equal(mwx_node_loop_timer_add(l, 0, t_zero, &t, NULL), 0);
  assert_int_equal(mwx_node_loop_timer_add(l, 2000000, t_never, &t, &t.del_id), 0);
  assert_int_equal(mwx_node_loop_timer_add(l, 1000000, t_killer, &t, NULL), 0);
  int64_t t0 = mwx_node_mono_ns();
  /* at least 20 ms; on a loaded machine up to 2 s, until every timer has
     done what it should (the deleted one would fail at once) */
  while (mwx_node_mono_ns() - t0 < 20000000 ||
         (mwx_node_mono_ns() - t0 < 2000000000 && !(t.fired[0] == 3 && t.fired[1] == 1 && t.fired[2] == 100 &&
                                                    t.fired[3] == 1)))
    assert_true(mwx_node_loop_run_once(l, 1000000) >= 0);
  assert_int_equal(t.fired[0], 3);
  assert_int_equal(t.fired[1], 1);
  assert_int_equal(t.fired[2], 100);
  assert_int_equal(t.fired[3], 1);
  /* a fires at 0, 1, 2 ms; b at 200 ms: b last */
  assert_int_equal(t.n_order, 4);
  assert_int_equal(t.order[3], 1);
  assert_int_equal(mwx_node_loop_timer_del(l, 12345), MWX_ENOTFOUND);
  assert_int_equal(mwx_node_loop_timer_add(l, -1, t_b, &t, NULL), MWX_EINVAL);
  mwx_node_loop_destroy(l);
}

typedef struct fdctx {
  int reads;
  char got[16];
} fdctx;

static void on_fd(mwx_node_loop *l, int fd, short rev, void *c) {
  (void)l;
  fdctx *f = c;
  assert_true(rev & POLLIN);
  ssize_t r = read(fd, f->got, sizeof f->got - 1);
  assert_true(r > 0);
  f->got[r] = 0;
  f->reads++;
}

static void test_loop_fd(void **state) {
  (void)state;
  mwx_node_loop *l;
  assert_int_equal(mwx_node_loop_create(0, &l), 0);
  int p[2];
  assert_int_equal(pipe(p), 0);
  fdctx f = {0};
  assert_int_equal(mwx_node_loop_fd_add(l, p[0], POLLIN, on_fd, &f), 0);
  assert_int_equal(mwx_node_loop_fd_add(l, p[0], POLLIN, on_fd, &f), MWX_EEXIST);
  assert_int_equal(mwx_node_loop_run_once(l, 1000000), 0); /* nothing ready: times out */
  assert_int_equal(write(p[1], "ping", 4), 4);
  assert_int_equal(mwx_node_loop_run_once(l, 1000000000), 1);
  assert_int_equal(f.reads, 1);
  assert_string_equal(f.got, "ping");
  assert_int_equal(mwx_node_loop_fd_del(l, p[0]), 0);
  assert_int_equal(mwx_node_loop_fd_del(l, p[0]), MWX_ENOTFOUND);
  assert_int_equal(write(p[1], "x", 1), 1);
  assert_int_equal(mwx_node_loop_run_once(l, 1000000), 0);
  close(p[0]);
  close(p[1]);
  mwx_node_loop_destroy(l);
}

#define N_THREADS 4
#define N_ITEMS 5000

typedef struct qitem {
  int thread, seq;
} qitem;

typedef struct qctx {
  int next[N_THREADS];
  int total;
  int bad;
} qctx;

static void on_item(mwx_node_loop *l, void *item, size_t size, void *c) {
  qctx *q = c;
  assert_int_equal(size, sizeof(qitem));
  qitem *it = item;
  if (it->seq != q->next[it->thread])
    q->bad++;
  q->next[it->thread] = it->seq + 1;
  if (++q->total == N_THREADS * N_ITEMS)
    mwx_node_loop_stop(l, 7);
}

typedef struct poster {
  mwx_node_loop *l;
  int thread;
} poster;

static void *post_main(void *arg) {
  poster *p = arg;
  for (int i = 0; i < N_ITEMS; i++) {
    qitem it = {p->thread, i};
    while (mwx_node_loop_post(p->l, &it, sizeof it) == MWX_EBUSY)
      usleep(100); /* the test's poster retries; the node's receive thread does not */
  }
  return NULL;
}

static void test_loop_queue_threads(void **state) {
  (void)state;
  mwx_node_loop *l;
  assert_int_equal(mwx_node_loop_create(256, &l), 0);
  qctx q = {0};
  mwx_node_loop_set_queue_fn(l, on_item, &q);
  pthread_t th[N_THREADS];
  poster ps[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    ps[i] = (poster){l, i};
    assert_int_equal(pthread_create(&th[i], NULL, post_main, &ps[i]), 0);
  }
  assert_int_equal(mwx_node_loop_run(l), 7);
  for (int i = 0; i < N_THREADS; i++)
    pthread_join(th[i], NULL);
  assert_int_equal(q.total, N_THREADS * N_ITEMS);
  assert_int_equal(q.bad, 0);
  mwx_node_loop_destroy(l);
}

static void test_loop_queue_full(void **state) {
  (void)state;
  mwx_node_loop *l;
  assert_int_equal(mwx_node_loop_create(2, &l), 0);
  int x = 1;
  assert_int_equal(mwx_node_loop_post(l, &x, sizeof x), 0);
  assert_int_equal(mwx_node_loop_post(l, &x, sizeof x), 0);
  assert_int_equal(mwx_node_loop_post(l, &x, sizeof x), MWX_EBUSY);
  assert_int_equal(mwx_node_loop_dropped(l), 1);
  assert_int_equal(mwx_node_loop_queue_max(l), 2); /* the high-water mark reached the bound */
  assert_int_equal(mwx_node_loop_queue_cap(l), 2);
  mwx_node_loop_destroy(l); /* frees the two queued items (ASan checks) */
}

static void *stopper(void *arg) {
  usleep(20000);
  mwx_node_loop_stop(arg, 0);
  return NULL;
}

static void test_loop_stop_from_thread(void **state) {
  (void)state;
  mwx_node_loop *l;
  assert_int_equal(mwx_node_loop_create(0, &l), 0);
  pthread_t th;
  int64_t t0 = mwx_node_mono_ns();
  assert_int_equal(pthread_create(&th, NULL, stopper, l), 0);
  assert_int_equal(mwx_node_loop_run(l), 0); /* no timers, no fds: only the stop wakes it */
  pthread_join(th, NULL);
  assert_true(mwx_node_mono_ns() - t0 < 2000000000ll);
  mwx_node_loop_destroy(l);
}

/* ---- node, offline ---------------------------------------------------- */

typedef struct nctx {
  int jpn_launch, jpn_track, jpn_impact_released, jpn_held, jpn_approved, usa_impact;
  int refused, done;
  uint64_t first_hold;
  int wrong_partition;
  const char *journal;
  int approved_by_op;
} nctx;

static void on_node(void *c, const mwx_node_event *ev) {
  nctx *x = c;
  const mwx_msg *m = ev->msg;
  if (ev->kind == MWX_NODE_EV_DONE) {
    x->done = 1;
    return;
  }
  if (ev->kind == MWX_NODE_EV_REFUSED)
    x->refused++;
  if (!m)
    return;
  int jpn = !strcmp(ev->partner, "JPN");
  if (ev->kind == MWX_NODE_EV_RELEASED || ev->kind == MWX_NODE_EV_APPROVED) {
    /* what leaves names exactly KOR and the partner */
    if (m->mark.n_releasable != 2 || !mwx_msg_marking_allows(&m->mark, ev->partner) ||
        !mwx_msg_marking_allows(&m->mark, "KOR"))
      x->wrong_partition++;
    if (jpn && (m->fields & (MWX_F_SENSORS | MWX_F_SENSOR_POS)))
      x->wrong_partition++; /* the KOR policy strips sensors for JPN */
  }
  if (ev->kind == MWX_NODE_EV_RELEASED && jpn) {
    x->jpn_launch += m->topic == MWX_TOPIC_LAUNCH;
    x->jpn_track += m->topic == MWX_TOPIC_TRACK;
    x->jpn_impact_released += m->topic == MWX_TOPIC_IMPACT;
  }
  if (ev->kind == MWX_NODE_EV_RELEASED && !jpn && m->topic == MWX_TOPIC_IMPACT)
    x->usa_impact++;
  if (ev->kind == MWX_NODE_EV_HELD && jpn) {
    x->jpn_held++;
    assert_int_equal(m->topic, MWX_TOPIC_IMPACT);
    if (!x->first_hold) {
      /* an operator elsewhere approves it through the journal */
      x->first_hold = ev->item;
      mwx_journal *j2;
      assert_int_equal(mwx_journal_open(x->journal, NULL, &j2), 0);
      mwx_release_item it;
      assert_int_equal(mwx_release_queue_decide(j2, ev->item, 1, "duty-officer", ev->sim_ns + 2000000000ll, &it), 0);
      mwx_journal_close(j2);
    }
  }
  if (ev->kind == MWX_NODE_EV_APPROVED && jpn) {
    x->jpn_approved++;
    if (ev->item == x->first_hold && strstr(ev->detail, "duty-officer"))
      x->approved_by_op = 1;
  }
}

static void test_node_offline(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_node_offline", dir, sizeof dir);
  char db[128];
  snprintf(db, sizeof db, "%s/kor.db", dir);
  mwx_node_config cfg;
  fx_node_config(&cfg, "KOR", "2022-11-18-hwasong17.json", db);
  cfg.journal_plots = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  nctx x = {0};
  x.journal = db;
  mwx_node *n;
  assert_int_equal(mwx_node_open(&cfg, on_node, &x, &n), 0);
  int64_t t = mwx_node_epoch_ns(n) - 5000000000ll;
  int done = 0;
  for (int i = 0; i < 20000 && !done; i++) {
    t += 1000000000ll;
    assert_int_equal(mwx_node_step(n, t, &done), 0);
  }
  assert_true(done);
  assert_true(x.done);
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  /* the memory is read apart from the counters (mwx_node_get_memory): the
     heap holds at least the tracker's and SQLite's shares, the resident
     set at least the heap in use; offline no trim runs */
  mwx_node_memory mem;
  mwx_node_get_memory(n, &mem);
  assert_true(mem.tracker_heap_bytes > 0 && mem.journal_heap_bytes > 0);
#ifndef __SANITIZE_ADDRESS__
  /* glibc's mallinfo2: under AddressSanitizer malloc is ASan's and
     mallinfo2 reports nothing of it, so the comparison holds only here */
  assert_true(mem.heap_used_bytes > mem.tracker_heap_bytes + mem.journal_heap_bytes);
#endif
  assert_true(mem.rss_bytes > 0);
  assert_int_equal(mem.trims, 0);
  mwx_node_close(n);
  assert_int_equal(x.jpn_launch, 2); /* at once from the early estimate, then refined by the launch fit */
  assert_true(x.jpn_track > 10);
  assert_int_equal(x.jpn_impact_released, 0); /* ICBM predictions go to an operator first */
  assert_true(x.jpn_held >= 1);
  assert_int_equal(x.jpn_approved, x.jpn_held); /* one by the operator, the rest by time-out (approve) */
  assert_true(x.approved_by_op);
  assert_int_equal(x.usa_impact, x.jpn_held); /* the USA gets every one at once */
  assert_int_equal(x.wrong_partition, 0);
  assert_int_equal(st.n_partners, 2);
  assert_true(st.partner[0].has_first_release);
  assert_true(st.partner[0].first_release_s < 120);
  /* the journal verifies */
  mwx_journal *j;
  mwx_journal_options ro = {MWX_JOURNAL_SYNC_FULL, 1, NULL};
  assert_int_equal(mwx_journal_open(db, &ro, &j), 0);
  mwx_journal_verify_result vr;
  assert_int_equal(mwx_journal_verify(j, NULL, &vr), 0);
  assert_true(vr.records > 100);
  mwx_journal_close(j);
}

/* ---- stages, publish before events, profile (issue 16) --------------- */

typedef struct sctx {
  int64_t sample_wall[6][4096]; /* wall time of the SAMPLE event of (topic, seq) */
  int released, bad_order, bad_stages, published_late, formatted;
  char line[512];
} sctx;

static void on_stage(void *c, const mwx_node_event *ev) {
  sctx *x = c;
  const mwx_msg *m = ev->msg;
  if (!m || m->topic > 5 || m->mark.seq >= 4096)
    return;
  if (ev->kind == MWX_NODE_EV_SAMPLE) {
    x->sample_wall[m->topic][m->mark.seq] = ev->wall_ns;
    return;
  }
  if (ev->kind != MWX_NODE_EV_RELEASED)
    return;
  x->released++;
  const int64_t *st = ev->stage_ns;
  /* the sender's stages, stamped and in order; none of the receiver's */
  for (int i = MWX_NODE_STAGE_PLOT; i <= MWX_NODE_STAGE_PUBLISHED; i++)
    if (!st[i] || (i > MWX_NODE_STAGE_IN && st[i] < st[i - 1]))
      x->bad_stages++;
  for (int i = MWX_NODE_STAGE_RECEIVED; i < MWX_NODE_STAGE_COUNT; i++)
    if (st[i])
      x->bad_stages++;
  /* the own picture's SAMPLE event of this sample came after its copies were
     published (and after the commit: journaled <= published) */
  int64_t sw = x->sample_wall[m->topic][m->mark.seq];
  if (!sw)
    x->bad_order++; /* no SAMPLE event before its RELEASED */
  else if (st[MWX_NODE_STAGE_PUBLISHED] > sw)
    x->published_late++;
  if (!x->formatted && m->topic == MWX_TOPIC_TRACK && !mwx_node_stages_format("KOR", ev, x->line, sizeof x->line))
    x->formatted = 1;
}

static void test_node_stages(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_node_stages", dir, sizeof dir);
  mwx_node_config cfg;
  char db_path[MWX_NODE_PATH_LEN];
  snprintf(db_path, sizeof db_path, "%.500s/kor.db", dir);
  fx_node_config(&cfg, "KOR", "2022-11-18-hwasong17.json", db_path);
  cfg.journal_plots = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg.step_s = 0; /* event-driven: each scan its own pass */
  sctx *x = calloc(1, sizeof *x);
  assert_non_null(x);
  mwx_node *n;
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), 0);
  assert_int_equal(mwx_node_subscribe(n, on_stage, x, NULL), 0); /* every kind, SAMPLE included */
  int64_t t = mwx_node_epoch_ns(n) - 5000000000ll;
  int done = 0;
  for (int i = 0; i < 40000 && !done; i++) {
    t += 250000000ll;
    assert_int_equal(mwx_node_step(n, t, &done), 0);
  }
  assert_true(done);
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  mwx_node_profile pr;
  mwx_node_get_profile(n, &pr);
  mwx_node_close(n);
  printf("# %d copies released; %s\n", x->released, x->line);
  assert_true(x->released > 50);
  assert_int_equal(x->bad_stages, 0);
  assert_int_equal(x->bad_order, 0);
  assert_int_equal(x->published_late, 0); /* publish before any event of the pass */
  assert_true(x->formatted);
  assert_non_null(strstr(x->line, "KOR STAGES -> "));
  assert_non_null(strstr(x->line, " Track seq="));
  assert_non_null(strstr(x->line, " journaled="));
  assert_non_null(strstr(x->line, " published="));
  assert_null(strstr(x->line, " held="));
  /* the profile: every part's time adds up to the wall time since open; the
     step's own parts were timed */
  int64_t sum = 0;
  for (int i = 0; i < MWX_NODE_PROF_COUNT; i++) {
    assert_true(pr.part_ns[i] >= 0);
    sum += pr.part_ns[i];
  }
  assert_true(sum == pr.wall_ns);
  assert_true(pr.passes >= 1000);
  assert_true(pr.part_ns[MWX_NODE_PROF_COMMIT] > 0);
  assert_true(pr.part_ns[MWX_NODE_PROF_SIGN] > 0);
  assert_true(pr.part_ns[MWX_NODE_PROF_DECIDE] > 0);
  assert_true(pr.part_ns[MWX_NODE_PROF_DRIVE] > 0);
  assert_true(pr.part_ns[MWX_NODE_PROF_EMIT] > 0);
  assert_string_equal(mwx_node_prof_name(MWX_NODE_PROF_COMMIT), "commit");
  assert_string_equal(mwx_node_stage_name(MWX_NODE_STAGE_HELD), "held");
  assert_string_equal(mwx_node_stage_name((mwx_node_stage)99), "?");
  /* the per-track table: every entry made is held, evicted or forgotten */
  printf("# tracks confirmed %llu, held %llu, forgotten %llu, evicted %llu; out queue max %llu\n",
         (unsigned long long)st.tracks_confirmed, (unsigned long long)st.tracks_held,
         (unsigned long long)st.tracks_forgotten, (unsigned long long)st.tracks_evicted,
         (unsigned long long)st.out_max);
  assert_int_equal(st.tracks_held, st.tracks_confirmed - st.tracks_forgotten - st.tracks_evicted);
  assert_true(st.out_max >= 3); /* a Track to two partners and its SAMPLE event at least */
  assert_int_equal(st.handover_cap, MWX_NODE_HANDOVER_CAP);
  free(x);
}

/* ---- the per-track table's bound ----------------------------------- */

typedef struct bctx {
  uint64_t max_overflows; /* largest NodeStatus overflows that left */
  int launches;
} bctx;

static void on_bound(void *c, const mwx_node_event *ev) {
  bctx *x = c;
  if (ev->kind != MWX_NODE_EV_RELEASED || !ev->msg || strcmp(ev->partner, "USA"))
    return;
  if (ev->msg->topic == MWX_TOPIC_STATUS && ev->msg->u.status.overflows > x->max_overflows)
    x->max_overflows = ev->msg->u.status.overflows;
  x->launches += ev->msg->topic == MWX_TOPIC_LAUNCH;
}

/* Two missiles in flight at once (written at test time): the 2022-10-04
 * Hwasong-12 profile (launches.csv, Japan MoD) and the same profile 20 s
 * later on an azimuth 4 degrees to the south, so JPN's radars hold two
 * live tracks over Aomori together. */
static const char two_missiles[] =
    "{\"name\": \"two IRBMs 20 s apart (test)\", \"launches\": [\n"
    " {\"id\": \"M1\", \"time_utc\": \"2022-10-03T22:22:00Z\", \"lat_deg\": 40.61, \"lon_deg\": 126.43,\n"
    "  \"azimuth_deg\": 84.0, \"apogee_km\": 1000.0, \"range_km\": 4600.0, \"class\": \"IRBM\"},\n"
    " {\"id\": \"M2\", \"time_utc\": \"2022-10-03T22:22:20Z\", \"lat_deg\": 40.61, \"lon_deg\": 126.43,\n"
    "  \"azimuth_deg\": 88.0, \"apogee_km\": 1000.0, \"range_km\": 4600.0, \"class\": \"IRBM\"}],\n"
    " \"sensors\": \"default\"}\n";

/* JPN offline on two missiles at once with the table bounded at max_tracks. */
static void run_bounded(int max_tracks, mwx_node_stats *st, bctx *x) {
  static int runs;
  char name[32], dir[96];
  snprintf(name, sizeof name, "bounded_%d", runs++);
  fx_subdir(name, dir, sizeof dir);
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  strcpy(cfg.nation, "JPN");
  snprintf(cfg.scenario, sizeof cfg.scenario, "%s/two.json", dir);
  FILE *sf = fopen(cfg.scenario, "w");
  assert_non_null(sf);
  assert_true(fputs(two_missiles, sf) >= 0);
  assert_int_equal(fclose(sf), 0);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-JPN.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "%s/jpn.db", dir);
  cfg.journal_plots = 0;
  cfg.launch_fit = 0;
  cfg.status_every_s = 5;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg.max_tracks = max_tracks;
  mwx_node *n;
  assert_int_equal(mwx_node_open(&cfg, on_bound, x, &n), 0);
  assert_int_equal(mwx_node_run(n), 0);
  mwx_node_get_stats(n, st);
  mwx_node_close(n);
}

static void test_node_track_bound(void **state) {
  (void)state;
  mwx_node_stats st0, st1;
  bctx x0 = {0}, x1 = {0};
  run_bounded(MWX_NODE_MAX_TRACKS, &st0, &x0);
  run_bounded(1, &st1, &x1);
  printf("    tracks confirmed %llu, launches %d (bound %d); bound 1: evicted %llu, confirmed %llu, launches %d,"
         " NodeStatus overflows up to %llu\n",
         (unsigned long long)st0.tracks_confirmed, x0.launches, MWX_NODE_MAX_TRACKS,
         (unsigned long long)st1.tracks_evicted, (unsigned long long)st1.tracks_confirmed, x1.launches,
         (unsigned long long)x1.max_overflows);
  assert_true(st0.tracks_confirmed >= 2);
  assert_int_equal(st0.tracks_evicted, 0);
  assert_int_equal(x0.max_overflows, 0);
  /* one entry for two live tracks: each new one evicts the other, counted */
  assert_true(st1.tracks_evicted >= 1);
  assert_true(x1.max_overflows >= 1);
  assert_true(x1.max_overflows <= st1.tracks_evicted);
  /* an evicted track that comes back starts again: confirmed (and its
     LaunchEvent sent) again */
  assert_true(st1.tracks_confirmed > st0.tracks_confirmed);
  assert_true(st1.tracks_confirmed <= st0.tracks_confirmed + st1.tracks_evicted);
  assert_true(x1.launches > x0.launches);
  /* the logs: mwx run's summary names the counter */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  mwx_node_stats_print(f, &st1, "JPN", 1.0, 0);
  fclose(f);
  assert_non_null(strstr(buf, "tracks_evicted="));
  free(buf);
}

/* ---- diagnostic events (issue 16): the library prints nothing ---------- */

typedef struct dctx {
  int slow, mem, other;
  double max_wall_ms, parts_over_ms; /* the largest (sum of parts - wall) seen */
} dctx;

static void on_diag(void *vc, const mwx_node_event *ev) {
  dctx *d = vc;
  if (ev->kind == MWX_NODE_EV_SLOWPASS) {
    assert_non_null(ev->slow);
    d->slow++;
    double sum = 0;
    for (int i = 1; i < MWX_NODE_PROF_COUNT; i++)
      sum += ev->slow->part_ms[i];
    if (ev->slow->wall_ms > d->max_wall_ms)
      d->max_wall_ms = ev->slow->wall_ms;
    if (sum - ev->slow->wall_ms > d->parts_over_ms)
      d->parts_over_ms = sum - ev->slow->wall_ms;
  } else if (ev->kind == MWX_NODE_EV_MEMORY)
    d->mem++;
  else
    d->other++;
}

/* A step of at least slow_pass_ms reaches a subscriber of
 * mwx_node_subscribe_diag as MWX_NODE_EV_SLOWPASS, with its parts adding up
 * to its wall time; neither the fn of mwx_node_open nor a plain subscriber
 * gets it. */
static void test_node_diag_events(void **state) {
  (void)state;
  char dir[96], db[128];
  fx_subdir("test_node_diag", dir, sizeof dir);
  snprintf(db, sizeof db, "%s/kor.db", dir);
  mwx_node_config cfg;
  fx_node_config(&cfg, "KOR", "2022-11-18-hwasong17.json", db);
  cfg.journal_plots = 0;
  cfg.launch_fit = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg.slow_pass_ms = 1;
  dctx legacy = {0}, plain = {0}, diag = {0};
  mwx_node *n;
  assert_int_equal(mwx_node_open(&cfg, on_diag, &legacy, &n), 0);
  assert_int_equal(mwx_node_subscribe(n, on_diag, &plain, NULL), 0);
  assert_int_equal(mwx_node_subscribe_diag(n, on_diag, &diag, NULL), 0);
  int64_t t = mwx_node_epoch_ns(n);
  int done = 0;
  for (int i = 0; i < 200 && !done; i++) {
    t += 1000000000ll;
    assert_int_equal(mwx_node_step(n, t, &done), 0);
  }
  mwx_node_close(n);
  printf("    SLOWPASS events: diag %d (longest %.1f ms), plain %d, open fn %d; other events %d / %d / %d\n", diag.slow,
         diag.max_wall_ms, plain.slow, legacy.slow, diag.other, plain.other, legacy.other);
  assert_true(diag.slow >= 1);
  assert_true(diag.max_wall_ms >= 1.0);
  assert_true(diag.parts_over_ms < 0.5); /* the parts are exclusive slices of the step */
  assert_int_equal(plain.slow + plain.mem, 0);
  assert_int_equal(legacy.slow + legacy.mem, 0);
  assert_int_equal(diag.mem, 0); /* offline: no memory worker */
  assert_true(plain.other > 0 && diag.other == plain.other);
}

/* ---- journal payloads (built with Jansson) --------------------------- */

typedef struct pctx {
  int plots, radar, ir, samples, replays, bad;
  uint64_t seq_seen;
} pctx;

static int on_payload(const mwx_journal_record *r, void *ctx) {
  pctx *x = ctx;
  if (r->kind != MWX_JOURNAL_PLOT && r->kind != MWX_JOURNAL_SAMPLE && r->kind != MWX_JOURNAL_REPLAY)
    return 0;
  json_t *o = NULL;
  if (mwx_json_load_text(r->payload, strlen(r->payload), "payload", &o)) {
    x->bad++;
    return 0;
  }
  if (r->kind == MWX_JOURNAL_PLOT) {
    x->plots++;
    const char *kind = json_string_value(json_object_get(o, "kind"));
    const char *sensor = json_string_value(json_object_get(o, "sensor"));
    if (!sensor || strncmp(sensor, "JPN-", 4))
      x->bad++;
    if (kind && !strcmp(kind, "radar")) {
      x->radar++;
      double el = json_number_value(json_object_get(o, "el_deg"));
      if (mwx_json_check_keys(o, (const char *[]){"sensor", "kind", "range_m", "az_deg", "el_deg", NULL}, "plot") ||
          !(json_number_value(json_object_get(o, "range_m")) > 0) || !(el >= -90 && el <= 90))
        x->bad++;
    } else if (kind && !strcmp(kind, "ir")) {
      x->ir++;
      if (mwx_json_check_keys(o, (const char *[]){"sensor", "kind", "los_ecef", NULL}, "plot") ||
          json_array_size(json_object_get(o, "los_ecef")) != 3)
        x->bad++;
    } else
      x->bad++;
  } else {
    const char *from = json_string_value(json_object_get(o, "from"));
    if (!from || strcmp(from, "KOR") || strcmp(json_string_value(json_object_get(o, "topic")), "LaunchEvent"))
      x->bad++;
    x->seq_seen = (uint64_t)json_integer_value(json_object_get(o, "seq"));
    if (r->kind == MWX_JOURNAL_SAMPLE) {
      x->samples++;
      if (!json_is_true(json_object_get(o, "verified")))
        x->bad++;
    } else {
      x->replays++;
      if (!json_string_value(json_object_get(o, "why")))
        x->bad++;
    }
  }
  json_decref(o);
  return 0;
}

/* Plot records of a run and the receive path's records of an injected
 * partner sample (taken, then the same again: a replay or a copy) are JSON
 * objects with exactly their keys. */
static void test_node_payloads(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_node_payloads", dir, sizeof dir);
  char db[128];
  snprintf(db, sizeof db, "%s/jpn.db", dir);
  mwx_node_config cfg;
  fx_node_config(&cfg, "JPN", "2022-10-14-srbm.json", db);
  cfg.launch_fit = 0;
  cfg.sync = MWX_JOURNAL_SYNC_NORMAL;
  mwx_node *n;
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), 0);
  mwx_msg m;
  memset(&m, 0, sizeof m);
  m.topic = MWX_TOPIC_LAUNCH;
  memcpy(m.mark.originator, "KOR", 4);
  m.mark.classification = MWX_CLASSIF_SECRET;
  mwx_msg_marking_add(&m.mark, "KOR");
  mwx_msg_marking_add(&m.mark, "JPN");
  m.mark.seq = 3;
  snprintf(m.u.launch.local_track_id, MWX_ID_LEN, "KOR-T1");
  m.u.launch.lat_deg = 39.0;
  m.u.launch.lon_deg = 125.7;
  assert_int_equal(mwx_node_inject(n, &m), 0);
  assert_int_equal(mwx_node_inject(n, &m), 0);
  assert_int_equal(mwx_node_run(n), 0);
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  pctx x = {0};
  assert_int_equal(mwx_journal_query(mwx_node_journal(n), INT64_MIN, 0, on_payload, &x), 0);
  mwx_node_close(n);
  printf("    %d plot records (%d radar, %d IR) of %llu plots, %d sample, %d replay records\n", x.plots, x.radar, x.ir,
         (unsigned long long)st.plots, x.samples, x.replays);
  assert_int_equal(x.bad, 0);
  assert_true(x.plots > 10);
  assert_int_equal((uint64_t)x.plots, st.plots);
  assert_int_equal(x.samples + x.replays, 2);
  assert_true(x.samples >= 1);
  assert_int_equal(x.seq_seen, 3);
}

/* The RECEIVED line: latency to the node holding the sample, then to its
 * reception from DDS; neither when the topic has no time of validity. */
static void test_event_format_received(void **state) {
  (void)state;
  mwx_msg m;
  memset(&m, 0, sizeof m);
  m.topic = MWX_TOPIC_TRACK;
  memcpy(m.mark.originator, "KOR", 4);
  m.mark.seq = 7;
  snprintf(m.mark.rule_id, sizeof m.mark.rule_id, "kor-jpn-track");
  snprintf(m.u.track.local_track_id, sizeof m.u.track.local_track_id, "KOR-T3");
  mwx_node_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = MWX_NODE_EV_RECEIVED;
  memcpy(ev.partner, "KOR", 4);
  ev.msg = &m;
  ev.record_id = 20;
  ev.sim_ns = 50000000000ll;
  ev.latency_ms = 3.94;
  ev.recv_latency_ms = 3.46;
  char line[512];
  mwx_node_event_format("JPN", 0, &ev, line, sizeof line);
  assert_string_equal(line, "JPN <- KOR Track KOR-T3 seq=7 rule=kor-jpn-track verified, 3.9 ms after plot "
                            "(3.5 at reception) (t=+50s, record 20)");
  ev.latency_ms = ev.recv_latency_ms = -1;
  mwx_node_event_format("JPN", 0, &ev, line, sizeof line);
  assert_string_equal(line, "JPN <- KOR Track KOR-T3 seq=7 rule=kor-jpn-track verified (t=+50s, record 20)");
}

static void test_node_bad_config(void **state) {
  (void)state;
  mwx_node_config cfg;
  mwx_node_config_init(&cfg);
  mwx_node *n = NULL;
  strcpy(cfg.nation, "KOR");
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), MWX_EINVAL); /* no policy, no journal */
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-JPN.json", MWX_SOURCE_DIR);
  snprintf(cfg.journal, sizeof cfg.journal, "/tmp/mwx_test_node_never.db");
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), MWX_EINVAL); /* JPN's policy on a KOR node */
  assert_non_null(strstr(mwx_error_msg(), "policy of JPN"));
  assert_null(n);
  snprintf(cfg.policy, sizeof cfg.policy, "%s/config/policy-KOR.json", MWX_SOURCE_DIR);
  cfg.max_tracks = 0; /* the per-track table's bound: 1..MWX_NODE_MAX_TRACKS */
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), MWX_ERANGE);
  assert_non_null(strstr(mwx_error_msg(), "max_tracks"));
  cfg.max_tracks = MWX_NODE_MAX_TRACKS + 1;
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), MWX_ERANGE);
  assert_null(n);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_node_config_load(void **state) {
  (void)state;
  char dir[96];
  fx_subdir("test_node_config_load", dir, sizeof dir);
  char path[128];
  snprintf(path, sizeof path, "%s/kor.json", dir);
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"domain_id\":3,\"partners\":[\"USA\"],"
                   "\"journal\":\"kor.db\",\"scenario\":\"/abs/s.json\",\"speed\":20,\"seed\":7,"
                   "\"start_unix_ms\":1700000000000,\"linger_s\":2,\"sync\":\"normal\",\"journal_plots\":false}");
  mwx_node_config c;
  assert_int_equal(mwx_node_config_load(path, &c), 0);
  assert_string_equal(c.nation, "KOR");
  assert_true(c.online);
  char want[160];
  snprintf(want, sizeof want, "%s/kor.db", dir);
  assert_string_equal(c.journal, want); /* relative to the file */
  assert_string_equal(c.scenario, "/abs/s.json");
  assert_true(strstr(c.policy, "config/policy-KOR.json") != NULL); /* the default */
  assert_true(c.speed == 20);
  assert_int_equal(c.seed, 7);
  assert_int_equal(c.start_unix_ns, 1700000000000ll * 1000000ll);
  assert_true(c.linger_s == 2);
  assert_int_equal(c.sync, MWX_JOURNAL_SYNC_NORMAL);
  assert_int_equal(c.journal_plots, 0);
  assert_int_equal(c.launch_fit, 1); /* on the fit workers, off the loop thread */
  assert_true(c.step_s == 0);         /* event-driven */
  assert_int_equal(c.fit_workers, 1);  /* defaults */
  assert_int_equal(c.fit_queue, 32);
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"fit_workers\":2,\"fit_queue\":8}");
  assert_int_equal(mwx_node_config_load(path, &c), 0);
  assert_int_equal(c.fit_workers, 2);
  assert_int_equal(c.fit_queue, 8);
  assert_int_equal(c.slow_pass_ms, 0); /* diagnostics off by default */
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"slow_pass_ms\":100}");
  assert_int_equal(mwx_node_config_load(path, &c), 0);
  assert_int_equal(c.slow_pass_ms, 100);
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"slow_pass_ms\":60001}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'slow_pass_ms'"));
  assert_int_equal(c.batch_nice, MWX_NODE_BATCH_NICE_DEFAULT); /* the batch threads' priority */
  assert_int_equal(c.batch_sched, MWX_NODE_BATCH_OTHER);
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"batch_nice\":12,\"batch_sched\":\"idle\"}");
  assert_int_equal(mwx_node_config_load(path, &c), 0);
  assert_int_equal(c.batch_nice, 12);
  assert_int_equal(c.batch_sched, MWX_NODE_BATCH_IDLE);
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"batch_nice\":20}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'batch_nice'"));
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"batch_sched\":\"rt\"}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'batch_sched'"));
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"fit_queue\":0}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'fit_queue'"));
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"fit_workers\":9}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'fit_workers'"));
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"speed\":-1}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'speed'"));
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\",\"journal\":\"k.db\",\"sync\":\"sometimes\"}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'sync'"));
  write_file(path, "{\"nation\":\"KOR\",\"pki_dir\":\"pki\"}");
  assert_int_equal(mwx_node_config_load(path, &c), MWX_EINVAL);
  assert_non_null(strstr(mwx_error_msg(), "'journal'"));
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loop_timers),          cmocka_unit_test(test_loop_fd),
      cmocka_unit_test(test_loop_queue_threads),   cmocka_unit_test(test_loop_queue_full),
      cmocka_unit_test(test_loop_stop_from_thread), cmocka_unit_test(test_node_offline),
      cmocka_unit_test(test_node_bad_config),      cmocka_unit_test(test_node_config_load),
      cmocka_unit_test(test_event_format_received), cmocka_unit_test(test_node_track_bound),
      cmocka_unit_test(test_node_payloads),        cmocka_unit_test(test_node_stages),
      cmocka_unit_test(test_node_diag_events),
  };
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
