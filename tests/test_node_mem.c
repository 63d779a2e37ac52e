/*
 * test_node_mem.c - the memory worker's trim threshold (node_int.h
 * node_mem_trim_due, src/node/node_mem.c): malloc_trim runs when the
 * arenas' free bytes grew by the threshold since the last trim, not
 * whenever they are above it.
 *   - the threshold's arithmetic: the first trim at free_min free; after a
 *     trim that left F free, none until F + free_min; free bytes that fall
 *     below the base lower it (reused chunks: freed again, they count);
 *     0 free bytes (AddressSanitizer's heap) never trims;
 *   - on glibc's real heap: 16 MB freed in 4 KB chunks with one chunk kept
 *     at the heap's top (so the free chunks stay in the arena) trims once;
 *     the same reading right after the trim (the chunks are still free in
 *     malloc's lists: mallinfo2's fordblks barely drops) does not trim
 *     again, where the old threshold (free bytes >= free_min) would;
 *   - the partners' latest samples at their bound (MWX_FUSE_LATEST_MAX
 *     keys, issue 16): a new key received when full takes the place of the
 *     key received longest ago, counted (picture_evicted, in NodeStatus
 *     overflows), nothing refused, no crash; the table stays at its bound;
 *     online, a key received more than replay_max_age_s ago is retired
 *     instead (picture_retired, not an overflow);
 *   - the malloc policy an online node sets (malloc_mmap_threshold_kb,
 *     issue 16 "RSS flat"): a node at speed > 0 fixes the mmap threshold
 *     at 64 kB; then the salvo's fill (64 per-track buffers grown by
 *     realloc doubling to 128 kB, each step followed by a small block
 *     that stays, after one 1-MB block freed as the tracker's cost matrix
 *     is at each scan) leaves less than 2 MB free in the arenas once the
 *     buffers are freed.  With glibc's dynamic threshold (the node before
 *     the fix) the freed 1-MB block raises the threshold to 1 MB, the
 *     buffers come from the heap, and freeing them leaves ~8 MB of free
 *     chunks the small blocks pin (BENCHMARKS.md, twenty-sixth session).
 *     Last in the file: the threshold is process-wide.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mwx/error.h"
#include "mwx/journal.h"
#include "fixture_dir.h"
#include "fixture_node.h"
#include "node/node_int.h"

#define MB (1024u * 1024u)

static void test_threshold_arithmetic(void **state) {
  (void)state;
  uint64_t base = 0;
  assert_int_equal(node_mem_trim_due(&base, 3 * MB, 4 * MB), 0);
  assert_int_equal(node_mem_trim_due(&base, 4 * MB, 4 * MB), 1);
  base = 10 * MB; /* the trim left 10 MB free (chunks that cannot be returned) */
  assert_int_equal(node_mem_trim_due(&base, 10 * MB, 4 * MB), 0);
  assert_int_equal(node_mem_trim_due(&base, 13 * MB, 4 * MB), 0);
  assert_int_equal(base, 10 * MB);
  assert_int_equal(node_mem_trim_due(&base, 6 * MB, 4 * MB), 0); /* 4 MB reused */
  assert_int_equal(base, 6 * MB);
  assert_int_equal(node_mem_trim_due(&base, 10 * MB, 4 * MB), 1); /* freed again */
  uint64_t asan = 0;
  for (int i = 0; i < 10; i++)
    assert_int_equal(node_mem_trim_due(&asan, 0, 4 * MB), 0);
  assert_int_equal(asan, 0);
}

static void test_real_heap_trims_once(void **state) {
  (void)state;
#ifdef __SANITIZE_ADDRESS__
  skip(); /* mallinfo2 reports none of ASan's heap: the arithmetic test covers 0 free bytes */
#else
  enum { N = 4096, SZ = 4096 };
  void **p = malloc(N * sizeof *p);
  assert_non_null(p);
  for (int i = 0; i < N; i++)
    assert_non_null(p[i] = malloc(SZ));
  void *top = malloc(SZ); /* keeps the freed chunks below the top: trimmed by madvise, still free */
  assert_non_null(top);
  uint64_t base = mallinfo2().fordblks; /* as if a trim had just run */
  for (int i = 0; i < N; i++)
    free(p[i]);
  uint64_t f1 = mallinfo2().fordblks;
  assert_true(f1 >= base + 15 * MB);
  assert_int_equal(node_mem_trim_due(&base, f1, 4 * MB), 1);
  malloc_trim(0);
  base = mallinfo2().fordblks;
  assert_true(base >= 4 * MB); /* the old threshold (free >= 4 MB) would trim again */
  assert_int_equal(node_mem_trim_due(&base, mallinfo2().fordblks, 4 * MB), 0);
  free(top);
  free(p);
#endif
}

/* One partner Track of JPN with local id JPN-T<i+1>, seq i+1, received at
 * wall time recv_ns, handed to the node's receive path (node_rx_take) as
 * net hands over an accepted sample. */
static void rx_track(mwx_node *n, int i, int64_t recv_ns) {
  node_rx_item it;
  memset(&it, 0, sizeof it);
  it.kind = MWX_NET_EV_ACCEPTED;
  it.has_msg = 1;
  it.recv_ns = recv_ns;
  snprintf(it.partner, sizeof it.partner, "JPN");
  mwx_msg *m = &it.msg;
  m->topic = MWX_TOPIC_TRACK;
  memcpy(m->mark.originator, "JPN", 4);
  memcpy(m->mark.releasable_to[0], "KOR", 4);
  m->mark.n_releasable = 1;
  m->mark.seq = (uint64_t)i + 1;
  snprintf(m->u.track.local_track_id, MWX_ID_LEN, "JPN-T%d", i + 1);
  m->u.track.time_ns = mwx_node_epoch_ns(n) + (int64_t)i * 1000000;
  mwx_node_event ev;
  assert_int_equal(node_rx_take(n, &it, &ev), 1); /* journaled in the open batch */
  assert_int_equal(ev.kind, MWX_NODE_EV_RECEIVED);
}

/* KOR's offline configuration on 2022-11-18 with its journal in a fresh
 * test directory sub (db: its path, 600 bytes), sync normal, no launch fit. */
static void kor_config(const char *sub, char db[600], mwx_node_config *cfg) {
  char dir[512];
  fx_subdir(sub, dir, sizeof dir);
  snprintf(db, 600, "%s/kor.db", dir);
  fx_node_config(cfg, "KOR", "2022-11-18-hwasong17.json", db);
  cfg->sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg->launch_fit = 0;
}

static void test_latest_full_evicts_stalest(void **state) {
  (void)state;
  char db[600];
  mwx_node_config cfg;
  kor_config("latest_full", db, &cfg);
  mwx_node *n = NULL;
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), 0);
  enum { EXTRA = 100 };
  const int total = MWX_FUSE_LATEST_MAX + EXTRA;
  assert_int_equal(mwx_journal_begin(n->j), 0);
  for (int i = 0; i < total; i++)
    rx_track(n, i, 1000 + i); /* key i received at 1000 + i: JPN-T1 is the stalest */
  assert_int_equal(mwx_journal_commit(n->j), 0);
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  assert_int_equal(st.received, total);
  assert_int_equal(st.picture_entries, MWX_FUSE_LATEST_MAX);
  assert_int_equal(st.picture_evicted, EXTRA);
  assert_int_equal(st.picture_dropped, 0);
  /* the keys left are the newest MWX_FUSE_LATEST_MAX: JPN-T1..T100 gave way */
  assert_int_equal(mwx_fuse_latest_evict_oldest(n->latest, NULL), 0);
  mwx_fuse_latest_entry e;
  assert_int_equal(mwx_fuse_latest_evict_oldest(n->latest, &e), 0);
  assert_string_equal(e.msg.u.track.local_track_id, "JPN-T102");
  /* NodeStatus tells the partners: overflows counts the evictions */
  assert_int_equal(mwx_journal_begin(n->j), 0);
  assert_int_equal(node_status_sample(n), 0);
  assert_true(n->scratch.u.status.overflows >= EXTRA);
  assert_int_equal(mwx_journal_commit(n->j), 0);
  mwx_node_close(n);
}

/* Online (speed > 0), the key that gives way is retired, not evicted, when
 * it was received more than replay_max_age_s ago: a silent key is no loss
 * (picture_retired, not in NodeStatus overflows); a key received less long
 * ago is still evicted and counted. */
static void test_latest_full_retires_silent(void **state) {
  (void)state;
  char db[600];
  mwx_node_config cfg;
  kor_config("latest_retire", db, &cfg);
  cfg.speed = 1;                    /* online: the age rule applies (not joined: no net) */
  cfg.malloc_mmap_threshold_kb = 0; /* glibc's own policy: the threshold is process-wide */
  mwx_node *n = NULL;
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), 0);
  const int64_t s = 1000000000;
  const int64_t old_ns = 1000 * s;                                          /* OLD keys received then */
  const int64_t mid_ns = old_ns + (int64_t)(cfg.replay_max_age_s / 2) * s; /* the others then */
  const int64_t now_ns = old_ns + (int64_t)(cfg.replay_max_age_s + 1) * s; /* the new keys */
  enum { OLD = 50, NEW = 120 };
  assert_int_equal(mwx_journal_begin(n->j), 0);
  for (int i = 0; i < MWX_FUSE_LATEST_MAX; i++)
    rx_track(n, i, (i < OLD ? old_ns : mid_ns) + i);
  for (int i = MWX_FUSE_LATEST_MAX; i < MWX_FUSE_LATEST_MAX + NEW; i++)
    rx_track(n, i, now_ns + i);
  assert_int_equal(mwx_journal_commit(n->j), 0);
  mwx_node_stats st;
  mwx_node_get_stats(n, &st);
  assert_int_equal(st.picture_entries, MWX_FUSE_LATEST_MAX);
  assert_int_equal(st.picture_retired, OLD);       /* silent for replay_max_age_s + 1 s */
  assert_int_equal(st.picture_evicted, NEW - OLD); /* silent for half of it: lost, counted */
  assert_int_equal(st.picture_dropped, 0);
  mwx_fuse_latest_entry e; /* the stalest left: the first key received at mid_ns not yet gone */
  assert_int_equal(mwx_fuse_latest_evict_oldest(n->latest, &e), 0);
  char want[MWX_ID_LEN];
  snprintf(want, sizeof want, "JPN-T%d", NEW + 1);
  assert_string_equal(e.msg.u.track.local_track_id, want);
  /* NodeStatus counts the evictions only */
  assert_int_equal(mwx_journal_begin(n->j), 0);
  assert_int_equal(node_status_sample(n), 0);
  assert_int_equal(n->scratch.u.status.overflows, NEW - OLD);
  assert_int_equal(mwx_journal_commit(n->j), 0);
  mwx_node_close(n);
}

static void test_online_node_fixes_mmap_threshold(void **state) {
  (void)state;
#ifdef __SANITIZE_ADDRESS__
  skip(); /* ASan's allocator refuses mallopt and mallinfo2 does not see its heap */
#else
  char db[600];
  mwx_node_config cfg;
  kor_config("mmap_threshold", db, &cfg);
  assert_int_equal(cfg.malloc_mmap_threshold_kb, MWX_NODE_MMAP_THRESHOLD_KB_DEFAULT);
  cfg.malloc_mmap_threshold_kb = 8; /* below the range: refused, named */
  mwx_node *n = NULL;
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), MWX_ERANGE);
  assert_non_null(strstr(mwx_error_msg(), "malloc_mmap_threshold_kb 8"));
  cfg.malloc_mmap_threshold_kb = MWX_NODE_MMAP_THRESHOLD_KB_DEFAULT;
  cfg.speed = 1; /* real time: the online node's policy (not joined: no net) */
  assert_int_equal(mwx_node_open(&cfg, NULL, NULL, &n), 0);
  mwx_node_memory m;
  mwx_node_get_memory(n, &m);
  assert_int_equal(m.mmap_threshold_kb, 64);
  mwx_node_close(n);
  /* the fill and its release, as in the salvo (src/track/tracker.c add_early: 64 plots, doubling) */
  char *volatile big = malloc(1u << 20);
  assert_non_null(big);
  big[0] = 1, big[4096] = 1;
  free(big);
  enum { N = 64, STEPS = 5 };
  char *buf[N];
  void *pin[N * STEPS];
  int np = 0;
  uint64_t free0 = mallinfo2().fordblks;
  for (int i = 0; i < N; i++) {
    buf[i] = NULL;
    for (size_t sz = 8192; sz <= 131072; sz *= 2) {
      char *q = realloc(buf[i], sz);
      assert_non_null(q);
      buf[i] = q;
      memset(q + sz / 2, 1, sz / 2);
      assert_non_null(pin[np++] = malloc(512));
    }
  }
  for (int i = 0; i < N; i++)
    free(buf[i]);
  uint64_t free1 = mallinfo2().fordblks;
  assert_true(free1 < free0 + 2 * MB); /* glibc's dynamic threshold: free0 + ~8 MB */
  for (int i = 0; i < np; i++)
    free(pin[i]);
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threshold_arithmetic),
      cmocka_unit_test(test_real_heap_trims_once),
      cmocka_unit_test(test_latest_full_evicts_stalest),
      cmocka_unit_test(test_latest_full_retires_silent),
      cmocka_unit_test(test_online_node_fixes_mmap_threshold), /* last: process-wide */
  };
  return cmocka_run_group_tests(tests, fx_dir_setup, fx_dir_teardown);
}
